# bench/dpdk.mk - edgelb-dp's benchmarks: `make bench-dpdk` (root, hugepages set up by the
# script) runs the single-core worker loop against a MAC-swap loop over the same mbufs, and
# edgelb-dp against dpdk-testpmd (macswap) behind a net_memif load generator, A/B/A/B.
# Results: docs/benchmarks.md, DPDK section.
$(BUILD)/bench/dpdk_%.o: bench/dpdk_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DPDK_CFLAGS) -MMD -MP -c $< -o $@

# (this file is read before dataplane/dpdk/dpdk.mk: name the objects, not its variables)
DPDK_BENCH_OBJS := $(BUILD)/bench/dpdk_bench.o $(BUILD)/dataplane/dpdk/dp_worker.o \
	$(BUILD)/dataplane/dpdk/dp_port.o $(BUILD)/control/fastpath/lbtables_shm.o $(BUILD)/control/fastpath/lbtables.o

$(BUILD)/bench/dpdk_bench: $(DPDK_BENCH_OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS)

.PHONY: bench-dpdk
bench-dpdk: $(BUILD)/bench/dpdk_bench $(BUILD)/edgelb-dp $(BUILD)/tests/dpdk/dp_tables_tool
	bash bench/dpdk_bench.sh

BENCHES += bench-dpdk

# bench/dpdk_ab.sh: two trees' edgelb-dp workers in one process, taking turns on one port.
# The plug-in of tree AB_TREE (its headers first, then ours for bench/dpdk_ab_worker.c):
#   make dpdk-ab-plugin AB_TREE=DIR AB_OUT=FILE.so
# (the table writers are in control/fastpath/ since the control/ reorganisation, in control/
# before it)
ab_src = $(firstword $(wildcard $(AB_TREE)/control/fastpath/$(1) $(AB_TREE)/control/$(1)))
.PHONY: dpdk-ab-plugin
dpdk-ab-plugin:
	@test -n "$(AB_TREE)" -a -n "$(AB_OUT)" || \
		{ echo "usage: make dpdk-ab-plugin AB_TREE=DIR AB_OUT=FILE.so"; exit 2; }
	$(CC) -I$(AB_TREE) $(CFLAGS) $(DPDK_CFLAGS) -fPIC -shared -Wl,-Bsymbolic \
		-o $(AB_OUT) bench/dpdk_ab_worker.c $(AB_TREE)/dataplane/dpdk/dp_worker.c \
		$(call ab_src,lbtables_shm.c) $(call ab_src,lbtables.c) $(DPDK_LIBS)

$(BUILD)/bench/dpdk_ab: $(BUILD)/bench/dpdk_ab.o $(BUILD)/dataplane/dpdk/dp_port.o
	$(CC) $(CFLAGS) -o $@ $^ $(DPDK_LIBS) -ldl
