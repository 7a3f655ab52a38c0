#!/usr/bin/python3
"""fixtures.py - the packet fixtures of edgelb's fast-path tests, written from the RFCs.

Every case is a scenario of its own: the tables it starts from (the topology below, every backend
up, nothing in the connection table), its setup (backend states and generations, rings, and the
packets that make the connection entries it needs), an input frame, the verdict the fast path
owes, the whole output frame it owes, and the exact change of every global counter. No case
depends on another: each runs alone, on tables reset to the topology, by name. Inputs and expected outputs are built here with scapy
field by field as the RFCs define them (RFC 791/2003 IPv4 and IPv4-in-IPv4, RFC 8200/2473 IPv6
and IPv6-in-IPv6, RFC 4213 mixed families, RFC 792/4443 echo, RFC 1191/8201 path MTU), and the
backend choice from a reference model of the documented design (MurmurHash3 x86_32 of the flow
tuple, multiply-shift onto the ring, connection table semantics) written independently of the C
code. Nothing is captured from the code under test.

Output: a C header (argv[1]) with the topology and the cases, read by tests/xdp/test_fixtures.c,
which runs every case through XDP (BPF_PROG_TEST_RUN) and through the userspace runner, and by
tests/dpdk/test_dpdk_fixtures.c (edgelb-dp's worker). For a harness that runs the cases in order
on one set of tables, never resetting them, each case also carries `actions`: the table writes
that take the tables the previous cases left to the ones this case needs. The generator replays
that order through the model and checks that every case then owes exactly what it owes alone.
"""
import ipaddress
import struct
import sys

from scapy.all import (ICMP, IP, IPOption, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest, ICMPv6PacketTooBig,
                       IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, Raw, ARP, conf)

conf.verb = 0

# ---------------------------------------------------------------------------------------------
# Topology (documentation address ranges only: RFC 5737, RFC 3849)

NODE_MAC = "02:00:00:00:00:01"
ROUTER_MAC = "02:00:00:00:00:fe"
SEED = 0x5EED1234
SRC4 = "172.31.0.0"
SRC4_MASK = 0x0000FFFF
SRC6 = "fd00:e1b::"
SRC6_MASK = 0xFFFFFFFF
UDP_IDLE = 30
TCP_IDLE = 0
RING = 13
OUTER_TTL = 64

CLIENT4 = "198.51.100.7"
CLIENT6 = "2001:db8:c::7"

# id: (family, address, mac)
BACKENDS = {
    0: (4, "203.0.113.1", "02:00:00:00:01:00"),
    1: (4, "203.0.113.2", "02:00:00:00:01:01"),
    2: (4, "203.0.113.3", "02:00:00:00:01:02"),
    3: (6, "2001:db8:1::3", "02:00:00:00:01:03"),
    4: (6, "2001:db8:1::4", "02:00:00:00:01:04"),
    5: (6, "2001:db8:1::5", "02:00:00:00:01:05"),
    6: (4, "203.0.113.6", "02:00:00:00:01:06"),
}
# backends reached through another interface: devmap slot + 1 (0: the receiving port)
BACKEND_TX_PORT = {6: 1}
UP, DOWN, DRAINING = 1, 0, 2

F_L2DSR, F_SRC_HASH = 1, 2
TCP_P, UDP_P = 6, 17

# id: (family, address, proto, port, flags, backend ids)
VIPS = {
    0: (4, "192.0.2.10", TCP_P, 80, 0, [0, 1, 2]),
    1: (6, "2001:db8::10", TCP_P, 443, 0, [3, 4]),
    2: (4, "192.0.2.11", UDP_P, 0, 0, [3, 4]),  # all ports, IPv4-in-IPv6
    3: (4, "192.0.2.12", TCP_P, 8080, F_L2DSR, [0, 1]),
    4: (6, "2001:db8::12", TCP_P, 80, F_L2DSR, [5]),
    5: (4, "192.0.2.13", TCP_P, 80, F_SRC_HASH, [0, 1, 2]),
    6: (6, "2001:db8::11", UDP_P, 53, 0, [0, 1]),  # IPv6-in-IPv4
    7: (4, "192.0.2.14", TCP_P, 80, 0, []),  # no backend at all
    8: (4, "192.0.2.15", TCP_P, 80, 0, [6]),  # backend behind another port (devmap)
}


class Model:
    """The tables as one scenario sees them: the topology, then what its setup changed."""

    def __init__(self):
        self.conns = {}  # flow tuple -> (backend id, generation)
        self.state = {i: UP for i in BACKENDS}
        self.gen = {i: 1 for i in BACKENDS}
        self.ring = {v: list(VIPS[v][5]) for v in VIPS}

    def tables(self):
        """What a table writer sets (everything but the connection table)."""
        return (dict(self.state), dict(self.gen), {v: list(m) for v, m in self.ring.items()})


M = Model()  # the scenario being written


def reset():
    """Start a scenario: the topology's tables, an empty connection table, no setup."""
    global M
    M = Model()
    del SETUP[:]


def ring_of(vip_id, model=None):
    """The test rings are filled by pattern, not by Maglev: slot i -> members[i % n]."""
    members = (model or M).ring[vip_id]
    return [members[i % len(members)] if members else 0xFFFFFFFF for i in range(RING)]


# ---------------------------------------------------------------------------------------------
# Reference model: MurmurHash3 x86_32 over little-endian 32-bit words (flow.h's documented hash)

M32 = 0xFFFFFFFF


def rotl(x, r):
    return ((x << r) | (x >> (32 - r))) & M32


def murmur_mix(h, k):
    k = (k * 0xCC9E2D51) & M32
    k = rotl(k, 15)
    k = (k * 0x1B873593) & M32
    h ^= k
    h = rotl(h, 13)
    return (h * 5 + 0xE6546B64) & M32


def murmur_final(h, n):
    h ^= n
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & M32
    h ^= h >> 16
    return h


