-- Subtransactions rolled back at random inside one transaction, the
-- pitfall of counter triggers that keep deltas in memory or write them
-- once per statement: whatever a savepoint or an exception block rolls
-- back must leave the counters (compteur, compteur_bilan) and the ledger
-- (contribution) exactly as if it had never run, and whatever it releases
-- must stay counted, at every depth.
--
--  * 600 events (vacancies, orientations, closures, attributions,
--    corrections of attributions, orientations and vacancies, deletions),
--    each in a psql SAVEPOINT released or rolled back at random, some in a
--    savepoint nested in another (released or rolled back, then the outer
--    one released or rolled back), some after a ROLLBACK TO that keeps the
--    savepoint open (new writes in the re-established subtransaction);
--  * 400 events in a PL/pgSQL DO block, each in BEGIN … EXCEPTION, some in
--    a block nested in another, some raising on purpose after writing (the
--    inner block's handler, or the outer one's when the inner block does
--    not catch it); the block reads the counters mid-way from inside its
--    subtransactions;
--  * a savepoint rolled back restores the counters exactly (compared with a
--    copy taken before it), and the readers of the transaction see its own
--    writes at every check: mid-way, after the DO block, at the end.
--
-- Every check is verifier_compteurs() empty, the oracle's recount
-- (test/oracle/recompte.sql) agreeing, and the counters' totals as
-- literals.  The history is the same at every run (fixed seed, identity
-- sequences restarted in the transaction, every draw the k-th row in key
-- order as in 230).  What a savepoint sees is read into variables or
-- sequences (which no rollback undoes) and checked outside of it: pgTAP's
-- bookkeeping would be rolled back with it.
\i test/setup.sql
BEGIN;
SELECT plan(16);
\i test/fixtures/ids_depuis_1.sql
SELECT setseed(0.680);
\i test/fixtures/evenements.sql
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'S' || n, CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1940 + 2 * n
FROM generate_series(1, 30) AS n;
\i test/oracle/recompte.sql

-- operations that succeeded and that a rule refused, counted by sequences:
-- a rollback does not take a nextval back
CREATE TEMP SEQUENCE reussies;
CREATE TEMP SEQUENCE refusees;

CREATE FUNCTION pg_temp.au_hasard(t anyarray) RETURNS anyelement LANGUAGE sql AS
$$ SELECT t[1 + floor(random() * cardinality(t))::int] $$;

-- One event of the given sort; a refusal by a rule is caught (in its own
-- subtransaction, one more level) and counted.
CREATE FUNCTION pg_temp.operation(sorte text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	lid bigint; vid bigint; oid_ bigint; aid bigint; j date;
	b text := pg_temp.au_hasard(ARRAY['prefet', 'agents', 'al', 'montreuil', NULL]);
BEGIN
	CASE sorte
	WHEN 'vacance' THEN
		SELECT pg_temp.au_hasard(array_agg(l.id ORDER BY l.ref)) INTO lid FROM flux_mgmt.logement l;
		INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
		VALUES (lid, date '2025-06-01' + floor(random() * 700)::int);
	WHEN 'orienter' THEN
		SELECT pg_temp.au_hasard(array_agg(v.id ORDER BY l.ref, v.date_liberation)) INTO vid
		FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id;
		SELECT date_liberation + floor(random() * 40)::int INTO j FROM flux_mgmt.vacance WHERE id = vid;
		IF random() < 0.1 THEN
			PERFORM flux_mgmt.orienter(vid, NULL, pg_temp.au_hasard(enum_range(NULL::flux_mgmt.motif_soustraction)), j);
		ELSE
			PERFORM flux_mgmt.orienter(vid, b, NULL, j);
		END IF;
	WHEN 'cloturer' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation WHERE issue = 'en_cours';
		SELECT greatest(date_limite, date_orientation) + floor(random() * 20)::int INTO j FROM flux_mgmt.orientation WHERE id = oid_;
		PERFORM flux_mgmt.cloturer(oid_, pg_temp.au_hasard('{carence,echec,retiree}'::flux_mgmt.issue_orientation[]), j);
	WHEN 'attribuer' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation WHERE issue = 'en_cours';
		INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement)
		SELECT id, date_orientation + 10, CASE WHEN random() < 0.8 THEN date_orientation + 20 + floor(random() * 300)::int END,
			   random() < 0.3, random() < 0.2, random() < 0.3, random() < 0.1
		FROM flux_mgmt.orientation WHERE id = oid_;
	WHEN 'corriger_attribution' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO aid FROM flux_mgmt.attribution;
		UPDATE flux_mgmt.attribution SET
			premier_quartile = random() < 0.5, prioritaire = random() < 0.5,
			date_bail = CASE WHEN random() < 0.3 THEN NULL ELSE date_caleol + floor(random() * 400)::int END
		WHERE id = aid;
	WHEN 'supprimer_attribution' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO aid FROM flux_mgmt.attribution;
		DELETE FROM flux_mgmt.attribution WHERE id = aid;
	WHEN 'corriger_orientation' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation;
		UPDATE flux_mgmt.orientation SET
			reservataire = CASE WHEN random() < 0.5 THEN b ELSE reservataire END,
			date_orientation = date_orientation + floor(random() * 5 - 2)::int
		WHERE id = oid_;
	WHEN 'supprimer_orientation' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation;
		DELETE FROM flux_mgmt.orientation WHERE id = oid_;
	WHEN 'corriger_vacance' THEN
		SELECT pg_temp.au_hasard(array_agg(v.id ORDER BY l.ref, v.date_liberation)) INTO vid
		FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id;
		UPDATE flux_mgmt.vacance SET date_liberation = date_liberation + floor(random() * 7 - 3)::int WHERE id = vid;
	WHEN 'supprimer_vacance' THEN
		SELECT pg_temp.au_hasard(array_agg(v.id ORDER BY l.ref, v.date_liberation)) INTO vid
		FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id;
		DELETE FROM flux_mgmt.vacance WHERE id = vid;
	END CASE;
	PERFORM nextval('reussies');
