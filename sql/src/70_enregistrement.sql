-- flux_mgmt install script, part 70_enregistrement: recording events.
--
-- orienter and cloturer, the functions that record an orientation and its outcome.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Recording events: orienter, cloturer
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.orienter(vacance_id bigint, reservataire text,
								   soustraction flux_mgmt.motif_soustraction DEFAULT NULL,
								   date_orientation date DEFAULT current_date)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
DECLARE
	nouvelle bigint;
BEGIN
	IF NOT EXISTS (SELECT FROM vacance v WHERE v.id = orienter.vacance_id) THEN
		PERFORM refuser(format('unknown vacancy %s', orienter.vacance_id), NULL,
						'Record the vacancy first: INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (…).',
						'foreign_key_violation');
	END IF;
	IF orienter.reservataire IS NOT NULL
	   AND NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = orienter.reservataire) THEN
		PERFORM refuser(format('unknown réservataire %L', orienter.reservataire), NULL,
						'Give the code of a row of flux_mgmt.reservataire, or null for the landlord''s pool.',
						'foreign_key_violation');
	END IF;
	IF EXISTS (SELECT FROM orientation o WHERE o.vacance_id = orienter.vacance_id AND o.issue IN ('en_cours', 'attribuee')) THEN
		PERFORM refuser(format('vacancy %s already has an open orientation', orienter.vacance_id),
						'A vacancy has at most one orientation en_cours or attribuee.',
						'Close it first with flux_mgmt.cloturer(orientation_id, issue, date_issue).',
						'unique_violation');
	END IF;
	INSERT INTO orientation (vacance_id, reservataire, soustraction, date_orientation)
	VALUES (orienter.vacance_id, orienter.reservataire, orienter.soustraction, orienter.date_orientation)
	RETURNING id INTO nouvelle;
	RETURN nouvelle;
END
$$;
COMMENT ON FUNCTION flux_mgmt.orienter(bigint, text, flux_mgmt.motif_soustraction, date) IS
	'records an orientation of a vacancy: to a réservataire, to the landlord''s pool (null), or out of the flux (soustraction); returns its id';

CREATE FUNCTION flux_mgmt.cloturer(orientation_id bigint, issue flux_mgmt.issue_orientation, date_issue date)
RETURNS void
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	o orientation;
BEGIN
	IF cloturer.issue NOT IN ('carence', 'echec', 'retiree') OR cloturer.issue IS NULL THEN
		PERFORM refuser(format('cloturer records carence, echec or retiree, not %s', coalesce(cloturer.issue::text, 'null')),
						NULL, 'An orientation becomes attribuee when its attribution is recorded (INSERT INTO flux_mgmt.attribution).',
						'invalid_parameter_value');
	END IF;
	IF cloturer.date_issue IS NULL THEN
		PERFORM refuser('cloturer needs the date of the outcome', NULL, 'Pass date_issue.', 'null_value_not_allowed');
	END IF;
	SELECT * INTO o FROM orientation WHERE id = cloturer.orientation_id FOR UPDATE;
	IF NOT FOUND THEN
		PERFORM refuser(format('unknown orientation %s', cloturer.orientation_id), NULL,
						'Give the id returned by flux_mgmt.orienter.', 'foreign_key_violation');
	END IF;
	IF o.issue <> 'en_cours' THEN
		PERFORM refuser(format('orientation %s is already closed (%s)', o.id, o.issue), NULL,
						'Only an open orientation (en_cours) can be closed.');
	END IF;
	IF cloturer.date_issue < o.date_orientation THEN
		PERFORM refuser(format('orientation %s cannot close on %s, before it was made on %s', o.id, cloturer.date_issue, o.date_orientation),
						NULL, 'Check date_issue.');
	END IF;
	IF cloturer.issue = 'carence' AND EXISTS (
			SELECT FROM vacance v JOIN logement l ON l.id = v.logement_id
			CROSS JOIN LATERAL convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) AS c
			WHERE v.id = o.vacance_id AND l.regime = 'flux' AND o.soustraction IS NULL AND c.gestion = 'deleguee') THEN
		PERFORM refuser(format('no carence for orientation %s: the convention with %L is in delegated management', o.id, o.reservataire),
						'In delegated management the landlord designates the candidates on the réservataire''s behalf: there is no delay for it to let pass (DOMAIN §3.10).',
						'Record an échec when no candidate led to a lease, or a withdrawal.');
	END IF;
	IF cloturer.issue = 'carence' AND o.date_limite IS NULL THEN
		PERFORM refuser(format('no carence for orientation %s: it has no deadline', o.id),
						'A carence is the réservataire letting its delay pass; the pool, a stock holder, a subtraction and an orientation made under delegated management have none.',
						'Record an échec or a withdrawal instead.');
	END IF;
	IF cloturer.issue = 'carence' AND cloturer.date_issue < o.date_limite THEN
		PERFORM refuser(format('no carence for orientation %s on %s: the réservataire has until %s to propose candidates',
							   o.id, cloturer.date_issue, o.date_limite),
						'A carence is recorded when the delay has passed without a candidate.',
						format('Record it on or after %s, or record an échec or a withdrawal.', o.date_limite));
	END IF;
	UPDATE orientation SET issue = cloturer.issue, date_issue = cloturer.date_issue WHERE id = o.id;
END
$$;
COMMENT ON FUNCTION flux_mgmt.cloturer(bigint, flux_mgmt.issue_orientation, date) IS
	'records the outcome of an open orientation: carence (no candidate within the delay; none under a convention in delegated management), echec, or retiree (withdrawn by the landlord)';

