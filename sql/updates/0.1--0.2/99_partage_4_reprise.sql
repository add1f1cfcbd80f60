--------------------------------------------------------------------------------
-- One shared ledger (issue 14): the profiles, the policies (05_acces.sql and
-- 99_partage_1_politiques.sql link to the install script's parts), and what
-- changes for the roles 0.1 left with plain grants.
--------------------------------------------------------------------------------

-- The functions that compute from a landlord's rows in full refuse a role
-- the policies would cut.
CREATE OR REPLACE FUNCTION flux_mgmt.exiger_bailleur(bailleur text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown landlord %L', $1),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.bailleur (code, nom) VALUES (…).',
			'foreign_key_violation');
	END IF;
	-- its callers compute from the landlord's rows in full
	PERFORM flux_mgmt.exiger_lecture($1, 'a computation on all of them');
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_bailleur(text) IS 'raises 23503 naming the code unless the landlord exists, and 42501 unless the current role reads every row of it (exiger_lecture): what the functions that compute from a landlord''s rows check first';
-- The roles 0.1 had granted rights (their profiles recorded in
-- 99_partage_0_abandon.sql, before the shared views were recreated) get the
-- rights of those profiles.
SELECT flux_mgmt.appliquer_profils(r.role) FROM (SELECT DISTINCT a.role FROM flux_mgmt.acces a) AS r;
