/* SPDX-License-Identifier: MIT */
/*
 * announce.h - the glue between edgelbd and its BGP speaker (control/bgp/bgp.h): one speaker on
 * the daemon's event loop with the peers of the config's `bgp` section, and per announced prefix
 * the hold-down policy (control/bgp/policy.h), fed by the daemon as its observer (struct
 * ed_observer of daemon.h: VIP health, reloads, the STATUS= line). The daemon never calls in
 * here; main starts and frees it, and the API and metrics read and drive it.
 *
 * A prefix is healthy while the fast path is attached and every VIP whose address it covers is
 * healthy (>= min_healthy backends in its ring). Unhealthy: withdrawn at once. Healthy again:
 * re-announced once it has stayed healthy for hold_down_sec.
 *
 * Draining the node (edgelbctl drain-node, SIGTERM): every route is re-sent with
 * GRACEFUL_SHUTDOWN (RFC 8326), drain_wait_sec later everything is withdrawn and the sessions
 * are closed with Cease; then edgelbd exits (SIGTERM) or stays drained until undrain-node. A
 * prefix that becomes unhealthy during the wait is withdrawn at once; nothing is announced anew.
 */
#ifndef EDGELB_CONTROL_DAEMON_ANNOUNCE_H
#define EDGELB_CONTROL_DAEMON_ANNOUNCE_H

#include <stdbool.h>
#include <stddef.h>

#include "control/daemon/daemon.h"
#include "control/lib/textbuf.h"

struct ed_announce;
struct bgp_route;

enum ed_node_bgp_state {
	ED_BGP_ACTIVE,   /* announcing by policy */
	ED_BGP_DRAINING, /* routes carry GRACEFUL_SHUTDOWN, waiting drain_wait_sec */
	ED_BGP_DRAINED,  /* everything withdrawn, sessions closed */
};

/*
 * Starts the speaker when d->cfg has a `bgp` section and becomes d's observer. Returns 0 and
 * *out (NULL when there is no bgp section), or a negative errno (logged).
 */
int announce_start(struct edgelbd *d, struct ed_announce **out);
/* Closes the sessions (Cease) and frees everything; NULL is fine. */
void announce_free(struct ed_announce *a);

/*
 * Begins draining the node. exit_after: stop the event loop once drained (SIGTERM). Returns 0,
 * or -EALREADY when a drain is in progress or done (an exit request still takes effect).
 */
int announce_drain_node(struct ed_announce *a, bool exit_after);
/* Back from drained or draining: sessions restart, routes follow the policy. -EALREADY if active.
 */
int announce_undrain_node(struct ed_announce *a);
enum ed_node_bgp_state announce_node_state(const struct ed_announce *a);
const char *announce_node_state_name(enum ed_node_bgp_state state);

/* `edgelbctl bgp`: sessions and prefixes as a table or one JSON document. */
void announce_render(struct ed_announce *a, bool json, struct textbuf *tb);
/* One line for `edgelbctl status` ("3 of 4 sessions established, 2 of 2 prefixes announced"). */
void announce_summary(struct ed_announce *a, bool json, struct textbuf *tb);
/* Prometheus series: sessions and prefixes. */
void announce_metrics(struct ed_announce *a, struct textbuf *tb);

/* What the speaker holds as announced now (bgp_announced()); returns the count. For tests. */
size_t announce_routes(const struct ed_announce *a, struct bgp_route *out, size_t max);

#endif
