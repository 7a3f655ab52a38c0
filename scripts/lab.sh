#!/usr/bin/env bash
# lab.sh - the anycast lab on one machine, in network namespaces: a client, a core router running
# BIRD 2 (eBGP to every LB node, ECMP over region A), region A (two LB nodes running edgelbd + XDP
# in front of three backends they share) and region B (one LB node, two backends, announcing
# with AS-path prepend: the backup). Backends run edgelb-testbackend behind the decap program,
# with the VIP on lo. Used by `make demo` and the lab tests.
#
#   scripts/lab.sh up     [-r RUN]   build the topology and start everything
#   scripts/lab.sh down   [-r RUN]   stop everything of that run, remove its namespaces and pins
#   scripts/lab.sh status [-r RUN]   sessions, routes, LB nodes
#   scripts/lab.sh exec   [-r RUN] NODE CMD...   run a command in a lab namespace
#   scripts/lab.sh client [-r RUN] CMD...        run a command in the client, pinned to one CPU
#   scripts/lab.sh ctl    [-r RUN] NODE ARGS...  edgelbctl against NODE's edgelbd
#   scripts/lab.sh backend-stop|backend-start [-r RUN] NODE   stop / restart a backend's server
#   scripts/lab.sh lb-kill|lb-stop|lb-start [-r RUN] NODE     SIGKILL / SIGTERM / start edgelbd
#   scripts/lab.sh birdc  [-r RUN] CMD...                      ask the core router's BIRD
#   scripts/lab.sh dp-stop|dp-start [-r RUN] NODE   SIGTERM / start edgelb-dp (LAB_DPDK nodes)
#
# Every namespace is named elb-lab-RUN-NODE; `down` removes exactly those, even after a crash
# (it finds them by name). Processes are started by this script and stopped by the PIDs it
# recorded. Only addresses inside these namespaces are ever used. -r must come before the
# command's own arguments. State (configs, logs, PIDs, BIRD socket, a private bpffs for the
# pins, since `ip netns exec` mounts its own /sys) lives in /run/edgelb-lab/RUN.
#
# Lab needs learned the hard way: the client sends complete TCP checksums (`ethtool -K eth0 tx
# off`; XDP forwards raw frames, no NIC fills them in later); XDP_TX into a veth needs an XDP
# program on the receiving peer (xdp_pass on the bridge ports facing LB nodes); the fast path's
# connection cache is per CPU, so clients and backends run pinned to LAB_CPU, as RSS would keep a
# flow on one CPU on real NICs.
#
# Environment: BUILD (default ./build), LAB_RUN (default run name), LAB_CPU (default 0),
# LAB_HOSTILE_PEER=NODE (that node also peers with a test's hostile_peer.py, see below),
# LAB_DPDK=1 (at `up`: lbA2 is a DPDK node, see below), LAB_DPDK_CPU (default LAB_CPU),
# LAB_EDGELBD_WRAP / LAB_DP_WRAP / LAB_DECAP_WRAP: a command (split on blanks) put in front of
# edgelbd / edgelb-dp / edgelb-decap, e.g. setpriv with a unit's capability set
# (tests/integration/test_unit_caps.sh).
#
# A DPDK node (LAB_DPDK=1: lbA2): edgelb-dp owns its veth eth0 through net_af_packet (the veth
# keeps no address, answers no ARP/ND, has its own MAC and runs promiscuous) and creates a TAP,
# exc0, as its exception port; exc0 carries the node's addresses, routes and MAC, so BGP, ARP/ND
# and health checks cross edgelb-dp. edgelbd runs with forwarding = "dpdk" on the table file
# STATE/NODE.tables and sees exc0 only. edgelb-dp: one lcore pinned to LAB_DPDK_CPU, --no-huge,
# 256 MB, file prefix elb-lab-RUN-NODE, idle back-off (sleeps when idle, the lab shares CPUs).
# Everything on a DPDK node's segment sends complete checksums (`ethtool -K tx off`): a veth
# hands frames over with the checksum still to be filled in, which a real wire never carries
# and which net_af_packet copies as it is, so the TAP's kernel would drop the TCP of BGP and
# of health checks.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUN=${LAB_RUN:-lab}
BUILD=${BUILD:-$ROOT/build}

