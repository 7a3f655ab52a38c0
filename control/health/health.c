// SPDX-License-Identifier: MIT
/*
 * health.c - TCP and HTTP/1.1 health checks on the event loop (see health.h).
 *
 * A target is a small state machine driven by one ev_timer and, while a check runs, one
 * non-blocking socket: IDLE (timer = next start) -> CONNECTING -> SENDING -> RECEIVING
 * (timer = timeout) -> IDLE. Every path out of a check goes through check_finish(), which
 * closes the socket, records the result, arms the next start and, last of all, calls the
 * owner's on_change so that the owner may free the target from inside the callback.
 */
#include "control/health/health.h"
#include "control/health/http_response.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS   1000000ull
#define REQUEST_MAX (HEALTH_PATH_MAX + HEALTH_HOST_MAX + 128)

enum probe_phase { PHASE_IDLE, PHASE_CONNECTING, PHASE_SENDING, PHASE_RECEIVING };

struct health_target {
	struct health_checker *hc;
	struct health_target *prev, *next;

	struct sockaddr_storage addr; /* port = spec.port, or backend_port if that is 0 */
	socklen_t addr_len;
	uint16_t backend_port;
	struct sockaddr_storage src;
	socklen_t src_len; /* 0: no bind */
	struct health_spec spec;
	char request[REQUEST_MAX];
	size_t request_len;
	health_change_cb on_change;
	void *arg;

	struct ev_timer timer;
	enum probe_phase phase;
	int fd;
	size_t sent;
	struct http_response resp;

	uint64_t start_ns, next_start_ns;
	bool up;
	uint32_t consecutive_ok, consecutive_fail;
	uint64_t checks, failures;
	uint32_t history, history_len;
	uint32_t last_latency_us;
	char last_failure[HEALTH_REASON_MAX];
	char reason[HEALTH_REASON_MAX]; /* of the check being finished */
};

struct health_checker {
	struct evloop *loop;
	struct health_target *targets;
	uint64_t rng; /* xorshift64* state for jitter */
};

/* ---- spec ---- */

void health_spec_init(struct health_spec *spec)
{
	*spec = (struct health_spec){
	    .type = HEALTH_TCP,
	    .interval_ms = 2000,
	    .timeout_ms = 1000,
	    .rise = 2,
	    .fall = 3,
	    .jitter_pct = 10,
	};
}

static bool str_terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/* No byte that would let a config value break the request line or add a header. */
static bool str_is_header_safe(const char *s, bool allow_space)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space))
			return false;
	}
	return true;
}

static int spec_error(char *err, size_t errlen, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}

int health_spec_validate(const struct health_spec *s, char *err, size_t errlen)
{
	if (s->type != HEALTH_TCP && s->type != HEALTH_HTTP)
		return spec_error(err, errlen, "type must be tcp or http");
	if (s->interval_ms < 1)
		return spec_error(err, errlen, "interval must be at least 1 ms");
	if (s->timeout_ms < 1 || s->timeout_ms >= s->interval_ms)
		return spec_error(err, errlen, "timeout must be at least 1 ms and below interval");
	if (s->rise < 1 || s->fall < 1)
		return spec_error(err, errlen, "rise and fall must be at least 1");
	if (s->jitter_pct > HEALTH_JITTER_MAX_PCT)
		return spec_error(err, errlen, "jitter must be 0..50 percent");
	if (s->type == HEALTH_TCP)
		return 0;
	if (!str_terminated(s->path, sizeof(s->path)) ||
	    !str_terminated(s->host, sizeof(s->host)) ||
	    !str_terminated(s->body_contains, sizeof(s->body_contains)))
		return spec_error(err, errlen, "path, host or body string too long");
	if (s->path[0] && (s->path[0] != '/' || !str_is_header_safe(s->path, false)))
		return spec_error(err, errlen,
				  "path must start with / and have no spaces or controls");
	if (!str_is_header_safe(s->host, false))
		return spec_error(err, errlen, "host must have no spaces or control characters");
	if (s->n_expect < 0 || s->n_expect > HEALTH_MAX_EXPECT)
		return spec_error(err, errlen, "at most 8 expected status codes");
	for (int i = 0; i < s->n_expect; i++)
		if (s->expect_status[i] < 100 || s->expect_status[i] > 599)
			return spec_error(err, errlen, "expected status codes must be 100..599");
	return 0;
}

