// SPDX-License-Identifier: MIT
/*
 * test_health.c - the health checker against real sockets on loopback (127.0.0.1 and ::1).
 * Small servers run on the same event loop as the checker: accept-and-close, refuse, HTTP
 * 200/503/wrong body/chunked, hang, garbage, huge header, close early, reset. Intervals are
 * 10-50 ms; results are asserted by counting checks, never by timing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control/lib/evloop.h"
#include "control/health/health.h"

#define MAX_CONNS  256
#define MAX_EVENTS 16
#define MS         1000000ull

/* ---- test servers ---- */

enum server_mode {
	SRV_ACCEPT_CLOSE, /* TCP: accept, close */
	SRV_HANG,         /* accept, never answer */
	SRV_HTTP,         /* read the request, send srv->response, close */
	SRV_HTTP_OPEN,    /* same, but keep the connection open: framing must end the read */
	SRV_CLOSE_EARLY,  /* read the request, close without a word */
	SRV_RESET,        /* read the request, close with RST */
};

struct conn {
	int fd;
	size_t len;
	char buf[2048];
};

struct server {
	struct evloop *loop;
	int lfd;
	int family;
	uint16_t port;
	enum server_mode mode;
	const char *response;
	size_t response_len; /* 0: strlen(response) */
	int accepts;
	struct conn conns[MAX_CONNS];
	char last_request[2048];
	struct sockaddr_storage last_peer;
};

