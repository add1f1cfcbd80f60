-- Issue 17, untested: premiere_commune and derniere_commune (every kind of
-- département, Corsica and the overseas ones included; anything else gives
-- null) and refuser, the one raiser of the extension's errors (each SQLSTATE
-- it is given, its message, detail and hint carried as they are).
\i test/setup.sql
BEGIN;
SELECT plan(22);

\i test/fixtures/diagnostics.sql

-- premiere_commune, derniere_commune
SELECT results_eq(
	$$SELECT d, premiere_commune(d)::text, derniere_commune(d)::text
	  FROM unnest(ARRAY['01', '19', '2A', '2B', '21', '93', '95', '971', '972', '973', '974', '975', '976']) WITH ORDINALITY AS x(d, i)
	  ORDER BY i$$,
	$$VALUES ('01', '01000', '01999'), ('19', '19000', '19999'), ('2A', '2A000', '2A999'), ('2B', '2B000', '2B999'),
			 ('21', '21000', '21999'), ('93', '93000', '93999'), ('95', '95000', '95999'),
			 ('971', '97100', '97199'), ('972', '97200', '97299'), ('973', '97300', '97399'), ('974', '97400', '97499'),
			 ('975', '97500', '97599'), ('976', '97600', '97699')$$,
	'the bounds of a metropolitan, a Corsican and every overseas département: two digits and 000/999, three digits and 00/99');
SELECT results_eq(
	$$SELECT d, premiere_commune(d) IS NULL, derniere_commune(d) IS NULL
	  FROM unnest(ARRAY['20', '96', '00', '970', '977', '97', '2a', '2b', '2C', '1', '9', '0', '100', ' 93', '93 ', '', 'ABC', '93048', NULL])
		   WITH ORDINALITY AS x(d, i)
	  ORDER BY i$$,
	$$VALUES ('20', true, true), ('96', true, true), ('00', true, true), ('970', true, true), ('977', true, true),
			 ('97', true, true), ('2a', true, true), ('2b', true, true), ('2C', true, true), ('1', true, true),
			 ('9', true, true), ('0', true, true), ('100', true, true), (' 93', true, true), ('93 ', true, true),
			 ('', true, true), ('ABC', true, true), ('93048', true, true), (NULL, true, true)$$,
	'null for Corsica before 1976 (20), 96, 00, 970, 977, a lowercase 2a, a lost leading zero, spaces, a commune code, null: no error');
SELECT is(premiere_commune('2A') IS NULL, false, 'not strict: a constant argument is folded (inlined CASE)');
-- The range property the counters' index relies on: a code lies between the
-- bounds of a département exactly when it belongs to it, for every
-- département and codes at both ends and in the middle of each.
CREATE TEMP TABLE departements AS
SELECT d FROM (SELECT lpad(n::text, 2, '0') AS d FROM generate_series(1, 95) AS n
			   UNION ALL SELECT unnest(ARRAY['2A', '2B', '971', '972', '973', '974', '975', '976'])) AS x
WHERE departement_valide(d);
CREATE TEMP TABLE codes AS
SELECT (d || s)::code_insee AS c
FROM departements, LATERAL unnest(CASE WHEN length(d) = 2 THEN ARRAY['000', '001', '500', '998', '999']
									   ELSE ARRAY['00', '01', '50', '98', '99'] END) AS s;
SELECT is((SELECT count(*)::int FROM departements), 102, '102 départements: 01-19, 2A, 2B, 21-95, 971-976');
SELECT is((SELECT count(*)::int FROM departements d JOIN codes k
		   ON (k.c OPERATOR(flux_mgmt.>=) premiere_commune(d.d) AND k.c OPERATOR(flux_mgmt.<=) derniere_commune(d.d))
			  IS DISTINCT FROM (departement(k.c) = d.d)),
		  0, 'for 102 × 510 pairs, a code is in the bounds of a département exactly when it belongs to it');
SELECT is((SELECT count(*)::int FROM departements d JOIN codes k
		   ON k.c OPERATOR(flux_mgmt.>=) premiere_commune(d.d) AND k.c OPERATOR(flux_mgmt.<=) derniere_commune(d.d)),
		  510, 'each code falls in one range only (19 < 2A < 2B < 21, 95 < 971)');

-- refuser: every SQLSTATE the extension passes it, by name, and one by code
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('the message', 'The detail.', 'The hint.')$$),
		  '23514 | the message | The detail. | The hint.', 'the default: check_violation, message, detail and hint as given');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'check_violation')$$),
		  '23514 | m | d | h', 'check_violation');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'foreign_key_violation')$$),
		  '23503 | m | d | h', 'foreign_key_violation');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'unique_violation')$$),
		  '23505 | m | d | h', 'unique_violation');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'invalid_parameter_value')$$),
		  '22023 | m | d | h', 'invalid_parameter_value');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'invalid_text_representation')$$),
		  '22P02 | m | d | h', 'invalid_text_representation');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'null_value_not_allowed')$$),
		  '22004 | m | d | h', 'null_value_not_allowed');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', '22003')$$),
		  '22003 | m | d | h', 'a five-character SQLSTATE is taken as it is');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', NULL, 'h', 'unique_violation')$$),
		  '23505 | m | (no detail) | h', 'a null detail: the error has none');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('valeur « é » 100 %', 'Détail : « x ».', 'Conseil %s.')$$),
		  '23514 | valeur « é » 100 % | Détail : « x ». | Conseil %s.', 'text is carried verbatim: no format directive is read in it');
SELECT is(pg_temp.erreur_complete($$SELECT CASE WHEN false THEN 'x' ELSE flux_mgmt.refuser('in an expression', NULL, 'h') END$$),
		  '23514 | in an expression | (no detail) | h', 'it raises from inside an SQL expression (its use in CASE)');
SELECT is(pg_temp.erreur_complete($$SELECT CASE WHEN true THEN 'x' ELSE flux_mgmt.refuser('never', NULL, 'h') END$$),
		  'no error', 'and an arm not taken is not folded into an error (VOLATILE)');
-- What refuser does with arguments the extension never passes: documented as
-- found.  A null hint or message or SQLSTATE is not the intended error but
-- PL/pgSQL's 22004 (every caller passes a hint; none passes a null one).
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', NULL)$$),
		  '22004 | RAISE statement option cannot be null | (no detail) | (no hint)',
		  'a null hint loses the message: PL/pgSQL refuses a null RAISE option (22004)');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser(NULL, 'd', 'h', NULL)$$),
		  '22004 | RAISE statement option cannot be null | (no detail) | (no hint)',
		  'as does a null message or SQLSTATE');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', 'no_such_condition')$$),
		  '42704 | unrecognized exception condition "no_such_condition" | (no detail) | (no hint)',
		  'an unknown condition name is 42704');
SELECT is(pg_temp.erreur_complete($$SELECT flux_mgmt.refuser('m', 'd', 'h', '00000')$$),
		  'P0001 | m | d | h', 'a success code is turned into raise_exception (P0001) by PL/pgSQL');

SELECT * FROM finish();
ROLLBACK;
