--------------------------------------------------------------------------------
-- Direct or delegated management (issue 16, item 3; DOMAIN §3.10): a
-- convention says who designates the candidates (convention.gestion).  In
-- delegated management the landlord designates them on the réservataire's
-- behalf: its orientations get no deadline and no carence (date_limite's
-- trigger, now fired by a change of issue too, cloturer(), the rule
-- carence_deleguee of orientation_infraction, verifier_convention(), and the
-- counter triggers after the landlord's lock); suggerer(), rapport_annuel()
-- and export_reservataire() show it.
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.mode_gestion AS ENUM ('directe', 'deleguee');
COMMENT ON TYPE flux_mgmt.mode_gestion IS
	'who designates the candidates for a dwelling oriented under a convention (DOMAIN §3.10): directe, the réservataire (the default); deleguee, the landlord on its behalf, by agreement (no delay, no carence)';

ALTER TABLE flux_mgmt.convention ADD COLUMN gestion flux_mgmt.mode_gestion NOT NULL DEFAULT 'directe';
COMMENT ON COLUMN flux_mgmt.convention.gestion IS 'directe: the réservataire designates the candidates within the delay; deleguee: the landlord designates them on its behalf, so its orientations have no deadline and no carence (DOMAIN §3.10)';

-- the stored body of convention_de, and the views calling it, list the table's columns: again, with gestion
CREATE OR REPLACE FUNCTION flux_mgmt.convention_de(bailleur text, reservataire text, commune flux_mgmt.code_insee, le date)
RETURNS SETOF flux_mgmt.convention
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT c.* FROM flux_mgmt.convention c
	WHERE c.bailleur OPERATOR(pg_catalog.=) convention_de.bailleur
	  AND c.reservataire OPERATOR(pg_catalog.=) convention_de.reservataire
	  AND c.departement OPERATOR(pg_catalog.=) flux_mgmt.departement(convention_de.commune)
	  AND pg_catalog.date_part('year', convention_de.le) >= c.annee_debut
	  AND pg_catalog.date_part('year', convention_de.le) <= coalesce(c.annee_fin, 9999);
END;
COMMENT ON FUNCTION flux_mgmt.convention_de(text, text, flux_mgmt.code_insee, date) IS
	'the convention of a landlord and réservataire covering a commune''s département in force at a date (no row when there is none)';

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
COMMENT ON VIEW flux_mgmt.orientation_decompte IS
	'every orientation with what counting needs: its dwelling''s classification, whether it is in the flux, the décompte mode of its convention (the pool behaves as bail), the date it became chargeable, and whether it is its vacancy''s charge (the first chargeable in-flux orientation by id: a vacancy is charged once)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.dans_flux IS 'dwelling of regime flux and no subtraction';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.id IS 'the orientation';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.vacance_id IS 'its vacancy';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.reservataire IS 'beneficiary: réservataire, null for the pool or a subtraction';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.soustraction IS 'motif of a subtraction, else null';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_orientation IS 'date of the orientation';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.issue IS 'its issue';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_issue IS 'date of its issue';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_bail IS 'date of the lease of its attribution, if any';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.premier_quartile IS 'the attributed household is of the first quartile';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.relogement_renouvellement IS 'the attributed household is rehoused by urban renewal';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.prioritaire IS 'the attributed household is DALO or priority';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.mode_decompte IS 'mode of the convention it counts under; bail for the pool; null outside the flux';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_decompte IS 'when it is chargeable: orientation mode, its date unless withdrawn; bail, the lease; mixte, the lease or the carence';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.decompte IS 'it is the charge of its vacancy';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.imputee IS 'the orientation engine counts its vacancy for its beneficiary: it is the vacancy''s charge, or nothing of the vacancy is charged and it is open (en_cours or attribuee) in the flux; one orientation of a vacancy at most';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_liberation IS 'when its vacancy''s dwelling became available: the engine counts the vacancy in that year';

CREATE OR REPLACE VIEW flux_mgmt.orientation_infraction WITH (security_invoker = true) AS
SELECT x.id, x.regle
FROM (
	SELECT o.id,
		   CASE
			   WHEN o.date_orientation OPERATOR(pg_catalog.<) v.date_liberation THEN 'avant_vacance'
			   WHEN l.regime IN ('stock_defense', 'stock_securite', 'stock_sante')
					AND (o.reservataire IS DISTINCT FROM l.reservataire_stock OR o.soustraction IS NOT NULL) THEN 'stock'
			   WHEN l.regime OPERATOR(pg_catalog.=) 'hors_champ' AND o.reservataire IS NOT NULL THEN 'hors_champ'
			   -- The two rules below read tables that pg_restore loads after the
			   -- events (convention, territoire): they are not checked while
			   -- check_function_bodies is off, as pg_dump's scripts set it (and as
			   -- PostgreSQL's own validators read it); restored rows were checked
			   -- when they were first written.
			   WHEN l.regime OPERATOR(pg_catalog.=) 'flux' AND o.reservataire IS NOT NULL AND c.id IS NULL
					AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
					THEN 'sans_convention'
			   WHEN l.regime OPERATOR(pg_catalog.=) 'flux' AND flux_mgmt.est_territorial(r.type) AND t.commune IS NULL
					AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
					THEN 'hors_territoire'
			   WHEN l.regime OPERATOR(pg_catalog.=) 'flux' AND o.soustraction IS NULL
					AND o.issue OPERATOR(pg_catalog.=) 'carence' AND c.gestion OPERATOR(pg_catalog.=) 'deleguee'
					AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
					THEN 'carence_deleguee'
			   WHEN o.issue OPERATOR(pg_catalog.<>) 'attribuee' AND a.id IS NOT NULL THEN 'attribution'
			   -- a restore loads orientations before their attributions
			   WHEN o.issue OPERATOR(pg_catalog.=) 'attribuee' AND a.id IS NULL
					AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
					THEN 'attribuee_sans_attribution'
		   END AS regle
	FROM flux_mgmt.orientation o
	JOIN flux_mgmt.vacance v ON v.id OPERATOR(pg_catalog.=) o.vacance_id
	JOIN flux_mgmt.logement l ON l.id OPERATOR(pg_catalog.=) v.logement_id
	LEFT JOIN flux_mgmt.reservataire r ON r.code OPERATOR(pg_catalog.=) o.reservataire
	-- lookups as joins, not EXISTS: a subquery could be planned as a hash of
	-- the whole table, rebuilt at every statement
	LEFT JOIN LATERAL flux_mgmt.convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) AS c ON true
	LEFT JOIN flux_mgmt.territoire t
		ON t.reservataire OPERATOR(pg_catalog.=) o.reservataire AND t.commune OPERATOR(flux_mgmt.=) l.commune
	LEFT JOIN flux_mgmt.attribution a ON a.orientation_id OPERATOR(pg_catalog.=) o.id
) AS x
WHERE x.regle IS NOT NULL;
COMMENT ON VIEW flux_mgmt.orientation_infraction IS
	'orientations breaking a rule, with the first one: avant_vacance, stock (a stock dwelling goes to its holder), hors_champ (to the pool), sans_convention (no convention in force), hors_territoire, carence_deleguee (a carence under a convention in delegated management), attribution (an attributed orientation keeps its issue), attribuee_sans_attribution';
