-- The social-mix preference computed in C (preferer_mixite_rapide(),
-- src/mixite.c) is preferer_mixite()'s, to the last digit, and decider()
-- uses it; the kernel's choice among the candidates (choisir_candidats())
-- is the one decider() made from four arrays in SQL.
--
--  * Three programmes of 60 dwellings (and dwellings without one; one
--    programme's ids a run, read in one scan, another's spread among other
--    dwellings, one code with a bidirectional override), a year
--    of vacancies oriented one by one by orienter_suggestion() in one
--    transaction; before each, both compared as text on the candidates of
--    every vacancy not oriented yet, dated the day it is decided: the
--    programme's orientations pending in the transaction counted, those of
--    the vacancy decided left out, the pool's counted as the pool's.
--  * Then with withdrawn orientations and subtractions (left out), a window
--    of 3 (mixite_fenetre), a weight of 35 and of 0 (mixite_poids: 0 gives
--    the candidates back), a day before every orientation, null arguments.
--  * A role that may not read the landlord's rows in full: 42501.
\i test/setup.sql
BEGIN;
SELECT plan(11);
\i test/fixtures/ids_depuis_1.sql

INSERT INTO bailleur VALUES ('mix', 'Bailleur de la mixité', NULL);
INSERT INTO reservataire VALUES ('prefet', 'Préfet, prioritaires', 'etat_prioritaires'),
	('al', 'Action Logement Services', 'action_logement'), ('employeur', 'Employeur du Val-de-Marne', 'employeur');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('mix', 'prefet', '94', 2026, NULL, 20, 'orientation'), ('mix', 'al', '94', 2026, NULL, 40, 'mixte'),
	('mix', 'employeur', '94', 2026, NULL, 10.5, 'orientation');
-- P2's code with a right-to-left override (neutralised in the reasons)
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, programme)
SELECT 'mix', format('P%s-%s', p, n), '94028', 3, 'plus', n % 7 = 0, 1980, CASE p WHEN 2 THEN 'P2' || chr(8238) || 'x' ELSE 'P' || p END
FROM generate_series(1, 2) AS p, generate_series(1, 60) AS n;
-- P3's dwellings recorded among 300 others: their ids spread, the vacancies read dwelling by dwelling
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, programme)
SELECT 'mix', CASE WHEN k % 6 = 0 THEN format('P3-%s', 1 + k / 6) ELSE format('F-%s', k) END, '94028', 3, 'plus',
	   (1 + k / 6) % 7 = 0, 1980, CASE WHEN k % 6 = 0 THEN 'P3' END
FROM generate_series(0, 359) AS k ORDER BY k;
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'mix', format('S-%s', n), '94028', 2, 'plai', false, 1990 FROM generate_series(1, 10) AS n;
-- 100 vacancies, one every three days, in programmes P1 P2 P1 P3 and outside any, in turn
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, make_date(2026, 1, 2) + 3 * k
FROM generate_series(0, 99) AS k
JOIN logement l ON l.ref = CASE WHEN k % 5 = 4 THEN format('S-%s', 1 + k / 10)
								ELSE format('P%s-%s', ('{1,2,1,3}'::int[])[1 + k % 5], 1 + k / 5) END;

CREATE TEMP TABLE differences (etape text, vacance bigint, rapide text, sql text);
CREATE TEMP TABLE comparees (etape text, vacance bigint, change boolean);
-- both, on the candidates of every vacancy not oriented yet, on the day given (or the day it is decided)
CREATE FUNCTION pg_temp.comparer(etape text, le date DEFAULT NULL) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r record;
	c flux_mgmt.candidat_orientation[];
	x text;
	y text;
BEGIN
	FOR r IN
		SELECT va.id, l.bailleur, l.commune, l.programme, l.nb_pieces, l.financement, l.qpv,
			   coalesce(le, flux_mgmt.date_decision(va.id)) AS le
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
		WHERE NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = va.id AND o.issue <> 'retiree')
		ORDER BY va.id
	LOOP
		c := ARRAY(SELECT k FROM flux_mgmt.candidats(r.bailleur, r.commune, 2026, r.nb_pieces, r.financement, r.qpv, r.le) AS k);
		x := flux_mgmt.preferer_mixite_rapide(r.bailleur, r.programme, r.id, r.le, c)::text;
		y := flux_mgmt.preferer_mixite(r.bailleur, r.programme, r.id, r.le, c)::text;
		INSERT INTO comparees VALUES (etape, r.id, y IS DISTINCT FROM c::text);
		IF x IS DISTINCT FROM y THEN
			INSERT INTO differences VALUES (etape, r.id, x, y);
		END IF;
		-- the kernel's choice among them, from C and from the arrays decider() made in SQL
		c := flux_mgmt.preferer_mixite(r.bailleur, r.programme, r.id, r.le, c);
		x := flux_mgmt.choisir_candidats(c)::text;
		y := (SELECT flux_mgmt.choisir_orientation(array_agg(k.t ORDER BY i), array_agg(k.a ORDER BY i),
												   array_agg(round(k.taux * 10000)::bigint ORDER BY i),
												   array_agg(round(k.preference * 10000)::bigint ORDER BY i))
			  FROM unnest(c) WITH ORDINALITY AS k (reservataire, nom, territorial, taux, t, a, preference,
												   motifs_preference, gestion, i))::text;
		IF x IS DISTINCT FROM y THEN
			INSERT INTO differences VALUES (etape || ' (choice)', r.id, x, y);
		END IF;
	END LOOP;
