/*-------------------------------------------------------------------------
 *
 * compteurs.c
 *		The counter triggers: they keep flux_mgmt.compteur and
 *		flux_mgmt.compteur_bilan equal to a recount of the events.
 *
 * One AFTER ... FOR EACH STATEMENT trigger function serves every table whose
 * changes move the counters (vacance, orientation, attribution, logement,
 * convention).  For a statement it
 *
 *	1. reads the statement's transition tables (named "anciennes" and
 *	   "nouvelles") to find the vacancies it touched, locks them, and looks
 *	   up the rows it wrote that break a rule (views flux_mgmt.*_infraction):
 *	   one query;
 *	2. for attribution, keeps the orientation's issue in step with it;
 *	3. recounts the touched vacancies: their old
 *	   contributions (the ledger flux_mgmt.contribution) are subtracted from
 *	   the counters and their contributions recomputed from the events
 *	   (the view flux_mgmt.contribution_calculee, where the counting rules
 *	   live) are added.
 *
 * Step 3 is what makes the counters exact whatever the change: it never
 * reasons about what a change means, it recounts the vacancies it touched.
 * The lock on the vacancy rows makes two transactions touching one vacancy
 * recount it one after the other (see recompter()).
 *
 * Each counter key is spread over a few rows (the "tranche", from the
 * backend's slot), so concurrent transactions charging the same réservataire
 * do not queue on one row; readers sum over the tranches.
 *
 * Plans are prepared once per trigger and kept (ri_triggers.c style), keyed
 * by trigger OID; a plan found invalid is freed and prepared again.  The SQL
 * names its objects in full, the code_insee operators included, and runs with
 * the caller's search_path: pinning another one would make the plan cache
 * replan every statement (foreign key checks included) each time the path
 * changed back and forth.  Built-in operators resolve in pg_catalog, searched
 * first unless a caller says otherwise, and then only to their own cost: the
 * triggers run with the caller's rights.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/backendid.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "flux_mgmt.h"

/* Rows a counter key is spread over; readers sum over them. */
#define FLUX_TRANCHES 8

/*
 * What a trigger does, by table and event: the query over the transition
 * tables returning (touched vacancies bigint[], rows to check bigint[]), the
 * query finding the first of those rows that breaks a rule (from t.a_verifier;
 * returns id, regle), and the side effect to run before counting.  Arrays of
 * the statement's rows are joined through unnest(), never tested with
 * "= ANY": a COPY of a million rows would compare every row to every row.
 */
typedef struct Sorte
{
	const char *table;
	int			evenement;		/* TRIGGER_EVENT_INSERT, _UPDATE or _DELETE */
	const char *touchees;
	const char *infraction;
	const char *effet;
} Sorte;

#define INFRACTION(vue, filtre) \
	"SELECT i.id, i.regle FROM " FLUX_SCHEMA "." vue " i WHERE i.id IN (SELECT unnest(t.a_verifier))" filtre \
	" ORDER BY i.id LIMIT 1"

#define ORIENTATION_FERMEE \
	"UPDATE " FLUX_SCHEMA ".orientation o SET issue = 'attribuee', date_issue = n.date_bail" \
	" FROM nouvelles n WHERE o.id = n.orientation_id" \
	" AND (o.issue, o.date_issue) IS DISTINCT FROM ('attribuee', n.date_bail)"
#define ORIENTATION_ROUVERTE(ids) \
	"UPDATE " FLUX_SCHEMA ".orientation o SET issue = 'en_cours', date_issue = NULL" \
	" WHERE o.id IN (" ids ") AND o.issue = 'attribuee'"

/* The orientations covered by a set of conventions. */
#define ORIENTATIONS_SOUS(conventions) \
	" FROM (" conventions ") c" \
	" JOIN " FLUX_SCHEMA ".orientation o ON o.reservataire = c.reservataire" \
	" AND date_part('year', o.date_orientation) BETWEEN c.annee_debut AND coalesce(c.annee_fin, 9999)" \
	" JOIN " FLUX_SCHEMA ".vacance v ON v.id = o.vacance_id" \
	" JOIN " FLUX_SCHEMA ".logement l ON l.id = v.logement_id" \
	" AND l.bailleur = c.bailleur AND " FLUX_SCHEMA ".departement(l.commune) = c.departement"

