--------------------------------------------------------------------------------
-- Converting the stock under row-level security (issue 14): the conversion's
-- steps name conventions written in the same statement, which a policy could
-- not see yet; the function runs as the owner, for an administrator of the
-- landlord only.
--------------------------------------------------------------------------------

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

CREATE OR REPLACE FUNCTION flux_mgmt.convertir_en_conventions(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, taux numeric, exces numeric,
			   convention_id bigint, calendrier integer[])
	LANGUAGE sql STRICT
BEGIN ATOMIC
	SELECT * FROM flux_mgmt.convertir_en_conventions(flux_mgmt.portee(), $1, $2, $3, $4, $5);
END;
COMMENT ON FUNCTION flux_mgmt.convertir_en_conventions(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, from the état des lieux to conventions in one step: writes one convention per réservataire, département and step of its share (paliers_conversion: from the conversion year; the last step ends with its last limited right, or is open when it has permanent rights; mode mixte, delay one month), records the conversion (conversion, conversion_palier) and returns the conventions written; the share rules of the conventions apply to the result (23514), an existing convention of a converted réservataire in those years is an error, as is converting again on the same date (23505) or with no stock right (23503); for an administrator of the landlord (42501 otherwise): convertir_en_conventions(portee(), …), which runs as the owner';
