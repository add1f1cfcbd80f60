-- convertir_en_conventions(): from the état des lieux to conventions in one
-- step.  The seed's illustration on the real Cannes stock (an employer's
-- 10-year reservation, the State's life-long one for construction aid, the
-- commune's 20-year one for a loan guarantee, a defence one for 15 years,
-- each with its own rotation rate); the record of the conversion; conflicts.
\i test/setup.sql
BEGIN;
SELECT plan(24);
\i test/fixtures/conversion.sql

INSERT INTO bailleur VALUES ('cannes', 'Parc social de Cannes (RPLS 2018)', NULL);
\set rpls `cat data/rpls_cannes_2018.csv`
SELECT is((SELECT lignes FROM importer_rpls('cannes', :'rpls', 'cannes-') WHERE constat = 'imported'), 6374::bigint, 'the Cannes stock is loaded');
INSERT INTO reservataire VALUES
	('employeur', 'Employeur du bassin cannois', 'employeur'),
	('prefet06', 'Préfet des Alpes-Maritimes', 'etat_prioritaires'),
	('ville_cannes', 'Ville de Cannes', 'commune');
SELECT is(definir_territoire('ville_cannes', '06029'), 1::bigint, 'the commune''s territory');
-- 40 dwellings of Cannes are kept in stock for the Ministry of Defence
UPDATE logement SET regime = 'stock_defense', reservataire_stock = 'defense'
WHERE id IN (SELECT id FROM logement WHERE bailleur = 'cannes' AND commune = '06029' ORDER BY id LIMIT 40);
INSERT INTO rotation VALUES ('cannes', '06', 2026, 8.1), ('cannes', '06', 2036, 8.1), ('cannes', '06', 2046, 8.1);
SELECT is((SELECT flux_net FROM flux_previsionnel('cannes', '06', 2026)), 513.054, 'the reference flux: 6,334 dwellings × 8.1 %');

INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, regime, taux_rotation) VALUES
	('cannes', 'employeur', '06', 'suite', 300, '2036-01-01', 'financement employeur, 10 ans', 'flux', 6),
	('cannes', 'prefet06', '06', 'suite', 1500, NULL, 'aide à la construction, durée de vie du bâtiment', 'flux', 5),
	('cannes', 'ville_cannes', '06', 'suite', 400, '2046-01-01', 'garantie d''emprunt, 20 ans', 'flux', 7),
	('cannes', 'defense', '06', 'suite', 40, '2041-01-01', 'ministère des Armées, 15 ans', 'stock_defense', 4);

SELECT results_eq($$SELECT reservataire, annee_debut, annee_fin, taux, exces FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2026-01-01', 513.054)$$,
	$$VALUES ('employeur', 2026, 2035, 3.508402, 0::numeric), ('prefet06', 2026, NULL, 14.618344, 0), ('ville_cannes', 2026, 2045, 5.510585, 0)$$,
	'three conventions: the employer''s 10 years, the State''s open, the commune''s 20 years (a share of its territory)');
SELECT results_eq($$SELECT reservataire, annee_debut, annee_fin, taux FROM convention WHERE bailleur = 'cannes' ORDER BY reservataire$$,
	$$VALUES ('employeur', 2026, 2035, 3.508402), ('prefet06', 2026, NULL, 14.618344), ('ville_cannes', 2026, 2045, 5.510585)$$,
	'the conventions are written');
-- In the flux of 2026 each gets back its converted volume, the pool the rest.
SELECT results_eq($$SELECT reservataire, round(droit, 4) FROM parts_annuelles('cannes', '06', 2026)$$,
	$$VALUES ('employeur', 18::numeric), ('prefet06', 75), ('ville_cannes', 28), (NULL, 392.054)$$,
	'rights of 2026: 300 × 6 % = 18, 1,500 × 5 % = 75, 400 × 7 % = 28; the pool 392.054');
-- The pool to the last decimal, by hand: 513.054 × 3.508402 % = 17.99999679708,
-- × 14.618344 % = 74.99999862576; Cannes' 6,273 flux dwellings × 8.1 % ×
-- 5.510585 % = 27.99999876105, truncated to 27.999998; the rest 392.05400657716,
-- 76.415739 % of 513.054.
SELECT results_eq($$SELECT taux, droit FROM parts_annuelles('cannes', '06', 2026) WHERE reservataire IS NULL$$,
				  $$VALUES (76.415739, 392.05400657716)$$, 'the landlord''s pool: 392.05400657716 dwellings, 76.415739 %');
SELECT is((SELECT round(taux, 2) FROM parts_annuelles('cannes', '06', 2026) WHERE reservataire IS NULL), 76.42, 'the pool keeps 76.42 %');
SELECT is((SELECT array_agg(reservataire ORDER BY reservataire) FROM conventions_en_vigueur('cannes', '06', 2036)), '{prefet06,ville_cannes}',
		  'in 2036 the employer''s reservation has ended');
SELECT is((SELECT array_agg(reservataire ORDER BY reservataire) FROM conventions_en_vigueur('cannes', '06', 2046)), '{prefet06}',
		  'in 2046 the commune''s too; the State''s life-long one goes on');
