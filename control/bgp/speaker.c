// SPDX-License-Identifier: MIT
/*
 * speaker.c - the BGP speaker (API in bgp.h): its peers, the announced-route table and what it
 * sends on a change, graceful shutdown, status. Each peer's session and FSM are in session.c,
 * the wire format in msg.c, sockets and addresses in sock.c.
 */
#include "control/bgp/peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* ---- routes ---- */

static bool prefix_equal(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(&a->addr, &b->addr, 16);
}

static bool peer_carries(const struct bgp_peer *p, uint8_t family)
{
	return p->state == BGP_ESTABLISHED &&
	       (family == LB_AF_INET ? p->ipv4_unicast : p->ipv6_unicast);
}

static void send_route(struct bgp_peer *p, const struct bgp_route *r)
{
	bool v6 = r->prefix.family == LB_AF_INET6;
	char pfx[64];
	if (!peer_carries(p, r->prefix.family))
		return;
	if (v6 ? !p->has_nh6 : !p->has_nh4) {
		bgp_prefix_format(&r->prefix, pfx, sizeof(pfx));
		peer_log(p, BGP_LOG_ERR, "no %s next hop for %s: configure one; not announced",
			 v6 ? "IPv6" : "IPv4", pfx);
		return;
	}
	struct bgp_update_params up = {
	    .local_as = p->s->conf.local_as,
	    .route = r,
	    .gshut = p->s->gshut,
	    .nexthop4 = p->nh4,
	    .nexthop6 = p->nh6,
	    .nexthop6_ll = p->nh6_ll,
	};
	uint8_t msg[BGP_MAX_MSG_LEN];
	size_t len = bgp_encode_update(msg, sizeof(msg), &up);
	if (!len) {
		bgp_prefix_format(&r->prefix, pfx, sizeof(pfx));
		peer_log(p, BGP_LOG_ERR, "UPDATE for %s does not fit a message", pfx);
		return;
	}
	if (peer_send(p, msg, len) == -ENOBUFS)
		session_reset_code(p, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES,
				   "peer does not read its UPDATEs");
}

void send_all_routes(struct bgp_peer *p, uint8_t family_filter)
{
	int fd = p->fd;
	for (size_t i = 0; i < p->s->n_routes && p->fd == fd; i++)
		if (!family_filter || p->s->routes[i].prefix.family == family_filter)
			send_route(p, &p->s->routes[i]);
}

static void send_withdraw(struct bgp_peer *p, const struct bgp_prefix *prefix)
{
	uint8_t msg[128];
	if (peer_carries(p, prefix->family))
		peer_send(p, msg, bgp_encode_withdraw(msg, sizeof(msg), prefix));
}

