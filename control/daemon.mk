# control/daemon.mk - edgelbd, the control daemon, and its integration tests. edgelbd links the
# config loader, health checker, Maglev builder, table writers (BPF maps for XDP; edgelb-dp's
# table file for DPDK, no DPDK library needed), libbpf, libmnl (neighbours), libmicrohttpd
# (metrics), jemalloc (its allocator), libsystemd (sd_notify) and the BGP speaker (control/bgp,
# glued in by control/announce.c).

EDGELBD := $(BUILD)/edgelbd

EDGELBD_OBJS := $(BUILD)/control/edgelbd.o $(BUILD)/control/daemon.o \
	$(BUILD)/control/xdp_attach.o $(BUILD)/control/api.o \
	$(BUILD)/control/metrics.o $(BUILD)/control/config.o $(BUILD)/control/health.o \
	$(BUILD)/control/maglev.o $(BUILD)/control/lbtables.o \
	$(BUILD)/control/lbtables_bpf.o $(BUILD)/control/announce.o \
	$(BUILD)/control/dpdk_attach.o $(BUILD)/control/lbtables_shm.o $(BUILD)/control/ring_cache.o \
	$(BUILD)/control/bgp/msg.o $(BUILD)/control/bgp/speaker.o $(BUILD)/control/bgp/sock.o \
	$(BUILD)/control/bgp/policy.o $(BUILD)/control/lib.a
EDGELBD_LIBS = $(LIBBPF_LIBS) \
	-lconfig -lmnl -lmicrohttpd -ljemalloc $(LIBSYSTEMD_LIBS)

# xdp_attach.c includes the generated skeleton
$(BUILD)/control/xdp_attach.o: $(BUILD)/bpf/lb.skel.h

$(EDGELBD): $(EDGELBD_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(EDGELBD_LIBS)

BINS += $(EDGELBD)
INTEG_TESTS += tests/integration/test_edgelbd_lab.sh tests/integration/test_edgelbd_ipv6.sh
# the anycast lab (scripts/lab.sh) with BIRD 2: BGP, ECMP, failover between regions, drain
INTEG_TESTS += tests/integration/test_lab_anycast.sh tests/integration/test_lab_restart.sh
# forwarding = "dpdk": edgelbd writing the table file of a real edgelb-dp (af_packet + TAP)
INTEG_TESTS += tests/integration/test_edgelbd_dpdk.sh
# the anycast lab with lbA2 on DPDK (LAB_DPDK=1): BGP through the exception path, XDP/DPDK ECMP
INTEG_TESTS += tests/integration/test_lab_dpdk.sh

# Unit test of the API answers and metrics text on a daemon without fast path (no root needed).
API_TEST := $(BUILD)/tests/unit/test_api_protocol
$(API_TEST): $(BUILD)/tests/unit/test_api_protocol.o $(filter-out $(BUILD)/control/edgelbd.o,$(EDGELBD_OBJS))
	$(CC) $(CFLAGS) $^ -o $@ $(EDGELBD_LIBS) -lcmocka
UNIT_TESTS += $(API_TEST)

# Unit test of the reconcile logic and write order against a recording table writer.
RECONCILE_TEST := $(BUILD)/tests/unit/test_daemon_reconcile
$(RECONCILE_TEST): $(BUILD)/tests/unit/test_daemon_reconcile.o \
		$(filter-out $(BUILD)/control/edgelbd.o,$(EDGELBD_OBJS))
	$(CC) $(CFLAGS) $^ -o $@ $(EDGELBD_LIBS) -lcmocka
UNIT_TESTS += $(RECONCILE_TEST)

# Unit test of the BGP glue (announce.c): policy from VIP health, hold-down, drain; no network.
ANNOUNCE_TEST := $(BUILD)/tests/unit/test_announce
$(ANNOUNCE_TEST): $(BUILD)/tests/unit/test_announce.o \
		$(filter-out $(BUILD)/control/edgelbd.o,$(EDGELBD_OBJS))
	$(CC) $(CFLAGS) $^ -o $@ $(EDGELBD_LIBS) -lcmocka
UNIT_TESTS += $(ANNOUNCE_TEST)

# Unit test of the DPDK attach (table file create/adopt/lock, worker slots, interfaces).
DPDK_ATTACH_TEST := $(BUILD)/tests/unit/test_dpdk_attach
$(DPDK_ATTACH_TEST): $(BUILD)/tests/unit/test_dpdk_attach.o $(BUILD)/control/dpdk_attach.o \
		$(BUILD)/control/lbtables_shm.o $(BUILD)/control/lbtables.o $(BUILD)/control/lib.a
	$(CC) $(CFLAGS) $^ -o $@ -lcmocka -lmnl
UNIT_TESTS += $(DPDK_ATTACH_TEST)
