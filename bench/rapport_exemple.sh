#!/usr/bin/env bash
# The example of the yearly report (bench/rapport_exemple.html and .png):
# a 5 % Île-de-France data set (bench/generer_idf.sql) with two years of
# events (bench/generer_evenements.sql), the report of 2025 of a landlord
# present in one département, rendered by headless Chromium.  As root on
# Debian 12:
#   bash bench/rapport_exemple.sh
cd "$(dirname "$0")/.."
. scripts/common.sh
installer_paquets chromium
construire
SORTIE=$(pwd)/bench
dans_un_cluster bash -c "
	set -euo pipefail
	psql -X -q -c 'CREATE EXTENSION flux_mgmt'
	psql -X -q -v echelle=0.05 -f bench/generer_idf.sql >/dev/null
	psql -X -q -v annees=2 -f bench/generer_evenements.sql >/dev/null 2>&1
	# a landlord in one département, of median size among those
	b=\$(psql -X -At -c \"SELECT bailleur FROM flux_mgmt.logement GROUP BY bailleur
		HAVING count(DISTINCT flux_mgmt.departement(commune)) = 1 ORDER BY count(*), bailleur
		OFFSET (SELECT count(*) / 2 FROM (SELECT bailleur FROM flux_mgmt.logement GROUP BY bailleur
				 HAVING count(DISTINCT flux_mgmt.departement(commune)) = 1) AS x) LIMIT 1\")
	echo \"== the report of 2025 of landlord \$b\"
	psql -X -q -At -o $SORTIE/rapport_exemple.html -c \"SELECT flux_mgmt.rapport_annuel('\$b', 2025)\"
"
python3 test/rapport/verifier_html.py "$SORTIE/rapport_exemple.html"
PROFIL=$(mktemp -d)
timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync --disable-extensions \
	--user-data-dir="$PROFIL" --screenshot="$SORTIE/rapport_exemple.png" --window-size=1200,${HAUTEUR:-5000} \
	"file://$SORTIE/rapport_exemple.html" >/dev/null 2>&1
rm -rf "$PROFIL"
python3 test/rapport/verifier_png.py "$SORTIE/rapport_exemple.png"
