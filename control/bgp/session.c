// SPDX-License-Identifier: MIT
/*
 * session.c - one peer's BGP session: the RFC 4271 finite state machine, its timers, the output
 * buffer, lingering closes, next hops, and the connections peers open to us (collision handling
 * included). The speaker's peers and routes are in speaker.c, the wire format in msg.c.
 *
 * Each peer has at most one TCP connection. The FSM is written as one handler per event;
 * peer_set_state() is the only place that changes state. A session that ends in error goes
 * through session_reset(): NOTIFICATION (when there is one to send), a lingering close so the
 * peer can read it, Idle, and a ConnectRetry timer whose delay doubles up to the configured cap.
 */
#include "control/bgp/peer.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* ---- logging ---- */

void speaker_log(const struct bgp_speaker *s, enum bgp_log_level level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (s->conf.log)
		s->conf.log(s->conf.log_arg, level, msg);
	else
		fprintf(stderr, "bgp: %s\n", msg);
}

const char *bgp_state_name(enum bgp_state state)
{
	static const char *const names[] = {"Idle",     "Connect",     "Active",
					    "OpenSent", "OpenConfirm", "Established"};
	return (unsigned int)state < 6 ? names[state] : "?";
}

static void peer_set_state(struct bgp_peer *p, enum bgp_state to)
{
	enum bgp_state from = p->state;
	if (from == to)
		return;
	p->state = to;
	peer_log(p, BGP_LOG_INFO, "%s -> %s", bgp_state_name(from), bgp_state_name(to));
	if (p->s->conf.on_state)
		p->s->conf.on_state(p->s->conf.state_arg, p->id, from, to);
}

/* ---- lingering close ---- */

void linger_finish(struct lingering_close *lc)
{
	evloop_timer_cancel(lc->s->loop, &lc->timer);
	evloop_del_fd(lc->s->loop, lc->fd);
	close(lc->fd);
	*lc->pprev = lc->next;
	if (lc->next)
		lc->next->pprev = lc->pprev;
	free(lc);
}

static void linger_timeout(struct evloop *loop, struct ev_timer *t, void *arg)
{
	linger_finish(arg);
}

static void linger_readable(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	uint8_t sink[4096];
	ssize_t n = read(fd, sink, sizeof(sink));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		linger_finish(arg);
}

/* Half-closes so the peer reads what we sent, then waits for its EOF (bounded in time). */
static void close_lingering(struct bgp_speaker *s, int fd)
{
	struct lingering_close *lc = calloc(1, sizeof(*lc));
	shutdown(fd, SHUT_WR);
	if (!lc || evloop_add_fd(s->loop, fd, EPOLLIN, linger_readable, lc)) {
		free(lc);
		close(fd);
		return;
	}
	lc->s = s;
	lc->fd = fd;
	lc->next = s->lingering;
	lc->pprev = &s->lingering;
	if (s->lingering)
		s->lingering->pprev = &lc->next;
	s->lingering = lc;
	ev_timer_init(&lc->timer, linger_timeout, lc);
	evloop_timer_arm(s->loop, &lc->timer, LINGER_MS * NS_PER_MS);
}

/* ---- output ---- */

void peer_drop_connection(struct bgp_peer *p, bool linger)
{
	if (p->fd < 0)
		return;
	evloop_del_fd(p->s->loop, p->fd);
	if (linger && !p->connecting)
		close_lingering(p->s, p->fd);
	else
		close(p->fd);
	p->fd = -1;
	p->connecting = false;
	p->rlen = 0;
	p->wlen = 0;
}

