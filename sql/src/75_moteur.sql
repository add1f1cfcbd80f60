-- flux_mgmt install script, part 75_moteur: orientation engine.
--
-- DOMAIN §4: candidates, the decision, suggerer and the batch orientation.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Orientation engine (DOMAIN §4)
--
-- The choice is a pure C kernel over arrays (src/orientation.c: Tijdeman's
-- rule, preferences only where the quota bound survives them); suggerer()
-- gathers the dwelling's candidates and their counts from the counters and
-- explains the result.
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.choix_orientation AS (classement integer[], plus_urgent integer, horizon integer);
COMMENT ON TYPE flux_mgmt.choix_orientation IS
	'result of choisir_orientation: the holders in suggestion order (1-based positions, the choice first), the primary rule''s choice (null if none was eligible), the steps simulated to accept a preferred holder instead (0 if none was)';

CREATE FUNCTION flux_mgmt.choisir_orientation(t bigint[], a bigint[], parts bigint[], preferences bigint[])
RETURNS flux_mgmt.choix_orientation
	AS 'MODULE_PATHNAME', 'flux_choisir_orientation'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.choisir_orientation(bigint[], bigint[], bigint[], bigint[]) IS
	'the orientation choice for one dwelling (C kernel, exact integers): per holder, the dwelling''s step t in its scope, the dwellings a it had, its share in micro-units (1e-6, the shares of one scope add up to 1000000), a preference in micro-units; Tijdeman''s rule (deficit t·p - a at least 1/(2n-2), earliest deadline (a + 1 - c)/p), a preferred eligible holder instead when an exact simulation keeps every holder within 1 - 1/(2n-2)';

CREATE FUNCTION flux_mgmt.simuler_orientations(parts bigint[], pas integer, graine integer DEFAULT NULL)
RETURNS TABLE (pas integer, titulaire integer, ecart_max bigint, borne bigint)
	AS 'MODULE_PATHNAME', 'flux_simuler_orientations'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.simuler_orientations(bigint[], integer, integer) IS
	'runs the orientation choice for pas dwellings from nothing, every holder in one scope (shares in micro-units), with random preferences from graine when given: per step the holder chosen (1-based), the largest |t·p - a| and the bound 1 - 1/(2n-2), in micro-units';

-- Parameters of the secondary preferences (DOMAIN §3.1, §4).
CREATE TABLE flux_mgmt.parametre_orientation (
	cle text PRIMARY KEY,
	valeur numeric NOT NULL,
	CONSTRAINT parametre_orientation_cle CHECK (cle IN ('plancher_prefet_hors_qpv', 'retard_soustraction', 'identification_part',
														'identification_rapport', 'identification_vacances', 'mixite_poids',
														'mixite_fenetre')),
	CONSTRAINT parametre_orientation_valeur CHECK (valeur >= 0 AND valeur <= 100),
	CONSTRAINT parametre_orientation_fenetre CHECK (cle <> 'mixite_fenetre' OR (valeur >= 1 AND valeur = trunc(valeur)))
);
COMMENT ON TABLE flux_mgmt.parametre_orientation IS
	'parameters of the orientation preferences, when they differ from their default: plancher_prefet_hors_qpv = the share (percent) of the préfet''s orientations that should lie outside QPV (default 30, R441-5-2); retard_soustraction = how many dwellings a subtraction motif must be behind its forecast''s pace before suggerer() says so (default 1); identification_part, identification_rapport, identification_vacances = when identification_programmes() flags a programme as identified with a réservataire (defaults 50 %, 2 times its share of the flux, 10 vacancies); mixite_poids = the weight (percent) of the social-mix preference of preferer_mixite() against the indicative objectives'' points (default 50, 0 turns it off); mixite_fenetre = how many of a programme''s last orientations it reads (a whole number from 1, default 10); the table starts empty, so that pg_dump keeps only what the user set';
COMMENT ON COLUMN flux_mgmt.parametre_orientation.cle IS 'parameter';
COMMENT ON COLUMN flux_mgmt.parametre_orientation.valeur IS 'its value';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.parametre_orientation', '');

