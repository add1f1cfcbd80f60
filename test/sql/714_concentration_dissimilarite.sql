-- Concentration of fragile households and the index of dissimilarity
-- (issue 15; DOMAIN §3.9) on hand-made data with known answers: 0 for an
-- even spread, 1 for total separation, the one- and three-year periods,
-- segments, the landlord's average; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(28);
\i test/fixtures/evenements.sql

-- the index itself
SELECT is(dissimilarite('{5,5}', '{10,10}'), 0.0000, 'a group spread like the rest: 0');
SELECT is(dissimilarite('{10,0}', '{10,10}'), 1.0000, 'a group alone in its units: 1');
SELECT is(dissimilarite('{3,1}', '{4,6}'), 0.5833, '½ (|3/4 − 1/6| + |1/4 − 5/6|) = 0.5833');
SELECT is(dissimilarite('{0,0}', '{4,6}'), NULL, 'an empty group: no index');
SELECT throws_ok($$SELECT flux_mgmt.dissimilarite('{1,2}', '{3}')$$, '22023',
				 'dissimilarite needs one count of the group per unit: 2 units in the group, 1 in the whole', 'arrays of different lengths');
SELECT throws_ok($$SELECT flux_mgmt.dissimilarite('{1,5}', '{3,4}')$$, '22023',
				 'unit 2: a group of 5 in a whole of 4 is not a count', 'a group larger than its unit');
SELECT throws_ok($$SELECT flux_mgmt.dissimilarite('{-1,2}', '{3,4}')$$, '22023',
				 'unit 1: a group of -1 in a whole of 3 is not a count', 'a negative count');
SELECT throws_ok($$SELECT flux_mgmt.dissimilarite('{1,NULL}', '{3,4}')$$, '22023',
				 'unit 2: a group of null in a whole of 4 is not a count', 'a null count');
SELECT throws_ok($$SELECT flux_mgmt.dissimilarite('{{1,2},{1,2}}', '{{3,4},{3,4}}')$$, '22023',
				 'dissimilarite needs one-dimensional arrays, not 2 and 2 dimensions', 'arrays of two dimensions');
SELECT is(dissimilarite('{3,4}', '{3,4}'), NULL, 'a group that is everyone (the rest is empty): no index');

-- three programmes of 10 dwellings: P-A (segment S1) all to the préfet and
-- all priority households, P-B (S2) to Action Logement and none, P-C (S2)
-- to the pool and half; two first-quartile households in each; in 2025,
-- ten more leases in P-B, all priority, and ten in P-C, none priority and
-- five in the first quartile
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, programme, segment_patrimoine, libelle_segment)
SELECT 'b93', p || '-' || n, CASE WHEN p = 'P-A' THEN '93048' ELSE '93008' END, 3, 'plus', false, 1980, p,
	   CASE WHEN p = 'P-A' THEN 'S1' ELSE 'S2' END, CASE WHEN p = 'P-A' THEN 'Collectif ancien' ELSE 'Collectif récent' END
FROM unnest('{P-A,P-B,P-C}'::text[]) AS p, generate_series(1, 10) AS n;
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-04-01'::date FROM logement WHERE programme IS NOT NULL
UNION ALL SELECT id, '2025-04-01' FROM logement WHERE programme IN ('P-B', 'P-C');
CREATE TEMP TABLE o AS
SELECT x.ref, x.annee, orienter(x.id, x.r, NULL, x.le) AS id
FROM (SELECT va.id, l.ref, extract(year FROM va.date_liberation) AS annee, va.date_liberation + 1 AS le,
			 CASE l.programme WHEN 'P-A' THEN 'prefet' WHEN 'P-B' THEN 'al' END AS r
	  FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE l.programme IS NOT NULL ORDER BY va.date_liberation, l.ref) AS x;
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, prioritaire, dalo)
SELECT o.id, make_date(o.annee::int, 5, 1), make_date(o.annee::int, 6, 1),
	   split_part(o.ref, '-', 3)::int <= CASE WHEN o.annee = 2025 AND o.ref LIKE 'P-C%' THEN 5 WHEN o.annee = 2025 THEN 0 ELSE 2 END,
	   o.ref LIKE 'P-A%' OR (o.ref LIKE 'P-C%' AND o.annee = 2026 AND split_part(o.ref, '-', 3)::int % 2 = 0)
	   OR (o.ref LIKE 'P-B%' AND o.annee = 2025),
	   o.ref = 'P-A-1'