static const Sorte sortes[] = {
	{"vacance", TRIGGER_EVENT_INSERT,
		"SELECT NULL::bigint[], array_agg(n.id) FROM nouvelles n",
		INFRACTION("vacance_infraction", ""), NULL},
	{"vacance", TRIGGER_EVENT_UPDATE,
		"SELECT array_agg(n.id), array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.logement_id, n.date_liberation) IS DISTINCT FROM (a.logement_id, a.date_liberation))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION("vacance_infraction", ""), NULL},
	{"orientation", TRIGGER_EVENT_INSERT,
		"SELECT array_agg(DISTINCT n.vacance_id), array_agg(n.id) FROM nouvelles n",
		INFRACTION("orientation_infraction", ""), NULL},
	{"orientation", TRIGGER_EVENT_UPDATE,
		"SELECT ARRAY(SELECT vacance_id FROM nouvelles UNION SELECT vacance_id FROM anciennes),"
		" array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.vacance_id, n.reservataire, n.soustraction, n.date_orientation, n.issue)"
		" IS DISTINCT FROM (a.vacance_id, a.reservataire, a.soustraction, a.date_orientation, a.issue))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION("orientation_infraction", ""), NULL},
	{"orientation", TRIGGER_EVENT_DELETE,
		"SELECT array_agg(DISTINCT a.vacance_id), NULL::bigint[] FROM anciennes a",
		NULL, NULL},
	{"attribution", TRIGGER_EVENT_INSERT,
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(n.id)"
		" FROM nouvelles n JOIN " FLUX_SCHEMA ".orientation o ON o.id = n.orientation_id",
		INFRACTION("attribution_infraction", ""), ORIENTATION_FERMEE},
	{"attribution", TRIGGER_EVENT_UPDATE,
		"SELECT ARRAY(SELECT o.vacance_id FROM " FLUX_SCHEMA ".orientation o"
		" WHERE o.id IN (SELECT orientation_id FROM nouvelles UNION SELECT orientation_id FROM anciennes)),"
		" array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.orientation_id, n.date_caleol) IS DISTINCT FROM (a.orientation_id, a.date_caleol))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION("attribution_infraction", ""),
		"WITH rouvertes AS (" ORIENTATION_ROUVERTE("SELECT orientation_id FROM anciennes"
												   " EXCEPT SELECT orientation_id FROM nouvelles") ") "
		ORIENTATION_FERMEE},
	{"attribution", TRIGGER_EVENT_DELETE,
		"SELECT array_agg(DISTINCT o.vacance_id), NULL::bigint[]"
		" FROM anciennes a JOIN " FLUX_SCHEMA ".orientation o ON o.id = a.orientation_id",
		NULL, ORIENTATION_ROUVERTE("SELECT orientation_id FROM anciennes")},
	{"logement", TRIGGER_EVENT_UPDATE,
		"SELECT array_agg(v.id), NULL::bigint[] FROM " FLUX_SCHEMA ".vacance v"
		" WHERE v.logement_id IN (SELECT n.id FROM nouvelles n JOIN anciennes a USING (id)"
		" WHERE (n.bailleur, n.nb_pieces, n.financement, n.qpv, n.annee_construction, n.regime)"
		" IS DISTINCT FROM (a.bailleur, a.nb_pieces, a.financement, a.qpv, a.annee_construction, a.regime)"
		" OR n.commune OPERATOR(" FLUX_SCHEMA ".<>) a.commune)",
		NULL, NULL},
	/* conventions: the orientations they covered (a change of mode moves charges) */
	/* a restore loads conventions after the events: their charges follow them */
	{"convention", TRIGGER_EVENT_INSERT,
		"SELECT array_agg(DISTINCT o.vacance_id), NULL::bigint[]"
		ORIENTATIONS_SOUS("SELECT * FROM nouvelles"),
		NULL, NULL},
	{"convention", TRIGGER_EVENT_UPDATE,
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)"
		ORIENTATIONS_SOUS("SELECT a.* FROM anciennes a JOIN nouvelles n USING (id)"
						  " WHERE (n.bailleur, n.reservataire, n.departement, n.annee_debut, n.annee_fin, n.mode_decompte)"
						  " IS DISTINCT FROM (a.bailleur, a.reservataire, a.departement, a.annee_debut, a.annee_fin, a.mode_decompte)"),
		INFRACTION("orientation_infraction", " AND i.regle = 'sans_convention'"), NULL},
	{"convention", TRIGGER_EVENT_DELETE,
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)"
		ORIENTATIONS_SOUS("SELECT * FROM anciennes"),
		INFRACTION("orientation_infraction", " AND i.regle = 'sans_convention'"), NULL},
};

