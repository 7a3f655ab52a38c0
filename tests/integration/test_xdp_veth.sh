#!/usr/bin/env bash
# test_xdp_veth.sh - edgelb's XDP program live on a veth pair between two network namespaces:
# native XDP attached on the node side, real frames sent from the peer side, the encapsulated /
# rewritten / answered frames captured on the peer side and compared byte for byte with the
# reference model; the node's counters must account for every frame.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh

LOADER=build/tests/xdp/xdp_veth_loader
[ -x "$LOADER" ] || { echo "missing $LOADER (run make)"; exit 1; }

netns_init xdpveth
netns_add node
netns_add peer
netns_link node lb0 peer p0
nsx node ip link set lb0 address 02:00:00:00:00:01
nsx peer ip link set p0 address 02:00:00:00:00:fe
# quiet interfaces: no IPv6 autoconfiguration chatter from the node's kernel
nsx node sysctl -qw net.ipv6.conf.lb0.disable_ipv6=1
nsx peer sysctl -qw net.ipv6.conf.p0.disable_ipv6=1
# XDP_TX on lb0 hands frames to p0's ring, which veth only polls when p0 has an XDP program
nsx peer ip link set dev p0 xdpdrv obj build/bpf/xdp_pass.bpf.o sec xdp

ready=$(mktemp -u /tmp/elb-xdpveth-ready.XXXXXX)
counters=$(mktemp /tmp/elb-xdpveth-counters.XXXXXX)
netns_on_cleanup "rm -f '$ready' '$counters'"
netns_bg node "$LOADER" lb0 "$ready" >"$counters"
loader_pid=$NETNS_LAST_PID
for _ in $(seq 50); do [ -e "$ready" ] && break; sleep 0.1; done
[ -e "$ready" ] || { echo "FAIL: loader did not become ready"; exit 1; }
nsx node ip -d link show lb0 | grep -q "xdp " || { echo "FAIL: no native XDP on lb0"; exit 1; }

# one CPU sends (and so runs the XDP program for) every frame: the connection cache is per CPU
out=$(nsx peer taskset -c 0 /usr/bin/python3 tests/xdp/veth_live.py p0 2>&1) && rc=0 || rc=$?
echo "$out"
kill -TERM "$loader_pid"
wait "$loader_pid" || true
cat "$counters"
[ "$rc" -eq 0 ] || { echo "FAIL: returned frames differ from the expectation"; exit 1; }

sent=$(echo "$out" | sed -n 's/^sent=\([0-9]*\) non_vip=\([0-9]*\)$/\1/p')
nonvip=$(echo "$out" | sed -n 's/^sent=\([0-9]*\) non_vip=\([0-9]*\)$/\2/p')
get() { sed -n "s/^$1=//p" "$counters"; }
fail=0
# the peer's own kernel may send a few frames of its own (it has no IPv6, but ARP is possible):
# every counter is checked against what we sent, allowing only non-VIP extras
[ "$(get tx)" -eq "$sent" ] || { echo "FAIL: tx=$(get tx), want $sent"; fail=1; }
[ "$(get pass_non_vip)" -ge "$nonvip" ] || { echo "FAIL: pass_non_vip=$(get pass_non_vip) < $nonvip"; fail=1; }
[ "$(get conn_hit)" -eq 16 ] || { echo "FAIL: conn_hit=$(get conn_hit), want 16"; fail=1; }
[ "$(get icmp_echo_replied)" -eq 2 ] || { echo "FAIL: icmp_echo_replied=$(get icmp_echo_replied), want 2"; fail=1; }
[ "$fail" -eq 0 ] && echo "PASS: live XDP on veth: $sent frames forwarded/answered byte-exact, $nonvip passed to the kernel"
exit $fail
