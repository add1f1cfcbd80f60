/*-------------------------------------------------------------------------
 *
 * candidats.c
 *		The candidates of an in-flux dwelling, computed in C from the
 *		engine's counters: what decider() asks at every vacancy.
 *
 * candidats() (sql/src/75_moteur.sql) is one query of about eighty plan
 * nodes, initialised and run at every call: half a millisecond, where the
 * counters it needs are a few dozen rows read in microseconds
 * (src/lecture_moteur.c).  Here the conventions in force are one kept
 * query, and the counts, the entitlements, the pool's share and the
 * préfet's floor outside QPV are computed from the counters' sums, with the
 * same numeric operations in the same order as the SQL, so that both give
 * the same values to the last digit (test/sql/750 compares them on every
 * vacancy of its data).
 *
 * The rarer rules stay in SQL: when a convention in force holds indicative
 * objectives, or the landlord has recorded a conversion of old stock in the
 * département (single-use rights, rights that run out), candidats_rapides()
 * returns null and decider() asks candidats().
 *
 * The conventions are read as the caller, policies included, as
 * candidats() reads them; the counters are read as comptes_moteur() and
 * comptes_territoire() read them, with their privilege checks.
 *
 * The conventions read are kept for the next calls of the backend (a batch
 * decides hundreds of vacancies of one département), per role, landlord,
 * département and year, while they cannot have changed: the snapshot sees
 * the same other transactions' work (the same xmin, xmax and transactions
 * in progress: what decides the visibility of every other transaction's
 * rows), and this backend has not written the tables they come from since
 * (the statement trigger regles_moteur on each, enabled ALWAYS, counts its
 * writes; so do the end of a transaction, and of a subtransaction rolled
 * back, that wrote one).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "commands/trigger.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "utils/acl.h"
#include "utils/numeric.h"
#include "utils/typcache.h"

#include "flux_mgmt.h"
#include "acces.h"
#include "moteur.h"

/*
 * The conventions in force in the département and year, in candidats()'s
 * order (réservataire, id), with what the candidates need of them.
 */
#define REQUETE_CONVENTIONS \
	"SELECT v.id, v.reservataire, r.nom, v.type::text OPERATOR(pg_catalog.=) 'etat_prioritaires', v.taux, cv.gestion, v.communes," \
	" EXISTS (SELECT FROM " FLUX_SCHEMA ".objectif_indicatif oi WHERE oi.convention_id OPERATOR(pg_catalog.=) v.id)," \
	" (SELECT EXISTS (SELECT FROM " FLUX_SCHEMA ".conversion k WHERE k.bailleur OPERATOR(pg_catalog.=) $1" \
	"         AND k.departement OPERATOR(pg_catalog.=) $2))" \
	" FROM " FLUX_SCHEMA ".conventions_en_vigueur($1, $2, $3) AS v" \
	" JOIN " FLUX_SCHEMA ".reservataire r ON r.code OPERATOR(pg_catalog.=) v.reservataire" \
	" JOIN " FLUX_SCHEMA ".convention cv ON cv.id OPERATOR(pg_catalog.=) v.id" \
	" ORDER BY v.reservataire, v.id"

enum
{
	K_ID = 1, K_RESERVATAIRE, K_NOM, K_PREFET, K_TAUX, K_GESTION, K_COMMUNES, K_OBJECTIFS,
	K_CONVERSIONS
};

/* One convention in force, and its figures for this dwelling. */
typedef struct Convention
{
	Datum		reservataire;
	Datum		nom;
	bool		prefet;			/* type etat_prioritaires: the floor outside QPV */
	Datum		taux;			/* numeric */
	Datum		gestion;
	bool		sans_gestion;
	ArrayType  *communes;		/* null: the whole département */
	bool		porte;			/* its scope contains the dwelling's commune */
	Datum		t;				/* numeric, as the SQL's sum */
	int64		a;
	Datum		droit;			/* numeric: t × taux / 100 */
} Convention;

