-- calendrier(): the years in which a small réservataire receives a dwelling
-- (DOMAIN §3.4, §5 example E), in exact arithmetic; its properties over many
-- volumes; bad arguments.
\i test/setup.sql
BEGIN;
SELECT plan(21);

-- Example E: an annual volume of 0.4 over ten years.
SELECT is(calendrier(0.4, 10), '{0,0,1,0,1,0,0,1,0,1}', 'example E: volume 0.4 over ten years');
SELECT is((SELECT array_agg(y ORDER BY y) FROM unnest(calendrier(0.4, 10)) WITH ORDINALITY AS c(n, y) WHERE n > 0),
		  '{3,5,8,10}'::bigint[], 'example E: one dwelling in years 3, 5, 8 and 10');

SELECT is(calendrier(2.5, 4), '{2,3,2,3}', 'a volume above one: 2 or 3 a year, 10 in four years');
SELECT is(calendrier(3, 2), '{3,3}', 'a whole volume: the same every year');
SELECT is(calendrier(0, 3), '{0,0,0}', 'a volume of 0: nothing');
SELECT is(calendrier(0.4, 1), '{0}', 'one year');
SELECT is(array_lower(calendrier(0.4, 10), 1), 1, 'year 1 is the first element');

-- Exact arithmetic: numeric products and floors, no floating point.
SELECT is(calendrier(0.3333333333333333, 3), '{0,0,0}', '3 × 0.3333333333333333 is below 1: no dwelling yet');
SELECT is(calendrier(0.3333333333333334, 3), '{0,0,1}', '3 × 0.3333333333333334 is above 1: one in year 3');
SELECT is(calendrier(0.123456789012345678901234567890, 100)::int[],
		  (SELECT array_agg(floor(0.123456789012345678901234567890 * y) - floor(0.123456789012345678901234567890 * (y - 1)) ORDER BY y)::int[]
		   FROM generate_series(1, 100) AS y),
		  'thirty decimals over a hundred years');

-- Properties over 1,000 volumes and lengths: after y years, floor(v·y)
-- dwellings; each year floor(v) or floor(v) + 1.
CREATE TEMP TABLE cas AS
SELECT round((i * 7919 % 10007) / 2001.0, (i % 5) + 1) AS v, 1 + i % 40 AS n FROM generate_series(1, 1000) AS i;
SELECT is_empty($$SELECT * FROM cas WHERE (SELECT sum(x) FROM unnest(calendrier(v, n)) AS x) <> floor(v * n)$$,
				'the calendar adds up to floor(volume × years)');
SELECT is_empty($$SELECT * FROM cas, LATERAL unnest(calendrier(v, n)) WITH ORDINALITY AS c(x, y)
				  WHERE (SELECT sum(z) FROM unnest(calendrier(v, n)) WITH ORDINALITY AS d(z, w) WHERE w <= y) <> floor(v * y)$$,
				'after y years, floor(volume × y) dwellings');
SELECT is_empty($$SELECT * FROM cas, LATERAL unnest(calendrier(v, n)) AS x WHERE x NOT IN (floor(v), floor(v) + 1)$$,
				'every year gets floor(volume) or one more');

-- Bad arguments.
SELECT throws_ok('SELECT flux_mgmt.calendrier(-0.4, 10)', '22023', 'annual volume -0.4 is negative', 'a negative volume');
SELECT throws_ok($$SELECT flux_mgmt.calendrier('NaN', 10)$$, '22023', 'annual volume NaN is not a finite number', 'NaN');
SELECT throws_ok($$SELECT flux_mgmt.calendrier('Infinity', 10)$$, '22023', 'annual volume Infinity is not a finite number', 'infinity');
SELECT throws_ok('SELECT flux_mgmt.calendrier(0.4, 0)', '22023', 'a calendar of 0 years is out of range', 'no year');
SELECT throws_ok('SELECT flux_mgmt.calendrier(0.4, -1)', '22023', 'a calendar of -1 years is out of range', 'a negative number of years');
SELECT throws_ok('SELECT flux_mgmt.calendrier(0.4, 1001)', '22023', 'a calendar of 1001 years is out of range', 'more than 1,000 years');
SELECT throws_ok('SELECT flux_mgmt.calendrier(10000000, 1000)', '22003', 'annual volume 10000000 over 1000 years is too large for a calendar',
				 'more dwellings than an integer holds');
SELECT is(calendrier(NULL, 10), NULL, 'a null volume gives null');

SELECT * FROM finish();
ROLLBACK;
