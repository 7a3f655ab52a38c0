// SPDX-License-Identifier: MIT
/*
 * announce.c - edgelbd's BGP glue (see announce.h): config -> speaker and peers, VIP health (as
 * the daemon's observer) -> per-prefix hold-down policy -> announce / withdraw, node drain with
 * GRACEFUL_SHUTDOWN, and the status text, JSON and metrics of the sessions and prefixes.
 */
#include "control/daemon/announce.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bgp/bgp.h"
#include "control/bgp/policy.h"
#include "control/bgp/sock.h"
#include "control/lib/log.h"

#define NS_PER_SEC    1000000000ull
#define MAX_PEERS_OUT 64

struct ed_prefix {
	struct bgp_route route;
	char text[CONFIG_ADDR_TEXT_MAX];
	struct bgp_prefix_policy policy;
	bool healthy;                    /* last verdict fed to the policy */
	unsigned int vips, vips_healthy; /* covered VIPs, at the last evaluation */
	uint64_t last_change_ns;         /* last announce or withdraw */
	uint64_t announces, withdraws;
};

struct ed_peer {
	int id;
	char name[CONFIG_NAME_MAX];
};

struct ed_announce {
	struct edgelbd *d;
	struct bgp_speaker *speaker;
	struct ed_prefix *prefixes;
	size_t n_prefixes;
	struct ed_peer *peers;
	size_t n_peers;
	uint64_t hold_down_ns;
	uint64_t drain_wait_ns;
	enum ed_node_bgp_state state;
	bool exit_after_drain;
	uint64_t drain_started_ns;
	struct ev_timer eval_timer;  /* deferred evaluation and hold-down expiry */
	struct ev_timer drain_timer; /* end of drain_wait */
};

/* ---- conversions from the config ---- */

static void log_from_speaker(void *arg, enum bgp_log_level level, const char *msg)
{
	static const enum ed_log_level map[] = {ED_LOG_ERROR, ED_LOG_WARN, ED_LOG_INFO,
						ED_LOG_DEBUG};

	ed_log(map[level <= BGP_LOG_DEBUG ? level : BGP_LOG_DEBUG], "bgp: %s", msg);
}

static void ip_to_sockaddr(const struct config_ip *ip, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ip->family == LB_AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, ip->addr.b, 4);
	} else if (ip->family == LB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, ip->addr.b, 16);
	}
}

static void peer_conf_from_config(const struct config_bgp *bgp, const struct config_bgp_peer *cp,
				  struct bgp_peer_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	ip_to_sockaddr(&cp->address, cp->port, &pc->addr);
	ip_to_sockaddr(&cp->local_address, 0, &pc->local);
	pc->peer_as = cp->remote_as;
	pc->hold_time = cp->has_hold_time ? cp->hold_time : bgp->hold_time;
	pc->passive = cp->passive;
	pc->gtsm = cp->ttl_security;
	snprintf(pc->md5_key, sizeof(pc->md5_key), "%s", cp->md5_password);
}

static void route_from_config(const struct config_bgp_announce *ca, struct bgp_route *r)
{
	memset(r, 0, sizeof(*r));
	r->prefix.addr = ca->prefix.addr;
	r->prefix.family = ca->prefix.family;
	r->prefix.len = ca->prefix.len;
	r->prepend = (uint8_t)ca->prepend;
	r->has_med = ca->has_med;
	r->med = ca->med;
	for (size_t i = 0; i < ca->n_communities && i < BGP_MAX_COMMUNITIES; i++)
		r->communities[r->n_communities++] =
		    BGP_COMMUNITY(ca->communities[i].asn, ca->communities[i].value);
	for (size_t i = 0; i < ca->n_large_communities && i < BGP_MAX_LARGE_COMMUNITIES; i++)
		r->large[r->n_large++] = (struct bgp_large_community){
		    ca->large_communities[i].global, ca->large_communities[i].local1,
		    ca->large_communities[i].local2};
}

/* ---- policy ---- */

static bool prefix_covers(const struct bgp_prefix *p, const struct config_ip *addr)
{
	unsigned int full = p->len / 8, rest = p->len % 8;

	if (p->family != addr->family)
		return false;
	if (memcmp(p->addr.b, addr->addr.b, full))
		return false;
	if (!rest)
		return true;
	uint8_t mask = (uint8_t)(0xff00u >> rest);
	return (p->addr.b[full] & mask) == (addr->addr.b[full] & mask);
}

