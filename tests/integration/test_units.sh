#!/usr/bin/env bash
# test_units.sh - the systemd units and `make install` / `make uninstall`
# (packaging/packaging.mk):
#   1. install into a scratch prefix lays out the programs, units, default files, example and
#      manual pages, and writes that prefix into the units' paths; the Debian layout
#      (PREFIX=/usr into a DESTDIR) keeps /usr/sbin, /etc and /usr/libexec in them;
#   2. `systemd-analyze verify` of every unit (the template through an instance) says nothing:
#      it checks that every Exec path exists and is executable and every man: page resolves,
#      but only warns about an unknown key or a bad value, so any output at all fails here (a
#      planted typo checks that this catches one);
#   3. capability lists: known names, and AmbientCapabilities= the same as
#      CapabilityBoundingSet= (tests/integration/test_unit_caps.sh runs the programs with them);
#   4. a second install keeps an edited config; uninstall removes what install put and keeps
#      the edited config.
# Needs the four programs built ($BUILD, default build). Writes only below its own temp dir.
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
T=$(mktemp -d /tmp/edgelb-units-XXXXXX)
trap 'rm -rf "$T"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
pass() { echo "ok: $*"; }

for b in edgelbd edgelbctl edgelb-dp edgelb-decap; do
	[ -x "$BUILD/$b" ] || fail "$BUILD/$b not built (run make)"
done
command -v systemd-analyze >/dev/null || fail "systemd-analyze missing (package systemd)"
command -v capsh >/dev/null || fail "capsh missing (package libcap2-bin)"

UNITS=(edgelbd.service edgelb-dp.service edgelb-decap@.service)
mk() { make --no-print-directory -s BUILD="$BUILD" "$@"; }

# ---- 1. layout ----
P=$T/prefix
mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc" UNITDIR="$P/lib/systemd/system" \
	>"$T/install.log" 2>&1 || fail "make install: $(tail -5 "$T/install.log")"
for f in usr/sbin/edgelbd usr/sbin/edgelb-dp usr/sbin/edgelb-decap usr/bin/edgelbctl \
	usr/libexec/edgelb/hugepages; do
	[ -x "$P/$f" ] || fail "install did not put an executable $f"
done
for f in etc/edgelb/edgelb.conf etc/default/edgelbd etc/default/edgelb-dp \
	usr/share/doc/edgelb/examples/decap-IFACE.conf "${UNITS[@]/#/lib/systemd/system/}"; do
	[ -f "$P/$f" ] || fail "install did not put $f"
done
[ "$(stat -c %a "$P/etc/edgelb/edgelb.conf")" = 640 ] || fail "edgelb.conf is not 0640"
for page in packaging/man/*.[58]; do
	[ -e "$page" ] || continue
	[ -f "$P/usr/share/man/man${page##*.}/${page##*/}" ] || fail "man page $page not installed"
done
grep -q "^ExecStart=$P/usr/sbin/edgelbd -c $P/etc/edgelb/edgelb.conf " \
	"$P/lib/systemd/system/edgelbd.service" || fail "edgelbd.service does not name the prefix"
outside='(^|[=[:space:]+-])/(usr/sbin|usr/libexec|etc)/'
grep -rqE "$outside" "$P/lib/systemd/system" &&
	fail "a unit still names a path outside the prefix: $(grep -rnE "$outside" "$P/lib/systemd/system" | head -3)"

D=$T/destdir
mk install DESTDIR="$D" PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system \
	>"$T/install-deb.log" 2>&1 || fail "make install DESTDIR: $(tail -5 "$T/install-deb.log")"
cmp -s packaging/systemd/edgelbd.service "$D/lib/systemd/system/edgelbd.service" ||
	fail "PREFIX=/usr install changed edgelbd.service"
for u in "${UNITS[@]}"; do
	# every absolute program path the unit runs exists in the DESTDIR (or is a system tool)
	for exe in $(sed -n 's/^Exec[A-Za-z]*=[-+@!:]*\(\/[^ ]*\).*/\1/p' "$D/lib/systemd/system/$u"); do
		[ -x "$D$exe" ] || [ -x "$exe" ] || fail "$u runs $exe, which the package does not have"
	done
