#!/usr/bin/env bash
# The example client examples/client.py against a real database.  On the data
# of test/client/donnees.sql it records a vacancy, prints the suggestions,
# orients it to rank 1 and records the lease in one transaction, prints the
# atteinte, and demonstrates two refused rules rolled back (--demontrer-refus).
# Checked: its output equals test/client/attendu.txt exactly; the database then
# holds exactly the expected rows (one vacancy oriented and attributed, nothing
# of the refused transactions) and verifier_compteurs() is empty; a second run
# is refused (exit 1, SQLSTATE on stderr) and writes nothing; an unknown
# dwelling exits 1, a failed connection 3, a bad date 2.  Then the same run as a
# non-superuser role holding only the privileges the README documents for a
# clerk recording events, connected through the libpq environment variables,
# gives the same output and rows.  Runs inside a cluster (PGHOST/PGPORT/PGUSER
# set); installs python3-psycopg when psycopg 3 is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
COMMIS=flux_client_commis
trap 'rm -rf "$TMP"; dropdb --if-exists flux_client; dropdb --if-exists flux_client_commis;
	psql -X -q -d postgres -c "DROP ROLE IF EXISTS $COMMIS" >/dev/null 2>&1 || true' EXIT

# Python 3 with psycopg 3: the one on PATH, else Debian's, else install Debian's.
PY=python3
if ! "$PY" -c 'import psycopg' 2>/dev/null; then
	PY=/usr/bin/python3
	if ! "$PY" -c 'import psycopg' 2>/dev/null; then
		echo "== installing python3-psycopg"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-psycopg >/dev/null
	fi
fi

status=0
fail() { echo "FAIL: $*"; status=1; }
ARGS=(--bailleur b93 --logement-ref MTR-001 --date 2026-03-01)

# What the database holds, on one line: the event rows, the dwelling's vacancy
# with its orientation and lease, anything oriented to the réservataire of the
# refused orientation, the counters against a recount, the rules.
etat() {
	psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" <<-'SQL'
	SET datestyle = 'ISO, YMD';
	SELECT concat_ws(' ',
		'vacances=' || (SELECT count(*) FROM flux_mgmt.vacance),
		'orientations=' || (SELECT count(*) FROM flux_mgmt.orientation),
		'attributions=' || (SELECT count(*) FROM flux_mgmt.attribution),
		'MTR-001=' || (SELECT string_agg(concat_ws('/', v.date_liberation, o.reservataire, o.date_orientation, o.issue,
												   o.date_issue, a.date_caleol, a.date_bail), ',')
					   FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
					   LEFT JOIN flux_mgmt.orientation o ON o.vacance_id = v.id
					   LEFT JOIN flux_mgmt.attribution a ON a.orientation_id = o.id
					   WHERE l.ref = 'MTR-001'),
		'employeur_x=' || (SELECT count(*) FROM flux_mgmt.orientation WHERE reservataire = 'employeur_x'),
		'verifier_compteurs=' || (SELECT count(*) FROM flux_mgmt.verifier_compteurs()),
		'infraction=' || (SELECT count(*) FROM flux_mgmt.infraction));
	SQL
}
# the 4 vacancies of January, plus MTR-001's: oriented to the préfet, let
ETAT_ATTENDU='vacances=5 orientations=5 attributions=4 MTR-001=2026-03-01/prefet/2026-03-02/attribuee/2026-04-01/2026-03-20/2026-04-01 employeur_x=0 verifier_compteurs=0 infraction=0'
verifier_etat() {
	local trouve
	trouve=$(etat "$1")
	[ "$trouve" = "$ETAT_ATTENDU" ] || fail "$2: the database holds
  $trouve
expected
  $ETAT_ATTENDU"
}
# runs the client; $1: exit status expected, $2: label, then the client's arguments
client() {
	local attendu=$1 label=$2 rc=0
	shift 2
	"$PY" examples/client.py "$@" >"$TMP/sortie" 2>"$TMP/erreurs" || rc=$?
	[ "$rc" -eq "$attendu" ] || fail "$label: exit status $rc, expected $attendu; stderr: $(cat "$TMP/erreurs")"
}

