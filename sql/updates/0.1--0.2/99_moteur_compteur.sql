--------------------------------------------------------------------------------
-- The engine at its grain (issue 13): compteur_moteur, the counters the
-- orientation engine reads, a row per landlord, year, département and
-- beneficiary, kept by both paths of the counter triggers with the other
-- counters, rebuilt and checked with them; candidats() reads it instead of
-- summing the per-commune counters of the whole département at each call.
-- Filled here from the counters (their rollup by département), so that it
-- equals a recount as they do.  The engine's reads: 99_moteur_lecture.sql.
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

