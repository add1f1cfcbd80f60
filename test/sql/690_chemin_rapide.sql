-- The fast path of the counter triggers (src/chemin_rapide.c) writes what
-- the general path writes.
--
--  * One history of a few hundred events, recorded twice from the same
--    state, in a savepoint rolled back between the two: once with
--    flux_mgmt.chemin_rapide on, once off.  Vacancies of flux, stock and
--    hors_champ dwellings; first orientations to réservataires under
--    conventions in each décompte mode (prefet: orientation, agents: bail,
--    al and the territorial montreuil: mixte), to the pool, subtractions,
--    stock dwellings to their holder, hors_champ ones to the pool;
--    attributions with and without a lease date, with each household flag;
--    closures (carence, echec, retiree) and second orientations (the general
--    path's, in both runs); statements of 1 row, of 2 to 8 rows and of 9
--    or 12.  Both runs leave the same
--    ledger (contribution without vacance_id, sorted), the same counter sums
--    per key (compteur and compteur_bilan summed over tranche, keys all at
--    zero left out), and counters that equal both recounts
--    (verifier_compteurs() and the oracle, test/oracle/recompte.sql).
--  * The fast path is taken: under client_min_messages = debug1 the common
--    single-row events print no "general path" line (this file's expected
--    output shows it) and call none of the SQL functions the general path's
--    recount calls (flux_mgmt.typologie and periode_construction, tracked
--    with track_functions = all in pg_stat_xact_user_functions); a second
--    orientation of a vacancy after a carence, and the attribution of an
--    orientation that is not its vacancy's only one, fall back and say why.
--  * Statements larger than the fast path's batch (64 rows): 150 vacancies,
--    their first orientations and their attributions, one statement each,
--    counted in C; a statement of 150 first orientations whose 130th row is
--    a second orientation (after a carence) falls back after two batches
--    were written, one whose 129th row breaks a rule (hors_territoire) is
--    refused as the general path refuses it and leaves nothing behind; the
--    counters equal both recounts after each.
--
-- The history is the same at every run (fixed seed, identity sequences
-- restarted in the transaction, every random choice made in a PL/pgSQL loop
-- over rows in id order).  What the savepoints see is read into psql
-- variables (\gset) and checked after them: pgTAP's bookkeeping would be
-- rolled back with them.
\i test/setup.sql
BEGIN;
-- the debug1 output compared below is the fast path's, not the JIT's (a
-- recount's plan crosses jit_above_cost as the tables grow)
SET LOCAL jit = off;
SELECT plan(46);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
-- more dwellings: flux ones in both communes (some in a QPV), a security
-- stock one held by the ministry, two more hors_champ
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || lpad(n::text, 2, '0'), CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1940 + 2 * n
FROM generate_series(1, 24) AS n;
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, regime, reservataire_stock) VALUES
	('b93', 'D2', '93048', 2, 'pls', false, 2001, 'stock_securite', 'defense'),
	('b93', 'H2', '93048', 4, 'autre', true, 1925, 'hors_champ', NULL),
	('b93', 'H3', '93008', 1, 'autre', false, NULL, 'hors_champ', NULL);
-- agents's convention changes its mode at the turn of the year: bail in
-- 2025, orientation from 2026 (the fast path finds the one in force in the
-- year of the orientation)
UPDATE convention SET annee_fin = 2025 WHERE reservataire = 'agents';
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte)
VALUES ('b93', 'agents', '93', 2026, NULL, 5, 'orientation');
\i test/oracle/recompte.sql

CREATE FUNCTION pg_temp.au_hasard(t anyarray) RETURNS anyelement LANGUAGE sql AS
$$ SELECT t[1 + floor(random() * cardinality(t))::int] $$;

-- Who an orientation of a vacancy goes to: for a flux dwelling, a
-- réservataire (montreuil only in its commune), the pool or a subtraction;
-- a stock dwelling to its holder; a hors_champ one to the pool.
CREATE FUNCTION pg_temp.destinataire(vid bigint, OUT reservataire text, OUT soustraction flux_mgmt.motif_soustraction)
LANGUAGE plpgsql AS $$
DECLARE
	l flux_mgmt.logement;
	x float8 := random();
BEGIN
	SELECT g.* INTO l FROM flux_mgmt.vacance v JOIN flux_mgmt.logement g ON g.id = v.logement_id WHERE v.id = vid;
	IF l.regime = 'hors_champ' THEN
		RETURN;
	ELSIF l.regime <> 'flux' THEN
		reservataire := l.reservataire_stock;
	ELSIF x < 0.12 THEN
		RETURN;
	ELSIF x < 0.22 THEN
		soustraction := pg_temp.au_hasard(enum_range(NULL::flux_mgmt.motif_soustraction));
	ELSE
		reservataire := pg_temp.au_hasard(ARRAY['prefet', 'agents', 'al', 'montreuil']);
		IF reservataire = 'montreuil' AND l.commune <> '93048' THEN
			reservataire := 'al';
		END IF;
	END IF;
