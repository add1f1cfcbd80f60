#!/bin/bash
# Consolidation by logical replication (issue 14): three PostgreSQL clusters
# started here, two landlords' databases (sites 1 and 2, sharing the préfet
# and Action Logement) and a département observatory subscribed to both.
#
# Checked: the landlords publish (flux_mgmt.publier) and their own writes
# still succeed (the fast path, corrections, deletions, COPY); landlord A
# had events before it got its site number (definir_site renumbers them);
# the observatory receives inserts, updates and deletes; a convention naming
# a réservataire the observatory lacks is reported by verifier_references()
# and its line is missing until the réservataire is added; after
# consolider() the observatory's verifier_compteurs() is empty and its
# atteinte, objectifs_attribution and bilan_annuel lines of each landlord
# equal that landlord's own, and the département's totals their sum; a
# re-synchronisation (subscription dropped, oublier_site, subscribed again)
# counts nothing twice; a réservataire's profile on the observatory sees its
# own lines only, with the true totals.
#
# Run it as root (the clusters run as the postgres user) or as a user that
# may run initdb; it needs no other server.  Every cluster it starts is
# stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=/usr/lib/postgresql/15/bin
DIR=$(mktemp -d /tmp/flux_replication.XXXXXX)
chmod 755 "$DIR"
COMME=()
if [ "$(id -u)" = 0 ]; then chown postgres "$DIR"; COMME=(runuser -u postgres --); fi
PA=55431 PB=55432 PO=55433
status=0
fail() { echo "FAIL: $*"; status=1; }
arreter() {
	for n in a b o; do
		[ -f "$DIR/$n/postmaster.pid" ] && "${COMME[@]}" "$BIN/pg_ctl" -D "$DIR/$n" -m fast -w stop >/dev/null 2>&1 || true
	done
	rm -rf "$DIR"
}
trap arreter EXIT
demarrer() {   # name, port
	"${COMME[@]}" "$BIN/initdb" -D "$DIR/$1" -A trust -U postgres >/dev/null
	"${COMME[@]}" "$BIN/pg_ctl" -D "$DIR/$1" -l "$DIR/$1.log" -w start \
		-o "-p $2 -k $DIR -c listen_addresses='' -c wal_level=logical -c max_wal_senders=10 -c max_replication_slots=10 -c fsync=off" >/dev/null
}
q() { local p=$1; shift; PGOPTIONS='-c client_min_messages=warning' psql -X -q -At -v ON_ERROR_STOP=1 -h "$DIR" -p "$p" -U postgres -d postgres "$@"; }

demarrer a $PA
demarrer b $PB
demarrer o $PO
for p in $PA $PB $PO; do q $p -c 'CREATE EXTENSION flux_mgmt'; done

# --- reference data: the landlords', and the observatory's own (no cd93)
referentiel() {   # port, réservataires…
	q "$1" -c "INSERT INTO flux_mgmt.bailleur VALUES ('a93', 'Bailleur A', NULL), ('b93', 'Bailleur B', NULL)"
	q "$1" -c "INSERT INTO flux_mgmt.reservataire VALUES ('prefet', 'Préfet', 'etat_prioritaires'), ('al', 'Action Logement', 'action_logement')"
}
referentiel $PO
q $PA -c "INSERT INTO flux_mgmt.bailleur VALUES ('a93', 'Bailleur A', NULL)"
q $PB -c "INSERT INTO flux_mgmt.bailleur VALUES ('b93', 'Bailleur B', NULL)"
for p in $PA $PB; do
	q $p -c "INSERT INTO flux_mgmt.reservataire VALUES ('prefet', 'Préfet', 'etat_prioritaires'), ('al', 'Action Logement', 'action_logement')"
done
q $PB -c "INSERT INTO flux_mgmt.reservataire VALUES ('cd93', 'Département de la Seine-Saint-Denis', 'departement')"

