--------------------------------------------------------------------------------
-- The état des lieux in its two levels (issue 16, item 4): the dwellings'
-- postal address from the RPLS file (logement.adresse, rpls_ligne.adresse,
-- rpls_analyser(), importer_rpls(), which repairs a postal code that lost its
-- leading zero, completer_logements_rpls() for the dwellings imported
-- before: 97_programmes.sql); the assignment of each dwelling to its old droit de suite as a
-- function of its own (affectations_stock(), which etablir_etat_des_lieux()
-- now reads); the detailed and aggregated état des lieux (functions, views
-- of today, CSV and HTML); the documents' style shared with rapport_annuel()
-- (style_html(), with the print style sheet of item 7).
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.logement ADD COLUMN adresse text;
COMMENT ON COLUMN flux_mgmt.logement.adresse IS
	'postal address, as the RPLS file gives it (NUMVOIE INDREP TYPVOIE NOMVOIE, CODEPOSTAL LIBCOM; importer_rpls repairs a postal code that lost its leading zero); null when unknown';

-- the stored body of logements_detenus lists the table's columns: again, with adresse
CREATE OR REPLACE FUNCTION flux_mgmt.logements_detenus(bailleur text, departement text, au date)
RETURNS SETOF flux_mgmt.logement
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT l.* FROM flux_mgmt.logement l
	WHERE l.bailleur = $1
	  AND flux_mgmt.departement(l.commune) = $2
	  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $3)
	  AND (l.sortie IS NULL OR l.sortie > $3);
END;
COMMENT ON FUNCTION flux_mgmt.logements_detenus(text, text, date) IS
	'the dwellings a landlord owns in a département on a date: entered on or before it (or always there), not left on or before it; read through logement_bailleur_departement once inlined; no argument check';

ALTER TYPE flux_mgmt.rpls_ligne ADD ATTRIBUTE adresse text;
COMMENT ON TYPE flux_mgmt.rpls_ligne IS
	'one line of an RPLS file as rpls_analyser reads it: mapped values, what was noticed (constats), the first free-text value with U+FFFD, why it is rejected (null when it is not), the postal address, the programme (NUMCONV, else the street address), building and CUS segment';

-- rpls_analyser(), importer_rpls() and completer_logements_rpls(): in 97_programmes.sql, with what they read since

