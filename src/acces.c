/*-------------------------------------------------------------------------
 *
 * acces.c
 *		Reading the extension's tables through their indexes, locking rows,
 *		and writing through the executor's simple-relation routines (those
 *		logical replication applies changes with): no query planned, no name
 *		resolved through a search_path.  The counter triggers' fast path
 *		(chemin_rapide.c) and the writing of the counters (en_attente.c) use
 *		them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "flux_mgmt.h"
#include "acces.h"

static bool flux_ecriture_directe_permise(Relation rel, const char *const *checks_connus,
										  const char *const *declencheurs_muets, Bitmapset *colonnes_changees);


/*
 * The attribute number of a column, checked to exist.  The fast path asks
 * for the same few columns, by the same string constants, dozens of times a
 * statement: the last answer for a (relation, name pointer) pair is kept in
 * a small table and checked against the descriptor (one comparison of the
 * name) before it is trusted, so a table altered meanwhile is searched again.
 */
#define MEMO_ATTNUM 1024

typedef struct MemoAttnum
{
	Oid			relid;
	const char *nom;
	AttrNumber	attnum;
} MemoAttnum;

static MemoAttnum memo_attnum[MEMO_ATTNUM];

AttrNumber
flux_attnum(Relation rel, const char *nom)
{
	TupleDesc	desc = RelationGetDescr(rel);
	MemoAttnum *m = &memo_attnum[hash_combine(RelationGetRelid(rel), (uint32) ((uintptr_t) nom * 2654435761u >> 8)) % MEMO_ATTNUM];

	if (m->relid == RelationGetRelid(rel) && m->nom == nom && m->attnum <= desc->natts)
	{
		Form_pg_attribute a = TupleDescAttr(desc, m->attnum - 1);

		if (!a->attisdropped && strcmp(NameStr(a->attname), nom) == 0)
			return m->attnum;
	}
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(desc, i);

		if (!a->attisdropped && strcmp(NameStr(a->attname), nom) == 0)
		{
			m->relid = RelationGetRelid(rel);
			m->nom = nom;
			m->attnum = a->attnum;
			return a->attnum;
		}
	}
	elog(ERROR, "flux_mgmt: column %s of %s is missing", nom, RelationGetRelationName(rel));
	return InvalidAttrNumber;	/* keep the compiler quiet */
}

/*
 * The labels looked up, by enum type and label: forgotten whenever pg_enum
 * changes (a label renamed, a type dropped), through the syscache's
 * invalidation.
 */
#define ETIQUETTES 64

typedef struct Etiquette
{
	Oid			type;
	char		label[NAMEDATALEN];
	Oid			oid;
} Etiquette;

static Etiquette etiquettes[ETIQUETTES];
static int	nb_etiquettes = 0;
static bool etiquettes_surveillees = false;

static void
oublier_etiquettes(Datum arg, int cacheid, uint32 hashvalue)
{
	nb_etiquettes = 0;
}

/* The OID of an enum label of the type of a column. */
Oid
flux_etiquette(Relation rel, const char *colonne, const char *label)
{
	Oid			type = TupleDescAttr(RelationGetDescr(rel), flux_attnum(rel, colonne) - 1)->atttypid;
	HeapTuple	tup;
	Oid			oid;

	for (int i = 0; i < nb_etiquettes; i++)
		if (etiquettes[i].type == type && strcmp(etiquettes[i].label, label) == 0)
			return etiquettes[i].oid;
	if (!etiquettes_surveillees)
	{
		CacheRegisterSyscacheCallback(ENUMOID, oublier_etiquettes, (Datum) 0);
		CacheRegisterSyscacheCallback(ENUMTYPOIDNAME, oublier_etiquettes, (Datum) 0);
		etiquettes_surveillees = true;
	}
	tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(type), CStringGetDatum(label));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "flux_mgmt: label %s of column %s is missing", label, colonne);
	oid = ((Form_pg_enum) GETSTRUCT(tup))->oid;
	ReleaseSysCache(tup);
	if (nb_etiquettes < ETIQUETTES && strlen(label) < NAMEDATALEN)
	{
		etiquettes[nb_etiquettes].type = type;
		strlcpy(etiquettes[nb_etiquettes].label, label, NAMEDATALEN);
		etiquettes[nb_etiquettes].oid = oid;
		nb_etiquettes++;
	}
	return oid;
}

