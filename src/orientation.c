/*-------------------------------------------------------------------------
 *
 * orientation.c
 *		The orientation choice: which holder a vacated dwelling should go to,
 *		so that every holder stays within its quota at every step (DOMAIN §4).
 *
 * Holder i has a share p_i (the shares of a dwelling's holders add up to 1),
 * has received a_i of the t - 1 in-flux dwellings of its scope so far, and the
 * dwelling being oriented is the t-th.  Its deficit is t·p_i - a_i.
 *
 * The primary rule is Tijdeman's chairman-assignment rule (R. Tijdeman, "The
 * chairman assignment problem", Discrete Mathematics 32 (1980) 323-330): with
 * n holders and c = 1/(2n - 2), among the holders whose deficit is at least c,
 * give the dwelling to the one whose next deadline (a_i + 1 - c) / p_i comes
 * first.  Tijdeman proves that, if every dwelling is given this way,
 * |t·p_i - a_i| <= 1 - c for every holder at every step, and that no rule can
 * promise less for every share set.  In scheduling words: the k-th dwelling of
 * holder i is a unit job released at step (k - 1 + c) / p_i and due by step
 * (k - c) / p_i; the rule is earliest deadline first, which meets every
 * deadline whenever any schedule can.
 *
 * Secondary preferences (the fit of the dwelling with a holder's indicative
 * objectives…) may replace the rule's choice by another holder whose deficit
 * is at least c, only when an exact simulation of the primary rule from the
 * resulting state keeps every holder within 1 - c over the next steps (at
 * least twice the longest gap between two dwellings of any holder).  The
 * property tests check the bound at every step with preferences at work.
 *
 * When the holders of a dwelling count in different scopes (a commune's
 * convention next to département-wide ones), each deficit and deadline is
 * taken in the holder's own scope; the bound is then not guaranteed, and
 * preferences only break ties.
 *
 * Everything is exact integer arithmetic: shares and preferences come in
 * micro-units (1e-6), products in 128 bits where they could overflow 64.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

#include "flux_mgmt.h"
#include "moteur.h"

#define UN			INT64CONST(1000000)	/* one, in micro-units */
#define MAX_TITULAIRES 1000
#define HORIZON_MAX 2000

typedef struct Titulaire
{
	int64		t;				/* step of this dwelling in the holder's scope */
	int64		a;				/* dwellings it received before */
	int64		p;				/* share, micro-units (0 < p <= UN), 0 if none */
	int64		preference;		/* secondary preference, micro-units */
} Titulaire;

/* The deficit t·p - a, in micro-units. */
static inline int64
deficit(const Titulaire *h)
{
	return h->t * h->p - h->a * UN;
}

/* c = 1 / k with k = 2n - 2; the deficit is at least c. */
static inline bool
eligible(const Titulaire *h, int64 k)
{
	return h->p > 0 && k * deficit(h) >= UN;
}

/*
 * Time left before the holder falls below its quota, in its own steps:
 * (a + 1 - c) / p - t = (1 - c - deficit) / p, compared across holders as the
 * fraction ((k - 1)·UN - k·deficit) / (k·p).  Negative: 1 if x comes first.
 */
static int
comparer_echeances(const Titulaire *x, const Titulaire *y, int64 k)
{
	int128		nx = (int128) ((k - 1) * UN - k * deficit(x));
	int128		ny = (int128) ((k - 1) * UN - k * deficit(y));
	int128		gauche = nx * y->p;
	int128		droite = ny * x->p;

	if (gauche != droite)
		return gauche < droite ? -1 : 1;
	/* a larger share first, then the earlier position */
	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return 0;
}

/* The holder the primary rule chooses, or -1 when none is eligible. */
static int
plus_urgent(const Titulaire *h, int n, int64 k)
{
	int			choix = -1;

	for (int i = 0; i < n; i++)
		if (eligible(&h[i], k) && (choix < 0 || comparer_echeances(&h[i], &h[choix], k) < 0))
			choix = i;
	return choix;
}