def words(addr_bytes):
    return list(struct.unpack("<%dI" % (len(addr_bytes) // 4), addr_bytes))


def addr_bytes(fam, a):
    return ipaddress.ip_address(a).packed


def flow_hash(fam, src, dst, sport, dport, proto):
    h = SEED
    for w in words(addr_bytes(fam, src)) + words(addr_bytes(fam, dst)):
        h = murmur_mix(h, w)
    ports = struct.unpack("<I", struct.pack(">HH", sport, dport))[0]
    h = murmur_mix(h, ports)
    h = murmur_mix(h, proto)
    return murmur_final(h, 16 if fam == 4 else 40)


def src_hash(fam, src):
    h = SEED
    for w in words(addr_bytes(fam, src)):
        h = murmur_mix(h, w)
    return murmur_final(h, 4 if fam == 4 else 16)


def ring_slot(h):
    return (h * RING) >> 32


def choose(vip_id, fam, src, dst, sport, dport, proto, syn=False, fragment=False, insert=True,
           model=None):
    """Backend for a packet and whether a new entry is made; returns (id, hash, counters, new)."""
    m = model or M
    flags = VIPS[vip_id][4]
    if fragment:
        sport = dport = 0
    h = src_hash(fam, src) if flags & F_SRC_HASH else flow_hash(fam, src, dst, sport, dport, proto)
    counters = {}
    key = (fam, src, dst, sport, dport, proto)
    if not fragment and not syn:
        entry = m.conns.get(key)
        if entry is None:
            counters["conn_miss"] = 1
        else:
            bid, gen = entry
            if m.gen[bid] == gen and m.state[bid] != DOWN:
                counters["conn_hit"] = 1
                return bid, h, counters, False
            counters["conn_stale"] = 1
    bid = ring_of(vip_id, m)[ring_slot(h)]
    if bid == 0xFFFFFFFF or m.state[bid] != UP:
        return None, h, counters, False
    new = False
    if not fragment and insert:
        m.conns[key] = (bid, m.gen[bid])
        new = True
    return bid, h, counters, new


# ---------------------------------------------------------------------------------------------
# Expected outputs, from the RFCs


def outer_src4(h):
    base = int(ipaddress.IPv4Address(SRC4))
    return str(ipaddress.IPv4Address((base & ~SRC4_MASK & M32) | (h & SRC4_MASK)))


def outer_src6(h):
    base = int(ipaddress.IPv6Address(SRC6))
    last = base & M32
    return str(ipaddress.IPv6Address((base & ~M32) | ((last & ~SRC6_MASK & M32) | (h & SRC6_MASK))))


def l2_for(bid, vlan=None):
    eth = Ether(dst=BACKENDS[bid][2], src=NODE_MAC)
    return eth / Dot1Q(vlan=vlan) if vlan is not None else eth


def encap(inner_l3, bid, h, vlan=None):
    """RFC 2003 / 2473 / 4213 outer header in front of the inner IP packet (bytes)."""
    fam = BACKENDS[bid][0]
    inner_is_v4 = inner_l3[0] >> 4 == 4
    tos = inner_l3[1] if inner_is_v4 else ((inner_l3[0] & 0x0F) << 4) | (inner_l3[1] >> 4)
    if fam == 4:
        df = (not inner_is_v4) or bool(inner_l3[6] & 0x40)
        outer = IP(version=4, ihl=5, tos=tos, id=0, flags="DF" if df else 0, frag=0,
                   ttl=OUTER_TTL, proto=4 if inner_is_v4 else 41, src=outer_src4(h),
                   dst=BACKENDS[bid][1])
    else:
        outer = IPv6(tc=tos, fl=h & 0xFFFFF, nh=4 if inner_is_v4 else 41, hlim=OUTER_TTL,
                     src=outer_src6(h), dst=BACKENDS[bid][1])
    return bytes(l2_for(bid, vlan) / outer / Raw(inner_l3))


CASES = []       # every runner's
USER_CASES = []  # the userspace runner's only (what needs its control of the buffer: headroom)
SETUP = []       # the scenario being written: its setup steps so far


def l3_of(frame):
    """The IP packet inside an Ethernet (+802.1Q) frame, without Ethernet padding."""
    pkt = Ether(frame)
    ip = pkt[IP] if IP in pkt else pkt[IPv6]
    raw = bytes(ip)
    n = ip.len if IP in pkt else 40 + ip.plen
    return raw[:n]


def owes(verdict, frame, out=None, counters=None, vip=None, backend=None, new_flow=False):
    """What a runner owes for a frame: verdict, whole output frame, counter changes."""
    c = {"verdict": verdict, "out": bytes(out) if out is not None else bytes(frame),
         "counters": dict(counters or {}), "vip": vip, "backend": backend,
         "new_flow": new_flow}
    c["counters"]["rx_packets"] = 1
    return c


def scenario(name, frame, expect, xdp=True, headroom=0):
    """
    Close the scenario being written: its setup so far, then `frame`, which owes expect(model)
    on the scenario's tables (expect may change the model's connection table, as the runner
    does). Then start the next scenario. headroom: bytes before the frame in the userspace
    runner's buffer (0: the default); such a scenario is the userspace runner's alone.
    """
    c = {"name": name, "in": bytes(frame), "setup": list(SETUP), "tables": M.tables(),
         "expect": expect, "xdp": xdp, "headroom": headroom}
    assert all(x["name"] != name for x in CASES + USER_CASES), "two scenarios named " + name
    c.update(expect(M))
    (USER_CASES if headroom else CASES).append(c)
    reset()
    return c


def case(name, frame, verdict, out=None, counters=None, xdp=True):
    """A scenario whose frame owes the same whatever the tables' state (no forwarding)."""
    frame = bytes(frame)
    return scenario(name, frame, lambda m: owes(verdict, frame, out, counters), xdp=xdp)


def client_eth():
    return Ether(dst=NODE_MAC, src=ROUTER_MAC)


def forward_owes(m, frame, vip_id, fam, src, dst, sport, dport, proto, syn=False,
                 fragment=False, vlan=None):
    """What a packet the fast path must forward owes on tables m (m's entries change with it)."""
    bid, h, counters, new = choose(vip_id, fam, src, dst, sport, dport, proto, syn=syn,
                                   fragment=fragment, model=m)
    if fragment:
        counters["fragments"] = 1
    if bid is None:
        counters["drops.NO_BACKEND"] = 1
        return owes("DROP", frame, counters=counters, vip=vip_id)
    if VIPS[vip_id][4] & F_L2DSR:
        eth = Ether(frame)
        eth.dst = BACKENDS[bid][2]
        eth.src = NODE_MAC
        out = bytes(eth)
    else:
        out = encap(l3_of(frame), bid, h, vlan=vlan)
        if vlan is not None:  # scapy's Dot1Q(vlan=) has prio 0; the output keeps the whole TCI
            out = out[:14] + frame[14:16] + out[16:]
        # Ethernet padding after the IP packet stays where it was, behind the inner packet
        pad = len(frame) - (14 + (4 if vlan is not None else 0)) - len(l3_of(frame))
        out += frame[len(frame) - pad:] if pad > 0 else b""
    if BACKEND_TX_PORT.get(bid):
        counters["redirect"] = 1
    else:
        counters["tx"] = 1
    return owes("REDIRECT" if BACKEND_TX_PORT.get(bid) else "TX", frame, out=out,
                counters=counters, vip=vip_id, backend=bid, new_flow=new)


def forward_case(name, frame, *flow, **kw):
    """A scenario whose frame the fast path must forward; returns the backend (None: dropped)."""
    frame = bytes(frame)
    return scenario(name, frame, lambda m: forward_owes(m, frame, *flow, **kw))["backend"]


# ---- setup steps: each changes the scenario's tables, in the model and (by the harness) in
# the runner, before the scenario's frame

def pre_packet(frame, *flow, **kw):
    """A packet the runner decides first (to make a connection entry); returns its backend."""
    frame = bytes(frame)
    o = forward_owes(M, frame, *flow, **kw)
    SETUP.append(("packet", frame, o["verdict"]))
    return o["backend"]


def set_state(bid, state):
    M.state[bid] = state
    SETUP.append(("state", bid, state))


def set_gen(bid, gen):
    M.gen[bid] = gen
    SETUP.append(("gen", bid, gen))


def set_ring(vip_id, members):
    M.ring[vip_id] = list(members)
    SETUP.append(("ring", vip_id, list(members)))


def v4(src, dst, **kw):
    return IP(src=src, dst=dst, id=0x1234, **kw)


# ---- forwarding, every mode and family -------------------------------------------------------

VIP0 = VIPS[0][1]
f_syn = client_eth() / v4(CLIENT4, VIP0, flags="DF", ttl=57, tos=0x28) / TCP(sport=40000, dport=80, flags="S", seq=1000)
flow_40000 = (0, 4, CLIENT4, VIP0, 40000, 80, TCP_P)
forward_case("v4_tcp_syn_ipip", f_syn, *flow_40000, syn=True)
f_ack = client_eth() / v4(CLIENT4, VIP0, flags="DF", ttl=57) / TCP(sport=40000, dport=80, flags="A", seq=1001, ack=5000) / Raw(b"GET / HTTP/1.1\r\n\r\n")
owner_40000 = pre_packet(f_syn, *flow_40000, syn=True)
assert forward_case("v4_tcp_established_conn_hit", f_ack, *flow_40000) == owner_40000
f_mid = client_eth() / v4(CLIENT4, VIP0) / TCP(sport=40001, dport=80, flags="A")
forward_case("v4_tcp_midflow_miss_no_df", f_mid, 0, 4, CLIENT4, VIP0, 40001, 80, TCP_P)
f_pad = client_eth() / v4(CLIENT4, VIP0, flags="DF") / TCP(sport=40002, dport=80, flags="S")
f_pad = bytes(f_pad) + b"\x00" * (60 - len(bytes(f_pad)))  # minimum Ethernet frame, padded
forward_case("v4_tcp_syn_ethernet_padding", f_pad, 0, 4, CLIENT4, VIP0, 40002, 80, TCP_P, syn=True)
f_opt = client_eth() / v4(CLIENT4, VIP0, flags="DF", options=b"\x01\x01\x01\x00") / TCP(sport=40003, dport=80, flags="S")
forward_case("v4_options_ihl6_ipip", f_opt, 0, 4, CLIENT4, VIP0, 40003, 80, TCP_P, syn=True)
f_vlan = Ether(dst=NODE_MAC, src=ROUTER_MAC) / Dot1Q(vlan=100, prio=3) / v4(CLIENT4, VIP0, flags="DF") / TCP(sport=40004, dport=80, flags="S")
forward_case("v4_vlan_tagged_ipip_keeps_tag", f_vlan, 0, 4, CLIENT4, VIP0, 40004, 80, TCP_P, syn=True, vlan=100)

VIP1 = VIPS[1][1]
f6 = client_eth() / IPv6(src=CLIENT6, dst=VIP1, tc=0xb8, fl=0x12345, hlim=50) / TCP(sport=50000, dport=443, flags="S")
flow_50000 = (1, 6, CLIENT6, VIP1, 50000, 443, TCP_P)
forward_case("v6_tcp_syn_ip6ip6", f6, *flow_50000, syn=True)
f6a = client_eth() / IPv6(src=CLIENT6, dst=VIP1) / TCP(sport=50000, dport=443, flags="PA") / Raw(b"x" * 100)
owner_50000 = pre_packet(f6, *flow_50000, syn=True)
assert forward_case("v6_tcp_established_conn_hit", f6a, *flow_50000) == owner_50000

VIP2 = VIPS[2][1]
fu = client_eth() / v4(CLIENT4, VIP2, flags="DF") / UDP(sport=5353, dport=4433) / Raw(b"quic-ish")
flow_5353 = (2, 4, CLIENT4, VIP2, 5353, 4433, UDP_P)
forward_case("v4_udp_allports_4in6", fu, *flow_5353)
pre_packet(fu, *flow_5353)
forward_case("v4_udp_allports_4in6_hit", fu, *flow_5353)
# 50 bytes: the general parser; the same flow in a frame of 54 bytes and more: the common-frame pass
fu_long = client_eth() / v4(CLIENT4, VIP2, flags="DF") / UDP(sport=5353, dport=4433) / Raw(b"quic-ish, longer")
pre_packet(fu, *flow_5353)
forward_case("v4_udp_allports_4in6_long_frame_hit", fu_long, *flow_5353)
fu_new = client_eth() / v4(CLIENT4, VIP2) / UDP(sport=5360, dport=4433) / Raw(b"quic-ish, longer")
forward_case("v4_udp_allports_4in6_long_frame_new", fu_new, 2, 4, CLIENT4, VIP2, 5360, 4433, UDP_P)

VIP6 = VIPS[6][1]
fu6 = client_eth() / IPv6(src=CLIENT6, dst=VIP6) / UDP(sport=5300, dport=53) / Raw(b"\x12\x34query")
forward_case("v6_udp_6in4", fu6, 6, 6, CLIENT6, VIP6, 5300, 53, UDP_P)

VIP3 = VIPS[3][1]
fl2 = client_eth() / v4(CLIENT4, VIP3, flags="DF") / TCP(sport=41000, dport=8080, flags="S")
flow_41000 = (3, 4, CLIENT4, VIP3, 41000, 8080, TCP_P)
forward_case("v4_l2dsr_mac_rewrite", fl2, *flow_41000, syn=True)
VIP4 = VIPS[4][1]
fl26 = client_eth() / IPv6(src=CLIENT6, dst=VIP4) / TCP(sport=41001, dport=80, flags="S")
forward_case("v6_l2dsr_mac_rewrite", fl26, 4, 6, CLIENT6, VIP4, 41001, 80, TCP_P, syn=True)

VIP5 = VIPS[5][1]
for sp in (42000, 42001, 42002):
    fs = client_eth() / v4(CLIENT4, VIP5) / TCP(sport=sp, dport=80, flags="S")
    forward_case("v4_source_hash_port_%d" % sp, fs, 5, 4, CLIENT4, VIP5, sp, 80, TCP_P, syn=True)
assert len({c["backend"] for c in CASES[-3:]}) == 1, "source hashing must pick one backend"

VIP7 = VIPS[7][1]
fnb = client_eth() / v4(CLIENT4, VIP7) / TCP(sport=43000, dport=80, flags="S")
forward_case("v4_vip_without_backends_dropped", fnb, 7, 4, CLIENT4, VIP7, 43000, 80, TCP_P, syn=True)
VIP8 = VIPS[8][1]
frd = client_eth() / v4(CLIENT4, VIP8, flags="DF") / TCP(sport=43001, dport=80, flags="S")
flow_43001 = (8, 4, CLIENT4, VIP8, 43001, 80, TCP_P)
forward_case("v4_backend_on_other_port_redirected", frd, *flow_43001, syn=True)

# Established flows of common frames (untagged IPv4 TCP, 54 bytes and more) that lb_fast_common
# declines and the general way forwards: L2 DSR, and a backend behind another port.
fl2a = client_eth() / v4(CLIENT4, VIP3, flags="DF") / TCP(sport=41000, dport=8080, flags="A") / Raw(b"l2dsr data")
owner_41000 = pre_packet(fl2, *flow_41000, syn=True)
assert forward_case("v4_l2dsr_established_conn_hit", fl2a, *flow_41000) == owner_41000
frda = client_eth() / v4(CLIENT4, VIP8, flags="DF") / TCP(sport=43001, dport=80, flags="A") / Raw(b"via port 1")
pre_packet(frd, *flow_43001, syn=True)
forward_case("v4_backend_on_other_port_established_redirected", frda, *flow_43001)

# ---- ICMP --------------------------------------------------------------------------------------

echo = client_eth() / IP(src=CLIENT4, dst=VIP0, ttl=60, id=7) / ICMP(type=8, id=0x77, seq=3) / Raw(b"ping-payload")
reply = Ether(dst=ROUTER_MAC, src=NODE_MAC) / IP(src=VIP0, dst=CLIENT4, ttl=64, id=7) / ICMP(type=0, id=0x77, seq=3) / Raw(b"ping-payload")
case("v4_icmp_echo_answered", echo, "TX", out=reply, counters={"icmp_echo_replied": 1, "tx": 1})
echo6 = client_eth() / IPv6(src=CLIENT6, dst=VIP1, hlim=60) / ICMPv6EchoRequest(id=0x66, seq=9, data=b"ping6")
from scapy.all import ICMPv6EchoReply  # noqa: E402
reply6 = Ether(dst=ROUTER_MAC, src=NODE_MAC) / IPv6(src=VIP1, dst=CLIENT6, hlim=64) / ICMPv6EchoReply(id=0x66, seq=9, data=b"ping6")
case("v6_icmpv6_echo_answered", echo6, "TX", out=reply6, counters={"icmp_echo_replied": 1, "tx": 1})


def too_big_owes(m, frame, *flow):
    """An ICMP too-big about a flow: to the flow's backend (its entry, or the ring), no entry."""
    bid, h, cnt, _ = choose(*flow, insert=False, model=m)
    cnt.update({"icmp_too_big_fwd": 1, "tx": 1})
    return owes("TX", frame, out=encap(l3_of(frame), bid, h), counters=cnt, vip=flow[0],
                backend=bid)


# Frag-needed from a router on the path, about the backend's reply VIP:80 -> client:40000.
quoted = IP(src=VIP0, dst=CLIENT4, flags="DF", ttl=63) / TCP(sport=80, dport=40000, flags="A", seq=5000)
fneed = bytes(client_eth() / IP(src="198.51.100.1", dst=VIP0, id=9) / ICMP(type=3, code=4, nexthopmtu=1400) / Raw(bytes(quoted)[:28]))
assert pre_packet(f_syn, *flow_40000, syn=True) == owner_40000
c = scenario("v4_icmp_frag_needed_to_flow_owner", fneed, lambda m: too_big_owes(m, fneed, *flow_40000))
assert c["backend"] == owner_40000 and c["counters"].get("conn_hit") == 1
quoted6 = IPv6(src=VIP1, dst=CLIENT6) / TCP(sport=443, dport=50000, flags="A")
ptb = bytes(client_eth() / IPv6(src="2001:db8:ffff::1", dst=VIP1) / ICMPv6PacketTooBig(mtu=1280) / Raw(bytes(quoted6)))
assert pre_packet(f6, *flow_50000, syn=True) == owner_50000
c = scenario("v6_icmpv6_packet_too_big_to_flow_owner", ptb, lambda m: too_big_owes(m, ptb, *flow_50000))
assert c["backend"] == owner_50000 and c["counters"].get("conn_hit") == 1
bad_quote = client_eth() / IP(src="198.51.100.1", dst=VIP0) / ICMP(type=3, code=4) / Raw(bytes(quoted)[:10])
case("v4_icmp_frag_needed_truncated_quote_dropped", bad_quote, "DROP", counters={"drops.BAD_ICMP": 1})
other_icmp = client_eth() / IP(src=CLIENT4, dst=VIP0) / ICMP(type=0, id=1, seq=1)
case("v4_icmp_echo_reply_to_vip_passed", other_icmp, "PASS", counters={"pass_other": 1})

# ---- fragments: every fragment of a datagram to one backend (3-tuple), no entries ------------

payload = bytes(UDP(sport=6000, dport=7000) / Raw(b"A" * 64))
frag1 = client_eth() / IP(src=CLIENT4, dst=VIP2, id=0x4242, flags="MF", frag=0, proto=17) / Raw(payload[:40])
frag2 = client_eth() / IP(src=CLIENT4, dst=VIP2, id=0x4242, flags=0, frag=5, proto=17) / Raw(payload[40:])
b1 = forward_case("v4_first_fragment_3tuple", frag1, 2, 4, CLIENT4, VIP2, 6000, 7000, UDP_P, fragment=True)
b2 = forward_case("v4_later_fragment_same_backend", frag2, 2, 4, CLIENT4, VIP2, 0, 0, UDP_P, fragment=True)
assert b1 == b2
tfrag = client_eth() / IP(src=CLIENT4, dst=VIP0, id=0x99, flags="MF", frag=0, proto=6) / Raw(bytes(TCP(sport=40009, dport=80))[:16])
forward_case("v4_fragment_to_port_vip_via_alias", tfrag, 0, 4, CLIENT4, VIP0, 0, 0, TCP_P, fragment=True)
f6frag = client_eth() / IPv6(src=CLIENT6, dst=VIP1) / IPv6ExtHdrFragment(id=0x777, offset=0, m=1, nh=6) / Raw(bytes(TCP(sport=50001, dport=443))[:16])
forward_case("v6_fragment_header_3tuple", f6frag, 1, 6, CLIENT6, VIP1, 0, 0, TCP_P, fragment=True)
f6dst = client_eth() / IPv6(src=CLIENT6, dst=VIP1) / IPv6ExtHdrDestOpt() / TCP(sport=50002, dport=443, flags="S")
forward_case("v6_destination_options_then_tcp", f6dst, 1, 6, CLIENT6, VIP1, 50002, 443, TCP_P, syn=True)

# ---- not ours: to the kernel untouched -------------------------------------------------------

case("non_vip_tcp_passed", client_eth() / v4(CLIENT4, "198.51.100.99") / TCP(sport=1, dport=22), "PASS",
     counters={"pass_non_vip": 1})
case("non_vip_v6_passed", client_eth() / IPv6(src=CLIENT6, dst="2001:db8:c::1") / TCP(sport=1, dport=179), "PASS",
     counters={"pass_non_vip": 1})
case("arp_passed", Ether(dst="ff:ff:ff:ff:ff:ff", src=ROUTER_MAC) / ARP(pdst=VIP0), "PASS",
     counters={"pass_non_vip": 1})
case("vip_address_other_port_passed", client_eth() / v4(CLIENT4, VIP0) / TCP(sport=1, dport=22), "PASS",
     counters={"pass_other": 1})
case("vip_address_other_protocol_passed", client_eth() / v4(CLIENT4, VIP0) / UDP(sport=1, dport=80), "PASS",
     counters={"pass_other": 1})

# ---- backend state changes: drain, down, slot reuse ------------------------------------------

# Drain the owner of client:40000: its established flow stays, new flows go elsewhere.
drained = owner_40000
others = [b for b in VIPS[0][5] if b != drained]
assert pre_packet(f_syn, *flow_40000, syn=True) == drained
set_state(drained, DRAINING)
set_ring(0, others)
b = forward_case("drained_backend_keeps_established_flow", f_ack, *flow_40000)
assert b == drained
for sp in range(44000, 44004):
    fnew = client_eth() / v4(CLIENT4, VIP0) / TCP(sport=sp, dport=80, flags="S")
    set_state(drained, DRAINING)
    set_ring(0, others)
    b = forward_case("drained_backend_gets_no_new_flow_%d" % sp, fnew, 0, 4, CLIENT4, VIP0, sp, 80, TCP_P, syn=True)
    assert b != drained
# Down: the same established flow is re-hashed at once (stale entry).
pre_packet(f_syn, *flow_40000, syn=True)
set_ring(0, others)
set_state(drained, DOWN)
moved_to = forward_case("down_backend_flow_rehashed", f_ack, *flow_40000)
assert moved_to != drained


def moved_flow_setup():
    """client:40000's owner went down and the flow moved; the owner is back up, in the ring."""
    pre_packet(f_syn, *flow_40000, syn=True)
    set_ring(0, others)
    set_state(drained, DOWN)
    assert pre_packet(f_ack, *flow_40000) == moved_to
    set_state(drained, UP)
    set_ring(0, VIPS[0][5])


# Back up and in the ring again; the flow stays where it moved to (its new entry is valid).
moved_flow_setup()
assert forward_case("recovered_backend_does_not_steal_flows", f_ack, *flow_40000) == moved_to
# Slot reuse: the slot of the flow's current backend gets a new occupant (generation + 1).
moved_flow_setup()
set_gen(moved_to, 2)
c = scenario("reused_backend_slot_entry_stale", bytes(f_ack), lambda m: forward_owes(m, bytes(f_ack), *flow_40000))
assert c["counters"].get("conn_stale") == 1

# ---- the userspace runner only: no room for the outer header -------------------------------
# BPF_PROG_TEST_RUN and edgelb-dp always leave a frame headroom; the userspace runner's caller
# decides it. An established flow's common frame (lb_fast_common: LB_FC_ENCAP_FAILED) and a new
# flow's SYN (the general way): dropped and counted as such, the frame untouched, the VIP's and
# backend's packets counted as for every packet that reached its backend's forwarding.


def no_room_owes(m, frame, *flow, **kw):
    o = forward_owes(m, frame, *flow, **kw)
    assert o["verdict"] == "TX"
    cnt = dict(o["counters"])
    del cnt["tx"]
    cnt["drops.ENCAP_FAILED"] = 1
    return owes("DROP", frame, counters=cnt, vip=o["vip"], backend=o["backend"],
                new_flow=o["new_flow"])


NO_ROOM = 10  # bytes before the frame: less than any outer header, and 2 mod 4 (NET_IP_ALIGN)
f_ack_b = bytes(f_ack)
pre_packet(f_syn, *flow_40000, syn=True)
scenario("v4_established_no_headroom_dropped", f_ack_b,
         lambda m: no_room_owes(m, f_ack_b, *flow_40000), xdp=False, headroom=NO_ROOM)
f_syn_b = bytes(f_syn)
scenario("v4_syn_no_headroom_dropped", f_syn_b,
         lambda m: no_room_owes(m, f_syn_b, *flow_40000, syn=True), xdp=False, headroom=NO_ROOM)

# ---- malformed input: counted by reason; dropped when for a VIP, else passed -----------------


def raw_ip4(hdr_overrides, payload=b"", dst=VIP0):
    ip = IP(src=CLIENT4, dst=dst, proto=6, **hdr_overrides) / Raw(payload)
    return bytes(client_eth() / ip)


tcp_hdr = bytes(TCP(sport=45000, dport=80, flags="S"))
case("trunc_ethernet_passed", bytes(client_eth())[:10], "PASS", counters={"pass_malformed.TRUNC_L2": 1}, xdp=False)
case("trunc_vlan_passed", bytes(Ether(dst=NODE_MAC, src=ROUTER_MAC, type=0x8100)) + b"\x00", "PASS",
     counters={"pass_malformed.TRUNC_L2": 1})
case("trunc_ipv4_header_passed", bytes(client_eth() / v4(CLIENT4, VIP0) / TCP())[:14 + 12], "PASS",
     counters={"pass_malformed.TRUNC_L3": 1})
case("ipv4_ihl_4_to_vip_dropped", raw_ip4({"ihl": 4}, tcp_hdr), "DROP", counters={"drops.BAD_IHL": 1})
case("ipv4_ihl_15_beyond_packet_dropped", raw_ip4({"ihl": 15}, b""), "DROP", counters={"drops.BAD_IHL": 1})
case("ipv4_total_length_beyond_frame_dropped", raw_ip4({"len": 200}, tcp_hdr), "DROP", counters={"drops.BAD_IP_LEN": 1})
case("ipv4_total_length_below_ihl_dropped", raw_ip4({"len": 12}, tcp_hdr), "DROP", counters={"drops.BAD_IP_LEN": 1})
case("ipv4_version_6_in_ipv4_frame_dropped", raw_ip4({"version": 6}, tcp_hdr), "DROP", counters={"drops.BAD_IHL": 1})
case("ipv4_bad_to_non_vip_passed", raw_ip4({"ihl": 4}, tcp_hdr, dst="198.51.100.99"), "PASS",
     counters={"pass_malformed.BAD_IHL": 1})
# Malformed or option-carrying IPv4 to a non-VIP address: counted by what the full parse finds
# (a non-VIP shortcut before the parse must not change that).
case("ipv4_total_length_beyond_frame_to_non_vip_passed", raw_ip4({"len": 200}, tcp_hdr, dst="198.51.100.99"),
     "PASS", counters={"pass_malformed.BAD_IP_LEN": 1})
case("ipv4_total_length_below_header_to_non_vip_passed", raw_ip4({"len": 12}, tcp_hdr, dst="198.51.100.99"),
     "PASS", counters={"pass_malformed.BAD_IP_LEN": 1})
case("ipv4_options_to_non_vip_passed", raw_ip4({"options": [IPOption(b"\x01\x01\x01\x00")]}, tcp_hdr,
                                               dst="198.51.100.99"), "PASS", counters={"pass_non_vip": 1})
case("tcp_truncated_dropped", raw_ip4({}, tcp_hdr[:10]), "DROP", counters={"drops.TRUNC_L4": 1})
bad_doff = bytearray(tcp_hdr); bad_doff[12] = 4 << 4
case("tcp_data_offset_4_dropped", raw_ip4({}, bytes(bad_doff)), "DROP", counters={"drops.BAD_TCP_DOFF": 1})
big_doff = bytearray(tcp_hdr); big_doff[12] = 15 << 4
case("tcp_data_offset_beyond_packet_dropped", raw_ip4({}, bytes(big_doff)), "DROP", counters={"drops.BAD_TCP_DOFF": 1})
case("tcp_truncated_to_non_vip_passed", raw_ip4({}, tcp_hdr[:10], dst="198.51.100.99"), "PASS",
     counters={"pass_non_vip": 1})  # not a VIP: the transport header is never looked at
udp0 = bytearray(bytes(UDP(sport=1, dport=53))); udp0[4:6] = b"\x00\x00"
case("udp_length_zero_dropped", bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(bytes(udp0))),
     "DROP", counters={"drops.BAD_UDP_LEN": 1})
udpbig = bytearray(bytes(UDP(sport=1, dport=53) / Raw(b"abcd"))); udpbig[4:6] = struct.pack(">H", 100)
case("udp_length_beyond_ip_dropped", bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(bytes(udpbig))),
     "DROP", counters={"drops.BAD_UDP_LEN": 1})
case("udp_truncated_dropped", bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(b"\x00\x01\x00")),
     "DROP", counters={"drops.TRUNC_L4": 1})
