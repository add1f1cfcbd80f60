/*-------------------------------------------------------------------------
 *
 * mixite.c
 *		The engine's social-mix preference, computed in C:
 *		preferer_mixite() (sql/src/83_mixite.sql) of the candidates
 *		decider() has.
 *
 * The SQL version reads a programme's last orientations by a query through
 * three indexes and writes each candidate's reason with format(): half a
 * millisecond a decision, most of the engine's time once its candidates are
 * computed in C (src/candidats.c).  Here the same walk, from the
 * programme's dwellings (logement_programme) to their vacancies
 * (vacance_une_par_jour) to their orientations (orientation_vacance), and
 * the same numeric operations in the same order, so that both give the same
 * candidates to the last digit (test/sql/752 compares them).
 *
 * The rows are read as the engine reads the counters: the caller needs
 * SELECT on the tables, and under row-level security the landlord's rows
 * in full (lit_bailleur_courant), as preferer_mixite() would be wrong on
 * part of them.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datum.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"

#include "flux_mgmt.h"
#include "acces.h"
#include "moteur.h"

/* One of the programme's orientations. */
typedef struct Oriente
{
	DateADT		date;
	int64		id;
	Datum		reservataire;	/* null: the pool */
	bool		pool;
} Oriente;

/* Latest first: ORDER BY date_orientation DESC, id DESC */
static int
plus_recent(const void *a, const void *b)
{
	const Oriente *x = a;
	const Oriente *y = b;

	if (x->date != y->date)
		return x->date > y->date ? -1 : 1;
	if (x->id != y->id)
		return x->id > y->id ? -1 : 1;
	return 0;
}

typedef struct Lecteur
{
	Relation	rel;
	TupleTableSlot *slot;
} Lecteur;

static void
ouvrir(Lecteur *l, const char *table, Datum bailleur)
{
	l->rel = flux_ouvrir_lisible(table, bailleur);
	l->slot = table_slot_create(l->rel, NULL);
}

static void
fermer(Lecteur *l)
{
	ExecDropSingleTupleTableSlot(l->slot);
	table_close(l->rel, NoLock);
}

/* The walk from a programme's dwellings to their orientations. */
typedef struct Marche
{
	Snapshot	snap;
	Lecteur		va,
				o;
	AttrNumber	va_id,
				va_logement,
				o_id,
				o_date,
				o_soustraction,
				o_issue,
				o_reservataire;
	Oid			retiree;
	int64		vacance_id;		/* the vacancy decided, left out */
	DateADT		le;
	/* the orientations' index opened once, scanned again for each vacancy */
	FluxLecture lr;
	bool		lr_ouverte;
	Oriente    *res;
	int			n,
				max;
} Marche;

/* The orientations of the vacancy in m->va.slot that count, added to m->res. */
static void
orientations_de(Marche *m)
{
	bool		nul;
	Datum		v = slot_getattr(m->va.slot, m->va_id, &nul);

	if (DatumGetInt64(v) == m->vacance_id)
		return;
	if (m->lr_ouverte)
		flux_relancer_lecture(&m->lr, 1, &v, NULL);
	else
		flux_ouvrir_lecture(&m->lr, m->o.rel, "orientation_vacance", m->snap, 1, &v, NULL);
	m->lr_ouverte = true;
	while (index_getnext_slot(m->lr.scan, ForwardScanDirection, m->o.slot))
	{
		TupleTableSlot *o = m->o.slot;
		bool		sans_soustraction;
		DateADT		date = DatumGetDateADT(slot_getattr(o, m->o_date, &nul));
		Datum		r;

		(void) slot_getattr(o, m->o_soustraction, &sans_soustraction);
		if (!sans_soustraction || date > m->le ||
			DatumGetObjectId(slot_getattr(o, m->o_issue, &nul)) == m->retiree)
			continue;
		if (m->n == m->max)
		{
			m->max *= 2;
			m->res = repalloc(m->res, sizeof(Oriente) * m->max);
		}
		m->res[m->n].date = date;
		m->res[m->n].id = DatumGetInt64(slot_getattr(o, m->o_id, &nul));
		r = slot_getattr(o, m->o_reservataire, &m->res[m->n].pool);
		m->res[m->n].reservataire = m->res[m->n].pool ? (Datum) 0 : datumCopy(r, false, -1);
		m->n++;
	}
}

