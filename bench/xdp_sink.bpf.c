// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_sink.bpf.c - where the live benchmark's packets land: counts them, by kind (IPv4-in-IPv4
 * as edgelb sends them, plain TCP as MAC swap sends them back, anything else), and drops them.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sink_counts {
	__u64 packets;
	__u64 ipip; /* outer IPv4, protocol 4: encapsulated by edgelb */
	__u64 tcp;  /* IPv4 TCP: bounced unchanged but for the MACs */
	__u64 other;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sink_counts);
} sink_counts SEC(".maps");

SEC("xdp")
int xdp_sink(struct xdp_md *xdp)
{
	__u8 *data = (void *)(long)xdp->data;
	__u8 *end = (void *)(long)xdp->data_end;
	struct sink_counts *c;
	__u32 zero = 0;

	c = bpf_map_lookup_elem(&sink_counts, &zero);
	if (!c)
		return XDP_DROP;
	c->packets++;
	if (data + 34 > end || data[12] != 0x08 || data[13] != 0x00)
		c->other++;
	else if (data[23] == 4)
		c->ipip++;
	else if (data[23] == 6)
		c->tcp++;
	else
		c->other++;
	return XDP_DROP;
}

char _license[] SEC("license") = "GPL";
