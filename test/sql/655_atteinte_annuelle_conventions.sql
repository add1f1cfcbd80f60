-- Issue 17, untested: atteinte_annuelle (exact rows of a small year, the
-- same rows as the view atteinte, and the years the view does not list),
-- convention_de (which convention an orientation counts under: département-
-- wide, territorial, by year, none) and cible_en_vigueur (a territory's
-- target, else everywhere's, else the default; objectifs_attribution reads it).
\i test/setup.sql
BEGIN;
SELECT plan(23);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
-- prefet 25 % (orientation), agents 5 % (bail), al 35 % (mixte), montreuil
-- 10 % of 93048 (mixte), all from 2025; the département, 5 % in 2025 only.
INSERT INTO reservataire VALUES ('cd93', 'Département de la Seine-Saint-Denis', 'departement'),
								('employeur', 'Employeur', 'employeur');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES
	('b93', 'cd93', '93', 2025, 2025, 5),
	('b93', 'employeur', '93', 2025, 2026, 4), ('b93', 'employeur', '93', 2027, NULL, 6);

-- 2025: B1 oriented to the département, let in January 2026 (charged then,
-- without a convention in force).
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2025-06-01' FROM logement WHERE ref = 'B1';
SELECT v.id AS b1_2025 FROM v WHERE ref = 'B1' AND id <> :b1 \gset
SELECT orienter(:b1_2025, 'cd93', date_orientation => '2025-06-02') AS o_b1_2025 \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_b1_2025, '2025-12-20', '2026-01-10');
-- 2026: M1 let to the commune's household, M2 a carence of Action Logement,
-- M3 to the préfet (charged when oriented), B1 to the State agents (open),
-- B2 let from the pool; the stock and hors champ dwellings outside the flux.
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:m3, 'prefet', date_orientation => '2026-03-02') AS o_m3 \gset
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, date_orientation => '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
SELECT orienter(:h1, NULL, date_orientation => '2026-03-02') AS o_h1 \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES
	(:o_m1, '2026-03-10', '2026-03-20'), (:o_b2, '2026-03-10', '2026-03-21'),
	(:o_d1, '2026-03-10', '2026-03-22'), (:o_h1, '2026-03-10', '2026-03-23');
SELECT cloturer(:o_m2, 'carence', '2026-04-03');

-- atteinte_annuelle, exactly
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte_annuelle('b93', '93', 2026) ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 5::bigint, 0.25::numeric, 0::bigint, 0.25::numeric, 1::bigint, 0::bigint),
			 ('al', 35, 5, 1.75, 1, 0.75, 0, 1),
			 ('cd93', 0, 5, 0, 1, -1, 0, 0),
			 ('employeur', 4, 5, 0.2, 0, 0.2, 0, 0),
			 ('montreuil', 10, 3, 0.3, 1, -0.7, 0, 0),
			 ('prefet', 25, 5, 1.25, 1, 0.25, 1, 0),
			 (NULL, 25, 5, 1.25, 1, 0.25, 0, 0)$$,
	'2026: 5 charges (M1, M2 carence, M3 oriented, B2, the 2025 lease); Montreuil counts its commune''s 3; the département, charged without a convention, taux 0; the pool gets the rest');
SELECT results_eq(
	$$SELECT sum(droit), sum(decomptes)::numeric FROM flux_mgmt.atteinte_annuelle('b93', '93', 2026)$$,
	$$VALUES (5::numeric, 5::numeric)$$, 'entitlements and charges both add up to the flux');
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte_annuelle('b93', '93', 2025) ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 0::bigint, 0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint),
			 ('al', 35, 0, 0, 0, 0, 0, 0),
			 ('cd93', 5, 0, 0, 0, 0, 0, 0),
			 ('employeur', 4, 0, 0, 0, 0, 0, 0),
			 ('montreuil', 10, 0, 0, 0, 0, 0, 0),
			 ('prefet', 25, 0, 0, 0, 0, 0, 0),
			 (NULL, 26, 0, 0, 0, 0, 0, 0)$$,
	'2025: nothing charged (the lease is of 2026): the pool''s share is 100 minus the département-wide shares (25+5+35+5+4)');
