/*-------------------------------------------------------------------------
 *
 * chemin_rapide.c
 *		The fast path of the counter triggers: the common events, recorded
 *		under READ COMMITTED by statements or COPYs of any size, counted
 *		without SPI, planner or GUC nest level.
 *
 * The common events are a vacancy; the first orientation of a vacancy, open
 * or recorded closed (a carence, an échec, a withdrawal: a history loaded);
 * the attribution of a vacancy's only orientation.  For their INSERT
 * statements this file does what the general path (compteurs.c) does, in the
 * same order and under the same locks:
 *
 *	1. the landlords locked shared (src/verrous.c);
 *	2. for an attribution, its orientation's row locked; the vacancies'
 *	   rows locked FOR NO KEY UPDATE, in id order;
 *	3. the rules of the rows checked, reading through indexes with a
 *	   snapshot taken after the locks;
 *	4. the vacancies recounted: their contributions (the rows of the view
 *	   contribution_calculee for a vacancy with one orientation, computed
 *	   here) replace their ledger rows; an attribution sets its
 *	   orientation's issue; the differences go to the counters of the
 *	   writer's tranche at the end of the transaction (en_attente.c).
 *
 * Steps 1 and 2 read the statement's rows (its transition table) once each,
 * keeping only the landlords' lock keys and the vacancies' ids; steps 3 and
 * 4 read them again, a batch of LOT rows at a time, each batch written
 * before the next is read: a COPY of a million rows takes the memory of its
 * ids, not of its rows.  Rows are read through their indexes and written
 * through the table AM or the executor's simple-relation routines (acces.c):
 * no query is planned, no name is resolved through a search_path.
 *
 * Whatever it cannot do exactly it leaves to the general path: a rule broken
 * (whose error the general path explains), a vacancy with another
 * orientation, a transaction snapshot, restores (check_function_bodies off),
 * a 0.1 schema.  Most of these are seen before anything is written; a rule
 * broken in a later row of a large statement is seen after some batches
 * were written, and that is still exact: the general path recounts every
 * vacancy of the statement from its ledger rows (the batches' rows replaced,
 * their differences taken back), sets only the issues not set yet, and its
 * error undoes the whole statement.  Both paths write the same rows: tests
 * 230 and 690 and the independent recount (test/oracle/recompte.sql) check
 * it.
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
#include "catalog/pg_collation.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/varlena.h"

#include "flux_mgmt.h"
#include "acces.h"

/* The GUC flux_mgmt.chemin_rapide (src/flux_mgmt.c). */
bool		flux_chemin_rapide_actif = true;

/* Leaves the statement to the general path, saying why (DEBUG1). */
#define GENERAL(raison) \
	do { \
		elog(DEBUG1, "flux_mgmt: general path for this statement: %s", (raison)); \
		return false; \
	} while (0)

/* The C functions behind departement(), typologie(), periode_construction(). */
extern Datum flux_code_insee_departement(PG_FUNCTION_ARGS);
extern Datum flux_typologie(PG_FUNCTION_ARGS);
extern Datum flux_periode_construction(PG_FUNCTION_ARGS);

/* What the fast path knows of one event row of the statement. */
typedef struct Evenement
{
	int64		vacance;
	int64		orientation;	/* orientation and attribution */
	/* the orientation: from the statement, or (attribution) its locked row */
	Datum		reservataire;
	bool		sans_reservataire;
	Datum		soustraction;
	bool		sans_soustraction;
	DateADT		date_orientation;
	DateADT		date_liberation;	/* of the vacancy, read under its lock */
	int			issue;			/* its counter: C_EN_COURS, C_CARENCES… C_ATTRIBUEES */
	DateADT		date_issue;		/* of an orientation recorded closed */
	bool		sans_date_issue;
	/* the attribution's row (attribution only) */
	DateADT		date_caleol;
	DateADT		date_bail;
	bool		sans_bail;
	bool		premier_quartile;
	bool		relogement_renouvellement;
	bool		prioritaire;	/* dalo or prioritaire */
	ItemPointerData tid_orientation;
} Evenement;

static int
annee_de(DateADT d)
{
	int			y,
				m,
				j;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &j);
	return y;
}

/* ---- the computation: contribution_calculee for a vacancy with one orientation ---- */

typedef struct Logement
{
	Datum		bailleur;
	Datum		commune;
	Datum		typologie;
	bool		sans_typologie;
	Datum		financement;
	bool		sans_financement;
	bool		qpv;
	Datum		periode;
	bool		sans_periode;
	Oid			regime;
	Datum		reservataire_stock;
	bool		sans_stock;
	DateADT		mise_en_service;
	bool		sans_mise_en_service;
	DateADT		sortie;
	bool		sans_sortie;
} Logement;

static void
lire_logement(TupleTableSlot *s, Relation rel, Logement *l)
{
	bool		nul;
	Datum		d;

	/* copied: the slot's page is unpinned when the slot reads the next dwelling */
	l->bailleur = datumCopy(slot_getattr(s, flux_attnum(rel, "bailleur"), &nul), false, -1);
	l->commune = slot_getattr(s, flux_attnum(rel, "commune"), &nul);
	d = slot_getattr(s, flux_attnum(rel, "nb_pieces"), &l->sans_typologie);
	if (!l->sans_typologie)
		l->typologie = DirectFunctionCall1(flux_typologie, d);
	l->financement = slot_getattr(s, flux_attnum(rel, "financement"), &l->sans_financement);
	l->qpv = DatumGetBool(slot_getattr(s, flux_attnum(rel, "qpv"), &nul));
	d = slot_getattr(s, flux_attnum(rel, "annee_construction"), &l->sans_periode);
	if (!l->sans_periode)
		l->periode = DirectFunctionCall1(flux_periode_construction, d);
	l->regime = DatumGetObjectId(slot_getattr(s, flux_attnum(rel, "regime"), &nul));
	l->reservataire_stock = slot_getattr(s, flux_attnum(rel, "reservataire_stock"), &l->sans_stock);
	if (!l->sans_stock)
		l->reservataire_stock = datumCopy(l->reservataire_stock, false, -1);
	l->mise_en_service = DatumGetDateADT(slot_getattr(s, flux_attnum(rel, "mise_en_service"), &l->sans_mise_en_service));
	l->sortie = DatumGetDateADT(slot_getattr(s, flux_attnum(rel, "sortie"), &l->sans_sortie));
}

