#!/usr/bin/env bash
# Crash test: two pgbench clients record events (vacancy, orientation, lease)
# while the postmaster is killed with SIGKILL; after the restart (crash
# recovery) the counters must equal a recount from the events that committed.
# Runs inside a cluster made by pg_virtualenv (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
cd "$(dirname "$0")/.."
DUREE=${CRASH_DUREE:-20}
LOG=$(mktemp)
trap 'rm -f "$LOG"; dropdb --if-exists flux_crash >/dev/null 2>&1 || true' EXIT

createdb flux_crash
psql -X -q -v ON_ERROR_STOP=1 -d flux_crash -f test/crash/preparer.sql >/dev/null
DATA=$(psql -X -At -d flux_crash -c 'SHOW data_directory')
CLUSTER=$(pg_lsclusters -h | awk -v d="$DATA" '$6 == d {print $1 " " $2}')

pgbench -n -M prepared -c 2 -j 2 -T "$DUREE" -f test/crash/evenement.pgbench flux_crash >"$LOG" 2>&1 &
BANC=$!
sleep $((DUREE / 2))
AVANT=$(psql -X -At -d flux_crash -c 'SELECT count(*) FROM flux_mgmt.vacance')
POSTMASTER=$(sed -n 1p "$DATA/postmaster.pid")
VERROU="$(sed -n 5p "$DATA/postmaster.pid")/.s.PGSQL.$(sed -n 4p "$DATA/postmaster.pid").lock"
kill -9 "$POSTMASTER"
wait "$BANC" || true
# the surviving backends exit once they see the postmaster gone
for i in $(seq 1 30); do pgrep -f "postgres: .*flux_crash" >/dev/null || break; sleep 1; done
# where PID 1 does not reap orphans (some containers), the killed postmaster
# stays a zombie and its socket lock file looks held: it is not
if [ "$(ps -o stat= -p "$POSTMASTER" 2>/dev/null | cut -c1)" = Z ]; then rm -f "$VERROU"; fi
pg_ctlcluster $CLUSTER start
for i in $(seq 1 30); do pg_isready -q && break; sleep 1; done

APRES=$(psql -X -At -d flux_crash -c 'SELECT count(*) FROM flux_mgmt.vacance')
ECARTS=$(psql -X -At -d flux_crash -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')
EVENEMENTS=$(psql -X -At -d flux_crash -c "SELECT (SELECT count(*) FROM flux_mgmt.orientation) || ' orientations, ' || (SELECT count(*) FROM flux_mgmt.attribution) || ' attributions'")
echo "pgbench: $(grep -E 'transactions actually processed|aborted' "$LOG" | head -n 3 | tr '\n' ' ')"
echo "committed before the kill (sampled half-way): $AVANT; after crash recovery: $APRES vacancies, $EVENEMENTS"
if [ "$ECARTS" != 0 ]; then
	echo "FAIL: $ECARTS counters differ from a recount after the crash"
	psql -X -d flux_crash -c 'SELECT * FROM flux_mgmt.verifier_compteurs() LIMIT 20'
	exit 1
fi
[ "$APRES" -ge "$AVANT" ] || { echo "FAIL: committed events were lost ($APRES < $AVANT)"; exit 1; }
echo "ok: after kill -9 of the postmaster and crash recovery, verifier_compteurs() is empty"
