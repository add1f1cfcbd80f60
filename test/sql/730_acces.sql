-- One shared ledger (issue 14): each profile reads and writes its rows only,
-- and a réservataire's, a territory's or an observatory's figures are the
-- lines an unrestricted reader sees, computed over every row.  Two landlords
-- in Seine-Saint-Denis: b93 (Montreuil and Bobigny, in Est Ensemble) and sd
-- (Saint-Denis, in Plaine Commune), sharing Action Logement and the préfet.
\i test/setup.sql
BEGIN;
SELECT plan(97);
\i test/fixtures/ids_depuis_1.sql
\i test/fixtures/evenements.sql
\i test/fixtures/evenements_ids.sql
INSERT INTO commune (code, nom, ept, ept_nom) VALUES
	('93048', 'Montreuil', '200057875', 'Est Ensemble'),
	('93008', 'Bobigny', '200057875', 'Est Ensemble'),
	('93066', 'Saint-Denis', '200057970', 'Plaine Commune');
INSERT INTO bailleur VALUES ('sd', 'Bailleur de Saint-Denis', NULL);
INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux, mode_decompte) VALUES
	('sd', 'al', '93', 2025, 30, 'mixte'),
	('sd', 'prefet', '93', 2025, 25, 'orientation');
INSERT INTO logement (bailleur, ref, commune, nb_pieces, financement, qpv, annee_construction) VALUES
	('sd', 'S1', '93066', 3, 'plus', false, 1975),
	('sd', 'S2', '93066', 2, 'plai', true, 1985);
INSERT INTO vacance (logement_id, date_liberation) SELECT id, '2026-03-01' FROM logement WHERE bailleur = 'sd' ORDER BY id;
SELECT id AS s1 FROM v WHERE ref = 'S1' \gset
SELECT id AS s2 FROM v WHERE ref = 'S2' \gset
SELECT logement_id AS ls1 FROM vacance WHERE id = :s1 \gset
SELECT orienter(:m1, 'prefet', date_orientation => '2026-03-02') \g /dev/null
SELECT orienter(:m2, 'al', date_orientation => '2026-03-02') \g /dev/null
SELECT orienter(:b1, NULL, date_orientation => '2026-03-02') \g /dev/null
SELECT orienter(:m3, 'montreuil', date_orientation => '2026-03-02') \g /dev/null
SELECT orienter(:s1, 'al', date_orientation => '2026-03-03') \g /dev/null
SELECT orienter(:s2, 'prefet', date_orientation => '2026-03-03') \g /dev/null
INSERT INTO attribution (orientation_id, date_caleol, date_bail, prioritaire, dalo)
SELECT o.id, '2026-03-10', '2026-03-20', true, true FROM orientation o WHERE o.vacance_id IN (:m2, :m3, :s2);

CREATE ROLE commis_b93;
CREATE ROLE admin_b93;
CREATE ROLE res_al;
CREATE ROLE res_prefet_b93;
CREATE ROLE cil_ee;
CREATE ROLE obs;
CREATE ROLE membre_al IN ROLE res_al;

-- Granting profiles: the owner only, with clear errors.
SELECT lives_ok($$SELECT accorder_profil('commis_b93', 'saisie', 'b93')$$, 'a clerk of b93');
SELECT lives_ok($$SELECT accorder_profil('admin_b93', 'administration', 'b93')$$, 'an administrator of b93');
SELECT lives_ok($$SELECT accorder_profil('res_al', 'reservataire', reservataire => 'al')$$, 'Action Logement, with every landlord');
SELECT lives_ok($$SELECT accorder_profil('res_prefet_b93', 'reservataire', 'b93', 'prefet')$$, 'the préfet, with b93 only');
SELECT lives_ok($$SELECT accorder_profil('cil_ee', 'territoire', territoire => '200057875')$$, 'the CIL of Est Ensemble');
SELECT lives_ok($$SELECT accorder_profil('obs', 'observatoire')$$, 'an observatory of every landlord');
SELECT lives_ok($$SELECT accorder_profil('res_al', 'reservataire', reservataire => 'al')$$, 'granting a profile again…');
SELECT is((SELECT count(*)::int FROM acces WHERE role = 'res_al'::regrole), 1, '…changes nothing');
SELECT throws_ok($$SELECT accorder_profil('res_al', 'reservataire')$$, '22023', 'the profile reservataire needs the réservataire',
				 'a réservataire profile without its réservataire');
