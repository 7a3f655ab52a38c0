#!/usr/bin/python3
"""dpdk_summary.py - medians and BENCH lines from bench/dpdk_bench.sh's per-run results.

Input lines: pair dut phase rx_pps tsc_hz device_cycles_per_packet (0: not reported).
Wall clock: Mpps of the whole chain (generator + device), edgelb-dp against testpmd macswap,
ratio = median of the per-pair ratios. Device cycles per packet (TSC cycles of polls that
received packets / packets): edgelb-dp against the MAC-swap reflector with the same accounting;
Mpps per worker lcore = TSC Hz / those cycles.
"""
import statistics
import sys

NAMES = {"established_64": "dpdk_established", "new_flow_64": "dpdk_new_flow",
         "established_512": "dpdk_established_512", "new_flow_512": "dpdk_new_flow_512"}


def main(path):
    data = {}  # phase -> dut -> pair -> (pps, cycles)
    hz = 1.0
    for line in open(path):
        pair, dut, phase, pps, tsc, cyc = line.split()
        data.setdefault(phase, {}).setdefault(dut, {})[pair] = (float(pps), float(cyc))
        hz = float(tsc)
    med = statistics.median
    print("phase            | wall Mpps: edgelb-dp  testpmd  reflector  ratio "
          "| device cycles/pkt: edgelb-dp  reflector  ratio | lcore Mpps: edgelb-dp  reflector")
    lines = []
    for phase, name in NAMES.items():
        d = data.get(phase, {})
        e, t, r = d.get("edgelb-dp", {}), d.get("testpmd", {}), d.get("reflect", {})
        pairs = sorted(set(e) & set(t))
        if not pairs:
            continue
        me = med(e[p][0] for p in pairs) / 1e6
        mt = med(t[p][0] for p in pairs) / 1e6
        mr = med(v[0] for v in r.values()) / 1e6 if r else 0.0
        ratio = med(e[p][0] / t[p][0] for p in pairs if t[p][0] > 0)
        lines.append("BENCH %s value=%.3f unit=mpps baseline=%.3f ratio=%.3f" % (name, me, mt, ratio))
        cp = [p for p in sorted(set(e) & set(r)) if e[p][1] > 0 and r[p][1] > 0]
        ec = med(e[p][1] for p in cp) if cp else 0.0
        rc = med(r[p][1] for p in cp) if cp else 0.0
        cr = med(e[p][1] / r[p][1] for p in cp) if cp else 0.0
        if cp:
            lines.append("BENCH %s_cycles value=%.1f unit=cycles baseline=%.1f ratio=%.3f" % (
                name, ec, rc, cr))
        print("%-16s | %20.3f %8.3f %10.3f %6.3f | %26.1f %10.1f %6.2f | %20.2f %10.2f" % (
            phase, me, mt, mr, ratio, ec, rc, cr, hz / ec / 1e6 if ec else 0,
            hz / rc / 1e6 if rc else 0))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
