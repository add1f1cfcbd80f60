-- The yearly report (rapport_annuel, HTML) and the export of one
-- réservataire (export_reservataire, jsonb): content, escaping, a forecast
-- that cannot be computed shown rather than raised, and the error paths.
-- test/rapport.sh renders the document in a browser.
\i test/setup.sql
BEGIN;
SELECT plan(33);
\i test/fixtures/evenements.sql
UPDATE reservataire SET nom = '<script>alert("x")</script> & Cie' WHERE code = 'al';
INSERT INTO reservataire VALUES ('cd93', 'Département de la Seine-Saint-Denis', 'departement');
SELECT orienter(v.id, o.r, o.s::motif_soustraction, '2026-03-02')
FROM v JOIN (VALUES ('M1', 'montreuil', NULL), ('M2', 'al', NULL), ('M3', 'prefet', NULL), ('B1', NULL, NULL),
					('B2', NULL, 'vente'), ('D1', 'defense', NULL), ('H1', NULL, NULL)) AS o(ref, r, s) ON o.ref = v.ref
ORDER BY v.id \g /dev/null
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, prioritaire)
SELECT o.id, '2026-03-10', '2026-03-20', true, coalesce(o.reservataire = 'montreuil', false) FROM orientation o WHERE o.reservataire IS DISTINCT FROM 'al';
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'vente', 2), ('b93', '93', 2027, 'mutation_interne', 4);

SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT ok(:'rapport' LIKE '<!DOCTYPE html><html lang="fr">%</body></html>', 'a whole HTML document');
SELECT ok(:'rapport' LIKE '%<meta charset="utf-8">%', 'it declares its encoding');
SELECT ok(:'rapport' LIKE '%<title>Bilan annuel 2026 de la gestion en flux — Bailleur 93</title>%', 'its title names the year and the landlord');
SELECT ok(:'rapport' LIKE '%à adresser avant le 28 février 2027%', 'it says when to send it');
SELECT ok(:'rapport' LIKE '%1. Droits et logements décomptés en 2026%2. Logements proposés et attribués en 2026%3. Logements soustraits du flux%4. Flux prévisionnel 2027 par réservataire%5. Objectifs d''attribution 2026%',
		  'the five sections, in order');
SELECT ok(:'rapport' LIKE '%&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie (al)%', 'a réservataire''s name is escaped');
SELECT ok(:'rapport' NOT LIKE '%<script%', 'no markup from the data');
SELECT ok(:'rapport' LIKE '%<svg xmlns="http://www.w3.org/2000/svg"%</svg>%', 'an inline SVG chart');
SELECT is((SELECT count(*) FROM regexp_matches(:'rapport', '<rect ', 'g')), 2 + 2 * 5::bigint,
		  'the chart: a legend and two bars for each of the 4 conventions and the pool');
SELECT is((SELECT count(*) FROM regexp_matches(:'rapport', '<table>', 'g')), (SELECT count(*) FROM regexp_matches(:'rapport', '</table>', 'g')),
		  'tables are closed');
SELECT is((SELECT count(*) FROM regexp_matches(:'rapport', '<tr>', 'g')), (SELECT count(*) FROM regexp_matches(:'rapport', '</tr>', 'g')),
		  'rows are closed');
SELECT ok(:'rapport' LIKE '%<td>Ville de Montreuil (montreuil)</td><td class="n">10</td><td class="n">2</td><td class="n">0,2</td><td class="n">1</td><td class="n">-0,8</td>%',
		  'the commune: 10 % of the 2 dwellings charged in Montreuil, 0,2 due, 1 charged');
SELECT ok(:'rapport' LIKE '%<td>Relogements liés aux ventes</td><td class="n">2</td><td class="n">1</td><td class="n">—</td>%',
		  'subtractions: sales forecast 2, actual 1, no forecast for 2027');
SELECT ok(:'rapport' LIKE '%<td>Mutations internes</td><td class="n">—</td><td class="n">0</td><td class="n">4</td>%',
		  'internal mutations: forecast 4 for 2027');
SELECT ok(:'rapport' LIKE '%<th>Typologie</th>%<th>Financement</th>%<th>Localisation</th>%<th>Commune</th>%<th>Période de construction</th>%',
		  'the R441-5-1 breakdowns');
SELECT ok(:'rapport' LIKE '%Flux prévisionnel 2027 non calculable : no rotation rate for landlord &#39;b93&#39; in département 93 in 2027.%',
		  'a missing rotation rate is shown in the report, not raised');