static bool prefix_healthy(struct ed_announce *a, struct ed_prefix *p)
{
	struct edgelbd *d = a->d;

	p->vips = p->vips_healthy = 0;
	for (size_t i = 0; i < d->n_vips; i++) {
		if (!prefix_covers(&p->route.prefix, &d->vips[i]->cfg.address))
			continue;
		p->vips++;
		p->vips_healthy += d->vips[i]->healthy;
	}
	return d->attached && p->vips > 0 && p->vips_healthy == p->vips;
}

static void apply_action(struct ed_announce *a, struct ed_prefix *p, enum bgp_policy_action action,
			 uint64_t now)
{
	int rc = 0;

	if (action == BGP_POLICY_NONE)
		return;
	if (action == BGP_POLICY_ANNOUNCE) {
		rc = bgp_announce(a->speaker, &p->route);
		p->announces++;
	} else {
		rc = bgp_withdraw(a->speaker, &p->route.prefix);
		p->withdraws++;
	}
	p->last_change_ns = now;
	if (rc && rc != -ENOENT)
		ed_log(ED_LOG_ERROR, "bgp: %s %s: %s",
		       action == BGP_POLICY_ANNOUNCE ? "announce" : "withdraw", p->text,
		       strerror(-rc));
	else
		ed_log(ED_LOG_INFO, "bgp: %s %s (%u of %u VIPs healthy%s)",
		       action == BGP_POLICY_ANNOUNCE ? "announce" : "withdraw", p->text,
		       p->vips_healthy, p->vips, a->d->attached ? "" : ", fast path detached");
}

static void evaluate(struct ed_announce *a)
{
	uint64_t now = evloop_now_ns(), next_due = 0;

	if (a->state == ED_BGP_DRAINED)
		return;
	for (size_t i = 0; i < a->n_prefixes; i++) {
		struct ed_prefix *p = &a->prefixes[i];
		uint64_t due;

		p->healthy = prefix_healthy(a, p);
		/* draining: a prefix that breaks still goes at once, nothing is announced */
		if (a->state == ED_BGP_DRAINING && p->healthy)
			continue;
		apply_action(a, p, bgp_policy_update(&p->policy, p->healthy, now), now);
		due = bgp_policy_due_ns(&p->policy);
		if (due && (!next_due || due < next_due))
			next_due = due;
	}
	if (next_due) {
		evloop_timer_cancel(a->d->loop, &a->eval_timer);
		evloop_timer_arm(a->d->loop, &a->eval_timer, next_due > now ? next_due - now : 0);
	}
}

static void on_eval_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	evaluate(arg);
}

/* Deferred to the loop: the daemon tells us in the middle of a reconcile or a reload. */
static void schedule_evaluation(struct ed_announce *a)
{
	evloop_timer_cancel(a->d->loop, &a->eval_timer);
	evloop_timer_arm(a->d->loop, &a->eval_timer, 0);
}

/* ---- what the daemon tells us (struct ed_observer) ---- */

static void on_vip_health(void *arg, const struct ed_vip *vip, bool healthy)
{
	schedule_evaluation(arg);
}

/* New VIPs may be covered by a prefix now; bgp changes themselves need a restart. */
static void on_config_reloaded(void *arg)
{
	schedule_evaluation(arg);
}

static void on_status(void *arg, struct textbuf *tb)
{
	tb_printf(tb, "BGP ");
	announce_summary(arg, false, tb);
}

/* ---- drain ---- */

static void withdraw_everything(struct ed_announce *a)
{
	uint64_t now = evloop_now_ns();

	for (size_t i = 0; i < a->n_prefixes; i++) {
		struct ed_prefix *p = &a->prefixes[i];

		if (!p->policy.announced)
			continue;
		if (!bgp_withdraw(a->speaker, &p->route.prefix))
			ed_log(ED_LOG_INFO, "bgp: withdraw %s (node drain)", p->text);
		p->withdraws++;
		p->last_change_ns = now;
		bgp_policy_init(&p->policy, a->hold_down_ns);
	}
}

static void on_drain_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	struct ed_announce *a = arg;

	withdraw_everything(a);
	bgp_shutdown(a->speaker);
	a->state = ED_BGP_DRAINED;
	ed_log(ED_LOG_INFO, "bgp: node drained (routes withdrawn, sessions closed)%s",
	       a->exit_after_drain ? "; exiting" : "");
	if (a->exit_after_drain) {
		a->d->stop = true;
		evloop_stop(loop);
	}
}

