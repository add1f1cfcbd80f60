-- The décompte (DOMAIN §3.6, §5 example D): when a dwelling oriented to
-- Action Logement is charged, under each mode; a vacancy is charged once;
-- charges count in the year of their date.
\i test/setup.sql
BEGIN;
SELECT plan(15);

INSERT INTO bailleur VALUES ('b_orientation', 'Mode orientation', NULL), ('b_bail', 'Mode bail', NULL), ('b_mixte', 'Mode mixte', NULL);
INSERT INTO reservataire VALUES ('al', 'Action Logement Services', 'action_logement');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux, mode_decompte)
SELECT b, 'al', '93', 2026, 35, m::mode_decompte
FROM (VALUES ('b_orientation', 'orientation'), ('b_bail', 'bail'), ('b_mixte', 'mixte')) AS t(b, m);
-- two dwellings per landlord: one ends in a carence, the other in a lease
INSERT INTO logement (bailleur, ref, commune, nb_pieces, qpv)
SELECT b, r, '93066', 3, false FROM unnest('{b_orientation,b_bail,b_mixte}'::text[]) AS b, unnest('{carence,bail}'::text[]) AS r;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-02-20' FROM logement;
-- oriented to Action Logement on 1 March; the delay is one month
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT id, 'al', '2026-03-01' FROM vacance ORDER BY id;
SELECT is((SELECT DISTINCT date_limite FROM orientation), '2026-04-01'::date, 'deadline 1 April');

CREATE TEMP VIEW charge AS
SELECT l.bailleur, l.ref, d.date_decompte
FROM orientation_decompte d JOIN vacance v ON v.id = d.vacance_id JOIN logement l ON l.id = v.logement_id
WHERE d.decompte;

-- while nobody has answered: only the orientation mode has charged
SELECT results_eq('SELECT bailleur, ref, date_decompte FROM charge ORDER BY 1, 2',
	$$VALUES ('b_orientation', 'bail', '2026-03-01'::date), ('b_orientation', 'carence', '2026-03-01')$$,
	'orientation mode charges on the day of the orientation');

-- no candidate by 1 April
SELECT cloturer(o.id, 'carence', '2026-04-01')
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'carence';
SELECT is((SELECT date_decompte FROM charge WHERE bailleur = 'b_mixte' AND ref = 'carence'), '2026-04-01'::date,
		  'carence: mixte charges it on 1 April');
SELECT is_empty($$SELECT 1 FROM charge WHERE bailleur = 'b_bail' AND ref = 'carence'$$, 'carence: bail never charges it');
SELECT is((SELECT date_decompte FROM charge WHERE bailleur = 'b_orientation' AND ref = 'carence'), '2026-03-01'::date,
		  'carence: orientation charged it on 1 March');

-- candidate accepted, lease on 20 April
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-04-10', '2026-04-20'
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'bail';
SELECT results_eq($$SELECT bailleur, date_decompte FROM charge WHERE ref = 'bail' ORDER BY 1$$,
	$$VALUES ('b_bail', '2026-04-20'::date), ('b_mixte', '2026-04-20'), ('b_orientation', '2026-03-01')$$,
	'lease on 20 April: all three charge it, on 20 April, 20 April and 1 March');

-- the counters agree: one charge per dwelling charged, in 2026
SELECT results_eq($$SELECT bailleur, sum(decomptes)::int FROM compteur WHERE reservataire = 'al' GROUP BY 1 ORDER BY 1$$,
	$$VALUES ('b_bail', 1), ('b_mixte', 2), ('b_orientation', 2)$$, 'charges per landlord in the counters');

-- after a carence, the landlord gives the dwelling to its pool and lets it: still one charge
SELECT count(orienter(v.id, NULL, date_orientation => '2026-04-02')) AS au_contingent
FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'carence';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-04-15', '2026-05-02' FROM orientation o WHERE o.reservataire IS NULL;
SELECT results_eq($$SELECT l.bailleur, coalesce(d.reservataire, 'pool'), d.date_decompte
					FROM orientation_decompte d JOIN vacance v ON v.id = d.vacance_id JOIN logement l ON l.id = v.logement_id
					WHERE l.ref = 'carence' AND d.decompte ORDER BY 1$$,
	$$VALUES ('b_bail', 'pool', '2026-05-02'::date), ('b_mixte', 'al', '2026-04-01'), ('b_orientation', 'al', '2026-03-01')$$,
	'a vacancy is charged once: to the réservataire that let it pass (mixte, orientation), else to the pool at its lease (bail)');

-- withdrawn: not charged, even under the orientation mode
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('b_orientation', 'retrait', '93066', false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-06-01' FROM logement WHERE ref = 'retrait';
SELECT orienter(v.id, 'al', date_orientation => '2026-06-01') AS o_retrait FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'retrait' \gset
SELECT is((SELECT decompte FROM orientation_decompte WHERE id = :o_retrait), true, 'orientation mode: charged when oriented');
SELECT cloturer(:o_retrait, 'retiree', '2026-06-10');
SELECT is((SELECT decompte FROM orientation_decompte WHERE id = :o_retrait), NULL, 'withdrawn by the landlord: not charged any more');
-- échec: not charged under mixte
SELECT orienter(v.id, 'al', date_orientation => '2026-06-11') AS o_echec FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'retrait' \gset
UPDATE convention SET mode_decompte = 'mixte' WHERE bailleur = 'b_orientation';
SELECT is((SELECT decompte FROM orientation_decompte WHERE id = :o_echec), NULL, 'after the convention switches to mixte, an open orientation is not charged');
SELECT cloturer(:o_echec, 'echec', '2026-07-20');
SELECT is((SELECT decompte FROM orientation_decompte WHERE id = :o_echec), NULL, 'mixte: an échec is not charged');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'counters follow a change of mode');
UPDATE convention SET mode_decompte = 'orientation' WHERE bailleur = 'b_orientation';

-- charges count in the year of their date: oriented in December, carence in January
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('b_mixte', 'hiver', '93066', false);
UPDATE convention SET annee_debut = 2025 WHERE reservataire = 'al';
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2025-12-01' FROM logement WHERE ref = 'hiver';
SELECT orienter(v.id, 'al', date_orientation => '2025-12-15') AS o_hiver FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'hiver' \gset
SELECT cloturer(:o_hiver, 'carence', '2026-01-16');
SELECT results_eq($$SELECT annee, sum(carences)::int, sum(decomptes)::int FROM compteur c JOIN logement l USING (bailleur)
					WHERE l.ref = 'hiver' AND c.reservataire = 'al' GROUP BY 1 ORDER BY 1$$,
	$$VALUES (2025, 1, 0), (2026, 1, 3)$$,
	'the carence counts with its orientation in 2025, its charge in 2026 (with the two charges of April)');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');

SELECT * FROM finish();
ROLLBACK;
