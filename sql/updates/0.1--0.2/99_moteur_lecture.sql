--------------------------------------------------------------------------------
-- The engine's reads at its grain (issue 13): candidats() reads
-- compteur_moteur (99_moteur_compteur.sql), and a territory's per-commune
-- counters, through comptes_moteur() and comptes_territoire()
-- (src/lecture_moteur.c: with the transaction's pending differences, so
-- that a decision makes no counter row be written), the holders of
-- indicative objectives' mix through melange_objectifs(); preferer_mixite()
-- reaches a programme's orientations from its dwellings; valeur_parametre()
-- and date_decision(), which the engine calls at every decision, become
-- PL/pgSQL (planned once per session instead of at each call).
--------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION flux_mgmt.valeur_parametre(cle text) RETURNS numeric
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	RETURN coalesce((SELECT p.valeur FROM parametre_orientation p WHERE p.cle = $1),
					CASE $1 WHEN 'plancher_prefet_hors_qpv' THEN 30 WHEN 'retard_soustraction' THEN 1
							WHEN 'identification_part' THEN 50 WHEN 'identification_rapport' THEN 2
							WHEN 'identification_vacances' THEN 10 WHEN 'mixite_poids' THEN 50 WHEN 'mixite_fenetre' THEN 10 END);
END
$$;
COMMENT ON FUNCTION flux_mgmt.valeur_parametre(text) IS
	'the value of an orientation parameter: the one set in parametre_orientation, else its default (see the table''s comment); null for a key that is not one';

CREATE OR REPLACE FUNCTION flux_mgmt.date_decision(vacance_id bigint) RETURNS date
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	RETURN (SELECT greatest(va.date_liberation, (SELECT max(o.date_issue) FROM orientation o WHERE o.vacance_id = va.id))
			FROM vacance va WHERE va.id = $1);
END
$$;
COMMENT ON FUNCTION flux_mgmt.date_decision(bigint) IS
	'the day a vacancy is decided: its date_liberation, or the date its last orientation ended when later; what decider(), avis_soustractions() and orienter_en_attente() date a decision at; null for an unknown vacancy';

CREATE OR REPLACE FUNCTION flux_mgmt.comptes_moteur(bailleur text, annee integer, departement text)
RETURNS TABLE (reservataire text, imputees bigint, proposes bigint, proposes_hors_qpv bigint)
	AS 'MODULE_PATHNAME', 'flux_comptes_moteur'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 30;
COMMENT ON FUNCTION flux_mgmt.comptes_moteur(text, integer, text) IS
	'compteur_moteur of a landlord, year and département summed over its tranches, one row per beneficiary (réservataire null: the pool), with the pending differences of the caller''s transaction (the fast path''s, written at its end); needs SELECT on compteur_moteur';

CREATE OR REPLACE FUNCTION flux_mgmt.comptes_territoire(bailleur text, annee integer, communes flux_mgmt.code_insee[],
											 reservataire text, OUT t bigint, OUT a bigint)
	AS 'MODULE_PATHNAME', 'flux_comptes_territoire'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.comptes_territoire(text, integer, flux_mgmt.code_insee[], text) IS
	'the in-flux vacancies the engine counts (compteur.imputees) of a landlord''s year in a set of communes (t), and of those the réservataire''s (a), with the pending differences of the caller''s transaction; needs SELECT on compteur';

CREATE OR REPLACE FUNCTION flux_mgmt.melange_objectifs(bailleur text, annee integer, departement text, reservataires text[])
RETURNS TABLE (reservataire text, commune flux_mgmt.code_insee, typologie text, financement flux_mgmt.financement,
			   qpv boolean, n numeric)
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	RETURN QUERY
	SELECT b.reservataire, b.commune, b.typologie, b.financement, b.qpv, sum(b.proposes)
	FROM compteur_bilan b
	WHERE b.bailleur = $1 AND b.annee = $2
	  AND b.commune BETWEEN premiere_commune($3) AND derniere_commune($3)
	  AND b.reservataire = ANY ($4)
	GROUP BY b.reservataire, b.commune, b.typologie, b.financement, b.qpv;
