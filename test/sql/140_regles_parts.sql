-- The share rules of DOMAIN §3.1, enforced when conventions, territories and
-- réservataire types are written (single and multi-row INSERT, UPDATE,
-- DELETE, COPY), and listed by controler_conventions(): each accepted at its
-- limit and rejected just above it with SQLSTATE 23514.
\i test/setup.sql
BEGIN;
SELECT plan(46);

INSERT INTO bailleur VALUES ('etat', 'B1', NULL), ('cent', 'B2', NULL), ('multi', 'B3', NULL), ('copie', 'B4', NULL),
	('annees', 'B5', NULL), ('derog', 'B6', NULL), ('terr', 'B7', NULL), ('casse', 'B8', NULL);
INSERT INTO reservataire VALUES
	('prefet', 'Préfet', 'etat_prioritaires'), ('agents', 'Agents de l''État', 'etat_agents'),
	('al', 'Action Logement', 'action_logement'), ('cd93', 'Département', 'departement'),
	('employeur_y', 'Employeur Y', 'employeur'), ('employeur_z', 'Employeur Z', 'employeur'),
	('montreuil', 'Ville de Montreuil', 'commune'), ('est_ensemble', 'EPT Est Ensemble', 'ept'),
	('bondy', 'Ville de Bondy', 'commune'), ('paris', 'Ville de Paris', 'commune');
INSERT INTO territoire VALUES ('montreuil', '93048'), ('est_ensemble', '93055'), ('paris', '75056');

-- The State: 30 % at most, 5 % of it for its agents.
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('etat', 'prefet', '93', 2026, 25), ('etat', 'agents', '93', 2026, 5)$$, 'the State at exactly 30 %, its agents at 5 %');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET taux = 25.001 WHERE bailleur = 'etat' AND reservataire = 'prefet'$$, '23514',
				 'State shares of landlord ''etat'' in département 93 total 30.001 % in 2026, above the 30 % cap', 'the State at 30.001 %');
SELECT lives_ok($$UPDATE flux_mgmt.convention SET taux = 20 WHERE bailleur = 'etat' AND reservataire = 'prefet'$$, 'the State at 25 %');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET taux = 5.001 WHERE bailleur = 'etat' AND reservataire = 'agents'$$, '23514',
				 'State agents'' shares of landlord ''etat'' in département 93 total 5.001 % in 2026, above the 5 % cap', 'its agents at 5.001 %');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('etat', 'prefet', '92', 2026, 30.5)$$, '23514',
				 'State shares of landlord ''etat'' in département 92 total 30.5 % in 2026, above the 30 % cap', 'the caps apply per département');

-- 100 % at most.
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('cent', 'prefet', '93', 2026, 25), ('cent', 'agents', '93', 2026, 5), ('cent', 'al', '93', 2026, 40),
						 ('cent', 'cd93', '93', 2026, 30)$$, 'shares at exactly 100 %');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('cent', 'employeur_y', '93', 2026, 0.001)$$, '23514',
				 'shares of landlord ''cent'' in département 93 total 100.001 % in 2026, above 100 %', 'shares at 100.001 %');
SELECT is_empty($$SELECT * FROM flux_mgmt.controler_conventions('cent', '93', 2026)$$, 'controler_conventions: nothing broken at the limits');

-- Multi-row statements are judged on their result.
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('multi', 'al', '93', 2026, 60), ('multi', 'cd93', '93', 2026, 40.001)$$, '23514',
				 'shares of landlord ''multi'' in département 93 total 100.001 % in 2026, above 100 %',
				 'two rows, each fine alone, together above 100 %');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('multi', 'al', '93', 2026, 60), ('multi', 'cd93', '93', 2026, 40)$$, 'two rows together at 100 %');
SELECT lives_ok($$UPDATE flux_mgmt.convention SET taux = CASE reservataire WHEN 'al' THEN 40 ELSE 60 END WHERE bailleur = 'multi'$$,
				'an UPDATE moving shares between two conventions (60 + 60 on the way) is judged on its result');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET taux = taux + 0.0005 WHERE bailleur = 'multi'$$, '23514',
				 'shares of landlord ''multi'' in département 93 total 100.001 % in 2026, above 100 %', 'an UPDATE of two rows above 100 %');
SELECT throws_ok($$COPY flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   FROM PROGRAM 'printf "copie\tal\t93\t2026\t70\ncopie\tcd93\t93\t2026\t30.5\n"'$$, '23514',
				 'shares of landlord ''copie'' in département 93 total 100.5 % in 2026, above 100 %', 'COPY above 100 %');
SELECT lives_ok($$COPY flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  FROM PROGRAM 'printf "copie\tal\t93\t2026\t70\ncopie\tcd93\t93\t2026\t30\n"'$$, 'COPY at 100 %');

