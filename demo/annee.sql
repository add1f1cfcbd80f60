-- A simulated year of a landlord, for the demo: vacancies at its rotation
-- rate, each oriented as the engine suggests most of the time (the landlord
-- keeps some for its pool, takes some out of the flux), then attributed, or
-- ended by a carence or an échec and oriented again, with household flags at
-- realistic rates (DOMAIN §3.7).  Reusable:
--   psql -v bailleur=cannes -v annee=2026 -v graine=0.7 -f demo/annee.sql
-- Every event goes through plain SQL and the extension's functions, in date
-- order, so that each orientation sees the ones before.
SET search_path = flux_mgmt, public;
SELECT setseed(:graine), set_config('demo.bailleur', :'bailleur', false), set_config('demo.annee', :'annee', false) \g /dev/null

-- vacancies: each dwelling owned on 1 January frees up with the probability
-- of its département's rotation rate, on a random day of the year
-- (the draw is made per dwelling in a sub-select: a condition on random() and
-- the rotation row alone would be evaluated once for all of them)
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, make_date(:annee, 1, 1) + floor(l.jour * 365)::int
FROM (SELECT l.*, random() AS tirage, random() AS jour FROM logement l WHERE l.bailleur = :'bailleur') AS l
JOIN rotation r ON r.bailleur = l.bailleur AND r.departement = departement(l.commune) AND r.annee = :annee
WHERE (l.mise_en_service IS NULL OR l.mise_en_service <= make_date(:annee, 1, 1))
  AND (l.sortie IS NULL OR l.sortie > make_date(:annee, 1, 1))
  AND l.tirage * 100 < r.taux
  AND NOT EXISTS (SELECT FROM vacance x WHERE x.logement_id = l.id AND x.date_liberation = make_date(:annee, 1, 1) + floor(l.jour * 365)::int);

-- an attribution with household flags at realistic rates; the contingents
-- the household was eligible to (an employee of a contributing company: Action
-- Logement, one in three; a resident of the commune, one in five) from the
-- orientation's id, so that the draws of the year stay the same
CREATE OR REPLACE FUNCTION pg_temp.attribuer(orientation bigint, le date, interne boolean) RETURNS void LANGUAGE sql AS $$
	INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire,
									   relogement_renouvellement, mutation, contingents_eligibles)
	VALUES (orientation, le + 10 + floor(random() * 20)::int, le + 35 + floor(random() * 25)::int,
			random() < 0.18, random() < 0.15, random() < 0.30, random() < 0.03, interne OR random() < 0.25,
			CASE WHEN orientation % 3 = 0 THEN '{action_logement}'::flux_mgmt.type_reservataire[] ELSE '{}' END
			|| CASE WHEN orientation % 5 = 0 THEN '{commune}'::flux_mgmt.type_reservataire[] ELSE '{}' END)
$$;

DO $$
DECLARE
	v record;
	o bigint;
	r float8;
	n int := 0;
	total int;
	motifs flux_mgmt.motif_soustraction[] := '{mutation_interne,mutation_interne,mutation_interne,renouvellement_urbain,vente,habitat_indigne,copropriete_degradee}';
	b text := current_setting('demo.bailleur');
	a int := current_setting('demo.annee')::int;
BEGIN
	SELECT count(*) INTO total FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
	WHERE l.bailleur = b AND va.date_liberation >= make_date(a, 1, 1) AND va.date_liberation < make_date(a + 1, 1, 1);
	FOR v IN
		SELECT va.id, va.date_liberation AS j, l.regime
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
		WHERE l.bailleur = b AND va.date_liberation >= make_date(a, 1, 1) AND va.date_liberation < make_date(a + 1, 1, 1)
		ORDER BY va.date_liberation, va.id
	LOOP
		n := n + 1;
		IF n % 100 = 0 THEN
			RAISE NOTICE '  % / % vacancies of % in %', n, total, b, a;
		END IF;
		-- the orientation: mostly the engine's suggestion
		r := random();
		IF v.regime = 'flux' AND r < 0.06 THEN
			o := flux_mgmt.orienter(v.id, NULL, motifs[1 + floor(random() * 7)::int], v.j);
			PERFORM pg_temp.attribuer(o, v.j, true);
			CONTINUE;
		ELSIF v.regime = 'flux' AND r < 0.12 THEN
			o := flux_mgmt.orienter(v.id, NULL, NULL, v.j);           -- kept for the landlord's pool
		ELSE
			o := flux_mgmt.orienter_suggestion(v.id, v.j);
		END IF;
		-- its outcome
		r := random();
		IF r < 0.78 THEN
			PERFORM pg_temp.attribuer(o, v.j, false);
		ELSIF r < 0.88 AND (SELECT date_limite FROM flux_mgmt.orientation WHERE id = o) IS NOT NULL THEN
			-- nobody proposed within the delay: a carence, the dwelling comes back to the pool
			PERFORM flux_mgmt.cloturer(o, 'carence', (SELECT date_limite FROM flux_mgmt.orientation WHERE id = o));
			o := flux_mgmt.orienter(v.id, NULL, NULL, (SELECT date_limite + 1 FROM flux_mgmt.orientation WHERE id = o));
			PERFORM pg_temp.attribuer(o, (SELECT date_orientation FROM flux_mgmt.orientation WHERE id = o), false);
		ELSIF r < 0.96 THEN
			-- candidates, but no lease: an échec, then the engine again
			PERFORM flux_mgmt.cloturer(o, 'echec', v.j + 45);
			o := flux_mgmt.orienter_suggestion(v.id, v.j + 46);
			PERFORM pg_temp.attribuer(o, v.j + 46, false);
		END IF;                                                       -- else still open at the end of the year
	END LOOP;
	RAISE NOTICE '  % vacancies of % in % oriented and followed up', n, b, a;
END $$;
