/*-------------------------------------------------------------------------
 *
 * moteur.h
 *		What the orientation engine's C files share: the counts of the
 *		engine's counters (src/lecture_moteur.c) that the candidates
 *		(src/candidats.c) are computed from.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLUX_MOTEUR_H
#define FLUX_MOTEUR_H

#include "utils/array.h"

/* One beneficiary's sums of compteur_moteur: imputees, proposes, proposes_hors_qpv. */
typedef struct FluxSomme
{
	Datum		reservataire;	/* text, or null for the pool */
	bool		sans_reservataire;
	int64		montants[3];
} FluxSomme;

typedef struct FluxSommes
{
	int			n;
	int			max;
	FluxSomme  *s;
	/* for a territory: the réservataire whose own count is a, and the sums */
	Datum		reservataire;
	int64		t;
	int64		a;
} FluxSommes;

/* lecture_moteur.c: the counts, with the transaction's pending differences */
extern void flux_lire_comptes_moteur(Datum bailleur, int32 annee, Datum departement, FluxSommes *ss);
extern void flux_lire_comptes_territoire(Datum bailleur, int32 annee, ArrayType *communes,
										 Datum reservataire, int64 *t, int64 *a);
extern FluxSomme *flux_somme_de(FluxSommes *ss, Datum reservataire, bool sans);

#endif							/* FLUX_MOTEUR_H */
