--------------------------------------------------------------------------------
-- Programmes, buildings and segments on dwellings (issue 15, first step;
-- DOMAIN §3.9): what RPLS carries (NUMCONV, IMMEU, BAT, ENTREE,
-- CODSEGPATRIM, LIBSEGPATRIM) and the programme a dwelling belongs to (its
-- APL convention, else its street address; the landlord corrects it with
-- UPDATE); rpls_analyser(), importer_rpls() and completer_logements_rpls()
-- read them (and the address, 95_etat_des_lieux_envoi.sql).
--------------------------------------------------------------------------------

ALTER TABLE flux_mgmt.logement ADD COLUMN programme text, ADD COLUMN numconv text, ADD COLUMN immeuble text,
	ADD COLUMN batiment text, ADD COLUMN entree text, ADD COLUMN segment_patrimoine text, ADD COLUMN libelle_segment text;
COMMENT ON COLUMN flux_mgmt.logement.programme IS
	'the programme (residence, operation) the dwelling belongs to, for the social-mix measures (DOMAIN §3.9): as importer_rpls groups it, NUMCONV (the programme''s APL convention) when the file gives one, else the street address; the landlord corrects a grouping with UPDATE';
COMMENT ON COLUMN flux_mgmt.logement.numconv IS 'RPLS NUMCONV: number of the APL convention of its programme';
COMMENT ON COLUMN flux_mgmt.logement.immeuble IS 'RPLS IMMEU: the landlord''s building identifier';
COMMENT ON COLUMN flux_mgmt.logement.batiment IS 'RPLS BAT: building';
COMMENT ON COLUMN flux_mgmt.logement.entree IS 'RPLS ENTREE: entrance';
COMMENT ON COLUMN flux_mgmt.logement.segment_patrimoine IS 'RPLS CODSEGPATRIM: the CUS patrimony segment''s code (null when the file says there is none)';
COMMENT ON COLUMN flux_mgmt.logement.libelle_segment IS 'RPLS LIBSEGPATRIM: that segment''s label';

-- the stored body of logements_detenus lists the table's columns: again, with these
CREATE OR REPLACE FUNCTION flux_mgmt.logements_detenus(bailleur text, departement text, au date)
RETURNS SETOF flux_mgmt.logement
	LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
	SELECT l.* FROM flux_mgmt.logement l
	WHERE l.bailleur = $1
	  AND flux_mgmt.departement(l.commune) = $2
	  AND (l.mise_en_service IS NULL OR l.mise_en_service <= $3)
	  AND (l.sortie IS NULL OR l.sortie > $3);
END;
COMMENT ON FUNCTION flux_mgmt.logements_detenus(text, text, date) IS
	'the dwellings a landlord owns in a département on a date: entered on or before it (or always there), not left on or before it; read through logement_bailleur_departement once inlined; no argument check';

ALTER TYPE flux_mgmt.rpls_ligne ADD ATTRIBUTE programme text, ADD ATTRIBUTE numconv text, ADD ATTRIBUTE immeuble text,
	ADD ATTRIBUTE batiment text, ADD ATTRIBUTE entree text, ADD ATTRIBUTE segment_patrimoine text, ADD ATTRIBUTE libelle_segment text;
