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
