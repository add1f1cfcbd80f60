-- The INSEE commune list (importer_communes): the same file with CRLF, LF or
-- lone CR line ends imports the same communes; a list without a commune line
-- is an error that imports nothing.
\i test/setup.sql
BEGIN;
SELECT plan(7);
\set entete 'code_insee;nom;commune_parente;epci_siren;epci_nom;ept_siren;ept_nom'
\set l1 '93048;Montreuil;;200057875;Est Ensemble;200057875;Est Ensemble'
\set l2 '93008;Bobigny;;200057875;Est Ensemble;200057875;Est Ensemble'
SELECT is(importer_communes(:'entete' || E'\n' || :'l1' || E'\n' || :'l2' || E'\n'), 2::bigint, 'LF line ends: 2 communes');
SELECT is(importer_communes(:'entete' || E'\r\n' || :'l1' || E'\r\n' || :'l2'), 2::bigint, 'CRLF line ends: the same 2');
SELECT is(importer_communes(:'entete' || E'\r' || :'l1' || E'\r' || :'l2' || E'\r'), 2::bigint, 'lone CR line ends: the same 2 (0.1 imported none)');
SELECT results_eq($$SELECT code::text, nom, ept FROM commune ORDER BY code$$,
				  $$VALUES ('93008', 'Bobigny', '200057875'), ('93048', 'Montreuil', '200057875')$$,
				  'the communes, once each');
SELECT throws_ok(format('SELECT importer_communes(%L)', :'entete' || E'\r\n'), '22023',
				 'the commune list has no line after its header', 'a header and no line is an error');
SELECT throws_ok($$SELECT importer_communes('')$$, '22023', NULL, 'so is an empty file (its header lacks every column)');
SELECT is((SELECT count(*)::int FROM commune), 2, 'the refused lists imported nothing');
SELECT * FROM finish();
ROLLBACK;
