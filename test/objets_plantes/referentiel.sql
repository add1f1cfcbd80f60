-- The reference data of the planted-objects test (test/objets_plantes.sh),
-- written by the administrator (or the superuser): the Cannes RPLS stock, the
-- Île-de-France communes, landlords, réservataires, territories, dwellings,
-- conventions, forecasts, the état des lieux and the conversion of Cannes,
-- and the functions that read them (after test/dump_restore/remplir.sql and
-- demo/demo.sql).  It runs with the caller's search_path, which may not
-- contain flux_mgmt and may contain public, where look-alikes are planted:
-- every name is qualified, and no expression here calls an operator or a
-- function that a look-alike could capture (literals are quoted, so that they
-- take the type of the column; no arithmetic on mixed types; enums and
-- code_insee through casts or qualified operators).
\set ON_ERROR_STOP 1
\pset footer off
\set rpls `cat data/rpls_cannes_2018.csv`
\set cog `cat data/cog2026_communes_idf.csv`

INSERT INTO flux_mgmt.bailleur (code, nom, siren) VALUES
	('cannes', 'Parc social de Cannes', '552100554'), ('b93', 'Bailleur 93', NULL);
INSERT INTO flux_mgmt.reservataire (code, nom, type) VALUES
	('prefet', 'Préfet', 'etat_prioritaires'), ('agents', 'Agents de l''État', 'etat_agents'),
	('al', 'Action Logement', 'action_logement'), ('est_ensemble', 'Est Ensemble', 'ept'),
	('montreuil', 'Ville de Montreuil', 'commune'), ('defense', 'Ministère des Armées', 'ministere'),
	('employeur', 'Employeur cannois', 'employeur'), ('cd93', 'Département de la Seine-Saint-Denis', 'departement');

-- the Cannes RPLS file and the COG list
SELECT count(*) AS lignes_lues FROM flux_mgmt.rpls_analyser(:'rpls');
SELECT * FROM flux_mgmt.importer_rpls('cannes', :'rpls', 'cannes-');
SELECT flux_mgmt.importer_communes(:'cog') AS communes;
SELECT flux_mgmt.definir_territoire('est_ensemble', '200057875') AS communes_est_ensemble;
INSERT INTO flux_mgmt.territoire (reservataire, commune) VALUES ('montreuil', '93048');

-- a small landlord in Seine-Saint-Denis (test/fixtures/evenements.sql)
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, regime, reservataire_stock) VALUES
	('b93', 'M1', '93048', 3, 'plus', false, 1972, 'flux', NULL),
	('b93', 'M2', '93048', 2, 'plai', true, 1995, 'flux', NULL),
	('b93', 'M3', '93048', 4, 'pls', false, 2010, 'flux', NULL),
	('b93', 'M4', '93048', 1, 'plus', false, 1958, 'flux', NULL),
	('b93', 'B1', '93008', 1, 'hlm_o', true, 1960, 'flux', NULL),
	('b93', 'B2', '93008', 5, 'plus', false, 1980, 'flux', NULL),
	('b93', 'B3', '93008', 3, 'plai', false, 2001, 'flux', NULL),
	('b93', 'D1', '93008', 3, 'plus', false, 1990, 'stock_defense', 'defense'),
	('b93', 'H1', '93008', 2, 'autre', false, 1930, 'hors_champ', NULL);
INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('b93', 'prefet', '93', 2025, NULL, 25, 'orientation'),
	('b93', 'agents', '93', 2025, 2027, 5, 'bail'),
	('b93', 'al', '93', 2025, NULL, 35, 'mixte'),
	('b93', 'est_ensemble', '93', 2025, NULL, 10, 'mixte'),
	('b93', 'montreuil', '93', 2025, NULL, 5, 'mixte');
-- a share moved by an UPDATE, judged by the statement rules
UPDATE flux_mgmt.convention SET taux = '30' WHERE bailleur = 'b93' AND reservataire = 'al';
UPDATE flux_mgmt.convention SET taux = '35', delai = '2 months' WHERE bailleur = 'b93' AND reservataire = 'al';
INSERT INTO flux_mgmt.objectif_indicatif (convention_id, critere, valeur, part)
SELECT id, 'qpv', 'false', '30' FROM flux_mgmt.convention WHERE reservataire = 'prefet';
INSERT INTO flux_mgmt.objectif_indicatif (convention_id, critere, valeur, part)
SELECT id, 'nb_pieces', '4', '50' FROM flux_mgmt.convention WHERE reservataire = 'al';
INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES
	('b93', '93', 2026, 5.3), ('b93', '93', 2027, 5.3), ('cannes', '06', 2026, 6.1), ('cannes', '06', 2027, 6.0);