int announce_drain_node(struct ed_announce *a, bool exit_after)
{
	if (a->state != ED_BGP_ACTIVE) {
		a->exit_after_drain |= exit_after;
		if (exit_after && a->state == ED_BGP_DRAINED)
			on_drain_timer(a->d->loop, &a->drain_timer, a);
		return -EALREADY;
	}
	a->state = ED_BGP_DRAINING;
	a->exit_after_drain = exit_after;
	a->drain_started_ns = evloop_now_ns();
	evloop_timer_cancel(a->d->loop, &a->eval_timer);
	bgp_set_graceful_shutdown(a->speaker, true);
	evloop_timer_arm(a->d->loop, &a->drain_timer, a->drain_wait_ns);
	ed_log(ED_LOG_INFO,
	       "bgp: draining the node: GRACEFUL_SHUTDOWN on every route, withdraw in "
	       "%llu s",
	       (unsigned long long)(a->drain_wait_ns / NS_PER_SEC));
	return 0;
}

int announce_undrain_node(struct ed_announce *a)
{
	if (a->state == ED_BGP_ACTIVE)
		return -EALREADY;
	evloop_timer_cancel(a->d->loop, &a->drain_timer);
	bgp_set_graceful_shutdown(a->speaker, false);
	if (a->state == ED_BGP_DRAINED)
		bgp_restart(a->speaker);
	a->state = ED_BGP_ACTIVE;
	a->exit_after_drain = false;
	ed_log(ED_LOG_INFO, "bgp: node undrained; routes follow VIP health again");
	schedule_evaluation(a);
	return 0;
}

enum ed_node_bgp_state announce_node_state(const struct ed_announce *a)
{
	return a->state;
}

const char *announce_node_state_name(enum ed_node_bgp_state state)
{
	switch (state) {
	case ED_BGP_ACTIVE:
		return "active";
	case ED_BGP_DRAINING:
		return "draining";
	case ED_BGP_DRAINED:
		return "drained";
	}
	return "unknown";
}

/* ---- lifecycle ---- */

static int add_peers(struct ed_announce *a, const struct config_bgp *bgp)
{
	a->peers = calloc(bgp->n_peers + 1, sizeof(*a->peers));
	if (!a->peers)
		return -ENOMEM;
	for (size_t i = 0; i < bgp->n_peers; i++) {
		struct bgp_peer_conf pc;
		int id;

		peer_conf_from_config(bgp, &bgp->peers[i], &pc);
		id = bgp_add_peer(a->speaker, &pc);
		if (id < 0) {
			ed_log(ED_LOG_ERROR, "bgp: peer %s (%s): %s", bgp->peers[i].name,
			       bgp->peers[i].address.text, strerror(-id));
			return id;
		}
		a->peers[a->n_peers].id = id;
		snprintf(a->peers[a->n_peers].name, CONFIG_NAME_MAX, "%s", bgp->peers[i].name);
		a->n_peers++;
	}
	return 0;
}

static int add_prefixes(struct ed_announce *a, const struct config_bgp *bgp)
{
	a->prefixes = calloc(bgp->n_announce + 1, sizeof(*a->prefixes));
	if (!a->prefixes)
		return -ENOMEM;
	for (size_t i = 0; i < bgp->n_announce; i++) {
		struct ed_prefix *p = &a->prefixes[a->n_prefixes++];

		route_from_config(&bgp->announce[i], &p->route);
		snprintf(p->text, sizeof(p->text), "%s", bgp->announce[i].prefix.text);
		bgp_policy_init(&p->policy, a->hold_down_ns);
	}
	return 0;
}

static bool any_passive_peer(const struct config_bgp *bgp)
{
	for (size_t i = 0; i < bgp->n_peers; i++)
		if (bgp->peers[i].passive)
			return true;
	return false;
}

