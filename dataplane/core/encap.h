/* SPDX-License-Identifier: MIT */
/*
 * encap.h - what the packet core writes into packets: the IP-in-IP outer headers (RFC 2003
 * IPv4-in-IPv4, RFC 2473 IPv6-in-IPv6, RFC 4213 IPv6-in-IPv4 and IPv4-in-IPv6), the L2 DSR MAC
 * rewrite, the ICMP echo reply, and the Internet checksum (RFC 1071, RFC 1624 updates).
 *
 * Writers take frame pointers that the runner has already grown (lb_hook_push) and bounds-checked
 * here again, because the BPF verifier forgets everything across a head adjustment.
 */
#ifndef EDGELB_CORE_ENCAP_H
#define EDGELB_CORE_ENCAP_H

#include "types.h"
#include "tables.h"
#include "parse.h"

#define LB_OUTER_TTL 64 /* outer IPv4 TTL / IPv6 hop limit; also the echo reply's */

LB_INLINE __u16 lb_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word changing from old to new. Takes
 * and returns the checksum's value, not its address: a header field's address has no alignment
 * (parse.h).
 */
LB_INLINE __u16 lb_csum_replace16(__u16 check, __u16 old, __u16 new_word)
{
	__u32 sum = (__u16)~check;

	sum += (__u16)~old;
	sum += new_word;
	return lb_csum_fold(sum);
}

/* Checksum of a 20-byte IPv4 header without options, check field taken as zero. */
LB_INLINE __u16 lb_ipv4_hdr_csum(const struct lb_iphdr *iph)
{
	const lb_wire16 *w = (const lb_wire16 *)iph;
	__u32 sum = 0;

	LB_UNROLL
	for (int i = 0; i < 10; i++)
		if (i != 5)
			sum += w[i];
	return lb_csum_fold(sum);
}

/*
 * MACs are copied as three 16-bit words, not six bytes (BPF's memcpy of a byte array is
 * bytewise). The BPF build may: MACs sit at even offsets of frames (for BPF, at even addresses:
 * parse.h), struct lb_backend, struct lb_node_cfg and lb_swap_macs' buffer. Elsewhere the words
 * ask for no alignment (lb_wire16), as frames may start anywhere.
 */
LB_INLINE void lb_mac_copy(__u8 *dst, const __u8 *src)
{
	lb_wire16 *d = (lb_wire16 *)dst;
	const lb_wire16 *s = (const lb_wire16 *)src;

	d[0] = s[0];
	d[1] = s[1];
	d[2] = s[2];
}

/* Ethernet (+ the VLAN tag the packet came with) at the front of the frame. Returns its length. */
LB_INLINE int lb_write_l2(void *data, void *end, const struct lb_parsed *pp, const __u8 *dst_mac,
			  const __u8 *src_mac, __u16 ethertype)
{
	struct lb_ethhdr *eth = data;

	if (!LB_IN_PKT(eth, sizeof(*eth) + sizeof(struct lb_vlanhdr), end))
		return -1;
	lb_mac_copy(eth->dst, dst_mac);
	lb_mac_copy(eth->src, src_mac);
	if (pp->has_vlan) {
		struct lb_vlanhdr *vlan = (void *)(eth + 1);

		eth->proto = lb_htons(LB_ETH_P_8021Q);
		vlan->tci = pp->vlan_tci;
		vlan->proto = lb_htons(ethertype);
		return sizeof(*eth) + sizeof(*vlan);
	}
	eth->proto = lb_htons(ethertype);
	return sizeof(*eth);
}

/* Outer source: the node's encapsulation prefix with flow entropy in its host bits, so the
 * backends' NIC RSS spreads the tunnelled flows over their queues. */
LB_INLINE __u32 lb_outer_src4(const struct lb_node_cfg *node, __u32 hash)
{
	return lb_htonl((lb_ntohl(node->src4.w[0]) & ~node->src4_host_mask) |
			(hash & node->src4_host_mask));
}

/*
 * Bytes the outer header needs for this backend: 20 for an IPv4 backend, 40 for IPv6.
 */
LB_INLINE int lb_encap_len(const struct lb_backend *be)
{
	return be->family == LB_AF_INET ? (int)sizeof(struct lb_iphdr)
					: (int)sizeof(struct lb_ipv6hdr);
}

/* An option-less IPv4 header as five 32-bit words (as they lie in memory). */
union lb_iphdr_words {
	struct lb_iphdr h;
	__u32 w[5];
} LB_WIRE;

/* One's-complement sum of 32-bit words, folded to the 16-bit Internet checksum. */
LB_INLINE __u16 lb_csum_fold64(__u64 sum)
{
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffffffu) + (sum >> 32);
	return lb_csum_fold((__u32)sum);
}

/*
 * Write L2 + outer IPv4 header in front of the inner packet. `data` is the grown frame; the inner
 * IP packet starts at l2_len + 20. pp describes the inner packet as parsed before the push.
 * The header is built in registers as five words and its checksum summed from them, so nothing
 * is read back from the packet.
 */
