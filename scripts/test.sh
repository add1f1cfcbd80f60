#!/usr/bin/env bash
# Runs every test of flux_mgmt on a throwaway cluster: pg_regress (pgTAP files
# and isolation specs), the same pgTAP files under pg_prove, and the scripted
# tests of test/*.sh (dump and restore…).  Usage, as root on Debian 12:
#   bash scripts/test.sh
cd "$(dirname "$0")/.."
. scripts/common.sh
installer_paquets chromium poppler-utils python3-psycopg    # test/rapport.sh renders and prints the report; test/client.sh runs examples/client.py
construire
# Autovacuum off in the test cluster: its VACUUM and ANALYZE, run between or
# during the tests' long transactions, record tables full of rolled-back rows
# as empty, and plans made then made a file take minutes instead of a second
# at random (510 and 520 once: 150 s and over 12 min).  Test 245 reproduces
# that state on purpose, deterministically.  Prepared transactions on
# (PostgreSQL's default is 0): test 682 commits events with PREPARE
# TRANSACTION and COMMIT or ROLLBACK PREPARED (it skips where they are off).
dans_un_cluster -o autovacuum=off -o max_prepared_transactions=10 bash scripts/test-in-cluster.sh
