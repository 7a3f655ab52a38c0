// SPDX-License-Identifier: MIT
/*
 * reload.c - a reload applied as a diff (control/conf/diff.c decides what may change): VIPs and
 * backends matched by name keep their slot, generation, health state and flows; new ones are
 * built, removed ones retired after the rings without them are installed.
 */
#include "control/daemon/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lib/log.h"

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
		ed_health_spec_from_config(&cb->health, &spec);
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
		ed_retire_backend(d, rl->b[i]);
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
				b = ed_new_backend(d, v, cb, NULL);
			if (!b) {
				free(list);
				return -ENOMEM;
			}
			list[j] = b;
		}
		for (size_t j = 0; j < old->n_backends; j++)
			if (old->backends[j] && retire_later(rl, old->backends[j]))
				ed_retire_backend(d, old->backends[j]); /* out of memory: at once */
		free(old->backends);
		v->backends = list;
		v->n_backends = cv->n_backends;
	} else {
		v = ed_new_vip(d, cv, NULL);
		if (!v)
			return -ENOMEM;
		for (size_t j = 0; j < cv->n_backends; j++) {
			struct ed_backend *b = ed_new_backend(d, v, &cv->backends[j], NULL);

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
		ed_retire_backend(d, v->backends[j]);
	d->vip_id_used[v->vip_id] = false;
	ed_log(ED_LOG_INFO, "vip %s removed", v->cfg.name);
	if (v->healthy && d->observer.vip_health)
		d->observer.vip_health(d->observer.arg, v, false);
	ed_free_vip_shell(v);
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
	rc = config_check_reload(d->cfg, next, err, errlen);
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
		ed_write_node_cfg(d);
	for (size_t i = 0; i < d->n_vips; i++)
		ed_reconcile_vip(d, d->vips[i], true);
	ed_sync_vip_entries(d);
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
	if (d->observer.config_reloaded)
		d->observer.config_reloaded(d->observer.arg);
	return 0;
}

int edgelbd_reload(struct edgelbd *d, char *err, size_t errlen)
{
	bool notified = ed_notify_reloading(d);
	int rc = reload(d, err, errlen);

	ed_notify_reloaded(d, notified, rc, err);
	return rc;
}