LB_INLINE int lb_write_outer_ipv4(void *data, void *end, const struct lb_parsed *pp,
				  const struct lb_backend *be, const struct lb_node_cfg *node,
				  __u32 hash)
{
	int l2 = lb_write_l2(data, end, pp, be->mac, node->node_mac, LB_ETH_P_IPV4);
	union lb_iphdr_words *iph;
	__u32 w0, w1, w2, saddr, daddr;
	__u16 frag_off;
	__u8 proto;

	if (l2 < 0)
		return -1;
	iph = data + l2;
	if (!LB_IN_PKT(iph, sizeof(*iph), end))
		return -1;
	/* RFC 2003 3.1: TOS and DF copied from an inner IPv4 header; IPv6 is never fragmented
	 * en route. ID 0: the outer header is never fragmented by us. */
	frag_off = (pp->flow.family == LB_AF_INET6 || pp->ipv4_df) ? lb_htons(LB_IP_DF) : 0;
	proto = pp->flow.family == LB_AF_INET ? LB_IPPROTO_IPIP : LB_IPPROTO_IPV6;
	w0 = 0x45u | ((__u32)pp->tos << 8) | ((__u32)lb_htons(pp->l3_len + 20) << 16);
	w1 = (__u32)frag_off << 16;
	w2 = LB_OUTER_TTL | ((__u32)proto << 8);
	saddr = lb_outer_src4(node, hash);
	daddr = be->addr.w[0];
	w2 |= (__u32)lb_csum_fold64((__u64)w0 + w1 + w2 + saddr + daddr) << 16;
	iph->w[0] = w0;
	iph->w[1] = w1;
	iph->w[2] = w2;
	iph->w[3] = saddr;
	iph->w[4] = daddr;
	return 0;
}

/* Same for an IPv6 backend: entropy in the flow label and in the source's host bits. */
LB_INLINE int lb_write_outer_ipv6(void *data, void *end, const struct lb_parsed *pp,
				  const struct lb_backend *be, const struct lb_node_cfg *node,
				  __u32 hash)
{
	int l2 = lb_write_l2(data, end, pp, be->mac, node->node_mac, LB_ETH_P_IPV6);
	struct lb_ipv6hdr *ip6;

	if (l2 < 0)
		return -1;
	ip6 = data + l2;
	if (!LB_IN_PKT(ip6, sizeof(*ip6), end))
		return -1;
	ip6->ver_tc_flow = lb_htonl((6u << 28) | ((__u32)pp->tos << 20) | (hash & 0xfffff));
	ip6->payload_len = lb_htons(pp->l3_len);
	ip6->nexthdr = pp->flow.family == LB_AF_INET ? LB_IPPROTO_IPIP : LB_IPPROTO_IPV6;
	ip6->hop_limit = LB_OUTER_TTL;
	ip6->saddr[0] = node->src6.w[0];
	ip6->saddr[1] = node->src6.w[1];
	ip6->saddr[2] = node->src6.w[2];
	ip6->saddr[3] = lb_htonl((lb_ntohl(node->src6.w[3]) & ~node->src6_host_mask) |
				 (hash & node->src6_host_mask));
	__builtin_memcpy(ip6->daddr, be->addr.w, 16);
	return 0;
}

/* L2 direct server return: the IP packet is untouched, only the MACs change. */
LB_INLINE int lb_rewrite_l2dsr(void *data, void *end, const struct lb_backend *be,
			       const struct lb_node_cfg *node)
{
	struct lb_ethhdr *eth = data;

	if (!LB_IN_PKT(eth, sizeof(*eth), end))
		return -1;
	lb_mac_copy(eth->dst, be->mac);
	lb_mac_copy(eth->src, node->node_mac);
	return 0;
}

LB_INLINE void lb_swap_macs(struct lb_ethhdr *eth)
{
	__u8 tmp[6] __attribute__((aligned(2)));

	lb_mac_copy(tmp, eth->dst);
	lb_mac_copy(eth->dst, eth->src);
	lb_mac_copy(eth->src, tmp);
}

/* Change the ICMP type, keeping the checksum right (type and code form one 16-bit word). */
LB_INLINE void lb_icmp_set_type(struct lb_icmphdr *ih, __u8 type)
{
	__u16 old_word = *(const lb_wire16 *)ih;

	ih->type = type;
	ih->check = lb_csum_replace16(ih->check, old_word, *(const lb_wire16 *)ih);
}

/*
 * Turn an ICMP echo request (RFC 792) / ICMPv6 echo request (RFC 4443) into the reply in place:
 * swap MACs and addresses, fresh TTL, type 8 -> 0 / 128 -> 129, checksums updated incrementally
 * (swapping addresses changes neither the IPv4 header sum nor the ICMPv6 pseudo-header sum).
 */
LB_INLINE int lb_icmp_echo_reply(void *data, void *end, const struct lb_parsed *pp)
{
	struct lb_ethhdr *eth = data;
	struct lb_icmphdr *ih = data + (pp->l4_off & 0xfff);

	if (!LB_IN_PKT(eth, sizeof(*eth), end) || !LB_IN_PKT(ih, sizeof(*ih), end))
		return -1;
	lb_swap_macs(eth);
	if (pp->flow.family == LB_AF_INET) {
		struct lb_iphdr *iph = data + (pp->l3_off & 0xff);
		__u16 old_word, new_word;

		if (!LB_IN_PKT(iph, sizeof(*iph), end))
			return -1;
		iph->saddr = pp->flow.dst.w[0];
		iph->daddr = pp->flow.src.w[0];
		old_word = *(const lb_wire16 *)&iph->ttl;
		iph->ttl = LB_OUTER_TTL;
		new_word = *(const lb_wire16 *)&iph->ttl;
		iph->check = lb_csum_replace16(iph->check, old_word, new_word);
		lb_icmp_set_type(ih, LB_ICMP_ECHOREPLY);
	} else {
		struct lb_ipv6hdr *ip6 = data + (pp->l3_off & 0xff);

		if (!LB_IN_PKT(ip6, sizeof(*ip6), end))
			return -1;
		__builtin_memcpy(ip6->saddr, pp->flow.dst.w, 16);
		__builtin_memcpy(ip6->daddr, pp->flow.src.w, 16);
		ip6->hop_limit = LB_OUTER_TTL;
		lb_icmp_set_type(ih, LB_ICMPV6_ECHO_REPLY);
	}
	return 0;
}

#endif
