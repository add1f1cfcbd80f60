-- suggerer(): every path with its exact output (stock, hors champ,
-- territorial, pool, a preference, the most urgent); orienter_suggestion;
-- orienter_en_attente; errors.
\i test/setup.sql
BEGIN;
SELECT plan(13);
\i test/fixtures/evenements.sql
SELECT id AS m1 FROM v WHERE ref = 'M1' \gset
SELECT id AS b1 FROM v WHERE ref = 'B1' \gset
SELECT id AS d1 FROM v WHERE ref = 'D1' \gset
SELECT id AS h1 FROM v WHERE ref = 'H1' \gset

SELECT results_eq(format('SELECT * FROM flux_mgmt.suggerer(%s)', :d1),
	$$VALUES (1, 'defense', NULL::numeric, NULL::numeric,
			  ARRAY['dwelling kept in stock (stock_defense): it goes back to its holder Ministère des Armées at each vacancy, outside the flux'])$$,
	'a stock dwelling: its holder, outside the flux');
SELECT results_eq(format('SELECT * FROM flux_mgmt.suggerer(%s)', :h1),
	$$VALUES (1, NULL::text, NULL::numeric, NULL::numeric,
			  ARRAY['dwelling outside the L441-1 regime: outside the flux, it goes to the landlord''s own pool'])$$,
	'a hors champ dwelling: the pool');

-- the first dwelling of the year in Montreuil: five candidates, the préfet preferred for its floor outside QPV
SELECT results_eq(format('SELECT rang, reservataire, ecart, score, motifs FROM flux_mgmt.suggerer(%s)', :m1),
	$$VALUES
	(1, 'prefet', 0.25, 2.500, ARRAY['Préfet, prioritaires: entitlement 0.250 of the 1 in-flux dwellings of the département this year (25 %), 0 received: ecart 0.250',
		'preferred over Action Logement Services, more urgent, for its objectives: the quota bound of 0.875 still holds (checked over the next 50 dwellings)',
		'préfet outside QPV: 0.0 % of its orientations so far, at least 30 % wanted']),
	(2, 'al', 0.35, 1.500, ARRAY['Action Logement Services: entitlement 0.350 of the 1 in-flux dwellings of the département this year (35 %), 0 received: ecart 0.350',
		'eligible: below its quota by 0.125 or more']),
	(3, NULL, 0.25, 2.500, ARRAY['landlord''s pool: entitlement 0.250 of the 1 in-flux dwellings of the département this year (25 %), 0 received: ecart 0.250',
		'eligible: below its quota by 0.125 or more', 'landlord''s pool: what the département''s flux leaves after every convention''s entitlement']),
	(4, 'montreuil', 0.1, 7.750, ARRAY['Ville de Montreuil: entitlement 0.100 of the 1 in-flux dwellings of its territory this year (10 %), 0 received: ecart 0.100',
		'at or above its quota: ecart below 0.125, not eligible this time', 'territorial réservataire: the dwelling is in its territory']),
	(5, 'agents', 0.05, 16.500, ARRAY['Préfet, agents de l''État: entitlement 0.050 of the 1 in-flux dwellings of the département this year (5 %), 0 received: ecart 0.050',
		'at or above its quota: ecart below 0.125, not eligible this time'])$$,
	'a dwelling in Montreuil: the conventions of the département, the commune''s, the pool; exact ecart, score and reasons');

-- in Bobigny the commune is not a candidate and the pool takes its 10 %
SELECT results_eq(format('SELECT reservataire, ecart FROM flux_mgmt.suggerer(%s) ORDER BY reservataire NULLS LAST', :b1),
	$$VALUES ('agents', 0.05), ('al', 0.35), ('prefet', 0.25), (NULL, 0.35)$$,
	'outside the commune''s territory: the pool''s share is 35 % (the commune has no entitlement yet)');

SELECT is(orienter_suggestion(:m1, '2026-03-02') > 0, true, 'orienter_suggestion records rank 1');
SELECT is((SELECT reservataire FROM orientation WHERE vacance_id = :m1), 'prefet', 'to the préfet');
-- the next one: the préfet has had its due, the most urgent is Action Logement
SELECT results_eq(format('SELECT rang, reservataire, motifs[2] FROM flux_mgmt.suggerer(%s) WHERE rang = 1', :b1),
	$$VALUES (1, 'al', 'most urgent: it falls below its quota within 0.381 more dwellings (Tijdeman''s rule)')$$,
	'the most urgent, by Tijdeman''s rule');

-- the rest of the year in one call, each seeing the ones before
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'N' || n, CASE WHEN n % 2 = 0 THEN '93048' ELSE '93008' END, 1 + n % 5, 'plus', n % 3 = 0, 1980 FROM generate_series(1, 40) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, date '2026-03-01' + substr(ref, 2)::int FROM logement WHERE ref LIKE 'N%';
CREATE TEMP TABLE lot AS SELECT * FROM orienter_en_attente('b93', 2026);
SELECT is((SELECT count(*) FROM lot), 46::bigint, 'orienter_en_attente orients the 46 waiting vacancies (40 new, 6 of the fixture)');
SELECT results_eq($$SELECT coalesce(o.reservataire, 'pool'), count(*)::int FROM orientation o JOIN vacance v ON v.id = o.vacance_id
					JOIN logement l ON l.id = v.logement_id WHERE l.regime = 'flux' GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('agents', 2), ('al', 16), ('montreuil', 2), ('pool', 14), ('prefet', 11)$$,
	'the 45 in-flux dwellings (23 in Montreuil): 5 % → 2.25, 35 % → 15.75, 10 % of 23 → 2.3, the rest 13.45, 25 % → 11.25');
SELECT is((SELECT reservataire FROM lot WHERE vacance_id = :d1), 'defense', 'the stock dwelling went to its holder');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters followed');
SELECT throws_ok($$SELECT * FROM flux_mgmt.suggerer(999999)$$, '23503', 'unknown vacancy 999999', 'an unknown vacancy');
SELECT throws_ok($$SELECT * FROM flux_mgmt.orienter_en_attente('nobody', 2026)$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');

SELECT * FROM finish();
ROLLBACK;
