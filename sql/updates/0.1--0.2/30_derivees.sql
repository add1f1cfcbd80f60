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

