-- Links the database of flux_mgmt to the landlord's ERP through postgres_fdw:
-- a foreign server, user mappings, and the ERP's four tables as foreign tables
-- in the local schema erp, where synchroniser.sql reads them.  Run it once, as a
-- superuser, in the database of flux_mgmt (and again whenever the ERP moves or
-- its tables change: it replaces the previous link):
--
--   ERP_PASSWORD=… psql -X -d flux -v erp_host=erp.example.org -v erp_port=5432 \
--        -v erp_dbname=erp -v erp_user=lecteur_flux -v role_synchro=synchro_erp -f relier.sql
--
-- Variables (psql -v): erp_host (localhost), erp_port (5432), erp_dbname (erp),
-- erp_user (the ERP role it reads as; default the current user), erp_password
-- (default the environment variable ERP_PASSWORD, which keeps it off the
-- command line), role_synchro (the local role that runs synchroniser.sql;
-- default the current user).
--
-- When role_synchro is another role, it gets its own user mapping and the
-- privileges the synchronisation needs, in flux_mgmt and on the foreign tables.
-- postgres_fdw lets a role that is not a superuser connect only with a password
-- that the ERP's server actually asks for: give erp_password.  Without one
-- (peer, trust or certificate authentication on the ERP's side), that role's
-- mapping gets password_required 'false', which only a superuser may set: the
-- role then reaches the ERP as erp_user without proving anything.
\set ON_ERROR_STOP on
\if :{?erp_host}
\else
\set erp_host localhost
\endif
\if :{?erp_port}
\else
\set erp_port 5432
\endif
\if :{?erp_dbname}
\else
\set erp_dbname erp
\endif
\if :{?erp_user}
\else
\set erp_user :USER
\endif
\if :{?erp_password}
\else
\getenv erp_password ERP_PASSWORD
\endif
\if :{?role_synchro}
\else
\set role_synchro :USER
\endif
SELECT :'role_synchro' OPERATOR(pg_catalog.<>) CURRENT_USER AS role_a_part \gset

BEGIN;
SET LOCAL search_path = pg_catalog, pg_temp;
SET LOCAL client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgres_fdw;

-- Dropping the server drops its user mappings and foreign tables: re-running
-- this script re-links from scratch.
DROP SERVER IF EXISTS erp CASCADE;
CREATE SERVER erp FOREIGN DATA WRAPPER postgres_fdw
	OPTIONS (host :'erp_host', port :'erp_port', dbname :'erp_dbname',
			 application_name 'flux_mgmt synchronisation', fetch_size '10000');
COMMENT ON SERVER erp IS 'the landlord''s ERP, read every night by synchroniser.sql (examples/synchronisation_erp)';

-- The current user's mapping serves IMPORT FOREIGN SCHEMA below and the DBA's
-- own queries; role_synchro's serves the synchronisation.
\if :{?erp_password}
CREATE USER MAPPING FOR CURRENT_USER SERVER erp OPTIONS (user :'erp_user', password :'erp_password');
\if :role_a_part
CREATE USER MAPPING FOR :"role_synchro" SERVER erp OPTIONS (user :'erp_user', password :'erp_password');
\endif
\else
CREATE USER MAPPING FOR CURRENT_USER SERVER erp OPTIONS (user :'erp_user');
\if :role_a_part
CREATE USER MAPPING FOR :"role_synchro" SERVER erp OPTIONS (user :'erp_user', password_required 'false');
\endif
\endif

CREATE SCHEMA IF NOT EXISTS erp;
COMMENT ON SCHEMA erp IS 'the landlord''s ERP as foreign tables (postgres_fdw, examples/synchronisation_erp/relier.sql)';
IMPORT FOREIGN SCHEMA patrimoine LIMIT TO (lot) FROM SERVER erp INTO erp;
IMPORT FOREIGN SCHEMA gestion_locative LIMIT TO (conge, proposition, bail) FROM SERVER erp INTO erp;

\if :role_a_part
-- What the synchronisation reads and writes: the foreign tables; in flux_mgmt,
-- the profile saisie of every landlord (the ERP's landlords are those of
-- its lots): every row it compares, the dwellings and the events it writes,
-- nothing on the derived tables nor on bailleur (the counter triggers write
-- the counters, lock landlords and check the rules as the tables' owner).
-- Temporary tables need TEMPORARY on the database, which PUBLIC has unless
-- it was revoked.
GRANT USAGE ON SCHEMA erp TO :"role_synchro";
GRANT SELECT ON erp.lot, erp.conge, erp.proposition, erp.bail TO :"role_synchro";
SELECT flux_mgmt.accorder_profil(:'role_synchro', 'saisie') \g /dev/null
\endif

-- The link works, for the synchronisation's role too (postgres_fdw checks its
-- password rule at this first connection): what it reads of the ERP.
SET LOCAL ROLE :"role_synchro";
SELECT format('ERP linked for %s: %s lots, %s congés, %s proposals, %s leases',
			  CURRENT_USER, (SELECT pg_catalog.count(*) FROM erp.lot), (SELECT pg_catalog.count(*) FROM erp.conge),
			  (SELECT pg_catalog.count(*) FROM erp.proposition), (SELECT pg_catalog.count(*) FROM erp.bail)) AS relier;
RESET ROLE;
COMMIT;
