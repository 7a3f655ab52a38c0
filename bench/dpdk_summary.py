#!/usr/bin/python3
"""dpdk_summary.py - medians and BENCH lines from bench/dpdk_bench.sh's per-run results.

Input lines: pair dut phase rx_pps tsc_hz device_cycles_per_packet (0: not reported).
Devices: edgelb-dp (IP-in-IP VIP), edgelb-dp-l2dsr (L2 DSR VIP), testpmd (macswap), reflect
(MAC swap) and reflect-encap (IP-in-IP, deciding nothing: the floor of any encapsulating device).
Wall clock: Mpps of the whole chain (generator + device), each device against testpmd macswap,
ratio = median of the per-pair ratios. Device cycles per packet (TSC cycles of polls that
received packets / packets): each device against the MAC-swap reflector with the same
accounting, and edgelb-dp against reflect-encap (what its decisions cost on top of the
encapsulation itself); Mpps per worker lcore = TSC Hz / those cycles.
"""
import statistics
import sys

NAMES = {"established_64": "dpdk_established", "new_flow_64": "dpdk_new_flow",
         "established_512": "dpdk_established_512", "new_flow_512": "dpdk_new_flow_512"}
# device -> suffix of its BENCH names (edgelb-dp keeps the plain names)
DEVICES = {"edgelb-dp": "", "edgelb-dp-l2dsr": "_l2dsr", "reflect-encap": "_encap_floor"}

med = statistics.median


def ratio(a, b, field):
    """Median over the pairs both ran of a/b, and the two medians."""
    pairs = [p for p in sorted(set(a) & set(b)) if a[p][field] > 0 and b[p][field] > 0]
    if not pairs:
        return None
    return (med(a[p][field] for p in pairs), med(b[p][field] for p in pairs),
            med(a[p][field] / b[p][field] for p in pairs))


def main(path):
    data = {}  # phase -> dut -> pair -> (pps, cycles)
    hz = 1.0
    for line in open(path):
        pair, dut, phase, pps, tsc, cyc = line.split()
        data.setdefault(phase, {}).setdefault(dut, {})[pair] = (float(pps), float(cyc))
        hz = float(tsc)
    lines = []
    print("wall clock, Mpps of the chain (ratio: to testpmd macswap, median of per-pair ratios)")
    print("phase            | edgelb-dp  ratio | edgelb-dp L2 DSR  ratio | reflect-encap  ratio "
          "| testpmd  reflect")
    for phase, name in NAMES.items():
        d = data.get(phase, {})
        t = d.get("testpmd", {})
        if not t:
            continue
        cols = []
        for dev, suffix in DEVICES.items():
            r = ratio(d.get(dev, {}), t, 0)
            if not r:
                cols.append((0.0, 0.0))
                continue
            cols.append((r[0] / 1e6, r[2]))
            lines.append("BENCH %s%s value=%.3f unit=mpps baseline=%.3f ratio=%.3f" % (
                name, suffix, r[0] / 1e6, r[1] / 1e6, r[2]))
        refl = d.get("reflect", {})
        mr = med(v[0] for v in refl.values()) / 1e6 if refl else 0.0
        print("%-16s | %9.3f %6.3f | %16.3f %6.3f | %13.3f %6.3f | %7.3f %8.3f" % (
            phase, cols[0][0], cols[0][1], cols[1][0], cols[1][1], cols[2][0], cols[2][1],
            med(v[0] for v in t.values()) / 1e6, mr))
    print()
    print("device cycles per packet (ratio: to the MAC-swap reflector; last: edgelb-dp to "
          "reflect-encap)")
    print("phase            | edgelb-dp  ratio | edgelb-dp L2 DSR  ratio | reflect-encap  ratio "
          "| reflect | edgelb-dp/encap | lcore Mpps: edgelb-dp")
    for phase, name in NAMES.items():
        d = data.get(phase, {})
        refl = d.get("reflect", {})
        if not refl:
            continue
        cols = []
        for dev, suffix in DEVICES.items():
            r = ratio(d.get(dev, {}), refl, 1)
            if not r:
                cols.append((0.0, 0.0))
                continue
            cols.append((r[0], r[2]))
            lines.append("BENCH %s%s_cycles value=%.1f unit=cycles baseline=%.1f ratio=%.3f" % (
                name, suffix, r[0], r[1], r[2]))
        over = ratio(d.get("edgelb-dp", {}), d.get("reflect-encap", {}), 1)
        if over:
            lines.append("BENCH %s_cycles_over_encap value=%.1f unit=cycles baseline=%.1f "
                         "ratio=%.3f" % (name, over[0], over[1], over[2]))
        rc = [v[1] for v in refl.values() if v[1] > 0]
        print("%-16s | %9.1f %6.2f | %16.1f %6.2f | %13.1f %6.2f | %7.1f | %15.2f | %10.2f" % (
            phase, cols[0][0], cols[0][1], cols[1][0], cols[1][1], cols[2][0], cols[2][1],
            med(rc) if rc else 0.0, over[2] if over else 0.0,
            hz / cols[0][0] / 1e6 if cols[0][0] else 0.0))
    print()
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
