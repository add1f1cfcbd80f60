-- flux_mgmt install script, part 81_lecteurs_partages: the figures, shared.
--
-- atteinte, objectifs_attribution and bilan_annuel, read by the landlord, its réservataires, a
-- territory's CIL and an observatory: each line computed over every counter (a réservataire's
-- entitlement is a share of a flux that others' dwellings make), each reader given its lines.
-- One row of the landlord table, its few years (or département-years), then a reader of one
-- landlord-year that runs as the owner and keeps the lines of the scope the view hands it: the
-- view's invoker's (portee()), which the reader trusts only if this statement issued it.  A filter on bailleur reaches the landlord's key, one on annee the
-- counters' index, through the readers' arguments.  Also the install script of the 0.1 -> 0.2
-- upgrade (sql/updates/0.1--0.2/99_partage_0_lecteurs.sql links here), after
-- 99_partage_0_abandon.sql dropped 0.1's views and perimetres_atteinte(text).
-- (sql/src/*.sql are concatenated in name order into the install script.)

-- The départements and years of a landlord that atteinte lists: those of its
-- counters (any, in the flux or not), of its rotation rates, and the current
-- year for the départements of its conventions in force.  The counters are
-- read by skip scans of compteur_cle (one probe per year, then one per
-- département of each year), not row by row.  A PL/pgSQL function on
-- purpose: the planner cannot inline it and takes its ROWS, a few rows per
-- landlord.  Enumerated inside the view, the counters' (bailleur,
-- departement, annee) were a UNION the planner counts as one row per counter
-- row (a UNION's groups are not estimated): 1,600 "départements" for 8 at a
-- 30 % scale, 5,000 at full scale, each costed as one call of
-- atteinte_annuelle; that cost put one landlord-year above jit_above_cost,
-- and at full scale above the inlining and optimisation thresholds, whose
-- compilation took nine tenths of the query (bench/RESULTS.md).  As the
-- owner, for a caller with some profile for the landlord.
CREATE FUNCTION flux_mgmt.perimetres_atteinte(qui flux_mgmt.portee, bailleur text)
RETURNS TABLE (departement text, annee integer)
	LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED ROWS 10
	SET search_path = pg_catalog, pg_temp
	-- generic: it only follows keys
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	IF NOT flux_mgmt.connait_bailleur(flux_mgmt.portee_sure(qui), bailleur) THEN
		RETURN;
	END IF;
	RETURN QUERY
	WITH RECURSIVE annees AS (
		SELECT (SELECT min(k.annee) FROM flux_mgmt.compteur k WHERE k.bailleur = perimetres_atteinte.bailleur) AS annee
		UNION ALL
		SELECT (SELECT min(k.annee) FROM flux_mgmt.compteur k WHERE k.bailleur = perimetres_atteinte.bailleur AND k.annee > a.annee)
		FROM annees a WHERE a.annee IS NOT NULL
	), premieres AS (
		-- per year, the first commune counted in each département
		SELECT a.annee, (SELECT k.commune FROM flux_mgmt.compteur k WHERE k.bailleur = perimetres_atteinte.bailleur AND k.annee = a.annee
						 ORDER BY k.commune USING OPERATOR(flux_mgmt.<) LIMIT 1) AS commune
		FROM annees a WHERE a.annee IS NOT NULL
		UNION ALL
		SELECT p.annee, (SELECT k.commune FROM flux_mgmt.compteur k
						 WHERE k.bailleur = perimetres_atteinte.bailleur AND k.annee = p.annee
						   AND k.commune OPERATOR(flux_mgmt.>) flux_mgmt.derniere_commune(flux_mgmt.departement(p.commune))
						 ORDER BY k.commune USING OPERATOR(flux_mgmt.<) LIMIT 1)
		FROM premieres p WHERE p.commune IS NOT NULL
	)
	SELECT flux_mgmt.departement(p.commune), p.annee FROM premieres p WHERE p.commune IS NOT NULL
	UNION
	SELECT r.departement, r.annee FROM flux_mgmt.rotation r WHERE r.bailleur = perimetres_atteinte.bailleur
	UNION
	SELECT c.departement, y.annee
	FROM flux_mgmt.convention c, (SELECT date_part('year', CURRENT_DATE)::integer AS annee) AS y
	WHERE c.bailleur = perimetres_atteinte.bailleur AND c.annee_debut <= y.annee AND (c.annee_fin IS NULL OR c.annee_fin >= y.annee);
END
$$;
COMMENT ON FUNCTION flux_mgmt.perimetres_atteinte(flux_mgmt.portee, text) IS
	'the (département, year) pairs of a landlord that the view atteinte lists: every one with counters that year (in the flux or not), with a rotation rate, and the current year in the départements of its conventions in force then; as the owner, none for a scope without any profile for the landlord (connait_bailleur), the scope one portee() issued in this transaction; no argument check';

CREATE FUNCTION flux_mgmt.perimetres_atteinte(bailleur text)
RETURNS TABLE (departement text, annee integer)
	LANGUAGE sql STABLE STRICT PARALLEL RESTRICTED ROWS 10
BEGIN ATOMIC
	SELECT * FROM flux_mgmt.perimetres_atteinte(flux_mgmt.portee(), $1);
END;
COMMENT ON FUNCTION flux_mgmt.perimetres_atteinte(text) IS
	'perimetres_atteinte(portee(), bailleur): the (département, year) pairs of atteinte for the current role';

-- One row of the landlord table, its few (département, year) pairs, then the
-- atteinte_annuelle of each: a filter on bailleur reaches the
-- landlord's key, and annee, applied to the pairs, the counters' index
-- through atteinte_annuelle's arguments.
CREATE VIEW flux_mgmt.atteinte WITH (security_invoker = true) AS
SELECT b.code AS bailleur, p.departement, p.annee, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes, a.ecart,
	   a.en_cours, a.carences
FROM flux_mgmt.bailleur b
CROSS JOIN (SELECT flux_mgmt.portee() AS qui) AS moi
CROSS JOIN LATERAL flux_mgmt.perimetres_atteinte(moi.qui, b.code) AS p
CROSS JOIN LATERAL flux_mgmt.atteinte_annuelle(moi.qui, b.code, p.departement, p.annee) AS a;
COMMENT ON VIEW flux_mgmt.atteinte IS
	'how far each réservataire is from its share, per landlord, département and year, from the counters: one row per convention in force and one for the landlord''s pool (reservataire null), plus a row (taux 0) for a réservataire charged or oriented that year without a convention in force; a landlord × département × year appears when it has counters that year, a rotation rate for it, or conventions in force in the current year; filter on bailleur and annee for one landlord-year';
COMMENT ON COLUMN flux_mgmt.atteinte.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.atteinte.departement IS 'département (the scope of the convention, or the territory of a territorial réservataire within it)';
COMMENT ON COLUMN flux_mgmt.atteinte.annee IS 'year (of the charges and orientations counted)';
COMMENT ON COLUMN flux_mgmt.atteinte.reservataire IS 'réservataire; null for the landlord''s own pool';
COMMENT ON COLUMN flux_mgmt.atteinte.taux IS 'contractual share of the flux of its scope, in percent; for the pool, what the others leave of the département''s flux (100 × droit / flux_realise)';
COMMENT ON COLUMN flux_mgmt.atteinte.flux_realise IS 'dwellings charged to the flux in its scope that year, whoever they were charged to (the département; a territorial réservataire''s communes)';
COMMENT ON COLUMN flux_mgmt.atteinte.droit IS 'entitlement: taux × flux_realise / 100 (exact); a convention converted from limited rights only gets at most the single-use rights left at the start of the year and, in the year of their term, the share of the days before it (DOMAIN §3.4: its share while its volume lasts); the pool''s is the département''s flux minus every other entitlement, so that they add up to the flux';
COMMENT ON COLUMN flux_mgmt.atteinte.decomptes IS 'dwellings charged to it in its scope that year (décompte, DOMAIN §3.6)';
COMMENT ON COLUMN flux_mgmt.atteinte.ecart IS 'droit - decomptes: positive, it is owed dwellings; negative, it got more than its share';
COMMENT ON COLUMN flux_mgmt.atteinte.en_cours IS 'its in-flux orientations of that year still open (no lease, carence, échec or withdrawal yet)';
COMMENT ON COLUMN flux_mgmt.atteinte.carences IS 'its in-flux orientations of that year ended by a carence (no candidate within the delay)';

-- The years of a landlord's counters (compteur and compteur_bilan), by skip
-- scans of their keys, for a caller with some profile for the landlord.
CREATE FUNCTION flux_mgmt.annees_compteurs(qui flux_mgmt.portee, bailleur text) RETURNS SETOF integer
	LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER PARALLEL RESTRICTED ROWS 5
	SET search_path = pg_catalog, pg_temp
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	IF NOT flux_mgmt.connait_bailleur(flux_mgmt.portee_sure(qui), bailleur) THEN
		RETURN;
	END IF;
	RETURN QUERY
	WITH RECURSIVE k AS (
		SELECT (SELECT min(x.annee) FROM flux_mgmt.compteur x WHERE x.bailleur = annees_compteurs.bailleur) AS annee
		UNION ALL
		SELECT (SELECT min(x.annee) FROM flux_mgmt.compteur x WHERE x.bailleur = annees_compteurs.bailleur AND x.annee > k.annee)
		FROM k WHERE k.annee IS NOT NULL
	), b AS (
		SELECT (SELECT min(x.annee) FROM flux_mgmt.compteur_bilan x WHERE x.bailleur = annees_compteurs.bailleur) AS annee
		UNION ALL
		SELECT (SELECT min(x.annee) FROM flux_mgmt.compteur_bilan x WHERE x.bailleur = annees_compteurs.bailleur AND x.annee > b.annee)
		FROM b WHERE b.annee IS NOT NULL
	)
	SELECT k.annee FROM k WHERE k.annee IS NOT NULL
	UNION
	SELECT b.annee FROM b WHERE b.annee IS NOT NULL
	ORDER BY 1;
END
$$;
COMMENT ON FUNCTION flux_mgmt.annees_compteurs(flux_mgmt.portee, text) IS
	'the years a landlord has counters for (compteur or compteur_bilan), by skip scans of their keys; as the owner, none for a scope without any profile for the landlord (connait_bailleur), the scope one portee() issued in this transaction; what objectifs_attribution and bilan_annuel enumerate';

-- O1–O4 of one landlord-year (DOMAIN §3.7), over every counter; the lines
-- the caller may see: all of them for its staff or an observatory, a
-- réservataire's O3 and a territory's O1/O2, and the landlord's totals for
-- anyone with a profile for it.
CREATE FUNCTION flux_mgmt.objectifs_annuels(qui flux_mgmt.portee, bailleur text, annee integer)
RETURNS TABLE (objectif text, reservataire text, epci text, epci_nom text, numerateur bigint, denominateur bigint)
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 20
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH k AS (
		SELECT k.* FROM flux_mgmt.compteur k WHERE k.bailleur = $2 AND k.annee = $3
	), o AS (
		SELECT 'O1' AS objectif, NULL::text AS reservataire, NULL::text AS epci, NULL::text AS epci_nom,
			   sum(k.q1_hors_qpv)::bigint AS numerateur, sum(k.hors_qpv)::bigint AS denominateur
		FROM k HAVING count(*) > 0
		UNION ALL
		SELECT 'O2', NULL, NULL, NULL, sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
		FROM k HAVING count(*) > 0
		UNION ALL
		SELECT 'O1', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
			   sum(k.q1_hors_qpv)::bigint, sum(k.hors_qpv)::bigint
		FROM k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
		WHERE coalesce(m.ept, m.epci) IS NOT NULL
		GROUP BY coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
		UNION ALL
		SELECT 'O2', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
			   sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
		FROM k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
		WHERE coalesce(m.ept, m.epci) IS NOT NULL
		GROUP BY coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
		UNION ALL
		SELECT 'O3', k.reservataire, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
		FROM k JOIN flux_mgmt.reservataire r ON r.code = k.reservataire
		WHERE r.type NOT IN ('etat_prioritaires', 'etat_agents')
		GROUP BY k.reservataire
		UNION ALL
		SELECT 'O4', NULL, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
		FROM k
		WHERE k.reservataire IS NULL AND k.soustraction IS NULL
		HAVING count(*) > 0
	)
	SELECT o.objectif, o.reservataire, o.epci, o.epci_nom, o.numerateur, o.denominateur
	FROM o CROSS JOIN (SELECT flux_mgmt.portee_sure($1) AS p) AS moi
	WHERE flux_mgmt.lit_chiffres(moi.p, $2)
	   OR (o.reservataire IS NOT NULL AND flux_mgmt.lit_reservataire(moi.p, $2, o.reservataire))
	   OR (o.epci IS NOT NULL AND flux_mgmt.lit_territoire(moi.p, $2, o.epci))
	   OR (o.reservataire IS NULL AND o.epci IS NULL AND flux_mgmt.connait_bailleur(moi.p, $2));
END;
COMMENT ON FUNCTION flux_mgmt.objectifs_annuels(flux_mgmt.portee, text, integer) IS
	'the allocation objectives O1-O4 of a landlord''s year from its counters (the lines of objectifs_attribution before the targets): computed as the owner over every counter, the lines the scope qui (one portee() issued in this transaction) may see: all for the landlord''s staff or an observatory, a réservataire''s own O3, a territory''s O1 and O2, the landlord''s totals for anyone with a profile for it; no argument check';

CREATE VIEW flux_mgmt.objectifs_attribution WITH (security_invoker = true) AS
SELECT b.code AS bailleur, y.annee, o.objectif, o.reservataire, o.epci, o.numerateur, o.denominateur, t.cible,
	   CASE WHEN o.denominateur > 0 THEN round(100.0 * o.numerateur / o.denominateur, 2) END AS taux,
	   greatest(0, ceil(t.cible * o.denominateur / 100) - o.numerateur)::bigint AS manque,
	   o.epci_nom
FROM flux_mgmt.bailleur b
CROSS JOIN (SELECT flux_mgmt.portee() AS qui) AS moi
CROSS JOIN LATERAL flux_mgmt.annees_compteurs(moi.qui, b.code) AS y (annee)
CROSS JOIN LATERAL flux_mgmt.objectifs_annuels(moi.qui, b.code, y.annee) AS o
CROSS JOIN LATERAL (SELECT flux_mgmt.cible_en_vigueur(o.objectif, o.epci) AS cible) AS t;
COMMENT ON VIEW flux_mgmt.objectifs_attribution IS
	'the allocation objectives of DOMAIN §3.7 per landlord and year, on the attributions whose lease was signed that year (from the counters): O1 and O2 for the landlord (epci null) and per intercommunal territory, O3 per réservataire other than the State, O4 on the landlord''s pool and returned dwellings; targets from cible_objectif (defaults 25, 50, 25, 25 %); computed over every counter, the lines the caller may see (objectifs_annuels)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.annee IS 'year of the leases';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.objectif IS 'O1: outside QPV, to first-quartile or renewal-rehoused households; O2: inside QPV, to households of quartiles 2-4; O3: a réservataire other than the State, to DALO or priority households; O4: the landlord''s pool and returned dwellings, to DALO or priority households';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.reservataire IS 'for O3, the réservataire; null otherwise';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.epci IS 'for O1 and O2, SIREN of the intercommunal territory of the dwellings (the EPT in the Métropole du Grand Paris, else the EPCI, from flux_mgmt.commune; Paris counts under the Métropole''s SIREN); null: the landlord''s total';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.numerateur IS 'attributions meeting the objective';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.denominateur IS 'attributions it is measured on (O1: outside QPV; O2: inside QPV; O3, O4: all of the beneficiary''s)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.cible IS 'target in percent (flux_mgmt.cible_en_vigueur)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.taux IS '100 × numerateur / denominateur, two decimals; null when denominateur is 0';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.manque IS 'attributions still missing to reach the target: greatest(0, ceil(cible × denominateur / 100) - numerateur)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.epci_nom IS 'name of that territory';

-- The yearly report's counts of one landlord-year (DOMAIN §3.8), the lines
-- the caller may see: all for its staff or an observatory, a réservataire's
-- own, a territory's communes'.
CREATE FUNCTION flux_mgmt.bilan_annuel_de(qui flux_mgmt.portee, bailleur text, annee integer)
RETURNS TABLE (reservataire text, typologie text, financement flux_mgmt.financement, qpv boolean,
			   commune flux_mgmt.code_insee, periode_construction text, logements_proposes bigint, logements_attribues bigint)
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 100
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode,
		   sum(b.proposes)::bigint, sum(b.attribues)::bigint
	FROM flux_mgmt.compteur_bilan b CROSS JOIN (SELECT flux_mgmt.portee_sure($1) AS p) AS moi
	WHERE b.bailleur = $2 AND b.annee = $3
	  AND (flux_mgmt.lit_chiffres(moi.p, $2)
		   OR flux_mgmt.lit_reservataire(moi.p, $2, b.reservataire)
		   OR flux_mgmt.lit_commune(moi.p, $2, b.commune))
	GROUP BY b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode
	HAVING sum(b.proposes) <> 0 OR sum(b.attribues) <> 0;
END;
COMMENT ON FUNCTION flux_mgmt.bilan_annuel_de(flux_mgmt.portee, text, integer) IS
	'the lines of bilan_annuel of a landlord''s year from its counters, summed over the tranches, as the owner: those the scope qui (one portee() issued in this transaction) may see: all for the landlord''s staff or an observatory, a réservataire''s own, those of a territory''s communes; no argument check';

CREATE VIEW flux_mgmt.bilan_annuel WITH (security_invoker = true) AS
SELECT b.code AS bailleur, y.annee, d.reservataire, d.typologie, d.financement, d.qpv, d.commune, d.periode_construction,
	   d.logements_proposes, d.logements_attribues
FROM flux_mgmt.bailleur b
CROSS JOIN (SELECT flux_mgmt.portee() AS qui) AS moi
CROSS JOIN LATERAL flux_mgmt.annees_compteurs(moi.qui, b.code) AS y (annee)
CROSS JOIN LATERAL flux_mgmt.bilan_annuel_de(moi.qui, b.code, y.annee) AS d;
COMMENT ON VIEW flux_mgmt.bilan_annuel IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8), from the counters: in-flux dwellings proposed (oriented) and attributed per landlord, year, réservataire, typology, financing, QPV, commune and construction period; sum over the columns you do not break down by; computed over every counter, the lines the caller may see (bilan_annuel_de)';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.annee IS 'year: of the orientation for logements_proposes, of the lease for logements_attribues';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.reservataire IS 'réservataire; null for the landlord''s own pool';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.typologie IS 'T1 … T4, T5+ (rooms); null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.financement IS 'initial financing (PLAI, PLUS, PLS…); null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.qpv IS 'the dwelling lies in a quartier prioritaire de la politique de la ville';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.commune IS 'INSEE code of the dwelling''s commune';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.periode_construction IS 'construction period: avant 1949, 1949-1974, 1975-1989, 1990-2004, 2005 et plus; null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.logements_proposes IS 'in-flux orientations of that year (every outcome, withdrawn ones included)';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.logements_attribues IS 'in-flux attributions whose lease was signed that year';
