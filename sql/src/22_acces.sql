-- flux_mgmt install script, part 22_acces: who may read and write what.
--
-- The profiles a DBA grants a role (accorder_profil, in part 95 with the policies), the table
-- they are kept in (acces), the caller's scope (portee()) and the tests on it that the row-level
-- policies and the figure readers filter with.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Profiles: one shared ledger, each party in its own rows
--
-- The reform has the landlord orient, the réservataires check how their
-- dwellings are used, the CIL follow its territory and the State consolidate
-- (DOMAIN §1).  A role is given profiles, each for one landlord or all:
--   saisie          landlord staff: reads the landlord's rows, records its
--                   events and dwellings;
--   administration  also writes its conventions, forecasts and stock rights;
--   lecture         reads the landlord's rows, writes nothing (an auditor, a
--                   reporting tool);
--   reservataire    one réservataire: its orientations and what they point at
--                   (vacancy, dwelling, lease), its conventions, and its lines
--                   of the figures with the true totals of its scope;
--   territoire      a CIL, an EPCI or EPT (by SIREN): the dwellings,
--                   vacancies and orientations of its communes (no household
--                   flags) and the figures of its territory;
--   observatoire    every figure line (atteinte, objectifs_attribution,
--                   bilan_annuel), no row of the events.
-- Row-level security does not restrict superusers, BYPASSRLS roles and
-- members of the tables' owner: they see everything, as before.
--------------------------------------------------------------------------------

CREATE TYPE flux_mgmt.profil AS ENUM ('saisie', 'administration', 'lecture', 'reservataire', 'territoire', 'observatoire');
COMMENT ON TYPE flux_mgmt.profil IS
	'what a role may do with a landlord''s rows: saisie (read, record events and dwellings), administration (also conventions, forecasts, stock rights), lecture (read), reservataire (its own rows and lines), territoire (the rows of a territory''s communes), observatoire (every figure line, no event row)';

CREATE TABLE flux_mgmt.acces (
	role regrole NOT NULL,
	profil flux_mgmt.profil NOT NULL,
	bailleur text REFERENCES flux_mgmt.bailleur ON UPDATE CASCADE ON DELETE CASCADE,
	reservataire text REFERENCES flux_mgmt.reservataire ON UPDATE CASCADE ON DELETE CASCADE,
	territoire text,
	CONSTRAINT acces_cle UNIQUE NULLS NOT DISTINCT (role, profil, bailleur, reservataire, territoire),
	CONSTRAINT acces_reservataire CHECK ((profil = 'reservataire') = (reservataire IS NOT NULL)),
	CONSTRAINT acces_territoire CHECK ((profil = 'territoire') = (territoire IS NOT NULL)),
	CONSTRAINT acces_territoire_siren CHECK (territoire ~ '^[0-9]{9}$')
);
COMMENT ON TABLE flux_mgmt.acces IS
	'the profiles granted to roles (written by accorder_profil and retirer_profil, read by portee()): a role may read and write what its profiles, and those of the roles whose rights it has, allow; no role but the owner reads or writes it';
COMMENT ON COLUMN flux_mgmt.acces.role IS 'the role (the rights of its members follow: a group role granted a profile gives it to every member that inherits)';
COMMENT ON COLUMN flux_mgmt.acces.profil IS 'saisie, administration, lecture, reservataire, territoire or observatoire';
COMMENT ON COLUMN flux_mgmt.acces.bailleur IS 'the landlord the profile applies to; null: every landlord';
COMMENT ON COLUMN flux_mgmt.acces.reservataire IS 'for the profile reservataire, which one';
COMMENT ON COLUMN flux_mgmt.acces.territoire IS 'for the profile territoire, the SIREN of the EPCI or EPT (flux_mgmt.commune.epci or .ept)';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.acces', '');
ALTER TABLE flux_mgmt.acces ENABLE ROW LEVEL SECURITY;

-- What a role may see, as arrays a policy tests a row against.  A landlord
-- given for "every landlord" is spelled out (there are few), a réservataire
-- or a commune as 'landlord|code'.
CREATE TYPE flux_mgmt.portee AS (
	tout boolean,
	lecture text[],
	saisie text[],
	administration text[],
	observatoire text[],
	reservataires text[],
	communes text[],
	territoires text[],
	administration_generale boolean,
	role regrole,
	jeton bigint
);
COMMENT ON TYPE flux_mgmt.portee IS
	'the scope of a role (portee()): tout (not restricted by row-level security), the landlords it reads in full, whose events it records, that it administers, whose figures it reads as an observatory, its réservataires, communes and territories as ''landlord|code'', whether it administers every landlord (then it creates and deletes landlords and writes the shared reference tables), the role, and the random token portee() gives each scope it issues (null from portee_de)';

