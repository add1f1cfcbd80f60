-- flux_mgmt 0.1 -> 0.2, run by ALTER EXTENSION flux_mgmt UPDATE.
--
-- Written by hand: every change that 0.2's sources (sql/src/*.sql) make to what 0.1 installed,
-- with the migration of the data it touches.  test/upgrade.sh proves that a populated 0.1 database
-- updated by this script lists exactly the catalogue of a fresh 0.2 install, keeps every row and
-- gives the same figures.  The install script of 0.1 pinned no search_path: pin it here.

\echo Use "ALTER EXTENSION flux_mgmt UPDATE TO '0.2'" to load this file. \quit

-- Every name below resolves in pg_catalog or flux_mgmt only (as in 0.2's install script).
SELECT pg_catalog.set_config('search_path', 'pg_catalog, flux_mgmt, pg_temp', true);

--------------------------------------------------------------------------------
-- Hardening: nothing of the extension resolves a name through the caller's path
--------------------------------------------------------------------------------

-- 0.1's install script ran with the installer's search_path: its views and
-- SQL-standard function bodies bound their operators and functions then.  In
-- a database where someone had planted look-alikes in a schema of that path
-- (public.unnest(bigint[]), an operator >=(float8, integer)…), they bound to
-- those, and have run with the rights of whoever read them since.  Such a
-- database cannot be repaired in place: refuse, name the objects, say what to do.
DO $$
DECLARE
	liees text;
BEGIN
	WITH membres AS (
		SELECT e.classid, e.objid FROM pg_catalog.pg_depend e
		WHERE e.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_extension'::pg_catalog.regclass
		  AND e.refobjid OPERATOR(pg_catalog.=) (SELECT x.oid FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'flux_mgmt')
		  AND e.deptype OPERATOR(pg_catalog.=) 'e'
	), objets AS (		-- the members and what is part of them: constraints, defaults, triggers, rules, indexes
		SELECT m.classid, m.objid FROM membres m
		UNION
		SELECT a.classid, a.objid FROM pg_catalog.pg_depend a JOIN membres m
		  ON a.refclassid OPERATOR(pg_catalog.=) m.classid AND a.refobjid OPERATOR(pg_catalog.=) m.objid
		WHERE a.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::pg_catalog."char"[])
	)
	SELECT pg_catalog.string_agg(DISTINCT pg_catalog.format('%s -> %s', pg_catalog.pg_describe_object(d.classid, d.objid, 0),
										   pg_catalog.pg_describe_object(d.refclassid, d.refobjid, 0)), '; ')
	INTO liees
	FROM objets j
	JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) j.classid AND d.objid OPERATOR(pg_catalog.=) j.objid
	LEFT JOIN pg_catalog.pg_proc p ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass AND p.oid OPERATOR(pg_catalog.=) d.refobjid
	LEFT JOIN pg_catalog.pg_operator o ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_operator'::pg_catalog.regclass AND o.oid OPERATOR(pg_catalog.=) d.refobjid
	LEFT JOIN pg_catalog.pg_type t ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_type'::pg_catalog.regclass AND t.oid OPERATOR(pg_catalog.=) d.refobjid
	WHERE COALESCE(p.pronamespace, o.oprnamespace, t.typnamespace)
		  NOT IN ('pg_catalog'::pg_catalog.regnamespace, 'flux_mgmt'::pg_catalog.regnamespace);
	IF liees IS NOT NULL THEN
		RAISE EXCEPTION 'flux_mgmt 0.1 was installed while look-alikes of built-in functions or operators were on the installer''s search_path: %', liees
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'These objects of the extension call code outside pg_catalog and flux_mgmt, with the rights of whoever uses them; it may already have run with a superuser''s rights.',
				  HINT = 'Find who created those objects and what they did; then pg_dump the database, drop the look-alikes, and restore the dump into a new database where flux_mgmt 0.2 was created first (CREATE EXTENSION flux_mgmt).';
	END IF;
END
$$;

