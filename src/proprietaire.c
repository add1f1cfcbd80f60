/*-------------------------------------------------------------------------
 *
 * proprietaire.c
 *		Acting as the owner of the extension's tables, safely.
 *
 * The counter triggers and the landlord locks read the rules' tables and
 * write the derived ones as the owner of the table concerned (the
 * ri_triggers.c way: SetUserIdAndSecContext with
 * SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION, restored by
 * the (sub)transaction's abort on error).  A write made so fires the table's
 * own triggers with the owner's rights: a trigger whose function belongs to
 * another role (one granted TRIGGER on the table) would run that role's code
 * as the owner, a superuser.  So before such a write the table's triggers are
 * checked: each function must belong to the table's owner or to a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_proc.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "flux_mgmt.h"

/*
 * The OIDs of the extension's relations by name, looked up at every event
 * (two syscache probes a name: 2 % of a pgbench transaction's backend time),
 * kept in the backend and forgotten at any change of a relation's or a
 * schema's name (syscache callbacks: a DROP, a rename, DROP EXTENSION), which
 * the backend takes in at its next lock, as it would the relation's.
 */
#define NB_CONNUES 32
typedef struct RelationConnue
{
	const char *litteral;		/* the caller's pointer, compared first */
	char		nom[NAMEDATALEN];
	Oid			relid;			/* InvalidOid: missing */
} RelationConnue;

static RelationConnue connues[NB_CONNUES];
static int	nb_connues = 0;
static bool rappels_inscrits = false;

static void
oublier_relations(Datum arg, int cacheid, uint32 hashvalue)
{
	nb_connues = 0;
}

/* The OID of a relation of the extension's schema, InvalidOid when there is none. */
Oid
flux_relation_si_existe(const char *nom)
{
	Oid			schema;
	Oid			relid;

	if (!rappels_inscrits)
	{
		CacheRegisterSyscacheCallback(RELNAMENSP, oublier_relations, (Datum) 0);
		CacheRegisterSyscacheCallback(NAMESPACENAME, oublier_relations, (Datum) 0);
		rappels_inscrits = true;
	}
	for (int i = 0; i < nb_connues; i++)
		if (connues[i].litteral == nom)
			return connues[i].relid;
	for (int i = 0; i < nb_connues; i++)
		if (strcmp(connues[i].nom, nom) == 0)
			return connues[i].relid;
	schema = get_namespace_oid(FLUX_SCHEMA, true);
	relid = OidIsValid(schema) ? get_relname_relid(nom, schema) : InvalidOid;
	/* (a callback during the lookups may have emptied the cache: append all the same) */
	if (nb_connues < NB_CONNUES && strlen(nom) < NAMEDATALEN)
	{
		connues[nb_connues].litteral = nom;
		strlcpy(connues[nb_connues].nom, nom, NAMEDATALEN);
		connues[nb_connues].relid = relid;
		nb_connues++;
	}
	return relid;
}

/* The OID of a table (or index) of the extension's schema. */
Oid
flux_relation(const char *nom)
{
	Oid			relid = flux_relation_si_existe(nom);

	if (!OidIsValid(relid))
		elog(ERROR, "flux_mgmt: relation %s.%s is missing", FLUX_SCHEMA, nom);
	return relid;
}

/*
 * One of the extension's SQL functions of one argument, called by its name
 * in the extension's schema (not through any search_path), without an
 * EXECUTE check: the extension calls its own.
 */
Datum
flux_appeler(const char *nom, Oid type_argument, Datum argument)
{
	Oid			argtypes[1] = {type_argument};

	return OidFunctionCall1(LookupFuncName(list_make2(makeString(FLUX_SCHEMA), makeString(pstrdup(nom))),
										   1, argtypes, false), argument);
}

/* The owner of a relation. */
Oid
flux_proprietaire(Oid relid)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "flux_mgmt: cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tuple))->relowner;
	ReleaseSysCache(tuple);
	return owner;
}

/* Runs as owner from now on, saving who was running into *avant. */
void
flux_agir_en_proprietaire(Oid owner, FluxIdentite *avant)
{
	GetUserIdAndSecContext(&avant->utilisateur, &avant->contexte);
	SetUserIdAndSecContext(owner,
						   avant->contexte | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
}

void
flux_redevenir(const FluxIdentite *avant)
{
	SetUserIdAndSecContext(avant->utilisateur, avant->contexte);
}

static Oid
proprietaire_fonction(Oid fonction)
{
	HeapTuple	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(fonction));
	Oid			owner;

	if (!HeapTupleIsValid(tuple))
		elog(ERROR, "flux_mgmt: cache lookup failed for function %u", fonction);
	owner = ((Form_pg_proc) GETSTRUCT(tuple))->proowner;
	ReleaseSysCache(tuple);
	return owner;
}

/*
 * The tables found safe, so that an event statement does not open and check
 * the same tables again: a trigger created or dropped, or an owner changed,
 * invalidates the table's relcache entry, and with it its place here.
 */
#define TABLES_SURES 8
static Oid	tables_sures[TABLES_SURES];
static int	nombre_sures = 0;
static bool rappel_inscrit = false;

static void
oublier_table(Datum arg, Oid relid)
{
	for (int i = 0; i < nombre_sures; i++)
		if (relid == InvalidOid || tables_sures[i] == relid)
			tables_sures[i--] = tables_sures[--nombre_sures];
}

/* a function's owner changed: every table is checked again */
static void
oublier_tout(Datum arg, int cacheid, uint32 hashvalue)
{
	nombre_sures = 0;
}

/*
 * Refuses when a trigger of the table would run another role's code as its
 * owner.  The table is locked first in the mode its write takes anyway: no
 * trigger can be created on it until the transaction ends, and the
 * invalidations of a trigger created before are read, so the list above is
 * current.
 */
void
flux_exiger_declencheurs_surs(Oid relid)
{
	Relation	rel;
	Oid			owner;
	TriggerDesc *declencheurs;

	if (!rappel_inscrit)
	{
		CacheRegisterRelcacheCallback(oublier_table, (Datum) 0);
		CacheRegisterSyscacheCallback(PROCOID, oublier_tout, (Datum) 0);
		rappel_inscrit = true;
	}
	LockRelationOid(relid, RowExclusiveLock);
	for (int i = 0; i < nombre_sures; i++)
		if (tables_sures[i] == relid)
			return;
	rel = table_open(relid, NoLock);
	owner = rel->rd_rel->relowner;
	declencheurs = rel->trigdesc;

	for (int i = 0; declencheurs != NULL && i < declencheurs->numtriggers; i++)
	{
		Trigger    *t = &declencheurs->triggers[i];
		Oid			auteur = proprietaire_fonction(t->tgfoid);

		if (auteur != owner && !superuser_arg(auteur))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("trigger \"%s\" of table %s.%s runs a function of role %s",
							t->tgname, FLUX_SCHEMA, RelationGetRelationName(rel),
							GetUserNameFromId(auteur, false)),
					 errdetail("flux_mgmt writes this table as its owner: the trigger would run that role's code with the owner's rights."),
					 errhint("Drop the trigger, or have the table's owner own its function.")));
	}
	table_close(rel, NoLock);
	if (nombre_sures < TABLES_SURES)
		tables_sures[nombre_sures++] = relid;
}

PG_FUNCTION_INFO_V1(flux_exiger_declencheurs_surs_sql);
Datum
flux_exiger_declencheurs_surs_sql(PG_FUNCTION_ARGS)
{
	flux_exiger_declencheurs_surs(PG_GETARG_OID(0));
	PG_RETURN_VOID();
}
