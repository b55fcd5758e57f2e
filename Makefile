# kium — one GNU Makefile for the whole tree.
#
#   make            build every binary (build/default/bin)
#   make deps       install the Debian 12 packages kium needs (idempotent, fast when present)
#   make check      deps, then every test: default build, ASan+UBSan build, bounded fuzzing
#   make bench      benchmarks; each figure on its own line as "bench: <name> <value> <unit>"
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each (clang)
#   make run        the product end to end on loopback (see README.md)
#   make install    PREFIX/DESTDIR: binaries, example configuration, systemd units
#   make clean
#
# Layout of the build: build/<variant>/{obj,lib,bin,test}. SAN=1 selects build/san.
# Sources are found by convention, so adding a module needs no Makefile edit:
#   common/*.c                      -> libkium-common.a
#   firmware/*.c (not main.c)       -> libkium-fw.a      + firmware/main.c  -> kium-reader
#   hub/**/*.c (not hub/main.c)     -> libkium-hub.a     + hub/main.c       -> kium-hub
#   tools/pn532emu/*.c (not main.c) -> libkium-emu.a     + main.c           -> pn532-emu
#   tools/kiumctl/*.c                                                        -> kiumctl
#   tests/unit/<part>_<name>.c      -> unit test, <part> is common|fw|hub|emu (links that part)
#   tests/e2e/*.c, tests/bench/*.c  -> helper programs linked with everything
#   tests/fuzz/fuzz_<name>.c        -> fuzz target (libFuzzer entry point) + corpus replayer

SHELL := /bin/bash
PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= 0
CC ?= cc
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 8

ifeq ($(SAN),1)
VARIANT := san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT := -O1 -g
else
VARIANT := default
SANFLAGS :=
OPT := -O2 -g
endif
B := build/$(VARIANT)
# Quiet by default; `make V=1` shows every command.
ifeq ($(V),1)
Q :=
E := @true
else
Q := @
E := @echo
endif

WARN := -Wall -Wextra -Wshadow -Wformat=2 -Werror
KIUM_VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
CPPFLAGS += -D_GNU_SOURCE -I. $(shell pkg-config --cflags freetype2 2>/dev/null) -DKIUM_VERSION='"$(KIUM_VERSION)"'
CFLAGS += -std=c11 $(OPT) $(WARN) $(SANFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)

pc = $(shell pkg-config --libs $(1) 2>/dev/null)
LIBS_COMMON := $(call pc,inih jansson libsodium) -lm
LIBS_FW := $(call pc,libnfc libgpiod sqlite3 freetype2 libpng) -lhttp_parser \
	-lmbedtls -lmbedx509 -lmbedcrypto
LIBS_HUB := $(call pc,sqlite3 jansson libsodium libcurl xlsxwriter) -lhttp_parser \
	-lmbedtls -lmbedx509 -lmbedcrypto
LIBS_EMU := -lutil
LIBS_ALL := $(LIBS_FW) $(LIBS_HUB) $(LIBS_EMU) $(LIBS_COMMON) -lpthread

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

