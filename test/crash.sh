#!/usr/bin/env bash
# Crash test: two pgbench clients record events (vacancy, orientation, lease)
# while the postmaster is killed with SIGKILL; after the restart (crash
# recovery) the counters must equal a recount from the events that committed:
# verifier_compteurs() and the independent oracle (test/oracle/recompte.sql)
# are empty.  The test fails unless it recorded something worth recovering
# (at least CRASH_MIN transactions committed before the kill), unless every
# error pgbench reported is the loss of its connection at the kill, and
# unless every transaction pgbench saw commit is still there after recovery.
# Runs inside a cluster made by pg_virtualenv (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
cd "$(dirname "$0")/.."
DUREE=${CRASH_DUREE:-20}
MIN=${CRASH_MIN:-200}
LOG=$(mktemp)
trap 'rm -f "$LOG"; dropdb --if-exists flux_crash >/dev/null 2>&1 || true' EXIT

createdb flux_crash
psql -X -q -v ON_ERROR_STOP=1 -d flux_crash -f test/crash/preparer.sql >/dev/null
DATA=$(psql -X -At -d flux_crash -c 'SHOW data_directory')
CLUSTER=$(pg_lsclusters -h | awk -v d="$DATA" '$6 == d {print $1 " " $2}')

pgbench -n -M prepared -c 2 -j 2 -T "$DUREE" -f test/crash/evenement.pgbench flux_crash >"$LOG" 2>&1 &
BANC=$!
sleep $((DUREE / 2))
AVANT=$(psql -X -At -d flux_crash -c 'SELECT count(*) FROM flux_mgmt.vacance')	# committed, just before the kill
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
ORACLE=$(psql -X -q -At -v ON_ERROR_STOP=1 -d flux_crash -f test/oracle/recompte.sql \
	-c "SELECT count(*) FILTER (WHERE attendu <> trouve) || ' ' || count(*) FROM oracle_comparaisons")
ECARTS_ORACLE=${ORACLE% *} COMPARES=${ORACLE#* }
EVENEMENTS=$(psql -X -At -d flux_crash -c "SELECT (SELECT count(*) FROM flux_mgmt.orientation) || ' orientations, ' || (SELECT count(*) FROM flux_mgmt.attribution) || ' attributions'")
# what pgbench saw: transactions committed (one vacancy each), failed, and its errors
TRAITEES=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$LOG")
ECHOUEES=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$LOG")
# the errors of a connection lost when the postmaster dies, and nothing else
PERTE='terminating connection due to unexpected postmaster exit|server closed the connection unexpectedly|This probably means the server terminated abnormally|before or while processing the request|perhaps the backend died while processing|could not receive data from server|no connection to the server|Run was aborted; the above results are incomplete'
AUTRES=$(grep -iE 'error|fatal|abort|panic|warning' "$LOG" | grep -vE "$PERTE" || true)
# a client that saw the kill says so in one of these words (which depends on
# when its backend noticed the postmaster gone)
PERTES=$(grep -cE 'perhaps the backend died while processing|server closed the connection unexpectedly|terminating connection due to unexpected postmaster exit|could not receive data from server|no connection to the server|Run was aborted' "$LOG" || true)
echo "pgbench: ${TRAITEES:-?} transactions committed, ${ECHOUEES:-?} failed, $PERTES clients lost their connection at the kill"
echo "committed before the kill (sampled then): $AVANT; after crash recovery: $APRES vacancies, $EVENEMENTS"
echo "after recovery: verifier_compteurs() $ECARTS differences; the oracle compared $COMPARES counter values, $ECARTS_ORACLE differ"
status=0
fail() { echo "FAIL: $*"; status=1; }
[ -n "$TRAITEES" ] || fail "pgbench printed no count of transactions processed: $(tail -n 5 "$LOG" | tr '\n' ' ')"
[ "$AVANT" -ge "$MIN" ] || fail "only $AVANT transactions committed before the kill (at least $MIN expected, CRASH_MIN): nothing worth recovering"
[ "${ECHOUEES:-0}" = 0 ] || fail "pgbench counted $ECHOUEES failed transactions"
if [ -n "$AUTRES" ]; then
	printf '%s\n' "$AUTRES"
	fail "pgbench reported errors other than the loss of its connections at the kill"
fi
if [ "$PERTES" -lt 1 ]; then
	tail -n 20 "$LOG"
	fail "no pgbench client saw the kill: was the postmaster killed while they ran?"
fi
if [ "$ECARTS" != 0 ]; then
	fail "$ECARTS counters differ from a recount after the crash"
	psql -X -d flux_crash -c 'SELECT * FROM flux_mgmt.verifier_compteurs() LIMIT 20'
fi
if [ "$ECARTS_ORACLE" != 0 ] || [ "${COMPARES:-0}" -lt 1 ]; then
	fail "$ECARTS_ORACLE counters differ from the oracle's recount after the crash (of $COMPARES compared)"
	psql -X -d flux_crash -f test/oracle/recompte.sql -c 'SELECT * FROM oracle_ecarts LIMIT 20'
fi
[ "$APRES" -ge "$AVANT" ] || fail "committed events were lost ($APRES < $AVANT)"
[ -z "$TRAITEES" ] || [ "$APRES" -ge "$TRAITEES" ] || fail "transactions pgbench saw commit were lost ($APRES vacancies < $TRAITEES)"
[ $status -eq 0 ] && echo "ok: after kill -9 of the postmaster and crash recovery, verifier_compteurs() and the oracle are empty"
exit $status