END $$;

-- One round: n vacancies (one statement), first orientations of up to n
-- vacancies (one statement), attributions of up to n open orientations (one
-- statement), sometimes a closure, then a second orientation of up to two
-- vacancies whose orientations are all closed (one statement).  Statement
-- sizes are drawn from tailles: 1 to 12 rows.
-- Returns the number of rows of its vacancy, first orientation and
-- attribution statements.
CREATE FUNCTION pg_temp.tour(t int) RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	tailles int[] := '{1,1,1,1,2,3,4,5,6,8,9,12}';
	nb_logements int := (SELECT count(*) FROM flux_mgmt.logement);
	jour date := date '2025-01-06' + 11 * t;
	n int;
	k int;
	r record;
	ids bigint[];
	res text[];
	sous flux_mgmt.motif_soustraction[];
	dates date[];
	baux date[];
	drapeaux boolean[];
	d record;
	lignes int[] := '{}';
	c int;
BEGIN
	-- vacancies: n consecutive dwellings (by ref, cyclically) from a drawn one
	n := pg_temp.au_hasard(tailles);
	k := floor(random() * nb_logements)::int;
	INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
	SELECT x.id, jour FROM (SELECT l.id, row_number() OVER (ORDER BY l.ref) - 1 AS rang FROM flux_mgmt.logement l) x
	WHERE (x.rang - k + nb_logements) % nb_logements < n;
	GET DIAGNOSTICS c = ROW_COUNT;
	lignes := lignes || c;
	-- first orientations of the oldest vacancies never oriented
	n := pg_temp.au_hasard(tailles);
	ids := '{}'; res := '{}'; sous := '{}'; dates := '{}';
	FOR r IN SELECT v.id, v.date_liberation FROM flux_mgmt.vacance v
			 WHERE NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = v.id) ORDER BY v.id LIMIT n LOOP
		d := pg_temp.destinataire(r.id);
		ids := ids || r.id; res := res || d.reservataire; sous := sous || d.soustraction;
		dates := dates || (r.date_liberation + floor(random() * 12)::int);
	END LOOP;
	INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, soustraction, date_orientation)
	SELECT * FROM unnest(ids, res, sous, dates);
	lignes := lignes || cardinality(ids);
	-- attributions: each open orientation (by id) with probability 0.4, up to n
	n := pg_temp.au_hasard(tailles);
	ids := '{}'; dates := '{}'; baux := '{}'; drapeaux := '{}';
	FOR r IN SELECT o.id, o.date_orientation FROM flux_mgmt.orientation o WHERE o.issue = 'en_cours' ORDER BY o.id LOOP
		EXIT WHEN cardinality(ids) >= n;
		CONTINUE WHEN random() >= 0.4;
		ids := ids || r.id;
		dates := dates || (r.date_orientation + floor(random() * 15)::int);
		baux := baux || CASE WHEN random() < 0.25 THEN NULL ELSE dates[cardinality(dates)] + floor(random() * 200)::int END;
		drapeaux := drapeaux || ARRAY[random() < 0.3, random() < 0.2, random() < 0.25, random() < 0.15, random() < 0.1, random() < 0.1];
	END LOOP;
	INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire,
									   relogement_renouvellement, mutation, agent_etat)
	SELECT ids[i], dates[i], baux[i], drapeaux[6 * i - 5], drapeaux[6 * i - 4], drapeaux[6 * i - 3],
		   drapeaux[6 * i - 2], drapeaux[6 * i - 1], drapeaux[6 * i]
	FROM generate_subscripts(ids, 1) AS i;
	lignes := lignes || cardinality(ids);
	-- a closure, one round in two: the k-th open orientation
	IF random() < 0.5 THEN
		SELECT o.id, o.date_orientation, o.date_limite INTO r FROM flux_mgmt.orientation o WHERE o.issue = 'en_cours'
		ORDER BY o.id OFFSET floor(random() * (SELECT count(*) FROM flux_mgmt.orientation WHERE issue = 'en_cours')) LIMIT 1;
		IF FOUND THEN
			PERFORM flux_mgmt.cloturer(r.id,
				CASE WHEN r.date_limite IS NULL THEN pg_temp.au_hasard('{echec,retiree}'::flux_mgmt.issue_orientation[])
					 ELSE pg_temp.au_hasard('{carence,carence,echec,retiree}'::flux_mgmt.issue_orientation[]) END,
				greatest(r.date_limite, r.date_orientation) + floor(random() * 10)::int);
		END IF;
	END IF;
	-- second orientations (general path): up to two vacancies whose orientations are all closed
	ids := '{}'; res := '{}'; sous := '{}'; dates := '{}';
	FOR r IN SELECT o.vacance_id, max(coalesce(o.date_issue, o.date_orientation)) AS depuis FROM flux_mgmt.orientation o
			 GROUP BY o.vacance_id HAVING NOT bool_or(o.ouverte) ORDER BY o.vacance_id LIMIT 2 LOOP
		d := pg_temp.destinataire(r.vacance_id);
		ids := ids || r.vacance_id; res := res || d.reservataire; sous := sous || d.soustraction;
		dates := dates || (r.depuis + 1 + floor(random() * 5)::int);
	END LOOP;
	INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, soustraction, date_orientation)
	SELECT * FROM unnest(ids, res, sous, dates);
	RETURN lignes;
