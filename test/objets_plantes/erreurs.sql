-- The error paths of the planted-objects test (test/objets_plantes.sh), run
-- by the administrator (or the superuser) after the events: each statement
-- below must fail (its SQLSTATE is echoed as "erreur <code>"), and what it
-- ran before failing must not call a look-alike.  A failed statement rolls
-- back the rows it wrote in public.appels: the recorder also warns the client
-- of every call (objets_plantes.avertir), and test/objets_plantes.sh counts
-- the warnings.  Same rules as referentiel.sql.
\set ON_ERROR_STOP 0
\set VERBOSITY terse
\set rpls `cat data/rpls_cannes_2018.csv`
SET objets_plantes.avertir = on;
-- (setup, which succeeds) a vacancy of M1 with an open orientation to the préfet
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT id, '2026-11-02' FROM flux_mgmt.logement WHERE bailleur = 'b93' AND ref = 'M1';
SELECT v.id AS v FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE l.ref = 'M1' AND v.date_liberation = '2026-11-02' \gset
SELECT flux_mgmt.orienter(:v, 'prefet', NULL, '2026-11-03') AS o \gset
SELECT max(o.id) AS fermee FROM flux_mgmt.orientation o WHERE o.issue OPERATOR(pg_catalog.=) 'carence' \gset

-- reference data and their rules
SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2031);
\echo erreur :SQLSTATE
SELECT * FROM flux_mgmt.parts_annuelles('inconnu', '93', 2026);
\echo erreur :SQLSTATE
SELECT * FROM flux_mgmt.parts_annuelles('b93', '99', 2026);
\echo erreur :SQLSTATE
SELECT * FROM flux_mgmt.importer_rpls('b93', split_part(:'rpls', E'\n', 1) || E'\n1;2;3', 'x-');
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'employeur', '93', 2026, 40);
\echo erreur :SQLSTATE
UPDATE flux_mgmt.convention SET taux = '10' WHERE bailleur = 'b93' AND reservataire = 'agents';
\echo erreur :SQLSTATE
SELECT * FROM flux_mgmt.convertir_en_conventions('cannes', '06', '2026-01-01', 380);
\echo erreur :SQLSTATE
SELECT flux_mgmt.definir_territoire('al', '93048');
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.bailleur (code, nom, siren) VALUES ('x', 'X', '123456789');
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, qpv, regime) VALUES ('b93', 'S1', '93048', 2, false, 'stock_defense');
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.territoire (reservataire, commune) VALUES ('al', '93048');
\echo erreur :SQLSTATE
UPDATE flux_mgmt.reservataire SET type = 'autre' WHERE code = 'montreuil';
\echo erreur :SQLSTATE
UPDATE flux_mgmt.logement SET sortie = '2026-01-15' WHERE bailleur = 'b93' AND ref = 'M2';
\echo erreur :SQLSTATE
-- events and their rules
SELECT flux_mgmt.orienter(0, 'al');
\echo erreur :SQLSTATE
SELECT flux_mgmt.orienter(:v, 'al', NULL, '2026-11-04');
\echo erreur :SQLSTATE
SELECT flux_mgmt.cloturer(:o, 'carence', '2026-11-05');
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'employeur', '2026-11-02' FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE l.ref = 'M4' AND v.date_liberation = '2026-02-01';
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '1901-01-01' FROM flux_mgmt.logement WHERE ref = 'cannes-2';
\echo erreur :SQLSTATE
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol) VALUES (:fermee, '2026-12-01');
\echo erreur :SQLSTATE
UPDATE flux_mgmt.orientation SET date_orientation = '2025-01-01' WHERE id = :o;
\echo erreur :SQLSTATE
-- functions refusing their arguments
SELECT '6029'::flux_mgmt.code_insee;
\echo erreur :SQLSTATE
SELECT flux_mgmt.typologie(0::smallint);
\echo erreur :SQLSTATE
SELECT flux_mgmt.repartir('{-1,2}', 3);
\echo erreur :SQLSTATE
SELECT flux_mgmt.rapport_annuel('inconnu', 2026);
\echo erreur :SQLSTATE
SELECT flux_mgmt.rapport_annuel('b93', 1850);
\echo erreur :SQLSTATE
SELECT flux_mgmt.export_reservataire('b93', 'inconnu', 2026);
\echo erreur :SQLSTATE
SELECT flux_mgmt.refuser('message', 'detail', 'hint');
\echo erreur :SQLSTATE
