-- The code_insee type: every accepted and rejected form, ordering, casts,
-- binary round trip, btree and hash index use, departement().
\i test/setup.sql
BEGIN;
SELECT plan(73);

-- Accepted forms: output equals input, departement() is the first part.
SELECT is(c::code_insee::text, c, format('%s is accepted and printed back', c))
FROM unnest(ARRAY['01001', '06029', '19001', '2A004', '2B033', '21231', '75056',
				  '75101', '75120', '93066', '95690', '97101', '97411', '97611', '97699']) AS c
ORDER BY c;
SELECT is(departement(c::code_insee), d, format('departement(%s) = %s', c, d))
FROM (VALUES ('06029', '06'), ('2A004', '2A'), ('2B033', '2B'), ('75113', '75'),
			 ('93066', '93'), ('97411', '974'), ('97101', '971')) AS t(c, d)
ORDER BY c;

-- Rejected forms: SQLSTATE 22P02 and a message naming the input.
SELECT throws_ok(format('SELECT %L::flux_mgmt.code_insee', c), '22P02',
				 format('invalid input syntax for type code_insee: "%s"', c),
				 format('%L is rejected', c))
FROM unnest(ARRAY['', '6029', '750560', '00001', '00000', '99999', '20001', '96001', '97001',
				  '97701', '97801', '98000', '2C001', '2a004', '2A0B4', '7505A', ' 7505',
				  '75 56', '+7505', '-7505', '7.505', '２A004', 'ABCDE']) AS c
ORDER BY c;

