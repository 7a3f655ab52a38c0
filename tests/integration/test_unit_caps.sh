#!/usr/bin/env bash
# test_unit_caps.sh - edgelbd, edgelb-dp and edgelb-decap with exactly the privileges their
# systemd units give them. The capability sets (CapabilityBoundingSet=, AmbientCapabilities=)
# and the user (User=root, or DynamicUser=yes: a uid of no account) are read from
# packaging/systemd/*.service, so that the units and this test cannot drift apart; setpriv(1)
# applies them as systemd would (bounding, inheritable and ambient sets, no_new_privs).
#   1. each set is needed whole: each program works with its unit's set, and fails with that set
#      minus any one capability (edgelbd: XDP attached, API up, listening on 179 for a passive
#      BGP peer; edgelb-decap: attached; edgelb-dp: forwarding on net_af_packet + net_tap);
#   2. the anycast lab (scripts/lab.sh, LAB_DPDK=1) with every edgelbd, edgelb-dp and
#      edgelb-decap started under its unit's set: the processes hold exactly those capabilities
#      and uids, BGP sessions are Established (through the DPDK node's exception path too), the
#      VIP is announced with ECMP over the XDP and the DPDK node, requests through the VIP are
#      answered by the backends (decapsulated there), health checks take a stopped backend out
#      of the rings and bring it back, and a killed edgelbd restarts and adopts its pinned fast
#      path.
# Only namespaces this run creates are used (scripts/lib/netns.sh, scripts/lab.sh -r RUN); all
# of it is removed on exit, also on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
export BUILD
source scripts/lib/netns.sh

fail() {
	echo "FAIL: $*" >&2
	[ -n "${LOGS:-}" ] && for log in $LOGS; do
		[ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 15 "$log" >&2; }
	done
	exit 1
}
pass() { echo "ok: $*"; }

for f in edgelbd edgelbctl edgelb-dp edgelb-decap edgelb-testbackend tests/dpdk/dp_tables_tool \
	bpf/xdp_pass.bpf.o; do
	[ -e "$BUILD/$f" ] || fail "$BUILD/$f not built (run make)"
done
command -v setpriv >/dev/null || fail "setpriv missing (package util-linux)"
command -v capsh >/dev/null || fail "capsh missing (package libcap2-bin)"
[ -c /dev/net/tun ] || fail "no /dev/net/tun (edgelb-dp's exception TAP)"

# ---- the units' privileges ----
unit_key() { sed -n "s/^$2=//p" "packaging/systemd/$1" | tail -n 1; }

# caps UNIT: the unit's capability names, lower case without CAP_, one line, sorted
caps() {
	local bnd amb
	bnd=$(unit_key "$1" CapabilityBoundingSet)
	amb=$(unit_key "$1" AmbientCapabilities)
	[ "$(tr ' ' '\n' <<<"$bnd" | sort)" = "$(tr ' ' '\n' <<<"$amb" | sort)" ] ||
		fail "$1: AmbientCapabilities= differs from CapabilityBoundingSet= (this test assumes one set)"
	tr ' ' '\n' <<<"${bnd,,}" | sed -n 's/^cap_//p' | sort | tr '\n' ' ' | sed 's/ $//'
}

# A uid in systemd's DynamicUser= range that no account has (DynamicUser=yes units).
dyn_uid() {
	local u=$((61184 + $$ % 4000))
	while getent passwd "$u" >/dev/null || getent group "$u" >/dev/null; do u=$((u + 1)); done
	echo "$u"
}
DYN_UID=$(dyn_uid)

# unit_uid UNIT: the uid its processes run as
unit_uid() {
	local user
	[ "$(unit_key "$1" DynamicUser)" = yes ] && { echo "$DYN_UID"; return; }
	user=$(unit_key "$1" User)
	id -u "${user:-root}" 2>/dev/null || fail "$1: User=$user has no account here"
}