# The common-frame pass (lb_parse_common_l3/l4, frames of 54 bytes and more) accepts or declines;
# the frames above are shorter and take the general parser. These are long enough for the pass,
# which must decline every malformed one so that the general parser counts it by its reason.
udp_room = b"r" * 20  # keeps the frame above 54 bytes
udp0_long = bytearray(bytes(UDP(sport=1, dport=53) / Raw(udp_room))); udp0_long[4:6] = b"\x00\x00"
case("udp_length_zero_long_frame_dropped",
     bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(bytes(udp0_long))),
     "DROP", counters={"drops.BAD_UDP_LEN": 1})
udp7_long = bytearray(bytes(UDP(sport=1, dport=53) / Raw(udp_room))); udp7_long[4:6] = struct.pack(">H", 7)
case("udp_length_7_long_frame_dropped",
     bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(bytes(udp7_long))),
     "DROP", counters={"drops.BAD_UDP_LEN": 1})
udpbig_long = bytearray(bytes(UDP(sport=1, dport=53) / Raw(udp_room))); udpbig_long[4:6] = struct.pack(">H", 29)
case("udp_length_beyond_ip_long_frame_dropped",
     bytes(client_eth() / IP(src=CLIENT4, dst=VIP2, proto=17) / Raw(bytes(udpbig_long))),
     "DROP", counters={"drops.BAD_UDP_LEN": 1})
