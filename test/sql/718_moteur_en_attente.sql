-- The engine reads the counters with the transaction's pending differences
-- (src/lecture_moteur.c: comptes_moteur(), comptes_territoire()), so that a
-- decision does not make them be written: in a batch of orientations in one
-- transaction, each counter row was rewritten at every orientation (a chain
-- of versions that every later read and write walked).  Checked: the counts
-- candidats() gives include the transaction's own events, fast path and
-- general path, while compteur_moteur and compteur are not written
-- (pg_stat_xact_user_tables counts this transaction's writes); a savepoint
-- rolled back takes its events out of them; after a query that writes the
-- pending differences (a direct read of compteur_moteur) the counts are the
-- same; a batch (orienter_en_attente) writes each counter row once; the
-- readers need SELECT on the tables, as a query of them would.
\i test/setup.sql
BEGIN;
SELECT plan(17);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/oracle/recompte.sql

-- this transaction's writes of a counter table so far
CREATE FUNCTION pg_temp.ecritures(t regclass) RETURNS bigint LANGUAGE sql AS $$
	SELECT n_tup_ins + n_tup_upd FROM pg_stat_xact_user_tables WHERE relid = t
$$;
-- a candidate's counts, as the engine reads them for a dwelling of a commune
CREATE FUNCTION pg_temp.compte(commune text, reservataire text) RETURNS text LANGUAGE sql AS $$
	SELECT format('t %s a %s', c.t, c.a)
	FROM flux_mgmt.candidats('b93', commune::flux_mgmt.code_insee, 2026, 3::smallint, 'plus', false, '2026-06-01') AS c
	WHERE c.reservataire IS NOT DISTINCT FROM $2
$$;
SELECT id AS m1 FROM v WHERE ref = 'M1' \gset
SELECT id AS m3 FROM v WHERE ref = 'M3' \gset
SELECT id AS b1 FROM v WHERE ref = 'B1' \gset
SELECT id AS b2 FROM v WHERE ref = 'B2' \gset

-- fast path: M1 (Montreuil) to Action Logement, M3 (Montreuil) to the town
SELECT orienter(:m1, 'al', date_orientation => '2026-03-02') > 0 AS oriente \gset
SELECT orienter(:m3, 'montreuil', date_orientation => '2026-03-02') > 0 AS oriente \gset
SELECT pg_temp.ecritures('flux_mgmt.compteur_moteur') AS moteur_avant, pg_temp.ecritures('flux_mgmt.compteur') AS compteur_avant \gset
SELECT is(pg_temp.compte('93008', 'al'), 't 3 a 1',
		  'Action Logement, département-wide: this dwelling is the third in-flux one of the département, it had one, both counted before any counter row is written');
SELECT is(pg_temp.compte('93048', 'montreuil'), 't 3 a 1',
		  'the town, in its territory (Montreuil): M1 and M3 there, one of them its own');
SELECT is(pg_temp.compte('93048', NULL), 't 3 a 0', 'the pool');
SELECT is(pg_temp.ecritures('flux_mgmt.compteur_moteur'), :moteur_avant::bigint,
		  'the engine''s counters were read without writing them');
SELECT is(pg_temp.ecritures('flux_mgmt.compteur'), :compteur_avant::bigint, 'nor the per-commune counters');

-- a savepoint rolled back takes its events out of what the engine reads
SAVEPOINT s;
SELECT orienter(:b2, 'prefet', date_orientation => '2026-03-03') > 0 AS oriente \gset
SELECT is(pg_temp.compte('93008', 'prefet'), 't 4 a 1', 'inside a savepoint: B2 to the préfet counted');
ROLLBACK TO SAVEPOINT s;
SELECT is(pg_temp.compte('93008', 'prefet'), 't 3 a 0', 'rolled back: gone from the engine''s counts');

-- a query of compteur_moteur writes the pending differences: same counts after
CREATE TEMP TABLE avant AS SELECT * FROM candidats('b93', '93048', 2026, 3::smallint, 'plus', false, '2026-06-01');
SELECT sum(imputees) AS lu FROM flux_mgmt.compteur_moteur WHERE bailleur = 'b93' AND annee = 2026 \gset
SELECT ok(pg_temp.ecritures('flux_mgmt.compteur_moteur') > :moteur_avant, 'a query of compteur_moteur wrote the pending differences');
SELECT is(:lu::bigint, 2::bigint, 'and read them: 2 vacancies counted');
SELECT set_eq($$SELECT * FROM candidats('b93', '93048', 2026, 3::smallint, 'plus', false, '2026-06-01')$$, 'SELECT * FROM avant',
			  'the candidates read from the rows written are those read from the rows and the pending differences');

-- the general path (a correction: M1 from Action Logement to the préfet) and
-- the fast path (B1 to the State agents) after the write: rows and pending add up
UPDATE orientation SET reservataire = 'prefet' WHERE vacance_id = :m1;
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-04') > 0 AS oriente \gset
SELECT pg_temp.ecritures('flux_mgmt.compteur_moteur') AS moteur_avant \gset
SELECT is(pg_temp.compte('93008', 'al') || ', ' || pg_temp.compte('93008', 'prefet') || ', ' || pg_temp.compte('93008', 'agents'),
		  't 4 a 0, t 4 a 1, t 4 a 1', 'M1 now the préfet''s, B1 the agents'', Action Logement back to none');
SELECT is(pg_temp.ecritures('flux_mgmt.compteur_moteur'), :moteur_avant::bigint, 'read without writing them again');

-- a batch in one transaction: every counter row written once at most
SELECT pg_temp.ecritures('flux_mgmt.compteur_moteur') AS moteur_avant \gset
SELECT count(*) AS orientees FROM orienter_en_attente('b93', 2026) \gset
SELECT is(:orientees::int, 4, 'the batch oriented the four vacancies left (M2, B2, the stock and the hors champ dwelling)');
SELECT is(pg_temp.ecritures('flux_mgmt.compteur_moteur'), :moteur_avant::bigint,
		  'orienter_en_attente decided every vacancy left without writing the engine''s counters');
SELECT is_empty('SELECT * FROM verifier_compteurs() UNION ALL SELECT * FROM oracle_ecarts',
				'the counters equal a recount and the oracle''s (the pending differences written for the check)');

-- the readers need SELECT on the counter tables, as a query of them would
CREATE ROLE flux_sans_compteurs;
GRANT USAGE ON SCHEMA flux_mgmt TO flux_sans_compteurs;
SET ROLE flux_sans_compteurs;
SELECT throws_ok($$SELECT * FROM flux_mgmt.comptes_moteur('b93', 2026, '93')$$, '42501', 'permission denied for table compteur_moteur',
				 'comptes_moteur() without SELECT on compteur_moteur: refused');
SELECT throws_ok($$SELECT * FROM flux_mgmt.comptes_territoire('b93', 2026, '{93048}', 'montreuil')$$, '42501',
				 'permission denied for table compteur', 'comptes_territoire() without SELECT on compteur: refused');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
