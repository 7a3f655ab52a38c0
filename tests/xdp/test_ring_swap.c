// SPDX-License-Identifier: MIT
/*
 * test_ring_swap.c - ring replacement is atomic per VIP. One thread keeps a stream of new-flow
 * packets going through the XDP program (BPF_PROG_TEST_RUN in a loop, every packet a SYN of a
 * new flow, so every packet reads the ring) while the main thread replaces the VIP's ring
 * thousands of times, alternating between two disjoint backend sets. Every packet must be
 * forwarded (none dropped, none passed) to a backend of one of the two sets; both sets must be
 * seen (the swaps really happened under traffic).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/lb.skel.h"
#include "tests/xdp/lb_loader.h"
#include "control/fastpath/lbtables.h"
#include "dataplane/core/lb_maps.h"

#define RING     4099 /* prime; a small ring keeps 3000 swaps quick */
#define SWAPS    2000
#define NBACKEND 6 /* set A: 0..2, set B: 3..5 */

static struct lb *skel;
static struct lbt *tables;
static uint32_t ring_a[RING], ring_b[RING];
static atomic_int stop;

struct stream_result {
	unsigned long packets, to_a, to_b, bad_verdict, bad_backend;
};

static void *stream(void *arg)
{
	struct stream_result *r = arg;
	unsigned char in[64], out[256];
	uint16_t sport = 1;

	while (!atomic_load(&stop)) {
		size_t len = FX_TCP4_FRAME_LEN;

		fx_tcp4_frame(in, sport++, 80, 0x02 /* SYN */);
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.edgelb_xdp), &opts)) {
			r->bad_verdict++;
			continue;
		}
		r->packets++;
		if (opts.retval != XDP_TX) {
			r->bad_verdict++;
			continue;
		}
		/* the outer destination is the backend: 203.0.113.(1 + id) */
		unsigned id = out[14 + 19] - 1;
		if (out[14 + 16] != 203 || id >= NBACKEND)
			r->bad_backend++;
		else if (id < 3)
			r->to_a++;
		else
			r->to_b++;
	}
	return NULL;
}

static int setup(void **state)
{
	struct lb_node_cfg node = {.hash_seed = 1, .src4_host_mask = 0xff};
	struct lbt_vip vip = {0};

	if (fx_load_lb(RING, 0, &skel, &tables, NULL))
		return -1;
	node.src4.w[0] = lb_htonl(0xac1f0000);
	if (tables->ops->set_node(tables, &node))
		return -1;
	for (uint32_t id = 0; id < NBACKEND; id++) {
		struct lb_backend be = {
		    .family = LB_AF_INET, .state = LB_BACKEND_UP, .generation = 1};

		be.addr.w[0] = lb_htonl(0xcb007101 + id); /* 203.0.113.(1 + id) */
		if (tables->ops->set_backend(tables, id, &be))
			return -1;
	}
	for (uint32_t i = 0; i < RING; i++) {
		ring_a[i] = i % 3;
		ring_b[i] = 3 + i % 3;
	}
	vip.key.addr.w[0] = lb_htonl(0xc000020a);
	vip.key.family = LB_AF_INET;
	vip.key.proto = 6;
	vip.key.port = lb_htons(80);
	vip.meta.ring_size = RING;
	if (tables->ops->set_ring(tables, 0, ring_a, RING))
		return -1;
	return lbt_install_vips(tables, &vip, 1);
}

static int teardown(void **state)
{
	lbt_bpf_free(tables);
	lb__destroy(skel);
	return 0;
}

static void test_ring_swaps_under_traffic(void **state)
{
	struct stream_result r = {0};
	struct lb_global_stats g;
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, stream, &r), 0);
	for (int i = 0; i < SWAPS; i++)
		assert_int_equal(tables->ops->set_ring(tables, 0, (i & 1) ? ring_a : ring_b, RING),
				 0);
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("   %d ring swaps under %lu packets: %lu to set A, %lu to set B\n", SWAPS, r.packets,
	       r.to_a, r.to_b);
	assert_int_equal(r.bad_verdict, 0);
	assert_int_equal(r.bad_backend, 0);
	assert_true(r.to_a > 0 && r.to_b > 0);
	assert_true(r.packets >= 1000);
	assert_int_equal(tables->ops->read_global(tables, &g), 0);
	assert_int_equal(g.drops[LB_DROP_NO_BACKEND], 0);
	assert_int_equal(g.tx, r.packets);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ring_swaps_under_traffic),
	};
	return cmocka_run_group_tests_name("ring_swap", tests, setup, teardown);
}
