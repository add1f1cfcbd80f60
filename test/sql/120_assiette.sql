-- assiette() and flux_previsionnel(): the dwellings counted on a date
-- (boundaries to the day), what is outside the flux, DOMAIN §5 example A,
-- missing forecasts and every error.
\i test/setup.sql
BEGIN;
SELECT plan(31);

-- The hint of the error a statement raises.
CREATE FUNCTION pg_temp.indice(requete text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	h text;
BEGIN
	EXECUTE requete;
	RETURN NULL;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS h = PG_EXCEPTION_HINT;
	RETURN h;
END
$$;

INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL), ('autre', 'Autre bailleur', NULL);
INSERT INTO reservataire VALUES ('defense', 'Ministère des Armées', 'ministere');

-- Example A: 10,000 dwellings in Seine-Saint-Denis, 40 of them defence stock.
INSERT INTO logement (bailleur, ref, commune, qpv, regime, reservataire_stock)
SELECT 'b93', 'A' || i, (ARRAY['93048', '93066', '93055', '93001'])[1 + i % 4]::code_insee, i % 3 = 0,
	   CASE WHEN i <= 40 THEN 'stock_defense' ELSE 'flux' END::regime,
	   CASE WHEN i <= 40 THEN 'defense' END
FROM generate_series(1, 10000) AS i;
-- Not in it: another landlord in 93, the same landlord in 92.
INSERT INTO logement (bailleur, ref, commune, qpv) SELECT 'autre', 'X' || i, '93048', false FROM generate_series(1, 7) AS i;
INSERT INTO logement (bailleur, ref, commune, qpv) SELECT 'b93', 'H' || i, '92012', false FROM generate_series(1, 5) AS i;

SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('b93', '93', '2026-01-01')$$, $$VALUES (10000, 40, 9960)$$,
				  'example A: 10,000 dwellings, 40 in defence stock, assiette 9,960');
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('b93', '92', '2026-01-01')$$, $$VALUES (5, 0, 5)$$,
				  'the same landlord in another département');
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('autre', '93', '2026-01-01')$$, $$VALUES (7, 0, 7)$$,
				  'another landlord in the same département');
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('autre', '75', '2026-01-01')$$, $$VALUES (0, 0, 0)$$,
				  'a département where the landlord owns nothing');
SELECT ok(pg_temp.plan_utilise($$SELECT count(*) FROM flux_mgmt.logements_detenus('b93', '93', '2026-01-01')$$,
								'logement_bailleur_departement'),
		  'the dwellings are read through the index on landlord and département');

-- Entering and leaving the stock, to the day; hors champ and the other stock regimes.
INSERT INTO logement (bailleur, ref, commune, qpv, regime, reservataire_stock, mise_en_service, sortie) VALUES
	('b93', 'neuf', '93048', false, 'flux', NULL, '2026-01-01', NULL),
	('b93', 'vendu', '93048', false, 'flux', NULL, '2015-06-01', '2026-01-01'),
	('b93', 'demoli', '93048', false, 'flux', NULL, NULL, '2026-01-02'),
	('b93', 'hors_champ', '93048', false, 'hors_champ', NULL, NULL, NULL),
	('b93', 'securite', '93048', false, 'stock_securite', 'defense', NULL, NULL),
	('b93', 'sante', '93048', false, 'stock_sante', 'defense', '2026-01-02', NULL);
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('b93', '93', '2025-12-31')$$, $$VALUES (10004, 42, 9962)$$,
				  'on 31 December: the sold and the demolished dwellings are still there, the new one not yet');
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('b93', '93', '2026-01-01')$$, $$VALUES (10004, 42, 9962)$$,
				  'on 1 January: the new one entered that day, the sold one left that day');
SELECT results_eq($$SELECT * FROM flux_mgmt.assiette('b93', '93', '2026-01-02')$$, $$VALUES (10004, 43, 9961)$$,
				  'on 2 January: the demolished one left, the health stock dwelling entered');
-- Each regime on its own, one dwelling per département of the other landlord:
-- what assiette counts outside the flux, regime by regime.
INSERT INTO logement (bailleur, ref, commune, qpv, regime, reservataire_stock) VALUES
	('autre', 'r_hors_champ', '75056', false, 'hors_champ', NULL), ('autre', 'r_defense', '77288', false, 'stock_defense', 'defense'),
	('autre', 'r_securite', '78646', false, 'stock_securite', 'defense'), ('autre', 'r_sante', '91228', false, 'stock_sante', 'defense'),
	('autre', 'r_flux', '94028', false, 'flux', NULL);
SELECT results_eq($$SELECT d, a.* FROM unnest('{75,77,78,91,94}'::text[]) AS d, flux_mgmt.assiette('autre', d, '2026-01-02') AS a ORDER BY d$$,
				  $$VALUES ('75', 1, 1, 0), ('77', 1, 1, 0), ('78', 1, 1, 0), ('91', 1, 1, 0), ('94', 1, 0, 1)$$,
				  'hors champ and the three stock regimes are outside the flux, a flux dwelling is in it');
DELETE FROM logement WHERE bailleur = 'b93' AND NOT ref LIKE 'A%' AND NOT ref LIKE 'H%';
DELETE FROM logement WHERE ref LIKE 'r\_%';

