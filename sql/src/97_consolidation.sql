-- flux_mgmt install script, part 97_consolidation: every landlord's database consolidated into an
-- observatory by PostgreSQL logical replication.
--
-- Keys unique across databases (a site number in every identifier), the publication of a
-- landlord's rows, the references an observatory checks, the refresh of its counters.
-- Also the install script of the 0.1 -> 0.2 upgrade (sql/updates/0.1--0.2/99_partage_3_consolidation.sql
-- links here).
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Sites: a dwelling, a convention or an event keeps its identifier in the
-- observatory.  Each database that publishes is given a site number n
-- (1 to 9,000,000, chosen by the observatory, as a département gives its
-- landlords their numbers), and its identifiers are n × 10^12 + a count:
-- still bigint, still the identity columns CONTRACT.md names, unique across
-- sites, and the site is read off an identifier (id / 10^12).  A database
-- that never publishes stays site 0, its identifiers as they were.
--------------------------------------------------------------------------------

CREATE TABLE flux_mgmt.site (
	unique_ligne boolean PRIMARY KEY DEFAULT true CHECK (unique_ligne),
	numero bigint NOT NULL CHECK (numero BETWEEN 1 AND 9000000),
	nom text
);
COMMENT ON TABLE flux_mgmt.site IS
	'the site number of this database (one row, written by definir_site; none: site 0): its identifiers are numero × 10^12 + a count, unique across the databases an observatory consolidates';
COMMENT ON COLUMN flux_mgmt.site.unique_ligne IS 'always true: one row at most';
COMMENT ON COLUMN flux_mgmt.site.numero IS 'the site number, 1 to 9,000,000';
COMMENT ON COLUMN flux_mgmt.site.nom IS 'a name for it (the landlord or the information system)';
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.site', '');
-- the site number is no secret: it is in every identifier
GRANT SELECT ON flux_mgmt.site TO PUBLIC;

CREATE FUNCTION flux_mgmt.site() RETURNS bigint
	LANGUAGE sql STABLE PARALLEL SAFE
RETURN coalesce((SELECT s.numero FROM flux_mgmt.site s), 0);
COMMENT ON FUNCTION flux_mgmt.site() IS 'the site number of this database (0: none given)';

CREATE FUNCTION flux_mgmt.tables_identifiees() RETURNS regclass[]
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT pg_catalog.array_agg(a.attrelid::pg_catalog.regclass ORDER BY c.relname)
	FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
	WHERE c.relnamespace = 'flux_mgmt'::pg_catalog.regnamespace AND a.attname = 'id' AND a.attidentity <> '';
END;
COMMENT ON FUNCTION flux_mgmt.tables_identifiees() IS 'the extension''s tables with an identity column id (logement, convention, vacance, orientation, attribution, droit_stock, convention_stock, conversion)';

-- Gives this database its site number, once: every identifier written so
-- far (site 0) becomes numero × 10^12 + itself, every key pointing at one
-- follows, the identity sequences go on from there, the counters are rebuilt
-- (the ledger holds vacancy identifiers).  The rows are renumbered with the
-- triggers and the foreign keys' checks off (session_replication_role =
-- replica, a superuser's setting, local to the transaction): a key is moved
-- on both sides, nothing else changes.
CREATE FUNCTION flux_mgmt.definir_site(numero bigint, nom text DEFAULT NULL) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	decalage bigint := $1 * 1000000000000;
	actuel bigint := flux_mgmt.site();
	t regclass;
	k record;
	n bigint;
	total bigint := 0;