# --- a landlord's half-year: 40 dwellings, a vacancy each, oriented in turn
# to the préfet, Action Logement and the pool (and the département for B),
# two thirds let, every seventh Action Logement orientation ended by a carence
annee() {   # port, landlord, commune, first dwelling, réservataires
	q "$1" <<-SQL
	INSERT INTO flux_mgmt.rotation VALUES ('$2', '93', 2026, 8);
	INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, taux, mode_decompte)
	SELECT '$2', r, '93', 2026, t, m::flux_mgmt.mode_decompte
	FROM (VALUES ('prefet', 25, 'orientation'), ('al', 35, 'mixte'), ('cd93', 5, 'bail')) AS c (r, t, m)
	WHERE r = ANY ('$5'::text[]);
	INSERT INTO flux_mgmt.logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
	SELECT '$2', 'L' || n, '$3', 1 + n % 5, (ARRAY['plai', 'plus', 'pls'])[1 + n % 3]::flux_mgmt.financement, n % 4 = 0, 1950 + n
	FROM generate_series($4, $4 + 39) AS n;
	INSERT INTO flux_mgmt.vacance (logement_id, date_liberation)
	SELECT id, date '2026-01-05' + (row_number() OVER (ORDER BY id))::int * 4 FROM flux_mgmt.logement WHERE bailleur = '$2';
	SELECT count(flux_mgmt.orienter(v.id, r.reservataire, date_orientation => v.date_liberation + 1))
	FROM (SELECT v.*, row_number() OVER (ORDER BY v.id) AS i FROM flux_mgmt.vacance v) AS v
	CROSS JOIN LATERAL (SELECT (('$5'::text[]) || NULL::text)[1 + v.i % (cardinality('$5'::text[]) + 1)] AS reservataire) AS r;
	INSERT INTO flux_mgmt.attribution (orientation_id, date_caleol, date_bail, prioritaire, dalo, premier_quartile)
	SELECT o.id, o.date_orientation + 10, o.date_orientation + 20, o.id % 2 = 0, o.id % 5 = 0, o.id % 3 = 0
	FROM flux_mgmt.orientation o WHERE o.id % 3 <> 0 AND NOT (o.reservataire = 'al' AND o.id % 7 = 1);
	SELECT count(flux_mgmt.cloturer(o.id, 'carence', o.date_limite + 1))
	FROM flux_mgmt.orientation o WHERE o.reservataire = 'al' AND o.id % 7 = 1 AND o.issue = 'en_cours';
	SQL
}
annee $PA a93 93048 1 '{prefet,al}' >/dev/null
# A got its events before its site number: definir_site renumbers them
avant=$(q $PA -c "SELECT string_agg(l.ref || ':' || o.reservataire, ',' ORDER BY l.ref) FROM flux_mgmt.orientation o
                  JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id")
[ "$(q $PA -c "SELECT flux_mgmt.definir_site(1, 'Bailleur A') > 0")" = t ] || fail "definir_site renumbered nothing"
[ "$(q $PA -c "SELECT string_agg(l.ref || ':' || o.reservataire, ',' ORDER BY l.ref) FROM flux_mgmt.orientation o
              JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id")" = "$avant" ] \
	|| fail "definir_site changed which dwelling was oriented to whom"
[ "$(q $PA -c "SELECT count(*) FROM flux_mgmt.orientation WHERE id / 1000000000000 <> 1")" = 0 ] || fail "an identifier of A is outside site 1"
[ "$(q $PA -c "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")" = 0 ] || fail "after definir_site, A's counters disagree with a recount"
q $PA -c "SELECT flux_mgmt.definir_site(2)" 2>/dev/null && fail "a second site number was accepted"
q $PB -c "SELECT flux_mgmt.definir_site(2, 'Bailleur B')" >/dev/null
annee $PB b93 93066 101 '{prefet,al,cd93}' >/dev/null
q $PB -c "SELECT flux_mgmt.publier()" >/dev/null
q $PA -c "SELECT flux_mgmt.publier()" >/dev/null

# --- the observatory subscribes to both
q $PO -c "CREATE SUBSCRIPTION site_1 CONNECTION 'host=$DIR port=$PA dbname=postgres user=postgres' PUBLICATION flux_mgmt"
q $PO -c "CREATE SUBSCRIPTION site_2 CONNECTION 'host=$DIR port=$PB dbname=postgres user=postgres' PUBLICATION flux_mgmt"

compte() { q "$1" -c "SELECT (SELECT count(*) FROM flux_mgmt.logement WHERE bailleur = '$2') || '/' ||
                             (SELECT count(*) FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.bailleur = '$2') || '/' ||
                             (SELECT string_agg(o.id || o.issue::text || coalesce(o.date_issue::text, ''), ',' ORDER BY o.id)
                              FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
                              JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.bailleur = '$2') || '/' ||
                             (SELECT count(*) FROM flux_mgmt.attribution a JOIN flux_mgmt.orientation o ON o.id = a.orientation_id
                              JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id
                              WHERE l.bailleur = '$2') || '/' ||
                             (SELECT count(*) FROM flux_mgmt.convention WHERE bailleur = '$2')"; }
attendre() {   # until the observatory holds each landlord's rows as they are
	local i
	for i in $(seq 1 120); do
		if [ "$(compte $PO a93)" = "$(compte $PA a93)" ] && [ "$(compte $PO b93)" = "$(compte $PB b93)" ]; then return 0; fi
		sleep 0.5
	done
	fail "$1: the observatory did not catch up in 60 s (A: $(compte $PA a93 | cut -c1-80) / $(compte $PO a93 | cut -c1-80))"
	return 1
}
attendre "the initial copy"

# --- the landlords go on: the fast path, a correction, a deletion, a carence, COPY
printf '%s\t2026-09-01\n' "$(q $PA -c "SELECT id FROM flux_mgmt.logement WHERE ref = 'L1'")" \
	| q $PA -c "COPY flux_mgmt.vacance (logement_id, date_liberation) FROM STDIN" || fail "COPY on a publishing landlord fails"
q $PA -c "INSERT INTO flux_mgmt.vacance (logement_id, date_liberation) SELECT id, '2026-09-02' FROM flux_mgmt.logement WHERE ref IN ('L2', 'L3')" \
	-c "SELECT count(flux_mgmt.orienter(v.id, 'al', date_orientation => '2026-09-03')) FROM flux_mgmt.vacance v WHERE v.date_liberation = '2026-09-02'" \
	-c "UPDATE flux_mgmt.orientation SET date_orientation = date_orientation + 1 WHERE id = (SELECT min(id) FROM flux_mgmt.orientation)" \
	-c "DELETE FROM flux_mgmt.attribution WHERE id = (SELECT max(id) FROM flux_mgmt.attribution)" >/dev/null \
	|| fail "a landlord's own writes fail once it publishes"
printf '%s\t2026-09-10\n' "$(q $PB -c "SELECT id FROM flux_mgmt.logement WHERE ref = 'L101'")" \
	| q $PB -c "COPY flux_mgmt.vacance (logement_id, date_liberation) FROM STDIN" || fail "COPY on a publishing landlord fails"
q $PB -c "SELECT flux_mgmt.orienter(max(id), 'prefet', date_orientation => '2026-09-11') FROM flux_mgmt.vacance" \
	-c "DELETE FROM flux_mgmt.orientation WHERE id = (SELECT max(o.id) FROM flux_mgmt.orientation o WHERE o.issue = 'en_cours' AND o.reservataire IS NULL)" \
	>/dev/null || fail "B's own writes fail once it publishes"
for p in $PA $PB; do
	[ "$(q $p -c "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")" = 0 ] || fail "a landlord's counters disagree with a recount"
done
attendre "inserts, updates, deletes and COPY"

# --- the observatory: a missing réservataire is reported, not silently dropped
q $PO -c "SELECT * FROM flux_mgmt.consolider()" >/dev/null
manque=$(q $PO -c "SELECT string_agg(DISTINCT contrainte || ' ' || valeur, ', ') FROM flux_mgmt.verifier_references()")
[ "$manque" = "convention_reservataire_fkey cd93, orientation_reservataire_fkey cd93" ] \
	|| fail "verifier_references() gives '$manque', not B's convention and orientations naming cd93"
lignes() {   # port, landlord: its atteinte of 2026
	q "$1" -c "SELECT string_agg(concat_ws(' ', coalesce(reservataire, 'pool'), taux, flux_realise, droit, decomptes, ecart, en_cours, carences),
	                             '; ' ORDER BY reservataire NULLS LAST)
	           FROM flux_mgmt.atteinte WHERE bailleur = '$2' AND annee = 2026"
}
[ "$(lignes $PO b93)" != "$(lignes $PB b93)" ] || fail "without cd93, the observatory's lines of B should differ (the reference is missing)"
q $PO -c "INSERT INTO flux_mgmt.reservataire VALUES ('cd93', 'Département de la Seine-Saint-Denis', 'departement')"
q $PO -c "SELECT * FROM flux_mgmt.consolider()" >/dev/null
[ -z "$(q $PO -c "SELECT string_agg(contrainte, ', ') FROM flux_mgmt.verifier_references()")" ] || fail "a reference is still missing"
[ "$(q $PO -c "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")" = 0 ] || fail "the observatory's counters disagree with a recount"

figures() {   # port, landlord: every line of its three views
	lignes "$1" "$2"
	q "$1" -c "SELECT string_agg(concat_ws(' ', objectif, coalesce(reservataire, '-'), coalesce(epci, '-'), numerateur, denominateur), '; '
	                             ORDER BY objectif, reservataire, epci) FROM flux_mgmt.objectifs_attribution WHERE bailleur = '$2'"
	q "$1" -c "SELECT string_agg(concat_ws(' ', coalesce(reservataire, 'pool'), typologie, financement, qpv, commune, logements_proposes,
	                             logements_attribues), '; ' ORDER BY reservataire, typologie, financement, qpv)
	           FROM flux_mgmt.bilan_annuel WHERE bailleur = '$2'"
}
comparer() {   # label
	local b p
	for b in a93 b93; do
		p=$PA; [ $b = b93 ] && p=$PB
		[ "$(figures $p $b | tr ';' '\n' | grep -c .)" -gt 20 ] || fail "$1: $b has too few lines of figures to compare"
		[ "$(figures $PO $b)" = "$(figures $p $b)" ] || { fail "$1: the observatory's figures of $b differ from the landlord's";
			diff <(figures $p $b | tr ';' '\n') <(figures $PO $b | tr ';' '\n') | head -10; }
	done
	# the département: the two landlords added up
	local somme obs
	somme=$(( $(q $PA -c "SELECT sum(decomptes) FROM flux_mgmt.atteinte WHERE annee = 2026") + $(q $PB -c "SELECT sum(decomptes) FROM flux_mgmt.atteinte WHERE annee = 2026") ))
	obs=$(q $PO -c "SELECT sum(decomptes) FROM flux_mgmt.atteinte WHERE annee = 2026")
	[ "$obs" = "$somme" ] || fail "$1: the observatory counts $obs dwellings charged in 93, the landlords $somme"
}
comparer "after consolider()"
charges=$(q $PO -c "SELECT sum(decomptes) FROM flux_mgmt.atteinte WHERE annee = 2026")