static bool spec_equal(const struct health_spec *a, const struct health_spec *b)
{
	if (a->type != b->type || a->port != b->port || a->interval_ms != b->interval_ms ||
	    a->timeout_ms != b->timeout_ms || a->rise != b->rise || a->fall != b->fall ||
	    a->jitter_pct != b->jitter_pct || a->n_expect != b->n_expect)
		return false;
	for (int i = 0; i < a->n_expect; i++)
		if (a->expect_status[i] != b->expect_status[i])
			return false;
	return !strcmp(a->path, b->path) && !strcmp(a->host, b->host) &&
	       !strcmp(a->body_contains, b->body_contains);
}

/* ---- addresses and the request ---- */

static uint16_t sockaddr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void sockaddr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Copy a sockaddr_in/in6 of the right length; 0 on success. */
static int sockaddr_copy(struct sockaddr_storage *dst, socklen_t *dst_len,
			 const struct sockaddr *src, socklen_t len)
{
	socklen_t want;

	if (!src)
		return -EINVAL;
	if (src->sa_family == AF_INET)
		want = sizeof(struct sockaddr_in);
	else if (src->sa_family == AF_INET6)
		want = sizeof(struct sockaddr_in6);
	else
		return -EINVAL;
	if (len < want)
		return -EINVAL;
	memset(dst, 0, sizeof(*dst));
	memcpy(dst, src, want);
	*dst_len = want;
	return 0;
}

/* Default Host header: the address literal, bracketed for IPv6, with :port unless 80. */
static void default_host(const struct health_target *t, uint16_t port, char *out, size_t size)
{
	char ip[INET6_ADDRSTRLEN] = "";

	if (t->addr.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&t->addr)->sin_addr, ip,
			  sizeof(ip));
		if (port == 80)
			snprintf(out, size, "%s", ip);
		else
			snprintf(out, size, "%s:%u", ip, port);
		return;
	}
	inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&t->addr)->sin6_addr, ip, sizeof(ip));
	if (port == 80)
		snprintf(out, size, "[%s]", ip);
	else
		snprintf(out, size, "[%s]:%u", ip, port);
}

static void build_request(struct health_target *t)
{
	char host[HEALTH_HOST_MAX + 64];
	uint16_t port = sockaddr_port(&t->addr);

	if (t->spec.host[0])
		snprintf(host, sizeof(host), "%s", t->spec.host);
	else
		default_host(t, port, host, sizeof(host));
	int n = snprintf(t->request, sizeof(t->request),
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: edgelb-health\r\n"
			 "Accept: */*\r\nConnection: close\r\n\r\n",
			 t->spec.path[0] ? t->spec.path : "/", host);
	/* REQUEST_MAX holds the longest valid path and host, so n always fits */
	t->request_len = (size_t)n < sizeof(t->request) ? (size_t)n : sizeof(t->request) - 1;
}

/* Install a validated spec: effective port and the request bytes. */
static void target_apply_spec(struct health_target *t, const struct health_spec *spec)
{
	t->spec = *spec;
	sockaddr_set_port(&t->addr, spec->port ? spec->port : t->backend_port);
	if (spec->type == HEALTH_HTTP)
		build_request(t);
}

/* ---- randomness for jitter ---- */

