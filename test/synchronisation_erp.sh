#!/usr/bin/env bash
# The nightly synchronisation from an ERP (examples/synchronisation_erp): an
# ERP database with its own schema, a flux_mgmt database linked to it through
# postgres_fdw, and synchroniser.sql run by a role that is not a superuser,
# with the privileges relier.sql grants.  The first run records the ERP's
# year; a second run writes nothing (no row even locked) and leaves every
# figure as it was; ten changes in the ERP (a lease date, a proposal moved to
# another réservataire, a new vacancy, a household flag, a deleted proposal, a
# proposal dated back, a deleted congé, a proposal leased, a carence, a lease
# fallen through) move the views by exactly their effect, and a run after them
# writes nothing again; a run limited by depuis after the ERP purged its
# history, a dry run and a refused run write nothing; the counters equal a
# recount after every run.  Runs inside a cluster (PGHOST/PGPORT/PGUSER set):
#   pg_virtualenv -t bash test/synchronisation_erp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
EX=examples/synchronisation_erp
TMP=$(mktemp -d)
MDP_LECTEUR=lecteur-$$-erp
MDP_SYNCHRO=synchro-$$-flux
trap 'rm -rf "$TMP"; dropdb --if-exists flux_synchro; dropdb --if-exists erp;
	  psql -X -q -d postgres -c "DROP ROLE IF EXISTS synchro_erp" -c "DROP ROLE IF EXISTS lecteur_erp" >/dev/null 2>&1 || true' EXIT

