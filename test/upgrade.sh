#!/usr/bin/env bash
# The update from the last release: a database created at 0.1 and filled
# (the data of the dump/restore test) is updated by ALTER EXTENSION ... UPDATE
# and must then list exactly the catalogue of a fresh install at the default
# version (test/upgrade/catalogue.sql: every member object and what hangs on
# it, with definitions, comments and ACLs, compared line by line), keep every
# row, sequence and counter, with counters that equal a recount
# (test/upgrade/empreinte.sql) and the independent oracle's
# (test/oracle/recompte.sql), and give the same figures
# (test/upgrade/figures.sql: views, shares, report and export).  A database
# created at 0.1 without data is updated and compared too.  Positive controls:
# what a line forgotten in the upgrade script would leave (a function body, a
# comment, a column default, an ACL, an enum label), each made in a
# transaction that is rolled back, must show in the catalogue diff under the
# object's name; a changed row must show in the fingerprint, a changed rate in
# the figures.  Runs inside a cluster (PGHOST/PGPORT/PGUSER set).
set -euo pipefail
cd "$(dirname "$0")/.."
RELEASE=0.1	# the last release: sql/flux_mgmt--0.1.sql, frozen
FRESH=flux_upgrade_fresh FRESH2=flux_upgrade_fresh2 DATA=flux_upgrade_data EMPTY=flux_upgrade_empty PLANTE=flux_upgrade_plante AUTRE=flux_upgrade_autre
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"; for db in $FRESH $FRESH2 $DATA $EMPTY $PLANTE $AUTRE; do dropdb --if-exists "$db" 2>/dev/null; done' EXIT

sql() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
version() { sql "$1" -c "SELECT extversion FROM pg_extension WHERE extname = 'flux_mgmt'"; }
catalogue() { sql "$1" -f test/upgrade/catalogue.sql; }
empreinte() { sql "$1" -f "$TMP/empreinte.sql"; }	# the queries written at the release, below
figures() { sql "$1" -f test/upgrade/figures.sql; }
update() { sql "$1" -c 'ALTER EXTENSION flux_mgmt UPDATE' || { echo "FAIL: ALTER EXTENSION flux_mgmt UPDATE failed on $1"; exit 1; }; }
status=0
fail() { echo "FAIL: $*"; status=1; }

echo "== fresh install"
createdb $FRESH
sql $FRESH -c 'CREATE EXTENSION flux_mgmt'
TARGET=$(sql $FRESH -c "SELECT default_version FROM pg_available_extensions WHERE name = 'flux_mgmt'")
[ "$(version $FRESH)" = "$TARGET" ] || { echo "FAIL: the fresh install is not at the default version $TARGET"; exit 1; }
[ "$TARGET" != "$RELEASE" ] || { echo "FAIL: the default version is the release $RELEASE: nothing to update"; exit 1; }
catalogue $FRESH > "$TMP/catalogue.fresh"
# The listing is stable: a second fresh install lists the same text (else the
# flaw is in catalogue.sql, not in the upgrade).
createdb $FRESH2
sql $FRESH2 -c 'CREATE EXTENSION flux_mgmt'
catalogue $FRESH2 > "$TMP/catalogue.fresh2"
if ! diff -u "$TMP/catalogue.fresh" "$TMP/catalogue.fresh2"; then
	echo "FAIL: two fresh installs list different catalogues: test/upgrade/catalogue.sql prints something unstable"; exit 1
fi
dropdb $FRESH2

echo "== $RELEASE with data"
createdb $DATA
sql $DATA -c "CREATE EXTENSION flux_mgmt VERSION '$RELEASE'"
# The data of the dump/restore test, one copy for both tests: remplir.sql
# begins with a CREATE EXTENSION at the default version, its only line that
# is not data; sed drops it so that the data go into the extension created
# above at the release (sharing a body with \ir would mean splitting the
# other test's file).  Should that line change, the load fails loudly: the
# extension exists already.
sed '/^CREATE EXTENSION flux_mgmt;$/d' test/dump_restore/remplir.sql | sql $DATA -f - >/dev/null
[ "$(version $DATA)" = "$RELEASE" ] || { echo "FAIL: the data were not loaded at $RELEASE"; exit 1; }
sql $DATA -f test/upgrade/empreinte.sql > "$TMP/empreinte.sql"
empreinte $DATA > "$TMP/empreinte.avant"
grep -qx "verifier_compteurs 0" "$TMP/empreinte.avant" || { echo "FAIL: at $RELEASE the counters disagree with a recount"; exit 1; }
figures $DATA > "$TMP/figures.avant"
# the independent oracle (test/oracle/recompte.sql): differing values, values
# compared, and of those the values of the counter columns 0.1 has (0.2 adds
# imputees and the table compteur_moteur, filled by the update)
oracle() { sql "$1" -f test/oracle/recompte.sql -c "SELECT count(*) FILTER (WHERE attendu <> trouve) || ' ' || count(*) || ' ' || count(*) FILTER (WHERE compteur NOT LIKE '%.imputees' AND compteur NOT LIKE 'compteur\_moteur(%') FROM oracle_comparaisons"; }
read -r ECARTS_AVANT COMPARES_AVANT ANCIENS_AVANT <<< "$(oracle $DATA)"
[ "$ECARTS_AVANT" = 0 ] && [ "$COMPARES_AVANT" -gt 0 ] \
	|| { echo "FAIL: at $RELEASE, $ECARTS_AVANT of the $COMPARES_AVANT counter values the oracle compares differ from its recount"; exit 1; }