static uint64_t rng_next(struct health_checker *hc)
{
	uint64_t x = hc->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	hc->rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

static void rng_seed(struct health_checker *hc)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = evloop_now_ns() ^ ((uint64_t)getpid() << 32);
	hc->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

static uint64_t jitter_span_ns(const struct health_spec *spec)
{
	return (uint64_t)spec->interval_ms * NS_PER_MS * spec->jitter_pct / 100;
}

/* interval +- jitter, uniform */
static uint64_t next_interval_ns(struct health_checker *hc, const struct health_spec *spec)
{
	uint64_t base = (uint64_t)spec->interval_ms * NS_PER_MS, span = jitter_span_ns(spec);

	if (!span)
		return base;
	return base - span + rng_next(hc) % (2 * span + 1);
}

/* first check of a new or re-specified target: uniform in [0, jitter span] */
static uint64_t first_delay_ns(struct health_checker *hc, const struct health_spec *spec)
{
	uint64_t span = jitter_span_ns(spec);

	return span ? rng_next(hc) % (span + 1) : 0;
}

/* ---- probe lifecycle ---- */

static void timer_fired(struct evloop *loop, struct ev_timer *timer, void *arg);
static void socket_ready(struct evloop *loop, int fd, uint32_t events, void *arg);

/* Close the socket and drop the response; the target is IDLE afterwards. */
static void probe_abort(struct health_target *t)
{
	if (t->fd >= 0) {
		evloop_del_fd(t->hc->loop, t->fd);
		close(t->fd);
		t->fd = -1;
	}
	http_response_reset(&t->resp);
	evloop_timer_cancel(t->hc->loop, &t->timer);
	t->phase = PHASE_IDLE;
}

static void schedule_at(struct health_target *t, uint64_t planned_ns)
{
	uint64_t now = evloop_now_ns();

	t->next_start_ns = planned_ns;
	evloop_timer_arm(t->hc->loop, &t->timer, planned_ns > now ? planned_ns - now : 0);
}

static void history_push(struct health_target *t, bool ok)
{
	t->history = (t->history << 1) | (ok ? 1u : 0u);
	if (t->history_len < HEALTH_HISTORY_LEN)
		t->history_len++;
}

/* Count the result; true if the target changed state. */
static bool record_result(struct health_target *t, bool ok)
{
	t->checks++;
	history_push(t, ok);
	if (ok) {
		t->consecutive_ok++;
		t->consecutive_fail = 0;
		if (!t->up && t->consecutive_ok >= t->spec.rise) {
			t->up = true;
			return true;
		}
		return false;
	}
	t->failures++;
	t->consecutive_fail++;
	t->consecutive_ok = 0;
	snprintf(t->last_failure, sizeof(t->last_failure), "%s", t->reason);
	if (t->up && t->consecutive_fail >= t->spec.fall) {
		t->up = false;
		return true;
	}
	return false;
}

/*
 * End of every check. reason is NULL on success. The on_change call is the very last thing:
 * the owner may free t in it, and no caller of check_finish touches t after it returns.
 */
static void check_finish(struct health_target *t, const char *reason)
{
	uint64_t now = evloop_now_ns();
	bool ok = reason == NULL;

	probe_abort(t);
	t->last_latency_us = (uint32_t)((now - t->start_ns) / 1000);
	if (reason != t->reason)
		snprintf(t->reason, sizeof(t->reason), "%s", ok ? "ok" : reason);
	bool changed = record_result(t, ok);
	schedule_at(t, t->start_ns + next_interval_ns(t->hc, &t->spec));
	if (changed && t->on_change)
		t->on_change(t->arg, t, t->up, t->reason);
}

static void check_fail_errno(struct health_target *t, const char *what, int err)
{
	char reason[HEALTH_REASON_MAX];

	switch (err) {
	case ECONNREFUSED:
		check_finish(t, "refused");
		return;
	case ECONNRESET:
	case EPIPE:
		check_finish(t, "reset");
		return;
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
	case EHOSTDOWN:
		check_finish(t, "unreachable");
		return;
	case ETIMEDOUT:
		check_finish(t, "timeout");
		return;
	default:
		snprintf(reason, sizeof(reason), "%s: %s", what, strerror(err));
		check_finish(t, reason);
	}
}

/* TCP check passed; close with RST so that thousands of checks leave no TIME_WAIT behind. */
static void tcp_check_passed(struct health_target *t)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};

	setsockopt(t->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	check_finish(t, NULL);
}