SELECT throws_ok($$SELECT * FROM flux_mgmt.assiette('nobody', '93', '2026-01-01')$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.assiette('b93', '9', '2026-01-01')$$, '22023', 'invalid département ''9'' in assiette',
				 'a one-digit département');
SELECT is((SELECT patrimoine FROM flux_mgmt.assiette('b93', NULL, '2026-01-01')), NULL, 'null arguments: null (strict)');

-- Example A, the forecast flux.
INSERT INTO rotation VALUES ('b93', '93', 2026, 5.3);
INSERT INTO mise_en_service_prevue VALUES ('b93', '93', 2026, 120);
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 90), ('b93', '93', 2026, 'renouvellement_urbain', 40),
	('b93', '93', 2026, 'copropriete_degradee', 5), ('b93', '93', 2026, 'habitat_indigne', 3), ('b93', '93', 2026, 'vente', 2);
SELECT results_eq($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2026)$$,
				  $$VALUES (9960, 5.3, 527.88, 120, 140, 507.88)$$,
				  'example A: 527.88 relocations + 120 − 140 = 507.88');
SELECT is((SELECT relocations::text || ' ' || flux_net::text FROM flux_mgmt.flux_previsionnel('b93', '93', 2026)), '527.88 507.88',
		  'exact decimals, no trailing zeros');
SELECT is((SELECT flux_net + soustractions FROM flux_mgmt.flux_previsionnel('b93', '93', 2026)), 647.88,
		  'example A: 647.88 before the 140 subtractions (527.88 + 120)');

-- The assiette of a year is the one of 1 January: a dwelling entering on 2
-- January counts next year.
INSERT INTO logement (bailleur, ref, commune, qpv, mise_en_service) VALUES ('b93', 'janvier', '93048', false, '2026-01-02');
SELECT is((SELECT assiette FROM flux_mgmt.flux_previsionnel('b93', '93', 2026)), 9960, 'the assiette at 1 January');
DELETE FROM logement WHERE ref = 'janvier';

-- Missing forecasts of first lettings and subtractions count as 0.
INSERT INTO rotation VALUES ('b93', '92', 2026, 6);
SELECT results_eq($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '92', 2026)$$, $$VALUES (5, 6::numeric, 0.3, 0, 0, 0.3)$$,
				  'without forecasts: first lettings 0, subtractions 0');
INSERT INTO rotation VALUES ('b93', '77', 2026, 6.7);
SELECT results_eq($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '77', 2026)$$, $$VALUES (0, 6.7, 0::numeric, 0, 0, 0::numeric)$$,
				  'no dwelling: a flux of 0');
INSERT INTO soustraction_prevue VALUES ('b93', '92', 2026, 'vente', 2);
SELECT is((SELECT flux_net FROM flux_mgmt.flux_previsionnel('b93', '92', 2026)), -1.7::numeric,
		  'subtractions above the flux give a negative forecast (parts_annuelles refuses it)');

-- A missing rotation rate is an error whose hint is the row to insert.
SELECT throws_ok($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2027)$$, '23503',
				 'no rotation rate for landlord ''b93'' in département 93 in 2027', 'a missing rotation rate');
SELECT is(pg_temp.indice($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2027)$$),
		  'Add the landlord''s rate in percent, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (''b93'', ''93'', 2027, 5.3);',
		  'its hint gives the row, with the reference rate of Seine-Saint-Denis');
SELECT lives_ok(substring(pg_temp.indice($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2027)$$) FROM 'INSERT .*$'),
				'the row of the hint can be inserted as it is');
SELECT is((SELECT flux_net FROM flux_mgmt.flux_previsionnel('b93', '93', 2027)), 527.88, 'and the flux of 2027 is then computed');
SELECT is(taux_rotation_reference('91'), 7.5, 'reference rate of Essonne: 7.5 %');
SELECT is(taux_rotation_reference('06'), 8.1, 'outside Île-de-France: 8.1 % (France métropolitaine)');

SELECT throws_ok($$SELECT * FROM flux_mgmt.flux_previsionnel('nobody', '93', 2026)$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '2C', 2026)$$, '22023', 'invalid département ''2C'' in flux_previsionnel',
				 'an invalid département');
SELECT throws_ok($$SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 26)$$, '22023', 'year 26 in flux_previsionnel is out of range', 'a two-digit year');
SELECT is((SELECT flux_net FROM flux_mgmt.flux_previsionnel('b93', '93', NULL)), NULL, 'a null year: null (strict)');

-- Works with an empty search_path (every name is qualified or pinned).
SET LOCAL search_path = '';
SELECT f.flux_net AS vide_flux, a.assiette AS vide_assiette
FROM flux_mgmt.flux_previsionnel('b93', '93', 2026) AS f, flux_mgmt.assiette('b93', '93', '2026-01-01') AS a \gset
SET LOCAL search_path = flux_mgmt, public;
SELECT is(:'vide_flux'::numeric, 507.88, 'flux_previsionnel with an empty search_path');
SELECT is(:'vide_assiette'::integer, 9960, 'assiette with an empty search_path');

SELECT * FROM finish();
ROLLBACK;
