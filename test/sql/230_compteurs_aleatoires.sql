-- Thousands of random events, valid or not, with updates, deletes and rolled
-- back subtransactions, single- and multi-row: the counters always equal a
-- recount from the events, the extension's (verifier_compteurs()) and an
-- independent one (test/oracle/recompte.sql).
--
-- The history is the same at every run, whatever ran before in the database
-- (pg_regress) or nothing did (pg_prove, a fresh database): the seed is
-- fixed, the identity sequences restart inside the transaction, and every
-- draw takes the k-th row in key order with k from one random() call (an
-- ORDER BY random() would depend on the rows' physical order, which earlier
-- rolled-back tests and autovacuum change), so the counts of operations
-- succeeded, refused and rolled back are checked as literals.  The run time
-- does not depend on autovacuum either: the transaction holds every table of
-- the extension in SHARE UPDATE EXCLUSIVE mode, which autovacuum skips, and
-- starts from the statistics of never-analyzed tables (a VACUUM made by
-- autovacuum before the test left "these pages hold no row", and the kept
-- plans would be made for empty tables; test 245 shows what that costs).
\i test/setup.sql
BEGIN;
SELECT plan(11);
LOCK TABLE flux_mgmt.bailleur, flux_mgmt.reservataire, flux_mgmt.territoire, flux_mgmt.logement, flux_mgmt.convention,
	flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution,
	flux_mgmt.contribution, flux_mgmt.compteur, flux_mgmt.compteur_bilan, flux_mgmt.compteur_moteur IN SHARE UPDATE EXCLUSIVE MODE;
-- rolled back with the test, like everything below
UPDATE pg_catalog.pg_class SET relpages = 0, reltuples = -1, relallvisible = 0
WHERE relnamespace = 'flux_mgmt'::regnamespace AND relkind IN ('r', 'i');
\i test/fixtures/ids_depuis_1.sql
SELECT setseed(0.2026);
\i test/fixtures/evenements.sql
-- more dwellings, in two communes, so that keys move around
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || n, CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1940 + n
FROM generate_series(1, 60) AS n;
\i test/oracle/recompte.sql

CREATE TEMP TABLE bilan_operations (sorte text, reussies int DEFAULT 0, refusees int DEFAULT 0, annulees int DEFAULT 0);

-- one element of an array, drawn with one random() call (null for an empty one)
CREATE FUNCTION pg_temp.au_hasard(t anyarray) RETURNS anyelement LANGUAGE sql AS
$$ SELECT t[1 + floor(random() * cardinality(t))::int] $$;

