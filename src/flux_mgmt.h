/*-------------------------------------------------------------------------
 *
 * flux_mgmt.h
 *		What the C files of flux_mgmt share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_MGMT_H
#define FLUX_MGMT_H

#include "compat.h"

/* The schema the install script creates; SQL run from C names it. */
#define FLUX_SCHEMA "flux_mgmt"

#endif							/* FLUX_MGMT_H */
