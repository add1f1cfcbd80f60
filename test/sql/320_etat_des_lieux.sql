-- etablir_etat_des_lieux(): the état des lieux built from a landlord's own
-- RPLS file (with CONTRESLOG) and its old conventions (convention_stock);
-- the report of what was written and left out; the rules of convention_stock.
\i test/setup.sql
BEGIN;
SELECT plan(24);
\i test/fixtures/conversion.sql
DELETE FROM droit_stock;
INSERT INTO reservataire VALUES ('region', 'Région Île-de-France', 'region');

-- A landlord's RPLS file: the open-data columns plus RPLS and CONTRESLOG.
-- Lines 2-21 State priority (2), 22-26 State agents (1), 27-56 Action
-- Logement (3; 27-41 in Montreuil), 57-66 Montreuil's contingent (4),
-- 67-71 local authority in Saint-Denis (4), 72-79 other (6), 80-83 State
-- other conventions (5, defence), 84-98 not reserved (7), 99-101 not given.
SELECT 'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;PATRIMOINE;RPLS;CONTRESLOG' || E'\n' ||
	   string_agg(concat_ws(';',
			CASE WHEN i BETWEEN 26 AND 40 OR i BETWEEN 56 AND 65 THEN '93048' ELSE '93066' END,
			1 + i % 5, 13, 1 + i % 2, 1990, 1991, 'R' || lpad(i::text, 9, '0'),
			CASE WHEN i <= 20 THEN '2' WHEN i <= 25 THEN '1' WHEN i <= 55 THEN '3' WHEN i <= 70 THEN '4'
				 WHEN i <= 78 THEN '6' WHEN i <= 82 THEN '5' WHEN i <= 97 THEN '7' ELSE '' END), E'\n' ORDER BY i) AS rpls
FROM generate_series(1, 100) AS i \gset
SELECT is((SELECT lignes FROM importer_rpls('b93', :'rpls', 'r-') WHERE constat = 'imported'), 100::bigint, 'the RPLS file is imported');
SELECT results_eq($$SELECT contingent_rpls::int, count(*) FROM logement WHERE bailleur = 'b93' GROUP BY 1 ORDER BY 1$$,
	$$VALUES (1, 5::bigint), (2, 20), (3, 30), (4, 15), (5, 4), (6, 8), (7, 15), (NULL, 3)$$,
	'CONTRESLOG read into logement.contingent_rpls');

-- The old conventions.  Action Logement has two on contingent 3.
INSERT INTO convention_stock (bailleur, reservataire, reference, nature, fin, contrepartie, regime, contingent, departement, commune, logements, nombre) VALUES
	('b93', 'prefet', 'ARR-1987-12', 'suite', NULL, 'aide à la construction', 'flux', 2, NULL, NULL, NULL, NULL),
	('b93', 'agents', 'AG-2001', 'suite', '2030-12-31', 'réservation agents', 'flux', 1, NULL, NULL, NULL, NULL),
	('b93', 'al', 'AL-1995', 'suite', NULL, 'participation des employeurs', 'flux', 3, NULL, NULL, NULL, NULL),
	('b93', 'al', 'AL-2012', 'suite', '2032-12-31', 'prêt employeurs', 'flux', 3, NULL, NULL, NULL, NULL),
	('b93', 'montreuil', 'GE-2006', 'suite', '2046-01-01', 'garantie d''emprunt', 'flux', 4, '93', '93048', NULL, NULL),
	('b93', 'employeur_y', 'EMP-2011', 'suite', '2031-06-30', 'financement employeur', 'flux', NULL, NULL, NULL,
	 '{r-72,r-73,r-74,r-75,r-76,r-77,r-999}', NULL),
	('b93', 'defense', 'DEF-1990', 'suite', '2038-12-31', 'ministère des Armées', 'stock_defense', 5, NULL, NULL, NULL, NULL),
	('b93', 'cd93', 'CD-2024', 'unique', NULL, 'premières locations', 'flux', NULL, '93', NULL, NULL, 8),
	('b93', 'region', 'IDF-2010', 'suite', NULL, 'subvention', 'flux', 6, '75', NULL, NULL, NULL);
