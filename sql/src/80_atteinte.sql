-- flux_mgmt install script, part 80_atteinte: attainment and objectives.
--
-- The reporting views: attainment, allocation objectives, yearly and subtraction bilans.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Reports: attainment, objectives, the yearly report
--
-- What reporting tools read (DOMAIN §3.7, §3.8; CONTRACT.md "Views").  Every
-- figure comes from the counters (compteur, compteur_bilan), summed over their
-- tranches: nothing here recounts the events.  Years are those of the
-- counters: an orientation and its outcome count in the year of the
-- orientation, a charge in the year of its date, a lease in the year of
-- date_bail.  The readers of one landlord × département × year are SQL
-- functions with a standard body (bound at creation, inlinable), so that
-- WHERE bailleur = … AND annee = … on a view reaches the counters' index.
--------------------------------------------------------------------------------

-- The targets of the allocation objectives (DOMAIN §3.7): 25, 50, 25, 25 %
-- unless a row here says otherwise, for a territory (the CIL of an EPCI or
-- EPT sets its own O1/O2) or everywhere (epci null).
CREATE TABLE flux_mgmt.cible_objectif (
	objectif text NOT NULL,
	epci text,
	cible numeric NOT NULL,
	CONSTRAINT cible_objectif_cle UNIQUE NULLS NOT DISTINCT (objectif, epci),
	CONSTRAINT cible_objectif_objectif CHECK (objectif IN ('O1', 'O2', 'O3', 'O4')),
	CONSTRAINT cible_objectif_epci CHECK (epci ~ '^[0-9]{9}$'),
	CONSTRAINT cible_objectif_cible CHECK (cible >= 0 AND cible <= 100)
);
COMMENT ON TABLE flux_mgmt.cible_objectif IS
	'targets of the allocation objectives O1-O4 that differ from the defaults (O1 25 %, O2 50 %, O3 25 %, O4 25 %): for one intercommunal territory (its CIL''s choice) or everywhere (epci null); empty by default';
COMMENT ON COLUMN flux_mgmt.cible_objectif.objectif IS 'O1 (outside QPV, first quartile), O2 (inside QPV, quartiles 2-4), O3 (réservataires other than the State, priority households), O4 (the landlord''s pool, priority households)';
COMMENT ON COLUMN flux_mgmt.cible_objectif.epci IS 'SIREN of the territory (the EPT in the Métropole du Grand Paris, else the EPCI; see objectifs_attribution.epci); null: every territory and the landlord totals';
COMMENT ON COLUMN flux_mgmt.cible_objectif.cible IS 'target in percent of the denominator';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.cible_objectif', '');

CREATE FUNCTION flux_mgmt.verifier_cible_objectif() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	IF NEW.objectif IS NULL OR NEW.objectif NOT IN ('O1', 'O2', 'O3', 'O4') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown objective %L', NEW.objectif),
			'The allocation objectives are O1, O2, O3 and O4 (DOMAIN §3.7).',
			'Write O1, O2, O3 or O4.', 'invalid_parameter_value');
	END IF;
	IF NEW.epci !~ '^[0-9]{9}$' THEN
		PERFORM flux_mgmt.refuser(
			format('territory %L of the %s target is not a SIREN', NEW.epci, NEW.objectif),
			NULL,
			'Give the SIREN of the EPCI or EPT (flux_mgmt.commune.epci or .ept), or null for every territory.',
			'invalid_parameter_value');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.cible, 'target', format('objective %s', NEW.objectif));
	IF NEW.cible IS NULL OR NOT (NEW.cible >= 0 AND NEW.cible <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('target %s %% of %s is out of range', coalesce(NEW.cible::text, 'null'), NEW.objectif),
			NULL,
			'Write the target in percent, from 0 to 100 (50 means 50 %).');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_cible_objectif() IS
	'row rules of cible_objectif: a known objective, a SIREN or null, a finite target in [0, 100]';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.cible_objectif
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_cible_objectif();
COMMENT ON TRIGGER verifier ON flux_mgmt.cible_objectif IS 'runs flux_mgmt.verifier_cible_objectif() on every written row: the rules of a cible_objectif, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.cible_en_vigueur(objectif text, epci text) RETURNS numeric
	LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(
	(SELECT c.cible FROM flux_mgmt.cible_objectif c WHERE c.objectif = $1 AND c.epci = $2),
	(SELECT c.cible FROM flux_mgmt.cible_objectif c WHERE c.objectif = $1 AND c.epci IS NULL),
	CASE $1 WHEN 'O2' THEN 50 ELSE 25 END);
