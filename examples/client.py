#!/usr/bin/env python3
"""flux_mgmt from an application: one vacancy, from the day the dwelling is freed to its lease.

A small, complete client a landlord's developers can copy.  It

  1. records the vacancy of a dwelling       INSERT INTO flux_mgmt.vacance ... RETURNING id
  2. asks the engine who should get it       SELECT ... FROM flux_mgmt.suggerer(vacance_id)
     and prints the ranked suggestions with their reasons (motifs);
  3. records the orientation of rank 1       flux_mgmt.orienter(vacance_id, reservataire, ...)
     and the lease decided by the CALEOL     INSERT INTO flux_mgmt.attribution ...
     in ONE transaction: both or neither;
  4. reads where the landlord stands         SELECT ... FROM flux_mgmt.atteinte
     with each réservataire that year.

With --demontrer-refus it also makes two mistakes on purpose, each inside a transaction where
an earlier statement had succeeded, and shows that the extension refuses them with a precise
SQLSTATE and a message (with a detail, and a hint or the name of the constraint), and that the
whole transaction was rolled back.

Usage:
    python3 examples/client.py [CONNINFO] --bailleur b93 --logement-ref MTR-001 --date 2026-03-01

CONNINFO is a libpq connection string ("host=db.example dbname=hlm user=gestion") or URI
("postgresql://gestion@db.example/hlm"); without it libpq reads the standard environment
variables (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD or ~/.pgpass).

The role needs the privileges of a clerk recording events (README, "Installing into an existing
server"): USAGE on the schema flux_mgmt, SELECT on its tables, INSERT, UPDATE, DELETE on
vacance, orientation, attribution; nothing on the derived tables (contribution, compteur,
compteur_bilan), which only the extension writes.  It needs nothing on its search_path: every name below is qualified with
flux_mgmt., and every value is passed as a query parameter, never formatted into the SQL.

Exit status: 0 done; 1 the extension refused what was asked (its message, detail and hint are
printed on stderr); 2 bad command line; 3 unexpected error (connection, unknown SQLSTATE, bug).

Needs only Python 3 and psycopg 3 (Debian: apt-get install python3-psycopg).
"""

import argparse
import datetime
import sys
import time
import traceback

import psycopg
from psycopg import errors
from psycopg.rows import dict_row

# ---------------------------------------------------------------------------------------------
# The errors an application should expect.  flux_mgmt answers every mistake a user can make
# with a precise SQLSTATE; psycopg raises one class per SQLSTATE (psycopg.errors), so an
# application tells "a rule refused it" from "the database is down" with an except clause.
# ---------------------------------------------------------------------------------------------
REFUS = (
    errors.CheckViolation,             # 23514 a rule of the domain refused it (no convention in
                                       #       force, outside a territory, lease before the CALEOL…)
    errors.ForeignKeyViolation,        # 23503 something it names does not exist (vacancy,
                                       #       réservataire, orientation, a missing rotation rate…)
    errors.UniqueViolation,            # 23505 it exists already (a vacancy of that dwelling that
                                       #       day, an open orientation, an attribution…)
    errors.InvalidParameterValue,      # 22023 an argument out of range (a year, a département…)
    errors.InvalidTextRepresentation,  # 22P02 a malformed value (an INSEE code, a date…)
    errors.NotNullViolation,           # 23502 a required column left out
    errors.NullValueNotAllowed,        # 22004 a required argument left null
)

# Two sessions recording events of the same vacancy or landlord may conflict: PostgreSQL then
# rolls one transaction back whole (counters included) with one of these, and the README says:
# retry it.  Only the whole transaction may be retried, never a statement inside it.
A_REPRENDRE = (
    errors.SerializationFailure,  # 40001 (REPEATABLE READ, SERIALIZABLE)
    errors.DeadlockDetected,      # 40P01 (a correction racing an event of the same vacancy)
)