/* A ledger row of the vacancy, its counters at zero, for a year. */
static Ligne
ligne_de(const Evenement *ev, const Logement *l, bool dans_flux, int annee)
{
	Ligne		r;

	memset(&r, 0, sizeof(r));
	r.v[C_VACANCE] = Int64GetDatum(ev->vacance);
	r.v[C_BAILLEUR] = l->bailleur;
	r.v[C_COMMUNE] = l->commune;
	r.v[C_TYPOLOGIE] = l->typologie;
	r.n[C_TYPOLOGIE] = l->sans_typologie;
	r.v[C_FINANCEMENT] = l->financement;
	r.n[C_FINANCEMENT] = l->sans_financement;
	r.v[C_QPV] = BoolGetDatum(l->qpv);
	r.v[C_PERIODE] = l->periode;
	r.n[C_PERIODE] = l->sans_periode;
	r.v[C_ANNEE] = Int32GetDatum(annee);
	r.v[C_RESERVATAIRE] = ev->reservataire;
	r.n[C_RESERVATAIRE] = ev->sans_reservataire;
	r.v[C_SOUSTRACTION] = ev->soustraction;
	r.n[C_SOUSTRACTION] = ev->sans_soustraction;
	r.v[C_DANS_FLUX] = BoolGetDatum(dans_flux);
	for (int c = C_PREMIER_COMPTEUR; c < C_NOMBRE; c++)
		r.v[c] = Int32GetDatum(0);
	return r;
}

/*
 * The rows of contribution_calculee (and orientation_decompte) of a vacancy
 * whose only orientation is ev's: open, attributed, or recorded closed (a
 * carence, an échec, a withdrawal); mode is the décompte mode of its
 * convention ('bail' for the pool), dans_flux whether it is in the flux.
 * Returns the number of rows (up to 4).
 */
static int
contributions(const Evenement *ev, const Logement *l, bool dans_flux, const char *mode, Ligne *lignes)
{
	int			n = 0;
	bool		attribuee = ev->issue == C_ATTRIBUEES;
	bool		avec_decompte = false;
	DateADT		date_decompte = 0;

	/*
	 * the charge, when it is chargeable: in mode orientation, unless
	 * withdrawn; in bail (the pool's), its lease; in mixte, its lease or its
	 * carence
	 */
	if (dans_flux)
	{
		if (strcmp(mode, "orientation") == 0)
			avec_decompte = ev->issue != C_RETIREES, date_decompte = ev->date_orientation;
		else if (attribuee)
			avec_decompte = !ev->sans_bail, date_decompte = ev->date_bail;
		else if (strcmp(mode, "mixte") == 0 && ev->issue == C_CARENCES)
			avec_decompte = !ev->sans_date_issue, date_decompte = ev->date_issue;
	}
	/* the orientation and its issue, in the year of the orientation */
	lignes[n] = ligne_de(ev, l, dans_flux, annee_de(ev->date_orientation));
	lignes[n].v[ev->issue] = Int32GetDatum(1);
	n++;
	/*
	 * the engine counts the vacancy once, for its charge or, while nothing
	 * is charged, its open orientation, in the year it became available: on
	 * the orientation's row when the years agree, else on a row of its own
	 */
	if (dans_flux && (avec_decompte || ev->issue == C_EN_COURS || attribuee))
	{
		if (annee_de(ev->date_liberation) != annee_de(ev->date_orientation))
			lignes[n++] = ligne_de(ev, l, dans_flux, annee_de(ev->date_liberation));
		lignes[n - 1].v[C_IMPUTEES] = Int32GetDatum(1);
	}
	if (avec_decompte)
	{
		lignes[n] = ligne_de(ev, l, dans_flux, annee_de(date_decompte));
		lignes[n].v[C_DECOMPTES] = Int32GetDatum(1);
		n++;
	}
	/* the lease and the O1-O4 numerators, in the year of the lease */
	if (attribuee && !ev->sans_bail)
	{
		lignes[n] = ligne_de(ev, l, dans_flux, annee_de(ev->date_bail));
		lignes[n].v[C_BAUX] = Int32GetDatum(1);
		lignes[n].v[C_HORS_QPV] = Int32GetDatum(!l->qpv);
		lignes[n].v[C_Q1_HORS_QPV] = Int32GetDatum(!l->qpv && (ev->premier_quartile || ev->relogement_renouvellement));
		lignes[n].v[C_Q234_EN_QPV] = Int32GetDatum(l->qpv && !ev->premier_quartile);
		lignes[n].v[C_PRIORITAIRES] = Int32GetDatum(ev->prioritaire);
		n++;
	}
	return n;
}

/* ---- the statement ---- */

/*
 * The index scans of a statement: its unique-key probes, and the short scans
 * of a vacancy's orientations, of its ledger rows and of the conventions of
 * a landlord, département and réservataire.  Each is kept open from its
 * first use to the next snapshot (opening an index and making its keys at
 * every probe was a tenth of a large statement's time).
 */
enum
{
	S_VACANCE, S_LOGEMENT, S_ORIENTATION, S_RESERVATAIRE, S_TERRITOIRE, S_ATTRIBUTION,
	S_ORIENTATIONS_VACANCE, S_REGISTRE, S_CONVENTIONS, S_NOMBRE
};
static const char *const index_sondes[S_NOMBRE] = {
	"vacance_pkey", "logement_pkey", "orientation_pkey", "reservataire_pkey", "territoire_pkey",
	"attribution_orientation_id_key", "orientation_vacance", "contribution_vacance", "convention_en_vigueur"
};

typedef struct Sonde
{
	FluxLecture lec;
	bool		ouverte;
} Sonde;

typedef struct Contexte
{
	Relation	vacance,
				logement,
				orientation,
				attribution,
				contribution,
				convention,
				territoire,
				reservataire;
	TupleTableSlot *s_vacance,
			   *s_logement,
			   *s_orientation,
			   *s_attribution,
			   *s_contribution,
			   *s_convention,
			   *s_territoire,
			   *s_reservataire;
	Sonde		sondes[S_NOMBRE];
	MemoryContext memoire;		/* the statement's, where the probes live */
	/* the enum labels the rows are compared with, looked up once a statement */
	Oid			regime_flux,
				regime_hors_champ,
				issue_en_cours,
				issue_carence,
				issue_echec,
				issue_retiree,
				issue_attribuee,
				type_commune,
				type_epci,
				type_ept,
				gestion_deleguee;
} Contexte;

/*
 * Scan s again, for the rows of rel whose key is valeurs, visible to the
 * active snapshot; sonder() reads the one row of a unique key of rel into
 * slot through it.  The scan is used in the statement's
 * memory, as the executor uses its scans in the query's: the index AM
 * allocates some of its state lazily, at a call that needs it (btree's list
 * of dead items), and frees it at the end of the scan.
 */
