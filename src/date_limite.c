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
 * keeps its null deadline.
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
 * landlord designates the candidates, no delay applies.  A 0.1 schema (the
 * 0.2 library installed, ALTER EXTENSION … UPDATE still to run) has no
 * column gestion: every convention is managed directly.
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

/* The deadline of the orientation in tuple, or false when it gets none. */
static bool
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
	bool		trouve = false;
	int			y,
				m,
				d;

	(void) heap_getattr(tuple, flux_attnum(orientation, "soustraction"), desc, &sans_soustraction);
	if (sans_reservataire || !sans_soustraction || DATE_NOT_FINITE(date))
		return false;
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
										  reservataire, y)
			&& !deleguee(r_convention, s_convention))
		{
			Datum		delai = slot_getattr(s_convention, flux_attnum(r_convention, "delai"), &nul);

			/* date + interval is a timestamp; the column keeps its date, as the SQL assignment does */
			*limite = DatumGetDateADT(DirectFunctionCall1(timestamp_date,
														  DirectFunctionCall2(date_pl_interval, DateADTGetDatum(date), delai)));
			trouve = true;
		}
	}
	ExecDropSingleTupleTableSlot(s_vacance);
	ExecDropSingleTupleTableSlot(s_logement);
	ExecDropSingleTupleTableSlot(s_convention);
	table_close(r_vacance, NoLock);
	table_close(r_logement, NoLock);
	table_close(r_convention, NoLock);
	return trouve;
}

PG_FUNCTION_INFO_V1(flux_date_limite_par_defaut);
Datum
flux_date_limite_par_defaut(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	tuple;
	FluxIdentite avant;
	DateADT		limite;
	bool		avec_limite;

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
	avec_limite = delai_de(td->tg_relation, tuple, &limite);
	PopActiveSnapshot();
	flux_redevenir(&avant);
	if (avec_limite)
	{
		int			colonne = flux_attnum(td->tg_relation, "date_limite");
		Datum		valeur = DateADTGetDatum(limite);
		bool		nul = false;

		tuple = heap_modify_tuple_by_cols(tuple, RelationGetDescr(td->tg_relation), 1, &colonne, &valeur, &nul);
	}
	return PointerGetDatum(tuple);
}