-- The hints of the common mistakes.
CREATE FUNCTION pg_temp.indice(c text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE h text;
BEGIN
	PERFORM c::flux_mgmt.code_insee;
	RETURN NULL;
EXCEPTION WHEN invalid_text_representation THEN
	GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
	RETURN h;
END $$;
SELECT matches(pg_temp.indice('6029'), 'leading zero was probably lost', 'a four-digit code gets the lost-zero hint');
SELECT matches(pg_temp.indice('2a004'), 'in capitals', 'lowercase Corsica gets the capitals hint');
SELECT matches(pg_temp.indice('99999'), 'missing', 'RPLS 99999 gets its own hint');
SELECT matches(pg_temp.indice('12'), 'five-character', 'any other error gets the general hint');

-- Ordering: départements in INSEE order, 2A and 2B between 19 and 21.
SELECT is(array_agg(c ORDER BY c)::text[], ARRAY['01001', '19999', '2A001', '2A999', '2B001', '21001', '95999', '97101', '97699'],
		  'codes sort in INSEE order')
FROM unnest('{97699,21001,2B001,2A999,19999,97101,01001,95999,2A001}'::code_insee[]) AS c;
SELECT ok('2A004'::code_insee < '21001' AND '19999'::code_insee < '2A004' AND '2B001'::code_insee > '2A999'
		  AND '93066'::code_insee >= '93066' AND '93066'::code_insee <= '93066' AND '93066'::code_insee <> '93067',
		  'comparison operators agree with the order');
SELECT is(code_insee_cmp('75056', '2A004'), 1, 'code_insee_cmp gives the sign');

-- Casts from and to text; assignment from a text column.
SELECT is(('93066'::text)::code_insee, '93066'::code_insee, 'text casts to code_insee');
SELECT is(('93066'::code_insee)::text, '93066', 'code_insee casts to text');
CREATE TEMP TABLE codes (code code_insee);
INSERT INTO codes SELECT t FROM (VALUES ('75056'::text), ('2B033')) AS v(t);
SELECT is((SELECT count(*) FROM codes), 2::bigint, 'a text column assigns to a code_insee column');
SELECT throws_ok($$INSERT INTO codes SELECT '6029'::text$$, '22P02', NULL, 'assignment validates');

-- Validity without an error.
SELECT ok(code_insee_valide('2A004') AND NOT code_insee_valide('6029'), 'code_insee_valide tells without raising');
SELECT ok(departement_valide('93') AND departement_valide('2A') AND departement_valide('974')
		  AND NOT departement_valide('97') AND NOT departement_valide('20') AND NOT departement_valide('6')
		  AND NOT departement_valide('930') AND NOT departement_valide('977'), 'departement_valide');

-- Binary round trip through COPY (FORMAT binary), and bad binary input.
TRUNCATE codes;
INSERT INTO codes SELECT c::code_insee FROM unnest(ARRAY['01001', '2A004', '2B033', '75120', '97611']) AS c;
CREATE TEMP TABLE codes_relus (code code_insee);
-- COPY to a server file needs an absolute path: the data directory's
DO $$
DECLARE f text := current_setting('data_directory') || '/flux_mgmt_codes.bin';
BEGIN
	EXECUTE format('COPY codes TO %L WITH (FORMAT binary)', f);
	EXECUTE format('COPY codes_relus FROM %L WITH (FORMAT binary)', f);
END $$;
SELECT results_eq('SELECT code FROM codes_relus ORDER BY code', 'SELECT code FROM codes ORDER BY code',
				  'send and recv round-trip every kind of code');
SELECT is(code_insee_send('2A004'), '\x013241303034'::bytea, 'binary form: version byte 1 then the five characters');
-- a bytea column is written in binary as its raw bytes: a way to feed recv any bytes
CREATE TEMP TABLE octets (b bytea);
CREATE FUNCTION pg_temp.relire(b bytea) RETURNS void LANGUAGE plpgsql AS $$
DECLARE f text := current_setting('data_directory') || '/flux_mgmt_octets.bin';
BEGIN
	TRUNCATE octets;
	INSERT INTO octets VALUES (b);
	EXECUTE format('COPY octets TO %L WITH (FORMAT binary)', f);
	TRUNCATE codes_relus;
	EXECUTE format('COPY codes_relus FROM %L WITH (FORMAT binary)', f);
END $$;
SELECT lives_ok($$SELECT pg_temp.relire('\x013933303636')$$, 'recv reads a well-formed value');
SELECT is((SELECT code FROM codes_relus), '93066'::code_insee, 'and gets the code back');
SELECT throws_ok($$SELECT pg_temp.relire('\x023933303636')$$, '22P03', 'unsupported binary code_insee version 2', 'recv rejects another version');
SELECT throws_ok($$SELECT pg_temp.relire('\x0139333036')$$, '22P03', 'invalid binary code_insee of 5 bytes', 'recv rejects a short value');
SELECT throws_ok($$SELECT pg_temp.relire('\x01393330363600')$$, '22P03', 'invalid binary code_insee of 7 bytes', 'recv rejects a long value');
SELECT throws_ok($$SELECT pg_temp.relire('\x013230303031')$$, '22P03', 'invalid binary code_insee \x3230303031', 'recv validates the code');
SELECT throws_ok($$SELECT pg_temp.relire('\x01')$$, '22P03', NULL, 'recv rejects a lone version byte');

-- Index use: btree for equality and ranges, hash for equality; hash joins.
CREATE TEMP TABLE beaucoup AS
	SELECT (lpad(d::text, 2, '0') || lpad(n::text, 3, '0'))::code_insee AS code
	FROM generate_series(1, 95) AS d, generate_series(1, 100) AS n WHERE d <> 20;
CREATE INDEX beaucoup_btree ON beaucoup (code);
CREATE INDEX beaucoup_hash ON beaucoup USING hash (code);
ANALYZE beaucoup;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT ok(pg_temp.plan_utilise($$SELECT * FROM beaucoup WHERE code = '93066'$$, 'Index'), 'equality uses an index');
SELECT ok(pg_temp.plan_utilise($$SELECT * FROM beaucoup WHERE code BETWEEN '93001' AND '93099'$$, 'beaucoup_btree'), 'a range uses the btree index');
DROP INDEX beaucoup_btree;
SELECT ok(pg_temp.plan_utilise($$SELECT * FROM beaucoup WHERE code = '93066'$$, 'beaucoup_hash'), 'equality can use the hash index');
RESET enable_seqscan;
RESET enable_bitmapscan;
SET LOCAL enable_mergejoin = off;
SET LOCAL enable_nestloop = off;
SELECT ok(pg_temp.plan_utilise($$SELECT * FROM beaucoup a JOIN codes b USING (code)$$, 'Hash Join'), 'codes can be hash-joined');
SELECT is((SELECT count(*) FROM beaucoup WHERE departement(code) = '93'), 100::bigint, 'departement() over many codes');
SELECT is((SELECT count(DISTINCT code) FROM beaucoup), 9400::bigint, 'distinct (hash aggregate or sort) over many codes');

SELECT * FROM finish();
ROLLBACK;