static void
relancer(Contexte *x, int s, Relation rel, int n, const Datum *valeurs)
{
	/*
	 * suivante() only after relancer(): the keys of an open scan may point
	 * into a batch's memory (a réservataire, a département), freed when the
	 * next batch starts
	 */
	Sonde	   *p = &x->sondes[s];
	MemoryContext ancien = MemoryContextSwitchTo(x->memoire);

	if (p->ouverte)
		flux_relancer_lecture(&p->lec, n, valeurs, NULL);
	else
	{
		flux_ouvrir_lecture(&p->lec, rel, index_sondes[s], GetActiveSnapshot(), n, valeurs, NULL);
		p->ouverte = true;
	}
	MemoryContextSwitchTo(ancien);
}

/* The next row of scan s (started by relancer()) into slot. */
static bool
suivante(Contexte *x, int s, TupleTableSlot *slot)
{
	MemoryContext ancien = MemoryContextSwitchTo(x->memoire);
	bool		trouve = index_getnext_slot(x->sondes[s].lec.scan, ForwardScanDirection, slot);

	MemoryContextSwitchTo(ancien);
	return trouve;
}

static bool
sonder(Contexte *x, int s, Relation rel, int n, const Datum *valeurs, TupleTableSlot *slot)
{
	relancer(x, s, rel, n, valeurs);
	return suivante(x, s, slot);
}

/* Closes the probes: before the snapshot they read with is replaced, and at the end. */
static void
fermer_sondes(Contexte *x)
{
	MemoryContext ancien = MemoryContextSwitchTo(x->memoire);

	for (int s = 0; s < S_NOMBRE; s++)
		if (x->sondes[s].ouverte)
		{
			flux_fermer_lecture(&x->sondes[s].lec);
			x->sondes[s].ouverte = false;
		}
	MemoryContextSwitchTo(ancien);
}

/*
 * What the first pass saw of a statement's row, to read it again after the
 * locks by its tid rather than through its index: the vacancy's version
 * (once locked, its locked version), its dwelling's, and an attribution's
 * orientation's (once locked, its locked version).
 */
typedef struct Vue
{
	ItemPointerData vacance;
	ItemPointerData logement;
	ItemPointerData orientation;
} Vue;

/* The bigint column id (or col) of the row in slot. */
static int64
identifiant(Relation rel, TupleTableSlot *slot, const char *col)
{
	bool		nul;

	return DatumGetInt64(slot_getattr(slot, flux_attnum(rel, col), &nul));
}

/*
 * The row of rel whose id is id, into slot: the version at *tid (a version
 * read before) when snap sees it and it holds that id, a B-tree descent
 * saved; else through probe s, its tid then kept in *tid.
 *
 * Under the active snapshot, a version it sees is the row as it sees it (a
 * snapshot sees one version of a row at most).  Under SnapshotAny, where a
 * lock starts: the version found, pinned, stays on its page until the lock
 * follows it to the row's latest.  The version read before is held back
 * from pruning by the statement's snapshot, older, unless
 * old_snapshot_threshold lets pruning pass it: heap_fetch() then refuses a
 * line pointer no longer normal, and the id check a line pointer reused by
 * another row.
 */
static bool
retrouver(Contexte *x, int s, Relation rel, Snapshot snap, ItemPointer tid, int64 id, TupleTableSlot *slot)
{
	Datum		cle = Int64GetDatum(id);

	if (ItemPointerIsValid(tid) && table_tuple_fetch_row_version(rel, tid, snap, slot)
		&& identifiant(rel, slot, "id") == id)
		return true;
	if (!sonder(x, s, rel, 1, &cle, slot))
		return false;
	*tid = slot->tts_tid;
	return true;
}

/* The décompte mode of the convention in force for the orientation, or NULL when there is none. */
static const char *
mode_de(Contexte *x, const Evenement *ev, const Logement *l)
{
	bool		nul;
	bool		trouve = false;
	Datum		cle[3];

	flux_cles_convention(l->bailleur, l->commune, ev->reservataire, cle);
	relancer(x, S_CONVENTIONS, x->convention, 3, cle);
	while (!trouve && suivante(x, S_CONVENTIONS, x->s_convention))
		trouve = flux_convention_couvre(x->convention, x->s_convention, annee_de(ev->date_orientation));
	if (!trouve)
		return NULL;
	return DatumGetCString(DirectFunctionCall1(enum_out,
											   slot_getattr(x->s_convention, flux_attnum(x->convention, "mode_decompte"), &nul)));
}

/*
 * The rules of an orientation (view orientation_infraction) that the fast
 * path can decide: true when all hold.  Also returns its mode and whether it
 * is in the flux.
 */
static bool
regles_orientation(Contexte *x, const Evenement *ev, const Logement *l, bool *dans_flux, const char **mode)
{
	bool		flux = l->regime == x->regime_flux;
	bool		hors_champ = l->regime == x->regime_hors_champ;

	if (!flux && !hors_champ)
	{
		/* kept in stock: the orientation goes to its holder, not subtracted */
		if (l->sans_stock || ev->sans_reservataire || !ev->sans_soustraction
			|| !flux_egales(ev->reservataire, false, l->reservataire_stock, false, -1, false))
			return false;
	}
	if (hors_champ && !ev->sans_reservataire)
		return false;
	*dans_flux = flux && ev->sans_soustraction;
	*mode = *dans_flux ? "bail" : NULL;
	if (flux && !ev->sans_reservataire)
	{
		Datum		cle[2];
		bool		nul;
		Oid			type;

		*mode = mode_de(x, ev, l);
		if (*mode == NULL)
			return false;		/* sans_convention */
		/*
		 * carence_deleguee: the row trigger date_limite refuses it only for
		 * an orientation recorded without a deadline
		 */
		if (ev->issue == C_CARENCES
			&& DatumGetObjectId(slot_getattr(x->s_convention, flux_attnum(x->convention, "gestion"), &nul))
			== x->gestion_deleguee)
			return false;
		if (!sonder(x, S_RESERVATAIRE, x->reservataire, 1, &ev->reservataire, x->s_reservataire))
			return false;
		type = DatumGetObjectId(slot_getattr(x->s_reservataire, flux_attnum(x->reservataire, "type"), &nul));
		if (type == x->type_commune || type == x->type_epci || type == x->type_ept)
		{
			cle[0] = ev->reservataire;
			cle[1] = l->commune;
			if (!sonder(x, S_TERRITOIRE, x->territoire, 2, cle, x->s_territoire))
				return false;	/* hors_territoire */
		}
	}
	return true;
}

