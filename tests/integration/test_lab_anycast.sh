#!/usr/bin/env bash
# test_lab_anycast.sh - the anycast lab (scripts/lab.sh) against the real BIRD 2: BGP sessions of
# edgelbd, ECMP over region A with region B as the prepended backup, real HTTP through the VIP,
# withdraw when region A's backends die (bounded by the health budget), re-announce only after the
# hold-down, and a node drain with GRACEFUL_SHUTDOWN then withdraw.
#
# Lab timers: health interval 200 ms, fall 2, rise 2; BGP hold 9 s, hold-down 3 s, drain wait 3 s.
# Only addresses inside the lab's own namespaces (elb-lab-<run>-*) are used; `lab.sh down` runs on
# every exit.
set -uo pipefail
cd "$(dirname "$0")/../.."

RUN=ta$$
source scripts/lib/labcheck.sh
INTERVAL_MS=200
FALL=2
HOLD_DOWN_MS=3000

fail() {
	echo "FAIL: $*"
	echo "--- router routes:"
	lab exec router ip route show "$VIP4" 2>&1
	echo "--- lbA1 bgp:"
	lab ctl lbA1 bgp 2>&1
	exit 1
}
cleanup() { lab down >/dev/null 2>&1 || true; }
trap cleanup EXIT
trap 'exit 130' INT TERM

no_route_from() { ! out_has "$VIP4" lab birdc show route for "$VIP4/32" protocol "$1"; }

# requests N URL: backend names of N completions, one connection each, sorted and counted
requests() {
	local i
	for i in $(seq "$1"); do
		lab client curl -s -m 3 -o /dev/null -w '%header{x-backend}\n' \
			-H 'Content-Type: application/json' -d '{"prompt":"hi","max_tokens":2}' "$2"
	done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}

# prefix_state NODE PREFIX: state of PREFIX in `edgelbctl bgp --json`
prefix_state() {
	lab ctl "$1" --json bgp | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
print([p["state"] for p in d["prefixes"] if p["prefix"] == sys.argv[1]][0])' "$2"
}

lab up >/dev/null || fail "lab up"

# ---- sessions and routes ----
wait_for 30 established 6 || fail "6 sessions (3 nodes x IPv4/IPv6) not Established"
ok "6 BGP sessions Established with BIRD"
wait_for 15 ecmp_a4 || fail "IPv4 VIP route is not ECMP over lbA1 + lbA2"
wait_for 15 ecmp_a6 || fail "IPv6 VIP route is not ECMP over lbA1 + lbA2"
ok "router kernel: $VIP4 and $VIP6 with two next hops (lbA1, lbA2)"
# region B announces on its own schedule (its health checks rise independently of region A's)
wait_for 15 out_has '65002 65002 65002 65002' lab birdc show route all for "$VIP4/32" \
	protocol lbB1_v4 || fail "region B's route (prepend 3) missing in BIRD"
out_has '\*' lab birdc show route for "$VIP4/32" protocol lbB1_v4 && fail "region B's route is best"
ok "region B's route present in BIRD with AS path 65002 x4, not best"
json=$(lab ctl lbA1 --json bgp) || fail "edgelbctl --json bgp"
/usr/bin/python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["node_state"] == "active", d
assert all(s["state"] == "Established" and s["hold_time"] == 9 for s in d["sessions"]), d
assert sorted(p["state"] for p in d["prefixes"]) == ["announced", "announced"], d' "$json" ||
	fail "edgelbctl bgp --json: $json"
