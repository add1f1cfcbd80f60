-- Who writes what (issue "hardening"): the derived tables (contribution,
-- compteur, compteur_bilan) are written by the extension only, as their
-- owner, whatever a role was granted; a clerk records events with rights on
-- the event tables alone; recalculer_compteurs() is for the roles granted
-- EXECUTE, without TRUNCATE; verrouiller_bailleurs() refuses a role that
-- writes nothing; and verifier_compteurs() names a forged counter and a
-- forged ledger row (positive controls).
\i test/setup.sql
BEGIN;
SELECT plan(31);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

-- The profiles (accorder_profil): a clerk records events, an administrator
-- also writes conventions and dwellings and may rebuild the counters, a
-- reader reads.
CREATE ROLE flux_agent;
CREATE ROLE flux_admin;
CREATE ROLE flux_lecteur;
SELECT flux_mgmt.accorder_profil('flux_agent', 'saisie') \g /dev/null
SELECT flux_mgmt.accorder_profil('flux_admin', 'administration') \g /dev/null
SELECT flux_mgmt.accorder_profil('flux_lecteur', 'lecture') \g /dev/null
-- and the mistake 0.1's README advised: writes on the derived tables, to the clerk
GRANT INSERT, UPDATE, DELETE, TRUNCATE ON flux_mgmt.contribution, flux_mgmt.compteur, flux_mgmt.compteur_bilan TO flux_agent;

-- A clerk records a year's events with rights on the event tables only.
SET ROLE flux_agent;
SELECT lives_ok(format($$SELECT flux_mgmt.orienter(%s, 'prefet', date_orientation => '2026-03-02')$$, :m1),
				'a clerk orients a vacancy');
SELECT lives_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-03-02')$$, :m2),
				'and another');
SELECT lives_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, prioritaire)
						 SELECT o.id, '2026-03-10', '2026-03-20', true FROM flux_mgmt.orientation o WHERE o.vacance_id = %s$$, :m1),
				'records a lease: the trigger updates the orientation''s issue as the owner');
SELECT is((SELECT issue::text FROM flux_mgmt.orientation WHERE vacance_id = :m1), 'attribuee', 'the orientation follows its lease');
SELECT is((SELECT sum(decomptes)::int FROM flux_mgmt.compteur WHERE reservataire = 'prefet' AND annee = 2026), 1,
		  'the préfet is charged one dwelling (mode orientation)');

-- Direct writes to the derived tables are refused, even granted.
SELECT throws_ok($$UPDATE flux_mgmt.compteur SET decomptes = decomptes + 5 WHERE reservataire = 'prefet'$$,
				 '42501', 'table flux_mgmt.compteur is written by flux_mgmt only', 'a clerk cannot inflate a counter');
SELECT throws_ok($$INSERT INTO flux_mgmt.compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche, decomptes)
				   VALUES ('b93', 2026, '93048', 'al', NULL, true, 7, 3)$$,
				 '42501', 'table flux_mgmt.compteur is written by flux_mgmt only', 'nor plant a counter row');
SELECT throws_ok($$DELETE FROM flux_mgmt.contribution$$,
				 '42501', 'table flux_mgmt.contribution is written by flux_mgmt only', 'nor delete the ledger');
SELECT throws_ok($$INSERT INTO flux_mgmt.contribution SELECT * FROM flux_mgmt.contribution LIMIT 1$$,
				 '42501', 'table flux_mgmt.contribution is written by flux_mgmt only', 'nor plant ledger rows');
SELECT throws_ok($$TRUNCATE flux_mgmt.contribution$$,
				 '42501', 'table flux_mgmt.contribution is written by flux_mgmt only', 'nor truncate the ledger');
SELECT throws_ok($$UPDATE flux_mgmt.compteur_bilan SET attribues = 9$$,
				 '42501', 'table flux_mgmt.compteur_bilan is written by flux_mgmt only', 'nor rewrite the bilan counters');
