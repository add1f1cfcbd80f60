-- Converted rights that run out (issue 16, item 5; DOMAIN §3.4): a limited
-- right of 5.2 single-use rights over a year of 200 vacancies oriented by
-- the engine is never overrun (5 dwellings; 11 without the rule, the
-- positive control); once used up, or once its term has passed, the
-- réservataire is no longer offered dwellings, with the reason, and its share
-- goes to the pool; controler_conventions reports an overrun by hand.
\i test/setup.sql
BEGIN;
SELECT plan(17);

INSERT INTO bailleur VALUES ('c06', 'Bailleur des Alpes-Maritimes', NULL), ('c2', 'Second bailleur', NULL);
INSERT INTO reservataire VALUES ('employeur', 'Employeur cannois', 'employeur'), ('al', 'Action Logement Services', 'action_logement');
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv)
SELECT b, b || '-' || n, '06029', 3, false FROM generate_series(1, 200) AS n, unnest('{c06,c2}'::text[]) AS b;
-- c06: 5.2 single-use rights of the employer until the end of 2026, converted
-- on 1 January against a reference flux of 100: a share of 5.2036 %
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin) VALUES ('c06', 'employeur', '06', 'unique', 5.2, '2027-01-01');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('c06', 'al', '06', 2026, 35), ('c2', 'al', '06', 2026, 35);
SELECT count(*) AS conventions FROM convertir_en_conventions('c06', '06', '2026-01-01', 100);
SELECT results_eq($$SELECT taux, annee_debut, annee_fin FROM flux_mgmt.convention WHERE bailleur = 'c06' AND reservataire = 'employeur'$$,
				  $$VALUES (5.203561::numeric, 2026, 2026)$$, 'the employer''s converted convention: 5.2 rights over 365 days, 5.203561 % of 100');
-- 200 vacancies spread over 2026
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, date '2026-01-01' + (substr(l.ref, 5)::int * 364 / 200) FROM logement l WHERE l.bailleur = 'c06';

-- the positive control: the same year with the rights never running out
SAVEPOINT sans_epuisement;
UPDATE conversion SET droits_uniques = 1000 WHERE bailleur = 'c06' AND reservataire = 'employeur';
SELECT is((SELECT count(*) FROM orienter_en_attente('c06', 2026) WHERE reservataire = 'employeur'), 11::bigint,
		  'control: without the rule the engine gives the employer 11 dwellings (5.2 % of 200 = 10.4, within its bound), twice its rights');
ROLLBACK TO SAVEPOINT sans_epuisement;

SELECT is((SELECT count(*) FROM orienter_en_attente('c06', 2026) WHERE reservataire = 'employeur'), 5::bigint,
		  'with it, 5: the sixth would overrun the 5.2 rights');
INSERT INTO attribution (orientation_id, date_caleol, date_bail) SELECT o.id, o.date_orientation + 10, o.date_orientation + 20
FROM orientation o WHERE o.reservataire = 'employeur';
SELECT results_eq($$SELECT decomptes, droits_utilises, droits_restants FROM flux_mgmt.consommation_conversion('c06', '06')$$,
				  $$VALUES (5::bigint, 5::numeric, 0.2::numeric)$$, 'charged 5, 0.2 rights left: never overrun');
SELECT is_empty($$SELECT * FROM flux_mgmt.controler_conventions('c06', '06', 2026)$$, 'no rule broken');
SELECT is((SELECT count(*) FROM vacance va JOIN logement l ON l.id = va.logement_id
		   WHERE l.bailleur = 'c06' AND NOT EXISTS (SELECT FROM orientation o WHERE o.vacance_id = va.id)), 0::bigint,
		  'every vacancy was oriented, the employer''s share going to the others');

-- a new vacancy: the employer is offered nothing, and says why
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv) VALUES ('c06', 'c06-X', '06029', 2, false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-12-31' FROM logement WHERE ref = 'c06-X' RETURNING id AS x \gset
SELECT results_eq(format($$SELECT taux, motifs_preference[1] FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = 'employeur'$$, :x),
				  $$VALUES (0::numeric, 'converted rights used up: 5.2 single-use rights granted, 5 engaged; no more dwellings under them'::text)$$,
				  'its share is 0, the reason first');
SELECT ok((SELECT 'no entitlement left to it' = ANY (motifs) FROM suggerer(:x) WHERE reservataire = 'employeur'), 'suggerer: no entitlement left');
SELECT is((SELECT taux FROM unnest((decider(:x)).candidats) WHERE reservataire IS NULL), 65::numeric, 'the pool takes its share: 100 − 35');

-- an overrun by hand is reported
SELECT orienter(:x, 'employeur', date_orientation => '2026-12-31') AS o_x \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_x, '2026-12-31', '2026-12-31');
SELECT results_eq($$SELECT regle, detail FROM flux_mgmt.controler_conventions('c06', '06', 2026)$$,
				  $$VALUES ('droits_depasses'::text, 'réservataire ''employeur'' was charged 6 dwellings by landlord ''c06'' in département 06 under the single-use rights converted on 2026-01-01: 0.8 beyond the 5.2 granted'::text)$$,
				  'charged beyond its rights: droits_depasses');

