-- The INSEE commune list of Île-de-France and the territories of
-- territorial réservataires.
\i test/setup.sql
BEGIN;
SELECT plan(14);

\set cog `cat data/cog2026_communes_idf.csv`
SELECT is(importer_communes(:'cog'), 1286::bigint, '1,266 communes and 20 Paris arrondissements');
SELECT is(importer_communes(:'cog'), 1286::bigint, 'loading again refreshes them');
SELECT is((SELECT count(*) FROM commune), 1286::bigint, 'without duplicates');
SELECT results_eq($$SELECT departement(code), count(*) FROM commune WHERE commune_parente IS NULL GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('75', 1::bigint), ('77', 507), ('78', 259), ('91', 194), ('92', 36), ('93', 39), ('94', 47), ('95', 183)$$,
	'communes by département');
SELECT is((SELECT count(*) FROM commune WHERE commune_parente = '75056'), 20::bigint, 'Paris has 20 arrondissements');

INSERT INTO reservataire VALUES ('est_ensemble', 'EPT Est Ensemble', 'ept'), ('paris', 'Ville de Paris', 'commune'),
	('cergy', 'CA de Cergy-Pontoise', 'epci'), ('al', 'Action Logement', 'action_logement');
SELECT is(definir_territoire('est_ensemble', '200057875'), 9::bigint, 'Est Ensemble has nine communes');
SELECT ok((SELECT bool_and(departement(commune) = '93') FROM territoire WHERE reservataire = 'est_ensemble'), 'all in Seine-Saint-Denis');
SELECT is(definir_territoire('est_ensemble', '200057875'), 0::bigint, 'declaring it again adds nothing');
SELECT is(definir_territoire('paris', '75056'), 21::bigint, 'Paris: the commune and its arrondissements');
SELECT is(definir_territoire('cergy', '249500109'), 13::bigint, 'an EPCI outside the Métropole');
SELECT throws_ok($$SELECT flux_mgmt.definir_territoire('al', '75056')$$, '23514', NULL, 'a département-wide réservataire has no territory');
SELECT throws_ok($$SELECT flux_mgmt.definir_territoire('nobody', '75056')$$, '23503', 'unknown réservataire ''nobody''', 'an unknown réservataire');
SELECT throws_ok($$SELECT flux_mgmt.definir_territoire('cergy', '123456789')$$, '23503',
				 'no commune of the EPCI or EPT with SIREN 123456789 in flux_mgmt.commune', 'an unknown EPCI');
SELECT throws_ok($$SELECT flux_mgmt.importer_communes('code_insee;nom;commune_parente;epci_siren;epci_nom;ept_siren;ept_nom' || E'\r\n' || '7505;Paris;;;;;')$$,
				 '22P02', 'line 2 of the commune list is invalid: code ''7505'', parent NULL, name ''Paris''', 'a commune list with a bad code');

SELECT * FROM finish();
ROLLBACK;
