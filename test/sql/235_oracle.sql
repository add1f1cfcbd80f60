-- The independent oracle of the counters (test/oracle/recompte.sql): its
-- recount of a small history follows DOMAIN.md's rules (§3.6 décompte in
-- each mode, a vacancy charged once, the years, the pool, a subtraction,
-- stock and hors champ dwellings, the O1-O4 numerators, the yearly report's
-- buckets), it agrees with the extension's counters, and positive controls:
-- a forged counter (compteur, compteur_bilan, compteur_moteur) is named, key and column, by
-- both the oracle and verifier_compteurs(); a forged ledger row is named by
-- verifier_compteurs() only, since the oracle does not read the ledger; a
-- counting rule of the extension changed (mixte no longer charging a
-- carence) fools verifier_compteurs(), which recounts through the same
-- rules, but not the oracle.
\i test/setup.sql
BEGIN;
SELECT plan(15);
-- the ids, which the ledger's rows show, are the same at every run
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql

-- The history (conventions of the fixture: prefet orientation, agents bail,
-- al and montreuil mixte; the delay is one month).
-- M1 (Montreuil): Action Logement lets the delay pass (mixte: charged at the
-- carence), then the landlord takes it out of the flux for an internal mutation.
SELECT orienter(:m1, 'al', date_orientation => '2026-03-02') AS o \gset
SELECT cloturer(:o, 'carence', '2026-04-02');
SELECT orienter(:m1, NULL, 'mutation_interne', '2026-04-03') AS o \gset
SELECT cloturer(:o, 'echec', '2026-05-01');
-- M3 (Montreuil): the State agents let it pass (bail: not charged), then Action
-- Logement's candidate signs (charged at the lease)
SELECT orienter(:m3, 'agents', date_orientation => '2026-03-02') AS o \gset
SELECT cloturer(:o, 'carence', '2026-04-05');
SELECT orienter(:m3, 'al', date_orientation => '2026-04-10') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile) VALUES (:o, '2026-04-20', '2026-05-01', true);
-- M2 (Montreuil, QPV): oriented to Action Logement in November, lease in
-- January: the orientation counts in 2026, the lease and the charge in 2027
SELECT orienter(:m2, 'al', date_orientation => '2026-11-02') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o, '2026-11-20', '2027-01-15');
-- B2 (Bobigny): to the préfet (orientation mode) in December, withdrawn (not
-- charged); oriented again in January, open: charged in 2027
SELECT orienter(:b2, 'prefet', date_orientation => '2026-12-20') AS o \gset
SELECT cloturer(:o, 'retiree', '2027-01-05');
SELECT orienter(:b2, 'prefet', date_orientation => '2027-01-10') AS o \gset
-- B1 (Bobigny, QPV): the landlord's pool (as bail), a DALO household
SELECT orienter(:b1, NULL, date_orientation => '2026-03-05') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, dalo) VALUES (:o, '2026-03-20', '2026-04-01', true);
-- D1, defence stock, goes to its holder; H1, hors champ, to the pool: outside the flux
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-03') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, prioritaire) VALUES (:o, '2026-03-10', '2026-03-20', true);
SELECT orienter(:h1, NULL, date_orientation => '2026-03-03') AS o \gset
-- a second vacancy of M1: a carence then a lease, charged once (at the carence)
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-09-01' FROM logement WHERE ref = 'M1' RETURNING id AS m1b \gset
SELECT orienter(:m1b, 'montreuil', date_orientation => '2026-09-02') AS o \gset
SELECT cloturer(:o, 'carence', '2026-10-02');
SELECT orienter(:m1b, 'montreuil', date_orientation => '2026-10-03') AS o \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, relogement_renouvellement) VALUES (:o, '2026-10-10', '2026-10-20', true);

