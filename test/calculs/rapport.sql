-- The figures test/rapport/verifier_chiffres.py expects, recounted from the
-- event tables (orientation, attribution, vacance, logement) by plain SQL,
-- applying DOMAIN §3.6-3.8 itself: never the views nor the counters.  Run it
-- on the database test/rapport.sh builds from test/rapport/donnees.sql:
--   createdb flux_rapport && psql -d flux_rapport -f test/rapport/donnees.sql && psql -d flux_rapport -f test/calculs/rapport.sql
-- The forecast of 2027 (section 4) is by hand: the last query gives the
-- assiette (125) and Montreuil's part of it (43).
SET search_path = flux_mgmt, public;
CREATE TEMP VIEW ev AS
SELECT o.id, o.reservataire, o.soustraction, o.issue::text AS issue, o.date_orientation, o.date_issue, a.date_bail,
       a.premier_quartile, a.dalo, a.prioritaire, a.relogement_renouvellement,
       l.commune::text AS commune, l.qpv, l.nb_pieces, l.financement::text AS fin, l.annee_construction, l.regime::text AS regime
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
LEFT JOIN attribution a ON a.orientation_id = o.id WHERE l.bailleur = 'b93';
CREATE TEMP VIEW charge AS
SELECT e.*, CASE
   WHEN e.reservataire = 'prefet' THEN CASE WHEN e.issue <> 'retiree' THEN e.date_orientation END
   WHEN e.reservataire = 'agents' OR e.reservataire IS NULL THEN e.date_bail
   ELSE coalesce(e.date_bail, CASE WHEN e.issue = 'carence' THEN e.date_issue END) END AS date_charge
FROM ev e WHERE e.regime = 'flux' AND e.soustraction IS NULL;
\echo section 1
WITH c AS (SELECT * FROM charge WHERE extract(year FROM date_charge) = 2026),
f AS (SELECT count(*) AS dep, count(*) FILTER (WHERE commune = '93048') AS mtr FROM c),
r AS (SELECT x.r, x.t, CASE WHEN x.r = 'montreuil' THEN f.mtr ELSE f.dep END AS flux FROM f,
      (VALUES ('agents', 5), ('al', 35), ('montreuil', 10), ('prefet', 25)) AS x(r, t))
SELECT r.r, r.t, r.flux, r.t * r.flux / 100.0 AS droit, (SELECT count(*) FROM c WHERE c.reservataire = r.r) AS dec,
       (SELECT count(*) FROM ev WHERE ev.reservataire = r.r AND ev.issue = 'en_cours' AND extract(year FROM date_orientation) = 2026 AND regime='flux' AND soustraction IS NULL) AS en_cours,
       (SELECT count(*) FROM ev WHERE ev.reservataire = r.r AND ev.issue = 'carence' AND extract(year FROM date_orientation) = 2026) AS carences
FROM r
UNION ALL
SELECT 'pool', 100.0 * (f.dep - (SELECT sum(t * CASE WHEN x = 'montreuil' THEN f.mtr ELSE f.dep END / 100.0) FROM (VALUES ('agents', 5), ('al', 35), ('montreuil', 10), ('prefet', 25)) AS y(x, t))) / f.dep,
       f.dep, f.dep - (SELECT sum(t * CASE WHEN x = 'montreuil' THEN f.mtr ELSE f.dep END / 100.0) FROM (VALUES ('agents', 5), ('al', 35), ('montreuil', 10), ('prefet', 25)) AS y(x, t)),
       (SELECT count(*) FROM c WHERE c.reservataire IS NULL),
       (SELECT count(*) FROM ev WHERE ev.reservataire IS NULL AND ev.issue = 'en_cours' AND extract(year FROM date_orientation) = 2026 AND regime='flux' AND soustraction IS NULL), 0
FROM f;
\echo section 2: proposed (oriented in 2026) and attributed (lease in 2026), in flux
SELECT coalesce(reservataire, 'pool') r, count(*) FILTER (WHERE extract(year FROM date_orientation) = 2026) prop,
       count(*) FILTER (WHERE extract(year FROM date_bail) = 2026) attr
