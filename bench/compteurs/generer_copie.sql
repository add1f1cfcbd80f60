-- The COPY workload of the counter benchmark: one million events over five
-- years (2022-2026) for the 100,000 dwellings of preparer.sql — 400,000
-- vacancies, 400,000 orientations (every réservataire, the pool, one in twenty
-- subtracted; open, carence, échec, withdrawn, or open then attributed by the
-- attribution file), 200,000
-- attributions — written to three CSV files in :dossier.
\set fv :dossier '/vacance.csv'
\set fo :dossier '/orientation.csv'
\set fa :dossier '/attribution.csv'
COPY (
	SELECT s, 1 + s % 100000, make_date(2022 + s / 100000, 1, 1) + s % 300, false
	FROM generate_series(0, 399999) AS s
) TO :'fv' WITH (FORMAT csv);
COPY (
	SELECT s, s,
		   CASE WHEN s % 20 <> 0 THEN (ARRAY['al', 'prefet', 'agents', 'employeur', NULL])[1 + s % 5] END,
		   CASE WHEN s % 20 = 0 THEN 'mutation_interne' END,
		   o, CASE WHEN s % 20 <> 0 AND s % 5 <> 4 THEN o + 30 END,
		   CASE WHEN s % 2 = 0 THEN 'en_cours'                -- attributed below
				WHEN (s / 2) % 4 = 1 AND (s % 20 = 0 OR s % 5 = 4) THEN 'echec'   -- no carence without a deadline
				ELSE (ARRAY['en_cours', 'carence', 'echec', 'retiree'])[1 + (s / 2) % 4] END,
		   CASE WHEN s % 2 = 0 OR (s / 2) % 4 = 0 THEN NULL ELSE o + 31 END
	FROM generate_series(0, 399999) AS s, LATERAL (SELECT make_date(2022 + s / 100000, 1, 1) + s % 300 + 1 AS o) AS d
) TO :'fo' WITH (FORMAT csv);
COPY (
	SELECT s / 2, s, o + 10, o + 20, s % 8 = 0, s % 10 = 0, s % 6 = 0, s % 50 = 0, s % 4 = 0, false
	FROM generate_series(0, 399999, 2) AS s, LATERAL (SELECT make_date(2022 + s / 100000, 1, 1) + s % 300 + 1 AS o) AS d
) TO :'fa' WITH (FORMAT csv);
