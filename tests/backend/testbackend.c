// SPDX-License-Identifier: MIT
/*
 * testbackend.c - edgelb-testbackend, a single-threaded HTTP/1.1 server that looks like an LLM
 * inference server (vLLM / TGI style) for the lab and the integration tests:
 *   POST /v1/completions, /v1/chat/completions   JSON completion, or SSE token stream
 *   GET  /health                                 200 / 503 / never answers (switchable)
 *   GET  /metrics                                Prometheus text, vllm:num_requests_* gauges
 *   POST /admin/health/ok|fail|hang              switch /health (also SIGUSR1 fail, SIGUSR2 ok)
 * Every response names the backend (X-Backend header and JSON bodies) so tests can see where the
 * load balancer sent a flow. One epoll loop (control/lib/evloop) drives sockets and token timers.
 */
#include "control/lib/evloop.h"
#include "tests/backend/httpmini.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LISTEN      16
#define MAX_NAME        64
#define MAX_TOKENS      1000000
#define MAX_CONNECTIONS 50000
#define IN_BUF_MAX      (HTTP_MAX_HEAD + HTTP_MAX_BODY)
#define OUT_PENDING_MAX (1u << 20) /* a client this far behind is dropped */
#define LINGER_NS       (1000ull * 1000 * 1000)
#define IDLE_NS         (60ull * 1000 * 1000 * 1000) /* keep-alive without a request */
#define ACCEPT_PAUSE_NS (100ull * 1000 * 1000)
#define MODEL_NAME      "edgelb-test"
#define NS_PER_MS       1000000ull

enum health_mode { HEALTH_OK, HEALTH_FAIL, HEALTH_HANG };

static const char *const health_mode_names[] = {"ok", "fail", "hang"};

struct backend_options {
	const char *name;
	const char *listen[MAX_LISTEN];
	int n_listen;
	bool default_listen; /* no --listen given: IPv6 is optional */
	unsigned token_interval_ms;
	unsigned tokens;
	unsigned max_running; /* 0: unlimited; beyond it streams wait for a slot */
	bool admin;
	enum health_mode initial_health;
	const char *pidfile;
	const char *log_path;
};

/*
 * A connection's phase. READING parses requests; a streaming completion goes WAITING (no slot
 * yet) -> STREAMING -> back to READING on keep-alive. CLOSING flushes the last response, then
 * LINGER half-closes and drains input briefly so the client reads the response instead of a RST.
 */
enum conn_phase {
	PHASE_READING,
	PHASE_WAITING,
	PHASE_STREAMING,
	PHASE_HANGING,
	PHASE_CLOSING,
	PHASE_LINGER,
	PHASE_CLOSED,
};

struct token_stream {
	bool chat;
	bool chunked;
	unsigned total;
	unsigned sent;
	uint64_t id;
};

struct backend_server;

struct conn {
	struct backend_server *srv;
	int fd;
	char peer[INET6_ADDRSTRLEN + 8];
	enum conn_phase phase;
	uint32_t epoll_events;
	bool keep_alive;
	bool peer_eof;
	bool continue_sent; /* "100 Continue" already sent for the request being received */
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	struct http_request req; /* the request being answered */
	uint64_t req_start_ns;
	struct token_stream stream;
	/* idle limit while reading, next token while streaming, end of linger while lingering */
	struct ev_timer timer;
	struct conn *prev, *next;
	struct conn *wait_next;
};

struct backend_counters {
	uint64_t requests;
	uint64_t streams_completed;
	uint64_t streams_aborted;
	uint64_t bad_requests;
	unsigned running;
	unsigned waiting;
	unsigned connections;
};

/* All of the server's mutable state. */
struct backend_server {
	struct backend_options opt;
	struct evloop *loop;
	int listen_fds[MAX_LISTEN];
	int n_listen_fds;
	int signal_fd;
	FILE *log;
	enum health_mode health;
	struct backend_counters count;
	uint64_t next_stream_id;
	struct conn *conns;                 /* every open connection */
	struct conn *wait_head, *wait_tail; /* streams waiting for a slot, oldest first */
	struct conn *graveyard;             /* closed, freed after the current dispatch */
	struct ev_timer accept_pause;
	bool pidfile_written;
	bool stopping;
};

static void conn_close(struct conn *c, const char *why);
static void conn_process_input(struct conn *c);
static void conn_update_events(struct conn *c);
static void stream_begin(struct conn *c);

/* ---- logging ---- */

