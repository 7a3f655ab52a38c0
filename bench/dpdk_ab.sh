#!/usr/bin/env bash
# dpdk_ab.sh - direct A/B of two trees' edgelb-dp workers (root): each tree's dp_worker.c is
# built into a plug-in (make dpdk-ab-plugin), bench/dpdk_ab.c loads both and lets them take turns
# on one zero-copy memif port fed by dpdk_bench gen, and prints the median over the rounds of B's
# cycles per packet over A's. For deciding about a change (whole runs swing 2x here; this
# resolves a few percent), not a BENCH figure.
#   bench/dpdk_ab.sh TREE_A TREE_B [PHASE] [SECONDS]
# TREE_*: source trees, e.g. a git worktree of the commit before a change and this one; both must
# use this tree's table-file layout (LB_SHM_LAYOUT). PHASE: a dpdk_bench gen phase
# (established_64, new_flow_64, established_512, new_flow_512; default established_64).
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 2 ] || { echo "usage: $0 TREE_A TREE_B [PHASE] [SECONDS]" >&2; exit 2; }
TREE_A=$(realpath "$1")
TREE_B=$(realpath "$2")
PHASE=${3:-established_64}
SECONDS_AB=${4:-8}
BENCH=build/bench/dpdk_bench
AB=build/bench/dpdk_ab
TOOL=build/tests/dpdk/dp_tables_tool
make -s "$BENCH" "$AB" "$TOOL" >/dev/null

bash scripts/hugepages.sh 1024 >/dev/null

RUN=elb-dpab-$$
TABLES=/dev/shm/$RUN-tables
SOCK=/tmp/$RUN.sock
WORK=$(mktemp -d /tmp/$RUN.XXXXXX)
GEN_PID=
AB_PID=
cleanup() {
	[ -n "$AB_PID" ] && kill "$AB_PID" 2>/dev/null || true
	[ -n "$GEN_PID" ] && kill "$GEN_PID" 2>/dev/null || true
	"$TOOL" unlink "$TABLES" 2>/dev/null || true
	rm -rf "$WORK" "$SOCK" /var/run/dpdk/$RUN-*
}
trap cleanup EXIT

make -s dpdk-ab-plugin AB_TREE="$TREE_A" AB_OUT="$WORK/a.so" >/dev/null
make -s dpdk-ab-plugin AB_TREE="$TREE_B" AB_OUT="$WORK/b.so" >/dev/null

EAL_COMMON=(-m 256 --no-pci --no-telemetry --in-memory --single-file-segments --log-level '*:error')
MEMIF="socket=$SOCK,socket-abstract=no"
# VIP 10.99.1.1:80 over 16 backends, as bench/dpdk_bench.sh; nothing leaves the memif pair
"$TOOL" write "$TABLES" 02:00:00:00:00:01 10.99.1.1 80 10.99.0.2 02:00:00:00:00:fe 16

# the generator outlasts the A/B run: its warm-up (0.5 s) plus the run plus margin
"$BENCH" gen -l 0 "${EAL_COMMON[@]}" --file-prefix "$RUN-gen" \
	--vdev "net_memif0,role=server,$MEMIF" -- --vip 10.99.1.1 --vport 80 \
	--dst-mac 02:00:00:00:00:01 --seconds "$((SECONDS_AB + 3))" --phase "$PHASE" \
	>"$WORK/gen.out" 2>&1 &
GEN_PID=$!
for _ in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.1; done
[ -S "$SOCK" ] || { cat "$WORK/gen.out"; echo "FAIL: the generator did not open its socket"; exit 1; }

"$AB" -l 1 "${EAL_COMMON[@]}" --file-prefix "$RUN-ab" \
	--vdev "net_memif0,role=client,$MEMIF,zero-copy=yes" -- "$WORK/a.so" "$WORK/b.so" \
	--tables "$TABLES" --seconds "$SECONDS_AB" >"$WORK/ab.out" 2>&1 &
AB_PID=$!
wait "$AB_PID" || true
AB_PID=
if ! grep -q '^AB ' "$WORK/ab.out"; then
	cat "$WORK/ab.out"
	echo "FAIL: dpdk_ab gave no result"
	exit 1
fi
echo "A: $TREE_A"
echo "B: $TREE_B"
echo "phase $PHASE, $SECONDS_AB s, turns of 50 ms:"
grep '^AB ' "$WORK/ab.out"
