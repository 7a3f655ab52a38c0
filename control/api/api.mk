# control/api/api.mk - edgelbd's local API for edgelbctl (unix socket) and its Prometheus metrics
# (libmicrohttpd): $(BUILD)/control/api.a. Both render the daemon's runtime
# (control/daemon/daemon.h).
API_OBJS := $(BUILD)/control/api/api.o $(BUILD)/control/api/metrics.o

$(BUILD)/control/api.a: $(API_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# Unit test of the API answers and metrics text on a daemon without fast path (no root needed):
# the API over the daemon's runtime and what that needs (named here, not taken from
# control/daemon/daemon.mk's DAEMON_DEPS: fragments are read in name order, this one first).
API_TEST := $(BUILD)/tests/unit/test_api_protocol
$(API_TEST): $(BUILD)/tests/unit/test_api_protocol.o $(BUILD)/control/api.a \
		$(BUILD)/control/daemon.a $(BUILD)/control/bgp.a $(BUILD)/control/fastpath.a \
		$(BUILD)/control/fastpath/lbtables.o $(BUILD)/control/fastpath/lbtables_bpf.o \
		$(BUILD)/control/fastpath/lbtables_shm.o $(BUILD)/control/health.a $(BUILD)/control/conf.a \
		$(BUILD)/control/maglev.a $(BUILD)/control/lib.a
	$(CC) $(CFLAGS) $^ -o $@ $(DAEMON_LIBS) -lcmocka
UNIT_TESTS += $(API_TEST)