static void log_line(struct backend_server *srv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void log_line(struct backend_server *srv, const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char stamp[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	va_list ap;
	va_start(ap, fmt);
	fprintf(srv->log, "%s.%03ldZ %s ", stamp, ts.tv_nsec / 1000000, srv->opt.name);
	vfprintf(srv->log, fmt, ap);
	fputc('\n', srv->log);
	va_end(ap);
}

/* The one line per request: who, what, status and how it went. */
static void log_request(struct conn *c, int status, const char *outcome)
{
	double ms = (double)(evloop_now_ns() - c->req_start_ns) / 1e6;
	if (!c->req.method[0]) { /* rejected before its request line could be read */
		log_line(c->srv, "%s \"-\" %d %s dur_ms=%.1f", c->peer, status, outcome, ms);
		return;
	}
	log_line(c->srv, "%s \"%s %s HTTP/1.%d\" %d %s dur_ms=%.1f", c->peer, c->req.method,
		 c->req.path, c->req.minor_version, status, outcome, ms);
}

/* ---- output ---- */

static bool out_reserve(struct conn *c, size_t more)
{
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len + more <= c->out_cap)
		return true;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		if (c->out_len + more <= c->out_cap)
			return true;
	}
	size_t cap = c->out_cap ? c->out_cap : 4096;
	while (cap < c->out_len + more)
		cap *= 2;
	char *p = realloc(c->out, cap);
	if (!p)
		return false;
	c->out = p;
	c->out_cap = cap;
	return true;
}

/* Queue bytes for the client; false (connection closed) if it is too far behind. */
static bool out_append(struct conn *c, const char *data, size_t len)
{
	if (c->out_len - c->out_off + len > OUT_PENDING_MAX) {
		conn_close(c, "client too slow");
		return false;
	}
	if (!out_reserve(c, len)) {
		conn_close(c, "out of memory");
		return false;
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return true;
}

static bool out_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool out_printf(struct conn *c, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		conn_close(c, "response line too long");
		return false;
	}
	return out_append(c, buf, (size_t)n);
}

static void conn_start_linger(struct conn *c)
{
	if (c->peer_eof) {
		conn_close(c, "done");
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->phase = PHASE_LINGER;
	evloop_timer_arm(c->srv->loop, &c->timer, LINGER_NS);
}

/* Write what is queued; a CLOSING connection moves on to linger once everything is out. */
static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
		if (n > 0) {
			c->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		conn_close(c, n < 0 ? strerror(errno) : "send returned 0");
		return;
	}
	if (c->out_off == c->out_len && c->phase == PHASE_CLOSING)
		conn_start_linger(c);
}

/* ---- plain responses ---- */

static const char *status_text(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

/* A complete response with a body; logs the request and ends it. */
static void respond(struct conn *c, int status, const char *content_type, const char *body,
		    size_t body_len)
{
	struct backend_server *srv = c->srv;
	if (!out_printf(c,
			"HTTP/1.1 %d %s\r\nServer: edgelb-testbackend\r\nX-Backend: %s\r\n"
			"Content-Type: %s\r\nContent-Length: %zu\r\nConnection: %s\r\n\r\n",
			status, status_text(status), srv->opt.name, content_type, body_len,
			c->keep_alive ? "keep-alive" : "close"))
		return;
	if (!out_append(c, body, body_len))
		return;
	log_request(c, status, "-");
	if (!c->keep_alive)
		c->phase = PHASE_CLOSING;
	conn_flush(c);
}

static void respond_json_error(struct conn *c, int status, const char *message)
{
	char body[256];
	int n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"backend\":\"%s\"}\n", message,
			 c->srv->opt.name);
	respond(c, status, "application/json", body, (size_t)n);
}

