/*-------------------------------------------------------------------------
 *
 * date_limite.c
 *		The default deadline of an orientation: its date plus the delay of
 *		the convention it counts under.
 *
 * A BEFORE ROW trigger of orientation (date_limite, fired when date_limite
 * is null and the orientation goes to a réservataire).  It reads the
 * vacancy, its dwelling and the convention in force through their indexes
 * (src/acces.c), as the owner of the table, like the counter triggers: no
 * query planned, no GUC nest level, no name resolved through the caller's
 * search_path.  An orientation outside the flux, subtracted, without a
 * convention (the counter triggers refuse it) or under a convention in
 * delegated management (the landlord designates the candidates itself)
 * keeps its null deadline.  Under delegated management it also refuses a
 * carence written without a deadline (the trigger fires on a change of
 * issue too), with the rule's own explanation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "access/tableam.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "flux_mgmt.h"
#include "acces.h"

/*
 * Whether the convention in the slot is in delegated management: the
 * landlord designates the candidates, no delay applies.  Without the column
 * gestion (the update from 0.1, before it adds it) every convention is
 * managed directly.
 */
static bool
deleguee(Relation convention, TupleTableSlot *slot)
{
	AttrNumber	colonne = get_attnum(RelationGetRelid(convention), "gestion");
	bool		nul;
	Datum		gestion;

	if (colonne == InvalidAttrNumber)
		return false;
	gestion = slot_getattr(slot, colonne, &nul);
	return !nul && DatumGetObjectId(gestion) == flux_etiquette(convention, "gestion", "deleguee");
}

/* What the convention of an orientation says of its deadline. */
typedef enum Delai
{
	SANS_DELAI,					/* outside the flux, subtracted, no convention */
	DELAI,						/* the convention's delay */
	GESTION_DELEGUEE			/* the landlord designates the candidates: no delay */
} Delai;

/* The deadline of the orientation in tuple, when it gets one. */
static Delai
delai_de(Relation orientation, HeapTuple tuple, DateADT *limite)
{
	TupleDesc	desc = RelationGetDescr(orientation);
	bool		nul,
				sans_soustraction,
				sans_reservataire;
	Datum		vacance = heap_getattr(tuple, flux_attnum(orientation, "vacance_id"), desc, &nul);
	Datum		reservataire = heap_getattr(tuple, flux_attnum(orientation, "reservataire"), desc, &sans_reservataire);
	DateADT		date = DatumGetDateADT(heap_getattr(tuple, flux_attnum(orientation, "date_orientation"), desc, &nul));
	Relation	r_vacance,
				r_logement,
				r_convention;
	TupleTableSlot *s_vacance,
			   *s_logement,
			   *s_convention;
	Delai		delai = SANS_DELAI;
	int			y,
				m,
				d;

	(void) heap_getattr(tuple, flux_attnum(orientation, "soustraction"), desc, &sans_soustraction);
	if (sans_reservataire || !sans_soustraction || DATE_NOT_FINITE(date))
		return SANS_DELAI;
	j2date(date + POSTGRES_EPOCH_JDATE, &y, &m, &d);
	r_vacance = table_open(flux_relation("vacance"), AccessShareLock);
	r_logement = table_open(flux_relation("logement"), AccessShareLock);
	r_convention = table_open(flux_relation("convention"), AccessShareLock);
	s_vacance = table_slot_create(r_vacance, NULL);
	s_logement = table_slot_create(r_logement, NULL);
	s_convention = table_slot_create(r_convention, NULL);
	if (flux_lire(r_vacance, "vacance_pkey", GetActiveSnapshot(), 1, &vacance, s_vacance))
	{
		Datum		logement = slot_getattr(s_vacance, flux_attnum(r_vacance, "logement_id"), &nul);

		if (flux_lire(r_logement, "logement_pkey", GetActiveSnapshot(), 1, &logement, s_logement)
			&& DatumGetObjectId(slot_getattr(s_logement, flux_attnum(r_logement, "regime"), &nul))
			== flux_etiquette(r_logement, "regime", "flux")
			&& flux_convention_en_vigueur(r_convention, s_convention,
										  slot_getattr(s_logement, flux_attnum(r_logement, "bailleur"), &nul),
										  slot_getattr(s_logement, flux_attnum(r_logement, "commune"), &nul),
										  reservataire, y))
		{
			if (deleguee(r_convention, s_convention))
				delai = GESTION_DELEGUEE;
			else
			{
				Datum		duree = slot_getattr(s_convention, flux_attnum(r_convention, "delai"), &nul);

				/* date + interval is a timestamp; the column keeps its date, as the SQL assignment does */
				*limite = DatumGetDateADT(DirectFunctionCall1(timestamp_date,
															  DirectFunctionCall2(date_pl_interval, DateADTGetDatum(date), duree)));
				delai = DELAI;
			}
		}
	}
	ExecDropSingleTupleTableSlot(s_vacance);
	ExecDropSingleTupleTableSlot(s_logement);
	ExecDropSingleTupleTableSlot(s_convention);
	table_close(r_vacance, NoLock);
	table_close(r_logement, NoLock);
	table_close(r_convention, NoLock);
	return delai;
}

