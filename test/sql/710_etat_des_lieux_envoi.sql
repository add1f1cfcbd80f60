-- The état des lieux in its two levels (issue 16, item 4): the detailed one
-- of a landlord × réservataire pair, per dwelling with its stock convention,
-- and the aggregated one by commune; as CSV (its header, quoting, formula
-- injection) and HTML (escaped); the same dwellings as etablir_etat_des_lieux
-- writes; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(16);
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

SELECT results_eq(
	$$SELECT reservataire, ref, rpls, adresse, commune::text, nom_commune, typologie, regime::text, reference, nature, fin, contrepartie
	  FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, '2026-01-01')$$,
	$$VALUES ('al'::text, 'M1'::text, '0000000001'::text, '12 rue de Paris, 93100 MONTREUIL'::text, '93048'::text, 'Montreuil'::text, 'T3'::text,
			  'flux'::text, '=HYPERLINK("http://x")'::text, 'suite'::text, '2030-12-31'::date, 'participation des employeurs'::text),
			 ('al', 'M2', NULL, '3; allée "des Lilas", 93100 MONTREUIL', '93048', 'Montreuil', 'T2', 'flux', '=HYPERLINK("http://x")', 'suite', '2030-12-31', 'participation des employeurs'),
			 ('defense', 'D1', NULL, NULL, '93008', 'Bobigny', 'T3', 'stock_defense', NULL, 'stock', NULL, NULL),
			 ('prefet', 'B1', NULL, NULL, '93008', 'Bobigny', 'T1', 'flux', 'PREF-1975', 'suite', NULL, 'aide à la construction'),
			 ('prefet', 'M3', NULL, NULL, '93048', 'Montreuil', 'T4', 'flux', 'PREF-1975', 'suite', NULL, 'aide à la construction')$$,
	'per dwelling: the convention it is reserved under; the commune''s, ended on 2025-12-31, no longer; the defence stock its holder''s');
SELECT results_eq($$SELECT ref FROM flux_mgmt.etat_des_lieux_detaille('b93', 'montreuil', '2025-06-01')$$, $$VALUES ('B2'::text)$$,
				  'on 2025-06-01 the commune''s guarantee still holds B2');
SELECT results_eq($$SELECT ref FROM flux_mgmt.etat_des_lieux_detaille('b93', 'al', '2026-01-01')$$, $$VALUES ('M1'::text), ('M2')$$,
				  'one pair: Action Logement''s dwellings');
-- the same dwellings as the état des lieux etablir_etat_des_lieux writes
SELECT count(*) AS constats FROM etablir_etat_des_lieux('b93', '2026-01-01');
SELECT results_eq($$SELECT cs.reference, sum(d.nombre)::bigint FROM flux_mgmt.droit_stock d JOIN flux_mgmt.convention_stock cs ON cs.id = d.origine
					WHERE d.bailleur = 'b93' AND (cs.fin IS NULL OR cs.fin > '2026-01-01') GROUP BY cs.reference ORDER BY 1$$,
				  $$SELECT reference, count(*) FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, '2026-01-01')
					WHERE reference IS NOT NULL GROUP BY reference ORDER BY 1$$,
				  'each convention holds as many dwellings as the lines etablir_etat_des_lieux writes for it');

SELECT results_eq($$SELECT commune::text, nom_commune, reservataire, nature, typologie, logements FROM flux_mgmt.etat_des_lieux_communes('b93', '2026-01-01')$$,
	$$VALUES ('93008'::text, 'Bobigny'::text, 'defense'::text, 'stock'::text, 'T3'::text, 1::bigint), ('93008', 'Bobigny', 'prefet', 'suite', 'T1', 1),
			 ('93048', 'Montreuil', 'al', 'suite', 'T2', 1), ('93048', 'Montreuil', 'al', 'suite', 'T3', 1),
			 ('93048', 'Montreuil', 'prefet', 'suite', 'T4', 1)$$,
	'the aggregated one: per commune, réservataire, kind of right and typology');
SELECT is((SELECT count(*) FROM flux_mgmt.etat_des_lieux_logement WHERE bailleur = 'b93'),
		  (SELECT count(*) FROM flux_mgmt.etat_des_lieux_detaille('b93', NULL, current_date)), 'the view is today''s');
SELECT is((SELECT sum(logements) FROM flux_mgmt.etat_des_lieux_commune WHERE bailleur = 'b93'), 5::numeric, 'and its aggregate');

-- CSV: the documented header, quoting, no formula
SELECT is(split_part(etat_des_lieux_csv('b93', 'al', '2026-01-01'), E'\n', 1),
		  'bailleur;reservataire;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv;annee_construction;regime;reference_convention;nature;fin;contrepartie',
		  'the detailed CSV''s header');
SELECT is(split_part(etat_des_lieux_csv('b93', 'al', '2026-01-01'), E'\n', 2),
		  'b93;al;M1;0000000001;12 rue de Paris, 93100 MONTREUIL;93048;Montreuil;T3;plus;non;1972;flux;"''=HYPERLINK(""http://x"")";suite;2030-12-31;participation des employeurs',
		  'a row: the formula made text and quoted');
SELECT ok(etat_des_lieux_csv('b93', 'al', '2026-01-01') LIKE '%;M2;;"3; allée ""des Lilas"", 93100 MONTREUIL";%',
		  'an address with a separator and quotes is quoted whole');
SELECT is(etat_des_lieux_csv('b93', NULL, '2026-01-01'),
		  E'bailleur;commune;nom_commune;reservataire;nature;typologie;logements\nb93;93008;Bobigny;defense;stock;T3;1\nb93;93008;Bobigny;prefet;suite;T1;1\nb93;93048;Montreuil;al;suite;T2;1\nb93;93048;Montreuil;al;suite;T3;1\nb93;93048;Montreuil;prefet;suite;T4;1\n',
		  'the aggregated CSV, whole');
-- HTML, escaped
SELECT ok(etat_des_lieux_html('b93', 'montreuil', '2025-06-01') LIKE '%<td>GAR-&lt;b&gt;2000</td>%', 'the HTML escapes the data');
SELECT ok(etat_des_lieux_html('b93', NULL, '2026-01-01') LIKE '%<h3>Montreuil (93048)</h3>%<td>Action Logement Services (al)</td><td>droit de suite</td><td class="n">0</td><td class="n">1</td><td class="n">1</td>%',
		  'the aggregated HTML: per commune, each réservataire by typology');

-- bad arguments
SELECT throws_ok($$SELECT * FROM flux_mgmt.etat_des_lieux_detaille('inconnu')$$, '23503', 'unknown landlord ''inconnu''', 'an unknown landlord');
SELECT throws_ok($$SELECT flux_mgmt.etat_des_lieux_csv('b93', 'personne', '2026-01-01')$$, '23503', NULL, 'an unknown réservataire');
SELECT throws_ok($$SELECT flux_mgmt.etat_des_lieux_html('b93', NULL, NULL)$$, '22023', 'date null of the état des lieux is out of range', 'no date');

SELECT * FROM finish();
ROLLBACK;
