-- Times the yearly computations of every landlord × département of one
-- year against the floor a user would compare with: a plain GROUP BY over
-- logement counting the same assiette.  Run after bench/generer_idf.sql:
--   psql -v annee=2026 -v repetitions=7 -f bench/flux.sql
-- Each query runs `repetitions` times after one warm-up run; the table gives
-- the best and the median time and the ratio of the medians to the floor.

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

\i bench/chrono.sql

CREATE TEMP TABLE paires AS
SELECT r.bailleur, r.departement FROM flux_mgmt.rotation r WHERE r.annee = :annee ORDER BY 1, 2;
SELECT count(*) AS paires, (SELECT count(*) FROM flux_mgmt.logement) AS logements,
	   (SELECT count(*) FROM paires p, flux_mgmt.conventions_en_vigueur(p.bailleur, p.departement, :annee)) AS conventions_en_vigueur
FROM paires;

-- The same assiette counts both ways (they must agree).
SELECT bool_and(g.patrimoine = a.patrimoine AND g.hors_flux = a.hors_flux) AS memes_comptes
FROM (SELECT l.bailleur, flux_mgmt.departement(l.commune) AS departement, count(*) AS patrimoine,
			 count(*) FILTER (WHERE l.regime <> 'flux') AS hors_flux
	  FROM flux_mgmt.logement l
	  WHERE (l.mise_en_service IS NULL OR l.mise_en_service <= make_date(:annee, 1, 1))
		AND (l.sortie IS NULL OR l.sortie > make_date(:annee, 1, 1))
	  GROUP BY 1, 2) AS g
FULL JOIN (SELECT p.bailleur, p.departement, a.* FROM paires p, flux_mgmt.assiette(p.bailleur, p.departement, make_date(:annee, 1, 1)) AS a) AS a
	USING (bailleur, departement);

CREATE TEMP TABLE mesures (ordre integer, requete text, meilleur numeric, median numeric);
INSERT INTO mesures
SELECT m.ordre, m.nom, c.meilleur, c.median
FROM (VALUES
	(1, 'floor: GROUP BY over logement (assiette counts)',
	 format($q$SELECT count(*) FROM (SELECT l.bailleur, flux_mgmt.departement(l.commune), count(*), count(*) FILTER (WHERE l.regime <> 'flux')
		FROM flux_mgmt.logement l
		WHERE (l.mise_en_service IS NULL OR l.mise_en_service <= make_date(%1$s, 1, 1)) AND (l.sortie IS NULL OR l.sortie > make_date(%1$s, 1, 1))
		GROUP BY 1, 2) AS g$q$, :annee)),
	(2, 'flux_previsionnel, every pair',
	 format('SELECT sum(f.flux_net) FROM paires p, flux_mgmt.flux_previsionnel(p.bailleur, p.departement, %s) AS f', :annee)),
	(3, 'parts_annuelles, every pair',
	 format('SELECT sum(s.droit_entier) FROM paires p, flux_mgmt.parts_annuelles(p.bailleur, p.departement, %s) AS s', :annee)),
	(4, 'flux_previsionnel + parts_annuelles, every pair',
	 format('SELECT sum(f.flux_net), (SELECT sum(s.droit_entier) FROM paires q, flux_mgmt.parts_annuelles(q.bailleur, q.departement, %1$s) AS s)
			 FROM paires p, flux_mgmt.flux_previsionnel(p.bailleur, p.departement, %1$s) AS f', :annee)),
	(5, 'controler_conventions, every pair',
	 format('SELECT count(*) FROM paires p, flux_mgmt.controler_conventions(p.bailleur, p.departement, %s) AS c', :annee))
) AS m(ordre, nom, requete)
CROSS JOIN LATERAL pg_temp.chrono(m.requete, :repetitions) AS c;

SELECT m.requete AS "query (one year, every landlord × département)", m.meilleur AS "best ms", m.median AS "median ms",
	   round(m.median / f.median, 2) AS "× floor"
FROM mesures m, mesures f WHERE f.ordre = 1
ORDER BY m.ordre;

SELECT sum(f.flux_net) AS flux_net_region, sum(round(f.flux_net)) AS logements_a_repartir,
	   (SELECT sum(s.droit_entier) FROM paires q, flux_mgmt.parts_annuelles(q.bailleur, q.departement, :annee) AS s) AS droits_entiers,
	   (SELECT count(*) FROM paires q, flux_mgmt.controler_conventions(q.bailleur, q.departement, :annee)) AS regles_enfreintes
FROM paires p, flux_mgmt.flux_previsionnel(p.bailleur, p.departement, :annee) AS f;