-- Every value of the recount, from the rules worked out by hand.
SELECT bag_eq($$SELECT compteur, attendu FROM oracle_comparaisons WHERE attendu <> 0$$,
	$$VALUES
	-- M1's first vacancy: carence (charged, mixte); its subtraction, an échec outside the flux
	('compteur(b93, 2026, 93048, al, -, flux).carences', 1::bigint),
	-- M3 (al, lease 1 May, first quartile, outside QPV) and M1: two charges; M2's orientation, attributed
	('compteur(b93, 2026, 93048, al, -, flux).attribuees', 2),
	('compteur(b93, 2026, 93048, al, -, flux).baux', 1),
	('compteur(b93, 2026, 93048, al, -, flux).decomptes', 2),
	('compteur(b93, 2026, 93048, al, -, flux).hors_qpv', 1),
	('compteur(b93, 2026, 93048, al, -, flux).q1_hors_qpv', 1),
	-- M2's lease in 2027, in a QPV, quartiles 2-4: its charge too (mixte, at the lease)
	('compteur(b93, 2027, 93048, al, -, flux).baux', 1),
	('compteur(b93, 2027, 93048, al, -, flux).decomptes', 1),
	('compteur(b93, 2027, 93048, al, -, flux).q234_en_qpv', 1),
	-- M3's first orientation: the agents' carence, not charged (bail)
	('compteur(b93, 2026, 93048, agents, -, flux).carences', 1),
	-- M1's second vacancy: carence (charged) then lease (not charged again), renewal rehousing
	('compteur(b93, 2026, 93048, montreuil, -, flux).attribuees', 1),
	('compteur(b93, 2026, 93048, montreuil, -, flux).baux', 1),
	('compteur(b93, 2026, 93048, montreuil, -, flux).carences', 1),
	('compteur(b93, 2026, 93048, montreuil, -, flux).decomptes', 1),
	('compteur(b93, 2026, 93048, montreuil, -, flux).hors_qpv', 1),
	('compteur(b93, 2026, 93048, montreuil, -, flux).q1_hors_qpv', 1),
	('compteur(b93, 2026, 93048, pool, mutation_interne, hors flux).echecs', 1),
	-- B1: the pool, charged at the lease; QPV, quartiles 2-4, DALO
	('compteur(b93, 2026, 93008, pool, -, flux).attribuees', 1),
	('compteur(b93, 2026, 93008, pool, -, flux).baux', 1),
	('compteur(b93, 2026, 93008, pool, -, flux).decomptes', 1),
	('compteur(b93, 2026, 93008, pool, -, flux).prioritaires', 1),
	('compteur(b93, 2026, 93008, pool, -, flux).q234_en_qpv', 1),
	-- B2: withdrawn in 2026 (not charged), open in 2027 (charged, orientation mode)
	('compteur(b93, 2026, 93008, prefet, -, flux).retirees', 1),
	('compteur(b93, 2027, 93008, prefet, -, flux).decomptes', 1),
	('compteur(b93, 2027, 93008, prefet, -, flux).en_cours', 1),
	-- D1 to the defence ministry, H1 to the pool: outside the flux, never charged
	('compteur(b93, 2026, 93008, defense, -, hors flux).attribuees', 1),
	('compteur(b93, 2026, 93008, defense, -, hors flux).baux', 1),
	('compteur(b93, 2026, 93008, defense, -, hors flux).hors_qpv', 1),
	('compteur(b93, 2026, 93008, defense, -, hors flux).prioritaires', 1),
	('compteur(b93, 2026, 93008, pool, -, hors flux).en_cours', 1),
	-- the yearly report: in-flux orientations (proposes) and leases (attribues)
	('compteur_bilan(b93, 2026, 93008, pool, T1, hlm_o, t, 1949-1974).attribues', 1),
	('compteur_bilan(b93, 2026, 93008, pool, T1, hlm_o, t, 1949-1974).proposes', 1),
	('compteur_bilan(b93, 2026, 93008, prefet, T5+, plus, f, 1975-1989).proposes', 1),
	('compteur_bilan(b93, 2026, 93048, agents, T4, pls, f, 2005 et plus).proposes', 1),
	('compteur_bilan(b93, 2026, 93048, al, T2, plai, t, 1990-2004).proposes', 1),
	('compteur_bilan(b93, 2026, 93048, al, T3, plus, f, 1949-1974).proposes', 1),
	('compteur_bilan(b93, 2026, 93048, al, T4, pls, f, 2005 et plus).attribues', 1),
	('compteur_bilan(b93, 2026, 93048, al, T4, pls, f, 2005 et plus).proposes', 1),
	('compteur_bilan(b93, 2026, 93048, montreuil, T3, plus, f, 1949-1974).attribues', 1),
	('compteur_bilan(b93, 2026, 93048, montreuil, T3, plus, f, 1949-1974).proposes', 2),
	('compteur_bilan(b93, 2027, 93008, prefet, T5+, plus, f, 1975-1989).proposes', 1),
	('compteur_bilan(b93, 2027, 93048, al, T2, plai, t, 1990-2004).attribues', 1),
	-- the engine's count, each in-flux vacancy once in the year it became
	-- available (every one in 2026): M1, M3 and M2 for Action Logement
	-- (charged at the carence, at the lease and at the lease of 2027), not the
	-- agents' carence (bail) nor M1's subtraction; M1's second vacancy once for
	-- Montreuil (its carence, not again at the lease); B1 for the pool; B2 for
	-- the préfet, by its open orientation of 2027, not the one withdrawn
	('compteur(b93, 2026, 93048, al, -, flux).imputees', 3),
	('compteur(b93, 2026, 93048, montreuil, -, flux).imputees', 1),
	('compteur(b93, 2026, 93008, pool, -, flux).imputees', 1),
	('compteur(b93, 2026, 93008, prefet, -, flux).imputees', 1),
	-- the engine's counters: the same imputees and the report's orientations,
	-- outside QPV or not, by département (M2 and B1 in a QPV)
	('compteur_moteur(b93, 2026, 93, agents).proposes', 1),
	('compteur_moteur(b93, 2026, 93, agents).proposes_hors_qpv', 1),
	('compteur_moteur(b93, 2026, 93, al).imputees', 3),
	('compteur_moteur(b93, 2026, 93, al).proposes', 3),
	('compteur_moteur(b93, 2026, 93, al).proposes_hors_qpv', 2),
	('compteur_moteur(b93, 2026, 93, montreuil).imputees', 1),
	('compteur_moteur(b93, 2026, 93, montreuil).proposes', 2),
	('compteur_moteur(b93, 2026, 93, montreuil).proposes_hors_qpv', 2),
	('compteur_moteur(b93, 2026, 93, pool).imputees', 1),
	('compteur_moteur(b93, 2026, 93, pool).proposes', 1),
	('compteur_moteur(b93, 2026, 93, prefet).imputees', 1),
	('compteur_moteur(b93, 2026, 93, prefet).proposes', 1),
	('compteur_moteur(b93, 2026, 93, prefet).proposes_hors_qpv', 1),
	('compteur_moteur(b93, 2027, 93, prefet).proposes', 1),
	('compteur_moteur(b93, 2027, 93, prefet).proposes_hors_qpv', 1)
	$$, 'the oracle''s recount of the history, value by value, as DOMAIN.md''s rules give it');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'the extension''s counters equal the oracle''s recount');
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'and their own');

