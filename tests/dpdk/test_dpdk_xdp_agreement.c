// SPDX-License-Identifier: MIT
/*
 * test_dpdk_xdp_agreement.c - 100,000 random flows through the XDP program (BPF_PROG_TEST_RUN of
 * lb.bpf.o) and through edgelb-dp's worker (net_ring ports, shared-memory tables), both given the
 * same tables through lbtables.h: Maglev rings of M = 65537 (control/maglev/maglev.h's maglev_build when
 * it is part of the build, else a seeded shuffle), weighted IPv4 and IPv6 backends, one draining
 * and one down. Every flow must get the same verdict and the byte-identical output frame (so the
 * same backend), and the summed counters must agree.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include "control/fastpath/lbtables_shm.h"
#include "tests/dpdk/dp_testenv.h"
#ifdef HAVE_MAGLEV
#include "control/maglev/maglev.h"
#endif

#define NFLOWS    100000
#define RING_M    LB_RING_SIZE_DEF
#define SEED      0x0badcafeu
#define NB4       24 /* IPv4 backends 0 .. NB4-1 */
#define NB6       8  /* IPv6 backends NB4 .. NB4+NB6-1 */
#define FRAME_MAX 256

static struct {
	struct lb *skel;
	struct lbt *xdp;
	struct dp_testenv dp;
	uint32_t *ring;
	uint64_t rng;
} env;

static uint32_t rnd(void)
{
	env.rng ^= env.rng << 13;
	env.rng ^= env.rng >> 7;
	env.rng ^= env.rng << 17;
	return (uint32_t)(env.rng >> 16);
}

/* ---- topology ---- */

static void backend_of(uint32_t id, struct lb_backend *be)
{
	memset(be, 0, sizeof(*be));
	be->state = LB_BACKEND_UP;
	be->generation = 1;
	be->mac[0] = 0x02;
	be->mac[5] = (uint8_t)id;
	if (id < NB4) {
		be->family = LB_AF_INET;
		be->addr.w[0] = lb_htonl(0x0a640000u + id + 1); /* 10.100.0.x */
	} else {
		be->family = LB_AF_INET6;
		be->addr.w[0] = lb_htonl(0xfd00e1b0u);
		be->addr.w[3] = lb_htonl(id + 1);
	}
	if (id == 3)
		be->state = LB_BACKEND_DRAINING;
	if (id == 5)
		be->state = LB_BACKEND_DOWN;
}

/* The ring of the backends first .. first+n-1: Maglev if available, else a seeded shuffle. */
static int build_ring(uint32_t first, uint32_t n)
{
#ifdef HAVE_MAGLEV
	struct maglev_backend b[NB4 + NB6];
	char keys[NB4 + NB6][24];

	for (uint32_t i = 0; i < n; i++) {
		snprintf(keys[i], sizeof(keys[i]), "backend-%u", first + i);
		b[i] =
		    (struct maglev_backend){.key = keys[i], .id = first + i, .weight = 1 + i % 3};
	}
	return maglev_build(b, n, RING_M, env.ring);
#else
	uint64_t saved = env.rng;

	env.rng = 0x5eed0000ull + first; /* the same ring for both runners */
	for (uint32_t s = 0; s < RING_M; s++)
		env.ring[s] = first + s % n;
	for (uint32_t s = RING_M - 1; s > 0; s--) {
		uint32_t j = rnd() % (s + 1), t = env.ring[s];

		env.ring[s] = env.ring[j];
		env.ring[j] = t;
	}
	env.rng = saved;
	return 0;
#endif
}

static struct lbt_vip vip_of(int id)
{
	struct lbt_vip v = {0};

	v.meta.vip_id = (uint32_t)id;
	v.meta.ring_size = RING_M;
	v.meta.generation = 1;
	switch (id) {
	case 0: /* IPv4 TCP 443 -> IPv4 backends */
		v.key.family = LB_AF_INET;
		v.key.addr.w[0] = lb_htonl(0xc000020au); /* 192.0.2.10 */
		v.key.proto = LB_IPPROTO_TCP;
		v.key.port = lb_htons(443);
		break;
	case 1: /* IPv6 TCP 443 -> IPv6 backends */
		v.key.family = LB_AF_INET6;
		v.key.addr.w[0] = lb_htonl(0x20010db8u);
		v.key.addr.w[3] = lb_htonl(0x10);
		v.key.proto = LB_IPPROTO_TCP;
		v.key.port = lb_htons(443);
		break;
	default: /* IPv4 UDP, all ports -> IPv6 backends (IPv4-in-IPv6) */
		v.key.family = LB_AF_INET;
		v.key.addr.w[0] = lb_htonl(0xc000020bu); /* 192.0.2.11 */
		v.key.proto = LB_IPPROTO_UDP;
		break;
	}
	return v;
}

