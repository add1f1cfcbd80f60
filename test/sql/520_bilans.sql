-- The views bilan_annuel (CCH R441-5-1 breakdowns) and bilan_soustractions
-- (forecast and actual subtractions): exact rows on the fixture, totals
-- equal to a count of the events, forecast-only and actual-only rows.
\i test/setup.sql
BEGIN;
SELECT plan(10);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
-- M1 (T3 PLUS 1972, Montreuil) to the commune, let in April; M2 (T2 PLAI
-- QPV 1995) to Action Logement, withdrawn, then to the pool, let in 2027;
-- M3 (T4 PLS 2010) to the préfet, open; B1 (T1 HLM/O QPV 1960) and B2 out
-- of the flux (mutation, sale); D1 and H1 let outside the flux.
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:m3, 'prefet', date_orientation => '2026-03-02') AS o_m3 \gset
SELECT orienter(:b1, NULL, 'mutation_interne', '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, 'vente', '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
SELECT orienter(:h1, NULL, date_orientation => '2026-03-02') AS o_h1 \gset
SELECT cloturer(:o_m2, 'retiree', '2026-03-20');
SELECT orienter(:m2, NULL, date_orientation => '2026-12-01') AS o_m2_pool \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES
	(:o_m1, '2026-03-20', '2026-04-10'), (:o_m2_pool, '2026-12-20', '2027-01-05'), (:o_b1, '2026-03-10', '2026-03-20'),
	(:o_d1, '2026-03-10', '2026-03-20'), (:o_h1, '2026-03-10', '2026-03-20');
UPDATE logement SET nb_pieces = NULL, financement = NULL, annee_construction = NULL WHERE ref = 'M3';

SELECT results_eq(
	$$SELECT annee, reservataire, typologie, financement::text, qpv, commune::text, periode_construction, logements_proposes, logements_attribues
	  FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93'
	  ORDER BY annee, reservataire COLLATE "C" NULLS LAST, commune$$,
	$$VALUES (2026, 'al'::text, 'T2'::text, 'plai'::text, true, '93048'::text, '1990-2004'::text, 1::bigint, 0::bigint),
			 (2026, 'montreuil', 'T3', 'plus', false, '93048', '1949-1974', 1, 1),
			 (2026, 'prefet', NULL, NULL, false, '93048', NULL, 1, 0),
			 (2026, NULL, 'T2', 'plai', true, '93048', '1990-2004', 1, 0),
			 (2027, NULL, 'T2', 'plai', true, '93048', '1990-2004', 0, 1)$$,
	'in-flux dwellings proposed in the year of the orientation (a withdrawn one too), attributed in the year of the lease; unknown typology, financing and period stay null');
-- the totals equal a count of the events
SELECT results_eq(
	$$SELECT sum(logements_proposes)::bigint, sum(logements_attribues)::bigint FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93' AND annee = 2026$$,
	$$SELECT count(*) FILTER (WHERE date_part('year', o.date_orientation) = 2026),
			 count(*) FILTER (WHERE date_part('year', a.date_bail) = 2026)
	  FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id
	  LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
	  WHERE l.bailleur = 'b93' AND l.regime = 'flux' AND o.soustraction IS NULL$$,
	'2026 totals equal the in-flux orientations and leases counted from the events');

-- a larger random year: every breakdown adds up to the events, the buckets
-- written here from R441-5-1 (one to six rooms, built 1930 to 2024: every
-- boundary year), not with the extension's typologie and periode_construction
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || n, (ARRAY['93048', '93008', '93066'])[1 + n % 3]::code_insee, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 3 = 0, 1930 + n % 95
FROM generate_series(1, 300) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-05-01'::date + (id % 90)::integer FROM logement WHERE ref LIKE 'R%';
INSERT INTO orientation (vacance_id, reservataire, soustraction, date_orientation)
SELECT v.id, CASE WHEN n % 10 = 0 THEN NULL WHEN n % 4 = 0 THEN 'al' WHEN n % 4 = 1 THEN 'prefet' WHEN n % 4 = 2 THEN 'agents' END,
	   CASE WHEN n % 10 = 0 THEN 'mutation_interne'::motif_soustraction END, v.date_liberation + 1
FROM vacance v JOIN logement l ON l.id = v.logement_id, LATERAL (SELECT substr(l.ref, 2)::int AS n) AS x
WHERE l.ref LIKE 'R%';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, o.date_orientation + 10, o.date_orientation + 10 + (o.id % 150)::integer
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
WHERE l.ref LIKE 'R%' AND o.id % 3 <> 0;
SELECT results_eq(
	$$SELECT annee, reservataire, typologie, financement, qpv, commune, periode_construction, logements_proposes, logements_attribues
	  FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93'
	  ORDER BY 1, 2, 3, 4, 5, 6, 7$$,
	$$SELECT annee, o.reservataire,
			 CASE WHEN l.nb_pieces >= 5 THEN 'T5+' ELSE 'T' || l.nb_pieces END, l.financement, l.qpv, l.commune,
			 CASE WHEN l.annee_construction < 1949 THEN 'avant 1949' WHEN l.annee_construction < 1975 THEN '1949-1974'
				  WHEN l.annee_construction < 1990 THEN '1975-1989' WHEN l.annee_construction < 2005 THEN '1990-2004'
				  WHEN l.annee_construction IS NOT NULL THEN '2005 et plus' END,
			 count(*) FILTER (WHERE k = 'o'), count(*) FILTER (WHERE k = 'a')
	  FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id
	  LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
	  CROSS JOIN LATERAL (VALUES ('o', date_part('year', o.date_orientation)::int), ('a', date_part('year', a.date_bail)::int)) AS x(k, annee)
	  WHERE l.bailleur = 'b93' AND l.regime = 'flux' AND o.soustraction IS NULL AND x.annee IS NOT NULL
	  GROUP BY 1, 2, 3, 4, 5, 6, 7
	  ORDER BY 1, 2, 3, 4, 5, 6, 7$$,
	'every row of bilan_annuel equals a GROUP BY over the events, over two years');

-- subtractions: forecast, actual, both
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 40), ('b93', '93', 2026, 'renouvellement_urbain', 3),
	('b93', '93', 2027, 'mutation_interne', 35);
