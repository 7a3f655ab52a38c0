#!/usr/bin/env bash
# withdraw.sh - `make bench-withdraw`: in the anycast lab (scripts/lab.sh, BIRD 2 as the router),
# the time from the death of region A's last healthy backend to the moment the router's kernel
# no longer routes the VIP via region A (both lbA1 and lbA2 withdrew). Per round: a1 and a2 are
# stopped first and left to drop out of the rings, then a3 is killed (t0) and the router's table
# is polled (t1); the backends are restarted and the round waits for ECMP over region A again
# (rise + 3 s hold-down). Median of ROUNDS (default 7), next to the configured detection budget
# interval x fall (200 ms x 2) as the baseline. Detection ends with the fall-th failed check, the
# first of which comes 0..interval after the death, so the expected value is within
# [(fall-1) x interval, fall x interval] plus what BGP and BIRD add: a ratio near or below 1.
# Each round also prints its timeline, ms since the kill, for bench/plot.sh:
#   TIMELINE withdraw verdict_<node> run=<r> ms=<m>        that node's edgelbd: a3 health DOWN
#   TIMELINE withdraw bgp_withdraw_<node> run=<r> ms=<m>   that node's edgelbd sends the withdraw
#   TIMELINE withdraw router_first run=<r> ms=<m>          the router's first route via A is gone
#   TIMELINE withdraw router_gone run=<r> ms=<m>           no route via A (the latency sample)
# Only the lab's own namespaces are used; the lab is torn down on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-7}
RUN=bw$$
source scripts/lib/labcheck.sh
VIP=10.99.0.10
INTERVAL_MS=200
FALL=2
ROUTER_NS=elb-lab-$RUN-router

die() {
	echo "bench-withdraw: $*" >&2
	exit 1
}
trap 'lab down >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM

hops_a() { ip -n "$ROUTER_NS" route show "$VIP" | grep -c 'via 10\.91\.0\.' || true; }
ecmp_a() { [ "$(hops_a)" = 2 ]; }
in_ring() { # NODE: backends in chat-v4's ring
	lab ctl "$1" --json vips | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["in_ring"])'
}
one_left() { [ "$(in_ring lbA1)" = 1 ] && [ "$(in_ring lbA2)" = 1 ]; }
backend_pid() { awk -v n="backend-$1" '$2 == n { print $1 }' "/run/edgelb-lab/$RUN/pids"; }
# log_ms NODE TEXT T0: ms from T0 (epoch ms) to the first line of NODE's edgelbd log holding TEXT
# stamped at T0 or later; nothing if there is none
log_ms() {
	/usr/bin/python3 - "/run/edgelb-lab/$RUN/edgelbd-$1.log" "$2" "$3" <<'PY'
import datetime, sys
path, text, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
for line in open(path, errors="replace"):
    if text not in line:
        continue
    try:
        t = datetime.datetime.strptime(line[:23], "%Y-%m-%dT%H:%M:%S.%f")
    except ValueError:
        continue
    ms = round(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000) - t0
    if ms >= 0:
        print(ms)
        break
PY
}
timeline() { # EVENT ROUND MS
	[ -n "$3" ] && echo "TIMELINE withdraw $1 run=$2 ms=$3"
	return 0
}

lab up >/dev/null || die "lab up failed"
samples=()
for r in $(seq "$ROUNDS"); do
	wait_for 30 ecmp_a || die "round $r: no ECMP over region A"
	lab backend-stop a1
	lab backend-stop a2
	wait_for 10 one_left || die "round $r: a1, a2 did not leave the rings"
	pid=$(backend_pid a3)
	[ -n "$pid" ] || die "round $r: no PID for a3"
	t0=$(now_ms)
	kill "$pid"
	first=""
	while hops=$(hops_a); [ "$hops" != 0 ]; do
		[ -z "$first" ] && [ "$hops" -lt 2 ] && first=$(now_ms)
		[ $(($(now_ms) - t0)) -gt 10000 ] && die "round $r: no withdraw within 10 s"
	done
	t1=$(now_ms)
	samples+=($((t1 - t0)))
	sed -i "/ backend-a3\$/d" "/run/edgelb-lab/$RUN/pids"
	echo "round $r: withdraw at the router after $((t1 - t0)) ms"
	for n in lbA1 lbA2; do
		timeline "verdict_$n" "$r" "$(log_ms "$n" "backend a3-v4 (vip chat-v4) health DOWN" "$t0")"
		timeline "bgp_withdraw_$n" "$r" "$(log_ms "$n" "bgp: withdraw $VIP/32" "$t0")"
	done
	timeline router_first "$r" $((${first:-$t1} - t0))
	timeline router_gone "$r" $((t1 - t0))
	for b in a1 a2 a3; do lab backend-start "$b"; done
done
median=$(printf '%s\n' "${samples[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
budget=$((INTERVAL_MS * FALL))
echo "withdraw latency, ms: ${samples[*]} (median $median; detection budget ${INTERVAL_MS} ms x $FALL)"
awk -v v="$median" -v b="$budget" \
	'BEGIN { printf "BENCH withdraw_latency value=%s unit=ms baseline=%s ratio=%.3f\n", v, b, v / b }'
