/*-------------------------------------------------------------------------
 *
 * compteurs.c
 *		The counter triggers: they keep flux_mgmt.compteur, compteur_bilan and
 *		compteur_moteur equal to a recount of the events.
 *
 * One AFTER ... FOR EACH STATEMENT trigger function serves every table whose
 * changes move the counters (vacance, orientation, attribution, logement,
 * convention).  For a statement it
 *
 *	1. for attribution, keeps the orientation's issue in step with it;
 *	2. reads the statement's transition tables (named "anciennes" and
 *	   "nouvelles") to find the vacancies it touched, locks them, and looks
 *	   up the rows it wrote that break a rule (views flux_mgmt.*_infraction):
 *	   one query;
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
 * backend's slot, or the test-only setting flux_mgmt.tranche), so concurrent
 * transactions charging the same réservataire do not queue on one row;
 * readers sum over the tranches.
 *
 * Plans are prepared once per trigger and kept (ri_triggers.c style), keyed
 * by trigger OID; a plan found invalid is freed and prepared again.  The SQL
 * names its objects in full and runs under a pinned search_path (pg_catalog,
 * then the extension's schema), set in the trigger's own GUC nest level with
 * its planner settings: a function or operator that a user planted in a schema
 * of the caller's path (public.unnest(bigint[]), =(regime, regime)…) would
 * otherwise be chosen over pg_catalog's for a better-matching argument type,
 * and run with the writer's rights.  The path is the same at every call, so
 * the kept plans stay valid.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"

#include "flux_mgmt.h"
#include "acces.h"

/* Rows a counter key is spread over; readers sum over them. */
#define FLUX_TRANCHES 8

/*
 * The GUC flux_mgmt.tranche, for tests only (defined by _PG_init(),
 * src/flux_mgmt.c; declared here rather than in flux_mgmt.h): -1, the
 * default, writes into the backend slot's tranche; 0 to FLUX_TRANCHES - 1
 * makes every counter write of the session go to that tranche, so that two
 * sessions charging one key update the same rows and the isolation specs can
 * show one waiting for the other.  A superuser's setting (PGC_SUSET): a role
 * choosing its tranche could queue its writes with everybody else's.
 */
int			flux_tranche_imposee = -1;
const int	flux_nombre_tranches = FLUX_TRANCHES;

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
	const char *verrou;			/* the codes of the landlords to lock first, or NULL */
	const char *verrou_instantane;	/* and under a transaction snapshot, or NULL */
	LOCKMODE	mode_verrou;	/* ShareLock or ExclusiveLock */
	const char *touchees;
	const char *infraction;
	const char *effet;
	const char *verrou_prealable;	/* run before the landlords' lock, or NULL */
} Sorte;

/*
 * Events lock their landlords shared, conventions and corrections exclusive,
 * each before anything else (src/verrous.c says why and how).  The lock
 * queries return the landlords' codes.  An event statement whose snapshot is
 * the transaction's (REPEATABLE READ, SERIALIZABLE) also share-locks the
 * landlords' rows: a correction committed after its snapshot updated them,
 * and it fails to serialize.  The corrections of a dwelling or a vacancy,
 * rare and read by the rules of the orientations, lock exclusively too.
 */
/* three initializers of Sorte: verrou, verrou_instantane, mode_verrou */
#define PARTAGE(par) \
	"SELECT y.code FROM (" par ") y (code)", \
	"SELECT FROM " FLUX_SCHEMA ".bailleur b WHERE b.code IN (" par ") ORDER BY b.code FOR SHARE", \
	ShareLock
#define EXCLUSIF(par) \
	"SELECT y.code FROM (" par ") y (code)", \
	NULL, \
	ExclusiveLock
#define DE_VACANCES(ids) \
	"SELECT l.bailleur FROM " FLUX_SCHEMA ".vacance v JOIN " FLUX_SCHEMA ".logement l ON l.id = v.logement_id" \
	" WHERE v.id IN (" ids ")"
#define DE_ORIENTATIONS(ids) \
	DE_VACANCES("SELECT o.vacance_id FROM " FLUX_SCHEMA ".orientation o WHERE o.id IN (" ids ")")

/*
 * The first of the rows found, by id.  The rows are found in a subquery
 * behind OFFSET 0, planned for all its rows: planned under the LIMIT, the
 * lookup became a walk of the table's primary key in id order, stopping at
 * the first row breaking a rule, that is, reading the whole table when none
 * does (every orientation, at each orientation recorded).
 */
