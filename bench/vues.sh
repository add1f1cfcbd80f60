#!/usr/bin/env bash
# Benchmark of the reporting views (issue 7): builds and installs flux_mgmt,
# creates a throwaway cluster, generates the Île-de-France data set
# (bench/generer_idf.sql) and years of events on it
# (bench/generer_evenements.sql, with the counter triggers on), checks the
# counters against a recount, and times the views for one landlord-year and
# for the whole region against the same figures computed straight from the
# event tables (bench/vues.sql).  As root on Debian 12, from anywhere:
#   bash bench/vues.sh [echelle [annee [annees [graine]]]]
# echelle: fraction of the region (default 1: 1.27 million dwellings).
cd "$(dirname "$0")/.."
. scripts/common.sh
ECHELLE=${1:-1}
ANNEE=${2:-2026}
ANNEES=${3:-5}
GRAINE=${4:-0.42}
installer_paquets
construire    # keeps the install lock until the end: nobody reinstalls meanwhile
echo "== $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(/usr/lib/postgresql/15/bin/postgres --version)"
dans_un_cluster -o shared_buffers=1GB -o max_wal_size=8GB -o checkpoint_timeout=30min -o work_mem=32MB bash -c "
	set -euo pipefail
	psql -X -q -c 'CREATE EXTENSION flux_mgmt'
	echo '== generating the data set (echelle $ECHELLE, annee $ANNEE, graine $GRAINE)'
	debut=\$(date +%s%N)
	psql -X -q -v echelle=$ECHELLE -v annee=$ANNEE -v graine=$GRAINE -f bench/generer_idf.sql >/dev/null
	echo \"== generated in \$(( (\$(date +%s%N) - debut) / 1000000 )) ms\"
	echo '== generating $ANNEES years of events'
	debut=\$(date +%s%N)
	psql -X -q -v annee=$ANNEE -v annees=$ANNEES -v graine=$GRAINE -f bench/generer_evenements.sql
	echo \"== events generated in \$(( (\$(date +%s%N) - debut) / 1000000 )) ms\"
	psql -X -q -c 'VACUUM ANALYZE'
	debut=\$(date +%s%N)
	ecarts=\$(psql -X -At -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')
	echo \"== counters differing from a recount (verifier_compteurs): \$ecarts, in \$(( (\$(date +%s%N) - debut) / 1000000 )) ms\"
	echo '== timing'
	psql -X -q -v annee=$ANNEE -f bench/vues.sql
"
