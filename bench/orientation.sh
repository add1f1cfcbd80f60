#!/usr/bin/env bash
# Benchmark of the orientation engine (issue 6), at Île-de-France scale: the
# region of bench/generer_idf.sql, the landlord × département with the most
# conventions, a year of its vacancies oriented in one batch
# (orienter_en_attente, counter triggers included), then 10,000 suggerer()
# calls timed inside the server side by side with a pure-SQL largest-deficit
# rank 1, and 10,000 pgbench calls from a client.  As root on Debian 12:
#   bash bench/orientation.sh [echelle]
cd "$(dirname "$0")/.."
. scripts/common.sh
ECHELLE=${1:-1}
installer_paquets
construire    # keeps the install lock until the end
echo "== $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo), $(/usr/lib/postgresql/15/bin/postgres --version)"
dans_un_cluster -o shared_buffers=1GB -o max_wal_size=8GB -o work_mem=32MB bash -c "
	set -euo pipefail
	psql -X -q -c 'CREATE EXTENSION flux_mgmt'
	echo '== generating the region (echelle $ECHELLE)'
	psql -X -q -v echelle=$ECHELLE -f bench/generer_idf.sql >/dev/null
	psql -X -q -c 'VACUUM ANALYZE'
	echo '== a year of vacancies for the landlord × département with the most conventions'
	psql -X -v ON_ERROR_STOP=1 -f bench/orientation/annee.sql -f bench/orientation/mesures.sql | grep -v '^\$'
	echo '== end to end from a client: pgbench, 10,000 suggerer() calls, 1 client'
	VACANCES=\$(psql -X -At -c 'SELECT count(*) FROM flux_mgmt.vacance')
	pgbench -n -M prepared -c 1 -t 10000 -D vacances=\$VACANCES -f bench/orientation/suggerer.pgbench 2>&1 | grep -E 'latency average|tps'
"
