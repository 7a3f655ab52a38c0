# edgelb top-level build. Each folder adds its own targets through `.mk` fragments
# (included below), so that pieces build and test independently:
#   BINS        programs `make` builds
#   UNIT_TESTS  cmocka test binaries `make test` runs (each prints its own summary)
#   INTEG_TESTS test scripts `make test` runs after the unit tests (need root, netns)
#   BENCHES     make targets `make bench` runs
#
#   make            build everything into build/ (and nothing else: no package is installed)
#   make deps       install the Debian packages the build needs (scripts/deps.sh)
#   make test       install build and test packages, build, run every test (CI calls this)
#   make bench      install bench packages, build, run every benchmark (docs/benchmarks.md)
#   make demo       install, build, run the lab demo
#
# The targets that install packages run scripts/deps.sh first and then a second make, so that
# nothing which asks an installed tool or library (pkg-config, the compiler) is evaluated before
# the packages are there: on a fresh machine they work as the first command.

BUILD   ?= build
# Make's built-in default for CC is cc; gcc is what the build is tested with.
ifeq ($(origin CC),default)
CC      := gcc
endif
# BPF objects: Debian 12's newest clang (its BPF back end keeps more of the packet's values in
# registers than clang 14's).
CLANG   ?= clang-19
BPFTOOL ?= bpftool
PYTHON  ?= /usr/bin/python3

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -I$(BUILD)
SAN     ?= -fsanitize=address,undefined -fno-omit-frame-pointer

# $(call lazy,VAR,COMMAND): COMMAND's output, run when VAR is first used in a recipe and kept;
# never while make reads the makefiles, which on a fresh machine is before deps are installed.
lazy = $(eval $1 := $(shell $2))$($1)
ARCH_INC = $(call lazy,ARCH_INC,echo -I/usr/include/$$($(CC) -dumpmachine))
LIBBPF_LIBS = $(call lazy,LIBBPF_LIBS,pkg-config --libs libbpf)
LIBDPDK_CFLAGS = $(call lazy,LIBDPDK_CFLAGS,pkg-config --cflags libdpdk)
LIBDPDK_LIBS = $(call lazy,LIBDPDK_LIBS,pkg-config --libs libdpdk)
LIBSYSTEMD_LIBS = $(call lazy,LIBSYSTEMD_LIBS,pkg-config --libs libsystemd)
BPF_CFLAGS = -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function \
	-I. -I$(BUILD) $(ARCH_INC)

# The BPF objects depend on this stamp, so that they are rebuilt when CLANG changes.
BPF_CC_STAMP := $(BUILD)/.bpf-cc-$(notdir $(CLANG))

BINS        :=
UNIT_TESTS  :=
INTEG_TESTS :=
BENCHES     :=

# Goals that install packages (or need none) and so must not be refused for missing ones.
DEPS_GOALS := deps test unit-test integ-test bench bench-plots demo fresh-check deb clean format help
ifneq ($(filter-out $(DEPS_GOALS),$(or $(MAKECMDGOALS),all)),)
MISSING_DEPS := $(shell bash scripts/deps.sh --check build)
ifneq ($(MISSING_DEPS),)
$(error missing Debian packages: $(MISSING_DEPS). Install them with `make deps` (as root))
endif
endif

.PHONY: all deps test unit-test integ-test bench demo clean format help \
	bpffs run-test run-unit-test run-integ-test run-bench run-demo
all:

# Fragments (any *.mk one or two folders down) add targets; `all` depends on what they add.
include $(sort $(wildcard */*.mk */*/*.mk))

all: $(BINS) $(UNIT_TESTS)

$(BPF_CC_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(BUILD)/.bpf-cc-*
	@touch $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# bpffs is where edgelbd pins the fast path; the tests, benchmarks and demo need it mounted.
bpffs:
	@mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

deps:
	@bash scripts/deps.sh build
test unit-test integ-test demo:
	@bash scripts/deps.sh build test
	@$(MAKE) --no-print-directory run-$@
bench:
	@bash scripts/deps.sh build test bench
	@$(MAKE) --no-print-directory run-$@

run-test: bpffs all
	@bash scripts/run-tests.sh $(UNIT_TESTS) -- $(INTEG_TESTS)
run-unit-test: all
	@bash scripts/run-tests.sh $(UNIT_TESTS) --
run-integ-test: bpffs all
	@bash scripts/run-tests.sh -- $(INTEG_TESTS)
# its recipe, bench/plots.mk: each of $(BENCHES) in turn, logged, then charted
run-bench: bpffs all
run-demo: bpffs all
	@bash scripts/demo.sh

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

help:
	@sed -n '/^#   make /s/^#   //p' Makefile

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
