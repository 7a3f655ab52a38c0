#!/usr/bin/env bash
# fresh-check.sh - `make fresh-check`: rehearse a fresh Debian 12 machine. Bootstraps a minbase
# bookworm chroot (cached between runs), installs make, git and ca-certificates, clones the
# repository into it and runs `make demo` and `make test` there (FIRST=test: test first). If the
# tree has a `deb` target it then builds the package, runs lintian on it, installs it in a second
# fresh chroot and checks that `edgelbd -c /etc/edgelb/edgelb.conf --check` and `edgelbctl
# --version` work there. Prints each step's result and time, and exits non-zero if any step
# failed. Root only.
#
# Options (environment, or make variables):
#   FIRST=demo|test       which of `make demo` / `make test` runs first (default demo)
#   FRESH_SRC=DIR         repository to clone (default: the one holding this script)
#   FRESH_WORKTREE=1      the work tree as it is (uncommitted changes, untracked files that are
#                         not ignored) instead of the committed HEAD
#   FRESH_CACHE=DIR       the cached minbase tarball (default /var/cache/edgelb/fresh-check)
#   FRESH_CACHE_DAYS=N    bootstrap again when the tarball is older (default 7)
#   FRESH_WORK=DIR        this run's work dir, must not exist (default /var/tmp/edgelb-fresh.PID)
#   FRESH_KEEP=1          on failure keep the work dir (chroots and logs); otherwise only the
#                         logs are kept on failure, and nothing on success
#   FRESH_STEP_TIMEOUT=S  limit of each step inside a chroot (default 1500 s; exit 124)
#   FRESH_MIRROR, FRESH_SECURITY_MIRROR  the Debian mirrors (default: the host's apt sources)
#
# Everything a run mounts, starts or creates stays below its work dir; on every exit (also
# SIGINT, SIGTERM) it stops the processes still running in its chroots, deletes their network
# namespaces, unmounts, and removes the work dir only when nothing is mounted below it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FIRST=${FIRST:-demo}
SRC=${FRESH_SRC:-$(git -C "$HERE" rev-parse --show-toplevel)}
WORKTREE=${FRESH_WORKTREE:-0}
CACHE=${FRESH_CACHE:-/var/cache/edgelb/fresh-check}
CACHE_DAYS=${FRESH_CACHE_DAYS:-7}
WORK=${FRESH_WORK:-/var/tmp/edgelb-fresh.$$}
KEEP=${FRESH_KEEP:-0}
STEP_TIMEOUT=${FRESH_STEP_TIMEOUT:-1500}

SUITE=bookworm
BASE_NAME=minbase-$SUITE
CHROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TREE=/root/edgelb # the clone, inside the build chroot
LOGS=$WORK/logs
BUILD_ROOT=$WORK/build-root     # chroot 1: demo, test, deb
RUNTIME_ROOT=$WORK/runtime-root # chroot 2: the package installed, nothing else
BASE_TREE=$WORK/base            # a new minbase tree, before it goes into the cache
ROOTS=("$BASE_TREE" "$BUILD_ROOT" "$RUNTIME_ROOT")

SUMMARY=()
PASSED=0
FAILED=0
STEP_RC=0     # result of the last step()
STEP_PID=""   # the step running now (its output pipeline)
STEP_NAME=""
STEP_START=0
WORK_MADE=0

say() { printf 'fresh-check: %s\n' "$*"; }
die() {
	say "error: $*" >&2
	exit 1
}

# ---- the host: tools, mirrors -------------------------------------------------------------

