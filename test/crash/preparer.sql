-- A landlord with 20,000 dwellings for the crash test.
CREATE EXTENSION flux_mgmt;
SET search_path = flux_mgmt, public;
INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES ('al', 'Action Logement', 'action_logement'), ('prefet', 'Préfet', 'etat_prioritaires');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux, mode_decompte)
VALUES ('b93', 'al', '93', 2026, 35, 'mixte'), ('b93', 'prefet', '93', 2026, 25, 'orientation');
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv)
SELECT 'b93', 'L' || n, (ARRAY['93048', '93008', '93066'])[1 + n % 3]::code_insee, 1 + n % 5, n % 3 = 0
FROM generate_series(1, 20000) AS n;
CREATE SEQUENCE public.crash_n;
ANALYZE;
