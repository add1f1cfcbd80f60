-- flux_mgmt install script, part 30_regles_conventions: statement rules of conventions.
--
-- Rules spanning several conventions, checked once per statement through transition tables.
-- (sql/src/*.sql are concatenated in name order into the install script.)

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
-- The trigger functions that run as the owner (SECURITY DEFINER) serve the
-- extension's own triggers only: attached by a user to a table of theirs,
-- they would run as the owner on rows that user chose.  EXECUTE is revoked
-- from PUBLIC (CREATE TRIGGER needs it) and each checks who fired it.
CREATE FUNCTION flux_mgmt.exiger_declencheur(fonction text, relid oid, moment text, niveau text, tables regclass[])
RETURNS void
	LANGUAGE plpgsql STABLE
	SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF moment IS DISTINCT FROM 'AFTER' OR niveau IS DISTINCT FROM 'STATEMENT'
	   OR NOT relid OPERATOR(pg_catalog.=) ANY (tables::oid[]) THEN
		RAISE EXCEPTION 'function flux_mgmt.%() fired % % on %: it serves the extension''s own triggers on %',
			fonction, moment, niveau, relid::regclass, tables
			USING ERRCODE = 'trigger_protocol_violated',
				  HINT = 'The extension creates these triggers itself; do not attach the function elsewhere.';
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.exiger_declencheur(text, oid, text, text, regclass[]) IS
	'the first statement of a trigger function that runs as the owner: refuses (39P01) to run for any trigger but the extension''s own, AFTER … FOR EACH STATEMENT on the tables given';

CREATE FUNCTION flux_mgmt.lignes_ecrites(operation text) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE operation
	WHEN 'INSERT' THEN 'TABLE nouvelles'
	WHEN 'UPDATE' THEN 'TABLE nouvelles UNION ALL TABLE anciennes'
	WHEN 'DELETE' THEN 'TABLE anciennes' END;
COMMENT ON FUNCTION flux_mgmt.lignes_ecrites(text) IS
	'for a statement trigger''s TG_OP, the query of the rows it wrote over the transition tables nouvelles and anciennes (old rows included for UPDATE and DELETE)';

-- The statement rules run as the owner of the tables (SECURITY DEFINER, path
-- pinned), like the counter triggers: the writer of a convention needs no
-- right on the tables the rules read and lock (landlords, réservataires).
CREATE FUNCTION flux_mgmt.verifier_conventions_ecrites() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	c record;
	e record;
BEGIN
	PERFORM exiger_declencheur('verifier_conventions_ecrites', TG_RELID, TG_WHEN, TG_LEVEL, '{flux_mgmt.convention}');
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
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_conventions_ecrites() FROM PUBLIC;
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

