-- Recording one event stays cheap when the statistics say the tables are
-- empty while they are full: what autovacuum leaves when it runs during a
-- long transaction that loads events.  A VACUUM or ANALYZE by another session
-- does not count rows inserted by a transaction still in progress: it writes
-- relpages = the pages it found and reltuples = 0, the planner then takes
-- every table for empty ("density" 0 rows a page), the invalidated plans of
-- the triggers are made again for empty tables, and an event that read a few
-- rows reads whole tables, in nested loops: test 230, 2,500 operations in
-- one transaction, took 322 s, or more than 16 minutes, instead of 30 s.
--
-- Reproduced deterministically inside the test's transaction: an ANALYZE run
-- by the transaction itself counts its own uncommitted rows (it would give
-- true statistics, and its pg_class update is made in place, so it would
-- outlive the ROLLBACK); VACUUM cannot run in a transaction.  So the test
-- writes into pg_class what such a VACUUM writes (relpages = the pages,
-- reltuples = 0), which is transactional and rolled back with the test, and
-- invalidates the plans of the tables as an autovacuum's update does.
-- Measured as test 240 does, with the transaction's statistics (rows read from
-- each table by one statement), not with a clock.
\i test/setup.sql
BEGIN;
SELECT plan(14);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql

-- rows read so far in this transaction, per table of the extension
CREATE FUNCTION pg_temp.lectures() RETURNS TABLE (tab name, lues bigint)
	LANGUAGE sql AS $$
	SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
	FROM pg_stat_xact_user_tables WHERE schemaname = 'flux_mgmt'
$$;
-- the most rows one table gave to a statement
CREATE FUNCTION pg_temp.lues_par(requete text) RETURNS bigint
	LANGUAGE plpgsql AS $$
DECLARE
	resultat bigint;
BEGIN
	CREATE TEMP TABLE avant ON COMMIT DROP AS SELECT * FROM pg_temp.lectures();
	EXECUTE requete;
	SELECT coalesce(max(n.lues - coalesce(a.lues, 0)), 0) INTO resultat
	FROM pg_temp.lectures() n LEFT JOIN avant a USING (tab);
	DROP TABLE avant;
	RETURN resultat;
END
$$;
-- the planner's estimate of a table's rows
CREATE FUNCTION pg_temp.estimation(t regclass) RETURNS bigint
	LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE format('EXPLAIN (FORMAT JSON) SELECT * FROM %s', t) INTO plan;
	RETURN (plan -> 0 -> 'Plan' ->> 'Plan Rows')::bigint;
END
$$;
-- one vacancy of dwelling M1 recorded, oriented, attributed, corrected: the
-- most rows one table gave to one of these statements
CREATE FUNCTION pg_temp.un_evenement(jour date) RETURNS TABLE (evenement text, lues bigint)
	LANGUAGE plpgsql AS $$
DECLARE
	logement bigint := (SELECT id FROM flux_mgmt.logement WHERE ref = 'M1');
	vacance bigint;
	orientation bigint;
BEGIN
	evenement := 'vacancy'; lues := pg_temp.lues_par(format(
		$q$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (%s, %L)$q$, logement, jour));
	RETURN NEXT;
	vacance := (SELECT id FROM flux_mgmt.vacance WHERE logement_id = logement AND date_liberation = jour);
	evenement := 'orientation'; lues := pg_temp.lues_par(format(
		$q$SELECT flux_mgmt.orienter(%s, 'al', NULL, %L)$q$, vacance, jour + 1));
	RETURN NEXT;
	orientation := (SELECT id FROM flux_mgmt.orientation o WHERE o.vacance_id = vacance);
	evenement := 'attribution'; lues := pg_temp.lues_par(format(
		$q$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile)
		   VALUES (%s, %L, %L, true)$q$, orientation, jour + 9, jour + 19));
	RETURN NEXT;
	evenement := 'household flag corrected'; lues := pg_temp.lues_par(format(
		$q$UPDATE flux_mgmt.attribution SET dalo = true WHERE orientation_id = %s$q$, orientation));
	RETURN NEXT;
	evenement := 'attribution deleted'; lues := pg_temp.lues_par(format(
		$q$DELETE FROM flux_mgmt.attribution WHERE orientation_id = %s$q$, orientation));
	RETURN NEXT;
	evenement := 'another réservataire'; lues := pg_temp.lues_par(format(
		$q$UPDATE flux_mgmt.orientation SET reservataire = 'prefet' WHERE id = %s$q$, orientation));
	RETURN NEXT;
END
$$;

-- A large load, uncommitted: 1,000 dwellings vacated, oriented, half attributed.
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'G' || n, '93008', 1 + n % 5, 'plus', n % 3 = 0, 1970 FROM generate_series(1, 1000) AS n;
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-02-01' FROM logement WHERE ref LIKE 'G%';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, (ARRAY['al', 'prefet', 'agents', NULL])[1 + v.id % 4], '2026-02-02'
FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref LIKE 'G%';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-02-10', '2026-02-20' FROM orientation o WHERE o.id % 2 = 0;

-- the events, with the statistics of tables never analyzed: cheap (test 240),
-- and the triggers' plans made and kept
SELECT is((SELECT max(lues) FROM pg_temp.un_evenement('2026-05-01')) < 50, true,
		  'with fresh statistics, no statement of an event reads 50 rows of a table');

-- what a VACUUM of another session writes meanwhile, to the extension's
-- tables and to a table of the user's with the same rows
CREATE TABLE pg_temp.copie_vacance AS SELECT * FROM vacance;
UPDATE pg_catalog.pg_class
SET relpages = greatest(pg_catalog.pg_relation_size(oid) / current_setting('block_size')::int, 1), reltuples = 0, relallvisible = 0
WHERE (relnamespace = 'flux_mgmt'::regnamespace AND relkind = 'r') OR oid = 'pg_temp.copie_vacance'::regclass;
SELECT is((SELECT reltuples FROM pg_class WHERE oid = 'flux_mgmt.vacance'::regclass), 0::real,
		  'the statistics now say vacance has no row');
-- PostgreSQL takes such a table for empty (one row, its floor): the user's copy
SELECT is(pg_temp.estimation('pg_temp.copie_vacance'), 1::bigint, 'the planner takes the copy''s 1,008 vacancies for none');
-- the extension's tables are estimated from their pages (src/statistiques.c),
-- as if never analyzed: the 1,008 vacancies and 1,002 orientations, or more
-- where earlier test files left pages
SELECT cmp_ok(pg_temp.estimation('flux_mgmt.vacance'), '>=', 1008::bigint, 'but not the extension''s vacancies');
SELECT cmp_ok(pg_temp.estimation('flux_mgmt.orientation'), '>=', 1002::bigint, 'nor its orientations');

-- the same events again, planned for empty tables
CREATE TEMP TABLE perimees AS SELECT * FROM pg_temp.un_evenement('2026-06-01');
-- The common events take the counter triggers' fast path (src/chemin_rapide.c),
-- which plans nothing; the others the general path, whose kept plans are
-- made again for these statistics, as are PostgreSQL's foreign-key checks
-- and orienter()'s lookups.
SELECT ok(lues < 50, format('with stale statistics, recording an event (%s) reads fewer than 50 rows of any table', evenement))
FROM perimees ORDER BY evenement;
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT is((SELECT count(*) FROM orientation), 1002::bigint, '1,002 orientations recorded');

SELECT * FROM finish();
ROLLBACK;