static SPIPlanPtr plan_conventions = NULL;

/* The conventions read, kept while they cannot have changed. */
typedef struct Regles
{
	Oid			role;
	Datum		bailleur;
	Datum		departement;
	int32		annee;
	bool		couvert;
	int			n;
	Convention *conv;
} Regles;

#define NB_REGLES 32
static Regles regles[NB_REGLES];
static int	nb_regles = 0;
static MemoryContext contexte_regles = NULL;
static uint64 ecritures_vues = 0;	/* writes counted when they were kept */
static uint64 ecritures = 0;	/* writes of the rules' tables by this backend */
static bool ecrites_dans_la_transaction = false;

/* What decided the visibility of other transactions' rows when they were kept. */
typedef struct Visibilite
{
	TransactionId xmin;
	TransactionId xmax;
	uint32		xcnt;
	int32		subxcnt;
	bool		suboverflowed;
	bool		takenDuringRecovery;
	TransactionId *xip;
	TransactionId *subxip;
} Visibilite;
static Visibilite vue;
static bool vue_gardee = false;

/* The orientation parameters read, kept with them. */
#define NB_PARAMETRES 8
static struct
{
	char	   *cle;
	Datum		valeur;
} parametres[NB_PARAMETRES];
static int	nb_parametres = 0;

/* The tables the conventions read come from: the caller needs SELECT on them, hit or not. */
static const char *const tables_regles[] = {"convention", "reservataire", "territoire", "objectif_indicatif",
"conversion"};

/* greatest(a, b) of SQL: the first of the largest */
static Datum
num_greatest(Datum a, Datum b)
{
	return NUM_CMP(b, a) > 0 ? b : a;
}

static bool
contient(ArrayType *communes, Datum commune)
{
	Datum	   *codes;
	bool	   *nuls;
	int			n;

	deconstruct_array(communes, ARR_ELEMTYPE(communes), sizeof(int32), true, TYPALIGN_INT, &codes, &nuls, &n);
	for (int i = 0; i < n; i++)
		if (!nuls[i] && DatumGetInt32(codes[i]) == DatumGetInt32(commune))
			return true;
	return false;
}

/*
 * Reads the conventions in force into conv (allocated in the caller's
 * context); false when a rule kept in SQL applies (objectives, conversions).
 */
