// SPDX-License-Identifier: MIT
/*
 * test_fixtures.c - every fixture of tests/xdp/fixtures.py through the XDP program
 * (BPF_PROG_TEST_RUN) and through the userspace runner of the same packet core: the verdict, the
 * whole output frame byte for byte, and the exact change of every global counter, per VIP and per
 * backend counters for forwarded packets. Both runners must match the expectation, so they match
 * each other (parity). Cases run in order: some change backend state or rings first.
 */
#include <errno.h>
#include <sched.h>
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
#include "control/lbtables.h"
#include "dataplane/user/user_tables.h"

#include "tests/xdp/fx_check.h"
#include "tests/xdp/fx_tables.h"

#define NCASES (sizeof(fx_cases) / sizeof(fx_cases[0]))

static struct {
	struct lb *skel;
	struct lbt *xdp;
	struct lb_user_tables *user;
	struct lb_backend backends[LB_MAX_BACKENDS];
} env;

static int both(int (*apply)(struct lbt *t, void *arg), void *arg)
{
	int rc = apply(env.xdp, arg);

	return rc ? rc : apply(&env.user->base, arg);
}

static int apply_action(struct lbt *t, void *arg)
{
	const struct fx_action *a = arg;
	uint32_t ring[FX_RING];

	switch (a->kind) {
	case FX_ACT_RING:
		fill_ring(ring, a->members, a->nmembers);
		return t->ops->set_ring(t, a->target, ring, FX_RING);
	case FX_ACT_STATE:
	case FX_ACT_GEN:
		return t->ops->set_backend(t, a->target, &env.backends[a->target]);
	}
	return -EINVAL;
}

static int group_setup(void **state)
{
	int rc;

	if (fx_load_lb(FX_RING, 4096, &env.skel, &env.xdp, NULL))
		return -1;
	/* backends with tx_port go out of devmap slot tx_port - 1: point it at lo */
	__u32 slot = 0, lo_ifindex = 1;
	if (bpf_map_update_elem(bpf_map__fd(env.skel->maps.tx_ports), &slot, &lo_ifindex, BPF_ANY))
		return -1;
	env.user = lb_user_tables_new(4096);
	if (!env.xdp || !env.user)
		return -1;
	fx_initial_backends(env.backends);
	rc = both(fx_apply_topology, env.backends);
	if (rc)
		fprintf(stderr, "writing the tables failed: %s\n", strerror(-rc));
	return rc;
}

static int group_teardown(void **state)
{
	lbt_bpf_free(env.xdp);
	lb_user_tables_free(env.user);
	lb__destroy(env.skel);
	return 0;
}

static const char *verdict_name(int v)
{
	static const char *names[] = {"PASS", "DROP", "TX", "REDIRECT"};
	return v >= 0 && v < 4 ? names[v] : "?";
}

static int xdp_to_verdict(int act)
{
	switch (act) {
	case XDP_PASS:
		return LB_PASS;
	case XDP_TX:
		return LB_TX;
	case XDP_REDIRECT:
		return LB_REDIRECT;
	default:
		return LB_DROP;
	}
}

/* Run one case through one runner; returns non-zero on any mismatch (after printing it). */
static int run_one(const char *who, struct lbt *t, const struct fx_case *c,
		   int (*run)(const struct fx_case *c, unsigned char *out, size_t *out_len))
{
	struct lb_global_stats before, after;
	struct lb_vip_stats vb = {0};
	struct lb_backend_stats bb = {0};
	unsigned char out[1024];
	size_t out_len = sizeof(out);
	int verdict, bad = 0;

	t->ops->read_global(t, &before);
	if (c->vip >= 0 && c->backend >= 0) {
		t->ops->read_vip_stats(t, c->vip, &vb);
		t->ops->read_backend_stats(t, c->backend, &bb);
	}
	verdict = run(c, out, &out_len);
	if (verdict < 0) {
		fprintf(stderr, "  %s: run failed: %s\n", who, strerror(-verdict));
		return 1;
	}
	if (verdict != c->verdict) {
		fprintf(stderr, "  %s: verdict %s, want %s\n", who, verdict_name(verdict),
			verdict_name(c->verdict));
		bad = 1;
	}
	if (out_len != c->out_len || memcmp(out, c->out, out_len)) {
		fx_hexdump_diff(who, out, out_len, c->out, c->out_len);
		bad = 1;
	}
	t->ops->read_global(t, &after);
	bad |= fx_check_counters(who, c, &before, &after);
	bad |= fx_check_flow_stats(who, t, c, &vb, &bb);
	return bad;
}

