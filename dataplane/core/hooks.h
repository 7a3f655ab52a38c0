/* SPDX-License-Identifier: MIT */
/*
 * hooks.h - the runner contract: every function the packet core (lb.h) calls in the runner that
 * runs it (bpf/lb.bpf.c, dataplane/dpdk/dp_worker.c, dataplane/user/user_tables.c), declared
 * here with its exact type. Each runner defines all of them, static and inline; lb.h includes
 * this file, so a runner whose definition differs from the declaration here (another return
 * type, another parameter, its context mistyped) does not compile ("conflicting types"), and
 * one that leaves a hook out does not compile either (a static function declared, or used, but
 * never defined).
 *
 * The context: each runner names the type of its per-packet context, before including this file
 * (or lb.h, which includes it):
 *
 *   #define LB_RUNNER_CTX struct lb_xdp_ctx
 *
 * and its hooks take that type. The core passes the runner's pointer through untouched (it never
 * looks inside), and lb_process() and lb_process_parsed() take it, so a runner that passes
 * another pointer is told at compile time too. A runner that does not name its type gets `void`:
 * every pointer converts, which only checks the rest of each signature (the transitional form; a
 * runner should name its type).
 *
 * Tables (lb_hook_vip, lb_hook_backend, lb_hook_ring, the lb_hook_conn_*):
 *   - the pointers lb_hook_vip and lb_hook_backend return need only stay valid until the next
 *     call of the same hook: the core holds one VIP and one backend at a time (the DPDK worker
 *     returns entries of small direct-mapped caches, which the next lookup may overwrite);
 *   - lb_hook_conn_peek returns an entry only if it was already used this tick (its last_seen
 *     equals lb_hook_now_tick()), so that a peeked entry needs no idle check and no refresh; it
 *     may miss where lb_hook_conn_get would find (the XDP runner peeks at its per-CPU cache
 *     only) and has no side effects beyond those of a hit; whatever it returns, the core may
 *     still call lb_hook_conn_get for the same flow.
 *
 * Nothing here allocates, locks or calls the system: hooks are map lookups or array indexing.
 */
#ifndef EDGELB_CORE_HOOKS_H
#define EDGELB_CORE_HOOKS_H

#include "types.h"
#include "tables.h"
#include "parse.h"
#include "pkt.h"

#ifndef LB_RUNNER_CTX
#define LB_RUNNER_CTX void
#endif

/* The runner's per-packet context, as the core and the hooks pass it. */
typedef LB_RUNNER_CTX lb_ctx;

/* Node-wide settings (hash seed, encapsulation sources, idle limits); 0: not configured. */
LB_INLINE const struct lb_node_cfg *lb_hook_node(lb_ctx *ctx);

/* 0 if the destination is surely not a VIP address (the VIP filter), else 1. */
LB_INLINE int lb_hook_vip_addr_filter(lb_ctx *ctx, const struct lb_flow *f);

/* The VIP entry of a key, or 0. key is 8-byte aligned. */
LB_INLINE const struct lb_vip_meta *lb_hook_vip(lb_ctx *ctx, const struct lb_vip_key *key);

/* The backend id in slot `slot` of the VIP's live ring, or LB_NO_BACKEND. */
LB_INLINE __u32 lb_hook_ring(lb_ctx *ctx, const struct lb_vip_meta *vip, __u32 slot);

/* Backend slot `id`, or 0 if there is no such slot. */
LB_INLINE const struct lb_backend *lb_hook_backend(lb_ctx *ctx, __u32 id);

/* The flow's connection entry if at hand cheaply and used this tick, else 0 (see above). */
LB_INLINE struct lb_conn *lb_hook_conn_peek(lb_ctx *ctx, const struct lb_flow *key);

/* The flow's connection entry (writable: the core refreshes last_seen and the VIP stamp), or 0. */
LB_INLINE struct lb_conn *lb_hook_conn_get(lb_ctx *ctx, const struct lb_flow *key);

/* Make or replace the flow's entry; non-zero if it could not be stored (counted, not fatal). */
LB_INLINE int lb_hook_conn_put(lb_ctx *ctx, const struct lb_flow *key, const struct lb_conn *val);

/* The coarse clock, in units of 2^LB_TICK_SHIFT ns. */
LB_INLINE __u32 lb_hook_now_tick(lb_ctx *ctx);

/* A value that moves whenever a VIP entry changes (it may move more often). */
LB_INLINE __u32 lb_hook_vip_epoch(lb_ctx *ctx, const struct lb_node_cfg *node);

/* This CPU's (lcore's) counters; 0: none, and then the packet is passed uncounted. */
LB_INLINE struct lb_global_stats *lb_hook_gstats(lb_ctx *ctx);
LB_INLINE struct lb_vip_stats *lb_hook_vstats(lb_ctx *ctx, __u32 vip_id);
LB_INLINE struct lb_backend_stats *lb_hook_bstats(lb_ctx *ctx, __u32 backend_id);

/*
 * Grow the frame's head by len bytes (the outer header's room): pkt->data moves back by len, and
 * both pointers are valid again afterwards. Non-zero if there is no room.
 */
LB_INLINE int lb_hook_push(lb_ctx *ctx, struct lb_pkt *pkt, int len);

#endif