/* Two values of one column are equal (varlenas by their contents, not their headers). */
bool
flux_egales(Datum a, bool na, Datum b, bool nb, int16 typlen, bool typbyval)
{
	if (na || nb)
		return na && nb;
	if (typlen == -1)
	{
		text	   *ta = DatumGetTextPP(a);
		text	   *tb = DatumGetTextPP(b);

		return VARSIZE_ANY_EXHDR(ta) == VARSIZE_ANY_EXHDR(tb)
			&& memcmp(VARDATA_ANY(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(ta)) == 0;
	}
	return datumIsEqual(a, b, typbyval, typlen);
}

/* The fields of a composite value (a row of a type), as heap_deform_tuple() gives them. */
void
flux_champs(Datum composite, TupleDesc desc, Datum *valeurs, bool *nuls)
{
	HeapTupleHeader entete = DatumGetHeapTupleHeader(composite);
	HeapTupleData tuple;

	tuple.t_len = HeapTupleHeaderGetDatumLength(entete);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = entete;
	heap_deform_tuple(&tuple, desc, valeurs, nuls);
}

/* ---- reading through an index ---- */

#define EGALITES 32

typedef struct Egalite
{
	Oid			famille;
	Oid			type;
	RegProcedure proc;
} Egalite;

static Egalite egalites[EGALITES];
static int	nb_egalites = 0;
static bool egalites_surveillees = false;

static void
oublier_egalites(Datum arg, int cacheid, uint32 hashvalue)
{
	nb_egalites = 0;
}

/*
 * The function of the equality operator of an operator family for a type,
 * kept: every probe asks it again, and two syscache lookups a key column
 * cost as much as the probe's descent.  Forgotten when an operator family
 * or an operator changes.
 */
static RegProcedure
egalite(Oid famille, Oid type)
{
	RegProcedure proc;

	for (int i = 0; i < nb_egalites; i++)
		if (egalites[i].famille == famille && egalites[i].type == type)
			return egalites[i].proc;
	if (!egalites_surveillees)
	{
		CacheRegisterSyscacheCallback(AMOPSTRATEGY, oublier_egalites, (Datum) 0);
		CacheRegisterSyscacheCallback(OPEROID, oublier_egalites, (Datum) 0);
		egalites_surveillees = true;
	}
	proc = get_opcode(get_opfamily_member(famille, type, type, BTEqualStrategyNumber));
	if (!RegProcedureIsValid(proc))
		elog(ERROR, "flux_mgmt: no equality operator in operator family %u for type %u", famille, type);
	if (nb_egalites < EGALITES)
	{
		egalites[nb_egalites].famille = famille;
		egalites[nb_egalites].type = type;
		egalites[nb_egalites].proc = proc;
		nb_egalites++;
	}
	return proc;
}

/*
 * Equality scan keys on the first n columns of an index (IS NULL for a null
 * value: the counter keys are NULLS NOT DISTINCT).
 */
static void
cles_egalite(Relation idx, int n, const Datum *valeurs, const bool *nuls, ScanKey cles)
{
	for (int i = 0; i < n; i++)
	{
		if (nuls != NULL && nuls[i])
		{
			ScanKeyEntryInitialize(&cles[i], SK_ISNULL | SK_SEARCHNULL, i + 1, InvalidStrategy,
								   InvalidOid, InvalidOid, InvalidOid, (Datum) 0);
			continue;
		}
		ScanKeyEntryInitialize(&cles[i], 0, i + 1, BTEqualStrategyNumber, InvalidOid,
							   idx->rd_indcollation[i], egalite(idx->rd_opfamily[i], idx->rd_opcintype[i]),
							   valeurs[i]);
	}
}


void
flux_ouvrir_lecture(FluxLecture *l, Relation rel, const char *index, Snapshot snap, int n, const Datum *valeurs,
			   const bool *nuls)
{
	ScanKeyData cles[INDEX_MAX_KEYS];

	l->idx = index_open(flux_relation(index), AccessShareLock);
	cles_egalite(l->idx, n, valeurs, nuls, cles);
	l->scan = index_beginscan(rel, l->idx, snap, n, 0);
	index_rescan(l->scan, cles, n, NULL, 0);
}

/*
 * A scan of the rows whose first indexed column, a bigint, lies between bas
 * and haut: one descent for a run of neighbouring keys.
 */
void
flux_ouvrir_intervalle(FluxLecture *l, Relation rel, const char *index, Snapshot snap, int64 bas, int64 haut)
{
	ScanKeyData cles[2];

	l->idx = index_open(flux_relation(index), AccessShareLock);
	if (l->idx->rd_opcintype[0] != INT8OID)
		elog(ERROR, "flux_mgmt: index %s does not start with a bigint", index);
	ScanKeyInit(&cles[0], 1, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(bas));
	ScanKeyInit(&cles[1], 1, BTLessEqualStrategyNumber, F_INT8LE, Int64GetDatum(haut));
	l->scan = index_beginscan(rel, l->idx, snap, 2, 0);
	index_rescan(l->scan, cles, 2, NULL, 0);
}

/*
 * The same scan again, for other values of the same columns: the keys made
 * by flux_ouvrir_lecture(), their operators looked up once, with new
 * arguments; made again when some are null (nuls, or NULL for none), which
 * makes another kind of key.
 */
void
flux_relancer_lecture(FluxLecture *l, int n, const Datum *valeurs, const bool *nuls)
{
	ScanKeyData cles[INDEX_MAX_KEYS];
	bool		memes = true;

	Assert(n == l->scan->numberOfKeys);
	memcpy(cles, l->scan->keyData, sizeof(ScanKeyData) * n);
	for (int i = 0; i < n; i++)
	{
		memes &= !(cles[i].sk_flags & SK_ISNULL) && !(nuls != NULL && nuls[i]);
		cles[i].sk_argument = valeurs[i];
	}
	if (!memes)
		cles_egalite(l->idx, n, valeurs, nuls, cles);
	index_rescan(l->scan, cles, n, NULL, 0);
}

void
flux_fermer_lecture(FluxLecture *l)
{
	index_endscan(l->scan);
	index_close(l->idx, NoLock);
}

/* The one row of a unique key, visible to snap; false when there is none. */
bool
flux_lire(Relation rel, const char *index, Snapshot snap, int n, const Datum *valeurs, TupleTableSlot *slot)
{
	FluxLecture		l;
	bool		trouve;

	flux_ouvrir_lecture(&l, rel, index, snap, n, valeurs, NULL);
	trouve = index_getnext_slot(l.scan, ForwardScanDirection, slot);
	flux_fermer_lecture(&l);
	return trouve;
}

/*
 * Locks the latest version of a row (waiting for its writers) and reads it
 * into slot; false when it was deleted meanwhile.
 */
bool
flux_verrouiller_ligne(Relation rel, ItemPointer tid, LockTupleMode mode, TupleTableSlot *slot)
{
	TM_FailureData tmfd;
	TM_Result	r;

	r = table_tuple_lock(rel, tid, GetActiveSnapshot(), slot, GetCurrentCommandId(false), mode,
						 LockWaitBlock, TUPLE_LOCK_FLAG_FIND_LAST_VERSION, &tmfd);
	if (r == TM_Deleted || r == TM_SelfModified)
		return false;			/* the general path will find out */
	if (r != TM_Ok)
		elog(ERROR, "flux_mgmt: unexpected tuple lock result %d", (int) r);
	return true;
}

/*
 * Opens a table to write as its owner: straight through the table AM when
 * its row triggers and CHECK constraints allow it (flux_ecriture_directe_permise,
 * checks_connus the constraints known to hold, colonnes_changees those an
 * UPDATE changes, NULL for an INSERT), else through the executor's
 * simple-relation routines, which fire and check them.  The table is locked
 * before its triggers are read: none can be created in between.
 */
void
flux_ouvrir_ecriture(FluxEcriture *e, const char *table, const char *const *checks_connus,
					 const char *const *declencheurs_muets, Bitmapset *colonnes_changees)
{
	RangeTblEntry *rte;
	Oid			relid = flux_relation(table);

	memset(e, 0, sizeof(*e));
	/* its triggers run no other role's code: it is written as its owner */
	flux_exiger_declencheurs_surs(relid);
	e->rel = table_open(relid, RowExclusiveLock);
	if (flux_ecriture_directe_permise(e->rel, checks_connus, declencheurs_muets, colonnes_changees))
	{
		e->slot = table_slot_create(e->rel, NULL);
		return;
	}
	rte = makeNode(RangeTblEntry);
	e->estate = CreateExecutorState();
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = e->rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	/* the columns changed: column triggers (date_limite) see what changed */
	FLUX_INIT_RANGE_TABLE(e->estate, rte, colonnes_changees);
	e->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(e->rri, e->rel, 1, NULL, 0);
	e->estate->es_opened_result_relations = lappend(e->estate->es_opened_result_relations, e->rri);
	e->estate->es_output_cid = GetCurrentCommandId(true);
	e->estate->es_snapshot = GetActiveSnapshot();
	ExecOpenIndices(e->rri, false);
	FLUX_EPQ_INIT(&e->epq, e->estate);
	e->slot = table_slot_create(e->rel, &e->estate->es_tupleTable);
	AfterTriggerBeginQuery();
}

void
flux_fermer_ecriture(FluxEcriture *e)
{
	if (e->estate == NULL)
	{
		ExecDropSingleTupleTableSlot(e->slot);
		if (e->index_rri != NULL)
		{
			ExecCloseIndices(e->index_rri);
			FreeExecutorState(e->index_estate);
		}
	}
	else
	{
		AfterTriggerEndQuery(e->estate);	/* the row triggers (foreign keys) fire here */
		EvalPlanQualEnd(&e->epq);
		ExecCloseIndices(e->rri);
		ExecResetTupleTable(e->estate->es_tupleTable, false);
		FreeExecutorState(e->estate);
	}
	table_close(e->rel, NoLock);
}

/*
 * Reads the locked version at tid into ancien and copies its values into the
 * writer's slot, for the caller to change and write with flux_ecrire_version().
 * SnapshotAny: the version locked is the latest, maybe made after the snapshot.
 */
void
flux_copier_version(FluxEcriture *e, ItemPointer tid, TupleTableSlot *ancien)
{
	if (!table_tuple_fetch_row_version(e->rel, tid, SnapshotAny, ancien))
		elog(ERROR, "flux_mgmt: locked row of %s vanished", RelationGetRelationName(e->rel));
	slot_getallattrs(ancien);
	ExecClearTuple(e->slot);
	memcpy(e->slot->tts_values, ancien->tts_values, sizeof(Datum) * e->rel->rd_att->natts);
	memcpy(e->slot->tts_isnull, ancien->tts_isnull, sizeof(bool) * e->rel->rd_att->natts);
}

/* ---- writing straight through the table AM ---- */

/*
 * The index entries of a row just written (all, or only the summarizing
 * ones).  The indexes are opened at the writer's first row that needs them
 * and kept until it is closed: a batch writes dozens of ledger rows, and
 * opening every index of the table for each (ExecOpenIndices builds their
 * IndexInfo) cost more than the insertions.
 */
static void
entrees_index(FluxEcriture *e, bool seulement_resume)
{
	if (e->index_rri == NULL)
	{
		e->index_estate = CreateExecutorState();
		e->index_rri = makeNode(ResultRelInfo);
		InitResultRelInfo(e->index_rri, e->rel, 1, NULL, 0);
		ExecOpenIndices(e->index_rri, false);
	}
	if (e->index_rri->ri_NumIndices > 0)
		(void) FLUX_INSERT_INDEX_TUPLES(e->index_rri, e->slot, e->index_estate, seulement_resume);
	ResetPerTupleExprContext(e->index_estate);
}

/*
 * Whether a row trigger is one of the extension's own the caller knows does
 * not fire on the rows it writes (its WHEN clause false for them): of that
 * name, and running a function of the extension's schema.
 */
static bool
declencheur_muet(const Trigger *t, const char *const *muets)
{
	for (int j = 0; muets != NULL && muets[j] != NULL; j++)
		if (strcmp(t->tgname, muets[j]) == 0)
			return get_func_namespace(t->tgfoid) == get_namespace_oid(FLUX_SCHEMA, false);
	return false;
}

/*
 * Whether an UPDATE of those columns changes the key of the foreign key a
 * RI_FKey_* trigger serves: its referencing columns (the check on the
 * referencing table) or its referenced ones (the actions on the other side).
 */
static bool
cle_touchee(const Trigger *t, Bitmapset *colonnes_changees)
{
	HeapTuple	tuple = SearchSysCache1(CONSTROID, ObjectIdGetDatum(t->tgconstraint));
	bool		reference = t->tgfoid == F_RI_FKEY_CHECK_INS || t->tgfoid == F_RI_FKEY_CHECK_UPD;
	bool		nul;
	Datum		d;
	ArrayType  *cles;
	Datum	   *attnums;
	int			n;
	bool		touchee = false;

	if (!HeapTupleIsValid(tuple))
		return true;			/* not known: let the executor check it */
	d = SysCacheGetAttr(CONSTROID, tuple, reference ? Anum_pg_constraint_conkey : Anum_pg_constraint_confkey, &nul);
	if (nul)
	{
		ReleaseSysCache(tuple);
		return true;
	}
	cles = DatumGetArrayTypeP(d);
	deconstruct_array(cles, INT2OID, sizeof(int16), true, TYPALIGN_SHORT, &attnums, NULL, &n);
	for (int i = 0; i < n; i++)
		touchee |= bms_is_member(DatumGetInt16(attnums[i]) - FirstLowInvalidHeapAttributeNumber, colonnes_changees);
	ReleaseSysCache(tuple);
	return touchee;
}

/*
 * Whether the row triggers and constraints of a table let the fast path
 * write it straight through the table AM, no constraint checked, no trigger
 * fired: an INSERT (colonnes_changees NULL) or an UPDATE of those columns
 * would fire no row trigger but those of foreign keys checked immediately
 * whose key the UPDATE leaves alone (an INSERT with a foreign key to check
 * goes through the executor) and the extension's own that the caller knows stay silent on its
 * rows (declencheurs_muets, by name),
 * and the table has no more CHECK constraints than the caller knows hold.
 */
static bool
flux_ecriture_directe_permise(Relation rel, const char *const *checks_connus,
							  const char *const *declencheurs_muets, Bitmapset *colonnes_changees)
{
	TriggerDesc *td = rel->trigdesc;
	bool		mise_a_jour = colonnes_changees != NULL;

	/* every CHECK constraint one of those the caller knows hold, by name */
	for (int i = 0; rel->rd_att->constr != NULL && i < rel->rd_att->constr->num_check; i++)
	{
		bool		connu = false;

		for (int j = 0; checks_connus != NULL && checks_connus[j] != NULL; j++)
			connu |= strcmp(rel->rd_att->constr->check[i].ccname, checks_connus[j]) == 0;
		if (!connu)
			return false;
	}
	for (int i = 0; td != NULL && i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];
		bool		touche = t->tgnattr == 0;

		if (!TRIGGER_FOR_ROW(t->tgtype) || t->tgenabled == TRIGGER_DISABLED)
			continue;
		if (mise_a_jour ? !TRIGGER_FOR_UPDATE(t->tgtype) : !TRIGGER_FOR_INSERT(t->tgtype))
			continue;			/* not fired by this write */
		if (t->tgisinternal && !t->tgdeferrable && t->tgfoid >= F_RI_FKEY_CHECK_INS && t->tgfoid <= F_RI_FKEY_NOACTION_UPD)
		{
			/* a foreign key checked immediately: skipped while the write leaves its key alone */
			if (!mise_a_jour || cle_touchee(t, colonnes_changees))
				return false;
			continue;
		}
		for (int j = 0; mise_a_jour && j < t->tgnattr; j++)
			touche |= bms_is_member(t->tgattr[j] - FirstLowInvalidHeapAttributeNumber, colonnes_changees);
		if (mise_a_jour && !touche)
			continue;			/* UPDATE OF other columns */
		if (declencheur_muet(t, declencheurs_muets))
			continue;
		return false;
	}
	return true;
}

