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
-- Row-level security now bounds every role but the owner, superusers and
-- BYPASSRLS roles: a role 0.1 granted rights on the extension's tables would
-- read nothing.  Each keeps what it did, for every landlord, through the
-- profile its grants amount to: administration when it writes conventions,
-- saisie when it writes events, lecture otherwise, and the rights that go
-- with it (appliquer_profils: its grants on the extension's tables are
-- rewritten to the profile's).
INSERT INTO flux_mgmt.acces (role, profil)
SELECT g.role,
	   CASE WHEN g.conventions THEN 'administration' WHEN g.evenements THEN 'saisie' ELSE 'lecture' END::flux_mgmt.profil
FROM (
	SELECT a.grantee::pg_catalog.regrole AS role,
		   pg_catalog.bool_or(c.relname OPERATOR(pg_catalog.=) 'convention'
							  AND a.privilege_type OPERATOR(pg_catalog.=) ANY ('{INSERT,UPDATE,DELETE}'::text[])) AS conventions,
		   pg_catalog.bool_or(c.relname OPERATOR(pg_catalog.=) ANY ('{vacance,orientation,attribution}'::name[])
							  AND a.privilege_type OPERATOR(pg_catalog.=) ANY ('{INSERT,UPDATE,DELETE}'::text[])) AS evenements
	FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
	WHERE c.relnamespace OPERATOR(pg_catalog.=) 'flux_mgmt'::pg_catalog.regnamespace
	  AND c.relkind OPERATOR(pg_catalog.=) 'r'
	  AND a.grantee OPERATOR(pg_catalog.<>) 0 AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
	GROUP BY a.grantee
) AS g
ON CONFLICT ON CONSTRAINT acces_cle DO NOTHING;
SELECT flux_mgmt.appliquer_profils(r.role) FROM (SELECT DISTINCT a.role FROM flux_mgmt.acces a) AS r;
