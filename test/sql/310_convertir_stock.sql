-- convertir_stock(), detail_conversion(), paliers_conversion(): DOMAIN §5
-- example B, expired and stock-regime rights, rotation rates, territorial
-- réservataires, the State caps, bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(35);
\i test/fixtures/conversion.sql

-- Example B, with the first-letting rights spread over 4 years.
SELECT results_eq($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88, 4)$$,
	$$VALUES ('al', 180.2, NULL, 35.480822, 0::numeric, NULL::date),
			 ('cd93', 2, 8, 0.393793, 0, '2030-01-01'),
			 ('employeur_y', 29.68, 25.44, 5.8439, 0, '2034-01-01')$$,
	'example B: volumes, single-use rights, shares truncated to the millionth, ends');
SELECT results_eq($$SELECT reservataire, round(taux, 2) FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88, 4)$$,
	$$VALUES ('al', 35.48), ('cd93', 0.39), ('employeur_y', 5.84)$$,
	'example B: 35.48 %, 0.39 %, 5.84 % at two decimals');
SELECT results_eq($$SELECT reservataire, annee_debut, annee_fin, volume_annuel, volume_limite, round(taux, 2)
					FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88, 4)$$,
	$$VALUES ('al', 2026, NULL::int, 180.2, 0::numeric, 35.48),
			 ('cd93', 2026, 2029, 2, 2, 0.39),
			 ('employeur_y', 2026, 2033, 29.68, 3.18, 5.84),
			 ('employeur_y', 2034, NULL, 26.5, 0, 5.22)$$,
	'example B: employer Y 5.84 % for 8 years (2026-2033), then 5.22 %; the département''s 2/year for 4 years');
SELECT results_eq($$SELECT reservataire, traitement, taux_rotation, annees, volume_annuel, droits_uniques, echeance
					FROM flux_mgmt.detail_conversion('b93', '93', '2026-01-01', 4)$$,
	$$VALUES ('al', 'permanent', 5.3, NULL::numeric, 180.2, NULL::numeric, NULL::date),
			 ('cd93', 'unique', NULL, 4, 2, 8, '2030-01-01'),
			 ('employeur_y', 'permanent', 5.3, NULL, 26.5, NULL, NULL),
			 ('employeur_y', 'limite', 5.3, 8, 3.18, 25.44, '2034-01-01')$$,
	'each line: 3,400 × 5.3 % = 180.2; 60 × 5.3 % × 2,922 / 365.25 = 25.44 single rights, 3.18 a year; 8 rights over 4 years');
SELECT is((SELECT taux FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88) WHERE reservataire = 'cd93'), 0.315035,
		  'by default droits uniques are spread over 5 years: 1.6 a year, 0.315035 %');

-- Droits uniques with an end are spread over the years to their end.
UPDATE droit_stock SET fin = date '2026-01-01' + 1461 WHERE reservataire = 'cd93';
SELECT results_eq($$SELECT annees, volume_annuel, echeance FROM flux_mgmt.detail_conversion('b93', '93', '2026-01-01') WHERE reservataire = 'cd93'$$,
	$$VALUES (4::numeric, 2::numeric, '2030-01-01'::date)$$, 'single-use rights ending in 1,461 days: 2 a year whatever the horizon');

-- Expired rights, defence stock, a line with its own rotation rate.
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, regime, taux_rotation) VALUES
	('b93', 'prefet', '93', 'suite', 120, '2025-06-30', 'aide à la construction', 'flux', NULL),
	('b93', 'prefet', '93', 'unique', 3, '2026-01-01', 'aide à la construction', 'flux', NULL),
	('b93', 'defense', '93', 'suite', 40, '2041-01-01', 'ministère des Armées', 'stock_defense', NULL),
	('b93', 'agents', '93', 'suite', 10, '2026-01-02', 'réservation agents', 'flux', 7.305);
SELECT results_eq($$SELECT reservataire, traitement, volume_annuel, droits_uniques FROM flux_mgmt.detail_conversion('b93', '93', '2026-01-01')
					WHERE reservataire IN ('prefet', 'defense', 'agents')$$,
	$$VALUES ('agents', 'limite', 0.7305, 0.002), ('defense', 'stock', NULL, NULL),
			 ('prefet', 'expire', 0::numeric, 0::numeric), ('prefet', 'expire', 0, 0)$$,
	'a right ending on or before the date expires; defence stays in stock; one day left: 10 × 7.305 % / 365.25');
SELECT results_eq($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88) WHERE reservataire IN ('prefet', 'defense', 'agents')$$,
	$$VALUES ('agents', 0.7305, 0.002, 0.143833, 0::numeric, '2026-01-02'::date),
			 ('prefet', 0, 0, 0, 0, '2026-01-01')$$,
	'expired rights are listed with volume 0 and their last end; the defence stock is not converted');