END $$;

-- the whole history, from a fixed seed and restarted identities (the
-- fixture's vacancies have ids 1 to 7); returns, for the vacancy, first
-- orientation and attribution statements, how many wrote 1 row, 2 to 8, more
CREATE FUNCTION pg_temp.histoire() RETURNS int[] LANGUAGE plpgsql AS $$
DECLARE
	tailles int[] := '{0,0,0,0,0,0,0,0,0}';
	l int[];
BEGIN
	ALTER TABLE flux_mgmt.vacance ALTER COLUMN id RESTART WITH 1000;
	ALTER TABLE flux_mgmt.orientation ALTER COLUMN id RESTART WITH 1000;
	ALTER TABLE flux_mgmt.attribution ALTER COLUMN id RESTART WITH 1000;
	PERFORM setseed(0.690);
	FOR t IN 1 .. 50 LOOP
		l := pg_temp.tour(t);
		FOR s IN 1 .. 3 LOOP
			CONTINUE WHEN l[s] = 0;
			tailles[3 * s - CASE WHEN l[s] = 1 THEN 2 WHEN l[s] <= 8 THEN 1 ELSE 0 END] :=
				tailles[3 * s - CASE WHEN l[s] = 1 THEN 2 WHEN l[s] <= 8 THEN 1 ELSE 0 END] + 1;
		END LOOP;
	END LOOP;
	RETURN tailles;
END $$;

-- what both runs must leave alike: the ledger without vacance_id, sorted
CREATE TEMP VIEW registre AS
	SELECT (bailleur, commune, typologie, financement, qpv, periode, annee, reservataire, soustraction, dans_flux,
			en_cours, attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv,
			prioritaires)::text AS ligne
	FROM contribution;
-- the counter sums per key, over tranche, keys all at zero left out
CREATE TEMP VIEW sommes AS
	SELECT ('compteur', bailleur, annee, commune, reservataire, soustraction, dans_flux,
			ARRAY[sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes),
				  sum(baux), sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)])::text AS ligne
	FROM compteur GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	HAVING ARRAY[sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes),
				 sum(baux), sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)] <> '{0,0,0,0,0,0,0,0,0,0,0}'
	UNION ALL
	SELECT ('compteur_bilan', bailleur, annee, commune, reservataire, typologie, financement, qpv, periode,
			ARRAY[sum(proposes), sum(attribues)])::text
	FROM compteur_bilan GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	HAVING ARRAY[sum(proposes), sum(attribues)] <> '{0,0}';
-- what a run left, read into psql variables
CREATE TEMP VIEW bilan_run AS
	SELECT (SELECT array_agg(ligne ORDER BY ligne) FROM registre) AS registre,
		   (SELECT array_agg(ligne ORDER BY ligne) FROM sommes) AS sommes,
		   (SELECT count(*) FROM flux_mgmt.verifier_compteurs()) AS ecarts,
		   (SELECT count(*) FROM oracle_ecarts) AS ecarts_oracle,
		   (SELECT count(*) FROM oracle_comparaisons) AS comparaisons,
		   ARRAY[(SELECT count(*) FROM vacance), (SELECT count(*) FROM orientation), (SELECT count(*) FROM attribution),
				 (SELECT count(*) FROM attribution WHERE date_bail IS NULL),
				 (SELECT count(*) FROM orientation WHERE issue = 'carence'),
				 (SELECT count(*) FROM (SELECT vacance_id FROM orientation GROUP BY 1 HAVING count(*) > 1) p)] AS evenements,
		   -- first orientations by destination, attributions by household flag
		   (SELECT array_agg(n ORDER BY k COLLATE "C") FROM (
				SELECT CASE WHEN l.regime = 'hors_champ' THEN 'hors_champ' WHEN l.regime <> 'flux' THEN 'stock'
							WHEN o.soustraction IS NOT NULL THEN 'soustraction'
							ELSE coalesce(o.reservataire, 'reserve') || extract(year FROM o.date_orientation) END AS k,
					   count(*) AS n
				FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
				WHERE NOT EXISTS (SELECT FROM orientation p WHERE p.vacance_id = o.vacance_id AND p.id < o.id)
				GROUP BY 1) x) AS destinations,
		   (SELECT ARRAY[count(*) FILTER (WHERE premier_quartile), count(*) FILTER (WHERE dalo),
						 count(*) FILTER (WHERE prioritaire), count(*) FILTER (WHERE relogement_renouvellement),
						 count(*) FILTER (WHERE mutation), count(*) FILTER (WHERE agent_etat)] FROM attribution) AS menages;

