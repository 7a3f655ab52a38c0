#!/usr/bin/env bash
# failover.sh - `make bench-failover`, part 2: on the lab1 topology (tests/lab1/lab1.sh), kill
# backend b1 20 times and measure
#   failover_ring_update       backend death (SIGKILL) -> edgelbd marks it down, after the ring
#                              without it is installed (edgelbd's log, ms resolution); baseline:
#                              the detection budget, interval x fall of the lab config
#   failover_verdict_to_ring   health verdict -> ring installed (edgelbd's own measurement,
#                              edgelbctl status last_ring_update_us); baseline: the 1 ms target
# Medians of 20. Each run also prints its timeline, ms since the kill, for bench/plot.sh:
#   TIMELINE failover verdict run=<n> ms=<m>          edgelbd logs b1's health DOWN verdict
#   TIMELINE failover ring_installed run=<n> ms=<m>   the verdict plus last_ring_update_us
# Only namespaces this run creates are used.
set -u
cd "$(dirname "$0")/.."
source scripts/lib/netns.sh
source tests/lab1/lab1.sh
RUNS=${RUNS:-20}
INTERVAL_MS=200
FALL=2

die() { echo "bench-failover: $*" >&2; [ -f "${LAB_WORK:-}/edgelbd.log" ] && tail -5 "$LAB_WORK/edgelbd.log" >&2; exit 1; }

lab1_init benchfo || die "lab init"
lab1_up || die "lab topology"
lab1_write_config "$LAB_WORK/lab1.conf"
LOG=$LAB_WORK/edgelbd.log
lab1_start_edgelbd "$LAB_WORK/lab1.conf" "$LOG" || die "edgelbd did not start"
lab1_wait_in_ring 3 10 || die "backends not up"

deaths=()
verdicts=()
# us_since LOGLINE T0: microseconds from T0 (epoch seconds) to the log line's timestamp
us_since() {
	$PYTHON -c 'import sys,datetime as d; t=d.datetime.strptime(sys.argv[1][:23],"%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=d.timezone.utc).timestamp(); print(round((t-float(sys.argv[2]))*1e6))' "$1" "$2"
}
for ((i = 0; i < RUNS; i++)); do
	downs_before=$(grep -c 'backend b1 (vip web): table state up -> down' "$LOG")
	verdicts_before=$(grep -c 'backend b1 (vip web) health DOWN' "$LOG")
	t0=$(date +%s.%N)
	{ kill -9 "${LAB_BACKEND_PID[b1]}"; wait "${LAB_BACKEND_PID[b1]}"; } 2>/dev/null
	for _ in $(seq 200); do
		[ "$(grep -c 'backend b1 (vip web): table state up -> down' "$LOG")" -gt "$downs_before" ] && break
		sleep 0.01
	done
	line=$(grep 'backend b1 (vip web): table state up -> down' "$LOG" | tail -n1)
	[ "$(grep -c 'backend b1 (vip web): table state up -> down' "$LOG")" -gt "$downs_before" ] ||
		die "run $i: b1 never marked down"
	deaths+=("$(us_since "$line" "$t0")")
	verdicts+=("$(ctl --json status | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["last_ring_update_us"])')")
	[ "$(grep -c 'backend b1 (vip web) health DOWN' "$LOG")" -gt "$verdicts_before" ] ||
		die "run $i: no health verdict for b1 in the log"
	verdict_us=$(us_since "$(grep 'backend b1 (vip web) health DOWN' "$LOG" | tail -n1)" "$t0")
	awk -v i=$((i + 1)) -v v="$verdict_us" -v r="${verdicts[-1]}" 'BEGIN {
		printf "TIMELINE failover verdict run=%d ms=%.1f\n", i, v / 1000
		printf "TIMELINE failover ring_installed run=%d ms=%.3f\n", i, v / 1000 + r / 1000 }'
	lab1_start_backend b1 || die "restart b1"
	lab1_wait_in_ring 3 5 || die "b1 not back"
done

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
bench() { awk -v n="$1" -v v="$2" -v b="$3" 'BEGIN {printf "BENCH %s value=%.1f unit=us baseline=%.1f ratio=%.3f\n", n, v, b, v/b}'; }
bench failover_ring_update "$(median "${deaths[@]}")" $((INTERVAL_MS * FALL * 1000))
bench failover_verdict_to_ring "$(median "${verdicts[@]}")" 1000
