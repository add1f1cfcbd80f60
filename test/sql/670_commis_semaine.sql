-- Issue 17, untested: everything run as a role that is not a superuser.  A
-- clerk with exactly the README's grants (SELECT on every table, writes on
-- vacance, orientation and attribution) records a week of events through
-- suggerer, orienter_suggestion, orienter, cloturer, plain INSERT, UPDATE
-- and DELETE and orienter_en_attente, then reads every view; what it may not
-- do is refused.
\i test/setup.sql
BEGIN;
SELECT plan(21);
\i test/fixtures/evenements.sql
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction) VALUES
	('b93', 'N1', '93048', 3, 'plus', false, 1985), ('b93', 'N2', '93008', 2, 'plai', false, 2008),
	('b93', 'N3', '93048', 4, 'pls', true, 1968);
CREATE ROLE flux_commis;
SELECT flux_mgmt.accorder_profil('flux_commis', 'saisie') \g /dev/null
GRANT USAGE ON SCHEMA flux_mgmt TO flux_commis;
GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO flux_commis;
GRANT INSERT, UPDATE, DELETE ON flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution TO flux_commis;

SET ROLE flux_commis;
SELECT is(current_user::text, 'flux_commis', 'the clerk is no superuser');
SELECT ok(NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), '(checked)');
-- The events of the fixture (vacancies of Sunday 1 March) and the clerk's
-- by dwelling reference: 'ref' or 'ref/n' for the n-th orientation.
CREATE TEMP VIEW evenements AS
SELECT l.ref, v.id AS vacance_id, o.id AS orientation_id, o.reservataire, o.date_orientation, o.issue, o.date_issue,
	   a.date_caleol, a.date_bail
FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
LEFT JOIN flux_mgmt.orientation o ON o.vacance_id = v.id
LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id;

-- Monday 2 March: three dwellings are vacated; N1 goes where the engine says, N2 to Action Logement
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT id, '2026-03-02' FROM flux_mgmt.logement WHERE ref IN ('N1', 'N2', 'N3') ORDER BY ref;
SELECT vacance_id AS n1 FROM evenements WHERE ref = 'N1' \gset
SELECT vacance_id AS n2 FROM evenements WHERE ref = 'N2' \gset
SELECT vacance_id AS n3 FROM evenements WHERE ref = 'N3' \gset
SELECT results_eq(format('SELECT rang, reservataire, ecart FROM flux_mgmt.suggerer(%s) ORDER BY rang', :n1),
	$$VALUES (1, 'prefet'::text, 0.25::numeric), (2, 'al', 0.35), (3, NULL, 0.25), (4, 'montreuil', 0.1), (5, 'agents', 0.05)$$,
	'Monday: the clerk reads the suggestions for N1, the first in-flux dwelling of the year');
SELECT flux_mgmt.orienter_suggestion(:n1, '2026-03-02') AS o_n1 \gset
SELECT flux_mgmt.orienter(:n2, 'al', date_orientation => '2026-03-02') AS o_n2 \gset
SELECT results_eq($$SELECT ref, reservataire, issue::text FROM evenements WHERE orientation_id IS NOT NULL ORDER BY orientation_id$$,
	$$VALUES ('N1', 'prefet'::text, 'en_cours'::text), ('N2', 'al', 'en_cours')$$,
	'N1 to the préfet (rank 1, recorded by orienter_suggestion), N2 to Action Logement (orienter)');
-- Tuesday: N3 follows rank 1 read from suggerer; the CALEOL decides on N1
SELECT coalesce(reservataire, 'pool') AS rang1_n3 FROM flux_mgmt.suggerer(:n3) WHERE rang = 1 \gset
SELECT is(:'rang1_n3'::text, 'pool', 'N3 (in a QPV): rank 1 is the pool');
SELECT flux_mgmt.orienter(:n3, nullif(:'rang1_n3', 'pool'), date_orientation => '2026-03-03') AS o_n3 \gset
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, premier_quartile) VALUES (:o_n1, '2026-03-03', true);
SELECT is((SELECT issue::text FROM evenements WHERE orientation_id = :o_n1), 'attribuee', 'the attribution sets N1''s issue (the trigger runs as the owner)');
-- Wednesday: Action Logement's candidate for N2 fails; the engine orients it again
SELECT lives_ok(format($$SELECT flux_mgmt.cloturer(%s, 'echec', '2026-03-04')$$, :o_n2), 'cloturer: an échec');
SELECT flux_mgmt.orienter_suggestion(:n2, '2026-03-04') AS o_n2_bis \gset
SELECT is((SELECT reservataire FROM evenements WHERE orientation_id = :o_n2_bis), 'al',
		  'N2 again: Action Logement, still the most owed (an échec is not counted)');
