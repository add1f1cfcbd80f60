#!/usr/bin/env bash
# The flux_mgmt demo on a throwaway PostgreSQL cluster: installs what is
# missing, builds the extension, loads the real RPLS stock of Cannes and shows
# what the extension computes.  Usage, as root on Debian 12:
#   bash scripts/demo.sh
cd "$(dirname "$0")/.."
. scripts/common.sh
installer_paquets chromium   # the demo prints the yearly report to PDF
construire
dans_un_cluster psql -X -q -v ON_ERROR_STOP=1 -f demo/demo.sql