echo "== ALTER EXTENSION flux_mgmt UPDATE ($RELEASE -> $TARGET)"
update $DATA
[ "$(version $DATA)" = "$TARGET" ] || { echo "FAIL: after the update the extension is at $(version $DATA), not $TARGET"; exit 1; }
catalogue $DATA > "$TMP/catalogue.data"
if ! diff -u "$TMP/catalogue.fresh" "$TMP/catalogue.data"; then
	fail "the catalogue of $RELEASE updated to $TARGET differs from a fresh install (- fresh, + updated)"
fi
empreinte $DATA > "$TMP/empreinte.apres"
if ! diff -u "$TMP/empreinte.avant" "$TMP/empreinte.apres"; then
	fail "rows, sequences or counters changed in the update (- before, + after)"
fi
[ "$(sql $DATA -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')" = 0 ] \
	|| fail "after the update the counters disagree with a recount"
read -r ECARTS_APRES COMPARES_APRES ANCIENS_APRES <<< "$(oracle $DATA)"
[ "$ECARTS_APRES" = 0 ] \
	|| fail "after the update, $ECARTS_APRES of the $COMPARES_APRES counter values the oracle compares differ from its recount"
[ "$ANCIENS_APRES" = "$ANCIENS_AVANT" ] \
	|| fail "after the update the oracle compares $ANCIENS_APRES values of 0.1's counter columns, $ANCIENS_AVANT before"
[ "$COMPARES_APRES" -gt "$ANCIENS_APRES" ] \
	|| fail "after the update the oracle compares no value of the column imputees nor of compteur_moteur"
echo "the oracle: $COMPARES_AVANT counter values equal its recount at $RELEASE, $COMPARES_APRES after the update ($ANCIENS_APRES of 0.1's columns)"
figures $DATA > "$TMP/figures.apres"
if ! diff -u "$TMP/figures.avant" "$TMP/figures.apres"; then
	fail "figures changed in the update (- before, + after)"
fi

echo "== $RELEASE updated by another superuser than the one who created it"
# the update writes the derived tables (new columns filled), which only their
# owner may write outside the extension's own script; the tables it creates
# must be written by the triggers afterwards, and read by the roles that read
# the others (a reader granted SELECT on every table at 0.1, as the README says)
createdb $AUTRE
sql $AUTRE -c "CREATE EXTENSION flux_mgmt VERSION '$RELEASE'"
sed '/^CREATE EXTENSION flux_mgmt;$/d' test/dump_restore/remplir.sql | sql $AUTRE -f - >/dev/null
sql $AUTRE -c "DROP ROLE IF EXISTS flux_upgrade_admin" -c "CREATE ROLE flux_upgrade_admin SUPERUSER" \
	-c "DROP ROLE IF EXISTS flux_upgrade_lecteur" -c "CREATE ROLE flux_upgrade_lecteur" \
	-c "GRANT USAGE ON SCHEMA flux_mgmt TO flux_upgrade_lecteur" \
	-c "GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO flux_upgrade_lecteur"
sql $AUTRE -c "SET ROLE flux_upgrade_admin" -c 'ALTER EXTENSION flux_mgmt UPDATE' \
	|| fail "ALTER EXTENSION flux_mgmt UPDATE by another superuser failed"
[ "$(version $AUTRE)" = "$TARGET" ] || fail "updated by another superuser, the extension is at $(version $AUTRE)"
# an event on each path (a correction: the general path; a new vacancy and its
# orientation: the fast path), the rebuild, a decision read by the reader
sql $AUTRE -c "UPDATE flux_mgmt.orientation SET date_orientation = date_orientation WHERE id = (SELECT min(id) FROM flux_mgmt.orientation)" \
	>/dev/null || fail "after an update by another superuser, a correction is refused"
