#!/usr/bin/env bash
# test_version_log.sh - what every program tells an operator and a service manager about itself:
#   1. edgelbd, edgelbctl, edgelb-decap, edgelb-dp: --help is usage on stdout, exit 0; --version is
#      one line "NAME VERSION" (VERSION from the build's version.h), exit 0; edgelb-dp answers
#      both without EAL and after EAL options, and EAL options still work with its own after --
#   2. scripts/version.sh: in this checkout <base>[+git<N>.g<sha>[.dirty]] with N the commit count;
#      in a repository whose HEAD is tag v<base>: <base>, then +git/.dirty once modified or past
#      the tag; in an exported tree (no .git, also inside another checkout): VERSION as it is;
#      always a valid native Debian version; make leaves an unchanged version.h alone
#   3. journal priorities: with $JOURNAL_STREAM naming stderr (systemd.exec(5)), edgelbd's lines
#      are "<3>error: ...", "<4>warn: ...", "<6>info: ..." without a timestamp, a config error is
#      "<3>file:line: ...", and edgelb-dp's and edgelb-decap's errors start with <3>; with a
#      JOURNAL_STREAM of another file or none, the lines are exactly as before (timestamped)
# Only a namespace this run creates is used; everything is removed on exit, also on failure.
set -u
cd "$(dirname "$0")/../.."
source scripts/lib/netns.sh

BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
WORK=$(mktemp -d /tmp/elb-verlog.XXXXXX)
PREFIX=elb-verlog-$$

