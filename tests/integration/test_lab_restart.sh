#!/usr/bin/env bash
# test_lab_restart.sh - the anycast lab (scripts/lab.sh) with BIRD 2 when an LB node's edgelbd goes
# away and comes back, and when ECMP moves live streams between region A's nodes:
#  - SIGKILL of lbA1's edgelbd: the router drops lbA1's route as the TCP session dies; XDP keeps
#    forwarding through lbA1 meanwhile (a stream pinned to lbA1 by a policy route completes); the
#    restarted edgelbd adopts the tables and announces again.
#  - streams that ECMP moves from one node to the other (kill, restart, drain-node) complete on
#    the backend they started on: both nodes hash identically (same seed, same backends).
#  - a hostile BGP peer (tests/bgp/hostile_peer.py) does not hurt edgelbd or its other sessions.
#  - SIGTERM: GRACEFUL_SHUTDOWN, withdraw after the drain wait, Cease, exit.
# Only addresses inside the lab's own namespaces are used; `lab.sh down` runs on every exit.
set -uo pipefail
cd "$(dirname "$0")/../.."

RUN=tr$$
source scripts/lib/labcheck.sh
PINNED_SRC=10.90.0.3 # a second client address, routed via lbA1 only (policy route)
TMP=$(mktemp -d /tmp/elb-labrestart-XXXXXX)
SSE=build/edgelb-sseclient
STREAM_TOKENS=120 # 50 ms per token in the lab: 6 s per stream