EXCEPTION
	WHEN integrity_constraint_violation OR invalid_parameter_value OR null_value_not_allowed THEN
		PERFORM nextval('refusees');
END $$;

CREATE FUNCTION pg_temp.sorte() RETURNS text LANGUAGE sql AS $$
	SELECT pg_temp.au_hasard('{vacance,vacance,vacance,orienter,orienter,orienter,orienter,orienter,cloturer,cloturer,attribuer,attribuer,attribuer,
							   corriger_attribution,supprimer_attribution,corriger_orientation,corriger_orientation,
							   supprimer_orientation,corriger_vacance,supprimer_vacance}'::text[])
$$;

-- The counters' totals per beneficiary, and everything they hold (summed
-- over the tranches), to compare with a copy.
CREATE TEMP VIEW totaux AS
	SELECT coalesce(reservataire, 'pool') AS beneficiaire, sum(en_cours)::int AS en_cours, sum(attribuees)::int AS attribuees,
		   sum(carences)::int AS carences, sum(echecs)::int AS echecs, sum(retirees)::int AS retirees,
		   sum(decomptes)::int AS decomptes, sum(baux)::int AS baux, sum(prioritaires)::int AS prioritaires
	FROM flux_mgmt.compteur GROUP BY 1
	HAVING sum(en_cours) <> 0 OR sum(attribuees) <> 0 OR sum(carences) <> 0 OR sum(echecs) <> 0 OR sum(retirees) <> 0
		OR sum(decomptes) <> 0 OR sum(baux) <> 0 OR sum(prioritaires) <> 0;
