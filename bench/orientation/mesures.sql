-- Timings of the engine benchmark (bench/orientation.sh): batch orientation of
-- the landlord-year, then suggerer() and a pure-SQL largest-deficit rank 1,
-- called 10,000 times each on random vacancies of the year, timed inside the
-- server (clock_timestamp() around each call).
SET search_path = flux_mgmt, public;
\timing off
SELECT count(*) AS vacances FROM vacance \gset
\echo '== batch: orienter_en_attente, the landlord''s whole year (' :vacances 'vacancies, counter triggers included)'
SELECT clock_timestamp() AS debut \gset
SELECT count(*) AS orientees FROM orienter_en_attente(:'bailleur', 2026) \gset
SELECT :orientees AS orientations, round(extract(epoch FROM clock_timestamp() - :'debut'::timestamptz)::numeric, 2) AS secondes,
	   round(:orientees / extract(epoch FROM clock_timestamp() - :'debut'::timestamptz)::numeric) AS par_seconde;
SELECT count(*) AS ecarts_compteurs FROM verifier_compteurs();

-- The reference a developer would write in SQL: the candidates of the
-- dwelling's commune and their deficits t·p - a from the same counters, rank 1
-- by largest deficit (nginx's smooth weighted round-robin), without
-- explanations nor preferences.
CREATE FUNCTION pg_temp.plus_grand_deficit(vid bigint) RETURNS text LANGUAGE sql STABLE AS $$
	WITH v AS (
		SELECT l.bailleur, l.commune, departement(l.commune) AS d, extract(year FROM va.date_liberation)::int AS annee
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id WHERE va.id = vid
	), comptes AS (
		SELECT k.reservataire, k.commune, sum(k.en_cours + k.attribuees + k.carences) AS n
		FROM v, flux_mgmt.compteur k
		WHERE k.bailleur = v.bailleur AND k.annee = v.annee AND k.dans_flux AND departement(k.commune) = v.d
		GROUP BY 1, 2
	), candidats AS (
		SELECT c.reservataire, c.taux,
			   1 + (SELECT coalesce(sum(n), 0) FROM comptes x WHERE c.communes IS NULL OR x.commune = ANY (c.communes)) AS t,
			   (SELECT coalesce(sum(n), 0) FROM comptes x WHERE x.reservataire = c.reservataire
				AND (c.communes IS NULL OR x.commune = ANY (c.communes))) AS a
		FROM v, flux_mgmt.conventions_en_vigueur(v.bailleur, v.d, v.annee) AS c
		WHERE c.communes IS NULL OR v.commune = ANY (c.communes)
	)
	SELECT reservataire FROM (
		SELECT reservataire, t * taux / 100 - a AS deficit FROM candidats
		UNION ALL
		SELECT NULL, (1 + (SELECT coalesce(sum(n), 0) FROM comptes)) * (100 - (SELECT sum(taux) FROM candidats)) / 100
			   - (SELECT coalesce(sum(n), 0) FROM comptes WHERE reservataire IS NULL)
	) AS x ORDER BY deficit DESC, reservataire NULLS LAST LIMIT 1
$$;

CREATE TEMP TABLE tirage AS
SELECT (SELECT id FROM vacance OFFSET floor(random() * :vacances) LIMIT 1) AS vid FROM generate_series(1, 10000);
CREATE TEMP TABLE durees (methode text, us numeric, premier text);
DO $$
DECLARE
	r record; d timestamptz; p text;
BEGIN
	FOR r IN SELECT vid FROM tirage LIMIT 200 LOOP      -- warm-up
		PERFORM * FROM flux_mgmt.suggerer(r.vid);
		PERFORM flux_mgmt.decider(r.vid);
		PERFORM pg_temp.plus_grand_deficit(r.vid);
	END LOOP;
	FOR r IN SELECT vid FROM tirage LOOP
		d := clock_timestamp();
		SELECT s.reservataire INTO p FROM flux_mgmt.suggerer(r.vid) AS s WHERE s.rang = 1;
		INSERT INTO durees VALUES ('suggerer (C kernel, all ranks and reasons)', extract(epoch FROM clock_timestamp() - d) * 1e6, p);
		d := clock_timestamp();
		SELECT (x.candidats[(x.choix).classement[1]]).reservataire INTO p FROM flux_mgmt.decider(r.vid) AS x;
		INSERT INTO durees VALUES ('decider (C kernel, rank 1 as orienter_suggestion)', extract(epoch FROM clock_timestamp() - d) * 1e6, p);
		d := clock_timestamp();
		p := pg_temp.plus_grand_deficit(r.vid);
		INSERT INTO durees VALUES ('pure SQL largest deficit (rank 1 only)', extract(epoch FROM clock_timestamp() - d) * 1e6, p);
	END LOOP;
	-- the same calls with the social-mix preference off: what it costs
	INSERT INTO flux_mgmt.parametre_orientation VALUES ('mixite_poids', 0);
	FOR r IN SELECT vid FROM tirage LOOP
		d := clock_timestamp();
		SELECT s.reservataire INTO p FROM flux_mgmt.suggerer(r.vid) AS s WHERE s.rang = 1;
		INSERT INTO durees VALUES ('suggerer, social-mix preference off (mixite_poids 0)', extract(epoch FROM clock_timestamp() - d) * 1e6, p);
	END LOOP;
	DELETE FROM flux_mgmt.parametre_orientation WHERE cle = 'mixite_poids';
END $$;
\echo '== latency over 10,000 calls on random vacancies of the year, inside the server (µs)'
SELECT methode, count(*) AS appels,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric) AS mediane_us,
	   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY us)::numeric) AS p99_us,
	   round(avg(us)) AS moyenne_us
FROM durees GROUP BY methode ORDER BY methode DESC;
SELECT round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'pure%')::numeric
			 / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'decider%')::numeric, 2)
	   AS "median SQL / median decider (rank 1 both)",
	   round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'pure%')::numeric
			 / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'suggerer (%')::numeric, 2)
	   AS "median SQL / median suggerer",
	   round((SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'suggerer (%')::numeric
			 / (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY us) FROM durees WHERE methode LIKE 'suggerer, social-mix%')::numeric, 2)
	   AS "median suggerer / median without the mix preference";
