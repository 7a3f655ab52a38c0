// SPDX-License-Identifier: MIT
/*
 * reconcile.c - the per-VIP reconcile that turns health, admin state and next hops into backend
 * rows and a Maglev ring (computed ahead while idle, control/maglev/ring_cache.h), written in an order
 * that never shows a packet a ring slot whose backend row says DOWN; the VIP entry sync by
 * difference; the node settings; and a health verdict's way into all of it.
 */
#include "control/daemon/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lib/log.h"
#include "control/lib/neigh.h"
#include "control/maglev/maglev.h"
#include "control/maglev/ring_cache.h"

void ed_resolve_next_hop(struct edgelbd *d, struct ed_backend *b)
{
	const struct config_ip *hop = &b->cfg.address;
	int ifindexes[FASTPATH_MAX_IFS], ifindex;
	uint8_t mac[6];

	for (size_t i = 0; i < d->fp->n_ifs; i++)
		ifindexes[i] = d->fp->ifs[i].ifindex;
	if (!neigh_onlink_ifindex(hop->family, &hop->addr, ifindexes, d->fp->n_ifs)) {
		hop =
		    hop->family == LB_AF_INET ? &d->cfg->node.gateway_v4 : &d->cfg->node.gateway_v6;
		if (!hop->family)
			return;
	}
	if (!neigh_lookup(d->neigh, hop->family, &hop->addr, mac, &ifindex))
		return;
	memcpy(b->mac, mac, 6);
	b->mac_known = true;
	b->tx_port = d->fp->n_ifs > 1 ? fastpath_tx_port(d->fp, ifindex) : 0;
}

static bool backend_eligible(const struct ed_backend *b)
{
	return b->admin == CONFIG_BACKEND_UP && b->health_up && b->mac_known;
}

static struct lb_backend backend_row(const struct ed_backend *b)
{
	struct lb_backend row = {
	    .addr = b->cfg.address.addr,
	    .family = b->cfg.address.family,
	    .generation = b->generation,
	    .tx_port = b->tx_port,
	};

	memcpy(row.mac, b->mac, 6);
	if (!b->health_up || !b->mac_known || b->admin == CONFIG_BACKEND_DOWN)
		row.state = LB_BACKEND_DOWN;
	else if (b->admin == CONFIG_BACKEND_DRAIN)
		row.state = LB_BACKEND_DRAINING;
	else
		row.state = LB_BACKEND_UP;
	return row;
}

static int write_row(struct edgelbd *d, struct ed_backend *b, const struct lb_backend *row)
{
	struct lbt *t = d->fp->tables;
	int rc = t->ops->set_backend(t, b->slot, row);

	if (rc) {
		ed_log(ED_LOG_ERROR, "backend %s: write slot %u: %s", b->cfg.name, b->slot,
		       strerror(-rc));
		return rc;
	}
	if (b->row.state != row->state)
		ed_log(ED_LOG_INFO, "backend %s (vip %s): table state %s -> %s", b->cfg.name,
		       b->vip->cfg.name, ed_table_state_name(b->row.state),
		       ed_table_state_name(row->state));
	b->row = *row;
	return 0;
}

static bool ring_membership_changed(const struct ed_vip *v)
{
	for (size_t i = 0; i < v->n_backends; i++)
		if (backend_eligible(v->backends[i]) != v->backends[i]->in_ring)
			return true;
	return false;
}

/* The backends that belong in v's ring now, as Maglev wants them; returns how many. */
static size_t ring_members(const struct ed_vip *v, struct maglev_backend *mb, bool warn)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_backends; i++) {
		struct ed_backend *b = v->backends[i];

		if (backend_eligible(b))
			mb[n++] = (struct maglev_backend){b->cfg.name, b->slot, b->cfg.weight};
		else if (warn && b->admin == CONFIG_BACKEND_UP && b->health_up && !b->mac_known)
			ed_log(ED_LOG_WARN,
			       "backend %s (vip %s): healthy but no next-hop MAC "
			       "resolved yet; kept out of the ring",
			       b->cfg.name, v->cfg.name);
	}
	return n;
}

static void precompute_soon(struct edgelbd *d, struct ed_vip *v)
{
	v->precompute_next = 0;
	if (d->ring_cache && !ev_timer_armed(&d->precompute_timer))
		evloop_timer_arm(d->loop, &d->precompute_timer, 1000000); /* after this burst */
}

