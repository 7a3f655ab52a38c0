// SPDX-License-Identifier: MIT
/*
 * daemon.c - edgelbd's runtime: building it from the config (adopting a pinned fast path), the
 * per-VIP reconcile that turns health, admin state and next hops into backend rows and a Maglev
 * ring, the VIP entry sync by difference, reload as a diff, and the notifications to
 * the service manager (sd_notify; see daemon.h).
 */
#include "control/daemon.h"
#include "control/ring_cache.h"

#include "control/announce.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "control/lbtables_shm.h"
#include "control/lib/log.h"
#include "control/lib/neigh.h"
#include "control/lib/textbuf.h"
#include "control/maglev.h"

#define PROVISIONAL_POLL_NS (50ull * 1000 * 1000)

const char *ed_table_state_name(uint8_t state)
{
	return state == LB_BACKEND_UP ? "up" : state == LB_BACKEND_DRAINING ? "draining" : "down";
}

const char *ed_drop_reason_name(unsigned int reason)
{
	static const char *const names[LB_DROP_MAX] = {
	    [LB_DROP_TRUNC_L2] = "trunc_l2",
	    [LB_DROP_TRUNC_L3] = "trunc_l3",
	    [LB_DROP_BAD_IHL] = "bad_ihl",
	    [LB_DROP_BAD_IP_LEN] = "bad_ip_len",
	    [LB_DROP_IPV6_EXT_LIMIT] = "ipv6_ext_limit",
	    [LB_DROP_TRUNC_L4] = "trunc_l4",
	    [LB_DROP_BAD_TCP_DOFF] = "bad_tcp_doff",
	    [LB_DROP_BAD_UDP_LEN] = "bad_udp_len",
	    [LB_DROP_NO_BACKEND] = "no_backend",
	    [LB_DROP_ENCAP_FAILED] = "encap_failed",
	    [LB_DROP_BAD_ICMP] = "bad_icmp",
	    [LB_DROP_FAMILY] = "family",
	};

	return reason < LB_DROP_MAX && names[reason] ? names[reason] : "unknown";
}

/* ---- lookups ---- */

struct ed_vip *edgelbd_find_vip(struct edgelbd *d, const char *name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		if (!strcmp(d->vips[i]->cfg.name, name))
			return d->vips[i];
	return NULL;
}

struct ed_backend *edgelbd_find_backend(struct edgelbd *d, const char *name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		for (size_t j = 0; j < d->vips[i]->n_backends; j++)
			if (!strcmp(d->vips[i]->backends[j]->cfg.name, name))
				return d->vips[i]->backends[j];
	return NULL;
}

/* ---- next hops ---- */

static void resolve_next_hop(struct edgelbd *d, struct ed_backend *b)
{
	const struct config_ip *hop = &b->cfg.address;
	int ifindexes[XDP_ATTACH_MAX_IFS], ifindex;
	uint8_t mac[6];

	for (size_t i = 0; i < d->fp.n_ifs; i++)
		ifindexes[i] = d->fp.ifs[i].ifindex;
	if (!neigh_onlink_ifindex(hop->family, &hop->addr, ifindexes, d->fp.n_ifs)) {
		hop =
		    hop->family == LB_AF_INET ? &d->cfg->node.gateway_v4 : &d->cfg->node.gateway_v6;
		if (!hop->family)
			return;
	}
	if (!neigh_lookup(d->neigh, hop->family, &hop->addr, mac, &ifindex))
		return;
	memcpy(b->mac, mac, 6);
	b->mac_known = true;
	b->tx_port = d->fp.n_ifs > 1 ? xdp_fastpath_tx_port(&d->fp, ifindex) : 0;
}

/* ---- reconcile ---- */

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
	struct lbt *t = d->fp.tables;
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
	struct lbt *t = d->fp.tables;
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
static void on_precompute_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
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

static void update_vip_health(struct edgelbd *d, struct ed_vip *v)
{
	bool healthy = d->attached && v->n_eligible >= v->cfg.min_healthy;

	if (healthy == v->healthy)
		return;
	v->healthy = healthy;
	ed_log(ED_LOG_INFO, "vip %s: %s (%u of %zu backends in the ring, min_healthy %u)",
	       v->cfg.name, healthy ? "healthy" : "unhealthy", v->n_eligible, v->n_backends,
	       v->cfg.min_healthy);
	if (d->hook)
		d->hook(d->hook_arg, v, healthy);
}

/*
 * Backends gaining traffic get their row first, then the ring changes, then rows losing traffic
 * are written: a packet never finds a ring slot whose backend row says DOWN, and a backend taken
 * out of the ring is marked DOWN only after, so its flows re-hash onto the new ring at once.
 * Returns true when the ring was replaced (the caller then syncs the VIP entries' generation).
 */
static bool reconcile_vip(struct edgelbd *d, struct ed_vip *v, bool force_ring)
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
	update_vip_health(d, v);
	return ring_changed;
}

