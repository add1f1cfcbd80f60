/*-------------------------------------------------------------------------
 *
 * portee.c
 *		Who is asking, and what it may see: the caller's scope, once a
 *		statement.
 *
 * The figure readers (sql/src/81_lecteurs_partages.sql) run as the owner
 * over every row and filter their lines on the scope of the role that asks:
 * the role in effect at the outer level (SET ROLE's, or the session's), which
 * a SECURITY DEFINER function does not change (portee()).  The row-level
 * policies test the current role's (portee_courante()), the role row-level
 * security applies to.
 *
 * The scope itself is computed in SQL (portee_de(), from the table acces);
 * a policy asks for it at every row, so it is kept for the rest of the
 * command: a new command, or a new transaction, computes it again (a profile
 * granted or withdrawn, a landlord added, is seen by the next statement).
 * A role that row-level security does not restrict (a superuser, BYPASSRLS,
 * a member of the tables' owner) gets "everything" without any query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"

#include "flux_mgmt.h"

/* the scope computed for (role, transaction, command), in TopTransactionContext */
static struct
{
	bool		valide;
	Oid			role;
	LocalTransactionId lxid;
	CommandId	cid;
	Datum		portee;
} memoire;

static bool rappel_enregistre = false;

static void
oublier_portee(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		memoire.valide = false;
}

/* The role whose rights bound what the caller sees. */
PG_FUNCTION_INFO_V1(flux_role_appelant);
Datum
flux_role_appelant(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}

/* Whether row-level security leaves this role unrestricted on the extension's tables. */
static bool
sans_restriction(Oid role)
{
	return superuser_arg(role) || has_bypassrls_privilege(role) ||
		has_privs_of_role(role, flux_proprietaire(flux_relation("acces")));
}

/* The scope "everything": tout true, every list empty. */
static Datum
portee_entiere(FunctionCallInfo fcinfo)
{
	TupleDesc	desc;
	Datum	   *valeurs;
	bool	   *nuls;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux_mgmt: portee() must return a composite type");
	desc = BlessTupleDesc(desc);
	valeurs = palloc0(sizeof(Datum) * desc->natts);
	nuls = palloc0(sizeof(bool) * desc->natts);
	for (i = 0; i < desc->natts; i++)
	{
		Oid			type = TupleDescAttr(desc, i)->atttypid;

		if (type == BOOLOID)
			valeurs[i] = BoolGetDatum(true);	/* tout */
		else
			valeurs[i] = PointerGetDatum(construct_empty_array(TEXTOID));
	}
	return HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls));
}

/* portee_de(role), called without an EXECUTE check: it is the extension's own. */
static Datum
portee_calculee(Oid role)
{
	Oid			argtypes[1] = {REGROLEOID};
	Oid			fonction = LookupFuncName(list_make2(makeString(FLUX_SCHEMA), makeString("portee_de")),
										  1, argtypes, false);

	return OidFunctionCall1(fonction, ObjectIdGetDatum(role));
}

static Datum
portee_de_role(FunctionCallInfo fcinfo, Oid role)
{
	LocalTransactionId lxid = MyProc->lxid;
	CommandId	cid = GetCurrentCommandId(false);

	if (!(memoire.valide && memoire.role == role && memoire.lxid == lxid && memoire.cid == cid))
	{
		Datum		portee;
		MemoryContext avant;

		if (!rappel_enregistre)
		{
			RegisterXactCallback(oublier_portee, NULL);
			rappel_enregistre = true;
		}
		if (memoire.valide && memoire.lxid == lxid)
			pfree(DatumGetPointer(memoire.portee));
		memoire.valide = false;
		portee = sans_restriction(role) ? portee_entiere(fcinfo) : portee_calculee(role);
		avant = MemoryContextSwitchTo(TopTransactionContext);
		memoire.portee = datumCopy(portee, false, -1);
		MemoryContextSwitchTo(avant);
		memoire.role = role;
		memoire.lxid = lxid;
		memoire.cid = cid;
		memoire.valide = true;
	}
	return datumCopy(memoire.portee, false, -1);
}

/* The scope of the role at the outer level: what the figure readers filter for. */
PG_FUNCTION_INFO_V1(flux_portee);
Datum
flux_portee(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(portee_de_role(fcinfo, GetOuterUserId()));
}

/* The scope of the current role: what the policies test, as row-level security applies to it. */
PG_FUNCTION_INFO_V1(flux_portee_courante);
Datum
flux_portee_courante(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(portee_de_role(fcinfo, GetUserId()));
}
