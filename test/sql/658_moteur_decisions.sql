-- Issue 17, untested: decider's decision record (a flux dwelling, a stock
-- one, a hors champ one), candidats exactly (counts in each scope and
-- preferences), the effect of parametre_orientation on suggerer's ranking,
-- suggerer on a vacancy already oriented, on one already charged (a carence:
-- the pool, counted for no one), and the error paths of
-- orienter_suggestion, orienter_en_attente, suggerer and decider.
\i test/setup.sql
BEGIN;
SELECT plan(36);
\i test/fixtures/diagnostics.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

-- decider on the first dwellings of the year
SELECT results_eq(format('SELECT (d).regime, (d).titulaire, (d).nom_titulaire, (d).candidats IS NULL, (d).choix IS NULL
						  FROM flux_mgmt.decider(%s) AS d', :d1),
	$$VALUES ('stock_defense'::flux_mgmt.regime, 'defense'::text, 'Ministère des Armées'::text, true, true)$$,
	'a stock dwelling: its regime and holder, no candidate, no choice');
SELECT results_eq(format('SELECT (d).regime, (d).titulaire, (d).nom_titulaire, (d).candidats IS NULL, (d).choix IS NULL
						  FROM flux_mgmt.decider(%s) AS d', :h1),
	$$VALUES ('hors_champ'::flux_mgmt.regime, NULL::text, NULL::text, true, true)$$,
	'a hors champ dwelling: its regime only');
SELECT results_eq(format('SELECT (d).regime, (d).titulaire, (d).nom_titulaire, (d).choix::text FROM flux_mgmt.decider(%s) AS d', :m1),
	$$VALUES ('flux'::flux_mgmt.regime, NULL::text, NULL::text, '("{4,2,5,3,1}",2,50)'::text)$$,
	'a flux dwelling in Montreuil: the kernel ranks candidates 4, 2, 5, 3, 1; the rule''s choice is 2 (al); the préfet (4) preferred after 50 simulated steps');
SELECT results_eq(format('SELECT x.* FROM flux_mgmt.decider(%s) AS d, unnest((d).candidats) WITH ORDINALITY AS x ORDER BY x.ordinality', :m1),
	$$VALUES ('agents'::text, 'Préfet, agents de l''État'::text, false, 5::numeric, 1::bigint, 0::bigint, 0::numeric, '{}'::text[], 'directe'::mode_gestion, 1::bigint),
			 ('al', 'Action Logement Services', false, 35, 1, 0, 0, '{}', 'directe', 2),
			 ('montreuil', 'Ville de Montreuil', true, 10, 1, 0, 0, '{}', 'directe', 3),
			 ('prefet', 'Préfet, prioritaires', false, 25, 1, 0, 30,
			  '{"préfet outside QPV: 0.0 % of its orientations so far, at least 30 % wanted"}', 'directe', 4),
			 (NULL, 'landlord''s pool', false, 25, 1, 0, 0, '{}', NULL, 5)$$,
	'its candidates, in code order, the pool last: each share, t = 1 (this dwelling), a = 0, the préfet''s floor outside QPV');
SELECT is((SELECT reservataire FROM flux_mgmt.suggerer(:m1) WHERE rang = 1), 'prefet',
		  'suggerer''s rank 1 is the kernel''s first');

-- parametre_orientation: the préfet's floor outside QPV moves the ranking
-- of the same dwelling (M1, outside QPV, first of the year)
SELECT results_eq(format('SELECT rang, reservataire, motifs[2] FROM flux_mgmt.suggerer(%s) ORDER BY rang', :m1),
	$$VALUES (1, 'prefet'::text, 'preferred over Action Logement Services, more urgent, for its objectives: the quota bound of 0.875 still holds (checked over the next 50 dwellings)'::text),
			 (2, 'al', 'eligible: below its quota by 0.125 or more'), (3, NULL, 'eligible: below its quota by 0.125 or more'),
			 (4, 'montreuil', 'at or above its quota: ecart below 0.125, not eligible this time'),
			 (5, 'agents', 'at or above its quota: ecart below 0.125, not eligible this time')$$,
	'by default (30 %): the préfet, preferred over Action Logement for its floor outside QPV');
INSERT INTO parametre_orientation VALUES ('plancher_prefet_hors_qpv', 0);
SELECT results_eq(format('SELECT rang, reservataire, motifs[2] FROM flux_mgmt.suggerer(%s) ORDER BY rang', :m1),
	$$VALUES (1, 'al'::text, 'most urgent: it falls below its quota within 1.500 more dwellings (Tijdeman''s rule)'::text),
			 (2, 'prefet', 'eligible: below its quota by 0.125 or more'), (3, NULL, 'eligible: below its quota by 0.125 or more'),
			 (4, 'montreuil', 'at or above its quota: ecart below 0.125, not eligible this time'),
			 (5, 'agents', 'at or above its quota: ecart below 0.125, not eligible this time')$$,
	'with a floor of 0 %: no preference, Action Logement by Tijdeman''s rule, the préfet second');
SELECT results_eq(format('SELECT preference, motifs_preference FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = %L', :m1, 'prefet'),
	$$VALUES (0::numeric, '{"préfet outside QPV: 0.0 % of its orientations so far, at least 0 % wanted"}'::text[])$$,
	'the préfet''s preference is 0 points, and its reason says the floor');
UPDATE parametre_orientation SET valeur = 100 WHERE cle = 'plancher_prefet_hors_qpv';
SELECT results_eq(format('SELECT rang, reservataire FROM flux_mgmt.suggerer(%s) ORDER BY rang', :m1),
	$$VALUES (1, 'prefet'::text), (2, 'al'), (3, NULL), (4, 'montreuil'), (5, 'agents')$$,
	'with 100 %: the préfet again');
SELECT results_eq(format('SELECT preference FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = %L', :m2, 'prefet'),
	$$VALUES (-100::numeric)$$, 'and for a dwelling in a QPV, 100 points against it');
DELETE FROM parametre_orientation;

-- candidats after four orientations of 2026 (M2 to Action Logement, B1 to
-- the préfet, B2 to the pool, M3 to Montreuil) and two indicative objectives
-- of Action Logement (3 rooms: 50 %, outside QPV: 80 %)
INSERT INTO objectif_indicatif SELECT id, 'nb_pieces', '3', 50 FROM convention WHERE reservataire = 'al';
INSERT INTO objectif_indicatif SELECT id, 'qpv', 'false', 80 FROM convention WHERE reservataire = 'al';
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:b1, 'prefet', date_orientation => '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, date_orientation => '2026-03-02') AS o_b2 \gset
SELECT orienter(:m3, 'montreuil', date_orientation => '2026-03-02') AS o_m3 \gset
SELECT results_eq($$SELECT * FROM flux_mgmt.candidats('b93', '93048', 2026, 3::smallint, 'plus', false)$$,
	$$VALUES ('agents'::text, 'Préfet, agents de l''État'::text, false, 5::numeric, 5::bigint, 0::bigint, 0::numeric, '{}'::text[], 'directe'::mode_gestion),
			 ('al', 'Action Logement Services', false, 35, 5, 1, 130,
			  '{"objective nb_pieces = 3: 50 % wanted, 0.0 % so far","objective qpv = false: 80 % wanted, 0.0 % so far"}', 'directe'),
			 ('montreuil', 'Ville de Montreuil', true, 10, 3, 1, 0, '{}', 'directe'),
			 ('prefet', 'Préfet, prioritaires', false, 25, 5, 1, 30,
			  '{"préfet outside QPV: 0.0 % of its orientations so far, at least 30 % wanted"}', 'directe'),
			 (NULL, 'landlord''s pool', false, 29, 5, 1, 0, '{}', NULL)$$,
	'a 3-room dwelling outside QPV in Montreuil: t = 4 in the département + 1, 2 + 1 in the commune; both of Action Logement''s objectives met (50 + 80 points); the pool 29 % (5 − 3.55 entitled to the others)');
SELECT results_eq($$SELECT * FROM flux_mgmt.candidats('b93', '93008', 2026, 5::smallint, 'plus', true)$$,
	$$VALUES ('agents'::text, 'Préfet, agents de l''État'::text, false, 5::numeric, 5::bigint, 0::bigint, 0::numeric, '{}'::text[], 'directe'::mode_gestion),
			 ('al', 'Action Logement Services', false, 35, 5, 1, 0, '{}', 'directe'),
			 ('prefet', 'Préfet, prioritaires', false, 25, 5, 1, -30,
			  '{"préfet outside QPV: 0.0 % of its orientations so far, at least 30 % wanted"}', 'directe'),
			 (NULL, 'landlord''s pool', false, 31, 5, 1, 0, '{}', NULL)$$,
	'a 5-room dwelling in a QPV in Bobigny: no commune candidate, no objective met, the préfet''s floor counts against it (−30)');
SELECT results_eq($$SELECT reservataire, taux, t, a FROM flux_mgmt.candidats('b93', '93048', 2024, 3::smallint, 'plus', false)
					UNION ALL SELECT reservataire, taux, t, a FROM flux_mgmt.candidats('b93', '75056', 2026, 3::smallint, 'plus', false)$$,
	$$VALUES (NULL::text, 100::numeric, 1::bigint, 0::bigint), (NULL, 100, 1, 0)$$,
	'no convention in force (2024, or Paris): the pool alone, at 100 %');
SELECT results_eq(format('SELECT rang, reservataire, ecart, score FROM flux_mgmt.suggerer(%s) ORDER BY rang', :m1),
	$$VALUES (1, 'al'::text, 0.75::numeric, 0.357::numeric), (2, NULL, 0.45, 1.466), (3, 'prefet', 0.25, 2.500),
			 (4, 'agents', 0.25, 12.500), (5, 'montreuil', -0.7, 15.750)$$,
	'suggerer from those candidates: Action Logement, most urgent (and preferred)');

-- suggerer on a vacancy already oriented: no error.  It suggests again as
-- for a new dwelling, and the vacancy counts twice: once for its own open
-- orientation, once as "the dwelling being oriented" (documented as found;
-- issue 17 report).  M3 is Montreuil's: Montreuil counts a = 1 for it, t = 3.
SELECT results_eq(format('SELECT reservataire, ecart FROM flux_mgmt.suggerer(%s) ORDER BY reservataire NULLS LAST', :m3),
	$$VALUES ('agents'::text, 0.25::numeric), ('al', 0.75), ('montreuil', -0.7), ('prefet', 0.25), (NULL, 0.45)$$,
	'a vacancy oriented already gets suggestions; its own orientation counts in t and a as well');
SELECT results_eq(format('SELECT x.t, x.a FROM unnest((flux_mgmt.decider(%s)).candidats) AS x WHERE x.reservataire = %L', :m3, 'montreuil'),
	$$VALUES (3::bigint, 1::bigint)$$, 'Montreuil: t = 3 for 2 dwellings of the commune, M3 among them');

-- error paths
SELECT throws_ok(format('SELECT flux_mgmt.orienter_suggestion(%s, %L)', :m3, '2026-03-03'), '23505',
				 format('vacancy %s already has an open orientation', :m3), 'orienter_suggestion on an oriented vacancy');
SELECT throws_ok('SELECT flux_mgmt.orienter_suggestion(999999)', '23503', 'unknown vacancy 999999', 'orienter_suggestion: an unknown vacancy');
SELECT throws_ok(format('SELECT flux_mgmt.orienter_suggestion(%s, %L)', :m1, '2026-02-28'), '23514',
				 format('orientation of vacancy %s on 2026-02-28, before the dwelling ''M1'' became available on 2026-03-01', :m1),
				 'orienter_suggestion dated before the vacancy');
SELECT throws_ok(format('SELECT flux_mgmt.orienter_suggestion(%s, NULL)', :m1), '23502', NULL,
				 'orienter_suggestion without a date: the column''s NOT NULL (23502)');
-- the engine reads the conventions of the vacancy's year, the rule those of
-- the orientation's year: a vacancy of 30 December whose suggestion's
-- convention ends that year cannot be oriented by it in January
INSERT INTO bailleur VALUES ('b_fin', 'Bailleur à convention finissante', NULL);
INSERT INTO reservataire VALUES ('cd93', 'Département de la Seine-Saint-Denis', 'departement');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES ('b_fin', 'cd93', '93', 2026, 2026, 60);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) VALUES ('b_fin', 'X1', '93066', 3, false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-12-30' FROM logement WHERE ref = 'X1' RETURNING id AS x1 \gset
SELECT is((SELECT reservataire FROM flux_mgmt.suggerer(:x1) WHERE rang = 1), 'cd93', 'rank 1 by the conventions of 2026');
SELECT throws_ok(format('SELECT flux_mgmt.orienter_suggestion(%s, %L)', :x1, '2027-01-04'), '23514',
				 'no convention of landlord ''b_fin'' with ''cd93'' in département 93 is in force in 2027',
				 'recorded in 2027, the same suggestion is refused: orient it within its year, or choose again');
SELECT throws_ok('SELECT * FROM flux_mgmt.orienter_en_attente(NULL, 2026)', '23503', 'unknown landlord NULL',
				 'orienter_en_attente: a null landlord');
SELECT is_empty($$SELECT * FROM flux_mgmt.orienter_en_attente('b93', NULL)$$, 'orienter_en_attente: a null year orients nothing');
-- no range check on the year (unlike the yearly readers, 22023): PostgreSQL's
-- own date error (documented as found)
SELECT throws_ok($$SELECT * FROM flux_mgmt.orienter_en_attente('b93', 0)$$, '22008', 'date field value out of range: 0-01-01',
				 'orienter_en_attente: year 0 is PostgreSQL''s date error');
-- a null vacancy is an unknown one, named by nothing (documented as found)
SELECT is(pg_temp.erreur('SELECT * FROM flux_mgmt.suggerer(NULL)'), '23503 unknown vacancy ', 'suggerer(NULL): 23503, no id in the message');
SELECT is(pg_temp.erreur('SELECT flux_mgmt.decider(NULL)'), '23503 unknown vacancy ', 'decider(NULL) likewise');

-- a vacancy already charged by a closed orientation came back to the
-- landlord: the engine gives it to the pool, and it counts for no one again
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
VALUES ('b93', 'C1', '93008', 2, 'plus', false, 1985), ('b93', 'C2', '93008', 2, 'plus', false, 1985),
	   ('b93', 'C3', '93008', 2, 'plus', false, 1985);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-05-01' FROM logement WHERE ref IN ('C1', 'C2', 'C3');
SELECT v.id AS c1 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'C1' \gset
SELECT v.id AS c2 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'C2' \gset
SELECT v.id AS c3 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'C3' \gset
-- C1: Action Logement (mixte) lets the delay pass, charged at the carence;
-- C2: the State agents (bail) likewise, not charged; C3: the préfet
-- (orientation mode, charged when oriented), an échec
SELECT cloturer(orienter(:c1, 'al', NULL, '2026-05-02'), 'carence', '2026-06-02');
SELECT cloturer(orienter(:c2, 'agents', NULL, '2026-05-02'), 'carence', '2026-06-02');
SELECT cloturer(orienter(:c3, 'prefet', NULL, '2026-05-02'), 'echec', '2026-06-02');
SELECT results_eq(format($$SELECT (d).decompte, (d).candidats IS NULL, (d).choix IS NULL FROM flux_mgmt.decider(%s) AS d$$, :c1),
	$$VALUES ('already charged to Action Logement Services on 2026-06-02 (mode mixte, carence on 2026-06-02): the dwelling came back to the landlord, who lets it from its pool; it counts for no one again'::text, true, true)$$,
	'a carence charged in mixte: decider gives the charge, no candidate');
SELECT results_eq(format('SELECT rang, reservataire, ecart, score, motifs FROM flux_mgmt.suggerer(%s)', :c1),
	$$VALUES (1, NULL::text, NULL::numeric, NULL::numeric,
			  '{"already charged to Action Logement Services on 2026-06-02 (mode mixte, carence on 2026-06-02): the dwelling came back to the landlord, who lets it from its pool; it counts for no one again"}'::text[])$$,
	'suggerer: the pool alone, saying why');
SELECT results_eq(format($$SELECT (d).decompte, (d).candidats IS NULL FROM flux_mgmt.decider(%s) AS d$$, :c3),
	$$VALUES ('already charged to Préfet, prioritaires on 2026-05-02 (mode orientation, echec on 2026-06-02): the dwelling came back to the landlord, who lets it from its pool; it counts for no one again'::text, true)$$,
	'the préfet''s échec in orientation mode: charged when oriented, the same');
SELECT results_eq(format($$SELECT (d).decompte, (d).candidats IS NULL FROM flux_mgmt.decider(%s) AS d$$, :c2),
	$$VALUES (NULL::text, false)$$, 'the agents'' carence in bail mode charged nothing: the engine chooses again among the candidates');
SELECT results_eq($$SELECT o.vacance_id, o.reservataire FROM flux_mgmt.orienter_en_attente('b93', 2026) AS o
					WHERE o.vacance_id IN ($$ || :c1 || ', ' || :c3 || $$) ORDER BY 1$$,
	format('VALUES (%s::bigint, NULL::text), (%s, NULL)', :c1, :c3),
	'orienter_en_attente orients both charged vacancies to the pool');
SELECT results_eq(format($$SELECT vacance_id, reservataire, issue::text, imputee FROM flux_mgmt.orientation_decompte
						   WHERE vacance_id IN (%s, %s) ORDER BY vacance_id, id$$, :c1, :c3),
	format($$VALUES (%s::bigint, 'al'::text, 'carence'::text, true), (%1$s, NULL, 'en_cours', false),
					(%s, 'prefet', 'echec', true), (%2$s, NULL, 'en_cours', false)$$, :c1, :c3),
	'and the engine still counts them for Action Logement and the préfet, once, not for the pool');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree after all of it');
\i test/oracle/recompte.sql
SELECT is_empty('SELECT * FROM oracle_ecarts', 'with the independent recount too');

-- orientations made by hand can leave a holder past the bound: the reason
-- says how far, not a negative number of dwellings
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'P' || n, '93048', 3, 'plus', false, 1980 FROM generate_series(1, 9) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2027-04-01' FROM logement WHERE ref LIKE 'P%';
SELECT count(orienter(x.id, NULL, NULL, '2027-04-02')) AS au_contingent_propre
FROM (SELECT va.id FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE l.ref LIKE 'P%' AND l.ref <> 'P9' ORDER BY l.ref) AS x;
SELECT matches((SELECT motifs[2] FROM suggerer((SELECT va.id FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE l.ref = 'P9'))
				WHERE rang = 1),
			   '^most urgent: already [0-9.]+ dwellings below its quota beyond the bound of 0\.875 \(Tijdeman''s rule\)$',
			   'past the bound after eight dwellings given to the pool by hand: how far past it');

SELECT * FROM finish();
ROLLBACK;
