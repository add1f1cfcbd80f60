-- Events written with session_replication_role = replica (a superuser's
-- setting, what a logical replication subscriber applies rows with): the
-- extension's triggers, enabled as ordinary triggers, do not fire, so the
-- counters and the ledger miss those events.  What happens, exactly:
-- verifier_compteurs() lists the gap, counter by counter and ledger row by
-- ledger row; the oracle lists the same counters; a later event elsewhere
-- neither hides nor widens it; SELECT flux_mgmt.recalculer_compteurs()
-- repairs it.
--
-- The rows are written as a subscriber receives them from a publisher
-- whose triggers ran: the orientation with its issue, date_issue and
-- date_limite already set, the attribution beside it.
\i test/setup.sql
BEGIN;
SELECT plan(11);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
\i test/oracle/recompte.sql

\i test/fixtures/vue_totaux.sql

-- written normally first: M1 to Action Logement (mixte), open; B2 to the
-- préfet (orientation), open
SELECT orienter(:m1, 'al', date_orientation => '2026-03-02') AS o_m1 \gset
SELECT orienter(:b2, 'prefet', date_orientation => '2026-03-02') AS o_b2 \gset
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'written normally: the counters equal a recount');

-- As a subscriber applies them: M2 oriented to Montreuil and let (the
-- orientation already attributee, its attribution beside it); M1's
-- orientation ended in a carence; B2's orientation deleted.
SET LOCAL session_replication_role = replica;
INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation, date_limite, issue, date_issue)
VALUES (100, :m2, 'montreuil', '2026-03-02', '2026-04-02', 'attribuee', '2026-03-20');
INSERT INTO flux_mgmt.attribution (id, orientation_id, date_caleol, date_bail, premier_quartile) VALUES (100, 100, '2026-03-10', '2026-03-20', false);
UPDATE flux_mgmt.orientation SET issue = 'carence', date_issue = '2026-04-05' WHERE id = :o_m1;
DELETE FROM flux_mgmt.orientation WHERE id = :o_b2;
SET LOCAL session_replication_role = origin;

SELECT results_eq('SELECT * FROM flux_mgmt.ecarts_compteurs()',
	-- B2's deleted orientation still counted (open, charged: préfet, mode
	-- orientation, counted by the engine); M1's carence not (still open for
	-- the counters; mixte charges a carence; the engine counts it for Action
	-- Logement either way); M2's lease to Montreuil missing (in a QPV,
	-- quartiles 2-4: O2; the engine's count), and its orientation in the
	-- yearly report
	$$VALUES ('compteur(b93, 2026, 93008, prefet, -, flux).decomptes', 0::bigint, 1::bigint),
			 ('compteur(b93, 2026, 93008, prefet, -, flux).en_cours', 0, 1),
			 ('compteur(b93, 2026, 93008, prefet, -, flux).imputees', 0, 1),
			 ('compteur(b93, 2026, 93048, al, -, flux).carences', 1, 0),
			 ('compteur(b93, 2026, 93048, al, -, flux).decomptes', 1, 0),
			 ('compteur(b93, 2026, 93048, al, -, flux).en_cours', 0, 1),
			 ('compteur(b93, 2026, 93048, montreuil, -, flux).attribuees', 1, 0),
			 ('compteur(b93, 2026, 93048, montreuil, -, flux).baux', 1, 0),
			 ('compteur(b93, 2026, 93048, montreuil, -, flux).decomptes', 1, 0),
			 ('compteur(b93, 2026, 93048, montreuil, -, flux).imputees', 1, 0),
			 ('compteur(b93, 2026, 93048, montreuil, -, flux).q234_en_qpv', 1, 0),
			 ('compteur_bilan(b93, 2026, 93008, prefet, T5+, plus, f, 1975-1989).proposes', 0, 1),
			 ('compteur_bilan(b93, 2026, 93048, montreuil, T2, plai, t, 1990-2004).attribues', 1, 0),
			 ('compteur_bilan(b93, 2026, 93048, montreuil, T2, plai, t, 1990-2004).proposes', 1, 0),
			 -- the engine's, by département: Montreuil's vacancy, B2's (outside QPV)
			 ('compteur_moteur(b93, 2026, 93, montreuil).imputees', 1, 0),
			 ('compteur_moteur(b93, 2026, 93, montreuil).proposes', 1, 0),
			 ('compteur_moteur(b93, 2026, 93, prefet).imputees', 0, 1),
			 ('compteur_moteur(b93, 2026, 93, prefet).proposes', 0, 1),
			 ('compteur_moteur(b93, 2026, 93, prefet).proposes_hors_qpv', 0, 1)$$,
	'verifier_compteurs() lists every counter the replica writes missed: recount, then what the counters hold');
