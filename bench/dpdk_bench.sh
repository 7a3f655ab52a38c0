#!/usr/bin/env bash
# dpdk_bench.sh - edgelb-dp's benchmarks (make bench-dpdk; root):
#   1. single core: edgelb-dp's worker loop over pre-built mbufs vs a MAC-swap loop, in cycles
#      per packet (bench/dpdk_bench.c single)
#   2. edgelb-dp vs dpdk-testpmd (macswap) as the device under test, each on one worker lcore
#      behind a net_memif port, fed by bench/dpdk_bench.c gen on the other core: established and
#      new flows, 64- and 512-byte frames. Runs alternate A/B/A/B ($PAIRS pairs); the figures are
#      medians, the ratio the median of the per-pair ratios.
# Prints BENCH lines (value = edgelb-dp, baseline = testpmd in the same run) and a summary table.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS=${PAIRS:-5}
SECONDS_PER_PHASE=${SECONDS_PER_PHASE:-1.5}
BENCH=build/bench/dpdk_bench
DP=build/edgelb-dp
TOOL=build/tests/dpdk/dp_tables_tool
for f in "$BENCH" "$DP" "$TOOL"; do [ -x "$f" ] || { echo "missing $f (run make)"; exit 1; }; done
command -v dpdk-testpmd >/dev/null || { echo "missing dpdk-testpmd (package dpdk)"; exit 1; }

bash scripts/hugepages.sh 1024 >/dev/null

RUN=elb-dpbench-$$
TABLES=/dev/shm/$RUN-tables
SOCK=/tmp/$RUN.sock
WORK=$(mktemp -d /tmp/$RUN.XXXXXX)
DUT_PID=
FEED_PID=
cleanup() {
	[ -n "$DUT_PID" ] && kill "$DUT_PID" 2>/dev/null || true
	[ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null || true
	"$TOOL" unlink "$TABLES" || true
	rm -rf "$WORK" "$SOCK" /var/run/dpdk/$RUN-*
	rm -f /dev/hugepages/$RUN-* 2>/dev/null || true
}
trap cleanup EXIT

EAL_COMMON=(-m 512 --no-pci --no-telemetry --huge-unlink --log-level '*:error')
MEMIF="socket=$SOCK,socket-abstract=no"

# VIP 10.99.1.1:80 over 16 backends; nothing leaves the memif pair
"$TOOL" write "$TABLES" 02:00:00:00:00:01 10.99.1.1 80 10.99.0.2 02:00:00:00:00:fe 16

stop_dut() {
	kill -TERM "$DUT_PID" 2>/dev/null || true
	for _ in $(seq 50); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$DUT_PID" 2>/dev/null || true
	wait "$DUT_PID" 2>/dev/null || true
	DUT_PID=
	if [ -n "$FEED_PID" ]; then kill "$FEED_PID" 2>/dev/null || true; wait "$FEED_PID" 2>/dev/null || true; FEED_PID=; fi
	rm -f "$SOCK"
}

start_dut() { # $1: edgelb-dp | testpmd
	rm -f "$SOCK"
	if [ "$1" = edgelb-dp ]; then
		"$DP" -l 0,1 --main-lcore 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-dut" \
			--vdev "net_memif0,role=server,$MEMIF" -- --tables "$TABLES" --port 0 \
			>"$WORK/dut.log" 2>&1 &
		DUT_PID=$!
	else
		# testpmd without -i waits for a line on stdin; a fifo held open keeps it running
		rm -f "$WORK/feed"
		mkfifo "$WORK/feed"
		sleep 3600 >"$WORK/feed" &
		FEED_PID=$!
		dpdk-testpmd -l 0,1 --main-lcore 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-dut" \
			--vdev "net_memif0,role=server,$MEMIF" -- --forward-mode=macswap \
			--port-topology=loop --nb-cores=1 --auto-start --total-num-mbufs=16384 \
			<"$WORK/feed" >"$WORK/dut.log" 2>&1 &
		DUT_PID=$!
	fi
	for _ in $(seq 100); do [ -S "$SOCK" ] && return 0; sleep 0.1; done
	cat "$WORK/dut.log"
	echo "FAIL: $1 did not open its memif socket"
	exit 1
}

run_gen() { # $1: label; appends "label phase rx_pps tsc_hz" lines to $WORK/results
	"$BENCH" gen -l 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-gen" \
		--vdev "net_memif0,role=client,$MEMIF" -- --vip 10.99.1.1 --vport 80 \
		--dst-mac 02:00:00:00:00:01 --seconds "$SECONDS_PER_PHASE" >"$WORK/gen.out"
	awk -v l="$1" '$1 == "RESULT" { split($3, a, "="); split($5, h, "=");
		print l, $2, a[2], h[2] }' "$WORK/gen.out" >>"$WORK/results"
}

echo "single core (worker loop over pre-built mbufs vs MAC swap, one core):"
"$BENCH" single -l 1 "${EAL_COMMON[@]}" --file-prefix "$RUN-single" | tee "$WORK/single.out"

: >"$WORK/results"
for pair in $(seq "$PAIRS"); do
	for dut in edgelb-dp testpmd; do
		start_dut $dut
		run_gen "$pair:$dut"
		stop_dut
	done
	echo "pair $pair done"
done

# Medians per phase and DUT, median of per-pair ratios; Mpps per worker lcore (one worker each);
# cycles per packet = TSC Hz / packet rate (the worker polls its core busy all the time).
python3 - "$WORK/results" <<'EOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
data = {}
hz = 0
for label, phase, pps, tsc in rows:
    pair, dut = label.split(":")
    data.setdefault(phase, {}).setdefault(dut, {})[pair] = float(pps)
    hz = float(tsc)
names = {"established_64": "dpdk_established", "new_flow_64": "dpdk_new_flow",
         "established_512": "dpdk_established_512", "new_flow_512": "dpdk_new_flow_512"}
print("%-18s %12s %12s %10s %10s %8s" % ("phase", "edgelb Mpps", "testpmd Mpps", "edgelb c/p",
                                          "testpmd c/p", "ratio"))
for phase, name in names.items():
    d = data.get(phase, {})
    e, t = d.get("edgelb-dp", {}), d.get("testpmd", {})
    pairs = sorted(set(e) & set(t))
    if not pairs:
        continue
    me = statistics.median(e[p] for p in pairs) / 1e6
    mt = statistics.median(t[p] for p in pairs) / 1e6
    ratio = statistics.median(e[p] / t[p] for p in pairs if t[p] > 0)
    print("%-18s %12.3f %12.3f %10.0f %10.0f %8.3f" % (phase, me, mt, hz / (me * 1e6),
                                                     hz / (mt * 1e6), ratio))
    print("BENCH %s value=%.3f unit=mpps baseline=%.3f ratio=%.3f" % (name, me, mt, ratio))
    print("BENCH %s_cycles value=%.0f unit=cycles baseline=%.0f ratio=%.3f" % (
        name, hz / (me * 1e6), hz / (mt * 1e6), (hz / (me * 1e6)) / (hz / (mt * 1e6))))
EOF
