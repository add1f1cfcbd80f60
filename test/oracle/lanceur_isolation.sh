#!/bin/sh
# pg_isolation_regress --launcher (Makefile, ISOLATION_OPTS): before each
# spec, loads the independent oracle of the counters (recompte.sql) into the
# spec's database as the views oracle.oracle_comparaisons and
# oracle.oracle_ecarts, which every session can read (a spec cannot include a
# file, and a temporary view would be seen by one session only); then runs
# the isolation tester, whose command line it is given ("$@": the program and
# "dbname=…"; its input, the spec, is this script's standard input).
set -e
base=
for arg in "$@"; do
	case "$arg" in dbname=*) base=${arg#dbname=} ;; esac
done
[ -n "$base" ] || { echo "lanceur_isolation.sh: no dbname=… among its arguments: $*" >&2; exit 2; }
psql -X -q -v ON_ERROR_STOP=1 -v oracle_schema=oracle -d "$base" \
	-c 'SET client_min_messages = warning' -c 'CREATE SCHEMA IF NOT EXISTS oracle' -f "$(dirname "$0")/recompte.sql" </dev/null
exec "$@"
