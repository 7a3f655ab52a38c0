// SPDX-License-Identifier: MIT
/*
 * sseclient.c - edgelb-sseclient: opens N concurrent streaming completions against one
 * HOST:PORT (through the load balancer, or straight to a test backend), reads every SSE event and
 * reports per stream which backend served it, how many tokens arrived, whether [DONE] came and
 * what went wrong. Failover tests use it to see which streams survived a backend going away.
 * One thread, one epoll loop (control/lib/evloop), non-blocking sockets.
 *
 * Output, one line per stream, then a summary:
 *   stream <i> backend=<name> tokens=<n> done=<0|1> error=<text>
 *   summary streams=<N> ok=<n> failed=<n> tokens=<n> backends=<name>:<n>,... elapsed_ms=<ms>
 * Exit status 0 only if every stream got all its tokens and [DONE]; 1 otherwise; 2 bad usage.
 */
#include "control/lib/evloop.h"
#include "tests/backend/httpmini.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STREAMS      100000
#define MAX_TOKENS       1000000
#define MAX_BACKENDS     64
#define BACKEND_NAME_MAX 64
#define ERROR_MAX        160
#define NS_PER_MS        1000000ull

struct client_options {
	const char *target; /* HOST:PORT as given */
	const char *bind_addr;
	const char *path;
	unsigned streams;
	unsigned tokens;
	unsigned timeout_ms;
};

enum stream_state {
	ST_CONNECTING,
	ST_SENDING,
	ST_HEAD, /* waiting for the response head */
	ST_BODY, /* reading events */
	ST_FINISHED,
};

static const char *const stream_state_names[] = {"connecting", "sending", "waiting for headers",
						 "streaming", "finished"};

struct sse_client;

struct sse_stream {
	struct sse_client *cl;
	unsigned index;
	int fd;
	enum stream_state state;
	char request[1024];
	size_t request_len, request_off;
	char head[HTTP_MAX_HEAD];
	size_t head_len;
	struct http_response resp;
	struct chunk_decoder chunks;
	long body_left; /* Content-Length framing: bytes still to come; -1 for other framings */
	struct sse_reader sse;
	char backend[BACKEND_NAME_MAX];
	unsigned tokens;
	bool done;
	char error[ERROR_MAX];
};

struct backend_tally {
	char name[BACKEND_NAME_MAX];
	unsigned streams;
};

/* All of the client's mutable state. */
struct sse_client {
	struct client_options opt;
	struct evloop *loop;
	struct sockaddr_storage server;
	socklen_t server_len;
	struct sockaddr_storage source;
	socklen_t source_len; /* 0: let the kernel choose */
	char host_header[300];
	struct sse_stream *streams;
	unsigned active;
	struct ev_timer deadline;
	uint64_t start_ns;
	struct backend_tally tally[MAX_BACKENDS]; /* streams per backend, for the summary */
	unsigned n_backends;
};

static void stream_finish(struct sse_stream *s);

