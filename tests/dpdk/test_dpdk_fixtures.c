// SPDX-License-Identifier: MIT
/*
 * test_dpdk_fixtures.c - every fixture of tests/xdp/fixtures.py through edgelb-dp's own worker
 * (its hooks over the shared-memory table file written by lbtables_shm, its lb_process build,
 * mbuf prepend, its burst loop on net_ring ports): the verdict (from the port the frame left
 * by), the whole output frame byte for byte, the change of every global counter and the per-VIP /
 * per-backend counters, as summed by lbtables_shm's readers. Every scenario has its own tables:
 * reset to the topology through lbtables_shm (fx_tables_reset), then its setup (backend states,
 * rings, generations, and the packets that make the connection entries it needs).
 *
 * Plus the properties of the table file the fixtures do not cover: a second writer is refused,
 * a restarted writer adopts the tables, a redirect leaves by the backend's port, a worker that
 * is online holds a ring flip back until it passes a quiescent point, clear_conns, and an
 * established flow follows a change of its VIP.
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

#include "control/fastpath/lbtables.h"
#include "control/fastpath/lbtables_shm.h"
#include "tests/dpdk/dp_testenv.h"

#include "tests/xdp/fx_check.h"
#include "tests/xdp/fx_tables.h" /* the fixtures, their types and their topology */

#define NCASES (sizeof(fx_cases) / sizeof(fx_cases[0])) /* fixture cases */

static struct {
	struct dp_testenv dp;
	struct lb_backend backends[LB_MAX_BACKENDS];
	struct fx_tables tables; /* reset to the topology before every scenario */
} env;

static const char *verdict_name(int v)
{
	static const char *names[] = {"PASS", "DROP", "TX", "REDIRECT"};

	return v >= 0 && v < 4 ? names[v] : "?";
}

static int group_setup(void **state)
{
	int rc = dp_testenv_init(&env.dp, "dpfx", FX_RING, 4096);

	if (rc) {
		fprintf(stderr, "edgelb-dp test environment: %s\n", strerror(-rc));
		return -1;
	}
	fx_initial_backends(env.backends);
	/* a backend behind another port (XDP: a devmap slot) is behind the second NIC port here */
	for (size_t i = 0; i < LB_MAX_BACKENDS; i++)
		if (env.backends[i].tx_port)
			env.backends[i].tx_port = env.dp.port[DPT_NIC2] + 1u;
	rc = fx_apply_topology(env.dp.tables, env.backends);
	if (rc)
		fprintf(stderr, "writing the tables failed: %s\n", strerror(-rc));
	fx_tables_init(&env.tables, env.dp.tables, env.backends);
	return rc;
}

static int group_teardown(void **state)
{
	dp_testenv_fini(&env.dp);
	return 0;
}

/*
 * The first fixture forwarded to a backend with no table actions before it, of VIP `vip` (-1:
 * any); with plain_tcp4_ipip, also an untagged IPv4 TCP frame without options, sent IP-in-IP.
 */
static const struct fx_case *forwarded_case(int vip, int plain_tcp4_ipip)
{
	for (size_t i = 0; i < NCASES; i++) {
		const struct fx_case *c = &fx_cases[i];

		if (c->verdict != LB_TX || c->nactions != 0 || c->backend < 0 ||
		    (vip >= 0 && c->vip != vip))
			continue;
		if (plain_tcp4_ipip &&
		    !(c->in_len >= 54 && c->in[12] == 0x08 && c->in[13] == 0 && c->in[14] == 0x45 &&
		      c->in[23] == LB_IPPROTO_TCP && c->out_len == c->in_len + 20))
			continue;
		return c;
	}
	return NULL;
}