static void respond_text(struct conn *c, int status, const char *text)
{
	respond(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

/* ---- completions ---- */

static bool is_completion_path(const char *path, bool *chat)
{
	*chat = !strcmp(path, "/v1/chat/completions");
	return *chat || !strcmp(path, "/v1/completions");
}

/* Reads "stream" and "max_tokens"; false (and a 400 sent) if the body is not acceptable. */
static bool completion_params(struct conn *c, const char *body, size_t len, bool *stream,
			      unsigned *tokens)
{
	long max_tokens = 0;
	int has_stream = json_get_bool(body, len, "stream", stream);
	int has_max = json_get_long(body, len, "max_tokens", &max_tokens);
	if (has_stream < 0 || has_max < 0) {
		respond_json_error(c, 400,
				   "body must be a JSON object; stream is a boolean, "
				   "max_tokens an integer");
		return false;
	}
	if (has_max && (max_tokens < 1 || max_tokens > MAX_TOKENS)) {
		respond_json_error(c, 400, "max_tokens out of range 1..1000000");
		return false;
	}
	if (!has_stream)
		*stream = false;
	*tokens = has_max ? (unsigned)max_tokens : c->srv->opt.tokens;
	return true;
}

static void complete_at_once(struct conn *c, bool chat, unsigned tokens)
{
	struct backend_server *srv = c->srv;
	uint64_t id = ++srv->next_stream_id;
	char body[1024];
	int n;
	if (chat)
		n = snprintf(
		    body, sizeof(body),
		    "{\"id\":\"chatcmpl-%s-%llu\",\"object\":\"chat.completion\","
		    "\"model\":\"" MODEL_NAME "\",\"backend\":\"%s\",\"choices\":[{\"index\":0,"
		    "\"message\":{\"role\":\"assistant\",\"content\":\"%u tokens from %s\"},"
		    "\"finish_reason\":\"length\"}],\"usage\":{\"completion_tokens\":%u}}\n",
		    srv->opt.name, (unsigned long long)id, srv->opt.name, tokens, srv->opt.name,
		    tokens);
	else
		n = snprintf(body, sizeof(body),
			     "{\"id\":\"cmpl-%s-%llu\",\"object\":\"text_completion\","
			     "\"model\":\"" MODEL_NAME
			     "\",\"backend\":\"%s\",\"choices\":[{\"index\":0,"
			     "\"text\":\"%u tokens from %s\",\"finish_reason\":\"length\"}],"
			     "\"usage\":{\"completion_tokens\":%u}}\n",
			     srv->opt.name, (unsigned long long)id, srv->opt.name, tokens,
			     srv->opt.name, tokens);
	respond(c, 200, "application/json", body, (size_t)n);
}

/* One SSE event, framed as a chunk when the response is chunked. */
static bool stream_send_event(struct conn *c, const char *event, size_t len)
{
	if (c->stream.chunked && !out_printf(c, "%zx\r\n", len))
		return false;
	if (!out_append(c, event, len))
		return false;
	return !c->stream.chunked || out_append(c, "\r\n", 2);
}

static bool stream_send_token(struct conn *c)
{
	struct backend_server *srv = c->srv;
	struct token_stream *s = &c->stream;
	const char *finish = s->sent + 1 == s->total ? "\"length\"" : "null";
	char event[1024];
	int n;
	if (s->chat)
		n = snprintf(
		    event, sizeof(event),
		    "data: {\"id\":\"chatcmpl-%s-%llu\",\"object\":\"chat.completion.chunk\","
		    "\"model\":\"" MODEL_NAME "\",\"backend\":\"%s\",\"token\":%u,"
		    "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok%u\"},"
		    "\"finish_reason\":%s}]}\n\n",
		    srv->opt.name, (unsigned long long)s->id, srv->opt.name, s->sent, s->sent,
		    finish);
	else
		n = snprintf(
		    event, sizeof(event),
		    "data: {\"id\":\"cmpl-%s-%llu\",\"object\":\"text_completion\","
		    "\"model\":\"" MODEL_NAME "\",\"backend\":\"%s\",\"token\":%u,"
		    "\"choices\":[{\"index\":0,\"text\":\" tok%u\",\"finish_reason\":%s}]}\n\n",
		    srv->opt.name, (unsigned long long)s->id, srv->opt.name, s->sent, s->sent,
		    finish);
	if (!stream_send_event(c, event, (size_t)n))
		return false;
	s->sent++;
	return true;
}

/* Give the slot to the oldest waiting stream, if any. */
static void wait_queue_start_next(struct backend_server *srv)
{
	struct conn *next = srv->wait_head;
	if (!next)
		return;
	srv->wait_head = next->wait_next;
	if (!srv->wait_head)
		srv->wait_tail = NULL;
	next->wait_next = NULL;
	srv->count.waiting--;
	stream_begin(next);
}

static void wait_queue_remove(struct backend_server *srv, struct conn *c)
{
	struct conn **pp = &srv->wait_head, *prev = NULL;
	while (*pp && *pp != c) {
		prev = *pp;
		pp = &(*pp)->wait_next;
	}
	if (!*pp)
		return;
	*pp = c->wait_next;
	if (srv->wait_tail == c)
		srv->wait_tail = prev;
	c->wait_next = NULL;
	srv->count.waiting--;
}

/* A connection waiting for its next request gets IDLE_NS to send one. */
static void conn_arm_idle(struct conn *c)
{
	if (c->phase == PHASE_READING)
		evloop_timer_arm(c->srv->loop, &c->timer, IDLE_NS);
}

static void stream_finish(struct conn *c)
{
	struct backend_server *srv = c->srv;
	if (!stream_send_event(c, "data: [DONE]\n\n", 14))
		return;
	if (c->stream.chunked && !out_append(c, "0\r\n\r\n", 5))
		return;
	srv->count.running--;
	srv->count.streams_completed++;
	char outcome[64];
	snprintf(outcome, sizeof(outcome), "stream tokens=%u", c->stream.sent);
	log_request(c, 200, outcome);
	c->phase = c->keep_alive ? PHASE_READING : PHASE_CLOSING;
	conn_flush(c);
	wait_queue_start_next(srv);
	if (c->phase == PHASE_READING)
		conn_process_input(c);
	if (c->phase != PHASE_CLOSED)
		conn_update_events(c);
	conn_arm_idle(c);
}

static void stream_tick(struct conn *c)
{
	if (!stream_send_token(c))
		return;
	if (c->stream.sent == c->stream.total) {
		stream_finish(c);
		return;
	}
	conn_flush(c);
	if (c->phase == PHASE_STREAMING) {
		evloop_timer_arm(c->srv->loop, &c->timer,
				 c->srv->opt.token_interval_ms * NS_PER_MS);
		conn_update_events(c);
	}
}

static void stream_begin(struct conn *c)
{
	c->phase = PHASE_STREAMING;
	c->srv->count.running++;
	evloop_timer_arm(c->srv->loop, &c->timer, c->srv->opt.token_interval_ms * NS_PER_MS);
}

static void stream_start(struct conn *c, bool chat, unsigned tokens)
{
	struct backend_server *srv = c->srv;
	c->stream = (struct token_stream){
	    .chat = chat,
	    .chunked = c->req.minor_version >= 1,
	    .total = tokens,
	    .id = ++srv->next_stream_id,
	};
	if (!c->stream.chunked)
		c->keep_alive =
		    false; /* HTTP/1.0: the end of the stream is the end of the connection */
	if (!out_printf(c,
			"HTTP/1.1 200 OK\r\nServer: edgelb-testbackend\r\nX-Backend: %s\r\n"
			"Content-Type: text/event-stream\r\nCache-Control: no-cache\r\n%s"
			"Connection: %s\r\n\r\n",
			srv->opt.name, c->stream.chunked ? "Transfer-Encoding: chunked\r\n" : "",
			c->keep_alive ? "keep-alive" : "close"))
		return;
	conn_flush(c);
	if (c->phase == PHASE_CLOSED)
		return;
	if (srv->opt.max_running && srv->count.running >= srv->opt.max_running) {
		c->phase = PHASE_WAITING;
		if (srv->wait_tail)
			srv->wait_tail->wait_next = c;
		else
			srv->wait_head = c;
		srv->wait_tail = c;
		srv->count.waiting++;
		return;
	}
	stream_begin(c);
}

static void handle_completion(struct conn *c, bool chat, const char *body, size_t body_len)
{
	bool stream;
	unsigned tokens;
	if (strcmp(c->req.method, "POST")) {
		respond_json_error(c, 405, "use POST");
		return;
	}
	if (!completion_params(c, body, body_len, &stream, &tokens))
		return;
	if (stream)
		stream_start(c, chat, tokens);
	else
		complete_at_once(c, chat, tokens);
}

/* ---- health, metrics, admin ---- */

static void handle_health(struct conn *c)
{
	switch (c->srv->health) {
	case HEALTH_OK:
		respond_text(c, 200, "ok\n");
		break;
	case HEALTH_FAIL:
		respond_text(c, 503, "unhealthy\n");
		break;
	case HEALTH_HANG:
		log_request(c, 0, "hang");
		c->phase = PHASE_HANGING;
		break;
	}
}

static void handle_metrics(struct conn *c)
{
	struct backend_server *srv = c->srv;
	const struct backend_counters *n = &srv->count;
	const char *b = srv->opt.name;
	char body[3072];
	int len = snprintf(
	    body, sizeof(body),
	    "# HELP vllm:num_requests_running Number of requests generating tokens.\n"
	    "# TYPE vllm:num_requests_running gauge\n"
	    "vllm:num_requests_running{model_name=\"" MODEL_NAME "\",backend=\"%s\"} %u\n"
	    "# HELP vllm:num_requests_waiting Number of requests waiting for a slot.\n"
	    "# TYPE vllm:num_requests_waiting gauge\n"
	    "vllm:num_requests_waiting{model_name=\"" MODEL_NAME "\",backend=\"%s\"} %u\n"
	    "# HELP edgelb_testbackend_requests_total HTTP requests received.\n"
	    "# TYPE edgelb_testbackend_requests_total counter\n"
	    "edgelb_testbackend_requests_total{backend=\"%s\"} %llu\n"
	    "# HELP edgelb_testbackend_bad_requests_total Requests rejected as malformed.\n"
	    "# TYPE edgelb_testbackend_bad_requests_total counter\n"
	    "edgelb_testbackend_bad_requests_total{backend=\"%s\"} %llu\n"
	    "# HELP edgelb_testbackend_streams_total Token streams by outcome.\n"
	    "# TYPE edgelb_testbackend_streams_total counter\n"
	    "edgelb_testbackend_streams_total{backend=\"%s\",outcome=\"completed\"} %llu\n"
	    "edgelb_testbackend_streams_total{backend=\"%s\",outcome=\"aborted\"} %llu\n"
	    "# HELP edgelb_testbackend_connections Open client connections.\n"
	    "# TYPE edgelb_testbackend_connections gauge\n"
	    "edgelb_testbackend_connections{backend=\"%s\"} %u\n"
	    "# HELP edgelb_testbackend_healthy 1 when /health answers 200.\n"
	    "# TYPE edgelb_testbackend_healthy gauge\n"
	    "edgelb_testbackend_healthy{backend=\"%s\"} %d\n",
	    b, n->running, b, n->waiting, b, (unsigned long long)n->requests, b,
	    (unsigned long long)n->bad_requests, b, (unsigned long long)n->streams_completed, b,
	    (unsigned long long)n->streams_aborted, b, n->connections, b, srv->health == HEALTH_OK);
	respond(c, 200, "text/plain; version=0.0.4; charset=utf-8", body, (size_t)len);
}

static void set_health(struct backend_server *srv, enum health_mode mode, const char *by)
{
	if (srv->health != mode)
		log_line(srv, "health %s -> %s (%s)", health_mode_names[srv->health],
			 health_mode_names[mode], by);
	srv->health = mode;
}

static void handle_admin(struct conn *c)
{
	const char *mode = c->req.path + strlen("/admin/health/");
	for (int m = HEALTH_OK; m <= HEALTH_HANG; m++) {
		if (strcmp(mode, health_mode_names[m]))
			continue;
		if (strcmp(c->req.method, "POST")) {
			respond_json_error(c, 405, "use POST");
			return;
		}
		set_health(c->srv, (enum health_mode)m, "admin");
		char text[32];
		snprintf(text, sizeof(text), "health=%s\n", health_mode_names[m]);
		respond_text(c, 200, text);
		return;
	}
	respond_json_error(c, 404, "not found");
}

/* ---- requests ---- */

static void dispatch(struct conn *c, const char *body, size_t body_len)
{
	const char *path = c->req.path;
	bool chat;
	c->srv->count.requests++;
	if (is_completion_path(path, &chat))
		handle_completion(c, chat, body, body_len);
	else if (!strcmp(path, "/health"))
		handle_health(c);
	else if (!strcmp(path, "/metrics"))
		handle_metrics(c);
	else if (c->srv->opt.admin && !strncmp(path, "/admin/health/", strlen("/admin/health/")))
		handle_admin(c);
	else
		respond_json_error(c, 404, "not found");
}

static void in_consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->in_len - n);
	c->in_len -= n;
}