-- Every year is judged: the shares change where a convention starts or ends.
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				  VALUES ('annees', 'al', '93', 2024, 2026, 50), ('annees', 'cd93', '93', 2027, NULL, 75),
						 ('annees', 'employeur_y', '93', 2025, 2025, 40), ('annees', 'prefet', '93', 2026, 2027, 20)$$,
				'90 % in 2025, 70 % in 2026, 95 % in 2027, 75 % from 2028');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('annees', 'employeur_z', '93', 2025, 10)$$, '23514',
				 'shares of landlord ''annees'' in département 93 total 105 % in 2027, above 100 %',
				 'a convention from 2025 at 10 % breaks the rule in 2027 (fine in 2025 and 2026)');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('annees', 'employeur_z', '93', 2028, 10)$$, 'the same from 2028: 85 %');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET annee_fin = NULL WHERE bailleur = 'annees' AND reservataire = 'prefet'$$, '23514',
				 'shares of landlord ''annees'' in département 93 total 105 % in 2028, above 100 %',
				 'extending a convention judges its new years');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET annee_debut = 2025 WHERE bailleur = 'annees' AND reservataire = 'prefet'$$, '23514',
				 'shares of landlord ''annees'' in département 93 total 110 % in 2025, above 100 %',
				 'starting a convention earlier judges its new years');

-- A préfet's derogation: one year, the caps listed but not enforced.
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				   VALUES ('derog', 'prefet', '93', 2026, 2026, 35)$$, '23514',
				 'State shares of landlord ''derog'' in département 93 total 35 % in 2026, above the 30 % cap', '35 % without derogation');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, derogation_prefet)
				  VALUES ('derog', 'prefet', '93', 2026, 2026, 35, true)$$, '35 % with a one-year derogation');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				  VALUES ('derog', 'agents', '93', 2026, 2026, 10)$$, 'the derogation covers the State''s other convention of that year');
SELECT results_eq($$SELECT * FROM flux_mgmt.controler_conventions('derog', '93', 2026)$$,
	$$VALUES ('plafond_etat', 'State shares of landlord ''derog'' in département 93 total 45 % in 2026, above the 30 % cap — derogated by a préfet''s arrêté for 2026: not enforced'),
			 ('plafond_agents', 'State agents'' shares of landlord ''derog'' in département 93 total 10 % in 2026, above the 5 % cap — derogated by a préfet''s arrêté for 2026: not enforced')$$,
	'controler_conventions lists the derogated caps');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('derog', 'prefet', '93', 2027, 35)$$, '23514',
				 'State shares of landlord ''derog'' in département 93 total 35 % in 2027, above the 30 % cap', 'the next year is not derogated');
SELECT throws_ok($$DELETE FROM flux_mgmt.convention WHERE bailleur = 'derog' AND reservataire = 'prefet'$$, '23514',
				 'State agents'' shares of landlord ''derog'' in département 93 total 10 % in 2026, above the 5 % cap',
				 'deleting the derogating convention brings the other one under the cap');
SELECT lives_ok($$DELETE FROM flux_mgmt.convention WHERE bailleur = 'derog'$$, 'deleting both is fine');

-- Territorial shares apply in their communes: 100 % in each commune.
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('terr', 'al', '93', 2026, 80), ('terr', 'montreuil', '93', 2026, 20), ('terr', 'est_ensemble', '93', 2026, 20)$$,
				'80 % in the département, 20 % more in Montreuil, 20 % more in Pantin: 100 % in each');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET taux = 20.001 WHERE bailleur = 'terr' AND reservataire = 'montreuil'$$, '23514',
				 'shares of landlord ''terr'' in commune 93048 (département 93) total 100.001 % in 2026, above 100 %',
				 'Montreuil at 100.001 %');
SELECT throws_ok($$INSERT INTO flux_mgmt.territoire VALUES ('est_ensemble', '93048')$$, '23514',
				 'shares of landlord ''terr'' in commune 93048 (département 93) total 120 % in 2026, above 100 %',
				 'adding Montreuil to Est Ensemble''s territory would put Montreuil at 120 %');
SELECT lives_ok($$INSERT INTO flux_mgmt.territoire VALUES ('est_ensemble', '93045')$$, 'adding Les Lilas is fine (100 %)');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('terr', 'montreuil', '92', 2026, 10)$$, '23514',
				 'territorial réservataire ''montreuil'' has no commune of its territory in département 92, where it has a convention with landlord ''terr'' in 2026',
				 'a commune réservataire''s convention outside its département');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('terr', 'bondy', '93', 2026, 5)$$, 'a territorial réservataire whose territory is not declared yet');
SELECT results_eq($$SELECT * FROM flux_mgmt.controler_conventions('terr', '93', 2026)$$,
	$$VALUES ('territoire_vide', 'territorial réservataire ''bondy'' has no commune of its territory in département 93, where it has a convention with landlord ''terr'' in 2026 — its territory is not declared yet: not enforced until it is')$$,
	'controler_conventions lists it as pending');