static void conn_close(struct server *s, struct conn *c, bool reset)
{
	if (reset) {
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	evloop_del_fd(s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
}

static void server_answer(struct server *s, struct conn *c)
{
	switch (s->mode) {
	case SRV_HTTP:
	case SRV_HTTP_OPEN: {
		size_t len = s->response_len ? s->response_len : strlen(s->response);
		/* one write: a reply bigger than the socket buffer is cut, as a test may want */
		ssize_t n = write(c->fd, s->response, len);
		(void)n;
		if (s->mode == SRV_HTTP)
			conn_close(s, c, false);
		break;
	}
	case SRV_CLOSE_EARLY:
		conn_close(s, c, false);
		break;
	case SRV_RESET:
		conn_close(s, c, true);
		break;
	default:
		break;
	}
}

static void conn_readable(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	struct conn *c = NULL;

	for (int i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd == fd)
			c = &s->conns[i];
	assert_non_null(c);
	ssize_t n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0) {
		conn_close(s, c, false);
		return;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (!strstr(c->buf, "\r\n\r\n"))
		return;
	memcpy(s->last_request, c->buf, c->len + 1);
	server_answer(s, c);
}

static void server_accept(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct server *s = arg;
	socklen_t plen = sizeof(s->last_peer);
	int cfd =
	    accept4(fd, (struct sockaddr *)&s->last_peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	s->accepts++;
	if (s->mode == SRV_ACCEPT_CLOSE) {
		close(cfd);
		return;
	}
	for (int i = 0; i < MAX_CONNS; i++) {
		if (s->conns[i].fd < 0) {
			s->conns[i].fd = cfd;
			s->conns[i].len = 0;
			if (s->mode != SRV_HANG)
				assert_int_equal(
				    evloop_add_fd(loop, cfd, EPOLLIN, conn_readable, s), 0);
			return;
		}
	}
	fail_msg("test server: too many connections");
}

static void loopback_addr(int family, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = in6addr_loopback;
		*len = sizeof(*sin6);
	}
}

/* Bound to an ephemeral loopback port; listening unless `listening` is false (= refuses). */
static int server_open(struct server *s, struct evloop *loop, int family, enum server_mode mode,
		       bool listening)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(s, 0, sizeof(*s));
	for (int i = 0; i < MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->loop = loop;
	s->family = family;
	s->mode = mode;
	s->lfd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return -errno;
	loopback_addr(family, 0, &ss, &len);
	if (bind(s->lfd, (struct sockaddr *)&ss, len) < 0) {
		int err = -errno;
		close(s->lfd);
		return err;
	}
	getsockname(s->lfd, (struct sockaddr *)&ss, &len);
	s->port = family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
				    : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (listening) {
		assert_int_equal(listen(s->lfd, 64), 0);
		assert_int_equal(evloop_add_fd(loop, s->lfd, EPOLLIN, server_accept, s), 0);
	}
	return 0;
}

static void server_start(struct server *s, struct evloop *loop, int family, enum server_mode mode)
{
	assert_int_equal(server_open(s, loop, family, mode, true), 0);
}

static void server_stop_listening(struct server *s)
{
	if (s->lfd < 0)
		return;
	evloop_del_fd(s->loop, s->lfd);
	close(s->lfd);
	s->lfd = -1;
}

static void server_close(struct server *s)
{
	server_stop_listening(s);
	for (int i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(s, &s->conns[i], false);
}

static void server_set_http(struct server *s, const char *response)
{
	s->mode = SRV_HTTP;
	s->response = response;
	s->response_len = 0;
}

/* ---- recording on_change ---- */

struct event {
	bool up;
	char reason[HEALTH_REASON_MAX];
	uint64_t checks; /* completed checks when the callback ran */
};

struct watch {
	struct event ev[MAX_EVENTS];
	int n;
	struct server *srv;
	struct health_checker *hc;
	/* what to do on transitions, to drive the next phase deterministically */
	void (*on_up)(struct watch *w, struct health_target *t);
	void (*on_down)(struct watch *w, struct health_target *t);
	enum server_mode bad_mode;
	const char *bad_response;
	size_t bad_response_len;
};

static void record_change(void *arg, struct health_target *t, bool up, const char *reason)
{
	struct watch *w = arg;
	struct health_status st;

	health_get_status(t, &st);
	assert_int_equal(st.up, up);
	assert_int_equal(health_is_up(t), up);
	if (w->n < MAX_EVENTS) { /* beyond that, only counted */
		w->ev[w->n].up = up;
		snprintf(w->ev[w->n].reason, sizeof(w->ev[w->n].reason), "%s", reason);
		w->ev[w->n].checks = st.checks;
	}
	w->n++;
	if (up && w->on_up)
		w->on_up(w, t);
	if (!up && w->on_down)
		w->on_down(w, t);
}

static void run_for_ms(struct evloop *loop, unsigned ms)
{
	uint64_t end = evloop_now_ns() + ms * MS;
	while (evloop_now_ns() < end)
		evloop_run_once(loop, 5);
}

/* Run the loop until w has n events; false after max_ms. */
static bool run_until_events(struct evloop *loop, struct watch *w, int n, unsigned max_ms)
{
	uint64_t end = evloop_now_ns() + max_ms * MS;
	while (w->n < n && evloop_now_ns() < end)
		evloop_run_once(loop, 5);
	return w->n >= n;
}

static void spec_fast(struct health_spec *spec, enum health_type type, uint32_t rise, uint32_t fall)
{
	health_spec_init(spec);
	spec->type = type;
	spec->interval_ms = 40;
	spec->timeout_ms = 30; /* generous: a busy shared CPU must not turn a pass into a timeout */
	spec->rise = rise;
	spec->fall = fall;
	spec->jitter_pct = 0;
}

static struct health_target *add_target(struct health_checker *hc, struct server *s,
					const struct health_spec *spec, struct watch *w)
{
	struct sockaddr_storage ss;
	socklen_t len;

	loopback_addr(s->family, s->port, &ss, &len);
	struct health_target *t =
	    health_add(hc, (struct sockaddr *)&ss, len, NULL, spec, record_change, w);
	assert_non_null(t);
	return t;
}

struct fixture {
	struct evloop *loop;
	struct health_checker *hc;
	struct server srv;
	struct watch w;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->loop = evloop_new();
	assert_non_null(f->loop);
	f->hc = health_new(f->loop);
	assert_non_null(f->hc);
	f->srv.lfd = -1;
	for (int i = 0; i < MAX_CONNS; i++)
		f->srv.conns[i].fd = -1;
	f->w.srv = &f->srv;
	f->w.hc = f->hc;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	health_free(f->hc);
	server_close(&f->srv);
	evloop_free(f->loop);
	free(f);
	return 0;
}

static const char OK_JSON[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			      "Content-Length: 18\r\n\r\n{\"status\":\"ready\"}";
static const char UNAVAILABLE[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";

/* ---- TCP ---- */

static void tcp_up_then_refuse(struct watch *w, struct health_target *t)
{
	server_stop_listening(w->srv); /* the port is free now: connects are refused */
}

static void test_tcp_rise_then_refused_fall(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE);
	spec_fast(&spec, HEALTH_TCP, 3, 2);
	f->w.on_up = tcp_up_then_refuse;
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);
	assert_false(health_is_up(t));

	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_true(f->w.ev[0].up);
	assert_string_equal(f->w.ev[0].reason, "ok");
	assert_int_equal(f->w.ev[0].checks, 3); /* exactly rise */
	assert_false(f->w.ev[1].up);
	assert_string_equal(f->w.ev[1].reason, "refused");
	assert_int_equal(f->w.ev[1].checks, 5); /* exactly fall more */

	run_for_ms(f->loop, 100); /* still refused: no more callbacks */
	assert_int_equal(f->w.n, 2);
	struct health_status st;
	health_get_status(t, &st);
	assert_false(st.up);
	assert_true(st.checks >= 6);
	assert_int_equal(st.consecutive_ok, 0);
	assert_int_equal(st.consecutive_fail, st.checks - 3);
	assert_string_equal(st.last_failure, "refused");
	assert_string_equal(health_last_failure(t), "refused");
}

static void test_tcp_refused_from_start_never_calls_back(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	/* bound but not listening: the kernel answers SYN with RST */
	assert_int_equal(server_open(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE, false), 0);
	spec_fast(&spec, HEALTH_TCP, 1, 1);
	spec.interval_ms = 20;
	spec.timeout_ms = 15;
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);

	struct health_status st;
	uint64_t end = evloop_now_ns() + 3000 * MS;
	do {
		evloop_run_once(f->loop, 5);
		health_get_status(t, &st);
	} while (st.checks < 4 && evloop_now_ns() < end);
	assert_true(st.checks >= 4);
	assert_int_equal(f->w.n, 0); /* DOWN stays DOWN: no transition, no callback */
	assert_false(st.up);
	assert_int_equal(st.failures, st.checks);
	assert_string_equal(st.last_failure, "refused");
	assert_int_equal(st.history, 0);
}

/* ---- HTTP ---- */

static void http_flip_to_503(struct watch *w, struct health_target *t)
{
	server_set_http(w->srv, UNAVAILABLE);
}

static void http_flip_to_200(struct watch *w, struct health_target *t)
{
	server_set_http(w->srv, OK_JSON);
}

/* recover once, then stay up */
static void http_flip_to_200_for_good(struct watch *w, struct health_target *t)
{
	server_set_http(w->srv, OK_JSON);
	w->on_up = NULL;
}

static void test_http_rise_fall_recover(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;
	char want[128];

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, OK_JSON);
	spec_fast(&spec, HEALTH_HTTP, 2, 3);
	snprintf(spec.path, sizeof(spec.path), "/health");
	snprintf(spec.body_contains, sizeof(spec.body_contains), "\"ready\"");
	f->w.on_up = http_flip_to_503;
	f->w.on_down = http_flip_to_200_for_good;
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);

	assert_true(run_until_events(f->loop, &f->w, 3, 3000));
	assert_true(f->w.ev[0].up);
	assert_int_equal(f->w.ev[0].checks, 2);
	assert_false(f->w.ev[1].up);
	assert_string_equal(f->w.ev[1].reason, "status 503");
	assert_int_equal(f->w.ev[1].checks, 5);
	assert_true(f->w.ev[2].up);
	assert_string_equal(f->w.ev[2].reason, "ok");
	assert_int_equal(f->w.ev[2].checks, 7);

	struct health_status st;
	health_get_status(t, &st);
	assert_int_equal(st.history_len, 7);
	assert_int_equal(st.history, 0x63); /* oldest..newest: 1 1 0 0 0 1 1 */
	assert_int_equal(st.failures, 3);
	assert_string_equal(st.last_failure, "status 503");

	/* the request the server saw */
	assert_non_null(strstr(f->srv.last_request, "GET /health HTTP/1.1\r\n"));
	snprintf(want, sizeof(want), "\r\nHost: 127.0.0.1:%u\r\n", f->srv.port);
	assert_non_null(strstr(f->srv.last_request, want));
	assert_non_null(strstr(f->srv.last_request, "\r\nUser-Agent: edgelb-health\r\n"));
	assert_non_null(strstr(f->srv.last_request, "\r\nConnection: close\r\n"));

	run_for_ms(f->loop, 100);
	assert_int_equal(f->w.n, 3); /* stable UP: no further callbacks */
}

