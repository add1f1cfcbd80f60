-- Recording events: the rules of vacance, orientation and attribution, each
-- error with its SQLSTATE and message; orienter, cloturer; the issue of an
-- orientation following its attribution.
\i test/setup.sql
BEGIN;
SELECT plan(59);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

-- vacance
SELECT throws_ok($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-03-01' FROM flux_mgmt.logement WHERE ref = 'M1'$$,
				 '23505', NULL, 'one vacancy per dwelling and day');
UPDATE logement SET mise_en_service = '2020-01-01', sortie = '2027-01-01' WHERE ref = 'B2';
SELECT throws_ok($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2027-01-01' FROM flux_mgmt.logement WHERE ref = 'B2'$$,
				 '23514', NULL, 'no vacancy after the dwelling left the stock');
SELECT lives_ok($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-12-31' FROM flux_mgmt.logement WHERE ref = 'B2'$$,
				'a vacancy on the last day the dwelling is owned');
SELECT throws_ok(format('UPDATE flux_mgmt.vacance SET date_liberation = %L WHERE id = %s', '2019-12-31', :b2), '23514',
				 format('vacancy %s of dwelling ''B2'' on 2019-12-31 falls outside the time the landlord ''b93'' owns it (2020-01-01 to 2027-01-01)', :b2),
				 'nor before it entered it (updates are checked too)');

-- orientation: the rules that read other tables
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-02-28')$$, :m1), '23514',
				 format('orientation of vacancy %s on 2026-02-28, before the dwelling ''M1'' became available on 2026-03-01', :m1),
				 'not before the vacancy');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-03-02')$$, :d1), '23514',
				 format('dwelling ''D1'' is kept in stock for ''defense'': vacancy %s cannot go to ''al''', :d1),
				 'a stock dwelling goes to its holder only');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, NULL, date_orientation => '2026-03-02')$$, :d1), '23514',
				 format('dwelling ''D1'' is kept in stock for ''defense'': vacancy %s cannot go to the landlord''s pool', :d1),
				 'not even to the pool');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, NULL, 'vente', '2026-03-02')$$, :d1), '23514',
				 format('dwelling ''D1'' is kept in stock for ''defense'': vacancy %s cannot go to a subtraction (vente)', :d1),
				 'nor out of the flux');
SELECT lives_ok(format($$SELECT flux_mgmt.orienter(%s, 'defense', date_orientation => '2026-03-02')$$, :d1),
				'a stock dwelling to its holder, who needs no convention');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-03-02')$$, :h1), '23514',
				 format('dwelling ''H1'' is outside the L441-1 regime: vacancy %s cannot go to ''al''', :h1),
				 'a hors champ dwelling goes to the pool');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2024-12-31')$$, :m1), '23514', NULL,
				 'an orientation before the vacancy is refused first');
UPDATE vacance SET date_liberation = '2024-12-01' WHERE id = :m3;
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2024-12-31')$$, :m3), '23514',
				 'no convention of landlord ''b93'' with ''al'' in département 93 is in force in 2024',
				 'a réservataire needs a convention in force in the year of the orientation');
-- rules that read reference tables are not checked while a dump is restored
-- (check_function_bodies off); the view infraction finds what slipped through
SET LOCAL check_function_bodies = off;
SELECT orienter(:m3, 'al', date_orientation => '2024-12-31') AS o_m3 \gset
RESET check_function_bodies;
SELECT results_eq('SELECT evenement, id, regle FROM flux_mgmt.infraction',
				  format($$VALUES ('orientation', %s::bigint, 'sans_convention')$$, :o_m3),
				  'the view infraction lists an orientation loaded without its convention');
DELETE FROM orientation WHERE id = :o_m3;
SELECT is_empty('SELECT * FROM flux_mgmt.infraction', 'and is empty again once it is gone');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'montreuil', date_orientation => '2026-03-02')$$, :b1), '23514',
				 'dwelling ''B1'' in 93008 is outside the territory of ''montreuil''',
				 'a territorial réservataire only receives dwellings of its territory');
SELECT lives_ok(format($$SELECT flux_mgmt.orienter(%s, 'montreuil', date_orientation => '2026-03-02')$$, :m1),
				'a commune receives a dwelling of its territory');
SELECT is((SELECT date_limite FROM orientation WHERE vacance_id = :m1), '2026-04-02'::date,
		  'date_limite defaults to the orientation date plus the convention''s delay');