/* Whether every holder is within 1 - c of its quota: k·|deficit| <= (k - 1)·UN. */
static bool
dans_la_borne(const Titulaire *h, int n, int64 k)
{
	for (int i = 0; i < n; i++)
	{
		int64		d = deficit(&h[i]);

		if (h[i].p > 0 && k * (d < 0 ? -d : d) > (k - 1) * UN)
			return false;
	}
	return true;
}

/*
 * In one scope every holder's t is the same, so the order of deadlines does
 * not move with t: (a + 1 - c) / p - t compares across holders as
 * N / p with N = ((k - 1) + k·a)·UN, which changes only for the holder that
 * receives a dwelling.  The simulation keeps the holders with a share sorted
 * by that key (ties as comparer_echeances() and plus_urgent() break them: the
 * larger share, then the lower index) and, at each step, gives the dwelling
 * to the first eligible one in that order, which is plus_urgent()'s choice;
 * it then moves only that holder.  The bound needs no scan either: as t
 * grows every deficit grows, so the first to pass 1 - c is the head of the
 * order, and only the holder served can fall below -(1 - c).
 */
typedef struct Echeance
{
	int128		n;				/* ((k - 1) + k·a)·UN */
	int64		a;
	int64		p;
	int			i;				/* index of the holder */
} Echeance;

