# lab1.sh - sourced: the single-node lab for edgelbd's tests and benchmarks. One "switch"
# namespace with a bridge; a client, one LB node and three backends, each with a veth into the
# bridge, all in 10.99.0.0/24. The client routes the VIP via the LB node; the LB node runs
# edgelbd (XDP native on its veth); backends run edgelb-testbackend (b1..b3) with the VIP on lo
# and bpf/decap.bpf.o on their veth, and answer the client directly (DSR).
#
#   source scripts/lib/netns.sh; source tests/lab1/lab1.sh
#   lab1_init NAME            netns_init + private bpffs + work dir ($LAB_WORK)
#   lab1_up                   namespaces, links, addresses, decap programs, backends
#   lab1_write_config FILE [weights...]   edgelbd config for the lab (b1 b2 b3 weights)
#   lab1_start_edgelbd FILE   edgelbd in the LB namespace ($EDGELBD_PID), waits for its socket
#   ctl ARGS...               edgelbctl against the lab's socket
#
# Only addresses inside these namespaces are used; everything is removed on exit.

BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
LAB_SUBNET=10.99.0
LAB_VIP=10.99.100.1
LAB_PORT=8000
LAB_LB_IP=$LAB_SUBNET.2
LAB_CLIENT_IP=$LAB_SUBNET.10
declare -A LAB_BACKEND_IP=([b1]=$LAB_SUBNET.11 [b2]=$LAB_SUBNET.12 [b3]=$LAB_SUBNET.13)
# IPv6 beside IPv4: fd00:99::N/64, the VIP fd00:99:100::1
LAB_SUBNET6=fd00:99:
LAB_VIP6=fd00:99:100::1
# the LB node's outer sources (encap_source_v4/v6), the only ones the backends' decap accepts
LAB_ENCAP_SRC4=10.99.200.0/24
LAB_ENCAP_SRC6=fd00:99:200::/64
LAB_LB_IP6=${LAB_SUBNET6}:2
LAB_CLIENT_IP6=${LAB_SUBNET6}:10
declare -A LAB_BACKEND_IP6=([b1]=${LAB_SUBNET6}:11 [b2]=${LAB_SUBNET6}:12 [b3]=${LAB_SUBNET6}:13)
declare -A LAB_BACKEND_PID=()
LAB_TOKEN_MS=${LAB_TOKEN_MS:-20}
LAB_CPU=${LAB_CPU:-0} # every lab client and backend runs here (see client() below)

lab1_init() {
	netns_init "$1"
	LAB_WORK=$(mktemp -d /tmp/edgelb-lab1-XXXXXX)
	LAB_BPFFS=$LAB_WORK/bpffs
	mkdir -p "$LAB_BPFFS"
	# A private bpffs: pins must outlive each `ip netns exec` (which mounts its own /sys).
	mount -t bpf bpf "$LAB_BPFFS" || return 1
	LAB_SOCKET=$LAB_WORK/lab1.sock
	netns_on_cleanup 'umount "$LAB_BPFFS" 2>/dev/null; rm -rf "$LAB_WORK"'
}

# _lab1_attach NAME IP IP6: namespace NAME with eth0 = IP/24 and IP6/64, bridged in the switch
# namespace.
_lab1_attach() {
	local name=$1 ip=$2 ip6=$3
	netns_add "$name" || return 1
	netns_link "$name" eth0 sw "p-$name" || return 1
	ip -n "$(netns_name sw)" link set "p-$name" master br0
	# XDP_TX / redirect into a veth needs NAPI on the receiving peer
	nsx sw ethtool -K "p-$name" gro on >/dev/null 2>&1
	ip -n "$(netns_name "$name")" addr add "$ip/24" dev eth0
	ip -n "$(netns_name "$name")" addr add "$ip6/64" dev eth0 nodad
}

# decap_key IP: hex bytes of struct decap_addr_key (16 address bytes, u32 family 4 or 6).
_lab1_decap_key() {
	$PYTHON -c 'import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
print(" ".join("%02x" % b for b in a.packed.ljust(16, b"\0") + bytes([a.version, 0, 0, 0])))' "$1"
}

_lab1_decap_add() { # NS MAPFILE IP
	nsx "$1" bpftool map update pinned "$2" key hex $(_lab1_decap_key "$3") value hex 01
}