/*
 * A carence written on an orientation under delegated management: refused
 * here, with the rule's explanation (orientation_infraction's
 * carence_deleguee), before the table's check that a carence comes after a
 * deadline refuses it without one.
 */
static void
refuser_carence_deleguee(Relation orientation, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(orientation);
	bool		nul;
	Datum		issue = heap_getattr(tuple, flux_attnum(orientation, "issue"), desc, &nul);
	int64		id;
	char	   *reservataire;

	if (nul || DatumGetObjectId(issue) != flux_etiquette(orientation, "issue", "carence"))
		return;
	id = DatumGetInt64(heap_getattr(tuple, flux_attnum(orientation, "id"), desc, &nul));
	reservataire = TextDatumGetCString(heap_getattr(tuple, flux_attnum(orientation, "reservataire"), desc, &nul));
	ereport(ERROR,
			(errcode(ERRCODE_CHECK_VIOLATION),
			 errmsg("no carence for orientation " INT64_FORMAT ": the convention with %s is in delegated management",
					id, quote_literal_cstr(reservataire)),
			 errdetail("In delegated management the landlord designates the candidates on the réservataire's behalf: there is no delay for it to let pass (DOMAIN §3.10)."),
			 errhint("Record an échec when no candidate led to a lease, or a withdrawal.")));
}

/*
 * An update that changes the issue and none of what the deadline comes
 * from, on an orientation that had none: the deadline stays as it was (an
 * orientation made under delegated management keeps none).
 */
static bool
issue_seule(TriggerData *td)
{
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	static const char *const colonnes[] = {"reservataire", "date_orientation"};
	bool		nul;

	if (!TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		return false;
	(void) heap_getattr(td->tg_trigtuple, flux_attnum(rel, "date_limite"), desc, &nul);
	if (!nul)
		return false;
	for (size_t i = 0; i < lengthof(colonnes); i++)
	{
		AttrNumber	c = flux_attnum(rel, colonnes[i]);
		Form_pg_attribute att = TupleDescAttr(desc, c - 1);
		bool		nul_avant,
					nul_apres;
		Datum		avant = heap_getattr(td->tg_trigtuple, c, desc, &nul_avant);
		Datum		apres = heap_getattr(td->tg_newtuple, c, desc, &nul_apres);

		if (!flux_egales(avant, nul_avant, apres, nul_apres, att->attlen, att->attbyval))
			return false;
	}
	return true;
}

PG_FUNCTION_INFO_V1(flux_date_limite_par_defaut);
Datum
flux_date_limite_par_defaut(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	FluxIdentite avant;
	DateADT		limite = 0;
	Delai		delai;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"date_limite_par_defaut\" was not called by trigger manager")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_ROW(td->tg_event)
		|| TRIGGER_FIRED_BY_DELETE(td->tg_event)
		|| RelationGetRelid(td->tg_relation) != flux_relation("orientation"))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"date_limite_par_defaut\" must be fired BEFORE INSERT OR UPDATE … FOR EACH ROW on %s.orientation",
						FLUX_SCHEMA)));
	tuple = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	flux_agir_en_proprietaire(td->tg_relation->rd_rel->relowner, &avant);
	/* the conventions as committed now, as the query it replaces read them under READ COMMITTED */
	PushActiveSnapshot(IsolationUsesXactSnapshot() ? GetActiveSnapshot() : GetLatestSnapshot());
	delai = delai_de(td->tg_relation, tuple, &limite);
	PopActiveSnapshot();
	flux_redevenir(&avant);
	if (delai == GESTION_DELEGUEE)
		refuser_carence_deleguee(td->tg_relation, tuple);
	if (delai == DELAI && !issue_seule(td))
	{
		int			colonne = flux_attnum(td->tg_relation, "date_limite");
		Datum		valeur = DateADTGetDatum(limite);
		bool		nul = false;

		tuple = heap_modify_tuple_by_cols(tuple, RelationGetDescr(td->tg_relation), 1, &colonne, &valeur, &nul);
	}
	return PointerGetDatum(tuple);
}