erp() { psql -X -q -v ON_ERROR_STOP=1 -d erp "$@"; }
flux() { psql -X -q -v ON_ERROR_STOP=1 -d flux_synchro "$@"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "CREATE ROLE lecteur_erp LOGIN PASSWORD '$MDP_LECTEUR'" \
	-c "CREATE ROLE synchro_erp LOGIN PASSWORD '$MDP_SYNCHRO'"

# The ERP: 36 lots in Montreuil, Bobigny and Pantin, a year of congés,
# proposals and leases, read by a role that may only read.
createdb erp
erp -f "$EX/erp_schema.sql"
erp <<'SQL'
GRANT USAGE ON SCHEMA patrimoine, gestion_locative TO lecteur_erp;
GRANT SELECT ON patrimoine.lot, gestion_locative.conge, gestion_locative.proposition, gestion_locative.bail TO lecteur_erp;
INSERT INTO patrimoine.lot (num_lot, code_commune, nb_pieces, type_financement, en_qpv, annee_constr, num_rpls,
							date_entree_patrimoine, date_sortie)
SELECT 'L' || lpad(n::text, 3, '0'), CASE WHEN n <= 14 THEN '93048' WHEN n <= 26 THEN '93008' ELSE '93055' END,
	   1 + n % 5, (ARRAY[13, 11, 14, 50])[1 + n % 4], n % 3 = 0, 1955 + (n * 13) % 65, 'R93' || lpad(n::text, 7, '0'),
	   CASE WHEN n >= 35 THEN date '2025-06-01' ELSE date '1985-01-01' END,   -- 35, 36: new
	   CASE WHEN n = 30 THEN date '2025-12-31' END                              -- 30: sold
FROM generate_series(1, 36) AS n;
-- a congé on lots 1 to 33 every 11 days of 2025; the first letting of lots 35 and 36
INSERT INTO gestion_locative.conge (id_conge, num_lot, date_effet, premiere_mise_en_location)
SELECT n, 'L' || lpad(n::text, 3, '0'), date '2025-01-06' + (n - 1) * 11, false FROM generate_series(1, 33) AS n
UNION ALL VALUES (35, 'L035', date '2025-06-01', true), (36, 'L036', date '2025-06-01', true);
-- Proposals, three days after the congé, by n % 6: 1 Action Logement, 2 the
-- préfet, 3 Action Logement (carence) then the landlord's contingent, 4 the
-- contingent, 5 the commune of Montreuil in Montreuil and the State's agents
-- elsewhere, 0 Action Logement (waiting); 18 the préfet (refused) then Action
-- Logement (waiting), 24 Action Logement (withdrawn) then the contingent, 31 out
-- of the flux (internal transfer), 33 the Ministry of Defence (a stock dwelling),
-- 35 the préfet, 36 Action Logement.  Every accepted proposal gets a lease.
WITH c AS (
	SELECT id_conge AS n, date_effet + 3 AS d,
		   CASE WHEN id_conge = 33 THEN 'defense' WHEN id_conge IN (18, 35) THEN 'prefet' WHEN id_conge = 36 THEN 'al'
				WHEN id_conge = 31 THEN NULL WHEN id_conge % 6 IN (0, 1, 3) THEN 'al' WHEN id_conge % 6 = 2 THEN 'prefet'
				WHEN id_conge % 6 = 5 THEN CASE WHEN id_conge <= 14 THEN 'montreuil' ELSE 'agents' END END AS r
	FROM gestion_locative.conge
)
INSERT INTO gestion_locative.proposition (id_proposition, id_conge, code_reservataire, motif_hors_flux, date_proposition,
										  date_limite_reponse, statut, date_statut)
SELECT n * 10 + 1, n, r, CASE WHEN n = 31 THEN 'mutation_interne' END, d, CASE WHEN r IS NOT NULL THEN d + 30 END,
	   CASE WHEN n IN (33, 35, 36) THEN 'acceptee' WHEN n = 18 THEN 'refusee' WHEN n = 24 THEN 'annulee'
			WHEN n % 6 = 3 THEN 'carence' WHEN n % 6 = 0 THEN 'en_attente' ELSE 'acceptee' END,
	   CASE WHEN n = 18 THEN d + 10 WHEN n = 24 THEN d + 5 WHEN n % 6 = 3 AND n <> 33 THEN d + 31 END
FROM c
UNION ALL
SELECT n * 10 + 2, n, CASE WHEN n = 18 THEN 'al' END, NULL,
	   CASE WHEN n = 18 THEN d + 11 WHEN n = 24 THEN d + 6 ELSE d + 32 END, CASE WHEN n = 18 THEN d + 41 END,
	   CASE WHEN n = 18 THEN 'en_attente' ELSE 'acceptee' END, NULL
FROM c WHERE (n % 6 = 3 AND n <> 33) OR n IN (18, 24);
INSERT INTO gestion_locative.bail (id_bail, id_proposition, date_caleol, date_signature, menage_q1, menage_dalo,
								   menage_prioritaire, menage_relogement_npnru, menage_mutation, menage_agent_public)
SELECT id_proposition, id_proposition, date_proposition + 20, date_proposition + 35, id_conge % 4 = 0, id_conge % 7 = 0,
	   id_conge % 5 = 0, id_conge = 16, id_conge = 31, code_reservataire IS NOT DISTINCT FROM 'agents'
FROM gestion_locative.proposition WHERE statut = 'acceptee';
SQL

# flux_mgmt: the landlord, its réservataires and conventions in force from
# 2025; a stock dwelling recorded before the first synchronisation (which
# fills in what the ERP knows of it) and one the ERP does not have.
createdb flux_synchro
flux <<'SQL'
CREATE EXTENSION flux_mgmt;
INSERT INTO flux_mgmt.bailleur VALUES ('b93', 'Bailleur de Seine-Saint-Denis', NULL);
INSERT INTO flux_mgmt.reservataire VALUES
	('prefet', 'Préfet, prioritaires', 'etat_prioritaires'), ('agents', 'Préfet, agents de l''État', 'etat_agents'),
	('al', 'Action Logement Services', 'action_logement'), ('montreuil', 'Ville de Montreuil', 'commune'),
	('defense', 'Ministère des Armées', 'ministere');
INSERT INTO flux_mgmt.territoire VALUES ('montreuil', '93048');
INSERT INTO flux_mgmt.convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('b93', 'prefet', '93', 2025, NULL, 25, 'orientation'), ('b93', 'agents', '93', 2025, NULL, 5, 'bail'),
	('b93', 'al', '93', 2025, NULL, 35, 'mixte'), ('b93', 'montreuil', '93', 2025, NULL, 10, 'mixte');
INSERT INTO flux_mgmt.logement (bailleur, ref, commune, qpv, regime, reservataire_stock) VALUES
	('b93', 'L033', '93055', false, 'stock_defense', 'defense'), ('b93', 'HORS-ERP-1', '93008', false, 'flux', NULL);
SQL
ERP_PASSWORD=$MDP_LECTEUR flux -v erp_host="$PGHOST" -v erp_port="$PGPORT" -v erp_dbname=erp -v erp_user=lecteur_erp \
	-v role_synchro=synchro_erp -At -f "$EX/relier.sql"

# The synchronisation as the nightly job runs it: its own role, the caller's
# search_path pointing elsewhere; one line per table: table, inserted,
# updated, deleted, kept although absent from the ERP.
synchroniser() {
	PGPASSWORD=$MDP_SYNCHRO PGOPTIONS="-c search_path=erp,public" \
		psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 -U synchro_erp -d flux_synchro -v bailleur=b93 "$@" -f "$EX/synchroniser.sql"
}
# What the ERP's events became, by natural key (no id), and every figure the
# views give; then the counters against a recount, the rules.
empreinte() {
	flux -At <<'SQL'
SELECT 'logement ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT ref, rpls, commune, nb_pieces, financement, qpv, annee_construction, regime, reservataire_stock,
			 mise_en_service, sortie FROM flux_mgmt.logement) t;
SELECT 'vacance ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT l.ref, v.date_liberation, v.premiere_location
	  FROM flux_mgmt.vacance v JOIN flux_mgmt.logement l ON l.id = v.logement_id) t;