/* Up on a good answer, then the server turns bad; the down reason is what we check. */
static void flip_to_bad(struct watch *w, struct health_target *t)
{
	w->srv->mode = w->bad_mode;
	w->srv->response = w->bad_response;
	w->srv->response_len = w->bad_response_len;
}

static void expect_reason(void **state, enum server_mode mode, const char *response,
			  size_t response_len, const char *body_contains, const char *reason)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, OK_JSON);
	spec_fast(&spec, HEALTH_HTTP, 1, 1);
	spec.interval_ms = 60;
	spec.timeout_ms = 40;
	snprintf(spec.path, sizeof(spec.path), "/v2/health/ready");
	snprintf(spec.body_contains, sizeof(spec.body_contains), "%s", body_contains);
	f->w.on_up = flip_to_bad;
	f->w.bad_mode = mode;
	f->w.bad_response = response;
	f->w.bad_response_len = response_len;
	add_target(f->hc, &f->srv, &spec, &f->w);

	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_true(f->w.ev[0].up);
	assert_false(f->w.ev[1].up);
	assert_string_equal(f->w.ev[1].reason, reason);
	assert_int_equal(f->w.ev[1].checks, 2);
}

static void test_http_503(void **state)
{
	expect_reason(state, SRV_HTTP, UNAVAILABLE, 0, "", "status 503");
}

