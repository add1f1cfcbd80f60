-- The data of the counter benchmark: one landlord in Seine-Saint-Denis with
-- 100,000 dwellings in three communes, conventions in every décompte mode.
-- Run in each database of the comparison.
SET search_path = flux_mgmt, public;
INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES
	('prefet', 'Préfet, prioritaires', 'etat_prioritaires'), ('agents', 'Préfet, agents', 'etat_agents'),
	('al', 'Action Logement', 'action_logement'), ('employeur', 'Employeur Y', 'employeur');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux, mode_decompte) VALUES
	('b93', 'prefet', '93', 2020, 25, 'orientation'), ('b93', 'agents', '93', 2020, 5, 'bail'),
	('b93', 'al', '93', 2020, 35, 'mixte'), ('b93', 'employeur', '93', 2020, 6, 'mixte');
-- dwellings 1..100000: ids 1..50000 in Montreuil (the same-key runs use them)
INSERT INTO logement (id, bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT n, 'b93', 'L' || n, CASE WHEN n <= 50000 THEN '93048' WHEN n <= 80000 THEN '93008' ELSE '93066' END::code_insee,
	   1 + n % 5, (enum_range(NULL::financement))[1 + n % 7], n % 3 = 0, 1950 + n % 70
FROM generate_series(1, 100000) AS n;
CREATE SEQUENCE public.bench_n;
-- statistics of the reference data only: the event tables start empty and
-- never analyzed, as in a fresh installation
VACUUM ANALYZE flux_mgmt.bailleur, flux_mgmt.reservataire, flux_mgmt.convention, flux_mgmt.logement;