static int flush_output(struct bgp_peer *p)
{
	while (p->wlen) {
		ssize_t n = send(p->fd, p->wbuf, p->wlen, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return -errno;
		memmove(p->wbuf, p->wbuf + n, p->wlen - (size_t)n);
		p->wlen -= (size_t)n;
	}
	uint32_t events = EPOLLIN | (p->wlen ? EPOLLOUT : 0);
	evloop_mod_fd(p->s->loop, p->fd, events);
	return 0;
}

/* Queues a message and tries to send it; -ENOBUFS when the peer stopped reading long ago. */
int peer_send(struct bgp_peer *p, const uint8_t *msg, size_t len)
{
	if (p->fd < 0 || !len)
		return -EINVAL;
	if (p->wlen + len > MAX_PENDING_OUT)
		return -ENOBUFS;
	if (p->wlen + len > p->wcap) {
		size_t cap = p->wcap ? p->wcap : 8192;
		while (cap < p->wlen + len)
			cap *= 2;
		uint8_t *b = realloc(p->wbuf, cap);
		if (!b)
			return -ENOMEM;
		p->wbuf = b;
		p->wcap = cap;
	}
	memcpy(p->wbuf + p->wlen, msg, len);
	p->wlen += len;
	p->msgs_out++;
	if (msg[18] == BGP_MSG_UPDATE)
		p->updates_out++;
	return flush_output(p);
}

/* ---- session end ---- */

void peer_stop_timers(struct bgp_peer *p)
{
	evloop_timer_cancel(p->s->loop, &p->hold_timer);
	evloop_timer_cancel(p->s->loop, &p->keepalive_timer);
	evloop_timer_cancel(p->s->loop, &p->retry_timer);
}

static void arm_retry_with_backoff(struct bgp_peer *p)
{
	const struct bgp_speaker_conf *c = &p->s->conf;
	evloop_timer_arm(p->s->loop, &p->retry_timer, (uint64_t)p->retry_delay_ms * NS_PER_MS);
	uint64_t next = (uint64_t)p->retry_delay_ms * 2;
	p->retry_delay_ms =
	    next > c->connect_retry_max_ms ? c->connect_retry_max_ms : (uint32_t)next;
}

void send_notification(struct bgp_peer *p, uint8_t code, uint8_t subcode, const uint8_t *data,
		       size_t data_len)
{
	uint8_t msg[BGP_MAX_MSG_LEN];
	size_t len = bgp_encode_notification(msg, sizeof(msg), code, subcode, data, data_len);
	if (p->fd >= 0 && !p->connecting && len) {
		peer_send(p, msg, len);
		peer_log(p, BGP_LOG_WARN, "sent NOTIFICATION %u/%u (%s)", code, subcode,
			 bgp_error_name(code, subcode));
	}
}

/*
 * The one way a session ends: optional NOTIFICATION, close, Idle, and a reconnect after the
 * backoff delay (unless administratively down).
 */
void session_end(struct bgp_peer *p, const char *why)
{
	if (why)
		snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	peer_drop_connection(p, true);
	peer_stop_timers(p);
	p->hold_time = p->keepalive_time = 0;
	p->established_at_ns = 0;
	peer_set_state(p, BGP_IDLE);
	if (!p->admin_down)
		arm_retry_with_backoff(p);
}

static void session_reset(struct bgp_peer *p, const struct bgp_error *err)
{
	char why[BGP_ERROR_TEXT_MAX];
	snprintf(why, sizeof(why), "sent NOTIFICATION %u/%u (%s): %s", err->code, err->subcode,
		 bgp_error_name(err->code, err->subcode), err->why ? err->why : "");
	peer_log(p, BGP_LOG_WARN, "%s", why);
	send_notification(p, err->code, err->subcode, err->data, err->data_len);
	session_end(p, why);
}

void session_reset_code(struct bgp_peer *p, uint8_t code, uint8_t subcode, const char *why)
{
	struct bgp_error err = {.code = code, .subcode = subcode, .why = why};
	session_reset(p, &err);
}

/* ---- timers ---- */

static void restart_hold_timer(struct bgp_peer *p)
{
	if (p->hold_time)
		evloop_timer_arm(p->s->loop, &p->hold_timer, (uint64_t)p->hold_time * NS_PER_S);
}

void on_hold_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_peer *p = arg;
	session_reset_code(p, BGP_ERR_HOLD_TIMER, 0, "no message from the peer within hold time");
}