static void vip_key(const struct config_vip *cv, struct lb_vip_key *key)
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
static int sync_vip_entries(struct edgelbd *d)
{
	struct lbt_vip *vips = calloc(d->n_vips + 1, sizeof(*vips));
	struct lbt_vip_entry *e = calloc(3 * d->n_vips + 1, sizeof(*e));
	struct lbt *t = d->fp.tables;
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
		vip_key(&d->vips[i]->cfg, &vips[n].key);
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

static void reconcile_and_sync(struct edgelbd *d, struct ed_vip *v, uint64_t verdict_ns)
{
	if (reconcile_vip(d, v, false)) {
		d->counters.last_ring_update_ns = evloop_now_ns() - verdict_ns;
		sync_vip_entries(d);
	}
}

/* ---- health ---- */

void edgelbd_backend_health(struct edgelbd *d, struct ed_backend *b, bool up, const char *reason)
{
	uint64_t now = evloop_now_ns();

	b->health_up = up;
	b->provisional = false;
	b->transitions++;
	b->last_change_ns = now;
	snprintf(b->last_reason, sizeof(b->last_reason), "%s", reason);
	reconcile_and_sync(d, b->vip, now);
}

static void on_health_change(void *arg, struct health_target *t, bool up, const char *reason)
{
	struct ed_backend *b = arg;
	struct health_status st;

	health_get_status(t, &st);
	ed_log(ED_LOG_INFO, "backend %s (vip %s) health %s: %s (%u consecutive %s)", b->cfg.name,
	       b->vip->cfg.name, up ? "UP" : "DOWN", reason,
	       up ? st.consecutive_ok : st.consecutive_fail, up ? "successes" : "failures");
	edgelbd_backend_health(b->d, b, up, reason);
}

static void health_spec_from_config(const struct config_health *c, struct health_spec *s)
{
	health_spec_init(s);
	s->type = c->type == CONFIG_HEALTH_HTTP ? HEALTH_HTTP : HEALTH_TCP;
	s->port = c->port;
	snprintf(s->path, sizeof(s->path), "%s", c->path);
	snprintf(s->host, sizeof(s->host), "%s", c->host);
	s->n_expect = (int)c->n_expect_status;
	for (unsigned int i = 0; i < c->n_expect_status && i < HEALTH_MAX_EXPECT; i++)
		s->expect_status[i] = c->expect_status[i];
	snprintf(s->body_contains, sizeof(s->body_contains), "%s", c->body_contains);
	s->interval_ms = c->interval_ms;
	s->timeout_ms = c->timeout_ms;
	s->rise = c->rise;
	s->fall = c->fall;
	s->jitter_pct = c->jitter_pct;
}

static int start_health(struct edgelbd *d, struct ed_backend *b)
{
	struct sockaddr_storage ss = {0};
	struct health_spec spec;
	socklen_t len;

	health_spec_from_config(&b->cfg.health, &spec);
	if (b->cfg.address.family == LB_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(b->cfg.health.port);
		memcpy(&sin->sin_addr, b->cfg.address.addr.b, 4);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(b->cfg.health.port);
		memcpy(&sin6->sin6_addr, b->cfg.address.addr.b, 16);
		len = sizeof(*sin6);
	}
	b->health =
	    health_add(d->hc, (struct sockaddr *)&ss, len, NULL, &spec, on_health_change, b);
	if (!b->health) {
		ed_log(ED_LOG_ERROR, "backend %s: cannot start health checks: %s", b->cfg.name,
		       strerror(errno));
		return -errno;
	}
	return 0;
}

/* Adopted backends count as up until their checks reach a verdict either way. */
static void on_provisional_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct edgelbd *d = arg;
	bool pending = false;

	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];
		bool changed = false;

		for (size_t j = 0; j < v->n_backends; j++) {
			struct ed_backend *b = v->backends[j];
			struct health_status st;

			if (!b->provisional)
				continue;
			health_get_status(b->health, &st);
			if (st.consecutive_fail >= b->cfg.health.fall) {
				b->provisional = false;
				b->health_up = false;
				b->transitions++;
				b->last_change_ns = evloop_now_ns();
				snprintf(b->last_reason, sizeof(b->last_reason), "%s",
					 st.last_failure);
				ed_log(ED_LOG_INFO,
				       "backend %s (vip %s) health DOWN: %s (adopted as up, %u "
				       "consecutive failures)",
				       b->cfg.name, v->cfg.name, st.last_failure,
				       st.consecutive_fail);
				changed = true;
			} else if (st.up) {
				b->provisional = false;
			} else {
				pending = true;
			}
		}
		if (changed)
			reconcile_and_sync(d, v, evloop_now_ns());
	}
	if (pending)
		evloop_timer_arm(loop, timer, PROVISIONAL_POLL_NS);
}

/* ---- slots and ids ---- */

static int alloc_slot(struct edgelbd *d, uint32_t *slot)
{
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++)
		if (!d->slot_used[i]) {
			d->slot_used[i] = true;
			d->slot_gen[i]++;
			if (!d->slot_gen[i])
				d->slot_gen[i] = 1;
			*slot = i;
			return 0;
		}
	return -ENOSPC;
}

static int alloc_vip_id(struct edgelbd *d, uint32_t *id)
{
	for (uint32_t i = 0; i < LB_MAX_VIPS; i++)
		if (!d->vip_id_used[i]) {
			d->vip_id_used[i] = true;
			*id = i;
			return 0;
		}
	return -ENOSPC;
}