COMMENT ON TYPE flux_mgmt.rpls_ligne IS
	'one line of an RPLS file as rpls_analyser reads it: mapped values, what was noticed (constats), the first free-text value with U+FFFD, why it is rejected (null when it is not), the postal address, the programme (NUMCONV, else the street address), building and CUS segment';

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
			   rpls_champ(b.f, entete, 'CODEPOSTAL') AS codepostal,
			   -- number, repetition index, street type and name, then postal code and commune
			   nullif(concat_ws(' ', nullif(rpls_champ(b.f, entete, 'NUMVOIE'), ''), nullif(rpls_champ(b.f, entete, 'INDREP'), ''),
								nullif(rpls_champ(b.f, entete, 'TYPVOIE'), ''), nullif(rpls_champ(b.f, entete, 'NOMVOIE'), '')), '') AS voie,
			   nullif(rpls_champ(b.f, entete, 'LIBCOM'), '') AS libcom,
			   nullif(rpls_champ(b.f, entete, 'NUMCONV'), '') AS numconv,
			   nullif(rpls_champ(b.f, entete, 'IMMEU'), '') AS immeuble,
			   nullif(rpls_champ(b.f, entete, 'BAT'), '') AS batiment,
			   nullif(rpls_champ(b.f, entete, 'ENTREE'), '') AS entree,
			   -- the files say "no segment" in several ways
			   CASE WHEN lower(rpls_champ(b.f, entete, 'CODSEGPATRIM')) IN ('', 'x', 'pas de code') THEN NULL
					ELSE rpls_champ(b.f, entete, 'CODSEGPATRIM') END AS segment,
			   CASE WHEN lower(rpls_champ(b.f, entete, 'CODSEGPATRIM')) IN ('', 'x', 'pas de code') THEN NULL
					ELSE nullif(rpls_champ(b.f, entete, 'LIBSEGPATRIM'), '') END AS libelle_segment,
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
			   CASE WHEN lu.codepostal ~ '^[0-9]{4}$' THEN 'codepostal_zero' END,
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
		   END,
		   lu.adresse,
		   -- the programme: its APL convention, else its street address (case and spaces aside)
		   CASE WHEN lu.numconv IS NOT NULL THEN 'NUMCONV ' || lu.numconv
				WHEN lu.adresse IS NOT NULL THEN 'ADRESSE ' || upper(lu.adresse) END,
		   lu.numconv, lu.immeuble, lu.batiment, lu.entree, lu.segment, lu.libelle_segment
	FROM (SELECT lu.*,
				 -- runs of spaces (the fixed-width habits of RPLS files) made one
				 nullif(regexp_replace(concat_ws(', ', lu.voie,
												 nullif(concat_ws(' ', CASE WHEN lu.codepostal ~ '^[0-9]{4}$' THEN '0' || lu.codepostal
																			ELSE nullif(lu.codepostal, '') END, lu.libcom), '')),
									   '\s+', ' ', 'g'), '') AS adresse
		  FROM lu) AS lu
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
	'reads an RPLS CSV file (SDES open-data layout, '';'' separated, header line first; lines ending in CRLF, LF or CR) without importing it: one row per line with the mapped values, what was repaired or noticed, why a line is rejected, and the postal address (NUMVOIE INDREP TYPVOIE NOMVOIE, CODEPOSTAL LIBCOM, when the file has them), the programme (NUMCONV, else the street address), IMMEU, BAT, ENTREE and the CUS segment (CODSEGPATRIM, LIBSEGPATRIM; none for empty, x or pas de code); an empty file, a header without lines, a missing column or a column read twice is an error (22023)';

CREATE OR REPLACE FUNCTION flux_mgmt.importer_rpls(
	bailleur text, contenu text, prefixe text DEFAULT 'rpls-', ignorer_rejets boolean DEFAULT false)
RETURNS TABLE (constat text, lignes bigint, action text, exemple text)
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	lu rpls_ligne[];
	premier rpls_ligne;
	nb_rejets bigint;
	deja text;
