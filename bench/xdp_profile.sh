#!/bin/bash
# xdp_profile.sh - where edgelb's per-packet time goes in one test-run case: samples the XDP
# program with perf (cpu-clock: works without hardware counters, e.g. in VMs) while
# xdp_testrun --profile runs the case, maps samples inside the JIT-compiled program to source
# lines (xdp_jitmap), and prints the share of samples by component and the hottest lines.
#   bench/xdp_profile.sh BUILD/bench [CASE]   (CASE: a BENCH name, default xdp_established)
set -euo pipefail

dir=${1:?usage: $0 BUILD/bench [CASE]}
case_name=${2:-xdp_established}
seconds=${XDP_PROFILE_SECONDS:-6}
work=$(mktemp -d)
bench_pid=""

cleanup() {
	if [ -n "$bench_pid" ]; then kill "$bench_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

command -v perf >/dev/null || { echo "xdp_profile.sh: perf is not installed" >&2; exit 1; }

"$dir/xdp_testrun" --only "$case_name" --profile --pairs 99 --repeat 2000000 \
	>/dev/null 2>"$work/stderr" &
bench_pid=$!
for _ in $(seq 100); do
	grep -qs "program id" "$work/stderr" && break
	kill -0 "$bench_pid" 2>/dev/null || { cat "$work/stderr" >&2; exit 1; }
	sleep 0.1
done
prog_id=$(sed -n 's/.*program id \([0-9]*\).*/\1/p' "$work/stderr")
[ -n "$prog_id" ] || { echo "xdp_profile.sh: the benchmark did not start" >&2; exit 1; }
"$dir/xdp_jitmap" "$prog_id" >"$work/lines"
perf record -q -e cpu-clock -F 10000 -p "$bench_pid" -o "$work/perf.data" -- sleep "$seconds" \
	2>/dev/null
kill "$bench_pid" 2>/dev/null || true
wait "$bench_pid" 2>/dev/null || true
bench_pid=""
perf script -i "$work/perf.data" -F ip,sym,symoff 2>/dev/null >"$work/samples"

/usr/bin/python3 - "$work/lines" "$work/samples" "$case_name" <<'PY'
import bisect, collections, sys

lines = []
for row in open(sys.argv[1]):
    off, loc, text = (row.rstrip("\n").split("\t", 2) + ["", ""])[:3]
    lines.append((int(off, 16), loc, text.strip()))
lines.sort()
starts = [l[0] for l in lines]

# kernel functions by what they do for the program
KERNEL = [
    ("conn-table insert (LRU hash update)", ("bpf_lru_", "prealloc_lru_pop", "htab_lru_map_update",
                                             "htab_lock_bucket", "htab_unlock_bucket",
                                             "bpf_obj_memcpy", "__pi_memcpy", "check_and_free_fields",
                                             "_raw_spin_")),
    ("hash-map lookups (jhash, bucket walk, key compare)", ("htab_map_hash", "lookup_nulls_elem_raw",
                                                             "memcmp", "__htab_map_lookup_elem",
                                                             "htab_lru_map_lookup", "jhash")),
    ("clock helper (bpf_ktime_get_coarse_ns)", ("bpf_ktime_get_coarse_ns", "ktime_get_coarse",
                                                "set_normalized_timespec64")),
    ("head adjustment helper (bpf_xdp_adjust_head)", ("bpf_xdp_adjust_head",)),
    ("test-run loop (the baseline pays it too)", ("bpf_test_run", "bpf_test_timer", "__local_bh_enable_ip",
                                                  "bpf_dispatcher_xdp")),
    ("return thunks (speculation mitigation)", ("srso_", "__x86_return_thunk")),
]

def kernel_group(sym):
    for name, prefixes in KERNEL:
        if sym.startswith(prefixes):
            return name
    return "other kernel (" + sym + ")"

groups, hot = collections.Counter(), collections.Counter()
total = 0
for row in open(sys.argv[2]):
    parts = row.split()
    if len(parts) < 2:
        continue
    total += 1
    sym, _, off = parts[1].partition("+0x")
    if sym.endswith("_edgelb_xdp") and lines:
        i = max(bisect.bisect_right(starts, int(off or "0", 16)) - 1, 0)
        loc, text = lines[i][1], lines[i][2]
        groups["program: " + loc.split(":")[0]] += 1
        hot[(loc, text)] += 1
    else:
        groups[kernel_group(sym)] += 1

if not total:
    sys.exit("no samples")
print(f"edgelb XDP profile, case {sys.argv[3]}: {total} samples (perf cpu-clock)")
print("\nshare  component (program: samples inside the JIT code, by source file)")
small = 0
for name, n in groups.most_common():
    if n * 200 < total:
        small += n
        continue
    print(f"{100 * n / total:5.1f}% {name}")
if small:
    print(f"{100 * small / total:5.1f}% (smaller items)")
print("\nhottest source lines (a sample lands on the instruction after a slow one)")
for (loc, text), n in hot.most_common(25):
    print(f"{100 * n / total:5.1f}% {loc:16s} {text[:80]}")
PY
