-- Events written at commit by a user's deferred constraint trigger, a
-- pitfall of counter triggers that write their deltas at the end of the
-- top-level statement or in a commit callback: the events a CONSTRAINT
-- TRIGGER … DEFERRABLE INITIALLY DEFERRED writes while the transaction
-- commits (vacancies, orientations, attributions, closures, on rows
-- written immediately earlier in the transaction too) must be counted in
-- what commits, and found counted by the next transaction.
--
--  * a transaction with an immediate orientation and requests whose
--    deferred trigger writes events at COMMIT; checked before (not written
--    yet) and after, in new transactions;
--  * SET CONSTRAINTS ALL IMMEDIATE mid-transaction fires them there (the
--    transaction reads its own writes), more requests fire at COMMIT;
--  * a deferred trigger that fails at COMMIT after writing events: the
--    whole transaction is rolled back, the counters as before.
--
-- Each check: verifier_compteurs() empty, the oracle's recount agreeing,
-- the totals as literals.  The test commits (the deferred triggers fire at
-- COMMIT): it starts by removing what a failed run may have left and ends
-- by removing its table, function and rows, so that the tests after it
-- find the database as they would without it.
\i test/setup.sql
SELECT plan(15);
SET client_min_messages = warning;
DROP TABLE IF EXISTS public.demande_686;
DROP FUNCTION IF EXISTS public.demande_686_ecrire();
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;

-- the fixture, committed, with ids from 1
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql

-- A user's table of requests, each executed at commit by a deferred
-- constraint trigger: a vacancy of a dwelling (by ref), an orientation,
-- an attribution or a carence of its last vacancy, or a failure.
CREATE TABLE public.demande_686 (n int PRIMARY KEY, sorte text NOT NULL, ref text, jour date, beneficiaire text, dalo boolean DEFAULT false);
CREATE FUNCTION public.demande_686_ecrire() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	vid bigint;
BEGIN
	SELECT v.id INTO vid FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
	WHERE l.ref = NEW.ref ORDER BY v.date_liberation DESC LIMIT 1;
	CASE NEW.sorte
	WHEN 'vacance' THEN
		INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, NEW.jour FROM flux_mgmt.logement WHERE ref = NEW.ref;
	WHEN 'orienter' THEN
		PERFORM flux_mgmt.orienter(vid, NEW.beneficiaire, date_orientation => NEW.jour);
	WHEN 'attribuer' THEN
		INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, dalo)
		SELECT id, NEW.jour, NEW.jour + 10, NEW.dalo FROM flux_mgmt.orientation WHERE vacance_id = vid AND issue = 'en_cours';
	WHEN 'carence' THEN
		PERFORM flux_mgmt.cloturer(o.id, 'carence', NEW.jour) FROM flux_mgmt.orientation o WHERE o.vacance_id = vid AND o.issue = 'en_cours';
	WHEN 'echec' THEN
		RAISE EXCEPTION 'request % refused at commit', NEW.n USING ERRCODE = 'P0001';
	END CASE;
	RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ecrire AFTER INSERT ON public.demande_686
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.demande_686_ecrire();

\i test/fixtures/vue_totaux.sql
\i test/fixtures/vue_etat.sql
CREATE TEMP VIEW ecarts AS
	SELECT (SELECT count(*) FROM flux_mgmt.verifier_compteurs())::int + (SELECT count(*) FROM oracle_ecarts)::int AS n;

-- 1. An immediate orientation (M2 to Action Logement), then requests: its
-- lease (DALO), M1 to Montreuil and let, a new vacancy of B2 to the préfet,
-- and one of M1 to Action Logement then its carence (mixte: charged), all
-- at COMMIT.
BEGIN;
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') > 0 AS oriente;
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire, dalo) VALUES (1, 'attribuer', 'M2', '2026-03-10', NULL, true);
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire) VALUES
	(2, 'orienter', 'M1', '2026-03-02', 'montreuil'), (3, 'attribuer', 'M1', '2026-03-12', NULL),
	(4, 'vacance', 'B2', '2026-06-01', NULL), (5, 'orienter', 'B2', '2026-06-02', 'prefet');
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire) VALUES
	(6, 'vacance', 'M1', '2026-09-01', NULL), (7, 'orienter', 'M1', '2026-09-02', 'al'), (8, 'carence', 'M1', '2026-10-05', NULL);
