#!/usr/bin/env bash
# Nothing the extension runs resolves through the caller's search_path
# (STYLE.md).  An ordinary role, mallory, with CREATE on schema public, plants
# look-alikes generated from the catalogue (test/objets_plantes/catalogue.sql):
# operators of every pg_catalog operator name and functions and aggregates of
# every pg_catalog function named in the sources, for the types the extension
# uses, wherever pg_catalog has none with exactly those types (such a
# look-alike wins over pg_catalog's when a call needs an implicit cast or a
# polymorphic match); before CREATE EXTENSION (views and SQL-standard bodies
# bind their operators then) and after (for the extension's own types).
# Every look-alike records its calls in public.appels, then does what the
# real one does.  A superuser installs flux_mgmt with the default path
# ("$user", public) and runs the whole API (test/objets_plantes/*.sql: imports,
# reference data, état des lieux and conversion, events by INSERT, UPDATE,
# DELETE, COPY and the functions, the engine, every view, the reports, the
# checks and rebuild of the counters, TRUNCATE, error paths, pg_dump); then,
# in a copy of the database, an administrator and a clerk with the README's
# privileges and the path "$user", public, flux_mgmt (public, where mallory
# writes, ahead of flux_mgmt) do the same.  No look-alike may have been
# called; the calls found are listed with their caller.  Positive control:
# mallory's own calls of look-alikes are recorded.
# Runs inside a cluster (PGHOST/PGPORT/PGUSER set by pg_virtualenv), in about
# half a minute.  OBJETS_PLANTES_SORTIES=dir keeps the list of look-alikes,
# the workloads' output and the calls recorded; OBJETS_PLANTES_TYPES_EN_PLUS
# ("character varying,name,oid", say) plants for more built-in types.
set -euo pipefail
cd "$(dirname "$0")/.."
TMP=$(mktemp -d)
BASES="objets_catalogue objets_superutilisateur objets_roles"
ROLES="mallory objets_gestionnaire objets_commis"
nettoyer() {
	for b in $BASES; do dropdb --if-exists "$b" || true; done
	for r in $ROLES; do psql -X -q -d postgres -c "DROP ROLE IF EXISTS $r" || true; done
	if [ -n "${OBJETS_PLANTES_SORTIES:-}" ]; then mkdir -p "$OBJETS_PLANTES_SORTIES" && cp "$TMP"/*.sortie "$TMP"/*.tsv "$TMP"/*.appels "$TMP"/*.erreurs "$TMP"/*.avertissements "$OBJETS_PLANTES_SORTIES"/ 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap nettoyer EXIT
debut=$SECONDS
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
phase() { echo "SET objets_plantes.phase = '$1'"; }
SU="$PGUSER"
CHEMIN_SU='SET search_path = "$user", public'
CHEMIN_SUR='SET search_path = pg_catalog, pg_temp'    # for the test's own queries

# 1. A scratch install: the types the extension uses, and the list of look-alikes.
createdb objets_catalogue
sql -d objets_catalogue -c 'CREATE EXTENSION flux_mgmt'
noms=$(grep -ohE '\b[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(' sql/src/*.sql src/*.c \
	| sed -E 's/[[:space:]]*\($//' | tr 'A-Z' 'a-z' | sort -u | paste -sd, -)
sql -d objets_catalogue -v noms="$noms" -v types_en_plus="${OBJETS_PLANTES_TYPES_EN_PLUS:-}" \
	-f test/objets_plantes/catalogue.sql > "$TMP/plantation.tsv"
dropdb objets_catalogue
echo "look-alikes listed: $(wc -l < "$TMP/plantation.tsv") ($(cut -f1 "$TMP/plantation.tsv" | sort | uniq -c | awk '{printf "%s%s %s", s, $1, $2; s=", "}'))"

# mallory, and the administrator and the clerk of the second run; they log in
# with the cluster's password.
psql -X -q -v ON_ERROR_STOP=1 -d postgres -v mdp="$PGPASSWORD" <<'SQL'
CREATE ROLE mallory LOGIN PASSWORD :'mdp';
CREATE ROLE objets_gestionnaire LOGIN PASSWORD :'mdp';
CREATE ROLE objets_commis LOGIN PASSWORD :'mdp';
ALTER ROLE objets_gestionnaire SET search_path = "$user", public, flux_mgmt;
ALTER ROLE objets_commis SET search_path = "$user", public, flux_mgmt;
SQL
planter() {   # database, step
	echo "-- mallory plants in $1 ($2)"
	sql -U mallory -d "$1" -c "$(phase "$2")" -f test/objets_plantes/planter.sql < "$TMP/plantation.tsv"
}

# 2. Planted before and after CREATE EXTENSION (the extension's types exist only after).
createdb objets_superutilisateur
# (no parallel workers: a look-alike writes appels, which a worker cannot)
sql -d objets_superutilisateur -c 'GRANT CREATE ON SCHEMA public TO mallory' \
	-c 'ALTER DATABASE objets_superutilisateur SET max_parallel_workers_per_gather = 0'
planter objets_superutilisateur "avant CREATE EXTENSION"
if ! sql -d objets_superutilisateur -c "$(phase install)" -c "$CHEMIN_SU" -c 'CREATE EXTENSION flux_mgmt' 2> "$TMP/install"; then
	echo "FAIL: CREATE EXTENSION flux_mgmt fails when the look-alikes are planted:"; sed 's/^/    /' "$TMP/install"
	exit 1
fi
# mallory is one of the extension's users (a reader, say): she may name its types
sql -d objets_superutilisateur -c 'GRANT USAGE ON SCHEMA flux_mgmt TO mallory'
planter objets_superutilisateur "après CREATE EXTENSION"
plantes=$(psql -X -q -At -d objets_superutilisateur -c "$CHEMIN_SUR" -c "
	SELECT count(*) || ' objects (' || count(*) FILTER (WHERE g = 'o') || ' operators, ' || count(*) FILTER (WHERE g = 'f')
		   || ' functions, ' || count(*) FILTER (WHERE g = 'a') || ' aggregates)'
	FROM (SELECT 'o' AS g FROM pg_operator WHERE oprnamespace = 'public'::regnamespace
		  UNION ALL SELECT prokind::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
		  AND proname !~ '^plante_' AND proname <> 'noter') AS x")
echo "planted in public: $plantes"
# the second run's database: the same, planted and installed
createdb -T objets_superutilisateur objets_roles
sql -d objets_roles -c 'DELETE FROM public.appels'     # those of the install are the first database's

# 3. The whole API.  charge database administrator clerk label [SET search_path]
# A role under row-level security cannot COPY into a table (PostgreSQL refuses
# COPY FROM under RLS): it copies into a temporary table of the same columns,
# then INSERT … SELECT, as the README says (a superuser copies straight in).
copier() {    # database, role, query, table (columns), step
	local table=${4%% *} colonnes=${4#* }
	psql -X -q -v ON_ERROR_STOP=1 -U "$2" -d "$1" -c "$(phase "$5")" -c "COPY ($3) TO STDOUT" > "$TMP/copie" &&
	psql -X -q -v ON_ERROR_STOP=1 -U "$2" -d "$1" -c "$(phase "$5")" \
		-c "CREATE TEMPORARY TABLE copie AS SELECT ${colonnes//[()]/} FROM $table WITH NO DATA" \
		-c "COPY copie FROM STDIN" -c "INSERT INTO $4 SELECT * FROM copie" < "$TMP/copie"
}
etape() {     # label, command…: a failed step is a FAIL, and ends its run (the calls are still listed)
	local l=$1
	shift
	if ! "$@" >> "$TMP/$b.sortie" 2> "$TMP/etape"; then
		echo "FAIL: $l failed:"; sed 's/^/    /' "$TMP/etape" | head -20
		status=1
		return 1
	fi
}
charge() {    # database, administrator, clerk, label[, SET search_path]
	local b=$1 admin=$2 commis=$3 nom=$4 chemin=${5:-SHOW search_path}
	echo "-- the API in $b: $nom"
	: > "$TMP/$b.sortie"
	: > "$TMP/$b.avertissements"
	etape "$nom: referentiel.sql" sql -U "$admin" -d "$b" -c "$(phase "$nom: referentiel")" -c "$chemin" \
		-f test/objets_plantes/referentiel.sql || return 0
	etape "$nom: evenements.sql" sql -U "$commis" -d "$b" -c "$(phase "$nom: evenements")" -c "$chemin" \
		-f test/objets_plantes/evenements.sql || return 0
	etape "$nom: COPY of vacancies" copier "$b" "$commis" \
		"SELECT l.id, DATE '2026-12-01' + (g.n % 20) FROM generate_series(27, 6374, 531) AS g (n)
		 JOIN flux_mgmt.logement l ON l.bailleur = 'cannes' AND l.ref = 'cannes-' || g.n::text ORDER BY l.id" \
		"flux_mgmt.vacance (logement_id, date_liberation)" "$nom: COPY" || return 0
	etape "$nom: COPY of orientations" copier "$b" "$commis" \
		"SELECT v.id, NULL, v.date_liberation + 1 FROM flux_mgmt.vacance v
		 JOIN flux_mgmt.logement l ON l.id = v.logement_id AND l.bailleur = 'cannes'
		 WHERE v.date_liberation >= '2026-12-01'
		 AND NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = v.id) ORDER BY v.id LIMIT 6" \
		"flux_mgmt.orientation (vacance_id, reservataire, date_orientation)" "$nom: COPY" || return 0
	etape "$nom: evenements_suite.sql" sql -U "$commis" -d "$b" -c "$(phase "$nom: evenements")" -c "$chemin" \
		-f test/objets_plantes/evenements_suite.sql || return 0
	etape "$nom: COPY of attributions" copier "$b" "$commis" \
		"SELECT o.id, o.date_orientation + 10, o.date_orientation + 20, false, true FROM flux_mgmt.orientation o
		 JOIN flux_mgmt.vacance v ON v.id = o.vacance_id
		 WHERE v.date_liberation >= '2026-12-01' AND o.reservataire IS NULL AND o.soustraction IS NULL
		 AND o.issue OPERATOR(pg_catalog.=) 'en_cours' ORDER BY o.id" \
		"flux_mgmt.attribution (orientation_id, date_caleol, date_bail, premier_quartile, dalo)" "$nom: COPY" || return 0
	# the error paths: every statement must fail; the calls are counted from the warnings
	psql -X -q -U "$admin" -d "$b" -c "$(phase "$nom: erreurs")" -c "$chemin" -f test/objets_plantes/erreurs.sql \
		> "$TMP/$b.erreurs" 2> "$TMP/$b.avertissements" || true
	local attendues echecs
	attendues=$(grep -c '^\\echo erreur' test/objets_plantes/erreurs.sql)
	echecs=$(grep -E '^erreur [0-9A-Z]{5}$' "$TMP/$b.erreurs" | grep -cvE '^erreur (00000|42...)$' || true)
	if [ "$echecs" -ne "$attendues" ]; then
		echo "FAIL: $nom: $echecs of the $attendues statements of erreurs.sql failed as expected (00000: no error; 42xxx: the test's mistake):"
		grep -n '^erreur ' "$TMP/$b.erreurs" | grep -E ' (00000|42...)$' | sed 's/^/    /'
		status=1
	fi
	etape "$nom: rapports.sql" sql -U "$admin" -d "$b" -c "$(phase "$nom: rapports")" -c "$chemin" \
		-f test/objets_plantes/rapports.sql || return 0
	# a role under row-level security dumps the rows it sees (--enable-row-security;
	# pg_dump refuses otherwise): for the administrator of every landlord, all of them
	etape "$nom: pg_dump" env PGUSER="$admin" PGOPTIONS="-c objets_plantes.phase=pg_dump" pg_dump --enable-row-security -d "$b" -f "$TMP/$b.dump" || return 0
}
status=0
chemin=$(psql -X -q -At -d objets_superutilisateur -c "$CHEMIN_SU" -c 'SHOW search_path')
[ "$chemin" = '"$user", public' ] || { echo "FAIL: the superuser's search_path is $chemin"; status=1; }
charge objets_superutilisateur "$SU" "$SU" "superuser" "$CHEMIN_SU"

# The second run: an administrator (the reference data) and a clerk (the
# events), with the privileges README.md lists: SELECT, and the writes each
# does, on the tables (the derived ones, contribution, compteur, compteur_bilan,
# are written by the extension only: SELECT), EXECUTE on recalculer_compteurs()
# for the administrator; and the path "$user", public, flux_mgmt, where
# public, writable by mallory, comes before flux_mgmt.
sql -d objets_roles <<'SQL'
SET search_path = pg_catalog, pg_temp;
ALTER DATABASE objets_roles SET max_parallel_workers_per_gather = 0;
SELECT flux_mgmt.accorder_profil('objets_gestionnaire', 'administration');
SELECT flux_mgmt.accorder_profil('objets_commis', 'saisie');
GRANT USAGE ON SCHEMA flux_mgmt TO objets_gestionnaire, objets_commis;
GRANT SELECT ON ALL TABLES IN SCHEMA flux_mgmt TO objets_gestionnaire, objets_commis;
DO $$
DECLARE
	t regclass;
BEGIN
	FOR t IN SELECT c.oid FROM pg_class c WHERE c.relnamespace = 'flux_mgmt'::regnamespace AND c.relkind = 'r'
			 AND c.relname NOT IN ('contribution', 'compteur', 'compteur_bilan') ORDER BY c.relname LOOP
		EXECUTE format('GRANT INSERT, UPDATE, DELETE, TRUNCATE ON %s TO objets_gestionnaire', t);
	END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION flux_mgmt.recalculer_compteurs() TO objets_gestionnaire;
GRANT SELECT ON ALL SEQUENCES IN SCHEMA flux_mgmt TO objets_gestionnaire;     -- for its pg_dump
GRANT INSERT, UPDATE, DELETE ON flux_mgmt.vacance, flux_mgmt.orientation, flux_mgmt.attribution TO objets_commis;
SQL
chemin=$(psql -X -At -U objets_commis -d objets_roles -c 'SHOW search_path')
[ "$chemin" = '"$user", public, flux_mgmt' ] || { echo "FAIL: the clerk's search_path is $chemin"; status=1; }
charge objets_roles objets_gestionnaire objets_commis "administrator and clerk"

# 4. The positive control: mallory's own calls, with public on her path, are recorded.
sql -U mallory -d objets_superutilisateur -c "$(phase témoin)" \
	-c "SELECT count(*) FROM unnest(ARRAY[1::bigint])" -c "SELECT 1.5::double precision >= 1" \
	-c "SELECT array_agg(x) FROM (VALUES (1::bigint)) AS v (x)" > /dev/null
for objet in 'function public.unnest(bigint[])' 'operator public.>=(double precision, integer)' 'aggregate public.array_agg(bigint)'; do
	n=$(psql -X -q -At -d objets_superutilisateur -v objet="$objet" <<< "$CHEMIN_SUR; SELECT count(*) FROM public.appels WHERE par = 'mallory' AND objet = :'objet'")
	[ "$n" -ge 1 ] || { echo "FAIL: the recorder missed mallory's own call of $objet"; status=1; }
done

# 5. No look-alike called by anyone else.
for b in objets_superutilisateur objets_roles; do
	read -r n k < <(psql -X -q -At -F ' ' -d "$b" -c "$CHEMIN_SUR" -c "SELECT count(*), count(DISTINCT objet) FROM public.appels WHERE par <> 'mallory'")
	if [ "$n" -gt 0 ]; then
		echo "FAIL: in $b, $k planted objects were called $n times (the first 30 below)"
		sql -d "$b" -v limite=30 -f test/objets_plantes/bilan.sql
		status=1
	fi
	if grep -q 'objets_plantes: call of' "$TMP/$b.avertissements"; then
		echo "FAIL: in $b, the error paths (erreurs.sql, rolled back) called planted objects:"
		grep -o 'objets_plantes: call of .*' "$TMP/$b.avertissements" | sed 's/objets_plantes: call of //' | sort | uniq -c | sort -rn | head -30
		status=1
	fi
	psql -X -q -d "$b" -c "$CHEMIN_SUR" -c "COPY (SELECT * FROM public.appels ORDER BY objet, par, phase) TO STDOUT" > "$TMP/$b.appels"
done
[ $status -eq 0 ] && echo "ok: $plantes planted in public before and after CREATE EXTENSION, none called by the API run as the superuser and as an administrator and a clerk ($(grep -c '^\\echo erreur' test/objets_plantes/erreurs.sql) error paths each), mallory's own 3 calls recorded ($((SECONDS - debut)) s)"
exit $status
