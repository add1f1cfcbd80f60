-- Import of the real RPLS extract of Cannes: the official figures, the
-- report of its defects, and the rejection of broken files.
\i test/setup.sql
BEGIN;
SELECT plan(33);

INSERT INTO bailleur VALUES ('cannes', 'Parc social de Cannes (RPLS 2018)', NULL);
\set rpls `cat data/rpls_cannes_2018.csv`
CREATE TEMP TABLE rapport AS SELECT * FROM importer_rpls('cannes', :'rpls', 'cannes-');

SELECT results_eq('SELECT constat, lignes FROM rapport',
	$$VALUES ('imported', 6374::bigint), ('DEPCOM lost its leading zero', 6374), ('no RPLS identifier', 6374),
			 ('U+FFFD replacement characters', 6374), ('CODEPOSTAL lost its leading zero', 6374)$$,
	'the report names every defect of the file and how it was handled');
SELECT is((SELECT exemple FROM rapport WHERE constat = 'DEPCOM lost its leading zero'), 'line 2: 6029 → 06029',
		  'the repair is shown on an example');
SELECT matches((SELECT exemple FROM rapport WHERE constat = 'U+FFFD replacement characters'), '^line 2, LIBEPCI: ',
			   'the U+FFFD example names the column');
SELECT is((SELECT exemple FROM rapport WHERE constat = 'CODEPOSTAL lost its leading zero'), 'line 2: 12 IMPASSE DENANS, 06400 CANNES',
		  'the postal code repaired in the address (the street number is in NOMVOIE, NUMVOIE is empty)');
SELECT is((SELECT adresse FROM logement WHERE ref = 'cannes-2'), '12 IMPASSE DENANS, 06400 CANNES', 'the address of line 2');
SELECT results_eq($$SELECT count(*), count(adresse), count(*) FILTER (WHERE adresse ~ ', 06(400|110|150) ') FROM logement$$,
				  $$VALUES (6374::bigint, 6374::bigint, 6374::bigint)$$,
				  'every dwelling has its address, with a five-digit postal code of Cannes or Le Cannet');
-- programmes, buildings and segments (issue 15; DOMAIN §3.9): 142 APL
-- convention numbers, 198 dwellings without one, grouped by their 22 street
-- addresses; 1,383 dwellings without IMMEU; "no segment" said four ways
SELECT results_eq($$SELECT count(DISTINCT numconv), count(*) FILTER (WHERE numconv IS NULL), count(*) FILTER (WHERE immeuble IS NULL)
					FROM logement WHERE bailleur = 'cannes'$$,
				  $$VALUES (142::bigint, 198::bigint, 1383::bigint)$$, '142 convention numbers, 198 dwellings without, 1,383 without IMMEU');
SELECT results_eq($$SELECT count(DISTINCT programme), count(DISTINCT programme) FILTER (WHERE programme LIKE 'NUMCONV %'),
						   count(DISTINCT programme) FILTER (WHERE programme LIKE 'ADRESSE %'), count(*) FILTER (WHERE programme IS NULL)
					FROM logement WHERE bailleur = 'cannes'$$,
				  $$VALUES (164::bigint, 142::bigint, 22::bigint, 0::bigint)$$, 'every dwelling in a programme: 142 by convention, 22 by address');
SELECT is((SELECT count(*) FROM logement WHERE programme = 'NUMCONV 06.1988.06.85.1231.2.013.007.12'), 510::bigint, 'the largest programme: 510 dwellings');
SELECT results_eq($$SELECT count(DISTINCT segment_patrimoine), count(*) FILTER (WHERE segment_patrimoine IS NULL)
					FROM logement WHERE bailleur = 'cannes'$$,
				  $$VALUES (20::bigint, 4446::bigint)$$,
				  '20 CUS segments; 4,446 dwellings without (empty, x, pas de code, Pas de code)');
SELECT is((SELECT DISTINCT libelle_segment FROM logement WHERE segment_patrimoine = '06S1'), 'Alpes Maritimes S1', 'a segment''s label');

-- a database updated from 0.1 gets them from the same file; a corrected grouping is kept
UPDATE logement SET adresse = NULL, numconv = NULL, immeuble = NULL, segment_patrimoine = NULL, programme = NULL WHERE bailleur = 'cannes';
UPDATE logement SET programme = 'Résidence corrigée' WHERE bailleur = 'cannes' AND ref = 'cannes-2';
SELECT is(completer_logements_rpls('cannes', :'rpls', 'cannes-'), 6374::bigint, 'completer_logements_rpls sets them from the same file');
SELECT is(completer_logements_rpls('cannes', :'rpls', 'cannes-'), 0::bigint, 'again: nothing to change');
SELECT is((SELECT programme FROM logement WHERE ref = 'cannes-2'), 'Résidence corrigée', 'the landlord''s correction of a programme stays');

