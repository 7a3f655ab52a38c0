// SPDX-License-Identifier: MIT
/* user_tables.c - the userspace runner: hooks over process memory (see user_tables.h). */
#include "dataplane/user/user_tables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lb_user_ctx {
	struct lb_user_tables *t;
	void *buf_start;
};

static uint32_t vip_key_hash(const struct lb_vip_key *key)
{
	const uint32_t *w = (const uint32_t *)key;
	uint32_t h = 0;

	for (size_t i = 0; i < sizeof(*key) / 4; i++)
		h = lb_murmur_mix(h, w[i]);
	return lb_murmur_final(h, sizeof(*key));
}

/* The slot holding key, or the free slot where it would go (NULL: table full). */
static struct lb_user_vip_slot *vip_slot(struct lb_user_tables *t, const struct lb_vip_key *key)
{
	uint32_t i = vip_key_hash(key) & (LB_USER_VIP_SLOTS - 1);
	struct lb_user_vip_slot *tomb = NULL;

	for (uint32_t n = 0; n < LB_USER_VIP_SLOTS; n++, i = (i + 1) & (LB_USER_VIP_SLOTS - 1)) {
		struct lb_user_vip_slot *s = &t->vips[i];

		if (s->used == 1 && !memcmp(&s->key, key, sizeof(*key)))
			return s;
		if (s->used == 2 && !tomb) /* deleted: reusable, but keep probing */
			tomb = s;
		if (s->used == 0)
			return tomb ? tomb : s;
	}
	return tomb;
}

/* ---- the core's hooks ---- */

#define LB_RUNNER_CTX struct lb_user_ctx
#include "dataplane/core/hooks.h"

LB_INLINE const struct lb_node_cfg *lb_hook_node(struct lb_user_ctx *ctx)
{
	return &ctx->t->node;
}

LB_INLINE int lb_hook_vip_addr_filter(struct lb_user_ctx *ctx, const struct lb_flow *f)
{
	return lb_vip_filter_test(&ctx->t->filter, &f->dst, f->family);
}

LB_INLINE const struct lb_vip_meta *lb_hook_vip(struct lb_user_ctx *ctx,
						const struct lb_vip_key *key)
{
	struct lb_user_vip_slot *s = vip_slot(ctx->t, key);

	return (s && s->used == 1) ? &s->meta : NULL;
}

LB_INLINE __u32 lb_hook_ring(struct lb_user_ctx *ctx, const struct lb_vip_meta *vip, __u32 slot)
{
	struct lb_user_tables *t = ctx->t;

	if (vip->vip_id >= LB_MAX_VIPS || !t->rings[vip->vip_id] ||
	    slot >= t->ring_size[vip->vip_id])
		return LB_NO_BACKEND;
	return t->rings[vip->vip_id][slot];
}

LB_INLINE const struct lb_backend *lb_hook_backend(struct lb_user_ctx *ctx, __u32 id)
{
	return id < LB_MAX_BACKENDS ? &ctx->t->backends[id] : NULL;
}

LB_INLINE struct lb_conn *lb_hook_conn_get(struct lb_user_ctx *ctx, const struct lb_flow *key)
{
	return lb_ct_get(&ctx->t->ct, key);
}

/* One table, no cache in front of it: a peek is a lookup, of an entry used this tick. */
LB_INLINE struct lb_conn *lb_hook_conn_peek(struct lb_user_ctx *ctx, const struct lb_flow *key)
{
	struct lb_conn *conn = lb_ct_get(&ctx->t->ct, key);

	return conn && conn->last_seen == ctx->t->now_tick ? conn : NULL;
}

LB_INLINE __u32 lb_hook_vip_epoch(struct lb_user_ctx *ctx, const struct lb_node_cfg *node)
{
	return node->vip_epoch;
}

LB_INLINE int lb_hook_conn_put(struct lb_user_ctx *ctx, const struct lb_flow *key,
			       const struct lb_conn *val)
{
	return lb_ct_put(&ctx->t->ct, key, val);
}

LB_INLINE __u32 lb_hook_now_tick(struct lb_user_ctx *ctx)
{
	return ctx->t->now_tick;
}

LB_INLINE struct lb_global_stats *lb_hook_gstats(struct lb_user_ctx *ctx)
{
	return &ctx->t->gstats;
}

LB_INLINE struct lb_vip_stats *lb_hook_vstats(struct lb_user_ctx *ctx, __u32 vip_id)
{
	return vip_id < LB_MAX_VIPS ? &ctx->t->vstats[vip_id] : NULL;
}

LB_INLINE struct lb_backend_stats *lb_hook_bstats(struct lb_user_ctx *ctx, __u32 id)
{
	return id < LB_MAX_BACKENDS ? &ctx->t->bstats[id] : NULL;
}

LB_INLINE int lb_hook_push(struct lb_user_ctx *ctx, struct lb_pkt *pkt, int len)
{
	if ((char *)pkt->data - (char *)ctx->buf_start < len)
		return -1;
	pkt->data = (char *)pkt->data - len;
	return 0;
}