static void http_send(struct health_target *t)
{
	while (t->sent < t->request_len) {
		ssize_t n = send(t->fd, t->request + t->sent, t->request_len - t->sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				t->phase = PHASE_SENDING;
				evloop_mod_fd(t->hc->loop, t->fd, EPOLLOUT);
				return;
			}
			check_fail_errno(t, "send", errno);
			return;
		}
		t->sent += (size_t)n;
	}
	t->phase = PHASE_RECEIVING;
	evloop_mod_fd(t->hc->loop, t->fd, EPOLLIN | EPOLLRDHUP);
}

static void connected(struct health_target *t)
{
	if (t->spec.type == HEALTH_TCP) {
		tcp_check_passed(t);
		return;
	}
	t->sent = 0;
	http_send(t);
}

static void check_start(struct health_target *t)
{
	struct health_checker *hc = t->hc;
	int one = 1;

	t->start_ns = evloop_now_ns();
	t->fd = socket(t->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (t->fd < 0) {
		check_fail_errno(t, "socket", errno);
		return;
	}
	t->phase = PHASE_CONNECTING;
	evloop_timer_arm(hc->loop, &t->timer, (uint64_t)t->spec.timeout_ms * NS_PER_MS);
	if (t->src_len) {
		/* the port is picked at connect time, per destination: no ephemeral exhaustion */
		setsockopt(t->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		if (bind(t->fd, (struct sockaddr *)&t->src, t->src_len) < 0) {
			check_fail_errno(t, "bind", errno);
			return;
		}
	}
	int err = evloop_add_fd(hc->loop, t->fd, EPOLLOUT, socket_ready, t);
	if (err < 0) {
		check_fail_errno(t, "epoll", -err);
		return;
	}
	if (connect(t->fd, (struct sockaddr *)&t->addr, t->addr_len) == 0) {
		connected(t);
		return;
	}
	if (errno != EINPROGRESS && errno != EINTR)
		check_fail_errno(t, "connect", errno);
}

static void on_connect_ready(struct health_target *t)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		check_fail_errno(t, "connect", err);
		return;
	}
	connected(t);
}

static void http_receive(struct health_target *t)
{
	struct http_response *r = &t->resp;
	const char *reason = NULL;

	for (;;) {
		int err = http_response_grow(r);
		if (err == -ENOMEM) {
			check_fail_errno(t, "recv", ENOMEM);
			return;
		}
		if (err < 0) {
			/* buffer full at its cap: whatever was still missing will never fit */
			check_finish(t, r->body_off ? "body mismatch" : "header too large");
			return;
		}
		ssize_t n = recv(t->fd, r->buf + r->len, r->cap - r->len, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			check_fail_errno(t, "recv", errno);
			return;
		}
		r->len += (size_t)n;
		enum parse_verdict v =
		    http_response_parse(r, &t->spec, n == 0, &reason, t->reason, sizeof(t->reason));
		if (v == PARSE_OK) {
			check_finish(t, NULL);
			return;
		}
		if (v == PARSE_FAIL) {
			check_finish(t, reason);
			return;
		}
		if (n == 0) {
			check_finish(t, "closed early");
			return;
		}
	}
}

static void socket_ready(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct health_target *t = arg;

	switch (t->phase) {
	case PHASE_CONNECTING:
		on_connect_ready(t);
		break;
	case PHASE_SENDING:
		http_send(t);
		break;
	case PHASE_RECEIVING:
		http_receive(t);
		break;
	case PHASE_IDLE:
		break;
	}
}

