-- The view atteinte (CONTRACT.md): per convention in force and the pool,
-- charges in the scope, entitlement, charged, difference, open orientations,
-- carences; the pool's entitlement makes the entitlements add up to the
-- flux; years as the counters count them; read from the counters only, one
-- landlord-year through their index.  Hand-built events on the fixture.
\i test/setup.sql
BEGIN;
SELECT plan(19);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
-- prefet: orientation mode; agents: bail; al, montreuil (93048 only): mixte.
-- 2025: M1 to Action Logement, lease in January 2026 (charged in 2026).
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2025-06-01' FROM logement WHERE ref = 'M1';
SELECT orienter(v.id, 'al', date_orientation => '2025-06-02') AS o_m1_2025
FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'M1' AND v.date_liberation = '2025-06-01' \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_m1_2025, '2025-12-20', '2026-01-15');
-- 2026 (vacancies of 1 March: :m1 … :h1, set by the fixture)
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') AS o_m2 \gset
SELECT orienter(:m3, 'prefet', date_orientation => '2026-03-02') AS o_m3 \gset
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, date_orientation => '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
SELECT orienter(:h1, NULL, date_orientation => '2026-03-02') AS o_h1 \gset
-- M1 let to the commune's candidate; M2: no candidate from Action Logement
-- (carence, charged under mixte), then the pool lets it (not charged again);
-- M3 (préfet, orientation mode) and B1 (agents) still open; B2 let from the
-- pool; the stock and hors champ dwellings let outside the flux.
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES
	(:o_m1, '2026-03-20', '2026-04-10'), (:o_b2, '2026-03-10', '2026-03-20'),
	(:o_d1, '2026-03-10', '2026-03-20'), (:o_h1, '2026-03-10', '2026-03-20');
SELECT cloturer(:o_m2, 'carence', '2026-04-05');
SELECT orienter(:m2, NULL, date_orientation => '2026-04-06') AS o_m2_pool \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_m2_pool, '2026-04-20', '2026-05-01');

SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND departement = '93' AND annee = 2026
	  ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 5::bigint, 0.25::numeric, 0::bigint, 0.25::numeric, 1::bigint, 0::bigint),
			 ('al', 35, 5, 1.75, 2, -0.25, 0, 1),
			 ('montreuil', 10, 4, 0.4, 1, -0.6, 0, 0),
			 ('prefet', 25, 5, 1.25, 1, 0.25, 1, 0),
			 (NULL, 27, 5, 1.35, 1, 0.35, 0, 0)$$,
	'2026: charges in each scope (Montreuil: its commune only), entitlements, charged, open orientations, carences');
-- The pool by hand: 5 charged in the département; the département-wide
-- entitlements 5 × (5 + 35 + 25) % = 3.25, Montreuil's 10 % of its 4 = 0.4;
-- the pool 5 - 3.65 = 1.35, 27 % of 5.  A pool computed as 100 - 65 % of 5
-- (1.75) would fail.
SELECT results_eq(
	$$SELECT taux, droit, ecart, sum(decomptes) OVER ()::numeric FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026
	  ORDER BY reservataire NULLS FIRST LIMIT 1$$,
	$$VALUES (27::numeric, 1.35::numeric, 0.35::numeric, 5::numeric)$$,
	'the pool: entitled to 1.35 of the 5 dwellings charged (27 %), one charged; the 5 charges are all someone''s');
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
	  FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2025
	  ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 0::bigint, 0::numeric, 0::bigint, 0::numeric, 0::bigint, 0::bigint),
			 ('al', 35, 0, 0, 0, 0, 0, 0),
			 ('montreuil', 10, 0, 0, 0, 0, 0, 0),
			 ('prefet', 25, 0, 0, 0, 0, 0, 0),
			 (NULL, 35, 0, 0, 0, 0, 0, 0)$$,
	'2025: the orientation counts there, its lease and charge in 2026; nothing charged: the pool''s share is 100 minus the département-wide shares');
SELECT is((SELECT count(*) FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2024), 0::bigint,
		  'no row for a year without counters, rotation rate or conventions');
