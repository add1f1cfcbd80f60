/*-------------------------------------------------------------------------
 *
 * acces.h
 *		Reading the extension's tables through their indexes and writing them
 *		through the executor's simple-relation routines, without planning a
 *		query (src/acces.c), and the ledger row the counters are made of.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_ACCES_H
#define FLUX_ACCES_H

#include "access/genam.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "utils/rel.h"

/*
 * A row of the ledger (flux_mgmt.contribution), in its column order; the
 * counter tables take their keys from it.
 */
enum
{
	C_VACANCE, C_BAILLEUR, C_COMMUNE, C_TYPOLOGIE, C_FINANCEMENT, C_QPV, C_PERIODE,
	C_ANNEE, C_RESERVATAIRE, C_SOUSTRACTION, C_DANS_FLUX,
	C_EN_COURS, C_ATTRIBUEES, C_CARENCES, C_ECHECS, C_RETIREES, C_DECOMPTES,
	C_BAUX, C_HORS_QPV, C_Q1_HORS_QPV, C_Q234_EN_QPV, C_PRIORITAIRES, C_IMPUTEES,
	C_NOMBRE
};
#define C_PREMIER_COMPTEUR C_EN_COURS
#define NB_COMPTEURS (C_NOMBRE - C_PREMIER_COMPTEUR)

typedef struct Ligne
{
	Datum		v[C_NOMBRE];
	bool		n[C_NOMBRE];
} Ligne;

extern const char *const flux_colonnes_contribution[C_NOMBRE];

/* en_attente.c: the counter differences of the transaction, written at its end */
extern void flux_differer(const Ligne *l, int signe);
extern void flux_differer_moteur(Datum bailleur, int32 annee, Datum departement, Datum reservataire,
								 bool sans_reservataire, int64 imputees, int64 proposes, int64 proposes_hors_qpv);
extern void flux_ecrire_en_attente(void);
extern void flux_pousser_instantane_compteurs(Snapshot s);
extern void flux_parcourir_en_attente(Datum bailleur, int32 annee, Datum departement, const int32 *communes,
									  int nb_communes,
									  void (*vu) (void *arg, int32 commune, Datum reservataire,
												  bool sans_reservataire, const int64 *montants),
									  void *arg);
extern void flux_init_en_attente(void);

/* acces.c */
typedef struct FluxLecture
{
	Relation	idx;
	IndexScanDesc scan;
} FluxLecture;

/* A table being written: estate NULL when straight through the table AM. */
typedef struct FluxEcriture
{
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	EPQState	epq;
	TupleTableSlot *slot;
	/* straight through the table AM: its indexes, opened at the first row that needs them */
	EState	   *index_estate;
	ResultRelInfo *index_rri;
} FluxEcriture;

extern AttrNumber flux_attnum(Relation rel, const char *nom);
extern Oid	flux_etiquette(Relation rel, const char *colonne, const char *label);
extern bool flux_egales(Datum a, bool na, Datum b, bool nb, int16 typlen, bool typbyval);
extern void flux_ouvrir_lecture(FluxLecture *l, Relation rel, const char *index, Snapshot snap, int n,
								const Datum *valeurs, const bool *nuls);
extern int	flux_comparer_int32(const void *a, const void *b);
extern int	flux_comparer_int64(const void *a, const void *b);
extern void flux_ouvrir_intervalle(FluxLecture *l, Relation rel, const char *index, Snapshot snap, int64 bas,
								   int64 haut);
extern void flux_relancer_lecture(FluxLecture *l, int n, const Datum *valeurs, const bool *nuls);
extern void flux_fermer_lecture(FluxLecture *l);
extern bool flux_lire(Relation rel, const char *index, Snapshot snap, int n, const Datum *valeurs,
					  TupleTableSlot *slot);
extern bool flux_verrouiller_ligne(Relation rel, ItemPointer tid, LockTupleMode mode, TupleTableSlot *slot);
extern void flux_ouvrir_ecriture(FluxEcriture *e, const char *table, const char *const *checks_connus,
								 const char *const *declencheurs_muets, Bitmapset *colonnes_changees);
extern void flux_fermer_ecriture(FluxEcriture *e);
extern void flux_copier_version(FluxEcriture *e, ItemPointer tid, TupleTableSlot *ancien);
extern void flux_ecrire_version(FluxEcriture *e, TupleTableSlot *ancien);
extern void flux_ecrire_nouvelle(FluxEcriture *e);
extern void flux_cles_convention(Datum bailleur, Datum commune, Datum reservataire, Datum *cle);
extern bool flux_convention_couvre(Relation convention, TupleTableSlot *slot, int annee);
extern bool flux_convention_en_vigueur(Relation convention, TupleTableSlot *slot, Datum bailleur, Datum commune,
									   Datum reservataire, int annee);

#endif							/* FLUX_ACCES_H */
