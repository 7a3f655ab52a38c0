/* SPDX-License-Identifier: MIT */
/*
 * parse.h - header parsing for the packet core: Ethernet (+ one 802.1Q tag), IPv4 (with options),
 * IPv6 (bounded chain of extension headers), TCP, UDP, ICMP, ICMPv6.
 *
 * Every read is checked against the end of the packet before it happens, in a form the BPF
 * verifier accepts (pointer + constant size <= data_end, offsets bounded by masks). The parser
 * never writes. It stops at the first problem and says why (enum lb_drop_reason); the caller
 * decides whether that is a drop (the packet claims a VIP) or a pass.
 */
#ifndef EDGELB_CORE_PARSE_H
#define EDGELB_CORE_PARSE_H

#include "types.h"
#include "tables.h"

#define LB_ETH_P_IPV4   0x0800
#define LB_ETH_P_IPV6   0x86DD
#define LB_ETH_P_8021Q  0x8100
#define LB_ETH_P_8021AD 0x88A8

#define LB_IPPROTO_HOPOPTS  0
#define LB_IPPROTO_ICMP     1
#define LB_IPPROTO_IPIP     4
#define LB_IPPROTO_TCP      6
#define LB_IPPROTO_UDP      17
#define LB_IPPROTO_IPV6     41
#define LB_IPPROTO_ROUTING  43
#define LB_IPPROTO_FRAGMENT 44
#define LB_IPPROTO_ICMPV6   58
#define LB_IPPROTO_DSTOPTS  60

/* How many IPv6 extension headers we walk before calling the packet malformed. */
#define LB_IPV6_MAX_EXT 4

/*
 * Wire headers, declared here so the core needs no libc or kernel networking headers. None has
 * holes (like the kernel's): the layout is the same with or without packing.
 *
 * The alignment contract: a frame may start at any address. Runners do not place frames to suit
 * the headers: XDP and an mbuf with the default headroom give frames at 0 mod 8, so the IP
 * header is at 2 mod 4 and its addresses are not 4-byte aligned; an outer IPv4 header moves the
 * frame by 20 bytes. So the core only reaches a frame through types that ask for no alignment:
 * the header structs below and the word types lb_wire16 / lb_wire32, which LB_WIRE makes packed
 * (alignment 1) in the userspace builds (the DPDK worker, the userspace runner), where a plain
 * access of a misaligned __u32 is undefined; on x86 the compiler still emits the same plain
 * moves. The BPF build keeps the natural alignment: its back end splits every load it is not
 * told is aligned into byte loads, and the kernel checks packet alignment itself (the verifier
 * refuses a misaligned packet access on a CPU that cannot do it), so a program that loads is
 * correct at any alignment the driver gives. tests/unit/test_fixtures_align proves the userspace
 * side, every fixture at each address mod 8 under UBSan; the asserts below keep every header
 * type at alignment 1 there.
 */
#if defined(__bpf__)
#define LB_WIRE
#define LB_WIRE_ALIGN(natural) (natural)
#else
#define LB_WIRE                __attribute__((packed))
#define LB_WIRE_ALIGN(natural) 1
#endif

/* A 16-bit or 32-bit word of a frame, read or written whole (checksums, ports, MACs). */
typedef __u16 __attribute__((may_alias, aligned(LB_WIRE_ALIGN(2)))) lb_wire16;
typedef __u32 __attribute__((may_alias, aligned(LB_WIRE_ALIGN(4)))) lb_wire32;

struct lb_ethhdr {
	__u8 dst[6];
	__u8 src[6];
	__u16 proto;
} LB_WIRE;

struct lb_vlanhdr {
	__u16 tci;
	__u16 proto;
} LB_WIRE;

struct lb_iphdr {
	__u8 ver_ihl;
	__u8 tos;
	__u16 tot_len;
	__u16 id;
	__u16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__u16 check;
	__u32 saddr;
	__u32 daddr;
} LB_WIRE;

#define LB_IP_MF      0x2000
#define LB_IP_DF      0x4000
#define LB_IP_OFFMASK 0x1fff

struct lb_ipv6hdr {
	__u32 ver_tc_flow;
	__u16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u32 saddr[4];
	__u32 daddr[4];
} LB_WIRE;

