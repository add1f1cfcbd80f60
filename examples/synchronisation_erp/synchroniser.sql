-- The nightly synchronisation of flux_mgmt from the landlord's ERP (the foreign
-- tables of schema erp, relier.sql): dwellings, vacancies, orientations and
-- attributions of one landlord made equal to the ERP's lots, congés, proposals
-- and leases, in one transaction, writing only the rows that differ.  A re-run
-- writes nothing; a changed source row updates its event in place, and the
-- counter triggers recount what it touched.
--
--   psql -X -q -d flux -v bailleur=b93 -f synchroniser.sql
--
-- Variables (psql -v): bailleur (required: the code of flux_mgmt.bailleur the
-- ERP's events belong to); depuis (a date: only congés from that day on are
-- compared, on both sides, for an ERP that purges its history; default all);
-- essai (on: everything is done and counted, then rolled back).
--
-- It prints one row per table: rows inserted, updated, deleted, and the rows
-- absent from the ERP that were kept (dwellings: never deleted).
--
-- Natural keys (flux_mgmt has no column for the ERP's identifiers):
--   logement     (bailleur, ref)                     ref = lot.num_lot          unique constraint
--   vacance      (logement, date_liberation)          congé: lot and date_effet  unique constraint
--   orientation  (vacance, date_orientation, rang)    rang: 1, 2… among the proposals of the
--                                                     congé on that day, by id_proposition in the
--                                                     ERP and by id in flux_mgmt
--   attribution  (orientation)                        bail.id_proposition        unique constraint
-- The ERP is the record of this landlord's events: an event of the landlord
-- in flux_mgmt that the ERP does not have is deleted (attribution, then
-- orientation, then vacancy); dwellings are only inserted and updated, and
-- only in the columns the ERP has (regime, reservataire_stock and
-- contingent_rpls stay flux_mgmt's).
\set ON_ERROR_STOP on
\if :{?bailleur}
\else
\set bailleur ''
\endif
\if :{?depuis}
\else
\set depuis -infinity
\endif
\if :{?essai}
\else
\set essai off
\endif

BEGIN ISOLATION LEVEL READ COMMITTED;
-- Nothing resolves through the caller's search_path; names are qualified too.
SET LOCAL search_path = pg_catalog, pg_temp;

CREATE TEMP TABLE synchro_parametre ON COMMIT DROP AS
SELECT CASE WHEN b.code IS NULL
			THEN flux_mgmt.refuser(format('unknown landlord %L', x.code),
								   'synchroniser.sql records the ERP''s events under one landlord of flux_mgmt.bailleur.',
								   'Run psql -v bailleur=CODE -f synchroniser.sql with the landlord''s code.', 'foreign_key_violation')
			ELSE b.code END AS bailleur,
	   x.depuis
FROM (VALUES (:'bailleur'::text, :'depuis'::date)) AS x (code, depuis)
LEFT JOIN flux_mgmt.bailleur b ON b.code = x.code;

CREATE TEMP TABLE synchro_bilan (
	ordre integer, tableau text, inserees bigint, mises_a_jour bigint, supprimees bigint, conservees bigint DEFAULT 0
) ON COMMIT DROP;

--------------------------------------------------------------------------------
-- 1. The ERP, read once (postgres_fdw reads every foreign table of a
--    transaction in one remote REPEATABLE READ snapshot) into flux_mgmt's terms.
--------------------------------------------------------------------------------

CREATE TEMP TABLE synchro_lot ON COMMIT DROP AS
SELECT l.num_lot AS ref,
	   nullif(btrim(l.num_rpls), '') AS rpls,
	   CASE WHEN flux_mgmt.code_insee_valide(l.code_commune) THEN l.code_commune::text::flux_mgmt.code_insee
			ELSE flux_mgmt.refuser(format('lot %s has the invalid commune code %L', l.num_lot, l.code_commune), NULL,
								   'Correct patrimoine.lot.code_commune in the ERP: an INSEE code such as 93048.',
								   'invalid_text_representation')::flux_mgmt.code_insee END AS commune,
	   nullif(l.nb_pieces, 0) AS nb_pieces,
	   flux_mgmt.financement_rpls(l.type_financement) AS financement,
	   l.en_qpv AS qpv,
	   l.annee_constr AS annee_construction,
	   l.date_entree_patrimoine AS mise_en_service,
	   l.date_sortie AS sortie
FROM erp.lot l;

CREATE TEMP TABLE synchro_vacance ON COMMIT DROP AS
SELECT c.id_conge, c.num_lot AS ref, c.date_effet AS date_liberation, c.premiere_mise_en_location AS premiere_location
FROM erp.conge c
JOIN pg_temp.synchro_parametre x ON c.date_effet >= x.depuis;

-- One row per proposal: its key, the orientation it is and, when it has a
-- lease, the attribution.  A lease makes the orientation attribuee whatever
-- the proposal's status says.
CREATE TEMP TABLE synchro_orientation ON COMMIT DROP AS
SELECT p.id_proposition, c.id_conge, c.num_lot AS ref, c.date_effet AS date_liberation,
	   p.date_proposition AS date_orientation,
	   row_number() OVER (PARTITION BY c.id_conge, p.date_proposition ORDER BY p.id_proposition) AS rang,
	   row_number() OVER (PARTITION BY c.id_conge ORDER BY p.date_proposition, p.id_proposition) AS ordre,
	   p.code_reservataire AS reservataire,
	   p.motif_hors_flux::flux_mgmt.motif_soustraction AS soustraction,
	   p.date_limite_reponse AS date_limite,
	   (CASE WHEN b.id_bail IS NOT NULL THEN 'attribuee'
			 WHEN p.statut IN ('en_attente', 'acceptee') THEN 'en_cours'
			 WHEN p.statut = 'carence' THEN 'carence'
			 WHEN p.statut = 'refusee' THEN 'echec'
			 WHEN p.statut = 'annulee' THEN 'retiree'
			 ELSE flux_mgmt.refuser(format('proposal %s has the unknown status %L', p.id_proposition, p.statut), NULL,
									'Map it in synchroniser.sql to en_cours, carence, echec or retiree.', 'invalid_text_representation')
		END)::flux_mgmt.issue_orientation AS issue,
	   CASE WHEN b.id_bail IS NOT NULL THEN b.date_signature
			WHEN p.statut IN ('carence', 'refusee', 'annulee') THEN p.date_statut END AS date_issue,
	   b.id_bail IS NOT NULL AS bail,
	   b.date_caleol, b.date_signature AS date_bail,
	   b.menage_q1 AS premier_quartile, b.menage_dalo AS dalo, b.menage_prioritaire AS prioritaire,
	   b.menage_relogement_npnru AS relogement_renouvellement, b.menage_mutation AS mutation,
	   b.menage_agent_public AS agent_etat
FROM erp.proposition p
JOIN erp.conge c ON c.id_conge = p.id_conge
LEFT JOIN erp.bail b ON b.id_proposition = p.id_proposition
JOIN pg_temp.synchro_parametre x ON c.date_effet >= x.depuis;

-- What flux_mgmt's keys need of the ERP's data, each error naming the first
-- row at fault; the rules of flux_mgmt itself (a convention in force, a
-- territory, a stock dwelling's holder, dates) are checked by its triggers.
DO $$
DECLARE
	f record;
BEGIN
	SELECT s.ref, s.date_liberation, pg_catalog.string_agg(s.id_conge::text, ', ' ORDER BY s.id_conge) AS conges INTO f
	FROM pg_temp.synchro_vacance s GROUP BY s.ref, s.date_liberation HAVING pg_catalog.count(*) > 1
	ORDER BY s.ref, s.date_liberation LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(format('lot %s has several congés on %s in the ERP (%s)', f.ref, f.date_liberation, f.conges),
			'flux_mgmt records one vacancy per dwelling and day: a congé is known by its lot and date.',
			'Delete the duplicate congé in gestion_locative.conge, or give it its own date.', 'unique_violation');
	END IF;
	SELECT s.id_conge, s.ref INTO f FROM pg_temp.synchro_vacance s
	WHERE NOT EXISTS (SELECT FROM pg_temp.synchro_lot l WHERE l.ref = s.ref) ORDER BY s.id_conge LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(format('congé %s is on lot %L, which patrimoine.lot does not have', f.id_conge, f.ref), NULL,
			'Record the lot in patrimoine.lot.', 'foreign_key_violation');
	END IF;
	SELECT o.id_conge, o.ref, o.date_liberation,
		   pg_catalog.string_agg(o.id_proposition::text, ', ' ORDER BY o.id_proposition) AS propositions INTO f
	FROM pg_temp.synchro_orientation o WHERE o.issue IN ('en_cours', 'attribuee')
	GROUP BY o.id_conge, o.ref, o.date_liberation HAVING pg_catalog.count(*) > 1 ORDER BY o.id_conge LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('congé %s (lot %s, %s) has several open or accepted proposals in the ERP (%s)',
				   f.id_conge, f.ref, f.date_liberation, f.propositions),
			'flux_mgmt allows one orientation of a vacancy at a time that is open or attributed.',
			'Close the earlier proposals in gestion_locative.proposition (statut carence, refusee or annulee).', 'unique_violation');
	END IF;
	SELECT o.id_proposition, o.reservataire INTO f FROM pg_temp.synchro_orientation o
	WHERE o.reservataire IS NOT NULL AND NOT EXISTS (SELECT FROM flux_mgmt.reservataire r WHERE r.code = o.reservataire)
	ORDER BY o.id_proposition LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(format('proposal %s goes to %L, which is not a réservataire of flux_mgmt', f.id_proposition, f.reservataire),
			NULL, 'Record it in flux_mgmt.reservataire (with its convention), or correct code_reservataire in the ERP.',
			'foreign_key_violation');
	END IF;
END
$$;

--------------------------------------------------------------------------------
-- 2. flux_mgmt's orientations of the landlord under the same key, paired with
--    the proposals.
--------------------------------------------------------------------------------

CREATE TEMP TABLE synchro_existant ON COMMIT DROP AS
SELECT o.id, l.ref, v.date_liberation, o.date_orientation,
	   row_number() OVER (PARTITION BY o.vacance_id, o.date_orientation ORDER BY o.id) AS rang
FROM flux_mgmt.orientation o
JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
JOIN flux_mgmt.logement l ON l.id = v.logement_id
JOIN pg_temp.synchro_parametre x ON l.bailleur = x.bailleur AND v.date_liberation >= x.depuis;

-- id: the orientation in flux_mgmt (null: to insert); id_proposition: the
-- proposal (null: to delete).
CREATE TEMP TABLE synchro_paire ON COMMIT DROP AS
SELECT e.id, coalesce(s.ref, e.ref) AS ref, coalesce(s.date_liberation, e.date_liberation) AS date_liberation,
	   s.id_proposition, s.date_orientation, s.ordre, s.reservataire, s.soustraction, s.date_limite, s.issue, s.date_issue,
	   s.bail
FROM pg_temp.synchro_orientation s
FULL JOIN pg_temp.synchro_existant e
	ON e.ref = s.ref AND e.date_liberation = s.date_liberation AND e.date_orientation = s.date_orientation AND e.rang = s.rang;

-- A vacancy is charged to its first chargeable orientation by id, so the ids
-- of a vacancy's orientations must follow the ERP's order (date of proposal,
-- then id_proposition).  A proposal that would come before one already
-- recorded (dated back, or re-dated), or orientations recorded out of that
-- order, make the vacancy's orientations be deleted and recorded again, in order.
CREATE TEMP TABLE synchro_a_refaire ON COMMIT DROP AS
WITH gardees AS (
	SELECT p.ref, p.date_liberation, p.ordre,
		   row_number() OVER (PARTITION BY p.ref, p.date_liberation ORDER BY p.id) AS par_id,
		   row_number() OVER (PARTITION BY p.ref, p.date_liberation ORDER BY p.ordre) AS par_ordre
	FROM pg_temp.synchro_paire p WHERE p.id IS NOT NULL AND p.id_proposition IS NOT NULL
)
SELECT n.ref, n.date_liberation FROM pg_temp.synchro_paire n JOIN gardees g USING (ref, date_liberation)
WHERE n.id IS NULL AND n.ordre < g.ordre
UNION
SELECT g.ref, g.date_liberation FROM gardees g WHERE g.par_id <> g.par_ordre;

ALTER TABLE pg_temp.synchro_paire ADD COLUMN a_refaire boolean;
UPDATE pg_temp.synchro_paire p SET a_refaire = EXISTS (
	SELECT FROM pg_temp.synchro_a_refaire r WHERE r.ref = p.ref AND r.date_liberation = p.date_liberation);
ANALYZE pg_temp.synchro_lot, pg_temp.synchro_vacance, pg_temp.synchro_orientation, pg_temp.synchro_paire;

--------------------------------------------------------------------------------
-- 3. Deletions, the dependent rows first (no foreign key cascades): the
--    attributions the ERP no longer has (deleting one reopens its orientation),
--    the orientations, the vacancies.
--------------------------------------------------------------------------------

WITH supprimees AS (
	DELETE FROM flux_mgmt.attribution a
	USING pg_temp.synchro_paire p
	WHERE a.orientation_id = p.id AND (p.id_proposition IS NULL OR NOT p.bail OR p.a_refaire)
	RETURNING a.id
)
INSERT INTO pg_temp.synchro_bilan SELECT 4, 'attribution', 0, 0, count(*) FROM supprimees;

WITH supprimees AS (
	DELETE FROM flux_mgmt.orientation o
	USING pg_temp.synchro_paire p
	WHERE o.id = p.id AND (p.id_proposition IS NULL OR p.a_refaire)
	RETURNING o.id
)
INSERT INTO pg_temp.synchro_bilan SELECT 3, 'orientation', 0, 0, count(*) FROM supprimees;

WITH supprimees AS (
	DELETE FROM flux_mgmt.vacance v
	USING flux_mgmt.logement l, pg_temp.synchro_parametre x
	WHERE l.id = v.logement_id AND l.bailleur = x.bailleur AND v.date_liberation >= x.depuis
	  AND NOT EXISTS (SELECT FROM pg_temp.synchro_vacance s WHERE s.ref = l.ref AND s.date_liberation = v.date_liberation)
	RETURNING v.id
)
INSERT INTO pg_temp.synchro_bilan SELECT 2, 'vacance', 0, 0, count(*) FROM supprimees;

--------------------------------------------------------------------------------
-- 4. Dwellings and vacancies: INSERT … ON CONFLICT DO UPDATE on their unique
--    keys.  Only new or changed rows are selected, so an unchanged row is not
--    even locked; the WHERE of DO UPDATE keeps a concurrent insert of the same
--    row from being rewritten.  In the counts, a written row the statement's
--    snapshot did not have was inserted.
--------------------------------------------------------------------------------

WITH ecrits AS (
	INSERT INTO flux_mgmt.logement AS l
		(bailleur, ref, rpls, commune, nb_pieces, financement, qpv, annee_construction, mise_en_service, sortie)
	SELECT x.bailleur, s.ref, s.rpls, s.commune, s.nb_pieces, s.financement, s.qpv, s.annee_construction,
		   s.mise_en_service, s.sortie
	FROM pg_temp.synchro_lot s
	CROSS JOIN pg_temp.synchro_parametre x
	LEFT JOIN flux_mgmt.logement e ON e.bailleur = x.bailleur AND e.ref = s.ref
	WHERE e.id IS NULL
	   OR (e.rpls, e.commune::text, e.nb_pieces, e.financement, e.qpv, e.annee_construction, e.mise_en_service, e.sortie)
		  IS DISTINCT FROM
		  (s.rpls, s.commune::text, s.nb_pieces, s.financement, s.qpv, s.annee_construction, s.mise_en_service, s.sortie)
	ON CONFLICT (bailleur, ref) DO UPDATE
	SET rpls = EXCLUDED.rpls, commune = EXCLUDED.commune, nb_pieces = EXCLUDED.nb_pieces,
		financement = EXCLUDED.financement, qpv = EXCLUDED.qpv, annee_construction = EXCLUDED.annee_construction,
		mise_en_service = EXCLUDED.mise_en_service, sortie = EXCLUDED.sortie
	WHERE (l.rpls, l.commune::text, l.nb_pieces, l.financement, l.qpv, l.annee_construction, l.mise_en_service, l.sortie)
		  IS DISTINCT FROM
		  (EXCLUDED.rpls, EXCLUDED.commune::text, EXCLUDED.nb_pieces, EXCLUDED.financement, EXCLUDED.qpv,
		   EXCLUDED.annee_construction, EXCLUDED.mise_en_service, EXCLUDED.sortie)
	RETURNING l.id
)
INSERT INTO pg_temp.synchro_bilan
SELECT 1, 'logement', count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.id IS NOT NULL), 0,
	   (SELECT count(*) FROM flux_mgmt.logement a JOIN pg_temp.synchro_parametre x ON a.bailleur = x.bailleur
		WHERE NOT EXISTS (SELECT FROM pg_temp.synchro_lot s WHERE s.ref = a.ref))
FROM ecrits w LEFT JOIN flux_mgmt.logement e ON e.id = w.id;

WITH ecrites AS (
	INSERT INTO flux_mgmt.vacance AS v (logement_id, date_liberation, premiere_location)
	SELECT l.id, s.date_liberation, s.premiere_location
	FROM pg_temp.synchro_vacance s
	CROSS JOIN pg_temp.synchro_parametre x
	JOIN flux_mgmt.logement l ON l.bailleur = x.bailleur AND l.ref = s.ref
	LEFT JOIN flux_mgmt.vacance e ON e.logement_id = l.id AND e.date_liberation = s.date_liberation
	WHERE e.id IS NULL OR e.premiere_location IS DISTINCT FROM s.premiere_location
	ORDER BY s.date_liberation, s.ref
	ON CONFLICT (logement_id, date_liberation) DO UPDATE
	SET premiere_location = EXCLUDED.premiere_location
	WHERE v.premiere_location IS DISTINCT FROM EXCLUDED.premiere_location
	RETURNING v.id
)
INSERT INTO pg_temp.synchro_bilan
SELECT 2, 'vacance', count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.id IS NOT NULL), 0
FROM ecrites w LEFT JOIN flux_mgmt.vacance e ON e.id = w.id;

