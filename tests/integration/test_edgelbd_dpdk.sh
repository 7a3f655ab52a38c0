#!/usr/bin/env bash
# test_edgelbd_dpdk.sh - edgelbd with node.forwarding = "dpdk" driving the real edgelb-dp between
# two network namespaces: edgelb-dp's NIC port is net_af_packet on the LB node's veth, its
# exception port a TAP (exc0) holding the node's address and MAC; edgelbd sees only exc0.
#   1. health checks and next-hop resolution go through the exception path: both backends up
#   2. a SYN to the VIP leaves edgelb-dp IP-in-IP encapsulated to a backend, with the backend's
#      MAC (neighbour table through the TAP) and the TAP's MAC as source: edgelbd's tables
#   3. edgelbctl status/stats show the DPDK fast path and counters that grew; /metrics too
#   4. edgelb-dp stopped: status DETACHED (VIP unhealthy); restarted (new TAP, new ifindex):
#      edgelbd re-syncs and VIP traffic is forwarded again
#   5. edgelbd stopped: edgelb-dp keeps forwarding; restarted: it adopts the table file
#   6. a backend whose server stops leaves the ring (its flows go to the other)
#   7. edgelbd --detach removes the table file
# Only the two namespaces this script creates are used; --no-huge, a per-run file prefix.
set -uo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh

BUILD=${BUILD:-build}
DP=$BUILD/edgelb-dp
for f in edgelb-dp edgelbd edgelbctl edgelb-testbackend; do
	[ -x "$BUILD/$f" ] || { echo "FAIL: missing $BUILD/$f (run make)"; exit 1; }
done
[ -c /dev/net/tun ] || { echo "FAIL: no /dev/net/tun for the exception port"; exit 1; }

netns_init edpdk
WORK=$(mktemp -d /tmp/elb-edpdk.XXXXXX)
TABLES=/dev/shm/elb-edpdk-$$.tables
PREFIX=elb-edpdk-$$
SOCK=$WORK/lb.sock
CONF=$WORK/lb.conf
netns_on_cleanup "rm -f $TABLES; rm -rf /var/run/dpdk/$PREFIX $WORK"

