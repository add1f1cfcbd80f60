-- Issue 17, untested: recalculer_compteurs()'s exact result (the number of
-- counter rows it writes), TRUNCATE of the event tables (the rebuild, the
-- orientations an attribution's truncation reopens, what it refuses, a role
-- granted TRUNCATE) and COPY into them (COPY … FROM PROGRAM, as a superuser:
-- every rule judged on the whole COPY, counters equal to a recount).
\i test/setup.sql
BEGIN;
SELECT plan(30);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

SELECT is(flux_mgmt.recalculer_compteurs(), 0::bigint, 'no orientation yet: nothing to write');
-- 2026: M1 to Montreuil, let; M2 to Action Logement, open; B1 to the State
-- agents, let in January 2027 (mode bail: charged in 2027); B2 let from the
-- pool; D1 to its stock holder, open.
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, date_orientation => '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES
	(:o_m1, '2026-03-10', '2026-03-20'), (:o_b2, '2026-03-10', '2026-03-21'), (:o_b1, '2026-12-20', '2027-01-10');
CREATE TEMP TABLE avant AS
SELECT bailleur, annee, commune::text, reservataire, soustraction, dans_flux, sum(en_cours) AS en_cours, sum(attribuees) AS attribuees,
	   sum(decomptes) AS decomptes, sum(baux) AS baux, sum(hors_qpv) AS hors_qpv, sum(q234_en_qpv) AS q234_en_qpv
FROM compteur GROUP BY 1, 2, 3, 4, 5, 6;
SELECT is(flux_mgmt.recalculer_compteurs(), 15::bigint,
		  'recalculer_compteurs() writes 15 rows: 6 counters (5 keys of 2026, the agents'' lease of 2027), 5 of the bilan (in the flux only) and 4 of the engine''s (the in-flux beneficiaries of 2026)');
SELECT results_eq($$SELECT count(*)::int, min(tranche)::int, max(tranche)::int FROM flux_mgmt.compteur$$,
	$$VALUES (6, 0, 0)$$, 'the 6 counter rows, all in tranche 0');
SELECT results_eq($$SELECT count(*)::int, min(tranche)::int, max(tranche)::int FROM flux_mgmt.compteur_bilan$$,
	$$VALUES (5, 0, 0)$$, 'the 5 bilan rows');
SELECT results_eq(
	$$SELECT annee, commune::text, coalesce(reservataire, 'pool'), dans_flux, en_cours::int, attribuees::int, decomptes::int, baux::int, hors_qpv::int, q234_en_qpv::int
	  FROM flux_mgmt.compteur ORDER BY annee, commune, reservataire NULLS LAST$$,
	$$VALUES (2026, '93008', 'agents', true, 0, 1, 0, 0, 0, 0), (2026, '93008', 'defense', false, 1, 0, 0, 0, 0, 0),
			 (2026, '93008', 'pool', true, 0, 1, 1, 1, 1, 0), (2026, '93048', 'al', true, 1, 0, 0, 0, 0, 0),
			 (2026, '93048', 'montreuil', true, 0, 1, 1, 1, 1, 0), (2027, '93008', 'agents', true, 0, 0, 1, 1, 0, 1)$$,
	'each counter exactly');
SELECT set_eq($$SELECT bailleur, annee, commune::text, reservataire, soustraction, dans_flux, en_cours, attribuees, decomptes, baux, hors_qpv, q234_en_qpv
				FROM flux_mgmt.compteur$$, 'SELECT * FROM avant', 'the same figures the triggers had kept');
SELECT results_eq($$SELECT annee, departement, coalesce(reservataire, 'pool'), tranche::int, imputees::int, proposes::int, proposes_hors_qpv::int
					 FROM flux_mgmt.compteur_moteur ORDER BY annee, reservataire NULLS LAST$$,
	$$VALUES (2026, '93', 'agents', 0, 1, 1, 0), (2026, '93', 'al', 0, 1, 1, 0), (2026, '93', 'montreuil', 0, 1, 1, 1),
			 (2026, '93', 'pool', 0, 1, 1, 1)$$,
	'the engine''s 4 rows: each vacancy of 2026 once (B1''s lease of 2027 counts in 2026, the year it became available), D1 outside the flux');
SELECT is(flux_mgmt.recalculer_compteurs(), 15::bigint, 'run again: the same 15 rows (it replaces, never adds)');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and they equal a recount');

-- TRUNCATE: an attribution truncated away reopens its orientation, and the counters are rebuilt
TRUNCATE attribution;
SELECT results_eq(format('SELECT id, issue::text, date_issue FROM flux_mgmt.orientation WHERE id IN (%s, %s, %s) ORDER BY id', :o_m1, :o_b1, :o_b2),
	format($$VALUES (%s::bigint, 'en_cours'::text, NULL::date), (%s, 'en_cours', NULL), (%s, 'en_cours', NULL)$$, :o_m1, :o_b1, :o_b2),
	'TRUNCATE attribution: the three attributed orientations are open again');
SELECT results_eq($$SELECT sum(en_cours)::int, sum(attribuees)::int, sum(decomptes)::int, sum(baux)::int FROM flux_mgmt.compteur$$,
	$$VALUES (5, 0, 0, 0)$$, 'five open orientations, no charge (mixte, bail and the pool wait for a lease), no lease');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the rebuild equals a recount');
SELECT throws_ok('TRUNCATE flux_mgmt.orientation', '0A000', 'cannot truncate a table referenced in a foreign key constraint',
				 'TRUNCATE orientation alone is refused by PostgreSQL (attribution refers to it)');
