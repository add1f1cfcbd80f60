/*-------------------------------------------------------------------------
 *
 * en_attente.c
 *		The counter differences of a transaction, kept in the backend and
 *		written once, at its end.
 *
 * The fast path (chemin_rapide.c) does not update a counter row at each
 * event: it adds the event's differences to a hash of this backend, one
 * entry per counter row (key and tranche).  The rows are written once per
 * transaction, keys in order, by flux_ecrire_en_attente():
 *
 *	- at XACT_EVENT_PRE_COMMIT and XACT_EVENT_PRE_PREPARE (after the deferred
 *	  triggers, which may record events; an error there aborts the
 *	  transaction, with the rest of its work);
 *	- before any query of the transaction reads or writes a counter table
 *	  (ExecutorStart_hook): readers, the general path's recount, see every
 *	  event of their transaction;
 *	- before a TRUNCATE of a counter table (its guard trigger): the rebuild
 *	  that follows counts from the events, and must not count them twice.
 *
 * A row updated at each event of a long transaction grows a chain of
 * versions that every later update walks (the transaction's own versions
 * cannot be pruned): 10,000 events in one transaction took quadratic time.
 * Written once per transaction, a counter row gets one new version.
 *
 * Subtransactions: an entry changed inside a subtransaction is logged with
 * its nesting level; a subtransaction rolled back takes its changes out, one
 * committed hands them to its parent.  At the top level nothing is logged:
 * an abort discards the whole hash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/varlena.h"

#include "flux_mgmt.h"
#include "acces.h"

/* The test-only GUC flux_mgmt.echec_ecriture (src/flux_mgmt.c): the write at the end fails. */
bool		flux_echec_ecriture = false;

const char *const flux_colonnes_contribution[C_NOMBRE] = {
	"vacance_id", "bailleur", "commune", "typologie", "financement", "qpv", "periode",
	"annee", "reservataire", "soustraction", "dans_flux",
	"en_cours", "attribuees", "carences", "echecs", "retirees", "decomptes",
	"baux", "hors_qpv", "q1_hors_qpv", "q234_en_qpv", "prioritaires", "imputees"
};

/* A key column that is not one of the ledger's: compteur_moteur's, of the ledger's commune. */
#define C_DEPARTEMENT C_NOMBRE

/* The counter tables: compteur, compteur_bilan, compteur_moteur. */
enum
{
	T_COMPTEUR, T_BILAN, T_MOTEUR, T_NOMBRE
};

/*
 * What the write needs of a counter table: its key as ledger columns in the
 * order of its unique index (the tranche after them), the same in the
 * table's column order, the first of its amounts (bigints, the last columns)
 * and how many, and the creation of a row at zero.
 */
typedef struct TableCompteurs
{
	const char *table;
	const char *index;
	int			cle[INDEX_MAX_KEYS];
	int			taille_cle;
	int			colonnes[INDEX_MAX_KEYS];
	const char *premier_montant;
	int			nb_montants;
	const char *creer;
} TableCompteurs;

static const TableCompteurs tables[T_NOMBRE] = {
	{"compteur", "compteur_cle",
		{C_BAILLEUR, C_ANNEE, C_COMMUNE, C_RESERVATAIRE, C_SOUSTRACTION, C_DANS_FLUX}, 6,
		{C_BAILLEUR, C_COMMUNE, C_ANNEE, C_RESERVATAIRE, C_SOUSTRACTION, C_DANS_FLUX},
		"en_cours", NB_COMPTEURS,
		"INSERT INTO " FLUX_SCHEMA ".compteur (bailleur, commune, annee, reservataire, soustraction, dans_flux,"
		" tranche, en_cours, attribuees, carences, echecs, retirees, decomptes, baux, hors_qpv, q1_hors_qpv,"
		" q234_en_qpv, prioritaires, imputees)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0) ON CONFLICT DO NOTHING"},
	{"compteur_bilan", "compteur_bilan_cle",
		{C_BAILLEUR, C_ANNEE, C_COMMUNE, C_RESERVATAIRE, C_TYPOLOGIE, C_FINANCEMENT, C_QPV, C_PERIODE}, 8,
		{C_BAILLEUR, C_COMMUNE, C_ANNEE, C_RESERVATAIRE, C_TYPOLOGIE, C_FINANCEMENT, C_QPV, C_PERIODE},
		"proposes", 2,
		"INSERT INTO " FLUX_SCHEMA ".compteur_bilan (bailleur, commune, annee, reservataire, typologie,"
		" financement, qpv, periode, tranche, proposes, attribues)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0) ON CONFLICT DO NOTHING"},
	{"compteur_moteur", "compteur_moteur_cle",
		{C_BAILLEUR, C_ANNEE, C_DEPARTEMENT, C_RESERVATAIRE}, 4,
		{C_BAILLEUR, C_ANNEE, C_DEPARTEMENT, C_RESERVATAIRE},
		"imputees", 3,
		"INSERT INTO " FLUX_SCHEMA ".compteur_moteur (bailleur, annee, departement, reservataire, tranche,"
		" imputees, proposes, proposes_hors_qpv)"
	" VALUES ($1, $2, $3, $4, $5, 0, 0, 0) ON CONFLICT DO NOTHING"}
};

