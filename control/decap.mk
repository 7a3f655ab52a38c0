# control/decap.mk - edgelb-decap, the backend-side decapsulation loader (libbpf; libsystemd for
# sd_notify).
$(BUILD)/edgelb-decap: control/edgelb_decap.c $(BUILD)/bpf/decap.skel.h
	$(CC) $(CFLAGS) -o $@ $< $(LIBBPF_LIBS) $(LIBSYSTEMD_LIBS)
BINS += $(BUILD)/edgelb-decap