CREATE FUNCTION flux_mgmt.affectations_stock(bailleur text, au date)
RETURNS TABLE (logement_id bigint, convention_stock_id bigint, rang bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT lg.id, cs.id,
		   rank() OVER (PARTITION BY lg.id
						ORDER BY (cs.logements IS NOT NULL, cs.commune IS NOT NULL, cs.departement IS NOT NULL,
								  cs.contingent IS NOT NULL) DESC)
	FROM flux_mgmt.logement lg
	JOIN flux_mgmt.convention_stock cs ON cs.bailleur = $1 AND cs.nature = 'suite'
		AND (cs.logements IS NULL OR lg.ref = ANY (cs.logements))
		AND (cs.commune IS NULL OR cs.commune OPERATOR(flux_mgmt.=) lg.commune)
		AND (cs.departement IS NULL OR cs.departement = flux_mgmt.departement(lg.commune))
		AND (cs.contingent IS NULL OR cs.contingent = lg.contingent_rpls)
	WHERE lg.bailleur = $1
	  AND (lg.mise_en_service IS NULL OR lg.mise_en_service <= $2)
	  AND (lg.sortie IS NULL OR lg.sortie > $2);
END;
COMMENT ON FUNCTION flux_mgmt.affectations_stock(text, date) IS
	'the old droits de suite (convention_stock) selecting each dwelling a landlord owns on a date, ranked by precision (references, then commune, then département, then contingent alone): the dwelling belongs to the one of rank 1 when it is alone there; no argument check';

CREATE OR REPLACE FUNCTION flux_mgmt.etablir_etat_des_lieux(bailleur text, au date DEFAULT current_date)
RETURNS TABLE (constat text, reservataire text, contingent smallint, logements bigint, droits numeric, action text)
	LANGUAGE plpgsql STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	-- one writer of a landlord's état des lieux at a time
	PERFORM verrouiller_bailleurs(ARRAY[$1]);
	DELETE FROM droit_stock d
	WHERE d.origine IN (SELECT s.id FROM convention_stock s WHERE s.bailleur = $1);

	RETURN QUERY
	WITH lg AS MATERIALIZED (
		SELECT l.id, l.ref, l.commune, departement(l.commune) AS departement, l.contingent_rpls AS contingent
		FROM logement l
		WHERE l.bailleur = $1
		  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $2)
		  AND (l.sortie IS NULL OR l.sortie > $2)
	), cs AS MATERIALIZED (
		SELECT s.* FROM convention_stock s WHERE s.bailleur = $1
	), candidats AS (
		SELECT a.logement_id, a.convention_stock_id AS cs_id, a.rang FROM affectations_stock($1, $2) AS a
	), choix AS (
		SELECT c.logement_id, min(c.cs_id) AS cs_id, count(*) AS ex_aequo
		FROM candidats c WHERE c.rang = 1
		GROUP BY c.logement_id
	), lignes AS (
		-- one line per old droit de suite and département, one per droits uniques
		SELECT cs.id AS cs_id, lg.departement, count(*)::numeric AS nombre,
			   CASE WHEN count(*) = 1 THEN min(lg.id) END AS logement_id
		FROM choix ch JOIN lg ON lg.id = ch.logement_id JOIN cs ON cs.id = ch.cs_id
		WHERE ch.ex_aequo = 1
		GROUP BY cs.id, lg.departement
		UNION ALL
		SELECT cs.id, cs.departement, cs.nombre, NULL FROM cs WHERE cs.nature = 'unique'
	), ecrites AS (
		INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, regime,
								 logement_id, taux_rotation, origine)
		SELECT $1, cs.reservataire, l.departement, cs.nature, l.nombre, cs.fin, cs.contrepartie, cs.regime,
			   l.logement_id, cs.taux_rotation, cs.id
		FROM lignes l JOIN cs ON cs.id = l.cs_id
		ORDER BY cs.id, l.departement
		RETURNING origine, nombre
	), inconnues AS (
		SELECT cs.id AS cs_id, count(*) AS n, min(r.ref) AS exemple
		FROM cs CROSS JOIN LATERAL unnest(cs.logements) AS r(ref)
		WHERE NOT EXISTS (SELECT FROM lg WHERE lg.ref = r.ref)
		GROUP BY cs.id
	), seuls AS (
		-- dwellings no old convention took
		SELECT lg.*, ch.ex_aequo
		FROM lg LEFT JOIN choix ch ON ch.logement_id = lg.id
		WHERE ch.ex_aequo IS DISTINCT FROM 1
	), constats AS (
		SELECT 1 AS ordre, cs.id AS cle, 'stock right written' AS constat, cs.reservataire, cs.contingent,
			   CASE WHEN cs.nature = 'suite' THEN coalesce(sum(e.nombre), 0)::bigint END AS logements,
			   CASE WHEN cs.nature = 'unique' THEN sum(e.nombre) END AS droits,
			   format('%s line(s) of flux_mgmt.droit_stock: %s, %s, %s', count(*),
					  CASE cs.nature WHEN 'suite' THEN 'droit de suite' ELSE 'droits uniques' END,
					  coalesce('until ' || cs.fin, 'no end'),
					  CASE WHEN cs.regime = 'flux' THEN 'to convert' ELSE 'stays in stock (' || cs.regime || ')' END) AS action
		FROM cs JOIN ecrites e ON e.origine = cs.id
		GROUP BY cs.id, cs.reservataire, cs.contingent, cs.nature, cs.fin, cs.regime
		UNION ALL
		SELECT 2, cs.id, 'old convention selecting no dwelling', cs.reservataire, cs.contingent, 0, NULL,
			   format('nothing written: check its contingent, commune, département or logements (old convention %s%s)',
					  cs.id, coalesce(' ' || quote_literal(cs.reference), ''))
		FROM cs WHERE cs.nature = 'suite' AND NOT EXISTS (SELECT FROM candidats c WHERE c.cs_id = cs.id)
		UNION ALL
		SELECT 3, i.cs_id, 'unknown dwelling reference in an old convention', cs.reservataire, cs.contingent, i.n, NULL,
			   format('ignored: no dwelling %L of the landlord on %s', i.exemple, $2)
		FROM inconnues i JOIN cs ON cs.id = i.cs_id
		UNION ALL
		SELECT 4, min(s.contingent), 'dwellings claimed by two old conventions', NULL, s.contingent, count(*), NULL,
			   format('not in the état des lieux (for instance %L): make one of the conventions more precise (commune, logements)', min(s.ref))
		FROM seuls s WHERE s.ex_aequo > 1
		GROUP BY s.contingent
		UNION ALL
		SELECT 5, min(s.contingent), 'reserved dwellings without an old convention', NULL, s.contingent, count(*), NULL,
			   format('not in the état des lieux (for instance %L): record the old convention in flux_mgmt.convention_stock', min(s.ref))
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent BETWEEN 1 AND 6
		GROUP BY s.contingent
		UNION ALL
		SELECT 6, 7, 'not reserved (CONTRESLOG 7)', NULL, 7::smallint, count(*), NULL,
			   'no stock right: these dwellings are in the flux already'
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent = 7
		HAVING count(*) > 0
		UNION ALL
		SELECT 7, 0, 'no CONTRESLOG', NULL, NULL, count(*), NULL,
			   format('not in the état des lieux (for instance %L): import the landlord''s own RPLS file, which has CONTRESLOG, or list them in an old convention', min(s.ref))
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent IS NULL
		HAVING count(*) > 0
	)
	SELECT c.constat, c.reservataire, c.contingent, c.logements, c.droits, c.action
	FROM constats c
	ORDER BY c.ordre, c.cle;