static bool prefix_valid(const struct bgp_prefix *p)
{
	unsigned int max = p->family == LB_AF_INET ? 32 : p->family == LB_AF_INET6 ? 128 : 0;
	if (!max || p->len > max)
		return false;
	for (unsigned int bit = p->len; bit < 128; bit++)
		if (p->addr.b[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	return true;
}

static bool route_valid(const struct bgp_route *r)
{
	return prefix_valid(&r->prefix) && r->prepend <= BGP_MAX_PREPEND &&
	       r->n_communities <= BGP_MAX_COMMUNITIES && r->n_large <= BGP_MAX_LARGE_COMMUNITIES;
}

int bgp_announce(struct bgp_speaker *s, const struct bgp_route *r)
{
	char pfx[64];
	bgp_prefix_format(&r->prefix, pfx, sizeof(pfx));
	if (!route_valid(r)) {
		speaker_log(s, BGP_LOG_ERR, "announce %s: invalid route", pfx);
		return -EINVAL;
	}
	size_t i;
	for (i = 0; i < s->n_routes; i++)
		if (prefix_equal(&s->routes[i].prefix, &r->prefix))
			break;
	if (i == s->n_routes) {
		if (s->n_routes == MAX_ROUTES)
			return -ENOSPC;
		struct bgp_route *rs = realloc(s->routes, (s->n_routes + 1) * sizeof(*rs));
		if (!rs)
			return -ENOMEM;
		s->routes = rs;
		s->n_routes++;
	}
	s->routes[i] = *r;
	speaker_log(s, BGP_LOG_INFO, "announce %s", pfx);
	for (int k = 0; k < s->n_peers; k++)
		if (s->peers[k])
			send_route(s->peers[k], &s->routes[i]);
	return 0;
}

int bgp_withdraw(struct bgp_speaker *s, const struct bgp_prefix *prefix)
{
	char pfx[64];
	bgp_prefix_format(prefix, pfx, sizeof(pfx));
	for (size_t i = 0; i < s->n_routes; i++) {
		if (!prefix_equal(&s->routes[i].prefix, prefix))
			continue;
		s->routes[i] = s->routes[--s->n_routes];
		speaker_log(s, BGP_LOG_INFO, "withdraw %s", pfx);
		for (int k = 0; k < s->n_peers; k++)
			if (s->peers[k])
				send_withdraw(s->peers[k], prefix);
		return 0;
	}
	return -ENOENT;
}

void bgp_set_graceful_shutdown(struct bgp_speaker *s, bool on)
{
	if (s->gshut == on)
		return;
	s->gshut = on;
	speaker_log(s, BGP_LOG_INFO, "graceful shutdown %s", on ? "on" : "off");
	for (int k = 0; k < s->n_peers; k++)
		if (s->peers[k])
			send_all_routes(s->peers[k], 0);
}

/* ---- peers ---- */

static void cease_and_stop(struct bgp_peer *p, uint8_t subcode, const char *text)
{
	p->admin_down = true;
	if (p->fd >= 0 && !p->connecting && p->state >= BGP_OPENSENT) {
		/* RFC 8203 shutdown communication: length octet + UTF-8 text */
		uint8_t data[1 + 128];
		size_t n = strlen(text);
		data[0] = (uint8_t)n;
		memcpy(data + 1, text, n);
		send_notification(p, BGP_ERR_CEASE, subcode, data,
				  subcode == BGP_CEASE_ADMIN_SHUTDOWN ? 1 + n : 0);
	}
	session_end(p, text);
}

static int validate_peer_conf(const struct bgp_peer_conf *c)
{
	int fam = c->addr.ss_family;
	if (fam != AF_INET && fam != AF_INET6)
		return -EINVAL;
	if (!c->peer_as || strlen(c->md5_key) > BGP_MD5_KEY_MAX)
		return -EINVAL;
	if (c->hold_time == 1 || c->hold_time == 2)
		return -EINVAL;
	return 0;
}

int bgp_add_peer(struct bgp_speaker *s, const struct bgp_peer_conf *conf)
{
	char name[INET6_ADDRSTRLEN + 8];
	int err = validate_peer_conf(conf);
	if (err) {
		speaker_log(s, BGP_LOG_ERR, "add peer: invalid configuration");
		return err;
	}
	if (find_peer(s, (const struct sockaddr *)&conf->addr)) {
		speaker_log(s, BGP_LOG_ERR, "add peer %s: already configured",
			    bgp_sockaddr_format(&conf->addr, name, sizeof(name)));
		return -EEXIST;
	}
	if (s->listen_fd >= 0 && conf->md5_key[0]) {
		err = bgp_socket_set_md5(s->listen_fd, &conf->addr, conf->md5_key);
		if (err) {
			speaker_log(s, BGP_LOG_ERR, "add peer %s: TCP MD5 refused: %s",
				    bgp_sockaddr_format(&conf->addr, name, sizeof(name)),
				    strerror(-err));
			return err;
		}
	}
	struct bgp_peer **peers = realloc(s->peers, (size_t)(s->n_peers + 1) * sizeof(*peers));
	struct bgp_peer *p = calloc(1, sizeof(*p));
	if (peers)
		s->peers = peers;
	if (!peers || !p) {
		free(p);
		return -ENOMEM;
	}
	p->s = s;
	p->id = s->n_peers;
	p->conf = *conf;
	if (!p->conf.ipv4_unicast && !p->conf.ipv6_unicast) {
		p->conf.ipv4_unicast = conf->addr.ss_family == AF_INET;
		p->conf.ipv6_unicast = conf->addr.ss_family == AF_INET6;
	}
	p->fd = -1;
	p->state = BGP_IDLE;
	p->retry_delay_ms = s->conf.connect_retry_min_ms;
	ev_timer_init(&p->retry_timer, on_retry_timer, p);
	ev_timer_init(&p->hold_timer, on_hold_timer, p);
	ev_timer_init(&p->keepalive_timer, on_keepalive_timer, p);
	s->peers[s->n_peers++] = p;
	peer_log(p, BGP_LOG_INFO, "added: AS %u%s%s%s", conf->peer_as,
		 p->conf.passive ? ", passive" : "", p->conf.md5_key[0] ? ", TCP MD5" : "",
		 p->conf.gtsm ? ", GTSM" : "");
	peer_start_connecting(p);
	return p->id;
}

static void peer_free(struct bgp_peer *p)
{
	peer_drop_connection(p, false);
	peer_stop_timers(p);
	free(p->wbuf);
	free(p);
}

int bgp_remove_peer(struct bgp_speaker *s, int id)
{
	if (id < 0 || id >= s->n_peers || !s->peers[id])
		return -ENOENT;
	struct bgp_peer *p = s->peers[id];
	cease_and_stop(p, BGP_CEASE_PEER_DECONFIGURED, "peer de-configured");
	if (s->listen_fd >= 0 && p->conf.md5_key[0])
		bgp_socket_set_md5(s->listen_fd, &p->conf.addr, "");
	s->peers[id] = NULL;
	peer_free(p);
	return 0;
}

void bgp_shutdown(struct bgp_speaker *s)
{
	speaker_log(s, BGP_LOG_INFO, "shutdown: Cease to every peer");
	for (int k = 0; k < s->n_peers; k++)
		if (s->peers[k])
			cease_and_stop(s->peers[k], BGP_CEASE_ADMIN_SHUTDOWN, "edgelb shutdown");
}

void bgp_restart(struct bgp_speaker *s)
{
	for (int k = 0; k < s->n_peers; k++) {
		struct bgp_peer *p = s->peers[k];
		if (!p || !p->admin_down)
			continue;
		p->admin_down = false;
		p->retry_delay_ms = s->conf.connect_retry_min_ms;
		peer_start_connecting(p);
	}
}

/* ---- speaker ---- */

static int validate_speaker_conf(struct bgp_speaker_conf *c)
{
	if (!c->local_as || !c->router_id)
		return -EINVAL;
	if (c->hold_time == 1 || c->hold_time == 2)
		return -EINVAL;
	if (!c->hold_time && !c->hold_time_zero)
		c->hold_time = DEFAULT_HOLD_S;
	if (!c->connect_retry_min_ms)
		c->connect_retry_min_ms = DEFAULT_RETRY_MIN_MS;
	if (!c->connect_retry_max_ms)
		c->connect_retry_max_ms = DEFAULT_RETRY_MAX_MS;
	if (c->connect_retry_max_ms < c->connect_retry_min_ms)
		c->connect_retry_max_ms = c->connect_retry_min_ms;
	return 0;
}

struct bgp_speaker *bgp_new(struct evloop *loop, const struct bgp_speaker_conf *conf)
{
	struct bgp_speaker *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->loop = loop;
	s->conf = *conf;
	s->listen_fd = -1;
	if (validate_speaker_conf(&s->conf)) {
		speaker_log(s, BGP_LOG_ERR, "invalid speaker configuration (AS, router id, hold)");
		free(s);
		return NULL;
	}
	if (s->conf.listen_port) {
		s->listen_fd = bgp_socket_listen(&s->conf.listen_addr, s->conf.listen_port);
		if (s->listen_fd < 0 ||
		    evloop_add_fd(loop, s->listen_fd, EPOLLIN, on_listen_readable, s)) {
			speaker_log(s, BGP_LOG_ERR, "cannot listen on port %u: %s",
				    s->conf.listen_port, strerror(-s->listen_fd));
			if (s->listen_fd >= 0)
				close(s->listen_fd);
			free(s);
			return NULL;
		}
	}
	return s;
}

void bgp_free(struct bgp_speaker *s)
{
	if (!s)
		return;
	for (int k = 0; k < s->n_peers; k++) {
		if (!s->peers[k])
			continue;
		cease_and_stop(s->peers[k], BGP_CEASE_ADMIN_SHUTDOWN, "edgelb shutdown");
		peer_free(s->peers[k]);
	}
	if (s->listen_fd >= 0) {
		evloop_del_fd(s->loop, s->listen_fd);
		close(s->listen_fd);
	}
	while (s->lingering)
		linger_finish(s->lingering);
	free(s->peers);
	free(s->routes);
	free(s);
}

size_t bgp_status(const struct bgp_speaker *s, struct bgp_peer_status *out, size_t max)
{
	size_t n = 0;
	uint64_t now = evloop_now_ns();
	for (int k = 0; k < s->n_peers; k++) {
		const struct bgp_peer *p = s->peers[k];
		if (!p)
			continue;
		if (n < max) {
			struct bgp_peer_status *st = &out[n];
			*st = (struct bgp_peer_status){
			    .id = p->id,
			    .state = p->state,
			    .addr = p->conf.addr,
			    .peer_as = p->conf.peer_as,
			    .remote_id = p->remote_id,
			    .hold_time = p->hold_time,
			    .keepalive_time = p->keepalive_time,
			    .uptime_s = p->state == BGP_ESTABLISHED
					    ? (now - p->established_at_ns) / NS_PER_S
					    : 0,
			    .msgs_in = p->msgs_in,
			    .msgs_out = p->msgs_out,
			    .updates_in = p->updates_in,
			    .updates_out = p->updates_out,
			    .established_count = p->established_count,
			    .errors_treated_as_withdraw = p->taw_count,
			    .ipv4_unicast = p->ipv4_unicast,
			    .ipv6_unicast = p->ipv6_unicast,
			};
			memcpy(st->last_error, p->last_error, sizeof(st->last_error));
		}
		n++;
	}
	return n;
}

size_t bgp_announced(const struct bgp_speaker *s, struct bgp_route *out, size_t max)
{
	for (size_t i = 0; i < s->n_routes && i < max; i++)
		out[i] = s->routes[i];
	return s->n_routes;
}