static void send_keepalive(struct bgp_peer *p)
{
	uint8_t msg[BGP_HEADER_LEN];
	peer_send(p, msg, bgp_encode_keepalive(msg, sizeof(msg)));
}

void on_keepalive_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_peer *p = arg;
	send_keepalive(p);
	if (p->keepalive_time)
		evloop_timer_arm(loop, t, (uint64_t)p->keepalive_time * NS_PER_S);
}

/* Fires in Idle/Active (time to connect again) and in Connect (the attempt took too long). */
void on_retry_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	struct bgp_peer *p = arg;
	if (p->admin_down)
		return;
	if (p->fd >= 0 && p->connecting) {
		peer_log(p, BGP_LOG_INFO, "connect timed out");
		snprintf(p->last_error, sizeof(p->last_error), "connect timed out");
		peer_drop_connection(p, false);
	}
	if (p->fd < 0)
		peer_start_connecting(p);
}

/* ---- next hops ---- */

static bool lb_addr_is_zero(const struct lb_addr *a)
{
	return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static bool is_link_local6(const struct lb_addr *a)
{
	return a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

/* The interface's global and link-local IPv6 addresses, for RFC 2545 next hops. */
static void find_interface_v6(const char *ifname, struct lb_addr *global, struct lb_addr *ll)
{
	struct ifaddrs *ifs, *i;
	if (getifaddrs(&ifs))
		return;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    strcmp(i->ifa_name, ifname))
			continue;
		struct lb_addr a;
		memcpy(a.b, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
		struct lb_addr *dst = is_link_local6(&a) ? ll : global;
		if (lb_addr_is_zero(dst))
			*dst = a;
	}
	freeifaddrs(ifs);
}

/* Name of the interface holding the address, "" when none. */
static void find_interface_of(uint8_t family, const struct lb_addr *addr, char *ifname)
{
	struct ifaddrs *ifs, *i;
	ifname[0] = 0;
	if (getifaddrs(&ifs))
		return;
	for (i = ifs; i && !ifname[0]; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		uint8_t f;
		struct lb_addr a;
		if (bgp_sockaddr_to_lb(i->ifa_addr, &f, &a, NULL) || f != family)
			continue;
		if (!memcmp(&a, addr, sizeof(a)))
			snprintf(ifname, IF_NAMESIZE, "%s", i->ifa_name);
	}
	freeifaddrs(ifs);
}

static void compute_next_hops(struct bgp_peer *p)
{
	struct sockaddr_storage local;
	socklen_t slen = sizeof(local);
	uint8_t family = 0;
	struct lb_addr addr = {0};
	uint32_t scope = 0;
	char ifname[IF_NAMESIZE];

	p->nh4 = p->conf.nexthop4;
	p->nh6 = p->conf.nexthop6;
	p->nh6_ll = (struct lb_addr){0};
	if (!getsockname(p->fd, (struct sockaddr *)&local, &slen))
		bgp_sockaddr_to_lb((struct sockaddr *)&local, &family, &addr, &scope);
	if (family == LB_AF_INET && lb_addr_is_zero(&p->nh4))
		p->nh4 = addr;
	if (family == LB_AF_INET6 && !is_link_local6(&addr) && lb_addr_is_zero(&p->nh6))
		p->nh6 = addr;

	if (p->conf.ifname[0])
		snprintf(ifname, sizeof(ifname), "%s", p->conf.ifname);
	else if (!scope || !if_indextoname(scope, ifname))
		find_interface_of(family, &addr, ifname);
	if (ifname[0]) {
		struct lb_addr global = {0}, ll = {0};
		find_interface_v6(ifname, &global, &ll);
		if (lb_addr_is_zero(&p->nh6))
			p->nh6 = global;
		p->nh6_ll = ll;
	}
	if (family == LB_AF_INET6 && is_link_local6(&addr))
		p->nh6_ll = addr;
	p->has_nh4 = !lb_addr_is_zero(&p->nh4);
	p->has_nh6 = !lb_addr_is_zero(&p->nh6);
}

/* ---- connection establishment ---- */

static void on_peer_io(struct evloop *loop, int fd, uint32_t events, void *arg);

static void send_open(struct bgp_peer *p)
{
	const struct bgp_speaker_conf *c = &p->s->conf;
	struct bgp_open_params op = {
	    .local_as = c->local_as,
	    .hold_time = p->conf.hold_time ? p->conf.hold_time : c->hold_time,
	    .bgp_id = c->router_id,
	    .ipv4_unicast = p->conf.ipv4_unicast,
	    .ipv6_unicast = p->conf.ipv6_unicast,
	    .route_refresh = c->route_refresh,
	};
	uint8_t msg[BGP_MAX_MSG_LEN];
	peer_send(p, msg, bgp_encode_open(msg, sizeof(msg), &op));
}

/* TCP is up (either direction): send OPEN, wait for the peer's in OpenSent. */
static void connection_up(struct bgp_peer *p)
{
	p->connecting = false;
	evloop_mod_fd(p->s->loop, p->fd, EPOLLIN);
	compute_next_hops(p);
	evloop_timer_cancel(p->s->loop, &p->retry_timer);
	peer_set_state(p, BGP_OPENSENT);
	send_open(p);
	evloop_timer_arm(p->s->loop, &p->hold_timer, OPEN_HOLD_S * NS_PER_S);
}

static void connect_failed(struct bgp_peer *p, int err)
{
	char why[BGP_ERROR_TEXT_MAX];
	snprintf(why, sizeof(why), "connect: %s", strerror(err));
	peer_log(p, BGP_LOG_INFO, "%s", why);
	snprintf(p->last_error, sizeof(p->last_error), "%s", why);
	peer_drop_connection(p, false);
	peer_set_state(p, BGP_ACTIVE);
	arm_retry_with_backoff(p);
}

void peer_start_connecting(struct bgp_peer *p)
{
	if (p->conf.passive) {
		peer_set_state(p, BGP_ACTIVE); /* wait for the peer's connection */
		return;
	}
	int fd = bgp_socket_connect(&p->conf);
	if (fd < 0) {
		connect_failed(p, -fd);
		return;
	}
	p->fd = fd;
	p->connecting = true;
	if (evloop_add_fd(p->s->loop, fd, EPOLLOUT, on_peer_io, p)) {
		connect_failed(p, ENOMEM);
		return;
	}
	peer_set_state(p, BGP_CONNECT);
	/* a SYN may go unanswered (filtered, MD5 mismatch): give up after the connect timeout */
	uint32_t timeout_ms =
	    p->retry_delay_ms > CONNECT_TIMEOUT_MIN_MS ? p->retry_delay_ms : CONNECT_TIMEOUT_MIN_MS;
	evloop_timer_arm(p->s->loop, &p->retry_timer, (uint64_t)timeout_ms * NS_PER_MS);
}

static void on_connect_done(struct bgp_peer *p)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		connect_failed(p, err);
		return;
	}
	peer_log(p, BGP_LOG_INFO, "TCP connection established (outgoing)");
	connection_up(p);
}

