-- The catalogue of the extension flux_mgmt as text, for test/upgrade.sh: a
-- database created at the release and updated must list exactly what a fresh
-- install lists.  Every object that pg_depend records as a member of the
-- extension (deptype 'e'), with what hangs on the member tables (columns,
-- constraints, indexes, triggers, rules, policies, statistics), on the types
-- (enum labels, composite attributes, domain constraints) and on the operator
-- families (their operators and support functions); the ACLs, comments and
-- owners of all of them; the extension's own row and its extconfig.
--
-- Every line starts with the kind and the name of the object it describes
-- (multi-line definitions are split, one line each, so that a diff names the
-- object on every changed line); no OID ever appears (regclass, regprocedure,
-- regoperator and format_type print names; toast tables, which are named by
-- an OID, and internal triggers are left out); each query is sorted by names
-- in the C collation.  This server stamps every column it creates with an
-- attribute option pg_attver=<a number that differs at each creation> (pg_dump
-- leaves it out): it is not part of the definition and is left out here too.
-- Columns are listed in their logical order (dropped
-- columns skipped): the order is part of the interface (SELECT *, INSERT
-- without a column list, a row's text), so an upgrade that adds a column
-- must add it where the fresh install has it.
SET search_path = pg_catalog;	-- every name of flux_mgmt comes out qualified
SET DateStyle = ISO, YMD;
SET IntervalStyle = postgres;
SET extra_float_digits = 0;

-- the members, and the relations whose columns are listed (member tables,
-- views, sequences and the relations of member composite types)
CREATE TEMP VIEW membre AS
	SELECT d.classid, d.objid
	FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
	WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'flux_mgmt' AND d.deptype = 'e';
CREATE TEMP VIEW relation AS
	SELECT c.oid, c.oid::regclass::text AS nom, c.relkind
	FROM pg_class c JOIN membre m ON m.classid = 'pg_class'::regclass AND m.objid = c.oid
	UNION ALL
	SELECT t.typrelid, t.typrelid::regclass::text, 'c'
	FROM pg_type t JOIN membre m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
	WHERE t.typtype = 'c';
-- a comment on one line (a newline would split a line of the listing)
CREATE TEMP VIEW commentaire AS
	SELECT objoid, classoid, objsubid, replace(replace(description, E'\\', E'\\\\'), E'\n', E'\\n') AS texte
	FROM pg_description;

-- the extension itself
SELECT 'extension ' || e.extname || ': version ' || e.extversion || ', schema ' || e.extnamespace::regnamespace::text
	   || ', relocatable ' || e.extrelocatable || ', owner ' || pg_get_userbyid(e.extowner)
	   || coalesce(', comment ' || d.texte, '')
FROM pg_extension e LEFT JOIN commentaire d ON d.objoid = e.oid AND d.classoid = 'pg_extension'::regclass AND d.objsubid = 0
WHERE e.extname = 'flux_mgmt';
SELECT 'extension flux_mgmt requires ' || r.extname
FROM pg_extension e JOIN pg_depend d ON d.classid = 'pg_extension'::regclass AND d.objid = e.oid
JOIN pg_extension r ON d.refclassid = 'pg_extension'::regclass AND r.oid = d.refobjid
WHERE e.extname = 'flux_mgmt'
ORDER BY r.extname COLLATE "C";
SELECT 'extconfig ' || c.config::regclass::text || ': condition ' || quote_literal(c.condition)
FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig, e.extcondition) AS c(config, condition)
WHERE e.extname = 'flux_mgmt'
ORDER BY c.config::regclass::text COLLATE "C";

-- every member, with its comment: an object added or dropped on one side only shows here
SELECT 'member ' || pg_describe_object(m.classid, m.objid, 0) || coalesce(' -- ' || d.texte, '')
FROM membre m LEFT JOIN commentaire d ON d.objoid = m.objid AND d.classoid = m.classid AND d.objsubid = 0
ORDER BY pg_describe_object(m.classid, m.objid, 0) COLLATE "C";

-- schemas
SELECT 'schema ' || n.nspname || ': owner ' || pg_get_userbyid(n.nspowner) || ', acl ' || coalesce(n.nspacl::text, 'default')
FROM pg_namespace n JOIN membre m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
ORDER BY n.nspname COLLATE "C";
SELECT 'default privileges in schema ' || n.nspname || ' for role ' || pg_get_userbyid(a.defaclrole)
	   || ' on ' || a.defaclobjtype::text || ': ' || a.defaclacl::text