static void reject_malformed(struct conn *c, int status)
{
	c->srv->count.requests++;
	c->srv->count.bad_requests++;
	c->keep_alive = false;
	c->in_len = 0;
	respond_json_error(c, status, "malformed request");
}

/* curl and others wait up to a second for this before sending a large body. */
static void send_continue(struct conn *c, const struct http_request *req)
{
	if (!req->expect_continue || req->minor_version < 1 || c->continue_sent)
		return;
	c->continue_sent = true;
	if (out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25))
		conn_flush(c);
}

/* Answer every complete request in the input buffer, in order, while the connection is free. */
static void conn_process_input(struct conn *c)
{
	while (c->phase == PHASE_READING && c->in_len) {
		struct http_request req;
		int head_len = http_parse_request_head(c->in, c->in_len, &req);
		c->req_start_ns = evloop_now_ns();
		if (head_len < 0) {
			memset(&c->req, 0, sizeof(c->req));
			reject_malformed(c, -head_len);
			return;
		}
		if (head_len == 0)
			break;
		size_t total = (size_t)head_len + (size_t)req.content_length;
		if (c->in_len < total) {
			send_continue(c, &req);
			break;
		}
		c->continue_sent = false;
		c->req = req;
		c->keep_alive = req.keep_alive && !c->peer_eof && !c->srv->stopping;
		dispatch(c, c->in + head_len, (size_t)req.content_length);
		if (c->phase == PHASE_CLOSED)
			return;
		in_consume(c, total);
	}
	if (c->phase == PHASE_READING && c->peer_eof) {
		c->phase = PHASE_CLOSING;
		conn_flush(c);
	}
}

