/*-------------------------------------------------------------------------
 *
 * lecture_moteur.c
 *		The orientation engine's reads of the counters: the rows of a
 *		landlord's département (compteur_moteur) and of a territory's
 *		communes (compteur), with the transaction's differences not written
 *		yet added (src/en_attente.c).
 *
 * A query that names a counter table makes the pending differences be
 * written first (the ExecutorStart hook of en_attente.c).  The engine reads
 * the counters at every decision: in a batch of orientations made in one
 * transaction (orienter_en_attente), that wrote each counter row once per
 * orientation, and a row rewritten by its own transaction grows a chain of
 * versions that every later read and write walks.  Read here, through the
 * counters' unique indexes, the rows and the pending differences add up to
 * the same figures, and the rows are written once, at the end.
 *
 * The caller needs SELECT on the table, as for a query of it.  The rows are
 * read under a copy of the active snapshot that also sees what this
 * transaction wrote since it was taken (a write of the pending differences
 * by another query of the transaction moves them from the hash to the rows).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "flux_mgmt.h"
#include "acces.h"
#include "moteur.h"

/*
 * A table of the extension whose rows of one landlord the engine reads
 * through an index: the rows would escape a policy, so under row-level
 * security the extension's own rule (the landlord's staff read them all:
 * lit_bailleur) is applied here to the landlord asked for, as a whole.
 */
Relation
flux_ouvrir_lisible(const char *table, Datum bailleur)
{
	Oid			relid = flux_relation(table);
	AclResult	r = pg_class_aclcheck(relid, GetUserId(), ACL_SELECT);

	if (r != ACLCHECK_OK)
		aclcheck_error(r, OBJECT_TABLE, table);
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED &&
		!DatumGetBool(flux_appeler("lit_bailleur_courant", TEXTOID, bailleur)))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role %s may not read the %s of landlord \"%s\"",
						GetUserNameFromId(GetUserId(), false), strncmp(table, "compteur", 8) == 0 ? "counters" : "rows", TextDatumGetCString(bailleur)),
				 errhint("The orientation engine is for the landlord's staff: ask the owner for a profile, flux_mgmt.accorder_profil(role, 'saisie', bailleur).")));
	return table_open(relid, AccessShareLock);
}

/* A beneficiary's sums, or NULL when it has none. */
FluxSomme *
flux_somme_trouvee(FluxSommes *ss, Datum reservataire, bool sans)
{
	for (int i = 0; i < ss->n; i++)
		if (flux_egales(ss->s[i].reservataire, ss->s[i].sans_reservataire, reservataire, sans, -1, false))
			return &ss->s[i];
	return NULL;
}

/* A beneficiary's sums, added at zero when it has none. */
static FluxSomme *
somme_de(FluxSommes *ss, Datum reservataire, bool sans)
{
	FluxSomme  *s = flux_somme_trouvee(ss, reservataire, sans);

	if (s != NULL)
		return s;
	if (ss->n == ss->max)
	{
		ss->max = Max(16, 2 * ss->max);
		ss->s = ss->s == NULL ? palloc(sizeof(FluxSomme) * ss->max) : repalloc(ss->s, sizeof(FluxSomme) * ss->max);
	}
	ss->s[ss->n].reservataire = sans ? (Datum) 0 : datumCopy(reservataire, false, -1);
	ss->s[ss->n].sans_reservataire = sans;
	memset(ss->s[ss->n].montants, 0, sizeof(ss->s[ss->n].montants));
	return &ss->s[ss->n++];
}

static void
ajouter_moteur(void *arg, int32 commune, Datum reservataire, bool sans, const int64 *montants)
{
	FluxSomme	   *s = somme_de((FluxSommes *) arg, reservataire, sans);

	for (int c = 0; c < 3; c++)
		s->montants[c] += montants[c];
}

/* codes[0..n-1] sorted, each once; their count. */
static int
sans_doublons(int32 *codes, int n)
{
	int			m = 0;

	qsort(codes, n, sizeof(int32), flux_comparer_int32);
	for (int i = 0; i < n; i++)
		if (m == 0 || codes[m - 1] != codes[i])
			codes[m++] = codes[i];
	return m;
}

