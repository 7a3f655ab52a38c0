/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the files of control/daemon/ share and nothing outside uses: the reconcile
 * and sync steps, building and retiring VIPs and backends, adoption, and the service manager's
 * notifications. The public side is daemon.h.
 */
#ifndef EDGELB_CONTROL_DAEMON_INTERNAL_H
#define EDGELB_CONTROL_DAEMON_INTERNAL_H

#include "control/daemon/daemon.h"

/* How often adopted backends' first verdicts are looked for (vips.c). */
#define PROVISIONAL_POLL_NS (50ull * 1000 * 1000)

/* ---- reconcile.c ---- */

/* b's next-hop MAC and tx port from the neighbour table (its own address, or the gateway). */
void ed_resolve_next_hop(struct edgelbd *d, struct ed_backend *b);
/*
 * Rows of backends gaining traffic, then the ring (if membership changed, or force_ring), then
 * rows losing traffic; then the VIP's healthy verdict. True when the ring was replaced (the
 * VIP entries then carry a new generation: ed_sync_vip_entries()).
 */
bool ed_reconcile_vip(struct edgelbd *d, struct ed_vip *v, bool force_ring);
/* Write new and changed VIP entries, then the filter, then delete entries no VIP has any more. */
int ed_sync_vip_entries(struct edgelbd *d);
/* ed_reconcile_vip() and, if the ring changed, the VIP entries; verdict_ns times the change. */
void ed_reconcile_and_sync(struct edgelbd *d, struct ed_vip *v, uint64_t verdict_ns);
void ed_update_vip_health(struct edgelbd *d, struct ed_vip *v);
int ed_write_node_cfg(struct edgelbd *d);
/* Every table again: the fast path lost them (edgelb-dp back, a recreated interface). */
void ed_resync_all(struct edgelbd *d);
void ed_vip_key(const struct config_vip *cv, struct lb_vip_key *key);
void ed_on_neigh_change(void *arg);
void ed_on_precompute_timer(struct evloop *loop, struct ev_timer *timer, void *arg);

/* ---- vips.c ---- */

void ed_health_spec_from_config(const struct config_health *c, struct health_spec *s);
void ed_on_provisional_timer(struct evloop *loop, struct ev_timer *timer, void *arg);

/* What a pinned fast path held when we adopted it (adopt.c). */
struct adopted {
	struct lb_backend *rows; /* LB_MAX_BACKENDS */
	bool *claimed;
	struct lbt_vip_entry *entries;
	size_t n_entries;
};

/* A backend of v with a slot (the one it had in a, if any), its next hop and health checks. */
struct ed_backend *ed_new_backend(struct edgelbd *d, struct ed_vip *v,
				  const struct config_backend *cb, struct adopted *a);
/* Slot freed after its row says DOWN; the next occupant gets a new generation. */
void ed_retire_backend(struct edgelbd *d, struct ed_backend *b);
/* A VIP with its VIP id (the one it had in a, if any) and room for its backends, none yet. */
struct ed_vip *ed_new_vip(struct edgelbd *d, const struct config_vip *cv, struct adopted *a);
void ed_free_vip_shell(struct ed_vip *v);
/* Every VIP and backend of d->cfg. */
int ed_build_vips(struct edgelbd *d, struct adopted *a);

/* ---- adopt.c ---- */

int ed_read_adopted(struct edgelbd *d, struct adopted *a);
void ed_free_adopted(struct adopted *a);
void ed_adopt_backend(struct edgelbd *d, struct adopted *a, struct ed_backend *b);
void ed_adopt_vip(struct edgelbd *d, struct adopted *a, struct ed_vip *v);
/* Slots the old daemon used that no configured backend claimed: DOWN after the rings moved. */
void ed_retire_unclaimed_slots(struct edgelbd *d, struct adopted *a);

/* ---- notify.c ---- */

/* Whether $NOTIFY_SOCKET is there, and the STATUS= timer. */
void ed_notify_init(struct edgelbd *d);
/* READY=1 if main wants it, the fast path is attached and it was not sent yet. */
void ed_notify_if_ready(struct edgelbd *d);
/* Around a reload: RELOADING=1 before, READY=1 (and the reload's error in STATUS=) after. */
bool ed_notify_reloading(struct edgelbd *d);
void ed_notify_reloaded(struct edgelbd *d, bool notified, int rc, const char *err);

#endif