static bool
lire_conventions(Datum bailleur, Datum departement, int32 annee, Convention **conv, int *n, MemoryContext appelant)
{
	Oid			types[3] = {TEXTOID, TEXTOID, INT4OID};
	Datum		valeurs[3] = {bailleur, departement, Int32GetDatum(annee)};
	bool		couvert = true;

	*n = 0;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flux_mgmt: SPI_connect failed");
	if (plan_conventions == NULL || !SPI_plan_is_valid(plan_conventions))
	{
		if (plan_conventions != NULL)
			SPI_freeplan(plan_conventions);
		plan_conventions = SPI_prepare(REQUETE_CONVENTIONS, 3, types);
		if (plan_conventions == NULL || SPI_keepplan(plan_conventions) != 0)
			elog(ERROR, "flux_mgmt: SPI_prepare failed (%s) for the conventions in force",
				 SPI_result_code_string(SPI_result));
	}
	if (SPI_execute_plan(plan_conventions, valeurs, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "flux_mgmt: the conventions in force could not be read");
	*conv = MemoryContextAllocZero(appelant, sizeof(Convention) * Max(SPI_processed, 1));
	for (uint64 i = 0; i < SPI_processed && couvert; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		Convention *c = &(*conv)[*n];
		bool		nul;
		MemoryContext avant;
		Datum		communes;

		if (DatumGetBool(SPI_getbinval(tup, desc, K_OBJECTIFS, &nul)) ||
			DatumGetBool(SPI_getbinval(tup, desc, K_CONVERSIONS, &nul)))
			couvert = false;
		avant = MemoryContextSwitchTo(appelant);
		c->reservataire = datumCopy(SPI_getbinval(tup, desc, K_RESERVATAIRE, &nul), false, -1);
		c->nom = datumCopy(SPI_getbinval(tup, desc, K_NOM, &nul), false, -1);
		c->prefet = DatumGetBool(SPI_getbinval(tup, desc, K_PREFET, &nul));
		c->taux = datumCopy(SPI_getbinval(tup, desc, K_TAUX, &nul), false, -1);
		c->gestion = SPI_getbinval(tup, desc, K_GESTION, &c->sans_gestion);
		communes = SPI_getbinval(tup, desc, K_COMMUNES, &nul);
		c->communes = nul ? NULL : DatumGetArrayTypePCopy(communes);
		MemoryContextSwitchTo(avant);
		(*n)++;
	}
	SPI_finish();
	return couvert;
}

static bool
meme_visibilite(Snapshot s)
{
	return vue_gardee && s->snapshot_type == SNAPSHOT_MVCC && vue.xmin == s->xmin && vue.xmax == s->xmax &&
		vue.xcnt == s->xcnt && vue.subxcnt == s->subxcnt && vue.suboverflowed == s->suboverflowed &&
		vue.takenDuringRecovery == s->takenDuringRecovery &&
		(s->xcnt == 0 || memcmp(vue.xip, s->xip, sizeof(TransactionId) * s->xcnt) == 0) &&
		(s->subxcnt == 0 || memcmp(vue.subxip, s->subxip, sizeof(TransactionId) * s->subxcnt) == 0);
}

/* Keeps what decides the snapshot's visibility, in the kept rules' context. */
static void
garder_visibilite(Snapshot s)
{
	vue_gardee = true;
	vue.xmin = s->xmin;
	vue.xmax = s->xmax;
	vue.xcnt = s->xcnt;
	vue.subxcnt = Max(s->subxcnt, 0);
	vue.suboverflowed = s->suboverflowed;
	vue.takenDuringRecovery = s->takenDuringRecovery;
	vue.xip = MemoryContextAlloc(contexte_regles, sizeof(TransactionId) * Max(s->xcnt, 1));
	vue.subxip = MemoryContextAlloc(contexte_regles, sizeof(TransactionId) * Max(vue.subxcnt, 1));
	if (s->xcnt > 0)
		memcpy(vue.xip, s->xip, sizeof(TransactionId) * s->xcnt);
	if (vue.subxcnt > 0)
		memcpy(vue.subxip, s->subxip, sizeof(TransactionId) * vue.subxcnt);
}

/*
 * What was kept while a transaction or subtransaction wrote the rules'
 * tables may hold rows of its that are gone when it ends (rolled back): its
 * end counts as a write.
 */
static void
fin_transaction(XactEvent event, void *arg)
{
	if (ecrites_dans_la_transaction)
		ecritures++;
	ecrites_dans_la_transaction = false;
}

static void
fin_sous_transaction(SubXactEvent event, SubTransactionId sous, SubTransactionId parent, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && ecrites_dans_la_transaction)
		ecritures++;
}

/*
 * What is kept stays while it cannot have changed: all of it is forgotten
 * when this backend wrote the tables it comes from, when the snapshot may
 * see other work than the one it was read under, or when there is too much.
 */
static void
garder_ou_oublier(Snapshot snap, bool plein)
{
	if (contexte_regles == NULL)
		contexte_regles = AllocSetContextCreate(TopMemoryContext, "flux_mgmt conventions in force",
												ALLOCSET_DEFAULT_SIZES);
	if (ecritures != ecritures_vues || plein || !meme_visibilite(snap))
	{
		MemoryContextReset(contexte_regles);
		nb_regles = 0;
		nb_parametres = 0;
		ecritures_vues = ecritures;
		garder_visibilite(snap);
	}
}