/* The programme's in-flux dwellings, ids sorted; their count. */
static int
logements_du_programme(Lecteur lo, Datum bailleur, Datum programme, Snapshot snap, int64 **sortie)
{
	Datum		cle[2] = {bailleur, programme};
	FluxLecture ll;
	AttrNumber	lo_id,
				lo_regime;
	Oid			flux;
	int			n = 0,
				max = 64;
	int64	   *ids = palloc(sizeof(int64) * max);

	lo_id = flux_attnum(lo.rel, "id");
	lo_regime = flux_attnum(lo.rel, "regime");
	flux = flux_etiquette(lo.rel, "regime", "flux");
	flux_ouvrir_lecture(&ll, lo.rel, "logement_programme", snap, 2, cle, NULL);
	while (index_getnext_slot(ll.scan, ForwardScanDirection, lo.slot))
	{
		bool		nul;

		CHECK_FOR_INTERRUPTS();
		if (DatumGetObjectId(slot_getattr(lo.slot, lo_regime, &nul)) != flux)
			continue;
		if (n == max)
		{
			max *= 2;
			ids = repalloc(ids, sizeof(int64) * max);
		}
		ids[n++] = DatumGetInt64(slot_getattr(lo.slot, lo_id, &nul));
	}
	flux_fermer_lecture(&ll);
	qsort(ids, n, sizeof(int64), flux_comparer_int64);
	*sortie = ids;
	return n;
}

/*
 * The programme's in-flux orientations on or before le but those of the
 * vacancy decided, none withdrawn nor subtracted, latest first; their count.
 *
 * A programme's dwellings were mostly recorded together, their ids a run:
 * when the run is dense, their vacancies are read in one scan of the
 * vacancies' index over it (the dwellings of other programmes inside it
 * skipped), instead of one descent per dwelling.
 */
static int
derniers_orientes(Datum bailleur, Datum programme, int64 vacance_id, DateADT le, Oriente **sortie)
{
	Marche		m = {0};
	Lecteur		lo;
	int64	   *ids;
	int			nb = 0;
	FluxLecture lv;

	m.snap = GetActiveSnapshot();
	m.vacance_id = vacance_id;
	m.le = le;
	m.max = 64;
	m.res = palloc(sizeof(Oriente) * m.max);
	/* the three tables' privileges checked whatever the programme holds, as a query of them would */
	ouvrir(&lo, "logement", bailleur);
	ouvrir(&m.va, "vacance", bailleur);
	ouvrir(&m.o, "orientation", bailleur);
	nb = logements_du_programme(lo, bailleur, programme, m.snap, &ids);
	fermer(&lo);
	if (nb > 0)
	{
		m.va_id = flux_attnum(m.va.rel, "id");
		m.va_logement = flux_attnum(m.va.rel, "logement_id");
		m.o_id = flux_attnum(m.o.rel, "id");
		m.o_date = flux_attnum(m.o.rel, "date_orientation");
		m.o_soustraction = flux_attnum(m.o.rel, "soustraction");
		m.o_issue = flux_attnum(m.o.rel, "issue");
		m.o_reservataire = flux_attnum(m.o.rel, "reservataire");
		m.retiree = flux_etiquette(m.o.rel, "issue", "retiree");
		/* the span in unsigned arithmetic: ids of any sign cannot overflow it */
		if ((uint64) ids[nb - 1] - (uint64) ids[0] < (uint64) nb * 4)
		{
			flux_ouvrir_intervalle(&lv, m.va.rel, "vacance_une_par_jour", m.snap, ids[0], ids[nb - 1]);
			while (index_getnext_slot(lv.scan, ForwardScanDirection, m.va.slot))
			{
				bool		nul;
				int64		logement = DatumGetInt64(slot_getattr(m.va.slot, m.va_logement, &nul));

				CHECK_FOR_INTERRUPTS();
				if (bsearch(&logement, ids, nb, sizeof(int64), flux_comparer_int64) != NULL)
					orientations_de(&m);
			}
			flux_fermer_lecture(&lv);
		}
		else
		{
			for (int i = 0; i < nb; i++)
			{
				Datum		logement = Int64GetDatum(ids[i]);

				CHECK_FOR_INTERRUPTS();
				if (i == 0)
					flux_ouvrir_lecture(&lv, m.va.rel, "vacance_une_par_jour", m.snap, 1, &logement, NULL);
				else
					flux_relancer_lecture(&lv, 1, &logement, NULL);
				while (index_getnext_slot(lv.scan, ForwardScanDirection, m.va.slot))
					orientations_de(&m);
			}
			flux_fermer_lecture(&lv);
		}
		if (m.lr_ouverte)
			flux_fermer_lecture(&m.lr);
	}
	fermer(&m.o);
	fermer(&m.va);
	qsort(m.res, m.n, sizeof(Oriente), plus_recent);
	*sortie = m.res;
	return m.n;
}

