/* SPDX-License-Identifier: MIT */
/*
 * bgp.h - edgelbd's announce-only BGP-4 speaker: the API the daemon uses.
 *
 * One speaker runs on the daemon's event loop (control/lib/evloop.h) and holds any number of eBGP
 * peers. It announces the routes handed to bgp_announce() to every peer whose session is
 * Established (and to every peer that reaches Established later), withdraws them on
 * bgp_withdraw(), and ignores every route the peers send, after validating each message fully.
 *
 * Lifecycle:
 *   struct bgp_speaker *s = bgp_new(loop, &conf);     // listens on conf.listen_port if != 0
 *   int id = bgp_add_peer(s, &peer_conf);             // starts connecting at once
 *   bgp_announce(s, &route); bgp_withdraw(s, &prefix);
 *   bgp_set_graceful_shutdown(s, true);               // RFC 8326: re-sends with 65535:0
 *   bgp_shutdown(s);                                  // Cease to everyone, sessions stay down
 *   bgp_free(s);
 *
 * Errors are negative errno values; every problem is logged once through conf.log.
 *
 * Decisions worth knowing:
 *  - 4-octet AS numbers are required: a peer whose OPEN lacks the 4-octet AS capability
 *    (RFC 6793) is refused with NOTIFICATION OPEN error / Unsupported Capability, carrying our
 *    4-octet AS capability as data. Every router of the last decade supports it.
 *  - Collision detection (RFC 4271 6.8) is simplified: an incoming connection replaces our own
 *    attempt while no OPEN has been exchanged on it; later it is closed with Cease / Connection
 *    Collision Resolution, unless the peer's BGP Identifier (known in OpenConfirm) is higher
 *    than ours, in which case the incoming one wins as the RFC says.
 *  - Errors in received UPDATEs follow RFC 7606: most attribute errors are "treat-as-withdraw"
 *    (logged and counted; we keep no received routes anyway), framing errors and MP_REACH /
 *    MP_UNREACH errors reset the session with the RFC 4271 code and subcode.
 */
#ifndef EDGELB_CONTROL_BGP_H
#define EDGELB_CONTROL_BGP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "control/lib/evloop.h"
#include "dataplane/core/tables.h"

#define BGP_PORT                  179
#define BGP_MAX_COMMUNITIES       16
#define BGP_MAX_LARGE_COMMUNITIES 8
#define BGP_MAX_PREPEND           16
#define BGP_MD5_KEY_MAX           80 /* TCP_MD5SIG_MAXKEYLEN */
#define BGP_ERROR_TEXT_MAX        160

#define BGP_COMMUNITY(hi, lo) (((uint32_t)(hi) << 16) | (uint16_t)(lo))
#define BGP_COMMUNITY_GSHUT   BGP_COMMUNITY(65535, 0) /* RFC 8326 GRACEFUL_SHUTDOWN */

enum bgp_state {
	BGP_IDLE,
	BGP_CONNECT,
	BGP_ACTIVE,
	BGP_OPENSENT,
	BGP_OPENCONFIRM,
	BGP_ESTABLISHED,
};

const char *bgp_state_name(enum bgp_state state);

/* A prefix: family is LB_AF_INET or LB_AF_INET6; host bits beyond len must be zero. */
struct bgp_prefix {
	struct lb_addr addr;
	uint8_t family;
	uint8_t len;
};

struct bgp_large_community {
	uint32_t global, local1, local2;
};

/* What to announce for one prefix. */
struct bgp_route {
	struct bgp_prefix prefix;
	uint8_t prepend; /* extra copies of the local AS (backup sites), <= BGP_MAX_PREPEND */
	bool has_med;
	uint32_t med;
	uint8_t n_communities;
	uint8_t n_large;
	uint32_t communities[BGP_MAX_COMMUNITIES]; /* BGP_COMMUNITY(asn, value) */
	struct bgp_large_community large[BGP_MAX_LARGE_COMMUNITIES];
};

enum bgp_log_level { BGP_LOG_ERR, BGP_LOG_WARN, BGP_LOG_INFO, BGP_LOG_DEBUG };

typedef void (*bgp_log_fn)(void *arg, enum bgp_log_level level, const char *msg);
typedef void (*bgp_state_fn)(void *arg, int peer_id, enum bgp_state from, enum bgp_state to);