#include "dataplane/core/lb.h"

void lb_user_run(struct lb_user_tables *t, struct lb_pkt *pkt, void *buf_start,
		 struct lb_result *res)
{
	struct lb_user_ctx ctx = {.t = t, .buf_start = buf_start};

	lb_process(&ctx, pkt, res);
}

/* ---- the table interface (struct lbt_ops, tables.h) ---- */

#define UT(t) ((struct lb_user_tables *)(t))

/* Any VIP entry changed: connection entries must look their VIP up again (struct lb_conn). */
static void vip_epoch_bump(struct lb_user_tables *t)
{
	t->node.vip_epoch++;
}

static int u_set_node(struct lbt *t, const struct lb_node_cfg *node)
{
	uint32_t epoch = UT(t)->node.vip_epoch;

	UT(t)->node = *node;
	UT(t)->node.vip_epoch = epoch; /* ours, whatever the caller passed */
	vip_epoch_bump(UT(t));
	return 0;
}

static int u_set_filter(struct lbt *t, const struct lb_vip_filter *filter)
{
	UT(t)->filter = *filter;
	return 0;
}

static int u_set_vip(struct lbt *t, const struct lb_vip_key *key, const struct lb_vip_meta *meta)
{
	struct lb_user_vip_slot *s = vip_slot(UT(t), key);

	if (!s)
		return -ENOSPC;
	s->key = *key;
	s->meta = *meta;
	s->used = 1;
	vip_epoch_bump(UT(t));
	return 0;
}

static int u_del_vip(struct lbt *t, const struct lb_vip_key *key)
{
	struct lb_user_vip_slot *s = vip_slot(UT(t), key);

	if (s && s->used == 1) {
		s->used = 2;
		vip_epoch_bump(UT(t));
	}
	return 0;
}

static int u_set_ring(struct lbt *t, uint32_t vip_id, const uint32_t *ring, uint32_t size)
{
	uint32_t *copy;

	if (vip_id >= LB_MAX_VIPS)
		return -EINVAL;
	copy = malloc((size_t)size * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, ring, (size_t)size * sizeof(*copy));
	free(UT(t)->rings[vip_id]); /* single-threaded runner: nobody is reading */
	UT(t)->rings[vip_id] = copy;
	UT(t)->ring_size[vip_id] = size;
	return 0;
}

static int u_set_backend(struct lbt *t, uint32_t id, const struct lb_backend *be)
{
	if (id >= LB_MAX_BACKENDS)
		return -EINVAL;
	UT(t)->backends[id] = *be;
	return 0;
}

static int u_read_global(struct lbt *t, struct lb_global_stats *sum)
{
	*sum = UT(t)->gstats;
	return 0;
}

static int u_read_vip_stats(struct lbt *t, uint32_t vip_id, struct lb_vip_stats *sum)
{
	if (vip_id >= LB_MAX_VIPS)
		return -EINVAL;
	*sum = UT(t)->vstats[vip_id];
	return 0;
}

static int u_read_backend_stats(struct lbt *t, uint32_t id, struct lb_backend_stats *sum)
{
	if (id >= LB_MAX_BACKENDS)
		return -EINVAL;
	*sum = UT(t)->bstats[id];
	return 0;
}

static int u_clear_conns(struct lbt *t)
{
	struct lb_user_tables *u = UT(t);

	memset(u->ct_mem, 0, lb_ct_mem_size((u->ct.nbuckets_mask + 1) * LB_CT_WAYS, NULL));
	return 0;
}

static const struct lbt_ops user_ops = {
    .set_node = u_set_node,
    .set_filter = u_set_filter,
    .set_vip = u_set_vip,
    .del_vip = u_del_vip,
    .set_ring = u_set_ring,
    .set_backend = u_set_backend,
    .read_global = u_read_global,
    .read_vip_stats = u_read_vip_stats,
    .read_backend_stats = u_read_backend_stats,
    .clear_conns = u_clear_conns,
};

struct lb_user_tables *lb_user_tables_new(uint32_t conn_entries)
{
	struct lb_user_tables *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->base.ops = &user_ops;
	/* buckets are cache lines (struct lb_ct_bucket): calloc's 16-byte alignment is not enough */
	t->ct_mem = aligned_alloc(64, lb_ct_mem_size(conn_entries, NULL));
	if (!t->ct_mem) {
		free(t);
		return NULL;
	}
	memset(t->ct_mem, 0, lb_ct_mem_size(conn_entries, NULL));
	lb_ct_init(&t->ct, t->ct_mem, conn_entries);
	return t;
}

void lb_user_tables_free(struct lb_user_tables *t)
{
	if (!t)
		return;
	for (int i = 0; i < LB_MAX_VIPS; i++)
		free(t->rings[i]);
	free(t->ct_mem);
	free(t);
}