/* Records the first error of a stream; later ones are consequences. */
static void stream_error(struct sse_stream *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void stream_error(struct sse_stream *s, const char *fmt, ...)
{
	if (s->error[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

static void stream_fail(struct sse_stream *s, const char *fmt, const char *detail)
{
	stream_error(s, fmt, detail);
	stream_finish(s);
}

/* ---- events ---- */

static void note_backend(struct sse_stream *s, const char *name)
{
	if (!name[0])
		return;
	if (!s->backend[0])
		snprintf(s->backend, sizeof(s->backend), "%s", name);
	else if (strcmp(s->backend, name))
		stream_error(s, "backend changed from %s to %s mid-stream", s->backend, name);
}

static void on_token_event(struct sse_stream *s, const char *json, size_t len)
{
	char backend[BACKEND_NAME_MAX];
	long index;
	if (s->done) {
		stream_error(s, "event after [DONE]");
		return;
	}
	if (json_get_string(json, len, "backend", backend, sizeof(backend)) == 1)
		note_backend(s, backend);
	if (json_get_long(json, len, "token", &index) == 1 && index != (long)s->tokens)
		stream_error(s, "token %ld arrived when %u was due", index, s->tokens);
	s->tokens++;
}

static void on_sse_line(const char *line, size_t len, bool truncated, void *arg)
{
	struct sse_stream *s = arg;
	if (truncated) {
		stream_error(s, "event line longer than %d bytes", SSE_MAX_LINE);
		return;
	}
	if (len < 5 || memcmp(line, "data:", 5))
		return; /* blank separators, comments, "event:" and "id:" fields */
	line += 5;
	len -= 5;
	if (len && *line == ' ') {
		line++;
		len--;
	}
	if (len == 6 && !memcmp(line, "[DONE]", 6))
		s->done = true;
	else
		on_token_event(s, line, len);
}

static void on_body_bytes(const char *data, size_t len, void *arg)
{
	struct sse_stream *s = arg;
	sse_feed(&s->sse, data, len, on_sse_line, s);
}

/* True once the response body has ended by its own framing. */
static bool body_complete(const struct sse_stream *s)
{
	if (s->resp.chunked)
		return chunk_decoder_done(&s->chunks);
	return s->body_left == 0;
}

static void consume_body(struct sse_stream *s, const char *data, size_t len)
{
	if (s->resp.chunked) {
		if (chunk_decode(&s->chunks, data, len, on_body_bytes, s) < 0)
			stream_fail(s, "%s", "malformed chunked encoding");
		else if (chunk_decoder_done(&s->chunks))
			stream_finish(s);
		return;
	}
	if (s->body_left >= 0 && (long)len > s->body_left)
		len = (size_t)s->body_left;
	on_body_bytes(data, len, s);
	if (s->body_left >= 0) {
		s->body_left -= (long)len;
		if (!s->body_left)
			stream_finish(s);
	}
}

static void consume_head(struct sse_stream *s, const char *data, size_t len)
{
	size_t room = sizeof(s->head) - s->head_len, take = len < room ? len : room;
	memcpy(s->head + s->head_len, data, take);
	s->head_len += take;
	int head_len = http_parse_response_head(s->head, s->head_len, &s->resp);
	if (head_len == 0)
		return;
	if (head_len < 0) {
		stream_fail(s, "%s", "malformed response head");
		return;
	}
	note_backend(s, s->resp.backend);
	if (s->resp.status != 200) {
		char status[16];
		snprintf(status, sizeof(status), "%d", s->resp.status);
		stream_fail(s, "http status %s", status);
		return;
	}
	if (strncmp(s->resp.content_type, "text/event-stream", 17)) {
		stream_fail(s, "not an event stream (content-type %s)", s->resp.content_type);
		return;
	}
	s->state = ST_BODY;
	s->body_left = s->resp.chunked ? -1 : s->resp.content_length;
	/* bytes of this read that came after the head belong to the body */
	size_t body_start = (size_t)head_len - (s->head_len - take);
	if (body_start < len)
		consume_body(s, data + body_start, len - body_start);
}

/* ---- socket I/O ---- */

static void stream_on_eof(struct sse_stream *s)
{
	if (s->state == ST_BODY && !s->resp.chunked && s->body_left < 0) {
		stream_finish(s); /* connection-close framing: EOF ends the body */
		return;
	}
	if (!s->error[0])
		stream_error(s, "connection closed while %s after %u tokens",
			     stream_state_names[s->state], s->tokens);
	stream_finish(s);
}

static void stream_read(struct sse_stream *s)
{
	char buf[16384];
	while (s->state == ST_HEAD || s->state == ST_BODY) {
		ssize_t n = recv(s->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			if (s->state == ST_HEAD)
				consume_head(s, buf, (size_t)n);
			else
				consume_body(s, buf, (size_t)n);
			continue;
		}
		if (n == 0) {
			stream_on_eof(s);
			return;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			stream_fail(s, "recv: %s", strerror(errno));
		return;
	}
}

static void stream_send(struct sse_stream *s)
{
	while (s->request_off < s->request_len) {
		ssize_t n = send(s->fd, s->request + s->request_off,
				 s->request_len - s->request_off, MSG_NOSIGNAL);
		if (n > 0) {
			s->request_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		stream_fail(s, "send: %s", n < 0 ? strerror(errno) : "returned 0");
		return;
	}
	s->state = ST_HEAD;
	evloop_mod_fd(s->cl->loop, s->fd, EPOLLIN | EPOLLRDHUP);
}

static void stream_on_connected(struct sse_stream *s)
{
	int err = 0;
	socklen_t len = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		stream_fail(s, "connect: %s", strerror(err));
		return;
	}
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->state = ST_SENDING;
	stream_send(s);
}

static void stream_on_event(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct sse_stream *s = arg;
	switch (s->state) {
	case ST_CONNECTING:
		stream_on_connected(s);
		break;
	case ST_SENDING:
		stream_send(s);
		break;
	case ST_HEAD:
	case ST_BODY:
		stream_read(s);
		break;
	case ST_FINISHED:
		break;
	}
}

static void stream_finish(struct sse_stream *s)
{
	if (s->state == ST_FINISHED)
		return;
	if (s->state == ST_BODY && !body_complete(s) && !s->error[0] && !s->done)
		stream_error(s, "stream ended early after %u tokens", s->tokens);
	if (s->fd >= 0) {
		evloop_del_fd(s->cl->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	s->state = ST_FINISHED;
	if (--s->cl->active == 0)
		evloop_stop(s->cl->loop);
}

static void build_request(struct sse_stream *s)
{
	const struct client_options *opt = &s->cl->opt;
	char body[512];
	int body_len;
	if (strstr(opt->path, "chat"))
		body_len =
		    snprintf(body, sizeof(body),
			     "{\"model\":\"edgelb-test\",\"messages\":[{\"role\":\"user\","
			     "\"content\":\"stream %u\"}],\"max_tokens\":%u,\"stream\":true}",
			     s->index, opt->tokens);
	else
		body_len = snprintf(body, sizeof(body),
				    "{\"model\":\"edgelb-test\",\"prompt\":\"stream %u\","
				    "\"max_tokens\":%u,\"stream\":true}",
				    s->index, opt->tokens);
	int n = snprintf(s->request, sizeof(s->request),
			 "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: edgelb-sseclient\r\n"
			 "Accept: text/event-stream\r\nContent-Type: application/json\r\n"
			 "Content-Length: %d\r\n\r\n%s",
			 opt->path, s->cl->host_header, body_len, body);
	s->request_len = (size_t)n < sizeof(s->request) ? (size_t)n : sizeof(s->request);
}

static void stream_open(struct sse_client *cl, struct sse_stream *s)
{
	const char *step = "socket";
	s->fd = socket(cl->server.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		goto fail;
	if (cl->source_len) {
		int one = 1;
		step = "bind";
		setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s->fd, (struct sockaddr *)&cl->source, cl->source_len) < 0)
			goto fail;
	}
	step = "connect";
	if (connect(s->fd, (struct sockaddr *)&cl->server, cl->server_len) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	step = "epoll";
	if (evloop_add_fd(cl->loop, s->fd, EPOLLOUT, stream_on_event, s) < 0)
		goto fail;
	return;
fail:
	stream_error(s, "%s: %s", step, strerror(errno));
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	stream_finish(s);
}

static void on_deadline(struct evloop *loop, struct ev_timer *timer, void *arg)
{
	struct sse_client *cl = arg;
	for (unsigned i = 0; i < cl->opt.streams; i++) {
		struct sse_stream *s = &cl->streams[i];
		if (s->state == ST_FINISHED)
			continue;
		stream_error(s, "timeout while %s after %u tokens", stream_state_names[s->state],
			     s->tokens);
		stream_finish(s);
	}
}

/* ---- report ---- */

static bool stream_ok(const struct sse_stream *s)
{
	return !s->error[0] && s->done && s->tokens == s->cl->opt.tokens;
}

static void tally_backend(struct backend_tally *tally, unsigned *n, const char *name)
{
	for (unsigned i = 0; i < *n; i++) {
		if (!strcmp(tally[i].name, name)) {
			tally[i].streams++;
			return;
		}
	}
	if (*n == MAX_BACKENDS)
		return;
	snprintf(tally[*n].name, sizeof(tally[*n].name), "%s", name);
	tally[(*n)++].streams = 1;
}

/* Prints the report; returns how many streams failed. */
static unsigned report(struct sse_client *cl)
{
	unsigned ok = 0;
	unsigned long long tokens = 0;
	for (unsigned i = 0; i < cl->opt.streams; i++) {
		struct sse_stream *s = &cl->streams[i];
		if (!s->error[0] && s->done && s->tokens != cl->opt.tokens)
			stream_error(s, "got %u tokens, expected %u", s->tokens, cl->opt.tokens);
		if (!s->error[0] && !s->done)
			stream_error(s, "no [DONE]");
		printf("stream %u backend=%s tokens=%u done=%d error=%s\n", i,
		       s->backend[0] ? s->backend : "-", s->tokens, s->done,
		       s->error[0] ? s->error : "none");
		ok += stream_ok(s);
		tokens += s->tokens;
		tally_backend(cl->tally, &cl->n_backends, s->backend[0] ? s->backend : "-");
	}
	printf("summary streams=%u ok=%u failed=%u tokens=%llu backends=", cl->opt.streams, ok,
	       cl->opt.streams - ok, tokens);
	for (unsigned i = 0; i < cl->n_backends; i++)
		printf("%s%s:%u", i ? "," : "", cl->tally[i].name, cl->tally[i].streams);
	printf(" elapsed_ms=%llu\n",
	       (unsigned long long)((evloop_now_ns() - cl->start_ns) / NS_PER_MS));
	return cl->opt.streams - ok;
}

/* ---- options and setup ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: edgelb-sseclient [options] HOST:PORT\n"
		"  HOST:PORT            server; IPv6 as [addr]:port (also --connect HOST:PORT)\n"
		"  --streams N          concurrent streaming completions (default 1)\n"
		"  --tokens K           max_tokens asked for and expected per stream (default 16)\n"
		"  --path PATH          /v1/completions (default) or /v1/chat/completions\n"
		"  --bind ADDR          source address for every connection\n"
		"  --timeout-ms MS      deadline for the whole run (default 30000)\n"
		"exit 0 only if every stream received K tokens and [DONE]\n");
}

static bool parse_uint(const char *text, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || text[0] == '-' || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static int bad_option(const char *name, const char *value, const char *expected)
{
	fprintf(stderr, "edgelb-sseclient: %s %s: expected %s\n", name, value, expected);
	return -1;
}

/* Returns 0 to run, 1 after --help, -1 on bad usage (message printed). */
static int parse_options(int argc, char **argv, struct client_options *opt)
{
	enum { OPT_TIMEOUT = 256 };
	static const struct option longopts[] = {
	    {"connect", required_argument, NULL, 'c'},
	    {"streams", required_argument, NULL, 's'},
	    {"tokens", required_argument, NULL, 't'},
	    {"path", required_argument, NULL, 'p'},
	    {"bind", required_argument, NULL, 'b'},
	    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	*opt = (struct client_options){
	    .path = "/v1/completions",
	    .streams = 1,
	    .tokens = 16,
	    .timeout_ms = 30000,
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt->target = optarg;
			break;
		case 's':
			if (!parse_uint(optarg, 1, MAX_STREAMS, &opt->streams))
				return bad_option("--streams", optarg, "1..100000");
			break;
		case 't':
			if (!parse_uint(optarg, 1, MAX_TOKENS, &opt->tokens))
				return bad_option("--tokens", optarg, "1..1000000");
			break;
		case 'p':
			if (optarg[0] != '/' || strlen(optarg) >= HTTP_MAX_PATH ||
			    strpbrk(optarg, " \r\n"))
				return bad_option("--path", optarg,
						  "an absolute path like /v1/completions");
			opt->path = optarg;
			break;
		case 'b':
			opt->bind_addr = optarg;
			break;
		case OPT_TIMEOUT:
			if (!parse_uint(optarg, 1, 86400000, &opt->timeout_ms))
				return bad_option("--timeout-ms", optarg, "1..86400000");
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc && !opt->target)
		opt->target = argv[optind++];
	if (optind < argc || !opt->target) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* HOST:PORT or [V6]:PORT -> server address and Host header; -1 after a message. */
static int resolve_target(struct sse_client *cl)
{
	const char *text = cl->opt.target, *colon = strrchr(text, ':');
	char host[256];
	size_t hlen = colon ? (size_t)(colon - text) : 0;
	if (!colon || !hlen || hlen >= sizeof(host) || !colon[1])
		return bad_option("target", text, "HOST:PORT or [IPv6]:PORT");
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		if (hlen < 3 || host[hlen - 1] != ']')
			return bad_option("target", text, "[IPv6]:PORT");
		host[hlen - 1] = '\0';
		memmove(host, host + 1, hlen - 1);
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res;
	int err = getaddrinfo(host, colon + 1, &hints, &res);
	if (err) {
		fprintf(stderr, "edgelb-sseclient: %s: %s\n", text, gai_strerror(err));
		return -1;
	}
	memcpy(&cl->server, res->ai_addr, res->ai_addrlen);
	cl->server_len = res->ai_addrlen;
	freeaddrinfo(res);
	snprintf(cl->host_header, sizeof(cl->host_header), "%.*s", (int)hlen, text);
	return 0;
}

static int parse_bind(struct sse_client *cl)
{
	const char *text = cl->opt.bind_addr;
	if (!text)
		return 0;
	struct sockaddr_in *sin = (void *)&cl->source;
	struct sockaddr_in6 *sin6 = (void *)&cl->source;
	if (cl->server.ss_family == AF_INET && inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		cl->source_len = sizeof(*sin);
		return 0;
	}
	if (cl->server.ss_family == AF_INET6 && inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		cl->source_len = sizeof(*sin6);
		return 0;
	}
	return bad_option("--bind", text, "an address of the same family as the server");
}

static int client_init(struct sse_client *cl)
{
	if (resolve_target(cl) < 0 || parse_bind(cl) < 0)
		return -1;
	cl->streams = calloc(cl->opt.streams, sizeof(*cl->streams));
	cl->loop = evloop_new();
	if (!cl->streams || !cl->loop) {
		fprintf(stderr, "edgelb-sseclient: out of memory for %u streams\n",
			cl->opt.streams);
		return -1;
	}
	for (unsigned i = 0; i < cl->opt.streams; i++) {
		struct sse_stream *s = &cl->streams[i];
		s->cl = cl;
		s->index = i;
		s->fd = -1;
		s->body_left = -1;
		chunk_decoder_init(&s->chunks);
		sse_reader_init(&s->sse);
		build_request(s);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sse_client cl = {0};
	int rc = parse_options(argc, argv, &cl.opt);
	if (rc)
		return rc > 0 ? 0 : 2;
	raise_fd_limit();
	if (client_init(&cl) < 0) {
		free(cl.streams);
		evloop_free(cl.loop);
		return 2;
	}
	cl.start_ns = evloop_now_ns();
	cl.active = cl.opt.streams;
	ev_timer_init(&cl.deadline, on_deadline, &cl);
	evloop_timer_arm(cl.loop, &cl.deadline, cl.opt.timeout_ms * NS_PER_MS);
	for (unsigned i = 0; i < cl.opt.streams; i++)
		stream_open(&cl, &cl.streams[i]);
	if (cl.active)
		evloop_run(cl.loop);
	unsigned failed = report(&cl);
	free(cl.streams);
	evloop_free(cl.loop);
	return failed ? 1 : 0;
}
