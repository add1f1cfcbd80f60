\set oracle_echo :ECHO \set ECHO none
-- An independent oracle of the counters.
--
-- Recounts every counter of flux_mgmt.compteur (summed over its tranches), of
-- flux_mgmt.compteur_bilan and of flux_mgmt.compteur_moteur (the engine's, by
-- département; from 0.2) straight from the tables a user writes
-- (vacance, orientation, attribution, logement, convention), with the
-- counting rules of DOMAIN.md §3.5-3.8 written out a second time: no view,
-- function or operator of the extension is called (no contribution_calculee,
-- orientation_decompte, convention_de, departement(), typologie(),
-- periode_construction(); the INSEE codes and the enums are compared as
-- text), so a mistake in the extension's rules shows as a difference here.
-- It does not read the ledger (flux_mgmt.contribution): ecarts_registre()
-- checks that one.
--
-- Loading it defines two views, temporary unless the psql variable
-- oracle_schema names a schema (the isolation specs, whose sessions each
-- need to see it: test/oracle/lanceur_isolation.sh):
--   oracle_comparaisons (compteur, attendu, trouve): every counter value
--     compared, one row per key and column present in the recount or in the
--     counters, named like verifier_compteurs() names them;
--   oracle_ecarts (compteur, attendu, trouve): those that differ, in order;
--     empty when the counters equal the recount.
-- From a pgTAP file:  \i test/oracle/recompte.sql
--                     SELECT is_empty('SELECT * FROM oracle_ecarts', '...');
-- From a shell test:  psql -X -q -At -f test/oracle/recompte.sql -c 'SELECT count(*) FROM oracle_ecarts'
--
-- The rules, as DOMAIN.md and the README state them:
--  * an orientation is in the flux when its dwelling's regime is flux and the
--    vacancy is not subtracted (soustraction null); it is keyed by the
--    dwelling's landlord and commune, its réservataire (null: the landlord's
--    pool, a subtracted vacancy, a dwelling outside the L441-1 regime), its
--    subtraction motif and whether it is in the flux;
--  * an orientation and its outcome (en_cours, attribuee, carence, echec,
--    retiree) count in the year of the orientation;
--  * a lease (an attribution with date_bail) counts in the year of the lease:
--    baux; outside QPV, hors_qpv (O1's denominator), and, for a first-quartile
--    household or one rehoused by urban renewal, q1_hors_qpv (O1); inside a
--    QPV, for a household of quartiles 2-4 (not first quartile), q234_en_qpv
--    (O2); a DALO or priority household, prioritaires (O3, O4);
--  * the décompte (§3.6): an in-flux orientation to a réservataire counts
--    under the mode of its convention, the one of its landlord, réservataire
--    and département in force in the year of the orientation; the pool (and
--    an orientation without a convention) as bail.  orientation: chargeable
--    at the orientation's date unless withdrawn; bail: at the lease;
--    mixte: at the lease or, after a carence, at the carence's date (an
--    échec, a withdrawal: never).  A vacancy is charged once: by its first
--    chargeable in-flux orientation (lowest id), under that orientation's
--    key, in the year of the charge;
--  * the engine's count (imputees, from 0.2; a database at 0.1 has no such
--    column and is compared without it): each in-flux vacancy once, under
--    the key of its charging orientation, or while none is charged of its
--    open (en_cours or attribuee) in-flux orientation, in the year the
--    vacancy's dwelling became available (date_liberation);
--  * the yearly report (§3.8) counts in-flux orientations only: proposes in
--    the year of the orientation, attribues in the year of the lease, by
--    landlord, commune, réservataire, typology (T1 … T4 by main rooms, T5+
--    from 5), financing, QPV and construction period (before 1949,
--    1949-1974, 1975-1989, 1990-2004, 2005 and after).

-- compteur_moteur (from 0.2) is compared when the database has it.
SELECT pg_catalog.to_regclass('flux_mgmt.compteur_moteur') IS NOT NULL AS oracle_moteur \gset
\if :oracle_moteur
\set oracle_table_moteur flux_mgmt.compteur_moteur
\else
\set oracle_table_moteur '(SELECT NULL::text AS bailleur, NULL::integer AS annee, NULL::text AS departement, NULL::text AS reservataire, 0::bigint AS imputees, 0::bigint AS proposes, 0::bigint AS proposes_hors_qpv WHERE false)'
\endif

\if :{?oracle_schema}
\set oracle_temp ''
\else
\set oracle_schema pg_temp
\set oracle_temp TEMP
\endif

