-- Consolidation (issue 14): a site number in every identifier
-- (definir_site: the keys follow, the counters are rebuilt, once), the
-- publication refused before it and without wal_level = logical, the
-- references a subscription's apply does not check reported
-- (verifier_references), a site's rows forgotten before a new copy
-- (oublier_site).  test/replication.sh runs the whole path on three
-- clusters.
\i test/setup.sql
BEGIN;
SELECT plan(23);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
SELECT orienter(:m1, 'prefet', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') \g /dev/null
INSERT INTO attribution (orientation_id, date_caleol, date_bail) VALUES (:o_m1, '2026-03-10', '2026-03-20');
SELECT string_agg(concat_ws(' ', reservataire, flux_realise, droit, decomptes, en_cours), '; ' ORDER BY reservataire) AS figures
FROM atteinte WHERE annee = 2026 \gset

SELECT is(site(), 0::bigint, 'a database starts as site 0');
SELECT throws_ok($$SELECT publier()$$, '55000', 'this database has no site number', 'no publication without a site number');
SELECT throws_ok($$SELECT definir_site(0)$$, '22023', 'site number 0 is out of range', 'site 0 is not a site number');
SELECT throws_ok($$SELECT definir_site(9000001)$$, '22023', 'site number 9000001 is out of range', 'nor 9,000,001');
CREATE ROLE flux_pas_super;
SELECT accorder_profil('flux_pas_super', 'administration') \g /dev/null
GRANT EXECUTE ON FUNCTION definir_site(bigint, text) TO flux_pas_super;
SET ROLE flux_pas_super;
SELECT throws_ok($$SELECT flux_mgmt.definir_site(7)$$, '42501', 'role flux_pas_super may not give this database a site number',
				 'renumbering is for a superuser, even granted EXECUTE');
RESET ROLE;

SELECT ok(definir_site(7, 'Bailleur 93') > 0, 'site 7: the identifiers renumbered');
SELECT is(site(), 7::bigint, 'the database is site 7');
SELECT is((SELECT count(*)::int FROM logement WHERE id / 1000000000000 <> 7), 0, 'every dwelling''s identifier carries the site');
SELECT is((SELECT count(*)::int FROM vacance v JOIN logement l ON l.id = v.logement_id), 7, 'every vacancy still points at its dwelling');
SELECT is((SELECT count(*)::int FROM orientation o JOIN vacance v ON v.id = o.vacance_id), 2, 'every orientation at its vacancy');
SELECT is((SELECT o.reservataire FROM attribution a JOIN orientation o ON o.id = a.orientation_id), 'prefet', 'the lease at its orientation');
SELECT is((SELECT id FROM orientation WHERE reservataire = 'prefet'), 7000000000000 + :o_m1, 'an identifier n became 7 × 10^12 + n');
SELECT is_empty('SELECT * FROM verifier_compteurs()', 'the counters and the ledger (vacancy identifiers) rebuilt');
SELECT is((SELECT string_agg(concat_ws(' ', reservataire, flux_realise, droit, decomptes, en_cours), '; ' ORDER BY reservataire)
		   FROM atteinte WHERE annee = 2026), :'figures', 'every figure kept');
SELECT ok(orienter(:m3 + 7000000000000, 'al', date_orientation => '2026-03-03') > 7000000000000,
		  'a new orientation gets an identifier of the site');
SELECT is(definir_site(7), 0::bigint, 'the same site again: nothing to do');
SELECT throws_ok($$SELECT definir_site(8)$$, '55000', 'this database is already site 7', 'another site number is refused');
SELECT throws_ok($$SELECT publier()$$, '55000', NULL, 'no publication without wal_level = logical (this cluster''s is not)');
SELECT is((SELECT count(*)::int FROM unnest(tables_publiees()) AS t
		   WHERE NOT EXISTS (SELECT FROM pg_index i WHERE i.indrelid = t AND i.indisprimary)), 0,
		  'every table published has a primary key, its replica identity');

-- A subscription applies rows with the foreign keys' checks off.
SET LOCAL session_replication_role = replica;
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'cd93', '93', 2026, 5);
RESET session_replication_role;
SELECT results_eq($$SELECT contrainte, valeur, manque FROM verifier_references()$$,
				  $$VALUES ('convention_reservataire_fkey'::text, 'cd93'::text, 'flux_mgmt.reservataire.code'::text)$$,
				  'verifier_references() names the convention pointing at a réservataire missing');

SELECT throws_ok($$SELECT oublier_site(0)$$, '22023', 'site number 0 is out of range', 'oublier_site needs a site number');
SELECT ok(oublier_site(7) > 0, 'oublier_site deletes a site''s rows, before a new copy');
SELECT is((SELECT format('%s %s %s %s', (SELECT count(*) FROM logement), (SELECT count(*) FROM vacance), (SELECT count(*) FROM orientation),
						 (SELECT count(*) FROM convention))), '0 0 0 0', 'its dwellings, events and conventions');

SELECT * FROM finish();
ROLLBACK;