END
$$;
COMMENT ON FUNCTION flux_mgmt.etablir_etat_des_lieux(text, date) IS
	'builds the état des lieux (droit_stock) of a landlord from its dwellings'' RPLS CONTRESLOG (logement.contingent_rpls) and its old conventions (convention_stock): each dwelling owned on the date goes to the old droit de suite selecting it most precisely (logements, then commune, then département, then contingent alone); one line per old convention and département, droits uniques as they are; the lines it wrote before are replaced, lines typed in are kept; reports what it wrote and every dwelling left out';

CREATE FUNCTION flux_mgmt.style_html() RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN
	'body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;margin:24px 32px;color:#222}'
	'h1{font-size:22px;color:#1f4e79}h2{font-size:17px;color:#1f4e79;border-bottom:2px solid #1f4e79;margin-top:28px}'
	'h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;margin:6px 12px 10px 0;display:inline-table;vertical-align:top}'
	'caption{font-weight:bold;text-align:left;padding:2px 0}th,td{border:1px solid #bbb;padding:3px 7px}'
	'th{background:#e8eef5}td.n{text-align:right;white-space:nowrap}td.vide{color:#777;font-style:italic}'
	'.alerte{color:#9a3b00;font-weight:bold}.conseil{color:#555}svg text{font-size:12px;fill:#222}svg text.valeur{font-size:11px}'
	'@page{size:A4;margin:14mm 12mm}'
	'@media print{body{margin:0;font-size:11px}table{display:table}h2{break-before:page;break-after:avoid}h2:first-of-type{break-before:auto}h3{break-after:avoid}'
	'h3.reservataire{break-before:page}table{break-inside:auto}thead{display:table-header-group}'
	'tr,caption,svg{break-inside:avoid}svg{max-width:100%}}';
