/*-------------------------------------------------------------------------
 *
 * flux_mgmt.h
 *		What the C files of flux_mgmt share.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_MGMT_H
#define FLUX_MGMT_H

#include "compat.h"

#include "storage/lockdefs.h"
#include "utils/array.h"

/* The schema the install script creates; SQL run from C names it. */
#define FLUX_SCHEMA "flux_mgmt"

/* compteurs.c: the tranche the counter triggers write (the test-only GUC flux_mgmt.tranche) */
extern int	flux_tranche_imposee;
extern const int flux_nombre_tranches;
extern int	flux_tranche(void);

/* chemin_rapide.c: the fast path of the counter triggers */
struct TriggerData;
extern bool flux_chemin_rapide(struct TriggerData *td, int evenement);
extern bool flux_chemin_rapide_actif;	/* the GUC flux_mgmt.chemin_rapide */
extern bool flux_echec_ecriture;	/* the GUC flux_mgmt.echec_ecriture */

/* proprietaire.c: acting as the owner of the extension's tables */
typedef struct FluxIdentite
{
	Oid			utilisateur;
	int			contexte;
} FluxIdentite;
extern Oid	flux_relation(const char *nom);
extern Oid	flux_relation_si_existe(const char *nom);
extern Oid	flux_proprietaire(Oid relid);
extern Datum flux_appeler(const char *nom, Oid type_argument, Datum argument);
extern void flux_agir_en_proprietaire(Oid owner, FluxIdentite *avant);
extern void flux_redevenir(const FluxIdentite *avant);
extern void flux_exiger_declencheurs_surs(Oid relid);

/* acces.c: the fields of a composite value */
struct TupleDescData;
extern void flux_champs(Datum composite, struct TupleDescData *desc, Datum *valeurs, bool *nuls);

/* code_insee.c: the département of a commune (text) */
extern Datum flux_code_insee_departement(PG_FUNCTION_ARGS);

/* statistiques.c: the planner's estimate of a table of the extension with stale statistics */
extern void flux_init_statistiques(void);

/* verrous.c: the landlord locks */
extern void flux_verrouiller_codes(Datum *codes, bool *nuls, int n, LOCKMODE mode);
extern int32 flux_cle_bailleur(Datum code);
extern int	flux_trier_cles(int32 *cles, int n);
extern int	flux_verrouiller_cles(int32 *cles, int n, LOCKMODE mode);
extern bool flux_cle_parmi(int32 cle, const int32 *cles, int n);
extern void flux_verrouiller_exclusif(ArrayType *codes);

#endif							/* FLUX_MGMT_H */
