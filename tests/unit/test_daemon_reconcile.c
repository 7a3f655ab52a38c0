// SPDX-License-Identifier: MIT
/*
 * test_daemon_reconcile.c - edgelbd's reconcile (control/daemon/reconcile.c) against a recording
 * table writer: which backends a VIP's Maglev ring holds after health verdicts, drain and missing
 * next hops, and the order of table writes: a backend losing traffic leaves the ring before its row
 * says DOWN/DRAINING, a backend gaining traffic gets its UP row before the ring names it, and the
 * VIP entries carry the new generation after a ring change. Also the verdicts an observer (BGP)
 * hears.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/daemon/daemon.h"
#include "control/lib/log.h"

#define RING_M    251 /* prime */
#define N_BACKEND 3
#define MAX_CALLS 64

struct call {
	char op;       /* 'R' ring, 'B' backend row, 'V' VIP entry, 'F' filter, 'D' delete */
	uint32_t id;   /* slot for 'B', vip id for 'R' */
	uint8_t state; /* 'B' */
	bool ring_has[N_BACKEND];
	uint32_t generation; /* 'V' */
};

struct recorder {
	struct lbt base;
	struct call calls[MAX_CALLS];
	int n;
};

static struct call *record(struct lbt *t, char op)
{
	struct recorder *r = (struct recorder *)t;

	assert_true(r->n < MAX_CALLS);
	memset(&r->calls[r->n], 0, sizeof(r->calls[0]));
	r->calls[r->n].op = op;
	return &r->calls[r->n++];
}

static int rec_set_node(struct lbt *t, const struct lb_node_cfg *n)
{
	record(t, 'N');
	return 0;
}

static int rec_set_filter(struct lbt *t, const struct lb_vip_filter *f)
{
	record(t, 'F');
	return 0;
}

static int rec_set_vip(struct lbt *t, const struct lb_vip_key *k, const struct lb_vip_meta *m)
{
	record(t, 'V')->generation = m->generation;
	return 0;
}

static int rec_del_vip(struct lbt *t, const struct lb_vip_key *k)
{
	record(t, 'D');
	return 0;
}

static int rec_set_ring(struct lbt *t, uint32_t vip_id, const uint32_t *ring, uint32_t size)
{
	struct call *c = record(t, 'R');

	assert_int_equal(size, RING_M);
	c->id = vip_id;
	for (uint32_t i = 0; i < size; i++) {
		if (ring[i] == LB_NO_BACKEND)
			continue;
		assert_true(ring[i] < N_BACKEND);
		c->ring_has[ring[i]] = true;
	}
	return 0;
}

static int rec_set_backend(struct lbt *t, uint32_t id, const struct lb_backend *be)
{
	struct call *c = record(t, 'B');

	c->id = id;
	c->state = be->state;
	return 0;
}

static int rec_zero(struct lbt *t, uint32_t id, void *out, size_t len)
{
	memset(out, 0, len);
	return 0;
}

static int rec_read_global(struct lbt *t, struct lb_global_stats *s)
{
	return rec_zero(t, 0, s, sizeof(*s));
}

static int rec_read_vip(struct lbt *t, uint32_t id, struct lb_vip_stats *s)
{
	return rec_zero(t, id, s, sizeof(*s));
}

static int rec_read_backend(struct lbt *t, uint32_t id, struct lb_backend_stats *s)
{
	return rec_zero(t, id, s, sizeof(*s));
}

static const struct lbt_ops rec_ops = {
    .set_node = rec_set_node,
    .set_filter = rec_set_filter,
    .set_vip = rec_set_vip,
    .del_vip = rec_del_vip,
    .set_ring = rec_set_ring,
    .set_backend = rec_set_backend,
    .read_global = rec_read_global,
    .read_vip_stats = rec_read_vip,
    .read_backend_stats = rec_read_backend,
};

struct fixture {
	struct edgelbd d;
	struct edgelb_config cfg;
	struct fastpath fp; /* no interfaces; its tables are the recorder */
	struct recorder rec;
	struct ed_vip vip;
	struct ed_vip *vips[1];
	struct ed_backend be[N_BACKEND];
	struct ed_backend *be_list[N_BACKEND];
	int hook_calls;
	bool hook_healthy;
};

