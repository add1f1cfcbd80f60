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