static void test_http_wrong_body(void **state)
{
	expect_reason(state, SRV_HTTP,
		      "HTTP/1.1 200 OK\r\nContent-Length: 21\r\n\r\n{\"status\":\"loading\"}\n", 0,
		      "\"ready\"", "body mismatch");
}

static void test_hang_is_timeout(void **state)
{
	expect_reason(state, SRV_HANG, NULL, 0, "", "timeout");
}

static void test_garbage(void **state)
{
	expect_reason(state, SRV_HTTP, "SSH-2.0-OpenSSH_9.2\r\n", 0, "", "bad response");
}

static void test_binary_garbage(void **state)
{
	static const char junk[] = {0, 1, 2, 3, (char)0xff, '\r', '\n', '\r', '\n'};
	expect_reason(state, SRV_HTTP, junk, sizeof(junk), "", "bad response");
}

static void test_close_early(void **state)
{
	expect_reason(state, SRV_CLOSE_EARLY, NULL, 0, "", "closed early");
}

static void test_truncated_headers(void **state)
{
	expect_reason(state, SRV_HTTP, "HTTP/1.1 200 OK\r\nContent-Le", 0, "", "closed early");
}

static void test_reset(void **state)
{
	expect_reason(state, SRV_RESET, NULL, 0, "", "reset");
}

static void test_huge_header(void **state)
{
	static char huge[200 * 1024];
	const char head[] = "HTTP/1.1 200 OK\r\nX-Pad: ";

	memset(huge, 'a', sizeof(huge));
	memcpy(huge, head, sizeof(head) - 1);
	expect_reason(state, SRV_HTTP, huge, sizeof(huge), "", "header too large");
}