# whole text first: with pipefail, grep -q closing the pipe early would fail curl (SIGPIPE)
metrics=$(lab exec lbA1 curl -s http://127.0.0.1:9100/metrics) || fail "metrics endpoint"
grep -q '^edgelb_bgp_session_up{peer="core-v4".*} 1' <<<"$metrics" || fail "metrics: session up"
grep -q '^edgelb_bgp_prefix_announced{prefix="10.99.0.10/32",state="announced"} 1' <<<"$metrics" ||
	fail "metrics: prefix announced"
ok "edgelbctl bgp (JSON) and metrics show sessions and announced prefixes"

# ---- HTTP through the VIP ----
dist=$(requests 12 "$URL4")
[[ "$dist" =~ a[123] ]] && ! [[ "$dist" =~ b[12] ]] || fail "IPv4 requests: $dist"
dist6=$(requests 6 "$URL6")
[[ "$dist6" =~ a[123] ]] && ! [[ "$dist6" =~ b[12] ]] || fail "IPv6 requests: $dist6"
ok "requests through the VIP answered by region A: v4 $dist v6 $dist6"

# ---- region A's backends die: both nodes withdraw within interval x fall + 1 s ----
budget=$((INTERVAL_MS * FALL + 1000))
for b in a1 a2 a3; do lab backend-stop "$b"; done
t0=$(now_ms)
wait_for 10 only_b4 || fail "route did not move to region B"
t1=$(now_ms)
withdraw_ms=$((t1 - t0))
[ "$withdraw_ms" -le "$budget" ] || fail "withdraw took ${withdraw_ms} ms > budget ${budget} ms"
no_route_from lbA1_v4 && no_route_from lbA2_v4 || fail "BIRD still has a route from lbA1/lbA2"
ok "region A down: lbA1 and lbA2 withdrew in ${withdraw_ms} ms (budget ${budget} ms)"
dist=$(requests 8 "$URL4")
[[ "$dist" =~ b[12] ]] && ! [[ "$dist" =~ a[123] ]] || fail "requests after withdraw: $dist"
ok "requests answered by region B: $dist"

# ---- back up: the route returns only after the hold-down ----
for b in a1 a2 a3; do lab backend-start "$b"; done
t0=$(now_ms)
wait_for 5 bash -c "[ \"\$($LAB ctl -r $RUN lbA1 --json bgp | grep -o held-down | head -1)\" = held-down ]" ||
	fail "lbA1's prefix never showed held-down"
ok "lbA1: prefix held down after the backends came back"
wait_for 15 ecmp_a4 || fail "region A did not come back"
t1=$(now_ms)
back_ms=$((t1 - t0))
[ "$back_ms" -ge "$HOLD_DOWN_MS" ] || fail "route back after ${back_ms} ms < hold-down ${HOLD_DOWN_MS} ms"
ok "region A announced again after ${back_ms} ms (hold-down ${HOLD_DOWN_MS} ms + rise)"
dist=$(requests 8 "$URL4")
[[ "$dist" =~ a[123] ]] && ! [[ "$dist" =~ b[12] ]] || fail "requests after return: $dist"
ok "requests answered by region A again: $dist"

# ---- drain lbA1: GRACEFUL_SHUTDOWN, then withdraw; ECMP narrows to lbA2 ----
lab ctl lbA1 drain-node >/dev/null || fail "drain-node"
t0=$(now_ms)
gshut() { out_has '(65535,0)' lab birdc show route all for "$VIP4/32" protocol lbA1_v4; }
wait_for 2 gshut || fail "BIRD shows no GRACEFUL_SHUTDOWN community on lbA1's route"
[ "$(prefix_state lbA1 10.99.0.10/32)" = gshut ] || fail "edgelbctl bgp: prefix not in gshut"
wait_for 2 only_a2 || fail "ECMP did not narrow to lbA2 under GRACEFUL_SHUTDOWN (local pref 0)"
ok "drain-node: lbA1's route carries (65535,0), the router prefers lbA2"
wait_for 6 no_route_from lbA1_v4 || fail "lbA1 did not withdraw after the drain wait"
drain_ms=$(($(now_ms) - t0))
[ "$drain_ms" -ge 2500 ] || fail "withdrawn after ${drain_ms} ms, before the 3 s drain wait"
only_a2 || fail "route is not via lbA2 alone after the drain"
out_has Established lab birdc show protocols lbA1_v4 && fail "lbA1's session not closed"
[ "$(prefix_state lbA1 10.99.0.10/32)" = withdrawn-drained ] || fail "prefix not withdrawn-drained"
ok "drain wait over after ${drain_ms} ms: withdrawn, session closed (Cease); route via lbA2 only"
err=$(lab ctl lbA1 drain-node 2>&1) && fail "second drain-node succeeded"
grep -q 'already drained' <<<"$err" || fail "second drain-node: $err"
lab ctl lbA1 undrain-node >/dev/null || fail "undrain-node"
wait_for 15 ecmp_a4 || fail "lbA1 not back in ECMP after undrain-node"
ok "undrain-node: sessions up again, ECMP over lbA1 + lbA2"

echo "PASS test_lab_anycast"