/* ---- connection I/O ---- */

static bool conn_wants_input(const struct conn *c)
{
	switch (c->phase) {
	case PHASE_READING:
	case PHASE_WAITING:
	case PHASE_STREAMING:
		return !c->peer_eof && c->in_len < IN_BUF_MAX;
	case PHASE_HANGING:
	case PHASE_LINGER:
		return !c->peer_eof;
	default:
		return false;
	}
}

static void conn_update_events(struct conn *c)
{
	uint32_t events = 0;
	if (conn_wants_input(c))
		events |= EPOLLIN | EPOLLRDHUP;
	if (c->out_off < c->out_len)
		events |= EPOLLOUT;
	if (events != c->epoll_events && !evloop_mod_fd(c->srv->loop, c->fd, events))
		c->epoll_events = events;
}

static bool in_reserve(struct conn *c)
{
	if (c->in_len < c->in_cap)
		return true;
	size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
	if (cap > IN_BUF_MAX)
		cap = IN_BUF_MAX;
	char *p = realloc(c->in, cap);
	if (!p)
		return false;
	c->in = p;
	c->in_cap = cap;
	return true;
}

/* Read what is available; input for a connection that will never answer again is dropped. */
static void conn_read(struct conn *c)
{
	char scratch[4096];
	while (conn_wants_input(c)) {
		bool discard = c->phase == PHASE_HANGING || c->phase == PHASE_LINGER;
		if (!discard && !in_reserve(c)) {
			conn_close(c, "out of memory");
			return;
		}
		char *dst = discard ? scratch : c->in + c->in_len;
		size_t room = discard ? sizeof(scratch) : c->in_cap - c->in_len;
		ssize_t n = recv(c->fd, dst, room, 0);
		if (n > 0) {
			if (!discard)
				c->in_len += (size_t)n;
			continue;
		}
		if (n == 0) {
			c->peer_eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			conn_close(c, strerror(errno));
		return;
	}
}

/* The peer finished sending: what that means depends on what we are doing for it. */
static void conn_on_peer_eof(struct conn *c)
{
	switch (c->phase) {
	case PHASE_HANGING:
	case PHASE_LINGER:
		conn_close(c, "done");
		break;
	case PHASE_WAITING:
	case PHASE_STREAMING:
		conn_close(c, "client went away"); /* like vLLM: abort the generation */
		break;
	default:
		break; /* READING answers what is buffered, then closes; CLOSING flushes first */
	}
}

static void conn_on_event(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;
	if (events & EPOLLERR) {
		conn_close(c, "socket error");
		return;
	}
	if (events & EPOLLOUT)
		conn_flush(c);
	if (c->phase != PHASE_CLOSED && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)))
		conn_read(c);
	if (c->phase != PHASE_CLOSED && (c->peer_eof || (events & EPOLLHUP))) {
		c->peer_eof = true;
		conn_on_peer_eof(c);
	}
	if (c->phase == PHASE_READING)
		conn_process_input(c);
	if (c->phase != PHASE_CLOSED)
		conn_update_events(c);
	conn_arm_idle(c);
}

