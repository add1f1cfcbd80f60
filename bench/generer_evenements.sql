-- Years of events (vacancies, orientations, attributions) for the dwellings
-- and conventions already in flux_mgmt, reproducible.
--
--   psql -v annee=2026 -v annees=5 -v echelle=1 -v graine=0.42 -f bench/generer_evenements.sql
--
-- Run it after bench/generer_idf.sql (or on any data: it reads only
-- flux_mgmt's tables), in the same or another session.  Variables, all
-- optional:
--   annee    last year generated; the events stop on 31 December  default 2026
--   annees   number of years, ending with annee                    default 5
--   echelle  fraction of the vacancies to generate (1 = every
--            dwelling leaves at its landlord's rotation rate)       default 1
--   graine   seed of random() (setseed): same seed, same events    default 0.42
--
-- What it writes, set-based (INSERT … SELECT per table and year, in
-- statements of at most 10,000 rows, the extension's triggers on: the
-- counters are kept as in production):
--   - vacancies: each dwelling owned in a year leaves with the probability
--     of its landlord's rotation rate in the département (flux_mgmt.rotation
--     of that year, else of the nearest year, else the reference rate), on a
--     random day; a dwelling put into service that year is let for the
--     first time on that day (premiere_location);
--   - orientations, on the day of the vacancy or up to two weeks later (in
--     the same year): stock dwellings to their holder, hors champ ones to the
--     pool; 15 % of the others out of the flux (internal mutations 70 %,
--     urban renewal 18 %, degraded co-ownerships 4 %, unfit housing 3 %,
--     sales 5 %); the rest to a réservataire drawn in proportion to the
--     shares of the conventions in force whose scope covers the commune, or
--     to the pool (the remainder to 100 %);
--   - outcomes: of orientations to réservataires 80 % attributed, 8 %
--     carences (after the delay), 7 % échecs, 5 % withdrawn; a dwelling
--     that comes back is oriented again to the pool and attributed; pool
--     and subtracted orientations are attributed (4 % fail); an outcome that
--     would fall after 31 December of the last year is left open (en_cours);
--   - attributions (CALEOL 10 to 35 days after the orientation, lease 5 to
--     25 days later) with household flags at the rates of DOMAIN §3.7: DALO
--     and priority households 92 % of the préfet's, about a quarter of the
--     others'; first quartile 14 % outside QPV (25 % for the préfet), 40 %
--     inside; renewal rehousing for the urban renewal and ORCOD
--     subtractions; mutations for internal mutations and 12 % of the rest;
--     State agents for the etat_agents réservataires.
-- Identifiers follow the existing rows (the identity sequences are moved on),
-- so it can run again for other years.  Temporary tables gen_* are left in
-- the session.

\set ON_ERROR_STOP 1
\if :{?annee}
\else
\set annee 2026
\endif
\if :{?annees}
\else
\set annees 5
\endif
\if :{?echelle}
\else
\set echelle 1
\endif
\if :{?graine}
\else
\set graine 0.42
\endif
SET client_min_messages = warning;
SET search_path = flux_mgmt, public;
-- one process draws every random number, in a fixed order: same seed, same data
SET max_parallel_workers_per_gather = 0;
SELECT setseed(:graine) \g /dev/null
\timing on

\echo plan: years, rotation rates, the conventions a vacancy can be oriented to
CREATE TEMP TABLE gen_annee AS
SELECT y AS annee, make_date(y, 1, 1) AS debut, make_date(y, 12, 31) AS fin
FROM generate_series(:annee - :annees + 1, :annee) AS y;
CREATE TEMP TABLE gen_paire AS
SELECT DISTINCT l.bailleur, flux_mgmt.departement(l.commune) AS departement FROM flux_mgmt.logement l;
CREATE TEMP TABLE gen_rotation AS
SELECT p.bailleur, p.departement, a.annee,
	   coalesce((SELECT r.taux FROM flux_mgmt.rotation r
				 WHERE r.bailleur = p.bailleur AND r.departement = p.departement
				 ORDER BY abs(r.annee - a.annee), r.annee DESC LIMIT 1),
				flux_mgmt.taux_rotation_reference(p.departement)) AS taux
FROM gen_paire p CROSS JOIN gen_annee a;
-- per landlord, commune and year: the réservataires whose convention in force
-- covers the commune, with their cumulative shares (a draw u in [0, 100)
-- falls in one of them, or beyond: the pool)
CREATE TEMP TABLE gen_tirage AS
WITH v AS (
	SELECT p.bailleur, p.departement, a.annee, v.reservataire, v.type, v.taux, v.delai, v.communes
	FROM gen_paire p CROSS JOIN gen_annee a
	CROSS JOIN LATERAL flux_mgmt.conventions_en_vigueur(p.bailleur, p.departement, a.annee) AS v
), lc AS (
	SELECT DISTINCT l.bailleur, flux_mgmt.departement(l.commune) AS departement, l.commune
	FROM flux_mgmt.logement l WHERE l.regime = 'flux'
), e AS (
	SELECT lc.bailleur, lc.commune, v.annee, v.reservataire, v.type, v.delai,
		   sum(v.taux) OVER (PARTITION BY lc.bailleur, lc.commune, v.annee ORDER BY v.reservataire) AS borne
	FROM lc JOIN v ON v.bailleur = lc.bailleur AND v.departement = lc.departement
	WHERE v.communes IS NULL OR lc.commune = ANY (v.communes)
)
SELECT e.bailleur, e.commune, e.annee, array_agg(e.reservataire ORDER BY e.borne) AS codes,
	   array_agg(e.type ORDER BY e.borne) AS types, array_agg(e.delai ORDER BY e.borne) AS delais,
	   array_agg(e.borne ORDER BY e.borne) AS bornes
FROM e GROUP BY e.bailleur, e.commune, e.annee;
CREATE INDEX ON gen_tirage (bailleur, commune, annee);

\echo plan: vacancies
CREATE TEMP TABLE gen_vacance AS
WITH t AS (
	-- random() in the select list: drawn for every dwelling and year
	SELECT l.id AS logement_id, l.bailleur, l.commune, l.regime, l.reservataire_stock, l.mise_en_service, l.sortie,
		   a.annee, a.debut, a.fin, r.taux, random() AS u, random() AS jour
	FROM flux_mgmt.logement l
	CROSS JOIN gen_annee a
	JOIN gen_rotation r ON r.bailleur = l.bailleur AND r.departement = flux_mgmt.departement(l.commune) AND r.annee = a.annee
	WHERE (l.mise_en_service IS NULL OR l.mise_en_service <= a.fin) AND (l.sortie IS NULL OR l.sortie > a.debut)
), v AS (
	SELECT t.*,
		   CASE WHEN t.mise_en_service BETWEEN t.debut AND t.fin THEN t.mise_en_service
				ELSE t.debut + floor(t.jour * (t.fin - t.debut + 1))::integer END AS date_liberation,
		   coalesce(t.mise_en_service BETWEEN t.debut AND t.fin, false) AS premiere_location
	FROM t
)
SELECT (SELECT coalesce(max(x.id), 0) FROM flux_mgmt.vacance x)
	   + row_number() OVER (ORDER BY v.date_liberation, v.logement_id) AS id,
	   v.logement_id, v.bailleur, v.commune, v.regime, v.reservataire_stock, v.annee, v.date_liberation, v.premiere_location
FROM v
WHERE v.u < :echelle * CASE WHEN v.premiere_location THEN 1 ELSE v.taux / 100 END
  AND (v.mise_en_service IS NULL OR v.mise_en_service <= v.date_liberation)
  AND (v.sortie IS NULL OR v.sortie > v.date_liberation)
  AND NOT EXISTS (SELECT FROM flux_mgmt.vacance x WHERE x.logement_id = v.logement_id AND x.date_liberation = v.date_liberation);

\echo plan: orientations and their outcomes
-- première: the first orientation of each vacancy; a réservataire's that
-- ends in a carence, an échec or a withdrawal is followed by one to the pool
CREATE TEMP TABLE gen_premiere AS
WITH v AS (
	SELECT v.*, random() AS u_sous, random() AS u_motif, random() AS u_res, random() AS u_issue,
		   random() AS d1, random() AS d2, random() AS d3, random() AS d4, random() AS d5, a.fin AS fin_generation
	FROM gen_vacance v CROSS JOIN (SELECT max(fin) AS fin FROM gen_annee) AS a
), c AS (
	SELECT v.*,
		   CASE WHEN v.regime = 'flux' AND v.u_sous < 0.15 THEN
				(CASE WHEN v.u_motif < 0.70 THEN 'mutation_interne' WHEN v.u_motif < 0.88 THEN 'renouvellement_urbain'
					  WHEN v.u_motif < 0.92 THEN 'copropriete_degradee' WHEN v.u_motif < 0.95 THEN 'habitat_indigne'
					  ELSE 'vente' END)::flux_mgmt.motif_soustraction END AS soustraction,
		   width_bucket((v.u_res * 100)::numeric, t.bornes) + 1 AS rang_tire, t.codes, t.types, t.delais,
		   least(v.date_liberation + floor(v.d1 * 15)::integer, make_date(v.annee, 12, 31)) AS date_orientation
	FROM v LEFT JOIN gen_tirage t ON t.bailleur = v.bailleur AND t.commune = v.commune AND t.annee = v.annee
), b AS (
	SELECT c.*,
		   CASE WHEN c.regime <> 'flux' THEN c.reservataire_stock   -- null for hors champ: the pool
				WHEN c.soustraction IS NULL THEN c.codes[c.rang_tire] END AS reservataire,
		   CASE WHEN c.regime = 'flux' AND c.soustraction IS NULL THEN c.types[c.rang_tire] END AS type,
		   CASE WHEN c.regime = 'flux' AND c.soustraction IS NULL THEN c.date_orientation + c.delais[c.rang_tire] END::date AS date_limite
	FROM c
), i AS (
	SELECT b.*,
		   CASE WHEN b.regime IN ('stock_defense', 'stock_securite', 'stock_sante') THEN 'attribuee'
				WHEN b.type IS NOT NULL THEN
					CASE WHEN b.u_issue < 0.80 THEN 'attribuee' WHEN b.u_issue < 0.88 THEN 'carence'
						 WHEN b.u_issue < 0.95 THEN 'echec' ELSE 'retiree' END
				WHEN b.u_issue < 0.96 THEN 'attribuee'
				WHEN b.soustraction IS NOT NULL THEN 'retiree' ELSE 'echec' END AS issue_prevue,
		   b.date_orientation + 10 + floor(b.d2 * 26)::integer AS date_caleol
	FROM b
)
SELECT i.id AS vacance_id, i.annee, i.bailleur, i.commune, i.reservataire, i.type, i.soustraction,
	   i.date_orientation, i.date_limite, i.fin_generation, i.d4, i.d5,
	   i.issue_prevue, i.date_caleol,
	   CASE i.issue_prevue WHEN 'attribuee' THEN i.date_caleol + 5 + floor(i.d3 * 21)::integer
		   WHEN 'carence' THEN i.date_limite + floor(i.d3 * 6)::integer
		   WHEN 'echec' THEN i.date_orientation + 20 + floor(i.d3 * 31)::integer
		   ELSE i.date_orientation + 5 + floor(i.d3 * 26)::integer END AS date_issue
FROM i;

CREATE TEMP TABLE gen_orientation AS
WITH o AS (
	SELECT p.vacance_id, 1 AS rang, p.annee, p.bailleur, p.commune, p.reservataire, p.type, p.soustraction,
		   p.date_orientation, p.date_limite, p.issue_prevue, p.date_caleol, p.date_issue, p.fin_generation
	FROM gen_premiere p
	UNION ALL
	-- the dwelling comes back: oriented again, to the pool, and attributed
	SELECT p.vacance_id, 2, p.annee, p.bailleur, p.commune, NULL, NULL, NULL,
		   p.date_issue + 1 + floor(p.d4 * 5)::integer, NULL, 'attribuee',
		   p.date_issue + 11 + floor(p.d4 * 5)::integer + floor(p.d5 * 26)::integer,
		   p.date_issue + 16 + floor(p.d4 * 5)::integer + floor(p.d5 * 26)::integer + floor(p.d4 * 21)::integer,
		   p.fin_generation
	FROM gen_premiere p
	WHERE p.issue_prevue <> 'attribuee' AND p.soustraction IS NULL AND p.date_issue <= p.fin_generation
)
SELECT (SELECT coalesce(max(x.id), 0) FROM flux_mgmt.orientation x)
	   + row_number() OVER (ORDER BY o.vacance_id, o.rang) AS id,
	   o.vacance_id, o.rang, o.annee, o.bailleur, o.commune, o.reservataire, o.type, o.soustraction,
	   o.date_orientation, o.date_limite,
	   -- what has not happened by the end of the last year is still open
	   CASE WHEN o.date_issue > o.fin_generation THEN 'en_cours' ELSE o.issue_prevue END::flux_mgmt.issue_orientation AS issue,
	   o.date_caleol, o.date_issue
FROM o;

\echo plan: attributions and households
CREATE TEMP TABLE gen_attribution AS
WITH a AS (
	SELECT o.*, l.qpv, random() AS u_prio, random() AS u_dalo, random() AS u_q1, random() AS u_mut, random() AS u_agent
	FROM gen_orientation o
	JOIN gen_vacance v ON v.id = o.vacance_id
	JOIN flux_mgmt.logement l ON l.id = v.logement_id
	WHERE o.issue = 'attribuee'
)
SELECT a.id AS orientation_id, a.annee, a.date_caleol, a.date_issue AS date_bail,
	   a.u_q1 < CASE WHEN a.qpv THEN 0.40 WHEN a.type = 'etat_prioritaires' THEN 0.25 ELSE 0.14 END AS premier_quartile,
	   a.u_dalo < CASE WHEN a.type = 'etat_prioritaires' THEN 0.60 WHEN a.type = 'etat_agents' THEN 0.01 ELSE 0.08 END AS dalo,
	   a.u_prio < CASE WHEN a.type = 'etat_prioritaires' THEN 0.92 WHEN a.type = 'etat_agents' THEN 0.05
					   WHEN a.type = 'action_logement' THEN 0.22 WHEN a.type IN ('commune', 'epci', 'ept') THEN 0.26
					   WHEN a.soustraction IN ('renouvellement_urbain', 'copropriete_degradee', 'habitat_indigne') THEN 0.50
					   WHEN a.soustraction IS NOT NULL THEN 0.15
					   ELSE 0.25 END AS prioritaire,
	   coalesce(a.soustraction IN ('renouvellement_urbain', 'copropriete_degradee'), false) AS relogement_renouvellement,
	   coalesce(a.soustraction = 'mutation_interne', false) OR a.u_mut < 0.12 AS mutation,
	   coalesce(a.type = 'etat_agents', false) OR a.u_agent < 0.01 AS agent_etat
FROM a;

\echo writing the events, year by year (the triggers keep the counters)
-- Orientations and attributions go in statements of at most 10,000 rows,
-- the size of a busy landlord's day of imports, and the statistics are
-- refreshed after each year (as autovacuum would).
DO $$
DECLARE
	y integer;
	lot bigint;
	t0 timestamptz;
	t1 timestamptz;
	t2 timestamptz;
	n bigint;
	m bigint;
	k bigint;
	c bigint;
BEGIN
	FOR y IN SELECT annee FROM gen_annee ORDER BY annee LOOP
		t0 := clock_timestamp();
		INSERT INTO flux_mgmt.vacance (id, logement_id, date_liberation, premiere_location)
		SELECT v.id, v.logement_id, v.date_liberation, v.premiere_location FROM gen_vacance v WHERE v.annee = y ORDER BY v.id;
		GET DIAGNOSTICS n = ROW_COUNT;
		t1 := clock_timestamp();
		m := 0;
		FOR lot IN SELECT DISTINCT o.id / 10000 FROM gen_orientation o WHERE o.annee = y ORDER BY 1 LOOP
			INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, soustraction, date_orientation, date_limite, issue, date_issue)
			SELECT o.id, o.vacance_id, o.reservataire, o.soustraction, o.date_orientation, o.date_limite,
				   CASE WHEN o.issue = 'attribuee' THEN 'en_cours' ELSE o.issue END,
				   CASE WHEN o.issue IN ('carence', 'echec', 'retiree') THEN o.date_issue END
			FROM gen_orientation o WHERE o.annee = y AND o.id / 10000 = lot ORDER BY o.id;
			GET DIAGNOSTICS c = ROW_COUNT;
			m := m + c;
		END LOOP;
		t2 := clock_timestamp();
		k := 0;
		FOR lot IN SELECT DISTINCT a.orientation_id / 10000 FROM gen_attribution a WHERE a.annee = y ORDER BY 1 LOOP
			INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire,
											   relogement_renouvellement, mutation, agent_etat)
			SELECT a.orientation_id, a.date_caleol, a.date_bail, a.premier_quartile, a.dalo, a.prioritaire,
				   a.relogement_renouvellement, a.mutation, a.agent_etat
			FROM gen_attribution a WHERE a.annee = y AND a.orientation_id / 10000 = lot ORDER BY a.orientation_id;
			GET DIAGNOSTICS c = ROW_COUNT;
			k := k + c;
		END LOOP;
		RAISE WARNING 'vacancies of %: % vacancies (% s), % orientations (% s), % attributions (% s)', y,
			n, round(extract(epoch FROM t1 - t0)::numeric, 1), m, round(extract(epoch FROM t2 - t1)::numeric, 1),
			k, round(extract(epoch FROM clock_timestamp() - t2)::numeric, 1);
		ANALYZE flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution, flux_mgmt.contribution,
			flux_mgmt.compteur, flux_mgmt.compteur_bilan;
	END LOOP;
