-- flux_mgmt install script, part 95_acces_politiques: the row-level policies, and the profiles
-- granted.
--
-- Every table holding a landlord's rows (dwellings, events, conventions, forecasts, stock rights,
-- counters) has row-level security: a role restricted by it reads and writes only the rows its
-- profiles (part 22) allow.  accorder_profil() grants a role a profile and the table rights that
-- go with it; retirer_profil() takes it back.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- The way back from a row to its landlord, for a réservataire: a vacancy or a
-- dwelling is its own when one of its orientations is.  The orientations
-- point at the vacancy, not the other way round, so the vacancy's policy
-- cannot follow a key without looping (orientation → vacance → orientation);
-- these run as the owner and answer for the scope the policy hands them,
-- which they trust only if this statement issued it (portee_sure).
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.vacance_orientee(p flux_mgmt.portee, vacance_id bigint) RETURNS boolean
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH moi AS (SELECT flux_mgmt.portee_sure($1) AS p)
	SELECT EXISTS (
		SELECT FROM moi, flux_mgmt.orientation o
		JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		JOIN flux_mgmt.logement l ON l.id = v.logement_id
		WHERE o.vacance_id = $2 AND o.reservataire IS NOT NULL
		  AND flux_mgmt.lit_reservataire(moi.p, l.bailleur, o.reservataire));
END;
COMMENT ON FUNCTION flux_mgmt.vacance_orientee(flux_mgmt.portee, bigint) IS
	'whether the vacancy was oriented to one of the scope''s réservataires (profiles reservataire): how a réservataire''s policy reaches a vacancy from its orientations; the scope must be one portee() issued in this transaction';

CREATE FUNCTION flux_mgmt.logement_oriente(p flux_mgmt.portee, logement_id bigint) RETURNS boolean
	LANGUAGE sql STABLE SECURITY DEFINER PARALLEL RESTRICTED
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	WITH moi AS (SELECT flux_mgmt.portee_sure($1) AS p)
	SELECT EXISTS (
		SELECT FROM moi, flux_mgmt.vacance v
		JOIN flux_mgmt.orientation o ON o.vacance_id = v.id
		JOIN flux_mgmt.logement l ON l.id = v.logement_id
		WHERE v.logement_id = $2 AND o.reservataire IS NOT NULL
		  AND flux_mgmt.lit_reservataire(moi.p, l.bailleur, o.reservataire));
END;
COMMENT ON FUNCTION flux_mgmt.logement_oriente(flux_mgmt.portee, bigint) IS
	'whether one of the dwelling''s vacancies was oriented to one of the scope''s réservataires: how a réservataire''s policy reaches a dwelling; the scope must be one portee() issued in this transaction';

--------------------------------------------------------------------------------
-- The policies.  Permissive, one for reading and one for each kind of write;
-- the scope, the current role's, is an InitPlan, computed once a statement.  Foreign-key checks
-- and the extension's triggers run as the owner, whom the policies do not
-- restrict: a clerk's orientation is checked against every convention.
--------------------------------------------------------------------------------

-- Landlords: everyone reads the list; an administrator renames its own, an
-- administrator of every landlord creates and deletes them.
ALTER TABLE flux_mgmt.bailleur ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.bailleur FOR SELECT USING (true);
CREATE POLICY creation ON flux_mgmt.bailleur FOR INSERT
	WITH CHECK ((SELECT (flux_mgmt.portee()).administration_generale));
CREATE POLICY suppression ON flux_mgmt.bailleur FOR DELETE
	USING ((SELECT (flux_mgmt.portee()).administration_generale));
CREATE POLICY administration ON flux_mgmt.bailleur FOR UPDATE
	USING (flux_mgmt.administre((SELECT flux_mgmt.portee()), code))
	WITH CHECK (flux_mgmt.administre((SELECT flux_mgmt.portee()), code));

ALTER TABLE flux_mgmt.logement ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.logement FOR SELECT
	USING (flux_mgmt.lit_bailleur((SELECT flux_mgmt.portee()), bailleur)
		   OR flux_mgmt.lit_commune((SELECT flux_mgmt.portee()), bailleur, commune)
		   OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), bailleur, reservataire_stock)
		   OR flux_mgmt.logement_oriente((SELECT flux_mgmt.portee()), id));
