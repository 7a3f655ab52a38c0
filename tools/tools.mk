# tools/tools.mk - the operator's programs beside the daemon: edgelbctl (edgelbd's CLI over its
# unix socket; it reads the config only to find the socket) and edgelb-decap (runs on each backend:
# loads the IP-in-IP decapsulation program; libbpf, libsystemd for sd_notify).
EDGELBCTL := $(BUILD)/edgelbctl

$(EDGELBCTL): $(BUILD)/tools/edgelbctl.o $(BUILD)/control/conf.a
	$(CC) $(CFLAGS) $^ -o $@ -lconfig

$(BUILD)/edgelb-decap: tools/edgelb_decap.c $(BUILD)/bpf/decap.skel.h
	$(CC) $(CFLAGS) -o $@ $< $(LIBBPF_LIBS) $(LIBSYSTEMD_LIBS)

BINS += $(EDGELBCTL) $(BUILD)/edgelb-decap