FROM ev WHERE regime = 'flux' AND soustraction IS NULL GROUP BY 1 ORDER BY 1;
SELECT coalesce(reservataire, 'pool') r, CASE WHEN nb_pieces >= 5 THEN 'T5+' ELSE 'T' || nb_pieces END typ, count(*) FILTER (WHERE extract(year FROM date_orientation) = 2026) prop,
       count(*) FILTER (WHERE extract(year FROM date_bail) = 2026) attr
FROM ev WHERE regime = 'flux' AND soustraction IS NULL AND reservataire = 'al' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT coalesce(reservataire, 'pool') r, commune, count(*) FILTER (WHERE extract(year FROM date_orientation) = 2026) prop,
       count(*) FILTER (WHERE extract(year FROM date_bail) = 2026) attr
FROM ev WHERE regime = 'flux' AND soustraction IS NULL AND reservataire IS NULL GROUP BY 1, 2 ORDER BY 1, 2;
SELECT coalesce(reservataire, 'pool') r, CASE WHEN annee_construction < 1949 THEN 'avant 1949' WHEN annee_construction < 1975 THEN '1949-1974' WHEN annee_construction < 1990 THEN '1975-1989' WHEN annee_construction < 2005 THEN '1990-2004' ELSE '2005+' END per,
       count(*) FILTER (WHERE extract(year FROM date_orientation) = 2026) prop, count(*) FILTER (WHERE extract(year FROM date_bail) = 2026) attr
FROM ev WHERE regime = 'flux' AND soustraction IS NULL AND reservataire = 'montreuil' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT coalesce(reservataire, 'pool') r, qpv, fin, count(*) FILTER (WHERE extract(year FROM date_orientation) = 2026) prop, count(*) FILTER (WHERE extract(year FROM date_bail) = 2026) attr
FROM ev WHERE regime = 'flux' AND soustraction IS NULL AND reservataire = 'prefet' GROUP BY GROUPING SETS ((1, 2), (1, 3)) ORDER BY 1, 2, 3;
\echo section 3
SELECT soustraction, count(*) FROM ev WHERE soustraction IS NOT NULL AND extract(year FROM date_orientation) = 2026 GROUP BY 1 ORDER BY 1;
\echo section 5: leases of 2026, all (in flux or not)
SELECT 'O1 all' o, count(*) FILTER (WHERE NOT qpv) den, count(*) FILTER (WHERE NOT qpv AND (premier_quartile OR relogement_renouvellement)) num FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O1 Est Ensemble (93048, 93008)', count(*) FILTER (WHERE NOT qpv AND commune IN ('93048','93008')), count(*) FILTER (WHERE NOT qpv AND commune IN ('93048','93008') AND (premier_quartile OR relogement_renouvellement)) FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O1 Plaine Commune (93066)', count(*) FILTER (WHERE NOT qpv AND commune = '93066'), count(*) FILTER (WHERE NOT qpv AND commune = '93066' AND (premier_quartile OR relogement_renouvellement)) FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O2 all', count(*) FILTER (WHERE qpv), count(*) FILTER (WHERE qpv AND NOT premier_quartile) FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O3 al', count(*) FILTER (WHERE reservataire = 'al'), count(*) FILTER (WHERE reservataire = 'al' AND (dalo OR prioritaire)) FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O3 montreuil', count(*) FILTER (WHERE reservataire = 'montreuil'), count(*) FILTER (WHERE reservataire = 'montreuil' AND (dalo OR prioritaire)) FROM ev WHERE extract(year FROM date_bail) = 2026
UNION ALL SELECT 'O4 pool (not subtracted)', count(*) FILTER (WHERE reservataire IS NULL AND soustraction IS NULL), count(*) FILTER (WHERE reservataire IS NULL AND soustraction IS NULL AND (dalo OR prioritaire)) FROM ev WHERE extract(year FROM date_bail) = 2026;
\echo section 4 assiette 2027
SELECT count(*) FILTER (WHERE regime = 'flux'), count(*) FILTER (WHERE regime = 'flux' AND commune = '93048') FROM logement WHERE bailleur = 'b93';
