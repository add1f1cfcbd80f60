--------------------------------------------------------------------------------
-- Converted rights that run out (issue 16, item 5; DOMAIN §3.4): candidats()
-- takes the date the dwelling can be oriented (le) and gives a share of 0 to
-- a converted convention of wholly limited rights once less than one of its
-- single-use rights is left or its term has passed (decider() passes it; the
-- share goes to the pool); controler_conventions() reports droits_depasses
-- and droits_echus.  candidats() also carries its convention's gestion
-- (91_gestion.sql).
--------------------------------------------------------------------------------

DROP FUNCTION flux_mgmt.candidats(text, flux_mgmt.code_insee, integer, smallint, flux_mgmt.financement, boolean);
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

CREATE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
									nb_pieces smallint, financement flux_mgmt.financement, qpv boolean,
									le date DEFAULT NULL)
RETURNS SETOF flux_mgmt.candidat_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- plpgsql keeps the plan of its query (an SQL function would plan it at
	-- every call); generic, since it only looks up keys
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
	WITH bornes AS (
		SELECT premiere_commune(d) AS premiere, derniere_commune(d) AS derniere, d
		FROM (SELECT departement($2) AS d) AS x
	), comptes AS (
		-- each in-flux vacancy once, for the beneficiary it is (or, while its
		-- orientation is open, will be) charged to
		SELECT k.reservataire, k.commune, sum(k.imputees) AS n
		FROM bornes, compteur k
		WHERE k.bailleur = $1 AND k.annee = $3 AND k.commune BETWEEN bornes.premiere AND bornes.derniere AND k.dans_flux
		GROUP BY k.reservataire, k.commune
	), par_beneficiaire AS (
		SELECT k.reservataire, sum(k.n) AS n FROM comptes k GROUP BY k.reservataire
	), total AS (
		SELECT coalesce(sum(k.n), 0) AS n FROM comptes k
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
		FROM bornes, total, conventions_en_vigueur($1, bornes.d, $3) AS c
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
		CROSS JOIN LATERAL (SELECT c.communes IS NULL OR $2 = ANY (c.communes) AS porte) AS p
		CROSS JOIN LATERAL (
			SELECT p.porte,
				   p.porte::int + CASE WHEN c.communes IS NULL THEN total.n
					   ELSE (SELECT coalesce(sum(k.n), 0) FROM comptes k WHERE k.commune = ANY (c.communes)) END AS t,
				   CASE WHEN c.communes IS NULL THEN coalesce(pb.n, 0)
					   ELSE (SELECT coalesce(sum(k.n), 0) FROM comptes k
							 WHERE k.reservataire = c.reservataire AND k.commune = ANY (c.communes)) END AS a
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
	), proposes AS (
		-- the mix so far of the candidates a preference reads it for (indicative
		-- objectives, the préfet's floor): the others' rows are not grouped
		SELECT b.reservataire, b.commune, b.typologie, b.financement, b.qpv, sum(b.proposes) AS n
		FROM bornes, compteur_bilan b
		WHERE b.bailleur = $1 AND b.annee = $3 AND b.commune BETWEEN bornes.premiere AND bornes.derniere
		  -- an array computed once: a join to tous was planned as a loop over it per row
		  AND b.reservataire = ANY (ARRAY(SELECT x.reservataire FROM tous x
										  WHERE x.type = 'etat_prioritaires'
											 OR EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)))
		GROUP BY b.reservataire, b.commune, b.typologie, b.financement, b.qpv
	)
	SELECT x.reservataire, coalesce(r.nom, 'landlord''s pool'), x.communes IS NOT NULL, greatest(x.taux, 0)::numeric,
		   x.t::bigint, x.a::bigint, coalesce(p.preference, 0)::numeric,
		   (CASE WHEN x.fin_droits IS NOT NULL THEN ARRAY[x.fin_droits] ELSE '{}' END || coalesce(p.motifs, '{}'))::text[], cv.gestion
	FROM tous x
	LEFT JOIN reservataire r ON r.code = x.reservataire
	LEFT JOIN convention cv ON cv.id = x.id
	LEFT JOIN LATERAL (
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
				 LATERAL (SELECT 100.0 * sum(pr.n) FILTER (WHERE NOT pr.qpv) / nullif(sum(pr.n), 0) AS part
						  FROM proposes pr WHERE pr.reservataire = x.reservataire) AS hq
			WHERE x.type = 'etat_prioritaires'
			UNION ALL
			SELECT 5 * cv.droits_restants / cv.droits_uniques,
				   format('converted stock: %s single-use rights left of %s, until %s',
						  trim_scale(round(cv.droits_restants, 2)), trim_scale(round(cv.droits_uniques, 2)),
						  coalesce(to_char(cv.fin, 'YYYY-MM-DD'), 'used up'))
			FROM conversions cv WHERE cv.reservataire = x.reservataire AND x.fin_droits IS NULL
		) AS o
	) AS p ON true
	ORDER BY x.reservataire NULLS LAST;