# The rules the extension checks itself answer with a message naming the values, a detail and
# a hint.  The simplest ones are PostgreSQL's own constraints on the event tables: those answer
# with the constraint's name and the failing row, without a hint, so the application says what
# they mean (e.diag.constraint_name).
CONTRAINTES = {
    "vacance_une_par_jour": "the dwelling already has a vacancy recorded that day",
    "vacance_logement_id_fkey": "no such dwelling",
    "orientation_vacance_id_fkey": "no such vacancy",
    "orientation_reservataire_fkey": "no such réservataire",
    "orientation_une_ouverte_par_vacance": "the vacancy already has an open or attributed orientation",
    "orientation_soustraite_sans_reservataire": "a vacancy taken out of the flux goes to no réservataire",
    "orientation_date_issue": "an outcome needs its date; an open orientation has none",
    "orientation_dates_apres_orientation": "the deadline and the outcome cannot come before the orientation",
    "orientation_carence_apres_delai": "a carence is recorded on or after the orientation's deadline",
    "attribution_orientation_id_fkey": "no such orientation",
    "attribution_orientation_id_key": "the orientation already has its attribution",
    "attribution_bail_apres_caleol": "the lease cannot be signed before the CALEOL's decision",
}


def afficher_refus(e, fichier=sys.stdout, marge="   "):
    """Prints what the extension said: SQLSTATE, message, detail, hint, and for one of
    PostgreSQL's own constraints its name and what it means."""
    d = e.diag
    print(f"{marge}refused, SQLSTATE {e.sqlstate} ({type(e).__name__}): {d.message_primary}", file=fichier)
    if d.message_detail:
        print(f"{marge}  detail: {d.message_detail}", file=fichier)
    if d.message_hint:
        print(f"{marge}  hint: {d.message_hint}", file=fichier)
    if d.constraint_name:
        sens = CONTRAINTES.get(d.constraint_name)
        print(f"{marge}  constraint: {d.constraint_name}{': ' + sens if sens else ''}", file=fichier)


def avec_reprise(travail, essais=3):
    """Runs travail() (a function that opens its own transaction) again when the transaction was
    rolled back by a serialization failure or a deadlock; any other error goes up."""
    for essai in range(1, essais + 1):
        try:
            return travail()
        except A_REPRENDRE:
            if essai == essais:
                raise
            time.sleep(0.05 * essai)


def nom_beneficiaire(code):
    """An orientation to réservataire null goes to the landlord's own pool."""
    return code if code is not None else "(pool)"


# ---------------------------------------------------------------------------------------------
# Reading the reference data
# ---------------------------------------------------------------------------------------------

def trouver_logement(conn, bailleur, ref):
    """The dwelling of a landlord by its reference (unique per landlord), or None; a dictionary
    (logement["id"])."""
    return conn.cursor(row_factory=dict_row).execute(
        """SELECT l.id, l.commune::text AS commune, flux_mgmt.departement(l.commune) AS departement,
                  l.nb_pieces, l.qpv, l.regime::text AS regime
           FROM flux_mgmt.logement l
           WHERE l.bailleur = %s AND l.ref = %s""",
        (bailleur, ref),
    ).fetchone()


def reservataire_sans_convention(conn, bailleur, departement, annee):
    """A réservataire (not territorial) with no convention of the landlord in force that year in
    the département, for the demonstration; None when every one has one."""
    ligne = conn.execute(
        """SELECT r.code
           FROM flux_mgmt.reservataire r
           WHERE NOT flux_mgmt.est_territorial(r.type)
             AND NOT EXISTS (SELECT FROM flux_mgmt.conventions_en_vigueur(%s, %s, %s) c
                             WHERE c.reservataire = r.code)
           ORDER BY r.code COLLATE "C"
           LIMIT 1""",
        (bailleur, departement, annee),
    ).fetchone()
    return ligne[0] if ligne else None


def nombre_vacances(conn, logement_id, date_liberation):
    return conn.execute(
        "SELECT count(*) FROM flux_mgmt.vacance WHERE logement_id = %s AND date_liberation = %s",
        (logement_id, date_liberation),
    ).fetchone()[0]


