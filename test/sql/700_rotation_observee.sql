-- rotation_observee() and retenir_rotation() (issue 16, item 2: the
-- diagnostic partagé): a history whose rates are known, per year and pooled,
-- per typology and per territory; a year without any recorded vacancy left
-- out; first lettings, stock dwellings and dwellings not yet in service left
-- out; the rate written for the next year; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(28);

-- Landlord r78 in the Yvelines: 60 T2 and 40 T3 in Versailles (78646), 100
-- T3 in Saint-Germain-en-Laye (78551), always there; 10 new T4 in
-- Saint-Germain put in service on 2025-06-01; 5 dwellings kept for the
-- ministry of defence.
INSERT INTO bailleur VALUES ('r78', 'Bailleur des Yvelines', NULL);
INSERT INTO reservataire VALUES ('versailles', 'Ville de Versailles', 'commune'), ('armees', 'Ministère des Armées', 'ministere'),
	('al', 'Action Logement Services', 'action_logement');
INSERT INTO territoire VALUES ('versailles', '78646');
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv)
SELECT 'r78', 'V' || n, '78646', CASE WHEN n <= 60 THEN 2 ELSE 3 END, false FROM generate_series(1, 100) AS n;
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) SELECT 'r78', 'S' || n, '78551', 3, false FROM generate_series(1, 100) AS n;
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv, mise_en_service)
SELECT 'r78', 'N' || n, '78551', 4, false, '2025-06-01' FROM generate_series(1, 10) AS n;
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv, regime, reservataire_stock)
SELECT 'r78', 'D' || n, '78551', 3, false, 'stock_defense', 'armees' FROM generate_series(1, 5) AS n;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES
	('r78', 'versailles', '78', 2025, 10), ('r78', 'al', '78', 2025, 25);

-- 2024: nothing recorded.  2025: 5 T2 and 3 T3 of Versailles, 6 of
-- Saint-Germain leave; the 10 new dwellings are let for the first time.
-- 2026: 6 T2 of Versailles (one of them twice), 8 T3 and 2 of the new T4 of
-- Saint-Germain leave, and 2 defence dwellings.
CREATE FUNCTION pg_temp.vacances(refs text[], le date, premiere boolean DEFAULT false) RETURNS void LANGUAGE sql AS $$
	INSERT INTO flux_mgmt.vacance (logement_id, date_liberation, premiere_location)
	SELECT l.id, le, premiere FROM flux_mgmt.logement l WHERE l.bailleur = 'r78' AND l.ref = ANY (refs)
$$;
SELECT pg_temp.vacances(ARRAY['V1', 'V2', 'V3', 'V4', 'V5', 'V61', 'V62', 'V63'], '2025-03-10');
SELECT pg_temp.vacances(ARRAY['S1', 'S2', 'S3', 'S4', 'S5', 'S6'], '2025-09-01');
SELECT pg_temp.vacances((SELECT array_agg('N' || n) FROM generate_series(1, 10) AS n), '2025-06-01', true);
SELECT pg_temp.vacances(ARRAY['V10', 'V11', 'V12', 'V13', 'V14'], '2026-02-01');
SELECT pg_temp.vacances(ARRAY['V10'], '2026-11-02');
SELECT pg_temp.vacances(ARRAY['S11', 'S12', 'S13', 'S14', 'S15', 'S16', 'S17', 'S18', 'N1', 'N2'], '2026-05-04');
SELECT pg_temp.vacances(ARRAY['D1', 'D2'], '2026-05-04');

SELECT results_eq(
	$$SELECT reservataire, typologie, annee_debut, annee_fin, moyenne, logements, departs, taux FROM rotation_observee('r78', '78', 2026)$$,
	$$VALUES (NULL::text, NULL::text, 2025, 2025, false, 200::bigint, 14::bigint, 7.00),
			 (NULL, NULL, 2026, 2026, false, 210, 16, 7.62),
			 (NULL, NULL, 2025, 2026, true, 410, 30, 7.32),
			 (NULL, 'T2', 2025, 2025, false, 60, 5, 8.33),
			 (NULL, 'T2', 2026, 2026, false, 60, 6, 10.00),
			 (NULL, 'T2', 2025, 2026, true, 120, 11, 9.17),
			 (NULL, 'T3', 2025, 2025, false, 140, 9, 6.43),
			 (NULL, 'T3', 2026, 2026, false, 140, 8, 5.71),
			 (NULL, 'T3', 2025, 2026, true, 280, 17, 6.07),
			 (NULL, 'T4', 2026, 2026, false, 10, 2, 20.00),
			 (NULL, 'T4', 2026, 2026, true, 10, 2, 20.00),
			 ('versailles', NULL, 2025, 2025, false, 100, 8, 8.00),
			 ('versailles', NULL, 2026, 2026, false, 100, 6, 6.00),
			 ('versailles', NULL, 2025, 2026, true, 200, 14, 7.00)$$,
	'per year and pooled (2024, with no vacancy recorded, left out), per typology, per territory: the known rates');