SELECT results_eq($$SELECT reservataire, annee_debut, annee_fin FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88)
					WHERE reservataire IN ('prefet', 'defense', 'agents')$$,
	$$VALUES ('agents', 2026, 2026)$$, 'a right ending on 2 January 2026 gives a share for 2026 only');
DELETE FROM droit_stock WHERE reservataire IN ('prefet', 'defense', 'agents');
UPDATE droit_stock SET fin = NULL WHERE reservataire = 'cd93';

-- Rotation: the landlord's rate of the conversion year, or the line's own.
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2027-03-01', 507.88)$$, '23503',
				 'no rotation rate for landlord ''b93'' in département 93 in 2027', 'no rotation rate for the conversion year');
SELECT is(pg_temp.conseil($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2027-03-01', 507.88)$$),
		  'Add the landlord''s rate of the conversion year, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (''b93'', ''93'', 2027, 5.3);',
		  'the hint is the row to insert');
UPDATE droit_stock SET taux_rotation = 6 WHERE nature = 'suite';
SELECT results_eq($$SELECT reservataire, volume_annuel FROM flux_mgmt.convertir_stock('b93', '93', '2027-03-01', 507.88)$$,
	$$VALUES ('al', 204::numeric), ('cd93', 1.6), ('employeur_y', 33.6)$$,
	'every droit de suite with its own rate: no landlord rate needed');
SELECT is((SELECT round(droits_uniques, 12) FROM flux_mgmt.convertir_stock('b93', '93', '2027-03-01', 507.88) WHERE reservataire = 'employeur_y'),
		  round(360.0 * (date '2034-01-01' - date '2027-03-01') / 36525, 12), 'remaining years from the conversion date: 60 × 6 % × 2,498 days / 365.25');
UPDATE droit_stock SET taux_rotation = NULL;
DELETE FROM droit_stock WHERE nature = 'suite';
SELECT results_eq($$SELECT reservataire, volume_annuel FROM flux_mgmt.convertir_stock('b93', '93', '2027-03-01', 507.88)$$,
	$$VALUES ('cd93', 1.6)$$, 'droits uniques need no rotation rate');
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie) VALUES
	('b93', 'al', '93', 'suite', 3400, NULL, 'participation des employeurs'),
	('b93', 'employeur_y', '93', 'suite', 500, NULL, 'financement employeur'),
	('b93', 'employeur_y', '93', 'suite', 60, date '2026-01-01' + 2922, 'financement employeur');

-- A territorial réservataire: a share of its territory's flux, the
-- département's pro rata of the assiette at 1 January (as parts_annuelles).
INSERT INTO logement (bailleur, ref, commune, qpv)
SELECT 'b93', 'L' || i, CASE WHEN i <= 1000 THEN '93048' ELSE '93066' END::code_insee, false FROM generate_series(1, 5000) AS i;
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie) VALUES
	('b93', 'montreuil', '93', 'suite', 100, NULL, 'garantie d''emprunt');
SELECT results_eq($$SELECT volume_annuel, taux FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88) WHERE reservataire = 'montreuil'$$,
	$$VALUES (5.3, 5.217767)$$, 'Montreuil: 5.3 a year of the 1,000/5,000 of 507.88 in its territory');
DELETE FROM territoire WHERE reservataire = 'montreuil';
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88)$$, '23514',
				 'commune ''montreuil'' has no dwelling of landlord ''b93'' in its territory in département 93 on 2026-01-01',
				 'a territorial réservataire without dwellings in its territory');
INSERT INTO territoire VALUES ('montreuil', '93048');
UPDATE logement SET mise_en_service = '2026-06-01' WHERE commune = '93048';
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88)$$, '23514', NULL,
				 'its dwellings must be owned at 1 January of the conversion year');
DELETE FROM droit_stock WHERE reservataire = 'montreuil';
DELETE FROM logement WHERE bailleur = 'b93';

-- The State caps: 30 % in all, 5 % for State agents; the cut is reported.
INSERT INTO bailleur VALUES ('etat', 'Bailleur très réservé par l''État', NULL);
INSERT INTO rotation VALUES ('etat', '93', 2026, 5);
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie) VALUES
	('etat', 'prefet', '93', 'suite', 1000, NULL, 'aide à la construction'),
	('etat', 'agents', '93', 'suite', 240, NULL, 'réservation agents'),
	('etat', 'al', '93', 'suite', 300, NULL, 'participation des employeurs');
-- flux 200: préfet 50 a year (25 %), agents 12 (6 %): agents capped to 5 %,
-- then the State's 30 % is under the cap.
SELECT results_eq($$SELECT reservataire, volume_annuel, taux, exces FROM flux_mgmt.convertir_stock('etat', '93', '2026-01-01', 200)$$,
	$$VALUES ('agents', 12::numeric, 5::numeric, 1::numeric), ('al', 15, 7.5, 0), ('prefet', 50, 25, 0)$$,
	'agents at 6 % are capped to 5 %, 1 % reported in exces');