CREATE TEMP TABLE ecart_replica AS SELECT * FROM flux_mgmt.ecarts_compteurs();
SELECT results_eq('SELECT * FROM flux_mgmt.ecarts_registre()',
	-- vacancy 1 (M1): its open row stale, its carence and charge missing;
	-- 2 (M2): orientation, lease, charge missing; 5 (B2): both rows stale
	$$VALUES ('contribution(1,b93,93048,T3,plus,f,1949-1974,2026,al,,t,0,0,0,0,0,1,0,0,0,0,0,0)', 1::bigint, 0::bigint),
			 ('contribution(1,b93,93048,T3,plus,f,1949-1974,2026,al,,t,0,0,1,0,0,0,0,0,0,0,0,1)', 1, 0),
			 ('contribution(1,b93,93048,T3,plus,f,1949-1974,2026,al,,t,1,0,0,0,0,0,0,0,0,0,0,1)', 0, 1),
			 ('contribution(2,b93,93048,T2,plai,t,1990-2004,2026,montreuil,,t,0,0,0,0,0,0,1,0,0,1,0,0)', 1, 0),
			 ('contribution(2,b93,93048,T2,plai,t,1990-2004,2026,montreuil,,t,0,0,0,0,0,1,0,0,0,0,0,0)', 1, 0),
			 ('contribution(2,b93,93048,T2,plai,t,1990-2004,2026,montreuil,,t,0,1,0,0,0,0,0,0,0,0,0,1)', 1, 0),
			 ('contribution(5,b93,93008,T5+,plus,f,1975-1989,2026,prefet,,t,0,0,0,0,0,1,0,0,0,0,0,0)', 0, 1),
			 ('contribution(5,b93,93008,T5+,plus,f,1975-1989,2026,prefet,,t,1,0,0,0,0,0,0,0,0,0,0,1)', 0, 1)$$,
	'and every ledger row: the missing ones (1, 0), the stale ones (0, 1)');
SELECT results_eq('SELECT * FROM flux_mgmt.verifier_compteurs()',
	'SELECT * FROM flux_mgmt.ecarts_compteurs() UNION ALL SELECT * FROM flux_mgmt.ecarts_registre() ORDER BY 1',
	'verifier_compteurs() is both lists');
SELECT results_eq('SELECT * FROM oracle_ecarts', 'SELECT * FROM flux_mgmt.ecarts_compteurs()',
				  'the oracle''s recount names the same counters, with the same values');

-- a later event elsewhere (B1 to the State agents) counts itself only
SELECT orienter(:b1, 'agents', date_orientation => '2026-03-03') > 0 AS oriente;
SELECT results_eq('SELECT * FROM flux_mgmt.ecarts_compteurs() ORDER BY 1', 'SELECT * FROM ecart_replica ORDER BY 1',
	'an event on another vacancy neither hides nor widens the gap');

SELECT is(flux_mgmt.recalculer_compteurs(), 9::bigint,
		  'recalculer_compteurs() rewrites the counters from the events: 9 rows (3 counters, 3 of the yearly report, 3 of the engine''s)');
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'the gap is repaired');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'for the oracle too');
SELECT results_eq('SELECT * FROM totaux ORDER BY 1, 2',
	-- beneficiary, in flux, en_cours, attribuees, carences, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires
	$$VALUES ('agents', true, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), ('al', true, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0),
			 ('montreuil', true, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0)$$,
	'the totals: M2''s lease to Montreuil, M1''s carence (mixte: charged), B2 gone, B1 open');
-- and the next events count normally from there
INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail) SELECT id, '2026-03-10', '2026-03-25' FROM flux_mgmt.orientation WHERE vacance_id = :b1;
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs() UNION ALL SELECT * FROM oracle_ecarts', 'the next events count normally from there');

SELECT * FROM finish();
ROLLBACK;
