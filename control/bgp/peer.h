/* SPDX-License-Identifier: MIT */
/*
 * peer.h - what the speaker's two halves share, internal to control/bgp/: the peer and speaker
 * structs, and the session functions (session.c: the RFC 4271 FSM, timers, output, incoming
 * connections) the speaker's own side (speaker.c: peers, routes, status) drives, and back.
 */
#ifndef EDGELB_CONTROL_BGP_PEER_H
#define EDGELB_CONTROL_BGP_PEER_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/bgp/bgp.h"
#include "control/bgp/msg.h"
#include "control/bgp/sock.h"

#define NS_PER_MS              1000000ull
#define NS_PER_S               1000000000ull
#define OPEN_HOLD_S            240 /* RFC 4271 8.2.2: a "large value" until the OPEN arrives */
#define MAX_PENDING_OUT        (1u << 20)
#define LINGER_MS              1000
#define READS_PER_WAKEUP       16
#define DEFAULT_HOLD_S         90
#define DEFAULT_RETRY_MIN_MS   1000
#define DEFAULT_RETRY_MAX_MS   60000
#define MAX_ROUTES             4096
#define CONNECT_TIMEOUT_MIN_MS 3000

struct bgp_peer {
	struct bgp_speaker *s;
	int id;
	struct bgp_peer_conf conf;
	enum bgp_state state;
	bool admin_down;

	int fd;          /* -1 when there is no connection */
	bool connecting; /* non-blocking connect in progress */
	uint8_t rbuf[BGP_MAX_MSG_LEN];
	size_t rlen;
	uint8_t *wbuf;
	size_t wlen, wcap;

	struct ev_timer retry_timer, hold_timer, keepalive_timer;
	uint32_t retry_delay_ms;

	/* negotiated in OPEN */
	uint16_t hold_time, keepalive_time;
	uint32_t remote_id;
	bool ipv4_unicast, ipv6_unicast;

	/* next hops of the current session */
	struct lb_addr nh4, nh6, nh6_ll;
	bool has_nh4, has_nh6;

	uint64_t established_at_ns;
	uint64_t msgs_in, msgs_out, updates_in, updates_out, established_count, taw_count;
	char last_error[BGP_ERROR_TEXT_MAX];
};

struct bgp_speaker {
	struct evloop *loop;
	struct bgp_speaker_conf conf;
	int listen_fd;
	struct bgp_peer **peers; /* indexed by id; NULL for removed */
	int n_peers;
	struct bgp_route *routes;
	size_t n_routes;
	bool gshut;
	struct lingering_close *lingering;
};

/* A connection we are closing after a NOTIFICATION: read and drop until EOF or timeout. */
struct lingering_close {
	struct bgp_speaker *s;
	struct lingering_close *next, **pprev; /* in s->lingering, so bgp_free() can end them */
	int fd;
	struct ev_timer timer;
};

/* ---- session.c ---- */

struct bgp_peer *find_peer(struct bgp_speaker *s, const struct sockaddr *sa);
void linger_finish(struct lingering_close *lc);
void on_hold_timer(struct evloop *loop, struct ev_timer *t, void *arg);
void on_keepalive_timer(struct evloop *loop, struct ev_timer *t, void *arg);
void on_listen_readable(struct evloop *loop, int lfd, uint32_t events, void *arg);
void on_retry_timer(struct evloop *loop, struct ev_timer *t, void *arg);
void peer_drop_connection(struct bgp_peer *p, bool linger);
int peer_send(struct bgp_peer *p, const uint8_t *msg, size_t len);
void peer_start_connecting(struct bgp_peer *p);
void peer_stop_timers(struct bgp_peer *p);
void send_notification(struct bgp_peer *p, uint8_t code, uint8_t subcode, const uint8_t *data,
		       size_t data_len);
void session_end(struct bgp_peer *p, const char *why);
void session_reset_code(struct bgp_peer *p, uint8_t code, uint8_t subcode, const char *why);
void speaker_log(const struct bgp_speaker *s, enum bgp_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void send_all_routes(struct bgp_peer *p, uint8_t family_filter);

static inline const char *peer_name(const struct bgp_peer *p, char *buf, size_t len)
{
	return bgp_sockaddr_format(&p->conf.addr, buf, len);
}

#define peer_log(p, level, fmt, ...)                                                               \
	do {                                                                                       \
		char name_[INET6_ADDRSTRLEN + 8];                                                  \
		speaker_log((p)->s, level, "peer %s: " fmt, peer_name(p, name_, sizeof(name_)),    \
			    ##__VA_ARGS__);                                                        \
	} while (0)

/* ---- speaker.c ---- */

/* Every announced route of the peer's families (family_filter 0: all) to an Established peer. */
void send_all_routes(struct bgp_peer *p, uint8_t family_filter);

#endif