# _lab1_decap_src NS DIR PREFIX: an outer source the decap program accepts (the LB's
# encap_source_v4/v6): struct decap_src4_key / decap_src6_key, prefix length in host order.
_lab1_decap_src() {
	local key map
	key=$($PYTHON -c 'import ipaddress, struct, sys
n = ipaddress.ip_network(sys.argv[1])
print(" ".join("%02x" % b for b in struct.pack("=I", n.prefixlen) + n.network_address.packed))' "$3")
	case $3 in *:*) map=decap_src6 ;; *) map=decap_src4 ;; esac
	# shellcheck disable=SC2086 # the key is a list of hex bytes
	nsx "$1" bpftool map update pinned "$2/$map" key hex $key value hex 01
}

_lab1_load_decap() {
	local name=$1 ip=$2 dir=$LAB_BPFFS/decap-$1
	mkdir -p "$dir"
	nsx "$name" bpftool prog load "$BUILD/bpf/decap.bpf.o" "$dir/prog" type xdp pinmaps "$dir" ||
		return 1
	_lab1_decap_add "$name" "$dir/decap_local" "$ip" || return 1
	_lab1_decap_add "$name" "$dir/decap_local" "${LAB_BACKEND_IP6[$name]}" || return 1
	_lab1_decap_add "$name" "$dir/decap_vips" "$LAB_VIP" || return 1
	_lab1_decap_add "$name" "$dir/decap_vips" "$LAB_VIP6" || return 1
	_lab1_decap_src "$name" "$dir" "$LAB_ENCAP_SRC4" || return 1
	_lab1_decap_src "$name" "$dir" "$LAB_ENCAP_SRC6" || return 1
	nsx "$name" bpftool net attach xdpdrv pinned "$dir/prog" dev eth0
}

# _lab1_load_xdp_pass NS IFNAME
_lab1_load_xdp_pass() {
	local dir=$LAB_BPFFS/pass-$2
	mkdir -p "$dir"
	nsx "$1" bpftool prog load "$BUILD/bpf/decap.bpf.o" "$dir/prog" type xdp pinmaps "$dir" &&
		nsx "$1" bpftool net attach xdpdrv pinned "$dir/prog" dev "$2"
}

