-- flux_mgmt 0.1: "gestion en flux" of social-housing reservations.
--
-- Sections, in order: schema; types; small pure functions; tables; rules
-- (row and statement checks); import of real data.  See README.md for the
-- reference and DOMAIN.md (shared) for the rules.

\echo Use "CREATE EXTENSION flux_mgmt" to load this file. \quit

CREATE SCHEMA flux_mgmt;
COMMENT ON SCHEMA flux_mgmt IS
	'gestion en flux of social-housing reservations (flux_mgmt extension)';

--------------------------------------------------------------------------------
-- Types
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.code_insee;

CREATE FUNCTION flux_mgmt.code_insee_in(cstring) RETURNS flux_mgmt.code_insee
	AS 'MODULE_PATHNAME', 'flux_code_insee_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flux_mgmt.code_insee_out(flux_mgmt.code_insee) RETURNS cstring
	AS 'MODULE_PATHNAME', 'flux_code_insee_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flux_mgmt.code_insee_recv(internal) RETURNS flux_mgmt.code_insee
	AS 'MODULE_PATHNAME', 'flux_code_insee_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION flux_mgmt.code_insee_send(flux_mgmt.code_insee) RETURNS bytea
	AS 'MODULE_PATHNAME', 'flux_code_insee_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE flux_mgmt.code_insee (
	INPUT = flux_mgmt.code_insee_in,
	OUTPUT = flux_mgmt.code_insee_out,
	RECEIVE = flux_mgmt.code_insee_recv,
	SEND = flux_mgmt.code_insee_send,
	INTERNALLENGTH = 4,
	PASSEDBYVALUE,
	ALIGNMENT = int4,
	STORAGE = plain
);
COMMENT ON TYPE flux_mgmt.code_insee IS
	'INSEE commune code: département 01-19, 2A, 2B, 21-95 and three digits, or 971-976 and two digits; stored in 4 bytes, ordered like the codes';
COMMENT ON FUNCTION flux_mgmt.code_insee_in(cstring) IS 'input function of code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_out(flux_mgmt.code_insee) IS 'output function of code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_recv(internal) IS 'binary input of code_insee (version byte, five characters)';
COMMENT ON FUNCTION flux_mgmt.code_insee_send(flux_mgmt.code_insee) IS 'binary output of code_insee (version byte, five characters)';

