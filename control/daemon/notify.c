// SPDX-License-Identifier: MIT
/*
 * notify.c - what the service manager hears (sd_notify(3), see daemon.h's struct ed_notify):
 * READY=1 once the fast path is attached with its tables written, RELOADING=1 and READY=1 around
 * a reload, STOPPING=1, and a STATUS= line that follows the VIPs, the fast path and the
 * observer's few words (BGP).
 */
#include "control/daemon/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>

static void status_text(struct edgelbd *d, struct textbuf *tb)
{
	size_t healthy = 0;

	for (size_t i = 0; i < d->n_vips; i++)
		healthy += d->vips[i]->healthy;
	if (!d->notify.ready)
		tb_printf(tb, "waiting for %s: %zu VIPs, tables written to %s",
			  fastpath_waits_for(d->fp), d->n_vips, d->fp ? d->fp->location : "");
	else
		tb_printf(tb, "%s: %zu VIPs (%zu healthy), fast path %s",
			  d->attached ? "running" : "degraded", d->n_vips, healthy,
			  d->attached ? "attached" : fastpath_detached_text(d->fp));
	if (d->observer.status) {
		tb_printf(tb, "; ");
		d->observer.status(d->observer.arg, tb);
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

void ed_notify_if_ready(struct edgelbd *d)
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
		ed_notify_if_ready(d);
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

void ed_notify_init(struct edgelbd *d)
{
	ev_timer_init(&d->notify.status_timer, on_status_timer, d);
	d->notify.enabled = getenv("NOTIFY_SOCKET") != NULL;
}

bool ed_notify_reloading(struct edgelbd *d)
{
	/* before READY=1 the manager still waits for the start; a reload changes nothing there */
	bool notify = d->notify.enabled && d->notify.ready && !d->notify.stopping;
	struct timespec now;

	if (notify) {
		/* systemd 253's Type=notify-reload matches MONOTONIC_USEC with its own clock */
		clock_gettime(CLOCK_MONOTONIC, &now);
		sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s\nMONOTONIC_USEC=%llu",
			   d->config_path,
			   (unsigned long long)now.tv_sec * 1000000ull +
			       (unsigned long long)now.tv_nsec / 1000);
	}
	return notify;
}

void ed_notify_reloaded(struct edgelbd *d, bool notified, int rc, const char *err)
{
	snprintf(d->notify.reload_error, sizeof(d->notify.reload_error), "%s", rc ? err : "");
	if (notified)
		notify_send(d, "READY=1\n");
}
