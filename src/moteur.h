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
#include "utils/fmgrprotos.h"

/* One beneficiary's sums of compteur_moteur: imputees, proposes, proposes_hors_qpv. */
enum
{
	M_IMPUTEES, M_PROPOSES, M_HORS_QPV
};
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
} FluxSommes;

/* lecture_moteur.c: the counts, with the transaction's pending differences */
extern void flux_lire_comptes_moteur(Datum bailleur, int32 annee, Datum departement, FluxSommes *ss);
struct RelationData;
/* A territory's communes and réservataire; its counts t and a, read */
typedef struct FluxTerritoire
{
	ArrayType  *communes;
	Datum		reservataire;
	int64		t;
	int64		a;
	int32	   *codes;			/* its communes, sorted, each once */
	int			nb_codes;
} FluxTerritoire;
extern void flux_lire_comptes_territoires(struct RelationData *compteur, Datum bailleur, int32 annee, int nb,
										  FluxTerritoire *territoires);
extern FluxSomme *flux_somme_trouvee(FluxSommes *ss, Datum reservataire, bool sans);

/* The fields of flux_mgmt.candidat_orientation, in its order (sql/src/75_moteur.sql). */
enum
{
	CA_RESERVATAIRE, CA_NOM, CA_TERRITORIAL, CA_TAUX, CA_T, CA_A, CA_PREFERENCE, CA_MOTIFS, CA_GESTION,
	CA_NOMBRE
};

/* candidats.c: an orientation parameter (valeur_parametre()), kept while it cannot have changed */
extern Datum flux_parametre_moteur(const char *cle);

/* lecture_moteur.c: a table read through its indexes, with the checks of a query of a landlord's rows in full */
extern struct RelationData *flux_ouvrir_lisible(const char *table, Datum bailleur);


/*
 * The SQL's numeric operators, by their functions: the C engine computes
 * with the same operations in the same order as the SQL it replaces, so that
 * both give the same values and scales.
 */
#define NUM_ADD(a, b) DirectFunctionCall2(numeric_add, (a), (b))
#define NUM_SUB(a, b) DirectFunctionCall2(numeric_sub, (a), (b))
#define NUM_MUL(a, b) DirectFunctionCall2(numeric_mul, (a), (b))
#define NUM_DIV(a, b) DirectFunctionCall2(numeric_div, (a), (b))
#define NUM_ROUND(a, s) DirectFunctionCall2(numeric_round, (a), Int32GetDatum(s))
#define NUM_CMP(a, b) DatumGetInt32(DirectFunctionCall2(numeric_cmp, (a), (b)))
#define NUM_TRIM(a) DirectFunctionCall1(numeric_trim_scale, (a))
#define NUM_TEXTE(a) DatumGetCString(DirectFunctionCall1(numeric_out, (a)))
#define NUM_INT8(v) DirectFunctionCall1(int8_numeric, Int64GetDatum(v))
#define NUM_INT4(v) DirectFunctionCall1(int4_numeric, Int32GetDatum(v))
#define NUM_LITTERAL(s) DirectFunctionCall3(numeric_in, CStringGetDatum(s), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1))

#endif							/* FLUX_MOTEUR_H */