BEGIN
	IF NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user) THEN
		PERFORM flux_mgmt.refuser(format('role %s may not give this database a site number', current_user),
								  'Renumbering every identifier needs a superuser (the triggers are turned off meanwhile).',
								  'Run it as a superuser.', 'insufficient_privilege');
	END IF;
	IF $1 IS NULL OR $1 NOT BETWEEN 1 AND 9000000 THEN
		PERFORM flux_mgmt.refuser(format('site number %s is out of range', coalesce($1::text, 'null')), NULL,
								  'Give the number the observatory assigned, from 1 to 9000000.', 'invalid_parameter_value');
	END IF;
	IF actuel = $1 THEN
		UPDATE flux_mgmt.site s SET nom = coalesce($2, s.nom);
		RETURN 0;
	END IF;
	IF actuel <> 0 THEN
		PERFORM flux_mgmt.refuser(format('this database is already site %s', actuel),
								  'Its identifiers carry that number, and may already be in an observatory.',
								  'Keep it; to start again as another site, restore a dump into a new database and give that one its number.',
								  'object_not_in_prerequisite_state');
	END IF;
	FOREACH t IN ARRAY flux_mgmt.tables_identifiees() LOOP
		EXECUTE format('LOCK TABLE %s IN ACCESS EXCLUSIVE MODE', t);
		EXECUTE format('SELECT count(*) FROM %s WHERE id >= 1000000000000 OR id < 1', t) INTO n;
		IF n > 0 THEN
			PERFORM flux_mgmt.refuser(format('%s has %s identifiers outside site 0 (1 to 10^12 - 1)', t, n),
									  'They were given by hand, or come from another site.',
									  'Renumber or delete them first.', 'object_not_in_prerequisite_state');
		END IF;
	END LOOP;
	PERFORM set_config('session_replication_role', 'replica', true);
	FOREACH t IN ARRAY flux_mgmt.tables_identifiees() LOOP
		EXECUTE format('UPDATE %s SET id = id + %s', t, decalage);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
		-- the keys that point at it
		FOR k IN
			SELECT c.conrelid::regclass AS tab, a.attname
			FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
			WHERE c.contype = 'f' AND c.confrelid = t AND cardinality(c.conkey) = 1
		LOOP
			EXECUTE format('UPDATE %s SET %I = %I + %s WHERE %I IS NOT NULL', k.tab, k.attname, k.attname, decalage, k.attname);
		END LOOP;
		EXECUTE format('SELECT setval(pg_get_serial_sequence(%L, ''id''), greatest(%s, coalesce((SELECT max(id) FROM %s), 0)))',
					   t::text, decalage, t);
	END LOOP;
	PERFORM set_config('session_replication_role', 'origin', true);
	INSERT INTO flux_mgmt.site (numero, nom) VALUES ($1, $2);
	PERFORM flux_mgmt.recalculer_compteurs();
	RETURN total;
END
$$;
COMMENT ON FUNCTION flux_mgmt.definir_site(bigint, text) IS
	'gives this database its site number (1 to 9,000,000), once, before it publishes: every identifier n becomes numero × 10^12 + n with the keys pointing at it, the identity sequences go on from there, the counters are rebuilt; returns the rows renumbered; 0 when it is that site already; for a superuser';
REVOKE EXECUTE ON FUNCTION flux_mgmt.definir_site(bigint, text) FROM PUBLIC;

--------------------------------------------------------------------------------
-- Publishing a landlord: exactly the tables of its rows, not the derived
-- ones (the observatory recounts) nor the reference data the observatory
-- owns (landlords, réservataires, communes, territories, targets,
-- parameters, profiles: one row each, wherever it is used).
-- Every table published has a primary key, its replica identity: the
-- landlord's own writes are unaffected.  No TRUNCATE: one landlord's would
-- empty every landlord's rows in the observatory.
--------------------------------------------------------------------------------

