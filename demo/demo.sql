-- The flux_mgmt demo (run by scripts/demo.sh on a throwaway cluster): the
-- real RPLS stock of Cannes through every step of the "gestion en flux",
-- then a simulated Île-de-France region.
\set ON_ERROR_STOP 1
\pset pager off
\pset footer off
\set rpls `cat data/rpls_cannes_2018.csv`
\set cog `cat data/cog2026_communes_idf.csv`
SET client_min_messages = notice;

\echo
\echo '== 1. Install the extension'
CREATE EXTENSION flux_mgmt;
SET search_path = flux_mgmt, public;
SELECT extversion AS "flux_mgmt version" FROM pg_extension WHERE extname = 'flux_mgmt';

\echo
\echo '== 2. The real RPLS stock of Cannes (SDES open data, 1 January 2018) for a landlord'
\echo '   The file has real defects; the import repairs or reports each of them:'
INSERT INTO bailleur VALUES ('cannes', 'Parc social de Cannes (RPLS 2018)', NULL);
SELECT * FROM importer_rpls('cannes', :'rpls', 'cannes-');
SELECT CASE WHEN GROUPING(typologie(nb_pieces)) = 1 THEN 'total' ELSE coalesce(typologie(nb_pieces), 'not given') END AS typologie,
	   count(*) AS logements,
	   round(100.0 * count(*) / (SELECT count(*) FROM logement WHERE commune = '06029'), 1) AS "%",
	   count(*) FILTER (WHERE qpv) AS "in a QPV"
FROM logement WHERE commune = '06029'
GROUP BY ROLLUP (typologie(nb_pieces)) ORDER BY GROUPING(typologie(nb_pieces)), 1;
\echo '   Its programmes (by APL convention, else by street address) and CUS segments, for the social-mix measures:'
SELECT count(DISTINCT programme) AS programmes, count(DISTINCT programme) FILTER (WHERE programme LIKE 'NUMCONV %') AS "by APL convention",
	   count(DISTINCT programme) FILTER (WHERE programme LIKE 'ADRESSE %') AS "by address",
	   count(DISTINCT segment_patrimoine) AS "CUS segments", count(*) FILTER (WHERE immeuble IS NULL) AS "without IMMEU"
FROM logement WHERE bailleur = 'cannes';

\echo
\echo '== 3. The état des lieux: which old stock reservations the dwellings carry'
\echo '   (the open data has no CONTRESLOG; a landlord''s own RPLS file has it: here, drawn at realistic rates)'
SELECT setseed(0.2026) \g /dev/null
UPDATE logement SET contingent_rpls = CASE WHEN r < 0.22 THEN 2 WHEN r < 0.26 THEN 1 WHEN r < 0.52 THEN 3 WHEN r < 0.60 THEN 4
										   WHEN r < 0.63 THEN 6 ELSE 7 END
FROM (SELECT id, random() AS r FROM logement) AS t WHERE t.id = logement.id;
INSERT INTO reservataire VALUES
	('prefet06', 'Préfet des Alpes-Maritimes, prioritaires', 'etat_prioritaires'),
	('agents06', 'Préfet des Alpes-Maritimes, agents de l''État', 'etat_agents'),
	('al', 'Action Logement Services', 'action_logement'),
	('cannes', 'Ville de Cannes', 'commune'),
	('employeur', 'Employeur cannois', 'employeur'),
	('defense', 'Ministère des Armées', 'ministere');