-- the view lists exactly the function's rows for the years it lists
SELECT set_eq(
	$$SELECT annee, reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND departement = '93' AND annee IN (2025, 2026)$$,
	$$SELECT y, a.* FROM unnest(ARRAY[2025, 2026]) AS y, LATERAL flux_mgmt.atteinte_annuelle('b93', '93', y) AS a$$,
	'the view atteinte has the rows of atteinte_annuelle for 2025 and 2026');
SELECT is((SELECT count(*)::int FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND departement = '93' AND annee IN (2025, 2026)),
		  14, '7 rows a year, no more');
-- a year the view does not list (no counter, no rate, not the current year)
SELECT is((SELECT count(*)::int FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2024), 0, 'the view has no row for 2024');
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences FROM flux_mgmt.atteinte_annuelle('b93', '93', 2024)$$,
	$$VALUES (NULL::text, 100::numeric, 0::bigint, 0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint)$$,
	'atteinte_annuelle gives any year: in 2024 no convention was in force, the pool has it all');
SELECT results_eq(
	$$SELECT reservataire, taux FROM flux_mgmt.atteinte_annuelle('b93', '93', 2027) ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric), ('al', 35), ('employeur', 6), ('montreuil', 10), ('prefet', 25), (NULL, 29)$$,
	'2027: the employer''s second convention (6 %), the département''s has ended');
-- its arguments checked: an unknown landlord, a text that is not a
-- département, a year out of range would give a made-up pool line
SELECT throws_ok($$SELECT * FROM flux_mgmt.atteinte_annuelle('nobody', '93', 2026)$$, '23503', 'unknown landlord ''nobody''',
				 'an unknown landlord: 23503, not the pool row of an empty scope');
SELECT throws_ok($$SELECT * FROM flux_mgmt.atteinte_annuelle('b93', 'xx', 2026)$$, '22023',
				 'invalid département ''xx'' in atteinte_annuelle', 'a text that is not a département: 22023');
SELECT throws_ok($$SELECT * FROM flux_mgmt.atteinte_annuelle('b93', '93', 2147483647)$$, '22023',
				 'year 2147483647 in atteinte_annuelle is out of range', 'a year out of range: 22023 (every convention would read as in force)');

-- convention_de
SELECT results_eq(
	$$SELECT reservataire, departement, annee_debut, annee_fin, taux, mode_decompte
	  FROM flux_mgmt.convention_de('b93', 'al', '93048', '2026-03-02')$$,
	$$VALUES ('al'::text, '93'::text, 2025, NULL::int, 35::numeric, 'mixte'::flux_mgmt.mode_decompte)$$,
	'a département-wide convention, for a dwelling anywhere in the département');
SELECT results_eq(
	$$SELECT c.id FROM flux_mgmt.convention_de('b93', 'al', '93008', '2026-03-02') AS c$$,
	$$SELECT id FROM flux_mgmt.convention WHERE reservataire = 'al'$$, 'the same one in another commune');
SELECT results_eq(
	$$SELECT reservataire, taux FROM flux_mgmt.convention_de('b93', 'montreuil', '93048', '2026-03-02')$$,
	$$VALUES ('montreuil'::text, 10::numeric)$$, 'a territorial convention, in its territory');
SELECT results_eq(
	$$SELECT reservataire, taux FROM flux_mgmt.convention_de('b93', 'montreuil', '93008', '2026-03-02')$$,
	$$VALUES ('montreuil'::text, 10::numeric)$$,
	'and outside it too: convention_de reads the département only; the territory is a rule of its own (hors_territoire)');
