#!/usr/bin/env bash
# The CPU cost of one event transaction (a vacancy, its orientation, its
# attribution: bench/compteurs/evenement.pgbench), counted in instructions by
# valgrind (callgrind), for the four variants of bench/compteurs.sh side by
# side: sans (triggers disabled), flux_mgmt, general (fast path off), plpgsql
# (the PL/pgSQL reference).  Instructions do not depend on the machine's load
# or on its disk: on a shared 2-core machine whose speed moves by half from
# one run to the next, they compare two versions of the code where timings
# cannot.  Each variant runs in a single-user backend (postgres --single) on a
# copy of one cluster, synchronous_commit off, the statements prepared as
# pgbench -M prepared does; a run of N1 transactions and one of N2 are counted
# and their difference divided by N2 - N1, so that starting and stopping the
# backend cancel out.  As root on Debian 12:
#   bash bench/instructions.sh [N1 N2, default 500 1500]
# It takes about two minutes.  Timings under load stay bench/compteurs.sh's.
cd "$(dirname "$0")/.."
. scripts/common.sh
N1=${1:-500}
N2=${2:-1500}
[ "$N2" -gt "$N1" ] && [ "$N2" -le 100000 ] || { echo "usage: $0 [N1 N2], N1 < N2 <= 100000" >&2; exit 2; }
installer_paquets valgrind
construire    # keeps the install lock until the end
BIN=/usr/lib/postgresql/15/bin
DOSSIER=$(mktemp -d)
chown postgres "$DOSSIER"
trap 'runuser -u postgres -- $BIN/pg_ctl -D "$DOSSIER/grappe" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$DOSSIER"' EXIT
B=bench/compteurs
VARIANTES="sans flux_mgmt general plpgsql"

echo "== one cluster, a database per variant (bench/compteurs/preparer.sql)"
runuser -u postgres -- $BIN/initdb -D "$DOSSIER/grappe" -A trust >/dev/null
runuser -u postgres -- $BIN/pg_ctl -D "$DOSSIER/grappe" -w -l "$DOSSIER/log" \
	-o "-c listen_addresses='' -k $DOSSIER -c port=5432" start >/dev/null
export PGHOST=$DOSSIER PGPORT=5432 PGUSER=postgres
for v in $VARIANTES; do
	createdb "$v"
	psql -X -q -v ON_ERROR_STOP=1 -d "$v" -c 'CREATE EXTENSION flux_mgmt' -f $B/preparer.sql
	case $v in
		sans) psql -X -q -d "$v" -c 'ALTER TABLE flux_mgmt.vacance DISABLE TRIGGER USER' \
				-c 'ALTER TABLE flux_mgmt.orientation DISABLE TRIGGER USER' \
				-c 'ALTER TABLE flux_mgmt.attribution DISABLE TRIGGER USER' ;;
		plpgsql) psql -X -q -v ON_ERROR_STOP=1 -d "$v" -f $B/reference_plpgsql.sql ;;
	esac
done
runuser -u postgres -- $BIN/pg_ctl -D "$DOSSIER/grappe" -w stop >/dev/null

# n transactions of evenement.pgbench, as single-user input (one statement a line)
script() {
	echo "PREPARE v AS INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT 1 + s % 100000, date '2026-01-01' + (s / 100000)::int FROM (SELECT nextval('public.bench_n') AS s) x;"
	# the ids of the transaction's vacancy and orientation by currval(), the dates fixed (the
	# first 100,000 vacancies are of 2026-01-01): no statement reads the tables
	echo "PREPARE o(text) AS INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation) VALUES (currval('flux_mgmt.vacance_id_seq'), \$1, date '2026-01-01');"
	echo "PREPARE a(bool) AS INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile) VALUES (currval('flux_mgmt.orientation_id_seq'), date '2026-01-11', date '2026-01-21', \$1);"
	local reservataires=("'al'" "'prefet'" "'agents'" "'employeur'" NULL)
	for ((i = 0; i < $1; i++)); do
		echo "BEGIN;"
		echo "EXECUTE v;"
		echo "EXECUTE o(${reservataires[i % 5]});"
		echo "EXECUTE a($([ $((i % 5)) = 1 ] && echo true || echo false));"
		echo "COMMIT;"
	done
	echo "SELECT count(*) AS attributions FROM flux_mgmt.attribution;"
}
script "$N1" > "$DOSSIER/n1.sql"
script "$N2" > "$DOSSIER/n2.sql"
chmod 644 "$DOSSIER"/*.sql

# instructions of a single-user backend running one script on a copy of the cluster
compter() {
	rm -rf "$DOSSIER/copie"
	cp -a "$DOSSIER/grappe" "$DOSSIER/copie"
	# the general path by the command line: a single-user backend does not apply ALTER DATABASE … SET
	runuser -u postgres -- valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		$BIN/postgres --single -D "$DOSSIER/copie" -c synchronous_commit=off \
		$([ "$1" = general ] && echo "-c flux_mgmt.chemin_rapide=off") "$1" \
		< "$DOSSIER/$2.sql" > "$DOSSIER/sortie" 2> "$DOSSIER/valgrind"
	if grep -q ERROR "$DOSSIER/sortie" || ! grep -q "attributions = \"${3}\"" "$DOSSIER/sortie"; then
		echo "variant $1: the script failed" >&2
		grep -m3 ERROR "$DOSSIER/sortie" >&2 || true
		exit 1
	fi
	awk '/Collected/ {gsub(",", "", $4); print $4}' "$DOSSIER/valgrind"
}

echo "== instructions per transaction (valgrind callgrind; ($N2 - $N1) transactions between two runs)"
printf '%-10s %14s   %s\n' variant instructions 'sans / variant'
for v in $VARIANTES; do
	a=$(compter "$v" n1 "$N1")
	b=$(compter "$v" n2 "$N2")
	echo "$v $(( (b - a) / (N2 - N1) ))" >> "$DOSSIER/resultats"
done
awk '{i[$1] = $2; ordre[NR] = $1} END {
	for (k = 1; k <= NR; k++) printf "%-10s %14d   %.2f\n", ordre[k], i[ordre[k]], i["sans"] / i[ordre[k]];
	printf "flux_mgmt / plpgsql (instructions of plpgsql / of flux_mgmt): %.2f\n", i["plpgsql"] / i["flux_mgmt"];
	printf "the triggers cost: flux_mgmt %d, plpgsql %d, general %d instructions a transaction\n",
		i["flux_mgmt"] - i["sans"], i["plpgsql"] - i["sans"], i["general"] - i["sans"] }' "$DOSSIER/resultats"