/* Negative when x's deadline comes first (comparer_echeances() of one scope, then the index). */
static inline int
avant_echeance(const Echeance *x, const Echeance *y)
{
	int128		gauche = x->n * y->p;
	int128		droite = y->n * x->p;

	if (gauche != droite)
		return gauche < droite ? -1 : 1;
	if (x->p != y->p)
		return x->p > y->p ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
avant_echeance_qsort(const void *x, const void *y)
{
	return avant_echeance(x, y);
}

static inline void
echeance_de(Echeance *e, int64 k)
{
	e->n = (int128) ((k - 1) + k * e->a) * UN;
}

/*
 * Gives the current dwelling to holder j (all holders in one scope, step t)
 * and runs the primary rule for the next steps: whether every holder stays
 * within the bound.  h is a scratch copy.
 */
static bool
choix_sur(Titulaire *h, int n, int64 k, int j, int horizon)
{
	Echeance   *e;
	int			m = 0;
	int64		t = h[0].t;
	bool		sur = true;

	h[j].a++;
	if (!dans_la_borne(h, n, k))
		return false;
	e = palloc(sizeof(Echeance) * n);
	for (int i = 0; i < n; i++)
		if (h[i].p > 0)
		{
			e[m].a = h[i].a;
			e[m].p = h[i].p;
			e[m].i = i;
			echeance_de(&e[m], k);
			m++;
		}
	qsort(e, m, sizeof(Echeance), avant_echeance_qsort);
	for (int pas = 0; pas < horizon && sur; pas++)
	{
		int			w;
		Echeance	servi;
		int			bas,
					haut;

		CHECK_FOR_INTERRUPTS();
		t++;
		/* eligible: k·(t·p - a·UN) >= UN */
		for (w = 0; w < m; w++)
			if (k * (t * e[w].p - e[w].a * UN) >= UN)
				break;
		if (w == m)
		{
			sur = false;
			break;
		}
		servi = e[w];
		servi.a++;
		echeance_de(&servi, k);
		/* its deadline moves later: its new place after w, by bisection */
		bas = w + 1;
		haut = m;
		while (bas < haut)
		{
			int			milieu = (bas + haut) / 2;

			if (avant_echeance(&e[milieu], &servi) < 0)
				bas = milieu + 1;
			else
				haut = milieu;
		}
		memmove(&e[w], &e[w + 1], sizeof(Echeance) * (bas - 1 - w));
		e[bas - 1] = servi;
		/* k·|deficit| <= (k - 1)·UN: the head from above, the one served from below */
		sur = k * (t * e[0].p - e[0].a * UN) <= (k - 1) * UN &&
			k * (servi.a * UN - t * servi.p) <= (k - 1) * UN;
	}
	pfree(e);
	return sur;
}

/* Steps to simulate: twice the longest gap between two dwellings of a holder, plus 2n. */
static int
horizon_de(const Titulaire *h, int n)
{
	int64		p_min = UN;

	for (int i = 0; i < n; i++)
		if (h[i].p > 0 && h[i].p < p_min)
			p_min = h[i].p;
	return (int) Min((int64) HORIZON_MAX, 2 * ((UN + p_min - 1) / p_min) + 2 * n);
}

/*
 * The primary rule chose urgent; a holder with a higher preference, also
 * eligible, replaces it when the bound survives (tried best first, a few at
 * most).  Sets *horizon to the steps simulated for the accepted one.
 */
#define ESSAIS_MAX 3

static int
choix_prefere(const Titulaire *h, int n, int64 k, int urgent, int *horizon)
{
	int			pas = horizon_de(h, n);
	Titulaire  *brouillon = palloc(sizeof(Titulaire) * n);
	bool	   *essaye = palloc0(sizeof(bool) * n);
	int			choix = urgent;

	for (int essai = 0; essai < ESSAIS_MAX; essai++)
	{
		int			meilleur = -1;

		for (int i = 0; i < n; i++)
			if (!essaye[i] && i != urgent && eligible(&h[i], k) &&
				h[i].preference > h[urgent].preference &&
				(meilleur < 0 || h[i].preference > h[meilleur].preference))
				meilleur = i;
		if (meilleur < 0)
			break;
		essaye[meilleur] = true;
		memcpy(brouillon, h, sizeof(Titulaire) * n);
		if (choix_sur(brouillon, n, k, meilleur, pas))
		{
			choix = meilleur;
			*horizon = pas;
			break;
		}
	}
	pfree(brouillon);
	pfree(essaye);
	return choix;
}

/*
 * The choice for one dwelling.  Fills ordre[0..n-1] with the holders in
 * suggestion order (the choice first); returns the primary rule's choice
 * (-1 if none was eligible) and sets *horizon to the steps simulated to
 * accept a preferred holder (0 if none was).
 */
static int
choisir(const Titulaire *h, int n, int *ordre, int *horizon)
{
	int			actifs = 0;
	int64		k;
	bool		meme_portee = true;
	int			urgent;
	int			choix;

	for (int i = 0; i < n; i++)
	{
		actifs += h[i].p > 0;
		meme_portee &= h[i].t == h[0].t;
	}
	k = actifs >= 2 ? 2 * actifs - 2 : 1;
	urgent = plus_urgent(h, n, k);
	*horizon = 0;

	/* the suggestion order: eligible first, then by deadline */
	for (int i = 0; i < n; i++)
		ordre[i] = i;
	for (int i = 1; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (int j = i; j > 0; j--)
		{
			const Titulaire *x = &h[ordre[j]];
			const Titulaire *y = &h[ordre[j - 1]];
			bool		avant = eligible(x, k) != eligible(y, k) ? eligible(x, k)
				: (x->p > 0) != (y->p > 0) ? x->p > 0
				: comparer_echeances(x, y, k) < 0;

			if (!avant)
				break;
			ordre[j] = ordre[j - 1];
			ordre[j - 1] = (int) (x - h);
		}
	}

	choix = urgent >= 0 ? urgent : ordre[0];
	if (urgent >= 0 && meme_portee && actifs >= 2)
		choix = choix_prefere(h, n, k, urgent, horizon);
	else if (urgent >= 0)
	{
		/* preferences break exact ties of deadline only */
		for (int i = 0; i < n; i++)
			if (i != choix && eligible(&h[i], k) && comparer_echeances(&h[i], &h[choix], k) == 0 &&
				h[i].preference > h[choix].preference)
				choix = i;
	}

	/* the choice first, the others in order */
	for (int i = 0; i < n; i++)
		if (ordre[i] == choix)
		{
			memmove(&ordre[1], &ordre[0], sizeof(int) * i);
			ordre[0] = choix;
			break;
		}
	return urgent;
}

/* A one-dimensional int8 array without nulls, of n elements (n set by the first). */
static int64 *
tableau_int8(ArrayType *a, const char *nom, int *n)
{
	Datum	   *elements;
	bool	   *nulls;
	int			compte;
	int64	   *valeurs;

	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a one-dimensional array", nom),
				 errhint("Pass one value per holder.")));
	deconstruct_array(a, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elements, &nulls, &compte);
	if (*n >= 0 && compte != *n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s has %d elements, not %d", nom, compte, *n),
				 errhint("Pass one value per holder in every array.")));
	*n = compte;
	valeurs = palloc(sizeof(int64) * Max(compte, 1));
	for (int i = 0; i < compte; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s has a null element at position %d", nom, i + 1),
					 errhint("Every holder needs a value.")));
		valeurs[i] = DatumGetInt64(elements[i]);
	}
	return valeurs;
}