-- calls of the SQL functions of the general path's recount (its view
-- contribution_calculee calls them; the fast path computes in C)
SET track_functions = 'all';
CREATE TEMP VIEW appels AS
	SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_xact_user_functions
	WHERE schemaname = 'flux_mgmt' AND funcname IN ('typologie', 'periode_construction');

SAVEPOINT avant_histoire;
SET flux_mgmt.chemin_rapide = on;
SELECT n AS appels_avant_rapide FROM appels \gset
SELECT pg_temp.histoire() AS tailles_rapide \gset
SELECT n - :'appels_avant_rapide' AS appels_rapide FROM appels \gset
SELECT registre AS registre_rapide, sommes AS sommes_rapide, ecarts AS ecarts_rapide, ecarts_oracle AS oracle_rapide,
	   comparaisons AS comparaisons_rapide, evenements AS evenements_rapide,
	   destinations AS destinations_rapide, menages AS menages_rapide
FROM bilan_run \gset
ROLLBACK TO SAVEPOINT avant_histoire;

SELECT is((SELECT count(*) FROM vacance WHERE logement_id IN (SELECT id FROM logement WHERE ref LIKE 'R%')), 0::bigint,
		  'the savepoint took the first run back');
SET flux_mgmt.chemin_rapide = off;
SELECT n AS appels_avant_general FROM appels \gset
SELECT pg_temp.histoire() AS tailles_general \gset
SELECT n - :'appels_avant_general' AS appels_general FROM appels \gset
SELECT registre AS registre_general, sommes AS sommes_general, ecarts AS ecarts_general, ecarts_oracle AS oracle_general,
	   comparaisons AS comparaisons_general, evenements AS evenements_general
FROM bilan_run \gset
RESET flux_mgmt.chemin_rapide;

SELECT is(:'ecarts_rapide'::bigint, 0::bigint, 'fast path on: verifier_compteurs() is empty after the history');
SELECT is(:'oracle_rapide'::bigint, 0::bigint, 'fast path on: the oracle finds no difference');
SELECT is(:'ecarts_general'::bigint, 0::bigint, 'fast path off: verifier_compteurs() is empty after the history');
SELECT is(:'oracle_general'::bigint, 0::bigint, 'fast path off: the oracle finds no difference');
SELECT is(:'evenements_rapide'::bigint[], :'evenements_general'::bigint[], 'both runs recorded the same events');
SELECT is(:'destinations_rapide'::bigint[], '{30,8,38,15,15,14,10,22,14,11,9,23,10}'::bigint[],
		  'first orientations in 2025 and 2026 to agents (bail, then orientation), al (mixte), hors_champ dwellings, montreuil (mixte, territorial), prefet (orientation), the pool; subtracted; stock ones');
SELECT is(:'menages_rapide'::bigint[], '{58,44,61,22,24,27}'::bigint[],
		  'attributions to first-quartile, DALO, priority, renewal-rehoused, mutation, State agent households');
SELECT is(:'evenements_rapide'::bigint[], '{250,239,206,52,11,18}'::bigint[],
		  'the same at every run: 250 vacancies (7 of the fixture), 239 orientations, 206 attributions (52 without a lease), 11 carences, 18 vacancies oriented twice');
SELECT results_eq(format('SELECT unnest(%L::text[])', :'registre_rapide'), format('SELECT unnest(%L::text[])', :'registre_general'),
				  'the ledger rows are the same on both paths');