COMMENT ON FUNCTION flux_mgmt.style_html() IS
	'the CSS of the HTML documents flux_mgmt writes (rapport_annuel, etat_des_lieux_html), with their print style sheet: A4, each section (h2) from a new page but the first, each réservataire''s breakdown (h3.reservataire) on its own page, table headers repeated, rows never cut';

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
		'<style>%7$s</style></head><body>'
		'<h1>Bilan annuel %1$s de la gestion en flux</h1>'
		'<p>Bailleur : <strong>%2$s</strong> (%3$s%4$s). Bilan de l''année %1$s prévu par l''article R441-5-1 du code de la construction et de l''habitation, '
		'à adresser avant le 28 février %5$s à chaque réservataire, aux EPCI et EPT concernés et à la conférence intercommunale du logement. '
		'Établi le %6$s à partir des compteurs de flux_mgmt.</p>',
		annee, echapper_html(b.nom), echapper_html(b.code), coalesce(', SIREN ' || echapper_html(b.siren), ''), annee + 1,
		to_char(current_date, 'DD/MM/YYYY'), style_html());

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

-- The état des lieux is droit_stock (CONTRACT), on a date: its lines in
-- force then (fin after the date), each with the dwellings it covers.  A
-- line etablir_etat_des_lieux() built from an old droit de suite (origine)
-- covers the dwellings affectations_stock() assigns to that convention in
-- its département, each on a row; a line on one identified dwelling
-- (logement_id) that dwelling; any other line (droits uniques, a droit de
-- suite typed in without its dwellings) is one row without a dwelling, its
-- number of dwellings or rights in nombre.  A stock-regime dwelling
-- (defence, security, health) no line covers is its holder's, on a row of
-- its own (nature stock).
CREATE FUNCTION flux_mgmt.etat_des_lieux_detaille(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS TABLE (reservataire text, logement_id bigint, ref text, rpls text, adresse text, commune flux_mgmt.code_insee,
			   nom_commune text, typologie text, financement flux_mgmt.financement, qpv boolean, annee_construction smallint,
			   regime flux_mgmt.regime, convention_stock_id bigint, reference text, nature text, fin date, contrepartie text,
			   departement text, nombre numeric, droit_stock_id bigint)
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	IF $2 IS NOT NULL THEN
		PERFORM exiger_reservataire($2, 'the état des lieux');
	END IF;
	IF $3 IS NULL OR NOT ($3 BETWEEN '1900-01-01' AND '2200-12-31') THEN
		PERFORM refuser(format('date %s of the état des lieux is out of range', coalesce($3::text, 'null')), NULL,
						'Give the date the état des lieux describes, such as 2026-01-01.', 'invalid_parameter_value');
	END IF;
	RETURN QUERY
	WITH lignes AS MATERIALIZED (
		SELECT d.* FROM droit_stock d
		WHERE d.bailleur = $1 AND ($2 IS NULL OR d.reservataire = $2) AND (d.fin IS NULL OR d.fin > $3)
	), affectes AS MATERIALIZED (
		SELECT a.logement_id, min(a.convention_stock_id) AS origine
		FROM affectations_stock($1, $3) AS a
		WHERE a.rang = 1 AND EXISTS (SELECT FROM lignes x WHERE x.origine IS NOT NULL)
		GROUP BY a.logement_id HAVING count(*) = 1
	), couverts AS (
		-- the dwelling rows of the lines
		SELECT x.id AS droit_stock_id, f.logement_id
		FROM lignes x JOIN affectes f ON f.origine = x.origine
		JOIN logement g ON g.id = f.logement_id AND departement(g.commune) = x.departement
		WHERE x.nature = 'suite'
		UNION ALL
		SELECT x.id, x.logement_id FROM lignes x
		JOIN logement g ON g.id = x.logement_id
			 AND (g.mise_en_service IS NULL OR g.mise_en_service <= $3) AND (g.sortie IS NULL OR g.sortie > $3)
		WHERE x.origine IS NULL AND x.nature = 'suite'
	), reserves AS (
		SELECT x.reservataire, c.logement_id, x.origine, x.nature, x.fin, x.contrepartie, x.departement,
			   CASE WHEN c.logement_id IS NULL THEN x.nombre ELSE 1 END AS nombre, x.id AS droit_stock_id, x.regime
		FROM lignes x LEFT JOIN couverts c ON c.droit_stock_id = x.id
		UNION ALL
		SELECT l.reservataire_stock, l.id, NULL, 'stock', NULL, NULL, departement(l.commune), 1, NULL, l.regime
		FROM logement l
		WHERE l.bailleur = $1 AND l.reservataire_stock IS NOT NULL AND ($2 IS NULL OR l.reservataire_stock = $2)
		  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $3) AND (l.sortie IS NULL OR l.sortie > $3)
		  AND NOT EXISTS (SELECT FROM couverts c WHERE c.logement_id = l.id)
	)
	SELECT r.reservataire, l.id, l.ref, l.rpls, l.adresse, l.commune, m.nom, typologie(l.nb_pieces), l.financement, l.qpv,
		   l.annee_construction, coalesce(l.regime, r.regime), r.origine, cs.reference, r.nature, r.fin, r.contrepartie,
		   r.departement, r.nombre, r.droit_stock_id
	FROM reserves r
	LEFT JOIN logement l ON l.id = r.logement_id
	LEFT JOIN commune m ON m.code = l.commune
	LEFT JOIN convention_stock cs ON cs.id = r.origine
	ORDER BY r.reservataire COLLATE "C", r.departement COLLATE "C", l.commune NULLS LAST, l.ref COLLATE "C", r.droit_stock_id;
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_detaille(text, text, date) IS
	'the detailed état des lieux a landlord and a réservataire exchange (destinataire; all réservataires when null), on a date: the lines of droit_stock in force then (fin after it), each dwelling they cover on a row (a line built by etablir_etat_des_lieux: the dwellings affectations_stock assigns to its old convention in its département; a line on one dwelling: it) with its RPLS number, address, commune, typology, financing, QPV, construction year and regime, the old convention (reference) and the right (nature, end, counterpart); a line without identified dwellings (droits uniques, a droit de suite typed in) on one row without a dwelling, nombre its dwellings or rights; a stock-regime dwelling no line covers is its holder''s (nature stock); errors for an unknown landlord or réservataire (23503), a date out of range (22023)';