/*
 * An orientation parameter, valeur_parametre(cle), kept as the conventions
 * are (parametre_orientation has the trigger regles_moteur too).
 */
Datum
flux_parametre_moteur(const char *cle)
{
	AclResult	acl = pg_class_aclcheck(flux_relation("parametre_orientation"), GetUserId(), ACL_SELECT);
	MemoryContext avant;
	Datum		v;

	if (acl != ACLCHECK_OK)
		aclcheck_error(acl, OBJECT_TABLE, "parametre_orientation");
	garder_ou_oublier(GetActiveSnapshot(), false);
	/* copies: what is kept may be forgotten at the next call */
	for (int i = 0; i < nb_parametres; i++)
		if (strcmp(parametres[i].cle, cle) == 0)
			return datumCopy(parametres[i].valeur, false, -1);
	v = flux_appeler("valeur_parametre", TEXTOID, CStringGetTextDatum(cle));
	/* not kept past NB_PARAMETRES: forgetting them all would forget the conventions a caller holds */
	if (nb_parametres == NB_PARAMETRES)
		return v;
	avant = MemoryContextSwitchTo(contexte_regles);
	parametres[nb_parametres].cle = pstrdup(cle);
	parametres[nb_parametres].valeur = datumCopy(v, false, -1);
	MemoryContextSwitchTo(avant);
	nb_parametres++;
	return v;
}

/*
 * The conventions in force of a landlord's département and year, as
 * lire_conventions() reads them, from the kept ones when they cannot have
 * changed; conv is the caller's copy.
 */
static bool
conventions_en_vigueur(Datum bailleur, Datum departement, int32 annee, Convention **conv, int *n)
{
	Snapshot	snap = GetActiveSnapshot();
	Oid			role = GetUserId();
	Regles	   *r = NULL;

	for (int i = 0; i < (int) lengthof(tables_regles); i++)
	{
		AclResult	acl = pg_class_aclcheck(flux_relation(tables_regles[i]), role, ACL_SELECT);

		if (acl != ACLCHECK_OK)
			aclcheck_error(acl, OBJECT_TABLE, tables_regles[i]);
	}
	garder_ou_oublier(snap, nb_regles == NB_REGLES);
	for (int i = 0; i < nb_regles && r == NULL; i++)
		if (regles[i].role == role && regles[i].annee == annee &&
			flux_egales(regles[i].bailleur, false, bailleur, false, -1, false) &&
			flux_egales(regles[i].departement, false, departement, false, -1, false))
			r = &regles[i];
	if (r == NULL)
	{
		MemoryContext avant = MemoryContextSwitchTo(contexte_regles);

		r = &regles[nb_regles];
		r->role = role;
		r->bailleur = datumCopy(bailleur, false, -1);
		r->departement = datumCopy(departement, false, -1);
		r->annee = annee;
		MemoryContextSwitchTo(avant);
		r->couvert = lire_conventions(bailleur, departement, annee, &r->conv, &r->n, contexte_regles);
		nb_regles++;
	}
	*n = r->n;
	*conv = palloc(sizeof(Convention) * Max(r->n, 1));
	memcpy(*conv, r->conv, sizeof(Convention) * r->n);
	return r->couvert;
}

/*
 * The statement trigger regles_moteur on the tables the conventions in force
 * are read from: this backend wrote one, what it kept may be stale.
 */
PG_FUNCTION_INFO_V1(flux_regles_moteur_changees);
Datum
flux_regles_moteur_changees(PG_FUNCTION_ARGS)
{
	static bool rappels = false;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("flux_mgmt.regles_moteur_changees() is a trigger function"),
				 errhint("It runs as the statement trigger regles_moteur of the engine's rule tables; do not call it.")));
	if (!rappels)
	{
		RegisterXactCallback(fin_transaction, NULL);
		RegisterSubXactCallback(fin_sous_transaction, NULL);
		rappels = true;
	}
	ecritures++;
	ecrites_dans_la_transaction = true;
	return PointerGetDatum(NULL);
}