SELECT throws_ok($$SELECT accorder_profil('res_al', 'saisie', 'b93', 'al')$$, '22023', 'the profile saisie takes no réservataire (''al'' given)',
				 'a réservataire given to another profile');
SELECT throws_ok($$SELECT accorder_profil('res_al', 'saisie', 'b75')$$, '23503', 'unknown landlord ''b75''', 'an unknown landlord');
SELECT throws_ok($$SELECT accorder_profil('res_al', 'reservataire', reservataire => 'cil')$$, '23503', 'unknown réservataire ''cil''',
				 'an unknown réservataire');
SELECT throws_ok($$SELECT accorder_profil('cil_ee', 'territoire', territoire => '200000000')$$, '23503',
				 'no commune belongs to territory ''200000000''', 'an unknown territory');
SELECT throws_ok($$SELECT accorder_profil('cil_ee', 'territoire', territoire => 'Est Ensemble')$$, '22023',
				 'no commune belongs to territory ''Est Ensemble''', 'a territory that is no SIREN');
SELECT throws_ok($$SELECT accorder_profil('nobody', 'lecture')$$, '42704', NULL, 'an unknown role');

-- A clerk of b93: its landlord's rows, and no other's.
SET ROLE commis_b93;
SELECT is((SELECT count(*)::int FROM logement), 7, 'a clerk reads its landlord''s 7 dwellings');
SELECT is((SELECT count(*)::int FROM logement WHERE bailleur = 'sd'), 0, 'and none of another landlord''s');
SELECT is((SELECT count(*)::int FROM vacance), 7, 'its vacancies only');
SELECT is((SELECT count(*)::int FROM orientation), 4, 'its orientations only');
SELECT is((SELECT count(*)::int FROM attribution), 2, 'its leases only, with their households'' flags');
SELECT is((SELECT count(*)::int FROM convention WHERE bailleur = 'sd'), 0, 'no other landlord''s convention');
SELECT is((SELECT count(*)::int FROM compteur WHERE bailleur = 'sd'), 0, 'nor its counters');
SELECT lives_ok(format($$SELECT orienter(%s, 'prefet', date_orientation => '2026-03-05')$$, :b2), 'it orients its vacancy');
SELECT lives_ok(format($$INSERT INTO vacance (logement_id, date_liberation) SELECT logement_id, '2026-06-01' FROM vacance WHERE id = %s$$, :m1),
				'records a vacancy of its own dwelling');
SELECT throws_ok(format($$INSERT INTO vacance (logement_id, date_liberation) VALUES (%s, '2026-06-01')$$, :ls1),
				 '42501', NULL, 'not one of another landlord''s dwelling');
SELECT throws_ok(format($$SELECT orienter(%s, 'al', date_orientation => '2026-03-05')$$, :s2), NULL, NULL,
				 'nor orients another landlord''s vacancy');
SELECT throws_ok(format($$INSERT INTO orientation (vacance_id, reservataire, date_orientation) VALUES (%s, 'al', '2026-03-05')$$, :s2),
				 '42501', NULL, 'not even with a plain INSERT');
SELECT is_empty(format($$UPDATE orientation SET date_limite = '2026-12-31' WHERE vacance_id = %s RETURNING id$$, :s1),
				'an update of another landlord''s orientation finds nothing');
SELECT is_empty($$DELETE FROM attribution WHERE orientation_id IN (SELECT id FROM orientation WHERE reservataire = 'prefet') RETURNING id$$,
				'nor does deleting its leases');
SELECT throws_ok($$UPDATE bailleur SET nom = 'Pris' WHERE code = 'sd'$$, '42501', NULL, 'a clerk renames no landlord');
SELECT throws_ok($$UPDATE convention SET delai = '2 months' WHERE bailleur = 'b93'$$, '42501', NULL, 'nor writes conventions');
SELECT throws_ok($$SELECT * FROM parts_annuelles('sd', '93', 2026)$$, '42501', NULL,
				 'a computation on another landlord''s rows is refused, not silently wrong');