FROM pg_default_acl a JOIN pg_namespace n ON n.oid = a.defaclnamespace
JOIN membre m ON m.classid = 'pg_namespace'::regclass AND m.objid = n.oid
ORDER BY n.nspname COLLATE "C", pg_get_userbyid(a.defaclrole) COLLATE "C", a.defaclobjtype;

-- relations: kind, options, row security, replica identity, ACL, owner, partitioning, inheritance
SELECT 'relation ' || r.nom || ': kind ' || c.relkind::text || ', persistence ' || c.relpersistence::text
	   || ', access method ' || coalesce(a.amname, 'none') || ', options ' || coalesce(c.reloptions::text, 'none')
	   || ', row security ' || c.relrowsecurity || ', forced ' || c.relforcerowsecurity
	   || ', replica identity ' || c.relreplident::text || ', acl ' || coalesce(c.relacl::text, 'default')
	   || ', owner ' || pg_get_userbyid(c.relowner)
	   || CASE WHEN c.relkind = 'p' THEN ', partition key ' || pg_get_partkeydef(c.oid) ELSE '' END
	   || CASE WHEN c.relispartition THEN ', partition ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END
	   || coalesce(', inherits ' || (SELECT string_agg(i.inhparent::regclass::text, ', ' ORDER BY i.inhseqno)
									 FROM pg_inherits i WHERE i.inhrelid = c.oid), '')
FROM relation r JOIN pg_class c ON c.oid = r.oid LEFT JOIN pg_am a ON a.oid = c.relam
ORDER BY r.nom COLLATE "C";

-- columns, in their logical order: type, not null, default, identity, generated, collation,
-- storage, compression, statistics target, options, ACL, comment
SELECT 'column ' || r.nom || ' #' || row_number() OVER (PARTITION BY r.nom ORDER BY a.attnum) || ' ' || quote_ident(a.attname)
	   || ': ' || format_type(a.atttypid, a.atttypmod)
	   || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
	   || CASE WHEN a.attgenerated = 's' THEN ' generated always as (' || pg_get_expr(ad.adbin, ad.adrelid) || ') stored'
			   WHEN ad.adbin IS NOT NULL THEN ' default ' || pg_get_expr(ad.adbin, ad.adrelid) ELSE '' END
	   || CASE a.attidentity WHEN 'a' THEN ' generated always as identity' WHEN 'd' THEN ' generated by default as identity'
			   ELSE '' END
	   || CASE WHEN a.attcollation <> 0 THEN ' collate ' || quote_ident(co.collname) ELSE '' END
	   || ' storage ' || a.attstorage::text
	   || CASE WHEN a.attcompression <> '' THEN ' compression ' || a.attcompression::text ELSE '' END
	   || CASE WHEN a.attstattarget <> -1 THEN ' statistics ' || a.attstattarget ELSE '' END
	   || coalesce(' options ' || nullif(array(SELECT o FROM unnest(a.attoptions) AS o WHERE o NOT LIKE 'pg\_attver=%')::text, '{}'), '')
	   || coalesce(' acl ' || a.attacl::text, '')
	   || CASE WHEN NOT a.attislocal OR a.attinhcount <> 0 THEN ' inherited ' || a.attinhcount ELSE '' END
	   || coalesce(' -- ' || d.texte, '')
FROM relation r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN commentaire d ON d.objoid = r.oid AND d.classoid = 'pg_class'::regclass AND d.objsubid = a.attnum
WHERE r.relkind <> 'S'
ORDER BY r.nom COLLATE "C", a.attnum;

-- constraints of the member relations and of the member types (domains), by name
SELECT 'constraint ' || coalesce(r.nom, format_type(k.contypid, NULL)) || ' ' || quote_ident(k.conname) || ': '
	   || pg_get_constraintdef(k.oid) || coalesce(' -- ' || d.texte, '')
