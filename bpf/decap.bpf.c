// SPDX-License-Identifier: GPL-2.0
/*
 * decap.bpf.c - backend-side decapsulation (XDP): strips the outer IPv4/IPv6 header from IP-in-IP
 * packets addressed to this backend whose outer source is a configured LB encapsulation source
 * and whose inner destination is a configured VIP, and hands the inner packet to the kernel,
 * which owns the VIP on `lo` and answers the client directly (DSR). Backends use it where the
 * kernel has no ipip/ip6_tunnel module, or to skip the tunnel device. Everything else passes
 * untouched.
 *
 * The source check is what keeps a backend from being a reflector: anyone can send IP-in-IP to a
 * backend address with a VIP inside and a victim's address as the inner source, and the backend
 * would answer the victim. Only the load balancers' outer sources (their encap_source_v4/v6
 * prefixes) are trusted; other tunnelled packets to this backend are dropped, not passed, so
 * that a kernel tunnel device (tunl0, ip6tnl0) cannot decapsulate them either.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/core/lb_maps.h"

/* Key of both address maps: address + family. */
struct decap_addr_key {
	struct lb_addr addr;
	__u32 family;
};

/* Keys of the source tries: prefix length in bits, then the address (network order). */
struct decap_src4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct decap_src6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct decap_addr_key);
	__type(value, __u8);
} decap_local SEC(".maps"); /* this backend's own addresses: outer destinations we accept */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, struct decap_addr_key);
	__type(value, __u8);
} decap_vips SEC(".maps"); /* VIPs: inner destinations we accept */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC); /* the only way an LPM trie can be created */
	__type(key, struct decap_src4_key);
	__type(value, __u8);
} decap_src4 SEC(".maps"); /* IPv4 outer sources we accept: the LB nodes' encap_source_v4 */

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct decap_src6_key);
	__type(value, __u8);
} decap_src6 SEC(".maps"); /* IPv6 outer sources we accept: their encap_source_v6 */

/* Indexes of decap_stats; tools/edgelb_decap.c prints them under these names. */
enum decap_counter {
	DECAP_OK = 0,         /* decapsulated */
	DECAP_NOT_TUNNEL,     /* not IP-in-IP to a local address: passed */
	DECAP_NOT_VIP,        /* tunnelled, but the inner destination is no VIP: dropped */
	DECAP_MALFORMED,      /* tunnelled, inner header broken: dropped */
	DECAP_UNKNOWN_SOURCE, /* tunnelled to us from a source not in decap_src4/6: dropped */
	DECAP_COUNTERS
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DECAP_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} decap_stats SEC(".maps");

static __always_inline void count(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&decap_stats, &which);

	if (c)
		*c += 1;
}

static __always_inline int addr_known(void *map, const struct lb_addr *a, __u8 family)
{
	struct decap_addr_key key = {.addr = *a, .family = family};

	return bpf_map_lookup_elem(map, &key) != 0;
}

static __always_inline int source_known(const struct lb_addr *a, __u8 family)
{
	if (family == LB_AF_INET) {
		struct decap_src4_key key = {.prefixlen = 32};

		__builtin_memcpy(key.addr, a->b, 4);
		return bpf_map_lookup_elem(&decap_src4, &key) != 0;
	} else {
		struct decap_src6_key key = {.prefixlen = 128};

		__builtin_memcpy(key.addr, a->b, 16);
		return bpf_map_lookup_elem(&decap_src6, &key) != 0;
	}
}

SEC("xdp")
int edgelb_decap(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data;
	void *end = (void *)(long)xdp->data_end;
	struct lb_parsed outer = {}, inner = {};
	struct lb_ethhdr eth_copy;
	struct lb_vlanhdr vlan_copy = {};
	__u16 ethertype, inner_type;
	__u32 outer_len;
	int rc;

	if (lb_parse_l2(data, end, &outer, &ethertype))
		return XDP_PASS;
	if (ethertype == lb_htons(LB_ETH_P_IPV4)) {
		if (lb_parse_ipv4(data, end, &outer) || outer.fragment)
			goto not_tunnel;
	} else if (ethertype == lb_htons(LB_ETH_P_IPV6)) {
		if (lb_parse_ipv6(data, end, &outer) || outer.fragment)
			goto not_tunnel;
	} else {
		return XDP_PASS;
	}
	if (outer.flow.proto == LB_IPPROTO_IPIP)
		inner_type = LB_ETH_P_IPV4;
	else if (outer.flow.proto == LB_IPPROTO_IPV6)
		inner_type = LB_ETH_P_IPV6;
	else
		goto not_tunnel;
	if (!addr_known(&decap_local, &outer.flow.dst, outer.flow.family))
		goto not_tunnel;
	/* before anything of the inner packet is looked at: a stranger's tunnel earns nothing */
	if (!source_known(&outer.flow.src, outer.flow.family)) {
		count(DECAP_UNKNOWN_SOURCE);
		return XDP_DROP;
	}

	/* parse the inner header as if it followed the L2 header directly */
	outer_len = outer.l4_off - outer.l3_off;
	inner.l3_off = outer.l4_off;
	rc = inner_type == LB_ETH_P_IPV4 ? lb_parse_ipv4(data, end, &inner)
					 : lb_parse_ipv6(data, end, &inner);
	/* outer_len > 255: IPv6 extension headers beyond what the byte-wide head adjustment
	 * below is written for */
	if (rc || outer_len > 0xff) {
		count(DECAP_MALFORMED);
		return XDP_DROP;
	}
	if (!addr_known(&decap_vips, &inner.flow.dst, inner.flow.family)) {
		count(DECAP_NOT_VIP);
		return XDP_DROP;
	}

	if ((void *)data + sizeof(eth_copy) + sizeof(vlan_copy) > end)
		return XDP_DROP;
	eth_copy = *(struct lb_ethhdr *)data;
	if (outer.has_vlan)
		vlan_copy = *(struct lb_vlanhdr *)(data + sizeof(eth_copy));
	if (bpf_xdp_adjust_head(xdp, (int)(outer_len & 0xff)))
		return XDP_DROP;
	data = (void *)(long)xdp->data;
	end = (void *)(long)xdp->data_end;
	if (data + sizeof(eth_copy) + sizeof(vlan_copy) > end)
		return XDP_DROP;
	if (outer.has_vlan) {
		vlan_copy.proto = lb_htons(inner_type);
		*(struct lb_ethhdr *)data = eth_copy;
		*(struct lb_vlanhdr *)(data + sizeof(eth_copy)) = vlan_copy;
	} else {
		eth_copy.proto = lb_htons(inner_type);
		*(struct lb_ethhdr *)data = eth_copy;
	}
	count(DECAP_OK);
	return XDP_PASS;

not_tunnel:
	count(DECAP_NOT_TUNNEL);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