/* The text columns of a key; the others are passed by value. */
static bool
est_texte(int c)
{
	return c == C_BAILLEUR || c == C_TYPOLOGIE || c == C_PERIODE || c == C_RESERVATAIRE || c == C_DEPARTEMENT;
}

static const char *
nom_colonne(int c)
{
	return c == C_DEPARTEMENT ? "departement" : flux_colonnes_contribution[c];
}

/* The key of a counter row: which table, its key columns (by ledger column), the tranche. */
typedef struct Cle
{
	int			table;
	int16		tranche;
	Datum		v[C_NOMBRE + 1];	/* only the key columns are set */
	bool		n[C_NOMBRE + 1];
} Cle;

/* One counter row's difference. */
typedef struct Ecart
{
	Cle			k;
	int64		montants[NB_COMPTEURS];	/* compteur: the 12 counters; bilan: proposes, attribues; moteur: 3 */
	int64		exterieur[NB_COMPTEURS];	/* while writing inside a subtransaction: the outer levels' part */
	ItemPointerData tid;		/* the row, once found and locked */
	int			trace;			/* its last trace in the log, if any (tracer()) */
	struct Ecart *suivant;		/* the next entry of its table (par_table) */
} Ecart;

/* A set of differences of one table, to write. */
typedef struct Ecarts
{
	const TableCompteurs *t;
	int			n;
	Ecart	   *e;
} Ecarts;

/*
 * What a subtransaction changed, undone if it rolls back: amounts it added
 * to an entry (taken out again), or amounts of outer levels that a write
 * made inside it took out of the hash (put back: the rows' updates go with
 * the subtransaction).
 */
typedef struct Trace
{
	Ecart	   *e;				/* the entry of the hash (entries never move) */
	int			niveau;
	bool		ecrit;			/* amounts written inside the subtransaction, to put back */
	int64		montants[NB_COMPTEURS];
} Trace;

static MemoryContext contexte = NULL;	/* of the hash and the log; reset at the end of the transaction */
static HTAB *en_attente = NULL;
/* each table's entries, linked: the engine reads one table's at every decision */
static Ecart *par_table[T_NOMBRE];
static Trace *traces = NULL;
static int	nb_traces = 0;
static int	max_traces = 0;
static bool en_ecriture = false;
static bool ecriture_finale = false;	/* the write at the end: no query of the transaction follows */
/* the command of the transaction's last write of pending differences, if any */
static CommandId cid_ecriture = InvalidCommandId;
static ExecutorStart_hook_type executor_start_precedent = NULL;

static uint32
hacher(const void *cle, Size taille)
{
	const Cle  *k = cle;
	const TableCompteurs *t = &tables[k->table];
	uint32		h = hash_uint32((uint32) k->table * 65536 + (uint16) k->tranche);

	for (int i = 0; i < t->taille_cle; i++)
	{
		int			c = t->cle[i];
		uint32		x;

		if (k->n[c])
			x = 0x9e3779b9;
		else if (est_texte(c))
		{
			text	   *tx = DatumGetTextPP(k->v[c]);

			x = hash_any((const unsigned char *) VARDATA_ANY(tx), VARSIZE_ANY_EXHDR(tx));
		}
		else
			x = hash_uint32(DatumGetUInt32(k->v[c]));
		h = hash_combine(h, x);
	}
	return h;
}

static bool
memes_colonnes(const Cle *a, const Cle *b)
{
	const TableCompteurs *t = &tables[a->table];

	for (int i = 0; i < t->taille_cle; i++)
	{
		int			c = t->cle[i];

		if (!flux_egales(a->v[c], a->n[c], b->v[c], b->n[c], est_texte(c) ? -1 : 4, !est_texte(c)))
			return false;
	}
	return true;
}

static int
comparer_hash(const void *x, const void *y, Size taille)
{
	const Cle  *a = x;
	const Cle  *b = y;

	return a->table == b->table && a->tranche == b->tranche && memes_colonnes(a, b) ? 0 : 1;
}

