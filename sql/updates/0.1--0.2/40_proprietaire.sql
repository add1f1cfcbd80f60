-- What runs as the owner: the statement rules of conventions, territories and
-- réservataire types (their writers need no right on the rows the rules lock),
-- the TRUNCATE rebuild and recalculer_compteurs().  Each trigger function
-- checks that it serves the extension's own trigger and is not executable by
-- PUBLIC; a write made as the owner first checks the table's triggers.
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
CREATE FUNCTION flux_mgmt.exiger_declencheurs_surs(tableau regclass) RETURNS void
	AS 'MODULE_PATHNAME', 'flux_exiger_declencheurs_surs_sql' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION flux_mgmt.exiger_declencheurs_surs(regclass) IS
	'refuses (42501) when a trigger of the table runs a function owned by a role that is neither the table''s owner nor a superuser: the extension writes its tables as their owner, and such a trigger would run that role''s code with the owner''s rights; it locks the table ROW EXCLUSIVE, the lock of the write it precedes, so only the extension''s own code runs it (EXECUTE is not PUBLIC''s)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.exiger_declencheurs_surs(regclass) FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_conventions_ecrites() RETURNS trigger
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
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_conventions_ecrites() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.verifier_portees_ecrites() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	reservataires text[];
	p record;
BEGIN
	PERFORM exiger_declencheur('verifier_portees_ecrites', TG_RELID, TG_WHEN, TG_LEVEL, '{flux_mgmt.territoire,flux_mgmt.reservataire}');
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
REVOKE EXECUTE ON FUNCTION flux_mgmt.verifier_portees_ecrites() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.apres_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	PERFORM exiger_declencheur('apres_truncate', TG_RELID, TG_WHEN, TG_LEVEL,
							   '{flux_mgmt.vacance,flux_mgmt.orientation,flux_mgmt.attribution}');
	IF TG_TABLE_NAME = 'attribution' THEN
		PERFORM exiger_declencheurs_surs('flux_mgmt.orientation');
		UPDATE orientation o SET issue = 'en_cours', date_issue = NULL
		WHERE o.issue = 'attribuee' AND NOT EXISTS (SELECT FROM attribution a WHERE a.orientation_id = o.id);
	END IF;
	PERFORM recalculer_compteurs();
	RETURN NULL;
END
$$;
REVOKE EXECUTE ON FUNCTION flux_mgmt.apres_truncate() FROM PUBLIC;
CREATE OR REPLACE FUNCTION flux_mgmt.recalculer_compteurs() RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ecrits bigint;
	bilan bigint;
BEGIN
	-- writers wait until the rebuild commits, then count against it
	LOCK TABLE contribution, compteur, compteur_bilan IN EXCLUSIVE MODE;
	PERFORM exiger_declencheurs_surs(t) FROM unnest('{flux_mgmt.contribution,flux_mgmt.compteur,flux_mgmt.compteur_bilan}'::regclass[]) AS t;
	TRUNCATE contribution, compteur, compteur_bilan;
	INSERT INTO contribution SELECT * FROM contribution_calculee;
	INSERT INTO compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
						  en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
						  hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, 0,
		   sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux),
		   sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires), sum(imputees)
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