CREATE FUNCTION flux_mgmt.portee_de(role regrole) RETURNS flux_mgmt.portee
	LANGUAGE sql STABLE SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH a AS (
		SELECT x.profil, x.bailleur, x.reservataire, x.territoire
		FROM flux_mgmt.acces x JOIN pg_catalog.pg_roles r ON r.oid = x.role
		WHERE pg_catalog.pg_has_role($1, r.oid, 'USAGE')
	), b AS (
		SELECT a.profil, l.code AS bailleur, a.reservataire, a.territoire
		FROM a JOIN flux_mgmt.bailleur l ON a.bailleur IS NULL OR a.bailleur = l.code
	)
	SELECT ROW(pg_catalog.pg_has_role($1, (SELECT c.relowner FROM pg_catalog.pg_class c
										   WHERE c.oid = 'flux_mgmt.acces'::pg_catalog.regclass), 'USAGE')
				 OR coalesce((SELECT r.rolsuper OR r.rolbypassrls FROM pg_catalog.pg_roles r WHERE r.oid = $1), false),
			   ARRAY(SELECT DISTINCT b.bailleur FROM b WHERE b.profil IN ('saisie', 'administration', 'lecture') ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur FROM b WHERE b.profil IN ('saisie', 'administration') ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur FROM b WHERE b.profil = 'administration' ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur FROM b WHERE b.profil = 'observatoire' ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur || '|' || b.reservataire FROM b WHERE b.profil = 'reservataire' ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur || '|' || m.code::text
					 FROM b JOIN flux_mgmt.commune m ON b.territoire IN (m.epci, m.ept)
					 WHERE b.profil = 'territoire' ORDER BY 1),
			   ARRAY(SELECT DISTINCT b.bailleur || '|' || b.territoire FROM b WHERE b.profil = 'territoire' ORDER BY 1),
			   EXISTS (SELECT FROM a WHERE a.profil = 'administration' AND a.bailleur IS NULL),
			   $1,
			   NULL::bigint
		   )::flux_mgmt.portee;
END;
COMMENT ON FUNCTION flux_mgmt.portee_de(regrole) IS
	'the scope of a role from its profiles and those of the roles whose rights it has (pg_has_role USAGE), every landlord spelled out; what portee() computes, for the owner to inspect a role; EXECUTE is granted explicitly (not to PUBLIC)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.portee_de(regrole) FROM PUBLIC;

CREATE FUNCTION flux_mgmt.portee() RETURNS flux_mgmt.portee
	AS 'MODULE_PATHNAME', 'flux_portee' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.portee() IS
	'the scope of the current role (portee_de), computed once a statement (src/portee.c); tout, without a query, for a superuser, a BYPASSRLS role or a member of the tables'' owner: what the policies test and the views hand to the figure readers';

CREATE FUNCTION flux_mgmt.portee_sure(p flux_mgmt.portee) RETURNS flux_mgmt.portee
	AS 'MODULE_PATHNAME', 'flux_portee_sure' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION flux_mgmt.portee_sure(flux_mgmt.portee) IS
	'p as it is when portee() issued it in this transaction (its random token included), else 42501: how a reader that runs as the owner trusts the scope it is handed (one written by hand, or a SECURITY DEFINER function''s caller''s, is refused)';