COMMON_SRC := $(wildcard common/*.c)
FW_SRC := $(filter-out firmware/main.c,$(wildcard firmware/*.c))
HUB_SRC := $(filter-out hub/main.c,$(wildcard hub/*.c hub/*/*.c))
EMU_SRC := $(filter-out tools/pn532emu/main.c,$(wildcard tools/pn532emu/*.c))
CTL_SRC := $(wildcard tools/kiumctl/*.c)

LIB_COMMON := $(B)/lib/libkium-common.a
LIB_FW := $(B)/lib/libkium-fw.a
LIB_HUB := $(B)/lib/libkium-hub.a
LIB_EMU := $(B)/lib/libkium-emu.a

BIN_READER := $(B)/bin/kium-reader
BIN_HUB := $(B)/bin/kium-hub
BIN_CTL := $(B)/bin/kiumctl
BIN_EMU := $(B)/bin/pn532-emu
BINS := $(if $(wildcard firmware/main.c),$(BIN_READER)) \
	$(if $(wildcard hub/main.c),$(BIN_HUB)) \
	$(if $(CTL_SRC),$(BIN_CTL)) \
	$(if $(wildcard tools/pn532emu/main.c),$(BIN_EMU))

UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/test/unit/%,$(UNIT_SRC))
HELPER_SRC := $(wildcard tests/e2e/*.c tests/bench/*.c)
HELPER_BINS := $(patsubst tests/%.c,$(B)/test/%,$(HELPER_SRC))
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRC))
REPLAY_BINS := $(patsubst %,$(B)/test/replay/%,$(FUZZ_NAMES))

ALL_LIBS := $(LIB_FW) $(LIB_HUB) $(LIB_EMU) $(LIB_COMMON)

.PHONY: all deps check test bench fuzz fuzz-check run install clean san-check
.DEFAULT_GOAL := all
# Keep objects of test programs (make would delete them as intermediates).
.SECONDARY:

all: $(BINS)

tests: $(UNIT_BINS) $(HELPER_BINS) $(REPLAY_BINS)

deps:
	@tools/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) '  CC    $<'
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB_COMMON): $(call obj,$(COMMON_SRC))
$(LIB_FW): $(call obj,$(FW_SRC))
$(LIB_HUB): $(call obj,$(HUB_SRC))
$(LIB_EMU): $(call obj,$(EMU_SRC))
$(B)/lib/%.a:
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(E) '  AR    $@'
	$(Q)$(AR) rcs $@ $^ $(if $^,,$(B)/obj/empty.o)

# An archive with no members still has to exist for the link lines below.
$(B)/obj/empty.o:
	@mkdir -p $(dir $@)
	$(Q)echo 'typedef int kium_empty_unit;' | $(CC) -x c -c -o $@ -
$(ALL_LIBS): | $(B)/obj/empty.o

$(BIN_READER): $(call obj,firmware/main.c) $(LIB_FW) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_FW) $(LIBS_COMMON) -lpthread
$(BIN_HUB): $(call obj,hub/main.c) $(LIB_HUB) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HUB) $(LIBS_COMMON) -lpthread
$(BIN_CTL): $(call obj,$(CTL_SRC)) $(LIB_HUB) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HUB) $(LIBS_COMMON) -lpthread
$(BIN_EMU): $(call obj,tools/pn532emu/main.c) $(LIB_EMU) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_EMU) $(LIBS_COMMON)

$(B)/test/unit/common_%: $(call obj,tests/unit/common_%.c) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_COMMON)
$(B)/test/unit/fw_%: $(call obj,tests/unit/fw_%.c) $(LIB_FW) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_FW) $(LIBS_COMMON) -lpthread
$(B)/test/unit/hub_%: $(call obj,tests/unit/hub_%.c) $(LIB_HUB) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_HUB) $(LIBS_COMMON) -lpthread
$(B)/test/unit/emu_%: $(call obj,tests/unit/emu_%.c) $(LIB_EMU) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_EMU) $(LIBS_COMMON)
$(B)/test/e2e/%: $(B)/obj/tests/e2e/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)
$(B)/test/bench/%: $(B)/obj/tests/bench/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)
# The corpus replayer: the fuzz target's entry point driven by a plain main(), so that a
# gcc-only build replays every corpus file and every saved crasher in `make check`.
$(B)/test/replay/%: $(B)/obj/tests/fuzz/fuzz_%.o $(B)/obj/tests/fuzz/replay.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(E) '  LD    $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS_ALL)

# libFuzzer builds (clang), separate from the gcc objects.
FB := build/fuzz
FUZZ_CFLAGS := -std=c11 -O1 -g $(WARN) -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -D_GNU_SOURCE -I. $(shell pkg-config --cflags freetype2 2>/dev/null) -DKIUM_VERSION='"fuzz"' -DKIUM_FUZZING
$(FB)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(E) '  CLANG $<'
	$(Q)clang $(FUZZ_CFLAGS) -c -o $@ $<
FUZZ_LIB_OBJS := $(patsubst %.c,$(FB)/obj/%.o,$(COMMON_SRC) $(FW_SRC) $(HUB_SRC) $(EMU_SRC))
$(FB)/bin/%: $(FB)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(E) '  FUZZ  $@'
	$(Q)clang -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS_ALL)

fuzz-build: $(patsubst %,$(FB)/bin/%,$(FUZZ_NAMES))

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FB)/bin $(FUZZ_SECONDS) $(FUZZ_NAMES)

# `make check`: the README's test command. Two passes over every unit and end-to-end test
# (plain build, then ASan+UBSan), then each fuzz target for a bounded time; one closing line.
check: deps
	@rm -f build/results.txt
	@$(MAKE) --no-print-directory SAN=0 all tests
	@tests/run.sh default build/default
	@$(MAKE) --no-print-directory SAN=1 all tests
	@tests/run.sh san build/san
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FB)/bin $(FUZZ_CHECK_SECONDS) $(FUZZ_NAMES) --results build/results.txt || true
	@tests/summary.sh build/results.txt

# One pass only, for development: `make test` or `make SAN=1 test`.
test: all tests
	@rm -f build/results.txt
	@tests/run.sh $(VARIANT) $(B)
	@tests/summary.sh build/results.txt

bench: deps
	@$(MAKE) --no-print-directory SAN=0 all tests
	@tests/bench/run.sh build/default

run: deps
	@$(MAKE) --no-print-directory SAN=0 all
	@tools/run-demo.sh build/default

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/kium \
		$(DESTDIR)/etc/kium $(DESTDIR)/lib/systemd/system
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -r board $(DESTDIR)$(PREFIX)/share/kium/
	if [ -d hub/web ]; then cp -r hub/web $(DESTDIR)$(PREFIX)/share/kium/; fi
	for f in board/*.conf.example; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)/etc/kium/; done; true
	for f in board/systemd/*.service; do [ -e "$$f" ] && install -m 0644 "$$f" $(DESTDIR)/lib/systemd/system/; done; true

clean:
	rm -rf build tests/artifacts

-include $(shell find build/default build/san build/fuzz -name '*.d' 2>/dev/null)
