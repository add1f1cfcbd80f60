#!/usr/bin/env bash
# The yearly report in a real browser: builds a small landlord's year
# (test/rapport/donnees.sql, on the fixture of the event tests), writes
# rapport_annuel() to an HTML file with psql, checks that the HTML is well
# formed (every element closed, in order: test/rapport/verifier_html.py),
# checks its figures and the export's against literals
# (test/rapport/verifier_chiffres.py, with a positive control per section),
# renders it with headless Chromium (no network: every background service
# off) and checks the screenshot is a real page, not a blank or one-colour
# image (test/rapport/verifier_png.py).  The files stay in the printed
# folder.  Runs inside a cluster (PGHOST/PGPORT/PGUSER set); installs
# chromium when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
manquants=()
command -v chromium >/dev/null || manquants+=(chromium)
command -v pdftoppm >/dev/null || manquants+=(poppler-utils)
if [ ${#manquants[@]} -gt 0 ]; then
	echo "== installing ${manquants[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${manquants[@]}" >/dev/null
fi
SORTIE=$(mktemp -d /tmp/flux_mgmt_rapport.XXXXXX)
PROFIL=$(mktemp -d)
trap 'rm -rf "$PROFIL"; dropdb --if-exists flux_rapport' EXIT

createdb flux_rapport
psql -X -q -v ON_ERROR_STOP=1 -d flux_rapport -f test/rapport/donnees.sql >/dev/null
psql -X -q -At -v ON_ERROR_STOP=1 -d flux_rapport -o "$SORTIE/rapport.html" \
	-c "SELECT flux_mgmt.rapport_annuel('b93', 2026)"
psql -X -q -At -v ON_ERROR_STOP=1 -d flux_rapport -o "$SORTIE/export_al.json" \
	-c "SELECT jsonb_pretty(flux_mgmt.export_reservataire('b93', 'al', 2026))"
python3 test/rapport/verifier_html.py "$SORTIE/rapport.html"
# the figures: a few cells of each section and the export, against literals
python3 test/rapport/verifier_chiffres.py "$SORTIE/rapport.html" "$SORTIE/export_al.json"
# positive controls: one figure changed in each section, and in the export, fails the check
for changement in 's|<td class="n">32,9</td>|<td class="n">33,9</td>|' \
	's|<td>Contingent propre du bailleur</td><td class="n">28</td>|<td>Contingent propre du bailleur</td><td class="n">27</td>|' \
	's|<td>Mutations internes</td><td class="n">5</td>|<td>Mutations internes</td><td class="n">6</td>|' \
	's|<td class="n">12,875</td>|<td class="n">12,876</td>|' 's|<td class="n">18,03</td>|<td class="n">18,04</td>|'; do
	sed "$changement" "$SORTIE/rapport.html" >"$SORTIE/rapport_modifie.html"
	if python3 test/rapport/verifier_chiffres.py "$SORTIE/rapport_modifie.html" "$SORTIE/export_al.json" >/dev/null; then
		echo "FAIL: the figures check accepts a report changed by $changement"; exit 1
	fi
done
sed 's|"manque": 2|"manque": 3|' "$SORTIE/export_al.json" >"$SORTIE/export_modifie.json"
if python3 test/rapport/verifier_chiffres.py "$SORTIE/rapport.html" "$SORTIE/export_modifie.json" >/dev/null; then
	echo "FAIL: the figures check accepts an export with a shortfall changed"; exit 1
fi
echo "ok: the figures check refuses one figure changed in each of the five sections and in the export"

# --disable-quic … --disable-sync: nothing reaches for the network
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-extensions \
	--user-data-dir="$PROFIL" --screenshot="$SORTIE/rapport.png" --window-size=1200,3000 \
	"file://$SORTIE/rapport.html" >"$SORTIE/chromium.log" 2>&1 \
	|| { cat "$SORTIE/chromium.log"; echo "FAIL: chromium could not render the report"; exit 1; }
python3 test/rapport/verifier_png.py "$SORTIE/rapport.png"
echo "ok: the report renders in Chromium; screenshot $SORTIE/rapport.png (HTML $SORTIE/rapport.html)"

# printed: the print style sheet gives each section its page and each
# réservataire's breakdown its own; every page is a rendered page
bash scripts/imprimer_pdf.sh "$SORTIE/rapport.html" "$SORTIE/rapport.pdf"
pdftoppm -r 100 -png "$SORTIE/rapport.pdf" "$SORTIE/page"
pages=$(ls "$SORTIE"/page-*.png | wc -l)
sections=$(grep -o '<h2>' "$SORTIE/rapport.html" | wc -l)
reservataires=$(grep -o '<h3 class="reservataire">' "$SORTIE/rapport.html" | wc -l)
if [ "$pages" -lt $((sections + reservataires)) ]; then
	echo "FAIL: the PDF has $pages pages, fewer than its $sections sections and $reservataires réservataires' breakdowns"; exit 1
fi
for page in "$SORTIE"/page-*.png; do python3 test/rapport/verifier_png.py "$page" >/dev/null; done
for section in "2. Logements proposés" "6. Attributions hors assiette"; do
	premiere=$(for i in $(seq 1 "$pages"); do pdftotext -f "$i" -l "$i" "$SORTIE/rapport.pdf" - | head -3 | grep -q "^$section" && echo "$i" && break; done)
	[ -n "$premiere" ] || { echo "FAIL: no page of the PDF starts with section \"$section\""; exit 1; }
done
# a table over several pages (the état des lieux of 150 dwellings): its header row on every page
psql -X -q -v ON_ERROR_STOP=1 -d flux_rapport >/dev/null <<'SQL'
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, qpv, contingent_rpls, adresse)
SELECT 'b93', 'EDL' || n, '93048', 1 + n % 5, false, 3, n || ' rue de la République, 93100 MONTREUIL' FROM generate_series(1, 150) AS n;
INSERT INTO flux_mgmt.convention_stock (bailleur, reservataire, reference, contrepartie, contingent, logements)
VALUES ('b93', 'al', 'AL-EDL', 'participation des employeurs', 3, (SELECT array_agg('EDL' || n) FROM generate_series(1, 150) AS n));
SELECT count(*) FROM flux_mgmt.etablir_etat_des_lieux('b93', '2026-01-01');
SQL
psql -X -q -At -v ON_ERROR_STOP=1 -d flux_rapport -o "$SORTIE/edl.html" -c "SELECT flux_mgmt.etat_des_lieux_html('b93', 'al', '2026-01-01')"
bash scripts/imprimer_pdf.sh "$SORTIE/edl.html" "$SORTIE/edl.pdf"
pages_edl=$(pdfinfo "$SORTIE/edl.pdf" | awk '/^Pages:/ {print $2}')
# (each page's text read whole: grep -q would end the pipe early, a failure under pipefail)
texte_page() { pdftotext -f "$2" -l "$2" -layout "$1" - ; }
debut=$(for i in $(seq 1 "$pages_edl"); do grep -q "Logements réservés, un par un" <<<"$(texte_page "$SORTIE/edl.pdf" "$i")" && echo "$i" && break; done)
avec_entete=0
for i in $(seq "$debut" "$pages_edl"); do
	if grep -q "Référence .*Adresse .*Contrepartie" <<<"$(texte_page "$SORTIE/edl.pdf" "$i")"; then avec_entete=$((avec_entete + 1)); fi
done
if [ "$pages_edl" -le "$debut" ] || [ "$avec_entete" -ne $((pages_edl - debut + 1)) ]; then
	echo "FAIL: the état des lieux's table of 150 dwellings, pages $debut to $pages_edl, repeats its header on $avec_entete of them"; exit 1
fi
# positive control: printed as an inline table (the screen's layout), the header is not repeated, and the check sees it
sed 's/table{display:table}//' "$SORTIE/edl.html" >"$SORTIE/edl_inline.html"
bash scripts/imprimer_pdf.sh "$SORTIE/edl_inline.html" "$SORTIE/edl_inline.pdf"
entetes_inline=0
for i in $(seq 1 "$(pdfinfo "$SORTIE/edl_inline.pdf" | awk '/^Pages:/ {print $2}')"); do
	if grep -q "Référence .*Adresse .*Contrepartie" <<<"$(texte_page "$SORTIE/edl_inline.pdf" "$i")"; then entetes_inline=$((entetes_inline + 1)); fi
done
if [ "$entetes_inline" -gt 1 ]; then
	echo "FAIL: the header check would accept the table printed inline ($entetes_inline pages with its header)"; exit 1
fi
echo "ok: a table over $((pages_edl - debut + 1)) pages (the état des lieux of 150 dwellings) repeats its header row on each; printed inline, on $entetes_inline"


# positive control: without its print style sheet the report prints on fewer pages, and the check refuses it
python3 -c 'import re, sys; s = open(sys.argv[1]).read(); open(sys.argv[2], "w").write(re.sub(r"@media print\{(?:[^{}]*\{[^{}]*\})*\}", "", s))' \
	"$SORTIE/rapport.html" "$SORTIE/rapport_sans_impression.html"
bash scripts/imprimer_pdf.sh "$SORTIE/rapport_sans_impression.html" "$SORTIE/rapport_sans_impression.pdf"
pages_sans=$(pdfinfo "$SORTIE/rapport_sans_impression.pdf" | awk '/^Pages:/ {print $2}')
if [ "$pages_sans" -ge $((sections + reservataires)) ]; then
	echo "FAIL: the page check would accept the report printed without its print style sheet ($pages_sans pages)"; exit 1
fi
echo "ok: the report prints: $pages A4 pages for $sections sections and $reservataires réservataires, sections 2 and 6 each starting a page; $pages_sans pages without the print style sheet, refused ($SORTIE/rapport.pdf)"