#define PREMIERE_INFRACTION(lignes) \
	"SELECT i.id, i.regle FROM (" lignes " OFFSET 0) i ORDER BY i.id LIMIT 1"
#define INFRACTION(vue, filtre) \
	PREMIERE_INFRACTION("SELECT x.id, x.regle FROM " FLUX_SCHEMA "." vue " x" \
						" WHERE x.id IN (SELECT unnest(t.a_verifier))" filtre)
/* t.a_verifier holds vacancies: their rules and their orientations' */
#define INFRACTION_VACANCES \
	PREMIERE_INFRACTION("SELECT x.id, x.regle FROM " FLUX_SCHEMA ".vacance_infraction x" \
						" WHERE x.id IN (SELECT unnest(t.a_verifier))" \
						" UNION ALL SELECT x.id, x.regle FROM " FLUX_SCHEMA ".orientation_infraction x" \
						" WHERE x.id IN (SELECT o.id FROM " FLUX_SCHEMA ".orientation o" \
						" WHERE o.vacance_id IN (SELECT unnest(t.a_verifier)))")

/*
 * An orientation that is closed, or later than the CALEOL, keeps its issue:
 * the rule check then refuses the attribution with its own explanation
 * (the lease, after the CALEOL, would break the orientation's dates first).
 */
#define ORIENTATION_FERMEE \
	"UPDATE " FLUX_SCHEMA ".orientation o SET issue = 'attribuee', date_issue = n.date_bail" \
	" FROM nouvelles n WHERE o.id = n.orientation_id AND o.issue IN ('en_cours', 'attribuee')" \
	" AND n.date_caleol >= o.date_orientation" \
	" AND (o.issue, o.date_issue) IS DISTINCT FROM ('attribuee', n.date_bail)"
#define ORIENTATION_ROUVERTE(ids) \
	"UPDATE " FLUX_SCHEMA ".orientation o SET issue = 'en_cours', date_issue = NULL" \
	" WHERE o.id IN (" ids ") AND o.issue = 'attribuee'"

/*
 * A change of management (gestion, 0.2) moves no count but may put carences
 * under delegated management: read through to_jsonb, so that the text also
 * runs on a 0.1 schema without the column.
 */
#define CONVENTION_CHANGEE \
	"((n.bailleur, n.reservataire, n.departement, n.annee_debut, n.annee_fin, n.mode_decompte)" \
	" IS DISTINCT FROM (a.bailleur, a.reservataire, a.departement, a.annee_debut, a.annee_fin, a.mode_decompte)" \
	" OR to_jsonb(n) -> 'gestion' IS DISTINCT FROM to_jsonb(a) -> 'gestion')"

/* A flux orientation needs a convention: its réservataire's landlords are those of its conventions. */
#define DE_CONVENTIONS(reservataires) \
	"SELECT c.bailleur FROM " FLUX_SCHEMA ".convention c WHERE c.reservataire IN (" reservataires ")"

/*
 * A territory's change finds its landlords through the réservataire's
 * conventions: a convention being written in another transaction holds its
 * réservataire's row in share mode (verifier_conventions_ecrites()), so the
 * row is locked first, in a statement of its own; the landlords are then read
 * with a snapshot that sees that convention.
 */
#define RESERVATAIRES_DE_ANCIENNES \
	"SELECT FROM " FLUX_SCHEMA ".reservataire r WHERE r.code IN (SELECT reservataire FROM anciennes)" \
	" ORDER BY r.code FOR NO KEY UPDATE"

/* The vacancies and orientations of (reservataire, commune) pairs. */
#define ORIENTATIONS_EN_TERRITOIRE(paires) \
	"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)" \
	" FROM (" paires ") t" \
	" JOIN " FLUX_SCHEMA ".orientation o ON o.reservataire = t.reservataire" \
	" JOIN " FLUX_SCHEMA ".vacance v ON v.id = o.vacance_id" \
	" JOIN " FLUX_SCHEMA ".logement l ON l.id = v.logement_id AND l.commune OPERATOR(" FLUX_SCHEMA ".=) t.commune"

/* The orientations covered by a set of conventions. */
#define ORIENTATIONS_SOUS(conventions) \
	" FROM (" conventions ") c" \
	" JOIN " FLUX_SCHEMA ".orientation o ON o.reservataire = c.reservataire" \
	" AND date_part('year', o.date_orientation) BETWEEN c.annee_debut AND coalesce(c.annee_fin, 9999)" \
	" JOIN " FLUX_SCHEMA ".vacance v ON v.id = o.vacance_id" \
	" JOIN " FLUX_SCHEMA ".logement l ON l.id = v.logement_id" \
	" AND l.bailleur = c.bailleur AND " FLUX_SCHEMA ".departement(l.commune) = c.departement"

