// SPDX-License-Identifier: GPL-2.0
/*
 * macswap.bpf.c - the benchmark baseline: swap source and destination MAC, XDP_TX. The least a
 * program that bounces packets can do; edgelb's per-packet cost is quoted as a ratio to it.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int macswap_xdp(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data;
	void *end = (void *)(long)xdp->data_end;
	__u16 *mac = data, tmp0, tmp1, tmp2;

	if (data + 14 > end)
		return XDP_DROP;
	tmp0 = mac[0];
	tmp1 = mac[1];
	tmp2 = mac[2];
	mac[0] = mac[3];
	mac[1] = mac[4];
	mac[2] = mac[5];
	mac[3] = tmp0;
	mac[4] = tmp1;
	mac[5] = tmp2;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