SELECT is((SELECT count(*)::int FROM vacance) * 100 + (SELECT count(*)::int FROM orientation) * 10 + (SELECT count(*)::int FROM attribution),
		  710, 'before COMMIT, in the transaction: the requests wait (7 vacancies, the immediate orientation)');
SELECT is((SELECT n FROM ecarts), 0, 'the counters equal both recounts');
COMMIT;
SELECT results_eq($$SELECT (SELECT count(*)::int FROM vacance), (SELECT count(*)::int FROM orientation), (SELECT count(*)::int FROM attribution)$$,
				  $$VALUES (9, 4, 2)$$, 'after COMMIT: the deferred trigger wrote 2 vacancies, 3 orientations, 2 attributions');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'a new transaction finds the counters equal to a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and to the oracle''s');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	-- beneficiary, in flux, en_cours, attribuees, carences, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires
	$$VALUES ('al', true, 0, 1, 1, 0, 2, 1, 0, 0, 1, 1), ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0),
			 ('prefet', true, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0)$$,
	'the totals include every event written at commit: M2''s DALO lease in a QPV and the carence of M1''s second vacancy (Action Logement, mixte), M1''s lease (Montreuil), B2''s new vacancy open (préfet, charged at the orientation)');

-- 2. SET CONSTRAINTS ALL IMMEDIATE fires the requests waiting mid-way
BEGIN;
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire) VALUES
	(10, 'orienter', 'M3', '2026-03-02', 'agents'), (11, 'attribuer', 'M3', '2026-03-20', NULL), (12, 'orienter', 'B1', '2026-03-02', 'prefet');
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT n FROM ecarts), 0, 'SET CONSTRAINTS ALL IMMEDIATE: the events are written there, and counted for the transaction''s readers');
SELECT results_eq($$SELECT beneficiaire, en_cours, attribuees, decomptes FROM totaux WHERE beneficiaire IN ('agents', 'prefet') ORDER BY 1$$,
				  $$VALUES ('agents'::text, 0, 1, 1), ('prefet', 2, 0, 2)$$, 'the agents'' lease, the préfet''s second orientation');
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire) VALUES (13, 'carence', 'B1', '2026-04-05', NULL);
COMMIT;
SELECT is((SELECT n FROM ecarts), 0, 'after COMMIT (the carence written then): the counters equal both recounts');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	$$VALUES ('agents', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0), ('al', true, 0, 1, 1, 0, 2, 1, 0, 0, 1, 1),
			 ('montreuil', true, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0), ('prefet', true, 1, 0, 1, 0, 2, 0, 0, 0, 0, 0)$$,
	'the totals: the agents'' lease (bail), B1''s carence (préfet, still charged at the orientation)');

-- 3. A request fails at COMMIT after others wrote events: all rolled back
CREATE TABLE pg_temp.avant AS SELECT * FROM etat;
BEGIN;
SELECT orienter(:h1, NULL, date_orientation => '2026-03-02') > 0 AS oriente;
INSERT INTO public.demande_686 (n, sorte, ref, jour, beneficiaire) VALUES
	(20, 'attribuer', 'H1', '2026-03-10', NULL), (21, 'vacance', 'M3', '2026-11-01', NULL), (22, 'orienter', 'M3', '2026-11-02', 'al'),
	(23, 'echec', NULL, NULL, NULL);
\set ON_ERROR_STOP false
COMMIT;
\set ON_ERROR_STOP true
SELECT is((SELECT count(*)::int FROM public.demande_686 WHERE n >= 20), 0, 'the failure at COMMIT rolled the transaction back');
SELECT set_eq('SELECT * FROM etat', 'SELECT * FROM avant', 'every counter, bilan and ledger row as before it');
SELECT is((SELECT n FROM ecarts), 0, 'equal to both recounts');

-- leave the database as it was found
SET client_min_messages = warning;
DROP TABLE public.demande_686;
DROP FUNCTION public.demande_686_ecrire();
TRUNCATE flux_mgmt.bailleur, flux_mgmt.reservataire CASCADE;
RESET client_min_messages;
SELECT is((SELECT count(*)::int FROM flux_mgmt.compteur) + (SELECT count(*)::int FROM flux_mgmt.compteur_bilan)
		  + (SELECT count(*)::int FROM flux_mgmt.contribution) + (SELECT count(*)::int FROM flux_mgmt.vacance), 0,
		  'cleaned up: no event, counter or ledger row left for the next tests');
SELECT hasnt_table('public', 'demande_686', 'nor the requests'' table');
SELECT * FROM finish();
