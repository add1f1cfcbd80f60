--------------------------------------------------------------------------------
-- The shared figures (issue 14): atteinte, objectifs_attribution and
-- bilan_annuel, and the reader of the départements of atteinte, are created
-- anew by the install script's part 81 (99_partage_0_lecteurs.sql links to
-- it); the roles 0.1 granted rights are given their profiles first, while
-- the grants on those views still tell what they read.
--------------------------------------------------------------------------------

-- Row-level security now bounds every role but the owner, superusers and
-- BYPASSRLS roles: a role 0.1 granted rights on the extension's tables would
-- read nothing.  Each keeps what it did, for every landlord, through the
-- profile its grants amount to: administration when it writes conventions,
-- saisie when it writes events, lecture otherwise; the rights that go with
-- it are applied at the end (99_partage_4_reprise.sql: its grants on the
-- extension's tables and views are rewritten to the profile's).
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
	  AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v}'::"char"[])
	  AND a.grantee OPERATOR(pg_catalog.<>) 0 AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
	GROUP BY a.grantee
) AS g
ON CONFLICT ON CONSTRAINT acces_cle DO NOTHING;

DROP VIEW flux_mgmt.atteinte, flux_mgmt.objectifs_attribution, flux_mgmt.bilan_annuel;
DROP FUNCTION flux_mgmt.perimetres_atteinte(text);