SELECT is((SELECT string_agg(format('%s %s %s %s %s %s', a.bailleur, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes),
							 '; ' ORDER BY a.bailleur, a.reservataire) FROM atteinte a WHERE a.annee = 2026 AND a.bailleur = 'sd'), NULL,
		  'atteinte has no line of another landlord');
SELECT throws_ok($$SELECT * FROM acces$$, '42501', NULL, 'nobody but the owner reads the profiles');
SELECT throws_ok($$SELECT accorder_profil('commis_b93', 'administration', 'b93')$$, '42501', NULL, 'nor grants itself one');
SELECT throws_ok($$SELECT portee_de('admin_b93')$$, '42501', NULL, 'nor reads another role''s scope');
SELECT ok((SELECT NOT tout AND lecture = '{b93}' AND saisie = '{b93}' FROM portee()), 'its own scope: b93, read and recorded');
SELECT throws_ok($$SELECT verrouiller_bailleurs(ARRAY['sd'])$$, '42501', 'role commis_b93 may not lock landlord "sd"',
				 'nor takes another landlord''s lock (it would stall its events)');
SELECT lives_ok($$SELECT verrouiller_bailleurs(ARRAY['b93'])$$, 'its own, yes');
SELECT throws_ok($$SELECT * FROM atteinte_annuelle(ROW(true, '{b93,sd}', '{}', '{}', '{}', '{}', '{}', '{}', true, 'commis_b93', 42)::portee,
													   'sd', '93', 2026)$$,
				 '42501', 'this scope was not issued by flux_mgmt.portee() in this transaction', 'a scope written by hand is refused by the readers');
RESET ROLE;
-- a scope kept in the transaction is refused once its profiles changed
-- (the role keeps another profile, so the readers stay executable to it)
CREATE ROLE lecteur_deux;
SELECT accorder_profil('lecteur_deux', 'lecture', 'b93') \g /dev/null
SELECT accorder_profil('lecteur_deux', 'lecture', 'sd') \g /dev/null
SET ROLE lecteur_deux;
CREATE TEMP TABLE portee_gardee AS SELECT portee() AS p;
SELECT lives_ok($$SELECT * FROM atteinte_annuelle((SELECT p FROM portee_gardee), 'sd', '93', 2026)$$,
				'a scope kept from an earlier statement, still its role''s: served');
RESET ROLE;
SELECT retirer_profil('lecteur_deux', 'lecture', 'sd') \g /dev/null
SET ROLE lecteur_deux;
SELECT throws_ok($$SELECT * FROM atteinte_annuelle((SELECT p FROM portee_gardee), 'sd', '93', 2026)$$,
				 '42501', 'this scope is no longer the scope of role lecteur_deux',
				 'once a profile of its role is withdrawn, a scope kept from before is refused by the readers, as the policies refuse the rows');
SELECT is((SELECT count(*) FROM atteinte WHERE bailleur = 'sd'), 0::bigint, '(and the view, with the scope of the moment, has no line of sd)');
RESET ROLE;
SELECT throws_ok($$SELECT retirer_profil(NULL)$$, '22004', 'retirer_profil needs a role', 'retirer_profil without a role: 22004');
SELECT throws_ok($$SELECT appliquer_profils(NULL)$$, '22004', 'appliquer_profils needs a role', 'appliquer_profils without a role: 22004');
SELECT throws_ok($$INSERT INTO bailleur VALUES ('b93|x', 'Bailleur au code avec barre', NULL)$$, '23514',
				 'invalid landlord code ''b93|x'': it contains |',
				 'a landlord code with | is refused: the scopes write landlord|réservataire, it would read as b93');
SELECT is((SELECT count(*)::int FROM orientation WHERE vacance_id = :s2), 1, '(sd''s vacancy is untouched)');
SELECT is((SELECT date_limite FROM orientation WHERE vacance_id = :s1), '2026-04-03'::date, '(and its orientation too)');

-- An administrator of b93: its conventions and its landlord.
SET ROLE admin_b93;
SELECT lives_ok($$UPDATE convention SET delai = '2 months' WHERE bailleur = 'b93' AND reservataire = 'al'$$,
				'an administrator changes its convention');