# --- a re-synchronisation of B: nothing counted twice
q $PO -c "DROP SUBSCRIPTION site_2"
oublies=$(q $PO -c "SELECT flux_mgmt.oublier_site(2)")
q $PO -c "CREATE SUBSCRIPTION site_2 CONNECTION 'host=$DIR port=$PB dbname=postgres user=postgres' PUBLICATION flux_mgmt"
attendre "the re-synchronisation"
q $PO -c "SELECT * FROM flux_mgmt.consolider()" >/dev/null
[ "$(q $PO -c "SELECT count(*) FROM flux_mgmt.verifier_compteurs()")" = 0 ] || fail "after the re-synchronisation, the counters disagree with a recount"
comparer "after the re-synchronisation"
[ "$(q $PO -c "SELECT sum(decomptes) FROM flux_mgmt.atteinte WHERE annee = 2026")" = "$charges" ] || fail "the re-synchronisation changed the totals"

# --- a réservataire on the observatory: its lines, the true totals
q $PO -c "CREATE ROLE obs_al" -c "SELECT flux_mgmt.accorder_profil('obs_al', 'reservataire', reservataire => 'al')" >/dev/null
vu=$(q $PO -c "SET ROLE obs_al" -c "SELECT string_agg(concat_ws(' ', bailleur, coalesce(reservataire, 'pool'), flux_realise, droit, decomptes, ecart), '; '
                                           ORDER BY bailleur, reservataire NULLS LAST) FROM flux_mgmt.atteinte WHERE annee = 2026")