-- Positive controls, as the owner of the derived tables (who alone may write them).
SELECT tableowner AS proprietaire FROM pg_tables WHERE schemaname = 'flux_mgmt' AND tablename = 'compteur' \gset
SET ROLE :"proprietaire";
SAVEPOINT intact;
-- one counter row (one tranche of the key) forged
UPDATE flux_mgmt.compteur SET decomptes = decomptes + 1
WHERE bailleur = 'b93' AND annee = 2026 AND commune = '93048' AND reservataire = 'al' AND dans_flux
  AND tranche = (SELECT min(tranche) FROM flux_mgmt.compteur WHERE reservataire = 'al' AND annee = 2026 AND decomptes > 0);
SELECT results_eq('SELECT * FROM oracle_ecarts',
				  $$VALUES ('compteur(b93, 2026, 93048, al, -, flux).decomptes', 2::bigint, 3::bigint)$$,
				  'a forged counter: the oracle names its key and column, the recount and the value found');
SELECT results_eq('SELECT * FROM verifier_compteurs()', 'SELECT * FROM oracle_ecarts',
				  'verifier_compteurs() names exactly the same');
ROLLBACK TO SAVEPOINT intact;
-- a row of the yearly report's counters forged, and a key planted
UPDATE flux_mgmt.compteur_bilan SET proposes = proposes - 1
WHERE annee = 2026 AND reservataire = 'montreuil' AND proposes > 0
  AND tranche = (SELECT min(tranche) FROM flux_mgmt.compteur_bilan WHERE reservataire = 'montreuil' AND annee = 2026 AND proposes > 0);
INSERT INTO flux_mgmt.compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche, en_cours,
								attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires,
								imputees)
