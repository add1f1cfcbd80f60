-- The bilan of the attributions outside the assiette (issue 16, item 1;
-- DOMAIN §3.2, §3.10): leases on subtracted vacancies per motif, on stock
-- and hors champ dwellings, with priority households and households eligible
-- to each contingent (attribution.contingents_eligibles), next to the
-- forecast and actual subtractions; in the yearly report; bad input.
\i test/setup.sql
BEGIN;
SELECT plan(14);
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql

INSERT INTO soustraction_prevue VALUES ('b93', '93', 2026, 'mutation_interne', 12), ('b93', '93', 2026, 'vente', 2);
-- three more dwellings in Montreuil, taken out of the flux for internal mutations
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || n, '93048', 3, 'plus', false, 1980 FROM generate_series(1, 3) AS n;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-05-01' FROM logement WHERE ref LIKE 'R%';
SELECT count(orienter(v.id, NULL, 'mutation_interne', '2026-05-02')) AS orientees FROM (SELECT * FROM v WHERE ref LIKE 'R%' ORDER BY ref) AS v;

-- B1: an internal mutation, a tenant eligible to Action Logement; B2: a
-- sale's rehousing, a DALO household eligible to the commune and to Action
-- Logement; R1: a priority household; R2: its lease still to come; R3: no
-- attribution; D1: the defence stock, a State agent; H1: hors champ, lease
-- in 2027; M1: in the flux (not in this bilan), eligible to Action Logement.
SELECT orienter(:b1, NULL, 'mutation_interne', '2026-03-02') AS o_b1 \gset
SELECT orienter(:b2, NULL, 'vente', '2026-03-02') AS o_b2 \gset
SELECT orienter(:d1, 'defense', date_orientation => '2026-03-02') AS o_d1 \gset
SELECT orienter(:h1, NULL, date_orientation => '2026-03-02') AS o_h1 \gset
SELECT orienter(:m1, 'montreuil', date_orientation => '2026-03-02') AS o_m1 \gset
INSERT INTO attribution (orientation_id, date_caleol, date_bail, mutation, dalo, prioritaire, agent_etat, contingents_eligibles) VALUES
	(:o_b1, '2026-03-10', '2026-04-01', true, false, false, false, '{action_logement}'),
	(:o_b2, '2026-03-10', '2026-04-01', false, true, true, false, '{commune,action_logement}'),
	(:o_d1, '2026-03-10', '2026-04-01', false, false, false, true, '{}'),
	(:o_h1, '2026-12-10', '2027-01-05', false, false, false, false, '{}'),
	(:o_m1, '2026-03-10', '2026-04-01', false, false, false, false, '{action_logement}');
INSERT INTO attribution (orientation_id, date_caleol, date_bail, prioritaire)
SELECT o.id, '2026-05-10', CASE WHEN l.ref = 'R1' THEN '2026-06-01'::date END, l.ref = 'R1'
FROM orientation o JOIN vacance va ON va.id = o.vacance_id JOIN logement l ON l.id = va.logement_id WHERE l.ref IN ('R1', 'R2');

SELECT results_eq(
	$$SELECT annee, motif, prevu, soustraites, baux, prioritaires, dalo, eligibles_action_logement, mutations
	  FROM flux_mgmt.bilan_hors_assiette WHERE bailleur = 'b93' ORDER BY annee, motif$$,
	$$VALUES (2026, 'mutation_interne'::text, 12, 4::bigint, 2::bigint, 1::bigint, 0::bigint, 1::bigint, 1::bigint),
			 (2026, 'stock_defense', NULL, NULL, 1, 0, 0, 0, 0),
			 (2026, 'vente', 2, 1, 1, 1, 1, 1, 0),
			 (2027, 'hors_champ', NULL, NULL, 1, 0, 0, 0, 0)$$,
	'per year of the lease and motif: leases, priority and DALO households, eligible to Action Logement, mutations, next to the subtractions');