/* ---- received messages ---- */

static void on_open(struct bgp_peer *p, const uint8_t *body, size_t len)
{
	const struct bgp_speaker_conf *c = &p->s->conf;
	struct bgp_open_expect ex = {
	    .peer_as = p->conf.peer_as,
	    .local_as = c->local_as,
	    .local_id = c->router_id,
	    .want_ipv4 = p->conf.ipv4_unicast,
	    .want_ipv6 = p->conf.ipv6_unicast,
	};
	struct bgp_open_info info;
	struct bgp_error err;
	if (bgp_decode_open(body, len, &ex, &info, &err)) {
		session_reset(p, &err);
		return;
	}
	uint16_t ours = p->conf.hold_time ? p->conf.hold_time : c->hold_time;
	p->hold_time = info.hold_time < ours ? info.hold_time : ours;
	p->keepalive_time = p->hold_time / 3;
	p->remote_id = info.bgp_id;
	p->ipv4_unicast = info.ipv4_unicast;
	p->ipv6_unicast = info.ipv6_unicast;
	peer_log(p, BGP_LOG_INFO, "OPEN accepted: AS %u, hold time %u s, keepalive %u s%s%s",
		 info.peer_as, p->hold_time, p->keepalive_time, p->ipv4_unicast ? ", ipv4" : "",
		 p->ipv6_unicast ? ", ipv6" : "");
	peer_set_state(p, BGP_OPENCONFIRM);
	send_keepalive(p);
	if (p->hold_time) {
		restart_hold_timer(p);
		evloop_timer_arm(p->s->loop, &p->keepalive_timer,
				 (uint64_t)p->keepalive_time * NS_PER_S);
	} else {
		evloop_timer_cancel(p->s->loop, &p->hold_timer);
	}
}

