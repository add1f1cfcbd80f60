\set ECHO none
-- Preamble of every pgTAP test file: quiet TAP output, both extensions, the
-- extension's schema first.  Works under pg_regress (which already created
-- flux_mgmt) and under pg_prove (which did not).
\set QUIET 1
\set ON_ERROR_ROLLBACK 1
\set ON_ERROR_STOP true
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS flux_mgmt;
RESET client_min_messages;
SET search_path = flux_mgmt, public;
SET datestyle = 'ISO, YMD';

-- Whether the plan of a query uses an index (EXPLAIN's text output).
CREATE OR REPLACE FUNCTION pg_temp.plan_utilise(requete text, noeud text) RETURNS boolean
	LANGUAGE plpgsql AS $$
DECLARE
	ligne text;
BEGIN
	FOR ligne IN EXECUTE 'EXPLAIN (COSTS OFF) ' || requete LOOP
		IF ligne LIKE '%' || noeud || '%' THEN
			RETURN true;
		END IF;
	END LOOP;
	RETURN false;
END
$$;
\set ECHO all