static const Sorte sortes[] = {
	/* a new vacancy is checked against its dwelling's ownership: against a sale being recorded too */
	{"vacance", TRIGGER_EVENT_INSERT,
		PARTAGE("SELECT l.bailleur FROM " FLUX_SCHEMA ".logement l WHERE l.id IN (SELECT logement_id FROM nouvelles)"),
		"SELECT NULL::bigint[], array_agg(n.id) FROM nouvelles n",
		INFRACTION("vacance_infraction", ""), NULL, NULL},
	{"vacance", TRIGGER_EVENT_UPDATE,
		EXCLUSIF(DE_VACANCES("SELECT id FROM nouvelles UNION SELECT id FROM anciennes")),
		"SELECT array_agg(n.id), array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.logement_id, n.date_liberation) IS DISTINCT FROM (a.logement_id, a.date_liberation))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION_VACANCES, NULL, NULL},
	{"orientation", TRIGGER_EVENT_INSERT,
		PARTAGE(DE_VACANCES("SELECT vacance_id FROM nouvelles")),
		"SELECT array_agg(DISTINCT n.vacance_id), array_agg(n.id) FROM nouvelles n",
		INFRACTION("orientation_infraction", ""), NULL, NULL},
	{"orientation", TRIGGER_EVENT_UPDATE,
		PARTAGE(DE_VACANCES("SELECT vacance_id FROM nouvelles UNION SELECT vacance_id FROM anciennes")),
		"SELECT ARRAY(SELECT vacance_id FROM nouvelles UNION SELECT vacance_id FROM anciennes),"
		" array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.vacance_id, n.reservataire, n.soustraction, n.date_orientation, n.issue)"
		" IS DISTINCT FROM (a.vacance_id, a.reservataire, a.soustraction, a.date_orientation, a.issue))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION("orientation_infraction", ""), NULL, NULL},
	{"orientation", TRIGGER_EVENT_DELETE,
		PARTAGE(DE_VACANCES("SELECT vacance_id FROM anciennes")),
		"SELECT array_agg(DISTINCT a.vacance_id), NULL::bigint[] FROM anciennes a",
		NULL, NULL, NULL},
	{"attribution", TRIGGER_EVENT_INSERT,
		PARTAGE(DE_ORIENTATIONS("SELECT orientation_id FROM nouvelles")),
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(n.id)"
		" FROM nouvelles n JOIN " FLUX_SCHEMA ".orientation o ON o.id = n.orientation_id",
		INFRACTION("attribution_infraction", ""), ORIENTATION_FERMEE, NULL},
	{"attribution", TRIGGER_EVENT_UPDATE,
		PARTAGE(DE_ORIENTATIONS("SELECT orientation_id FROM nouvelles UNION SELECT orientation_id FROM anciennes")),
		"SELECT ARRAY(SELECT o.vacance_id FROM " FLUX_SCHEMA ".orientation o"
		" WHERE o.id IN (SELECT orientation_id FROM nouvelles UNION SELECT orientation_id FROM anciennes)),"
		" array_agg(n.id) FILTER (WHERE a.id IS NULL"
		" OR (n.orientation_id, n.date_caleol) IS DISTINCT FROM (a.orientation_id, a.date_caleol))"
		" FROM nouvelles n LEFT JOIN anciennes a USING (id)",
		INFRACTION("attribution_infraction", ""),
		"WITH rouvertes AS (" ORIENTATION_ROUVERTE("SELECT orientation_id FROM anciennes"
												   " EXCEPT SELECT orientation_id FROM nouvelles") ") "
		ORIENTATION_FERMEE, NULL},
	{"attribution", TRIGGER_EVENT_DELETE,
		PARTAGE(DE_ORIENTATIONS("SELECT orientation_id FROM anciennes")),
		"SELECT array_agg(DISTINCT o.vacance_id), NULL::bigint[]"
		" FROM anciennes a JOIN " FLUX_SCHEMA ".orientation o ON o.id = a.orientation_id",
		NULL, ORIENTATION_ROUVERTE("SELECT orientation_id FROM anciennes"), NULL},
	/* a dwelling's change moves its vacancies' counts and may break their orientations' rules */
	{"logement", TRIGGER_EVENT_UPDATE,
		EXCLUSIF("SELECT bailleur FROM nouvelles UNION SELECT bailleur FROM anciennes"),
		"WITH changes AS (SELECT n.id FROM nouvelles n JOIN anciennes a USING (id)"
		" WHERE (n.bailleur, n.nb_pieces, n.financement, n.qpv, n.annee_construction, n.regime,"
		" n.reservataire_stock, n.mise_en_service, n.sortie)"
		" IS DISTINCT FROM (a.bailleur, a.nb_pieces, a.financement, a.qpv, a.annee_construction, a.regime,"
		" a.reservataire_stock, a.mise_en_service, a.sortie)"
		" OR n.commune OPERATOR(" FLUX_SCHEMA ".<>) a.commune),"
		" touchees AS (SELECT v.id FROM " FLUX_SCHEMA ".vacance v WHERE v.logement_id IN (SELECT id FROM changes))"
		" SELECT (SELECT array_agg(id) FROM touchees), (SELECT array_agg(id) FROM touchees)",
		INFRACTION_VACANCES, NULL, NULL},
	/* a territory narrowed, or a réservataire that becomes territorial, may leave orientations outside */
	{"territoire", TRIGGER_EVENT_UPDATE,
		EXCLUSIF(DE_CONVENTIONS("SELECT reservataire FROM anciennes")),
		ORIENTATIONS_EN_TERRITOIRE("SELECT reservataire, commune FROM anciennes"),
		INFRACTION("orientation_infraction", " AND x.regle = 'hors_territoire'"), NULL, RESERVATAIRES_DE_ANCIENNES},
	{"territoire", TRIGGER_EVENT_DELETE,
		EXCLUSIF(DE_CONVENTIONS("SELECT reservataire FROM anciennes")),
		ORIENTATIONS_EN_TERRITOIRE("SELECT reservataire, commune FROM anciennes"),
		INFRACTION("orientation_infraction", " AND x.regle = 'hors_territoire'"), NULL, RESERVATAIRES_DE_ANCIENNES},
	{"reservataire", TRIGGER_EVENT_UPDATE,
		EXCLUSIF(DE_CONVENTIONS("SELECT code FROM nouvelles")),
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)"
		" FROM nouvelles n JOIN anciennes a USING (code)"
		" JOIN " FLUX_SCHEMA ".orientation o ON o.reservataire = n.code WHERE n.type IS DISTINCT FROM a.type",
		INFRACTION("orientation_infraction", " AND x.regle = 'hors_territoire'"), NULL, NULL},
	/* conventions: the orientations they cover, before and after (a change of mode moves charges) */
	/* a restore loads conventions after the events: their charges follow them */
	{"convention", TRIGGER_EVENT_INSERT,
		EXCLUSIF("SELECT bailleur FROM nouvelles"),
		"SELECT array_agg(DISTINCT o.vacance_id), NULL::bigint[]"
		ORIENTATIONS_SOUS("SELECT * FROM nouvelles"),
		NULL, NULL, NULL},
	{"convention", TRIGGER_EVENT_UPDATE,
		EXCLUSIF("SELECT bailleur FROM nouvelles UNION SELECT bailleur FROM anciennes"),
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)"
		ORIENTATIONS_SOUS("SELECT a.* FROM anciennes a JOIN nouvelles n USING (id) WHERE " CONVENTION_CHANGEE
						  " UNION ALL SELECT n.* FROM nouvelles n JOIN anciennes a USING (id) WHERE " CONVENTION_CHANGEE),
		INFRACTION("orientation_infraction", " AND x.regle IN ('sans_convention', 'carence_deleguee')"), NULL, NULL},
	{"convention", TRIGGER_EVENT_DELETE,
		EXCLUSIF("SELECT bailleur FROM anciennes"),
		"SELECT array_agg(DISTINCT o.vacance_id), array_agg(DISTINCT o.id)"
		ORIENTATIONS_SOUS("SELECT * FROM anciennes"),
		INFRACTION("orientation_infraction", " AND x.regle = 'sans_convention'"), NULL, NULL},
};

