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

