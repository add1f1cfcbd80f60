--------------------------------------------------------------------------------
-- Hardening: landlord locks only writers can take (src/verrous.c)
--------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION flux_mgmt.verrouiller_bailleurs(bailleurs text[]) RETURNS void
	AS 'MODULE_PATHNAME', 'flux_verrouiller_bailleurs' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION flux_mgmt.verrouiller_bailleurs(text[]) IS
	'locks landlords exclusively until the end of the transaction (their landlord lock, then their rows, updated in place), as every writer of conventions and corrections does before checking its rows against the events; only for roles that write conventions, dwellings, vacancies, territories, réservataires or stock rights (42501 otherwise)';

