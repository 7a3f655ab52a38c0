/* SPDX-License-Identifier: MIT */
/*
 * fx_tables.h - the fixtures' topology (tests/xdp/fixtures.py -> fixtures.h) written into any
 * table implementation (lbtables.h): node settings, backends, VIPs, pattern-filled rings. Shared
 * by the fixture test and the live veth test's loader, so both run the same tables.
 */
#ifndef EDGELB_TESTS_FX_TABLES_H
#define EDGELB_TESTS_FX_TABLES_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/core/pkt.h"

struct fx_backend {
	int id, family;
	unsigned char addr[16], mac[6];
	int tx_port; /* devmap slot + 1, 0: the receiving port */
};
struct fx_vip {
	int id, family;
	unsigned char addr[16];
	int proto, port, flags;
	const unsigned *members;
	int nmembers;
};
/*
 * A table write (a ring's members, a backend's state or generation) or, in a scenario's setup
 * only, a packet the runner decides first (FX_ACT_PACKET: in, in_len, and the verdict it owes;
 * its output and counters are the business of the scenarios that test such a frame).
 */
enum { FX_ACT_RING = 1, FX_ACT_STATE, FX_ACT_GEN, FX_ACT_PACKET };
struct fx_action {
	int kind, target, value;
	unsigned members[8];
	int nmembers;
	const unsigned char *in;
	unsigned in_len;
	int verdict;
};
struct fx_counter {
	const char *name;
	size_t offset;
	unsigned long long delta;
};
/*
 * A scenario: on the topology's tables (fx_apply_topology, no connection entries) after its
 * setup steps, the frame `in` owes `verdict`, the whole output frame `out`, exactly the global
 * counter changes in `counters` (every other counter unchanged) and, when vip and backend are
 * >= 0, one packet of in_len bytes (and a new flow if new_flow) on that VIP's and backend's
 * counters. Scenarios are independent: fx_tables_reset() and the setup make one's tables.
 *
 * actions: for a harness that runs the cases in order on one set of tables without resetting
 * them (nor running setup packets), the table writes from what the previous case needed to what
 * this one needs; fixtures.py checks that every case owes the same that way.
 */
struct fx_case {
	const char *name;
	const unsigned char *in;
	unsigned in_len;
	int verdict;
	const unsigned char *out;
	unsigned out_len;
	const struct fx_counter *counters;
	int ncounters;
	int vip, backend, new_flow, index;
	const struct fx_action *actions; /* in-order replay only (see above) */
	int nactions;
	int xdp; /* 0: BPF_PROG_TEST_RUN cannot run it (a frame shorter than Ethernet's header) */
	const struct fx_action *setup;
	int nsetup;
	unsigned
	    headroom; /* bytes before the frame (fx_user_cases only; 0: the runner's default) */
};

struct fx_decap_case {
	const char *name;
	const unsigned char *in;
	unsigned in_len;
	int verdict;
	const unsigned char *out;
	unsigned out_len;
};

#include "tests/xdp/fixtures.h"

static inline void fill_ring(uint32_t *ring, const unsigned *members, int n)
{
	for (int i = 0; i < FX_RING; i++)
		ring[i] = n ? members[i % n] : LB_NO_BACKEND;
}

/* The backend table as the fixtures start: every backend up, generation 1. */
static inline void fx_initial_backends(struct lb_backend *backends)
{
	for (size_t i = 0; i < sizeof(fx_backends) / sizeof(fx_backends[0]); i++) {
		struct lb_backend *be = &backends[fx_backends[i].id];

		memset(be, 0, sizeof(*be));
		memcpy(be->addr.b, fx_backends[i].addr, 16);
		memcpy(be->mac, fx_backends[i].mac, 6);
		be->family = fx_backends[i].family;
		be->state = LB_BACKEND_UP;
		be->generation = 1;
		be->tx_port = (__u32)fx_backends[i].tx_port;
	}
}

/* A fixture VIP as the table writer takes it: key and meta. */
static inline struct lbt_vip fx_vip_entry(const struct fx_vip *v)
{
	struct lbt_vip e;

	memset(&e, 0, sizeof(e));
	memcpy(e.key.addr.b, v->addr, 16);
	e.key.family = v->family;
	e.key.proto = v->proto;
	e.key.port = lb_htons(v->port);
	e.meta = (struct lb_vip_meta){
	    .vip_id = v->id, .flags = v->flags, .ring_size = FX_RING, .generation = 1};
	return e;
}

