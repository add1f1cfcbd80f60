-- flux_mgmt install script, part 83_mixite: social mix across residences
-- (issue 15; DOMAIN §3.9): is a programme identified with one réservataire?
--
-- "Le choix des critères d'orientation des logements vers les différents
-- réservataires ne doit pas conduire à une identification à l'échelle d'un
-- programme."  Per programme (logement.programme) and period (a year, and the
-- three years ending with it), each réservataire's share of the programme's
-- in-flux orientations against its share of the landlord's in-flux
-- orientations in the département over the same period, read from the
-- events.  A programme is flagged when one réservataire's share there is at
-- least identification_part % (default 50) and at least
-- identification_rapport times (default 2) its share of the flux, on at
-- least identification_vacances in-flux vacancies (default 10): small
-- programmes do not raise false alarms (parametre_orientation).
-- (sql/src/*.sql are concatenated in name order into the install script.)

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
	seuil_part numeric := valeur_parametre('identification_part');
	rapport numeric := valeur_parametre('identification_rapport');
	vacances_min numeric := valeur_parametre('identification_vacances');
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
	poids numeric := valeur_parametre('mixite_poids');
	fenetre integer := valeur_parametre('mixite_fenetre');
	derniers text[];		-- the beneficiaries of the programme's last orientations ('' for the pool)
BEGIN
	IF poids = 0 OR candidats IS NULL OR programme IS NULL THEN
		RETURN candidats;
	END IF;
	-- the programme's last in-flux orientations but this vacancy's, as
	-- orientations_programmes() counts them; from the programme's dwellings
	-- to their vacancies to their orientations, each step through its index
	-- (OFFSET 0 keeps that order: a plan cached while orientation was empty
	-- read every orientation of the database, then looked for its dwelling)
	derniers := ARRAY(
		SELECT coalesce(o.reservataire, '')
		FROM logement l
		CROSS JOIN LATERAL (SELECT va.id FROM vacance va WHERE va.logement_id = l.id AND va.id <> $3 OFFSET 0) AS va
		CROSS JOIN LATERAL (SELECT o.reservataire, o.date_orientation, o.id FROM orientation o
							WHERE o.vacance_id = va.id AND o.soustraction IS NULL AND o.issue <> 'retiree'
							  AND o.date_orientation <= $4 OFFSET 0) AS o
		WHERE l.bailleur = $1 AND l.programme = $2 AND l.regime = 'flux'
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