/* What a pinned fast path held when we adopted it. */
struct adopted {
	struct lb_backend *rows; /* LB_MAX_BACKENDS */
	bool *claimed;
	struct lbt_vip_entry *entries;
	size_t n_entries;
};

/* The table file's backends and VIP entries (DPDK). */
static void read_adopted_shm(struct edgelbd *d, struct adopted *a, size_t cap)
{
	const struct lb_shm_map *m = lbt_shm_map(d->fp.tables);

	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		lb_shm_read_backend(m->tables, i, &a->rows[i]);
		d->slot_gen[i] = a->rows[i].generation;
	}
	for (uint32_t i = 0; i < LB_SHM_VIP_SLOTS && a->n_entries < cap; i++) {
		const struct lb_shm_vip_slot *slot = &m->tables->vips[i];
		struct lbt_vip_entry *e = &a->entries[a->n_entries];

		if (slot->state != LB_SHM_SLOT_USED)
			continue;
		e->key = slot->key;
		if (!lb_shm_read_vip(m->tables, &e->key, &e->meta))
			a->n_entries++;
	}
}

static int read_adopted(struct edgelbd *d, struct adopted *a)
{
	struct lb_vip_key cur, prev_key;
	const struct lb_vip_key *prev = NULL;
	size_t cap = LB_MAX_VIPS * 4;

	a->rows = calloc(LB_MAX_BACKENDS, sizeof(*a->rows));
	a->claimed = calloc(LB_MAX_BACKENDS, sizeof(*a->claimed));
	a->entries = calloc(cap, sizeof(*a->entries));
	if (!a->rows || !a->claimed || !a->entries)
		return -ENOMEM;
	if (d->dpdk) {
		read_adopted_shm(d, a, cap);
		return 0;
	}
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		if (bpf_map_lookup_elem(d->fp.fds.backends, &i, &a->rows[i]))
			return -errno;
		d->slot_gen[i] = a->rows[i].generation;
	}
	while (a->n_entries < cap && !bpf_map_get_next_key(d->fp.fds.vips, prev, &cur)) {
		struct lbt_vip_entry *e = &a->entries[a->n_entries];

		if (!bpf_map_lookup_elem(d->fp.fds.vips, &cur, &e->meta)) {
			e->key = cur;
			a->n_entries++;
		}
		prev_key = cur;
		prev = &prev_key;
	}
	return 0;
}

static void free_adopted(struct adopted *a)
{
	free(a->rows);
	free(a->claimed);
	free(a->entries);
}

static void adopt_backend(struct edgelbd *d, struct adopted *a, struct ed_backend *b)
{
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		struct lb_backend *row = &a->rows[i];

		if (a->claimed[i] || !row->generation || row->family != b->cfg.address.family ||
		    memcmp(&row->addr, &b->cfg.address.addr, sizeof(row->addr)))
			continue;
		a->claimed[i] = true;
		d->slot_used[i] = true;
		b->slot = i;
		b->generation = row->generation;
		b->row = *row;
		if (row->state != LB_BACKEND_DOWN) {
			b->health_up = true;
			b->provisional = true;
			b->in_ring = row->state == LB_BACKEND_UP;
		}
		memcpy(b->mac, row->mac, 6);
		b->mac_known = memcmp(row->mac, "\0\0\0\0\0\0", 6) != 0;
		b->tx_port = row->tx_port;
		return;
	}
}

static void adopt_vip(struct edgelbd *d, struct adopted *a, struct ed_vip *v)
{
	struct lb_vip_key key;

	vip_key(&v->cfg, &key);
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct lbt_vip_entry *e = &a->entries[i];

		if (memcmp(&e->key, &key, sizeof(key)) || (e->meta.flags & LB_VIP_F_FRAG_ONLY) ||
		    e->meta.vip_id >= LB_MAX_VIPS || d->vip_id_used[e->meta.vip_id])
			continue;
		d->vip_id_used[e->meta.vip_id] = true;
		v->vip_id = e->meta.vip_id;
		v->generation = e->meta.generation;
		return;
	}
}

/* ---- building VIPs and backends ---- */

static struct ed_backend *new_backend(struct edgelbd *d, struct ed_vip *v,
				      const struct config_backend *cb, struct adopted *a)
{
	struct ed_backend *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->cfg = *cb;
	b->vip = v;
	b->d = d;
	b->admin = cb->state;
	b->slot = LB_NO_BACKEND;
	if (a)
		adopt_backend(d, a, b);
	if (b->slot == LB_NO_BACKEND) {
		if (alloc_slot(d, &b->slot)) {
			ed_log(ED_LOG_ERROR, "backend %s: no free backend slot", cb->name);
			free(b);
			return NULL;
		}
		b->generation = d->slot_gen[b->slot];
		b->row.generation = 0; /* forces the first write */
	}
	resolve_next_hop(d, b);
	if (start_health(d, b)) {
		d->slot_used[b->slot] = false;
		free(b);
		return NULL;
	}
	return b;
}

/* Slot freed after its row says DOWN; the next occupant gets a new generation. */
static void retire_backend(struct edgelbd *d, struct ed_backend *b)
{
	struct lb_backend row = b->row;

	if (b->health)
		health_remove(d->hc, b->health);
	row.state = LB_BACKEND_DOWN;
	if (d->fp.tables)
		d->fp.tables->ops->set_backend(d->fp.tables, b->slot, &row);
	d->slot_used[b->slot] = false;
	ed_log(ED_LOG_INFO, "backend %s removed (slot %u free)", b->cfg.name, b->slot);
	free(b);
}

