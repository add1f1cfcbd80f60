/*-------------------------------------------------------------------------
 *
 * repartir.c
 *		Apportionment kernels: turning real-valued entitlements into whole
 *		dwellings, and the yearly calendar of a small réservataire.
 *
 * A réservataire's right for a year is a real number (share × flux); reports
 * and targets need whole dwellings that add up exactly to the rounded flux
 * (DOMAIN §3.3).  repartir() does it by the largest-remainder (Hamilton)
 * method, in exact integer arithmetic: every weight is converted to integer
 * micro-units (1e-6), so that the quotas total × w_i / Σw are compared as
 * integer remainders over one common denominator and no floating-point
 * rounding ever decides who gets a dwelling.
 *
 * calendrier() says, for a converted stock right whose annual volume is
 * below one dwelling, in which years the réservataire receives one (DOMAIN
 * §3.4), from exact numeric products and floors.
 *
 * The kernels are pure: they read no table and are unit-tested through SQL.
 * Every loop over the input checks for interrupts: an array of a million
 * weights takes seconds, and must stop at a cancel or a statement_timeout.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include <stdlib.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "flux_mgmt.h"

/* Weights are counted in millionths. */
#define MICRO_UNITS 1000000

/*
 * total × weight and the sum of the weights.  With 128-bit integers neither
 * can overflow (2^31 × 2^63 < 2^127, and an array holds far fewer than 2^63
 * weights); without them, 64-bit arithmetic with overflow checks.
 */
#ifdef HAVE_INT128
typedef int128 wide;

static inline bool
wide_mul_overflow(int64 a, int64 b, wide *result)
{
	*result = (wide) a * (wide) b;
	return false;
}

static inline bool
wide_add_overflow(wide a, wide b, wide *result)
{
	*result = a + b;
	return false;
}
#else
typedef int64 wide;

static inline bool
wide_mul_overflow(int64 a, int64 b, wide *result)
{
	return pg_mul_s64_overflow(a, b, result);
}

static inline bool
wide_add_overflow(wide a, wide b, wide *result)
{
	return pg_add_s64_overflow(a, b, result);
}
#endif

/* One holder while the remaining dwellings are handed out. */
typedef struct Reste
{
	wide		reste;			/* (total × weight) mod Σ weights */
	int64		poids;			/* the weight, in micro-units */
	int			indice;			/* position in the input, from 0 */
} Reste;

/*
 * Who gets one of the remaining dwellings first: the larger remainder, then
 * the larger weight, then the earlier position.  A total order, so the
 * result never depends on qsort's internals.
 */
static int
comparer_restes(const void *a, const void *b)
{
	const Reste *x = (const Reste *) a;
	const Reste *y = (const Reste *) b;

	if (x->reste != y->reste)
		return x->reste > y->reste ? -1 : 1;
	if (x->poids != y->poids)
		return x->poids > y->poids ? -1 : 1;
	return x->indice < y->indice ? -1 : (x->indice > y->indice ? 1 : 0);
}

static void
refuser_poids(int position, const char *valeur, const char *pourquoi, const char *conseil)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("weight %s at position %d %s", valeur, position, pourquoi),
			 errhint("%s", conseil)));
}

/*
 * A weight in micro-units.  Rejected rather than rounded: NaN, infinity,
 * negative values, more than six decimals (rounding would silently change
 * someone's entitlement), and values too large for 64 bits.
 */
static int64
poids_en_micro(Datum poids, int position, Datum million, Datum maximum)
{
	Numeric		n = DatumGetNumeric(poids);
	const char *texte = DatumGetCString(DirectFunctionCall1(numeric_out, poids));
	Datum		micro;
	Datum		tronque;

	if (numeric_is_nan(n) || numeric_is_inf(n))
		refuser_poids(position, texte, "is not a finite number",
					  "Weights are entitlements or shares: finite numbers, 0 or more.");
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, poids,
										  NumericGetDatum(int64_to_numeric(0)))) < 0)
		refuser_poids(position, texte, "is negative",
					  "Weights are entitlements or shares: 0 or more.");
	micro = DirectFunctionCall2(numeric_mul, poids, million);
	tronque = DirectFunctionCall2(numeric_trunc, micro, Int32GetDatum(0));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, micro, tronque)))
		refuser_poids(position, texte, "has more than six decimals",
					  "Round the weights to the millionth first: round(x, 6).");
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, micro, maximum)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("weight %s at position %d is too large to apportion", texte, position),
				 errdetail("Weights are counted in millionths in 64 bits: at most 9223372036854.775807."),
				 errhint("Divide every weight by the same factor: only their ratios matter.")));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, micro));
}

