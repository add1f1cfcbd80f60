-- The engine over a generated year: the quota bound holds at every step when
-- every suggestion is followed; indicative objectives bring each
-- réservataire's mix measurably closer to its targets; with a territorial
-- réservataire, the worst deviation per scope is measured.
\i test/setup.sql
BEGIN;
SELECT plan(9);

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES
	('prefet', 'Préfet, prioritaires', 'etat_prioritaires'), ('agents', 'Préfet, agents', 'etat_agents'),
	('al', 'Action Logement', 'action_logement'), ('employeur', 'Employeur Y', 'employeur'),
	('montreuil', 'Ville de Montreuil', 'commune');
INSERT INTO territoire VALUES ('montreuil', '93048');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES
	('b93', 'prefet', '93', 2026, 25), ('b93', 'agents', '93', 2026, 5),
	('b93', 'al', '93', 2026, 35), ('b93', 'employeur', '93', 2026, 10);
-- 300 dwellings in three communes, vacated one by one in the order of their
-- number; about a fifth have four rooms and a third are in a QPV, drawn at
-- random (a fixed seed).  Drawn, not periodic: when every fifth dwelling has
-- four rooms, the greedy preference can fall out of step with Action
-- Logement's turns (measured: 27.6 % of four rooms with its objective, 29.5 %
-- without; README, the orientation engine).
SELECT setseed(0.42);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'L' || n, (ARRAY['93048', '93008', '93066'])[1 + n % 3]::code_insee,
	   (ARRAY[1, 2, 3, 3, 4])[1 + floor(random() * 5)::int], (enum_range(NULL::financement))[1 + n % 7], random() < 1.0 / 3,
	   1960 + n % 60
FROM generate_series(1, 300) AS n;
-- (dates from the dwelling's number, not its id: the ids depend on the tests run before)
INSERT INTO vacance (logement_id, date_liberation) SELECT id, date '2026-01-01' + (substr(ref, 2)::int % 360) FROM logement;
-- Action Logement wants half of its dwellings with four rooms, the employer 80 % outside QPV
INSERT INTO objectif_indicatif SELECT id, 'nb_pieces', '4', 50 FROM convention WHERE reservataire = 'al';
INSERT INTO objectif_indicatif SELECT id, 'qpv', 'false', 80 FROM convention WHERE reservataire = 'employeur';

-- the sequence of in-flux orientations of the year and each holder's worst |t·p - a|
CREATE TEMP VIEW suite AS
SELECT row_number() OVER (ORDER BY o.id) AS t, o.reservataire, l.commune, l.nb_pieces, l.qpv
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
WHERE l.regime = 'flux' AND o.soustraction IS NULL;
CREATE TEMP VIEW pire_ecart AS
SELECT b.reservataire, max(abs(s.t * b.taux / 100 - s.a)) AS pire
FROM (VALUES ('prefet', 25.0), ('agents', 5.0), ('al', 35.0), ('employeur', 10.0), (NULL, 25.0)) AS b(reservataire, taux)
CROSS JOIN LATERAL (SELECT x.t, count(*) FILTER (WHERE x.reservataire IS NOT DISTINCT FROM b.reservataire) OVER (ORDER BY x.t) AS a
					FROM suite x) AS s
GROUP BY b.reservataire;
CREATE TEMP VIEW mix AS
SELECT 100.0 * count(*) FILTER (WHERE reservataire = 'al' AND nb_pieces = 4) / count(*) FILTER (WHERE reservataire = 'al') AS al_t4,
	   100.0 * count(*) FILTER (WHERE reservataire = 'employeur' AND NOT qpv) / count(*) FILTER (WHERE reservataire = 'employeur') AS employeur_hors_qpv
FROM suite;

SAVEPOINT sans_objectifs;
DELETE FROM objectif_indicatif;
SELECT count(*) AS orientes FROM orienter_en_attente('b93', 2026) \gset sans_
SELECT al_t4 AS sans_al_t4, employeur_hors_qpv AS sans_employeur FROM mix \gset
SELECT max(pire) AS sans_pire FROM pire_ecart \gset
ROLLBACK TO SAVEPOINT sans_objectifs;

SELECT is((SELECT count(*) FROM orienter_en_attente('b93', 2026)), 300::bigint, 'the 300 vacancies of the year oriented by the engine');
SELECT is(:sans_orientes::bigint, 300::bigint, 'and without objectives too');
-- The figures of this year (fixed seed), exactly: the bound for 5 holders
-- in one scope is 1 - 1/8 = 0.875; the worst holder is Action Logement at
-- 0.85 with and without objectives.  Its four-room dwellings: 33 of 105
-- with its objective, 24 without; the employer's outside QPV: 24 of 30
-- with, 23 without.  (A worst of 0.9, above the bound, would fail.)
SELECT is((SELECT max(pire) FROM pire_ecart), 0.85, 'with objectives, every holder within 0.875 at every step: worst 0.85');
SELECT is(:sans_pire::numeric, 0.85, 'without objectives: worst 0.85 too');
SELECT results_eq($$SELECT al_t4, employeur_hors_qpv FROM mix$$, $$VALUES (100.0 * 33 / 105, 100.0 * 24 / 30)$$,
				  'with objectives: Action Logement 33 four-room dwellings of 105 (31.4 %, target 50 %), the employer 24 of 30 outside QPV (80 %, target 80 %)');
SELECT is(ARRAY[:sans_al_t4, :sans_employeur]::numeric[], ARRAY[100.0 * 24 / 105, 100.0 * 23 / 30],
		  'without: 24 of 105 (22.9 %) and 23 of 30 (76.7 %): the objectives moved both toward their targets');

-- the same year with a commune's convention in Montreuil: a second scope
ROLLBACK TO SAVEPOINT sans_objectifs;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'montreuil', '93', 2026, 10);
SELECT count(*) AS avec_commune FROM orienter_en_attente('b93', 2026) \gset
CREATE TEMP TABLE ecarts_portees AS
WITH montreuil AS (
	SELECT row_number() OVER (ORDER BY t) AS t, reservataire FROM suite WHERE commune = '93048'
)
SELECT 'montreuil (its territory)' AS portee,
	   max(abs(s.t * 0.10 - s.a)) AS pire