static void free_vip_shell(struct ed_vip *v)
{
	free(v->backends);
	free(v);
}

static struct ed_vip *new_vip(struct edgelbd *d, const struct config_vip *cv, struct adopted *a)
{
	struct ed_vip *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->cfg = *cv;
	v->cfg.backends = NULL;
	v->cfg.n_backends = 0;
	v->vip_id = LB_MAX_VIPS;
	if (a)
		adopt_vip(d, a, v);
	if (v->vip_id == LB_MAX_VIPS && alloc_vip_id(d, &v->vip_id)) {
		ed_log(ED_LOG_ERROR, "vip %s: no free VIP id", cv->name);
		free(v);
		return NULL;
	}
	v->backends = calloc(cv->n_backends + 1, sizeof(*v->backends));
	if (!v->backends) {
		d->vip_id_used[v->vip_id] = false;
		free(v);
		return NULL;
	}
	return v;
}

static void node_cfg_from_config(const struct edgelbd *d, struct lb_node_cfg *nc)
{
	const struct config_node *n = &d->cfg->node;
	const struct xdp_iface *mac_if = &d->fp.ifs[0];

	for (size_t i = 0; i < n->n_interfaces && i < d->fp.n_ifs; i++)
		if (n->interfaces[i].role != CONFIG_IF_UPLINK) {
			mac_if = &d->fp.ifs[i];
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

static int write_node_cfg(struct edgelbd *d)
{
	struct lb_node_cfg nc;
	int rc;

	node_cfg_from_config(d, &nc);
	rc = d->fp.tables->ops->set_node(d->fp.tables, &nc);
	if (rc)
		ed_log(ED_LOG_ERROR, "node settings: write failed: %s", strerror(-rc));
	return rc;
}

static void on_neigh_change(void *arg)
{
	struct edgelbd *d = arg;
	uint64_t now = evloop_now_ns();

	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];

		for (size_t j = 0; j < v->n_backends; j++)
			resolve_next_hop(d, v->backends[j]);
		reconcile_and_sync(d, v, now);
	}
}

static int build_vips(struct edgelbd *d, struct adopted *a)
{
	d->vips = calloc(d->cfg->n_vips + 1, sizeof(*d->vips));
	if (!d->vips)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg->n_vips; i++) {
		const struct config_vip *cv = &d->cfg->vips[i];
		struct ed_vip *v = new_vip(d, cv, a);

		if (!v)
			return -ENOMEM;
		d->vips[d->n_vips++] = v;
		for (size_t j = 0; j < cv->n_backends; j++) {
			struct ed_backend *b = new_backend(d, v, &cv->backends[j], a);

			if (!b)
				return -ENOMEM;
			v->backends[v->n_backends++] = b;
		}
	}
	return 0;
}

/* Slots the old daemon used that no configured backend claimed: DOWN after the rings moved. */
static void retire_unclaimed_slots(struct edgelbd *d, struct adopted *a)
{
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		struct lb_backend row = a->rows[i];

		if (a->claimed[i] || !row.generation || row.state == LB_BACKEND_DOWN)
			continue;
		row.state = LB_BACKEND_DOWN;
		d->fp.tables->ops->set_backend(d->fp.tables, i, &row);
		ed_log(ED_LOG_INFO, "slot %u: backend no longer configured, marked down", i);
	}
}

static int open_fastpath(struct edgelbd *d)
{
	char err[512];
	int rc;

	if (d->dpdk) {
		rc = dpdk_fastpath_open(&d->fp, &d->cfg->node, DPDK_ATTACH_IF_WAIT_MS, err,
					sizeof(err));
		if (rc) {
			ed_log(ED_LOG_ERROR, "fast path (dpdk): %s", err);
			return rc;
		}
		dpdk_fastpath_workers(&d->fp, &d->dpdk_workers);
		d->attached = d->dpdk_workers.alive > 0;
		for (size_t i = 0; i < d->fp.n_ifs; i++)
			ed_log(ED_LOG_INFO, "DPDK exception interface %s (ifindex %d)",
			       d->fp.ifs[i].name, d->fp.ifs[i].ifindex);
		ed_log(ED_LOG_INFO, "DPDK table file %s: %s; edgelb-dp %s", d->fp.pin_dir,
		       d->fp.adopted_maps ? "adopted" : "new",
		       d->attached ? "running" : "not running (yet)");
		return 0;
	}
	rc = xdp_fastpath_open(&d->fp, &d->cfg->node, err, sizeof(err));
	if (rc) {
		ed_log(ED_LOG_ERROR, "fast path: %s", err);
		return rc;
	}
	d->attached = true;
	for (size_t i = 0; i < d->fp.n_ifs; i++)
		ed_log(ED_LOG_INFO, "XDP on %s (ifindex %d): %s", d->fp.ifs[i].name,
		       d->fp.ifs[i].ifindex, d->fp.ifs[i].adopted ? "adopted" : "attached");
	ed_log(ED_LOG_INFO, "tables in %s: %s", d->fp.pin_dir,
	       d->fp.adopted_maps ? "adopted (connections kept)" : "new");
	return 0;
}