/*
 * The weights of a one-dimensional numeric array, in micro-units; *n is set
 * to their number and *premier to the array's lower bound.
 */
static int64 *
lire_poids(ArrayType *tableau, int *n, int *premier)
{
	Datum	   *elements;
	bool	   *nuls;
	int64	   *poids;
	Datum		million = NumericGetDatum(int64_to_numeric(MICRO_UNITS));
	Datum		maximum = NumericGetDatum(int64_to_numeric(PG_INT64_MAX));

	if (ARR_NDIM(tableau) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be a one-dimensional array, not %d-dimensional", ARR_NDIM(tableau)),
				 errhint("Pass one weight per holder: ARRAY[126.97, 25.394, …].")));
	*premier = ARR_NDIM(tableau) == 1 ? ARR_LBOUND(tableau)[0] : 1;
	deconstruct_array(tableau, NUMERICOID, -1, false, TYPALIGN_INT, &elements, &nuls, n);
	poids = palloc(sizeof(int64) * Max(*n, 1));
	for (int i = 0; i < *n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nuls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weight at position %d is null", *premier + i),
					 errhint("Give every holder a weight; 0 means it gets nothing.")));
		poids[i] = poids_en_micro(elements[i], *premier + i, million, maximum);
	}
	return poids;
}

static void
refuser_trop_grand(const char *quoi)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s is too large to apportion", quoi),
			 errhint("Divide every weight by the same factor: only their ratios matter.")));
}

static wide
somme_des_poids(const int64 *poids, int n)
{
	wide		somme = 0;

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (wide_add_overflow(somme, poids[i], &somme))
			refuser_trop_grand("the sum of the weights");
	}
	return somme;
}

/*
 * Largest remainder: everyone first gets the floor of its quota
 * total × w_i / W; the dwellings left (fewer than n) go one each to the
 * largest remainders (ties: comparer_restes).  The result is within one of
 * every quota and adds up to total.
 */
static void
plus_forts_restes(const int64 *poids, int n, int32 total, wide somme, int32 *parts)
{
	Reste	   *restes = palloc(sizeof(Reste) * n);
	int64		distribues = 0;

	for (int i = 0; i < n; i++)
	{
		wide		produit;

		CHECK_FOR_INTERRUPTS();
		if (wide_mul_overflow(total, poids[i], &produit))
			refuser_trop_grand("a weight times the total");
		parts[i] = (int32) (produit / somme);
		restes[i].reste = produit % somme;
		restes[i].poids = poids[i];
		restes[i].indice = i;
		distribues += parts[i];
	}
	qsort(restes, n, sizeof(Reste), comparer_restes);
	CHECK_FOR_INTERRUPTS();
	for (int64 k = 0; k < total - distribues; k++)
		parts[restes[k].indice]++;
	pfree(restes);
}

/*
 * repartir(poids numeric[], total int) → int[]: total whole units shared in
 * proportion to the weights by the largest-remainder method.  The result has
 * the bounds of the input.  total 0 gives zeros; a positive total needs at
 * least one positive weight.
 */
