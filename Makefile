# flux_mgmt: PGXS build.
#
# Test inputs live in test/sql/ (and test/specs/ for isolation specs); expected outputs live in
# ./expected/. --inputdir=test makes pg_regress read test/sql/NNN.sql; it looks for the expected
# file in the output directory (.) first, on PostgreSQL 15 as on 16+ (where --expecteddir
# defaults to .), so expected/ stays at the top level.
EXTENSION  = flux_mgmt
MODULE_big = flux_mgmt
OBJS = \
	src/flux_mgmt.o \
	src/classement.o \
	src/code_insee.o \
	src/compteurs.o \
	src/orientation.o \
	src/repartir.o

DATA = $(wildcard sql/flux_mgmt--*.sql)

REGRESS = $(sort $(patsubst test/sql/%.sql,%,$(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=pgtap --load-extension=flux_mgmt
ISOLATION = $(sort $(patsubst test/specs/%.spec,%,$(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --outputdir=. --load-extension=flux_mgmt

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
