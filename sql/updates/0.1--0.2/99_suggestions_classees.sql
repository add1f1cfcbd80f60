--------------------------------------------------------------------------------
-- suggerer()'s rows and reasons computed in C (suggestions_classees(),
-- src/suggestions.c) instead of a query planned and initialised at each call.
--------------------------------------------------------------------------------

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

CREATE OR REPLACE FUNCTION flux_mgmt.suggerer(vacance_id bigint)
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
