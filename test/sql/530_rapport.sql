-- The yearly report (rapport_annuel, HTML) and the export of one
-- réservataire (export_reservataire, jsonb): content, escaping, a forecast
-- that cannot be computed shown rather than raised, and the error paths.
-- test/rapport.sh renders the document in a browser.
\i test/setup.sql
BEGIN;
SELECT plan(34);
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

-- The rows of a section of the report, one text per table row of cells
-- ('label | figure | …', entities as written).
CREATE FUNCTION pg_temp.lignes(rapport text, section int) RETURNS text[] LANGUAGE sql AS $$
	SELECT array_agg(regexp_replace(regexp_replace(r.m[1], '</td><td[^>]*>', ' | ', 'g'), '<[^>]+>', '', 'g') ORDER BY r.i)
	FROM regexp_matches(split_part(split_part(rapport, '<h2>' || section || '. ', 2), '<h2>', 1), '<tr>(<td.*?)</tr>', 'g') WITH ORDINALITY AS r(m, i)
$$;

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
-- The figures, by hand.  Charged in 2026 in the flux: M1 (Montreuil's lease),
-- M3 (the préfet's, at the orientation), B1 (the pool's lease); M2, Action
-- Logement's, open (mixte: not charged); B2 subtracted, D1 stock, H1 hors
-- champ.  Montreuil's scope, its commune: M1 and M3.  The pool: 3 - 0.15 -
-- 1.05 - 0.2 - 0.75 = 0.85, 28.333333 % of 3.
SELECT is(pg_temp.lignes(:'rapport', 1), ARRAY[
	'Préfet, agents de l&#39;État (agents) | 5 | 3 | 0,15 | 0 | 0,15 | 0 | 0',
	'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie (al) | 35 | 3 | 1,05 | 0 | 1,05 | 1 | 0',
	'Ville de Montreuil (montreuil) | 10 | 2 | 0,2 | 1 | -0,8 | 0 | 0',
	'Préfet, prioritaires (prefet) | 25 | 3 | 0,75 | 1 | -0,25 | 0 | 0',
	'Contingent propre du bailleur | 28,333333 | 3 | 0,85 | 1 | -0,15 | 0 | 0'],
	'section 1: share, flux charged in the scope, entitlement, charged, difference, open, carences of each réservataire and the pool');
-- proposed: M2 (T2 PLAI QPV 1995), M1 (T3 PLUS 1972), M3 (T4 PLS 2010), B1 (T1
-- HLM/O QPV Bobigny 1960); attributed: all but M2
SELECT is(pg_temp.lignes(:'rapport', 2), ARRAY[
	'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie (al) | 1 | 0', 'Ville de Montreuil (montreuil) | 1 | 1',
	'Préfet, prioritaires (prefet) | 1 | 1', 'Contingent propre du bailleur | 1 | 1',
	'T2 | 1 | 0', 'PLAI | 1 | 0', 'en QPV | 1 | 0', '93048 | 1 | 0', '1990-2004 | 1 | 0',
	'T3 | 1 | 1', 'PLUS | 1 | 1', 'hors QPV | 1 | 1', '93048 | 1 | 1', '1949-1974 | 1 | 1',
	'T4 | 1 | 1', 'PLS | 1 | 1', 'hors QPV | 1 | 1', '93048 | 1 | 1', '2005 et plus | 1 | 1',
	'T1 | 1 | 1', 'HLM_O | 1 | 1', 'en QPV | 1 | 1', '93008 | 1 | 1', '1949-1974 | 1 | 1'],
	'section 2: proposed and attributed per réservataire, then by typology, financing, QPV, commune and period');
SELECT is(pg_temp.lignes(:'rapport', 3), ARRAY[
	'Mutations internes | — | 0 | 4', 'Relogements (renouvellement urbain) | — | 0 | —',
	'Relogements (copropriétés dégradées) | — | 0 | —', 'Relogements (lutte contre l&#39;habitat indigne) | — | 0 | —',
	'Relogements liés aux ventes | 2 | 1 | —'],
	'section 3: forecast 2026, actual 2026 (B2, a sale), forecast 2027 per motive');
SELECT ok(:'rapport' LIKE '%<th>Typologie</th>%<th>Financement</th>%<th>Localisation</th>%<th>Commune</th>%<th>Période de construction</th>%',
		  'the R441-5-1 breakdowns');
SELECT ok(:'rapport' LIKE '%Flux prévisionnel 2027 non calculable : no rotation rate for landlord &#39;b93&#39; in département 93 in 2027.%',
		  'a missing rotation rate is shown in the report, not raised');
INSERT INTO rotation VALUES ('b93', '93', 2027, 5.3);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2027, 20);
SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT ok(:'rapport' LIKE '%<caption>Droits prévisionnels 2027 par réservataire</caption>%<td>Contingent propre du bailleur</td>%',
		  'with a rotation rate, the forecast shares of 2027');
