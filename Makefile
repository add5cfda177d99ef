# MCP Online Platform — plain GNU make + pkg-config.
#
#   make            build everything into build/
#   make deps       install the Debian and npm packages (idempotent)
#   make run        set up and start the whole stack on loopback (foreground)
#   make stop       stop a stack left behind under var/
#   make test       set up and run every suite; last line "N passed, N failed, N skipped"
#   make check-asan ASan+UBSan build running the unit tests and the fuzz
#                   corpora
#   make fuzz       libFuzzer (clang) on every parser, FUZZ_SECONDS each
#                   (default 60; FUZZ_TARGETS="sse conf" picks some), into
#                   build-fuzz/; docs/internals/fuzzing.md
#   make fuzz-corpus  replay tests/fuzz/corpus/ through the plain-cc drivers
#   make checksrc   banned-function check
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
PKGS       = fcgi jansson libjwt libcurl openssl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) libpq 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PQ_CFLAGS  := $(shell pkg-config --cflags libpq 2>/dev/null)
PQ_LIBS    := $(shell pkg-config --libs libpq 2>/dev/null)

CC        ?= cc
WARN       = -Wall -Wextra -Wmissing-prototypes -Wstrict-prototypes \
             -Wwrite-strings -Wshadow -Wpointer-arith -Wcast-qual -Wvla \
             -Wformat -Werror=format-security
ifneq ($(CI),)
WARN      += -Werror
endif
HARDEN     = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT       ?= -O2 -g
CFLAGS    ?=
CFLAGS    += -std=c11 -D_GNU_SOURCE $(OPT) $(WARN) $(HARDEN) -Ilib -Isrc $(PKG_CFLAGS)
LDFLAGS   += -pie -Wl,-z,relro,-z,now
LDLIBS    += $(PKG_LIBS) -lm