int announce_start(struct edgelbd *d, struct ed_announce **out)
{
	const struct config_bgp *bgp = &d->cfg->bgp;
	struct bgp_speaker_conf sc = {
	    .local_as = bgp->local_as,
	    .router_id = bgp->router_id.addr.w[0],
	    .hold_time = bgp->hold_time,
	    .hold_time_zero = bgp->hold_time == 0,
	    .listen_port = any_passive_peer(bgp) ? BGP_PORT : 0,
	    .connect_retry_min_ms = bgp->connect_retry_sec * 1000,
	    .connect_retry_max_ms = bgp->connect_retry_sec * 1000 * 4,
	    .log = log_from_speaker,
	};
	struct ed_announce *a;
	int rc;

	*out = NULL;
	if (!bgp->present)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->d = d;
	a->hold_down_ns = (uint64_t)bgp->hold_down_sec * NS_PER_SEC;
	a->drain_wait_ns = (uint64_t)bgp->drain_wait_sec * NS_PER_SEC;
	ev_timer_init(&a->eval_timer, on_eval_timer, a);
	ev_timer_init(&a->drain_timer, on_drain_timer, a);
	if (sc.connect_retry_min_ms == 0) { /* connect_retry_sec 0: retry after 1 s */
		sc.connect_retry_min_ms = 1000;
		sc.connect_retry_max_ms = 4000;
	}
	a->speaker = bgp_new(d->loop, &sc);
	rc = a->speaker ? 0 : -EINVAL;
	if (!rc)
		rc = add_prefixes(a, bgp);
	if (!rc)
		rc = add_peers(a, bgp);
	if (rc) {
		ed_log(ED_LOG_ERROR, "bgp: cannot start the speaker: %s", strerror(-rc));
		announce_free(a);
		return rc;
	}
	ed_log(ED_LOG_INFO, "bgp: AS %u, router id %s, %zu peers, %zu prefixes, hold-down %u s",
	       bgp->local_as, bgp->router_id.text, a->n_peers, a->n_prefixes, bgp->hold_down_sec);
	edgelbd_set_observer(d, &(struct ed_observer){.vip_health = on_vip_health,
						      .config_reloaded = on_config_reloaded,
						      .status = on_status,
						      .arg = a});
	schedule_evaluation(a);
	*out = a;
	return 0;
}

void announce_free(struct ed_announce *a)
{
	if (!a)
		return;
	if (a->d->observer.arg == a)
		edgelbd_set_observer(a->d, NULL);
	evloop_timer_cancel(a->d->loop, &a->eval_timer);
	evloop_timer_cancel(a->d->loop, &a->drain_timer);
	if (a->speaker)
		bgp_free(a->speaker);
	free(a->prefixes);
	free(a->peers);
	free(a);
}

/* ---- rendering ---- */

static const char *peer_name(const struct ed_announce *a, int id)
{
	for (size_t i = 0; i < a->n_peers; i++)
		if (a->peers[i].id == id)
			return a->peers[i].name;
	return "?";
}

static const char *prefix_state(const struct ed_announce *a, const struct ed_prefix *p)
{
	if (a->state == ED_BGP_DRAINED)
		return "withdrawn-drained";
	if (p->policy.announced)
		return a->state == ED_BGP_DRAINING ? "gshut" : "announced";
	if (bgp_policy_due_ns(&p->policy))
		return "held-down";
	return "withdrawn-by-policy";
}

static double held_down_left_s(const struct ed_prefix *p)
{
	uint64_t due = bgp_policy_due_ns(&p->policy), now = evloop_now_ns();

	return due > now ? (double)(due - now) / 1e9 : 0.0;
}

static size_t read_status(const struct ed_announce *a, struct bgp_peer_status *st)
{
	size_t n = bgp_status(a->speaker, st, MAX_PEERS_OUT);

	return n < MAX_PEERS_OUT ? n : MAX_PEERS_OUT;
}

static void render_sessions_text(struct ed_announce *a, struct textbuf *tb)
{
	struct bgp_peer_status st[MAX_PEERS_OUT];
	size_t n = read_status(a, st);
	char addr[INET6_ADDRSTRLEN + 8];

	tb_printf(tb, "%-12s %-26s %-7s %-12s %-8s %-5s %-9s %-9s %-8s %-8s %s\n", "PEER",
		  "ADDRESS", "AS", "STATE", "UPTIME", "HOLD", "MSGS_IN", "MSGS_OUT", "UPD_IN",
		  "UPD_OUT", "LAST_ERROR");
	for (size_t i = 0; i < n; i++)
		tb_printf(tb, "%-12s %-26s %-7u %-12s %-8llu %-5u %-9llu %-9llu %-8llu %-8llu %s\n",
			  peer_name(a, st[i].id),
			  bgp_sockaddr_format(&st[i].addr, addr, sizeof(addr)), st[i].peer_as,
			  bgp_state_name(st[i].state), (unsigned long long)st[i].uptime_s,
			  st[i].hold_time, (unsigned long long)st[i].msgs_in,
			  (unsigned long long)st[i].msgs_out, (unsigned long long)st[i].updates_in,
			  (unsigned long long)st[i].updates_out,
			  st[i].last_error[0] ? st[i].last_error : "-");
}

