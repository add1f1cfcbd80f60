-- NaN, Infinity and -Infinity (issue 12): numeric accepts them, and NaN sorts
-- above every number, so "nombre > 0" let a stock right of NaN dwellings in.
-- Every numeric column of the extension's tables and every numeric argument
-- of its functions, listed from the catalogue (a new one fails this test
-- until it is covered), is given each of the three values.
\i test/setup.sql
BEGIN;
SELECT plan(9);

CREATE FUNCTION pg_temp.essayer(requete text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	resultat text;
BEGIN
	EXECUTE requete INTO resultat;
	RETURN 'ok: ' || coalesce(resultat, 'null');
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
CREATE TEMP TABLE non_finis (valeur) AS VALUES ('NaN'), ('Infinity'), ('-Infinity');

-- one row of every table with a numeric column
INSERT INTO bailleur VALUES ('b93', 'Bailleur 93', NULL);
INSERT INTO reservataire VALUES ('al', 'Action Logement Services', 'action_logement');
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('b93', 'al', '93', 2026, 30);
INSERT INTO objectif_indicatif SELECT id, 'qpv', 'false', 40 FROM convention;
INSERT INTO rotation VALUES ('b93', '93', 2026, 5.3);
INSERT INTO rotation_typologie VALUES ('b93', '93', 2026, 'T2', 5.3);
INSERT INTO droit_stock (bailleur, reservataire, departement, nature, nombre, taux_rotation) VALUES ('b93', 'al', '93', 'suite', 10, 6);
INSERT INTO convention_stock (bailleur, reservataire, nature, departement, nombre, taux_rotation)
VALUES ('b93', 'al', 'unique', '93', 8, 6);
INSERT INTO conversion (bailleur, departement, date_conversion, flux_reference, horizon_unique, reservataire, volume_annuel,
						droits_uniques, taux, exces)
VALUES ('b93', '93', '2026-01-01', 500, 5, 'al', 10, 8, 2, 0);
INSERT INTO conversion_palier (conversion_id, annee_debut, volume_annuel, volume_limite, taux, exces)
SELECT id, 2026, 10, 2, 2, 0 FROM conversion;
INSERT INTO cible_objectif VALUES ('O1', NULL, 30);
INSERT INTO parametre_orientation VALUES ('plancher_prefet_hors_qpv', 30);

-- the numeric columns, from the catalogue, and what each value gets: the
-- row rule's message (22023) where a table has one, its CHECK constraint
-- (23514) otherwise; X stands for the value
CREATE TEMP TABLE colonnes AS
SELECT c.relname::text COLLATE "default" AS tbl, a.attname::text COLLATE "default" AS col
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
WHERE c.relnamespace = 'flux_mgmt'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
  AND a.atttypid = 'numeric'::regtype;
SELECT results_eq('SELECT tbl, col FROM colonnes ORDER BY 1, 2',
	$$VALUES ('cible_objectif', 'cible'), ('convention', 'taux'), ('convention_stock', 'nombre'), ('convention_stock', 'taux_rotation'),
			 ('conversion', 'droits_uniques'), ('conversion', 'exces'), ('conversion', 'flux_reference'), ('conversion', 'taux'),
			 ('conversion', 'volume_annuel'), ('conversion_palier', 'exces'), ('conversion_palier', 'taux'),
			 ('conversion_palier', 'volume_annuel'), ('conversion_palier', 'volume_limite'), ('droit_stock', 'nombre'),
			 ('droit_stock', 'taux_rotation'), ('objectif_indicatif', 'part'), ('parametre_orientation', 'valeur'), ('rotation', 'taux'),
			 ('rotation_typologie', 'taux')$$,
	'the numeric columns of the extension''s tables, all tried below');
CREATE TEMP TABLE essais_colonnes AS
SELECT c.tbl, c.col, n.valeur,
	   pg_temp.essayer(format('UPDATE flux_mgmt.%I SET %I = %L RETURNING NULL', c.tbl, c.col, n.valeur)) AS issue
FROM colonnes c CROSS JOIN non_finis n;
SELECT is((SELECT count(*) FROM essais_colonnes WHERE issue LIKE 'ok%'), 0::bigint, 'no column takes NaN, Infinity or -Infinity');
SELECT results_eq(
	$$SELECT tbl, col, replace(issue, valeur, 'X'), array_agg(valeur ORDER BY valeur)
	  FROM essais_colonnes GROUP BY 1, 2, 3 ORDER BY 1, 2, 3$$,
	$$VALUES
	('cible_objectif', 'cible', '22023: target X of objective O1 is not a finite number', '{-Infinity,Infinity,NaN}'::text[]),
	('convention', 'taux', '22023: share X of convention b93/al/93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('convention_stock', 'nombre', '22023: number of rights X of old convention of ''al'' with landlord ''b93'' is not a finite number', '{-Infinity,Infinity,NaN}'),
	('convention_stock', 'taux_rotation', '22023: rotation rate X of old convention of ''al'' with landlord ''b93'' is not a finite number', '{-Infinity,Infinity,NaN}'),
	('conversion', 'droits_uniques', '23514: new row for relation "conversion" violates check constraint "conversion_valeurs_finies"', '{Infinity,NaN}'),
	('conversion', 'droits_uniques', '23514: new row for relation "conversion" violates check constraint "conversion_volumes"', '{-Infinity}'),
	('conversion', 'exces', '23514: new row for relation "conversion" violates check constraint "conversion_valeurs_finies"', '{Infinity,NaN}'),
	('conversion', 'exces', '23514: new row for relation "conversion" violates check constraint "conversion_volumes"', '{-Infinity}'),
	('conversion', 'flux_reference', '23514: new row for relation "conversion" violates check constraint "conversion_flux_reference"', '{-Infinity}'),
	('conversion', 'flux_reference', '23514: new row for relation "conversion" violates check constraint "conversion_valeurs_finies"', '{Infinity,NaN}'),
	('conversion', 'taux', '23514: new row for relation "conversion" violates check constraint "conversion_valeurs_finies"', '{Infinity,NaN}'),
	('conversion', 'taux', '23514: new row for relation "conversion" violates check constraint "conversion_volumes"', '{-Infinity}'),
	('conversion', 'volume_annuel', '23514: new row for relation "conversion" violates check constraint "conversion_valeurs_finies"', '{Infinity,NaN}'),
	('conversion', 'volume_annuel', '23514: new row for relation "conversion" violates check constraint "conversion_volumes"', '{-Infinity}'),
	('conversion_palier', 'exces', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_valeurs_finies"', '{-Infinity,Infinity,NaN}'),
	('conversion_palier', 'taux', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_valeurs_finies"', '{-Infinity,Infinity,NaN}'),
	('conversion_palier', 'volume_annuel', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_valeurs_finies"', '{Infinity,NaN}'),
	('conversion_palier', 'volume_annuel', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_volumes"', '{-Infinity}'),
	('conversion_palier', 'volume_limite', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_valeurs_finies"', '{Infinity,NaN}'),
	('conversion_palier', 'volume_limite', '23514: new row for relation "conversion_palier" violates check constraint "conversion_palier_volumes"', '{-Infinity}'),
	('droit_stock', 'nombre', '22023: number X of stock right of ''al'' with landlord ''b93'' is not a finite number', '{-Infinity,Infinity,NaN}'),
	('droit_stock', 'taux_rotation', '22023: rotation rate X of stock right of ''al'' with landlord ''b93'' is not a finite number', '{-Infinity,Infinity,NaN}'),
	('objectif_indicatif', 'part', '22023: part X of an indicative objective of convention ' || (SELECT id FROM flux_mgmt.convention) || ' is not a finite number', '{-Infinity,Infinity,NaN}'),
	('parametre_orientation', 'valeur', '23514: new row for relation "parametre_orientation" violates check constraint "parametre_orientation_valeur"', '{-Infinity,Infinity,NaN}'),
	('rotation', 'taux', '22023: rotation rate X of rotation of landlord ''b93'' for 2026 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('rotation_typologie', 'taux', '22023: rotation rate X of rotation_typologie of landlord ''b93'' for 2026 is not a finite number', '{-Infinity,Infinity,NaN}')$$,
	'each one refused: 22023 by the row rules, 23514 by a CHECK constraint where the table has no rule');

-- the backstops of the two columns whose old rule (nombre > 0) let NaN and
-- Infinity through, with the row rules off
ALTER TABLE droit_stock DISABLE TRIGGER verifier;
SELECT throws_ok($$UPDATE flux_mgmt.droit_stock SET nombre = 'NaN'$$, '23514',
				 'new row for relation "droit_stock" violates check constraint "droit_stock_nombre_fini"', 'droit_stock.nombre: its CHECK constraint');
ALTER TABLE droit_stock ENABLE TRIGGER verifier;
ALTER TABLE convention_stock DISABLE TRIGGER verifier;
SELECT throws_ok($$UPDATE flux_mgmt.convention_stock SET nombre = 'Infinity'$$, '23514',
				 'new row for relation "convention_stock" violates check constraint "convention_stock_nombre_fini"', 'convention_stock.nombre: its CHECK constraint');
ALTER TABLE convention_stock ENABLE TRIGGER verifier;

-- the numeric arguments of the functions, from the catalogue, each called
-- with the three values (the other arguments valid)
CREATE TEMP TABLE appels (fonction, appel) AS VALUES
	('flux_mgmt.calendrier(numeric,integer)', 'SELECT flux_mgmt.calendrier(%L, 10)::text'),
	('flux_mgmt.convertir_en_conventions(portee,text,text,date,numeric,integer)', $$SELECT count(*) FROM flux_mgmt.convertir_en_conventions(flux_mgmt.portee(), 'b93', '93', '2026-01-01', %L, 5)$$),
	('flux_mgmt.convertir_en_conventions(text,text,date,numeric,integer)', $$SELECT count(*) FROM flux_mgmt.convertir_en_conventions('b93', '93', '2026-01-01', %L)$$),
	('flux_mgmt.convertir_stock(text,text,date,numeric,integer)', $$SELECT count(*) FROM flux_mgmt.convertir_stock('b93', '93', '2026-01-01', %L)$$),
	('flux_mgmt.exiger_conversion(text,text,date,numeric,integer)', $$SELECT flux_mgmt.exiger_conversion('b93', '93', '2026-01-01', %L, 5)$$),
	('flux_mgmt.exiger_fini(numeric,text,text)', $$SELECT flux_mgmt.exiger_fini(%L, 'value', 'a test')$$),
	('flux_mgmt.exiger_taux_rotation(numeric,text)', $$SELECT flux_mgmt.exiger_taux_rotation(%L, 'a test')$$),
	('flux_mgmt.nombre_fr(numeric)', 'SELECT flux_mgmt.nombre_fr(%L)'),
	('flux_mgmt.paliers_conversion(text,text,date,numeric,integer)', $$SELECT count(*) FROM flux_mgmt.paliers_conversion('b93', '93', '2026-01-01', %L)$$),
	('flux_mgmt.repartir(numeric[],integer)', 'SELECT flux_mgmt.repartir(ARRAY[%L::numeric], 1)::text');
SELECT results_eq(
	$$SELECT format('flux_mgmt.%s(%s)', p.proname::text, replace(oidvectortypes(p.proargtypes), ', ', ',')) COLLATE "default" FROM pg_proc p
	  WHERE p.pronamespace = 'flux_mgmt'::regnamespace
		AND ('numeric'::regtype = ANY (p.proargtypes::oid[]) OR 'numeric[]'::regtype = ANY (p.proargtypes::oid[]))
	  ORDER BY 1$$,
	'SELECT fonction FROM appels ORDER BY 1',
	'the functions with a numeric argument, all tried below');
CREATE TEMP TABLE essais_fonctions AS
SELECT a.fonction, n.valeur, pg_temp.essayer(format(a.appel, n.valeur)) AS issue
FROM appels a CROSS JOIN non_finis n;
SELECT results_eq(
	$$SELECT fonction, replace(issue, valeur, 'X'), array_agg(valeur ORDER BY valeur)
	  FROM essais_fonctions GROUP BY 1, 2 ORDER BY 1, 2$$,
	$$VALUES
	('flux_mgmt.calendrier(numeric,integer)', '22023: annual volume X is not a finite number', '{-Infinity,Infinity,NaN}'::text[]),
	('flux_mgmt.convertir_en_conventions(portee,text,text,date,numeric,integer)', '22023: reference flux X of the conversion of landlord ''b93'' in département 93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.convertir_en_conventions(text,text,date,numeric,integer)', '22023: reference flux X of the conversion of landlord ''b93'' in département 93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.convertir_stock(text,text,date,numeric,integer)', '22023: reference flux X of the conversion of landlord ''b93'' in département 93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.exiger_conversion(text,text,date,numeric,integer)', '22023: reference flux X of the conversion of landlord ''b93'' in département 93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.exiger_fini(numeric,text,text)', '22023: value X of a test is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.exiger_taux_rotation(numeric,text)', '22023: rotation rate X of a test is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.nombre_fr(numeric)', 'ok: X', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.paliers_conversion(text,text,date,numeric,integer)', '22023: reference flux X of the conversion of landlord ''b93'' in département 93 is not a finite number', '{-Infinity,Infinity,NaN}'),
	('flux_mgmt.repartir(numeric[],integer)', '22023: weight X at position 1 is not a finite number', '{-Infinity,Infinity,NaN}')$$,
	'each function refuses them (22023), but nombre_fr, which writes a number and is handed none by the extension');
SELECT is((SELECT count(*) FROM flux_mgmt.conversion), 1::bigint, 'no conversion was recorded');

-- the finite values next to them still pass
SELECT lives_ok($$UPDATE flux_mgmt.droit_stock SET nombre = 99999999999.5$$, 'a large finite number of dwellings is a number');
SELECT * FROM finish();
ROLLBACK;
