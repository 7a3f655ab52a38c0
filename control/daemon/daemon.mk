# control/daemon/daemon.mk - edgelbd, the control daemon: its runtime ($(BUILD)/control/daemon.a:
# reconcile, adoption, reload, lifecycle, admin actions, sd_notify and the BGP glue), the entry
# point control/edgelbd.c, and the daemon's unit and integration tests. edgelbd links the API and
# metrics (libmicrohttpd), the BGP speaker, the fast path (libbpf for XDP; edgelb-dp's table
# file for DPDK, no DPDK library needed) and its table writers, the health checker, the config
# loader (libconfig), the Maglev builder, control/lib (libmnl for neighbours), jemalloc (its
# allocator) and libsystemd (sd_notify). Archives go in dependency order, users first.

DAEMON_OBJS := $(BUILD)/control/daemon/admin.o $(BUILD)/control/daemon/adopt.o \
	$(BUILD)/control/daemon/announce.o $(BUILD)/control/daemon/lifecycle.o \
	$(BUILD)/control/daemon/notify.o $(BUILD)/control/daemon/reconcile.o \
	$(BUILD)/control/daemon/reload.o $(BUILD)/control/daemon/vips.o

$(BUILD)/control/daemon.a: $(DAEMON_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# The runtime and what it needs.
DAEMON_DEPS := $(BUILD)/control/daemon.a $(BUILD)/control/bgp.a $(BUILD)/control/fastpath.a \
	$(BUILD)/control/fastpath/lbtables.o $(BUILD)/control/fastpath/lbtables_bpf.o $(BUILD)/control/fastpath/lbtables_shm.o \
	$(BUILD)/control/health.a $(BUILD)/control/conf.a $(BUILD)/control/maglev.a \
	$(BUILD)/control/lib.a
DAEMON_LIBS = $(LIBBPF_LIBS) -lconfig -lmnl -lmicrohttpd -ljemalloc $(LIBSYSTEMD_LIBS)

EDGELBD := $(BUILD)/edgelbd

$(EDGELBD): $(BUILD)/control/edgelbd.o $(BUILD)/control/api.a $(DAEMON_DEPS)
	$(CC) $(CFLAGS) $^ -o $@ $(DAEMON_LIBS)

BINS += $(EDGELBD)
INTEG_TESTS += tests/integration/test_edgelbd_lab.sh tests/integration/test_edgelbd_ipv6.sh
# the anycast lab (scripts/lab.sh) with BIRD 2: BGP, ECMP, failover between regions, drain
INTEG_TESTS += tests/integration/test_lab_anycast.sh tests/integration/test_lab_restart.sh
# forwarding = "dpdk": edgelbd writing the table file of a real edgelb-dp (af_packet + TAP)
INTEG_TESTS += tests/integration/test_edgelbd_dpdk.sh
# the anycast lab with lbA2 on DPDK (LAB_DPDK=1): BGP through the exception path, XDP/DPDK ECMP
INTEG_TESTS += tests/integration/test_lab_dpdk.sh

# Unit test of the reconcile logic and write order against a recording table writer.
RECONCILE_TEST := $(BUILD)/tests/unit/test_daemon_reconcile
$(RECONCILE_TEST): $(BUILD)/tests/unit/test_daemon_reconcile.o $(DAEMON_DEPS)
	$(CC) $(CFLAGS) $^ -o $@ $(DAEMON_LIBS) -lcmocka
UNIT_TESTS += $(RECONCILE_TEST)

# Unit test of the BGP glue (announce.c): policy from VIP health, hold-down, drain, and the API's
# answers about it; no network.
ANNOUNCE_TEST := $(BUILD)/tests/unit/test_announce
$(ANNOUNCE_TEST): $(BUILD)/tests/unit/test_announce.o $(BUILD)/control/api.a $(DAEMON_DEPS)
	$(CC) $(CFLAGS) $^ -o $@ $(DAEMON_LIBS) -lcmocka
UNIT_TESTS += $(ANNOUNCE_TEST)