static void test_endless_body_is_mismatch(void **state)
{
	static char big[300 * 1024];
	const char head[] = "HTTP/1.1 200 OK\r\n\r\n";

	memset(big, 'x', sizeof(big));
	memcpy(big, head, sizeof(head) - 1);
	expect_reason(state, SRV_HTTP, big, sizeof(big), "ready", "body mismatch");
}

static void test_bad_chunked(void **state)
{
	expect_reason(
	    state, SRV_HTTP,
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nready\r\n0\r\n\r\n", 0,
	    "ready", "bad chunked body");
}

/* A server that keeps the connection open: the framing, not the close, ends the body. */
static void test_chunked_end_without_close(void **state)
{
	expect_reason(state, SRV_HTTP_OPEN,
		      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "7\r\nloading\r\n0\r\n\r\n",
		      0, "ready", "body mismatch");
}

static void test_content_length_end_without_close(void **state)
{
	expect_reason(state, SRV_HTTP_OPEN, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nloading",
		      0, "ready", "body mismatch");
}

static void test_unexpected_status_list(void **state)
{
	/* 200 is not in the list {204, 299}: 200 fails as "status 200" */
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, "HTTP/1.1 204 No Content\r\n\r\n");
	spec_fast(&spec, HEALTH_HTTP, 1, 1);
	spec.expect_status[0] = 204;
	spec.expect_status[1] = 299;
	spec.n_expect = 2;
	f->w.on_up = http_flip_to_200;
	add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_true(f->w.ev[0].up);
	assert_string_equal(f->w.ev[1].reason, "status 200");
}

/* Body substring split across chunks, and a body framed only by the close (HTTP/1.0). */
static void expect_up(void **state, const char *response, const char *body_contains)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, response);
	spec_fast(&spec, HEALTH_HTTP, 2, 1);
	snprintf(spec.body_contains, sizeof(spec.body_contains), "%s", body_contains);
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 1, 3000));
	assert_true(f->w.ev[0].up);
	assert_int_equal(f->w.ev[0].checks, 2);
	assert_string_equal(health_last_failure(t), "");
	assert_non_null(strstr(f->srv.last_request, "GET / HTTP/1.1\r\n"));
}

static void test_chunked_body_match(void **state)
{
	expect_up(state,
		  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "4\r\n{\"st\r\n7;ext=1\r\natus\":\"\r\n8\r\nready\"}\n\r\n0\r\n\r\n",
		  "\"status\":\"ready\"");
}

static void test_body_until_close(void **state)
{
	expect_up(state, "HTTP/1.0 200 OK\r\nServer: tiny\r\n\r\nall systems ready\n", "ready");
}

static void test_status_only_no_body_check(void **state)
{
	expect_up(state, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\npartial", "");
}

/* ---- removal ---- */

static int count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void test_remove_mid_check_leaves_no_fd(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_HANG);
	int before = count_open_fds();
	spec_fast(&spec, HEALTH_HTTP, 1, 1);
	spec.interval_ms = 50;
	spec.timeout_ms = 40;
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);

	uint64_t end = evloop_now_ns() + 3000 * MS;
	while (f->srv.accepts < 1 && evloop_now_ns() < end)
		evloop_run_once(f->loop, 5);
	assert_int_equal(f->srv.accepts, 1);
	struct health_status st;
	health_get_status(t, &st);
	assert_true(st.in_flight);
	assert_int_equal(count_open_fds(), before + 2); /* the check's socket + the server's */

	health_remove(f->hc, t);
	server_close(&f->srv);
	assert_int_equal(count_open_fds(), before - 1); /* minus the listener */
	run_for_ms(f->loop, 100);                       /* the cancelled timeout must not fire */
	assert_int_equal(f->w.n, 0);
}

static void remove_self(struct watch *w, struct health_target *t)
{
	health_remove(w->hc, t);
}

static void test_remove_from_callback(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE);
	spec_fast(&spec, HEALTH_TCP, 1, 1);
	spec.interval_ms = 10;
	spec.timeout_ms = 5;
	f->w.on_up = remove_self;
	add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 1, 3000));
	int accepts = f->srv.accepts;
	run_for_ms(f->loop, 80);
	assert_int_equal(f->w.n, 1);
	assert_int_equal(f->srv.accepts, accepts); /* no more checks of the removed target */
}

