-- Bad RPLS files (issue 12): line ends of every kind are read alike; an
-- empty file, a header without lines and a column read twice are errors.
\i test/setup.sql
BEGIN;
SELECT plan(16);

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
-- the same two dwellings, lines ended by LF, CRLF, a lone CR, or a mix
CREATE FUNCTION pg_temp.fichier(fin text) RETURNS text LANGUAGE sql
RETURN 'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;LIBCOM' || fin || '93066;3;13;1;1990;Saint-Denis' || fin
	|| '93048;2;11;2;1975;Montreuil' || fin;

SELECT results_eq($$SELECT ligne, commune::text, nb_pieces, financement::text, qpv, annee_construction, rejet
					FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\n'))$$,
	$$VALUES (2, '93066', 3::smallint, 'plus', true, 1990::smallint, NULL::text), (3, '93048', 2::smallint, 'plai', false, 1975::smallint, NULL)$$,
	'LF line ends: two dwellings');
SELECT results_eq($$SELECT * FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\r\n'))$$,
	$$SELECT * FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\n'))$$, 'CRLF line ends: the same lines, no CR in the last field');
SELECT results_eq($$SELECT * FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\r'))$$,
	$$SELECT * FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\n'))$$, 'CR-only line ends: the same lines (0.1 read none)');
SELECT results_eq($$SELECT * FROM flux_mgmt.rpls_analyser(
					  E'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;LIBCOM\r93066;3;13;1;1990;Saint-Denis\r\n93048;2;11;2;1975;Montreuil\n\r\n')$$,
	$$SELECT * FROM flux_mgmt.rpls_analyser(pg_temp.fichier(E'\n'))$$, 'mixed line ends and a blank last line: the same lines');
SELECT results_eq($$SELECT constat, lignes, exemple FROM flux_mgmt.importer_rpls('b93', pg_temp.fichier(E'\r'), 'cr-')$$,
	$$VALUES ('imported', 2::bigint, 'line 2 → cr-2 in 93066'), ('no RPLS identifier', 2, 'line 2')$$,
	'importer_rpls imports a CR-only file');
SELECT results_eq($$SELECT ref, commune::text FROM flux_mgmt.logement ORDER BY ref$$,
	$$VALUES ('cr-2', '93066'), ('cr-3', '93048')$$, 'its dwellings, named by line number');
SELECT is((SELECT count(*) FROM flux_mgmt.rpls_analyser(E'\uFEFFDEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT\r93066;3;13;1;1990\r')), 1::bigint,
		  'a byte-order mark before a CR-only header is dropped');

-- no line to import
SELECT throws_ok($$SELECT * FROM flux_mgmt.rpls_analyser('')$$, '22023', 'the RPLS file has no line', 'an empty file');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('b93', E'\r\n  \n')$$, '22023', 'the RPLS file has no line',
				 'a file of blank lines, through importer_rpls');
SELECT throws_ok($$SELECT * FROM flux_mgmt.rpls_analyser('DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT')$$, '22023',
				 'the RPLS file has no line after its header', 'a header alone');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('b93', E'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT\r\n\r\n')$$, '22023',
				 'the RPLS file has no line after its header', 'a header and blank lines, through importer_rpls');

-- a column read by name, twice
SELECT throws_ok($$SELECT * FROM flux_mgmt.rpls_analyser(E'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;DEPCOM\n93066;3;13;1;1990;93048')$$, '22023',
				 'the RPLS file has the column DEPCOM 2 times (fields 1, 6)', 'two DEPCOM columns are refused, not the first one used');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('b93', E'RPLS;DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;rpls\n;93066;3;13;1;1990;', 'd-')$$, '22023',
				 'the RPLS file has the column RPLS 2 times (fields 1, 7)', 'column names are compared in capitals, as they are read');
SELECT lives_ok($$SELECT * FROM flux_mgmt.rpls_analyser(E'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;LIBCOM;LIBCOM\n93066;3;13;1;1990;a;b')$$,
				'a column the importer does not read may repeat');
SELECT throws_ok($$SELECT * FROM flux_mgmt.rpls_analyser(E'DEPCOM;NBPIECE;QPV\r93066;3;1\r')$$, '22023',
				 'the RPLS file lacks the columns FINAN, CONSTRUCT', 'a CR-only file names its missing columns from its first line alone');
SELECT is((SELECT count(*) FROM flux_mgmt.logement), 2::bigint, 'the refused files imported nothing');

SELECT * FROM finish();
ROLLBACK;
