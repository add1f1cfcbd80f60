-- One line per user table of flux_mgmt: name, rows, md5 of the rows in key
-- order; then the identity sequences' last values.
SELECT c.relname || ' ' || t.n || ' ' || t.h
FROM pg_class c
JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
CROSS JOIN LATERAL (
	SELECT (xpath('/row/n/text()', x))[1]::text AS n, (xpath('/row/h/text()', x))[1]::text AS h
	FROM query_to_xml(format('SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '','' ORDER BY t::text), '''')) AS h FROM flux_mgmt.%I t',
							 c.relname), false, false, '') AS x
) AS t
WHERE c.relkind = 'r'
ORDER BY c.relname;
SELECT c.relname || ' ' || pg_sequence_last_value(c.oid::regclass)
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
WHERE c.relkind = 'S'
ORDER BY c.relname;