--------------------------------------------------------------------------------
-- 5. Orientations.  Closed ones (carence, échec, withdrawn) are in no unique
--    key, so no ON CONFLICT: UPDATE of the paired rows that differ, then INSERT
--    of the new ones.  An orientation with a lease in the ERP is left to its
--    attribution (6.) for its issue: it is reopened if it was closed.  When the
--    ERP gives no deadline, flux_mgmt's default (the convention's delay) stands.
--------------------------------------------------------------------------------

CREATE TEMP TABLE synchro_voulu ON COMMIT DROP AS
SELECT p.id, p.reservataire, p.soustraction,
	   CASE WHEN p.date_limite IS NOT NULL THEN p.date_limite
			WHEN p.reservataire IS DISTINCT FROM o.reservataire THEN NULL  -- the trigger sets the new convention's delay
			ELSE o.date_limite END AS date_limite,
	   CASE WHEN NOT p.bail THEN p.issue WHEN o.issue = 'attribuee' THEN o.issue ELSE 'en_cours' END AS issue,
	   CASE WHEN NOT p.bail THEN p.date_issue WHEN o.issue = 'attribuee' THEN o.date_issue END AS date_issue
FROM pg_temp.synchro_paire p
JOIN flux_mgmt.orientation o ON o.id = p.id
WHERE p.id_proposition IS NOT NULL AND NOT p.a_refaire;