/* arg: struct lb_backend[LB_MAX_BACKENDS] from fx_initial_backends() */
static inline int fx_apply_topology(struct lbt *t, void *arg)
{
	struct lb_node_cfg node = {
	    .hash_seed = FX_SEED,
	    .src4_host_mask = FX_SRC4_MASK,
	    .src6_host_mask = FX_SRC6_MASK,
	    .udp_idle_sec = FX_UDP_IDLE,
	    .tcp_idle_sec = FX_TCP_IDLE,
	};
	struct lbt_vip vips[sizeof(fx_vips) / sizeof(fx_vips[0])];
	uint32_t ring[FX_RING];
	int rc;

	memcpy(node.node_mac, fx_node_mac, 6);
	memcpy(node.src4.b, fx_src4, 16);
	memcpy(node.src6.b, fx_src6, 16);
	rc = t->ops->set_node(t, &node);
	for (size_t i = 0; i < sizeof(fx_backends) / sizeof(fx_backends[0]) && !rc; i++)
		rc = t->ops->set_backend(t, fx_backends[i].id,
					 &((struct lb_backend *)arg)[fx_backends[i].id]);
	for (size_t i = 0; i < sizeof(fx_vips) / sizeof(fx_vips[0]); i++) {
		const struct fx_vip *v = &fx_vips[i];

		vips[i] = fx_vip_entry(v);
		fill_ring(ring, v->members, v->nmembers);
		if (!rc)
			rc = t->ops->set_ring(t, v->id, ring, FX_RING);
	}
	return rc ? rc : lbt_install_vips(t, vips, sizeof(vips) / sizeof(vips[0]));
}

/*
 * What a harness keeps of one runner's tables, to give each scenario its own: the backends as
 * the harness first wrote them (fx_apply_topology) and as they are now, and every VIP's ring.
 */
struct fx_tables {
	struct lbt *t;
	struct lb_backend initial[LB_MAX_BACKENDS];
	struct lb_backend cur[LB_MAX_BACKENDS];
	unsigned ring[LB_MAX_VIPS][8];
	int nring[LB_MAX_VIPS];
};

/* After fx_apply_topology(t, initial). */
static inline void fx_tables_init(struct fx_tables *ft, struct lbt *t,
				  const struct lb_backend *initial)
{
	ft->t = t;
	memcpy(ft->initial, initial, sizeof(ft->initial));
	memcpy(ft->cur, initial, sizeof(ft->cur));
	for (size_t i = 0; i < sizeof(fx_vips) / sizeof(fx_vips[0]); i++) {
		ft->nring[fx_vips[i].id] = fx_vips[i].nmembers;
		memcpy(ft->ring[fx_vips[i].id], fx_vips[i].members,
		       (size_t)fx_vips[i].nmembers * sizeof(unsigned));
	}
}

static inline int fx_tables_set_ring(struct fx_tables *ft, int vip_id, const unsigned *members,
				     int n)
{
	uint32_t ring[FX_RING];

	if (n > 8)
		return -EINVAL;
	if (ft->nring[vip_id] == n &&
	    !memcmp(ft->ring[vip_id], members, (size_t)n * sizeof(unsigned)))
		return 0; /* as it is: no ring flip */
	fill_ring(ring, members, n);
	ft->nring[vip_id] = n;
	memcpy(ft->ring[vip_id], members, (size_t)n * sizeof(unsigned));
	return ft->t->ops->set_ring(ft->t, (uint32_t)vip_id, ring, FX_RING);
}

static inline int fx_tables_set_backend(struct fx_tables *ft, int id, const struct lb_backend *be)
{
	if (!memcmp(&ft->cur[id], be, sizeof(*be)))
		return 0;
	ft->cur[id] = *be;
	return ft->t->ops->set_backend(ft->t, (uint32_t)id, be);
}

/* Back to the topology's tables: the first backends and rings, no connection entries. */
static inline int fx_tables_reset(struct fx_tables *ft)
{
	int rc = ft->t->ops->clear_conns(ft->t);

	for (size_t i = 0; i < sizeof(fx_backends) / sizeof(fx_backends[0]) && !rc; i++)
		rc = fx_tables_set_backend(ft, fx_backends[i].id, &ft->initial[fx_backends[i].id]);
	for (size_t i = 0; i < sizeof(fx_vips) / sizeof(fx_vips[0]) && !rc; i++)
		rc = fx_tables_set_ring(ft, fx_vips[i].id, fx_vips[i].members, fx_vips[i].nmembers);
	return rc;
}

/* A table write of a setup (or of an in-order replay); FX_ACT_PACKET is the harness's to run. */
static inline int fx_tables_apply(struct fx_tables *ft, const struct fx_action *a)
{
	struct lb_backend be;

	switch (a->kind) {
	case FX_ACT_RING:
		return fx_tables_set_ring(ft, a->target, a->members, a->nmembers);
	case FX_ACT_STATE:
	case FX_ACT_GEN:
		be = ft->cur[a->target];
		if (a->kind == FX_ACT_STATE)
			be.state = (__u8)a->value;
		else
			be.generation = (__u32)a->value;
		return fx_tables_set_backend(ft, a->target, &be);
	}
	return -EINVAL;
}

#endif