/* Order of the keys: the order their rows are locked in. */
static int
comparer_cles(const void *x, const void *y, void *arg)
{
	const Cle  *a = &((const Ecart *) x)->k;
	const Cle  *b = &((const Ecart *) y)->k;
	const TableCompteurs *t = &tables[a->table];

	for (int i = 0; i < t->taille_cle; i++)
	{
		int			c = t->cle[i];

		if (a->n[c] != b->n[c])
			return a->n[c] ? 1 : -1;	/* nulls last */
		if (a->n[c])
			continue;
		if (est_texte(c))
		{
			text	   *ta = DatumGetTextPP(a->v[c]);
			text	   *tb = DatumGetTextPP(b->v[c]);
			/* the columns' collation: the general path's ORDER BY locks rows in that order */
			int			r = varstr_cmp(VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta), VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb),
									   DEFAULT_COLLATION_OID);

			if (r != 0)
				return r;
		}
		else if (c == C_ANNEE || c == C_COMMUNE)
		{
			int32		p = DatumGetInt32(a->v[c]),
						q = DatumGetInt32(b->v[c]);

			if (p != q)
				return p < q ? -1 : 1;
		}
		else
		{
			/* enums (by OID: any fixed order will do), booleans */
			uint32		p = DatumGetUInt32(a->v[c]),
						q = DatumGetUInt32(b->v[c]);

			if (p != q)
				return p < q ? -1 : 1;
		}
	}
	return a->tranche == b->tranche ? 0 : (a->tranche < b->tranche ? -1 : 1);
}

static bool
nul_partout(const Ecart *e)
{
	for (int c = 0; c < NB_COMPTEURS; c++)
		if (e->montants[c] != 0)
			return false;
	return true;
}

static void
oublier(void)
{
	if (contexte != NULL)
		MemoryContextReset(contexte);
	en_attente = NULL;
	memset(par_table, 0, sizeof(par_table));
	traces = NULL;
	nb_traces = max_traces = 0;
}