/* ---- jitter ---- */

static void test_jitter_bounds(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE);
	spec_fast(&spec, HEALTH_TCP, 100, 1);
	spec.interval_ms = 20;
	spec.timeout_ms = 15;
	spec.jitter_pct = 50;

	/* first checks of many targets spread over [0, 10 ms] */
	struct health_target *many[64];
	uint64_t now = evloop_now_ns(), first_min = UINT64_MAX, first_max = 0;
	for (int i = 0; i < 64; i++) {
		many[i] = add_target(f->hc, &f->srv, &spec, &f->w);
		struct health_status st;
		health_get_status(many[i], &st);
		uint64_t delay = st.next_start_ns - now;
		assert_true(st.next_start_ns >= now);
		assert_true(delay <= 10 * MS + (evloop_now_ns() - now));
		first_min = delay < first_min ? delay : first_min;
		first_max = delay > first_max ? delay : first_max;
	}
	assert_true(first_max - first_min > 2 * MS);

	/* following checks: 20 ms +- 10 ms after the previous start */
	uint64_t gap_min = UINT64_MAX, gap_max = 0;
	uint64_t seen[64] = {0};
	int gaps = 0;
	uint64_t end = evloop_now_ns() + 3000 * MS;
	while (gaps < 200 && evloop_now_ns() < end) {
		evloop_run_once(f->loop, 5);
		for (int i = 0; i < 64; i++) {
			struct health_status st;
			health_get_status(many[i], &st);
			if (st.checks == seen[i] || st.in_flight)
				continue;
			seen[i] = st.checks;
			uint64_t gap = st.next_start_ns - st.last_start_ns;
			assert_true(gap >= 10 * MS && gap <= 30 * MS);
			gap_min = gap < gap_min ? gap : gap_min;
			gap_max = gap > gap_max ? gap : gap_max;
			gaps++;
		}
	}
	assert_true(gaps >= 200);
	assert_true(gap_max - gap_min > 5 * MS);
	assert_int_equal(f->w.n, 0);
}

static void test_no_jitter_is_exact(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE);
	spec_fast(&spec, HEALTH_TCP, 100, 1);
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);
	struct health_status st;
	uint64_t end = evloop_now_ns() + 3000 * MS;
	do {
		evloop_run_once(f->loop, 5);
		health_get_status(t, &st);
	} while ((st.checks < 3 || st.in_flight) && evloop_now_ns() < end);
	assert_true(st.checks >= 3);
	assert_int_equal(st.next_start_ns - st.last_start_ns, 40 * MS);
	assert_int_equal(st.history, (1u << st.history_len) - 1);
}

/* ---- IPv6, source address ---- */

static void test_ipv6_http(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;
	char want[64];

	if (server_open(&f->srv, f->loop, AF_INET6, SRV_HTTP, true) < 0)
		skip(); /* IPv6 disabled on this host */
	server_set_http(&f->srv, OK_JSON);
	spec_fast(&spec, HEALTH_HTTP, 2, 1);
	snprintf(spec.body_contains, sizeof(spec.body_contains), "ready");
	f->w.on_up = http_flip_to_503;
	add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_true(f->w.ev[0].up);
	assert_int_equal(f->w.ev[0].checks, 2);
	assert_string_equal(f->w.ev[1].reason, "status 503");
	snprintf(want, sizeof(want), "\r\nHost: [::1]:%u\r\n", f->srv.port);
	assert_non_null(strstr(f->srv.last_request, want));
	assert_int_equal(f->srv.last_peer.ss_family, AF_INET6);
}

static void test_ipv6_tcp_refused(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	if (server_open(&f->srv, f->loop, AF_INET6, SRV_ACCEPT_CLOSE, true) < 0)
		skip();
	spec_fast(&spec, HEALTH_TCP, 1, 1);
	f->w.on_up = tcp_up_then_refuse;
	add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_string_equal(f->w.ev[1].reason, "refused");
}