CREATE FUNCTION flux_mgmt.etat_des_lieux_communes(bailleur text, au date DEFAULT current_date)
RETURNS TABLE (departement text, commune flux_mgmt.code_insee, nom_commune text, reservataire text, nature text, typologie text,
			   logements bigint, droits numeric)
	LANGUAGE sql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
	SELECT d.departement, d.commune, d.nom_commune, d.reservataire, d.nature,
		   CASE WHEN d.logement_id IS NOT NULL THEN coalesce(d.typologie, 'non renseignée') END,
		   count(d.logement_id), sum(d.nombre) FILTER (WHERE d.logement_id IS NULL)
	FROM etat_des_lieux_detaille($1, NULL, $2) AS d
	GROUP BY d.departement, d.commune, d.nom_commune, d.reservataire, d.nature,
			 CASE WHEN d.logement_id IS NOT NULL THEN coalesce(d.typologie, 'non renseignée') END
	ORDER BY d.departement COLLATE "C", d.commune NULLS LAST, d.reservataire COLLATE "C", d.nature, 6;
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_communes(text, date) IS
	'the aggregated état des lieux a landlord sends every réservataire at once, on a date (etat_des_lieux_detaille): per département, commune, réservataire, kind of right (suite, unique, stock) and typology (non renseignée when unknown), the dwellings reserved; the lines without identified dwellings on rows of their département without commune nor typology, their dwellings or rights in droits; same errors';

