// SPDX-License-Identifier: MIT
/*
 * test_httpmini.c - cmocka tests of the HTTP/SSE/JSON helpers shared by edgelb-testbackend and
 * edgelb-sseclient: well-formed input parses to the right fields, each kind of malformed input
 * gives its own error value, input split at every byte gives the same result as input in one
 * piece, and random bytes never crash a parser (built with ASan/UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/backend/httpmini.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_req(const char *text, struct http_request *req)
{
	return http_parse_request_head(text, strlen(text), req);
}

/* ---- request heads ---- */

static void test_request_get_with_query(void **state)
{
	const char *text = "GET /health?probe=1 HTTP/1.1\r\nHost: x\r\n\r\n";
	struct http_request req;
	assert_int_equal(parse_req(text, &req), (int)strlen(text));
	assert_string_equal(req.method, "GET");
	assert_string_equal(req.path, "/health");
	assert_int_equal(req.minor_version, 1);
	assert_int_equal(req.content_length, 0);
	assert_true(req.keep_alive);
}

static void test_request_post_body_not_in_head(void **state)
{
	const char *head = "POST /v1/completions HTTP/1.1\r\nContent-Length: 15\r\n"
			   "content-type: application/json\r\n\r\n";
	char text[256];
	snprintf(text, sizeof(text), "%s{\"stream\":true}", head);
	struct http_request req;
	assert_int_equal(parse_req(text, &req), (int)strlen(head));
	assert_int_equal(req.content_length, 15);
}

static void test_request_incomplete_needs_more(void **state)
{
	struct http_request req;
	assert_int_equal(parse_req("", &req), 0);
	assert_int_equal(parse_req("GET / HTTP/1.1\r\nHost: x\r\n", &req), 0);
	assert_int_equal(parse_req("GET / HTTP/1.1\r\nHost: x\r\n\r", &req), 0);
}

static void test_request_bare_lf_and_leading_blank_lines(void **state)
{
	const char *text = "\r\n\nGET /metrics HTTP/1.1\nHost: x\n\n";
	struct http_request req;
	assert_int_equal(parse_req(text, &req), (int)strlen(text));
	assert_string_equal(req.path, "/metrics");
}

static void test_request_pipelined_stops_at_first(void **state)
{
	const char *first = "GET /a HTTP/1.1\r\n\r\n";
	char text[128];
	snprintf(text, sizeof(text), "%sGET /b HTTP/1.1\r\n\r\n", first);
	struct http_request req;
	assert_int_equal(parse_req(text, &req), (int)strlen(first));
	assert_string_equal(req.path, "/a");
}

