/*-------------------------------------------------------------------------
 *
 * verrous.c
 *		The landlord locks: events take them shared, the writers of
 *		conventions and corrections exclusive, each before anything else.
 *
 * Events read conventions (their mode, whether one is in force) and
 * conventions decide how events count: whichever statement comes second must
 * see the first one's work.  A landlord is locked as a heavyweight object
 * lock whose tag is (this database, OID of flux_mgmt.bailleur, hashtext of
 * its code), held to the end of the (sub)transaction:
 *
 *	- no SQL statement can take such a lock: DDL locks objects under the OID
 *	  of a system catalog, advisory locks have a tag of their own.  So a role
 *	  that only reads cannot hold one against a landlord's events (an
 *	  advisory key could be read from pg_locks and taken by anyone);
 *	- it writes no row: no landlord row dirtied by every event, no MultiXact
 *	  when two sessions share it.
 *
 * The exclusive side also updates the landlords' rows in place (as the
 * owner of the table): an event statement whose snapshot is the
 * transaction's (REPEATABLE READ, SERIALIZABLE) share-locks those rows, so
 * that it fails to serialize instead of checking its rows against
 * conventions it cannot see.  Locks are taken in hash order, the order every
 * writer follows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "flux_mgmt.h"

/* The tables whose writers may lock landlords exclusively. */
static const char *const tables_des_ecrivains[] = {
	"convention", "logement", "vacance", "territoire", "reservataire", "droit_stock"
};

static int
comparer_int32(const void *a, const void *b)
{
	int32		x = *(const int32 *) a;
	int32		y = *(const int32 *) b;

	return (x > y) - (x < y);
}

/* The key a landlord's code (text) is locked under. */
int32
flux_cle_bailleur(Datum code)
{
	return DatumGetInt32(DirectFunctionCall1Coll(hashtext, C_COLLATION_OID, code));
}

/* Sorts keys and drops their duplicates; returns how many remain. */
int
flux_trier_cles(int32 *cles, int n)
{
	int			k = 0;

	if (n == 0)
		return 0;
	qsort(cles, n, sizeof(int32), comparer_int32);
	for (int i = 0; i < n; i++)
		if (k == 0 || cles[i] != cles[k - 1])
			cles[k++] = cles[i];
	return k;
}

/*
 * Locks the landlords of keys (flux_cle_bailleur(), duplicates allowed) in
 * mode ShareLock or ExclusiveLock, in key order; leaves the keys sorted
 * without duplicates and returns how many remain.
 */
int
flux_verrouiller_cles(int32 *cles, int n, LOCKMODE mode)
{
	Oid			bailleur = flux_relation("bailleur");
	int			k = flux_trier_cles(cles, n);

	for (int i = 0; i < k; i++)
	{
		CHECK_FOR_INTERRUPTS();
		LockDatabaseObject(bailleur, (Oid) cles[i], 0, mode);
	}
	return k;
}

/* Whether key is among keys (sorted, as flux_verrouiller_cles() leaves them). */
bool
flux_cle_parmi(int32 cle, const int32 *cles, int n)
{
	return bsearch(&cle, cles, n, sizeof(int32), comparer_int32) != NULL;
}

/*
 * Locks the landlords of codes (text Datums; nulls skipped, duplicates
 * allowed) in mode ShareLock or ExclusiveLock.
 */
void
flux_verrouiller_codes(Datum *codes, bool *nuls, int n, LOCKMODE mode)
{
	int32	   *cles = palloc(sizeof(int32) * Max(n, 1));
	int			k = 0;

	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nuls == NULL || !nuls[i])
			cles[k++] = flux_cle_bailleur(codes[i]);
	}
	flux_verrouiller_cles(cles, k, mode);
	pfree(cles);
}

/*
 * Locks landlords exclusively, as every writer of conventions and corrections
 * does, as the owner of flux_mgmt.bailleur (the writer needs no
 * right on that table): the landlords that exist among the codes are locked,
 * then their rows updated in place.  Codes of no landlord are not locked: a
 * million made-up codes would fill the shared lock table.
 */