CREATE OR REPLACE :oracle_temp VIEW :oracle_schema.oracle_comparaisons AS
WITH orientation AS (
	-- every orientation with its dwelling and its attribution, as text and booleans
	SELECT o.id, o.vacance_id, o.reservataire, o.soustraction::text AS soustraction, o.issue::text AS issue,
		   o.date_orientation, o.date_issue,
		   l.bailleur, l.commune::text AS commune, l.qpv, l.nb_pieces, l.financement::text AS financement,
		   l.annee_construction, l.regime::text = 'flux' AND o.soustraction IS NULL AS dans_flux,
		   a.date_bail, a.premier_quartile, a.relogement_renouvellement, a.dalo, a.prioritaire, v.date_liberation
	FROM flux_mgmt.orientation o
	JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
	JOIN flux_mgmt.logement l ON l.id = v.logement_id
	LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
), mode AS (
	-- the décompte mode of each in-flux orientation, from its convention
	SELECT o.*,
		   CASE WHEN o.reservataire IS NULL THEN 'bail'
				ELSE coalesce((SELECT c.mode_decompte::text FROM flux_mgmt.convention c
							   WHERE c.bailleur = o.bailleur AND c.reservataire = o.reservataire
								 AND c.departement = CASE WHEN left(o.commune, 2) = '97' THEN left(o.commune, 3)
														  ELSE left(o.commune, 2) END
								 AND extract(year FROM o.date_orientation) >= c.annee_debut
								 AND (c.annee_fin IS NULL OR extract(year FROM o.date_orientation) <= c.annee_fin)
							   ORDER BY c.id LIMIT 1), 'bail')
		   END AS mode
	FROM orientation o
	WHERE o.dans_flux
), chargeable AS (
	SELECT m.*,
		   CASE m.mode
			   WHEN 'orientation' THEN CASE WHEN m.issue <> 'retiree' THEN m.date_orientation END
			   WHEN 'bail' THEN m.date_bail
			   WHEN 'mixte' THEN CASE WHEN m.date_bail IS NOT NULL THEN m.date_bail
									  WHEN m.issue = 'carence' THEN m.date_issue END
		   END AS date_charge
	FROM mode m
), charge AS (
	-- a vacancy is charged once, by its first chargeable orientation
	SELECT DISTINCT ON (c.vacance_id) c.*
	FROM chargeable c
	WHERE c.date_charge IS NOT NULL
	ORDER BY c.vacance_id, c.id
), avec_imputees AS (
	SELECT EXISTS (SELECT FROM pg_catalog.pg_attribute a
				   WHERE a.attrelid = 'flux_mgmt.compteur'::regclass AND a.attname = 'imputees' AND NOT a.attisdropped) AS oui
), imputee AS (
	-- the orientation the engine counts each vacancy for
	SELECT o.*
	FROM orientation o
	WHERE o.dans_flux
	  AND (o.id IN (SELECT c.id FROM charge c)
		   OR (o.issue IN ('en_cours', 'attribuee') AND o.vacance_id NOT IN (SELECT c.vacance_id FROM charge c)))
), recompte AS (
	-- what each orientation adds: (key, column, 1 or 0)
	SELECT o.bailleur, extract(year FROM o.date_orientation)::integer AS annee, o.commune, o.reservataire,
		   o.soustraction, o.dans_flux,
		   CASE o.issue WHEN 'en_cours' THEN 'en_cours' WHEN 'attribuee' THEN 'attribuees' WHEN 'carence' THEN 'carences'
						WHEN 'echec' THEN 'echecs' WHEN 'retiree' THEN 'retirees' END AS colonne,
		   1 AS n
	FROM orientation o
	UNION ALL
	SELECT c.bailleur, extract(year FROM c.date_charge)::integer, c.commune, c.reservataire, c.soustraction, c.dans_flux,
		   'decomptes', 1
	FROM charge c
	UNION ALL
	SELECT i.bailleur, extract(year FROM i.date_liberation)::integer, i.commune, i.reservataire, i.soustraction,
		   i.dans_flux, 'imputees', 1
	FROM imputee i, avec_imputees x
	WHERE x.oui
	UNION ALL
	SELECT o.bailleur, extract(year FROM o.date_bail)::integer, o.commune, o.reservataire, o.soustraction, o.dans_flux,
		   b.colonne, b.n
	FROM orientation o
	CROSS JOIN LATERAL (VALUES
		('baux', 1),
		('hors_qpv', CASE WHEN NOT o.qpv THEN 1 ELSE 0 END),
		('q1_hors_qpv', CASE WHEN NOT o.qpv AND (o.premier_quartile OR o.relogement_renouvellement) THEN 1 ELSE 0 END),
		('q234_en_qpv', CASE WHEN o.qpv AND NOT o.premier_quartile THEN 1 ELSE 0 END),
		('prioritaires', CASE WHEN o.dalo OR o.prioritaire THEN 1 ELSE 0 END)) AS b (colonne, n)
	WHERE o.date_bail IS NOT NULL
), attendu AS (
	SELECT ROW(r.bailleur, r.annee, r.commune, r.reservataire, r.soustraction, r.dans_flux)::text AS cle,
		   r.bailleur, r.annee, r.commune, r.reservataire, r.soustraction, r.dans_flux, r.colonne, sum(r.n) AS n
	FROM recompte r
	GROUP BY r.bailleur, r.annee, r.commune, r.reservataire, r.soustraction, r.dans_flux, r.colonne
), trouve AS (
	SELECT ROW(k.bailleur, k.annee, k.commune::text, k.reservataire, k.soustraction::text, k.dans_flux)::text AS cle,
		   k.bailleur, k.annee, k.commune::text AS commune, k.reservataire, k.soustraction::text AS soustraction,
		   k.dans_flux, v.colonne, sum(v.n) AS n
	FROM flux_mgmt.compteur k
	CROSS JOIN LATERAL (VALUES
		('en_cours', k.en_cours), ('attribuees', k.attribuees), ('carences', k.carences), ('echecs', k.echecs),
		('retirees', k.retirees), ('decomptes', k.decomptes), ('baux', k.baux), ('hors_qpv', k.hors_qpv),
		('q1_hors_qpv', k.q1_hors_qpv), ('q234_en_qpv', k.q234_en_qpv), ('prioritaires', k.prioritaires),
		-- read by name: absent at 0.1
		('imputees', (pg_catalog.to_jsonb(k) ->> 'imputees')::bigint)) AS v (colonne, n)
	WHERE v.n IS NOT NULL
	GROUP BY k.bailleur, k.annee, k.commune::text, k.reservataire, k.soustraction::text, k.dans_flux, v.colonne
), bilan_recompte AS (
	-- the yearly report: in-flux orientations (proposes) and their leases (attribues)
	SELECT o.bailleur, b.annee, o.commune, o.reservataire,
		   CASE WHEN o.nb_pieces >= 5 THEN 'T5+' WHEN o.nb_pieces >= 1 THEN 'T' || o.nb_pieces END AS typologie,
		   o.financement, o.qpv,
		   CASE WHEN o.annee_construction < 1949 THEN 'avant 1949'
				WHEN o.annee_construction < 1975 THEN '1949-1974'
				WHEN o.annee_construction < 1990 THEN '1975-1989'
				WHEN o.annee_construction < 2005 THEN '1990-2004'
				WHEN o.annee_construction IS NOT NULL THEN '2005 et plus' END AS periode,
		   b.colonne
	FROM orientation o
	CROSS JOIN LATERAL (VALUES (extract(year FROM o.date_orientation)::integer, 'proposes'),
							   (extract(year FROM o.date_bail)::integer, 'attribues')) AS b (annee, colonne)
	WHERE o.dans_flux AND b.annee IS NOT NULL
), bilan_attendu AS (
	SELECT ROW(r.bailleur, r.annee, r.commune, r.reservataire, r.typologie, r.financement, r.qpv, r.periode)::text AS cle,
		   r.bailleur, r.annee, r.commune, r.reservataire, r.typologie, r.financement, r.qpv, r.periode, r.colonne,
		   count(*) AS n
	FROM bilan_recompte r
	GROUP BY r.bailleur, r.annee, r.commune, r.reservataire, r.typologie, r.financement, r.qpv, r.periode, r.colonne
), bilan_trouve AS (
	SELECT ROW(k.bailleur, k.annee, k.commune::text, k.reservataire, k.typologie, k.financement::text, k.qpv, k.periode)::text AS cle,
		   k.bailleur, k.annee, k.commune::text AS commune, k.reservataire, k.typologie, k.financement::text AS financement,
		   k.qpv, k.periode, v.colonne, sum(v.n) AS n
	FROM flux_mgmt.compteur_bilan k
	CROSS JOIN LATERAL (VALUES ('proposes', k.proposes), ('attribues', k.attribues)) AS v (colonne, n)
	GROUP BY k.bailleur, k.annee, k.commune::text, k.reservataire, k.typologie, k.financement::text, k.qpv, k.periode, v.colonne
), moteur_recompte AS (
	-- the engine's counters: the in-flux imputees and the report's orientations,
	-- outside QPV or not, rolled up by département (the commune code's first
	-- two characters, three overseas)
	SELECT r.bailleur, r.annee, r.commune, r.reservataire, r.colonne, r.n
	FROM recompte r WHERE r.dans_flux AND r.colonne = 'imputees'
	UNION ALL
	SELECT b.bailleur, b.annee, b.commune, b.reservataire, 'proposes', 1 FROM bilan_recompte b WHERE b.colonne = 'proposes'
	UNION ALL
	SELECT b.bailleur, b.annee, b.commune, b.reservataire, 'proposes_hors_qpv', 1
	FROM bilan_recompte b WHERE b.colonne = 'proposes' AND NOT b.qpv
), moteur_attendu AS (
	SELECT ROW(r.bailleur, r.annee, r.departement, r.reservataire)::text AS cle,
		   r.bailleur, r.annee, r.departement, r.reservataire, r.colonne, sum(r.n) AS n
	FROM (SELECT m.*, CASE WHEN left(m.commune, 2) = '97' THEN left(m.commune, 3) ELSE left(m.commune, 2) END AS departement
		  FROM moteur_recompte m) AS r
	WHERE :'oracle_moteur'::boolean
	GROUP BY r.bailleur, r.annee, r.departement, r.reservataire, r.colonne
), moteur_trouve AS (
	SELECT ROW(k.bailleur, k.annee, k.departement, k.reservataire)::text AS cle,
		   k.bailleur, k.annee, k.departement, k.reservataire, v.colonne, sum(v.n) AS n
	FROM :oracle_table_moteur AS k
	CROSS JOIN LATERAL (VALUES ('imputees', k.imputees), ('proposes', k.proposes),
							   ('proposes_hors_qpv', k.proposes_hors_qpv)) AS v (colonne, n)
	GROUP BY k.bailleur, k.annee, k.departement, k.reservataire, v.colonne
)
SELECT format('compteur(%s, %s, %s, %s, %s, %s).%s', k.bailleur, k.annee, k.commune, coalesce(k.reservataire, 'pool'),
			  coalesce(k.soustraction, '-'), CASE WHEN k.dans_flux THEN 'flux' ELSE 'hors flux' END, k.colonne) AS compteur,
	   coalesce(a.n, 0)::bigint AS attendu, coalesce(t.n, 0)::bigint AS trouve
