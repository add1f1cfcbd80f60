-- The row rules say it first, in the domain's words: NaN and infinities
-- (22023), years, delays and forecasts out of bounds.
CREATE FUNCTION flux_mgmt.exiger_fini(valeur numeric, quoi text, contexte text) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF valeur IN ('NaN', 'Infinity', '-Infinity') THEN
		PERFORM flux_mgmt.refuser(
			format('%s %s of %s is not a finite number', quoi, valeur, contexte),
			'NaN, Infinity and -Infinity are values of the numeric type, but no share, rate, number or volume.',
			'Give a finite number; check the computation or the file the value came from.',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_fini(numeric, text, text) IS
	'raises 22023 naming the value when a numeric quantity is NaN, Infinity or -Infinity (null passes); quoi names the quantity, contexte where it was found';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_convention() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	nom text := format('convention %s/%s/%s', NEW.bailleur, NEW.reservataire, NEW.departement);
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, nom);
	PERFORM flux_mgmt.exiger_fini(NEW.taux, 'share', nom);
	IF NOT (NEW.taux > 0 AND NEW.taux <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('share %s %% of %s is out of range', NEW.taux, nom),
			'A share is a percentage of the flux, above 0 and at most 100.',
			'Write the share in percent (30 means 30 %); end the convention rather than set it to 0.');
	END IF;
	IF NEW.annee_debut NOT BETWEEN 1900 AND 2200 OR NEW.annee_fin NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('%s in force from %s to %s is outside the years 1900 to 2200',
				nom, NEW.annee_debut, coalesce(NEW.annee_fin::text, 'open')),
			'Conventions, like every date of flux_mgmt, lie within 1900-01-01 and 2200-12-31.',
			'Give calendar years such as 2026; leave annee_fin null for an open convention.');
	END IF;
	IF NEW.annee_fin < NEW.annee_debut THEN
		PERFORM flux_mgmt.refuser(
			format('%s ends in %s, before it starts in %s', nom, NEW.annee_fin, NEW.annee_debut),
			NULL,
			'annee_fin is the last year in force (inclusive), or null for an open convention.');
	END IF;
	IF NEW.delai <= '0'::interval THEN
		PERFORM flux_mgmt.refuser(
			format('delay %s of %s is not positive', NEW.delai, nom),
			NULL,
			'The delay for proposing candidates is one month in Île-de-France.');
	END IF;
	IF NEW.delai > '5 years'::interval THEN
		PERFORM flux_mgmt.refuser(
			format('delay %s of %s is above 5 years', NEW.delai, nom),
			'The delay for proposing candidates is counted in weeks or months: at most 5 years (60 months of 30 days).',
			'The delay is one month in Île-de-France: ''1 month''.');
	END IF;
	IF NEW.derogation_prefet AND NOT EXISTS (
		SELECT FROM flux_mgmt.reservataire r
		WHERE r.code = NEW.reservataire AND r.type IN ('etat_prioritaires', 'etat_agents')) THEN
		PERFORM flux_mgmt.refuser(
			format('%s has a préfet''s derogation but %L is not the State', nom, NEW.reservataire),
			NULL,
			'Only the State''s conventions (etat_prioritaires, etat_agents) can derogate to the State caps.');
	END IF;
	IF NEW.derogation_prefet AND NEW.annee_fin IS DISTINCT FROM NEW.annee_debut THEN
		PERFORM flux_mgmt.refuser(
			format('%s derogates to the State caps for more than one year (%s to %s)',
				nom, NEW.annee_debut, coalesce(NEW.annee_fin::text, 'open')),
			'A préfet''s arrêté may derogate for one year at most.',
			'Give the derogating convention annee_fin = annee_debut, and a separate convention for the other years.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_convention() IS
	'row rules of convention: département, a finite share in (0, 100], years within 1900-2200 in order, a delay above 0 and at most 5 years, derogation only for the State and one year';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_objectif_indicatif() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	valide boolean;
BEGIN
	valide := CASE NEW.critere
		WHEN 'nb_pieces' THEN NEW.valeur ~ '^[1-5]$'
		WHEN 'financement' THEN NEW.valeur = ANY (enum_range(NULL::flux_mgmt.financement)::text[])
		WHEN 'qpv' THEN NEW.valeur IN ('true', 'false')
		WHEN 'commune' THEN flux_mgmt.code_insee_valide(NEW.valeur)
	END;
	IF valide IS NULL THEN
		PERFORM flux_mgmt.refuser(
			format('unknown criterion %L in an indicative objective of convention %s', NEW.critere, NEW.convention_id),
			NULL,
			'The criteria are nb_pieces, financement, qpv and commune.');
	ELSIF NOT valide THEN
		PERFORM flux_mgmt.refuser(
			format('invalid value %L for criterion %s in an indicative objective of convention %s',
				NEW.valeur, NEW.critere, NEW.convention_id),
			NULL,
			CASE NEW.critere
				WHEN 'nb_pieces' THEN 'Give a number of rooms from 1 to 5 (5 means 5 and more).'
				WHEN 'financement' THEN 'Give one of plai, plus, pls, pli, pla, hlm_o, autre.'
				WHEN 'qpv' THEN 'Give true (in a QPV) or false.'
				ELSE 'Give a five-character INSEE commune code.' END);
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.part, 'part', format('an indicative objective of convention %s', NEW.convention_id));
	IF NOT (NEW.part >= 0 AND NEW.part <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('part %s %% of an indicative objective of convention %s is out of range', NEW.part, NEW.convention_id),
			NULL,
			'Write the part in percent of the convention''s flux, from 0 to 100.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_objectif_indicatif() IS
	'row rules of objectif_indicatif: a known criterion, a value of its kind, a finite part in [0, 100]';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_prevision() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ligne text := format('%s of landlord %L for %s', TG_TABLE_NAME, NEW.bailleur, NEW.annee);
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	IF NEW.annee NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('year %s of %s is out of range', NEW.annee, ligne),
			NULL,
			'Give a calendar year such as 2026.');
	END IF;
	IF TG_TABLE_NAME = 'rotation' THEN
		PERFORM flux_mgmt.exiger_fini(NEW.taux, 'rotation rate', ligne);
		IF NOT (NEW.taux >= 0 AND NEW.taux <= 100) THEN
			PERFORM flux_mgmt.refuser(
				format('rotation rate %s %% of %s is out of range', NEW.taux, ligne),
				NULL,
				'Write the rate in percent of the dwellings (5.3 means 5.3 %).');
		END IF;
	ELSIF NEW.nombre < 0 THEN
		PERFORM flux_mgmt.refuser(
			format('negative number %s in %s', NEW.nombre, ligne),
			NULL,
			'Give a number of dwellings, 0 or more.');
	ELSIF NEW.nombre > 1000000 THEN
		PERFORM flux_mgmt.refuser(
			format('number %s in %s is above 1000000', NEW.nombre, ligne),
			'A landlord''s yearly forecast of dwellings in one département is at most 1,000,000 (Île-de-France has 1.3 million social dwellings).',
			'Give the number of dwellings of the year, not a code or a sum of several years.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_prevision() IS
	'row rules of rotation, mise_en_service_prevue and soustraction_prevue: département, year 1900-2200, a finite rate in [0, 100] or a number from 0 to 1000000';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_droit_stock() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ligne text := format('stock right of %L with landlord %L', NEW.reservataire, NEW.bailleur);
	l record;
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	IF NEW.nature NOT IN ('suite', 'unique') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown nature %L of %s', NEW.nature, ligne),
			NULL,
			'A stock right is a droit de suite (''suite'') or single-use rights (''unique'').');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.nombre, 'number', ligne);
	IF NOT NEW.nombre > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('number %s of %s is not positive', NEW.nombre, ligne),
			NULL,
			'Give the dwellings of a droit de suite, or the single-use rights left; delete a right that is used up.');
	END IF;
	IF NEW.regime = 'hors_champ' THEN
		PERFORM flux_mgmt.refuser(
			format('%s cannot be hors_champ', ligne),
			NULL,
			'A stock right is flux (converted) or stock_defense, stock_securite, stock_sante (kept in stock).');
	END IF;
	IF NEW.logement_id IS NOT NULL THEN
		SELECT lg.bailleur, flux_mgmt.departement(lg.commune) AS departement INTO l
		FROM flux_mgmt.logement lg WHERE lg.id = NEW.logement_id;
		IF FOUND AND (l.bailleur <> NEW.bailleur OR l.departement <> NEW.departement) THEN
			PERFORM flux_mgmt.refuser(
				format('dwelling %s of %s belongs to landlord %L in département %s', NEW.logement_id, ligne, l.bailleur, l.departement),
				NULL,
				'A stock right is on a dwelling of its own landlord and département.');
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_droit_stock() IS
	'row rules of droit_stock: département, nature, a finite positive number, regime, the dwelling''s landlord and département';
