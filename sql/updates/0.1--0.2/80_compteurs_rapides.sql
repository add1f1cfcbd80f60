--------------------------------------------------------------------------------
-- The hot path (issue 13): the attribution's update of its orientation's issue
-- is HOT; see sql/src/60_evenements.sql
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.orientation
	ADD COLUMN ouverte boolean GENERATED ALWAYS AS (issue IN ('en_cours', 'attribuee')) STORED,
	SET (fillfactor = 50);
COMMENT ON COLUMN flux_mgmt.orientation.ouverte IS 'generated: the orientation is open (en_cours) or attributed; at most one per vacancy is';
DROP INDEX flux_mgmt.orientation_une_ouverte_par_vacance;
CREATE UNIQUE INDEX orientation_une_ouverte_par_vacance ON flux_mgmt.orientation (vacance_id)
	WHERE ouverte;
COMMENT ON INDEX flux_mgmt.orientation_une_ouverte_par_vacance IS 'at most one orientation of a vacancy is open (en_cours) or attributed';

-- The convention in force for an orientation, looked up by the fast path
-- (src/chemin_rapide.c).
CREATE INDEX convention_en_vigueur ON flux_mgmt.convention (bailleur, departement, reservataire, annee_debut);
COMMENT ON INDEX flux_mgmt.convention_en_vigueur IS 'the conventions of a landlord, département and réservataire, by first year: the one in force for an orientation';

-- The default deadline in C (src/date_limite.c): no plan, no GUC nest level.
CREATE OR REPLACE FUNCTION flux_mgmt.date_limite_par_defaut() RETURNS trigger
	AS 'MODULE_PATHNAME', 'flux_date_limite_par_defaut' LANGUAGE C;