struct lb_ipv6_opthdr { /* hop-by-hop, routing, destination options: (hdrlen + 1) * 8 bytes */
	__u8 nexthdr;
	__u8 hdrlen;
} LB_WIRE;

struct lb_ipv6_fraghdr {
	__u8 nexthdr;
	__u8 reserved;
	__u16 frag_off; /* offset << 3 | M */
	__u32 id;
} LB_WIRE;

struct lb_tcphdr {
	__u16 source;
	__u16 dest;
	__u32 seq;
	__u32 ack_seq;
	__u8 doff_res; /* data offset in the high nibble */
	__u8 flags;
	__u16 window;
	__u16 check;
	__u16 urg_ptr;
} LB_WIRE;

#define LB_TCP_FIN 0x01
#define LB_TCP_SYN 0x02
#define LB_TCP_RST 0x04
#define LB_TCP_ACK 0x10

struct lb_udphdr {
	__u16 source;
	__u16 dest;
	__u16 len;
	__u16 check;
} LB_WIRE;

struct lb_icmphdr { /* ICMP and ICMPv6 share the first 8 bytes' shape */
	__u8 type;
	__u8 code;
	__u16 check;
	__u32 rest;
} LB_WIRE;

#if !defined(__bpf__)
_Static_assert(_Alignof(struct lb_ethhdr) == 1 && _Alignof(struct lb_vlanhdr) == 1 &&
		   _Alignof(struct lb_iphdr) == 1 && _Alignof(struct lb_ipv6hdr) == 1 &&
		   _Alignof(struct lb_ipv6_opthdr) == 1 && _Alignof(struct lb_ipv6_fraghdr) == 1 &&
		   _Alignof(struct lb_tcphdr) == 1 && _Alignof(struct lb_udphdr) == 1 &&
		   _Alignof(struct lb_icmphdr) == 1 && _Alignof(lb_wire16) == 1 &&
		   _Alignof(lb_wire32) == 1,
	       "frames may start at any address: wire types ask for no alignment");
#endif
_Static_assert(sizeof(struct lb_ethhdr) == 14 && sizeof(struct lb_vlanhdr) == 4 &&
		   sizeof(struct lb_iphdr) == 20 && sizeof(struct lb_ipv6hdr) == 40 &&
		   sizeof(struct lb_ipv6_fraghdr) == 8 && sizeof(struct lb_tcphdr) == 20 &&
		   sizeof(struct lb_udphdr) == 8 && sizeof(struct lb_icmphdr) == 8,
	       "wire headers have their wire sizes, packed or not");

#define LB_ICMP_ECHOREPLY      0
#define LB_ICMP_DEST_UNREACH   3
#define LB_ICMP_FRAG_NEEDED    4 /* code of DEST_UNREACH */
#define LB_ICMP_ECHO           8
#define LB_ICMPV6_PKT_TOOBIG   2
#define LB_ICMPV6_ECHO_REQUEST 128
#define LB_ICMPV6_ECHO_REPLY   129

/*
 * The flow tuple: the connection-table key and the input of the flow hash. Addresses and ports in
 * network byte order; unused address words zero. 40 bytes, no holes.
 */
struct lb_flow {
	struct lb_addr src;
	struct lb_addr dst;
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u16 pad;
};

/* What the parser learnt about a packet. Offsets are from the start of the frame. */
struct lb_parsed {
	struct lb_flow flow;
	__u16 l3_off;   /* 14 or 18 */
	__u16 l4_off;   /* first byte after the IP header(s) */
	__u16 l3_len;   /* IP total length, header included (excludes Ethernet padding) */
	__u16 vlan_tci; /* network order; valid when has_vlan */
	__u8 has_vlan;
	__u8 fragment; /* any fragment of a datagram, first or later */
	__u8 tcp_flags;
	__u8 icmp_type;
	__u8 icmp_code;
	__u8 tos;     /* IPv4 TOS / IPv6 traffic class */
	__u8 ipv4_df; /* the IPv4 don't-fragment bit was set */
	__u8 pad;
};

