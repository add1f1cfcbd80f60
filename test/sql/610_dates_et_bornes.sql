-- Bounds on events and reference data (issue 12): every date and year
-- within 1900-01-01 .. 2200-12-31, a convention's delay at most 5 years,
-- forecasts at most 1,000,000 dwellings; a figure out of range that still
-- reaches the yearly report is explained there; a 0.1 database holding such
-- rows is not updated.
\i test/setup.sql
BEGIN;
SELECT plan(38);
SET IntervalStyle = postgres;	-- delays in messages as '5 years 1 day' (pg_regress sets postgres_verbose)

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES ('al', 'Action Logement Services', 'action_logement'), ('emp', 'Employeur', 'employeur'),
	('cd93', 'Département', 'departement');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES ('b93', 'al', '93', 1900, NULL, 30);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
VALUES ('b93', 'L1', '93048', 3, 'plus', false, 1972), ('b93', 'L2', '93048', 2, 'plai', true, 1995);

-- vacance.date_liberation
SELECT lives_ok($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
				  SELECT id, '1900-01-01' FROM flux_mgmt.logement WHERE ref = 'L1'$$, 'a vacancy on 1900-01-01, the first day');
SELECT lives_ok($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
				  SELECT id, '2200-12-31' FROM flux_mgmt.logement WHERE ref = 'L1'$$, 'a vacancy on 2200-12-31, the last day');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, %L FROM flux_mgmt.logement WHERE ref = 'L2'$$, d),
				 '23514', 'new row for relation "vacance" violates check constraint "vacance_date_entre_1900_et_2200"',
				 format('a vacancy on %s is refused', d))
FROM unnest(ARRAY['0001-01-01', '4713-01-01 BC', '1899-12-31', '2201-01-01', '10000-01-01']) AS d;

-- orientation: date_orientation, date_limite, date_issue
CREATE TEMP VIEW vac AS SELECT v.id, v.date_liberation FROM flux_mgmt.vacance v;
SELECT lives_ok($$SELECT flux_mgmt.orienter((SELECT id FROM vac WHERE date_liberation = '1900-01-01'), 'al', NULL, '1900-01-01')$$,
				'an orientation on 1900-01-01 under a convention from 1900');
SELECT is((SELECT date_limite FROM flux_mgmt.orientation WHERE date_orientation = '1900-01-01'), '1900-02-01'::date,
		  'its deadline, one month later');
SELECT throws_ok($$SELECT flux_mgmt.orienter((SELECT id FROM vac WHERE date_liberation = '2200-12-31'), 'al', NULL, '10000-01-01')$$,
				 '23514', 'new row for relation "orientation" violates check constraint "orientation_dates_entre_1900_et_2200"',
				 'an orientation in year 10000 is refused by its date, not for want of a convention open until 9999');
SELECT throws_ok($$SELECT flux_mgmt.orienter((SELECT id FROM vac WHERE date_liberation = '2200-12-31'), NULL, NULL, '2201-01-01')$$,
				 '23514', 'new row for relation "orientation" violates check constraint "orientation_dates_entre_1900_et_2200"',
				 'an orientation to the pool on 2201-01-01 is refused');
SELECT lives_ok($$SELECT flux_mgmt.orienter((SELECT id FROM vac WHERE date_liberation = '2200-12-31'), NULL, NULL, '2200-12-31')$$,
				'an orientation to the pool on 2200-12-31');
SELECT throws_ok($$UPDATE flux_mgmt.orientation SET date_limite = '2201-01-01' WHERE date_orientation = '1900-01-01'$$,
				 '23514', 'new row for relation "orientation" violates check constraint "orientation_dates_entre_1900_et_2200"',
				 'a deadline after 2200-12-31 is refused');
SELECT throws_ok($$SELECT flux_mgmt.cloturer((SELECT id FROM flux_mgmt.orientation WHERE date_orientation = '2200-12-31'), 'echec', '2201-01-02')$$,
				 '23514', 'new row for relation "orientation" violates check constraint "orientation_dates_entre_1900_et_2200"',
				 'an outcome dated after 2200-12-31 is refused');