# wrap UNIT [CAPS]: the setpriv command line that runs a program as UNIT would (CAPS: another
# capability list, space-separated, to run it with instead)
wrap() {
	local list=${2-$(caps "$1")} uid spec="-all" c
	uid=$(unit_uid "$1")
	for c in $list; do spec+=",+$c"; done
	local user_opts=""
	[ "$uid" -ne 0 ] && user_opts="--reuid=$uid --regid=$uid --clear-groups"
	[ "$(unit_key "$1" NoNewPrivileges)" = yes ] && user_opts+=" --no-new-privs"
	echo "setpriv $user_opts --bounding-set=$spec --inh-caps=$spec --ambient-caps=$spec --"
}

# without LIST CAP: LIST minus CAP
without() { tr ' ' '\n' <<<"$1" | grep -vx "$2" | tr '\n' ' ' | sed 's/ $//'; }

EDGELBD_CAPS=$(caps edgelbd.service)
DP_CAPS=$(caps edgelb-dp.service)
DECAP_CAPS=$(caps edgelb-decap@.service)
[ -n "$EDGELBD_CAPS" ] && [ -n "$DP_CAPS" ] && [ -n "$DECAP_CAPS" ] || fail "a unit has no capabilities"
echo "units: edgelbd [$EDGELBD_CAPS] uid $(unit_uid edgelbd.service);" \
	"edgelb-dp [$DP_CAPS] uid $(unit_uid edgelb-dp.service);" \
	"edgelb-decap [$DECAP_CAPS] uid $(unit_uid edgelb-decap@.service)"

# ---- 1. each set is needed whole ----
netns_init ucaps
W=$(mktemp -d /tmp/edgelb-ucaps-XXXXXX)
chmod 755 "$W"
mkdir -p "$W/bpffs"
# a private bpffs, mode 0700 as systemd mounts /sys/fs/bpf (`ip netns exec` has its own /sys)
mount -t bpf -o mode=0700 bpf "$W/bpffs" || fail "mount bpffs"
TABLES=/dev/shm/elb-ucaps-$$.tables
DP_PREFIX=elb-ucaps-$$
netns_on_cleanup "umount '$W/bpffs' 2>/dev/null; rm -rf '$W' /var/run/dpdk/$DP_PREFIX; \
	'$BUILD/tests/dpdk/dp_tables_tool' unlink $TABLES >/dev/null 2>&1"
netns_add lb || fail "netns"
netns_add peer || fail "netns"
netns_link lb eth0 peer eth0 || fail "veth"
nsx lb ip addr add 10.98.0.2/24 dev eth0
nsx peer ip addr add 10.98.0.1/24 dev eth0

# run_bg LOG CMD...: CMD in the lb namespace, in the background ($BG_PID)
run_bg() {
	local log=$1
	shift
	: >"$log"
	ip netns exec "$(netns_name lb)" "$@" >"$log" 2>&1 &
	BG_PID=$!
}
# until_up SECONDS CHECK...: CHECK succeeds (0), or the process exits / time runs out (1)
until_up() {
	local deadline=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $deadline ]; do
		"$@" >/dev/null 2>&1 && return 0
		kill -0 "$BG_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
stop_bg() {
	kill "$BG_PID" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$BG_PID" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$BG_PID" 2>/dev/null
	wait "$BG_PID" 2>/dev/null
}

# edgelbd: generic XDP on eth0, a passive BGP peer (port 179), the API socket; a fresh pin dir per
# run, detached (as full root) after it, so that no run adopts another's pins.
RUN_N=0
edgelbd_works() { # CAPS
	RUN_N=$((RUN_N + 1))
	local conf=$W/e$RUN_N.conf sock=$W/e$RUN_N.sock log=$W/edgelbd-$RUN_N.log rc=1
	cat >"$conf" <<-CONF
	node = { name = "ucaps"; interfaces = ( { name = "eth0"; } ); xdp_mode = "generic";
	  encap_source_v4 = "10.98.200.0/24"; bpf_pin_dir = "$W/bpffs/edgelb/r$RUN_N"; };
	vips = ( { name = "v"; address = "10.98.100.1"; protocol = "tcp"; port = 80;
	  backends = ( { name = "b"; address = "10.98.0.1"; } ); } );
	api = { socket = "$sock"; };
	metrics = { enabled = false; };
	bgp = { local_as = 65001; router_id = "10.98.0.2"; drain_wait_sec = 0;
	  peers = ( { name = "p"; address = "10.98.0.1"; remote_as = 65000; passive = true; } );
	  announce = ( { prefix = "10.98.100.0/24"; } ); };
	CONF
	LOGS=$log
	# shellcheck disable=SC2046 # the wrapper is a word list
	run_bg "$log" $(wrap edgelbd.service "$1") "$BUILD/edgelbd" -c "$conf" --foreground
	listening() {
		"$BUILD/edgelbctl" -s "$sock" status &&
			[ -n "$(nsx lb ss -Hltn 'sport = :179')" ]
	}
	until_up 10 listening && rc=0
	stop_bg
	nsx lb "$BUILD/edgelbd" -c "$conf" --detach >/dev/null 2>&1
	return $rc
}

