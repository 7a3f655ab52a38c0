# tests/fuzz/fuzz.mk - libFuzzer harnesses (clang-19, -fsanitize=fuzzer,address,undefined; the
# fuzzer runtime is libclang-rt-19-dev's):
#   fuzz_core      the packet core through the userspace runner, three ways that must agree
#   fuzz_bgp       the BGP message decoders of control/bgp/msg.c and update.c
#   fuzz_xdp_diff  lb.bpf.o (BPF_PROG_TEST_RUN, root) against the userspace runner
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_HARNESSES="core bgp xdp_diff"]
#                  each harness for FUZZ_SECONDS on its corpus (new inputs kept in
#                  $(BUILD)/fuzz/<harness>/, the committed seeds in tests/fuzz/corpus/ read)
#   make fuzz-seeds  rewrite tests/fuzz/corpus/ from the fixtures and the BGP encoders
#
# `make test` runs every committed seed once and fuzzes each harness for a few seconds
# (tests/integration/test_fuzz_seeds.sh). The harnesses are not part of `all`: they need the
# test group's packages (scripts/deps.sh), and the run targets build them.
FUZZ_CC      ?= $(CLANG)
FUZZ_SAN     := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS   = -O1 -g -std=gnu11 $(WARN) -Wno-missing-field-initializers -D_GNU_SOURCE -I. \
	-I$(BUILD) $(FUZZ_SAN)
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES ?= core bgp xdp_diff
FUZZ_DIR     := $(BUILD)/tests/fuzz
FUZZ_BINS    := $(FUZZ_DIR)/fuzz_core $(FUZZ_DIR)/fuzz_bgp $(FUZZ_DIR)/fuzz_xdp_diff
FUZZ_CORE_DEPS := tests/fuzz/fuzz_core.h $(BUILD)/tests/xdp/fixtures.h tests/xdp/fx_tables.h \
	control/fastpath/lbtables.c dataplane/user/user_tables.c dataplane/user/user_tables.h \
	$(wildcard dataplane/core/*.h)
# the userspace runner again, without lb_fast_common and under other names (fuzz_core.c)
FUZZ_GENERAL := -DLB_NO_FAST_COMMON -Dlb_user_run=lb_user_run_general \
	-Dlb_user_tables_new=lb_user_tables_new_general \
	-Dlb_user_tables_free=lb_user_tables_free_general

$(FUZZ_DIR)/user_general.o: dataplane/user/user_tables.c $(FUZZ_CORE_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_GENERAL) \
		-c $< -o $@

$(FUZZ_DIR)/fuzz_core: tests/fuzz/fuzz_core.c $(FUZZ_DIR)/user_general.o $(FUZZ_CORE_DEPS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< control/fastpath/lbtables.c dataplane/user/user_tables.c \
		$(FUZZ_DIR)/user_general.o

$(FUZZ_DIR)/fuzz_bgp: tests/fuzz/fuzz_bgp.c control/bgp/msg.c control/bgp/update.c \
		$(BGP_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< control/bgp/msg.c control/bgp/update.c

$(FUZZ_DIR)/fuzz_xdp_diff: tests/fuzz/fuzz_xdp_diff.c $(FUZZ_CORE_DEPS) $(BUILD)/bpf/lb.skel.h \
		control/fastpath/lbtables_bpf.c tests/xdp/lb_loader.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< control/fastpath/lbtables.c control/fastpath/lbtables_bpf.c \
		dataplane/user/user_tables.c $(LIBBPF_LIBS) -lpthread

# The seed writer: plain, no fuzzer runtime.
$(FUZZ_DIR)/fuzz_seeds: tests/fuzz/fuzz_seeds.c $(FUZZ_CORE_DEPS) control/bgp/msg.c \
		control/bgp/update.c $(BGP_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< control/bgp/msg.c control/bgp/update.c

.PHONY: fuzz fuzz-build fuzz-seeds
fuzz-build: $(FUZZ_BINS)
run-test run-integ-test: fuzz-build

fuzz: bpffs fuzz-build
	bash tests/fuzz/run.sh $(BUILD) $(FUZZ_SECONDS) $(BUILD)/fuzz $(FUZZ_HARNESSES)

fuzz-seeds: $(FUZZ_DIR)/fuzz_seeds
	$(FUZZ_DIR)/fuzz_seeds tests/fuzz/corpus

INTEG_TESTS += tests/integration/test_fuzz_seeds.sh