fail() {
	echo "FAIL: $*" >&2
	for log in "$WORK"/*.log; do
		[ -f "$log" ] && { echo "--- $log (last lines)" >&2; tail -n 20 "$log" >&2; }
	done
	exit 1
}
pass() { echo "ok: $*"; }

for bin in edgelbd edgelbctl edgelb-decap edgelb-dp version.h; do
	[ -e "$BUILD/$bin" ] || fail "$BUILD/$bin not built (run make)"
done
netns_init verlog
netns_on_cleanup "rm -rf $WORK /var/run/dpdk/$PREFIX"

# ---- 1: --help, --version ----
BUILT=$(sed -n 's/^#define EDGELB_VERSION "\(.*\)"$/\1/p' "$BUILD/version.h")
[ -n "$BUILT" ] || fail "no EDGELB_VERSION in $BUILD/version.h"
for bin in edgelbd edgelbctl edgelb-decap edgelb-dp; do
	out=$("$BUILD/$bin" --help 2>"$WORK/err") || fail "$bin --help exits $?"
	grep -q "^usage: $bin " <<<"$out" || fail "$bin --help: no usage on stdout: $out"
	[ ! -s "$WORK/err" ] || fail "$bin --help wrote to stderr: $(cat "$WORK/err")"
	out=$("$BUILD/$bin" --version 2>"$WORK/err") || fail "$bin --version exits $?"
	[ "$out" = "$bin $BUILT" ] || fail "$bin --version: '$out', want '$bin $BUILT'"
	[ ! -s "$WORK/err" ] || fail "$bin --version wrote to stderr: $(cat "$WORK/err")"
done
EAL=(-l 0 --no-huge -m 64 --no-pci --no-telemetry --file-prefix "$PREFIX" --log-level '*:error')
out=$("$BUILD/edgelb-dp" "${EAL[@]}" -- --tables /nonexistent --version) || fail "edgelb-dp EAL -- --version"
[ "$out" = "edgelb-dp $BUILT" ] || fail "edgelb-dp EAL -- --version: $out"
out=$("$BUILD/edgelb-dp" "${EAL[@]}" -- --help) || fail "edgelb-dp EAL -- --help exits $?"
grep -q '^usage: edgelb-dp ' <<<"$out" || fail "edgelb-dp EAL -- --help: $out"
[ ! -e "/var/run/dpdk/$PREFIX" ] || fail "edgelb-dp -- --help started EAL"
# EAL's own --help among the EAL options: EAL's usage, then edgelb-dp's
out=$("$BUILD/edgelb-dp" "${EAL[@]}" --help 2>&1) || fail "edgelb-dp EAL --help exits $?"
grep -q 'EAL common options' <<<"$out" && grep -q '^usage: edgelb-dp ' <<<"$out" ||
	fail "edgelb-dp EAL --help lacks EAL's or its own usage"
# EAL options are still EAL's: EAL starts, then edgelb-dp rejects its own bad argument
err=$("$BUILD/edgelb-dp" "${EAL[@]}" --vdev net_null0 -- bogus 2>&1 >/dev/null)
rc=$?
[ $rc -eq 2 ] || fail "edgelb-dp EAL -- bogus exits $rc, want 2: $err"
grep -q "^edgelb-dp: unexpected argument 'bogus'" <<<"$err" || fail "edgelb-dp after EAL: $err"
pass "--help (stdout, exit 0) and --version ('NAME $BUILT') of all four; edgelb-dp with EAL options"

# ---- 2: scripts/version.sh ----
debian_version_ok() { # VERSION: a valid native Debian version (dpkg warns on bad syntax)
	[[ "$1" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || return 1
	if command -v dpkg >/dev/null; then
		[ -z "$(dpkg --compare-versions "$1" gt 0 2>&1)" ] && dpkg --compare-versions "$1" gt 0
	fi
}
BASE=$(head -n1 VERSION)
v=$(sh scripts/version.sh) || fail "scripts/version.sh failed"
debian_version_ok "$v" || fail "version '$v' is not a valid native Debian version"
if [ -e .git ]; then
	count=$(git rev-list --count HEAD)
	sha=$(git rev-parse --short=7 HEAD)
	[[ "$v" == "$BASE" || "$v" == "$BASE+git$count.g$sha" || "$v" == "$BASE+git$count.g$sha.dirty" ]] ||
		fail "version.sh in this checkout: '$v', want ${BASE}[+git${count}.g${sha}[.dirty]]"
fi

git_q() { git -C "$1" -c user.name=edgelb-test -c user.email=test@edgelb.invalid "${@:2}" >/dev/null 2>&1; }
R=$WORK/repo
mkdir -p "$R/scripts"
cp scripts/version.sh "$R/scripts/"
echo 2.3.4 >"$R/VERSION"
git init -q "$R" && git_q "$R" add -A && git_q "$R" commit -q -m one && git_q "$R" tag v2.3.4 ||
	fail "test repository"
[ "$(sh "$R/scripts/version.sh")" = 2.3.4 ] || fail "at tag v2.3.4: $(sh "$R/scripts/version.sh")"
echo "# edit" >>"$R/scripts/version.sh"
sha=$(git -C "$R" rev-parse --short=7 HEAD)
v=$(sh "$R/scripts/version.sh")
[ "$v" = "2.3.4+git1.g$sha.dirty" ] || fail "at the tag, modified: '$v', want 2.3.4+git1.g$sha.dirty"
debian_version_ok "$v" || fail "'$v' is not a valid Debian version"
git_q "$R" commit -q -am two || fail "second commit"
sha=$(git -C "$R" rev-parse --short=7 HEAD)
v=$(sh "$R/scripts/version.sh")
[ "$v" = "2.3.4+git2.g$sha" ] || fail "one commit past the tag: '$v', want 2.3.4+git2.g$sha"
debian_version_ok "$v" || fail "'$v' is not a valid Debian version"

# exported trees: VERSION holds the full version and is printed as it is
E=$WORK/export
mkdir -p "$E/scripts"
cp scripts/version.sh "$E/scripts/"
echo "2.3.4+git2.g$sha" >"$E/VERSION"
[ "$(sh "$E/scripts/version.sh")" = "2.3.4+git2.g$sha" ] || fail "exported tree: $(sh "$E/scripts/version.sh")"
cp -r "$E" "$R/export" # unpacked inside another checkout: that history is not its own
[ "$(sh "$R/export/scripts/version.sh")" = "2.3.4+git2.g$sha" ] ||
	fail "exported tree inside a checkout: $(sh "$R/export/scripts/version.sh")"

# make: the header is rewritten only when the version changes (in a build directory of its own:
# the build's header must keep matching its programs)
VH=$WORK/build/version.h
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s BUILD="$WORK/build" "$VH"; }
mk || fail "make $VH"
grep -qF "#define EDGELB_VERSION \"$(sh scripts/version.sh)\"" "$VH" || fail "$VH: $(cat "$VH")"
before=$(stat -c %y "$VH")
sleep 1.1
mk || fail "make $VH (again)"
[ "$(stat -c %y "$VH")" = "$before" ] || fail "make rewrote an unchanged $VH"
pass "version.sh: '$(sh scripts/version.sh)' here; tag, dirty, past-tag and exported forms; version.h kept when unchanged"

# ---- 3: journal priorities ----
# journal_of FILE: the "device:inode" systemd would put in JOURNAL_STREAM for a stream on FILE
journal_of() { stat -L -c '%d:%i' "$1"; }

cat >"$WORK/broken.conf" <<'CONF'
node = { name = "verlog"; interfaces = ( { name = "exc0"; } ); };
vips = ( { name = "web"; address = "10.98.1.1"; protocol = "tcp"; port = "x";
	   backends = ( { name = "be"; address = "10.98.0.1"; } ); } );
CONF
BROKEN_LINE=$(grep -n 'port = "x"' "$WORK/broken.conf" | cut -d: -f1)
: >"$WORK/check-j.log"
JOURNAL_STREAM=$(journal_of "$WORK/check-j.log") "$BUILD/edgelbd" -c "$WORK/broken.conf" --check \
	2>>"$WORK/check-j.log"
[ $? -eq 2 ] || fail "--check of a broken file does not exit 2"
"$BUILD/edgelbd" -c "$WORK/broken.conf" --check 2>"$WORK/check.log"
grep -q "^<3>broken.conf:$BROKEN_LINE: vips" "$WORK/check-j.log" || fail "config error on the journal: $(cat "$WORK/check-j.log")"
[ "$(sed 's/^<3>//' "$WORK/check-j.log")" = "$(cat "$WORK/check.log")" ] ||
	fail "config error off the journal differs beyond the prefix: $(cat "$WORK/check.log")"
grep -q '^<' "$WORK/check.log" && fail "config error off the journal has a prefix"

# A short run: forwarding = "dpdk" on a veth standing in for edgelb-dp's TAP (no edgelb-dp
# needed); a second edgelbd on the same socket is an error, a reload adding a bgp section a
# warning.
netns_add n || fail "namespace"
ip -n "$(netns_name n)" link add exc0 type veth peer name exc1 || fail "exc0"
ip -n "$(netns_name n)" link set exc0 up
ip -n "$(netns_name n)" link set exc1 up
ip -n "$(netns_name n)" addr add 10.98.0.1/24 dev exc0
cat >"$WORK/base.conf" <<CONF
node = {
	name = "verlog";
	interfaces = ( { name = "exc0"; role = "both"; } );
	forwarding = "dpdk";
	encap_source_v4 = "10.98.0.1/32";
	dpdk = { shm_path = "$WORK/tables"; };
};
health = { type = "tcp"; port = 8000; interval_ms = 200; timeout_ms = 150; rise = 2; fall = 2; };
api = { socket = "$WORK/api.sock"; };
metrics = { enabled = false; };
vips = (
	{ name = "web"; address = "10.98.1.1"; protocol = "tcp"; port = 8000;
	  backends = ( { name = "be"; address = "10.98.0.2"; } ); }
);
CONF
BGP='bgp = { local_as = 65010; router_id = "10.98.0.1";
	peers = ( { name = "r1"; address = "10.98.0.9"; remote_as = 65001; passive = true; } );
	announce = ( { prefix = "10.98.1.0/24"; } ); };'

# short_run LOG JOURNAL_STREAM|self|"": edgelbd up, a second one refused (its error in LOG too),
# a reload adding bgp (a warning), SIGTERM
short_run() {
	local log=$1 js=$2 pid
	: >"$log"
	[ "$js" = self ] && js=$(journal_of "$log")
	cp "$WORK/base.conf" "$WORK/run.conf"
	netns_bg n env ${js:+JOURNAL_STREAM=$js} "$BUILD/edgelbd" -c "$WORK/run.conf" --foreground \
		2>>"$log"
	pid=$NETNS_LAST_PID
	for _ in $(seq 100); do grep -q 'running: node' "$log" && break; sleep 0.05; done
	grep -q 'running: node' "$log" || fail "edgelbd not running after 5 s"
	nsx n env ${js:+JOURNAL_STREAM=$js} "$BUILD/edgelbd" -c "$WORK/run.conf" --foreground 2>>"$log" &&
		fail "a second edgelbd started"
	echo "$BGP" >>"$WORK/run.conf"
	kill -HUP "$pid"
	for _ in $(seq 100); do grep -q 'the bgp section changed' "$log" && break; sleep 0.05; done
	grep -q 'the bgp section changed' "$log" || fail "no warning for the bgp section after 5 s"
	kill -TERM "$pid"
	for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && fail "edgelbd ignores SIGTERM"
	grep -q 'signal 15: stopping' "$log" || fail "no stop logged"
}

J=$WORK/journal.log
short_run "$J" self
grep -vE '^<[3467]>(error|warn|info|debug): ' "$J" | grep -q . &&
	fail "lines without a priority on the journal: $(grep -vE '^<[3467]>' "$J" | head -3)"
grep -q '^<6>info: running: node verlog, 1 VIPs$' "$J" || fail "no <6> info line"
grep -q '^<4>warn: reload: the bgp section changed; it takes effect on restart$' "$J" ||
	fail "no <4> warn line"
grep -q "^<3>error: another edgelbd answers on $WORK/api.sock; not starting$" "$J" ||
	fail "no <3> error line"
grep -qE '[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$J" && fail "timestamps on the journal"

STAMP='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z edgelbd '
for mode in other none; do
	L=$WORK/plain-$mode.log
	if [ $mode = other ]; then short_run "$L" "$(journal_of "$WORK/check.log")"; else short_run "$L" ""; fi
	grep -q '^<' "$L" && fail "JOURNAL_STREAM $mode: priority prefixes off the journal"
	grep -vE "$STAMP(error|warn|info|debug): " "$L" | grep -q . &&
		fail "JOURNAL_STREAM $mode: lines not in the usual form: $(grep -vE "$STAMP" "$L" | head -3)"
	grep -qE "${STAMP}info: running: node verlog, 1 VIPs$" "$L" || fail "JOURNAL_STREAM $mode: info line"
	grep -qE "${STAMP}warn: reload: the bgp section changed" "$L" ||
		fail "JOURNAL_STREAM $mode: warn line"
	grep -qE "${STAMP}error: another edgelbd answers on" "$L" || fail "JOURNAL_STREAM $mode: error line"
done
pass "edgelbd on the journal: <3> error, <4> warn, <6> info, no timestamps; off it (other stream, none): unchanged"

: >"$WORK/dp-j.log"
JOURNAL_STREAM=$(journal_of "$WORK/dp-j.log") "$BUILD/edgelb-dp" --dump-stats --tables "$WORK/none" \
	2>>"$WORK/dp-j.log"
grep -q "^<3>edgelb-dp: $WORK/none: " "$WORK/dp-j.log" || fail "edgelb-dp error on the journal: $(cat "$WORK/dp-j.log")"
err=$("$BUILD/edgelb-dp" --dump-stats --tables "$WORK/none" 2>&1)
[[ "$err" == "edgelb-dp: $WORK/none: "* ]] || fail "edgelb-dp error off the journal: $err"
: >"$WORK/dp-eal-j.log"
JOURNAL_STREAM=$(journal_of "$WORK/dp-eal-j.log") "$BUILD/edgelb-dp" "${EAL[@]}" --vdev net_null0 -- bogus \
	2>>"$WORK/dp-eal-j.log" >/dev/null
grep -q "^<3>edgelb-dp: unexpected argument 'bogus'" "$WORK/dp-eal-j.log" ||
	fail "edgelb-dp error after EAL on the journal: $(cat "$WORK/dp-eal-j.log")"
: >"$WORK/decap-j.log"
JOURNAL_STREAM=$(journal_of "$WORK/decap-j.log") "$BUILD/edgelb-decap" -i elb-nosuch0 -l 10.0.0.1 \
	-v 10.0.0.2 -s 10.0.0.0/8 2>>"$WORK/decap-j.log"
grep -q '^<3>edgelb-decap: no interface elb-nosuch0$' "$WORK/decap-j.log" ||
	fail "edgelb-decap error on the journal: $(cat "$WORK/decap-j.log")"
err=$("$BUILD/edgelb-decap" -i elb-nosuch0 -l 10.0.0.1 -v 10.0.0.2 -s 10.0.0.0/8 2>&1)
[ "$err" = "edgelb-decap: no interface elb-nosuch0" ] || fail "edgelb-decap error off the journal: $err"
pass "edgelb-dp and edgelb-decap errors: <3> on the journal, unchanged off it"
echo "PASS test_version_log"
