-- The état des lieux in its two levels (issue 16, item 4): the detailed one
-- of a landlord × réservataire pair, per dwelling with its stock convention,
-- and the aggregated one by commune; as CSV (its header, quoting, formula
-- injection) and HTML (escaped); the same dwellings as etablir_etat_des_lieux
-- writes; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(18);
\i test/fixtures/evenements.sql

INSERT INTO commune (code, nom) VALUES ('93048', 'Montreuil'), ('93008', 'Bobigny');
-- RPLS contingents and addresses: M1, M2 Action Logement (3), M3, B1 the
-- State (2), B2 a local authority (4), H1 not reserved (7); D1 is the
-- defence stock
UPDATE logement SET contingent_rpls = CASE ref WHEN 'M1' THEN 3 WHEN 'M2' THEN 3 WHEN 'M3' THEN 2 WHEN 'B1' THEN 2
											   WHEN 'B2' THEN 4 WHEN 'H1' THEN 7 END,
				   adresse = CASE ref WHEN 'M1' THEN '12 rue de Paris, 93100 MONTREUIL' WHEN 'M2' THEN '3; allée "des Lilas", 93100 MONTREUIL' END,
				   rpls = CASE ref WHEN 'M1' THEN '0000000001' END;
INSERT INTO convention_stock (bailleur, reservataire, reference, nature, fin, contrepartie, contingent, commune) VALUES
	('b93', 'prefet', 'PREF-1975', 'suite', NULL, 'aide à la construction', 2, NULL),
	('b93', 'al', '=HYPERLINK("http://x")', 'suite', '2030-12-31', 'participation des employeurs', 3, '93048'),
	('b93', 'montreuil', 'GAR-<b>2000', 'suite', '2025-12-31', 'garantie d''emprunt', 4, NULL);

-- the état des lieux is droit_stock: built by etablir_etat_des_lieux, plus
-- two lines typed in: the State agents' right on B2 (identified), the
-- commune's 8 droits uniques until 2030 (no dwelling)
SELECT count(*) AS constats FROM etablir_etat_des_lieux('b93', '2026-01-01');
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, logement_id)
SELECT 'b93', 'agents', '93', 'suite', 1, NULL, id FROM logement WHERE ref = 'B2';
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie)
VALUES ('b93', 'montreuil', '93', 'unique', 8, '2030-01-01', 'subvention foncière');

SELECT results_eq(
	$$SELECT reservataire, ref, rpls, adresse, commune::text, nom_commune, typologie, regime::text, reference, nature, fin, contrepartie, nombre
	  FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, '2026-01-01')$$,
	$$VALUES ('agents'::text, 'B2'::text, NULL::text, NULL::text, '93008'::text, 'Bobigny'::text, 'T5+'::text, 'flux'::text, NULL::text, 'suite'::text,
			  NULL::date, NULL::text, 1::numeric),
			 ('al', 'M1', '0000000001', '12 rue de Paris, 93100 MONTREUIL', '93048', 'Montreuil', 'T3', 'flux', '=HYPERLINK("http://x")', 'suite',
			  '2030-12-31', 'participation des employeurs', 1),
			 ('al', 'M2', NULL, '3; allée "des Lilas", 93100 MONTREUIL', '93048', 'Montreuil', 'T2', 'flux', '=HYPERLINK("http://x")', 'suite',
			  '2030-12-31', 'participation des employeurs', 1),
			 ('defense', 'D1', NULL, NULL, '93008', 'Bobigny', 'T3', 'stock_defense', NULL, 'stock', NULL, NULL, 1),
			 ('montreuil', NULL, NULL, NULL, NULL, NULL, NULL, 'flux', NULL, 'unique', '2030-01-01', 'subvention foncière', 8),
			 ('prefet', 'B1', NULL, NULL, '93008', 'Bobigny', 'T1', 'flux', 'PREF-1975', 'suite', NULL, 'aide à la construction', 1),
			 ('prefet', 'M3', NULL, NULL, '93048', 'Montreuil', 'T4', 'flux', 'PREF-1975', 'suite', NULL, 'aide à la construction', 1)$$,
	'per dwelling, the line of droit_stock covering it; the commune''s guarantee, ended on 2025-12-31, no longer; its droits uniques on a row without a dwelling; the defence stock its holder''s');
