-- The candidates computed in C (candidats_rapides(), src/candidats.c) are
-- candidats()'s, to the last digit, and decider() uses them.
--
--  * A year of a landlord with a territorial convention, dwellings in and
--    out of a QPV, in and out of the territory: every vacancy, in date
--    order, compared (as text: every value and scale) with candidats()
--    before it is oriented by orienter_suggestion(), in one transaction:
--    the counts include the orientations pending in the backend, and the
--    conventions kept by the backend follow a change of share, of name, of
--    territory made by this transaction, also under
--    session_replication_role = replica, and forget them when they are
--    rolled back with their savepoint; two territories sharing communes.
--  * Where a rule only candidats() applies concerns the département (an
--    indicative objective, a conversion of old stock), candidats_rapides()
--    gives null, and decider() gives candidats()'s candidates.
--  * The same privileges: a role that may not read the conventions or the
--    counters gets 42501 from both, also after the owner's call kept them;
--    no name resolved through the caller's search_path.
\i test/setup.sql
BEGIN;
SELECT plan(15);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
SELECT setseed(0.75);
-- 40 more in-flux dwellings in both communes, a quarter in a QPV, vacated
-- over the year (ids and dates fixed by their order)
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction)
SELECT 'b93', 'R' || lpad(n::text, 2, '0'), CASE WHEN n % 3 = 0 THEN '93008' ELSE '93048' END, 1 + n % 5,
	   (enum_range(NULL::financement))[1 + n % 6], n % 4 = 0, 1950 + n
FROM generate_series(1, 40) AS n;
INSERT INTO vacance (logement_id, date_liberation)
SELECT l.id, date '2026-03-02' + (7 * row_number() OVER (ORDER BY l.id))::int
FROM logement l WHERE l.ref LIKE 'R%' ORDER BY l.id;

-- every difference between the two, as text, for the in-flux vacancies not
-- oriented yet; then the first of them oriented as the engine suggests
CREATE TEMP TABLE differences (etape text, vacance bigint, rapides text, sql text);
CREATE FUNCTION pg_temp.comparer(etape text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	r record;
	n integer := 0;
BEGIN
	FOR r IN
		SELECT va.id, l.bailleur, l.commune, extract(year FROM va.date_liberation)::integer AS annee, l.nb_pieces,
			   l.financement, l.qpv, flux_mgmt.date_decision(va.id) AS le
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
		WHERE l.regime = 'flux' AND NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = va.id)
		ORDER BY va.id
	LOOP
		INSERT INTO differences
		SELECT etape, r.id, x.rapides::text, x.sql::text
		FROM (SELECT flux_mgmt.candidats_rapides(r.bailleur, r.commune, r.annee, r.qpv) AS rapides,
					 ARRAY(SELECT c FROM flux_mgmt.candidats(r.bailleur, r.commune, r.annee, r.nb_pieces, r.financement,
															 r.qpv, r.le) AS c) AS sql) AS x
		WHERE x.rapides::text IS DISTINCT FROM x.sql::text;
		-- and the kernel's choice, from C and from the arrays decider() made in SQL
		INSERT INTO differences
		SELECT etape || ' (choice)', r.id, x.c::text, x.s::text
		FROM (SELECT flux_mgmt.choisir_candidats(k.c) AS c,
					 (SELECT flux_mgmt.choisir_orientation(array_agg(y.t ORDER BY i), array_agg(y.a ORDER BY i),
														   array_agg(round(y.taux * 10000)::bigint ORDER BY i),
														   array_agg(round(y.preference * 10000)::bigint ORDER BY i))
					  FROM unnest(k.c) WITH ORDINALITY AS y (reservataire, nom, territorial, taux, t, a, preference,
															  motifs_preference, gestion, i)) AS s
			  FROM (SELECT ARRAY(SELECT c FROM flux_mgmt.candidats(r.bailleur, r.commune, r.annee, r.nb_pieces,
																	r.financement, r.qpv, r.le) AS c) AS c) AS k) AS x
		WHERE x.c::text IS DISTINCT FROM x.s::text;
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;
CREATE FUNCTION pg_temp.une_annee(etape text) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
	v bigint;
	n integer := 0;