static void test_fixture(void **state)
{
	const struct fx_case *c = *state;
	struct lbt *t = env.dp.tables;
	struct lb_global_stats before, after;
	struct lb_vip_stats vb = {0};
	struct lb_backend_stats bb = {0};
	unsigned char out[2048];
	size_t out_len = sizeof(out);
	int verdict, bad = 0;

	/* the scenario's own tables: the topology, then its setup */
	env.tables.t = t; /* test_writer_restart_adopts_tables opens the writer anew */
	assert_int_equal(fx_tables_reset(&env.tables), 0);
	for (int i = 0; i < c->nsetup; i++) {
		const struct fx_action *a = &c->setup[i];
		size_t setup_len = sizeof(out);

		if (a->kind != FX_ACT_PACKET)
			assert_int_equal(fx_tables_apply(&env.tables, a), 0);
		else
			assert_int_equal(dp_testenv_run(&env.dp, a->in, a->in_len, out, &setup_len),
					 a->verdict);
	}
	t->ops->read_global(t, &before);
	if (c->vip >= 0 && c->backend >= 0) {
		t->ops->read_vip_stats(t, c->vip, &vb);
		t->ops->read_backend_stats(t, c->backend, &bb);
	}
	verdict = dp_testenv_run(&env.dp, c->in, c->in_len, out, &out_len);
	assert_true(verdict >= 0);
	if (verdict != c->verdict) {
		fprintf(stderr, "  verdict %s, want %s\n", verdict_name(verdict),
			verdict_name(c->verdict));
		bad = 1;
	}
	/* a dropped frame leaves by no port; every other verdict's frame is compared whole */
	if (c->verdict != LB_DROP && (out_len != c->out_len || memcmp(out, c->out, out_len))) {
		fx_hexdump_diff("edgelb-dp", out, out_len, c->out, c->out_len);
		bad = 1;
	}
	t->ops->read_global(t, &after);
	bad |= fx_check_counters("edgelb-dp", c, &before, &after);
	bad |= fx_check_flow_stats("edgelb-dp", t, c, &vb, &bb);
	assert_int_equal(bad, 0);
}

/* ---- table-file properties ---- */

static void test_second_writer_refused(void **state)
{
	assert_null(lbt_shm_new(env.dp.shm_path, FX_RING));
}

static void test_bad_file_refused(void **state)
{
	char path[128], err[200];
	struct lb_shm_map m;
	struct lbt *clobbered;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "/dev/shm/elb-dpfx-bad-%d", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc('x', f); /* long enough to hold a header, but not one */
	fclose(f);
	rc = lb_shm_attach(path, &m, err, sizeof(err));
	clobbered = lbt_shm_new(path, FX_RING); /* a writer does not take it over either */
	lbt_shm_free(clobbered);
	unlink(path);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(err, "magic"));
	assert_null(clobbered);
	assert_int_equal(lb_shm_attach(path, &m, err, sizeof(err)), -ENOENT);
}

static void test_writer_restart_adopts_tables(void **state)
{
	struct lb_global_stats before, after;
	const struct fx_case *fwd = NULL;
	unsigned char out[2048];
	size_t out_len = sizeof(out);

	fwd = forwarded_case(-1, 0);
	assert_non_null(fwd);
	env.dp.tables->ops->read_global(env.dp.tables, &before);
	lbt_shm_free(env.dp.tables); /* edgelbd stops */
	env.dp.tables = NULL;
	/* the fast path forwards on without it */
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_TX);
	assert_int_equal(out_len, fwd->out_len);
	assert_memory_equal(out, fwd->out, out_len);
	/* a writer with another ring capacity may not take the file over */
	assert_null(lbt_shm_new(env.dp.shm_path, FX_RING + 4));
	env.dp.tables = lbt_shm_new(env.dp.shm_path, FX_RING); /* edgelbd comes back: adopts */
	assert_non_null(env.dp.tables);
	env.dp.tables->ops->read_global(env.dp.tables, &after);
	assert_int_equal(after.rx_packets - before.rx_packets, 1);
	assert_int_equal(after.tx - before.tx, 1);
}

