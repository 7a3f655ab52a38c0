#!/usr/bin/env bash
# test_sd_notify.sh - the readiness protocol of systemd's Type=notify (sd_notify(3)) as a service
# manager sees it: a unix datagram socket in $NOTIFY_SOCKET that records every message with its
# sender's pid (SCM_CREDENTIALS, as systemd's NotifyAccess=main checks it) and arrival time.
#   XDP (the lab of tests/lab1): edgelbd's first message is READY=1 with STATUS=, and when it
#   arrives the fast path is attached (edgelbctl status) and the VIP entry is in the pinned vips
#   map; STATUS= follows the VIP's health; SIGHUP, a broken SIGHUP and `edgelbctl reload` are
#   each RELOADING=1 (with MONOTONIC_USEC= of CLOCK_MONOTONIC) then READY=1, the broken one with
#   the error in STATUS=; SIGTERM is STOPPING=1.
#   DPDK: with the table file written but no edgelb-dp, no READY=1 (STATUS= says it waits);
#   edgelb-dp (net_null port, no hugepages) sends READY=1 once forwarding, then edgelbd sends
#   READY=1; edgelb-dp stopped is STOPPING=1 from it and a degraded STATUS= from edgelbd.
# Only namespaces this run creates are used; everything is removed on exit, also on failure.
set -u
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh
source tests/lab1/lab1.sh

