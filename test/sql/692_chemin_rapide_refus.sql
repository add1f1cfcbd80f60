-- Every rule the fast path (src/chemin_rapide.c) checks refuses an event
-- exactly as the general path does: the same SQLSTATE, message, detail and
-- hint with flux_mgmt.chemin_rapide on and off, and nothing written (the
-- counters, the bilan counters, the ledger, the orientations' issues and the
-- event tables the same before and after each refusal).
--
-- The rules: a vacancy outside the time the landlord owns the dwelling
-- (hors_possession, before mise_en_service and from sortie); an orientation
-- before its vacancy (avant_vacance); a stock dwelling to another
-- réservataire, to the pool or subtracted (stock); a hors_champ dwelling to a
-- réservataire (hors_champ); a réservataire without a convention, or without
-- one in force in the year (sans_convention); a territorial réservataire
-- outside its territory (hors_territoire); the attribution of a closed
-- orientation (fermee) or one decided by the CALEOL before the orientation
-- (avant_orientation).  Each alone in its statement, and in a statement of a
-- few rows (the fast path's size) whose other rows are valid.  The bad rows
-- carry explicit ids, so that the messages name the same ids in both runs.
-- Under client_min_messages = debug1 (this file's expected output), the
-- fast path says which rule it leaves to the general path.
\i test/setup.sql
BEGIN;
SELECT plan(11);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
-- a dwelling owned from 2026 to 2027, three more flux ones, a réservataire
-- without any convention, a vacancy of 2024 (before every convention)
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction, mise_en_service, sortie) VALUES
	('b93', 'P1', '93048', 3, 'plus', false, 2025, '2026-01-01', '2027-01-01'),
	('b93', 'X1', '93048', 2, 'plus', false, 1999, NULL, NULL),
	('b93', 'X2', '93008', 3, 'plai', true, 2003, NULL, NULL),
	('b93', 'X3', '93048', 4, 'pls', false, 2011, NULL, NULL);
INSERT INTO reservataire VALUES ('autre', 'Organisme sans convention', 'organisme');
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-03-01' FROM logement WHERE ref IN ('X1', 'X2', 'X3') ORDER BY ref;
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2024-06-01' FROM logement WHERE ref = 'B2';
-- orientations: M1 open (prefet), M2 closed (echec), M3 attributed (al), X3 open (pool)
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT id, 'prefet', '2026-03-10' FROM v WHERE ref = 'M1';
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT id, 'agents', '2026-03-10' FROM v WHERE ref = 'M2';
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT id, 'al', '2026-03-10' FROM v WHERE ref = 'M3';
INSERT INTO orientation (vacance_id, reservataire, date_orientation) SELECT id, NULL, '2026-03-10' FROM v WHERE ref = 'X3';
SELECT cloturer(o.id, 'echec', '2026-03-20') FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'M2';
INSERT INTO attribution (orientation_id, date_caleol, date_bail)
SELECT o.id, '2026-03-15', '2026-04-01' FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'M3';
-- the ids the cases below name
SELECT (SELECT id FROM logement WHERE ref = 'P1') AS p1,
	   (SELECT id FROM v WHERE ref = 'B1') AS vb1, (SELECT id FROM v WHERE ref = 'D1') AS vd1,
	   (SELECT id FROM v WHERE ref = 'H1') AS vh1, (SELECT id FROM v WHERE ref = 'X1') AS vx1,
	   (SELECT id FROM v WHERE ref = 'X2') AS vx2,
	   (SELECT v.id FROM vacance v JOIN logement l ON l.id = v.logement_id WHERE l.ref = 'B2' AND v.date_liberation = '2024-06-01') AS vb2_2024,
	   (SELECT o.id FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'M1') AS om1,
	   (SELECT o.id FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'M2') AS om2,
	   (SELECT o.id FROM orientation o JOIN v ON v.id = o.vacance_id WHERE v.ref = 'X3') AS ox3 \gset

-- What a refusal must leave as it was.
CREATE FUNCTION pg_temp.empreinte() RETURNS text LANGUAGE sql AS $$
	SELECT md5(concat_ws('|',
		(SELECT string_agg(c::text, ';' ORDER BY c::text COLLATE "C") FROM flux_mgmt.compteur c),
		(SELECT string_agg(b::text, ';' ORDER BY b::text COLLATE "C") FROM flux_mgmt.compteur_bilan b),
		(SELECT string_agg(r::text, ';' ORDER BY r::text COLLATE "C") FROM flux_mgmt.contribution r),
		(SELECT string_agg(o::text, ';' ORDER BY o.id) FROM flux_mgmt.orientation o),
		(SELECT string_agg(v::text, ';' ORDER BY v.id) FROM flux_mgmt.vacance v),
		(SELECT string_agg(a::text, ';' ORDER BY a.id) FROM flux_mgmt.attribution a)))
$$;

-- The error a statement raises on one path: "SQLSTATE: message / detail /
-- hint"; a statement accepted is rolled back all the same (and says so).
CREATE FUNCTION pg_temp.erreur(requete text, rapide boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	etat text; message text; detail text; conseil text;
BEGIN
	PERFORM set_config('flux_mgmt.chemin_rapide', CASE WHEN rapide THEN 'on' ELSE 'off' END, true);
	BEGIN
		EXECUTE requete;
		RAISE EXCEPTION 'accepted' USING ERRCODE = 'P0001';
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS etat = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL,
								conseil = PG_EXCEPTION_HINT;
	END;
	PERFORM set_config('flux_mgmt.chemin_rapide', 'on', true);
	RETURN etat || ': ' || message || ' / ' || coalesce(nullif(detail, ''), '-') || ' / ' || coalesce(nullif(conseil, ''), '-');
END $$;

-- A statement refused on one path left everything as it was.
CREATE FUNCTION pg_temp.sans_trace(requete text, rapide boolean) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
	avant text := pg_temp.empreinte();
BEGIN
	RETURN pg_temp.erreur(requete, rapide) LIKE '23514: %' AND pg_temp.empreinte() = avant;
END $$;

CREATE TEMP TABLE cas (ordre int PRIMARY KEY, regle text, requete text);
INSERT INTO cas VALUES
	(1, 'hors_possession, before mise_en_service',
	 format($$INSERT INTO flux_mgmt.vacance (id, logement_id, date_liberation) VALUES (9001, %s, '2025-12-31')$$, :p1)),
	(2, 'hors_possession, on sortie',
	 format($$INSERT INTO flux_mgmt.vacance (id, logement_id, date_liberation) VALUES (9001, %s, '2027-01-01')$$, :p1)),
	(3, 'hors_possession, one row of three',
	 format($$INSERT INTO flux_mgmt.vacance (id, logement_id, date_liberation) SELECT 9000 + n, %s, date '2026-06-01' + 400 * (n - 1) FROM generate_series(1, 3) n$$, :p1)),
	(4, 'avant_vacance',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'prefet', '2026-02-28')$$, :vb1)),
	(5, 'stock, to another réservataire',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'prefet', '2026-03-02')$$, :vd1)),
	(6, 'stock, to the pool',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, NULL, '2026-03-02')$$, :vd1)),
	(7, 'stock, subtracted',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, soustraction, date_orientation) VALUES (9001, %s, 'vente', '2026-03-02')$$, :vd1)),
	(8, 'hors_champ, to a réservataire',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'al', '2026-03-02')$$, :vh1)),
	(9, 'sans_convention, a réservataire without any',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'autre', '2026-03-02')$$, :vb1)),
	(10, 'sans_convention, none in force that year',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'prefet', '2024-06-02')$$, :vb2_2024)),
	(11, 'hors_territoire',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'montreuil', '2026-03-02')$$, :vb1)),
	(12, 'hors_territoire, one row of three',
	 format($$INSERT INTO flux_mgmt.orientation (id, vacance_id, reservataire, date_orientation) VALUES (9001, %s, 'al', '2026-03-02'), (9002, %s, 'prefet', '2026-03-02'), (9003, %s, 'montreuil', '2026-03-02')$$, :vx1, :vx2, :vb1)),
	(13, 'fermee',
	 format($$INSERT INTO flux_mgmt.attribution (id, orientation_id, date_caleol, date_bail) VALUES (9001, %s, '2026-03-25', '2026-04-01')$$, :om2)),
	(14, 'avant_orientation',
	 format($$INSERT INTO flux_mgmt.attribution (id, orientation_id, date_caleol, date_bail) VALUES (9001, %s, '2026-03-09', '2026-04-01')$$, :om1)),
	(15, 'avant_orientation, one row of two',
	 format($$INSERT INTO flux_mgmt.attribution (id, orientation_id, date_caleol, date_bail, dalo) VALUES (9001, %s, '2026-03-12', NULL, true), (9002, %s, '2026-03-09', '2026-04-01', false)$$, :ox3, :om1));

