/*-------------------------------------------------------------------------
 *
 * portee.c
 *		Who is asking, and what it may see: the caller's scope, once a
 *		statement.
 *
 * The row-level policies (sql/src/95_acces_politiques.sql) test the scope of
 * the current role, the role row-level security applies to.  The figure
 * readers (sql/src/81_lecteurs_partages.sql) run as the owner over every row
 * and keep the lines of the scope the view that calls them computed, as its
 * invoker: they trust it only if this statement issued it (portee_sure()),
 * so a scope cannot be written by hand, nor borrowed by a SECURITY DEFINER
 * function from its caller.
 *
 * The scope itself is computed in SQL (portee_de(), from the table acces);
 * a policy asks for it at every row, so it is kept for the rest of the
 * statement: the next one computes it again (a profile granted or
 * withdrawn, a landlord added, is seen by the next statement).
 * A role that row-level security does not restrict (a superuser, BYPASSRLS,
 * a member of the tables' owner) gets "everything" without any query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/pg_list.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "flux_mgmt.h"

/*
 * The scopes computed in this statement, in TopTransactionContext: one per
 * role asked for (few: the session's, the owner's, a SECURITY DEFINER
 * function's), for (transaction, command, statement).  A statement is also
 * told apart by its start: between two read-only statements the command id
 * stays, a profile withdrawn meanwhile by another session does not.
 *
 * Every scope issued carries a random token (jeton); the readers trust a
 * scope only if this transaction issued it, token and all (registre): the
 * contents of a role's scope can be guessed, its token cannot.  The
 * transaction, not the statement: a cursor's later FETCHes are statements
 * of their own.
 */
#define PORTEES_MAX 8

typedef struct Portee
{
	Oid			role;
	Datum		valeur;
} Portee;

static struct
{
	LocalTransactionId lxid;
	CommandId	cid;
	TimestampTz debut;
	int			n;
	Portee		portees[PORTEES_MAX];
} memoire;

/*
 * The scopes issued in the transaction, with their tokens (emise), each
 * beside its contents without the token (brute): a scope recomputed with
 * the same contents gets the token it had, so that a long transaction of
 * many statements keeps one entry per distinct scope, not one per statement.
 */
typedef struct Emission
{
	Datum		brute;
	Datum		emise;
} Emission;

static LocalTransactionId registre_lxid = InvalidLocalTransactionId;
static List *registre = NIL;	/* of Emission, in TopTransactionContext */

static bool rappel_enregistre = false;

static void
oublier_portees(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		memoire.n = 0;
		registre = NIL;			/* its memory goes with TopTransactionContext */
		registre_lxid = InvalidLocalTransactionId;
	}
}

/* Whether the scopes kept are this statement's; if not, forgets them. */
static void
memoire_du_moment(void)
{
	LocalTransactionId lxid = MyProc->lxid;
	CommandId	cid = GetCurrentCommandId(false);
	TimestampTz debut = GetCurrentStatementStartTimestamp();

	if (!rappel_enregistre)
	{
		RegisterXactCallback(oublier_portees, NULL);
		rappel_enregistre = true;
	}
	if (registre_lxid != lxid)
	{
		registre = NIL;
		registre_lxid = lxid;
		memoire.n = 0;
	}
	if (memoire.n > 0 && memoire.lxid == lxid && memoire.cid == cid && memoire.debut == debut)
		return;
	memoire.n = 0;				/* the datums stay in the registre */
	memoire.lxid = lxid;
	memoire.cid = cid;
	memoire.debut = debut;
}

/* Whether row-level security leaves this role unrestricted on the extension's tables. */
static bool
sans_restriction(Oid role)
{
	return superuser_arg(role) || has_bypassrls_privilege(role) ||
		has_privs_of_role(role, flux_proprietaire(flux_relation("acces")));
}

/* The scope "everything": every flag true, every list empty, the role. */
static Datum
portee_entiere(FunctionCallInfo fcinfo, Oid role)
{
	TupleDesc	desc;
	Datum	   *valeurs;
	bool	   *nuls;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux_mgmt: portee() must return a composite type");
	desc = BlessTupleDesc(desc);
	valeurs = palloc0(sizeof(Datum) * desc->natts);
	nuls = palloc0(sizeof(bool) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		Oid			type = TupleDescAttr(desc, i)->atttypid;

		if (type == BOOLOID)
			valeurs[i] = BoolGetDatum(true);
		else if (type == REGROLEOID)
			valeurs[i] = ObjectIdGetDatum(role);
		else if (type == INT8OID)
			nuls[i] = true;		/* the token, set by avec_jeton() */
		else
			valeurs[i] = PointerGetDatum(construct_empty_array(TEXTOID));
	}
	return HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls));
}