CREATE OR REPLACE FUNCTION flux_mgmt.exiger_taux_rotation(taux numeric, contexte text) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_fini(taux, 'rotation rate', contexte);
	IF NOT (taux >= 0 AND taux <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('rotation rate %s %% of %s is out of range', taux, contexte),
			NULL,
			'Write the rate in percent of the dwellings (5.3 means 5.3 %), or leave it null to use the landlord''s rate of flux_mgmt.rotation.');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_taux_rotation(numeric, text) IS
	'raises 23514 unless a rotation rate given with a stock right is null or in [0, 100] (22023 when it is NaN or infinite)';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_convention_stock() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ligne text := format('old convention of %L with landlord %L', NEW.reservataire, NEW.bailleur);
BEGIN
	PERFORM flux_mgmt.exiger_reservataire(NEW.reservataire, ligne);
	IF NEW.nature NOT IN ('suite', 'unique') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown nature %L of %s', NEW.nature, ligne),
			NULL,
			'An old convention gives a droit de suite (''suite'') or single-use rights (''unique'').');
	END IF;
	IF NEW.departement IS NOT NULL OR NEW.nature = 'unique' THEN
		PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	END IF;
	IF NEW.commune IS NOT NULL AND flux_mgmt.departement(NEW.commune) <> NEW.departement THEN
		PERFORM flux_mgmt.refuser(
			format('commune %s of %s is not in département %s', NEW.commune, ligne, NEW.departement),
			NULL,
			'Give the commune''s own département, or leave departement null.');
	END IF;
	IF NEW.contingent NOT BETWEEN 1 AND 6 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid contingent %s of %s', NEW.contingent, ligne),
			'RPLS CONTRESLOG codes of reserved dwellings: 1 State agents, 2 State priority, 3 Action Logement, 4 local authorities and EPCI, 5 State other conventions, 6 other (7 is not reserved).',
			'Give the CONTRESLOG code of the dwellings it covers, or select them by commune or logements.');
	END IF;
	IF NEW.regime = 'hors_champ' THEN
		PERFORM flux_mgmt.refuser(
			format('%s cannot be hors_champ', ligne),
			NULL,
			'A stock right is flux (converted) or stock_defense, stock_securite, stock_sante (kept in stock).');
	END IF;
	PERFORM flux_mgmt.exiger_taux_rotation(NEW.taux_rotation, ligne);
	IF NEW.nature = 'suite' AND (NEW.nombre IS NOT NULL OR num_nonnulls(NEW.contingent, NEW.commune, NEW.logements) = 0) THEN
		PERFORM flux_mgmt.refuser(
			format('droit de suite of %s selects no dwelling', ligne),
			'A droit de suite covers dwellings: those of a CONTRESLOG contingent, of a commune or département, or listed by reference; its number is theirs.',
			'Set contingent, commune or logements (and leave nombre null).');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.nombre, 'number of rights', ligne);
	IF NEW.nature = 'unique' AND NOT coalesce(NEW.nombre > 0, false) THEN
		PERFORM flux_mgmt.refuser(
			format('droits uniques of %s need a positive number of rights, not %s', ligne, coalesce(NEW.nombre::text, 'null')),
			NULL,
			'Give the single-use rights left in nombre; delete an old convention whose rights are used up.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_convention_stock() IS
	'row rules of convention_stock: a known réservataire, nature, département and commune, contingent 1-6, regime, rotation rate, a droit de suite selecting dwellings, droits uniques with a finite positive number';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_cible_objectif() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	IF NEW.objectif IS NULL OR NEW.objectif NOT IN ('O1', 'O2', 'O3', 'O4') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown objective %L', NEW.objectif),
			'The allocation objectives are O1, O2, O3 and O4 (DOMAIN §3.7).',
			'Write O1, O2, O3 or O4.', 'invalid_parameter_value');
	END IF;
	IF NEW.epci !~ '^[0-9]{9}$' THEN
		PERFORM flux_mgmt.refuser(
			format('territory %L of the %s target is not a SIREN', NEW.epci, NEW.objectif),
			NULL,
			'Give the SIREN of the EPCI or EPT (flux_mgmt.commune.epci or .ept), or null for every territory.',
			'invalid_parameter_value');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.cible, 'target', format('objective %s', NEW.objectif));
	IF NEW.cible IS NULL OR NOT (NEW.cible >= 0 AND NEW.cible <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('target %s %% of %s is out of range', coalesce(NEW.cible::text, 'null'), NEW.objectif),
			NULL,
			'Write the target in percent, from 0 to 100 (50 means 50 %).');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_cible_objectif() IS
	'row rules of cible_objectif: a known objective, a SIREN or null, a finite target in [0, 100]';