struct bgp_speaker_conf {
	uint32_t local_as;
	uint32_t router_id;   /* BGP Identifier, network byte order, != 0 */
	uint16_t hold_time;   /* seconds we propose, >= 3; 0 means the default, 90 ... */
	bool hold_time_zero;  /* ... unless this is set: then we propose 0 (no keepalives) */
	uint16_t listen_port; /* 0: no listening socket (active connects only) */
	struct sockaddr_storage listen_addr; /* ss_family 0: every address (dual-stack) */
	uint32_t connect_retry_min_ms;       /* first retry delay, default 1000 */
	uint32_t connect_retry_max_ms;       /* backoff cap, default 60000 */
	bool route_refresh;                  /* advertise the Route Refresh capability (RFC 2918) */
	bgp_log_fn log;                      /* NULL: log to stderr */
	void *log_arg;
	bgp_state_fn on_state; /* optional: every FSM state change; must not call bgp_* back */
	void *state_arg;
};

struct bgp_peer_conf {
	struct sockaddr_storage addr;  /* peer address; port 0 means 179 */
	struct sockaddr_storage local; /* local address to bind; ss_family 0: any */
	char ifname[IF_NAMESIZE];      /* for link-local peers and next-hop lookup; may be empty */
	uint32_t peer_as;
	uint16_t hold_time; /* 0: the speaker's */
	bool ipv4_unicast;  /* AFI/SAFI to negotiate; if neither is set: the peer's family */
	bool ipv6_unicast;
	bool passive;                      /* never connect, only accept */
	char md5_key[BGP_MD5_KEY_MAX + 1]; /* TCP MD5 (RFC 2385); empty: off */
	bool gtsm;                         /* RFC 5082: send TTL 255, accept only TTL >= 254 */
	struct lb_addr nexthop4;           /* 0: the session's local address (must then be IPv4) */
	struct lb_addr nexthop6; /* ::: the global address of the session / its interface */
};

struct bgp_peer_status {
	int id;
	enum bgp_state state;
	struct sockaddr_storage addr;
	uint32_t peer_as;
	uint32_t remote_id;      /* network byte order; 0 before an OPEN */
	uint16_t hold_time;      /* negotiated; 0 before OpenConfirm */
	uint16_t keepalive_time; /* seconds between our KEEPALIVEs */
	uint64_t uptime_s;       /* time in Established, 0 otherwise */
	uint64_t msgs_in, msgs_out, updates_in, updates_out;
	uint64_t established_count, errors_treated_as_withdraw;
	bool ipv4_unicast, ipv6_unicast; /* negotiated */
	char last_error[BGP_ERROR_TEXT_MAX];
};

struct bgp_speaker;

/* NULL on bad configuration (logged) or when the listening socket cannot be opened. */
struct bgp_speaker *bgp_new(struct evloop *loop, const struct bgp_speaker_conf *conf);
/* Closes every session (with Cease if Established) and frees everything. */
void bgp_free(struct bgp_speaker *s);

/* Returns the peer id (>= 0) or -EINVAL / -EEXIST / -ENOMEM / -EOPNOTSUPP (MD5/GTSM refused). */
int bgp_add_peer(struct bgp_speaker *s, const struct bgp_peer_conf *conf);
/* Sends Cease / Peer De-configured if up. -ENOENT for an unknown id. */
int bgp_remove_peer(struct bgp_speaker *s, int peer_id);

/* Adds or replaces the route for r->prefix and sends it to every Established peer. */
int bgp_announce(struct bgp_speaker *s, const struct bgp_route *r);
/* Removes the route and sends the withdrawal. -ENOENT when it was not announced. */
int bgp_withdraw(struct bgp_speaker *s, const struct bgp_prefix *p);
/* RFC 8326: adds GRACEFUL_SHUTDOWN (65535:0) to every route and re-sends them all. */
void bgp_set_graceful_shutdown(struct bgp_speaker *s, bool on);
/* Cease / Administrative Shutdown to every peer; sessions stay down until bgp_restart(). */
void bgp_shutdown(struct bgp_speaker *s);
void bgp_restart(struct bgp_speaker *s);

/* Fills up to max entries; returns the number of peers. */
size_t bgp_status(const struct bgp_speaker *s, struct bgp_peer_status *out, size_t max);
/* Fills up to max announced routes (as configured, without the gshut community); returns count. */
size_t bgp_announced(const struct bgp_speaker *s, struct bgp_route *out, size_t max);

/* Text helpers for logs, configs and the driver. 0 on success, -EINVAL otherwise. */
int bgp_prefix_parse(const char *text, struct bgp_prefix *p);
void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len);

#endif