/*
 * Every statement is kept in two plans.  A statement touching a few rows (an
 * event recorded by an application) runs a generic plan made with sequential
 * scans, hash and merge joins disabled: its queries look up a few keys, and a
 * plan made while the tables were small or freshly analyzed empty would
 * otherwise scan them whole for ever after.  A statement touching many rows
 * (COPY, a bulk UPDATE) runs a custom plan, made for its actual size.
 */
#define PETIT	0
#define GRAND	1
#define SEUIL_PETIT 200			/* rows of a transition table */

typedef SPIPlanPtr Plans[2];

/* The plans of one trigger, kept across calls. */
typedef struct PlansDeclencheur
{
	Oid			tgoid;			/* hash key */
	Oid			relid;			/* the table it was prepared for */
	int			evenement;
	const Sorte *sorte;
	char	   *preparation;	/* see texte_preparation() */
	Plans		touchees;
	Plans		effet;
} PlansDeclencheur;

static HTAB *plans_declencheurs = NULL;
static Plans plan_verrou_instantane;
static Plans plan_signaler;
static Plans plan_recompte;

/* PETIT or GRAND, for the statement being counted */
static int	taille = PETIT;

/*
 * While a trigger runs a statement of its own (the issue of an orientation,
 * the lock of vacancies), the triggers that statement fires must not count:
 * the outer trigger recounts every vacancy involved.
 */
static int	comptage_suspendu = 0;

/* The counter columns of contribution, compteur (compteur_bilan sums them). */
static const char *const compteurs[] = {
	"en_cours", "attribuees", "carences", "echecs", "retirees", "decomptes",
	"baux", "hors_qpv", "q1_hors_qpv", "q234_en_qpv", "prioritaires"
};

#define CLE_COMPTEUR "bailleur, annee, commune, reservataire, soustraction, dans_flux"
#define CLE_BILAN "bailleur, annee, commune, reservataire, typologie, financement, qpv, periode"

/* Appends the model once per counter column (each %s is the column), separated. */
static void
lister(StringInfo buf, const char *modele, const char *separateur)
{
	for (size_t i = 0; i < lengthof(compteurs); i++)
	{
		if (i > 0)
			appendStringInfoString(buf, separateur);
		appendStringInfo(buf, modele, compteurs[i], compteurs[i], compteurs[i]);
	}
}

/*
 * The recount of a set of vacancies ($1 bigint[]) written into tranche $2:
 * the ledger rows of those vacancies are replaced by their recomputed
 * contributions and the difference is added to both counter tables, keys in
 * order (so two writers sharing a tranche lock rows in the same order).
 */