done
pass "install: programs, units, defaults, example, $(ls packaging/man/*.[58] 2>/dev/null | wc -l) man pages; prefix written into the units; Debian layout unchanged"

# ---- 2. systemd-analyze verify ----
VU=$P/lib/systemd/system
ln -s edgelb-decap@.service "$VU/edgelb-decap@eth0.service"
verify() { # UNIT_FILE...: no output, exit 0
	local out
	out=$(MANPATH=$P/usr/share/man systemd-analyze verify "$@" 2>&1)
	local rc=$?
	[ $rc -eq 0 ] && [ -z "$out" ] && return 0
	echo "$out"
	return 1
}
for u in edgelbd.service edgelb-dp.service edgelb-decap@eth0.service; do
	out=$(verify "$VU/$u") || fail "systemd-analyze verify $u: $out"
done
pass "systemd-analyze verify: edgelbd.service, edgelb-dp.service, edgelb-decap@eth0.service clean"

mkdir -p "$T/planted"
sed 's/^ProtectHome=yes/ProtectHomme=yes/' "$VU/edgelbd.service" >"$T/planted/edgelbd.service"
verify "$T/planted/edgelbd.service" >/dev/null && fail "a unit with an unknown key passed verify"
sed 's|^ExecStart=\([^ ]*\)edgelbd |ExecStart=\1edgelbd-missing |' "$VU/edgelbd.service" \
	>"$T/planted/edgelbd.service"
verify "$T/planted/edgelbd.service" >/dev/null && fail "a unit with a missing program passed verify"
pass "verify catches a planted unknown key and a missing program"

# ---- 3. capability lists ----
for u in "${UNITS[@]}"; do
	f=packaging/systemd/$u
	bnd=$(sed -n 's/^CapabilityBoundingSet=//p' "$f")
	amb=$(sed -n 's/^AmbientCapabilities=//p' "$f")
	[ -n "$bnd" ] || fail "$u has no CapabilityBoundingSet="
	[ "$(echo "$bnd" | wc -l)" -eq 1 ] && [ "$(echo "$amb" | wc -l)" -eq 1 ] ||
		fail "$u: one CapabilityBoundingSet= and one AmbientCapabilities= line expected"
	[ "$(tr ' ' '\n' <<<"$bnd" | sort)" = "$(tr ' ' '\n' <<<"$amb" | sort)" ] ||
		fail "$u: AmbientCapabilities=$amb differs from CapabilityBoundingSet=$bnd"
	for c in $bnd; do
		capsh --supports="${c,,}" >/dev/null 2>&1 || fail "$u: unknown capability $c"
	done
	echo "    $u: $bnd"
done
pass "capability lists: known names, ambient = bounding"

# ---- 4. reinstall and uninstall ----
echo "# edited" >>"$P/etc/edgelb/edgelb.conf"
mk install PREFIX="$P/usr" SYSCONFDIR="$P/etc" UNITDIR="$P/lib/systemd/system" \
	>"$T/install2.log" 2>&1 || fail "second make install"
tail -n1 "$P/etc/edgelb/edgelb.conf" | grep -q '^# edited$' || fail "install overwrote an edited config"
grep -q "edgelb.conf exists, kept" "$T/install2.log" || fail "install did not say it kept the config"
rm "$VU/edgelb-decap@eth0.service"
mk uninstall PREFIX="$P/usr" SYSCONFDIR="$P/etc" UNITDIR="$P/lib/systemd/system" \
	>"$T/uninstall.log" 2>&1 || fail "make uninstall: $(tail -5 "$T/uninstall.log")"
left=$(cd "$P" && find . -type f | sort)
[ "$left" = "./etc/edgelb/edgelb.conf" ] || fail "after uninstall, left: $left (want only the edited config)"
pass "reinstall keeps an edited config; uninstall removes everything else"
echo "PASS test_units"
