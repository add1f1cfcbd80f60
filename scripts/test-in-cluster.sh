#!/usr/bin/env bash
# The body of scripts/test.sh, run inside the throwaway cluster (PGHOST,
# PGPORT, PGUSER set by pg_virtualenv).
set -euo pipefail
echo "== pg_regress: test/sql and test/specs"
if ! make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config installcheck; then
	cat regression.diffs 2>/dev/null || true
	cat output_iso/regression.diffs 2>/dev/null || true
	exit 1
fi
echo "== pg_prove: the same pgTAP files"
createdb flux_prove
PGDATABASE=flux_prove pg_prove --failures -v test/sql/*.sql | tail -n 3
dropdb flux_prove
for t in test/*.sh; do
	echo "== $t"
	bash "$t"
done
echo "== all tests passed"
