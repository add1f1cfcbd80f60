--------------------------------------------------------------------------------
-- Social mix across residences (issue 15; DOMAIN §3.9): programmes
-- identified with a réservataire (identification_programmes), the
-- concentration of fragile households (concentration_menages), the index
-- of dissimilarity (dissimilarite, indices_dissimilarite), the engine's
-- secondary preference within quota (preferer_mixite, read by decider),
-- section 7 of rapport_annuel and the export's mixite; their parameters
-- (parametre_orientation).  The objects of sql/src/83_mixite.sql, all new.
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.parametre_orientation DROP CONSTRAINT parametre_orientation_cle,
	ADD CONSTRAINT parametre_orientation_cle CHECK (cle IN ('plancher_prefet_hors_qpv', 'retard_soustraction', 'identification_part',
															'identification_rapport', 'identification_vacances', 'mixite_poids',
															'mixite_fenetre')),
	ADD CONSTRAINT parametre_orientation_fenetre CHECK (cle <> 'mixite_fenetre' OR (valeur >= 1 AND valeur = trunc(valeur)));
COMMENT ON TABLE flux_mgmt.parametre_orientation IS
	'parameters of the orientation preferences, when they differ from their default: plancher_prefet_hors_qpv = the share (percent) of the préfet''s orientations that should lie outside QPV (default 30, R441-5-2); retard_soustraction = how many dwellings a subtraction motif must be behind its forecast''s pace before suggerer() says so (default 1); identification_part, identification_rapport, identification_vacances = when identification_programmes() flags a programme as identified with a réservataire (defaults 50 %, 2 times its share of the flux, 10 vacancies); mixite_poids = the weight (percent) of the social-mix preference of preferer_mixite() against the indicative objectives'' points (default 50, 0 turns it off); mixite_fenetre = how many of a programme''s last orientations it reads (a whole number from 1, default 10); the table starts empty, so that pg_dump keeps only what the user set';

