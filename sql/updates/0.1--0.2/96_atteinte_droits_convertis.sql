--------------------------------------------------------------------------------
-- Converted rights that run out, in the reports (issue 16, item 5): a
-- convention converted from limited rights only is entitled, in atteinte and
-- everything that reads atteinte_annuelle(), to its share while its rights
-- last: at most the single-use rights left at the start of the year, and in
-- the year of their term, the share of the days before it.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.atteinte_annuelle(qui flux_mgmt.portee, bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	-- as the owner, over every counter; the lines the caller may see
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 10
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH k AS (
		SELECT k.commune, k.reservataire, sum(k.decomptes) AS decomptes, sum(k.en_cours) AS en_cours,
			   sum(k.carences) AS carences
		FROM flux_mgmt.compteur k
		WHERE k.bailleur = $2 AND k.annee = $4 AND k.dans_flux
		  -- the département's range of the index, not every commune of the landlord-year
		  AND k.commune OPERATOR(flux_mgmt.>=) flux_mgmt.premiere_commune($3)
		  AND k.commune OPERATOR(flux_mgmt.<=) flux_mgmt.derniere_commune($3)
		  AND flux_mgmt.departement(k.commune) = $3
		GROUP BY k.commune, k.reservataire
	), v AS (
		SELECT v.reservataire, v.taux, v.communes, v.id FROM flux_mgmt.conventions_en_vigueur($2, $3, $4) AS v
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
			SELECT greatest(0, k2.droits_uniques - flux_mgmt.droits_engages(k2.id, $4 - 1, false)) AS restants,
				   CASE WHEN pg_catalog.date_part('year', k2.fin) = $4
						THEN (k2.fin - pg_catalog.make_date($4, 1, 1))::numeric
							 / (pg_catalog.make_date($4 + 1, 1, 1) - pg_catalog.make_date($4, 1, 1)) END AS fraction
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
	), lignes AS (
		SELECT c.reservataire, pg_catalog.trim_scale(c.taux) AS taux, c.flux_realise, pg_catalog.trim_scale(c.droit) AS droit,
			   c.decomptes, pg_catalog.trim_scale(c.droit - c.decomptes) AS ecart, c.en_cours, c.carences
		FROM c
		UNION ALL
		SELECT NULL,
			   pg_catalog.trim_scale(CASE WHEN p.flux_realise > 0 THEN round(100 * (p.flux_realise - p.droits) / p.flux_realise, 6)
										  ELSE 100 - p.parts END),
			   p.flux_realise, pg_catalog.trim_scale(p.flux_realise - p.droits), p.decomptes,
			   pg_catalog.trim_scale(p.flux_realise - p.droits - p.decomptes), p.en_cours, p.carences
		FROM pool p
	)
	SELECT l.reservataire, l.taux, l.flux_realise, l.droit, l.decomptes, l.ecart, l.en_cours, l.carences
	FROM lignes l
	CROSS JOIN (SELECT flux_mgmt.portee_sure($1) AS p) AS moi
	WHERE flux_mgmt.lit_ligne(moi.p, $2, l.reservataire);
END;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(flux_mgmt.portee, text, text, integer) IS
	'attainment of a landlord in a département in a year, from the in-flux counters: each convention in force (charges in its scope, its entitlement taux × charges / 100 — for a convention converted from limited rights only, at most the single-use rights left at the start of the year, and in the year of their term the share of the days before it —, charged to it, the difference, its open orientations and carences), each beneficiary counted without a convention in force (taux 0), then the pool (reservataire null: the département''s charges minus the others'' entitlements; taux 100 × that / charges, or 100 minus the département-wide shares when nothing was charged); computed as the owner over every counter, it returns the lines the scope qui may see (lit_ligne: all of them for the landlord''s staff or an observatory, its own and the pool''s for a réservataire), qui being one portee() issued in this transaction (portee_sure); no argument check';

-- The same for the current role: what the view and the readers of a
-- landlord-year call.
CREATE OR REPLACE FUNCTION flux_mgmt.atteinte_annuelle(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 10
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- its arguments checked, as a yearly reader's (not the full read of
	-- exiger_portee(): a réservataire reads its lines here)
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(format('unknown landlord %L', $1), NULL,
								  'Give the code of a row of flux_mgmt.bailleur.', 'foreign_key_violation');
	END IF;
	PERFORM flux_mgmt.exiger_departement($2, 'atteinte_annuelle');
	IF $3 IS NULL OR $3 NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(format('year %s in atteinte_annuelle is out of range', coalesce($3::text, 'null')), NULL,
								  'Give a calendar year such as 2026.', 'invalid_parameter_value');
	END IF;
	RETURN QUERY SELECT * FROM flux_mgmt.atteinte_annuelle(flux_mgmt.portee(), $1, $2, $3);
END
$$;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(text, text, integer) IS
	'atteinte_annuelle(portee(), …): the attainment of a landlord in a département in a year, the lines the current role may see; an unknown landlord is 23503, an invalid département or a year outside 1900-2200 22023';

COMMENT ON COLUMN flux_mgmt.atteinte.droit IS 'entitlement: taux × flux_realise / 100 (exact); a convention converted from limited rights only gets at most the single-use rights left at the start of the year and, in the year of their term, the share of the days before it (DOMAIN §3.4: its share while its volume lasts); the pool''s is the département''s flux minus every other entitlement, so that they add up to the flux';