static void
exiger(bool condition, const char *message, int64 valeur, int position)
{
	if (!condition)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(message, (long long) valeur, position),
				 errhint("Steps start at 1, counts at 0, shares are micro-units from 0 to 1000000.")));
}

/* A holder's values in the kernel's ranges (position i, from 0), else 22023. */
static void
verifier_titulaire(const Titulaire *h, int i)
{
	exiger(h->t >= 1 && h->t <= INT64CONST(1000000000), "step %lld of holder %d is out of range", h->t, i + 1);
	exiger(h->a >= 0 && h->a < h->t, "count %lld of holder %d is out of range", h->a, i + 1);
	exiger(h->p >= 0 && h->p <= UN, "share %lld of holder %d is out of range", h->p, i + 1);
	exiger(h->preference > -INT64CONST(1000000000000) && h->preference < INT64CONST(1000000000000),
		   "preference %lld of holder %d is out of range", h->preference, i + 1);
}

/* Builds the holders from the four arrays of choisir_orientation(), checked. */
static Titulaire *
titulaires(FunctionCallInfo fcinfo, int *n)
{
	int64	   *t, *a, *p, *pref;
	Titulaire  *h;

	*n = -1;
	t = tableau_int8(PG_GETARG_ARRAYTYPE_P(0), "t", n);
	a = tableau_int8(PG_GETARG_ARRAYTYPE_P(1), "a", n);
	p = tableau_int8(PG_GETARG_ARRAYTYPE_P(2), "parts", n);
	pref = tableau_int8(PG_GETARG_ARRAYTYPE_P(3), "preferences", n);
	if (*n < 1 || *n > MAX_TITULAIRES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot choose among %d holders", *n),
				 errhint("Pass 1 to %d holders.", MAX_TITULAIRES)));
	h = palloc(sizeof(Titulaire) * *n);
	for (int i = 0; i < *n; i++)
	{
		h[i].t = t[i];
		h[i].a = a[i];
		h[i].p = p[i];
		h[i].preference = pref[i];
		verifier_titulaire(&h[i], i);
	}
	return h;
}

/* The choice among checked holders, as choix_orientation. */
static Datum
choix(FunctionCallInfo fcinfo, Titulaire *h, int n)
{
	int		   *ordre = palloc(sizeof(int) * n);
	Datum	   *classement = palloc(sizeof(Datum) * n);
	int			horizon;
	int			urgent = choisir(h, n, ordre, &horizon);
	TupleDesc	desc;
	Datum		valeurs[3];
	bool		nulls[3] = {false, urgent < 0, false};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "flux_mgmt: the kernel's choice must return a composite");
	for (int i = 0; i < n; i++)
		classement[i] = Int32GetDatum(ordre[i] + 1);
	valeurs[0] = PointerGetDatum(construct_array(classement, n, INT4OID, 4, true, TYPALIGN_INT));
	valeurs[1] = Int32GetDatum(urgent + 1);
	valeurs[2] = Int32GetDatum(horizon);
	return HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), valeurs, nulls));
}