COMMENT ON FUNCTION flux_mgmt.cible_en_vigueur(text, text) IS
	'the target of an objective in a territory (null: the landlord totals): the territory''s row of cible_objectif, else its row for every territory, else the default (O2 50 %, the others 25 %)';

-- Attainment of one landlord × département × year, from the in-flux
-- counters: one row per convention in force (its scope: the département, or
-- the communes of its territory there), one per beneficiary counted that
-- year without a convention in force (a lease signed after its convention
-- ended: no entitlement), and the landlord's pool, whose entitlement is what
-- the département's flux leaves after the others', so that the entitlements
-- add up to the flux.
CREATE FUNCTION flux_mgmt.atteinte_annuelle(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH k AS (
		SELECT k.commune, k.reservataire, sum(k.decomptes) AS decomptes, sum(k.en_cours) AS en_cours,
			   sum(k.carences) AS carences
		FROM flux_mgmt.compteur k
		WHERE k.bailleur = $1 AND k.annee = $3 AND k.dans_flux
		  -- the département's range of the index, not every commune of the landlord-year
		  AND k.commune OPERATOR(flux_mgmt.>=) flux_mgmt.premiere_commune($2)
		  AND k.commune OPERATOR(flux_mgmt.<=) flux_mgmt.derniere_commune($2)
		  AND flux_mgmt.departement(k.commune) = $2
		GROUP BY k.commune, k.reservataire
	), v AS (
		SELECT v.reservataire, v.taux, v.communes, v.id FROM flux_mgmt.conventions_en_vigueur($1, $2, $3) AS v
	), beneficiaires AS (
		SELECT v.reservataire, v.taux, v.communes, v.id FROM v
		UNION ALL
		SELECT DISTINCT k.reservataire, 0, NULL::flux_mgmt.code_insee[], NULL::bigint FROM k
		WHERE k.reservataire IS NOT NULL
		  AND k.reservataire <> ALL (ARRAY(SELECT v.reservataire FROM v))
	), c AS (
		SELECT b.reservataire, b.taux, b.communes IS NULL AS departemental, s.flux_realise,
			   CASE WHEN lim.restants IS NULL THEN b.taux * s.flux_realise * 0.01
					ELSE least(b.taux * s.flux_realise * 0.01 * coalesce(lim.fraction, 1), lim.restants) END AS droit,
			   s.decomptes, s.en_cours, s.carences
		FROM beneficiaires b
		-- a convention converted from limited rights only (DOMAIN §3.4): its
		-- share applies while its single-use rights last, so its entitlement
		-- is at most the rights left at the start of the year (granted minus
		-- the charges of the conversion's earlier years), and in the year
		-- their term falls, the share of the part of the year before it (pro
		-- rata of the days: the counters are yearly)
		LEFT JOIN LATERAL (
			SELECT greatest(0, k2.droits_uniques - flux_mgmt.droits_engages(k2.id, $3 - 1, false)) AS restants,
				   CASE WHEN pg_catalog.date_part('year', k2.fin) = $3
						THEN (k2.fin - pg_catalog.make_date($3, 1, 1))::numeric
							 / (pg_catalog.make_date($3 + 1, 1, 1) - pg_catalog.make_date($3, 1, 1)) END AS fraction
			FROM flux_mgmt.conversion_palier p2 JOIN flux_mgmt.conversion k2 ON k2.id = p2.conversion_id
			WHERE p2.convention_id = b.id AND p2.volume_limite = p2.volume_annuel AND k2.droits_uniques IS NOT NULL
			LIMIT 1
		) AS lim ON true
		CROSS JOIN LATERAL (
			SELECT coalesce(sum(k.decomptes), 0)::bigint AS flux_realise,
				   coalesce(sum(k.decomptes) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS decomptes,
				   coalesce(sum(k.en_cours) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS en_cours,
				   coalesce(sum(k.carences) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS carences
			FROM k WHERE b.communes IS NULL OR k.commune OPERATOR(flux_mgmt.=) ANY (b.communes)
		) AS s
	), pool AS (
		SELECT coalesce(sum(k.decomptes), 0)::bigint AS flux_realise,
			   coalesce(sum(k.decomptes) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS decomptes,
			   coalesce(sum(k.en_cours) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS en_cours,
			   coalesce(sum(k.carences) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS carences,
			   (SELECT coalesce(sum(c.droit), 0) FROM c) AS droits,
			   (SELECT coalesce(sum(c.taux) FILTER (WHERE c.departemental), 0) FROM c) AS parts
		FROM k
	)
	SELECT c.reservataire, pg_catalog.trim_scale(c.taux), c.flux_realise, pg_catalog.trim_scale(c.droit), c.decomptes,
		   pg_catalog.trim_scale(c.droit - c.decomptes), c.en_cours, c.carences
	FROM c
	UNION ALL
	SELECT NULL,
		   pg_catalog.trim_scale(CASE WHEN p.flux_realise > 0 THEN round(100 * (p.flux_realise - p.droits) / p.flux_realise, 6)
									  ELSE 100 - p.parts END),
		   p.flux_realise, pg_catalog.trim_scale(p.flux_realise - p.droits), p.decomptes,
		   pg_catalog.trim_scale(p.flux_realise - p.droits - p.decomptes), p.en_cours, p.carences
	FROM pool p;
END;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(text, text, integer) IS
	'attainment of a landlord in a département in a year, from the in-flux counters: each convention in force (charges in its scope, its entitlement taux × charges / 100 — for a convention converted from limited rights only, at most the single-use rights left at the start of the year, and in the year of their term the share of the days before it —, charged to it, the difference, its open orientations and carences), each beneficiary counted without a convention in force (taux 0), then the pool (reservataire null: the département''s charges minus the others'' entitlements; taux 100 × that / charges, or 100 minus the département-wide shares when nothing was charged); no argument check';

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
-- compilation took nine tenths of the query (bench/RESULTS.md).
CREATE FUNCTION flux_mgmt.perimetres_atteinte(bailleur text)
RETURNS TABLE (departement text, annee integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 10
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- generic: it only follows keys
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
	WITH RECURSIVE annees AS (
		SELECT (SELECT min(k.annee) FROM compteur k WHERE k.bailleur = $1) AS annee
		UNION ALL
		SELECT (SELECT min(k.annee) FROM compteur k WHERE k.bailleur = $1 AND k.annee > a.annee)
		FROM annees a WHERE a.annee IS NOT NULL
	), premieres AS (
		-- per year, the first commune counted in each département
		SELECT a.annee, (SELECT k.commune FROM compteur k WHERE k.bailleur = $1 AND k.annee = a.annee
						 ORDER BY k.commune LIMIT 1) AS commune
		FROM annees a WHERE a.annee IS NOT NULL
		UNION ALL
		SELECT p.annee, (SELECT k.commune FROM compteur k
						 WHERE k.bailleur = $1 AND k.annee = p.annee AND k.commune > derniere_commune(departement(p.commune))
						 ORDER BY k.commune LIMIT 1)
		FROM premieres p WHERE p.commune IS NOT NULL
	)
	SELECT departement(p.commune), p.annee FROM premieres p WHERE p.commune IS NOT NULL
	UNION
	SELECT r.departement, r.annee FROM rotation r WHERE r.bailleur = $1
	UNION
	SELECT c.departement, y.annee
	FROM convention c, (SELECT date_part('year', CURRENT_DATE)::integer AS annee) AS y
	WHERE c.bailleur = $1 AND c.annee_debut <= y.annee AND (c.annee_fin IS NULL OR c.annee_fin >= y.annee);
END
$$;
COMMENT ON FUNCTION flux_mgmt.perimetres_atteinte(text) IS
	'the (département, year) pairs of a landlord that the view atteinte lists: every one with counters that year (in the flux or not), with a rotation rate, and the current year in the départements of its conventions in force then; no argument check';

-- One row of the landlord table, its few (département, year) pairs, then the
-- inlined atteinte_annuelle of each: a filter on bailleur reaches the
-- landlord's key, and annee, applied to the pairs, the counters' index
-- through atteinte_annuelle's arguments.
CREATE VIEW flux_mgmt.atteinte WITH (security_invoker = true) AS
SELECT b.code AS bailleur, p.departement, p.annee, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes, a.ecart,
	   a.en_cours, a.carences
FROM flux_mgmt.bailleur b
CROSS JOIN LATERAL flux_mgmt.perimetres_atteinte(b.code) AS p
CROSS JOIN LATERAL flux_mgmt.atteinte_annuelle(b.code, p.departement, p.annee) AS a;
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

CREATE VIEW flux_mgmt.objectifs_attribution WITH (security_invoker = true) AS
SELECT o.bailleur, o.annee, o.objectif, o.reservataire, o.epci, o.numerateur, o.denominateur, t.cible,
	   CASE WHEN o.denominateur > 0 THEN round(100.0 * o.numerateur / o.denominateur, 2) END AS taux,
	   greatest(0, ceil(t.cible * o.denominateur / 100) - o.numerateur)::bigint AS manque,
	   o.epci_nom
FROM (
	SELECT k.bailleur, k.annee, 'O1' AS objectif, NULL::text AS reservataire, NULL::text AS epci, NULL::text AS epci_nom,
		   sum(k.q1_hors_qpv)::bigint AS numerateur, sum(k.hors_qpv)::bigint AS denominateur
	FROM flux_mgmt.compteur k GROUP BY k.bailleur, k.annee
	UNION ALL
	SELECT k.bailleur, k.annee, 'O2', NULL, NULL, NULL, sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k GROUP BY k.bailleur, k.annee
	UNION ALL
	SELECT k.bailleur, k.annee, 'O1', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
		   sum(k.q1_hors_qpv)::bigint, sum(k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
	WHERE coalesce(m.ept, m.epci) IS NOT NULL
	GROUP BY k.bailleur, k.annee, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
	UNION ALL
	SELECT k.bailleur, k.annee, 'O2', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
		   sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
	WHERE coalesce(m.ept, m.epci) IS NOT NULL
	GROUP BY k.bailleur, k.annee, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
	UNION ALL
	SELECT k.bailleur, k.annee, 'O3', k.reservataire, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.reservataire r ON r.code = k.reservataire
	WHERE r.type NOT IN ('etat_prioritaires', 'etat_agents')
	GROUP BY k.bailleur, k.annee, k.reservataire
	UNION ALL
	SELECT k.bailleur, k.annee, 'O4', NULL, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
	FROM flux_mgmt.compteur k
	WHERE k.reservataire IS NULL AND k.soustraction IS NULL
	GROUP BY k.bailleur, k.annee
) AS o
CROSS JOIN LATERAL (SELECT flux_mgmt.cible_en_vigueur(o.objectif, o.epci) AS cible) AS t;
COMMENT ON VIEW flux_mgmt.objectifs_attribution IS
	'the allocation objectives of DOMAIN §3.7 per landlord and year, on the attributions whose lease was signed that year (from the counters): O1 and O2 for the landlord (epci null) and per intercommunal territory, O3 per réservataire other than the State, O4 on the landlord''s pool and returned dwellings; targets from cible_objectif (defaults 25, 50, 25, 25 %)';
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

CREATE VIEW flux_mgmt.bilan_annuel WITH (security_invoker = true) AS
SELECT b.bailleur, b.annee, b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode AS periode_construction,
	   sum(b.proposes)::bigint AS logements_proposes, sum(b.attribues)::bigint AS logements_attribues
FROM flux_mgmt.compteur_bilan b
GROUP BY b.bailleur, b.annee, b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode
HAVING sum(b.proposes) <> 0 OR sum(b.attribues) <> 0;
COMMENT ON VIEW flux_mgmt.bilan_annuel IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8), from the counters: in-flux dwellings proposed (oriented) and attributed per landlord, year, réservataire, typology, financing, QPV, commune and construction period; sum over the columns you do not break down by';
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

CREATE VIEW flux_mgmt.bilan_soustractions WITH (security_invoker = true) AS
SELECT s.bailleur, s.departement, s.annee, s.motif, sum(s.prevu)::integer AS prevu, coalesce(sum(s.realise), 0)::bigint AS realise
FROM (
	SELECT p.bailleur, p.departement, p.annee, p.motif, p.nombre AS prevu, NULL::bigint AS realise
	FROM flux_mgmt.soustraction_prevue p
	UNION ALL
	SELECT k.bailleur, flux_mgmt.departement(k.commune), k.annee, k.soustraction, NULL,
		   k.en_cours + k.attribuees + k.carences + k.echecs + k.retirees
	FROM flux_mgmt.compteur k WHERE k.soustraction IS NOT NULL
) AS s
GROUP BY s.bailleur, s.departement, s.annee, s.motif;
COMMENT ON VIEW flux_mgmt.bilan_soustractions IS
	'vacancies taken out of the flux (DOMAIN §3.2) per landlord, département, year and motive: the forecast (soustraction_prevue) and what happened (orientations with that soustraction, from the counters); a row for every forecast and every actual subtraction';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.annee IS 'year (of the orientation, for realise)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.motif IS 'internal mutation, urban renewal, degraded co-ownership, unfit housing, sale';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.prevu IS 'forecast number (soustraction_prevue); null when none was recorded';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.realise IS 'vacancies oriented out of the flux for that motive that year (every outcome)';

-- The pace of the subtractions, month by month, against the forecast's:
-- read from the events (the counters are yearly), the subtracted
-- orientations through their own partial index.
CREATE INDEX orientation_soustraction ON flux_mgmt.orientation (soustraction, date_orientation) WHERE soustraction IS NOT NULL;
COMMENT ON INDEX flux_mgmt.orientation_soustraction IS 'the orientations out of the flux, by motive and date: the pace of the subtractions (bilan_soustractions_mois)';
CREATE VIEW flux_mgmt.bilan_soustractions_mois WITH (security_invoker = true) AS
SELECT g.bailleur, g.departement, g.annee, g.motif, m.mois, g.prevu,
	   round(g.prevu * m.mois / 12.0, 2) AS prevu_cumule,
	   (SELECT count(*) FROM unnest(g.mois) AS x WHERE x = m.mois) AS realise_mois,
	   (SELECT count(*) FROM unnest(g.mois) AS x WHERE x <= m.mois) AS realise_cumule
FROM (
	-- the month of each subtraction of the year
	SELECT s.bailleur, s.departement, s.annee, s.motif, sum(s.prevu)::integer AS prevu,
		   coalesce(array_agg(s.mois) FILTER (WHERE s.mois IS NOT NULL), '{}') AS mois
	FROM (
		SELECT p.bailleur, p.departement, p.annee, p.motif, p.nombre AS prevu, NULL::integer AS mois
		FROM flux_mgmt.soustraction_prevue p
		UNION ALL
		SELECT l.bailleur, flux_mgmt.departement(l.commune), date_part('year', o.date_orientation)::integer, o.soustraction, NULL,
			   date_part('month', o.date_orientation)::integer
		FROM flux_mgmt.orientation o
		JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		JOIN flux_mgmt.logement l ON l.id = v.logement_id
		WHERE o.soustraction IS NOT NULL
	) AS s
	GROUP BY s.bailleur, s.departement, s.annee, s.motif
) AS g
CROSS JOIN generate_series(1, 12) AS m(mois);
COMMENT ON VIEW flux_mgmt.bilan_soustractions_mois IS
	'the pace of the subtractions (DOMAIN §3.2) per landlord, département, year and motive, month by month: the forecast of the year (soustraction_prevue), its pace pro rata of the months gone, the vacancies oriented out of the flux for that motive in the month and since 1 January (every outcome, from the events: bilan_soustractions gives the year''s totals from the counters)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.annee IS 'year';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.motif IS 'internal mutation, urban renewal, degraded co-ownership, unfit housing, sale';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.mois IS 'month, 1 to 12';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.prevu IS 'forecast of the year (soustraction_prevue); null when none was recorded';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.prevu_cumule IS 'the forecast''s pace at the end of the month: prevu × mois / 12, to the hundredth';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.realise_mois IS 'vacancies oriented out of the flux for that motive in the month (date_orientation)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.realise_cumule IS 'the same from 1 January to the end of the month';