-- changing a dwelling or a vacancy is judged against the orientations it has
SELECT throws_ok($$UPDATE flux_mgmt.logement SET commune = '93008' WHERE ref = 'M1'$$, '23514',
				 'dwelling ''M1'' in 93008 is outside the territory of ''montreuil''',
				 'an oriented dwelling cannot move out of its réservataire''s territory');
SELECT throws_ok($$UPDATE flux_mgmt.logement SET regime = 'hors_champ' WHERE ref = 'M1'$$, '23514',
				 format('dwelling ''M1'' is outside the L441-1 regime: vacancy %s cannot go to ''montreuil''', :m1),
				 'nor leave the flux');
SELECT throws_ok(format('UPDATE flux_mgmt.vacance SET date_liberation = %L WHERE id = %s', '2026-03-05', :m1), '23514',
				 format('orientation of vacancy %s on 2026-03-02, before the dwelling ''M1'' became available on 2026-03-05', :m1),
				 'a vacancy cannot move after its orientation');
-- nor a territory shrink from under them
SELECT throws_ok($$DELETE FROM flux_mgmt.territoire WHERE reservataire = 'montreuil'$$, '23514',
				 'dwelling ''M1'' in 93048 is outside the territory of ''montreuil''',
				 'a commune of a territory cannot go while a dwelling there is oriented to it');
SELECT throws_ok($$UPDATE flux_mgmt.territoire SET commune = '93008' WHERE reservataire = 'montreuil'$$, '23514',
				 'dwelling ''M1'' in 93048 is outside the territory of ''montreuil''', 'nor be replaced');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-03-03')$$, :m1), '23505',
				 format('vacancy %s already has an open orientation', :m1), 'one open orientation per vacancy (orienter)');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (%s, 'al', '2026-03-03')$$, :m1),
				 '23505', NULL, 'one open orientation per vacancy (plain INSERT)');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, soustraction, date_orientation) VALUES (%s, 'al', 'vente', '2026-03-03')$$, :b1),
				 '23514', NULL, 'a subtracted vacancy has no réservataire');
SELECT throws_ok($$SELECT flux_mgmt.orienter(999999, 'al')$$, '23503', 'unknown vacancy 999999', 'orienter: unknown vacancy');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'nobody')$$, :b1), '23503', 'unknown réservataire ''nobody''', 'orienter: unknown réservataire');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (%s, 'nobody', '2026-03-03')$$, :b1),
				 '23503', NULL, 'plain INSERT: unknown réservataire');
-- a multi-row statement is judged as a whole: one bad row, nothing written
SELECT throws_ok(format($$INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (%s, 'al', '2026-03-03'), (%s, 'montreuil', '2026-03-03')$$, :b1, :b2),
				 '23514', 'dwelling ''B2'' in 93008 is outside the territory of ''montreuil''', 'a multi-row INSERT with one bad row');
SELECT is((SELECT count(*) FROM orientation WHERE vacance_id IN (:b1, :b2)), 0::bigint, 'writes nothing');

-- cloturer
SELECT orienter(:b1, 'al', date_orientation => '2026-03-03') AS o_b1 \gset
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-04-02')$$, :o_b1), '23514',
				 format('no carence for orientation %s on 2026-04-02: the réservataire has until 2026-04-03 to propose candidates', :o_b1),
				 'no carence before the delay has passed');
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'attribuee', '2026-04-02')$$, :o_b1), '22023',
				 'cloturer records carence, echec or retiree, not attribuee', 'cloturer does not attribute');
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'echec', '2026-03-01')$$, :o_b1), '23514', NULL, 'no outcome before the orientation');
SELECT throws_ok($$SELECT flux_mgmt.cloturer(999999, 'echec', '2026-03-01')$$, '23503', 'unknown orientation 999999', 'cloturer: unknown orientation');
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'echec', NULL)$$, :o_b1), '22004', 'cloturer needs the date of the outcome', 'cloturer needs a date');
SELECT lives_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-04-03')$$, :o_b1), 'a carence on the deadline');
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'echec', '2026-04-05')$$, :o_b1), '23514',
				 format('orientation %s is already closed (carence)', :o_b1), 'a closed orientation stays closed');
SELECT throws_ok(format($$UPDATE flux_mgmt.orientation SET issue = 'echec' WHERE vacance_id = %s$$, :m1), '23514', NULL,
				 'plain UPDATE: an outcome needs its date (CHECK)');

-- attribution
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol) VALUES (%s, '2026-04-10')$$, :o_b1), '23514',
				 format('orientation %s is carence: it cannot be attributed', :o_b1), 'no attribution on a closed orientation');