static void conn_on_timer(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct conn *c = arg;
	if (c->phase == PHASE_STREAMING)
		stream_tick(c);
	else if (c->phase == PHASE_LINGER)
		conn_close(c, "linger done");
	else if (c->phase == PHASE_READING)
		conn_close(c, "idle");
}

static void conn_close(struct conn *c, const char *why)
{
	struct backend_server *srv = c->srv;
	if (c->phase == PHASE_CLOSED)
		return;
	if (c->phase == PHASE_STREAMING || c->phase == PHASE_WAITING) {
		if (c->phase == PHASE_STREAMING)
			srv->count.running--;
		else
			wait_queue_remove(srv, c);
		srv->count.streams_aborted++;
		char outcome[128];
		snprintf(outcome, sizeof(outcome), "stream aborted tokens=%u/%u (%s)",
			 c->stream.sent, c->stream.total, why);
		log_request(c, 200, outcome);
		if (c->phase == PHASE_STREAMING)
			wait_queue_start_next(srv);
	}
	evloop_timer_cancel(srv->loop, &c->timer);
	evloop_del_fd(srv->loop, c->fd);
	close(c->fd);
	c->phase = PHASE_CLOSED;
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = srv->graveyard;
	srv->graveyard = c;
	srv->count.connections--;
}

static void conn_free(struct conn *c)
{
	free(c->in);
	free(c->out);
	free(c);
}

static void graveyard_empty(struct backend_server *srv)
{
	while (srv->graveyard) {
		struct conn *c = srv->graveyard;
		srv->graveyard = c->next;
		conn_free(c);
	}
}

static void format_peer(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
		snprintf(out, size, "%s:%u", host, port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
		snprintf(out, size, "[%s]:%u", host, port);
	}
}

static void conn_open(struct backend_server *srv, int fd, const struct sockaddr_storage *peer)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;
	if (!c || srv->count.connections >= MAX_CONNECTIONS) {
		log_line(srv, "dropping a connection: %s",
			 c ? "too many connections" : "no memory");
		free(c);
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->srv = srv;
	c->fd = fd;
	c->phase = PHASE_READING;
	c->epoll_events = EPOLLIN | EPOLLRDHUP;
	format_peer(peer, c->peer, sizeof(c->peer));
	ev_timer_init(&c->timer, conn_on_timer, c);
	if (evloop_add_fd(srv->loop, fd, c->epoll_events, conn_on_event, c) < 0) {
		log_line(srv, "dropping a connection: cannot watch fd %d", fd);
		free(c);
		close(fd);
		return;
	}
	c->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = c;
	srv->conns = c;
	srv->count.connections++;
	conn_arm_idle(c);
}

/* ---- listeners ---- */

static void listeners_watch(struct backend_server *srv, uint32_t events)
{
	for (int i = 0; i < srv->n_listen_fds; i++)
		evloop_mod_fd(srv->loop, srv->listen_fds[i], events);
}

static void accept_resume(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	listeners_watch(arg, EPOLLIN);
}

static void on_listener(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct backend_server *srv = arg;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int cfd = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			conn_open(srv, cfd, &peer);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* out of descriptors: stop accepting for a moment rather than spin */
			log_line(srv, "accept: %s; pausing accepts", strerror(errno));
			listeners_watch(srv, 0);
			evloop_timer_arm(loop, &srv->accept_pause, ACCEPT_PAUSE_NS);
		}
		return;
	}
}

