-- Identification at programme scale (issue 15; DOMAIN §3.9): a programme
-- given only to one réservataire is flagged; an even one is not; a small one
-- is not, unless the threshold says so; the three-year window; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(6);
\i test/fixtures/evenements.sql

-- P-A: 12 dwellings all oriented to Action Logement; P-B: 30 shared by the
-- préfet, Action Logement and the pool; P-C: 3 to the préfet
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, programme)
SELECT 'b93', p || '-' || n, '93048', 3, 'plus', false, 1980, p
FROM (VALUES ('P-A', 12), ('P-B', 30), ('P-C', 3)) AS x(p, m), generate_series(1, m) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-04-01' FROM logement WHERE programme IS NOT NULL;
SELECT count(orienter(x.id, x.r, NULL, '2026-04-02')) AS orientees
FROM (SELECT va.id, CASE WHEN l.programme = 'P-A' THEN 'al' WHEN l.programme = 'P-C' THEN 'prefet'
						 ELSE (ARRAY['prefet', 'al', NULL])[1 + substr(l.ref, 5)::int % 3] END AS r
	  FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE l.programme IS NOT NULL ORDER BY l.ref) AS x;

SELECT results_eq(
	$$SELECT programme, reservataire, vacances, orientations, orientations_reservataire, part_programme, part_flux, identifie
	  FROM flux_mgmt.identification_programmes('b93', 2026) WHERE annee_debut = 2026$$,
	$$VALUES ('P-A'::text, 'al'::text, 12::bigint, 12::bigint, 12::bigint, 100.00::numeric, 48.89::numeric, true),
			 ('P-B', 'al', 30, 30, 10, 33.33, 48.89, false), ('P-B', 'prefet', 30, 30, 10, 33.33, 28.89, false),
			 ('P-C', 'prefet', 3, 3, 3, 100.00, 28.89, false)$$,
	'P-A, all to Action Logement (49 % of the flux), is identified with it; P-B is shared; P-C, 3 vacancies, is too small to judge');
SELECT is((SELECT count(*) FROM flux_mgmt.identification_programmes('b93', 2026) WHERE annee_debut = 2024 AND annee_fin = 2026), 4::bigint,
		  'the three years ending in 2026 (nothing before 2026 here): the same rows');
INSERT INTO parametre_orientation VALUES ('identification_vacances', 3);
SELECT results_eq($$SELECT programme FROM flux_mgmt.identification_programmes('b93', 2026) WHERE annee_debut = 2026 AND identifie$$,
				  $$VALUES ('P-A'::text), ('P-C')$$, 'with identification_vacances 3, P-C too');
INSERT INTO parametre_orientation VALUES ('identification_rapport', 2.1);
SELECT results_eq($$SELECT programme FROM flux_mgmt.identification_programmes('b93', 2026) WHERE annee_debut = 2026 AND identifie$$,
				  $$VALUES ('P-C'::text)$$, 'P-A''s 100 % is less than 2.1 times Action Logement''s 48.89 %');
SELECT throws_ok($$SELECT * FROM flux_mgmt.identification_programmes('inconnu', 2026)$$, '23503', 'unknown landlord ''inconnu''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.identification_programmes('b93', 3000)$$, '22023',
				 'year 3000 in identification_programmes is out of range', 'a year out of range');

SELECT * FROM finish();
ROLLBACK;
