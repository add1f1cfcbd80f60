-- What runs as the owner of the tables cannot be turned against it (issue
-- "hardening", hostile review): the SECURITY DEFINER trigger functions
-- cannot be attached to a user's table, and refuse to run for any trigger
-- but the extension's own even when EXECUTE was granted; a trigger whose
-- function belongs to another role is refused before the extension writes
-- its table as the owner; made-up landlord codes take no lock.
\i test/setup.sql
BEGIN;
SELECT plan(15);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

INSERT INTO bailleur VALUES ('b06', 'Bailleur 06', NULL);
-- the landlord locks the fixture's statements hold, to compare with
SELECT count(*) AS verrous FROM pg_locks WHERE locktype = 'object' AND classid = 'flux_mgmt.bailleur'::regclass \gset
CREATE ROLE flux_lecteur;
CREATE ROLE flux_admin;
SELECT flux_mgmt.accorder_profil('flux_lecteur', 'lecture') \g /dev/null
SELECT flux_mgmt.accorder_profil('flux_admin', 'administration') \g /dev/null
GRANT USAGE ON SCHEMA flux_mgmt TO flux_lecteur, flux_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO flux_lecteur, flux_admin;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA flux_mgmt TO flux_admin;
GRANT CREATE ON SCHEMA public TO flux_lecteur, flux_admin;

-- The owner-run trigger functions are not PUBLIC's.
SELECT results_eq(
	$$SELECT p.proname::text FROM pg_proc p
	  WHERE p.pronamespace = 'flux_mgmt'::regnamespace AND p.prosecdef
		AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1$$,
	$$SELECT NULL::text WHERE false$$,
	'no SECURITY DEFINER function of the extension is executable by PUBLIC');

-- A reader cannot attach them to a table of its own.
SET ROLE flux_lecteur;
CREATE TABLE public.piege (id bigint, bailleur text, reservataire text, departement text, annee_debut int, annee_fin int);
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.piege REFERENCING NEW TABLE AS nouvelles
				   FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_conventions_ecrites()$$,
				 '42501', NULL, 'a reader cannot attach verifier_conventions_ecrites() to its table');
SELECT throws_ok($$CREATE TRIGGER t AFTER INSERT ON public.piege REFERENCING NEW TABLE AS nouvelles
				   FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites()$$,
				 '42501', NULL, 'nor verifier_portees_ecrites()');
SELECT throws_ok($$CREATE TRIGGER t AFTER TRUNCATE ON public.piege
				   FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate()$$,
				 '42501', NULL, 'nor apres_truncate()');
SELECT throws_ok($$SELECT flux_mgmt.exiger_declencheurs_surs('flux_mgmt.compteur')$$, '42501', NULL,
				 'nor run the trigger check, which locks a table ROW EXCLUSIVE');
RESET ROLE;

-- Even granted EXECUTE (GRANT … ON ALL FUNCTIONS), they refuse a foreign trigger.
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA flux_mgmt TO flux_lecteur;
SET ROLE flux_lecteur;
CREATE TRIGGER t AFTER INSERT ON public.piege REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_conventions_ecrites();
SELECT throws_ok($$INSERT INTO public.piege VALUES (1, 'b93', 'personne', '93', 2030, 2030)$$, '39P01',
				 'function flux_mgmt.verifier_conventions_ecrites() fired AFTER STATEMENT on public.piege: it serves the extension''s own triggers on {flux_mgmt.convention}',
				 'verifier_conventions_ecrites() attached anyway refuses to run as the owner on the reader''s rows');
DROP TRIGGER t ON public.piege;
CREATE TRIGGER t AFTER INSERT ON public.piege REFERENCING NEW TABLE AS nouvelles
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.verifier_portees_ecrites();
SELECT throws_ok($$INSERT INTO public.piege VALUES (1, 'b93', 'personne', '93', 2030, 2030)$$, '39P01', NULL,
				 'so does verifier_portees_ecrites()');
CREATE TRIGGER u AFTER TRUNCATE ON public.piege FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
SELECT throws_ok($$TRUNCATE public.piege$$, '39P01', NULL, 'and apres_truncate(): no rebuild locking every counter');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_locks WHERE locktype = 'object' AND classid = 'flux_mgmt.bailleur'::regclass),
		  :verrous, 'the reader took no landlord lock');

-- Made-up codes take no lock (a million of them would fill the lock table).
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY(SELECT 'k' || g FROM generate_series(1, 10000) g))$$,
				'made-up landlord codes are accepted');
SELECT is((SELECT count(*)::int FROM pg_locks WHERE locktype = 'object' AND classid = 'flux_mgmt.bailleur'::regclass),
		  :verrous, 'and lock nothing');
SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b06', 'k1', NULL, 'b06']) \g /dev/null
SELECT is((SELECT count(*)::int FROM pg_locks WHERE locktype = 'object' AND classid = 'flux_mgmt.bailleur'::regclass),
		  :verrous + 1, 'a real landlord is locked, once; a made-up code and a null are skipped');

-- A trigger of another role on a table the extension writes as its owner.
GRANT TRIGGER ON flux_mgmt.orientation TO flux_admin;
SET ROLE flux_admin;
CREATE FUNCTION public.espion() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF current_user <> 'flux_admin' THEN
		RAISE EXCEPTION 'espion ran as %', current_user;
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER espion AFTER UPDATE ON flux_mgmt.orientation FOR EACH ROW EXECUTE FUNCTION public.espion();
SELECT lives_ok(format($$SELECT flux_mgmt.orienter(%s, 'prefet', date_orientation => '2026-03-02')$$, :m1),
				'the orientation itself is written by the role, its trigger runs as the role');
SELECT throws_ok(format($$INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
						 SELECT o.id, '2026-03-10', '2026-03-20' FROM flux_mgmt.orientation o WHERE o.vacance_id = %s$$, :m1),
				 '42501', 'trigger "espion" of table flux_mgmt.orientation runs a function of role flux_admin',
				 'the issue update the extension makes as the owner is refused: espion() never runs as the owner');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM flux_mgmt.attribution), 0, 'nothing was written');

SELECT * FROM finish();
ROLLBACK;