CREATE FUNCTION flux_mgmt.code_insee_eq(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_ne(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_lt(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_le(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_gt(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_ge(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_cmp(flux_mgmt.code_insee, flux_mgmt.code_insee) RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_code_insee_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_hash(flux_mgmt.code_insee) RETURNS integer
	AS 'MODULE_PATHNAME', 'flux_code_insee_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION flux_mgmt.code_insee_hash_extended(flux_mgmt.code_insee, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'flux_code_insee_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION flux_mgmt.code_insee_eq(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of = for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_ne(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of <> for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_lt(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of < for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_le(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of <= for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_gt(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of > for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_ge(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'implementation of >= for code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_cmp(flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'btree comparison of code_insee (2A and 2B between 19 and 21)';
COMMENT ON FUNCTION flux_mgmt.code_insee_hash(flux_mgmt.code_insee) IS 'hash of code_insee';
COMMENT ON FUNCTION flux_mgmt.code_insee_hash_extended(flux_mgmt.code_insee, bigint) IS 'seeded hash of code_insee';

CREATE OPERATOR flux_mgmt.= (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_eq, COMMUTATOR = OPERATOR(flux_mgmt.=),
	NEGATOR = OPERATOR(flux_mgmt.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR flux_mgmt.<> (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_ne, COMMUTATOR = OPERATOR(flux_mgmt.<>),
	NEGATOR = OPERATOR(flux_mgmt.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR flux_mgmt.< (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_lt, COMMUTATOR = OPERATOR(flux_mgmt.>),
	NEGATOR = OPERATOR(flux_mgmt.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR flux_mgmt.<= (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_le, COMMUTATOR = OPERATOR(flux_mgmt.>=),
	NEGATOR = OPERATOR(flux_mgmt.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR flux_mgmt.> (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_gt, COMMUTATOR = OPERATOR(flux_mgmt.<),
	NEGATOR = OPERATOR(flux_mgmt.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR flux_mgmt.>= (
	LEFTARG = flux_mgmt.code_insee, RIGHTARG = flux_mgmt.code_insee,
	FUNCTION = flux_mgmt.code_insee_ge, COMMUTATOR = OPERATOR(flux_mgmt.<=),
	NEGATOR = OPERATOR(flux_mgmt.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR flux_mgmt.= (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'equal';
COMMENT ON OPERATOR flux_mgmt.<> (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'not equal';
COMMENT ON OPERATOR flux_mgmt.< (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'less than';
COMMENT ON OPERATOR flux_mgmt.<= (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'less than or equal';
COMMENT ON OPERATOR flux_mgmt.> (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'greater than';
COMMENT ON OPERATOR flux_mgmt.>= (flux_mgmt.code_insee, flux_mgmt.code_insee) IS 'greater than or equal';

CREATE OPERATOR CLASS flux_mgmt.code_insee_ops
	DEFAULT FOR TYPE flux_mgmt.code_insee USING btree AS
		OPERATOR 1 flux_mgmt.<,
		OPERATOR 2 flux_mgmt.<=,
		OPERATOR 3 flux_mgmt.=,
		OPERATOR 4 flux_mgmt.>=,
		OPERATOR 5 flux_mgmt.>,
		FUNCTION 1 flux_mgmt.code_insee_cmp(flux_mgmt.code_insee, flux_mgmt.code_insee);
CREATE OPERATOR CLASS flux_mgmt.code_insee_hash_ops
	DEFAULT FOR TYPE flux_mgmt.code_insee USING hash AS
		OPERATOR 1 flux_mgmt.=,
		FUNCTION 1 flux_mgmt.code_insee_hash(flux_mgmt.code_insee),
		FUNCTION 2 flux_mgmt.code_insee_hash_extended(flux_mgmt.code_insee, bigint);
COMMENT ON OPERATOR CLASS flux_mgmt.code_insee_ops USING btree IS 'btree ordering of INSEE codes';
COMMENT ON OPERATOR CLASS flux_mgmt.code_insee_hash_ops USING hash IS 'hashing of INSEE codes';
COMMENT ON OPERATOR FAMILY flux_mgmt.code_insee_ops USING btree IS 'btree ordering of INSEE codes (the family of code_insee_ops)';
COMMENT ON OPERATOR FAMILY flux_mgmt.code_insee_hash_ops USING hash IS 'hashing of INSEE codes (the family of code_insee_hash_ops)';

-- To and from text through the input and output functions: text -> code_insee
-- validates, so it is only assignment (an INSERT of a text column works).
CREATE CAST (text AS flux_mgmt.code_insee) WITH INOUT AS ASSIGNMENT;
CREATE CAST (flux_mgmt.code_insee AS text) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (text AS flux_mgmt.code_insee) IS 'validating conversion of text to an INSEE code';
COMMENT ON CAST (flux_mgmt.code_insee AS text) IS 'the five characters of an INSEE code';

CREATE TYPE flux_mgmt.type_reservataire AS ENUM (
	'etat_prioritaires', 'etat_agents', 'action_logement', 'commune', 'epci', 'ept',
	'departement', 'region', 'employeur', 'ministere', 'organisme', 'autre');
COMMENT ON TYPE flux_mgmt.type_reservataire IS
	'kind of reservation holder; commune, epci and ept are territorial (their conventions cover their territory only)';

CREATE TYPE flux_mgmt.regime AS ENUM (
	'flux', 'stock_defense', 'stock_securite', 'stock_sante', 'hors_champ');
COMMENT ON TYPE flux_mgmt.regime IS
	'management regime of a dwelling: in the flux, kept in stock for defence, security or health reservations, or outside the L441-1 regime';

CREATE TYPE flux_mgmt.motif_soustraction AS ENUM (
	'mutation_interne', 'renouvellement_urbain', 'copropriete_degradee', 'habitat_indigne', 'vente');
COMMENT ON TYPE flux_mgmt.motif_soustraction IS
	'reason a vacancy is taken out of the flux (CCH R441-5): internal mutation, urban renewal, degraded co-ownership (ORCOD), unfit housing (LHI), sale';

CREATE TYPE flux_mgmt.mode_decompte AS ENUM ('orientation', 'bail', 'mixte');
COMMENT ON TYPE flux_mgmt.mode_decompte IS
	'when a dwelling is charged to a convention: at orientation, at the lease, or at the lease and at a carence (mixte, the Île-de-France default)';

CREATE TYPE flux_mgmt.issue_orientation AS ENUM ('en_cours', 'attribuee', 'carence', 'echec', 'retiree');
COMMENT ON TYPE flux_mgmt.issue_orientation IS
	'outcome of an orientation: open, attributed (lease), carence (no candidate within the delay), échec (no candidate led to a lease), withdrawn by the landlord';

CREATE TYPE flux_mgmt.financement AS ENUM ('plai', 'plus', 'pls', 'pli', 'pla', 'hlm_o', 'autre');
COMMENT ON TYPE flux_mgmt.financement IS
	'initial financing product of a dwelling (RPLS FINAN grouped, see financement_rpls)';

--------------------------------------------------------------------------------
-- Small pure functions
--------------------------------------------------------------------------------

-- Every error a user can cause goes through here: a SQLSTATE (check_violation
-- unless said otherwise), a lowercase message naming the value, a detail and a
-- hint saying what to do.  It returns text (never) so that SQL expressions can
-- raise it: CASE WHEN … ELSE flux_mgmt.refuser(…) END.  VOLATILE, so that the
-- planner never evaluates it early (constant folding of an unused CASE arm).
CREATE FUNCTION flux_mgmt.refuser(message text, detail text, hint text, etat text DEFAULT 'check_violation')
RETURNS text
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- every error says what to do; a detail is optional
	IF detail IS NULL THEN
		RAISE EXCEPTION USING ERRCODE = etat, MESSAGE = message, HINT = hint;
	END IF;
	RAISE EXCEPTION USING ERRCODE = etat, MESSAGE = message, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION flux_mgmt.refuser(text, text, text, text) IS
	'raises the error a user caused: message naming the value, detail, hint, SQLSTATE (default 23514 check_violation)';


CREATE FUNCTION flux_mgmt.departement(flux_mgmt.code_insee) RETURNS text
	AS 'MODULE_PATHNAME', 'flux_code_insee_departement'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION flux_mgmt.departement(flux_mgmt.code_insee) IS
	'département of a commune: ''93'', ''2A'', ''971''';

CREATE FUNCTION flux_mgmt.departement_valide(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_departement_valide'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION flux_mgmt.departement_valide(text) IS
	'whether a text is a département code: ''01''-''19'', ''2A'', ''2B'', ''21''-''95'', ''971''-''976''';

-- The communes of a département are contiguous in code_insee order, so
-- "commune BETWEEN premiere_commune(d) AND derniere_commune(d)" is a range of
-- an index whose key has the commune after equalities (compteur_cle).  Not
-- STRICT, so that they are inlined (a CASE is not strict); null for null or
-- for a text that is not a département.
CREATE FUNCTION flux_mgmt.premiere_commune(departement text) RETURNS flux_mgmt.code_insee
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN flux_mgmt.departement_valide($1)
			THEN CAST($1 OPERATOR(pg_catalog.||) pg_catalog.repeat('0', 5 - pg_catalog.length($1)) AS flux_mgmt.code_insee) END;
COMMENT ON FUNCTION flux_mgmt.premiere_commune(text) IS
	'the lowest code_insee in a département (''93000'', ''2A000'', ''97100''): with derniere_commune, the bounds of its communes in code_insee order; null when the text is not a département';

CREATE FUNCTION flux_mgmt.derniere_commune(departement text) RETURNS flux_mgmt.code_insee
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN flux_mgmt.departement_valide($1)
			THEN CAST($1 OPERATOR(pg_catalog.||) pg_catalog.repeat('9', 5 - pg_catalog.length($1)) AS flux_mgmt.code_insee) END;
COMMENT ON FUNCTION flux_mgmt.derniere_commune(text) IS
	'the highest code_insee in a département (''93999'', ''2A999'', ''97199''): with premiere_commune, the bounds of its communes in code_insee order; null when the text is not a département';

CREATE FUNCTION flux_mgmt.code_insee_valide(text) RETURNS boolean
	AS 'MODULE_PATHNAME', 'flux_code_insee_valide'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION flux_mgmt.code_insee_valide(text) IS
	'whether a text is a valid INSEE commune code (without raising the error the cast would)';

CREATE FUNCTION flux_mgmt.typologie(nb_pieces smallint) RETURNS text
	AS 'MODULE_PATHNAME', 'flux_typologie'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.typologie(smallint) IS
	'typology of a dwelling from its number of main rooms: ''T1'' … ''T4'', ''T5+''';

CREATE FUNCTION flux_mgmt.periode_construction(annee smallint) RETURNS text
	AS 'MODULE_PATHNAME', 'flux_periode_construction'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.periode_construction(smallint) IS
	'construction period of the yearly report: ''avant 1949'', ''1949-1974'', ''1975-1989'', ''1990-2004'', ''2005 et plus''';

CREATE FUNCTION flux_mgmt.financement_rpls(code smallint) RETURNS flux_mgmt.financement
	LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	CASE
	WHEN code = 0 THEN RETURN NULL;                            -- not given
	WHEN code IN (10, 11) THEN RETURN 'plai';                  -- PLA d'intégration, PLA LM/TS/PLAI
	WHEN code = 12 THEN RETURN 'pla';                          -- PLA ordinaire
	WHEN code = 13 THEN RETURN 'plus';
	WHEN code = 14 THEN RETURN 'pls';                          -- PLS/PPLS/PCLS/PLA CFF
	WHEN code = 16 THEN RETURN 'pli';
	WHEN code IN (50, 52) THEN RETURN 'hlm_o';                 -- HBM, HLM/O
	WHEN code IN (15, 17, 49, 51, 53, 54, 55, 99) THEN RETURN 'autre'; -- PAP, PCL, PLR/PSR, ILM, ILN, CFF, others
	ELSE
		PERFORM flux_mgmt.refuser(
			format('unknown RPLS financing code: %s', code),
			'RPLS FINAN codes are 10-17 and 49 (from 1977), 50-55 and 99 (before 1977), 0 when not given.',
			'Check the FINAN column of the RPLS file.',
			'invalid_parameter_value');
	END CASE;
END
$$;
COMMENT ON FUNCTION flux_mgmt.financement_rpls(smallint) IS
	'financing product of an RPLS FINAN code: 10,11 plai; 12 pla; 13 plus; 14 pls; 16 pli; 50,52 hlm_o; 15,17,49,51,53-55,99 autre; 0 (not given) null';

--------------------------------------------------------------------------------
-- Reference tables (user data: every one is registered for pg_dump)
--------------------------------------------------------------------------------

CREATE TABLE flux_mgmt.bailleur (
	code text PRIMARY KEY,
	nom text NOT NULL,
	siren text,
	CONSTRAINT bailleur_siren_9_chiffres CHECK (siren ~ '^[0-9]{9}$')
);
COMMENT ON TABLE flux_mgmt.bailleur IS 'social landlords (bailleurs, organismes HLM)';
COMMENT ON COLUMN flux_mgmt.bailleur.code IS 'the landlord''s code, chosen by the user';
COMMENT ON COLUMN flux_mgmt.bailleur.nom IS 'name';
COMMENT ON COLUMN flux_mgmt.bailleur.siren IS 'SIREN number (9 digits, Luhn-checked) when given';

-- A landlord is locked by an advisory lock keyed (OID of this table,
-- hashtext(code)), held to the end of the transaction: events take it shared
-- (the counter triggers, src/compteurs.c), writers of conventions and
-- corrections exclusively, here.  The exclusive writer then updates the
-- landlord's row in place, so that an event under a transaction snapshot,
-- which share-locks that row, fails to serialize rather than miss its work.
-- Lock before row, in hash order: the order every writer follows.
CREATE FUNCTION flux_mgmt.verrouiller_bailleurs(bailleurs text[]) RETURNS void
	LANGUAGE sql VOLATILE
	AS $$
	SELECT pg_catalog.count(pg_catalog.pg_advisory_xact_lock('flux_mgmt.bailleur'::pg_catalog.regclass::pg_catalog.oid::integer,
															 pg_catalog.hashtext(x.code)))
	FROM (SELECT DISTINCT b.code, pg_catalog.hashtext(b.code) AS h FROM pg_catalog.unnest($1) AS b (code)
		  WHERE b.code IS NOT NULL ORDER BY h, b.code) AS x;
	UPDATE flux_mgmt.bailleur b SET nom = b.nom WHERE b.code OPERATOR(pg_catalog.=) ANY ($1);
$$;
COMMENT ON FUNCTION flux_mgmt.verrouiller_bailleurs(text[]) IS
	'locks landlords exclusively until the end of the transaction (their advisory lock, then their rows), as every writer of conventions and corrections does before checking its rows against the events';

CREATE TABLE flux_mgmt.reservataire (
	code text PRIMARY KEY,
	nom text NOT NULL,
	type flux_mgmt.type_reservataire NOT NULL
);
COMMENT ON TABLE flux_mgmt.reservataire IS 'reservation holders (réservataires): State, Action Logement, local authorities, employers…';
COMMENT ON COLUMN flux_mgmt.reservataire.code IS 'the réservataire''s code, chosen by the user';
COMMENT ON COLUMN flux_mgmt.reservataire.nom IS 'name';
COMMENT ON COLUMN flux_mgmt.reservataire.type IS 'kind of holder; commune, epci and ept are territorial';

CREATE TABLE flux_mgmt.commune (
	code flux_mgmt.code_insee PRIMARY KEY,
	nom text NOT NULL,
	commune_parente flux_mgmt.code_insee,
	epci text,
	epci_nom text,
	ept text,
	ept_nom text
);
COMMENT ON TABLE flux_mgmt.commune IS
	'INSEE communes (and municipal arrondissements) with their EPCI and EPT, as loaded by importer_communes from the COG';
COMMENT ON COLUMN flux_mgmt.commune.code IS 'INSEE code';
COMMENT ON COLUMN flux_mgmt.commune.nom IS 'name';
COMMENT ON COLUMN flux_mgmt.commune.commune_parente IS 'for a municipal arrondissement (Paris, Lyon, Marseille), its commune';
COMMENT ON COLUMN flux_mgmt.commune.epci IS 'SIREN of the EPCI the commune belongs to';
COMMENT ON COLUMN flux_mgmt.commune.epci_nom IS 'name of that EPCI';
COMMENT ON COLUMN flux_mgmt.commune.ept IS 'SIREN of the établissement public territorial (Grand Paris) the commune belongs to';
COMMENT ON COLUMN flux_mgmt.commune.ept_nom IS 'name of that EPT';

CREATE TABLE flux_mgmt.territoire (
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE ON DELETE CASCADE,
	commune flux_mgmt.code_insee NOT NULL,
	PRIMARY KEY (reservataire, commune)
);
CREATE INDEX territoire_commune ON flux_mgmt.territoire (commune);
COMMENT ON TABLE flux_mgmt.territoire IS
	'communes of a territorial réservataire (commune, EPCI, EPT): it only receives dwellings located there';
COMMENT ON COLUMN flux_mgmt.territoire.reservataire IS 'a réservataire of type commune, epci or ept';
COMMENT ON COLUMN flux_mgmt.territoire.commune IS 'a commune of its territory';

CREATE TABLE flux_mgmt.logement (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	ref text NOT NULL,
	rpls text UNIQUE,
	commune flux_mgmt.code_insee NOT NULL,
	nb_pieces smallint,
	financement flux_mgmt.financement,
	qpv boolean NOT NULL,
	annee_construction smallint,
	regime flux_mgmt.regime NOT NULL DEFAULT 'flux',
	reservataire_stock text REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	mise_en_service date,
	sortie date,
	contingent_rpls smallint,
	UNIQUE (bailleur, ref),
	CONSTRAINT logement_titulaire_du_stock CHECK
		((regime IN ('stock_defense', 'stock_securite', 'stock_sante')) = (reservataire_stock IS NOT NULL)),
	CONSTRAINT logement_nb_pieces CHECK (nb_pieces >= 1),
	CONSTRAINT logement_rpls_10_caracteres CHECK (rpls ~ '^[0-9A-Z]{10}$'),
	CONSTRAINT logement_annee_construction CHECK (annee_construction BETWEEN 1000 AND 2200),
	CONSTRAINT logement_sortie_apres_mise_en_service CHECK (sortie > mise_en_service),
	CONSTRAINT logement_contingent_rpls CHECK (contingent_rpls BETWEEN 1 AND 7)
);
CREATE INDEX logement_bailleur_departement ON flux_mgmt.logement (bailleur, flux_mgmt.departement(commune));
CREATE INDEX logement_reservataire_stock ON flux_mgmt.logement (reservataire_stock) WHERE reservataire_stock IS NOT NULL;
COMMENT ON TABLE flux_mgmt.logement IS 'the landlords'' social rental dwellings';
COMMENT ON COLUMN flux_mgmt.logement.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.logement.bailleur IS 'owner';
COMMENT ON COLUMN flux_mgmt.logement.ref IS 'the landlord''s own reference, unique per landlord';
COMMENT ON COLUMN flux_mgmt.logement.rpls IS 'RPLS identifier (10 characters) when known';
COMMENT ON COLUMN flux_mgmt.logement.commune IS 'INSEE code of the commune (or Paris/Lyon/Marseille arrondissement)';
COMMENT ON COLUMN flux_mgmt.logement.nb_pieces IS 'number of main rooms (RPLS NBPIECE), null when not given';
COMMENT ON COLUMN flux_mgmt.logement.financement IS 'initial financing product, null when not given';
COMMENT ON COLUMN flux_mgmt.logement.qpv IS 'located in a quartier prioritaire de la politique de la ville';
COMMENT ON COLUMN flux_mgmt.logement.annee_construction IS 'year construction was completed (RPLS CONSTRUCT)';
COMMENT ON COLUMN flux_mgmt.logement.regime IS 'flux, a stock regime (defence, security, health reservations) or outside the L441-1 regime';
COMMENT ON COLUMN flux_mgmt.logement.reservataire_stock IS 'holder of a stock-regime dwelling (required exactly for the stock regimes)';
COMMENT ON COLUMN flux_mgmt.logement.mise_en_service IS 'date the dwelling entered the landlord''s stock (null: always)';
COMMENT ON COLUMN flux_mgmt.logement.sortie IS 'date it left the stock (sale, demolition), null while owned';
COMMENT ON COLUMN flux_mgmt.logement.contingent_rpls IS
	'RPLS CONTRESLOG when known: 1 State agents, 2 State priority, 3 Action Logement, 4 local authorities, 5 State other, 6 other, 7 not reserved';

CREATE TABLE flux_mgmt.convention (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	departement text NOT NULL,
	annee_debut integer NOT NULL,
	annee_fin integer,
	taux numeric NOT NULL,
	mode_decompte flux_mgmt.mode_decompte NOT NULL DEFAULT 'mixte',
	delai interval NOT NULL DEFAULT '1 month',
	derogation_prefet boolean NOT NULL DEFAULT false,
	CONSTRAINT convention_taux CHECK (taux > 0 AND taux <= 100),
	CONSTRAINT convention_annees CHECK (annee_fin >= annee_debut),
	CONSTRAINT convention_delai CHECK (delai > '0'::interval)
);
CREATE INDEX convention_bailleur_departement ON flux_mgmt.convention (bailleur, departement, annee_debut);
CREATE INDEX convention_reservataire ON flux_mgmt.convention (reservataire);
COMMENT ON TABLE flux_mgmt.convention IS
	'reservation conventions in flux: one landlord × réservataire × département, a share of the annual flux for a span of years';
COMMENT ON COLUMN flux_mgmt.convention.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.convention.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.convention.reservataire IS 'reservation holder';
COMMENT ON COLUMN flux_mgmt.convention.departement IS 'département of the convention (a territorial réservataire: its communes within it)';
COMMENT ON COLUMN flux_mgmt.convention.annee_debut IS 'first year in force';
COMMENT ON COLUMN flux_mgmt.convention.annee_fin IS 'last year in force (inclusive), null while open';
COMMENT ON COLUMN flux_mgmt.convention.taux IS 'share of the flux of its scope, in percent (0 < taux <= 100)';
COMMENT ON COLUMN flux_mgmt.convention.mode_decompte IS 'when an oriented dwelling is charged to it (DOMAIN §3.6)';
COMMENT ON COLUMN flux_mgmt.convention.delai IS 'delay for the réservataire to propose candidates';
COMMENT ON COLUMN flux_mgmt.convention.derogation_prefet IS 'a préfet''s arrêté lets the State exceed its caps (one year at most)';

CREATE TABLE flux_mgmt.objectif_indicatif (
	convention_id bigint NOT NULL REFERENCES flux_mgmt.convention ON DELETE CASCADE,
	critere text NOT NULL,
	valeur text NOT NULL,
	part numeric NOT NULL,
	PRIMARY KEY (convention_id, critere, valeur),
	CONSTRAINT objectif_critere CHECK (critere IN ('nb_pieces', 'financement', 'qpv', 'commune')),
	CONSTRAINT objectif_part CHECK (part >= 0 AND part <= 100)
);
COMMENT ON TABLE flux_mgmt.objectif_indicatif IS
	'indicative objectives of a convention: part % of its flux should have critere = valeur (a guide, not a guarantee)';
COMMENT ON COLUMN flux_mgmt.objectif_indicatif.convention_id IS 'convention';
COMMENT ON COLUMN flux_mgmt.objectif_indicatif.critere IS 'nb_pieces, financement, qpv or commune';
COMMENT ON COLUMN flux_mgmt.objectif_indicatif.valeur IS 'a number of rooms (5 = 5 and more), a financement, true/false, or an INSEE code';
COMMENT ON COLUMN flux_mgmt.objectif_indicatif.part IS 'target share in percent of the convention''s flux';

CREATE TABLE flux_mgmt.rotation (
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	annee integer NOT NULL,
	taux numeric NOT NULL,
	PRIMARY KEY (bailleur, departement, annee),
	CONSTRAINT rotation_taux CHECK (taux >= 0 AND taux <= 100)
);
COMMENT ON TABLE flux_mgmt.rotation IS 'rotation rate (departures ÷ dwellings) of a landlord in a département for a year';
COMMENT ON COLUMN flux_mgmt.rotation.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.rotation.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.rotation.annee IS 'year it applies to';
COMMENT ON COLUMN flux_mgmt.rotation.taux IS 'rate in percent (IdF 2022: 5.0 Paris … 7.5 Essonne)';

CREATE TABLE flux_mgmt.mise_en_service_prevue (
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	annee integer NOT NULL,
	nombre integer NOT NULL,
	PRIMARY KEY (bailleur, departement, annee),
	CONSTRAINT mise_en_service_nombre CHECK (nombre >= 0)
);
COMMENT ON TABLE flux_mgmt.mise_en_service_prevue IS 'expected first lettings of new dwellings in a year';
COMMENT ON COLUMN flux_mgmt.mise_en_service_prevue.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.mise_en_service_prevue.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.mise_en_service_prevue.annee IS 'year';
COMMENT ON COLUMN flux_mgmt.mise_en_service_prevue.nombre IS 'number of dwellings expected to be let for the first time';

CREATE TABLE flux_mgmt.soustraction_prevue (
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	annee integer NOT NULL,
	motif flux_mgmt.motif_soustraction NOT NULL,
	nombre integer NOT NULL,
	PRIMARY KEY (bailleur, departement, annee, motif),
	CONSTRAINT soustraction_nombre CHECK (nombre >= 0)
);
COMMENT ON TABLE flux_mgmt.soustraction_prevue IS 'forecast of the vacancies taken out of the flux, per reason (told to réservataires before 28 February)';
COMMENT ON COLUMN flux_mgmt.soustraction_prevue.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.soustraction_prevue.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.soustraction_prevue.annee IS 'year';
COMMENT ON COLUMN flux_mgmt.soustraction_prevue.motif IS 'reason';
COMMENT ON COLUMN flux_mgmt.soustraction_prevue.nombre IS 'forecast number of vacancies';

CREATE TABLE flux_mgmt.droit_stock (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	departement text NOT NULL,
	nature text NOT NULL,
	nombre numeric NOT NULL,
	fin date,
	contrepartie text,
	regime flux_mgmt.regime NOT NULL DEFAULT 'flux',
	logement_id bigint REFERENCES flux_mgmt.logement ON DELETE SET NULL,
	CONSTRAINT droit_stock_nature CHECK (nature IN ('suite', 'unique')),
	CONSTRAINT droit_stock_nombre CHECK (nombre > 0),
	CONSTRAINT droit_stock_regime CHECK (regime <> 'hors_champ')
);
CREATE INDEX droit_stock_bailleur_departement ON flux_mgmt.droit_stock (bailleur, departement);
COMMENT ON TABLE flux_mgmt.droit_stock IS
	'état des lieux: the stock reservation rights held before conversion to flux';
COMMENT ON COLUMN flux_mgmt.droit_stock.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.droit_stock.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.droit_stock.reservataire IS 'holder of the right';
COMMENT ON COLUMN flux_mgmt.droit_stock.departement IS 'département of the dwellings';
COMMENT ON COLUMN flux_mgmt.droit_stock.nature IS 'suite (the dwellings return to the holder at every vacancy) or unique (single-use rights)';
COMMENT ON COLUMN flux_mgmt.droit_stock.nombre IS 'dwellings for a droit de suite, rights left for droits uniques';
COMMENT ON COLUMN flux_mgmt.droit_stock.fin IS 'end of the right, null for life-long rights';
COMMENT ON COLUMN flux_mgmt.droit_stock.contrepartie IS 'what the right was granted for (aid, loan guarantee, land, employer funding)';
COMMENT ON COLUMN flux_mgmt.droit_stock.regime IS 'flux (to convert) or a stock regime (defence, security, health: never converted)';
COMMENT ON COLUMN flux_mgmt.droit_stock.logement_id IS 'the dwelling, when the right is on one identified dwelling';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.bailleur', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.reservataire', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.commune', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.territoire', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.logement', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.logement_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.convention', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.convention_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.objectif_indicatif', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.rotation', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.mise_en_service_prevue', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.soustraction_prevue', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.droit_stock', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.droit_stock_id_seq', '');
COMMENT ON SEQUENCE flux_mgmt.logement_id_seq IS 'ids of logement';
COMMENT ON SEQUENCE flux_mgmt.convention_id_seq IS 'ids of convention';
COMMENT ON SEQUENCE flux_mgmt.droit_stock_id_seq IS 'ids of droit_stock';

--------------------------------------------------------------------------------
-- Row rules of the reference tables
--
-- The CHECK constraints above are the backstop; these BEFORE triggers run
-- first and say, in the domain's words, which value is wrong and what to do.
-- They are fully qualified and do not pin search_path because they run once
-- per imported row (a SET clause costs a GUC save and restore per call).
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
AS $$
BEGIN
	IF NEW.siren IS NOT NULL AND NOT flux_mgmt.siren_valide(NEW.siren) THEN
		PERFORM flux_mgmt.refuser(
			format('invalid SIREN %L for landlord %L', NEW.siren, NEW.code),
			'A SIREN number is nine digits whose Luhn checksum is a multiple of 10.',
			'Copy the SIREN from the landlord''s Kbis or the INSEE Sirene register, or leave it null.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_bailleur() IS 'row rule of bailleur: a SIREN, when given, is valid';
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
AS $$
DECLARE
	nom text := format('convention %s/%s/%s', NEW.bailleur, NEW.reservataire, NEW.departement);
BEGIN
	PERFORM flux_mgmt.exiger_departement(NEW.departement, nom);
	IF NOT (NEW.taux > 0 AND NEW.taux <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('share %s %% of %s is out of range', NEW.taux, nom),
			'A share is a percentage of the flux, above 0 and at most 100.',
			'Write the share in percent (30 means 30 %); end the convention rather than set it to 0.');
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
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_convention() IS
	'row rules of convention: département, share in (0, 100], years, delay, derogation only for the State and one year';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.convention
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_convention();
COMMENT ON TRIGGER verifier ON flux_mgmt.convention IS 'runs flux_mgmt.verifier_convention() on every written row: the rules of a convention, each error naming the value and what to do';

CREATE FUNCTION flux_mgmt.verifier_objectif_indicatif() RETURNS trigger
	LANGUAGE plpgsql
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
	'row rules of objectif_indicatif: a known criterion, a value of its kind, a part in [0, 100]';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.objectif_indicatif
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_objectif_indicatif();
COMMENT ON TRIGGER verifier ON flux_mgmt.objectif_indicatif IS 'runs flux_mgmt.verifier_objectif_indicatif() on every written row: the rules of a objectif_indicatif, each error naming the value and what to do';

-- rotation, mise_en_service_prevue, soustraction_prevue: a landlord's yearly
-- figures for one département.
CREATE FUNCTION flux_mgmt.verifier_prevision() RETURNS trigger
	LANGUAGE plpgsql
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
	IF TG_TABLE_NAME = 'rotation' THEN
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
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_prevision() IS
	'row rules of rotation, mise_en_service_prevue and soustraction_prevue: département, year, rate or number';
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
	'row rules of droit_stock: département, nature, a positive number, regime, the dwelling''s landlord and département';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.droit_stock
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_droit_stock();
COMMENT ON TRIGGER verifier ON flux_mgmt.droit_stock IS 'runs flux_mgmt.verifier_droit_stock() on every written row: the rules of a droit_stock, each error naming the value and what to do';

--------------------------------------------------------------------------------
-- Statement rules of conventions
--
-- Rules that span several conventions are checked once per statement, after
-- every row is written, so that a multi-row INSERT, an UPDATE moving shares
-- around, or a COPY is judged on its result.  The landlords concerned are
-- locked first (a no-op UPDATE of their row), so two transactions writing
-- conventions of one landlord are judged one after the other, at every
-- isolation level.
--------------------------------------------------------------------------------

-- The rows a statement wrote, as a query over its transition tables (named
-- nouvelles and anciennes by every statement trigger of flux_mgmt): the new
-- rows, and for UPDATE and DELETE the old ones too.
CREATE FUNCTION flux_mgmt.lignes_ecrites(operation text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE operation
	WHEN 'INSERT' THEN 'TABLE nouvelles'
	WHEN 'UPDATE' THEN 'TABLE nouvelles UNION ALL TABLE anciennes'
	WHEN 'DELETE' THEN 'TABLE anciennes' END;
COMMENT ON FUNCTION flux_mgmt.lignes_ecrites(text) IS
	'for a statement trigger''s TG_OP, the query of the rows it wrote over the transition tables nouvelles and anciennes (old rows included for UPDATE and DELETE)';

CREATE FUNCTION flux_mgmt.verifier_conventions_ecrites() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	c record;
	e record;
BEGIN
	-- The rows whose landlord × département and years are judged again: the
	-- new ones, and for UPDATE and DELETE the old ones too (taking a State
	-- convention away can end the derogation that covered another one).
	EXECUTE format(
		'SELECT array_agg(n.bailleur) AS bailleurs, array_agg(n.departement) AS departements,
				array_agg(n.annee_debut) AS debuts, array_agg(n.annee_fin) AS fins,
				array_agg(DISTINCT n.reservataire) AS reservataires
		 FROM (%s) AS n', lignes_ecrites(TG_OP))
	INTO e;

	PERFORM verrouiller_bailleurs(e.bailleurs);
	-- against a concurrent change of their territory or type
	PERFORM FROM reservataire r WHERE r.code = ANY (e.reservataires) ORDER BY r.code FOR SHARE;

	IF TG_OP <> 'DELETE' THEN
		SELECT n.bailleur, n.reservataire, n.departement, n.annee_debut, n.annee_fin,
			   o.annee_debut AS autre_debut, o.annee_fin AS autre_fin
		INTO c
		FROM nouvelles n
		JOIN convention o ON o.bailleur = n.bailleur AND o.reservataire = n.reservataire
			AND o.departement = n.departement AND o.id <> n.id
			AND int4range(o.annee_debut, o.annee_fin, '[]') && int4range(n.annee_debut, n.annee_fin, '[]')
		ORDER BY n.bailleur, n.reservataire, n.departement, n.annee_debut
		LIMIT 1;
		IF FOUND THEN
			PERFORM flux_mgmt.refuser(
				format('two conventions of landlord %L with réservataire %L in département %s overlap: %s-%s and %s-%s',
					c.bailleur, c.reservataire, c.departement,
					c.annee_debut, coalesce(c.annee_fin::text, 'open'),
					c.autre_debut, coalesce(c.autre_fin::text, 'open')),
				'There is one convention per landlord, réservataire and département in any year.',
				'End the earlier convention (annee_fin) the year before the new one starts.');
		END IF;
	END IF;

	-- shares: 100 % in every commune, State caps, territories (next section)
	PERFORM exiger_regles_conventions(e.bailleurs, e.departements, e.debuts, e.fins);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_conventions_ecrites() IS
	'statement rules of convention, checked after every row is written: no two conventions of one landlord, réservataire and département in the same year, and in every year the written rows touch, the share rules of DOMAIN §3.1 (exiger_regles_conventions)';
CREATE TRIGGER verifier_ensemble_insert AFTER INSERT ON flux_mgmt.convention
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_conventions_ecrites();
CREATE TRIGGER verifier_ensemble_update AFTER UPDATE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_conventions_ecrites();
CREATE TRIGGER verifier_ensemble_delete AFTER DELETE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_conventions_ecrites();
COMMENT ON TRIGGER verifier_ensemble_insert ON flux_mgmt.convention IS 'statement rules of the inserted conventions (no overlap, share rules)';
COMMENT ON TRIGGER verifier_ensemble_update ON flux_mgmt.convention IS 'statement rules of the updated conventions, old and new years';
COMMENT ON TRIGGER verifier_ensemble_delete ON flux_mgmt.convention IS 'share rules once conventions are deleted (a derogation may go with them)';

--------------------------------------------------------------------------------
-- Assiette, annual flux and shares
--
-- DOMAIN §3.1-3.3.  The assiette is counted from logement through the index
-- logement_bailleur_departement; the forecast flux of a year is the assiette
-- at 1 January times the rotation rate, plus the expected first lettings,
-- minus the forecast subtractions; the conventions in force share it, and the
-- C kernel repartir() turns the real rights into whole dwellings.  The rules
-- spanning the conventions of one landlord and département (100 % in every
-- commune, State caps, territories) are one function, infractions_conventions,
-- read by controler_conventions and enforced by the statement triggers.
--
-- The readers the others call once per landlord × département × year
-- (logements_detenus, conventions_en_vigueur, infractions_conventions)
-- are SQL functions with a standard body: their names are bound when the
-- extension is created, so they need no search_path and can be inlined.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.repartir(poids numeric[], total integer) RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_repartir'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.repartir(numeric[], integer) IS
	'largest-remainder apportionment of total whole units in proportion to the weights, in exact integer arithmetic (weights in millionths, at most six decimals): each gets the floor of its quota, the units left go to the largest remainders, ties to the larger weight, then the earlier position; sums to total, each within one of its quota; total 0 gives zeros; the result has the bounds of poids';

CREATE FUNCTION flux_mgmt.taux_rotation_reference(departement text) RETURNS numeric
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE departement
	WHEN '75' THEN 5.0 WHEN '77' THEN 6.7 WHEN '78' THEN 7.3 WHEN '91' THEN 7.5
	WHEN '92' THEN 6.0 WHEN '93' THEN 5.3 WHEN '94' THEN 5.6 WHEN '95' THEN 6.5
	ELSE 8.1 END;
COMMENT ON FUNCTION flux_mgmt.taux_rotation_reference(text) IS
	'reference rotation rate in percent (DOMAIN §3.3): the Île-de-France 2022 value of the département, 8.1 (France métropolitaine) elsewhere; a suggestion, never used as a default';

CREATE FUNCTION flux_mgmt.exiger_bailleur(bailleur text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown landlord %L', $1),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.bailleur (code, nom) VALUES (…).',
			'foreign_key_violation');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_bailleur(text) IS 'raises 23503 naming the code unless the landlord exists';

-- The arguments of the yearly readers: a landlord that exists, a département,
-- a calendar year (the range of the rotation and forecast tables).
CREATE FUNCTION flux_mgmt.exiger_portee(bailleur text, departement text, annee integer, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_bailleur(bailleur);
	PERFORM flux_mgmt.exiger_departement(departement, contexte);
	IF annee NOT BETWEEN 1900 AND 2200 THEN
		PERFORM flux_mgmt.refuser(
			format('year %s in %s is out of range', annee, contexte),
			NULL,
			'Give a calendar year such as 2026.',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_portee(text, text, integer, text) IS
	'raises the error of the first invalid argument of a yearly reader: unknown landlord (23503), invalid département or year outside 1900-2200 (22023)';

CREATE FUNCTION flux_mgmt.logements_detenus(bailleur text, departement text, au date)
RETURNS SETOF flux_mgmt.logement
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT l.* FROM flux_mgmt.logement l
	WHERE l.bailleur = $1
	  AND flux_mgmt.departement(l.commune) = $2
	  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $3)
	  AND (l.sortie IS NULL OR l.sortie > $3);
END;
COMMENT ON FUNCTION flux_mgmt.logements_detenus(text, text, date) IS
	'the dwellings a landlord owns in a département on a date: entered on or before it (or always there), not left on or before it; read through logement_bailleur_departement once inlined; no argument check';

CREATE FUNCTION flux_mgmt.assiette(bailleur text, departement text, au date,
	OUT patrimoine integer, OUT hors_flux integer, OUT assiette integer)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_bailleur($1);
	PERFORM exiger_departement($2, 'assiette');
	SELECT count(*), count(*) FILTER (WHERE l.regime <> 'flux')
	INTO patrimoine, hors_flux
	FROM logements_detenus($1, $2, $3) AS l;
	assiette := patrimoine - hors_flux;
END
$$;
COMMENT ON FUNCTION flux_mgmt.assiette(text, text, date) IS
	'DOMAIN §3.2: the dwellings a landlord owns in a département on a date (mise_en_service null or on or before it, sortie null or after it), those outside the flux (stock regimes, hors_champ) and the rest, the assiette';

-- The forecast of a year from its assiette: what flux_previsionnel and
-- parts_annuelles share once they have counted the dwellings.
CREATE FUNCTION flux_mgmt.prevoir_flux(bailleur text, departement text, annee integer, assiette_janvier integer,
	OUT assiette integer, OUT taux_rotation numeric, OUT relocations numeric,
	OUT mises_en_service integer, OUT soustractions integer, OUT flux_net numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	assiette := $4;
	SELECT r.taux INTO taux_rotation
	FROM rotation r WHERE r.bailleur = $1 AND r.departement = $2 AND r.annee = $3;
	IF NOT FOUND THEN
		PERFORM refuser(
			format('no rotation rate for landlord %L in département %s in %s', $1, $2, $3),
			'The forecast flux is assiette × rotation rate + expected first lettings − forecast subtractions (DOMAIN §3.3); the rate has no default.',
			format('Add the landlord''s rate in percent, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (%L, %L, %s, %s);',
				$1, $2, $3, taux_rotation_reference($2)),
			'foreign_key_violation');
	END IF;
	SELECT coalesce(sum(m.nombre), 0) INTO mises_en_service
	FROM mise_en_service_prevue m WHERE m.bailleur = $1 AND m.departement = $2 AND m.annee = $3;
	SELECT coalesce(sum(s.nombre), 0) INTO soustractions
	FROM soustraction_prevue s WHERE s.bailleur = $1 AND s.departement = $2 AND s.annee = $3;
	-- × 0.01 rather than / 100: numeric multiplication is exact
	relocations := trim_scale(assiette * taux_rotation * 0.01);
	flux_net := trim_scale(relocations + mises_en_service - soustractions);
END
$$;
COMMENT ON FUNCTION flux_mgmt.prevoir_flux(text, text, integer, integer) IS
	'the forecast flux of flux_previsionnel for a given assiette at 1 January: rotation rate (error 23503 with the row to insert when missing), first lettings and subtractions (0 when missing); no argument check';

CREATE FUNCTION flux_mgmt.flux_previsionnel(bailleur text, departement text, annee integer,
	OUT assiette integer, OUT taux_rotation numeric, OUT relocations numeric,
	OUT mises_en_service integer, OUT soustractions integer, OUT flux_net numeric)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'flux_previsionnel');
	SELECT p.* INTO assiette, taux_rotation, relocations, mises_en_service, soustractions, flux_net
	FROM prevoir_flux($1, $2, $3,
		(SELECT count(*) FILTER (WHERE l.regime = 'flux') FROM logements_detenus($1, $2, make_date($3, 1, 1)) AS l)::integer) AS p;
END
$$;
COMMENT ON FUNCTION flux_mgmt.flux_previsionnel(text, text, integer) IS
	'DOMAIN §3.3: forecast flux of a landlord in a département for a year: assiette at 1 January, relocations = assiette × rotation rate / 100, flux_net = relocations + expected first lettings − forecast subtractions (all motives); a missing rotation rate is an error (23503) whose hint is the row to insert, a missing mise_en_service_prevue or soustraction_prevue row counts as 0';

CREATE FUNCTION flux_mgmt.conventions_en_vigueur(bailleur text, departement text, annee integer)
RETURNS TABLE (id bigint, reservataire text, type flux_mgmt.type_reservataire, taux numeric,
			   mode_decompte flux_mgmt.mode_decompte, delai interval, derogation_prefet boolean,
			   communes flux_mgmt.code_insee[])
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT c.id, c.reservataire, r.type, c.taux, c.mode_decompte, c.delai, c.derogation_prefet,
		   CASE WHEN flux_mgmt.est_territorial(r.type) THEN ARRAY(
			   SELECT t.commune FROM flux_mgmt.territoire t
			   WHERE t.reservataire = c.reservataire AND flux_mgmt.departement(t.commune) = c.departement
			   ORDER BY t.commune) END
	FROM flux_mgmt.convention c
	JOIN flux_mgmt.reservataire r ON r.code = c.reservataire
	WHERE c.bailleur = $1 AND c.departement = $2
	  AND c.annee_debut <= $3 AND (c.annee_fin IS NULL OR c.annee_fin >= $3)
	ORDER BY c.reservataire COLLATE "C", c.id;
END;
COMMENT ON FUNCTION flux_mgmt.conventions_en_vigueur(text, text, integer) IS
	'the conventions of a landlord in a département in force in a year (annee_debut <= annee <= annee_fin or open), by réservataire code, with their scope: communes null for a département-wide convention, else the communes of the territorial réservataire''s territory within the département (possibly none); no argument check';

-- Every rule of DOMAIN §3.1 broken in one landlord × département × year, in a
-- fixed order.  exemption says why a broken rule is not enforced (a préfet's
-- derogation, a territory not declared yet), null when it is; explication and
-- conseil are the detail and hint of the error the triggers raise.
CREATE FUNCTION flux_mgmt.infractions_conventions(bailleur text, departement text, annee integer)
RETURNS TABLE (ordre integer, regle text, constat text, exemption text, explication text, conseil text)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH v AS (
		SELECT * FROM flux_mgmt.conventions_en_vigueur($1, $2, $3)
	), etat AS (
		SELECT sum(v.taux) FILTER (WHERE v.type IN ('etat_prioritaires', 'etat_agents')) AS total,
			   sum(v.taux) FILTER (WHERE v.type = 'etat_agents') AS agents,
			   bool_or(v.derogation_prefet) FILTER (WHERE v.type IN ('etat_prioritaires', 'etat_agents')) AS deroge
		FROM v
	), par_commune AS (
		SELECT u.commune,
			   (SELECT coalesce(sum(d.taux), 0) FROM v AS d WHERE d.communes IS NULL) + sum(v.taux) AS total
		FROM v CROSS JOIN LATERAL unnest(v.communes) AS u(commune)
		GROUP BY u.commune
	), lieux AS (
		-- the département at large, then each commune of a territorial scope
		SELECT format('département %s', $2) AS lieu, sum(v.taux) AS total, 0 AS rang
		FROM v WHERE v.communes IS NULL
		UNION ALL
		SELECT format('commune %s (département %s)', p.commune, $2), p.total, 1
		FROM par_commune p
	), depasses AS (
		SELECT l.lieu, l.total, count(*) OVER () - 1 AS autres
		FROM lieux l WHERE l.total > 100
		ORDER BY l.total DESC, l.rang, l.lieu COLLATE "C"
		LIMIT 1
	)
	SELECT 1 AS ordre, 'total_100' AS regle,
		   format('shares of landlord %L in %s total %s %% in %s, above 100 %%%s', $1, d.lieu, pg_catalog.trim_scale(d.total), $3,
				  CASE d.autres WHEN 0 THEN '' WHEN 1 THEN ' (and in 1 other place)'
								ELSE format(' (and in %s other places)', d.autres) END) AS constat,
		   NULL AS exemption,
		   'The shares that apply in a commune (département-wide ones everywhere, a territorial one in its communes) add up to 100 % at most; the landlord''s pool is the rest.' AS explication,
		   'Lower or end some of these conventions; flux_mgmt.controler_conventions() lists every broken rule.' AS conseil
	FROM depasses d
	UNION ALL
	SELECT 2, 'plafond_etat',
		   format('State shares of landlord %L in département %s total %s %% in %s, above the 30 %% cap', $1, $2, pg_catalog.trim_scale(e.total), $3),
		   CASE WHEN e.deroge THEN format('derogated by a préfet''s arrêté for %s: not enforced', $3) END,
		   'The State (etat_prioritaires and etat_agents) gets at most 30 % of each landlord''s flux (CCH R441-5-2).',
		   'Lower the State''s shares, or, if a préfet''s arrêté allows it, set derogation_prefet on a one-year State convention.'
	FROM etat e WHERE e.total > 30
	UNION ALL
	SELECT 3, 'plafond_agents',
		   format('State agents'' shares of landlord %L in département %s total %s %% in %s, above the 5 %% cap', $1, $2, pg_catalog.trim_scale(e.agents), $3),
		   CASE WHEN e.deroge THEN format('derogated by a préfet''s arrêté for %s: not enforced', $3) END,
		   'Of the State''s 30 %, at most 5 % go to civil and military State agents (CCH R441-5-2).',
		   'Lower the etat_agents shares, or, if a préfet''s arrêté allows it, set derogation_prefet on a one-year State convention.'
	FROM etat e WHERE e.agents > 5
	UNION ALL
	SELECT 4, 'chevauchement',
		   format('réservataire %L has %s conventions with landlord %L in département %s in %s', v.reservataire, count(*), $1, $2, $3),
		   NULL,
		   'There is one convention per landlord, réservataire and département in any year.',
		   'End the earlier convention (annee_fin) the year before the other one starts.'
	FROM v GROUP BY v.reservataire HAVING count(*) > 1
	UNION ALL
	SELECT 5, 'territoire_vide',
		   format('territorial réservataire %L has no commune of its territory in département %s, where it has a convention with landlord %L in %s', v.reservataire, $2, $1, $3),
		   CASE WHEN NOT EXISTS (SELECT FROM flux_mgmt.territoire t WHERE t.reservataire = v.reservataire)
				THEN 'its territory is not declared yet: not enforced until it is' END,
		   'A commune, EPCI or EPT réservataire only receives dwellings of its territory: its convention in a département must cover communes of it.',
		   'Check the convention''s département, or declare the territory with flux_mgmt.definir_territoire().'
	FROM v WHERE pg_catalog.cardinality(v.communes) = 0;
END;
COMMENT ON FUNCTION flux_mgmt.infractions_conventions(text, text, integer) IS
	'every rule of DOMAIN §3.1 broken by the conventions of a landlord in a département in force in a year: rule, finding, why it is not enforced (null when it is), and the detail and hint of the error the convention triggers raise; no argument check';

CREATE FUNCTION flux_mgmt.controler_conventions(bailleur text, departement text, annee integer)
RETURNS TABLE (regle text, detail text)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'controler_conventions');
	RETURN QUERY
	SELECT i.regle, i.constat || coalesce(' — ' || i.exemption, '')
	FROM infractions_conventions($1, $2, $3) AS i
	ORDER BY i.ordre, i.constat COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.controler_conventions(text, text, integer) IS
	'every rule of DOMAIN §3.1 the conventions of a landlord in a département break in a year, empty when all hold: total_100 (shares applying in a commune above 100 %), plafond_etat (State above 30 %), plafond_agents (State agents above 5 %), chevauchement (two conventions of one réservataire), territoire_vide (a territorial convention with no commune in the département); a derogated or not yet enforceable finding says so';

-- Enforces the rules for the landlord × département pairs of written rows:
-- (bailleurs[i], departements[i]) in the years debuts[i] .. fins[i] (null:
-- open).  Shares are constant between the years where a convention of the
-- pair starts or ends, so those years (and each debut) are enough.
CREATE FUNCTION flux_mgmt.exiger_regles_conventions(bailleurs text[], departements text[], debuts integer[], fins integer[])
RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	i record;
BEGIN
	WITH ecrites AS (
		SELECT DISTINCT e.bailleur, e.departement, e.debut, e.fin
		FROM unnest(bailleurs, departements, debuts, fins) AS e(bailleur, departement, debut, fin)
	), paires AS (
		SELECT DISTINCT e.bailleur, e.departement FROM ecrites e
	), bornes AS (
		SELECT p.bailleur, p.departement, b.annee
		FROM paires p
		CROSS JOIN LATERAL (
			SELECT c.annee_debut AS annee FROM convention c
			WHERE c.bailleur = p.bailleur AND c.departement = p.departement
			UNION
			SELECT c.annee_fin + 1 FROM convention c
			WHERE c.bailleur = p.bailleur AND c.departement = p.departement AND c.annee_fin IS NOT NULL
		) AS b
		UNION
		SELECT e.bailleur, e.departement, e.debut FROM ecrites e
	), annees AS (
		SELECT b.* FROM bornes b
		WHERE EXISTS (SELECT FROM ecrites e
					  WHERE e.bailleur = b.bailleur AND e.departement = b.departement
						AND b.annee >= e.debut AND (e.fin IS NULL OR b.annee <= e.fin))
	)
	SELECT f.constat, f.explication, f.conseil INTO i
	FROM annees a
	CROSS JOIN LATERAL infractions_conventions(a.bailleur, a.departement, a.annee) AS f
	WHERE f.exemption IS NULL
	ORDER BY a.bailleur COLLATE "C", a.departement, a.annee, f.ordre, f.constat COLLATE "C"
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(i.constat, i.explication, i.conseil);
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_regles_conventions(text[], text[], integer[], integer[]) IS
	'raises 23514 with the first enforced rule of DOMAIN §3.1 broken by the conventions of the given landlord × département pairs in the given spans of years (checked at every year where a convention of the pair starts or ends)';

CREATE FUNCTION flux_mgmt.parts_annuelles(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, droit numeric, droit_entier integer)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	codes_communes code_insee[];
	assiettes_communes bigint[];
	codes text[];
	taux_c numeric[];
	droits numeric[];
	parts numeric[];
	reste numeric;
BEGIN
	PERFORM exiger_portee($1, $2, $3, 'parts_annuelles');
	-- one read of the dwellings: the assiette per commune, for the
	-- territories, and in all
	SELECT array_agg(c.commune), array_agg(c.assiette) INTO codes_communes, assiettes_communes
	FROM (SELECT l.commune, count(*) AS assiette
		  FROM logements_detenus($1, $2, make_date($3, 1, 1)) AS l
		  WHERE l.regime = 'flux'
		  GROUP BY l.commune) AS c;
	SELECT * INTO f FROM prevoir_flux($1, $2, $3, coalesce((SELECT sum(a) FROM unnest(assiettes_communes) AS a), 0)::integer);
	IF f.flux_net < 0 THEN
		PERFORM refuser(
			format('the forecast flux of landlord %L in département %s in %s is negative: %s', $1, $2, $3, f.flux_net),
			format('%s relocations + %s first lettings − %s subtractions.', f.relocations, f.mises_en_service, f.soustractions),
			'Check the forecast subtractions (flux_mgmt.soustraction_prevue) of that year.');
	END IF;

	-- droit of a territorial convention: taux × flux_net × (assiette of its
	-- communes ÷ assiette of the département) / 100, truncated to the
	-- millionth (exactly, by div) so that the pool never goes below 0
	WITH v AS (
		SELECT v.*, CASE WHEN v.communes IS NOT NULL THEN
			   (SELECT coalesce(sum(c.assiette), 0) FROM unnest(codes_communes, assiettes_communes) AS c(commune, assiette)
				WHERE c.commune = ANY (v.communes)) END AS assiette_t
		FROM conventions_en_vigueur($1, $2, $3) AS v
	)
	SELECT array_agg(v.reservataire ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(v.taux ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(CASE WHEN v.communes IS NULL THEN v.taux * f.flux_net * 0.01
						  WHEN f.assiette = 0 THEN 0
						  ELSE div(v.taux * f.flux_net * v.assiette_t * 10000, f.assiette) * 0.000001 END
					 ORDER BY v.reservataire COLLATE "C", v.id),
		   array_agg(CASE WHEN v.communes IS NULL THEN v.taux
						  WHEN f.assiette = 0 THEN 0
						  ELSE v.taux * v.assiette_t / f.assiette END
					 ORDER BY v.reservataire COLLATE "C", v.id)
	INTO codes, taux_c, droits, parts
	FROM v;

	reste := f.flux_net - coalesce((SELECT sum(d) FROM unnest(droits) AS d), 0);
	IF reste < 0 THEN
		PERFORM refuser(
			format('the shares of landlord %L in département %s in %s exceed its flux', $1, $2, $3),
			format('Their rights add up to %s for a flux of %s.', f.flux_net - reste, f.flux_net),
			format('Run SELECT * FROM flux_mgmt.controler_conventions(%L, %L, %s) to see the broken rule.', $1, $2, $3));
	END IF;
	-- the landlord's pool: what the conventions leave
	codes := coalesce(codes, '{}') || NULL::text;
	taux_c := coalesce(taux_c, '{}') || round(CASE WHEN f.flux_net = 0
		THEN 100 - coalesce((SELECT sum(p) FROM unnest(parts) AS p), 0)
		ELSE 100 * reste / f.flux_net END, 6);
	droits := coalesce(droits, '{}') || reste;

	RETURN QUERY
	SELECT u.reservataire, trim_scale(u.taux), trim_scale(u.droit), u.entier
	FROM unnest(codes, taux_c, droits,
				repartir((SELECT array_agg(round(d.droit, 6) ORDER BY d.i)
						  FROM unnest(droits) WITH ORDINALITY AS d(droit, i)),
						 round(f.flux_net)::integer))
		 WITH ORDINALITY AS u(reservataire, taux, droit, entier, i)
	ORDER BY u.i;
END
$$;
COMMENT ON FUNCTION flux_mgmt.parts_annuelles(text, text, integer) IS
	'DOMAIN §3.3: each convention in force (by réservataire code) then the landlord''s pool (reservataire null) with its share, its right for the forecast flux of the year and its whole dwellings; a département-wide right is taux × flux_net / 100, a territorial one taux × the flux of its territory (flux_net pro rata of the assiette of its communes at 1 January) / 100, truncated to the millionth; the pool gets flux_net minus the rights, its taux is 100 × its right / flux_net; droit_entier apportions round(flux_net) by repartir over the rights rounded to the millionth';

-- Territories and réservataire types decide where shares apply: writing them
-- judges again every convention of the réservataires concerned.
CREATE FUNCTION flux_mgmt.verifier_portees_ecrites() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	reservataires text[];
	p record;
BEGIN
	IF TG_TABLE_NAME = 'reservataire' THEN
		-- those whose type changed (or code: harmless)
		reservataires := ARRAY(SELECT n.code FROM nouvelles n
							   WHERE NOT EXISTS (SELECT FROM anciennes a WHERE a.code = n.code AND a.type = n.type));
	ELSE
		EXECUTE format('SELECT array_agg(DISTINCT n.reservataire) FROM (%s) AS n', lignes_ecrites(TG_OP))
		INTO reservataires;
	END IF;
	-- landlords first, like the convention writers, then the réservataires
	PERFORM verrouiller_bailleurs(ARRAY(SELECT c.bailleur FROM convention c WHERE c.reservataire = ANY (reservataires)));
	PERFORM FROM reservataire r WHERE r.code = ANY (reservataires) ORDER BY r.code FOR NO KEY UPDATE;

	SELECT array_agg(c.bailleur) AS bailleurs, array_agg(c.departement) AS departements,
		   array_agg(c.debut) AS debuts, array_agg(NULL::integer) AS fins
	INTO p
	FROM (SELECT c.bailleur, c.departement, min(c.annee_debut) AS debut
		  FROM convention c WHERE c.reservataire = ANY (reservataires)
		  GROUP BY c.bailleur, c.departement) AS c;
	PERFORM exiger_regles_conventions(p.bailleurs, p.departements, p.debuts, p.fins);
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_portees_ecrites() IS
	'statement rule of territoire and of réservataire types: the conventions of the réservataires concerned still keep the rules of DOMAIN §3.1 (100 % in every commune, State caps, territories)';
CREATE TRIGGER verifier_portees_insert AFTER INSERT ON flux_mgmt.territoire
	REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees_update AFTER UPDATE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees_delete AFTER DELETE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
CREATE TRIGGER verifier_portees AFTER UPDATE ON flux_mgmt.reservataire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
COMMENT ON TRIGGER verifier_portees_insert ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires gaining communes';
COMMENT ON TRIGGER verifier_portees_update ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires whose communes change';
COMMENT ON TRIGGER verifier_portees_delete ON flux_mgmt.territoire IS 'share rules of the conventions of réservataires losing communes';
COMMENT ON TRIGGER verifier_portees ON flux_mgmt.reservataire IS 'share rules of the conventions of réservataires whose type changes';

--------------------------------------------------------------------------------
-- Converting stock into flux
--
-- DOMAIN §3.4.  The état des lieux is droit_stock: typed in (INSERT, COPY) or
-- built by etablir_etat_des_lieux() from the landlord's RPLS file (CONTRESLOG,
-- logement.contingent_rpls) and its old stock conventions (convention_stock).
-- detail_conversion() says what becomes of every line of it; paliers_conversion()
-- turns the lines into yearly volumes and shares, step by step as limited
-- rights end, with the State caps; convertir_stock() is the one-row-per-
-- réservataire summary at the conversion date; convertir_en_conventions()
-- writes the conventions and records the conversion (conversion,
-- conversion_palier); consommation_conversion shows the single-use rights
-- used and left, from the charges the counters keep.  calendrier() (C) says in
-- which years a small réservataire receives a dwelling.
--
-- Restore safety: the row triggers of this section read only reservataire,
-- which pg_restore loads before every table that refers to it; the tables
-- conversion and conversion_palier have no trigger.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.calendrier(volume_annuel numeric, annees integer) RETURNS integer[]
	AS 'MODULE_PATHNAME', 'flux_calendrier'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.calendrier(numeric, integer) IS
	'DOMAIN §3.4: the dwellings a réservataire with this annual volume receives in each of the years 1 … annees, year y getting floor(v·y) − floor(v·(y−1)) (exact numeric arithmetic, C); calendrier(0.4, 10) = {0,0,1,0,1,0,0,1,0,1}; a negative or non-finite volume, or annees outside 1-1000, is an error (22023)';

CREATE FUNCTION flux_mgmt.exiger_reservataire(reservataire text, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = $1) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown réservataire %L in %s', $1, contexte),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.reservataire (code, nom, type) VALUES (…).',
			'foreign_key_violation');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_reservataire(text, text) IS
	'raises 23503 naming the code unless the réservataire exists; contexte says where it was found';

CREATE FUNCTION flux_mgmt.exiger_taux_rotation(taux numeric, contexte text) RETURNS void
	LANGUAGE plpgsql VOLATILE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT (taux >= 0 AND taux <= 100) THEN
		PERFORM flux_mgmt.refuser(
			format('rotation rate %s %% of %s is out of range', taux, contexte),
			NULL,
			'Write the rate in percent of the dwellings (5.3 means 5.3 %), or leave it null to use the landlord''s rate of flux_mgmt.rotation.');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_taux_rotation(numeric, text) IS
	'raises 23514 unless a rotation rate given with a stock right is null or in [0, 100]';

-- The old stock conventions, from which etablir_etat_des_lieux() builds the
-- état des lieux.  A droit de suite covers dwellings chosen by CONTRESLOG
-- contingent, commune, département and/or a list of the landlord's
-- references; single-use rights (nature unique) are a number of rights in a
-- département.
CREATE TABLE flux_mgmt.convention_stock (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	reference text,
	nature text NOT NULL DEFAULT 'suite',
	fin date,
	contrepartie text,
	regime flux_mgmt.regime NOT NULL DEFAULT 'flux',
	taux_rotation numeric,
	contingent smallint,
	departement text,
	commune flux_mgmt.code_insee,
	logements text[],
	nombre numeric,
	CONSTRAINT convention_stock_nature CHECK (nature IN ('suite', 'unique')),
	CONSTRAINT convention_stock_regime CHECK (regime <> 'hors_champ'),
	CONSTRAINT convention_stock_contingent CHECK (contingent BETWEEN 1 AND 6),
	CONSTRAINT convention_stock_taux_rotation CHECK (taux_rotation >= 0 AND taux_rotation <= 100),
	CONSTRAINT convention_stock_suite CHECK (nature <> 'suite'
		OR (nombre IS NULL AND pg_catalog.num_nonnulls(contingent, commune, logements) > 0)),
	CONSTRAINT convention_stock_unique CHECK (nature <> 'unique' OR (nombre IS NOT NULL AND nombre > 0 AND departement IS NOT NULL))
);
CREATE INDEX convention_stock_bailleur ON flux_mgmt.convention_stock (bailleur);
COMMENT ON TABLE flux_mgmt.convention_stock IS
	'old stock reservation conventions of a landlord, the source of the état des lieux built by etablir_etat_des_lieux(): a droit de suite on the dwellings it selects (CONTRESLOG contingent, commune, département, references), or single-use rights';
COMMENT ON COLUMN flux_mgmt.convention_stock.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.convention_stock.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.convention_stock.reservataire IS 'holder of the right';
COMMENT ON COLUMN flux_mgmt.convention_stock.reference IS 'the old convention''s own number or title, free text';
COMMENT ON COLUMN flux_mgmt.convention_stock.nature IS 'suite (droit de suite on dwellings) or unique (single-use rights)';
COMMENT ON COLUMN flux_mgmt.convention_stock.fin IS 'end of the right, null for life-long rights';
COMMENT ON COLUMN flux_mgmt.convention_stock.contrepartie IS 'what the right was granted for (aid, loan guarantee, land, employer funding)';
COMMENT ON COLUMN flux_mgmt.convention_stock.regime IS 'flux (to convert) or a stock regime (defence, security, health: never converted)';
COMMENT ON COLUMN flux_mgmt.convention_stock.taux_rotation IS 'rotation rate in percent of the dwellings it covers, when it has its own; null: the landlord''s rate of flux_mgmt.rotation';
COMMENT ON COLUMN flux_mgmt.convention_stock.contingent IS 'droit de suite: the RPLS CONTRESLOG code (1-6) of the dwellings it covers';
COMMENT ON COLUMN flux_mgmt.convention_stock.departement IS 'droit de suite: only dwellings of this département (null: all); droits uniques: their département (required)';
COMMENT ON COLUMN flux_mgmt.convention_stock.commune IS 'droit de suite: only dwellings of this commune (null: all)';
COMMENT ON COLUMN flux_mgmt.convention_stock.logements IS 'droit de suite: only these dwellings, by the landlord''s reference (logement.ref; null: all)';
COMMENT ON COLUMN flux_mgmt.convention_stock.nombre IS 'droits uniques: the number of rights left (null for a droit de suite)';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.convention_stock', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.convention_stock_id_seq', '');
COMMENT ON SEQUENCE flux_mgmt.convention_stock_id_seq IS 'ids of convention_stock';

CREATE FUNCTION flux_mgmt.verifier_convention_stock() RETURNS trigger
	LANGUAGE plpgsql
AS $$
DECLARE
	ligne text := format('old convention of %L with landlord %L', NEW.reservataire, NEW.bailleur);
BEGIN
	PERFORM flux_mgmt.exiger_reservataire(NEW.reservataire, ligne);
	IF NEW.nature NOT IN ('suite', 'unique') THEN
		PERFORM flux_mgmt.refuser(
			format('unknown nature %L of %s', NEW.nature, ligne),
			NULL,
			'An old convention gives a droit de suite (''suite'') or single-use rights (''unique'').');
	END IF;
	IF NEW.departement IS NOT NULL OR NEW.nature = 'unique' THEN
		PERFORM flux_mgmt.exiger_departement(NEW.departement, ligne);
	END IF;
	IF NEW.commune IS NOT NULL AND flux_mgmt.departement(NEW.commune) <> NEW.departement THEN
		PERFORM flux_mgmt.refuser(
			format('commune %s of %s is not in département %s', NEW.commune, ligne, NEW.departement),
			NULL,
			'Give the commune''s own département, or leave departement null.');
	END IF;
	IF NEW.contingent NOT BETWEEN 1 AND 6 THEN
		PERFORM flux_mgmt.refuser(
			format('invalid contingent %s of %s', NEW.contingent, ligne),
			'RPLS CONTRESLOG codes of reserved dwellings: 1 State agents, 2 State priority, 3 Action Logement, 4 local authorities and EPCI, 5 State other conventions, 6 other (7 is not reserved).',
			'Give the CONTRESLOG code of the dwellings it covers, or select them by commune or logements.');
	END IF;
	IF NEW.regime = 'hors_champ' THEN
		PERFORM flux_mgmt.refuser(
			format('%s cannot be hors_champ', ligne),
			NULL,
			'A stock right is flux (converted) or stock_defense, stock_securite, stock_sante (kept in stock).');
	END IF;
	PERFORM flux_mgmt.exiger_taux_rotation(NEW.taux_rotation, ligne);
	IF NEW.nature = 'suite' AND (NEW.nombre IS NOT NULL OR num_nonnulls(NEW.contingent, NEW.commune, NEW.logements) = 0) THEN
		PERFORM flux_mgmt.refuser(
			format('droit de suite of %s selects no dwelling', ligne),
			'A droit de suite covers dwellings: those of a CONTRESLOG contingent, of a commune or département, or listed by reference; its number is theirs.',
			'Set contingent, commune or logements (and leave nombre null).');
	END IF;
	IF NEW.nature = 'unique' AND NOT coalesce(NEW.nombre > 0, false) THEN
		PERFORM flux_mgmt.refuser(
			format('droits uniques of %s need a positive number of rights, not %s', ligne, coalesce(NEW.nombre::text, 'null')),
			NULL,
			'Give the single-use rights left in nombre; delete an old convention whose rights are used up.');
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_convention_stock() IS
	'row rules of convention_stock: a known réservataire, nature, département and commune, contingent 1-6, regime, rotation rate, a droit de suite selecting dwellings, droits uniques with a number';
CREATE TRIGGER verifier BEFORE INSERT OR UPDATE ON flux_mgmt.convention_stock
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_convention_stock();
COMMENT ON TRIGGER verifier ON flux_mgmt.convention_stock IS 'row rules of the old conventions, with the value and what to do';

-- droit_stock gets a rotation rate of its own and the old convention it was
-- built from (etablir_etat_des_lieux replaces those lines, and only those).
ALTER TABLE flux_mgmt.droit_stock
	ADD COLUMN taux_rotation numeric,
	ADD COLUMN origine bigint REFERENCES flux_mgmt.convention_stock ON DELETE CASCADE,
	ADD CONSTRAINT droit_stock_taux_rotation CHECK (taux_rotation >= 0 AND taux_rotation <= 100);
CREATE INDEX droit_stock_origine ON flux_mgmt.droit_stock (origine) WHERE origine IS NOT NULL;
COMMENT ON COLUMN flux_mgmt.droit_stock.taux_rotation IS
	'rotation rate in percent of these dwellings, when the right has its own; null: the landlord''s rate of flux_mgmt.rotation for the conversion year';
COMMENT ON COLUMN flux_mgmt.droit_stock.origine IS
	'the old convention (convention_stock) etablir_etat_des_lieux() built this line from; null for a line typed in';

CREATE FUNCTION flux_mgmt.verifier_droit_stock_conversion() RETURNS trigger
	LANGUAGE plpgsql
AS $$
DECLARE
	ligne text := format('stock right of %L with landlord %L', NEW.reservataire, NEW.bailleur);
BEGIN
	PERFORM flux_mgmt.exiger_reservataire(NEW.reservataire, ligne);
	PERFORM flux_mgmt.exiger_taux_rotation(NEW.taux_rotation, ligne);
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_droit_stock_conversion() IS
	'row rules of droit_stock for the conversion: a known réservataire (named in the error), a rotation rate in [0, 100] when given';
CREATE TRIGGER verifier_conversion BEFORE INSERT OR UPDATE ON flux_mgmt.droit_stock
	FOR EACH ROW EXECUTE FUNCTION flux_mgmt.verifier_droit_stock_conversion();
COMMENT ON TRIGGER verifier_conversion ON flux_mgmt.droit_stock IS 'row rules of the columns the conversion reads (after the trigger verifier, by name)';

-- Building the état des lieux from the RPLS file.  Every dwelling the
-- landlord owns on the date goes to the old droit de suite that selects it
-- most precisely (a list of references, then a commune, then a département,
-- then a contingent alone); two equally precise ones leave it unassigned and
-- reported.
CREATE FUNCTION flux_mgmt.etablir_etat_des_lieux(bailleur text, au date DEFAULT current_date)
RETURNS TABLE (constat text, reservataire text, contingent smallint, logements bigint, droits numeric, action text)
	LANGUAGE plpgsql STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	-- one writer of a landlord's état des lieux at a time
	PERFORM verrouiller_bailleurs(ARRAY[$1]);
	DELETE FROM droit_stock d
	WHERE d.origine IN (SELECT s.id FROM convention_stock s WHERE s.bailleur = $1);

	RETURN QUERY
	WITH lg AS MATERIALIZED (
		SELECT l.id, l.ref, l.commune, departement(l.commune) AS departement, l.contingent_rpls AS contingent
		FROM logement l
		WHERE l.bailleur = $1
		  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $2)
		  AND (l.sortie IS NULL OR l.sortie > $2)
	), cs AS MATERIALIZED (
		SELECT s.* FROM convention_stock s WHERE s.bailleur = $1
	), candidats AS (
		SELECT lg.id AS logement_id, cs.id AS cs_id,
			   rank() OVER (PARTITION BY lg.id
							ORDER BY (cs.logements IS NOT NULL, cs.commune IS NOT NULL, cs.departement IS NOT NULL,
									  cs.contingent IS NOT NULL) DESC) AS rang
		FROM lg JOIN cs ON cs.nature = 'suite'
			AND (cs.logements IS NULL OR lg.ref = ANY (cs.logements))
			AND (cs.commune IS NULL OR cs.commune = lg.commune)
			AND (cs.departement IS NULL OR cs.departement = lg.departement)
			AND (cs.contingent IS NULL OR cs.contingent = lg.contingent)
	), choix AS (
		SELECT c.logement_id, min(c.cs_id) AS cs_id, count(*) AS ex_aequo
		FROM candidats c WHERE c.rang = 1
		GROUP BY c.logement_id
	), lignes AS (
		-- one line per old droit de suite and département, one per droits uniques
		SELECT cs.id AS cs_id, lg.departement, count(*)::numeric AS nombre,
			   CASE WHEN count(*) = 1 THEN min(lg.id) END AS logement_id
		FROM choix ch JOIN lg ON lg.id = ch.logement_id JOIN cs ON cs.id = ch.cs_id
		WHERE ch.ex_aequo = 1
		GROUP BY cs.id, lg.departement
		UNION ALL
		SELECT cs.id, cs.departement, cs.nombre, NULL FROM cs WHERE cs.nature = 'unique'
	), ecrites AS (
		INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie, regime,
								 logement_id, taux_rotation, origine)
		SELECT $1, cs.reservataire, l.departement, cs.nature, l.nombre, cs.fin, cs.contrepartie, cs.regime,
			   l.logement_id, cs.taux_rotation, cs.id
		FROM lignes l JOIN cs ON cs.id = l.cs_id
		ORDER BY cs.id, l.departement
		RETURNING origine, nombre
	), inconnues AS (
		SELECT cs.id AS cs_id, count(*) AS n, min(r.ref) AS exemple
		FROM cs CROSS JOIN LATERAL unnest(cs.logements) AS r(ref)
		WHERE NOT EXISTS (SELECT FROM lg WHERE lg.ref = r.ref)
		GROUP BY cs.id
	), seuls AS (
		-- dwellings no old convention took
		SELECT lg.*, ch.ex_aequo
		FROM lg LEFT JOIN choix ch ON ch.logement_id = lg.id
		WHERE ch.ex_aequo IS DISTINCT FROM 1
	), constats AS (
		SELECT 1 AS ordre, cs.id AS cle, 'stock right written' AS constat, cs.reservataire, cs.contingent,
			   CASE WHEN cs.nature = 'suite' THEN coalesce(sum(e.nombre), 0)::bigint END AS logements,
			   CASE WHEN cs.nature = 'unique' THEN sum(e.nombre) END AS droits,
			   format('%s line(s) of flux_mgmt.droit_stock: %s, %s, %s', count(*),
					  CASE cs.nature WHEN 'suite' THEN 'droit de suite' ELSE 'droits uniques' END,
					  coalesce('until ' || cs.fin, 'no end'),
					  CASE WHEN cs.regime = 'flux' THEN 'to convert' ELSE 'stays in stock (' || cs.regime || ')' END) AS action
		FROM cs JOIN ecrites e ON e.origine = cs.id
		GROUP BY cs.id, cs.reservataire, cs.contingent, cs.nature, cs.fin, cs.regime
		UNION ALL
		SELECT 2, cs.id, 'old convention selecting no dwelling', cs.reservataire, cs.contingent, 0, NULL,
			   format('nothing written: check its contingent, commune, département or logements (old convention %s%s)',
					  cs.id, coalesce(' ' || quote_literal(cs.reference), ''))
		FROM cs WHERE cs.nature = 'suite' AND NOT EXISTS (SELECT FROM candidats c WHERE c.cs_id = cs.id)
		UNION ALL
		SELECT 3, i.cs_id, 'unknown dwelling reference in an old convention', cs.reservataire, cs.contingent, i.n, NULL,
			   format('ignored: no dwelling %L of the landlord on %s', i.exemple, $2)
		FROM inconnues i JOIN cs ON cs.id = i.cs_id
		UNION ALL
		SELECT 4, min(s.contingent), 'dwellings claimed by two old conventions', NULL, s.contingent, count(*), NULL,
			   format('not in the état des lieux (for instance %L): make one of the conventions more precise (commune, logements)', min(s.ref))
		FROM seuls s WHERE s.ex_aequo > 1
		GROUP BY s.contingent
		UNION ALL
		SELECT 5, min(s.contingent), 'reserved dwellings without an old convention', NULL, s.contingent, count(*), NULL,
			   format('not in the état des lieux (for instance %L): record the old convention in flux_mgmt.convention_stock', min(s.ref))
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent BETWEEN 1 AND 6
		GROUP BY s.contingent
		UNION ALL
		SELECT 6, 7, 'not reserved (CONTRESLOG 7)', NULL, 7::smallint, count(*), NULL,
			   'no stock right: these dwellings are in the flux already'
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent = 7
		HAVING count(*) > 0
		UNION ALL
		SELECT 7, 0, 'no CONTRESLOG', NULL, NULL, count(*), NULL,
			   format('not in the état des lieux (for instance %L): import the landlord''s own RPLS file, which has CONTRESLOG, or list them in an old convention', min(s.ref))
		FROM seuls s WHERE s.ex_aequo IS NULL AND s.contingent IS NULL
		HAVING count(*) > 0
	)
	SELECT c.constat, c.reservataire, c.contingent, c.logements, c.droits, c.action
	FROM constats c
	ORDER BY c.ordre, c.cle;
END
$$;
COMMENT ON FUNCTION flux_mgmt.etablir_etat_des_lieux(text, date) IS
	'builds the état des lieux (droit_stock) of a landlord from its dwellings'' RPLS CONTRESLOG (logement.contingent_rpls) and its old conventions (convention_stock): each dwelling owned on the date goes to the old droit de suite selecting it most precisely (logements, then commune, then département, then contingent alone); one line per old convention and département, droits uniques as they are; the lines it wrote before are replaced, lines typed in are kept; reports what it wrote and every dwelling left out';

-- The checks every reader of a conversion makes first.
CREATE FUNCTION flux_mgmt.exiger_conversion(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_portee(bailleur, departement, extract(year FROM date_conversion)::integer, 'convertir_stock');
	IF flux_reference IS NOT NULL AND NOT flux_reference > 0 THEN
		PERFORM flux_mgmt.refuser(
			format('reference flux %s of the conversion is not positive', flux_reference),
			'Converted volumes become shares of the landlord''s annual flux of the reference year (DOMAIN §3.4).',
			format('Pass the forecast flux of the reference year: SELECT flux_net FROM flux_mgmt.flux_previsionnel(%L, %L, %s).',
				   bailleur, departement, extract(year FROM date_conversion)),
			'invalid_parameter_value');
	END IF;
	IF horizon_unique NOT BETWEEN 1 AND 100 THEN
		PERFORM flux_mgmt.refuser(
			format('horizon of %s years for single-use rights is out of range', horizon_unique),
			NULL,
			'Give the number of years over which droits uniques without an end are spread, from 1 to 100 (default 5).',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_conversion(text, text, date, numeric, integer) IS
	'raises the error of the first invalid argument of a conversion: unknown landlord (23503), invalid département, a year outside 1900-2200, a reference flux not above 0 (null: not checked), a horizon outside 1-100 years (22023)';

CREATE FUNCTION flux_mgmt.detail_conversion(bailleur text, departement text, date_conversion date, horizon_unique integer DEFAULT 5)
RETURNS TABLE (droit_id bigint, reservataire text, nature text, nombre numeric, fin date, regime flux_mgmt.regime,
			   traitement text, taux_rotation numeric, annees numeric, volume_annuel numeric, droits_uniques numeric,
			   echeance date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	taux_bailleur numeric;
	sans_taux bigint;
BEGIN
	PERFORM exiger_conversion($1, $2, $3, NULL, $4);
	SELECT r.taux INTO taux_bailleur
	FROM rotation r WHERE r.bailleur = $1 AND r.departement = $2 AND r.annee = annee_conversion;
	IF NOT FOUND THEN
		SELECT count(*) INTO sans_taux
		FROM droit_stock s
		WHERE s.bailleur = $1 AND s.departement = $2 AND s.nature = 'suite' AND s.regime = 'flux'
		  AND s.taux_rotation IS NULL AND (s.fin IS NULL OR s.fin > $3);
		IF sans_taux > 0 THEN
			PERFORM refuser(
				format('no rotation rate for landlord %L in département %s in %s', $1, $2, annee_conversion),
				format('A droit de suite converts into dwellings × rotation rate per year (DOMAIN §3.4); %s of them have no rate of their own (droit_stock.taux_rotation).', sans_taux),
				format('Add the landlord''s rate of the conversion year, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (%L, %L, %s, %s);',
					   $1, $2, annee_conversion, taux_rotation_reference($2)),
				'foreign_key_violation');
		END IF;
	END IF;

	RETURN QUERY
	WITH l AS (
		SELECT s.*,
			   CASE WHEN s.fin <= $3 THEN 'expire'
					WHEN s.regime <> 'flux' THEN 'stock'
					WHEN s.nature = 'unique' THEN 'unique'
					WHEN s.fin IS NULL THEN 'permanent'
					ELSE 'limite' END AS traitement
		FROM droit_stock s
		WHERE s.bailleur = $1 AND s.departement = $2
	), c AS (
		SELECT l.*,
			   CASE WHEN l.traitement IN ('permanent', 'limite') THEN coalesce(l.taux_rotation, taux_bailleur) END AS taux_r,
			   CASE WHEN l.traitement = 'limite' OR (l.traitement = 'unique' AND l.fin IS NOT NULL) THEN l.fin
					WHEN l.traitement = 'unique' THEN ($3 + make_interval(years => $4))::date END AS terme
		FROM l
	)
	SELECT c.id, c.reservataire, c.nature, c.nombre, c.fin, c.regime, c.traitement, c.taux_r,
		   CASE WHEN c.traitement = 'unique' AND c.fin IS NULL THEN $4::numeric
				WHEN c.terme IS NOT NULL THEN trim_scale((c.terme - $3) / 365.25) END,
		   -- × 0.01 is exact; each quotient is the last operation
		   trim_scale(CASE c.traitement
				WHEN 'permanent' THEN c.nombre * c.taux_r * 0.01
				WHEN 'limite' THEN c.nombre * c.taux_r * 0.01
				WHEN 'unique' THEN CASE WHEN c.fin IS NULL THEN c.nombre / $4 ELSE c.nombre * 365.25 / (c.terme - $3) END
				WHEN 'expire' THEN 0 END),
		   trim_scale(CASE c.traitement
				WHEN 'limite' THEN c.nombre * c.taux_r * (c.terme - $3) / 36525
				WHEN 'unique' THEN c.nombre
				WHEN 'expire' THEN 0 END),
		   c.terme
	FROM c
	ORDER BY c.reservataire COLLATE "C", c.id;
END
$$;
COMMENT ON FUNCTION flux_mgmt.detail_conversion(text, text, date, integer) IS
	'DOMAIN §3.4, what becomes of each line of the état des lieux of a landlord in a département converted on a date: traitement permanent (droit de suite without end: volume dwellings × rotation), limite (droit de suite with an end: the same yearly volume, and dwellings × rotation × remaining years single-use rights, remaining years = days to its end / 365.25), unique (droits uniques: rights left spread over the years to their end, or over horizon_unique years without one), expire (ended on or before the date: nothing), stock (defence, security, health: never converted); rotation = the line''s own rate, else the landlord''s for the year of the date (missing: error 23503 with the row to insert); echeance = when a limited right ends';

-- The yearly shares of the converted rights, step by step: a step starts at
-- the conversion year and the year after any limited right ends.  Shares are
-- 100 × volume / flux of the réservataire's scope, truncated to the
-- millionth (so that no sum of shares goes above the sum of the exact ones);
-- State shares are then capped: etat_agents to 5 % in all (scaled in
-- proportion), the State to 30 % in all (every State share scaled in
-- proportion); exces is the truncated uncapped share minus the capped one.
CREATE FUNCTION flux_mgmt.paliers_conversion(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, volume_annuel numeric, volume_limite numeric,
			   taux numeric, exces numeric, calendrier integer[])
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	sans record;
BEGIN
	PERFORM exiger_conversion($1, $2, $3, $4, $5);
	-- a territorial share is a share of the territory's flux: it needs dwellings there
	SELECT r.code, r.type INTO sans
	FROM flux_mgmt.reservataire r
	WHERE est_territorial(r.type)
	  AND r.code IN (SELECT s.reservataire FROM droit_stock s
					 WHERE s.bailleur = $1 AND s.departement = $2 AND s.regime = 'flux' AND (s.fin IS NULL OR s.fin > $3))
	  AND NOT EXISTS (SELECT FROM logements_detenus($1, $2, make_date(annee_conversion, 1, 1)) AS l
					  JOIN territoire t ON t.commune = l.commune AND t.reservataire = r.code
					  WHERE l.regime = 'flux')
	ORDER BY r.code COLLATE "C"
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(
			format('%s %L has no dwelling of landlord %L in its territory in département %s on %s',
				   sans.type, sans.code, $1, $2, make_date(annee_conversion, 1, 1)),
			'A territorial réservataire''s converted share is a share of its territory''s flux, the département''s flux pro rata of the assiette of its communes (DOMAIN §3.3).',
			'Declare its territory with flux_mgmt.definir_territoire(), or check the dwellings'' communes and mise_en_service.');
	END IF;

	RETURN QUERY
	WITH d AS MATERIALIZED (
		SELECT x.*, extract(year FROM x.echeance - 1)::integer AS derniere_annee
		FROM detail_conversion($1, $2, $3, $5) AS x
		WHERE x.traitement IN ('permanent', 'limite', 'unique')
	), assiettes AS MATERIALIZED (
		-- DOMAIN §3.3: a territory's flux is the département's pro rata of the
		-- assiette at 1 January, as in parts_annuelles
		SELECT l.commune, count(*) AS n
		FROM logements_detenus($1, $2, make_date(annee_conversion, 1, 1)) AS l
		WHERE l.regime = 'flux'
		GROUP BY l.commune
	), portees AS (
		SELECT r.code AS reservataire, r.type,
			   CASE WHEN est_territorial(r.type) THEN (SELECT sum(a.n) FROM assiettes a) END AS assiette_d,
			   CASE WHEN est_territorial(r.type) THEN
				   (SELECT sum(a.n) FROM assiettes a JOIN territoire t ON t.commune = a.commune AND t.reservataire = r.code) END AS assiette_t
		FROM flux_mgmt.reservataire r
		WHERE r.code IN (SELECT d.reservataire FROM d)
	), bornes AS (
		SELECT b.annee, lead(b.annee) OVER (ORDER BY b.annee) - 1 AS fin
		FROM (SELECT annee_conversion UNION SELECT d.derniere_annee + 1 FROM d WHERE d.derniere_annee IS NOT NULL) AS b(annee)
	), volumes AS (
		SELECT b.annee, b.fin, d.reservataire, sum(d.volume_annuel) AS volume,
			   coalesce(sum(d.volume_annuel) FILTER (WHERE d.traitement <> 'permanent'), 0) AS limite
		FROM bornes b JOIN d ON d.derniere_annee IS NULL OR d.derniere_annee >= b.annee
		GROUP BY b.annee, b.fin, d.reservataire
		HAVING sum(d.volume_annuel) > 0
	), bruts AS (
		SELECT v.*, p.type,
			   CASE WHEN p.assiette_d IS NULL THEN 100 * v.volume / $4
					ELSE 100 * v.volume * p.assiette_d / ($4 * p.assiette_t) END AS brut
		FROM volumes v JOIN portees p USING (reservataire)
	), etat AS (
		SELECT b.annee,
			   coalesce(sum(b.brut) FILTER (WHERE b.type = 'etat_agents'), 0) AS agents,
			   coalesce(sum(b.brut) FILTER (WHERE b.type = 'etat_prioritaires'), 0) AS prioritaires
		FROM bruts b GROUP BY b.annee
	), plafonnes AS (
		SELECT b.*,
			   trunc(b.brut, 6) AS brut6,
			   trunc(CASE WHEN b.type NOT IN ('etat_prioritaires', 'etat_agents') THEN b.brut
						  ELSE (CASE WHEN b.type = 'etat_agents' AND e.agents > 5 THEN b.brut * 5 / e.agents ELSE b.brut END)
							   * CASE WHEN e.prioritaires + least(e.agents, 5) > 30
									  THEN 30 / (e.prioritaires + least(e.agents, 5)) ELSE 1 END
					 END, 6) AS t
		FROM bruts b JOIN etat e USING (annee)
	), marques AS (
		SELECT p.*,
			   CASE WHEN (p.volume, p.limite, p.t) IS NOT DISTINCT FROM
						 (lag(p.volume) OVER w, lag(p.limite) OVER w, lag(p.t) OVER w) THEN 0 ELSE 1 END AS nouveau
		FROM plafonnes p
		WINDOW w AS (PARTITION BY p.reservataire ORDER BY p.annee)
	), groupes AS (
		SELECT m.*, sum(m.nouveau) OVER (PARTITION BY m.reservataire ORDER BY m.annee) AS groupe
		FROM marques m
	), paliers AS (
		SELECT g.reservataire, min(g.annee) AS annee_debut,
			   CASE WHEN bool_or(g.fin IS NULL) THEN NULL ELSE max(g.fin) END AS annee_fin,
			   g.volume, g.limite, g.t, g.brut6 - g.t AS exces
		FROM groupes g
		GROUP BY g.reservataire, g.groupe, g.volume, g.limite, g.t, g.brut6
	)
	SELECT p.reservataire, p.annee_debut, p.annee_fin, trim_scale(p.volume), trim_scale(p.limite),
		   trim_scale(p.t), trim_scale(p.exces),
		   CASE WHEN p.volume < 1 THEN flux_mgmt.calendrier(p.volume, coalesce(p.annee_fin - p.annee_debut + 1, 10)) END
	FROM paliers p
	ORDER BY p.reservataire COLLATE "C", p.annee_debut;
END
$$;
COMMENT ON FUNCTION flux_mgmt.paliers_conversion(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, the shares the converted rights of a landlord in a département give, step by step: one row per réservataire and span of years in which its volume stays the same (a step ends the year a limited right ends: the year of the day before its echeance); volume_annuel and its part volume_limite from limited rights, taux = 100 × volume / the reference flux of its scope (a territorial réservataire: its territory''s part, pro rata of the assiette at 1 January, as parts_annuelles) truncated to the millionth, State shares capped at 30 % (etat_agents at 5 %) with the cut in exces; calendrier = the dwellings per year (calendrier()) when the volume is below one, over the step or 10 years when it has no end';

CREATE FUNCTION flux_mgmt.convertir_stock(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, volume_annuel numeric, droits_uniques numeric, taux numeric, exces numeric, fin date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_conversion($1, $2, $3, $4, $5);
	RETURN QUERY
	WITH d AS (
		SELECT * FROM detail_conversion($1, $2, $3, $5) AS x WHERE x.traitement <> 'stock'
	), premier AS (
		SELECT * FROM paliers_conversion($1, $2, $3, $4, $5) AS p
		WHERE p.annee_debut = extract(year FROM $3)
	)
	SELECT d.reservataire,
		   coalesce(min(p.volume_annuel), 0),
		   CASE WHEN bool_or(d.traitement IN ('limite', 'unique'))
				THEN sum(d.droits_uniques) FILTER (WHERE d.traitement IN ('limite', 'unique'))
				WHEN bool_and(d.traitement = 'expire') THEN 0 END,
		   coalesce(min(p.taux), 0),
		   coalesce(min(p.exces), 0),
		   CASE WHEN bool_or(d.traitement IN ('limite', 'unique'))
				THEN max(d.echeance) FILTER (WHERE d.traitement IN ('limite', 'unique'))
				WHEN bool_and(d.traitement = 'expire') THEN max(d.fin) END
	FROM d LEFT JOIN premier p ON p.reservataire = d.reservataire
	GROUP BY d.reservataire
	ORDER BY d.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.convertir_stock(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, one row per réservataire with stock rights to convert (regime flux) of a landlord in a département on a date: volume_annuel = permanent volume + yearly volume of the limited rights still running, droits_uniques = single-use rights of its limited rights (droits de suite with an end, droits uniques; null when all are permanent), taux = its share of flux_reference (of its territory''s part for a territorial réservataire) truncated to the millionth, exces = share cut by the State caps (30 %, agents 5 %), fin = end of its last limited right; a réservataire whose rights all expired has volume 0, droits_uniques 0 and its last (past) end; defence, security and health lines are not converted (detail_conversion lists every line)';

-- The record of a conversion: one row per réservataire converted (what
-- convertir_stock returned), one per convention it produced.  No trigger
-- reads other tables here: a restore reloads them as they were.
CREATE TABLE flux_mgmt.conversion (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	bailleur text NOT NULL REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE,
	departement text NOT NULL,
	date_conversion date NOT NULL,
	flux_reference numeric NOT NULL,
	horizon_unique integer NOT NULL,
	reservataire text NOT NULL REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	volume_annuel numeric NOT NULL,
	droits_uniques numeric,
	taux numeric NOT NULL,
	exces numeric NOT NULL,
	fin date,
	CONSTRAINT conversion_une_par_date UNIQUE (bailleur, departement, reservataire, date_conversion),
	CONSTRAINT conversion_flux_reference CHECK (flux_reference > 0),
	CONSTRAINT conversion_horizon CHECK (horizon_unique BETWEEN 1 AND 100),
	CONSTRAINT conversion_volumes CHECK (volume_annuel >= 0 AND droits_uniques >= 0 AND taux >= 0 AND exces >= 0)
);
COMMENT ON TABLE flux_mgmt.conversion IS
	'conversions of stock rights into flux recorded by convertir_en_conventions(): one row per landlord, département, date and réservataire, the row convertir_stock() gave';
COMMENT ON COLUMN flux_mgmt.conversion.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.conversion.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.conversion.departement IS 'département';
COMMENT ON COLUMN flux_mgmt.conversion.date_conversion IS 'date of the conversion; its year is the first year of the conventions';
COMMENT ON COLUMN flux_mgmt.conversion.flux_reference IS 'the landlord''s annual flux of the reference year the shares are expressed against';
COMMENT ON COLUMN flux_mgmt.conversion.horizon_unique IS 'years over which droits uniques without an end were spread';
COMMENT ON COLUMN flux_mgmt.conversion.reservataire IS 'réservataire converted';
COMMENT ON COLUMN flux_mgmt.conversion.volume_annuel IS 'dwellings per year at the conversion (permanent and limited rights)';
COMMENT ON COLUMN flux_mgmt.conversion.droits_uniques IS 'single-use rights granted by its limited rights; null when all its rights are permanent';
COMMENT ON COLUMN flux_mgmt.conversion.taux IS 'share in percent at the conversion (after the State caps)';
COMMENT ON COLUMN flux_mgmt.conversion.exces IS 'share cut by the State caps, in percent (0 otherwise)';
COMMENT ON COLUMN flux_mgmt.conversion.fin IS 'end of its last limited right, null when it has none';

CREATE TABLE flux_mgmt.conversion_palier (
	conversion_id bigint NOT NULL REFERENCES flux_mgmt.conversion ON DELETE CASCADE,
	annee_debut integer NOT NULL,
	annee_fin integer,
	volume_annuel numeric NOT NULL,
	volume_limite numeric NOT NULL,
	taux numeric NOT NULL,
	exces numeric NOT NULL,
	calendrier integer[],
	convention_id bigint REFERENCES flux_mgmt.convention ON DELETE SET NULL,
	PRIMARY KEY (conversion_id, annee_debut),
	CONSTRAINT conversion_palier_annees CHECK (annee_fin >= annee_debut),
	CONSTRAINT conversion_palier_volumes CHECK (volume_annuel > 0 AND volume_limite >= 0 AND volume_limite <= volume_annuel)
);
CREATE INDEX conversion_palier_convention ON flux_mgmt.conversion_palier (convention_id);
COMMENT ON TABLE flux_mgmt.conversion_palier IS
	'the conventions a conversion produced: one per réservataire and step of its share (paliers_conversion), with the volumes behind it';
COMMENT ON COLUMN flux_mgmt.conversion_palier.conversion_id IS 'the conversion of the réservataire';
COMMENT ON COLUMN flux_mgmt.conversion_palier.annee_debut IS 'first year of the step';
COMMENT ON COLUMN flux_mgmt.conversion_palier.annee_fin IS 'last year of the step (inclusive), null when it has no end';
COMMENT ON COLUMN flux_mgmt.conversion_palier.volume_annuel IS 'dwellings per year in the step';
COMMENT ON COLUMN flux_mgmt.conversion_palier.volume_limite IS 'of which from limited rights (the part of each charge that uses up single-use rights)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.taux IS 'share in percent (the convention''s)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.exces IS 'share cut by the State caps';
COMMENT ON COLUMN flux_mgmt.conversion_palier.calendrier IS 'for a volume below one dwelling: the dwellings in each year of the step from annee_debut (10 years when open)';
COMMENT ON COLUMN flux_mgmt.conversion_palier.convention_id IS 'the convention written (null once deleted)';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.conversion_palier', '');
COMMENT ON SEQUENCE flux_mgmt.conversion_id_seq IS 'ids of conversion';

CREATE FUNCTION flux_mgmt.convertir_en_conventions(bailleur text, departement text, date_conversion date,
	flux_reference numeric, horizon_unique integer DEFAULT 5)
RETURNS TABLE (reservataire text, annee_debut integer, annee_fin integer, taux numeric, exces numeric,
			   convention_id bigint, calendrier integer[])
	LANGUAGE plpgsql STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
	annee_conversion integer := extract(year FROM date_conversion);
	c record;
BEGIN
	PERFORM exiger_conversion($1, $2, $3, $4, $5);
	-- like every writer of conventions: one transaction per landlord at a time
	PERFORM verrouiller_bailleurs(ARRAY[$1]);
	IF NOT EXISTS (SELECT FROM droit_stock s WHERE s.bailleur = $1 AND s.departement = $2) THEN
		PERFORM refuser(
			format('landlord %L has no stock right in département %s to convert', $1, $2),
			'A conversion starts from the état des lieux, flux_mgmt.droit_stock.',
			'Fill it first: INSERT INTO flux_mgmt.droit_stock …, or SELECT * FROM flux_mgmt.etablir_etat_des_lieux(…) from the RPLS file and the old conventions.',
			'foreign_key_violation');
	END IF;
	IF EXISTS (SELECT FROM conversion k WHERE k.bailleur = $1 AND k.departement = $2 AND k.date_conversion = $3) THEN
		PERFORM refuser(
			format('the conversion of landlord %L in département %s on %s is already recorded', $1, $2, $3),
			NULL,
			'Its conventions are listed in flux_mgmt.conversion_palier; to convert again, delete them and the rows of flux_mgmt.conversion first.',
			'unique_violation');
	END IF;
	SELECT p.reservataire, v.id, v.annee_debut, v.annee_fin INTO c
	FROM (SELECT x.reservataire, min(x.annee_debut) AS debut,
				 CASE WHEN bool_or(x.annee_fin IS NULL) THEN NULL ELSE max(x.annee_fin) END AS fin
		  FROM paliers_conversion($1, $2, $3, $4, $5) AS x
		  WHERE x.taux > 0
		  GROUP BY x.reservataire) AS p
	JOIN convention v ON v.bailleur = $1 AND v.departement = $2 AND v.reservataire = p.reservataire
		AND int4range(v.annee_debut, v.annee_fin, '[]') && int4range(p.debut, p.fin, '[]')
	ORDER BY p.reservataire COLLATE "C", v.annee_debut
	LIMIT 1;
	IF FOUND THEN
		PERFORM refuser(
			format('landlord %L already has a convention with %L in département %s in %s-%s, when its converted rights apply',
				   $1, c.reservataire, $2, c.annee_debut, coalesce(c.annee_fin::text, 'open')),
			'The conversion writes the réservataire''s conventions from the year of the conversion, and there is one convention per landlord, réservataire and département in any year.',
			CASE WHEN c.annee_debut < annee_conversion
				 THEN format('End it the year before the conversion (UPDATE flux_mgmt.convention SET annee_fin = %s WHERE id = %s), then convert again.', annee_conversion - 1, c.id)
				 ELSE format('Delete it (DELETE FROM flux_mgmt.convention WHERE id = %s), or convert at a later date.', c.id) END);
	END IF;

	-- One statement: the conventions' statement rules (100 %, State caps)
	-- judge them all at once, and a refusal writes nothing.
	RETURN QUERY
	WITH p AS MATERIALIZED (
		SELECT * FROM paliers_conversion($1, $2, $3, $4, $5) AS x WHERE x.taux > 0
	), s AS MATERIALIZED (
		SELECT * FROM convertir_stock($1, $2, $3, $4, $5)
	), nouvelles AS (
		INSERT INTO convention AS v (bailleur, reservataire, departement, annee_debut, annee_fin, taux)
		SELECT $1, p.reservataire, $2, p.annee_debut, p.annee_fin, p.taux
		FROM p ORDER BY p.reservataire COLLATE "C", p.annee_debut
		RETURNING v.id, v.reservataire, v.annee_debut
	), k AS (
		INSERT INTO conversion AS k (bailleur, departement, date_conversion, flux_reference, horizon_unique,
									 reservataire, volume_annuel, droits_uniques, taux, exces, fin)
		SELECT $1, $2, $3, $4, $5, s.reservataire, s.volume_annuel, s.droits_uniques, s.taux, s.exces, s.fin
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
COMMENT ON FUNCTION flux_mgmt.convertir_en_conventions(text, text, date, numeric, integer) IS
	'DOMAIN §3.4, from the état des lieux to conventions in one step: writes one convention per réservataire, département and step of its share (paliers_conversion: from the conversion year; the last step ends with its last limited right, or is open when it has permanent rights; mode mixte, delay one month), records the conversion (conversion, conversion_palier) and returns the conventions written; the share rules of the conventions apply to the result (23514), an existing convention of a converted réservataire in those years is an error, as is converting again on the same date (23505) or with no stock right (23503)';

-- A function rather than a view: the counters (compteur) are created by a
-- later section of this script.
CREATE FUNCTION flux_mgmt.consommation_conversion(bailleur text, departement text)
RETURNS TABLE (date_conversion date, reservataire text, droits_uniques numeric, decomptes bigint,
			   droits_utilises numeric, droits_restants numeric, fin date)
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
	PERFORM exiger_bailleur($1);
	PERFORM exiger_departement($2, 'consommation_conversion');
	RETURN QUERY
	SELECT k.date_conversion, k.reservataire, k.droits_uniques,
		   coalesce(u.decomptes, 0)::bigint,
		   CASE WHEN k.droits_uniques IS NOT NULL THEN coalesce(u.utilises, 0) END,
		   k.droits_uniques - coalesce(u.utilises, 0),
		   k.fin
	FROM conversion k
	LEFT JOIN LATERAL (
		SELECT sum(x.n) AS decomptes,
			   trim_scale(round(sum(x.n * p.volume_limite / p.volume_annuel), 6)) AS utilises
		FROM conversion_palier p
		CROSS JOIN LATERAL (
			-- charges to the réservataire in the département in the step's years
			SELECT coalesce(sum(c.decomptes), 0)::numeric AS n
			FROM compteur c
			WHERE c.bailleur = k.bailleur AND c.reservataire = k.reservataire AND c.dans_flux
			  AND departement(c.commune) = k.departement
			  AND c.annee >= p.annee_debut AND c.annee <= coalesce(p.annee_fin, 9999)
		) AS x
		WHERE p.conversion_id = k.id
	) AS u ON true
	WHERE k.bailleur = $1 AND k.departement = $2
	ORDER BY k.date_conversion, k.reservataire COLLATE "C";
END
$$;
COMMENT ON FUNCTION flux_mgmt.consommation_conversion(text, text) IS
	'consumption of the converted rights of a landlord in a département, per recorded conversion and réservataire: decomptes = dwellings charged to it in the flux of the département (compteur.decomptes summed over tranches and communes) in the years of its converted conventions, from the conversion year (the whole year); droits_utilises = the part of those charges that uses up its single-use rights, each charge counting volume_limite ÷ volume_annuel of its step (all of it when it has only limited rights, none for permanent ones), to the millionth; droits_restants = droits_uniques − droits_utilises (negative: charged beyond its rights, end or amend its convention); null droits when all its rights are permanent';

--------------------------------------------------------------------------------
-- Import of real data: RPLS open data, the INSEE commune list (COG)
--
-- Files are passed as text, so that any client can send them (psql:
-- \set f `cat file.csv` then SELECT … :'f'; or pg_read_file on the server).
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.rpls_ligne AS (
	ligne integer,
	depcom text,
	commune flux_mgmt.code_insee,
	nb_pieces smallint,
	financement flux_mgmt.financement,
	qpv boolean,
	annee_construction smallint,
	mise_en_service date,
	contingent_rpls smallint,
	rpls text,
	constats text[],
	fffd text,
	rejet text
);
COMMENT ON TYPE flux_mgmt.rpls_ligne IS
	'one line of an RPLS file as rpls_analyser reads it: mapped values, what was noticed (constats), the first free-text value with U+FFFD, and why it is rejected (null when it is not)';

-- The value of one field, by column name, in a line split on ';'.  Qualified
-- rather than pinned to a search_path, so that the planner inlines it.
CREATE FUNCTION flux_mgmt.rpls_champ(champs text[], entete text[], colonne text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN pg_catalog.btrim(champs[pg_catalog.array_position(entete, colonne)]);
COMMENT ON FUNCTION flux_mgmt.rpls_champ(text[], text[], text) IS
	'the trimmed value of a named column in a split CSV line (null when the column is absent)';

CREATE FUNCTION flux_mgmt.rpls_analyser(contenu text) RETURNS SETOF flux_mgmt.rpls_ligne
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	entete text[];
	manquantes text[];
BEGIN
	entete := string_to_array(upper(trim(regexp_replace(split_part(contenu, E'\n', 1), E'^\uFEFF|\r$', '', 'g'))), ';');
	SELECT array_agg(c) INTO manquantes
	FROM unnest(ARRAY['DEPCOM', 'NBPIECE', 'FINAN', 'QPV', 'CONSTRUCT']) AS c
	WHERE NOT c = ANY (entete);
	IF manquantes IS NOT NULL THEN
		PERFORM flux_mgmt.refuser(
			format('the RPLS file lacks the columns %s', array_to_string(manquantes, ', ')),
			format('Its first line is: %s', left(split_part(contenu, E'\n', 1), 200)),
			'Pass the whole file, header line included, with '';'' as separator (the SDES open-data layout).',
			'invalid_parameter_value');
	END IF;

	RETURN QUERY
	-- MATERIALIZED: each line is split once, not once per field read from it
	WITH brut AS MATERIALIZED (
		SELECT n::integer AS ligne, l,
			   string_to_array(l, ';') AS f
		FROM regexp_split_to_table(contenu, E'\r?\n') WITH ORDINALITY AS t(l, n)
		WHERE n > 1 AND l <> ''
	), champs AS MATERIALIZED (
		SELECT b.ligne, b.l, cardinality(b.f) AS nb,
			   rpls_champ(b.f, entete, 'DEPCOM') AS depcom,
			   rpls_champ(b.f, entete, 'NBPIECE') AS nbpiece,
			   rpls_champ(b.f, entete, 'FINAN') AS finan,
			   rpls_champ(b.f, entete, 'QPV') AS qpv,
			   rpls_champ(b.f, entete, 'CONSTRUCT') AS construct,
			   rpls_champ(b.f, entete, 'PATRIMOINE') AS patrimoine,
			   rpls_champ(b.f, entete, 'CONTRESLOG') AS contreslog,
			   nullif(rpls_champ(b.f, entete, 'RPLS'), '') AS rpls,
			   (SELECT entete[i] || ': ' || b.f[i] FROM generate_subscripts(b.f, 1) AS i
				WHERE strpos(b.f[i], U&'\FFFD') > 0 ORDER BY i LIMIT 1) AS fffd
		FROM brut b
	), lu AS (
		SELECT c.*,
			   CASE WHEN c.depcom ~ '^[0-9]{4}$' THEN '0' || c.depcom ELSE c.depcom END AS commune_texte
		FROM champs c
	)
	SELECT lu.ligne, lu.depcom,
		   CASE WHEN code_insee_valide(lu.commune_texte) THEN lu.commune_texte::code_insee END,
		   CASE WHEN lu.nbpiece ~ '^[1-9]$' THEN lu.nbpiece::smallint END,
		   CASE WHEN lu.finan IN ('10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				THEN financement_rpls(lu.finan::smallint) END,
		   CASE lu.qpv WHEN '1' THEN true WHEN '2' THEN false END,
		   CASE WHEN lu.construct ~ '^[0-9]{4}$' AND lu.construct::int BETWEEN 1000 AND 2200 THEN lu.construct::smallint END,
		   CASE WHEN lu.patrimoine ~ '^[0-9]{4}$' AND lu.patrimoine::int BETWEEN 1000 AND 2200
				THEN make_date(lu.patrimoine::int, 1, 1) END,
		   CASE WHEN lu.contreslog ~ '^[1-7]$' THEN lu.contreslog::smallint END,
		   lu.rpls,
		   array_remove(ARRAY[
			   CASE WHEN lu.depcom ~ '^[0-9]{4}$' THEN 'depcom_zero' END,
			   CASE WHEN lu.rpls IS NULL THEN 'sans_rpls' END,
			   CASE WHEN lu.fffd IS NOT NULL THEN 'fffd' END,
			   CASE WHEN lu.nbpiece = '0' THEN 'nbpiece_0' END,
			   CASE WHEN lu.finan = '0' THEN 'finan_0' END,
			   CASE WHEN coalesce(lu.construct, '') !~ '^[0-9]{4}$' THEN 'construct_absent' END], NULL),
		   lu.fffd,
		   CASE
			   WHEN lu.nb <> cardinality(entete) THEN format('it has %s fields, the header %s', lu.nb, cardinality(entete))
			   WHEN NOT code_insee_valide(lu.commune_texte) THEN format('DEPCOM %L is not an INSEE commune code', lu.depcom)
			   WHEN lu.nbpiece !~ '^[0-9]$' THEN format('NBPIECE %L is not a number of rooms (0 to 9)', lu.nbpiece)
			   WHEN lu.finan NOT IN ('0', '10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				   THEN format('FINAN %L is not an RPLS financing code', lu.finan)
			   WHEN lu.qpv IS DISTINCT FROM '1' AND lu.qpv IS DISTINCT FROM '2' THEN format('QPV %L is neither 1 (in a QPV) nor 2', lu.qpv)
			   WHEN lu.construct ~ '^[0-9]+$' AND NOT (lu.construct::numeric BETWEEN 1000 AND 2200)
				   THEN format('CONSTRUCT %L is not a year', lu.construct)
			   WHEN lu.contreslog <> '' AND lu.contreslog !~ '^[1-7]$' THEN format('CONTRESLOG %L is not a contingent code (1 to 7)', lu.contreslog)
			   WHEN lu.rpls !~ '^[0-9A-Z]{10}$' THEN format('RPLS %L is not a 10-character RPLS identifier', lu.rpls)
		   END
	FROM lu
	ORDER BY lu.ligne;
END
$$;
COMMENT ON FUNCTION flux_mgmt.rpls_analyser(text) IS
	'reads an RPLS CSV file (SDES open-data layout, '';'' separated, header line first) without importing it: one row per line with the mapped values, what was repaired or noticed, and why a line is rejected';

CREATE FUNCTION flux_mgmt.importer_rpls(
	bailleur text, contenu text, prefixe text DEFAULT 'rpls-', ignorer_rejets boolean DEFAULT false)
RETURNS TABLE (constat text, lignes bigint, action text, exemple text)
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	lu rpls_ligne[];
	premier rpls_ligne;
	nb_rejets bigint;
	deja text;
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = importer_rpls.bailleur) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown landlord %L', importer_rpls.bailleur),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.bailleur (code, nom) VALUES (…).',
			'foreign_key_violation');
	END IF;
	lu := ARRAY(SELECT a FROM rpls_analyser(contenu) AS a);

	SELECT count(*) FILTER (WHERE r.rejet IS NOT NULL) INTO nb_rejets FROM unnest(lu) AS r;
	IF nb_rejets > 0 AND NOT ignorer_rejets THEN
		SELECT r.* INTO premier FROM unnest(lu) AS r WHERE r.rejet IS NOT NULL ORDER BY r.ligne LIMIT 1;
		PERFORM flux_mgmt.refuser(
			format('line %s of the RPLS file is rejected: %s', premier.ligne, premier.rejet),
			format('%s of %s lines are rejected; nothing was imported.', nb_rejets, cardinality(lu)),
			'Correct the file, or pass ignorer_rejets => true to import the other lines (the rejected ones are then listed).',
			'invalid_text_representation');
	END IF;

	SELECT l.ref INTO deja
	FROM unnest(lu) AS r JOIN logement l ON l.bailleur = importer_rpls.bailleur AND l.ref = prefixe || r.ligne
	LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('dwelling %L of landlord %L already exists', deja, importer_rpls.bailleur),
			'Dwellings of an RPLS import are named prefix || line number; this file, or another with the same prefix, was imported before.',
			'Pass another prefixe, or delete the earlier import first.',
			'unique_violation');
	END IF;

	INSERT INTO logement (bailleur, ref, rpls, commune, nb_pieces, financement, qpv,
						  annee_construction, mise_en_service, contingent_rpls)
	SELECT importer_rpls.bailleur, prefixe || r.ligne, r.rpls, r.commune, r.nb_pieces, r.financement, r.qpv,
		   r.annee_construction, r.mise_en_service, r.contingent_rpls
	FROM unnest(lu) AS r
	WHERE r.rejet IS NULL
	ORDER BY r.ligne;

	RETURN QUERY
	WITH faits(ordre, cle, constat, action) AS (VALUES
		(1, 'importe', 'imported', 'inserted into flux_mgmt.logement'),
		(2, 'rejet', 'rejected', 'not imported'),
		(3, 'depcom_zero', 'DEPCOM lost its leading zero', 'repaired: a 0 was prepended (6029 → 06029)'),
		(4, 'sans_rpls', 'no RPLS identifier', format('ref = %L || line number; rpls left null', prefixe)),
		(5, 'fffd', 'U+FFFD replacement characters', 'only in free-text columns, which are not imported: no effect'),
		(6, 'nbpiece_0', 'NBPIECE not given (0)', 'nb_pieces left null'),
		(7, 'finan_0', 'FINAN not given (0)', 'financement left null'),
		(8, 'construct_absent', 'CONSTRUCT not given', 'annee_construction left null')
	), cles AS (
		SELECT r.*, unnest(CASE WHEN r.rejet IS NOT NULL THEN ARRAY['rejet']
								ELSE ARRAY['importe'] || r.constats END) AS cle
		FROM unnest(lu) AS r
	)
	SELECT f.constat, count(*), f.action,
		   (array_agg(CASE f.cle
				WHEN 'importe' THEN format('line %s → %s%s in %s', c.ligne, prefixe, c.ligne, c.commune)
				WHEN 'rejet' THEN format('line %s: %s', c.ligne, c.rejet)
				WHEN 'depcom_zero' THEN format('line %s: %s → %s', c.ligne, c.depcom, c.commune)
				WHEN 'fffd' THEN format('line %s, %s', c.ligne, c.fffd)
				ELSE format('line %s', c.ligne) END ORDER BY c.ligne))[1]
	FROM cles c JOIN faits f USING (cle)
	GROUP BY f.ordre, f.constat, f.action
	ORDER BY f.ordre;
END
$$;
COMMENT ON FUNCTION flux_mgmt.importer_rpls(text, text, text, boolean) IS
	'imports an RPLS CSV file (SDES open-data layout) as dwellings of a landlord and reports, per kind, what was imported, repaired, noticed or rejected; a rejected line stops the import unless ignorer_rejets';

CREATE FUNCTION flux_mgmt.importer_communes(contenu text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	entete text[];
	manquantes text[];
	mauvaise record;
	ecrites bigint;
BEGIN
	entete := string_to_array(lower(trim(regexp_replace(split_part(contenu, E'\n', 1), E'^\uFEFF|\r$', '', 'g'))), ';');
	SELECT array_agg(c) INTO manquantes
	FROM unnest(ARRAY['code_insee', 'nom', 'commune_parente', 'epci_siren', 'epci_nom', 'ept_siren', 'ept_nom']) AS c
	WHERE NOT c = ANY (entete);
	IF manquantes IS NOT NULL THEN
		PERFORM flux_mgmt.refuser(
			format('the commune list lacks the columns %s', array_to_string(manquantes, ', ')),
			NULL,
			'Pass the whole file, header line first, '';'' separated, with the columns of shared/data/cog2026_communes_idf.csv.',
			'invalid_parameter_value');
	END IF;

	CREATE TEMP TABLE communes_lues ON COMMIT DROP AS
	SELECT n::integer AS ligne,
		   rpls_champ(f, entete, 'code_insee') AS code,
		   rpls_champ(f, entete, 'nom') AS nom,
		   nullif(rpls_champ(f, entete, 'commune_parente'), '') AS parente,
		   nullif(rpls_champ(f, entete, 'epci_siren'), '') AS epci,
		   nullif(rpls_champ(f, entete, 'epci_nom'), '') AS epci_nom,
		   nullif(rpls_champ(f, entete, 'ept_siren'), '') AS ept,
		   nullif(rpls_champ(f, entete, 'ept_nom'), '') AS ept_nom
	FROM regexp_split_to_table(contenu, E'\r?\n') WITH ORDINALITY AS t(l, n),
		 LATERAL string_to_array(l, ';') AS f
	WHERE n > 1 AND l <> '';

	SELECT * INTO mauvaise FROM communes_lues c
	WHERE NOT code_insee_valide(c.code) OR NOT code_insee_valide(coalesce(c.parente, c.code)) OR coalesce(c.nom, '') = ''
	ORDER BY c.ligne LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('line %s of the commune list is invalid: code %L, parent %L, name %L',
				mauvaise.ligne, mauvaise.code, mauvaise.parente, mauvaise.nom),
			'Every line needs a valid INSEE code and a name; nothing was imported.',
			'A four-digit code lost its leading zero in a spreadsheet: restore it.',
			'invalid_text_representation');
	END IF;

	INSERT INTO commune AS c (code, nom, commune_parente, epci, epci_nom, ept, ept_nom)
	SELECT l.code::code_insee, l.nom, l.parente::code_insee, l.epci, l.epci_nom, l.ept, l.ept_nom
	FROM communes_lues l ORDER BY l.ligne
	ON CONFLICT (code) DO UPDATE SET
		nom = excluded.nom, commune_parente = excluded.commune_parente,
		epci = excluded.epci, epci_nom = excluded.epci_nom, ept = excluded.ept, ept_nom = excluded.ept_nom;
	GET DIAGNOSTICS ecrites = ROW_COUNT;
	DROP TABLE communes_lues;
	RETURN ecrites;
END
$$;
COMMENT ON FUNCTION flux_mgmt.importer_communes(text) IS
	'loads (or refreshes) flux_mgmt.commune from an INSEE commune list (the columns of cog2026_communes_idf.csv); returns the number of communes written';

CREATE FUNCTION flux_mgmt.definir_territoire(reservataire text, collectivite text) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	t type_reservataire;
	communes code_insee[];
	ajoutees bigint;
BEGIN
	SELECT r.type INTO t FROM flux_mgmt.reservataire r WHERE r.code = definir_territoire.reservataire;
	IF NOT FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('unknown réservataire %L', definir_territoire.reservataire),
			NULL,
			'Insert it first into flux_mgmt.reservataire, with type commune, epci or ept.',
			'foreign_key_violation');
	END IF;
	IF code_insee_valide(collectivite) THEN
		-- a commune, with its municipal arrondissements when it has some (Paris, Lyon, Marseille)
		communes := ARRAY(SELECT collectivite::code_insee UNION
						  SELECT c.code FROM commune c WHERE c.commune_parente = collectivite::code_insee);
	ELSIF collectivite ~ '^[0-9]{9}$' THEN
		communes := ARRAY(SELECT c.code FROM commune c WHERE collectivite IN (c.epci, c.ept));
		IF communes = '{}' THEN
			PERFORM flux_mgmt.refuser(
				format('no commune of the EPCI or EPT with SIREN %s in flux_mgmt.commune', collectivite),
				NULL,
				'Load the INSEE commune list first with flux_mgmt.importer_communes(), or insert the communes into flux_mgmt.territoire yourself.',
				'foreign_key_violation');
		END IF;
	ELSE
		PERFORM flux_mgmt.refuser(
			format('%L is neither an INSEE commune code nor a SIREN', collectivite),
			NULL,
			'Give the INSEE code of a commune (93066) or the SIREN of an EPCI or EPT (9 digits).',
			'invalid_parameter_value');
	END IF;
	INSERT INTO territoire (reservataire, commune)
	SELECT definir_territoire.reservataire, c FROM unnest(communes) AS c ORDER BY c
	ON CONFLICT DO NOTHING;
	GET DIAGNOSTICS ajoutees = ROW_COUNT;
	RETURN ajoutees;
END
$$;
COMMENT ON FUNCTION flux_mgmt.definir_territoire(text, text) IS
	'adds to a territorial réservataire''s territory a commune (INSEE code, with its arrondissements) or every commune of an EPCI or EPT (SIREN, from flux_mgmt.commune); returns the number of communes added';

--------------------------------------------------------------------------------
-- Events: vacancies, orientations, attributions
--
-- Plain INSERT, UPDATE, DELETE and COPY on these three tables are the way to
-- record events.  Row-local rules are CHECK constraints; rules that read other
-- tables are checked once per statement by the counter triggers (C, below),
-- set-based, before the counters move.
--------------------------------------------------------------------------------

CREATE TABLE flux_mgmt.vacance (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	logement_id bigint NOT NULL REFERENCES flux_mgmt.logement,
	date_liberation date NOT NULL,
	premiere_location boolean NOT NULL DEFAULT false,
	CONSTRAINT vacance_une_par_jour UNIQUE (logement_id, date_liberation)
);
COMMENT ON TABLE flux_mgmt.vacance IS 'a dwelling becoming available (re-letting, or first letting of a new dwelling)';
COMMENT ON COLUMN flux_mgmt.vacance.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.vacance.logement_id IS 'the dwelling';
COMMENT ON COLUMN flux_mgmt.vacance.date_liberation IS 'date it becomes available; its year is the year of the flux it belongs to';
COMMENT ON COLUMN flux_mgmt.vacance.premiere_location IS 'first letting of a new dwelling';

CREATE TABLE flux_mgmt.orientation (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	vacance_id bigint NOT NULL REFERENCES flux_mgmt.vacance,
	reservataire text REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE,
	soustraction flux_mgmt.motif_soustraction,
	date_orientation date NOT NULL,
	date_limite date,
	issue flux_mgmt.issue_orientation NOT NULL DEFAULT 'en_cours',
	date_issue date,
	CONSTRAINT orientation_soustraite_sans_reservataire CHECK (soustraction IS NULL OR reservataire IS NULL),
	CONSTRAINT orientation_date_issue CHECK (issue = 'attribuee' OR (issue = 'en_cours') = (date_issue IS NULL)),
	CONSTRAINT orientation_dates_apres_orientation CHECK (date_limite >= date_orientation AND date_issue >= date_orientation),
	CONSTRAINT orientation_carence_apres_delai CHECK (issue <> 'carence' OR (date_limite IS NOT NULL AND date_issue >= date_limite))
);
CREATE INDEX orientation_vacance ON flux_mgmt.orientation (vacance_id);
CREATE UNIQUE INDEX orientation_une_ouverte_par_vacance ON flux_mgmt.orientation (vacance_id)
	WHERE issue IN ('en_cours', 'attribuee');
CREATE INDEX orientation_reservataire ON flux_mgmt.orientation (reservataire) WHERE reservataire IS NOT NULL;
COMMENT ON TABLE flux_mgmt.orientation IS
	'the landlord''s decision to give a vacancy to a réservataire, to its own pool (reservataire null) or to take it out of the flux (soustraction)';
COMMENT ON INDEX flux_mgmt.orientation_une_ouverte_par_vacance IS 'at most one orientation of a vacancy is open (en_cours) or attributed';
COMMENT ON COLUMN flux_mgmt.orientation.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.orientation.vacance_id IS 'the vacancy';
COMMENT ON COLUMN flux_mgmt.orientation.reservataire IS 'beneficiary; null for the landlord''s own pool (or a subtracted vacancy)';
COMMENT ON COLUMN flux_mgmt.orientation.soustraction IS 'not null: the vacancy is taken out of the flux for this reason (réservataire null)';
COMMENT ON COLUMN flux_mgmt.orientation.date_orientation IS 'date of the decision; its year is the year the orientation counts in';
COMMENT ON COLUMN flux_mgmt.orientation.date_limite IS 'deadline for the réservataire to propose candidates; defaults to date_orientation plus the convention''s delay';
COMMENT ON COLUMN flux_mgmt.orientation.issue IS 'outcome: en_cours, attribuee (set by recording an attribution), carence, echec, retiree';
COMMENT ON COLUMN flux_mgmt.orientation.date_issue IS 'date of the outcome (the lease for attribuee; null while en_cours)';

CREATE TABLE flux_mgmt.attribution (
	id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
	orientation_id bigint NOT NULL UNIQUE REFERENCES flux_mgmt.orientation,
	date_caleol date NOT NULL,
	date_bail date,
	premier_quartile boolean NOT NULL DEFAULT false,
	dalo boolean NOT NULL DEFAULT false,
	prioritaire boolean NOT NULL DEFAULT false,
	relogement_renouvellement boolean NOT NULL DEFAULT false,
	mutation boolean NOT NULL DEFAULT false,
	agent_etat boolean NOT NULL DEFAULT false,
	CONSTRAINT attribution_bail_apres_caleol CHECK (date_bail >= date_caleol)
);
COMMENT ON TABLE flux_mgmt.attribution IS
	'the allocation decided by the CALEOL on an orientation; recording it sets the orientation''s issue to attribuee, deleting it reopens the orientation';
COMMENT ON COLUMN flux_mgmt.attribution.id IS 'internal identifier';
COMMENT ON COLUMN flux_mgmt.attribution.orientation_id IS 'the orientation (one attribution at most)';
COMMENT ON COLUMN flux_mgmt.attribution.date_caleol IS 'date of the CALEOL decision';
COMMENT ON COLUMN flux_mgmt.attribution.date_bail IS 'date the lease was signed (null while pending); attributions count in the year of the lease';
COMMENT ON COLUMN flux_mgmt.attribution.premier_quartile IS 'household in the first quartile of resources (objective O1)';
COMMENT ON COLUMN flux_mgmt.attribution.dalo IS 'household recognised DALO';
COMMENT ON COLUMN flux_mgmt.attribution.prioritaire IS 'household of the priority publics of L441-1 (objectives O3, O4 with dalo)';
COMMENT ON COLUMN flux_mgmt.attribution.relogement_renouvellement IS 'household rehoused by an urban renewal or ORCOD operation (counts with the first quartile in O1)';
COMMENT ON COLUMN flux_mgmt.attribution.mutation IS 'tenant already housed by the landlord';
COMMENT ON COLUMN flux_mgmt.attribution.agent_etat IS 'civil or military State agent';

SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.vacance', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.vacance_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.orientation', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.orientation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.attribution', '');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.attribution_id_seq', '');
COMMENT ON SEQUENCE flux_mgmt.vacance_id_seq IS 'ids of vacance';
COMMENT ON SEQUENCE flux_mgmt.orientation_id_seq IS 'ids of orientation';
COMMENT ON SEQUENCE flux_mgmt.attribution_id_seq IS 'ids of attribution';

-- The convention an in-flux orientation to a réservataire counts under: the
-- one of its landlord, réservataire and département in force in the year of
-- the orientation (there is at most one).
CREATE FUNCTION flux_mgmt.convention_de(bailleur text, reservataire text, commune flux_mgmt.code_insee, le date)
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

-- date_limite defaults to the orientation date plus the convention's delay.
-- Its one query looks up keys: a generic plan made with index scans, kept
-- (the plan cache would otherwise plan it anew for every row).
CREATE FUNCTION flux_mgmt.date_limite_par_defaut() RETURNS trigger
	LANGUAGE plpgsql
	SET plan_cache_mode = force_generic_plan
	SET enable_seqscan = off
AS $$
BEGIN
	SELECT NEW.date_orientation + c.delai INTO NEW.date_limite
	FROM flux_mgmt.vacance v
	JOIN flux_mgmt.logement l ON l.id = v.logement_id
	CROSS JOIN LATERAL flux_mgmt.convention_de(l.bailleur, NEW.reservataire, l.commune, NEW.date_orientation) AS c
	WHERE v.id = NEW.vacance_id AND l.regime = 'flux' AND NEW.soustraction IS NULL;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION flux_mgmt.date_limite_par_defaut() IS
	'BEFORE INSERT or UPDATE trigger of orientation: an orientation under a convention without date_limite gets date_orientation plus the convention''s delay';
CREATE TRIGGER date_limite BEFORE INSERT OR UPDATE OF reservataire, date_orientation, date_limite ON flux_mgmt.orientation
	FOR EACH ROW WHEN (NEW.date_limite IS NULL AND NEW.reservataire IS NOT NULL)
	EXECUTE FUNCTION flux_mgmt.date_limite_par_defaut();
COMMENT ON TRIGGER date_limite ON flux_mgmt.orientation IS 'an orientation to a réservataire without date_limite gets the orientation date plus its convention''s delay';

-- The rules of events that read other tables.  Each view lists the rows that
-- break one, with the first broken rule; the counter triggers look up the
-- rows a statement wrote (a cheap indexed query) and, only when one is found,
-- signaler_infraction() raises the error that explains it.

CREATE VIEW flux_mgmt.vacance_infraction WITH (security_invoker = true) AS
SELECT v.id, 'hors_possession'::text AS regle
FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id OPERATOR(pg_catalog.=) v.logement_id
WHERE v.date_liberation OPERATOR(pg_catalog.<) l.mise_en_service OR v.date_liberation OPERATOR(pg_catalog.>=) l.sortie;
COMMENT ON VIEW flux_mgmt.vacance_infraction IS
	'vacancies breaking a rule: hors_possession (the landlord does not own the dwelling on date_liberation)';
COMMENT ON COLUMN flux_mgmt.vacance_infraction.id IS 'the vacancy''s id';
COMMENT ON COLUMN flux_mgmt.vacance_infraction.regle IS 'the first rule it breaks';

CREATE VIEW flux_mgmt.orientation_infraction WITH (security_invoker = true) AS
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
	'orientations breaking a rule, with the first one: avant_vacance, stock (a stock dwelling goes to its holder), hors_champ (to the pool), sans_convention (no convention in force), hors_territoire, attribution (an attributed orientation keeps its issue), attribuee_sans_attribution';
COMMENT ON COLUMN flux_mgmt.orientation_infraction.id IS 'the orientation''s id';
COMMENT ON COLUMN flux_mgmt.orientation_infraction.regle IS 'the first rule it breaks';

CREATE VIEW flux_mgmt.attribution_infraction WITH (security_invoker = true) AS
SELECT a.id,
	   CASE WHEN o.issue NOT IN ('en_cours', 'attribuee') THEN 'fermee' ELSE 'avant_orientation' END AS regle
FROM flux_mgmt.attribution a JOIN flux_mgmt.orientation o ON o.id OPERATOR(pg_catalog.=) a.orientation_id
WHERE o.issue NOT IN ('en_cours', 'attribuee') OR a.date_caleol OPERATOR(pg_catalog.<) o.date_orientation;
COMMENT ON VIEW flux_mgmt.attribution_infraction IS
	'attributions breaking a rule: fermee (on an orientation that is not open), avant_orientation (CALEOL before the orientation)';
COMMENT ON COLUMN flux_mgmt.attribution_infraction.id IS 'the attribution''s id';
COMMENT ON COLUMN flux_mgmt.attribution_infraction.regle IS 'the first rule it breaks';

CREATE VIEW flux_mgmt.infraction WITH (security_invoker = true) AS
SELECT 'vacance'::text AS evenement, id, regle FROM flux_mgmt.vacance_infraction
UNION ALL SELECT 'orientation', id, regle FROM flux_mgmt.orientation_infraction
UNION ALL SELECT 'attribution', id, regle FROM flux_mgmt.attribution_infraction;
COMMENT ON VIEW flux_mgmt.infraction IS
	'every event breaking a rule now: run it after a restore (the rules that read tables restored after the events are not checked while loading) or after changing reference data; empty when all hold';
COMMENT ON COLUMN flux_mgmt.infraction.evenement IS 'vacance, orientation or attribution';
COMMENT ON COLUMN flux_mgmt.infraction.id IS 'its id';
COMMENT ON COLUMN flux_mgmt.infraction.regle IS 'the rule it breaks (see the *_infraction views)';

CREATE FUNCTION flux_mgmt.signaler_infraction(regle text, id bigint) RETURNS void
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

--------------------------------------------------------------------------------
-- Counters
--
-- The rules of counting live in one view, contribution_calculee: what each
-- vacancy (its orientations, its charge, its lease) adds to the counters.
-- Triggers keep a ledger of what every vacancy contributed (contribution) and
-- the counters (compteur, compteur_bilan) equal to its sums: when events of a
-- vacancy change, its old contributions are subtracted and its new ones added
-- (src/compteurs.c).  verifier_compteurs() recounts from the events through
-- the same view; recalculer_compteurs() rebuilds.
--
-- Years: an orientation and its outcome count in the year of date_orientation,
-- a charge (décompte) in the year of its date, a lease in the year of date_bail.
--------------------------------------------------------------------------------

CREATE VIEW flux_mgmt.orientation_decompte WITH (security_invoker = true) AS
SELECT x.*, x.id OPERATOR(pg_catalog.=) min(x.id) FILTER (WHERE x.date_decompte IS NOT NULL)
		OVER (PARTITION BY x.vacance_id) AS decompte
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
		   END AS date_decompte
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

CREATE VIEW flux_mgmt.contribution_calculee WITH (security_invoker = true) AS
SELECT e.vacance_id, e.bailleur, e.commune, e.typologie, e.financement, e.qpv, e.periode,
	   k.annee, e.reservataire, e.soustraction, e.dans_flux,
	   k.en_cours, k.attribuees, k.carences, k.echecs, k.retirees, k.decomptes,
	   k.baux, k.hors_qpv, k.q1_hors_qpv, k.q234_en_qpv, k.prioritaires
FROM flux_mgmt.orientation_decompte AS e
CROSS JOIN LATERAL (VALUES
	(pg_catalog.date_part('year', e.date_orientation)::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'en_cours')::integer, (e.issue OPERATOR(pg_catalog.=) 'attribuee')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'carence')::integer, (e.issue OPERATOR(pg_catalog.=) 'echec')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'retiree')::integer, 0, 0, 0, 0, 0, 0),
	(CASE WHEN e.decompte THEN pg_catalog.date_part('year', e.date_decompte)::integer END,
	 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0),
	(pg_catalog.date_part('year', e.date_bail)::integer,
	 0, 0, 0, 0, 0, 0, 1, (NOT e.qpv)::integer,
	 (NOT e.qpv AND (e.premier_quartile OR e.relogement_renouvellement))::integer,
	 (e.qpv AND NOT e.premier_quartile)::integer, e.prioritaire::integer)
) AS k (annee, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires)
WHERE k.annee IS NOT NULL;
COMMENT ON VIEW flux_mgmt.contribution_calculee IS
	'the counting rules: what each orientation of a vacancy contributes to the counters, recomputed from the events, one row per kind (the orientation and its issue in the year of the orientation; the vacancy''s charge in the year of its date; the lease and the O1-O4 numerators in the year of the lease); the counters are its sums';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.vacance_id IS 'the vacancy';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.annee IS 'year counted in (of the orientation, the charge or the lease, by kind)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.soustraction IS 'motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.dans_flux IS 'dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.en_cours IS '1 for an orientation still open';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.attribuees IS '1 for an orientation attributed';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.carences IS '1 for an orientation ended by a carence';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.echecs IS '1 for an orientation ended by an échec';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.retirees IS '1 for an orientation withdrawn';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.decomptes IS '1 for the vacancy''s charge to the flux (décompte)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.baux IS '1 for a lease signed';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.hors_qpv IS '1 for a lease outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.q1_hors_qpv IS '1 for a lease outside QPV to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.q234_en_qpv IS '1 for a lease inside QPV to a household of quartiles 2-4 (O2 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.prioritaires IS '1 for a lease to a DALO or priority household (O3, O4 numerators)';

CREATE TABLE flux_mgmt.contribution (
	vacance_id bigint NOT NULL,
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	typologie text,
	financement flux_mgmt.financement,
	qpv boolean NOT NULL,
	periode text,
	annee integer NOT NULL,
	reservataire text,
	soustraction flux_mgmt.motif_soustraction,
	dans_flux boolean NOT NULL,
	en_cours integer NOT NULL,
	attribuees integer NOT NULL,
	carences integer NOT NULL,
	echecs integer NOT NULL,
	retirees integer NOT NULL,
	decomptes integer NOT NULL,
	baux integer NOT NULL,
	hors_qpv integer NOT NULL,
	q1_hors_qpv integer NOT NULL,
	q234_en_qpv integer NOT NULL,
	prioritaires integer NOT NULL
);
CREATE INDEX contribution_vacance ON flux_mgmt.contribution (vacance_id);
COMMENT ON TABLE flux_mgmt.contribution IS
	'derived: what each vacancy currently contributes to the counters (its rows of contribution_calculee as the triggers last wrote them)';
COMMENT ON COLUMN flux_mgmt.contribution.vacance_id IS 'as in contribution_calculee: the vacancy';
COMMENT ON COLUMN flux_mgmt.contribution.bailleur IS 'as in contribution_calculee: landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.commune IS 'as in contribution_calculee: commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.typologie IS 'as in contribution_calculee: typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.contribution.financement IS 'as in contribution_calculee: financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.qpv IS 'as in contribution_calculee: the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.contribution.periode IS 'as in contribution_calculee: construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.contribution.annee IS 'as in contribution_calculee: year counted in (of the orientation, the charge or the lease, by kind)';
COMMENT ON COLUMN flux_mgmt.contribution.reservataire IS 'as in contribution_calculee: beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.contribution.soustraction IS 'as in contribution_calculee: motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.contribution.dans_flux IS 'as in contribution_calculee: dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.contribution.en_cours IS 'as in contribution_calculee: 1 for an orientation still open';
COMMENT ON COLUMN flux_mgmt.contribution.attribuees IS 'as in contribution_calculee: 1 for an orientation attributed';
COMMENT ON COLUMN flux_mgmt.contribution.carences IS 'as in contribution_calculee: 1 for an orientation ended by a carence';
COMMENT ON COLUMN flux_mgmt.contribution.echecs IS 'as in contribution_calculee: 1 for an orientation ended by an échec';
COMMENT ON COLUMN flux_mgmt.contribution.retirees IS 'as in contribution_calculee: 1 for an orientation withdrawn';
COMMENT ON COLUMN flux_mgmt.contribution.decomptes IS 'as in contribution_calculee: 1 for the vacancy''s charge to the flux (décompte)';
COMMENT ON COLUMN flux_mgmt.contribution.baux IS 'as in contribution_calculee: 1 for a lease signed';
COMMENT ON COLUMN flux_mgmt.contribution.hors_qpv IS 'as in contribution_calculee: 1 for a lease outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.contribution.q1_hors_qpv IS 'as in contribution_calculee: 1 for a lease outside QPV to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution.q234_en_qpv IS 'as in contribution_calculee: 1 for a lease inside QPV to a household of quartiles 2-4 (O2 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution.prioritaires IS 'as in contribution_calculee: 1 for a lease to a DALO or priority household (O3, O4 numerators)';

CREATE TABLE flux_mgmt.compteur (
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	annee integer NOT NULL,
	reservataire text,
	soustraction flux_mgmt.motif_soustraction,
	dans_flux boolean NOT NULL,
	tranche smallint NOT NULL,
	en_cours bigint NOT NULL,
	attribuees bigint NOT NULL,
	carences bigint NOT NULL,
	echecs bigint NOT NULL,
	retirees bigint NOT NULL,
	decomptes bigint NOT NULL,
	baux bigint NOT NULL,
	hors_qpv bigint NOT NULL,
	q1_hors_qpv bigint NOT NULL,
	q234_en_qpv bigint NOT NULL,
	prioritaires bigint NOT NULL,
	CONSTRAINT compteur_cle UNIQUE NULLS NOT DISTINCT
		(bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur IS
	'derived counters per landlord, commune, year, beneficiary (réservataire, null = pool), subtraction and flux membership; a key is spread over a few tranches (one per writing backend slot) so that concurrent writers do not wait on one row: sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur.annee IS 'year counted in: of the orientation (en_cours … retirees), of the charge (decomptes), of the lease (baux … prioritaires)';
COMMENT ON COLUMN flux_mgmt.compteur.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur.soustraction IS 'motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.compteur.dans_flux IS 'dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.compteur.en_cours IS 'orientations of that year still open';
COMMENT ON COLUMN flux_mgmt.compteur.attribuees IS 'orientations of that year attributed';
COMMENT ON COLUMN flux_mgmt.compteur.carences IS 'orientations of that year ended by a carence';
COMMENT ON COLUMN flux_mgmt.compteur.echecs IS 'orientations of that year ended by an échec';
COMMENT ON COLUMN flux_mgmt.compteur.retirees IS 'orientations of that year withdrawn';
COMMENT ON COLUMN flux_mgmt.compteur.decomptes IS 'vacancies charged to the flux that year (décompte)';
COMMENT ON COLUMN flux_mgmt.compteur.baux IS 'attributions whose lease was signed that year';
COMMENT ON COLUMN flux_mgmt.compteur.hors_qpv IS 'of those, dwellings outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.compteur.q1_hors_qpv IS 'outside QPV, to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.compteur.q234_en_qpv IS 'inside QPV, to a household of quartiles 2-4 (O2 numerator; denominator baux - hors_qpv)';
COMMENT ON COLUMN flux_mgmt.compteur.prioritaires IS 'to a DALO or priority household (O3, O4 numerators)';

CREATE TABLE flux_mgmt.compteur_bilan (
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	annee integer NOT NULL,
	reservataire text,
	typologie text,
	financement flux_mgmt.financement,
	qpv boolean NOT NULL,
	periode text,
	tranche smallint NOT NULL,
	proposes bigint NOT NULL,
	attribues bigint NOT NULL,
	CONSTRAINT compteur_bilan_cle UNIQUE NULLS NOT DISTINCT
		(bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur_bilan IS
	'derived counters of the yearly report: in-flux dwellings proposed (oriented) and attributed (lease) per landlord, year, réservataire, typology, financing, QPV, commune and construction period; sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.annee IS 'year of the orientation (proposes) or of the lease (attribues)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.proposes IS 'in-flux orientations of that year';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.attribues IS 'in-flux attributions whose lease was signed that year';

-- Derived tables are registered with a filter that dumps none of their rows:
-- a restore reloads the events, and the triggers rebuild these from them
-- (dumping them too would count every event twice).
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.contribution', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur_bilan', 'WHERE false');

CREATE FUNCTION flux_mgmt.compteurs_apres() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_compteurs_apres'
	LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.compteurs_apres() IS
	'AFTER … FOR EACH STATEMENT trigger (C): checks the rules of the written events and recounts the vacancies they touched (see src/compteurs.c)';

CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.vacance
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.vacance
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.orientation
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.orientation
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.orientation
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.attribution
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.attribution
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.attribution
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.logement
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.reservataire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.convention
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.vacance IS 'statement trigger (src/compteurs.c): checks the rules of the vacancies inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.vacance IS 'statement trigger (src/compteurs.c): checks the rules of the vacancies updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.logement IS 'statement trigger (src/compteurs.c): checks the rules of the dwellings updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.territoire IS 'statement trigger (src/compteurs.c): checks the rules of the territories updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.territoire IS 'statement trigger (src/compteurs.c): checks the rules of the territories deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.reservataire IS 'statement trigger (src/compteurs.c): checks the rules of the réservataires updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions deleted and recounts the vacancies they touch';

CREATE FUNCTION flux_mgmt.recalculer_compteurs() RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	ecrits bigint;
	bilan bigint;
BEGIN
	-- writers wait until the rebuild commits, then count against it
	LOCK TABLE contribution, compteur, compteur_bilan IN EXCLUSIVE MODE;
	TRUNCATE contribution, compteur, compteur_bilan;
	INSERT INTO contribution SELECT * FROM contribution_calculee;
	INSERT INTO compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
						  en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
						  hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires)
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, 0,
		   sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux),
		   sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)
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
	RETURN ecrits + bilan;
END
$$;
COMMENT ON FUNCTION flux_mgmt.recalculer_compteurs() IS
	'rebuilds every counter from the events (after pg_restore --disable-triggers, say); returns the number of counter rows written';

CREATE FUNCTION flux_mgmt.verifier_compteurs()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
	WITH attendu AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires
		FROM contribution_calculee
		GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	), trouve AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires
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
		('prioritaires', a.prioritaires, t.prioritaires)) AS v(nom, attendu, trouve)
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
COMMENT ON FUNCTION flux_mgmt.verifier_compteurs() IS
	'recounts every counter from the events and lists those that differ (empty when all agree): compteur names the key and the column';

-- TRUNCATE bypasses the row-by-row bookkeeping: rebuild after it.  An
-- attribution truncated away reopens its orientation, like a deleted one.
CREATE FUNCTION flux_mgmt.apres_truncate() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	IF TG_TABLE_NAME = 'attribution' THEN
		UPDATE orientation o SET issue = 'en_cours', date_issue = NULL
		WHERE o.issue = 'attribuee' AND NOT EXISTS (SELECT FROM attribution a WHERE a.orientation_id = o.id);
	END IF;
	PERFORM recalculer_compteurs();
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux_mgmt.apres_truncate() IS
	'AFTER TRUNCATE trigger of the event tables: reopens orientations whose attribution went, and rebuilds the counters';
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.vacance
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.attribution
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.vacance IS 'a TRUNCATE rebuilds the counters from the events left';
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.orientation IS 'a TRUNCATE rebuilds the counters from the events left';
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.attribution IS 'a TRUNCATE rebuilds the counters from the events left';

--------------------------------------------------------------------------------
-- Recording events: orienter, cloturer
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.orienter(vacance_id bigint, reservataire text,
								   soustraction flux_mgmt.motif_soustraction DEFAULT NULL,
								   date_orientation date DEFAULT current_date)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
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
	IF cloturer.issue = 'carence' AND o.date_limite IS NULL THEN
		PERFORM refuser(format('no carence for orientation %s: it has no deadline', o.id),
						'A carence is the réservataire letting its delay pass; the pool, a stock holder and a subtraction have none.',
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
	'records the outcome of an open orientation: carence (no candidate within the delay), echec, or retiree (withdrawn by the landlord)';

--------------------------------------------------------------------------------
-- Orientation engine (DOMAIN §4)
--
-- The choice is a pure C kernel over arrays (src/orientation.c: Tijdeman's
-- rule, preferences only where the quota bound survives them); suggerer()
-- gathers the dwelling's candidates and their counts from the counters and
-- explains the result.
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.choix_orientation AS (classement integer[], plus_urgent integer, horizon integer);
COMMENT ON TYPE flux_mgmt.choix_orientation IS
	'result of choisir_orientation: the holders in suggestion order (1-based positions, the choice first), the primary rule''s choice (null if none was eligible), the steps simulated to accept a preferred holder instead (0 if none was)';

CREATE FUNCTION flux_mgmt.choisir_orientation(t bigint[], a bigint[], parts bigint[], preferences bigint[])
RETURNS flux_mgmt.choix_orientation
	AS 'MODULE_PATHNAME', 'flux_choisir_orientation'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.choisir_orientation(bigint[], bigint[], bigint[], bigint[]) IS
	'the orientation choice for one dwelling (C kernel, exact integers): per holder, the dwelling''s step t in its scope, the dwellings a it had, its share in micro-units (1e-6, the shares of one scope add up to 1000000), a preference in micro-units; Tijdeman''s rule (deficit t·p - a at least 1/(2n-2), earliest deadline (a + 1 - c)/p), a preferred eligible holder instead when an exact simulation keeps every holder within 1 - 1/(2n-2)';

CREATE FUNCTION flux_mgmt.simuler_orientations(parts bigint[], pas integer, graine integer DEFAULT NULL)
RETURNS TABLE (pas integer, titulaire integer, ecart_max bigint, borne bigint)
	AS 'MODULE_PATHNAME', 'flux_simuler_orientations'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION flux_mgmt.simuler_orientations(bigint[], integer, integer) IS
	'runs the orientation choice for pas dwellings from nothing, every holder in one scope (shares in micro-units), with random preferences from graine when given: per step the holder chosen (1-based), the largest |t·p - a| and the bound 1 - 1/(2n-2), in micro-units';

-- Parameters of the secondary preferences (DOMAIN §3.1, §4).
CREATE TABLE flux_mgmt.parametre_orientation (
	cle text PRIMARY KEY,
	valeur numeric NOT NULL,
	CONSTRAINT parametre_orientation_cle CHECK (cle IN ('plancher_prefet_hors_qpv'))
);
COMMENT ON TABLE flux_mgmt.parametre_orientation IS
	'parameters of the orientation preferences, when they differ from their default: plancher_prefet_hors_qpv = the share (percent) of the préfet''s orientations that should lie outside QPV (default 30, R441-5-2); the table starts empty, so that pg_dump keeps only what the user set';
COMMENT ON COLUMN flux_mgmt.parametre_orientation.cle IS 'parameter';
COMMENT ON COLUMN flux_mgmt.parametre_orientation.valeur IS 'its value';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.parametre_orientation', '');

-- One candidate of a dwelling, as suggerer() gathers it.
CREATE TYPE flux_mgmt.candidat_orientation AS (
	reservataire text,			-- null: the landlord's pool
	nom text,
	territorial boolean,
	taux numeric,				-- share of its scope, percent
	t bigint,					-- this dwelling's rank among the in-flux dwellings of its scope this year
	a bigint,					-- in-flux dwellings it received in its scope this year
	preference numeric,			-- percentage points (positive: the dwelling suits its objectives)
	motifs_preference text[]
);
COMMENT ON TYPE flux_mgmt.candidat_orientation IS
	'a candidate for a dwelling as suggerer() gathers it: share, counts in its scope, preference and its reasons';

-- The candidates of an in-flux dwelling: the conventions in force in the year
-- whose scope contains its commune, and the pool, with their counts from the
-- counters (orientations of the year en_cours, attribuee or carence) and their
-- preferences.  The pool's entitlement is what the département's count leaves
-- after every convention's entitlement (the territorial ones elsewhere
-- included); its share is that entitlement over the département's count.
CREATE FUNCTION flux_mgmt.candidats(bailleur text, commune flux_mgmt.code_insee, annee integer,
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
		SELECT k.reservataire, k.commune, sum(k.en_cours + k.attribuees + k.carences) AS n
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

-- The decision for a vacancy, before it is explained: what suggerer() and
-- orienter_suggestion() share.
CREATE TYPE flux_mgmt.decision_orientation AS (
	regime flux_mgmt.regime,
	titulaire text,							-- the holder of a stock dwelling
	nom_titulaire text,
	candidats flux_mgmt.candidat_orientation[],	-- in-flux dwelling: its candidates
	choix flux_mgmt.choix_orientation
);
COMMENT ON TYPE flux_mgmt.decision_orientation IS
	'the orientation decision for a vacancy: its dwelling''s regime and stock holder, or its candidates and the kernel''s choice';

CREATE FUNCTION flux_mgmt.decider(vacance_id bigint) RETURNS flux_mgmt.decision_orientation
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	d decision_orientation;
BEGIN
	SELECT l.bailleur, l.commune, l.nb_pieces, l.financement, l.qpv, l.regime, l.reservataire_stock, r.nom,
		   extract(year FROM va.date_liberation)::integer AS annee
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
	IF v.regime = 'flux' THEN
		d.candidats := ARRAY(SELECT x FROM candidats(v.bailleur, v.commune, v.annee, v.nb_pieces, v.financement, v.qpv) AS x);
		d.choix := (SELECT choisir_orientation(array_agg(x.t ORDER BY i), array_agg(x.a ORDER BY i),
											   array_agg(round(x.taux * 10000)::bigint ORDER BY i),
											   array_agg(round(x.preference * 10000)::bigint ORDER BY i))
					FROM unnest(d.candidats) WITH ORDINALITY
						 AS x (reservataire, nom, territorial, taux, t, a, preference, motifs_preference, i));
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION flux_mgmt.decider(bigint) IS
	'the orientation decision for a vacancy (see decision_orientation): a stock dwelling''s holder, or the candidates of an in-flux dwelling in the year of the vacancy and the choice of choisir_orientation()';

CREATE FUNCTION flux_mgmt.suggerer(vacance_id bigint)
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d decision_orientation := decider(suggerer.vacance_id);
	c candidat_orientation[] := d.candidats;
	n integer;
	k numeric;
BEGIN
	IF d.regime IN ('stock_defense', 'stock_securite', 'stock_sante') THEN
		RETURN QUERY SELECT 1, d.titulaire, NULL::numeric, NULL::numeric,
			ARRAY[format('dwelling kept in stock (%s): it goes back to its holder %s at each vacancy, outside the flux', d.regime, d.nom_titulaire)];
		RETURN;
	ELSIF d.regime = 'hors_champ' THEN
		RETURN QUERY SELECT 1, NULL::text, NULL::numeric, NULL::numeric,
			ARRAY['dwelling outside the L441-1 regime: outside the flux, it goes to the landlord''s own pool'];
		RETURN;
	END IF;
	n := (SELECT count(*) FROM unnest(c) AS x WHERE x.taux > 0);
	k := CASE WHEN n >= 2 THEN 2 * n - 2 ELSE 1 END;	-- c = 1/k

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
				WHEN r.rang = 1 AND r.idx = (d.choix).plus_urgent
					THEN ARRAY[format('most urgent: it falls below its quota within %s more dwellings (Tijdeman''s rule)',
									  round((1 - 1 / k - e.ecart) / (x.taux / 100), 3))]
				WHEN r.rang = 1
					THEN ARRAY[format('preferred over %s, more urgent, for its objectives: the quota bound of %s still holds (checked over the next %s dwellings)',
									  c[(d.choix).plus_urgent].nom, round(1 - 1 / k, 3), (d.choix).horizon)]
				ELSE ARRAY[format('eligible: below its quota by %s or more', round(1 / k, 3))]
			  END
		   || x.motifs_preference
		   || CASE WHEN x.territorial THEN ARRAY['territorial réservataire: the dwelling is in its territory'] ELSE '{}' END
		   || CASE WHEN x.reservataire IS NULL THEN ARRAY['landlord''s pool: what the département''s flux leaves after every convention''s entitlement'] ELSE '{}' END
	FROM unnest((d.choix).classement) WITH ORDINALITY AS r(idx, rang)
	CROSS JOIN LATERAL (SELECT (c[r.idx]).*) AS x
	CROSS JOIN LATERAL (SELECT x.t * x.taux / 100 - x.a AS ecart) AS e
	ORDER BY r.rang;
END
$$;
COMMENT ON FUNCTION flux_mgmt.suggerer(bigint) IS
	'ranked orientation suggestions for a vacancy (rank 1 first): its holder for a stock dwelling, the pool for a hors champ one; otherwise the conventions whose scope contains the dwelling and the pool, by Tijdeman''s quota rule with the indicative objectives as preferences; ecart = entitlement t × taux / 100 minus dwellings received (in the year of the vacancy, in the candidate''s scope); score = dwellings before it falls below its quota, (1 - c - ecart) / share, with c = 1/(2n - 2); motifs says why';

CREATE FUNCTION flux_mgmt.orienter_suggestion(vacance_id bigint, date_orientation date DEFAULT current_date)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	d decision_orientation := decider(orienter_suggestion.vacance_id);
BEGIN
	RETURN orienter(orienter_suggestion.vacance_id,
					CASE WHEN d.regime = 'flux' THEN (d.candidats[(d.choix).classement[1]]).reservataire
						 WHEN d.regime = 'hors_champ' THEN NULL ELSE d.titulaire END,
					NULL, orienter_suggestion.date_orientation);
END
$$;
COMMENT ON FUNCTION flux_mgmt.orienter_suggestion(bigint, date) IS
	'records rank 1 of suggerer() as the vacancy''s orientation; returns the orientation id';

CREATE FUNCTION flux_mgmt.orienter_en_attente(bailleur text, annee integer)
RETURNS TABLE (vacance_id bigint, orientation_id bigint, reservataire text)
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	v record;
	o bigint;
BEGIN
	PERFORM exiger_bailleur(orienter_en_attente.bailleur);
	FOR v IN
		SELECT va.id, va.date_liberation
		FROM vacance va JOIN logement l ON l.id = va.logement_id
		WHERE l.bailleur = orienter_en_attente.bailleur
		  AND va.date_liberation >= make_date(orienter_en_attente.annee, 1, 1)
		  AND va.date_liberation < make_date(orienter_en_attente.annee + 1, 1, 1)
		  AND NOT EXISTS (SELECT FROM orientation x WHERE x.vacance_id = va.id
						  AND (x.issue IN ('en_cours', 'attribuee', 'retiree') OR x.soustraction IS NOT NULL))
		ORDER BY va.date_liberation, va.id
	LOOP
		o := orienter_suggestion(v.id, v.date_liberation);
		vacance_id := v.id;
		orientation_id := o;
		reservataire := (SELECT x.reservataire FROM orientation x WHERE x.id = o);
		RETURN NEXT;
	END LOOP;
END
$$;
COMMENT ON FUNCTION flux_mgmt.orienter_en_attente(text, integer) IS
	'orients, in date order, every vacancy of a landlord freed in a year that waits for an orientation (none yet, or the last ended in carence or échec), each with rank 1 of suggerer() and dated its date_liberation, each seeing the ones before; returns what it recorded';

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
	'row rules of cible_objectif: a known objective, a SIREN or null, a target in [0, 100]';
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
CREATE FUNCTION flux_mgmt.atteinte_annuelle(bailleur text, departement text, annee integer)
RETURNS TABLE (reservataire text, taux numeric, flux_realise bigint, droit numeric, decomptes bigint,
			   ecart numeric, en_cours bigint, carences bigint)
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH k AS (
		SELECT k.commune, k.reservataire, sum(k.decomptes) AS decomptes, sum(k.en_cours) AS en_cours,
			   sum(k.carences) AS carences
		FROM flux_mgmt.compteur k
		WHERE k.bailleur = $1 AND k.annee = $3 AND k.dans_flux
		  -- the département's range of the index, not every commune of the landlord-year
		  AND k.commune OPERATOR(flux_mgmt.>=) flux_mgmt.premiere_commune($2)
		  AND k.commune OPERATOR(flux_mgmt.<=) flux_mgmt.derniere_commune($2)
		  AND flux_mgmt.departement(k.commune) = $2
		GROUP BY k.commune, k.reservataire
	), v AS (
		SELECT v.reservataire, v.taux, v.communes FROM flux_mgmt.conventions_en_vigueur($1, $2, $3) AS v
	), beneficiaires AS (
		SELECT v.reservataire, v.taux, v.communes FROM v
		UNION ALL
		SELECT DISTINCT k.reservataire, 0, NULL::flux_mgmt.code_insee[] FROM k
		WHERE k.reservataire IS NOT NULL
		  AND k.reservataire <> ALL (ARRAY(SELECT v.reservataire FROM v))
	), c AS (
		SELECT b.reservataire, b.taux, b.communes IS NULL AS departemental, s.flux_realise,
			   b.taux * s.flux_realise * 0.01 AS droit, s.decomptes, s.en_cours, s.carences
		FROM beneficiaires b
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
	)
	SELECT c.reservataire, pg_catalog.trim_scale(c.taux), c.flux_realise, pg_catalog.trim_scale(c.droit), c.decomptes,
		   pg_catalog.trim_scale(c.droit - c.decomptes), c.en_cours, c.carences
	FROM c
	UNION ALL
	SELECT NULL,
		   pg_catalog.trim_scale(CASE WHEN p.flux_realise > 0 THEN round(100 * (p.flux_realise - p.droits) / p.flux_realise, 6)
									  ELSE 100 - p.parts END),
		   p.flux_realise, pg_catalog.trim_scale(p.flux_realise - p.droits), p.decomptes,
		   pg_catalog.trim_scale(p.flux_realise - p.droits - p.decomptes), p.en_cours, p.carences
	FROM pool p;
END;
COMMENT ON FUNCTION flux_mgmt.atteinte_annuelle(text, text, integer) IS
	'attainment of a landlord in a département in a year, from the in-flux counters: each convention in force (charges in its scope, its entitlement taux × charges / 100, charged to it, the difference, its open orientations and carences), each beneficiary counted without a convention in force (taux 0), then the pool (reservataire null: the département''s charges minus the others'' entitlements; taux 100 × that / charges, or 100 minus the département-wide shares when nothing was charged); no argument check';

-- The départements and years of a landlord that atteinte lists: those of its
-- counters (any, in the flux or not), of its rotation rates, and the current
-- year for the départements of its conventions in force.  The counters are
-- read by skip scans of compteur_cle (one probe per year, then one per
-- département of each year), not row by row.  A PL/pgSQL function on
-- purpose: the planner cannot inline it and takes its ROWS, a few rows per
-- landlord.  Enumerated inside the view, the counters' (bailleur,
-- departement, annee) were a UNION the planner counts as one row per counter
-- row (a UNION's groups are not estimated): 1,600 "départements" for 8 at a
-- 30 % scale, 5,000 at full scale, each costed as one call of
-- atteinte_annuelle; that cost put one landlord-year above jit_above_cost,
-- and at full scale above the inlining and optimisation thresholds, whose
-- compilation took nine tenths of the query (bench/RESULTS.md).
CREATE FUNCTION flux_mgmt.perimetres_atteinte(bailleur text)
RETURNS TABLE (departement text, annee integer)
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE ROWS 10
	SET search_path = flux_mgmt, pg_catalog, pg_temp
	-- generic: it only follows keys
	SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
	RETURN QUERY
	WITH RECURSIVE annees AS (
		SELECT (SELECT min(k.annee) FROM compteur k WHERE k.bailleur = $1) AS annee
		UNION ALL
		SELECT (SELECT min(k.annee) FROM compteur k WHERE k.bailleur = $1 AND k.annee > a.annee)
		FROM annees a WHERE a.annee IS NOT NULL
	), premieres AS (
		-- per year, the first commune counted in each département
		SELECT a.annee, (SELECT k.commune FROM compteur k WHERE k.bailleur = $1 AND k.annee = a.annee
						 ORDER BY k.commune LIMIT 1) AS commune
		FROM annees a WHERE a.annee IS NOT NULL
		UNION ALL
		SELECT p.annee, (SELECT k.commune FROM compteur k
						 WHERE k.bailleur = $1 AND k.annee = p.annee AND k.commune > derniere_commune(departement(p.commune))
						 ORDER BY k.commune LIMIT 1)
		FROM premieres p WHERE p.commune IS NOT NULL
	)
	SELECT departement(p.commune), p.annee FROM premieres p WHERE p.commune IS NOT NULL
	UNION
	SELECT r.departement, r.annee FROM rotation r WHERE r.bailleur = $1
	UNION
	SELECT c.departement, y.annee
	FROM convention c, (SELECT date_part('year', CURRENT_DATE)::integer AS annee) AS y
	WHERE c.bailleur = $1 AND c.annee_debut <= y.annee AND (c.annee_fin IS NULL OR c.annee_fin >= y.annee);
END
$$;
COMMENT ON FUNCTION flux_mgmt.perimetres_atteinte(text) IS
	'the (département, year) pairs of a landlord that the view atteinte lists: every one with counters that year (in the flux or not), with a rotation rate, and the current year in the départements of its conventions in force then; no argument check';

-- One row of the landlord table, its few (département, year) pairs, then the
-- inlined atteinte_annuelle of each: a filter on bailleur reaches the
-- landlord's key, and annee, applied to the pairs, the counters' index
-- through atteinte_annuelle's arguments.
CREATE VIEW flux_mgmt.atteinte WITH (security_invoker = true) AS
SELECT b.code AS bailleur, p.departement, p.annee, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes, a.ecart,
	   a.en_cours, a.carences
FROM flux_mgmt.bailleur b
CROSS JOIN LATERAL flux_mgmt.perimetres_atteinte(b.code) AS p
CROSS JOIN LATERAL flux_mgmt.atteinte_annuelle(b.code, p.departement, p.annee) AS a;
COMMENT ON VIEW flux_mgmt.atteinte IS
	'how far each réservataire is from its share, per landlord, département and year, from the counters: one row per convention in force and one for the landlord''s pool (reservataire null), plus a row (taux 0) for a réservataire charged or oriented that year without a convention in force; a landlord × département × year appears when it has counters that year, a rotation rate for it, or conventions in force in the current year; filter on bailleur and annee for one landlord-year';
COMMENT ON COLUMN flux_mgmt.atteinte.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.atteinte.departement IS 'département (the scope of the convention, or the territory of a territorial réservataire within it)';
COMMENT ON COLUMN flux_mgmt.atteinte.annee IS 'year (of the charges and orientations counted)';
COMMENT ON COLUMN flux_mgmt.atteinte.reservataire IS 'réservataire; null for the landlord''s own pool';
COMMENT ON COLUMN flux_mgmt.atteinte.taux IS 'contractual share of the flux of its scope, in percent; for the pool, what the others leave of the département''s flux (100 × droit / flux_realise)';
COMMENT ON COLUMN flux_mgmt.atteinte.flux_realise IS 'dwellings charged to the flux in its scope that year, whoever they were charged to (the département; a territorial réservataire''s communes)';
COMMENT ON COLUMN flux_mgmt.atteinte.droit IS 'entitlement: taux × flux_realise / 100 (exact); the pool''s is the département''s flux minus every other entitlement, so that they add up to the flux';
COMMENT ON COLUMN flux_mgmt.atteinte.decomptes IS 'dwellings charged to it in its scope that year (décompte, DOMAIN §3.6)';
COMMENT ON COLUMN flux_mgmt.atteinte.ecart IS 'droit - decomptes: positive, it is owed dwellings; negative, it got more than its share';
COMMENT ON COLUMN flux_mgmt.atteinte.en_cours IS 'its in-flux orientations of that year still open (no lease, carence, échec or withdrawal yet)';
COMMENT ON COLUMN flux_mgmt.atteinte.carences IS 'its in-flux orientations of that year ended by a carence (no candidate within the delay)';

CREATE VIEW flux_mgmt.objectifs_attribution WITH (security_invoker = true) AS
SELECT o.bailleur, o.annee, o.objectif, o.reservataire, o.epci, o.numerateur, o.denominateur, t.cible,
	   CASE WHEN o.denominateur > 0 THEN round(100.0 * o.numerateur / o.denominateur, 2) END AS taux,
	   greatest(0, ceil(t.cible * o.denominateur / 100) - o.numerateur)::bigint AS manque,
	   o.epci_nom
FROM (
	SELECT k.bailleur, k.annee, 'O1' AS objectif, NULL::text AS reservataire, NULL::text AS epci, NULL::text AS epci_nom,
		   sum(k.q1_hors_qpv)::bigint AS numerateur, sum(k.hors_qpv)::bigint AS denominateur
	FROM flux_mgmt.compteur k GROUP BY k.bailleur, k.annee
	UNION ALL
	SELECT k.bailleur, k.annee, 'O2', NULL, NULL, NULL, sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k GROUP BY k.bailleur, k.annee
	UNION ALL
	SELECT k.bailleur, k.annee, 'O1', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
		   sum(k.q1_hors_qpv)::bigint, sum(k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
	WHERE coalesce(m.ept, m.epci) IS NOT NULL
	GROUP BY k.bailleur, k.annee, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
	UNION ALL
	SELECT k.bailleur, k.annee, 'O2', NULL, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom),
		   sum(k.q234_en_qpv)::bigint, sum(k.baux - k.hors_qpv)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.commune m ON m.code OPERATOR(flux_mgmt.=) k.commune
	WHERE coalesce(m.ept, m.epci) IS NOT NULL
	GROUP BY k.bailleur, k.annee, coalesce(m.ept, m.epci), coalesce(m.ept_nom, m.epci_nom)
	UNION ALL
	SELECT k.bailleur, k.annee, 'O3', k.reservataire, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
	FROM flux_mgmt.compteur k JOIN flux_mgmt.reservataire r ON r.code = k.reservataire
	WHERE r.type NOT IN ('etat_prioritaires', 'etat_agents')
	GROUP BY k.bailleur, k.annee, k.reservataire
	UNION ALL
	SELECT k.bailleur, k.annee, 'O4', NULL, NULL, NULL, sum(k.prioritaires)::bigint, sum(k.baux)::bigint
	FROM flux_mgmt.compteur k
	WHERE k.reservataire IS NULL AND k.soustraction IS NULL
	GROUP BY k.bailleur, k.annee
) AS o
CROSS JOIN LATERAL (SELECT flux_mgmt.cible_en_vigueur(o.objectif, o.epci) AS cible) AS t;
COMMENT ON VIEW flux_mgmt.objectifs_attribution IS
	'the allocation objectives of DOMAIN §3.7 per landlord and year, on the attributions whose lease was signed that year (from the counters): O1 and O2 for the landlord (epci null) and per intercommunal territory, O3 per réservataire other than the State, O4 on the landlord''s pool and returned dwellings; targets from cible_objectif (defaults 25, 50, 25, 25 %)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.annee IS 'year of the leases';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.objectif IS 'O1: outside QPV, to first-quartile or renewal-rehoused households; O2: inside QPV, to households of quartiles 2-4; O3: a réservataire other than the State, to DALO or priority households; O4: the landlord''s pool and returned dwellings, to DALO or priority households';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.reservataire IS 'for O3, the réservataire; null otherwise';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.epci IS 'for O1 and O2, SIREN of the intercommunal territory of the dwellings (the EPT in the Métropole du Grand Paris, else the EPCI, from flux_mgmt.commune; Paris counts under the Métropole''s SIREN); null: the landlord''s total';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.numerateur IS 'attributions meeting the objective';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.denominateur IS 'attributions it is measured on (O1: outside QPV; O2: inside QPV; O3, O4: all of the beneficiary''s)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.cible IS 'target in percent (flux_mgmt.cible_en_vigueur)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.taux IS '100 × numerateur / denominateur, two decimals; null when denominateur is 0';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.manque IS 'attributions still missing to reach the target: greatest(0, ceil(cible × denominateur / 100) - numerateur)';
COMMENT ON COLUMN flux_mgmt.objectifs_attribution.epci_nom IS 'name of that territory';

CREATE VIEW flux_mgmt.bilan_annuel WITH (security_invoker = true) AS
SELECT b.bailleur, b.annee, b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode AS periode_construction,
	   sum(b.proposes)::bigint AS logements_proposes, sum(b.attribues)::bigint AS logements_attribues
FROM flux_mgmt.compteur_bilan b
GROUP BY b.bailleur, b.annee, b.reservataire, b.typologie, b.financement, b.qpv, b.commune, b.periode
HAVING sum(b.proposes) <> 0 OR sum(b.attribues) <> 0;
COMMENT ON VIEW flux_mgmt.bilan_annuel IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8), from the counters: in-flux dwellings proposed (oriented) and attributed per landlord, year, réservataire, typology, financing, QPV, commune and construction period; sum over the columns you do not break down by';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.bailleur IS 'landlord';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.annee IS 'year: of the orientation for logements_proposes, of the lease for logements_attribues';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.reservataire IS 'réservataire; null for the landlord''s own pool';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.typologie IS 'T1 … T4, T5+ (rooms); null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.financement IS 'initial financing (PLAI, PLUS, PLS…); null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.qpv IS 'the dwelling lies in a quartier prioritaire de la politique de la ville';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.commune IS 'INSEE code of the dwelling''s commune';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.periode_construction IS 'construction period: avant 1949, 1949-1974, 1975-1989, 1990-2004, 2005 et plus; null when unknown';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.logements_proposes IS 'in-flux orientations of that year (every outcome, withdrawn ones included)';
COMMENT ON COLUMN flux_mgmt.bilan_annuel.logements_attribues IS 'in-flux attributions whose lease was signed that year';

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

-- The yearly report (DOMAIN §3.8) as a self-contained HTML document, and
-- the export of one réservataire's figures.  The document is built from
-- small pieces: escaped text, tables from jsonb rows, an SVG bar chart.

CREATE FUNCTION flux_mgmt.echapper_html(texte text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(
	texte, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;');
COMMENT ON FUNCTION flux_mgmt.echapper_html(text) IS
	'the text with & < > " and '' written as HTML (and XML) character references, safe in element content and quoted attributes';

CREATE FUNCTION flux_mgmt.nombre_fr(nombre numeric) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (SELECT pg_catalog.regexp_replace(pg_catalog.split_part(x.t, '.', 1), '(\d)(?=(\d{3})+$)', E'\\1\u202F', 'g')
			   || CASE WHEN pg_catalog.strpos(x.t, '.') > 0 THEN ',' || pg_catalog.split_part(x.t, '.', 2) ELSE '' END
		FROM (SELECT pg_catalog.trim_scale(nombre)::text AS t) AS x);
COMMENT ON FUNCTION flux_mgmt.nombre_fr(numeric) IS
	'a number written the French way: decimal comma, thousands separated by a narrow no-break space (12 345,5)';

-- One table cell from a jsonb value: numbers right-aligned in French, null
-- as a dash, anything else as escaped text.
CREATE FUNCTION flux_mgmt.html_cellule(valeur jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE pg_catalog.jsonb_typeof(valeur)
	WHEN 'number' THEN '<td class="n">' || flux_mgmt.nombre_fr((valeur #>> '{}')::numeric) || '</td>'
	WHEN 'string' THEN '<td>' || flux_mgmt.echapper_html(valeur #>> '{}') || '</td>'
	WHEN 'boolean' THEN '<td>' || CASE WHEN (valeur #>> '{}')::boolean THEN 'oui' ELSE 'non' END || '</td>'
	ELSE '<td class="n">—</td>' END;
COMMENT ON FUNCTION flux_mgmt.html_cellule(jsonb) IS
	'an HTML table cell from a jsonb value: a number in French (right-aligned), a string escaped, a boolean as oui/non, null or missing as a dash';

CREATE FUNCTION flux_mgmt.html_tableau(entetes text[], lignes jsonb, legende text DEFAULT NULL) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN '<table>' || coalesce('<caption>' || flux_mgmt.echapper_html(legende) || '</caption>', '')
	|| '<thead><tr>'
	|| (SELECT pg_catalog.string_agg('<th>' || flux_mgmt.echapper_html(e.titre) || '</th>', '' ORDER BY e.i)
		FROM unnest(entetes) WITH ORDINALITY AS e(titre, i))
	|| '</tr></thead><tbody>'
	|| coalesce((SELECT pg_catalog.string_agg(
					 '<tr>' || (SELECT pg_catalog.string_agg(flux_mgmt.html_cellule(c.valeur), '' ORDER BY c.j)
								FROM pg_catalog.jsonb_array_elements(l.ligne) WITH ORDINALITY AS c(valeur, j)) || '</tr>',
					 '' ORDER BY l.i)
				 FROM pg_catalog.jsonb_array_elements(lignes) WITH ORDINALITY AS l(ligne, i)
				 WHERE pg_catalog.jsonb_array_length(l.ligne) > 0),
				'<tr><td class="vide" colspan="' || pg_catalog.cardinality(entetes) || '">aucune donnée</td></tr>')
	|| '</tbody></table>';
COMMENT ON FUNCTION flux_mgmt.html_tableau(text[], jsonb, text) IS
	'an HTML table: escaped headers, one row per element of lignes (a jsonb array of arrays of cells, see html_cellule), "aucune donnée" when there is none; legende becomes the caption';

-- Entitlement versus charged per réservataire, horizontal bars: lignes is a
-- jsonb array of [label, droit, decomptes].
CREATE FUNCTION flux_mgmt.svg_droits_decomptes(lignes jsonb, titre text) RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	WITH l AS (
		SELECT x.i, x.ligne ->> 0 AS libelle, coalesce((x.ligne ->> 1)::numeric, 0) AS droit,
			   coalesce((x.ligne ->> 2)::numeric, 0) AS decomptes
		FROM pg_catalog.jsonb_array_elements(lignes) WITH ORDINALITY AS x(ligne, i)
	), e AS (
		SELECT greatest(1, max(greatest(l.droit, l.decomptes))) AS maximum, count(*) AS n FROM l
	)
	SELECT pg_catalog.format(
		'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="960" height="%s" viewBox="0 0 960 %s">'
		'<title>%s</title>'
		'<rect x="300" y="8" width="14" height="10" fill="#9dbcd4"/><text x="320" y="17" class="legende">droit</text>'
		'<rect x="380" y="8" width="14" height="10" fill="#1f4e79"/><text x="400" y="17" class="legende">décomptés</text>'
		'<line x1="300" y1="28" x2="300" y2="%s" stroke="#444" stroke-width="1"/>%s</svg>',
		48 + e.n * 36, 48 + e.n * 36, flux_mgmt.echapper_html(titre), 36 + e.n * 36,
		coalesce((SELECT pg_catalog.string_agg(pg_catalog.format(
			'<text x="292" y="%s" text-anchor="end">%s</text>'
			'<rect x="300" y="%s" width="%s" height="13" fill="#9dbcd4"/>'
			'<text x="%s" y="%s" class="valeur">%s</text>'
			'<rect x="300" y="%s" width="%s" height="13" fill="#1f4e79"/>'
			'<text x="%s" y="%s" class="valeur">%s</text>',
			32 + l.i * 36 - 10, flux_mgmt.echapper_html(CASE WHEN length(l.libelle) > 40 THEN left(l.libelle, 39) || '…' ELSE l.libelle END),
			32 + (l.i - 1) * 36 + 4, round(580 * l.droit / e.maximum, 1),
			306 + round(580 * l.droit / e.maximum, 1), 32 + (l.i - 1) * 36 + 15, flux_mgmt.nombre_fr(round(l.droit, 2)),
			32 + (l.i - 1) * 36 + 18, round(580 * l.decomptes / e.maximum, 1),
			306 + round(580 * l.decomptes / e.maximum, 1), 32 + (l.i - 1) * 36 + 29, flux_mgmt.nombre_fr(l.decomptes)),
			'' ORDER BY l.i) FROM l), ''))
	FROM e;
END;
COMMENT ON FUNCTION flux_mgmt.svg_droits_decomptes(jsonb, text) IS
	'an inline SVG bar chart of entitlement (light) versus charged (dark) per row of lignes, a jsonb array of [label, droit, decomptes]; labels escaped and cut at 40 characters';

-- The name a report gives a beneficiary.
CREATE FUNCTION flux_mgmt.nom_beneficiaire(reservataire text) RETURNS text
	LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN $1 IS NULL THEN 'Contingent propre du bailleur'
			ELSE coalesce((SELECT r.nom || ' (' || r.code || ')' FROM flux_mgmt.reservataire r WHERE r.code = $1), $1) END;
COMMENT ON FUNCTION flux_mgmt.nom_beneficiaire(text) IS
	'how the reports name a beneficiary: "name (code)" for a réservataire, "Contingent propre du bailleur" for null (the pool)';

-- The départements a landlord's report of a year covers: those with
-- counters that year, conventions in force that year or the next, or
-- forecasts for either.
CREATE FUNCTION flux_mgmt.departements_du_rapport(bailleur text, annee integer)
RETURNS SETOF text
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT d.departement FROM (
		SELECT flux_mgmt.departement(k.commune) AS departement FROM flux_mgmt.compteur k
		WHERE k.bailleur = $1 AND k.annee = $2
		UNION SELECT c.departement FROM flux_mgmt.convention c
		WHERE c.bailleur = $1 AND c.annee_debut <= $2 + 1 AND coalesce(c.annee_fin, 9999) >= $2
		UNION SELECT r.departement FROM flux_mgmt.rotation r WHERE r.bailleur = $1 AND r.annee IN ($2, $2 + 1)
		UNION SELECT s.departement FROM flux_mgmt.soustraction_prevue s WHERE s.bailleur = $1 AND s.annee IN ($2, $2 + 1)
		UNION SELECT m.departement FROM flux_mgmt.mise_en_service_prevue m WHERE m.bailleur = $1 AND m.annee IN ($2, $2 + 1)
	) AS d
	ORDER BY d.departement COLLATE "C";
END;
COMMENT ON FUNCTION flux_mgmt.departements_du_rapport(text, integer) IS
	'the départements the yearly report of a landlord covers: counters of the year, conventions in force that year or the next, forecasts (rotation, first lettings, subtractions) of either; no argument check';

-- The arguments of the reports: a landlord that exists, a calendar year
-- where it has something to report.
CREATE FUNCTION flux_mgmt.exiger_rapport(bailleur text, annee integer, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE PARALLEL SAFE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM exiger_bailleur(bailleur);
	IF annee NOT BETWEEN 1900 AND 2199 THEN
		PERFORM refuser(
			format('year %s in %s is out of range', annee, contexte),
			NULL,
			'Give the calendar year reported on, such as 2025 for the report sent before 28 February 2026.',
			'invalid_parameter_value');
	END IF;
	IF NOT EXISTS (SELECT FROM departements_du_rapport(bailleur, annee)) THEN
		PERFORM refuser(
			format('landlord %L has nothing to report for %s', bailleur, annee),
			'It has no orientation or lease counted that year, no convention in force that year or the next, and no forecast for either.',
			'Check the year: it is the year reported on (N-1 for the report sent before 28 February of N).',
			'foreign_key_violation');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_rapport(text, integer, text) IS
	'raises the error of the first invalid argument of a report: unknown landlord (23503), year outside 1900-2199 (22023), a year with nothing to report (23503)';

-- The forecast of the next year in one département, as HTML: the flux and
-- the shares, or what is missing to compute them.
CREATE FUNCTION flux_mgmt.html_flux_previsionnel(bailleur text, departement text, annee integer) RETURNS text
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	f record;
	parts jsonb;
	message text;
	conseil text;
BEGIN
	BEGIN
		SELECT * INTO f FROM flux_previsionnel(bailleur, departement, annee);
		SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(p.reservataire), p.taux, round(p.droit, 2), p.droit_entier))
		INTO parts
		FROM parts_annuelles(bailleur, departement, annee) AS p;
	EXCEPTION WHEN foreign_key_violation OR check_violation THEN
		-- a missing rotation rate, a negative flux: say so in the report
		GET STACKED DIAGNOSTICS message = MESSAGE_TEXT, conseil = PG_EXCEPTION_HINT;
		RETURN format('<p class="alerte">Flux prévisionnel %s non calculable : %s.</p><p class="conseil">%s</p>',
					  annee, echapper_html(message), echapper_html(conseil));
	END;
	RETURN html_tableau(
			   ARRAY['Assiette au 1er janvier', 'Taux de rotation (%)', 'Relocations', 'Mises en service', 'Soustractions prévues', 'Flux net'],
			   jsonb_build_array(jsonb_build_array(f.assiette, f.taux_rotation, f.relocations, f.mises_en_service, f.soustractions, f.flux_net)),
			   format('Flux prévisionnel %s', annee))
		|| html_tableau(ARRAY['Réservataire', 'Part (%)', 'Droit', 'Logements'], parts,
						format('Droits prévisionnels %s par réservataire', annee));
END
$$;
COMMENT ON FUNCTION flux_mgmt.html_flux_previsionnel(text, text, integer) IS
	'the forecast flux and shares of a landlord in a département for a year as HTML tables (flux_previsionnel, parts_annuelles); when they cannot be computed (no rotation rate, a negative flux) a paragraph gives the reason and the hint instead of an error';

CREATE FUNCTION flux_mgmt.rapport_annuel(bailleur text, annee integer) RETURNS text
	LANGUAGE plpgsql STABLE STRICT
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	b flux_mgmt.bailleur;
	d text;
	r record;
	html text;
	lignes jsonb;
	barres jsonb;
	motifs CONSTANT jsonb := '{"mutation_interne": "Mutations internes", "renouvellement_urbain": "Relogements (renouvellement urbain)", "copropriete_degradee": "Relogements (copropriétés dégradées)", "habitat_indigne": "Relogements (lutte contre l''habitat indigne)", "vente": "Relogements liés aux ventes"}';
BEGIN
	PERFORM exiger_rapport(bailleur, annee, 'rapport_annuel');
	SELECT * INTO b FROM flux_mgmt.bailleur x WHERE x.code = rapport_annuel.bailleur;
	html := format(
		'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Bilan annuel %1$s de la gestion en flux — %2$s</title>'
		'<style>body{font-family:"DejaVu Sans",Arial,sans-serif;font-size:13px;margin:24px 32px;color:#222}'
		'h1{font-size:22px;color:#1f4e79}h2{font-size:17px;color:#1f4e79;border-bottom:2px solid #1f4e79;margin-top:28px}'
		'h3{font-size:14px;margin:16px 0 6px}table{border-collapse:collapse;margin:6px 12px 10px 0;display:inline-table;vertical-align:top}'
		'caption{font-weight:bold;text-align:left;padding:2px 0}th,td{border:1px solid #bbb;padding:3px 7px}'
		'th{background:#e8eef5}td.n{text-align:right;white-space:nowrap}td.vide{color:#777;font-style:italic}'
		'.alerte{color:#9a3b00;font-weight:bold}.conseil{color:#555}svg text{font-size:12px;fill:#222}svg text.valeur{font-size:11px}'
		'</style></head><body>'
		'<h1>Bilan annuel %1$s de la gestion en flux</h1>'
		'<p>Bailleur : <strong>%2$s</strong> (%3$s%4$s). Bilan de l''année %1$s prévu par l''article R441-5-1 du code de la construction et de l''habitation, '
		'à adresser avant le 28 février %5$s à chaque réservataire, aux EPCI et EPT concernés et à la conférence intercommunale du logement. '
		'Établi le %6$s à partir des compteurs de flux_mgmt.</p>',
		annee, echapper_html(b.nom), echapper_html(b.code), coalesce(', SIREN ' || echapper_html(b.siren), ''), annee + 1,
		to_char(current_date, 'DD/MM/YYYY'));

	-- 1. entitlements and charges, per département
	html := html || format('<h2>1. Droits et logements décomptés en %s</h2>', annee);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(a.reservataire), a.taux, a.flux_realise, round(a.droit, 2),
										   a.decomptes, round(a.ecart, 2), a.en_cours, a.carences)
						 ORDER BY a.reservataire IS NULL, a.reservataire COLLATE "C"),
			   jsonb_agg(jsonb_build_array(nom_beneficiaire(a.reservataire), a.droit, a.decomptes)
						 ORDER BY a.reservataire IS NULL, a.reservataire COLLATE "C")
		INTO lignes, barres
		FROM atteinte_annuelle(bailleur, d, annee) AS a;
		html := html || format('<h3>Département %s</h3>', echapper_html(d))
			|| html_tableau(ARRAY['Réservataire', 'Part (%)', 'Flux réalisé', 'Droit', 'Décomptés', 'Écart', 'En cours', 'Carences'],
							lignes)
			|| '<div>' || svg_droits_decomptes(barres, format('Droit et logements décomptés par réservataire, département %s, %s', d, annee))
			|| '</div>';
	END LOOP;

	-- 2. proposed and attributed dwellings, R441-5-1 breakdowns
	html := html || format('<h2>2. Logements proposés et attribués en %s</h2>', annee)
		|| '<p>Logements du flux orientés vers chaque réservataire (proposés, dans l''année de l''orientation) et attribués (bail signé dans l''année).</p>'
		|| html_tableau(ARRAY['Réservataire', 'Proposés', 'Attribués'],
						(SELECT jsonb_agg(jsonb_build_array(nom_beneficiaire(t.reservataire), t.p, t.a)
										  ORDER BY t.reservataire IS NULL, t.reservataire COLLATE "C")
						 FROM (SELECT x.reservataire, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
							   FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
							   GROUP BY x.reservataire) AS t),
						'Ensemble');
	FOR r IN SELECT x.reservataire FROM bilan_annuel x
			 WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
			 GROUP BY x.reservataire
			 ORDER BY x.reservataire IS NULL, x.reservataire COLLATE "C" LOOP
		html := html || format('<h3>%s</h3>', echapper_html(nom_beneficiaire(r.reservataire))) || (
			SELECT string_agg(html_tableau(ARRAY[c.titre, 'Proposés', 'Attribués'], c.lignes), '' ORDER BY c.ordre)
			FROM (SELECT 1 AS ordre, 'Typologie' AS titre,
						 jsonb_agg(jsonb_build_array(coalesce(g.cle, 'non renseignée'), g.p, g.a) ORDER BY g.cle) AS lignes
				  FROM (SELECT x.typologie AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 2, 'Financement', jsonb_agg(jsonb_build_array(coalesce(upper(g.cle), 'non renseigné'), g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.financement::text AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 3, 'Localisation', jsonb_agg(jsonb_build_array(CASE WHEN g.cle THEN 'en QPV' ELSE 'hors QPV' END, g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.qpv AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g
				  UNION ALL
				  SELECT 4, 'Commune', jsonb_agg(jsonb_build_array(g.nom, g.p, g.a) ORDER BY g.cle)
				  FROM (SELECT x.commune AS cle, coalesce(m.nom || ' (' || x.commune || ')', x.commune::text) AS nom,
							   sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x LEFT JOIN commune m ON m.code = x.commune
						WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1, 2) AS g
				  UNION ALL
				  SELECT 5, 'Période de construction', jsonb_agg(jsonb_build_array(coalesce(g.cle, 'non renseignée'), g.p, g.a)
															   ORDER BY g.cle <> 'avant 1949', g.cle)
				  FROM (SELECT x.periode_construction AS cle, sum(x.logements_proposes) AS p, sum(x.logements_attribues) AS a
						FROM bilan_annuel x WHERE x.bailleur = rapport_annuel.bailleur AND x.annee = rapport_annuel.annee
						  AND x.reservataire IS NOT DISTINCT FROM r.reservataire GROUP BY 1) AS g) AS c);
	END LOOP;

	-- 3. subtractions, 4. forecast of the next year, per département
	html := html || format('<h2>3. Logements soustraits du flux</h2><p>Réalisé et prévu en %s, prévu en %s (articles R441-5 et suivants).</p>',
						   annee, annee + 1);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || html_tableau(
			ARRAY['Motif', format('Prévu %s', annee), format('Réalisé %s', annee), format('Prévu %s', annee + 1)],
			(SELECT jsonb_agg(jsonb_build_array(motifs ->> m.motif::text, n.prevu, coalesce(n.realise, 0), s.prevu) ORDER BY m.motif)
			 FROM unnest(enum_range(NULL::motif_soustraction)) AS m(motif)
			 LEFT JOIN bilan_soustractions n ON n.bailleur = rapport_annuel.bailleur AND n.departement = d
				  AND n.annee = rapport_annuel.annee AND n.motif = m.motif
			 LEFT JOIN bilan_soustractions s ON s.bailleur = rapport_annuel.bailleur AND s.departement = d
				  AND s.annee = rapport_annuel.annee + 1 AND s.motif = m.motif),
			format('Département %s', d));
	END LOOP;
	html := html || format('<h2>4. Flux prévisionnel %s par réservataire</h2>', annee + 1);
	FOR d IN SELECT departements_du_rapport(bailleur, annee) LOOP
		html := html || format('<h3>Département %s</h3>', echapper_html(d)) || html_flux_previsionnel(bailleur, d, annee + 1);
	END LOOP;

	-- 5. allocation objectives
	html := html || format('<h2>5. Objectifs d''attribution %s (article L441-1)</h2>', annee)
		|| '<p>O1 : hors QPV, attributions au premier quartile ou à des ménages relogés (renouvellement urbain, ORCOD) ; '
		|| 'O2 : en QPV, attributions aux quartiles 2 à 4 ; O3 : chaque réservataire autre que l''État, ménages DALO ou prioritaires ; '
		|| 'O4 : contingent propre du bailleur et logements repris, ménages DALO ou prioritaires. Le manque est le nombre d''attributions qu''il aurait fallu en plus pour atteindre la cible.</p>'
		|| html_tableau(ARRAY['Objectif', 'Périmètre', 'Attributions concernées', 'Conformes', 'Taux (%)', 'Cible (%)', 'Manque'],
						(SELECT jsonb_agg(jsonb_build_array(o.objectif,
															CASE WHEN o.reservataire IS NOT NULL THEN nom_beneficiaire(o.reservataire)
																 WHEN o.epci IS NOT NULL THEN coalesce(o.epci_nom, o.epci) || ' (' || o.epci || ')'
																 WHEN o.objectif = 'O4' THEN 'Contingent propre du bailleur'
																 ELSE 'Ensemble du patrimoine' END,
															o.denominateur, o.numerateur, o.taux, o.cible, o.manque)
										  ORDER BY o.objectif, o.epci IS NOT NULL, o.epci_nom, o.reservataire COLLATE "C")
						 FROM objectifs_attribution o
						 WHERE o.bailleur = rapport_annuel.bailleur AND o.annee = rapport_annuel.annee));
	RETURN html || '</body></html>';
END
$$;
COMMENT ON FUNCTION flux_mgmt.rapport_annuel(text, integer) IS
	'the yearly report of CCH R441-5-1 (DOMAIN §3.8) of a landlord for the year reported on (N-1, sent before 28 February of N), as a self-contained HTML document in French: entitlements and charges per réservataire with an SVG chart, proposed and attributed dwellings per réservataire by typology, financing, QPV, commune and construction period, subtractions forecast and actual (and forecast for N), the forecast flux of N per réservataire (or why it cannot be computed), objectives O1-O4 with shortfalls; every figure from the counters; errors for an unknown landlord (23503), a year out of range (22023) or with nothing to report (23503)';

CREATE FUNCTION flux_mgmt.export_reservataire(bailleur text, reservataire text, annee integer) RETURNS jsonb
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
		EXCEPTION WHEN foreign_key_violation OR check_violation THEN
			GET STACKED DIAGNOSTICS message = MESSAGE_TEXT;
			part := jsonb_build_object('departement', d, 'annee', annee + 1, 'erreur', message);
		END;
		previsions := previsions || jsonb_build_array(part);
	END LOOP;
	RETURN jsonb_build_object(
		'format', 'flux_mgmt.export_reservataire 1',
		'bailleur', (SELECT jsonb_build_object('code', b.code, 'nom', b.nom, 'siren', b.siren)
					 FROM flux_mgmt.bailleur b WHERE b.code = export_reservataire.bailleur),
		'reservataire', (SELECT jsonb_build_object('code', r.code, 'nom', r.nom, 'type', r.type)
						 FROM flux_mgmt.reservataire r WHERE r.code = export_reservataire.reservataire),
		'annee', annee,
		'atteinte', coalesce((
			SELECT jsonb_agg(jsonb_build_object('departement', x.d, 'taux', a.taux, 'flux_realise', a.flux_realise, 'droit', a.droit,
												'decomptes', a.decomptes, 'ecart', a.ecart, 'en_cours', a.en_cours, 'carences', a.carences)
							 ORDER BY x.d)
			FROM departements_du_rapport(bailleur, annee) AS x(d)
			CROSS JOIN LATERAL atteinte_annuelle(bailleur, x.d, annee) AS a
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
	'a réservataire''s figures of a year with one landlord, as jsonb for its own systems: atteinte per département, the bilan_annuel rows (commune, typology, financing, QPV, construction period: proposed and attributed), its objective O3, and the forecast of the next year per département where it has a convention then (taux, droit, droit_entier, or erreur when the forecast cannot be computed); errors for an unknown landlord or réservataire (23503), a year out of range (22023), a réservataire with nothing with that landlord that year (23503)';
