-- TRUNCATE of the event tables after events written earlier in the same
-- transaction, a pitfall of counter triggers that remember, for the
-- transaction, what they wrote (deltas to flush, counter rows known to
-- exist, ledger rows): TRUNCATE rebuilds the counters from the events left
-- (apres_truncate → recalculer_compteurs), and whatever was remembered
-- before it is stale after it; a rollback to a savepoint taken before the
-- TRUNCATE brings back the counters as they were, and what was remembered
-- between is stale again.
--
--  * orientations and attributions written, then TRUNCATE attribution (the
--    attributed orientations reopen), then more attributions and
--    orientations, corrections, deletions;
--  * in a savepoint: TRUNCATE orientation CASCADE, more events, then
--    rollback to the savepoint: every counter, bilan and ledger row as
--    before it, and events after the rollback count from there;
--  * TRUNCATE vacance CASCADE after all that, new vacancies and events;
--    rolled back to a savepoint taken before it.
--
-- Each check: verifier_compteurs() empty, the oracle's recount agreeing,
-- the totals as literals.  What a savepoint sees is read into variables
-- and checked after it is rolled back (pgTAP's bookkeeping would be
-- rolled back with it).
\i test/setup.sql
BEGIN;
SELECT plan(19);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql
SELECT id AS l_m1 FROM logement WHERE ref = 'M1' \gset
SELECT id AS l_b1 FROM logement WHERE ref = 'B1' \gset

\i test/fixtures/vue_totaux.sql
\i test/fixtures/vue_etat.sql
-- both recounts, as one count of differences
CREATE TEMP VIEW ecarts AS
	SELECT (SELECT count(*) FROM flux_mgmt.verifier_compteurs())::int + (SELECT count(*) FROM oracle_ecarts)::int AS n;

-- 1. Events, then TRUNCATE attribution in the same transaction.
-- M1 to Montreuil (mixte) let; M2 to Action Logement (mixte) let in a QPV;
-- B1 to the State agents (bail) let; B2 to the préfet (orientation) open;
-- D1 to its holder let; a second vacancy of M1 to the pool, let.
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, 'prefet', date_orientation => '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
INSERT INTO vacance (logement_id, date_liberation) VALUES (:l_m1, '2026-09-01') RETURNING id AS m1b \gset
SELECT orienter(:m1b, NULL, date_orientation => '2026-09-02') AS o_m1b \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire) VALUES
	(:o_m1, '2026-03-10', '2026-03-20', true, false, false),
	(:o_m2, '2026-03-10', '2026-03-21', false, true, false),
	(:o_b1, '2026-03-10', '2026-03-22', false, false, true),
	(:o_d1, '2026-03-10', '2026-03-23', false, false, false),
	(:o_m1b, '2026-09-10', '2026-09-20', false, false, false);
SELECT is((SELECT n FROM ecarts), 0, 'events of the transaction: the counters equal both recounts');
TRUNCATE attribution;
SELECT is((SELECT count(*)::int FROM orientation WHERE issue = 'en_cours'), 6, 'TRUNCATE attribution after them: the six orientations open again');
SELECT is((SELECT n FROM ecarts), 0, 'the counters rebuilt equal both recounts');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	-- beneficiary, in flux, en_cours, attribuees, carences, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires
	$$VALUES ('agents', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('al', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 ('defense', false, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('montreuil', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
			 ('pool', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('prefet', true, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0)$$,
	'six open orientations, only the préfet''s charged (mode orientation)');
-- more events after it: two leases again (other households), a carence,
-- a correction of an orientation, an orientation deleted
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile) VALUES
	(:o_m1, '2026-03-11', '2026-04-20', false), (:o_m2, '2026-03-11', '2026-04-21', false);
SELECT cloturer(:o_b1, 'carence', '2026-04-05');
UPDATE orientation SET reservataire = 'al' WHERE id = :o_b2;
DELETE FROM orientation WHERE id = :o_m1b;
SELECT is((SELECT n FROM ecarts), 0, 'events after the TRUNCATE: the counters equal both recounts');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	$$VALUES ('agents', true, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), ('al', true, 1, 1, 0, 0, 1, 1, 0, 0, 1, 0),
			 ('defense', false, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0)$$,
	'the totals: Montreuil''s and Action Logement''s leases, the agents'' carence (bail: not charged), B2 moved to Action Logement, the pool''s orientation gone');

-- 2. In a savepoint: TRUNCATE orientation CASCADE, more events, rolled back.
CREATE TEMP TABLE avant AS SELECT * FROM etat;
SAVEPOINT avant_vidage;
TRUNCATE orientation CASCADE;
SELECT (SELECT count(*) FROM attribution) + (SELECT count(*) FROM orientation) AS evenements_vides,
	   (SELECT n FROM ecarts) AS ecarts_vidage,
	   (SELECT count(*) FROM totaux) AS totaux_vidage \gset
SELECT orienter(:m1, 'al', date_orientation => '2026-05-02') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o, '2026-05-10', '2026-05-20');
SELECT orienter(:b1, NULL, date_orientation => '2026-05-02') AS o \gset
SELECT (SELECT n FROM ecarts) AS ecarts_apres_vidage,
	   (SELECT string_agg(format('%s', t), ' ' ORDER BY beneficiaire) FROM totaux t) AS totaux_apres_vidage \gset
ROLLBACK TO SAVEPOINT avant_vidage;
SELECT is(:evenements_vides + :totaux_vidage, 0, 'TRUNCATE orientation CASCADE: no orientation, no attribution, no counter left');
SELECT is(:ecarts_vidage, 0, 'the counters equal both recounts of nothing');
SELECT is(:ecarts_apres_vidage, 0, 'events after it, in the savepoint: both recounts agree');
SELECT is(:'totaux_apres_vidage'::text, '(al,t,0,1,0,0,1,1,1,0,0,0) (pool,t,1,0,0,0,0,0,0,0,0,0)'::text,
		  'and the totals are theirs alone');
SELECT is_empty('(SELECT * FROM etat EXCEPT ALL SELECT * FROM avant) UNION ALL (SELECT * FROM avant EXCEPT ALL SELECT * FROM etat)',
				'rolled back to before the TRUNCATE: every counter, bilan and ledger row as it was');
SELECT is((SELECT n FROM ecarts), 0, 'equal to both recounts');
-- events after the rollback: the pool's vacancy oriented again, let; B2's lease
SELECT orienter(:m1b, NULL, date_orientation => '2026-09-03') AS o_m1b \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, prioritaire) VALUES
	(:o_m1b, '2026-09-10', '2026-09-21', true), (:o_b2, '2026-03-10', '2026-03-25', false);
