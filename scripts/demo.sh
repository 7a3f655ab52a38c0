#!/usr/bin/env bash
# demo.sh - `make demo`: bring the anycast lab (scripts/lab.sh) up, send real requests through the
# VIP, fail region A and watch the route move to region B, restore it, tear down. Narrates each
# step and exits 0 only if every step did what it said. Everything happens inside the lab's own
# network namespaces (elb-lab-demo<pid>-*), removed on exit.
set -uo pipefail
cd "$(dirname "$0")/.."

RUN=demo$$
source scripts/lib/labcheck.sh # ok() is redefined below: the demo keeps a summary
VIP=$VIP4
URL="http://$VIP:8000/v1/completions"
STEPS=()
FAILED=0
T0=$(date +%s)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ok() {
	STEPS+=("ok    $*")
	printf '   \033[32mok\033[0m: %s\n' "$*"
}
bad() {
	STEPS+=("FAIL  $*")
	printf '   \033[31mFAIL\033[0m: %s\n' "$*"
	FAILED=1
}
indent() { sed 's/^/   /'; }

cleanup() {
	local rc=$FAILED
	say "tearing the lab down"
	if lab down >/dev/null 2>&1 && [ -z "$(ip netns list | grep "^elb-lab-$RUN-")" ]; then
		ok "lab down: namespaces, processes and pins removed"
	else
		bad "lab down left something behind"
		rc=1
	fi
	say "summary ($(($(date +%s) - T0)) s)"
	printf '   %s\n' "${STEPS[@]}"
	if [ "$rc" -eq 0 ]; then
		echo "   demo: all steps passed"
	else
		echo "   demo: some steps FAILED"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# requests N: N completions from the client, one TCP connection each; "backend:count ..."
requests() {
	local i
	for i in $(seq "$1"); do
		lab client curl -s -m 3 -o /dev/null -w '%header{x-backend}\n' \
			-H 'Content-Type: application/json' -d '{"prompt":"hello","max_tokens":4}' "$URL"
	done | sort | uniq -c | awk '{printf "%s:%s ", ($2 == "" ? "no-answer" : $2), $1}'
}
only_region() { # REGION_LETTER DIST: answers only from that region's backends, at least one
	local want=$1 other=b
	[ "$want" = b ] && other=a
	[[ "$2" =~ $want[0-9] ]] && ! [[ "$2" =~ $other[0-9] ]] && ! [[ "$2" =~ no-answer ]]
}

hops() { lab exec router ip route show "$VIP" | grep -c "via $1" || true; }
sessions_up() { [ "$(lab birdc show protocols | grep -c Established)" -ge "$1" ]; }
ecmp_a() { [ "$(hops $LBA1)" = 1 ] && [ "$(hops $LBA2)" = 1 ] && [ "$(hops $LBB1)" = 0 ]; }
only_b() { [ "$(hops $LBB1)" = 1 ] && [ "$(hops 10.91.0.)" = 0 ]; }
show_route() {
	lab exec router ip route show "$VIP" | indent
	lab exec router ip -6 route show "$VIP6" | indent
}

say "edgelb demo: an anycast VIP ($VIP, $VIP6) announced by three LB nodes in two regions"
echo "   client -> core router (BIRD 2, ECMP) -> region A: lbA1, lbA2 (AS 65001) -> a1 a2 a3"
echo "                                         -> region B: lbB1 (AS 65002, prepend 3) -> b1 b2"
echo "   each LB node: edgelbd (health checks, Maglev, BGP) + XDP fast path; backends: decap + VIP on lo"
if lab up | indent; then
	ok "lab up: 12 namespaces, BIRD, 5 inference backends, 3 edgelbd nodes"
else
	bad "lab up"
	exit 1
fi

say "BGP sessions between the core router and the LB nodes"
if wait_for 40 sessions_up 6; then
	lab birdc show protocols | grep -E "^Name|BGP" | indent
	ok "6 BGP sessions Established (IPv4 and IPv6 per node)"
else
	lab birdc show protocols | indent
	bad "BGP sessions did not come up"
fi

say "the router's route to the VIP: ECMP over region A's two nodes"
if wait_for 20 ecmp_a; then
	show_route
	lab birdc show route for "$VIP/32" | indent
	ok "ECMP route via lbA1 and lbA2; region B's prepended route is the backup"
else
	show_route
	bad "no two-way ECMP route over region A"
fi

say "30 requests through the VIP (each its own TCP connection)"
dist=$(requests 30)
echo "   answered by: $dist"
if only_region a "$dist" && [ "$(grep -o 'a[123]:' <<<"$dist" | wc -l)" -ge 2 ]; then
	ok "region A's backends answer, spread over several of them ($dist)"
else
	bad "expected answers from region A's backends, got: $dist"
fi

say "edgelbctl status and bgp on lbA1"
if lab ctl lbA1 status | indent && lab ctl lbA1 bgp | indent; then
	ok "edgelbctl status / bgp"
else
	bad "edgelbctl status / bgp"
fi

say "killing region A's backends a1 a2 a3: lbA1 and lbA2 must withdraw the VIP"
for b in a1 a2 a3; do lab backend-stop "$b"; done
t0=$(now_ms)
if wait_for 20 only_b; then
	echo "   withdrawn after $(($(now_ms) - t0)) ms (health: 200 ms interval x fall 2)"
	show_route
	lab ctl lbA1 bgp | sed -n '/^PREFIX/,/^$/p' | indent
	ok "route moved to region B (lbB1)"
else
	show_route
	bad "route did not move to region B"
fi
dist=$(requests 10)
echo "   answered by: $dist"
if only_region b "$dist"; then ok "region B answers ($dist)"; else bad "expected region B, got: $dist"; fi

say "restoring region A's backends: after 2 good checks and the 3 s hold-down, traffic returns"
for b in a1 a2 a3; do lab backend-start "$b"; done
t0=$(now_ms)
if wait_for 40 ecmp_a; then
	echo "   announced again after $(($(now_ms) - t0)) ms"
	show_route
	ok "region A announces again (ECMP over lbA1, lbA2)"
else
	show_route
	bad "region A did not come back"
fi
dist=$(requests 10)
echo "   answered by: $dist"
if only_region a "$dist"; then ok "region A answers again ($dist)"; else bad "expected region A, got: $dist"; fi

say "counters on lbA1 (edgelbctl vips)"
if lab ctl lbA1 vips | indent; then ok "edgelbctl vips"; else bad "edgelbctl vips"; fi

exit $FAILED