fail() {
	echo "FAIL: $*" >&2
	for log in "$WORK"/*.log; do
		[ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 20 "$log" >&2; }
	done
	exit 1
}
pass() { echo "ok: $*"; }

NODE_MAC=02:00:00:00:0e:01 # the TAP's: the node's MAC in the tables
VETH_MAC=02:00:00:00:0e:02 # the veth's own (promiscuous under edgelb-dp; the kernel ignores it)
PEER_MAC=02:00:00:00:0e:fe
VIP=10.99.1.1
netns_add lb
netns_add peer
netns_link lb eth0 peer eth0
nsx lb ip link set eth0 address $VETH_MAC
# the node's kernel talks through the TAP only: nothing on the veth answers ARP or ND
nsx lb ip link set eth0 arp off
nsx lb sysctl -qw net.ipv6.conf.all.disable_ipv6=1
nsx peer sysctl -qw net.ipv6.conf.all.disable_ipv6=1
nsx peer ip link set eth0 address $PEER_MAC
nsx peer ip addr add 10.99.0.2/24 dev eth0
nsx peer ip addr add 10.99.0.3/24 dev eth0
nsx peer ip route add 10.99.1.0/24 via 10.99.0.1
nsx peer ethtool -K eth0 tx off >/dev/null

declare -A BE_PID=()
start_backend() { # NAME IP
	netns_bg peer "$BUILD/edgelb-testbackend" --name "$1" --listen "$2:8000" --no-admin \
		>>"$WORK/backend-$1.log" 2>&1
	BE_PID[$1]=$NETNS_LAST_PID
}
start_backend be2 10.99.0.2
start_backend be3 10.99.0.3

cat >"$CONF" <<CONF
node = {
	name = "edpdk";
	interfaces = ( { name = "exc0"; role = "both"; } );
	forwarding = "dpdk";
	encap_source_v4 = "10.99.0.1/32";
	hash_seed = 42;
	dpdk = { shm_path = "$TABLES"; };
};
health = { type = "tcp"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };
api = { socket = "$SOCK"; };
metrics = { enabled = true; listen = "127.0.0.1:9100"; };
vips = (
	{ name = "web"; address = "$VIP"; protocol = "tcp"; port = 8000;
	  backends = ( { name = "be2"; address = "10.99.0.2"; },
		       { name = "be3"; address = "10.99.0.3"; } ); }
);
CONF

ctl() { "$BUILD/edgelbctl" -s "$SOCK" "$@"; }

DP_PID=
start_dp() {
	local log=$WORK/dp.log
	: >"$log"
	netns_bg lb "$DP" -l 0 --no-huge -m 256 --no-pci --no-telemetry --file-prefix "$PREFIX" \
		--log-level '*:error' \
		--vdev net_af_packet0,iface=eth0 --vdev "net_tap0,iface=exc0,mac=$NODE_MAC" -- \
		--tables "$TABLES" --port 0 --exception 0:1 --idle-backoff 64:200 --wait-tables 30 \
		>>"$log" 2>&1
	DP_PID=$NETNS_LAST_PID
	for _ in $(seq 150); do grep -q "forwarding with" "$log" && break; sleep 0.1; done
	grep -q "forwarding with" "$log" || fail "edgelb-dp did not start"
	nsx lb ethtool -K exc0 tx off >/dev/null 2>&1 # complete checksums into edgelb-dp
	nsx lb ip addr add 10.99.0.1/24 dev exc0
	nsx lb ip link set exc0 up
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$1" 2>/dev/null
}

ED_PID=
start_edgelbd() {
	netns_bg lb "$BUILD/edgelbd" -c "$CONF" --foreground >>"$WORK/edgelbd.log" 2>&1
	ED_PID=$NETNS_LAST_PID
	for _ in $(seq 100); do ctl status >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "edgelbd does not answer on $SOCK"
}

# wait_for SECONDS DESCRIPTION CMD...: poll until CMD succeeds
wait_for() {
	local n=$(($1 * 10)) what=$2
	shift 2
	for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	fail "after $((n / 10)) s: $what"
}

in_ring() { [ "$(ctl --json vips | grep -o '"in_ring":[0-9]*' | cut -d: -f2)" = "$1" ]; }
status_has() { ctl status | grep -q -- "$1"; }

# send_syn SPORT: one SYN from the peer to the VIP; prints the backend address and the outer
# MACs of the IP-in-IP frame edgelb-dp sent back ("dst=MAC src=MAC inner_dst=..."), or nothing.
send_syn() {
	nsx peer /usr/bin/python3 - "$1" "$NODE_MAC" "$PEER_MAC" "$VIP" <<-'PY'
	import sys
	from scapy.all import Ether, IP, TCP, conf, srp1
	conf.verb = 0
	sport, node_mac, peer_mac, vip = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
	pkt = Ether(dst=node_mac, src=peer_mac) / IP(src="10.99.0.2", dst=vip) / \
	      TCP(sport=sport, dport=8000, flags="S")
	conf.checkIPaddr = False
	for _ in range(3):
	    sniffed = []
	    from scapy.all import AsyncSniffer, sendp
	    import time
	    s = AsyncSniffer(iface="eth0", lfilter=lambda p: IP in p and p[IP].proto == 4, count=1,
	                     timeout=1.5)
	    s.start()
	    time.sleep(0.2)
	    sendp(pkt, iface="eth0")
	    s.join()
	    if s.results:
	        p = s.results[0]
	        print("backend=%s dst=%s src=%s outer_src=%s" % (p[IP].dst, p[Ether].dst,
	              p[Ether].src, p[IP].src))
	        break
	PY
}

expect_forwarded() { # WHAT [SPORT]
	local out
	out=$(send_syn "${2:-40001}")
	[[ "$out" == backend=10.99.0.[23]* ]] || fail "$1: no IP-in-IP frame to a backend (got '$out')"
	[[ "$out" == *"dst=$PEER_MAC src=$NODE_MAC"* ]] || fail "$1: wrong MACs: $out"
	LAST_BACKEND=${out%% *}
	LAST_BACKEND=${LAST_BACKEND#backend=}
	pass "$1: VIP SYN encapsulated to $LAST_BACKEND ($out)"
}

counter() { ctl --json stats | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }

# ---- 1: edgelbd first (it creates the table file and waits for the TAP), then edgelb-dp ----
netns_bg lb "$BUILD/edgelbd" -c "$CONF" --foreground >>"$WORK/edgelbd.log" 2>&1
ED_PID=$NETNS_LAST_PID
wait_for 10 "edgelbd did not create $TABLES" test -s "$TABLES"
start_dp
for _ in $(seq 100); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
wait_for 10 "both backends in the ring (health through the exception path)" in_ring 2
wait_for 5 "status says attached" status_has "fast path   attached, dpdk"
pass "edgelbd forwarding=dpdk: table file, edgelb-dp attached, 2 backends up through exc0"

# ---- 2, 3 ----
rx0=$(counter rx_packets)
expect_forwarded "first run" 40001
FIRST_BACKEND=$LAST_BACKEND
expect_forwarded "same flow again" 40001
[ "$LAST_BACKEND" = "$FIRST_BACKEND" ] || fail "one flow went to $FIRST_BACKEND then $LAST_BACKEND"
rx1=$(counter rx_packets)
[ "${rx1:-0}" -gt "${rx0:-0}" ] || fail "core rx_packets did not grow ($rx0 -> $rx1)"
ctl stats | grep -q "^dpdk (edgelb-dp" || fail "stats lack the DPDK section"
dtx=$(ctl --json stats | grep -o '"dpdk":{[^}]*' | grep -o '"tx":[0-9]*' | cut -d: -f2)
[ "${dtx:-0}" -gt 0 ] || fail "edgelb-dp tx not counted in edgelbctl stats"
m=$(nsx lb curl -s http://127.0.0.1:9100/metrics)
grep -q '^edgelb_fastpath_attached{node="edpdk"} 1' <<<"$m" || fail "metrics: not attached"
grep -q '^edgelb_dpdk_workers_alive 1' <<<"$m" || fail "metrics: no DPDK worker"
grep -q '^edgelb_vip_packets_total{vip="web"} [1-9]' <<<"$m" || \
	grep -q 'edgelb_vip_packets_total{vip="web"[^}]*} [1-9]' <<<"$m" || fail "metrics: VIP packets"
pass "edgelbctl stats and /metrics: core counters (rx $rx0 -> $rx1) and edgelb-dp tx $dtx"

# ---- 4: edgelb-dp restart ----
stop_pid "$DP_PID" || fail "edgelb-dp ignored SIGTERM"
wait_for 5 "status DETACHED without edgelb-dp" status_has "DETACHED"
ctl --json vips | grep -q '"healthy":false' || fail "VIP still healthy without edgelb-dp"
pass "edgelb-dp stopped: fast path DETACHED, VIP unhealthy"
start_dp
wait_for 10 "attached again after edgelb-dp restart" status_has "fast path   attached"
grep -q "exception interface exc0 recreated" "$WORK/edgelbd.log" || fail "no re-sync logged"
wait_for 10 "both backends back in the ring" in_ring 2
expect_forwarded "after edgelb-dp restart" 40001
[ "$LAST_BACKEND" = "$FIRST_BACKEND" ] || fail "flow moved to $LAST_BACKEND after restart"

# ---- 5: edgelbd restart ----
stop_pid "$ED_PID" || fail "edgelbd ignored SIGTERM"
expect_forwarded "edgelbd stopped" 40002
start_edgelbd
status_has "tables adopted" || fail "restarted edgelbd did not adopt the table file"
wait_for 10 "both backends in the ring after edgelbd restart" in_ring 2
expect_forwarded "edgelbd restarted" 40001
[ "$LAST_BACKEND" = "$FIRST_BACKEND" ] || fail "flow moved to $LAST_BACKEND after edgelbd restart"

# ---- 6: a backend goes away ----
name=be2
[ "$FIRST_BACKEND" = 10.99.0.3 ] && name=be3
stop_pid "${BE_PID[$name]}" || fail "backend $name did not stop"
wait_for 10 "$name out of the ring" in_ring 1
for sp in 41001 41002 41003; do
	expect_forwarded "$name down (sport $sp)" $sp
	[ "$LAST_BACKEND" != "$FIRST_BACKEND" ] || fail "new flow sent to the dead backend"
done

# ---- 7: detach ----
stop_pid "$ED_PID" || fail "edgelbd ignored SIGTERM"
nsx lb "$BUILD/edgelbd" -c "$CONF" --detach 2>>"$WORK/edgelbd.log" || fail "--detach failed"
[ ! -e "$TABLES" ] || fail "--detach left $TABLES"
pass "edgelbd --detach removed the table file"
stop_pid "$DP_PID" || fail "edgelb-dp ignored SIGTERM"
echo "PASS"
