// SPDX-License-Identifier: MIT
/*
 * vips.c - the runtime's VIPs and backends: building them from the config (adopting the slot and
 * VIP id a pinned fast path already uses), backend slots and VIP ids with their generations, the
 * health checks of each backend and their verdicts, and the provisional "up" of adopted
 * backends until their checks decide.
 */
#include "control/daemon/internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/lib/log.h"

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

void ed_health_spec_from_config(const struct config_health *c, struct health_spec *s)
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

	ed_health_spec_from_config(&b->cfg.health, &spec);
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
void ed_on_provisional_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
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
			ed_reconcile_and_sync(d, v, evloop_now_ns());
	}
	if (pending)
		evloop_timer_arm(loop, timer, PROVISIONAL_POLL_NS);
}

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

struct ed_backend *ed_new_backend(struct edgelbd *d, struct ed_vip *v,
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
		ed_adopt_backend(d, a, b);
	if (b->slot == LB_NO_BACKEND) {
		if (alloc_slot(d, &b->slot)) {
			ed_log(ED_LOG_ERROR, "backend %s: no free backend slot", cb->name);
			free(b);
			return NULL;
		}
		b->generation = d->slot_gen[b->slot];
		b->row.generation = 0; /* forces the first write */
	}
	ed_resolve_next_hop(d, b);
	if (start_health(d, b)) {
		d->slot_used[b->slot] = false;
		free(b);
		return NULL;
	}
	return b;
}

/* Slot freed after its row says DOWN; the next occupant gets a new generation. */
void ed_retire_backend(struct edgelbd *d, struct ed_backend *b)
{
	struct lb_backend row = b->row;

	if (b->health)
		health_remove(d->hc, b->health);
	row.state = LB_BACKEND_DOWN;
	if (d->fp && d->fp->tables)
		d->fp->tables->ops->set_backend(d->fp->tables, b->slot, &row);
	d->slot_used[b->slot] = false;
	ed_log(ED_LOG_INFO, "backend %s removed (slot %u free)", b->cfg.name, b->slot);
	free(b);
}

void ed_free_vip_shell(struct ed_vip *v)
{
	free(v->backends);
	free(v);
}

struct ed_vip *ed_new_vip(struct edgelbd *d, const struct config_vip *cv, struct adopted *a)
{
	struct ed_vip *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->cfg = *cv;
	v->cfg.backends = NULL;
	v->cfg.n_backends = 0;
	v->vip_id = LB_MAX_VIPS;
	if (a)
		ed_adopt_vip(d, a, v);
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

int ed_build_vips(struct edgelbd *d, struct adopted *a)
{
	d->vips = calloc(d->cfg->n_vips + 1, sizeof(*d->vips));
	if (!d->vips)
		return -ENOMEM;
	for (size_t i = 0; i < d->cfg->n_vips; i++) {
		const struct config_vip *cv = &d->cfg->vips[i];
		struct ed_vip *v = ed_new_vip(d, cv, a);

		if (!v)
			return -ENOMEM;
		d->vips[d->n_vips++] = v;
		for (size_t j = 0; j < cv->n_backends; j++) {
			struct ed_backend *b = ed_new_backend(d, v, &cv->backends[j], a);

			if (!b)
				return -ENOMEM;
			v->backends[v->n_backends++] = b;
		}
	}
	return 0;
}
