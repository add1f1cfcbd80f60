-- Data for test/client.sh (the example client examples/client.py): a landlord
-- of Seine-Saint-Denis with conventions for the préfet, Action Logement and
-- the commune of Montreuil, an employer whose convention ended in 2025, a few
-- dwellings in Montreuil (93048) and Bobigny (93008), and the first weeks of
-- 2026 already recorded, so that the suggestions of a new vacancy are not the
-- ones of an empty year.  Loaded by a superuser; every name is qualified.
CREATE EXTENSION flux_mgmt;
INSERT INTO flux_mgmt.bailleur (code, nom, siren) VALUES ('b93', 'Habitat Seine-Saint-Denis (exemple)', NULL);
INSERT INTO flux_mgmt.reservataire (code, nom, type) VALUES
	('prefet', 'Préfet de la Seine-Saint-Denis, publics prioritaires', 'etat_prioritaires'),
	('al', 'Action Logement Services', 'action_logement'),
	('montreuil', 'Ville de Montreuil', 'commune'),
	('employeur_x', 'Employeur X', 'employeur');
INSERT INTO flux_mgmt.territoire (reservataire, commune) VALUES ('montreuil', '93048');
INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('b93', 'prefet', '93', 2025, NULL, 25, 'mixte'),
	('b93', 'al', '93', 2025, NULL, 35, 'mixte'),
	('b93', 'montreuil', '93', 2025, NULL, 20, 'mixte'),
	('b93', 'employeur_x', '93', 2023, 2025, 5, 'bail');     -- ended: no orientation to it in 2026
INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES ('b93', '93', 2026, 5.3);
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction) VALUES
	('b93', 'MTR-001', '93048', 3, 'plus', false, 1972),
	('b93', 'MTR-002', '93048', 2, 'plai', true, 1995),
	('b93', 'MTR-003', '93048', 4, 'pls', false, 2010),
	('b93', 'BOB-001', '93008', 1, 'hlm_o', true, 1960),
	('b93', 'BOB-002', '93008', 5, 'plus', false, 1980),
	('b93', 'BOB-003', '93008', 3, 'plus', false, 1988);
-- January 2026: three dwellings freed, oriented and let (Montreuil, Action
-- Logement, the landlord's pool), one oriented to Action Logement whose lease
-- is still to come.
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT id, '2026-01-05' FROM flux_mgmt.logement WHERE ref IN ('MTR-002', 'MTR-003', 'BOB-001', 'BOB-002') ORDER BY id;
SELECT flux_mgmt.orienter(v.id, o.reservataire, date_orientation => '2026-01-06')
FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
JOIN (VALUES ('MTR-002', 'montreuil'), ('MTR-003', 'al'), ('BOB-001', NULL), ('BOB-002', 'al')) AS o(ref, reservataire)
  ON o.ref = l.ref
ORDER BY v.id;
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT o.id, '2026-01-22', '2026-02-02', l.ref = 'BOB-001', false
FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE l.ref IN ('MTR-002', 'MTR-003', 'BOB-001');
