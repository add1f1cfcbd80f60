--------------------------------------------------------------------------------
-- The engine at its grain (issue 13): compteur_moteur, the counters the
-- orientation engine reads, a row per landlord, year, département and
-- beneficiary, kept by both paths of the counter triggers with the other
-- counters, rebuilt and checked with them; candidats() reads it instead of
-- summing the per-commune counters of the whole département at each call.
-- Filled here from the counters (their rollup by département), so that it
-- equals a recount as they do.  valeur_parametre() and date_decision(),
-- which the engine calls at every decision, become PL/pgSQL (planned once
-- per session instead of at each call).
--------------------------------------------------------------------------------

-- The orientation engine's grain (DOMAIN §4): what candidats() needs for every
-- beneficiary of a landlord's département at once, a few dozen rows a year
-- where compteur and compteur_bilan hold one per commune (and typology,
-- financing, QPV…).  The same differences as the other counters, rolled up
-- by département: written by the same paths, checked by the same recount.
CREATE TABLE flux_mgmt.compteur_moteur (
	bailleur text NOT NULL,
	annee integer NOT NULL,
	departement text NOT NULL,
	reservataire text,
	tranche smallint NOT NULL,
	imputees bigint NOT NULL,
	proposes bigint NOT NULL,
	proposes_hors_qpv bigint NOT NULL,
	CONSTRAINT compteur_moteur_cle UNIQUE NULLS NOT DISTINCT (bailleur, annee, departement, reservataire, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur_moteur IS
	'derived counters of the orientation engine per landlord, year, département and beneficiary (réservataire, null = pool), in-flux only: compteur.imputees and compteur_bilan.proposes summed over the département''s communes; sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.annee IS 'year counted in: of the vacancy (imputees), of the orientation (proposes, proposes_hors_qpv)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.departement IS 'département of the dwelling''s commune';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.imputees IS 'in-flux vacancies the engine counts for the beneficiary (as compteur.imputees)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.proposes IS 'in-flux orientations of that year (as compteur_bilan.proposes)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.proposes_hors_qpv IS 'of those, dwellings outside QPV (the préfet''s floor outside QPV)';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur_moteur', 'WHERE false');
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur_moteur
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur_moteur IS 'only the extension writes the counters, as the table''s owner';

-- The triggers write compteur_moteur as the owner of the other counters,
-- which is not the role running this update when another superuser runs it:
-- the new table goes to that owner.  Its readers are those of compteur (the
-- engine, run with the caller's rights, reads it where it read compteur):
-- they get the same SELECT.
DO $$
DECLARE
	g record;
BEGIN
	EXECUTE pg_catalog.format('ALTER TABLE flux_mgmt.compteur_moteur OWNER TO %s',
							  (SELECT c.relowner::pg_catalog.regrole FROM pg_catalog.pg_class c
							   WHERE c.oid OPERATOR(pg_catalog.=) 'flux_mgmt.compteur'::pg_catalog.regclass));
	FOR g IN
		SELECT DISTINCT a.grantee
		FROM pg_catalog.pg_class c CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
		WHERE c.oid OPERATOR(pg_catalog.=) 'flux_mgmt.compteur'::pg_catalog.regclass
		  AND a.grantee OPERATOR(pg_catalog.<>) c.relowner AND a.privilege_type OPERATOR(pg_catalog.=) 'SELECT'
		ORDER BY 1
	LOOP
		EXECUTE pg_catalog.format('GRANT SELECT ON flux_mgmt.compteur_moteur TO %s',
								  CASE WHEN g.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
									   ELSE g.grantee::pg_catalog.regrole::text END);
	END LOOP;
END
$$;

INSERT INTO flux_mgmt.compteur_moteur (bailleur, annee, departement, reservataire, tranche, imputees, proposes, proposes_hors_qpv)
SELECT coalesce(i.bailleur, p.bailleur), coalesce(i.annee, p.annee), coalesce(i.departement, p.departement),
	   CASE WHEN i.bailleur IS NULL THEN p.reservataire ELSE i.reservataire END, 0,
	   coalesce(i.imputees, 0), coalesce(p.proposes, 0), coalesce(p.hors_qpv, 0)
FROM (SELECT k.bailleur, k.annee, flux_mgmt.departement(k.commune) AS departement, k.reservataire, sum(k.imputees) AS imputees
	  FROM flux_mgmt.compteur k WHERE k.dans_flux
	  GROUP BY 1, 2, 3, 4) AS i
FULL JOIN (SELECT b.bailleur, b.annee, flux_mgmt.departement(b.commune) AS departement, b.reservataire,
				  sum(b.proposes) AS proposes, sum(b.proposes) FILTER (WHERE NOT b.qpv) AS hors_qpv
		   FROM flux_mgmt.compteur_bilan b
		   GROUP BY 1, 2, 3, 4) AS p
	ON (i.bailleur, i.annee, i.departement) = (p.bailleur, p.annee, p.departement)
	AND i.reservataire IS NOT DISTINCT FROM p.reservataire
WHERE coalesce(i.imputees, 0) <> 0 OR coalesce(p.proposes, 0) <> 0;

CREATE OR REPLACE FUNCTION flux_mgmt.recalculer_compteurs() RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ecrits bigint;
	bilan bigint;
	moteur bigint;
BEGIN
	-- writers wait until the rebuild commits, then count against it
	LOCK TABLE contribution, compteur, compteur_bilan, compteur_moteur IN EXCLUSIVE MODE;
	PERFORM exiger_declencheurs_surs(t)
	FROM unnest('{flux_mgmt.contribution,flux_mgmt.compteur,flux_mgmt.compteur_bilan,flux_mgmt.compteur_moteur}'::regclass[]) AS t;
	TRUNCATE contribution, compteur, compteur_bilan, compteur_moteur;
	INSERT INTO contribution SELECT * FROM contribution_calculee;
	INSERT INTO compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
						  en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
						  hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, 0,
		   sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux),
		   sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires), sum(imputees)
	FROM contribution
	GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux;
	GET DIAGNOSTICS ecrits = ROW_COUNT;
	INSERT INTO compteur_bilan (bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche,
								proposes, attribues)
	SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, 0,
		   sum(en_cours + attribuees + carences + echecs + retirees), sum(baux)
	FROM contribution
	WHERE dans_flux
	GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	HAVING sum(en_cours + attribuees + carences + echecs + retirees) <> 0 OR sum(baux) <> 0;
	GET DIAGNOSTICS bilan = ROW_COUNT;
	INSERT INTO compteur_moteur (bailleur, annee, departement, reservataire, tranche, imputees, proposes, proposes_hors_qpv)
	SELECT bailleur, annee, departement(commune), reservataire, 0, sum(imputees),
		   sum(en_cours + attribuees + carences + echecs + retirees),
		   coalesce(sum(en_cours + attribuees + carences + echecs + retirees) FILTER (WHERE NOT qpv), 0)
	FROM contribution
	WHERE dans_flux
	GROUP BY bailleur, annee, departement(commune), reservataire
	HAVING sum(imputees) <> 0 OR sum(en_cours + attribuees + carences + echecs + retirees) <> 0;
	GET DIAGNOSTICS moteur = ROW_COUNT;
	RETURN ecrits + bilan + moteur;
END
$$;
COMMENT ON FUNCTION flux_mgmt.recalculer_compteurs() IS
	'rebuilds every counter and the ledger from the events (after pg_restore --disable-triggers, say), as the owner of the derived tables; returns the number of counter rows written; EXECUTE is granted explicitly (not to PUBLIC)';

REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.ecarts_compteurs()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
	WITH attendu AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires, sum(imputees) AS imputees
		FROM contribution_calculee
		GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	), trouve AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires, sum(imputees) AS imputees
		FROM compteur
		GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	), bilan_attendu AS (
		SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode,
			   sum(en_cours + attribuees + carences + echecs + retirees) AS proposes, sum(baux) AS attribues
		FROM contribution_calculee WHERE dans_flux
		GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	), bilan_trouve AS (
		SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode,
			   sum(proposes) AS proposes, sum(attribues) AS attribues
		FROM compteur_bilan
		GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	), moteur_attendu AS (
		SELECT bailleur, annee, departement(commune) AS departement, reservataire, sum(imputees) AS imputees,
			   sum(en_cours + attribuees + carences + echecs + retirees) AS proposes,
			   sum(en_cours + attribuees + carences + echecs + retirees) FILTER (WHERE NOT qpv) AS proposes_hors_qpv
		FROM contribution_calculee WHERE dans_flux
		GROUP BY bailleur, annee, departement(commune), reservataire
	), moteur_trouve AS (
		SELECT bailleur, annee, departement, reservataire, sum(imputees) AS imputees, sum(proposes) AS proposes,
			   sum(proposes_hors_qpv) AS proposes_hors_qpv
		FROM compteur_moteur
		GROUP BY bailleur, annee, departement, reservataire
	)
	SELECT format('compteur(%s, %s, %s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.commune,
				  coalesce(cle.reservataire, 'pool'), coalesce(cle.soustraction::text, '-'),
				  CASE WHEN cle.dans_flux THEN 'flux' ELSE 'hors flux' END, v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM attendu a FULL JOIN trouve t
		ON (a.bailleur, a.annee, a.commune, a.dans_flux) = (t.bailleur, t.annee, t.commune, t.dans_flux)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire AND a.soustraction IS NOT DISTINCT FROM t.soustraction
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.commune, t.commune) AS commune,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
							   CASE WHEN a.bailleur IS NULL THEN t.soustraction ELSE a.soustraction END AS soustraction,
							   coalesce(a.dans_flux, t.dans_flux) AS dans_flux) AS cle
	CROSS JOIN LATERAL (VALUES
		('en_cours', a.en_cours, t.en_cours), ('attribuees', a.attribuees, t.attribuees),
		('carences', a.carences, t.carences), ('echecs', a.echecs, t.echecs), ('retirees', a.retirees, t.retirees),
		('decomptes', a.decomptes, t.decomptes), ('baux', a.baux, t.baux), ('hors_qpv', a.hors_qpv, t.hors_qpv),
		('q1_hors_qpv', a.q1_hors_qpv, t.q1_hors_qpv), ('q234_en_qpv', a.q234_en_qpv, t.q234_en_qpv),
		('prioritaires', a.prioritaires, t.prioritaires), ('imputees', a.imputees, t.imputees)) AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	UNION ALL
	SELECT format('compteur_bilan(%s, %s, %s, %s, %s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.commune,
				  coalesce(cle.reservataire, 'pool'), cle.typologie, cle.financement, cle.qpv, cle.periode, v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM bilan_attendu a FULL JOIN bilan_trouve t
		ON (a.bailleur, a.annee, a.commune, a.qpv) = (t.bailleur, t.annee, t.commune, t.qpv)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire AND a.typologie IS NOT DISTINCT FROM t.typologie
		AND a.financement IS NOT DISTINCT FROM t.financement AND a.periode IS NOT DISTINCT FROM t.periode
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.commune, t.commune) AS commune,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
							   CASE WHEN a.bailleur IS NULL THEN t.typologie ELSE a.typologie END AS typologie,
							   CASE WHEN a.bailleur IS NULL THEN t.financement ELSE a.financement END AS financement,
							   coalesce(a.qpv, t.qpv) AS qpv,
							   CASE WHEN a.bailleur IS NULL THEN t.periode ELSE a.periode END AS periode) AS cle
	CROSS JOIN LATERAL (VALUES ('proposes', a.proposes, t.proposes), ('attribues', a.attribues, t.attribues))
		AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	UNION ALL
	SELECT format('compteur_moteur(%s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.departement,
				  coalesce(cle.reservataire, 'pool'), v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM moteur_attendu a FULL JOIN moteur_trouve t
		ON (a.bailleur, a.annee, a.departement) = (t.bailleur, t.annee, t.departement)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.departement, t.departement) AS departement,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire) AS cle
	CROSS JOIN LATERAL (VALUES ('imputees', a.imputees, t.imputees), ('proposes', a.proposes, t.proposes),
							   ('proposes_hors_qpv', a.proposes_hors_qpv, t.proposes_hors_qpv)) AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	ORDER BY 1;