-- closing first, then opening: a vacancy never has two open orientations on the way
WITH modifiees AS (
	UPDATE flux_mgmt.orientation o
	SET reservataire = d.reservataire, soustraction = d.soustraction, date_limite = d.date_limite,
		issue = d.issue, date_issue = d.date_issue
	FROM pg_temp.synchro_voulu d
	WHERE o.id = d.id AND d.issue NOT IN ('en_cours', 'attribuee')
	  AND (o.reservataire, o.soustraction, o.date_limite, o.issue, o.date_issue)
		  IS DISTINCT FROM (d.reservataire, d.soustraction, d.date_limite, d.issue, d.date_issue)
	RETURNING o.id
)
INSERT INTO pg_temp.synchro_bilan SELECT 3, 'orientation', 0, count(*), 0 FROM modifiees;

WITH modifiees AS (
	UPDATE flux_mgmt.orientation o
	SET reservataire = d.reservataire, soustraction = d.soustraction, date_limite = d.date_limite,
		issue = d.issue, date_issue = d.date_issue
	FROM pg_temp.synchro_voulu d
	WHERE o.id = d.id AND d.issue IN ('en_cours', 'attribuee')
	  AND (o.reservataire, o.soustraction, o.date_limite, o.issue, o.date_issue)
		  IS DISTINCT FROM (d.reservataire, d.soustraction, d.date_limite, d.issue, d.date_issue)
	RETURNING o.id
)
INSERT INTO pg_temp.synchro_bilan SELECT 3, 'orientation', 0, count(*), 0 FROM modifiees;