END
$$;
COMMENT ON FUNCTION flux_mgmt.melange_objectifs(text, integer, text, text[]) IS
	'the in-flux orientations (compteur_bilan.proposes) of a landlord''s département and year per réservataire among those given, commune, typology, financing and QPV: what candidats() measures indicative objectives against';

CREATE OR REPLACE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
									nb_pieces smallint, financement flux_mgmt.financement, qpv boolean,
									le date DEFAULT NULL)
RETURNS SETOF flux_mgmt.candidat_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- plpgsql keeps the plan of its query (an SQL function would plan it at
	-- every call); generic, since it only looks up keys, through indexes
	-- (a plan cached while the counters were small must not scan them whole)
	SET plan_cache_mode = force_generic_plan
	SET enable_seqscan = off
AS $$
BEGIN
	RETURN QUERY
	WITH bornes AS (
		SELECT premiere_commune(d) AS premiere, derniere_commune(d) AS derniere, d
		FROM (SELECT departement($2) AS d) AS x
	), par_beneficiaire AS (
		-- the engine's counters (compteur_moteur), a row per beneficiary:
		-- each in-flux vacancy once, for the beneficiary it is (or, while its
		-- orientation is open, will be) charged to; and the orientations of
		-- the year, outside QPV or not, for the préfet's floor
		SELECT k.reservataire, k.imputees AS n, k.proposes, k.proposes_hors_qpv AS hors_qpv
		FROM bornes, comptes_moteur($1, $3, bornes.d) AS k
	), total AS (
		SELECT coalesce(sum(k.n), 0) AS n FROM par_beneficiaire k
	), en_vigueur AS MATERIALIZED (
		-- MATERIALIZED: a territory's communes computed once, not at every
		-- counter row its scope is compared with
		SELECT c.* FROM bornes, conventions_en_vigueur($1, bornes.d, $3) AS c
	), territoriales AS (
		-- a territory's counts, from the per-commune counters of its communes
		-- only: the in-flux vacancies there, and those of the réservataire
		SELECT c.id, k.t, k.a
		FROM en_vigueur c, comptes_territoire($1, $3, c.communes, c.reservataire) AS k
		WHERE c.communes IS NOT NULL
	), epuisements AS MATERIALIZED (
		-- the converted conventions of wholly limited rights, with the rights
		-- engaged so far, open orientations included
		SELECT p.convention_id, k.droits_uniques, k.fin, droits_engages(k.id, $3, true) AS engages
		FROM bornes
		JOIN conversion k ON k.bailleur = $1 AND k.departement = bornes.d AND k.droits_uniques IS NOT NULL
		JOIN conversion_palier p ON p.conversion_id = k.id AND p.volume_limite = p.volume_annuel AND p.convention_id IS NOT NULL
	), conventions AS (
		-- every convention in force in the département, with its count and
		-- entitlement in its scope (a territory's communes are summed apart)
		SELECT c.reservataire, CASE WHEN e.fin_droits IS NULL THEN c.taux ELSE 0 END AS taux, c.communes, c.type, c.id,
			   m.porte, m.t, m.a, m.t * CASE WHEN e.fin_droits IS NULL THEN c.taux ELSE 0 END / 100 AS droit, e.fin_droits
		FROM total, en_vigueur AS c
		LEFT JOIN LATERAL (
			SELECT CASE WHEN x.droits_uniques - x.engages < 1
						THEN format('converted rights used up: %s single-use rights granted, %s engaged; no more dwellings under them',
									trim_scale(round(x.droits_uniques, 2)), trim_scale(round(x.engages, 2)))
						ELSE format('converted rights ended on %s; no more dwellings under them', to_char(x.fin, 'YYYY-MM-DD')) END AS fin_droits
			FROM epuisements x
			-- fin is exclusive, as for detail_conversion (a right ending on fin is expired on fin)
			WHERE x.convention_id = c.id AND (x.droits_uniques - x.engages < 1 OR x.fin <= coalesce($7, make_date($3, 1, 1)))
			LIMIT 1
		) AS e ON true
		LEFT JOIN par_beneficiaire pb ON pb.reservataire = c.reservataire
		LEFT JOIN territoriales z ON z.id = c.id
		CROSS JOIN LATERAL (SELECT c.communes IS NULL OR $2 = ANY (c.communes) AS porte) AS p
		CROSS JOIN LATERAL (
			SELECT p.porte,
				   p.porte::int + CASE WHEN c.communes IS NULL THEN total.n ELSE coalesce(z.t, 0) END AS t,
				   CASE WHEN c.communes IS NULL THEN coalesce(pb.n, 0) ELSE coalesce(z.a, 0) END AS a
		) AS m
	), pool AS (
		SELECT 1 + total.n AS t, coalesce((SELECT pb.n FROM par_beneficiaire pb WHERE pb.reservataire IS NULL), 0) AS a
		FROM total
	), tous AS (
		SELECT c.reservataire, c.taux, c.communes, c.type, c.id, c.t, c.a, c.fin_droits FROM conventions c WHERE c.porte
		UNION ALL
		SELECT NULL, round(100 * (p.t - coalesce((SELECT sum(c.droit) FROM conventions c), 0)) / p.t, 4), NULL, NULL, NULL, p.t, p.a, NULL
		FROM pool p
	), conversions AS MATERIALIZED (
		-- single-use rights of converted stock still to use (issue of the conversion);
		-- MATERIALIZED: read once, not once per candidate
		SELECT c.reservataire, c.droits_uniques, c.droits_restants, c.fin
		FROM bornes, consommation_conversion($1, bornes.d) AS c
		WHERE EXISTS (SELECT FROM conversion k WHERE k.bailleur = $1 AND k.departement = bornes.d)
		  AND c.droits_restants > 0 AND (c.fin IS NULL OR c.fin >= make_date($3, 1, 1))
	), objectifs AS MATERIALIZED (
		-- the candidates holding indicative objectives (few, often none)
		SELECT x.reservataire FROM tous x WHERE EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)
	), proposes AS (
		-- the mix so far by commune, typology, financing and QPV, of the
		-- holders of indicative objectives only; not read when there are none
		SELECT m.*
		FROM bornes, melange_objectifs($1, $3, bornes.d, ARRAY(SELECT o.reservataire FROM objectifs o)) AS m
		WHERE EXISTS (SELECT FROM objectifs)
	), preferences AS (
		-- the candidates a preference can concern: the préfet, the holders of
		-- indicative objectives or of converted rights (the others' would be
		-- empty, and cost as much to compute)
		SELECT x.id, p.preference, p.motifs
		FROM tous x
		CROSS JOIN LATERAL (
			-- each indicative objective the dwelling meets: its target minus the
			-- share reached so far among the réservataire's proposals this year;
			-- for the préfet, the floor of orientations outside QPV
			SELECT sum(o.ecart) AS preference, array_agg(o.motif ORDER BY o.motif) AS motifs
			FROM (
				SELECT oi.part - coalesce(100.0 * sum(m.n) FILTER (WHERE m.conforme) / nullif(sum(m.n), 0), 0) AS ecart,
					   format('objective %s = %s: %s %% wanted, %s %% so far', oi.critere, oi.valeur, oi.part,
							  round(coalesce(100.0 * sum(m.n) FILTER (WHERE m.conforme) / nullif(sum(m.n), 0), 0), 1)) AS motif
				FROM objectif_indicatif oi
				LEFT JOIN LATERAL (
					SELECT pr.n, CASE oi.critere
						WHEN 'nb_pieces' THEN pr.typologie = typologie(oi.valeur::smallint)
						WHEN 'financement' THEN pr.financement::text = oi.valeur
						WHEN 'qpv' THEN pr.qpv = oi.valeur::boolean
						WHEN 'commune' THEN pr.commune::text = oi.valeur END AS conforme
					FROM proposes pr
					WHERE pr.reservataire = x.reservataire AND (x.communes IS NULL OR pr.commune = ANY (x.communes))
				) AS m ON true
				WHERE oi.convention_id = x.id
				  AND CASE oi.critere
					  WHEN 'nb_pieces' THEN least($4, 5) = oi.valeur::smallint
					  WHEN 'financement' THEN $5::text = oi.valeur
					  WHEN 'qpv' THEN $6 = oi.valeur::boolean
					  WHEN 'commune' THEN $2::text = oi.valeur END
				GROUP BY oi.critere, oi.valeur, oi.part
				UNION ALL
				SELECT CASE WHEN $6 THEN -1 ELSE 1 END * greatest(0, pl.valeur - coalesce(hq.part, 0)),
					   format('préfet outside QPV: %s %% of its orientations so far, at least %s %% wanted', round(coalesce(hq.part, 0), 1), pl.valeur)
				FROM (SELECT valeur_parametre('plancher_prefet_hors_qpv') AS valeur) AS pl,
					 -- null, not 0, with none outside QPV yet (as the per-commune sums gave)
					 LATERAL (SELECT 100.0 * nullif(sum(pb.hors_qpv), 0) / nullif(sum(pb.proposes), 0) AS part
							  FROM par_beneficiaire pb WHERE pb.reservataire = x.reservataire) AS hq
				WHERE x.type = 'etat_prioritaires'
				UNION ALL
				SELECT 5 * cv.droits_restants / cv.droits_uniques,
					   format('converted stock: %s single-use rights left of %s, until %s',
							  trim_scale(round(cv.droits_restants, 2)), trim_scale(round(cv.droits_uniques, 2)),
							  coalesce(to_char(cv.fin, 'YYYY-MM-DD'), 'used up'))
				FROM conversions cv WHERE cv.reservataire = x.reservataire AND x.fin_droits IS NULL
			) AS o
		) AS p
		WHERE x.id IS NOT NULL
		  AND (x.type = 'etat_prioritaires' OR EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)
			   OR EXISTS (SELECT FROM conversions cv WHERE cv.reservataire = x.reservataire))
	)
	SELECT x.reservataire, coalesce(r.nom, 'landlord''s pool'), x.communes IS NOT NULL, greatest(x.taux, 0)::numeric,
		   x.t::bigint, x.a::bigint, coalesce(p.preference, 0)::numeric,
		   (CASE WHEN x.fin_droits IS NOT NULL THEN ARRAY[x.fin_droits] ELSE '{}' END || coalesce(p.motifs, '{}'))::text[], cv.gestion
	FROM tous x
	LEFT JOIN reservataire r ON r.code = x.reservataire
	LEFT JOIN convention cv ON cv.id = x.id
	LEFT JOIN preferences p ON p.id = x.id
	ORDER BY x.reservataire NULLS LAST, x.id;
END
$$;
COMMENT ON FUNCTION flux_mgmt.candidats(text, flux_mgmt.code_insee, integer, smallint, flux_mgmt.financement, boolean, date) IS
	'the candidates for an in-flux dwelling of a landlord in a commune in a year (available on le): conventions in force whose scope contains the commune, with their counts in their scope (this dwelling included), and the landlord''s pool, whose entitlement is what the département''s count leaves after every convention''s entitlement (its share: that over the count); a converted convention of wholly limited rights has share 0 once less than one of its single-use rights is left (charges, and open orientations not charged yet, engaging them) or its term (exclusive) is on or before le (or 1 January), with the reason first in its motifs; with their convention''s management (directe, deleguee) and their preferences in percentage points: each indicative objective the dwelling meets, its target minus the share reached; the préfet''s floor outside QPV (parametre_orientation, default 30); single-use rights of converted stock left (up to 5 points)';

CREATE OR REPLACE FUNCTION flux_mgmt.preferer_mixite(bailleur text, programme text, vacance_id bigint, le date,
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