static void test_bind_source_address(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;
	struct sockaddr_storage dst;
	socklen_t dst_len;
	struct sockaddr_in src = {.sin_family = AF_INET, .sin_port = htons(1)};

	/* 127.0.0.2 is a local address on lo (all of 127/8 is) */
	inet_pton(AF_INET, "127.0.0.2", &src.sin_addr);
	server_start(&f->srv, f->loop, AF_INET, SRV_ACCEPT_CLOSE);
	spec_fast(&spec, HEALTH_TCP, 1, 1);
	loopback_addr(AF_INET, f->srv.port, &dst, &dst_len);
	struct health_target *t = health_add(f->hc, (struct sockaddr *)&dst, dst_len,
					     (struct sockaddr *)&src, &spec, record_change, &f->w);
	assert_non_null(t);
	assert_true(run_until_events(f->loop, &f->w, 1, 3000));
	struct sockaddr_in *peer = (struct sockaddr_in *)&f->srv.last_peer;
	assert_int_equal(peer->sin_family, AF_INET);
	assert_int_equal(ntohl(peer->sin_addr.s_addr), 0x7f000002);
	assert_int_not_equal(ntohs(peer->sin_port), 1); /* the port of bind_src is ignored */
	health_remove(f->hc, t);

	/* a source that is not ours fails at bind, locally, before any packet leaves */
	inet_pton(AF_INET, "192.0.2.1", &src.sin_addr);
	t = health_add(f->hc, (struct sockaddr *)&dst, dst_len, (struct sockaddr *)&src, &spec,
		       record_change, &f->w);
	assert_non_null(t);
	struct health_status st;
	uint64_t end = evloop_now_ns() + 3000 * MS;
	do {
		evloop_run_once(f->loop, 5);
		health_get_status(t, &st);
	} while (st.checks < 1 && evloop_now_ns() < end);
	assert_string_equal(st.last_failure, "bind: Cannot assign requested address");
}

/* ---- spec validation and reload ---- */

static void test_spec_validation(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;
	char err[128];
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(8000)};
	struct sockaddr_in6 dst6 = {.sin6_family = AF_INET6, .sin6_port = htons(8000)};

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	health_spec_init(&spec);
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), 0);

	spec.timeout_ms = spec.interval_ms;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "timeout"));
	health_spec_init(&spec);
	spec.rise = 0;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	health_spec_init(&spec);
	spec.jitter_pct = 51;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "jitter"));
	health_spec_init(&spec);
	spec.type = HEALTH_HTTP;
	snprintf(spec.path, sizeof(spec.path), "/a b");
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	snprintf(spec.path, sizeof(spec.path), "/ok\r\nX-Injected: 1");
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	snprintf(spec.path, sizeof(spec.path), "health");
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	snprintf(spec.path, sizeof(spec.path), "/health");
	snprintf(spec.host, sizeof(spec.host), "a\nb");
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	spec.host[0] = '\0';
	spec.n_expect = 9;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	spec.n_expect = 1;
	spec.expect_status[0] = 42;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	memset(spec.path, 'a', sizeof(spec.path)); /* unterminated */
	spec.path[0] = '/';
	spec.expect_status[0] = 200;
	assert_int_equal(health_spec_validate(&spec, err, sizeof(err)), -EINVAL);
	assert_int_equal(health_spec_validate(&spec, NULL, 0), -EINVAL);

	/* health_add refuses bad input with EINVAL */
	health_spec_init(&spec);
	spec.rise = 0;
	errno = 0;
	assert_null(
	    health_add(f->hc, (struct sockaddr *)&dst, sizeof(dst), NULL, &spec, NULL, NULL));
	assert_int_equal(errno, EINVAL);
	health_spec_init(&spec);
	assert_null(
	    health_add(f->hc, (struct sockaddr *)&dst, sizeof(dst) - 1, NULL, &spec, NULL, NULL));
	assert_null(health_add(f->hc, (struct sockaddr *)&dst, sizeof(dst),
			       (struct sockaddr *)&dst6, &spec, NULL, NULL)); /* family mismatch */
	dst.sin_port = 0;
	assert_null(health_add(f->hc, (struct sockaddr *)&dst, sizeof(dst), NULL, &spec, NULL,
			       NULL)); /* no port anywhere */
	spec.port = 8000;
	struct health_target *t =
	    health_add(f->hc, (struct sockaddr *)&dst, sizeof(dst), NULL, &spec, NULL, NULL);
	assert_non_null(t);
	health_remove(f->hc, t);
}

