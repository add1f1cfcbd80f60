--------------------------------------------------------------------------------
-- Bad inputs refused (issue 12): dates and years within 1900-2200, bounded
-- delays and forecasts, no NaN or infinite quantity, RPLS files with any line
-- end, names without control characters in the report and the export
--------------------------------------------------------------------------------

-- 0.1 accepted rows that 0.2's new constraints refuse: a vacancy of
-- 0001-01-01, a forecast of 2147483647 dwellings, a stock right of NaN
-- dwellings…  Such rows cannot be kept or guessed at: list them all, by
-- table and key, with the value, and change nothing.
DO $$
DECLARE
	regle record;
	lignes text;
	fautes text[] := '{}';
BEGIN
	FOR regle IN
		SELECT * FROM (VALUES
			('vacance', 'vacance_date_entre_1900_et_2200',
			 $q$date_liberation BETWEEN '1900-01-01'::date AND '2200-12-31'::date$q$,
			 $q$pg_catalog.format('id %s (date_liberation %s)', id, date_liberation)$q$),
			('orientation', 'orientation_dates_entre_1900_et_2200',
			 $q$date_orientation BETWEEN '1900-01-01'::date AND '2200-12-31'::date
				AND date_limite BETWEEN '1900-01-01'::date AND '2200-12-31'::date AND date_issue BETWEEN '1900-01-01'::date AND '2200-12-31'::date$q$,
			 $q$pg_catalog.format('id %s (date_orientation %s, date_limite %s, date_issue %s)', id, date_orientation, date_limite, date_issue)$q$),
			('attribution', 'attribution_dates_entre_1900_et_2200',
			 $q$date_caleol BETWEEN '1900-01-01'::date AND '2200-12-31'::date AND date_bail BETWEEN '1900-01-01'::date AND '2200-12-31'::date$q$,
			 $q$pg_catalog.format('id %s (date_caleol %s, date_bail %s)', id, date_caleol, date_bail)$q$),
			('convention', 'convention_annees_entre_1900_et_2200',
			 $q$annee_debut BETWEEN 1900 AND 2200 AND annee_fin BETWEEN 1900 AND 2200$q$,
			 $q$pg_catalog.format('id %s (annee_debut %s, annee_fin %s)', id, annee_debut, annee_fin)$q$),
			('convention', 'convention_delai_5_ans',
			 $q$delai <= '5 years'::interval$q$,
			 $q$pg_catalog.format('id %s (delai %s)', id, delai)$q$),
			('mise_en_service_prevue', 'mise_en_service_nombre_plafond',
			 $q$nombre <= 1000000$q$,
			 $q$pg_catalog.format('(%s, %s, %s) (nombre %s)', bailleur, departement, annee, nombre)$q$),
			('soustraction_prevue', 'soustraction_nombre_plafond',
			 $q$nombre <= 1000000$q$,
			 $q$pg_catalog.format('(%s, %s, %s, %s) (nombre %s)', bailleur, departement, annee, motif, nombre)$q$),
			('droit_stock', 'droit_stock_nombre_fini',
			 $q$nombre < 'Infinity'::numeric$q$,
			 $q$pg_catalog.format('id %s (nombre %s)', id, nombre)$q$),
			('convention_stock', 'convention_stock_nombre_fini',
			 $q$nombre < 'Infinity'::numeric$q$,
			 $q$pg_catalog.format('id %s (nombre %s)', id, nombre)$q$),
			('conversion', 'conversion_valeurs_finies',
			 $q$flux_reference < 'Infinity'::numeric AND volume_annuel < 'Infinity'::numeric
				AND droits_uniques < 'Infinity'::numeric AND taux < 'Infinity'::numeric AND exces < 'Infinity'::numeric$q$,
			 $q$pg_catalog.format('id %s (flux_reference %s, volume_annuel %s, droits_uniques %s, taux %s, exces %s)',
								  id, flux_reference, volume_annuel, droits_uniques, taux, exces)$q$),
			('conversion_palier', 'conversion_palier_valeurs_finies',
			 $q$volume_annuel < 'Infinity'::numeric AND volume_limite < 'Infinity'::numeric
				AND taux > '-Infinity'::numeric AND taux < 'Infinity'::numeric AND exces > '-Infinity'::numeric AND exces < 'Infinity'::numeric$q$,
			 $q$pg_catalog.format('(%s, %s) (volume_annuel %s, volume_limite %s, taux %s, exces %s)',
								  conversion_id, annee_debut, volume_annuel, volume_limite, taux, exces)$q$),
			('parametre_orientation', 'parametre_orientation_valeur',
			 $q$valeur >= 0 AND valeur <= 100$q$,
			 $q$pg_catalog.format('%s (valeur %s)', cle, valeur)$q$)
		) AS r(tbl, contrainte, condition, description)
	LOOP
		EXECUTE pg_catalog.format('SELECT pg_catalog.string_agg(d, ''; '') FROM (SELECT %s AS d FROM flux_mgmt.%I WHERE (%s) IS FALSE ORDER BY 1 LIMIT 20) AS x',
								  regle.description, regle.tbl, regle.condition)
		INTO lignes;
		IF lignes IS NOT NULL THEN
			fautes := fautes OPERATOR(pg_catalog.||) pg_catalog.format('flux_mgmt.%s, rule %s: %s', regle.tbl, regle.contrainte, lignes);
		END IF;
	END LOOP;
	IF pg_catalog.cardinality(fautes) OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'flux_mgmt 0.2 refuses rows that 0.1 accepted: %', pg_catalog.array_to_string(fautes, ' | ')
			USING ERRCODE = 'check_violation',
				  DETAIL = 'From 0.2 every date and year lies within 1900-01-01 and 2200-12-31, a convention''s delay is at most 5 years, a forecast at most 1,000,000 dwellings, a préfet''s floor 0 to 100 %, and no quantity is NaN or infinite (at most 20 rows are named per rule).',
				  HINT = 'Correct or delete those rows with 0.1 (they were typing errors: a date of 0001-01-01 or 4713 BC is counted in a year no report shows), then run ALTER EXTENSION flux_mgmt UPDATE again; nothing was changed.';
	END IF;