INSERT INTO rotation VALUES ('b93', '93', 2027, 5.3);
SELECT results_eq(
	$$SELECT reservataire, taux, flux_realise, droit FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2027
	  ORDER BY reservataire COLLATE "C" NULLS LAST$$,
	$$VALUES ('agents'::text, 5::numeric, 0::bigint, 0::numeric), ('al', 35, 0, 0), ('montreuil', 10, 0, 0), ('prefet', 25, 0, 0),
			 (NULL, 35, 0, 0)$$,
	'a year with a rotation rate has its rows before any event');

-- a lease signed after the réservataire's convention ended: charged, no entitlement
INSERT INTO bailleur VALUES ('b_fin', 'Convention finie', NULL);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES ('b_fin', 'al', '93', 2025, 2025, 40);
INSERT INTO logement (bailleur, ref, commune, qpv) VALUES ('b_fin', 'F1', '93066', false);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2025-12-01' FROM logement WHERE ref = 'F1';
INSERT INTO orientation (vacance_id, reservataire, date_orientation)
SELECT v.id, 'al', '2025-12-02' FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'F1';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2025-12-20', '2026-01-10' FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'F1';
SELECT results_eq(
	$$SELECT annee, reservataire, taux, flux_realise, droit, decomptes, ecart FROM flux_mgmt.atteinte WHERE bailleur = 'b_fin'
	  ORDER BY annee, reservataire NULLS LAST$$,
	$$VALUES (2025, 'al'::text, 40::numeric, 0::bigint, 0::numeric, 0::bigint, 0::numeric), (2025, NULL, 60, 0, 0, 0, 0),
			 (2026, 'al', 0, 1, 0, 1, -1), (2026, NULL, 100, 1, 1, 0, 1)$$,
	'a réservataire charged without a convention in force gets a row with share 0; the pool is entitled to the whole flux');

-- the counters, not the events: the view follows them
UPDATE compteur SET decomptes = decomptes + 10 WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'prefet' AND decomptes > 0;
SELECT is((SELECT decomptes FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'prefet'), 11::bigint,
		  'atteinte reads the counters (a counter changed by hand shows)');
SELECT recalculer_compteurs() > 0 AS recalcule \gset
SELECT is((SELECT decomptes FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'prefet'), 1::bigint,
		  'and the rebuilt counters again');