CREATE POLICY saisie ON flux_mgmt.logement FOR INSERT
	WITH CHECK (flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), bailleur));
CREATE POLICY correction ON flux_mgmt.logement FOR UPDATE
	USING (flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), bailleur))
	WITH CHECK (flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), bailleur));
CREATE POLICY suppression ON flux_mgmt.logement FOR DELETE
	USING (flux_mgmt.administre((SELECT flux_mgmt.portee()), bailleur));

ALTER TABLE flux_mgmt.vacance ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.vacance FOR SELECT
	USING (EXISTS (SELECT FROM flux_mgmt.logement l
				   WHERE l.id = logement_id
					 AND (flux_mgmt.lit_bailleur((SELECT flux_mgmt.portee()), l.bailleur)
						  OR flux_mgmt.lit_commune((SELECT flux_mgmt.portee()), l.bailleur, l.commune)))
		   OR flux_mgmt.vacance_orientee((SELECT flux_mgmt.portee()), id));
CREATE POLICY saisie ON flux_mgmt.vacance FOR ALL
	USING (EXISTS (SELECT FROM flux_mgmt.logement l
				   WHERE l.id = logement_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)))
	WITH CHECK (EXISTS (SELECT FROM flux_mgmt.logement l
						WHERE l.id = logement_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)));

ALTER TABLE flux_mgmt.orientation ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.orientation FOR SELECT
	USING (EXISTS (SELECT FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
				   WHERE v.id = vacance_id
					 AND (flux_mgmt.lit_bailleur((SELECT flux_mgmt.portee()), l.bailleur)
						  OR flux_mgmt.lit_commune((SELECT flux_mgmt.portee()), l.bailleur, l.commune)
						  OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), l.bailleur, reservataire))));
CREATE POLICY saisie ON flux_mgmt.orientation FOR ALL
	USING (EXISTS (SELECT FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
				   WHERE v.id = vacance_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)))
	WITH CHECK (EXISTS (SELECT FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
						WHERE v.id = vacance_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)));

-- Leases carry the households' flags: the landlord and the réservataire
-- only, not a territory.
ALTER TABLE flux_mgmt.attribution ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.attribution FOR SELECT
	USING (EXISTS (SELECT FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
				   JOIN flux_mgmt.logement l ON l.id = v.logement_id
				   WHERE o.id = orientation_id
					 AND (flux_mgmt.lit_bailleur((SELECT flux_mgmt.portee()), l.bailleur)
						  OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), l.bailleur, o.reservataire))));
CREATE POLICY saisie ON flux_mgmt.attribution FOR ALL
	USING (EXISTS (SELECT FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
				   JOIN flux_mgmt.logement l ON l.id = v.logement_id
				   WHERE o.id = orientation_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)))
	WITH CHECK (EXISTS (SELECT FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
						JOIN flux_mgmt.logement l ON l.id = v.logement_id
						WHERE o.id = orientation_id AND flux_mgmt.ecrit_evenements((SELECT flux_mgmt.portee()), l.bailleur)));