fail() {
	echo "FAIL: $*" >&2
	for log in "$LAB_WORK"/*.log; do
		[ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 25 "$log" >&2; }
	done
	exit 1
}
pass() { echo "ok: $*"; }

for bin in edgelbd edgelbctl edgelb-dp edgelb-testbackend bpf/decap.bpf.o; do
	[ -e "$BUILD/$bin" ] || fail "$BUILD/$bin not built (run make)"
done
command -v bpftool >/dev/null || fail "bpftool missing (scripts/deps.sh)"

lab1_init sdnotify || fail "lab init (bpffs mount)"
LISTEN=$LAB_WORK/notify_listen.py
# notify_listen.py SOCKET LOG [CHECK]: one LOG line per message, "<monotonic ns> pid=<sender>
# <message, newlines as |>"; for a message with READY=1, CHECK (a shell command) runs at once and
# its verdict ends the line: CHECK=ok or CHECK=fail:<output>.
cat >"$LISTEN" <<'PY'
import socket, struct, subprocess, sys, time
path, log = sys.argv[1], sys.argv[2]
check = sys.argv[3] if len(sys.argv) > 3 else None
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(path)
with open(log, "a", buffering=1) as out:
    while True:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        now = time.monotonic_ns()
        pid = 0
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = struct.unpack("iii", data[:12])[0]
        text = msg.decode(errors="replace")
        line = "%d pid=%d %s" % (now, pid, text.replace("\n", "|"))
        if check and "READY=1" in text.split("\n"):
            r = subprocess.run(["sh", "-c", check], capture_output=True, text=True)
            verdict = "ok" if r.returncode == 0 else "fail:" + (r.stdout + r.stderr)[:300]
            line += " CHECK=" + verdict.replace("\n", " ")
        out.write(line + "\n")
PY

# start_listener NAME [CHECK]: socket $LAB_WORK/NAME.sock, messages in $LAB_WORK/NAME.log
start_listener() {
	local sock=$LAB_WORK/$1.sock
	: >"$LAB_WORK/$1.log"
	netns_bg sw "$PYTHON" "$LISTEN" "$sock" "$LAB_WORK/$1.log" "${2:-}"
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.05; done
	fail "notify listener $1 did not bind $sock"
}

# wait_msg LOG PATTERN SECONDS [FROM_LINE]: until a line after FROM_LINE matches the extended
# regex PATTERN; prints that line's number.
wait_msg() {
	local log=$1 re=$2 n=$(($3 * 20)) from=${4:-0} hit
	for _ in $(seq "$n"); do
		hit=$(tail -n +"$((from + 1))" "$log" | grep -nE -m1 -- "$re" | cut -d: -f1)
		[ -n "$hit" ] && { echo $((from + hit)); return 0; }
		sleep 0.05
	done
	return 1
}
line_of() { sed -n "$2p" "$1"; }
lines() { wc -l <"$1"; }

# ---- XDP: the lab ----
lab1_up || fail "lab topology"
CONF=$LAB_WORK/lab1.conf
LOG=$LAB_WORK/edgelbd.log
NLOG=$LAB_WORK/ed.log
lab1_write_config "$CONF" 100 100 200
sed 's/weight = 200;/weight = "heavy";/' "$CONF" >"$LAB_WORK/broken.conf"
READY_CHECK="'$BUILD/edgelbctl' -s '$LAB_SOCKET' status | grep -q '^fast path *attached' &&
	bpftool -j map dump pinned '$LAB_BPFFS/edgelb/lab1/vips' | grep -q '\"key\"' &&
	grep -q 'running: node lab1' '$LOG'"
start_listener ed "$READY_CHECK"

export NOTIFY_SOCKET=$LAB_WORK/ed.sock
lab1_start_edgelbd "$CONF" "$LOG" || fail "edgelbd did not start"
unset NOTIFY_SOCKET
n=$(wait_msg "$NLOG" 'READY=1' 10) || fail "no READY=1 from edgelbd in 10 s"
first=$(line_of "$NLOG" 1)
[ "$n" = 1 ] || fail "READY=1 is message $n, not the first: $(head -n "$n" "$NLOG")"
[[ "$first" == *" pid=$EDGELBD_PID "* ]] || fail "READY=1 not from edgelbd's pid $EDGELBD_PID: $first"
[[ "$first" == *"|STATUS=running: 1 VIPs ("*"fast path attached"* ]] || fail "READY=1 without its STATUS=: $first"
[[ "$first" == *" CHECK=ok" ]] || fail "at READY=1 the fast path or its tables were not ready: $first"
pass "edgelbd: READY=1 (first message, its own pid) with the fast path attached and the VIP in the pinned map"

lab1_wait_in_ring 3 10 || fail "three backends not in the ring after 10 s"
wait_msg "$NLOG" 'STATUS=running: 1 VIPs \(1 healthy\), fast path attached' 5 >/dev/null ||
	fail "STATUS= did not follow the VIP becoming healthy"
pass "STATUS= follows the VIP's health: $(grep -o 'STATUS=running: 1 VIPs (1 healthy)[^|]*' "$NLOG" | tail -n1)"

# reload_seen WHAT FROM: RELOADING=1 (MONOTONIC_USEC= near its arrival) then READY=1, after FROM
reload_seen() {
	local what=$1 from=$2 r y line arrived usec
	r=$(wait_msg "$NLOG" 'RELOADING=1' 5 "$from") || fail "$what: no RELOADING=1"
	y=$(wait_msg "$NLOG" 'READY=1' 5 "$r") || fail "$what: no READY=1 after RELOADING=1"
	line=$(line_of "$NLOG" "$r")
	[[ "$line" == *" pid=$EDGELBD_PID "* ]] || fail "$what: RELOADING=1 from another pid: $line"
	arrived=${line%% *}
	usec=$(grep -oE 'MONOTONIC_USEC=[0-9]+' <<<"$line" | cut -d= -f2)
	[ -n "$usec" ] || fail "$what: RELOADING=1 without MONOTONIC_USEC=: $line"
	# sent before it arrived, and not long before: CLOCK_MONOTONIC in microseconds
	[ "$usec" -le $((arrived / 1000)) ] && [ "$usec" -gt $((arrived / 1000 - 5000000)) ] ||
		fail "$what: MONOTONIC_USEC=$usec is not the monotonic clock (arrived at $((arrived / 1000)) us)"
	RELOAD_READY=$(line_of "$NLOG" "$y")
}

from=$(lines "$NLOG")
kill -HUP "$EDGELBD_PID"
reload_seen SIGHUP "$from"
[[ "$RELOAD_READY" != *"last reload failed"* ]] || fail "good reload reported as failed: $RELOAD_READY"
pass "SIGHUP: RELOADING=1 with MONOTONIC_USEC=, then READY=1"

cp "$CONF" "$LAB_WORK/good.conf"
cp "$LAB_WORK/broken.conf" "$CONF"
from=$(lines "$NLOG")
kill -HUP "$EDGELBD_PID"
reload_seen "broken SIGHUP" "$from"
[[ "$RELOAD_READY" == *"last reload failed: lab1.conf:"* ]] || fail "broken reload not in STATUS=: $RELOAD_READY"
pass "broken SIGHUP: RELOADING=1, READY=1 (old configuration serving), the error in STATUS="

cp "$LAB_WORK/good.conf" "$CONF"
from=$(lines "$NLOG")
ctl reload >/dev/null || fail "edgelbctl reload"
reload_seen "edgelbctl reload" "$from"
[[ "$RELOAD_READY" != *"last reload failed"* ]] || fail "STATUS= keeps the old error: $RELOAD_READY"
pass "edgelbctl reload: RELOADING=1, READY=1, error gone from STATUS="

from=$(lines "$NLOG")
kill -TERM "$EDGELBD_PID"
n=$(wait_msg "$NLOG" 'STOPPING=1' 5 "$from") || fail "no STOPPING=1 after SIGTERM"
[[ "$(line_of "$NLOG" "$n")" == *" pid=$EDGELBD_PID "* ]] || fail "STOPPING=1 from another pid"
for _ in $(seq 50); do kill -0 "$EDGELBD_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$EDGELBD_PID" 2>/dev/null && fail "edgelbd still running after SIGTERM"
[ "$(grep -c 'READY=1' "$NLOG")" = 4 ] || fail "READY=1 sent $(grep -c 'READY=1' "$NLOG") times, want 4"
pass "SIGTERM: STOPPING=1, edgelbd exited"

# ---- DPDK: READY=1 waits for edgelb-dp ----
TABLES=/dev/shm/elb-sdnotify-$$.tables
PREFIX=elb-sdnotify-$$
netns_on_cleanup "rm -f $TABLES; rm -rf /var/run/dpdk/$PREFIX"
netns_add dp || fail "namespace dp"
# exc0 plays edgelb-dp's exception TAP: edgelbd only needs it to exist
ip -n "$(netns_name dp)" link add exc0 type veth peer name exc1 || fail "exc0"
ip -n "$(netns_name dp)" link set exc0 up
ip -n "$(netns_name dp)" link set exc1 up
ip -n "$(netns_name dp)" addr add 10.98.0.1/24 dev exc0
DCONF=$LAB_WORK/dpdk.conf
DSOCK=$LAB_WORK/dpdk.sock
cat >"$DCONF" <<CONF
node = {
	name = "sdnotify";
	interfaces = ( { name = "exc0"; role = "both"; } );
	forwarding = "dpdk";
	encap_source_v4 = "10.98.0.1/32";
	dpdk = { shm_path = "$TABLES"; };
};
health = { type = "tcp"; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };
api = { socket = "$DSOCK"; };
metrics = { enabled = false; };
vips = (
	{ name = "web"; address = "10.98.1.1"; protocol = "tcp"; port = 8000;
	  backends = ( { name = "be"; address = "10.98.0.2"; } ); }
);
CONF
DNLOG=$LAB_WORK/dped.log
DPNLOG=$LAB_WORK/dp.log
start_listener dped "'$BUILD/edgelbctl' -s '$DSOCK' status | grep -q '^fast path *attached'"
start_listener dp "grep -q 'forwarding with' '$LAB_WORK/dp.out'"

netns_bg dp env NOTIFY_SOCKET="$LAB_WORK/dped.sock" "$BUILD/edgelbd" -c "$DCONF" --foreground \
	2>>"$LAB_WORK/dpdk-edgelbd.log"
DED_PID=$NETNS_LAST_PID
for _ in $(seq 100); do "$BUILD/edgelbctl" -s "$DSOCK" status >/dev/null 2>&1 && break; sleep 0.05; done
"$BUILD/edgelbctl" -s "$DSOCK" status >/dev/null 2>&1 || fail "DPDK edgelbd does not answer"
[ -s "$TABLES" ] || fail "no table file $TABLES"
sleep 2 # four of edgelbd's DPDK watch ticks (DPDK_WATCH_MS)
grep -q 'READY=1' "$DNLOG" && fail "READY=1 without edgelb-dp: $(cat "$DNLOG")"
grep -q "pid=$DED_PID STATUS=waiting for edgelb-dp" "$DNLOG" || fail "no waiting STATUS=: $(cat "$DNLOG")"
pass "DPDK without edgelb-dp: tables written, no READY=1, STATUS=waiting for edgelb-dp"

netns_bg dp env NOTIFY_SOCKET="$LAB_WORK/dp.sock" "$BUILD/edgelb-dp" -l 0 --no-huge -m 256 \
	--no-pci --no-telemetry --file-prefix "$PREFIX" --log-level '*:error' --vdev net_null0 -- \
	--tables "$TABLES" --port 0 --idle-backoff 64:200 --wait-tables 30 >"$LAB_WORK/dp.out" 2>&1
DP_PID=$NETNS_LAST_PID
d=$(wait_msg "$DPNLOG" 'READY=1' 15) || fail "no READY=1 from edgelb-dp: $(cat "$LAB_WORK/dp.out")"
dline=$(line_of "$DPNLOG" "$d")
[[ "$dline" == *" pid=$DP_PID READY=1|STATUS=forwarding with 1 worker(s)"* ]] || fail "edgelb-dp: $dline"
[[ "$dline" == *" CHECK=ok" ]] || fail "edgelb-dp READY=1 before it said it forwards: $dline"
e=$(wait_msg "$DNLOG" 'READY=1' 5) || fail "edgelbd sent no READY=1 once edgelb-dp ran"
eline=$(line_of "$DNLOG" "$e")
[[ "$eline" == *" pid=$DED_PID READY=1|STATUS=running: 1 VIPs"* ]] || fail "edgelbd: $eline"
[[ "$eline" == *" CHECK=ok" ]] || fail "edgelbd READY=1 before attached: $eline"
[ "${eline%% *}" -gt "${dline%% *}" ] || fail "edgelbd READY=1 before edgelb-dp's"
pass "edgelb-dp READY=1 once forwarding; then edgelbd READY=1, attached"

kill -TERM "$DP_PID"
wait_msg "$DPNLOG" "pid=$DP_PID STOPPING=1" 5 >/dev/null || fail "edgelb-dp sent no STOPPING=1"
wait_msg "$DNLOG" 'STATUS=degraded: .*edgelb-dp not running' 5 >/dev/null ||
	fail "edgelbd's STATUS= does not say edgelb-dp is gone: $(tail -n 3 "$DNLOG")"
kill -TERM "$DED_PID"
wait_msg "$DNLOG" "pid=$DED_PID STOPPING=1" 5 >/dev/null || fail "DPDK edgelbd sent no STOPPING=1"
[ "$(grep -c 'READY=1' "$DNLOG")" = 1 ] || fail "edgelbd READY=1 more than once: $(cat "$DNLOG")"
pass "edgelb-dp stopped: its STOPPING=1, edgelbd STATUS=degraded; edgelbd SIGTERM: STOPPING=1"
echo "PASS test_sd_notify"
