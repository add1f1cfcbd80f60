/*-------------------------------------------------------------------------
 *
 * flux_mgmt.c
 *		Module magic and the one setting of the flux_mgmt extension.
 *
 * The SQL objects live in sql/flux_mgmt--<version>.sql; the C files of
 * src/ each implement one concern (a type, a kernel, the triggers).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "utils/guc.h"

#include "flux_mgmt.h"
#include "acces.h"

PG_MODULE_MAGIC;


void		_PG_init(void);

/*
 * Loading the module: its settings, flux_mgmt.tranche,
 * flux_mgmt.chemin_rapide and flux_mgmt.echec_ecriture, for tests and
 * benchmarks only; the hooks that write the counters' pending differences
 * (src/en_attente.c); the planner's hook for tables with stale statistics
 * (src/statistiques.c); the prefix flux_mgmt is reserved, so that a misspelt flux_mgmt.* setting
 * is an error rather than a placeholder.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("flux_mgmt.tranche",
							"For tests only: the tranche of the counter rows this session writes.",
							"-1 (the default) writes into the tranche of the backend's slot, which spreads concurrent "
							"writers of one counter key over several rows; 0 to 7 makes every counter write of the "
							"session go to that tranche, so that sessions set alike update the same rows.",
							&flux_tranche_imposee,
							-1, -1, flux_nombre_tranches - 1,
							PGC_SUSET, GUC_NOT_IN_SAMPLE,
							NULL, NULL, NULL);
	DefineCustomBoolVariable("flux_mgmt.chemin_rapide",
							 "For tests and benchmarks only: the common events take the counter triggers' fast path.",
							 "On (the default), a vacancy, the first orientation of a vacancy and the attribution of "
							 "its only orientation, inserted a few rows at a time under READ COMMITTED, are counted "
							 "in C without SPI (src/chemin_rapide.c); off, every statement takes the general path. "
							 "Both write the same counters.",
							 &flux_chemin_rapide_actif,
							 true,
							 PGC_SUSET, GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("flux_mgmt.echec_ecriture",
							 "For tests only: the write of the transaction's counter differences fails.",
							 "On, the write at the end of a transaction that recorded events on the fast path raises "
							 "an error, so that tests can check that such an error leaves nothing behind.",
							 &flux_echec_ecriture,
							 false,
							 PGC_SUSET, GUC_NOT_IN_SAMPLE,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("flux_mgmt");
	flux_init_en_attente();
	flux_init_statistiques();
}
