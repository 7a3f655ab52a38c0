/* SPDX-License-Identifier: MIT */
/*
 * http_response.h - the HTTP/1.1 response parser of the health checks (health.c), fed as bytes
 * arrive: the status line against the expected codes, the body framing the headers announce
 * (Content-Length, chunked, until close), chunked bodies decoded in place, and a search of at
 * most HEALTH_BODY_CAP body bytes for body_contains. Failure reasons are those of health.h.
 */
#ifndef EDGELB_CONTROL_HEALTH_HTTP_RESPONSE_H
#define EDGELB_CONTROL_HEALTH_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/health/health.h"

enum body_framing { BODY_NONE, BODY_LENGTH, BODY_CHUNKED, BODY_UNTIL_CLOSE };

enum chunk_state { CHUNK_SIZE, CHUNK_DATA, CHUNK_DATA_END, CHUNK_DONE };

/* Result of feeding bytes to the response parser. */
enum parse_verdict { PARSE_MORE, PARSE_OK, PARSE_FAIL };

/*
 * The response being read. Layout of buf: [status line + headers][decoded body][raw bytes
 * not yet decoded]; chunked framing is removed in place as data arrives.
 */
struct http_response {
	char *buf;
	size_t len, cap;
	int status;      /* 0 until the status line is parsed */
	size_t body_off; /* 0 until the header section is complete */
	enum body_framing framing;
	uint64_t content_length;
	enum chunk_state chunk;
	uint64_t chunk_left;
	size_t raw_off;  /* start of undecoded bytes */
	size_t body_len; /* decoded body bytes */
	size_t searched; /* body bytes already searched without a match */
};

/* Free the buffer and start over (a new check). */
void http_response_reset(struct http_response *r);
/* Room for the next recv() at r->buf + r->len: 0, -ENOBUFS at the cap, -ENOMEM. */
int http_response_grow(struct http_response *r);
/*
 * Look at what arrived so far (eof: the peer closed). PARSE_OK when spec is satisfied,
 * PARSE_MORE for more bytes, PARSE_FAIL with *reason (which may point into reason_buf, for
 * "status <code>").
 */
enum parse_verdict http_response_parse(struct http_response *r, const struct health_spec *spec,
				       bool eof, const char **reason, char *reason_buf,
				       size_t reason_size);

#endif