/* "1.2.3.4:80", "[::]:8000" -> socket address; false with a message on bad text. */
static bool parse_listen_addr(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(text, ':');
	if (!colon || (size_t)(colon - text) >= sizeof(host))
		return false;
	const char *h = text;
	size_t hlen = (size_t)(colon - text);
	if (*h == '[') {
		if (hlen < 2 || h[hlen - 1] != ']')
			return false;
		h++;
		hlen -= 2;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	char *end;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || port > 65535)
		return false;

	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (void *)ss;
	struct sockaddr_in6 *sin6 = (void *)ss;
	if (text[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return true;
	}
	if (text[0] == '[' && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return true;
	}
	return false;
}

/* Bind and listen on text; returns the fd or -1 after logging why. */
static int listen_on(struct backend_server *srv, const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1;
	if (!parse_listen_addr(text, &ss, &len)) {
		fprintf(stderr,
			"edgelb-testbackend: --listen %s: expected IPv4:PORT or [IPv6]:PORT\n",
			text);
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 4096) < 0)
		goto fail;
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	char bound[INET6_ADDRSTRLEN + 8];
	format_peer(&ss, bound, sizeof(bound));
	log_line(srv, "listening on %s", bound);
	return fd;
fail:
	fprintf(stderr, "edgelb-testbackend: listen %s: %s\n", text, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_listeners(struct backend_server *srv)
{
	for (int i = 0; i < srv->opt.n_listen; i++) {
		int fd = listen_on(srv, srv->opt.listen[i]);
		bool optional_v6 = srv->opt.default_listen && srv->opt.listen[i][0] == '[';
		if (fd < 0 && optional_v6)
			continue;
		if (fd < 0)
			return -1;
		if (evloop_add_fd(srv->loop, fd, EPOLLIN, on_listener, srv) < 0) {
			close(fd);
			return -1;
		}
		srv->listen_fds[srv->n_listen_fds++] = fd;
	}
	return srv->n_listen_fds ? 0 : -1;
}

/* ---- signals ---- */

static void on_signal(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct backend_server *srv = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGUSR1) {
			set_health(srv, HEALTH_FAIL, "SIGUSR1");
		} else if (si.ssi_signo == SIGUSR2) {
			set_health(srv, HEALTH_OK, "SIGUSR2");
		} else {
			log_line(srv, "signal %u: stopping", si.ssi_signo);
			srv->stopping = true;
			evloop_stop(loop);
		}
	}
}

static int watch_signals(struct backend_server *srv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	srv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (srv->signal_fd < 0)
		return -1;
	return evloop_add_fd(srv->loop, srv->signal_fd, EPOLLIN, on_signal, srv);
}

/* ---- options ---- */

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edgelb-testbackend [options]\n"
	    "  --name NAME              backend name in every response (default: testbackend)\n"
	    "  --listen ADDR:PORT       repeatable; IPv4 or [IPv6]; port 0 picks a free port\n"
	    "                           (default 0.0.0.0:8000 and [::]:8000)\n"
	    "  --token-interval-ms MS   time between streamed tokens (default 20)\n"
	    "  --tokens N               tokens per completion without max_tokens (default 16)\n"
	    "  --max-running N          streams generating at once, others wait (default 0: any)\n"
	    "  --health ok|fail|hang    initial /health behaviour (default ok)\n"
	    "  --admin / --no-admin     enable POST /admin/health/ok|fail|hang (default on)\n"
	    "  --pidfile FILE           write the PID here, removed on exit\n"
	    "  --log FILE               append the request log here instead of stderr\n"
	    "signals: SIGUSR1 health fail, SIGUSR2 health ok, SIGTERM/SIGINT stop\n");
}

static bool parse_uint(const char *text, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static bool valid_name(const char *name)
{
	size_t len = strlen(name);
	if (!len || len >= MAX_NAME)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-",
			    name[i]))
			return false;
	return true;
}

static bool parse_health_mode(const char *text, enum health_mode *out)
{
	for (int m = HEALTH_OK; m <= HEALTH_HANG; m++) {
		if (!strcmp(text, health_mode_names[m])) {
			*out = (enum health_mode)m;
			return true;
		}
	}
	return false;
}

