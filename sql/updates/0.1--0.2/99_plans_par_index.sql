--------------------------------------------------------------------------------
-- The engine's and the recording's lookups of a vacancy's orientations go
-- through their indexes whatever the statistics say: planned while
-- orientation was empty (a landlord's first year, a table analysed before
-- its first batch), they were sequential scans kept for the session, and a
-- batch of orientations in one transaction (orienter_en_attente) read every
-- orientation written before at each of its five lookups: quadratic.
--------------------------------------------------------------------------------

ALTER FUNCTION flux_mgmt.orienter(bigint, text, flux_mgmt.motif_soustraction, date) SET enable_seqscan = off;
ALTER FUNCTION flux_mgmt.date_decision(bigint) SET enable_seqscan = off;
ALTER FUNCTION flux_mgmt.orienter_suggestion(bigint, date) SET enable_seqscan = off;
ALTER FUNCTION flux_mgmt.orienter_en_attente(text, integer) SET enable_seqscan = off;
ALTER FUNCTION flux_mgmt.decider(bigint) SET enable_seqscan = off;