SELECT results_eq($$SELECT ref, reference FROM flux_mgmt.etat_des_lieux_detaille('b93', 'montreuil', '2025-06-01')$$,
				  $$VALUES ('B2'::text, 'GAR-<b>2000'::text), (NULL, NULL)$$,
				  'on 2025-06-01 the commune''s guarantee still holds B2, next to its droits uniques');
SELECT results_eq($$SELECT ref FROM flux_mgmt.etat_des_lieux_detaille('b93', 'al', '2026-01-01')$$, $$VALUES ('M1'::text), ('M2')$$,
				  'one pair: Action Logement''s dwellings');
SELECT results_eq($$SELECT cs.reference, sum(d.nombre)::bigint FROM flux_mgmt.droit_stock d JOIN flux_mgmt.convention_stock cs ON cs.id = d.origine
					WHERE d.bailleur = 'b93' AND (cs.fin IS NULL OR cs.fin > '2026-01-01') GROUP BY cs.reference ORDER BY 1$$,
				  $$SELECT reference, count(*) FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, '2026-01-01')
					WHERE reference IS NOT NULL GROUP BY reference ORDER BY 1$$,
				  'each line etablir_etat_des_lieux wrote lists as many dwellings as its nombre');

SELECT results_eq($$SELECT departement, commune::text, nom_commune, reservataire, nature, typologie, logements, droits
					FROM flux_mgmt.etat_des_lieux_communes('b93', '2026-01-01')$$,
	$$VALUES ('93'::text, '93008'::text, 'Bobigny'::text, 'agents'::text, 'suite'::text, 'T5+'::text, 1::bigint, NULL::numeric),
			 ('93', '93008', 'Bobigny', 'defense', 'stock', 'T3', 1, NULL), ('93', '93008', 'Bobigny', 'prefet', 'suite', 'T1', 1, NULL),
			 ('93', '93048', 'Montreuil', 'al', 'suite', 'T2', 1, NULL), ('93', '93048', 'Montreuil', 'al', 'suite', 'T3', 1, NULL),
			 ('93', '93048', 'Montreuil', 'prefet', 'suite', 'T4', 1, NULL), ('93', NULL, NULL, 'montreuil', 'unique', NULL, 0, 8)$$,
	'the aggregated one: per commune, réservataire, kind of right and typology; the droits uniques in their département');
SELECT results_eq($$SELECT count(*), sum(nombre) FROM flux_mgmt.etat_des_lieux_logement WHERE bailleur = 'b93'$$,
				  $$SELECT count(*), sum(nombre) FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, current_date)$$, 'the view is today''s');
SELECT results_eq($$SELECT sum(logements), sum(droits) FROM flux_mgmt.etat_des_lieux_commune WHERE bailleur = 'b93'$$,
				  $$SELECT sum(logements), sum(droits) FROM flux_mgmt.etat_des_lieux_communes('b93', current_date)$$, 'and its aggregate');

-- CSV: a byte-order mark, the documented header, CRLF, quoting, no formula,
-- dates whatever the DateStyle
SET LOCAL datestyle = 'SQL, DMY';
SELECT is(split_part(etat_des_lieux_csv('b93', 'al', '2026-01-01'), E'\r\n', 1),
		  U&'\FEFF' || 'bailleur;reservataire;departement;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv;annee_construction;regime;reference_convention;nature;fin;contrepartie;nombre',
		  'the detailed CSV''s header, after a byte-order mark');
