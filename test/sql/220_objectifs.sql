-- The counters of the allocation objectives (DOMAIN §3.7, §5 example C),
-- recorded with multi-row statements.
\i test/setup.sql
BEGIN;
SELECT plan(9);

\i test/fixtures/exemple_c.sql
-- outside QPV: 40 first-quartile households and 4 rehoused by urban renewal (44);
-- inside QPV: 44 first-quartile, 36 of the other quartiles;
-- of the commune's 12, one DALO and one priority household
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, relogement_renouvellement, dalo, prioritaire)
SELECT o.id, '2026-03-01', '2026-03-15',
	   (n BETWEEN 13 AND 52) OR n > 236, n BETWEEN 53 AND 56, n = 1, n = 2
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id,
	 LATERAL (SELECT substr(l.ref, 2)::int AS n) AS x;

SELECT is((SELECT count(*) FROM orientation WHERE issue = 'attribuee'), 280::bigint, 'every orientation is attributed');
SELECT results_eq($$SELECT sum(baux)::int, sum(hors_qpv)::int, sum(q1_hors_qpv)::int, (sum(baux) - sum(hors_qpv))::int, sum(q234_en_qpv)::int
					FROM compteur WHERE bailleur = 'b93' AND annee = 2026$$,
	$$VALUES (280, 200, 44, 80, 36)$$, 'O1 200 / 44 and O2 80 / 36 in the counters');
SELECT is((SELECT ceil(0.25 * sum(hors_qpv)) - sum(q1_hors_qpv) FROM compteur WHERE bailleur = 'b93'), 6::numeric,
		  'O1: 22 % < 25 %, short by 6');
SELECT is((SELECT ceil(0.50 * (sum(baux) - sum(hors_qpv))) - sum(q234_en_qpv) FROM compteur WHERE bailleur = 'b93'), 4::numeric,
		  'O2: 45 % < 50 %, short by 4');
SELECT results_eq($$SELECT sum(baux)::int, sum(prioritaires)::int FROM compteur WHERE reservataire = 'montreuil'$$,
	$$VALUES (12, 2)$$, 'O3: the commune, 12 attributions, 2 DALO or priority');
SELECT is((SELECT ceil(0.25 * sum(baux)) - sum(prioritaires) FROM compteur WHERE reservataire = 'montreuil'), 1::numeric,
		  'O3: 16.7 % < 25 %, short by 1');
SELECT results_eq($$SELECT coalesce(reservataire, 'pool'), sum(decomptes)::int FROM compteur GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('al', 100), ('montreuil', 12), ('pool', 168)$$, 'every vacancy charged once, at its lease (mixte)');
SELECT is((SELECT sum(proposes)::int || '/' || sum(attribues)::int FROM compteur_bilan), '280/280', 'the report counters');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');

SELECT * FROM finish();
ROLLBACK;
