-- Data in every table of flux_mgmt, for the dump and restore round trip.
\set rpls `cat data/rpls_cannes_2018.csv`
\set cog `cat data/cog2026_communes_idf.csv`
CREATE EXTENSION flux_mgmt;
SET search_path = flux_mgmt, public;
INSERT INTO bailleur VALUES ('cannes', 'Parc social de Cannes', '552100554'), ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES
	('prefet', 'Préfet', 'etat_prioritaires'), ('agents', 'Agents de l''État', 'etat_agents'),
	('al', 'Action Logement', 'action_logement'), ('est_ensemble', 'Est Ensemble', 'ept'),
	('defense', 'Ministère des Armées', 'ministere');
SELECT count(*) FROM importer_rpls('cannes', :'rpls');
SELECT importer_communes(:'cog');
SELECT definir_territoire('est_ensemble', '200057875');
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv, regime, reservataire_stock)
	VALUES ('b93', 'D1', '93048', 3, false, 'stock_defense', 'defense');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte)
	VALUES ('b93', 'prefet', '93', 2025, NULL, 25, 'mixte'), ('b93', 'agents', '93', 2025, 2027, 5, 'bail'),
		   ('b93', 'al', '93', 2025, NULL, 35, 'orientation'), ('b93', 'est_ensemble', '93', 2025, NULL, 10, 'mixte');
INSERT INTO objectif_indicatif SELECT id, 'qpv', 'false', 30 FROM convention WHERE reservataire = 'prefet';
INSERT INTO rotation VALUES ('b93', '93', 2026, 5.3), ('cannes', '06', 2026, 6.1);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2026, 120);
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 90), ('b93', '93', 2026, 'vente', 2);
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie)
	VALUES ('b93', 'al', '93', 'suite', 3400, NULL, 'financement employeur'), ('b93', 'prefet', '93', 'unique', 8, '2030-12-31', 'aide');
-- a gap in the identity sequence, which the restore must keep
DELETE FROM logement WHERE ref = 'rpls-6375';
-- events of every kind, in both landlords
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) VALUES
	('b93', 'M1', '93048', 2, true), ('b93', 'M2', '93048', 4, false), ('b93', 'B1', '93008', 3, false);
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-02-01' FROM logement WHERE bailleur = 'b93' ORDER BY id;
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-02-01' FROM logement WHERE ref IN ('rpls-2', 'rpls-3', 'rpls-4') ORDER BY id;
SELECT orienter(v.id, o.r, o.s::motif_soustraction, '2026-02-02')
FROM vacance v JOIN logement l ON l.id = v.logement_id
JOIN (VALUES ('D1', 'defense', NULL), ('M1', 'est_ensemble', NULL), ('M2', 'al', NULL), ('B1', NULL, 'mutation_interne'),
			 ('rpls-2', NULL, NULL), ('rpls-3', NULL, NULL), ('rpls-4', NULL, 'vente')) AS o(ref, r, s) ON o.ref = l.ref;
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT o.id, '2026-02-20', '2026-03-01', true, false FROM orientation o WHERE o.reservataire IN ('est_ensemble', 'defense');
SELECT cloturer(o.id, 'carence', '2026-03-05') FROM orientation o WHERE o.reservataire = 'al';
INSERT INTO attribution (orientation_id, date_caleol) SELECT o.id, '2026-02-25' FROM orientation o
JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'rpls-2';
-- the état des lieux of Cannes from RPLS contingents and old conventions,
-- converted into conventions (convention_stock, droit_stock built from it,
-- conversion, conversion_palier)
INSERT INTO reservataire VALUES ('employeur', 'Employeur cannois', 'employeur');
UPDATE logement SET contingent_rpls = CASE id % 10 WHEN 0 THEN 3 WHEN 1 THEN 6 ELSE 7 END WHERE bailleur = 'cannes';
INSERT INTO convention_stock (bailleur, reservataire, reference, fin, contrepartie, contingent, taux_rotation) VALUES
	('cannes', 'al', 'AL-1990', NULL, 'participation des employeurs', 3, NULL),
	('cannes', 'employeur', 'EMP-2015', '2031-12-31', 'financement employeur', 6, 5.5);
INSERT INTO convention_stock (bailleur, reservataire, nature, departement, nombre, contrepartie)
	VALUES ('cannes', 'prefet', 'unique', '06', 4, 'premières locations');
SELECT count(*) FROM etablir_etat_des_lieux('cannes', '2026-01-01');
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, taux_rotation)
	VALUES ('cannes', 'al', '06', 'suite', 12, '2040-06-30', 'saisi à la main', 4.2);
SELECT count(*) FROM convertir_en_conventions('cannes', '06', '2026-01-01', 380);
INSERT INTO parametre_orientation VALUES ('plancher_prefet_hors_qpv', 35);
-- targets of the allocation objectives: one for a territory, one everywhere
INSERT INTO cible_objectif (objectif, epci, cible) VALUES ('O2', '200057875', 40), ('O1', NULL, 30);
