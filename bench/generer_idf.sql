-- An Île-de-France-sized data set for flux_mgmt, reproducible.
--
--   psql -v echelle=1 -v graine=0.42 -v annee=2026 -f bench/generer_idf.sql
--
-- run from the top of the repository (it reads data/cog2026_communes_idf.csv)
-- in a database where flux_mgmt is installed and empty.  Variables, all
-- optional:
--   echelle  fraction of the region's stock to generate (1 = 1.27 million
--            dwellings; 0.01 for a quick try)                   default 1
--   graine   seed of random() (setseed), same seed same data     default 0.42
--   annee    the year of the forecasts and of the conventions    default 2026
--
-- What it builds, set-based (one INSERT … SELECT per table):
--   - the 1,286 INSEE communes of the region (importer_communes);
--   - 150 landlords, each in 1 to 3 départements, a few national ones in all
--     8; the stock of each département (DREAL, 1/1/2023) shared among the
--     landlords present there, in proportion to a random size;
--   - the dwellings, in "résidences" of about 60 (same commune, QPV flag,
--     construction year and financing): communes drawn in proportion to
--     their population, 31 % of résidences in a QPV, typology T1 7.4 %,
--     T2 20.2 %, T3 37.0 %, T4 27.8 %, T5+ 7.5 % (DOMAIN §6), financing by
--     construction period; 0.3 % defence stock, 0.1 % security stock, 0.4 %
--     hors champ; mise_en_service in the construction year, 0.4 % sold;
--   - réservataires: the préfet (priority households and State agents) and
--     the conseil départemental of each département, Action Logement, the
--     Region, 40 employers, 10 other bodies, every commune of 30,000
--     inhabitants or more (Paris as a whole), every EPT and every EPCI
--     outside the Métropole du Grand Paris, with their territories;
--   - 10 to 25 conventions per landlord × département, within the rules
--     (State 25 + 5 %, Action Logement 20-32 %, département 2-5 %, Region,
--     3-12 employers, up to 3 communes and one EPT/EPCI where the landlord
--     owns most), plus ended ones (history);
--   - rotation rates for annee - 1 and annee around the IdF 2022 reference
--     of the département, first lettings (about 1.2 % of the stock) and
--     subtractions per motive for annee.
-- The tables of this script are temporary (bench_*) and the data is left in
-- flux_mgmt's tables, ANALYZEd.  Later scripts (events, a year of
-- orientations) can reuse bench_paire and bench_residence in the same
-- session, or read the flux_mgmt tables.

\set ON_ERROR_STOP 1
\if :{?echelle}
\else
\set echelle 1
\endif
\if :{?graine}
\else
\set graine 0.42
\endif
\if :{?annee}
\else
\set annee 2026
\endif
SET client_min_messages = warning;
-- the code_insee operators live in the extension's schema
SET search_path = flux_mgmt, public;
SELECT setseed(:graine) \g /dev/null
\timing on

\echo communes
-- Communes, with their population (the last column of the COG file).
\set cog `cat data/cog2026_communes_idf.csv`
SELECT flux_mgmt.importer_communes(:'cog') AS communes_importees;
CREATE TEMP TABLE bench_commune AS
SELECT c.code, flux_mgmt.departement(c.code) AS departement, c.epci, c.ept, p.population
FROM (SELECT split_part(l, ';', 1) AS code, split_part(l, ';', 13) AS population
	  FROM regexp_split_to_table(:'cog', E'\r?\n') WITH ORDINALITY AS t(l, n)
	  WHERE n > 1 AND l <> '') AS p
JOIN flux_mgmt.commune c ON c.code = p.code::flux_mgmt.code_insee
WHERE p.code <> '75056' AND p.population ~ '^[0-9]+$' AND p.population::integer > 0;
-- Drawing a commune in proportion to its population: cumulative bounds per
-- département, searched by width_bucket.
CREATE TEMP TABLE bench_tirage AS
SELECT departement, array_agg(code ORDER BY code) AS codes, array_agg(cumul ORDER BY code) AS bornes, max(cumul) AS total
FROM (SELECT b.departement, b.code, sum(b.population::bigint) OVER (PARTITION BY b.departement ORDER BY b.code) AS cumul
	  FROM bench_commune b) AS x