FROM o;

SELECT results_eq(
	$$SELECT echelle, unite, libelle, baux, prioritaires, part_prioritaires, moyenne_prioritaires,
			 premier_quartile, part_premier_quartile, moyenne_premier_quartile
	  FROM flux_mgmt.concentration_menages('b93', 2026) WHERE annee_debut = 2026$$,
	$$VALUES ('programme'::text, 'P-A'::text, 'P-A'::text, 10::bigint, 10::bigint, 100.00::numeric, 50.00::numeric, 2::bigint, 20.00::numeric, 20.00::numeric),
			 ('programme', 'P-B', 'P-B', 10, 0, 0.00, 50.00, 2, 20.00, 20.00),
			 ('programme', 'P-C', 'P-C', 10, 5, 50.00, 50.00, 2, 20.00, 20.00),
			 ('segment', 'S1', 'Collectif ancien', 10, 10, 100.00, 50.00, 2, 20.00, 20.00),
			 ('segment', 'S2', 'Collectif récent', 20, 5, 25.00, 50.00, 4, 20.00, 20.00)$$,
	'2026: priority households all in P-A, none in P-B, half in P-C, against the landlord''s 50 %');
SELECT results_eq(
	$$SELECT unite, baux, prioritaires, part_prioritaires, moyenne_prioritaires, premier_quartile, part_premier_quartile, moyenne_premier_quartile
	  FROM flux_mgmt.concentration_menages('b93', 2026) WHERE annee_debut = 2024 AND echelle = 'programme'$$,
	$$VALUES ('P-A'::text, 10::bigint, 10::bigint, 100.00::numeric, 50.00::numeric, 2::bigint, 20.00::numeric, 22.00::numeric),
			 ('P-B', 20, 10, 50.00, 50.00, 2, 10.00, 22.00), ('P-C', 20, 5, 25.00, 50.00, 7, 35.00, 22.00)$$,
	'2024-2026: the leases of 2025 count too (25 priority and 11 first-quartile households of 50)');

SELECT results_eq(
	$$SELECT echelle, population, unites, effectif, total, indice
	  FROM flux_mgmt.indices_dissimilarite('b93', 2026) WHERE annee_debut = 2026 AND population LIKE 'menages%'$$,
	$$VALUES ('programme'::text, 'menages_premier_quartile'::text, 3::bigint, 6::bigint, 30::bigint, 0.0000::numeric),
			 ('programme', 'menages_prioritaires', 3, 15, 30, 0.6667),
			 ('segment', 'menages_premier_quartile', 2, 6, 30, 0.0000),
			 ('segment', 'menages_prioritaires', 2, 15, 30, 0.6667)$$,
	'first-quartile households spread evenly: 0; priority ones: ½ (10/15 + 10/15 + 0) = 0.6667');
SELECT is((SELECT indice FROM flux_mgmt.indices_dissimilarite('b93', 2026)
		   WHERE annee_debut = 2024 AND echelle = 'programme' AND population = 'menages_prioritaires'), 0.4000,
		  'over 2024-2026: ½ (|10/25 − 0| + |10/25 − 10/25| + |5/25 − 15/25|) = 0.4');