-- in the ERP's order within each vacancy: ids follow it
WITH inserees AS (
	INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, soustraction, date_orientation, date_limite, issue, date_issue)
	SELECT v.id, p.reservataire, p.soustraction, p.date_orientation, p.date_limite,
		   CASE WHEN p.bail THEN 'en_cours' ELSE p.issue END,
		   CASE WHEN NOT p.bail THEN p.date_issue END
	FROM pg_temp.synchro_paire p
	CROSS JOIN pg_temp.synchro_parametre x
	JOIN flux_mgmt.logement l ON l.bailleur = x.bailleur AND l.ref = p.ref
	JOIN flux_mgmt.vacance v ON v.logement_id = l.id AND v.date_liberation = p.date_liberation
	WHERE p.id_proposition IS NOT NULL AND (p.id IS NULL OR p.a_refaire)
	ORDER BY p.date_liberation, p.ref, p.ordre
	RETURNING id
)
INSERT INTO pg_temp.synchro_bilan SELECT 3, 'orientation', count(*), 0, 0 FROM inserees;

--------------------------------------------------------------------------------
-- 6. Attributions: INSERT … ON CONFLICT (orientation_id) DO UPDATE.  Recording
--    one sets its orientation's issue to attribuee and date_issue to the lease.
--------------------------------------------------------------------------------