SELECT throws_ok($$INSERT INTO flux_mgmt.territoire VALUES ('bondy', '75056')$$, '23514',
				 'territorial réservataire ''bondy'' has no commune of its territory in département 93, where it has a convention with landlord ''terr'' in 2026',
				 'declaring its territory elsewhere');
SELECT lives_ok($$INSERT INTO flux_mgmt.territoire VALUES ('bondy', '93010')$$, 'declaring its territory in the département');
SELECT throws_ok($$UPDATE flux_mgmt.territoire SET commune = '93048' WHERE reservataire = 'bondy'$$, '23514',
				 'shares of landlord ''terr'' in commune 93048 (département 93) total 105 % in 2026, above 100 %',
				 'moving its territory to Montreuil');
SELECT lives_ok($$DELETE FROM flux_mgmt.territoire WHERE reservataire = 'bondy'$$, 'removing its whole territory leaves it pending');
SELECT throws_ok($$UPDATE flux_mgmt.reservataire SET type = 'autre' WHERE code = 'bondy'$$, '23514',
				 'shares of landlord ''terr'' in commune 93045 (département 93) total 105 % in 2026, above 100 % (and in 2 other places)',
				 'a réservataire turning département-wide adds its share everywhere');
SELECT lives_ok($$UPDATE flux_mgmt.reservataire SET nom = 'Commune de Bondy' WHERE code = 'bondy'$$, 'renaming a réservataire is fine');

-- What controler_conventions reports on conventions written with the
-- triggers disabled (a superuser's session_replication_role = replica).
SET LOCAL session_replication_role = replica;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES
	('casse', 'prefet', '93', 2026, NULL, 40), ('casse', 'agents', '93', 2026, NULL, 8), ('casse', 'al', '93', 2026, NULL, 50),
	('casse', 'al', '93', 2026, 2026, 10), ('casse', 'paris', '93', 2026, NULL, 5), ('casse', 'montreuil', '93', 2026, NULL, 3);
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT * FROM flux_mgmt.controler_conventions('casse', '93', 2026)$$,
	$$VALUES ('total_100', 'shares of landlord ''casse'' in commune 93048 (département 93) total 111 % in 2026, above 100 % (and in 1 other place)'),
			 ('plafond_etat', 'State shares of landlord ''casse'' in département 93 total 48 % in 2026, above the 30 % cap'),
			 ('plafond_agents', 'State agents'' shares of landlord ''casse'' in département 93 total 8 % in 2026, above the 5 % cap'),
			 ('chevauchement', 'réservataire ''al'' has 2 conventions with landlord ''casse'' in département 93 in 2026'),
			 ('territoire_vide', 'territorial réservataire ''paris'' has no commune of its territory in département 93, where it has a convention with landlord ''casse'' in 2026')$$,
	'every broken rule, in a fixed order');
-- 2025 at every limit (100 %, the State 30 %, its agents 5 %), between
-- broken conventions that ended in 2024 and the broken ones of 2026.
SET LOCAL session_replication_role = replica;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES
	('casse', 'prefet', '93', 2025, 2025, 25), ('casse', 'agents', '93', 2025, 2025, 5), ('casse', 'al', '93', 2025, 2025, 70),
	('casse', 'prefet', '93', 2020, 2024, 31), ('casse', 'al', '93', 2020, 2024, 90);
SET LOCAL session_replication_role = origin;
SELECT results_eq($$SELECT * FROM flux_mgmt.controler_conventions('casse', '93', 2024)$$,
	$$VALUES ('total_100', 'shares of landlord ''casse'' in département 93 total 121 % in 2024, above 100 %'),
			 ('plafond_etat', 'State shares of landlord ''casse'' in département 93 total 31 % in 2024, above the 30 % cap')$$,
	'2024: the conventions that ended then break the 100 % and the State''s cap');
SELECT is_empty($$SELECT * FROM flux_mgmt.controler_conventions('casse', '93', 2025)$$,
				'2025, every share at its limit, breaks nothing: the broken conventions of 2024 and 2026 are not in force');
INSERT INTO rotation VALUES ('casse', '93', 2026, 5);
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('casse', 'L1', '93048', false);
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('casse', '93', 2026)$$, '23514',
				 'the shares of landlord ''casse'' in département 93 in 2026 exceed its flux', 'parts_annuelles refuses shares above the flux');

SELECT throws_ok($$SELECT * FROM flux_mgmt.controler_conventions('nobody', '93', 2026)$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.controler_conventions('casse', '20', 2026)$$, '22023',
				 'invalid département ''20'' in controler_conventions', 'département 20 (Corsica is 2A and 2B)');
SELECT throws_ok($$SELECT * FROM flux_mgmt.controler_conventions('casse', '93', 2201)$$, '22023', 'year 2201 in controler_conventions is out of range',
				 'year 2201');

SELECT * FROM finish();
ROLLBACK;