static void test_update_spec_keeps_state(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, UNAVAILABLE);
	spec_fast(&spec, HEALTH_HTTP, 1, 2);
	spec.expect_status[0] = 503;
	spec.n_expect = 1;
	struct health_target *t = add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, 1, 3000));
	assert_true(f->w.ev[0].up);

	/* same spec: nothing is rescheduled */
	struct health_status before, after;
	health_get_status(t, &before);
	assert_int_equal(health_update_spec(t, &spec), 0);
	health_get_status(t, &after);
	assert_int_equal(before.next_start_ns, after.next_start_ns);

	/* an invalid spec is refused and changes nothing */
	struct health_spec bad = spec;
	bad.fall = 0;
	assert_int_equal(health_update_spec(t, &bad), -EINVAL);

	/* reload to expect 200: still UP right away, DOWN after `fall` failures */
	spec.expect_status[0] = 200;
	assert_int_equal(health_update_spec(t, &spec), 0);
	assert_true(health_is_up(t));
	health_get_status(t, &after);
	uint64_t checks_at_reload = after.checks;
	assert_true(run_until_events(f->loop, &f->w, 2, 3000));
	assert_false(f->w.ev[1].up);
	assert_string_equal(f->w.ev[1].reason, "status 503");
	assert_int_equal(f->w.ev[1].checks, checks_at_reload + 2);
}

static void test_many_targets_one_loop(void **state)
{
	struct fixture *f = *state;
	struct health_spec spec;
	enum { N = 100 };
	struct health_target *t[N];

	server_start(&f->srv, f->loop, AF_INET, SRV_HTTP);
	server_set_http(&f->srv, OK_JSON);
	/* fall so high that once up stays up, whatever a busy CPU does to the timeouts */
	spec_fast(&spec, HEALTH_HTTP, 1, 1000000);
	spec.interval_ms = 100;
	spec.timeout_ms = 80;
	spec.jitter_pct = 20;
	for (int i = 0; i < N; i++)
		t[i] = add_target(f->hc, &f->srv, &spec, &f->w);
	assert_true(run_until_events(f->loop, &f->w, N, 5000));
	assert_int_equal(f->w.n, N); /* one transition each */
	for (int i = 0; i < N; i++)
		assert_true(health_is_up(t[i]));
	/* health_free in teardown removes whatever is still in flight */
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_tcp_rise_then_refused_fall),
	    T(test_tcp_refused_from_start_never_calls_back),
	    T(test_http_rise_fall_recover),
	    T(test_http_503),
	    T(test_http_wrong_body),
	    T(test_hang_is_timeout),
	    T(test_garbage),
	    T(test_binary_garbage),
	    T(test_close_early),
	    T(test_truncated_headers),
	    T(test_reset),
	    T(test_huge_header),
	    T(test_endless_body_is_mismatch),
	    T(test_bad_chunked),
	    T(test_chunked_end_without_close),
	    T(test_content_length_end_without_close),
	    T(test_unexpected_status_list),
	    T(test_chunked_body_match),
	    T(test_body_until_close),
	    T(test_status_only_no_body_check),
	    T(test_remove_mid_check_leaves_no_fd),
	    T(test_remove_from_callback),
	    T(test_jitter_bounds),
	    T(test_no_jitter_is_exact),
	    T(test_ipv6_http),
	    T(test_ipv6_tcp_refused),
	    T(test_bind_source_address),
	    T(test_spec_validation),
	    T(test_update_spec_keeps_state),
	    T(test_many_targets_one_loop),
	};
	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