/*
 * A statement touching a few rows (an event recorded by an application) runs
 * a kept generic plan, made with sequential scans, hash and merge joins
 * disabled: its queries look up a few keys, and a plan made while the tables
 * were small or freshly analyzed empty would otherwise scan them whole for
 * ever after.  A statement touching many rows (COPY, a bulk UPDATE) is planned
 * anew for its actual size: a kept plan of a query without parameters would
 * be made once, for the size of the first one.
 */
#define PETIT	0
#define GRAND	1
#define SEUIL_PETIT 200			/* rows of a transition table, or vacancies */


/* The plans of one trigger, kept across calls. */
typedef struct PlansDeclencheur
{
	Oid			tgoid;			/* hash key */
	Oid			relid;			/* the table it was prepared for */
	int			evenement;
	const Sorte *sorte;
	char	   *preparation;	/* see texte_preparation() */
	SPIPlanPtr	verrou_prealable;
	SPIPlanPtr	verrou;
	SPIPlanPtr	verrou_instantane;
	SPIPlanPtr	touchees;
	SPIPlanPtr	effet;
} PlansDeclencheur;

static HTAB *plans_declencheurs = NULL;
static SPIPlanPtr plan_verrou_instantane;
static SPIPlanPtr plan_signaler;
static SPIPlanPtr plan_recompte[3];	/* by layout: 0.1, 0.2 without compteur_moteur (mid-update), 0.2 */
static char *sql_recompte[3];