-- attribution: date_caleol, date_bail
SELECT throws_ok($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
				   SELECT id, '2201-01-01', NULL FROM flux_mgmt.orientation WHERE date_orientation = '2200-12-31'$$,
				 '23514', 'new row for relation "attribution" violates check constraint "attribution_dates_entre_1900_et_2200"',
				 'a CALEOL after 2200-12-31 is refused');
SELECT throws_ok($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
				   SELECT id, '2200-12-31', '2201-01-01' FROM flux_mgmt.orientation WHERE date_orientation = '2200-12-31'$$,
				 '23514', 'new row for relation "attribution" violates check constraint "attribution_dates_entre_1900_et_2200"',
				 'a lease after 2200-12-31 is refused');
SELECT lives_ok($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
				  SELECT id, '2200-12-31', '2200-12-31' FROM flux_mgmt.orientation WHERE date_orientation = '2200-12-31'$$,
				'a CALEOL and a lease on 2200-12-31');
SELECT is((SELECT count(*) FROM flux_mgmt.verifier_compteurs()), 0::bigint, 'the counters of 1900 and 2200 agree with a recount');

-- convention: years 1900-2200, delay above 0 and at most 5 years
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'emp', '93', 1899, 5)$$,
				 '23514', 'convention b93/emp/93 in force from 1899 to open is outside the years 1900 to 2200', 'a convention from 1899');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				   VALUES ('b93', 'emp', '93', 2026, 2201, 5)$$,
				 '23514', 'convention b93/emp/93 in force from 2026 to 2201 is outside the years 1900 to 2200', 'a convention until 2201');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'emp', '93', 10000, 5)$$,
				 '23514', 'convention b93/emp/93 in force from 10000 to open is outside the years 1900 to 2200', 'a convention from 10000');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, delai)
				  VALUES ('b93', 'emp', '93', 1900, 2200, 5, '5 years')$$, 'a convention from 1900 to 2200 with a delay of 5 years');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux, delai)
				   VALUES ('b93', 'cd93', '93', 2026, 5, '5 years 1 day')$$,
				 '23514', 'delay 5 years 1 day of convention b93/cd93/93 is above 5 years', 'a delay above 5 years');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux, delai)
				   VALUES ('b93', 'cd93', '93', 2026, 5, '-1 day')$$,
				 '23514', 'delay -1 days of convention b93/cd93/93 is not positive', 'a negative delay');
-- the backstops, with the row triggers off (as session_replication_role = replica would have them)
ALTER TABLE convention DISABLE TRIGGER verifier;
SELECT throws_ok($$UPDATE flux_mgmt.convention SET annee_debut = 1800 WHERE reservataire = 'emp'$$,
				 '23514', 'new row for relation "convention" violates check constraint "convention_annees_entre_1900_et_2200"',
				 'the CHECK constraint behind the rule of years');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET delai = '61 months' WHERE reservataire = 'emp'$$,
				 '23514', 'new row for relation "convention" violates check constraint "convention_delai_5_ans"',
				 'the CHECK constraint behind the rule of the delay');
ALTER TABLE convention ENABLE TRIGGER verifier;

-- forecasts: at most 1,000,000 dwellings a line
SELECT lives_ok($$INSERT INTO flux_mgmt.mise_en_service_prevue VALUES ('b93', '93', 2027, 1000000)$$, '1,000,000 first lettings forecast');
SELECT throws_ok($$INSERT INTO flux_mgmt.mise_en_service_prevue VALUES ('b93', '93', 2028, 2147483647)$$, '23514',
				 'number 2147483647 in mise_en_service_prevue of landlord ''b93'' for 2028 is above 1000000', '2147483647 first lettings');
SELECT throws_ok($$INSERT INTO flux_mgmt.soustraction_prevue VALUES ('b93', '93', 2027, 'vente', 1000001)$$, '23514',
				 'number 1000001 in soustraction_prevue of landlord ''b93'' for 2027 is above 1000000', '1,000,001 subtractions');
SELECT lives_ok($$INSERT INTO flux_mgmt.soustraction_prevue VALUES ('b93', '93', 2027, 'vente', 1000000)$$, '1,000,000 subtractions forecast');
ALTER TABLE mise_en_service_prevue DISABLE TRIGGER verifier;
SELECT throws_ok($$UPDATE flux_mgmt.mise_en_service_prevue SET nombre = 1000001$$, '23514',
				 'new row for relation "mise_en_service_prevue" violates check constraint "mise_en_service_nombre_plafond"',
				 'the CHECK constraint behind the forecast''s bound');