sql $AUTRE -c "INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
			   SELECT l.id, '2026-12-30' FROM flux_mgmt.logement l
			   WHERE l.regime = 'flux' AND NOT EXISTS (SELECT FROM flux_mgmt.vacance v WHERE v.logement_id = l.id)
			   ORDER BY l.id LIMIT 1" \
	-c "SELECT flux_mgmt.orienter(max(id), NULL, date_orientation => '2026-12-30') FROM flux_mgmt.vacance" \
	>/dev/null || fail "after an update by another superuser, a new vacancy and its orientation are refused"
[ "$(sql $AUTRE -c 'SELECT flux_mgmt.recalculer_compteurs() > 0')" = t ] \
	|| fail "after an update by another superuser, recalculer_compteurs() fails"
[ "$(sql $AUTRE -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')" = 0 ] \
	|| fail "after an update by another superuser and new events, the counters disagree with a recount"
sql $AUTRE -c "SET ROLE flux_upgrade_lecteur" \
	-c "SELECT count(*) FROM flux_mgmt.suggerer((SELECT max(id) FROM flux_mgmt.vacance))" >/dev/null \
	|| fail "after the update, a role granted SELECT on every table at $RELEASE cannot read a decision"
# row-level security came with 0.2: that reader keeps every row, as the
# profile lecture of every landlord its grants amount to
[ "$(sql $AUTRE -c "SELECT profil || coalesce(bailleur, '*') FROM flux_mgmt.acces WHERE role = 'flux_upgrade_lecteur'::regrole")" = 'lecture*' ] \
	|| fail "after the update, the reader of $RELEASE was not given the profile lecture of every landlord"
[ "$(sql $AUTRE -c "SET ROLE flux_upgrade_lecteur" -c "SELECT count(*) FROM flux_mgmt.orientation")" = \
  "$(sql $AUTRE -c "SELECT count(*) FROM flux_mgmt.orientation")" ] \
	|| fail "after the update, the reader of $RELEASE no longer reads every orientation"
# the data of 0.1 joins an observatory: definir_site renumbers it, every figure kept
chiffres_site() { sql $AUTRE -c "SELECT string_agg(concat_ws(' ', bailleur, departement, annee, reservataire, flux_realise, droit, decomptes, en_cours),
                                                   '; ' ORDER BY bailleur, departement, annee, reservataire) FROM flux_mgmt.atteinte"; }
avant_site=$(chiffres_site)
[ "$(sql $AUTRE -c "SELECT flux_mgmt.definir_site(3, 'after 0.1') > 0")" = t ] || fail "definir_site renumbered nothing of the 0.1 data"
[ "$(sql $AUTRE -c "SELECT count(*) FROM flux_mgmt.vacance WHERE id / 1000000000000 <> 3")" = 0 ] \
	|| fail "after definir_site, a vacancy of the 0.1 data is outside site 3"
[ "$(sql $AUTRE -c 'SELECT count(*) FROM flux_mgmt.verifier_compteurs()')" = 0 ] \
	|| fail "after definir_site on the 0.1 data, the counters disagree with a recount"
[ "$(chiffres_site)" = "$avant_site" ] || fail "definir_site on the 0.1 data changed the figures of atteinte"
dropdb $AUTRE
sql $FRESH -c "DROP ROLE flux_upgrade_admin" -c "DROP ROLE flux_upgrade_lecteur"

echo "== $RELEASE without data"
createdb $EMPTY
sql $EMPTY -c "CREATE EXTENSION flux_mgmt VERSION '$RELEASE'"
update $EMPTY
[ "$(version $EMPTY)" = "$TARGET" ] || fail "the empty database is at $(version $EMPTY) after the update, not $TARGET"
catalogue $EMPTY > "$TMP/catalogue.empty"
if ! diff -u "$TMP/catalogue.fresh" "$TMP/catalogue.empty"; then
	fail "the catalogue of an empty $RELEASE database updated to $TARGET differs from a fresh install (- fresh, + updated)"
fi
empreinte $FRESH > "$TMP/empreinte.fresh"
empreinte $EMPTY > "$TMP/empreinte.empty"
if ! diff -u "$TMP/empreinte.fresh" "$TMP/empreinte.empty"; then
	fail "an empty $RELEASE database updated to $TARGET does not hold what a fresh install holds (- fresh, + updated)"
fi

echo "== $RELEASE installed over a planted look-alike"
# 0.1 bound its views, SQL-standard bodies and CHECK constraints with the
# installer's search_path: with an operator >(numeric, integer) planted in
# public they call it.  The update refuses such a database (42501, naming
# the objects) and leaves it at $RELEASE.
createdb $PLANTE
sql $PLANTE -c "CREATE FUNCTION public.plante_gt(numeric, integer) RETURNS boolean LANGUAGE sql AS 'SELECT \$1 OPERATOR(pg_catalog.>) \$2::numeric'" \
	-c "CREATE OPERATOR public.> (leftarg = numeric, rightarg = integer, function = public.plante_gt)" \
	-c "CREATE EXTENSION flux_mgmt VERSION '$RELEASE'"
