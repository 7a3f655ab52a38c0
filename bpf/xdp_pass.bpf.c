// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_pass.bpf.c - XDP_PASS, nothing else. Attached in native mode to the receiving end of a veth
 * pair so that frames another program sends with XDP_TX / XDP_REDIRECT are taken in (veth only
 * polls its peer's ring when that end has an XDP program or GRO enabled).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *xdp)
{
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