-- The official RPLS 2018 aggregates for Cannes (shared/data/README.md).
SELECT is((SELECT count(*) FROM logement WHERE commune = '06029'), 6313::bigint, '6,313 dwellings in Cannes');
SELECT is((SELECT count(*) FROM logement WHERE commune = '06030'), 61::bigint, '61 in Le Cannet');
SELECT is((SELECT count(*) FROM logement WHERE commune = '06029' AND qpv), 2011::bigint, '2,011 in a QPV');
SELECT is((SELECT count(*) FROM logement WHERE commune = '06029' AND NOT qpv), 4302::bigint, '4,302 outside');
SELECT results_eq($$SELECT typologie(nb_pieces), count(*) FROM logement WHERE commune = '06029' GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('T1', 319::bigint), ('T2', 1228), ('T3', 2765), ('T4', 1676), ('T5+', 325)$$,
	'319 / 1,228 / 2,765 / 1,676 / 325 by rooms');
SELECT results_eq($$SELECT financement::text, count(*) FROM logement GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('autre', 119::bigint), ('hlm_o', 2743), ('pla', 1876), ('plai', 225), ('pli', 98), ('pls', 753), ('plus', 560)$$,
	'financing products, from FINAN');
SELECT is((SELECT count(*) FROM logement WHERE ref LIKE 'cannes-%' AND rpls IS NULL AND regime = 'flux'), 6374::bigint,
		  'refs are prefix || line, no RPLS id, regime flux');
SELECT is((SELECT row(nb_pieces, financement, qpv, annee_construction, mise_en_service)::text FROM logement WHERE ref = 'cannes-2'),
		  '(1,plus,f,2006,2006-01-01)', 'line 2 mapped field by field');

-- Importing the same file again is refused and changes nothing.
SELECT throws_ok(format('SELECT * FROM flux_mgmt.importer_rpls(%L, %L, %L)', 'cannes', :'rpls', 'cannes-'), '23505',
				 'dwelling ''cannes-2'' of landlord ''cannes'' already exists', 'a second import with the same prefix is refused');
SELECT is((SELECT count(*) FROM logement), 6374::bigint, 'and changed nothing');

-- Broken files.
CREATE FUNCTION pg_temp.fichier(VARIADIC lignes text[]) RETURNS text LANGUAGE sql
RETURN 'DEPCOM;NBPIECE;FINAN;QPV;CONSTRUCT;LIBCOM' || E'\n' || array_to_string(lignes, E'\n');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('inconnu', pg_temp.fichier('93066;3;13;1;1990;X'))$$,
				 '23503', 'unknown landlord ''inconnu''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', 'DEPCOM;NBPIECE' || E'\n' || '93066;3')$$,
				 '22023', 'the RPLS file lacks the columns FINAN, QPV, CONSTRUCT', 'missing columns are named');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', pg_temp.fichier('93066;3;13;1;1990;X', '99999;3;13;1;1990;X'), 'b-')$$,
				 '22P02', 'line 3 of the RPLS file is rejected: DEPCOM ''99999'' is not an INSEE commune code', 'an unknown commune names its line');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', pg_temp.fichier('93066;NC;13;1;1990;X'), 'b-')$$,
				 '22P02', 'line 2 of the RPLS file is rejected: NBPIECE ''NC'' is not a number of rooms (0 to 9)', 'NBPIECE NC');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', pg_temp.fichier('93066;3;18;1;1990;X'), 'b-')$$,
				 '22P02', 'line 2 of the RPLS file is rejected: FINAN ''18'' is not an RPLS financing code', 'FINAN 18');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', pg_temp.fichier('93066;3;13;3;1990;X'), 'b-')$$,
				 '22P02', 'line 2 of the RPLS file is rejected: QPV ''3'' is neither 1 (in a QPV) nor 2', 'QPV 3');
SELECT throws_ok($$SELECT * FROM flux_mgmt.importer_rpls('cannes', pg_temp.fichier('93066;3;13;1;1990'), 'b-')$$,
				 '22P02', 'line 2 of the RPLS file is rejected: it has 5 fields, the header 6', 'a short line');
SELECT results_eq($$SELECT constat, lignes, exemple FROM flux_mgmt.importer_rpls('cannes',
					  pg_temp.fichier('93066;0;0;2;;X', '20001;3;13;1;1990;X', '2A004;5;52;1;1962;X'), 'b-', ignorer_rejets => true)$$,
	$$VALUES ('imported', 2::bigint, 'line 2 → b-2 in 93066'), ('rejected', 1, 'line 3: DEPCOM ''20001'' is not an INSEE commune code'),
			 ('no RPLS identifier', 2, 'line 2'), ('NBPIECE not given (0)', 1, 'line 2'),
			 ('FINAN not given (0)', 1, 'line 2'), ('CONSTRUCT not given', 1, 'line 2')$$,
	'ignorer_rejets imports the good lines and lists the rejected one');
SELECT is((SELECT row(nb_pieces, financement, qpv, annee_construction)::text FROM logement WHERE ref = 'b-2'),
		  '(,,f,)', 'values not given are left null');

SELECT * FROM finish();
ROLLBACK;