-- A parameter's value: the one set in parametre_orientation, else its
-- default, written here only.  PL/pgSQL, so that its query is planned once
-- per session (a LANGUAGE sql function that cannot be inlined, as this one
-- with its subquery, is planned again at each call: a few hundred
-- microseconds, in every call of the engine).
CREATE FUNCTION flux_mgmt.valeur_parametre(cle text) RETURNS numeric
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

-- One candidate of a dwelling, as suggerer() gathers it.
CREATE TYPE flux_mgmt.candidat_orientation AS (
	reservataire text,			-- null: the landlord's pool
	nom text,
	territorial boolean,
	taux numeric,				-- share of its scope, percent
	t bigint,					-- this dwelling's rank among the in-flux dwellings of its scope this year
	a bigint,					-- in-flux dwellings it received in its scope this year
	preference numeric,			-- percentage points (positive: the dwelling suits its objectives)
	motifs_preference text[],
	gestion flux_mgmt.mode_gestion	-- of its convention (null: the pool)
);
COMMENT ON TYPE flux_mgmt.candidat_orientation IS
	'a candidate for a dwelling as suggerer() gathers it: share, counts in its scope, preference and its reasons, its convention''s management (directe or deleguee; null for the pool)';

-- The single-use rights of a recorded conversion engaged up to a year (DOMAIN
-- §3.4): over its steps, the réservataire's charges in the département in
-- the steps' years up to that year (as consommation_conversion counts them),
-- with ouvertes its open orientations not charged yet as well (in mode
-- orientation they are), each step's part from limited rights.  What the
-- engine (candidats) and the attainment (atteinte_annuelle) both stop at.
CREATE FUNCTION flux_mgmt.droits_engages(conversion_id bigint, jusqu_a integer, ouvertes boolean) RETURNS numeric
	LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
	SELECT coalesce(sum(x.n * q.volume_limite / q.volume_annuel), 0)
	FROM flux_mgmt.conversion k
	JOIN flux_mgmt.conversion_palier q ON q.conversion_id = k.id
	LEFT JOIN flux_mgmt.convention v ON v.id = q.convention_id
	CROSS JOIN LATERAL (
		SELECT coalesce(sum(c.decomptes + CASE WHEN $3 AND v.mode_decompte IS DISTINCT FROM 'orientation' THEN c.en_cours ELSE 0 END), 0) AS n
		FROM flux_mgmt.compteur c
		WHERE c.bailleur = k.bailleur AND c.reservataire = k.reservataire AND c.dans_flux
		  AND c.annee >= q.annee_debut AND c.annee <= least(coalesce(q.annee_fin, $2), $2)
		  -- the département's range of the counters' index
		  AND c.commune OPERATOR(flux_mgmt.>=) flux_mgmt.premiere_commune(k.departement)
		  AND c.commune OPERATOR(flux_mgmt.<=) flux_mgmt.derniere_commune(k.departement)) AS x
	WHERE k.id = $1 AND q.annee_debut <= $2;
END;
COMMENT ON FUNCTION flux_mgmt.droits_engages(bigint, integer, boolean) IS
	'the single-use rights of a recorded conversion (conversion.id) engaged up to a year: over its steps (conversion_palier), the réservataire''s charges in the département in the steps'' years up to that year, and with ouvertes its open orientations not charged yet (none in mode orientation, where they are charged), each counting volume_limite ÷ volume_annuel of its step; no argument check';

-- The engine's reads of the counters (src/lecture_moteur.c): through the
-- counters' indexes, with the transaction's differences not written yet, so
-- that a decision does not make them be written (a batch of orientations in
-- one transaction would rewrite each counter row at every orientation).
CREATE FUNCTION flux_mgmt.comptes_moteur(bailleur text, annee integer, departement text)
RETURNS TABLE (reservataire text, imputees bigint, proposes bigint, proposes_hors_qpv bigint)
	AS 'MODULE_PATHNAME', 'flux_comptes_moteur'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 30;
COMMENT ON FUNCTION flux_mgmt.comptes_moteur(text, integer, text) IS
	'compteur_moteur of a landlord, year and département summed over its tranches, one row per beneficiary (réservataire null: the pool), with the pending differences of the caller''s transaction (the fast path''s, written at its end); needs SELECT on compteur_moteur';