-- 2027 by hand: 5 flux dwellings × 5.3 % = 0.265, + 20 - 4 = 16.265; rights 5,
-- 35, 25 % of it; Montreuil 10 % of 16.265 × 3/5 (M1-M3 of the 5) = 0.9759;
-- the pool the rest, 4.71685, 29 %; 16 whole dwellings by largest remainder:
-- floors 0, 5, 0, 4, 4, the 3 left to Montreuil (.9759), agents (.81325), pool (.71685)
SELECT is(pg_temp.lignes(:'rapport', 4), ARRAY[
	'5 | 5,3 | 0,265 | 20 | 4 | 16,265',
	'Préfet, agents de l&#39;État (agents) | 5 | 0,81 | 1',
	'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie (al) | 35 | 5,69 | 5',
	'Ville de Montreuil (montreuil) | 10 | 0,98 | 1',
	'Préfet, prioritaires (prefet) | 25 | 4,07 | 4',
	'Contingent propre du bailleur | 29 | 4,72 | 5'],
	'section 4: the forecast flux of 2027 and each réservataire''s right and whole dwellings');
-- the 6 leases of 2026, all first quartile, only Montreuil's priority: O1 the
-- 5 outside QPV, 5 meet it; O2 B1 in QPV, first quartile: 0 of 1, short by
-- ceil(50 % × 1) = 1; O3 Action Logement none, the Ministry's D1 0 of 1,
-- Montreuil 1 of 1; O4 the pool's B1 and H1 (B2 subtracted): 0 of 2, short by 1
SELECT is(pg_temp.lignes(:'rapport', 5), ARRAY[
	'O1 | Ensemble du patrimoine | 5 | 5 | 100 | 25 | 0',
	'O2 | Ensemble du patrimoine | 1 | 0 | 0 | 50 | 1',
	'O3 | &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cie (al) | 0 | 0 | — | 25 | 0',
	'O3 | Ministère des Armées (defense) | 1 | 0 | 0 | 25 | 1',
	'O3 | Ville de Montreuil (montreuil) | 1 | 1 | 100 | 25 | 0',
	'O4 | Contingent propre du bailleur | 2 | 0 | 0 | 25 | 1'],
	'section 5: objectives O1-O4 with their shortfall');

-- the export of one réservataire
SELECT results_eq(
	$$SELECT e ->> 'format', e #>> '{reservataire,nom}', (e ->> 'annee')::int, jsonb_array_length(e -> 'atteinte'),
			 (e #>> '{atteinte,0,taux}')::numeric, (e #>> '{atteinte,0,droit}')::numeric, (e #>> '{atteinte,0,decomptes}')::int,
			 (e #>> '{atteinte,0,flux_realise}')::int, (e #>> '{atteinte,0,ecart}')::numeric,
			 jsonb_array_length(e -> 'bilan'), (e #>> '{bilan,0,logements_proposes}')::int, (e #>> '{bilan,0,logements_attribues}')::int,
			 (e #>> '{objectifs,0,numerateur}')::int, (e #>> '{objectifs,0,denominateur}')::int, (e #>> '{objectifs,0,manque}')::int,
			 (e #>> '{flux_previsionnel_suivant,0,droit}')::numeric, (e #>> '{flux_previsionnel_suivant,0,droit_entier}')::int
	  FROM flux_mgmt.export_reservataire('b93', 'montreuil', 2026) AS e$$,
	$$VALUES ('flux_mgmt.export_reservataire 1', 'Ville de Montreuil', 2026, 1, 10::numeric, 0.2, 1, 2, -0.8, 1, 1, 1, 1, 1, 0, 0.9759, 1)$$,
	'export_reservataire: Montreuil''s attainment (10 % of 2, 1 charged), its bilan row (M1), its O3 (1 of 1), its right of 2027 (0.9759, 1 dwelling)');
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