-- Conventions and what hangs on them: the landlord reads them, the
-- réservataire its own; the administrator writes them.  The landlord's
-- forecasts and rates: its own staff.  The derived tables: read by the
-- landlord's staff (written by the extension only, as their owner:
-- garder_derivees); the figures of a réservataire, a territory or an
-- observatory come from the views, computed over every row.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN
		SELECT x.nom, x.lecture, x.ecrite
		FROM (VALUES
			('convention', 'OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), bailleur, reservataire)', true),
			('droit_stock', 'OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), bailleur, reservataire)', true),
			('convention_stock', 'OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), bailleur, reservataire)', true),
			('conversion', 'OR flux_mgmt.lit_reservataire((SELECT flux_mgmt.portee()), bailleur, reservataire)', true),
			('rotation', '', true), ('rotation_typologie', '', true),
			('mise_en_service_prevue', '', true), ('soustraction_prevue', '', true),
			('contribution', '', false), ('compteur', '', false), ('compteur_bilan', '', false), ('compteur_moteur', '', false)
		) AS x (nom, lecture, ecrite)
	LOOP
		EXECUTE format('ALTER TABLE flux_mgmt.%I ENABLE ROW LEVEL SECURITY', t.nom);
		EXECUTE format('CREATE POLICY lecture ON flux_mgmt.%I FOR SELECT
							USING (flux_mgmt.lit_bailleur((SELECT flux_mgmt.portee()), bailleur) %s)', t.nom, t.lecture);
		IF t.ecrite THEN
			EXECUTE format('CREATE POLICY administration ON flux_mgmt.%I FOR ALL
								USING (flux_mgmt.administre((SELECT flux_mgmt.portee()), bailleur))
								WITH CHECK (flux_mgmt.administre((SELECT flux_mgmt.portee()), bailleur))', t.nom);
		END IF;
	END LOOP;
END
$$;

-- What hangs on a convention or a conversion follows it.
ALTER TABLE flux_mgmt.objectif_indicatif ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.objectif_indicatif FOR SELECT
	USING (EXISTS (SELECT FROM flux_mgmt.convention c WHERE c.id = convention_id));
CREATE POLICY administration ON flux_mgmt.objectif_indicatif FOR ALL
	USING (EXISTS (SELECT FROM flux_mgmt.convention c
				   WHERE c.id = convention_id AND flux_mgmt.administre((SELECT flux_mgmt.portee()), c.bailleur)))
	WITH CHECK (EXISTS (SELECT FROM flux_mgmt.convention c
						WHERE c.id = convention_id AND flux_mgmt.administre((SELECT flux_mgmt.portee()), c.bailleur)));

ALTER TABLE flux_mgmt.conversion_palier ENABLE ROW LEVEL SECURITY;
CREATE POLICY lecture ON flux_mgmt.conversion_palier FOR SELECT
	USING (EXISTS (SELECT FROM flux_mgmt.conversion k WHERE k.id = conversion_id));
CREATE POLICY administration ON flux_mgmt.conversion_palier FOR ALL
	USING (EXISTS (SELECT FROM flux_mgmt.conversion k
				   WHERE k.id = conversion_id AND flux_mgmt.administre((SELECT flux_mgmt.portee()), k.bailleur)))
	WITH CHECK (EXISTS (SELECT FROM flux_mgmt.conversion k
						WHERE k.id = conversion_id AND flux_mgmt.administre((SELECT flux_mgmt.portee()), k.bailleur)));

--------------------------------------------------------------------------------
-- The yearly report of the others (rapport_annuel, 85_rapport.sql)
--------------------------------------------------------------------------------
-- The yearly report for a réservataire, a territory or an observatory: the
-- sections of the shared figures (rapport_annuel), for a landlord it has a
-- profile for and a year with lines of its.
CREATE FUNCTION flux_mgmt.exiger_rapport_partage(bailleur text, annee integer) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $1) THEN
		PERFORM flux_mgmt.refuser(format('unknown landlord %L', $1), NULL,
								  'Give the code of a row of flux_mgmt.bailleur.', 'foreign_key_violation');
	END IF;
	IF $2 IS NULL OR $2 NOT BETWEEN 1900 AND 2199 THEN
		PERFORM flux_mgmt.refuser(format('year %s in rapport_annuel is out of range', coalesce($2::text, 'null')), NULL,
								  'Give the calendar year reported on, such as 2025 for the report sent before 28 February 2026.',
								  'invalid_parameter_value');
	END IF;
	IF NOT flux_mgmt.connait_bailleur(flux_mgmt.portee(), $1) THEN
		PERFORM flux_mgmt.refuser(format('role %s has no profile for landlord %L', current_user, $1),
								  'The yearly report is for the landlord''s staff, and, its lines, for the réservataires, territories and observatories it concerns.',
								  'Ask the owner for a profile: flux_mgmt.accorder_profil(role, ''reservataire'', bailleur, reservataire => code).',
								  'insufficient_privilege');
	END IF;
	IF NOT EXISTS (SELECT FROM flux_mgmt.perimetres_atteinte($1) p WHERE p.annee = $2) THEN
		PERFORM flux_mgmt.refuser(format('landlord %L has nothing to report for %s', $1, $2), NULL,
								  'Check the year: it is the year reported on (N-1 for the report sent before 28 February of N).',
								  'foreign_key_violation');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_rapport_partage(text, integer) IS
	'the arguments of the yearly report read by a role without full read of the landlord: the landlord exists (23503), the year is in 1900-2199 (22023), the role has a profile for it (42501), and lines that year (23503)';

CREATE FUNCTION flux_mgmt.departements_du_rapport_pour(bailleur text, annee integer) RETURNS SETOF text
	LANGUAGE sql STABLE PARALLEL RESTRICTED
BEGIN ATOMIC
	SELECT d.d FROM flux_mgmt.departements_du_rapport($1, $2) AS d (d) WHERE flux_mgmt.lit_bailleur(flux_mgmt.portee(), $1)
	UNION
	SELECT p.departement FROM flux_mgmt.perimetres_atteinte($1) AS p
	WHERE p.annee = $2 AND NOT flux_mgmt.lit_bailleur(flux_mgmt.portee(), $1)
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.departements_du_rapport_pour(text, integer) IS
	'the départements of the yearly report for the current role: departements_du_rapport() for the landlord''s full readers, those of its lines of atteinte that year for the others';

--------------------------------------------------------------------------------
-- Granting a profile: the row in acces and the table rights that go with it.
-- A role's rights on the extension's objects are those of its profiles:
-- granting or withdrawing one rewrites them.
--------------------------------------------------------------------------------

-- What each profile is granted (besides USAGE on the schema).
CREATE FUNCTION flux_mgmt.droits_du_profil(profil flux_mgmt.profil)
RETURNS TABLE (privileges text, objets text[])
	LANGUAGE sql IMMUTABLE
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT d.privileges, d.objets
	FROM (VALUES
		-- everyone: the reference tables and the shared figures
		(NULL::flux_mgmt.profil, 'SELECT',
		 ARRAY['bailleur', 'reservataire', 'commune', 'territoire', 'cible_objectif', 'parametre_orientation', 'site',
			   'atteinte', 'objectifs_attribution', 'bilan_annuel']),
		-- every profile but the observatory: the rows, cut by the policies
		('saisie', 'SELECT', ARRAY['logement', 'vacance', 'orientation', 'attribution', 'convention', 'objectif_indicatif',
								   'rotation', 'rotation_typologie', 'mise_en_service_prevue', 'soustraction_prevue',
								   'droit_stock', 'convention_stock', 'conversion', 'conversion_palier',
								   'contribution', 'compteur', 'compteur_bilan', 'compteur_moteur']),
		-- the full readers of a landlord: the views that compute from its rows
		-- (under the policies a réservataire's or a territory's would be wrong)
		('lecture', 'SELECT',
		 ARRAY['bilan_soustractions', 'bilan_soustractions_mois', 'bail_hors_assiette', 'bilan_hors_assiette',
			   'bilan_hors_assiette_contingents', 'mixite_identification', 'mixite_dissimilarite',
			   'etat_des_lieux_logement', 'etat_des_lieux_commune', 'infraction', 'vacance_infraction',
			   'orientation_infraction', 'attribution_infraction', 'orientation_decompte', 'contribution_calculee']),
		('saisie', 'INSERT, UPDATE, DELETE', ARRAY['vacance', 'orientation', 'attribution']),
		('saisie', 'INSERT, UPDATE', ARRAY['logement']),
		('administration', 'DELETE', ARRAY['logement']),
		('administration', 'UPDATE (nom, siren)', ARRAY['bailleur']),
		('administration', 'INSERT, UPDATE, DELETE',
		 ARRAY['convention', 'objectif_indicatif', 'rotation', 'rotation_typologie', 'mise_en_service_prevue',
			   'soustraction_prevue', 'droit_stock', 'convention_stock', 'conversion', 'conversion_palier'])
	) AS d (profil, privileges, objets)
	WHERE d.profil IS NULL
	   OR d.profil = $1
	   OR (d.profil = 'saisie' AND d.privileges = 'SELECT' AND $1 <> 'observatoire')
	   OR (d.profil = 'saisie' AND $1 = 'administration')
	   OR (d.profil = 'lecture' AND $1 IN ('saisie', 'administration'));
END;
COMMENT ON FUNCTION flux_mgmt.droits_du_profil(flux_mgmt.profil) IS
	'the table rights a profile is granted (accorder_profil): every profile reads the reference tables and the views atteinte, objectifs_attribution, bilan_annuel; all but observatoire read the tables of rows (the policies cut them); the landlord''s full readers (saisie, administration, lecture) the other views, which compute from its rows; saisie records events and dwellings; administration also deletes dwellings, renames its landlord and writes conventions, forecasts and stock rights';

-- The functions that run as the owner for a scope portee() issued (the
-- figure readers, the export, the conversion, the policies' ways back): for
-- the roles with a profile (granted with it).
CREATE FUNCTION flux_mgmt.lecteurs_des_profils() RETURNS regprocedure[]
	LANGUAGE sql IMMUTABLE
RETURN ARRAY['flux_mgmt.perimetres_atteinte(flux_mgmt.portee, text)',
			 'flux_mgmt.atteinte_annuelle(flux_mgmt.portee, text, text, integer)',
			 'flux_mgmt.annees_compteurs(flux_mgmt.portee, text)', 'flux_mgmt.objectifs_annuels(flux_mgmt.portee, text, integer)',
			 'flux_mgmt.bilan_annuel_de(flux_mgmt.portee, text, integer)',
			 'flux_mgmt.export_reservataire(flux_mgmt.portee, text, text, integer)',
			 'flux_mgmt.convertir_en_conventions(flux_mgmt.portee, text, text, date, numeric, integer)',
			 'flux_mgmt.vacance_orientee(flux_mgmt.portee, bigint)',
			 'flux_mgmt.logement_oriente(flux_mgmt.portee, bigint)']::pg_catalog.regprocedure[];
COMMENT ON FUNCTION flux_mgmt.lecteurs_des_profils() IS
	'the SECURITY DEFINER functions that serve a scope portee() issued (the figure readers, export_reservataire, convertir_en_conventions, the policies'' ways back from an orientation): EXECUTE for the roles with a profile, not PUBLIC';
REVOKE EXECUTE ON FUNCTION flux_mgmt.perimetres_atteinte(flux_mgmt.portee, text),
	flux_mgmt.atteinte_annuelle(flux_mgmt.portee, text, text, integer), flux_mgmt.annees_compteurs(flux_mgmt.portee, text),
	flux_mgmt.objectifs_annuels(flux_mgmt.portee, text, integer), flux_mgmt.bilan_annuel_de(flux_mgmt.portee, text, integer),
	flux_mgmt.export_reservataire(flux_mgmt.portee, text, text, integer),
	flux_mgmt.convertir_en_conventions(flux_mgmt.portee, text, text, date, numeric, integer),
	flux_mgmt.vacance_orientee(flux_mgmt.portee, bigint), flux_mgmt.logement_oriente(flux_mgmt.portee, bigint) FROM PUBLIC;

-- Rewrites a role's rights on the extension's objects from its profiles.
CREATE FUNCTION flux_mgmt.appliquer_profils(role regrole) RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	d record;
	tables text;
BEGIN
	IF $1 IS NULL THEN
		PERFORM flux_mgmt.refuser('appliquer_profils needs a role', NULL,
								  'Call flux_mgmt.appliquer_profils(''role'').', 'null_value_not_allowed');
	END IF;
	SELECT string_agg(format('flux_mgmt.%I', c.relname), ', ' ORDER BY c.relname) INTO tables
	FROM pg_class c
	WHERE c.relnamespace = 'flux_mgmt'::regnamespace AND c.relkind IN ('r', 'v', 'p')
	  AND c.relname <> 'acces';
	EXECUTE format('REVOKE ALL ON %s FROM %s', tables, $1);
	EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM %s', array_to_string(flux_mgmt.lecteurs_des_profils(), ', '), $1);
	IF NOT EXISTS (SELECT FROM flux_mgmt.acces a WHERE a.role = $1) THEN
		EXECUTE format('REVOKE USAGE ON SCHEMA flux_mgmt FROM %s', $1);
		EXECUTE format('REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM %s', $1);
		RETURN;
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA flux_mgmt TO %s', $1);
	EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s', array_to_string(flux_mgmt.lecteurs_des_profils(), ', '), $1);
	FOR d IN
		SELECT DISTINCT r.privileges, o.objet
		FROM (SELECT DISTINCT a.profil FROM flux_mgmt.acces a WHERE a.role = $1) AS p
		CROSS JOIN LATERAL flux_mgmt.droits_du_profil(p.profil) AS r
		CROSS JOIN LATERAL unnest(r.objets) AS o (objet)
		ORDER BY 1, 2
	LOOP
		EXECUTE format('GRANT %s ON flux_mgmt.%I TO %s', d.privileges, d.objet, $1);
	END LOOP;
	-- the shared reference data and the rebuild, which recounts every
	-- landlord: for an administrator of them all
	IF EXISTS (SELECT FROM flux_mgmt.acces a WHERE a.role = $1 AND a.profil = 'administration' AND a.bailleur IS NULL) THEN
		EXECUTE format('GRANT INSERT, UPDATE, DELETE ON flux_mgmt.bailleur, flux_mgmt.reservataire, flux_mgmt.commune, '
					   'flux_mgmt.territoire, flux_mgmt.cible_objectif, flux_mgmt.parametre_orientation TO %s', $1);
		EXECUTE format('GRANT EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() TO %s', $1);
	ELSE
		EXECUTE format('REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM %s', $1);
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.appliquer_profils(regrole) IS
	'rewrites the rights of a role on the extension''s tables and views from its profiles (droits_du_profil), USAGE on the schema and EXECUTE on lecteurs_des_profils() while it has one, and for an administrator of every landlord the writes on the shared reference tables (landlords, réservataires, communes, territories, targets, parameters) and EXECUTE on recalculer_compteurs(); what accorder_profil and retirer_profil end with';
REVOKE EXECUTE ON FUNCTION flux_mgmt.appliquer_profils(regrole) FROM PUBLIC;

CREATE FUNCTION flux_mgmt.exiger_proprietaire(contexte text) RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF NOT pg_has_role((SELECT c.relowner FROM pg_class c WHERE c.oid = 'flux_mgmt.acces'::regclass), 'USAGE') THEN
		PERFORM flux_mgmt.refuser(
			format('role %s may not call %s', current_user, $1),
			'Profiles are granted by the owner of the extension''s tables (or a member of it, or a superuser).',
			format('Ask the owner, %s, to run it.', (SELECT c.relowner::regrole FROM pg_class c WHERE c.oid = 'flux_mgmt.acces'::regclass)),
			'insufficient_privilege');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_proprietaire(text) IS 'raises 42501 unless the current role has the rights of the owner of the extension''s tables';

CREATE FUNCTION flux_mgmt.accorder_profil(role regrole, profil flux_mgmt.profil, bailleur text DEFAULT NULL,
										  reservataire text DEFAULT NULL, territoire text DEFAULT NULL)
RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	PERFORM flux_mgmt.exiger_proprietaire('accorder_profil');
	IF $1 IS NULL OR $2 IS NULL THEN
		PERFORM flux_mgmt.refuser('accorder_profil needs a role and a profile', NULL,
								  'Call flux_mgmt.accorder_profil(''role'', ''saisie'', ''landlord code'').', 'null_value_not_allowed');
	END IF;
	IF $3 IS NOT NULL AND NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = $3) THEN
		PERFORM flux_mgmt.refuser(format('unknown landlord %L', $3), NULL,
								  'Give the code of a row of flux_mgmt.bailleur, or null for every landlord.', 'foreign_key_violation');
	END IF;
	IF ($2 = 'reservataire') <> ($4 IS NOT NULL) THEN
		PERFORM flux_mgmt.refuser(
			CASE WHEN $2 = 'reservataire' THEN 'the profile reservataire needs the réservataire'
				 ELSE format('the profile %s takes no réservataire (%L given)', $2, $4) END,
			NULL, 'Call flux_mgmt.accorder_profil(role, ''reservataire'', bailleur, reservataire => ''code'').',
			'invalid_parameter_value');
	END IF;
	IF $4 IS NOT NULL AND NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = $4) THEN
		PERFORM flux_mgmt.refuser(format('unknown réservataire %L', $4), NULL,
								  'Give the code of a row of flux_mgmt.reservataire.', 'foreign_key_violation');
	END IF;
	IF ($2 = 'territoire') <> ($5 IS NOT NULL) THEN
		PERFORM flux_mgmt.refuser(
			CASE WHEN $2 = 'territoire' THEN 'the profile territoire needs the SIREN of its EPCI or EPT'
				 ELSE format('the profile %s takes no territory (%L given)', $2, $5) END,
			NULL, 'Call flux_mgmt.accorder_profil(role, ''territoire'', bailleur, territoire => ''SIREN'').',
			'invalid_parameter_value');
	END IF;
	IF $5 IS NOT NULL AND NOT EXISTS (SELECT FROM flux_mgmt.commune m WHERE $5 IN (m.epci, m.ept)) THEN
		PERFORM flux_mgmt.refuser(format('no commune belongs to territory %L', $5),
								  'A territory is the SIREN of an EPCI or EPT that flux_mgmt.commune names (epci, ept).',
								  'Load the communes first (flux_mgmt.importer_communes), then give the SIREN of one of their EPCI or EPT.',
								  CASE WHEN $5 ~ '^[0-9]{9}$' THEN 'foreign_key_violation' ELSE 'invalid_parameter_value' END);
	END IF;
	INSERT INTO flux_mgmt.acces (role, profil, bailleur, reservataire, territoire)
	VALUES ($1, $2, $3, $4, $5)
	ON CONFLICT ON CONSTRAINT acces_cle DO NOTHING;
	PERFORM flux_mgmt.appliquer_profils($1);