static int write_tables(struct lbt *t)
{
	struct lb_node_cfg node = {.hash_seed = SEED,
				   .src4_host_mask = 0xffff,
				   .src6_host_mask = 0xffffffff,
				   .udp_idle_sec = 30};
	struct lbt_vip vips[3];
	int rc;

	memcpy(node.node_mac, "\x02\x00\x00\x00\x00\x01", 6);
	node.src4.w[0] = lb_htonl(0xac1f0000u);
	node.src6.w[0] = lb_htonl(0xfd00e1bfu);
	rc = t->ops->set_node(t, &node);
	for (uint32_t id = 0; id < NB4 + NB6 && !rc; id++) {
		struct lb_backend be;

		backend_of(id, &be);
		rc = t->ops->set_backend(t, id, &be);
	}
	for (int v = 0; v < 3 && !rc; v++) {
		vips[v] = vip_of(v);
		rc = v == 0 ? build_ring(0, NB4) : build_ring(NB4, NB6);
		if (!rc)
			rc = t->ops->set_ring(t, (uint32_t)v, env.ring, RING_M);
	}
	return rc ? rc : lbt_install_vips(t, vips, 3);
}

static int group_setup(void **state)
{
	int rc;

	env.rng = 0x9e3779b97f4a7c15ull;
	env.ring = calloc(RING_M, sizeof(*env.ring));
	if (!env.ring || fx_load_lb(RING_M, 4 * NFLOWS, &env.skel, &env.xdp, NULL))
		return -1;
	rc = dp_testenv_init(&env.dp, "dpagree", RING_M, 4 * NFLOWS);
	if (rc) {
		fprintf(stderr, "edgelb-dp test environment: %s\n", strerror(-rc));
		return -1;
	}
	rc = write_tables(env.xdp);
	if (!rc)
		rc = write_tables(env.dp.tables);
	if (rc)
		fprintf(stderr, "writing the tables failed: %s\n", strerror(-rc));
	return rc;
}

static int group_teardown(void **state)
{
	dp_testenv_fini(&env.dp);
	lbt_bpf_free(env.xdp);
	lb__destroy(env.skel);
	free(env.ring);
	return 0;
}

/* ---- frames ---- */

static uint16_t csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* A random client's packet to VIP v: TCP SYN or ACK, or UDP; returns the frame length. */
static size_t random_frame(unsigned char *f, int v)
{
	struct lbt_vip vip = vip_of(v);
	int v6 = vip.key.family == LB_AF_INET6;
	int udp = vip.key.proto == LB_IPPROTO_UDP;
	size_t l4 = udp ? 8 : 20, payload = rnd() % 32, l3 = v6 ? 40 : 20;
	unsigned char *ip = f + 14, *th = ip + l3;
	uint16_t sport = (uint16_t)(1024 + rnd() % 64000);
	uint16_t dport = udp ? (uint16_t)(1 + rnd() % 65535) : 443;

	memset(f, 0, 14 + l3 + l4 + payload);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\xfe", 12);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		uint32_t src[4] = {lb_htonl(0x20010db8u), lb_htonl(0xc0000000u | (rnd() & 0xffff)),
				   rnd(), rnd()};

		ip[0] = 0x60;
		ip[4] = (uint8_t)((l4 + payload) >> 8);
		ip[5] = (uint8_t)(l4 + payload);
		ip[6] = vip.key.proto;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, vip.key.addr.b, 16);
	} else {
		uint32_t src = lb_htonl(0xc6336400u) ^ (rnd() & 0xffff0000u); /* 198.51.x.x-ish */
		uint32_t sum = 0;

		ip[0] = 0x45;
		ip[2] = (uint8_t)((l3 + l4 + payload) >> 8);
		ip[3] = (uint8_t)(l3 + l4 + payload);
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = vip.key.proto;
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, vip.key.addr.b, 4);
		for (int i = 0; i < 20; i += 2)
			sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		uint16_t c = csum_fold(sum);

		ip[10] = (uint8_t)(c >> 8);
		ip[11] = (uint8_t)c;
	}
	th[0] = (uint8_t)(sport >> 8);
	th[1] = (uint8_t)sport;
	th[2] = (uint8_t)(dport >> 8);
	th[3] = (uint8_t)dport;
	if (udp) {
		th[4] = (uint8_t)((l4 + payload) >> 8);
		th[5] = (uint8_t)(l4 + payload);
	} else {
		th[12] = 0x50;
		th[13] = (rnd() & 1) ? 0x02 : 0x10; /* SYN or ACK */
	}
	for (size_t i = 0; i < payload; i++)
		th[l4 + i] = (uint8_t)rnd();
	return 14 + l3 + l4 + payload;
}