static void render_prefixes_text(struct ed_announce *a, struct textbuf *tb)
{
	tb_printf(tb, "\n%-28s %-20s %-12s %-9s %-9s %s\n", "PREFIX", "STATE", "VIPS_HEALTHY",
		  "ANNOUNCES", "WITHDRAWS", "HELD_DOWN_LEFT");
	for (size_t i = 0; i < a->n_prefixes; i++) {
		struct ed_prefix *p = &a->prefixes[i];
		char vips[24];

		snprintf(vips, sizeof(vips), "%u/%u", p->vips_healthy, p->vips);
		tb_printf(tb, "%-28s %-20s %-12s %-9llu %-9llu ", p->text, prefix_state(a, p), vips,
			  (unsigned long long)p->announces, (unsigned long long)p->withdraws);
		if (bgp_policy_due_ns(&p->policy))
			tb_printf(tb, "%.1fs\n", held_down_left_s(p));
		else
			tb_printf(tb, "-\n");
	}
	tb_printf(tb, "\nnode %s\n", announce_node_state_name(a->state));
}

static void render_sessions_json(struct ed_announce *a, struct textbuf *tb)
{
	struct bgp_peer_status st[MAX_PEERS_OUT];
	size_t n = read_status(a, st);
	char addr[INET6_ADDRSTRLEN + 8];

	tb_printf(tb, "\"sessions\":[");
	for (size_t i = 0; i < n; i++) {
		tb_printf(tb, "%s{\"peer\":", i ? "," : "");
		tb_json_str(tb, peer_name(a, st[i].id));
		tb_printf(tb, ",\"address\":");
		tb_json_str(tb, bgp_sockaddr_format(&st[i].addr, addr, sizeof(addr)));
		tb_printf(
		    tb,
		    ",\"peer_as\":%u,\"state\":\"%s\",\"uptime_sec\":%llu,"
		    "\"hold_time\":%u,\"keepalive_time\":%u,\"msgs_in\":%llu,"
		    "\"msgs_out\":%llu,\"updates_in\":%llu,\"updates_out\":%llu,"
		    "\"established_count\":%llu,\"ipv4_unicast\":%s,\"ipv6_unicast\":%s,"
		    "\"last_error\":",
		    st[i].peer_as, bgp_state_name(st[i].state), (unsigned long long)st[i].uptime_s,
		    st[i].hold_time, st[i].keepalive_time, (unsigned long long)st[i].msgs_in,
		    (unsigned long long)st[i].msgs_out, (unsigned long long)st[i].updates_in,
		    (unsigned long long)st[i].updates_out,
		    (unsigned long long)st[i].established_count,
		    st[i].ipv4_unicast ? "true" : "false", st[i].ipv6_unicast ? "true" : "false");
		tb_json_str(tb, st[i].last_error);
		tb_printf(tb, "}");
	}
	tb_printf(tb, "]");
}

static void render_prefixes_json(struct ed_announce *a, struct textbuf *tb)
{
	tb_printf(tb, ",\"prefixes\":[");
	for (size_t i = 0; i < a->n_prefixes; i++) {
		struct ed_prefix *p = &a->prefixes[i];

		tb_printf(tb, "%s{\"prefix\":", i ? "," : "");
		tb_json_str(tb, p->text);
		tb_printf(tb,
			  ",\"state\":\"%s\",\"vips\":%u,\"vips_healthy\":%u,\"announces\":%llu,"
			  "\"withdraws\":%llu,\"held_down_left_sec\":%.1f}",
			  prefix_state(a, p), p->vips, p->vips_healthy,
			  (unsigned long long)p->announces, (unsigned long long)p->withdraws,
			  held_down_left_s(p));
	}
	tb_printf(tb, "]");
}

void announce_render(struct ed_announce *a, bool json, struct textbuf *tb)
{
	if (!json) {
		render_sessions_text(a, tb);
		render_prefixes_text(a, tb);
		return;
	}
	tb_printf(tb, "{\"node_state\":\"%s\",", announce_node_state_name(a->state));
	render_sessions_json(a, tb);
	render_prefixes_json(a, tb);
	tb_printf(tb, "}\n");
}

