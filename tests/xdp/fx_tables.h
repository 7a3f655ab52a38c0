/* SPDX-License-Identifier: MIT */
/*
 * fx_tables.h - the fixtures' topology (tests/xdp/fixtures.py -> fixtures.h) written into any
 * table implementation (lbtables.h): node settings, backends, VIPs, pattern-filled rings. Shared
 * by the fixture test and the live veth test's loader, so both run the same tables.
 */
#ifndef EDGELB_TESTS_FX_TABLES_H
#define EDGELB_TESTS_FX_TABLES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control/lbtables.h"
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
enum { FX_ACT_RING = 1, FX_ACT_STATE, FX_ACT_GEN };
struct fx_action {
	int kind, target, value;
	unsigned members[8];
	int nmembers;
};
struct fx_counter {
	const char *name;
	size_t offset;
	unsigned long long delta;
};
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
	const struct fx_action *actions;
	int nactions;
	int xdp;
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

#endif