-- The arguments of the social-mix readers: a landlord that exists, a year.
CREATE FUNCTION flux_mgmt.exiger_bailleur_annee(bailleur text, annee integer, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_bailleur($1);
	IF $2 NOT BETWEEN 1900 AND 2200 THEN
		PERFORM refuser(format('year %s in %s is out of range', $2, $3), NULL,
						'Give a calendar year such as 2026.', 'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_bailleur_annee(text, integer, text) IS
	'raises 23503 for an unknown landlord, 22023 for a year outside 1900-2200 (the years of the events), naming the function (contexte)';

-- The in-flux orientations of a landlord's dwellings in a range of years,
-- with the dwelling's programme and segment: what the identification, the
-- dissimilarity of orientations and the engine's preference count.  The
-- pool's are included (reservataire null); subtracted ones are not, nor
-- withdrawn ones (they served no one).  An orientation ended by a carence
-- or an échec counts, and so does the next one of the same vacancy: each
-- was a dwelling proposed to a réservataire.
CREATE FUNCTION flux_mgmt.orientations_programmes(bailleur text, premiere integer, derniere integer)
RETURNS TABLE (departement text, programme text, segment text, reservataire text, vacance_id bigint, annee integer)
	LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT flux_mgmt.departement(l.commune), l.programme, l.segment_patrimoine, o.reservataire, o.vacance_id,
		   extract(year FROM o.date_orientation)::integer
	FROM flux_mgmt.logement l
	JOIN flux_mgmt.vacance va ON va.logement_id = l.id
	JOIN flux_mgmt.orientation o ON o.vacance_id = va.id
	WHERE l.bailleur = $1 AND l.regime = 'flux' AND o.soustraction IS NULL AND o.issue <> 'retiree'
	  AND o.date_orientation >= make_date($2, 1, 1) AND o.date_orientation < make_date($3 + 1, 1, 1);
END;
COMMENT ON FUNCTION flux_mgmt.orientations_programmes(text, integer, integer) IS
	'the in-flux orientations (the pool''s included, reservataire null; none subtracted or withdrawn) of a landlord''s dwellings dated in the years premiere to derniere, with the dwelling''s département, programme and segment (null when it has none): what identification_programmes() and indices_dissimilarite() read';

CREATE FUNCTION flux_mgmt.identification_programmes(bailleur text, annee integer)
RETURNS TABLE (departement text, programme text, reservataire text, annee_debut integer, annee_fin integer,
			   vacances bigint, orientations bigint, orientations_reservataire bigint,
			   part_programme numeric, part_flux numeric, identifie boolean)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	seuil_part numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_part'), 50);
	rapport numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_rapport'), 2);
	vacances_min numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_vacances'), 10);
BEGIN
	PERFORM exiger_bailleur_annee($1, $2, 'identification_programmes');
	RETURN QUERY
	WITH periodes (debut, fin) AS (VALUES ($2, $2), ($2 - 2, $2)
	), o AS MATERIALIZED (
		-- the in-flux orientations of the landlord's dwellings in the three years, the pool's included
		SELECT x.departement AS d, x.programme, x.reservataire, x.vacance_id, x.annee AS y
		FROM orientations_programmes($1, $2 - 2, $2) AS x WHERE x.programme IS NOT NULL
	), par_programme AS (
		SELECT p.debut, p.fin, o.d, o.programme, count(DISTINCT o.vacance_id) AS vacances, count(*) AS orientations
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		GROUP BY p.debut, p.fin, o.d, o.programme
	), par_reservataire AS (
		SELECT p.debut, p.fin, o.d, o.programme, o.reservataire, count(*) AS n
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		WHERE o.reservataire IS NOT NULL
		GROUP BY p.debut, p.fin, o.d, o.programme, o.reservataire
	), flux AS (
		-- each réservataire's share of the département's in-flux orientations over the period
		SELECT p.debut, p.fin, o.d, o.reservataire,
			   100.0 * count(*) / sum(count(*)) OVER (PARTITION BY p.debut, p.fin, o.d) AS part
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		GROUP BY p.debut, p.fin, o.d, o.reservataire
	)
	SELECT g.d, g.programme, r.reservataire, g.debut, g.fin, g.vacances, g.orientations, r.n,
		   round(100.0 * r.n / g.orientations, 2), round(f.part, 2),
		   g.vacances >= vacances_min AND 100.0 * r.n / g.orientations >= seuil_part AND 100.0 * r.n / g.orientations >= rapport * f.part
	FROM par_programme g
	JOIN par_reservataire r ON (r.debut, r.fin, r.d, r.programme) = (g.debut, g.fin, g.d, g.programme)
	JOIN flux f ON (f.debut, f.fin, f.d) = (g.debut, g.fin, g.d) AND f.reservataire = r.reservataire
	ORDER BY g.d COLLATE "C", g.programme COLLATE "C", g.fin - g.debut, r.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.identification_programmes(text, integer) IS
	'DOMAIN §3.9, whether a programme is de facto a réservataire''s: for a landlord, per département, programme (logement.programme) and period (the year, and the three years ending with it), each réservataire''s in-flux orientations there, its share of the programme''s (part_programme, %) against its share of the landlord''s in-flux orientations in the département over the period (part_flux, %), and identifie when its share there is at least parametre_orientation.identification_part (default 50 %) and identification_rapport (default 2) times its share of the flux, on at least identification_vacances vacancies (default 10); from the events; errors for an unknown landlord (23503), a year out of range (22023)';

-- The leases signed in a range of years on a landlord's dwellings, every
-- regime (a residence's households are its households, whichever contingent
-- housed them), with the dwelling's programme and segment and the
-- household's fragility: what the concentration measures read.
CREATE FUNCTION flux_mgmt.baux_programmes(bailleur text, premiere integer, derniere integer)
RETURNS TABLE (departement text, programme text, segment text, libelle_segment text,
			   prioritaire boolean, premier_quartile boolean, annee integer)
	LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT flux_mgmt.departement(l.commune), l.programme, l.segment_patrimoine, l.libelle_segment,
		   a.dalo OR a.prioritaire, a.premier_quartile, extract(year FROM a.date_bail)::integer
	FROM flux_mgmt.logement l
	JOIN flux_mgmt.vacance va ON va.logement_id = l.id
	JOIN flux_mgmt.orientation o ON o.vacance_id = va.id
	JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
	WHERE l.bailleur = $1 AND a.date_bail >= make_date($2, 1, 1) AND a.date_bail < make_date($3 + 1, 1, 1);
END;
COMMENT ON FUNCTION flux_mgmt.baux_programmes(text, integer, integer) IS
	'the leases signed in the years premiere to derniere on a landlord''s dwellings, every regime, with the dwelling''s département, programme, segment and segment label, whether the household was DALO or priority (prioritaire) and in the first quartile: what concentration_menages() and indices_dissimilarite() read';

-- Concentration of fragile households (DOMAIN §3.9): per programme and per
-- segment, the leases signed in the period, the share of priority or DALO
-- households and of first-quartile households, next to the landlord's
-- share over all its leases of the département (dwellings without a
-- programme or a segment included).
CREATE FUNCTION flux_mgmt.concentration_menages(bailleur text, annee integer)
RETURNS TABLE (departement text, echelle text, unite text, libelle text, annee_debut integer, annee_fin integer,
			   baux bigint, prioritaires bigint, part_prioritaires numeric, moyenne_prioritaires numeric,
			   premier_quartile bigint, part_premier_quartile numeric, moyenne_premier_quartile numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur_annee($1, $2, 'concentration_menages');
	RETURN QUERY
	WITH periodes (debut, fin) AS (VALUES ($2, $2), ($2 - 2, $2)
	), b AS MATERIALIZED (
		SELECT p.debut, p.fin, x.* FROM periodes p JOIN baux_programmes($1, $2 - 2, $2) AS x ON x.annee BETWEEN p.debut AND p.fin
	), moyennes AS (
		SELECT b.debut, b.fin, b.departement AS d,
			   100.0 * count(*) FILTER (WHERE b.prioritaire) / count(*) AS p, 100.0 * count(*) FILTER (WHERE b.premier_quartile) / count(*) AS q
		FROM b GROUP BY b.debut, b.fin, b.departement
	), unites AS (
		SELECT b.debut, b.fin, b.departement AS d, u.echelle, u.unite, max(u.libelle) AS libelle, count(*) AS n,
			   count(*) FILTER (WHERE b.prioritaire) AS np, count(*) FILTER (WHERE b.premier_quartile) AS nq
		FROM b CROSS JOIN LATERAL (VALUES ('programme', b.programme, b.programme),
										  ('segment', b.segment, b.libelle_segment)) AS u (echelle, unite, libelle)
		WHERE u.unite IS NOT NULL
		GROUP BY b.debut, b.fin, b.departement, u.echelle, u.unite
	)
	SELECT u.d, u.echelle, u.unite, u.libelle, u.debut, u.fin, u.n, u.np, round(100.0 * u.np / u.n, 2), round(m.p, 2),
		   u.nq, round(100.0 * u.nq / u.n, 2), round(m.q, 2)
	FROM unites u JOIN moyennes m ON (m.debut, m.fin, m.d) = (u.debut, u.fin, u.d)
	ORDER BY u.d COLLATE "C", u.echelle, u.unite COLLATE "C", u.fin - u.debut;
END
$$;
COMMENT ON FUNCTION flux_mgmt.concentration_menages(text, integer) IS
	'DOMAIN §3.9, where fragile households are housed: for a landlord, per département, scale (echelle: programme, or segment, the CUS patrimony segment), unit and period (the year, and the three years ending with it), the leases signed (baux, every regime), those of DALO or priority households and of first-quartile households, their shares (%) and the landlord''s shares over all its leases of the département in the period (moyenne_…, dwellings without a programme or segment included); from the events; errors for an unknown landlord (23503), a year out of range (22023)';

-- The index of dissimilarity of Duncan & Duncan (1955) between a group and
-- the rest, over units (residences): D = ½ Σ |g_i/G − (n_i − g_i)/(N − G)|,
-- 0 when the group is spread like the rest, 1 when no unit holds both.
-- DOMAIN §3.9 writes "against all orientations"; the rest is what reaches
-- 1 at total separation (against all, D cannot exceed 1 − G/N).
CREATE FUNCTION flux_mgmt.dissimilarite(groupe bigint[], ensemble bigint[]) RETURNS numeric
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	faux record;
BEGIN
	IF array_ndims($1) > 1 OR array_ndims($2) > 1 THEN
		PERFORM refuser(format('dissimilarite needs one-dimensional arrays, not %s and %s dimensions', coalesce(array_ndims($1), 1),
							   coalesce(array_ndims($2), 1)), NULL,
						'Pass two one-dimensional arrays of the same length: the group''s count and the whole count of each unit.',
						'invalid_parameter_value');
	END IF;
	IF cardinality($1) <> cardinality($2) THEN
		PERFORM refuser(format('dissimilarite needs one count of the group per unit: %s units in the group, %s in the whole',
							   cardinality($1), cardinality($2)), NULL,
						'Pass two one-dimensional arrays of the same length: the group''s count and the whole count of each unit.',
						'invalid_parameter_value');
	END IF;
	SELECT x.i, x.g, x.n INTO faux FROM unnest($1, $2) WITH ORDINALITY AS x (g, n, i)
	WHERE x.g IS NULL OR x.n IS NULL OR x.g < 0 OR x.g > x.n LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(format('unit %s: a group of %s in a whole of %s is not a count', faux.i, coalesce(faux.g::text, 'null'),
							   coalesce(faux.n::text, 'null')), NULL,
						'Each unit''s group count lies between 0 and its whole count.', 'invalid_parameter_value');
	END IF;
	RETURN (SELECT round(0.5 * sum(abs(x.g::numeric / t.g - (x.n - x.g)::numeric / (t.n - t.g))), 4)
			FROM unnest($1, $2) AS x (g, n), (SELECT sum(y.g) AS g, sum(y.n) AS n FROM unnest($1, $2) AS y (g, n)) AS t
			WHERE t.g > 0 AND t.n > t.g);
END
$$;
COMMENT ON FUNCTION flux_mgmt.dissimilarite(bigint[], bigint[]) IS
	'the index of dissimilarity (Duncan & Duncan 1955) of a group against the rest over units: groupe[i] of the ensemble[i] of unit i, D = ½ Σ |g_i/G − (n_i − g_i)/(N − G)|, 0 for a group spread like the rest, 1 when no unit holds both, rounded to 4 decimals; null when the group or the rest is empty; 22023 for arrays of different lengths or a count outside 0..its whole';

-- The indices of DOMAIN §3.9 for a landlord: over its programmes and over
-- its segments, per département and period, for DALO or priority
-- households against the others and first-quartile households against the
-- others (among the leases signed), and for each beneficiary's in-flux
-- orientations against the other in-flux orientations (the pool's too).
CREATE FUNCTION flux_mgmt.indices_dissimilarite(bailleur text, annee integer)
RETURNS TABLE (departement text, echelle text, annee_debut integer, annee_fin integer, population text, reservataire text,
			   unites bigint, effectif bigint, total bigint, indice numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur_annee($1, $2, 'indices_dissimilarite');
	RETURN QUERY
	WITH periodes (debut, fin) AS (VALUES ($2, $2), ($2 - 2, $2)
	), echelles AS (
		SELECT * FROM (VALUES ('programme'), ('segment')) AS e (echelle)
	), baux AS (
		-- the leases per unit: all, priority, first quartile
		SELECT p.debut, p.fin, x.departement AS d, e.echelle, u.unite,
			   count(*) AS n, count(*) FILTER (WHERE x.prioritaire) AS np, count(*) FILTER (WHERE x.premier_quartile) AS nq
		FROM periodes p JOIN baux_programmes($1, $2 - 2, $2) AS x ON x.annee BETWEEN p.debut AND p.fin
		CROSS JOIN echelles e
		CROSS JOIN LATERAL (SELECT CASE e.echelle WHEN 'programme' THEN x.programme ELSE x.segment END AS unite) AS u
		WHERE u.unite IS NOT NULL
		GROUP BY p.debut, p.fin, x.departement, e.echelle, u.unite
	), orientations AS MATERIALIZED (
		-- the orientations per unit and beneficiary
		SELECT p.debut, p.fin, x.departement AS d, e.echelle, u.unite, x.reservataire, count(*) AS n
		FROM periodes p JOIN orientations_programmes($1, $2 - 2, $2) AS x ON x.annee BETWEEN p.debut AND p.fin
		CROSS JOIN echelles e
		CROSS JOIN LATERAL (SELECT CASE e.echelle WHEN 'programme' THEN x.programme ELSE x.segment END AS unite) AS u
		WHERE u.unite IS NOT NULL
		GROUP BY p.debut, p.fin, x.departement, e.echelle, u.unite, x.reservataire
	), unites AS (
		SELECT o.debut, o.fin, o.d, o.echelle, o.unite, sum(o.n)::bigint AS n FROM orientations o
		GROUP BY o.debut, o.fin, o.d, o.echelle, o.unite
	), beneficiaires AS (
		SELECT DISTINCT o.debut, o.fin, o.d, o.echelle, o.reservataire FROM orientations o
	)
	SELECT x.* FROM (
	SELECT b.d, b.echelle, b.debut, b.fin, g.population, NULL::text AS reservataire, count(*), sum(g.n)::bigint, sum(b.n)::bigint,
		   dissimilarite(array_agg(g.n ORDER BY b.unite), array_agg(b.n ORDER BY b.unite))
	FROM baux b CROSS JOIN LATERAL (VALUES ('menages_prioritaires', b.np), ('menages_premier_quartile', b.nq)) AS g (population, n)
	GROUP BY b.d, b.echelle, b.debut, b.fin, g.population
	UNION ALL
	SELECT u.d, u.echelle, u.debut, u.fin, 'orientations', r.reservataire, count(*), sum(coalesce(o.n, 0))::bigint, sum(u.n)::bigint,
		   dissimilarite(array_agg(coalesce(o.n, 0) ORDER BY u.unite), array_agg(u.n ORDER BY u.unite))
	FROM unites u
	JOIN beneficiaires r ON (r.debut, r.fin, r.d, r.echelle) = (u.debut, u.fin, u.d, u.echelle)
	LEFT JOIN orientations o ON (o.debut, o.fin, o.d, o.echelle, o.unite) = (u.debut, u.fin, u.d, u.echelle, u.unite)
		 AND o.reservataire IS NOT DISTINCT FROM r.reservataire
	GROUP BY u.d, u.echelle, u.debut, u.fin, r.reservataire
	) AS x (d, echelle, debut, fin, population, reservataire, unites, effectif, total, indice)
	ORDER BY x.d COLLATE "C", x.echelle, x.fin - x.debut, x.population, x.reservataire COLLATE "C" NULLS LAST;
END
$$;
COMMENT ON FUNCTION flux_mgmt.indices_dissimilarite(text, integer) IS
	'DOMAIN §3.9, the index of dissimilarity (Duncan & Duncan 1955, see dissimilarite()) for a landlord, per département, scale (echelle: its programmes, or its segments) and period (the year, and the three years ending with it): population menages_prioritaires (DALO or priority households against the other households, among the leases signed, every regime), menages_premier_quartile (first quartile against the others), orientations (reservataire''s in-flux orientations against the other in-flux orientations; reservataire null: the landlord''s pool); unites = the units counted (with a lease, or an orientation), effectif = the group, total = everyone; indice 0 = spread like the rest, 1 = never in the same unit, null when the group or the rest is empty; dwellings without a programme or a segment are left out at that scale; from the events; errors for an unknown landlord (23503), a year out of range (22023)';

-- The engine steers within quota (DOMAIN §3.9, §4): a secondary preference
-- for the beneficiaries that had less than their share of the last
-- orientations of the vacancy's programme, against those that had more.
-- Over the programme's last mixite_fenetre in-flux orientations (default
-- 10) on or before the day the vacancy is decided, counted as the
-- identification and the index count them (orientations_programmes: none
-- withdrawn, a carence and the next orientation both): the gap in
-- percentage points between the candidate's share and its part of them; the preference is
-- mixite_poids % of it (default 50), next to the indicative objectives'
-- points.  The programme, not the segment: segments are unions of
-- programmes, and the index of dissimilarity over a coarser partition never
-- exceeds the index over the finer one (|Σ a − Σ b| ≤ Σ |a − b|), so what
-- spreads a réservataire over programmes spreads it over segments; and a
-- segment's last dwellings would cost a scan of thousands of dwellings at
-- every call.  A preference never breaks the quota bound: the kernel
-- accepts a preferred holder only when an exact simulation keeps every
-- holder within it.
CREATE INDEX logement_programme ON flux_mgmt.logement (bailleur, programme) WHERE programme IS NOT NULL;
COMMENT ON INDEX flux_mgmt.logement_programme IS 'a programme''s dwellings, for preferer_mixite()';

CREATE FUNCTION flux_mgmt.preferer_mixite(bailleur text, programme text, vacance_id bigint, le date,
										 candidats flux_mgmt.candidat_orientation[])
RETURNS flux_mgmt.candidat_orientation[]
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- only key lookups: a plan cached while orientation was empty (a batch
	-- from an empty database) must not scan it whole at every call after
	SET enable_seqscan = off
AS $$
DECLARE
	poids numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'mixite_poids'), 50);
	fenetre integer := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'mixite_fenetre'), 10);
	derniers text[];		-- the beneficiaries of the programme's last orientations ('' for the pool)