-- A figure out of range that reaches the report anyway (here with the
-- bound and the rule taken off): the forecast section says why, the rest
-- of the report is there.
ALTER TABLE mise_en_service_prevue DROP CONSTRAINT mise_en_service_nombre_plafond;
UPDATE mise_en_service_prevue SET nombre = 2147483647;
DELETE FROM soustraction_prevue;
INSERT INTO rotation VALUES ('b93', '93', 2027, 50);   -- 2147483647 + 1 relocation
SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT ok(:'rapport' LIKE '%<p class="alerte">Flux prévisionnel 2027 non calculable : integer out of range.</p><p class="conseil">Un chiffre prévu pour 2027 est hors des bornes : vérifiez flux_mgmt.mise_en_service_prevue et flux_mgmt.soustraction_prevue (au plus 1 000 000 logements par ligne) et flux_mgmt.rotation du département 93.</p>%',
		  'rapport_annuel: a forecast of 2147483647 dwellings is explained in its section (22003 failed the whole report)');
SELECT ok(:'rapport' LIKE '%5. Objectifs d''attribution 2026%</body></html>', 'and the report goes on to its end');
SELECT is(flux_mgmt.export_reservataire('b93', 'al', 2026) -> 'flux_previsionnel_suivant',
		  '[{"annee": 2027, "erreur": "integer out of range", "departement": "93"}]', 'export_reservataire says it too');
ALTER TABLE mise_en_service_prevue ENABLE TRIGGER verifier;

-- 0.1 accepted such rows: updating a 0.1 database that holds some is
-- refused, naming them, and changes nothing.
SET client_min_messages = warning;
DROP EXTENSION flux_mgmt CASCADE;
CREATE EXTENSION flux_mgmt VERSION '0.1';
RESET client_min_messages;
INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES ('al', 'Action Logement Services', 'action_logement');
INSERT INTO logement (id, bailleur, ref, commune, qpv) VALUES (1, 'b93', 'L1', '93048', false);
INSERT INTO vacance (id, logement_id, date_liberation) VALUES (1, 1, '0001-01-01'), (2, 1, '4713-01-01 BC'), (3, 1, '2026-03-01');
INSERT INTO convention (id, bailleur, reservataire, departement, annee_debut, taux, delai) VALUES (1, 'b93', 'al', '93', 2026, 10, '10 years');
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2027, 2147483647);
INSERT INTO droit_stock (id, bailleur, reservataire, departement, nature, nombre) VALUES (1, 'b93', 'al', '93', 'suite', 'NaN');
SELECT throws_ok('ALTER EXTENSION flux_mgmt UPDATE', '23514',
				 'flux_mgmt 0.2 refuses rows that 0.1 accepted: '
				 'flux_mgmt.vacance, rule vacance_date_entre_1900_et_2200: id 1 (date_liberation 0001-01-01); id 2 (date_liberation 4713-01-01 BC)'
				 ' | flux_mgmt.convention, rule convention_delai_5_ans: id 1 (delai 10 years)'
				 ' | flux_mgmt.mise_en_service_prevue, rule mise_en_service_nombre_plafond: (b93, 93, 2027) (nombre 2147483647)'
				 ' | flux_mgmt.droit_stock, rule droit_stock_nombre_fini: id 1 (nombre NaN)',
				 'ALTER EXTENSION UPDATE from 0.1 names every row the new rules refuse');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'flux_mgmt'), '0.1', 'and the database stays at 0.1');
DELETE FROM vacance WHERE id IN (1, 2);
UPDATE convention SET delai = '1 month';
UPDATE mise_en_service_prevue SET nombre = 200;
UPDATE droit_stock SET nombre = 40;
SELECT lives_ok('ALTER EXTENSION flux_mgmt UPDATE', 'once they are corrected, the update goes through');
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'flux_mgmt'), '0.2', 'to 0.2');

SELECT * FROM finish();
ROLLBACK;