/* PETIT or GRAND, for the statement being counted */
static int	taille = PETIT;

/*
 * While a trigger runs a statement of its own (the issue of an orientation,
 * the lock of vacancies), the triggers that statement fires must not count:
 * the outer trigger recounts every vacancy involved.
 */
static int	comptage_suspendu = 0;

/*
 * The counter columns of contribution, compteur (compteur_bilan sums them).
 * The last, imputees, came with 0.2: a database still at 0.1 (between the
 * install of the new library and ALTER EXTENSION ... UPDATE) is counted
 * without it.
 */
static const char *const compteurs[] = {
	"en_cours", "attribuees", "carences", "echecs", "retirees", "decomptes",
	"baux", "hors_qpv", "q1_hors_qpv", "q234_en_qpv", "prioritaires", "imputees"
};
#define COMPTEURS_0_1 11

#define CLE_COMPTEUR "bailleur, annee, commune, reservataire, soustraction, dans_flux"
#define CLE_BILAN "bailleur, annee, commune, reservataire, typologie, financement, qpv, periode"

/* Appends the model once per counter column (each %s is the column), separated. */
static void
lister(StringInfo buf, const char *modele, const char *separateur, int nb_compteurs)
{
	for (int i = 0; i < nb_compteurs; i++)
	{
		if (i > 0)
			appendStringInfoString(buf, separateur);
		appendStringInfo(buf, modele, compteurs[i], compteurs[i], compteurs[i]);
	}
}

#define CLE_MOTEUR "bailleur, annee, departement, reservataire"
#define PROPOSES "(en_cours + attribuees + carences + echecs + retirees)"

/*
 * The recount of a set of vacancies ($1 bigint[]) written into tranche $2:
 * the ledger rows of those vacancies are replaced by their recomputed
 * contributions and the difference is added to the counter tables, keys in
 * order (so two writers sharing a tranche lock rows in the same order).
 * With moteur, the statement returns compteur_moteur's differences instead
 * of writing them: they wait for the end of the transaction with the fast
 * path's (src/en_attente.c), since every writer of a landlord's département
 * shares those rows.  The writes run in the order compteur_bilan, compteur
 * (PostgreSQL runs the data-modifying CTEs that the query does not read
 * after it, the last first), then compteur_moteur at the end, the order of
 * the write at the end too.
 */