BEGIN
	IF poids = 0 OR candidats IS NULL OR programme IS NULL THEN
		RETURN candidats;
	END IF;
	-- the programme's last in-flux orientations but this vacancy's, as
	-- orientations_programmes() counts them
	derniers := ARRAY(
		SELECT coalesce(o.reservataire, '')
		FROM logement l JOIN vacance va ON va.logement_id = l.id JOIN orientation o ON o.vacance_id = va.id
		WHERE l.bailleur = $1 AND l.programme = $2 AND l.regime = 'flux' AND va.id <> $3
		  AND o.soustraction IS NULL AND o.issue <> 'retiree' AND o.date_orientation <= $4
		ORDER BY o.date_orientation DESC, o.id DESC LIMIT fenetre);
	IF cardinality(derniers) = 0 THEN
		RETURN candidats;
	END IF;
	RETURN ARRAY(
	SELECT ROW(c.reservataire, c.nom, c.territorial, c.taux, c.t, c.a, c.preference + coalesce(m.points, 0),
			   c.motifs_preference || coalesce(m.motifs, '{}'), c.gestion)::candidat_orientation
	FROM unnest(candidats) WITH ORDINALITY AS c (reservataire, nom, territorial, taux, t, a, preference, motifs_preference, gestion, i)
	LEFT JOIN LATERAL (
		SELECT e.points,
			   ARRAY[format('social mix: %s of the last %s dwellings oriented in programme %s, for a %s %% share: preference %s points (weight %s %%)',
							CASE WHEN k.recus = 0 THEN 'received none' ELSE 'already received ' || k.recus END,
							cardinality(derniers), neutraliser_controles($2), trim_scale(round(c.taux, 2)),
							CASE WHEN round(e.points, 1) > 0 THEN '+' ELSE '' END || trim_scale(round(e.points, 1)), trim_scale(poids))] AS motifs
		FROM (SELECT count(*) AS recus FROM unnest(derniers) AS d (r) WHERE d.r = coalesce(c.reservataire, '')) AS k
		CROSS JOIN LATERAL (SELECT round(poids / 100 * (c.taux - 100.0 * k.recus / cardinality(derniers)), 2) AS points) AS e
		WHERE c.taux > 0
	) AS m ON true
	ORDER BY c.i);