/*
 * choisir_orientation(t int8[], a int8[], parts int8[], preferences int8[])
 *		→ (classement int[], plus_urgent int, horizon int)
 *
 * One position per holder: its step t (this dwelling's rank in its scope),
 * the dwellings it had, its share in micro-units, its preference.  Returns the
 * suggestion order (1-based positions, the choice first), the primary rule's
 * choice (null if no holder was eligible) and the steps simulated to accept a
 * preferred holder instead (0 if none was).
 */
PG_FUNCTION_INFO_V1(flux_choisir_orientation);
Datum
flux_choisir_orientation(PG_FUNCTION_ARGS)
{
	int			n;
	Titulaire  *h = titulaires(fcinfo, &n);

	PG_RETURN_DATUM(choix(fcinfo, h, n));
}

/* A numeric × 10000, rounded, as bigint: round(x * 10000)::bigint */
static int64
dix_millioniemes(Datum x)
{
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NUM_ROUND(NUM_MUL(x, NUM_INT4(10000)), 0)));
}

/*
 * choisir_candidats(candidats candidat_orientation[]) → choix_orientation:
 * choisir_orientation() of the candidates' t, a, round(taux × 10000) and
 * round(preference × 10000), in their order, as decider() asks it, without
 * the four arrays made in SQL.
 */
PG_FUNCTION_INFO_V1(flux_choisir_candidats);
Datum
flux_choisir_candidats(PG_FUNCTION_ARGS)
{
	ArrayType  *candidats = PG_GETARG_ARRAYTYPE_P(0);
	Oid			type = ARR_ELEMTYPE(candidats);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elements;
	bool	   *nuls;
	int			n;
	TupleDesc	desc;
	Titulaire  *h;
	/* the names choisir_orientation()'s errors give the arrays */
	static const char *const noms[CA_NOMBRE] = {[CA_TAUX] = "parts", [CA_T] = "t", [CA_A] = "a",
	[CA_PREFERENCE] = "preferences"};

	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(candidats, type, typlen, typbyval, typalign, &elements, &nuls, &n);
	if (n < 1 || n > MAX_TITULAIRES)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot choose among %d holders", n),
				 errhint("Pass 1 to %d holders.", MAX_TITULAIRES)));
	desc = lookup_rowtype_tupdesc_copy(type, -1);
	h = palloc(sizeof(Titulaire) * n);
	for (int i = 0; i < n; i++)
	{
		Datum		v[CA_NOMBRE];
		bool		vn[CA_NOMBRE];

		if (nuls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("candidate %d is null", i + 1),
					 errhint("Every holder needs a value.")));
		flux_champs(elements[i], desc, v, vn);
		for (int c = CA_TAUX; c <= CA_PREFERENCE; c++)
			if (vn[c])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("%s has a null element at position %d", noms[c], i + 1),
						 errhint("Every holder needs a value.")));
		h[i].t = DatumGetInt64(v[CA_T]);
		h[i].a = DatumGetInt64(v[CA_A]);
		h[i].p = dix_millioniemes(v[CA_TAUX]);
		h[i].preference = dix_millioniemes(v[CA_PREFERENCE]);
		verifier_titulaire(&h[i], i);
	}
	PG_RETURN_DATUM(choix(fcinfo, h, n));
}

/* xorshift64*: reproducible preferences for the simulations. */
static uint64
suivant(uint64 *etat)
{
	*etat ^= *etat >> 12;
	*etat ^= *etat << 25;
	*etat ^= *etat >> 27;
	return *etat * UINT64CONST(2685821657736338717);
}

/*
 * Micro-units (of one) as a percentage without trailing zeros: 2000000 is
 * "200", 1000001 is "100.0001".  For 0 or more.
 */