/* Every table again: edgelb-dp came (back), or its exception interface was recreated. */
static void resync_all(struct edgelbd *d)
{
	write_node_cfg(d);
	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];

		for (size_t j = 0; j < v->n_backends; j++) {
			resolve_next_hop(d, v->backends[j]);
			v->backends[j]->row.generation = 0; /* forces the row's write */
		}
		reconcile_vip(d, v, true);
	}
	sync_vip_entries(d);
}

/* ---- service manager (sd_notify) ---- */

static void status_text(struct edgelbd *d, struct textbuf *tb)
{
	size_t healthy = 0;

	for (size_t i = 0; i < d->n_vips; i++)
		healthy += d->vips[i]->healthy;
	if (!d->notify.ready)
		tb_printf(tb, "waiting for edgelb-dp: %zu VIPs, tables written to %s", d->n_vips,
			  d->fp.pin_dir);
	else
		tb_printf(tb, "%s: %zu VIPs (%zu healthy), fast path %s",
			  d->attached ? "running" : "degraded", d->n_vips, healthy,
			  d->attached ? "attached"
			  : d->dpdk   ? "detached (edgelb-dp not running)"
				      : "detached");
	if (d->bgp) {
		tb_printf(tb, "; BGP ");
		announce_summary(d->bgp, false, tb);
	}
	if (d->notify.reload_error[0])
		tb_printf(tb, "; last reload failed: %s", d->notify.reload_error);
}

/* `first` (READY=1 and such) with the STATUS= line; without `first`, only a changed STATUS=. */
static void notify_send(struct edgelbd *d, const char *first)
{
	struct textbuf tb = {0};

	if (!d->notify.enabled)
		return;
	status_text(d, &tb);
	if (tb.oom || !tb.data) {
		tb_free(&tb);
		return;
	}
	for (char *p = tb.data; *p; p++)
		if (*p == '\n')
			*p = ' '; /* one assignment per line in the protocol */
	if (first || strcmp(tb.data, d->notify.status)) {
		snprintf(d->notify.status, sizeof(d->notify.status), "%s", tb.data);
		sd_notifyf(0, "%sSTATUS=%s", first ? first : "", tb.data);
	}
	tb_free(&tb);
}

static void notify_if_ready(struct edgelbd *d)
{
	if (!d->notify.wanted || d->notify.ready || d->notify.stopping || !d->attached)
		return;
	d->notify.ready = true;
	notify_send(d, "READY=1\n");
}

static void on_status_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	notify_send(arg, NULL);
	evloop_timer_arm(loop, timer, ED_NOTIFY_STATUS_MS * 1000000ull);
}

void edgelbd_notify_ready(struct edgelbd *d)
{
	d->notify.wanted = true;
	if (d->attached)
		notify_if_ready(d);
	else
		notify_send(d, NULL);
	if (d->notify.enabled && !ev_timer_armed(&d->notify.status_timer))
		evloop_timer_arm(d->loop, &d->notify.status_timer,
				 ED_NOTIFY_STATUS_MS * 1000000ull);
}