-- Trigger functions and the landlord lock pin their path (0.2's sources say it in their definition).
ALTER FUNCTION flux_mgmt.verifier_bailleur() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_reservataire() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_territoire() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_logement() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_convention() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_objectif_indicatif() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_prevision() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_droit_stock() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_convention_stock() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_droit_stock_conversion() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.date_limite_par_defaut() SET search_path = pg_catalog, flux_mgmt, pg_temp;
ALTER FUNCTION flux_mgmt.verifier_cible_objectif() SET search_path = pg_catalog, flux_mgmt, pg_temp;

--------------------------------------------------------------------------------
-- Hardening: landlord locks only writers can take (src/verrous.c)
--------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION flux_mgmt.verrouiller_bailleurs(bailleurs text[]) RETURNS void
	AS 'MODULE_PATHNAME', 'flux_verrouiller_bailleurs' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION flux_mgmt.verrouiller_bailleurs(text[]) IS
	'locks landlords exclusively until the end of the transaction (their landlord lock, then their rows, updated in place), as every writer of conventions and corrections does before checking its rows against the events; only for roles that write conventions, dwellings, vacancies, territories, réservataires or stock rights (42501 otherwise)';

--------------------------------------------------------------------------------
-- Hardening: the derived tables (contribution, compteur, compteur_bilan) are
-- written only by the extension, as their owner
--------------------------------------------------------------------------------

-- The counter triggers run as the owner of the table written (src/compteurs.c);
-- the rebuild runs as the owner too, for whoever is granted EXECUTE (its new
-- body is below, with the other functions that run as the owner).
COMMENT ON FUNCTION flux_mgmt.recalculer_compteurs() IS
	'rebuilds every counter and the ledger from the events (after pg_restore --disable-triggers, say), as the owner of the derived tables; returns the number of counter rows written; EXECUTE is granted explicitly (not to PUBLIC)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM PUBLIC;
COMMENT ON FUNCTION flux_mgmt.apres_truncate() IS
	'AFTER TRUNCATE trigger of the event tables: reopens orientations whose attribution went, and rebuilds the counters, as the owner of the tables';

-- 0.1's README had writers granted INSERT, UPDATE, DELETE on the derived
-- tables, which let them forge counters: take those rights back, from every role.
DO $$
DECLARE
	g record;
BEGIN
	FOR g IN
		SELECT DISTINCT c.oid::pg_catalog.regclass AS tbl, a.grantee
		FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
		WHERE c.oid OPERATOR(pg_catalog.=) ANY (ARRAY['flux_mgmt.contribution'::pg_catalog.regclass, 'flux_mgmt.compteur'::pg_catalog.regclass,
													  'flux_mgmt.compteur_bilan'::pg_catalog.regclass])
		  AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
		  AND a.privilege_type OPERATOR(pg_catalog.=) ANY ('{INSERT,UPDATE,DELETE,TRUNCATE}'::text[])
		ORDER BY 1, 2
	LOOP
		EXECUTE pg_catalog.format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %s', g.tbl,
								  CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
									   ELSE pg_catalog.quote_ident(g.grantee::pg_catalog.regrole::text) END);
	END LOOP;
END
$$;

-- verifier_compteurs() also checks the ledger: 0.1's recount of the counters
-- keeps its body under a new name, the ledger gets its own, and
-- verifier_compteurs() lists both.
ALTER FUNCTION flux_mgmt.verifier_compteurs() RENAME TO ecarts_compteurs;
COMMENT ON FUNCTION flux_mgmt.ecarts_compteurs() IS
	'recounts every counter from the events and lists those that differ (empty when all agree): compteur names the key and the column';
CREATE FUNCTION flux_mgmt.ecarts_registre()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
BEGIN ATOMIC
	SELECT format('contribution%s', coalesce(a.ligne, t.ligne)), coalesce(a.n, 0), coalesce(t.n, 0)
	FROM (SELECT k::text AS ligne, count(*) AS n FROM flux_mgmt.contribution_calculee k GROUP BY 1) a
	FULL JOIN (SELECT c::text AS ligne, count(*) AS n FROM flux_mgmt.contribution c GROUP BY 1) t ON t.ligne = a.ligne
	WHERE coalesce(a.n, 0) <> coalesce(t.n, 0)
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.ecarts_registre() IS
	'recounts the ledger (contribution) from the events and lists the rows that differ (empty when all agree): compteur is contribution(the row), attendu and trouve the times the recount and the ledger have it';