SELECT results_eq(
	$$SELECT d, c.taux FROM unnest(ARRAY['2025-12-31', '2026-01-01', '2026-12-31', '2027-01-01', '2040-06-30']::date[]) AS d
	  LEFT JOIN LATERAL flux_mgmt.convention_de('b93', 'employeur', '93066', d) AS c ON true ORDER BY d$$,
	$$VALUES ('2025-12-31'::date, 4::numeric), ('2026-01-01', 4), ('2026-12-31', 4), ('2027-01-01', 6), ('2040-06-30', 6)$$,
	'by the year of the date: the first step through 2026 (annee_fin inclusive), the second from 2027, open');
SELECT is_empty($$SELECT * FROM flux_mgmt.convention_de('b93', 'cd93', '93048', '2026-01-01')$$,
				'none once the convention has ended (2025 only)');
SELECT is_empty($$SELECT * FROM flux_mgmt.convention_de('b93', 'al', '93048', '2024-12-31')$$, 'none before it starts');
SELECT is_empty($$SELECT * FROM flux_mgmt.convention_de('b93', 'al', '75056', '2026-03-02')$$, 'none in another département');
SELECT is_empty($$SELECT * FROM flux_mgmt.convention_de('b93', NULL, '93048', '2026-03-02')
				  UNION ALL SELECT * FROM flux_mgmt.convention_de('b93', 'nobody', '93048', '2026-03-02')
				  UNION ALL SELECT * FROM flux_mgmt.convention_de('nobody', 'al', '93048', '2026-03-02')$$,
				'none for the pool (null), an unknown réservataire or landlord');

-- cible_en_vigueur: the territory's row, else everywhere's, else the default
SELECT results_eq(
	$$SELECT o, flux_mgmt.cible_en_vigueur(o, NULL), flux_mgmt.cible_en_vigueur(o, '200057875')
	  FROM unnest(ARRAY['O1', 'O2', 'O3', 'O4']) AS o ORDER BY o$$,
	$$VALUES ('O1', 25::numeric, 25::numeric), ('O2', 50, 50), ('O3', 25, 25), ('O4', 25, 25)$$,
	'the defaults, for the landlord totals and for a territory');
INSERT INTO cible_objectif VALUES ('O1', NULL, 30), ('O1', '200057875', 40), ('O2', '200057875', 60);
SELECT results_eq(
	$$SELECT o, e, flux_mgmt.cible_en_vigueur(o, e)
	  FROM unnest(ARRAY['O1', 'O2', 'O3']) AS o, unnest(ARRAY[NULL, '200057875', '200057982']) WITH ORDINALITY AS x(e, i)
	  ORDER BY o, i$$,
	$$VALUES ('O1', NULL, 30::numeric), ('O1', '200057875', 40), ('O1', '200057982', 30),
			 ('O2', NULL, 50), ('O2', '200057875', 60), ('O2', '200057982', 50),
			 ('O3', NULL, 25), ('O3', '200057875', 25), ('O3', '200057982', 25)$$,
	'O1: Est Ensemble''s 40, 30 everywhere else and for the totals; O2: Est Ensemble''s 60, else the default 50; O3: the default');
-- objectifs_attribution reads it: the 2026 leases outside QPV in Montreuil (Est Ensemble) and Bobigny
INSERT INTO commune (code, nom, epci, epci_nom, ept, ept_nom) VALUES
	('93048', 'Montreuil', '200054781', 'Métropole du Grand Paris', '200057875', 'Est Ensemble'),
	('93008', 'Bobigny', '200054781', 'Métropole du Grand Paris', '200057982', 'Paris Terres d''Envol');
SELECT results_eq(
	$$SELECT objectif, epci, cible, denominateur FROM flux_mgmt.objectifs_attribution
	  WHERE bailleur = 'b93' AND annee = 2026 AND objectif IN ('O1', 'O2') ORDER BY objectif, epci NULLS FIRST$$,
	$$VALUES ('O1', NULL, 30::numeric, 4::bigint), ('O1', '200057875', 40, 1), ('O1', '200057982', 30, 3),
			 ('O2', NULL, 50, 1), ('O2', '200057875', 60, 0), ('O2', '200057982', 50, 1)$$,
	'each objective row carries the target in force for its territory');

SELECT * FROM finish();
ROLLBACK;
