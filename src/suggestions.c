/*-------------------------------------------------------------------------
 *
 * suggestions.c
 *		suggerer()'s ranked rows and their reasons, computed in C:
 *		suggestions_classees() of the candidates and the kernel's choice
 *		that decider() gave (sql/src/75_moteur.sql).
 *
 * The SQL query it replaces formatted every candidate's reasons with
 * format(), round() and trim_scale() in a plan built at each call: a
 * quarter of a suggestion.  Here the same numeric operations, in the same
 * order, on the same types (a candidate's t and a are bigint, its share
 * numeric), written out by the same output functions, so that both give the
 * same rows to the last character; a null value behaves as in the SQL (a
 * comparison with it is not true, format() writes it as nothing).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "flux_mgmt.h"
#include "moteur.h"

/* Fields of choix_orientation */
enum
{
	CH_CLASSEMENT, CH_PLUS_URGENT, CH_HORIZON, CH_NOMBRE
};

/* A numeric that may be null: null in, null out. */
typedef struct Nombre
{
	Datum		v;
	bool		nul;
} Nombre;

static Nombre
nombre(Datum v, bool nul)
{
	Nombre		n = {v, nul};

	return n;
}

static Nombre
operation(PGFunction f, Nombre a, Nombre b)
{
	if (a.nul || b.nul)
		return nombre((Datum) 0, true);
	return nombre(DirectFunctionCall2(f, a.v, b.v), false);
}

static Nombre
arrondi(Nombre a, int echelle)
{
	return a.nul ? a : nombre(NUM_ROUND(a.v, echelle), false);
}

/* a < b, a <= b, …: true only when both are known (a comparison with null is not true) */
static bool
compare(Nombre a, Nombre b, int signe_voulu, bool egal_admis)
{
	int			c;

	if (a.nul || b.nul)
		return false;
	c = NUM_CMP(a.v, b.v);
	return c == 0 ? egal_admis : (c < 0 ? -1 : 1) == signe_voulu;
}

/* format()'s %s of a numeric: its text, nothing for null */
static const char *
texte_nombre(Nombre a)
{
	return a.nul ? "" : NUM_TEXTE(a.v);
}

static const char *
texte(Datum v, bool nul)
{
	return nul ? "" : TextDatumGetCString(v);
}

static const char *
texte_int8(Datum v, bool nul)
{
	return nul ? "" : psprintf(INT64_FORMAT, DatumGetInt64(v));
}

static Nombre
numeric_de_int8(Datum v, bool nul)
{
	return nul ? nombre((Datum) 0, true) : nombre(NUM_INT8(DatumGetInt64(v)), false);
}

/*
 * The arrays decider() makes are one-dimensional and start at 1; the SQL
 * indexed and concatenated them as such.  Any other shape is refused rather
 * than read differently.
 */
static void
exiger_vecteur(ArrayType *a, const char *nom)
{
	if (ARR_NDIM(a) > 1 || (ARR_NDIM(a) == 1 && ARR_LBOUND(a)[0] != 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array starting at 1, not one of %d dimensions starting at %d",
						nom, ARR_NDIM(a), ARR_LBOUND(a)[0]),
				 errhint("Pass the arrays decider() gives.")));
}

/* A composite of the extension's type read into an array of its known size. */
static void
exiger_champs(TupleDesc desc, int attendus, const char *type)
{
	if (desc->natts != attendus)
		elog(ERROR, "flux_mgmt: type %s has %d attributes, not %d", type, desc->natts, attendus);
}

/* Appends the elements of a text[] (null: nothing) to the list. */
static void
ajouter_tableau(List **motifs, Datum tableau, bool nul, const char *nom)
{
	Datum	   *elements;
	bool	   *nuls;
	int			n;
	ArrayType  *a;

	if (nul)
		return;
	a = DatumGetArrayTypeP(tableau);
	exiger_vecteur(a, nom);
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nuls, &n);
	for (int i = 0; i < n; i++)
		*motifs = lappend(*motifs, nuls[i] ? NULL : DatumGetPointer(elements[i]));
}

