-- flux_mgmt install script, part 65_compteurs: counters.
--
-- The counting rules, the ledger and the counters kept by the C triggers, their checks and
-- rebuild.
-- (sql/src/*.sql are concatenated in name order into the install script.)

--------------------------------------------------------------------------------
-- Counters
--
-- The rules of counting live in one view, contribution_calculee: what each
-- vacancy (its orientations, its charge, its lease) adds to the counters.
-- Triggers keep a ledger of what every vacancy contributed (contribution) and
-- the counters (compteur, compteur_bilan, compteur_moteur) equal to its sums: when events of a
-- vacancy change, its old contributions are subtracted and its new ones added
-- (src/compteurs.c).  verifier_compteurs() recounts from the events through
-- the same view; recalculer_compteurs() rebuilds.
--
-- Years: an orientation and its outcome count in the year of date_orientation,
-- a charge (décompte) in the year of its date, a lease in the year of date_bail,
-- the engine's count of a vacancy (imputees) in the year of date_liberation.
--------------------------------------------------------------------------------

CREATE VIEW flux_mgmt.orientation_decompte WITH (security_invoker = true) AS
SELECT x.id, x.vacance_id, x.reservataire, x.soustraction, x.date_orientation, x.issue, x.date_issue,
	   x.bailleur, x.commune, x.typologie, x.financement, x.qpv, x.periode, x.dans_flux, x.mode_decompte,
	   x.date_bail, x.premier_quartile, x.relogement_renouvellement, x.prioritaire, x.date_decompte,
	   x.id OPERATOR(pg_catalog.=) min(x.id) FILTER (WHERE x.date_decompte IS NOT NULL)
		OVER (PARTITION BY x.vacance_id) AS decompte,
	   -- the engine's count: the charge, or while nothing is charged the open orientation
	   x.dans_flux AND coalesce(x.id OPERATOR(pg_catalog.=) min(x.id) FILTER (WHERE x.date_decompte IS NOT NULL)
									OVER (PARTITION BY x.vacance_id),
								x.issue OPERATOR(pg_catalog.=) ANY ('{en_cours,attribuee}')) AS imputee,
	   x.date_liberation
FROM (
	SELECT o.id, o.vacance_id, o.reservataire, o.soustraction, o.date_orientation, o.issue, o.date_issue,
		   l.bailleur, l.commune, flux_mgmt.typologie(l.nb_pieces) AS typologie, l.financement, l.qpv,
		   flux_mgmt.periode_construction(l.annee_construction) AS periode, f.dans_flux,
		   CASE WHEN f.dans_flux THEN coalesce(c.mode_decompte, 'bail') END AS mode_decompte,
		   a.date_bail, a.premier_quartile, a.relogement_renouvellement, a.dalo OR a.prioritaire AS prioritaire,
		   CASE WHEN f.dans_flux THEN
			   CASE coalesce(c.mode_decompte, 'bail')  -- the pool behaves as bail
			   WHEN 'orientation' THEN CASE WHEN o.issue OPERATOR(pg_catalog.<>) 'retiree' THEN o.date_orientation END
			   WHEN 'bail' THEN CASE WHEN o.issue OPERATOR(pg_catalog.=) 'attribuee' THEN a.date_bail END
			   ELSE CASE o.issue WHEN 'attribuee' THEN a.date_bail WHEN 'carence' THEN o.date_issue END
			   END
		   END AS date_decompte,
		   v.date_liberation
	FROM flux_mgmt.orientation o
	JOIN flux_mgmt.vacance v ON v.id OPERATOR(pg_catalog.=) o.vacance_id
	JOIN flux_mgmt.logement l ON l.id OPERATOR(pg_catalog.=) v.logement_id
	CROSS JOIN LATERAL (SELECT l.regime OPERATOR(pg_catalog.=) 'flux' AND o.soustraction IS NULL AS dans_flux) AS f
	LEFT JOIN flux_mgmt.attribution a ON a.orientation_id OPERATOR(pg_catalog.=) o.id
	LEFT JOIN LATERAL flux_mgmt.convention_de(l.bailleur, o.reservataire, l.commune, o.date_orientation) AS c ON f.dans_flux
) AS x;
COMMENT ON VIEW flux_mgmt.orientation_decompte IS
	'every orientation with what counting needs: its dwelling''s classification, whether it is in the flux, the décompte mode of its convention (the pool behaves as bail), the date it became chargeable, and whether it is its vacancy''s charge (the first chargeable in-flux orientation by id: a vacancy is charged once)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.dans_flux IS 'dwelling of regime flux and no subtraction';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.id IS 'the orientation';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.vacance_id IS 'its vacancy';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.reservataire IS 'beneficiary: réservataire, null for the pool or a subtraction';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.soustraction IS 'motif of a subtraction, else null';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_orientation IS 'date of the orientation';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.issue IS 'its issue';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_issue IS 'date of its issue';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_bail IS 'date of the lease of its attribution, if any';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.premier_quartile IS 'the attributed household is of the first quartile';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.relogement_renouvellement IS 'the attributed household is rehoused by urban renewal';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.prioritaire IS 'the attributed household is DALO or priority';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.mode_decompte IS 'mode of the convention it counts under; bail for the pool; null outside the flux';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_decompte IS 'when it is chargeable: orientation mode, its date unless withdrawn; bail, the lease; mixte, the lease or the carence';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.decompte IS 'it is the charge of its vacancy';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.imputee IS 'the orientation engine counts its vacancy for its beneficiary: it is the vacancy''s charge, or nothing of the vacancy is charged and it is open (en_cours or attribuee) in the flux; one orientation of a vacancy at most';
COMMENT ON COLUMN flux_mgmt.orientation_decompte.date_liberation IS 'when its vacancy''s dwelling became available: the engine counts the vacancy in that year';

CREATE VIEW flux_mgmt.contribution_calculee WITH (security_invoker = true) AS
SELECT e.vacance_id, e.bailleur, e.commune, e.typologie, e.financement, e.qpv, e.periode,
	   k.annee, e.reservataire, e.soustraction, e.dans_flux,
	   k.en_cours, k.attribuees, k.carences, k.echecs, k.retirees, k.decomptes,
	   k.baux, k.hors_qpv, k.q1_hors_qpv, k.q234_en_qpv, k.prioritaires, k.imputees
FROM flux_mgmt.orientation_decompte AS e
CROSS JOIN LATERAL (VALUES
	(pg_catalog.date_part('year', e.date_orientation)::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'en_cours')::integer, (e.issue OPERATOR(pg_catalog.=) 'attribuee')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'carence')::integer, (e.issue OPERATOR(pg_catalog.=) 'echec')::integer,
	 (e.issue OPERATOR(pg_catalog.=) 'retiree')::integer, 0, 0, 0, 0, 0, 0,
	 (e.imputee AND pg_catalog.date_part('year', e.date_liberation) OPERATOR(pg_catalog.=) pg_catalog.date_part('year', e.date_orientation))::integer),
	-- the engine's count, in the year of the vacancy: on the orientation's row when the years agree
	(CASE WHEN e.imputee AND pg_catalog.date_part('year', e.date_liberation) OPERATOR(pg_catalog.<>) pg_catalog.date_part('year', e.date_orientation)
		  THEN pg_catalog.date_part('year', e.date_liberation)::integer END,
	 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
	(CASE WHEN e.decompte THEN pg_catalog.date_part('year', e.date_decompte)::integer END,
	 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0),
	(pg_catalog.date_part('year', e.date_bail)::integer,
	 0, 0, 0, 0, 0, 0, 1, (NOT e.qpv)::integer,
	 (NOT e.qpv AND (e.premier_quartile OR e.relogement_renouvellement))::integer,
	 (e.qpv AND NOT e.premier_quartile)::integer, e.prioritaire::integer, 0)
) AS k (annee, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
WHERE k.annee IS NOT NULL;
COMMENT ON VIEW flux_mgmt.contribution_calculee IS
	'the counting rules: what each orientation of a vacancy contributes to the counters, recomputed from the events, one row per kind (the orientation and its issue in the year of the orientation; the vacancy''s charge in the year of its date; the lease and the O1-O4 numerators in the year of the lease); the counters are its sums';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.vacance_id IS 'the vacancy';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.annee IS 'year counted in (of the orientation, the charge or the lease, by kind)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.soustraction IS 'motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.dans_flux IS 'dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.en_cours IS '1 for an orientation still open';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.attribuees IS '1 for an orientation attributed';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.carences IS '1 for an orientation ended by a carence';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.echecs IS '1 for an orientation ended by an échec';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.retirees IS '1 for an orientation withdrawn';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.decomptes IS '1 for the vacancy''s charge to the flux (décompte)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.baux IS '1 for a lease signed';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.hors_qpv IS '1 for a lease outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.q1_hors_qpv IS '1 for a lease outside QPV to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.q234_en_qpv IS '1 for a lease inside QPV to a household of quartiles 2-4 (O2 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.prioritaires IS '1 for a lease to a DALO or priority household (O3, O4 numerators)';
COMMENT ON COLUMN flux_mgmt.contribution_calculee.imputees IS '1 for the orientation the engine counts its vacancy for (orientation_decompte.imputee), in the year the vacancy''s dwelling became available';

CREATE TABLE flux_mgmt.contribution (
	vacance_id bigint NOT NULL,
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	typologie text,
	financement flux_mgmt.financement,
	qpv boolean NOT NULL,
	periode text,
	annee integer NOT NULL,
	reservataire text,
	soustraction flux_mgmt.motif_soustraction,
	dans_flux boolean NOT NULL,
	en_cours integer NOT NULL,
	attribuees integer NOT NULL,
	carences integer NOT NULL,
	echecs integer NOT NULL,
	retirees integer NOT NULL,
	decomptes integer NOT NULL,
	baux integer NOT NULL,
	hors_qpv integer NOT NULL,
	q1_hors_qpv integer NOT NULL,
	q234_en_qpv integer NOT NULL,
	prioritaires integer NOT NULL,
	imputees integer NOT NULL
);
CREATE INDEX contribution_vacance ON flux_mgmt.contribution (vacance_id);
COMMENT ON TABLE flux_mgmt.contribution IS
	'derived: what each vacancy currently contributes to the counters (its rows of contribution_calculee as the triggers last wrote them)';
COMMENT ON COLUMN flux_mgmt.contribution.vacance_id IS 'as in contribution_calculee: the vacancy';
COMMENT ON COLUMN flux_mgmt.contribution.bailleur IS 'as in contribution_calculee: landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.commune IS 'as in contribution_calculee: commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.typologie IS 'as in contribution_calculee: typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.contribution.financement IS 'as in contribution_calculee: financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.contribution.qpv IS 'as in contribution_calculee: the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.contribution.periode IS 'as in contribution_calculee: construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.contribution.annee IS 'as in contribution_calculee: year counted in (of the orientation, the charge or the lease, by kind)';
COMMENT ON COLUMN flux_mgmt.contribution.reservataire IS 'as in contribution_calculee: beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.contribution.soustraction IS 'as in contribution_calculee: motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.contribution.dans_flux IS 'as in contribution_calculee: dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.contribution.en_cours IS 'as in contribution_calculee: 1 for an orientation still open';
COMMENT ON COLUMN flux_mgmt.contribution.attribuees IS 'as in contribution_calculee: 1 for an orientation attributed';
COMMENT ON COLUMN flux_mgmt.contribution.carences IS 'as in contribution_calculee: 1 for an orientation ended by a carence';
COMMENT ON COLUMN flux_mgmt.contribution.echecs IS 'as in contribution_calculee: 1 for an orientation ended by an échec';
COMMENT ON COLUMN flux_mgmt.contribution.retirees IS 'as in contribution_calculee: 1 for an orientation withdrawn';
COMMENT ON COLUMN flux_mgmt.contribution.decomptes IS 'as in contribution_calculee: 1 for the vacancy''s charge to the flux (décompte)';
COMMENT ON COLUMN flux_mgmt.contribution.baux IS 'as in contribution_calculee: 1 for a lease signed';
COMMENT ON COLUMN flux_mgmt.contribution.hors_qpv IS 'as in contribution_calculee: 1 for a lease outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.contribution.q1_hors_qpv IS 'as in contribution_calculee: 1 for a lease outside QPV to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution.q234_en_qpv IS 'as in contribution_calculee: 1 for a lease inside QPV to a household of quartiles 2-4 (O2 numerator)';
COMMENT ON COLUMN flux_mgmt.contribution.prioritaires IS 'as in contribution_calculee: 1 for a lease to a DALO or priority household (O3, O4 numerators)';
COMMENT ON COLUMN flux_mgmt.contribution.imputees IS 'as in contribution_calculee: 1 for the orientation the engine counts its vacancy for (orientation_decompte.imputee), in the year the vacancy''s dwelling became available';

CREATE TABLE flux_mgmt.compteur (
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	annee integer NOT NULL,
	reservataire text,
	soustraction flux_mgmt.motif_soustraction,
	dans_flux boolean NOT NULL,
	tranche smallint NOT NULL,
	en_cours bigint NOT NULL,
	attribuees bigint NOT NULL,
	carences bigint NOT NULL,
	echecs bigint NOT NULL,
	retirees bigint NOT NULL,
	decomptes bigint NOT NULL,
	baux bigint NOT NULL,
	hors_qpv bigint NOT NULL,
	q1_hors_qpv bigint NOT NULL,
	q234_en_qpv bigint NOT NULL,
	prioritaires bigint NOT NULL,
	imputees bigint NOT NULL,
	CONSTRAINT compteur_cle UNIQUE NULLS NOT DISTINCT
		(bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur IS
	'derived counters per landlord, commune, year, beneficiary (réservataire, null = pool), subtraction and flux membership; a key is spread over a few tranches (one per writing backend slot) so that concurrent writers do not wait on one row: sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur.annee IS 'year counted in: of the orientation (en_cours … retirees), of the vacancy (imputees), of the charge (decomptes), of the lease (baux … prioritaires)';
COMMENT ON COLUMN flux_mgmt.compteur.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur.soustraction IS 'motif when the vacancy was subtracted from the flux, else null';
COMMENT ON COLUMN flux_mgmt.compteur.dans_flux IS 'dwelling of regime flux and not subtracted';
COMMENT ON COLUMN flux_mgmt.compteur.en_cours IS 'orientations of that year still open';
COMMENT ON COLUMN flux_mgmt.compteur.attribuees IS 'orientations of that year attributed';
COMMENT ON COLUMN flux_mgmt.compteur.carences IS 'orientations of that year ended by a carence';
COMMENT ON COLUMN flux_mgmt.compteur.echecs IS 'orientations of that year ended by an échec';
COMMENT ON COLUMN flux_mgmt.compteur.retirees IS 'orientations of that year withdrawn';
COMMENT ON COLUMN flux_mgmt.compteur.decomptes IS 'vacancies charged to the flux that year (décompte)';
COMMENT ON COLUMN flux_mgmt.compteur.baux IS 'attributions whose lease was signed that year';
COMMENT ON COLUMN flux_mgmt.compteur.hors_qpv IS 'of those, dwellings outside QPV (O1 denominator)';
COMMENT ON COLUMN flux_mgmt.compteur.q1_hors_qpv IS 'outside QPV, to a first-quartile or renewal-rehoused household (O1 numerator)';
COMMENT ON COLUMN flux_mgmt.compteur.q234_en_qpv IS 'inside QPV, to a household of quartiles 2-4 (O2 numerator; denominator baux - hors_qpv)';
COMMENT ON COLUMN flux_mgmt.compteur.prioritaires IS 'to a DALO or priority household (O3, O4 numerators)';
COMMENT ON COLUMN flux_mgmt.compteur.imputees IS 'in-flux vacancies the orientation engine counts for the beneficiary, by the year the dwelling became available: charged to it, or oriented to it and open while nothing of the vacancy is charged (each vacancy once)';

CREATE TABLE flux_mgmt.compteur_bilan (
	bailleur text NOT NULL,
	commune flux_mgmt.code_insee NOT NULL,
	annee integer NOT NULL,
	reservataire text,
	typologie text,
	financement flux_mgmt.financement,
	qpv boolean NOT NULL,
	periode text,
	tranche smallint NOT NULL,
	proposes bigint NOT NULL,
	attribues bigint NOT NULL,
	CONSTRAINT compteur_bilan_cle UNIQUE NULLS NOT DISTINCT
		(bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur_bilan IS
	'derived counters of the yearly report: in-flux dwellings proposed (oriented) and attributed (lease) per landlord, year, réservataire, typology, financing, QPV, commune and construction period; sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.commune IS 'commune of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.typologie IS 'typology of the dwelling (T1 … T5+)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.financement IS 'financing of the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.qpv IS 'the dwelling is in a QPV';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.periode IS 'construction period of the dwelling (periode_construction)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.annee IS 'year of the orientation (proposes) or of the lease (attribues)';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.proposes IS 'in-flux orientations of that year';
COMMENT ON COLUMN flux_mgmt.compteur_bilan.attribues IS 'in-flux attributions whose lease was signed that year';

-- The orientation engine's grain (DOMAIN §4): what candidats() needs for every
-- beneficiary of a landlord's département at once, a few dozen rows a year
-- where compteur and compteur_bilan hold one per commune (and typology,
-- financing, QPV…).  The same differences as the other counters, rolled up
-- by département: written by the same paths, checked by the same recount.
CREATE TABLE flux_mgmt.compteur_moteur (
	bailleur text NOT NULL,
	annee integer NOT NULL,
	departement text NOT NULL,
	reservataire text,
	tranche smallint NOT NULL,
	imputees bigint NOT NULL,
	proposes bigint NOT NULL,
	proposes_hors_qpv bigint NOT NULL,
	CONSTRAINT compteur_moteur_cle UNIQUE NULLS NOT DISTINCT (bailleur, annee, departement, reservataire, tranche)
);
COMMENT ON TABLE flux_mgmt.compteur_moteur IS
	'derived counters of the orientation engine per landlord, year, département and beneficiary (réservataire, null = pool), in-flux only: compteur.imputees and compteur_bilan.proposes summed over the département''s communes; sum over tranche';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.bailleur IS 'landlord owning the dwelling';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.annee IS 'year counted in: of the vacancy (imputees), of the orientation (proposes, proposes_hors_qpv)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.departement IS 'département of the dwelling''s commune';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.reservataire IS 'beneficiary: réservataire, null for the landlord''s pool';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.tranche IS 'slot of the writing backend; readers sum over it';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.imputees IS 'in-flux vacancies the engine counts for the beneficiary (as compteur.imputees)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.proposes IS 'in-flux orientations of that year (as compteur_bilan.proposes)';
COMMENT ON COLUMN flux_mgmt.compteur_moteur.proposes_hors_qpv IS 'of those, dwellings outside QPV (the préfet''s floor outside QPV)';

-- Derived tables are registered with a filter that dumps none of their rows:
-- a restore reloads the events, and the triggers rebuild these from them
-- (dumping them too would count every event twice).
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.contribution', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur_bilan', 'WHERE false');
SELECT pg_catalog.pg_extension_config_dump('flux_mgmt.compteur_moteur', 'WHERE false');

-- Only the extension writes the derived tables, as their owner (the counter
-- triggers, recalculer_compteurs()): a write by any other role is refused,
-- even one a DBA granted by mistake, so that no counter can be forged.
CREATE FUNCTION flux_mgmt.garder_derivees() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_garder_derivees' LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.garder_derivees() IS
	'BEFORE … FOR EACH STATEMENT trigger of the derived tables (src/compteurs.c): refuses (42501) any write by a role other than the table''s owner';
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.contribution
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur_bilan
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
COMMENT ON TRIGGER gardee ON flux_mgmt.contribution IS 'only the extension writes the ledger, as the table''s owner';
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur IS 'only the extension writes the counters, as the table''s owner';
CREATE TRIGGER gardee BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flux_mgmt.compteur_moteur
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.garder_derivees();
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur_bilan IS 'only the extension writes the counters, as the table''s owner';
COMMENT ON TRIGGER gardee ON flux_mgmt.compteur_moteur IS 'only the extension writes the counters, as the table''s owner';

CREATE FUNCTION flux_mgmt.compteurs_apres() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_compteurs_apres'
	LANGUAGE C;
COMMENT ON FUNCTION flux_mgmt.compteurs_apres() IS
	'AFTER … FOR EACH STATEMENT trigger (C): checks the rules of the written events and recounts the vacancies they touched (see src/compteurs.c)';

CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.vacance
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.vacance
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.orientation
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.orientation
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.orientation
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.attribution
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.attribution
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.attribution
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.logement
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.territoire
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.reservataire
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_insert AFTER INSERT ON flux_mgmt.convention
	REFERENCING NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_update AFTER UPDATE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes NEW TABLE AS nouvelles FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
CREATE TRIGGER compteurs_delete AFTER DELETE ON flux_mgmt.convention
	REFERENCING OLD TABLE AS anciennes FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.compteurs_apres();
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.vacance IS 'statement trigger (src/compteurs.c): checks the rules of the vacancies inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.vacance IS 'statement trigger (src/compteurs.c): checks the rules of the vacancies updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.orientation IS 'statement trigger (src/compteurs.c): checks the rules of the orientations deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.attribution IS 'statement trigger (src/compteurs.c): checks the rules of the attributions deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.logement IS 'statement trigger (src/compteurs.c): checks the rules of the dwellings updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.territoire IS 'statement trigger (src/compteurs.c): checks the rules of the territories updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.territoire IS 'statement trigger (src/compteurs.c): checks the rules of the territories deleted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.reservataire IS 'statement trigger (src/compteurs.c): checks the rules of the réservataires updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_insert ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions inserted and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_update ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions updated and recounts the vacancies they touch';
COMMENT ON TRIGGER compteurs_delete ON flux_mgmt.convention IS 'statement trigger (src/compteurs.c): checks the rules of the conventions deleted and recounts the vacancies they touch';

-- What runs as the owner writes a table only when none of its triggers runs
-- another role's code (src/proprietaire.c).
CREATE FUNCTION flux_mgmt.exiger_declencheurs_surs(tableau regclass) RETURNS void
	AS 'MODULE_PATHNAME', 'flux_exiger_declencheurs_surs_sql' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION flux_mgmt.exiger_declencheurs_surs(regclass) IS
	'refuses (42501) when a trigger of the table runs a function owned by a role that is neither the table''s owner nor a superuser: the extension writes its tables as their owner, and such a trigger would run that role''s code with the owner''s rights; it locks the table ROW EXCLUSIVE, the lock of the write it precedes, so only the extension''s own code runs it (EXECUTE is not PUBLIC''s)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.exiger_declencheurs_surs(regclass) FROM PUBLIC;

-- The derived tables belong to the extension: no role but their owner writes
-- them, so the rebuild runs as that owner (SECURITY DEFINER, path pinned), and
-- whoever may run it is granted EXECUTE (not PUBLIC: it locks every counter).
CREATE FUNCTION flux_mgmt.recalculer_compteurs() RETURNS bigint
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
DECLARE
	ecrits bigint;
	bilan bigint;
	moteur bigint;
BEGIN
	-- writers wait until the rebuild commits, then count against it
	LOCK TABLE contribution, compteur, compteur_bilan, compteur_moteur IN EXCLUSIVE MODE;
	PERFORM exiger_declencheurs_surs(t)
	FROM unnest('{flux_mgmt.contribution,flux_mgmt.compteur,flux_mgmt.compteur_bilan,flux_mgmt.compteur_moteur}'::regclass[]) AS t;
	TRUNCATE contribution, compteur, compteur_bilan, compteur_moteur;
	INSERT INTO contribution SELECT * FROM contribution_calculee;
	INSERT INTO compteur (bailleur, annee, commune, reservataire, soustraction, dans_flux, tranche,
						  en_cours, attribuees, carences, echecs, retirees, decomptes, baux,
						  hors_qpv, q1_hors_qpv, q234_en_qpv, prioritaires, imputees)
	SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux, 0,
		   sum(en_cours), sum(attribuees), sum(carences), sum(echecs), sum(retirees), sum(decomptes), sum(baux),
		   sum(hors_qpv), sum(q1_hors_qpv), sum(q234_en_qpv), sum(prioritaires), sum(imputees)
	FROM contribution
	GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux;
	GET DIAGNOSTICS ecrits = ROW_COUNT;
	INSERT INTO compteur_bilan (bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, tranche,
								proposes, attribues)
	SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode, 0,
		   sum(en_cours + attribuees + carences + echecs + retirees), sum(baux)
	FROM contribution
	WHERE dans_flux
	GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	HAVING sum(en_cours + attribuees + carences + echecs + retirees) <> 0 OR sum(baux) <> 0;
	GET DIAGNOSTICS bilan = ROW_COUNT;
	INSERT INTO compteur_moteur (bailleur, annee, departement, reservataire, tranche, imputees, proposes, proposes_hors_qpv)
	SELECT bailleur, annee, departement(commune), reservataire, 0, sum(imputees),
		   sum(en_cours + attribuees + carences + echecs + retirees),
		   coalesce(sum(en_cours + attribuees + carences + echecs + retirees) FILTER (WHERE NOT qpv), 0)
	FROM contribution
	WHERE dans_flux
	GROUP BY bailleur, annee, departement(commune), reservataire
	HAVING sum(imputees) <> 0 OR sum(en_cours + attribuees + carences + echecs + retirees) <> 0;
	GET DIAGNOSTICS moteur = ROW_COUNT;
	RETURN ecrits + bilan + moteur;
END
$$;
COMMENT ON FUNCTION flux_mgmt.recalculer_compteurs() IS
	'rebuilds every counter and the ledger from the events (after pg_restore --disable-triggers, say), as the owner of the derived tables; returns the number of counter rows written; EXECUTE is granted explicitly (not to PUBLIC)';
REVOKE EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() FROM PUBLIC;

CREATE FUNCTION flux_mgmt.ecarts_compteurs()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
	WITH attendu AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires, sum(imputees) AS imputees
		FROM contribution_calculee
		GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	), trouve AS (
		SELECT bailleur, annee, commune, reservataire, soustraction, dans_flux,
			   sum(en_cours) AS en_cours, sum(attribuees) AS attribuees, sum(carences) AS carences,
			   sum(echecs) AS echecs, sum(retirees) AS retirees, sum(decomptes) AS decomptes, sum(baux) AS baux,
			   sum(hors_qpv) AS hors_qpv, sum(q1_hors_qpv) AS q1_hors_qpv, sum(q234_en_qpv) AS q234_en_qpv,
			   sum(prioritaires) AS prioritaires, sum(imputees) AS imputees
		FROM compteur
		GROUP BY bailleur, annee, commune, reservataire, soustraction, dans_flux
	), bilan_attendu AS (
		SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode,
			   sum(en_cours + attribuees + carences + echecs + retirees) AS proposes, sum(baux) AS attribues
		FROM contribution_calculee WHERE dans_flux
		GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	), bilan_trouve AS (
		SELECT bailleur, annee, commune, reservataire, typologie, financement, qpv, periode,
			   sum(proposes) AS proposes, sum(attribues) AS attribues
		FROM compteur_bilan
		GROUP BY bailleur, annee, commune, reservataire, typologie, financement, qpv, periode
	), moteur_attendu AS (
		SELECT bailleur, annee, departement(commune) AS departement, reservataire, sum(imputees) AS imputees,
			   sum(en_cours + attribuees + carences + echecs + retirees) AS proposes,
			   sum(en_cours + attribuees + carences + echecs + retirees) FILTER (WHERE NOT qpv) AS proposes_hors_qpv
		FROM contribution_calculee WHERE dans_flux
		GROUP BY bailleur, annee, departement(commune), reservataire
	), moteur_trouve AS (
		SELECT bailleur, annee, departement, reservataire, sum(imputees) AS imputees, sum(proposes) AS proposes,
			   sum(proposes_hors_qpv) AS proposes_hors_qpv
		FROM compteur_moteur
		GROUP BY bailleur, annee, departement, reservataire
	)
	SELECT format('compteur(%s, %s, %s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.commune,
				  coalesce(cle.reservataire, 'pool'), coalesce(cle.soustraction::text, '-'),
				  CASE WHEN cle.dans_flux THEN 'flux' ELSE 'hors flux' END, v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM attendu a FULL JOIN trouve t
		ON (a.bailleur, a.annee, a.commune, a.dans_flux) = (t.bailleur, t.annee, t.commune, t.dans_flux)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire AND a.soustraction IS NOT DISTINCT FROM t.soustraction
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.commune, t.commune) AS commune,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
							   CASE WHEN a.bailleur IS NULL THEN t.soustraction ELSE a.soustraction END AS soustraction,
							   coalesce(a.dans_flux, t.dans_flux) AS dans_flux) AS cle
	CROSS JOIN LATERAL (VALUES
		('en_cours', a.en_cours, t.en_cours), ('attribuees', a.attribuees, t.attribuees),
		('carences', a.carences, t.carences), ('echecs', a.echecs, t.echecs), ('retirees', a.retirees, t.retirees),
		('decomptes', a.decomptes, t.decomptes), ('baux', a.baux, t.baux), ('hors_qpv', a.hors_qpv, t.hors_qpv),
		('q1_hors_qpv', a.q1_hors_qpv, t.q1_hors_qpv), ('q234_en_qpv', a.q234_en_qpv, t.q234_en_qpv),
		('prioritaires', a.prioritaires, t.prioritaires), ('imputees', a.imputees, t.imputees)) AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	UNION ALL
	SELECT format('compteur_bilan(%s, %s, %s, %s, %s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.commune,
				  coalesce(cle.reservataire, 'pool'), cle.typologie, cle.financement, cle.qpv, cle.periode, v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM bilan_attendu a FULL JOIN bilan_trouve t
		ON (a.bailleur, a.annee, a.commune, a.qpv) = (t.bailleur, t.annee, t.commune, t.qpv)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire AND a.typologie IS NOT DISTINCT FROM t.typologie
		AND a.financement IS NOT DISTINCT FROM t.financement AND a.periode IS NOT DISTINCT FROM t.periode
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.commune, t.commune) AS commune,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire,
							   CASE WHEN a.bailleur IS NULL THEN t.typologie ELSE a.typologie END AS typologie,
							   CASE WHEN a.bailleur IS NULL THEN t.financement ELSE a.financement END AS financement,
							   coalesce(a.qpv, t.qpv) AS qpv,
							   CASE WHEN a.bailleur IS NULL THEN t.periode ELSE a.periode END AS periode) AS cle
	CROSS JOIN LATERAL (VALUES ('proposes', a.proposes, t.proposes), ('attribues', a.attribues, t.attribues))
		AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	UNION ALL
	SELECT format('compteur_moteur(%s, %s, %s, %s).%s', cle.bailleur, cle.annee, cle.departement,
				  coalesce(cle.reservataire, 'pool'), v.nom),
		   coalesce(v.attendu, 0)::bigint, coalesce(v.trouve, 0)::bigint
	FROM moteur_attendu a FULL JOIN moteur_trouve t
		ON (a.bailleur, a.annee, a.departement) = (t.bailleur, t.annee, t.departement)
		AND a.reservataire IS NOT DISTINCT FROM t.reservataire
	CROSS JOIN LATERAL (SELECT coalesce(a.bailleur, t.bailleur) AS bailleur, coalesce(a.annee, t.annee) AS annee,
							   coalesce(a.departement, t.departement) AS departement,
							   CASE WHEN a.bailleur IS NULL THEN t.reservataire ELSE a.reservataire END AS reservataire) AS cle
	CROSS JOIN LATERAL (VALUES ('imputees', a.imputees, t.imputees), ('proposes', a.proposes, t.proposes),
							   ('proposes_hors_qpv', a.proposes_hors_qpv, t.proposes_hors_qpv)) AS v(nom, attendu, trouve)
	WHERE coalesce(v.attendu, 0) <> coalesce(v.trouve, 0)
	ORDER BY 1;
$$;
COMMENT ON FUNCTION flux_mgmt.ecarts_compteurs() IS
	'recounts every counter from the events and lists those that differ (empty when all agree): compteur names the key and the column';

-- The ledger, row by row: each row of the recount is in contribution as
-- often (a row deleted, altered or planted shows).
CREATE FUNCTION flux_mgmt.ecarts_registre()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
BEGIN ATOMIC
	SELECT format('contribution%s', coalesce(a.ligne, t.ligne)), coalesce(a.n, 0), coalesce(t.n, 0)
	FROM (SELECT k::text AS ligne, count(*) AS n FROM flux_mgmt.contribution_calculee k GROUP BY 1) a
	FULL JOIN (SELECT c::text AS ligne, count(*) AS n FROM flux_mgmt.contribution c GROUP BY 1) t ON t.ligne = a.ligne
	WHERE coalesce(a.n, 0) <> coalesce(t.n, 0)
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.ecarts_registre() IS
	'recounts the ledger (contribution) from the events and lists the rows that differ (empty when all agree): compteur is contribution(the row), attendu and trouve the times the recount and the ledger have it';

CREATE FUNCTION flux_mgmt.verifier_compteurs()
RETURNS TABLE (compteur text, attendu bigint, trouve bigint)
	LANGUAGE sql STABLE
	SET search_path = pg_catalog, flux_mgmt, pg_temp
BEGIN ATOMIC
	SELECT e.compteur, e.attendu, e.trouve FROM flux_mgmt.ecarts_compteurs() e
	UNION ALL
	SELECT e.compteur, e.attendu, e.trouve FROM flux_mgmt.ecarts_registre() e
	ORDER BY 1;
END;
COMMENT ON FUNCTION flux_mgmt.verifier_compteurs() IS
	'recounts every counter and the ledger from the events and lists what differs (empty when all agree): ecarts_compteurs() then ecarts_registre()';

-- TRUNCATE bypasses the row-by-row bookkeeping: rebuild after it, as the
-- owner (the truncating role may not write the derived tables).  An
-- attribution truncated away reopens its orientation, like a deleted one.
CREATE FUNCTION flux_mgmt.apres_truncate() RETURNS trigger
	LANGUAGE plpgsql SECURITY DEFINER
	SET search_path = pg_catalog, flux_mgmt, pg_temp
AS $$
BEGIN
	PERFORM exiger_declencheur('apres_truncate', TG_RELID, TG_WHEN, TG_LEVEL,
							   '{flux_mgmt.vacance,flux_mgmt.orientation,flux_mgmt.attribution}');
	IF TG_TABLE_NAME = 'attribution' THEN
		PERFORM exiger_declencheurs_surs('flux_mgmt.orientation');
		UPDATE orientation o SET issue = 'en_cours', date_issue = NULL
		WHERE o.issue = 'attribuee' AND NOT EXISTS (SELECT FROM attribution a WHERE a.orientation_id = o.id);
	END IF;
	PERFORM recalculer_compteurs();
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION flux_mgmt.apres_truncate() IS
	'AFTER TRUNCATE trigger of the event tables: reopens orientations whose attribution went, and rebuilds the counters, as the owner of the tables';
REVOKE EXECUTE ON FUNCTION flux_mgmt.apres_truncate() FROM PUBLIC;
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.vacance
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.orientation
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
CREATE TRIGGER compteurs_truncate AFTER TRUNCATE ON flux_mgmt.attribution
	FOR EACH STATEMENT EXECUTE FUNCTION flux_mgmt.apres_truncate();
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.vacance IS 'a TRUNCATE rebuilds the counters from the events left';
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.orientation IS 'a TRUNCATE rebuilds the counters from the events left';
COMMENT ON TRIGGER compteurs_truncate ON flux_mgmt.attribution IS 'a TRUNCATE rebuilds the counters from the events left';

