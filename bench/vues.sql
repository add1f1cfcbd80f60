-- Times the reporting views (atteinte, bilan_annuel, and for information
-- objectifs_attribution and bilan_soustractions) for one landlord-year and
-- for the whole region, side by side with the same figures computed straight
-- from the event tables with GROUP BY.  Run after bench/generer_idf.sql and
-- bench/generer_evenements.sql:
--   psql -v annee=2026 -v repetitions=7 -f bench/vues.sql
-- The landlords are the largest one (most dwellings) and one of median size.  Each query runs
-- `repetitions` times after one warm-up run; the table gives the best and
-- the median time, and for the event queries the ratio of their median to
-- the view's.  The event queries only read the vacancies of the year and the
-- one before (a charge of the year comes from them here), which helps them.

\set ON_ERROR_STOP 1
\if :{?annee}
\else
\set annee 2026
\endif
\if :{?repetitions}
\else
\set repetitions 7
\endif
\pset footer off
SET search_path = flux_mgmt, public;   -- the code_insee operators

\i bench/chrono.sql

SELECT l.bailleur AS grand, count(*) AS logements_du_grand FROM flux_mgmt.logement l
GROUP BY l.bailleur ORDER BY count(*) DESC, l.bailleur LIMIT 1 \gset
-- and a landlord of median size, for the typical case
SELECT m.bailleur AS moyen, m.n AS logements_du_moyen FROM (
	SELECT l.bailleur, count(*) AS n, row_number() OVER (ORDER BY count(*), l.bailleur) AS rang, count(*) OVER () AS total
	FROM flux_mgmt.logement l GROUP BY l.bailleur) AS m
WHERE m.rang = (m.total + 1) / 2 \gset
SELECT :'moyen' AS bailleur_median, :logements_du_moyen AS logements,
	   (SELECT count(DISTINCT flux_mgmt.departement(l.commune)) FROM flux_mgmt.logement l WHERE l.bailleur = :'moyen') AS departements;
SELECT :'grand' AS bailleur, :logements_du_grand AS logements,
	   (SELECT count(DISTINCT flux_mgmt.departement(l.commune)) FROM flux_mgmt.logement l WHERE l.bailleur = :'grand') AS departements,
	   (SELECT count(*) FROM flux_mgmt.compteur) AS lignes_compteur, (SELECT count(*) FROM flux_mgmt.compteur_bilan) AS lignes_compteur_bilan,
	   (SELECT count(*) FROM flux_mgmt.orientation) AS orientations;

