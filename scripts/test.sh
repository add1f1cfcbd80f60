#!/usr/bin/env bash
# Runs every test of flux_mgmt on a throwaway cluster: pg_regress (pgTAP files
# and isolation specs), the same pgTAP files under pg_prove, and the scripted
# tests of test/*.sh (dump and restore…).  Usage, as root on Debian 12:
#   bash scripts/test.sh
cd "$(dirname "$0")/.."
. scripts/common.sh
installer_paquets chromium python3-psycopg    # test/rapport.sh renders the report; test/client.sh runs examples/client.py
construire
dans_un_cluster bash scripts/test-in-cluster.sh
