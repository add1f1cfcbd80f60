#!/usr/bin/env bash
# Benchmark of the counter triggers (issue 5), side by side in one run:
#   sans       the extension's triggers disabled on vacance, orientation and
#              attribution: the physical limit of recording these events
#   flux_mgmt  the extension as shipped (C statement triggers; the common
#              events take the fast path, src/chemin_rapide.c)
#   general    the same with the fast path off (flux_mgmt.chemin_rapide =
#              off): every statement takes the general path's recount
#   plpgsql    the reference a DBA would write: PL/pgSQL row triggers keeping
#              the same counters with INSERT … ON CONFLICT DO UPDATE
#              (bench/compteurs/reference_plpgsql.sql)
# Workloads: pgbench transactions (vacancy → orientation → attribution) with 1
# and 2 clients; 2 clients charging the same counter key versus different
# ones; a COPY of one million events.  As root on Debian 12:
#   bash bench/compteurs.sh [seconds per pgbench run, default 30]
#   SANS_COPIE=1 bash bench/compteurs.sh 10    # the pgbench runs only (the COPY
#                                              # with the PL/pgSQL reference takes 12 min or more)
#   COPIE_SANS_PLPGSQL=1 bash bench/compteurs.sh 10   # everything but the PL/pgSQL
#                                              # reference's COPY
cd "$(dirname "$0")/.."
. scripts/common.sh
DUREE=${1:-30}
installer_paquets
construire    # keeps the install lock until the end
echo "== $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(/usr/lib/postgresql/15/bin/postgres --version)"
DOSSIER=$(mktemp -d)
chmod 777 "$DOSSIER"
dans_un_cluster -o shared_buffers=1GB -o max_wal_size=8GB -o checkpoint_timeout=30min bash -c "
	set -euo pipefail
	B=bench/compteurs
	nouvelle() {   # a fresh database for one variant
		dropdb --if-exists \$1; createdb \$1
		psql -X -q -d \$1 -c 'CREATE EXTENSION flux_mgmt' -f \$B/preparer.sql
		case \$1 in
			*sans*) psql -X -q -d \$1 -c 'ALTER TABLE flux_mgmt.vacance DISABLE TRIGGER USER' \
						-c 'ALTER TABLE flux_mgmt.orientation DISABLE TRIGGER USER' \
						-c 'ALTER TABLE flux_mgmt.attribution DISABLE TRIGGER USER' ;;
			*plpgsql*) psql -X -q -d \$1 -f \$B/reference_plpgsql.sql ;;
			*general*) psql -X -q -d \$1 -c \"ALTER DATABASE \$1 SET flux_mgmt.chemin_rapide = off\" ;;
		esac
	}
	tps() {   # database, clients, script: 3 s of warm-up (new counter rows, caches), then the run
		pgbench -n -M prepared -c \$2 -j \$2 -T 3 -f \$3 \$1 >/dev/null 2>&1
		pgbench -n -M prepared -c \$2 -j \$2 -T $DUREE -f \$3 \$1 2>&1 | awk '/^tps/ {print \$3}'
	}
	ecarts() {   # counters that differ from a recount (the PL/pgSQL reference keeps no ledger: the counters only)
		psql -X -At -d \$1 -c 'SELECT count(*) FROM flux_mgmt.ecarts_compteurs()'
	}
	echo '== pgbench: one transaction = a vacancy, its orientation, its attribution (tps, $DUREE s each)'
	printf '%-10s %10s %10s   %s\n' variant '1 client' '2 clients' 'counters = recount'
	for v in sans flux_mgmt general plpgsql; do
		nouvelle bench_\$v
		t1=\$(tps bench_\$v 1 \$B/evenement.pgbench)
		t2=\$(tps bench_\$v 2 \$B/evenement.pgbench)
		e=\$( [ \$v = sans ] && echo '-' || ( [ \"\$(ecarts bench_\$v)\" = 0 ] && echo yes || echo NO ) )
		printf '%-10s %10s %10s   %s\n' \$v \$t1 \$t2 \$e
		echo \"\$v \$t1 \$t2\" >> $DOSSIER/tps
	done
	awk '{t1[\$1] = \$2; t2[\$1] = \$3} END {
		printf \"flux_mgmt / sans:    %.2f (1 client), %.2f (2 clients)\\n\", t1[\"flux_mgmt\"] / t1[\"sans\"], t2[\"flux_mgmt\"] / t2[\"sans\"];
		printf \"flux_mgmt / plpgsql: %.2f (1 client), %.2f (2 clients)\\n\", t1[\"flux_mgmt\"] / t1[\"plpgsql\"], t2[\"flux_mgmt\"] / t2[\"plpgsql\"];
		printf \"flux_mgmt / general: %.2f (1 client), %.2f (2 clients)\\n\", t1[\"flux_mgmt\"] / t1[\"general\"], t2[\"flux_mgmt\"] / t2[\"general\"] }' $DOSSIER/tps

	echo '== 2 clients, same counter key (Action Logement, Montreuil, 2026) versus different keys (tps)'
	for v in flux_mgmt general plpgsql; do
		nouvelle bench_cle_\$v
		m=\$(tps bench_cle_\$v 2 \$B/meme_cle.pgbench)
		d=\$(tps bench_cle_\$v 2 \$B/cles_differentes.pgbench)
		e=\$( [ \"\$(ecarts bench_cle_\$v)\" = 0 ] && echo yes || echo NO )
		awk -v v=\$v -v m=\$m -v d=\$d -v e=\$e 'BEGIN {printf \"%-10s same key %8.1f   different keys %8.1f   ratio %.2f   counters = recount: %s\\n\", v, m, d, m / d, e}'
	done

	[ -z \"${SANS_COPIE:-}\" ] || exit 0
	echo '== COPY of one million events (400,000 vacancies, 400,000 orientations, 200,000 attributions)'
	colonnes() {   # the columns of the CSV files of generer_copie.sql (the tables have more, with defaults)
		case \$1 in
			vacance) echo '(id, logement_id, date_liberation, premiere_location)' ;;
			orientation) echo '(id, vacance_id, reservataire, soustraction, date_orientation, date_limite, issue, date_issue)' ;;
			attribution) echo '(id, orientation_id, date_caleol, date_bail, premier_quartile, dalo, prioritaire, relogement_renouvellement, mutation, agent_etat)' ;;
		esac
	}
	nouvelle bench_generation
	psql -X -q -d bench_generation -v dossier=$DOSSIER -f \$B/generer_copie.sql
	printf '%-10s %10s %10s %10s %10s   %s\n' variant vacance orientation attribution 'total s' 'counters = recount'
	for v in sans flux_mgmt \$( [ -n \"${COPIE_SANS_PLPGSQL:-}\" ] || echo plpgsql ); do
		nouvelle bench_copie_\$v
		ligne=\$v
		for t in vacance orientation attribution; do
			debut=\$(date +%s%N)
			psql -X -q -d bench_copie_\$v -c \"COPY flux_mgmt.\$t \$(colonnes \$t) FROM '$DOSSIER/\$t.csv' WITH (FORMAT csv)\"
			ligne=\"\$ligne \$(( (\$(date +%s%N) - debut) / 1000000 ))\"
		done
		e=\$( [ \$v = sans ] && echo '-' || ( [ \"\$(ecarts bench_copie_\$v)\" = 0 ] && echo yes || echo NO ) )
		echo \"\$ligne\" >> $DOSSIER/copie
		echo \"\$ligne\" | awk -v e=\$e '{printf \"%-10s %10.1f %10.1f %10.1f %10.1f   %s\\n\", \$1, \$2 / 1000, \$3 / 1000, \$4 / 1000, (\$2 + \$3 + \$4) / 1000, e}'
	done
	awk '{s[\$1] = \$2 + \$3 + \$4} END {
		printf \"throughput flux_mgmt / sans: %.2f\", s[\"sans\"] / s[\"flux_mgmt\"];
		if (\"plpgsql\" in s) printf \"; flux_mgmt / plpgsql: %.2f (time plpgsql / flux_mgmt)\", s[\"plpgsql\"] / s[\"flux_mgmt\"];
		printf \"\\n\" }' $DOSSIER/copie
"
rm -rf "$DOSSIER"