void edgelbd_notify_stopping(struct edgelbd *d)
{
	if (!d->notify.wanted || d->notify.stopping)
		return;
	d->notify.stopping = true;
	if (ev_timer_armed(&d->notify.status_timer))
		evloop_timer_cancel(d->loop, &d->notify.status_timer);
	if (d->notify.enabled)
		sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void edgelbd_dpdk_watch(struct edgelbd *d)
{
	struct dpdk_workers w;
	bool was_attached = d->attached, resync = false;
	int ifs;

	dpdk_fastpath_workers(&d->fp, &w);
	d->attached = w.alive > 0;
	if (d->attached != was_attached ||
	    (d->attached && w.pid != d->dpdk_workers.pid && d->dpdk_workers.pid)) {
		ed_log(d->attached ? ED_LOG_INFO : ED_LOG_WARN,
		       "edgelb-dp %s (%u worker(s) alive, pid %u)",
		       d->attached ? "running" : "not running", w.alive, w.pid);
		resync = d->attached;
	}
	d->dpdk_workers = w;
	ifs = dpdk_fastpath_refresh_ifs(&d->fp);
	if (ifs > 0) {
		ed_log(ED_LOG_INFO, "exception interface %s recreated (ifindex %d)",
		       d->fp.ifs[0].name, d->fp.ifs[0].ifindex);
		resync = true;
	}
	if (resync) {
		resync_all(d);
		notify_if_ready(d); /* the first time edgelb-dp runs with every table written */
		return;             /* reconcile_vip updated every VIP's health */
	}
	for (size_t i = 0; d->attached != was_attached && i < d->n_vips; i++)
		update_vip_health(d, d->vips[i]);
}

static void on_dpdk_watch(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	edgelbd_dpdk_watch(arg);
	evloop_timer_arm(loop, timer, DPDK_WATCH_MS * 1000000ull);
}

int edgelbd_start(struct edgelbd *d, struct evloop *loop, struct edgelb_config *cfg,
		  const char *config_path)
{
	struct adopted adopted = {0};
	char err[512];
	int rc;

	d->loop = loop;
	d->cfg = cfg;
	d->started_ns = evloop_now_ns();
	snprintf(d->config_path, sizeof(d->config_path), "%s", config_path);
	ev_timer_init(&d->provisional_timer, on_provisional_timer, d);
	ev_timer_init(&d->dpdk_watch, on_dpdk_watch, d);
	ev_timer_init(&d->notify.status_timer, on_status_timer, d);
	d->notify.enabled = getenv("NOTIFY_SOCKET") != NULL;
	d->dpdk = cfg->node.forwarding == CONFIG_DP_DPDK;
	d->ring = calloc(cfg->node.ring_size, sizeof(*d->ring));
	d->spare_ring = calloc(cfg->node.ring_size, sizeof(*d->spare_ring));
	if (!d->ring || !d->spare_ring)
		return -ENOMEM;
	/* up to 32 MiB of rings computed ahead; without it every failover builds its ring */
	ev_timer_init(&d->precompute_timer, on_precompute_timer, d);
	d->ring_cache = ring_cache_new(cfg->node.ring_size, 32u << 20);
	rc = open_fastpath(d);
	if (rc)
		return rc;
	d->neigh = neigh_open(loop, on_neigh_change, d, err, sizeof(err));
	d->hc = health_new(loop);
	if (!d->neigh || !d->hc) {
		ed_log(ED_LOG_ERROR, "%s", d->neigh ? "health checker: out of memory" : err);
		return -ENOMEM;
	}
	if (d->fp.adopted_maps) {
		rc = read_adopted(d, &adopted);
		if (rc) {
			ed_log(ED_LOG_ERROR, "adopt tables: %s", strerror(-rc));
			free_adopted(&adopted);
			return rc;
		}
	}
	rc = write_node_cfg(d);
	if (!rc)
		rc = build_vips(d, d->fp.adopted_maps ? &adopted : NULL);
	if (!rc) {
		for (size_t i = 0; i < d->n_vips; i++)
			reconcile_vip(d, d->vips[i], true);
		if (d->fp.adopted_maps) {
			d->installed = adopted.entries;
			d->n_installed = adopted.n_entries;
			adopted.entries = NULL;
			retire_unclaimed_slots(d, &adopted);
		}
		rc = sync_vip_entries(d);
	}
	free_adopted(&adopted);
	if (!rc)
		evloop_timer_arm(loop, &d->provisional_timer, PROVISIONAL_POLL_NS);
	if (!rc && d->dpdk)
		evloop_timer_arm(loop, &d->dpdk_watch, DPDK_WATCH_MS * 1000000ull);
	return rc;
}

/*
 * Detach: the VIP entries go first, so a running edgelb-dp passes everything to the kernel
 * instead of forwarding with tables nobody maintains, then the file is removed.
 */
static void close_dpdk(struct edgelbd *d, bool detach)
{
	struct lbt *t = d->fp.tables;
	struct lb_vip_filter none = {0};
	int rc;

	if (!detach) {
		dpdk_fastpath_close(&d->fp);
		ed_log(ED_LOG_INFO, "DPDK tables left in %s (edgelb-dp keeps forwarding)",
		       d->fp.pin_dir);
		return;
	}
	t->ops->set_filter(t, &none);
	for (size_t i = 0; i < d->n_installed; i++)
		t->ops->del_vip(t, &d->installed[i].key);
	rc = dpdk_fastpath_remove(&d->fp);
	ed_log(rc ? ED_LOG_ERROR : ED_LOG_INFO, "DPDK VIP entries removed, table file %s %s%s",
	       d->fp.pin_dir, rc ? "not removed: " : "removed", rc ? strerror(-rc) : "");
}

void edgelbd_shutdown(struct edgelbd *d, bool detach)
{
	for (size_t i = 0; i < d->n_vips; i++) {
		for (size_t j = 0; j < d->vips[i]->n_backends; j++) {
			if (d->vips[i]->backends[j]->health)
				health_remove(d->hc, d->vips[i]->backends[j]->health);
			free(d->vips[i]->backends[j]);
		}
		free_vip_shell(d->vips[i]);
	}
	free(d->vips);
	d->vips = NULL;
	d->n_vips = 0;
	if (ev_timer_armed(&d->provisional_timer))
		evloop_timer_cancel(d->loop, &d->provisional_timer);
	if (ev_timer_armed(&d->dpdk_watch))
		evloop_timer_cancel(d->loop, &d->dpdk_watch);
	if (ev_timer_armed(&d->precompute_timer))
		evloop_timer_cancel(d->loop, &d->precompute_timer);
	if (ev_timer_armed(&d->notify.status_timer))
		evloop_timer_cancel(d->loop, &d->notify.status_timer);
	if (d->hc)
		health_free(d->hc);
	d->hc = NULL;
	neigh_close(d->neigh);
	d->neigh = NULL;
	if (d->dpdk && d->fp.tables) {
		close_dpdk(d, detach);
	} else if (detach && d->attached) {
		int rc = xdp_fastpath_detach(&d->fp);

		ed_log(rc ? ED_LOG_ERROR : ED_LOG_INFO, "fast path detached, pins removed%s%s",
		       rc ? ": " : "", rc ? strerror(-rc) : "");
	} else if (d->attached) {
		xdp_fastpath_close(&d->fp);
		ed_log(ED_LOG_INFO, "fast path left running (pinned in %s)", d->fp.pin_dir);
	}
	d->attached = false;
	free(d->installed);
	d->installed = NULL;
	free(d->ring);
	d->ring = NULL;
	free(d->spare_ring);
	d->spare_ring = NULL;
	ring_cache_free(d->ring_cache);
	d->ring_cache = NULL;
	config_free(d->cfg);
	d->cfg = NULL;
}

/* ---- reload ---- */

static int check_reloadable(const char *file, const struct config_node *a,
			    const struct config_node *b, char *err, size_t errlen)
{
	const char *field = NULL;

	if (a->ring_size != b->ring_size)
		field = "ring_size";
	else if (a->conn_table_size != b->conn_table_size)
		field = "conn_table_size";
	else if (strcmp(a->bpf_pin_dir, b->bpf_pin_dir))
		field = "bpf_pin_dir";
	else if (a->xdp_mode != b->xdp_mode)
		field = "xdp_mode";
	else if (a->forwarding != b->forwarding)
		field = "forwarding";
	else if (strcmp(a->dpdk.shm_path, b->dpdk.shm_path))
		field = "dpdk.shm_path";
	else if (a->n_interfaces != b->n_interfaces)
		field = "interfaces";
	for (size_t i = 0; !field && i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i].name, b->interfaces[i].name) ||
		    a->interfaces[i].role != b->interfaces[i].role)
			field = "interfaces";
	if (!field)
		return 0;
	snprintf(err, errlen, "%s:%d: node.%s: cannot change on reload (detach and restart)",
		 strrchr(file, '/') ? strrchr(file, '/') + 1 : file, b->line, field);
	return -EINVAL;
}