decap_works() { # CAPS
	local log=$W/decap.log rc=1
	LOGS=$log
	# shellcheck disable=SC2046
	run_bg "$log" $(wrap edgelb-decap@.service "$1") "$BUILD/edgelb-decap" -i eth0 \
		-l 10.98.0.2 -v 10.98.100.1 -s 10.98.200.0/24 --pin-dir "$W/bpffs/decap"
	until_up 5 grep -q 'attached to eth0' "$log" && rc=0
	stop_bg
	# the program outlives its tool (a pinned link): the next run starts from nothing
	nsx lb "$BUILD/edgelb-decap" -i eth0 --detach --pin-dir "$W/bpffs/decap" >/dev/null 2>&1
	return $rc
}

"$BUILD/tests/dpdk/dp_tables_tool" write "$TABLES" 02:00:00:00:0e:01 10.98.100.1 80 10.98.0.1 \
	02:00:00:00:0e:fe >/dev/null || fail "dp_tables_tool write"
dp_works() { # CAPS
	local log=$W/dp.log rc=1
	LOGS=$log
	# shellcheck disable=SC2046
	run_bg "$log" $(wrap edgelb-dp.service "$1") "$BUILD/edgelb-dp" -l 0 --no-huge -m 256 \
		--no-pci --no-telemetry --file-prefix "$DP_PREFIX" --log-level '*:error' \
		--vdev net_af_packet0,iface=eth0 --vdev net_tap0,iface=exc0 -- \
		--tables "$TABLES" --port 0 --exception 0:1 --idle-backoff 64:200
	until_up 20 grep -q 'forwarding with' "$log" && rc=0
	stop_bg
	return $rc
}

check_minimal() { # NAME FUNC CAPS
	local name=$1 fn=$2 set=$3 c
	"$fn" "$set" || fail "$name does not work with its unit's capabilities ($set)"
	for c in $set; do
		LOGS=
		"$fn" "$(without "$set" "$c")" &&
			fail "$name works without cap_$c: its unit grants more than it needs"
	done
	pass "$name: works with [$set], fails without any one of them"
}
check_minimal edgelbd edgelbd_works "$EDGELBD_CAPS"
check_minimal edgelb-decap decap_works "$DECAP_CAPS"
check_minimal edgelb-dp dp_works "$DP_CAPS"
LOGS=

# ---- 2. the anycast lab under the units' privileges ----
RUN=uc$$
source scripts/lib/labcheck.sh
LAB_EDGELBD_WRAP=$(wrap edgelbd.service)
LAB_DP_WRAP=$(wrap edgelb-dp.service)
LAB_DECAP_WRAP=$(wrap edgelb-decap@.service)
export LAB_DPDK=1 LAB_EDGELBD_WRAP LAB_DP_WRAP LAB_DECAP_WRAP
SD=/run/edgelb-lab/$RUN
netns_on_cleanup 'lab down >/dev/null 2>&1'
LOGS="$SD/edgelbd-lbA1.log $SD/edgelbd-lbA2.log $SD/dp-lbA2.log $SD/decap-a1.log"

lab up >"$W/lab-up.log" 2>&1 || fail "lab up: $(tail -3 "$W/lab-up.log")"

