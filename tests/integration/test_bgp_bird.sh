#!/usr/bin/env bash
# test_bgp_bird.sh - the BGP speaker (through tests/bgp/bgp_driver) against the real BIRD 2, in
# two network namespaces joined by a veth: sessions over IPv4, IPv6 and IPv4 with TCP MD5 + GTSM;
# announced attributes as BIRD sees them; withdraw; graceful shutdown; route refresh; hold time
# negotiation; hold timer expiry while BIRD is frozen; Cease on shutdown; route gone after the
# driver is killed. Needs root; touches nothing outside its own namespaces.
set -u
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh
source tests/bgp/lib.sh

netns_init bgpbird
bgp_tmpdir
trap 'rc=$?; [ $rc -ne 0 ] && dump_logs; netns_cleanup; exit $rc' EXIT
[ -x "$BGP_DRIVER" ] || { echo "FAIL: $BGP_DRIVER not built"; exit 1; }

bgp_topology || exit 1
link_local() { nsx "$1" ip -6 addr show dev eth0 scope link | awk '/inet6/ { sub("/.*", "", $2); print $2 }'; }
SPK_LL=$(link_local spk)
RTR_LL=$(link_local rtr)
sed "s|@DIR@|$BGP_TMP|g; s|@SPK_LL@|$SPK_LL|g" tests/bgp/bird.conf.in >"$BGP_TMP/bird.conf"
bird_start "$BGP_TMP/bird.conf" || exit 1

DRIVER_ARGS=(--as 4200000001 --router-id 10.0.0.1 --hold 9 --listen-port 179
	--retry-min-ms 200 --retry-max-ms 2000 --route-refresh
	--peer 10.0.0.2,as=65001,v4
	--peer 2001:db8::2,as=65001,v6,passive
	--peer 10.0.0.12,as=65001,v4,local=10.0.0.11,md5=edgelb-md5-secret,gtsm
	--peer "$RTR_LL%eth0,as=65001,v6")
driver_start "${DRIVER_ARGS[@]}"

V4=192.0.2.10/32
V6=2001:db8:100::10/128

# ---- sessions
wait_for 20 "IPv4 session Established" bird_established v4
wait_for 20 "IPv6 session (BIRD connects, driver accepts) Established" bird_established v6
wait_for 20 "TCP MD5 + GTSM session Established" bird_established md5gtsm
wait_for 20 "IPv6 link-local-only session Established" bird_established ll
[ "$FAILURES" -eq 0 ] || exit 1 # nothing below can work without the sessions

# ---- announcements and their attributes
drv announce $V4 prepend 2 med 50 community 65001:100 community 65535:666 large 4200000001:1:2
drv announce $V6 med 70 community 65001:200 large 4200000001:3:4
wait_for 10 "IPv4 /32 in BIRD" bird_route_has "$V4 protocol v4" "BGP.as_path"
wait_for 10 "IPv6 /128 in BIRD" bird_route_has "$V6 protocol v6" "BGP.as_path"
wait_for 10 "IPv6 /128 in BIRD over the link-local session" bird_route_has "$V6 protocol ll" "BGP.as_path"
wait_for 10 "IPv4 /32 over the MD5/GTSM session" bird_route_has "$V4 protocol md5gtsm" "BGP.as_path"
birdc_q show route all $V4 protocol v4 >"$BGP_TMP/r4"
birdc_q show route all $V6 protocol v6 >"$BGP_TMP/r6"
birdc_q show route all $V6 protocol ll >"$BGP_TMP/r6ll"
check "IPv4: AS path with 2 prepends" grep -q "BGP.as_path: 4200000001 4200000001 4200000001$" "$BGP_TMP/r4"
check "IPv4: next hop self 10.0.0.1" grep -q "BGP.next_hop: 10.0.0.1$" "$BGP_TMP/r4"
check "IPv4: MED 50" grep -q "BGP.med: 50$" "$BGP_TMP/r4"
check "IPv4: communities" grep -q "BGP.community: (65001,100) (65535,666)" "$BGP_TMP/r4"
check "IPv4: large community" grep -q "BGP.large_community: (4200000001, 1, 2)" "$BGP_TMP/r4"
check "IPv4: origin IGP" grep -q "BGP.origin: IGP" "$BGP_TMP/r4"
check "IPv6: AS path without prepend" grep -q "BGP.as_path: 4200000001$" "$BGP_TMP/r6"
check "IPv6: next hop global + link-local ($SPK_LL)" grep -q "BGP.next_hop: 2001:db8::1 $SPK_LL" "$BGP_TMP/r6"
check "IPv6 over link-local session: next hop global (from eth0) + link-local" grep -q "BGP.next_hop: 2001:db8::1 $SPK_LL" "$BGP_TMP/r6ll"
check "IPv6: MED 70" grep -q "BGP.med: 70$" "$BGP_TMP/r6"
check "IPv6: community and large community" grep -q "BGP.large_community: (4200000001, 3, 4)" "$BGP_TMP/r6"
check "MD5/GTSM session carries the route too" bird_route_has "$V4 protocol md5gtsm" "BGP.med: 50"

