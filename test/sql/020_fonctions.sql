-- Small pure functions: typologie, financement_rpls, siren_valide.
\i test/setup.sql
BEGIN;
SELECT plan(38);

SELECT is(typologie(n::smallint), t, format('typologie(%s) = %s', n, t))
FROM (VALUES (1, 'T1'), (2, 'T2'), (3, 'T3'), (4, 'T4'), (5, 'T5+'), (6, 'T5+'), (9, 'T5+')) AS v(n, t)
ORDER BY n;
SELECT is(typologie(NULL), NULL, 'typologie(null) is null (rooms not given)');
SELECT throws_ok('SELECT flux_mgmt.typologie(0::smallint)', '22023', 'invalid number of rooms: 0', 'typologie(0) is an error');
SELECT throws_ok('SELECT flux_mgmt.typologie(-2::smallint)', '22023', 'invalid number of rooms: -2', 'typologie(-2) is an error');

-- Every RPLS FINAN code of the dictionary.
SELECT is(financement_rpls(c::smallint), f::financement, format('financement_rpls(%s) = %s', c, coalesce(f, 'null')))
FROM (VALUES (0, NULL), (10, 'plai'), (11, 'plai'), (12, 'pla'), (13, 'plus'), (14, 'pls'), (15, 'autre'),
			 (16, 'pli'), (17, 'autre'), (49, 'autre'), (50, 'hlm_o'), (51, 'autre'), (52, 'hlm_o'),
			 (53, 'autre'), (54, 'autre'), (55, 'autre'), (99, 'autre')) AS v(c, f)
ORDER BY c;
SELECT throws_ok('SELECT flux_mgmt.financement_rpls(18::smallint)', '22023', 'unknown RPLS financing code: 18', 'an unknown FINAN code is an error');
SELECT throws_ok('SELECT flux_mgmt.financement_rpls(-1::smallint)', '22023', 'unknown RPLS financing code: -1', 'a negative FINAN code is an error');

SELECT ok(siren_valide('552100554'), 'a real SIREN passes the Luhn check');
SELECT ok(siren_valide('732829320'), 'another real SIREN');
SELECT ok(NOT siren_valide('552100555'), 'a wrong check digit fails');
SELECT ok(NOT siren_valide('55210055'), 'eight digits fail');
SELECT ok(NOT siren_valide('55210055A'), 'a letter fails');
SELECT ok(est_territorial('ept') AND est_territorial('commune') AND est_territorial('epci')
		  AND NOT est_territorial('departement') AND NOT est_territorial('etat_prioritaires'),
		  'communes, EPCI and EPT are territorial, the others are not');
SELECT is(enum_range(NULL::type_reservataire)::text[],
		  '{etat_prioritaires,etat_agents,action_logement,commune,epci,ept,departement,region,employeur,ministere,organisme,autre}',
		  'the kinds of réservataire of the contract');
SELECT is(enum_range(NULL::issue_orientation)::text[], '{en_cours,attribuee,carence,echec,retiree}', 'the outcomes of an orientation');

-- documentation: every object the extension owns, every trigger on its
-- tables and every column of its tables and views says what it is
SELECT is_empty($$
	SELECT pg_describe_object(d.classid, d.objid, 0)
	FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'flux_mgmt'
	WHERE d.deptype = 'e' AND obj_description(d.objid, d.classid::regclass::text) IS NULL
	UNION ALL
	SELECT format('trigger %s on %s', t.tgname, t.tgrelid::regclass)
	FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname = 'flux_mgmt' AND NOT t.tgisinternal AND obj_description(t.oid, 'pg_trigger') IS NULL
	UNION ALL
	SELECT format('column %s.%s', c.relname, a.attname)
	FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	WHERE n.nspname = 'flux_mgmt' AND c.relkind IN ('r', 'v') AND col_description(c.oid, a.attnum) IS NULL$$,
	'every object of the extension, every trigger and every column has a comment');

SELECT * FROM finish();
ROLLBACK;