/* The scope with a random token in its field jeton (the last). */
static Datum
avec_jeton(FunctionCallInfo fcinfo, Datum portee)
{
	TupleDesc	desc;
	Datum	   *valeurs;
	bool	   *nuls;
	int64		jeton;

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux_mgmt: portee() must return a composite type");
	desc = BlessTupleDesc(desc);
	valeurs = palloc(sizeof(Datum) * desc->natts);
	nuls = palloc(sizeof(bool) * desc->natts);
	flux_champs(portee, desc, valeurs, nuls);
	if (!pg_strong_random(&jeton, sizeof(jeton)))
		ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random token")));
	valeurs[desc->natts - 1] = Int64GetDatum(jeton);
	nuls[desc->natts - 1] = false;
	return HeapTupleGetDatum(heap_form_tuple(desc, valeurs, nuls));
}


/*
 * The scope of the current role: what the policies test (row-level security
 * applies to that role), and what the views hand to the figure readers,
 * which run as the owner and trust a scope only if this statement issued it
 * (portee_sure): a SECURITY DEFINER function of another role gets that
 * role's scope, never its caller's.
 */
static Datum
portee_pour(FunctionCallInfo fcinfo, Oid role)
{
	Datum		brute;
	Datum		portee;
	MemoryContext avant;
	ListCell   *lc;

	memoire_du_moment();
	for (int i = 0; i < memoire.n; i++)
		if (memoire.portees[i].role == role)
			return memoire.portees[i].valeur;
	brute = sans_restriction(role) ? portee_entiere(fcinfo, role) : flux_appeler("portee_de", REGROLEOID, ObjectIdGetDatum(role));
	portee = (Datum) 0;
	foreach(lc, registre)
	{
		Emission   *e = lfirst(lc);

		if (datumIsEqual(e->brute, brute, false, -1))
			portee = e->emise;
	}
	avant = MemoryContextSwitchTo(TopTransactionContext);
	if (portee == (Datum) 0)
	{
		Emission   *e = palloc(sizeof(Emission));

		e->brute = datumCopy(brute, false, -1);
		e->emise = portee = datumCopy(avec_jeton(fcinfo, brute), false, -1);
		registre = lappend(registre, e);
	}
	if (memoire.n < PORTEES_MAX)
	{
		memoire.portees[memoire.n].role = role;
		memoire.portees[memoire.n].valeur = portee;
		memoire.n++;
	}
	MemoryContextSwitchTo(avant);
	return portee;
}

PG_FUNCTION_INFO_V1(flux_portee);
Datum
flux_portee(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(datumCopy(portee_pour(fcinfo, GetUserId()), false, -1));
}

/*
 * A scope handed to a reader that runs as the owner: returned as it is when
 * this transaction issued it (portee(), byte for byte, token included),
 * refused otherwise (a scope written by hand, or kept from another
 * transaction).
 */
PG_FUNCTION_INFO_V1(flux_portee_sure);
Datum
flux_portee_sure(PG_FUNCTION_ARGS)
{
	Datum		p;
	ListCell   *lc;
	Oid			role;
	bool		sans_role;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("a null scope is not a caller's scope"),
				 errhint("Pass flux_mgmt.portee(), as the views do.")));
	p = PointerGetDatum(PG_DETOAST_DATUM(PG_GETARG_DATUM(0)));
	memoire_du_moment();
	role = DatumGetObjectId(GetAttributeByName((HeapTupleHeader) DatumGetPointer(p), "role", &sans_role));

	/*
	 * Trusted when it is its role's scope at this statement, as portee()
	 * issues it: a profile withdrawn since an earlier statement (in this
	 * transaction, or by another one committed since) takes its rows away
	 * from the readers as from the policies.
	 */
	if (!sans_role && datumIsEqual(portee_pour(fcinfo, role), p, false, -1))
		PG_RETURN_DATUM(p);
	foreach(lc, registre)
		if (datumIsEqual(((Emission *) lfirst(lc))->emise, p, false, -1))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("this scope is no longer the scope of role %s",
							GetUserNameFromId(role, true) ? GetUserNameFromId(role, true) : "(dropped)"),
					 errdetail("Its profiles changed since it was issued."),
					 errhint("Pass flux_mgmt.portee() of the current statement, as the views do.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("this scope was not issued by flux_mgmt.portee() in this transaction"),
			 errdetail("A reader that runs as the owner serves the scope of the role that calls it, as portee() gives it."),
			 errhint("Pass flux_mgmt.portee(), as the views do.")));
	PG_RETURN_NULL();
}