-- (what a savepoint sees is read into variables and checked after it is
-- rolled back: pgTAP's own bookkeeping would be rolled back with it)
SAVEPOINT avant_vidage;
TRUNCATE orientation, attribution;
SELECT (SELECT count(*) FROM flux_mgmt.compteur) + (SELECT count(*) FROM flux_mgmt.compteur_bilan)
	   + (SELECT count(*) FROM flux_mgmt.contribution) AS derivees_apres_vidage \gset
TRUNCATE vacance CASCADE;
SELECT (SELECT count(*) FROM flux_mgmt.vacance) AS vacances_apres_vidage,
	   (SELECT count(*) FROM flux_mgmt.verifier_compteurs()) AS ecarts_apres_vidage \gset
ROLLBACK TO SAVEPOINT avant_vidage;
SELECT is(:derivees_apres_vidage, 0, 'TRUNCATE orientation, attribution: no counter, no ledger row left');
SELECT is(:vacances_apres_vidage, 0, 'TRUNCATE vacance CASCADE empties the events');
SELECT is(:ecarts_apres_vidage, 0, 'and the counters stay equal to a recount of nothing');
-- a role granted TRUNCATE on attribution: the rebuild runs as the owner
CREATE ROLE flux_videur;
SELECT flux_mgmt.accorder_profil('flux_videur', 'saisie') \g /dev/null
GRANT USAGE ON SCHEMA flux_mgmt TO flux_videur;
GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO flux_videur;
GRANT INSERT, UPDATE, DELETE ON flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution TO flux_videur;
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_m1, '2026-03-10', '2026-03-20');
SET ROLE flux_videur;
SELECT throws_ok('TRUNCATE flux_mgmt.attribution', '42501', 'permission denied for table attribution',
				 'a clerk without TRUNCATE cannot');
RESET ROLE;
GRANT TRUNCATE ON flux_mgmt.attribution TO flux_videur;
SET ROLE flux_videur;
SELECT lives_ok('TRUNCATE flux_mgmt.attribution', 'granted TRUNCATE, it can, though it may not write the counters');
RESET ROLE;
SELECT is((SELECT issue::text FROM flux_mgmt.orientation WHERE id = :o_m1), 'en_cours', 'the orientation was reopened (as the owner)');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and the counters rebuilt');

-- COPY FROM PROGRAM: a week of events in three COPY statements
SELECT id AS m1_logement FROM logement WHERE ref = 'M1' \gset
SELECT id AS b2_logement FROM logement WHERE ref = 'B2' \gset
SELECT lives_ok(format($$COPY flux_mgmt.vacance (logement_id, date_liberation, premiere_location) FROM PROGRAM %L$$,
					   format($c$printf '%%s\t%%s\t%%s\n' %s 2026-06-01 f %s 2026-06-02 t$c$, :m1_logement, :b2_logement)),
				'COPY of two vacancies');
SELECT id AS m1_juin FROM vacance WHERE date_liberation = '2026-06-01' \gset
SELECT id AS b2_juin FROM vacance WHERE date_liberation = '2026-06-02' \gset
SELECT is((SELECT premiere_location FROM flux_mgmt.vacance WHERE id = :b2_juin), true, 'with their columns as sent');
SELECT throws_ok(format($$COPY flux_mgmt.orientation (vacance_id, reservataire, date_orientation) FROM PROGRAM %L$$,
						format($c$printf '%%s\t%%s\t%%s\n' %s al 2026-06-03 %s montreuil 2026-06-03$c$, :m1_juin, :b2_juin)),
				 '23514', 'dwelling ''B2'' in 93008 is outside the territory of ''montreuil''',
				 'a COPY with one row breaking a rule is refused whole');
SELECT is((SELECT count(*)::int FROM flux_mgmt.orientation WHERE vacance_id IN (:m1_juin, :b2_juin)), 0, 'nothing of it was written');
SELECT lives_ok(format($$COPY flux_mgmt.orientation (vacance_id, reservataire, date_orientation) FROM PROGRAM %L$$,
					   format($c$printf '%%s\t%%s\t%%s\n' %s al 2026-06-03 %s '\N' 2026-06-03$c$, :m1_juin, :b2_juin)),
				'COPY of two orientations (the second to the pool, \N)');
SELECT lives_ok(format($$COPY flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile) FROM PROGRAM %L$$,
					   format($c$printf '%%s\t%%s\t%%s\t%%s\n' %s 2026-06-10 2026-06-20 t %s 2026-06-10 2026-06-21 f$c$,
							  (SELECT id FROM orientation WHERE vacance_id = :m1_juin), (SELECT id FROM orientation WHERE vacance_id = :b2_juin))),
				'COPY of their attributions');
SELECT results_eq(format($$SELECT coalesce(reservataire, 'pool'), issue::text, date_issue FROM flux_mgmt.orientation
						   WHERE vacance_id IN (%s, %s) ORDER BY reservataire NULLS LAST$$, :m1_juin, :b2_juin),
	$$VALUES ('al'::text, 'attribuee'::text, '2026-06-20'::date), ('pool', 'attribuee', '2026-06-21')$$,
	'the copied attributions set their orientations'' issue');
SELECT results_eq($$SELECT reservataire, decomptes FROM flux_mgmt.atteinte_annuelle('b93', '93', 2026) WHERE decomptes > 0
					ORDER BY reservataire NULLS LAST$$,
	$$VALUES ('al'::text, 1::bigint), (NULL, 1)$$, 'the copied leases are charged (Action Logement, the pool)');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after the COPYs the counters equal a recount');
\i test/oracle/recompte.sql
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the independent recount (test/oracle/recompte.sql)');

SELECT * FROM finish();
ROLLBACK;