# ---- addressing (all of it lives inside the lab's namespaces) ----
VIP4=10.99.0.10
VIP6=fd99::10
VIP_PREFIX4=10.99.0.0/24
VIP_PREFIX6=fd99::/64
VIP_PORT=8000
ROUTER_AS=65000
REGION_A_AS=65001
REGION_B_AS=65002
HASH_SEED=1234567
# node: segment-index host-octet
declare -A SEG=([lbA1]=A [lbA2]=A [lbB1]=B [a1]=A [a2]=A [a3]=A [b1]=B [b2]=B)
declare -A HOST=([lbA1]=11 [lbA2]=12 [lbB1]=11 [a1]=21 [a2]=22 [a3]=23 [b1]=21 [b2]=22)
declare -A NET4=([A]=10.91.0 [B]=10.92.0)
declare -A NET6=([A]=fd91: [B]=fd92:)
LB_NODES="lbA1 lbA2 lbB1"
BACKENDS_A="a1 a2 a3"
BACKENDS_B="b1 b2"

LAB_CPU=${LAB_CPU:-0}
LAB_DPDK_CPU=${LAB_DPDK_CPU:-$LAB_CPU}
DPDK_LAB_NODE=lbA2

usage() {
	sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
}

parse_run() {
	while [ $# -ge 2 ] && [ "$1" = -r ]; do
		RUN=$2
		shift 2
	done
	ARGS=("$@")
}

state_dir() { echo "/run/edgelb-lab/$RUN"; }
ns() { echo "elb-lab-$RUN-$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
addr4() { echo "${NET4[${SEG[$1]}]}.${HOST[$1]}"; }
addr6() { echo "${NET6[${SEG[$1]}]}:${HOST[$1]}"; }
log() { printf '[lab %s] %s\n' "$RUN" "$*"; }

# is_dpdk NODE: NODE runs edgelb-dp (decided at `up`, remembered in the state directory)
is_dpdk() { grep -qx "$1" "$(state_dir)/dpdk_nodes" 2>/dev/null; }
# tap_mac NODE: the MAC of NODE's exception TAP (the node's MAC in the fast path's tables)
tap_mac() { printf '02:e1:b0:%02x:00:%02x' "$([ "${SEG[$1]}" = A ] && echo 10 || echo 11)" "${HOST[$1]}"; }

# start NODE NAME CMD...: background process inside a namespace, PID recorded for `down`
start() {
	local node=$1 name=$2
	shift 2
	local sd
	sd=$(state_dir)
	ip netns exec "$(ns "$node")" "$@" >>"$sd/$name.log" 2>&1 </dev/null &
	echo "$! $name" >>"$sd/pids"
}

# veth between namespace A (ifname IA) and namespace B (ifname IB)
link() {
	local a=$1 ia=$2 b=$3 ib=$4 tmp="elbl$$$RANDOM"
	ip link add "${tmp}a" type veth peer name "${tmp}b"
	ip link set "${tmp}a" netns "$(ns "$a")" name "$ia"
	ip link set "${tmp}b" netns "$(ns "$b")" name "$ib"
	nsx "$a" ip link set "$ia" up
	nsx "$b" ip link set "$ib" up
}

# a node on region SEG's bridge: veth NODE:eth0 <-> sw:p-NODE, MTU room for the outer header
attach_segment() {
	local node=$1 seg=${SEG[$1]}
	link "$node" eth0 "sw$seg" "p-$node"
	nsx "sw$seg" ip link set "p-$node" mtu 1600 master br0
	nsx "$node" ip link set eth0 mtu 1600
	if is_dpdk "$node"; then
		# edgelb-dp's port: the kernel keeps out of it (its addresses go on the TAP)
		nsx "$node" ip link set eth0 arp off
		nsx "$node" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
		return 0
	fi
	nsx "$node" ip addr add "$(addr4 "$node")/24" dev eth0
	nsx "$node" ip -6 addr add "$(addr6 "$node")/64" dev eth0 nodad
}

build_topology() {
	local n
	for n in client router swA swB $LB_NODES $BACKENDS_A $BACKENDS_B; do
		ip netns add "$(ns "$n")"
		nsx "$n" ip link set lo up
		nsx "$n" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
	done
	for s in A B; do
		nsx "sw$s" ip link add br0 type bridge
		nsx "sw$s" ip link set br0 mtu 1600 up
	done
	# client <-> router
	link client eth0 router eth-client
	nsx client ip addr add 10.90.0.2/24 dev eth0
	nsx client ip -6 addr add fd90::2/64 dev eth0 nodad
	nsx client ip route add default via 10.90.0.1
	nsx client ip -6 route add default via fd90::1
	# complete checksums from the client, as a NIC would send them (XDP forwards raw frames)
	nsx client ethtool -K eth0 tx off >/dev/null
	nsx router ip addr add 10.90.0.1/24 dev eth-client
	nsx router ip -6 addr add fd90::1/64 dev eth-client nodad
	# router on both region segments
	for s in A B; do
		link router "eth-$s" "sw$s" p-router
		nsx "sw$s" ip link set p-router mtu 1600 master br0
		nsx router ip link set "eth-$s" mtu 1600
		nsx router ip addr add "${NET4[$s]}.1/24" dev "eth-$s"
		nsx router ip addr add "${NET4[$s]}.2/24" dev "eth-$s" # for test peers (hostile_peer)
		nsx router ip -6 addr add "${NET6[$s]}:1/64" dev "eth-$s" nodad
	done
	nsx router sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
		net.ipv4.fib_multipath_hash_policy=1 net.ipv6.fib_multipath_hash_policy=1
	for n in $LB_NODES $BACKENDS_A $BACKENDS_B; do
		attach_segment "$n"
		is_dpdk "$n" && continue # routes on the TAP, once edgelb-dp made it
		nsx "$n" ip route add default via "${NET4[${SEG[$n]}]}.1"
		nsx "$n" ip -6 route add default via "${NET6[${SEG[$n]}]}:1"
	done
	# DPDK nodes: complete checksums from everyone on their segment (see the header)
	for n in $LB_NODES; do
		is_dpdk "$n" || continue
		nsx router ethtool -K "eth-${SEG[$n]}" tx off >/dev/null
		for b in $LB_NODES $BACKENDS_A $BACKENDS_B; do
			[ "${SEG[$b]}" = "${SEG[$n]}" ] && [ "$b" != "$n" ] &&
				nsx "$b" ethtool -K eth0 tx off >/dev/null
		done
	done
	# LB nodes send encapsulated frames back out with XDP_TX; veth delivers them to its peer
	# only when the peer has an XDP program: XDP_PASS on the bridge ports facing LB nodes.
	for n in $LB_NODES; do
		nsx "sw${SEG[$n]}" ip link set dev "p-$n" xdpdrv obj "$BUILD/bpf/xdp_pass.bpf.o" sec xdp
	done
}

write_bird_conf() {
	local sd n conf
	sd=$(state_dir)
	conf="$sd/bird.conf"
	cat >"$conf" <<EOF
# BIRD 2 core router of the edgelb lab (generated by scripts/lab.sh)
router id 10.90.0.1;
log "$sd/bird.log" all;
protocol device {}
protocol kernel kernel4 { ipv4 { import none; export where source = RTS_BGP; }; merge paths on; }
protocol kernel kernel6 { ipv6 { import none; export where source = RTS_BGP; }; merge paths on; }

# Only the VIP prefixes are accepted; a route carrying GRACEFUL_SHUTDOWN (RFC 8326) is kept but
# made least preferred, so traffic moves away before the withdraw.
function vip_import() {
	if net.type = NET_IP4 && ! (net ~ [ $VIP_PREFIX4{24,32} ]) then return false;
	if net.type = NET_IP6 && ! (net ~ [ $VIP_PREFIX6{64,128} ]) then return false;
	if (65535, 0) ~ bgp_community then bgp_local_pref = 0;
	return true;
}
filter vip_in { if vip_import() then accept; reject; }

template bgp lbnode {
	local as $ROUTER_AS;
	hold time 9;
	keepalive time 3;
	connect retry time 2;
	error wait time 1, 5;
}
EOF
	for n in $LB_NODES; do
		local as=$REGION_A_AS
		[ "${SEG[$n]}" = B ] && as=$REGION_B_AS
		cat >>"$conf" <<EOF
protocol bgp ${n}_v4 from lbnode {
	neighbor $(addr4 "$n") as $as;
	source address ${NET4[${SEG[$n]}]}.1;
	ipv4 { import filter vip_in; export none; };
}
protocol bgp ${n}_v6 from lbnode {
	neighbor $(addr6 "$n") as $as;
	source address ${NET6[${SEG[$n]}]}:1;
	ipv6 { import filter vip_in; export none; };
}
EOF
	done
}

start_router() {
	local sd
	sd=$(state_dir)
	write_bird_conf
	bird -p -c "$sd/bird.conf"
	start router bird bird -f -c "$sd/bird.conf" -s "$sd/bird.ctl" -P "$sd/bird.pid"
	wait_until 10 birdc_lab show status || {
		echo "BIRD did not start; see $sd/bird.log" >&2
		return 1
	}
}

# wait_until SECONDS CMD...: poll CMD (quietly) until it succeeds
wait_until() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

birdc_lab() { birdc -s "$(state_dir)/bird.ctl" "$@"; }

start_backend() {
	local n=$1 sd
	sd=$(state_dir)
	nsx "$n" ip addr add "$VIP4/32" dev lo
	nsx "$n" ip -6 addr add "$VIP6/128" dev lo
	nsx "$n" sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	# the decap program strips the LB's outer header from packets to this backend for a VIP,
	# only from the segment's LB nodes (their encap_source_v4/v6, see write_lb_conf); its link
	# and maps are pinned in the lab's bpffs, one directory per backend (the namespaces share
	# the host's bpffs, and every backend's interface is eth0)
	local seg=${SEG[$n]}
	# shellcheck disable=SC2086 # the wrapper is a word list
	start "$n" "decap-$n" ${LAB_DECAP_WRAP:-} "$BUILD/edgelb-decap" -i eth0 \
		-l "$(addr4 "$n")" -l "$(addr6 "$n")" -v "$VIP4" -v "$VIP6" \
		-s "${NET4[$seg]%.*}.200.0/24" -s "${NET6[$seg]}:e1b:0/112" \
		--pin-dir "$sd/bpffs/decap-$n" --stats
	start_server "$n"
}

# LAB_HOSTILE_PEER=NODE: that node also peers with tests/bgp/hostile_peer.py, which a test runs
# in the router namespace on the router's second address (.2) of the segment, port 1790
hostile_peer_conf() {
	[ "${LAB_HOSTILE_PEER:-}" = "$1" ] || return 0
	printf ',\n\t\t{ name = "hostile"; address = "%s.2"; port = 1790; remote_as = 65002; }' \
		"${NET4[${SEG[$1]}]}"
}

write_lb_conf() {
	local n=$1 sd seg as prepend members b
	sd=$(state_dir)
	seg=${SEG[$n]}
	as=$REGION_A_AS
	prepend=0
	members=$BACKENDS_A
	if [ "$seg" = B ]; then
		as=$REGION_B_AS
		prepend=3
		members=$BACKENDS_B
	fi
	local ifname=eth0 forwarding=xdp dpdk=""
	if is_dpdk "$n"; then
		ifname=exc0
		forwarding=dpdk
		dpdk="dpdk = { shm_path = \"$sd/$n.tables\"; };"
	fi
	{
		cat <<EOF
# edgelbd config of lab node $n (generated by scripts/lab.sh)
node = {
	name = "$RUN-$n";
	interfaces = ( { name = "$ifname"; role = "both"; } );
	forwarding = "$forwarding";
	$dpdk
	xdp_mode = "native";
	encap_source_v4 = "${NET4[$seg]%.*}.200.0/24";
	encap_source_v6 = "${NET6[$seg]}:e1b:0/112";
	hash_seed = $HASH_SEED;
	bpf_pin_dir = "$sd/bpffs/$n";
	detach_on_exit = false;
};
health = { type = "http"; path = "/health"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };
api = { socket = "$sd/$n.sock"; };
metrics = { enabled = true; listen = "127.0.0.1:9100"; };
vips = (
EOF
		local fam addr sep=""
		for fam in 4 6; do
			addr=$VIP4
			[ $fam = 6 ] && addr=$VIP6
			printf '%s\t{ name = "chat-v%s"; address = "%s"; protocol = "tcp"; port = %s; min_healthy = 1;\n\t  backends = (' \
				"$sep" "$fam" "$addr" "$VIP_PORT"
			local bsep=""
			for b in $members; do
				local baddr
				baddr=$(addr4 "$b")
				[ $fam = 6 ] && baddr=$(addr6 "$b")
				printf '%s { name = "%s-v%s"; address = "%s"; }' "$bsep" "$b" "$fam" "$baddr"
				bsep=","
			done
			printf ' ); }'
			sep=$',\n'
		done
		cat <<EOF

);
bgp = {
	local_as = $as;
	router_id = "$(addr4 "$n")";
	hold_time = 9;
	connect_retry_sec = 2;
	hold_down_sec = 3;
	drain_wait_sec = 3;
	peers = (
		{ name = "core-v4"; address = "${NET4[$seg]}.1"; remote_as = $ROUTER_AS; },
		{ name = "core-v6"; address = "${NET6[$seg]}:1"; remote_as = $ROUTER_AS; }$(hostile_peer_conf "$n")
	);
	announce = (
		{ prefix = "$VIP4/32"; prepend = $prepend; },
		{ prefix = "$VIP6/128"; prepend = $prepend; }
	);
};
EOF
	} >"$sd/$n.conf"
}

start_lb() {
	local n=$1 sd
	sd=$(state_dir)
	[ -f "$sd/$n.conf" ] || write_lb_conf "$n"
	# shellcheck disable=SC2086 # the wrapper is a word list
	start "$n" "edgelbd-$n" ${LAB_EDGELBD_WRAP:-} "$BUILD/edgelbd" -c "$sd/$n.conf" --foreground
}

# start_dp NODE: edgelb-dp on NODE's veth (net_af_packet) with the TAP exc0 as exception port;
# waits for the TAP and gives it the node's addresses and routes. The table file is edgelbd's:
# edgelb-dp waits for it (--wait-tables), edgelbd waits for exc0.
start_dp() {
	local n=$1 seg=${SEG[$1]}
	# shellcheck disable=SC2086 # the wrapper is a word list
	start "$n" "dp-$n" ${LAB_DP_WRAP:-} "$BUILD/edgelb-dp" --lcores "0@$LAB_DPDK_CPU" --no-huge \
		-m 256 --no-pci --no-telemetry --file-prefix "elb-lab-$RUN-$n" --log-level '*:error' \
		--vdev net_af_packet0,iface=eth0 --vdev "net_tap0,iface=exc0,mac=$(tap_mac "$n")" -- \
		--tables "$(state_dir)/$n.tables" --port 0 --exception 0:1 --idle-backoff 64:200 \
		--wait-tables 60
	wait_until 60 nsx "$n" ip link show exc0 || {
		echo "edgelb-dp on $n made no exc0; see $(state_dir)/dp-$n.log" >&2
		return 1
	}
	# complete checksums and no TSO from the kernel: edgelb-dp forwards frames as they are
	nsx "$n" ethtool -K exc0 tx off >/dev/null 2>&1 || true
	nsx "$n" ip addr add "$(addr4 "$n")/24" dev exc0
	nsx "$n" ip -6 addr add "$(addr6 "$n")/64" dev exc0 nodad
	nsx "$n" ip link set exc0 up
	nsx "$n" ip route replace default via "${NET4[$seg]}.1" dev exc0
	nsx "$n" ip -6 route replace default via "${NET6[$seg]}:1" dev exc0
}

lb_answers() { "$BUILD/edgelbctl" -s "$(state_dir)/$1.sock" status; }

need_files() {
	local f
	local dp=""
	[ "${LAB_DPDK:-0}" = 1 ] && dp=edgelb-dp
	for f in edgelbd edgelbctl edgelb-decap edgelb-testbackend bpf/xdp_pass.bpf.o $dp; do
		[ -e "$BUILD/$f" ] || {
			echo "missing $BUILD/$f: run make first" >&2
			exit 1
		}
	done
}

cmd_up() {
	local sd
	sd=$(state_dir)
	if [ -n "$(ip netns list | grep "^elb-lab-$RUN-" || true)" ]; then
		echo "lab run '$RUN' already exists; run: $0 down -r $RUN" >&2
		exit 1
	fi
	need_files
	mkdir -p "$sd/bpffs"
	: >"$sd/pids"
	: >"$sd/dpdk_nodes"
	if [ "${LAB_DPDK:-0}" = 1 ]; then
		[ -c /dev/net/tun ] || { echo "LAB_DPDK=1 needs /dev/net/tun" >&2; exit 1; }
		echo "$DPDK_LAB_NODE" >"$sd/dpdk_nodes"
	fi
	# pins must outlive each `ip netns exec`, which mounts a /sys of its own
	mountpoint -q "$sd/bpffs" || mount -t bpf bpf "$sd/bpffs"
	log "namespaces and links"
	build_topology
	log "core router: BIRD 2"
	start_router
	log "backends: $BACKENDS_A (region A), $BACKENDS_B (region B)"
	for b in $BACKENDS_A $BACKENDS_B; do start_backend "$b"; done
	log "LB nodes: $LB_NODES"
	for n in $LB_NODES; do
		start_lb "$n"
		if is_dpdk "$n"; then
			log "$n: edgelb-dp (DPDK, net_af_packet + TAP exc0)"
			start_dp "$n"
		fi
	done
	for n in $LB_NODES; do
		wait_until 15 lb_answers "$n" || {
			echo "edgelbd on $n does not answer; see $sd/edgelbd-$n.log" >&2
			exit 1
		}
	done
	log "up (state in $sd)"
}

cmd_down() {
	local sd n
	sd=$(state_dir)
	if [ -f "$sd/pids" ]; then
		while read -r pid name; do
			kill "$pid" 2>/dev/null || true
		done <"$sd/pids"
		sleep 0.3
		while read -r pid name; do
			kill -9 "$pid" 2>/dev/null || true
		done <"$sd/pids"
	fi
	for n in $(ip netns list | awk '{print $1}' | grep "^elb-lab-$RUN-" || true); do
		ip netns del "$n" 2>/dev/null || true
	done
	mountpoint -q "$sd/bpffs" 2>/dev/null && umount "$sd/bpffs"
	rm -rf "$sd" /var/run/dpdk/elb-lab-"$RUN"-*
	log "down"
}

# stop_named NAME [SIGNAL]: signal the process this run started under NAME
stop_named() {
	local sd pid name
	sd=$(state_dir)
	while read -r pid name; do
		[ "$name" = "$1" ] && kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	done <"$sd/pids"
	# forget it, so that `down` does not signal a recycled PID
	grep -v " $1\$" "$sd/pids" >"$sd/pids.new" || true
	mv "$sd/pids.new" "$sd/pids"
}

start_server() {
	local n=$1
	start "$n" "backend-$n" taskset -c "$LAB_CPU" "$BUILD/edgelb-testbackend" --name "$n" \
		--listen "0.0.0.0:$VIP_PORT" --listen "[::]:$VIP_PORT" --tokens 20 --token-interval-ms 50
}

cmd_status() {
	local n
	echo "== BGP sessions at the core router"
	birdc_lab show protocols | grep -E "BGP|Name" || true
	echo "== VIP routes in the core router's kernel"
	nsx router ip route show "$VIP4" || true
	nsx router ip -6 route show "$VIP6" || true
	for n in $LB_NODES; do
		echo "== $n"
		"$BUILD/edgelbctl" -s "$(state_dir)/$n.sock" status 2>&1 || true
	done
}

ARGS=()
[ $# -ge 1 ] || usage
CMD=$1
shift
parse_run "$@"
case "$CMD" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
exec) nsx "${ARGS[@]}" ;;
client) nsx client taskset -c "$LAB_CPU" "${ARGS[@]}" ;;
ctl) "$BUILD/edgelbctl" -s "$(state_dir)/${ARGS[0]}.sock" "${ARGS[@]:1}" ;;
birdc) birdc_lab "${ARGS[@]}" ;;
backend-stop) stop_named "backend-${ARGS[0]}" ;;
backend-start) start_server "${ARGS[0]}" ;;
lb-kill) stop_named "edgelbd-${ARGS[0]}" KILL ;;
lb-stop) stop_named "edgelbd-${ARGS[0]}" TERM ;;
lb-start) start_lb "${ARGS[0]}" ;;
dp-stop) stop_named "dp-${ARGS[0]}" TERM ;;
dp-start) start_dp "${ARGS[0]}" ;;
*) usage ;;
esac
