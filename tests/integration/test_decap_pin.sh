#!/usr/bin/env bash
# test_decap_pin.sh - edgelb-decap on a real veth (native XDP), between two namespaces this run
# creates: a sender ("lb") and a backend ("be") with the VIPs on lo. The sender builds IP-in-IP
# and IPv6-in-IPv6 echo requests to the VIPs with scapy; the backend's kernel answers an echo
# only if the program decapsulated it.
#   1. it refuses to start without -s, and on a --pin-dir that is not on a bpffs;
#   2. attached through a pinned bpf_link, maps pinned beside it, counters on SIGUSR1;
#   3. after kill -9 the program is still attached and decapsulates from listed outer sources
#      (IPv4 and IPv6) and drops the others, counted (--show-stats);
#   4. a second start while one runs is refused; a start after it swaps its program into the
#      same link (same link id, new program, counters kept), with its own source list; SIGTERM
#      leaves it attached; a start in generic mode replaces a native link;
#   5. --detach removes the program and every pin; it removes nothing outside a bpffs.
# Only namespaces and a bpffs this run creates are used (scripts/lib/netns.sh); all of it is
# removed on exit, also on failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
source scripts/lib/netns.sh

LOG=
fail() {
	echo "FAIL: $*" >&2
	[ -n "$LOG" ] && [ -f "$LOG" ] && { echo "--- $LOG" >&2; tail -n 20 "$LOG" >&2; }
	exit 1
}
pass() { echo "ok: $*"; }

[ -x "$BUILD/edgelb-decap" ] || fail "$BUILD/edgelb-decap not built (run make)"
command -v bpftool >/dev/null || fail "bpftool missing"
$PYTHON -c 'import scapy' 2>/dev/null || fail "scapy missing (python3-scapy)"

VIP4=10.97.100.1
VIP6=fd97:100::1
SRC4=10.97.200.0/24 # the "LB nodes'" encap_source_v4 / v6
SRC6=fd97:200::/64

netns_init dpin
W=$(mktemp -d /tmp/edgelb-dpin-XXXXXX)
mkdir "$W/bpffs" "$W/notbpf"
DECAP_PID=
# edgelb-decap holds its pin directory open: it goes before the bpffs is unmounted
# shellcheck disable=SC2016 # expanded when the cleanup runs
netns_on_cleanup '[ -n "$DECAP_PID" ] && kill -9 "$DECAP_PID" 2>/dev/null; wait 2>/dev/null;
	umount "$W/bpffs" 2>/dev/null; rm -rf "$W"'
mount -t bpf bpf "$W/bpffs" || fail "mount bpffs"
PINS=$W/bpffs/decap
DIR=$PINS/eth0

netns_add lb || fail "netns"
netns_add be || fail "netns"
netns_link lb eth0 be eth0 || fail "veth"
nsx lb ip addr add 10.97.0.1/24 dev eth0
nsx lb ip addr add fd97::1/64 dev eth0 nodad
nsx be ip addr add 10.97.0.2/24 dev eth0
nsx be ip addr add fd97::2/64 dev eth0 nodad
nsx be ip addr add "$VIP4/32" dev lo
nsx be ip addr add "$VIP6/128" dev lo
BE_MAC=$(nsx be cat /sys/class/net/eth0/address)

cat >"$W/probe.py" <<'EOF'
# probe.py BE_MAC FAMILY:OUTER_SRC:ID... - for each, an echo request to the VIP inside IP-in-IP
# (4) or IPv6-in-IPv6 (6) from OUTER_SRC to the backend; prints "reply" or "none" per probe.
import sys
import time
from scapy.all import (ICMP, IP, AsyncSniffer, Ether, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,
                       conf, sendp)
conf.verb = 0
mac = sys.argv[1]
for spec in sys.argv[2:]:
    fam, src, ident = spec.split("/")[0], spec.split("/")[1], int(spec.split("/")[2])
    if fam == "4":
        frame = (Ether(dst=mac) / IP(src=src, dst="10.97.0.2", proto=4) /
                 IP(src="10.97.0.1", dst="10.97.100.1") / ICMP(id=ident, seq=1))
        match = lambda p: ICMP in p and p[ICMP].type == 0 and p[ICMP].id == ident
    else:
        frame = (Ether(dst=mac) / IPv6(src=src, dst="fd97::2", nh=41) /
                 IPv6(src="fd97::1", dst="fd97:100::1") / ICMPv6EchoRequest(id=ident, seq=1))
        match = lambda p: ICMPv6EchoReply in p and p[ICMPv6EchoReply].id == ident
    sniffer = AsyncSniffer(iface="eth0", lfilter=match, count=1, timeout=2)
    sniffer.start()
    time.sleep(0.3)
    sendp(frame, iface="eth0")
    sniffer.join()
    print("reply" if sniffer.results else "none")