static char *
texte_recompte(void)
{
	StringInfoData q;

	initStringInfo(&q);
	appendStringInfoString(&q,
						   "WITH anciennes_contributions AS ("
						   " DELETE FROM " FLUX_SCHEMA ".contribution c WHERE c.vacance_id = ANY ($1) RETURNING c.*"
						   "), nouvelles_contributions AS ("
						   " INSERT INTO " FLUX_SCHEMA ".contribution"
						   " SELECT * FROM " FLUX_SCHEMA ".contribution_calculee k WHERE k.vacance_id = ANY ($1)"
						   " RETURNING *"
						   "), delta AS ("
						   " SELECT 1 AS signe, * FROM nouvelles_contributions"
						   " UNION ALL SELECT -1, * FROM anciennes_contributions"
						   "), compteur_ecrit AS ("
						   " INSERT INTO " FLUX_SCHEMA ".compteur AS t (" CLE_COMPTEUR ", tranche, ");
	lister(&q, "%s", ", ");
	appendStringInfoString(&q, ") SELECT " CLE_COMPTEUR ", $2, ");
	lister(&q, "sum(signe * %s)", ", ");
	appendStringInfoString(&q, " FROM delta GROUP BY " CLE_COMPTEUR " HAVING ");
	lister(&q, "sum(signe * %s) <> 0", " OR ");
	appendStringInfoString(&q, " ORDER BY " CLE_COMPTEUR
						   " ON CONFLICT (" CLE_COMPTEUR ", tranche) DO UPDATE SET ");
	lister(&q, "%s = t.%s + excluded.%s", ", ");
	appendStringInfoString(&q,
						   ") INSERT INTO " FLUX_SCHEMA ".compteur_bilan AS t (" CLE_BILAN ", tranche, proposes, attribues)"
						   " SELECT " CLE_BILAN ", $2, sum(signe * (en_cours + attribuees + carences + echecs + retirees)),"
						   " sum(signe * baux)"
						   " FROM delta WHERE dans_flux GROUP BY " CLE_BILAN
						   " HAVING sum(signe * (en_cours + attribuees + carences + echecs + retirees)) <> 0"
						   " OR sum(signe * baux) <> 0"
						   " ORDER BY " CLE_BILAN
						   " ON CONFLICT (" CLE_BILAN ", tranche) DO UPDATE SET"
						   " proposes = t.proposes + excluded.proposes, attribues = t.attribues + excluded.attribues");
	return q.data;
}

static inline bool
a_preparer(Plans plans)
{
	return plans[taille] == NULL || !SPI_plan_is_valid(plans[taille]);
}

/*
 * Prepares and keeps the plan of the current size, freeing the stale one it
 * replaces; returns it.
 */
static SPIPlanPtr
preparer(Plans plans, const char *sql, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan;

	if (plans[taille] != NULL)
		SPI_freeplan(plans[taille]);
	plans[taille] = NULL;
	plan = SPI_prepare_cursor(sql, nargs, argtypes,
							  taille == PETIT ? CURSOR_OPT_GENERIC_PLAN : CURSOR_OPT_CUSTOM_PLAN);
	if (plan == NULL)
		elog(ERROR, "flux_mgmt: SPI_prepare failed (%s) for: %s",
			 SPI_result_code_string(SPI_result), sql);
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "flux_mgmt: SPI_keepplan failed");
	plans[taille] = plan;
	return plan;
}

/* The plan of the current size, prepared when missing or stale. */
#define PLAN(plans, sql, nargs, types) \
	(a_preparer(plans) ? preparer((plans), (sql), (nargs), (types)) : (plans)[taille])

static const Sorte *
trouver_sorte(Relation rel, int evenement)
{
	const char *table = RelationGetRelationName(rel);

	if (strcmp(get_namespace_name(RelationGetNamespace(rel)), FLUX_SCHEMA) == 0)
		for (size_t i = 0; i < lengthof(sortes); i++)
			if (sortes[i].evenement == evenement && strcmp(sortes[i].table, table) == 0)
				return &sortes[i];
	ereport(ERROR,
			(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
			 errmsg("flux_mgmt counter trigger fired on an unexpected table or event: \"%s\"",
					RelationGetRelationName(rel)),
			 errhint("The extension creates these triggers itself; do not attach the function elsewhere.")));
	return NULL;				/* keep the compiler quiet */
}

/*
 * The first statement of a trigger: the vacancies it touched, locked (so that
 * two transactions recount a vacancy one after the other: under READ
 * COMMITTED the recount, a later statement, sees the other's work), and the
 * first row breaking a rule, if any.  One statement rather than three.
 */
