/*-------------------------------------------------------------------------
 *
 * statistiques.c
 *		The planner never takes a table of the extension for empty while it
 *		has pages: statistics left by a VACUUM or ANALYZE that ran during a
 *		long loading transaction.
 *
 * VACUUM and ANALYZE do not count the rows of a transaction in progress: run
 * by autovacuum while a landlord's ETL loads a day of events in one
 * transaction, they write relpages = the pages they found and reltuples = 0.
 * PostgreSQL then estimates such a table at 0 rows a page, that is, one row;
 * the counter triggers' plans, made again after that update, and the
 * foreign-key checks planned meanwhile read whole tables at every event
 * (test 245: 1 to 2.5 million rows for one event, instead of fewer than 50).
 *
 * A table of the extension whose statistics say "no row" while it has pages
 * is given the estimate PostgreSQL makes for a table never analyzed: its
 * pages filled with rows of its average width.  A table really emptied keeps
 * few pages (VACUUM truncates them), and its small over-estimate costs an
 * index probe instead of a sequential scan of those pages.  Other tables are
 * left alone; the hook chains to the one installed before it.
 *
 * The hook is installed when the module is loaded, that is, by the first
 * call of one of its functions or triggers in a session (or at start with
 * session_preload_libraries): the triggers' plans and the checks they fire
 * are all planned after it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "nodes/pathnodes.h"
#include "optimizer/plancat.h"
#include "storage/bufpage.h"
#include "utils/lsyscache.h"

#include "flux_mgmt.h"

static get_relation_info_hook_type precedent = NULL;

/* The rows a table of 'pages' pages holds at its columns' average width. */
static double
lignes_estimees(Oid relid, BlockNumber pages)
{
	int32		largeur = get_relation_data_width(relid, NULL)
		+ MAXALIGN(SizeofHeapTupleHeader) + sizeof(ItemIdData);
	double		par_page = (BLCKSZ - SizeOfPageHeaderData) / (double) Max(largeur, 1);

	return rint(par_page * pages);
}

static void
estimer(PlannerInfo *root, Oid relid, bool inhparent, RelOptInfo *rel)
{
	ListCell   *lc;

	if (precedent)
		precedent(root, relid, inhparent, rel);
	/* cheap tests first: the hook runs for every table of every query */
	if (rel->tuples > 0 || rel->pages == 0 || inhparent)
		return;
	if (get_rel_namespace(relid) != get_namespace_oid(FLUX_SCHEMA, true))
		return;
	rel->tuples = lignes_estimees(relid, rel->pages);
	/*
	 * An index over the whole table has its rows.  A partial one was clamped
	 * to the table's 0 rows: it gets the table's rows too, an upper bound (its
	 * predicate's selectivity cannot be estimated before the planner has
	 * registered the relation), so that it is never costed as empty.
	 */
	foreach(lc, rel->indexlist)
	{
		IndexOptInfo *index = lfirst_node(IndexOptInfo, lc);

		if (index->indpred == NIL || index->tuples < 1)
			index->tuples = rel->tuples;
	}
}

void
flux_init_statistiques(void)
{
	precedent = get_relation_info_hook;
	get_relation_info_hook = estimer;
}