CREATE FUNCTION flux_mgmt.tables_publiees() RETURNS regclass[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY['flux_mgmt.logement', 'flux_mgmt.vacance', 'flux_mgmt.orientation', 'flux_mgmt.attribution',
			 'flux_mgmt.convention', 'flux_mgmt.objectif_indicatif', 'flux_mgmt.rotation', 'flux_mgmt.rotation_typologie',
			 'flux_mgmt.mise_en_service_prevue', 'flux_mgmt.soustraction_prevue', 'flux_mgmt.droit_stock',
			 'flux_mgmt.convention_stock', 'flux_mgmt.conversion', 'flux_mgmt.conversion_palier']::regclass[];
COMMENT ON FUNCTION flux_mgmt.tables_publiees() IS
	'the tables a landlord publishes to an observatory: its dwellings, events, conventions, forecasts and stock rights; not the counters (the observatory recounts them) nor the reference data the observatory owns (landlords, réservataires, communes, territories, targets, parameters, profiles)';

CREATE FUNCTION flux_mgmt.publier(publication name DEFAULT 'flux_mgmt') RETURNS text
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF flux_mgmt.site() = 0 THEN
		PERFORM flux_mgmt.refuser('this database has no site number',
								  'Its identifiers would collide with other landlords'' in the observatory.',
								  'Give it the number the observatory assigned first: SELECT flux_mgmt.definir_site(n, ''name'').',
								  'object_not_in_prerequisite_state');
	END IF;
	IF current_setting('wal_level') <> 'logical' THEN
		PERFORM flux_mgmt.refuser(format('wal_level is %s, not logical', current_setting('wal_level')),
								  'Logical replication needs wal_level = logical on the publisher.',
								  'ALTER SYSTEM SET wal_level = logical, then restart the server.', 'object_not_in_prerequisite_state');
	END IF;
	EXECUTE format('CREATE PUBLICATION %I FOR TABLE %s WITH (publish = ''insert, update, delete'')', $1,
				   array_to_string(flux_mgmt.tables_publiees(), ', '));
	RETURN format('CREATE SUBSCRIPTION flux_mgmt_site_%s CONNECTION ''host=… dbname=%s user=…'' PUBLICATION %I',
				  flux_mgmt.site(), current_database(), $1);
END
$$;
COMMENT ON FUNCTION flux_mgmt.publier(name) IS
	'publishes this landlord''s database for an observatory (tables_publiees(): inserts, updates and deletes, no TRUNCATE), once it has a site number and wal_level = logical; returns the CREATE SUBSCRIPTION the observatory runs';
REVOKE EXECUTE ON FUNCTION flux_mgmt.publier(name) FROM PUBLIC;

--------------------------------------------------------------------------------
-- The observatory: its reference data checked, its counters refreshed.
--------------------------------------------------------------------------------

-- A subscription applies rows without checking foreign keys: a convention
-- naming a réservataire the observatory lacks arrives all the same, and
-- would drop out of every figure.  Every key of the extension's tables that
-- points at nothing, named.
CREATE FUNCTION flux_mgmt.verifier_references()
RETURNS TABLE (contrainte text, ligne text, valeur text, manque text)
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	k record;
BEGIN
	FOR k IN
		SELECT c.conname, c.conrelid::regclass AS tab, c.confrelid::regclass AS cible, a.attname AS col, b.attname AS cle,
			   (SELECT string_agg(quote_ident(x.attname), ', ' ORDER BY x.attnum)
				FROM pg_attribute x JOIN pg_index i ON i.indrelid = c.conrelid AND i.indisprimary AND x.attnum = ANY (i.indkey)
				WHERE x.attrelid = c.conrelid) AS pk
		FROM pg_constraint c
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		JOIN pg_attribute b ON b.attrelid = c.confrelid AND b.attnum = c.confkey[1]
		WHERE c.contype = 'f' AND c.connamespace = 'flux_mgmt'::regnamespace AND cardinality(c.conkey) = 1
		ORDER BY 1
	LOOP
		RETURN QUERY EXECUTE format(
			'SELECT %L::text, %L || ''('' || concat_ws('', '', %s) || '')'', t.%I::text, %L || ''.'' || %L
			 FROM %s t WHERE t.%I IS NOT NULL AND NOT EXISTS (SELECT FROM %s r WHERE r.%I = t.%I)
			 ORDER BY 2',
			k.conname, k.tab::text, coalesce(k.pk, 'NULL'), k.col, k.cible::text, k.cle,
			k.tab, k.col, k.cible, k.cle, k.col);
	END LOOP;
END
$$;
COMMENT ON FUNCTION flux_mgmt.verifier_references() IS
	'every foreign key of the extension''s tables that points at no row (what a subscription''s apply does not check): the constraint, the row (its table and primary key), the value, and what it lacks (table.column); empty when every reference holds';

CREATE FUNCTION flux_mgmt.consolider() RETURNS TABLE (compteurs bigint, references_manquantes bigint)
	LANGUAGE sql
	SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT flux_mgmt.recalculer_compteurs(), (SELECT count(*) FROM flux_mgmt.verifier_references());
END;
COMMENT ON FUNCTION flux_mgmt.consolider() IS
	'the observatory''s refresh, after its subscriptions have applied: rebuilds the counters from the events received (a subscription''s apply fires no statement trigger) and counts the references that point at nothing (verifier_references()); for the roles granted EXECUTE on recalculer_compteurs()';
REVOKE EXECUTE ON FUNCTION flux_mgmt.consolider() FROM PUBLIC;

-- Before a landlord's rows are copied again (a subscription dropped and
-- created anew), the observatory forgets them: the copy would otherwise
-- fail on their keys, or count them twice.
CREATE FUNCTION flux_mgmt.oublier_site(numero bigint) RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	bailleurs text[];
	t regclass;
	n bigint;
	total bigint := 0;