SELECT is(split_part(etat_des_lieux_csv('b93', 'al', '2026-01-01'), E'\r\n', 2),
		  'b93;al;93;M1;0000000001;12 rue de Paris, 93100 MONTREUIL;93048;Montreuil;T3;plus;non;1972;flux;"''=HYPERLINK(""http://x"")";suite;2030-12-31;participation des employeurs;1',
		  'a row: the formula made text and quoted, the date in ISO whatever the DateStyle');
SELECT ok(etat_des_lieux_csv('b93', 'al', '2026-01-01') LIKE '%;M2;;"3; allée ""des Lilas"", 93100 MONTREUIL";%',
		  'an address with a separator and quotes is quoted whole');
SELECT is(etat_des_lieux_csv('b93', NULL, '2026-01-01'),
		  U&'\FEFF' || E'bailleur;departement;commune;nom_commune;reservataire;nature;typologie;logements;droits\r\n'
		  || E'b93;93;93008;Bobigny;agents;suite;T5+;1;\r\nb93;93;93008;Bobigny;defense;stock;T3;1;\r\nb93;93;93008;Bobigny;prefet;suite;T1;1;\r\n'
		  || E'b93;93;93048;Montreuil;al;suite;T2;1;\r\nb93;93;93048;Montreuil;al;suite;T3;1;\r\nb93;93;93048;Montreuil;prefet;suite;T4;1;\r\n'
		  || E'b93;93;;;montreuil;unique;;0;8\r\n',
		  'the aggregated CSV, whole');
RESET datestyle;
SELECT results_eq($$SELECT v, csv_champ(v) FROM unnest(ARRAY['+1', '-2', '@SUM(A1)', E'\tx', '  =1+1', '＝1', 'a;b', 'AB"C', 'normal', E'a\u202Eb']) AS v$$,
				  $$VALUES ('+1'::text, '''+1'::text), ('-2', '''-2'), ('@SUM(A1)', '''@SUM(A1)'), (E'\tx', E'''\tx'),
						   ('  =1+1', '''  =1+1'), ('＝1', '''＝1'), ('a;b', '"a;b"'), ('AB"C', '"AB""C"'), ('normal', 'normal'),
						   (E'a\u202Eb', E'a\uFFFDb')$$,
				  'csv_champ: every formula start, full-width too, made text; quotes; a bidirectional override replaced');
-- HTML, escaped
SELECT ok(etat_des_lieux_html('b93', 'montreuil', '2025-06-01') LIKE '%<td>GAR-&lt;b&gt;2000</td>%', 'the HTML escapes the data');
SELECT ok(etat_des_lieux_html('b93', NULL, '2026-01-01') LIKE '%<h3>Montreuil (93048)</h3>%<td>Action Logement Services (al)</td><td>droit de suite</td><td class="n">0</td><td class="n">1</td><td class="n">1</td>%',
		  'the aggregated HTML: per commune, each réservataire by typology');
SELECT ok(etat_des_lieux_html('b93', NULL, '2026-01-01') LIKE '%<h3>Droits sans logement identifié</h3>%<td>Ville de Montreuil (montreuil)</td><td>93</td><td>droits uniques</td><td class="n">8</td><td>01/01/2030</td>%',
		  'and the rights without identified dwellings');

-- bad arguments
SELECT throws_ok($$SELECT * FROM flux_mgmt.etat_des_lieux_detaille('inconnu')$$, '23503', 'unknown landlord ''inconnu''', 'an unknown landlord');
SELECT throws_ok($$SELECT flux_mgmt.etat_des_lieux_csv('b93', 'personne', '2026-01-01')$$, '23503', NULL, 'an unknown réservataire');
SELECT throws_ok($$SELECT flux_mgmt.etat_des_lieux_html('b93', NULL, NULL)$$, '22023', 'date null of the état des lieux is out of range', 'no date');

SELECT * FROM finish();
ROLLBACK;