static char *
pourcentage(int64 micro)
{
	char	   *texte = psprintf("%lld.%04lld", (long long) (micro / 10000), (long long) (micro % 10000));
	int			fin = strlen(texte);

	while (texte[fin - 1] == '0')
		texte[--fin] = '\0';
	if (texte[fin - 1] == '.')
		texte[fin - 1] = '\0';
	return texte;
}

/*
 * simuler_orientations(parts int8[], pas int, graine int)
 *		→ setof (pas int, titulaire int, ecart_max int8, borne int8)
 *
 * Runs the choice for pas dwellings from nothing, every holder in one scope
 * (shares in micro-units), with random preferences drawn from graine when it
 * is not null: after each step, the holder chosen (1-based), the largest
 * |t·p_i - a_i| and the bound 1 - c, both in micro-units.
 */
PG_FUNCTION_INFO_V1(flux_simuler_orientations);
Datum
flux_simuler_orientations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			n = -1;
	int64	   *p;
	int32		pas;
	bool		hasard = !PG_ARGISNULL(2);
	uint64		etat = hasard ? (uint64) PG_GETARG_INT32(2) * UINT64CONST(0x9E3779B97F4A7C15) + 1 : 1;
	Titulaire  *h;
	int		   *ordre;
	int64		actifs = 0;
	int64		somme = 0;
	int64		k;

	/* not STRICT (the seed may be null): the shares and steps may not */
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("simuler_orientations needs shares and a number of steps"),
				 errhint("Pass the shares in micro-units and the number of dwellings to simulate; only graine may be null.")));
	p = tableau_int8(PG_GETARG_ARRAYTYPE_P(0), "parts", &n);
	pas = PG_GETARG_INT32(1);
	if (n < 1 || n > MAX_TITULAIRES || pas < 0 || pas > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot simulate %d steps for %d holders", pas, n),
				 errhint("Pass 1 to %d shares and 0 to 1000000 steps.", MAX_TITULAIRES)));
	h = palloc0(sizeof(Titulaire) * n);
	ordre = palloc(sizeof(int) * n);
	for (int i = 0; i < n; i++)
	{
		exiger(p[i] >= 0 && p[i] <= UN, "share %lld of holder %d is out of range", p[i], i + 1);
		h[i].p = p[i];
		somme += p[i];
		actifs += p[i] > 0;
	}
	/* every holder counts in one scope: their shares are parts of one whole */
	if (somme > UN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("shares sum to %lld micro-units (%s %%), above 1000000 (100 %%)",
						(long long) somme, pourcentage(somme)),
				 errdetail("The %d holders of a simulation share one flux: their shares add up to 100 %% at most.", n),
				 errhint("Give the shares in micro-units of one (30 %% is 300000), adding up to 1000000 at most.")));
	k = actifs >= 2 ? 2 * actifs - 2 : 1;
	InitMaterializedSRF(fcinfo, 0);
	for (int32 s = 1; s <= pas; s++)
	{
		int			horizon;
		int64		ecart_max = 0;
		Datum		valeurs[4];
		bool		nulls[4] = {false, false, false, false};

		CHECK_FOR_INTERRUPTS();

		for (int i = 0; i < n; i++)
		{
			h[i].t = s;
			h[i].preference = hasard ? (int64) (suivant(&etat) % (uint64) UN) : 0;
		}
		(void) choisir(h, n, ordre, &horizon);
		h[ordre[0]].a++;
		for (int i = 0; i < n; i++)
		{
			int64		d = deficit(&h[i]);

			if (h[i].p > 0)
				ecart_max = Max(ecart_max, d < 0 ? -d : d);
		}
		valeurs[0] = Int32GetDatum(s);
		valeurs[1] = Int32GetDatum(ordre[0] + 1);
		valeurs[2] = Int64GetDatum(ecart_max);
		valeurs[3] = Int64GetDatum(((k - 1) * UN) / k);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, valeurs, nulls);
	}
	return (Datum) 0;
}
