-- flux_mgmt install script, part 83_mixite: social mix across residences
-- (issue 15; DOMAIN §3.9): is a programme identified with one réservataire?
--
-- "Le choix des critères d'orientation des logements vers les différents
-- réservataires ne doit pas conduire à une identification à l'échelle d'un
-- programme."  Per programme (logement.programme) and period (a year, and the
-- three years ending with it), each réservataire's share of the programme's
-- in-flux orientations against its share of the landlord's in-flux
-- orientations in the département over the same period, read from the
-- events.  A programme is flagged when one réservataire's share there is at
-- least identification_part % (default 50) and at least
-- identification_rapport times (default 2) its share of the flux, on at
-- least identification_vacances in-flux vacancies (default 10): small
-- programmes do not raise false alarms (parametre_orientation).
-- (sql/src/*.sql are concatenated in name order into the install script.)

CREATE FUNCTION flux_mgmt.identification_programmes(bailleur text, annee integer)
RETURNS TABLE (departement text, programme text, reservataire text, annee_debut integer, annee_fin integer,
			   vacances bigint, orientations bigint, orientations_reservataire bigint,
			   part_programme numeric, part_flux numeric, identifie boolean)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	seuil_part numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_part'), 50);
	rapport numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_rapport'), 2);
	vacances_min numeric := coalesce((SELECT x.valeur FROM parametre_orientation x WHERE x.cle = 'identification_vacances'), 10);
BEGIN
	PERFORM exiger_bailleur($1);
	IF $2 NOT BETWEEN 1902 AND 2200 THEN
		PERFORM refuser(format('year %s in identification_programmes is out of range', $2), NULL,
						'Give a calendar year such as 2026.', 'invalid_parameter_value');
	END IF;
	RETURN QUERY
	WITH periodes (debut, fin) AS (VALUES ($2, $2), ($2 - 2, $2)
	), o AS MATERIALIZED (
		-- the in-flux orientations of the landlord's dwellings in the three years, the pool's included
		SELECT departement(l.commune) AS d, l.programme, o.reservataire, o.vacance_id,
			   extract(year FROM o.date_orientation)::integer AS y
		FROM logement l JOIN vacance va ON va.logement_id = l.id JOIN orientation o ON o.vacance_id = va.id
		WHERE l.bailleur = $1 AND l.regime = 'flux' AND o.soustraction IS NULL AND l.programme IS NOT NULL
		  AND o.date_orientation >= make_date($2 - 2, 1, 1) AND o.date_orientation < make_date($2 + 1, 1, 1)
	), par_programme AS (
		SELECT p.debut, p.fin, o.d, o.programme, count(DISTINCT o.vacance_id) AS vacances, count(*) AS orientations
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		GROUP BY p.debut, p.fin, o.d, o.programme
	), par_reservataire AS (
		SELECT p.debut, p.fin, o.d, o.programme, o.reservataire, count(*) AS n
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		WHERE o.reservataire IS NOT NULL
		GROUP BY p.debut, p.fin, o.d, o.programme, o.reservataire
	), flux AS (
		-- each réservataire's share of the département's in-flux orientations over the period
		SELECT p.debut, p.fin, o.d, o.reservataire,
			   100.0 * count(*) / sum(count(*)) OVER (PARTITION BY p.debut, p.fin, o.d) AS part
		FROM periodes p JOIN o ON o.y BETWEEN p.debut AND p.fin
		GROUP BY p.debut, p.fin, o.d, o.reservataire
	)
	SELECT g.d, g.programme, r.reservataire, g.debut, g.fin, g.vacances, g.orientations, r.n,
		   round(100.0 * r.n / g.orientations, 2), round(f.part, 2),
		   g.vacances >= vacances_min AND 100.0 * r.n / g.orientations >= seuil_part AND 100.0 * r.n / g.orientations >= rapport * f.part
	FROM par_programme g
	JOIN par_reservataire r ON (r.debut, r.fin, r.d, r.programme) = (g.debut, g.fin, g.d, g.programme)
	JOIN flux f ON (f.debut, f.fin, f.d) = (g.debut, g.fin, g.d) AND f.reservataire = r.reservataire
	ORDER BY g.d COLLATE "C", g.programme COLLATE "C", g.fin - g.debut, r.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.identification_programmes(text, integer) IS
	'DOMAIN §3.9, whether a programme is de facto a réservataire''s: for a landlord, per département, programme (logement.programme) and period (the year, and the three years ending with it), each réservataire''s in-flux orientations there, its share of the programme''s (part_programme, %) against its share of the landlord''s in-flux orientations in the département over the period (part_flux, %), and identifie when its share there is at least parametre_orientation.identification_part (default 50 %) and identification_rapport (default 2) times its share of the flux, on at least identification_vacances vacancies (default 10); from the events; errors for an unknown landlord (23503), a year out of range (22023)';