SELECT orienter(:b1, NULL, date_orientation => '2026-04-04') AS o_b1_pool \gset
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-06-01')$$, :o_b1_pool), '23514',
				 format('no carence for orientation %s: it has no deadline', :o_b1_pool), 'no carence of the pool, which has no deadline');
SELECT throws_ok(format($$UPDATE flux_mgmt.orientation SET issue = 'attribuee', date_issue = '2026-04-20' WHERE id = %s$$, :o_b1_pool), '23514',
				 format('orientation %s cannot be attribuee without an attribution', :o_b1_pool), 'attribuee comes from an attribution only');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol) VALUES (%s, '2026-04-01')$$, :o_b1_pool), '23514',
				 format('attribution of orientation %s decided by the CALEOL on 2026-04-01, before the orientation on 2026-04-04', :o_b1_pool),
				 'no CALEOL before the orientation');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) VALUES (%s, '2026-04-01', '2026-04-02')$$, :o_b1_pool),
				 '23514',
				 format('attribution of orientation %s decided by the CALEOL on 2026-04-01, before the orientation on 2026-04-04', :o_b1_pool),
				 'no CALEOL before the orientation, with a lease too: the rule''s error, not the orientation''s dates');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) VALUES (%s, '2026-04-10', '2026-04-09')$$, :o_b1_pool),
				 '23514', NULL, 'no lease before the CALEOL (CHECK)');
INSERT INTO attribution (orientation_id, date_caleol) VALUES (:o_b1_pool, '2026-04-10');
SELECT is((SELECT row(issue, date_issue)::text FROM orientation WHERE id = :o_b1_pool), '(attribuee,)',
		  'recording an attribution sets the issue to attribuee (lease pending: no date)');
UPDATE attribution SET date_bail = '2026-04-20' WHERE orientation_id = :o_b1_pool;
SELECT is((SELECT row(issue, date_issue)::text FROM orientation WHERE id = :o_b1_pool), '(attribuee,2026-04-20)',
		  'the lease date becomes the date of the outcome');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol) VALUES (%s, '2026-04-10')$$, :o_b1_pool),
				 '23505', NULL, 'one attribution per orientation');
SELECT throws_ok(format($$UPDATE flux_mgmt.orientation SET issue = 'retiree', date_issue = '2026-05-01' WHERE id = %s$$, :o_b1_pool), '23514',
				 format('orientation %s has an attribution: its issue cannot become retiree', :o_b1_pool), 'an attributed orientation keeps its issue');
SELECT throws_ok(format($$SELECT flux_mgmt.orienter(%s, 'al', date_orientation => '2026-05-01')$$, :b1), '23505', NULL,
				 'an attributed vacancy cannot be oriented again');
SELECT throws_ok(format($$DELETE FROM flux_mgmt.orientation WHERE id = %s$$, :o_b1_pool), '23503', NULL,
				 'an orientation with an attribution cannot be deleted');
DELETE FROM attribution WHERE orientation_id = :o_b1_pool;
SELECT is((SELECT row(issue, date_issue)::text FROM orientation WHERE id = :o_b1_pool), '(en_cours,)',
		  'deleting the attribution reopens the orientation');
SELECT lives_ok(format($$DELETE FROM flux_mgmt.orientation WHERE id = %s$$, :o_b1_pool), 'then the orientation can go');
SELECT throws_ok(format($$DELETE FROM flux_mgmt.vacance WHERE id = %s$$, :b1), '23503', NULL, 'a vacancy with orientations cannot be deleted');

-- conventions keep their orientations covered
SELECT throws_ok($$DELETE FROM flux_mgmt.convention WHERE reservataire = 'montreuil'$$, '23514', NULL,
				 'a convention with orientations cannot be deleted');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET annee_debut = 2027 WHERE reservataire = 'montreuil'$$, '23514', NULL,
				 'nor moved away from their years');
SELECT lives_ok($$UPDATE flux_mgmt.convention SET annee_fin = 2026 WHERE reservataire = 'montreuil'$$, 'ending it after them is fine');

-- a réservataire becoming territorial (its orientations so far: B1 in 93008)
SELECT throws_ok($$UPDATE flux_mgmt.reservataire SET type = 'epci' WHERE code = 'al'$$, '23514',
				 'dwelling ''B1'' in 93008 is outside the territory of ''al''',
				 'a réservataire whose type becomes territorial keeps its orientations inside its territory');
SELECT lives_ok($$UPDATE flux_mgmt.reservataire SET type = 'ept' WHERE code = 'montreuil'$$,
				'a territorial réservataire changing type keeps its territory and its orientations');

SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with the events after all of it');

SELECT * FROM finish();
ROLLBACK;