-- atteinte straight from the events: the charge of each vacancy (its first
-- chargeable in-flux orientation, by the décompte mode of its convention;
-- the pool as bail), open orientations and carences, per landlord,
-- département, commune and beneficiary; then the conventions in force and
-- their scope; the pool gets the rest.  %1$s: the year, %2$s: a condition
-- on the dwellings (l.bailleur = … or true).
\set atteinte_evenements 'WITH o AS ( SELECT l.bailleur, flux_mgmt.departement(l.commune) AS departement, l.commune, o.vacance_id, o.id, o.reservataire, o.issue, o.date_orientation, CASE coalesce(c.mode_decompte, ''bail'') WHEN ''orientation'' THEN CASE WHEN o.issue <> ''retiree'' THEN o.date_orientation END WHEN ''bail'' THEN CASE WHEN o.issue = ''attribuee'' THEN a.date_bail END ELSE CASE o.issue WHEN ''attribuee'' THEN a.date_bail WHEN ''carence'' THEN o.date_issue END END AS date_decompte FROM flux_mgmt.logement l JOIN flux_mgmt.vacance v ON v.logement_id = l.id JOIN flux_mgmt.orientation o ON o.vacance_id = v.id LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id LEFT JOIN flux_mgmt.convention c ON c.bailleur = l.bailleur AND c.reservataire = o.reservataire AND c.departement = flux_mgmt.departement(l.commune) AND extract(year FROM o.date_orientation) BETWEEN c.annee_debut AND coalesce(c.annee_fin, 9999) WHERE l.regime = ''flux'' AND o.soustraction IS NULL AND v.date_liberation >= make_date(%1$s - 1, 1, 1) AND %2$s ), charge AS ( SELECT DISTINCT ON (o.vacance_id) o.* FROM o WHERE o.date_decompte IS NOT NULL ORDER BY o.vacance_id, o.id ), k AS ( SELECT x.bailleur, x.departement, x.commune, x.reservataire, count(*) FILTER (WHERE x.quoi = ''d'') AS decomptes, count(*) FILTER (WHERE x.quoi = ''e'') AS en_cours, count(*) FILTER (WHERE x.quoi = ''c'') AS carences FROM ( SELECT c.bailleur, c.departement, c.commune, c.reservataire, ''d'' AS quoi FROM charge c WHERE extract(year FROM c.date_decompte) = %1$s UNION ALL SELECT o.bailleur, o.departement, o.commune, o.reservataire, CASE o.issue WHEN ''en_cours'' THEN ''e'' WHEN ''carence'' THEN ''c'' END FROM o WHERE extract(year FROM o.date_orientation) = %1$s AND o.issue IN (''en_cours'', ''carence'') ) AS x GROUP BY 1, 2, 3, 4 ), v AS ( SELECT p.bailleur, p.departement, v.reservataire, v.taux, v.communes FROM (SELECT DISTINCT k.bailleur, k.departement FROM k) AS p CROSS JOIN LATERAL flux_mgmt.conventions_en_vigueur(p.bailleur, p.departement, %1$s) AS v ), s AS ( SELECT v.bailleur, v.departement, v.reservataire, v.taux, sum(k.decomptes) AS flux, coalesce(sum(k.decomptes) FILTER (WHERE k.reservataire = v.reservataire), 0) AS decomptes, coalesce(sum(k.en_cours) FILTER (WHERE k.reservataire = v.reservataire), 0) AS en_cours, coalesce(sum(k.carences) FILTER (WHERE k.reservataire = v.reservataire), 0) AS carences FROM v JOIN k ON k.bailleur = v.bailleur AND k.departement = v.departement AND (v.communes IS NULL OR k.commune = ANY (v.communes)) GROUP BY 1, 2, 3, 4 ), pool AS ( SELECT k.bailleur, k.departement, sum(k.decomptes) AS flux, sum(k.decomptes) FILTER (WHERE k.reservataire IS NULL) AS decomptes, sum(k.en_cours) FILTER (WHERE k.reservataire IS NULL) AS en_cours, sum(k.carences) FILTER (WHERE k.reservataire IS NULL) AS carences FROM k GROUP BY 1, 2 ) SELECT s.bailleur, s.departement, s.reservataire, s.taux, s.flux, s.taux * s.flux / 100 AS droit, s.decomptes, s.taux * s.flux / 100 - s.decomptes AS ecart, s.en_cours, s.carences FROM s UNION ALL SELECT p.bailleur, p.departement, NULL, NULL, p.flux, p.flux - coalesce((SELECT sum(s.taux * s.flux / 100) FROM s WHERE s.bailleur = p.bailleur AND s.departement = p.departement), 0), p.decomptes, NULL, p.en_cours, p.carences FROM pool p'

-- bilan_annuel straight from the events.
\set bilan_evenements 'SELECT l.bailleur, o.reservataire, flux_mgmt.typologie(l.nb_pieces), l.financement, l.qpv, l.commune, flux_mgmt.periode_construction(l.annee_construction), count(*) FILTER (WHERE extract(year FROM o.date_orientation) = %1$s) AS proposes, count(*) FILTER (WHERE extract(year FROM a.date_bail) = %1$s) AS attribues FROM flux_mgmt.logement l JOIN flux_mgmt.vacance v ON v.logement_id = l.id JOIN flux_mgmt.orientation o ON o.vacance_id = v.id LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id WHERE l.regime = ''flux'' AND o.soustraction IS NULL AND v.date_liberation >= make_date(%1$s - 1, 1, 1) AND (extract(year FROM o.date_orientation) = %1$s OR extract(year FROM a.date_bail) = %1$s) AND %2$s GROUP BY 1, 2, 3, 4, 5, 6, 7'

SELECT format(:'atteinte_evenements', :annee, format('l.bailleur = %L', :'grand')) AS atteinte_un,
	   format(:'atteinte_evenements', :annee, 'true') AS atteinte_region,
	   format(:'bilan_evenements', :annee, format('l.bailleur = %L', :'grand')) AS bilan_un,
	   format(:'bilan_evenements', :annee, 'true') AS bilan_region \gset

-- The same figures both ways: the region's charges and entitlements, and the
-- bilan totals.
CREATE TEMP TABLE ev_atteinte AS :atteinte_region;
CREATE TEMP TABLE ev_bilan AS :bilan_region;
SELECT 'atteinte, vue' AS calcul, sum(a.decomptes) AS decomptes, round(sum(a.droit), 3) AS droits,
	   sum(a.en_cours) AS en_cours, sum(a.carences) AS carences
