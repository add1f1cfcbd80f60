-- Direct or delegated management (issue 16, item 3; DOMAIN §3.10): a
-- convention in delegated management gives its orientations no deadline and
-- no carence, whichever way the carence is written; a convention with
-- carences recorded cannot become delegated; suggerer, the export and the
-- yearly report say it; direct management is unchanged (the controls).
\i test/setup.sql
BEGIN;
SELECT plan(24);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

SELECT is((SELECT array_agg(DISTINCT gestion) FROM convention), '{directe}'::mode_gestion[], 'a convention is managed directly by default');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET gestion = 'autre' WHERE reservataire = 'al'$$, '22P02', NULL, 'an unknown management mode');
UPDATE convention SET gestion = 'deleguee' WHERE reservataire = 'al';
SELECT is((SELECT gestion FROM convention WHERE reservataire = 'al'), 'deleguee'::mode_gestion, 'Action Logement delegates the designation to the landlord');

-- no deadline in delegated management, through orienter() and a plain INSERT
SELECT orienter(:m1, 'al', date_orientation => '2026-03-02') AS o_m1 \gset
INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (:m2, 'al', '2026-03-02') RETURNING id AS o_m2 \gset
SELECT orienter(:m3, 'prefet', date_orientation => '2026-03-02') AS o_m3 \gset
SELECT results_eq(format('SELECT id, date_limite FROM flux_mgmt.orientation WHERE id IN (%s, %s, %s) ORDER BY id', :o_m1, :o_m2, :o_m3),
				  format($$VALUES (%s::bigint, NULL::date), (%s, NULL), (%s, '2026-04-02')$$, :o_m1, :o_m2, :o_m3),
				  'delegated: no deadline (orienter and INSERT alike); direct: the convention''s delay of one month');

-- no carence in delegated management
SELECT throws_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-05-01')$$, :o_m1), '23514',
				 format('no carence for orientation %s: the convention with ''al'' is in delegated management', :o_m1),
				 'cloturer refuses a carence under a delegated convention');
SELECT throws_ok(format($$UPDATE flux_mgmt.orientation SET issue = 'carence', date_issue = '2026-04-01' WHERE id = %s$$, :o_m2), '23514',
				 format('no carence for orientation %s: the convention with ''al'' is in delegated management', :o_m2),
				 'a plain UPDATE without a deadline: the rule''s explanation, not the table''s check');
UPDATE orientation SET date_limite = '2026-03-10' WHERE id = :o_m2;
SELECT throws_ok(format($$UPDATE flux_mgmt.orientation SET issue = 'carence', date_issue = '2026-04-01' WHERE id = %s$$, :o_m2), '23514',
				 format('no carence for orientation %s: the convention with ''al'' is in delegated management', :o_m2),
				 'a plain UPDATE too, even with a deadline written by hand');
SELECT results_eq(format('SELECT issue::text FROM flux_mgmt.orientation WHERE id IN (%s, %s) ORDER BY id', :o_m1, :o_m2),
				  $$VALUES ('en_cours'), ('en_cours')$$, 'both refusals left the orientations open');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and the counters equal a recount');
-- the other outcomes stand
SELECT lives_ok(format($$SELECT flux_mgmt.cloturer(%s, 'echec', '2026-05-01')$$, :o_m1), 'an échec under a delegated convention');
SELECT is((SELECT date_limite FROM orientation WHERE id = :o_m1), NULL::date, 'the outcome written, still no deadline');
SELECT lives_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) VALUES (%s, '2026-03-20', '2026-04-01')$$, :o_m2),
				'an attribution under a delegated convention');
SELECT results_eq($$SELECT decomptes, en_cours, carences FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'al'$$,
				  $$VALUES (1::bigint, 0::bigint, 0::bigint)$$, 'charged at the lease (mixte), the échec not charged');

-- direct management unchanged (the control): a carence after the deadline
SELECT lives_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-04-02')$$, :o_m3), 'a carence of the préfet, managed directly');
-- a convention with carences recorded under it cannot become delegated
SELECT throws_ok($$UPDATE flux_mgmt.convention SET gestion = 'deleguee' WHERE reservataire = 'prefet'$$, '23514',
				 format('convention b93/prefet/93 cannot be in delegated management: 1 carence(s) are recorded under it (orientation %s first)', :o_m3),
				 'delegating over a recorded carence is refused');
SELECT is((SELECT gestion FROM convention WHERE reservataire = 'prefet'), 'directe'::mode_gestion, 'and changes nothing');
-- a stock dwelling goes to its holder outside any convention: its carences are not the convention's
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
UPDATE orientation SET date_limite = '2026-03-20' WHERE id = :o_d1;
SELECT lives_ok(format($$SELECT flux_mgmt.cloturer(%s, 'carence', '2026-03-25')$$, :o_d1), 'a carence on the defence stock');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux, gestion)
				  VALUES ('b93', 'defense', '93', 2026, 5, 'deleguee')$$,
				'a delegated convention of the same holder is not refused for it');
DELETE FROM convention WHERE reservataire = 'defense';

-- shown by suggerer, the export and the report
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
VALUES ('b93', 'M4', '93048', 3, 'plus', false, 1980);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-06-01' FROM logement WHERE ref = 'M4' RETURNING id AS m4 \gset
SELECT ok((SELECT 'delegated management: the landlord designates the candidates on its behalf (no delay, no carence)' = ANY (motifs)
		   FROM suggerer(:m4) WHERE reservataire = 'al'), 'suggerer says Action Logement''s management is delegated');
SELECT is((SELECT count(*) FROM suggerer(:m4) AS s, unnest(s.motifs) AS m WHERE m LIKE 'delegated%'), 1::bigint, 'and only for it');
SELECT results_eq($$SELECT x ->> 'departement', x ->> 'gestion' FROM jsonb_array_elements(flux_mgmt.export_reservataire('b93', 'al', 2026) -> 'atteinte') AS x$$,
				  $$VALUES ('93', 'deleguee')$$, 'the export of Action Logement');
SELECT is((SELECT x ->> 'gestion' FROM jsonb_array_elements(flux_mgmt.export_reservataire('b93', 'prefet', 2026) -> 'atteinte') AS x), 'directe',
		  'the export of the préfet');
SELECT ok(rapport_annuel('b93', 2026) LIKE '%Action Logement Services (al) — gestion déléguée%', 'the yearly report');
SELECT is_empty('SELECT * FROM flux_mgmt.infraction', 'no event breaks a rule');

SELECT * FROM finish();
ROLLBACK;
