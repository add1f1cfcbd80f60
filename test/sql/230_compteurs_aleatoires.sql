-- Thousands of random events, valid or not, with updates, deletes and rolled
-- back subtransactions, single- and multi-row: the counters always equal a
-- recount from the events.
\i test/setup.sql
BEGIN;
SELECT plan(8);
\i test/fixtures/evenements.sql
-- more dwellings, in two communes, so that keys move around
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || n, CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 6,
	   (enum_range(NULL::financement))[1 + n % 7], n % 4 = 0, 1940 + n
FROM generate_series(1, 60) AS n;

CREATE TEMP TABLE bilan_operations (sorte text, reussies int DEFAULT 0, refusees int DEFAULT 0, annulees int DEFAULT 0);

CREATE FUNCTION pg_temp.au_hasard(t anyarray) RETURNS anyelement LANGUAGE sql AS
$$ SELECT t[1 + floor(random() * cardinality(t))::int] $$;

CREATE FUNCTION pg_temp.operation(sorte text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	vid bigint; oid_ bigint; j date;
	b text := pg_temp.au_hasard(ARRAY['prefet', 'agents', 'al', 'montreuil', 'defense', NULL, NULL]);
BEGIN
	CASE sorte
	WHEN 'vacance' THEN
		INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
		SELECT id, date '2025-01-01' + floor(random() * 900)::int FROM flux_mgmt.logement ORDER BY random() LIMIT 1;
	WHEN 'orienter' THEN
		SELECT id, date_liberation + floor(random() * 40)::int INTO vid, j FROM flux_mgmt.vacance ORDER BY random() LIMIT 1;
		IF random() < 0.15 THEN
			PERFORM flux_mgmt.orienter(vid, NULL, pg_temp.au_hasard(enum_range(NULL::flux_mgmt.motif_soustraction)), j);
		ELSE
			PERFORM flux_mgmt.orienter(vid, b, NULL, j);
		END IF;
	WHEN 'cloturer' THEN
		SELECT id, greatest(date_limite, date_orientation) + floor(random() * 20)::int INTO oid_, j
		FROM flux_mgmt.orientation WHERE issue = 'en_cours' ORDER BY random() LIMIT 1;
		PERFORM flux_mgmt.cloturer(oid_, pg_temp.au_hasard('{carence,echec,retiree}'::flux_mgmt.issue_orientation[]), j);
	WHEN 'attribuer' THEN
		INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement)
		SELECT id, date_orientation + 10, CASE WHEN random() < 0.8 THEN date_orientation + 20 + floor(random() * 300)::int END,
			   random() < 0.3, random() < 0.2, random() < 0.3, random() < 0.1
		FROM flux_mgmt.orientation WHERE issue = 'en_cours' ORDER BY random() LIMIT 1;
	WHEN 'modifier_attribution' THEN
		UPDATE flux_mgmt.attribution SET
			premier_quartile = random() < 0.5, prioritaire = random() < 0.5,
			date_bail = CASE WHEN random() < 0.3 THEN NULL ELSE date_caleol + floor(random() * 400)::int END
		WHERE id = (SELECT id FROM flux_mgmt.attribution ORDER BY random() LIMIT 1);
	WHEN 'deplacer_attribution' THEN
		UPDATE flux_mgmt.attribution SET orientation_id = (SELECT id FROM flux_mgmt.orientation WHERE issue = 'en_cours' ORDER BY random() LIMIT 1)
		WHERE id = (SELECT id FROM flux_mgmt.attribution ORDER BY random() LIMIT 1);
	WHEN 'supprimer_attribution' THEN
		DELETE FROM flux_mgmt.attribution WHERE id = (SELECT id FROM flux_mgmt.attribution ORDER BY random() LIMIT 1);
	WHEN 'modifier_orientation' THEN
		UPDATE flux_mgmt.orientation SET
			reservataire = CASE WHEN random() < 0.5 THEN b ELSE reservataire END,
			date_orientation = date_orientation + floor(random() * 5 - 2)::int
		WHERE id = (SELECT id FROM flux_mgmt.orientation ORDER BY random() LIMIT 1);
	WHEN 'changer_issue' THEN
		UPDATE flux_mgmt.orientation SET issue = pg_temp.au_hasard('{carence,echec,retiree}'::flux_mgmt.issue_orientation[]),
			date_issue = greatest(date_limite, date_orientation) + 3
		WHERE id = (SELECT id FROM flux_mgmt.orientation WHERE issue IN ('carence', 'echec', 'retiree') ORDER BY random() LIMIT 1);
	WHEN 'supprimer_orientation' THEN
		DELETE FROM flux_mgmt.orientation WHERE id = (SELECT id FROM flux_mgmt.orientation ORDER BY random() LIMIT 1);
	WHEN 'plusieurs_orientations' THEN
		UPDATE flux_mgmt.orientation SET date_orientation = date_orientation + 1
		WHERE id % 11 = floor(random() * 11)::int AND date_orientation < date '2027-12-01';
	WHEN 'logement' THEN
		UPDATE flux_mgmt.logement SET
			commune = CASE WHEN random() < 0.5 THEN '93008' ELSE '93048' END::flux_mgmt.code_insee,
			qpv = random() < 0.3, nb_pieces = 1 + floor(random() * 6)::int,
			regime = CASE WHEN random() < 0.1 THEN 'hors_champ' ELSE 'flux' END::flux_mgmt.regime
		WHERE id = (SELECT id FROM flux_mgmt.logement WHERE regime <> 'stock_defense' ORDER BY random() LIMIT 1);
	WHEN 'mode' THEN
		UPDATE flux_mgmt.convention SET mode_decompte = pg_temp.au_hasard(enum_range(NULL::flux_mgmt.mode_decompte))
		WHERE id = (SELECT id FROM flux_mgmt.convention ORDER BY random() LIMIT 1);
	WHEN 'vacance_date' THEN
		UPDATE flux_mgmt.vacance SET date_liberation = date_liberation + floor(random() * 7 - 3)::int
		WHERE id = (SELECT id FROM flux_mgmt.vacance ORDER BY random() LIMIT 1);
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

SELECT setseed(0.2026);
SELECT pg_temp.jouer(2500);
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after 2,500 random operations, the counters equal a recount');
SELECT pg_temp.jouer(2500);
SELECT is_empty('SELECT * FROM flux_mgmt.verifier_compteurs()', 'after 5,000, still');
SELECT ok((SELECT sum(reussies) FROM bilan_operations) > 2000, 'most operations succeeded')
UNION ALL SELECT ok((SELECT sum(refusees) FROM bilan_operations) > 300, 'hundreds were refused by a rule')
UNION ALL SELECT ok((SELECT sum(annulees) FROM bilan_operations) > 300, 'hundreds were rolled back after succeeding');
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

SELECT * FROM finish();
ROLLBACK;
