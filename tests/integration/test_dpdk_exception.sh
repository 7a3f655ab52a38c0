#!/usr/bin/env bash
# test_dpdk_exception.sh - the real edgelb-dp binary between two network namespaces: its NIC port
# is net_af_packet on a veth end, its exception port a TAP (net_tap) holding the node's address.
#   1. the exception path both ways: the peer pings the node's address (ARP and ICMP cross
#      edgelb-dp into the kernel through the TAP, the kernel's answers go out the NIC port)
#   2. VIP traffic is encapsulated to the backend (an IP-in-IP frame arrives at the peer)
#   3. SIGTERM stops it gracefully; a restarted edgelb-dp re-attaches to the same tables and
#      forwards again, its counters continuing
# Everything stays inside the two namespaces this script creates; --no-huge, per-run file prefix.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh

DP=build/edgelb-dp
TOOL=build/tests/dpdk/dp_tables_tool
for f in "$DP" "$TOOL"; do [ -x "$f" ] || { echo "missing $f (run make)"; exit 1; }; done
[ -c /dev/net/tun ] || { echo "FAIL: no /dev/net/tun for the exception port"; exit 1; }

netns_init dpexc
TABLES=/dev/shm/elb-dpexc-$$
PREFIX=elb-dpexc-$$
LOG=$(mktemp /tmp/elb-dpexc-log.XXXXXX)
netns_on_cleanup "$TOOL unlink $TABLES; rm -rf /var/run/dpdk/$PREFIX; rm -f $LOG"

NODE_MAC=02:00:00:00:0d:01
PEER_MAC=02:00:00:00:0d:fe
netns_add lb
netns_add peer
netns_link lb eth0 peer eth0
nsx lb ip link set eth0 address $NODE_MAC
nsx peer ip link set eth0 address $PEER_MAC
for ns in lb peer; do nsx $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
nsx peer ip addr add 10.99.0.2/24 dev eth0
nsx peer ip route add 10.99.1.0/24 via 10.99.0.1

# VIP 10.99.1.1:80 -> backend 10.99.0.2 (the peer)
"$TOOL" write "$TABLES" $NODE_MAC 10.99.1.1 80 10.99.0.2 $PEER_MAC

DP_PID=
start_dp() {
	: >"$LOG"
	netns_bg lb "$DP" -l 0 --no-huge -m 256 --no-pci --no-telemetry --file-prefix "$PREFIX" \
		--log-level '*:error' \
		--vdev net_af_packet0,iface=eth0 --vdev "net_tap0,iface=exc0,mac=$NODE_MAC" -- \
		--tables "$TABLES" --port 0 --exception 0:1 --idle-backoff 64:200 >>"$LOG" 2>&1
	DP_PID=$NETNS_LAST_PID
	for _ in $(seq 100); do grep -q "forwarding with" "$LOG" && break; sleep 0.1; done
	grep -q "forwarding with" "$LOG" || { cat "$LOG"; echo "FAIL: edgelb-dp did not start"; exit 1; }
	# the kernel side of the exception port holds the node's address
	nsx lb ip addr add 10.99.0.1/24 dev exc0
	nsx lb ip link set exc0 up
}

stop_dp() {
	kill -TERM "$DP_PID"
	for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$DP_PID" 2>/dev/null; then echo "FAIL: edgelb-dp ignored SIGTERM"; exit 1; fi
	wait "$DP_PID" || { cat "$LOG"; echo "FAIL: edgelb-dp exited with an error"; exit 1; }
}

stat_of() { "$TOOL" stats "$TABLES" | awk -v k="$1" '$1 == k { print $2 }'; }

check_exception_path() {
	nsx peer ip neigh flush dev eth0
	nsx peer ping -c 3 -i 0.2 -W 2 10.99.0.1 >/dev/null ||
		{ cat "$LOG"; echo "FAIL: $1: no answer from the node's kernel through edgelb-dp"; exit 1; }
	echo "ok: $1: ping through the exception path"
}

check_vip_forwarded() {
	local cap
	cap=$(mktemp /tmp/elb-dpexc-cap.XXXXXX)
	nsx peer timeout 5 tcpdump -nn -i eth0 -c 1 -w "$cap" 'ip proto 4 and dst host 10.99.0.2' \
		2>/dev/null &
	local tpid=$!
	sleep 1
	# one SYN to the VIP; nobody answers it (the backend side has no decapsulation here)
	nsx peer /usr/bin/python3 - <<-'EOF'
	from scapy.all import Ether, IP, TCP, sendp, conf
	conf.verb = 0
	sendp(Ether(dst="02:00:00:00:0d:01", src="02:00:00:00:0d:fe") /
	      IP(src="10.99.0.2", dst="10.99.1.1") / TCP(sport=40001, dport=80, flags="S"), iface="eth0")
	EOF
	wait $tpid || true
	local n
	n=$(tcpdump -nn -r "$cap" 2>/dev/null | grep -c "10.99.1.1.80" || true)
	rm -f "$cap"
	[ "$n" -ge 1 ] || { cat "$LOG"; echo "FAIL: $1: no IP-in-IP frame to the backend"; exit 1; }
	echo "ok: $1: VIP SYN encapsulated to the backend"
}

start_dp
check_exception_path "first run"
check_vip_forwarded "first run"
tx1=$(stat_of tx)
stop_dp
echo "ok: graceful stop on SIGTERM"

start_dp
check_vip_forwarded "after restart"
check_exception_path "after restart"
tx2=$(stat_of tx)
[ "$tx2" -gt "$tx1" ] || { echo "FAIL: counters did not continue ($tx1 -> $tx2)"; exit 1; }
echo "ok: restarted edgelb-dp re-attached to the tables (tx $tx1 -> $tx2)"
stop_dp
"$DP" --dump-stats --tables "$TABLES"
echo "PASS"
