/*-------------------------------------------------------------------------
 *
 * compat.h
 *		Every difference between the PostgreSQL versions flux_mgmt builds
 *		against, and nothing else.
 *
 * The code is written for PostgreSQL 15; newer versions renamed or added a
 * few things, mapped here so that no other file needs a version test.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_COMPAT_H
#define FLUX_COMPAT_H

#if PG_VERSION_NUM >= 160000
#include "varatt.h"
#endif

/*
 * Input functions report malformed values through the soft-error context
 * from PostgreSQL 16 on (so that pg_input_is_valid() works); before that an
 * input error is always a hard ERROR.
 */
#if PG_VERSION_NUM >= 160000
#define FLUX_INPUT_ERROR(escontext, rest) \
	ereturn((escontext), (Datum) 0, rest)
#else
#define FLUX_INPUT_ERROR(escontext, rest) \
	do { (void) (escontext); ereport(ERROR, rest); pg_unreachable(); } while (0)
#endif

/* The number of this backend's PGPROC slot, stable for its lifetime. */
#if PG_VERSION_NUM >= 170000
#include "storage/procnumber.h"
#define FLUX_BACKEND_SLOT() ((int) MyProcNumber)
#else
#include "storage/backendid.h"
#define FLUX_BACKEND_SLOT() ((int) MyBackendId)
#endif

/*
 * The executor state of a write through the executor (src/acces.c): PostgreSQL 16
 * moved the columns an UPDATE changes from the range table entry to its
 * permission info, and gave EvalPlanQualInit the result relations.
 */
#if PG_VERSION_NUM >= 160000
#define FLUX_INIT_RANGE_TABLE(estate, rte, changees) \
	do { \
		RTEPermissionInfo *perm_ = makeNode(RTEPermissionInfo); \
		perm_->relid = (rte)->relid; \
		perm_->updatedCols = (changees); \
		(rte)->perminfoindex = 1; \
		ExecInitRangeTable((estate), list_make1(rte), list_make1(perm_)); \
	} while (0)
#define FLUX_EPQ_INIT(epq, estate) EvalPlanQualInit((epq), (estate), NULL, NIL, -1, NIL)
#else
#define FLUX_INIT_RANGE_TABLE(estate, rte, changees) \
	do { \
		(rte)->updatedCols = (changees); \
		ExecInitRangeTable((estate), list_make1(rte)); \
	} while (0)
#define FLUX_EPQ_INIT(epq, estate) EvalPlanQualInit((epq), (estate), NULL, NIL, -1)
#endif

/*
 * A direct update through the table AM (src/acces.c): PostgreSQL 16 says
 * whether all indexes, only the summarizing ones, or none need new entries;
 * 15 says all or none.
 */
#if PG_VERSION_NUM >= 160000
#define FLUX_SIMPLE_UPDATE(rel, tid, slot, snap, entrees, resume) \
	do { \
		TU_UpdateIndexes u_; \
		simple_table_tuple_update((rel), (tid), (slot), (snap), &u_); \
		(entrees) = u_ != TU_None; \
		(resume) = u_ == TU_Summarizing; \
	} while (0)
#define FLUX_INSERT_INDEX_TUPLES(rri, slot, estate, resume) \
	ExecInsertIndexTuples((rri), (slot), (estate), false, false, NULL, NIL, (resume))
#else
#define FLUX_SIMPLE_UPDATE(rel, tid, slot, snap, entrees, resume) \
	do { \
		simple_table_tuple_update((rel), (tid), (slot), (snap), &(entrees)); \
		(resume) = false; \
	} while (0)
#define FLUX_INSERT_INDEX_TUPLES(rri, slot, estate, resume) \
	((void) (resume), ExecInsertIndexTuples((rri), (slot), (estate), false, false, NULL, NIL))
#endif

#endif							/* FLUX_COMPAT_H */
