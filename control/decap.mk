# control/decap.mk - edgelb-decap, the backend-side decapsulation loader.
$(BUILD)/edgelb-decap: control/edgelb_decap.c $(BUILD)/bpf/decap.skel.h
	$(CC) $(CFLAGS) -o $@ $< $(shell pkg-config --libs libbpf)
BINS += $(BUILD)/edgelb-decap