static void
ouvrir(void)
{
	HASHCTL		ctl;

	if (contexte == NULL)
		contexte = AllocSetContextCreate(TopMemoryContext, "flux_mgmt pending counter differences",
										 ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(Cle);
	ctl.entrysize = sizeof(Ecart);
	ctl.hash = hacher;
	ctl.match = comparer_hash;
	ctl.hcxt = contexte;
	en_attente = hash_create("flux_mgmt pending counter differences", 64, &ctl,
							 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

/* Logs what a subtransaction adds to an entry. */
static void
tracer(Ecart *e, const int64 *montants, bool ecrit)
{
	int			niveau = GetCurrentTransactionNestLevel();

	if (niveau <= 1)
		return;					/* an abort discards everything */
	/*
	 * added to the entry's last trace when it is of this subtransaction (the
	 * only one open at this level) and of the same kind: a statement of many
	 * rows inside a savepoint logs a trace per entry, not one per row
	 */
	if (e->trace >= 0 && e->trace < nb_traces && traces[e->trace].e == e && traces[e->trace].niveau == niveau
		&& traces[e->trace].ecrit == ecrit)
	{
		for (int c = 0; c < NB_COMPTEURS; c++)
			traces[e->trace].montants[c] += montants[c];
		return;
	}
	if (nb_traces == max_traces)
	{
		max_traces = Max(64, 2 * max_traces);
		traces = traces == NULL ? MemoryContextAlloc(contexte, sizeof(Trace) * max_traces)
			: repalloc(traces, sizeof(Trace) * max_traces);
	}
	traces[nb_traces].e = e;
	traces[nb_traces].niveau = niveau;
	traces[nb_traces].ecrit = ecrit;
	memcpy(traces[nb_traces].montants, montants, sizeof(int64) * NB_COMPTEURS);
	e->trace = nb_traces++;
}

/* An orientation of the ledger row's year (bilan's proposes, moteur's). */
static int64
proposes(const Ligne *l)
{
	int64		n = 0;

	for (int c = C_EN_COURS; c <= C_RETIREES; c++)
		n += DatumGetInt32(l->v[c]);
	return n;
}

/*
 * Adds signe times a ledger row to one table's pending differences; v and n
 * are the row's columns, and its département for compteur_moteur.
 */
static void ajouter(int table, const Datum *v, const bool *n, const int64 *m);

static void
differer_dans(const Ligne *l, const Datum *v, const bool *n, int signe, int table)
{
	int64		m[NB_COMPTEURS] = {0};

	switch (table)
	{
		case T_COMPTEUR:
			for (int c = 0; c < NB_COMPTEURS; c++)
				m[c] = signe * DatumGetInt32(l->v[C_PREMIER_COMPTEUR + c]);
			break;
		case T_BILAN:
			m[0] = signe * proposes(l);
			m[1] = signe * DatumGetInt32(l->v[C_BAUX]);
			break;
		case T_MOTEUR:
			m[0] = signe * DatumGetInt32(l->v[C_IMPUTEES]);
			m[1] = signe * proposes(l);
			m[2] = DatumGetBool(l->v[C_QPV]) ? 0 : m[1];
			break;
	}
	ajouter(table, v, n, m);
}

/* Adds amounts m to the pending difference of one counter row of a table (its key in v, n). */
static void
ajouter(int table, const Datum *v, const bool *n, const int64 *m)
{
	const TableCompteurs *t = &tables[table];
	Cle			k;
	Ecart	   *e;
	bool		trouve;

	memset(&k, 0, sizeof(k));
	k.table = table;
	k.tranche = (int16) flux_tranche();
	for (int i = 0; i < t->taille_cle; i++)
	{
		k.v[t->cle[i]] = v[t->cle[i]];
		k.n[t->cle[i]] = n[t->cle[i]];
	}
	e = hash_search(en_attente, &k, HASH_ENTER, &trouve);
	if (!trouve)
	{
		/* the key's texts, copied where the entry lives */
		for (int i = 0; i < t->taille_cle; i++)
		{
			int			c = t->cle[i];

			if (est_texte(c) && !e->k.n[c])
			{
				Size		taille = VARSIZE_ANY(DatumGetPointer(v[c]));
				void	   *copie = MemoryContextAlloc(contexte, taille);

				memcpy(copie, DatumGetPointer(v[c]), taille);
				e->k.v[c] = PointerGetDatum(copie);
			}
		}
		memset(e->montants, 0, sizeof(e->montants));
		e->trace = -1;
		e->suivant = par_table[table];
		par_table[table] = e;
	}
	for (int c = 0; c < NB_COMPTEURS; c++)
		e->montants[c] += m[c];
	tracer(e, m, false);
}

/*
 * Adds signe times a ledger row to the pending differences of the counter
 * tables: compteur, and for a row of the flux, compteur_bilan (the report
 * counts the flux only) and compteur_moteur (the engine's, by département).
 */
void
flux_differer(const Ligne *l, int signe)
{
	Datum		v[C_NOMBRE + 1];
	bool		n[C_NOMBRE + 1];

	if (en_attente == NULL)
		ouvrir();
	differer_dans(l, l->v, l->n, signe, T_COMPTEUR);
	if (!DatumGetBool(l->v[C_DANS_FLUX]))
		return;
	differer_dans(l, l->v, l->n, signe, T_BILAN);
	memcpy(v, l->v, sizeof(l->v));
	memcpy(n, l->n, sizeof(l->n));
	v[C_DEPARTEMENT] = DirectFunctionCall1(flux_code_insee_departement, l->v[C_COMMUNE]);
	n[C_DEPARTEMENT] = false;
	differer_dans(l, v, n, signe, T_MOTEUR);
}

/*
 * The pending differences of the engine's reads (src/lecture_moteur.c): each
 * entry of compteur_moteur of a landlord, year and département, or each of
 * compteur of the flux in a landlord's year and a set of communes (sorted,
 * without duplicates), handed to vu with its commune (0 for the
 * département's), beneficiary and amounts (compteur_moteur's three, or
 * compteur's imputees).  They are the transaction's events not written yet;
 * in a batch of orientations, hundreds of entries at every decision: only
 * the table's own (par_table), the integer tests first.
 */
void
flux_parcourir_en_attente(Datum bailleur, int32 annee, Datum departement, const int32 *communes, int nb_communes,
						  void (*vu) (void *arg, int32 commune, Datum reservataire, bool sans_reservataire,
									  const int64 *montants),
						  void *arg)
{
	/* empty while there is no hash (oublier()) */
	for (Ecart *e = par_table[communes == NULL ? T_MOTEUR : T_COMPTEUR]; e != NULL; e = e->suivant)
	{
		const Cle  *k = &e->k;

		if (DatumGetInt32(k->v[C_ANNEE]) != annee)
			continue;
		if (communes == NULL)
		{
			if (flux_egales(k->v[C_DEPARTEMENT], k->n[C_DEPARTEMENT], departement, false, -1, false)
				&& flux_egales(k->v[C_BAILLEUR], k->n[C_BAILLEUR], bailleur, false, -1, false))
				vu(arg, 0, k->v[C_RESERVATAIRE], k->n[C_RESERVATAIRE], e->montants);
		}
		else
		{
			int32		commune = DatumGetInt32(k->v[C_COMMUNE]);

			if (DatumGetBool(k->v[C_DANS_FLUX])
				&& bsearch(&commune, communes, nb_communes, sizeof(int32), flux_comparer_int32) != NULL
				&& flux_egales(k->v[C_BAILLEUR], k->n[C_BAILLEUR], bailleur, false, -1, false))
				vu(arg, commune, k->v[C_RESERVATAIRE], k->n[C_RESERVATAIRE],
				   &e->montants[C_IMPUTEES - C_PREMIER_COMPTEUR]);
		}
	}
}

/*
 * The general path's differences of compteur_moteur (src/compteurs.c): its
 * recount writes the per-commune counters in its statement, and leaves the
 * engine's, a row per landlord, year, département and beneficiary that
 * every writer of the département shares, to the end of the transaction,
 * as the fast path does, so that it holds their locks for the shortest time.
 */
void
flux_differer_moteur(Datum bailleur, int32 annee, Datum departement, Datum reservataire, bool sans_reservataire,
					 int64 imputees, int64 proposes, int64 proposes_hors_qpv)
{
	Datum		v[C_NOMBRE + 1] = {0};
	bool		n[C_NOMBRE + 1] = {0};
	int64		m[NB_COMPTEURS] = {imputees, proposes, proposes_hors_qpv};

	if (en_attente == NULL)
		ouvrir();
	v[C_BAILLEUR] = bailleur;
	v[C_ANNEE] = Int32GetDatum(annee);
	v[C_DEPARTEMENT] = departement;
	v[C_RESERVATAIRE] = reservataire;
	n[C_RESERVATAIRE] = sans_reservataire;
	ajouter(T_MOTEUR, v, n, m);
}

/*
 * Creates the counter row of a key in the tranche, at zero, unless it exists
 * (a concurrent writer may be creating it too): INSERT … ON CONFLICT DO
 * NOTHING, the one statement the fast path runs through SPI, for a key seen
 * for the first time in the tranche.  Its kept plan is made, and remade when
 * invalidated, under the pinned search_path, in a GUC nest level of its own.
 */
static void
creer_ligne_nulle(Relation rel, const Ecarts *ec, const Ecart *e)
{
	static SPIPlanPtr plans[T_NOMBRE];
	SPIPlanPtr *plan = &plans[e->k.table];
	/* the key's columns in the table's order, the tranche after them */
	const int  *colonnes = ec->t->colonnes;
	int			n = ec->t->taille_cle;
	Oid			types[INDEX_MAX_KEYS];
	Datum		valeurs[INDEX_MAX_KEYS];
	char		nuls[INDEX_MAX_KEYS];
	int			niveau;

	for (int i = 0; i < n; i++)
	{
		if (strcmp(NameStr(TupleDescAttr(rel->rd_att, i)->attname), nom_colonne(colonnes[i])) != 0)
			elog(ERROR, "flux_mgmt: unexpected layout of table %s", RelationGetRelationName(rel));
		types[i] = TupleDescAttr(rel->rd_att, i)->atttypid;
		valeurs[i] = e->k.v[colonnes[i]];
		nuls[i] = e->k.n[colonnes[i]] ? 'n' : ' ';
	}
	types[n] = INT2OID;
	valeurs[n] = Int16GetDatum(e->k.tranche);
	nuls[n] = ' ';
	niveau = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, " FLUX_SCHEMA ", pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flux_mgmt: SPI_connect failed");
	if (*plan != NULL && !SPI_plan_is_valid(*plan))
	{
		SPI_freeplan(*plan);
		*plan = NULL;
	}
	if (*plan == NULL)
	{
		*plan = SPI_prepare(ec->t->creer, n + 1, types);
		if (*plan == NULL || SPI_keepplan(*plan) != 0)
			elog(ERROR, "flux_mgmt: could not prepare the creation of a counter row");
	}
	if (SPI_execute_plan(*plan, valeurs, nuls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "flux_mgmt: could not create a counter row");
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "flux_mgmt: SPI_finish failed");
	AtEOXact_GUC(true, niveau);
	CommandCounterIncrement();	/* the row is then locked like any other */
}

/*
 * Under REPEATABLE READ, a write in the middle of the transaction refuses a
 * counter row changed since the transaction's snapshot (40001, as the
 * general path's upsert does): the transaction's queries, which see the
 * write at a later command (flux_pousser_instantane_compteurs), would also
 * see the version that snapshot shows, and count the row twice.  At the end
 * nothing reads the rows any more: the write adds to the latest version.
 */
static void
exiger_visible(Relation rel, TupleTableSlot *slot)
{
	if (!IsolationUsesXactSnapshot() || ecriture_finale
		|| table_tuple_satisfies_snapshot(rel, slot, GetTransactionSnapshot()))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
			 errmsg("could not serialize access due to concurrent update of table %s",
					RelationGetRelationName(rel)),
			 errdetail("A counter row this transaction writes changed after its snapshot was taken."),
			 errhint("Retry the transaction.")));
}

/*
 * Finds and locks the counter row of each key, in key order (sorted first),
 * creating the missing ones at zero.  A dirty snapshot sees rows being
 * inserted: their writer is waited for, then the row is looked up again.
 */
static bool
verrouiller_compteurs(Ecarts *ec, Relation rel, const char *index, TupleTableSlot *slot)
{
	/* one scan of the index for all the keys, with the dirty snapshot it reads under */
	SnapshotData sale;
	FluxLecture l;
	bool		ouverte = false;

	for (int i = 0; i < ec->n; i++)
	{
		Ecart	   *e = &ec->e[i];
		Datum		v[INDEX_MAX_KEYS];
		bool		n[INDEX_MAX_KEYS];
		bool		trouve;

		if (nul_partout(e))
			continue;
		for (int k = 0; k < ec->t->taille_cle; k++)
		{
			v[k] = e->k.v[ec->t->cle[k]];
			n[k] = e->k.n[ec->t->cle[k]];
		}
		v[ec->t->taille_cle] = Int16GetDatum(e->k.tranche);
		n[ec->t->taille_cle] = false;
		for (;;)
		{
			TransactionId attendre = InvalidTransactionId;

			InitDirtySnapshot(sale);
			if (ouverte)
				flux_relancer_lecture(&l, ec->t->taille_cle + 1, v, n);
			else
				flux_ouvrir_lecture(&l, rel, index, &sale, ec->t->taille_cle + 1, v, n);
			ouverte = true;
			trouve = index_getnext_slot(l.scan, ForwardScanDirection, slot);
			if (trouve)
				attendre = TransactionIdIsValid(sale.xmin) ? sale.xmin : sale.xmax;
			if (!trouve)
			{
				creer_ligne_nulle(rel, ec, e);
				continue;
			}
			/*
			 * the scan's keys again, not yet read: that drops its pin on the
			 * index page, which a wait below must not hold (VACUUM waits for it)
			 */
			flux_relancer_lecture(&l, ec->t->taille_cle + 1, v, n);
			if (TransactionIdIsValid(attendre))
			{
				XactLockTableWait(attendre, NULL, NULL, XLTW_None);
				continue;
			}
			if (flux_verrouiller_ligne(rel, &slot->tts_tid, LockTupleNoKeyExclusive, slot))
				break;
		}
		exiger_visible(rel, slot);
		e->tid = slot->tts_tid;
	}
	if (ouverte)
		flux_fermer_lecture(&l);
	return true;
}

/*
 * Adds the differences to their locked rows (HOT updates: no indexed column
 * changes), straight through the table AM unless a row trigger or a CHECK
 * constraint was given to the table (src/acces.c).
 */
static void
ecrire_compteurs(Ecarts *ec)
{
	const char *table = ec->t->table;
	FluxEcriture w;
	TupleTableSlot *ancien;
	int			premier_montant;
	Bitmapset  *changees = NULL;
	Relation	rel = table_open(flux_relation(table), AccessShareLock);

	/* the amounts: every column after the first, bigints, as many as the differences have */
	premier_montant = flux_attnum(rel, ec->t->premier_montant) - 1;
	if (rel->rd_att->natts - premier_montant != ec->t->nb_montants)
		elog(ERROR, "flux_mgmt: unexpected layout of table %s", table);
	for (int c = premier_montant; c < rel->rd_att->natts; c++)
		changees = bms_add_member(changees, c + 1 - FirstLowInvalidHeapAttributeNumber);
	table_close(rel, NoLock);
	flux_ouvrir_ecriture(&w, table, NULL, NULL, changees);
	ancien = table_slot_create(w.rel, NULL);
	for (int i = 0; i < ec->n; i++)
	{
		Ecart	   *e = &ec->e[i];

		if (nul_partout(e))
			continue;
		flux_copier_version(&w, &e->tid, ancien);
		for (int c = premier_montant; c < w.rel->rd_att->natts; c++)
			w.slot->tts_values[c] = Int64GetDatum(DatumGetInt64(ancien->tts_values[c]) + e->montants[c - premier_montant]);
		ExecStoreVirtualTuple(w.slot);
		flux_ecrire_version(&w, ancien);
	}
	ExecDropSingleTupleTableSlot(ancien);
	flux_fermer_ecriture(&w);
}

/* The pending differences of one table, sorted, as an Ecarts. */
static void
rassembler(Ecarts *ec, int table)
{
	HASH_SEQ_STATUS it;
	Ecart	   *e;

	ec->t = &tables[table];
	ec->n = 0;
	ec->e = palloc(sizeof(Ecart) * Max(1, hash_get_num_entries(en_attente)));
	hash_seq_init(&it, en_attente);
	while ((e = hash_seq_search(&it)) != NULL)
		if (e->k.table == table && !nul_partout(e))
			ec->e[ec->n++] = *e;
	qsort_arg(ec->e, ec->n, sizeof(Ecart), comparer_cles, NULL);
}

/* Writes one table's differences: rows locked in key order, then updated. */
static void
ecrire_table(int table)
{
	Ecarts		ec;
	Relation	rel;
	TupleTableSlot *slot;

	rassembler(&ec, table);
	if (ec.n == 0)
		return;
	flux_exiger_declencheurs_surs(flux_relation(ec.t->table));
	rel = table_open(flux_relation(ec.t->table), RowExclusiveLock);
	slot = table_slot_create(rel, NULL);
	verrouiller_compteurs(&ec, rel, ec.t->index, slot);
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	ecrire_compteurs(&ec);
}

/*
 * After a write inside a subtransaction: the rows' updates go with it if it
 * rolls back, so what it wrote of the outer levels' amounts is logged to be
 * put back then; its own amounts, written, are no longer to undo.
 */
static void
apres_ecriture_dans_sous_transaction(void)
{
	int			niveau = GetCurrentTransactionNestLevel();
	HASH_SEQ_STATUS it;
	Ecart	   *e;
	int			i = nb_traces;
	int			garde;

	hash_seq_init(&it, en_attente);
	while ((e = hash_seq_search(&it)) != NULL)
		memcpy(e->exterieur, e->montants, sizeof(e->montants));

	while (i > 0 && traces[i - 1].niveau >= niveau)
		i--;
	/* its own amounts, written, are no longer to undo; what earlier writes in it put back stays */
	garde = i;
	for (int j = i; j < nb_traces; j++)
	{
		if (traces[j].ecrit)
			traces[garde++] = traces[j];
		else
			for (int c = 0; c < NB_COMPTEURS; c++)
				traces[j].e->exterieur[c] -= traces[j].montants[c];
	}
	nb_traces = garde;
	hash_seq_init(&it, en_attente);
	while ((e = hash_seq_search(&it)) != NULL)
	{
		bool		reste = false;

		for (int c = 0; c < NB_COMPTEURS; c++)
			reste |= e->exterieur[c] != 0;
		if (reste)
			tracer(e, e->exterieur, true);
		memset(e->montants, 0, sizeof(e->montants));
	}
}

/*
 * Writes the pending differences into the counter rows and forgets them:
 * as the owner of the counter tables (only it writes them), under a
 * snapshot that sees the transaction's work.
 */
void
flux_ecrire_en_attente(void)
{
	FluxIdentite avant;

	if (en_attente == NULL || en_ecriture)
		return;
	if (hash_get_num_entries(en_attente) == 0
		|| !OidIsValid(flux_relation_si_existe("compteur")))
	{
		/* nothing, or the extension dropped by the transaction: nothing to write */
		oublier();
		return;
	}
	en_ecriture = true;
	PG_TRY();
	{
		if (flux_echec_ecriture)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("flux_mgmt.echec_ecriture: the counters' write fails, as the test asked")));
		CommandCounterIncrement();
		cid_ecriture = GetCurrentCommandId(false);
		PushActiveSnapshot(GetTransactionSnapshot());
		flux_agir_en_proprietaire(flux_proprietaire(flux_relation("compteur")), &avant);
		/*
		 * in the general path's order (its statement writes compteur_bilan,
		 * then compteur; compteur_moteur waits for here, in both paths), so
		 * that writers sharing a tranche lock the tables in one order
		 */
		ecrire_table(T_BILAN);
		ecrire_table(T_COMPTEUR);
		ecrire_table(T_MOTEUR);
		flux_redevenir(&avant);
		PopActiveSnapshot();
		CommandCounterIncrement();
	}
	PG_FINALLY();
	{
		en_ecriture = false;
	}
	PG_END_TRY();
	if (GetCurrentTransactionNestLevel() <= 1)
		oublier();
	else
		apres_ecriture_dans_sous_transaction();
}