/*
 * The flow key and the parsed frame as the 8-byte words they are in memory (little-endian).
 * Readers load keys in words (lb_maps.h); a load that spans several narrower stores cannot take
 * its value from the store buffer and waits for them to reach the cache (a store-forwarding
 * stall, on the path of every packet), so the fast paths store these structures as whole words.
 * Logic code does that only through the named stores below, each of which asserts the layout it
 * assumes: a change of struct lb_flow or struct lb_parsed fails the build here, not a packet.
 */
typedef __u64 __attribute__((may_alias)) lb_word;
typedef __u32 __attribute__((may_alias)) lb_word32;

#define LB_FLOW_WORDS   (sizeof(struct lb_flow) / sizeof(lb_word))
#define LB_PARSED_WORDS (sizeof(struct lb_parsed) / sizeof(lb_word))
_Static_assert(sizeof(struct lb_flow) == 40 && sizeof(struct lb_parsed) == 56,
	       "flow and parsed frame are whole words");

/*
 * Word i of a flow's addresses: 0-1 the source, 2-3 the destination. f must be 8-byte aligned
 * (for all the stores below too).
 */
LB_INLINE void lb_flow_store_addr_word(struct lb_flow *f, int i, __u64 v)
{
	_Static_assert(__builtin_offsetof(struct lb_flow, src) == 0 && sizeof(f->src) == 16 &&
			   __builtin_offsetof(struct lb_flow, dst) == 16 && sizeof(f->dst) == 16,
		       "lb_flow.src is words 0-1, lb_flow.dst words 2-3");
	((lb_word *)f)[i] = v;
}

LB_INLINE void lb_flow_store_src(struct lb_flow *f, __u64 lo, __u64 hi)
{
	lb_flow_store_addr_word(f, 0, lo);
	lb_flow_store_addr_word(f, 1, hi);
}

LB_INLINE void lb_flow_store_dst(struct lb_flow *f, __u64 lo, __u64 hi)
{
	lb_flow_store_addr_word(f, 2, lo);
	lb_flow_store_addr_word(f, 3, hi);
}

/* Word 4 of a flow: ports, protocol, family (pad 0), as the fields lie in memory. */
LB_INLINE __u64 lb_flow_word4(__u16 sport, __u16 dport, __u8 proto, __u8 family)
{
	_Static_assert(__builtin_offsetof(struct lb_flow, sport) == 32 &&
			   __builtin_offsetof(struct lb_flow, dport) == 34 &&
			   __builtin_offsetof(struct lb_flow, proto) == 36 &&
			   __builtin_offsetof(struct lb_flow, family) == 37 &&
			   __builtin_offsetof(struct lb_flow, pad) == 38,
		       "lb_flow word 4 is sport | dport << 16 | proto << 32 | family << 40");
	return (__u64)sport | (__u64)dport << 16 | (__u64)proto << 32 | (__u64)family << 40;
}

LB_INLINE void lb_flow_store_word4(struct lb_flow *f, __u64 word4)
{
	_Static_assert(__builtin_offsetof(struct lb_flow, sport) == 4 * sizeof(lb_word),
		       "lb_flow word 4 starts at sport (lb_flow_word4 has the rest)");
	((lb_word *)f)[4] = word4;
}

/* Ports 0 (both halves of word 4's low 32 bits), in one read-modify-write of the word. */
LB_INLINE void lb_flow_clear_ports(struct lb_flow *f)
{
	_Static_assert(__builtin_offsetof(struct lb_flow, sport) == 32 &&
			   __builtin_offsetof(struct lb_flow, dport) == 34,
		       "the ports are the low 32 bits of lb_flow word 4");
	((lb_word *)f)[4] &= ~(__u64)0xffffffffu;
}

/* Word 5 of a parsed frame: l3_off, l4_off, l3_len, vlan_tci. */
LB_INLINE __u64 lb_parsed_word5(__u16 l3_off, __u16 l4_off, __u16 l3_len, __u16 vlan_tci)
{
	_Static_assert(__builtin_offsetof(struct lb_parsed, l3_off) == 40 &&
			   __builtin_offsetof(struct lb_parsed, l4_off) == 42 &&
			   __builtin_offsetof(struct lb_parsed, l3_len) == 44 &&
			   __builtin_offsetof(struct lb_parsed, vlan_tci) == 46,
		       "lb_parsed word 5 is l3_off | l4_off << 16 | l3_len << 32 | vlan_tci << 48");
	return (__u64)l3_off | (__u64)l4_off << 16 | (__u64)l3_len << 32 | (__u64)vlan_tci << 48;
}