BEGIN
	LOOP
		PERFORM pg_temp.comparer(etape);
		SELECT va.id INTO v
		FROM flux_mgmt.vacance va JOIN flux_mgmt.logement l ON l.id = va.logement_id
		WHERE l.regime = 'flux' AND NOT EXISTS (SELECT FROM flux_mgmt.orientation o WHERE o.vacance_id = va.id)
		ORDER BY va.date_liberation, va.id LIMIT 1;
		EXIT WHEN v IS NULL;
		PERFORM flux_mgmt.orienter_suggestion(v, (SELECT date_liberation FROM flux_mgmt.vacance WHERE id = v));
		n := n + 1;
	END LOOP;
	RETURN n;
END
$$;

SELECT is(pg_temp.une_annee('the year'), 45,
		  'the 45 in-flux vacancies of the year oriented one by one by orienter_suggestion(), in one transaction');
SELECT is((SELECT count(*) FROM differences), 0::bigint,
		  'before each orientation, candidats_rapides() gives candidats()''s candidates, as text, for every vacancy not oriented yet (the orientations pending in the backend counted), and choisir_candidats() the choice decider() made in SQL');
SELECT is((SELECT count(DISTINCT reservataire) FROM orientation WHERE reservataire IS NOT NULL), 4::bigint,
		  'the year went to the four réservataires, the territorial one included, and to the pool');

-- the conventions the backend keeps follow this transaction's changes
SAVEPOINT regles;
DELETE FROM orientation WHERE vacance_id IN (SELECT id FROM vacance WHERE date_liberation > '2026-09-01');
SELECT pg_temp.comparer('kept') > 0 AS compare \gset
UPDATE convention SET taux = 20 WHERE reservataire = 'al';
UPDATE reservataire SET nom = 'Action Logement' WHERE code = 'al';
SELECT pg_temp.comparer('changed') > 0 AS compare \gset
SELECT is((SELECT count(*) FROM differences), 0::bigint,
		  'after a change of share and of name in the transaction, the same candidates (kept ones forgotten)');
SELECT ok((SELECT bool_and((c).taux = 20 AND (c).nom = 'Action Logement')
		   FROM unnest(candidats_rapides('b93', '93048', 2026, false)) AS c WHERE (c).reservataire = 'al'),
		  'the new share and name are the ones candidats_rapides() gives');
INSERT INTO territoire VALUES ('montreuil', '93008');
SET LOCAL session_replication_role = replica;
UPDATE convention SET taux = 12 WHERE reservataire = 'montreuil';
RESET session_replication_role;
SELECT pg_temp.comparer('replica') > 0 AS compare \gset
SELECT is((SELECT count(*) FROM differences), 0::bigint,
		  'a territory grown, a share changed under session_replication_role = replica: the same candidates');
SELECT ok((SELECT bool_or((c).reservataire = 'montreuil' AND (c).taux = 12)
		   FROM unnest(candidats_rapides('b93', '93008', 2026, false)) AS c),
		  'the town, whose territory now holds Bobigny, is a candidate there with its new share');
-- a second territory over one of the town's two communes: Bobigny's counters read once for both
INSERT INTO reservataire VALUES ('bobigny', 'Ville de Bobigny', 'commune');
INSERT INTO territoire VALUES ('bobigny', '93008');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, annee_fin, taux, mode_decompte) VALUES
	('b93', 'bobigny', '93', 2026, NULL, 5, 'mixte');
