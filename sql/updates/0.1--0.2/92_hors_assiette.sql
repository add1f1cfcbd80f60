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
	motifs CONSTANT jsonb := '{"mutation_interne": "Mutations internes", "renouvellement_urbain": "Relogements (renouvellement urbain)", "copropriete_degradee": "Relogements (copropriétés dégradées)", "habitat_indigne": "Relogements (lutte contre l''habitat indigne)", "vente": "Relogements liés aux ventes", "stock_defense": "Logements conservés en stock (défense)", "stock_securite": "Logements conservés en stock (sécurité)", "stock_sante": "Logements conservés en stock (santé)", "hors_champ": "Logements hors champ (article L441-1)"}';
	contingents CONSTANT jsonb := '{"etat_prioritaires": "État, publics prioritaires", "etat_agents": "État, agents publics", "action_logement": "Action Logement", "commune": "Commune", "epci": "EPCI", "ept": "EPT", "departement": "Département", "region": "Région", "employeur": "Employeur", "ministere": "Ministère", "organisme": "Organisme", "autre": "Autre"}';
BEGIN
	PERFORM exiger_rapport(bailleur, annee, 'rapport_annuel');
	SELECT * INTO b FROM flux_mgmt.bailleur x WHERE x.code = rapport_annuel.bailleur;
	html := format(
		'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Bilan annuel %1$s de la gestion en flux — %2$s</title>'
		'<style>body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;margin:24px 32px;color:#222}'
		'h1{font-size:22px;color:#1f4e79}h2{font-size:17px;color:#1f4e79;border-bottom:2px solid #1f4e79;margin-top:28px}'
		'h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;margin:6px 12px 10px 0;display:inline-table;vertical-align:top}'
		'caption{font-weight:bold;text-align:left;padding:2px 0}th,td{border:1px solid #bbb;padding:3px 7px}'
		'th{background:#e8eef5}td.n{text-align:right;white-space:nowrap}td.vide{color:#777;font-style:italic}'
		'.alerte{color:#9a3b00;font-weight:bold}.conseil{color:#555}svg text{font-size:12px;fill:#222}svg text.valeur{font-size:11px}'
		'</style></head><body>'
		'<h1>Bilan annuel %1$s de la gestion en flux</h1>'
		'<p>Bailleur : <strong>%2$s</strong> (%3$s%4$s). Bilan de l''année %1$s prévu par l''article R441-5-1 du code de la construction et de l''habitation, '
		'à adresser avant le 28 février %5$s à chaque réservataire, aux EPCI et EPT concernés et à la conférence intercommunale du logement. '
		'Établi le %6$s à partir des compteurs de flux_mgmt.</p>',
		annee, echapper_html(b.nom), echapper_html(b.code), coalesce(', SIREN ' || echapper_html(b.siren), ''), annee + 1,
		to_char(current_date, 'DD/MM/YYYY'));

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
		html := html || format('<h3>%s</h3>', echapper_html(nom_beneficiaire(r.reservataire))) || (
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
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.rapport_annuel(text, integer) IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8) of a landlord for the year reported on (N-1, sent before 28 February of N), as a self-contained HTML document in French: entitlements and charges per réservataire with an SVG chart, proposed and attributed dwellings per réservataire by typology, financing, QPV, commune and construction period, subtractions forecast and actual (and forecast for N), the forecast flux of N per réservataire (or why it cannot be computed), objectives O1-O4 with shortfalls, the leases outside the assiette per motif (priority households, households eligible to Action Logement and to each contingent) next to the subtractions; every figure from the counters but the last, from the events; errors for an unknown landlord (23503), a year out of range (22023) or with nothing to report (23503)';

