-- flux_mgmt install script, part 85_rapport: the yearly report.
--
-- rapport_annuel: the HTML report of CCH R441-5-1 and its pieces (escaping, tables, SVG chart).
-- (sql/src/*.sql are concatenated in name order into the install script.)

-- The yearly report (DOMAIN §3.8) as a self-contained HTML document, and
-- the export of one réservataire's figures.  The document is built from
-- small pieces: escaped text, tables from jsonb rows, an SVG bar chart.

-- Names come from the users' data.  Control characters (C0 but tab and line
-- feed, DEL, C1) and the bidirectional overrides and isolates (U+202A-U+202E,
-- U+2066-U+2069) would reach the report or a réservataire's systems raw: an
-- RLO (U+202E) shows what follows it backwards, figures included, and an
-- escape or C1 character garbles a terminal.  They become U+FFFD, the
-- replacement character, which shows that something was there.
CREATE FUNCTION flux_mgmt.neutraliser_controles(texte text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.regexp_replace(texte, '[\x01-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]', U&'\FFFD', 'g');
COMMENT ON FUNCTION flux_mgmt.neutraliser_controles(text) IS
	'the text with every control character (C0 but tab and line feed, DEL, C1) and every bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069) replaced by U+FFFD';

CREATE FUNCTION flux_mgmt.echapper_html(texte text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
	flux_mgmt.neutraliser_controles(texte), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION flux_mgmt.echapper_html(text) IS
	'the text with & < > " and '' written as HTML (and XML) character references, safe in element content and quoted attributes, and its control characters and bidirectional overrides replaced by U+FFFD (neutraliser_controles)';

CREATE FUNCTION flux_mgmt.nombre_fr(nombre numeric) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT pg_catalog.regexp_replace(pg_catalog.split_part(x.t, '.', 1), '(\d)(?=(\d{3})+$)', E'\\1\u202F', 'g')
			   || CASE WHEN pg_catalog.strpos(x.t, '.') > 0 THEN ',' || pg_catalog.split_part(x.t, '.', 2) ELSE '' END
		FROM (SELECT pg_catalog.trim_scale(nombre)::text AS t) AS x);
COMMENT ON FUNCTION flux_mgmt.nombre_fr(numeric) IS
	'a number written the French way: decimal comma, thousands separated by a narrow no-break space (12 345,5)';

-- One table cell from a jsonb value: numbers right-aligned in French, null
-- as a dash, anything else as escaped text.
CREATE FUNCTION flux_mgmt.html_cellule(valeur jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE pg_catalog.jsonb_typeof(valeur)
	WHEN 'number' THEN '<td class="n">' || flux_mgmt.nombre_fr((valeur #>> '{}')::numeric) || '</td>'
	WHEN 'string' THEN '<td>' || flux_mgmt.echapper_html(valeur #>> '{}') || '</td>'
	WHEN 'boolean' THEN '<td>' || CASE WHEN (valeur #>> '{}')::boolean THEN 'oui' ELSE 'non' END || '</td>'
	ELSE '<td class="n">—</td>' END;
COMMENT ON FUNCTION flux_mgmt.html_cellule(jsonb) IS
	'an HTML table cell from a jsonb value: a number in French (right-aligned), a string escaped, a boolean as oui/non, null or missing as a dash';

CREATE FUNCTION flux_mgmt.html_tableau(entetes text[], lignes jsonb, legende text DEFAULT NULL) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '<table>' || coalesce('<caption>' || flux_mgmt.echapper_html(legende) || '</caption>', '')
	|| '<thead><tr>'
	|| (SELECT pg_catalog.string_agg('<th>' || flux_mgmt.echapper_html(e.titre) || '</th>', '' ORDER BY e.i)
		FROM unnest(entetes) WITH ORDINALITY AS e(titre, i))
	|| '</tr></thead><tbody>'
	|| coalesce((SELECT pg_catalog.string_agg(
					 '<tr>' || (SELECT pg_catalog.string_agg(flux_mgmt.html_cellule(c.valeur), '' ORDER BY c.j)
								FROM pg_catalog.jsonb_array_elements(l.ligne) WITH ORDINALITY AS c(valeur, j)) || '</tr>',
					 '' ORDER BY l.i)
				 FROM pg_catalog.jsonb_array_elements(lignes) WITH ORDINALITY AS l(ligne, i)
				 WHERE pg_catalog.jsonb_array_length(l.ligne) > 0),
				'<tr><td class="vide" colspan="' || pg_catalog.cardinality(entetes) || '">aucune donnée</td></tr>')
	|| '</tbody></table>';
COMMENT ON FUNCTION flux_mgmt.html_tableau(text[], jsonb, text) IS
	'an HTML table: escaped headers, one row per element of lignes (a jsonb array of arrays of cells, see html_cellule), "aucune donnée" when there is none; legende becomes the caption';

-- Entitlement versus charged per réservataire, horizontal bars: lignes is a
-- jsonb array of [label, droit, decomptes].
CREATE FUNCTION flux_mgmt.svg_droits_decomptes(lignes jsonb, titre text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH l AS (
		SELECT x.i, x.ligne ->> 0 AS libelle, coalesce((x.ligne ->> 1)::numeric, 0) AS droit,
			   coalesce((x.ligne ->> 2)::numeric, 0) AS decomptes
		FROM pg_catalog.jsonb_array_elements(lignes) WITH ORDINALITY AS x(ligne, i)
	), e AS (
		SELECT greatest(1, max(greatest(l.droit, l.decomptes))) AS maximum, count(*) AS n FROM l
	)
	SELECT pg_catalog.format(
		'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="960" height="%s" viewBox="0 0 960 %s">'
		'<title>%s</title>'
		'<rect x="300" y="8" width="14" height="10" fill="#9dbcd4"/><text x="320" y="17" class="legende">droit</text>'
		'<rect x="380" y="8" width="14" height="10" fill="#1f4e79"/><text x="400" y="17" class="legende">décomptés</text>'
		'<line x1="300" y1="28" x2="300" y2="%s" stroke="#444" stroke-width="1"/>%s</svg>',
		48 + e.n * 36, 48 + e.n * 36, flux_mgmt.echapper_html(titre), 36 + e.n * 36,
		coalesce((SELECT pg_catalog.string_agg(pg_catalog.format(
			'<text x="292" y="%s" text-anchor="end">%s</text>'
			'<rect x="300" y="%s" width="%s" height="13" fill="#9dbcd4"/>'
			'<text x="%s" y="%s" class="valeur">%s</text>'
			'<rect x="300" y="%s" width="%s" height="13" fill="#1f4e79"/>'
			'<text x="%s" y="%s" class="valeur">%s</text>',
			32 + l.i * 36 - 10, flux_mgmt.echapper_html(CASE WHEN length(l.libelle) > 40 THEN left(l.libelle, 39) || '…' ELSE l.libelle END),
			32 + (l.i - 1) * 36 + 4, round(580 * l.droit / e.maximum, 1),
			306 + round(580 * l.droit / e.maximum, 1), 32 + (l.i - 1) * 36 + 15, flux_mgmt.nombre_fr(round(l.droit, 2)),
			32 + (l.i - 1) * 36 + 18, round(580 * l.decomptes / e.maximum, 1),
			306 + round(580 * l.decomptes / e.maximum, 1), 32 + (l.i - 1) * 36 + 29, flux_mgmt.nombre_fr(l.decomptes)),
			'' ORDER BY l.i) FROM l), ''))
	FROM e;
END;
COMMENT ON FUNCTION flux_mgmt.svg_droits_decomptes(jsonb, text) IS
	'an inline SVG bar chart of entitlement (light) versus charged (dark) per row of lignes, a jsonb array of [label, droit, decomptes]; labels escaped and cut at 40 characters';

-- The name a report gives a beneficiary.
CREATE FUNCTION flux_mgmt.nom_beneficiaire(reservataire text) RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN $1 IS NULL THEN 'Contingent propre du bailleur'
			ELSE coalesce((SELECT r.nom || ' (' || r.code || ')' FROM flux_mgmt.reservataire r WHERE r.code = $1), $1) END;
COMMENT ON FUNCTION flux_mgmt.nom_beneficiaire(text) IS
	'how the reports name a beneficiary: "name (code)" for a réservataire, "Contingent propre du bailleur" for null (the pool)';

-- The départements a landlord's report of a year covers: those with
-- counters that year, conventions in force that year or the next, or
-- forecasts for either.
CREATE FUNCTION flux_mgmt.departements_du_rapport(bailleur text, annee integer)
RETURNS SETOF text
	LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
	SELECT d.departement FROM (
		SELECT flux_mgmt.departement(k.commune) AS departement FROM flux_mgmt.compteur k
		WHERE k.bailleur = $1 AND k.annee = $2
		UNION SELECT c.departement FROM flux_mgmt.convention c
		WHERE c.bailleur = $1 AND c.annee_debut <= $2 + 1 AND coalesce(c.annee_fin, 9999) >= $2
		UNION SELECT r.departement FROM flux_mgmt.rotation r WHERE r.bailleur = $1 AND r.annee IN ($2, $2 + 1)
		UNION SELECT s.departement FROM flux_mgmt.soustraction_prevue s WHERE s.bailleur = $1 AND s.annee IN ($2, $2 + 1)
		UNION SELECT m.departement FROM flux_mgmt.mise_en_service_prevue m WHERE m.bailleur = $1 AND m.annee IN ($2, $2 + 1)
	) AS d
	ORDER BY d.departement COLLATE "C";
END;
COMMENT ON FUNCTION flux_mgmt.departements_du_rapport(text, integer) IS
	'the départements the yearly report of a landlord covers: counters of the year, conventions in force that year or the next, forecasts (rotation, first lettings, subtractions) of either; no argument check';

-- The arguments of the reports: a landlord that exists, a calendar year
-- where it has something to report.
CREATE FUNCTION flux_mgmt.exiger_rapport(bailleur text, annee integer, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(
			format('year %s in %s is out of range', annee, contexte),
			NULL,
			'Give the calendar year reported on, such as 2025 for the report sent before 28 February 2026.',
			'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM departements_du_rapport(bailleur, annee)) THEN
		PERFORM refuser(
			format('landlord %L has nothing to report for %s', bailleur, annee),
			'It has no orientation or lease counted that year, no convention in force that year or the next, and no forecast for either.',
			'Check the year: it is the year reported on (N-1 for the report sent before 28 February of N).',
			'foreign_key_violation');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_rapport(text, integer, text) IS
	'raises the error of the first invalid argument of a report: unknown landlord (23503), year outside 1900-2199 (22023), a year with nothing to report (23503)';

-- The forecast of the next year in one département, as HTML: the flux and
-- the shares, or what is missing to compute them.
CREATE FUNCTION flux_mgmt.html_flux_previsionnel(bailleur text, departement text, annee integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	parts jsonb;
	message text;
	conseil text;
BEGIN
	BEGIN
		SELECT * INTO f FROM flux_previsionnel(bailleur, departement, annee);
		SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(p.reservataire), p.taux, round(p.droit, 2), p.droit_entier))
		INTO parts
		FROM parts_annuelles(bailleur, departement, annee) AS p;
	EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
		-- a missing rotation rate, a negative flux, a figure too large to
		-- compute with (one written before its bound existed): say so in the
		-- report rather than fail it whole
		GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, conseil = PG_EXCEPTION_HINT;
		IF SQLSTATE = '22003' THEN
			conseil := format('Un chiffre prévu pour %s est hors des bornes : vérifiez flux_mgmt.mise_en_service_prevue et flux_mgmt.soustraction_prevue (au plus 1 000 000 logements par ligne) et flux_mgmt.rotation du département %s.',
							  annee, departement);
		END IF;
		RETURN format('<p class="alerte">Flux prévisionnel %s non calculable : %s.</p><p class="conseil">%s</p>',
					  annee, echapper_html(message), echapper_html(conseil));
	END;
	RETURN html_tableau(
			   ARRAY['Assiette au 1er janvier', 'Taux de rotation (%)', 'Relocations', 'Mises en service', 'Soustractions prévues', 'Flux net'],
			   jsonb_build_array(jsonb_build_array(f.assiette, f.taux_rotation, f.relocations, f.mises_en_service, f.soustractions, f.flux_net)),
			   format('Flux prévisionnel %s', annee))
		|| html_tableau(ARRAY['Réservataire', 'Part (%)', 'Droit', 'Logements'], parts,
						format('Droits prévisionnels %s par réservataire', annee));
END
$$;
COMMENT ON FUNCTION flux_mgmt.html_flux_previsionnel(text, text, integer) IS
	'the forecast flux and shares of a landlord in a département for a year as HTML tables (flux_previsionnel, parts_annuelles); when they cannot be computed (no rotation rate, a negative flux, a figure out of range) a paragraph gives the reason and the hint instead of an error';

-- The style of the documents flux_mgmt writes (the yearly report, the état
-- des lieux): on screen, and printed (a PDF, @media print): A4, each
-- section from a new page (the first after the title), a page per
-- réservataire's breakdown, table headers repeated on every page, no row
-- cut in two.
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

CREATE FUNCTION flux_mgmt.rapport_annuel(bailleur text, annee integer) RETURNS text
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