export LAB_HOSTILE_PEER=lbA1
fail() {
	echo "FAIL: $*"
	echo "--- router routes:"
	lab exec router ip route show "$VIP4" 2>&1
	echo "--- BIRD:"
	lab birdc show protocols 2>&1
	exit 1
}
cleanup() {
	lab down >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ecmp_a() { [ "$(hops4 $LBA1)" = 1 ] && [ "$(hops4 $LBA2)" = 1 ]; }
only_a1() { [ "$(hops4 $LBA1)" = 1 ] && [ "$(hops4 $LBA2)" = 0 ]; }
session_since() { lab birdc show protocols "$1" | awk -v p="$1" '$1 == p { print $5 }'; }

# streams NAME N [--bind ADDR]: N streaming completions in the background, output in TMP/NAME
streams() {
	local name=$1 n=$2
	shift 2
	lab client "$SSE" --streams "$n" --tokens "$STREAM_TOKENS" --timeout-ms 40000 "$@" \
		"$VIP4:8000" >"$TMP/$name.out" 2>&1 &
	echo $! >"$TMP/$name.pid"
}

# streams_ok NAME N: the streams finished, all N complete, each on one backend of region A
streams_ok() {
	local name=$1 n=$2
	wait "$(cat "$TMP/$name.pid")" || {
		cat "$TMP/$name.out"
		return 1
	}
	grep -q "^summary streams=$n ok=$n failed=0" "$TMP/$name.out" || return 1
	[ "$(grep -c '^stream .* backend=a[123] .*done=1' "$TMP/$name.out")" = "$n" ]
}

lab up >/dev/null || fail "lab up"
wait_for 30 established 6 || fail "BGP sessions not Established"
wait_for 15 ecmp_a || fail "no ECMP route over lbA1 + lbA2"
ok "lab up, ECMP over lbA1 + lbA2"

# ---- a hostile peer of lbA1: edgelbd answers with NOTIFICATIONs, everything else stays up ----
since_a1=$(session_since lbA1_v4)
lab exec router /usr/bin/python3 tests/bgp/hostile_peer.py 10.91.0.2 1790 \
	bad_marker update_attr_length_overrun >"$TMP/hostile.out" 2>&1 ||
	fail "hostile peer: $(cat "$TMP/hostile.out")"
[ "$(session_since lbA1_v4)" = "$since_a1" ] || fail "lbA1's session with BIRD flapped"
out_has '^hostile ' lab ctl lbA1 bgp || fail "edgelbctl bgp lists no hostile session"
ecmp_a || fail "ECMP lost during the hostile peer"
ok "hostile peer: $(grep -c '^PASS' "$TMP/hostile.out") cases answered correctly; edgelbd and its BIRD sessions unaffected"

# ---- SIGKILL lbA1's edgelbd with streams running ----
lab exec client ip addr add "$PINNED_SRC/24" dev eth0
lab exec router ip route add "$VIP4/32" via "$LBA1" dev eth-A table 100
lab exec router ip rule add from "$PINNED_SRC" table 100 pref 100
streams pinned 2 --bind "$PINNED_SRC"
streams ecmp 12
sleep 1
lab lb-kill lbA1
t0=$(now_ms)
wait_for 5 only_a2 || fail "router kept lbA1's route after its edgelbd died"
ok "edgelbd on lbA1 killed: route via lbA1 gone after $(($(now_ms) - t0)) ms"
for i in 1 2 3; do
	b=$(lab client curl -s -m 3 -o /dev/null -w '%header{x-backend}' --interface "$PINNED_SRC" \
		-H 'Content-Type: application/json' -d '{"prompt":"hi","max_tokens":2}' \
		"http://$VIP4:8000/v1/completions")
	[[ "$b" =~ ^a[123]$ ]] || fail "request via lbA1 while its edgelbd is down: '$b'"
done
ok "requests through lbA1 while its edgelbd is down answered by region A (XDP forwards alone)"
lab lb-start lbA1
wait_for 20 ecmp_a || fail "lbA1 not announced again after restart"
out_has '"adopted_tables":true' lab ctl lbA1 --json status ||
	fail "restarted edgelbd did not adopt the tables"
ok "edgelbd on lbA1 restarted: tables adopted, announced again (ECMP over lbA1 + lbA2)"
streams_ok pinned 2 || fail "streams pinned to lbA1 broke: $(tail -3 "$TMP/pinned.out")"
streams_ok ecmp 12 || fail "ECMP streams broke: $(tail -3 "$TMP/ecmp.out")"
ok "streams through the kill and restart: 2 pinned to lbA1 and 12 over ECMP completed, one backend each"

# ---- drain-node on lbA2 moves its flows to lbA1: same backends ----
streams drain 12
sleep 1
lab ctl lbA2 drain-node >/dev/null || fail "drain-node on lbA2"
wait_for 3 only_a1 || fail "router did not move to lbA1 under lbA2's GRACEFUL_SHUTDOWN"
streams_ok drain 12 || fail "streams moved by the drain broke: $(tail -3 "$TMP/drain.out")"
ok "drain-node on lbA2: 12 streams moved by ECMP completed on their backends"
lab ctl lbA2 undrain-node >/dev/null || fail "undrain-node"
wait_for 15 ecmp_a || fail "lbA2 not back after undrain-node"

# ---- SIGTERM: drain, then exit ----
pid=$(awk '$2 == "edgelbd-lbA2" { print $1 }' "/run/edgelb-lab/$RUN/pids")
lab lb-stop lbA2
t0=$(now_ms)
wait_for 2 out_has '(65535,0)' lab birdc show route all for "$VIP4/32" protocol lbA2_v4 ||
	fail "SIGTERM: no GRACEFUL_SHUTDOWN on lbA2's route"
kill -0 "$pid" 2>/dev/null || fail "SIGTERM: edgelbd exited before the drain wait"
wait_for 6 bash -c "! kill -0 $pid 2>/dev/null" || fail "SIGTERM: edgelbd did not exit"
exit_ms=$(($(now_ms) - t0))
[ "$exit_ms" -ge 2500 ] || fail "SIGTERM: exited after ${exit_ms} ms, before the 3 s drain wait"
only_a1 || fail "SIGTERM: route not via lbA1 alone"
grep -q 'node drained' "/run/edgelb-lab/$RUN/edgelbd-lbA2.log" || fail "SIGTERM: no drain in the log"
ok "SIGTERM on lbA2: GRACEFUL_SHUTDOWN, withdrawn and exited after ${exit_ms} ms"

echo "PASS test_lab_restart"