static int install_ring(struct edgelbd *d, struct ed_vip *v)
{
	struct maglev_backend *mb = calloc(v->n_backends + 1, sizeof(*mb));
	uint32_t m = d->cfg->node.ring_size, n;
	struct lbt *t = d->fp->tables;
	const uint32_t *ring = NULL;
	int rc = 0;

	if (!mb)
		return -ENOMEM;
	n = (uint32_t)ring_members(v, mb, true);
	/* a backend's death was foreseen: its ring is ready (the same one maglev_build gives) */
	if (d->ring_cache)
		ring = ring_cache_get(d->ring_cache, v->vip_id, mb, n);
	if (!ring) {
		rc = maglev_build(mb, n, m, d->ring);
		ring = d->ring;
	}
	free(mb);
	if (!rc)
		rc = t->ops->set_ring(t, v->vip_id, ring, m);
	if (rc) {
		d->counters.ring_update_errors++;
		ed_log(ED_LOG_ERROR, "vip %s: ring update failed: %s", v->cfg.name, strerror(-rc));
		return rc;
	}
	for (size_t i = 0; i < v->n_backends; i++)
		v->backends[i]->in_ring = backend_eligible(v->backends[i]);
	v->n_eligible = n;
	v->generation++;
	v->ring_installed = true;
	d->counters.ring_updates++;
	precompute_soon(d, v);
	return 0;
}

/*
 * While the loop is idle: for each VIP, the rings it will need if one backend of its current
 * ring dies, one Maglev build per timer tick so that nothing else waits long.
 */
void ed_on_precompute_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct edgelbd *d = arg;

	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];
		struct maglev_backend *mb;
		size_t n;

		if (!v->ring_installed || v->precompute_next >= v->n_eligible)
			continue;
		mb = calloc(v->n_backends + 1, sizeof(*mb));
		if (!mb)
			return;
		n = ring_members(v, mb, false);
		if (v->precompute_next < n) {
			uint32_t k = v->precompute_next;

			mb[k] = mb[n - 1]; /* the membership without backend k */
			if (!ring_cache_get(d->ring_cache, v->vip_id, mb, n - 1) &&
			    !maglev_build(mb, n - 1, d->cfg->node.ring_size, d->spare_ring))
				ring_cache_put(d->ring_cache, v->vip_id, mb, n - 1, d->spare_ring);
		}
		v->precompute_next++;
		free(mb);
		evloop_timer_arm(loop, timer, 0);
		return;
	}
}

void ed_update_vip_health(struct edgelbd *d, struct ed_vip *v)
{
	bool healthy = d->attached && v->n_eligible >= v->cfg.min_healthy;

	if (healthy == v->healthy)
		return;
	v->healthy = healthy;
	ed_log(ED_LOG_INFO, "vip %s: %s (%u of %zu backends in the ring, min_healthy %u)",
	       v->cfg.name, healthy ? "healthy" : "unhealthy", v->n_eligible, v->n_backends,
	       v->cfg.min_healthy);
	if (d->observer.vip_health)
		d->observer.vip_health(d->observer.arg, v, healthy);
}

/*
 * Backends gaining traffic get their row first, then the ring changes, then rows losing traffic
 * are written: a packet never finds a ring slot whose backend row says DOWN, and a backend taken
 * out of the ring is marked DOWN only after, so its flows re-hash onto the new ring at once.
 * Returns true when the ring was replaced (the caller then syncs the VIP entries' generation).
 */
bool ed_reconcile_vip(struct edgelbd *d, struct ed_vip *v, bool force_ring)
{
	bool ring_changed = false;

	for (size_t i = 0; i < v->n_backends; i++) {
		struct ed_backend *b = v->backends[i];
		struct lb_backend row = backend_row(b);

		if (row.state == LB_BACKEND_UP && memcmp(&row, &b->row, sizeof(row)))
			write_row(d, b, &row);
	}
	if (force_ring || !v->ring_installed || ring_membership_changed(v))
		ring_changed = install_ring(d, v) == 0;
	for (size_t i = 0; i < v->n_backends; i++) {
		struct ed_backend *b = v->backends[i];
		struct lb_backend row = backend_row(b);

		if (memcmp(&row, &b->row, sizeof(row)))
			write_row(d, b, &row);
	}
	ed_update_vip_health(d, v);
	return ring_changed;
}

void ed_vip_key(const struct config_vip *cv, struct lb_vip_key *key)
{
	memset(key, 0, sizeof(*key));
	key->addr = cv->address.addr;
	key->family = cv->address.family;
	key->proto = cv->protocol;
	key->port = htons(cv->port);
}

static struct lb_vip_meta vip_meta(const struct edgelbd *d, const struct ed_vip *v)
{
	struct lb_vip_meta meta = {
	    .vip_id = v->vip_id,
	    .ring_size = d->cfg->node.ring_size,
	    .generation = v->generation,
	};

	if (v->cfg.forwarding == CONFIG_FWD_L2DSR)
		meta.flags |= LB_VIP_F_L2DSR;
	if (v->cfg.hash == CONFIG_HASH_SOURCE)
		meta.flags |= LB_VIP_F_SRC_HASH;
	return meta;
}

static bool entry_installed(const struct edgelbd *d, const struct lbt_vip_entry *e, bool exact)
{
	for (size_t i = 0; i < d->n_installed; i++)
		if (!memcmp(&d->installed[i].key, &e->key, sizeof(e->key)))
			return !exact || !memcmp(&d->installed[i].meta, &e->meta, sizeof(e->meta));
	return false;
}