# ---- hold time negotiation: BIRD 6 s vs ours 9 s on v4; 9 vs 9 on v6
check "driver negotiated hold 6 with v4" test "$(drv_peer_field 10.0.0.2 hold)" = 6
check "driver sends keepalives every 2 s on v4" test "$(drv_peer_field 10.0.0.2 keepalive)" = 2
check "BIRD shows hold 6 / keepalive 2" bash -c "birdc -s '$BIRD_SOCK' show protocols all v4 |
	grep -q 'Hold timer:.*/6' && birdc -s '$BIRD_SOCK' show protocols all v4 | grep -q 'Keepalive timer:.*/2'"
IN0=$(drv_peer_field 10.0.0.2 in)
sleep 4.5
IN1=$(drv_peer_field 10.0.0.2 in)
check "BIRD keepalives arrive (messages in $IN0 -> $IN1)" test "$IN1" -ge $((IN0 + 2))
check "session still Established after keepalive rounds" bird_established v4

# ---- graceful shutdown
drv gshut on
wait_for 10 "gshut: BIRD sees (65535,0) on IPv4" bird_route_has "$V4 protocol v4" "(65535,0)"
wait_for 10 "gshut: BIRD sees (65535,0) on IPv6" bird_route_has $V6 "(65535,0)"
drv gshut off
wait_for 10 "gshut off: community removed" bird_route_lacks "$V4 protocol v4" "(65535,0)"

# ---- route refresh: BIRD asks, the driver re-sends
birdc_q reload in v4 >/dev/null
wait_for 10 "ROUTE-REFRESH answered" grep -q "ROUTE-REFRESH for AFI 1 answered" "$DRV_LOG"

# ---- withdraw
drv withdraw $V4
drv withdraw $V6
wait_for 10 "IPv4 withdraw removes the route" bird_no_route $V4
wait_for 10 "IPv6 withdraw (MP_UNREACH) removes the route" bird_no_route $V6
drv announce $V4 med 10
wait_for 10 "re-announced IPv4 route back" bird_route_has "$V4 protocol v4" "BGP.med: 10"

# ---- hold timer expiry: BIRD frozen, the driver must notice within the 6 s hold time
kill -STOP "$BIRD_PID"
wait_for 15 "driver: NOTIFICATION hold timer expired" grep -q "sent NOTIFICATION 4/0 (hold timer expired)" "$DRV_LOG"
kill -CONT "$BIRD_PID"
v4_reestablished() {
	local n
	n=$(drv_peer_field 10.0.0.2 established)
	[ "${n:-0}" -ge 2 ] && [ "$(drv_peer_field 10.0.0.2 state)" = Established ]
}
wait_for 30 "driver reconnects after SIGCONT (v4 Established a second time)" v4_reestablished
wait_for 10 "BIRD has the route again" bird_route_has "$V4 protocol v4" "BGP.med: 10"

# ---- shutdown: Cease to every peer
drv shutdown
wait_for 10 "BIRD sees the Cease (administrative shutdown)" bash -c "birdc -s '$BIRD_SOCK' show protocols all v4 | grep -qi 'Administrative shutdown'"
wait_for 10 "route gone after shutdown" bird_no_route $V4
drv restart
wait_for 20 "sessions come back after restart" bird_established v4

# ---- SIGKILL: no NOTIFICATION, BIRD must still drop the route (TCP FIN/RST)
wait_for 10 "route present before kill" bird_route_has "$V4 protocol v4" "BGP.med: 10"
kill -KILL "$DRV_PID"
wait_for 15 "driver killed: BIRD drops the route" bird_no_route $V4
wait_for 15 "driver killed: session down" bird_not_established v4

echo "test_bgp_bird: $FAILURES failure(s)"
[ "$FAILURES" -eq 0 ]
