# bench/failover.mk - `make bench-failover`: edgelbd's failover path. Part 1 (failover_swap.c):
# Maglev build + ring swap for M = 65537 against a memcpy of the ring. Part 2 (failover.sh):
# the lab1 topology, a backend killed 20 times, time from its death to its ring update, against
# the configured detection budget (interval x fall), and verdict -> ring installed against 1 ms.

FAILOVER_SWAP := $(BUILD)/bench/failover_swap

$(FAILOVER_SWAP): bench/failover_swap.c $(BUILD)/bpf/lb.skel.h $(BUILD)/control/fastpath/lbtables.o \
		$(BUILD)/control/fastpath/lbtables_bpf.o $(BUILD)/control/maglev/maglev.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) bench/failover_swap.c $(BUILD)/control/fastpath/lbtables.o \
		$(BUILD)/control/fastpath/lbtables_bpf.o $(BUILD)/control/maglev/maglev.o -o $@ \
		$(LIBBPF_LIBS)

.PHONY: bench-failover
bench-failover: $(FAILOVER_SWAP) $(BUILD)/edgelbd $(BUILD)/edgelbctl $(BUILD)/edgelb-testbackend \
		$(BUILD)/edgelb-sseclient $(BUILD)/bpf/decap.bpf.o
	$(FAILOVER_SWAP)
	bash bench/failover.sh

BENCHES += bench-failover