CREATE FUNCTION flux_mgmt.comptes_territoire(bailleur text, annee integer, communes flux_mgmt.code_insee[],
											 reservataire text, OUT t bigint, OUT a bigint)
	AS 'MODULE_PATHNAME', 'flux_comptes_territoire'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.comptes_territoire(text, integer, flux_mgmt.code_insee[], text) IS
	'the in-flux vacancies the engine counts (compteur.imputees) of a landlord''s year in a set of communes (t), and of those the réservataire''s (a), with the pending differences of the caller''s transaction; needs SELECT on compteur';

-- The mix so far by commune, typology, financing and QPV of some
-- réservataires in a landlord's département and year (compteur_bilan): what
-- their indicative objectives are measured against.  PL/pgSQL, so that the
-- engine's query names no counter table (see comptes_moteur).
CREATE FUNCTION flux_mgmt.melange_objectifs(bailleur text, annee integer, departement text, reservataires text[])
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

-- The candidates of an in-flux dwelling: the conventions in force in the year
-- whose scope contains its commune, and the pool, with their counts from the
-- engine's counters (compteur_moteur: a row per beneficiary of the
-- landlord's département; compteur for a territory's communes only,
-- compteur_bilan for the holders of indicative objectives only).  imputees:
-- the in-flux vacancies of the year, each once, for the beneficiary it is
-- charged to, or while nothing is charged the one its open orientation names
-- (a carence charged to a réservataire and the same dwelling let from the
-- pool count once).  And their preferences.  The pool's entitlement is what the département's count leaves
-- after every convention's entitlement (the territorial ones elsewhere
-- included); its share is that entitlement over the département's count.
-- A convention written by a conversion whose share comes wholly from limited
-- rights (DOMAIN §3.4) stops when they run out: less than one single-use
-- right left of those granted, counting what the engine counts for it in the
-- conversion's years (charges and open orientations), or its term passed on
-- the date le; its share is then 0, and goes to the pool.
CREATE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
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

-- The day a vacancy is decided: it became available, or came back to the
-- landlord when its last orientation ended (a carence, an échec).
-- PL/pgSQL, planned once per session (as valeur_parametre).
-- SET enable_seqscan = off, here as in decider(), orienter(),
-- orienter_suggestion() and orienter_en_attente(): a vacancy's orientations
-- are read through orientation_vacance whatever the statistics say; planned
-- while orientation was empty, a sequential scan kept for the session made
-- a batch of orientations in one transaction quadratic.
CREATE FUNCTION flux_mgmt.date_decision(vacance_id bigint) RETURNS date
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
	SET enable_seqscan = off
AS $$
BEGIN
	RETURN (SELECT greatest(va.date_liberation, (SELECT max(o.date_issue) FROM orientation o WHERE o.vacance_id = va.id))
			FROM vacance va WHERE va.id = $1);
END
$$;
COMMENT ON FUNCTION flux_mgmt.date_decision(bigint) IS
	'the day a vacancy is decided: its date_liberation, or the date its last orientation ended when later; what decider(), avis_soustractions() and orienter_en_attente() date a decision at; null for an unknown vacancy';

-- The decision for a vacancy, before it is explained: what suggerer() and
-- orienter_suggestion() share.
CREATE TYPE flux_mgmt.decision_orientation AS (
	regime flux_mgmt.regime,
	titulaire text,							-- the holder of a stock dwelling
	nom_titulaire text,
	candidats flux_mgmt.candidat_orientation[],	-- in-flux dwelling: its candidates
	choix flux_mgmt.choix_orientation,
	decompte text								-- in-flux vacancy already charged: which charge
);
COMMENT ON TYPE flux_mgmt.decision_orientation IS
	'the orientation decision for a vacancy: its dwelling''s regime and stock holder, or its candidates and the kernel''s choice, or, for an in-flux vacancy already charged by an orientation now closed (a carence in mixte, a carence or an échec in orientation mode), that charge (decompte): the dwelling came back to the landlord, who lets it from its pool';