END
$$;
COMMENT ON FUNCTION flux_mgmt.accorder_profil(regrole, flux_mgmt.profil, text, text, text) IS
	'grants a role a profile for one landlord (null: every landlord), with the réservataire for the profile reservataire and the SIREN of the EPCI or EPT for territoire, then rewrites its table rights (appliquer_profils); granting it again changes nothing; for the owner of the extension''s tables';
REVOKE EXECUTE ON FUNCTION flux_mgmt.accorder_profil(regrole, flux_mgmt.profil, text, text, text) FROM PUBLIC;

CREATE FUNCTION flux_mgmt.retirer_profil(role regrole, profil flux_mgmt.profil DEFAULT NULL, bailleur text DEFAULT NULL,
										 reservataire text DEFAULT NULL, territoire text DEFAULT NULL)
RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM flux_mgmt.exiger_proprietaire('retirer_profil');
	IF $1 IS NULL THEN
		PERFORM flux_mgmt.refuser('retirer_profil needs a role', NULL,
								  'Call flux_mgmt.retirer_profil(''role'') to withdraw all its profiles, or name the profile as well.',
								  'null_value_not_allowed');
	END IF;
	DELETE FROM flux_mgmt.acces a
	WHERE a.role = $1 AND ($2 IS NULL OR a.profil = $2) AND ($3 IS NULL OR a.bailleur = $3)
	  AND ($4 IS NULL OR a.reservataire = $4) AND ($5 IS NULL OR a.territoire = $5);
	GET DIAGNOSTICS n = ROW_COUNT;
	PERFORM flux_mgmt.appliquer_profils($1);
	RETURN n;
END
$$;
COMMENT ON FUNCTION flux_mgmt.retirer_profil(regrole, flux_mgmt.profil, text, text, text) IS
	'withdraws the profiles of a role that match the arguments given (only the role: all of them), rewrites its table rights and returns how many were withdrawn; for the owner of the extension''s tables';
REVOKE EXECUTE ON FUNCTION flux_mgmt.retirer_profil(regrole, flux_mgmt.profil, text, text, text) FROM PUBLIC;