SELECT is((SELECT sum(departs) FROM rotation_observee('r78', '78', 2026) WHERE reservataire IS NULL AND typologie IS NOT NULL AND NOT moyenne),
		  (SELECT sum(departs) FROM rotation_observee('r78', '78', 2026) WHERE reservataire IS NULL AND typologie IS NULL AND NOT moyenne),
		  'the typologies add up to the département');
SELECT is_empty($$SELECT FROM rotation_observee('r78', '78', 2024)$$, 'no history up to 2024: no row');
SELECT results_eq($$SELECT annee_debut, annee_fin, logements, departs, taux FROM rotation_observee('r78', '78', 2027)
					WHERE reservataire IS NULL AND typologie IS NULL$$,
				  $$VALUES (2025, 2025, 200::bigint, 14::bigint, 7.00), (2026, 2026, 210, 16, 7.62), (2025, 2026, 410, 30, 7.32)$$,
				  '2027, after the last recorded vacancy, not recorded yet: the window 2025-2027 holds 2025 and 2026');
SELECT results_eq($$SELECT annee_debut, logements, departs, taux FROM rotation_observee('r78', '78', 2025) WHERE reservataire IS NULL AND typologie IS NULL$$,
				  $$VALUES (2025, 200::bigint, 14::bigint, 7.00), (2025, 200, 14, 7.00)$$,
				  'one recorded year: its rate is the average');

-- next to the reference values of the département
SELECT is(taux_rotation_reference('78'), 7.3, 'the Yvelines'' reference rate, to compare with');

-- the rate written for the next year
SELECT is(retenir_rotation('r78', '78', 2026), 7.32, 'retenir_rotation returns the pooled rate');
SELECT is((SELECT taux FROM rotation WHERE bailleur = 'r78' AND departement = '78' AND annee = 2027), 7.32, 'and writes it for 2027');
SELECT throws_ok($$SELECT flux_mgmt.retenir_rotation('r78', '78', 2026)$$, '23505',
				 'landlord ''r78'' already has a rotation rate for département 78 in 2027', 'a rate already there is not replaced silently');
UPDATE rotation SET taux = 6.5 WHERE bailleur = 'r78' AND annee = 2027;
SELECT is(retenir_rotation('r78', '78', 2026, remplacer => true), 7.32, 'remplacer => true replaces it');
SELECT is((SELECT taux FROM rotation WHERE bailleur = 'r78' AND departement = '78' AND annee = 2027), 7.32, 'replaced');
SELECT results_eq($$SELECT assiette, taux_rotation, relocations FROM flux_previsionnel('r78', '78', 2027)$$,
				  $$VALUES (210, 7.32, 15.372)$$, 'the forecast of 2027 uses it: 210 dwellings × 7.32 %');

-- rates per typology, for a conversion the parties agree to run with them:
-- Versailles' guarantee on its 100 dwellings, 60 T2 and 40 T3, converts at
-- (60 × 9.17 + 40 × 6.07) / 100 = 7.93 %, not the landlord's 7.32 %
SELECT is(retenir_rotation('r78', '78', 2026, remplacer => true, par_typologie => true), 7.32, 'retained with the rates per typology');
SELECT results_eq($$SELECT typologie, taux FROM rotation_typologie WHERE bailleur = 'r78' AND annee = 2027 ORDER BY typologie$$,
				  $$VALUES ('T2'::text, 9.17), ('T3', 6.07), ('T4', 20.00)$$, 'the pooled rate of each typology, for 2027');
UPDATE logement SET contingent_rpls = 4 WHERE bailleur = 'r78' AND ref LIKE 'V%';
INSERT INTO convention_stock (bailleur, reservataire, reference, nature, contrepartie, contingent, commune)
VALUES ('r78', 'versailles', 'GAR-2001', 'suite', 'garantie d''emprunt', 4, '78646');
SELECT count(*) AS constats FROM etablir_etat_des_lieux('r78', '2027-01-01');
SELECT results_eq($$SELECT nombre, taux_rotation, volume_annuel FROM detail_conversion('r78', '78', '2027-01-01') WHERE reservataire = 'versailles'$$,
				  $$VALUES (100::numeric, 7.93, 7.93)$$, 'the line''s dwellings each at its typology''s rate: 7.93 %');
