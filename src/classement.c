/*-------------------------------------------------------------------------
 *
 * classement.c
 *		How a dwelling is classified in the counters and the yearly report:
 *		its typology (T1 … T5+) and its construction period.
 *
 * Both run once per counted event, so they are C rather than SQL.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "utils/builtins.h"

#include "flux_mgmt.h"

PG_FUNCTION_INFO_V1(flux_typologie);
Datum
flux_typologie(PG_FUNCTION_ARGS)
{
	int16		pieces = PG_GETARG_INT16(0);
	char		t[3] = {'T', '0', '\0'};

	if (pieces < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid number of rooms: %d", pieces),
				 errdetail("A dwelling has at least one main room."),
				 errhint("RPLS codes 0 as \"not given\": leave the number of rooms null instead.")));
	if (pieces >= 5)
		PG_RETURN_TEXT_P(cstring_to_text("T5+"));
	t[1] = '0' + pieces;
	PG_RETURN_TEXT_P(cstring_to_text(t));
}

/*
 * The bands of the yearly report (R441-5-1 asks for a breakdown by
 * construction period without fixing it): before the 1949 rent law, the
 * grands ensembles, the 1977 reform's early years, the 1990s, and recent.
 */
PG_FUNCTION_INFO_V1(flux_periode_construction);
Datum
flux_periode_construction(PG_FUNCTION_ARGS)
{
	int16		annee = PG_GETARG_INT16(0);
	const char *periode;

	if (annee < 1949)
		periode = "avant 1949";
	else if (annee < 1975)
		periode = "1949-1974";
	else if (annee < 1990)
		periode = "1975-1989";
	else if (annee < 2005)
		periode = "1990-2004";
	else
		periode = "2005 et plus";
	PG_RETURN_TEXT_P(cstring_to_text(periode));
}
