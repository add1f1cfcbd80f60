-- The view objectifs_attribution: DOMAIN §5 example C (short by 6, 4 and 1)
-- per landlord and per intercommunal territory, O3 per réservataire other
-- than the State, O4 on the pool; targets changed in cible_objectif, for
-- everywhere or for one territory; the rules of cible_objectif.
\i test/setup.sql
BEGIN;
SELECT plan(14);
\set cog `cat data/cog2026_communes_idf.csv`
SELECT importer_communes(:'cog') AS communes \gset

\i test/fixtures/exemple_c.sql
INSERT INTO reservataire VALUES ('prefet', 'Préfet', 'etat_prioritaires');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'prefet', '93', 2026, 25);
-- outside QPV 44 first-quartile or renewal households of 200; inside QPV 36
-- of quartiles 2-4 of 80; the commune: 2 DALO or priority households of 12;
-- Action Logement: 30 of 100; the pool: 40 of 168
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, relogement_renouvellement, dalo, prioritaire)
SELECT o.id, '2026-03-01', '2026-03-15',
	   (n BETWEEN 13 AND 52) OR n > 236, n BETWEEN 53 AND 56, n = 1, n = 2 OR n BETWEEN 13 AND 42 OR n BETWEEN 113 AND 152
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id,
	 LATERAL (SELECT substr(l.ref, 2)::int AS n) AS x;
-- a préfet's dwelling in Saint-Denis (EPT Plaine Commune): the State has no O3
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('b93', 'P1', '93066', false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-01-15' FROM logement WHERE ref = 'P1';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'prefet', '2026-02-01' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'P1';
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT o.id, '2026-03-01', '2026-03-15', true, true FROM orientation o WHERE o.reservataire = 'prefet';

SELECT results_eq(
	$$SELECT objectif, reservataire, epci, numerateur, denominateur, cible, taux, manque, epci_nom
	  FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND annee = 2026
	  ORDER BY objectif, epci COLLATE "C" NULLS FIRST, reservataire COLLATE "C"$$,
	$$VALUES ('O1'::text, NULL::text, NULL::text, 45::bigint, 201::bigint, 25::numeric, 22.39::numeric, 6::bigint, NULL::text),
			 ('O1', NULL, '200057867', 1, 1, 25, 100.00, 0, 'Plaine Commune'),
			 ('O1', NULL, '200057875', 44, 200, 25, 22.00, 6, 'Est Ensemble'),
			 ('O2', NULL, NULL, 36, 80, 50, 45.00, 4, NULL),
			 ('O2', NULL, '200057867', 0, 0, 50, NULL, 0, 'Plaine Commune'),
			 ('O2', NULL, '200057875', 36, 80, 50, 45.00, 4, 'Est Ensemble'),
			 ('O3', 'al', NULL, 30, 100, 25, 30.00, 0, NULL),
			 ('O3', 'montreuil', NULL, 2, 12, 25, 16.67, 1, NULL),
			 ('O4', NULL, NULL, 40, 168, 25, 23.81, 2, NULL)$$,
	'example C: O1 short by 6, O2 by 4, the commune''s O3 by 1; per territory; no O3 for the State');
SELECT is((SELECT manque FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND annee = 2026 AND objectif = 'O1' AND epci = '200057875'),
		  6::bigint, 'O1: 44 of 200 outside QPV, 22 % < 25 %: short by 6');
SELECT is((SELECT manque FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND annee = 2026 AND objectif = 'O2' AND epci IS NULL),
		  4::bigint, 'O2: 36 of 80 in QPV, 45 % < 50 %: short by 4');
SELECT is((SELECT manque FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'montreuil'),
		  1::bigint, 'O3: the commune, 2 of 12, 16.7 % < 25 %: short by 1');

-- targets: the CIL of Est Ensemble sets O2 at 40 %; O3 at 30 % everywhere
INSERT INTO cible_objectif (objectif, epci, cible) VALUES ('O2', '200057875', 40), ('O3', NULL, 30);
SELECT results_eq(
	$$SELECT objectif, coalesce(epci, reservataire, '-'), cible, manque FROM flux_mgmt.objectifs_attribution
	  WHERE bailleur = 'b93' AND annee = 2026 AND objectif IN ('O2', 'O3') ORDER BY objectif, coalesce(epci, reservataire, '-') COLLATE "C"$$,
	$$VALUES ('O2'::text, '-'::text, 50::numeric, 4::bigint), ('O2', '200057867', 50, 0), ('O2', '200057875', 40, 0),
			 ('O3', 'al', 30, 0), ('O3', 'montreuil', 30, 2)$$,
	'a territory''s target applies to its rows, a general one everywhere else; the defaults stay');
SELECT is(cible_en_vigueur('O1', '200057875'), 25::numeric, 'cible_en_vigueur: the default when nothing is set');
SELECT is(cible_en_vigueur('O2', '200057875'), 40::numeric, 'cible_en_vigueur: the territory''s target');

-- a year is that of the leases
UPDATE attribution SET date_bail = '2027-01-05', date_caleol = '2026-12-20'
WHERE orientation_id IN (SELECT id FROM orientation WHERE reservataire = 'montreuil');
SELECT results_eq(
	$$SELECT annee, numerateur, denominateur FROM flux_mgmt.objectifs_attribution
	  WHERE bailleur = 'b93' AND objectif = 'O3' AND reservataire = 'montreuil' ORDER BY annee$$,
	$$VALUES (2026, 0::bigint, 0::bigint), (2027, 2, 12)$$,
	'attributions count in the year of their lease (the orientations stay in 2026)');

-- the rules of cible_objectif
SELECT throws_ok($$INSERT INTO flux_mgmt.cible_objectif VALUES ('O5', NULL, 25)$$, '22023', 'unknown objective ''O5''', 'an unknown objective');
SELECT throws_ok($$INSERT INTO flux_mgmt.cible_objectif VALUES ('O1', 'Est Ensemble', 25)$$, '22023',
				 'territory ''Est Ensemble'' of the O1 target is not a SIREN', 'a territory is a SIREN');
SELECT throws_ok($$INSERT INTO flux_mgmt.cible_objectif VALUES ('O1', NULL, 120)$$, '23514', 'target 120 % of O1 is out of range', 'a target above 100 %');
SELECT throws_ok($$INSERT INTO flux_mgmt.cible_objectif VALUES ('O3', NULL, 20)$$, '23505', NULL, 'one target per objective and territory');
SELECT is((SELECT count(*) FROM pg_catalog.pg_extension e JOIN pg_class c ON c.oid = ANY (e.extconfig)
		   WHERE e.extname = 'flux_mgmt' AND c.relname = 'cible_objectif'), 1::bigint, 'cible_objectif is dumped with the users'' data');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');

SELECT * FROM finish();
ROLLBACK;