$$;
COMMENT ON FUNCTION flux_mgmt.ecarts_compteurs() IS
	'recounts every counter from the events and lists those that differ (empty when all agree): compteur names the key and the column';

CREATE OR REPLACE FUNCTION flux_mgmt.valeur_parametre(cle text) RETURNS numeric
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	RETURN coalesce((SELECT p.valeur FROM parametre_orientation p WHERE p.cle = $1),
					CASE $1 WHEN 'plancher_prefet_hors_qpv' THEN 30 WHEN 'retard_soustraction' THEN 1
							WHEN 'identification_part' THEN 50 WHEN 'identification_rapport' THEN 2
							WHEN 'identification_vacances' THEN 10 WHEN 'mixite_poids' THEN 50 WHEN 'mixite_fenetre' THEN 10 END);
END
$$;
COMMENT ON FUNCTION flux_mgmt.valeur_parametre(text) IS
	'the value of an orientation parameter: the one set in parametre_orientation, else its default (see the table''s comment); null for a key that is not one';

CREATE OR REPLACE FUNCTION flux_mgmt.date_decision(vacance_id bigint) RETURNS date
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	RETURN (SELECT greatest(va.date_liberation, (SELECT max(o.date_issue) FROM orientation o WHERE o.vacance_id = va.id))
			FROM vacance va WHERE va.id = $1);
