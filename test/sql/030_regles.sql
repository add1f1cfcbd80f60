-- The rules of the reference tables: each one accepted at its limit and
-- rejected just past it, with its SQLSTATE and message.
\i test/setup.sql
BEGIN;
SELECT plan(51);

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', '552100554');
INSERT INTO reservataire VALUES
	('prefet', 'Préfet de la Seine-Saint-Denis', 'etat_prioritaires'),
	('agents', 'Préfet, agents de l''État', 'etat_agents'),
	('al', 'Action Logement Services', 'action_logement'),
	('montreuil', 'Ville de Montreuil', 'commune'),
	('defense', 'Ministère des Armées', 'ministere');

-- bailleur
SELECT throws_ok($$INSERT INTO flux_mgmt.bailleur VALUES ('x', 'X', '552100555')$$, '23514',
				 'invalid SIREN ''552100555'' for landlord ''x''', 'a SIREN failing the Luhn check is rejected');
SELECT throws_ok($$INSERT INTO flux_mgmt.bailleur VALUES ('x', 'X', '5521')$$, '23514', NULL, 'a short SIREN is rejected');
SELECT lives_ok($$INSERT INTO flux_mgmt.bailleur VALUES ('x', 'X', NULL)$$, 'a landlord without SIREN is fine');
SELECT throws_ok($$INSERT INTO flux_mgmt.bailleur VALUES ('x', 'X again', NULL)$$, '23505', NULL, 'landlord codes are unique');

-- territoire
SELECT lives_ok($$INSERT INTO flux_mgmt.territoire VALUES ('montreuil', '93048')$$, 'a commune réservataire gets its territory');
SELECT throws_ok($$INSERT INTO flux_mgmt.territoire VALUES ('al', '93048')$$, '23514',
				 'réservataire ''al'' of type action_logement has no territory', 'a département-wide réservataire has no territory');
SELECT throws_ok($$INSERT INTO flux_mgmt.territoire VALUES ('inconnu', '93048')$$, '23503', NULL, 'territory of an unknown réservataire');
SELECT throws_ok($$INSERT INTO flux_mgmt.territoire VALUES ('montreuil', '9348')$$, '22P02', NULL, 'territory with a malformed commune');
SELECT throws_ok($$UPDATE flux_mgmt.reservataire SET type = 'autre' WHERE code = 'montreuil'$$, '23514',
				 'réservataire ''montreuil'' of type autre cannot keep a territory', 'a réservataire with a territory stays territorial');
SELECT lives_ok($$UPDATE flux_mgmt.reservataire SET type = 'autre' WHERE code = 'al'$$, 'a réservataire without territory may change type');

-- logement
SELECT lives_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
				  VALUES ('b93', 'L1', '93048', 3, 'plus', true, 1975)$$, 'a plain dwelling');
SELECT lives_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, regime, reservataire_stock)
				  VALUES ('b93', 'L2', '93048', false, 'stock_defense', 'defense')$$, 'a defence stock dwelling with its holder');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, regime)
				   VALUES ('b93', 'L3', '93048', false, 'stock_defense')$$, '23514',
				 'dwelling ''L3'' of landlord ''b93'' in regime stock_defense has no holder', 'a stock dwelling needs a holder');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, reservataire_stock)
				   VALUES ('b93', 'L3', '93048', false, 'defense')$$, '23514',
				 'dwelling ''L3'' of landlord ''b93'' in regime flux cannot have a stock holder (''defense'')', 'a flux dwelling has no holder');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, regime, reservataire_stock)
				   VALUES ('b93', 'L3', '93048', false, 'hors_champ', 'defense')$$, '23514', NULL, 'a hors champ dwelling has no holder');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv) VALUES ('b93', 'L1', '93048', false)$$,
				 '23505', NULL, 'refs are unique per landlord');
SELECT lives_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv) VALUES ('x', 'L1', '93048', false)$$,
				'another landlord may reuse a ref');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv) VALUES ('nobody', 'L9', '93048', false)$$,
				 '23503', NULL, 'a dwelling of an unknown landlord');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, nb_pieces) VALUES ('b93', 'L4', '93048', false, 0)$$,
				 '23514', 'invalid number of rooms 0 for dwelling ''L4''', 'zero rooms');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, annee_construction) VALUES ('b93', 'L4', '93048', false, 999)$$,
				 '23514', 'invalid construction year 999 for dwelling ''L4''', 'construction year 999');
SELECT lives_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, annee_construction) VALUES ('b93', 'L4', '93048', false, 1000)$$,
				'construction year 1000 is the limit');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, mise_en_service, sortie)
				   VALUES ('b93', 'L5', '93048', false, '2020-01-01', '2020-01-01')$$, '23514', NULL, 'leaving the stock the day it entered');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, rpls) VALUES ('b93', 'L5', '93048', false, '12345')$$,
				 '23514', 'invalid RPLS identifier ''12345'' for dwelling ''L5''', 'a short RPLS identifier');
SELECT lives_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, rpls) VALUES ('b93', 'L5', '93048', false, '0930480001')$$,
				'a 10-character RPLS identifier');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, rpls) VALUES ('b93', 'L6', '93048', false, '0930480001')$$,
				 '23505', NULL, 'RPLS identifiers are unique');
