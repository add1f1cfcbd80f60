#!/usr/bin/env bash
# pg_dump → restore round trip: every row of every table of flux_mgmt comes
# back, in the custom and the plain format; the identity sequences go on where
# they were; the counters, rebuilt by the triggers as the events are reloaded
# (they are not dumped), equal the source's, a recount and the independent
# oracle's (test/oracle/recompte.sql).  Runs inside a cluster (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; dropdb --if-exists flux_source; dropdb --if-exists flux_custom; dropdb --if-exists flux_plain' EXIT

createdb flux_source
psql -X -q -v ON_ERROR_STOP=1 -d flux_source -f test/dump_restore/remplir.sql >/dev/null

# One line per table: its name, row count and a digest of its rows in key order.
empreinte() {
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -f test/dump_restore/empreinte.sql
}
empreinte flux_source > "$TMP/source"
grep -qx "verifier_compteurs 0" "$TMP/source" || { echo "FAIL: the source counters disagree with a recount"; exit 1; }

pg_dump -Fc -d flux_source -f "$TMP/dump.custom"
echo "restore order: $(pg_restore -l "$TMP/dump.custom" | grep "TABLE DATA" | awk '{print $(NF-1)}' | tr "\n" " ")"
createdb flux_custom
pg_restore --exit-on-error -d flux_custom "$TMP/dump.custom"
empreinte flux_custom > "$TMP/custom"

pg_dump -Fp -d flux_source -f "$TMP/dump.sql"
createdb flux_plain
psql -X -q -v ON_ERROR_STOP=1 -d flux_plain -f "$TMP/dump.sql" >/dev/null
empreinte flux_plain > "$TMP/plain"

status=0
for f in custom plain; do
	if ! diff -u "$TMP/source" "$TMP/$f"; then
		echo "FAIL: the $f-format restore differs from the source"; status=1
	fi
done
# The independent oracle (test/oracle/recompte.sql) recounts the counters of
# the source and of both restores from their events.
for db in flux_source flux_custom flux_plain; do
	oracle=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -f test/oracle/recompte.sql \
		-c "SELECT count(*) FILTER (WHERE attendu <> trouve) || ' ' || count(*) FROM oracle_comparaisons")
	if [ "${oracle% *}" != 0 ] || [ "${oracle#* }" -lt 1 ]; then
		echo "FAIL: in $db, ${oracle% *} of the ${oracle#* } counter values the oracle compares differ from its recount"
		psql -X -d "$db" -f test/oracle/recompte.sql -c 'SELECT * FROM oracle_ecarts LIMIT 20'
		status=1
	fi
done
# The sequences go on: a new row gets an id above every restored one.
for db in flux_custom flux_plain; do
	psql -X -q -v ON_ERROR_STOP=1 -d "$db" -c \
		"INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv) VALUES ('cannes', 'nouveau', '06029', false)" \
		|| { echo "FAIL: a new dwelling collides after the restore of $db"; status=1; }
done
[ $status -eq 0 ] && echo "ok: $(wc -l < "$TMP/source") tables identical after pg_dump/pg_restore (custom and plain), the oracle's ${oracle#* } counter values equal its recount in the source and both restores"
exit $status