INSERT INTO territoire VALUES ('cannes', '06029');
-- a few dwellings reserved for the ministry of defence stay in stock
UPDATE logement SET regime = 'stock_defense', reservataire_stock = 'defense'
WHERE id IN (SELECT id FROM logement WHERE bailleur = 'cannes' ORDER BY id DESC LIMIT 12);
-- the old conventions (DOMAIN §3.4): the State for its construction aid, for life; Action Logement
-- for employers' funding, for life; the commune for a loan guarantee, 20 years; an employer, 10 years
INSERT INTO convention_stock (bailleur, reservataire, reference, fin, contrepartie, contingent) VALUES
	('cannes', 'prefet06', 'PREF-1975', NULL, 'aide à la construction', 2),
	('cannes', 'agents06', 'PREF-AG-1990', NULL, 'aide à la construction (agents)', 1),
	('cannes', 'al', 'AL-1995', NULL, 'participation des employeurs', 3),
	('cannes', 'cannes', 'GAR-2010', '2030-12-31', 'garantie d''emprunt', 4),
	('cannes', 'employeur', 'EMP-2016', '2026-06-30', 'financement employeur', 6);
SELECT * FROM etablir_etat_des_lieux('cannes', '2026-01-01');
\echo '   … sent in its two levels: aggregated by commune to every réservataire, detailed to each one (CSV and HTML):'
SELECT commune, nom_commune, reservataire, nature, typologie, logements FROM etat_des_lieux_communes('cannes', '2026-01-01')
WHERE commune = '06030' ORDER BY reservataire, typologie;
SELECT ref, adresse, typologie, financement, qpv, reference, nature, fin, contrepartie
FROM etat_des_lieux_detaille('cannes', 'employeur', '2026-01-01') ORDER BY ref LIMIT 3;
\! mkdir -p /tmp/flux_mgmt_demo
\pset format unaligned
\pset tuples_only on
\o /tmp/flux_mgmt_demo/etat_des_lieux_communes.csv
SELECT etat_des_lieux_csv('cannes', NULL, '2026-01-01');
\o /tmp/flux_mgmt_demo/etat_des_lieux_employeur.csv
SELECT etat_des_lieux_csv('cannes', 'employeur', '2026-01-01');
\o /tmp/flux_mgmt_demo/etat_des_lieux_employeur.html
SELECT etat_des_lieux_html('cannes', 'employeur', '2026-01-01');
\o
\pset format aligned
\pset tuples_only off
\! echo "   written to /tmp/flux_mgmt_demo/: etat_des_lieux_communes.csv ($(wc -l < /tmp/flux_mgmt_demo/etat_des_lieux_communes.csv) lines), etat_des_lieux_employeur.csv ($(wc -l < /tmp/flux_mgmt_demo/etat_des_lieux_employeur.csv) lines), etat_des_lieux_employeur.html"

\echo
\echo '== 4. The forecast flux of 2026 (DOMAIN §3.3)'
INSERT INTO rotation VALUES ('cannes', '06', 2026, 6.0), ('cannes', '06', 2027, 6.0);
INSERT INTO mise_en_service_prevue VALUES ('cannes', '06', 2026, 40), ('cannes', '06', 2027, 25);
INSERT INTO soustraction_prevue VALUES ('cannes', '06', 2026, 'mutation_interne', 12), ('cannes', '06', 2026, 'renouvellement_urbain', 3),
	('cannes', '06', 2026, 'vente', 2), ('cannes', '06', 2027, 'mutation_interne', 12);
SELECT * FROM assiette('cannes', '06', '2026-01-01');
SELECT * FROM flux_previsionnel('cannes', '06', 2026);
SELECT flux_net AS flux_2026 FROM flux_previsionnel('cannes', '06', 2026) \gset

\echo
\echo '== 5. Converting the stock rights into flux shares, on 1 January 2026 (DOMAIN §3.4)'
SELECT * FROM convertir_stock('cannes', '06', '2026-01-01', :flux_2026);
\echo '   … and into conventions in one step; the share rules judge the result:'
SELECT * FROM convertir_en_conventions('cannes', '06', '2026-01-01', :flux_2026);
SELECT count(*) AS "rules broken in 2026" FROM controler_conventions('cannes', '06', 2026);
\echo '   The employer delegates the designation of its candidates to the landlord (gestion déléguée, DOMAIN §3.10):'
\echo '   its orientations get no deadline and no carence.'
UPDATE convention SET gestion = 'deleguee' WHERE bailleur = 'cannes' AND reservataire = 'employeur';
SELECT reservataire, annee_debut, annee_fin, taux, mode_decompte, delai, gestion
FROM convention WHERE bailleur = 'cannes' ORDER BY reservataire, annee_debut;
\echo '   A small réservataire gets its dwellings on a fixed calendar: volume 0.4 a year over ten years:'
SELECT calendrier(0.4, 10) AS "dwellings per year";