check_host() {
	[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
	case $FIRST in demo | test) ;; *) die "FIRST must be demo or test, not '$FIRST'" ;; esac
	case $WORK in
	/*/*) ;;
	*) die "FRESH_WORK must be an absolute path below a folder: '$WORK'" ;;
	esac
	# mountinfo escapes unusual characters; our paths must compare verbatim.
	[[ $WORK =~ ^[A-Za-z0-9._/+-]+$ ]] || die "FRESH_WORK may hold only [A-Za-z0-9._/+-]: '$WORK'"
	[ ! -e "$WORK" ] || die "$WORK exists already (FRESH_WORK must be a new folder)"
	git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1 || die "FRESH_SRC $SRC is not a git repository"
	if ! command -v debootstrap >/dev/null; then
		bash "$HERE/deps.sh" fresh
	fi
	local tool
	for tool in debootstrap chroot mount umount flock tar gzip timeout; do
		command -v "$tool" >/dev/null || die "$tool not found"
	done
}

# deb822_uri SUITE FILE...: the first URI of an enabled deb822 entry ("Types: deb") for SUITE.
deb822_uri() {
	local suite=$1
	shift
	awk -v suite="$suite" '
		BEGIN { RS = ""; FS = "\n" }
		{
			types = ""; uris = ""; suites = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^[ \t]*#/ || index($i, ":") == 0) continue
				key = tolower(substr($i, 1, index($i, ":") - 1))
				val = substr($i, index($i, ":") + 1)
				gsub(/[ \t]+/, " ", val); sub(/^ /, "", val); sub(/ $/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
			}
			if (enabled != "no" && index(" " types " ", " deb ") && index(" " suites " ", " " suite " ")) {
				split(uris, u, " "); print u[1]; exit
			}
		}' "$@"
}

# one_line_uri SUITE FILE...: the URI of the first "deb [options] URI SUITE ..." line for SUITE.
one_line_uri() {
	local suite=$1
	shift
	awk -v suite="$suite" '
		/^[ \t]*deb[ \t]/ {
			line = $0
			sub(/^[ \t]*deb[ \t]+/, "", line)
			if (line ~ /^\[/) sub(/^\[[^]]*\][ \t]*/, "", line)
			split(line, w, /[ \t]+/)
			if (w[2] == suite) { print w[1]; exit }
		}' "$@"
}

