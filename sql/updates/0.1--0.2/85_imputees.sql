--------------------------------------------------------------------------------
-- The engine balances what is charged (issue 13): each in-flux vacancy counts
-- once in the engine's step t, in the year it became available, for the
-- beneficiary it is charged to, or while nothing is charged the one its open
-- orientation names (a carence charged to a réservataire and the same
-- dwelling let from the pool count once).  A counter column, imputees, in
-- the ledger and the counters; see sql/src/65_compteurs.sql and 75_moteur.sql.
--------------------------------------------------------------------------------

CREATE OR REPLACE VIEW flux_mgmt.orientation_decompte WITH (security_invoker = true) AS
SELECT x.id, x.vacance_id, x.reservataire, x.soustraction, x.date_orientation, x.issue, x.date_issue,
	   x.bailleur, x.commune, x.typologie, x.financement, x.qpv, x.periode, x.dans_flux, x.mode_decompte,
	   x.date_bail, x.premier_quartile, x.relogement_renouvellement, x.prioritaire, x.date_decompte,
	   x.id OPERATOR(pg_catalog.=) min(x.id) FILTER (WHERE x.date_decompte IS NOT NULL)
		OVER (PARTITION BY x.vacance_id) AS decompte,
	   -- the engine's count: the charge, or while nothing is charged the open orientation
	   x.dans_flux AND coalesce(x.id OPERATOR(pg_catalog.=) min(x.id) FILTER (WHERE x.date_decompte IS NOT NULL)
									OVER (PARTITION BY x.vacance_id),
								x.issue OPERATOR(pg_catalog.=) ANY ('{en_cours,attribuee}')) AS imputee,
	   x.date_liberation
FROM (
	SELECT o.id, o.vacance_id, o.reservataire, o.soustraction, o.date_orientation, o.issue, o.date_issue,
		   l.bailleur, l.commune, flux_mgmt.typologie(l.nb_pieces) AS typologie, l.financement, l.qpv,
		   flux_mgmt.periode_construction(l.annee_construction) AS periode, f.dans_flux,
		   CASE WHEN f.dans_flux THEN coalesce(c.mode_decompte, 'bail') END AS mode_decompte,
		   a.date_bail, a.premier_quartile, a.relogement_renouvellement, a.dalo OR a.prioritaire AS prioritaire,
		   CASE WHEN f.dans_flux THEN
			   CASE coalesce(c.mode_decompte, 'bail')  -- the pool behaves as bail
			   WHEN 'orientation' THEN CASE WHEN o.issue OPERATOR(pg_catalog.<>) 'retiree' THEN o.date_orientation END
			   WHEN 'bail' THEN CASE WHEN o.issue OPERATOR(pg_catalog.=) 'attribuee' THEN a.date_bail END
			   ELSE CASE o.issue WHEN 'attribuee' THEN a.date_bail WHEN 'carence' THEN o.date_issue END
			   END
		   END AS date_decompte,
		   v.date_liberation
	FROM flux_mgmt.orientation o
	JOIN flux_mgmt.vacance v ON v.id OPERATOR(pg_catalog.=) o.vacance_id
	JOIN flux_mgmt.logement l ON l.id OPERATOR(pg_catalog.=) v.logement_id
	CROSS JOIN LATERAL (SELECT l.regime OPERATOR(pg_catalog.=) 'flux' AND o.soustraction IS NULL AS dans_flux) AS f
	LEFT JOIN flux_mgmt.attribution a ON a.orientation_id OPERATOR(pg_catalog.=) o.id
	LEFT JOIN LATERAL flux_mgmt.convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) AS c ON f.dans_flux
) AS x;
COMMENT ON COLUMN flux_mgmt.orientation_decompte.imputee IS 'the orientation engine counts its vacancy for its beneficiary: it is the vacancy''s charge, or nothing of the vacancy is charged and it is open (en_cours or attribuee) in the flux; one orientation of a vacancy at most';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_liberation IS 'when its vacancy''s dwelling became available: the engine counts the vacancy in that year';

CREATE OR REPLACE VIEW flux_mgmt.contribution_calculee WITH (security_invoker = true) AS
SELECT e.vacance_id, e.bailleur, e.commune, e.typologie, e.financement, e.qpv, e.periode,
	   k.annee, e.reservataire, e.soustraction, e.dans_flux,
	   k.en_cours, k.attribuees, k.carences, k.echecs, k.retirees, k.decomptes,
	   k.baux, k.hors_qpv, k.q1_hors_qpv, k.q234_en_qpv, k.prioritaires, k.imputees
