--------------------------------------------------------------------------------
-- Subtraction budgets in the suggestions (issue 16, item 6; DOMAIN §3.2):
-- avis_soustractions() lists the motifs of the landlord's forecast whose
-- subtractions are behind its pace at the vacancy's date, by
-- parametre_orientation.retard_soustraction dwellings (default 1);
-- suggerer() adds them to rank 1's reasons, as advice (it also marks a
-- delegated convention, 91_gestion.sql); bilan_soustractions_mois gives the
-- pace month by month, through a partial index of the subtracted
-- orientations.
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.parametre_orientation DROP CONSTRAINT parametre_orientation_cle,
	ADD CONSTRAINT parametre_orientation_cle CHECK (cle IN ('plancher_prefet_hors_qpv', 'retard_soustraction'));
COMMENT ON TABLE flux_mgmt.parametre_orientation IS
	'parameters of the orientation preferences, when they differ from their default: plancher_prefet_hors_qpv = the share (percent) of the préfet''s orientations that should lie outside QPV (default 30, R441-5-2); retard_soustraction = how many dwellings a subtraction motif must be behind its forecast''s pace before suggerer() says so (default 1); identification_part, identification_rapport, identification_vacances = when identification_programmes() flags a programme as identified with a réservataire (defaults 50 %, 2 times its share of the flux, 10 vacancies); the table starts empty, so that pg_dump keeps only what the user set';

-- a parameter's value or its default (75_moteur.sql)
CREATE FUNCTION flux_mgmt.valeur_parametre(cle text) RETURNS numeric
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT coalesce((SELECT p.valeur FROM flux_mgmt.parametre_orientation p WHERE p.cle = $1),
					CASE $1 WHEN 'plancher_prefet_hors_qpv' THEN 30 WHEN 'retard_soustraction' THEN 1
							WHEN 'identification_part' THEN 50 WHEN 'identification_rapport' THEN 2
							WHEN 'identification_vacances' THEN 10 WHEN 'mixite_poids' THEN 50 WHEN 'mixite_fenetre' THEN 10 END);
END;
COMMENT ON FUNCTION flux_mgmt.valeur_parametre(text) IS
	'the value of an orientation parameter: the one set in parametre_orientation, else its default (see the table''s comment); null for a key that is not one';

CREATE FUNCTION flux_mgmt.date_decision(vacance_id bigint) RETURNS date
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT greatest(va.date_liberation,
					(SELECT max(o.date_issue) FROM flux_mgmt.orientation o WHERE o.vacance_id = va.id))
	FROM flux_mgmt.vacance va WHERE va.id = $1;
END;
COMMENT ON FUNCTION flux_mgmt.date_decision(bigint) IS
	'the day a vacancy is decided: its date_liberation, or the date its last orientation ended when later; what decider(), avis_soustractions() and orienter_en_attente() date a decision at; null for an unknown vacancy';

CREATE FUNCTION flux_mgmt.avis_soustractions(vacance_id bigint) RETURNS text[]
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	-- once, not at each motif (a PL/pgSQL call each)
	seuil numeric := valeur_parametre('retard_soustraction');
BEGIN
	-- plpgsql keeps the plan of its query; a LANGUAGE sql function would plan it at every call
	RETURN (
	-- MATERIALIZED: date_decision() once, not in every join filter and subplan
	WITH v AS MATERIALIZED (
		SELECT x.*, make_date(x.annee, 1, 1) AS janvier,
			   least(1, (x.le - make_date(x.annee, 1, 1) + 1)::numeric
						/ (make_date(x.annee + 1, 1, 1) - make_date(x.annee, 1, 1))) AS fraction
		FROM (SELECT l.bailleur, departement(l.commune) AS d, extract(year FROM va.date_liberation)::integer AS annee,
					 date_decision(va.id) AS le
			  FROM vacance va JOIN logement l ON l.id = va.logement_id
			  WHERE va.id = $1 AND l.regime = 'flux') AS x
	), prevus AS (
		SELECT p.motif, p.nombre, v.le, p.nombre * v.fraction AS attendu,
			   -- through orientation_soustraction: the motif's subtractions of the period
			   (SELECT count(*) FROM orientation o
				JOIN vacance va ON va.id = o.vacance_id
				JOIN logement l ON l.id = va.logement_id
				WHERE o.soustraction = p.motif AND o.date_orientation BETWEEN v.janvier AND v.le
				  AND o.issue IN ('en_cours', 'attribuee')
				  AND l.bailleur = v.bailleur AND departement(l.commune) = v.d) AS fait
		FROM v JOIN soustraction_prevue p ON p.bailleur = v.bailleur AND p.departement = v.d AND p.annee = v.annee
		WHERE p.nombre > 0
	)
	SELECT coalesce(array_agg(format('advice, outside the quota: %s behind forecast, %s of %s done by %s where %s were expected at this point of the year; if a household waits for it, keep this dwelling out of the flux (orienter with soustraction => %L)',
									 p.motif, p.fait, p.nombre, to_char(p.le, 'YYYY-MM-DD'), trim_scale(round(p.attendu, 1)), p.motif)
							  ORDER BY p.motif), '{}')
	FROM prevus p
	WHERE p.attendu - p.fait >= seuil);