END
$$;
COMMENT ON FUNCTION flux_mgmt.candidats(text, flux_mgmt.code_insee, integer, smallint, flux_mgmt.financement, boolean, date) IS
	'the candidates for an in-flux dwelling of a landlord in a commune in a year (available on le): conventions in force whose scope contains the commune, with their counts in their scope (this dwelling included), and the landlord''s pool, whose entitlement is what the département''s count leaves after every convention''s entitlement (its share: that over the count); a converted convention of wholly limited rights has share 0 once less than one of its single-use rights is left (charges, and open orientations not charged yet, engaging them) or its term (exclusive) is on or before le (or 1 January), with the reason first in its motifs; with their convention''s management (directe, deleguee) and their preferences in percentage points: each indicative objective the dwelling meets, its target minus the share reached; the préfet''s floor outside QPV (parametre_orientation, default 30); single-use rights of converted stock left (up to 5 points)';

CREATE OR REPLACE FUNCTION flux_mgmt.decider(vacance_id bigint) RETURNS flux_mgmt.decision_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	d decision_orientation;
BEGIN
	SELECT l.bailleur, l.commune, l.nb_pieces, l.financement, l.qpv, l.regime, l.reservataire_stock, r.nom,
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
		d.candidats := ARRAY(SELECT x FROM candidats(v.bailleur, v.commune, v.annee, v.nb_pieces, v.financement, v.qpv, v.le) AS x);
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
	'the orientation decision for a vacancy (see decision_orientation): a stock dwelling''s holder, the charge of an in-flux vacancy already charged by a closed orientation, or the candidates of an in-flux dwelling in the year of the vacancy and the choice of choisir_orientation()';

CREATE OR REPLACE FUNCTION flux_mgmt.orienter_en_attente(bailleur text, annee integer)
RETURNS TABLE (vacance_id bigint, orientation_id bigint, reservataire text)
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
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

CREATE OR REPLACE FUNCTION flux_mgmt.controler_conventions(bailleur text, departement text, annee integer)
RETURNS TABLE (regle text, detail text)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'controler_conventions');
	RETURN QUERY
	SELECT x.regle, x.detail FROM (
		SELECT i.ordre, i.regle, i.constat || coalesce(' — ' || i.exemption, '') AS detail
		FROM infractions_conventions($1, $2, $3) AS i
		UNION ALL
		-- converted single-use rights overrun (DOMAIN §3.4): charged beyond
		-- them, or given dwellings after their term; not enforced when the
		-- conventions are written (the charges come later)
		SELECT 6, 'droits_depasses',
			   format('réservataire %L was charged %s dwellings by landlord %L in département %s under the single-use rights converted on %s: %s beyond the %s granted',
					  c.reservataire, c.decomptes, $1, $2, to_char(c.date_conversion, 'YYYY-MM-DD'),
					  trim_scale(round(-c.droits_restants, 2)), trim_scale(round(c.droits_uniques, 2)))
		FROM consommation_conversion($1, $2) AS c
		WHERE c.droits_restants < 0 AND extract(year FROM c.date_conversion) <= $3
		  AND (c.fin IS NULL OR extract(year FROM c.fin) >= $3)
		UNION ALL
		SELECT 7, 'droits_echus',
			   format('réservataire %L got %s orientations of landlord %L in département %s after its converted rights ended on %s (first: orientation %s on %s)',
					  k.reservataire, count(*), $1, $2, to_char(k.fin, 'YYYY-MM-DD'),
					  (array_agg(o.id ORDER BY o.date_orientation, o.id))[1], to_char(min(o.date_orientation), 'YYYY-MM-DD'))
		FROM conversion k
		JOIN conversion_palier p ON p.conversion_id = k.id AND p.volume_limite = p.volume_annuel AND p.convention_id IS NOT NULL
		JOIN convention cv ON cv.id = p.convention_id
		JOIN orientation o ON o.reservataire = k.reservataire AND o.date_orientation >= k.fin AND o.soustraction IS NULL
			 AND o.issue <> 'retiree' AND date_part('year', o.date_orientation) = $3
			 AND date_part('year', o.date_orientation) BETWEEN cv.annee_debut AND coalesce(cv.annee_fin, 9999)
		JOIN vacance v ON v.id = o.vacance_id
		JOIN logement l ON l.id = v.logement_id AND l.bailleur = $1 AND departement(l.commune) = $2 AND l.regime = 'flux'
		WHERE k.bailleur = $1 AND k.departement = $2 AND k.fin IS NOT NULL
		GROUP BY k.reservataire, k.fin
	) AS x
	ORDER BY x.ordre, x.detail COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.controler_conventions(text, text, integer) IS
	'every rule of DOMAIN §3.1 the conventions of a landlord in a département break in a year, empty when all hold: total_100 (shares applying in a commune above 100 %), plafond_etat (State above 30 %), plafond_agents (State agents above 5 %), chevauchement (two conventions of one réservataire), territoire_vide (a territorial convention with no commune in the département); a derogated or not yet enforceable finding says so; and, not enforced when conventions are written, droits_depasses (a réservataire charged beyond the single-use rights converted for it, consommation_conversion) and droits_echus (orientations under a converted convention of limited rights after their term)';

