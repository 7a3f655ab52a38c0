// SPDX-License-Identifier: MIT
/*
 * test_dpdk_concurrency.c - the table file's promises under concurrency: a worker thread runs
 * edgelb-dp's per-packet code (dp_worker_process, quiescent point after every burst of 32) while
 * the test writes the tables through lbtables_shm as fast as it can:
 *   - backend 0 flips between two complete versions (address and MAC): every forwarded frame must
 *     carry one version's address together with the same version's MAC (no torn backend read);
 *   - the VIP's ring flips between "all backend 0" and "all backend 1": every flip must succeed
 *     without waiting out its timeout (the worker passes quiescent points), and no packet may
 *     find a half-written ring (a ring slot that is neither).
 * Both kinds of change must be observed by the worker, so the test cannot pass vacuously.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "control/fastpath/lbtables.h"
#include "control/fastpath/lbtables_shm.h"
#include "tests/dpdk/dp_testenv.h"

#define RING_M      251
#define PACKETS     400000  /* at least this many packets ... */
#define PACKETS_MAX 4000000 /* ... and more until every table state was seen often */
#define SEEN_MIN    100
#define FRAME_LEN   60
#define VIP_ADDR    0xc000020au /* 192.0.2.10 */
#define ADDR_A      0x0a000001u /* backend 0, version A */
#define ADDR_B      0x0a000002u /* backend 0, version B */
#define ADDR_OTHER  0x0a000003u /* backend 1 */

static struct {
	struct dp_testenv dp;
	volatile int worker_done;
	/* what the worker saw */
	unsigned long seen_a, seen_b, seen_other, torn, dropped, not_forwarded;
} env;

static void backend(uint32_t id, uint32_t addr, struct lb_backend *be)
{
	memset(be, 0, sizeof(*be));
	be->family = LB_AF_INET;
	be->state = LB_BACKEND_UP;
	be->generation = 1;
	be->addr.w[0] = lb_htonl(addr);
	/* the MAC encodes the address: a mix of two versions is visible */
	be->mac[0] = 0x02;
	be->mac[2] = (uint8_t)(addr >> 24);
	be->mac[3] = (uint8_t)(addr >> 16);
	be->mac[4] = (uint8_t)(addr >> 8);
	be->mac[5] = (uint8_t)addr;
	(void)id;
}

static int set_ring_to(struct lbt *t, uint32_t backend_id)
{
	uint32_t ring[RING_M];

	for (int i = 0; i < RING_M; i++)
		ring[i] = backend_id;
	return t->ops->set_ring(t, 0, ring, RING_M);
}

static int group_setup(void **state)
{
	struct lb_node_cfg node = {.hash_seed = 7, .src4_host_mask = 0xff};
	struct lbt_vip vip = {0};
	struct lb_backend be;
	struct lbt *t;
	int rc = dp_testenv_init(&env.dp, "dpconc", RING_M, 1024);

	if (rc) {
		fprintf(stderr, "edgelb-dp test environment: %s\n", strerror(-rc));
		return -1;
	}
	t = env.dp.tables;
	node.src4.w[0] = lb_htonl(0xac1f0000u);
	rc = t->ops->set_node(t, &node);
	backend(0, ADDR_A, &be);
	rc = rc ? rc : t->ops->set_backend(t, 0, &be);
	backend(1, ADDR_OTHER, &be);
	rc = rc ? rc : t->ops->set_backend(t, 1, &be);
	rc = rc ? rc : set_ring_to(t, 0);
	vip.key.family = LB_AF_INET;
	vip.key.addr.w[0] = lb_htonl(VIP_ADDR);
	vip.key.proto = LB_IPPROTO_TCP;
	vip.key.port = lb_htons(80);
	vip.meta = (struct lb_vip_meta){.vip_id = 0, .ring_size = RING_M, .generation = 1};
	rc = rc ? rc : lbt_install_vips(t, &vip, 1);
	lbt_shm_set_wait_ms(t, 1000);
	return rc;
}

static int group_teardown(void **state)
{
	dp_testenv_fini(&env.dp);
	return 0;
}

