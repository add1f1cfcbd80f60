-- flux_mgmt install script, part 35_assiette_parts: assiette, annual flux and shares.
--
-- DOMAIN §3.1-3.3: the assiette, the forecast flux, each réservataire's yearly share and the
-- share rules of conventions.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Assiette, annual flux and shares
--
-- DOMAIN §3.1-3.3.  The assiette is counted from logement through the index
-- logement_bailleur_departement; the forecast flux of a year is the assiette
-- at 1 January times the rotation rate, plus the expected first lettings,
-- minus the forecast subtractions; the conventions in force share it, and the
-- C kernel repartir() turns the real rights into whole dwellings.  The rules
-- spanning the conventions of one landlord and département (100 % in every
-- commune, State caps, territories) are one function, infractions_conventions,
-- read by controler_conventions and enforced by the statement triggers.
--
-- The readers the others call once per landlord × département × year
-- (logements_detenus, conventions_en_vigueur, infractions_conventions)
-- are SQL functions with a standard body: their names are bound when the
-- extension is created, so they need no search_path and can be inlined.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.repartir(poids numeric[], total integer) RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_repartir'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.repartir(numeric[], integer) IS
	'largest-remainder apportionment of total whole units in proportion to the weights, in exact integer arithmetic (weights in millionths, at most six decimals): each gets the floor of its quota, the units left go to the largest remainders, ties to the larger weight, then the earlier position; sums to total, each within one of its quota; total 0 gives zeros; the result has the bounds of poids';

CREATE FUNCTION flux_mgmt.taux_rotation_reference(departement text) RETURNS numeric
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE departement
	WHEN '75' THEN 5.0 WHEN '77' THEN 6.7 WHEN '78' THEN 7.3 WHEN '91' THEN 7.5
	WHEN '92' THEN 6.0 WHEN '93' THEN 5.3 WHEN '94' THEN 5.6 WHEN '95' THEN 6.5
	ELSE 8.1 END;
COMMENT ON FUNCTION flux_mgmt.taux_rotation_reference(text) IS
	'reference rotation rate in percent (DOMAIN §3.3): the Île-de-France 2022 value of the département, 8.1 (France métropolitaine) elsewhere; a suggestion, never used as a default';

CREATE FUNCTION flux_mgmt.exiger_bailleur(bailleur text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown landlord %L', $1),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.bailleur (code, nom) VALUES (…).',
			'foreign_key_violation');
	END IF;
	-- its callers compute from the landlord's rows in full
	PERFORM flux_mgmt.exiger_lecture($1, 'a computation on all of them');
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_bailleur(text) IS 'raises 23503 naming the code unless the landlord exists, and 42501 unless the current role reads every row of it (exiger_lecture): what the functions that compute from a landlord''s rows check first';

