-- consommation_conversion(): the single-use rights of converted réservataires
-- used up as dwellings are charged to them (the counters' décompte), on
-- DOMAIN §5 example B converted into conventions.
\i test/setup.sql
BEGIN;
SELECT plan(12);
\i test/fixtures/conversion.sql

INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv)
SELECT 'b93', 'L' || i, '93066', 3, false FROM generate_series(1, 12) AS i;
SELECT is((SELECT count(*) FROM convertir_en_conventions('b93', '93', '2026-01-01', 507.88, 4)), 4::bigint, 'example B converted: four conventions');

CREATE TEMP VIEW conso AS
SELECT reservataire, droits_uniques, decomptes, droits_utilises, droits_restants FROM consommation_conversion('b93', '93');
SELECT results_eq('SELECT * FROM conso',
	$$VALUES ('al', NULL::numeric, 0::bigint, NULL::numeric, NULL::numeric), ('cd93', 8, 0, 0, 8), ('employeur_y', 25.44, 0, 0, 25.44)$$,
	'nothing charged yet: all the single-use rights are left; Action Logement''s rights are permanent');

-- Vacancies of 2026: L1-L3 to the département, L4-L5 to employer Y, L6 to
-- Action Logement, each let; then charges.
CREATE FUNCTION pg_temp.louer(ref text, reservataire text, liberation date, bail date) RETURNS void
	LANGUAGE sql AS $$
	INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
	SELECT id, liberation FROM flux_mgmt.logement WHERE bailleur = 'b93' AND logement.ref = louer.ref;
	INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail)
	SELECT flux_mgmt.orienter(v.id, louer.reservataire, NULL, liberation), bail - 5, bail
	FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
	WHERE l.ref = louer.ref AND v.date_liberation = liberation;
$$;
SELECT pg_temp.louer(r, x, '2026-02-01', '2026-03-15')
FROM (VALUES ('L1', 'cd93'), ('L2', 'cd93'), ('L3', 'cd93'), ('L4', 'employeur_y'), ('L5', 'employeur_y'), ('L6', 'al')) AS t(r, x) ORDER BY r;
SELECT results_eq('SELECT * FROM conso',
	$$VALUES ('al', NULL::numeric, 1::bigint, NULL::numeric, NULL::numeric), ('cd93', 8, 3, 3, 5), ('employeur_y', 25.44, 2, 0.214286, 25.225714)$$,
	'three leases use three of the département''s rights; employer Y''s two use 2 × 3.18 / 29.68 of a right');
SELECT is((SELECT sum(decomptes)::int FROM compteur WHERE bailleur = 'b93' AND reservataire = 'cd93'), 3, 'the charges are those of the counters');

-- A carence is charged (mixte); a withdrawal and an échec are not.
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-04-01' FROM logement WHERE ref IN ('L7', 'L8', 'L9') ORDER BY id;
SELECT orienter(v.id, 'cd93', NULL, '2026-04-02') AS o7 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'L7' \gset
SELECT orienter(v.id, 'cd93', NULL, '2026-04-02') AS o8 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'L8' \gset
SELECT orienter(v.id, 'cd93', NULL, '2026-04-02') AS o9 FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'L9' \gset
SELECT cloturer(:o7, 'carence', '2026-05-02');
SELECT cloturer(:o8, 'retiree', '2026-04-10');
SELECT cloturer(:o9, 'echec', '2026-05-20');
SELECT results_eq($$SELECT decomptes, droits_utilises, droits_restants FROM conso WHERE reservataire = 'cd93'$$,
	$$VALUES (4::bigint, 4::numeric, 4::numeric)$$, 'a carence uses a right; a withdrawal and an échec do not');

-- Charged in a later year of its first step, then after its limited rights
-- ended (2034: permanent rights only, nothing used up).
SELECT pg_temp.louer('L10', 'employeur_y', '2027-06-01', '2027-07-01');
SELECT pg_temp.louer('L11', 'employeur_y', '2034-02-01', '2034-03-01');
SELECT results_eq($$SELECT decomptes, droits_utilises, droits_restants FROM conso WHERE reservataire = 'employeur_y'$$,
	$$VALUES (4::bigint, 0.321429, 25.118571)$$,
	'employer Y: four charges, of which three in 2026-2033 use 3.18 / 29.68 of a right each');

-- The charges are the counters': a lease cancelled gives the right back.
DELETE FROM attribution a USING orientation o, vacance v, logement l
WHERE o.id = a.orientation_id AND v.id = o.vacance_id AND l.id = v.logement_id AND l.ref = 'L1';
SELECT results_eq($$SELECT decomptes, droits_utilises, droits_restants FROM conso WHERE reservataire = 'cd93'$$,
	$$VALUES (3::bigint, 3::numeric, 5::numeric)$$, 'a lease deleted: one right back');
-- Used beyond the rights: negative.
SELECT pg_temp.louer(r, 'cd93', '2027-01-10', '2027-02-01')
FROM (VALUES ('L2'), ('L3'), ('L4'), ('L5'), ('L6'), ('L12')) AS t(r) ORDER BY r;
SELECT results_eq($$SELECT decomptes, droits_utilises, droits_restants FROM conso WHERE reservataire = 'cd93'$$,
	$$VALUES (9::bigint, 9::numeric, -1::numeric)$$, 'charged beyond its 8 rights: −1 left');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');
SELECT results_eq($$SELECT date_conversion, fin FROM consommation_conversion('b93', '93') ORDER BY reservataire$$,
	$$VALUES ('2026-01-01'::date, NULL::date), ('2026-01-01', '2030-01-01'), ('2026-01-01', '2034-01-01')$$, 'the date of the conversion and the ends');

SELECT throws_ok($$SELECT * FROM flux_mgmt.consommation_conversion('nobody', '93')$$, '23503', 'unknown landlord ''nobody''', 'an unknown landlord');
SELECT throws_ok($$SELECT * FROM flux_mgmt.consommation_conversion('b93', '930')$$, '22023', 'invalid département ''930'' in consommation_conversion',
				 'an invalid département');

SELECT * FROM finish();
ROLLBACK;