# 1. As the cluster's superuser, a connection string on the command line.
createdb flux_client
psql -X -q -v ON_ERROR_STOP=1 -d flux_client -f test/client/donnees.sql >/dev/null
client 0 "first run" "dbname=flux_client" "${ARGS[@]}" --demontrer-refus
diff -u test/client/attendu.txt "$TMP/sortie" || fail "the first run's output differs from test/client/attendu.txt"
[ -s "$TMP/erreurs" ] && fail "the first run wrote on stderr: $(cat "$TMP/erreurs")"
verifier_etat flux_client "after the first run"

# 2. The same vacancy again: refused by the extension (23505), exit 1, nothing written.
client 1 "second run" "dbname=flux_client" "${ARGS[@]}"
grep -q "SQLSTATE 23505 (UniqueViolation)" "$TMP/erreurs" || fail "second run: no 23505 on stderr: $(cat "$TMP/erreurs")"
verifier_etat flux_client "after the refused second run"
# an unknown dwelling: exit 1; no database: exit 3; a malformed date: exit 2 (argparse)
client 1 "unknown dwelling" "dbname=flux_client" --bailleur b93 --logement-ref MTR-999 --date 2026-03-01
grep -q "no dwelling 'MTR-999'" "$TMP/erreurs" || fail "unknown dwelling: $(cat "$TMP/erreurs")"
client 3 "no such database" "dbname=flux_client_absente" "${ARGS[@]}"
grep -q "cannot connect" "$TMP/erreurs" || fail "no such database: $(cat "$TMP/erreurs")"
client 2 "malformed date" "dbname=flux_client" --bailleur b93 --logement-ref MTR-001 --date 01/03/2026
verifier_etat flux_client "after the failed runs"

# 3. As a clerk: not a superuser, only the privileges of README "Installing into
#    an existing server" for a role recording events (USAGE on the schema to
#    reach it at all, SELECT on its tables, INSERT, UPDATE, DELETE on the event
#    tables it writes, nothing on the derived ones), nothing on its search_path; the
#    connection from the libpq environment variables.
createdb flux_client_commis
psql -X -q -v ON_ERROR_STOP=1 -d flux_client_commis -f test/client/donnees.sql >/dev/null
MDP=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
psql -X -q -v ON_ERROR_STOP=1 -v commis="$COMMIS" -v mdp="$MDP" -d flux_client_commis <<-'SQL'
	CREATE ROLE :"commis" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'mdp';
	SELECT flux_mgmt.accorder_profil(:'commis', 'saisie');
	GRANT USAGE ON SCHEMA flux_mgmt TO :"commis";
	GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO :"commis";
	GRANT INSERT, UPDATE, DELETE ON flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution TO :"commis";
SQL
PGUSER=$COMMIS PGPASSWORD=$MDP PGDATABASE=flux_client_commis client 0 "clerk's run" "${ARGS[@]}" --demontrer-refus
# row-level security restricts the clerk: PostgreSQL shows it no row values in an error's detail
diff -u <(grep -v 'detail: Failing row contains' test/client/attendu.txt) "$TMP/sortie" \
	|| fail "the clerk's output differs from test/client/attendu.txt (without the failing rows' values)"
[ -s "$TMP/erreurs" ] && fail "the clerk's run wrote on stderr: $(cat "$TMP/erreurs")"
verifier_etat flux_client_commis "after the clerk's run"
[ "$(PGUSER=$COMMIS PGPASSWORD=$MDP psql -X -At -d flux_client_commis -c 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')" = f ] \
	|| fail "the clerk is a superuser"

[ $status -eq 0 ] && echo "ok: examples/client.py gives test/client/attendu.txt as superuser and as a clerk ($(wc -l < test/client/attendu.txt) lines), writes exactly the expected rows, verifier_compteurs() empty; refusals exit 1, no connection 3"
exit $status
