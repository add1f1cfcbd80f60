-- flux_mgmt install script, part 25_regles_referentiel: row rules of the reference tables.
--
-- BEFORE row triggers that check each written row of the reference tables against its
-- neighbours.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Row rules of the reference tables
--
-- The CHECK constraints above are the backstop; these BEFORE triggers run
-- first and say, in the domain's words, which value is wrong and what to do.
-- They pin search_path like every function of the extension: a trigger body
-- compares values (NEW.nombre > 0), and a look-alike operator planted in a
-- schema of the caller's path would otherwise run with the writer's rights.
-- The SET clause costs a GUC save and restore per row, a few microseconds.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.exiger_departement(departement text, contexte text) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF departement IS NULL OR NOT flux_mgmt.departement_valide(departement) THEN
		PERFORM flux_mgmt.refuser(
			format('invalid département %L in %s', departement, contexte),
			'A département is written as in INSEE codes: 01 to 19, 2A, 2B, 21 to 95, 971 to 976.',
			CASE WHEN departement ~ '^[1-9]$' THEN format('Write %L rather than %L.', '0' || departement, departement)
				ELSE 'Use the département part of the dwellings'' INSEE codes (see flux_mgmt.departement()).' END,
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_departement(text, text) IS
	'raises 22023 naming the value unless it is a département code; contexte says where it was found';

-- numeric accepts NaN, Infinity and -Infinity (PostgreSQL 14 and later), and
-- NaN sorts above every number: a rule "nombre > 0" lets it through.  Every
-- numeric quantity of the extension (shares, rates, numbers of dwellings or
-- rights, volumes, fluxes) is refused first when it is not finite.
CREATE FUNCTION flux_mgmt.exiger_fini(valeur numeric, quoi text, contexte text) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF valeur IN ('NaN', 'Infinity', '-Infinity') THEN
		PERFORM flux_mgmt.refuser(
			format('%s %s of %s is not a finite number', quoi, valeur, contexte),
			'NaN, Infinity and -Infinity are values of the numeric type, but no share, rate, number or volume.',
			'Give a finite number; check the computation or the file the value came from.',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_fini(numeric, text, text) IS
	'raises 22023 naming the value when a numeric quantity is NaN, Infinity or -Infinity (null passes); quoi names the quantity, contexte where it was found';

CREATE FUNCTION flux_mgmt.siren_valide(siren text) RETURNS boolean
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
RETURN siren ~ '^[0-9]{9}$'
	AND (SELECT sum(CASE WHEN i % 2 = 0 THEN (d * 2) / 10 + (d * 2) % 10 ELSE d END) % 10 = 0
		 FROM generate_series(1, 9) AS i,
			  LATERAL (SELECT substr(siren, i, 1)::int AS d) AS chiffre);
COMMENT ON FUNCTION flux_mgmt.siren_valide(text) IS 'whether a text is a SIREN number: nine digits passing the Luhn check';

CREATE FUNCTION flux_mgmt.verifier_bailleur() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	-- the profiles name a landlord's réservataire 'landlord|code' (portee(), lit_reservataire())
	IF strpos(NEW.code, '|') > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid landlord code %L: it contains |', NEW.code),
			'The scopes of the profiles write a landlord''s réservataire as landlord|code: a landlord code with | in it would read as another''s.',
			'Choose a code without |, for instance with - or _ instead.');
	END IF;
	IF NEW.siren IS NOT NULL AND NOT flux_mgmt.siren_valide(NEW.siren) THEN
		PERFORM flux_mgmt.refuser(
			format('invalid SIREN %L for landlord %L', NEW.siren, NEW.code),
			'A SIREN number is nine digits whose Luhn checksum is a multiple of 10.',
			'Copy the SIREN from the landlord''s Kbis or the INSEE Sirene register, or leave it null.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_bailleur() IS 'row rules of bailleur: a code without | (the scopes write landlord|réservataire), a SIREN, when given, is valid';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.bailleur
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_bailleur();
COMMENT ON TRIGGER verifier ON flux_mgmt.bailleur IS 'runs flux_mgmt.verifier_bailleur() on every written row: the rules of a bailleur, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.est_territorial(type flux_mgmt.type_reservataire) RETURNS boolean
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN type OPERATOR(pg_catalog.=) ANY ('{commune,epci,ept}'::flux_mgmt.type_reservataire[]);
COMMENT ON FUNCTION flux_mgmt.est_territorial(flux_mgmt.type_reservataire) IS
	'whether a kind of réservataire has a territory (commune, epci, ept): its conventions cover its communes only';

CREATE FUNCTION flux_mgmt.verifier_reservataire() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	IF NOT flux_mgmt.est_territorial(NEW.type)
	   AND EXISTS (SELECT FROM flux_mgmt.territoire t WHERE t.reservataire = OLD.code) THEN
		PERFORM flux_mgmt.refuser(
			format('réservataire %L of type %s cannot keep a territory', NEW.code, NEW.type),
			'Only communes, EPCI and EPT have a territory.',
			format('Delete its rows of flux_mgmt.territoire first: DELETE FROM flux_mgmt.territoire WHERE reservataire = %L.', OLD.code));
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_reservataire() IS 'row rule of reservataire: a réservataire with a territory stays territorial';
CREATE TRIGGER verifier BEFORE UPDATE OF type ON flux_mgmt.reservataire
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_reservataire();
COMMENT ON TRIGGER verifier ON flux_mgmt.reservataire IS 'a réservataire with a territory stays territorial';

CREATE FUNCTION flux_mgmt.verifier_territoire() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	t flux_mgmt.type_reservataire;
BEGIN
	SELECT r.type INTO t FROM flux_mgmt.reservataire r WHERE r.code = NEW.reservataire;
	IF FOUND AND NOT flux_mgmt.est_territorial(t) THEN
		PERFORM flux_mgmt.refuser(
			format('réservataire %L of type %s has no territory', NEW.reservataire, t),
			'Only communes, EPCI and EPT have a territory; the conventions of the others cover a whole département.',
			'Declare the territory of a réservataire of type commune, epci or ept.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_territoire() IS 'row rule of territoire: only territorial réservataires have communes';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.territoire
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_territoire();
COMMENT ON TRIGGER verifier ON flux_mgmt.territoire IS 'runs flux_mgmt.verifier_territoire() on every written row: the rules of a territoire, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.verifier_logement() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	IF (NEW.regime IN ('stock_defense', 'stock_securite', 'stock_sante')) <> (NEW.reservataire_stock IS NOT NULL) THEN
		PERFORM flux_mgmt.refuser(
			CASE WHEN NEW.reservataire_stock IS NULL
				THEN format('dwelling %L of landlord %L in regime %s has no holder', NEW.ref, NEW.bailleur, NEW.regime)
				ELSE format('dwelling %L of landlord %L in regime %s cannot have a stock holder (%L)', NEW.ref, NEW.bailleur, NEW.regime, NEW.reservataire_stock) END,
			'A dwelling kept in stock (defence, security, health) goes back to its holder at each vacancy; the others have none.',
			CASE WHEN NEW.reservataire_stock IS NULL
				THEN 'Set reservataire_stock to the ministry or body holding the reservation.'
				ELSE 'Set reservataire_stock to null, or the regime to stock_defense, stock_securite or stock_sante.' END);
	END IF;
	IF NEW.nb_pieces < 1 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid number of rooms %s for dwelling %L', NEW.nb_pieces, NEW.ref),
			'A dwelling has at least one main room.',
			'Leave nb_pieces null when it is not known (RPLS code 0).');
	END IF;
	IF NEW.annee_construction NOT BETWEEN 1000 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid construction year %s for dwelling %L', NEW.annee_construction, NEW.ref),
			'A construction year is between 1000 and 2200.',
			'Leave annee_construction null when it is not known.');
	END IF;
	IF NEW.sortie <= NEW.mise_en_service THEN
		PERFORM flux_mgmt.refuser(
			format('dwelling %L leaves the stock on %s, not after it entered it on %s', NEW.ref, NEW.sortie, NEW.mise_en_service),
			NULL,
			'Check mise_en_service and sortie.');
	END IF;
	IF NEW.rpls !~ '^[0-9A-Z]{10}$' THEN
		PERFORM flux_mgmt.refuser(
			format('invalid RPLS identifier %L for dwelling %L', NEW.rpls, NEW.ref),
			'An RPLS identifier has ten characters, digits or capital letters.',
			'Leave rpls null when the identifier is not known (the open data has none).');
	END IF;
	IF NEW.contingent_rpls NOT BETWEEN 1 AND 7 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid RPLS contingent %s for dwelling %L', NEW.contingent_rpls, NEW.ref),
			'CONTRESLOG codes are 1 to 7.',
			'Leave contingent_rpls null when it is not known.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_logement() IS
	'row rules of logement: stock regime exactly with a holder, rooms, years, dates, RPLS identifier';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.logement
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_logement();
COMMENT ON TRIGGER verifier ON flux_mgmt.logement IS 'runs flux_mgmt.verifier_logement() on every written row: the rules of a logement, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.verifier_convention() RETURNS trigger
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
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.convention
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_convention();
COMMENT ON TRIGGER verifier ON flux_mgmt.convention IS 'runs flux_mgmt.verifier_convention() on every written row: the rules of a convention, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.verifier_objectif_indicatif() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	valide boolean;
BEGIN
	valide := CASE NEW.critere
		WHEN 'nb_pieces' THEN NEW.valeur ~ '^[1-5]$'
		WHEN 'financement' THEN NEW.valeur = ANY (enum_range(NULL::flux_mgmt.financement)::text[])
		WHEN 'qpv' THEN NEW.valeur IN ('true', 'false')
		WHEN 'commune' THEN flux_mgmt.code_insee_valide(NEW.valeur)
	END;
	IF valide IS NULL THEN
		PERFORM flux_mgmt.refuser(
			format('unknown criterion %L in an indicative objective of convention %s', NEW.critere, NEW.convention_id),
			NULL,
			'The criteria are nb_pieces, financement, qpv and commune.');
	ELSIF NOT valide THEN
		PERFORM flux_mgmt.refuser(
			format('invalid value %L for criterion %s in an indicative objective of convention %s',
				NEW.valeur, NEW.critere, NEW.convention_id),
			NULL,
			CASE NEW.critere
				WHEN 'nb_pieces' THEN 'Give a number of rooms from 1 to 5 (5 means 5 and more).'
				WHEN 'financement' THEN 'Give one of plai, plus, pls, pli, pla, hlm_o, autre.'
				WHEN 'qpv' THEN 'Give true (in a QPV) or false.'
				ELSE 'Give a five-character INSEE commune code.' END);
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.part, 'part', format('an indicative objective of convention %s', NEW.convention_id));
	IF NOT (NEW.part >= 0 AND NEW.part <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('part %s %% of an indicative objective of convention %s is out of range', NEW.part, NEW.convention_id),
			NULL,
			'Write the part in percent of the convention''s flux, from 0 to 100.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_objectif_indicatif() IS
	'row rules of objectif_indicatif: a known criterion, a value of its kind, a finite part in [0, 100]';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.objectif_indicatif
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_objectif_indicatif();
COMMENT ON TRIGGER verifier ON flux_mgmt.objectif_indicatif IS 'runs flux_mgmt.verifier_objectif_indicatif() on every written row: the rules of a objectif_indicatif, each error naming the value and what to do';

-- rotation, mise_en_service_prevue, soustraction_prevue: a landlord's yearly
-- figures for one département.
CREATE FUNCTION flux_mgmt.verifier_prevision() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ligne text := format('%s of landlord %L for %s', TG_TABLE_NAME, NEW.bailleur, NEW.annee);
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	IF NEW.annee NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('year %s of %s is out of range', NEW.annee, ligne),
			NULL,
			'Give a calendar year such as 2026.');
	END IF;
	-- nested: NEW.typologie exists only in rotation_typologie
	IF TG_TABLE_NAME = 'rotation_typologie' THEN
		IF NEW.typologie NOT IN ('T1', 'T2', 'T3', 'T4', 'T5+') THEN
			PERFORM flux_mgmt.refuser(
				format('typology %L of %s is not one of T1, T2, T3, T4, T5+', NEW.typologie, ligne),
				NULL, 'Write the typology as typologie() does: T1 … T4, T5+ for five rooms and more.', 'invalid_parameter_value');
		END IF;
	END IF;
	IF TG_TABLE_NAME IN ('rotation', 'rotation_typologie') THEN
		PERFORM flux_mgmt.exiger_fini(NEW.taux, 'rotation rate', ligne);
		IF NOT (NEW.taux >= 0 AND NEW.taux <= 100) THEN
			PERFORM flux_mgmt.refuser(
				format('rotation rate %s %% of %s is out of range', NEW.taux, ligne),
				NULL,
				'Write the rate in percent of the dwellings (5.3 means 5.3 %).');
		END IF;
	ELSIF NEW.nombre < 0 THEN
		PERFORM flux_mgmt.refuser(
			format('negative number %s in %s', NEW.nombre, ligne),
			NULL,
			'Give a number of dwellings, 0 or more.');
	ELSIF NEW.nombre > 1000000 THEN
		PERFORM flux_mgmt.refuser(
			format('number %s in %s is above 1000000', NEW.nombre, ligne),
			'A landlord''s yearly forecast of dwellings in one département is at most 1,000,000 (Île-de-France has 1.3 million social dwellings).',
			'Give the number of dwellings of the year, not a code or a sum of several years.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_prevision() IS
	'row rules of rotation, rotation_typologie, mise_en_service_prevue and soustraction_prevue: département, year 1900-2200, a typology T1 … T5+, a finite rate in [0, 100] or a number from 0 to 1000000';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.rotation
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_prevision();
COMMENT ON TRIGGER verifier ON flux_mgmt.rotation IS 'runs flux_mgmt.verifier_prevision() on every written row: the rules of a rotation, each error naming the value and what to do';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.mise_en_service_prevue
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_prevision();
COMMENT ON TRIGGER verifier ON flux_mgmt.mise_en_service_prevue IS 'runs flux_mgmt.verifier_prevision() on every written row: the rules of a mise_en_service_prevue, each error naming the value and what to do';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.soustraction_prevue
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_prevision();
COMMENT ON TRIGGER verifier ON flux_mgmt.soustraction_prevue IS 'runs flux_mgmt.verifier_prevision() on every written row: the rules of a soustraction_prevue, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.verifier_droit_stock() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ligne text := format('stock right of %L with landlord %L', NEW.reservataire, NEW.bailleur);
	l record;
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	IF NEW.nature NOT IN ('suite', 'unique') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown nature %L of %s', NEW.nature, ligne),
			NULL,
			'A stock right is a droit de suite (''suite'') or single-use rights (''unique'').');
	END IF;
	PERFORM flux_mgmt.exiger_fini(NEW.nombre, 'number', ligne);
	IF NOT NEW.nombre > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('number %s of %s is not positive', NEW.nombre, ligne),
			NULL,
			'Give the dwellings of a droit de suite, or the single-use rights left; delete a right that is used up.');
	END IF;
	IF NEW.regime = 'hors_champ' THEN
		PERFORM flux_mgmt.refuser(
			format('%s cannot be hors_champ', ligne),
			NULL,
			'A stock right is flux (converted) or stock_defense, stock_securite, stock_sante (kept in stock).');
	END IF;
	IF NEW.logement_id IS NOT NULL THEN
		SELECT lg.bailleur, flux_mgmt.departement(lg.commune) AS departement INTO l
		FROM flux_mgmt.logement lg WHERE lg.id = NEW.logement_id;
		IF FOUND AND (l.bailleur <> NEW.bailleur OR l.departement <> NEW.departement) THEN
			PERFORM flux_mgmt.refuser(
				format('dwelling %s of %s belongs to landlord %L in département %s', NEW.logement_id, ligne, l.bailleur, l.departement),
				NULL,
				'A stock right is on a dwelling of its own landlord and département.');
		END IF;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_droit_stock() IS
	'row rules of droit_stock: département, nature, a finite positive number, regime, the dwelling''s landlord and département';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.droit_stock
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_droit_stock();
COMMENT ON TRIGGER verifier ON flux_mgmt.droit_stock IS 'runs flux_mgmt.verifier_droit_stock() on every written row: the rules of a droit_stock, each error naming the value and what to do';