-- The subtraction budgets (DOMAIN §3.2): the motifs of the landlord's
-- forecast (soustraction_prevue) for the vacancy's year whose subtractions
-- made so far fall behind the forecast's pace on the day the dwelling is
-- being decided (available, or back after its last orientation ended), pro
-- rata of the days of the year gone, by retard_soustraction dwellings or
-- more.  Made so far: the vacancies oriented out of the flux for the motif
-- from 1 January to that day, still open or let (a withdrawn or failed one
-- served no one).  flux_mgmt does not know who waits for a mutation or a
-- rehousing: any in-flux dwelling of the département is taken to suit every
-- motif.  Advice only: it never changes the ranking.
CREATE FUNCTION flux_mgmt.avis_soustractions(vacance_id bigint) RETURNS text[]
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	-- once, not at each motif (a PL/pgSQL call each)
	seuil numeric := valeur_parametre('retard_soustraction');
BEGIN
	-- plpgsql keeps the plan of its query; a LANGUAGE sql function would plan it at every call
	RETURN (
	-- MATERIALIZED: date_decision() once, not in every join filter and subplan
	WITH v AS MATERIALIZED (
		SELECT x.*, make_date(x.annee, 1, 1) AS janvier,
			   least(1, (x.le - make_date(x.annee, 1, 1) + 1)::numeric
						/ (make_date(x.annee + 1, 1, 1) - make_date(x.annee, 1, 1))) AS fraction
		FROM (SELECT l.bailleur, departement(l.commune) AS d, extract(year FROM va.date_liberation)::integer AS annee,
					 date_decision(va.id) AS le
			  FROM vacance va JOIN logement l ON l.id = va.logement_id
			  WHERE va.id = $1 AND l.regime = 'flux') AS x
	), prevus AS (
		SELECT p.motif, p.nombre, v.le, p.nombre * v.fraction AS attendu,
			   -- through orientation_soustraction: the motif's subtractions of the period
			   (SELECT count(*) FROM orientation o
				JOIN vacance va ON va.id = o.vacance_id
				JOIN logement l ON l.id = va.logement_id
				WHERE o.soustraction = p.motif AND o.date_orientation BETWEEN v.janvier AND v.le
				  AND o.issue IN ('en_cours', 'attribuee')
				  AND l.bailleur = v.bailleur AND departement(l.commune) = v.d) AS fait
		FROM v JOIN soustraction_prevue p ON p.bailleur = v.bailleur AND p.departement = v.d AND p.annee = v.annee
		WHERE p.nombre > 0
	)
	SELECT coalesce(array_agg(format('advice, outside the quota: %s behind forecast, %s of %s done by %s where %s were expected at this point of the year; if a household waits for it, keep this dwelling out of the flux (orienter with soustraction => %L)',
									 p.motif, p.fait, p.nombre, to_char(p.le, 'YYYY-MM-DD'), trim_scale(round(p.attendu, 1)), p.motif)
							  ORDER BY p.motif), '{}')
	FROM prevus p
	WHERE p.attendu - p.fait >= seuil);
END
$$;
COMMENT ON FUNCTION flux_mgmt.avis_soustractions(bigint) IS
	'for an in-flux vacancy, one line per subtraction motif of its landlord''s forecast for the vacancy''s year (soustraction_prevue) whose subtractions done by the day it is decided (available, or back after its last orientation ended: vacancies oriented out of the flux for the motif since 1 January, still open or let) are behind the forecast''s pace that day (forecast × days of the year gone ÷ days of the year) by parametre_orientation.retard_soustraction dwellings or more (default 1); suggerer() adds them to rank 1''s reasons, never to its ranking';

-- suggerer()'s rows for an in-flux dwelling, computed in C
-- (src/suggestions.c): the query that formatted every candidate's reasons
-- was planned and initialised at each call.
CREATE FUNCTION flux_mgmt.suggestions_classees(candidats flux_mgmt.candidat_orientation[],
											   choix flux_mgmt.choix_orientation, avis text[])
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
	AS 'MODULE_PATHNAME', 'flux_suggestions_classees'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.suggestions_classees(flux_mgmt.candidat_orientation[], flux_mgmt.choix_orientation, text[]) IS
	'suggerer()''s rows for an in-flux dwelling from decider()''s candidates and choice, with c = 1/(2n - 2) for n candidates with a share (1 below two) and the subtraction advice avis added to rank 1''s reasons: in the order of choix.classement, each candidate''s ecart (t × taux / 100 - a), score and reasons, the same values and texts as the query it replaces';