\echo
\echo '== 6. The shares of 2026 (DOMAIN §3.3): rights in dwellings adding up to the rounded flux'
SELECT * FROM parts_annuelles('cannes', '06', 2026);

\echo
\echo '== 7. A year of vacancies, oriented by the engine (Tijdeman''s quota rule, DOMAIN §4), attributed'
\echo '   What the engine says for the first vacancy of the year, and why:'
SELECT setseed(0.7) \g /dev/null
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2026-01-02' FROM logement WHERE bailleur = 'cannes' AND regime = 'flux' AND commune = '06029' ORDER BY id LIMIT 1;
SELECT rang, coalesce(reservataire, 'pool') AS reservataire, ecart, score, array_to_string(motifs, E'\n') AS motifs
FROM suggerer((SELECT max(id) FROM vacance));
\echo '   The whole year (progress below), every event through plain SQL and the triggers:'
\set bailleur cannes
\set annee 2026
\set graine 0.7
\i demo/annee.sql

\echo
\echo '== 8. Attainment of 2026 per convention and the pool (view atteinte, from the counters)'
SELECT coalesce(reservataire, 'pool') AS reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
FROM atteinte WHERE bailleur = 'cannes' AND annee = 2026 ORDER BY reservataire NULLS LAST;
\echo '   The engine counts each vacancy once, for the beneficiary it is charged to (or, open, will be):'
\echo '   every ecart lies within its bound 1 - 1/(2n-2) plus the orientations still open (the employer''s converted'
\echo '   rights ended on 30 June: its entitlement is its share of the days before, the rest went to the pool):'
SELECT coalesce(a.reservataire, 'pool') AS reservataire, round(a.ecart, 2) AS ecart, round(1 - 1.0 / (2 * n.n - 2), 3) AS borne,
	   a.en_cours AS ouvertes, abs(a.ecart) <= 1 - 1.0 / (2 * n.n - 2) + a.en_cours AS "within"
FROM atteinte a,
	 LATERAL (SELECT count(*) AS n FROM atteinte x WHERE (x.bailleur, x.annee, x.departement) = (a.bailleur, a.annee, a.departement)) AS n
WHERE a.bailleur = 'cannes' AND a.annee = 2026 ORDER BY a.reservataire NULLS LAST;
\echo '   Allocation objectives O1-O4 with the attributions still missing (view objectifs_attribution):'
SELECT objectif, coalesce(reservataire, '') AS reservataire, numerateur, denominateur, cible, taux, manque
FROM objectifs_attribution WHERE bailleur = 'cannes' AND annee = 2026 AND epci IS NULL ORDER BY objectif, reservataire NULLS FIRST;
\echo '   Subtracted vacancies, forecast and actual (view bilan_soustractions):'
SELECT motif, prevu, realise FROM bilan_soustractions WHERE bailleur = 'cannes' AND annee = 2026 ORDER BY motif;
\echo '   The pace of the internal mutations month by month against the forecast (view bilan_soustractions_mois):'
SELECT mois, prevu, prevu_cumule, realise_mois, realise_cumule FROM bilan_soustractions_mois
WHERE bailleur = 'cannes' AND annee = 2026 AND motif = 'mutation_interne' AND mois IN (3, 6, 9, 12) ORDER BY mois;
\echo '   A dwelling freed on 30 December: suggerer''s rank 1 advises keeping it for a mutation (never changing'
\echo '   the ranking; in a transaction rolled back, the year stays as it is):'
BEGIN;
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, '2026-12-30' FROM logement l
WHERE l.bailleur = 'cannes' AND l.regime = 'flux' AND NOT EXISTS (SELECT FROM vacance v WHERE v.logement_id = l.id)
ORDER BY l.id LIMIT 1;
SELECT rang, coalesce(reservataire, 'pool') AS reservataire, array_to_string(motifs, E'\n') AS motifs
FROM suggerer((SELECT max(id) FROM vacance)) WHERE rang = 1;
ROLLBACK;
\echo '   Programmes identified with one réservataire (DOMAIN §3.9: its share of the programme''s orientations at least'
\echo '   50 % and twice its share of the flux, on 10 vacancies or more), over 2026: the largest shares'
SELECT programme, reservataire, vacances, orientations_reservataire AS "to it", part_programme AS "% there", part_flux AS "% of the flux", identifie
FROM identification_programmes('cannes', 2026) WHERE annee_debut = 2026 AND vacances >= 10
ORDER BY part_programme DESC, programme, reservataire LIMIT 6;
SELECT count(DISTINCT programme) FILTER (WHERE vacances >= 10) AS "programmes with 10 vacancies or more",
	   count(DISTINCT programme) FILTER (WHERE identifie) AS "of which identified"