static char *
texte_recompte(int nb_compteurs, bool moteur)
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
	lister(&q, "%s", ", ", nb_compteurs);
	appendStringInfoString(&q, ") SELECT " CLE_COMPTEUR ", $2, ");
	lister(&q, "sum(signe * %s)", ", ", nb_compteurs);
	appendStringInfoString(&q, " FROM delta GROUP BY " CLE_COMPTEUR " HAVING ");
	lister(&q, "sum(signe * %s) <> 0", " OR ", nb_compteurs);
	appendStringInfoString(&q, " ORDER BY " CLE_COMPTEUR
						   " ON CONFLICT (" CLE_COMPTEUR ", tranche) DO UPDATE SET ");
	lister(&q, "%s = t.%s + excluded.%s", ", ", nb_compteurs);
	appendStringInfoString(&q, moteur ? "), bilan_ecrit AS (" : ") ");
	appendStringInfoString(&q,
						   "INSERT INTO " FLUX_SCHEMA ".compteur_bilan AS t (" CLE_BILAN ", tranche, proposes, attribues)"
						   " SELECT " CLE_BILAN ", $2, sum(signe * " PROPOSES "), sum(signe * baux)"
						   " FROM delta WHERE dans_flux GROUP BY " CLE_BILAN
						   " HAVING sum(signe * " PROPOSES ") <> 0 OR sum(signe * baux) <> 0"
						   " ORDER BY " CLE_BILAN
						   " ON CONFLICT (" CLE_BILAN ", tranche) DO UPDATE SET"
						   " proposes = t.proposes + excluded.proposes, attribues = t.attribues + excluded.attribues");
	if (moteur)
		appendStringInfoString(&q,
							   ") SELECT " CLE_MOTEUR ", sum(signe * imputees), sum(signe * " PROPOSES "),"
							   " coalesce(sum(signe * " PROPOSES ") FILTER (WHERE NOT qpv), 0)"
							   " FROM (SELECT *, " FLUX_SCHEMA ".departement(commune) AS departement FROM delta"
							   " WHERE dans_flux) AS d GROUP BY " CLE_MOTEUR
							   " HAVING sum(signe * imputees) <> 0 OR sum(signe * " PROPOSES ") <> 0"
							   " OR sum(signe * " PROPOSES ") FILTER (WHERE NOT qpv) <> 0");
	return q.data;
}

/* Prepares and keeps a generic plan, freeing the stale one it replaces. */
static SPIPlanPtr
preparer(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes)
{
	if (*plan != NULL && SPI_plan_is_valid(*plan))
		return *plan;
	if (*plan != NULL)
		SPI_freeplan(*plan);
	*plan = SPI_prepare_cursor(sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (*plan == NULL)
		elog(ERROR, "flux_mgmt: SPI_prepare failed (%s) for: %s",
			 SPI_result_code_string(SPI_result), sql);
	if (SPI_keepplan(*plan) != 0)
		elog(ERROR, "flux_mgmt: SPI_keepplan failed");
	return *plan;
}

/*
 * Runs one of the trigger's statements: its kept plan for a small statement,
 * a plan made for this execution for a large one.
 */
static void
executer(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, Datum *valeurs, int attendu)
{
	int			rc;

	if (taille == PETIT)
		rc = SPI_execute_plan(preparer(plan, sql, nargs, types), valeurs, NULL, false, 0);
	else
		rc = SPI_execute_with_args(sql, nargs, types, valeurs, NULL, false, 0);
	if (rc != attendu)
		elog(ERROR, "flux_mgmt: unexpected SPI result %s", SPI_result_code_string(rc));
}

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
	p = hash_search(plans_declencheurs, &tgoid, HASH_FIND, &trouve);
	if (!trouve || p->relid != relid || p->evenement != evenement)
	{
		/* new, or an OID reused by another trigger: start over */
		const Sorte *sorte = trouver_sorte(td->tg_relation, evenement);	/* may raise: before entering */

		if (trouve)
		{
			if (p->verrou_prealable)
				SPI_freeplan(p->verrou_prealable);
			if (p->verrou)
				SPI_freeplan(p->verrou);
			if (p->verrou_instantane)
				SPI_freeplan(p->verrou_instantane);
			if (p->touchees)
				SPI_freeplan(p->touchees);
			if (p->effet)
				SPI_freeplan(p->effet);
			pfree(p->preparation);
		}
		p = hash_search(plans_declencheurs, &tgoid, HASH_ENTER, &trouve);
		p->relid = relid;
		p->evenement = evenement;
		p->sorte = sorte;
		p->preparation = texte_preparation(sorte);
		p->verrou_prealable = p->verrou = p->verrou_instantane = p->touchees = p->effet = NULL;
	}
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

/*
 * A row of the statement breaks a rule: the SQL function
 * signaler_infraction() raises the error that explains it.
 */
static void
signaler(Datum id, Datum regle)
{
	Oid			types[2] = {TEXTOID, INT8OID};
	Datum		valeurs[2] = {regle, id};

	executer(&plan_signaler, "SELECT " FLUX_SCHEMA ".signaler_infraction($1, $2)", 2, types,
			 valeurs, SPI_OK_SELECT);
	/* signaler_infraction() raises for every rule; not reached */
	elog(ERROR, "flux_mgmt: rule \"%s\" broken without an explanation", TextDatumGetCString(regle));
}

/* The tranche this backend writes the counters into. */
int
flux_tranche(void)
{
	return flux_tranche_imposee >= 0 ? flux_tranche_imposee : FLUX_BACKEND_SLOT() % FLUX_TRANCHES;
}

/* compteur_moteur's differences the recount returned, left to the end of the transaction. */
static void
differer_moteur(SPITupleTable *t, uint64 n)
{
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tup = t->vals[i];
		bool		nul[7];
		Datum		v[7];

		for (int c = 0; c < 7; c++)
			v[c] = SPI_getbinval(tup, t->tupdesc, c + 1, &nul[c]);
		/* bailleur, annee, departement, reservataire, imputees, proposes, proposes_hors_qpv */
		flux_differer_moteur(v[0], DatumGetInt32(v[1]), v[2], v[3], nul[3],
							 DatumGetInt64(v[4]), DatumGetInt64(v[5]), DatumGetInt64(v[6]));
	}
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
	Oid			compteur = flux_relation("compteur");
	int			schema;			/* 0 at 0.1, 2 at 0.2, 1 in between */

	valeurs[0] = vacances;
	valeurs[1] = Int16GetDatum(flux_tranche());
	if (IsolationUsesXactSnapshot())
	{
		flux_exiger_declencheurs_surs(flux_relation("vacance"));
		comptage_suspendu++;
		PG_TRY();
		{
			executer(&plan_verrou_instantane,
					 "UPDATE " FLUX_SCHEMA ".vacance v SET id = v.id WHERE v.id = ANY ($1)", 1, types,
					 valeurs, SPI_OK_UPDATE);
		}
		PG_FINALLY();
		{
			comptage_suspendu--;
		}
		PG_END_TRY();
	}
	flux_exiger_declencheurs_surs(flux_relation("contribution"));
	flux_exiger_declencheurs_surs(compteur);
	flux_exiger_declencheurs_surs(flux_relation("compteur_bilan"));
	/* one text and plan per layout; ALTER EXTENSION ... UPDATE invalidates the kept plan */
	schema = get_attnum(compteur, compteurs[COMPTEURS_0_1]) == InvalidAttrNumber ? 0
		: !OidIsValid(get_relname_relid("compteur_moteur", get_rel_namespace(compteur))) ? 1 : 2;
	if (sql_recompte[schema] == NULL)
		sql_recompte[schema] = MemoryContextStrdup(TopMemoryContext,
												   texte_recompte(schema > 0 ? lengthof(compteurs) : COMPTEURS_0_1,
																  schema == 2));
	executer(&plan_recompte[schema], sql_recompte[schema], 2, types, valeurs,
			 schema == 2 ? SPI_OK_SELECT : SPI_OK_INSERT);
	if (schema == 2)
		differer_moteur(SPI_tuptable, SPI_processed);
}

