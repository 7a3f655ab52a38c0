# control/fastpath/fastpath.mk - edgelbd's fast path behind one interface (fastpath.h), XDP
# (libbpf, the lb.bpf.o skeleton) or DPDK (edgelb-dp's table file; no DPDK library needed):
# $(BUILD)/control/fastpath.a. It writes the tables through control/fastpath/lbtables*.o, which a program
# links beside it, and control/lib.a.
FASTPATH_OBJS := $(BUILD)/control/fastpath/fastpath.o $(BUILD)/control/fastpath/xdp_attach.o \
	$(BUILD)/control/fastpath/dpdk_attach.o

# xdp_attach.c includes the generated skeleton
$(BUILD)/control/fastpath/xdp_attach.o: $(BUILD)/bpf/lb.skel.h

$(BUILD)/control/fastpath.a: $(FASTPATH_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Unit test of the DPDK attach (table file create/adopt/lock, worker slots, interfaces): the
# fast path module and what it writes with, nothing of the daemon.
DPDK_ATTACH_TEST := $(BUILD)/tests/unit/test_dpdk_attach
$(DPDK_ATTACH_TEST): $(BUILD)/tests/unit/test_dpdk_attach.o $(BUILD)/control/fastpath.a \
		$(BUILD)/control/fastpath/lbtables_shm.o $(BUILD)/control/fastpath/lbtables_bpf.o \
		$(BUILD)/control/fastpath/lbtables.o $(BUILD)/control/lib.a
	$(CC) $(CFLAGS) $^ -o $@ $(LIBBPF_LIBS) -lmnl -lcmocka
UNIT_TESTS += $(DPDK_ATTACH_TEST)
