-- flux_mgmt install script, part 80_atteinte: attainment and objectives.
--
-- The reporting views: attainment, allocation objectives, yearly and subtraction bilans.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Reports: attainment, objectives, the yearly report
--
-- What reporting tools read (DOMAIN §3.7, §3.8; CONTRACT.md "Views").  Every
-- figure comes from the counters (compteur, compteur_bilan), summed over their
-- tranches: nothing here recounts the events.  Years are those of the
-- counters: an orientation and its outcome count in the year of the
-- orientation, a charge in the year of its date, a lease in the year of
-- date_bail.  The readers of one landlord × département × year are SQL
-- functions with a standard body (bound at creation, inlinable), so that
-- WHERE bailleur = … AND annee = … on a view reaches the counters' index.
--------------------------------------------------------------------------------

-- The targets of the allocation objectives (DOMAIN §3.7): 25, 50, 25, 25 %
-- unless a row here says otherwise, for a territory (the CIL of an EPCI or
-- EPT sets its own O1/O2) or everywhere (epci null).
CREATE TABLE flux_mgmt.cible_objectif (
	objectif text NOT NULL,
	epci text,
	cible numeric NOT NULL,
	CONSTRAINT cible_objectif_cle UNIQUE NULLS NOT DISTINCT (objectif, epci),
	CONSTRAINT cible_objectif_objectif CHECK (objectif IN ('O1', 'O2', 'O3', 'O4')),
	CONSTRAINT cible_objectif_epci CHECK (epci ~ '^[0-9]{9}$'),
	CONSTRAINT cible_objectif_cible CHECK (cible >= 0 AND cible <= 100)
);
COMMENT ON TABLE flux_mgmt.cible_objectif IS
	'targets of the allocation objectives O1-O4 that differ from the defaults (O1 25 %, O2 50 %, O3 25 %, O4 25 %): for one intercommunal territory (its CIL''s choice) or everywhere (epci null); empty by default';
COMMENT ON COLUMN flux_mgmt.cible_objectif.objectif IS 'O1 (outside QPV, first quartile), O2 (inside QPV, quartiles 2-4), O3 (réservataires other than the State, priority households), O4 (the landlord''s pool, priority households)';
COMMENT ON COLUMN flux_mgmt.cible_objectif.epci IS 'SIREN of the territory (the EPT in the Métropole du Grand Paris, else the EPCI; see objectifs_attribution.epci); null: every territory and the landlord totals';
COMMENT ON COLUMN flux_mgmt.cible_objectif.cible IS 'target in percent of the denominator';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.cible_objectif', '');

CREATE FUNCTION flux_mgmt.verifier_cible_objectif() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	IF NEW.objectif IS NULL OR NEW.objectif NOT IN ('O1', 'O2', 'O3', 'O4') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown objective %L', NEW.objectif),
			'The allocation objectives are O1, O2, O3 and O4 (DOMAIN §3.7).',
			'Write O1, O2, O3 or O4.', 'invalid_parameter_value');
	END IF;
	IF NEW.epci !~ '^[0-9]{9}$' THEN
		PERFORM flux_mgmt.refuser(
			format('territory %L of the %s target is not a SIREN', NEW.epci, NEW.objectif),
			NULL,
			'Give the SIREN of the EPCI or EPT (flux_mgmt.commune.epci or .ept), or null for every territory.',
			'invalid_parameter_value');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.cible, 'target', format('objective %s', NEW.objectif));
	IF NEW.cible IS NULL OR NOT (NEW.cible >= 0 AND NEW.cible <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('target %s %% of %s is out of range', coalesce(NEW.cible::text, 'null'), NEW.objectif),
			NULL,
			'Write the target in percent, from 0 to 100 (50 means 50 %).');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_cible_objectif() IS
	'row rules of cible_objectif: a known objective, a SIREN or null, a finite target in [0, 100]';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.cible_objectif
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_cible_objectif();
COMMENT ON TRIGGER verifier ON flux_mgmt.cible_objectif IS 'runs flux_mgmt.verifier_cible_objectif() on every written row: the rules of a cible_objectif, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.cible_en_vigueur(objectif text, epci text) RETURNS numeric
	LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce(
	(SELECT c.cible FROM flux_mgmt.cible_objectif c WHERE c.objectif = $1 AND c.epci = $2),
	(SELECT c.cible FROM flux_mgmt.cible_objectif c WHERE c.objectif = $1 AND c.epci IS NULL),
	CASE $1 WHEN 'O2' THEN 50 ELSE 25 END);