SELECT results_eq(
	$$SELECT departement, annee, motif::text, prevu, realise FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93'
	  ORDER BY annee, motif$$,
	$$VALUES ('93'::text, 2026, 'mutation_interne'::text, 40, 31::bigint), ('93', 2026, 'renouvellement_urbain', 3, 0),
			 ('93', 2026, 'vente', NULL, 1), ('93', 2027, 'mutation_interne', 35, 0)$$,
	'forecast and actual side by side; a forecast without subtraction and a subtraction without forecast both appear');
SELECT is((SELECT realise FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93' AND annee = 2026 AND motif = 'mutation_interne'),
		  (SELECT count(*) FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id
		   WHERE l.bailleur = 'b93' AND o.soustraction = 'mutation_interne' AND date_part('year', o.date_orientation) = 2026),
		  'actual subtractions equal a count of the events');
-- every outcome counts: a withdrawn subtraction is still a subtracted vacancy
SELECT cloturer(:o_b2, 'retiree', '2026-03-25');
SELECT is((SELECT realise FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93' AND annee = 2026 AND motif = 'vente'), 1::bigint,
		  'a withdrawn subtracted orientation still counts');
SELECT ok(NOT pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93' AND annee = 2026$$, 'Seq Scan on compteur'),
		  'bilan_soustractions: the filter reaches the counters'' index');
-- another landlord's dwelling, oriented and let in 2026: its own row, none of
-- b93's, and nothing for a landlord that does not exist
INSERT INTO bailleur VALUES ('b_autre', 'Autre bailleur', NULL);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b_autre', 'al', '93', 2026, 35);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction) VALUES ('b_autre', 'X1', '93066', 6, 'pli', false, 1948);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-06-01' FROM logement WHERE ref = 'X1';
SELECT orienter(v.id, 'al', date_orientation => '2026-06-02') AS o_x1 FROM v WHERE v.ref = 'X1' \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_x1, '2026-06-20', '2026-07-01');
SELECT results_eq(
	$$SELECT annee, reservataire, typologie, financement::text, qpv, commune::text, periode_construction, logements_proposes, logements_attribues
	  FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b_autre'$$,
	$$VALUES (2026, 'al'::text, 'T5+'::text, 'pli'::text, false, '93066'::text, 'avant 1949'::text, 1::bigint, 1::bigint)$$,
	'another landlord''s dwelling: its own row');
SELECT results_eq(
	$$SELECT bailleur, sum(logements_proposes)::bigint FROM flux_mgmt.bilan_annuel WHERE bailleur IN ('b93', 'b_autre', 'nobody') AND annee = 2026
	  GROUP BY bailleur ORDER BY bailleur$$,
	$$VALUES ('b93'::text, 274::bigint), ('b_autre', 1)$$,
	'each landlord its own dwellings (b93: 4 of the fixture, 270 drawn), nothing for an unknown landlord');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');

SELECT * FROM finish();
ROLLBACK;
