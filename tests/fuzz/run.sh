#!/usr/bin/env bash
# run.sh - run the fuzz harnesses (tests/fuzz/fuzz.mk): each first over every seed once (any
# crash or invariant violation fails), then fuzzing for SECONDS, its new inputs kept in CORPUS/h
# (the committed seeds are read, never written). Fails if any harness found anything; what it
# found is in CORPUS/h-crash-* (the input) and the output above.
#
#   tests/fuzz/run.sh BUILD SECONDS CORPUS HARNESS...
#
# The harnesses: core, bgp, xdp_diff (the last needs root and bpffs, like the XDP tests).
set -u
build=$1 seconds=$2 corpus=$3
shift 3
failed=0
for h in "$@"; do
	bin=$build/tests/fuzz/fuzz_$h
	seeds=tests/fuzz/corpus/$h
	[ "$h" = xdp_diff ] && seeds=tests/fuzz/corpus/core # the same scripts as fuzz_core's
	if [ ! -x "$bin" ]; then
		echo "FAIL: $bin not built (make BUILD=$build fuzz-build)" >&2
		failed=1
		continue
	fi
	mkdir -p "$corpus/$h"
	log=$corpus/$h.log
	echo "=== fuzz_$h: every seed of $seeds, then $seconds s"
	if ! "$bin" -runs=0 "$seeds" >"$log" 2>&1; then
		tail -n 40 "$log"
		echo "FAIL: fuzz_$h: a seed of $seeds fails (log: $log)"
		failed=1
		continue
	fi
	grep -E '^Done' "$log"
	if [ "$seconds" -gt 0 ]; then
		if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 -timeout=10 \
			-artifact_prefix="$corpus/$h-" "$corpus/$h" "$seeds" >"$log" 2>&1; then
			tail -n 40 "$log"
			echo "FAIL: fuzz_$h found something (input: $corpus/$h-*, log: $log)"
			failed=1
			continue
		fi
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added)' \
			"$log"
	fi
	echo "ok: fuzz_$h"
done
exit $failed