GROUP BY departement;

-- Stock let or offered at 1/1/2023 (DREAL Île-de-France, DOMAIN §6).
CREATE TEMP TABLE bench_stock (departement text PRIMARY KEY, stock integer);
INSERT INTO bench_stock VALUES ('75', 222280), ('77', 103814), ('78', 123129), ('91', 116530),
	('92', 193773), ('93', 222455), ('94', 168949), ('95', 122845);

\echo landlords
-- Landlords and the départements they are in.
INSERT INTO flux_mgmt.bailleur (code, nom)
SELECT format('b%s', lpad(i::text, 3, '0')), format('Bailleur social %s', i) FROM generate_series(1, 150) AS i;
CREATE TEMP TABLE bench_paire AS
WITH b AS (
	SELECT i, format('b%s', lpad(i::text, 3, '0')) AS bailleur, exp(random() * 3) AS taille,
		   CASE WHEN r < 0.55 THEN 1 WHEN r < 0.80 THEN 2 WHEN r < 0.92 THEN 3 ELSE 8 END AS nb
	FROM (SELECT i, random() AS r FROM generate_series(1, 150) AS i) AS x
), choix AS (
	SELECT b.bailleur, b.nb, d.departement, d.rang,
		   b.taille * CASE WHEN d.rang = 1 THEN 1 ELSE 0.2 + 0.6 * d.r END * CASE WHEN b.nb = 8 THEN 4 ELSE 1 END AS poids
	FROM b CROSS JOIN LATERAL (
		SELECT s.departement, random() AS r,
			   row_number() OVER (ORDER BY s.departement = (ARRAY['75', '77', '78', '91', '92', '93', '94', '95'])[1 + b.i % 8] DESC,
										  random()) AS rang
		FROM bench_stock s) AS d
	WHERE d.rang <= b.nb
)
SELECT c.bailleur, c.departement,
	   greatest(1, round(s.stock * :echelle * c.poids / sum(c.poids) OVER (PARTITION BY c.departement)))::integer AS logements
FROM choix c JOIN bench_stock s USING (departement)
ORDER BY c.bailleur, c.departement;

\echo dwellings
-- Résidences of about 60 dwellings, then the dwellings.
CREATE TEMP TABLE bench_residence AS
WITH r AS (
	SELECT p.bailleur, p.departement, k AS num, ceil(p.logements / 60.0)::integer AS nb,
		   p.logements * k / ceil(p.logements / 60.0)::integer - p.logements * (k - 1) / ceil(p.logements / 60.0)::integer AS taille,
		   random() AS x, random() AS q, random() AS a, random() AS f
	FROM bench_paire p CROSS JOIN LATERAL generate_series(1, ceil(p.logements / 60.0)::integer) AS k
), c AS (
	SELECT r.*, t.codes[1 + width_bucket(r.x * t.total, t.bornes)]::flux_mgmt.code_insee AS commune,
		   1950 + floor(power(r.a, 0.8) * (:annee - 1950 + 1))::integer AS annee_construction
	FROM r JOIN bench_tirage t USING (departement)
)
SELECT c.bailleur, c.departement, c.num, c.taille, c.commune, c.q < 0.31 AS qpv, c.annee_construction,
	   (CASE WHEN c.annee_construction < 1977 THEN CASE WHEN c.f < 0.85 THEN 'hlm_o' ELSE 'autre' END
			 WHEN c.annee_construction < 2000 THEN CASE WHEN c.f < 0.70 THEN 'pla' WHEN c.f < 0.80 THEN 'plai'
													   WHEN c.f < 0.90 THEN 'pls' ELSE 'pli' END
			 ELSE CASE WHEN c.f < 0.55 THEN 'plus' WHEN c.f < 0.85 THEN 'plai' ELSE 'pls' END
		END)::flux_mgmt.financement AS financement
