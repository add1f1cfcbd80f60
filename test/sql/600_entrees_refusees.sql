-- Bad inputs of the C kernels (issue 12): a long apportionment stops at a
-- cancel, a binary code_insee never puts the client's raw bytes in an error,
-- a simulation refuses shares above 100 %.
\i test/setup.sql
BEGIN;
SELECT plan(16);

-- 1. repartir checks for interrupts in its loops.  The weights are built
-- first (the SQL that builds them checks for interrupts itself); a full run
-- takes a few hundred milliseconds, and under a 50 ms statement_timeout the
-- same call must stop inside repartir, not when it returns.
CREATE FUNCTION pg_temp.chronometrer(requete text, OUT etat text, OUT duree interval) LANGUAGE plpgsql AS $$
DECLARE
	debut timestamptz := clock_timestamp();
BEGIN
	EXECUTE requete;
	etat := 'ok';
	duree := clock_timestamp() - debut;
EXCEPTION WHEN query_canceled THEN
	etat := SQLSTATE;
	duree := clock_timestamp() - debut;
END
$$;
CREATE TEMP TABLE poids AS SELECT array(SELECT (n % 997)::numeric FROM generate_series(1, 400000) AS n) AS p;
SELECT etat, duree FROM pg_temp.chronometrer('SELECT flux_mgmt.repartir(p, 1000) FROM poids') \gset complet_
SET statement_timeout = '50ms';
SELECT etat, duree FROM pg_temp.chronometrer('SELECT flux_mgmt.repartir(p, 1000) FROM poids') \gset annule_
RESET statement_timeout;
SELECT is(:'complet_etat'::text, 'ok', 'repartir over 400,000 weights runs to its end without a timeout');
SELECT is(:'annule_etat'::text, '57014', 'under statement_timeout = 50ms the same call is cancelled (57014)');
SELECT ok(:'annule_duree'::interval < :'complet_duree'::interval / 2,
		  'and it stops inside repartir''s loops, well before the call would have ended');

-- 2. code_insee_recv: the binary input of a code, through a binary COPY.  A
-- binary COPY file does not name its column types: a file written from a
-- bytea column and read into a code_insee column hands the bytea's bytes to
-- code_insee_recv.
CREATE TEMP TABLE octets (b bytea);
CREATE TEMP TABLE codes (c flux_mgmt.code_insee);
CREATE FUNCTION pg_temp.fichier_binaire(valeur bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	chemin text := current_setting('data_directory') || '/flux_mgmt_600.bin';
BEGIN
	TRUNCATE pg_temp.octets;
	INSERT INTO pg_temp.octets VALUES (valeur);
	EXECUTE format('COPY pg_temp.octets TO %L (FORMAT binary)', chemin);
	RETURN chemin;
END
$$;
SELECT lives_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x013933303636')),
				'a binary code: version 1, then 93066');
SELECT lives_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x013241303034')),
				'a Corsican code: version 1, then 2A004');
SELECT results_eq('SELECT c::text FROM pg_temp.codes ORDER BY c', $$VALUES ('2A004'), ('93066')$$, 'both read back as sent');
-- the client's encoding cannot hold the raw bytes: the message shows them in hexadecimal
SET client_encoding = 'LATIN1';
SELECT throws_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x01ff41e90a30')), '22P03',
				 'invalid binary code_insee \xff41e90a30', 'bytes that are not a code: 22P03, shown in hexadecimal');
SELECT throws_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x0139333036')), '22P03',
				 'invalid binary code_insee of 5 bytes', 'a value of the wrong length');
SELECT throws_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x023933303636')), '22P03',
				 'unsupported binary code_insee version 2', 'an unknown format version');
SELECT throws_ok(format('COPY pg_temp.codes FROM %L (FORMAT binary)', pg_temp.fichier_binaire('\x013230303031')), '22P03',
				 'invalid binary code_insee \x3230303031', 'a well-formed but invalid code (20001: Corsica is 2A or 2B)');
RESET client_encoding;
SELECT is((SELECT count(*) FROM pg_temp.codes), 2::bigint, 'no bad value was loaded');

-- 4. simuler_orientations: every holder counts in one scope, so the shares
-- (micro-units of one) add up to 100 % at most.
SELECT throws_ok($$SELECT * FROM flux_mgmt.simuler_orientations('{1000000,1000000}', 10)$$, '22023',
				 'shares sum to 2000000 micro-units (200 %), above 1000000 (100 %)', 'shares adding up to 200 % are refused');
SELECT throws_ok($$SELECT * FROM flux_mgmt.simuler_orientations('{250000,250000,500001}', 10, 3)$$, '22023',
				 'shares sum to 1000001 micro-units (100.0001 %), above 1000000 (100 %)', 'one micro-unit above 100 % is refused');
SELECT is((SELECT count(*) FROM flux_mgmt.simuler_orientations('{250000,250000,500000}', 10)), 10::bigint,
		  'shares adding up to exactly 100 % are simulated');
SELECT is((SELECT count(*) FROM flux_mgmt.simuler_orientations('{1000000}', 3)), 3::bigint, 'one holder with 100 %');
SELECT throws_ok($$SELECT * FROM flux_mgmt.simuler_orientations('{1000001}', 3)$$, '22023',
				 'share 1000001 of holder 1 is out of range', 'a single share above 100 % keeps its own error');

SELECT * FROM finish();
ROLLBACK;