FROM identification_programmes('cannes', 2026) WHERE annee_debut = 2026;
\echo '   Social mix (DOMAIN §3.9): the index of dissimilarity over the programmes (Duncan & Duncan 1955,'
\echo '   ½ Σ |a_i/A − b_i/B|: 0 = spread like the rest, 1 = never in the same residence), for the households'
\echo '   housed and for each beneficiary''s orientations against the others (view mixite_dissimilarite):'
SELECT population, coalesce(reservataire, CASE WHEN population = 'orientations' THEN 'pool' END) AS reservataire,
	   unites AS programmes, effectif, total, indice
FROM mixite_dissimilarite WHERE bailleur = 'cannes' AND annee = 2026 AND annee_debut = 2026 AND echelle = 'programme'
ORDER BY population DESC, reservataire NULLS LAST;
\echo '   … the programmes where priority or DALO households were housed most (concentration_menages, 5 leases or more):'
SELECT unite AS programme, baux, prioritaires, part_prioritaires AS "%", moyenne_prioritaires AS "landlord's %"
FROM concentration_menages('cannes', 2026) WHERE annee_debut = 2026 AND echelle = 'programme' AND baux >= 5
ORDER BY part_prioritaires DESC, unite LIMIT 5;
\echo '   The engine''s social-mix preference in its reasons (a dwelling of the largest programme freed on 30 December,'
\echo '   in a transaction rolled back):'
BEGIN;
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, '2026-12-30' FROM logement l
WHERE l.bailleur = 'cannes' AND l.regime = 'flux' AND l.commune <> '06029'
  AND NOT EXISTS (SELECT FROM vacance v WHERE v.logement_id = l.id AND v.date_liberation = '2026-12-30')
ORDER BY (SELECT count(*) FROM logement x WHERE x.programme = l.programme) DESC, l.id LIMIT 1;
SELECT rang, coalesce(reservataire, 'pool') AS reservataire, m AS "social mix"
FROM suggerer((SELECT max(id) FROM vacance)) AS s, unnest(s.motifs) AS m WHERE m LIKE 'social mix%' ORDER BY rang;
ROLLBACK;
\echo '   The same year oriented again without the preference (mixite_poids 0, same draws), in a transaction rolled back:'
CREATE TEMP TABLE mixite_avec AS
SELECT population, reservataire, indice FROM indices_dissimilarite('cannes', 2026) WHERE annee_debut = 2026 AND echelle = 'programme';
CREATE TEMP TABLE identifies_avec AS
SELECT count(DISTINCT programme) FILTER (WHERE identifie) AS n FROM identification_programmes('cannes', 2026) WHERE annee_debut = 2026;
BEGIN;
INSERT INTO parametre_orientation VALUES ('mixite_poids', 0);
DELETE FROM attribution a USING orientation o, vacance v, logement l
WHERE o.id = a.orientation_id AND v.id = o.vacance_id AND l.id = v.logement_id AND l.bailleur = 'cannes' AND v.date_liberation >= '2026-01-01';
DELETE FROM orientation o USING vacance v, logement l
WHERE v.id = o.vacance_id AND l.id = v.logement_id AND l.bailleur = 'cannes' AND v.date_liberation >= '2026-01-01';
\i demo/annee.sql
SELECT (SELECT n FROM identifies_avec) AS "programmes identified, preference on",
	   count(DISTINCT programme) FILTER (WHERE identifie) AS "off"
