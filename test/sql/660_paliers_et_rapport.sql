-- Issue 17, untested: the error paths of paliers_conversion (each argument,
-- a missing rotation rate, a territorial réservataire without dwellings),
-- and rapport_annuel's negative forecast flux: the report explains it in its
-- section 4 instead of failing (export_reservataire likewise).
\i test/setup.sql
BEGIN;
SELECT plan(22);
\i test/fixtures/conversion.sql

SELECT results_eq($$SELECT reservataire, annee_debut, annee_fin, taux FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88, 4)$$,
	$$VALUES ('al'::text, 2026, NULL::int, 35.480822::numeric), ('cd93', 2026, 2029, 0.393793),
			 ('employeur_y', 2026, 2033, 5.8439), ('employeur_y', 2034, NULL, 5.217767)$$,
	'the control: DOMAIN example B in four steps');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('nobody', '93', '2026-01-01', 507.88)$$, '23503',
				 'unknown landlord ''nobody''', 'an unknown landlord');
-- the context the argument errors name is convertir_stock's, whoever called
-- (exiger_conversion is shared; documented as found)
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', 'x', '2026-01-01', 507.88)$$, '22023',
				 'invalid département ''x'' in convertir_stock', 'an invalid département (the message names convertir_stock)');
SELECT is(pg_temp.conseil($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '3', '2026-01-01', 507.88)$$),
		  'Write ''03'' rather than ''3''.', 'a lost leading zero gets its hint');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '1899-12-31', 507.88)$$, '22023',
				 'year 1899 in convertir_stock is out of range', 'a conversion date before 1900');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 0)$$, '22023',
				 'reference flux 0 of the conversion is not positive', 'a reference flux of 0');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', -1)$$, '22023',
				 'reference flux -1 of the conversion is not positive', 'a negative reference flux');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 'NaN')$$, '22023',
				 'reference flux NaN of the conversion of landlord ''b93'' in département 93 is not a finite number', 'NaN');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 'Infinity')$$, '22023',
				 'reference flux Infinity of the conversion of landlord ''b93'' in département 93 is not a finite number', 'Infinity');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88, 0)$$, '22023',
				 'horizon of 0 years for single-use rights is out of range', 'a horizon of 0 years');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88, 101)$$, '22023',
				 'horizon of 101 years for single-use rights is out of range', 'a horizon of 101 years');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2027-01-01', 507.88)$$, '23503',
				 'no rotation rate for landlord ''b93'' in département 93 in 2027', 'no rotation rate in the year of the conversion');
SELECT is(pg_temp.conseil($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2027-01-01', 507.88)$$),
		  'Add the landlord''s rate of the conversion year, for instance the reference rate of the département: INSERT INTO flux_mgmt.rotation (bailleur, departement, annee, taux) VALUES (''b93'', ''93'', 2027, 5.3);',
		  'whose hint is the row to insert');
SELECT is((SELECT count(*)::int FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', NULL))
		  + (SELECT count(*)::int FROM flux_mgmt.paliers_conversion('b93', NULL, '2026-01-01', 507.88))
		  + (SELECT count(*)::int FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88, NULL)),
		  0, 'null arguments give no row (STRICT)');
SELECT is_empty($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '75', '2026-01-01', 507.88)$$,
				'a département without stock rights: no step, no error');
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin, contrepartie)
VALUES ('b93', 'montreuil', '93', 'suite', 10, NULL, 'garantie d''emprunt');
SELECT throws_ok($$SELECT * FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', 507.88)$$, '23514',
				 'commune ''montreuil'' has no dwelling of landlord ''b93'' in its territory in département 93 on 2026-01-01',
				 'a territorial réservataire whose territory holds none of the landlord''s dwellings');
DELETE FROM droit_stock WHERE reservataire = 'montreuil';

-- rapport_annuel: a negative forecast flux for the next year
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) SELECT 'b93', 'R' || n, '93048', 3, false FROM generate_series(1, 5) AS n;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'al', '93', 2026, 35);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-03-01' FROM logement WHERE ref = 'R1';
SELECT orienter(v.id, 'al', date_orientation => '2026-03-02') FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'R1' \g /dev/null
INSERT INTO rotation VALUES ('b93', '93', 2027, 5.3);
INSERT INTO soustraction_prevue VALUES ('b93', '93', 2027, 'vente', 3);
SELECT is((SELECT flux_net FROM flux_mgmt.flux_previsionnel('b93', '93', 2027)), -2.735,
		  'the forecast of 2027: 5 dwellings × 5.3 % − 3 sales = −2.735');
SELECT throws_ok($$SELECT * FROM flux_mgmt.parts_annuelles('b93', '93', 2027)$$, '23514',
				 'the forecast flux of landlord ''b93'' in département 93 in 2027 is negative: -2.735', 'which parts_annuelles refuses');
SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT is(substring(:'rapport' FROM '<h2>4\..*?</h2>.*?<h2>5\.'),
		  '<h2>4. Flux prévisionnel 2027 par réservataire</h2><h3>Département 93</h3>'
		  '<p class="alerte">Flux prévisionnel 2027 non calculable : the forecast flux of landlord &#39;b93&#39; in département 93 in 2027 is negative: -2.735.</p>'
		  '<p class="conseil">Check the forecast subtractions (flux_mgmt.soustraction_prevue) of that year.</p><h2>5.',
		  'the report''s section 4 explains the negative flux, with the hint, escaped (the explanation is in English)');
SELECT ok(:'rapport' LIKE '%<h2>5. Objectifs d''attribution 2026 (article L441-1)</h2>%</body></html>',
		  'and the report goes on to its end');
SELECT is((SELECT e -> 'flux_previsionnel_suivant' FROM flux_mgmt.export_reservataire('b93', 'al', 2026) AS e),
		  '[{"annee": 2027, "erreur": "the forecast flux of landlord ''b93'' in département 93 in 2027 is negative: -2.735", "departement": "93"}]'::jsonb,
		  'the export gives the error of the département instead of its shares');
DELETE FROM soustraction_prevue;
SELECT ok(flux_mgmt.rapport_annuel('b93', 2026) LIKE '%<caption>Droits prévisionnels 2027 par réservataire</caption>%',
		  'without the subtractions, the shares of 2027 are back');

SELECT * FROM finish();
ROLLBACK;
