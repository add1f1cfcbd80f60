#!/usr/bin/env bash
# Benchmark of savepoints (issue 13): N chains of events (a vacancy, its
# orientation, its attribution, as bench/compteurs/evenement.pgbench) recorded
# in ONE transaction, side by side in one run:
#   client, no savepoint        3N INSERT statements sent by psql
#   client, SAVEPOINT per chain SAVEPOINT / 3 INSERTs / RELEASE
#   client, SAVEPOINT per event SAVEPOINT / INSERT / RELEASE, 3N times
#   plpgsql loop, no block      a PL/pgSQL loop (bench/savepoints.sql)
#   plpgsql loop, EXCEPTION     the same loop, each event in a block with an
#                               EXCEPTION clause (a subtransaction each)
# each with the extension's triggers (flux_mgmt) and with them disabled on
# vacance, orientation and attribution (sans: the floor), in a fresh database
# prepared by bench/compteurs/preparer.sql (100,000 dwellings, four conventions).
# The goal: a savepointed run within 2x of the same run without savepoints.
# After each run it prints the MultiXacts the run created (members, from
# pg_control_checkpoint() around it) and, for the trigger runs, whether
# verifier_compteurs() is empty.  Times: wall clock of the psql run, in s.
#
#   bash bench/savepoints.sh [N, default 10000] [more sizes...]
#
# More sizes after N print how the savepointed runs grow with the size
# (e.g. "bash bench/savepoints.sh 10000 1000 2000 5000").
# As root on Debian 12, like bench/compteurs.sh: it builds and installs the
# extension and starts a throwaway cluster (pg_virtualenv -t).  Against a
# server that is already running, set PGHOST and/or PGPORT (and PGUSER, a
# superuser: pageinspect, CHECKPOINT): the extension is then built and
# installed with $PG_CONFIG (default pg_config), unless INSTALLER=0, and
# the databases bench_sp_* are dropped and created on that server.
cd "$(dirname "$0")/.."
set -euo pipefail
N=${1:-10000}
TAILLES=("$@")
[ ${#TAILLES[@]} -gt 0 ] || TAILLES=("$N")

if [ "${1:-}" = --dans-le-cluster ]; then
	shift
	N=$1
	shift
	TAILLES=("$@")
	B=bench/compteurs
	DOSSIER=$(mktemp -d)
	trap 'rm -rf "$DOSSIER"' EXIT
	psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
	echo "== $(nproc) CPUs, $(psql -At -d postgres -c 'SELECT version()' | cut -d' ' -f1,2)," \
		"$(psql -At -d postgres -c "SELECT current_setting('shared_buffers')") shared_buffers"

	# the prepared database, copied for each run
	dropdb --if-exists bench_sp_modele 2>/dev/null
	createdb bench_sp_modele
	psql -d bench_sp_modele -c 'CREATE EXTENSION flux_mgmt' -c 'CREATE EXTENSION pageinspect' -f $B/preparer.sql

	# the client's statements for n chains: mode aucun, chaine or evenement
	client() {
		awk -v n="$1" -v mode="$2" 'BEGIN {
			split("al prefet agents employeur", r, " ");
			print "BEGIN;";
			for (i = 0; i < n; i++) {
				j = sprintf("date %c2026-01-01%c + %d", 39, 39, int(i / 100000));
				res = (i % 5 == 4) ? "NULL" : sprintf("%c%s%c", 39, r[1 + i % 5], 39);
				e[1] = sprintf("INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) VALUES (%d, %s);", 1 + i % 100000, j);
				e[2] = sprintf("INSERT INTO flux_mgmt.orientation (vacance_id, reservataire, date_orientation)" \
							   " VALUES (currval(%cflux_mgmt.vacance_id_seq%c), %s, %s);", 39, 39, res, j);
				e[3] = sprintf("INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile)" \
							   " VALUES (currval(%cflux_mgmt.orientation_id_seq%c), %s + 10, %s + 20, %s);", 39, 39, j, j,
							   (i % 5 == 1) ? "true" : "false");
				if (mode == "chaine") print "SAVEPOINT s;";
				for (k = 1; k <= 3; k++) {
					if (mode == "evenement") print "SAVEPOINT s;";
					print e[k];
					if (mode == "evenement") print "RELEASE SAVEPOINT s;";
				}
				if (mode == "chaine") print "RELEASE SAVEPOINT s;";
			}
			print "COMMIT;" }' > "$DOSSIER/client_$2_$1.sql"
	}

	# one run: variant (flux_mgmt or sans), workload, n; prints "seconds members counters"
	mesure() {
		local v=$1 w=$2 n=$3 db=bench_sp_$1 debut fin m0 m1 e
		dropdb --if-exists $db 2>/dev/null
		createdb -T bench_sp_modele $db
		if [ $v = sans ]; then
			for t in vacance orientation attribution; do
				psql -d $db -c "ALTER TABLE flux_mgmt.$t DISABLE TRIGGER USER"
			done
		fi
		m0=$(psql -At -d $db -c 'CHECKPOINT' -c 'SELECT next_multi_offset FROM pg_control_checkpoint()')
		debut=$(date +%s%N)
		case $w in
			client_*) psql -d $db -f "$DOSSIER/${w}_$n.sql" ;;
			plpgsql_*) psql -d $db -v n=$n -v bloc=${w#plpgsql_} -f bench/savepoints.sql >/dev/null ;;
		esac
		fin=$(date +%s%N)
		m1=$(psql -At -d $db -c 'CHECKPOINT' -c 'SELECT next_multi_offset FROM pg_control_checkpoint()')
		e=-
		[ $v = sans ] || { [ "$(psql -At -d $db -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')" = 0 ] && e=yes || e=NO; }
		if [ $w = client_evenement ] && [ $n = $N ]; then   # which rows the run left with a MultiXact xmax
			psql -At -d $db -F ' ' -c "SELECT c::text, count(*), max(cardinality(m))
				FROM unnest('{flux_mgmt.bailleur,flux_mgmt.reservataire,flux_mgmt.convention,flux_mgmt.logement,flux_mgmt.vacance,
					flux_mgmt.orientation,flux_mgmt.attribution,flux_mgmt.compteur,flux_mgmt.compteur_bilan}'::regclass[]) c,
					generate_series(0, pg_relation_size(c) / 8192 - 1) b, heap_page_items(get_raw_page(c::text, b::int)) h,
					LATERAL (SELECT array_agg(x) FROM pg_get_multixact_members(h.t_xmax) x) mm (m)
				WHERE h.t_infomask & 4096 <> 0 GROUP BY 1 ORDER BY 1" > "$DOSSIER/multi_$v"
		fi
		dropdb $db
		echo "$(( (fin - debut) / 1000000 )) $((m1 - m0)) $e"
	}

	CHARGES="client_aucun client_chaine client_evenement plpgsql_aucun plpgsql_evenement"
	for n in "${TAILLES[@]}"; do
		for m in aucun chaine evenement; do client $n $m; done
	done
	echo "== $N chains (vacancy, orientation, attribution) in one transaction: s, and x the same run without savepoints"
	printf '%-30s %10s %7s %12s %8s   %9s %7s %12s\n' workload flux_mgmt x 'mxact memb.' 'counters' sans x 'mxact memb.'
	for w in $CHARGES; do
		read -r tf mf ef <<< "$(mesure flux_mgmt $w $N)"
		echo "$tf $mf $ef" > "$DOSSIER/mesure_${w}_$N"   # the growth table reuses it
		read -r ts ms es <<< "$(mesure sans $w $N)"
		case $w in *_aucun) bf=$tf; bs=$ts ;; esac
		awk -v w=$w -v tf=$tf -v mf=$mf -v ef=$ef -v bf=$bf -v ts=$ts -v ms=$ms -v bs=$bs 'BEGIN {
			printf "%-30s %10.2f %7.2f %12d %8s   %9.2f %7.2f %12d\n", w, tf / 1000, tf / bf, mf, ef, ts / 1000, ts / bs, ms }'
	done
	for v in flux_mgmt sans; do
		if [ -s "$DOSSIER/multi_$v" ]; then
			echo "-- $v, client_evenement: rows left with a MultiXact xmax (table, rows, most members of one)"
			sed 's/^/   /' "$DOSSIER/multi_$v"
		fi
	done
	if [ ${#TAILLES[@]} -gt 1 ]; then
		echo "== growth with the size (flux_mgmt, triggers on): s, µs per chain, MultiXact members per chain"
		printf '%8s' chains; for w in client_aucun client_chaine client_evenement plpgsql_evenement; do printf ' %24s' $w; done; echo
		for n in $(printf '%s\n' "${TAILLES[@]}" | sort -n | uniq); do
			printf '%8d' $n
			for w in client_aucun client_chaine client_evenement plpgsql_evenement; do
				if [ -s "$DOSSIER/mesure_${w}_$n" ]; then
					read -r t m e < "$DOSSIER/mesure_${w}_$n"
				else
					read -r t m e <<< "$(mesure flux_mgmt $w $n)"
				fi
				awk -v t=$t -v m=$m -v n=$n -v e=$e 'BEGIN { printf " %7.2f %6.0f µs %5.1f%s", t / 1000, t * 1000 / n, m / n, e == "yes" ? " " : "!" }'
			done
			echo
		done
	fi
	dropdb bench_sp_modele
	exit 0
fi

if [ -n "${PGHOST:-}${PGPORT:-}" ]; then
	# a server that is already running
	PG_CONFIG=${PG_CONFIG:-pg_config}
	if [ "${INSTALLER:-1}" != 0 ]; then
		echo "== building flux_mgmt with $PG_CONFIG"
		make -s PG_CONFIG="$PG_CONFIG" ${PG_CFLAGS:+PG_CFLAGS="$PG_CFLAGS"}
		make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
	fi
	PATH=$("$PG_CONFIG" --bindir):$PATH bash bench/savepoints.sh --dans-le-cluster "$N" "${TAILLES[@]}"
else
	. scripts/common.sh
	installer_paquets
	construire    # keeps the install lock until the end
	dans_un_cluster -o shared_buffers=1GB -o max_wal_size=8GB -o checkpoint_timeout=30min \
		bash bench/savepoints.sh --dans-le-cluster "$N" "${TAILLES[@]}"
fi
