-- After the COPY of Cannes vacancies and of some of their orientations
-- (test/objets_plantes.sh): the engine orients the vacancies still waiting,
-- in date order.  Same rules as referentiel.sql.
\set ON_ERROR_STOP 1
\pset footer off
SELECT count(*) AS orientees FROM flux_mgmt.orienter_en_attente('cannes', 2026);
SELECT count(*) AS orientees_2027 FROM flux_mgmt.orienter_en_attente('b93', 2027);
