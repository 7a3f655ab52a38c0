// SPDX-License-Identifier: MIT
/*
 * fuzz_xdp_diff.c - libFuzzer harness that runs the same inputs (fuzz_core.h's scripts) through
 * the XDP program, build/bpf/lb.bpf.o by BPF_PROG_TEST_RUN, and through the userspace runner,
 * each on its own copy of the same tables: every frame must get the same verdict and the same
 * output frame, byte for byte, and the userspace runner's output the invariants of
 * fz_check_output(). Needs root (loading BPF) and bpffs, like tests/xdp/test_fixtures.
 *
 * Clock steps (FZ_OP_TICK) are skipped: the XDP program's clock is the kernel's. Frames shorter
 * than an Ethernet header are skipped too: BPF_PROG_TEST_RUN refuses them. The whole run is on
 * one CPU, as RSS keeps a flow on one CPU: the XDP connection cache is per CPU.
 *
 * Each input starts without connection entries on both sides. The XDP program's per-CPU cache
 * has 65536 slots, which the table writer's clear_conns writes one by one; here only the slots
 * of the flows an input may have touched are cleared (cache_slot(), as bpf/lb.bpf.c computes
 * it: should the two part, entries of earlier inputs survive and show as mismatches).
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/lb.skel.h"
#include "dataplane/user/user_tables.h"
#include "tests/fuzz/fuzz_core.h"
#include "tests/xdp/lb_loader.h"

#define CONN_ENTRIES 4096 /* both runners: no input makes enough flows to evict any */

static struct {
	struct lb *skel;
	int prog_fd, conns_fd, cache_fd;
	void *zeros; /* one cache slot's value on every CPU */
	__u32 touched[4 * FZ_MAX_STEPS];
	int ntouched;
	struct fz_tables xdp, user;
	struct lb_user_tables *ut;
} env;

static unsigned char user_buf[FZ_HEADROOM + FZ_MAX_FRAME] __attribute__((aligned(64)));

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct lbt *xdp;
	cpu_set_t set;
	__u32 slot = 0, lo_ifindex = 1;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	if (fx_load_lb(FX_RING, CONN_ENTRIES, &env.skel, &xdp, NULL) || !xdp) {
		fprintf(stderr, "fuzz_xdp_diff: lb.bpf.o did not load (root? bpffs?)\n");
		exit(1);
	}
	/* backends with tx_port go out of devmap slot tx_port - 1: point it at lo */
	if (bpf_map_update_elem(bpf_map__fd(env.skel->maps.tx_ports), &slot, &lo_ifindex, BPF_ANY))
		exit(1);
	env.prog_fd = bpf_program__fd(env.skel->progs.edgelb_xdp);
	env.conns_fd = bpf_map__fd(env.skel->maps.conns);
	env.cache_fd = bpf_map__fd(env.skel->maps.conn_cache);
	env.zeros = calloc((size_t)libbpf_num_possible_cpus(),
			   (bpf_map__value_size(env.skel->maps.conn_cache) + 7) & ~7u);
	if (!env.zeros)
		exit(1);
	env.ut = lb_user_tables_new(CONN_ENTRIES);
	if (!env.ut || fz_tables_init(&env.xdp, xdp) || fz_tables_init(&env.user, &env.ut->base)) {
		fprintf(stderr, "fuzz_xdp_diff: the tables could not be written\n");
		exit(1);
	}
	return 0;
}

/* bpf/lb.bpf.c's conn_cache_slot(), for LB_CONN_CACHE_SLOTS = 65536. */
static __u32 cache_slot(const struct lb_flow *f)
{
	const lb_key_word *k = lb_key_words(f);
	__u32 h = lb_addr_fold(k[0], k[1]);
	__u32 d = lb_addr_fold(k[2], k[3]);

	h = h * 0x9e3779b1u ^ d * 0x85ebca6bu ^ (__u32)k[4] * 0xc2b2ae35u;
	h ^= (__u8)(k[4] >> 32);
	h ^= h >> 16;
	return h & 0xffff;
}

static void touch(const struct lb_flow *f)
{
	if (env.ntouched < (int)(sizeof(env.touched) / sizeof(env.touched[0])))
		env.touched[env.ntouched++] = cache_slot(f);
}

/*
 * The flows whose connection entries a frame may look up or make: its own (ports 0 for a
 * fragment, as lb_process clears them) and, for ICMP, the quoted packet's reversed tuple
 * (lb_icmp_too_big).
 */