static void test_request_connection_semantics(void **state)
{
	struct http_request req;
	assert_true(parse_req("GET / HTTP/1.0\r\n\r\n", &req) > 0);
	assert_false(req.keep_alive);
	assert_true(parse_req("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req) > 0);
	assert_true(req.keep_alive);
	assert_true(parse_req("GET / HTTP/1.1\r\nConnection: foo, close\r\n\r\n", &req) > 0);
	assert_false(req.keep_alive);
	assert_false(req.expect_continue);
	assert_true(parse_req("POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n", &req) > 0);
	assert_true(req.expect_continue);
}

static void test_request_malformed(void **state)
{
	static const char *const bad[] = {
	    "GARBAGE\r\n\r\n",
	    "GET\r\n\r\n",
	    "get / HTTP/1.1\r\n\r\n",
	    "GET / HTTP/2.0\r\n\r\n",
	    "GET / HTTP/1.1 extra\r\n\r\n",
	    "GET nopath HTTP/1.1\r\n\r\n",
	    "GET  / HTTP/1.1\r\n\r\n",
	    "GET /\x01 HTTP/1.1\r\n\r\n",
	    "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
	    "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
	    "GET / HTTP/1.1\r\n: empty name\r\n\r\n",
	    "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
	    "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n",
	    "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	    "VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n",
	};
	struct http_request req;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_req(bad[i], &req);
		if (rc != HTTP_ERR_BAD_REQUEST)
			fail_msg("case %zu (%s): got %d, expected 400", i, bad[i], rc);
	}
}

static void test_request_limits(void **state)
{
	struct http_request req;
	char text[HTTP_MAX_HEAD + 512];

	assert_int_equal(parse_req("POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n", &req),
			 HTTP_ERR_BODY_TOO_LARGE);
	assert_true(parse_req("POST / HTTP/1.1\r\nContent-Length: 65536\r\n\r\n", &req) > 0);
	assert_int_equal(parse_req("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", &req),
			 HTTP_ERR_NOT_IMPLEMENTED);

	/* a path of HTTP_MAX_PATH characters does not fit with its terminator */
	int n = snprintf(text, sizeof(text), "GET /");
	memset(text + n, 'a', HTTP_MAX_PATH - 1);
	snprintf(text + n + HTTP_MAX_PATH - 1, sizeof(text) - (size_t)n - HTTP_MAX_PATH + 1,
		 " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse_req(text, &req), HTTP_ERR_PATH_TOO_LONG);

	/* a head that never ends within the limit, whether or not its lines end */
	n = snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nX: ");
	memset(text + n, 'v', sizeof(text) - (size_t)n - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(parse_req(text, &req), HTTP_ERR_HEAD_TOO_LARGE);
	for (size_t i = (size_t)n; i + 7 < sizeof(text); i += 8)
		memcpy(text + i, "a: b\r\n", 6);
	assert_int_equal(parse_req(text, &req), HTTP_ERR_HEAD_TOO_LARGE);
	/* but just below the limit, more bytes may still complete it */
	assert_int_equal(http_parse_request_head(text, HTTP_MAX_HEAD - 1, &req), 0);
}

/* ---- response heads ---- */

static void test_response_sse_head(void **state)
{
	const char *text = "HTTP/1.1 200 OK\r\nX-Backend: b7\r\nContent-Type: text/event-stream\r\n"
			   "Transfer-Encoding: chunked\r\n\r\ndata: x";
	struct http_response resp;
	int head_len = http_parse_response_head(text, strlen(text), &resp);
	assert_int_equal(head_len, (int)(strstr(text, "data:") - text));
	assert_int_equal(resp.status, 200);
	assert_true(resp.chunked);
	assert_true(resp.keep_alive);
	assert_int_equal(resp.content_length, -1);
	assert_string_equal(resp.backend, "b7");
	assert_string_equal(resp.content_type, "text/event-stream");
}

static void test_response_plain_and_bad(void **state)
{
	struct http_response resp;
	const char *ok = "HTTP/1.0 503 Service Unavailable\r\nContent-Length: 10\r\n\r\n";
	assert_int_equal(http_parse_response_head(ok, strlen(ok), &resp), (int)strlen(ok));
	assert_int_equal(resp.status, 503);
	assert_int_equal(resp.content_length, 10);
	assert_false(resp.keep_alive);
	assert_false(resp.chunked);
	assert_string_equal(resp.backend, "");

	static const char *const bad[] = {
	    "HTTP/1.1 20 OK\r\n\r\n",
	    "HTTP/1.1 2000 OK\r\n\r\n",
	    "HTTP/3 200 OK\r\n\r\n",
	    "SSH-2.0-OpenSSH\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(http_parse_response_head(bad[i], strlen(bad[i]), &resp),
				 HTTP_ERR_BAD_REQUEST);
}

/* ---- chunked decoding ---- */

struct collected {
	char data[512];
	size_t len;
};

static void collect(const char *data, size_t len, void *arg)
{
	struct collected *c = arg;
	assert_true(c->len + len <= sizeof(c->data));
	memcpy(c->data + c->len, data, len);
	c->len += len;
}

static const char chunked_body[] = "5\r\nhello\r\n7;name=val\r\n, world\r\n"
				   "0\r\nTrailer: x\r\n\r\nNEXT";

static void test_chunked_whole(void **state)
{
	struct chunk_decoder d;
	struct collected out = {0};
	chunk_decoder_init(&d);
	long used = chunk_decode(&d, chunked_body, strlen(chunked_body), collect, &out);
	assert_int_equal(used, (long)strlen(chunked_body) - 4); /* stops before "NEXT" */
	assert_true(chunk_decoder_done(&d));
	assert_int_equal(out.len, 12);
	assert_memory_equal(out.data, "hello, world", 12);
}

static void test_chunked_byte_by_byte(void **state)
{
	struct chunk_decoder d;
	struct collected out = {0};
	chunk_decoder_init(&d);
	size_t body_len = strlen(chunked_body) - 4;
	for (size_t i = 0; i < body_len; i++) {
		assert_false(chunk_decoder_done(&d));
		assert_int_equal(chunk_decode(&d, chunked_body + i, 1, collect, &out), 1);
	}
	assert_true(chunk_decoder_done(&d));
	assert_memory_equal(out.data, "hello, world", 12);
}

static void test_chunked_malformed(void **state)
{
	static const char *const bad[] = {
	    "zz\r\n",                  /* not hex */
	    "\r\n",                    /* no size */
	    "5\r\nhelloX\r\n",         /* no CRLF after the payload */
	    "fffffffffffffffffff\r\n", /* size overflows */
	    ";ext\r\n",                /* extension without a size */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chunk_decoder d;
		struct collected out = {0};
		chunk_decoder_init(&d);
		assert_int_equal(chunk_decode(&d, bad[i], strlen(bad[i]), collect, &out), -1);
	}
}

/* ---- SSE lines ---- */

struct lines {
	char text[8][64];
	bool truncated[8];
	int n;
};

static void on_line(const char *line, size_t len, bool truncated, void *arg)
{
	struct lines *l = arg;
	assert_true(l->n < 8);
	snprintf(l->text[l->n], sizeof(l->text[0]), "%.*s", (int)(len < 63 ? len : 63), line);
	l->truncated[l->n++] = truncated;
}

static void test_sse_lines_across_feeds(void **state)
{
	struct sse_reader r;
	struct lines l = {0};
	sse_reader_init(&r);
	sse_feed(&r, "data: one\r", 10, on_line, &l);
	assert_int_equal(l.n, 0);
	sse_feed(&r, "\n\r\ndata: t", 10, on_line, &l);
	sse_feed(&r, "wo\n", 3, on_line, &l);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.text[0], "data: one");
	assert_string_equal(l.text[1], "");
	assert_string_equal(l.text[2], "data: two");
	assert_false(l.truncated[2]);
}

static void test_sse_overlong_line_flagged(void **state)
{
	static struct sse_reader r;
	static char big[SSE_MAX_LINE + 100];
	struct lines l = {0};
	sse_reader_init(&r);
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\n';
	sse_feed(&r, big, sizeof(big), on_line, &l);
	sse_feed(&r, "ok\n", 3, on_line, &l);
	assert_int_equal(l.n, 2);
	assert_true(l.truncated[0]);
	assert_false(l.truncated[1]);
	assert_string_equal(l.text[1], "ok");
}

/* ---- JSON members ---- */

static int get_bool(const char *json, const char *key, bool *out)
{
	return json_get_bool(json, strlen(json), key, out);
}

static int get_long(const char *json, const char *key, long *out)
{
	return json_get_long(json, strlen(json), key, out);
}

static void test_json_top_level_members(void **state)
{
	const char *json = " {\"prompt\":\"say \\\"stream\\\": false\",\"opts\":{\"stream\":false,"
			   "\"max_tokens\":1},\"list\":[1,{\"a\":[2]}],\"stream\" : true,"
			   "\"max_tokens\":-42, \"backend\":\"b1\"} ";
	bool b = false;
	long n = 0;
	char s[8];
	assert_int_equal(get_bool(json, "stream", &b), 1);
	assert_true(b);
	assert_int_equal(get_long(json, "max_tokens", &n), 1);
	assert_int_equal(n, -42);
	assert_int_equal(json_get_string(json, strlen(json), "backend", s, sizeof(s)), 1);
	assert_string_equal(s, "b1");
	assert_int_equal(get_bool(json, "absent", &b), 0);
	assert_int_equal(get_bool("{}", "stream", &b), 0);
}

static void test_json_wrong_types_and_garbage(void **state)
{
	bool b;
	long n;
	assert_int_equal(get_bool("{\"stream\":\"true\"}", "stream", &b), -1);
	assert_int_equal(get_bool("{\"stream\":truex}", "stream", &b), -1);
	assert_int_equal(get_long("{\"max_tokens\":1.5}", "max_tokens", &n), -1);
	assert_int_equal(get_long("{\"max_tokens\":1e3}", "max_tokens", &n), -1);
	assert_int_equal(get_long("{\"max_tokens\":99999999999999999999}", "max_tokens", &n), -1);
	assert_int_equal(get_long("{\"max_tokens\":null}", "max_tokens", &n), -1);
	assert_int_equal(get_bool("", "stream", &b), -1);
	assert_int_equal(get_bool("[true]", "stream", &b), -1);
	assert_int_equal(get_bool("{\"a\":1", "stream", &b), -1);
	assert_int_equal(get_bool("{\"a\" 1}", "stream", &b), -1);
	assert_int_equal(get_bool("{\"a\":{\"b\":1}", "stream", &b), -1);
	assert_int_equal(get_bool("{\"a\":\"unterminated}", "stream", &b), -1);
	assert_int_equal(get_bool("{\"stream\":", "stream", &b), -1);
}

/* ---- robustness: random and mutated input never crashes (ASan/UBSan watch) ---- */

/* Copies into a buffer of exactly len bytes so ASan sees any read past the end. */
static void feed_everything(const char *input, size_t len)
{
	char *buf = malloc(len ? len : 1);
	struct http_request req;
	struct http_response resp;
	struct chunk_decoder d;
	struct sse_reader *r = malloc(sizeof(*r));
	struct lines *l = malloc(sizeof(*l));
	struct collected *c = malloc(sizeof(*c));
	bool b;
	long n;
	char s[16];

	assert_non_null(buf);
	memcpy(buf, input, len);
	assert_non_null(r);
	assert_non_null(l);
	assert_non_null(c);
	http_parse_request_head(buf, len, &req);
	http_parse_response_head(buf, len, &resp);
	chunk_decoder_init(&d);
	c->len = 0;
	if (len <= sizeof(c->data))
		chunk_decode(&d, buf, len, collect, c);
	sse_reader_init(r);
	l->n = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\n' && ++l->n >= 8)
			len = i; /* on_line holds at most 8 lines */
	l->n = 0;
	sse_feed(r, buf, len, on_line, l);
	json_get_bool(buf, len, "stream", &b);
	json_get_long(buf, len, "max_tokens", &n);
	json_get_string(buf, len, "backend", s, sizeof(s));
	free(buf);
	free(r);
	free(l);
	free(c);
}

static void test_random_input_never_crashes(void **state)
{
	static const char *const seeds[] = {
	    "POST /v1/completions HTTP/1.1\r\nContent-Length: 30\r\n\r\n",
	    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
	    "{\"stream\":true,\"max_tokens\":5,\"x\":[{\"y\":\"z\"}]}",
	    "5\r\nhello\r\n0\r\n\r\n",
	};
	const char alphabet[] = "{}[]\":,\\ \r\n0123456789abcdefHTP/.-GETtrue;";
	unsigned seed = 12345;
	char buf[160];
	for (int iter = 0; iter < 20000; iter++) {
		const char *base = seeds[iter % 4];
		size_t len = strlen(base);
		memcpy(buf, base, len);
		int mutations = 1 + (int)(rand_r(&seed) % 6);
		for (int m = 0; m < mutations; m++) {
			size_t at = (size_t)rand_r(&seed) % len;
			if (rand_r(&seed) % 2)
				buf[at] = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];
			else
				buf[at] = (char)(rand_r(&seed) & 0xff);
		}
		len = (size_t)rand_r(&seed) % (len + 1); /* also truncated */
		feed_everything(buf, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_request_get_with_query),
	    cmocka_unit_test(test_request_post_body_not_in_head),
	    cmocka_unit_test(test_request_incomplete_needs_more),
	    cmocka_unit_test(test_request_bare_lf_and_leading_blank_lines),
	    cmocka_unit_test(test_request_pipelined_stops_at_first),
	    cmocka_unit_test(test_request_connection_semantics),
	    cmocka_unit_test(test_request_malformed),
	    cmocka_unit_test(test_request_limits),
	    cmocka_unit_test(test_response_sse_head),
	    cmocka_unit_test(test_response_plain_and_bad),
	    cmocka_unit_test(test_chunked_whole),
	    cmocka_unit_test(test_chunked_byte_by_byte),
	    cmocka_unit_test(test_chunked_malformed),
	    cmocka_unit_test(test_sse_lines_across_feeds),
	    cmocka_unit_test(test_sse_overlong_line_flagged),
	    cmocka_unit_test(test_json_top_level_members),
	    cmocka_unit_test(test_json_wrong_types_and_garbage),
	    cmocka_unit_test(test_random_input_never_crashes),
	};
	return cmocka_run_group_tests_name("httpmini", tests, NULL, NULL);
}