FROM pg_constraint k
LEFT JOIN relation r ON r.oid = k.conrelid
LEFT JOIN membre m ON m.classid = 'pg_type'::regclass AND m.objid = k.contypid
LEFT JOIN commentaire d ON d.objoid = k.oid AND d.classoid = 'pg_constraint'::regclass AND d.objsubid = 0
WHERE r.oid IS NOT NULL OR m.objid IS NOT NULL
ORDER BY coalesce(r.nom, format_type(k.contypid, NULL)) COLLATE "C", k.conname COLLATE "C";

-- indexes of the member tables
SELECT 'index ' || r.nom || ' ' || quote_ident(ic.relname) || ': ' || pg_get_indexdef(i.indexrelid)
	   || CASE WHEN i.indisclustered THEN ' clustered' ELSE '' END
	   || CASE WHEN i.indisreplident THEN ' replica identity' ELSE '' END
	   || CASE WHEN NOT i.indisvalid THEN ' invalid' ELSE '' END
	   || coalesce(' -- ' || d.texte, '')
FROM relation r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
LEFT JOIN commentaire d ON d.objoid = i.indexrelid AND d.classoid = 'pg_class'::regclass AND d.objsubid = 0
ORDER BY r.nom COLLATE "C", ic.relname COLLATE "C";

-- triggers of the member tables (not the internal ones of foreign keys, named by OIDs)
SELECT 'trigger ' || r.nom || ' ' || quote_ident(t.tgname) || ': ' || pg_get_triggerdef(t.oid)
	   || ', enabled ' || t.tgenabled::text || coalesce(' -- ' || d.texte, '')
FROM relation r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
LEFT JOIN commentaire d ON d.objoid = t.oid AND d.classoid = 'pg_trigger'::regclass AND d.objsubid = 0
ORDER BY r.nom COLLATE "C", t.tgname COLLATE "C";

-- rules (not the _RETURN rules of views: pg_get_viewdef below), policies, extended statistics
SELECT 'rule ' || r.nom || ' ' || quote_ident(w.rulename) || ': ' || pg_get_ruledef(w.oid) || ', enabled ' || w.ev_enabled::text
	   || coalesce(' -- ' || d.texte, '')
FROM relation r JOIN pg_rewrite w ON w.ev_class = r.oid AND w.rulename <> '_RETURN'
LEFT JOIN commentaire d ON d.objoid = w.oid AND d.classoid = 'pg_rewrite'::regclass AND d.objsubid = 0
ORDER BY r.nom COLLATE "C", w.rulename COLLATE "C";
SELECT 'policy ' || p.schemaname || '.' || p.tablename || ' ' || quote_ident(p.policyname) || ': ' || p.permissive
	   || ' for ' || p.cmd || ' to ' || p.roles::text || coalesce(' using (' || p.qual || ')', '')
	   || coalesce(' with check (' || p.with_check || ')', '')
FROM pg_policies p JOIN relation r ON r.nom = quote_ident(p.schemaname) || '.' || quote_ident(p.tablename)
ORDER BY r.nom COLLATE "C", p.policyname COLLATE "C";
SELECT 'statistics ' || r.nom || ' ' || quote_ident(s.stxname) || ': ' || pg_get_statisticsobjdef(s.oid)
	   || ', target ' || s.stxstattarget
FROM relation r JOIN pg_statistic_ext s ON s.stxrelid = r.oid
ORDER BY r.nom COLLATE "C", s.stxname COLLATE "C";

-- sequences: parameters and owner column, not the current value
SELECT 'sequence ' || r.nom || ': ' || format_type(s.seqtypid, NULL) || ' start ' || s.seqstart || ' increment ' || s.seqincrement
	   || ' min ' || s.seqmin || ' max ' || s.seqmax || ' cache ' || s.seqcache || ' cycle ' || s.seqcycle
	   || coalesce(' owned by ' || (SELECT string_agg(pg_describe_object(o.refclassid, o.refobjid, o.refobjsubid) || ' (' || o.deptype::text || ')',
											   ', ' ORDER BY pg_describe_object(o.refclassid, o.refobjid, o.refobjsubid) COLLATE "C")
								   FROM pg_depend o
								   WHERE o.classid = 'pg_class'::regclass AND o.objid = r.oid AND o.refobjsubid > 0
									 AND o.deptype IN ('a', 'i')), '')
FROM relation r JOIN pg_sequence s ON s.seqrelid = r.oid
ORDER BY r.nom COLLATE "C";

