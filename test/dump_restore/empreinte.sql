-- One line per user table of flux_mgmt: name, rows, md5 of the rows in
-- order; the identity sequences' last values; the counters summed over their
-- tranches (the tranche is the writing backend's slot, not data); and how
-- many counters disagree with a recount.
SELECT c.relname || ' ' || t.n || ' ' || t.h
FROM pg_class c
JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
CROSS JOIN LATERAL (
	SELECT (xpath('/row/n/text()', x))[1]::text AS n, (xpath('/row/h/text()', x))[1]::text AS h
	FROM query_to_xml(format('SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '','' ORDER BY t::text), '''')) AS h FROM flux_mgmt.%I t',
							 c.relname), false, true, '') AS x
) AS t
WHERE c.relkind = 'r' AND c.relname NOT IN ('compteur', 'compteur_bilan', 'compteur_moteur')
ORDER BY c.relname;
SELECT c.relname || ' ' || pg_sequence_last_value(c.oid::regclass)
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
WHERE c.relkind = 'S'
ORDER BY c.relname;
SELECT 'compteur ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, sum(en_cours), sum(attribuees), sum(carences),
			 sum(echecs), sum(retirees), sum(decomptes), sum(baux), sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)
	  FROM flux_mgmt.compteur GROUP BY 1, 2, 3, 4, 5, 6) AS t;
SELECT 'compteur_bilan ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, sum(proposes), sum(attribues)
	  FROM flux_mgmt.compteur_bilan GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) AS t;
SELECT 'compteur_moteur ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT bailleur, annee, departement, reservataire, sum(imputees), sum(proposes), sum(proposes_hors_qpv)
	  FROM flux_mgmt.compteur_moteur GROUP BY 1, 2, 3, 4) AS t;
SELECT 'verifier_compteurs ' || count(*) FROM flux_mgmt.verifier_compteurs();