COMMENT ON FUNCTION flux_mgmt.cible_en_vigueur(text, text) IS
	'the target of an objective in a territory (null: the landlord totals): the territory''s row of cible_objectif, else its row for every territory, else the default (O2 50 %, the others 25 %)';

-- Attainment of one landlord × département × year, from the in-flux
-- counters: one row per convention in force (its scope: the département, or
-- the communes of its territory there), one per beneficiary counted that
-- year without a convention in force (a lease signed after its convention
-- ended: no entitlement), and the landlord's pool, whose entitlement is what
-- the département's flux leaves after the others', so that the entitlements
-- add up to the flux.
CREATE FUNCTION flux_mgmt.atteinte_annuelle(qui flux_mgmt.portee, bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	-- as the owner, over every counter; the lines the caller may see
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED ROWS 10
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH k AS (
		SELECT k.commune, k.reservataire, sum(k.decomptes) AS decomptes, sum(k.en_cours) AS en_cours,
			   sum(k.carences) AS carences
		FROM flux_mgmt.compteur k
		WHERE k.bailleur = $2 AND k.annee = $4 AND k.dans_flux
		  -- the département's range of the index, not every commune of the landlord-year
		  AND k.commune OPERATOR(flux_mgmt.>=) flux_mgmt.premiere_commune($3)
		  AND k.commune OPERATOR(flux_mgmt.<=) flux_mgmt.derniere_commune($3)
		  AND flux_mgmt.departement(k.commune) = $3
		GROUP BY k.commune, k.reservataire
	), v AS (
		SELECT v.reservataire, v.taux, v.communes, v.id FROM flux_mgmt.conventions_en_vigueur($2, $3, $4) AS v
	), beneficiaires AS (
		SELECT v.reservataire, v.taux, v.communes, v.id FROM v
		UNION ALL
		SELECT DISTINCT k.reservataire, 0, NULL::flux_mgmt.code_insee[], NULL::bigint FROM k
		WHERE k.reservataire IS NOT NULL
		  AND k.reservataire <> ALL (ARRAY(SELECT v.reservataire FROM v))
	), c AS (
		SELECT b.reservataire, b.taux, b.communes IS NULL AS departemental, s.flux_realise,
			   CASE WHEN lim.restants IS NULL THEN b.taux * s.flux_realise * 0.01
					ELSE least(b.taux * s.flux_realise * 0.01 * coalesce(lim.fraction, 1), lim.restants) END AS droit,
			   s.decomptes, s.en_cours, s.carences
		FROM beneficiaires b
		-- a convention converted from limited rights only (DOMAIN §3.4): its
		-- share applies while its single-use rights last, so its entitlement
		-- is at most the rights left at the start of the year (granted minus
		-- the charges of the conversion's earlier years), and in the year
		-- their term falls, the share of the part of the year before it (pro
		-- rata of the days: the counters are yearly)
		LEFT JOIN LATERAL (
			SELECT greatest(0, k2.droits_uniques - flux_mgmt.droits_engages(k2.id, $4 - 1, false)) AS restants,
				   CASE WHEN pg_catalog.date_part('year', k2.fin) = $4
						THEN (k2.fin - pg_catalog.make_date($4, 1, 1))::numeric
							 / (pg_catalog.make_date($4 + 1, 1, 1) - pg_catalog.make_date($4, 1, 1)) END AS fraction
			FROM flux_mgmt.conversion_palier p2 JOIN flux_mgmt.conversion k2 ON k2.id = p2.conversion_id
			WHERE p2.convention_id = b.id AND p2.volume_limite = p2.volume_annuel AND k2.droits_uniques IS NOT NULL
			LIMIT 1
		) AS lim ON true
		CROSS JOIN LATERAL (
			SELECT coalesce(sum(k.decomptes), 0)::bigint AS flux_realise,
				   coalesce(sum(k.decomptes) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS decomptes,
				   coalesce(sum(k.en_cours) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS en_cours,
				   coalesce(sum(k.carences) FILTER (WHERE k.reservataire = b.reservataire), 0)::bigint AS carences
			FROM k WHERE b.communes IS NULL OR k.commune OPERATOR(flux_mgmt.=) ANY (b.communes)
		) AS s
	), pool AS (
		SELECT coalesce(sum(k.decomptes), 0)::bigint AS flux_realise,
			   coalesce(sum(k.decomptes) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS decomptes,
			   coalesce(sum(k.en_cours) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS en_cours,
			   coalesce(sum(k.carences) FILTER (WHERE k.reservataire IS NULL), 0)::bigint AS carences,
			   (SELECT coalesce(sum(c.droit), 0) FROM c) AS droits,
			   (SELECT coalesce(sum(c.taux) FILTER (WHERE c.departemental), 0) FROM c) AS parts
		FROM k
	), lignes AS (
		SELECT c.reservataire, pg_catalog.trim_scale(c.taux) AS taux, c.flux_realise, pg_catalog.trim_scale(c.droit) AS droit,
			   c.decomptes, pg_catalog.trim_scale(c.droit - c.decomptes) AS ecart, c.en_cours, c.carences
		FROM c
		UNION ALL
		SELECT NULL,
			   pg_catalog.trim_scale(CASE WHEN p.flux_realise > 0 THEN round(100 * (p.flux_realise - p.droits) / p.flux_realise, 6)
										  ELSE 100 - p.parts END),
			   p.flux_realise, pg_catalog.trim_scale(p.flux_realise - p.droits), p.decomptes,
			   pg_catalog.trim_scale(p.flux_realise - p.droits - p.decomptes), p.en_cours, p.carences
		FROM pool p
	)
	SELECT l.reservataire, l.taux, l.flux_realise, l.droit, l.decomptes, l.ecart, l.en_cours, l.carences
	FROM lignes l
	CROSS JOIN (SELECT flux_mgmt.portee_sure($1) AS p) AS moi
	WHERE flux_mgmt.lit_ligne(moi.p, $2, l.reservataire);
END;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(flux_mgmt.portee, text, text, integer) IS
	'attainment of a landlord in a département in a year, from the in-flux counters: each convention in force (charges in its scope, its entitlement taux × charges / 100 — for a convention converted from limited rights only, at most the single-use rights left at the start of the year, and in the year of their term the share of the days before it —, charged to it, the difference, its open orientations and carences), each beneficiary counted without a convention in force (taux 0), then the pool (reservataire null: the département''s charges minus the others'' entitlements; taux 100 × that / charges, or 100 minus the département-wide shares when nothing was charged); computed as the owner over every counter, it returns the lines the scope qui may see (lit_ligne: all of them for the landlord''s staff or an observatory, its own and the pool''s for a réservataire), qui being one portee() issued in this transaction (portee_sure); no argument check';

-- The same for the current role: what the view and the readers of a
-- landlord-year call.
CREATE FUNCTION flux_mgmt.atteinte_annuelle(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	LANGUAGE plpgsql STABLE PARALLEL RESTRICTED ROWS 10
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- its arguments checked, as a yearly reader's (not the full read of
	-- exiger_portee(): a réservataire reads its lines here)
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(format('unknown landlord %L', $1), NULL,
								  'Give the code of a row of flux_mgmt.bailleur.', 'foreign_key_violation');
	END IF;
	PERFORM flux_mgmt.exiger_departement($2, 'atteinte_annuelle');
	IF $3 IS NULL OR $3 NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(format('year %s in atteinte_annuelle is out of range', coalesce($3::text, 'null')), NULL,
								  'Give a calendar year such as 2026.', 'invalid_parameter_value');
	END IF;
	RETURN QUERY SELECT * FROM flux_mgmt.atteinte_annuelle(flux_mgmt.portee(), $1, $2, $3);
END
$$;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(text, text, integer) IS
	'atteinte_annuelle(portee(), …): the attainment of a landlord in a département in a year, the lines the current role may see; an unknown landlord is 23503, an invalid département or a year outside 1900-2200 22023';

CREATE VIEW flux_mgmt.bilan_soustractions WITH (security_invoker = true) AS
SELECT s.bailleur, s.departement, s.annee, s.motif, sum(s.prevu)::integer AS prevu, coalesce(sum(s.realise), 0)::bigint AS realise
FROM (
	SELECT p.bailleur, p.departement, p.annee, p.motif, p.nombre AS prevu, NULL::bigint AS realise
	FROM flux_mgmt.soustraction_prevue p
	UNION ALL
	SELECT k.bailleur, flux_mgmt.departement(k.commune), k.annee, k.soustraction, NULL,
		   k.en_cours + k.attribuees + k.carences + k.echecs + k.retirees
	FROM flux_mgmt.compteur k WHERE k.soustraction IS NOT NULL
) AS s
GROUP BY s.bailleur, s.departement, s.annee, s.motif;
COMMENT ON VIEW flux_mgmt.bilan_soustractions IS
	'vacancies taken out of the flux (DOMAIN §3.2) per landlord, département, year and motive: the forecast (soustraction_prevue) and what happened (orientations with that soustraction, from the counters); a row for every forecast and every actual subtraction';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.annee IS 'year (of the orientation, for realise)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.motif IS 'internal mutation, urban renewal, degraded co-ownership, unfit housing, sale';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.prevu IS 'forecast number (soustraction_prevue); null when none was recorded';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions.realise IS 'vacancies oriented out of the flux for that motive that year (every outcome)';

-- The pace of the subtractions, month by month, against the forecast's:
-- read from the events (the counters are yearly), the subtracted
-- orientations through their own partial index.
CREATE INDEX orientation_soustraction ON flux_mgmt.orientation (soustraction, date_orientation) WHERE soustraction IS NOT NULL;
COMMENT ON INDEX flux_mgmt.orientation_soustraction IS 'the orientations out of the flux, by motive and date: the pace of the subtractions (bilan_soustractions_mois)';
CREATE VIEW flux_mgmt.bilan_soustractions_mois WITH (security_invoker = true) AS
SELECT g.bailleur, g.departement, g.annee, g.motif, m.mois, g.prevu,
	   round(g.prevu * m.mois / 12.0, 2) AS prevu_cumule,
	   (SELECT count(*) FROM unnest(g.mois) AS x WHERE x = m.mois) AS realise_mois,
	   (SELECT count(*) FROM unnest(g.mois) AS x WHERE x <= m.mois) AS realise_cumule
FROM (
	-- the month of each subtraction of the year
	SELECT s.bailleur, s.departement, s.annee, s.motif, sum(s.prevu)::integer AS prevu,
		   coalesce(array_agg(s.mois) FILTER (WHERE s.mois IS NOT NULL), '{}') AS mois
	FROM (
		SELECT p.bailleur, p.departement, p.annee, p.motif, p.nombre AS prevu, NULL::integer AS mois
		FROM flux_mgmt.soustraction_prevue p
		UNION ALL
		SELECT l.bailleur, flux_mgmt.departement(l.commune), date_part('year', o.date_orientation)::integer, o.soustraction, NULL,
			   date_part('month', o.date_orientation)::integer
		FROM flux_mgmt.orientation o
		JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		JOIN flux_mgmt.logement l ON l.id = v.logement_id
		WHERE o.soustraction IS NOT NULL
	) AS s
	GROUP BY s.bailleur, s.departement, s.annee, s.motif
) AS g
CROSS JOIN generate_series(1, 12) AS m(mois);
COMMENT ON VIEW flux_mgmt.bilan_soustractions_mois IS
	'the pace of the subtractions (DOMAIN §3.2) per landlord, département, year and motive, month by month: the forecast of the year (soustraction_prevue), its pace pro rata of the months gone, the vacancies oriented out of the flux for that motive in the month and since 1 January (every outcome, from the events: bilan_soustractions gives the year''s totals from the counters)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.annee IS 'year';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.motif IS 'internal mutation, urban renewal, degraded co-ownership, unfit housing, sale';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.mois IS 'month, 1 to 12';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.prevu IS 'forecast of the year (soustraction_prevue); null when none was recorded';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.prevu_cumule IS 'the forecast''s pace at the end of the month: prevu × mois / 12, to the hundredth';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.realise_mois IS 'vacancies oriented out of the flux for that motive in the month (date_orientation)';
COMMENT ON COLUMN flux_mgmt.bilan_soustractions_mois.realise_cumule IS 'the same from 1 January to the end of the month';