# host_mirror SUITE: the host's apt source for SUITE (deb822 first), or nothing.
host_mirror() {
	local uri="" f
	local -a deb822=() one_line=()
	for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && deb822+=("$f"); done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && one_line+=("$f"); done
	[ ${#deb822[@]} -eq 0 ] || uri=$(deb822_uri "$1" "${deb822[@]}")
	[ -n "$uri" ] || [ ${#one_line[@]} -eq 0 ] || uri=$(one_line_uri "$1" "${one_line[@]}")
	case $uri in http://* | https://* | ftp://* | file:/*) echo "${uri%/}" ;; esac
}

read_mirrors() {
	local host
	host=$(host_mirror "$SUITE")
	MIRROR=${FRESH_MIRROR:-${host:-http://deb.debian.org/debian}}
	host=$(host_mirror "$SUITE-updates")
	UPDATES_MIRROR=${FRESH_MIRROR:-${host:-$MIRROR}}
	host=$(host_mirror "$SUITE-security")
	SECURITY_MIRROR=${FRESH_SECURITY_MIRROR:-${host:-http://deb.debian.org/debian-security}}
	say "mirrors: $MIRROR ($SUITE, $SUITE-updates: $UPDATES_MIRROR), $SECURITY_MIRROR ($SUITE-security)"
}

# ---- steps: each one logged, timed, and recorded for the summary --------------------------
#
# A step's body runs in a background pipeline (its output to the log and, prefixed, to us), so
# that SIGINT/SIGTERM reach our trap at once instead of after the step. The body must not be
# called from a condition (`if`, `||`): bash would ignore `set -e` inside it. So step() always
# returns 0 and leaves the body's exit status in STEP_RC.

# step NAME CMD...: run CMD as the step NAME.
step() {
	local name=$1 log tag
	shift
	tag=${name%% *}
	[ "$tag" != make ] || tag=${name// /-}
	log=$LOGS/${name//[^A-Za-z0-9.-]/_}.log
	say "== $name"
	STEP_NAME=$name
	STEP_START=$SECONDS
	"$@" 2>&1 </dev/null | tee "$log" | sed -u "s|^|[$tag] |" &
	STEP_PID=$!
	wait "$STEP_PID" && STEP_RC=0 || STEP_RC=$?
	STEP_PID=""
	STEP_NAME=""
	record "$name" "$STEP_RC" $((SECONDS - STEP_START)) "$log"
}

# record NAME RC SECONDS LOG: one summary line. RC is an exit status or "interrupted".
record() {
	local line
	case $2 in
	0) line="$1: ok ($3 s)" ;;
	124) line="$1: FAILED (timed out after $STEP_TIMEOUT s, log: $4)" ;;
	[0-9]*) line="$1: FAILED (exit $2, $3 s, log: $4)" ;;
	*) line="$1: FAILED ($2 after $3 s, log: $4)" ;;
	esac
	if [ "$2" = 0 ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
	SUMMARY+=("$line")
	say "$line"
}

# skip NAME WHY: a step that did not run and does not count as failed.
skip() {
	SUMMARY+=("$1: skipped ($2)")
	say "$1: skipped ($2)"
}

# ---- the cached minbase base ----------------------------------------------------------------

# cached_base: the cached tarball if it is younger than CACHE_DAYS and from MIRROR.
cached_base() {
	local t
	for t in "$CACHE/$BASE_NAME.tar.zst" "$CACHE/$BASE_NAME.tar.gz"; do
		[ -f "$t" ] || continue
		[ -n "$(find "$t" -mtime -"$CACHE_DAYS")" ] || continue
		[ "$(cat "$t.mirror" 2>/dev/null)" = "$MIRROR" ] || continue
		echo "$t"
		return 0
	done
	return 1
}

# build_base: debootstrap a minbase tree and keep it in the cache as a tarball (zstd if the host
# has it, else gzip). Called with the cache lock held.
build_base() {
	local out comp
	say "debootstrap --variant=minbase $SUITE from $MIRROR (a few minutes, once a week)"
	debootstrap --variant=minbase "$SUITE" "$BASE_TREE" "$MIRROR"
	chroot "$BASE_TREE" apt-get clean
	no_mounts_below "$BASE_TREE" || return 1
	if command -v zstd >/dev/null; then
		out=$CACHE/$BASE_NAME.tar.zst comp=--zstd
	else
		out=$CACHE/$BASE_NAME.tar.gz comp=--gzip
	fi
	tar -C "$BASE_TREE" --numeric-owner --xattrs -cpf "$out.new" "$comp" .
	echo "$MIRROR" >"$out.mirror"
	mv -f "$out.new" "$out"
	find "$CACHE" -maxdepth 1 -name "$BASE_NAME.tar.*" ! -name "$(basename "$out")" \
		! -name "$(basename "$out").mirror" -delete
	rm -rf --one-file-system "$BASE_TREE"
	say "cached $out ($(du -h "$out" | cut -f1))"
}

# ensure_base [--rebuild]: a fresh cached tarball, bootstrapped now if there is none (or if
# --rebuild: the cached one did not unpack). One run at a time builds; the others wait for it.
ensure_base() {
	mkdir -p "$CACHE"
	exec 9>>"$CACHE/lock"
	flock 9
	if [ "${1:-}" = --rebuild ] || ! cached_base >/dev/null; then
		build_base
	fi
	exec 9>&-
	say "base: $(cached_base) from $(date -r "$(cached_base)" '+%F %R')"
}

# unpack_base DIR: a new copy of the cached base in DIR; bootstraps again if it does not unpack.
unpack_base() {
	local dir=$1 t
	t=$(cached_base) || {
		ensure_base
		t=$(cached_base)
	}
	mkdir "$dir"
	if tar -C "$dir" --numeric-owner -xpf "$t" && [ -x "$dir/usr/bin/apt-get" ]; then
		return 0
	fi
	say "the cached base $t does not unpack: bootstrapping it again"
	no_mounts_below "$dir" && rm -rf --one-file-system "$dir"
	ensure_base --rebuild
	mkdir "$dir"
	tar -C "$dir" --numeric-owner -xpf "$(cached_base)"
}

# ---- chroots ----------------------------------------------------------------------------------

# in_chroot ROOT CMD...: CMD as root in ROOT, with a login's plain environment (CI passed on).
in_chroot() {
	local root=$1
	shift
	local -a env=(HOME=/root PATH="$CHROOT_PATH" TERM=dumb)
	[ -z "${CI+x}" ] || env+=(CI="$CI")
	env -i "${env[@]}" timeout --kill-after=30 "$STEP_TIMEOUT" chroot "$root" "$@"
}

# chroot_apt ROOT ARGS...: apt-get ARGS in ROOT, non-interactive.
chroot_apt() {
	local root=$1
	shift
	in_chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0 "$@"
}

# write_sources ROOT: the host's mirrors for bookworm, -updates and -security, nothing else.
write_sources() {
	local root=$1 signed="" suite uri
	[ ! -f "$root/usr/share/keyrings/debian-archive-keyring.gpg" ] ||
		signed="Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
	rm -f "$root/etc/apt/sources.list"
	for suite in "$SUITE" "$SUITE-updates" "$SUITE-security"; do
		case $suite in
		*-security) uri=$SECURITY_MIRROR ;;
		*-updates) uri=$UPDATES_MIRROR ;;
		*) uri=$MIRROR ;;
		esac
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n%s\n\n' "$uri" "$suite" "$signed"
	done >"$root/etc/apt/sources.list.d/debian.sources"
}

# prepare_root ROOT: apt sources, the host's apt proxy and DNS, no service starts.
prepare_root() {
	local root=$1 proxy
	write_sources "$root"
	proxy=$(apt-config dump 2>/dev/null | grep -E '^Acquire::[A-Za-z]+::Proxy(::[^ ]+)? ' || true)
	[ -z "$proxy" ] || printf '%s\n' "$proxy" >"$root/etc/apt/apt.conf.d/01proxy-from-host"
	rm -f "$root/etc/resolv.conf"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	# The Debian way in a chroot: invoke-rc.d asks policy-rc.d, 101 = action forbidden.
	printf '#!/bin/sh\n# fresh-check: no service starts in this chroot\nexit 101\n' \
		>"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
}

# bind_private SRC DST: a bind mount whose later sub-mounts never propagate back to SRC.
bind_private() {
	mount --bind "$1" "$2"
	mount --make-private "$2"
}

# mount_root ROOT: what a booted machine has. ROOT becomes a mount point (`ip netns exec` remounts
# / inside); /dev is the host's device nodes, but /dev/shm, /run and bpffs are the chroot's own.
# No hugetlbfs: the tests run DPDK with --no-huge (only the benchmarks use hugepages).
mount_root() {
	local root=$1
	bind_private "$root" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sysfs "$root/sys"
	mount -t bpf bpf "$root/sys/fs/bpf"
	bind_private /dev "$root/dev"
	bind_private /dev/pts "$root/dev/pts"
	mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
	mount -t tmpfs -o mode=755,nosuid,nodev tmpfs "$root/run"
	mkdir -p "$root/run/lock"
	mount --make-rprivate "$root"
}

# copy_source DEST: a clone of SRC's HEAD, and with FRESH_WORKTREE=1 the work tree over it.
copy_source() {
	local dest=$1 f
	git clone -q --no-hardlinks "$SRC" "$dest"
	say "cloned $SRC: $(git -C "$dest" log -1 --format='%h %s' | cut -c1-100)"
	[ "$WORKTREE" = 1 ] || return 0
	git -C "$SRC" ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do
			if [ -e "$SRC/$f" ] || [ -L "$SRC/$f" ]; then printf '%s\0' "$f"; fi
		done |
		tar -C "$SRC" --null -T - -cf - | tar -C "$dest" -xf -
	git -C "$SRC" ls-files -z --deleted | (cd "$dest" && xargs -0r rm -f --)
	say "work tree of $SRC copied over it (FRESH_WORKTREE=1):"
	git -C "$dest" status --short | sed 's/^/  /'
}

# setup_build_root: chroot 1, with what a developer installs by hand before `make`.
setup_build_root() {
	unpack_base "$BUILD_ROOT"
	prepare_root "$BUILD_ROOT"
	mount_root "$BUILD_ROOT"
	chroot_apt "$BUILD_ROOT" update
	chroot_apt "$BUILD_ROOT" install -y --no-install-recommends make git ca-certificates
	copy_source "$BUILD_ROOT$TREE"
}

# setup_runtime_root: chroot 2, the bare base.
setup_runtime_root() {
	unpack_base "$RUNTIME_ROOT"
	prepare_root "$RUNTIME_ROOT"
	mount_root "$RUNTIME_ROOT"
	chroot_apt "$RUNTIME_ROOT" update
}

# make_in ROOT TARGET: `make TARGET` in the clone, from a login shell.
make_in() {
	in_chroot "$1" /bin/bash -lc "cd $TREE && make $2"
}

# ---- the package ------------------------------------------------------------------------------

# deb_fragments TREE: the makefiles of TREE that define a `deb` target.
deb_fragments() {
	grep -Els '^([[:alnum:]_.-]+[[:space:]]+)*deb([[:space:]]+[^:=#]*)?::?([^=]|$)' \
		"$1/Makefile" "$1"/*/*.mk "$1"/*/*/*.mk 2>/dev/null || true
}

# deb_runs_lintian TREE: the deb target's folder (its fragments and scripts) calls lintian.
deb_runs_lintian() {
	local f
	for f in $(deb_fragments "$1"); do
		grep -Eqs '^[^#]*\blintian\b' "$(dirname "$f")"/*.mk "$(dirname "$f")"/*.sh && return 0
	done
	return 1
}

# installed ROOT: the packages installed in ROOT, sorted.
installed() {
	# shellcheck disable=SC2016 # dpkg-query's format, not ours
	in_chroot "$1" dpkg-query -W -f '${Package}\n' | sort
}

# install_deb ROOT DEB: apt-get install ./DEB, and the packages it pulled in.
install_deb() {
	local root=$1 deb=$2 before
	cp "$deb" "$root/tmp/"
	before=$(installed "$root")
	chroot_apt "$root" install -y "/tmp/$(basename "$deb")"
	echo "packages pulled in:"
	installed "$root" | comm -13 <(echo "$before") - | tr '\n' ' ' | fold -s -w 100
	echo
}

# deb_steps: make deb, lintian, the package in a fresh chroot.
deb_steps() {
	local deb lintian_mode
	if [ -z "$(deb_fragments "$BUILD_ROOT$TREE")" ]; then
		skip "make deb" "no deb target in this tree"
		return 0
	fi
	touch "$WORK/before-deb"
	step "make deb" make_in "$BUILD_ROOT" deb
	[ "$STEP_RC" -eq 0 ] || return 0
	deb=$(find "$BUILD_ROOT/root" -name 'edgelb_*.deb' -newer "$WORK/before-deb" -printf '%T@ %p\n' |
		sort -rn | head -1 | cut -d' ' -f2-)
	if [ -z "$deb" ]; then
		record "find edgelb_*.deb" 1 0 "$LOGS/make_deb.log"
		return 0
	fi
	mkdir -p "$WORK/out"
	cp "$deb" "$WORK/out/"
	deb=$WORK/out/$(basename "$deb")
	say "package: $deb"

	if deb_runs_lintian "$BUILD_ROOT$TREE"; then
		lintian_mode="make deb runs it"
	elif [ ! -x "$BUILD_ROOT/usr/bin/lintian" ]; then
		lintian_mode="not installed in the build chroot"
	else
		cp "$deb" "$BUILD_ROOT/tmp/"
		step "lintian" in_chroot "$BUILD_ROOT" lintian "/tmp/$(basename "$deb")"
	fi
	[ -z "${lintian_mode:-}" ] || skip lintian "$lintian_mode"

	step "chroot 2 (runtime)" setup_runtime_root
	[ "$STEP_RC" -eq 0 ] || return 0
	step "apt-get install ./$(basename "$deb")" install_deb "$RUNTIME_ROOT" "$deb"
	[ "$STEP_RC" -eq 0 ] || return 0
	step "edgelbd -c /etc/edgelb/edgelb.conf --check" \
		in_chroot "$RUNTIME_ROOT" edgelbd -c /etc/edgelb/edgelb.conf --check
	step "edgelbctl --version" in_chroot "$RUNTIME_ROOT" edgelbctl --version
}

# ---- cleanup ------------------------------------------------------------------------------------

# mounts_below DIR: mount points at or below DIR, the last mounted first.
mounts_below() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | tac
}

no_mounts_below() {
	[ -z "$(mounts_below "$1")" ] && return 0
	say "error: still mounted below $1:" >&2
	mounts_below "$1" | sed 's/^/  /' >&2
	return 1
}

# alive PID: PID exists and is not a zombie.
alive() {
	local stat
	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# tree_of PID: PID and its descendants.
tree_of() {
	local s line pid i=0
	local -A parent=()
	local -a tree=("$1")
	for s in /proc/[0-9]*/stat; do
		read -r line 2>/dev/null <"$s" || continue
		pid=${line%% *}
		line=${line##*) }
		line=${line#* }
		parent[$pid]=${line%% *}
	done
	while [ "$i" -lt ${#tree[@]} ]; do
		for pid in "${!parent[@]}"; do
			[ "${parent[$pid]}" != "${tree[$i]}" ] || tree+=("$pid")
		done
		i=$((i + 1))
	done
	echo "${tree[@]}"
}

# procs_in ROOT: processes whose root directory is ROOT or below it (all started by this run).
procs_in() {
	local p r
	case $1 in /?*) ;; *) return 0 ;; esac
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		case $r in "$1" | "$1"/*) echo "${p#/proc/}" ;; esac
	done
}

# stop PID...: SIGTERM, up to 10 s to exit, then SIGKILL.
stop() {
	local pid left i
	kill -TERM "$@" 2>/dev/null || true
	for i in $(seq 100); do
		left=0
		for pid in "$@"; do ! alive "$pid" || left=1; done
		[ "$left" -eq 1 ] || return 0
		[ "$i" -lt 100 ] && sleep 0.1
	done
	kill -KILL "$@" 2>/dev/null || true
}

# stop_step: the step that is running now, all of its processes.
stop_step() {
	[ -n "$STEP_PID" ] || return 0
	# shellcheck disable=SC2046 # PIDs
	stop $(tree_of "$STEP_PID")
	wait "$STEP_PID" 2>/dev/null || true
	record "$STEP_NAME" "interrupted" $((SECONDS - STEP_START)) \
		"$LOGS/${STEP_NAME//[^A-Za-z0-9.-]/_}.log"
}

# stop_procs_in ROOT: what still runs in the chroot (daemons that left their session, too).
stop_procs_in() {
	local -a pids
	for _ in 1 2 3; do
		mapfile -t pids < <(procs_in "$1")
		[ ${#pids[@]} -gt 0 ] || return 0
		say "stopping ${#pids[@]} processes still running in $1: ${pids[*]}"
		stop "${pids[@]}"
	done
}

# delete_netns ROOT: network namespaces are the kernel's, their names live in the chroot's /run:
# the ones left there were made by this chroot's tests.
delete_netns() {
	local root=$1 ns
	mountpoint -q "$root/run" || return 0
	[ -d "$root/run/netns" ] || return 0
	for ns in $(in_chroot "$root" ip netns list 2>/dev/null | awk '{ print $1 }'); do
		say "deleting network namespace $ns left by the chroot's tests"
		in_chroot "$root" ip netns delete "$ns" || true
	done
}

# unmount_below DIR: all mounts at or below DIR, the last mounted first; lazily if busy.
unmount_below() {
	local m
	for _ in 1 2 3; do
		for m in $(mounts_below "$1"); do
			umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
		done
		[ -n "$(mounts_below "$1")" ] || return 0
	done
	no_mounts_below "$1"
}

# release_root ROOT: stop its processes, delete its namespaces, unmount it.
release_root() {
	[ -d "$1" ] || return 0
	stop_procs_in "$1"
	delete_netns "$1"
	unmount_below "$1"
}

# remove_work OK: the work dir, when nothing is mounted below it: all of it if OK, else all but
# the logs (FRESH_KEEP=1: nothing).
remove_work() {
	local ok=$1 entry
	[ "$WORK_MADE" -eq 1 ] || return 0
	no_mounts_below "$WORK" || {
		say "error: left $WORK as it is"
		return 1
	}
	if [ "$ok" -eq 1 ]; then
		rm -rf --one-file-system "$WORK"
	elif [ "$KEEP" = 1 ]; then
		say "kept $WORK (FRESH_KEEP=1)"
	else
		for entry in "$WORK"/*; do
			[ "$entry" = "$LOGS" ] || rm -rf --one-file-system "$entry"
		done
		say "logs kept in $LOGS (FRESH_KEEP=1 keeps the chroots too)"
	fi
}

# summary: every step's line, then "fresh-check: N passed, N failed".
summary() {
	local line
	echo
	say "summary ($SECONDS s)"
	for line in "${SUMMARY[@]}"; do say "  $line"; done
	say "$PASSED passed, $FAILED failed"
}

on_exit() {
	local rc=$? root
	trap '' INT TERM
	trap - EXIT
	set +e
	stop_step
	for root in "${ROOTS[@]}"; do release_root "$root" || rc=1; done
	[ "$FAILED" -eq 0 ] || rc=1
	if [ "$rc" -eq 0 ]; then remove_work 1; else remove_work 0; fi || {
		SUMMARY+=("cleanup: FAILED (mounts left below $WORK)")
		FAILED=$((FAILED + 1))
		rc=1
	}
	summary
	exit "$rc"
}

main() {
	check_host
	read_mirrors
	trap on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$(dirname "$WORK")"
	mkdir "$WORK" "$LOGS"
	WORK_MADE=1
	say "work dir $WORK, FIRST=$FIRST"

	step "base" ensure_base
	[ "$STEP_RC" -eq 0 ] || exit 1
	step "chroot 1 (build)" setup_build_root
	[ "$STEP_RC" -eq 0 ] || exit 1
	if [ "$FIRST" = test ]; then
		step "make test" make_in "$BUILD_ROOT" test
		step "make demo" make_in "$BUILD_ROOT" demo
	else
		step "make demo" make_in "$BUILD_ROOT" demo
		step "make test" make_in "$BUILD_ROOT" test
	fi
	deb_steps
}

main "$@"