-- views: their query, one line each
SELECT 'view ' || r.nom || ': ' || l.ligne
FROM relation r CROSS JOIN LATERAL regexp_split_to_table(pg_get_viewdef(r.oid, true), E'\n') WITH ORDINALITY AS l(ligne, n)
WHERE r.relkind IN ('v', 'm')
ORDER BY r.nom COLLATE "C", l.n;

-- functions and procedures (their comment is on their member line): owner, ACL, then their
-- definition (every attribute: arguments and defaults, result, language, volatility, strictness,
-- security, parallel, cost, rows, SET, body or C symbol) one line each; aggregates from pg_aggregate
SELECT 'function ' || p.oid::regprocedure::text || ': kind ' || p.prokind::text || ', owner ' || pg_get_userbyid(p.proowner)
	   || ', acl ' || coalesce(p.proacl::text, 'default')
FROM pg_proc p JOIN membre m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
ORDER BY p.oid::regprocedure::text COLLATE "C";
SELECT 'function ' || p.oid::regprocedure::text || ' | ' || l.ligne
FROM pg_proc p JOIN membre m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
CROSS JOIN LATERAL regexp_split_to_table(rtrim(pg_get_functiondef(p.oid), E'\n'), E'\n') WITH ORDINALITY AS l(ligne, n)
WHERE p.prokind <> 'a'
ORDER BY p.oid::regprocedure::text COLLATE "C", l.n;
SELECT 'aggregate ' || p.oid::regprocedure::text || ': returns ' || format_type(p.prorettype, NULL)
	   || ', kind ' || g.aggkind::text || ', direct args ' || g.aggnumdirectargs
	   || ', sfunc ' || g.aggtransfn::regprocedure::text || ', stype ' || format_type(g.aggtranstype, NULL)
	   || ', sspace ' || g.aggtransspace || ', finalfunc ' || g.aggfinalfn::regprocedure::text
	   || ', finalfunc extra ' || g.aggfinalextra || ', finalfunc modify ' || g.aggfinalmodify::text
	   || ', combinefunc ' || g.aggcombinefn::regprocedure::text || ', serialfunc ' || g.aggserialfn::regprocedure::text
	   || ', deserialfunc ' || g.aggdeserialfn::regprocedure::text || ', initcond ' || coalesce(quote_literal(g.agginitval), 'null')
	   || ', msfunc ' || g.aggmtransfn::regprocedure::text || ', minvfunc ' || g.aggminvtransfn::regprocedure::text
	   || ', mfinalfunc ' || g.aggmfinalfn::regprocedure::text || ', mfinalfunc extra ' || g.aggmfinalextra
	   || ', mfinalfunc modify ' || g.aggmfinalmodify::text || ', mstype ' || format_type(g.aggmtranstype, NULL)
	   || ', msspace ' || g.aggmtransspace || ', minitcond ' || coalesce(quote_literal(g.aggminitval), 'null')
	   || ', sortop ' || g.aggsortop::regoperator::text || ', parallel ' || p.proparallel::text
FROM pg_proc p JOIN membre m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
JOIN pg_aggregate g ON g.aggfnoid = p.oid
ORDER BY p.oid::regprocedure::text COLLATE "C";

-- types: every attribute of pg_type that a CREATE TYPE or ALTER TYPE sets
SELECT 'type ' || format_type(t.oid, NULL) || ': type ' || t.typtype::text || ', length ' || t.typlen || ', by value ' || t.typbyval
	   || ', category ' || t.typcategory::text || ', preferred ' || t.typispreferred || ', delimiter ' || quote_literal(t.typdelim::text)
	   || ', input ' || t.typinput::text || ', output ' || t.typoutput::text || ', receive ' || t.typreceive::text
	   || ', send ' || t.typsend::text || ', typmod_in ' || t.typmodin::text || ', typmod_out ' || t.typmodout::text
	   || ', analyze ' || t.typanalyze::text || ', subscript ' || t.typsubscript::text || ', alignment ' || t.typalign::text
	   || ', storage ' || t.typstorage::text || ', not null ' || t.typnotnull
	   || ', base type ' || CASE WHEN t.typbasetype = 0 THEN 'none' ELSE format_type(t.typbasetype, t.typtypmod) END
	   || ', element ' || CASE WHEN t.typelem = 0 THEN 'none' ELSE format_type(t.typelem, NULL) END
	   || ', array ' || CASE WHEN t.typarray = 0 THEN 'none' ELSE format_type(t.typarray, NULL) END
	   || ', default ' || coalesce(quote_literal(t.typdefault), 'none')
	   || ', collation ' || coalesce(quote_ident(co.collname), 'none')
	   || ', owner ' || pg_get_userbyid(t.typowner) || ', acl ' || coalesce(t.typacl::text, 'default')