SELECT pg_temp.empreinte() AS empreinte_avant \gset

-- the errors on both paths
SELECT results_eq($$SELECT ordre, pg_temp.erreur(requete, true) FROM cas ORDER BY ordre$$,
				  $$SELECT ordre, pg_temp.erreur(requete, false) FROM cas ORDER BY ordre$$,
				  'every refusal has the same SQLSTATE, message, detail and hint with the fast path on and off');
SELECT is_empty($$SELECT ordre FROM cas WHERE NOT pg_temp.sans_trace(requete, true) OR NOT pg_temp.sans_trace(requete, false)$$,
				'each refusal, on either path, leaves the counters, the ledger and the events as they were');
SELECT is(pg_temp.empreinte(), :'empreinte_avant', 'the refusals changed nothing');
-- each error, checked as a literal (the fast path on; the DEBUG lines are its reasons to defer)
CREATE TEMP TABLE attendu (ordre int PRIMARY KEY, erreur text);
INSERT INTO attendu VALUES
	(1, '23514: vacancy 9001 of dwelling ''P1'' on 2025-12-31 falls outside the time the landlord ''b93'' owns it (2026-01-01 to 2027-01-01) / - / Check date_liberation, or the dwelling''s mise_en_service and sortie.'),
	(2, '23514: vacancy 9001 of dwelling ''P1'' on 2027-01-01 falls outside the time the landlord ''b93'' owns it (2026-01-01 to 2027-01-01) / - / Check date_liberation, or the dwelling''s mise_en_service and sortie.'),
	(3, '23514: vacancy 9002 of dwelling ''P1'' on 2027-07-06 falls outside the time the landlord ''b93'' owns it (2026-01-01 to 2027-01-01) / - / Check date_liberation, or the dwelling''s mise_en_service and sortie.'),
	(4, '23514: orientation of vacancy 4 on 2026-02-28, before the dwelling ''B1'' became available on 2026-03-01 / - / Orient a vacancy on or after its date_liberation.'),
	(5, '23514: dwelling ''D1'' is kept in stock for ''defense'': vacancy 6 cannot go to ''prefet'' / Defence, security and health reservations stay in stock: the dwelling goes back to its holder at each vacancy. / Orient it to ''defense''.'),
	(6, '23514: dwelling ''D1'' is kept in stock for ''defense'': vacancy 6 cannot go to the landlord''s pool / Defence, security and health reservations stay in stock: the dwelling goes back to its holder at each vacancy. / Orient it to ''defense''.'),
	(7, '23514: dwelling ''D1'' is kept in stock for ''defense'': vacancy 6 cannot go to a subtraction (vente) / Defence, security and health reservations stay in stock: the dwelling goes back to its holder at each vacancy. / Orient it to ''defense''.'),
	(8, '23514: dwelling ''H1'' is outside the L441-1 regime: vacancy 7 cannot go to ''al'' / A hors_champ dwelling is outside the flux and goes to the landlord''s own pool. / Orient it with reservataire null.'),
	(9, '23514: no convention of landlord ''b93'' with ''autre'' in département 93 is in force in 2026 / Orientation 9001 of vacancy 4 (dwelling ''B1'') needs a convention in force in its year. / Record the convention, or orient the vacancy to another réservataire or to the pool (reservataire null); end a convention with annee_fin rather than delete it.'),
	(10, '23514: no convention of landlord ''b93'' with ''prefet'' in département 93 is in force in 2024 / Orientation 9001 of vacancy 11 (dwelling ''B2'') needs a convention in force in its year. / Record the convention, or orient the vacancy to another réservataire or to the pool (reservataire null); end a convention with annee_fin rather than delete it.'),
	(11, '23514: dwelling ''B1'' in 93008 is outside the territory of ''montreuil'' / A commune, EPCI or EPT only receives dwellings of its territory (vacancy 4). / Orient the vacancy to a réservataire whose scope covers the commune, or add the commune to flux_mgmt.territoire.'),
	(12, '23514: dwelling ''B1'' in 93008 is outside the territory of ''montreuil'' / A commune, EPCI or EPT only receives dwellings of its territory (vacancy 4). / Orient the vacancy to a réservataire whose scope covers the commune, or add the commune to flux_mgmt.territoire.'),
	(13, '23514: orientation 2 is echec: it cannot be attributed / Only an open orientation (en_cours) receives an attribution. / Orient the vacancy again (flux_mgmt.orienter) and attribute the new orientation.'),
	(14, '23514: attribution of orientation 1 decided by the CALEOL on 2026-03-09, before the orientation on 2026-03-10 / - / Check date_caleol.'),
	(15, '23514: attribution of orientation 1 decided by the CALEOL on 2026-03-09, before the orientation on 2026-03-10 / - / Check date_caleol.');