-- Each draw of a row: the rows in key order, one drawn (dwellings by ref,
-- vacancies by dwelling and date, orientations and attributions by id, which
-- the restarted sequences make the same at every run).
CREATE FUNCTION pg_temp.operation(sorte text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	lid bigint; vid bigint; oid_ bigint; aid bigint; cid bigint; k int; j date;
	b text := pg_temp.au_hasard(ARRAY['prefet', 'agents', 'al', 'montreuil', 'defense', NULL, NULL]);
BEGIN
	CASE sorte
	WHEN 'vacance' THEN
		SELECT pg_temp.au_hasard(array_agg(l.id ORDER BY l.ref)) INTO lid FROM flux_mgmt.logement l;
		INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
		VALUES (lid, date '2025-01-01' + floor(random() * 900)::int);
	WHEN 'orienter' THEN
		SELECT pg_temp.au_hasard(array_agg(v.id ORDER BY l.ref, v.date_liberation)) INTO vid
		FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id;
		SELECT date_liberation + floor(random() * 40)::int INTO j FROM flux_mgmt.vacance WHERE id = vid;
		IF random() < 0.15 THEN
			PERFORM flux_mgmt.orienter(vid, NULL, pg_temp.au_hasard(enum_range(NULL::flux_mgmt.motif_soustraction)), j);
		ELSE
			PERFORM flux_mgmt.orienter(vid, b, NULL, j);
		END IF;
	WHEN 'cloturer' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation WHERE issue = 'en_cours';
		SELECT greatest(date_limite, date_orientation) + floor(random() * 20)::int INTO j FROM flux_mgmt.orientation WHERE id = oid_;
		PERFORM flux_mgmt.cloturer(oid_, pg_temp.au_hasard('{carence,echec,retiree}'::flux_mgmt.issue_orientation[]), j);
	WHEN 'attribuer' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation WHERE issue = 'en_cours';
		INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement)
		SELECT id, date_orientation + 10, CASE WHEN random() < 0.8 THEN date_orientation + 20 + floor(random() * 300)::int END,
			   random() < 0.3, random() < 0.2, random() < 0.3, random() < 0.1
		FROM flux_mgmt.orientation WHERE id = oid_;
	WHEN 'modifier_attribution' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO aid FROM flux_mgmt.attribution;
		UPDATE flux_mgmt.attribution SET
			premier_quartile = random() < 0.5, prioritaire = random() < 0.5,
			date_bail = CASE WHEN random() < 0.3 THEN NULL ELSE date_caleol + floor(random() * 400)::int END
		WHERE id = aid;
	WHEN 'deplacer_attribution' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO aid FROM flux_mgmt.attribution;
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation WHERE issue = 'en_cours';
		UPDATE flux_mgmt.attribution SET orientation_id = oid_ WHERE id = aid;
	WHEN 'supprimer_attribution' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO aid FROM flux_mgmt.attribution;
		DELETE FROM flux_mgmt.attribution WHERE id = aid;
	WHEN 'modifier_orientation' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation;
		UPDATE flux_mgmt.orientation SET
			reservataire = CASE WHEN random() < 0.5 THEN b ELSE reservataire END,
			date_orientation = date_orientation + floor(random() * 5 - 2)::int
		WHERE id = oid_;
	WHEN 'changer_issue' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_
		FROM flux_mgmt.orientation WHERE issue IN ('carence', 'echec', 'retiree');
		UPDATE flux_mgmt.orientation SET issue = pg_temp.au_hasard('{carence,echec,retiree}'::flux_mgmt.issue_orientation[]),
			date_issue = greatest(date_limite, date_orientation) + 3
		WHERE id = oid_;
	WHEN 'supprimer_orientation' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY id)) INTO oid_ FROM flux_mgmt.orientation;
		DELETE FROM flux_mgmt.orientation WHERE id = oid_;
	WHEN 'plusieurs_orientations' THEN
		-- one orientation in eleven, by rank
		k := floor(random() * 11)::int;
		UPDATE flux_mgmt.orientation SET date_orientation = date_orientation + 1
		WHERE id IN (SELECT r.id FROM (SELECT id, row_number() OVER (ORDER BY id) AS rang FROM flux_mgmt.orientation) r
					 WHERE r.rang % 11 = k)
		  AND date_orientation < date '2027-12-01';
	WHEN 'logement' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY ref)) INTO lid FROM flux_mgmt.logement WHERE regime <> 'stock_defense';
		UPDATE flux_mgmt.logement SET
			commune = CASE WHEN random() < 0.5 THEN '93008' ELSE '93048' END::flux_mgmt.code_insee,
			qpv = random() < 0.3, nb_pieces = 1 + floor(random() * 6)::int,
			regime = CASE WHEN random() < 0.1 THEN 'hors_champ' ELSE 'flux' END::flux_mgmt.regime
		WHERE id = lid;
	WHEN 'mode' THEN
		SELECT pg_temp.au_hasard(array_agg(id ORDER BY bailleur, reservataire, departement, annee_debut)) INTO cid
		FROM flux_mgmt.convention;
		UPDATE flux_mgmt.convention SET mode_decompte = pg_temp.au_hasard(enum_range(NULL::flux_mgmt.mode_decompte))
		WHERE id = cid;
	WHEN 'vacance_date' THEN
		SELECT pg_temp.au_hasard(array_agg(v.id ORDER BY l.ref, v.date_liberation)) INTO vid
		FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id;
		UPDATE flux_mgmt.vacance SET date_liberation = date_liberation + floor(random() * 7 - 3)::int
		WHERE id = vid;
	END CASE;