static struct ed_backend *take_backend(struct ed_vip *old, const char *name)
{
	if (!old)
		return NULL;
	for (size_t i = 0; i < old->n_backends; i++) {
		struct ed_backend *b = old->backends[i];

		if (b && !strcmp(b->cfg.name, name)) {
			old->backends[i] = NULL;
			return b;
		}
	}
	return NULL;
}

/* A kept backend takes its new settings; its slot, generation, health state and flows stay. */
static void update_backend(struct ed_backend *b, struct ed_vip *v, const struct config_backend *cb)
{
	struct health_spec spec;

	if (cb->state != b->cfg.state)
		b->admin = cb->state; /* the file changed it: that wins over edgelbctl */
	if (!config_health_equal(&b->cfg.health, &cb->health)) {
		health_spec_from_config(&cb->health, &spec);
		if (health_update_spec(b->health, &spec))
			ed_log(ED_LOG_WARN, "backend %s: new health spec rejected", cb->name);
	}
	b->cfg = *cb;
	b->vip = v;
}

/*
 * Backends leaving on reload are retired only after the rings without them are installed, so
 * their rows turn DOWN after no ring points at them, and their slots are not reused by backends
 * added in the same reload.
 */
struct retire_list {
	struct ed_backend **b;
	size_t n, cap;
};