-- spread over tranches: summed
UPDATE compteur SET tranche = 3, decomptes = 0 WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'prefet' AND decomptes > 0;
INSERT INTO compteur (bailleur, commune, annee, reservataire, soustraction, dans_flux, tranche, en_cours, attribuees, carences, echecs,
					  retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
VALUES ('b93', '93048', 2026, 'prefet', NULL, true, 5, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
SELECT is((SELECT decomptes FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026 AND reservataire = 'prefet'), 1::bigint,
		  'a key spread over tranches is summed');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the counters agree with a recount');

-- which (département, year) pairs a landlord has rows for: those of its
-- counters (any, in the flux or not; Corsica and overseas too), of its
-- rotation rates, and this year those of its conventions in force; found by
-- skip scans, the same as the plain union over the tables
INSERT INTO bailleur VALUES ('b_multi', 'Plusieurs départements', NULL);
INSERT INTO rotation VALUES ('b_multi', '77', 2030, 6);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux) VALUES ('b_multi', 'al', '94', 2020, NULL, 40);
INSERT INTO compteur (bailleur, commune, annee, reservataire, soustraction, dans_flux, tranche, en_cours, attribuees, carences, echecs,
					  retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
SELECT 'b_multi', c::code_insee, a, NULL, NULL::motif_soustraction, f, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
FROM (VALUES ('93048', 2024, false), ('2A004', 2024, true), ('2B033', 2026, true), ('97105', 2026, true), ('97411', 2026, false),
			 ('95018', 2026, true)) AS x(c, a, f)
UNION ALL
-- and 300 communes of the Ain
SELECT 'b_multi', ('01' || lpad(i::text, 3, '0'))::code_insee, 2026, NULL, NULL, true, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0
FROM generate_series(1, 300) AS i;
ANALYZE compteur;
SELECT results_eq(
	$$SELECT departement, annee FROM flux_mgmt.perimetres_atteinte('b_multi') ORDER BY annee, departement$$,
	$$SELECT d, a FROM (VALUES ('93', 2024), ('2A', 2024), ('01', 2026), ('2B', 2026), ('95', 2026), ('971', 2026), ('974', 2026),
							   ('77', 2030)) AS x(d, a)
	  UNION SELECT '94', date_part('year', CURRENT_DATE)::integer
	  ORDER BY 2, 1$$,
	'a landlord''s départements and years: its counters'' (in the flux or not), its rotation rates'', its conventions'' this year');
SELECT set_eq(
	$$SELECT DISTINCT bailleur, departement, annee FROM flux_mgmt.atteinte$$,
	$$SELECT k.bailleur, departement(k.commune), k.annee FROM compteur k
	  UNION SELECT r.bailleur, r.departement, r.annee FROM rotation r
	  UNION SELECT c.bailleur, c.departement, date_part('year', CURRENT_DATE)::integer FROM convention c
	  WHERE c.annee_debut <= date_part('year', CURRENT_DATE) AND (c.annee_fin IS NULL OR c.annee_fin >= date_part('year', CURRENT_DATE))$$,
	'atteinte lists every landlord × département × year with counters, a rotation rate, or conventions in force this year');
CREATE FUNCTION pg_temp.plan_json(requete text) RETURNS json
	LANGUAGE plpgsql AS $$
DECLARE
	plan json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || requete INTO plan;
	RETURN plan;
END
$$;
-- the planner counts the landlord's few pairs, not its counter rows: one
-- landlord-year is costed as a handful of calls of atteinte_annuelle (a
-- cost counted per counter row put it above jit_above_cost at scale)
SELECT cmp_ok(
	(SELECT (e -> 0 -> 'Plan' ->> 'Plan Rows')::numeric
	 FROM pg_temp.plan_json($$SELECT * FROM flux_mgmt.atteinte WHERE bailleur = 'b_multi' AND annee = 2026$$) AS e),
	'<', 50::numeric,
	'atteinte, one landlord-year with 300 counter rows: a few rows expected, not one per counter row');
DELETE FROM compteur WHERE bailleur = 'b_multi';

-- one landlord-year reads the landlord by key and calls the reader of the
-- counters (atteinte_annuelle, run as the owner: its own query reads
-- compteur_cle) for that year's départements only (with sequential scans
-- disabled, since at this test's size of a few pages a sequential scan may
-- cost less: only a filter that does not reach the landlord leaves one then)
SET LOCAL enable_seqscan = off;
SELECT ok(pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026$$, 'Filter: (annee = 2026)')
		  AND pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026$$, 'bailleur_pkey'),
		  'atteinte: WHERE bailleur AND annee reaches the landlord''s key and the years before the counters are read');
SELECT ok(NOT pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = 2026$$, 'Seq Scan on compteur'),
		  'atteinte: no sequential scan of the counters for one landlord-year');
SELECT ok(NOT pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND annee = 2026$$, 'Seq Scan on compteur'),
		  'objectifs_attribution: no sequential scan of the counters for one landlord-year');
SELECT ok(NOT pg_temp.plan_utilise($$SELECT * FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93' AND annee = 2026$$, 'Seq Scan on compteur_bilan'),
		  'bilan_annuel: no sequential scan of the counters for one landlord-year');
RESET enable_seqscan;

-- what a reporting tool shows: invoker's rights, a comment on every view and column
SELECT is_empty($$SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				  WHERE n.nspname = 'flux_mgmt' AND c.relname IN ('atteinte', 'objectifs_attribution', 'bilan_annuel', 'bilan_soustractions')
					AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false)$$,
				'the four views run with the invoker''s rights');
SELECT is_empty($$SELECT c.relname || '.' || coalesce(a.attname, '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
				  LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
				  WHERE n.nspname = 'flux_mgmt' AND c.relname IN ('atteinte', 'objectifs_attribution', 'bilan_annuel', 'bilan_soustractions')
					AND (obj_description(c.oid, 'pg_class') IS NULL OR col_description(c.oid, a.attnum) IS NULL)$$,
				'every view and every column has a comment');

SELECT * FROM finish();
ROLLBACK;