SELECT results_eq(
	$$SELECT annee, motif, contingent::text, baux FROM flux_mgmt.bilan_hors_assiette_contingents WHERE bailleur = 'b93'
	  ORDER BY annee, motif, contingent$$,
	$$VALUES (2026, 'mutation_interne'::text, 'action_logement'::text, 1::bigint), (2026, 'mutation_interne', 'etat_prioritaires', 1),
			 (2026, 'stock_defense', 'etat_agents', 1),
			 (2026, 'vente', 'action_logement', 1), (2026, 'vente', 'commune', 1), (2026, 'vente', 'etat_prioritaires', 1)$$,
	'per contingent: the listed ones, and the State''s for a priority household or a State agent');
SELECT results_eq(
	$$SELECT attribution_id, contingents::text FROM flux_mgmt.bail_hors_assiette WHERE bailleur = 'b93' AND motif = 'vente'$$,
	format($$VALUES (%s::bigint, '{etat_prioritaires,action_logement,commune}'::text)$$, (SELECT id FROM attribution WHERE orientation_id = :o_b2)),
	'each lease once, its contingents without repetition');
-- the totals equal a count of the events
SELECT is((SELECT sum(baux)::bigint FROM flux_mgmt.bilan_hors_assiette WHERE bailleur = 'b93' AND annee = 2026),
		  (SELECT count(*) FROM flux_mgmt.attribution a JOIN flux_mgmt.orientation o ON o.id = a.orientation_id
		   JOIN flux_mgmt.vacance va ON va.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = va.logement_id
		   WHERE date_part('year', a.date_bail) = 2026 AND (o.soustraction IS NOT NULL OR l.regime <> 'flux')),
		  '2026''s leases outside the assiette equal a count of the events (4)');
SELECT is((SELECT sum(baux)::bigint FROM flux_mgmt.bilan_hors_assiette WHERE bailleur = 'b93' AND annee = 2026), 4::bigint, 'four of them');
-- the subtractions are bilan_soustractions'
SELECT results_eq($$SELECT motif::text, prevu, realise FROM flux_mgmt.bilan_soustractions WHERE bailleur = 'b93' AND annee = 2026 ORDER BY motif$$,
				  $$SELECT motif, prevu, soustraites FROM flux_mgmt.bilan_hors_assiette WHERE bailleur = 'b93' AND annee = 2026
					AND prevu IS NOT NULL ORDER BY motif::flux_mgmt.motif_soustraction$$,
				  'the forecast and actual subtractions are those of bilan_soustractions');

-- in the yearly report
SELECT ok(rapport_annuel('b93', 2026) LIKE '%<h2>6. Attributions hors assiette en 2026</h2>%', 'the report has the section');
SELECT ok(rapport_annuel('b93', 2026) LIKE
		  '%<tr><td>Mutations internes</td><td class="n">12</td><td class="n">4</td><td class="n">2</td><td class="n">1</td><td class="n">0</td><td class="n">1</td><td class="n">1</td></tr>%',
		  'its row of internal mutations: 12 forecast, 4 subtracted, 2 leases, 1 priority, 0 DALO, 1 eligible to Action Logement, 1 mutation');
SELECT ok(rapport_annuel('b93', 2026) LIKE '%<tr><td>Logements conservés en stock (défense)</td><td class="n">—</td><td class="n">—</td><td class="n">1</td>%',
		  'the defence stock''s lease, without a forecast');
SELECT ok(rapport_annuel('b93', 2026) LIKE '%<tr><td>Action Logement</td><td class="n">2</td></tr>%', 'two leases to households eligible to Action Logement');
SELECT ok(rapport_annuel('b93', 2026) NOT LIKE '%hors champ (article L441-1)%', 'the hors champ lease is in 2027, not 2026');

-- bad input, refused, nothing written
SELECT throws_ok(format($$UPDATE flux_mgmt.attribution SET contingents_eligibles = '{action_logement,NULL}' WHERE orientation_id = %s$$, :o_b1),
				 '23514', NULL, 'a null contingent');
SELECT throws_ok(format($$UPDATE flux_mgmt.attribution SET contingents_eligibles = '{{commune},{epci}}' WHERE orientation_id = %s$$, :o_b1),
				 '23514', NULL, 'a two-dimensional list');
SELECT throws_ok(format($$UPDATE flux_mgmt.attribution SET contingents_eligibles = '{salarie}' WHERE orientation_id = %s$$, :o_b1),
				 '22P02', 'invalid input value for enum type_reservataire: "salarie"', 'an unknown contingent');

SELECT * FROM finish();
ROLLBACK;
