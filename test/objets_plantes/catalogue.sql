-- The list of look-alikes to plant, generated from the catalogue of a scratch
-- database where flux_mgmt is installed (test/objets_plantes.sh).  Input: the
-- psql variable noms, the identifiers followed by "(" in the extension's
-- sources (sql/src/*.sql, src/*.c), comma-separated.  Output (stdout, COPY
-- text format, in a fixed order): one row per object, the columns of the
-- table plantation of planter.sql.
--
-- Types: those of the extension's tables, views and composite types (columns)
-- and functions (arguments, results), the extension's enums and code_insee,
-- a fixed list of built-in types (plus those of the psql variable
-- types_en_plus, comma-separated), and the arrays of all of them.
--
-- Operators: every operator name of pg_catalog, for every (left, right) pair
-- of those types (or right operand of a prefix operator) that an operator of
-- pg_catalog with that name accepts (exactly, through implicit casts or a
-- polymorphic match) and that none takes with exactly those types.
-- Functions and aggregates: every function of pg_catalog whose name appears
-- in the sources, with those types in every argument position that accepts
-- them (and its shorter forms when it has defaults); a variadic one as
-- name(fixed…, VARIADIC t[]) for every type t its variadic argument accepts,
-- with one variadic argument of every such type and, for VARIADIC "any", two
-- of a few common types; dropped when pg_catalog has a function with exactly
-- those argument types.
-- Every candidate is then checked by PostgreSQL itself (PREPARE of the call
-- qualified with pg_catalog: it must resolve, or no working code can make
-- that call) and its result type read from a view of the call, so that the
-- planted object returns what the real one would.  (-v compter=1 prints
-- counts instead of the list.)
\set ON_ERROR_STOP 1
\if :{?types_en_plus}
\else
\set types_en_plus ''
\endif
SET client_min_messages = warning;
SET search_path = pg_catalog, pg_temp;

CREATE TEMP TABLE type_plante (t regtype PRIMARY KEY);
INSERT INTO type_plante
SELECT DISTINCT x.t FROM (
	SELECT a.atttypid::regtype
	FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	WHERE c.relnamespace = 'flux_mgmt'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'c')
	  AND a.attnum > 0 AND NOT a.attisdropped
	UNION ALL
	SELECT p.prorettype::regtype FROM pg_proc p WHERE p.pronamespace = 'flux_mgmt'::regnamespace
	UNION ALL
	SELECT unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]))::regtype
	FROM pg_proc p WHERE p.pronamespace = 'flux_mgmt'::regnamespace
	UNION ALL
	SELECT y.oid::regtype FROM pg_type y
	WHERE y.typnamespace = 'flux_mgmt'::regnamespace AND (y.typtype = 'e' OR y.typname = 'code_insee')
	UNION ALL
	SELECT unnest('{smallint,integer,bigint,numeric,double precision,text,date,boolean,
					timestamp without time zone,timestamp with time zone,interval,jsonb}'::regtype[])
	UNION ALL
	SELECT unnest(string_to_array(nullif(:'types_en_plus', ''), ','))::regtype
) AS x (t)
JOIN pg_type y ON y.oid = x.t
WHERE y.typtype IN ('b', 'c', 'e', 'd', 'r', 'm') AND y.typisdefined;
-- and their arrays
INSERT INTO type_plante
SELECT y.typarray::regtype FROM type_plante p JOIN pg_type y ON y.oid = p.t
WHERE y.typarray <> 0
ON CONFLICT DO NOTHING;

-- Whether a value of type reel can be passed where declare is declared, as
-- the resolution of functions and operators sees it (an over-approximation:
-- the call is checked by PostgreSQL afterwards).
CREATE FUNCTION pg_temp.accepte(reel regtype, declare regtype) RETURNS boolean
	LANGUAGE sql STABLE AS $$
	SELECT reel = declare
		OR declare IN ('"any"'::regtype, 'anyelement'::regtype, 'anycompatible'::regtype)
		OR (declare IN ('anynonarray'::regtype, 'anycompatiblenonarray'::regtype) AND r.typcategory <> 'A')
		OR (declare IN ('anyarray'::regtype, 'anycompatiblearray'::regtype) AND r.typcategory = 'A' AND r.typelem <> 0)
		OR (declare = 'anyenum'::regtype AND r.typtype = 'e')
		OR (declare IN ('anyrange'::regtype, 'anycompatiblerange'::regtype) AND r.typtype = 'r')
		OR (declare IN ('anymultirange'::regtype, 'anycompatiblemultirange'::regtype) AND r.typtype = 'm')
		OR (declare = 'record'::regtype AND r.typtype = 'c')
		OR (declare = 'record[]'::regtype AND EXISTS (SELECT FROM pg_type e WHERE e.oid = r.typelem AND e.typtype = 'c'))
		OR EXISTS (SELECT FROM pg_cast c WHERE c.castsource = reel AND c.casttarget = declare AND c.castcontext = 'i')
		-- arrays whose elements convert implicitly
		OR (r.typcategory = 'A' AND d.typcategory = 'A' AND r.typelem <> 0 AND d.typelem <> 0
			AND EXISTS (SELECT FROM pg_cast c WHERE c.castsource = r.typelem AND c.casttarget = d.typelem AND c.castcontext = 'i'))
	FROM pg_type r, pg_type d WHERE r.oid = reel AND d.oid = declare
$$;

-- The functions of pg_catalog named in the sources, that a look-alike can imitate.
CREATE TEMP TABLE fonction_source AS
SELECT p.oid, p.proname, p.prokind, p.pronargs, p.pronargdefaults,
	   ARRAY(SELECT unnest(p.proargtypes::oid[])) AS args, p.provariadic   -- (oidvector starts at 0)
FROM pg_proc p
WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.pronargs > 0
  AND p.proname = ANY (string_to_array(:'noms', ','))
  AND (p.prokind = 'f' OR (p.prokind = 'a' AND EXISTS (SELECT FROM pg_aggregate g WHERE g.aggfnoid = p.oid AND g.aggkind = 'n')))
  AND NOT coalesce(p.proargmodes && '{o,b,t}'::"char"[], false)    -- no OUT arguments (a record result)
  AND p.prorettype NOT IN ('record'::regtype, 'trigger'::regtype, 'event_trigger'::regtype, 'internal'::regtype,
						   'cstring'::regtype, 'language_handler'::regtype, 'fdw_handler'::regtype,
						   'index_am_handler'::regtype, 'tsm_handler'::regtype, 'table_am_handler'::regtype)
  AND NOT ('internal'::regtype = ANY (p.proargtypes::oid[]) OR 'cstring'::regtype = ANY (p.proargtypes::oid[]));

-- Which planted types fit each declared argument type.
CREATE TEMP TABLE accepte AS
SELECT p.t AS reel, d.t AS declare
FROM type_plante p,
	 (SELECT unnest(ARRAY[o.oprleft, o.oprright])::regtype FROM pg_operator o
	  WHERE o.oprnamespace = 'pg_catalog'::regnamespace
	  UNION SELECT unnest(args)::regtype FROM fonction_source
	  UNION SELECT provariadic::regtype FROM fonction_source) AS d (t)
WHERE d.t <> 0 AND pg_temp.accepte(p.t, d.t);
CREATE INDEX ON accepte (declare);

CREATE TEMP TABLE candidat (
	genre text NOT NULL,            -- operateur, fonction, agregat
	nom name NOT NULL,
	args regtype[] NOT NULL,        -- for a prefix operator: its operand only
	variadique boolean NOT NULL,    -- the last argument is VARIADIC
	source oid NOT NULL,            -- the pg_catalog operator or function it was made from (the first one)
	appel text,                     -- the same call qualified with pg_catalog
	resultat regtype,
	PRIMARY KEY (genre, nom, args)
);

-- Operators (a prefix operator has one argument: they do not collide with binary ones)
INSERT INTO candidat (genre, nom, args, variadique, source)
SELECT 'operateur', o.oprname, CASE WHEN o.oprkind = 'l' THEN ARRAY[r.reel] ELSE ARRAY[l.reel, r.reel] END, false, min(o.oid)
FROM pg_operator o
JOIN accepte r ON r.declare = o.oprright
LEFT JOIN accepte l ON l.declare = o.oprleft
WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprkind IN ('b', 'l')
  AND (o.oprkind = 'l' OR l.reel IS NOT NULL)
  AND NOT EXISTS (SELECT FROM pg_operator x WHERE x.oprnamespace = 'pg_catalog'::regnamespace AND x.oprname = o.oprname
				  AND x.oprleft = coalesce(l.reel, 0) AND x.oprright = r.reel)
GROUP BY 1, 2, 3;

-- Functions and aggregates: their forms (an argument list, each position
-- with the types that fit it), then every combination of each form.
CREATE TEMP TABLE forme (id serial PRIMARY KEY, source oid, genre text, nom name, n int, variadique boolean);
CREATE TEMP TABLE position_forme (forme int, i int, t regtype);
DO $$
DECLARE
	f record;
	k int;
	id int;
	courants regtype[] := '{text,integer,bigint,numeric,double precision,boolean,date,jsonb}';
	g text;
BEGIN
	FOR f IN SELECT * FROM fonction_source ORDER BY proname, oid LOOP
		g := CASE f.prokind WHEN 'a' THEN 'agregat' ELSE 'fonction' END;
		FOR k IN greatest(f.pronargs - f.pronargdefaults, 1) .. f.pronargs LOOP
			IF f.provariadic = 0 OR k < f.pronargs THEN
				INSERT INTO forme (source, genre, nom, n, variadique) VALUES (f.oid, g, f.proname, k, false) RETURNING forme.id INTO id;
				INSERT INTO position_forme SELECT id, i, a.reel FROM generate_series(1, k) i JOIN accepte a ON a.declare = f.args[i];
				CONTINUE;
			END IF;
			-- name(fixed…, VARIADIC t[])
			INSERT INTO forme (source, genre, nom, n, variadique) VALUES (f.oid, g, f.proname, k, true) RETURNING forme.id INTO id;
			INSERT INTO position_forme SELECT id, i, a.reel FROM generate_series(1, k - 1) i JOIN accepte a ON a.declare = f.args[i];
			INSERT INTO position_forme SELECT id, k, y.typarray FROM accepte a JOIN pg_type y ON y.oid = a.reel
			WHERE a.declare = f.provariadic AND y.typarray <> 0;
			-- name(fixed…, t): one variadic argument
			INSERT INTO forme (source, genre, nom, n, variadique) VALUES (f.oid, g, f.proname, k, false) RETURNING forme.id INTO id;
			INSERT INTO position_forme SELECT id, i, a.reel FROM generate_series(1, k - 1) i JOIN accepte a ON a.declare = f.args[i];
			INSERT INTO position_forme SELECT id, k, a.reel FROM accepte a WHERE a.declare = f.provariadic;
			-- name(fixed…, t, u) for VARIADIC "any": two of the common types
			IF f.provariadic = '"any"'::regtype THEN
				INSERT INTO forme (source, genre, nom, n, variadique) VALUES (f.oid, g, f.proname, k + 1, false) RETURNING forme.id INTO id;
				INSERT INTO position_forme SELECT id, i, a.reel FROM generate_series(1, k - 1) i JOIN accepte a ON a.declare = f.args[i];
				INSERT INTO position_forme SELECT id, j, c FROM unnest(courants) c, generate_series(k, k + 1) j;
			END IF;
		END LOOP;
	END LOOP;
END
$$;
INSERT INTO candidat (genre, nom, args, variadique, source)
WITH RECURSIVE c (forme, i, args) AS (
	SELECT f.id, 0, '{}'::regtype[] FROM forme f
	UNION ALL
	SELECT c.forme, c.i + 1, c.args || p.t FROM c JOIN position_forme p ON p.forme = c.forme AND p.i = c.i + 1
)
SELECT f.genre, f.nom, c.args, f.variadique, f.source
FROM c JOIN forme f ON f.id = c.forme AND c.i = f.n
WHERE NOT EXISTS (SELECT FROM pg_proc x WHERE x.pronamespace = 'pg_catalog'::regnamespace AND x.proname = f.nom
				  AND ARRAY(SELECT unnest(x.proargtypes::oid[])) = c.args::oid[])
ORDER BY f.variadique DESC, f.id, c.args::text
ON CONFLICT DO NOTHING;

-- The call, qualified with pg_catalog, with null arguments of the planted types.
UPDATE candidat SET appel = CASE
	WHEN genre = 'operateur' AND cardinality(args) = 1 THEN format('(OPERATOR(pg_catalog.%s) NULL::%s)', nom, args[1])
	WHEN genre = 'operateur' THEN format('(NULL::%s OPERATOR(pg_catalog.%s) NULL::%s)', args[1], nom, args[2])
	ELSE format('pg_catalog.%I(%s)', nom,
				(SELECT string_agg(CASE WHEN variadique AND i = cardinality(args) THEN 'VARIADIC ' ELSE '' END
								   || 'NULL::' || args[i]::text, ', ' ORDER BY i)
				 FROM generate_subscripts(args, 1) AS i)) END;

-- Keep the calls that resolve.
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT genre, nom, args, appel FROM candidat ORDER BY genre, nom, args::text LOOP
		BEGIN
			EXECUTE 'PREPARE essai AS SELECT ' || c.appel;
			DEALLOCATE essai;
		EXCEPTION WHEN OTHERS THEN
			DELETE FROM candidat WHERE (genre, nom, args) = (c.genre, c.nom, c.args);
		END;
	END LOOP;
END
$$;

-- Their result types, from views of the calls, 400 calls a view (one by one
-- when a view is refused: a void result, say, is the function's own type).
DO $$
DECLARE
	lot record;
	c record;
BEGIN
	FOR lot IN
		SELECT array_agg(appel ORDER BY n) AS appels, array_agg(genre ORDER BY n) AS genres, array_agg(nom ORDER BY n) AS noms,
			   array_agg(args::text ORDER BY n) AS args
		FROM (SELECT *, row_number() OVER (PARTITION BY genre ORDER BY nom, args::text) AS n FROM candidat) x
		GROUP BY genre, (n - 1) / 400
	LOOP
		BEGIN
			EXECUTE 'CREATE TEMP VIEW lot AS SELECT ' ||
				(SELECT string_agg(format('%s AS c%s', a, i), ', ' ORDER BY i) FROM unnest(lot.appels) WITH ORDINALITY AS u (a, i));
			UPDATE candidat d SET resultat = a.atttypid
			FROM pg_attribute a, generate_subscripts(lot.appels, 1) AS i
			WHERE a.attrelid = 'lot'::regclass AND a.attnum = i
			  AND (d.genre, d.nom, d.args::text) = (lot.genres[i], lot.noms[i], lot.args[i]);
			DROP VIEW lot;
		EXCEPTION WHEN OTHERS THEN
			FOR c IN SELECT * FROM candidat WHERE appel = ANY (lot.appels) LOOP
				BEGIN
					EXECUTE 'CREATE TEMP VIEW un AS SELECT ' || c.appel || ' AS c';
					UPDATE candidat SET resultat = (SELECT atttypid FROM pg_attribute WHERE attrelid = 'un'::regclass AND attnum = 1)
					WHERE appel = c.appel;
					DROP VIEW un;
				EXCEPTION WHEN OTHERS THEN
					UPDATE candidat d SET resultat = p.prorettype FROM pg_proc p
					WHERE d.appel = c.appel AND p.oid = d.source AND d.genre <> 'operateur'
					  AND p.prorettype NOT IN (SELECT oid FROM pg_type WHERE typtype = 'p' AND typname LIKE 'any%');
				END;
			END LOOP;
		END;
	END LOOP;
END
$$;

\if :{?compter}
SELECT genre, count(*), count(resultat) FROM candidat GROUP BY 1 ORDER BY 1;
SELECT nom, count(*) FROM candidat WHERE genre = 'operateur' GROUP BY 1 ORDER BY 2 DESC LIMIT 30;
SELECT nom, count(*) FROM candidat WHERE genre <> 'operateur' GROUP BY 1 ORDER BY 2 DESC LIMIT 30;
\endif
\if :{?compter}
\else
COPY (
	SELECT c.genre, c.nom, c.args::text[], c.variadique, c.resultat::text,
		   coalesce(p.proretset, false), coalesce(p.provolatile, q.provolatile)
	FROM candidat c
	LEFT JOIN pg_proc p ON p.oid = c.source AND c.genre <> 'operateur'
	LEFT JOIN pg_operator o ON o.oid = c.source AND c.genre = 'operateur'
	LEFT JOIN pg_proc q ON q.oid = o.oprcode
	WHERE c.resultat IS NOT NULL
	ORDER BY c.genre, c.nom, c.args::text
) TO STDOUT;
\endif