static void send_end_of_rib(struct bgp_peer *p, uint8_t family)
{
	uint8_t msg[64];
	peer_send(p, msg, bgp_encode_end_of_rib(msg, sizeof(msg), family));
}

static void enter_established(struct bgp_peer *p)
{
	p->established_at_ns = evloop_now_ns();
	p->established_count++;
	p->retry_delay_ms = p->s->conf.connect_retry_min_ms;
	p->last_error[0] = 0;
	peer_set_state(p, BGP_ESTABLISHED);
	send_all_routes(p, 0);
	if (p->ipv4_unicast)
		send_end_of_rib(p, LB_AF_INET);
	if (p->ipv6_unicast)
		send_end_of_rib(p, LB_AF_INET6);
}

static uint8_t unexpected_subcode(enum bgp_state state)
{
	switch (state) {
	case BGP_OPENSENT:
		return BGP_FSM_UNEXPECTED_IN_OPENSENT;
	case BGP_OPENCONFIRM:
		return BGP_FSM_UNEXPECTED_IN_OPENCONFIRM;
	case BGP_ESTABLISHED:
		return BGP_FSM_UNEXPECTED_IN_ESTABLISHED;
	default:
		return 0;
	}
}

static void on_unexpected(struct bgp_peer *p, uint8_t type)
{
	char why[64];
	snprintf(why, sizeof(why), "message type %u unexpected in %s", type,
		 bgp_state_name(p->state));
	session_reset_code(p, BGP_ERR_FSM, unexpected_subcode(p->state), why);
}

static void on_keepalive(struct bgp_peer *p)
{
	if (p->state == BGP_OPENCONFIRM)
		enter_established(p);
	else if (p->state != BGP_ESTABLISHED)
		on_unexpected(p, BGP_MSG_KEEPALIVE);
}

static void on_update(struct bgp_peer *p, const uint8_t *body, size_t len)
{
	struct bgp_update_info info;
	struct bgp_error err;
	if (p->state != BGP_ESTABLISHED) {
		on_unexpected(p, BGP_MSG_UPDATE);
		return;
	}
	p->updates_in++;
	switch (bgp_decode_update(body, len, &info, &err)) {
	case BGP_MSG_SESSION_RESET:
		session_reset(p, &err);
		return;
	case BGP_MSG_TREAT_AS_WITHDRAW:
		p->taw_count++;
		peer_log(p, BGP_LOG_WARN, "UPDATE treated as withdraw (RFC 7606): %u/%u %s: %s",
			 err.code, err.subcode, bgp_error_name(err.code, err.subcode), err.why);
		return;
	case BGP_MSG_OK:
		if (info.end_of_rib)
			peer_log(p, BGP_LOG_DEBUG, "End-of-RIB received (AFI %u)", info.eor_afi);
		return;
	}
}