-- The arguments of the yearly readers: a landlord that exists, a département,
-- a calendar year (the range of the rotation and forecast tables).
CREATE FUNCTION flux_mgmt.exiger_portee(bailleur text, departement text, annee integer, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_bailleur(bailleur);
	PERFORM flux_mgmt.exiger_departement(departement, contexte);
	IF annee NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('year %s in %s is out of range', annee, contexte),
			NULL,
			'Give a calendar year such as 2026.',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_portee(text, text, integer, text) IS
	'raises the error of the first invalid argument of a yearly reader: unknown landlord (23503), invalid département or year outside 1900-2200 (22023)';

CREATE FUNCTION flux_mgmt.logements_detenus(bailleur text, departement text, au date)
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

CREATE FUNCTION flux_mgmt.assiette(bailleur text, departement text, au date,
	OUT patrimoine integer, OUT hors_flux integer, OUT assiette integer)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_bailleur($1);
	PERFORM exiger_departement($2, 'assiette');
	SELECT count(*), count(*) FILTER (WHERE l.regime <> 'flux')
	INTO patrimoine, hors_flux
	FROM logements_detenus($1, $2, $3) AS l;
	assiette := patrimoine - hors_flux;
END
$$;
COMMENT ON FUNCTION flux_mgmt.assiette(text, text, date) IS
	'DOMAIN §3.2: the dwellings a landlord owns in a département on a date (mise_en_service null or on or before it, sortie null or after it), those outside the flux (stock regimes, hors_champ) and the rest, the assiette';

-- The forecast of a year from its assiette: what flux_previsionnel and
-- parts_annuelles share once they have counted the dwellings.
CREATE FUNCTION flux_mgmt.prevoir_flux(bailleur text, departement text, annee integer, assiette_janvier integer,
	OUT assiette integer, OUT taux_rotation numeric, OUT relocations numeric,
	OUT mises_en_service integer, OUT soustractions integer, OUT flux_net numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	assiette := $4;
	SELECT r.taux INTO taux_rotation
	FROM rotation r WHERE r.bailleur = $1 AND r.departement = $2 AND r.annee = $3;
	IF NOT FOUND THEN
		PERFORM refuser(
			format('no rotation rate for landlord %L in département %s in %s', $1, $2, $3),
			'The forecast flux is assiette × rotation rate + expected first lettings − forecast subtractions (DOMAIN §3.3); the rate has no default.',
			format('Add the landlord''s rate in percent, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (%L, %L, %s, %s);',
				$1, $2, $3, taux_rotation_reference($2)),
			'foreign_key_violation');
	END IF;
	SELECT coalesce(sum(m.nombre), 0) INTO mises_en_service
	FROM mise_en_service_prevue m WHERE m.bailleur = $1 AND m.departement = $2 AND m.annee = $3;
	SELECT coalesce(sum(s.nombre), 0) INTO soustractions
	FROM soustraction_prevue s WHERE s.bailleur = $1 AND s.departement = $2 AND s.annee = $3;
	-- × 0.01 rather than / 100: numeric multiplication is exact
	relocations := trim_scale(assiette * taux_rotation * 0.01);
	flux_net := trim_scale(relocations + mises_en_service - soustractions);
END
$$;
COMMENT ON FUNCTION flux_mgmt.prevoir_flux(text, text, integer, integer) IS
	'the forecast flux of flux_previsionnel for a given assiette at 1 January: rotation rate (error 23503 with the row to insert when missing), first lettings and subtractions (0 when missing); no argument check';

CREATE FUNCTION flux_mgmt.flux_previsionnel(bailleur text, departement text, annee integer,
	OUT assiette integer, OUT taux_rotation numeric, OUT relocations numeric,
	OUT mises_en_service integer, OUT soustractions integer, OUT flux_net numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'flux_previsionnel');
	SELECT p.* INTO assiette, taux_rotation, relocations, mises_en_service, soustractions, flux_net
	FROM prevoir_flux($1, $2, $3,
		(SELECT count(*) FILTER (WHERE l.regime = 'flux') FROM logements_detenus($1, $2, make_date($3, 1, 1)) AS l)::integer) AS p;
END
$$;
COMMENT ON FUNCTION flux_mgmt.flux_previsionnel(text, text, integer) IS
	'DOMAIN §3.3: forecast flux of a landlord in a département for a year: assiette at 1 January, relocations = assiette × rotation rate / 100, flux_net = relocations + expected first lettings − forecast subtractions (all motives); a missing rotation rate is an error (23503) whose hint is the row to insert, a missing mise_en_service_prevue or soustraction_prevue row counts as 0';

CREATE FUNCTION flux_mgmt.conventions_en_vigueur(bailleur text, departement text, annee integer)
RETURNS TABLE (id bigint, reservataire text, type flux_mgmt.type_reservataire, taux numeric,
			   mode_decompte flux_mgmt.mode_decompte, delai interval, derogation_prefet boolean,
			   communes flux_mgmt.code_insee[])
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT c.id, c.reservataire, r.type, c.taux, c.mode_decompte, c.delai, c.derogation_prefet,
		   CASE WHEN flux_mgmt.est_territorial(r.type) THEN ARRAY(
			   SELECT t.commune FROM flux_mgmt.territoire t
			   WHERE t.reservataire = c.reservataire AND flux_mgmt.departement(t.commune) = c.departement
			   ORDER BY t.commune) END
	FROM flux_mgmt.convention c
	JOIN flux_mgmt.reservataire r ON r.code = c.reservataire
	WHERE c.bailleur = $1 AND c.departement = $2
	  AND c.annee_debut <= $3 AND (c.annee_fin IS NULL OR c.annee_fin >= $3)
	ORDER BY c.reservataire COLLATE "C", c.id;
END;
COMMENT ON FUNCTION flux_mgmt.conventions_en_vigueur(text, text, integer) IS
	'the conventions of a landlord in a département in force in a year (annee_debut <= annee <= annee_fin or open), by réservataire code, with their scope: communes null for a département-wide convention, else the communes of the territorial réservataire''s territory within the département (possibly none); no argument check';

-- Every rule of DOMAIN §3.1 broken in one landlord × département × year, in a
-- fixed order.  exemption says why a broken rule is not enforced (a préfet's
-- derogation, a territory not declared yet), null when it is; explication and
-- conseil are the detail and hint of the error the triggers raise.
CREATE FUNCTION flux_mgmt.infractions_conventions(bailleur text, departement text, annee integer)
RETURNS TABLE (ordre integer, regle text, constat text, exemption text, explication text, conseil text)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH v AS (
		SELECT * FROM flux_mgmt.conventions_en_vigueur($1, $2, $3)
	), etat AS (
		SELECT sum(v.taux) FILTER (WHERE v.type IN ('etat_prioritaires', 'etat_agents')) AS total,
			   sum(v.taux) FILTER (WHERE v.type = 'etat_agents') AS agents,
			   bool_or(v.derogation_prefet) FILTER (WHERE v.type IN ('etat_prioritaires', 'etat_agents')) AS deroge
		FROM v
	), par_commune AS (
		SELECT u.commune,
			   (SELECT coalesce(sum(d.taux), 0) FROM v AS d WHERE d.communes IS NULL) + sum(v.taux) AS total
		FROM v CROSS JOIN LATERAL unnest(v.communes) AS u(commune)
		GROUP BY u.commune
	), lieux AS (
		-- the département at large, then each commune of a territorial scope
		SELECT format('département %s', $2) AS lieu, sum(v.taux) AS total, 0 AS rang
		FROM v WHERE v.communes IS NULL
		UNION ALL
		SELECT format('commune %s (département %s)', p.commune, $2), p.total, 1
		FROM par_commune p
	), depasses AS (
		SELECT l.lieu, l.total, count(*) OVER () - 1 AS autres
		FROM lieux l WHERE l.total > 100
		ORDER BY l.total DESC, l.rang, l.lieu COLLATE "C"
		LIMIT 1
	)
	SELECT 1 AS ordre, 'total_100' AS regle,
		   format('shares of landlord %L in %s total %s %% in %s, above 100 %%%s', $1, d.lieu, pg_catalog.trim_scale(d.total), $3,
				  CASE d.autres WHEN 0 THEN '' WHEN 1 THEN ' (and in 1 other place)'
								ELSE format(' (and in %s other places)', d.autres) END) AS constat,
		   NULL AS exemption,
		   'The shares that apply in a commune (département-wide ones everywhere, a territorial one in its communes) add up to 100 % at most; the landlord''s pool is the rest.' AS explication,
		   'Lower or end some of these conventions; flux_mgmt.controler_conventions() lists every broken rule.' AS conseil
	FROM depasses d
	UNION ALL
	SELECT 2, 'plafond_etat',
		   format('State shares of landlord %L in département %s total %s %% in %s, above the 30 %% cap', $1, $2, pg_catalog.trim_scale(e.total), $3),
		   CASE WHEN e.deroge THEN format('derogated by a préfet''s arrêté for %s: not enforced', $3) END,
		   'The State (etat_prioritaires and etat_agents) gets at most 30 % of each landlord''s flux (CCH R441-5-2).',
		   'Lower the State''s shares, or, if a préfet''s arrêté allows it, set derogation_prefet on a one-year State convention.'
	FROM etat e WHERE e.total > 30
	UNION ALL
	SELECT 3, 'plafond_agents',
		   format('State agents'' shares of landlord %L in département %s total %s %% in %s, above the 5 %% cap', $1, $2, pg_catalog.trim_scale(e.agents), $3),
		   CASE WHEN e.deroge THEN format('derogated by a préfet''s arrêté for %s: not enforced', $3) END,
		   'Of the State''s 30 %, at most 5 % go to civil and military State agents (CCH R441-5-2).',
		   'Lower the etat_agents shares, or, if a préfet''s arrêté allows it, set derogation_prefet on a one-year State convention.'
	FROM etat e WHERE e.agents > 5
	UNION ALL
	SELECT 4, 'chevauchement',
		   format('réservataire %L has %s conventions with landlord %L in département %s in %s', v.reservataire, count(*), $1, $2, $3),
		   NULL,
		   'There is one convention per landlord, réservataire and département in any year.',
		   'End the earlier convention (annee_fin) the year before the other one starts.'
	FROM v GROUP BY v.reservataire HAVING count(*) > 1
	UNION ALL
	SELECT 5, 'territoire_vide',
		   format('territorial réservataire %L has no commune of its territory in département %s, where it has a convention with landlord %L in %s', v.reservataire, $2, $1, $3),
		   CASE WHEN NOT EXISTS (SELECT FROM flux_mgmt.territoire t WHERE t.reservataire = v.reservataire)
				THEN 'its territory is not declared yet: not enforced until it is' END,
		   'A commune, EPCI or EPT réservataire only receives dwellings of its territory: its convention in a département must cover communes of it.',
		   'Check the convention''s département, or declare the territory with flux_mgmt.definir_territoire().'
	FROM v WHERE pg_catalog.cardinality(v.communes) = 0;
END;
COMMENT ON FUNCTION flux_mgmt.infractions_conventions(text, text, integer) IS
	'every rule of DOMAIN §3.1 broken by the conventions of a landlord in a département in force in a year: rule, finding, why it is not enforced (null when it is), and the detail and hint of the error the convention triggers raise; no argument check';

CREATE FUNCTION flux_mgmt.controler_conventions(bailleur text, departement text, annee integer)
RETURNS TABLE (regle text, detail text)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'controler_conventions');
	RETURN QUERY
	SELECT x.regle, x.detail FROM (
		SELECT i.ordre, i.regle, i.constat || coalesce(' — ' || i.exemption, '') AS detail
		FROM infractions_conventions($1, $2, $3) AS i
		UNION ALL
		-- converted single-use rights overrun (DOMAIN §3.4): charged beyond
		-- them, or given dwellings after their term; not enforced when the
		-- conventions are written (the charges come later)
		SELECT 6, 'droits_depasses',
			   format('réservataire %L was charged %s dwellings by landlord %L in département %s under the single-use rights converted on %s: %s beyond the %s granted',
					  c.reservataire, c.decomptes, $1, $2, to_char(c.date_conversion, 'YYYY-MM-DD'),
					  trim_scale(round(-c.droits_restants, 2)), trim_scale(round(c.droits_uniques, 2)))
		FROM consommation_conversion($1, $2) AS c
		WHERE c.droits_restants < 0 AND extract(year FROM c.date_conversion) <= $3
		  AND (c.fin IS NULL OR extract(year FROM c.fin) >= $3)
		UNION ALL
		SELECT 7, 'droits_echus',
			   format('réservataire %L got %s orientations of landlord %L in département %s after its converted rights ended on %s (first: orientation %s on %s)',
					  k.reservataire, count(*), $1, $2, to_char(k.fin, 'YYYY-MM-DD'),
					  (array_agg(o.id ORDER BY o.date_orientation, o.id))[1], to_char(min(o.date_orientation), 'YYYY-MM-DD'))
		FROM conversion k
		JOIN conversion_palier p ON p.conversion_id = k.id AND p.volume_limite = p.volume_annuel AND p.convention_id IS NOT NULL
		JOIN convention cv ON cv.id = p.convention_id
		JOIN orientation o ON o.reservataire = k.reservataire AND o.date_orientation >= k.fin AND o.soustraction IS NULL
			 AND o.issue <> 'retiree' AND date_part('year', o.date_orientation) = $3
			 AND date_part('year', o.date_orientation) BETWEEN cv.annee_debut AND coalesce(cv.annee_fin, 9999)
		JOIN vacance v ON v.id = o.vacance_id
		JOIN logement l ON l.id = v.logement_id AND l.bailleur = $1 AND departement(l.commune) = $2 AND l.regime = 'flux'
		WHERE k.bailleur = $1 AND k.departement = $2 AND k.fin IS NOT NULL
		GROUP BY k.reservataire, k.fin
	) AS x
	ORDER BY x.ordre, x.detail COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.controler_conventions(text, text, integer) IS
	'every rule of DOMAIN §3.1 the conventions of a landlord in a département break in a year, empty when all hold: total_100 (shares applying in a commune above 100 %), plafond_etat (State above 30 %), plafond_agents (State agents above 5 %), chevauchement (two conventions of one réservataire), territoire_vide (a territorial convention with no commune in the département); a derogated or not yet enforceable finding says so; and, not enforced when conventions are written, droits_depasses (a réservataire charged beyond the single-use rights converted for it, consommation_conversion) and droits_echus (orientations under a converted convention of limited rights after their term)';

-- Enforces the rules for the landlord × département pairs of written rows:
-- (bailleurs[i], departements[i]) in the years debuts[i] .. fins[i] (null:
-- open).  Shares are constant between the years where a convention of the
-- pair starts or ends, so those years (and each debut) are enough.
CREATE FUNCTION flux_mgmt.exiger_regles_conventions(bailleurs text[], departements text[], debuts integer[], fins integer[])
RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	i record;
BEGIN
	WITH ecrites AS (
		SELECT DISTINCT e.bailleur, e.departement, e.debut, e.fin
		FROM unnest(bailleurs, departements, debuts, fins) AS e(bailleur, departement, debut, fin)
	), paires AS (
		SELECT DISTINCT e.bailleur, e.departement FROM ecrites e
	), bornes AS (
		SELECT p.bailleur, p.departement, b.annee
		FROM paires p
		CROSS JOIN LATERAL (
			SELECT c.annee_debut AS annee FROM convention c
			WHERE c.bailleur = p.bailleur AND c.departement = p.departement
			UNION
			SELECT c.annee_fin + 1 FROM convention c
			WHERE c.bailleur = p.bailleur AND c.departement = p.departement AND c.annee_fin IS NOT NULL
		) AS b
		UNION
		SELECT e.bailleur, e.departement, e.debut FROM ecrites e
	), annees AS (
		SELECT b.* FROM bornes b
		WHERE EXISTS (SELECT FROM ecrites e
					  WHERE e.bailleur = b.bailleur AND e.departement = b.departement
						AND b.annee >= e.debut AND (e.fin IS NULL OR b.annee <= e.fin))
	)
	SELECT f.constat, f.explication, f.conseil INTO i
	FROM annees a
	CROSS JOIN LATERAL infractions_conventions(a.bailleur, a.departement, a.annee) AS f
	WHERE f.exemption IS NULL
	ORDER BY a.bailleur COLLATE "C", a.departement, a.annee, f.ordre, f.constat COLLATE "C"
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(i.constat, i.explication, i.conseil);
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_regles_conventions(text[], text[], integer[], integer[]) IS
	'raises 23514 with the first enforced rule of DOMAIN §3.1 broken by the conventions of the given landlord × département pairs in the given spans of years (checked at every year where a convention of the pair starts or ends)';

CREATE FUNCTION flux_mgmt.parts_annuelles(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, droit numeric, droit_entier integer)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	codes_communes code_insee[];
	assiettes_communes bigint[];
	codes text[];
	taux_c numeric[];
	droits numeric[];
	parts numeric[];
	reste numeric;
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'parts_annuelles');
	-- one read of the dwellings: the assiette per commune, for the
	-- territories, and in all
	SELECT array_agg(c.commune), array_agg(c.assiette) INTO codes_communes, assiettes_communes
	FROM (SELECT l.commune, count(*) AS assiette
		  FROM logements_detenus($1, $2, make_date($3, 1, 1)) AS l
		  WHERE l.regime = 'flux'
		  GROUP BY l.commune) AS c;
	SELECT * INTO f FROM prevoir_flux($1, $2, $3, coalesce((SELECT sum(a) FROM unnest(assiettes_communes) AS a), 0)::integer);
	IF f.flux_net < 0 THEN
		PERFORM refuser(
			format('the forecast flux of landlord %L in département %s in %s is negative: %s', $1, $2, $3, f.flux_net),
			format('%s relocations + %s first lettings − %s subtractions.', f.relocations, f.mises_en_service, f.soustractions),
			'Check the forecast subtractions (flux_mgmt.soustraction_prevue) of that year.');
	END IF;

	-- droit of a territorial convention: taux × flux_net × (assiette of its
	-- communes ÷ assiette of the département) / 100, truncated to the
	-- millionth (exactly, by div) so that the pool never goes below 0
	WITH v AS (
		SELECT v.*, CASE WHEN v.communes IS NOT NULL THEN
			   (SELECT coalesce(sum(c.assiette), 0) FROM unnest(codes_communes, assiettes_communes) AS c(commune, assiette)
				WHERE c.commune = ANY (v.communes)) END AS assiette_t
		FROM conventions_en_vigueur($1, $2, $3) AS v
	)
	SELECT array_agg(v.reservataire ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(v.taux ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(CASE WHEN v.communes IS NULL THEN v.taux * f.flux_net * 0.01
						  WHEN f.assiette = 0 THEN 0
						  ELSE div(v.taux * f.flux_net * v.assiette_t * 10000, f.assiette) * 0.000001 END
					 ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(CASE WHEN v.communes IS NULL THEN v.taux
						  WHEN f.assiette = 0 THEN 0
						  ELSE v.taux * v.assiette_t / f.assiette END
					 ORDER BY v.reservataire COLLATE "C", v.id)
	INTO codes, taux_c, droits, parts
	FROM v;

	reste := f.flux_net - coalesce((SELECT sum(d) FROM unnest(droits) AS d), 0);
	IF reste < 0 THEN
		PERFORM refuser(
			format('the shares of landlord %L in département %s in %s exceed its flux', $1, $2, $3),
			format('Their rights add up to %s for a flux of %s.', f.flux_net - reste, f.flux_net),
			format('Run SELECT * FROM flux_mgmt.controler_conventions(%L, %L, %s) to see the broken rule.', $1, $2, $3));
	END IF;
	-- the landlord's pool: what the conventions leave
	codes := coalesce(codes, '{}') || NULL::text;
	taux_c := coalesce(taux_c, '{}') || round(CASE WHEN f.flux_net = 0
		THEN 100 - coalesce((SELECT sum(p) FROM unnest(parts) AS p), 0)
		ELSE 100 * reste / f.flux_net END, 6);
	droits := coalesce(droits, '{}') || reste;

	RETURN QUERY
	SELECT u.reservataire, trim_scale(u.taux), trim_scale(u.droit), u.entier
	FROM unnest(codes, taux_c, droits,
				repartir((SELECT array_agg(round(d.droit, 6) ORDER BY d.i)
						  FROM unnest(droits) WITH ORDINALITY AS d(droit, i)),
						 round(f.flux_net)::integer))
		 WITH ORDINALITY AS u(reservataire, taux, droit, entier, i)
	ORDER BY u.i;
END
$$;
COMMENT ON FUNCTION flux_mgmt.parts_annuelles(text, text, integer) IS
	'DOMAIN §3.3: each convention in force (by réservataire code) then the landlord''s pool (reservataire null) with its share, its right for the forecast flux of the year and its whole dwellings; a département-wide right is taux × flux_net / 100, a territorial one taux × the flux of its territory (flux_net pro rata of the assiette of its communes at 1 January) / 100, truncated to the millionth; the pool gets flux_net minus the rights, its taux is 100 × its right / flux_net; droit_entier apportions round(flux_net) by repartir over the rights rounded to the millionth';

-- Territories and réservataire types decide where shares apply: writing them
-- judges again every convention of the réservataires concerned.
CREATE FUNCTION flux_mgmt.verifier_portees_ecrites() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	reservataires text[];
	p record;
BEGIN
	PERFORM exiger_declencheur('verifier_portees_ecrites', TG_RELID, TG_WHEN, TG_LEVEL, '{flux_mgmt.territoire,flux_mgmt.reservataire}');
	IF TG_TABLE_NAME = 'reservataire' THEN
		-- those whose type changed (or code: harmless)
		reservataires := ARRAY(SELECT n.code FROM nouvelles n
							   WHERE NOT EXISTS (SELECT FROM anciennes a WHERE a.code = n.code AND a.type = n.type));
	ELSE
		EXECUTE format('SELECT array_agg(DISTINCT n.reservataire) FROM (%s) AS n', lignes_ecrites(TG_OP))
		INTO reservataires;
	END IF;
	-- landlords first, like the convention writers, then the réservataires
	PERFORM verrouiller_bailleurs(ARRAY(SELECT c.bailleur FROM convention c WHERE c.reservataire = ANY (reservataires)));
	PERFORM FROM reservataire r WHERE r.code = ANY (reservataires) ORDER BY r.code FOR NO KEY UPDATE;

	SELECT array_agg(c.bailleur) AS bailleurs, array_agg(c.departement) AS departements,
		   array_agg(c.debut) AS debuts, array_agg(NULL::integer) AS fins
	INTO p
	FROM (SELECT c.bailleur, c.departement, min(c.annee_debut) AS debut
		  FROM convention c WHERE c.reservataire = ANY (reservataires)
		  GROUP BY c.bailleur, c.departement) AS c;
	PERFORM exiger_regles_conventions(p.bailleurs, p.departements, p.debuts, p.fins);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_portees_ecrites() IS
	'statement rule of territoire and of réservataire types: the conventions of the réservataires concerned still keep the rules of DOMAIN §3.1 (100 % in every commune, State caps, territories)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_portees_ecrites() FROM PUBLIC;
CREATE TRIGGER verifier_portees_insert AFTER INSERT ON flux_mgmt.territoire
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees_update AFTER UPDATE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees_delete AFTER DELETE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees AFTER UPDATE ON flux_mgmt.reservataire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
COMMENT ON TRIGGER verifier_portees_insert ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires gaining communes';
COMMENT ON TRIGGER verifier_portees_update ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires whose communes change';
COMMENT ON TRIGGER verifier_portees_delete ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires losing communes';
COMMENT ON TRIGGER verifier_portees ON flux_mgmt.reservataire IS 'share rules of the conventions of réservataires whose type changes';

