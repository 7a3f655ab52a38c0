#!/usr/bin/env bash
# test_bgp_hostile.sh - the BGP speaker against a hostile peer (tests/bgp/hostile_peer.py): every
# malformed message must get its exact NOTIFICATION (code, subcode), legal-but-odd input (split
# messages, keepalive flood, RFC 7606 treat-as-withdraw) must keep the session up, the driver
# must survive all of it, and its session with BIRD 2 must stay Established throughout.
# Needs root; everything runs inside the test's own namespaces.
set -u
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh
source tests/bgp/lib.sh

netns_init bgphostile
bgp_tmpdir
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; netns_cleanup; exit $rc' EXIT
[ -x "$BGP_DRIVER" ] || { echo "FAIL: $BGP_DRIVER not built"; exit 1; }

bgp_topology || exit 1
sed "s|@DIR@|$BGP_TMP|g" tests/bgp/bird-single.conf.in >"$BGP_TMP/bird.conf"
bird_start "$BGP_TMP/bird.conf" || exit 1

driver_start --as 4200000001 --router-id 10.0.0.1 --hold 9 --listen-port 179 \
	--retry-min-ms 100 --retry-max-ms 500 \
	--peer 10.0.0.2,as=65001,v4 \
	--peer 10.0.0.3,as=65002,port=1790,v4
wait_for 20 "BIRD session Established" bird_established v4
drv announce 192.0.2.10/32 med 5
wait_for 10 "route in BIRD" bird_route_has 192.0.2.10/32 "BGP.med: 5"

nsx rtr /usr/bin/python3 tests/bgp/hostile_peer.py 10.0.0.3 1790 | tee "$BGP_TMP/hostile.out"
check "hostile peer: every case as expected" grep -q "hostile_peer: 0 failure(s)" "$BGP_TMP/hostile.out"

check "driver still alive" kill -0 "$DRV_PID"
check "BIRD session still Established" bird_established v4
# BIRD's own log (debug states, events), not a `show protocols` column read twice: one
# establishment of the session, and the protocol never left up (a dropped BGP session takes it
# back to start, or to stop or down).
bird_never_flapped() {
	[ "$(grep -c 'v4: BGP session established' "$BGP_TMP/bird.log")" = 1 ] &&
		[ "$(grep -c 'v4: State changed to start' "$BGP_TMP/bird.log")" = 1 ] &&
		! grep -qE 'v4: State changed to (stop|down)' "$BGP_TMP/bird.log"
}
check "BIRD session never flapped (BIRD's log)" bird_never_flapped
check "driver saw a single BIRD session" test "$(drv_peer_field 10.0.0.2 established)" = 1
check "driver counted the treat-as-withdraw UPDATE" test "$(drv_peer_field 10.0.0.3 taw)" -ge 1
check "route still in BIRD" bird_route_has 192.0.2.10/32 "BGP.med: 5"
check "driver logged the hold-time refusal" grep -q "sent NOTIFICATION 2/6" "$DRV_LOG"

echo "test_bgp_hostile: $FAILURES failure(s)"
[ "$FAILURES" -eq 0 ]
