-- Run by mallory, an ordinary role with CREATE on schema public: plants in
-- public the look-alikes listed on psql's standard input (the output of
-- catalogue.sql), those whose types exist (the extension's own types only
-- exist once it is installed: run again after CREATE EXTENSION; what is
-- already planted is skipped).  Every planted body records its call in
-- public.appels (through public.noter), then returns what the real one
-- returns: operators and functions call the pg_catalog one on their own
-- arguments, aggregates collect their rows and hand them to the pg_catalog
-- aggregate, so that a run where they are (wrongly) called does not break.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- (her own path: what she plants must not capture her own planting)
SET search_path = pg_catalog, pg_temp;

-- The recorder, the first time: everyone may write it.
SELECT to_regclass('public.appels') IS NULL AS creer_enregistreur \gset
\if :creer_enregistreur
CREATE TABLE public.appels (
	objet text NOT NULL,
	par text NOT NULL DEFAULT current_user,
	phase text DEFAULT current_setting('objets_plantes.phase', true),
	contexte text,          -- the call stack (GET DIAGNOSTICS PG_CONTEXT)
	requete text            -- the client's statement
);
GRANT SELECT, INSERT ON public.appels TO PUBLIC;
CREATE FUNCTION public.noter(objet text) RETURNS void
	LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pile text;
BEGIN
	GET DIAGNOSTICS pile = PG_CONTEXT;
	-- a statement that fails takes its rows of appels with it: where errors are
	-- expected (erreurs.sql), the call is also told to the client at once
	IF current_setting('objets_plantes.avertir', true) = 'on' THEN
		RAISE WARNING 'objets_plantes: call of %', objet;
	END IF;
	INSERT INTO public.appels (objet, contexte, requete) VALUES (objet, left(pile, 3000), left(current_query(), 1000));
END
$$;
\endif

CREATE TEMP TABLE plantation (
	genre text, nom name, args text[], variadique boolean, resultat text, ensemble boolean, volatilite "char"
);
\copy plantation FROM pstdin
CREATE TEMP TABLE bilan (etat text, genre text, objet text, raison text);

DO $planter$
DECLARE
	p record;
	types regtype[];
	n int;
	etiquette text;             -- what appels records: kind, public.name(types)
	signature text;             -- the types, for DDL
	nom_fn text;                -- the helper function(s) behind it
	params text;
	valeurs text;
	corps text;
	vol text;
