// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_gen.bpf.c - the live benchmark's packet generator, run by BPF_PROG_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES: every run writes the WHOLE frame from the template (the pages are
 * recycled and come back holding whatever the last program on the path wrote into them), gives
 * it the next of gen_flows source ports, and transmits it (XDP_TX) out of the ingress device.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define GEN_FRAME_LEN 64 /* bench/xdp_common.h: XB_FRAME_LEN */

const volatile __u32 gen_flows = 1;      /* distinct source ports, from the template's upwards */
const volatile __u32 gen_sport_off = 34; /* where the source port lies in the frame */

__u8 gen_frame[GEN_FRAME_LEN]; /* written by userspace before load */
__u64 gen_seq;                 /* frames generated (the test run stays on one CPU) */

SEC("xdp")
int xdp_gen(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data;
	void *end = (void *)(long)xdp->data_end;
	__u32 off = gen_sport_off;
	__u16 *sport, base;

	if (data + GEN_FRAME_LEN > end || off > GEN_FRAME_LEN - 2)
		return XDP_DROP;
	__builtin_memcpy(data, gen_frame, GEN_FRAME_LEN);
	sport = data + off;
	base = __builtin_bswap16(*sport);
	*sport = __builtin_bswap16((__u16)(base + gen_seq % gen_flows));
	gen_seq++;
	return XDP_TX;
}

char _license[] SEC("license") = "GPL";
