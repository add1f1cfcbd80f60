#!/usr/bin/env bash
# Benchmark of the yearly shares (issue 3): builds and installs flux_mgmt,
# creates a throwaway cluster, generates the Île-de-France data set
# (bench/generer_idf.sql) and times flux_previsionnel and parts_annuelles for
# every landlord × département of one year against a plain GROUP BY
# (bench/flux.sql).  As root on Debian 12, from anywhere:
#   bash bench/flux.sh [echelle [annee [graine]]]
# echelle: fraction of the region (default 1: 1.27 million dwellings).
cd "$(dirname "$0")/.."
. scripts/common.sh
ECHELLE=${1:-1}
ANNEE=${2:-2026}
GRAINE=${3:-0.42}
installer_paquets
construire    # keeps the install lock until the end: nobody reinstalls meanwhile
echo "== $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(/usr/lib/postgresql/15/bin/postgres --version)"
dans_un_cluster -o shared_buffers=512MB -o max_wal_size=4GB -o work_mem=32MB bash -c "
	set -euo pipefail
	psql -X -q -c 'CREATE EXTENSION flux_mgmt'
	echo '== generating the data set (echelle $ECHELLE, annee $ANNEE, graine $GRAINE)'
	debut=\$(date +%s%N)
	psql -X -q -v echelle=$ECHELLE -v annee=$ANNEE -v graine=$GRAINE -f bench/generer_idf.sql
	echo \"== generated in \$(( (\$(date +%s%N) - debut) / 1000000 )) ms\"
	psql -X -q -c 'VACUUM ANALYZE'
	echo '== timing'
	psql -X -q -v annee=$ANNEE -f bench/flux.sql
"