SELECT is((SELECT n FROM ecarts), 0, 'events after the rollback: the counters equal both recounts');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	$$VALUES ('agents', true, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0), ('al', true, 0, 2, 0, 0, 2, 2, 1, 0, 1, 0),
			 ('defense', false, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0),
			 ('pool', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1)$$,
	'the totals: the pool''s lease, B2''s lease to Action Logement added');

-- 3. TRUNCATE vacance CASCADE after all that, then new events; in a
-- savepoint, rolled back.
DROP TABLE avant;
CREATE TEMP TABLE avant AS SELECT * FROM etat;
SAVEPOINT avant_tout;
TRUNCATE vacance CASCADE;
SELECT (SELECT count(*) FROM vacance) + (SELECT count(*) FROM orientation) AS evenements_vides,
	   (SELECT n FROM ecarts) AS ecarts_vidage,
	   (SELECT count(*) FROM flux_mgmt.compteur) + (SELECT count(*) FROM flux_mgmt.compteur_bilan)
	   + (SELECT count(*) FROM flux_mgmt.contribution) AS derivees_vidage \gset
INSERT INTO vacance (logement_id, date_liberation) VALUES (:l_m1, '2026-03-01'), (:l_b1, '2026-03-01');
SELECT orienter(v.id, 'montreuil', date_orientation => '2026-03-02') AS o FROM vacance v WHERE logement_id = :l_m1 \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, relogement_renouvellement) VALUES (:o, '2026-03-10', '2026-03-20', true);
SELECT orienter(v.id, 'prefet', date_orientation => '2026-03-02') AS o FROM vacance v WHERE logement_id = :l_b1 \gset
SELECT (SELECT n FROM ecarts) AS ecarts_apres_vidage,
	   (SELECT string_agg(format('%s', t), ' ' ORDER BY beneficiaire) FROM totaux t) AS totaux_apres_vidage \gset
ROLLBACK TO SAVEPOINT avant_tout;
SELECT is(:evenements_vides + :derivees_vidage, 0, 'TRUNCATE vacance CASCADE: no event, counter, bilan or ledger row left');
SELECT is(:ecarts_vidage + :ecarts_apres_vidage, 0, 'both recounts agree after it, and after new events in the emptied tables');
SELECT is(:'totaux_apres_vidage'::text, '(montreuil,t,0,1,0,0,1,1,1,1,0,0) (prefet,t,1,0,0,0,1,0,0,0,0,0)'::text,
		  'the totals are those of the new events alone');
SELECT is_empty('(SELECT * FROM etat EXCEPT ALL SELECT * FROM avant) UNION ALL (SELECT * FROM avant EXCEPT ALL SELECT * FROM etat)',
				'rolled back to before the TRUNCATE: every counter, bilan and ledger row as it was');
SELECT is((SELECT n FROM ecarts), 0, 'equal to both recounts');

SELECT * FROM finish();
ROLLBACK;
