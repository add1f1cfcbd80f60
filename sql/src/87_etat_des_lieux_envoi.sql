-- flux_mgmt install script, part 87_etat_des_lieux_envoi: the état des lieux
-- in its two levels, as the landlord sends it (DRIHL/AORIF frame, "Zoom sur
-- l'état des lieux"; DOMAIN §3.4).
--
-- The detailed one, exchanged by each landlord × réservataire pair: per
-- dwelling, its RPLS number, address and main characteristics, and the stock
-- convention it is reserved under (reference, kind of right, end,
-- counterpart).  The aggregated one, at commune scale, sent to every
-- réservataire at once: per commune, the reserved dwellings of each
-- réservataire and kind of right, by typology.  Both as functions of a date
-- and views of today, and as files: CSV (documented header) and HTML (the
-- yearly report's style).
-- (sql/src/*.sql are concatenated in name order into the install script.)

-- The dwellings reserved in stock on a date: each dwelling owned then goes to
-- the old droit de suite selecting it most precisely, alone at that rank
-- (affectations_stock, as etablir_etat_des_lieux writes it), unless that
-- convention has ended by then; a stock-regime dwelling (defence, security,
-- health) selected by none is its holder's, without a convention.
CREATE FUNCTION flux_mgmt.etat_des_lieux_detaille(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS TABLE (reservataire text, logement_id bigint, ref text, rpls text, adresse text, commune flux_mgmt.code_insee,
			   nom_commune text, typologie text, financement flux_mgmt.financement, qpv boolean, annee_construction smallint,
			   regime flux_mgmt.regime, convention_stock_id bigint, reference text, nature text, fin date, contrepartie text)
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	IF $2 IS NOT NULL THEN
		PERFORM exiger_reservataire($2, 'etat_des_lieux_detaille');
	END IF;
	IF $3 IS NULL OR $3 NOT BETWEEN '1900-01-01' AND '2200-12-31' THEN
		PERFORM refuser(format('date %s of the état des lieux is out of range', coalesce($3::text, 'null')), NULL,
						'Give the date the état des lieux describes, such as 2026-01-01.', 'invalid_parameter_value');
	END IF;
	RETURN QUERY
	WITH affectes AS (
		SELECT a.logement_id, min(a.convention_stock_id) AS cs_id
		FROM affectations_stock($1, $3) AS a WHERE a.rang = 1
		GROUP BY a.logement_id HAVING count(*) = 1
	), reserves AS (
		SELECT cs.reservataire, f.logement_id, cs.id AS cs_id, cs.reference, cs.nature, cs.fin, cs.contrepartie
		FROM affectes f JOIN convention_stock cs ON cs.id = f.cs_id
		WHERE cs.fin IS NULL OR cs.fin > $3
		UNION ALL
		SELECT l.reservataire_stock, l.id, NULL, NULL, 'stock', NULL, NULL
		FROM logement l
		WHERE l.bailleur = $1 AND l.reservataire_stock IS NOT NULL
		  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $3) AND (l.sortie IS NULL OR l.sortie > $3)
		  AND NOT EXISTS (SELECT FROM affectes f WHERE f.logement_id = l.id)
	)
	SELECT r.reservataire, l.id, l.ref, l.rpls, l.adresse, l.commune, m.nom, typologie(l.nb_pieces), l.financement, l.qpv,
		   l.annee_construction, l.regime, r.cs_id, r.reference, r.nature, r.fin, r.contrepartie
	FROM reserves r
	JOIN logement l ON l.id = r.logement_id
	LEFT JOIN commune m ON m.code = l.commune
	WHERE $2 IS NULL OR r.reservataire = $2
	ORDER BY r.reservataire COLLATE "C", l.commune, l.ref COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_detaille(text, text, date) IS
	'the detailed état des lieux a landlord and a réservataire exchange (all réservataires when null), on a date: per dwelling reserved in stock, its RPLS number, address, commune, typology, financing, QPV, construction year and regime, and the stock convention it is reserved under (convention_stock: reference, nature suite, end, counterpart), the one etablir_etat_des_lieux() assigns it to, unless ended by then; a stock-regime dwelling no convention selects is its holder''s (nature stock); droits uniques, attached to no dwelling, are not listed; errors for an unknown landlord or réservataire (23503), a date out of range (22023)';

CREATE FUNCTION flux_mgmt.etat_des_lieux_communes(bailleur text, au date DEFAULT current_date)
RETURNS TABLE (commune flux_mgmt.code_insee, nom_commune text, reservataire text, nature text, typologie text, logements bigint)
	LANGUAGE sql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
	SELECT d.commune, d.nom_commune, d.reservataire, d.nature, coalesce(d.typologie, 'non renseignée'), count(*)
	FROM etat_des_lieux_detaille($1, NULL, $2) AS d
	GROUP BY d.commune, d.nom_commune, d.reservataire, d.nature, coalesce(d.typologie, 'non renseignée')
	ORDER BY d.commune, d.reservataire COLLATE "C", d.nature, coalesce(d.typologie, 'non renseignée');
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_communes(text, date) IS
	'the aggregated état des lieux a landlord sends every réservataire at once, on a date: per commune, réservataire, kind of right (suite, unique is not per dwelling, stock) and typology (non renseignée when unknown), the dwellings reserved (etat_des_lieux_detaille); same errors';

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
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.nature IS 'suite (droit de suite) or stock (a stock-regime dwelling without a convention)';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.fin IS 'end of the right, null for life';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_logement.contrepartie IS 'what the right was granted for';

CREATE VIEW flux_mgmt.etat_des_lieux_commune WITH (security_invoker = true) AS
SELECT b.code AS bailleur, c.*
FROM flux_mgmt.bailleur b CROSS JOIN LATERAL flux_mgmt.etat_des_lieux_communes(b.code, current_date) AS c;
COMMENT ON VIEW flux_mgmt.etat_des_lieux_commune IS
	'today''s aggregated état des lieux of every landlord (etat_des_lieux_communes): per commune, réservataire, kind of right and typology, the dwellings reserved in stock';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.commune IS 'INSEE code of the commune';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.nom_commune IS 'its name, when the commune list is loaded';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.reservataire IS 'holder of the stock rights';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.nature IS 'suite or stock';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.typologie IS 'T1 … T5+, or non renseignée';
COMMENT ON COLUMN flux_mgmt.etat_des_lieux_commune.logements IS 'dwellings reserved';

-- One CSV field: ';'-separated, quoted (RFC 4180) when it holds ';', '"', a
-- line end or surrounding spaces; a text a spreadsheet would run as a
-- formula (=, +, -, @, tab, CR first) is prefixed with a quote; control
-- characters and bidirectional overrides neutralised as in the report.
CREATE FUNCTION flux_mgmt.csv_champ(valeur text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN valeur IS NULL THEN ''
	ELSE (SELECT CASE WHEN v ~ E'[;"\\r\\n]' OR v ~ '^\s|\s$' THEN '"' || pg_catalog.replace(v, '"', '""') || '"' ELSE v END
		  FROM (SELECT CASE WHEN n ~ E'^[=+@\\t\\r-]' THEN '''' || n ELSE n END AS v
				FROM (SELECT flux_mgmt.neutraliser_controles(valeur) AS n) AS x) AS y) END;
COMMENT ON FUNCTION flux_mgmt.csv_champ(text) IS
	'one field of the CSV files flux_mgmt writes: empty for null, quoted (RFC 4180) when it holds a separator, a quote, a line end or surrounding spaces, prefixed with a quote when a spreadsheet would read it as a formula (=, +, -, @, tab, CR), control characters and bidirectional overrides replaced (neutraliser_controles)';

CREATE FUNCTION flux_mgmt.etat_des_lieux_csv(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	IF $2 IS NOT NULL THEN
		RETURN 'bailleur;reservataire;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv;annee_construction;regime;reference_convention;nature;fin;contrepartie' || E'\n'
			|| coalesce((SELECT string_agg(concat_ws(';', csv_champ($1), csv_champ(d.reservataire), csv_champ(d.ref), csv_champ(d.rpls),
													 csv_champ(d.adresse), csv_champ(d.commune::text), csv_champ(d.nom_commune),
													 csv_champ(d.typologie), csv_champ(d.financement::text),
													 CASE WHEN d.qpv THEN 'oui' ELSE 'non' END, csv_champ(d.annee_construction::text),
													 csv_champ(d.regime::text), csv_champ(d.reference), csv_champ(d.nature),
													 csv_champ(d.fin::text), csv_champ(d.contrepartie)), E'\n')
						 FROM etat_des_lieux_detaille($1, $2, $3) AS d) || E'\n', '');
	END IF;
	RETURN 'bailleur;commune;nom_commune;reservataire;nature;typologie;logements' || E'\n'
		|| coalesce((SELECT string_agg(concat_ws(';', csv_champ($1), csv_champ(c.commune::text), csv_champ(c.nom_commune),
												 csv_champ(c.reservataire), csv_champ(c.nature), csv_champ(c.typologie), c.logements::text), E'\n')
					 FROM etat_des_lieux_communes($1, $3) AS c) || E'\n', '');
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_csv(text, text, date) IS
	'the état des lieux of a landlord on a date as a CSV file (UTF-8, '';''-separated, one header line, LF line ends, fields as csv_champ writes them): with a réservataire, the detailed one of that pair, columns bailleur;reservataire;ref;rpls;adresse;commune;nom_commune;typologie;financement;qpv (oui/non);annee_construction;regime;reference_convention;nature;fin (YYYY-MM-DD, empty for life);contrepartie; without, the aggregated one by commune, columns bailleur;commune;nom_commune;reservataire;nature;typologie;logements; the errors of etat_des_lieux_detaille';

CREATE FUNCTION flux_mgmt.etat_des_lieux_html(bailleur text, destinataire text DEFAULT NULL, au date DEFAULT current_date)
RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	b flux_mgmt.bailleur;
	c record;
	html text;
	natures CONSTANT jsonb := '{"suite": "droit de suite", "stock": "réservation en stock (défense, sécurité, santé)"}';
	typologies CONSTANT text[] := '{T1,T2,T3,T4,T5+,non renseignée}';
BEGIN
	PERFORM etat_des_lieux_detaille($1, $2, $3);	-- the arguments' errors
	SELECT * INTO b FROM flux_mgmt.bailleur x WHERE x.code = $1;
	html := format('<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>État des lieux des réservations au %1$s — %2$s</title>'
				   '<style>%3$s</style></head><body>'
				   '<h1>État des lieux des droits de réservation au %1$s</h1>'
				   '<p>Bailleur : <strong>%2$s</strong> (%4$s%5$s). %6$s Établi le %7$s par flux_mgmt à partir du patrimoine (RPLS) '
				   'et des conventions de réservation en stock, avant leur conversion en flux.</p>',
				   to_char($3, 'DD/MM/YYYY'), echapper_html(b.nom), style_html(), echapper_html(b.code),
				   coalesce(', SIREN ' || echapper_html(b.siren), ''),
				   CASE WHEN $2 IS NULL THEN 'État des lieux agrégé à l''échelle communale, adressé à chaque réservataire.'
						ELSE format('État des lieux détaillé échangé avec %s.', echapper_html(nom_beneficiaire($2))) END,
				   to_char(current_date, 'DD/MM/YYYY'));
	IF $2 IS NULL THEN
		-- per commune: réservataire and kind of right by typology
		FOR c IN SELECT DISTINCT x.commune, x.nom_commune FROM etat_des_lieux_communes($1, $3) AS x ORDER BY x.commune LOOP
			html := html || format('<h3>%s</h3>', echapper_html(coalesce(c.nom_commune || ' (' || c.commune || ')', c.commune::text)))
				|| html_tableau(ARRAY['Réservataire', 'Droit'] || typologies || ARRAY['Total'],
								(SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(g.reservataire), coalesce(natures ->> g.nature, g.nature))
												  || (SELECT jsonb_agg(coalesce((g.par_typologie ->> t)::bigint, 0) ORDER BY i)
													  FROM unnest(typologies) WITH ORDINALITY AS u(t, i))
												  || jsonb_build_array(g.total)
												  ORDER BY g.reservataire COLLATE "C", g.nature)
								 FROM (SELECT x.reservataire, x.nature, jsonb_object_agg(x.typologie, x.logements) AS par_typologie,
											  sum(x.logements) AS total
									   FROM etat_des_lieux_communes($1, $3) AS x WHERE x.commune = c.commune
									   GROUP BY x.reservataire, x.nature) AS g));
		END LOOP;
		RETURN html || '</body></html>';
	END IF;
	html := html || '<h2>Logements réservés, par commune</h2>'
		|| html_tableau(ARRAY['Commune', 'Droit'] || typologies || ARRAY['Total'],
						(SELECT jsonb_agg(jsonb_build_array(coalesce(g.nom_commune || ' (' || g.commune || ')', g.commune::text),
															coalesce(natures ->> g.nature, g.nature))
										  || (SELECT jsonb_agg(coalesce((g.par_typologie ->> t)::bigint, 0) ORDER BY i)
											  FROM unnest(typologies) WITH ORDINALITY AS u(t, i))
										  || jsonb_build_array(g.total)
										  ORDER BY g.commune, g.nature)
						 FROM (SELECT x.commune, x.nom_commune, x.nature, jsonb_object_agg(x.typologie, x.logements) AS par_typologie,
									  sum(x.logements) AS total
							   FROM etat_des_lieux_communes($1, $3) AS x WHERE x.reservataire = $2
							   GROUP BY x.commune, x.nom_commune, x.nature) AS g))
		|| '<h2>Logements réservés, un par un</h2>'
		|| html_tableau(ARRAY['Référence', 'N° RPLS', 'Adresse', 'Commune', 'Typologie', 'Financement', 'QPV', 'Construction',
							  'Régime', 'Convention', 'Droit', 'Fin', 'Contrepartie'],
						(SELECT jsonb_agg(jsonb_build_array(d.ref, d.rpls, d.adresse, coalesce(d.nom_commune, d.commune::text), d.typologie,
															upper(d.financement::text), d.qpv, d.annee_construction::text, d.regime,
															d.reference, coalesce(natures ->> d.nature, d.nature),
															coalesce(to_char(d.fin, 'DD/MM/YYYY'), 'sans fin'), d.contrepartie)
										  ORDER BY d.commune, d.ref COLLATE "C")
						 FROM etat_des_lieux_detaille($1, $2, $3) AS d));
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.etat_des_lieux_html(text, text, date) IS
	'the état des lieux of a landlord on a date as a self-contained HTML document in French, in the style of the yearly report (style_html, printable): with a réservataire, the detailed one of that pair (its dwellings by commune, kind of right and typology, then one by one with RPLS number, address, characteristics and stock convention); without, the aggregated one by commune (each réservataire and kind of right by typology); names escaped; the errors of etat_des_lieux_detaille';
