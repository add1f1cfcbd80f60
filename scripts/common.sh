# Shared by scripts/demo.sh and scripts/test.sh: install what is missing
# (Debian 12, as root), then build and install the extension.
set -euo pipefail

PAQUETS="postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-contrib gcc make"

installer_paquets() {
	local manquants=()
	for p in $PAQUETS "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || manquants+=("$p")
	done
	if [ ${#manquants[@]} -gt 0 ]; then
		echo "== installing ${manquants[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${manquants[@]}" >/dev/null
	fi
}

# The extension is installed into the system's PostgreSQL directories: two runs
# at once on one machine (two checkouts) would install over each other while
# testing.  The first takes this lock until it ends; the other says that it
# waits, for whom, and waits.  The lock file holds the holder's description.
VERROU=/tmp/flux_mgmt.install.lock
verrouiller() {
	exec 9>>"$VERROU"
	if ! flock -n 9; then
		echo "== waiting: another flux_mgmt run holds the install lock $VERROU" \
			"($(cat "$VERROU" 2>/dev/null || echo 'holder unknown')); this one starts when it ends"
		flock 9
	fi
	echo "$(basename "$0") in $(pwd), pid $$, since $(date '+%F %T')" > "$VERROU"
}

construire() {
	verrouiller
	echo "== building flux_mgmt"
	make -s clean >/dev/null
	make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config ${PG_CFLAGS:+PG_CFLAGS="$PG_CFLAGS"}
	make -s PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config install >/dev/null
}

# A throwaway PostgreSQL cluster for the rest of the command (pg_virtualenv -t
# works as root, in a temporary directory, on a free port).  Its processes do
# not inherit the install lock (9>&-): a server left running must not hold it.
dans_un_cluster() {
	pg_virtualenv -t "$@" 9>&-
}