SELECT results_eq(
	$$SELECT echelle, coalesce(reservataire, 'pool'), unites, effectif, total, indice
	  FROM flux_mgmt.indices_dissimilarite('b93', 2026) WHERE annee_debut = 2026 AND population = 'orientations'$$,
	$$VALUES ('programme'::text, 'al'::text, 3::bigint, 10::bigint, 30::bigint, 1.0000::numeric), ('programme', 'prefet', 3, 10, 30, 1.0000),
			 ('programme', 'pool', 3, 10, 30, 1.0000),
			 ('segment', 'al', 2, 10, 30, 0.5000), ('segment', 'prefet', 2, 10, 30, 1.0000), ('segment', 'pool', 2, 10, 30, 0.5000)$$,
	'each beneficiary alone in its programme: 1; Action Logement and the pool share segment S2: ½ (0 + |1 − 1/2|) + … = 0.5');
SELECT is((SELECT indice FROM flux_mgmt.indices_dissimilarite('b93', 2026)
		   WHERE annee_debut = 2024 AND echelle = 'programme' AND reservataire = 'al'), 1.0000,
		  'over 2024-2026 Action Logement is still alone in P-B');
SELECT results_eq($$SELECT population, coalesce(reservataire, 'pool'), unites, effectif, total, indice
					FROM flux_mgmt.indices_dissimilarite('b93', 2025) WHERE annee_debut = 2025 AND echelle = 'programme'$$,
				  $$VALUES ('menages_premier_quartile'::text, 'pool'::text, 2::bigint, 5::bigint, 20::bigint, 0.6667::numeric),
						   ('menages_prioritaires', 'pool', 2, 10, 20, 1.0000),
						   ('orientations', 'al', 2, 10, 20, 1.0000), ('orientations', 'pool', 2, 10, 20, 1.0000)$$,
				  '2025: priority households all in P-B, none in P-C: 1; first quartile ½ (5/5 + 5/15) = 0.6667');

-- reported: section 7 of the yearly report, the export's mixite
SELECT matches(rapport_annuel('b93', 2026),
			   '<h2>7\. Mixité sociale dans les résidences en 2026</h2><p>Un programme est identifié à un réservataire quand celui-ci y reçoit au moins 50 % .*<caption>Département 93, indices de dissimilarité</caption>.*<tr><td>Ménages prioritaires ou DALO</td><td class="n">1</td><td class="n">0,6667</td><td class="n">0,4</td><td class="n">0,6667</td></tr>',
			   'section 7 of the report: the priority households'' index, 2025, 2026, 2024-2026, segments 2026');
SELECT is(substring(rapport_annuel('b93', 2026) FROM '<caption>Département 93, programmes identifiés à un réservataire</caption>.*?</table>'),
		  '<caption>Département 93, programmes identifiés à un réservataire</caption><thead><tr><th>Programme</th><th>Réservataire</th><th>Période</th><th>Vacances</th><th>Orientations au réservataire</th><th>Part dans le programme (%)</th><th>Part du flux (%)</th></tr></thead><tbody>'
		  '<tr><td>P-A</td><td>Préfet, prioritaires (prefet)</td><td>2026</td><td class="n">10</td><td class="n">10</td><td class="n">100</td><td class="n">33,33</td></tr>'
		  '<tr><td>P-B</td><td>Action Logement Services (al)</td><td>2026</td><td class="n">10</td><td class="n">10</td><td class="n">100</td><td class="n">33,33</td></tr>'
		  '<tr><td>P-A</td><td>Préfet, prioritaires (prefet)</td><td>2024-2026</td><td class="n">10</td><td class="n">10</td><td class="n">100</td><td class="n">20</td></tr>'
		  '<tr><td>P-B</td><td>Action Logement Services (al)</td><td>2024-2026</td><td class="n">20</td><td class="n">20</td><td class="n">100</td><td class="n">40</td></tr></tbody></table>',
		  'section 7: P-A identified with the préfet, P-B with Action Logement (the pool''s P-C is not judged), the year first');