FROM flux_mgmt.atteinte a WHERE a.annee = :annee
UNION ALL
SELECT 'atteinte, événements', sum(e.decomptes), round(sum(e.droit), 3), sum(e.en_cours), sum(e.carences) FROM ev_atteinte e
UNION ALL
SELECT 'bilan_annuel, vue', sum(b.logements_proposes), sum(b.logements_attribues), NULL, NULL
FROM flux_mgmt.bilan_annuel b WHERE b.annee = :annee
UNION ALL
SELECT 'bilan_annuel, événements', sum(e.proposes), sum(e.attribues), NULL, NULL FROM ev_bilan e;

CREATE TEMP TABLE mesures (ordre integer, requete text, vue text, meilleur numeric, median numeric);
INSERT INTO mesures
SELECT m.ordre, m.nom, m.vue, c.meilleur, c.median
FROM (VALUES
	(1, 'atteinte, largest landlord-year (view)', 'a1',
	 format('SELECT * FROM flux_mgmt.atteinte WHERE bailleur = %L AND annee = %s', :'grand', :annee)),
	(2, 'atteinte, largest landlord-year (events, GROUP BY)', 'a1', :'atteinte_un'),
	(3, 'bilan_annuel, largest landlord-year (view)', 'b1',
	 format('SELECT * FROM flux_mgmt.bilan_annuel WHERE bailleur = %L AND annee = %s', :'grand', :annee)),
	(4, 'bilan_annuel, largest landlord-year (events, GROUP BY)', 'b1', :'bilan_un'),
	(41, 'atteinte, median landlord-year (view)', 'am',
	 format('SELECT * FROM flux_mgmt.atteinte WHERE bailleur = %L AND annee = %s', :'moyen', :annee)),
	(42, 'atteinte, median landlord-year (events, GROUP BY)', 'am',
	 format(:'atteinte_evenements', :annee, format('l.bailleur = %L', :'moyen'))),
	(43, 'bilan_annuel, median landlord-year (view)', 'bm',
	 format('SELECT * FROM flux_mgmt.bilan_annuel WHERE bailleur = %L AND annee = %s', :'moyen', :annee)),
	(44, 'bilan_annuel, median landlord-year (events, GROUP BY)', 'bm',
	 format(:'bilan_evenements', :annee, format('l.bailleur = %L', :'moyen'))),
	(5, 'objectifs_attribution, largest landlord-year (view)', 'o1',
	 format('SELECT * FROM flux_mgmt.objectifs_attribution WHERE bailleur = %L AND annee = %s', :'grand', :annee)),
	(6, 'bilan_soustractions, largest landlord-year (view)', 's1',
	 format('SELECT * FROM flux_mgmt.bilan_soustractions WHERE bailleur = %L AND annee = %s', :'grand', :annee)),
	(7, 'rapport_annuel, largest landlord-year (HTML)', 'r1',
	 format('SELECT length(flux_mgmt.rapport_annuel(%L, %s))', :'grand', :annee)),
	(8, 'atteinte, whole region, one year (view)', 'ar',
	 format('SELECT * FROM flux_mgmt.atteinte WHERE annee = %s', :annee)),
	(9, 'atteinte, whole region, one year (events, GROUP BY)', 'ar', :'atteinte_region'),
	(10, 'bilan_annuel, whole region, one year (view)', 'br',
	 format('SELECT * FROM flux_mgmt.bilan_annuel WHERE annee = %s', :annee)),
	(11, 'bilan_annuel, whole region, one year (events, GROUP BY)', 'br', :'bilan_region'),
	(12, 'atteinte, whole region, every year (view)', 'aa', 'SELECT * FROM flux_mgmt.atteinte'),
	(13, 'bilan_annuel, whole region, every year (view)', 'ba', 'SELECT * FROM flux_mgmt.bilan_annuel')
) AS m(ordre, nom, vue, requete)
CROSS JOIN LATERAL pg_temp.chrono(m.requete, :repetitions) AS c;

SELECT m.requete AS "query", m.meilleur AS "best ms", m.median AS "median ms",
	   CASE WHEN m.ordre <> v.ordre THEN round(m.median / v.median, 1) END AS "× view"
FROM mesures m JOIN (SELECT DISTINCT ON (vue) vue, ordre, median FROM mesures ORDER BY vue, ordre) AS v USING (vue)
ORDER BY m.ordre;

SELECT (SELECT count(*) FROM flux_mgmt.atteinte WHERE bailleur = :'grand' AND annee = :annee) AS lignes_atteinte_un,
	   (SELECT count(*) FROM flux_mgmt.bilan_annuel WHERE bailleur = :'grand' AND annee = :annee) AS lignes_bilan_un,
	   (SELECT count(*) FROM flux_mgmt.atteinte WHERE annee = :annee) AS lignes_atteinte_region,
	   (SELECT count(*) FROM flux_mgmt.bilan_annuel WHERE annee = :annee) AS lignes_bilan_region;
