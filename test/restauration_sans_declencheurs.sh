#!/usr/bin/env bash
# README, "Restores": after pg_restore --disable-triggers, run SELECT
# flux_mgmt.recalculer_compteurs().  A data-only restore with triggers
# disabled (custom format, and a plain data-only dump made with
# --disable-triggers) loads every event but no counter and no ledger row
# (they are not dumped): verifier_compteurs() then disagrees; the rebuild
# writes exactly the 12 counter rows of the data (6 of compteur, 3 of
# compteur_bilan, 3 of compteur_moteur) and the database equals the source,
# table by table.  The triggers are back afterwards: a new event is counted.  Without --data-only,
# pg_restore ignores --disable-triggers, and the triggers rebuild the counters
# as the events load.  Runs inside a cluster (PGHOST/PGPORT/PGUSER set, a
# superuser: disabling triggers needs one).
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
BASES="flux_rs_source flux_rs_custom flux_rs_plain flux_rs_complet"
trap 'rm -rf "$TMP"; for b in $BASES; do dropdb --if-exists "$b"; done' EXIT

createdb flux_rs_source
psql -X -q -v ON_ERROR_STOP=1 -d flux_rs_source -f test/dump_restore/remplir.sql >/dev/null

# One line per table (test/dump_restore/empreinte.sql): rows and a digest;
# the counters summed over their tranches; the disagreements with a recount.
empreinte() {
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -f test/dump_restore/empreinte.sql
}
valeur() {
	psql -X -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
}
status=0
echec() {
	echo "FAIL: $*"; status=1
}
empreinte flux_rs_source > "$TMP/source"
grep -qx "verifier_compteurs 0" "$TMP/source" || { echo "FAIL: the source counters disagree with a recount"; exit 1; }

pg_dump -Fc -d flux_rs_source -f "$TMP/dump.custom"
pg_dump -Fp --data-only --disable-triggers -d flux_rs_source -f "$TMP/donnees.sql"
grep -q "DISABLE TRIGGER ALL" "$TMP/donnees.sql" || echec "the plain data-only dump does not disable the triggers"

# the schema (CREATE EXTENSION), then the data with the triggers disabled
createdb flux_rs_custom
pg_restore --exit-on-error --schema-only -d flux_rs_custom "$TMP/dump.custom"
pg_restore --exit-on-error --data-only --disable-triggers -d flux_rs_custom "$TMP/dump.custom"
createdb flux_rs_plain
pg_restore --exit-on-error --schema-only -d flux_rs_plain "$TMP/dump.custom"
psql -X -q -v ON_ERROR_STOP=1 -d flux_rs_plain -f "$TMP/donnees.sql" >/dev/null

for db in flux_rs_custom flux_rs_plain; do
	# positive control: the events are there, the counters are not
	evenements=$(valeur "$db" "SELECT (SELECT count(*) FROM flux_mgmt.vacance) || ' ' || (SELECT count(*) FROM flux_mgmt.orientation) || ' ' || (SELECT count(*) FROM flux_mgmt.attribution)")
	[ "$evenements" = "$(valeur flux_rs_source "SELECT (SELECT count(*) FROM flux_mgmt.vacance) || ' ' || (SELECT count(*) FROM flux_mgmt.orientation) || ' ' || (SELECT count(*) FROM flux_mgmt.attribution)")" ] \
		|| echec "$db: the events were not all restored ($evenements)"
	derivees=$(valeur "$db" "SELECT (SELECT count(*) FROM flux_mgmt.compteur) + (SELECT count(*) FROM flux_mgmt.compteur_bilan) + (SELECT count(*) FROM flux_mgmt.compteur_moteur) + (SELECT count(*) FROM flux_mgmt.contribution)")
	[ "$derivees" = 0 ] || echec "$db: $derivees derived rows after a restore without triggers (expected none)"
	ecarts=$(valeur "$db" "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")
	[ "$ecarts" -gt 0 ] || echec "$db: verifier_compteurs() does not see the missing counters"
	echo "$db: vacancies, orientations, attributions $evenements; no counter; verifier_compteurs() lists $ecarts differences"
	# the rebuild
	ecrits=$(valeur "$db" "SELECT flux_mgmt.recalculer_compteurs()")
	[ "$ecrits" = 12 ] || echec "$db: recalculer_compteurs() wrote $ecrits rows, expected 12 (6 counters, 3 of the bilan, 3 of the engine's)"
	empreinte "$db" > "$TMP/$db"
	diff -u "$TMP/source" "$TMP/$db" || echec "$db after recalculer_compteurs() differs from the source"
	[ "$(valeur "$db" "SELECT count(*) FROM flux_mgmt.infraction")" = 0 ] || echec "$db: infraction is not empty"
	# the triggers are enabled again: a new event is counted
	valeur "$db" "INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-04-01' FROM flux_mgmt.logement WHERE ref = 'M2'" >/dev/null
	valeur "$db" "SELECT flux_mgmt.orienter(v.id, 'prefet', date_orientation => '2026-04-02')
				  FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id
				  WHERE l.ref = 'M2' AND v.date_liberation = '2026-04-01'" >/dev/null
	[ "$(valeur "$db" "SELECT sum(en_cours) FROM flux_mgmt.compteur WHERE reservataire = 'prefet' AND annee = 2026")" = 1 ] \
		|| echec "$db: a new orientation after the rebuild is not counted"
	[ "$(valeur "$db" "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")" = 0 ] || echec "$db: the counters disagree after a new event"
done

# --disable-triggers without --data-only is ignored by pg_restore: the
# triggers count the events as they load
createdb flux_rs_complet
pg_restore --exit-on-error --disable-triggers -d flux_rs_complet "$TMP/dump.custom"
empreinte flux_rs_complet > "$TMP/complet"
diff -u "$TMP/source" "$TMP/complet" || echec "a whole restore with --disable-triggers differs from the source"

[ $status -eq 0 ] && echo "ok: after a data-only restore without triggers (custom and plain), recalculer_compteurs() wrote 12 rows and $(wc -l < "$TMP/source") tables equal the source's"
exit $status
