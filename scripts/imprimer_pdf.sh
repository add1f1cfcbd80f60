#!/usr/bin/env bash
# Prints an HTML file (the yearly report) to PDF with headless Chromium, as
# a landlord would print it: the report's print style sheet (A4, a section
# per page, table headers repeated).  Nothing reaches for the network.
#   bash scripts/imprimer_pdf.sh rapport.html rapport.pdf
set -euo pipefail
html=$(realpath "$1")
pdf=$2
profil=$(mktemp -d)
trap 'rm -rf "$profil"' EXIT
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-extensions \
	--user-data-dir="$profil" --no-pdf-header-footer --print-to-pdf="$pdf" \
	"file://$html" >"$profil/chromium.log" 2>&1 \
	|| { cat "$profil/chromium.log" >&2; echo "chromium could not print $html" >&2; exit 1; }
[ -s "$pdf" ] || { echo "chromium wrote no PDF for $html" >&2; exit 1; }
