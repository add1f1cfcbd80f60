-- A year of vacancies for the engine benchmark: the landlord × département
-- with the most conventions in force (ties: the largest stock); its in-flux
-- dwellings owned at 1 January become vacant at its rotation rate, on dates
-- spread over the year.  Leaves psql variables bailleur and departement.
SET search_path = flux_mgmt, public;
SELECT setseed(0.2026) \g /dev/null
SELECT c.bailleur, c.departement
FROM convention c
WHERE c.annee_debut <= 2026 AND coalesce(c.annee_fin, 9999) >= 2026
GROUP BY c.bailleur, c.departement
ORDER BY count(*) DESC, (SELECT count(*) FROM logement l WHERE l.bailleur = c.bailleur AND departement(l.commune) = c.departement) DESC
LIMIT 1 \gset
SELECT :'bailleur' AS bailleur, :'departement' AS departement,
	   (SELECT count(*) FROM conventions_en_vigueur(:'bailleur', :'departement', 2026)) AS conventions,
	   (SELECT assiette FROM assiette(:'bailleur', :'departement', '2026-01-01')) AS assiette,
	   (SELECT taux FROM rotation WHERE bailleur = :'bailleur' AND departement = :'departement' AND annee = 2026) AS rotation;
INSERT INTO vacance (logement_id, date_liberation)
-- a day of the year while the landlord owns the dwelling (some are sold during it)
SELECT l.id, date '2026-01-01' + floor(random() * (least(coalesce(l.sortie, date '2027-01-01'), date '2027-01-01') - date '2026-01-01'))::int
FROM logements_detenus(:'bailleur', :'departement', '2026-01-01') AS l
WHERE l.regime = 'flux'
  AND random() * 100 < (SELECT taux FROM rotation WHERE bailleur = :'bailleur' AND departement = :'departement' AND annee = 2026);
ANALYZE vacance;