def nombre_orientations(conn, vacance_id):
    return conn.execute(
        "SELECT count(*) FROM flux_mgmt.orientation WHERE vacance_id = %s", (vacance_id,)
    ).fetchone()[0]


# ---------------------------------------------------------------------------------------------
# Recording events.  Plain INSERTs on flux_mgmt.vacance and flux_mgmt.attribution, and
# flux_mgmt.orienter() for the orientation: the extension's triggers check the rules and keep
# every counter right, inside the caller's transaction.
# ---------------------------------------------------------------------------------------------

def enregistrer_vacance(cur, logement_id, date_liberation):
    """Records that a dwelling becomes available; returns the vacancy's id."""
    cur.execute(
        """INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
           VALUES (%s, %s)
           RETURNING id""",
        (logement_id, date_liberation),
    )
    return cur.fetchone()[0]


def orienter(cur, vacance_id, reservataire, date_orientation):
    """Records the orientation of a vacancy to a réservataire (None: the landlord's pool)."""
    cur.execute(
        "SELECT flux_mgmt.orienter(%s, %s, date_orientation => %s)",
        (vacance_id, reservataire, date_orientation),
    )
    return cur.fetchone()[0]


def enregistrer_bail(cur, orientation_id, date_caleol, date_bail, premier_quartile, dalo):
    """Records the allocation decided by the CALEOL and the lease; the orientation becomes
    'attribuee'."""
    cur.execute(
        """INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)
           VALUES (%s, %s, %s, %s, %s)
           RETURNING id""",
        (orientation_id, date_caleol, date_bail, premier_quartile, dalo),
    )
    return cur.fetchone()[0]


def suggerer(conn, vacance_id):
    """The engine's ranked suggestions, rank 1 first, with the réservataire's name."""
    return conn.execute(
        """SELECT s.rang, s.reservataire, r.nom, s.ecart, s.score, s.motifs
           FROM flux_mgmt.suggerer(%s) s
           LEFT JOIN flux_mgmt.reservataire r ON r.code = s.reservataire
           ORDER BY s.rang""",
        (vacance_id,),
    ).fetchall()


def orienter_et_louer(conn, vacance_id, reservataire, args):
    """The orientation and the lease in ONE transaction: if the lease is refused, the
    orientation is not recorded either.  Returns the orientation's issue and deadline."""
    with conn.transaction():
        with conn.cursor() as cur:
            orientation_id = orienter(cur, vacance_id, reservataire, args.date_orientation)
            enregistrer_bail(cur, orientation_id, args.date_caleol, args.date_bail,
                             args.premier_quartile, args.dalo)
            cur.execute("SELECT issue::text, date_limite FROM flux_mgmt.orientation WHERE id = %s",
                        (orientation_id,))
            return cur.fetchone()


# ---------------------------------------------------------------------------------------------
# The two deliberate mistakes (--demontrer-refus)
# ---------------------------------------------------------------------------------------------

def demontrer_vacance_refusee(conn, logement, args, annee):
    """A vacancy recorded, then oriented to a réservataire without a convention in force, in one
    transaction: the orientation is refused (23514) and the vacancy is rolled back with it."""
    reservataire = reservataire_sans_convention(conn, args.bailleur, logement["departement"], annee)
    print(f"-- demonstration: in one transaction, the vacancy of {args.logement_ref} on {args.date}, "
          f"then its orientation to {reservataire} (no convention in force in {annee})")
    if reservataire is None:
        print("   skipped: every réservataire has a convention in force")
        return
    try:
        with conn.transaction():
            with conn.cursor() as cur:
                vacance_id = enregistrer_vacance(cur, logement["id"], args.date)
                print("   vacancy recorded (not committed yet)")
                orienter(cur, vacance_id, reservataire, args.date_orientation)
                # not reached: raising here would roll the transaction back all the same
                raise RuntimeError(f"the orientation to {reservataire} was accepted")
    except errors.CheckViolation as e:
        afficher_refus(e)
    if nombre_vacances(conn, logement["id"], args.date) != 0:
        raise RuntimeError("the refused transaction left its vacancy behind")
    print(f"   rolled back: flux_mgmt.vacance has no vacancy of {args.logement_ref} on {args.date}")
    print()