/* Updates the locked row at tid with the writer's slot, straight through the table AM. */
static void
mettre_a_jour(FluxEcriture *e, ItemPointer tid)
{
	Relation	rel = e->rel;
	bool		entrees;
	bool		resume;

	/* published for updates without a replica identity: refused, as the executor does */
	CheckCmdReplicaIdentity(rel, CMD_UPDATE);
	FLUX_SIMPLE_UPDATE(rel, tid, e->slot, GetActiveSnapshot(), entrees, resume);
	if (entrees)
		entrees_index(e, resume);	/* not HOT: the page was full */
}

/* Inserts the writer's slot, straight through the table AM, with its index entries. */
static void
inserer(FluxEcriture *e)
{
	simple_table_tuple_insert(e->rel, e->slot);
	entrees_index(e, false);
}

/* Writes the writer's slot (virtual, stored) as the new version of ancien's row. */
void
flux_ecrire_version(FluxEcriture *e, TupleTableSlot *ancien)
{
	if (e->estate == NULL)
		mettre_a_jour(e, &ancien->tts_tid);
	else
		ExecSimpleRelationUpdate(e->rri, e->estate, &e->epq, ancien, e->slot);
}

/* Inserts the writer's slot (virtual, stored) as a new row. */
void
flux_ecrire_nouvelle(FluxEcriture *e)
{
	if (e->estate == NULL)
		inserer(e);
	else
		ExecSimpleRelationInsert(e->rri, e->estate, e->slot);
}

