-- flux_mgmt 0.1 -> 0.2, run by ALTER EXTENSION flux_mgmt UPDATE.
--
-- Written by hand, one concern a file under sql/updates/0.1--0.2/, concatenated in name order by
-- make into sql/flux_mgmt--0.1--0.2.sql: every change that 0.2's sources (sql/src/*.sql) make to
-- what 0.1 installed, with the migration of the data it touches.  test/upgrade.sh proves that a
-- populated 0.1 database updated by this script lists exactly the catalogue of a fresh 0.2
-- install, keeps every row and gives the same figures.  The install script of 0.1 pinned no
-- search_path: pin it here.

\echo Use "ALTER EXTENSION flux_mgmt UPDATE TO '0.2'" to load this file. \quit

-- Every name below resolves in pg_catalog or flux_mgmt only (as in 0.2's install script).
SELECT pg_catalog.set_config('search_path', 'pg_catalog, flux_mgmt, pg_temp', true);