def demontrer_bail_refuse(conn, vacance_id, reservataire, args):
    """The orientation of rank 1 recorded, then a lease dated before the CALEOL, in one
    transaction: the lease is refused (23514) and the orientation is rolled back with it."""
    date_bail_fausse = args.date_caleol - datetime.timedelta(days=10)
    print(f"-- demonstration: in one transaction, the orientation to {nom_beneficiaire(reservataire)}, "
          f"then a lease on {date_bail_fausse}, before the CALEOL of {args.date_caleol}")
    try:
        with conn.transaction():
            with conn.cursor() as cur:
                orientation_id = orienter(cur, vacance_id, reservataire, args.date_orientation)
                print("   orientation recorded (not committed yet)")
                enregistrer_bail(cur, orientation_id, args.date_caleol, date_bail_fausse,
                                 args.premier_quartile, args.dalo)
                raise RuntimeError("the lease before the CALEOL was accepted")  # not reached
    except errors.CheckViolation as e:
        afficher_refus(e)
    if nombre_orientations(conn, vacance_id) != 0:
        raise RuntimeError("the refused transaction left its orientation behind")
    print("   rolled back: flux_mgmt.orientation has no orientation of the vacancy")
    print()


# ---------------------------------------------------------------------------------------------
# The walk-through
# ---------------------------------------------------------------------------------------------

def derouler(conn, args):
    annee = args.annee or args.date.year
    logement = trouver_logement(conn, args.bailleur, args.logement_ref)
    if logement is None:
        print(f"no dwelling {args.logement_ref!r} of landlord {args.bailleur!r} in flux_mgmt.logement",
              file=sys.stderr)
        return 1
    print(f"landlord {args.bailleur}, dwelling {args.logement_ref} (commune {logement['commune']}, "
          f"{logement['nb_pieces']} rooms, {'in' if logement['qpv'] else 'outside'} QPV, "
          f"regime {logement['regime']}), freed on {args.date}")
    print()

    if args.demontrer_refus:
        demontrer_vacance_refusee(conn, logement, args, annee)

    # 1. The vacancy, in a transaction of its own: the dwelling is free, whoever gets it.
    def vacance():
        with conn.transaction():
            with conn.cursor() as cur:
                return enregistrer_vacance(cur, logement["id"], args.date)
    vacance_id = avec_reprise(vacance)
    print(f"1. vacancy recorded: {args.logement_ref} freed on {args.date}")

    # 2. The suggestions.  They are advice: the landlord decides, and may orient elsewhere.
    suggestions = suggerer(conn, vacance_id)
    print("2. suggestions of flux_mgmt.suggerer, rank 1 first:")
    for rang, code, nom, ecart, score, motifs in suggestions:
        print(f"   {rang}. {nom_beneficiaire(code)}{' (' + nom + ')' if nom else ''}: "
              f"ecart {ecart if ecart is not None else '-'}, score {score if score is not None else '-'}")
        for motif in motifs:
            print(f"      - {motif}")
    rang1 = suggestions[0][1]
    print()

    if args.demontrer_refus:
        demontrer_bail_refuse(conn, vacance_id, rang1, args)

    # 3. The orientation of rank 1 and its lease, both or neither.  (Between the suggestion and
    #    the orientation another clerk may orient the same vacancy: orienter() then refuses with
    #    23505, and the program stops with exit status 1.  flux_mgmt.orienter_suggestion(vacance_id,
    #    date) records rank 1 as computed in the same statement, when no one looks at it first.)
    issue, date_limite = avec_reprise(lambda: orienter_et_louer(conn, vacance_id, rang1, args))
    print(f"3. in one transaction: orientation to rank 1, {nom_beneficiaire(rang1)}, on {args.date_orientation}, "
          f"and the lease signed on {args.date_bail} (CALEOL {args.date_caleol}): committed")
    print(f"   the orientation is now '{issue}' (deadline {date_limite if date_limite else 'none: the pool has none'})")
    print()

    # 4. Where the landlord stands with each réservataire this year (the view reads the counters
    #    the triggers keep; filter on bailleur and annee, the filter reaches their index).
    lignes = conn.execute(
        """SELECT a.departement, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes,
                  a.ecart, a.en_cours, a.carences
           FROM flux_mgmt.atteinte a
           WHERE a.bailleur = %s AND a.annee = %s
           ORDER BY a.departement COLLATE "C", a.reservataire COLLATE "C" NULLS LAST""",
        (args.bailleur, annee),
    ).fetchall()
    print(f"4. flux_mgmt.atteinte for landlord {args.bailleur} in {annee}:")
    entetes = ("dept", "reservataire", "taux", "flux_realise", "droit", "decomptes", "ecart", "en_cours", "carences")
    tableau = [entetes] + [(dept, nom_beneficiaire(code), *(str(v) for v in chiffres))
                           for dept, code, *chiffres in lignes]
    largeurs = [max(len(ligne[i]) for ligne in tableau) for i in range(len(entetes))]
    for ligne in tableau:
        print("   " + "  ".join(v.ljust(w) if i < 2 else v.rjust(w) for i, (v, w) in enumerate(zip(ligne, largeurs))))
    return 0


