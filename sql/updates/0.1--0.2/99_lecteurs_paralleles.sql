--------------------------------------------------------------------------------
-- The readers of the counters are parallel restricted: the differences the
-- fast path keeps for the end of the transaction live in the leader's memory,
-- and a parallel worker would read the counters without them (review of
-- 985a1b9: droits_engages() counted 0 instead of 1 under force_parallel_mode).
--------------------------------------------------------------------------------
ALTER FUNCTION flux_mgmt.departements_du_rapport(text, integer) PARALLEL RESTRICTED;
