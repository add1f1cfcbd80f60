-- The events of the planted-objects test (test/objets_plantes.sh), recorded
-- by the clerk (or the superuser): plain INSERT, UPDATE and DELETE on the
-- event tables and the extension's functions, then a year of Cannes oriented
-- by the engine (after demo/annee.sql, deterministic).  Same rules as
-- referentiel.sql: every name qualified, no expression that a look-alike in
-- public could capture.  test/objets_plantes.sh then COPYs more events and
-- runs evenements_suite.sql.
\set ON_ERROR_STOP 1
\pset footer off

-- b93: one vacancy per dwelling on 1 February 2026
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT id, '2026-02-01' FROM flux_mgmt.logement WHERE bailleur = 'b93' ORDER BY id;
SELECT v.id AS m1 FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.ref = 'M1' \gset
SELECT v.id AS m4 FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.ref = 'M4' \gset
SELECT v.id AS b3 FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.ref = 'B3' \gset
-- what the engine says for them
SELECT * FROM flux_mgmt.suggerer(:m1) ORDER BY rang;
SELECT (flux_mgmt.decider(:m1)).*;
SELECT * FROM flux_mgmt.candidats('b93', '93048', 2026, 3::smallint, 'plus', false) ORDER BY 1;
-- orientations through orienter(), to réservataires, the pool and out of the flux
SELECT flux_mgmt.orienter(v.id, o.r, o.s::flux_mgmt.motif_soustraction, '2026-02-02')
FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
JOIN (VALUES ('D1', 'defense', NULL), ('M2', 'est_ensemble', NULL), ('M3', 'al', NULL), ('B1', NULL, 'mutation_interne'),
			 ('B2', 'prefet', NULL), ('H1', NULL, NULL)) AS o (ref, r, s) ON o.ref = l.ref
ORDER BY v.id;
-- by a plain INSERT, to the commune
INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (:m4, 'montreuil', '2026-02-03');
-- the engine's rank 1
SELECT flux_mgmt.orienter_suggestion(:m1, '2026-02-04') IS NOT NULL AS orientee;
-- leases, a pending one, a carence, a withdrawal
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
SELECT o.id, '2026-02-20', '2026-03-01', true, false FROM flux_mgmt.orientation o
WHERE o.reservataire IN ('est_ensemble', 'defense', 'prefet') ORDER BY o.id;
SELECT flux_mgmt.cloturer(o.id, 'carence', '2026-04-05') FROM flux_mgmt.orientation o WHERE o.reservataire = 'al';
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol)
SELECT o.id, '2026-02-25' FROM flux_mgmt.orientation o WHERE o.reservataire IS NULL AND o.soustraction IS NULL;
UPDATE flux_mgmt.attribution SET date_bail = '2026-03-10', prioritaire = true
WHERE orientation_id IN (SELECT o.id FROM flux_mgmt.orientation o WHERE o.reservataire IS NULL AND o.soustraction IS NULL);
SELECT flux_mgmt.cloturer(o.id, 'retiree', '2026-02-10') FROM flux_mgmt.orientation o WHERE o.reservataire = 'montreuil';
-- corrections: an attribution deleted (its orientation reopens) and recorded again, an
-- orientation's deadline moved, a vacancy's date corrected, a vacancy deleted
DELETE FROM flux_mgmt.attribution WHERE orientation_id IN (SELECT o.id FROM flux_mgmt.orientation o WHERE o.reservataire = 'prefet');
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, dalo)
SELECT o.id, '2026-02-21', '2026-03-02', true FROM flux_mgmt.orientation o WHERE o.reservataire = 'prefet';
UPDATE flux_mgmt.orientation SET date_limite = '2026-03-20'
WHERE vacance_id = :m1 AND issue OPERATOR(pg_catalog.=) 'en_cours';
UPDATE flux_mgmt.vacance SET date_liberation = '2026-01-30' WHERE id = :b3;
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT id, '2026-06-01' FROM flux_mgmt.logement WHERE ref = 'B3';
DELETE FROM flux_mgmt.vacance WHERE logement_id IN (SELECT id FROM flux_mgmt.logement WHERE ref = 'B3') AND date_liberation = '2026-06-01';
-- in a transaction: landlords locked first, an orientation, rolled back to a savepoint, then kept
BEGIN;
SELECT flux_mgmt.verrouiller_bailleurs('{b93}');
SAVEPOINT avant;
SELECT flux_mgmt.orienter(:b3, 'al', NULL, '2026-02-05') IS NOT NULL AS orientee;
ROLLBACK TO SAVEPOINT avant;
SELECT flux_mgmt.orienter(:b3, 'prefet', NULL, '2026-02-05') IS NOT NULL AS orientee;
COMMIT;

-- Cannes: a year of vacancies, one dwelling in 53, spread over the year
INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
SELECT l.id, DATE '2026-01-02' + (n % 360)
FROM generate_series(1, 6374, 53) AS n
JOIN flux_mgmt.logement l ON l.bailleur = 'cannes' AND l.ref = 'cannes-' || n::text
ORDER BY l.id;
-- each oriented in date order: mostly the engine's suggestion, some kept for the pool or
-- out of the flux; then a lease, a carence and a new orientation, an échec and the engine
-- again, or nothing yet
DO $$
DECLARE
	v record;
	o bigint;
	i int := 0;
	limite date;
	motifs flux_mgmt.motif_soustraction[] := '{mutation_interne,renouvellement_urbain,vente,habitat_indigne,copropriete_degradee}';
BEGIN
	FOR v IN
		SELECT va.id, va.date_liberation AS j
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
		WHERE l.bailleur = 'cannes' AND va.date_liberation BETWEEN '2026-01-01' AND '2026-12-31'
		ORDER BY va.date_liberation, va.id
	LOOP
		i := i + 1;
		IF i % 11 = 0 THEN
			o := flux_mgmt.orienter(v.id, NULL, motifs[1 + i % 5], v.j);
		ELSIF i % 11 = 1 THEN
			o := flux_mgmt.orienter(v.id, NULL, NULL, v.j);
		ELSE
			o := flux_mgmt.orienter_suggestion(v.id, v.j);
		END IF;
		SELECT date_limite INTO limite FROM flux_mgmt.orientation WHERE id = o;
		IF i % 7 = 3 AND limite IS NOT NULL THEN
			PERFORM flux_mgmt.cloturer(o, 'carence', limite);
			o := flux_mgmt.orienter(v.id, NULL, NULL, limite + 1);
			INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile)
			VALUES (o, limite + 10, limite + 40, i % 4 = 0);
		ELSIF i % 7 = 5 THEN
			PERFORM flux_mgmt.cloturer(o, 'echec', v.j + 45);
			o := flux_mgmt.orienter_suggestion(v.id, v.j + 46);
			INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, dalo, mutation)
			VALUES (o, v.j + 56, v.j + 80, i % 3 = 0, i % 5 = 0);
		ELSIF i % 7 <> 6 THEN
			INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire,
											   relogement_renouvellement, mutation, agent_etat)
			VALUES (o, v.j + 12, v.j + 40, i % 4 = 0, i % 6 = 0, i % 3 = 0, i % 13 = 0, i % 5 = 0, i % 17 = 0);
		END IF;
	END LOOP;
END
$$;
SELECT count(*) AS orientations_cannes FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.bailleur = 'cannes';