CREATE FUNCTION flux_mgmt.verifier_compteurs()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
BEGIN ATOMIC
	SELECT e.compteur, e.attendu, e.trouve FROM flux_mgmt.ecarts_compteurs() e
	UNION ALL
	SELECT e.compteur, e.attendu, e.trouve FROM flux_mgmt.ecarts_registre() e
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.verifier_compteurs() IS
	'recounts every counter and the ledger from the events and lists what differs (empty when all agree): ecarts_compteurs() then ecarts_registre()';

-- Only the extension writes the derived tables, as their owner: a write by any
-- other role is refused, even one a DBA granted by mistake.
CREATE FUNCTION flux_mgmt.garder_derivees() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_garder_derivees' LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.garder_derivees() IS
	'BEFORE … FOR EACH STATEMENT trigger of the derived tables (src/compteurs.c): refuses (42501) any write by a role other than the table''s owner';
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.contribution
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur_bilan
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
COMMENT ON TRIGGER gardee ON flux_mgmt.contribution IS 'only the extension writes the ledger, as the table''s owner';
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur IS 'only the extension writes the counters, as the table''s owner';
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur_bilan IS 'only the extension writes the counters, as the table''s owner';

-- What runs as the owner: the statement rules of conventions, territories and
-- réservataire types (their writers need no right on the rows the rules lock),
-- the TRUNCATE rebuild and recalculer_compteurs().  Each trigger function
-- checks that it serves the extension's own trigger and is not executable by
-- PUBLIC; a write made as the owner first checks the table's triggers.
CREATE FUNCTION flux_mgmt.exiger_declencheur(fonction text, relid oid, moment text, niveau text, tables regclass[])
RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF moment IS DISTINCT FROM 'AFTER' OR niveau IS DISTINCT FROM 'STATEMENT'
	   OR NOT relid OPERATOR(pg_catalog.=) ANY (tables::oid[]) THEN
		RAISE EXCEPTION 'function flux_mgmt.%() fired % % on %: it serves the extension''s own triggers on %',
			fonction, moment, niveau, relid::regclass, tables
			USING ERRCODE = 'trigger_protocol_violated',
				  HINT = 'The extension creates these triggers itself; do not attach the function elsewhere.';
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_declencheur(text, oid, text, text, regclass[]) IS
	'the first statement of a trigger function that runs as the owner: refuses (39P01) to run for any trigger but the extension''s own, AFTER … FOR EACH STATEMENT on the tables given';
CREATE FUNCTION flux_mgmt.exiger_declencheurs_surs(tableau regclass) RETURNS void
	AS 'MODULE_PATHNAME', 'flux_exiger_declencheurs_surs_sql' LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION flux_mgmt.exiger_declencheurs_surs(regclass) IS
	'refuses (42501) when a trigger of the table runs a function owned by a role that is neither the table''s owner nor a superuser: the extension writes its tables as their owner, and such a trigger would run that role''s code with the owner''s rights';
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_conventions_ecrites() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	c record;
	e record;
