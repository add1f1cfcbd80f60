--------------------------------------------------------------------------------
-- Social mix, where the rest of the extension reads it (issue 15): decider()
-- passes the candidates through preferer_mixite() (98_mixite.sql),
-- suggerer() says so, rapport_annuel() has its section 7 and
-- export_reservataire() its mixite key.
--------------------------------------------------------------------------------

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
	-- the landlord's full readers get every section; a réservataire, a
	-- territory or an observatory the three from the shared figures, its lines
	complet boolean := lit_bailleur(portee(), rapport_annuel.bailleur);
	contingents CONSTANT jsonb := '{"etat_prioritaires": "État, publics prioritaires", "etat_agents": "État, agents publics", "action_logement": "Action Logement", "commune": "Commune", "epci": "EPCI", "ept": "EPT", "departement": "Département", "region": "Région", "employeur": "Employeur", "ministere": "Ministère", "organisme": "Organisme", "autre": "Autre"}';
BEGIN
	IF complet THEN
		PERFORM exiger_rapport(bailleur, annee, 'rapport_annuel');
	ELSE
		PERFORM exiger_rapport_partage(bailleur, annee);
	END IF;
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
	FOR d IN SELECT departements_du_rapport_pour(bailleur, annee) LOOP
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

	IF complet THEN
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
	ELSE
		html := html || '<h2>3. et 4. Soustractions et flux prévisionnel</h2><p>Établis sur l''ensemble du patrimoine du bailleur : '
			|| 'ils figurent dans l''édition du bailleur.</p>';
	END IF;

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

	IF complet THEN
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
					  nombre_fr(valeur_parametre('identification_part')),
					  nombre_fr(valeur_parametre('identification_rapport')),
					  nombre_fr(valeur_parametre('identification_vacances')))
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
	ELSE
		html := html || '<h2>6. et 7. Attributions hors assiette, mixité sociale</h2><p>Établies sur l''ensemble des baux du bailleur : '
			|| 'elles figurent dans l''édition du bailleur.</p>';
	END IF;
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.rapport_annuel(text, integer) IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8) of a landlord for the year reported on (N-1, sent before 28 February of N), as a self-contained HTML document in French: entitlements and charges per réservataire with an SVG chart, proposed and attributed dwellings per réservataire by typology, financing, QPV, commune and construction period, subtractions forecast and actual (and forecast for N), the forecast flux of N per réservataire (or why it cannot be computed), objectives O1-O4 with shortfalls, the leases outside the assiette per motif (priority households, households eligible to Action Logement and to each contingent) next to the subtractions, and social mix across residences (programmes identified with a réservataire, indices of dissimilarity of the year, the year before and the three years, the programmes with the highest shares of priority households); every figure from the counters but the last two sections, from the events; errors for an unknown landlord (23503), a year out of range (22023) or with nothing to report (23503); for a réservataire, a territory or an observatory (no full read of the landlord: 42501 without any profile for it), sections 1, 2 and 5, its lines of the shared figures with the true totals';

CREATE FUNCTION flux_mgmt.export_reservataire(qui flux_mgmt.portee, bailleur text, reservataire text, annee integer) RETURNS jsonb
	-- as the owner (its forecast reads the landlord's rows in full), for a
	-- scope of the landlord's staff or of the réservataire itself
	LANGUAGE plpgsql STABLE STRICT SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
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
	IF NOT (lit_bailleur(portee_sure(qui), bailleur) OR lit_reservataire(portee_sure(qui), bailleur, reservataire)) THEN
		PERFORM refuser(format('role %s may not read the figures of réservataire %L with landlord %L', (qui).role, reservataire, bailleur),
						'Its profiles (flux_mgmt.portee()) include neither that landlord''s staff nor that réservataire for it.',
						'Ask the owner for a profile: flux_mgmt.accorder_profil(role, ''reservataire'', bailleur, reservataire => code).',
						'insufficient_privilege');
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
COMMENT ON FUNCTION flux_mgmt.export_reservataire(flux_mgmt.portee, text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed), and mixite: the index of dissimilarity of its orientations over the landlord''s programmes and segments (the year, and the three years ending with it) and the programmes identified with it (indices_dissimilarite, identification_programmes); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503); for a scope qui (one portee() issued in this transaction) of the landlord''s staff or that réservataire (42501 otherwise), as the owner';

CREATE OR REPLACE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
	LANGUAGE sql STABLE STRICT
RETURN flux_mgmt.export_reservataire(flux_mgmt.portee(), bailleur, reservataire, annee);
COMMENT ON FUNCTION flux_mgmt.export_reservataire(text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed), and mixite: the index of dissimilarity of its orientations over the landlord''s programmes and segments (the year, and the three years ending with it) and the programmes identified with it (indices_dissimilarite, identification_programmes); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503); for the landlord''s staff or that réservataire (42501 otherwise): export_reservataire(portee(), …), which runs as the owner';

COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one or an in-flux vacancy already charged (a carence: the dwelling came back to the landlord); otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives and the social mix of the dwelling''s programme (preferer_mixite) as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why, and rank 1''s adds the subtraction motifs behind their forecast''s pace (avis_soustractions), as advice';