static void hook(void *arg, const struct ed_vip *v, bool healthy)
{
	struct fixture *f = arg;

	f->hook_calls++;
	f->hook_healthy = healthy;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	ed_log_settings.level = ED_LOG_ERROR;
	f->cfg.node.ring_size = RING_M;
	f->rec.base.ops = &rec_ops;
	f->d.cfg = &f->cfg;
	f->fp.tables = &f->rec.base;
	f->d.fp = &f->fp;
	f->d.attached = true;
	f->d.ring = calloc(RING_M, sizeof(uint32_t));
	snprintf(f->vip.cfg.name, sizeof(f->vip.cfg.name), "web");
	f->vip.cfg.address.family = LB_AF_INET;
	f->vip.cfg.address.addr.b[0] = 10;
	f->vip.cfg.address.addr.b[3] = 1;
	f->vip.cfg.protocol = 6;
	f->vip.cfg.port = 80;
	f->vip.cfg.min_healthy = 2;
	f->vip.backends = f->be_list;
	f->vip.n_backends = N_BACKEND;
	for (uint32_t i = 0; i < N_BACKEND; i++) {
		struct ed_backend *b = &f->be[i];

		snprintf(b->cfg.name, sizeof(b->cfg.name), "b%u", i + 1);
		b->cfg.address.family = LB_AF_INET;
		b->cfg.address.addr.b[0] = 10;
		b->cfg.address.addr.b[3] = (uint8_t)(11 + i);
		b->cfg.weight = 100;
		b->admin = CONFIG_BACKEND_UP;
		b->slot = i;
		b->generation = 1;
		b->mac_known = true;
		b->mac[5] = (uint8_t)(i + 1);
		b->vip = &f->vip;
		b->d = &f->d;
		f->be_list[i] = b;
	}
	f->vips[0] = &f->vip;
	f->d.vips = f->vips;
	f->d.n_vips = 1;
	edgelbd_set_observer(&f->d, &(struct ed_observer){.vip_health = hook, .arg = f});
	*state = f;
	return f->d.ring ? 0 : -1;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->d.ring);
	free(f->d.installed);
	free(f);
	return 0;
}

/* Index of the first call with op (and slot id for 'B'), -1 if none. */
static int find(const struct recorder *r, char op, int id)
{
	for (int i = 0; i < r->n; i++)
		if (r->calls[i].op == op && (id < 0 || r->calls[i].id == (uint32_t)id))
			return i;
	return -1;
}

static void all_up(struct fixture *f)
{
	for (int i = 0; i < N_BACKEND; i++)
		edgelbd_backend_health(&f->d, &f->be[i], true, "ok");
	f->rec.n = 0;
}

static void test_up_row_before_ring(void **state)
{
	struct fixture *f = *state;
	int row, ring;

	edgelbd_backend_health(&f->d, &f->be[0], true, "ok");
	row = find(&f->rec, 'B', 0);
	ring = find(&f->rec, 'R', -1);
	assert_true(row >= 0 && ring >= 0);
	assert_true(row < ring);
	assert_int_equal(f->rec.calls[row].state, LB_BACKEND_UP);
	assert_true(f->rec.calls[ring].ring_has[0]);
	assert_false(f->rec.calls[ring].ring_has[1]);
	assert_int_equal(f->vip.n_eligible, 1);
}

static void test_down_ring_before_row(void **state)
{
	struct fixture *f = *state;
	int row, ring;

	all_up(f);
	edgelbd_backend_health(&f->d, &f->be[1], false, "refused");
	ring = find(&f->rec, 'R', -1);
	row = find(&f->rec, 'B', 1);
	assert_true(ring >= 0 && row >= 0);
	assert_true(ring < row);
	assert_false(f->rec.calls[ring].ring_has[1]);
	assert_true(f->rec.calls[ring].ring_has[0] && f->rec.calls[ring].ring_has[2]);
	assert_int_equal(f->rec.calls[row].state, LB_BACKEND_DOWN);
	assert_int_equal(find(&f->rec, 'B', 0), -1); /* the others' rows are untouched */
	assert_string_equal(f->be[1].last_reason, "refused");
}