CREATE OR REPLACE FUNCTION flux_mgmt.exiger_conversion(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_portee(bailleur, departement, extract(year FROM date_conversion)::integer, 'convertir_stock');
	PERFORM flux_mgmt.exiger_fini(flux_reference, 'reference flux', format('the conversion of landlord %L in département %s', bailleur, departement));
	IF flux_reference IS NOT NULL AND NOT flux_reference > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('reference flux %s of the conversion is not positive', flux_reference),
			'Converted volumes become shares of the landlord''s annual flux of the reference year (DOMAIN §3.4).',
			format('Pass the forecast flux of the reference year: SELECT flux_net FROM flux_mgmt.flux_previsionnel(%L, %L, %s).',
				   bailleur, departement, extract(year FROM date_conversion)),
			'invalid_parameter_value');
	END IF;
	IF horizon_unique NOT BETWEEN 1 AND 100 THEN
		PERFORM flux_mgmt.refuser(
			format('horizon of %s years for single-use rights is out of range', horizon_unique),
			NULL,
			'Give the number of years over which droits uniques without an end are spread, from 1 to 100 (default 5).',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_conversion(text, text, date, numeric, integer) IS
	'raises the error of the first invalid argument of a conversion: unknown landlord (23503), invalid département, a year outside 1900-2200, a reference flux NaN, infinite or not above 0 (null: not checked), a horizon outside 1-100 years (22023)';