FROM attendu a
FULL JOIN trouve t ON t.cle = a.cle AND t.colonne = a.colonne
CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
						   coalesce(a.commune, t.commune) AS commune,
						   CASE WHEN a.cle IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
						   CASE WHEN a.cle IS NULL THEN t.soustraction ELSE a.soustraction END AS soustraction,
						   coalesce(a.dans_flux, t.dans_flux) AS dans_flux, coalesce(a.colonne, t.colonne) AS colonne) AS k
UNION ALL
SELECT format('compteur_bilan(%s, %s, %s, %s, %s, %s, %s, %s).%s', k.bailleur, k.annee, k.commune,
			  coalesce(k.reservataire, 'pool'), k.typologie, k.financement, k.qpv, k.periode, k.colonne),
	   coalesce(a.n, 0)::bigint, coalesce(t.n, 0)::bigint
FROM bilan_attendu a
FULL JOIN bilan_trouve t ON t.cle = a.cle AND t.colonne = a.colonne
CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
						   coalesce(a.commune, t.commune) AS commune,
						   CASE WHEN a.cle IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
						   CASE WHEN a.cle IS NULL THEN t.typologie ELSE a.typologie END AS typologie,
						   CASE WHEN a.cle IS NULL THEN t.financement ELSE a.financement END AS financement,
						   coalesce(a.qpv, t.qpv) AS qpv,
						   CASE WHEN a.cle IS NULL THEN t.periode ELSE a.periode END AS periode,
						   coalesce(a.colonne, t.colonne) AS colonne) AS k
UNION ALL
SELECT format('compteur_moteur(%s, %s, %s, %s).%s', k.bailleur, k.annee, k.departement, coalesce(k.reservataire, 'pool'),
			  k.colonne),
	   coalesce(a.n, 0)::bigint, coalesce(t.n, 0)::bigint
FROM moteur_attendu a
FULL JOIN moteur_trouve t ON t.cle = a.cle AND t.colonne = a.colonne
CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
						   coalesce(a.departement, t.departement) AS departement,
						   CASE WHEN a.cle IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
						   coalesce(a.colonne, t.colonne) AS colonne) AS k;

CREATE OR REPLACE :oracle_temp VIEW :oracle_schema.oracle_ecarts AS
SELECT c.compteur, c.attendu, c.trouve
FROM :oracle_schema.oracle_comparaisons c
WHERE c.attendu <> c.trouve
ORDER BY c.compteur;

\set ECHO :oracle_echo