/* A TCP SYN to the VIP from a source that varies with n (every packet takes the ring). */
static void syn_frame(uint8_t *f, uint32_t n)
{
	uint32_t src = lb_htonl(0xc6336400u + (n & 0xff)), dst = lb_htonl(VIP_ADDR);
	uint32_t sum = 0;

	memset(f, 0, FRAME_LEN);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\xfe", 12);
	f[12] = 0x08;
	f[14] = 0x45;
	f[17] = FRAME_LEN - 14;
	f[22] = 64;
	f[23] = LB_IPPROTO_TCP;
	memcpy(f + 26, &src, 4);
	memcpy(f + 30, &dst, 4);
	for (int i = 14; i < 34; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[24] = (uint8_t)(~sum >> 8);
	f[25] = (uint8_t)~sum;
	f[34] = (uint8_t)(n >> 8);
	f[35] = (uint8_t)n;
	f[37] = 80;
	f[46] = 0x50;
	f[47] = 0x02;
}

/* Classify one forwarded frame: which backend version, or torn. */
static void classify(const uint8_t *f)
{
	uint32_t dst;

	memcpy(&dst, f + 30, 4); /* outer IPv4 destination */
	dst = lb_ntohl(dst);
	if ((dst != ADDR_A && dst != ADDR_B && dst != ADDR_OTHER) || f[2] != (uint8_t)(dst >> 24) ||
	    f[3] != (uint8_t)(dst >> 16) || f[4] != (uint8_t)(dst >> 8) || f[5] != (uint8_t)dst) {
		env.torn++;
		return;
	}
	if (dst == ADDR_A)
		env.seen_a++;
	else if (dst == ADDR_B)
		env.seen_b++;
	else
		env.seen_other++;
}

static void *worker_thread(void *arg)
{
	struct dp_worker *w = &env.dp.worker;
	struct rte_mbuf *m = rte_pktmbuf_alloc(env.dp.pool);
	uint8_t frame[FRAME_LEN];
	uint32_t n;

	(void)arg;
	if (!m) {
		env.worker_done = 1;
		return NULL;
	}
	dp_worker_online(w);
	for (n = 0; n < PACKETS_MAX; n++) {
		struct lb_result res;

		syn_frame(frame, n);
		rte_pktmbuf_reset(m);
		memcpy(rte_pktmbuf_append(m, FRAME_LEN), frame, FRAME_LEN);
		w->prologue_done = 0;
		dp_worker_process(w, m, &res);
		if (res.verdict == LB_TX)
			classify(rte_pktmbuf_mtod(m, uint8_t *));
		else if (res.verdict == LB_DROP)
			env.dropped++;
		else
			env.not_forwarded++;
		if (n % 32 == 31) {
			lb_shm_lcore_quiescent(w->shm, w->slot);
			if (n >= PACKETS && env.seen_a >= SEEN_MIN && env.seen_b >= SEEN_MIN &&
			    env.seen_other >= SEEN_MIN)
				break;
		}
	}
	dp_worker_offline(w);
	rte_pktmbuf_free(m);
	__atomic_store_n(&env.worker_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_tables_change_under_traffic(void **state)
{
	struct lbt *t = env.dp.tables;
	struct lb_backend a, b;
	unsigned long flips = 0, ring_flips = 0;
	uint32_t rng = 0x9e3779b9u;
	pthread_t th;

	backend(0, ADDR_A, &a);
	backend(0, ADDR_B, &b);
	assert_int_equal(pthread_create(&th, NULL, worker_thread, NULL), 0);
	while (!__atomic_load_n(&env.worker_done, __ATOMIC_ACQUIRE)) {
		assert_int_equal(t->ops->set_backend(t, 0, flips & 1 ? &a : &b), 0);
		flips++;
		rte_delay_us_block(3); /* hold each version for a few packets */
		rng ^= rng << 13;
		rng ^= rng >> 17;
		rng ^= rng << 5;
		if ((rng & 15) == 0) { /* at random: ring flips wait with either version in place */
			assert_int_equal(set_ring_to(t, (uint32_t)(ring_flips & 1) ^ 1), 0);
			ring_flips++;
		}
	}
	pthread_join(th, NULL);
	fprintf(
	    stderr,
	    "  %lu packets: version A %lu, version B %lu, backend 1 %lu, torn %lu, dropped %lu; "
	    "%lu backend writes, %lu ring flips\n",
	    env.seen_a + env.seen_b + env.seen_other + env.torn + env.dropped + env.not_forwarded,
	    env.seen_a, env.seen_b, env.seen_other, env.torn, env.dropped, flips, ring_flips);
	assert_int_equal(env.torn, 0);
	assert_int_equal(env.dropped, 0);
	assert_int_equal(env.not_forwarded, 0);
	/* the worker saw both versions of backend 0 and both rings */
	assert_true(env.seen_a >= SEEN_MIN && env.seen_b >= SEEN_MIN && env.seen_other >= SEEN_MIN);
	assert_true(ring_flips > 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tables_change_under_traffic),
	};

	return cmocka_run_group_tests_name("dpdk_concurrency", tests, group_setup, group_teardown);
}
