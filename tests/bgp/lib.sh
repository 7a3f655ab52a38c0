# lib.sh - helpers shared by the BGP integration tests (sourced after scripts/lib/netns.sh):
# the two-namespace topology, BIRD 2 started with its own config/socket/pidfile, the
# bgp_driver fed through a FIFO, and polling assertions.
#
#   bgp_topology                       # namespaces spk (driver) and rtr (BIRD), veth eth0
#   bird_start CONFIG                  # BIRD in rtr, PID in $BIRD_PID
#   birdc_q ARGS...                    # birdc against that BIRD
#   driver_start ARGS...               # bgp_driver in spk, PID in $DRV_PID, commands: drv CMD
#   wait_for SECONDS DESCRIPTION CMD...   # poll CMD until it succeeds, fail with DESCRIPTION

BGP_DRIVER=${BGP_DRIVER:-build/tests/bgp_driver}
BGP_TMP=""
FAILURES=0

bgp_tmpdir() {
	BGP_TMP=$(mktemp -d /tmp/elb-bgp-XXXXXX)
	netns_on_cleanup "rm -rf '$BGP_TMP'"
}

# spk: 10.0.0.1, 10.0.0.11 /24, 2001:db8::1/64 ; rtr: 10.0.0.2, 10.0.0.12, 10.0.0.3 /24, 2001:db8::2/64
bgp_topology() {
	netns_add spk || return 1
	netns_add rtr || return 1
	for ns in spk rtr; do
		nsx $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	netns_link spk eth0 rtr eth0 || return 1
	nsx spk ip addr add 10.0.0.1/24 dev eth0
	nsx spk ip addr add 10.0.0.11/24 dev eth0
	nsx spk ip addr add 2001:db8::1/64 dev eth0 nodad
	nsx rtr ip addr add 10.0.0.2/24 dev eth0
	nsx rtr ip addr add 10.0.0.12/24 dev eth0
	nsx rtr ip addr add 10.0.0.3/24 dev eth0
	nsx rtr ip addr add 2001:db8::2/64 dev eth0 nodad
	wait_for 10 "IPv6 link-local addresses ready" no_tentative_addresses
}

no_tentative_addresses() {
	[ -z "$(nsx spk ip -6 addr show tentative)" ] && [ -z "$(nsx rtr ip -6 addr show tentative)" ] &&
		nsx spk ip -6 addr show dev eth0 scope link | grep -q fe80
}

bird_start() {
	local conf=$1
	BIRD_SOCK="$BGP_TMP/bird.ctl"
	netns_bg rtr /usr/sbin/bird -f -c "$conf" -s "$BIRD_SOCK" -P "$BGP_TMP/bird.pid" \
		>"$BGP_TMP/bird.out" 2>&1
	BIRD_PID=$NETNS_LAST_PID
	wait_for 10 "BIRD up (control socket answers)" birdc -s "$BIRD_SOCK" show status
}

birdc_q() { birdc -s "$BIRD_SOCK" "$@"; }

driver_start() {
	DRV_FIFO="$BGP_TMP/drv.cmd"
	DRV_OUT="$BGP_TMP/drv.out"
	DRV_LOG="$BGP_TMP/drv.log"
	[ -p "$DRV_FIFO" ] || mkfifo "$DRV_FIFO"
	# read-write open never blocks on a FIFO, and keeps the driver's stdin from seeing EOF
	exec 7<>"$DRV_FIFO"
	# not netns_bg: a background command's stdin must be the FIFO, not /dev/null
	ip netns exec "$(netns_name spk)" "$BGP_DRIVER" "$@" <"$DRV_FIFO" >>"$DRV_OUT" 2>>"$DRV_LOG" &
	DRV_PID=$!
	NETNS_PIDS+=("$DRV_PID")
}

drv() { echo "$*" >&7; }

# Prints the driver's status block.
drv_status() {
	: >"$DRV_OUT"
	drv status
	local i
	for i in $(seq 50); do
		grep -q '^status end' "$DRV_OUT" && break
		sleep 0.1
	done
	cat "$DRV_OUT"
}

# peer_state ADDR -> the driver's state for that peer
drv_peer_field() {
	drv_status | awk -v a="$1" -v f="$2" '$1 == "peer" && $3 == a {
		for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == f) print kv[2] } }'
}

wait_for() {
	local secs=$1 what=$2
	shift 2
	local deadline=$(($(date +%s) + secs))
	while ! "$@" >/dev/null 2>&1; do
		if [ "$(date +%s)" -ge "$deadline" ]; then
			fail "timed out after ${secs}s waiting for: $what"
			return 1
		fi
		sleep 0.2
	done
	pass "$what"
}

pass() { echo "PASS: $*"; }
fail() {
	echo "FAIL: $*"
	FAILURES=$((FAILURES + 1))
}

# check DESCRIPTION CMD...: one-shot assertion
check() {
	local what=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

bird_established() { birdc_q show protocols "$1" | grep -q Established; }
bird_not_established() { ! birdc_q show protocols "$1" | grep -q Established; }
bird_route_has() { birdc_q show route all "$1" | grep -q -- "$2"; }
bird_route_lacks() { ! birdc_q show route all "$1" | grep -q -- "$2"; }
bird_no_route() { ! birdc_q show route "$1" | grep -q "${1%/*}"; }

dump_logs() {
	echo "---- driver log (tail)"
	tail -n 40 "${DRV_LOG:-/dev/null}"
	echo "---- bird log (tail)"
	tail -n 30 "$BGP_TMP/bird.log" 2>/dev/null
}