SELECT lives_ok($$UPDATE bailleur SET nom = 'Bailleur 93 (renamed)' WHERE code = 'b93'$$, 'renames its landlord');
SELECT is_empty($$UPDATE bailleur SET nom = 'Pris' WHERE code = 'sd' RETURNING code$$, 'not another');
SELECT throws_ok($$INSERT INTO convention (bailleur, reservataire, departement, annee_debut, taux) VALUES ('sd', 'agents', '93', 2026, 5)$$,
				 '42501', NULL, 'nor writes another landlord''s convention');
SELECT throws_ok($$UPDATE bailleur SET code = 'b93x' WHERE code = 'b93'$$, '42501', NULL, 'a landlord''s code is the owner''s');
SELECT throws_ok($$SELECT recalculer_compteurs()$$, '42501', NULL, 'the rebuild of every landlord is not for one landlord''s administrator');
SELECT throws_ok($$INSERT INTO bailleur VALUES ('b77', 'Bailleur 77', NULL)$$, '42501', NULL, 'nor the creation of landlords');
RESET ROLE;
CREATE ROLE admin_general;
SELECT accorder_profil('admin_general', 'administration') \g /dev/null
SET ROLE admin_general;
SELECT lives_ok($$INSERT INTO bailleur VALUES ('b77', 'Bailleur 77', NULL); INSERT INTO reservataire VALUES ('cd77', 'Département 77', 'departement')$$,
				'an administrator of every landlord creates landlords and réservataires (the shared reference data)');
RESET ROLE;
SELECT is((SELECT nom FROM bailleur WHERE code = 'sd'), 'Bailleur de Saint-Denis', '(sd keeps its name)');

-- What an unrestricted reader sees now, to compare with.
SELECT string_agg(format('%s %s %s %s %s %s %s', a.bailleur, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes, a.en_cours),
				  '; ' ORDER BY a.bailleur, a.reservataire) AS atteinte_al
FROM atteinte a WHERE a.annee = 2026 AND coalesce(a.reservataire, 'al') = 'al' \gset
SELECT string_agg(format('%s %s %s %s %s %s', a.bailleur, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes),
				  '; ' ORDER BY a.bailleur, a.reservataire) AS atteinte_tout
FROM atteinte a WHERE a.annee = 2026 \gset
SELECT string_agg(format('%s %s %s %s', b.commune, b.typologie, b.logements_proposes, b.logements_attribues), '; ' ORDER BY b.bailleur, b.commune)
	AS bilan_al
FROM bilan_annuel b WHERE b.reservataire = 'al' \gset
SELECT string_agg(format('%s %s %s %s', b.reservataire, b.typologie, b.logements_proposes, b.logements_attribues), '; '
				  ORDER BY b.reservataire, b.typologie) AS bilan_ee
FROM bilan_annuel b WHERE b.bailleur = 'b93' \gset
SELECT export_reservataire('b93', 'al', 2026)::text AS export_al \gset
SELECT count(*) AS o3_autres FROM objectifs_attribution WHERE objectif = 'O3' AND reservataire <> 'al' \gset

-- Action Logement: its orientations, what they point at, its own lines
-- with the true totals.
SET ROLE membre_al;
SELECT is((SELECT string_agg(ref, ' ' ORDER BY ref) FROM logement), 'M2 S1', 'a réservataire reads the dwellings oriented to it');
SELECT is((SELECT count(*)::int FROM vacance), 2, 'their vacancies');
SELECT is((SELECT string_agg(reservataire, ' ') FROM orientation), 'al al', 'its orientations, with every landlord');
SELECT is((SELECT count(*)::int FROM attribution), 1, 'its leases');
SELECT is((SELECT string_agg(bailleur, ' ' ORDER BY bailleur) FROM convention), 'b93 sd', 'its conventions');
SELECT is((SELECT count(*)::int FROM compteur), 0, 'no counter row');
SELECT is((SELECT string_agg(format('%s %s %s %s %s %s %s', a.bailleur, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes, a.en_cours),
							 '; ' ORDER BY a.bailleur, a.reservataire) FROM atteinte a WHERE a.annee = 2026), :'atteinte_al',
		  'atteinte: its lines and the pools'', equal to an unrestricted reader''s (the flux of others'' dwellings included)');