/* Write new and changed VIP entries, then the filter, then delete entries no VIP has any more. */
int ed_sync_vip_entries(struct edgelbd *d)
{
	struct lbt_vip *vips = calloc(d->n_vips + 1, sizeof(*vips));
	struct lbt_vip_entry *e = calloc(3 * d->n_vips + 1, sizeof(*e));
	struct lbt *t = d->fp->tables;
	struct lb_vip_filter filter;
	size_t n = 0;
	int rc = 0;

	if (!vips || !e) {
		free(vips);
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < d->n_vips; i++) {
		if (!d->vips[i]->ring_installed)
			continue;
		ed_vip_key(&d->vips[i]->cfg, &vips[n].key);
		vips[n++].meta = vip_meta(d, d->vips[i]);
	}
	n = lbt_vip_entries(vips, n, e, &filter);
	for (size_t i = 0; i < n && !rc; i++)
		if (!entry_installed(d, &e[i], true))
			rc = t->ops->set_vip(t, &e[i].key, &e[i].meta);
	if (!rc)
		rc = t->ops->set_filter(t, &filter);
	for (size_t i = 0; i < d->n_installed && !rc; i++) {
		struct lbt_vip_entry *old = &d->installed[i];
		bool kept = false;

		for (size_t j = 0; j < n && !kept; j++)
			kept = !memcmp(&e[j].key, &old->key, sizeof(old->key));
		if (!kept)
			rc = t->ops->del_vip(t, &old->key);
	}
	free(vips);
	if (rc) {
		ed_log(ED_LOG_ERROR, "VIP entries: sync failed: %s", strerror(-rc));
		free(e);
		return rc;
	}
	free(d->installed);
	d->installed = e;
	d->n_installed = n;
	return 0;
}

void ed_reconcile_and_sync(struct edgelbd *d, struct ed_vip *v, uint64_t verdict_ns)
{
	if (ed_reconcile_vip(d, v, false)) {
		d->counters.last_ring_update_ns = evloop_now_ns() - verdict_ns;
		ed_sync_vip_entries(d);
	}
}

void edgelbd_backend_health(struct edgelbd *d, struct ed_backend *b, bool up, const char *reason)
{
	uint64_t now = evloop_now_ns();

	b->health_up = up;
	b->provisional = false;
	b->transitions++;
	b->last_change_ns = now;
	snprintf(b->last_reason, sizeof(b->last_reason), "%s", reason);
	ed_reconcile_and_sync(d, b->vip, now);
}

static void node_cfg_from_config(const struct edgelbd *d, struct lb_node_cfg *nc)
{
	const struct config_node *n = &d->cfg->node;
	const struct fastpath_iface *mac_if = &d->fp->ifs[0];

	for (size_t i = 0; i < n->n_interfaces && i < d->fp->n_ifs; i++)
		if (n->interfaces[i].role != CONFIG_IF_UPLINK) {
			mac_if = &d->fp->ifs[i];
			break;
		}
	memset(nc, 0, sizeof(*nc));
	nc->hash_seed = n->hash_seed;
	memcpy(nc->node_mac, mac_if->mac, 6);
	if (n->encap_source_v4.family) {
		nc->src4 = n->encap_source_v4.addr;
		nc->src4_host_mask =
		    n->encap_source_v4.len >= 32 ? 0 : 0xffffffffu >> n->encap_source_v4.len;
	}
	if (n->encap_source_v6.family) {
		uint8_t len = n->encap_source_v6.len;

		nc->src6 = n->encap_source_v6.addr;
		nc->src6_host_mask = len <= 96    ? 0xffffffffu
				     : len >= 128 ? 0
						  : 0xffffffffu >> (len - 96);
	}
	nc->udp_idle_sec = n->udp_idle_timeout_sec;
	nc->tcp_idle_sec = n->tcp_idle_timeout_sec;
}

int ed_write_node_cfg(struct edgelbd *d)
{
	struct lb_node_cfg nc;
	int rc;

	node_cfg_from_config(d, &nc);
	rc = d->fp->tables->ops->set_node(d->fp->tables, &nc);
	if (rc)
		ed_log(ED_LOG_ERROR, "node settings: write failed: %s", strerror(-rc));
	return rc;
}

void ed_on_neigh_change(void *arg)
{
	struct edgelbd *d = arg;
	uint64_t now = evloop_now_ns();

	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];

		for (size_t j = 0; j < v->n_backends; j++)
			ed_resolve_next_hop(d, v->backends[j]);
		ed_reconcile_and_sync(d, v, now);
	}
}

/* Every table again: edgelb-dp came (back), or its exception interface was recreated. */
void ed_resync_all(struct edgelbd *d)
{
	ed_write_node_cfg(d);
	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];

		for (size_t j = 0; j < v->n_backends; j++) {
			ed_resolve_next_hop(d, v->backends[j]);
			v->backends[j]->row.generation = 0; /* forces the row's write */
		}
		ed_reconcile_vip(d, v, true);
	}
	ed_sync_vip_entries(d);
}
