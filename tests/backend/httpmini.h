/* SPDX-License-Identifier: MIT */
/*
 * httpmini.h - the small pieces of HTTP/1.1 and SSE that the test backend and the SSE client
 * share: request and response head parsers, a chunked transfer-encoding decoder, a line splitter
 * for text/event-stream bodies and a scanner that reads one top-level field of a JSON object.
 * Nothing here allocates or blocks; every parser takes a buffer and a length and never reads past
 * it, so bad input gives an error value, never a crash. (Plus raise_fd_limit(), which both
 * programs need before opening hundreds of connections.)
 */
#ifndef EDGELB_TESTS_BACKEND_HTTPMINI_H
#define EDGELB_TESTS_BACKEND_HTTPMINI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits the server enforces; exceeding them gives the matching HTTP status. */
#define HTTP_MAX_HEAD  8192
#define HTTP_MAX_BODY  65536
#define HTTP_MAX_PATH  256
#define HTTP_MAX_VALUE 64

/* Parse errors are negative HTTP status codes, so the server can answer with them directly. */
enum http_parse_error {
	HTTP_ERR_BAD_REQUEST = -400,
	HTTP_ERR_BODY_TOO_LARGE = -413,
	HTTP_ERR_PATH_TOO_LONG = -414,
	HTTP_ERR_HEAD_TOO_LARGE = -431,
	HTTP_ERR_NOT_IMPLEMENTED = -501,
};

struct http_request {
	char method[16];
	char path[HTTP_MAX_PATH]; /* target without the query string */
	int minor_version;        /* HTTP/1.<minor_version> */
	long content_length;      /* 0 when absent */
	bool keep_alive;
	bool expect_continue; /* "Expect: 100-continue": the client waits before sending the body */
};

/*
 * Parse the head (request line and headers) at the start of buf. Returns the head's length
 * including the blank line when complete, 0 when more bytes are needed, or a negative
 * enum http_parse_error. Lines may end in CRLF or bare LF.
 */
int http_parse_request_head(const char *buf, size_t len, struct http_request *req);

struct http_response {
	int status;
	int minor_version;
	long content_length; /* -1 when absent */
	bool chunked;
	bool keep_alive;
	char backend[HTTP_MAX_VALUE]; /* X-Backend header, "" when absent */
	char content_type[HTTP_MAX_VALUE];
};

/* Same contract as http_parse_request_head(), for a response head. */
int http_parse_response_head(const char *buf, size_t len, struct http_response *resp);

/* Decoder for Transfer-Encoding: chunked; feed it body bytes as they arrive. */
struct chunk_decoder {
	int state;
	uint64_t remaining; /* bytes left in the current chunk */
	size_t line_len;    /* bytes of the current size or trailer line seen so far */
};

typedef void (*chunk_sink)(const char *data, size_t len, void *arg);

void chunk_decoder_init(struct chunk_decoder *d);
/*
 * Decode len bytes, handing payload pieces to sink. Returns the number of input bytes consumed
 * (all of them unless the body ended inside this buffer), or -1 on malformed framing.
 * chunk_decoder_done() tells whether the final chunk and trailers have been read.
 */
long chunk_decode(struct chunk_decoder *d, const char *in, size_t len, chunk_sink sink, void *arg);
bool chunk_decoder_done(const struct chunk_decoder *d);

/* Splits a byte stream into lines (LF or CRLF), for text/event-stream. */
#define SSE_MAX_LINE 4096
struct sse_reader {
	char line[SSE_MAX_LINE];
	size_t len;
	bool overflow; /* the current line was longer than SSE_MAX_LINE: reported once, truncated */
};

typedef void (*sse_line_cb)(const char *line, size_t len, bool truncated, void *arg);

void sse_reader_init(struct sse_reader *r);
void sse_feed(struct sse_reader *r, const char *data, size_t len, sse_line_cb cb, void *arg);

/*
 * Find the member `key` of the top-level JSON object in buf and read it as a boolean or an
 * integer. Returns 1 when found and of the right type, 0 when absent, -1 when the text is not a
 * JSON object, the member has another type or the integer does not fit.
 */
int json_get_bool(const char *buf, size_t len, const char *key, bool *out);
int json_get_long(const char *buf, size_t len, const char *key, long *out);
/* Same for a string member; copies at most out_size-1 bytes (escapes kept as written). */
int json_get_string(const char *buf, size_t len, const char *key, char *out, size_t out_size);

/* Room for many concurrent connections: lift the soft descriptor limit to the hard one. */
void raise_fd_limit(void);

#endif
