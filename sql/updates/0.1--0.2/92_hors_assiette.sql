--------------------------------------------------------------------------------
-- The bilan of the attributions outside the assiette (issue 16, item 1;
-- DOMAIN §3.2, §3.10): the contingents a household was eligible to
-- (attribution.contingents_eligibles), the leases outside the assiette
-- (bail_hors_assiette), their bilan per motif next to the subtractions
-- (bilan_hors_assiette) and per contingent (bilan_hors_assiette_contingents),
-- section 6 of rapport_annuel() (which also marks a delegated convention,
-- 91_gestion.sql).
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.attribution
	ADD COLUMN contingents_eligibles flux_mgmt.type_reservataire[] NOT NULL DEFAULT '{}',
	-- one dimension, no null (array_position refuses to search more than one)
	ADD CONSTRAINT attribution_contingents_eligibles CHECK (
		CASE WHEN array_ndims(contingents_eligibles) > 1 THEN false ELSE array_position(contingents_eligibles, NULL) IS NULL END);
COMMENT ON COLUMN flux_mgmt.attribution.contingents_eligibles IS
	'the contingents the household was eligible to, as réservataire types (action_logement: an employee of a company contributing to Action Logement; commune, epci…: a resident or worker of the territory; etat_agents…), for the bilan of the attributions outside the assiette; dalo or prioritaire make it eligible to etat_prioritaires, agent_etat to etat_agents, without being listed';

CREATE VIEW flux_mgmt.bail_hors_assiette WITH (security_invoker = true) AS
SELECT a.id AS attribution_id, l.bailleur, flux_mgmt.departement(l.commune) AS departement,
	   date_part('year', a.date_bail)::integer AS annee,
	   coalesce(o.soustraction::text, l.regime::text) AS motif,
	   a.dalo, a.dalo OR a.prioritaire AS prioritaire, a.mutation,
	   ARRAY(SELECT DISTINCT c FROM unnest(a.contingents_eligibles
										   || CASE WHEN a.dalo OR a.prioritaire THEN '{etat_prioritaires}'::flux_mgmt.type_reservataire[] ELSE '{}' END
										   || CASE WHEN a.agent_etat THEN '{etat_agents}'::flux_mgmt.type_reservataire[] ELSE '{}' END) AS c
			 ORDER BY c) AS contingents
FROM flux_mgmt.attribution a
JOIN flux_mgmt.orientation o ON o.id = a.orientation_id
JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
JOIN flux_mgmt.logement l ON l.id = v.logement_id
WHERE a.date_bail IS NOT NULL AND (o.soustraction IS NOT NULL OR l.regime <> 'flux');
COMMENT ON VIEW flux_mgmt.bail_hors_assiette IS
	'each lease signed outside the assiette (DOMAIN §3.2): on a vacancy subtracted from the flux (motif: its soustraction), on a stock dwelling (motif: stock_defense, stock_securite, stock_sante) or on a dwelling outside the L441-1 regime (hors_champ); with the household''s priority and the contingents it was eligible to';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.attribution_id IS 'the attribution';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.departement IS 'département of the dwelling';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.annee IS 'year of the lease (date_bail)';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.motif IS 'why it is outside the assiette: a motif_soustraction, stock_defense, stock_securite, stock_sante or hors_champ';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.dalo IS 'household recognised DALO';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.prioritaire IS 'DALO or priority household (L441-1)';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.mutation IS 'tenant already housed by the landlord';
COMMENT ON COLUMN flux_mgmt.bail_hors_assiette.contingents IS 'the contingents the household was eligible to: attribution.contingents_eligibles, with etat_prioritaires for a DALO or priority household and etat_agents for a State agent';

CREATE VIEW flux_mgmt.bilan_hors_assiette WITH (security_invoker = true) AS
SELECT x.bailleur, x.departement, x.annee, x.motif,
	   sum(x.prevu)::integer AS prevu, sum(x.soustraites)::bigint AS soustraites,
	   coalesce(sum(x.baux), 0)::bigint AS baux, coalesce(sum(x.prioritaires), 0)::bigint AS prioritaires,
	   coalesce(sum(x.dalo), 0)::bigint AS dalo,
	   coalesce(sum(x.action_logement), 0)::bigint AS eligibles_action_logement,
	   coalesce(sum(x.mutations), 0)::bigint AS mutations
FROM (
	SELECT s.bailleur, s.departement, s.annee, s.motif::text AS motif, s.prevu, s.realise AS soustraites,
		   NULL::bigint AS baux, NULL::bigint AS prioritaires, NULL::bigint AS dalo, NULL::bigint AS action_logement,
		   NULL::bigint AS mutations
	FROM flux_mgmt.bilan_soustractions s
	UNION ALL
	SELECT b.bailleur, b.departement, b.annee, b.motif, NULL, NULL, 1, b.prioritaire::integer, b.dalo::integer,
		   ('action_logement' = ANY (b.contingents))::integer, b.mutation::integer
	FROM flux_mgmt.bail_hors_assiette b
) AS x
GROUP BY x.bailleur, x.departement, x.annee, x.motif;
COMMENT ON VIEW flux_mgmt.bilan_hors_assiette IS
	'the yearly bilan of the attributions outside the assiette (DOMAIN §3.2, §3.10): per landlord, département, year and motif (the five subtraction motifs, stock_defense, stock_securite, stock_sante, hors_champ), the leases signed that year, of which to priority or DALO households, to DALO households, to households eligible to Action Logement, to tenants already housed (mutations), next to the forecast and actual subtractions of the motif (bilan_soustractions; null for the others)';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.annee IS 'year: of the lease for the leases, of the orientation for soustraites, of the forecast for prevu';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.motif IS 'a motif_soustraction, stock_defense, stock_securite, stock_sante or hors_champ';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.prevu IS 'forecast subtractions of the motif that year (soustraction_prevue); null when none was recorded, or for a stock or hors champ row';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.soustraites IS 'vacancies subtracted for the motif that year (bilan_soustractions.realise); null for a stock or hors champ row';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.baux IS 'leases signed that year outside the assiette for that motif';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.prioritaires IS 'of which to DALO or priority households';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.dalo IS 'of which to DALO households';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.eligibles_action_logement IS 'of which to households eligible to Action Logement (employees of contributing companies)';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette.mutations IS 'of which to tenants already housed by the landlord';

CREATE VIEW flux_mgmt.bilan_hors_assiette_contingents WITH (security_invoker = true) AS
SELECT b.bailleur, b.departement, b.annee, b.motif, c.contingent, count(*) AS baux
FROM flux_mgmt.bail_hors_assiette b CROSS JOIN LATERAL unnest(b.contingents) AS c(contingent)
GROUP BY b.bailleur, b.departement, b.annee, b.motif, c.contingent;
COMMENT ON VIEW flux_mgmt.bilan_hors_assiette_contingents IS
	'the leases signed outside the assiette per landlord, département, year, motif and contingent the household was eligible to (bail_hors_assiette.contingents): a lease counts once for each of its contingents';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.annee IS 'year of the lease';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.motif IS 'a motif_soustraction, stock_defense, stock_securite, stock_sante or hors_champ';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.contingent IS 'a contingent (réservataire type) the household was eligible to';
COMMENT ON COLUMN flux_mgmt.bilan_hors_assiette_contingents.baux IS 'leases to households eligible to it';

-- rapport_annuel(), with its section 6: in 95_etat_des_lieux_envoi.sql, with the style it shares