-- (two of them the engine's count of vacancies freed in one year and oriented in the next)
SELECT is(cardinality(:'registre_rapide'::text[]), 531, '531 ledger rows after the history');
SELECT results_eq(format('SELECT unnest(%L::text[])', :'sommes_rapide'), format('SELECT unnest(%L::text[])', :'sommes_general'),
				  'the counter sums per key (compteur and compteur_bilan) are the same on both paths');
SELECT is(cardinality(:'sommes_rapide'::text[]), 170, '170 counter keys not at zero after the history');
SELECT is(:'tailles_rapide'::int[], '{17,24,9,21,19,10,9,36,4}'::int[],
		  'statements of 1 row, of 2 to 8 rows, of more: vacancies 17, 24, 9; first orientations 21, 19, 10; attributions 9, 36, 4');
SELECT is(:'tailles_general'::int[], :'tailles_rapide'::int[], 'the same statements in both runs');
SELECT cmp_ok(:'appels_rapide'::numeric, '<', :'appels_general'::numeric,
			  'the fast run called the general path''s recount functions less often');
SELECT is(:'comparaisons_rapide'::bigint, :'comparaisons_general'::bigint, 'the oracle compared as many values after each run');

-- The fast path is taken by the common events, one row at a time: no
-- "general path" line below, and the general path's recount functions are
-- not called.  A second orientation of a vacancy (after a carence) and the
-- attribution of an orientation that is not the only one of its vacancy
-- fall back, and the DEBUG line says why.
SELECT n AS appels_avant FROM appels \gset
SET client_min_messages = debug1;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2028-01-10' FROM logement WHERE ref IN ('M1', 'M2', 'D1', 'H1');
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'prefet', '2028-01-11' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'M1' AND v.date_liberation = '2028-01-10';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'al', '2028-01-11' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'M2' AND v.date_liberation = '2028-01-10';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'defense', '2028-01-12' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'D1' AND v.date_liberation = '2028-01-10';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, NULL, '2028-01-12' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'H1' AND v.date_liberation = '2028-01-10';
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT id, '2028-01-20', '2028-02-01', true, true FROM orientation WHERE reservataire = 'prefet' AND date_orientation = '2028-01-11';
INSERT INTO attribution (orientation_id, date_caleol)
SELECT id, '2028-01-20' FROM orientation WHERE reservataire = 'defense' AND date_orientation = '2028-01-12';
RESET client_min_messages;
SELECT is((SELECT n FROM appels), :'appels_avant'::numeric,
		  'vacancies, first orientations (to a réservataire, a stock holder, the pool) and attributions are counted in C: the general path''s recount functions are not called');
-- the carence of al's orientation, then a second orientation and its attribution
SELECT cloturer(o.id, 'carence', o.date_limite) FROM orientation o WHERE reservataire = 'al' AND date_orientation = '2028-01-11';
SET client_min_messages = debug1;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT vacance_id, 'agents', date_issue + 1 FROM orientation WHERE reservataire = 'al' AND date_orientation = '2028-01-11';
INSERT INTO attribution (orientation_id, date_caleol, date_bail, prioritaire)
SELECT o.id, o.date_orientation + 3, o.date_orientation + 10, true FROM orientation o
WHERE o.reservataire = 'agents' AND o.issue = 'en_cours' AND o.vacance_id IN (SELECT vacance_id FROM orientation WHERE reservataire = 'al' AND date_orientation = '2028-01-11');
RESET client_min_messages;
SELECT cmp_ok((SELECT n FROM appels), '>', :'appels_avant'::numeric,
			  'the second orientation and its attribution are recounted by the general path');
-- a first orientation of 9 vacancies is counted in C too
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2028-03-01' FROM logement WHERE ref BETWEEN 'R01' AND 'R09';
SELECT n AS appels_avant FROM appels \gset
SET client_min_messages = debug1;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT id, NULL, '2028-03-02' FROM vacance WHERE date_liberation = '2028-03-01';
RESET client_min_messages;
SELECT is((SELECT n FROM appels), :'appels_avant'::numeric, 'a first orientation of 9 vacancies is counted in C');

-- Statements of more rows than a batch (64): 300 more flux dwellings, G001
-- to G300, in both communes.
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'G' || lpad(n::text, 3, '0'), CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1940 + n % 80
FROM generate_series(1, 300) AS n;
CREATE TEMP VIEW g AS
	SELECT l.ref, l.commune, v.id AS vacance_id, row_number() OVER (ORDER BY l.ref) AS rang
	FROM logement l JOIN vacance v ON v.logement_id = l.id AND v.date_liberation = '2028-04-01'
	WHERE l.ref LIKE 'G%';
-- 150 vacancies, their first orientations (prefet, agents, al, the pool) and
-- attributions (a fifth without a lease), one statement each: in C, in
-- three batches each, and nothing says "general path"
SELECT n AS appels_avant FROM appels \gset
SET client_min_messages = debug1;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2028-04-01' FROM logement WHERE ref BETWEEN 'G001' AND 'G150' ORDER BY ref;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT vacance_id, (ARRAY['prefet', 'agents', 'al', NULL])[1 + rang % 4], '2028-04-02' FROM g ORDER BY rang;
INSERT INTO attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT o.id, '2028-04-10', CASE WHEN g.rang % 5 <> 0 THEN date '2028-04-20' END, g.rang % 2 = 0, g.rang % 7 = 0
FROM orientation o JOIN g ON g.vacance_id = o.vacance_id ORDER BY g.rang;
RESET client_min_messages;
SELECT is((SELECT n FROM appels), :'appels_avant'::numeric,
		  'statements of 150 vacancies, first orientations and attributions are counted in C');
SELECT is((SELECT count(*) FROM orientation o JOIN g ON g.vacance_id = o.vacance_id WHERE o.issue = 'attribuee'), 150::bigint,
		  'the 150 orientations are attributed');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters of the three large statements equal the recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
-- 150 more vacancies (G151 to G300); G280's oriented to al and closed by a
-- carence: in a statement of 150 orientations, its 130th row is its second
-- one; the fast path writes two batches, meets that row and leaves the
-- statement to the general path, which recounts all of it
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2028-04-01' FROM logement WHERE ref BETWEEN 'G151' AND 'G300' ORDER BY ref;
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT vacance_id, 'al', '2028-04-02' FROM g WHERE ref = 'G280';
SELECT cloturer(o.id, 'carence', o.date_limite) FROM orientation o JOIN g ON g.vacance_id = o.vacance_id WHERE g.ref = 'G280';
SET client_min_messages = debug1;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT vacance_id, CASE WHEN rang % 3 = 0 THEN 'prefet' END, '2028-06-01' FROM g WHERE rang > 150 ORDER BY rang;
RESET client_min_messages;
SELECT is((SELECT count(*) FROM orientation o JOIN g ON g.vacance_id = o.vacance_id WHERE g.rang > 150), 151::bigint,
		  '150 orientations recorded, after the one of G280 closed');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()',
				'a statement left to the general path after two batches are written: the counters equal the recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
-- 300 more vacancies, and a statement of first orientations of 150 of them
-- whose 129th row is refused (montreuil, outside its territory, Bobigny):
-- the same error with the fast path on and off, and nothing left behind
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2028-09-01' FROM logement WHERE ref LIKE 'G%' ORDER BY ref;
CREATE TEMP VIEW g9 AS
	SELECT l.ref, l.commune, v.id AS vacance_id, row_number() OVER (ORDER BY l.ref) AS rang
	FROM logement l JOIN vacance v ON v.logement_id = l.id AND v.date_liberation = '2028-09-01'
	WHERE l.ref LIKE 'G%';
SELECT count(*) AS orientations_avant FROM orientation \gset
PREPARE hors_territoire AS
	INSERT INTO orientation (vacance_id, reservataire, date_orientation)
	SELECT vacance_id, CASE WHEN rang = 129 THEN 'montreuil' END, '2028-09-02' FROM g9 WHERE rang <= 150 ORDER BY rang;
SELECT is((SELECT commune FROM g9 WHERE rang = 129), '93008'::code_insee, 'the 129th row''s dwelling is in Bobigny');
SELECT throws_ok('EXECUTE hors_territoire', '23514', format('dwelling %L in 93008 is outside the territory of %L', 'G129', 'montreuil'),
				 'fast path on: the rule broken in the 129th row refuses the statement');
SET flux_mgmt.chemin_rapide = off;
SELECT throws_ok('EXECUTE hors_territoire', '23514', format('dwelling %L in 93008 is outside the territory of %L', 'G129', 'montreuil'),
				 'fast path off: the same');
RESET flux_mgmt.chemin_rapide;
SELECT is((SELECT count(*) FROM orientation), :'orientations_avant'::bigint, 'no orientation left behind');

-- A history loaded in bulk, as a landlord's migration loads it: 3,000 more
-- flux dwellings (K0001 to K3000), their vacancies of autumn 2029, their
-- first orientations three days later (some in 2030), to each réservataire,
-- the pool or subtracted, recorded open or already closed (carence, échec,
-- withdrawal), and the attributions of the open ones (a seventh without a
-- lease); one statement each, with work_mem at its least so that their
-- transition tables spill to disk.  Recorded with the fast path on, then
-- again with it off from the same state (a savepoint rolled back between):
-- the same ledger (vacance_id left out: the second run's ids are others),
-- counters equal to both recounts, and no call of the general path's
-- recount functions with the fast path on.
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'K' || lpad(n::text, 4, '0'), CASE WHEN n % 5 = 3 OR n % 2 = 0 THEN '93048' ELSE '93008' END,
	   1 + n % 6, (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1930 + n % 90
FROM generate_series(1, 3000) AS n;
CREATE FUNCTION pg_temp.charger_en_masse() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
	SELECT id, date '2029-09-01' + substr(ref, 2)::int % 125 FROM flux_mgmt.logement WHERE ref LIKE 'K%' ORDER BY ref;
	INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, soustraction, date_orientation, issue, date_issue)
	SELECT v.id, d.reservataire, d.soustraction, v.date_liberation + 3, d.issue,
		   CASE WHEN d.issue <> 'en_cours' THEN v.date_liberation + 3 + 45 END
	FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id,
		 LATERAL (SELECT substr(l.ref, 2)::int AS n) AS k,
		 LATERAL (SELECT (ARRAY['prefet', 'agents', 'al', 'montreuil', NULL])[1 + k.n % 5] AS r,
						 (ARRAY['en_cours', 'carence', 'en_cours', 'echec', 'en_cours', 'retiree'])[1 + (k.n / 5) % 6]::flux_mgmt.issue_orientation AS i) AS x,
		 -- the pool has no deadline, so no carence; one pool vacancy in two subtracted
		 LATERAL (SELECT x.r AS reservataire,
						 CASE WHEN x.r IS NULL AND k.n % 10 = 9 THEN 'mutation_interne'::flux_mgmt.motif_soustraction END AS soustraction,
						 CASE WHEN x.r IS NULL AND x.i = 'carence' THEN 'echec' ELSE x.i END AS issue) AS d
	WHERE l.ref LIKE 'K%' AND v.date_liberation >= '2029-09-01'
	ORDER BY l.ref;
	INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, relogement_renouvellement)
	SELECT o.id, o.date_orientation + 10, CASE WHEN k.n % 7 <> 0 THEN o.date_orientation + 20 END,
		   k.n % 2 = 0, k.n % 3 = 0, k.n % 11 = 0
	FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id,
		 LATERAL (SELECT substr(l.ref, 2)::int AS n) AS k
	WHERE l.ref LIKE 'K%' AND o.issue = 'en_cours' AND v.date_liberation >= '2029-09-01'
	ORDER BY l.ref;
END $$;
CREATE TEMP VIEW masse AS
	SELECT (SELECT array_agg(ligne ORDER BY ligne) FROM (
				SELECT (c.bailleur, c.commune, c.typologie, c.financement, c.qpv, c.periode, c.annee, c.reservataire,
						c.soustraction, c.dans_flux, c.en_cours, c.attribuees, c.carences, c.echecs, c.retirees, c.decomptes,
						c.baux, c.hors_qpv, c.q1_hors_qpv, c.q234_en_qpv, c.prioritaires, c.imputees)::text AS ligne
				FROM contribution c JOIN vacance v ON v.id = c.vacance_id JOIN logement l ON l.id = v.logement_id
				WHERE l.ref LIKE 'K%') r) AS registre,
		   (SELECT count(*) FROM flux_mgmt.verifier_compteurs()) AS ecarts,
		   (SELECT count(*) FROM oracle_ecarts) AS ecarts_oracle,
		   (SELECT ARRAY[count(DISTINCT v.id), count(o.id), count(a.id), count(*) FILTER (WHERE o.issue = 'carence'),
						 count(*) FILTER (WHERE o.issue = 'echec'), count(*) FILTER (WHERE o.issue = 'retiree'),
						 count(*) FILTER (WHERE o.soustraction IS NOT NULL),
						 count(*) FILTER (WHERE extract(year FROM o.date_orientation) = 2030)]
			FROM vacance v JOIN logement l ON l.id = v.logement_id JOIN orientation o ON o.vacance_id = v.id
			LEFT JOIN attribution a ON a.orientation_id = o.id WHERE l.ref LIKE 'K%') AS evenements;
SAVEPOINT avant_masse;
SET work_mem = '64kB';
SET flux_mgmt.chemin_rapide = on;
SELECT n AS appels_avant_masse FROM appels \gset
SELECT pg_temp.charger_en_masse();
SELECT n - :'appels_avant_masse' AS appels_masse FROM appels \gset
RESET work_mem;
SELECT registre AS registre_masse_rapide, ecarts AS ecarts_masse_rapide, ecarts_oracle AS oracle_masse_rapide,
	   evenements AS evenements_masse FROM masse \gset
ROLLBACK TO SAVEPOINT avant_masse;
SET work_mem = '64kB';
SET flux_mgmt.chemin_rapide = off;
SELECT pg_temp.charger_en_masse();
RESET flux_mgmt.chemin_rapide;
RESET work_mem;
SELECT registre AS registre_masse_general, ecarts AS ecarts_masse_general, ecarts_oracle AS oracle_masse_general FROM masse \gset
SELECT is(:'appels_masse'::numeric, 0::numeric, 'bulk statements that spill to disk are counted in C: no recount function called');
SELECT is(:'ecarts_masse_rapide'::bigint + :'oracle_masse_rapide'::bigint, 0::bigint,
		  'fast path on: the bulk load''s counters equal verifier_compteurs()'' and the oracle''s recounts');
SELECT is(:'ecarts_masse_general'::bigint + :'oracle_masse_general'::bigint, 0::bigint, 'fast path off: the same');
SELECT is(:'evenements_masse'::bigint[], '{3000,3000,1500,400,600,500,300,144}'::bigint[],
		  'the bulk load: 3,000 vacancies and first orientations, 1,500 attributed, 400 carences, 600 échecs (the pool''s carences among them), 500 withdrawn, 300 subtracted, 144 oriented in 2030');
SELECT results_eq(format('SELECT unnest(%L::text[])', :'registre_masse_rapide'), format('SELECT unnest(%L::text[])', :'registre_masse_general'),
				  'the bulk load leaves the same ledger rows on both paths');
-- the same dwellings vacant again in 2031; K2900's vacancy oriented to al
-- and closed by a carence; then the 3,000 first orientations in one
-- statement, spilled, whose 2,900th row is K2900's second: the fast path
-- writes 45 batches, meets it and leaves the statement to the general path
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2031-01-10' FROM logement WHERE ref LIKE 'K%' ORDER BY ref;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'al', '2031-01-11' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'K2900' AND v.date_liberation = '2031-01-10';
SELECT cloturer(o.id, 'carence', o.date_limite) FROM orientation o WHERE reservataire = 'al' AND date_orientation = '2031-01-11';
SET work_mem = '64kB';
SET client_min_messages = debug1;
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, CASE WHEN l.ref = 'K2900' THEN 'prefet' END, '2031-03-01'
FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref LIKE 'K%' AND v.date_liberation = '2031-01-10' ORDER BY l.ref;
RESET client_min_messages;
RESET work_mem;
SELECT is((SELECT count(*) FROM orientation WHERE date_orientation = '2031-03-01'), 3000::bigint, 'the 3,000 orientations are recorded');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()',
				'a spilled statement left to the general path after 45 batches: the counters equal the recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
-- a carence recorded with its deadline given, under a convention in
-- delegated management: the row trigger that refuses a carence there fires
-- only without a deadline; the statement's rule (carence_deleguee) refuses it
-- in the 100th row of a statement, on both paths, naming the same id
INSERT INTO reservataire VALUES ('deleg', 'Organisme en gestion déléguée', 'organisme');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte, gestion)
VALUES ('b93', 'deleg', '93', 2025, NULL, 3, 'mixte', 'deleguee');
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2032-01-10' FROM logement WHERE ref LIKE 'K%' ORDER BY ref LIMIT 100;
PREPARE carence_deleguee AS
	INSERT INTO orientation (id, vacance_id, reservataire, date_orientation, date_limite, issue, date_issue)
	SELECT CASE WHEN rang = 100 THEN 99001 ELSE nextval(pg_get_serial_sequence('flux_mgmt.orientation', 'id')) END, id,
		   CASE WHEN rang = 100 THEN 'deleg' ELSE 'prefet' END, '2032-01-11',
		   CASE WHEN rang = 100 THEN date '2032-01-20' END,
		   CASE WHEN rang = 100 THEN 'carence' ELSE 'en_cours' END::issue_orientation,
		   CASE WHEN rang = 100 THEN date '2032-01-25' END
	FROM (SELECT id, row_number() OVER (ORDER BY id) AS rang FROM vacance WHERE date_liberation = '2032-01-10') AS v ORDER BY rang;