-- (keys whose counts all went back to zero left out: whether their rows
-- stay is the triggers' business)
\i test/fixtures/vue_etat.sql

-- The script of savepoints, drawn once: groups of one to three events in a
-- savepoint, a third of them with a nested savepoint, some continuing
-- after a ROLLBACK TO; each savepoint released (60 %) or rolled back.
CREATE TEMP TABLE script (n serial, commande text);
CREATE FUNCTION pg_temp.ecrire(c text) RETURNS void LANGUAGE sql AS $$ INSERT INTO script (commande) VALUES (c) $$;
-- a savepoint ends released, or rolled back then released (a ROLLBACK TO
-- alone would leave it open, and the next one nested in it)
CREATE FUNCTION pg_temp.fin(nom text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF random() >= 0.6 THEN
		PERFORM pg_temp.ecrire('ROLLBACK TO SAVEPOINT ' || nom);
	END IF;
	PERFORM pg_temp.ecrire('RELEASE SAVEPOINT ' || nom);
END $$;
CREATE FUNCTION pg_temp.evenements(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	FOR i IN 1 .. n LOOP
		PERFORM pg_temp.ecrire(format('SELECT FROM pg_temp.operation(%L)', pg_temp.sorte()));
	END LOOP;
END $$;
CREATE FUNCTION pg_temp.ecrire_script(groupes int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	r float8;
BEGIN
	FOR g IN 1 .. groupes LOOP
		PERFORM pg_temp.ecrire('SAVEPOINT a');
		PERFORM pg_temp.evenements(1 + floor(random() * 2)::int);
		r := random();
		IF r < 0.35 THEN
			PERFORM pg_temp.ecrire('SAVEPOINT b');
			PERFORM pg_temp.evenements(1 + floor(random() * 2)::int);
			PERFORM pg_temp.fin('b');
			PERFORM pg_temp.evenements(floor(random() * 2)::int);
		ELSIF r < 0.5 THEN
			-- rolled back, then written again in the same savepoint
			PERFORM pg_temp.ecrire('ROLLBACK TO SAVEPOINT a');
			PERFORM pg_temp.evenements(1);
		END IF;
		PERFORM pg_temp.fin('a');
	END LOOP;
END $$;
SELECT pg_temp.ecrire_script(250);
SELECT results_eq($$SELECT count(*) FILTER (WHERE commande LIKE 'SELECT%')::int,
						   count(*) FILTER (WHERE commande LIKE 'SAVEPOINT%')::int,
						   count(*) FILTER (WHERE commande LIKE 'RELEASE%')::int,
						   count(*) FILTER (WHERE commande LIKE 'ROLLBACK%')::int FROM script$$,
				  $$VALUES (602, 335, 335, 176)$$,
				  'the script: 602 events in 335 savepoints (85 nested in another), all released in the end, 176 ROLLBACK TO before (some followed by more writes)');
-- where it is cut in two: before the group that starts past its middle
SELECT min(n) AS moitie FROM script WHERE commande = 'SAVEPOINT a' AND n > (SELECT count(*) / 2 FROM script) \gset

-- the first half (neither its commands nor their empty result rows shown)
\set ECHO none
\o /dev/null
SELECT commande FROM script WHERE n < :moitie ORDER BY n \gexec
\o
\set ECHO all
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'mid-way through the savepoints: the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1',
	-- beneficiary, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, prioritaires
	$$VALUES ('agents', 0, 1, 1, 0, 1, 1, 1, 0),
		   ('al', 0, 2, 0, 2, 1, 2, 2, 0),
		   ('montreuil', 0, 0, 1, 0, 0, 1, 0, 0),
		   ('pool', 0, 3, 1, 1, 2, 2, 2, 0),
		   ('prefet', 0, 4, 1, 0, 1, 5, 3, 2)$$,
	'the totals mid-way, summed over the tranches');

-- A savepoint rolled back restores every counter, bilan and ledger row
-- exactly: 30 events in it, one more savepoint in it released, its own
-- writes seen by the transaction's readers before the rollback.
CREATE TEMP TABLE avant AS SELECT * FROM etat;
SAVEPOINT copie;
DO $$ BEGIN FOR i IN 1 .. 20 LOOP PERFORM pg_temp.operation(pg_temp.sorte()); END LOOP; END $$;
SAVEPOINT dedans;
DO $$ BEGIN FOR i IN 1 .. 10 LOOP PERFORM pg_temp.operation(pg_temp.sorte()); END LOOP; END $$;
RELEASE SAVEPOINT dedans;
SELECT (SELECT count(*) FROM flux_mgmt.verifier_compteurs()) AS ecarts_dans_copie,
	   (SELECT count(*) FROM oracle_ecarts) AS ecarts_oracle_dans_copie,
	   (SELECT count(*) FROM (SELECT * FROM etat EXCEPT SELECT * FROM avant) d) AS changes_dans_copie \gset
ROLLBACK TO SAVEPOINT copie;
RELEASE SAVEPOINT copie;
SELECT is(:ecarts_dans_copie + :ecarts_oracle_dans_copie, 0,
		  'inside the savepoint, its 30 events are counted (verifier_compteurs() and the oracle agree)');
SELECT is(:changes_dans_copie, 23, 'they changed or added 23 counter, bilan, engine or ledger rows');
SELECT is_empty('(SELECT * FROM etat EXCEPT ALL SELECT * FROM avant) UNION ALL (SELECT * FROM avant EXCEPT ALL SELECT * FROM etat)',
				'rolled back to before them: every counter, bilan and ledger row as it was');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'and equal to a recount');

-- the second half
\set ECHO none
\o /dev/null
SELECT commande FROM script WHERE n >= :moitie ORDER BY n \gexec
\o
\set ECHO all
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after the whole script: the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1',
	-- beneficiary, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, prioritaires
	$$VALUES ('agents', 0, 1, 0, 1, 1, 1, 1, 1),
		   ('al', 0, 2, 1, 2, 1, 2, 1, 0),
		   ('montreuil', 0, 0, 1, 1, 1, 1, 0, 0),
		   ('pool', 0, 6, 1, 2, 6, 2, 3, 3),
		   ('prefet', 0, 6, 2, 0, 1, 7, 4, 2)$$,
	'the totals after the savepoints');

-- PL/pgSQL: 400 events, each in BEGIN … EXCEPTION; a third in a block
-- nested in another.  One in six raises on purpose after writing, caught
-- by its own block; a nested one may raise past the inner block (which
-- catches only its own sort of error) to the outer one, which rolls back
-- both.  Every 25 events, from inside the subtransactions, the block
-- reads the counters: its own writes must be counted there.
CREATE TEMP TABLE bilan_bloc (evenements int, annulees_dedans int, annulees_dehors int, passees_dehors int, lectures int, ecarts int);
DO $$
DECLARE
	annulees_dedans int := 0; annulees_dehors int := 0; passees int := 0; lectures int := 0; ecarts int := 0;
BEGIN
	FOR i IN 1 .. 400 LOOP
		BEGIN
			PERFORM pg_temp.operation(pg_temp.sorte());
			IF random() < 0.33 THEN
				BEGIN
					PERFORM pg_temp.operation(pg_temp.sorte());
					IF i % 25 = 0 THEN
						lectures := lectures + 1;
						ecarts := ecarts + (SELECT count(*) FROM flux_mgmt.verifier_compteurs())
										 + (SELECT count(*) FROM oracle_ecarts);
					END IF;
					IF random() < 0.15 THEN
						RAISE EXCEPTION 'annulation dedans' USING ERRCODE = 'P0001';
					ELSIF random() < 0.1 THEN
						RAISE EXCEPTION 'annulation dehors' USING ERRCODE = 'P0002';
					END IF;
				EXCEPTION WHEN raise_exception THEN
					annulees_dedans := annulees_dedans + 1;
				END;
			ELSIF i % 25 = 0 THEN
				lectures := lectures + 1;
				ecarts := ecarts + (SELECT count(*) FROM flux_mgmt.verifier_compteurs())
								 + (SELECT count(*) FROM oracle_ecarts);
			END IF;
			IF random() < 0.15 THEN
				RAISE EXCEPTION 'annulation' USING ERRCODE = 'P0001';
			END IF;
		EXCEPTION
			WHEN raise_exception THEN
				annulees_dehors := annulees_dehors + 1;
			WHEN no_data_found THEN
				passees := passees + 1;
		END;
	END LOOP;
	INSERT INTO bilan_bloc VALUES (400, annulees_dedans, annulees_dehors, passees, lectures, ecarts);
END $$;
SELECT results_eq('SELECT * FROM bilan_bloc', $$VALUES (400, 11, 53, 11, 16, 0)$$,
				  'the DO block: 400 events, 11 inner blocks rolled back by their own handler, 53 outer ones by theirs, 11 past the inner one; 16 reads from inside, no difference');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after the DO block: the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the oracle''s');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1',
	-- beneficiary, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, prioritaires
	$$VALUES ('agents', 0, 10, 5, 0, 2, 8, 9, 5),
		   ('al', 0, 8, 1, 7, 5, 6, 6, 4),
		   ('montreuil', 0, 7, 4, 1, 1, 9, 5, 2),
		   ('pool', 1, 16, 1, 4, 9, 7, 11, 7),
		   ('prefet', 0, 8, 2, 1, 2, 9, 6, 4)$$,
	'the totals at the end');
SELECT results_eq($$SELECT nextval('reussies')::int - 1, nextval('refusees')::int - 1,
						   (SELECT count(*)::int FROM vacance), (SELECT count(*)::int FROM orientation), (SELECT count(*)::int FROM attribution)$$,
				  $$VALUES (954, 203, 106, 95, 49)$$,
				  'the same history at every run: 954 events ran, 203 were refused by a rule (rolled back or not); 106 vacancies, 95 orientations, 49 attributions left');

SELECT * FROM finish();
ROLLBACK;