# IP length 30 in a 54-byte frame: the TCP header runs past the IP packet (into padding)
case("tcp_header_beyond_ip_length_padded_dropped", raw_ip4({"len": 30}, tcp_hdr), "DROP",
     counters={"drops.TRUNC_L4": 1})
# data offset 60 inside the frame, beyond the IP packet (the rest is padding)
case("tcp_data_offset_beyond_ip_length_padded_dropped", raw_ip4({"len": 40}, bytes(big_doff) + b"\x00" * 40),
     "DROP", counters={"drops.BAD_TCP_DOFF": 1})
case("non_vip_fragment_passed", client_eth() / IP(src=CLIENT4, dst="198.51.100.99", flags="MF", proto=17)
     / Raw(b"f" * 40), "PASS", counters={"pass_non_vip": 1})
case("non_vip_udp_long_frame_passed", client_eth() / v4(CLIENT4, "198.51.100.99") / UDP(sport=1, dport=53)
     / Raw(udp_room), "PASS", counters={"pass_non_vip": 1})
case("trunc_ipv6_header_passed", bytes(client_eth() / IPv6(src=CLIENT6, dst=VIP1) / TCP())[:14 + 30], "PASS",
     counters={"pass_malformed.TRUNC_L3": 1})
ext_chain = IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt()
case("ipv6_extension_chain_over_limit_dropped", client_eth() / IPv6(src=CLIENT6, dst=VIP1) / ext_chain / TCP(sport=1, dport=443),
     "DROP", counters={"drops.IPV6_EXT_LIMIT": 1})