WITH cible AS (
	SELECT o.id AS orientation_id, p.date_caleol, p.date_bail, p.premier_quartile, p.dalo, p.prioritaire,
		   p.relogement_renouvellement, p.mutation, p.agent_etat
	FROM pg_temp.synchro_orientation p
	JOIN (SELECT o.id, l.ref, v.date_liberation, o.date_orientation,
				 row_number() OVER (PARTITION BY o.vacance_id, o.date_orientation ORDER BY o.id) AS rang
		  FROM flux_mgmt.orientation o
		  JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		  JOIN flux_mgmt.logement l ON l.id = v.logement_id
		  JOIN pg_temp.synchro_parametre x ON l.bailleur = x.bailleur AND v.date_liberation >= x.depuis) o
		ON o.ref = p.ref AND o.date_liberation = p.date_liberation AND o.date_orientation = p.date_orientation
		   AND o.rang = p.rang
	WHERE p.bail
), ecrites AS (
	INSERT INTO flux_mgmt.attribution AS a
		(orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement, mutation, agent_etat)
	SELECT c.orientation_id, c.date_caleol, c.date_bail, c.premier_quartile, c.dalo, c.prioritaire,
		   c.relogement_renouvellement, c.mutation, c.agent_etat
	FROM cible c
	LEFT JOIN flux_mgmt.attribution e ON e.orientation_id = c.orientation_id
	WHERE e.id IS NULL
	   OR (e.date_caleol, e.date_bail, e.premier_quartile, e.dalo, e.prioritaire, e.relogement_renouvellement, e.mutation, e.agent_etat)
		  IS DISTINCT FROM
		  (c.date_caleol, c.date_bail, c.premier_quartile, c.dalo, c.prioritaire, c.relogement_renouvellement, c.mutation, c.agent_etat)
	ON CONFLICT (orientation_id) DO UPDATE
	SET date_caleol = EXCLUDED.date_caleol, date_bail = EXCLUDED.date_bail, premier_quartile = EXCLUDED.premier_quartile,
		dalo = EXCLUDED.dalo, prioritaire = EXCLUDED.prioritaire, relogement_renouvellement = EXCLUDED.relogement_renouvellement,
		mutation = EXCLUDED.mutation, agent_etat = EXCLUDED.agent_etat
	WHERE (a.date_caleol, a.date_bail, a.premier_quartile, a.dalo, a.prioritaire, a.relogement_renouvellement, a.mutation, a.agent_etat)
		  IS DISTINCT FROM
		  (EXCLUDED.date_caleol, EXCLUDED.date_bail, EXCLUDED.premier_quartile, EXCLUDED.dalo, EXCLUDED.prioritaire,
		   EXCLUDED.relogement_renouvellement, EXCLUDED.mutation, EXCLUDED.agent_etat)
	RETURNING a.id
)
INSERT INTO pg_temp.synchro_bilan
SELECT 4, 'attribution', count(*) FILTER (WHERE e.id IS NULL), count(*) FILTER (WHERE e.id IS NOT NULL), 0
FROM ecrites w LEFT JOIN flux_mgmt.attribution e ON e.id = w.id;

--------------------------------------------------------------------------------
-- 7. What was written.
--------------------------------------------------------------------------------

SELECT b.tableau AS "table", sum(b.inserees) AS inserees, sum(b.mises_a_jour) AS mises_a_jour,
	   sum(b.supprimees) AS supprimees, sum(b.conservees) AS conservees
FROM pg_temp.synchro_bilan b
GROUP BY b.ordre, b.tableau
ORDER BY b.ordre;

\if :essai
\warn 'essai: rolled back, nothing written'
ROLLBACK;
\else
COMMIT;
\endif