BEGIN
	IF NOT EXISTS (SELECT FROM flux_mgmt.bailleur b WHERE b.code = importer_rpls.bailleur) THEN
		PERFORM flux_mgmt.refuser(
			format('unknown landlord %L', importer_rpls.bailleur),
			NULL,
			'Insert it first: INSERT INTO flux_mgmt.bailleur (code, nom) VALUES (…).',
			'foreign_key_violation');
	END IF;
	lu := ARRAY(SELECT a FROM rpls_analyser(contenu) AS a);

	SELECT count(*) FILTER (WHERE r.rejet IS NOT NULL) INTO nb_rejets FROM unnest(lu) AS r;
	IF nb_rejets > 0 AND NOT ignorer_rejets THEN
		SELECT r.* INTO premier FROM unnest(lu) AS r WHERE r.rejet IS NOT NULL ORDER BY r.ligne LIMIT 1;
		PERFORM flux_mgmt.refuser(
			format('line %s of the RPLS file is rejected: %s', premier.ligne, premier.rejet),
			format('%s of %s lines are rejected; nothing was imported.', nb_rejets, cardinality(lu)),
			'Correct the file, or pass ignorer_rejets => true to import the other lines (the rejected ones are then listed).',
			'invalid_text_representation');
	END IF;

	SELECT l.ref INTO deja
	FROM unnest(lu) AS r JOIN logement l ON l.bailleur = importer_rpls.bailleur AND l.ref = prefixe || r.ligne
	LIMIT 1;
	IF FOUND THEN
		PERFORM flux_mgmt.refuser(
			format('dwelling %L of landlord %L already exists', deja, importer_rpls.bailleur),
			'Dwellings of an RPLS import are named prefix || line number; this file, or another with the same prefix, was imported before.',
			'Pass another prefixe, or delete the earlier import first.',
			'unique_violation');
	END IF;

	INSERT INTO logement (bailleur, ref, rpls, commune, nb_pieces, financement, qpv,
						  annee_construction, mise_en_service, contingent_rpls, adresse, programme, numconv, immeuble, batiment,
						  entree, segment_patrimoine, libelle_segment)
	SELECT importer_rpls.bailleur, prefixe || r.ligne, r.rpls, r.commune, r.nb_pieces, r.financement, r.qpv,
		   r.annee_construction, r.mise_en_service, r.contingent_rpls, r.adresse, r.programme, r.numconv, r.immeuble, r.batiment,
		   r.entree, r.segment_patrimoine, r.libelle_segment
	FROM unnest(lu) AS r
	WHERE r.rejet IS NULL
	ORDER BY r.ligne;

	RETURN QUERY
	WITH faits(ordre, cle, constat, action) AS (VALUES
		(1, 'importe', 'imported', 'inserted into flux_mgmt.logement'),
		(2, 'rejet', 'rejected', 'not imported'),
		(3, 'depcom_zero', 'DEPCOM lost its leading zero', 'repaired: a 0 was prepended (6029 → 06029)'),
		(4, 'sans_rpls', 'no RPLS identifier', format('ref = %L || line number; rpls left null', prefixe)),
		(5, 'fffd', 'U+FFFD replacement characters', 'only in free-text columns: names not imported, or kept as read in the address'),
		(6, 'nbpiece_0', 'NBPIECE not given (0)', 'nb_pieces left null'),
		(7, 'finan_0', 'FINAN not given (0)', 'financement left null'),
		(8, 'construct_absent', 'CONSTRUCT not given', 'annee_construction left null'),
		(9, 'codepostal_zero', 'CODEPOSTAL lost its leading zero', 'repaired in the address: a 0 was prepended (6400 → 06400)')
	), cles AS (
		SELECT r.*, unnest(CASE WHEN r.rejet IS NOT NULL THEN ARRAY['rejet']
								ELSE ARRAY['importe'] || r.constats END) AS cle
		FROM unnest(lu) AS r
	)
	SELECT f.constat, count(*), f.action,
		   (array_agg(CASE f.cle
				WHEN 'importe' THEN format('line %s → %s%s in %s', c.ligne, prefixe, c.ligne, c.commune)
				WHEN 'rejet' THEN format('line %s: %s', c.ligne, c.rejet)
				WHEN 'depcom_zero' THEN format('line %s: %s → %s', c.ligne, c.depcom, c.commune)
				WHEN 'codepostal_zero' THEN format('line %s: %s', c.ligne, c.adresse)
				WHEN 'fffd' THEN format('line %s, %s', c.ligne, c.fffd)
				ELSE format('line %s', c.ligne) END ORDER BY c.ligne))[1]
	FROM cles c JOIN faits f USING (cle)
	GROUP BY f.ordre, f.constat, f.action
	ORDER BY f.ordre;
END
$$;
COMMENT ON FUNCTION flux_mgmt.importer_rpls(text, text, text, boolean) IS
	'imports an RPLS CSV file (SDES open-data layout) as dwellings of a landlord, their postal address included, and reports, per kind, what was imported, repaired, noticed or rejected; a rejected line stops the import unless ignorer_rejets';

CREATE FUNCTION flux_mgmt.completer_logements_rpls(bailleur text, contenu text, prefixe text DEFAULT 'rpls-') RETURNS bigint
	LANGUAGE plpgsql
	SET search_path = flux_mgmt, pg_catalog, pg_temp
AS $$
DECLARE
	n bigint;
BEGIN
	PERFORM exiger_bailleur(completer_logements_rpls.bailleur);
	UPDATE logement l SET adresse = r.adresse, programme = coalesce(l.programme, r.programme), numconv = r.numconv,
		immeuble = r.immeuble, batiment = r.batiment, entree = r.entree, segment_patrimoine = r.segment_patrimoine,
		libelle_segment = r.libelle_segment
	FROM rpls_analyser(contenu) AS r
	WHERE l.bailleur = completer_logements_rpls.bailleur AND l.ref = prefixe || r.ligne AND r.rejet IS NULL
	  AND ((l.programme IS NULL AND r.programme IS NOT NULL)
		   OR (l.adresse, l.numconv, l.immeuble, l.batiment, l.entree, l.segment_patrimoine, l.libelle_segment)
			  IS DISTINCT FROM (r.adresse, r.numconv, r.immeuble, r.batiment, r.entree, r.segment_patrimoine, r.libelle_segment));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION flux_mgmt.completer_logements_rpls(text, text, text) IS
	'sets what importer_rpls reads now (address, programme unless corrected, NUMCONV, IMMEU, BAT, ENTREE, CUS segment) of the dwellings a landlord imported from an RPLS file, from that file again: the dwelling whose ref is prefixe || line number gets the line''s; for dwellings imported before (a database updated from 0.1); returns the dwellings changed';

