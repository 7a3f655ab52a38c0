#!/usr/bin/env bash
# test_lab_dpdk.sh - the anycast lab (scripts/lab.sh) with LAB_DPDK=1: region A's second node,
# lbA2, forwards with edgelb-dp (net_af_packet on its veth, the TAP exc0 as exception path
# holding its addresses) and edgelbd with forwarding = "dpdk"; lbA1 stays XDP. Asserts:
#  - lbA2's BGP sessions (IPv4, IPv6) cross edgelb-dp's exception path and establish with BIRD;
#    its health checks do too (all backends up)
#  - the VIP routes are ECMP over lbA1 (XDP) and lbA2 (DPDK)
#  - requests forced through lbA2 (policy route at the router) are answered by region A, v4 + v6
#  - streams that move between lbA1 and lbA2 (the policy route switched mid-stream, both ways)
#    complete on the backend they started on: XDP and DPDK hash identically
#  - edgelbctl on lbA2 shows the DPDK fast path and counters that grew
#  - region A's backends die: lbA1 and lbA2 both withdraw; back: both announce again
# Only addresses inside the lab's own namespaces are used; `lab.sh down` runs on every exit.
set -uo pipefail
cd "$(dirname "$0")/../.."

RUN=td$$
source scripts/lib/labcheck.sh
export LAB_DPDK=1
PINNED_SRC=10.90.0.3 # a second client address, routed by a policy route at the router
PINNED_SRC6=fd90::3
TMP=$(mktemp -d /tmp/elb-labdpdk-XXXXXX)
SSE=build/edgelb-sseclient
STREAM_TOKENS=60 # 50 ms per token in the lab: 3 s per stream

