-- The counters' differences of a transaction are written once, at its end
-- (src/en_attente.c, XACT_EVENT_PRE_COMMIT): an error in that write aborts
-- the whole transaction and leaves nothing behind (no event, no ledger row,
-- no counter), and the same transaction without the error commits its
-- events counted.  The failure is made by the test-only setting
-- flux_mgmt.echec_ecriture.  The events are written one statement at a
-- time with psql's ON_ERROR_ROLLBACK on (test/setup.sql): each in a
-- savepoint released, so the differences climb from subtransactions to the
-- transaction before they are written.
--
-- The test commits: it starts by removing what a failed run may have left,
-- and ends by removing its rows.
\i test/setup.sql
SELECT plan(8);
SET client_min_messages = warning;
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/oracle/recompte.sql
CREATE TEMP VIEW etat AS
SELECT (SELECT count(*) FROM flux_mgmt.vacance) AS vacances, (SELECT count(*) FROM flux_mgmt.orientation) AS orientations,
	   (SELECT count(*) FROM flux_mgmt.attribution) AS attributions, (SELECT count(*) FROM flux_mgmt.contribution) AS registre,
	   (SELECT coalesce(sum(en_cours), 0) FROM flux_mgmt.compteur WHERE reservataire = 'al') AS al_en_cours,
	   (SELECT coalesce(sum(baux), 0) FROM flux_mgmt.compteur WHERE reservataire = 'al') AS al_baux;
CREATE TEMP TABLE avant AS SELECT * FROM etat;

-- a vacancy, its orientation, its attribution, and the write at commit fails
BEGIN;
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-07-01' FROM flux_mgmt.logement WHERE ref = 'M1';
INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'al', '2026-07-02' FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE l.ref = 'M1' AND v.date_liberation = '2026-07-01';
SELECT is((SELECT al_en_cours FROM etat) - (SELECT al_en_cours FROM avant), 1::numeric,
		  'inside the transaction, its orientation is counted (its readers see the pending differences)');
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-07-10', '2026-07-20' FROM flux_mgmt.orientation o WHERE o.date_orientation = '2026-07-02';
SET LOCAL flux_mgmt.echec_ecriture = on;
\set ON_ERROR_STOP 0
COMMIT;
\set ON_ERROR_STOP 1
SELECT results_eq('SELECT * FROM etat', 'SELECT * FROM avant', 'the write failed at commit: nothing of the transaction is left');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');

-- the same, committed
BEGIN;
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-07-01' FROM flux_mgmt.logement WHERE ref = 'M1';
INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'al', '2026-07-02' FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE l.ref = 'M1' AND v.date_liberation = '2026-07-01';
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-07-10', '2026-07-20' FROM flux_mgmt.orientation o WHERE o.date_orientation = '2026-07-02';
COMMIT;
SELECT results_eq('SELECT vacances - (SELECT vacances FROM avant), orientations - (SELECT orientations FROM avant),
						  attributions - (SELECT attributions FROM avant), al_en_cours - (SELECT al_en_cours FROM avant),
						  al_baux - (SELECT al_baux FROM avant) FROM etat',
				  $$VALUES (1::bigint, 1::bigint, 1::bigint, 0::numeric, 1::numeric)$$,
				  'committed: one vacancy, orientation and attribution more, the lease counted, the orientation no longer en_cours');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT is((SELECT count(*) FROM flux_mgmt.compteur WHERE en_cours < 0 OR baux < 0 OR decomptes < 0), 0::bigint,
		  'no counter row is negative');

SET client_min_messages = warning;
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;
SELECT * FROM finish();
