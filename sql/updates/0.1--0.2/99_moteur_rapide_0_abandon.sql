-- decider() moves to sql/src/76_decision.sql (99_moteur_rapide_1), next to
-- candidats_rapides(), its C candidates: dropped here, created there.
DROP FUNCTION flux_mgmt.decider(bigint);