[ -x build/edgelb-dp ] && [ -x "$SSE" ] || { echo "FAIL: build/edgelb-dp or $SSE missing (run make)"; exit 1; }
fail() {
	echo "FAIL: $*"
	echo "--- router routes:"
	lab exec router ip route show "$VIP4" 2>&1
	echo "--- BIRD:"
	lab birdc show protocols 2>&1
	echo "--- lbA2:"
	lab ctl lbA2 status 2>&1
	tail -n 15 "/run/edgelb-lab/$RUN/edgelbd-lbA2.log" "/run/edgelb-lab/$RUN/dp-lbA2.log" 2>&1
	exit 1
}
cleanup() {
	lab down >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

lba2_established() {
	out_has Established lab birdc show protocols lbA2_v4 &&
		out_has Established lab birdc show protocols lbA2_v6
}
no_route_from() { ! out_has "$VIP4" lab birdc show route for "$VIP4/32" protocol "$1"; }
dpdk_counter() { # NAME: edgelb-dp's counter NAME in `edgelbctl --json stats` of lbA2
	lab ctl lbA2 --json stats | /usr/bin/python3 -c \
		'import json, sys; print(json.load(sys.stdin)["dpdk"][sys.argv[1]])' "$1"
}
core_counter() {
	lab ctl lbA2 --json stats | /usr/bin/python3 -c \
		'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# pin_via NODE_ADDR4 NODE_ADDR6: the pinned client addresses reach the VIP through that node only
pin_via() {
	lab exec router ip route replace "$VIP4/32" via "$1" dev eth-A table 100
	lab exec router ip -6 route replace "$VIP6/128" via "$2" dev eth-A table 100
}

# requests N URL: backend names of N completions from the pinned address, counted
requests() {
	local i src=$PINNED_SRC
	[[ "$2" == *"["* ]] && src=$PINNED_SRC6
	for i in $(seq "$1"); do
		lab client curl -s -m 3 -o /dev/null -w '%header{x-backend}\n' --interface "$src" \
			-H 'Content-Type: application/json' -d '{"prompt":"hi","max_tokens":2}' "$2"
	done | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}'
}

# streams NAME N: N streaming completions from the pinned address in the background
streams() {
	lab client "$SSE" --streams "$2" --tokens "$STREAM_TOKENS" --timeout-ms 20000 \
		--bind "$PINNED_SRC" "$VIP4:8000" >"$TMP/$1.out" 2>&1 &
	echo $! >"$TMP/$1.pid"
}

# streams_ok NAME N: all N complete, each on one backend of region A
streams_ok() {
	wait "$(cat "$TMP/$1.pid")" || {
		cat "$TMP/$1.out"
		return 1
	}
	grep -q "^summary streams=$2 ok=$2 failed=0" "$TMP/$1.out" || return 1
	[ "$(grep -c '^stream .* backend=a[123] .*done=1' "$TMP/$1.out")" = "$2" ]
}

lab up >/dev/null || fail "lab up"

# ---- sessions, health, ECMP ----
wait_for 30 established 6 || fail "6 sessions (3 nodes x IPv4/IPv6) not Established"
lba2_established || fail "lbA2's sessions not Established"
ok "BGP: lbA2's IPv4 and IPv6 sessions cross edgelb-dp's exception path, Established with BIRD"
# edgelbd can open the table file before edgelb-dp's worker marks itself alive; its watch
# (every 500 ms) then attaches and re-syncs. Status says DETACHED until then.
wait_for 10 out_has '^fast path   attached, dpdk' lab ctl lbA2 status ||
	fail "lbA2: not a DPDK node attached to edgelb-dp"
# BGP establishes as soon as edgelbd starts; the health checks need their rise count of probes
wait_for 15 out_has 'backends    up 6,' lab ctl lbA2 status || fail "lbA2: backends not all up"
ok "lbA2: edgelbd drives edgelb-dp (forwarding = dpdk), 6 backends up through the TAP"
wait_for 15 ecmp_a4 || fail "IPv4 VIP route is not ECMP over lbA1 + lbA2"
wait_for 15 ecmp_a6 || fail "IPv6 VIP route is not ECMP over lbA1 + lbA2"
ok "router: $VIP4 and $VIP6 ECMP over lbA1 (XDP) and lbA2 (DPDK)"

# ---- requests through lbA2 ----
lab exec client ip addr add "$PINNED_SRC/24" dev eth0
lab exec client ip -6 addr add "$PINNED_SRC6/64" dev eth0 nodad
pin_via $LBA2 fd91::12
lab exec router ip rule add from "$PINNED_SRC" table 100 pref 100
lab exec router ip -6 rule add from "$PINNED_SRC6" table 100 pref 100
tx0=$(dpdk_counter tx)
fwd0=$(core_counter tx)
dist=$(requests 9 "http://$VIP4:8000/v1/completions")
[[ "$dist" =~ a[123] ]] && ! [[ "$dist" =~ b[12] ]] && ! [[ "$dist" =~ ^: ]] ||
	fail "IPv4 requests via lbA2: $dist"
dist6=$(requests 6 "http://[$VIP6]:8000/v1/completions")
[[ "$dist6" =~ a[123] ]] && ! [[ "$dist6" =~ b[12] ]] && ! [[ "$dist6" =~ ^: ]] ||
	fail "IPv6 requests via lbA2: $dist6"
[ "$(echo "$dist" | wc -w)" -ge 2 ] || fail "IPv4 requests via lbA2 all on one backend: $dist"
ok "requests forced through lbA2 answered by region A: v4 $dist v6 $dist6"
tx1=$(dpdk_counter tx)
fwd1=$(core_counter tx)
[ "$tx1" -gt "$tx0" ] && [ "$fwd1" -gt "$fwd0" ] ||
	fail "lbA2 counters did not grow: edgelb-dp tx $tx0 -> $tx1, forwarded $fwd0 -> $fwd1"
ok "edgelbctl on lbA2: edgelb-dp tx $tx0 -> $tx1, VIP packets forwarded $fwd0 -> $fwd1"

# ---- streams moved between XDP and DPDK keep their backend ----
pin_via $LBA1 fd91::11
streams xdp_to_dpdk 8
sleep 1
fwd0=$(core_counter tx)
pin_via $LBA2 fd91::12
streams_ok xdp_to_dpdk 8 || fail "streams moved lbA1 -> lbA2 broke: $(tail -3 "$TMP/xdp_to_dpdk.out")"
fwd1=$(core_counter tx)
[ "$((fwd1 - fwd0))" -ge 16 ] || fail "the moved streams did not cross lbA2 ($fwd0 -> $fwd1)"
ok "8 streams moved mid-stream from lbA1 (XDP) to lbA2 (DPDK, $((fwd1 - fwd0)) packets) completed on their backends"
streams dpdk_to_xdp 8
sleep 1
pin_via $LBA1 fd91::11
streams_ok dpdk_to_xdp 8 || fail "streams moved lbA2 -> lbA1 broke: $(tail -3 "$TMP/dpdk_to_xdp.out")"
ok "8 streams moved mid-stream from lbA2 (DPDK) to lbA1 (XDP) completed on their backends"

# ---- region A's backends die: both nodes withdraw; back: both announce ----
for b in a1 a2 a3; do lab backend-stop "$b"; done
wait_for 10 only_b4 || fail "route did not move to region B"
no_route_from lbA1_v4 && no_route_from lbA2_v4 || fail "BIRD still has a route from lbA1/lbA2"
ok "region A's backends down: lbA1 and lbA2 (DPDK) both withdrew"
for b in a1 a2 a3; do lab backend-start "$b"; done
wait_for 20 ecmp_a4 || fail "region A (lbA1 + lbA2) not announced again"
ok "region A's backends back: ECMP over lbA1 + lbA2 again"

echo "PASS test_lab_dpdk"