static void count(struct ed_announce *a, size_t *n_sessions, size_t *established, size_t *announced)
{
	struct bgp_peer_status st[MAX_PEERS_OUT];

	*n_sessions = read_status(a, st);
	*established = *announced = 0;
	for (size_t i = 0; i < *n_sessions; i++)
		*established += st[i].state == BGP_ESTABLISHED;
	for (size_t i = 0; i < a->n_prefixes; i++)
		*announced += a->prefixes[i].policy.announced && a->state != ED_BGP_DRAINED;
}

void announce_summary(struct ed_announce *a, bool json, struct textbuf *tb)
{
	size_t n, est, ann;

	count(a, &n, &est, &ann);
	if (json)
		tb_printf(tb,
			  "{\"node_state\":\"%s\",\"sessions\":%zu,\"established\":%zu,"
			  "\"prefixes\":%zu,\"announced\":%zu}",
			  announce_node_state_name(a->state), n, est, a->n_prefixes, ann);
	else
		tb_printf(tb, "%s, %zu of %zu sessions established, %zu of %zu prefixes announced",
			  announce_node_state_name(a->state), est, n, ann, a->n_prefixes);
}

static void metric_help(struct textbuf *tb, const char *name, const char *type, const char *text)
{
	tb_printf(tb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

void announce_metrics(struct ed_announce *a, struct textbuf *tb)
{
	struct bgp_peer_status st[MAX_PEERS_OUT];
	size_t n = read_status(a, st);
	char addr[INET6_ADDRSTRLEN + 8];

	metric_help(tb, "edgelb_bgp_session_up", "gauge",
		    "1 while the BGP session is Established.");
	for (size_t i = 0; i < n; i++)
		tb_printf(tb, "edgelb_bgp_session_up{peer=\"%s\",address=\"%s\"} %d\n",
			  peer_name(a, st[i].id),
			  bgp_sockaddr_format(&st[i].addr, addr, sizeof(addr)),
			  st[i].state == BGP_ESTABLISHED);
	metric_help(tb, "edgelb_bgp_session_state", "gauge",
		    "FSM state: 0 idle, 1 connect, 2 active, 3 opensent, 4 openconfirm, "
		    "5 established.");
	for (size_t i = 0; i < n; i++)
		tb_printf(tb, "edgelb_bgp_session_state{peer=\"%s\"} %d\n", peer_name(a, st[i].id),
			  (int)st[i].state);
	metric_help(tb, "edgelb_bgp_session_uptime_seconds", "gauge", "Time in Established.");
	for (size_t i = 0; i < n; i++)
		tb_printf(tb, "edgelb_bgp_session_uptime_seconds{peer=\"%s\"} %llu\n",
			  peer_name(a, st[i].id), (unsigned long long)st[i].uptime_s);
	metric_help(tb, "edgelb_bgp_messages_total", "counter", "BGP messages by direction.");
	for (size_t i = 0; i < n; i++)
		tb_printf(tb,
			  "edgelb_bgp_messages_total{peer=\"%s\",direction=\"in\"} %llu\n"
			  "edgelb_bgp_messages_total{peer=\"%s\",direction=\"out\"} %llu\n",
			  peer_name(a, st[i].id), (unsigned long long)st[i].msgs_in,
			  peer_name(a, st[i].id), (unsigned long long)st[i].msgs_out);
	metric_help(tb, "edgelb_bgp_prefix_announced", "gauge",
		    "1 while the prefix is announced (with GRACEFUL_SHUTDOWN while draining).");
	for (size_t i = 0; i < a->n_prefixes; i++)
		tb_printf(tb, "edgelb_bgp_prefix_announced{prefix=\"%s\",state=\"%s\"} %d\n",
			  a->prefixes[i].text, prefix_state(a, &a->prefixes[i]),
			  a->prefixes[i].policy.announced && a->state != ED_BGP_DRAINED);
	metric_help(tb, "edgelb_bgp_node_draining", "gauge", "1 while draining or drained.");
	tb_printf(tb, "edgelb_bgp_node_draining %d\n", a->state != ED_BGP_ACTIVE);
}

size_t announce_routes(const struct ed_announce *a, struct bgp_route *out, size_t max)
{
	return bgp_announced(a->speaker, out, max);
}