CREATE TEMP VIEW o AS
SELECT o.*, l.ref, v.date_liberation, row_number() OVER (PARTITION BY o.vacance_id ORDER BY o.id) AS position
FROM flux_mgmt.orientation o JOIN flux_mgmt.vacance v ON v.id = o.vacance_id JOIN flux_mgmt.logement l ON l.id = v.logement_id;
SELECT 'orientation ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT ref, date_liberation, position, date_orientation, reservataire, soustraction, date_limite, issue, date_issue FROM o) t;
SELECT 'attribution ' || count(*) || ' ' || md5(string_agg(t::text, ',' ORDER BY t::text))
FROM (SELECT o.ref, o.date_liberation, o.position, a.date_caleol, a.date_bail, a.premier_quartile, a.dalo, a.prioritaire,
			 a.relogement_renouvellement, a.mutation, a.agent_etat
	  FROM flux_mgmt.attribution a JOIN o ON o.id = a.orientation_id) t;
SELECT v || ' ' || n || ' ' || h FROM (
	SELECT 'atteinte' AS v, count(*) AS n, md5(string_agg(t::text, ',' ORDER BY t::text)) AS h FROM flux_mgmt.atteinte t
	UNION ALL SELECT 'bilan_annuel', count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM flux_mgmt.bilan_annuel t
	UNION ALL SELECT 'objectifs_attribution', count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM flux_mgmt.objectifs_attribution t
	UNION ALL SELECT 'bilan_soustractions', count(*), md5(string_agg(t::text, ',' ORDER BY t::text)) FROM flux_mgmt.bilan_soustractions t
) x ORDER BY v;
SELECT 'verifier_compteurs ' || count(*) FROM flux_mgmt.verifier_compteurs();
SELECT 'infraction ' || count(*) FROM flux_mgmt.infraction;
SQL
}
# Every row version of every table of flux_mgmt (place, creating and locking
# transactions): equal before and after a run that wrote nothing.  (tableforest
# true: each row is its own <row> document, which /row/h finds.)
versions() {
	flux -At <<'SQL'
SELECT c.relname || ' ' || (xpath('/row/h/text()', query_to_xml(format(
	'SELECT md5(coalesce(string_agg(t.ctid::text || t.xmin || '':'' || t.xmax, '','' ORDER BY t.ctid), '''')) AS h FROM flux_mgmt.%I t',
	c.relname), false, true, '')))[1]::text
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'flux_mgmt'
WHERE c.relkind = 'r' ORDER BY c.relname;
SQL
}
# atteinte of 2025 and 2026, and bilan_annuel summed per réservataire
chiffres() {
	flux -At -F ' ' <<'SQL'
SELECT 'atteinte', annee, coalesce(reservataire, 'contingent'), flux_realise, decomptes, en_cours, carences
FROM flux_mgmt.atteinte WHERE bailleur = 'b93' AND departement = '93' ORDER BY annee, reservataire NULLS LAST;
SELECT 'bilan', annee, coalesce(reservataire, 'contingent'), sum(logements_proposes), sum(logements_attribues)
FROM flux_mgmt.bilan_annuel WHERE bailleur = 'b93' GROUP BY annee, reservataire ORDER BY annee, reservataire NULLS LAST;
SELECT 'objectif', annee, objectif, coalesce(reservataire, '-'), numerateur, denominateur
FROM flux_mgmt.objectifs_attribution WHERE bailleur = 'b93' AND epci IS NULL ORDER BY annee, objectif, reservataire;
SQL
}

status=0
attendre() {  # $1: what, $2: file of what was found; expected on stdin
	if ! diff -u - "$2"; then echo "FAIL: $1"; status=1; fi
}
compteurs_justes() {
	grep -qx "verifier_compteurs 0" "$1" || { echo "FAIL: $2: the counters disagree with a recount"; status=1; }
	grep -qx "infraction 0" "$1" || { echo "FAIL: $2: events break a rule"; status=1; }
}

# 1. The first run records the ERP's year.
synchroniser > "$TMP/bilan1"
attendre "the first run's counts" "$TMP/bilan1" <<'EOF'
logement 35 1 0 1
vacance 35 0 0 0
orientation 42 0 0 0
attribution 31 0 0 0
EOF
empreinte > "$TMP/empreinte1"; compteurs_justes "$TMP/empreinte1" "first run"
versions > "$TMP/versions1"
chiffres > "$TMP/chiffres1"
# (hand count: Action Logement 11 = 5 leases + 5 carences + lot 36; Montreuil's
# scope, its 14 lots but the 2 still open; 2026: the leases of 31, 32 and 33)
attendre "the figures of the ERP's year" "$TMP/chiffres1" <<'EOF'
atteinte 2025 agents 30 3 0 0
atteinte 2025 al 30 11 4 5
atteinte 2025 montreuil 12 2 0 0
atteinte 2025 prefet 30 8 0 0
atteinte 2025 contingent 30 6 0 0
atteinte 2026 agents 0 0 0 0
atteinte 2026 al 0 0 0 0
atteinte 2026 montreuil 0 0 0 0
atteinte 2026 prefet 0 0 0 0
atteinte 2026 contingent 0 0 0 0
bilan 2025 agents 3 3
bilan 2025 al 16 6
bilan 2025 montreuil 2 2
bilan 2025 prefet 8 6
bilan 2025 contingent 11 11
bilan 2026 prefet 0 1
objectif 2025 O1 - 5 21
objectif 2025 O2 - 5 7
objectif 2025 O3 al 2 6
objectif 2025 O3 defense 0 0
objectif 2025 O3 montreuil 1 2
objectif 2025 O4 - 4 11
objectif 2026 O1 - 1 2
objectif 2026 O2 - 1 1
objectif 2026 O3 defense 0 1
EOF

# 2. Again: nothing written, not a row locked, every figure the same.
synchroniser > "$TMP/bilan2"
attendre "a re-run's counts" "$TMP/bilan2" <<'EOF'
logement 0 0 0 1
vacance 0 0 0 0
orientation 0 0 0 0
attribution 0 0 0 0
EOF
empreinte > "$TMP/empreinte2"
versions > "$TMP/versions2"
diff -u "$TMP/empreinte1" "$TMP/empreinte2" || { echo "FAIL: a re-run changed the events or the figures"; status=1; }
diff -u "$TMP/versions1" "$TMP/versions2" || { echo "FAIL: a re-run wrote or locked rows"; status=1; }

# 3. The ERP changes, each with its own effect:
#  - the lease of lot 25 (Action Logement, mixte) is signed in January 2026:
#    its charge moves to 2026 (2025: flux 30 → 29), and its O1/O3 lease;
#  - the proposal of lot 7 (Action Logement, leased) was the préfet's: the
#    charge moves from one to the other, the orientation is updated in place;
#  - a new congé on lot 34 with a proposal to the contingent, waiting;
#  - the household of lot 10's lease (outside QPV) is in the first quartile: O1 + 1;
#  - the carence of Action Logement on lot 9 is deleted: the vacancy is now
#    charged to the contingent's lease (al 1 charge and 1 carence less);
#  - lot 22 (contingent, leased) had first been proposed to the préfet, who
#    refused: a proposal dated before the recorded one, so the vacancy's
#    orientations are recorded again in date order, and the préfet's (mode
#    orientation: a refusal is charged) becomes the charge, not the contingent's;
#  - the congé of lot 12 (Action Logement, waiting) is deleted;
#  - Action Logement's waiting proposal of lot 6 (in Montreuil, in a QPV) is
#    accepted and leased: a charge, O2 + 1; the one of lot 30 ends in a carence:
#    a charge and a carence;
#  - the lease of lot 13 (Action Logement, Montreuil) falls through, its
#    proposal ends as refused: the attribution is deleted, the orientation
#    becomes an échec, which mode mixte does not charge.
erp <<'SQL'
UPDATE gestion_locative.bail SET date_signature = '2026-01-08' WHERE id_proposition = 251;
UPDATE gestion_locative.proposition SET code_reservataire = 'prefet' WHERE id_proposition = 71;
INSERT INTO gestion_locative.conge (id_conge, num_lot, date_effet) VALUES (34, 'L034', '2025-12-01');
INSERT INTO gestion_locative.proposition (id_proposition, id_conge, date_proposition) VALUES (341, 34, '2025-12-02');
UPDATE gestion_locative.bail SET menage_q1 = true WHERE id_proposition = 101;
DELETE FROM gestion_locative.proposition WHERE id_proposition = 91;
INSERT INTO gestion_locative.proposition (id_proposition, id_conge, code_reservataire, date_proposition, date_limite_reponse,
										  statut, date_statut)
SELECT 223, 22, 'prefet', date_effet + 1, date_effet + 31, 'refusee', date_effet + 2
FROM gestion_locative.conge WHERE id_conge = 22;
DELETE FROM gestion_locative.conge WHERE id_conge = 12;
UPDATE gestion_locative.proposition SET statut = 'acceptee' WHERE id_proposition = 61;
INSERT INTO gestion_locative.bail (id_bail, id_proposition, date_caleol, date_signature)
SELECT 61, 61, date_proposition + 20, date_proposition + 35 FROM gestion_locative.proposition WHERE id_proposition = 61;
UPDATE gestion_locative.proposition SET statut = 'carence', date_statut = date_limite_reponse + 1 WHERE id_proposition = 301;
DELETE FROM gestion_locative.bail WHERE id_proposition = 131;
UPDATE gestion_locative.proposition SET statut = 'refusee', date_statut = date_proposition + 25 WHERE id_proposition = 131;
SQL
synchroniser > "$TMP/bilan3"
attendre "the counts of the changes" "$TMP/bilan3" <<'EOF'
logement 0 0 0 1
vacance 1 0 1 0
orientation 3 3 3 0
attribution 2 2 2 0
EOF
empreinte > "$TMP/empreinte3"; compteurs_justes "$TMP/empreinte3" "after the changes"
chiffres > "$TMP/chiffres3"
attendre "the figures after the changes" "$TMP/chiffres3" <<'EOF'
atteinte 2025 agents 30 3 0 0
atteinte 2025 al 30 9 1 5
atteinte 2025 montreuil 12 2 0 0
atteinte 2025 prefet 30 10 0 0
atteinte 2025 contingent 30 6 1 0
atteinte 2026 agents 1 0 0 0
atteinte 2026 al 1 1 0 0
atteinte 2026 montreuil 0 0 0 0
atteinte 2026 prefet 1 0 0 0
atteinte 2026 contingent 1 0 0 0
bilan 2025 agents 3 3
bilan 2025 al 13 4
bilan 2025 montreuil 2 2
bilan 2025 prefet 10 7
bilan 2025 contingent 12 11
bilan 2026 al 0 1
bilan 2026 prefet 0 1
objectif 2025 O1 - 6 19
objectif 2025 O2 - 6 8
objectif 2025 O3 al 0 4
objectif 2025 O3 defense 0 0
objectif 2025 O3 montreuil 1 2
objectif 2025 O4 - 4 11
objectif 2026 O1 - 1 3
objectif 2026 O2 - 1 1
objectif 2026 O3 al 1 1
objectif 2026 O3 defense 0 1
EOF
charge22=$(flux -At -c "SELECT string_agg(coalesce(d.reservataire, 'contingent') || ':' || d.issue || ':' || d.decompte, ' ' ORDER BY d.id)
	FROM flux_mgmt.orientation_decompte d JOIN flux_mgmt.vacance v ON v.id = d.vacance_id
	JOIN flux_mgmt.logement l ON l.id = v.logement_id WHERE l.ref = 'L022'")
[ "$charge22" = "prefet:echec:true contingent:attribuee:false" ] \
	|| { echo "FAIL: lot 22's orientations are not in date order, or the wrong one is charged: $charge22"; status=1; }

# 4. Again: nothing written.
versions > "$TMP/versions3"
synchroniser > "$TMP/bilan4"
attendre "a re-run's counts after the changes" "$TMP/bilan4" <<'EOF'
logement 0 0 0 1
vacance 0 0 0 0
orientation 0 0 0 0
attribution 0 0 0 0
EOF
empreinte > "$TMP/empreinte4"; versions > "$TMP/versions4"
diff -u "$TMP/empreinte3" "$TMP/empreinte4" || { echo "FAIL: a re-run after the changes changed something"; status=1; }
diff -u "$TMP/versions3" "$TMP/versions4" || { echo "FAIL: a re-run after the changes wrote or locked rows"; status=1; }

# 5. The ERP purges its congés before March 2025 (lots 1 to 5): with depuis,
#    flux_mgmt keeps them and nothing is written; without, a dry run (essai)
#    shows they would be deleted, and writes nothing.
erp -c "DELETE FROM gestion_locative.conge WHERE date_effet < '2025-03-01'"
synchroniser -v depuis=2025-03-01 > "$TMP/bilan5"
attendre "a run with depuis after the ERP's purge" "$TMP/bilan5" <<'EOF'
logement 0 0 0 1
vacance 0 0 0 0
orientation 0 0 0 0
attribution 0 0 0 0
EOF
versions > "$TMP/versions5"
diff -u "$TMP/versions4" "$TMP/versions5" || { echo "FAIL: a run with depuis wrote or locked rows"; status=1; }
synchroniser -v essai=on > "$TMP/bilan6" 2> "$TMP/essai"
attendre "a dry run's counts" "$TMP/bilan6" <<'EOF'
logement 0 0 0 1
vacance 0 0 5 0
orientation 0 0 6 0
attribution 0 0 5 0
EOF
grep -q "essai: rolled back" "$TMP/essai" || { echo "FAIL: the dry run does not say it rolled back"; status=1; }
empreinte > "$TMP/empreinte6"
diff -u "$TMP/empreinte4" "$TMP/empreinte6" || { echo "FAIL: the dry run changed something"; status=1; }

# 6. An ERP breaking a key (two open proposals on congé 6): refused, naming
#    it, before anything is written.
erp -c "INSERT INTO gestion_locative.proposition (id_proposition, id_conge, code_reservataire, date_proposition)
		VALUES (62, 6, 'prefet', '2025-03-20')"
versions > "$TMP/versions6"
if synchroniser -v depuis=2025-03-01 > "$TMP/bilan7" 2> "$TMP/refus"; then
	echo "FAIL: two open proposals of one congé were accepted"; status=1
fi
grep -q "congé 6 (lot L006, 2025-03-02) has several open or accepted proposals in the ERP (61, 62)" "$TMP/refus" \
	|| { echo "FAIL: the refusal does not name the congé:"; cat "$TMP/refus"; status=1; }
empreinte > "$TMP/empreinte7"; versions > "$TMP/versions7"
diff -u "$TMP/empreinte4" "$TMP/empreinte7" || { echo "FAIL: a refused run changed something"; status=1; }
diff -u "$TMP/versions6" "$TMP/versions7" || { echo "FAIL: a refused run wrote rows"; status=1; }

[ $status -eq 0 ] && echo "ok: $(sed -n 's/^orientation \([0-9]*\) .*/\1/p' "$TMP/empreinte1") orientations and" \
	"$(sed -n 's/^attribution \([0-9]*\) .*/\1/p' "$TMP/empreinte1") attributions synchronised from the ERP;" \
	"re-runs wrote 0 rows; 10 changes gave al 11 → 9 charges, préfet 8 → 10, contingent 0 → 1 open;" \
	"depuis, dry run and refusal wrote nothing; counters equal a recount after every run"
exit $status