p6 = bytearray(bytes(client_eth() / IPv6(src=CLIENT6, dst=VIP1) / TCP(sport=1, dport=443))); p6[14 + 4:14 + 6] = b"\x00\x00"
case("ipv6_payload_length_zero_dropped", bytes(p6), "DROP", counters={"drops.BAD_IP_LEN": 1})
p6 = bytearray(bytes(client_eth() / IPv6(src=CLIENT6, dst=VIP1) / TCP(sport=1, dport=443))); p6[14 + 4:14 + 6] = struct.pack(">H", 500)
case("ipv6_payload_length_beyond_frame_dropped", bytes(p6), "DROP", counters={"drops.BAD_IP_LEN": 1})
case("ipv6_tcp_truncated_dropped", bytes(client_eth() / IPv6(src=CLIENT6, dst=VIP1, nh=6) / Raw(b"\x01\x02\x03")),
     "DROP", counters={"drops.TRUNC_L4": 1})

# Backend-side decapsulation (bpf/decap.bpf.c): every IP-in-IP frame the LB sends above must come
# out as the inner packet behind the same Ethernet addresses (and VLAN tag), ethertype of the
# inner family. Local addresses: all backends'; VIPs: all VIP addresses.

DECAP_CASES = []


def decap_case(name, frame, verdict, out=None):
    DECAP_CASES.append({"name": name, "in": bytes(frame), "verdict": verdict,
                        "out": bytes(out) if out is not None else bytes(frame)})


