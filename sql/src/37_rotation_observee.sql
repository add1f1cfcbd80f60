-- flux_mgmt install script, part 37_rotation_observee: the observed rotation
-- rates of the "diagnostic partagé" (DOMAIN §3.3, §3.10).
--
-- A landlord's rate is departures ÷ dwellings let, from its own history:
-- the dwellings of its assiette at 1 January of a year, and the vacancies of
-- those dwellings in that year that are not first lettings.  The years
-- before the landlord's first recorded vacancy in the département, and after
-- its last, are not part of its history (it was not recording yet, or has
-- not recorded them yet): they are left out, of the average too; a year in
-- between without a departure is a rate of 0.
-- (sql/src/*.sql are concatenated in name order into the install script.)

-- The rates per typology the parties agreed on for the conversion (DOMAIN
-- §3.4; the seed lists the options discussed: one rate, a rate per
-- réservataire type, the landlord's rate by typology).  Empty unless they
-- agreed: the conversion then uses the landlord's one rate.
CREATE TABLE flux_mgmt.rotation_typologie (
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	annee integer NOT NULL,
	typologie text NOT NULL,
	taux numeric NOT NULL,
	PRIMARY KEY (bailleur, departement, annee, typologie),
	CONSTRAINT rotation_typologie_typologie CHECK (typologie IN ('T1', 'T2', 'T3', 'T4', 'T5+')),
	CONSTRAINT rotation_typologie_taux CHECK (taux >= 0 AND taux <= 100)
);
COMMENT ON TABLE flux_mgmt.rotation_typologie IS
	'rotation rates per typology of a landlord in a département for a year, when the parties agreed to convert stock rights with them (detail_conversion: a droit de suite''s dwellings each at the rate of its typology, the landlord''s rate for a typology without one)';
COMMENT ON COLUMN flux_mgmt.rotation_typologie.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.rotation_typologie.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.rotation_typologie.annee IS 'year it applies to';
COMMENT ON COLUMN flux_mgmt.rotation_typologie.typologie IS 'T1, T2, T3, T4 or T5+';
COMMENT ON COLUMN flux_mgmt.rotation_typologie.taux IS 'rate in percent';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.rotation_typologie', '');
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.rotation_typologie
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_prevision();
COMMENT ON TRIGGER verifier ON flux_mgmt.rotation_typologie IS 'runs flux_mgmt.verifier_prevision() on every written row: the rules of a rotation rate per typology, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.rotation_observee(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, typologie text, annee_debut integer, annee_fin integer, moyenne boolean,
			   logements bigint, departs bigint, taux numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'rotation_observee');
	RETURN QUERY
	-- MATERIALIZED: computed once, not joined into every dwelling's row
	WITH annees AS MATERIALIZED (
		SELECT y FROM generate_series($3 - 2, $3) AS y
		WHERE y BETWEEN (SELECT extract(year FROM min(va.date_liberation)) FROM logement l JOIN vacance va ON va.logement_id = l.id
						 WHERE l.bailleur = $1 AND departement(l.commune) = $2)
					AND (SELECT extract(year FROM max(va.date_liberation)) FROM logement l JOIN vacance va ON va.logement_id = l.id
						 WHERE l.bailleur = $1 AND departement(l.commune) = $2)
	), loues AS (
		-- the dwellings let at 1 January (the assiette) and their departures of the year
		SELECT a.y, l.commune, typologie(l.nb_pieces) AS typologie,
			   (SELECT count(*) FROM vacance va
				WHERE va.logement_id = l.id AND NOT va.premiere_location
				  AND va.date_liberation >= make_date(a.y, 1, 1) AND va.date_liberation < make_date(a.y + 1, 1, 1)) AS departs
		FROM annees a CROSS JOIN LATERAL logements_detenus($1, $2, make_date(a.y, 1, 1)) AS l
		WHERE l.regime = 'flux'
	), territoires AS (
		-- the territorial réservataires of the landlord's conventions of the window
		SELECT DISTINCT t.reservataire, t.commune
		FROM convention c JOIN territoire t ON t.reservataire = c.reservataire
		WHERE c.bailleur = $1 AND c.departement = $2
		  AND c.annee_debut <= $3 AND coalesce(c.annee_fin, $3) >= $3 - 2
	), lignes AS (
		SELECT NULL::text AS reservataire, lo.y, lo.typologie, lo.departs FROM loues lo
		UNION ALL
		SELECT t.reservataire, lo.y, NULL, lo.departs FROM loues lo JOIN territoires t ON t.commune = lo.commune
	), groupes AS (
		SELECT li.reservataire, li.typologie, GROUPING(li.typologie) = 1 AS toutes, GROUPING(li.y) = 1 AS moyenne,
			   min(li.y) AS debut, max(li.y) AS fin, count(*) AS logements, sum(li.departs)::bigint AS departs
		FROM lignes li
		GROUP BY GROUPING SETS ((li.reservataire, li.y), (li.reservataire), (li.reservataire, li.typologie, li.y), (li.reservataire, li.typologie))
	)
	SELECT g.reservataire, g.typologie, g.debut, g.fin, g.moyenne, g.logements, g.departs,
		   round(100.0 * g.departs / g.logements, 2)
	FROM groupes g
	-- per typology for the whole département only; a dwelling of unknown typology counts in the totals
	WHERE g.toutes OR (g.reservataire IS NULL AND g.typologie IS NOT NULL)
	ORDER BY g.reservataire COLLATE "C" NULLS FIRST, g.typologie COLLATE "C" NULLS FIRST, g.moyenne, g.debut;
END
$$;
COMMENT ON FUNCTION flux_mgmt.rotation_observee(text, text, integer) IS
	'DOMAIN §3.3, §3.10, the diagnostic partagé: a landlord''s observed rotation rate in a département, for each of the years annee-2 to annee within its recorded history there, from the year of its first recorded vacancy to that of its last (a year in between without a departure: 0), and pooled over them (moyenne: sum of departures ÷ sum of dwellings): dwellings let = its assiette at 1 January (regime flux, owned, in service), departures = their vacancies of the year that are not first lettings; rows for the whole département (reservataire and typologie null), per typology (a dwelling of unknown typology only in the totals), and per territory of the territorial réservataires of its conventions of those years; taux in percent, rounded to 0.01';

CREATE FUNCTION flux_mgmt.retenir_rotation(bailleur text, departement text, annee integer, remplacer boolean DEFAULT false,
										   par_typologie boolean DEFAULT false)
RETURNS numeric
	LANGUAGE plpgsql STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	r record;
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'retenir_rotation');
	IF $3 >= 2200 THEN
		PERFORM refuser(format('year %s in retenir_rotation is out of range', $3),
						format('The rate observed up to %s would be written for %s; rotation rates are for 1900 to 2200.', $3, $3 + 1),
						'Give the last year observed, 2199 at most.', 'invalid_parameter_value');
	END IF;
	SELECT o.* INTO r FROM rotation_observee($1, $2, $3) AS o
	WHERE o.reservataire IS NULL AND o.typologie IS NULL AND o.moyenne;
	IF NOT FOUND THEN
		PERFORM refuser(
			format('no history of landlord %L in département %s from %s to %s', $1, $2, $3 - 2, $3),
			CASE WHEN EXISTS (SELECT FROM logement l JOIN vacance va ON va.logement_id = l.id
							  WHERE l.bailleur = $1 AND departement(l.commune) = $2 AND va.date_liberation < make_date($3 + 1, 1, 1))
				 THEN 'The observed rate is departures ÷ dwellings let at 1 January (rotation_observee); the landlord had no dwelling let at 1 January of those years.'
				 ELSE 'The observed rate is departures ÷ dwellings let over the years from the landlord''s first recorded vacancy (rotation_observee); it recorded none up to then.' END,
			format('Record the vacancies of those years, or agree on a rate and insert it: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (%L, %L, %s, %s);',
				   $1, $2, $3 + 1, taux_rotation_reference($2)),
			'invalid_parameter_value');
	END IF;
	IF r.taux > 100 THEN
		PERFORM refuser(
			format('the rotation observed for landlord %L in département %s from %s to %s is %s %%, above 100', $1, $2, r.annee_debut, r.annee_fin, r.taux),
			format('%s departures for %s dwellings let: dwellings let several times a year, or departures recorded on dwellings not counted at 1 January.', r.departs, r.logements),
			'Check the vacancies of those years (rotation_observee), or agree on a rate and insert it into flux_mgmt.rotation.',
			'invalid_parameter_value');
	END IF;
	IF par_typologie THEN
		-- the rates per typology as well, for a conversion the parties agreed to run with them
		IF NOT remplacer AND EXISTS (SELECT FROM rotation_typologie x WHERE x.bailleur = $1 AND x.departement = $2 AND x.annee = $3 + 1) THEN
			PERFORM refuser(
				format('landlord %L already has rotation rates per typology for département %s in %s', $1, $2, $3 + 1), NULL,
				'Call it with remplacer => true to replace them.', 'unique_violation');
		END IF;
		DELETE FROM rotation_typologie x WHERE x.bailleur = $1 AND x.departement = $2 AND x.annee = $3 + 1;
		INSERT INTO rotation_typologie (bailleur, departement, annee, typologie, taux)
		SELECT $1, $2, $3 + 1, o.typologie, o.taux FROM rotation_observee($1, $2, $3) AS o
		WHERE o.reservataire IS NULL AND o.typologie IS NOT NULL AND o.moyenne AND o.taux <= 100
		ORDER BY o.typologie;
	END IF;
	IF remplacer THEN
		INSERT INTO rotation AS x (bailleur, departement, annee, taux) VALUES ($1, $2, $3 + 1, r.taux)
		ON CONFLICT ON CONSTRAINT rotation_pkey DO UPDATE SET taux = excluded.taux;
	ELSE
		-- a rate written meanwhile by another session is not replaced either
		INSERT INTO rotation AS x (bailleur, departement, annee, taux) VALUES ($1, $2, $3 + 1, r.taux)
		ON CONFLICT ON CONSTRAINT rotation_pkey DO NOTHING;
		IF NOT FOUND THEN
			PERFORM refuser(
				format('landlord %L already has a rotation rate for département %s in %s', $1, $2, $3 + 1),
				format('The rate of %s is %s %%; the observed rate would be %s %%.',
					   $3 + 1, (SELECT x.taux FROM rotation x WHERE x.bailleur = $1 AND x.departement = $2 AND x.annee = $3 + 1), r.taux),
				'Call it with remplacer => true to replace it.',
				'unique_violation');
		END IF;
	END IF;
	RETURN r.taux;
END
$$;
COMMENT ON FUNCTION flux_mgmt.retenir_rotation(text, text, integer, boolean, boolean) IS
	'writes into rotation, for the year after annee, and with par_typologie into rotation_typologie per typology, the landlord''s rotation rate observed in the département over annee-2 to annee (rotation_observee, pooled), and returns it; an existing rate of that year (one written meanwhile by another session too) is an error (23505) unless remplacer; no history in those years, a rate above 100 % or annee 2200 is an error (22023), the first two with the row to insert by hand as hint';
