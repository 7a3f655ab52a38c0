# bench/xdp.mk - the XDP benchmarks: `make bench-xdp` (root) runs the BPF_PROG_TEST_RUN
# per-packet cost (bench/xdp_testrun.c) and the live veth chain (bench/xdp_live.sh), each against
# the MAC-swap baseline in the same run. See bench/README.md, results in docs/benchmarks.md.
XDP_BENCH_LIBS = $(BUILD)/libedgelb-tables.a \
	$(LIBBPF_LIBS)
XDP_BENCH_BPF := $(BUILD)/bench/xdp_gen.bpf.o $(BUILD)/bench/xdp_sink.bpf.o
.SECONDARY: $(XDP_BENCH_BPF)

$(BUILD)/bench/xdp_testrun.o: $(BUILD)/bpf/lb_bench.skel.h $(BUILD)/bpf/macswap.skel.h
$(BUILD)/bench/xdp_live.o: $(BUILD)/bpf/lb.skel.h $(BUILD)/bpf/macswap.skel.h \
	$(BUILD)/bench/xdp_gen.skel.h $(BUILD)/bench/xdp_sink.skel.h

$(BUILD)/bench/xdp_%.bpf.o: bench/xdp_%.bpf.c $(BPF_CC_STAMP)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/xdp_%.skel.h: $(BUILD)/bench/xdp_%.bpf.o
	$(BPFTOOL) gen skeleton $< name xdp_$* > $@

$(BUILD)/bench/xdp_testrun: $(BUILD)/bench/xdp_testrun.o $(BUILD)/bench/xdp_common.o \
		$(BUILD)/control/maglev/maglev.o $(BUILD)/libedgelb-tables.a
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(XDP_BENCH_LIBS)

$(BUILD)/bench/xdp_live: $(BUILD)/bench/xdp_live.o $(BUILD)/bench/xdp_common.o \
		$(BUILD)/control/maglev/maglev.o $(BUILD)/libedgelb-tables.a
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(XDP_BENCH_LIBS)

# Direct A/B of two lb_bench.bpf.o builds, for deciding about a change (not part of bench-xdp):
#   build/bench/xdp_ab OLD.bpf.o NEW.bpf.o [--case established] [--rounds 300]
$(BUILD)/bench/xdp_ab: $(BUILD)/bench/xdp_ab.o $(BUILD)/bench/xdp_common.o \
		$(BUILD)/control/maglev/maglev.o $(BUILD)/libedgelb-tables.a
	$(CC) $(CFLAGS) -o $@ $(filter %.o,$^) $(XDP_BENCH_LIBS)

$(BUILD)/bench/xdp_jitmap: bench/xdp_jitmap.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(XDP_BENCH_LIBS)

.PHONY: bench-xdp bench-xdp-testrun bench-xdp-live bench-xdp-profile
bench-xdp: bench-xdp-testrun bench-xdp-live

# Output also kept in build/bench/*.txt, for docs/benchmarks.md.
bench-xdp-testrun: $(BUILD)/bench/xdp_testrun
	bash -o pipefail -c '$(BUILD)/bench/xdp_testrun | tee $(BUILD)/bench/xdp_testrun.txt'

bench-xdp-live: $(BUILD)/bench/xdp_live
	bash -o pipefail -c 'bash bench/xdp_live.sh $(BUILD)/bench/xdp_live | tee $(BUILD)/bench/xdp_live.txt'

# Where edgelb's per-packet time goes: `make bench-xdp-profile XDP_PROFILE_CASE=xdp_new_flow` (perf).
XDP_PROFILE_CASE ?= xdp_established
bench-xdp-profile: $(BUILD)/bench/xdp_testrun $(BUILD)/bench/xdp_jitmap
	bash bench/xdp_profile.sh $(BUILD)/bench $(XDP_PROFILE_CASE)

BENCHES += bench-xdp