/*
 * The snapshot to read the counter tables under, pushed: s itself unless it
 * was taken before the transaction's last write of pending differences
 * (that write moved amounts s must see from the hash into rows s does not
 * see).  Then, under READ COMMITTED, the latest snapshot: a copy of s at the
 * current command would also see the version another transaction replaced
 * after s was taken, under this transaction's version built over it, and
 * count that row twice.  Under REPEATABLE READ (and in parallel mode, where
 * no write happens), the copy at the current command: such a write refuses
 * rows changed since the transaction's snapshot (exiger_visible).
 */
void
flux_pousser_instantane_compteurs(Snapshot s)
{
	if (cid_ecriture == InvalidCommandId || s->curcid > cid_ecriture)
		PushActiveSnapshot(s);
	else if (IsolationUsesXactSnapshot() || IsInParallelMode())
	{
		PushCopiedSnapshot(s);
		/* our own copy: UpdateActiveSnapshotCommandId() refuses parallel mode */
		GetActiveSnapshot()->curcid = GetCurrentCommandId(false);
	}
	else
		PushActiveSnapshot(GetLatestSnapshot());
}

/* Does the query read or write a counter table? */
static bool
nomme_un_compteur(QueryDesc *queryDesc)
{
	Oid			lues[T_NOMBRE];
	ListCell   *lc;

	for (int t = 0; t < T_NOMBRE; t++)
		lues[t] = flux_relation_si_existe(tables[t].table);
	foreach(lc, queryDesc->plannedstmt->rtable)
	{
		RangeTblEntry *rte = lfirst(lc);

		for (int t = 0; t < T_NOMBRE; t++)
			if (rte->rtekind == RTE_RELATION && OidIsValid(lues[t]) && rte->relid == lues[t])
				return true;
	}
	return false;
}