for c in list(CASES):
    if c["verdict"] not in ("TX", "REDIRECT") or c["backend"] is None or VIPS[c["vip"]][4] & F_L2DSR:
        continue
    outer = Ether(c["out"])
    vlan = outer[Dot1Q].vlan if Dot1Q in outer else None
    l2len = 18 if vlan is not None else 14
    inner_l3 = l3_of(c["in"])
    inner_type = 0x0800 if inner_l3[0] >> 4 == 4 else 0x86DD
    outer_len = 20 if c["out"][l2len] >> 4 == 4 else 40
    expected = bytearray(c["out"][:l2len]) + c["out"][l2len + outer_len:]
    expected[l2len - 2:l2len] = struct.pack(">H", inner_type)
    decap_case("decap_" + c["name"], c["out"], "PASS", expected)

inner = IP(src=CLIENT4, dst=VIP0) / TCP(sport=1, dport=80)
decap_case("decap_outer_not_local_untouched",
           Ether(dst=NODE_MAC, src=ROUTER_MAC) / IP(src="172.31.0.1", dst="203.0.113.99", proto=4) / inner, "PASS")
decap_case("decap_inner_not_vip_dropped",
           Ether(dst=NODE_MAC, src=ROUTER_MAC) / IP(src="172.31.0.1", dst=BACKENDS[0][1], proto=4) /
           IP(src=CLIENT4, dst="198.51.100.99") / TCP(), "DROP")
