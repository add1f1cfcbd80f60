/*-------------------------------------------------------------------------
 *
 * flux_mgmt.c
 *		Module magic of the flux_mgmt extension.
 *
 * The SQL objects live in sql/flux_mgmt--<version>.sql; the C files of
 * src/ each implement one concern (a type, a kernel, the triggers).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "flux_mgmt.h"

PG_MODULE_MAGIC;
