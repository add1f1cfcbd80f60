-- Two-phase commit, a pitfall of counter triggers that keep deltas in
-- memory and write them at commit (a transaction callback that knows
-- COMMIT but not PREPARE TRANSACTION loses them), or that keep counters
-- cached in the backend (a ROLLBACK PREPARED happens after the session let
-- the transaction go):
--
--  * events, corrections and deletions in a transaction, some in a
--    savepoint rolled back, then PREPARE TRANSACTION: until COMMIT PREPARED
--    the counters show none of it, then they include exactly it;
--  * another one, on top, then ROLLBACK PREPARED: nothing of it is left,
--    every counter, bilan and ledger row as before, and events written by
--    the same session afterwards count from there.
--
-- Each check: verifier_compteurs() empty, the oracle's recount agreeing,
-- the totals as literals.  This test commits (PREPARE TRANSACTION cannot
-- run in pgTAP's usual BEGIN … ROLLBACK, nor on temporary objects, so the
-- prepared transactions touch none: no pgTAP call, no temporary view in
-- them); it starts by removing what a failed run may have left (its
-- prepared transactions, its rows) and ends by removing its rows, so that
-- the tests after it find the database as they would without it.  It
-- needs max_prepared_transactions > 0 (scripts/test.sh starts its cluster
-- so); elsewhere it skips (expected/682_deux_phases_1.out).
\i test/setup.sql
SELECT current_setting('max_prepared_transactions')::int > 0 AS deux_phases \gset
SELECT plan(15);
\if :deux_phases
-- what a failed run may have left
SELECT format('ROLLBACK PREPARED %L', gid) FROM pg_prepared_xacts WHERE gid LIKE 'flux_682_%' AND database = current_database() \gexec
SET client_min_messages = warning;
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;

-- the fixture, committed, with ids from 1
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql
SELECT id AS l_m1 FROM logement WHERE ref = 'M1' \gset
SELECT id AS l_b2 FROM logement WHERE ref = 'B2' \gset
-- committed before: M2 to Action Logement (mixte), B2 to the préfet (orientation)
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:b2, 'prefet', date_orientation => '2026-03-02') AS o_b2 \gset

\i test/fixtures/vue_totaux.sql
\i test/fixtures/vue_etat.sql
CREATE TABLE pg_temp.avant AS SELECT * FROM etat;
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	-- beneficiary, in flux, en_cours, attribuees, carences, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires
	$$VALUES ('al', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('prefet', true, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0)$$,
	'committed before: two open orientations, the préfet''s charged (mode orientation)');

-- The first prepared transaction: M2's lease (first quartile, in a QPV:
-- not O2's), B2 withdrawn, B1 to the State agents then let (bail; in a
-- QPV, quartiles 2-4: O2's), M1 to
-- Montreuil let to a DALO household, a new vacancy of M1 oriented to the
-- pool; in a savepoint rolled back, M3 to Action Logement and its lease.
BEGIN;
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile) VALUES (:o_m2, '2026-03-10', '2026-03-20', true);
SELECT flux_mgmt.cloturer(:o_b2, 'retiree', '2026-03-05');
SELECT flux_mgmt.orienter(:b1, 'agents', date_orientation => '2026-03-03') AS o_b1 \gset
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) VALUES (:o_b1, '2026-03-10', '2026-04-01');
SELECT flux_mgmt.orienter(:m1, 'montreuil', date_orientation => '2026-03-03') AS o_m1 \gset
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, dalo) VALUES (:o_m1, '2026-03-10', '2026-04-02', true);
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (:l_m1, '2026-09-01') RETURNING id AS m1b \gset
SELECT flux_mgmt.orienter(:m1b, NULL, date_orientation => '2026-09-02') > 0 AS oriente;
SAVEPOINT annule;
SELECT flux_mgmt.orienter(:m3, 'al', date_orientation => '2026-03-03') AS o_m3 \gset
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) VALUES (:o_m3, '2026-03-10', '2026-04-03');
ROLLBACK TO SAVEPOINT annule;
PREPARE TRANSACTION 'flux_682_a';