END
$$;
COMMENT ON FUNCTION flux_mgmt.preferer_mixite(text, text, bigint, date, flux_mgmt.candidat_orientation[]) IS
	'the candidates of an in-flux vacancy (vacance_id, of a dwelling of the landlord in programme, decided on le; as candidats() gives them) with the social-mix preference added (DOMAIN §3.9): the last parametre_orientation.mixite_fenetre in-flux orientations (default 10) of the programme but this vacancy''s, on or before le, counted as orientations_programmes() counts them (none withdrawn), and the gap between each candidate''s share and its part of them, in percentage points; the preference is mixite_poids % of it (default 50; 0 turns it off), with a reason in plain words; candidates with no share, or no programme or none of its dwellings oriented before, are left as they are; what decider() calls';

-- The measures for reporting tools, per landlord and year: every year in
-- which the landlord has an orientation or a lease.
CREATE FUNCTION flux_mgmt.annees_mixite(bailleur text) RETURNS SETOF integer
	LANGUAGE sql STABLE
BEGIN ATOMIC
	SELECT DISTINCT y::integer
	FROM flux_mgmt.logement l
	JOIN flux_mgmt.vacance va ON va.logement_id = l.id
	JOIN flux_mgmt.orientation o ON o.vacance_id = va.id
	LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
	CROSS JOIN LATERAL (VALUES (extract(year FROM o.date_orientation)), (extract(year FROM a.date_bail))) AS x (y)
	WHERE l.bailleur = $1 AND x.y IS NOT NULL
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.annees_mixite(text) IS
	'the years in which a landlord has an orientation or a lease: the years the views mixite_identification and mixite_dissimilarite give';

CREATE VIEW flux_mgmt.mixite_identification WITH (security_invoker = true) AS
SELECT b.code AS bailleur, y.annee, i.departement, i.programme, i.reservataire, i.annee_debut, i.annee_fin, i.vacances,
	   i.orientations, i.orientations_reservataire, i.part_programme, i.part_flux, i.identifie
FROM flux_mgmt.bailleur b
CROSS JOIN LATERAL flux_mgmt.annees_mixite(b.code) AS y (annee)
CROSS JOIN LATERAL flux_mgmt.identification_programmes(b.code, y.annee) AS i;
COMMENT ON VIEW flux_mgmt.mixite_identification IS
	'identification_programmes() for every landlord and every year it has an orientation or a lease (DOMAIN §3.9): per programme, réservataire and period (the year, and the three years ending with it), its share of the programme''s in-flux orientations against its share of the flux, and whether the programme is identified with it';
COMMENT ON COLUMN flux_mgmt.mixite_identification.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.mixite_identification.annee IS 'the year reported on (the period ends with it)';
COMMENT ON COLUMN flux_mgmt.mixite_identification.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.mixite_identification.programme IS 'the programme (logement.programme)';
COMMENT ON COLUMN flux_mgmt.mixite_identification.reservataire IS 'the réservataire';
COMMENT ON COLUMN flux_mgmt.mixite_identification.annee_debut IS 'first year of the period';
COMMENT ON COLUMN flux_mgmt.mixite_identification.annee_fin IS 'last year of the period';
COMMENT ON COLUMN flux_mgmt.mixite_identification.vacances IS 'in-flux vacancies of the programme oriented in the period';
COMMENT ON COLUMN flux_mgmt.mixite_identification.orientations IS 'in-flux orientations of the programme in the period (the pool''s included)';
COMMENT ON COLUMN flux_mgmt.mixite_identification.orientations_reservataire IS 'those to the réservataire';
COMMENT ON COLUMN flux_mgmt.mixite_identification.part_programme IS 'its share of the programme''s orientations, percent';
COMMENT ON COLUMN flux_mgmt.mixite_identification.part_flux IS 'its share of the landlord''s in-flux orientations in the département over the period, percent';
COMMENT ON COLUMN flux_mgmt.mixite_identification.identifie IS 'the programme is identified with it (thresholds in parametre_orientation)';

CREATE VIEW flux_mgmt.mixite_dissimilarite WITH (security_invoker = true) AS
SELECT b.code AS bailleur, y.annee, i.departement, i.echelle, i.annee_debut, i.annee_fin, i.population, i.reservataire,
	   i.unites, i.effectif, i.total, i.indice