static int retire_later(struct retire_list *rl, struct ed_backend *b)
{
	if (rl->n == rl->cap) {
		size_t cap = rl->cap ? rl->cap * 2 : 16;
		struct ed_backend **grown = realloc(rl->b, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		rl->b = grown;
		rl->cap = cap;
	}
	rl->b[rl->n++] = b;
	return 0;
}

static void retire_all(struct edgelbd *d, struct retire_list *rl)
{
	for (size_t i = 0; i < rl->n; i++)
		retire_backend(d, rl->b[i]);
	free(rl->b);
	memset(rl, 0, sizeof(*rl));
}

static int rebuild_vip(struct edgelbd *d, struct ed_vip *old, const struct config_vip *cv,
		       struct retire_list *rl, struct ed_vip **out)
{
	struct ed_vip *v = old;

	if (v) {
		struct ed_backend **list = calloc(cv->n_backends + 1, sizeof(*list));

		if (!list)
			return -ENOMEM;
		v->cfg = *cv;
		v->cfg.backends = NULL;
		v->cfg.n_backends = 0;
		/* old->backends keeps the ones not taken: retired by the caller */
		for (size_t j = 0; j < cv->n_backends; j++) {
			const struct config_backend *cb = &cv->backends[j];
			struct ed_backend *b = take_backend(old, cb->name);

			if (b && (b->cfg.address.family != cb->address.family ||
				  memcmp(&b->cfg.address.addr, &cb->address.addr, 16))) {
				if (retire_later(rl, b)) {
					free(list);
					return -ENOMEM;
				}
				b = NULL;
			}
			if (b)
				update_backend(b, v, cb);
			else
				b = new_backend(d, v, cb, NULL);
			if (!b) {
				free(list);
				return -ENOMEM;
			}
			list[j] = b;
		}
		for (size_t j = 0; j < old->n_backends; j++)
			if (old->backends[j] && retire_later(rl, old->backends[j]))
				retire_backend(d, old->backends[j]); /* out of memory: at once */
		free(old->backends);
		v->backends = list;
		v->n_backends = cv->n_backends;
	} else {
		v = new_vip(d, cv, NULL);
		if (!v)
			return -ENOMEM;
		for (size_t j = 0; j < cv->n_backends; j++) {
			struct ed_backend *b = new_backend(d, v, &cv->backends[j], NULL);

			if (!b)
				return -ENOMEM;
			v->backends[v->n_backends++] = b;
		}
	}
	*out = v;
	return 0;
}

static void retire_vip(struct edgelbd *d, struct ed_vip *v)
{
	for (size_t j = 0; j < v->n_backends; j++)
		retire_backend(d, v->backends[j]);
	d->vip_id_used[v->vip_id] = false;
	ed_log(ED_LOG_INFO, "vip %s removed", v->cfg.name);
	if (v->healthy && d->hook)
		d->hook(d->hook_arg, v, false);
	free_vip_shell(v);
}

static int reload(struct edgelbd *d, char *err, size_t errlen)
{
	struct edgelb_config *next = NULL;
	struct config_error cerr;
	struct ed_vip **vips;
	size_t n_old = d->n_vips;
	struct ed_vip **old = d->vips;
	int rc;

	if (config_load(d->config_path, &next, &cerr)) {
		config_format_error(&cerr, err, errlen);
		d->counters.reloads_failed++;
		ed_log(ED_LOG_ERROR, "reload rejected, old configuration kept: %s", err);
		return -EINVAL;
	}
	rc = check_reloadable(d->config_path, &d->cfg->node, &next->node, err, errlen);
	if (rc) {
		d->counters.reloads_failed++;
		ed_log(ED_LOG_ERROR, "reload rejected, old configuration kept: %s", err);
		config_free(next);
		return rc;
	}
	vips = calloc(next->n_vips + 1, sizeof(*vips));
	if (!vips) {
		config_free(next);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	bool node_changed = !config_node_equal(&d->cfg->node, &next->node);
	bool bgp_changed = !config_bgp_equal(&d->cfg->bgp, &next->bgp);
	struct retire_list retiring = {0};
	size_t built = 0;

	config_free(d->cfg);
	d->cfg = next;
	for (size_t i = 0; i < next->n_vips; i++) {
		struct ed_vip *prev = NULL;

		for (size_t j = 0; j < n_old && !prev; j++)
			if (old[j] && !strcmp(old[j]->cfg.name, next->vips[i].name)) {
				prev = old[j];
				old[j] = NULL;
			}
		rc = rebuild_vip(d, prev, &next->vips[i], &retiring, &vips[i]);
		if (rc)
			break;
		built++;
	}
	d->vips = vips;
	d->n_vips = built; /* out of memory: the VIPs built so far, the rest stays unapplied */
	if (node_changed)
		write_node_cfg(d);
	for (size_t i = 0; i < d->n_vips; i++)
		reconcile_vip(d, d->vips[i], true);
	sync_vip_entries(d);
	retire_all(d, &retiring);
	for (size_t j = 0; j < n_old; j++)
		if (old[j])
			retire_vip(d, old[j]);
	free(old);
	if (rc) {
		snprintf(err, errlen, "reload partly applied: out of memory");
		return rc;
	}
	d->counters.reloads_ok++;
	ed_log(ED_LOG_INFO, "reloaded %s: %zu VIPs", d->config_path, d->n_vips);
	if (bgp_changed)
		ed_log(ED_LOG_WARN, "reload: the bgp section changed; it takes effect on restart");
	announce_config_changed(d->bgp);
	return 0;
}

int edgelbd_reload(struct edgelbd *d, char *err, size_t errlen)
{
	/* before READY=1 the manager still waits for the start; a reload changes nothing there */
	bool notify = d->notify.enabled && d->notify.ready && !d->notify.stopping;
	struct timespec now;
	int rc;

	if (notify) {
		/* systemd 253's Type=notify-reload matches MONOTONIC_USEC with its own clock */
		clock_gettime(CLOCK_MONOTONIC, &now);
		sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu",
			   d->config_path,
			   (unsigned long long)now.tv_sec * 1000000ull +
			       (unsigned long long)now.tv_nsec / 1000);
	}
	rc = reload(d, err, errlen);
	snprintf(d->notify.reload_error, sizeof(d->notify.reload_error), "%s", rc ? err : "");
	if (notify)
		notify_send(d, "READY=1\n");
	return rc;
}

/* ---- operator actions and BGP hook ---- */

int edgelbd_set_admin(struct edgelbd *d, const char *backend, enum config_backend_state state)
{
	struct ed_backend *b = edgelbd_find_backend(d, backend);

	if (!b)
		return -ENOENT;
	if (b->admin != state) {
		b->admin = state;
		ed_log(ED_LOG_INFO, "backend %s (vip %s): admin %s (edgelbctl)", b->cfg.name,
		       b->vip->cfg.name, config_backend_state_name(state));
		reconcile_and_sync(d, b->vip, evloop_now_ns());
	}
	return 0;
}

bool edgelbd_vip_healthy(const struct edgelbd *d, const char *vip_name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		if (!strcmp(d->vips[i]->cfg.name, vip_name))
			return d->vips[i]->healthy;
	return false;
}

void edgelbd_set_vip_health_hook(struct edgelbd *d, ed_vip_health_hook hook, void *arg)
{
	d->hook = hook;
	d->hook_arg = arg;
	for (size_t i = 0; hook && i < d->n_vips; i++)
		hook(arg, d->vips[i], d->vips[i]->healthy);
}