SELECT is((SELECT count(*)::int FROM pg_prepared_xacts WHERE gid = 'flux_682_a'), 1, 'prepared: flux_682_a waits');
SELECT set_eq('SELECT * FROM etat', 'SELECT * FROM avant', 'until it commits, no counter, bilan or ledger row shows it');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and they equal a recount of the committed events');
COMMIT PREPARED 'flux_682_a';
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'COMMIT PREPARED: the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	-- beneficiary, in flux, en_cours, attribuees, carences, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires
	$$VALUES ('agents', true, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0),
			 ('al', true, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0),
			 ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1),
			 ('pool', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 ('prefet', true, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)$$,
	'they include exactly the prepared events (nothing of the savepoint rolled back)');
SELECT results_eq($$SELECT (SELECT count(*)::int FROM flux_mgmt.vacance), (SELECT count(*)::int FROM flux_mgmt.orientation),
						   (SELECT count(*)::int FROM flux_mgmt.attribution)$$,
				  $$VALUES (8, 5, 3)$$, '8 vacancies, 5 orientations, 3 attributions');

-- The second one: corrections and deletions of committed rows, new events,
-- then ROLLBACK PREPARED.
DROP TABLE pg_temp.avant;
CREATE TABLE pg_temp.avant AS SELECT * FROM etat;
BEGIN;
DELETE FROM flux_mgmt.attribution WHERE orientation_id = :o_m1;
UPDATE flux_mgmt.attribution SET date_bail = '2027-01-05', premier_quartile = false WHERE orientation_id = :o_m2;
UPDATE flux_mgmt.orientation SET reservataire = 'prefet' WHERE id = :o_b1;
DELETE FROM flux_mgmt.orientation WHERE vacance_id = :m1b;
UPDATE flux_mgmt.logement SET qpv = true WHERE ref = 'M1';
SELECT flux_mgmt.orienter(:m3, 'al', date_orientation => '2026-03-03') > 0 AS oriente;
SELECT flux_mgmt.orienter(:d1, 'defense', date_orientation => '2026-03-03') > 0 AS oriente;
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (:l_b2, '2026-10-01');
PREPARE TRANSACTION 'flux_682_b';
ROLLBACK PREPARED 'flux_682_b';
SELECT is_empty('SELECT * FROM pg_prepared_xacts WHERE gid LIKE ''flux_682_%''', 'ROLLBACK PREPARED: no prepared transaction left');
SELECT set_eq('SELECT * FROM etat', 'SELECT * FROM avant', 'nothing of it is left: every counter, bilan and ledger row as before');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'equal to a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and to the oracle''s');

-- the same session goes on: its next events count from the committed state
SELECT flux_mgmt.orienter(:m3, 'al', date_orientation => '2026-03-04') AS o_m3 \gset
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, relogement_renouvellement) VALUES (:o_m3, '2026-03-10', '2026-04-04', true);
DELETE FROM flux_mgmt.orientation WHERE vacance_id = :m1b;
SELECT is_empty($$SELECT * FROM flux_mgmt.verifier_compteurs() UNION ALL SELECT * FROM oracle_ecarts$$,
				'events after the rollback, in the same session: the counters equal both recounts');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	$$VALUES ('agents', true, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0),
			 ('al', true, 0, 2, 0, 0, 2, 2, 1, 1, 0, 0),
			 ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1),
			 ('prefet', true, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0)$$,
	'the totals: M3''s lease added, the pool''s orientation gone');

-- leave the database as it was found
SET client_min_messages = warning;
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;
SELECT is((SELECT count(*)::int FROM flux_mgmt.compteur) + (SELECT count(*)::int FROM flux_mgmt.compteur_bilan)
		  + (SELECT count(*)::int FROM flux_mgmt.contribution) + (SELECT count(*)::int FROM flux_mgmt.vacance), 0,
		  'cleaned up: no event, counter or ledger row left for the next tests');
\else
SELECT skip('max_prepared_transactions = 0: two-phase commit is off in this cluster', 15);
\endif
SELECT * FROM finish();
