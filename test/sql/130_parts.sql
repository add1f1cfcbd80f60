-- parts_annuelles(): DOMAIN §5 example A, territorial réservataires (a
-- commune and an EPT, pro rata of the assiette of their communes), the pool,
-- years in force, limit cases and errors.
\i test/setup.sql
BEGIN;
SELECT plan(24);

\set cog `cat data/cog2026_communes_idf.csv`
SELECT is(importer_communes(:'cog'), 1286::bigint, 'the Île-de-France communes are loaded');

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL), ('terr', 'Bailleur territorial', NULL), ('tiers', 'Petit bailleur', NULL);
INSERT INTO reservataire VALUES
	('prefet', 'Préfet de la Seine-Saint-Denis', 'etat_prioritaires'),
	('agents', 'Préfet, agents de l''État', 'etat_agents'),
	('al', 'Action Logement Services', 'action_logement'),
	('employeur_y', 'Employeur Y', 'employeur'),
	('cd93', 'Département de la Seine-Saint-Denis', 'departement'),
	('defense', 'Ministère des Armées', 'ministere'),
	('montreuil', 'Ville de Montreuil', 'commune'),
	('est_ensemble', 'EPT Est Ensemble', 'ept');
SELECT is(definir_territoire('montreuil', '93048'), 1::bigint, 'Montreuil''s territory');
SELECT is(definir_territoire('est_ensemble', '200057875'), 9::bigint, 'Est Ensemble''s nine communes');

-- Example A.
INSERT INTO logement (bailleur, ref, commune, qpv, regime, reservataire_stock)
SELECT 'b93', 'A' || i, (ARRAY['93048', '93066', '93055', '93001'])[1 + i % 4]::code_insee, i % 3 = 0,
	   CASE WHEN i <= 40 THEN 'stock_defense' ELSE 'flux' END::regime, CASE WHEN i <= 40 THEN 'defense' END
FROM generate_series(1, 10000) AS i;
INSERT INTO rotation VALUES ('b93', '93', 2026, 5.3);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2026, 120);
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 90), ('b93', '93', 2026, 'renouvellement_urbain', 40),
	('b93', '93', 2026, 'copropriete_degradee', 5), ('b93', '93', 2026, 'habitat_indigne', 3), ('b93', '93', 2026, 'vente', 2);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES
	('b93', 'prefet', '93', 2024, NULL, 25), ('b93', 'agents', '93', 2024, NULL, 5), ('b93', 'al', '93', 2025, NULL, 35),
	('b93', 'employeur_y', '93', 2026, 2026, 6), ('b93', 'cd93', '93', 2020, NULL, 4),
	-- not in force in 2026
	('b93', 'employeur_y', '93', 2021, 2025, 9), ('b93', 'montreuil', '93', 2027, NULL, 10);

SELECT results_eq($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', 2026)$$,
	$$VALUES ('agents', 5::numeric, 25.394, 25), ('al', 35, 177.758, 178), ('cd93', 4, 20.3152, 20),
			 ('employeur_y', 6, 30.4728, 31), ('prefet', 25, 126.97, 127), (NULL, 25, 126.97, 127)$$,
	'example A: rights 126.97, 25.394, 177.758, 30.4728, 20.3152, pool 126.97; whole dwellings 127, 25, 178, 31, 20, 127');
-- each right, the pool's included, is its share of 507.88 computed here: the
-- pool is not only what the others leave (its own 25 % gives 126.97 too)
SELECT results_eq($$SELECT reservataire, taux, droit FROM flux_mgmt.parts_annuelles('b93', '93', 2026)$$,
	$$SELECT r, t, t * 507.88 / 100 FROM (VALUES (1, 'agents', 5::numeric), (2, 'al', 35), (3, 'cd93', 4), (4, 'employeur_y', 6), (5, 'prefet', 25), (6, NULL, 25))
				AS x(i, r, t) ORDER BY i$$,
	'every right is its share of 507.88; the pool: 25 % of it, 126.97');
SELECT is((SELECT sum(droit_entier) FROM flux_mgmt.parts_annuelles('b93', '93', 2026)), 508::bigint,
		  'the whole dwellings add up to the rounded flux');
SELECT is((SELECT reservataire FROM flux_mgmt.parts_annuelles('b93', '93', 2026) WITH ORDINALITY AS p(reservataire, t, d, e, i) ORDER BY i DESC LIMIT 1),
		  NULL, 'the pool comes last');
SELECT is((SELECT array_agg(reservataire ORDER BY reservataire COLLATE "C") FROM flux_mgmt.conventions_en_vigueur('b93', '93', 2025)),
		  '{agents,al,cd93,employeur_y,prefet}', 'conventions in force in 2025 (the earlier employer convention)');
SELECT is((SELECT string_agg(reservataire || ' ' || coalesce(communes::text, 'département'), ', ' ORDER BY reservataire COLLATE "C")
		   FROM flux_mgmt.conventions_en_vigueur('b93', '93', 2027)),
		  'agents département, al département, cd93 département, montreuil {93048}, prefet département',
		  'in 2027: the employer''s ended, Montreuil''s started, with its scope');

-- Territorial réservataires: flux of their territory pro rata of the assiette.
-- 5,000 dwellings: 1,000 in Montreuil, 1,000 in Pantin (both Est Ensemble),
-- 3,000 in Saint-Denis.  5.3 % → 265, + 7 − 3 = 269.
INSERT INTO logement (bailleur, ref, commune, qpv)
SELECT 'terr', 'T' || i, CASE WHEN i <= 1000 THEN '93048' WHEN i <= 2000 THEN '93055' ELSE '93066' END::code_insee, false
FROM generate_series(1, 5000) AS i;
INSERT INTO rotation VALUES ('terr', '93', 2026, 5.3);
INSERT INTO mise_en_service_prevue VALUES ('terr', '93', 2026, 7);
INSERT INTO soustraction_prevue VALUES ('terr', '93', 2026, 'vente', 3);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES
	('terr', 'prefet', '93', 2026, 25), ('terr', 'agents', '93', 2026, 5), ('terr', 'al', '93', 2026, 30),
	('terr', 'montreuil', '93', 2026, 20), ('terr', 'est_ensemble', '93', 2026, 10);