SELECT is((SELECT string_agg(format('%s %s %s %s', b.commune, b.typologie, b.logements_proposes, b.logements_attribues), '; '
							 ORDER BY b.bailleur, b.commune) FROM bilan_annuel b), :'bilan_al',
		  'bilan_annuel: its lines, equal to an unrestricted reader''s');
SELECT ok(:o3_autres > 0 AND (SELECT count(*) FROM objectifs_attribution WHERE objectif = 'O3' AND reservataire <> 'al') = 0,
		  'objectifs_attribution: no other réservataire''s O3');
SELECT is((SELECT count(*)::int FROM objectifs_attribution WHERE objectif = 'O3' AND reservataire = 'al'), 2, 'its own O3 with each landlord');
SELECT is(export_reservataire('b93', 'al', 2026)::text, :'export_al', 'its export equals the one the owner gets');
SELECT throws_ok($$SELECT export_reservataire('b93', 'prefet', 2026)$$, '42501', NULL, 'not another réservataire''s');
SELECT ok(strpos(rapport_annuel('b93', 2026), 'Action Logement Services') > 0
		  AND strpos(rapport_annuel('b93', 2026), 'Préfet, prioritaires') = 0
		  AND strpos(rapport_annuel('b93', 2026), 'figurent dans l''édition du bailleur') > 0,
		  'its edition of the yearly report: its lines, no other réservataire''s, the landlord-wide sections left out');
SELECT ok(strpos(rapport_annuel('b93', 2026), format('<td class="n">%s</td>', split_part(:'atteinte_al', ' ', 4))) > 0,
		  'with the département''s true flux in its line');
SELECT throws_ok($$SELECT * FROM parts_annuelles('b93', '93', 2026)$$, '42501', NULL, 'the shares need the landlord''s rows: refused');
SELECT throws_ok(format($$UPDATE orientation SET date_limite = '2026-12-31' WHERE vacance_id = %s$$, :m2), '42501', NULL,
				 'a réservataire writes nothing');
SELECT throws_ok(format($$SELECT * FROM suggerer(%s)$$, :m2), '42501', NULL, 'nor reads the engine''s counters');
RESET ROLE;

-- A SECURITY DEFINER function of the clerk of b93, called by Action
-- Logement: it runs with the clerk's scope, never its caller's (review of
-- dc9e7ff: the readers filtered for the role at the outer level).
CREATE SCHEMA espionnage AUTHORIZATION commis_b93;
GRANT USAGE ON SCHEMA espionnage TO res_al;
SET ROLE commis_b93;
CREATE FUNCTION espionnage.espion() RETURNS TABLE (lignes bigint, dwellings bigint) LANGUAGE sql SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp
	AS $f$ SELECT (SELECT count(*) FROM flux_mgmt.atteinte WHERE bailleur = 'sd'), (SELECT count(*) FROM flux_mgmt.logement WHERE bailleur = 'sd') $f$;
RESET ROLE;
GRANT EXECUTE ON FUNCTION espionnage.espion() TO res_al;
SET ROLE res_al;
SELECT is((SELECT format('%s %s', lignes, dwellings) FROM espionnage.espion()), '0 0',
		  'a function of the clerk of b93 that Action Logement calls sees none of sd''s lines nor dwellings');
RESET ROLE;

-- A cursor's later FETCHes are statements of their own: the scope the view
-- computed when it was opened still serves them.
SET ROLE res_al;
DECLARE lignes_al CURSOR FOR SELECT bailleur, reservataire FROM atteinte WHERE annee = 2026 ORDER BY bailleur, reservataire NULLS LAST;
FETCH 1 FROM lignes_al \g /dev/null
SELECT lives_ok($$FETCH ALL FROM lignes_al$$, 'a cursor on atteinte fetched over several statements');
CLOSE lignes_al;
RESET ROLE;

-- The préfet, with b93 only.
SET ROLE res_prefet_b93;
SELECT is((SELECT string_agg(o.reservataire || ' ' || o.vacance_id, ', ' ORDER BY o.id) FROM orientation o),
		  format('prefet %s, prefet %s', :m1, :b2), 'the préfet with b93 reads its b93 orientations only');