decap_case("decap_inner_truncated_dropped",
           Ether(dst=NODE_MAC, src=ROUTER_MAC) / IP(src="172.31.0.1", dst=BACKENDS[0][1], proto=4) /
           Raw(bytes(inner)[:12]), "DROP")
decap_case("decap_plain_traffic_untouched", client_eth() / IP(src=CLIENT4, dst=BACKENDS[0][1]) / TCP(dport=8000), "PASS")

# ---------------------------------------------------------------------------------------------
# The transport header of non-VIP traffic is never parsed only if the address filter says "no":
# make sure the non-VIP addresses above do not share a filter bit with a VIP address.


def filter_bit(fam, a):
    w = words(addr_bytes(fam, a))
    fold = w[0]
    for x in w[1:]:
        fold ^= x
    return ((fold * 0x9E3779B1) & M32) >> 20


VIP_BITS = {filter_bit(v[0], v[1]) for v in VIPS.values()}
assert filter_bit(4, "198.51.100.99") not in VIP_BITS
assert filter_bit(6, "2001:db8:c::1") not in VIP_BITS

# ---------------------------------------------------------------------------------------------
# C header

GLOBAL_FIELDS = ["rx_packets", "pass_non_vip", "pass_other", "tx", "redirect", "conn_hit",
                 "conn_miss", "conn_stale", "conn_insert_failed", "icmp_echo_replied",
                 "icmp_too_big_fwd", "fragments"]
REASONS = ["TRUNC_L2", "TRUNC_L3", "BAD_IHL", "BAD_IP_LEN", "IPV6_EXT_LIMIT", "TRUNC_L4",
           "BAD_TCP_DOFF", "BAD_UDP_LEN", "NO_BACKEND", "ENCAP_FAILED", "BAD_ICMP", "FAMILY"]


def c_bytes(b):
    return "{" + ",".join("0x%02x" % x for x in b) + "}" if b else "{0}"


def c_mac(m):
    return "{" + ",".join("0x" + x for x in m.split(":")) + "}"


def c_addr(fam, a):
    return c_bytes(ipaddress.ip_address(a).packed.ljust(16, b"\0"))


def sequential_actions():
    """
    The `actions` of every case, for a harness that runs the cases in order on one set of
    tables: the writes from the tables the previous case needed to the ones this case needs (its
    setup packets are not run). Replays that order through the model and checks that every case
    then owes exactly what it owes alone.
    """
    seq = Model()
    for c in CASES:
        state, gen, ring = c["tables"]
        actions = []
        for b in sorted(BACKENDS):
            if seq.state[b] != state[b]:
                actions.append(("state", b, state[b]))
            if seq.gen[b] != gen[b]:
                actions.append(("gen", b, gen[b]))
        for v in sorted(VIPS):
            if seq.ring[v] != ring[v]:
                actions.append(("ring", v, ring[v]))
        seq.state, seq.gen, seq.ring = dict(state), dict(gen), {v: list(r) for v, r in ring.items()}
        c["actions"] = actions
        again = c["expect"](seq)
        for k, v in again.items():
            assert c[k] == v, "case %s: in order it would owe %s %r, alone %r" % (c["name"], k, v, c[k])