BEGIN
	FOR p IN SELECT * FROM plantation ORDER BY genre, nom, args::text LOOP
		types := ARRAY(SELECT to_regtype(a) FROM unnest(p.args) WITH ORDINALITY AS u (a, i) ORDER BY i);
		IF to_regtype(p.resultat) IS NULL OR EXISTS (SELECT FROM unnest(types) t WHERE t IS NULL) THEN
			INSERT INTO bilan VALUES ('attente', p.genre, p.nom, NULL);     -- a type of the extension, not there yet
			CONTINUE;
		END IF;
		n := cardinality(types);
		signature := (SELECT string_agg(CASE WHEN p.variadique AND i = n THEN 'VARIADIC ' ELSE '' END || t::text, ', ' ORDER BY i)
					  FROM unnest(types) WITH ORDINALITY AS u (t, i));
		etiquette := CASE p.genre WHEN 'operateur' THEN 'operator' WHEN 'agregat' THEN 'aggregate' ELSE 'function' END
					 || ' public.' || CASE WHEN p.genre = 'operateur' THEN p.nom ELSE quote_ident(p.nom) END
					 || '(' || CASE WHEN p.genre = 'operateur' AND n = 1 THEN 'NONE, ' ELSE '' END || signature || ')';
		nom_fn := 'plante_' || left(md5(etiquette), 16);
		vol := CASE p.volatilite WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END;
		-- already planted (an earlier run)
		IF (p.genre = 'operateur' AND to_regoperator('public.' || p.nom || '(' || CASE WHEN n = 1 THEN 'NONE, ' ELSE '' END
													 || array_to_string(types::text[], ', ') || ')') IS NOT NULL)
		   OR (p.genre <> 'operateur' AND to_regprocedure('public.' || quote_ident(p.nom) || '(' || array_to_string(types::text[], ', ') || ')') IS NOT NULL) THEN
			INSERT INTO bilan VALUES ('deja', p.genre, etiquette, NULL);
			CONTINUE;
		END IF;
		params := (SELECT string_agg(CASE WHEN p.variadique AND i = n THEN 'VARIADIC ' ELSE '' END || 'a' || i || ' ' || t::text, ', ' ORDER BY i)
				   FROM unnest(types) WITH ORDINALITY AS u (t, i));
		valeurs := (SELECT string_agg(CASE WHEN p.variadique AND i = n THEN 'VARIADIC ' ELSE '' END || 'a' || i, ', ' ORDER BY i)
					FROM generate_series(1, n) AS i);
		BEGIN
			IF p.genre = 'operateur' THEN
				EXECUTE format($f$CREATE FUNCTION public.%I(%s) RETURNS %s LANGUAGE plpgsql %s SET search_path = pg_catalog, pg_temp AS $b$
BEGIN
	PERFORM public.noter(%L);
	RETURN %s;
END
$b$$f$, nom_fn, params, p.resultat, vol, etiquette,
					CASE WHEN n = 1 THEN format('OPERATOR(pg_catalog.%s) a1', p.nom) ELSE format('a1 OPERATOR(pg_catalog.%s) a2', p.nom) END);
				EXECUTE format('CREATE OPERATOR public.%s (FUNCTION = public.%I, %s)', p.nom, nom_fn,
							   CASE WHEN n = 1 THEN format('RIGHTARG = %s', types[1])
									ELSE format('LEFTARG = %s, RIGHTARG = %s', types[1], types[2]) END);
			ELSIF p.genre = 'fonction' THEN
				corps := CASE
					WHEN p.ensemble THEN format('RETURN QUERY SELECT * FROM pg_catalog.%I(%s);', p.nom, valeurs)
					WHEN p.resultat = 'void' THEN format('PERFORM pg_catalog.%I(%s);', p.nom, valeurs)
					ELSE format('RETURN pg_catalog.%I(%s);', p.nom, valeurs) END;
				EXECUTE format($f$CREATE FUNCTION public.%I(%s) RETURNS %s%s LANGUAGE plpgsql %s SET search_path = pg_catalog, pg_temp AS $b$
BEGIN
	PERFORM public.noter(%L);
	%s
END
$b$$f$, p.nom, params, CASE WHEN p.ensemble THEN 'SETOF ' ELSE '' END, p.resultat, vol, etiquette, corps);
			ELSE
				-- an aggregate: the state is the list of its rows as literals,
				-- the final function runs the pg_catalog aggregate over them
				IF p.variadique THEN
					RAISE EXCEPTION 'variadic aggregate';
				END IF;
				EXECUTE format($f$CREATE FUNCTION public.%I(s text[], %s) RETURNS text[] LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $b$
	SELECT s || concat_ws(',', %s)
$b$$f$, nom_fn || '_etat', params,
					(SELECT string_agg('quote_nullable(a' || i || ')', ', ' ORDER BY i) FROM generate_series(1, n) AS i));
				EXECUTE format($f$CREATE FUNCTION public.%I(s text[]) RETURNS %s LANGUAGE plpgsql %s SET search_path = pg_catalog, pg_temp AS $b$
DECLARE
	r %s;
BEGIN
	PERFORM public.noter(%L);
	IF cardinality(s) = 0 THEN
		EXECUTE %L INTO r;
	ELSE
		EXECUTE %L || (SELECT string_agg(format('(%%s, %%s)', k, e), ', ' ORDER BY k) FROM unnest(s) WITH ORDINALITY AS u (e, k))
				|| %L INTO r;
	END IF;
	RETURN r;
END
$b$$f$, nom_fn || '_final', p.resultat, vol, p.resultat, etiquette,
					format('SELECT pg_catalog.%I(%s) FROM (SELECT 1) AS v WHERE false', p.nom,
						   (SELECT string_agg('NULL::' || t::text, ', ' ORDER BY i) FROM unnest(types) WITH ORDINALITY AS u (t, i))),
					format('SELECT pg_catalog.%I(%s ORDER BY n) FROM (VALUES ', p.nom,
						   (SELECT string_agg('c' || i || '::' || t::text, ', ' ORDER BY i) FROM unnest(types) WITH ORDINALITY AS u (t, i))),
					format(') AS v (n, %s)', (SELECT string_agg('c' || i, ', ' ORDER BY i) FROM generate_series(1, n) AS i)));
				EXECUTE format('CREATE AGGREGATE public.%I(%s) (SFUNC = public.%I, STYPE = text[], INITCOND = ''{}'', FINALFUNC = public.%I)',
							   p.nom, signature, nom_fn || '_etat', nom_fn || '_final');
			END IF;
			INSERT INTO bilan VALUES ('plante', p.genre, etiquette, NULL);
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO bilan VALUES ('refus', p.genre, etiquette, SQLERRM);
		END;
	END LOOP;
END
$planter$;

\pset tuples_only on
\pset format unaligned
SELECT format('  %s planted (%s operators, %s functions, %s aggregates), %s already there, %s waiting for the extension''s types, %s refused',
			  count(*) FILTER (WHERE etat = 'plante'), count(*) FILTER (WHERE etat = 'plante' AND genre = 'operateur'),
			  count(*) FILTER (WHERE etat = 'plante' AND genre = 'fonction'), count(*) FILTER (WHERE etat = 'plante' AND genre = 'agregat'),
			  count(*) FILTER (WHERE etat = 'deja'), count(*) FILTER (WHERE etat = 'attente'), count(*) FILTER (WHERE etat = 'refus'))
FROM bilan;
SELECT '  refused: ' || objet || ': ' || raison FROM bilan WHERE etat = 'refus' ORDER BY objet LIMIT 10;