FROM c
ORDER BY c.bailleur, c.departement, c.num;

INSERT INTO flux_mgmt.reservataire (code, nom, type) VALUES
	('min_armees', 'Ministère des Armées', 'ministere'), ('min_interieur', 'Ministère de l''Intérieur', 'ministere');
-- each residence a programme, its CUS segment by age (no draw: the others stay the same)
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction,
								regime, reservataire_stock, mise_en_service, sortie, programme, segment_patrimoine, libelle_segment)
SELECT r.bailleur, format('%s-%s-%s', r.departement, r.num, g), r.commune,
	   (1 + width_bucket(h.t, ARRAY[0.074, 0.276, 0.646, 0.924]) + CASE WHEN h.t > 0.98 THEN 1 ELSE 0 END)::smallint,
	   r.financement, r.qpv, r.annee_construction,
	   (CASE WHEN h.x < 0.003 THEN 'stock_defense' WHEN h.x < 0.004 THEN 'stock_securite'
			 WHEN h.x < 0.008 THEN 'hors_champ' ELSE 'flux' END)::flux_mgmt.regime,
	   CASE WHEN h.x < 0.003 THEN 'min_armees' WHEN h.x < 0.004 THEN 'min_interieur' END,
	   make_date(r.annee_construction, 1 + (h.m * 11)::integer, 1),
	   CASE WHEN r.annee_construction < :annee - 1 AND h.y < 0.002 THEN make_date(:annee - 1, 6, 1)
			WHEN r.annee_construction < :annee - 1 AND h.y < 0.004 THEN make_date(:annee, 6, 1) END,
	   format('%s-%s', r.departement, r.num),
	   CASE WHEN r.annee_construction < 1977 THEN 'S1' WHEN r.annee_construction < 2000 THEN 'S2' ELSE 'S3' END,
	   CASE WHEN r.annee_construction < 1977 THEN 'Avant 1977' WHEN r.annee_construction < 2000 THEN '1977-1999' ELSE 'Depuis 2000' END
FROM bench_residence r
CROSS JOIN LATERAL generate_series(1, r.taille) AS g
CROSS JOIN LATERAL (SELECT random() AS t, random() AS x, random() AS y, random() AS m WHERE g > 0) AS h;

\echo réservataires and territories
-- Réservataires and territories.
INSERT INTO flux_mgmt.reservataire (code, nom, type)
SELECT format('prefet_%s', d), format('Préfet (%s), publics prioritaires', d), 'etat_prioritaires'::flux_mgmt.type_reservataire FROM bench_stock AS s(d)
UNION ALL SELECT format('agents_%s', d), format('Préfet (%s), agents de l''État', d), 'etat_agents' FROM bench_stock AS s(d)
UNION ALL SELECT format('cd_%s', d), format('Conseil départemental %s', d), 'departement' FROM bench_stock AS s(d) WHERE d <> '75'
UNION ALL SELECT 'action_logement', 'Action Logement Services', 'action_logement'
UNION ALL SELECT 'region_idf', 'Région Île-de-France', 'region'
UNION ALL SELECT format('employeur_%s', lpad(i::text, 2, '0')), format('Employeur %s', i), 'employeur' FROM generate_series(1, 40) AS i
UNION ALL SELECT format('organisme_%s', lpad(i::text, 2, '0')), format('Organisme %s', i), 'organisme' FROM generate_series(1, 10) AS i
UNION ALL SELECT 'ville_paris', 'Ville de Paris', 'commune'
UNION ALL SELECT format('commune_%s', b.code), c.nom, 'commune'
		  FROM bench_commune b JOIN flux_mgmt.commune c USING (code)
		  WHERE b.population::integer >= 30000 AND b.departement <> '75'
