# dataplane/dpdk: edgelb-dp, the DPDK fast path, and its tests (parity with the fixtures and
# with XDP over 100,000 flows). Objects that include DPDK headers get DPDK's cflags; -Wno-* for
# warnings DPDK's own headers raise under -Wextra.
DPDK_CFLAGS = $(LIBDPDK_CFLAGS) -Wno-missing-field-initializers
DPDK_LIBS = $(LIBDPDK_LIBS) -lrte_net_ring
DP_BPF_LIBS = $(LIBBPF_LIBS)

# edgelb-dp reads the table file through dataplane/core/shm_tables.h and links nothing of
# control/; the table writer (control/fastpath/lbtables_shm.c) is for the tests and tools that write tables.
DP_OBJS := $(BUILD)/dataplane/dpdk/dp_worker.o $(BUILD)/dataplane/dpdk/dp_port.o
DP_WRITER_OBJS := $(BUILD)/control/fastpath/lbtables_shm.o $(BUILD)/control/fastpath/lbtables.o

$(BUILD)/dataplane/dpdk/%.o: dataplane/dpdk/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -MMD -MP -c $< -o $@

# libsystemd: sd_notify (READY=1 once the ports forward)
$(BUILD)/edgelb-dp: $(BUILD)/dataplane/dpdk/dp_main.o $(DP_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS) $(LIBSYSTEMD_LIBS)

BINS += $(BUILD)/edgelb-dp

# ---- tests ----
DP_TEST_OBJS := $(BUILD)/tests/dpdk/dp_testenv.o $(DP_OBJS) $(DP_WRITER_OBJS)

$(BUILD)/tests/dpdk/%.o: tests/dpdk/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/dpdk/test_dpdk_fixtures.o: $(BUILD)/tests/xdp/fixtures.h

$(BUILD)/tests/dpdk/test_dpdk_fixtures: $(BUILD)/tests/dpdk/test_dpdk_fixtures.o $(DP_TEST_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS) -lcmocka

UNIT_TESTS += $(BUILD)/tests/dpdk/test_dpdk_fixtures

# 100k flows through XDP and edgelb-dp. Maglev rings from control/maglev/maglev.c when it is there.
DP_AGREE_OBJS := $(BUILD)/tests/dpdk/test_dpdk_xdp_agreement.o $(BUILD)/control/fastpath/lbtables_bpf.o \
	$(DP_TEST_OBJS)
ifneq ($(wildcard control/maglev/maglev.c),)
DP_AGREE_OBJS += $(BUILD)/control/maglev/maglev.o
$(BUILD)/tests/dpdk/test_dpdk_xdp_agreement.o: CFLAGS += -DHAVE_MAGLEV
endif
$(BUILD)/tests/dpdk/test_dpdk_xdp_agreement.o: $(BUILD)/bpf/lb.skel.h

$(BUILD)/tests/dpdk/test_dpdk_xdp_agreement: $(DP_AGREE_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS) $(DP_BPF_LIBS) -lcmocka

UNIT_TESTS += $(BUILD)/tests/dpdk/test_dpdk_xdp_agreement

# A table writer for tests and benchmarks that run edgelb-dp without edgelbd.
$(BUILD)/tests/dpdk/dp_tables_tool: $(BUILD)/tests/dpdk/dp_tables_tool.o $(DP_WRITER_OBJS)
	$(CC) $(CFLAGS) -o $@ $^

BINS += $(BUILD)/tests/dpdk/dp_tables_tool
INTEG_TESTS += tests/integration/test_dpdk_exception.sh

# The table file's promises with a worker thread and a writer running at once.
$(BUILD)/tests/dpdk/test_dpdk_concurrency: $(BUILD)/tests/dpdk/test_dpdk_concurrency.o \
		$(DP_TEST_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS) -lcmocka -lpthread

UNIT_TESTS += $(BUILD)/tests/dpdk/test_dpdk_concurrency