static char *
texte_preparation(const Sorte *sorte)
{
	return MemoryContextStrdup(TopMemoryContext,
							   psprintf("WITH t (vacances, a_verifier) AS (%s),"
										/* t in a sub-select: a relation of a locking join would be copied into every row */
										" verrou AS (SELECT count(*) FROM (SELECT FROM unnest((SELECT vacances FROM t)) u (id)"
										" JOIN " FLUX_SCHEMA ".vacance v ON v.id = u.id ORDER BY v.id FOR NO KEY UPDATE OF v) x)"
										" SELECT t.vacances, i.id, i.regle FROM t CROSS JOIN verrou"
										" LEFT JOIN LATERAL (%s) i ON true",
										sorte->touchees,
										sorte->infraction ? sorte->infraction
										: "SELECT NULL::bigint AS id, NULL::text AS regle WHERE false"));
}

/* The plans of a trigger, prepared on first use (in an SPI connection). */
static PlansDeclencheur *
plans_de(TriggerData *td, int evenement)
{
	Oid			tgoid = td->tg_trigger->tgoid;
	Oid			relid = RelationGetRelid(td->tg_relation);
	PlansDeclencheur *p;
	bool		trouve;

	if (plans_declencheurs == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(PlansDeclencheur);
		plans_declencheurs = hash_create("flux_mgmt counter trigger plans", 16, &ctl,
										 HASH_ELEM | HASH_BLOBS);
	}
	p = hash_search(plans_declencheurs, &tgoid, HASH_ENTER, &trouve);
	if (!trouve || p->relid != relid || p->evenement != evenement)
	{
		/* new, or an OID reused by another trigger: start over */
		p->relid = relid;
		p->evenement = evenement;
		p->sorte = trouver_sorte(td->tg_relation, evenement);
		p->preparation = texte_preparation(p->sorte);
		memset(p->touchees, 0, sizeof(Plans));
		memset(p->effet, 0, sizeof(Plans));
	}
	(void) PLAN(p->touchees, p->preparation, 0, NULL);
	if (p->sorte->effet)
		(void) PLAN(p->effet, p->sorte->effet, 0, NULL);
	return p;
}

/* Trigger protocol: an AFTER … FOR EACH STATEMENT trigger with the expected transition tables. */
static int
verifier_protocole(FunctionCallInfo fcinfo)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Trigger    *tg;
	int			evenement;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"compteurs_apres\" was not called by trigger manager")));
	if (!TRIGGER_FIRED_AFTER(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"compteurs_apres\" must be fired AFTER … FOR EACH STATEMENT")));
	evenement = td->tg_event & TRIGGER_EVENT_OPMASK;
	tg = td->tg_trigger;
	if ((evenement != TRIGGER_EVENT_DELETE &&
		 (tg->tgnewtable == NULL || strcmp(tg->tgnewtable, "nouvelles") != 0)) ||
		(evenement != TRIGGER_EVENT_INSERT &&
		 (tg->tgoldtable == NULL || strcmp(tg->tgoldtable, "anciennes") != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("trigger \"%s\" must name its transition tables anciennes and nouvelles", tg->tgname)));
	return evenement;
}

/* Runs a kept plan; the SPI result code must be one of the two given. */
static void
executer(SPIPlanPtr plan, Datum *valeurs, const char *nulls, int attendu)
{
	int			rc = SPI_execute_plan(plan, valeurs, nulls, false, 0);

	if (rc != attendu)
		elog(ERROR, "flux_mgmt: unexpected SPI result %s", SPI_result_code_string(rc));
}

/*
 * A row of the statement breaks a rule: the SQL function
 * signaler_infraction() raises the error that explains it.
 */
static void
signaler(Datum id, Datum regle)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		valeurs[2] = {regle, id};

	executer(PLAN(plan_signaler, "SELECT " FLUX_SCHEMA ".signaler_infraction($1, $2)", 2, types),
			 valeurs, NULL, SPI_OK_SELECT);
	/* signaler_infraction() raises for every rule; not reached */
	elog(ERROR, "flux_mgmt: rule \"%s\" broken without an explanation", TextDatumGetCString(regle));
}

/*
 * Recounts the vacancies (locked by the first statement).  Under REPEATABLE
 * READ or SERIALIZABLE the recount's snapshot is the transaction's, older
 * than the lock: the vacancy rows are also updated, so that a concurrent
 * recount of one of them fails with a serialization error rather than count
 * from stale data.
 */