FROM identification_programmes('cannes', 2026) WHERE annee_debut = 2026;
SELECT x.population, coalesce(x.reservataire, CASE WHEN x.population = 'orientations' THEN 'pool' END) AS reservataire,
	   a.indice AS "index, preference on", x.indice AS "off"
FROM indices_dissimilarite('cannes', 2026) AS x
LEFT JOIN mixite_avec a ON a.population = x.population AND a.reservataire IS NOT DISTINCT FROM x.reservataire
WHERE x.annee_debut = 2026 AND x.echelle = 'programme'
ORDER BY x.population DESC, x.reservataire NULLS LAST;
ROLLBACK;
\echo '   The bilan of the attributions outside the assiette, next to the subtractions (view bilan_hors_assiette),'
\echo '   and per contingent the households were eligible to (bilan_hors_assiette_contingents):'
SELECT motif, prevu, soustraites, baux, prioritaires, dalo, eligibles_action_logement, mutations
FROM bilan_hors_assiette WHERE bailleur = 'cannes' AND annee = 2026 ORDER BY motif;
SELECT contingent, sum(baux) AS baux FROM bilan_hors_assiette_contingents WHERE bailleur = 'cannes' AND annee = 2026
GROUP BY contingent ORDER BY contingent;
\echo '   The yearly report by typology (view bilan_annuel, first rows):'
SELECT coalesce(reservataire, 'pool') AS reservataire, typologie, sum(logements_proposes) AS proposes, sum(logements_attribues) AS attribues
FROM bilan_annuel WHERE bailleur = 'cannes' AND annee = 2026 GROUP BY 1, 2 ORDER BY 1, 2 LIMIT 12;
\echo '   Delegated management: the employer''s orientations of the year, no deadline, no carence:'
SELECT o.issue, count(*) AS orientations, count(o.date_limite) AS "with a deadline"
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
WHERE l.bailleur = 'cannes' AND o.reservataire = 'employeur' GROUP BY o.issue ORDER BY o.issue;
\echo '   The diagnostic partagé: the rotation observed in 2026 from the year''s vacancies, next to the'
\echo '   reference of the département and the rate assumed for the forecast (rotation_observee):'
SELECT coalesce(o.reservataire, '') AS territoire, coalesce(o.typologie, 'all') AS typologie, o.logements, o.departs,
	   o.taux AS observe, taux_rotation_reference('06') AS reference,
	   (SELECT taux FROM rotation WHERE bailleur = 'cannes' AND departement = '06' AND annee = 2026) AS "assumed for 2026"
FROM rotation_observee('cannes', '06', 2026) AS o WHERE NOT o.moyenne
ORDER BY o.reservataire NULLS FIRST, o.typologie NULLS FIRST;
\echo '   … retained for the forecast of 2027 (retenir_rotation, replacing the rate set in section 4):'
SELECT retenir_rotation('cannes', '06', 2026, remplacer => true) AS "rate of 2027",
	   (SELECT flux_net FROM flux_previsionnel('cannes', '06', 2027)) AS "flux_net 2027";
\echo '   Converted single-use rights used and left: the engine stopped offering dwellings to the employer'
\echo '   when less than one right was left, or after 30 June (their term); nothing overrun:'
SELECT reservataire, droits_uniques, decomptes, droits_utilises, droits_restants, fin FROM consommation_conversion('cannes', '06');
SELECT count(*) AS "orientations to the employer after 30 June",
	   (SELECT count(*) FROM controler_conventions('cannes', '06', 2026)) AS "rules broken (droits_depasses, droits_echus…)"