FROM flux_mgmt.bailleur b
CROSS JOIN LATERAL flux_mgmt.annees_mixite(b.code) AS y (annee)
CROSS JOIN LATERAL flux_mgmt.indices_dissimilarite(b.code, y.annee) AS i;
COMMENT ON VIEW flux_mgmt.mixite_dissimilarite IS
	'indices_dissimilarite() for every landlord and every year it has an orientation or a lease (DOMAIN §3.9): the index of dissimilarity over its programmes and its segments, per period, for priority households, first-quartile households and each beneficiary''s orientations';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.annee IS 'the year reported on (the period ends with it)';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.echelle IS 'the units: programme, or segment (the CUS patrimony segment)';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.annee_debut IS 'first year of the period';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.annee_fin IS 'last year of the period';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.population IS 'menages_prioritaires, menages_premier_quartile (among the leases signed) or orientations (of reservataire)';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.reservataire IS 'for orientations: the beneficiary (null: the landlord''s pool)';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.unites IS 'units counted (with a lease, or an orientation)';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.effectif IS 'the group''s count';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.total IS 'everyone''s count';
COMMENT ON COLUMN flux_mgmt.mixite_dissimilarite.indice IS 'the index: 0 = spread like the rest, 1 = never in the same unit; null when the group or the rest is empty';

CREATE OR REPLACE FUNCTION flux_mgmt.decider(vacance_id bigint) RETURNS flux_mgmt.decision_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	d decision_orientation;
BEGIN
	SELECT l.bailleur, l.commune, l.nb_pieces, l.financement, l.qpv, l.regime, l.reservataire_stock, r.nom, l.programme,
		   extract(year FROM va.date_liberation)::integer AS annee,
		   -- when it can be oriented: available, or back after its last orientation ended
		   date_decision(va.id) AS le
	INTO v
	FROM vacance va JOIN logement l ON l.id = va.logement_id LEFT JOIN flux_mgmt.reservataire r ON r.code = l.reservataire_stock
	WHERE va.id = decider.vacance_id;
	IF NOT FOUND THEN
		PERFORM refuser(format('unknown vacancy %s', decider.vacance_id), NULL,
						'Give the id of a row of flux_mgmt.vacance.', 'foreign_key_violation');
	END IF;
	d.regime := v.regime;
	d.titulaire := v.reservataire_stock;
	d.nom_titulaire := v.nom;
	-- charged already by a closed orientation (a carence in mixte, a carence
	-- or an échec in orientation mode): the dwelling is the landlord's to let,
	-- and counts for no one again (DOMAIN §3.5, §3.6); the rules are read only
	-- for a vacancy with such an orientation, not at every first orientation
	IF v.regime = 'flux' AND EXISTS (SELECT FROM orientation o WHERE o.vacance_id = decider.vacance_id
									  AND o.issue IN ('carence', 'echec')) THEN
		SELECT format('already charged to %s on %s (mode %s, %s on %s): the dwelling came back to the landlord, who lets it from its pool; it counts for no one again',
					  coalesce(r.nom, od.reservataire, 'the landlord''s pool'), od.date_decompte, od.mode_decompte,
					  od.issue, od.date_issue)
		INTO d.decompte
		FROM orientation_decompte od LEFT JOIN reservataire r ON r.code = od.reservataire
		WHERE od.vacance_id = decider.vacance_id AND od.decompte AND od.issue IN ('carence', 'echec');
	END IF;
	IF v.regime = 'flux' AND d.decompte IS NULL THEN
		d.candidats := preferer_mixite(v.bailleur, v.programme, decider.vacance_id, v.le,
									   ARRAY(SELECT x FROM candidats(v.bailleur, v.commune, v.annee, v.nb_pieces, v.financement, v.qpv, v.le) AS x));
		d.choix := (SELECT choisir_orientation(array_agg(x.t ORDER BY i), array_agg(x.a ORDER BY i),
											   array_agg(round(x.taux * 10000)::bigint ORDER BY i),
											   array_agg(round(x.preference * 10000)::bigint ORDER BY i))
					FROM unnest(d.candidats) WITH ORDINALITY
						 AS x (reservataire, nom, territorial, taux, t, a, preference, motifs_preference, gestion, i));
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION flux_mgmt.decider(bigint) IS
	'the orientation decision for a vacancy (see decision_orientation): a stock dwelling''s holder, the charge of an in-flux vacancy already charged by a closed orientation, or the candidates of an in-flux dwelling in the year of the vacancy (candidats(), with the social-mix preference of preferer_mixite()) and the choice of choisir_orientation()';

CREATE OR REPLACE FUNCTION flux_mgmt.rapport_annuel(bailleur text, annee integer) RETURNS text
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	b flux_mgmt.bailleur;
	d text;
	r record;
	html text;
	lignes jsonb;
	barres jsonb;
	identifies jsonb;
	indices jsonb;
	concentrations jsonb;
	motifs CONSTANT jsonb := '{"mutation_interne": "Mutations internes", "renouvellement_urbain": "Relogements (renouvellement urbain)", "copropriete_degradee": "Relogements (copropriétés dégradées)", "habitat_indigne": "Relogements (lutte contre l''habitat indigne)", "vente": "Relogements liés aux ventes", "stock_defense": "Logements conservés en stock (défense)", "stock_securite": "Logements conservés en stock (sécurité)", "stock_sante": "Logements conservés en stock (santé)", "hors_champ": "Logements hors champ (article L441-1)"}';
	contingents CONSTANT jsonb := '{"etat_prioritaires": "État, publics prioritaires", "etat_agents": "État, agents publics", "action_logement": "Action Logement", "commune": "Commune", "epci": "EPCI", "ept": "EPT", "departement": "Département", "region": "Région", "employeur": "Employeur", "ministere": "Ministère", "organisme": "Organisme", "autre": "Autre"}';