static void
recompter(Datum vacances)
{
	Oid			types[2] = {INT8ARRAYOID, INT2OID};
	Datum		valeurs[2];

	valeurs[0] = vacances;
	valeurs[1] = Int16GetDatum(FLUX_BACKEND_SLOT() % FLUX_TRANCHES);
	if (IsolationUsesXactSnapshot())
	{
		SPIPlanPtr	verrou = PLAN(plan_verrou_instantane,
								  "UPDATE " FLUX_SCHEMA ".vacance v SET id = v.id WHERE v.id = ANY ($1)", 1, types);

		comptage_suspendu++;
		PG_TRY();
		{
			executer(verrou, valeurs, NULL, SPI_OK_UPDATE);
		}
		PG_FINALLY();
		{
			comptage_suspendu--;
		}
		PG_END_TRY();
	}
	if (a_preparer(plan_recompte))
		(void) preparer(plan_recompte, texte_recompte(), 2, types);
	executer(plan_recompte[taille], valeurs, NULL, SPI_OK_INSERT);
}

/* The side effect of a statement (an orientation's issue follows its attribution). */
static void
appliquer_effet(SPIPlanPtr effet)
{
	int			rc;

	comptage_suspendu++;
	PG_TRY();
	{
		rc = SPI_execute_plan(effet, NULL, NULL, false, 0);
		if (rc != SPI_OK_UPDATE)
			elog(ERROR, "flux_mgmt: unexpected SPI result %s", SPI_result_code_string(rc));
	}
	PG_FINALLY();
	{
		comptage_suspendu--;
	}
	PG_END_TRY();
}

/* Sets a GUC until the end of the trigger (its GUC nest level). */
static void
regler(const char *nom, const char *valeur)
{
	(void) set_config_option(nom, valeur, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/* PETIT when the statement wrote a few rows, GRAND otherwise. */
static int
taille_de(TriggerData *td)
{
	int64		lignes = 0;

	if (td->tg_newtable)
		lignes = tuplestore_tuple_count(td->tg_newtable);
	if (td->tg_oldtable)
		lignes = Max(lignes, tuplestore_tuple_count(td->tg_oldtable));
	return lignes <= SEUIL_PETIT ? PETIT : GRAND;
}

PG_FUNCTION_INFO_V1(flux_compteurs_apres);
Datum
flux_compteurs_apres(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	int			evenement = verifier_protocole(fcinfo);
	PlansDeclencheur *p;
	Datum		vacances;
	Datum		infraction_id;
	bool		sans_vacances;
	bool		sans_infraction;
	int			niveau_guc;
	int			taille_englobante;

	/*
	 * A statement of an outer trigger of ours (the lock of vacancies, the
	 * issue of an orientation) writes nothing to check, and the outer
	 * trigger recounts every vacancy it touches.
	 */
	if (comptage_suspendu > 0)
		return PointerGetDatum(NULL);

	taille_englobante = taille;	/* a trigger may fire inside another */
	taille = taille_de(td);
	niveau_guc = NewGUCNestLevel();
	regler("enable_seqscan", taille == PETIT ? "off" : "on");
	regler("enable_hashjoin", taille == PETIT ? "off" : "on");
	regler("enable_mergejoin", taille == PETIT ? "off" : "on");
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flux_mgmt: SPI_connect failed");
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "flux_mgmt: SPI_register_trigger_data failed");
	p = plans_de(td, evenement);

	executer(p->touchees[taille], NULL, NULL, SPI_OK_SELECT);
	vacances = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &sans_vacances);
	infraction_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &sans_infraction);
	if (!sans_infraction)
		signaler(infraction_id,
				 SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &sans_infraction));
	if (p->sorte->effet)
		appliquer_effet(p->effet[taille]);
	if (!sans_vacances)
		recompter(vacances);

	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "flux_mgmt: SPI_finish failed");
	AtEOXact_GUC(true, niveau_guc);
	taille = taille_englobante;
	return PointerGetDatum(NULL);
}