BEGIN
	IF $1 IS NULL OR $1 NOT BETWEEN 1 AND 9000000 THEN
		PERFORM flux_mgmt.refuser(format('site number %s is out of range', coalesce($1::text, 'null')), NULL,
								  'Give the site number of the landlord''s database, from 1 to 9000000.', 'invalid_parameter_value');
	END IF;
	-- the site's landlords: those of its dwellings and conventions
	bailleurs := ARRAY(SELECT l.bailleur FROM flux_mgmt.logement l WHERE l.id / 1000000000000 = $1
					   UNION SELECT c.bailleur FROM flux_mgmt.convention c WHERE c.id / 1000000000000 = $1);
	DELETE FROM flux_mgmt.conversion_palier p WHERE p.conversion_id / 1000000000000 = $1;
	GET DIAGNOSTICS n = ROW_COUNT;
	total := total + n;
	DELETE FROM flux_mgmt.objectif_indicatif o WHERE o.convention_id / 1000000000000 = $1;
	GET DIAGNOSTICS n = ROW_COUNT;
	total := total + n;
	FOREACH t IN ARRAY ARRAY['flux_mgmt.attribution', 'flux_mgmt.orientation', 'flux_mgmt.vacance', 'flux_mgmt.droit_stock',
							 'flux_mgmt.convention_stock', 'flux_mgmt.conversion', 'flux_mgmt.convention', 'flux_mgmt.logement']::regclass[] LOOP
		EXECUTE format('DELETE FROM %s WHERE id / 1000000000000 = %s', t, $1);
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	FOREACH t IN ARRAY ARRAY['flux_mgmt.rotation', 'flux_mgmt.rotation_typologie', 'flux_mgmt.mise_en_service_prevue',
							 'flux_mgmt.soustraction_prevue']::regclass[] LOOP
		EXECUTE format('DELETE FROM %s WHERE bailleur = ANY ($1)', t) USING bailleurs;
		GET DIAGNOSTICS n = ROW_COUNT;
		total := total + n;
	END LOOP;
	RETURN total;
END
$$;
COMMENT ON FUNCTION flux_mgmt.oublier_site(bigint) IS
	'in an observatory, deletes the rows received from one site (identifiers of that site number: dwellings, events, conventions, stock rights, and the forecasts and rates of its landlords), before its rows are copied again by a new subscription; the landlords themselves stay (the observatory''s reference data); returns the rows deleted';
REVOKE EXECUTE ON FUNCTION flux_mgmt.oublier_site(bigint) FROM PUBLIC;