FROM orientation o JOIN vacance v ON v.id = o.vacance_id JOIN logement l ON l.id = v.logement_id
WHERE l.bailleur = 'cannes' AND o.reservataire = 'employeur' AND o.date_orientation > '2026-06-30';
\echo '   The counters against a recount from the events, and the events against the rules (view infraction):'
SELECT (SELECT count(*) FROM verifier_compteurs()) AS "counters differing from a recount",
	   (SELECT count(*) FROM infraction) AS "events breaking a rule";

\echo
\echo '== 9. The yearly report (CCH R441-5-1), sent before 28 February 2027, and an export'
\set rapport_fichier `mkdir -p /tmp/flux_mgmt_demo && echo /tmp/flux_mgmt_demo/rapport_cannes_2026.html`
\pset format unaligned
\pset tuples_only on
\o :rapport_fichier
SELECT rapport_annuel('cannes', 2026);
\o
\pset format aligned
\pset tuples_only off
\echo '   written to' :rapport_fichier
\echo '   … and printed to PDF as a landlord sends it (headless Chromium, the report''s print style sheet: A4,'
\echo '   a section per page, a page per réservataire, table headers repeated):'
\set pdf_fichier `echo /tmp/flux_mgmt_demo/rapport_cannes_2026.pdf`
\! bash scripts/imprimer_pdf.sh /tmp/flux_mgmt_demo/rapport_cannes_2026.html /tmp/flux_mgmt_demo/rapport_cannes_2026.pdf && echo "   written to /tmp/flux_mgmt_demo/rapport_cannes_2026.pdf, $(grep -ac '/Type /Page\b' /tmp/flux_mgmt_demo/rapport_cannes_2026.pdf 2>/dev/null || echo '?') pages, $(stat -c %s /tmp/flux_mgmt_demo/rapport_cannes_2026.pdf) bytes"
SELECT left(jsonb_pretty(export_reservataire('cannes', 'al', 2026)), 1200) AS "export for Action Logement (the first lines)";

\echo
\echo '== 10. Île-de-France: a generated region at 2 % of its size (territorial réservataires, EPT, EPCI)'
\! psql -X -q -v echelle=0.02 -v graine=0.42 -f bench/generer_idf.sql > /dev/null
SELECT count(DISTINCT bailleur) AS bailleurs, count(*) AS logements FROM logement WHERE bailleur <> 'cannes';
SELECT c.bailleur AS idf FROM convention c JOIN reservataire r ON r.code = c.reservataire
WHERE c.bailleur <> 'cannes' AND est_territorial(r.type) AND c.annee_debut <= 2026
GROUP BY c.bailleur ORDER BY count(*) DESC, c.bailleur LIMIT 1 \gset
\echo '   A year of' :idf', a landlord with territorial conventions:'
\set bailleur :idf
\set graine 0.3
\i demo/annee.sql
SELECT departement AS dep FROM atteinte WHERE bailleur = :'idf' AND annee = 2026
GROUP BY departement ORDER BY max(flux_realise) DESC, departement LIMIT 1 \gset
\echo '   Its attainment in' :dep', territorial réservataires counted in their own communes:'
SELECT coalesce(reservataire, 'pool') AS reservataire, taux, flux_realise, droit, decomptes, ecart
FROM atteinte WHERE bailleur = :'idf' AND annee = 2026 AND departement = :'dep' ORDER BY reservataire NULLS LAST;
\echo '   What the engine reads at each decision there: its own counters (compteur_moteur), one row per'
\echo '   beneficiary of the département (kept by the same triggers), not every per-commune counter row:'
SELECT coalesce(m.reservataire, 'pool') AS reservataire, sum(m.imputees) AS imputees, sum(m.proposes) AS orientations,
	   sum(m.proposes_hors_qpv) AS hors_qpv,
	   (SELECT count(*) FROM compteur k WHERE k.bailleur = :'idf' AND k.annee = 2026 AND k.dans_flux
		  AND departement(k.commune) = :'dep' AND k.reservataire IS NOT DISTINCT FROM m.reservataire) AS "per-commune rows"