/* Word 6: has_vlan, fragment, tcp_flags, icmp_type, icmp_code, tos, ipv4_df (pad 0). */
LB_INLINE __u64 lb_parsed_word6(__u8 has_vlan, __u8 fragment, __u8 tcp_flags, __u8 icmp_type,
				__u8 icmp_code, __u8 tos, __u8 ipv4_df)
{
	_Static_assert(__builtin_offsetof(struct lb_parsed, has_vlan) == 48 &&
			   __builtin_offsetof(struct lb_parsed, fragment) == 49 &&
			   __builtin_offsetof(struct lb_parsed, tcp_flags) == 50 &&
			   __builtin_offsetof(struct lb_parsed, icmp_type) == 51 &&
			   __builtin_offsetof(struct lb_parsed, icmp_code) == 52 &&
			   __builtin_offsetof(struct lb_parsed, tos) == 53 &&
			   __builtin_offsetof(struct lb_parsed, ipv4_df) == 54 &&
			   __builtin_offsetof(struct lb_parsed, pad) == 55,
		       "lb_parsed word 6 is its eight one-byte fields in order");
	return (__u64)has_vlan | (__u64)fragment << 8 | (__u64)tcp_flags << 16 |
	       (__u64)icmp_type << 24 | (__u64)icmp_code << 32 | (__u64)tos << 40 |
	       (__u64)ipv4_df << 48;
}

/* Words 5 and 6 of a parsed frame: everything after the flow. pp must be 8-byte aligned. */
LB_INLINE void lb_parsed_store_word5(struct lb_parsed *pp, __u64 word5)
{
	_Static_assert(__builtin_offsetof(struct lb_parsed, flow) == 0 &&
			   __builtin_offsetof(struct lb_parsed, l3_off) == 5 * sizeof(lb_word),
		       "lb_parsed is the flow's five words, then words 5 and 6");
	((lb_word *)pp)[5] = word5;
}

LB_INLINE void lb_parsed_store_word6(struct lb_parsed *pp, __u64 word6)
{
	_Static_assert(__builtin_offsetof(struct lb_parsed, has_vlan) == 6 * sizeof(lb_word),
		       "lb_parsed word 6 starts at has_vlan");
	((lb_word *)pp)[6] = word6;
}

/*
 * Store a flow's words again from its fields (after a parser that wrote them one by one), so
 * that word loads find whole stores. f must be 8-byte aligned.
 */
LB_INLINE void lb_flow_rewrite_words(struct lb_flow *f)
{
	LB_UNROLL
	for (int i = 0; i < 4; i++) {
		const struct lb_addr *a = i < 2 ? &f->src : &f->dst;
		int half = (i & 1) * 2;

		lb_flow_store_addr_word(f, i, (__u64)a->w[half] | (__u64)a->w[half + 1] << 32);
	}
	lb_flow_store_word4(f, lb_flow_word4(f->sport, f->dport, f->proto, f->family));
}

/* Parser outcome: 0, or 1 + reason (so that 0 is success). */
#define LB_PARSE_OK          0
#define LB_PARSE_NOT_IP      (-1) /* ARP, LLDP, ...: none of our business */
#define LB_PARSE_ERR(reason) ((int)(reason) + 1)
#define LB_PARSE_REASON(rc)  ((enum lb_drop_reason)((rc)-1))

/* Is [p, p + len) inside the packet? */
#define LB_IN_PKT(p, len, end) ((void *)(p) + (len) <= (end))