SELECT results_eq($$SELECT * FROM flux_mgmt.parts_annuelles('terr', '93', 2026)$$,
	$$VALUES ('agents', 5::numeric, 13.45, 13), ('al', 30, 80.7, 81), ('est_ensemble', 10, 10.76, 11),
			 ('montreuil', 20, 10.76, 11), ('prefet', 25, 67.25, 67), (NULL, 32, 86.08, 86)$$,
	'Montreuil: 20 % of 269 × 1,000/5,000; Est Ensemble: 10 % of 269 × 2,000/5,000; the pool 32 %');
SELECT is((SELECT sum(droit_entier) FROM flux_mgmt.parts_annuelles('terr', '93', 2026)), 269::bigint, 'whole dwellings add up to 269');

-- A territory where the landlord has no dwelling gets nothing.
DELETE FROM territoire WHERE reservataire = 'est_ensemble' AND commune IN ('93048', '93055');
SELECT results_eq($$SELECT reservataire, droit, droit_entier FROM flux_mgmt.parts_annuelles('terr', '93', 2026) WHERE reservataire IS NULL OR reservataire = 'est_ensemble'$$,
	$$VALUES ('est_ensemble', 0::numeric, 0), (NULL, 96.84, 97)$$,
	'an EPT whose communes hold none of the landlord''s dwellings: right 0, the pool gets it');
SELECT is(definir_territoire('est_ensemble', '200057875'), 2::bigint, 'Est Ensemble''s territory restored');

-- Truncation to the millionth: 3 dwellings, one in Montreuil; flux 1.3.
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('tiers', 'm', '93048', false), ('tiers', 'd1', '93066', false), ('tiers', 'd2', '93066', false);
INSERT INTO rotation VALUES ('tiers', '93', 2026, 10);
INSERT INTO mise_en_service_prevue VALUES ('tiers', '93', 2026, 1);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('tiers', 'montreuil', '93', 2026, 20);
SELECT results_eq($$SELECT * FROM flux_mgmt.parts_annuelles('tiers', '93', 2026)$$,
	$$VALUES ('montreuil', 20::numeric, 0.086666, 0), (NULL, 93.333385, 1.213334, 1)$$,
	'a territorial right of 1.3 × 1/3 × 20 % = 0.08666… is truncated to the millionth; the pool keeps the rest');

-- No convention: the pool gets everything.
INSERT INTO rotation VALUES ('tiers', '93', 2025, 10);
SELECT results_eq($$SELECT * FROM flux_mgmt.parts_annuelles('tiers', '93', 2025)$$, $$VALUES (NULL::text, 100::numeric, 0.3, 0)$$,
				  'no convention in force: only the pool, 100 %');
-- A flux of 0: rights 0, the pool's share is what the shares leave.
INSERT INTO rotation VALUES ('tiers', '77', 2026, 6.7);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('tiers', 'al', '77', 2026, 40);
SELECT results_eq($$SELECT * FROM flux_mgmt.parts_annuelles('tiers', '77', 2026)$$,
				  $$VALUES ('al', 40::numeric, 0::numeric, 0), (NULL, 60, 0, 0)$$, 'a flux of 0');
-- A negative forecast flux is refused.
INSERT INTO soustraction_prevue VALUES ('tiers', '93', 2025, 'vente', 2);
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('tiers', '93', 2025)$$, '23514',
				 'the forecast flux of landlord ''tiers'' in département 93 in 2025 is negative: -1.7', 'a negative flux');

SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('nobody', '93', 2026)$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '930', 2026)$$, '22023', 'invalid département ''930'' in parts_annuelles',
				 'an invalid département');
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', 1899)$$, '22023', 'year 1899 in parts_annuelles is out of range', 'year 1899');
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', 2030)$$, '23503',
				 'no rotation rate for landlord ''b93'' in département 93 in 2030', 'a year without rotation rate');
SELECT is_empty($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', NULL)$$, 'a null year: no rows (strict)');

-- Works with an empty search_path.
SET LOCAL search_path = '';
SELECT string_agg(coalesce(reservataire, 'pool') || ' ' || droit_entier, ', ' ORDER BY reservataire COLLATE "C" NULLS LAST) AS vide_parts
FROM flux_mgmt.parts_annuelles('terr', '93', 2026) \gset
SET LOCAL search_path = flux_mgmt, public;
SELECT is(:'vide_parts'::text, 'agents 13, al 81, est_ensemble 11, montreuil 11, prefet 67, pool 86', 'parts_annuelles with an empty search_path');

-- Every landlord × département of one year at once.
SELECT results_eq($$SELECT p.bailleur, sum(s.droit), sum(s.droit_entier)::integer
					FROM (VALUES ('b93'), ('terr'), ('tiers')) AS p(bailleur),
						 LATERAL flux_mgmt.parts_annuelles(p.bailleur, '93', 2026) AS s
					GROUP BY p.bailleur ORDER BY p.bailleur$$,
				  $$VALUES ('b93', 507.88, 508), ('terr', 269, 269), ('tiers', 1.3, 1)$$,
				  'one year for several landlords: each adds up');

SELECT * FROM finish();
ROLLBACK;