static int run_xdp(const struct fx_case *c, unsigned char *out, size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = c->in, .data_size_in = c->in_len,
		    .data_out = out, .data_size_out = (__u32)*out_len, .repeat = 1);
	int rc = bpf_prog_test_run_opts(bpf_program__fd(env.skel->progs.edgelb_xdp), &opts);

	if (rc)
		return -errno;
	*out_len = opts.data_size_out;
	return xdp_to_verdict((int)opts.retval);
}

static int run_user(const struct fx_case *c, unsigned char *out, size_t *out_len)
{
	static unsigned char buf[2048] __attribute__((aligned(64)));
	struct lb_pkt pkt = {.data = buf + 258, .end = buf + 258 + c->in_len};
	struct lb_result res;

	memcpy(pkt.data, c->in, c->in_len);
	lb_user_run(env.user, &pkt, buf, &res);
	*out_len = (size_t)((unsigned char *)pkt.end - (unsigned char *)pkt.data);
	memcpy(out, pkt.data, *out_len);
	return res.verdict;
}

static void test_case(void **state)
{
	const struct fx_case *c = *state;
	int bad = 0;

	for (int i = 0; i < c->nactions; i++) {
		const struct fx_action *a = &c->actions[i];

		if (a->kind == FX_ACT_STATE)
			env.backends[a->target].state = a->value;
		if (a->kind == FX_ACT_GEN)
			env.backends[a->target].generation = a->value;
		assert_int_equal(both(apply_action, (void *)a), 0);
	}
	if (c->xdp)
		bad |= run_one("xdp", env.xdp, c, run_xdp);
	bad |= run_one("userspace", &env.user->base, c, run_user);
	assert_int_equal(bad, 0);
}

/*
 * After all cases: every connection entry the userspace runner made holds its flow's hash (the
 * 5-tuple's, or the source's for a source-hash VIP), which a hit uses as the outer source
 * entropy instead of hashing again. (The fixtures' outputs check that hits use it rightly.)
 */
static void test_conn_entries_keep_flow_hash(void **state)
{
	struct lb_conn_table *ct = &env.user->ct;
	unsigned entries = 0;

	for (uint32_t b = 0; b <= ct->nbuckets_mask; b++) {
		for (int w = 0; w < LB_CT_WAYS; w++) {
			const struct lb_ct_entry *e = &ct->buckets[b].e[w];

			if (!ct->buckets[b].tag[w]) /* free way */
				continue;
			entries++;
			if (e->val.hash != lb_flow_hash(&e->key, FX_SEED))
				assert_int_equal(e->val.hash, lb_src_hash(&e->key, FX_SEED));
		}
	}
	assert_true(entries > 0);
}

/*
 * The XDP runner's connection cache is per CPU (entries reach the shared table after a tick):
 * run every case on one CPU, as RSS keeps a flow on one CPU in production.
 */
static void pin_to_current_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

int main(void)
{
	struct CMUnitTest *tests = calloc(NCASES + 1, sizeof(*tests));

	pin_to_current_cpu();

	for (size_t i = 0; i < NCASES; i++) {
		tests[i].name = fx_cases[i].name;
		tests[i].test_func = test_case;
		tests[i].initial_state = (void *)&fx_cases[i];
	}
	tests[NCASES].name = "conn_entries_keep_flow_hash";
	tests[NCASES].test_func = test_conn_entries_keep_flow_hash;
	int failed =
	    _cmocka_run_group_tests("xdp_fixtures", tests, NCASES + 1, group_setup, group_teardown);
	free(tests);
	return failed;
}
