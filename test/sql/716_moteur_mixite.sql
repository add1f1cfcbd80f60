-- The engine steers within quota for social mix (issue 15; DOMAIN §3.9, §4):
-- a generated year whose vacancies resonate with the quota rule's rotation
-- (l'effet filière at its worst), oriented by the engine with the mix
-- preference off and on: on, no programme is identified with a réservataire
-- and every beneficiary's index of dissimilarity is lower, while the quota
-- bound holds at every step and each beneficiary gets the same number of
-- dwellings; the reasons in suggerer(); the parameters refused out of range.
\i test/setup.sql
BEGIN;
SELECT plan(12);
\i test/fixtures/ids_depuis_1.sql

INSERT INTO bailleur VALUES ('mix', 'Bailleur de la mixité', NULL);
INSERT INTO reservataire VALUES ('prefet', 'Préfet, prioritaires', 'etat_prioritaires'),
	('al', 'Action Logement Services', 'action_logement'), ('employeur', 'Employeur du Val-de-Marne', 'employeur');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('mix', 'prefet', '94', 2026, NULL, 20, 'orientation'), ('mix', 'al', '94', 2026, NULL, 40, 'orientation'),
	('mix', 'employeur', '94', 2026, NULL, 10, 'orientation');
-- three programmes of 60 dwellings in Créteil, P1 and P2 in segment S1, P3 in S2
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, programme, segment_patrimoine, libelle_segment)
SELECT 'mix', format('P%s-%s', p, n), '94028', 3, 'plus', false, 1980, 'P' || p, CASE WHEN p < 3 THEN 'S1' ELSE 'S2' END,
	   CASE WHEN p < 3 THEN 'Collectif' ELSE 'Individuel' END
FROM generate_series(1, 3) AS p, generate_series(1, 60) AS n;
-- 120 vacancies, one a day from 2 January, in programmes P1 P2 P1 P3 P1 over and over
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, make_date(2026, 1, 2) + k
FROM generate_series(0, 119) AS k
JOIN logement l ON l.ref = format('P%s-%s', ('{1,2,1,3,1}'::int[])[1 + k % 5], 1 + k / 5);

-- the year oriented by the engine (orienter_en_attente) with a weight, and what it gives
CREATE TEMP TABLE annee (poids numeric, identifies text[], indices jsonb, ecart_max numeric, recus jsonb);
CREATE FUNCTION pg_temp.orienter_annee(w numeric) RETURNS void LANGUAGE plpgsql AS $f$
BEGIN
	DELETE FROM flux_mgmt.orientation;
	DELETE FROM flux_mgmt.parametre_orientation WHERE cle = 'mixite_poids';
	INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite_poids', w);
	PERFORM count(*) FROM flux_mgmt.orienter_en_attente('mix', 2026);
	INSERT INTO annee
	SELECT w,
		   ARRAY(SELECT i.programme || ' ' || i.reservataire FROM flux_mgmt.identification_programmes('mix', 2026) AS i
				 WHERE i.annee_debut = 2026 AND i.identifie ORDER BY 1),
		   (SELECT jsonb_object_agg(x.echelle || ' ' || coalesce(x.reservataire, 'pool'), x.indice)
			FROM flux_mgmt.indices_dissimilarite('mix', 2026) AS x WHERE x.annee_debut = 2026 AND x.population = 'orientations'),
		   -- the largest |t·p − a| over every beneficiary after every one of the 120 orientations
		   (SELECT max(abs(s.t * c.taux / 100 - s.a))
			FROM flux_mgmt.candidats('mix', '94028', 2026, 3::smallint, 'plus', false) AS c
			CROSS JOIN LATERAL (
				SELECT row_number() OVER w AS t, count(*) FILTER (WHERE o.reservataire IS NOT DISTINCT FROM c.reservataire) OVER w AS a
				FROM flux_mgmt.orientation o WINDOW w AS (ORDER BY o.date_orientation, o.id)) AS s),
		   (SELECT jsonb_object_agg(coalesce(o.reservataire, 'pool'), o.n)
			FROM (SELECT o.reservataire, count(*) AS n FROM flux_mgmt.orientation o GROUP BY 1) AS o);
END
$f$;
SELECT pg_temp.orienter_annee(0);
SELECT pg_temp.orienter_annee(50);