INSERT INTO flux_mgmt.mise_en_service_prevue (bailleur, departement, annee, nombre) VALUES
	('b93', '93', 2026, 120), ('cannes', '06', 2027, 25);
INSERT INTO flux_mgmt.soustraction_prevue (bailleur, departement, annee, motif, nombre) VALUES
	('b93', '93', 2026, 'mutation_interne', 90), ('b93', '93', 2026, 'vente', 2), ('cannes', '06', 2027, 'mutation_interne', 12);
INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie) VALUES
	('b93', 'al', '93', 'suite', 3400, NULL, 'financement employeur'), ('b93', 'prefet', '93', 'unique', 8, '2030-12-31', 'aide');
INSERT INTO flux_mgmt.cible_objectif (objectif, epci, cible) VALUES ('O2', '200057875', 40), ('O1', NULL, 30);
INSERT INTO flux_mgmt.parametre_orientation (cle, valeur) VALUES ('plancher_prefet_hors_qpv', 35);

-- the état des lieux of Cannes from RPLS contingents and old conventions, converted into conventions
-- (CONTRESLOG drawn from the line number: 3 for one dwelling in ten, 6 for one in ten, 7 otherwise)
UPDATE flux_mgmt.logement SET contingent_rpls = c.contingent
FROM (SELECT n::text AS n, CASE substr(n::text, length(n::text)) WHEN '0' THEN 3 WHEN '1' THEN 6 ELSE 7 END AS contingent
	  FROM generate_series(1, 6400) AS n) AS c
WHERE logement.bailleur = 'cannes' AND logement.ref = 'cannes-' || c.n;
INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, reference, fin, contrepartie, contingent, taux_rotation) VALUES
	('cannes', 'al', 'AL-1990', NULL, 'participation des employeurs', 3, NULL),
	('cannes', 'employeur', 'EMP-2015', '2031-12-31', 'financement employeur', 6, 5.5);
INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, nature, departement, nombre, contrepartie)
	VALUES ('cannes', 'prefet', 'unique', '06', 4, 'premières locations');
SELECT * FROM flux_mgmt.etablir_etat_des_lieux('cannes', '2026-01-01') ORDER BY 1, 2;
INSERT INTO flux_mgmt.droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, taux_rotation)
	VALUES ('cannes', 'al', '06', 'suite', 12, '2040-06-30', 'saisi à la main', 4.2);
SELECT * FROM flux_mgmt.assiette('cannes', '06', '2026-01-01');
SELECT * FROM flux_mgmt.detail_conversion('cannes', '06', '2026-01-01') ORDER BY droit_id;
SELECT * FROM flux_mgmt.convertir_stock('cannes', '06', '2026-01-01', 380) ORDER BY reservataire;
SELECT * FROM flux_mgmt.paliers_conversion('cannes', '06', '2026-01-01', 380) ORDER BY reservataire, annee_debut;
SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2026-01-01', 380) ORDER BY reservataire, annee_debut;

-- what reads them
SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2026);
SELECT * FROM flux_mgmt.flux_previsionnel('cannes', '06', 2026);
SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', 2026);
SELECT * FROM flux_mgmt.parts_annuelles('cannes', '06', 2026);
SELECT * FROM flux_mgmt.controler_conventions('b93', '93', 2026);
SELECT * FROM flux_mgmt.controler_conventions('cannes', '06', 2027);
SELECT * FROM flux_mgmt.conventions_en_vigueur('b93', '93', 2026) ORDER BY reservataire;
SELECT count(*) AS detenus FROM flux_mgmt.logements_detenus('cannes', '06', '2026-01-01');
SELECT * FROM flux_mgmt.convention_de('b93', 'montreuil', '93048', '2026-03-01');
SELECT flux_mgmt.taux_rotation_reference('93'), flux_mgmt.taux_rotation_reference('06'),
	   flux_mgmt.calendrier(0.4, 10), flux_mgmt.repartir('{6,6,2}', 11),
	   flux_mgmt.cible_en_vigueur('O2', '200057875'), flux_mgmt.cible_en_vigueur('O3', NULL);
SELECT flux_mgmt.departement('2A004'), flux_mgmt.departement('97411'), flux_mgmt.departement_valide('2B'),
	   flux_mgmt.premiere_commune('93'), flux_mgmt.derniere_commune('971'), flux_mgmt.code_insee_valide('6029'),
	   flux_mgmt.typologie(7::smallint), flux_mgmt.financement_rpls(13::smallint), flux_mgmt.siren_valide('552100554'),
	   flux_mgmt.est_territorial('ept'), flux_mgmt.periode_construction(1968::smallint);