static int run_xdp(const unsigned char *in, size_t len, unsigned char *out, size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = FRAME_MAX, .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(env.skel->progs.edgelb_xdp), &opts))
		return -errno;
	*out_len = opts.data_size_out;
	return (int)opts.retval;
}

/* Outer destination of a forwarded frame -> backend id (for the spread check). */
static int backend_in_frame(const unsigned char *f, size_t len)
{
	struct lb_backend be;

	for (uint32_t id = 0; id < NB4 + NB6; id++) {
		backend_of(id, &be);
		if (be.family == LB_AF_INET && len >= 34 && f[12] == 0x08 &&
		    !memcmp(f + 30, be.addr.b, 4))
			return (int)id;
		if (be.family == LB_AF_INET6 && len >= 54 && f[12] == 0x86 &&
		    !memcmp(f + 38, be.addr.b, 16))
			return (int)id;
	}
	return -1;
}

static void test_100k_flows_agree(void **state)
{
	static unsigned char in[DP_BURST][FRAME_MAX], xout[DP_BURST][FRAME_MAX];
	static unsigned char dout[DP_BURST][256];
	const unsigned char *inp[DP_BURST];
	size_t in_len[DP_BURST], xout_len[DP_BURST], dout_len[DP_BURST];
	unsigned per_backend[NB4 + NB6] = {0};
	unsigned forwarded = 0, mismatches = 0;
	struct lb_global_stats xg, dg;

	for (unsigned done = 0; done < NFLOWS; done += DP_BURST) {
		unsigned n = NFLOWS - done < DP_BURST ? NFLOWS - done : DP_BURST, nx = 0;
		int nd;

		for (unsigned i = 0; i < n; i++) {
			in_len[i] = random_frame(in[i], (int)(rnd() % 3));
			inp[i] = in[i];
			int act = run_xdp(in[i], in_len[i], xout[nx], &xout_len[nx]);

			assert_true(act >= 0);
			if (act == XDP_TX)
				nx++;
			else
				assert_int_equal(act, XDP_DROP); /* all traffic is for a VIP */
		}
		nd = dp_testenv_run_burst(&env.dp, inp, in_len, n, dout, dout_len);
		assert_int_equal(nd, (int)nx);
		for (unsigned i = 0; i < nx; i++) {
			int b = backend_in_frame(xout[i], xout_len[i]);

			if (xout_len[i] != dout_len[i] || memcmp(xout[i], dout[i], xout_len[i])) {
				if (mismatches++ < 5)
					fprintf(stderr,
						"  flow %u: XDP and edgelb-dp frames differ\n",
						done + i);
			}
			assert_true(b >= 0);
			per_backend[b]++;
		}
		forwarded += nx;
	}
	assert_int_equal(mismatches, 0);
	/* the draining and the down backend take no new flow; every other one takes its share */
	for (uint32_t id = 0; id < NB4 + NB6; id++) {
		if (id == 3 || id == 5)
			assert_int_equal(per_backend[id], 0);
		else
			assert_true(per_backend[id] > NFLOWS / 3 / NB4 / 4);
	}
	assert_true(forwarded > NFLOWS * 8 / 10);
	assert_true(forwarded < NFLOWS); /* flows hashed onto the down / draining slots drop */
	env.xdp->ops->read_global(env.xdp, &xg);
	env.dp.tables->ops->read_global(env.dp.tables, &dg);
	assert_memory_equal(&xg, &dg, sizeof(xg));
	assert_int_equal(dg.rx_packets, NFLOWS);
	fprintf(stderr, "  %u flows, %u forwarded, identical frames and counters\n", NFLOWS,
		forwarded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_100k_flows_agree),
	};

	return cmocka_run_group_tests_name("dpdk_xdp_agreement", tests, group_setup,
					   group_teardown);
}