if sql $PLANTE -c 'ALTER EXTENSION flux_mgmt UPDATE' 2> "$TMP/plante.err"; then
	fail "the update accepted a $RELEASE install bound to a planted operator"
else
	grep -q "ERROR:  flux_mgmt 0.1 was installed while look-alikes .*operator public.>(numeric,integer)" "$TMP/plante.err" \
		|| fail "the update of a compromised install failed otherwise: $(head -c 400 "$TMP/plante.err")"
	[ "$(version $PLANTE)" = "$RELEASE" ] || fail "the refused update left the extension at $(version $PLANTE)"
fi
dropdb $PLANTE

echo "== positive controls"
# control REFERENCE PATTERN LISTING CHANGE: LISTING (a SQL file) run in the
# updated database after CHANGE, in a transaction that is rolled back, must
# differ from $TMP/REFERENCE, and a changed line must match PATTERN (the
# object changed).  The database is left as it was.
controls=0
control() {
	local reference=$1 pattern=$2 listing=$3 change=$4 changed
	controls=$((controls + 1))
	if ! sql $DATA -c BEGIN -c "$change" -f "$listing" -c ROLLBACK > "$TMP/control"; then
		fail "control: could not run: $change"; return
	fi
	changed=$(diff "$TMP/$reference" "$TMP/control" | grep '^[<>]' || true)
	if [ -z "$changed" ]; then
		fail "control: the $reference listing does not see: $change"
	elif ! grep -qE -- "$pattern" <<<"$changed"; then
		printf '%s\n' "$changed"
		fail "control: the $reference diff does not name /$pattern/ for: $change"
	fi
}
# what sql/src could change and the upgrade script forget: a function's body
# (here the export's format string), a comment, a default, an ACL, an enum label
control catalogue.data '^> function flux_mgmt\.export_reservataire\([^)]*portee,text,text,integer\) \| .*export_reservataire 2' \
	test/upgrade/catalogue.sql \
	"DO \$\$ BEGIN EXECUTE replace(pg_get_functiondef('flux_mgmt.export_reservataire(flux_mgmt.portee,text,text,integer)'::regprocedure),
	 '''flux_mgmt.export_reservataire 1''', '''flux_mgmt.export_reservataire 2'''); END \$\$"
control catalogue.data '^> column flux_mgmt\.logement #[0-9]+ qpv: .* -- changed$' test/upgrade/catalogue.sql \
	"COMMENT ON COLUMN flux_mgmt.logement.qpv IS 'changed'"
control catalogue.data '^> column flux_mgmt\.rotation #[0-9]+ taux: numeric not null default 5\.3 ' test/upgrade/catalogue.sql \
	"ALTER TABLE flux_mgmt.rotation ALTER COLUMN taux SET DEFAULT 5.3"
control catalogue.data '^> relation flux_mgmt\.bailleur: .*acl \{.*=r/' test/upgrade/catalogue.sql \
	"GRANT SELECT ON flux_mgmt.bailleur TO PUBLIC"
control catalogue.data "^> enum flux_mgmt\.financement #[0-9]+ 'plai_a'" test/upgrade/catalogue.sql \
	"ALTER TYPE flux_mgmt.financement ADD VALUE 'plai_a' AFTER 'plai'"
# one field of one row among the 6,000 dwellings; one rotation rate
control empreinte.apres '^> logement ' "$TMP/empreinte.sql" \
	"UPDATE flux_mgmt.logement SET annee_construction = annee_construction + 1 WHERE ref = 'rpls-100'"
control figures.apres '^> parts_annuelles\|b93\|93\|2026\|' test/upgrade/figures.sql \
	"UPDATE flux_mgmt.rotation SET taux = 6.3 WHERE bailleur = 'b93' AND annee = 2026"

rows=$(awk 'NF == 3 { n += $2 } END { print n }' "$TMP/empreinte.apres")
[ $status -eq 0 ] && echo "ok: $RELEASE -> $TARGET: $(wc -l < "$TMP/catalogue.fresh") catalogue lines identical to a fresh install's (with data and empty), $rows rows in $(grep -c . "$TMP/empreinte.sql") fingerprint lines and $(wc -l < "$TMP/figures.apres") figures kept, $controls positive controls seen, the oracle's $COMPARES_AVANT and $COMPARES_APRES counter values equal its recount before and after, a compromised install refused, ${SECONDS}s"
exit $status