FROM flux_mgmt.orientation_decompte AS e
CROSS JOIN LATERAL (VALUES
	(pg_catalog.date_part('year', e.date_orientation)::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'en_cours')::integer, (e.issue OPERATOR(pg_catalog.=) 'attribuee')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'carence')::integer, (e.issue OPERATOR(pg_catalog.=) 'echec')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'retiree')::integer, 0, 0, 0, 0, 0, 0,
	 (e.imputee AND pg_catalog.date_part('year', e.date_liberation) OPERATOR(pg_catalog.=) pg_catalog.date_part('year', e.date_orientation))::integer),
	-- the engine's count, in the year of the vacancy: on the orientation's row when the years agree
	(CASE WHEN e.imputee AND pg_catalog.date_part('year', e.date_liberation) OPERATOR(pg_catalog.<>) pg_catalog.date_part('year', e.date_orientation)
		  THEN pg_catalog.date_part('year', e.date_liberation)::integer END,
	 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
	(CASE WHEN e.decompte THEN pg_catalog.date_part('year', e.date_decompte)::integer END,
	 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
	(pg_catalog.date_part('year', e.date_bail)::integer,
	 0, 0, 0, 0, 0, 0, 1, (NOT e.qpv)::integer,
	 (NOT e.qpv AND (e.premier_quartile OR e.relogement_renouvellement))::integer,
	 (e.qpv AND NOT e.premier_quartile)::integer, e.prioritaire::integer, 0)
) AS k (annee, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
WHERE k.annee IS NOT NULL;
COMMENT ON COLUMN flux_mgmt.contribution_calculee.imputees IS '1 for the orientation the engine counts its vacancy for (orientation_decompte.imputee), in the year the vacancy''s dwelling became available';

-- The new columns, filled from the events, in statements linear in the size
-- of the tables: the ledger rows of every vacancy again from the view (the
-- other columns as they were, the ledger being exact); each counter key gets
-- the sum of its ledger rows on its lowest tranche, the other columns and
-- tranches kept; a key the counters lacked gets a row at zero but for it.
ALTER TABLE flux_mgmt.contribution ADD COLUMN imputees integer;
ALTER TABLE flux_mgmt.compteur ADD COLUMN imputees bigint;
COMMENT ON COLUMN flux_mgmt.contribution.imputees IS 'as in contribution_calculee: 1 for the orientation the engine counts its vacancy for (orientation_decompte.imputee), in the year the vacancy''s dwelling became available';
COMMENT ON COLUMN flux_mgmt.compteur.imputees IS 'in-flux vacancies the orientation engine counts for the beneficiary, by the year the dwelling became available: charged to it, or oriented to it and open while nothing of the vacancy is charged (each vacancy once)';
COMMENT ON COLUMN flux_mgmt.compteur.annee IS 'year counted in: of the orientation (en_cours … retirees), of the vacancy (imputees), of the charge (decomptes), of the lease (baux … prioritaires)';
DELETE FROM flux_mgmt.contribution;
INSERT INTO flux_mgmt.contribution SELECT * FROM flux_mgmt.contribution_calculee;
INSERT INTO flux_mgmt.compteur AS k (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
								en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
								hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
SELECT u.bailleur, u.annee, u.commune, u.reservataire, u.soustraction, u.dans_flux, coalesce(min(u.tranche), 0),
	   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, sum(u.n)
FROM (SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche, 0 AS n FROM flux_mgmt.compteur
	  UNION ALL
	  SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, NULL, imputees FROM flux_mgmt.contribution) AS u
GROUP BY u.bailleur, u.annee, u.commune, u.reservataire, u.soustraction, u.dans_flux
HAVING sum(u.n) <> 0
ON CONFLICT (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche) DO UPDATE SET imputees = excluded.imputees;
UPDATE flux_mgmt.compteur SET imputees = 0 WHERE imputees IS NULL;
ALTER TABLE flux_mgmt.contribution ALTER COLUMN imputees SET NOT NULL;
ALTER TABLE flux_mgmt.compteur ALTER COLUMN imputees SET NOT NULL;

-- the check compares the new column too
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
	ORDER BY 1;
$$;

-- the engine counts it
CREATE OR REPLACE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
									nb_pieces smallint, financement flux_mgmt.financement, qpv boolean)
RETURNS SETOF flux_mgmt.candidat_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- plpgsql keeps the plan of its query (an SQL function would plan it at
	-- every call); generic, since it only looks up keys
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
	WITH bornes AS (
		SELECT premiere_commune(d) AS premiere, derniere_commune(d) AS derniere, d
		FROM (SELECT departement($2) AS d) AS x
	), comptes AS (
		-- each in-flux vacancy once, for the beneficiary it is (or, while its
		-- orientation is open, will be) charged to
		SELECT k.reservataire, k.commune, sum(k.imputees) AS n
		FROM bornes, compteur k
		WHERE k.bailleur = $1 AND k.annee = $3 AND k.commune BETWEEN bornes.premiere AND bornes.derniere AND k.dans_flux
		GROUP BY k.reservataire, k.commune
	), par_beneficiaire AS (
		SELECT k.reservataire, sum(k.n) AS n FROM comptes k GROUP BY k.reservataire
	), total AS (
		SELECT coalesce(sum(k.n), 0) AS n FROM comptes k
	), conventions AS (
		-- every convention in force in the département, with its count and
		-- entitlement in its scope (a territory's communes are summed apart)
		SELECT c.reservataire, c.taux, c.communes, c.type, c.id, m.porte, m.t, m.a, m.t * c.taux / 100 AS droit
		FROM bornes, total, conventions_en_vigueur($1, bornes.d, $3) AS c
		LEFT JOIN par_beneficiaire pb ON pb.reservataire = c.reservataire
		CROSS JOIN LATERAL (SELECT c.communes IS NULL OR $2 = ANY (c.communes) AS porte) AS p
		CROSS JOIN LATERAL (
			SELECT p.porte,
				   p.porte::int + CASE WHEN c.communes IS NULL THEN total.n
					   ELSE (SELECT coalesce(sum(k.n), 0) FROM comptes k WHERE k.commune = ANY (c.communes)) END AS t,
				   CASE WHEN c.communes IS NULL THEN coalesce(pb.n, 0)
					   ELSE (SELECT coalesce(sum(k.n), 0) FROM comptes k
							 WHERE k.reservataire = c.reservataire AND k.commune = ANY (c.communes)) END AS a
		) AS m
	), pool AS (
		SELECT 1 + total.n AS t, coalesce((SELECT pb.n FROM par_beneficiaire pb WHERE pb.reservataire IS NULL), 0) AS a
		FROM total
	), tous AS (
		SELECT c.reservataire, c.taux, c.communes, c.type, c.id, c.t, c.a FROM conventions c WHERE c.porte
		UNION ALL
		SELECT NULL, round(100 * (p.t - coalesce((SELECT sum(c.droit) FROM conventions c), 0)) / p.t, 4), NULL, NULL, NULL, p.t, p.a
		FROM pool p
	), conversions AS MATERIALIZED (
		-- single-use rights of converted stock still to use (issue of the conversion);
		-- MATERIALIZED: read once, not once per candidate
		SELECT c.reservataire, c.droits_uniques, c.droits_restants, c.fin
		FROM bornes, consommation_conversion($1, bornes.d) AS c
		WHERE EXISTS (SELECT FROM conversion k WHERE k.bailleur = $1 AND k.departement = bornes.d)
		  AND c.droits_restants > 0 AND (c.fin IS NULL OR c.fin >= make_date($3, 1, 1))
	), proposes AS (
		-- the mix so far of the candidates a preference reads it for (indicative
		-- objectives, the préfet's floor): the others' rows are not grouped
		SELECT b.reservataire, b.commune, b.typologie, b.financement, b.qpv, sum(b.proposes) AS n
		FROM bornes, compteur_bilan b
		WHERE b.bailleur = $1 AND b.annee = $3 AND b.commune BETWEEN bornes.premiere AND bornes.derniere
		  -- an array computed once: a join to tous was planned as a loop over it per row
		  AND b.reservataire = ANY (ARRAY(SELECT x.reservataire FROM tous x
										  WHERE x.type = 'etat_prioritaires'
											 OR EXISTS (SELECT FROM objectif_indicatif oi WHERE oi.convention_id = x.id)))
		GROUP BY b.reservataire, b.commune, b.typologie, b.financement, b.qpv
	)
	SELECT x.reservataire, coalesce(r.nom, 'landlord''s pool'), x.communes IS NOT NULL, greatest(x.taux, 0)::numeric,
		   x.t::bigint, x.a::bigint, coalesce(p.preference, 0)::numeric, coalesce(p.motifs, '{}')::text[]
	FROM tous x
	LEFT JOIN reservataire r ON r.code = x.reservataire
	LEFT JOIN LATERAL (
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
			FROM (SELECT coalesce((SELECT valeur FROM parametre_orientation WHERE cle = 'plancher_prefet_hors_qpv'), 30) AS valeur) AS pl,
				 LATERAL (SELECT 100.0 * sum(pr.n) FILTER (WHERE NOT pr.qpv) / nullif(sum(pr.n), 0) AS part
						  FROM proposes pr WHERE pr.reservataire = x.reservataire) AS hq
			WHERE x.type = 'etat_prioritaires'
			UNION ALL
			SELECT 5 * cv.droits_restants / cv.droits_uniques,
				   format('converted stock: %s single-use rights left of %s, until %s',
						  trim_scale(round(cv.droits_restants, 2)), trim_scale(round(cv.droits_uniques, 2)), coalesce(cv.fin::text, 'used up'))
			FROM conversions cv WHERE cv.reservataire = x.reservataire
		) AS o
	) AS p ON true
	ORDER BY x.reservataire NULLS LAST;
END
$$;
COMMENT ON FUNCTION flux_mgmt.candidats(text, flux_mgmt.code_insee, integer, smallint, flux_mgmt.financement, boolean) IS
	'the candidates for an in-flux dwelling of a landlord in a commune in a year: conventions in force whose scope contains the commune, with their counts in their scope (this dwelling included), and the landlord''s pool, whose entitlement is what the département''s count leaves after every convention''s entitlement (its share: that over the count); with their preferences in percentage points: each indicative objective the dwelling meets, its target minus the share reached; the préfet''s floor outside QPV (parametre_orientation, default 30); single-use rights of converted stock left (up to 5 points)';