LB_INLINE int lb_parse_l2(void *data, void *end, struct lb_parsed *pp, __u16 *ethertype)
{
	struct lb_ethhdr *eth = data;

	if (!LB_IN_PKT(eth, sizeof(*eth), end))
		return LB_PARSE_ERR(LB_DROP_TRUNC_L2);
	*ethertype = eth->proto;
	pp->l3_off = sizeof(*eth);
	if (eth->proto == lb_htons(LB_ETH_P_8021Q) || eth->proto == lb_htons(LB_ETH_P_8021AD)) {
		struct lb_vlanhdr *vlan = data + sizeof(*eth);

		if (!LB_IN_PKT(vlan, sizeof(*vlan), end))
			return LB_PARSE_ERR(LB_DROP_TRUNC_L2);
		pp->has_vlan = 1;
		pp->vlan_tci = vlan->tci;
		*ethertype = vlan->proto;
		pp->l3_off += sizeof(*vlan);
	}
	return LB_PARSE_OK;
}

/* IPv4: fills family, addresses, protocol, l4_off, l3_len, fragment, tos. */
LB_INLINE int lb_parse_ipv4(void *data, void *end, struct lb_parsed *pp)
{
	struct lb_iphdr *iph = data + pp->l3_off;
	__u32 ihl_bytes, tot_len;

	if (!LB_IN_PKT(iph, sizeof(*iph), end))
		return LB_PARSE_ERR(LB_DROP_TRUNC_L3);
	/* addresses first: a malformed packet for a VIP is dropped, any other passed */
	pp->flow.family = LB_AF_INET;
	pp->flow.src.w[0] = iph->saddr;
	pp->flow.dst.w[0] = iph->daddr;
	pp->flow.proto = iph->protocol;
	if ((iph->ver_ihl >> 4) != 4)
		return LB_PARSE_ERR(LB_DROP_BAD_IHL);
	ihl_bytes = (iph->ver_ihl & 0x0f) * 4;
	if (ihl_bytes < sizeof(*iph) || !LB_IN_PKT((void *)iph, ihl_bytes, end))
		return LB_PARSE_ERR(LB_DROP_BAD_IHL);
	tot_len = lb_ntohs(iph->tot_len);
	if (tot_len < ihl_bytes || (void *)iph + tot_len > end)
		return LB_PARSE_ERR(LB_DROP_BAD_IP_LEN);

	pp->tos = iph->tos;
	pp->ipv4_df = !!(iph->frag_off & lb_htons(LB_IP_DF));
	pp->fragment = !!(iph->frag_off & lb_htons(LB_IP_MF | LB_IP_OFFMASK));
	pp->l3_len = tot_len;
	pp->l4_off = pp->l3_off + ihl_bytes;
	return LB_PARSE_OK;
}

/*
 * IPv6 and its extension headers (hop-by-hop, routing, destination options, fragment), at most
 * LB_IPV6_MAX_EXT of them. The walk is unrolled so the verifier sees constant bounds.
 */
LB_INLINE int lb_parse_ipv6(void *data, void *end, struct lb_parsed *pp)
{
	struct lb_ipv6hdr *ip6 = data + pp->l3_off;
	__u32 payload_len, off;
	__u8 nexthdr;

	if (!LB_IN_PKT(ip6, sizeof(*ip6), end))
		return LB_PARSE_ERR(LB_DROP_TRUNC_L3);
	pp->flow.family = LB_AF_INET6;
	__builtin_memcpy(pp->flow.src.w, ip6->saddr, 16);
	__builtin_memcpy(pp->flow.dst.w, ip6->daddr, 16);
	if ((((__u8 *)ip6)[0] >> 4) != 6)
		return LB_PARSE_ERR(LB_DROP_BAD_IHL);
	payload_len = lb_ntohs(ip6->payload_len);
	if (payload_len == 0 || (void *)(ip6 + 1) + payload_len > end)
		return LB_PARSE_ERR(LB_DROP_BAD_IP_LEN);
	pp->tos = (lb_ntohl(ip6->ver_tc_flow) >> 20) & 0xff;
	pp->l3_len = sizeof(*ip6) + payload_len;

	nexthdr = ip6->nexthdr;
	off = pp->l3_off + sizeof(*ip6);
	LB_UNROLL
	for (int i = 0; i < LB_IPV6_MAX_EXT; i++) {
		if (nexthdr == LB_IPPROTO_FRAGMENT) {
			struct lb_ipv6_fraghdr *fh = data + (off & 0xfff);

			if (!LB_IN_PKT(fh, sizeof(*fh), end))
				return LB_PARSE_ERR(LB_DROP_TRUNC_L3);
			pp->fragment = 1;
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
		} else if (nexthdr == LB_IPPROTO_HOPOPTS || nexthdr == LB_IPPROTO_ROUTING ||
			   nexthdr == LB_IPPROTO_DSTOPTS) {
			struct lb_ipv6_opthdr *oh = data + (off & 0xfff);

			if (!LB_IN_PKT(oh, sizeof(*oh), end))
				return LB_PARSE_ERR(LB_DROP_TRUNC_L3);
			nexthdr = oh->nexthdr;
			off += ((__u32)oh->hdrlen + 1) * 8;
		} else {
			break;
		}
		if (off > 0xfff) /* keeps the masked offsets above exact */
			return LB_PARSE_ERR(LB_DROP_BAD_IP_LEN);
	}
	if (nexthdr == LB_IPPROTO_FRAGMENT || nexthdr == LB_IPPROTO_HOPOPTS ||
	    nexthdr == LB_IPPROTO_ROUTING || nexthdr == LB_IPPROTO_DSTOPTS)
		return LB_PARSE_ERR(LB_DROP_IPV6_EXT_LIMIT);
	if (off > pp->l3_off + pp->l3_len)
		return LB_PARSE_ERR(LB_DROP_BAD_IP_LEN);
	pp->flow.proto = nexthdr;
	pp->l4_off = off;
	return LB_PARSE_OK;
}

