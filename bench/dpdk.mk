# bench/dpdk.mk - edgelb-dp's benchmarks: `make bench-dpdk` (root, hugepages set up by the
# script) runs the single-core worker loop against a MAC-swap loop over the same mbufs, and
# edgelb-dp against dpdk-testpmd (macswap) behind a net_memif load generator, A/B/A/B.
# Results: docs/benchmarks.md, DPDK section.
$(BUILD)/bench/dpdk_%.o: bench/dpdk_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -MMD -MP -c $< -o $@

# (this file is read before dataplane/dpdk/dpdk.mk: name the objects, not its variables)
DPDK_BENCH_OBJS := $(BUILD)/bench/dpdk_bench.o $(BUILD)/dataplane/dpdk/dp_worker.o \
	$(BUILD)/dataplane/dpdk/dp_port.o $(BUILD)/control/lbtables_shm.o $(BUILD)/control/lbtables.o

$(BUILD)/bench/dpdk_bench: $(DPDK_BENCH_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS)

.PHONY: bench-dpdk
bench-dpdk: $(BUILD)/bench/dpdk_bench $(BUILD)/edgelb-dp $(BUILD)/tests/dpdk/dp_tables_tool
	bash bench/dpdk_bench.sh

BENCHES += bench-dpdk
