# bench/plots.mk - `make bench`'s results log and charts. run-bench (the Makefile names its
# prerequisites) runs every benchmark in $(BENCHES) in turn, its output streamed and kept in
# $(BENCH_LOG), then draws the charts of that run into $(BENCH_PLOTS) (bench/plot.sh, gnuplot).
# Without gnuplot the charts are skipped, never the benchmarks' result.
#   make bench-plots [RESULTS=FILE] [PLOTS=DIR]   charts of a results file (default: the last run's)
# No $(shell) here: this is read before the packages are installed.

BENCH_LOG   := $(BUILD)/bench/bench.log
BENCH_PLOTS := $(BUILD)/bench/plots
RESULTS     ?= $(BENCH_LOG)
PLOTS       ?= $(BENCH_PLOTS)

.PHONY: bench-plots
# The RUN line names the run in the charts' titles. A failing benchmark stops the loop; the charts
# of what ran are still drawn, and make bench then fails with the benchmark's status.
run-bench:
	@mkdir -p $(dir $(BENCH_LOG))
	@bash -o pipefail -c '{ \
		c=$$(git rev-parse --short HEAD 2>/dev/null) && { git diff --quiet HEAD || c=$$c-modified; } || c=unknown; \
		echo "RUN commit=$$c date=$$(date -u +%Y-%m-%dT%H:%MZ)"; \
		for b in $(BENCHES); do $(MAKE) --no-print-directory "$$b" || exit; done; \
	} 2>&1 | tee $(BENCH_LOG)'; rc=$$?; \
	echo "benchmark output: $(BENCH_LOG)"; \
	bash bench/plot.sh $(BENCH_LOG) $(BENCH_PLOTS) >/dev/null && echo "charts: $(BENCH_PLOTS)/" || \
		echo "charts skipped"; \
	exit $$rc

bench-plots:
	@bash bench/plot.sh $(RESULTS) $(PLOTS)
