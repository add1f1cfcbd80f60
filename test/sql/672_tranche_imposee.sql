-- Issue 17, the test-only setting flux_mgmt.tranche (src/flux_mgmt.c,
-- src/compteurs.c): its default, its bounds, a superuser's only, the
-- reserved prefix; counter writes go to the tranche it names; one key over
-- two tranches reads as one (every reader sums), and recalculer_compteurs()
-- folds the tranches into one row per key.
\i test/setup.sql
BEGIN;
SELECT plan(14);
\i test/fixtures/diagnostics.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

SELECT is(current_setting('flux_mgmt.tranche'), '-1', 'the default: -1, the backend slot''s tranche');
SELECT results_eq($$SELECT min_val, max_val, context FROM pg_settings WHERE name = 'flux_mgmt.tranche'$$,
	$$VALUES ('-1'::text, '7'::text, 'superuser'::text)$$, 'from -1 to 7 (8 tranches), set by a superuser');
SELECT is(pg_temp.erreur('SET flux_mgmt.tranche = 8'), '22023 8 is outside the valid range for parameter "flux_mgmt.tranche" (-1 .. 7)',
		  'a tranche that does not exist is refused');
SELECT is(pg_temp.erreur('SET flux_mgmt.tranchee = 1'), '42602 invalid configuration parameter name "flux_mgmt.tranchee"',
		  'the prefix flux_mgmt is reserved: a misspelt setting is an error, not a placeholder');
CREATE ROLE flux_pas_super;
SET ROLE flux_pas_super;
SELECT is(pg_temp.erreur('SET flux_mgmt.tranche = 1'), '42501 permission denied to set parameter "flux_mgmt.tranche"',
		  'a role that is not a superuser cannot choose its tranche');
RESET ROLE;

-- two orientations to Action Logement in Montreuil (one counter key), from two tranches
SET LOCAL flux_mgmt.tranche = 2;
SELECT orienter(:m1, 'al', date_orientation => '2026-03-02') \g /dev/null
SET LOCAL flux_mgmt.tranche = 5;
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') \g /dev/null
SELECT results_eq($$SELECT tranche::int, en_cours::int FROM flux_mgmt.compteur WHERE reservataire = 'al' ORDER BY tranche$$,
	$$VALUES (2, 1), (5, 1)$$, 'each write went to the tranche set: one key, two rows');
SELECT results_eq($$SELECT tranche::int, proposes::int FROM flux_mgmt.compteur_bilan WHERE reservataire = 'al' ORDER BY tranche$$,
	$$VALUES (2, 1), (5, 1)$$, 'the bilan counters too (M1 and M2 differ in kind: two keys, one row each)');
SELECT results_eq($$SELECT reservataire, en_cours FROM flux_mgmt.atteinte_annuelle('b93', '93', 2026) WHERE reservataire = 'al'$$,
	$$VALUES ('al'::text, 2::bigint)$$, 'atteinte sums the tranches: 2 open orientations');
-- the same key again from tranche 2: its row is updated, no new one
SET LOCAL flux_mgmt.tranche = 2;
SELECT cloturer(o.id, 'retiree', '2026-03-03') FROM orientation o WHERE o.vacance_id = :m2 \g /dev/null
SELECT results_eq($$SELECT tranche::int, en_cours::int, retirees::int FROM flux_mgmt.compteur WHERE reservataire = 'al' ORDER BY tranche$$,
	$$VALUES (2, 0, 1), (5, 1, 0)$$,
	'a withdrawal of M2 written from tranche 2: -1 open and +1 withdrawn there, tranche 5 keeps its +1 open');
SELECT is((SELECT sum(en_cours)::int FROM flux_mgmt.compteur WHERE reservataire = 'al'), 1, 'the sum is right: M1 open');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and equals a recount');
\i test/oracle/recompte.sql
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the independent recount, which sums the tranches too');
SELECT is(flux_mgmt.recalculer_compteurs(), 4::bigint,
		  'recalculer_compteurs(): 4 rows, one counter per key (al in 93048, in tranche 0), 2 of the bilan and 1 of the engine''s');
SELECT results_eq($$SELECT tranche::int, en_cours::int, retirees::int FROM flux_mgmt.compteur WHERE reservataire = 'al'$$,
	$$VALUES (0, 1, 1)$$, 'the two tranches folded into one row');

SELECT * FROM finish();
ROLLBACK;