FROM (SELECT t, count(*) FILTER (WHERE reservataire = 'montreuil') OVER (ORDER BY t) AS a FROM montreuil) AS s
UNION ALL
SELECT 'département-wide conventions', max(abs(s.t * b.taux / 100 - s.a))
FROM (VALUES ('prefet', 25.0), ('agents', 5.0), ('al', 35.0), ('employeur', 10.0)) AS b(reservataire, taux)
CROSS JOIN LATERAL (SELECT x.t, count(*) FILTER (WHERE x.reservataire = b.reservataire) OVER (ORDER BY x.t) AS a FROM suite x) AS s
UNION ALL
SELECT 'the pool (the rest of the département)', max(abs(s.t * 0.25 - s.tm * 0.10 - s.a))
FROM (SELECT t, count(*) FILTER (WHERE commune = '93048') OVER w AS tm, count(*) FILTER (WHERE reservataire IS NULL) OVER w AS a
	  FROM suite WINDOW w AS (ORDER BY t)) AS s;
SELECT is(:avec_commune::bigint, 300::bigint, 'with the commune''s convention, 300 oriented');
-- With two scopes Tijdeman's bound is not guaranteed: the département-wide
-- conventions reach 0.9 (Action Logement), above the 0.875 of one scope of 5;
-- Montreuil, 10 of the 100 dwellings of its commune, 0.7 at worst; the pool,
-- entitled to what the others leave (25 % of the département's count minus
-- Montreuil's 10 % of its commune's), 0.65.
SELECT results_eq($$SELECT portee, pire FROM ecarts_portees ORDER BY portee$$,
	$$VALUES ('département-wide conventions', 0.9), ('montreuil (its territory)', 0.7), ('the pool (the rest of the département)', 0.65)$$,
	'with the commune''s convention: worst deviations 0.9, 0.7 and 0.65 in each holder''s own scope');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters followed');

SELECT * FROM finish();
ROLLBACK;
