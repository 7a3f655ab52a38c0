/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - Prometheus text exposition (format 0.0.4) of edgelbd's state on GET /metrics,
 * served by libmicrohttpd driven from the daemon's own event loop: MHD runs without a thread of
 * its own (MHD_USE_EPOLL), its epoll fd sits on our loop, so every scrape reads the daemon's
 * state on the loop's thread and needs no locking.
 */
#ifndef EDGELB_CONTROL_METRICS_H
#define EDGELB_CONTROL_METRICS_H

#include "control/daemon/daemon.h"
#include "control/lib/textbuf.h"

struct metrics_server;
struct ed_announce; /* control/daemon/announce.h */

/*
 * Listens on cfg->metrics (address, port); bgp (NULL without a `bgp` section) adds the sessions
 * and prefixes. NULL on error (logged).
 */
struct metrics_server *metrics_open(struct edgelbd *d, struct ed_announce *bgp,
				    const struct config_metrics *cfg);
void metrics_close(struct metrics_server *m);

/* The exposition text (exposed for tests). */
void metrics_render(struct edgelbd *d, struct ed_announce *bgp, struct textbuf *tb);

#endif
