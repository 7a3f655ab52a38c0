# bpf/: XDP programs (clang -target bpf) and their libbpf skeletons (bpftool gen skeleton).
BPF_OBJS := $(BUILD)/bpf/lb.bpf.o $(BUILD)/bpf/lb_bench.bpf.o $(BUILD)/bpf/decap.bpf.o \
	$(BUILD)/bpf/macswap.bpf.o $(BUILD)/bpf/xdp_pass.bpf.o
BPF_SKELS := $(BUILD)/bpf/lb.skel.h $(BUILD)/bpf/lb_bench.skel.h $(BUILD)/bpf/decap.skel.h \
	$(BUILD)/bpf/macswap.skel.h
CORE_HDRS := $(wildcard dataplane/core/*.h)

BINS += $(BPF_OBJS) $(BPF_SKELS)

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(CORE_HDRS) $(BPF_CC_STAMP)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# The benchmark build: bpf/lb.bpf.c with bench/lb_bench.bpf.c's entry (the frame restored after
# each test run); built here, beside lb.bpf.o, for bench/ and the tests that load it.
$(BUILD)/bpf/lb_bench.bpf.o: bench/lb_bench.bpf.c bpf/lb.bpf.c $(CORE_HDRS) $(BPF_CC_STAMP)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bpf/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst .,_,$*) > $@