END
$$;
COMMENT ON FUNCTION flux_mgmt.date_decision(bigint) IS
	'the day a vacancy is decided: its date_liberation, or the date its last orientation ended when later; what decider(), avis_soustractions() and orienter_en_attente() date a decision at; null for an unknown vacancy';

CREATE OR REPLACE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
									nb_pieces smallint, financement flux_mgmt.financement, qpv boolean,
									le date DEFAULT NULL)
RETURNS SETOF flux_mgmt.candidat_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- plpgsql keeps the plan of its query (an SQL function would plan it at
	-- every call); generic, since it only looks up keys, through indexes
	-- (a plan cached while the counters were small must not scan them whole)
	SET plan_cache_mode = force_generic_plan
	SET enable_seqscan = off
AS $$
BEGIN
	RETURN QUERY
	WITH bornes AS (
		SELECT premiere_commune(d) AS premiere, derniere_commune(d) AS derniere, d
		FROM (SELECT departement($2) AS d) AS x
	), par_beneficiaire AS (
		-- the engine's counters (compteur_moteur), a row per beneficiary:
		-- each in-flux vacancy once, for the beneficiary it is (or, while its
		-- orientation is open, will be) charged to; and the orientations of
		-- the year, outside QPV or not, for the préfet's floor
		SELECT k.reservataire, sum(k.imputees) AS n, sum(k.proposes) AS proposes, sum(k.proposes_hors_qpv) AS hors_qpv
		FROM bornes, compteur_moteur k
		WHERE k.bailleur = $1 AND k.annee = $3 AND k.departement = bornes.d
		GROUP BY k.reservataire
	), total AS (
		SELECT coalesce(sum(k.n), 0) AS n FROM par_beneficiaire k
	), en_vigueur AS MATERIALIZED (
		-- MATERIALIZED: a territory's communes computed once, not at every
		-- counter row its scope is compared with
		SELECT c.* FROM bornes, conventions_en_vigueur($1, bornes.d, $3) AS c
	), territoriales AS (
		-- a territory's counts, from the per-commune counters of its communes
		-- only: the in-flux vacancies there, and those of the réservataire
		SELECT c.id, sum(k.imputees) AS t, coalesce(sum(k.imputees) FILTER (WHERE k.reservataire = c.reservataire), 0) AS a
		FROM en_vigueur c
		JOIN compteur k ON k.bailleur = $1 AND k.annee = $3 AND k.commune = ANY (c.communes) AND k.dans_flux
		WHERE c.communes IS NOT NULL
		GROUP BY c.id
	), epuisements AS MATERIALIZED (
		-- the converted conventions of wholly limited rights, with the rights
		-- engaged so far, open orientations included
		SELECT p.convention_id, k.droits_uniques, k.fin, droits_engages(k.id, $3, true) AS engages
		FROM bornes
		JOIN conversion k ON k.bailleur = $1 AND k.departement = bornes.d AND k.droits_uniques IS NOT NULL
		JOIN conversion_palier p ON p.conversion_id = k.id AND p.volume_limite = p.volume_annuel AND p.convention_id IS NOT NULL
	), conventions AS (
		-- every convention in force in the département, with its count and
		-- entitlement in its scope (a territory's communes are summed apart)
		SELECT c.reservataire, CASE WHEN e.fin_droits IS NULL THEN c.taux ELSE 0 END AS taux, c.communes, c.type, c.id,
			   m.porte, m.t, m.a, m.t * CASE WHEN e.fin_droits IS NULL THEN c.taux ELSE 0 END / 100 AS droit, e.fin_droits
		FROM total, en_vigueur AS c
		LEFT JOIN LATERAL (
			SELECT CASE WHEN x.droits_uniques - x.engages < 1
						THEN format('converted rights used up: %s single-use rights granted, %s engaged; no more dwellings under them',
									trim_scale(round(x.droits_uniques, 2)), trim_scale(round(x.engages, 2)))
						ELSE format('converted rights ended on %s; no more dwellings under them', to_char(x.fin, 'YYYY-MM-DD')) END AS fin_droits
			FROM epuisements x
			-- fin is exclusive, as for detail_conversion (a right ending on fin is expired on fin)
			WHERE x.convention_id = c.id AND (x.droits_uniques - x.engages < 1 OR x.fin <= coalesce($7, make_date($3, 1, 1)))
			LIMIT 1
		) AS e ON true
		LEFT JOIN par_beneficiaire pb ON pb.reservataire = c.reservataire
		LEFT JOIN territoriales z ON z.id = c.id
		CROSS JOIN LATERAL (SELECT c.communes IS NULL OR $2 = ANY (c.communes) AS porte) AS p
		CROSS JOIN LATERAL (
			SELECT p.porte,
				   p.porte::int + CASE WHEN c.communes IS NULL THEN total.n ELSE coalesce(z.t, 0) END AS t,
				   CASE WHEN c.communes IS NULL THEN coalesce(pb.n, 0) ELSE coalesce(z.a, 0) END AS a
		) AS m
	), pool AS (
		SELECT 1 + total.n AS t, coalesce((SELECT pb.n FROM par_beneficiaire pb WHERE pb.reservataire IS NULL), 0) AS a
		FROM total
	), tous AS (
		SELECT c.reservataire, c.taux, c.communes, c.type, c.id, c.t, c.a, c.fin_droits FROM conventions c WHERE c.porte
		UNION ALL
		SELECT NULL, round(100 * (p.t - coalesce((SELECT sum(c.droit) FROM conventions c), 0)) / p.t, 4), NULL, NULL, NULL, p.t, p.a, NULL
		FROM pool p
	), conversions AS MATERIALIZED (
		-- single-use rights of converted stock still to use (issue of the conversion);
		-- MATERIALIZED: read once, not once per candidate
		SELECT c.reservataire, c.droits_uniques, c.droits_restants, c.fin
		FROM bornes, consommation_conversion($1, bornes.d) AS c
		WHERE EXISTS (SELECT FROM conversion k WHERE k.bailleur = $1 AND k.departement = bornes.d)
		  AND c.droits_restants > 0 AND (c.fin IS NULL OR c.fin >= make_date($3, 1, 1))
	), objectifs AS MATERIALIZED (
		-- the candidates holding indicative objectives (few, often none)
		SELECT x.reservataire FROM tous x WHERE EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)
	), proposes AS (
		-- the mix so far by commune, typology, financing and QPV, of the
		-- holders of indicative objectives only; not read when there are none
		SELECT b.reservataire, b.commune, b.typologie, b.financement, b.qpv, sum(b.proposes) AS n
		FROM bornes, compteur_bilan b
		WHERE EXISTS (SELECT FROM objectifs)
		  AND b.bailleur = $1 AND b.annee = $3 AND b.commune BETWEEN bornes.premiere AND bornes.derniere
		  -- an array computed once: a join was planned as a loop over it per row
		  AND b.reservataire = ANY (ARRAY(SELECT o.reservataire FROM objectifs o))
		GROUP BY b.reservataire, b.commune, b.typologie, b.financement, b.qpv
	), preferences AS (
		-- the candidates a preference can concern: the préfet, the holders of
		-- indicative objectives or of converted rights (the others' would be
		-- empty, and cost as much to compute)
		SELECT x.id, p.preference, p.motifs
		FROM tous x
		CROSS JOIN LATERAL (
			-- each indicative objective the dwelling meets: its target minus the
			-- share reached so far among the réservataire's proposals this year;
			-- for the préfet, the floor of orientations outside QPV
			SELECT sum(o.ecart) AS preference, array_agg(o.motif ORDER BY o.motif) AS motifs
			FROM (
				SELECT oi.part - coalesce(100.0 * sum(m.n) FILTER (WHERE m.conforme) / nullif(sum(m.n), 0), 0) AS ecart,
					   format('objective %s = %s: %s %% wanted, %s %% so far', oi.critere, oi.valeur, oi.part,
							  round(coalesce(100.0 * sum(m.n) FILTER (WHERE m.conforme) / nullif(sum(m.n), 0), 0), 1)) AS motif
				FROM objectif_indicatif oi
				LEFT JOIN LATERAL (
					SELECT pr.n, CASE oi.critere
						WHEN 'nb_pieces' THEN pr.typologie = typologie(oi.valeur::smallint)
						WHEN 'financement' THEN pr.financement::text = oi.valeur
						WHEN 'qpv' THEN pr.qpv = oi.valeur::boolean
						WHEN 'commune' THEN pr.commune::text = oi.valeur END AS conforme
					FROM proposes pr
					WHERE pr.reservataire = x.reservataire AND (x.communes IS NULL OR pr.commune = ANY (x.communes))
				) AS m ON true
				WHERE oi.convention_id = x.id
				  AND CASE oi.critere
					  WHEN 'nb_pieces' THEN least($4, 5) = oi.valeur::smallint
					  WHEN 'financement' THEN $5::text = oi.valeur
					  WHEN 'qpv' THEN $6 = oi.valeur::boolean
					  WHEN 'commune' THEN $2::text = oi.valeur END
				GROUP BY oi.critere, oi.valeur, oi.part
				UNION ALL
				SELECT CASE WHEN $6 THEN -1 ELSE 1 END * greatest(0, pl.valeur - coalesce(hq.part, 0)),
					   format('préfet outside QPV: %s %% of its orientations so far, at least %s %% wanted', round(coalesce(hq.part, 0), 1), pl.valeur)
				FROM (SELECT valeur_parametre('plancher_prefet_hors_qpv') AS valeur) AS pl,
					 -- null, not 0, with none outside QPV yet (as the per-commune sums gave)
					 LATERAL (SELECT 100.0 * nullif(sum(pb.hors_qpv), 0) / nullif(sum(pb.proposes), 0) AS part
							  FROM par_beneficiaire pb WHERE pb.reservataire = x.reservataire) AS hq
				WHERE x.type = 'etat_prioritaires'
				UNION ALL
				SELECT 5 * cv.droits_restants / cv.droits_uniques,
					   format('converted stock: %s single-use rights left of %s, until %s',
							  trim_scale(round(cv.droits_restants, 2)), trim_scale(round(cv.droits_uniques, 2)),
							  coalesce(to_char(cv.fin, 'YYYY-MM-DD'), 'used up'))
				FROM conversions cv WHERE cv.reservataire = x.reservataire AND x.fin_droits IS NULL
			) AS o
		) AS p
		WHERE x.id IS NOT NULL
		  AND (x.type = 'etat_prioritaires' OR EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)
			   OR EXISTS (SELECT FROM conversions cv WHERE cv.reservataire = x.reservataire))
	)
	SELECT x.reservataire, coalesce(r.nom, 'landlord''s pool'), x.communes IS NOT NULL, greatest(x.taux, 0)::numeric,
		   x.t::bigint, x.a::bigint, coalesce(p.preference, 0)::numeric,
		   (CASE WHEN x.fin_droits IS NOT NULL THEN ARRAY[x.fin_droits] ELSE '{}' END || coalesce(p.motifs, '{}'))::text[], cv.gestion
	FROM tous x
	LEFT JOIN reservataire r ON r.code = x.reservataire
	LEFT JOIN convention cv ON cv.id = x.id
	LEFT JOIN preferences p ON p.id = x.id
	ORDER BY x.reservataire NULLS LAST;
END
$$;
COMMENT ON FUNCTION flux_mgmt.candidats(text, flux_mgmt.code_insee, integer, smallint, flux_mgmt.financement, boolean, date) IS
	'the candidates for an in-flux dwelling of a landlord in a commune in a year (available on le): conventions in force whose scope contains the commune, with their counts in their scope (this dwelling included), and the landlord''s pool, whose entitlement is what the département''s count leaves after every convention''s entitlement (its share: that over the count); a converted convention of wholly limited rights has share 0 once less than one of its single-use rights is left (charges, and open orientations not charged yet, engaging them) or its term (exclusive) is on or before le (or 1 January), with the reason first in its motifs; with their convention''s management (directe, deleguee) and their preferences in percentage points: each indicative objective the dwelling meets, its target minus the share reached; the préfet''s floor outside QPV (parametre_orientation, default 30); single-use rights of converted stock left (up to 5 points)';

