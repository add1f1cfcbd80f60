-- Writes the SQL of a fingerprint of the data of flux_mgmt, for test/upgrade.sh: run with psql -At
-- on the database at the release, it prints one query per line; test/upgrade.sh saves them and
-- runs the same queries before and after the update, so that the columns compared are the ones of
-- the release (a column a later version adds does not count as a change; one it drops fails).
--
-- The fingerprint is that of test/dump_restore/empreinte.sql, line for line: one line per table
-- (name, rows, md5 of the rows in text order), the identity sequences' last values, the counters
-- summed over their tranches (the tranche is the writing backend's slot, not data), how many
-- counters disagree with a recount.  It is not reused as it is: its table lines come out empty
-- (xpath('/row/…') over query_to_xml(…, tableforest => false), whose document element is <table>),
-- so it compares no row at all; and an empty table or an unused sequence would give an empty line.
SELECT format('SELECT %L || '' '' || count(*) || '' '' || md5(coalesce(string_agg(r, '','' ORDER BY r COLLATE "C"), '''')) '
			  'FROM (SELECT ROW(%s)::text AS r FROM flux_mgmt.%I AS t) AS t;',
			  c.relname, string_agg('t.' || quote_ident(a.attname), ', ' ORDER BY a.attnum), c.relname)
FROM pg_class c
JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind = 'r' AND c.relname NOT IN ('compteur', 'compteur_bilan')
GROUP BY c.relname
ORDER BY c.relname COLLATE "C";
SELECT format('SELECT %L || '' '' || coalesce(pg_sequence_last_value(%L::regclass)::text, ''unused'');',
			  c.relname, 'flux_mgmt.' || quote_ident(c.relname))
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
WHERE c.relkind = 'S'
ORDER BY c.relname COLLATE "C";
SELECT $$SELECT 'compteur ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text COLLATE "C"), '')) $$
	|| $$FROM (SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, sum(en_cours), sum(attribuees), $$
	|| $$sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux), sum(hors_qpv), sum(q1_hors_qpv), $$
	|| $$sum(q234_en_qpv), sum(prioritaires) FROM flux_mgmt.compteur GROUP BY 1, 2, 3, 4, 5, 6) AS t;$$;
SELECT $$SELECT 'compteur_bilan ' || count(*) || ' ' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text COLLATE "C"), '')) $$
	|| $$FROM (SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, sum(proposes), $$
	|| $$sum(attribues) FROM flux_mgmt.compteur_bilan GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) AS t;$$;
SELECT $$SELECT 'verifier_compteurs ' || count(*) FROM flux_mgmt.verifier_compteurs();$$;
