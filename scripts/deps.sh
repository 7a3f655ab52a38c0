#!/usr/bin/env bash
# deps.sh: the Debian packages edgelb needs, by purpose, and their installation.
#
#   scripts/deps.sh [GROUP...]          install the groups' missing packages (default: build)
#   scripts/deps.sh --check GROUP...    print the missing packages of the groups, exit 1 if any
#   scripts/deps.sh --list GROUP...     print the groups' packages, one a line
#
# Groups: runtime (what the installed programs need), build (compile everything), test (the unit
# and lab tests: BIRD, scapy, capture tools), bench (benchmark baselines and plots), package
# (make deb), fresh (make fresh-check), all. The README's dependency table says why each is there.
#
# It only installs packages. It never stops, starts or reconfigures a service: packages are
# installed under a policy-rc.d that forbids service starts (the lab runs its own BIRD in its own
# namespaces; the host's BIRD, if any, is not touched), and bpffs is mounted only where the
# make targets need it (the Makefile's bpffs target).
set -euo pipefail

declare -A GROUP
GROUP[runtime]="iproute2 libbpf1 libconfig9 libjemalloc2 libmicrohttpd12 libmnl0 libsystemd0"
GROUP[build]="build-essential pkg-config git clang-19 libelf-dev zlib1g-dev linux-libc-dev
	gcc-multilib libbpf-dev bpftool libdpdk-dev libjemalloc-dev libconfig-dev
	libmicrohttpd-dev libmnl-dev libsystemd-dev"
GROUP[test]="libcmocka-dev libclang-rt-19-dev bird2 iproute2 iputils-ping procps ethtool util-linux libcap2-bin python3
	python3-scapy tcpdump curl systemd man-db groff-base"
GROUP[bench]="dpdk gnuplot-nox linux-perf"
GROUP[package]="debhelper dpkg-dev lintian"
GROUP[fresh]="debootstrap"

usage() {
	sed -n '2,12s/^# \{0,1\}//p' "$0" >&2
	exit 2
}

packages_of() {
	local g
	for g in "$@"; do
		if [ "$g" = all ]; then
			packages_of runtime build test bench package fresh
			continue
		fi
		[ -n "${GROUP[$g]+x}" ] || {
			echo "deps.sh: unknown group '$g' (runtime, build, test, bench, package, fresh, all)" >&2
			exit 2
		}
		# shellcheck disable=SC2086 # word splitting is the list
		printf '%s\n' ${GROUP[$g]}
	done | awk '!seen[$0]++'
}

# One dpkg-query for all of them: packages not installed (or only half) are printed.
missing_of() {
	local want
	mapfile -t want < <(packages_of "$@")
	dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${want[@]}" 2>/dev/null |
		awk '$2 == "ii" { print $1 }' | sort >"${TMPDIR:-/tmp}/deps.$$" || true
	printf '%s\n' "${want[@]}" | sort | comm -23 - "${TMPDIR:-/tmp}/deps.$$"
	rm -f "${TMPDIR:-/tmp}/deps.$$"
}

install_missing() {
	local missing
	mapfile -t missing < <(missing_of "$@")
	[ ${#missing[@]} -gt 0 ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
		echo "deps.sh: run as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# Packages such as bird2 would start their service on install; an edge server's own BIRD
	# or a lab's must not be disturbed, so service starts are refused while we install.
	local policy=/usr/sbin/policy-rc.d own_policy=0
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\n# edgelb deps.sh: no service starts during install\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=1
		trap 'rm -f "$policy"' EXIT
	fi
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	[ $own_policy -eq 0 ] || { rm -f "$policy"; trap - EXIT; }
}

case "${1:-}" in
--check)
	shift
	[ $# -gt 0 ] || usage
	mapfile -t missing < <(missing_of "$@")
	[ ${#missing[@]} -eq 0 ] || { echo "${missing[*]}"; exit 1; }
	;;
--list)
	shift
	[ $# -gt 0 ] || usage
	packages_of "$@"
	;;
-h | --help) usage ;;
*)
	[ $# -gt 0 ] || set -- build
	install_missing "$@"
	;;
esac