END
$$;
COMMENT ON FUNCTION flux_mgmt.avis_soustractions(bigint) IS
	'for an in-flux vacancy, one line per subtraction motif of its landlord''s forecast for the vacancy''s year (soustraction_prevue) whose subtractions done by the day it is decided (available, or back after its last orientation ended: vacancies oriented out of the flux for the motif since 1 January, still open or let) are behind the forecast''s pace that day (forecast × days of the year gone ÷ days of the year) by parametre_orientation.retard_soustraction dwellings or more (default 1); suggerer() adds them to rank 1''s reasons, never to its ranking';

CREATE OR REPLACE FUNCTION flux_mgmt.suggerer(vacance_id bigint)
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d decision_orientation := decider(suggerer.vacance_id);
	c candidat_orientation[] := d.candidats;
	n integer;
	k numeric;
	avis text[];
BEGIN
	IF d.regime IN ('stock_defense', 'stock_securite', 'stock_sante') THEN
		RETURN QUERY SELECT 1, d.titulaire, NULL::numeric, NULL::numeric,
			ARRAY[format('dwelling kept in stock (%s): it goes back to its holder %s at each vacancy, outside the flux', d.regime, d.nom_titulaire)];
		RETURN;
	ELSIF d.regime = 'hors_champ' THEN
		RETURN QUERY SELECT 1, NULL::text, NULL::numeric, NULL::numeric,
			ARRAY['dwelling outside the L441-1 regime: outside the flux, it goes to the landlord''s own pool'];
		RETURN;
	ELSIF d.decompte IS NOT NULL THEN
		RETURN QUERY SELECT 1, NULL::text, NULL::numeric, NULL::numeric, ARRAY[d.decompte];
		RETURN;
	END IF;
	n := (SELECT count(*) FROM unnest(c) AS x WHERE x.taux > 0);
	k := CASE WHEN n >= 2 THEN 2 * n - 2 ELSE 1 END;	-- c = 1/k
	avis := avis_soustractions(suggerer.vacance_id);

	RETURN QUERY
	SELECT r.rang::integer, x.reservataire, trim_scale(e.ecart),
		   CASE WHEN x.taux > 0 THEN round((1 - 1 / k - e.ecart) / (x.taux / 100), 3) END,
		   ARRAY[format('%s: entitlement %s of the %s in-flux dwellings of %s this year (%s %%), %s received: ecart %s',
						x.nom, round(x.t * x.taux / 100, 3), x.t,
						CASE WHEN x.territorial THEN 'its territory' ELSE 'the département' END,
						trim_scale(x.taux), x.a, round(e.ecart, 3))]
		   || CASE
				WHEN x.taux <= 0 THEN ARRAY['no entitlement left to it']
				WHEN e.ecart * k < 1 THEN ARRAY[format('at or above its quota: ecart below %s, not eligible this time', round(1 / k, 3))]
				WHEN r.rang = 1 AND r.idx = (d.choix).plus_urgent AND e.ecart <= 1 - 1 / k
					THEN ARRAY[format('most urgent: it falls below its quota within %s more dwellings (Tijdeman''s rule)',
									  round((1 - 1 / k - e.ecart) / (x.taux / 100), 3))]
				-- past the bound (the shares changed during the year, orientations made by hand)
				WHEN r.rang = 1 AND r.idx = (d.choix).plus_urgent
					THEN ARRAY[format('most urgent: already %s dwellings below its quota beyond the bound of %s (Tijdeman''s rule)',
									  round(e.ecart - (1 - 1 / k), 3), round(1 - 1 / k, 3))]
				WHEN r.rang = 1
					THEN ARRAY[format('preferred over %s, more urgent, for its objectives: the quota bound of %s still holds (checked over the next %s dwellings)',
									  c[(d.choix).plus_urgent].nom, round(1 - 1 / k, 3), (d.choix).horizon)]
				ELSE ARRAY[format('eligible: below its quota by %s or more', round(1 / k, 3))]
			  END
		   || x.motifs_preference
		   || CASE WHEN x.territorial THEN ARRAY['territorial réservataire: the dwelling is in its territory'] ELSE '{}' END
		   || CASE WHEN x.gestion = 'deleguee'
				THEN ARRAY['delegated management: the landlord designates the candidates on its behalf (no delay, no carence)'] ELSE '{}' END
		   || CASE WHEN x.reservataire IS NULL THEN ARRAY['landlord''s pool: what the département''s flux leaves after every convention''s entitlement'] ELSE '{}' END
		   || CASE WHEN r.rang = 1 THEN avis ELSE '{}' END
	FROM unnest((d.choix).classement) WITH ORDINALITY AS r(idx, rang)
	CROSS JOIN LATERAL (SELECT (c[r.idx]).*) AS x
	CROSS JOIN LATERAL (SELECT x.t * x.taux / 100 - x.a AS ecart) AS e
	ORDER BY r.rang;
END
$$;
COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one or an in-flux vacancy already charged (a carence: the dwelling came back to the landlord); otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why, and rank 1''s adds the subtraction motifs behind their forecast''s pace (avis_soustractions), as advice';

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