SET client_min_messages = debug1;
SELECT results_eq($$SELECT ordre, pg_temp.erreur(requete, true) FROM cas ORDER BY ordre$$,
				  $$SELECT ordre, erreur FROM attendu ORDER BY ordre$$,
				  'each rule refuses with 23514 (check_violation) and its own message, detail and hint');
RESET client_min_messages;
SELECT is(pg_temp.empreinte(), :'empreinte_avant', 'and changed nothing either');

-- throws_ok, case by case, with the fast path on
SET flux_mgmt.chemin_rapide = on;
SELECT throws_ok((SELECT requete FROM cas WHERE ordre = 1), '23514',
				 format('vacancy 9001 of dwelling %L on 2025-12-31 falls outside the time the landlord %L owns it (2026-01-01 to 2027-01-01)', 'P1', 'b93'),
				 'hors_possession (fast path on)');
SELECT throws_ok((SELECT requete FROM cas WHERE ordre = 5), '23514',
				 format('dwelling %L is kept in stock for %L: vacancy %s cannot go to %L', 'D1', 'defense', :vd1, 'prefet'),
				 'stock (fast path on)');
SELECT throws_ok((SELECT requete FROM cas WHERE ordre = 11), '23514',
				 format('dwelling %L in 93008 is outside the territory of %L', 'B1', 'montreuil'),
				 'hors_territoire (fast path on)');
SELECT throws_ok((SELECT requete FROM cas WHERE ordre = 13), '23514',
				 format('orientation %s is echec: it cannot be attributed', :om2), 'fermee (fast path on)');
SELECT throws_ok((SELECT requete FROM cas WHERE ordre = 14), '23514',
				 format('attribution of orientation %s decided by the CALEOL on 2026-03-09, before the orientation on 2026-03-10', :om1),
				 'avant_orientation (fast path on)');
SELECT is(pg_temp.empreinte(), :'empreinte_avant', 'nothing changed after all the refusals');

SELECT * FROM finish();
ROLLBACK;