COMMENT ON COLUMN flux_mgmt.orientation_infraction.id IS 'the orientation''s id';
COMMENT ON COLUMN flux_mgmt.orientation_infraction.regle IS 'the first rule it breaks';

CREATE OR REPLACE FUNCTION flux_mgmt.verifier_convention() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	nom text := format('convention %s/%s/%s', NEW.bailleur, NEW.reservataire, NEW.departement);
	carences record;
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, nom);
	PERFORM flux_mgmt.exiger_fini(NEW.taux, 'share', nom);
	IF NOT (NEW.taux > 0 AND NEW.taux <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('share %s %% of %s is out of range', NEW.taux, nom),
			'A share is a percentage of the flux, above 0 and at most 100.',
			'Write the share in percent (30 means 30 %); end the convention rather than set it to 0.');
	END IF;
	IF NEW.annee_debut NOT BETWEEN 1900 AND 2200 OR NEW.annee_fin NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('%s in force from %s to %s is outside the years 1900 to 2200',
				nom, NEW.annee_debut, coalesce(NEW.annee_fin::text, 'open')),
			'Conventions, like every date of flux_mgmt, lie within 1900-01-01 and 2200-12-31.',
			'Give calendar years such as 2026; leave annee_fin null for an open convention.');
	END IF;
	IF NEW.annee_fin < NEW.annee_debut THEN
		PERFORM flux_mgmt.refuser(
			format('%s ends in %s, before it starts in %s', nom, NEW.annee_fin, NEW.annee_debut),
			NULL,
			'annee_fin is the last year in force (inclusive), or null for an open convention.');
	END IF;
	IF NEW.delai <= '0'::interval THEN
		PERFORM flux_mgmt.refuser(
			format('delay %s of %s is not positive', NEW.delai, nom),
			NULL,
			'The delay for proposing candidates is one month in Île-de-France.');
	END IF;
	IF NEW.delai > '5 years'::interval THEN
		PERFORM flux_mgmt.refuser(
			format('delay %s of %s is above 5 years', NEW.delai, nom),
			'The delay for proposing candidates is counted in weeks or months: at most 5 years (60 months of 30 days).',
			'The delay is one month in Île-de-France: ''1 month''.');
	END IF;
	IF NEW.derogation_prefet AND NOT EXISTS (
		SELECT FROM flux_mgmt.reservataire r
		WHERE r.code = NEW.reservataire AND r.type IN ('etat_prioritaires', 'etat_agents')) THEN
		PERFORM flux_mgmt.refuser(
			format('%s has a préfet''s derogation but %L is not the State', nom, NEW.reservataire),
			NULL,
			'Only the State''s conventions (etat_prioritaires, etat_agents) can derogate to the State caps.');
	END IF;
	IF NEW.derogation_prefet AND NEW.annee_fin IS DISTINCT FROM NEW.annee_debut THEN
		PERFORM flux_mgmt.refuser(
			format('%s derogates to the State caps for more than one year (%s to %s)',
				nom, NEW.annee_debut, coalesce(NEW.annee_fin::text, 'open')),
			'A préfet''s arrêté may derogate for one year at most.',
			'Give the derogating convention annee_fin = annee_debut, and a separate convention for the other years.');
	END IF;
	-- delegated management has no carence: not over carences already recorded
	-- (a restore, check_function_bodies off, loads conventions after the events)
	IF NEW.gestion = 'deleguee' AND current_setting('check_function_bodies') <> 'off' THEN
		SELECT count(*) AS n, min(o.id) AS premiere INTO STRICT carences
		FROM flux_mgmt.orientation o
		JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		JOIN flux_mgmt.logement l ON l.id = v.logement_id
		WHERE o.reservataire = NEW.reservataire AND o.issue = 'carence' AND o.soustraction IS NULL AND l.regime = 'flux'
		  AND l.bailleur = NEW.bailleur AND flux_mgmt.departement(l.commune) = NEW.departement
		  AND date_part('year', o.date_orientation) BETWEEN NEW.annee_debut AND coalesce(NEW.annee_fin, 9999);
		IF carences.n > 0 THEN
			PERFORM flux_mgmt.refuser(
				format('%s cannot be in delegated management: %s carence(s) are recorded under it (orientation %s first)',
					nom, carences.n, carences.premiere),
				'In delegated management the landlord designates the candidates: there is no carence (DOMAIN §3.10).',
				'Start delegated management in a new convention from the next year (end this one with annee_fin), or record those orientations'' real outcome.');
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_convention() IS
	'row rules of convention: département, a finite share in (0, 100], years within 1900-2200 in order, a delay above 0 and at most 5 years, derogation only for the State and one year, delegated management only where no carence is recorded';