/* The vacancy's orientations other than ev's exist (visible after the locks). */
static bool
autres_orientations(Contexte *x, const Evenement *ev)
{
	Datum		cle = Int64GetDatum(ev->vacance);
	bool		autre = false;

	relancer(x, S_ORIENTATIONS_VACANCE, x->orientation, 1, &cle);
	while (!autre && suivante(x, S_ORIENTATIONS_VACANCE, x->s_orientation))
		autre = identifiant(x->orientation, x->s_orientation, "id") != ev->orientation;
	return autre;
}

/* The ledger rows of the vacancy, as they are; their tids in tids. */
static int
registre(Contexte *x, int64 vacance, Ligne *lignes, ItemPointerData *tids, int max)
{
	Datum		cle = Int64GetDatum(vacance);
	int			n = 0;

	relancer(x, S_REGISTRE, x->contribution, 1, &cle);
	while (suivante(x, S_REGISTRE, x->s_contribution))
	{
		if (n >= max)
		{
			n = -1;				/* more than a vacancy with one orientation has */
			break;
		}
		slot_getallattrs(x->s_contribution);
		for (int c = 0; c < C_NOMBRE; c++)
		{
			lignes[n].n[c] = x->s_contribution->tts_isnull[c];
			lignes[n].v[c] = lignes[n].n[c] ? (Datum) 0
				: datumCopy(x->s_contribution->tts_values[c], TupleDescAttr(x->contribution->rd_att, c)->attbyval,
							TupleDescAttr(x->contribution->rd_att, c)->attlen);
		}
		tids[n++] = x->s_contribution->tts_tid;
	}
	return n;
}

/* Opens a table of the context and makes its slot. */
static void
ouvrir_table(const char *nom, Relation *rel, TupleTableSlot **slot)
{
	*rel = table_open(flux_relation(nom), AccessShareLock);
	*slot = table_slot_create(*rel, NULL);
}

static void
fermer_table(Relation rel, TupleTableSlot *slot)
{
	if (rel == NULL)
		return;
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
}

/* The tables a statement reads: the dwellings only for vacancies, every one for the others. */
static void
ouvrir_contexte(Contexte *x, bool vacances_seules)
{
	memset(x, 0, sizeof(*x));
	ouvrir_table("logement", &x->logement, &x->s_logement);
	x->regime_flux = flux_etiquette(x->logement, "regime", "flux");
	x->regime_hors_champ = flux_etiquette(x->logement, "regime", "hors_champ");
	if (vacances_seules)
		return;
	ouvrir_table("vacance", &x->vacance, &x->s_vacance);
	ouvrir_table("orientation", &x->orientation, &x->s_orientation);
	ouvrir_table("contribution", &x->contribution, &x->s_contribution);
	ouvrir_table("convention", &x->convention, &x->s_convention);
	ouvrir_table("territoire", &x->territoire, &x->s_territoire);
	ouvrir_table("reservataire", &x->reservataire, &x->s_reservataire);
	ouvrir_table("attribution", &x->attribution, &x->s_attribution);
	x->issue_en_cours = flux_etiquette(x->orientation, "issue", "en_cours");
	x->issue_carence = flux_etiquette(x->orientation, "issue", "carence");
	x->issue_echec = flux_etiquette(x->orientation, "issue", "echec");
	x->issue_retiree = flux_etiquette(x->orientation, "issue", "retiree");
	x->issue_attribuee = flux_etiquette(x->orientation, "issue", "attribuee");
	x->type_commune = flux_etiquette(x->reservataire, "type", "commune");
	x->type_epci = flux_etiquette(x->reservataire, "type", "epci");
	x->type_ept = flux_etiquette(x->reservataire, "type", "ept");
	x->gestion_deleguee = flux_etiquette(x->convention, "gestion", "deleguee");
	/* the ledger's layout is the one this file writes */
	if (x->contribution->rd_att->natts != C_NOMBRE)
		elog(ERROR, "flux_mgmt: unexpected layout of table contribution");
	for (int c = 0; c < C_NOMBRE; c++)
		if (flux_attnum(x->contribution, flux_colonnes_contribution[c]) != c + 1)
			elog(ERROR, "flux_mgmt: unexpected layout of table contribution");
}

static void
fermer_contexte(Contexte *x)
{
	fermer_table(x->vacance, x->s_vacance);
	fermer_table(x->logement, x->s_logement);
	fermer_table(x->orientation, x->s_orientation);
	fermer_table(x->contribution, x->s_contribution);
	fermer_table(x->convention, x->s_convention);
	fermer_table(x->territoire, x->s_territoire);
	fermer_table(x->reservataire, x->s_reservataire);
	fermer_table(x->attribution, x->s_attribution);
}

/*
 * The dwelling of a vacancy (the vacancy's row into s_vacance, the
 * dwelling's into s_logement): read again by the tids of v when they are
 * still the rows' versions, else through the indexes (their tids then kept
 * in v).
 */
static bool
logement_de(Contexte *x, int64 vacance, Logement *l, Vue *v)
{
	if (!retrouver(x, S_VACANCE, x->vacance, GetActiveSnapshot(), &v->vacance, vacance, x->s_vacance)
		|| !retrouver(x, S_LOGEMENT, x->logement, GetActiveSnapshot(), &v->logement,
					  identifiant(x->vacance, x->s_vacance, "logement_id"), x->s_logement))
		return false;
	lire_logement(x->s_logement, x->logement, l);
	return true;
}

/*
 * The landlords of a statement, as keys of their locks (src/verrous.c):
 * consecutive duplicates dropped as they come (the rows of one landlord
 * usually come together), sorted and deduplicated when locked.
 */
typedef struct Bailleurs
{
	MemoryContext contexte;
	int32	   *cles;
	int64		nb,
				max;
} Bailleurs;

static void
ajouter_bailleur(Bailleurs *b, Datum bailleur)
{
	int32		cle = flux_cle_bailleur(bailleur);

	if (b->nb > 0 && b->cles[b->nb - 1] == cle)
		return;
	if (b->nb == b->max)
	{
		b->nb = flux_trier_cles(b->cles, (int) b->nb);	/* landlords in turns: as many keys as landlords */
		if (b->max == 0)
			b->cles = MemoryContextAllocHuge(b->contexte, sizeof(int32) * (b->max = 16));
		else if (b->nb > b->max / 2)
			b->cles = repalloc_huge(b->cles, sizeof(int32) * (b->max *= 2));
	}
	b->cles[b->nb++] = cle;
}