/*
 * The préfet's preference: (qpv ? -1 : 1) × greatest(0, floor − its share of
 * orientations outside QPV so far), and its reason.
 */
static void
preference_prefet(FluxSommes *ss, Datum reservataire, bool qpv, Datum *preference, Datum *motif)
{
	Datum		plancher = flux_parametre_moteur("plancher_prefet_hors_qpv");
	FluxSomme  *s = flux_somme_trouvee(ss, reservataire, false);
	Datum		zero = NUM_INT4(0);
	Datum		part = zero;

	/* 100.0 * nullif(sum(hors_qpv), 0) / nullif(sum(proposes), 0), null as 0 */
	if (s != NULL && s->montants[M_HORS_QPV] != 0 && s->montants[M_PROPOSES] != 0)
		part = NUM_DIV(NUM_MUL(NUM_LITTERAL("100.0"),
							   NUM_INT8(s->montants[M_HORS_QPV])),
					   NUM_INT8(s->montants[M_PROPOSES]));
	*preference = NUM_MUL(NUM_INT4(qpv ? -1 : 1), num_greatest(zero, NUM_SUB(plancher, part)));
	*motif = CStringGetTextDatum(psprintf("préfet outside QPV: %s %% of its orientations so far, at least %s %% wanted",
										  NUM_TEXTE(NUM_ROUND(part, 1)),
										  NUM_TEXTE(plancher)));
}

/* One candidat_orientation. */
static Datum
candidat(TupleDesc desc, Datum reservataire, bool sans, Datum nom, bool territorial, Datum taux,
		 Datum t, int64 a, Datum preference, Datum motif, bool sans_motif, Datum gestion, bool sans_gestion)
{
	Datum		v[CA_NOMBRE];
	bool		n[CA_NOMBRE] = {false};

	v[CA_RESERVATAIRE] = reservataire;
	n[CA_RESERVATAIRE] = sans;
	v[CA_NOM] = nom;
	v[CA_TERRITORIAL] = BoolGetDatum(territorial);
	v[CA_TAUX] = num_greatest(taux, NUM_INT4(0));
	v[CA_T] = DirectFunctionCall1(numeric_int8, t);
	v[CA_A] = Int64GetDatum(a);
	v[CA_PREFERENCE] = preference;
	v[CA_MOTIFS] = PointerGetDatum(sans_motif ? construct_empty_array(TEXTOID)
								   : construct_array(&motif, 1, TEXTOID, -1, false, TYPALIGN_INT));
	v[CA_GESTION] = gestion;
	n[CA_GESTION] = sans_gestion;
	return HeapTupleGetDatum(heap_form_tuple(desc, v, n));
}

/*
 * candidats_rapides(bailleur, commune, annee, qpv): candidats() of a dwelling
 * (whose nb_pieces and financement only the indicative objectives read, and
 * whose le only converted rights read), as an array in its order; null when
 * a rule kept in SQL applies.
 */