PG_FUNCTION_INFO_V1(flux_repartir);
Datum
flux_repartir(PG_FUNCTION_ARGS)
{
	ArrayType  *tableau = PG_GETARG_ARRAYTYPE_P(0);
	int32		total = PG_GETARG_INT32(1);
	int			n;
	int			premier;
	int64	   *poids;
	int32	   *parts;
	Datum	   *sortie;
	wide		somme;

	if (total < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot apportion a negative total: %d", total),
				 errhint("The total is a number of whole dwellings, 0 or more.")));
	poids = lire_poids(tableau, &n, &premier);
	somme = somme_des_poids(poids, n);
	if (total > 0 && somme == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 n == 0 ? errmsg("cannot apportion %d among no weights", total)
				 : errmsg("cannot apportion %d: every weight is zero", total),
				 errhint("Pass at least one positive weight, or a total of 0.")));
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(INT4OID));

	parts = palloc0(sizeof(int32) * n);
	if (total > 0)
		plus_forts_restes(poids, n, total, somme, parts);
	sortie = palloc(sizeof(Datum) * n);
	CHECK_FOR_INTERRUPTS();
	for (int i = 0; i < n; i++)
		sortie[i] = Int32GetDatum(parts[i]);
	PG_RETURN_ARRAYTYPE_P(construct_md_array(sortie, NULL, 1, &n, &premier,
											 INT4OID, sizeof(int32), true, TYPALIGN_INT));
}

/* The longest calendar calendrier() draws. */
#define CALENDRIER_ANNEES_MAX 1000

static void
refuser_volume(const char *valeur, const char *pourquoi)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("annual volume %s %s", valeur, pourquoi),
			 errhint("Give the réservataire's annual volume of dwellings, 0 or more.")));
}

/* floor(v × y) of a finite numeric v, as a numeric. */
static Datum
plancher_produit(Datum volume, int32 annee)
{
	Datum		produit = DirectFunctionCall2(numeric_mul, volume,
											  NumericGetDatum(int64_to_numeric(annee)));

	return DirectFunctionCall1(numeric_floor, produit);
}

/*
 * calendrier(volume_annuel numeric, annees int) → int[]: the dwellings a
 * small réservataire receives in each year of a converted right (DOMAIN
 * §3.4).  Year y (1 … annees) receives floor(v·y) − floor(v·(y−1)), so that
 * after y years it has received floor(v·y): never more than its volume, and
 * less by under one dwelling.  The products and floors are numeric, exact for
 * any decimal volume; the cumulated counts are then whole numbers compared
 * in 64 bits.
 */
PG_FUNCTION_INFO_V1(flux_calendrier);
Datum
flux_calendrier(PG_FUNCTION_ARGS)
{
	Datum		volume = PG_GETARG_DATUM(0);
	Numeric		v = PG_GETARG_NUMERIC(0);
	int32		annees = PG_GETARG_INT32(1);
	const char *texte = DatumGetCString(DirectFunctionCall1(numeric_out, volume));
	Datum	   *sortie;
	int64		precedent = 0;

	if (numeric_is_nan(v) || numeric_is_inf(v))
		refuser_volume(texte, "is not a finite number");
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, volume,
										  NumericGetDatum(int64_to_numeric(0)))) < 0)
		refuser_volume(texte, "is negative");
	if (annees < 1 || annees > CALENDRIER_ANNEES_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a calendar of %d years is out of range", annees),
				 errhint("Give a number of years from 1 to %d.", CALENDRIER_ANNEES_MAX)));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, plancher_produit(volume, annees),
										  NumericGetDatum(int64_to_numeric(PG_INT32_MAX)))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("annual volume %s over %d years is too large for a calendar", texte, annees),
				 errdetail("A calendar counts whole dwellings in 32-bit integers."),
				 errhint("A calendar is meant for small réservataires, whose annual volume is below one dwelling.")));

	sortie = palloc(sizeof(Datum) * annees);
	for (int32 y = 1; y <= annees; y++)
	{
		int64		cumul;

		CHECK_FOR_INTERRUPTS();
		cumul = DatumGetInt64(DirectFunctionCall1(numeric_int8, plancher_produit(volume, y)));
		sortie[y - 1] = Int32GetDatum((int32) (cumul - precedent));
		precedent = cumul;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(sortie, annees, INT4OID,
										  sizeof(int32), true, TYPALIGN_INT));
}