FROM compteur_moteur m WHERE m.bailleur = :'idf' AND m.annee = 2026 AND m.departement = :'dep'
GROUP BY m.reservataire ORDER BY m.reservataire NULLS LAST;
SELECT count(*) AS "counters differing from a recount" FROM verifier_compteurs();

\echo
\echo '== 11. Bad input gets a clear error and changes nothing'
\set ON_ERROR_STOP 0
\set SHOW_CONTEXT never
SELECT '6029'::code_insee;
UPDATE convention SET taux = 6 WHERE reservataire = 'agents06';
SELECT orienter((SELECT id FROM vacance ORDER BY id LIMIT 1), 'al');
INSERT INTO vacance (logement_id, date_liberation)
SELECT id, '2027-01-05' FROM logement WHERE regime = 'stock_defense' ORDER BY id LIMIT 1;
SELECT orienter((SELECT max(id) FROM vacance), 'al', NULL, '2027-01-06');
INSERT INTO vacance (logement_id, date_liberation) SELECT min(id), '0001-01-01' FROM logement;

\echo
\echo '== 12. One ledger, several parties: each reads and writes its own rows, with the true figures'
\echo '   Profiles granted by the owner: a clerk of Cannes, Action Logement (with every landlord), the CIL of'
\echo '   the Île-de-France landlord''s first EPT, an observatory; each role''s rights follow its profiles:'
CREATE ROLE demo_agent;
CREATE ROLE demo_al;
CREATE ROLE demo_cil;
CREATE ROLE demo_observatoire;
SELECT min(coalesce(m.ept, m.epci)) AS ept_idf FROM logement l JOIN commune m ON m.code = l.commune WHERE l.bailleur = :'idf' \gset
SELECT min(id) AS logement_idf FROM logement WHERE bailleur = :'idf' \gset
SELECT accorder_profil('demo_agent', 'saisie', 'cannes'), accorder_profil('demo_al', 'reservataire', reservataire => 'al'),
	   accorder_profil('demo_cil', 'territoire', territoire => :'ept_idf'), accorder_profil('demo_observatoire', 'observatoire') \g /dev/null
SELECT role, profil, coalesce(bailleur, 'every landlord') AS bailleur, coalesce(reservataire, territoire) AS de FROM acces ORDER BY role::text;
GRANT UPDATE ON compteur TO demo_agent;   -- a mistake, on purpose
SET ROLE demo_agent;
\echo '   The clerk of Cannes reads its landlord''s dwellings, none of the other landlords'':'
SELECT bailleur, count(*) AS logements FROM logement GROUP BY bailleur;
\echo '   records no event of another landlord, renames none, and cannot touch a counter even granted UPDATE:'
INSERT INTO vacance (logement_id, date_liberation) VALUES (:logement_idf, '2026-12-31');
UPDATE bailleur SET nom = 'pris' WHERE code = :'idf';
UPDATE compteur SET decomptes = decomptes + 5 WHERE reservataire = 'al';
SET ROLE demo_al;
\echo '   Action Logement reads its own orientations and leases, with every landlord:'
SELECT (SELECT count(*) FROM orientation) AS "its orientations", (SELECT count(*) FROM orientation WHERE reservataire <> 'al') AS "others'",
	   (SELECT count(*) FROM attribution) AS "its leases";
\echo '   its lines of atteinte in Cannes with the true totals (the same figures as section 8), and the pool''s:'
SELECT coalesce(reservataire, 'pool') AS reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
FROM atteinte WHERE bailleur = 'cannes' AND annee = 2026 ORDER BY reservataire NULLS LAST;
\echo '   its export; not another réservataire''s, nor a computation on the landlord''s rows:'
SELECT jsonb_array_length(export_reservataire('cannes', 'al', 2026)->'atteinte') AS "its export's départements";
SELECT export_reservataire('cannes', 'prefet06', 2026);
SELECT * FROM parts_annuelles('cannes', '06', 2026);
SET ROLE demo_cil;
\echo '   The CIL reads the dwellings and orientations of its territory, no lease (households'' flags), and its O1/O2:'
SELECT (SELECT count(*) FROM logement) AS logements, (SELECT count(*) FROM orientation) AS orientations,
	   (SELECT count(*) FROM attribution) AS baux;
