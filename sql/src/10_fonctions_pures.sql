-- flux_mgmt install script, part 10_fonctions_pures: small pure functions.
--
-- Helpers without table access: the error raiser, code and date helpers, typologies and periods.
-- (sql/src/*.sql are concatenated in name order into the install script.)

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

