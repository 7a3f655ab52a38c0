#!/usr/bin/env bash
# demo.sh - `make demo`: bring the anycast lab up, send real requests through the VIP, fail
# region A and watch the route move to region B, restore it, tear down. Narrates each step and
# exits 0 only if every step did what it said.
set -uo pipefail
cd "$(dirname "$0")/.."

RUN=demo$$
LAB="bash scripts/lab.sh"
VIP=10.99.0.10
URL="http://$VIP:8000/v1/completions"
STEPS=()
FAILED=0
T0=$(date +%s)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() { STEPS+=("ok    $*"); printf '   ok: %s\n' "$*"; }
bad() { STEPS+=("FAIL  $*"); printf '   FAIL: %s\n' "$*"; FAILED=1; }
lab() { $LAB "$1" -r "$RUN" "${@:2}"; }
in_ns() { local n=$1; shift; ip netns exec "elb-lab-$RUN-$n" "$@"; }

cleanup() {
	say "tearing the lab down"
	lab down >/dev/null 2>&1 || true
	say "summary ($(($(date +%s) - T0)) s)"
	printf '   %s\n' "${STEPS[@]}"
	[ $FAILED -eq 0 ] && echo "   demo: all steps passed" || echo "   demo: some steps FAILED"
}
trap cleanup EXIT

# wait_for SECONDS CMD...: poll until CMD succeeds
wait_for() {
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.5
	done
}

# requests N: N completions from the client, one connection each; prints "backend count" pairs
requests() {
	local i
	for i in $(seq "$1"); do
		in_ns client curl -s -m 3 -o /dev/null -w '%header{x-backend}\n' \
			-H 'Content-Type: application/json' -d '{"prompt":"hello","max_tokens":4}' "$URL"
	done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1} END {print ""}'
}

sessions_up() { [ "$(lab birdc show protocols | grep -c Established)" -ge "$1" ]; }
route_via() { in_ns router ip route show "$VIP" | grep -q "$1"; }
ecmp_two() { [ "$(in_ns router ip route show "$VIP" | grep -c 'nexthop via')" -eq 2 ]; }

say "edgelb demo: an anycast VIP ($VIP) announced by three LB nodes in two regions"
echo "   client -> core router (BIRD, ECMP) -> region A: lbA1, lbA2 -> backends a1 a2 a3"
echo "                                      -> region B: lbB1 (backup, AS-path prepend) -> b1 b2"
lab up || { bad "lab up"; exit 1; }
ok "lab up: 14 namespaces, BIRD, 5 inference backends, 3 edgelbd nodes"

say "BGP sessions between the core router and the LB nodes"
if wait_for 40 sessions_up 6; then
	lab birdc show protocols | grep -E "^Name|BGP" | sed 's/^/   /'
	ok "6 BGP sessions Established (IPv4 and IPv6 per node)"
else
	lab birdc show protocols | sed 's/^/   /'
	bad "BGP sessions did not come up"
fi

say "the router's route to the VIP: ECMP over region A's two nodes"
if wait_for 20 ecmp_two; then
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	ok "ECMP route via lbA1 and lbA2"
else
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	bad "no two-way ECMP route"
fi

say "30 requests through the VIP (each its own TCP connection)"
dist=$(requests 30)
echo "   answered by: $dist"
if [[ "$dist" =~ a[123] ]] && ! [[ "$dist" =~ b[12] ]] && [ "$(echo "$dist" | grep -o 'a[123]:' | wc -l)" -ge 2 ]; then
	ok "region A's backends answer, spread over several of them"
else
	bad "expected answers from region A's backends, got: $dist"
fi

say "edgelbctl status on lbA1"
in_ns lbA1 build/edgelbctl -s "/run/edgelb-lab/$RUN/lbA1.sock" status | sed 's/^/   /' &&
	ok "edgelbctl status" || bad "edgelbctl status"

say "killing region A's backends: its nodes must withdraw the VIP"
for b in a1 a2 a3; do lab backend-stop "$b"; done
if wait_for 20 route_via 10.92.0.11; then
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	ok "route moved to region B (lbB1)"
else
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	bad "route did not move to region B"
fi
dist=$(requests 10)
echo "   answered by: $dist"
[[ "$dist" =~ b[12] ]] && ! [[ "$dist" =~ a[123] ]] && ok "region B answers" || bad "expected region B, got: $dist"

say "restoring region A's backends: after rise checks and the hold-down, traffic returns"
for b in a1 a2 a3; do lab backend-start "$b"; done
if wait_for 40 ecmp_two; then
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	ok "region A announces again (ECMP over lbA1, lbA2)"
else
	in_ns router ip route show "$VIP" | sed 's/^/   /'
	bad "region A did not come back"
fi
dist=$(requests 10)
echo "   answered by: $dist"
[[ "$dist" =~ a[123] ]] && ! [[ "$dist" =~ b[12] ]] && ok "region A answers again" || bad "expected region A, got: $dist"

exit $FAILED