SELECT bailleur, annee, objectif, epci, numerateur, denominateur, taux FROM objectifs_attribution
WHERE epci IS NOT NULL AND annee = 2026 ORDER BY bailleur, objectif LIMIT 4;
SET ROLE demo_observatoire;
\echo '   The observatory reads every line of the figures, and no row:'
SELECT count(DISTINCT bailleur) AS bailleurs, count(*) AS "lines of atteinte" FROM atteinte WHERE annee = 2026;
SELECT count(*) FROM logement;
\echo '   A reader cannot take a landlord''s lock (it would stall the landlord''s events):'
SELECT verrouiller_bailleurs(ARRAY['cannes']);
RESET ROLE;
\set ON_ERROR_STOP 1
\set SHOW_CONTEXT errors
\echo '   The owner forges one counter; verifier_compteurs() names it, recalculer_compteurs() repairs it:'
BEGIN;
UPDATE compteur SET decomptes = decomptes + 5
WHERE (bailleur, annee, commune, reservataire, tranche) = (SELECT bailleur, annee, commune, reservataire, tranche FROM compteur
														   WHERE reservataire = 'al' AND decomptes > 0 ORDER BY 1, 2, 3, 5 LIMIT 1);
SELECT * FROM verifier_compteurs();
SELECT recalculer_compteurs() AS "counter rows rebuilt";
SELECT count(*) AS "differences after the rebuild" FROM verifier_compteurs();
ROLLBACK;
SELECT sum(retirer_profil(r)) AS "profiles withdrawn" FROM unnest('{demo_agent,demo_al,demo_cil,demo_observatoire}'::regrole[]) AS r;
DROP OWNED BY demo_agent, demo_al, demo_cil, demo_observatoire;
DROP ROLE demo_agent, demo_al, demo_cil, demo_observatoire;

\echo
\echo '   Consolidation by logical replication (test/replication.sh runs it on three clusters): this database'
\echo '   gets its site number, every identifier carries it, keys and figures kept; then it could publish:'
SELECT min(id) AS "first vacancy before", (SELECT count(*) FROM verifier_compteurs()) AS differences FROM vacance;
SELECT definir_site(6, 'Parc social de Cannes') AS "rows renumbered";
SELECT min(id) AS "first vacancy after", min(id) / 1000000000000 AS site, (SELECT count(*) FROM verifier_compteurs()) AS differences
FROM vacance;
SELECT coalesce(reservataire, 'pool') AS reservataire, flux_realise, droit, decomptes FROM atteinte
WHERE bailleur = 'cannes' AND annee = 2026 ORDER BY reservataire NULLS LAST;
SELECT array_to_string(tables_publiees(), ', ') AS "what publier() publishes";
\set ON_ERROR_STOP 0
SELECT publier();
\set ON_ERROR_STOP 1

\echo
\echo '== 13. Upgrading a 0.1 database: ALTER EXTENSION flux_mgmt UPDATE'
CREATE DATABASE flux_demo_01;
\c flux_demo_01
CREATE EXTENSION flux_mgmt VERSION '0.1';
SELECT extversion AS "installed" FROM pg_extension WHERE extname = 'flux_mgmt';
ALTER EXTENSION flux_mgmt UPDATE;
SELECT extversion AS "after ALTER EXTENSION flux_mgmt UPDATE" FROM pg_extension WHERE extname = 'flux_mgmt';
\echo '   (test/upgrade.sh does this on a populated database and compares the whole catalogue)'
\c postgres
DROP DATABASE flux_demo_01;
\echo
\echo '== Done: the report is in' :rapport_fichier