void
flux_verrouiller_exclusif(ArrayType *codes)
{
	Oid			bailleur = flux_relation("bailleur");
	FluxIdentite avant;
	Oid			type = TEXTARRAYOID;
	Datum		valeur = PointerGetDatum(codes);
	int			n;
	Datum	   *existants;
	bool	   *nuls;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "flux_mgmt: SPI_connect failed");
	flux_agir_en_proprietaire(flux_proprietaire(bailleur), &avant);
	if (SPI_execute_with_args("SELECT b.code FROM " FLUX_SCHEMA ".bailleur b"
							  " WHERE b.code OPERATOR(pg_catalog.=) ANY ($1)",
							  1, &type, &valeur, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "flux_mgmt: the lookup of landlords failed");
	n = (int) SPI_processed;
	existants = palloc(sizeof(Datum) * Max(n, 1));
	nuls = palloc(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
		existants[i] = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &nuls[i]);
	flux_verrouiller_codes(existants, nuls, n, ExclusiveLock);
	if (n > 0)
	{
		flux_exiger_declencheurs_surs(bailleur);
		if (SPI_execute_with_args("UPDATE " FLUX_SCHEMA ".bailleur b SET nom = b.nom"
								  " WHERE b.code OPERATOR(pg_catalog.=) ANY ($1)",
								  1, &type, &valeur, NULL, false, 0) != SPI_OK_UPDATE)
			elog(ERROR, "flux_mgmt: the update of landlords failed");
	}
	flux_redevenir(&avant);
	if (SPI_finish() != SPI_OK_FINISH)
		elog(ERROR, "flux_mgmt: SPI_finish failed");
}

/* Whether the current user writes one of the tables whose writers lock landlords. */
static bool
ecrivain(void)
{
	for (size_t i = 0; i < lengthof(tables_des_ecrivains); i++)
		if (pg_class_aclmask(flux_relation(tables_des_ecrivains[i]), GetUserId(),
							 ACL_INSERT | ACL_UPDATE | ACL_DELETE, ACLMASK_ANY) != 0)
			return true;
	return false;
}

/*
 * Whether the current role records the events of every landlord named (its
 * profiles saisie or administration: peut_verrouiller()): a clerk of one
 * landlord holding another's lock would stall that landlord's events.
 */
static void
exiger_ses_bailleurs(ArrayType *codes)
{
	Datum	   *elements;
	bool	   *nuls;
	int			n;

	deconstruct_array(codes, TEXTOID, -1, false, TYPALIGN_INT, &elements, &nuls, &n);
	for (int i = 0; i < n; i++)
		if (!nuls[i] && !DatumGetBool(flux_appeler("peut_verrouiller", TEXTOID, elements[i])))
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("role %s may not lock landlord \"%s\"",
							GetUserNameFromId(GetUserId(), false), TextDatumGetCString(elements[i])),
					 errdetail("A landlord's lock stalls its events: it is for the roles that record them."),
					 errhint("Ask the owner for a profile: flux_mgmt.accorder_profil(role, 'saisie', bailleur).")));
}

PG_FUNCTION_INFO_V1(flux_verrouiller_bailleurs);
Datum
flux_verrouiller_bailleurs(PG_FUNCTION_ARGS)
{
	ArrayType  *codes = PG_GETARG_ARRAYTYPE_P(0);

	if (ARR_NDIM(codes) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("landlord codes must be a one-dimensional array, not %d-dimensional", ARR_NDIM(codes)),
				 errhint("Pass ARRAY['code', …].")));
	if (!ecrivain())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to lock landlords"),
				 errdetail("Only the writers of conventions, dwellings, vacancies, territories, réservataires or stock rights lock landlords: a lock held by anyone else would stall their events."),
				 errhint("Grant the role INSERT, UPDATE or DELETE on the flux_mgmt table it writes.")));
	exiger_ses_bailleurs(codes);
	flux_verrouiller_exclusif(codes);
	PG_RETURN_VOID();
}
