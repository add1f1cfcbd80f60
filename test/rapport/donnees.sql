-- A small landlord's year for test/rapport.sh: the fixture of the event
-- tests, the IdF commune names, a year of orientations and leases with
-- every outcome, a réservataire whose name needs escaping, subtractions and
-- forecasts (2027's flux can be computed).
\set cog `cat data/cog2026_communes_idf.csv`
CREATE EXTENSION flux_mgmt;
SET search_path = flux_mgmt, public;
SELECT importer_communes(:'cog');
\i test/fixtures/evenements.sql
UPDATE bailleur SET nom = 'Office <public> de l''habitat & Cie' WHERE code = 'b93';
UPDATE reservataire SET nom = 'Action Logement Services "ALS"' WHERE code = 'al';
-- 120 more dwellings in three communes, vacancies through 2026
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || n, (ARRAY['93048', '93008', '93066'])[1 + n % 3]::code_insee, 1 + n % 5,
	   (ARRAY['plai', 'plus', 'pls', 'hlm_o', 'pla'])[1 + n % 5]::financement, n % 3 = 1, 1940 + (n * 7) % 85
FROM generate_series(1, 120) AS n;
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-01-05'::date + (substr(ref, 2)::integer * 3) FROM logement WHERE ref LIKE 'R%';
INSERT INTO orientation (vacance_id, reservataire, soustraction, date_orientation)
SELECT v.id,
	   CASE WHEN n % 12 = 0 THEN NULL
			WHEN n % 3 = 0 AND n % 2 = 0 THEN 'montreuil'
			ELSE (ARRAY['prefet', 'al', 'al', 'agents', NULL, 'prefet', NULL])[1 + n % 7] END,
	   CASE WHEN n % 12 = 0 THEN (ARRAY['mutation_interne', 'renouvellement_urbain', 'vente'])[1 + n % 3]::motif_soustraction END,
	   v.date_liberation + 2
FROM vacance v JOIN logement l ON l.id = v.logement_id, LATERAL (SELECT substr(l.ref, 2)::integer AS n) AS x
WHERE l.ref LIKE 'R%'
ORDER BY n;
-- outcomes: a carence now and then, an échec, the rest let (a few still open)
SELECT cloturer(o.id, 'carence', o.date_limite + 1)
FROM orientation o WHERE o.reservataire IS NOT NULL AND o.id % 9 = 0 AND o.date_limite < '2026-12-01';
SELECT cloturer(o.id, 'echec', o.date_orientation + 40)
FROM orientation o WHERE o.reservataire IS NOT NULL AND o.id % 9 = 4 AND o.issue = 'en_cours' AND o.date_orientation < '2026-11-01';
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement)
SELECT o.id, o.date_orientation + 15, o.date_orientation + 30, o.id % 5 = 0, o.id % 7 = 0, o.id % 3 = 0, coalesce(o.soustraction = 'renouvellement_urbain', false)
FROM orientation o WHERE o.issue = 'en_cours' AND o.date_orientation < '2026-11-15';
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 5), ('b93', '93', 2026, 'vente', 2),
	('b93', '93', 2027, 'mutation_interne', 4), ('b93', '93', 2027, 'renouvellement_urbain', 2);
INSERT INTO rotation VALUES ('b93', '93', 2026, 5.3), ('b93', '93', 2027, 5.5);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2027, 12);