/* Locks the landlords shared, as the general path does (compteurs.c). */
static void
verrouiller_bailleurs(Bailleurs *b)
{
	b->nb = flux_verrouiller_cles(b->cles, b->nb, ShareLock);
}

/* Whether a landlord (text) is one of the locked ones. */
static bool
bailleur_verrouille(const Bailleurs *b, Datum bailleur)
{
	return flux_cle_parmi(flux_cle_bailleur(bailleur), b->cles, b->nb);
}

/*
 * Locks a vacancy's row FOR NO KEY UPDATE, as the general path does: its
 * latest version, from the version the first pass read (tid, then the
 * locked version's), or through the index.
 */
static bool
verrouiller_vacance(Contexte *x, int64 vacance, ItemPointer tid)
{
	ItemPointerData depuis;

	if (!retrouver(x, S_VACANCE, x->vacance, SnapshotAny, tid, vacance, x->s_vacance))
		return false;
	depuis = x->s_vacance->tts_tid;
	if (!flux_verrouiller_ligne(x->vacance, &depuis, LockTupleNoKeyExclusive, x->s_vacance)
		|| identifiant(x->vacance, x->s_vacance, "id") != vacance)
		return false;
	*tid = x->s_vacance->tts_tid;
	return true;
}

/* A vacancy to lock, and the first row of the statement that names it. */
typedef struct Verrouillee
{
	int64		vacance;		/* first: flux_comparer_int64() sorts and finds them by it */
	int64		rang;
} Verrouillee;

/*
 * A statement's rows are read in batches of LOT: what a batch reads is freed
 * when the next one starts, and a batch is written at once (a row's counters
 * need up to 4 ledger rows).  The memory of a statement grows with its rows
 * by some 40 bytes (the vacancies' ids, to lock them in order, and the
 * tids of what the first pass read, to read it again), not by their data.
 */
#define LOT 64

/*
 * The statement's next row into slot.  Read in the slot's own memory: a
 * transition table larger than work_mem is read back from its file into
 * memory that the slot owns and frees, and that must outlive the batches'
 * resets.
 */
static bool
ligne_suivante(Tuplestorestate *ts, TupleTableSlot *slot)
{
	MemoryContext ancien = MemoryContextSwitchTo(slot->tts_mcxt);
	bool		lue = tuplestore_gettupleslot(ts, true, false, slot);

	MemoryContextSwitchTo(ancien);
	return lue;
}

/* One more row of a pass over the statement: every LOT rows, what the batch read freed. */
static void
par_lot(MemoryContext lot, int64 *lues)
{
	if ((*lues)++ % LOT == 0)
	{
		CHECK_FOR_INTERRUPTS();
		MemoryContextReset(lot);
	}
}

/* The counter of an orientation's issue; -1 for attribuee (recorded before its attribution: a rule). */
static int
compteur_issue(const Contexte *x, Datum issue)
{
	Oid			etiquette = DatumGetObjectId(issue);

	return etiquette == x->issue_en_cours ? C_EN_COURS
		: etiquette == x->issue_carence ? C_CARENCES
		: etiquette == x->issue_echec ? C_ECHECS
		: etiquette == x->issue_retiree ? C_RETIREES : -1;
}

/*
 * One event row of the statement into ev: false when it is not for the fast
 * path (an orientation recorded attribuee).  An attribution's orientation is
 * read later, under its lock (lire_orientation_attribuee()).
 */
static bool
lire_evenement(const Contexte *x, TupleTableSlot *slot, Relation rel, bool attribution, Evenement *ev)
{
	bool		nul;

	memset(ev, 0, sizeof(*ev));
	if (attribution)
	{
		ev->issue = C_ATTRIBUEES;
		ev->orientation = DatumGetInt64(slot_getattr(slot, flux_attnum(rel, "orientation_id"), &nul));
		ev->date_caleol = DatumGetDateADT(slot_getattr(slot, flux_attnum(rel, "date_caleol"), &nul));
		ev->date_bail = DatumGetDateADT(slot_getattr(slot, flux_attnum(rel, "date_bail"), &ev->sans_bail));
		ev->premier_quartile = DatumGetBool(slot_getattr(slot, flux_attnum(rel, "premier_quartile"), &nul));
		ev->relogement_renouvellement = DatumGetBool(slot_getattr(slot, flux_attnum(rel, "relogement_renouvellement"), &nul));
		ev->prioritaire = DatumGetBool(slot_getattr(slot, flux_attnum(rel, "dalo"), &nul))
			|| DatumGetBool(slot_getattr(slot, flux_attnum(rel, "prioritaire"), &nul));
		return true;
	}
	ev->orientation = DatumGetInt64(slot_getattr(slot, flux_attnum(rel, "id"), &nul));
	ev->vacance = DatumGetInt64(slot_getattr(slot, flux_attnum(rel, "vacance_id"), &nul));
	ev->reservataire = slot_getattr(slot, flux_attnum(rel, "reservataire"), &ev->sans_reservataire);
	if (!ev->sans_reservataire)
		ev->reservataire = datumCopy(ev->reservataire, false, -1);
	ev->soustraction = slot_getattr(slot, flux_attnum(rel, "soustraction"), &ev->sans_soustraction);
	ev->date_orientation = DatumGetDateADT(slot_getattr(slot, flux_attnum(rel, "date_orientation"), &nul));
	ev->date_issue = DatumGetDateADT(slot_getattr(slot, flux_attnum(rel, "date_issue"), &ev->sans_date_issue));
	ev->issue = compteur_issue(x, slot_getattr(slot, flux_attnum(rel, "issue"), &nul));
	return ev->issue >= 0;
}

/*
 * An attribution's orientation: read (its version kept in *vue), read again
 * (the version in *vue, if the snapshot still sees it), or with verrouiller
 * locked, from the version in *vue (an orientation's issue is written before
 * its vacancy is locked, in both paths); false when it is not open or the
 * attribution breaks a rule.  Its vacancy into ev->vacance.
 */