END
$$;
SELECT setval(pg_get_serial_sequence('flux_mgmt.vacance', 'id'), (SELECT max(id) FROM flux_mgmt.vacance)) \g /dev/null
SELECT setval(pg_get_serial_sequence('flux_mgmt.orientation', 'id'), (SELECT max(id) FROM flux_mgmt.orientation)) \g /dev/null
SELECT setval(pg_get_serial_sequence('flux_mgmt.attribution', 'id'), (SELECT max(id) FROM flux_mgmt.attribution)) \g /dev/null

\echo analyze
ANALYZE flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution, flux_mgmt.contribution,
	flux_mgmt.compteur, flux_mgmt.compteur_bilan;
\timing off

-- What was generated, per year (leases and charges in their own year).
SELECT a.annee,
	   (SELECT count(*) FROM gen_vacance v WHERE v.annee = a.annee) AS vacances,
	   (SELECT count(*) FROM gen_vacance v WHERE v.annee = a.annee AND v.premiere_location) AS premieres_locations,
	   (SELECT count(*) FROM gen_orientation o WHERE o.annee = a.annee) AS orientations,
	   (SELECT sum(k.baux) FROM flux_mgmt.compteur k WHERE k.annee = a.annee) AS baux,
	   (SELECT sum(k.decomptes) FROM flux_mgmt.compteur k WHERE k.annee = a.annee) AS decomptes,
	   (SELECT sum(k.en_cours + k.attribuees + k.carences + k.echecs + k.retirees) FROM flux_mgmt.compteur k
		WHERE k.annee = a.annee AND k.soustraction IS NOT NULL) AS soustraites
FROM gen_annee a ORDER BY a.annee;
