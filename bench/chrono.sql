-- Shared by the timing scripts of bench/ (\i bench/chrono.sql).
-- Wall-clock time of a query, `n` runs after a warm-up: best and median, ms.
CREATE FUNCTION pg_temp.chrono(requete text, n integer, OUT meilleur numeric, OUT median numeric)
	LANGUAGE plpgsql AS $$
DECLARE
	debut timestamptz;
	temps numeric[] := '{}';
BEGIN
	EXECUTE requete;
	FOR i IN 1 .. n LOOP
		debut := clock_timestamp();
		EXECUTE requete;
		temps := temps || round(extract(epoch FROM clock_timestamp() - debut) * 1000, 1);
	END LOOP;
	SELECT min(t), percentile_disc(0.5) WITHIN GROUP (ORDER BY t) INTO meilleur, median FROM unnest(temps) AS t;
END
$$;