-- flux 150: préfet 33.333333 %, agents 8 % → agents 5 %, then the State
-- (38.333333 %) scaled to 30 %.
SELECT results_eq($$SELECT reservataire, taux, exces FROM flux_mgmt.convertir_stock('etat', '93', '2026-01-01', 150)$$,
	$$VALUES ('agents', 3.913043, 4.086957), ('al', 10::numeric, 0::numeric), ('prefet', 26.086956, 7.246377)$$,
	'a State total of 38.33 % is brought down to 30 % in proportion, the excess reported');
SELECT ok((SELECT sum(taux) <= 30 FROM flux_mgmt.convertir_stock('etat', '93', '2026-01-01', 150) WHERE reservataire IN ('prefet', 'agents')),
		  'the capped State shares add up to 30 % at most');
SELECT results_eq($$SELECT reservataire, taux, exces FROM flux_mgmt.convertir_en_conventions('etat', '93', '2026-01-01', 150)$$,
	$$VALUES ('agents', 3.913043, 4.086957), ('al', 10::numeric, 0::numeric), ('prefet', 26.086956, 7.246377)$$,
	'the capped shares are written as conventions, which the share rules accept');
SELECT is_empty($$SELECT * FROM flux_mgmt.controler_conventions('etat', '93', 2026)$$, 'no share rule broken');
SELECT results_eq($$SELECT reservataire, exces FROM flux_mgmt.conversion WHERE bailleur = 'etat' ORDER BY reservataire$$,
	$$VALUES ('agents', 4.086957), ('al', 0::numeric), ('prefet', 7.246377)$$, 'the excess is recorded with the conversion');

-- The état des lieux itself refuses what cannot be converted.
SELECT throws_ok($$INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre) VALUES ('b93', 'al', '93', 'suite', 0)$$,
				 '23514', 'number 0 of stock right of ''al'' with landlord ''b93'' is not positive', 'zero dwellings');
SELECT throws_ok($$INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre) VALUES ('b93', 'inconnu', '93', 'suite', 10)$$,
				 '23503', 'unknown réservataire ''inconnu'' in stock right of ''inconnu'' with landlord ''b93''', 'an unknown réservataire');
SELECT throws_ok($$INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre, taux_rotation) VALUES ('b93', 'al', '93', 'suite', 10, 120)$$,
				 '23514', 'rotation rate 120 % of stock right of ''al'' with landlord ''b93'' is out of range', 'a rotation rate above 100 %');

-- Bad arguments.
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('nobody', '93', '2026-01-01', 507.88)$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '930', '2026-01-01', 507.88)$$, '22023', 'invalid département ''930'' in convertir_stock', 'an invalid département');
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '1899-12-31', 507.88)$$, '22023', 'year 1899 in convertir_stock is out of range', 'a date in 1899');
SELECT results_eq($$SELECT f, pg_temp.erreur(format('SELECT * FROM flux_mgmt.convertir_stock(%L, %L, %L, %s)', 'b93', '93', '2026-01-01', f))
					FROM unnest('{0,-507.88}'::numeric[]) AS f ORDER BY f$$,
	$$VALUES (-507.88, '22023 reference flux -507.88 of the conversion is not positive'), (0, '22023 reference flux 0 of the conversion is not positive')$$,
	'a reference flux of 0 or below');
SELECT throws_ok($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88, 0)$$, '22023',
				 'horizon of 0 years for single-use rights is out of range', 'a horizon of 0 years');
SELECT throws_ok($$SELECT * FROM flux_mgmt.detail_conversion('b93', '93', '2026-01-01', 101)$$, '22023',
				 'horizon of 101 years for single-use rights is out of range', 'a horizon of 101 years');
SELECT is_empty($$SELECT * FROM flux_mgmt.convertir_stock('b93', '93', NULL, 507.88)$$, 'a null date: no rows');
SELECT is_empty($$SELECT * FROM flux_mgmt.convertir_stock('b93', '75', '2026-01-01', 507.88)$$, 'no stock right in the département: no rows');

-- With an empty search_path.
SET LOCAL search_path = '';
SELECT string_agg(reservataire || ' ' || taux, ', ' ORDER BY reservataire COLLATE "C") AS vide
FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 507.88, 4) \gset
SET LOCAL search_path = flux_mgmt, public;
SELECT is(:'vide'::text, 'al 35.480822, cd93 0.393793, employeur_y 5.8439', 'convertir_stock with an empty search_path');

SELECT * FROM finish();
ROLLBACK;
