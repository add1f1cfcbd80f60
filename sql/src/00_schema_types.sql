-- flux_mgmt: "gestion en flux" of social-housing reservations, install script of the current
-- version.  It is built by `make` from sql/src/*.sql, concatenated in name order: edit those files,
-- never the built sql/flux_mgmt--<version>.sql.  Released scripts (sql/flux_mgmt--0.1.sql) are
-- frozen; every change also goes into the upgrade script from the last release
-- (sql/updates/0.1--0.2/), and test/upgrade.sh proves both give the same extension.
-- See README.md for the reference and DOMAIN.md (shared) for the rules.
--
-- Part 00_schema_types: the extension's schema, the code_insee type with its operators and index
-- support, and the enums used by every table.

\echo Use "CREATE EXTENSION flux_mgmt" to load this file. \quit

-- Every name below resolves in pg_catalog or flux_mgmt only, whatever the
-- installer's search_path: SQL-standard function bodies and views bind their
-- functions and operators now, once and for all.  CREATE EXTENSION restores
-- the installer's path afterwards.
SELECT pg_catalog.set_config('search_path', 'pg_catalog, flux_mgmt, pg_temp', true);

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

CREATE TYPE flux_mgmt.mode_gestion AS ENUM ('directe', 'deleguee');
COMMENT ON TYPE flux_mgmt.mode_gestion IS
	'who designates the candidates for a dwelling oriented under a convention (DOMAIN §3.10): directe, the réservataire (the default); deleguee, the landlord on its behalf, by agreement (no delay, no carence)';

CREATE TYPE flux_mgmt.financement AS ENUM ('plai', 'plus', 'pls', 'pli', 'pla', 'hlm_o', 'autre');
COMMENT ON TYPE flux_mgmt.financement IS
	'initial financing product of a dwelling (RPLS FINAN grouped, see financement_rpls)';