-- The tests on a scope.  Plain SQL expressions; in the policies the scope
-- is an InitPlan, (SELECT flux_mgmt.portee()), computed once a statement.
CREATE FUNCTION flux_mgmt.lit_bailleur(p flux_mgmt.portee, bailleur text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR bailleur = ANY (p.lecture);
COMMENT ON FUNCTION flux_mgmt.lit_bailleur(flux_mgmt.portee, text) IS 'the scope reads every row of the landlord (saisie, administration, lecture, or unrestricted)';

CREATE FUNCTION flux_mgmt.ecrit_evenements(p flux_mgmt.portee, bailleur text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR bailleur = ANY (p.saisie);
COMMENT ON FUNCTION flux_mgmt.ecrit_evenements(flux_mgmt.portee, text) IS 'the scope records the landlord''s events and dwellings (saisie, administration)';

CREATE FUNCTION flux_mgmt.administre(p flux_mgmt.portee, bailleur text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR bailleur = ANY (p.administration);
COMMENT ON FUNCTION flux_mgmt.administre(flux_mgmt.portee, text) IS 'the scope writes the landlord''s conventions, forecasts and stock rights (administration)';

CREATE FUNCTION flux_mgmt.lit_reservataire(p flux_mgmt.portee, bailleur text, reservataire text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR (bailleur || '|' || reservataire) = ANY (p.reservataires);
COMMENT ON FUNCTION flux_mgmt.lit_reservataire(flux_mgmt.portee, text, text) IS 'the scope is that réservataire''s for that landlord (false for a null réservataire)';

CREATE FUNCTION flux_mgmt.lit_commune(p flux_mgmt.portee, bailleur text, commune flux_mgmt.code_insee) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR (bailleur || '|' || commune::text) = ANY (p.communes);
COMMENT ON FUNCTION flux_mgmt.lit_commune(flux_mgmt.portee, text, flux_mgmt.code_insee) IS 'the commune lies in one of the scope''s territories, for that landlord';

CREATE FUNCTION flux_mgmt.lit_territoire(p flux_mgmt.portee, bailleur text, territoire text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR (bailleur || '|' || territoire) = ANY (p.territoires);
COMMENT ON FUNCTION flux_mgmt.lit_territoire(flux_mgmt.portee, text, text) IS 'the territory (SIREN of an EPCI or EPT) is one of the scope''s, for that landlord';

CREATE FUNCTION flux_mgmt.lit_chiffres(p flux_mgmt.portee, bailleur text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN p.tout OR bailleur = ANY (p.lecture) OR bailleur = ANY (p.observatoire);
COMMENT ON FUNCTION flux_mgmt.lit_chiffres(flux_mgmt.portee, text) IS 'the scope reads every figure line of the landlord (a full reader, or an observatory)';

CREATE FUNCTION flux_mgmt.connait_bailleur(p flux_mgmt.portee, bailleur text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN flux_mgmt.lit_chiffres(p, bailleur)
	OR EXISTS (SELECT FROM unnest(p.reservataires || p.territoires) AS x (cle)
			   WHERE pg_catalog.starts_with(x.cle, bailleur || '|'));
COMMENT ON FUNCTION flux_mgmt.connait_bailleur(flux_mgmt.portee, text) IS 'the scope has some profile for the landlord (then it may see, say, the years and départements the landlord has figures for, and its pool''s line)';

CREATE FUNCTION flux_mgmt.lit_bailleur_courant(bailleur text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN flux_mgmt.lit_bailleur(flux_mgmt.portee(), bailleur);
COMMENT ON FUNCTION flux_mgmt.lit_bailleur_courant(text) IS 'the current role reads every row of the landlord: the policy on the counters, which the engine''s C readers apply to the landlord they read (src/lecture_moteur.c)';

CREATE FUNCTION flux_mgmt.peut_verrouiller(bailleur text) RETURNS boolean
	LANGUAGE sql STABLE PARALLEL RESTRICTED
RETURN flux_mgmt.ecrit_evenements(flux_mgmt.portee(), bailleur);
COMMENT ON FUNCTION flux_mgmt.peut_verrouiller(text) IS 'the current role records the landlord''s events (saisie, administration, or unrestricted): verrouiller_bailleurs() locks only such landlords (src/verrous.c)';

-- A line of figures for one beneficiary (reservataire null: the pool): a
-- full reader and an observatory see every line, a réservataire its own and
-- the pool's (the remainder it shares), a territory the lines of the
-- territorial réservataires whose territory is within it.
CREATE FUNCTION flux_mgmt.lit_ligne(p flux_mgmt.portee, bailleur text, reservataire text) RETURNS boolean
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN flux_mgmt.lit_chiffres(p, bailleur)
	OR flux_mgmt.lit_reservataire(p, bailleur, reservataire)
	OR (reservataire IS NULL
		AND EXISTS (SELECT FROM unnest(p.reservataires) AS x (cle) WHERE pg_catalog.starts_with(x.cle, bailleur || '|')));
COMMENT ON FUNCTION flux_mgmt.lit_ligne(flux_mgmt.portee, text, text) IS 'the scope sees the figure line of that beneficiary of the landlord (null: the pool): every line for a full reader or an observatory, its own and the pool''s for a réservataire';

-- The functions that compute from a landlord's rows in full (its dwellings
-- for the assiette, every convention for the shares) refuse a caller whose
-- rows the policies would cut (the current role: run as the owner by a
-- figure reader, they read everything): the result would be silently wrong.
CREATE FUNCTION flux_mgmt.exiger_lecture(bailleur text, contexte text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT flux_mgmt.lit_bailleur(flux_mgmt.portee(), $1) THEN
		PERFORM flux_mgmt.refuser(
			format('role %s may not read every row of landlord %L (%s)', current_user, $1, $2),
			'Its profiles (flux_mgmt.portee()) do not include saisie, administration or lecture for that landlord.',
			'A réservataire, a territory or an observatory reads its figures in the views atteinte, objectifs_attribution and bilan_annuel and in export_reservataire(); else ask the owner for a profile: flux_mgmt.accorder_profil(role, ''lecture'', bailleur).',
			'insufficient_privilege');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_lecture(text, text) IS
	'raises 42501 unless the current role reads every row of the landlord (profiles saisie, administration, lecture, or unrestricted by row-level security); contexte names what needs it';
