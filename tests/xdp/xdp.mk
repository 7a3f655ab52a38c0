# tests/xdp: fixtures (generated from tests/xdp/fixtures.py) through XDP test-run and the
# userspace runner.
CORE_LIB_OBJS := $(BUILD)/control/fastpath/lbtables.o $(BUILD)/control/fastpath/lbtables_bpf.o \
	$(BUILD)/dataplane/user/user_tables.o
BPF_LIBS = $(LIBBPF_LIBS)

$(BUILD)/tests/xdp/fixtures.h: tests/xdp/fixtures.py
	@mkdir -p $(dir $@)
	$(PYTHON) $< $@

# built with the sanitizers, from sources: the userspace runner of the core runs under ASan/UBSan
$(BUILD)/tests/xdp/test_fixtures: tests/xdp/test_fixtures.c $(BUILD)/tests/xdp/fixtures.h \
		$(BUILD)/bpf/lb.skel.h control/fastpath/lbtables.c control/fastpath/lbtables_bpf.c \
		dataplane/user/user_tables.c $(CORE_HDRS)
	$(CC) $(CFLAGS) $(SAN) -Wno-missing-field-initializers -o $@ $< control/fastpath/lbtables.c \
		control/fastpath/lbtables_bpf.c dataplane/user/user_tables.c $(BPF_LIBS) -lcmocka

UNIT_TESTS += $(BUILD)/tests/xdp/test_fixtures

# The same, its userspace runner built without lb_fast_common (-DLB_NO_FAST_COMMON): every
# fixture decided by the general way alone must owe the same, byte for byte (lb.h).
$(BUILD)/tests/xdp/test_fixtures_general: tests/xdp/test_fixtures.c $(BUILD)/tests/xdp/fixtures.h \
		$(BUILD)/bpf/lb.skel.h control/fastpath/lbtables.c control/fastpath/lbtables_bpf.c \
		dataplane/user/user_tables.c $(CORE_HDRS)
	$(CC) $(CFLAGS) $(SAN) -DLB_NO_FAST_COMMON -Wno-missing-field-initializers -o $@ $< \
		control/fastpath/lbtables.c control/fastpath/lbtables_bpf.c dataplane/user/user_tables.c $(BPF_LIBS) \
		-lcmocka

UNIT_TESTS += $(BUILD)/tests/xdp/test_fixtures_general

$(BUILD)/tests/xdp/xdp_veth_loader: tests/xdp/xdp_veth_loader.c $(BUILD)/tests/xdp/fixtures.h \
		$(BUILD)/bpf/lb.skel.h $(CORE_LIB_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< $(CORE_LIB_OBJS) $(BPF_LIBS)

BINS += $(BUILD)/tests/xdp/xdp_veth_loader
INTEG_TESTS += tests/integration/test_xdp_veth.sh

$(BUILD)/tests/xdp/test_decap: tests/xdp/test_decap.c $(BUILD)/tests/xdp/fixtures.h \
		$(BUILD)/bpf/decap.skel.h
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< $(BPF_LIBS) -lcmocka

UNIT_TESTS += $(BUILD)/tests/xdp/test_decap
# edgelb-decap itself on a veth: the pinned link outliving it, the source filter on the wire
INTEG_TESTS += tests/integration/test_decap_pin.sh

$(BUILD)/tests/xdp/test_ring_swap: tests/xdp/test_ring_swap.c $(BUILD)/bpf/lb.skel.h $(CORE_LIB_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< $(CORE_LIB_OBJS) $(BPF_LIBS) \
		-lcmocka -lpthread

UNIT_TESTS += $(BUILD)/tests/xdp/test_ring_swap

$(BUILD)/tests/xdp/test_vip_slots: tests/xdp/test_vip_slots.c $(BUILD)/bpf/lb.skel.h $(CORE_LIB_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< $(CORE_LIB_OBJS) $(BPF_LIBS) \
		-lcmocka -lpthread

UNIT_TESTS += $(BUILD)/tests/xdp/test_vip_slots

$(BUILD)/tests/xdp/test_conn_cpu_move: tests/xdp/test_conn_cpu_move.c $(BUILD)/bpf/lb.skel.h \
		$(CORE_LIB_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-field-initializers -o $@ $< $(CORE_LIB_OBJS) $(BPF_LIBS) \
		-lcmocka -lpthread

UNIT_TESTS += $(BUILD)/tests/xdp/test_conn_cpu_move