SELECT throws_ok('EXECUTE carence_deleguee', '23514',
				 'no carence for orientation 99001: the convention with ''deleg'' is in delegated management',
				 'fast path on: a carence under delegated management, its deadline given, is refused in the 100th row');
SET flux_mgmt.chemin_rapide = off;
SELECT throws_ok('EXECUTE carence_deleguee', '23514',
				 'no carence for orientation 99001: the convention with ''deleg'' is in delegated management',
				 'fast path off: the same');
RESET flux_mgmt.chemin_rapide;
-- an orientation deleted and recorded again under its id in one statement
-- (a writable CTE), on a vacancy not oriented yet, its attribution still
-- pointing at it: the rule attribution refuses it on both paths (the fast
-- path once counted it as an orientation without attribution)
SELECT min(id) AS attribuee FROM orientation WHERE issue = 'attribuee' \gset
SELECT min(id) AS libre FROM vacance WHERE date_liberation = '2032-01-10' \gset
PREPARE meme_id AS
	WITH d AS (DELETE FROM orientation WHERE id = :attribuee RETURNING id)
	INSERT INTO orientation (id, vacance_id, reservataire, date_orientation, issue, date_issue)
	SELECT id, :libre, NULL, '2032-01-11', 'echec', '2032-01-12' FROM d;