PG_FUNCTION_INFO_V1(flux_candidats_rapides);
Datum
flux_candidats_rapides(PG_FUNCTION_ARGS)
{
	Datum		bailleur = PG_GETARG_DATUM(0);
	Datum		commune = PG_GETARG_DATUM(1);
	int32		annee = PG_GETARG_INT32(2);
	bool		qpv = PG_GETARG_BOOL(3);
	Datum		departement = DirectFunctionCall1(flux_code_insee_departement, commune);
	Oid			type_candidat = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	TupleDesc	desc;
	Convention *conv;
	int			n;
	FluxSommes	ss = {0};
	Datum		total;
	Datum		droits;
	Datum	   *elements;
	int			k = 0;
	FluxSomme  *pool;
	Datum		t_pool;
	FluxTerritoire *ter;
	int			nb_ter = 0;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (!OidIsValid(type_candidat))
		elog(ERROR, "flux_mgmt: candidats_rapides must return an array of candidat_orientation");
	if (!conventions_en_vigueur(bailleur, departement, annee, &conv, &n))
		PG_RETURN_NULL();
	desc = lookup_rowtype_tupdesc_copy(type_candidat, -1);
	BlessTupleDesc(desc);

	/* the département's count: every beneficiary's, as sum(imputees) */
	flux_lire_comptes_moteur(bailleur, annee, departement, &ss);
	total = NUM_INT4(0);
	if (ss.n > 0)
	{
		total = NUM_INT8(0);
		for (int i = 0; i < ss.n; i++)
			total = NUM_ADD(total, NUM_INT8(ss.s[i].montants[M_IMPUTEES]));
	}

	/* the territories' counts, their communes' counters read once for all */
	ter = palloc0(sizeof(FluxTerritoire) * Max(n, 1));
	for (int i = 0; i < n; i++)
		if (conv[i].communes != NULL)
		{
			ter[nb_ter].communes = conv[i].communes;
			ter[nb_ter].reservataire = conv[i].reservataire;
			nb_ter++;
		}
	if (nb_ter > 0)
	{
		Relation	compteur = flux_ouvrir_lisible("compteur", bailleur);

		flux_lire_comptes_territoires(compteur, bailleur, annee, nb_ter, ter);
		table_close(compteur, NoLock);
	}

	/* each convention's count and entitlement in its scope */
	droits = (Datum) 0;
	nb_ter = 0;
	for (int i = 0; i < n; i++)
	{
		Convention *c = &conv[i];

		c->porte = c->communes == NULL || contient(c->communes, commune);
		if (c->communes == NULL)
		{
			FluxSomme  *s = flux_somme_trouvee(&ss, c->reservataire, false);

			c->t = NUM_ADD(NUM_INT4(c->porte ? 1 : 0), total);
			c->a = s == NULL ? 0 : s->montants[M_IMPUTEES];
		}
		else
		{
			c->t = NUM_ADD(NUM_INT4(c->porte ? 1 : 0), NUM_INT8(ter[nb_ter].t));
			c->a = ter[nb_ter].a;
			nb_ter++;
		}
		c->droit = NUM_DIV(NUM_MUL(c->t, c->taux), NUM_INT4(100));
		droits = droits == (Datum) 0 ? c->droit : NUM_ADD(droits, c->droit);
	}
	if (droits == (Datum) 0)
		droits = NUM_INT4(0);

	elements = palloc(sizeof(Datum) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		Convention *c = &conv[i];
		Datum		preference = NUM_INT4(0);
		Datum		motif = (Datum) 0;

		if (!c->porte)
			continue;
		if (c->prefet)
			preference_prefet(&ss, c->reservataire, qpv, &preference, &motif);
		elements[k++] = candidat(desc, c->reservataire, false, c->nom, c->communes != NULL, c->taux,
								 c->t, c->a, preference, motif, !c->prefet, c->gestion, c->sans_gestion);
	}
	/* the pool: what the département's count leaves after every entitlement */
	pool = flux_somme_trouvee(&ss, (Datum) 0, true);
	t_pool = NUM_ADD(NUM_INT4(1), total);
	elements[k++] = candidat(desc, (Datum) 0, true, CStringGetTextDatum("landlord's pool"), false,
							 NUM_ROUND(NUM_DIV(NUM_MUL(NUM_INT4(100), NUM_SUB(t_pool, droits)), t_pool), 4),
							 t_pool, pool == NULL ? 0 : pool->montants[M_IMPUTEES], NUM_INT4(0), (Datum) 0, true,
							 (Datum) 0, true);
	get_typlenbyvalalign(type_candidat, &typlen, &typbyval, &typalign);
	PG_RETURN_ARRAYTYPE_P(construct_array(elements, k, type_candidat, typlen, typbyval, typalign));
}