/* Returns 0 to run, 1 to exit successfully (--help), -1 on a bad option (message printed). */
static int parse_options(int argc, char **argv, struct backend_options *opt)
{
	enum { OPT_INTERVAL = 256, OPT_MAX_RUNNING, OPT_NO_ADMIN, OPT_HEALTH };
	static const struct option longopts[] = {
	    {"name", required_argument, NULL, 'n'},
	    {"listen", required_argument, NULL, 'l'},
	    {"token-interval-ms", required_argument, NULL, OPT_INTERVAL},
	    {"tokens", required_argument, NULL, 't'},
	    {"max-running", required_argument, NULL, OPT_MAX_RUNNING},
	    {"health", required_argument, NULL, OPT_HEALTH},
	    {"admin", no_argument, NULL, 'a'},
	    {"no-admin", no_argument, NULL, OPT_NO_ADMIN},
	    {"pidfile", required_argument, NULL, 'p'},
	    {"log", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	*opt = (struct backend_options){
	    .name = "testbackend",
	    .token_interval_ms = 20,
	    .tokens = 16,
	    .admin = true,
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			if (!valid_name(optarg)) {
				fprintf(stderr,
					"edgelb-testbackend: --name %s: use 1..63 of "
					"[A-Za-z0-9._-]\n",
					optarg);
				return -1;
			}
			opt->name = optarg;
			break;
		case 'l':
			if (opt->n_listen == MAX_LISTEN) {
				fprintf(stderr, "edgelb-testbackend: at most %d --listen\n",
					MAX_LISTEN);
				return -1;
			}
			opt->listen[opt->n_listen++] = optarg;
			break;
		case OPT_INTERVAL:
			if (!parse_uint(optarg, 3600000, &opt->token_interval_ms)) {
				fprintf(stderr,
					"edgelb-testbackend: --token-interval-ms %s: expected "
					"0..3600000\n",
					optarg);
				return -1;
			}
			break;
		case 't':
			if (!parse_uint(optarg, MAX_TOKENS, &opt->tokens) || !opt->tokens) {
				fprintf(stderr, "edgelb-testbackend: --tokens %s: expected 1..%d\n",
					optarg, MAX_TOKENS);
				return -1;
			}
			break;
		case OPT_MAX_RUNNING:
			if (!parse_uint(optarg, MAX_CONNECTIONS, &opt->max_running)) {
				fprintf(stderr,
					"edgelb-testbackend: --max-running %s: expected 0..%d\n",
					optarg, MAX_CONNECTIONS);
				return -1;
			}
			break;
		case OPT_HEALTH:
			if (!parse_health_mode(optarg, &opt->initial_health)) {
				fprintf(stderr,
					"edgelb-testbackend: --health %s: expected ok, fail "
					"or hang\n",
					optarg);
				return -1;
			}
			break;
		case 'a':
			opt->admin = true;
			break;
		case OPT_NO_ADMIN:
			opt->admin = false;
			break;
		case 'p':
			opt->pidfile = optarg;
			break;
		case 'L':
			opt->log_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "edgelb-testbackend: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	if (!opt->n_listen) {
		opt->listen[opt->n_listen++] = "0.0.0.0:8000";
		opt->listen[opt->n_listen++] = "[::]:8000";
		opt->default_listen = true;
	}
	return 0;
}

/* ---- main ---- */

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		fprintf(stderr, "edgelb-testbackend: pidfile %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int server_init(struct backend_server *srv)
{
	srv->signal_fd = -1;
	srv->health = srv->opt.initial_health;
	srv->log = stderr;
	if (srv->opt.log_path) {
		srv->log = fopen(srv->opt.log_path, "a");
		if (!srv->log) {
			fprintf(stderr, "edgelb-testbackend: --log %s: %s\n", srv->opt.log_path,
				strerror(errno));
			return -1;
		}
	}
	setvbuf(srv->log, NULL, _IOLBF, 0);
	srv->loop = evloop_new();
	if (!srv->loop) {
		fprintf(stderr, "edgelb-testbackend: cannot create the event loop\n");
		return -1;
	}
	ev_timer_init(&srv->accept_pause, accept_resume, srv);
	if (watch_signals(srv) < 0) {
		fprintf(stderr, "edgelb-testbackend: signals: %s\n", strerror(errno));
		return -1;
	}
	if (open_listeners(srv) < 0)
		return -1;
	if (srv->opt.pidfile) {
		if (write_pidfile(srv->opt.pidfile) < 0)
			return -1;
		srv->pidfile_written = true;
	}
	return 0;
}

static void server_fini(struct backend_server *srv)
{
	while (srv->conns)
		conn_close(srv->conns, "server stopping");
	graveyard_empty(srv);
	for (int i = 0; i < srv->n_listen_fds; i++)
		close(srv->listen_fds[i]);
	if (srv->signal_fd >= 0)
		close(srv->signal_fd);
	if (srv->pidfile_written)
		unlink(srv->opt.pidfile);
	evloop_free(srv->loop);
	if (srv->log && srv->log != stderr)
		fclose(srv->log);
}

int main(int argc, char **argv)
{
	struct backend_server srv = {0};
	int rc = parse_options(argc, argv, &srv.opt);
	if (rc)
		return rc > 0 ? 0 : 2;
	raise_fd_limit();
	if (server_init(&srv) < 0) {
		server_fini(&srv);
		return 1;
	}
	log_line(&srv, "ready: tokens=%u interval_ms=%u admin=%s health=%s", srv.opt.tokens,
		 srv.opt.token_interval_ms, srv.opt.admin ? "on" : "off",
		 health_mode_names[srv.health]);
	while (!srv.stopping) {
		evloop_run_once(srv.loop, -1);
		graveyard_empty(&srv);
	}
	server_fini(&srv);
	return 0;
}