INSERT INTO rotation VALUES ('b93', '93', 2027, 5.3);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2027, 20);
SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT ok(:'rapport' LIKE '%<caption>Droits prévisionnels 2027 par réservataire</caption>%<td>Contingent propre du bailleur</td>%',
		  'with a rotation rate, the forecast shares of 2027');
SELECT ok(:'rapport' LIKE '%<td>O3</td><td>Ville de Montreuil (montreuil)</td><td class="n">1</td><td class="n">1</td><td class="n">100</td><td class="n">25</td><td class="n">0</td>%',
		  'objectives with their shortfall');

-- the export of one réservataire
SELECT results_eq(
	$$SELECT e ->> 'format', e #>> '{reservataire,nom}', (e ->> 'annee')::int, jsonb_array_length(e -> 'atteinte'),
			 (e #>> '{atteinte,0,droit}')::numeric, (e #>> '{atteinte,0,decomptes}')::int, (e #>> '{atteinte,0,flux_realise}')::int,
			 jsonb_array_length(e -> 'bilan'), (e #>> '{bilan,0,logements_proposes}')::int, (e #>> '{objectifs,0,manque}')::int,
			 (e #>> '{flux_previsionnel_suivant,0,droit_entier}')::int
	  FROM flux_mgmt.export_reservataire('b93', 'montreuil', 2026) AS e$$,
	$$VALUES ('flux_mgmt.export_reservataire 1', 'Ville de Montreuil', 2026, 1, 0.2, 1, 2, 1, 1, 0, 1)$$,
	'export_reservataire: the réservataire, its attainment, its bilan rows, its O3, its forecast share of the next year');
SELECT is((SELECT flux_mgmt.export_reservataire('b93', 'al', 2026) #>> '{atteinte,0,en_cours}'), '1', 'the open orientation of Action Logement');
DELETE FROM rotation WHERE annee = 2027;
SELECT is((SELECT flux_mgmt.export_reservataire('b93', 'al', 2026) #>> '{flux_previsionnel_suivant,0,erreur}'),
		  'no rotation rate for landlord ''b93'' in département 93 in 2027', 'no rotation rate: the forecast says why');

-- errors
SELECT throws_ok($$SELECT flux_mgmt.rapport_annuel('nobody', 2026)$$, '23503', 'unknown landlord ''nobody''', 'rapport_annuel: unknown landlord');
SELECT throws_ok($$SELECT flux_mgmt.rapport_annuel('b93', 1800)$$, '22023', 'year 1800 in rapport_annuel is out of range', 'rapport_annuel: year out of range');
SELECT throws_ok($$SELECT flux_mgmt.rapport_annuel('b93', 2010)$$, '23503', 'landlord ''b93'' has nothing to report for 2010',
				 'rapport_annuel: a year with nothing to report');
SELECT is(flux_mgmt.rapport_annuel(NULL, 2026), NULL, 'rapport_annuel: null in, null out');
SELECT throws_ok($$SELECT flux_mgmt.export_reservataire('nobody', 'al', 2026)$$, '23503', 'unknown landlord ''nobody''', 'export_reservataire: unknown landlord');
SELECT throws_ok($$SELECT flux_mgmt.export_reservataire('b93', 'nobody', 2026)$$, '23503', 'unknown réservataire ''nobody''',
				 'export_reservataire: unknown réservataire');
SELECT throws_ok($$SELECT flux_mgmt.export_reservataire('b93', 'al', 3000)$$, '22023', 'year 3000 in export_reservataire is out of range',
				 'export_reservataire: year out of range');
SELECT throws_ok($$SELECT flux_mgmt.export_reservataire('b93', 'cd93', 2026)$$, '23503', 'réservataire ''cd93'' has nothing with landlord ''b93'' in 2026',
				 'export_reservataire: a réservataire without convention or counters that year');

-- the pieces
SELECT is(flux_mgmt.echapper_html($$<a href="x">&'</a>$$), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;', 'echapper_html');
SELECT is(flux_mgmt.nombre_fr(1234567.25), E'1\u202F234\u202F567,25', 'nombre_fr: decimal comma, narrow spaces between thousands');
SELECT is(flux_mgmt.nombre_fr(-28.333333), '-28,333333', 'nombre_fr: decimals are not grouped');
SELECT is(flux_mgmt.html_tableau(ARRAY['a', 'b'], '[]'),
		  '<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody><tr><td class="vide" colspan="2">aucune donnée</td></tr></tbody></table>',
		  'html_tableau: an empty table says so');

SELECT * FROM finish();
ROLLBACK;