/*
 * neutraliser_controles(programme) for the reason: a programme's code is
 * printable ASCII as a rule, which that function leaves as it is; anything
 * else goes through it (an SQL function called from C is planned again at
 * each call: a tenth of a decision).
 */
static char *
lisible(text *programme)
{
	const char *octets = VARDATA_ANY(programme);
	int			n = VARSIZE_ANY_EXHDR(programme);

	for (int i = 0; i < n; i++)
		if (octets[i] < 0x20 || octets[i] > 0x7E)
			return TextDatumGetCString(flux_appeler("neutraliser_controles", TEXTOID, PointerGetDatum(programme)));
	return text_to_cstring(programme);
}

/* coalesce(code, ''), as the SQL compares réservataires */
static Datum
cle_texte(Datum code, bool nul)
{
	return nul ? CStringGetTextDatum("") : code;
}

/* motifs || ARRAY[motif] */
static Datum
ajouter_motif(ArrayType *motifs, Datum motif)
{
	Datum	   *elements;
	bool	   *nuls;
	int			n = 0;
	int			dims[1];
	int			lbs[1] = {1};

	if (motifs != NULL && ARR_NDIM(motifs) > 0)
		deconstruct_array(motifs, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nuls, &n);
	if (n == 0)
	{
		elements = palloc(sizeof(Datum));
		nuls = palloc(sizeof(bool));
	}
	else
	{
		elements = repalloc(elements, sizeof(Datum) * (n + 1));
		nuls = repalloc(nuls, sizeof(bool) * (n + 1));
	}
	elements[n] = motif;
	nuls[n] = false;
	dims[0] = n + 1;
	if (motifs != NULL && ARR_NDIM(motifs) == 1)
		lbs[0] = ARR_LBOUND(motifs)[0];
	return PointerGetDatum(construct_md_array(elements, nuls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

/* What every candidate's preference of one call shares, computed once. */
typedef struct Mixite
{
	const Oriente *derniers;
	int			n;				/* cardinality(derniers) */
	Datum		zero;
	Datum		poids_centiemes;	/* poids / 100 */
	Datum		cent;			/* 100.0 */
	Datum		nombre;			/* n, as numeric */
	const char *poids_texte;	/* trim_scale(poids) */
	const char *programme;
} Mixite;

/*
 * One candidate (its fields v, vn) with the preference added, as the SQL's
 * ROW(…, preference + coalesce(points, 0), motifs_preference ||
 * coalesce(motifs, '{}'), …): for a share above 0, the gap between the share
 * and its part of the programme's last orientations, weighted, and why.
 */
static void
preferer(Datum *v, bool *vn, const Mixite *m)
{
	Datum		points = m->zero;
	Datum		motif = (Datum) 0;

	if (!vn[CA_TAUX] && NUM_CMP(v[CA_TAUX], m->zero) > 0)
	{
		int64		recus = 0;
		Datum		arrondi;

		/* coalesce(o.reservataire, '') = coalesce(c.reservataire, '') */
		for (int k = 0; k < m->n; k++)
			if (flux_egales(cle_texte(m->derniers[k].reservataire, m->derniers[k].pool), false,
							cle_texte(v[CA_RESERVATAIRE], vn[CA_RESERVATAIRE]), false, -1, false))
				recus++;
		/* round(poids / 100 * (taux - 100.0 * recus / cardinality(derniers)), 2) */
		points = NUM_ROUND(NUM_MUL(m->poids_centiemes,
								   NUM_SUB(v[CA_TAUX], NUM_DIV(NUM_MUL(m->cent, NUM_INT8(recus)), m->nombre))), 2);
		arrondi = NUM_ROUND(points, 1);
		motif = CStringGetTextDatum(psprintf("social mix: %s of the last %d dwellings oriented in programme %s, for a %s %% share: preference %s%s points (weight %s %%)",
											 recus == 0 ? "received none" : psprintf("already received " INT64_FORMAT, recus),
											 m->n, m->programme, NUM_TEXTE(NUM_TRIM(NUM_ROUND(v[CA_TAUX], 2))),
											 NUM_CMP(arrondi, m->zero) > 0 ? "+" : "",
											 NUM_TEXTE(NUM_TRIM(arrondi)), m->poids_texte));
	}
	if (!vn[CA_PREFERENCE])
		v[CA_PREFERENCE] = NUM_ADD(v[CA_PREFERENCE], points);
	/* || of a null array gives the other */
	if (motif != (Datum) 0)
		v[CA_MOTIFS] = ajouter_motif(vn[CA_MOTIFS] ? NULL : DatumGetArrayTypeP(v[CA_MOTIFS]), motif);
	else if (vn[CA_MOTIFS])
		v[CA_MOTIFS] = PointerGetDatum(construct_empty_array(TEXTOID));
	vn[CA_MOTIFS] = false;
}

/*
 * preferer_mixite_rapide(bailleur, programme, vacance_id, le, candidats):
 * preferer_mixite() of the same arguments.
 */
PG_FUNCTION_INFO_V1(flux_preferer_mixite_rapide);
Datum
flux_preferer_mixite_rapide(PG_FUNCTION_ARGS)
{
	Datum		poids;
	int32		fenetre;
	ArrayType  *candidats;
	Oriente    *derniers;
	int			n;
	Oid			type;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elements;
	bool	   *nuls;
	int			nb;
	TupleDesc	desc;
	Mixite		m;

	if (PG_ARGISNULL(4))
		PG_RETURN_NULL();
	candidats = PG_GETARG_ARRAYTYPE_P(4);
	poids = flux_parametre_moteur("mixite_poids");
	if (NUM_CMP(poids, NUM_INT4(0)) == 0 || PG_ARGISNULL(1))
		PG_RETURN_ARRAYTYPE_P(candidats);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		PG_RETURN_ARRAYTYPE_P(candidats);	/* the SQL's query finds nothing */
	fenetre = DatumGetInt32(DirectFunctionCall1(numeric_int4, flux_parametre_moteur("mixite_fenetre")));
	n = derniers_orientes(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), PG_GETARG_INT64(2), PG_GETARG_DATEADT(3), &derniers);
	n = Min(n, Max(fenetre, 0));
	if (n == 0)
		PG_RETURN_ARRAYTYPE_P(candidats);

	type = ARR_ELEMTYPE(candidats);
	get_typlenbyvalalign(type, &typlen, &typbyval, &typalign);
	deconstruct_array(candidats, type, typlen, typbyval, typalign, &elements, &nuls, &nb);
	desc = lookup_rowtype_tupdesc_copy(type, -1);
	if (desc->natts != CA_NOMBRE)
		elog(ERROR, "flux_mgmt: type candidat_orientation has %d attributes, not %d", desc->natts, CA_NOMBRE);
	BlessTupleDesc(desc);
	m.derniers = derniers;
	m.n = n;
	m.zero = NUM_INT4(0);
	m.poids_centiemes = NUM_DIV(poids, NUM_INT4(100));
	m.cent = NUM_LITTERAL("100.0");
	m.nombre = NUM_INT4(n);
	m.poids_texte = NUM_TEXTE(NUM_TRIM(poids));
	m.programme = lisible(PG_GETARG_TEXT_PP(1));
	for (int i = 0; i < nb; i++)
	{
		Datum		v[CA_NOMBRE];
		bool		vn[CA_NOMBRE];

		/* a null candidate is unnested by the SQL as a row of nulls */
		if (nuls[i])
			memset(vn, true, sizeof(vn));
		else
			flux_champs(elements[i], desc, v, vn);
		nuls[i] = false;
		preferer(v, vn, &m);
		elements[i] = HeapTupleGetDatum(heap_form_tuple(desc, v, vn));
	}
	PG_RETURN_ARRAYTYPE_P(construct_md_array(elements, nuls, 1, &nb, (int[]) {1}, type, typlen, typbyval, typalign));
}
