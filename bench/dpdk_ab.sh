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
# AB_MODE=l2dsr: the VIP forwards by L2 DSR instead of IP-in-IP.
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
# shellcheck source=bench/dpdk_memif.sh
source bench/dpdk_memif.sh
AB_PID=
cleanup() {
	[ -n "$AB_PID" ] && kill "$AB_PID" 2>/dev/null || true
	memif_cleanup
}
trap cleanup EXIT

make -s dpdk-ab-plugin AB_TREE="$TREE_A" AB_OUT="$WORK/a.so" >/dev/null
make -s dpdk-ab-plugin AB_TREE="$TREE_B" AB_OUT="$WORK/b.so" >/dev/null

write_tables "${AB_MODE:-ipip}"
# the generator outlasts the A/B run: its warm-up (0.5 s) plus the run plus margin
start_gen "$PHASE" "$((SECONDS_AB + 3))"

"$AB" -l 1 "${EAL_COMMON[@]}" --file-prefix "$RUN-ab" \
	--vdev "$DUT_MEMIF" -- "$WORK/a.so" "$WORK/b.so" \
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