static bool
lire_orientation_attribuee(Contexte *x, Evenement *ev, bool verrouiller, ItemPointer vue)
{
	TupleTableSlot *s = x->s_orientation;
	bool		nul;

	if (!retrouver(x, S_ORIENTATION, x->orientation, verrouiller ? SnapshotAny : GetActiveSnapshot(), vue,
				   ev->orientation, s))
		return false;
	if (verrouiller)
	{
		ItemPointerData depuis = s->tts_tid;

		if (!flux_verrouiller_ligne(x->orientation, &depuis, LockTupleNoKeyExclusive, s)
			|| identifiant(x->orientation, s, "id") != ev->orientation)
			return false;		/* deleted, or its id changed, before the lock */
	}
	*vue = s->tts_tid;
	if (DatumGetObjectId(slot_getattr(s, flux_attnum(x->orientation, "issue"), &nul)) != x->issue_en_cours)
		return false;			/* fermee, or attributed already: the general path says */
	ev->tid_orientation = s->tts_tid;
	ev->vacance = DatumGetInt64(slot_getattr(s, flux_attnum(x->orientation, "vacance_id"), &nul));
	ev->reservataire = slot_getattr(s, flux_attnum(x->orientation, "reservataire"), &ev->sans_reservataire);
	if (!ev->sans_reservataire)
		ev->reservataire = datumCopy(ev->reservataire, false, -1);
	ev->soustraction = slot_getattr(s, flux_attnum(x->orientation, "soustraction"), &ev->sans_soustraction);
	ev->date_orientation = DatumGetDateADT(slot_getattr(s, flux_attnum(x->orientation, "date_orientation"), &nul));
	return ev->date_caleol >= ev->date_orientation;	/* avant_orientation otherwise */
}

/*
 * The CHECK constraints of orientation, all true of an open orientation
 * becoming attribuee on its lease's date: its date_issue (the lease) is on or
 * after the CALEOL (attribution's CHECK), itself on or after the orientation
 * (checked before), and within 1900-2200 (attribution's CHECK).
 */
static const char *const checks_orientation[] = {
	"orientation_soustraite_sans_reservataire", "orientation_date_issue", "orientation_dates_apres_orientation",
	"orientation_carence_apres_delai", "orientation_dates_entre_1900_et_2200", NULL
};

/*
 * The trigger date_limite (BEFORE UPDATE OF issue, …) changes nothing on
 * this write: an update of the issue alone keeps a null deadline null
 * (src/date_limite.c, issue_seule), and only a carence is refused under
 * delegated management.  So the orientation is written straight through the
 * table AM (the executor's simple update parsed its CHECK constraints at
 * every statement and queued the foreign keys' triggers: a tenth of a
 * vacancy → orientation → attribution transaction's time).
 */
static const char *const date_limite_muet[] = {"date_limite", NULL};

/*
 * The attribution sets its orientation's issue (attribuee, on the lease's
 * date): a HOT update, no indexed column changing.
 */
static void
ecrire_issues(Contexte *x, Evenement *evs, int n)
{
	AttrNumber	issue = flux_attnum(x->orientation, "issue");
	AttrNumber	date_issue = flux_attnum(x->orientation, "date_issue");
	AttrNumber	ouverte = flux_attnum(x->orientation, "ouverte");
	Datum		attribuee = ObjectIdGetDatum(x->issue_attribuee);
	Bitmapset  *changees = NULL;
	FluxEcriture w;
	TupleTableSlot *ancien;

	changees = bms_add_member(changees, issue - FirstLowInvalidHeapAttributeNumber);
	changees = bms_add_member(changees, date_issue - FirstLowInvalidHeapAttributeNumber);
	changees = bms_add_member(changees, ouverte - FirstLowInvalidHeapAttributeNumber);	/* generated: recomputed */
	flux_ouvrir_ecriture(&w, "orientation", checks_orientation, date_limite_muet, changees);
	ancien = table_slot_create(w.rel, NULL);
	for (int i = 0; i < n; i++)
	{
		flux_copier_version(&w, &evs[i].tid_orientation, ancien);
		w.slot->tts_values[issue - 1] = attribuee;
		w.slot->tts_values[date_issue - 1] = DateADTGetDatum(evs[i].date_bail);
		w.slot->tts_isnull[date_issue - 1] = evs[i].sans_bail;
		w.slot->tts_values[ouverte - 1] = BoolGetDatum(true);	/* generated: attribuee is open */
		ExecStoreVirtualTuple(w.slot);
		flux_ecrire_version(&w, ancien);
	}
	ExecDropSingleTupleTableSlot(ancien);
	flux_fermer_ecriture(&w);
}

/* Replaces the ledger rows of the vacancies (tids) by their new rows. */
static void
ecrire_registre(ItemPointerData *anciennes, int nb_anciennes, Ligne *nouvelles, int nb_nouvelles)
{
	FluxEcriture w;

	flux_ouvrir_ecriture(&w, "contribution", NULL, NULL, NULL);
	/* published for deletes without a replica identity: refused, as the executor does */
	if (nb_anciennes > 0)
		CheckCmdReplicaIdentity(w.rel, CMD_DELETE);
	for (int i = 0; i < nb_anciennes; i++)
		simple_table_tuple_delete(w.rel, &anciennes[i], GetActiveSnapshot());
	for (int i = 0; i < nb_nouvelles; i++)
	{
		ExecClearTuple(w.slot);
		memcpy(w.slot->tts_values, nouvelles[i].v, sizeof(Datum) * C_NOMBRE);
		memcpy(w.slot->tts_isnull, nouvelles[i].n, sizeof(bool) * C_NOMBRE);
		ExecStoreVirtualTuple(w.slot);
		flux_ecrire_nouvelle(&w);
	}
	flux_fermer_ecriture(&w);
}

/* A vacancy statement: its rule (hors_possession), under the landlords' lock. */
static bool
vacances(TriggerData *td, Contexte *x, TupleTableSlot *slot, MemoryContext lot)
{
	Tuplestorestate *ts = td->tg_newtable;
	Relation	rel = td->tg_relation;
	Bailleurs	b = {CurrentMemoryContext, NULL, 0, 0};
	int64		lues = 0;
	bool		nul;
	/* the dwellings' versions read, read again by their tids under the lock */
	ItemPointerData *lus = MemoryContextAllocHuge(CurrentMemoryContext,
												  sizeof(ItemPointerData) * tuplestore_tuple_count(ts));
	int64		rang = 0;

	MemoryContextSwitchTo(lot);
	tuplestore_rescan(ts);
	while (ligne_suivante(ts, slot))
	{
		Datum		logement = slot_getattr(slot, flux_attnum(rel, "logement_id"), &nul);

		par_lot(lot, &lues);
		if (!sonder(x, S_LOGEMENT, x->logement, 1, &logement, x->s_logement))
			GENERAL("dwelling not found");
		lus[rang++] = x->s_logement->tts_tid;
		ajouter_bailleur(&b, slot_getattr(x->s_logement, flux_attnum(x->logement, "bailleur"), &nul));
	}
	verrouiller_bailleurs(&b);
	/* read again under the lock: a sale recorded meanwhile counts */
	fermer_sondes(x);
	PopActiveSnapshot();
	PushActiveSnapshot(GetLatestSnapshot());
	lues = 0;
	rang = 0;
	tuplestore_rescan(ts);
	while (ligne_suivante(ts, slot))
	{
		Datum		logement = slot_getattr(slot, flux_attnum(rel, "logement_id"), &nul);
		DateADT		date = DatumGetDateADT(slot_getattr(slot, flux_attnum(rel, "date_liberation"), &nul));
		Logement	l;

		par_lot(lot, &lues);
		if (!retrouver(x, S_LOGEMENT, x->logement, GetActiveSnapshot(), &lus[rang++], DatumGetInt64(logement),
					   x->s_logement))
			GENERAL("dwelling gone");
		lire_logement(x->s_logement, x->logement, &l);
		if (!bailleur_verrouille(&b, l.bailleur))
			GENERAL("the dwelling changed landlord before the lock");
		if ((!l.sans_mise_en_service && date < l.mise_en_service) || (!l.sans_sortie && date >= l.sortie))
			GENERAL("rule hors_possession");
	}
	return true;
}