def c_action(a, frame_name):
    """struct fx_action: kind, target, value, members, nmembers, in, in_len, verdict."""
    if a[0] == "ring":
        return "{FX_ACT_RING, %d, 0, {%s}, %d, 0, 0, 0}" % (a[1], ",".join(map(str, a[2])), len(a[2]))
    if a[0] == "state":
        return "{FX_ACT_STATE, %d, %d, {0}, 0, 0, 0, 0}" % (a[1], a[2])
    if a[0] == "gen":
        return "{FX_ACT_GEN, %d, %d, {0}, 0, 0, 0, 0}" % (a[1], a[2])
    assert a[0] == "packet"
    return "{FX_ACT_PACKET, 0, 0, {0}, 0, %s, %d, LB_%s}" % (frame_name, len(a[1]), a[2])


def c_cases(w, array, cases, prefix):
    for n, c in enumerate(cases):
        p = "%s%d" % (prefix, n)
        w("static const unsigned char fx_in_%s[] = %s;" % (p, c_bytes(c["in"])))
        w("static const unsigned char fx_out_%s[] = %s;" % (p, c_bytes(c["out"])))
        w("static const struct fx_action fx_act_%s[] = {%s};" % (
            p, ",".join(c_action(a, None) for a in c.get("actions", [])) or "{0}"))
        steps = []
        for k, a in enumerate(c["setup"]):
            name = None
            if a[0] == "packet":
                name = "fx_setup_in_%s_%d" % (p, k)
                w("static const unsigned char %s[] = %s;" % (name, c_bytes(a[1])))
            steps.append(c_action(a, name))
        w("static const struct fx_action fx_setup_%s[] = {%s};" % (p, ",".join(steps) or "{0}"))
        cnts = []
        for k, v in sorted(c["counters"].items()):
            if "." in k:
                arr, reason = k.split(".")
                cnts.append('{"%s", offsetof(struct lb_global_stats, %s[LB_DROP_%s]), %d}' % (k, arr, reason, v))
            else:
                cnts.append('{"%s", offsetof(struct lb_global_stats, %s), %d}' % (k, k, v))
        w("static const struct fx_counter fx_cnt_%s[] = {%s};" % (p, ",".join(cnts)))
    w("static const struct fx_case %s[] = {" % array)
    for n, c in enumerate(cases):
        p = "%s%d" % (prefix, n)
        w('\t{"%s", fx_in_%s, %d, LB_%s, fx_out_%s, %d, fx_cnt_%s, %d, %d, %d, %d, %d, fx_act_%s, %d, %d,'
          ' fx_setup_%s, %d, %d},' % (
              c["name"], p, len(c["in"]), c["verdict"], p, len(c["out"]), p, len(c["counters"]),
              -1 if c["vip"] is None else c["vip"], -1 if c["backend"] is None else c["backend"],
              1 if c["new_flow"] else 0, n, p, len(c.get("actions", [])), 1 if c["xdp"] else 0,
              p, len(c["setup"]), c["headroom"]))
    w("};")


def main(path):
    for c in CASES + USER_CASES:
        for k in c["counters"]:
            base = k.split(".")[0]
            assert base in GLOBAL_FIELDS + ["drops", "pass_malformed"], k
            if "." in k:
                assert k.split(".")[1] in REASONS, k
    sequential_actions()
    out = []
    w = out.append
    w("/* Generated by tests/xdp/fixtures.py: do not edit. */")
    w("#define FX_SEED 0x%08xu" % SEED)
    w("#define FX_RING %d" % RING)
    w("#define FX_UDP_IDLE %d" % UDP_IDLE)
    w("#define FX_TCP_IDLE %d" % TCP_IDLE)
    w("static const unsigned char fx_node_mac[6] = %s;" % c_mac(NODE_MAC))
    w("static const unsigned char fx_src4[16] = %s;" % c_addr(4, SRC4))
    w("static const unsigned char fx_src6[16] = %s;" % c_addr(6, SRC6))
    w("#define FX_SRC4_MASK 0x%08xu" % SRC4_MASK)
    w("#define FX_SRC6_MASK 0x%08xu" % SRC6_MASK)
    # every global counter by name, in the order of struct lb_global_stats (checked here)
    names = GLOBAL_FIELDS + ["drops.%s" % r for r in REASONS] + ["pass_malformed.%s" % r for r in REASONS]
    w("static const char *const fx_counter_names[] = {%s};" % ", ".join('"%s"' % n for n in names))
    w("_Static_assert(sizeof(fx_counter_names) / sizeof(fx_counter_names[0]) * 8 =="
      " sizeof(struct lb_global_stats), \"fixtures.py: GLOBAL_FIELDS and REASONS are every counter\");")
    for i, n in enumerate(names):
        field = n if "." not in n else "%s[LB_DROP_%s]" % tuple(n.split("."))
        w("_Static_assert(offsetof(struct lb_global_stats, %s) == %d, \"fixtures.py: %s moved\");" % (field, i * 8, n))
    w("static const struct fx_backend fx_backends[] = {")
    for i, (fam, a, mac) in sorted(BACKENDS.items()):
        w("\t{%d, %d, %s, %s, %d}," % (i, fam, c_addr(fam, a), c_mac(mac), BACKEND_TX_PORT.get(i, 0)))
    w("};")
    for i, v in sorted(VIPS.items()):
        w("static const unsigned fx_vip%d_members[] = {%s};" % (i, ",".join(map(str, v[5])) or "0"))
    w("static const struct fx_vip fx_vips[] = {")
    for i, (fam, a, proto, port, flags, members) in sorted(VIPS.items()):
        w("\t{%d, %d, %s, %d, %d, %d, fx_vip%d_members, %d}," % (i, fam, c_addr(fam, a), proto, port,
                                                           flags, i, len(members)))
    w("};")
    c_cases(w, "fx_cases", CASES, "")
    c_cases(w, "fx_user_cases", USER_CASES, "u")
    for n, c in enumerate(DECAP_CASES):
        w("static const unsigned char fx_decap_in_%d[] = %s;" % (n, c_bytes(c["in"])))
        w("static const unsigned char fx_decap_out_%d[] = %s;" % (n, c_bytes(c["out"])))
    w("static const struct fx_decap_case fx_decap_cases[] = {")
    for n, c in enumerate(DECAP_CASES):
        w('\t{"%s", fx_decap_in_%d, %d, LB_%s, fx_decap_out_%d, %d},' % (
            c["name"], n, len(c["in"]), c["verdict"], n, len(c["out"])))
    w("};")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    print("fixtures.py: %d cases (+%d userspace only), %d decap cases -> %s"
          % (len(CASES), len(USER_CASES), len(DECAP_CASES), path))


if __name__ == "__main__":
    main(sys.argv[1])
