-- The reading side of the planted-objects test (test/objets_plantes.sh), run
-- by the administrator (or the superuser): every view, the reports, the
-- checks of the counters, a rebuild, a TRUNCATE of an event table.  Same
-- rules as referentiel.sql.
\set ON_ERROR_STOP 1
\pset footer off

-- corrections of reference data recount the events they touch
UPDATE flux_mgmt.logement SET nb_pieces = 4 WHERE bailleur = 'b93' AND ref = 'M1';
UPDATE flux_mgmt.convention SET delai = '6 weeks' WHERE bailleur = 'b93' AND reservataire = 'montreuil';
DELETE FROM flux_mgmt.territoire WHERE reservataire = 'est_ensemble' AND commune OPERATOR(flux_mgmt.=) '93045';
INSERT INTO flux_mgmt.territoire (reservataire, commune) VALUES ('est_ensemble', '93045');
UPDATE flux_mgmt.reservataire SET nom = 'Action Logement Services' WHERE code = 'al';

-- the views
SELECT * FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND annee = '2026' ORDER BY departement, reservataire NULLS LAST;
SELECT count(*) AS lignes_atteinte FROM flux_mgmt.atteinte;
SELECT objectif, reservataire, epci, numerateur, denominateur, cible, taux, manque
FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'cannes' AND annee = '2026' ORDER BY objectif, reservataire NULLS FIRST, epci NULLS FIRST;
SELECT count(*) AS lignes_objectifs FROM flux_mgmt.objectifs_attribution;
SELECT count(*) AS lignes_bilan, sum(logements_proposes) AS proposes, sum(logements_attribues) AS attribues
FROM flux_mgmt.bilan_annuel WHERE bailleur = 'cannes' AND annee = '2026';
SELECT count(*) AS lignes_bilan_b93 FROM flux_mgmt.bilan_annuel;
SELECT * FROM flux_mgmt.bilan_soustractions ORDER BY bailleur, departement, annee, motif;
SELECT count(*) AS infractions FROM flux_mgmt.infraction;
SELECT (SELECT count(*) FROM flux_mgmt.vacance_infraction) AS vacances, (SELECT count(*) FROM flux_mgmt.orientation_infraction) AS orientations,
	   (SELECT count(*) FROM flux_mgmt.attribution_infraction) AS attributions;
SELECT count(*) AS orientations, count(*) FILTER (WHERE decompte) AS decomptes FROM flux_mgmt.orientation_decompte;
SELECT count(*) AS contributions FROM flux_mgmt.contribution_calculee;
SELECT * FROM flux_mgmt.atteinte_annuelle('cannes', '06', 2026) ORDER BY reservataire NULLS LAST;
SELECT * FROM flux_mgmt.atteinte_annuelle('b93', '93', 2024) ORDER BY reservataire NULLS LAST;
SELECT * FROM flux_mgmt.perimetres_atteinte('b93') ORDER BY 1, 2;