static void test_redirect_leaves_by_backend_port(void **state)
{
	const struct fx_case *fwd = NULL;
	struct lb_backend saved;
	unsigned char out[2048];
	size_t out_len = sizeof(out);
	int id;

	fwd = forwarded_case(0, 0);
	assert_non_null(fwd);
	id = fwd->backend;
	saved = env.backends[id];
	env.backends[id].tx_port = env.dp.port[DPT_NIC2] + 1;
	assert_int_equal(env.dp.tables->ops->set_backend(env.dp.tables, id, &env.backends[id]), 0);
	assert_int_equal(env.dp.tables->ops->clear_conns(env.dp.tables), 0);
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_REDIRECT);
	/* a port the node does not drive: dropped, not sent anywhere */
	env.backends[id].tx_port = 200;
	env.dp.tables->ops->set_backend(env.dp.tables, id, &env.backends[id]);
	out_len = sizeof(out);
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_DROP);
	env.backends[id] = saved;
	env.dp.tables->ops->set_backend(env.dp.tables, id, &saved);
}

/*
 * The worker keeps private copies of VIP and backend records (dp_worker.h): a VIP removed or
 * added, or a backend changed, between two bursts must be seen by the second one.
 */
static void test_table_changes_seen_next_burst(void **state)
{
	const struct fx_vip *v = &fx_vips[0];
	const struct fx_case *fwd = NULL;
	struct lbt *t = env.dp.tables;
	struct lbt_vip entry = fx_vip_entry(v);
	struct lb_vip_key key = entry.key;
	struct lb_vip_meta meta = entry.meta;
	unsigned char out[2048];
	size_t out_len = sizeof(out);

	fwd = forwarded_case(0, 0);
	assert_non_null(fwd);

	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_TX);
	assert_int_equal(t->ops->del_vip(t, &key), 0);
	out_len = sizeof(out);
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_PASS);
	assert_int_equal(t->ops->set_vip(t, &key, &meta), 0);
	out_len = sizeof(out);
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_TX);
	assert_int_equal(out_len, fwd->out_len);
	assert_memory_equal(out, fwd->out, fwd->out_len);

	/* the backend goes down: the established flow is re-hashed away from it, or dropped */
	env.backends[fwd->backend].state = LB_BACKEND_DOWN;
	assert_int_equal(t->ops->set_backend(t, fwd->backend, &env.backends[fwd->backend]), 0);
	out_len = sizeof(out);
	dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len);
	assert_true(out_len != fwd->out_len || memcmp(out, fwd->out, fwd->out_len));
	env.backends[fwd->backend].state = LB_BACKEND_UP;
	assert_int_equal(t->ops->set_backend(t, fwd->backend, &env.backends[fwd->backend]), 0);
	assert_int_equal(t->ops->clear_conns(t), 0);
	out_len = sizeof(out);
	assert_int_equal(dp_testenv_run(&env.dp, fwd->in, fwd->in_len, out, &out_len), LB_TX);
	assert_memory_equal(out, fwd->out, fwd->out_len);
}

/*
 * An established flow is decided on its connection entry, which remembers the flow's VIP
 * (lb_fast_established): a change of the VIP's forwarding mode must reach the flow's next packet
 * (the backend stays: the entry), and so must the VIP's deletion.
 */