/* A batch of rows of an orientation or attribution statement, counted, not written yet. */
typedef struct Lot
{
	int			taille;			/* rows it holds: LOT, or fewer for a smaller statement */
	Evenement  *evs;
	int			n;
	Ligne	   *nouvelles;		/* their ledger rows (4 at most a row) */
	int			nb_nouvelles;
	Ligne	   *anciennes;		/* the ledger rows they replace (3 at most a row: registre()) */
	ItemPointerData *tids;
	int			nb_anciennes;
} Lot;

/*
 * A batch for a statement of rows rows: sized to it, because a statement of
 * one row is the common case, and a full batch (over 100 kB) allocated and
 * freed at every statement made the allocator return its pages to the
 * kernel and fault them in again.
 */
static Lot *
nouveau_lot(int64 rows)
{
	Lot		   *lot = palloc0(sizeof(Lot));

	lot->taille = (int) Min(rows, LOT);
	lot->evs = palloc(sizeof(Evenement) * lot->taille);
	lot->nouvelles = palloc(sizeof(Ligne) * 4 * lot->taille);
	lot->anciennes = palloc(sizeof(Ligne) * 3 * lot->taille);
	lot->tids = palloc(sizeof(ItemPointerData) * 3 * lot->taille);
	return lot;
}

/*
 * Counts one row of the statement into the batch, its rows and vacancy
 * locked (verrouillees: the vacancies, sorted by id; v: what the first pass
 * saw of the row): false when the general path must.
 */
static bool
compter(Contexte *x, const Bailleurs *b, const Verrouillee *verrouillees, int64 nb_verrouillees, bool attribution,
		Evenement *ev, Vue *v, Lot *lot)
{
	Logement	l;
	bool		dans_flux;
	const char *mode;
	bool		nul;
	int			k;

	if (attribution && !lire_orientation_attribuee(x, ev, false, &v->orientation))
		GENERAL("the orientation is not open, or the attribution breaks a rule");
	if (attribution && bsearch(&ev->vacance, verrouillees, nb_verrouillees, sizeof(Verrouillee), flux_comparer_int64) == NULL)
		GENERAL("the orientation changed vacancy before the lock");
	if (!logement_de(x, ev->vacance, &l, v))
		GENERAL("vacancy not found");
	if (!bailleur_verrouille(b, l.bailleur))
		GENERAL("the dwelling changed landlord before the lock");
	ev->date_liberation = DatumGetDateADT(slot_getattr(x->s_vacance, flux_attnum(x->vacance, "date_liberation"), &nul));
	if (!attribution && ev->date_orientation < ev->date_liberation)
		GENERAL("rule avant_vacance");
	if (!regles_orientation(x, ev, &l, &dans_flux, &mode))
		GENERAL("a rule of the orientation");
	if (autres_orientations(x, ev))
		GENERAL("the vacancy has another orientation");
	/*
	 * rule attribution: an orientation recorded under the id of one deleted
	 * in the same statement (a writable CTE) finds that one's attribution
	 */
	if (!attribution)
	{
		Datum		cle = Int64GetDatum(ev->orientation);

		if (sonder(x, S_ATTRIBUTION, x->attribution, 1, &cle, x->s_attribution))
			GENERAL("the orientation has an attribution");
	}
	k = registre(x, ev->vacance, &lot->anciennes[lot->nb_anciennes], &lot->tids[lot->nb_anciennes], attribution ? 3 : 0);
	if (k < 0)
		GENERAL("ledger rows of the vacancy");
	lot->nb_anciennes += k;
	lot->nb_nouvelles += contributions(ev, &l, dans_flux, mode ? mode : "", &lot->nouvelles[lot->nb_nouvelles]);
	lot->n++;
	return true;
}

/* Writes a batch: the issues, the ledger; the counters' differences wait for the end of the transaction. */
static void
ecrire_lot(Contexte *x, bool attribution, Lot *lot)
{
	if (attribution)
		ecrire_issues(x, lot->evs, lot->n);
	ecrire_registre(lot->tids, lot->nb_anciennes, lot->nouvelles, lot->nb_nouvelles);
	for (int i = 0; i < lot->nb_anciennes; i++)
		flux_differer(&lot->anciennes[i], -1);
	for (int i = 0; i < lot->nb_nouvelles; i++)
		flux_differer(&lot->nouvelles[i], 1);
	lot->n = lot->nb_nouvelles = lot->nb_anciennes = 0;
}

/*
 * Locks what an orientation or attribution statement counts, in the general
 * path's order: the landlords (of the vacancy, or of the attribution's
 * orientation's), the attributions' orientations in the statement's order,
 * the vacancies in id order (into verrouillees, sorted; what was read of
 * each row into vues, in the statement's order).
 */
