// SPDX-License-Identifier: MIT
/*
 * lifecycle.c - the runtime's start (fast path opened or adopted, neighbours, health checks, the
 * first sync of every table), its watch of the fast path, and its shutdown (the fast path left
 * forwarding, or detached).
 */
#include "control/daemon/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lib/log.h"
#include "control/lib/neigh.h"
#include "control/maglev/ring_cache.h"

void edgelbd_fastpath_watch(struct edgelbd *d)
{
	bool was_attached = d->attached, rewrite = fastpath_watch(d->fp);

	d->attached = fastpath_alive(d->fp);
	if (rewrite) {
		ed_resync_all(d);
		ed_notify_if_ready(d); /* the first time edgelb-dp runs with every table written */
		return;                /* reconcile_vip updated every VIP's health */
	}
	for (size_t i = 0; d->attached != was_attached && i < d->n_vips; i++)
		ed_update_vip_health(d, d->vips[i]);
}

static void on_fastpath_watch(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct edgelbd *d = arg;

	edgelbd_fastpath_watch(d);
	evloop_timer_arm(loop, timer, fastpath_watch_ms(d->fp) * 1000000ull);
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
	ev_timer_init(&d->provisional_timer, ed_on_provisional_timer, d);
	ev_timer_init(&d->fastpath_watch, on_fastpath_watch, d);
	ed_notify_init(d);
	d->ring = calloc(cfg->node.ring_size, sizeof(*d->ring));
	d->spare_ring = calloc(cfg->node.ring_size, sizeof(*d->spare_ring));
	if (!d->ring || !d->spare_ring)
		return -ENOMEM;
	/* up to 32 MiB of rings computed ahead; without it every failover builds its ring */
	ev_timer_init(&d->precompute_timer, ed_on_precompute_timer, d);
	d->ring_cache = ring_cache_new(cfg->node.ring_size, 32u << 20);
	rc = fastpath_open(&cfg->node, &d->fp);
	if (rc)
		return rc;
	d->attached = fastpath_alive(d->fp);
	d->neigh = neigh_open(loop, ed_on_neigh_change, d, err, sizeof(err));
	d->hc = health_new(loop);
	if (!d->neigh || !d->hc) {
		ed_log(ED_LOG_ERROR, "%s", d->neigh ? "health checker: out of memory" : err);
		return -ENOMEM;
	}
	if (d->fp->adopted) {
		rc = ed_read_adopted(d, &adopted);
		if (rc) {
			ed_log(ED_LOG_ERROR, "adopt tables: %s", strerror(-rc));
			ed_free_adopted(&adopted);
			return rc;
		}
	}
	rc = ed_write_node_cfg(d);
	if (!rc)
		rc = ed_build_vips(d, d->fp->adopted ? &adopted : NULL);
	if (!rc) {
		for (size_t i = 0; i < d->n_vips; i++)
			ed_reconcile_vip(d, d->vips[i], true);
		if (d->fp->adopted) {
			d->installed = adopted.entries;
			d->n_installed = adopted.n_entries;
			adopted.entries = NULL;
			ed_retire_unclaimed_slots(d, &adopted);
		}
		rc = ed_sync_vip_entries(d);
	}
	ed_free_adopted(&adopted);
	if (!rc)
		evloop_timer_arm(loop, &d->provisional_timer, PROVISIONAL_POLL_NS);
	if (!rc && fastpath_watch_ms(d->fp))
		evloop_timer_arm(loop, &d->fastpath_watch, fastpath_watch_ms(d->fp) * 1000000ull);
	return rc;
}

void edgelbd_shutdown(struct edgelbd *d, bool detach)
{
	for (size_t i = 0; i < d->n_vips; i++) {
		for (size_t j = 0; j < d->vips[i]->n_backends; j++) {
			if (d->vips[i]->backends[j]->health)
				health_remove(d->hc, d->vips[i]->backends[j]->health);
			free(d->vips[i]->backends[j]);
		}
		ed_free_vip_shell(d->vips[i]);
	}
	free(d->vips);
	d->vips = NULL;
	d->n_vips = 0;
	if (ev_timer_armed(&d->provisional_timer))
		evloop_timer_cancel(d->loop, &d->provisional_timer);
	if (ev_timer_armed(&d->fastpath_watch))
		evloop_timer_cancel(d->loop, &d->fastpath_watch);
	if (ev_timer_armed(&d->precompute_timer))
		evloop_timer_cancel(d->loop, &d->precompute_timer);
	if (ev_timer_armed(&d->notify.status_timer))
		evloop_timer_cancel(d->loop, &d->notify.status_timer);
	if (d->hc)
		health_free(d->hc);
	d->hc = NULL;
	neigh_close(d->neigh);
	d->neigh = NULL;
	if (d->fp && detach)
		fastpath_detach(d->fp); /* logged */
	else
		fastpath_close(d->fp);
	d->fp = NULL;
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
