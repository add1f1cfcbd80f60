-- The flux_mgmt demo (run by scripts/demo.sh on a throwaway cluster).
\pset pager off
\pset footer off
\set rpls `cat data/rpls_cannes_2018.csv`
\set cog `cat data/cog2026_communes_idf.csv`

\echo
\echo '== 1. Install the extension'
CREATE EXTENSION flux_mgmt;
SET search_path = flux_mgmt, public;
SELECT extversion AS "flux_mgmt version" FROM pg_extension WHERE extname = 'flux_mgmt';

\echo
\echo '== 2. Load the real RPLS stock of Cannes (SDES open data, 1 January 2018) for a landlord'
\echo '   The file has real defects; the import repairs or reports each of them:'
INSERT INTO bailleur VALUES ('cannes', 'Parc social de Cannes (RPLS 2018)', NULL);
SELECT * FROM importer_rpls('cannes', :'rpls', 'cannes-');

\echo
\echo '== 3. The stock of Cannes (06029): by typology, financing and QPV'
SELECT CASE WHEN GROUPING(typologie(nb_pieces)) = 1 THEN 'total' ELSE coalesce(typologie(nb_pieces), 'not given') END AS typologie,
	   count(*) AS logements,
	   round(100.0 * count(*) / (SELECT count(*) FROM logement WHERE commune = '06029'), 1) AS "%"
FROM logement WHERE commune = '06029'
GROUP BY ROLLUP (typologie(nb_pieces)) ORDER BY GROUPING(typologie(nb_pieces)), 1;
SELECT coalesce(financement::text, 'not given') AS financement, count(*) AS logements,
	   round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "%"
FROM logement WHERE commune = '06029'
GROUP BY 1 ORDER BY 2 DESC;
SELECT CASE WHEN qpv THEN 'in a QPV' ELSE 'outside QPV' END AS quartier, count(*) AS logements,
	   round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "%"
FROM logement WHERE commune = '06029'
GROUP BY 1 ORDER BY 1;

\echo
\echo '== 4. Île-de-France communes (INSEE COG 2026) and the territory of a territorial réservataire'
SELECT importer_communes(:'cog') AS "communes loaded";
INSERT INTO reservataire VALUES ('est_ensemble', 'EPT Est Ensemble', 'ept');
SELECT definir_territoire('est_ensemble', '200057875') AS "communes in Est Ensemble's territory";
SELECT t.commune, c.nom FROM territoire t JOIN commune c ON c.code = t.commune
WHERE t.reservataire = 'est_ensemble' ORDER BY 1;

\echo
\echo '== 5. Bad input gets a clear error and changes nothing'
\set ON_ERROR_STOP 0
SELECT '6029'::code_insee;
INSERT INTO logement (bailleur, ref, commune, qpv, regime) VALUES ('cannes', 'X', '06029', false, 'stock_defense');
\set ON_ERROR_STOP 1