static void test_established_flow_follows_vip_change(void **state)
{
	const struct fx_vip *v = &fx_vips[0];
	const struct fx_case *fwd = NULL;
	struct lbt *t = env.dp.tables;
	struct lbt_vip entry = fx_vip_entry(v);
	struct lb_vip_key key = entry.key;
	struct lb_vip_meta meta = entry.meta;
	unsigned char in[2048], out[2048];
	size_t out_len;

	fwd = forwarded_case(0, 1);
	assert_non_null(fwd);
	assert_true(fwd->in_len <= sizeof(in));
	assert_int_equal(v->flags & LB_VIP_F_L2DSR, 0);
	memcpy(in, fwd->in, fwd->in_len);
	in[47] = 0x10; /* ACK: the flow's entry decides, made by the first packet */

	for (int i = 0; i < 3; i++) {
		out_len = sizeof(out);
		assert_int_equal(dp_testenv_run(&env.dp, in, fwd->in_len, out, &out_len), LB_TX);
		assert_int_equal(out_len, fwd->in_len + 20);
		assert_memory_equal(out, fwd->out, 14 + 20); /* the fixture's backend and header */
	}
	meta.flags = v->flags | LB_VIP_F_L2DSR;
	assert_int_equal(t->ops->set_vip(t, &key, &meta), 0);
	for (int i = 0; i < 3; i++) {
		out_len = sizeof(out);
		assert_int_equal(dp_testenv_run(&env.dp, in, fwd->in_len, out, &out_len), LB_TX);
		assert_int_equal(out_len, fwd->in_len); /* MAC rewrite only */
		assert_memory_equal(out, fwd->out, 12); /* the same backend's MAC, the node's */
		assert_memory_equal(out + 12, in + 12, fwd->in_len - 12);
	}
	assert_int_equal(t->ops->del_vip(t, &key), 0);
	out_len = sizeof(out);
	assert_int_equal(dp_testenv_run(&env.dp, in, fwd->in_len, out, &out_len), LB_PASS);
	meta.flags = v->flags;
	assert_int_equal(t->ops->set_vip(t, &key, &meta), 0);
	assert_int_equal(t->ops->clear_conns(t), 0);
}

/*
 * The writer may not rewrite a ring buffer an online worker may still read: with the worker
 * online and not polling, the second flip of a VIP's ring waits and gives up (-EBUSY); after the
 * worker passes a quiescent point (one poll), it goes through.
 */
static void test_ring_flip_waits_for_quiescent_worker(void **state)
{
	struct lbt *t = env.dp.tables;
	uint32_t ring[FX_RING];

	fill_ring(ring, fx_vips[0].members, fx_vips[0].nmembers);
	lbt_shm_set_wait_ms(t, 50);
	dp_worker_online(&env.dp.worker);
	assert_int_equal(t->ops->set_ring(t, fx_vips[0].id, ring, FX_RING), 0);
	assert_int_equal(t->ops->set_ring(t, fx_vips[0].id, ring, FX_RING), -EBUSY);
	dp_worker_poll(&env.dp.worker);
	assert_int_equal(t->ops->set_ring(t, fx_vips[0].id, ring, FX_RING), 0);
	dp_worker_offline(&env.dp.worker);
	assert_int_equal(t->ops->set_ring(t, fx_vips[0].id, ring, FX_RING), 0);
	assert_int_equal(t->ops->set_ring(t, fx_vips[0].id, ring, FX_RING + 1), -EINVAL);
	assert_int_equal(t->ops->set_ring(t, LB_MAX_VIPS, ring, FX_RING), -EINVAL);
	lbt_shm_set_wait_ms(t, 2000);
}

int main(void)
{
	static const struct CMUnitTest extra[] = {
	    cmocka_unit_test(test_second_writer_refused),
	    cmocka_unit_test(test_bad_file_refused),
	    cmocka_unit_test(test_writer_restart_adopts_tables),
	    cmocka_unit_test(test_redirect_leaves_by_backend_port),
	    cmocka_unit_test(test_table_changes_seen_next_burst),
	    cmocka_unit_test(test_established_flow_follows_vip_change),
	    cmocka_unit_test(test_ring_flip_waits_for_quiescent_worker),
	};
	size_t n = NCASES + sizeof(extra) / sizeof(extra[0]);
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	int failed;

	for (size_t i = 0; i < NCASES; i++) {
		tests[i].name = fx_cases[i].name;
		tests[i].test_func = test_fixture;
		tests[i].initial_state = (void *)&fx_cases[i];
	}
	memcpy(&tests[NCASES], extra, sizeof(extra));
	failed = _cmocka_run_group_tests("dpdk_fixtures", tests, n, group_setup, group_teardown);
	free(tests);
	return failed;
}