static bool
verrouiller(TriggerData *td, Contexte *x, bool attribution, TupleTableSlot *slot, MemoryContext lot,
			Bailleurs *b, Verrouillee *verrouillees, Vue *vues, int64 *nb_verrouillees)
{
	Tuplestorestate *ts = td->tg_newtable;
	Evenement	ev;
	Logement	l;
	int64		n = 0;
	int64		lues = 0;

	tuplestore_rescan(ts);
	while (ligne_suivante(ts, slot))
	{
		Vue		   *v = &vues[n];

		par_lot(lot, &lues);
		if (!lire_evenement(x, slot, td->tg_relation, attribution, &ev))
			GENERAL("an orientation recorded attribuee");
		if (attribution && !lire_orientation_attribuee(x, &ev, false, &v->orientation))
			GENERAL("the orientation is not open, or the attribution breaks a rule");
		if (!logement_de(x, ev.vacance, &l, v))
			GENERAL("vacancy not found");
		verrouillees[n].vacance = ev.vacance;
		verrouillees[n].rang = n;
		n++;
		ajouter_bailleur(b, l.bailleur);
	}
	verrouiller_bailleurs(b);
	qsort(verrouillees, n, sizeof(Verrouillee), flux_comparer_int64);
	if (attribution)
	{
		int64		i = 0;

		lues = 0;
		tuplestore_rescan(ts);
		while (ligne_suivante(ts, slot))
		{
			par_lot(lot, &lues);
			lire_evenement(x, slot, td->tg_relation, true, &ev);
			if (!lire_orientation_attribuee(x, &ev, true, &vues[i++].orientation))
				GENERAL("the orientation is not open, or the attribution breaks a rule");
			/* seen before anything is written, and before its vacancy is locked out of order */
			if (bsearch(&ev.vacance, verrouillees, n, sizeof(Verrouillee), flux_comparer_int64) == NULL)
				GENERAL("the orientation changed vacancy before the lock");
		}
	}
	lues = 0;
	for (int64 i = 0; i < n; i++)
	{
		par_lot(lot, &lues);
		if (i > 0 && verrouillees[i].vacance == verrouillees[i - 1].vacance)
			GENERAL("two rows of one vacancy");
		if (!verrouiller_vacance(x, verrouillees[i].vacance, &vues[verrouillees[i].rang].vacance))
			GENERAL("a vacancy gone");
	}
	*nb_verrouillees = n;
	return true;
}

/*
 * An orientation or attribution statement (see the head of the file), its
 * rows counted and written a batch at a time.
 */
static bool
orientations(TriggerData *td, Contexte *x, bool attribution, TupleTableSlot *slot, MemoryContext memoire_lot)
{
	Tuplestorestate *ts = td->tg_newtable;
	int64		nb_lignes = tuplestore_tuple_count(ts);
	Verrouillee *verrouillees = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(Verrouillee) * nb_lignes);
	/* zeroed: no tid read yet (offset 0 is not a valid tid) */
	Vue		   *vues = MemoryContextAllocExtended(CurrentMemoryContext, sizeof(Vue) * nb_lignes,
												  MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
	int64		nb_verrouillees;
	int64		rang = 0;
	Bailleurs	b = {CurrentMemoryContext, NULL, 0, 0};
	Lot		   *lot = nouveau_lot(nb_lignes);

	MemoryContextSwitchTo(memoire_lot);
	if (!verrouiller(td, x, attribution, slot, memoire_lot, &b, verrouillees, vues, &nb_verrouillees))
		return false;
	/* everything below reads what the locks protect, as committed now */
	fermer_sondes(x);
	PopActiveSnapshot();
	PushActiveSnapshot(GetLatestSnapshot());
	MemoryContextReset(memoire_lot);
	tuplestore_rescan(ts);
	while (ligne_suivante(ts, slot))
	{
		Evenement  *ev = &lot->evs[lot->n];

		if (!lire_evenement(x, slot, td->tg_relation, attribution, ev))
			GENERAL("an orientation recorded attribuee");
		if (!compter(x, &b, verrouillees, nb_verrouillees, attribution, ev, &vues[rang++], lot))
			return false;
		if (lot->n == lot->taille)
		{
			ecrire_lot(x, attribution, lot);
			CHECK_FOR_INTERRUPTS();
			MemoryContextReset(memoire_lot);
		}
	}
	if (lot->n > 0)
		ecrire_lot(x, attribution, lot);
	return true;
}

/*
 * The fast path of a counter trigger's statement: true when it did the
 * work, false when the general path must (it may have written some batches
 * of the statement's rows then: see the head of the file).
 */
bool
flux_chemin_rapide(TriggerData *td, int evenement)
{
	const char *table = RelationGetRelationName(td->tg_relation);
	Contexte	x;
	FluxIdentite avant;
	TupleTableSlot *slot;
	MemoryContext appelant = CurrentMemoryContext;
	MemoryContext memoire,
				lot;
	bool		fait;

	/* updates, deletes and the other tables' statements: the general path, without a word */
	if (evenement != TRIGGER_EVENT_INSERT || td->tg_newtable == NULL
		|| RelationGetNamespace(td->tg_relation) != get_namespace_oid(FLUX_SCHEMA, false)
		|| (strcmp(table, "vacance") != 0 && strcmp(table, "orientation") != 0 && strcmp(table, "attribution") != 0))
		return false;
	if (tuplestore_tuple_count(td->tg_newtable) == 0)
		return false;			/* nothing to count */
	if (IsolationUsesXactSnapshot())
		GENERAL("a transaction snapshot (REPEATABLE READ or SERIALIZABLE)");
	if (!check_function_bodies)
		GENERAL("check_function_bodies is off (a restore)");
	/*
	 * a 0.1 schema, not updated yet (ALTER EXTENSION flux_mgmt UPDATE), or in
	 * the middle of its update, lacks the engine's counters (and the index)
	 */
	if (!OidIsValid(flux_relation_si_existe("compteur_moteur"))
		|| !OidIsValid(flux_relation_si_existe("convention_en_vigueur")))
		GENERAL("the schema of 0.1, not updated");
	/* the statement's rows and everything before them visible, as to an SPI query */
	CommandCounterIncrement();
	PushActiveSnapshot(GetLatestSnapshot());
	/* as the owner of the table written, like the general path (compteurs.c) */
	flux_agir_en_proprietaire(td->tg_relation->rd_rel->relowner, &avant);
	ouvrir_contexte(&x, strcmp(table, "vacance") == 0);
	slot = MakeSingleTupleTableSlot(RelationGetDescr(td->tg_relation), &TTSOpsMinimalTuple);
	/* the statement's memory, and a batch's (freed at every batch) */
	memoire = AllocSetContextCreate(appelant, "flux_mgmt fast path", ALLOCSET_DEFAULT_SIZES);
	lot = AllocSetContextCreate(memoire, "flux_mgmt fast path batch", ALLOCSET_DEFAULT_SIZES);
	x.memoire = memoire;
	MemoryContextSwitchTo(memoire);
	if (strcmp(table, "vacance") == 0)
		fait = vacances(td, &x, slot, lot);
	else
		fait = orientations(td, &x, strcmp(table, "attribution") == 0, slot, lot);
	fermer_sondes(&x);
	MemoryContextSwitchTo(appelant);
	MemoryContextDelete(memoire);
	ExecDropSingleTupleTableSlot(slot);
	fermer_contexte(&x);
	flux_redevenir(&avant);
	PopActiveSnapshot();
	return fait;
}