FROM pg_type t JOIN membre m ON m.classid = 'pg_type'::regclass AND m.objid = t.oid
LEFT JOIN pg_collation co ON co.oid = t.typcollation
ORDER BY format_type(t.oid, NULL) COLLATE "C";
SELECT 'enum ' || format_type(e.enumtypid, NULL) || ' #' || row_number() OVER (PARTITION BY e.enumtypid ORDER BY e.enumsortorder)
	   || ' ' || quote_literal(e.enumlabel)
FROM pg_enum e JOIN membre m ON m.classid = 'pg_type'::regclass AND m.objid = e.enumtypid
ORDER BY format_type(e.enumtypid, NULL) COLLATE "C", e.enumsortorder;
SELECT 'range ' || format_type(g.rngtypid, NULL) || ': subtype ' || format_type(g.rngsubtype, NULL)
	   || ', multirange ' || format_type(g.rngmultitypid, NULL) || ', collation ' || coalesce(quote_ident(co.collname), 'none')
	   || ', subtype opclass ' || oc.opcname || ', canonical ' || g.rngcanonical::text || ', subtype_diff ' || g.rngsubdiff::text
FROM pg_range g JOIN membre m ON m.classid = 'pg_type'::regclass AND m.objid = g.rngtypid
JOIN pg_opclass oc ON oc.oid = g.rngsubopc LEFT JOIN pg_collation co ON co.oid = g.rngcollation
ORDER BY format_type(g.rngtypid, NULL) COLLATE "C";

-- operators, operator classes and families with their operators and support functions
SELECT 'operator ' || o.oid::regoperator::text || ': result ' || format_type(o.oprresult, NULL)
	   || ', function ' || o.oprcode::regprocedure::text
	   || ', commutator ' || CASE WHEN o.oprcom = 0 THEN 'none' ELSE o.oprcom::regoperator::text END
	   || ', negator ' || CASE WHEN o.oprnegate = 0 THEN 'none' ELSE o.oprnegate::regoperator::text END
	   || ', restrict ' || o.oprrest::text || ', join ' || o.oprjoin::text
	   || ', merges ' || o.oprcanmerge || ', hashes ' || o.oprcanhash || ', owner ' || pg_get_userbyid(o.oprowner)
FROM pg_operator o JOIN membre m ON m.classid = 'pg_operator'::regclass AND m.objid = o.oid
ORDER BY o.oid::regoperator::text COLLATE "C";
SELECT 'operator class ' || c.opcnamespace::regnamespace::text || '.' || quote_ident(c.opcname) || ' using ' || a.amname
	   || ': family ' || f.opfnamespace::regnamespace::text || '.' || quote_ident(f.opfname)
	   || ', for type ' || format_type(c.opcintype, NULL) || ', default ' || c.opcdefault
	   || ', storage ' || CASE WHEN c.opckeytype = 0 THEN 'same' ELSE format_type(c.opckeytype, NULL) END
	   || ', owner ' || pg_get_userbyid(c.opcowner)
FROM pg_opclass c JOIN membre m ON m.classid = 'pg_opclass'::regclass AND m.objid = c.oid
JOIN pg_am a ON a.oid = c.opcmethod JOIN pg_opfamily f ON f.oid = c.opcfamily
ORDER BY c.opcnamespace::regnamespace::text COLLATE "C", c.opcname COLLATE "C", a.amname COLLATE "C";
SELECT 'operator family ' || f.opfnamespace::regnamespace::text || '.' || quote_ident(f.opfname) || ' using ' || a.amname
	   || ': owner ' || pg_get_userbyid(f.opfowner)