-- Thursday: N1's lease is signed; an orientation recorded by mistake is deleted
UPDATE flux_mgmt.attribution SET date_bail = '2026-03-05' WHERE orientation_id = :o_n1;
SELECT is((SELECT date_issue FROM evenements WHERE orientation_id = :o_n1), '2026-03-05'::date, 'the lease dates the issue');
SELECT vacance_id AS m1 FROM evenements WHERE ref = 'M1' \gset
SELECT flux_mgmt.orienter(:m1, 'al', date_orientation => '2026-03-05') AS o_erreur \gset
DELETE FROM flux_mgmt.orientation WHERE id = :o_erreur;
SELECT is((SELECT count(*)::int FROM evenements WHERE ref = 'M1' AND orientation_id IS NOT NULL), 0, 'the mistake is gone');
-- Friday: every vacancy still waiting, in date order
CREATE TEMP TABLE lot AS SELECT * FROM flux_mgmt.orienter_en_attente('b93', 2026);
SELECT results_eq($$SELECT e.ref, x.reservataire FROM lot x JOIN evenements e ON e.orientation_id = x.orientation_id ORDER BY x.orientation_id$$,
	$$VALUES ('M1', 'al'::text), ('M2', NULL), ('M3', 'prefet'), ('B1', 'al'), ('B2', NULL), ('D1', 'defense'), ('H1', NULL)$$,
	'Friday: orienter_en_attente orients the seven vacancies of Sunday, each seeing the ones before');

-- Saturday: the clerk reads every view
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026 ORDER BY reservataire NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 2::bigint, 0.1::numeric, 0::bigint, 0.1::numeric, 0::bigint, 0::bigint),
			 ('al', 35, 2, 0.7, 0, 0.7, 3, 0),
			 ('montreuil', 10, 2, 0.2, 0, 0.2, 0, 0),
			 ('prefet', 25, 2, 0.5, 2, -1.5, 1, 0),
			 (NULL, 25, 2, 0.5, 0, 0.5, 3, 0)$$,
	'atteinte: the préfet charged twice (mode orientation: M3 when oriented; N1, let), the others still open');
SELECT results_eq(
	$$SELECT coalesce(reservataire, 'pool'), sum(logements_proposes)::int, sum(logements_attribues)::int
	  FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93' AND annee = 2026 GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('al', 4, 0), ('pool', 3, 0), ('prefet', 2, 1)$$,
	'bilan_annuel: proposed in the flux (N2''s échec counts as proposed), one lease');
SELECT results_eq(
	$$SELECT objectif, reservataire, numerateur, denominateur, cible, manque FROM flux_mgmt.objectifs_attribution
	  WHERE bailleur = 'b93' AND annee = 2026 ORDER BY objectif, reservataire NULLS FIRST$$,
	$$VALUES ('O1', NULL, 1::bigint, 1::bigint, 25::numeric, 0::bigint), ('O2', NULL, 0, 0, 50, 0),
			 ('O3', 'al', 0, 0, 25, 0), ('O3', 'defense', 0, 0, 25, 0), ('O4', NULL, 0, 0, 25, 0)$$,
	'objectifs_attribution: the first-quartile lease outside QPV meets O1; O3 and O4 have no lease yet');
SELECT is_empty($$SELECT * FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93'$$, 'bilan_soustractions: nothing subtracted');
SELECT is_empty('SELECT * FROM flux_mgmt.infraction', 'infraction: nothing breaks a rule');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'verifier_compteurs(), run by the clerk: the counters equal a recount');
SELECT is((SELECT count(*)::int FROM flux_mgmt.orientation_decompte WHERE decompte), 2, 'orientation_decompte: the two charges');

-- what the clerk may not do
SELECT throws_ok('SELECT flux_mgmt.recalculer_compteurs()', '42501', 'permission denied for function recalculer_compteurs',
				 'rebuild the counters');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET taux = 1$$, '42501', 'permission denied for table convention', 'change a convention');
SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('plancher_prefet_hors_qpv', 0)$$, '42501',
				 'permission denied for table parametre_orientation', 'change the engine''s parameters');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