/* The side effect of a statement (an orientation's issue follows its attribution). */
static void
appliquer_effet(PlansDeclencheur *p)
{
	flux_exiger_declencheurs_surs(flux_relation("orientation"));
	comptage_suspendu++;
	PG_TRY();
	{
		executer(&p->effet, p->sorte->effet, 0, NULL, NULL, SPI_OK_UPDATE);
	}
	PG_FINALLY();
	{
		comptage_suspendu--;
	}
	PG_END_TRY();
}

/* Locks the landlords of the statement, their codes found by the plan's lock query. */
static void
verrouiller(PlansDeclencheur *p)
{
	int			n;
	Datum	   *codes;
	bool	   *nuls;

	executer(&p->verrou, p->sorte->verrou, 0, NULL, NULL, SPI_OK_SELECT);
	n = (int) SPI_processed;
	if (n == 0)
		return;
	codes = palloc(sizeof(Datum) * Max(n, 1));
	nuls = palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		codes[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &nuls[i]);
	}
	if (p->sorte->mode_verrou == ExclusiveLock)
	{
		int			dims[1] = {n};
		int			lbs[1] = {1};

		flux_verrouiller_exclusif(construct_md_array(codes, nuls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
	}
	else
		flux_verrouiller_codes(codes, nuls, n, p->sorte->mode_verrou);
}

/* Sets a GUC until the end of the trigger (its GUC nest level). */
static void
regler(const char *nom, const char *valeur)
{
	(void) set_config_option(nom, valeur, PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

/* Sets the size of the statements to come, and the planner settings of a small one. */
static void
dimensionner(int t)
{
	taille = t;
	regler("enable_seqscan", taille == PETIT ? "off" : "on");
	regler("enable_hashjoin", taille == PETIT ? "off" : "on");
	regler("enable_mergejoin", taille == PETIT ? "off" : "on");
	regler("plan_cache_mode", "auto");
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
	FluxIdentite avant;

	/*
	 * A statement of an outer trigger of ours (the lock of vacancies, the
	 * issue of an orientation) writes nothing to check, and the outer
	 * trigger recounts every vacancy it touches.
	 */
	if (comptage_suspendu > 0)
		return PointerGetDatum(NULL);

	/* the common events, a few rows at a time: src/chemin_rapide.c */
	if (flux_chemin_rapide_actif && flux_chemin_rapide(td, evenement))
		return PointerGetDatum(NULL);

	taille_englobante = taille;	/* a trigger may fire inside another */
	niveau_guc = NewGUCNestLevel();
	regler("search_path", "pg_catalog, " FLUX_SCHEMA ", pg_temp");
	dimensionner(taille_de(td));
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flux_mgmt: SPI_connect failed");
	if (SPI_register_trigger_data(td) != SPI_OK_TD_REGISTER)
		elog(ERROR, "flux_mgmt: SPI_register_trigger_data failed");
	p = plans_de(td, evenement);
	/*
	 * The rest runs as the owner of the table written (ri_triggers.c does the
	 * same): the writer needs no right on the tables the rules read, and only
	 * the extension writes the counters and the ledger.  An error restores
	 * the writer's identity with the (sub)transaction.  Before each write,
	 * the written table's triggers are checked (src/proprietaire.c).
	 */
	flux_agir_en_proprietaire(td->tg_relation->rd_rel->relowner, &avant);

	if (p->sorte->verrou_prealable)
		executer(&p->verrou_prealable, p->sorte->verrou_prealable, 0, NULL, NULL, SPI_OK_SELECT);
	if (p->sorte->verrou)
		verrouiller(p);
	if (p->sorte->verrou_instantane && IsolationUsesXactSnapshot())
		executer(&p->verrou_instantane, p->sorte->verrou_instantane, 0, NULL, NULL, SPI_OK_SELECT);
	/*
	 * The orientations an attribution closes or reopens are written before
	 * the vacancies are locked: an orientation's own update holds its row,
	 * then locks its vacancy, and the two must take them in that order.
	 */
	if (p->sorte->effet)
		appliquer_effet(p);
	executer(&p->touchees, p->preparation, 0, NULL, NULL, SPI_OK_SELECT);
	vacances = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &sans_vacances);
	infraction_id = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &sans_infraction);
	if (!sans_infraction)
		signaler(infraction_id,
				 SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &sans_infraction));
	if (!sans_vacances)
	{
		/* a small statement may touch many vacancies (a convention's change) */
		if (ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(vacances)), ARR_DIMS(DatumGetArrayTypeP(vacances))) > SEUIL_PETIT)
			dimensionner(GRAND);
		recompter(vacances);
	}

	flux_redevenir(&avant);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "flux_mgmt: SPI_finish failed");
	AtEOXact_GUC(true, niveau_guc);
	taille = taille_englobante;
	return PointerGetDatum(NULL);
}