# pid_of NAME: the process lab.sh started under NAME (ip netns exec execs setpriv, which execs
# the program: one pid)
pid_of() { awk -v n="$1" '$2 == n { print $1 }' "$SD/pids" | tail -n 1; }
# proc_caps PID FIELD: that capability set of the process, as caps() prints one
proc_caps() {
	local hex
	hex=$(awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status")
	capsh --decode="$hex" | sed 's/^.*=//' | tr ',' '\n' | sed -n 's/^cap_//p' | sort |
		tr '\n' ' ' | sed 's/ $//'
}
check_proc() { # NAME UNIT PROGRAM
	local pid want uid f
	pid=$(pid_of "$1")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || fail "$1 is not running"
	# the same file (device and inode): in a chroot /proc/PID/exe names the host's path
	[ "/proc/$pid/exe" -ef "$BUILD/$3" ] ||
		fail "$1 (pid $pid) is $(readlink "/proc/$pid/exe"), not $BUILD/$3"
	want=$(caps "$2")
	for f in CapEff CapPrm CapBnd CapAmb; do
		[ "$(proc_caps "$pid" $f)" = "$want" ] ||
			fail "$1: $f is [$(proc_caps "$pid" $f)], its unit says [$want]"
	done
	uid=$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")
	[ "$uid" = "$(unit_uid "$2")" ] || fail "$1 runs as uid $uid, its unit as $(unit_uid "$2")"
	[ "$(awk '$1 == "NoNewPrivs:" { print $2 }' "/proc/$pid/status")" = 1 ] ||
		fail "$1 runs without no_new_privs"
}
for n in lbA1 lbA2 lbB1; do check_proc "edgelbd-$n" edgelbd.service edgelbd; done
check_proc dp-lbA2 edgelb-dp.service edgelb-dp
for b in a1 a2 a3 b1 b2; do check_proc "decap-$b" edgelb-decap@.service edgelb-decap; done
pass "lab: 3 edgelbd, edgelb-dp, 5 edgelb-decap run with exactly their units' capabilities and uids"

wait_for 40 established 6 || fail "6 BGP sessions not Established (have $(lab birdc show protocols | grep -c Established))"
lab ctl lbA2 status 2>&1 | grep -q 'fast path *attached, dpdk' || fail "lbA2: DPDK fast path not attached"
wait_for 20 ecmp_a4 || fail "VIP route not ECMP over lbA1 (XDP) and lbA2 (DPDK): $(route4)"
pass "BGP: 6 sessions Established, $VIP4 announced with ECMP over lbA1 (XDP) and lbA2 (DPDK)"

# requests N: backend names of N requests through the VIP, one connection each
requests() {
	for _ in $(seq "$1"); do
		lab client curl -s -m 3 -o /dev/null -w '%{http_code} %header{x-backend}\n' \
			-H 'Content-Type: application/json' -d '{"prompt":"hi","max_tokens":2}' "$URL4"
	done
}
out=$(requests 12)
[ "$(grep -c '^200 a[123]$' <<<"$out")" -eq 12 ] || fail "requests through the VIP: $(sort <<<"$out" | uniq -c | tr '\n' ' ')"
pass "12 requests through the VIP answered by region A: $(awk '{print $2}' <<<"$out" | sort | uniq -c | tr -s ' \n' ' ')"

in_ring() { [ "$(lab ctl "$1" --json vips | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["in_ring"])')" = "$2" ]; }
for n in lbA1 lbA2; do wait_for 10 in_ring "$n" 3 || fail "$n: 3 backends not in the ring"; done
lab backend-stop a1
for n in lbA1 lbA2; do wait_for 10 in_ring "$n" 2 || fail "$n: stopped a1 still in the ring"; done
lab backend-start a1
for n in lbA1 lbA2; do wait_for 10 in_ring "$n" 3 || fail "$n: a1 did not come back"; done
pass "health: a stopped backend left both nodes' rings and came back"

lab lb-kill lbA1
lab lb-start lbA1
adopted() { out_has '"adopted_tables":true' lab ctl lbA1 --json status; }
wait_for 15 adopted ||
	fail "lbA1: restarted edgelbd did not adopt its pinned tables"
check_proc edgelbd-lbA1 edgelbd.service edgelbd
wait_for 20 ecmp_a4 || fail "lbA1 did not announce again after the restart"
pass "killed edgelbd restarted under the unit's set: pinned fast path adopted, announced again"
echo "PASS test_unit_caps"