-- Today's, for every landlord: what a reporting tool reads.
CREATE VIEW flux_mgmt.etat_des_lieux_logement WITH (security_invoker = true) AS
SELECT b.code AS bailleur, d.*
FROM flux_mgmt.bailleur b CROSS JOIN LATERAL flux_mgmt.etat_des_lieux_detaille(b.code, NULL, current_date) AS d;
COMMENT ON VIEW flux_mgmt.etat_des_lieux_logement IS
	'today''s detailed état des lieux of every landlord (etat_des_lieux_detaille): one row per dwelling reserved in stock; filter on bailleur and reservataire for one pair';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.reservataire IS 'holder of the stock right';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.logement_id IS 'the dwelling';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.ref IS 'the landlord''s reference of the dwelling';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.rpls IS 'RPLS identifier, when known';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.adresse IS 'postal address, when known';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.commune IS 'INSEE code of the commune';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.nom_commune IS 'its name, when the commune list is loaded';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.typologie IS 'T1 … T5+';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.financement IS 'initial financing';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.qpv IS 'in a QPV';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.annee_construction IS 'year of construction';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.regime IS 'flux (to convert) or a stock regime (never converted)';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.convention_stock_id IS 'the old stock convention it is reserved under (null: a stock-regime dwelling without one)';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.reference IS 'that convention''s reference';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.nature IS 'suite (droit de suite), unique (droits uniques) or stock (a stock-regime dwelling without a line)';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.fin IS 'end of the right, null for life';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.contrepartie IS 'what the right was granted for';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.departement IS 'département of the right';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.nombre IS '1 for a dwelling; for a line without identified dwellings, its dwellings or rights';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.droit_stock_id IS 'the line of droit_stock (null: a stock-regime dwelling without one)';

CREATE VIEW flux_mgmt.etat_des_lieux_commune WITH (security_invoker = true) AS
SELECT b.code AS bailleur, c.*
FROM flux_mgmt.bailleur b CROSS JOIN LATERAL flux_mgmt.etat_des_lieux_communes(b.code, current_date) AS c;
COMMENT ON VIEW flux_mgmt.etat_des_lieux_commune IS
	'today''s aggregated état des lieux of every landlord (etat_des_lieux_communes): per commune, réservataire, kind of right and typology, the dwellings reserved in stock';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.droits IS 'for the lines without identified dwellings (commune null): their dwellings or rights';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.commune IS 'INSEE code of the commune; null for lines without identified dwellings';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.nom_commune IS 'its name, when the commune list is loaded';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.reservataire IS 'holder of the stock rights';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.nature IS 'suite, unique or stock';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.typologie IS 'T1 … T5+, or non renseignée; null for lines without identified dwellings';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.logements IS 'dwellings reserved (identified)';