BEGIN
	PERFORM exiger_declencheur('verifier_conventions_ecrites', TG_RELID, TG_WHEN, TG_LEVEL, '{flux_mgmt.convention}');
	-- The rows whose landlord × département and years are judged again: the
	-- new ones, and for UPDATE and DELETE the old ones too (taking a State
	-- convention away can end the derogation that covered another one).
	EXECUTE format(
		'SELECT array_agg(n.bailleur) AS bailleurs, array_agg(n.departement) AS departements,
				array_agg(n.annee_debut) AS debuts, array_agg(n.annee_fin) AS fins,
				array_agg(DISTINCT n.reservataire) AS reservataires
		 FROM (%s) AS n', lignes_ecrites(TG_OP))
	INTO e;

	PERFORM verrouiller_bailleurs(e.bailleurs);
	-- against a concurrent change of their territory or type
	PERFORM FROM reservataire r WHERE r.code = ANY (e.reservataires) ORDER BY r.code FOR SHARE;

	IF TG_OP <> 'DELETE' THEN
		SELECT n.bailleur, n.reservataire, n.departement, n.annee_debut, n.annee_fin,
			   o.annee_debut AS autre_debut, o.annee_fin AS autre_fin
		INTO c
		FROM nouvelles n
		JOIN convention o ON o.bailleur = n.bailleur AND o.reservataire = n.reservataire
			AND o.departement = n.departement AND o.id <> n.id
			AND int4range(o.annee_debut, o.annee_fin, '[]') && int4range(n.annee_debut, n.annee_fin, '[]')
		ORDER BY n.bailleur, n.reservataire, n.departement, n.annee_debut
		LIMIT 1;
		IF FOUND THEN
			PERFORM flux_mgmt.refuser(
				format('two conventions of landlord %L with réservataire %L in département %s overlap: %s-%s and %s-%s',
					c.bailleur, c.reservataire, c.departement,
					c.annee_debut, coalesce(c.annee_fin::text, 'open'),
					c.autre_debut, coalesce(c.autre_fin::text, 'open')),
				'There is one convention per landlord, réservataire and département in any year.',
				'End the earlier convention (annee_fin) the year before the new one starts.');
		END IF;
	END IF;

	-- shares: 100 % in every commune, State caps, territories (next section)
	PERFORM exiger_regles_conventions(e.bailleurs, e.departements, e.debuts, e.fins);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_conventions_ecrites() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_portees_ecrites() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	reservataires text[];
	p record;
BEGIN
	PERFORM exiger_declencheur('verifier_portees_ecrites', TG_RELID, TG_WHEN, TG_LEVEL, '{flux_mgmt.territoire,flux_mgmt.reservataire}');
	IF TG_TABLE_NAME = 'reservataire' THEN
		-- those whose type changed (or code: harmless)
		reservataires := ARRAY(SELECT n.code FROM nouvelles n
							   WHERE NOT EXISTS (SELECT FROM anciennes a WHERE a.code = n.code AND a.type = n.type));
	ELSE
		EXECUTE format('SELECT array_agg(DISTINCT n.reservataire) FROM (%s) AS n', lignes_ecrites(TG_OP))
		INTO reservataires;
	END IF;
	-- landlords first, like the convention writers, then the réservataires
	PERFORM verrouiller_bailleurs(ARRAY(SELECT c.bailleur FROM convention c WHERE c.reservataire = ANY (reservataires)));
	PERFORM FROM reservataire r WHERE r.code = ANY (reservataires) ORDER BY r.code FOR NO KEY UPDATE;

	SELECT array_agg(c.bailleur) AS bailleurs, array_agg(c.departement) AS departements,
		   array_agg(c.debut) AS debuts, array_agg(NULL::integer) AS fins
	INTO p
	FROM (SELECT c.bailleur, c.departement, min(c.annee_debut) AS debut
		  FROM convention c WHERE c.reservataire = ANY (reservataires)
		  GROUP BY c.bailleur, c.departement) AS c;
	PERFORM exiger_regles_conventions(p.bailleurs, p.departements, p.debuts, p.fins);
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_portees_ecrites() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.apres_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	PERFORM exiger_declencheur('apres_truncate', TG_RELID, TG_WHEN, TG_LEVEL,
							   '{flux_mgmt.vacance,flux_mgmt.orientation,flux_mgmt.attribution}');
	IF TG_TABLE_NAME = 'attribution' THEN
		PERFORM exiger_declencheurs_surs('flux_mgmt.orientation');
		UPDATE orientation o SET issue = 'en_cours', date_issue = NULL
		WHERE o.issue = 'attribuee' AND NOT EXISTS (SELECT FROM attribution a WHERE a.orientation_id = o.id);
	END IF;
	PERFORM recalculer_compteurs();
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux_mgmt.apres_truncate() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.recalculer_compteurs() RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ecrits bigint;
	bilan bigint;
BEGIN
	-- writers wait until the rebuild commits, then count against it
	LOCK TABLE contribution, compteur, compteur_bilan IN EXCLUSIVE MODE;
	PERFORM exiger_declencheurs_surs(t) FROM unnest('{flux_mgmt.contribution,flux_mgmt.compteur,flux_mgmt.compteur_bilan}'::regclass[]) AS t;
	TRUNCATE contribution, compteur, compteur_bilan;
	INSERT INTO contribution SELECT * FROM contribution_calculee;
	INSERT INTO compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
						  en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
						  hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires)
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, 0,
		   sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux),
		   sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)
	FROM contribution
	GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux;
	GET DIAGNOSTICS ecrits = ROW_COUNT;
	INSERT INTO compteur_bilan (bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche,
								proposes, attribues)
	SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, 0,
		   sum(en_cours + attribuees + carences + echecs + retirees), sum(baux)
	FROM contribution
	WHERE dans_flux
	GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	HAVING sum(en_cours + attribuees + carences + echecs + retirees) <> 0 OR sum(baux) <> 0;
	GET DIAGNOSTICS bilan = ROW_COUNT;
	RETURN ecrits + bilan;
