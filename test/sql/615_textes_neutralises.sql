-- Control characters and bidirectional overrides in names (issue 12): a
-- landlord or réservataire named with U+202E (right-to-left override), the
-- other overrides and isolates, C0 controls (0x01, 0x07, 0x1B…), DEL or C1
-- controls does not bring them into the yearly report (HTML) or the export
-- (jsonb): each becomes U+FFFD.  Tab and line feed are kept.
\i test/setup.sql
BEGIN;
SELECT plan(14);

-- every character to neutralise, and a pattern that finds any of them
CREATE TEMP TABLE interdits (c) AS
SELECT chr(x) FROM generate_series(1, 8) AS x
UNION ALL SELECT chr(x) FROM generate_series(11, 31) AS x
UNION ALL SELECT chr(x) FROM generate_series(127, 159) AS x
UNION ALL SELECT chr(x) FROM generate_series(x'202A'::int, x'202E'::int) AS x
UNION ALL SELECT chr(x) FROM generate_series(x'2066'::int, x'2069'::int) AS x;
SELECT is((SELECT count(*) FROM interdits), 29 + 33 + 5 + 4::bigint, '71 characters: C0 but tab and line feed, DEL, C1, 9 bidirectional controls');
SELECT '[' || string_agg(c, '' ORDER BY c) || ']' AS motif FROM interdits \gset
SELECT is(flux_mgmt.neutraliser_controles(string_agg(c, '' ORDER BY c)), repeat(U&'\FFFD', 71), 'neutraliser_controles: each becomes U+FFFD')
FROM interdits;
SELECT is(flux_mgmt.neutraliser_controles(E'Saint-Denis\tnord\nsud'), E'Saint-Denis\tnord\nsud', 'tab and line feed are kept');
SELECT is(flux_mgmt.neutraliser_controles(U&'Ville de \202Eesiot\2069 & «Cie» \200F é'), U&'Ville de \FFFDesiot\FFFD & «Cie» \200F é',
		  'other characters are kept (an RLM mark, which overrides nothing, too)');
SELECT is(flux_mgmt.echapper_html(E'<b>\u202E\x1b[31m</b>'), E'&lt;b&gt;\uFFFD\uFFFD[31m&lt;/b&gt;', 'echapper_html: escaped and neutralised');

\i test/fixtures/evenements.sql
UPDATE bailleur SET nom = U&'Bailleur \202E39 \2066ruelliab\2069' || E'\x01\x07\x1b[2J' || chr(133) || chr(127) WHERE code = 'b93';
UPDATE reservataire SET nom = U&'Action \202ETNEMEGOL\202C Services' || E'\x1b]0;titre\x07' || chr(150) WHERE code = 'al';
UPDATE reservataire SET nom = U&'Ville de \202Duerrtnom' || chr(27) WHERE code = 'montreuil';
INSERT INTO commune VALUES ('93048', U&'Montreuil \2067x\2069' || E'\x08', NULL, '200057875', U&'Est \202B Ensemble', NULL, NULL);
SELECT orienter(v.id, o.r, NULL, '2026-03-02') FROM v JOIN (VALUES ('M1', 'montreuil'), ('M2', 'al'), ('B1', NULL)) AS o(ref, r) ON o.ref = v.ref
ORDER BY v.id \g /dev/null
INSERT INTO attribution (orientation_id, date_caleol, date_bail) SELECT o.id, '2026-03-10', '2026-03-20' FROM orientation o;
SELECT flux_mgmt.rapport_annuel('b93', 2026) AS rapport \gset
SELECT ok(:'rapport' !~ :'motif', 'the report holds none of the 71 characters');
SELECT ok(:'rapport' LIKE U&'%<title>Bilan annuel 2026 de la gestion en flux — Bailleur \FFFD39 \FFFDruelliab\FFFD\FFFD\FFFD\FFFD[2J\FFFD\FFFD</title>%',
		  'the landlord''s name in the title: each character became U+FFFD');
SELECT ok(:'rapport' LIKE U&'%<td>Action \FFFDTNEMEGOL\FFFD Services\FFFD]0;titre\FFFD\FFFD (al)</td>%', 'a réservataire''s name in a table');
SELECT ok(:'rapport' LIKE U&'%<text x="292" y="%" text-anchor="end">Ville de \FFFDuerrtnom\FFFD (montreuil)</text>%', 'and in the chart');
SELECT ok(:'rapport' LIKE U&'%<td>Montreuil \FFFDx\FFFD\FFFD (93048)</td>%', 'a commune''s name in the breakdowns');
SELECT export_reservataire('b93', 'al', 2026)::text AS export \gset
SELECT ok(:'export' !~ :'motif', 'the export, as text, holds none of them either');
SELECT is((SELECT e #>> '{reservataire,nom}' FROM flux_mgmt.export_reservataire('b93', 'al', 2026) AS e),
		  U&'Action \FFFDTNEMEGOL\FFFD Services\FFFD]0;titre\FFFD\FFFD', 'the réservataire''s name in the export');
SELECT ok((SELECT e::text !~ :'motif' AND e #>> '{bailleur,nom}' = U&'Bailleur \FFFD39 \FFFDruelliab\FFFD\FFFD\FFFD\FFFD[2J\FFFD\FFFD'
		   FROM flux_mgmt.export_reservataire('b93', 'montreuil', 2026) AS e),
		  'the landlord''s name in the export of another réservataire');
SELECT is((SELECT nom FROM bailleur WHERE code = 'b93'), U&'Bailleur \202E39 \2066ruelliab\2069' || E'\x01\x07\x1b[2J' || chr(133) || chr(127),
		  'the data themselves are kept as they were written');

SELECT * FROM finish();
ROLLBACK;