tout=$(q $PO -c "SELECT string_agg(concat_ws(' ', bailleur, coalesce(reservataire, 'pool'), flux_realise, droit, decomptes, ecart), '; '
                                   ORDER BY bailleur, reservataire NULLS LAST) FROM flux_mgmt.atteinte
                 WHERE annee = 2026 AND coalesce(reservataire, 'al') = 'al'")
[ "$vu" = "$tout" ] || fail "Action Logement on the observatory sees '$vu', not '$tout'"
[ "$(q $PO -c "SET ROLE obs_al" -c "SELECT count(*) FROM flux_mgmt.orientation WHERE reservataire <> 'al'")" = 0 ] \
	|| fail "Action Logement reads other réservataires' orientations on the observatory"

if [ $status -eq 0 ]; then
	echo "ok: two landlords (sites 1 and 2) consolidated into an observatory: $(q $PO -c "SELECT count(*) FROM flux_mgmt.orientation") orientations, $(( $(figures $PA a93 | tr ';' '\n' | grep -c .) + $(figures $PB b93 | tr ';' '\n' | grep -c .) )) lines of figures compared, $charges dwellings charged in 93, every line of atteinte, objectifs_attribution and bilan_annuel equal to the landlord's; inserts, updates, deletes and COPY replicated, the landlords' writes unaffected; cd93 reported missing, then counted; a re-synchronisation ($oublies rows forgotten, copied again) counts nothing twice; Action Logement sees its lines, true totals"
	echo "   Action Logement in 93, as the observatory shows it: $vu"
fi
exit $status
