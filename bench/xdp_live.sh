#!/bin/bash
# xdp_live.sh - the live XDP benchmark: two network namespaces of this run joined by a veth pair,
# then bench/xdp_live.c (generator, edgelb or MAC swap, sink) pinned to one CPU. Namespaces are
# removed on any exit. Usage: bench/xdp_live.sh BUILD/bench/xdp_live [xdp_live options...]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: $0 path/to/xdp_live [options]}
shift
# one CPU for generator, edgelb and sink (softirq follows the generator); default: the last
cpu=${XDP_BENCH_CPU:-$(($(nproc) - 1))}

if [ "$(id -u)" != 0 ]; then
	echo "xdp_live.sh: needs root (namespaces, XDP attach, BPF_PROG_RUN)" >&2
	exit 1
fi

source "$here/scripts/lib/netns.sh"
netns_init xdplive
netns_add gen
netns_add lb
# no IPv6 on the veths: no router solicitations or MLD reports among the measured frames
for ns in gen lb; do
	nsx $ns sysctl -qw net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.all.disable_ipv6=1
done
netns_link gen veth0 lb veth0

taskset -c "$cpu" "$bin" --gen-ns "$(netns_name gen)" --lb-ns "$(netns_name lb)" \
	--gen-if veth0 --lb-if veth0 "$@"