CREATE FUNCTION flux_mgmt.suggerer(vacance_id bigint)
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d decision_orientation := decider(suggerer.vacance_id);
BEGIN
	IF d.regime IN ('stock_defense', 'stock_securite', 'stock_sante') THEN
		RETURN QUERY SELECT 1, d.titulaire, NULL::numeric, NULL::numeric,
			ARRAY[format('dwelling kept in stock (%s): it goes back to its holder %s at each vacancy, outside the flux', d.regime, d.nom_titulaire)];
		RETURN;
	ELSIF d.regime = 'hors_champ' THEN
		RETURN QUERY SELECT 1, NULL::text, NULL::numeric, NULL::numeric,
			ARRAY['dwelling outside the L441-1 regime: outside the flux, it goes to the landlord''s own pool'];
		RETURN;
	ELSIF d.decompte IS NOT NULL THEN
		RETURN QUERY SELECT 1, NULL::text, NULL::numeric, NULL::numeric, ARRAY[d.decompte];
		RETURN;
	END IF;
	RETURN QUERY SELECT * FROM suggestions_classees(d.candidats, d.choix, avis_soustractions(suggerer.vacance_id));
END
$$;
COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one or an in-flux vacancy already charged (a carence: the dwelling came back to the landlord); otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives and the social mix of the dwelling''s programme (preferer_mixite) as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why, and rank 1''s adds the subtraction motifs behind their forecast''s pace (avis_soustractions), as advice';

CREATE FUNCTION flux_mgmt.orienter_suggestion(vacance_id bigint, date_orientation date DEFAULT current_date)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
DECLARE
	d decision_orientation := decider(orienter_suggestion.vacance_id);
BEGIN
	RETURN orienter(orienter_suggestion.vacance_id,
					CASE WHEN d.decompte IS NOT NULL THEN NULL
						 WHEN d.regime = 'flux' THEN (d.candidats[(d.choix).classement[1]]).reservataire
						 WHEN d.regime = 'hors_champ' THEN NULL ELSE d.titulaire END,
					NULL, orienter_suggestion.date_orientation);
END
$$;
COMMENT ON FUNCTION flux_mgmt.orienter_suggestion(bigint, date) IS
	'records rank 1 of suggerer() as the vacancy''s orientation; returns the orientation id';

CREATE FUNCTION flux_mgmt.orienter_en_attente(bailleur text, annee integer)
RETURNS TABLE (vacance_id bigint, orientation_id bigint, reservataire text)
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
DECLARE
	v record;
	o bigint;
BEGIN
	PERFORM exiger_bailleur(orienter_en_attente.bailleur);
	FOR v IN
		SELECT va.id, va.date_liberation
		FROM vacance va JOIN logement l ON l.id = va.logement_id
		WHERE l.bailleur = orienter_en_attente.bailleur
		  AND va.date_liberation >= make_date(orienter_en_attente.annee, 1, 1)
		  AND va.date_liberation < make_date(orienter_en_attente.annee + 1, 1, 1)
		  AND NOT EXISTS (SELECT FROM orientation x WHERE x.vacance_id = va.id
						  AND (x.issue IN ('en_cours', 'attribuee', 'retiree') OR x.soustraction IS NOT NULL))
		ORDER BY va.date_liberation, va.id
	LOOP
		-- a vacancy whose orientation ended (a carence, an échec) is oriented
		-- again when it came back to the landlord, not before
		o := orienter_suggestion(v.id, date_decision(v.id));
		vacance_id := v.id;
		orientation_id := o;
		reservataire := (SELECT x.reservataire FROM orientation x WHERE x.id = o);
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION flux_mgmt.orienter_en_attente(text, integer) IS
	'orients, in date order, every vacancy of a landlord freed in a year that waits for an orientation (none yet, or the last ended in carence or échec), each with rank 1 of suggerer() and dated its date_liberation, or the date its last orientation ended when later, each seeing the ones before; returns what it recorded';