static void on_notification(struct bgp_peer *p, const uint8_t *body, size_t len)
{
	struct bgp_notification n;
	char why[BGP_ERROR_TEXT_MAX], text[65] = ""; /* the start of an RFC 8203 message */
	bgp_decode_notification(body, len, &n);
	/* RFC 8203: Cease/Admin shutdown or reset may carry a length-prefixed UTF-8 message */
	if (n.code == BGP_ERR_CEASE && (n.subcode == 2 || n.subcode == 4) && n.data_len &&
	    n.data[0] && n.data[0] < n.data_len) {
		size_t shown = n.data[0] < sizeof(text) ? n.data[0] : sizeof(text) - 1;
		for (size_t i = 0; i < shown; i++) {
			uint8_t c = n.data[1 + i];
			text[i] = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		text[shown] = 0;
	}
	snprintf(why, sizeof(why), "received NOTIFICATION %u/%u (%s)%s%s", n.code, n.subcode,
		 bgp_error_name(n.code, n.subcode), text[0] ? ": " : "", text);
	peer_log(p, BGP_LOG_WARN, "%s", why);
	session_end(p, why);
}

static void on_route_refresh(struct bgp_peer *p, const uint8_t *body, size_t len)
{
	uint16_t afi;
	uint8_t safi;
	if (p->state != BGP_ESTABLISHED) {
		on_unexpected(p, BGP_MSG_ROUTE_REFRESH);
		return;
	}
	if (bgp_decode_route_refresh(body, len, &afi, &safi) || safi != BGP_SAFI_UNICAST)
		return; /* RFC 2918: ignore AFI/SAFI we did not advertise */
	if (afi == BGP_AFI_IPV4 && p->ipv4_unicast)
		send_all_routes(p, LB_AF_INET);
	else if (afi == BGP_AFI_IPV6 && p->ipv6_unicast)
		send_all_routes(p, LB_AF_INET6);
	peer_log(p, BGP_LOG_INFO, "ROUTE-REFRESH for AFI %u answered", afi);
}

static void dispatch_message(struct bgp_peer *p, const struct bgp_header *h, const uint8_t *body)
{
	size_t len = h->len - BGP_HEADER_LEN;
	p->msgs_in++;
	if (h->type != BGP_MSG_NOTIFICATION && h->type != BGP_MSG_OPEN)
		restart_hold_timer(p);
	switch (h->type) {
	case BGP_MSG_OPEN:
		if (p->state != BGP_OPENSENT)
			on_unexpected(p, h->type);
		else
			on_open(p, body, len);
		break;
	case BGP_MSG_UPDATE:
		on_update(p, body, len);
		break;
	case BGP_MSG_NOTIFICATION:
		on_notification(p, body, len);
		break;
	case BGP_MSG_KEEPALIVE:
		on_keepalive(p);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		on_route_refresh(p, body, len);
		break;
	}
}

/* Handles every complete message in the read buffer; stops if the session ended. */
static void process_input(struct bgp_peer *p)
{
	int fd = p->fd;
	size_t off = 0;
	while (p->fd == fd && p->rlen - off >= BGP_HEADER_LEN) {
		struct bgp_header h;
		struct bgp_error err;
		if (bgp_decode_header(p->rbuf + off, &h, &err)) {
			session_reset(p, &err);
			return;
		}
		if (p->rlen - off < h.len)
			break;
		dispatch_message(p, &h, p->rbuf + off + BGP_HEADER_LEN);
		off += h.len;
	}
	if (p->fd != fd)
		return;
	memmove(p->rbuf, p->rbuf + off, p->rlen - off);
	p->rlen -= off;
}

static void on_readable(struct bgp_peer *p)
{
	int fd = p->fd;
	for (int i = 0; i < READS_PER_WAKEUP && p->fd == fd; i++) {
		ssize_t n = read(fd, p->rbuf + p->rlen, sizeof(p->rbuf) - p->rlen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			char why[BGP_ERROR_TEXT_MAX];
			snprintf(why, sizeof(why), "connection closed by peer%s%s",
				 n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
			peer_log(p, BGP_LOG_WARN, "%s in %s", why, bgp_state_name(p->state));
			session_end(p, why);
			return;
		}
		p->rlen += (size_t)n;
		process_input(p);
	}
}

static void on_peer_io(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct bgp_peer *p = arg;
	if (p->connecting) {
		on_connect_done(p);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		on_readable(p);
	if (p->fd == fd && (events & EPOLLOUT) && flush_output(p) < 0)
		session_end(p, "send failed");
}

/* ---- incoming connections ---- */

struct bgp_peer *find_peer(struct bgp_speaker *s, const struct sockaddr *sa)
{
	uint8_t fam, pfam;
	struct lb_addr a, pa;
	uint32_t scope, pscope;
	if (bgp_sockaddr_to_lb(sa, &fam, &a, &scope))
		return NULL;
	for (int i = 0; i < s->n_peers; i++) {
		struct bgp_peer *p = s->peers[i];
		if (!p || bgp_sockaddr_to_lb((struct sockaddr *)&p->conf.addr, &pfam, &pa, &pscope))
			continue;
		if (pfam == fam && !memcmp(&pa, &a, sizeof(a)) && (!pscope || pscope == scope))
			return p;
	}
	return NULL;
}

static void reject_incoming(struct bgp_speaker *s, int fd, uint8_t subcode)
{
	uint8_t msg[64];
	size_t len = bgp_encode_notification(msg, sizeof(msg), BGP_ERR_CEASE, subcode, NULL, 0);
	/* best effort: the peer sees the close anyway */
	(void)!send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close_lingering(s, fd);
}

/*
 * Simplified collision resolution (bgp.h): before any OPEN the incoming connection replaces
 * ours; in OpenConfirm the side with the higher BGP Identifier keeps the connection it opened.
 */
static bool incoming_wins(const struct bgp_peer *p)
{
	switch (p->state) {
	case BGP_IDLE:
	case BGP_CONNECT:
	case BGP_ACTIVE:
		return true;
	case BGP_OPENCONFIRM:
		return ntohl(p->remote_id) > ntohl(p->s->conf.router_id);
	default:
		return false;
	}
}

static void adopt_incoming(struct bgp_peer *p, int fd)
{
	if (p->fd >= 0) {
		if (!p->connecting)
			send_notification(p, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
		peer_drop_connection(p, true);
	}
	peer_stop_timers(p);
	p->fd = fd;
	p->rlen = p->wlen = 0;
	if (evloop_add_fd(p->s->loop, fd, EPOLLIN, on_peer_io, p)) {
		close(fd);
		p->fd = -1;
		session_end(p, "cannot watch the accepted connection");
		return;
	}
	peer_log(p, BGP_LOG_INFO, "TCP connection established (incoming)");
	connection_up(p);
}

void on_listen_readable(struct evloop *loop, int lfd, uint32_t events, void *arg)
{
	struct bgp_speaker *s = arg;
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	int fd = accept4(lfd, (struct sockaddr *)&from, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	char name[INET6_ADDRSTRLEN + 8];
	struct bgp_peer *p = find_peer(s, (struct sockaddr *)&from);
	if (!p) {
		speaker_log(s, BGP_LOG_WARN, "connection from unknown %s refused",
			    bgp_sockaddr_format(&from, name, sizeof(name)));
		close(fd);
		return;
	}
	if (p->admin_down) {
		reject_incoming(s, fd, BGP_CEASE_ADMIN_SHUTDOWN);
		return;
	}
	if (bgp_socket_prepare_accepted(fd, &p->conf) < 0) {
		peer_log(p, BGP_LOG_ERR, "cannot set GTSM on the accepted connection");
		close(fd);
		return;
	}
	if (!incoming_wins(p)) {
		peer_log(p, BGP_LOG_INFO, "connection collision in %s: incoming connection closed",
			 bgp_state_name(p->state));
		reject_incoming(s, fd, BGP_CEASE_COLLISION);
		return;
	}
	adopt_incoming(p, fd);
}
