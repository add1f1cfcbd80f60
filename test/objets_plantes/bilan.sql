-- What the look-alikes of public recorded (test/objets_plantes.sh): the
-- calls not made by mallory herself, per object, with who called it (par),
-- in which step (phase) and from where (the frame above the planted body in
-- the call stack: an extension function, the SQL statement a C trigger ran
-- through SPI, or, when there is none, the client's statement: a view or a
-- default or check bound to the look-alike when it was created).
-- psql variable limite: how many objects to list.
\set ON_ERROR_STOP 1
\pset footer off
\pset null ''
SET search_path = pg_catalog, pg_temp;
WITH appel AS (
	SELECT a.objet, a.par, a.phase,
		   coalesce((SELECT pg_catalog.string_agg(pg_catalog.left(l, 160), ' <- ' ORDER BY i)
					 FROM unnest(string_to_array(a.contexte, E'\n')) WITH ORDINALITY AS u (l, i)
					 WHERE i > (SELECT min(j) FROM unnest(string_to_array(a.contexte, E'\n')) WITH ORDINALITY AS w (m, j)
								WHERE m LIKE '% at PERFORM') AND i <= 2 + (SELECT min(j) FROM unnest(string_to_array(a.contexte, E'\n')) WITH ORDINALITY AS w (m, j)
								WHERE m LIKE '% at PERFORM')),
				   'client statement: ' || pg_catalog.left(regexp_replace(a.requete, '\s+', ' ', 'g'), 160)) AS appelant
	FROM public.appels a
	WHERE a.par <> 'mallory'
),
par_objet AS (
	SELECT objet, count(*) AS appels, string_agg(DISTINCT par, ', ') AS par, string_agg(DISTINCT phase, ', ') AS phases,
		   mode() WITHIN GROUP (ORDER BY appelant) AS appele_depuis, count(DISTINCT appelant) AS origines
	FROM appel GROUP BY objet
)
SELECT appels, objet, par, phases, origines, appele_depuis
FROM par_objet ORDER BY appels DESC, objet LIMIT :limite;