/* ---- the convention in force ---- */

extern Datum flux_code_insee_departement(PG_FUNCTION_ARGS);

/*
 * The key of the index convention_en_vigueur for a landlord, a commune (its
 * département) and a réservataire, into cle[3].
 */
void
flux_cles_convention(Datum bailleur, Datum commune, Datum reservataire, Datum *cle)
{
	cle[0] = bailleur;
	cle[1] = DirectFunctionCall1(flux_code_insee_departement, commune);
	cle[2] = reservataire;
}

/* Whether the convention in slot is in force in a year (as convention_de() says). */
bool
flux_convention_couvre(Relation convention, TupleTableSlot *slot, int annee)
{
	bool		sans_fin;
	bool		nul;
	int			debut = DatumGetInt32(slot_getattr(slot, flux_attnum(convention, "annee_debut"), &nul));
	Datum		fin = slot_getattr(slot, flux_attnum(convention, "annee_fin"), &sans_fin);

	return debut <= annee && (sans_fin || annee <= DatumGetInt32(fin));
}

/*
 * The convention of a landlord and réservataire covering a commune's
 * département in force in a year (as convention_de() says), read into slot
 * through the index convention_en_vigueur: false when there is none.
 */
bool
flux_convention_en_vigueur(Relation convention, TupleTableSlot *slot, Datum bailleur, Datum commune,
						   Datum reservataire, int annee)
{
	Datum		cle[3];
	FluxLecture lec;
	bool		trouve = false;

	flux_cles_convention(bailleur, commune, reservataire, cle);
	flux_ouvrir_lecture(&lec, convention, "convention_en_vigueur", GetActiveSnapshot(), 3, cle, NULL);
	while (!trouve && index_getnext_slot(lec.scan, ForwardScanDirection, slot))
		trouve = flux_convention_couvre(convention, slot, annee);
	flux_fermer_lecture(&lec);
	return trouve;
}

/* qsort() and bsearch() orders of integers */
int
flux_comparer_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return x < y ? -1 : x > y;
}

int
flux_comparer_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}