/* The codes of an array of communes, nulls left out, sorted, each once; their count. */
static int
codes_tries(ArrayType *tableau, int32 *codes)
{
	Datum	   *communes;
	bool	   *nuls;
	int			n,
				m = 0;

	deconstruct_array(tableau, ARR_ELEMTYPE(tableau), sizeof(int32), true, TYPALIGN_INT, &communes, &nuls, &n);
	for (int i = 0; i < n; i++)
		if (!nuls[i])
			codes[m++] = DatumGetInt32(communes[i]);
	return sans_doublons(codes, m);
}

/* A counter row (or pending entry) of the flux in a commune, added to every territory holding it. */
typedef struct Territoires
{
	int			nb;
	FluxTerritoire *ter;
} Territoires;

static void
ajouter_territoires(void *arg, int32 commune, Datum reservataire, bool sans, const int64 *imputees)
{
	Territoires *tt = arg;

	for (int j = 0; j < tt->nb; j++)
	{
		FluxTerritoire *x = &tt->ter[j];

		if (bsearch(&commune, x->codes, x->nb_codes, sizeof(int32), flux_comparer_int32) == NULL)
			continue;
		x->t += *imputees;
		if (!sans && flux_egales(reservataire, false, x->reservataire, false, -1, false))
			x->a += *imputees;
	}
}

/* The rows under a snapshot that sees the transaction's writes of its differences, pushed (pop it after). */
static Snapshot
instantane(void)
{
	flux_pousser_instantane_compteurs(GetActiveSnapshot());
	return GetActiveSnapshot();
}

/*
 * comptes_moteur(bailleur, annee, departement): per beneficiary, imputees,
 * proposes and proposes_hors_qpv of compteur_moteur summed over the
 * tranches, with the transaction's pending differences.
 */
/* The sums of compteur_moteur of a landlord, year and département per beneficiary, pending differences included. */
void
flux_lire_comptes_moteur(Datum bailleur, int32 annee, Datum departement, FluxSommes *ss)
{
	Datum		cle[3] = {bailleur, Int32GetDatum(annee), departement};
	Relation	rel = flux_ouvrir_lisible("compteur_moteur", bailleur);
	TupleTableSlot *slot;
	FluxLecture l;
	AttrNumber	colonnes[4];

	colonnes[0] = flux_attnum(rel, "reservataire");
	colonnes[1] = flux_attnum(rel, "imputees");
	colonnes[2] = flux_attnum(rel, "proposes");
	colonnes[3] = flux_attnum(rel, "proposes_hors_qpv");
	slot = table_slot_create(rel, NULL);
	flux_ouvrir_lecture(&l, rel, "compteur_moteur_cle", instantane(), 3, cle, NULL);
	while (index_getnext_slot(l.scan, ForwardScanDirection, slot))
	{
		bool		nul;
		Datum		r = slot_getattr(slot, colonnes[0], &nul);
		FluxSomme  *s = somme_de(ss, r, nul);

		for (int c = 0; c < 3; c++)
			s->montants[c] += DatumGetInt64(slot_getattr(slot, colonnes[c + 1], &nul));
	}
	flux_fermer_lecture(&l);
	PopActiveSnapshot();
	ExecDropSingleTupleTableSlot(slot);
	table_close(rel, NoLock);
	flux_parcourir_en_attente(bailleur, annee, departement, NULL, 0, ajouter_moteur, ss);
}

/*
 * comptes_moteur(bailleur, annee, departement): per beneficiary, imputees,
 * proposes and proposes_hors_qpv of compteur_moteur summed over the
 * tranches, with the transaction's pending differences.
 */