SELECT throws_ok($$SELECT flux_mgmt.recalculer_compteurs()$$, '42501', NULL,
				 'a clerk is not granted the rebuild');
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b93'])$$,
				'a role that writes events may lock its landlords');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM flux_mgmt.verifier_compteurs()), 0, 'nothing the clerk tried moved a counter');

-- A reader: it reads, and can neither lock a landlord nor write anything.
SET ROLE flux_lecteur;
SELECT is((SELECT count(*)::int FROM flux_mgmt.orientation WHERE date_orientation = '2026-03-02'), 2, 'a reader reads the events');
SELECT throws_ok($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b93'])$$, '42501',
				 'permission denied to lock landlords', 'a reader cannot take a landlord''s lock');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-03-02')$$, :m3), '42501', NULL,
				 'nor record an event');
SELECT throws_ok($$UPDATE flux_mgmt.compteur SET decomptes = 0$$, '42501', NULL, 'nor touch a counter');
RESET ROLE;

-- An administrator: corrections recount as the owner, the rebuild without TRUNCATE.
SET ROLE flux_admin;
SELECT lives_ok($$UPDATE flux_mgmt.convention SET mode_decompte = 'bail' WHERE reservataire = 'prefet'$$,
				'an administrator changes a convention''s décompte mode');
SELECT is((SELECT sum(decomptes)::int FROM flux_mgmt.compteur WHERE reservataire = 'prefet' AND annee = 2026), 1,
		  'the lease signed still charges the préfet (mode bail)');
SELECT is((SELECT count(*)::int FROM flux_mgmt.verifier_compteurs()), 0, 'the counters followed the correction');
SELECT ok((SELECT flux_mgmt.recalculer_compteurs()) > 0, 'an administrator rebuilds the counters, without TRUNCATE');
SELECT ok(NOT has_table_privilege('flux_admin', 'flux_mgmt.contribution', 'TRUNCATE'), '(it has no TRUNCATE on the ledger)');
SELECT throws_ok($$DELETE FROM flux_mgmt.compteur$$, '42501', NULL, 'nor any write on the counters');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM flux_mgmt.verifier_compteurs()), 0, 'the rebuild equals the recount');

-- Positive controls: the owner forges one counter and one ledger row; the
-- checker names exactly those, and the rebuild repairs them.
UPDATE flux_mgmt.compteur SET decomptes = decomptes + 7
WHERE reservataire = 'prefet' AND annee = 2026 AND decomptes > 0;
SELECT results_eq($$SELECT compteur, attendu, trouve FROM flux_mgmt.verifier_compteurs()$$,
				  $$VALUES ('compteur(b93, 2026, 93048, prefet, -, flux).decomptes'::text, 1::bigint, 8::bigint)$$,
				  'a forged counter is named with its key, column, recount and value');
SELECT flux_mgmt.recalculer_compteurs() \g /dev/null
UPDATE flux_mgmt.contribution SET baux = baux + 1 WHERE vacance_id = :m2;
SELECT is((SELECT count(*)::int FROM flux_mgmt.ecarts_compteurs()), 0, 'the counters alone do not show a forged ledger row');
SELECT results_eq($$SELECT attendu, trouve FROM flux_mgmt.verifier_compteurs() ORDER BY attendu$$,
				  $$VALUES (0::bigint, 1::bigint), (1::bigint, 0::bigint)$$,
				  'the ledger check shows the forged row (in the ledger, not in the recount) and the true one (missing)');
SELECT ok((SELECT bool_and(compteur LIKE 'contribution(' || :m2 || ',%') FROM flux_mgmt.verifier_compteurs()),
		  'both name the vacancy whose ledger row was forged');
SELECT flux_mgmt.recalculer_compteurs() \g /dev/null
SELECT is((SELECT count(*)::int FROM flux_mgmt.verifier_compteurs()), 0, 'the rebuild repairs the ledger');
SELECT is((SELECT count(*)::int FROM flux_mgmt.ecarts_registre()), 0, 'ecarts_registre() alone agrees');

SELECT * FROM finish();
ROLLBACK;