/*
 * BEFORE … FOR EACH STATEMENT trigger of the derived tables: only their owner
 * writes them, that is, the counter triggers and recalculer_compteurs(),
 * which run as the owner.  A write by any other role, even one granted the
 * right by mistake, would forge a counter.
 */
PG_FUNCTION_INFO_V1(flux_garder_derivees);
Datum
flux_garder_derivees(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"garder_derivees\" was not called by trigger manager")));
	if (!TRIGGER_FIRED_BEFORE(td->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("function \"garder_derivees\" must be fired BEFORE … FOR EACH STATEMENT")));
	/*
	 * The extension's own update script fills what a new version adds, as
	 * whichever superuser runs ALTER EXTENSION ... UPDATE.
	 */
	if (creating_extension && CurrentExtensionObject == get_extension_oid(FLUX_SCHEMA, true))
		return PointerGetDatum(NULL);
	/* a TRUNCATE (the rebuild's) wipes the transaction's pending differences with the rows */
	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event) && GetUserId() == td->tg_relation->rd_rel->relowner)
		flux_ecrire_en_attente();
	if (GetUserId() != td->tg_relation->rd_rel->relowner)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("table %s.%s is written by flux_mgmt only", FLUX_SCHEMA,
						RelationGetRelationName(td->tg_relation)),
				 errdetail("The counters and the ledger are derived from the events: the counter triggers and recalculer_compteurs() write them, as the table's owner."),
				 errhint("Record, correct or delete events instead; to rebuild the counters, run SELECT flux_mgmt.recalculer_compteurs().")));
	return PointerGetDatum(NULL);
}
