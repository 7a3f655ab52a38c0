// SPDX-License-Identifier: GPL-2.0
/*
 * lb_bench.bpf.c - the benchmark build of the XDP runner (build/bpf/lb_bench.bpf.o): bpf/lb.bpf.c
 * as it is, with its own SEC("xdp") edgelb_xdp() (the runner's, plus the restore): after
 * deciding, it undoes the encapsulation / MAC rewrite, so that BPF_PROG_TEST_RUN with repeat=N
 * sees the same input every time, and it can make many flows of one input frame. Used by
 * bench/xdp_testrun.c and bench/xdp_ab.c; nothing of this is in the production build/bpf/lb.bpf.o.
 */
#define LB_XDP_OWN_ENTRY
#include "bpf/lb.bpf.c"

/*
 * Many flows from one test-run input: before each repetition the transport source port becomes
 * base + (n++ % spread), base being the port in the input frame; afterwards the port is put back.
 * The benchmark sets both before load; with spread < 2 the verifier prunes all of it (read-only
 * data), so the single-flow figures carry no cost of this.
 */
const volatile __u32 bench_sport_spread;
const volatile __u32 bench_sport_off; /* offset of the source port in the frame */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} bench_flow_seq SEC(".maps"); /* next flow, 0 .. spread - 1 */

#define LB_BENCH_SPORT_OFF_MAX 256

/*
 * The input frame's Ethernet header, which the benchmark states before load: the restore writes
 * it back without a per-packet copy, which no real packet would pay (and without the pointers a
 * runtime choice between it and a saved copy kept on the stack).
 */
const volatile __u8 bench_eth[sizeof(struct lb_ethhdr)] __attribute__((aligned(8)));

static __always_inline __u16 *lb_bench_sport(struct xdp_md *xdp)
{
	void *data = (void *)(long)xdp->data;
	void *end = (void *)(long)xdp->data_end;
	__u32 off = bench_sport_off;
	__u16 *sport;

	if (off > LB_BENCH_SPORT_OFF_MAX)
		return 0;
	sport = data + off;
	if ((void *)(sport + 1) > end)
		return 0;
	return sport;
}

/* Returns the input's source port (network order), to be put back by lb_bench_unvary_flow(). */
static __always_inline __u16 lb_bench_vary_flow(struct xdp_md *xdp)
{
	__u16 *sport, base;
	__u32 *seq;

	if (bench_sport_spread < 2)
		return 0;
	sport = lb_bench_sport(xdp);
	seq = bpf_map_lookup_elem(&bench_flow_seq, &zero);
	if (!sport || !seq)
		return 0;
	base = *sport;
	*sport = lb_htons(lb_ntohs(base) + (__u16)*seq);
	/* wrap by comparison: a modulo would be a division, charged to edgelb */
	*seq = *seq + 1 < bench_sport_spread ? *seq + 1 : 0;
	return base;
}

static __always_inline void lb_bench_unvary_flow(struct xdp_md *xdp, __u16 base)
{
	__u16 *sport;

	if (bench_sport_spread < 2)
		return;
	sport = lb_bench_sport(xdp);
	if (sport)
		*sport = base;
}

/*
 * Put the frame back as it came, so the next test-run repetition decides on the same input. For
 * IP-in-IP the original Ethernet header was overwritten by the outer IP header; for L2 DSR and
 * the echo reply the MACs (and the echo's addresses) changed. The cost counts against edgelb.
 */
static __always_inline void lb_bench_restore(struct xdp_md *xdp, struct lb_result *res)
{
	const volatile __u8 *orig = bench_eth; /* volatile: set before load, not the zeros here */
	struct lb_ethhdr *eth;
	void *end;

	if (res->pushed && bpf_xdp_adjust_head(xdp, res->pushed))
		return;
	eth = (void *)(long)xdp->data;
	end = (void *)(long)xdp->data_end;
	if ((void *)(eth + 1) > end)
		return;
	/* 8 + 4 + 2 bytes: the frame is 2-byte aligned at least, bench_eth 8-byte */
	*(__u64 *)eth = *(const volatile __u64 *)orig;
	*(__u32 *)((__u8 *)eth + 8) = *(const volatile __u32 *)(orig + 8);
	*(__u16 *)((__u8 *)eth + 12) = *(const volatile __u16 *)(orig + 12);
}

/* bpf/lb.bpf.c's edgelb_xdp(), with the flow varied before and the frame restored after. */
SEC("xdp")
int edgelb_xdp(struct xdp_md *xdp)
{
	struct lb_pkt pkt = lb_xdp_pkt(xdp);
	struct lb_xdp_ctx ctx = {.xdp = xdp};
	struct lb_result res;
	__u16 orig_sport = lb_bench_vary_flow(xdp);

	lb_process(&ctx, &pkt, &res);
	if (res.verdict == LB_TX || res.verdict == LB_REDIRECT)
		lb_bench_restore(xdp, &res);
	if (!res.pushed || res.verdict == LB_TX || res.verdict == LB_REDIRECT)
		lb_bench_unvary_flow(xdp, orig_sport);
	return lb_xdp_action(&res);
}
