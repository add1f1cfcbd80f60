-- Issue 17, untested: verrouiller_bailleurs() with NULL, an empty array, null
-- elements, unknown codes (no lock taken), known landlords (their object
-- locks in pg_locks, their rows updated in place), a 2-D array (2202E), and
-- roles: one without any write (42501, message, detail and hint), one
-- writing stock rights only (allowed).
\i test/setup.sql
BEGIN;
SELECT plan(14);
\i test/fixtures/diagnostics.sql
\i test/fixtures/evenements.sql
INSERT INTO bailleur VALUES ('b75', 'Bailleur 75', NULL);

-- The landlord locks this backend holds, as 'code:mode' by code (a lock
-- whose key is no landlord's shows as '?').
CREATE FUNCTION pg_temp.verrous() RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(coalesce(b.code, '?') || ':' || l.mode, ', ' ORDER BY b.code, l.mode), '')
	FROM pg_locks l
	LEFT JOIN flux_mgmt.bailleur b ON l.objid = (hashtext(b.code COLLATE "C")::bigint & 4294967295)::oid
	WHERE l.locktype = 'object' AND l.classid = 'flux_mgmt.bailleur'::regclass AND l.objsubid = 0 AND l.pid = pg_backend_pid()
$$;
SELECT is(pg_temp.verrous(), 'b93:ExclusiveLock, b93:ShareLock',
		  'the fixture''s conventions hold their landlord''s lock exclusively, its vacancies shared, to the end of the transaction');
SELECT string_agg(xmin::text, ',' ORDER BY code) AS xmin_avant FROM bailleur WHERE code IN ('b93', 'b75') \gset

-- (what a savepoint sees is read into variables, checked after it is rolled
-- back: pgTAP's own bookkeeping would be rolled back with it)
SAVEPOINT s;
SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b93', 'b75', 'b93']) \g /dev/null
SELECT pg_temp.verrous() AS verrous_pris \gset
SELECT string_agg(xmin::text, ',' ORDER BY code) AS xmin_apres FROM bailleur WHERE code IN ('b93', 'b75') \gset
ROLLBACK TO SAVEPOINT s;
SELECT is(:'verrous_pris'::text, 'b75:ExclusiveLock, b93:ExclusiveLock, b93:ShareLock',
		  'two landlords, one twice: each locked exclusively (object locks keyed by hashtext of the code; b93 was already)');
SELECT isnt(:'xmin_apres'::text, :'xmin_avant'::text, 'and both rows updated in place (a new row version, written by the subtransaction)');
SELECT is(pg_temp.verrous(), 'b93:ExclusiveLock, b93:ShareLock', 'a savepoint rolled back releases them');
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['nobody', 'b93x', ''])$$, 'unknown codes: no error');
SELECT is(pg_temp.verrous(), 'b93:ExclusiveLock, b93:ShareLock', 'and no lock taken for them (made-up codes do not fill the lock table)');
SELECT lives_ok('SELECT flux_mgmt.verrouiller_bailleurs(NULL)', 'NULL: nothing (STRICT)');
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs('{}')$$, 'an empty array: nothing');
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs('{NULL}')$$, 'a null code: skipped');
SELECT is(pg_temp.verrous(), 'b93:ExclusiveLock, b93:ShareLock', 'none of them locked anything');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY[['b93'], ['b75']])$$),
		  '2202E | landlord codes must be a one-dimensional array, not 2-dimensional | (no detail) | Pass ARRAY[''code'', …].',
		  'a 2-D array: 2202E with a hint');

-- roles: a reader writes nothing, a role writing stock rights writes something
CREATE ROLE flux_lecteur_seul;
CREATE ROLE flux_etat_des_lieux;
SELECT flux_mgmt.accorder_profil('flux_lecteur_seul', 'lecture') \g /dev/null
SELECT flux_mgmt.accorder_profil('flux_etat_des_lieux', 'administration', 'b75') \g /dev/null
GRANT USAGE ON SCHEMA flux_mgmt TO flux_lecteur_seul, flux_etat_des_lieux;
GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO flux_lecteur_seul, flux_etat_des_lieux;
GRANT INSERT ON flux_mgmt.droit_stock TO flux_etat_des_lieux;
SET ROLE flux_lecteur_seul;
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b93'])$$),
		  '42501 | permission denied to lock landlords | Only the writers of conventions, dwellings, vacancies, territories, réservataires or stock rights lock landlords: a lock held by anyone else would stall their events. | Grant the role INSERT, UPDATE or DELETE on the flux_mgmt table it writes.',
		  'a role that writes no flux_mgmt table: 42501, with its detail and hint');
RESET ROLE;
SET ROLE flux_etat_des_lieux;
SELECT lives_ok($$SELECT flux_mgmt.verrouiller_bailleurs(ARRAY['b75'])$$, 'a role that only inserts stock rights may lock');
SELECT is(pg_temp.verrous(), 'b75:ExclusiveLock, b93:ExclusiveLock, b93:ShareLock', 'and holds the lock');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
