-- The decision for a vacancy: its candidates, computed in C from the
-- engine's counters where candidats()'s SQL is not needed
-- (src/candidats.c), and the kernel's choice.

-- candidats() of a dwelling, in its order, as one array; null when a rule
-- kept in SQL applies: a convention in force with indicative objectives, a
-- conversion of old stock recorded in the landlord's département.
CREATE FUNCTION flux_mgmt.candidats_rapides(bailleur text, commune flux_mgmt.code_insee, annee integer, qpv boolean)
RETURNS flux_mgmt.candidat_orientation[]
	AS 'MODULE_PATHNAME', 'flux_candidats_rapides'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.candidats_rapides(text, flux_mgmt.code_insee, integer, boolean) IS
	'candidats() of an in-flux dwelling of a landlord in a commune in a year (qpv: the dwelling is in a QPV), computed in C from the engine''s counters, as an array in candidats()''s order; null when a rule only candidats() applies concerns the département: a convention in force with indicative objectives (they read the dwelling''s typology and financing), a conversion of old stock (rights that run out on a date); what decider() asks first; needs SELECT on the conventions and counters, as candidats()';

CREATE FUNCTION flux_mgmt.decider(vacance_id bigint) RETURNS flux_mgmt.decision_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	SET enable_seqscan = off
AS $$
DECLARE
	v record;
	d decision_orientation;
BEGIN
	SELECT l.bailleur, l.commune, l.nb_pieces, l.financement, l.qpv, l.regime, l.reservataire_stock, r.nom, l.programme,
		   extract(year FROM va.date_liberation)::integer AS annee,
		   -- when it can be oriented: available, or back after its last orientation ended
		   date_decision(va.id) AS le
	INTO v
	FROM vacance va JOIN logement l ON l.id = va.logement_id LEFT JOIN flux_mgmt.reservataire r ON r.code = l.reservataire_stock
	WHERE va.id = decider.vacance_id;
	IF NOT FOUND THEN
		PERFORM refuser(format('unknown vacancy %s', decider.vacance_id), NULL,
						'Give the id of a row of flux_mgmt.vacance.', 'foreign_key_violation');
	END IF;
	d.regime := v.regime;
	d.titulaire := v.reservataire_stock;
	d.nom_titulaire := v.nom;
	-- charged already by a closed orientation (a carence in mixte, a carence
	-- or an échec in orientation mode): the dwelling is the landlord's to let,
	-- and counts for no one again (DOMAIN §3.5, §3.6); the rules are read only
	-- for a vacancy with such an orientation, not at every first orientation
	IF v.regime = 'flux' AND EXISTS (SELECT FROM orientation o WHERE o.vacance_id = decider.vacance_id
									  AND o.issue IN ('carence', 'echec')) THEN
		SELECT format('already charged to %s on %s (mode %s, %s on %s): the dwelling came back to the landlord, who lets it from its pool; it counts for no one again',
					  coalesce(r.nom, od.reservataire, 'the landlord''s pool'), od.date_decompte, od.mode_decompte,
					  od.issue, od.date_issue)
		INTO d.decompte
		FROM orientation_decompte od LEFT JOIN reservataire r ON r.code = od.reservataire
		WHERE od.vacance_id = decider.vacance_id AND od.decompte AND od.issue IN ('carence', 'echec');
	END IF;
	IF v.regime = 'flux' AND d.decompte IS NULL THEN
		-- computed in C from the counters, or, where a rule kept in SQL
		-- applies (indicative objectives, converted stock), by candidats()
		d.candidats := candidats_rapides(v.bailleur, v.commune, v.annee, v.qpv);
		IF d.candidats IS NULL THEN
			d.candidats := ARRAY(SELECT x FROM candidats(v.bailleur, v.commune, v.annee, v.nb_pieces, v.financement, v.qpv, v.le) AS x);
		END IF;
		d.candidats := preferer_mixite_rapide(v.bailleur, v.programme, decider.vacance_id, v.le, d.candidats);
		d.choix := choisir_candidats(d.candidats);
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION flux_mgmt.decider(bigint) IS
	'the orientation decision for a vacancy (see decision_orientation): a stock dwelling''s holder, the charge of an in-flux vacancy already charged by a closed orientation, or the candidates of an in-flux dwelling in the year of the vacancy (candidats_rapides(), else candidats(), with the social-mix preference of preferer_mixite(), computed in C by preferer_mixite_rapide()) and the choice of choisir_orientation()';


-- choisir_orientation() of candidates, each holder's t, a, share and
-- preference in ten-thousandths of a percent as round(x × 10000)::bigint,
-- without the four arrays made in SQL.
CREATE FUNCTION flux_mgmt.choisir_candidats(candidats flux_mgmt.candidat_orientation[])
RETURNS flux_mgmt.choix_orientation
	AS 'MODULE_PATHNAME', 'flux_choisir_candidats'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.choisir_candidats(flux_mgmt.candidat_orientation[]) IS
	'the kernel''s choice among candidates (as candidats() gives them), in their order: choisir_orientation() of their t, a, round(taux × 10000) and round(preference × 10000); what decider() asks; errors as choisir_orientation() (22023 for a value out of range, 22004 for a null one)';

-- preferer_mixite() of the same arguments, computed in C (src/mixite.c):
-- the programme's last orientations read through the three indexes the SQL
-- walks, the same numeric operations.
CREATE FUNCTION flux_mgmt.preferer_mixite_rapide(bailleur text, programme text, vacance_id bigint, le date,
												candidats flux_mgmt.candidat_orientation[])
RETURNS flux_mgmt.candidat_orientation[]
	AS 'MODULE_PATHNAME', 'flux_preferer_mixite_rapide'
	LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.preferer_mixite_rapide(text, text, bigint, date, flux_mgmt.candidat_orientation[]) IS
	'preferer_mixite() of the same arguments (the social-mix preference of the programme''s last orientations), computed in C; what decider() calls; needs SELECT on logement, vacance and orientation and, under row-level security, the landlord''s rows in full (42501 otherwise)';

-- What candidats_rapides() keeps of the conventions in force is forgotten
-- when this backend writes a table they are read from (another backend's
-- writes are seen by the snapshot: src/candidats.c).  ALWAYS: also under
-- session_replication_role = replica (a restore, definir_site()).
CREATE FUNCTION flux_mgmt.regles_moteur_changees() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_regles_moteur_changees'
	LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.regles_moteur_changees() IS
	'statement trigger regles_moteur: this backend wrote a table the engine''s conventions in force are read from, so candidats_rapides() reads them again';
DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['convention', 'reservataire', 'territoire', 'objectif_indicatif', 'conversion',
							 'parametre_orientation', 'acces'] LOOP
		EXECUTE format('CREATE TRIGGER regles_moteur AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.%I
						FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.regles_moteur_changees()', t);
		EXECUTE format('ALTER TABLE flux_mgmt.%I ENABLE ALWAYS TRIGGER regles_moteur', t);
		EXECUTE format('COMMENT ON TRIGGER regles_moteur ON flux_mgmt.%I IS %L', t,
					   'the engine''s conventions in force kept by this backend (candidats_rapides()) are read again after a write of this table');
	END LOOP;
END
$$;