UNION ALL SELECT DISTINCT format('ept_%s', c.ept), c.ept_nom, 'ept'::flux_mgmt.type_reservataire FROM flux_mgmt.commune c WHERE c.ept IS NOT NULL
UNION ALL SELECT DISTINCT format('epci_%s', c.epci), c.epci_nom, 'epci'::flux_mgmt.type_reservataire FROM flux_mgmt.commune c
		  WHERE c.epci IS NOT NULL AND c.epci <> '200054781';   -- not the Métropole du Grand Paris
INSERT INTO flux_mgmt.territoire (reservataire, commune)
SELECT 'ville_paris', c.code FROM flux_mgmt.commune c WHERE c.code = '75056' OR c.commune_parente = '75056'
UNION ALL SELECT r.code, substr(r.code, 9)::flux_mgmt.code_insee FROM flux_mgmt.reservataire r WHERE r.code LIKE 'commune\_%'
UNION ALL SELECT format('ept_%s', c.ept), c.code FROM flux_mgmt.commune c WHERE c.ept IS NOT NULL
UNION ALL SELECT format('epci_%s', c.epci), c.code FROM flux_mgmt.commune c WHERE c.epci IS NOT NULL AND c.epci <> '200054781';

\echo conventions (the INSERT judges every landlord × département: statement trigger)
-- Conventions: département-wide ones, then territorial ones where the
-- landlord owns most, then ended ones (history).  At most 86 % département-
-- wide, 8 % for a commune, 4 % for its EPT or EPCI: never above 100 %.
CREATE TEMP TABLE bench_convention AS
WITH p AS (
	SELECT p.*, 6 + floor(random() * 8)::integer AS employeurs, floor(random() * 3)::integer AS organismes,
		   random() AS r, :annee - 3 + floor(random() * 3)::integer AS debut
	FROM bench_paire p
), departementales AS (
	SELECT p.bailleur, p.departement, v.reservataire, p.debut AS annee_debut, v.taux
	FROM p CROSS JOIN LATERAL (VALUES
		('prefet_' || p.departement, 25::numeric),
		('agents_' || p.departement, 5),
		('action_logement', round((20 + random() * 12)::numeric, 1)),
		(CASE WHEN p.departement <> '75' THEN 'cd_' || p.departement END, round((2 + random() * 3)::numeric, 1)),
		(CASE WHEN p.r < 0.5 THEN 'region_idf' END, round((1 + random() * 2)::numeric, 1))
	) AS v(reservataire, taux)
	WHERE v.reservataire IS NOT NULL
	UNION ALL
	SELECT p.bailleur, p.departement, e.reservataire, p.debut + (random() < 0.3)::integer, round((0.2 + random())::numeric, 2)
	FROM p CROSS JOIN LATERAL (
		SELECT format('employeur_%s', lpad(k::text, 2, '0')) AS reservataire
		FROM generate_series(1, 40) AS k ORDER BY random() LIMIT p.employeurs) AS e
	UNION ALL
	SELECT p.bailleur, p.departement, o.reservataire, p.debut, round((0.1 + random() * 0.7)::numeric, 2)
	FROM p CROSS JOIN LATERAL (
		SELECT format('organisme_%s', lpad(k::text, 2, '0')) AS reservataire
		FROM generate_series(1, 10) AS k ORDER BY random() LIMIT p.organismes) AS o
), par_commune AS (
	SELECT l.bailleur, flux_mgmt.departement(l.commune) AS departement, l.commune, count(*) AS n,
		   row_number() OVER (PARTITION BY l.bailleur, flux_mgmt.departement(l.commune) ORDER BY count(*) DESC, l.commune) AS rang
	FROM flux_mgmt.logement l
	GROUP BY l.bailleur, flux_mgmt.departement(l.commune), l.commune
), territoriales AS (
	-- Paris as a whole, the landlord's first three communes having a
	-- commune réservataire, the EPT or EPCI of its first commune
	SELECT p.bailleur, p.departement, 'ville_paris' AS reservataire, p.debut AS annee_debut, round((8 + random() * 4)::numeric, 1) AS taux
	FROM p WHERE p.departement = '75'
	UNION ALL
	SELECT c.bailleur, c.departement, c.reservataire, :annee - 2, round((4 + random() * 4)::numeric, 1)
	FROM (SELECT pc.bailleur, pc.departement, r.code AS reservataire,
				 row_number() OVER (PARTITION BY pc.bailleur, pc.departement ORDER BY pc.rang) AS k
		  FROM par_commune pc JOIN flux_mgmt.reservataire r ON r.code = 'commune_' || pc.commune) AS c
	WHERE c.k <= 3
	UNION ALL
	SELECT pc.bailleur, pc.departement, coalesce('ept_' || m.ept, 'epci_' || m.epci), :annee - 2, round((2 + random() * 2)::numeric, 1)
	FROM par_commune pc JOIN flux_mgmt.commune m ON m.code = pc.commune
	WHERE pc.rang = 1 AND pc.departement <> '75' AND (m.ept IS NOT NULL OR m.epci <> '200054781')
)
SELECT bailleur, departement, reservataire, annee_debut, NULL::integer AS annee_fin, taux FROM departementales
UNION ALL
SELECT bailleur, departement, reservataire, annee_debut, NULL, taux FROM territoriales
UNION ALL
-- ended conventions of Action Logement and the State, before the current ones
SELECT bailleur, departement, reservataire, 2015, annee_debut - 1, taux FROM departementales
WHERE reservataire = 'action_logement' OR reservataire LIKE 'prefet\_%';

INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
SELECT bailleur, reservataire, departement, annee_debut, annee_fin, taux FROM bench_convention
ORDER BY bailleur, departement, reservataire, annee_debut;

\echo forecasts
-- Forecasts: rotation rates around the reference of the département, first
-- lettings about 1.2 % of the stock, subtractions per motive.
INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux)
SELECT p.bailleur, p.departement, y, round(flux_mgmt.taux_rotation_reference(p.departement) + (random() - 0.5)::numeric * 2, 1)
FROM bench_paire p CROSS JOIN generate_series(:annee - 1, :annee) AS y;
INSERT INTO flux_mgmt.mise_en_service_prevue (bailleur, departement, annee, nombre)
SELECT p.bailleur, p.departement, :annee, round(p.logements * 0.012 * (0.5 + random()))::integer FROM bench_paire p;
INSERT INTO flux_mgmt.soustraction_prevue (bailleur, departement, annee, motif, nombre)
SELECT p.bailleur, p.departement, :annee, m.motif,
	   round(p.logements * r.taux / 100 * m.part * (0.5 + random()))::integer
FROM bench_paire p
JOIN flux_mgmt.rotation r ON r.bailleur = p.bailleur AND r.departement = p.departement AND r.annee = :annee
CROSS JOIN (VALUES ('mutation_interne'::flux_mgmt.motif_soustraction, 0.10), ('renouvellement_urbain', 0.03),
				   ('copropriete_degradee', 0.005), ('habitat_indigne', 0.003), ('vente', 0.005)) AS m(motif, part);

\echo analyze
ANALYZE flux_mgmt.commune, flux_mgmt.territoire, flux_mgmt.bailleur, flux_mgmt.reservataire, flux_mgmt.logement,
	flux_mgmt.convention, flux_mgmt.rotation, flux_mgmt.mise_en_service_prevue, flux_mgmt.soustraction_prevue;
\timing off

SELECT count(*) AS paires, sum(logements) AS logements, min(logements) AS min_par_paire, max(logements) AS max_par_paire,
	   (SELECT count(*) FROM flux_mgmt.convention) AS conventions, (SELECT count(*) FROM flux_mgmt.reservataire) AS reservataires,
	   (SELECT count(*) FROM flux_mgmt.territoire) AS communes_de_territoires
FROM bench_paire;
SELECT min(n) AS conventions_min, round(avg(n), 1) AS conventions_moyenne, max(n) AS conventions_max
FROM (SELECT count(*) AS n FROM bench_paire p, flux_mgmt.conventions_en_vigueur(p.bailleur, p.departement, :annee) GROUP BY p.bailleur, p.departement) AS x;