CREATE OR REPLACE FUNCTION flux_mgmt.signaler_infraction(regle text, id bigint) RETURNS void
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
BEGIN
	IF regle = 'hors_possession' THEN
		SELECT v.id, v.date_liberation, l.ref, l.bailleur, l.mise_en_service, l.sortie INTO f
		FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE v.id = signaler_infraction.id;
		PERFORM refuser(
			format('vacancy %s of dwelling %L on %s falls outside the time the landlord %L owns it (%s to %s)',
				   f.id, f.ref, f.date_liberation, f.bailleur, coalesce(f.mise_en_service::text, '…'), coalesce(f.sortie::text, '…')),
			NULL, 'Check date_liberation, or the dwelling''s mise_en_service and sortie.');
	ELSIF regle IN ('fermee', 'avant_orientation') THEN
		SELECT a.orientation_id, a.date_caleol, o.issue, o.date_orientation INTO f
		FROM attribution a JOIN orientation o ON o.id = a.orientation_id WHERE a.id = signaler_infraction.id;
		IF regle = 'fermee' THEN
			PERFORM refuser(format('orientation %s is %s: it cannot be attributed', f.orientation_id, f.issue),
							'Only an open orientation (en_cours) receives an attribution.',
							'Orient the vacancy again (flux_mgmt.orienter) and attribute the new orientation.');
		END IF;
		PERFORM refuser(format('attribution of orientation %s decided by the CALEOL on %s, before the orientation on %s',
							   f.orientation_id, f.date_caleol, f.date_orientation),
						NULL, 'Check date_caleol.');
	END IF;
	SELECT o.id, o.vacance_id, o.reservataire, o.soustraction, o.date_orientation, o.issue,
		   v.date_liberation, l.ref, l.bailleur, l.commune, l.reservataire_stock, departement(l.commune) AS departement
	INTO f
	FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
	WHERE o.id = signaler_infraction.id;
	CASE regle
	WHEN 'avant_vacance' THEN
		PERFORM refuser(format('orientation of vacancy %s on %s, before the dwelling %L became available on %s',
							   f.vacance_id, f.date_orientation, f.ref, f.date_liberation),
						NULL, 'Orient a vacancy on or after its date_liberation.');
	WHEN 'stock' THEN
		PERFORM refuser(format('dwelling %L is kept in stock for %L: vacancy %s cannot go to %s',
							   f.ref, f.reservataire_stock, f.vacance_id,
							   coalesce(quote_literal(f.reservataire),
										CASE WHEN f.soustraction IS NOT NULL THEN 'a subtraction (' || f.soustraction || ')'
											 ELSE 'the landlord''s pool' END)),
						'Defence, security and health reservations stay in stock: the dwelling goes back to its holder at each vacancy.',
						format('Orient it to %L.', f.reservataire_stock));
	WHEN 'hors_champ' THEN
		PERFORM refuser(format('dwelling %L is outside the L441-1 regime: vacancy %s cannot go to %L', f.ref, f.vacance_id, f.reservataire),
						'A hors_champ dwelling is outside the flux and goes to the landlord''s own pool.',
						'Orient it with reservataire null.');
	WHEN 'sans_convention' THEN
		PERFORM refuser(format('no convention of landlord %L with %L in département %s is in force in %s',
							   f.bailleur, f.reservataire, f.departement, extract(year FROM f.date_orientation)),
						format('Orientation %s of vacancy %s (dwelling %L) needs a convention in force in its year.', f.id, f.vacance_id, f.ref),
						'Record the convention, or orient the vacancy to another réservataire or to the pool (reservataire null); end a convention with annee_fin rather than delete it.');
	WHEN 'hors_territoire' THEN
		PERFORM refuser(format('dwelling %L in %s is outside the territory of %L', f.ref, f.commune, f.reservataire),
						format('A commune, EPCI or EPT only receives dwellings of its territory (vacancy %s).', f.vacance_id),
						'Orient the vacancy to a réservataire whose scope covers the commune, or add the commune to flux_mgmt.territoire.');
	WHEN 'carence_deleguee' THEN
		PERFORM refuser(format('no carence for orientation %s: the convention with %L is in delegated management', f.id, f.reservataire),
						'In delegated management the landlord designates the candidates on the réservataire''s behalf: there is no delay for it to let pass (DOMAIN §3.10).',
						'Record an échec when no candidate led to a lease, or a withdrawal.');
	WHEN 'attribution' THEN
		PERFORM refuser(format('orientation %s has an attribution: its issue cannot become %s', f.id, f.issue),
						NULL, 'Delete the attribution first (its lease no longer stands), then close the orientation.');
	WHEN 'attribuee_sans_attribution' THEN
		PERFORM refuser(format('orientation %s cannot be attribuee without an attribution', f.id),
						'An orientation becomes attribuee when its attribution (the CALEOL''s decision) is recorded.',
						'Record it with INSERT INTO flux_mgmt.attribution, which sets the issue; close the orientation otherwise with flux_mgmt.cloturer().');
	END CASE;
