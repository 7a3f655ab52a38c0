/* SPDX-License-Identifier: MIT */
/*
 * health.h - active health checks of backends (TCP connect and HTTP/1.1 GET) run on the control
 * daemon's single event loop. No threads, no blocking calls: every check is a non-blocking
 * socket plus one timer per target.
 *
 * Scheduling: a target's first check starts after a random delay in [0, interval * jitter%];
 * each following check starts interval * (1 +- jitter%) after the previous one started (uniform),
 * or as soon as the previous one ended if that is later. A check that has not succeeded within
 * timeout_ms fails with reason "timeout".
 *
 * State: a target starts DOWN (never checked). It becomes UP after `rise` consecutive successes
 * and DOWN again after `fall` consecutive failures. on_change is called exactly once per
 * transition, and never otherwise.
 *
 * Failure reasons (health_status.last_failure and on_change's reason when going down):
 *   "timeout", "refused", "reset", "unreachable", "closed early", "bad response",
 *   "header too large", "status <code>", "body mismatch", "bad chunked body", and for local
 *   errors "<syscall>: <strerror>" (e.g. "bind: Cannot assign requested address").
 */
#ifndef EDGELB_CONTROL_HEALTH_H
#define EDGELB_CONTROL_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "control/lib/evloop.h"

#define HEALTH_PATH_MAX       256 /* including the NUL */
#define HEALTH_HOST_MAX       256
#define HEALTH_BODY_MATCH_MAX 128
#define HEALTH_MAX_EXPECT     8
#define HEALTH_HISTORY_LEN    32
#define HEALTH_REASON_MAX     64
#define HEALTH_HEADER_CAP     (16 * 1024) /* status line + headers */
#define HEALTH_BODY_CAP       (64 * 1024) /* body bytes searched for body_contains */
#define HEALTH_JITTER_MAX_PCT 50

enum health_type {
	HEALTH_TCP,  /* success = connected within timeout; closed with RST (no TIME_WAIT here) */
	HEALTH_HTTP, /* GET path, success = expected status (+ body substring) within timeout */
};

struct health_spec {
	enum health_type type;
	uint16_t port;                        /* 0: the backend address's own port */
	char path[HEALTH_PATH_MAX];           /* HTTP: "/health", "/v2/health/ready"; "" = "/" */
	char host[HEALTH_HOST_MAX];           /* HTTP Host header; "" = backend address[:port] */
	int expect_status[HEALTH_MAX_EXPECT]; /* HTTP: accepted status codes */
	int n_expect;                         /* 0: only 200 */
	char body_contains[HEALTH_BODY_MATCH_MAX]; /* HTTP: "" = do not look at the body */
	uint32_t interval_ms;                      /* start to start, >= 1 */
	uint32_t timeout_ms;                       /* 1 .. interval_ms - 1 */
	uint32_t rise;                             /* >= 1 */
	uint32_t fall;                             /* >= 1 */
	uint32_t jitter_pct;                       /* 0 .. HEALTH_JITTER_MAX_PCT */
};

struct health_checker;
struct health_target;

/*
 * Called on every UP/DOWN transition, exactly once. reason is "ok" when going up, the failure
 * reason when going down; it is valid only during the call. The callback may call
 * health_remove() (on this or any target), health_update_spec(), health_add() or health_free();
 * the checker does not touch the target after the callback returns.
 */
typedef void (*health_change_cb)(void *arg, struct health_target *t, bool up, const char *reason);

/* A read-only snapshot for edgelbctl and metrics. DOWN with checks == 0 means "not yet known". */
struct health_status {
	bool up;
	uint32_t consecutive_ok;
	uint32_t consecutive_fail;
	uint64_t checks;          /* completed checks */
	uint64_t failures;        /* of which failed */
	uint32_t history;         /* bit i = result of the i-th most recent check, 1 = success */
	uint32_t history_len;     /* valid bits in history, <= HEALTH_HISTORY_LEN */
	uint32_t last_latency_us; /* duration of the last completed check */
	char last_failure[HEALTH_REASON_MAX]; /* "" if no check ever failed */
	uint64_t last_start_ns;               /* evloop_now_ns() clock; 0 before the first check */
	uint64_t next_start_ns; /* planned start of the next check (before end-clamping) */
	bool in_flight;
};

/* Fill spec with defaults: TCP, interval 2000 ms, timeout 1000 ms, rise 2, fall 3, jitter 10%. */
void health_spec_init(struct health_spec *spec);

/*
 * 0 if spec is usable; otherwise -EINVAL and a human message in err (errlen bytes, may be NULL)
 * naming the bad field, for the config loader.
 */
int health_spec_validate(const struct health_spec *spec, char *err, size_t errlen);

/* NULL with errno set on failure. */
struct health_checker *health_new(struct evloop *loop);
/* Removes every target (no callbacks) and frees the checker. */
void health_free(struct health_checker *hc);

/*
 * Start checking a backend. backend is a sockaddr_in or sockaddr_in6 (its port is used when
 * spec->port is 0). bind_src, if not NULL, is the local address checks come from (same family;
 * its port is ignored). Returns NULL with errno = EINVAL (bad spec or addresses) or ENOMEM.
 */
struct health_target *health_add(struct health_checker *hc, const struct sockaddr *backend,
				 socklen_t backend_len, const struct sockaddr *bind_src,
				 const struct health_spec *spec, health_change_cb on_change,
				 void *arg);

/*
 * Config reload: replace the spec, keeping the UP/DOWN state and counters. If the spec really
 * changed, an in-flight check is abandoned (not counted) and the next one is scheduled as for
 * a new target. Returns -EINVAL (spec unchanged) if the new spec is invalid.
 */
int health_update_spec(struct health_target *t, const struct health_spec *spec);

/* Stop checking and free t; safe while a check is in flight (closes its socket, cancels timer). */
void health_remove(struct health_checker *hc, struct health_target *t);

bool health_is_up(const struct health_target *t);
void health_get_status(const struct health_target *t, struct health_status *out);
/* Last failure reason, "" if none; valid until the target's next check completes. */
const char *health_last_failure(const struct health_target *t);

#endif