-- in the reports too, its share applies while its rights last: every
-- orientation of the year let, 5.203561 % of the year's charges is above
-- 5.2, capped at the 5.2 rights; what it does not use goes to the pool
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, o.date_orientation + 10, o.date_orientation + 20
FROM orientation o JOIN vacance va ON va.id = o.vacance_id JOIN logement l ON l.id = va.logement_id
WHERE l.bailleur = 'c06' AND o.issue = 'en_cours' AND o.date_orientation <= '2026-12-10';
SELECT results_eq($$SELECT reservataire, droit, decomptes, ecart FROM flux_mgmt.atteinte_annuelle('c06', '06', 2026) WHERE reservataire = 'employeur'$$,
				  $$VALUES ('employeur'::text, 5.2::numeric, 6::bigint, -0.8::numeric)$$,
				  'atteinte: the employer is entitled to its 5.2 rights, not 5.203561 % of the year''s charges');
SELECT is((SELECT sum(droit) FROM flux_mgmt.atteinte_annuelle('c06', '06', 2026)),
		  (SELECT flux_realise::numeric FROM flux_mgmt.atteinte_annuelle('c06', '06', 2026) WHERE reservataire IS NULL),
		  'the entitlements still add up to the flux: the pool has the rest');

-- c2: 3 single-use rights ending on 30 June 2026
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, fin) VALUES ('c2', 'employeur', '06', 'unique', 3, '2026-06-30');
SELECT count(*) AS conventions FROM convertir_en_conventions('c2', '06', '2026-01-01', 100);
-- rights engaged as consommation_conversion counts them: a vacancy of
-- December 2025 oriented and let in January 2026 is a charge of 2026, and
-- two orientations still open engage the other two
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2025-12-20' FROM logement WHERE ref = 'c2-2';
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-02-01' FROM logement WHERE ref IN ('c2-3', 'c2-4');
SELECT count(orienter(va.id, 'employeur', date_orientation => greatest(va.date_liberation, '2026-01-05'))) AS orientees
FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE l.ref IN ('c2-2', 'c2-3', 'c2-4');
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-01-10', '2026-01-20' FROM orientation o JOIN vacance va ON va.id = o.vacance_id JOIN logement l ON l.id = va.logement_id
WHERE l.ref = 'c2-2';
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-03-01' FROM logement WHERE ref = 'c2-5' RETURNING id AS z \gset
SELECT results_eq(format($$SELECT taux, motifs_preference[1] FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = 'employeur'$$, :z),
				  $$VALUES (0::numeric, 'converted rights used up: 3 single-use rights granted, 3 engaged; no more dwellings under them'::text)$$,
				  'the charge of 2026 of a 2025 vacancy and two open orientations use up 3 rights');
-- (taken back: the term below)
CREATE TEMP TABLE c2_employeur AS
SELECT o.id FROM orientation o JOIN vacance va ON va.id = o.vacance_id JOIN logement l ON l.id = va.logement_id
WHERE l.bailleur = 'c2' AND o.reservataire = 'employeur';
DELETE FROM attribution WHERE orientation_id IN (SELECT id FROM c2_employeur);
DELETE FROM orientation WHERE id IN (SELECT id FROM c2_employeur);
-- the term is exclusive, as for detail_conversion: on 30 June the rights are ended
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-06-30' FROM logement WHERE ref = 'c2-6' RETURNING id AS w \gset
SELECT results_eq(format($$SELECT taux FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = 'employeur'$$, :w),
				  $$VALUES (0::numeric)$$, 'on the term day, 30 June, nothing more');
SELECT is((SELECT traitement FROM detail_conversion('c2', '06', '2026-06-30') WHERE reservataire = 'employeur'), 'expire',
		  'as detail_conversion says of that day');
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-07-15' FROM logement WHERE ref = 'c2-1' RETURNING id AS y \gset
SELECT results_eq(format($$SELECT taux, motifs_preference[1] FROM unnest((flux_mgmt.decider(%s)).candidats) WHERE reservataire = 'employeur'$$, :y),
				  $$VALUES (0::numeric, 'converted rights ended on 2026-06-30; no more dwellings under them'::text)$$,
				  'after its term, 15 July: share 0, the reason first');
SELECT orienter(:y, 'employeur', date_orientation => '2026-07-15') AS o_y \gset
SELECT results_eq($$SELECT regle, detail FROM flux_mgmt.controler_conventions('c2', '06', 2026)$$,
				  format($$VALUES ('droits_echus'::text, 'réservataire ''employeur'' got 1 orientations of landlord ''c2'' in département 06 after its converted rights ended on 2026-06-30 (first: orientation %s on 2026-07-15)'::text)$$, :o_y),
				  'an orientation after the term: droits_echus');

SELECT * FROM finish();
ROLLBACK;