-- a line typed in by hand, which the état des lieux keeps
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, contrepartie) VALUES ('b93', 'cd93', '93', 'unique', 2, 'saisi à la main');

CREATE TEMP TABLE rapport AS SELECT * FROM etablir_etat_des_lieux('b93', '2026-01-01');
SELECT results_eq('SELECT constat, reservataire, contingent::int, logements, droits FROM rapport',
	$$VALUES ('stock right written', 'prefet', 2, 20::bigint, NULL::numeric),
			 ('stock right written', 'agents', 1, 5, NULL),
			 ('stock right written', 'montreuil', 4, 10, NULL),
			 ('stock right written', 'employeur_y', NULL, 6, NULL),
			 ('stock right written', 'defense', 5, 4, NULL),
			 ('stock right written', 'cd93', NULL, NULL, 8),
			 ('old convention selecting no dwelling', 'region', 6, 0, NULL),
			 ('unknown dwelling reference in an old convention', 'employeur_y', NULL, 1, NULL),
			 ('dwellings claimed by two old conventions', NULL, 3, 30, NULL),
			 ('reserved dwellings without an old convention', NULL, 4, 5, NULL),
			 ('reserved dwellings without an old convention', NULL, 6, 2, NULL),
			 ('not reserved (CONTRESLOG 7)', NULL, 7, 15, NULL),
			 ('no CONTRESLOG', NULL, NULL, 3, NULL)$$,
	'the report: lines written, and every dwelling or old convention left out, with the reason');
SELECT results_eq($$SELECT action FROM rapport WHERE reservataire IN ('agents', 'defense') OR contingent = 3 ORDER BY reservataire$$,
	$$VALUES ('1 line(s) of flux_mgmt.droit_stock: droit de suite, until 2030-12-31, to convert'),
			 ('1 line(s) of flux_mgmt.droit_stock: droit de suite, until 2038-12-31, stays in stock (stock_defense)'),
			 ('not in the état des lieux (for instance ''r-27''): make one of the conventions more precise (commune, logements)')$$,
	'the actions say what was done and what to do');
SELECT is((SELECT action FROM rapport WHERE contingent = 4 AND reservataire IS NULL),
		  'not in the état des lieux (for instance ''r-67''): record the old convention in flux_mgmt.convention_stock',
		  'reserved dwellings without an old convention: an example, and what to do');
SELECT is((SELECT action FROM rapport WHERE constat = 'unknown dwelling reference in an old convention'),
		  'ignored: no dwelling ''r-999'' of the landlord on 2026-01-01', 'an unknown reference is named');

SELECT results_eq($$SELECT reservataire, nature, nombre, fin, contrepartie, regime, departement FROM droit_stock ORDER BY reservataire, nombre$$,
	$$VALUES ('agents', 'suite', 5::numeric, '2030-12-31'::date, 'réservation agents', 'flux'::regime, '93'),
			 ('cd93', 'unique', 2, NULL, 'saisi à la main', 'flux', '93'),
			 ('cd93', 'unique', 8, NULL, 'premières locations', 'flux', '93'),
			 ('defense', 'suite', 4, '2038-12-31', 'ministère des Armées', 'stock_defense', '93'),
			 ('employeur_y', 'suite', 6, '2031-06-30', 'financement employeur', 'flux', '93'),
			 ('montreuil', 'suite', 10, '2046-01-01', 'garantie d''emprunt', 'flux', '93'),
			 ('prefet', 'suite', 20, NULL, 'aide à la construction', 'flux', '93')$$,
	'one line per old convention and département, the typed-in line kept');
SELECT is((SELECT count(*) FROM droit_stock WHERE origine IS NOT NULL AND logement_id IS NULL), 6::bigint,
		  'lines on several dwellings name none');

-- Narrowing one of Action Logement's conventions to Montreuil settles it:
-- a commune is more precise than a contingent alone.  Running again
-- replaces the lines it wrote.
UPDATE convention_stock SET commune = '93048' WHERE reference = 'AL-2012';
CREATE TEMP TABLE rapport2 AS SELECT * FROM etablir_etat_des_lieux('b93', '2026-01-01');
SELECT results_eq($$SELECT reservataire, logements, action FROM rapport2 WHERE reservataire = 'al'$$,
	$$VALUES ('al', 15::bigint, '1 line(s) of flux_mgmt.droit_stock: droit de suite, no end, to convert'),
			 ('al', 15, '1 line(s) of flux_mgmt.droit_stock: droit de suite, until 2032-12-31, to convert')$$,
	'Action Logement: 15 dwellings in Montreuil under AL-2012, the other 15 under AL-1995');