END
$$;
COMMENT ON FUNCTION flux_mgmt.signaler_infraction(text, bigint) IS
	'raises the error explaining why a vacancy, orientation or attribution breaks a rule of the *_infraction views';

CREATE OR REPLACE FUNCTION flux_mgmt.cloturer(orientation_id bigint, issue flux_mgmt.issue_orientation, date_issue date)
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

CREATE OR REPLACE FUNCTION flux_mgmt.date_limite_par_defaut() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_date_limite_par_defaut' LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.date_limite_par_defaut() IS
	'BEFORE INSERT or UPDATE trigger of orientation: an orientation under a convention without date_limite gets date_orientation plus the convention''s delay; under delegated management none, and a carence is refused (23514)';

DROP TRIGGER date_limite ON flux_mgmt.orientation;
CREATE TRIGGER date_limite BEFORE INSERT OR UPDATE OF reservataire, date_orientation, date_limite, issue ON flux_mgmt.orientation
	FOR EACH ROW WHEN (NEW.date_limite IS NULL AND NEW.reservataire IS NOT NULL)
	EXECUTE FUNCTION flux_mgmt.date_limite_par_defaut();
COMMENT ON TRIGGER date_limite ON flux_mgmt.orientation IS 'an orientation to a réservataire without date_limite gets the orientation date plus its convention''s delay (none under delegated management, where a carence is refused)';