END
$$;
CREATE FUNCTION pg_temp.une_annee() RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v bigint;
	n integer := 0;
BEGIN
	LOOP
		IF n % 10 = 0 THEN
			PERFORM pg_temp.comparer('the year');
		END IF;
		SELECT va.id INTO v FROM flux_mgmt.vacance va
		WHERE NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = va.id)
		ORDER BY va.date_liberation, va.id LIMIT 1;
		EXIT WHEN v IS NULL;
		PERFORM flux_mgmt.orienter_suggestion(v, (SELECT date_liberation FROM flux_mgmt.vacance WHERE id = v));
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

SELECT is(pg_temp.une_annee(), 100, 'the 100 vacancies of the year oriented one by one by orienter_suggestion(), in one transaction');
SELECT is((SELECT count(*) FROM differences), 0::bigint,
		  'every tenth orientation, preferer_mixite_rapide() gives preferer_mixite()''s candidates, as text, for every vacancy not oriented yet, and choisir_candidats() the choice decider() made in SQL');
SELECT ok((SELECT count(*) FILTER (WHERE change) > 100 FROM comparees),
		  'and the preference changed the candidates of most of them (the comparison is not of unchanged arrays)');
SELECT ok((SELECT count(DISTINCT reservataire) = 3 AND count(*) FILTER (WHERE reservataire IS NULL) > 0 FROM orientation),
		  'the year went to the three réservataires and to the pool');

-- withdrawn orientations and subtractions are left out; the window; the weight; a day before any
TRUNCATE differences, comparees;
UPDATE orientation SET issue = 'retiree', date_issue = date_orientation + 1
WHERE id IN (SELECT id FROM orientation WHERE issue = 'en_cours' ORDER BY id DESC LIMIT 30);
SELECT pg_temp.comparer('withdrawn');
INSERT INTO parametre_orientation VALUES ('mixite_fenetre', 3);
SELECT pg_temp.comparer('window of 3');
UPDATE parametre_orientation SET valeur = 35 WHERE cle = 'mixite_fenetre';
INSERT INTO parametre_orientation VALUES ('mixite_poids', 35);
SELECT pg_temp.comparer('weight 35');
SELECT pg_temp.comparer('before any orientation', '2026-01-01');
SELECT is((SELECT count(*) FROM differences), 0::bigint,
		  'the same after 30 orientations withdrawn (their vacancies decided again), with a window of 3, a weight of 35, on a day before every orientation');
SELECT ok((SELECT count(*) FROM comparees WHERE etape = 'withdrawn') >= 30, '(30 vacancies or more compared after the withdrawals)');
UPDATE parametre_orientation SET valeur = 0 WHERE cle = 'mixite_poids';
SELECT is((SELECT preferer_mixite_rapide('mix', 'P1', 1, '2026-12-31', c)::text = c::text
		   FROM (SELECT ARRAY(SELECT k FROM candidats('mix', '94028', 2026, 3::smallint, 'plus', false, '2026-12-31') AS k) AS c) AS x),
		  true, 'weight 0: the candidates as they were');
DELETE FROM parametre_orientation;
SELECT is((SELECT count(*) FROM (VALUES
			(preferer_mixite_rapide('mix', NULL, 1, '2026-12-31', ARRAY(SELECT k FROM candidats('mix', '94028', 2026, 3::smallint, 'plus', false) AS k))::text
			 = ARRAY(SELECT k FROM candidats('mix', '94028', 2026, 3::smallint, 'plus', false) AS k)::text),
			(preferer_mixite_rapide('mix', 'P1', 1, NULL, ARRAY(SELECT k FROM candidats('mix', '94028', 2026, 3::smallint, 'plus', false) AS k))::text
			 = ARRAY(SELECT k FROM candidats('mix', '94028', 2026, 3::smallint, 'plus', false) AS k)::text),
			(preferer_mixite_rapide('mix', 'P1', 1, '2026-12-31', NULL) IS NULL)) AS t (b) WHERE b), 3::bigint,
		  'no programme, no day: the candidates as they were; no candidates: null (as preferer_mixite())');
SELECT is(preferer_mixite_rapide('mix', 'P1', 1, '2026-12-31', ARRAY[NULL::candidat_orientation])::text,
		  preferer_mixite('mix', 'P1', 1, '2026-12-31', ARRAY[NULL::candidat_orientation])::text,
		  'a null candidate comes back as preferer_mixite() gives it (a row of nulls, no reasons)');

-- a role restricted by the policies
CREATE ROLE reservataire_752;
SELECT accorder_profil('reservataire_752', 'reservataire', 'mix', 'al') \g /dev/null
SET LOCAL ROLE reservataire_752;
SELECT throws_ok($$SELECT preferer_mixite_rapide('mix', 'P1', 1, '2026-12-31', '{}')$$, '42501',
				 'role reservataire_752 may not read the rows of landlord "mix"',
				 'a réservataire, whose rows the policies cut: 42501');
RESET ROLE;

-- a role that may read the dwellings and vacancies but not the orientations: 42501, even for a
-- programme without dwellings (the privileges checked as a query of the three tables would)
CREATE ROLE lecteur_752;
SELECT accorder_profil('lecteur_752', 'saisie', 'mix') \g /dev/null
REVOKE SELECT ON orientation FROM lecteur_752;
SET LOCAL ROLE lecteur_752;
SELECT throws_ok($$SELECT preferer_mixite_rapide('mix', 'P9', 1, '2026-12-31', '{}')$$, '42501',
				 'permission denied for table orientation',
				 'no SELECT on orientation: 42501, though programme P9 has no dwelling');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