-- the hors-assiette bilan, the pace of the subtractions and the advice, the
-- observed rotation, the converted rights' controls, the état des lieux sent
SELECT count(*) AS lignes, sum(baux) AS baux, sum(prioritaires) AS prioritaires FROM flux_mgmt.bilan_hors_assiette;
SELECT count(*) AS lignes, sum(baux) AS baux FROM flux_mgmt.bilan_hors_assiette_contingents;
SELECT count(*) AS baux_hors_assiette FROM flux_mgmt.bail_hors_assiette;
SELECT count(*) AS mois, sum(realise_mois) AS soustraites, max(prevu_cumule) AS prevu FROM flux_mgmt.bilan_soustractions_mois;
SELECT count(*) FILTER (WHERE pg_catalog.cardinality(flux_mgmt.avis_soustractions(v.id)) > 0) AS avis FROM flux_mgmt.vacance v;
SELECT * FROM flux_mgmt.rotation_observee('cannes', '06', 2026) ORDER BY reservataire NULLS FIRST, typologie NULLS FIRST, moyenne, annee_debut;
SELECT * FROM flux_mgmt.controler_conventions('cannes', '06', 2026);
SELECT count(*) AS lignes, count(*) FILTER (WHERE identifie) AS identifies FROM flux_mgmt.identification_programmes('cannes', 2026);
SELECT count(*) AS lignes, sum(baux) AS baux, sum(prioritaires) AS prioritaires FROM flux_mgmt.concentration_menages('cannes', 2026);
SELECT population, echelle, annee_debut, count(*) AS lignes, sum(effectif) AS effectif, round(avg(indice), 4) AS indice
FROM flux_mgmt.indices_dissimilarite('cannes', 2026) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
SELECT flux_mgmt.dissimilarite('{3,1}', '{4,6}') AS dissimilarite;
SELECT (SELECT count(*) FROM flux_mgmt.mixite_identification) AS identification, (SELECT count(*) FROM flux_mgmt.mixite_dissimilarite) AS dissimilarite;
SELECT count(*) AS logements, sum(nombre) AS droits FROM flux_mgmt.etat_des_lieux_detaille('cannes', NULL, '2026-01-01');
SELECT count(*) AS lignes, sum(logements) AS logements FROM flux_mgmt.etat_des_lieux_communes('cannes', '2026-01-01');
SELECT (SELECT count(*) FROM flux_mgmt.etat_des_lieux_logement) AS detaille, (SELECT count(*) FROM flux_mgmt.etat_des_lieux_commune) AS communes;
SELECT length(flux_mgmt.etat_des_lieux_csv('cannes', 'al', '2026-01-01')) > 100 AS csv_al,
	   length(flux_mgmt.etat_des_lieux_csv('cannes', NULL, '2026-01-01')) > 100 AS csv_communes,
	   length(flux_mgmt.etat_des_lieux_html('cannes', 'al', '2026-01-01')) > 1000 AS html_al,
	   length(flux_mgmt.etat_des_lieux_html('cannes', NULL, '2026-01-01')) > 1000 AS html_communes,
	   flux_mgmt.csv_champ(' =1;"2"') AS champ, length(flux_mgmt.style_html()) > 100 AS style;

-- the reports
SELECT length(flux_mgmt.rapport_annuel('cannes', 2026)) > 1000 AS rapport_cannes,
	   length(flux_mgmt.rapport_annuel('b93', 2026)) > 1000 AS rapport_b93;
SELECT jsonb_typeof(flux_mgmt.export_reservataire('cannes', 'al', 2026)) AS export_al,
	   jsonb_typeof(flux_mgmt.export_reservataire('b93', 'montreuil', 2026)) AS export_montreuil;
SELECT flux_mgmt.echapper_html('<a & "b">'), flux_mgmt.nombre_fr(1234567.5),
	   length(flux_mgmt.html_tableau('{a,b}', '[["x", 1], ["y", 2]]', 'légende')) > 0 AS tableau,
	   length(flux_mgmt.svg_droits_decomptes('[{"reservataire": "al", "droit": 3.5, "decomptes": 2}]', 'titre')) > 0 AS svg;
SELECT * FROM flux_mgmt.consommation_conversion('cannes', '06') ORDER BY reservataire;
SELECT * FROM flux_mgmt.parts_annuelles('cannes', '06', 2027);
SELECT * FROM flux_mgmt.flux_previsionnel('b93', '93', 2027);
SELECT * FROM flux_mgmt.controler_conventions('b93', '93', 2027);
SELECT flux_mgmt.calendrier(0.265, 10), flux_mgmt.repartir('{25.394,177.758,20.3152,30.4728,126.97,126.97}', 508);
SELECT * FROM flux_mgmt.simuler_orientations('{250000,350000,400000}', 20) ORDER BY pas DESC LIMIT 1;
SELECT count(*) FROM flux_mgmt.simuler_orientations('{100000,200000,300000,400000}', 50, 7);
SELECT (flux_mgmt.choisir_orientation('{10,10}', '{3,2}', '{500000,500000}', '{0,0}')).*;

-- the counters: a recount, a rebuild, a TRUNCATE of an event table
SELECT count(*) AS compteurs_faux FROM flux_mgmt.verifier_compteurs();
SELECT flux_mgmt.recalculer_compteurs() > 0 AS recalcules;
SELECT count(*) AS compteurs_faux FROM flux_mgmt.verifier_compteurs();
TRUNCATE flux_mgmt.attribution;
SELECT count(*) AS compteurs_faux FROM flux_mgmt.verifier_compteurs();
SELECT count(*) AS lignes_atteinte FROM flux_mgmt.atteinte;