def lire_arguments(argv):
    def date(texte):
        try:
            return datetime.date.fromisoformat(texte)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {texte!r}")

    p = argparse.ArgumentParser(
        description="Record a vacancy with flux_mgmt, orient it to the suggestion of rank 1, record its lease, "
                    "print the landlord's atteinte.")
    p.add_argument("conninfo", nargs="?", default="",
                   help="libpq connection string or URI (default: PGHOST, PGPORT, PGUSER, PGDATABASE…)")
    p.add_argument("--bailleur", required=True, help="landlord code (flux_mgmt.bailleur.code)")
    p.add_argument("--logement-ref", required=True, help="the dwelling's reference at that landlord (logement.ref)")
    p.add_argument("--date", required=True, type=date, help="date the dwelling becomes available")
    p.add_argument("--date-orientation", type=date, help="date of the orientation (default: the next day)")
    p.add_argument("--date-caleol", type=date, help="date of the CALEOL decision (default: 19 days after --date)")
    p.add_argument("--date-bail", type=date, help="date the lease is signed (default: 31 days after --date)")
    p.add_argument("--annee", type=int, help="year of the atteinte shown (default: the year of --date)")
    p.add_argument("--premier-quartile", action="store_true", help="household in the first resource quartile")
    p.add_argument("--dalo", action="store_true", help="household recognised DALO")
    p.add_argument("--demontrer-refus", action="store_true",
                   help="also make two deliberate mistakes and show they are refused and rolled back")
    args = p.parse_args(argv)
    jour = datetime.timedelta(days=1)
    args.date_orientation = args.date_orientation or args.date + jour
    args.date_caleol = args.date_caleol or args.date + 19 * jour
    args.date_bail = args.date_bail or args.date + 31 * jour
    return args


def main(argv=None):
    args = lire_arguments(argv)
    try:
        # autocommit: nothing is left open between statements, and every "with conn.transaction()"
        # below is a real BEGIN … COMMIT (without autocommit psycopg would open a transaction at
        # the first query and conn.transaction() would only make a savepoint inside it).
        conn = psycopg.connect(args.conninfo, autocommit=True, application_name="flux_mgmt_exemple")
    except psycopg.OperationalError as e:
        print(f"cannot connect: {e}".rstrip(), file=sys.stderr)
        return 3
    try:
        with conn:
            return derouler(conn, args)
    except REFUS as e:
        print("flux_mgmt refused it:", file=sys.stderr)
        afficher_refus(e, fichier=sys.stderr)
        return 1
    except psycopg.Error as e:
        print(f"unexpected database error, SQLSTATE {e.sqlstate}: {e}".rstrip(), file=sys.stderr)
        return 3
    except Exception:
        traceback.print_exc()
        return 3


if __name__ == "__main__":
    sys.exit(main())