static void note_flows(const uint8_t *frame, size_t len)
{
	struct lb_parsed pp LB_WORD_ALIGNED = {};
	struct lb_flow q LB_WORD_ALIGNED = {};
	const uint8_t *inner;

	if (lb_parse((void *)frame, (void *)(frame + len), &pp) != LB_PARSE_OK)
		return;
	if (pp.fragment)
		pp.flow.sport = pp.flow.dport = 0;
	touch(&pp.flow);
	if (pp.flow.proto != LB_IPPROTO_ICMP && pp.flow.proto != LB_IPPROTO_ICMPV6)
		return;
	inner = frame + pp.l4_off + 8;
	q.family = pp.flow.family;
	if (pp.flow.family == LB_AF_INET) {
		size_t ihl;

		if (inner + 20 > frame + len)
			return;
		ihl = (size_t)(inner[0] & 15) * 4;
		if (ihl < 20 || inner + ihl + 4 > frame + len)
			return;
		memcpy(&q.src.w[0], inner + 16, 4);
		memcpy(&q.dst.w[0], inner + 12, 4);
		q.proto = inner[9];
		memcpy(&q.sport, inner + ihl + 2, 2);
		memcpy(&q.dport, inner + ihl, 2);
	} else {
		if (inner + 44 > frame + len)
			return;
		memcpy(q.src.w, inner + 24, 16);
		memcpy(q.dst.w, inner + 8, 16);
		q.proto = inner[6];
		memcpy(&q.sport, inner + 42, 2);
		memcpy(&q.dport, inner + 40, 2);
	}
	touch(&q);
}

/* No connection entries left of the last input: the shared table's and the touched slots. */
static void clear_xdp_conns(void)
{
	struct lb_flow key, next;
	int rc = bpf_map_get_next_key(env.conns_fd, NULL, &key);

	while (!rc) {
		rc = bpf_map_get_next_key(env.conns_fd, &key, &next);
		bpf_map_delete_elem(env.conns_fd, &key);
		key = next;
	}
	for (int i = 0; i < env.ntouched; i++)
		if (bpf_map_update_elem(env.cache_fd, &env.touched[i], env.zeros, BPF_ANY))
			FZ_FAIL("clearing a connection cache slot: %s", strerror(errno));
	env.ntouched = 0;
}

static void run_both(const uint8_t *frame, size_t len)
{
	static unsigned char xdp_out[FZ_MAX_FRAME + FZ_HEADROOM];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = xdp_out, .data_size_out = sizeof(xdp_out), .repeat = 1);
	unsigned char *start = user_buf + FZ_HEADROOM;
	struct lb_pkt pkt = {.data = start, .end = start + len};
	struct lb_result res;
	size_t out_len;
	int verdict;

	if (bpf_prog_test_run_opts(env.prog_fd, &opts))
		FZ_FAIL("BPF_PROG_TEST_RUN of a %zu-byte frame: %s", len, strerror(errno));
	verdict = lb_loader_xdp_verdict(opts.retval);
	memcpy(start, frame, len);
	lb_user_run(env.ut, &pkt, user_buf, &res);
	out_len = (size_t)((unsigned char *)pkt.end - (unsigned char *)pkt.data);
	fz_check_output(&env.user, frame, len, res.verdict, pkt.data, out_len, res.pushed,
			res.tx_port);
	if ((int)res.verdict != verdict)
		FZ_FAIL("XDP verdict %d (action %u), userspace %d", verdict, opts.retval,
			res.verdict);
	if (opts.data_size_out != out_len || memcmp(xdp_out, pkt.data, out_len)) {
		fprintf(stderr, "XDP output (%u bytes) != userspace output (%zu bytes):\n",
			opts.data_size_out, out_len);
		for (size_t i = 0; i < out_len || i < opts.data_size_out; i++) {
			int x = i < opts.data_size_out ? xdp_out[i] : -1;
			int u = i < out_len ? ((unsigned char *)pkt.data)[i] : -1;

			if (x != u)
				fprintf(stderr, "  byte %zu: xdp %02x user %02x\n", i, x & 0xff,
					u & 0xff);
		}
		FZ_FAIL("XDP and userspace output different frames");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_script s;
	struct fz_step st;

	clear_xdp_conns();
	if (fz_tables_reset(&env.xdp, 0) || fz_tables_reset(&env.user, 1))
		FZ_FAIL("resetting the tables failed");
	fz_script_start(&s, data, size);
	while (fz_script_next(&s, &st)) {
		if (st.op == FZ_OP_PACKET) {
			if (st.len >= 14) {
				note_flows(st.frame, st.len);
				run_both(st.frame, st.len);
			}
		} else if (st.op != FZ_OP_TICK) {
			if (fz_apply(&env.xdp, &st) || fz_apply(&env.user, &st))
				FZ_FAIL("a table write failed");
		}
	}
	return 0;
}