END
$$;

ALTER TABLE flux_mgmt.vacance
	ADD CONSTRAINT vacance_date_entre_1900_et_2200 CHECK (date_liberation BETWEEN '1900-01-01'::date AND '2200-12-31'::date);
ALTER TABLE flux_mgmt.orientation
	ADD CONSTRAINT orientation_dates_entre_1900_et_2200 CHECK (date_orientation BETWEEN '1900-01-01'::date AND '2200-12-31'::date
		AND date_limite BETWEEN '1900-01-01'::date AND '2200-12-31'::date AND date_issue BETWEEN '1900-01-01'::date AND '2200-12-31'::date);
ALTER TABLE flux_mgmt.attribution
	ADD CONSTRAINT attribution_dates_entre_1900_et_2200 CHECK (date_caleol BETWEEN '1900-01-01'::date AND '2200-12-31'::date
		AND date_bail BETWEEN '1900-01-01'::date AND '2200-12-31'::date);
ALTER TABLE flux_mgmt.convention
	ADD CONSTRAINT convention_annees_entre_1900_et_2200 CHECK (annee_debut BETWEEN 1900 AND 2200 AND annee_fin BETWEEN 1900 AND 2200),
	ADD CONSTRAINT convention_delai_5_ans CHECK (delai <= '5 years'::interval);
ALTER TABLE flux_mgmt.mise_en_service_prevue
	ADD CONSTRAINT mise_en_service_nombre_plafond CHECK (nombre <= 1000000);
ALTER TABLE flux_mgmt.soustraction_prevue
	ADD CONSTRAINT soustraction_nombre_plafond CHECK (nombre <= 1000000);
ALTER TABLE flux_mgmt.droit_stock
	ADD CONSTRAINT droit_stock_nombre_fini CHECK (nombre < 'Infinity'::numeric);
ALTER TABLE flux_mgmt.convention_stock
	ADD CONSTRAINT convention_stock_nombre_fini CHECK (nombre < 'Infinity'::numeric);
ALTER TABLE flux_mgmt.conversion
	ADD CONSTRAINT conversion_valeurs_finies CHECK (flux_reference < 'Infinity'::numeric AND volume_annuel < 'Infinity'::numeric
		AND droits_uniques < 'Infinity'::numeric AND taux < 'Infinity'::numeric AND exces < 'Infinity'::numeric);
ALTER TABLE flux_mgmt.conversion_palier
	ADD CONSTRAINT conversion_palier_valeurs_finies CHECK (volume_annuel < 'Infinity'::numeric AND volume_limite < 'Infinity'::numeric
		AND taux > '-Infinity'::numeric AND taux < 'Infinity'::numeric AND exces > '-Infinity'::numeric AND exces < 'Infinity'::numeric);
ALTER TABLE flux_mgmt.parametre_orientation
	ADD CONSTRAINT parametre_orientation_valeur CHECK (valeur >= 0 AND valeur <= 100);
COMMENT ON COLUMN flux_mgmt.convention.annee_debut IS 'first year in force (1900-2200)';
COMMENT ON COLUMN flux_mgmt.convention.annee_fin IS 'last year in force (inclusive, 1900-2200), null while open';
COMMENT ON COLUMN flux_mgmt.convention.delai IS 'delay for the réservataire to propose candidates (above 0, at most 5 years)';