ALTER TYPE flux_mgmt.candidat_orientation ADD ATTRIBUTE gestion flux_mgmt.mode_gestion;
COMMENT ON TYPE flux_mgmt.candidat_orientation IS
	'a candidate for a dwelling as suggerer() gathers it: share, counts in its scope, preference and its reasons, its convention''s management (directe or deleguee; null for the pool)';

CREATE OR REPLACE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d text;
	previsions jsonb := '[]';
	part jsonb;
	message text;
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire) THEN
		PERFORM refuser(format('unknown réservataire %L', reservataire), NULL,
						'Give the code of a row of flux_mgmt.reservataire.', 'foreign_key_violation');
	END IF;
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(format('year %s in export_reservataire is out of range', annee), NULL,
						'Give the calendar year reported on, such as 2025.', 'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM convention c
				   WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
					 AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee)
	   AND NOT EXISTS (SELECT FROM compteur k
					   WHERE k.bailleur = export_reservataire.bailleur AND k.annee = export_reservataire.annee
						 AND k.reservataire = export_reservataire.reservataire) THEN
		PERFORM refuser(
			format('réservataire %L has nothing with landlord %L in %s', reservataire, bailleur, annee),
			'It has no convention with the landlord in force that year or the next, and nothing was oriented or leased to it that year.',
			'Check the year and the réservataire: flux_mgmt.convention lists its conventions.',
			'foreign_key_violation');
	END IF;
	-- the forecast of the next year where it has a convention then
	FOR d IN SELECT DISTINCT c.departement FROM convention c
			 WHERE c.bailleur = export_reservataire.bailleur AND c.reservataire = export_reservataire.reservataire
			   AND c.annee_debut <= export_reservataire.annee + 1 AND coalesce(c.annee_fin, 9999) >= export_reservataire.annee + 1
			 ORDER BY 1 LOOP
		BEGIN
			SELECT jsonb_build_object('departement', d, 'annee', annee + 1, 'taux', p.taux, 'droit', p.droit, 'droit_entier', p.droit_entier)
			INTO part
			FROM parts_annuelles(bailleur, d, annee + 1) AS p WHERE p.reservataire = export_reservataire.reservataire;
		EXCEPTION WHEN foreign_key_violation OR check_violation OR numeric_value_out_of_range THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
			part := jsonb_build_object('departement', d, 'annee', annee + 1, 'erreur', neutraliser_controles(message));
		END;
		previsions := previsions || jsonb_build_array(part);
	END LOOP;
	RETURN jsonb_build_object(
		'format', 'flux_mgmt.export_reservataire 1',
		-- the names as the report shows them: no control character, no bidirectional override
		'bailleur', (SELECT jsonb_build_object('code', neutraliser_controles(b.code), 'nom', neutraliser_controles(b.nom), 'siren', b.siren)
					 FROM flux_mgmt.bailleur b WHERE b.code = export_reservataire.bailleur),
		'reservataire', (SELECT jsonb_build_object('code', neutraliser_controles(r.code), 'nom', neutraliser_controles(r.nom), 'type', r.type)
						 FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire),
		'annee', annee,
		'atteinte', coalesce((
			SELECT jsonb_agg(jsonb_build_object('departement', x.d, 'taux', a.taux, 'flux_realise', a.flux_realise, 'droit', a.droit,
												'decomptes', a.decomptes, 'ecart', a.ecart, 'en_cours', a.en_cours, 'carences', a.carences,
												'gestion', c.gestion)
							 ORDER BY x.d)
			FROM departements_du_rapport(bailleur, annee) AS x(d)
			CROSS JOIN LATERAL atteinte_annuelle(bailleur, x.d, annee) AS a
			LEFT JOIN LATERAL conventions_en_vigueur(bailleur, x.d, annee) AS v ON v.reservataire = a.reservataire
			LEFT JOIN convention c ON c.id = v.id
			WHERE a.reservataire = export_reservataire.reservataire), '[]'),
		'bilan', coalesce((
			SELECT jsonb_agg(jsonb_build_object('commune', x.commune, 'typologie', x.typologie, 'financement', x.financement,
												'qpv', x.qpv, 'periode_construction', x.periode_construction,
												'logements_proposes', x.logements_proposes, 'logements_attribues', x.logements_attribues)
							 ORDER BY x.commune, x.typologie, x.financement, x.qpv, x.periode_construction)
			FROM bilan_annuel x
			WHERE x.bailleur = export_reservataire.bailleur AND x.annee = export_reservataire.annee
			  AND x.reservataire = export_reservataire.reservataire), '[]'),
		'objectifs', coalesce((
			SELECT jsonb_agg(jsonb_build_object('objectif', o.objectif, 'numerateur', o.numerateur, 'denominateur', o.denominateur,
												'cible', o.cible, 'taux', o.taux, 'manque', o.manque))
			FROM objectifs_attribution o
			WHERE o.bailleur = export_reservataire.bailleur AND o.annee = export_reservataire.annee
			  AND o.reservataire = export_reservataire.reservataire), '[]'),
		'flux_previsionnel_suivant', previsions);
END
$$;
COMMENT ON FUNCTION flux_mgmt.export_reservataire(text, text, integer) IS
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département (with its convention''s gestion, directe or deleguee; null without a convention in force), the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed); names and messages without control characters or bidirectional overrides (neutraliser_controles); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503)';

-- candidats(), suggerer() and rapport_annuel(), which mark a delegated convention: in 94_droits_convertis.sql, 93_rythme_soustractions.sql and 92_hors_assiette.sql, with what those add