END $$;

CREATE FUNCTION pg_temp.jouer(n int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	sortes text[] := '{vacance,vacance,orienter,orienter,orienter,orienter,cloturer,cloturer,attribuer,attribuer,attribuer,
					   modifier_attribution,deplacer_attribution,supprimer_attribution,modifier_orientation,changer_issue,
					   supprimer_orientation,plusieurs_orientations,logement,mode,vacance_date}';
	s text;
BEGIN
	FOR i IN 1 .. n LOOP
		s := pg_temp.au_hasard(sortes);
		INSERT INTO bilan_operations (sorte) SELECT s WHERE NOT EXISTS (SELECT FROM bilan_operations WHERE sorte = s);
		BEGIN
			PERFORM pg_temp.operation(s);
			IF random() < 0.1 THEN
				RAISE EXCEPTION 'annulation volontaire' USING ERRCODE = 'P0001';
			END IF;
			UPDATE bilan_operations SET reussies = reussies + 1 WHERE sorte = s;
		EXCEPTION
			WHEN raise_exception THEN
				UPDATE bilan_operations SET annulees = annulees + 1 WHERE sorte = s;
			WHEN integrity_constraint_violation OR invalid_parameter_value OR null_value_not_allowed THEN
				UPDATE bilan_operations SET refusees = refusees + 1 WHERE sorte = s;
		END;
	END LOOP;
END $$;

SELECT pg_temp.jouer(2500);
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after 2,500 random operations, the counters equal a recount');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'and the independent recount of the oracle');
SELECT pg_temp.jouer(2500);
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after 5,000, still');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'for the oracle too');
-- the same history at every run
SELECT results_eq('SELECT sum(reussies)::int, sum(refusees)::int, sum(annulees)::int FROM bilan_operations',
				  $$VALUES (3306, 1309, 385)$$, '3,306 operations succeeded, 1,309 were refused by a rule, 385 rolled back, as at every run');
SELECT results_eq('SELECT (SELECT count(*) FROM vacance), (SELECT count(*) FROM orientation), (SELECT count(*) FROM attribution)',
				  $$VALUES (442::bigint, 296::bigint, 175::bigint)$$, 'leaving 442 vacancies, 296 orientations, 175 attributions');
SELECT is((SELECT count(*) FROM oracle_comparaisons), 2057::bigint, 'the oracle compared 2,057 counter values (45 of them the engine''s, compteur_moteur)');
SELECT ok((SELECT bool_and(reussies > 0) FROM bilan_operations), 'every kind of operation succeeded at least once');
SELECT ok((SELECT count(*) FROM attribution) > 100 AND (SELECT count(DISTINCT issue) FROM orientation WHERE issue <> 'en_cours') = 4,
		  'the events cover every outcome');

-- a rebuild gives the same counters (keys whose counts all went back to zero aside)
CREATE TEMP VIEW compte AS
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
		   ARRAY[sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes),
				 sum(baux), sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires)] AS valeurs
	FROM compteur GROUP BY 1, 2, 3, 4, 5, 6;
CREATE TEMP TABLE avant AS SELECT * FROM compte WHERE valeurs <> '{0,0,0,0,0,0,0,0,0,0,0}';
SELECT recalculer_compteurs() > 0 AS recalcule \gset
SELECT results_eq('SELECT * FROM compte ORDER BY 1, 2, 3, 4, 5, 6', 'SELECT * FROM avant ORDER BY 1, 2, 3, 4, 5, 6',
				  'recalculer_compteurs() rebuilds the same counters');
SELECT is_empty('SELECT * FROM oracle_ecarts', 'which equal the oracle''s recount');

SELECT * FROM finish();
ROLLBACK;