DELETE FROM rotation_typologie WHERE bailleur = 'r78';
SELECT results_eq($$SELECT taux_rotation FROM detail_conversion('r78', '78', '2027-01-01') WHERE reservataire = 'versailles'$$,
				  $$VALUES (7.32)$$, 'control: without them, the landlord''s rate');
SELECT throws_ok($$INSERT INTO flux_mgmt.rotation_typologie VALUES ('r78', '78', 2027, 'T6', 5)$$, '22023',
				 'typology ''T6'' of rotation_typologie of landlord ''r78'' for 2027 is not one of T1, T2, T3, T4, T5+', 'an unknown typology');

-- bad arguments, and nothing written
SELECT throws_ok($$SELECT flux_mgmt.retenir_rotation('r78', '78', 2024)$$, '22023',
				 'no history of landlord ''r78'' in département 78 from 2022 to 2024', 'no history: an error');
SELECT throws_ok($$SELECT * FROM flux_mgmt.rotation_observee('inconnu', '78', 2026)$$, '23503',
				 'unknown landlord ''inconnu''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.rotation_observee('r78', '7', 2026)$$, '22023', NULL, 'an invalid département');
SELECT throws_ok($$SELECT * FROM flux_mgmt.rotation_observee('r78', '78', 3000)$$, '22023',
				 'year 3000 in rotation_observee is out of range', 'a year out of range');
SELECT is((SELECT count(*) FROM rotation WHERE bailleur = 'r78'), 1::bigint, 'the errors wrote nothing');


-- a year without a departure after the first recorded one is a rate of 0,
-- not left out; years before it are
INSERT INTO bailleur VALUES ('r92', 'Bailleur des Hauts-de-Seine', NULL);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) SELECT 'r92', 'H' || n, '92012', 3, false FROM generate_series(1, 10) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2024-05-01' FROM logement WHERE bailleur = 'r92' AND ref = 'H1';
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-05-01' FROM logement WHERE bailleur = 'r92' AND ref = 'H2';
SELECT results_eq($$SELECT annee_debut, annee_fin, logements, departs, taux FROM rotation_observee('r92', '92', 2026)
					WHERE reservataire IS NULL AND typologie IS NULL$$,
				  $$VALUES (2024, 2024, 10::bigint, 1::bigint, 10.00), (2025, 2025, 10, 0, 0.00), (2026, 2026, 10, 1, 10.00), (2024, 2026, 30, 2, 6.67)$$,
				  '2025, without a departure, counts: 2 departures for 30 dwellings');
SELECT is_empty($$SELECT FROM rotation_observee('r92', '92', 2023)$$, 'before the first recorded vacancy: nothing');
-- a rate above 100 %: one dwelling let three times in 2026
INSERT INTO bailleur VALUES ('r94', 'Bailleur du Val-de-Marne', NULL);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) VALUES ('r94', 'Y1', '94028', 2, false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, d::date FROM logement, unnest('{2026-01-10,2026-05-10,2026-09-10}'::text[]) AS d
WHERE bailleur = 'r94';
SELECT throws_ok($$SELECT flux_mgmt.retenir_rotation('r94', '94', 2026)$$, '22023',
				 'the rotation observed for landlord ''r94'' in département 94 from 2026 to 2026 is 300.00 %, above 100',
				 'a rate above 100 % is not written');
SELECT throws_ok($$SELECT flux_mgmt.retenir_rotation('r92', '92', 2200)$$, '22023', 'year 2200 in retenir_rotation is out of range',
				 'the rate of 2201 cannot be written');
-- no dwelling let at 1 January: a first letting only
INSERT INTO bailleur VALUES ('r95', 'Bailleur du Val-d''Oise', NULL);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv, mise_en_service) VALUES ('r95', 'X1', '95018', 3, false, '2026-03-01');
INSERT INTO vacance (logement_id, date_liberation, premiere_location) SELECT id, '2026-03-01', true FROM logement WHERE bailleur = 'r95';
SELECT throws_like($$SELECT flux_mgmt.retenir_rotation('r95', '95', 2026)$$, 'no history of landlord ''r95'' in département 95 from 2024 to 2026',
				   'no dwelling let at 1 January: no rate');
SELECT is((SELECT count(*) FROM rotation WHERE bailleur IN ('r92', 'r94', 'r95')), 0::bigint, 'nothing written');

SELECT * FROM finish();
ROLLBACK;