static Datum
tableau_de(List *motifs)
{
	int			n = list_length(motifs);
	Datum	   *elements = palloc(sizeof(Datum) * Max(n, 1));
	bool	   *nuls = palloc(sizeof(bool) * Max(n, 1));
	int			dims[1] = {n};
	int			lbs[1] = {1};
	int			i = 0;
	ListCell   *lc;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	foreach(lc, motifs)
	{
		nuls[i] = lfirst(lc) == NULL;
		elements[i] = PointerGetDatum(lfirst(lc));
		i++;
	}
	return PointerGetDatum(construct_md_array(elements, nuls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

static void
motif(List **motifs, const char *texte)
{
	*motifs = lappend(*motifs, DatumGetPointer(CStringGetTextDatum(texte)));
}

/*
 * suggestions_classees(candidats, choix, avis) → setof (rang, reservataire,
 * ecart, score, motifs): suggerer()'s rows for an in-flux dwelling, with
 * c = 1/k, k = 2n - 2 for n candidates with a share (1 below two), and the
 * subtraction advice avis added to rank 1's reasons.
 */
PG_FUNCTION_INFO_V1(flux_suggestions_classees);
Datum
flux_suggestions_classees(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum	   *candidats = NULL;
	bool	   *candidats_nuls = NULL;
	int			nb_candidats = 0;
	TupleDesc	desc_candidat = NULL;
	Datum		choix[CH_NOMBRE];
	bool		choix_nuls[CH_NOMBRE];
	Datum	   *classement = NULL;
	bool	   *classement_nuls = NULL;
	int			nb_classes = 0;
	Nombre		k;
	int32		avec_part = 0;
	Nombre		un = nombre(NUM_INT4(1), false);
	Nombre		zero = nombre(NUM_INT4(0), false);
	Nombre		cent = nombre(NUM_INT4(100), false);
	Nombre		c;				/* 1 / k */
	Nombre		borne;			/* 1 - 1 / k */
	int32		plus_urgent = 0;
	bool		sans_plus_urgent = true;
	MemoryContext ligne;
	MemoryContext avant;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(1))
		return (Datum) 0;		/* unnest of a null classement: no rows */
	{
		HeapTupleHeader h = PG_GETARG_HEAPTUPLEHEADER(1);
		TupleDesc	d = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(h), HeapTupleHeaderGetTypMod(h));

		exiger_champs(d, CH_NOMBRE, "choix_orientation");
		flux_champs(PointerGetDatum(h), d, choix, choix_nuls);
		ReleaseTupleDesc(d);
	}
	if (choix_nuls[CH_CLASSEMENT])
		return (Datum) 0;
	deconstruct_array(DatumGetArrayTypeP(choix[CH_CLASSEMENT]), INT4OID, 4, true, TYPALIGN_INT,
					  &classement, &classement_nuls, &nb_classes);
	if (!choix_nuls[CH_PLUS_URGENT])
	{
		plus_urgent = DatumGetInt32(choix[CH_PLUS_URGENT]);
		sans_plus_urgent = false;
	}
	if (!PG_ARGISNULL(0))
	{
		ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
		int16		typlen;
		bool		typbyval;
		char		typalign;

		exiger_vecteur(a, "candidats");
		get_typlenbyvalalign(ARR_ELEMTYPE(a), &typlen, &typbyval, &typalign);
		deconstruct_array(a, ARR_ELEMTYPE(a), typlen, typbyval, typalign, &candidats, &candidats_nuls, &nb_candidats);
		desc_candidat = lookup_rowtype_tupdesc_copy(ARR_ELEMTYPE(a), -1);
		exiger_champs(desc_candidat, CA_NOMBRE, "candidat_orientation");
	}
	/* n = count(*) FILTER (WHERE taux > 0); k = CASE WHEN n >= 2 THEN 2 * n - 2 ELSE 1 END */
	for (int i = 0; i < nb_candidats; i++)
	{
		Datum		x[CA_NOMBRE];
		bool		xn[CA_NOMBRE];

		if (candidats_nuls[i])
			continue;
		flux_champs(candidats[i], desc_candidat, x, xn);
		avec_part += !xn[CA_TAUX] && NUM_CMP(x[CA_TAUX], zero.v) > 0;
	}
	k = nombre(NUM_INT4(avec_part >= 2 ? 2 * avec_part - 2 : 1), false);
	c = operation(numeric_div, un, k);
	borne = operation(numeric_sub, un, c);

	/* each row's work freed once the row is stored: the positions are the caller's */
	ligne = AllocSetContextCreate(CurrentMemoryContext, "flux_mgmt suggestion row", ALLOCSET_SMALL_SIZES);
	for (int r = 0; r < nb_classes; r++)
	{
		int32		rang = r + 1;
		bool		idx_nul = classement_nuls[r];
		int32		idx = idx_nul ? 0 : DatumGetInt32(classement[r]);
		Datum		x[CA_NOMBRE];
		bool		xn[CA_NOMBRE];
		Nombre		taux,
					t,
					a,
					droit,
					ecart,
					score = nombre((Datum) 0, true);
		bool		urgent = !idx_nul && !sans_plus_urgent && idx == plus_urgent;
		List	   *motifs = NIL;
		Datum		sortie[5];
		bool		sortie_nuls[5] = {false};

		CHECK_FOR_INTERRUPTS();
		avant = MemoryContextSwitchTo(ligne);
		/* c[r.idx]: null out of the array's bounds */
		if (idx_nul || idx < 1 || idx > nb_candidats || candidats_nuls[idx - 1])
			memset(xn, true, sizeof(xn));
		else
			flux_champs(candidats[idx - 1], desc_candidat, x, xn);
		taux = nombre(x[CA_TAUX], xn[CA_TAUX]);
		t = numeric_de_int8(x[CA_T], xn[CA_T]);
		a = numeric_de_int8(x[CA_A], xn[CA_A]);
		/* x.t * x.taux / 100, and ecart = that - x.a */
		droit = operation(numeric_div, operation(numeric_mul, t, taux), cent);
		ecart = operation(numeric_sub, droit, a);
		/* CASE WHEN x.taux > 0 THEN round((1 - 1 / k - ecart) / (x.taux / 100), 3) END */
		if (compare(taux, zero, 1, false))
			score = arrondi(operation(numeric_div, operation(numeric_sub, borne, ecart),
									  operation(numeric_div, taux, cent)), 3);

		motif(&motifs, psprintf("%s: entitlement %s of the %s in-flux dwellings of %s this year (%s %%), %s received: ecart %s",
								texte(x[CA_NOM], xn[CA_NOM]), texte_nombre(arrondi(droit, 3)),
								texte_int8(x[CA_T], xn[CA_T]),
								!xn[CA_TERRITORIAL] && DatumGetBool(x[CA_TERRITORIAL]) ? "its territory" : "the département",
								taux.nul ? "" : NUM_TEXTE(NUM_TRIM(taux.v)), texte_int8(x[CA_A], xn[CA_A]),
								texte_nombre(arrondi(ecart, 3))));
		if (compare(taux, zero, -1, true))
			motif(&motifs, "no entitlement left to it");
		else if (compare(operation(numeric_mul, ecart, k), un, -1, false))
			motif(&motifs, psprintf("at or above its quota: ecart below %s, not eligible this time",
									texte_nombre(arrondi(c, 3))));
		/* taux > 0 here (a null one stops at the tests above): the score, the expression the SQL wrote again */
		else if (rang == 1 && urgent && compare(ecart, borne, -1, true))
			motif(&motifs, psprintf("most urgent: it falls below its quota within %s more dwellings (Tijdeman's rule)",
									texte_nombre(score)));
		/* past the bound (the shares changed during the year, orientations made by hand) */
		else if (rang == 1 && urgent)
			motif(&motifs, psprintf("most urgent: already %s dwellings below its quota beyond the bound of %s (Tijdeman's rule)",
									texte_nombre(arrondi(operation(numeric_sub, ecart, borne), 3)),
									texte_nombre(arrondi(borne, 3))));
		else if (rang == 1)
		{
			const char *nom_urgent = "";
			Datum		u[CA_NOMBRE];
			bool		un_nuls[CA_NOMBRE];

			if (!sans_plus_urgent && plus_urgent >= 1 && plus_urgent <= nb_candidats && !candidats_nuls[plus_urgent - 1])
			{
				flux_champs(candidats[plus_urgent - 1], desc_candidat, u, un_nuls);
				nom_urgent = texte(u[CA_NOM], un_nuls[CA_NOM]);
			}
			motif(&motifs, psprintf("preferred over %s, more urgent, for its objectives: the quota bound of %s still holds (checked over the next %s dwellings)",
									nom_urgent, texte_nombre(arrondi(borne, 3)),
									choix_nuls[CH_HORIZON] ? "" : psprintf("%d", DatumGetInt32(choix[CH_HORIZON]))));
		}
		else
			motif(&motifs, psprintf("eligible: below its quota by %s or more", texte_nombre(arrondi(c, 3))));
		ajouter_tableau(&motifs, x[CA_MOTIFS], xn[CA_MOTIFS], "motifs_preference");
		if (!xn[CA_TERRITORIAL] && DatumGetBool(x[CA_TERRITORIAL]))
			motif(&motifs, "territorial réservataire: the dwelling is in its territory");
		if (!xn[CA_GESTION] && strcmp(DatumGetCString(DirectFunctionCall1(enum_out, x[CA_GESTION])), "deleguee") == 0)
			motif(&motifs, "delegated management: the landlord designates the candidates on its behalf (no delay, no carence)");
		if (xn[CA_RESERVATAIRE])
			motif(&motifs, "landlord's pool: what the département's flux leaves after every convention's entitlement");
		if (rang == 1)
			ajouter_tableau(&motifs, PG_GETARG_DATUM(2), PG_ARGISNULL(2), "avis");

		sortie[0] = Int32GetDatum(rang);
		sortie[1] = x[CA_RESERVATAIRE];
		sortie_nuls[1] = xn[CA_RESERVATAIRE];
		sortie[2] = ecart.nul ? (Datum) 0 : NUM_TRIM(ecart.v);
		sortie_nuls[2] = ecart.nul;
		sortie[3] = score.v;
		sortie_nuls[3] = score.nul;
		sortie[4] = tableau_de(motifs);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, sortie, sortie_nuls);
		MemoryContextSwitchTo(avant);
		MemoryContextReset(ligne);
	}
	MemoryContextDelete(ligne);
	return (Datum) 0;
}