SELECT matches(rapport_annuel('b93', 2026),
			   '<caption>Département 93, programmes où les ménages prioritaires ou DALO sont les plus nombreux, 2024-2026 \(10 baux ou plus\)</caption>.*<tr><td>P-A</td><td class="n">10</td><td class="n">10</td><td class="n">100</td><td class="n">50</td><td class="n">20</td><td class="n">22</td></tr><tr><td>P-B</td>.*<tr><td>P-C</td><td class="n">20</td><td class="n">5</td><td class="n">25</td><td class="n">50</td><td class="n">35</td><td class="n">22</td></tr>',
			   'section 7: P-A first among the programmes with the most priority households, P-C last, with its 35 % of first-quartile households');
SELECT is(export_reservataire('b93', 'prefet', 2026) -> 'mixite',
		  '{"indices": [{"indice": 1.0000, "unites": 3, "echelle": "programme", "annee_fin": 2026, "annee_debut": 2026, "departement": "93", "orientations": 10},
						{"indice": 1.0000, "unites": 3, "echelle": "programme", "annee_fin": 2026, "annee_debut": 2024, "departement": "93", "orientations": 10},
						{"indice": 1.0000, "unites": 2, "echelle": "segment", "annee_fin": 2026, "annee_debut": 2026, "departement": "93", "orientations": 10},
						{"indice": 1.0000, "unites": 2, "echelle": "segment", "annee_fin": 2026, "annee_debut": 2024, "departement": "93", "orientations": 10}],
			"programmes_identifies": [{"vacances": 10, "annee_fin": 2026, "part_flux": 33.33, "programme": "P-A", "annee_debut": 2026, "departement": "93", "orientations": 10, "part_programme": 100.00},
									  {"vacances": 10, "annee_fin": 2026, "part_flux": 20.00, "programme": "P-A", "annee_debut": 2024, "departement": "93", "orientations": 10, "part_programme": 100.00}]}'::jsonb,
		  'the préfet''s export: its indices and P-A, identified with it (10 of its 30 orientations in 2026, 33.33 %; 10 of 50 over 2024-2026)');

-- the views for reporting tools: every year with an orientation or a lease
SELECT set_eq($$SELECT bailleur, annee, departement, echelle, annee_debut, annee_fin, population, reservataire, unites, effectif, total, indice
				FROM flux_mgmt.mixite_dissimilarite$$,
			  $$SELECT 'b93'::text, y, i.* FROM unnest('{2025,2026}'::int[]) AS y, flux_mgmt.indices_dissimilarite('b93', y) AS i$$,
			  'mixite_dissimilarite: the indices of 2025 and 2026, the years with orientations or leases');
SELECT set_eq($$SELECT * FROM flux_mgmt.mixite_identification$$,
			  $$SELECT 'b93'::text, y, i.* FROM unnest('{2025,2026}'::int[]) AS y, flux_mgmt.identification_programmes('b93', y) AS i$$,
			  'mixite_identification: the same for identification_programmes');

SELECT is((SELECT count(*) FROM flux_mgmt.indices_dissimilarite('b93', 2020)), 0::bigint, 'a year with nothing: no row');
SELECT throws_ok($$SELECT * FROM flux_mgmt.concentration_menages('inconnu', 2026)$$, '23503', 'unknown landlord ''inconnu''', 'concentration: an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.indices_dissimilarite('b93', 1899)$$, '22023',
				 'year 1899 in indices_dissimilarite is out of range', 'indices: a year out of range');
SELECT lives_ok($$SELECT * FROM flux_mgmt.indices_dissimilarite('b93', 1900)$$, 'indices: 1900, the first year of events, is read');
SELECT throws_ok($$SELECT * FROM flux_mgmt.concentration_menages('b93', 3000)$$, '22023',
				 'year 3000 in concentration_menages is out of range', 'concentration: a year out of range');

SELECT * FROM finish();
ROLLBACK;