SELECT is((SELECT identifies FROM annee WHERE poids = 0), '{"P2 employeur"}',
		  'preference off: P2 is identified with the employer (half of its dwellings for a 10 % share)');
SELECT is((SELECT identifies FROM annee WHERE poids = 50), '{}', 'preference on: no programme identified');
SELECT results_eq(
	$$SELECT k, (a.indices ->> k)::numeric, (b.indices ->> k)::numeric
	  FROM annee a, annee b, jsonb_object_keys(a.indices) AS k WHERE a.poids = 0 AND b.poids = 50 ORDER BY k$$,
	$$VALUES ('programme al'::text, 0.2986, 0.0208), ('programme employeur', 0.8889, 0.0556), ('programme pool', 0.3413, 0.0159),
			 ('programme prefet', 0.5000, 0.0625), ('segment al', 0.0833, 0.0208), ('segment employeur', 0.2222, 0.0370),
			 ('segment pool', 0.1905, 0.0079), ('segment prefet', 0.2500, 0.0625)$$,
	'the index of dissimilarity of each beneficiary''s orientations, off then on, over the programmes and over the segments (unions of programmes: spread over the first, spread over the second)');
SELECT ok((SELECT bool_and((b.indices ->> k)::numeric < (a.indices ->> k)::numeric)
		   FROM annee a, annee b, jsonb_object_keys(a.indices) AS k WHERE a.poids = 0 AND b.poids = 50),
		  'every beneficiary''s index is lower with the preference on');
SELECT results_eq($$SELECT poids, ecart_max FROM annee ORDER BY poids$$, $$VALUES (0::numeric, 0.8::numeric), (50, 0.8)$$,
				  'the largest gap to the quota over the 120 steps, off then on: within the bound 1 − 1/(2·4 − 2) = 0.833 either way');
SELECT is((SELECT recus FROM annee WHERE poids = 50), (SELECT recus FROM annee WHERE poids = 0),
		  'each beneficiary gets the same dwellings either way: its exact share of 120');

-- the reasons: a dwelling of P2 freed on 2 June, after the year above (preference on)
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-06-02' FROM logement WHERE ref = 'P2-60';
SELECT results_eq(
	$$SELECT s.rang, coalesce(s.reservataire, 'pool'), m FROM flux_mgmt.suggerer(currval(pg_get_serial_sequence('flux_mgmt.vacance', 'id'))) AS s,
			 unnest(s.motifs) AS m WHERE m LIKE 'social mix%' ORDER BY 1$$,
	$$VALUES (1, 'prefet'::text, 'social mix: already received 1 of the last 10 dwellings oriented in programme P2, for a 20 % share: preference +5 points (weight 50 %)'::text),
			 (2, 'al', 'social mix: already received 5 of the last 10 dwellings oriented in programme P2, for a 40 % share: preference -5 points (weight 50 %)'),
			 (3, 'pool', 'social mix: already received 3 of the last 10 dwellings oriented in programme P2, for a 30 % share: preference 0 points (weight 50 %)'),
			 (4, 'employeur', 'social mix: already received 1 of the last 10 dwellings oriented in programme P2, for a 10 % share: preference 0 points (weight 50 %)')$$,
	'suggerer says what the programme''s last dwellings went to: the préfet, behind there, gets (20 − 10) × 50 % = +5 points and rank 1');
INSERT INTO parametre_orientation VALUES ('mixite_fenetre', 3);
SELECT is((SELECT m FROM flux_mgmt.suggerer(currval(pg_get_serial_sequence('flux_mgmt.vacance', 'id'))) AS s, unnest(s.motifs) AS m
		   WHERE m LIKE 'social mix%' AND s.reservataire = 'prefet'),
		  'social mix: received none of the last 3 dwellings oriented in programme P2, for a 20 % share: preference +10 points (weight 50 %)',
		  'with mixite_fenetre 3, the last three dwellings only');

SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite_fenetre', 2.5)$$, '23514', NULL,
				 'a window of 2.5 dwellings is refused');
SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite_fenetre', 0)$$, '23514', NULL,
				 'an empty window is refused');
SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite_poids', 150)$$, '23514', NULL,
				 'a weight above 100 % is refused');
SELECT throws_ok($$INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite', 10)$$, '23514', NULL, 'an unknown parameter is refused');

SELECT * FROM finish();
ROLLBACK;
