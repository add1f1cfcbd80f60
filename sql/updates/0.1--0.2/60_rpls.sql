-- RPLS files: lines ending in CRLF, LF or a lone CR; an empty file, a header
-- without lines or a column read twice is an error.
CREATE OR REPLACE FUNCTION flux_mgmt.rpls_analyser(contenu text) RETURNS SETOF flux_mgmt.rpls_ligne
	LANGUAGE plpgsql STABLE
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	-- a line ends with CRLF (Windows), LF (Unix) or a lone CR (old Mac
	-- exports, some spreadsheets): all three are accepted, even mixed
	fin_de_ligne CONSTANT text := E'\r\n|\r|\n';
	premiere text := substring(contenu FROM E'^[^\r\n]*');
	entete text[];
	manquantes text[];
	doublon record;
BEGIN
	IF contenu !~ E'[^\r\n\t ]' THEN
		PERFORM flux_mgmt.refuser(
			'the RPLS file has no line',
			format('It is empty (%s characters, none but spaces and line ends).', length(contenu)),
			'Pass the whole file, its header line then one line per dwelling (psql: \set f `cat file.csv`, then :''f'').',
			'invalid_parameter_value');
	END IF;
	entete := string_to_array(upper(trim(regexp_replace(premiere, E'^\uFEFF', ''))), ';');
	SELECT array_agg(c) INTO manquantes
	FROM unnest(ARRAY['DEPCOM', 'NBPIECE', 'FINAN', 'QPV', 'CONSTRUCT']) AS c
	WHERE NOT c = ANY (entete);
	IF manquantes IS NOT NULL THEN
		PERFORM flux_mgmt.refuser(
			format('the RPLS file lacks the columns %s', array_to_string(manquantes, ', ')),
			format('Its first line is: %s', left(premiere, 200)),
			'Pass the whole file, header line included, with '';'' as separator (the SDES open-data layout).',
			'invalid_parameter_value');
	END IF;
	-- a column read by name must be there once: which of two DEPCOM would it be?
	SELECT c.nom, array_agg(c.i ORDER BY c.i) AS positions INTO doublon
	FROM unnest(entete) WITH ORDINALITY AS c(nom, i)
	WHERE c.nom IN ('DEPCOM', 'NBPIECE', 'FINAN', 'QPV', 'CONSTRUCT', 'PATRIMOINE', 'CONTRESLOG', 'RPLS')
	GROUP BY c.nom HAVING count(*) > 1
	ORDER BY min(c.i) LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('the RPLS file has the column %s %s times (fields %s)', doublon.nom, cardinality(doublon.positions),
				   array_to_string(doublon.positions, ', ')),
			'The importer finds the columns it reads by their name in the header line.',
			format('Keep one column %s (rename or delete the others) and import the file again.', doublon.nom),
			'invalid_parameter_value');
	END IF;

	RETURN QUERY
	-- MATERIALIZED: each line is split once, not once per field read from it
	WITH brut AS MATERIALIZED (
		SELECT n::integer AS ligne, l,
			   string_to_array(l, ';') AS f
		FROM regexp_split_to_table(contenu, fin_de_ligne) WITH ORDINALITY AS t(l, n)
		WHERE n > 1 AND l <> ''
	), champs AS MATERIALIZED (
		SELECT b.ligne, b.l, cardinality(b.f) AS nb,
			   rpls_champ(b.f, entete, 'DEPCOM') AS depcom,
			   rpls_champ(b.f, entete, 'NBPIECE') AS nbpiece,
			   rpls_champ(b.f, entete, 'FINAN') AS finan,
			   rpls_champ(b.f, entete, 'QPV') AS qpv,
			   rpls_champ(b.f, entete, 'CONSTRUCT') AS construct,
			   rpls_champ(b.f, entete, 'PATRIMOINE') AS patrimoine,
			   rpls_champ(b.f, entete, 'CONTRESLOG') AS contreslog,
			   nullif(rpls_champ(b.f, entete, 'RPLS'), '') AS rpls,
			   (SELECT entete[i] || ': ' || b.f[i] FROM generate_subscripts(b.f, 1) AS i
				WHERE strpos(b.f[i], U&'\FFFD') > 0 ORDER BY i LIMIT 1) AS fffd
		FROM brut b
	), lu AS (
		SELECT c.*,
			   CASE WHEN c.depcom ~ '^[0-9]{4}$' THEN '0' || c.depcom ELSE c.depcom END AS commune_texte
		FROM champs c
	)
	SELECT lu.ligne, lu.depcom,
		   CASE WHEN code_insee_valide(lu.commune_texte) THEN lu.commune_texte::code_insee END,
		   CASE WHEN lu.nbpiece ~ '^[1-9]$' THEN lu.nbpiece::smallint END,
		   CASE WHEN lu.finan IN ('10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				THEN financement_rpls(lu.finan::smallint) END,
		   CASE lu.qpv WHEN '1' THEN true WHEN '2' THEN false END,
		   CASE WHEN lu.construct ~ '^[0-9]{4}$' AND lu.construct::int BETWEEN 1000 AND 2200 THEN lu.construct::smallint END,
		   CASE WHEN lu.patrimoine ~ '^[0-9]{4}$' AND lu.patrimoine::int BETWEEN 1000 AND 2200
				THEN make_date(lu.patrimoine::int, 1, 1) END,
		   CASE WHEN lu.contreslog ~ '^[1-7]$' THEN lu.contreslog::smallint END,
		   lu.rpls,
		   array_remove(ARRAY[
			   CASE WHEN lu.depcom ~ '^[0-9]{4}$' THEN 'depcom_zero' END,
			   CASE WHEN lu.rpls IS NULL THEN 'sans_rpls' END,
			   CASE WHEN lu.fffd IS NOT NULL THEN 'fffd' END,
			   CASE WHEN lu.nbpiece = '0' THEN 'nbpiece_0' END,
			   CASE WHEN lu.finan = '0' THEN 'finan_0' END,
			   CASE WHEN coalesce(lu.construct, '') !~ '^[0-9]{4}$' THEN 'construct_absent' END], NULL),
		   lu.fffd,
		   CASE
			   WHEN lu.nb <> cardinality(entete) THEN format('it has %s fields, the header %s', lu.nb, cardinality(entete))
			   WHEN NOT code_insee_valide(lu.commune_texte) THEN format('DEPCOM %L is not an INSEE commune code', lu.depcom)
			   WHEN lu.nbpiece !~ '^[0-9]$' THEN format('NBPIECE %L is not a number of rooms (0 to 9)', lu.nbpiece)
			   WHEN lu.finan NOT IN ('0', '10', '11', '12', '13', '14', '15', '16', '17', '49', '50', '51', '52', '53', '54', '55', '99')
				   THEN format('FINAN %L is not an RPLS financing code', lu.finan)
			   WHEN lu.qpv IS DISTINCT FROM '1' AND lu.qpv IS DISTINCT FROM '2' THEN format('QPV %L is neither 1 (in a QPV) nor 2', lu.qpv)
			   WHEN lu.construct ~ '^[0-9]+$' AND NOT (lu.construct::numeric BETWEEN 1000 AND 2200)
				   THEN format('CONSTRUCT %L is not a year', lu.construct)
			   WHEN lu.contreslog <> '' AND lu.contreslog !~ '^[1-7]$' THEN format('CONTRESLOG %L is not a contingent code (1 to 7)', lu.contreslog)
			   WHEN lu.rpls !~ '^[0-9A-Z]{10}$' THEN format('RPLS %L is not a 10-character RPLS identifier', lu.rpls)
		   END
	FROM lu
	ORDER BY lu.ligne;
	IF NOT FOUND THEN
		PERFORM flux_mgmt.refuser(
			'the RPLS file has no line after its header',
			format('Its only line is its header: %s', left(premiere, 200)),
			'Pass the whole file: one line per dwelling after the header (a file cut after its first line has none).',
			'invalid_parameter_value');
	END IF;
END
$$;
COMMENT ON FUNCTION flux_mgmt.rpls_analyser(text) IS
	'reads an RPLS CSV file (SDES open-data layout, '';'' separated, header line first; lines ending in CRLF, LF or CR) without importing it: one row per line with the mapped values, what was repaired or noticed, and why a line is rejected; an empty file, a header without lines, a missing column or a column read twice is an error (22023)';