/*
 * Readers and writers of the counters see the transaction's pending
 * differences: they are written first, and the query reads under a snapshot
 * that sees them (its own: the snapshot it had may be its caller's, still
 * scanning).
 */
static void
executor_start(QueryDesc *queryDesc, int eflags)
{
	bool		en_attendre = en_attente != NULL && hash_get_num_entries(en_attente) > 0;

	if (!en_ecriture && !IsInParallelMode() && (en_attendre || cid_ecriture != InvalidCommandId)
		&& nomme_un_compteur(queryDesc))
	{
		Snapshot	ancien = queryDesc->snapshot;

		if (en_attendre)
			flux_ecrire_en_attente();
		if (ancien != NULL && cid_ecriture != InvalidCommandId && ancien->curcid <= cid_ecriture)
		{
			flux_pousser_instantane_compteurs(ancien);
			queryDesc->snapshot = RegisterSnapshot(GetActiveSnapshot());
			PopActiveSnapshot();
			UnregisterSnapshot(ancien);
		}
	}
	if (executor_start_precedent)
		executor_start_precedent(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
fin_transaction(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			ecriture_finale = true;
			flux_ecrire_en_attente();
			ecriture_finale = false;
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
			oublier();
			ecriture_finale = false;
			cid_ecriture = InvalidCommandId;
			break;
		default:
			break;
	}
}

static void
fin_sous_transaction(SubXactEvent event, SubTransactionId mySubid, SubTransactionId parentSubid, void *arg)
{
	int			niveau = GetCurrentTransactionNestLevel();

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		/* its changes, and those of its committed children, taken out */
		while (nb_traces > 0 && traces[nb_traces - 1].niveau >= niveau)
		{
			Trace	   *t = &traces[--nb_traces];

			for (int c = 0; c < NB_COMPTEURS; c++)
				t->e->montants[c] += t->ecrit ? t->montants[c] : -t->montants[c];
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		/* handed to the parent; at the top level, nothing is logged */
		int			i = nb_traces;

		while (i > 0 && traces[i - 1].niveau >= niveau)
			i--;
		if (niveau - 1 <= 1)
			nb_traces = i;
		else
			for (int j = i; j < nb_traces; j++)
				traces[j].niveau = niveau - 1;
	}
}

void
flux_init_en_attente(void)
{
	executor_start_precedent = ExecutorStart_hook;
	ExecutorStart_hook = executor_start;
	RegisterXactCallback(fin_transaction, NULL);
	RegisterSubXactCallback(fin_sous_transaction, NULL);
}
