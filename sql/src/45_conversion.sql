-- flux_mgmt install script, part 45_conversion: conversion of stock into flux.
--
-- DOMAIN §3.4, second half: the conversion's steps, its record, the conventions it writes and
-- their consumption.
-- (sql/src/*.sql are concatenated in name order into the install script.)

-- The checks every reader of a conversion makes first.
CREATE FUNCTION flux_mgmt.exiger_conversion(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_portee(bailleur, departement, extract(year FROM date_conversion)::integer, 'convertir_stock');
	PERFORM flux_mgmt.exiger_fini(flux_reference, 'reference flux', format('the conversion of landlord %L in département %s', bailleur, departement));
	IF flux_reference IS NOT NULL AND NOT flux_reference > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('reference flux %s of the conversion is not positive', flux_reference),
			'Converted volumes become shares of the landlord''s annual flux of the reference year (DOMAIN §3.4).',
			format('Pass the forecast flux of the reference year: SELECT flux_net FROM flux_mgmt.flux_previsionnel(%L, %L, %s).',
				   bailleur, departement, extract(year FROM date_conversion)),
			'invalid_parameter_value');
	END IF;
	IF horizon_unique NOT BETWEEN 1 AND 100 THEN
		PERFORM flux_mgmt.refuser(
			format('horizon of %s years for single-use rights is out of range', horizon_unique),
			NULL,
			'Give the number of years over which droits uniques without an end are spread, from 1 to 100 (default 5).',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_conversion(text, text, date, numeric, integer) IS
	'raises the error of the first invalid argument of a conversion: unknown landlord (23503), invalid département, a year outside 1900-2200, a reference flux NaN, infinite or not above 0 (null: not checked), a horizon outside 1-100 years (22023)';

CREATE FUNCTION flux_mgmt.detail_conversion(bailleur text, departement text, date_conversion date, horizon_unique integer DEFAULT 5)
RETURNS TABLE (droit_id bigint, reservataire text, nature text, nombre numeric, fin date, regime flux_mgmt.regime,
			   traitement text, taux_rotation numeric, annees numeric, volume_annuel numeric, droits_uniques numeric,
			   echeance date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	taux_bailleur numeric;
	sans_taux bigint;
BEGIN
	PERFORM exiger_conversion($1, $2, $3, NULL, $4);
	SELECT r.taux INTO taux_bailleur
	FROM rotation r WHERE r.bailleur = $1 AND r.departement = $2 AND r.annee = annee_conversion;
	IF NOT FOUND THEN
		SELECT count(*) INTO sans_taux
		FROM droit_stock s
		WHERE s.bailleur = $1 AND s.departement = $2 AND s.nature = 'suite' AND s.regime = 'flux'
		  AND s.taux_rotation IS NULL AND (s.fin IS NULL OR s.fin > $3);
		IF sans_taux > 0 THEN
			PERFORM refuser(
				format('no rotation rate for landlord %L in département %s in %s', $1, $2, annee_conversion),
				format('A droit de suite converts into dwellings × rotation rate per year (DOMAIN §3.4); %s of them have no rate of their own (droit_stock.taux_rotation).', sans_taux),
				format('Add the landlord''s rate of the conversion year, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (%L, %L, %s, %s);',
					   $1, $2, annee_conversion, taux_rotation_reference($2)),
				'foreign_key_violation');
		END IF;
	END IF;

	RETURN QUERY
	WITH l AS (
		SELECT s.*,
			   CASE WHEN s.fin <= $3 THEN 'expire'
					WHEN s.regime <> 'flux' THEN 'stock'
					WHEN s.nature = 'unique' THEN 'unique'
					WHEN s.fin IS NULL THEN 'permanent'
					ELSE 'limite' END AS traitement
		FROM droit_stock s
		WHERE s.bailleur = $1 AND s.departement = $2
	), par_typologie AS MATERIALIZED (
		-- the rates per typology the parties agreed on for the conversion year, if any
		SELECT rt.typologie, rt.taux FROM rotation_typologie rt
		WHERE rt.bailleur = $1 AND rt.departement = $2 AND rt.annee = annee_conversion
	), affectes AS MATERIALIZED (
		-- then the dwellings each line of the état des lieux covers on the date
		SELECT a.logement_id, min(a.convention_stock_id) AS origine
		FROM affectations_stock($1, $3) AS a
		WHERE a.rang = 1 AND EXISTS (SELECT FROM par_typologie)
		GROUP BY a.logement_id HAVING count(*) = 1
	), c AS (
		SELECT l.*,
			   CASE WHEN l.traitement IN ('permanent', 'limite') THEN coalesce(l.taux_rotation, t.taux, taux_bailleur) END AS taux_r,
			   CASE WHEN l.traitement = 'limite' OR (l.traitement = 'unique' AND l.fin IS NOT NULL) THEN l.fin
					WHEN l.traitement = 'unique' THEN ($3 + make_interval(years => $4))::date END AS terme
		FROM l
		-- the line's dwellings, each at the rate of its typology (the landlord's when it has none)
		LEFT JOIN LATERAL (
			SELECT trim_scale(sum(coalesce(p.taux, taux_bailleur)) / count(*)) AS taux
			FROM (SELECT l.logement_id AS id WHERE l.logement_id IS NOT NULL
				  UNION ALL
				  SELECT f.logement_id FROM affectes f WHERE l.logement_id IS NULL AND f.origine = l.origine) AS d
			JOIN logement g ON g.id = d.id AND departement(g.commune) = l.departement
			LEFT JOIN par_typologie p ON p.typologie = typologie(g.nb_pieces)
			WHERE EXISTS (SELECT FROM par_typologie)
			HAVING count(*) > 0
		) AS t ON l.traitement IN ('permanent', 'limite') AND l.taux_rotation IS NULL
	)
	SELECT c.id, c.reservataire, c.nature, c.nombre, c.fin, c.regime, c.traitement, c.taux_r,
		   CASE WHEN c.traitement = 'unique' AND c.fin IS NULL THEN $4::numeric
				WHEN c.terme IS NOT NULL THEN trim_scale((c.terme - $3) / 365.25) END,
		   -- × 0.01 is exact; each quotient is the last operation
		   trim_scale(CASE c.traitement
				WHEN 'permanent' THEN c.nombre * c.taux_r * 0.01
				WHEN 'limite' THEN c.nombre * c.taux_r * 0.01
				WHEN 'unique' THEN CASE WHEN c.fin IS NULL THEN c.nombre / $4 ELSE c.nombre * 365.25 / (c.terme - $3) END
				WHEN 'expire' THEN 0 END),
		   trim_scale(CASE c.traitement
				WHEN 'limite' THEN c.nombre * c.taux_r * (c.terme - $3) / 36525
				WHEN 'unique' THEN c.nombre
				WHEN 'expire' THEN 0 END),
		   c.terme
	FROM c
	ORDER BY c.reservataire COLLATE "C", c.id;
END
$$;
COMMENT ON FUNCTION flux_mgmt.detail_conversion(text, text, date, integer) IS
	'DOMAIN §3.4, what becomes of each line of the état des lieux of a landlord in a département converted on a date: traitement permanent (droit de suite without end: volume dwellings × rotation), limite (droit de suite with an end: the same yearly volume, and dwellings × rotation × remaining years single-use rights, remaining years = days to its end / 365.25), unique (droits uniques: rights left spread over the years to their end, or over horizon_unique years without one), expire (ended on or before the date: nothing), stock (defence, security, health: never converted); rotation = the line''s own rate, else, where the parties agreed on rates per typology for the year of the date (rotation_typologie), the mean over the line''s dwellings (its logement_id, or those etablir_etat_des_lieux assigns to its old convention, affectations_stock) of their typology''s rate (the landlord''s for a typology without one), else the landlord''s for the year of the date (missing: error 23503 with the row to insert); echeance = when a limited right ends';

-- The yearly shares of the converted rights, step by step: a step starts at
-- the conversion year and the year after any limited right ends.  Shares are
-- 100 × volume / flux of the réservataire's scope, truncated to the
-- millionth (so that no sum of shares goes above the sum of the exact ones);
-- State shares are then capped: etat_agents to 5 % in all (scaled in
-- proportion), the State to 30 % in all (every State share scaled in
-- proportion); exces is the truncated uncapped share minus the capped one.
CREATE FUNCTION flux_mgmt.paliers_conversion(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, volume_annuel numeric, volume_limite numeric,
			   taux numeric, exces numeric, calendrier integer[])
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	sans record;
BEGIN
	PERFORM exiger_conversion($1, $2, $3, $4, $5);
	-- a territorial share is a share of the territory's flux: it needs dwellings there
	SELECT r.code, r.type INTO sans
	FROM flux_mgmt.reservataire r
	WHERE est_territorial(r.type)
	  AND r.code IN (SELECT s.reservataire FROM droit_stock s
					 WHERE s.bailleur = $1 AND s.departement = $2 AND s.regime = 'flux' AND (s.fin IS NULL OR s.fin > $3))
	  AND NOT EXISTS (SELECT FROM logements_detenus($1, $2, make_date(annee_conversion, 1, 1)) AS l
					  JOIN territoire t ON t.commune = l.commune AND t.reservataire = r.code
					  WHERE l.regime = 'flux')
	ORDER BY r.code COLLATE "C"
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(
			format('%s %L has no dwelling of landlord %L in its territory in département %s on %s',
				   sans.type, sans.code, $1, $2, make_date(annee_conversion, 1, 1)),
			'A territorial réservataire''s converted share is a share of its territory''s flux, the département''s flux pro rata of the assiette of its communes (DOMAIN §3.3).',
			'Declare its territory with flux_mgmt.definir_territoire(), or check the dwellings'' communes and mise_en_service.');
	END IF;

	RETURN QUERY
	WITH d AS MATERIALIZED (
		SELECT x.*, extract(year FROM x.echeance - 1)::integer AS derniere_annee
		FROM detail_conversion($1, $2, $3, $5) AS x
		WHERE x.traitement IN ('permanent', 'limite', 'unique')
	), assiettes AS MATERIALIZED (
		-- DOMAIN §3.3: a territory's flux is the département's pro rata of the
		-- assiette at 1 January, as in parts_annuelles
		SELECT l.commune, count(*) AS n
		FROM logements_detenus($1, $2, make_date(annee_conversion, 1, 1)) AS l
		WHERE l.regime = 'flux'
		GROUP BY l.commune
	), portees AS (
		SELECT r.code AS reservataire, r.type,
			   CASE WHEN est_territorial(r.type) THEN (SELECT sum(a.n) FROM assiettes a) END AS assiette_d,
			   CASE WHEN est_territorial(r.type) THEN
				   (SELECT sum(a.n) FROM assiettes a JOIN territoire t ON t.commune = a.commune AND t.reservataire = r.code) END AS assiette_t
		FROM flux_mgmt.reservataire r
		WHERE r.code IN (SELECT d.reservataire FROM d)
	), bornes AS (
		SELECT b.annee, lead(b.annee) OVER (ORDER BY b.annee) - 1 AS fin
		FROM (SELECT annee_conversion UNION SELECT d.derniere_annee + 1 FROM d WHERE d.derniere_annee IS NOT NULL) AS b(annee)
	), volumes AS (
		SELECT b.annee, b.fin, d.reservataire, sum(d.volume_annuel) AS volume,
			   coalesce(sum(d.volume_annuel) FILTER (WHERE d.traitement <> 'permanent'), 0) AS limite
		FROM bornes b JOIN d ON d.derniere_annee IS NULL OR d.derniere_annee >= b.annee
		GROUP BY b.annee, b.fin, d.reservataire
		HAVING sum(d.volume_annuel) > 0
	), bruts AS (
		SELECT v.*, p.type,
			   CASE WHEN p.assiette_d IS NULL THEN 100 * v.volume / $4
					ELSE 100 * v.volume * p.assiette_d / ($4 * p.assiette_t) END AS brut
		FROM volumes v JOIN portees p USING (reservataire)
	), etat AS (
		SELECT b.annee,
			   coalesce(sum(b.brut) FILTER (WHERE b.type = 'etat_agents'), 0) AS agents,
			   coalesce(sum(b.brut) FILTER (WHERE b.type = 'etat_prioritaires'), 0) AS prioritaires
		FROM bruts b GROUP BY b.annee
	), plafonnes AS (
		SELECT b.*,
			   trunc(b.brut, 6) AS brut6,
			   trunc(CASE WHEN b.type NOT IN ('etat_prioritaires', 'etat_agents') THEN b.brut
						  ELSE (CASE WHEN b.type = 'etat_agents' AND e.agents > 5 THEN b.brut * 5 / e.agents ELSE b.brut END)
							   * CASE WHEN e.prioritaires + least(e.agents, 5) > 30
									  THEN 30 / (e.prioritaires + least(e.agents, 5)) ELSE 1 END
					 END, 6) AS t
		FROM bruts b JOIN etat e USING (annee)
	), marques AS (
		SELECT p.*,
			   CASE WHEN (p.volume, p.limite, p.t) IS NOT DISTINCT FROM
						 (lag(p.volume) OVER w, lag(p.limite) OVER w, lag(p.t) OVER w) THEN 0 ELSE 1 END AS nouveau
		FROM plafonnes p
		WINDOW w AS (PARTITION BY p.reservataire ORDER BY p.annee)
	), groupes AS (
		SELECT m.*, sum(m.nouveau) OVER (PARTITION BY m.reservataire ORDER BY m.annee) AS groupe
		FROM marques m
	), paliers AS (
		SELECT g.reservataire, min(g.annee) AS annee_debut,
			   CASE WHEN bool_or(g.fin IS NULL) THEN NULL ELSE max(g.fin) END AS annee_fin,
			   g.volume, g.limite, g.t, g.brut6 - g.t AS exces
		FROM groupes g
		GROUP BY g.reservataire, g.groupe, g.volume, g.limite, g.t, g.brut6
	)
	SELECT p.reservataire, p.annee_debut, p.annee_fin, trim_scale(p.volume), trim_scale(p.limite),
		   trim_scale(p.t), trim_scale(p.exces),
		   CASE WHEN p.volume < 1 THEN flux_mgmt.calendrier(p.volume, coalesce(p.annee_fin - p.annee_debut + 1, 10)) END
	FROM paliers p
	ORDER BY p.reservataire COLLATE "C", p.annee_debut;
END
$$;
COMMENT ON FUNCTION flux_mgmt.paliers_conversion(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, the shares the converted rights of a landlord in a département give, step by step: one row per réservataire and span of years in which its volume stays the same (a step ends the year a limited right ends: the year of the day before its echeance); volume_annuel and its part volume_limite from limited rights, taux = 100 × volume / the reference flux of its scope (a territorial réservataire: its territory''s part, pro rata of the assiette at 1 January, as parts_annuelles) truncated to the millionth, State shares capped at 30 % (etat_agents at 5 %) with the cut in exces; calendrier = the dwellings per year (calendrier()) when the volume is below one, over the step or 10 years when it has no end';

CREATE FUNCTION flux_mgmt.convertir_stock(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, volume_annuel numeric, droits_uniques numeric, taux numeric, exces numeric, fin date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_conversion($1, $2, $3, $4, $5);
	RETURN QUERY
	WITH d AS (
		SELECT * FROM detail_conversion($1, $2, $3, $5) AS x WHERE x.traitement <> 'stock'
	), premier AS (
		SELECT * FROM paliers_conversion($1, $2, $3, $4, $5) AS p
		WHERE p.annee_debut = extract(year FROM $3)
	)
	SELECT d.reservataire,
		   coalesce(min(p.volume_annuel), 0),
		   CASE WHEN bool_or(d.traitement IN ('limite', 'unique'))
				THEN sum(d.droits_uniques) FILTER (WHERE d.traitement IN ('limite', 'unique'))
				WHEN bool_and(d.traitement = 'expire') THEN 0 END,
		   coalesce(min(p.taux), 0),
		   coalesce(min(p.exces), 0),
		   CASE WHEN bool_or(d.traitement IN ('limite', 'unique'))
				THEN max(d.echeance) FILTER (WHERE d.traitement IN ('limite', 'unique'))
				WHEN bool_and(d.traitement = 'expire') THEN max(d.fin) END
	FROM d LEFT JOIN premier p ON p.reservataire = d.reservataire
	GROUP BY d.reservataire
	ORDER BY d.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.convertir_stock(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, one row per réservataire with stock rights to convert (regime flux) of a landlord in a département on a date: volume_annuel = permanent volume + yearly volume of the limited rights still running, droits_uniques = single-use rights of its limited rights (droits de suite with an end, droits uniques; null when all are permanent), taux = its share of flux_reference (of its territory''s part for a territorial réservataire) truncated to the millionth, exces = share cut by the State caps (30 %, agents 5 %), fin = end of its last limited right; a réservataire whose rights all expired has volume 0, droits_uniques 0 and its last (past) end; defence, security and health lines are not converted (detail_conversion lists every line)';

-- The record of a conversion: one row per réservataire converted (what
-- convertir_stock returned), one per convention it produced.  No trigger
-- reads other tables here: a restore reloads them as they were.
CREATE TABLE flux_mgmt.conversion (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	date_conversion date NOT NULL,
	flux_reference numeric NOT NULL,
	horizon_unique integer NOT NULL,
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	volume_annuel numeric NOT NULL,
	droits_uniques numeric,
	taux numeric NOT NULL,
	exces numeric NOT NULL,
	fin date,
	CONSTRAINT conversion_une_par_date UNIQUE (bailleur, departement, reservataire, date_conversion),
	CONSTRAINT conversion_flux_reference CHECK (flux_reference > 0),
	CONSTRAINT conversion_horizon CHECK (horizon_unique BETWEEN 1 AND 100),
	CONSTRAINT conversion_volumes CHECK (volume_annuel >= 0 AND droits_uniques >= 0 AND taux >= 0 AND exces >= 0),
	CONSTRAINT conversion_valeurs_finies CHECK (flux_reference < 'Infinity'::numeric AND volume_annuel < 'Infinity'::numeric
		AND droits_uniques < 'Infinity'::numeric AND taux < 'Infinity'::numeric AND exces < 'Infinity'::numeric)
);
COMMENT ON TABLE flux_mgmt.conversion IS
	'conversions of stock rights into flux recorded by convertir_en_conventions(): one row per landlord, département, date and réservataire, the row convertir_stock() gave';
COMMENT ON COLUMN flux_mgmt.conversion.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.conversion.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.conversion.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.conversion.date_conversion IS 'date of the conversion; its year is the first year of the conventions';
COMMENT ON COLUMN flux_mgmt.conversion.flux_reference IS 'the landlord''s annual flux of the reference year the shares are expressed against';
COMMENT ON COLUMN flux_mgmt.conversion.horizon_unique IS 'years over which droits uniques without an end were spread';
COMMENT ON COLUMN flux_mgmt.conversion.reservataire IS 'réservataire converted';
COMMENT ON COLUMN flux_mgmt.conversion.volume_annuel IS 'dwellings per year at the conversion (permanent and limited rights)';
COMMENT ON COLUMN flux_mgmt.conversion.droits_uniques IS 'single-use rights granted by its limited rights; null when all its rights are permanent';
COMMENT ON COLUMN flux_mgmt.conversion.taux IS 'share in percent at the conversion (after the State caps)';
COMMENT ON COLUMN flux_mgmt.conversion.exces IS 'share cut by the State caps, in percent (0 otherwise)';
COMMENT ON COLUMN flux_mgmt.conversion.fin IS 'end of its last limited right, null when it has none';

CREATE TABLE flux_mgmt.conversion_palier (
	conversion_id bigint NOT NULL REFERENCES flux_mgmt.conversion ON DELETE CASCADE,
	annee_debut integer NOT NULL,
	annee_fin integer,
	volume_annuel numeric NOT NULL,
	volume_limite numeric NOT NULL,
	taux numeric NOT NULL,
	exces numeric NOT NULL,
	calendrier integer[],
	convention_id bigint REFERENCES flux_mgmt.convention ON DELETE SET NULL,
	PRIMARY KEY (conversion_id, annee_debut),
	CONSTRAINT conversion_palier_annees CHECK (annee_fin >= annee_debut),
	CONSTRAINT conversion_palier_volumes CHECK (volume_annuel > 0 AND volume_limite >= 0 AND volume_limite <= volume_annuel),
	CONSTRAINT conversion_palier_valeurs_finies CHECK (volume_annuel < 'Infinity'::numeric AND volume_limite < 'Infinity'::numeric
		AND taux > '-Infinity'::numeric AND taux < 'Infinity'::numeric AND exces > '-Infinity'::numeric AND exces < 'Infinity'::numeric)
);
CREATE INDEX conversion_palier_convention ON flux_mgmt.conversion_palier (convention_id);
COMMENT ON TABLE flux_mgmt.conversion_palier IS
	'the conventions a conversion produced: one per réservataire and step of its share (paliers_conversion), with the volumes behind it';
COMMENT ON COLUMN flux_mgmt.conversion_palier.conversion_id IS 'the conversion of the réservataire';
COMMENT ON COLUMN flux_mgmt.conversion_palier.annee_debut IS 'first year of the step';
COMMENT ON COLUMN flux_mgmt.conversion_palier.annee_fin IS 'last year of the step (inclusive), null when it has no end';
COMMENT ON COLUMN flux_mgmt.conversion_palier.volume_annuel IS 'dwellings per year in the step';
COMMENT ON COLUMN flux_mgmt.conversion_palier.volume_limite IS 'of which from limited rights (the part of each charge that uses up single-use rights)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.taux IS 'share in percent (the convention''s)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.exces IS 'share cut by the State caps';
COMMENT ON COLUMN flux_mgmt.conversion_palier.calendrier IS 'for a volume below one dwelling: the dwellings in each year of the step from annee_debut (10 years when open)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.convention_id IS 'the convention written (null once deleted)';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion_palier', '');
COMMENT ON SEQUENCE flux_mgmt.conversion_id_seq IS 'ids of conversion';

CREATE FUNCTION flux_mgmt.convertir_en_conventions(qui flux_mgmt.portee, bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, taux numeric, exces numeric,
			   convention_id bigint, calendrier integer[])
	-- as the owner, for an administrator of the landlord: the conversion and
	-- its steps are written in one statement with the conventions they name,
	-- which a policy on the steps could not see yet
	LANGUAGE plpgsql STRICT SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	c record;
BEGIN
	IF NOT administre(portee_sure(qui), bailleur) THEN
		PERFORM refuser(format('role %s may not convert the stock of landlord %L', (qui).role, bailleur),
						'Converting writes the landlord''s conventions: it is for an administrator of the landlord.',
						'Ask the owner for a profile: flux_mgmt.accorder_profil(role, ''administration'', bailleur).',
						'insufficient_privilege');
	END IF;
	PERFORM exiger_conversion($2, $3, $4, $5, $6);
	-- like every writer of conventions: one transaction per landlord at a time
	PERFORM verrouiller_bailleurs(ARRAY[$2]);
	IF NOT EXISTS (SELECT FROM droit_stock s WHERE s.bailleur = $2 AND s.departement = $3) THEN
		PERFORM refuser(
			format('landlord %L has no stock right in département %s to convert', $2, $3),
			'A conversion starts from the état des lieux, flux_mgmt.droit_stock.',
			'Fill it first: INSERT INTO flux_mgmt.droit_stock …, or SELECT * FROM flux_mgmt.etablir_etat_des_lieux(…) from the RPLS file and the old conventions.',
			'foreign_key_violation');
	END IF;
	IF EXISTS (SELECT FROM conversion k WHERE k.bailleur = $2 AND k.departement = $3 AND k.date_conversion = $4) THEN
		PERFORM refuser(
			format('the conversion of landlord %L in département %s on %s is already recorded', $2, $3, $4),
			NULL,
			'Its conventions are listed in flux_mgmt.conversion_palier; to convert again, delete them and the rows of flux_mgmt.conversion first.',
			'unique_violation');
	END IF;
	SELECT p.reservataire, v.id, v.annee_debut, v.annee_fin INTO c
	FROM (SELECT x.reservataire, min(x.annee_debut) AS debut,
				 CASE WHEN bool_or(x.annee_fin IS NULL) THEN NULL ELSE max(x.annee_fin) END AS fin
		  FROM paliers_conversion($2, $3, $4, $5, $6) AS x
		  WHERE x.taux > 0
		  GROUP BY x.reservataire) AS p
	JOIN convention v ON v.bailleur = $2 AND v.departement = $3 AND v.reservataire = p.reservataire
		AND int4range(v.annee_debut, v.annee_fin, '[]') && int4range(p.debut, p.fin, '[]')
	ORDER BY p.reservataire COLLATE "C", v.annee_debut
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(
			format('landlord %L already has a convention with %L in département %s in %s-%s, when its converted rights apply',
				   $2, c.reservataire, $3, c.annee_debut, coalesce(c.annee_fin::text, 'open')),
			'The conversion writes the réservataire''s conventions from the year of the conversion, and there is one convention per landlord, réservataire and département in any year.',
			CASE WHEN c.annee_debut < annee_conversion
				 THEN format('End it the year before the conversion (UPDATE flux_mgmt.convention SET annee_fin = %s WHERE id = %s), then convert again.', annee_conversion - 1, c.id)
				 ELSE format('Delete it (DELETE FROM flux_mgmt.convention WHERE id = %s), or convert at a later date.', c.id) END);
	END IF;

	-- One statement: the conventions' statement rules (100 %, State caps)
	-- judge them all at once, and a refusal writes nothing.
	RETURN QUERY
	WITH p AS MATERIALIZED (
		SELECT * FROM paliers_conversion($2, $3, $4, $5, $6) AS x WHERE x.taux > 0
	), s AS MATERIALIZED (
		SELECT * FROM convertir_stock($2, $3, $4, $5, $6)
	), nouvelles AS (
		INSERT INTO convention AS v (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
		SELECT $2, p.reservataire, $3, p.annee_debut, p.annee_fin, p.taux
		FROM p ORDER BY p.reservataire COLLATE "C", p.annee_debut
		RETURNING v.id, v.reservataire, v.annee_debut
	), k AS (
		INSERT INTO conversion AS k (bailleur, departement, date_conversion, flux_reference, horizon_unique,
									 reservataire, volume_annuel, droits_uniques, taux, exces, fin)
		SELECT $2, $3, $4, $5, $6, s.reservataire, s.volume_annuel, s.droits_uniques, s.taux, s.exces, s.fin
		FROM s ORDER BY s.reservataire COLLATE "C"
		RETURNING k.id, k.reservataire
	), e AS (
		INSERT INTO conversion_palier AS e (conversion_id, annee_debut, annee_fin, volume_annuel, volume_limite,
											taux, exces, calendrier, convention_id)
		SELECT k.id, p.annee_debut, p.annee_fin, p.volume_annuel, p.volume_limite, p.taux, p.exces, p.calendrier, n.id
		FROM p
		JOIN k ON k.reservataire = p.reservataire
		JOIN nouvelles n ON n.reservataire = p.reservataire AND n.annee_debut = p.annee_debut
		RETURNING e.*
	)
	SELECT k.reservataire, e.annee_debut, e.annee_fin, e.taux, e.exces, e.convention_id, e.calendrier
	FROM e JOIN k ON k.id = e.conversion_id
	ORDER BY k.reservataire COLLATE "C", e.annee_debut;
END
$$;
COMMENT ON FUNCTION flux_mgmt.convertir_en_conventions(flux_mgmt.portee, text, text, date, numeric, integer) IS
	'DOMAIN §3.4, from the état des lieux to conventions in one step: writes one convention per réservataire, département and step of its share (paliers_conversion: from the conversion year; the last step ends with its last limited right, or is open when it has permanent rights; mode mixte, delay one month), records the conversion (conversion, conversion_palier) and returns the conventions written; the share rules of the conventions apply to the result (23514), an existing convention of a converted réservataire in those years is an error, as is converting again on the same date (23505) or with no stock right (23503); runs as the owner, for a scope qui (one portee() issued in this transaction) administering the landlord (42501 otherwise)';

CREATE FUNCTION flux_mgmt.convertir_en_conventions(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, taux numeric, exces numeric,
			   convention_id bigint, calendrier integer[])
	LANGUAGE sql STRICT
BEGIN ATOMIC
	SELECT * FROM flux_mgmt.convertir_en_conventions(flux_mgmt.portee(), $1, $2, $3, $4, $5);
END;
COMMENT ON FUNCTION flux_mgmt.convertir_en_conventions(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, from the état des lieux to conventions in one step: writes one convention per réservataire, département and step of its share (paliers_conversion: from the conversion year; the last step ends with its last limited right, or is open when it has permanent rights; mode mixte, delay one month), records the conversion (conversion, conversion_palier) and returns the conventions written; the share rules of the conventions apply to the result (23514), an existing convention of a converted réservataire in those years is an error, as is converting again on the same date (23505) or with no stock right (23503); for an administrator of the landlord (42501 otherwise): convertir_en_conventions(portee(), …), which runs as the owner';

-- A function rather than a view: the counters (compteur) are created by a
-- later section of this script.
CREATE FUNCTION flux_mgmt.consommation_conversion(bailleur text, departement text)
RETURNS TABLE (date_conversion date, reservataire text, droits_uniques numeric, decomptes bigint,
			   droits_utilises numeric, droits_restants numeric, fin date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	PERFORM exiger_departement($2, 'consommation_conversion');
	RETURN QUERY
	SELECT k.date_conversion, k.reservataire, k.droits_uniques,
		   coalesce(u.decomptes, 0)::bigint,
		   CASE WHEN k.droits_uniques IS NOT NULL THEN coalesce(u.utilises, 0) END,
		   k.droits_uniques - coalesce(u.utilises, 0),
		   k.fin
	FROM conversion k
	LEFT JOIN LATERAL (
		SELECT sum(x.n) AS decomptes,
			   trim_scale(round(sum(x.n * p.volume_limite / p.volume_annuel), 6)) AS utilises
		FROM conversion_palier p
		CROSS JOIN LATERAL (
			-- charges to the réservataire in the département in the step's years
			SELECT coalesce(sum(c.decomptes), 0)::numeric AS n
			FROM compteur c
			WHERE c.bailleur = k.bailleur AND c.reservataire = k.reservataire AND c.dans_flux
			  AND departement(c.commune) = k.departement
			  AND c.annee >= p.annee_debut AND c.annee <= coalesce(p.annee_fin, 9999)
		) AS x
		WHERE p.conversion_id = k.id
	) AS u ON true
	WHERE k.bailleur = $1 AND k.departement = $2
	ORDER BY k.date_conversion, k.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.consommation_conversion(text, text) IS
	'consumption of the converted rights of a landlord in a département, per recorded conversion and réservataire: decomptes = dwellings charged to it in the flux of the département (compteur.decomptes summed over tranches and communes) in the years of its converted conventions, from the conversion year (the whole year); droits_utilises = the part of those charges that uses up its single-use rights, each charge counting volume_limite ÷ volume_annuel of its step (all of it when it has only limited rights, none for permanent ones), to the millionth; droits_restants = droits_uniques − droits_utilises (negative: charged beyond its rights, end or amend its convention); null droits when all its rights are permanent';