SELECT throws_ok($$INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, contingent_rpls) VALUES ('b93', 'L6', '93048', false, 8)$$,
				 '23514', 'invalid RPLS contingent 8 for dwelling ''L6''', 'CONTRESLOG 8');
SELECT throws_ok($$UPDATE flux_mgmt.logement SET regime = 'stock_sante' WHERE ref = 'L1'$$, '23514', NULL, 'updates are checked too');

-- convention
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				  VALUES ('b93', 'prefet', '93', 2024, 2025, 25)$$, 'a convention');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('b93', 'prefet', '93', 2026, 25)$$, 'the next one, open, starting the year after');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				   VALUES ('b93', 'prefet', '93', 2025, 2025, 25)$$, '23514',
				 'two conventions of landlord ''b93'' with réservataire ''prefet'' in département 93 overlap: 2025-2025 and 2024-2025',
				 'overlapping conventions are rejected');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				   VALUES ('b93', 'agents', '93', 2024, 2024, 5), ('b93', 'agents', '93', 2024, 2030, 5)$$, '23514', NULL,
				 'two overlapping conventions in one statement are rejected');
SELECT throws_ok($$UPDATE flux_mgmt.convention SET annee_fin = NULL WHERE annee_debut = 2024$$, '23514', NULL,
				 'an update creating an overlap is rejected');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				  VALUES ('b93', 'prefet', '92', 2024, 25)$$, 'another département is another convention');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('b93', 'al', '93', 2024, 0)$$, '23514', 'share 0 % of convention b93/al/93 is out of range', 'share 0');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				  VALUES ('b93', 'al', '93', 2020, 2020, 100)$$, 'share 100 is the limit');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('b93', 'al', '93', 2024, 100.001)$$, '23514', 'share 100.001 % of convention b93/al/93 is out of range', 'share 100.001');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux)
				   VALUES ('b93', 'al', '9', 2024, 10)$$, '22023', 'invalid département ''9'' in convention b93/al/9', 'a one-digit département');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
				   VALUES ('b93', 'al', '93', 2024, 2023, 10)$$, '23514', 'convention b93/al/93 ends in 2023, before it starts in 2024', 'ends before it starts');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux, delai)
				   VALUES ('b93', 'al', '93', 2024, 10, '0 days')$$, '23514', NULL, 'a zero delay');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, derogation_prefet)
				   VALUES ('b93', 'al', '93', 2024, 2024, 10, true)$$, '23514', NULL, 'only the State derogates');
SELECT throws_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, derogation_prefet)
				   VALUES ('b93', 'agents', '93', 2027, 2028, 10, true)$$, '23514',
				 'convention b93/agents/93 derogates to the State caps for more than one year (2027 to 2028)', 'a derogation lasts one year at most');
SELECT lives_ok($$INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, derogation_prefet)
				  VALUES ('b93', 'agents', '93', 2027, 2027, 10, true)$$, 'a one-year derogation of the State');

-- objectif_indicatif
SELECT lives_ok($$INSERT INTO flux_mgmt.objectif_indicatif SELECT id, c, v, 20 FROM flux_mgmt.convention,
				  (VALUES ('nb_pieces', '5'), ('financement', 'plai'), ('qpv', 'false'), ('commune', '93048')) AS o(c, v)
				  WHERE reservataire = 'prefet' AND annee_debut = 2026$$, 'one objective of each criterion');
SELECT throws_ok($$INSERT INTO flux_mgmt.objectif_indicatif SELECT id, 'etage', '3', 20 FROM flux_mgmt.convention WHERE annee_debut = 2026$$,
				 '23514', NULL, 'an unknown criterion');
SELECT throws_ok($$INSERT INTO flux_mgmt.objectif_indicatif SELECT id, 'nb_pieces', '6', 20 FROM flux_mgmt.convention WHERE annee_debut = 2026$$,
				 '23514', NULL, 'six rooms is not a typology (5 means 5 and more)');
SELECT throws_ok($$INSERT INTO flux_mgmt.objectif_indicatif SELECT id, 'commune', '9348', 20 FROM flux_mgmt.convention WHERE annee_debut = 2026$$,
				 '23514', NULL, 'a malformed commune');
SELECT throws_ok($$INSERT INTO flux_mgmt.objectif_indicatif SELECT id, 'financement', 'pls', 101 FROM flux_mgmt.convention WHERE annee_debut = 2026$$,
				 '23514', NULL, 'a part above 100 %');

-- rotation, forecasts, stock rights
SELECT throws_ok($$INSERT INTO flux_mgmt.rotation VALUES ('b93', '93', 2026, 101)$$, '23514', NULL, 'a rotation rate above 100 %');
SELECT throws_ok($$INSERT INTO flux_mgmt.rotation VALUES ('b93', '2C', 2026, 5)$$, '22023', NULL, 'a rotation rate in an unknown département');
SELECT throws_ok($$INSERT INTO flux_mgmt.soustraction_prevue VALUES ('b93', '93', 2026, 'vente', -1)$$, '23514', NULL, 'a negative forecast');
SELECT throws_ok($$INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre)
				   VALUES ('b93', 'al', '93', 'suite', 0)$$, '23514', NULL, 'a stock right on no dwelling');

SELECT * FROM finish();
ROLLBACK;
