-- Recording one event costs the same whatever the size of the tables: the
-- triggers read the rows of the vacancies they check and recount, never a
-- whole table.  Measured with the transaction's own statistics (rows each
-- statement read from every table of the extension), not with a clock.  A
-- plan that walked the orientations' primary key to find the first broken
-- rule once read every orientation at each one recorded.
\i test/setup.sql
BEGIN;
SELECT plan(8);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

-- rows read so far in this transaction, per table of the extension
CREATE FUNCTION pg_temp.lectures() RETURNS TABLE (tab name, lues bigint)
	LANGUAGE sql AS $$
	SELECT relname, coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0)
	FROM pg_stat_xact_user_tables WHERE schemaname = 'flux_mgmt'
$$;
-- the most rows one table gave to a statement (and which table)
CREATE FUNCTION pg_temp.lues_par(requete text) RETURNS text
	LANGUAGE plpgsql AS $$
DECLARE
	resultat text;
BEGIN
	CREATE TEMP TABLE avant ON COMMIT DROP AS SELECT * FROM pg_temp.lectures();
	EXECUTE requete;
	SELECT coalesce(max(format('%s %s', n.lues - coalesce(a.lues, 0), n.tab)), '0')
	  INTO resultat
	FROM pg_temp.lectures() n LEFT JOIN avant a USING (tab)
	WHERE n.lues - coalesce(a.lues, 0) >= 50;
	DROP TABLE avant;
	RETURN resultat;
END
$$;

-- 3,000 more dwellings in Bobigny, each vacated, oriented, half of them attributed
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'G' || n, '93008', 1 + n % 5, 'plus', n % 3 = 0, 1970 FROM generate_series(1, 3000) AS n;
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-02-01' FROM logement WHERE ref LIKE 'G%';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, (ARRAY['al', 'prefet', 'agents', NULL])[1 + v.id % 4], '2026-02-02'
FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref LIKE 'G%';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-02-10', '2026-02-20' FROM orientation o WHERE o.id % 2 = 0;
SELECT is((SELECT count(*) FROM orientation), 3000::bigint, '3,000 orientations recorded');

-- then one event at a time, as an application records them
SELECT id AS logement FROM logement WHERE ref = 'M1' \gset
SELECT is(pg_temp.lues_par(format($$INSERT INTO vacance (logement_id, date_liberation) VALUES (%s, '2026-05-01')$$, :logement)),
		  '0', 'a vacancy: no table read 50 rows');
SELECT id AS nouvelle FROM vacance WHERE date_liberation = '2026-05-01' \gset
SELECT is(pg_temp.lues_par(format($$SELECT orienter(%s, 'al', NULL, '2026-05-02')$$, :nouvelle)),
		  '0', 'its orientation: no table read 50 rows');
SELECT id AS orientation FROM orientation WHERE vacance_id = :nouvelle \gset
SELECT is(pg_temp.lues_par(format($$INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile)
									VALUES (%s, '2026-05-10', '2026-05-20', true)$$, :orientation)),
		  '0', 'its attribution: no table read 50 rows');
SELECT is(pg_temp.lues_par(format($$UPDATE attribution SET dalo = true WHERE orientation_id = %s$$, :orientation)),
		  '0', 'a household flag corrected: no table read 50 rows');
SELECT is(pg_temp.lues_par(format($$DELETE FROM attribution WHERE orientation_id = %s$$, :orientation)),
		  '0', 'the attribution deleted: no table read 50 rows');
SELECT is(pg_temp.lues_par(format($$UPDATE orientation SET reservataire = 'prefet' WHERE id = %s$$, :orientation)),
		  '0', 'the orientation given to another réservataire: no table read 50 rows');
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'the counters equal a recount');

SELECT * FROM finish();
ROLLBACK;