SELECT is_empty($$SELECT * FROM rapport2 WHERE constat = 'dwellings claimed by two old conventions'$$, 'nothing claimed twice any more');
SELECT is((SELECT count(*) FROM droit_stock), 9::bigint, 'the earlier lines were replaced, not added to: 8 built, 1 typed in');

-- Only dwellings owned on the date count.
UPDATE logement SET sortie = '2025-07-01' WHERE ref = 'r-2';
SELECT is((SELECT logements FROM etablir_etat_des_lieux('b93', '2026-01-01') WHERE reservataire = 'prefet'), 19::bigint,
		  'a dwelling sold in 2025 is not in the état des lieux of 2026');
-- Deleting an old convention deletes the lines built from it.
DELETE FROM convention_stock WHERE reference = 'EMP-2011';
SELECT is_empty($$SELECT * FROM droit_stock WHERE reservataire = 'employeur_y'$$, 'an old convention deleted: its lines go');

-- The état des lieux converts: the defence reservation stays in stock; the
-- agents' 0.265 dwellings a year come in the fourth year.
SELECT results_eq($$SELECT reservataire, volume_annuel, fin FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', 5.3)$$,
	$$VALUES ('agents', 0.265, '2030-12-31'::date), ('al', 1.59, '2032-12-31'), ('cd93', 2, '2031-01-01'),
			 ('montreuil', 0.53, '2046-01-01'), ('prefet', 1.007, NULL)$$,
	'converted: 5.3 % of the dwellings of each droit de suite, 10 droits uniques over 5 years; the defence reservation is not');
SELECT is((SELECT calendrier FROM paliers_conversion('b93', '93', '2026-01-01', 5.3) WHERE reservataire = 'agents'), '{0,0,0,1,0}',
		  'agents: 0.265 a year from 2026 to 2030, a dwelling in 2029');

-- Rules of convention_stock.
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, nature, contingent) VALUES ('b93', 'al', 'bail', 3)$$,
				 '23514', 'unknown nature ''bail'' of old convention of ''al'' with landlord ''b93''', 'an unknown nature');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, nature) VALUES ('b93', 'al', 'suite')$$,
				 '23514', 'droit de suite of old convention of ''al'' with landlord ''b93'' selects no dwelling', 'a droit de suite selecting nothing');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, nature, departement) VALUES ('b93', 'cd93', 'unique', '93')$$,
				 '23514', 'droits uniques of old convention of ''cd93'' with landlord ''b93'' need a positive number of rights, not null', 'droits uniques without a number');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, nature, nombre) VALUES ('b93', 'cd93', 'unique', 3)$$,
				 '22023', 'invalid département NULL in old convention of ''cd93'' with landlord ''b93''', 'droits uniques without a département');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, contingent) VALUES ('b93', 'al', 7)$$,
				 '23514', 'invalid contingent 7 of old convention of ''al'' with landlord ''b93''', 'contingent 7 is not reserved');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, departement, commune) VALUES ('b93', 'montreuil', '93', '75056')$$,
				 '23514', 'commune 75056 of old convention of ''montreuil'' with landlord ''b93'' is not in département 93', 'a commune outside the département');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, contingent) VALUES ('b93', 'inconnu', 3)$$,
				 '23503', 'unknown réservataire ''inconnu'' in old convention of ''inconnu'' with landlord ''b93''', 'an unknown réservataire');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, contingent, taux_rotation) VALUES ('b93', 'al', 3, 101)$$,
				 '23514', 'rotation rate 101 % of old convention of ''al'' with landlord ''b93'' is out of range', 'a rotation rate above 100 %');
SELECT throws_ok($$SELECT * FROM flux_mgmt.etablir_etat_des_lieux('nobody')$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');

SELECT * FROM finish();
ROLLBACK;
