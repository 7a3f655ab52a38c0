#!/usr/bin/env bash
# dpdk_bench.sh - edgelb-dp's benchmarks (make bench-dpdk; root):
#   1. single core: edgelb-dp's worker loop over pre-built mbufs vs a MAC-swap loop, in cycles
#      per packet (bench/dpdk_bench.c single)
#   2. edgelb-dp (an IP-in-IP VIP, and an L2 DSR VIP), dpdk-testpmd (macswap), a MAC-swap
#      reflector (dpdk_bench reflect) and an encapsulating reflector that decides nothing
#      (dpdk_bench reflect-encap: the floor of any IP-in-IP device here) as the device under
#      test, each on one worker lcore behind a net_memif port, fed by dpdk_bench gen on the
#      other core: established and new flows, 64- and 512-byte frames.
#      The generator is the memif server; the device under test is a zero-copy memif client
#      (memif's zero-copy needs --single-file-segments, which rules out --huge-unlink, hence
#      --in-memory): like a NIC port, its rx and tx cost the device no copy of the frame, so its
#      cycles are its own work. Every frame edgelb-dp returns must be IPv4-in-IPv4 to the VIP
#      (L2 DSR: the frame itself, to the backend's MAC); so must every frame reflect-encap returns.
#      Each phase runs the five devices in turn, $PAIRS rounds (A/B/A/B); figures are medians,
#      ratios the medians of the per-round ratios (bench/dpdk_summary.py):
#        wall-clock Mpps, edgelb-dp vs testpmd (the brief's limit; on a shared 2-vCPU VM this
#        mostly measures the scheduler: both processes poll, other work preempts them)
#        device cycles per packet, edgelb-dp (--record-cycles) vs the reflector (same counting;
#        testpmd reports none over memif): the cost of edgelb's work per packet
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
# shellcheck source=bench/dpdk_memif.sh
source bench/dpdk_memif.sh
DUT_PID=
FEED_PID=
cleanup() {
	[ -n "$DUT_PID" ] && kill "$DUT_PID" 2>/dev/null || true
	[ -n "$FEED_PID" ] && kill "$FEED_PID" 2>/dev/null || true
	memif_cleanup
}
trap cleanup EXIT

write_tables ipip

stop_dut() {
	if [ -n "$FEED_PID" ]; then
		# testpmd leaves on end of input, printing its statistics
		kill "$FEED_PID" 2>/dev/null || true
		wait "$FEED_PID" 2>/dev/null || true
		FEED_PID=
	else
		kill -TERM "$DUT_PID" 2>/dev/null || true
	fi
	for _ in $(seq 50); do kill -0 "$DUT_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$DUT_PID" 2>/dev/null || true
	wait "$DUT_PID" 2>/dev/null || true
	DUT_PID=
}

start_dut() { # $1: edgelb-dp | edgelb-dp-l2dsr | testpmd | reflect | reflect-encap
	case $1 in
	edgelb-dp | edgelb-dp-l2dsr)
		# fresh tables per run: its per-lcore counters then describe this run only
		"$TOOL" unlink "$TABLES"
		if [ "$1" = edgelb-dp ]; then write_tables ipip; else write_tables l2dsr; fi
		"$DP" -l 0,1 --main-lcore 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-dut" \
			--vdev "$DUT_MEMIF" -- --tables "$TABLES" --port 0 \
			--record-cycles >"$WORK/dut.log" 2>&1 &
		DUT_PID=$!
		;;
	testpmd)
		# testpmd without -i waits for a line on stdin; a fifo held open keeps it running
		rm -f "$WORK/feed"
		mkfifo "$WORK/feed"
		sleep 3600 >"$WORK/feed" &
		FEED_PID=$!
		dpdk-testpmd -l 0,1 --main-lcore 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-dut" \
			--vdev "$DUT_MEMIF" -- --forward-mode=macswap \
			--port-topology=loop --nb-cores=1 --auto-start --total-num-mbufs=16384 \
			<"$WORK/feed" >"$WORK/dut.log" 2>&1 &
		DUT_PID=$!
		;;
	reflect | reflect-encap)
		"$BENCH" "$1" -l 1 "${EAL_COMMON[@]}" --file-prefix "$RUN-dut" \
			--vdev "$DUT_MEMIF" >"$WORK/dut.log" 2>&1 &
		DUT_PID=$!
		;;
	esac
}

# Every frame an edgelb-dp or reflect-encap run returned was forwarded as it should be.
check_forwarded() { # $1: dut
	local field what
	case $1 in
	edgelb-dp | reflect-encap) field=6 what="IPv4-in-IPv4 to the VIP" ;;
	edgelb-dp-l2dsr) field=8 what="L2 DSR to the backend's MAC" ;;
	*) return 0 ;;
	esac
	if ! awk -v f=$field '$1 == "RESULT" {
		split($f, a, "="); split($7, b, "="); exit !(b[2] > 0 && a[2] == b[2]) }' \
		"$WORK/gen.out"; then
		cat "$WORK/gen.out"
		echo "FAIL: $1 returned frames that are not $what"
		exit 1
	fi
}

# One phase with one device: generator up, device connects, phase runs, device stops.
run_one() { # $1: dut, $2: phase
	start_gen "$2" "$SECONDS_PER_PHASE"
	start_dut "$1"
	# the phase, its warm-up and the device's start, with a wide margin
	if ! wait_gen_result "$((${SECONDS_PER_PHASE%.*} + 30))"; then
		cat "$WORK/gen.out" "$WORK/dut.log"
		echo "FAIL: $1, $2: the generator got no result"
		exit 1
	fi
	stop_dut # first: the device leaves while the generator still holds the connection
	stop_gen
}

# The device's own cycles per packet, from its exit report (testpmd gives none over memif).
dut_cycles() { # $1: dut
	case $1 in
	edgelb-dp*) # from the table file: its counters outlive the process
		"$DP" --dump-stats --tables "$TABLES" |
			awk '$3 ~ /^[0-9]+$/ && $4 > 0 { print $NF }' | tail -1 ;;
	reflect*) sed -n 's/.*cycles_per_packet=\([0-9.]*\).*/\1/p' "$WORK/dut.log" | tail -1 ;;
	*) echo 0 ;;
	esac
}

echo "single core (worker loop over pre-built mbufs vs MAC swap, one core):"
"$BENCH" single -l 1 "${EAL_COMMON[@]}" --file-prefix "$RUN-single"

PHASES=(established_64 new_flow_64 established_512 new_flow_512)
: >"$WORK/results"
for pair in $(seq "$PAIRS"); do
	for phase in "${PHASES[@]}"; do
		for dut in edgelb-dp edgelb-dp-l2dsr testpmd reflect reflect-encap; do
			run_one $dut "$phase"
			check_forwarded $dut
			cycles=$(dut_cycles $dut)
			awk -v p="$pair" -v d="$dut" -v c="${cycles:-0}" '$1 == "RESULT" {
				split($3, a, "="); split($5, h, "="); print p, d, $2, a[2], h[2], c }' \
				"$WORK/gen.out" >>"$WORK/results"
		done
	done
	echo "pair $pair done"
done

# Per phase: medians over the pairs. Wall-clock Mpps of the whole chain (generator + device),
# edgelb-dp against testpmd macswap, ratio = median of the per-pair ratios. Cycles per packet of
# the device itself (TSC cycles of polls that received packets / packets): edgelb-dp against the
# MAC-swap reflector with the same accounting; Mpps per worker lcore = TSC Hz / those cycles.
python3 bench/dpdk_summary.py "$WORK/results"