SELECT is((SELECT round(taux, 2) FROM parts_annuelles('cannes', '06', 2046) WHERE reservataire IS NULL), 85.38, 'the pool grows back');
-- The defence reservation stays in stock.
SELECT is((SELECT traitement FROM detail_conversion('cannes', '06', '2026-01-01') WHERE reservataire = 'defense'), 'stock',
		  'the defence reservation is not converted');
SELECT is_empty($$SELECT * FROM convention WHERE reservataire = 'defense'$$, 'no convention for the Ministry of Defence');
SELECT is((SELECT assiette FROM assiette('cannes', '06', '2026-01-01')), 6334, 'its 40 dwellings stay outside the assiette');

-- The record of the conversion.
SELECT results_eq($$SELECT reservataire, volume_annuel, droits_uniques, taux, fin FROM conversion WHERE bailleur = 'cannes' ORDER BY reservataire$$,
	$$VALUES ('employeur', 18::numeric, round(18 * 3652 / 365.25, 16), 3.508402, '2036-01-01'::date),
			 ('prefet06', 75, NULL, 14.618344, NULL),
			 ('ville_cannes', 28, round(28 * 7305 / 365.25, 16), 5.510585, '2046-01-01')$$,
	'conversion: one row per réservataire, the figures of convertir_stock');
SELECT is((SELECT count(*) FROM conversion_palier p JOIN conversion k ON k.id = p.conversion_id
		   JOIN convention c ON c.id = p.convention_id AND c.reservataire = k.reservataire AND c.taux = p.taux
			AND c.annee_debut = p.annee_debut AND c.annee_fin IS NOT DISTINCT FROM p.annee_fin
		   WHERE k.bailleur = 'cannes'), 3::bigint, 'conversion_palier: each convention produced');

-- Conflicts and refusals.
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2026-01-01', 513.054)$$, '23505',
				 'the conversion of landlord ''cannes'' in département 06 on 2026-01-01 is already recorded', 'converting twice');
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2027-01-01', 513.054)$$, '23514',
				 'landlord ''cannes'' already has a convention with ''employeur'' in département 06 in 2026-2035, when its converted rights apply',
				 'a convention of a converted réservataire in the years of the new ones');
SELECT matches(pg_temp.conseil($$SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2027-01-01', 513.054)$$),
			   '^End it the year before the conversion \(UPDATE flux_mgmt.convention SET annee_fin = 2026 WHERE id = [0-9]+\), then convert again.$',
			   'the hint says how to end it');
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '83', '2026-01-01', 513.054)$$, '23503',
				 'landlord ''cannes'' has no stock right in département 83 to convert', 'nothing to convert');

-- The share rules of conventions apply to the result: example B with
-- another réservataire already at 60 % goes over 100 %, and nothing is written.
INSERT INTO reservataire VALUES ('organisme_x', 'Organisme X', 'organisme');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'organisme_x', '93', 2020, 60);
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_en_conventions('b93', '93', '2026-01-01', 507.88, 4)$$, '23514',
				 'shares of landlord ''b93'' in département 93 total 101.718515 % in 2026, above 100 %', 'converted shares above 100 % with the others');
SELECT is((SELECT count(*) FROM conversion WHERE bailleur = 'b93'), 0::bigint, 'nothing recorded');
-- Ended the year before, the conversion goes through; a small réservataire
-- gets its calendar.
UPDATE convention SET annee_fin = 2025 WHERE reservataire = 'organisme_x';
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, contrepartie) VALUES ('b93', 'organisme_x', '93', 'suite', 5, 'subvention');
SET LOCAL search_path = '';
SELECT string_agg(reservataire || ' ' || annee_debut || ' ' || taux, ', ' ORDER BY reservataire COLLATE "C", annee_debut) AS ecrites
FROM flux_mgmt.convertir_en_conventions('b93', '93', '2026-01-01', 507.88, 4) \gset
SET LOCAL search_path = flux_mgmt, public;
SELECT is(:'ecrites'::text, 'al 2026 35.480822, cd93 2026 0.393793, employeur_y 2026 5.8439, employeur_y 2034 5.217767, organisme_x 2026 0.052177',
		  'convertir_en_conventions with an empty search_path');
SELECT results_eq($$SELECT k.reservataire, p.annee_debut, p.annee_fin, p.taux, p.calendrier FROM conversion_palier p JOIN conversion k ON k.id = p.conversion_id
					WHERE k.bailleur = 'b93' ORDER BY k.reservataire, p.annee_debut$$,
	$$VALUES ('al', 2026, NULL::int, 35.480822, NULL::int[]), ('cd93', 2026, 2029, 0.393793, NULL),
			 ('employeur_y', 2026, 2033, 5.8439, NULL), ('employeur_y', 2034, NULL, 5.217767, NULL),
			 ('organisme_x', 2026, NULL, 0.052177, '{0,0,0,1,0,0,0,1,0,0}')$$,
	'example B as conventions: employer Y in two steps; 0.265 a year gives a dwelling in years 4 and 8 of 10');

SELECT * FROM finish();
ROLLBACK;