lab1_start_backend() {
	local b=$1
	netns_bg "$b" taskset -c "$LAB_CPU" "$BUILD/edgelb-testbackend" --name "$b" --listen "0.0.0.0:$LAB_PORT" --listen "[::]:$LAB_PORT" \
		--token-interval-ms "$LAB_TOKEN_MS" --log "$LAB_WORK/$b.log"
	LAB_BACKEND_PID[$b]=$NETNS_LAST_PID
	for _ in $(seq 50); do
		grep -q ' ready: ' "$LAB_WORK/$b.log" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

lab1_up() {
	local b
	netns_add sw || return 1
	ip -n "$(netns_name sw)" link add br0 type bridge
	ip -n "$(netns_name sw)" link set br0 up
	_lab1_attach client "$LAB_CLIENT_IP" "$LAB_CLIENT_IP6" || return 1
	_lab1_attach lb "$LAB_LB_IP" "$LAB_LB_IP6" || return 1
	# Native XDP_TX into a veth needs NAPI on the peer: GRO alone did not enable it here, an
	# XDP program does. decap.bpf.o with empty maps passes everything (an XDP_PASS program).
	_lab1_load_xdp_pass sw p-lb || return 1
	# The client's kernel leaves TCP checksums to the "NIC" (CHECKSUM_PARTIAL on veth); XDP
	# forwards raw frames, so the client must send complete checksums like a real NIC would.
	nsx client ethtool -K eth0 tx off >/dev/null || return 1
	ip -n "$(netns_name client)" route add "$LAB_VIP/32" via "$LAB_LB_IP"
	ip -n "$(netns_name client)" route add "$LAB_VIP6/128" via "$LAB_LB_IP6"
	for b in b1 b2 b3; do
		_lab1_attach "$b" "${LAB_BACKEND_IP[$b]}" "${LAB_BACKEND_IP6[$b]}" || return 1
		ip -n "$(netns_name "$b")" addr add "$LAB_VIP/32" dev lo
		ip -n "$(netns_name "$b")" addr add "$LAB_VIP6/128" dev lo
		nsx "$b" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
		_lab1_load_decap "$b" "${LAB_BACKEND_IP[$b]}" || return 1
		lab1_start_backend "$b" || return 1
	done
}

# lab1_write_config FILE [W1 W2 W3]: one IPv4 VIP "web" with backends b1..b3 of these weights
# ("-" leaves a backend out); with LAB_WITH_V6_VIP=1 also an IPv6 VIP "web6" on the same
# backends' IPv6 addresses (backends b1v6..b3v6, weight 100 each).
lab1_write_config() {
	local file=$1 v6="" backends="" b w
	local -A weight=([b1]=${2:-100} [b2]=${3:-100} [b3]=${4:-200})
	for b in b1 b2 b3; do
		w=${weight[$b]}
		[ "$w" = - ] && continue
		[ -n "$backends" ] && backends+=$',\n'
		backends+="			{ name = \"$b\"; address = \"${LAB_BACKEND_IP[$b]}\"; weight = $w; }"
	done
	if [ "${LAB_WITH_V6_VIP:-0}" = 1 ]; then
		v6=",
	{
		name = \"web6\";
		address = \"$LAB_VIP6\";
		protocol = \"tcp\";
		port = $LAB_PORT;
		backends = (
			{ name = \"b1v6\"; address = \"${LAB_BACKEND_IP6[b1]}\"; },
			{ name = \"b2v6\"; address = \"${LAB_BACKEND_IP6[b2]}\"; },
			{ name = \"b3v6\"; address = \"${LAB_BACKEND_IP6[b3]}\"; }
		);
	}"
	fi
	cat >"$file" <<CONF
# edgelbd configuration of the lab1 integration test (generated)
node = {
	name = "lab1";
	interfaces = ( { name = "eth0"; role = "both"; } );
	xdp_mode = "native";
	encap_source_v4 = "$LAB_ENCAP_SRC4";
	encap_source_v6 = "$LAB_ENCAP_SRC6";
	hash_seed = 12345;
	conn_table_size = 65536;
	bpf_pin_dir = "$LAB_BPFFS/edgelb/lab1";
};
health = {
	type = "http";
	path = "/health";
	interval_ms = 200;
	timeout_ms = 150;
	rise = 2;
	fall = 2;
	jitter_pct = 0;
};
vips = (
	{
		name = "web";
		address = "$LAB_VIP";
		protocol = "tcp";
		port = $LAB_PORT;
		min_healthy = 1;
		backends = (
$backends
		);
	}$v6
);
api = { socket = "$LAB_SOCKET"; };
metrics = { listen = "127.0.0.1:9100"; };
CONF
}

lab1_start_edgelbd() {
	local conf=$1 log=${2:-$LAB_WORK/edgelbd.log}
	netns_bg lb "$BUILD/edgelbd" -c "$conf" --foreground 2>>"$log"
	EDGELBD_PID=$NETNS_LAST_PID
	for _ in $(seq 100); do
		[ -S "$LAB_SOCKET" ] && ctl status >/dev/null 2>&1 && return 0
		kill -0 "$EDGELBD_PID" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

ctl() { "$BUILD/edgelbctl" -s "$LAB_SOCKET" "$@"; }

# client CMD...: run a client program in the client namespace, pinned to $LAB_CPU like the
# backends. On a real NIC, RSS delivers all packets of a flow to one CPU; over veth a packet is
# processed on whichever CPU sent it (the client for requests, the backend's CPU for the ACKs the
# client's kernel sends back in softirq), so unpinned lab processes make flows hop CPUs, which real
# traffic does not do and the fast path's per-CPU connection cache does not expect (see
# docs/operations.md, "Known issues").
client() { nsx client taskset -c "$LAB_CPU" "$@"; }

# lab1_wait_in_ring N [timeout_s] [VIP index]: until N backends are in the VIP's ring.
lab1_wait_in_ring() {
	local want=$1 deadline=$((SECONDS + ${2:-10})) idx=${3:-0}
	while [ $SECONDS -lt $deadline ]; do
		[ "$(ctl --json vips 2>/dev/null | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)[int(sys.argv[1])]["in_ring"])' "$idx" 2>/dev/null)" = "$want" ] && return 0
		sleep 0.05
	done
	return 1
}
