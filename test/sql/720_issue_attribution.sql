-- The attribution of an open orientation sets its issue (attribuee, on the
-- lease's date).  On the fast path (src/chemin_rapide.c, ecrire_issues) the
-- orientation is written straight through the table AM, its trigger
-- date_limite not fired: on an update of the issue alone that trigger
-- changes nothing (a null deadline stays null; only a carence is refused
-- under delegated management).  Checked: an orientation with a deadline
-- keeps it, the pool's has none, one recorded without a deadline (while the
-- trigger was disabled) keeps none, as the general path's UPDATE, which
-- fires the trigger, leaves it; the counters equal a recount.
\i test/setup.sql
BEGIN;
SELECT plan(11);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/oracle/recompte.sql
SELECT id AS m1 FROM v WHERE ref = 'M1' \gset
SELECT id AS m2 FROM v WHERE ref = 'M2' \gset
SELECT id AS m3 FROM v WHERE ref = 'M3' \gset
SELECT id AS b2 FROM v WHERE ref = 'B2' \gset

-- M1 to Action Logement (deadline: a month), M2 to the pool, M3 to Action Logement without a deadline
INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (:m1, 'al', '2026-03-02'), (:m2, NULL, '2026-03-02');
ALTER TABLE orientation DISABLE TRIGGER date_limite;
INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (:m3, 'al', '2026-03-02');
INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (:b2, 'al', '2026-03-02');
ALTER TABLE orientation ENABLE TRIGGER date_limite;
SELECT is((SELECT count(*) FROM orientation WHERE vacance_id IN (:m3, :b2) AND date_limite IS NULL), 2::bigint,
		  'M3''s and B2''s orientations recorded without a deadline');

-- one attribution per statement: the fast path's
SET client_min_messages = debug1;
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT id, '2026-03-10', '2026-03-20' FROM orientation WHERE vacance_id = :m1;
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT id, '2026-03-10', '2026-03-21' FROM orientation WHERE vacance_id = :m2;
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT id, '2026-03-10', '2026-03-22' FROM orientation WHERE vacance_id = :m3;
RESET client_min_messages;
-- B2's on the general path: its UPDATE of the orientation fires the trigger
SET flux_mgmt.chemin_rapide = off;
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT id, '2026-03-10', '2026-03-23' FROM orientation WHERE vacance_id = :b2;
RESET flux_mgmt.chemin_rapide;

SELECT is((SELECT format('%s %s %s', issue, date_issue, date_limite) FROM orientation WHERE vacance_id = :m1),
		  'attribuee 2026-03-20 2026-04-02', 'M1: attribuee on its lease''s date, its deadline kept');
SELECT is((SELECT format('%s %s %s', issue, date_issue, date_limite) FROM orientation WHERE vacance_id = :m2),
		  'attribuee 2026-03-21 ', 'M2, the pool''s: attribuee, no deadline');
SELECT is((SELECT format('%s %s %s', issue, date_issue, date_limite) FROM orientation WHERE vacance_id = :m3),
		  'attribuee 2026-03-22 ', 'M3 (fast path): attribuee, still without a deadline');
SELECT is((SELECT format('%s %s %s', issue, date_issue, date_limite) FROM orientation WHERE vacance_id = :b2),
		  'attribuee 2026-03-23 ', 'B2 (general path, the trigger fired): the same');
SELECT is((SELECT count(*) FROM orientation WHERE ouverte AND vacance_id IN (:m1, :m2, :m3, :b2)), 4::bigint,
		  'each still the open orientation of its vacancy (the generated column recomputed)');
SELECT is((SELECT sum(attribuees)::int FROM compteur WHERE bailleur = 'b93' AND annee = 2026), 4,
		  'four attributions counted');
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the independent one');

-- A foreign key on a column the write changes (review of 985a1b9): the
-- direct write gives way to the executor, which checks it, as the general
-- path's UPDATE does.
SELECT id AS b1 FROM v WHERE ref = 'B1' \gset
CREATE TABLE public.issue_permise (issue flux_mgmt.issue_orientation PRIMARY KEY);
INSERT INTO public.issue_permise VALUES ('en_cours'), ('carence'), ('echec');
ALTER TABLE orientation ADD CONSTRAINT orientation_issue_permise FOREIGN KEY (issue) REFERENCES public.issue_permise NOT VALID;
INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (:b1, 'al', '2026-03-02');
SELECT throws_ok(format($$INSERT INTO attribution (orientation_id, date_caleol, date_bail)
						 SELECT id, '2026-03-10', '2026-03-24' FROM orientation WHERE vacance_id = %s$$, :b1),
				 '23503', NULL, 'a foreign key on the issue refuses the attribution on the fast path too');
SELECT is((SELECT issue::text FROM orientation WHERE vacance_id = :b1), 'en_cours', 'and the orientation stays open');

SELECT * FROM finish();
ROLLBACK;
