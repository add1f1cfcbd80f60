-- suggerer()'s rows computed in C (suggestions_classees(),
-- src/suggestions.c) are those of the query it replaced, to the last
-- character, on candidates and choices made by hand to reach every reason:
-- no entitlement left, not eligible, most urgent within and beyond the
-- bound, preferred over the most urgent, eligible; territorial, delegated
-- management, the pool, preference reasons, the subtraction advice; null
-- fields and null candidates, a position out of the array, no most urgent;
-- arrays of another shape refused.
\i test/setup.sql
BEGIN;
SELECT plan(6);

-- the query suggerer() ran before (sql/src/75_moteur.sql at 0.2's first engine)
CREATE FUNCTION pg_temp.reference(c flux_mgmt.candidat_orientation[], choix flux_mgmt.choix_orientation, avis text[])
RETURNS TABLE (rang integer, reservataire text, ecart numeric, score numeric, motifs text[])
LANGUAGE plpgsql STABLE SET search_path = flux_mgmt, pg_catalog, pg_temp AS $f$
DECLARE
	n integer := (SELECT count(*) FROM unnest(c) AS x WHERE x.taux > 0);
	k numeric := CASE WHEN n >= 2 THEN 2 * n - 2 ELSE 1 END;
BEGIN
	RETURN QUERY
	SELECT r.rang::integer, x.reservataire, trim_scale(e.ecart),
		   CASE WHEN x.taux > 0 THEN round((1 - 1 / k - e.ecart) / (x.taux / 100), 3) END,
		   ARRAY[format('%s: entitlement %s of the %s in-flux dwellings of %s this year (%s %%), %s received: ecart %s',
						x.nom, round(x.t * x.taux / 100, 3), x.t,
						CASE WHEN x.territorial THEN 'its territory' ELSE 'the département' END,
						trim_scale(x.taux), x.a, round(e.ecart, 3))]
		   || CASE
				WHEN x.taux <= 0 THEN ARRAY['no entitlement left to it']
				WHEN e.ecart * k < 1 THEN ARRAY[format('at or above its quota: ecart below %s, not eligible this time', round(1 / k, 3))]
				WHEN r.rang = 1 AND r.idx = choix.plus_urgent AND e.ecart <= 1 - 1 / k
					THEN ARRAY[format('most urgent: it falls below its quota within %s more dwellings (Tijdeman''s rule)',
									  round((1 - 1 / k - e.ecart) / (x.taux / 100), 3))]
				-- past the bound (the shares changed during the year, orientations made by hand)
				WHEN r.rang = 1 AND r.idx = choix.plus_urgent
					THEN ARRAY[format('most urgent: already %s dwellings below its quota beyond the bound of %s (Tijdeman''s rule)',
									  round(e.ecart - (1 - 1 / k), 3), round(1 - 1 / k, 3))]
				WHEN r.rang = 1
					THEN ARRAY[format('preferred over %s, more urgent, for its objectives: the quota bound of %s still holds (checked over the next %s dwellings)',
									  c[choix.plus_urgent].nom, round(1 - 1 / k, 3), choix.horizon)]
				ELSE ARRAY[format('eligible: below its quota by %s or more', round(1 / k, 3))]
			  END
		   || x.motifs_preference
		   || CASE WHEN x.territorial THEN ARRAY['territorial réservataire: the dwelling is in its territory'] ELSE '{}' END
		   || CASE WHEN x.gestion = 'deleguee'
				THEN ARRAY['delegated management: the landlord designates the candidates on its behalf (no delay, no carence)'] ELSE '{}' END
		   || CASE WHEN x.reservataire IS NULL THEN ARRAY['landlord''s pool: what the département''s flux leaves after every convention''s entitlement'] ELSE '{}' END
		   || CASE WHEN r.rang = 1 THEN avis ELSE '{}' END
	FROM unnest(choix.classement) WITH ORDINALITY AS r(idx, rang)
	CROSS JOIN LATERAL (SELECT (c[r.idx]).*) AS x
	CROSS JOIN LATERAL (SELECT x.t * x.taux / 100 - x.a AS ecart) AS e
	ORDER BY r.rang;
END
$f$;

CREATE TEMP TABLE cas (nom text, c flux_mgmt.candidat_orientation[], choix flux_mgmt.choix_orientation, avis text[]);
INSERT INTO cas VALUES
	-- three holders and the pool: most urgent within the bound, eligible, not eligible, no entitlement
	('ordinaire',
	 ARRAY[ROW('prefet', 'Préfet', false, 25.5, 41, 10, 0, '{}', 'directe'),
		   ROW('al', 'Action Logement', false, 30, 41, 12, 2.25, ARRAY['social mix: received none'], 'deleguee'),
		   ROW('ville', 'Ville', true, 10, 17, 1, 0, NULL, 'directe'),
		   ROW('epuise', 'Épuisé', false, 0, 41, 3, 0, '{}', 'directe'),
		   ROW(NULL, 'landlord''s pool', false, 34.5, 41, 14, 0, '{}', NULL)]::flux_mgmt.candidat_orientation[],
	 ROW(ARRAY[1, 2, 5, 3, 4], 1, 0)::flux_mgmt.choix_orientation,
	 ARRAY['advice, outside the quota: mutation behind forecast']),
	-- rank 1 preferred over the most urgent (third), with the horizon simulated
	('preferee',
	 ARRAY[ROW('al', 'Action Logement', false, 40, 100, 39, 5, '{}', 'directe'),
		   ROW(NULL, 'landlord''s pool', false, 35, 100, 34, 0, '{}', NULL),
		   ROW('prefet', 'Préfet', false, 25, 100, 24, 0, '{}', 'directe')]::flux_mgmt.candidat_orientation[],
	 ROW(ARRAY[1, 3, 2], 3, 42)::flux_mgmt.choix_orientation, '{}'),
	-- rank 1 the most urgent beyond the bound (shares changed during the year)
	('au_dela',
	 ARRAY[ROW('al', 'Action Logement', false, 60, 200, 100, 0, '{}', 'directe'),
		   ROW(NULL, 'landlord''s pool', false, 40, 200, 100, 0, '{}', NULL)]::flux_mgmt.candidat_orientation[],
	 ROW(ARRAY[1, 2], 1, 0)::flux_mgmt.choix_orientation, NULL),
	-- one holder only (k = 1), no most urgent, a null candidate, a position out of the array, null fields
	('bords',
	 ARRAY[ROW('seul', NULL, NULL, 100, 3, 3, NULL, NULL, NULL), NULL,
		   ROW('x', 'X', false, NULL, NULL, 2, 0, '{}', 'directe')]::flux_mgmt.candidat_orientation[],
	 ROW(ARRAY[1, 2, 7, 3, NULL], NULL, NULL)::flux_mgmt.choix_orientation, ARRAY[NULL, 'advice']),
	('zero_urgent',
	 ARRAY[ROW('a', 'A', false, 50, 10, 9, 0, '{}', 'directe'),
		   ROW('b', 'B', false, 50, 10, 9, 0, '{}', 'directe')]::flux_mgmt.candidat_orientation[],
	 ROW(ARRAY[2, 1], 0, 0)::flux_mgmt.choix_orientation, '{}'),
	('sans_classement', ARRAY[]::flux_mgmt.candidat_orientation[], ROW(NULL, 1, 0)::flux_mgmt.choix_orientation, '{}'),
	('sans_choix', NULL, NULL, NULL);

SELECT is((SELECT count(*) FROM cas
		   WHERE (SELECT array_agg(s::text ORDER BY s.rang) FROM flux_mgmt.suggestions_classees(cas.c, cas.choix, cas.avis) AS s)
				 IS DISTINCT FROM (SELECT array_agg(s::text ORDER BY s.rang) FROM pg_temp.reference(cas.c, cas.choix, cas.avis) AS s)),
		  0::bigint, 'suggestions_classees() gives the rows of the query it replaced, as text, in every case');
-- the cases reach every reason (the comparison is not of empty rows)
SELECT is((SELECT count(DISTINCT substring(m FROM '^(no entitlement|at or above|most urgent: it falls|most urgent: already|preferred over|eligible|territorial|delegated|landlord''s pool|advice|social mix)')) FROM cas,
				  flux_mgmt.suggestions_classees(cas.c, cas.choix, cas.avis) AS s, unnest(s.motifs) AS m
		   WHERE m ~ '^(no entitlement|at or above|most urgent: it falls|most urgent: already|preferred over|eligible|territorial|delegated|landlord''s pool|advice|social mix)'),
		  11::bigint, 'the cases reach the eleven kinds of reason (the comparison is not of a few easy rows)');
SELECT is((SELECT count(*) FROM flux_mgmt.suggestions_classees(NULL, NULL, NULL)), 0::bigint,
		  'no choice: no rows, as unnest of a null classement');

-- arrays of another shape than decider()'s are refused, not read otherwise than the SQL did
SELECT throws_ok($$SELECT * FROM flux_mgmt.suggestions_classees('[0:1]={"(a,A,f,50,10,5,0,{},directe)","(b,B,f,50,10,5,0,{},directe)"}',
														   ROW(ARRAY[1], 1, 0)::flux_mgmt.choix_orientation, NULL)$$,
				 '22023', 'candidats must be a one-dimensional array starting at 1, not one of 1 dimensions starting at 0',
				 'candidates starting at 0: 22023');
SELECT throws_ok($$SELECT * FROM flux_mgmt.suggestions_classees('{{"(a,A,f,50,10,5,0,{},directe)"}}',
														   ROW(ARRAY[1], 1, 0)::flux_mgmt.choix_orientation, NULL)$$,
				 '22023', 'candidats must be a one-dimensional array starting at 1, not one of 2 dimensions starting at 1',
				 'candidates in two dimensions: 22023');
SELECT throws_ok($$SELECT * FROM flux_mgmt.suggestions_classees(ARRAY[ROW('a', 'A', false, 50, 10, 5, 0, '{}', 'directe')]::flux_mgmt.candidat_orientation[],
														   ROW(ARRAY[1], 1, 0)::flux_mgmt.choix_orientation, '{{x,y}}')$$,
				 '22023', 'avis must be a one-dimensional array starting at 1, not one of 2 dimensions starting at 1',
				 'advice in two dimensions: 22023 (the SQL''s || failed on it too)');

SELECT * FROM finish();
ROLLBACK;