FROM pg_opfamily f JOIN membre m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid JOIN pg_am a ON a.oid = f.opfmethod
ORDER BY f.opfnamespace::regnamespace::text COLLATE "C", f.opfname COLLATE "C", a.amname COLLATE "C";
-- (the operators and functions of a family, with whether each belongs to one class or to the family alone)
SELECT 'operator family ' || f.opfnamespace::regnamespace::text || '.' || quote_ident(f.opfname) || ' using ' || a.amname
	   || ' operator ' || o.amopstrategy || ' (' || format_type(o.amoplefttype, NULL) || ', ' || format_type(o.amoprighttype, NULL)
	   || ') ' || o.amopopr::regoperator::text || ', purpose ' || o.amoppurpose::text
	   || coalesce(', order by family ' || (SELECT sf.opfnamespace::regnamespace::text || '.' || quote_ident(sf.opfname)
											FROM pg_opfamily sf WHERE sf.oid = o.amopsortfamily), '')
	   || ', in ' || coalesce((SELECT string_agg('class ' || oc.opcname, ', ' ORDER BY oc.opcname)
							   FROM pg_depend dp JOIN pg_opclass oc ON oc.oid = dp.refobjid
							   WHERE dp.classid = 'pg_amop'::regclass AND dp.objid = o.oid AND dp.refclassid = 'pg_opclass'::regclass),
							  'the family only')
FROM pg_opfamily f JOIN membre m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid JOIN pg_am a ON a.oid = f.opfmethod
JOIN pg_amop o ON o.amopfamily = f.oid
ORDER BY f.opfnamespace::regnamespace::text COLLATE "C", f.opfname COLLATE "C", a.amname COLLATE "C",
		 format_type(o.amoplefttype, NULL) COLLATE "C", format_type(o.amoprighttype, NULL) COLLATE "C", o.amopstrategy;
SELECT 'operator family ' || f.opfnamespace::regnamespace::text || '.' || quote_ident(f.opfname) || ' using ' || a.amname
	   || ' function ' || p.amprocnum || ' (' || format_type(p.amproclefttype, NULL) || ', ' || format_type(p.amprocrighttype, NULL)
	   || ') ' || p.amproc::regprocedure::text
	   || ', in ' || coalesce((SELECT string_agg('class ' || oc.opcname, ', ' ORDER BY oc.opcname)
							   FROM pg_depend dp JOIN pg_opclass oc ON oc.oid = dp.refobjid
							   WHERE dp.classid = 'pg_amproc'::regclass AND dp.objid = p.oid AND dp.refclassid = 'pg_opclass'::regclass),
							  'the family only')
FROM pg_opfamily f JOIN membre m ON m.classid = 'pg_opfamily'::regclass AND m.objid = f.oid JOIN pg_am a ON a.oid = f.opfmethod
JOIN pg_amproc p ON p.amprocfamily = f.oid
ORDER BY f.opfnamespace::regnamespace::text COLLATE "C", f.opfname COLLATE "C", a.amname COLLATE "C",
		 format_type(p.amproclefttype, NULL) COLLATE "C", format_type(p.amprocrighttype, NULL) COLLATE "C", p.amprocnum;

-- casts
SELECT 'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || '): '
	   || CASE c.castmethod WHEN 'f' THEN 'with function ' || c.castfunc::regprocedure::text
			   WHEN 'i' THEN 'with inout' ELSE 'without function' END
	   || ', context ' || c.castcontext::text
FROM pg_cast c JOIN membre m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
ORDER BY format_type(c.castsource, NULL) COLLATE "C", format_type(c.casttarget, NULL) COLLATE "C";

-- the privileges recorded as the extension's initial ones (pg_dump restores the difference),
-- security labels
SELECT 'initial privileges ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ': ' || i.privtype::text || ' '
	   || i.initprivs::text
FROM pg_init_privs i JOIN membre m ON m.classid = i.classoid AND m.objid = i.objoid
ORDER BY pg_describe_object(i.classoid, i.objoid, i.objsubid) COLLATE "C";
SELECT 'security label ' || pg_describe_object(l.classoid, l.objoid, l.objsubid) || ': ' || l.provider || ' ' || l.label
FROM pg_seclabel l JOIN membre m ON m.classid = l.classoid AND m.objid = l.objoid
ORDER BY pg_describe_object(l.classoid, l.objoid, l.objsubid) COLLATE "C", l.provider COLLATE "C";