SELECT throws_ok('EXECUTE meme_id', '23514', format('orientation %s has an attribution: its issue cannot become echec', :attribuee),
				 'fast path on: an orientation recorded under the id of an attributed one is refused');
SET flux_mgmt.chemin_rapide = off;
SELECT throws_ok('EXECUTE meme_id', '23514', format('orientation %s has an attribution: its issue cannot become echec', :attribuee),
				 'fast path off: the same');
RESET flux_mgmt.chemin_rapide;
-- a statement of 60 vacancies of two landlords in turns: 60 changes of
-- landlord, the lock keys deduplicated as they pile up; counted in C (no
-- "general path" line below), both landlords locked
INSERT INTO bailleur VALUES ('b93bis', 'Bailleur 93 bis', NULL);
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT CASE WHEN n % 2 = 0 THEN 'b93' ELSE 'b93bis' END, 'T' || lpad(n::text, 2, '0'), '93048', 3, 'plus', false, 1990
FROM generate_series(1, 60) AS n;
SET client_min_messages = debug1;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2032-02-01' FROM logement WHERE ref LIKE 'T%' ORDER BY ref;
RESET client_min_messages;
SELECT is((SELECT count(*) FROM vacance WHERE date_liberation = '2032-02-01'), 60::bigint, 'the 60 vacancies of two landlords in turns are recorded');
RESET track_functions;
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and everything is counted');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'as the oracle recounts it');

SELECT * FROM finish();
ROLLBACK;