-- One CSV field: quoted (RFC 4180) when it holds ';', '"', a line end or
-- surrounding spaces; a text a spreadsheet would run as a formula (its
-- first character past spaces one of = + - @, or their full-width forms, or
-- a tab) is prefixed with a quote; control characters and bidirectional
-- overrides neutralised as in the report.
CREATE FUNCTION flux_mgmt.csv_champ(valeur text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN valeur IS NULL THEN ''
	ELSE (SELECT CASE WHEN v ~ E'[;"\\r\\n]' OR v ~ '^\s|\s$' THEN '"' || pg_catalog.replace(v, '"', '""') || '"' ELSE v END
		  FROM (SELECT CASE WHEN n ~ E'^[ ]*[=+@\\t＝＋－＠-]' THEN '''' || n ELSE n END AS v
				FROM (SELECT flux_mgmt.neutraliser_controles(valeur) AS n) AS x) AS y) END;
COMMENT ON FUNCTION flux_mgmt.csv_champ(text) IS
	'one field of the CSV files flux_mgmt writes: empty for null, quoted (RFC 4180) when it holds a separator, a quote, a line end or surrounding spaces, prefixed with a quote when a spreadsheet would read it as a formula (its first character past spaces =, +, -, @, their full-width forms, or a tab), control characters and bidirectional overrides replaced (neutraliser_controles)';

-- The état des lieux as a file: UTF-8 with a byte-order mark (so that a
-- spreadsheet reads it as UTF-8), ';'-separated, CRLF line ends (RFC 4180).
CREATE FUNCTION flux_mgmt.etat_des_lieux_csv(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	IF $2 IS NOT NULL THEN
		RETURN U&'\FEFF' || 'bailleur;reservataire;departement;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv;annee_construction;regime;reference_convention;nature;fin;contrepartie;nombre' || E'\r\n'
			|| coalesce((SELECT string_agg(concat_ws(';', csv_champ($1), csv_champ(d.reservataire), csv_champ(d.departement), csv_champ(d.ref),
													 csv_champ(d.rpls), csv_champ(d.adresse), csv_champ(d.commune::text), csv_champ(d.nom_commune),
													 csv_champ(d.typologie), csv_champ(d.financement::text),
													 CASE WHEN d.qpv THEN 'oui' WHEN NOT d.qpv THEN 'non' ELSE '' END,
													 csv_champ(d.annee_construction::text), csv_champ(d.regime::text), csv_champ(d.reference),
													 csv_champ(d.nature), csv_champ(to_char(d.fin, 'YYYY-MM-DD')), csv_champ(d.contrepartie),
													 trim_scale(d.nombre)::text), E'\r\n')
						 FROM etat_des_lieux_detaille($1, $2, $3) AS d) || E'\r\n', '');
	END IF;
	RETURN U&'\FEFF' || 'bailleur;departement;commune;nom_commune;reservataire;nature;typologie;logements;droits' || E'\r\n'
		|| coalesce((SELECT string_agg(concat_ws(';', csv_champ($1), csv_champ(c.departement), csv_champ(c.commune::text), csv_champ(c.nom_commune),
												 csv_champ(c.reservataire), csv_champ(c.nature), csv_champ(c.typologie), c.logements::text,
												 coalesce(trim_scale(c.droits)::text, '')), E'\r\n')
					 FROM etat_des_lieux_communes($1, $3) AS c) || E'\r\n', '');
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_csv(text, text, date) IS
	'the état des lieux of a landlord on a date as a CSV file (UTF-8 with a byte-order mark, '';''-separated, one header line, CRLF line ends, fields as csv_champ writes them; codes such as commune are text, import them as text): with a destinataire, the detailed one of that pair, columns bailleur;reservataire;departement;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv (oui/non);annee_construction;regime;reference_convention;nature;fin (YYYY-MM-DD, empty for life);contrepartie;nombre (1 for a dwelling; a line without identified dwellings: its dwellings or rights); without, the aggregated one, columns bailleur;departement;commune;nom_commune;reservataire;nature;typologie;logements;droits; the errors of etat_des_lieux_detaille';

CREATE FUNCTION flux_mgmt.etat_des_lieux_html(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	b flux_mgmt.bailleur;
	c record;
	html text;
	lignes jsonb;
	natures CONSTANT jsonb := '{"suite": "droit de suite", "unique": "droits uniques", "stock": "réservation en stock (défense, sécurité, santé)"}';
	typologies CONSTANT text[] := '{T1,T2,T3,T4,T5+,non renseignée}';
BEGIN
	-- computed once (it checks the arguments), then read as a recordset
	lignes := coalesce((SELECT jsonb_agg(to_jsonb(d)) FROM etat_des_lieux_detaille($1, $2, $3) AS d), '[]');
	SELECT * INTO b FROM flux_mgmt.bailleur x WHERE x.code = $1;
	html := format('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>État des lieux des réservations au %1$s — %2$s</title>'
				   '<style>%3$s</style></head><body>'
				   '<h1>État des lieux des droits de réservation au %1$s</h1>'
				   '<p>Bailleur : <strong>%2$s</strong> (%4$s%5$s). %6$s Établi le %7$s par flux_mgmt à partir des droits de réservation en stock '
				   '(flux_mgmt.droit_stock), avant leur conversion en flux.</p>',
				   to_char($3, 'DD/MM/YYYY'), echapper_html(b.nom), style_html(), echapper_html(b.code),
				   coalesce(', SIREN ' || echapper_html(b.siren), ''),
				   CASE WHEN $2 IS NULL THEN 'État des lieux agrégé à l''échelle communale, adressé à chaque réservataire.'
						ELSE format('État des lieux détaillé échangé avec %s.', echapper_html(nom_beneficiaire($2))) END,
				   to_char(current_date, 'DD/MM/YYYY'));
	-- per commune (the pair's, or each with every réservataire): kind of right by typology
	FOR c IN SELECT DISTINCT x.departement, x.commune, x.nom_commune
			 FROM jsonb_to_recordset(lignes) AS x(departement text, commune text, nom_commune text, logement_id bigint)
			 WHERE x.logement_id IS NOT NULL ORDER BY x.departement, x.commune LOOP
		html := html || format('<h3>%s</h3>', echapper_html(coalesce(c.nom_commune || ' (' || c.commune || ')', c.commune)))
			|| html_tableau(ARRAY['Réservataire', 'Droit'] || typologies || ARRAY['Total'],
							(SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(g.reservataire), coalesce(natures ->> g.nature, g.nature))
											  || (SELECT jsonb_agg(coalesce((g.par_typologie ->> t)::bigint, 0) ORDER BY i)
												  FROM unnest(typologies) WITH ORDINALITY AS u(t, i))
											  || jsonb_build_array(g.total)
											  ORDER BY g.reservataire COLLATE "C", g.nature)
							 FROM (SELECT y.reservataire, y.nature, jsonb_object_agg(y.typologie, y.n) AS par_typologie, sum(y.n) AS total
								   FROM (SELECT x.reservataire, x.nature, coalesce(x.typologie, 'non renseignée') AS typologie, count(*) AS n
										 FROM jsonb_to_recordset(lignes) AS x(reservataire text, nature text, typologie text, commune text, logement_id bigint)
										 WHERE x.commune = c.commune AND x.logement_id IS NOT NULL
										 GROUP BY 1, 2, 3) AS y
								   GROUP BY y.reservataire, y.nature) AS g));
	END LOOP;
	-- the lines without identified dwellings
	IF EXISTS (SELECT FROM jsonb_to_recordset(lignes) AS x(logement_id bigint) WHERE x.logement_id IS NULL) THEN
		html := html || '<h3>Droits sans logement identifié</h3>'
			|| html_tableau(ARRAY['Réservataire', 'Département', 'Droit', 'Logements ou droits', 'Fin', 'Contrepartie'],
							(SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(x.reservataire), x.departement, coalesce(natures ->> x.nature, x.nature),
																x.nombre, coalesce(to_char(x.fin, 'DD/MM/YYYY'), 'sans fin'), x.contrepartie)
											  ORDER BY x.reservataire COLLATE "C", x.departement, x.droit_stock_id)
							 FROM jsonb_to_recordset(lignes) AS x(reservataire text, departement text, nature text, nombre numeric, fin date,
																  contrepartie text, droit_stock_id bigint, logement_id bigint)
							 WHERE x.logement_id IS NULL));
	END IF;
	IF $2 IS NOT NULL THEN
		html := html || '<h2>Logements réservés, un par un</h2>'
			|| html_tableau(ARRAY['Référence', 'N° RPLS', 'Adresse', 'Commune', 'Typologie', 'Financement', 'QPV', 'Construction',
								  'Régime', 'Convention', 'Droit', 'Fin', 'Contrepartie'],
							(SELECT jsonb_agg(jsonb_build_array(x.ref, x.rpls, x.adresse, coalesce(x.nom_commune, x.commune), x.typologie,
																upper(x.financement), x.qpv, x.annee_construction::text, x.regime,
																x.reference, coalesce(natures ->> x.nature, x.nature),
																coalesce(to_char(x.fin, 'DD/MM/YYYY'), 'sans fin'), x.contrepartie)
											  ORDER BY x.commune, x.ref COLLATE "C")
							 FROM jsonb_to_recordset(lignes) AS x(ref text, rpls text, adresse text, commune text, nom_commune text, typologie text,
																  financement text, qpv boolean, annee_construction integer, regime text,
																  reference text, nature text, fin date, contrepartie text, logement_id bigint)
							 WHERE x.logement_id IS NOT NULL));
	END IF;
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_html(text, text, date) IS
	'the état des lieux of a landlord on a date as a self-contained HTML document in French, in the style of the yearly report (style_html, printable): per commune each réservataire''s reserved dwellings by kind of right and typology (with a destinataire, only its own), the rights without identified dwellings, and with a destinataire its dwellings one by one (RPLS number, address, characteristics, old convention, right); names escaped; the errors of etat_des_lieux_detaille';
