#!/usr/bin/python3
"""veth_live.py - the peer side of the live XDP test (runs inside the peer namespace).

Sends real frames over the veth to the node whose interface runs edgelb's XDP program (native
mode), captures what comes back, and compares every returned frame byte for byte with the
expectation from the fixtures' reference model (tests/xdp/fixtures.py: same topology as the
loader wrote into the maps). Exit 0 only if every expected frame came back exactly and nothing
else did.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures as fx  # noqa: E402
from scapy.all import (ICMP, IP, TCP, UDP, AsyncSniffer, Ether, ICMPv6EchoReply,  # noqa: E402
                       ICMPv6EchoRequest, IPv6, Raw, sendp)

IFACE = sys.argv[1]

# the fixtures module wrote its scenarios on import: start the model afresh, as the loader's
# tables (the topology, no connection entries); the frames below are one scenario
fx.reset()

sent, expected = [], []


def expect_forward(frame, vip, fam, src, dst, sport, dport, proto, syn):
    bid, h, _, _ = fx.choose(vip, fam, src, dst, sport, dport, proto, syn=syn)
    if fx.VIPS[vip][4] & fx.F_L2DSR:
        eth = Ether(bytes(frame))
        eth.dst, eth.src = fx.BACKENDS[bid][2], fx.NODE_MAC
        out = bytes(eth)
    else:
        out = fx.encap(fx.l3_of(bytes(frame)), bid, h)
    sent.append(bytes(frame))
    expected.append(out)


c4, c6 = fx.CLIENT4, fx.CLIENT6
eth = Ether(dst=fx.NODE_MAC, src=fx.ROUTER_MAC)
for i in range(16):
    f = eth / IP(src=c4, dst=fx.VIPS[0][1], flags="DF", id=i) / TCP(sport=30000 + i, dport=80, flags="S")
    expect_forward(f, 0, 4, c4, fx.VIPS[0][1], 30000 + i, 80, 6, True)
for i in range(16):
    f = eth / IP(src=c4, dst=fx.VIPS[0][1], flags="DF", id=100 + i) / TCP(sport=30000 + i, dport=80, flags="A") / Raw(b"GET /v1/completions")
    expect_forward(f, 0, 4, c4, fx.VIPS[0][1], 30000 + i, 80, 6, False)
for i in range(4):
    f = eth / IPv6(src=c6, dst=fx.VIPS[1][1]) / TCP(sport=31000 + i, dport=443, flags="S")
    expect_forward(f, 1, 6, c6, fx.VIPS[1][1], 31000 + i, 443, 6, True)
    f = eth / IP(src=c4, dst=fx.VIPS[2][1], id=i) / UDP(sport=32000 + i, dport=4433) / Raw(b"quic")
    expect_forward(f, 2, 4, c4, fx.VIPS[2][1], 32000 + i, 4433, 17, False)
    f = eth / IP(src=c4, dst=fx.VIPS[3][1], id=i) / TCP(sport=33000 + i, dport=8080, flags="S")
    expect_forward(f, 3, 4, c4, fx.VIPS[3][1], 33000 + i, 8080, 6, True)

echo = eth / IP(src=c4, dst=fx.VIPS[0][1], ttl=61, id=5) / ICMP(type=8, id=9, seq=1) / Raw(b"live")
sent.append(bytes(echo))
expected.append(bytes(Ether(dst=fx.ROUTER_MAC, src=fx.NODE_MAC) / IP(src=fx.VIPS[0][1], dst=c4, ttl=64, id=5) / ICMP(type=0, id=9, seq=1) / Raw(b"live")))
echo6 = eth / IPv6(src=c6, dst=fx.VIPS[1][1], hlim=61) / ICMPv6EchoRequest(id=3, seq=4, data=b"live6")
sent.append(bytes(echo6))
expected.append(bytes(Ether(dst=fx.ROUTER_MAC, src=fx.NODE_MAC) / IPv6(src=fx.VIPS[1][1], dst=c6, hlim=64) / ICMPv6EchoReply(id=3, seq=4, data=b"live6")))
# not for a VIP: the node's kernel gets it (and, with no address there, drops it): nothing returns
non_vip = [bytes(eth / IP(src=c4, dst="198.51.100.99") / UDP(sport=1, dport=9) / Raw(b"x")) for _ in range(5)]

sniffer = AsyncSniffer(iface=IFACE, lfilter=lambda p: p.src == fx.NODE_MAC, store=True)
sniffer.start()
time.sleep(0.5)
for frame in sent + non_vip:
    sendp(frame, iface=IFACE, verbose=False)
deadline = time.time() + 5
while time.time() < deadline and len(sniffer.results or []) < len(expected):
    time.sleep(0.1)
time.sleep(0.3)
got = [bytes(p) for p in sniffer.stop()]

missing = [e for e in expected if e not in got]
extra = [g for g in got if g not in expected]
print("veth_live: sent %d VIP frames + %d non-VIP, expected %d back, got %d, missing %d, unexpected %d"
      % (len(sent), len(non_vip), len(expected), len(got), len(missing), len(extra)))
for m in missing[:3]:
    print("  missing:", m.hex())
for x in extra[:3]:
    print("  unexpected:", x.hex())
print("sent=%d non_vip=%d" % (len(sent), len(non_vip)))
sys.exit(0 if not missing and not extra and len(got) == len(expected) else 1)
