# edgelb top-level build. Each folder adds its own targets through `.mk` fragments
# (included below), so that pieces build and test independently:
#   BINS        programs `make` builds
#   UNIT_TESTS  cmocka test binaries `make test` runs (each prints its own summary)
#   INTEG_TESTS test scripts `make test` runs after the unit tests (need root, netns)
#   BENCHES     make targets `make bench` runs
#
#   make            build everything into build/
#   make test       install deps, build, run every test (CI calls this)
#   make bench      run every benchmark (docs/benchmarks.md)
#   make demo       the lab demo

BUILD   ?= build
CC      ?= gcc
# BPF objects: Debian 12's newest clang. Its BPF back end keeps more of the established packet's
# values in registers than clang 14's: about 5 % less per packet when the machine is contended
# (docs/benchmarks.md, eighth round).
CLANG   ?= clang-19
BPFTOOL ?= bpftool
PYTHON  ?= /usr/bin/python3

WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 $(WARN) -D_GNU_SOURCE -I. -I$(BUILD)
SAN     ?= -fsanitize=address,undefined -fno-omit-frame-pointer
ARCH_INC := -I/usr/include/$(shell $(CC) -dumpmachine)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_x86 -Wall -Werror -Wno-unused-function \
	-I. -I$(BUILD) $(ARCH_INC)

# The BPF objects depend on this stamp, so that they are rebuilt when CLANG changes.
BPF_CC_STAMP := $(BUILD)/.bpf-cc-$(notdir $(CLANG))

BINS        :=
UNIT_TESTS  :=
INTEG_TESTS :=
BENCHES     :=

.PHONY: all deps test unit-test integ-test bench demo clean format
all: deps-check

# Fragments (any *.mk one or two folders down) add targets; `all` depends on what they add.
include $(sort $(wildcard */*.mk */*/*.mk))

all: $(BINS) $(UNIT_TESTS)

# Install the Debian packages when a build tool or library is missing (fresh machine).
DEPS_STAMP := $(BUILD)/.deps-ok
deps-check: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@mkdir -p $(BUILD)
	@bash scripts/deps.sh
	@touch $@
deps:
	@bash scripts/deps.sh
$(BPF_CC_STAMP): | deps-check
	@rm -f $(BUILD)/.bpf-cc-*
	@touch $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

test: deps-check all
	@bash scripts/run-tests.sh $(UNIT_TESTS) -- $(INTEG_TESTS)

unit-test: deps-check all
	@bash scripts/run-tests.sh $(UNIT_TESTS) --

bench: deps-check all $(BENCHES)

clean:
	rm -rf $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

demo: deps-check all
	@bash scripts/demo.sh