SELECT is((SELECT string_agg(coalesce(a.reservataire, 'pool') || ' ' || a.bailleur, ', ' ORDER BY a.reservataire) FROM atteinte a),
		  'prefet b93, pool b93', 'and its b93 lines of atteinte');
RESET ROLE;

-- The CIL of Est Ensemble: its communes' rows, no household flag.
SET ROLE cil_ee;
SELECT is((SELECT count(*)::int FROM logement), 7, 'a territory reads the dwellings of its communes');
SELECT is((SELECT count(*)::int FROM logement WHERE bailleur = 'sd'), 0, 'not those of Plaine Commune');
SELECT is((SELECT count(*)::int FROM orientation), 5, 'the orientations there');
SELECT is((SELECT count(*)::int FROM attribution), 0, 'no lease: the households'' flags stay with the landlord and the réservataire');
SELECT is((SELECT string_agg(format('%s %s %s %s', b.reservataire, b.typologie, b.logements_proposes, b.logements_attribues), '; '
							 ORDER BY b.reservataire, b.typologie) FROM bilan_annuel b WHERE b.bailleur = 'b93'), :'bilan_ee', 'bilan_annuel of its communes, as an unrestricted reader sees it');
SELECT is((SELECT count(*)::int FROM bilan_annuel WHERE bailleur = 'sd'), 0, 'none elsewhere');
SELECT is((SELECT string_agg(DISTINCT coalesce(epci, 'total'), ' ') FROM objectifs_attribution WHERE objectif IN ('O1', 'O2')),
		  '200057875 total', 'O1 and O2 of its territory and the landlords'' totals');
SELECT is((SELECT count(*)::int FROM objectifs_attribution WHERE objectif = 'O3'), 0, 'no réservataire''s O3');
SELECT throws_ok($$SELECT rapport_annuel('b93', 2031)$$, '23503', 'landlord ''b93'' has nothing to report for 2031',
				 'its edition of the report needs lines that year');
RESET ROLE;

-- An observatory: every figure, no row.
SET ROLE obs;
SELECT is((SELECT string_agg(format('%s %s %s %s %s %s', a.bailleur, a.reservataire, a.taux, a.flux_realise, a.droit, a.decomptes),
							 '; ' ORDER BY a.bailleur, a.reservataire) FROM atteinte a WHERE a.annee = 2026), :'atteinte_tout',
		  'an observatory reads every line of atteinte');
SELECT ok((SELECT count(*) FROM bilan_annuel) > 0 AND (SELECT count(*) FROM objectifs_attribution WHERE objectif = 'O3') > 0,
		  'of bilan_annuel and objectifs_attribution');
SELECT throws_ok($$SELECT count(*) FROM logement$$, '42501', NULL, 'and no dwelling');
SELECT throws_ok($$SELECT count(*) FROM attribution$$, '42501', NULL, 'no lease');
RESET ROLE;

-- A role without a profile reads nothing, even granted SELECT by hand: the
-- policies' ways back and the figure readers are for roles with a profile.
CREATE ROLE sans_profil;
GRANT USAGE ON SCHEMA flux_mgmt TO sans_profil;
GRANT SELECT ON logement, vacance, atteinte, bailleur TO sans_profil;
SET ROLE sans_profil;
SELECT throws_ok($$SELECT count(*) FROM logement$$, '42501', 'permission denied for function logement_oriente',
				 'a role without a profile reads no dwelling');
SELECT throws_ok($$SELECT count(*) FROM atteinte$$, '42501', 'permission denied for function perimetres_atteinte', 'nor any figure line');
SELECT throws_ok($$SELECT * FROM atteinte_annuelle('b93', '93', 2026)$$, '42501', NULL, 'nor calls a figure reader directly');
RESET ROLE;

-- Withdrawing a profile takes its rights back.
SELECT is(retirer_profil('res_al'), 1::bigint, 'retirer_profil withdraws the réservataire''s profile');
SET ROLE membre_al;
SELECT throws_ok($$SELECT count(*) FROM flux_mgmt.orientation$$, '42501', NULL, 'and its rights with it, the schema''s too');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM verifier_compteurs()), 0, 'nothing any profile tried moved a counter');

SELECT * FROM finish();
ROLLBACK;
