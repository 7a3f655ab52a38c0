#!/usr/bin/env bash
# hugepages.sh - make sure DPDK has 2 MiB hugepages: at least MB megabytes free (default 512) and
# a hugetlbfs mount. Idempotent; only ever raises the reservation. Prints the mount point.
# Usage: scripts/hugepages.sh [MB]      (root)
# Tests that cannot rely on hugepages run EAL with --no-huge instead.
set -euo pipefail
need_mb=${1:-512}
page_kb=2048
sys=/sys/kernel/mm/hugepages/hugepages-${page_kb}kB
[ -d "$sys" ] || { echo "hugepages.sh: no ${page_kb} kB hugepage support" >&2; exit 1; }

need=$(( (need_mb * 1024 + page_kb - 1) / page_kb ))
free=$(cat "$sys/free_hugepages")
if [ "$free" -lt "$need" ]; then
	total=$(cat "$sys/nr_hugepages")
	echo $(( total + need - free )) >"$sys/nr_hugepages"
	free=$(cat "$sys/free_hugepages")
	if [ "$free" -lt "$need" ]; then
		echo "hugepages.sh: only $free of $need pages free (memory fragmented?)" >&2
		exit 1
	fi
fi

mnt=$(awk '$3 == "hugetlbfs" { print $2; exit }' /proc/mounts)
if [ -z "$mnt" ]; then
	mnt=/dev/hugepages
	mkdir -p "$mnt"
	mount -t hugetlbfs -o pagesize=2M nodev "$mnt"
fi
echo "$mnt"