static void timer_fired(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct health_target *t = arg;

	if (t->phase == PHASE_IDLE)
		check_start(t);
	else
		check_finish(t, "timeout");
}

/* ---- public API ---- */

struct health_checker *health_new(struct evloop *loop)
{
	struct health_checker *hc;

	if (!loop) {
		errno = EINVAL;
		return NULL;
	}
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return NULL;
	hc->loop = loop;
	rng_seed(hc);
	return hc;
}

static void target_unlink(struct health_checker *hc, struct health_target *t)
{
	if (t->prev)
		t->prev->next = t->next;
	else
		hc->targets = t->next;
	if (t->next)
		t->next->prev = t->prev;
}

void health_remove(struct health_checker *hc, struct health_target *t)
{
	if (!hc || !t || t->hc != hc)
		return;
	probe_abort(t);
	target_unlink(hc, t);
	free(t);
}

void health_free(struct health_checker *hc)
{
	if (!hc)
		return;
	while (hc->targets)
		health_remove(hc, hc->targets);
	free(hc);
}

static void schedule_first(struct health_target *t)
{
	schedule_at(t, evloop_now_ns() + first_delay_ns(t->hc, &t->spec));
}

struct health_target *health_add(struct health_checker *hc, const struct sockaddr *backend,
				 socklen_t backend_len, const struct sockaddr *bind_src,
				 const struct health_spec *spec, health_change_cb on_change,
				 void *arg)
{
	struct health_target *t;

	if (!hc || !spec || health_spec_validate(spec, NULL, 0)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->hc = hc;
	t->fd = -1;
	if (sockaddr_copy(&t->addr, &t->addr_len, backend, backend_len))
		goto invalid;
	t->backend_port = sockaddr_port(&t->addr);
	if (bind_src) {
		/* any length will do for the family check; the copy takes what the family needs */
		if (sockaddr_copy(&t->src, &t->src_len, bind_src, sizeof(struct sockaddr_in6)) ||
		    t->src.ss_family != t->addr.ss_family)
			goto invalid;
		sockaddr_set_port(&t->src, 0);
	}
	target_apply_spec(t, spec);
	if (!sockaddr_port(&t->addr))
		goto invalid;
	t->on_change = on_change;
	t->arg = arg;
	ev_timer_init(&t->timer, timer_fired, t);
	t->next = hc->targets;
	if (hc->targets)
		hc->targets->prev = t;
	hc->targets = t;
	schedule_first(t);
	return t;
invalid:
	free(t);
	errno = EINVAL;
	return NULL;
}

int health_update_spec(struct health_target *t, const struct health_spec *spec)
{
	uint16_t port;

	if (!t || !spec || health_spec_validate(spec, NULL, 0))
		return -EINVAL;
	if (spec_equal(&t->spec, spec))
		return 0;
	port = spec->port ? spec->port : t->backend_port;
	if (!port)
		return -EINVAL;
	probe_abort(t);
	target_apply_spec(t, spec);
	schedule_first(t);
	return 0;
}

bool health_is_up(const struct health_target *t)
{
	return t && t->up;
}

const char *health_last_failure(const struct health_target *t)
{
	return t->last_failure;
}

void health_get_status(const struct health_target *t, struct health_status *out)
{
	*out = (struct health_status){
	    .up = t->up,
	    .consecutive_ok = t->consecutive_ok,
	    .consecutive_fail = t->consecutive_fail,
	    .checks = t->checks,
	    .failures = t->failures,
	    .history = t->history_len < 32 ? t->history & ((1u << t->history_len) - 1) : t->history,
	    .history_len = t->history_len,
	    .last_latency_us = t->last_latency_us,
	    .last_start_ns = t->start_ns,
	    .next_start_ns = t->next_start_ns,
	    .in_flight = t->phase != PHASE_IDLE,
	};
	snprintf(out->last_failure, sizeof(out->last_failure), "%s", t->last_failure);
}
