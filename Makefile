# flux_mgmt: PGXS build.
#
# The current version's install script, sql/flux_mgmt--$(EXTVERSION).sql, is built by plain `cat` of
# sql/src/*.sql in name order (no C preprocessor: it would break PL/pgSQL's #variable_conflict) and
# is not committed.  Released scripts (sql/flux_mgmt--0.1.sql) are committed and installed as
# they are.  The version comes from the control file, so that the two cannot drift.
#
# Test inputs live in test/sql/ (and test/specs/ for isolation specs); expected outputs live in
# ./expected/. --inputdir=test makes pg_regress read test/sql/NNN.sql; it looks for the expected
# file in the output directory (.) first, on PostgreSQL 15 as on 16+ (where --expecteddir
# defaults to .), so expected/ stays at the top level.
EXTENSION  = flux_mgmt
EXTVERSION =  $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" flux_mgmt.control)
MODULE_big = flux_mgmt
OBJS = \
	src/flux_mgmt.o \
	src/acces.o \
	src/candidats.o \
	src/chemin_rapide.o \
	src/classement.o \
	src/code_insee.o \
	src/compteurs.o \
	src/date_limite.o \
	src/en_attente.o \
	src/lecture_moteur.o \
	src/mixite.o \
	src/orientation.o \
	src/portee.o \
	src/proprietaire.o \
	src/repartir.o \
	src/statistiques.o \
	src/suggestions.o \
	src/verrous.o

SQL_SOURCES = $(sort $(wildcard sql/src/*.sql))
# Upgrade scripts from a release: sql/updates/A--B/*.sql, written by hand, one concern a file,
# concatenated in name order into sql/flux_mgmt--A--B.sql.  Once B is released, its built
# upgrade script is committed as it is (frozen, like the release) and its directory removed.
UPDATES_built = $(patsubst sql/updates/%,sql/$(EXTENSION)--%.sql,$(sort $(wildcard sql/updates/*)))
DATA_built  = sql/$(EXTENSION)--$(EXTVERSION).sql $(UPDATES_built)
DATA        = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

REGRESS = $(sort $(patsubst test/sql/%.sql,%,$(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=pgtap --load-extension=flux_mgmt
ISOLATION = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
# The launcher loads test/oracle/recompte.sql (the independent recount of the counters) into the
# specs' database before each spec: their final steps read oracle.oracle_ecarts.
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=flux_mgmt --launcher=test/oracle/lanceur_isolation.sh

# What `make dist` packs: the committed tree at HEAD (PGXN's layout, one top directory).
DIST_FILES_ROOT = $(EXTENSION)-$(EXTVERSION)
EXTRA_CLEAN = $(DIST_FILES_ROOT).zip

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) flux_mgmt.control
	cat $(SQL_SOURCES) > $@

.SECONDEXPANSION:
$(UPDATES_built): sql/$(EXTENSION)--%.sql: $$(sort $$(wildcard sql/updates/%/*.sql))
	cat $^ > $@

dist:
	git archive --format zip --prefix=$(DIST_FILES_ROOT)/ -o $(DIST_FILES_ROOT).zip HEAD

.PHONY: dist