static void test_drain_ring_before_draining_row(void **state)
{
	struct fixture *f = *state;
	int row, ring;

	all_up(f);
	assert_int_equal(edgelbd_set_admin(&f->d, "b3", CONFIG_BACKEND_DRAIN), 0);
	ring = find(&f->rec, 'R', -1);
	row = find(&f->rec, 'B', 2);
	assert_true(ring >= 0 && row > ring);
	assert_false(f->rec.calls[ring].ring_has[2]);
	assert_int_equal(f->rec.calls[row].state, LB_BACKEND_DRAINING);
	assert_int_equal(edgelbd_set_admin(&f->d, "nosuch", CONFIG_BACKEND_DRAIN), -ENOENT);
}

static void test_no_mac_no_ring(void **state)
{
	struct fixture *f = *state;
	int ring;

	f->be[0].mac_known = false;
	all_up(f);
	assert_false(f->be[0].in_ring);
	assert_int_equal(f->be[0].row.state, LB_BACKEND_DOWN);
	assert_true(f->be[1].in_ring && f->be[2].in_ring);
	/* the MAC arrives: the backend joins */
	f->be[0].mac_known = true;
	edgelbd_backend_health(&f->d, &f->be[0], true, "ok");
	ring = find(&f->rec, 'R', -1);
	assert_true(ring > find(&f->rec, 'B', 0));
	assert_true(f->rec.calls[ring].ring_has[0]);
}

static void test_vip_entries_follow_generation(void **state)
{
	struct fixture *f = *state;
	int ring, entry;
	uint32_t gen;

	all_up(f);
	gen = f->vip.generation;
	edgelbd_backend_health(&f->d, &f->be[0], false, "timeout");
	ring = find(&f->rec, 'R', -1);
	entry = find(&f->rec, 'V', -1);
	assert_true(ring >= 0 && entry > ring);
	assert_int_equal(f->vip.generation, gen + 1);
	assert_int_equal(f->rec.calls[entry].generation, gen + 1);
	/* a verdict that changes nothing writes nothing */
	f->rec.n = 0;
	edgelbd_backend_health(&f->d, &f->be[0], false, "timeout");
	assert_int_equal(f->rec.n, 0);
}

static void test_bgp_hook_follows_min_healthy(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->hook_calls, 1); /* once when set: unhealthy */
	assert_false(f->hook_healthy);
	edgelbd_backend_health(&f->d, &f->be[0], true, "ok");
	assert_false(edgelbd_vip_healthy(&f->d, "web"));
	edgelbd_backend_health(&f->d, &f->be[1], true, "ok");
	assert_true(edgelbd_vip_healthy(&f->d, "web"));
	assert_int_equal(f->hook_calls, 2);
	assert_true(f->hook_healthy);
	edgelbd_backend_health(&f->d, &f->be[2], true, "ok");
	assert_int_equal(f->hook_calls, 2); /* still healthy: no call */
	edgelbd_backend_health(&f->d, &f->be[0], false, "refused");
	edgelbd_backend_health(&f->d, &f->be[1], false, "refused");
	assert_false(edgelbd_vip_healthy(&f->d, "web"));
	assert_int_equal(f->hook_calls, 3);
	assert_false(f->hook_healthy);
}

static void test_weights_shape_the_ring(void **state)
{
	struct fixture *f = *state;
	uint32_t count[N_BACKEND] = {0};

	f->be[2].cfg.weight = 200;
	all_up(f);
	for (uint32_t i = 0; i < RING_M; i++)
		if (f->d.ring[i] < N_BACKEND)
			count[f->d.ring[i]]++;
	/* 1:1:2 of 251 slots */
	assert_in_range(count[0], 55, 70);
	assert_in_range(count[1], 55, 70);
	assert_in_range(count[2], 118, 133);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_up_row_before_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_down_ring_before_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain_ring_before_draining_row, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_no_mac_no_ring, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vip_entries_follow_generation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bgp_hook_follows_min_healthy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_weights_shape_the_ring, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