SELECT pg_temp.une_annee('two territories') > 0 AS orientees \gset
SELECT ok(:'orientees'::boolean AND (SELECT count(*) FROM differences) = 0,
		  'two territories sharing a commune, the vacancies of the autumn oriented again one by one: the same candidates before each');
ROLLBACK TO SAVEPOINT regles;
SELECT is((SELECT (c).taux FROM unnest(candidats_rapides('b93', '93048', 2026, false)) AS c WHERE (c).reservataire = 'al'),
		  35::numeric, 'the changes rolled back with their savepoint: the share kept while they were seen is forgotten');

-- no name resolved through the caller's search_path: an = of text planted
-- before pg_catalog (every convention would read as the préfet's) changes
-- nothing, whether the conventions are read again or kept
CREATE TEMP TABLE avant_piege AS SELECT candidats_rapides('b93', '93048', 2026, false)::text AS c;
CREATE SCHEMA piege;
CREATE FUNCTION piege.toujours(text, text) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE OPERATOR piege.= (LEFTARG = text, RIGHTARG = text, FUNCTION = piege.toujours);
UPDATE reservataire SET nom = nom WHERE code = 'al';	-- the kept conventions forgotten: read again under the path below
-- (pgTAP itself would be hijacked: the result is read into a psql variable)
SET LOCAL search_path = piege, flux_mgmt, pg_catalog, public;
SELECT candidats_rapides('b93', '93048', 2026, false)::text AS sous_piege \gset
SET LOCAL search_path = flux_mgmt, public;
SELECT is(:'sous_piege', (SELECT c FROM avant_piege),
		  'an operator = planted before pg_catalog in the search_path changes nothing');

-- the rules kept in SQL: null, and decider() asks candidats()
SAVEPOINT objectifs;
INSERT INTO objectif_indicatif (convention_id, critere, valeur, part)
SELECT id, 'qpv', 'false', 60 FROM convention WHERE reservataire = 'al';
SELECT is(candidats_rapides('b93', '93048', 2026, false), NULL,
		  'an indicative objective in force in the département: null (candidats() computes it)');
SELECT is((SELECT (d.candidats)::text FROM decider((SELECT max(id) FROM vacance)) AS d),
		  (SELECT ARRAY(SELECT c FROM candidats('b93', l.commune, 2026, l.nb_pieces, l.financement, l.qpv,
												date_decision(va.id)) AS c)::text
		   FROM vacance va JOIN logement l ON l.id = va.logement_id WHERE va.id = (SELECT max(id) FROM vacance)),
		  'decider() then gives candidats()''s candidates (the programme-less dwelling: no social-mix preference)');
ROLLBACK TO SAVEPOINT objectifs;
SAVEPOINT conversion;
INSERT INTO conversion (bailleur, departement, date_conversion, flux_reference, horizon_unique, reservataire,
						volume_annuel, droits_uniques, taux, exces, fin)
VALUES ('b93', '93', '2026-01-01', 10, 3, 'al', 1, 3, 10, 0, '2029-01-01');
SELECT is(candidats_rapides('b93', '93048', 2026, false), NULL,
		  'a conversion of old stock recorded in the département: null');
ROLLBACK TO SAVEPOINT conversion;

-- the same privileges as candidats()
CREATE ROLE lecteur_750;
GRANT USAGE ON SCHEMA flux_mgmt TO lecteur_750;
SET LOCAL ROLE lecteur_750;
SELECT throws_ok($$SELECT candidats_rapides('b93', '93048', 2026, false)$$, '42501', NULL,
				 'a role without SELECT on the conventions: 42501, though the owner''s call kept them');
RESET ROLE;
GRANT SELECT ON convention, reservataire, territoire, objectif_indicatif, conversion TO lecteur_750;
SET LOCAL ROLE lecteur_750;
SELECT throws_ok($$SELECT candidats_rapides('b93', '93048', 2026, false)$$, '42501', NULL,
				 'one that may read the conventions but not the counters: 42501, as comptes_moteur()');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