VALUES ('b93', 2025, '93048', 'prefet', NULL, true, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 1);
SELECT results_eq('SELECT * FROM oracle_ecarts',
				  $$VALUES ('compteur(b93, 2025, 93048, prefet, -, flux).baux', 0::bigint, 4::bigint),
						   ('compteur(b93, 2025, 93048, prefet, -, flux).imputees', 0, 1),
						   ('compteur_bilan(b93, 2026, 93048, montreuil, T3, plus, f, 1949-1974).proposes', 2, 1)$$,
				  'a forged bilan counter and a planted key: the oracle names both');
SELECT results_eq('SELECT * FROM verifier_compteurs()', 'SELECT * FROM oracle_ecarts',
				  'verifier_compteurs() names exactly the same');
ROLLBACK TO SAVEPOINT intact;
-- a row of the engine's counters forged: both name it, and the engine reads it
UPDATE flux_mgmt.compteur_moteur SET imputees = imputees + 2
WHERE annee = 2026 AND reservataire = 'al' AND imputees > 0
  AND tranche = (SELECT min(tranche) FROM flux_mgmt.compteur_moteur WHERE reservataire = 'al' AND annee = 2026 AND imputees > 0);
SELECT results_eq('SELECT * FROM oracle_ecarts',
				  $$VALUES ('compteur_moteur(b93, 2026, 93, al).imputees', 3::bigint, 5::bigint)$$,
				  'a forged counter of the engine: the oracle names its key and column');
SELECT results_eq('SELECT * FROM verifier_compteurs()', 'SELECT * FROM oracle_ecarts',
				  'verifier_compteurs() names exactly the same');
SELECT is((SELECT c.a FROM candidats('b93', '93008', 2026, 3::smallint, 'plus', false) AS c WHERE c.reservataire = 'al'), 5::bigint,
		  'and candidats() reads it: Action Logement seen with 5 dwellings where it had 3');
ROLLBACK TO SAVEPOINT intact;
-- one ledger row forged: the counters still equal the recount
UPDATE flux_mgmt.contribution SET baux = baux + 1 WHERE vacance_id = :m2 AND baux = 1;
SELECT is_empty('SELECT * FROM oracle_ecarts', 'a forged ledger row: the oracle, which does not read the ledger, sees nothing');
SELECT results_eq('SELECT * FROM verifier_compteurs()',
	$$VALUES ('contribution(2,b93,93048,T2,plai,t,1990-2004,2027,al,,t,0,0,0,0,0,0,1,0,0,1,0,0)', 1::bigint, 0::bigint),
			 ('contribution(2,b93,93048,T2,plai,t,1990-2004,2027,al,,t,0,0,0,0,0,0,2,0,0,1,0,0)', 0, 1)$$,
	'verifier_compteurs() names the forged row (in the ledger only) and the true one (missing)');
ROLLBACK TO SAVEPOINT intact;
RESET ROLE;

-- A counting rule of the extension changed: mixte no longer charges a
-- carence.  The counters rebuilt under it agree with verifier_compteurs(),
-- which recounts through the same rules; the oracle names the charge lost
-- (M1's second vacancy, whose carence is not charged any more, is charged at
-- its lease instead: the same counter; M1's first vacancy, whose carence
-- was its only charge, leaves the engine's count).
SELECT isnt(regexp_replace(pg_get_viewdef('flux_mgmt.orientation_decompte'),
							'WHEN ''carence''::[a-z_.]*issue_orientation THEN o\.date_issue', ''),
			pg_get_viewdef('flux_mgmt.orientation_decompte'), 'the carence arm of mixte is found in orientation_decompte');
DO $$ BEGIN
	EXECUTE 'CREATE OR REPLACE VIEW flux_mgmt.orientation_decompte AS '
		|| regexp_replace(pg_get_viewdef('flux_mgmt.orientation_decompte'),
						  'WHEN ''carence''::[a-z_.]*issue_orientation THEN o\.date_issue', '');
END $$;
SELECT recalculer_compteurs() > 0 AS recalcule \gset
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'the changed rule fools verifier_compteurs()');
SELECT results_eq('SELECT * FROM oracle_ecarts',
				  $$VALUES ('compteur(b93, 2026, 93048, al, -, flux).decomptes', 2::bigint, 1::bigint),
						   ('compteur(b93, 2026, 93048, al, -, flux).imputees', 3, 2),
						   ('compteur_moteur(b93, 2026, 93, al).imputees', 3, 2)$$,
				  'but not the oracle: it names the charge of the carence lost, and M1 no longer counted by the engine');

SELECT * FROM finish();
ROLLBACK;
