# bench/maglev.mk - `make bench-maglev`: build time, disruption and balance of the Maglev ring
# builder against a textbook baseline (bench/maglev_bench.c).

MAGLEV_BENCH := $(BUILD)/bench/maglev_bench
BENCHES += bench-maglev

.PHONY: bench-maglev
$(MAGLEV_BENCH): $(BUILD)/bench/maglev_bench.o $(BUILD)/control/maglev/maglev.o
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $^ -o $@

bench-maglev: $(MAGLEV_BENCH)
	./$(MAGLEV_BENCH)