/*
 * Transport header: ports for TCP/UDP, type/code for ICMP. Non-first fragments carry no
 * transport header and are not looked at; neither are protocols we do not balance.
 */
LB_INLINE int lb_parse_l4(void *data, void *end, struct lb_parsed *pp)
{
	void *l4 = data + (pp->l4_off & 0xfff);
	void *l3_end = data + pp->l3_off + pp->l3_len;

	if (pp->fragment)
		return LB_PARSE_OK;
	switch (pp->flow.proto) {
	case LB_IPPROTO_TCP: {
		struct lb_tcphdr *th = l4;
		__u32 doff;

		if (!LB_IN_PKT(th, sizeof(*th), end) || (void *)(th + 1) > l3_end)
			return LB_PARSE_ERR(LB_DROP_TRUNC_L4);
		doff = (th->doff_res >> 4) * 4;
		if (doff < sizeof(*th) || l4 + doff > l3_end)
			return LB_PARSE_ERR(LB_DROP_BAD_TCP_DOFF);
		pp->flow.sport = th->source;
		pp->flow.dport = th->dest;
		pp->tcp_flags = th->flags;
		return LB_PARSE_OK;
	}
	case LB_IPPROTO_UDP: {
		struct lb_udphdr *uh = l4;
		__u32 ulen;

		if (!LB_IN_PKT(uh, sizeof(*uh), end) || (void *)(uh + 1) > l3_end)
			return LB_PARSE_ERR(LB_DROP_TRUNC_L4);
		ulen = lb_ntohs(uh->len);
		if (ulen < sizeof(*uh) || l4 + ulen > l3_end)
			return LB_PARSE_ERR(LB_DROP_BAD_UDP_LEN);
		pp->flow.sport = uh->source;
		pp->flow.dport = uh->dest;
		return LB_PARSE_OK;
	}
	case LB_IPPROTO_ICMP:
	case LB_IPPROTO_ICMPV6: {
		struct lb_icmphdr *ih = l4;

		if (!LB_IN_PKT(ih, sizeof(*ih), end) || (void *)(ih + 1) > l3_end)
			return LB_PARSE_ERR(LB_DROP_TRUNC_L4);
		pp->icmp_type = ih->type;
		pp->icmp_code = ih->code;
		return LB_PARSE_OK;
	}
	default:
		return LB_PARSE_OK;
	}
}

/*
 * The common frame, parsed in one pass: untagged Ethernet, IPv4 without options, then (for the
 * packets the VIP filter lets through) TCP or UDP, not a fragment. One bounds check covers all
 * headers: a frame shorter than LB_COMMON_HDRS_LEN (54 bytes; Ethernet frames are at least 60)
 * takes the general path. These functions only accept or decline; a frame they decline, e.g.
 * every malformed one, goes to the general parser, which decides and counts it as before.
 */
