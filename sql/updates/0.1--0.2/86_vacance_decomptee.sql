--------------------------------------------------------------------------------
-- A vacancy already charged (issue 13): a carence in mixte, a carence or an
-- échec in orientation mode charged the réservataire; the dwelling came back
-- to the landlord, who lets it from its pool, and it counts for no one again.
-- decider() says so (decision_orientation.decompte), suggerer() gives the
-- pool with that reason, orienter_suggestion() and orienter_en_attente()
-- orient to the pool (the latter dated when the last orientation ended).
--------------------------------------------------------------------------------

ALTER TYPE flux_mgmt.decision_orientation ADD ATTRIBUTE decompte text;
COMMENT ON TYPE flux_mgmt.decision_orientation IS
	'the orientation decision for a vacancy: its dwelling''s regime and stock holder, or its candidates and the kernel''s choice, or, for an in-flux vacancy already charged by an orientation now closed (a carence in mixte, a carence or an échec in orientation mode), that charge (decompte): the dwelling came back to the landlord, who lets it from its pool';

CREATE OR REPLACE FUNCTION flux_mgmt.decider(vacance_id bigint) RETURNS flux_mgmt.decision_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	d decision_orientation;
BEGIN
	SELECT l.bailleur, l.commune, l.nb_pieces, l.financement, l.qpv, l.regime, l.reservataire_stock, r.nom,
		   extract(year FROM va.date_liberation)::integer AS annee
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
		d.candidats := ARRAY(SELECT x FROM candidats(v.bailleur, v.commune, v.annee, v.nb_pieces, v.financement, v.qpv) AS x);
		d.choix := (SELECT choisir_orientation(array_agg(x.t ORDER BY i), array_agg(x.a ORDER BY i),
											   array_agg(round(x.taux * 10000)::bigint ORDER BY i),
											   array_agg(round(x.preference * 10000)::bigint ORDER BY i))
					FROM unnest(d.candidats) WITH ORDINALITY
						 AS x (reservataire, nom, territorial, taux, t, a, preference, motifs_preference, i));
	END IF;
	RETURN d;
END
$$;

COMMENT ON FUNCTION flux_mgmt.decider(bigint) IS
	'the orientation decision for a vacancy (see decision_orientation): a stock dwelling''s holder, the charge of an in-flux vacancy already charged by a closed orientation, or the candidates of an in-flux dwelling in the year of the vacancy and the choice of choisir_orientation()';

CREATE OR REPLACE FUNCTION flux_mgmt.suggerer(vacance_id bigint)
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d decision_orientation := decider(suggerer.vacance_id);
	c candidat_orientation[] := d.candidats;
	n integer;
	k numeric;
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
	n := (SELECT count(*) FROM unnest(c) AS x WHERE x.taux > 0);
	k := CASE WHEN n >= 2 THEN 2 * n - 2 ELSE 1 END;	-- c = 1/k

	RETURN QUERY
	SELECT r.rang::integer, x.reservataire, trim_scale(e.ecart),
		   CASE WHEN x.taux > 0 THEN round((1 - 1 / k - e.ecart) / (x.taux / 100), 3) END,
		   ARRAY[format('%s: entitlement %s of the %s in-flux dwellings of %s this year (%s %%), %s received: ecart %s',
						x.nom, round(x.t * x.taux / 100, 3), x.t,
						CASE WHEN x.territorial THEN 'its territory' ELSE 'the département' END,
						trim_scale(x.taux), x.a, round(e.ecart, 3))]
		   || CASE
				WHEN x.taux <= 0 THEN ARRAY['no entitlement left to it']
				WHEN e.ecart * k < 1 THEN ARRAY[format('at or above its quota: ecart below %s, not eligible this time', round(1 / k, 3))]
				WHEN r.rang = 1 AND r.idx = (d.choix).plus_urgent
					THEN ARRAY[format('most urgent: it falls below its quota within %s more dwellings (Tijdeman''s rule)',
									  round((1 - 1 / k - e.ecart) / (x.taux / 100), 3))]
				WHEN r.rang = 1
					THEN ARRAY[format('preferred over %s, more urgent, for its objectives: the quota bound of %s still holds (checked over the next %s dwellings)',
									  c[(d.choix).plus_urgent].nom, round(1 - 1 / k, 3), (d.choix).horizon)]
				ELSE ARRAY[format('eligible: below its quota by %s or more', round(1 / k, 3))]
			  END
		   || x.motifs_preference
		   || CASE WHEN x.territorial THEN ARRAY['territorial réservataire: the dwelling is in its territory'] ELSE '{}' END
		   || CASE WHEN x.reservataire IS NULL THEN ARRAY['landlord''s pool: what the département''s flux leaves after every convention''s entitlement'] ELSE '{}' END
	FROM unnest((d.choix).classement) WITH ORDINALITY AS r(idx, rang)
	CROSS JOIN LATERAL (SELECT (c[r.idx]).*) AS x
	CROSS JOIN LATERAL (SELECT x.t * x.taux / 100 - x.a AS ecart) AS e
	ORDER BY r.rang;
END
$$;

COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one or an in-flux vacancy already charged (a carence: the dwelling came back to the landlord); otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why';

CREATE OR REPLACE FUNCTION flux_mgmt.orienter_suggestion(vacance_id bigint, date_orientation date DEFAULT current_date)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
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
		o := orienter_suggestion(v.id, greatest(v.date_liberation,
												(SELECT max(x.date_issue) FROM orientation x WHERE x.vacance_id = v.id)));
		vacance_id := v.id;
		orientation_id := o;
		reservataire := (SELECT x.reservataire FROM orientation x WHERE x.id = o);
		RETURN NEXT;
	END LOOP;
END
$$;

COMMENT ON FUNCTION flux_mgmt.orienter_en_attente(text, integer) IS
	'orients, in date order, every vacancy of a landlord freed in a year that waits for an orientation (none yet, or the last ended in carence or échec), each with rank 1 of suggerer() and dated its date_liberation, or the date its last orientation ended when later, each seeing the ones before; returns what it recorded';