EOF
# probe SPEC...: the answers, one a word ("reply none ...")
probe() { nsx lb "$PYTHON" "$W/probe.py" "$BE_MAC" "$@" | tr '\n' ' ' | sed 's/ $//'; }

decap() { nsx be "$BUILD/edgelb-decap" -i eth0 --pin-dir "$PINS" "$@"; }
# start_decap LOG ARGS...: edgelb-decap in the background ($DECAP_PID), until it attached
start_decap() {
	LOG=$1
	shift
	: >"$LOG"
	ip netns exec "$(netns_name be)" "$BUILD/edgelb-decap" -i eth0 --pin-dir "$PINS" "$@" \
		>"$LOG" 2>&1 &
	DECAP_PID=$!
	for _ in $(seq 100); do
		grep -q 'attached to eth0' "$LOG" && return 0
		kill -0 "$DECAP_PID" 2>/dev/null || fail "edgelb-decap exited"
		sleep 0.05
	done
	fail "edgelb-decap did not attach"
}
stop_decap() { # SIGNAL
	kill "-$1" "$DECAP_PID" 2>/dev/null
	wait "$DECAP_PID" 2>/dev/null
	local rc=$?
	DECAP_PID=
	return $rc
}
# xdp_prog: "xdp|xdpgeneric id N name NAME" of the program on the backend's eth0, or nothing
xdp_prog() {
	nsx be ip -j -d link show eth0 | $PYTHON -c 'import json, sys
x = json.load(sys.stdin)[0].get("xdp")
if x:
    print("%s id %d name %s" % ({1: "xdp", 2: "xdpgeneric"}.get(x["mode"], "xdp?"),
                                x["prog"]["id"], x["prog"]["name"]))'
}
link_json() { nsx be bpftool -j link show pinned "$DIR/link"; }
json_field() { $PYTHON -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
stat_of() { decap --show-stats | sed -n "s/^$1=//p"; }
ARGS=(-l 10.97.0.2 -l fd97::2 -v "$VIP4" -v "$VIP6" -s "$SRC4" -s "$SRC6")

# ---- 1. refusals ----
out=$(decap -l 10.97.0.2 -v "$VIP4" 2>&1)
rc=$?
[ $rc -eq 2 ] && grep -q 'no -s' <<<"$out" || fail "start without -s: exit $rc, $out"
out=$(nsx be "$BUILD/edgelb-decap" -i eth0 --pin-dir "$W/notbpf" "${ARGS[@]}" 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -q 'is not on a bpffs' <<<"$out" || fail "start on a non-bpffs pin dir: exit $rc, $out"
[ -z "$(xdp_prog)" ] && [ -z "$(ls -A "$W/notbpf")" ] || fail "refused starts left something behind"
out=$(decap "${ARGS[@]}" -s 10.97.200.1/24 2>&1)
[ $? -eq 1 ] && grep -q 'host bits' <<<"$out" || fail "a prefix with host bits was accepted: $out"
[ -z "$(xdp_prog)" ] || fail "a refused start attached"
pass "no start without -s, on a pin dir outside bpffs, or with host bits in a prefix"

# ---- 2. attached through a pinned link ----
start_decap "$W/decap1.log" "${ARGS[@]}" --stats
for f in link decap_local decap_vips decap_src4 decap_src6 decap_stats; do
	[ -e "$DIR/$f" ] || fail "no pin $DIR/$f"
done
[ "$(link_json | json_field type)" = xdp ] || fail "pinned link is not an XDP link: $(link_json)"
LINK_ID=$(link_json | json_field id)
PROG1=$(link_json | json_field prog_id)
[ "$(xdp_prog)" = "xdp id $PROG1 name edgelb_decap" ] || fail "eth0 does not run the link's program: $(xdp_prog)"
nsx be bpftool map dump pinned "$DIR/decap_src4" | grep -q '"prefixlen": 24' ||
	fail "source trie has no /24: $(nsx be bpftool map dump pinned "$DIR/decap_src4")"
kill -USR1 "$DECAP_PID"
for _ in $(seq 40); do grep -q '^unknown_source=0$' "$LOG" && break; sleep 0.05; done
grep -q '^decapsulated=0$' "$LOG" || fail "no counters on SIGUSR1"
pass "attached natively through pinned link $LINK_ID (program $PROG1), maps pinned beside it, counters on SIGUSR1"

# ---- 3. killed: the program goes on ----
stop_decap KILL
[ "$(xdp_prog)" = "xdp id $PROG1 name edgelb_decap" ] || fail "after kill -9: $(xdp_prog)"
out=$(probe 4/10.97.200.7/101 4/10.97.200.255/102 4/10.97.201.7/103 6/fd97:200::7/104 \
	6/fd97:201::7/105)
[ "$out" = "reply reply none reply none" ] ||
	fail "after kill -9, listed 4, listed 4, unlisted 4, listed 6, unlisted 6: $out"
[ "$(stat_of decapsulated)" = 3 ] && [ "$(stat_of unknown_source)" = 2 ] ||
	fail "counters after kill -9: $(decap --show-stats | tr '\n' ' ')"
pass "after kill -9: still attached; listed sources decapsulated (answered), others dropped and counted"

# ---- 4. a second start: refused while one runs, then adopts the link ----
start_decap "$W/decap2.log" "${ARGS[@]}" -s 10.97.201.0/24 --stats
grep -q 'into the pinned link' "$LOG" || fail "second start did not adopt the pinned link"
[ "$(link_json | json_field id)" = "$LINK_ID" ] || fail "a new link instead of the pinned one"
PROG2=$(link_json | json_field prog_id)
[ "$PROG2" != "$PROG1" ] && [ "$(xdp_prog)" = "xdp id $PROG2 name edgelb_decap" ] ||
	fail "the pinned link did not take the new program ($PROG1 -> $PROG2): $(xdp_prog)"
out=$(decap "${ARGS[@]}" 2>&1)
[ $? -eq 1 ] && grep -q 'another edgelb-decap runs' <<<"$out" || fail "a second instance started: $out"
out=$(probe 4/10.97.201.7/106 4/10.97.202.7/107)
[ "$out" = "reply none" ] || fail "new source list (10.97.201.0/24 added): $out"
[ "$(stat_of decapsulated)" = 4 ] && [ "$(stat_of unknown_source)" = 3 ] ||
	fail "counters did not go on across the restart: $(decap --show-stats | tr '\n' ' ')"
stop_decap TERM || fail "SIGTERM: exit $?"
grep -q '^decapsulated=4$' "$LOG" || fail "--stats printed nothing on SIGTERM"
[ "$(xdp_prog)" = "xdp id $PROG2 name edgelb_decap" ] || fail "SIGTERM took the program off: $(xdp_prog)"
[ "$(probe 4/10.97.200.9/108)" = reply ] || fail "not decapsulating after SIGTERM"
pass "second start refused while one runs; next one swapped program $PROG1 -> $PROG2 into link $LINK_ID (new sources, counters kept); SIGTERM leaves it"

start_decap "$W/decap3.log" "${ARGS[@]}" --generic
grep -q 'is native XDP: replacing it' "$LOG" || fail "generic start did not replace the native link"
xdp_prog | grep -q '^xdpgeneric id [0-9]* name edgelb_decap$' || fail "not generic now: $(xdp_prog)"
[ "$(probe 6/fd97:200::9/109)" = reply ] || fail "generic: not decapsulating"
stop_decap TERM
pass "a start in generic mode replaced the native link"

# ---- 5. --detach ----
mkdir -p "$W/notbpf/eth0"
: >"$W/notbpf/eth0/link"
: >"$W/notbpf/eth0/decap_stats"
out=$(nsx be "$BUILD/edgelb-decap" -i eth0 --pin-dir "$W/notbpf" --detach 2>&1)
rc=$?
[ $rc -eq 1 ] && [ -e "$W/notbpf/eth0/link" ] && [ -e "$W/notbpf/eth0/decap_stats" ] ||
	fail "--detach outside bpffs: exit $rc, $out; left: $(ls "$W/notbpf/eth0")"
xdp_prog | grep -q edgelb_decap || fail "--detach elsewhere took the program off"
decap --detach || fail "--detach: exit $?"
[ -z "$(xdp_prog)" ] || fail "still attached after --detach: $(xdp_prog)"
[ ! -e "$DIR" ] || fail "pins left after --detach: $(ls -A "$DIR")"
decap --detach >/dev/null 2>&1 || fail "a second --detach (nothing pinned) failed"
pass "--detach removed the program and its pins; outside bpffs it removed nothing"
echo "PASS test_decap_pin"
