-- The figures the extension computes from the data of test/dump_restore/remplir.sql, for
-- test/upgrade.sh: taken before the update (at 0.1) and after it (at 0.2), they must be equal.
-- The columns are named as 0.1 has them, so that a column a later version adds to a view does not
-- count as a change; every query is sorted on all its columns.  rapport_annuel prints the day's
-- date: both runs are seconds apart (a run across midnight would differ).
SET search_path = flux_mgmt, pg_catalog;
SET DateStyle = ISO, YMD;
SET extra_float_digits = 0;

-- the landlord × département × year and the landlord × réservataire × year that have data
CREATE TEMP TABLE portee (bailleur text, departement text, annee integer);
INSERT INTO portee VALUES ('b93', '93', 2026), ('cannes', '06', 2026);	-- the years with a rotation rate
CREATE TEMP TABLE beneficiaire (bailleur text, reservataire text, annee integer);
INSERT INTO beneficiaire VALUES ('b93', 'al', 2026), ('b93', 'est_ensemble', 2026), ('b93', 'prefet', 2026),
	('cannes', 'al', 2026), ('cannes', 'employeur', 2026);

SELECT 'atteinte', bailleur, departement, annee, reservataire, taux, flux_realise, droit, decomptes, ecart, en_cours, carences
FROM atteinte ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
SELECT 'objectifs_attribution', bailleur, annee, objectif, reservataire, epci, numerateur, denominateur, cible, taux, manque, epci_nom
FROM objectifs_attribution ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12;
SELECT 'bilan_annuel', bailleur, annee, reservataire, typologie, financement, qpv, commune::text, periode_construction,
	   logements_proposes, logements_attribues
FROM bilan_annuel ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10, 11;
SELECT 'bilan_soustractions', bailleur, departement, annee, motif, prevu, realise
FROM bilan_soustractions ORDER BY 2, 3, 4, 5, 6, 7;
SELECT 'infraction', evenement, id, regle FROM infraction ORDER BY 2, 3, 4;
SELECT 'consommation_conversion', b.bailleur, b.departement, c.date_conversion, c.reservataire, c.droits_uniques, c.decomptes,
	   c.droits_utilises, c.droits_restants, c.fin
FROM (SELECT DISTINCT bailleur, departement FROM portee) AS b
CROSS JOIN LATERAL consommation_conversion(b.bailleur, b.departement) AS c
ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10;
SELECT 'parts_annuelles', p.bailleur, p.departement, p.annee, a.reservataire, a.taux, a.droit, a.droit_entier
FROM portee p CROSS JOIN LATERAL parts_annuelles(p.bailleur, p.departement, p.annee) AS a
ORDER BY 2, 3, 4, 5, 6, 7, 8;
SELECT 'flux_previsionnel', p.bailleur, p.departement, p.annee, f.assiette, f.taux_rotation, f.relocations, f.mises_en_service,
	   f.soustractions, f.flux_net
FROM portee p CROSS JOIN LATERAL flux_previsionnel(p.bailleur, p.departement, p.annee) AS f
ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10;
SELECT 'assiette', p.bailleur, p.departement, p.annee, a.patrimoine, a.hors_flux, a.assiette
FROM portee p CROSS JOIN LATERAL assiette(p.bailleur, p.departement, make_date(p.annee, 1, 1)) AS a
ORDER BY 2, 3, 4, 5, 6, 7;
SELECT 'controler_conventions', p.bailleur, p.departement, p.annee, c.regle, c.detail
FROM portee p CROSS JOIN LATERAL controler_conventions(p.bailleur, p.departement, p.annee) AS c
ORDER BY 2, 3, 4, 5, 6;
-- the report's figures: without its style sheet and classes (0.2 added the print style sheet) and the
-- sections 0.2 added at its end (6, the leases outside the assiette; 7, social mix)
SELECT 'rapport_annuel', b.bailleur, b.annee,
	   md5(regexp_replace(regexp_replace(regexp_replace(rapport_annuel(b.bailleur, b.annee), '<style>.*</style>', ''),
										 ' class="reservataire"', '', 'g'),
						  '(<h2>6\. Attributions hors assiette.*)?</body></html>$', ''))
FROM (SELECT DISTINCT bailleur, annee FROM beneficiaire) AS b
ORDER BY 2, 3;
-- the export without the keys 0.2 added (atteinte[].gestion, mixite): its figures stay, new fields may come
SELECT 'export_reservataire', bailleur, reservataire, annee,
	   md5(jsonb_set(e - 'mixite', '{atteinte}', (SELECT coalesce(jsonb_agg(x - 'gestion' ORDER BY n), '[]')
									   FROM jsonb_array_elements(e -> 'atteinte') WITH ORDINALITY AS a(x, n)))::text)
FROM beneficiaire CROSS JOIN LATERAL export_reservataire(bailleur, reservataire, annee) AS e ORDER BY 2, 3, 4;