PG_FUNCTION_INFO_V1(flux_comptes_moteur);
Datum
flux_comptes_moteur(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FluxSommes	ss = {0};

	InitMaterializedSRF(fcinfo, 0);
	flux_lire_comptes_moteur(PG_GETARG_DATUM(0), PG_GETARG_INT32(1), PG_GETARG_DATUM(2), &ss);
	for (int i = 0; i < ss.n; i++)
	{
		Datum		v[4] = {ss.s[i].reservataire, Int64GetDatum(ss.s[i].montants[0]),
			Int64GetDatum(ss.s[i].montants[1]), Int64GetDatum(ss.s[i].montants[2])};
		bool		n[4] = {ss.s[i].sans_reservataire, false, false, false};

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	return (Datum) 0;
}

/*
 * The in-flux vacancies the engine counts (compteur.imputees) of a landlord's
 * year in each territory's communes (t) and, of those, its réservataire's
 * (a), pending differences included; compteur as flux_ouvrir_lisible()
 * opened it for the landlord, or NULL to open it here.  A commune several
 * territories share is read once, and the pending differences once for all.
 */
void
flux_lire_comptes_territoires(Relation compteur, Datum bailleur, int32 annee, int nb, FluxTerritoire *ter)
{
	Territoires tt = {nb, ter};
	int32	   *toutes;
	int			nb_toutes = 0,
				taille = 0;
	Relation	rel;
	TupleTableSlot *slot;
	AttrNumber	a_reservataire,
				a_dans_flux,
				a_imputees;
	FluxLecture l;

	for (int j = 0; j < nb; j++)
		taille += ArrayGetNItems(ARR_NDIM(ter[j].communes), ARR_DIMS(ter[j].communes));
	toutes = palloc(sizeof(int32) * Max(taille, 1));
	for (int j = 0; j < nb; j++)
	{
		ter[j].codes = palloc(sizeof(int32) * Max(ArrayGetNItems(ARR_NDIM(ter[j].communes), ARR_DIMS(ter[j].communes)), 1));
		ter[j].nb_codes = codes_tries(ter[j].communes, ter[j].codes);
		ter[j].t = 0;
		ter[j].a = 0;
		memcpy(&toutes[nb_toutes], ter[j].codes, sizeof(int32) * ter[j].nb_codes);
		nb_toutes += ter[j].nb_codes;
	}
	/* the union, sorted, each once */
	nb_toutes = sans_doublons(toutes, nb_toutes);

	rel = compteur != NULL ? compteur : flux_ouvrir_lisible("compteur", bailleur);
	a_reservataire = flux_attnum(rel, "reservataire");
	a_dans_flux = flux_attnum(rel, "dans_flux");
	a_imputees = flux_attnum(rel, "imputees");
	slot = table_slot_create(rel, NULL);
	for (int i = 0; i < nb_toutes; i++)
	{
		Datum		cle[3] = {bailleur, Int32GetDatum(annee), Int32GetDatum(toutes[i])};

		CHECK_FOR_INTERRUPTS();
		/* the index opened once, scanned again for each commune */
		if (i == 0)
			flux_ouvrir_lecture(&l, rel, "compteur_cle", instantane(), 3, cle, NULL);
		else
			flux_relancer_lecture(&l, 3, cle, NULL);
		while (index_getnext_slot(l.scan, ForwardScanDirection, slot))
		{
			bool		nul;
			bool		sans;
			int64		imputees;
			Datum		r;

			if (!DatumGetBool(slot_getattr(slot, a_dans_flux, &nul)))
				continue;
			imputees = DatumGetInt64(slot_getattr(slot, a_imputees, &nul));
			r = slot_getattr(slot, a_reservataire, &sans);
			ajouter_territoires(&tt, toutes[i], r, sans, &imputees);
		}
	}
	if (nb_toutes > 0)
	{
		flux_fermer_lecture(&l);
		PopActiveSnapshot();
	}
	ExecDropSingleTupleTableSlot(slot);
	if (compteur == NULL)
		table_close(rel, NoLock);
	if (nb_toutes > 0)
		flux_parcourir_en_attente(bailleur, annee, (Datum) 0, toutes, nb_toutes, ajouter_territoires, &tt);
}

/*
 * comptes_territoire(bailleur, annee, communes, reservataire): the in-flux
 * vacancies the engine counts in those communes (t) and, of those, the
 * réservataire's (a), from compteur summed over its rows, with the
 * transaction's pending differences.
 */
PG_FUNCTION_INFO_V1(flux_comptes_territoire);
Datum
flux_comptes_territoire(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	FluxTerritoire ter = {0};
	Datum		resultat[2];
	bool		resultat_nul[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux_mgmt: comptes_territoire must return a composite");
	ter.communes = PG_GETARG_ARRAYTYPE_P(2);
	ter.reservataire = PG_GETARG_DATUM(3);
	flux_lire_comptes_territoires(NULL, PG_GETARG_DATUM(0), PG_GETARG_INT32(1), 1, &ter);
	resultat[0] = Int64GetDatum(ter.t);
	resultat[1] = Int64GetDatum(ter.a);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), resultat, resultat_nul)));
}