LIB_SRC    = $(sort $(wildcard lib/*.c))
LIB_OBJ    = $(LIB_SRC:%.c=$(BUILD)/%.o)
# src/ by layer: http, ops, auth, store, log, mcp, api; main.c, routes.c (the
# route table, linked into the unit tests too) and config.c on top
# (docs/architecture.md). src/mcpctl/ is its own program.
APP_DIRS   = src/http src/ops src/auth src/store src/log src/mcp src/api
APP_SRC    = $(sort src/config.c src/routes.c $(foreach d,$(APP_DIRS),$(wildcard $(d)/*.c)))
APP_OBJ    = $(APP_SRC:%.c=$(BUILD)/%.o)
SL_SRC     = $(sort $(wildcard deploy/supabase-local/*.c))
SL_OBJ     = $(SL_SRC:%.c=$(BUILD)/%.o)
CTL_SRC    = $(sort $(wildcard src/mcpctl/*.c))
CTL_OBJ    = $(CTL_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
# Fuzz targets: tests/fuzz/fuzz_<name>.c, each linked twice -- with
# tests/fuzz/driver.c into $(BUILD)/tests/fuzz_<name> (the corpus
# regression suite, any cc) and with libFuzzer into build-fuzz/fuzz_<name>.
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES = $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_DRV   = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)
FUZZ_LINK  = $(APP_OBJ) $(BUILD)/deploy/supabase-local/sl_rest_parse.o \
             $(BUILD)/deploy/supabase-local/sl_http.o \
             $(BUILD)/libmcp.a
FUZZ_INC   = -Itests/fuzz -Ideploy/supabase-local $(PQ_CFLAGS)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
FUZZ_SAN   = -fsanitize=address,undefined -fno-sanitize-recover=all

PLATFORM   = $(BUILD)/mcp-platform.fcgi
SUPALOCAL  = $(BUILD)/supabase-local.fcgi
MCPCTL     = $(BUILD)/mcpctl

.PHONY: all deps run stop test unit check-asan checksrc install clean \
	fuzz fuzz-build fuzz-corpus

all: $(PLATFORM) $(SUPALOCAL) $(MCPCTL) $(UNIT_BIN) $(FUZZ_DRV)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/deploy/supabase-local/%.o: deploy/supabase-local/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PQ_CFLAGS) -Ideploy/supabase-local -MMD -MP -c -o $@ $<

$(BUILD)/libmcp.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(PLATFORM): $(BUILD)/src/main.o $(APP_OBJ) $(BUILD)/libmcp.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# mcpctl: the operator's command line (src/mcpctl/), on the same modules.
$(MCPCTL): $(CTL_OBJ) $(APP_OBJ) $(BUILD)/libmcp.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SUPALOCAL): $(SL_OBJ) $(BUILD)/libmcp.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PQ_LIBS) $(LDLIBS)

# Unit tests link the library and every application module but main.c.
$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/t.c tests/unit/t.h $(APP_OBJ) $(BUILD)/libmcp.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< tests/unit/t.c $(APP_OBJ) $(BUILD)/libmcp.a $(LDLIBS)

# Corpus drivers: a fuzz target and tests/fuzz/driver.c's main().
$(BUILD)/tests/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c tests/fuzz/fuzz.h $(FUZZ_LINK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(FUZZ_INC) $(LDFLAGS) -o $@ $< tests/fuzz/driver.c $(FUZZ_LINK) $(LDLIBS)

# libFuzzer binaries (only in the build-fuzz tree, see fuzz:).
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LINK)
	$(CC) $(CFLAGS) $(FUZZ_INC) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(FUZZ_LINK) $(LDLIBS)

deps:
	@sh deploy/local/deps.sh

# run and test build quietly: the compiler's lines go to $(BUILD)/build.log,
# and only a failure shows them (V=1 prints them all as they come).
ifeq ($(V),1)
QUIET_ALL  = $(MAKE) all
else
QUIET_ALL  = @mkdir -p $(BUILD); echo "building... (log: $(BUILD)/build.log)"; \
	$(MAKE) all >$(BUILD)/build.log 2>&1 || { tail -30 $(BUILD)/build.log; \
	echo "build failed: the whole log is $(BUILD)/build.log"; exit 1; }
endif

run: deps
	$(QUIET_ALL)
	@bash deploy/local/run.sh

stop:
	@bash deploy/local/run.sh stop

unit: $(UNIT_BIN)
	@bash tests/run-unit.sh $(UNIT_BIN)

test: deps
	$(QUIET_ALL)
	@bash tests/run-all.sh

fuzz-corpus: $(FUZZ_DRV)
	@bash tests/fuzz/run-corpus.sh $(BUILD) >$(BUILD)/fuzz-corpus.tap

# ASan+UBSan: a separate build tree so the normal objects are not mixed in.
check-asan:
	$(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=address,undefined" HARDEN="-fPIE" unit fuzz-corpus

# libFuzzer: clang, every object instrumented for coverage, ASan+UBSan;
# each target runs FUZZ_SECONDS on a scratch corpus seeded from
# tests/fuzz/corpus/<name>/ (new inputs stay in build-fuzz/corpus/;
# crashes go to build-fuzz/artifacts/).
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang HARDEN="-fPIE" \
		OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" \
		LDFLAGS="-fsanitize=address,undefined" fuzz-build
	@bash tests/fuzz/run-fuzz.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BIN)

# curl's banned-function list (docs/internals/checksrc.md).
BANNED = sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|atoll|atof|strtol|strtoul|strtoll|strtoull|sscanf|gets|strncpy|tmpnam|mktemp
checksrc:
	@bad=$$(grep -nE '(^|[^_a-zA-Z0-9.>])($(BANNED))[[:space:]]*\(' lib/*.[ch] src/*.[ch] $(APP_DIRS:%=%/*.[ch]) src/mcpctl/*.[ch] deploy/supabase-local/*.[ch] 2>/dev/null | grep -v 'checksrc: allow'); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "checksrc: banned functions used"; exit 1; fi; \
	bad=$$(grep -nE '(^|[;&|{([:space:]])wait[[:space:]]*($$|;|\)|&&|\|\|)' tests/bats/*.bats tests/bats/*.bash); \
	if [ -n "$$bad" ]; then echo "$$bad"; echo "checksrc: a bare wait in a bats test waits for bats' own timeout countdown: use in_bg/wait_bg"; exit 1; fi; \
	echo "checksrc: clean"

install: $(PLATFORM) $(MCPCTL)
	install -d $(DESTDIR)$(PREFIX)/lib/mcp-platform/cgi-bin $(DESTDIR)$(PREFIX)/etc/mcp-platform
	install -m 0755 $(PLATFORM) $(DESTDIR)$(PREFIX)/lib/mcp-platform/cgi-bin/mcp-platform.fcgi
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(MCPCTL) $(DESTDIR)$(PREFIX)/bin/mcpctl
	install -m 0644 conf/mcp-platform.conf.example $(DESTDIR)$(PREFIX)/etc/mcp-platform/mcp-platform.conf.example
	install -d $(DESTDIR)$(PREFIX)/share/mcp-platform/sql/migrations $(DESTDIR)$(PREFIX)/share/mcp-platform/sql/seed \
		$(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/lighttpd $(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/apache
	install -m 0755 sql/migrate $(DESTDIR)$(PREFIX)/share/mcp-platform/sql/migrate
	install -m 0644 sql/migrations/*.sql $(DESTDIR)$(PREFIX)/share/mcp-platform/sql/migrations/
	install -m 0644 sql/seed/*.sql $(DESTDIR)$(PREFIX)/share/mcp-platform/sql/seed/
	install -m 0755 cgi-bin/mcp-platform.cgi $(DESTDIR)$(PREFIX)/lib/mcp-platform/cgi-bin/mcp-platform.cgi
	install -m 0644 cgi-bin/htaccess.example $(DESTDIR)$(PREFIX)/lib/mcp-platform/cgi-bin/htaccess.example
	install -m 0644 deploy/lighttpd/mcp-platform.conf $(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/lighttpd/
	install -m 0644 deploy/apache/mcp-platform.conf $(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/apache/
	install -d $(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/logrotate
	install -m 0644 deploy/logrotate/mcp-platform $(DESTDIR)$(PREFIX)/share/mcp-platform/deploy/logrotate/

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