#define LB_COMMON_HDRS_LEN                                                                         \
	(sizeof(struct lb_ethhdr) + sizeof(struct lb_iphdr) + sizeof(struct lb_tcphdr))
#define LB_COMMON_L4_OFF (sizeof(struct lb_ethhdr) + sizeof(struct lb_iphdr))

/*
 * 1: an untagged IPv4 frame without options, with a sane length. Fills only what the VIP filter
 * reads (destination and family): most such frames are not for a VIP and go to the kernel next.
 */
LB_INLINE int lb_parse_common_l3(void *data, void *end, struct lb_parsed *pp)
{
	struct lb_ethhdr *eth = data;
	struct lb_iphdr *iph = data + sizeof(*eth);
	__u32 tot_len;

	if (!LB_IN_PKT(data, LB_COMMON_HDRS_LEN, end))
		return 0;
	if (eth->proto != lb_htons(LB_ETH_P_IPV4) || iph->ver_ihl != 0x45)
		return 0;
	tot_len = lb_ntohs(iph->tot_len);
	if (tot_len < sizeof(*iph) || (void *)iph + tot_len > end)
		return 0;
	pp->flow.dst.w[0] = iph->daddr;
	pp->flow.family = LB_AF_INET;
	return 1;
}

/*
 * After lb_parse_common_l3() accepted the frame: 1 if it is a TCP segment or UDP datagram (not a
 * fragment) whose header fits the IP packet, with every field of *pp (8-byte aligned) filled.
 */
LB_INLINE int lb_parse_common_l4(void *data, struct lb_parsed *pp)
{
	struct lb_iphdr *iph = data + sizeof(struct lb_ethhdr);
	void *l4 = data + LB_COMMON_L4_OFF;
	__u32 tot_len = lb_ntohs(iph->tot_len);
	__u32 room = tot_len - sizeof(*iph); /* tot_len >= 20: checked */
	__u16 sport, dport;
	__u8 tcp_flags = 0;
	__u64 df;

	if (iph->frag_off & lb_htons(LB_IP_MF | LB_IP_OFFMASK))
		return 0;
	if (iph->protocol == LB_IPPROTO_TCP) {
		struct lb_tcphdr *th = l4;
		__u32 doff = (th->doff_res >> 4) * 4;

		if (doff < sizeof(*th) || doff > room)
			return 0;
		sport = th->source;
		dport = th->dest;
		tcp_flags = th->flags;
	} else if (iph->protocol == LB_IPPROTO_UDP) {
		struct lb_udphdr *uh = l4;
		__u32 ulen = lb_ntohs(uh->len);

		if (ulen < sizeof(*uh) || ulen > room)
			return 0;
		sport = uh->source;
		dport = uh->dest;
	} else {
		return 0;
	}
	/* seven word stores (pp is 8-byte aligned): see lb_word */
	lb_flow_store_src(&pp->flow, iph->saddr, 0);
	lb_flow_store_dst(&pp->flow, iph->daddr, 0);
	lb_flow_store_word4(&pp->flow, lb_flow_word4(sport, dport, iph->protocol, LB_AF_INET));
	lb_parsed_store_word5(
	    pp, lb_parsed_word5(sizeof(struct lb_ethhdr), LB_COMMON_L4_OFF, tot_len, 0));
	df = !!(iph->frag_off & lb_htons(LB_IP_DF));
	lb_parsed_store_word6(pp, lb_parsed_word6(0, 0, tcp_flags, 0, 0, iph->tos, df));
	return 1;
}

/* The whole frame, up to and including the transport header. */
LB_INLINE int lb_parse(void *data, void *end, struct lb_parsed *pp)
{
	__u16 ethertype;
	int rc;

	rc = lb_parse_l2(data, end, pp, &ethertype);
	if (rc)
		return rc;
	if (ethertype == lb_htons(LB_ETH_P_IPV4))
		rc = lb_parse_ipv4(data, end, pp);
	else if (ethertype == lb_htons(LB_ETH_P_IPV6))
		rc = lb_parse_ipv6(data, end, pp);
	else
		return LB_PARSE_NOT_IP;
	if (rc)
		return rc;
	return lb_parse_l4(data, end, pp);
}

#endif