END
$$;

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

-- RPLS files: lines ending in CRLF, LF or a lone CR; an empty file, a header
-- without lines or a column read twice is an error.
CREATE OR REPLACE FUNCTION flux_mgmt.rpls_analyser(contenu text) RETURNS SETOF flux_mgmt.rpls_ligne
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	-- a line ends with CRLF (Windows), LF (Unix) or a lone CR (old Mac
	-- exports, some spreadsheets): all three are accepted, even mixed
	fin_de_ligne CONSTANT text := E'\r\n|\r|\n';
	premiere text := substring(contenu FROM E'^[^\r\n]*');
	entete text[];
	manquantes text[];
	doublon record;
BEGIN
	IF contenu !~ E'[^\r\n\t ]' THEN
		PERFORM flux_mgmt.refuser(
			'the RPLS file has no line',
			format('It is empty (%s characters, none but spaces and line ends).', length(contenu)),
			'Pass the whole file, its header line then one line per dwelling (psql: \set f `cat file.csv`, then :''f'').',
			'invalid_parameter_value');
	END IF;
	entete := string_to_array(upper(trim(regexp_replace(premiere, E'^\uFEFF', ''))), ';');
	SELECT array_agg(c) INTO manquantes
	FROM unnest(ARRAY['DEPCOM', 'NBPIECE', 'FINAN', 'QPV', 'CONSTRUCT']) AS c
	WHERE NOT c = ANY (entete);
	IF manquantes IS NOT NULL THEN
		PERFORM flux_mgmt.refuser(
			format('the RPLS file lacks the columns %s', array_to_string(manquantes, ', ')),
			format('Its first line is: %s', left(premiere, 200)),
			'Pass the whole file, header line included, with '';'' as separator (the SDES open-data layout).',
			'invalid_parameter_value');
	END IF;
	-- a column read by name must be there once: which of two DEPCOM would it be?
	SELECT c.nom, array_agg(c.i ORDER BY c.i) AS positions INTO doublon
	FROM unnest(entete) WITH ORDINALITY AS c(nom, i)
	WHERE c.nom IN ('DEPCOM', 'NBPIECE', 'FINAN', 'QPV', 'CONSTRUCT', 'PATRIMOINE', 'CONTRESLOG', 'RPLS')
	GROUP BY c.nom HAVING count(*) > 1
	ORDER BY min(c.i) LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('the RPLS file has the column %s %s times (fields %s)', doublon.nom, cardinality(doublon.positions),
				   array_to_string(doublon.positions, ', ')),
			'The importer finds the columns it reads by their name in the header line.',
			format('Keep one column %s (rename or delete the others) and import the file again.', doublon.nom),
			'invalid_parameter_value');
	END IF;

	RETURN QUERY
	-- MATERIALIZED: each line is split once, not once per field read from it
	WITH brut AS MATERIALIZED (
		SELECT n::integer AS ligne, l,
			   string_to_array(l, ';') AS f
		FROM regexp_split_to_table(contenu, fin_de_ligne) WITH ORDINALITY AS t(l, n)
		WHERE n > 1 AND l <> ''
	), champs AS MATERIALIZED (
		SELECT b.ligne, b.l, cardinality(b.f) AS nb,
			   rpls_champ(b.f, entete, 'DEPCOM') AS depcom,
			   rpls_champ(b.f, entete, 'NBPIECE') AS nbpiece,
			   rpls_champ(b.f, entete, 'FINAN') AS finan,
			   rpls_champ(b.f, entete, 'QPV') AS qpv,
			   rpls_champ(b.f, entete, 'CONSTRUCT') AS construct,
			   rpls_champ(b.f, entete, 'PATRIMOINE') AS patrimoine,
			   rpls_champ(b.f, entete, 'CONTRESLOG') AS contreslog,
			   nullif(rpls_champ(b.f, entete, 'RPLS'), '') AS rpls,
			   (SELECT entete[i] || ': ' || b.f[i] FROM generate_subscripts(b.f, 1) AS i
				WHERE strpos(b.f[i], U&'\FFFD') > 0 ORDER BY i LIMIT 1) AS fffd
		FROM brut b
	), lu AS (
		SELECT c.*,
			   CASE WHEN c.depcom ~ '^[0-9]{4}$' THEN '0' || c.depcom ELSE c.depcom END AS commune_texte
		FROM champs c
	)
	SELECT lu.ligne, lu.depcom,
		   CASE WHEN code_insee_valide(lu.commune_texte) THEN lu.commune_texte::code_insee END,
		   CASE WHEN lu.nbpiece ~ '^[1-9]$' THEN lu.nbpiece::smallint END,
		   CASE WHEN lu.finan IN ('10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				THEN financement_rpls(lu.finan::smallint) END,
		   CASE lu.qpv WHEN '1' THEN true WHEN '2' THEN false END,
		   CASE WHEN lu.construct ~ '^[0-9]{4}$' AND lu.construct::int BETWEEN 1000 AND 2200 THEN lu.construct::smallint END,
		   CASE WHEN lu.patrimoine ~ '^[0-9]{4}$' AND lu.patrimoine::int BETWEEN 1000 AND 2200
				THEN make_date(lu.patrimoine::int, 1, 1) END,
		   CASE WHEN lu.contreslog ~ '^[1-7]$' THEN lu.contreslog::smallint END,
		   lu.rpls,
		   array_remove(ARRAY[
			   CASE WHEN lu.depcom ~ '^[0-9]{4}$' THEN 'depcom_zero' END,
			   CASE WHEN lu.rpls IS NULL THEN 'sans_rpls' END,
			   CASE WHEN lu.fffd IS NOT NULL THEN 'fffd' END,
			   CASE WHEN lu.nbpiece = '0' THEN 'nbpiece_0' END,
			   CASE WHEN lu.finan = '0' THEN 'finan_0' END,
			   CASE WHEN coalesce(lu.construct, '') !~ '^[0-9]{4}$' THEN 'construct_absent' END], NULL),
		   lu.fffd,
		   CASE
			   WHEN lu.nb <> cardinality(entete) THEN format('it has %s fields, the header %s', lu.nb, cardinality(entete))
			   WHEN NOT code_insee_valide(lu.commune_texte) THEN format('DEPCOM %L is not an INSEE commune code', lu.depcom)
			   WHEN lu.nbpiece !~ '^[0-9]$' THEN format('NBPIECE %L is not a number of rooms (0 to 9)', lu.nbpiece)
			   WHEN lu.finan NOT IN ('0', '10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				   THEN format('FINAN %L is not an RPLS financing code', lu.finan)
			   WHEN lu.qpv IS DISTINCT FROM '1' AND lu.qpv IS DISTINCT FROM '2' THEN format('QPV %L is neither 1 (in a QPV) nor 2', lu.qpv)
			   WHEN lu.construct ~ '^[0-9]+$' AND NOT (lu.construct::numeric BETWEEN 1000 AND 2200)
				   THEN format('CONSTRUCT %L is not a year', lu.construct)
			   WHEN lu.contreslog <> '' AND lu.contreslog !~ '^[1-7]$' THEN format('CONTRESLOG %L is not a contingent code (1 to 7)', lu.contreslog)
			   WHEN lu.rpls !~ '^[0-9A-Z]{10}$' THEN format('RPLS %L is not a 10-character RPLS identifier', lu.rpls)
		   END
	FROM lu
	ORDER BY lu.ligne;
	IF NOT FOUND THEN
		PERFORM flux_mgmt.refuser(
			'the RPLS file has no line after its header',
			format('Its only line is its header: %s', left(premiere, 200)),
			'Pass the whole file: one line per dwelling after the header (a file cut after its first line has none).',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.rpls_analyser(text) IS
	'reads an RPLS CSV file (SDES open-data layout, '';'' separated, header line first; lines ending in CRLF, LF or CR) without importing it: one row per line with the mapped values, what was repaired or noticed, and why a line is rejected; an empty file, a header without lines, a missing column or a column read twice is an error (22023)';

-- The report and the export: no control character or bidirectional override
-- from the data; a forecast with a figure out of range is explained.
CREATE FUNCTION flux_mgmt.neutraliser_controles(texte text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.regexp_replace(texte, '[\x01-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]', U&'\FFFD', 'g');
COMMENT ON FUNCTION flux_mgmt.neutraliser_controles(text) IS
	'the text with every control character (C0 but tab and line feed, DEL, C1) and every bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069) replaced by U+FFFD';
CREATE OR REPLACE FUNCTION flux_mgmt.echapper_html(texte text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
	flux_mgmt.neutraliser_controles(texte), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION flux_mgmt.echapper_html(text) IS
	'the text with & < > " and '' written as HTML (and XML) character references, safe in element content and quoted attributes, and its control characters and bidirectional overrides replaced by U+FFFD (neutraliser_controles)';
CREATE OR REPLACE FUNCTION flux_mgmt.html_flux_previsionnel(bailleur text, departement text, annee integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	parts jsonb;
	message text;
	conseil text;
BEGIN
	BEGIN
		SELECT * INTO f FROM flux_previsionnel(bailleur, departement, annee);
		SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(p.reservataire), p.taux, round(p.droit, 2), p.droit_entier))
		INTO parts
		FROM parts_annuelles(bailleur, departement, annee) AS p;
	EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
		-- a missing rotation rate, a negative flux, a figure too large to
		-- compute with (one written before its bound existed): say so in the
		-- report rather than fail it whole
		GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, conseil = PG_EXCEPTION_HINT;
		IF SQLSTATE = '22003' THEN
			conseil := format('Un chiffre prévu pour %s est hors des bornes : vérifiez flux_mgmt.mise_en_service_prevue et flux_mgmt.soustraction_prevue (au plus 1 000 000 logements par ligne) et flux_mgmt.rotation du département %s.',
							  annee, departement);
		END IF;
		RETURN format('<p class="alerte">Flux prévisionnel %s non calculable : %s.</p><p class="conseil">%s</p>',
					  annee, echapper_html(message), echapper_html(conseil));
	END;
	RETURN html_tableau(
			   ARRAY['Assiette au 1er janvier', 'Taux de rotation (%)', 'Relocations', 'Mises en service', 'Soustractions prévues', 'Flux net'],
			   jsonb_build_array(jsonb_build_array(f.assiette, f.taux_rotation, f.relocations, f.mises_en_service, f.soustractions, f.flux_net)),
			   format('Flux prévisionnel %s', annee))
		|| html_tableau(ARRAY['Réservataire', 'Part (%)', 'Droit', 'Logements'], parts,
						format('Droits prévisionnels %s par réservataire', annee));
END
$$;
COMMENT ON FUNCTION flux_mgmt.html_flux_previsionnel(text, text, integer) IS
	'the forecast flux and shares of a landlord in a département for a year as HTML tables (flux_previsionnel, parts_annuelles); when they cannot be computed (no rotation rate, a negative flux, a figure out of range) a paragraph gives the reason and the hint instead of an error';
CREATE OR REPLACE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d text;
	previsions jsonb := '[]';
	part jsonb;
	message text;
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire) THEN
		PERFORM refuser(format('unknown réservataire %L', reservataire), NULL,
						'Give the code of a row of flux_mgmt.reservataire.', 'foreign_key_violation');
	END IF;
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(format('year %s in export_reservataire is out of range', annee), NULL,
						'Give the calendar year reported on, such as 2025.', 'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM convention c
				   WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
					 AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee)
	   AND NOT EXISTS (SELECT FROM compteur k
					   WHERE k.bailleur = export_reservataire.bailleur AND k.annee = export_reservataire.annee
						 AND k.reservataire = export_reservataire.reservataire) THEN
		PERFORM refuser(
			format('réservataire %L has nothing with landlord %L in %s', reservataire, bailleur, annee),
			'It has no convention with the landlord in force that year or the next, and nothing was oriented or leased to it that year.',
			'Check the year and the réservataire: flux_mgmt.convention lists its conventions.',
			'foreign_key_violation');
	END IF;
	-- the forecast of the next year where it has a convention then
	FOR d IN SELECT DISTINCT c.departement FROM convention c
			 WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
			   AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee + 1
			 ORDER BY 1 LOOP
		BEGIN
			SELECT jsonb_build_object('departement', d, 'annee', annee + 1, 'taux', p.taux, 'droit', p.droit, 'droit_entier', p.droit_entier)
			INTO part
			FROM parts_annuelles(bailleur, d, annee + 1) AS p WHERE p.reservataire = export_reservataire.reservataire;
		EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
			part := jsonb_build_object('departement', d, 'annee', annee + 1, 'erreur', neutraliser_controles(message));
		END;
		previsions := previsions || jsonb_build_array(part);
	END LOOP;
	RETURN jsonb_build_object(
		'format', 'flux_mgmt.export_reservataire 1',
		-- the names as the report shows them: no control character, no bidirectional override
		'bailleur', (SELECT jsonb_build_object('code', neutraliser_controles(b.code), 'nom', neutraliser_controles(b.nom), 'siren', b.siren)
					 FROM flux_mgmt.bailleur b WHERE b.code = export_reservataire.bailleur),
		'reservataire', (SELECT jsonb_build_object('code', neutraliser_controles(r.code), 'nom', neutraliser_controles(r.nom), 'type', r.type)
						 FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire),
		'annee', annee,
		'atteinte', coalesce((
			SELECT jsonb_agg(jsonb_build_object('departement', x.d, 'taux', a.taux, 'flux_realise', a.flux_realise, 'droit', a.droit,
												'decomptes', a.decomptes, 'ecart', a.ecart, 'en_cours', a.en_cours, 'carences', a.carences)
							 ORDER BY x.d)
			FROM departements_du_rapport(bailleur, annee) AS x(d)
			CROSS JOIN LATERAL atteinte_annuelle(bailleur, x.d, annee) AS a
			WHERE a.reservataire = export_reservataire.reservataire), '[]'),
		'bilan', coalesce((
			SELECT jsonb_agg(jsonb_build_object('commune', x.commune, 'typologie', x.typologie, 'financement', x.financement,
												'qpv', x.qpv, 'periode_construction', x.periode_construction,
												'logements_proposes', x.logements_proposes, 'logements_attribues', x.logements_attribues)
							 ORDER BY x.commune, x.typologie, x.financement, x.qpv, x.periode_construction)
			FROM bilan_annuel x
			WHERE x.bailleur = export_reservataire.bailleur AND x.annee = export_reservataire.annee
			  AND x.reservataire = export_reservataire.reservataire), '[]'),
		'objectifs', coalesce((
			SELECT jsonb_agg(jsonb_build_object('objectif', o.objectif, 'numerateur', o.numerateur, 'denominateur', o.denominateur,
												'cible', o.cible, 'taux', o.taux, 'manque', o.manque))
			FROM objectifs_attribution o
			WHERE o.bailleur = export_reservataire.bailleur AND o.annee = export_reservataire.annee
			  AND o.reservataire = export_reservataire.reservataire), '[]'),
		'flux_previsionnel_suivant', previsions);
END
$$;
COMMENT ON FUNCTION flux_mgmt.export_reservataire(text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département, the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503)';
