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
-- the rebuild runs as the owner too, for whoever is granted EXECUTE.
ALTER FUNCTION flux_mgmt.recalculer_compteurs() SECURITY DEFINER SET search_path = pg_catalog, flux_mgmt, pg_temp;
COMMENT ON FUNCTION flux_mgmt.recalculer_compteurs() IS
	'rebuilds every counter and the ledger from the events (after pg_restore --disable-triggers, say), as the owner of the derived tables; returns the number of counter rows written; EXECUTE is granted explicitly (not to PUBLIC)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM PUBLIC;
ALTER FUNCTION flux_mgmt.apres_truncate() SECURITY DEFINER SET search_path = pg_catalog, flux_mgmt, pg_temp;
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

-- The statement rules of conventions, territories and réservataire types run
-- as the owner too: their writers need no right on the rows the rules lock.
ALTER FUNCTION flux_mgmt.verifier_conventions_ecrites() SECURITY DEFINER;
ALTER FUNCTION flux_mgmt.verifier_portees_ecrites() SECURITY DEFINER;