BEGIN
	PERFORM exiger_rapport(bailleur, annee, 'rapport_annuel');
	SELECT * INTO b FROM flux_mgmt.bailleur x WHERE x.code = rapport_annuel.bailleur;
	html := format(
		'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Bilan annuel %1$s de la gestion en flux — %2$s</title>'
		'<style>%7$s</style></head><body>'
		'<h1>Bilan annuel %1$s de la gestion en flux</h1>'
		'<p>Bailleur : <strong>%2$s</strong> (%3$s%4$s). Bilan de l''année %1$s prévu par l''article R441-5-1 du code de la construction et de l''habitation, '
		'à adresser avant le 28 février %5$s à chaque réservataire, aux EPCI et EPT concernés et à la conférence intercommunale du logement. '
		'Établi le %6$s à partir des compteurs de flux_mgmt.</p>',
		annee, echapper_html(b.nom), echapper_html(b.code), coalesce(', SIREN ' || echapper_html(b.siren), ''), annee + 1,
		to_char(current_date, 'DD/MM/YYYY'), style_html());

	-- 1. entitlements and charges, per département
	html := html || format('<h2>1. Droits et logements décomptés en %s</h2>', annee);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(a.reservataire)
										   || CASE WHEN c.gestion = 'deleguee' THEN ' — gestion déléguée' ELSE '' END,
										   a.taux, a.flux_realise, round(a.droit, 2),
										   a.decomptes, round(a.ecart, 2), a.en_cours, a.carences)
						 ORDER BY a.reservataire IS NULL, a.reservataire COLLATE "C"),
			   jsonb_agg(jsonb_build_array(nom_beneficiaire(a.reservataire), a.droit, a.decomptes)
						 ORDER BY a.reservataire IS NULL, a.reservataire COLLATE "C")
		INTO lignes, barres
		FROM atteinte_annuelle(bailleur, d, annee) AS a
		LEFT JOIN conventions_en_vigueur(bailleur, d, annee) AS v ON v.reservataire = a.reservataire
		LEFT JOIN convention c ON c.id = v.id;
		html := html || format('<h3>Département %s</h3>', echapper_html(d))
			|| html_tableau(ARRAY['Réservataire', 'Part (%)', 'Flux réalisé', 'Droit', 'Décomptés', 'Écart', 'En cours', 'Carences'],
							lignes)
			|| '<div>' || svg_droits_decomptes(barres, format('Droit et logements décomptés par réservataire, département %s, %s', d, annee))
			|| '</div>';
	END LOOP;

	-- 2. proposed and attributed dwellings, R441-5-1 breakdowns
	html := html || format('<h2>2. Logements proposés et attribués en %s</h2>', annee)
		|| '<p>Logements du flux orientés vers chaque réservataire (proposés, dans l''année de l''orientation) et attribués (bail signé dans l''année).</p>'
		|| html_tableau(ARRAY['Réservataire', 'Proposés', 'Attribués'],
						(SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(t.reservataire), t.p, t.a)
										  ORDER BY t.reservataire IS NULL, t.reservataire COLLATE "C")
						 FROM (SELECT x.reservataire, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
							   FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
							   GROUP BY x.reservataire) AS t),
						'Ensemble');
	FOR r IN SELECT x.reservataire FROM bilan_annuel x
			 WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
			 GROUP BY x.reservataire
			 ORDER BY x.reservataire IS NULL, x.reservataire COLLATE "C" LOOP
		html := html || format('<h3 class="reservataire">%s</h3>', echapper_html(nom_beneficiaire(r.reservataire))) || (
			SELECT string_agg(html_tableau(ARRAY[c.titre, 'Proposés', 'Attribués'], c.lignes), '' ORDER BY c.ordre)
			FROM (SELECT 1 AS ordre, 'Typologie' AS titre,
						 jsonb_agg(jsonb_build_array(coalesce(g.cle, 'non renseignée'), g.p, g.a) ORDER BY g.cle) AS lignes
				  FROM (SELECT x.typologie AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 2, 'Financement', jsonb_agg(jsonb_build_array(coalesce(upper(g.cle), 'non renseigné'), g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.financement::text AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 3, 'Localisation', jsonb_agg(jsonb_build_array(CASE WHEN g.cle THEN 'en QPV' ELSE 'hors QPV' END, g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.qpv AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 4, 'Commune', jsonb_agg(jsonb_build_array(g.nom, g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.commune AS cle, coalesce(m.nom || ' (' || x.commune || ')', x.commune::text) AS nom,
							   sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x LEFT JOIN commune m ON m.code = x.commune
						WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1, 2) AS g
				  UNION ALL
				  SELECT 5, 'Période de construction', jsonb_agg(jsonb_build_array(coalesce(g.cle, 'non renseignée'), g.p, g.a)
															   ORDER BY g.cle <> 'avant 1949', g.cle)
				  FROM (SELECT x.periode_construction AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g) AS c);
	END LOOP;

	-- 3. subtractions, 4. forecast of the next year, per département
	html := html || format('<h2>3. Logements soustraits du flux</h2><p>Réalisé et prévu en %s, prévu en %s (articles R441-5 et suivants).</p>',
						   annee, annee + 1);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || html_tableau(
			ARRAY['Motif', format('Prévu %s', annee), format('Réalisé %s', annee), format('Prévu %s', annee + 1)],
			(SELECT jsonb_agg(jsonb_build_array(motifs ->> m.motif::text, n.prevu, coalesce(n.realise, 0), s.prevu) ORDER BY m.motif)
			 FROM unnest(enum_range(NULL::motif_soustraction)) AS m(motif)
			 LEFT JOIN bilan_soustractions n ON n.bailleur = rapport_annuel.bailleur AND n.departement = d
				  AND n.annee = rapport_annuel.annee AND n.motif = m.motif
			 LEFT JOIN bilan_soustractions s ON s.bailleur = rapport_annuel.bailleur AND s.departement = d
				  AND s.annee = rapport_annuel.annee + 1 AND s.motif = m.motif),
			format('Département %s', d));
	END LOOP;
	html := html || format('<h2>4. Flux prévisionnel %s par réservataire</h2>', annee + 1);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || format('<h3>Département %s</h3>', echapper_html(d)) || html_flux_previsionnel(bailleur, d, annee + 1);
	END LOOP;

	-- 5. allocation objectives
	html := html || format('<h2>5. Objectifs d''attribution %s (article L441-1)</h2>', annee)
		|| '<p>O1 : hors QPV, attributions au premier quartile ou à des ménages relogés (renouvellement urbain, ORCOD) ; '
		|| 'O2 : en QPV, attributions aux quartiles 2 à 4 ; O3 : chaque réservataire autre que l''État, ménages DALO ou prioritaires ; '
		|| 'O4 : contingent propre du bailleur et logements repris, ménages DALO ou prioritaires. Le manque est le nombre d''attributions qu''il aurait fallu en plus pour atteindre la cible.</p>'
		|| html_tableau(ARRAY['Objectif', 'Périmètre', 'Attributions concernées', 'Conformes', 'Taux (%)', 'Cible (%)', 'Manque'],
						(SELECT jsonb_agg(jsonb_build_array(o.objectif,
															CASE WHEN o.reservataire IS NOT NULL THEN nom_beneficiaire(o.reservataire)
																 WHEN o.epci IS NOT NULL THEN coalesce(o.epci_nom, o.epci) || ' (' || o.epci || ')'
																 WHEN o.objectif = 'O4' THEN 'Contingent propre du bailleur'
																 ELSE 'Ensemble du patrimoine' END,
															o.denominateur, o.numerateur, o.taux, o.cible, o.manque)
										  ORDER BY o.objectif, o.epci IS NOT NULL, o.epci_nom, o.reservataire COLLATE "C")
						 FROM objectifs_attribution o
						 WHERE o.bailleur = rapport_annuel.bailleur AND o.annee = rapport_annuel.annee));

	-- 6. leases outside the assiette (DOMAIN §3.2, §3.10)
	html := html || format('<h2>6. Attributions hors assiette en %s</h2>', annee)
		|| '<p>Baux signés dans l''année sur des logements soustraits du flux (mutations internes, relogements), conservés en stock ou hors champ, '
		|| 'avec les relogements de ménages prioritaires et de ménages éligibles aux contingents, à côté des soustractions prévues et réalisées.</p>';
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || html_tableau(
			ARRAY['Motif', 'Soustractions prévues', 'Soustractions réalisées', 'Baux signés', 'dont ménages prioritaires ou DALO', 'dont DALO',
				  'dont éligibles Action Logement', 'dont mutations'],
			(SELECT jsonb_agg(jsonb_build_array(motifs ->> m.motif, h.prevu, CASE WHEN m.ordre <= 5 THEN coalesce(h.soustraites, 0) END,
												coalesce(h.baux, 0), coalesce(h.prioritaires, 0), coalesce(h.dalo, 0),
												coalesce(h.eligibles_action_logement, 0), coalesce(h.mutations, 0)) ORDER BY m.ordre)
			 FROM unnest('{mutation_interne,renouvellement_urbain,copropriete_degradee,habitat_indigne,vente,stock_defense,stock_securite,stock_sante,hors_champ}'::text[])
				  WITH ORDINALITY AS m(motif, ordre)
			 LEFT JOIN bilan_hors_assiette h ON h.bailleur = rapport_annuel.bailleur AND h.departement = d
				  AND h.annee = rapport_annuel.annee AND h.motif = m.motif
			 WHERE m.ordre <= 5 OR h.baux > 0),
			format('Département %s', d))
			|| html_tableau(ARRAY['Contingent auquel le ménage était éligible', 'Baux signés hors assiette'],
							(SELECT jsonb_agg(jsonb_build_array(contingents ->> c.contingent::text, c.baux) ORDER BY c.contingent)
							 FROM (SELECT x.contingent, sum(x.baux) AS baux FROM bilan_hors_assiette_contingents x
								   WHERE x.bailleur = rapport_annuel.bailleur AND x.departement = d AND x.annee = rapport_annuel.annee
								   GROUP BY x.contingent) AS c),
							format('Département %s, par contingent', d));
	END LOOP;

	-- 7. social mix across residences (DOMAIN §3.9): each measure computed
	-- once for every département, then read per département
	SELECT coalesce(jsonb_agg(to_jsonb(i)), '[]') INTO identifies
	FROM identification_programmes(bailleur, annee) AS i WHERE i.identifie;
	SELECT coalesce(jsonb_agg(to_jsonb(i)), '[]') INTO indices
	FROM (SELECT annee AS an, x.* FROM indices_dissimilarite(bailleur, annee) AS x
		  UNION ALL
		  -- the year before, when there is one to compute
		  SELECT annee - 1, x.* FROM indices_dissimilarite(bailleur, greatest(annee - 1, 1900)) AS x WHERE annee > 1900) AS i;
	SELECT coalesce(jsonb_agg(to_jsonb(c)), '[]') INTO concentrations
	FROM concentration_menages(bailleur, annee) AS c
	WHERE c.echelle = 'programme' AND c.annee_debut < c.annee_fin AND c.baux >= 10;
	html := html || format('<h2>7. Mixité sociale dans les résidences en %s</h2>', annee)
		|| format('<p>Un programme est identifié à un réservataire quand celui-ci y reçoit au moins %s %% des logements orientés dans le flux '
				  'et au moins %s fois sa part du flux, sur %s vacances au moins (paramètres identification_part, identification_rapport, identification_vacances). ',
				  nombre_fr(coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_part'), 50)),
				  nombre_fr(coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_rapport'), 2)),
				  nombre_fr(coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_vacances'), 10)))
		|| 'L''indice de dissimilarité (Duncan et Duncan, 1955), D = ½ Σ |a<sub>i</sub>/A − b<sub>i</sub>/B| sur les programmes ou les segments du patrimoine, '
		|| 'compare la répartition d''un groupe (ménages prioritaires ou DALO, ménages du premier quartile parmi les baux signés ; '
		|| 'orientations d''un réservataire) à celle des autres : 0 pour une même répartition, 1 quand ils ne partagent aucune résidence.</p>';
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || html_tableau(
			ARRAY['Programme', 'Réservataire', 'Période', 'Vacances', 'Orientations au réservataire', 'Part dans le programme (%)', 'Part du flux (%)'],
			(SELECT jsonb_agg(jsonb_build_array(i.programme, nom_beneficiaire(i.reservataire),
												CASE WHEN i.annee_debut = i.annee_fin THEN i.annee_fin::text ELSE i.annee_debut || '-' || i.annee_fin END,
												i.vacances, i.orientations_reservataire, i.part_programme, i.part_flux)
							  ORDER BY i.annee_fin - i.annee_debut, i.programme COLLATE "C", i.reservataire COLLATE "C")
			 FROM jsonb_to_recordset(identifies) AS i (departement text, programme text, reservataire text, annee_debut integer,
													   annee_fin integer, vacances bigint, orientations_reservataire bigint,
													   part_programme numeric, part_flux numeric)
			 WHERE i.departement = d),
			format('Département %s, programmes identifiés à un réservataire', d))
			|| html_tableau(
			ARRAY['Groupe', format('Programmes %s', annee - 1), format('Programmes %s', annee), format('Programmes %s-%s', annee - 2, annee),
				  format('Segments %s', annee)],
			(SELECT jsonb_agg(jsonb_build_array(
						CASE g.population WHEN 'menages_prioritaires' THEN 'Ménages prioritaires ou DALO'
										  WHEN 'menages_premier_quartile' THEN 'Ménages du premier quartile'
										  ELSE 'Orientations : ' || nom_beneficiaire(g.reservataire) END,
						g.p1, g.p0, g.p3, g.s0)
					ORDER BY g.population DESC, g.reservataire IS NULL, g.reservataire COLLATE "C")
			 FROM (SELECT x.population, x.reservataire,
						  max(x.indice) FILTER (WHERE x.an = annee - 1 AND x.echelle = 'programme' AND x.annee_debut = x.annee_fin) AS p1,
						  max(x.indice) FILTER (WHERE x.an = annee AND x.echelle = 'programme' AND x.annee_debut = x.annee_fin) AS p0,
						  max(x.indice) FILTER (WHERE x.an = annee AND x.echelle = 'programme' AND x.annee_debut < x.annee_fin) AS p3,
						  max(x.indice) FILTER (WHERE x.an = annee AND x.echelle = 'segment' AND x.annee_debut = x.annee_fin) AS s0
				   FROM jsonb_to_recordset(indices) AS x (an integer, departement text, echelle text, annee_debut integer, annee_fin integer,
														  population text, reservataire text, indice numeric)
				   WHERE x.departement = d
				   GROUP BY x.population, x.reservataire) AS g),
			format('Département %s, indices de dissimilarité', d))
			|| html_tableau(
			ARRAY['Programme', 'Baux signés', 'Ménages prioritaires ou DALO', 'Part (%)', 'Moyenne du bailleur (%)', 'Premier quartile (%)',
				  'Moyenne du bailleur (%)'],
			(SELECT jsonb_agg(jsonb_build_array(c.unite, c.baux, c.prioritaires, c.part_prioritaires, c.moyenne_prioritaires,
												c.part_premier_quartile, c.moyenne_premier_quartile)
							  ORDER BY c.part_prioritaires DESC, c.unite COLLATE "C")
			 FROM (SELECT c.* FROM jsonb_to_recordset(concentrations)
						 AS c (departement text, unite text, baux bigint, prioritaires bigint, part_prioritaires numeric,
							   moyenne_prioritaires numeric, part_premier_quartile numeric, moyenne_premier_quartile numeric)
				   WHERE c.departement = d
				   ORDER BY c.part_prioritaires DESC, c.unite COLLATE "C" LIMIT 10) AS c),
			format('Département %s, programmes où les ménages prioritaires ou DALO sont les plus nombreux, %s-%s (10 baux ou plus)', d, annee - 2, annee));
	END LOOP;
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.rapport_annuel(text, integer) IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8) of a landlord for the year reported on (N-1, sent before 28 February of N), as a self-contained HTML document in French: entitlements and charges per réservataire with an SVG chart, proposed and attributed dwellings per réservataire by typology, financing, QPV, commune and construction period, subtractions forecast and actual (and forecast for N), the forecast flux of N per réservataire (or why it cannot be computed), objectives O1-O4 with shortfalls, the leases outside the assiette per motif (priority households, households eligible to Action Logement and to each contingent) next to the subtractions, and social mix across residences (programmes identified with a réservataire, indices of dissimilarity of the year, the year before and the three years, the programmes with the highest shares of priority households); every figure from the counters but the last two sections, from the events; errors for an unknown landlord (23503), a year out of range (22023) or with nothing to report (23503)';

CREATE OR REPLACE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d text;
	previsions jsonb := '[]';
	part jsonb;
	message text;
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire) THEN
		PERFORM refuser(format('unknown réservataire %L', reservataire), NULL,
						'Give the code of a row of flux_mgmt.reservataire.', 'foreign_key_violation');
	END IF;
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(format('year %s in export_reservataire is out of range', annee), NULL,
						'Give the calendar year reported on, such as 2025.', 'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM convention c
				   WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
					 AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee)
	   AND NOT EXISTS (SELECT FROM compteur k
					   WHERE k.bailleur = export_reservataire.bailleur AND k.annee = export_reservataire.annee
						 AND k.reservataire = export_reservataire.reservataire) THEN
		PERFORM refuser(
			format('réservataire %L has nothing with landlord %L in %s', reservataire, bailleur, annee),
			'It has no convention with the landlord in force that year or the next, and nothing was oriented or leased to it that year.',
			'Check the year and the réservataire: flux_mgmt.convention lists its conventions.',
			'foreign_key_violation');
	END IF;
	-- the forecast of the next year where it has a convention then
	FOR d IN SELECT DISTINCT c.departement FROM convention c
			 WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
			   AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee + 1
			 ORDER BY 1 LOOP
		BEGIN
			SELECT jsonb_build_object('departement', d, 'annee', annee + 1, 'taux', p.taux, 'droit', p.droit, 'droit_entier', p.droit_entier)
			INTO part
			FROM parts_annuelles(bailleur, d, annee + 1) AS p WHERE p.reservataire = export_reservataire.reservataire;
		EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
			part := jsonb_build_object('departement', d, 'annee', annee + 1, 'erreur', neutraliser_controles(message));
		END;
		previsions := previsions || jsonb_build_array(part);
	END LOOP;
	RETURN jsonb_build_object(
		'format', 'flux_mgmt.export_reservataire 1',
		-- the names as the report shows them: no control character, no bidirectional override
		'bailleur', (SELECT jsonb_build_object('code', neutraliser_controles(b.code), 'nom', neutraliser_controles(b.nom), 'siren', b.siren)
					 FROM flux_mgmt.bailleur b WHERE b.code = export_reservataire.bailleur),
		'reservataire', (SELECT jsonb_build_object('code', neutraliser_controles(r.code), 'nom', neutraliser_controles(r.nom), 'type', r.type)
						 FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire),
		'annee', annee,
		'atteinte', coalesce((
			SELECT jsonb_agg(jsonb_build_object('departement', x.d, 'taux', a.taux, 'flux_realise', a.flux_realise, 'droit', a.droit,
												'decomptes', a.decomptes, 'ecart', a.ecart, 'en_cours', a.en_cours, 'carences', a.carences,
												'gestion', c.gestion)
							 ORDER BY x.d)
			FROM departements_du_rapport(bailleur, annee) AS x(d)
			CROSS JOIN LATERAL atteinte_annuelle(bailleur, x.d, annee) AS a
			LEFT JOIN LATERAL conventions_en_vigueur(bailleur, x.d, annee) AS v ON v.reservataire = a.reservataire
			LEFT JOIN convention c ON c.id = v.id
			WHERE a.reservataire = export_reservataire.reservataire), '[]'),
		'bilan', coalesce((
			SELECT jsonb_agg(jsonb_build_object('commune', x.commune, 'typologie', x.typologie, 'financement', x.financement,
												'qpv', x.qpv, 'periode_construction', x.periode_construction,
												'logements_proposes', x.logements_proposes, 'logements_attribues', x.logements_attribues)
							 ORDER BY x.commune, x.typologie, x.financement, x.qpv, x.periode_construction)
			FROM bilan_annuel x
			WHERE x.bailleur = export_reservataire.bailleur AND x.annee = export_reservataire.annee
			  AND x.reservataire = export_reservataire.reservataire), '[]'),
		'objectifs', coalesce((
			SELECT jsonb_agg(jsonb_build_object('objectif', o.objectif, 'numerateur', o.numerateur, 'denominateur', o.denominateur,
												'cible', o.cible, 'taux', o.taux, 'manque', o.manque))
			FROM objectifs_attribution o
			WHERE o.bailleur = export_reservataire.bailleur AND o.annee = export_reservataire.annee
			  AND o.reservataire = export_reservataire.reservataire), '[]'),
		'flux_previsionnel_suivant', previsions,
		-- social mix (DOMAIN §3.9): how its orientations spread over the landlord's residences
		'mixite', jsonb_build_object(
			'indices', coalesce((
				SELECT jsonb_agg(jsonb_build_object('departement', i.departement, 'echelle', i.echelle, 'annee_debut', i.annee_debut,
													'annee_fin', i.annee_fin, 'unites', i.unites, 'orientations', i.effectif, 'indice', i.indice)
								 ORDER BY i.departement COLLATE "C", i.echelle, i.annee_debut DESC)
				FROM indices_dissimilarite(export_reservataire.bailleur, export_reservataire.annee) AS i
				WHERE i.population = 'orientations' AND i.reservataire = export_reservataire.reservataire), '[]'),
			'programmes_identifies', coalesce((
				SELECT jsonb_agg(jsonb_build_object('departement', i.departement, 'programme', neutraliser_controles(i.programme),
													'annee_debut', i.annee_debut, 'annee_fin', i.annee_fin, 'vacances', i.vacances,
													'orientations', i.orientations_reservataire, 'part_programme', i.part_programme,
													'part_flux', i.part_flux)
								 ORDER BY i.departement COLLATE "C", i.programme COLLATE "C", i.annee_debut DESC)
				FROM identification_programmes(export_reservataire.bailleur, export_reservataire.annee) AS i
				WHERE i.identifie AND i.reservataire = export_reservataire.reservataire), '[]')));
END
$$;
COMMENT ON FUNCTION flux_mgmt.export_reservataire(text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed), and mixite: the index of dissimilarity of its orientations over the landlord''s programmes and segments (the year, and the three years ending with it) and the programmes identified with it (indices_dissimilarite, identification_programmes); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503)';

COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one or an in-flux vacancy already charged (a carence: the dwelling came back to the landlord); otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives and the social mix of the dwelling''s programme (preferer_mixite) as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why, and rank 1''s adds the subtraction motifs behind their forecast''s pace (avis_soustractions), as advice';
