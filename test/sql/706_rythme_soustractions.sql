-- Subtraction budgets in the suggestions (issue 16, item 6; DOMAIN §3.2): a
-- forecast of 12 internal mutations, 3 done by July: suggerer's rank 1 says
-- so, as advice, and the ranking is the same without the forecast; on pace,
-- or early in the year, no advice; the threshold is a parameter; the pace
-- month by month (bilan_soustractions_mois).
\i test/setup.sql
BEGIN;
SELECT plan(15);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 12), ('b93', '93', 2026, 'vente', 1);
-- six dwellings in Bobigny freed in February, three kept for internal mutations
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'S' || n, '93008', 2, 'plus', false, 1985 FROM generate_series(1, 6) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-02-01' FROM logement WHERE ref LIKE 'S%';
SELECT count(orienter(v.id, NULL, 'mutation_interne', ('2026-02-0' || substr(v.ref, 2))::date + (substr(v.ref, 2)::int - 1) * 30)) AS orientees
FROM (SELECT * FROM v WHERE ref IN ('S1', 'S2', 'S3') ORDER BY ref) AS v;
-- a dwelling of Montreuil freed on 1 July
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
VALUES ('b93', 'J1', '93048', 3, 'plus', false, 1980);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-07-01' FROM logement WHERE ref = 'J1' RETURNING id AS j1 \gset

SELECT is(avis_soustractions(:j1),
		  ARRAY['advice, outside the quota: mutation_interne behind forecast, 3 of 12 done by 2026-07-01 where 6 were expected at this point of the year; if a household waits for it, keep this dwelling out of the flux (orienter with soustraction => ''mutation_interne'')'],
		  '3 of 12 internal mutations by 1 July (12 × 182 / 365 = 6.0 expected): advice; the sale, 0 of 1 (0.5 expected), on pace');
SELECT ok((SELECT avis_soustractions(:j1) <@ motifs FROM suggerer(:j1) WHERE rang = 1), 'suggerer''s rank 1 gives it');
SELECT is((SELECT count(*) FROM suggerer(:j1) AS s, unnest(s.motifs) AS m WHERE m LIKE 'advice%'), 1::bigint, 'and only rank 1');
CREATE TEMP TABLE avec AS SELECT rang, reservataire, ecart, score FROM suggerer(:j1);
DELETE FROM soustraction_prevue WHERE bailleur = 'b93';
SELECT is(avis_soustractions(:j1), '{}'::text[], 'without a forecast, no advice');
SELECT results_eq('SELECT rang, reservataire, ecart, score FROM suggerer(' || :j1 || ') ORDER BY rang', 'SELECT * FROM avec ORDER BY rang',
				  'the ranking, the deviations and the scores are the same with and without the forecast');
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 12), ('b93', '93', 2026, 'vente', 1);

-- early in the year nothing is behind: the vacancy of 1 March (M1), 2.0 expected, 1 done by then
SELECT is(avis_soustractions(:m1), '{}'::text[], 'on 1 March, 1 done (S1; S2 and S3 came later) of 2.0 expected: less than one behind');
-- on pace: two more mutations, 5 done of 6.0 expected, less than one behind
SELECT count(orienter(v.id, NULL, 'mutation_interne', '2026-06-15')) AS orientees FROM (SELECT * FROM v WHERE ref IN ('S4', 'S5') ORDER BY ref) AS v;
SELECT is(avis_soustractions(:j1), '{}'::text[], '5 of 6.0 expected: less than one dwelling behind, no advice');
-- the threshold is a parameter
INSERT INTO parametre_orientation VALUES ('retard_soustraction', 0.5);
SELECT is(cardinality(avis_soustractions(:j1)), 1, 'with retard_soustraction 0.5, one dwelling short of 6.0 is advised');
-- what is done after the day, or withdrawn, does not count
SELECT orienter(v.id, NULL, 'mutation_interne', '2026-11-20') AS o_s6 FROM v WHERE ref = 'S6' \gset
SELECT is(cardinality(avis_soustractions(:j1)), 1, 'a mutation of 20 November is not done by 1 July');
SELECT cloturer(o.id, 'retiree', '2026-07-01') FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'S5';
UPDATE parametre_orientation SET valeur = 1.5 WHERE cle = 'retard_soustraction';
SELECT ok((avis_soustractions(:j1))[1] LIKE '%4 of 12 done by 2026-07-01%', 'a withdrawn one does not count: 4 done (threshold 1.5)');
SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('retard', 2)$$, '23514', NULL, 'an unknown parameter');
-- a stock dwelling is never advised
SELECT is(avis_soustractions(:d1), '{}'::text[], 'a stock dwelling: no advice');

-- the pace month by month
SELECT results_eq(
	$$SELECT mois, prevu, prevu_cumule, realise_mois, realise_cumule FROM bilan_soustractions_mois
	  WHERE bailleur = 'b93' AND annee = 2026 AND motif = 'mutation_interne' AND mois IN (1, 2, 3, 4, 6, 7, 12) ORDER BY mois$$,
	$$VALUES (1, 12, 1.00, 0::bigint, 0::bigint), (2, 12, 2.00, 1, 1), (3, 12, 3.00, 1, 2), (4, 12, 4.00, 1, 3),
			 (6, 12, 6.00, 2, 5), (7, 12, 7.00, 0, 5), (12, 12, 12.00, 0, 6)$$,
	'internal mutations: the forecast''s pace, the subtractions of the month and since 1 January (every outcome, the withdrawn S5 and November''s S6 too)');
SELECT is((SELECT realise_cumule FROM bilan_soustractions_mois WHERE bailleur = 'b93' AND annee = 2026 AND motif = 'mutation_interne' AND mois = 12),
		  (SELECT realise FROM bilan_soustractions WHERE bailleur = 'b93' AND annee = 2026 AND motif = 'mutation_interne'),
		  'December''s total is the year''s of bilan_soustractions');
SELECT results_eq($$SELECT count(*), count(DISTINCT motif) FROM bilan_soustractions_mois WHERE bailleur = 'b93' AND annee = 2026$$,
				  $$VALUES (24::bigint, 2::bigint)$$, 'twelve months for each motif forecast or done');

SELECT * FROM finish();
ROLLBACK;
