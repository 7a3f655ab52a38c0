// SPDX-License-Identifier: MIT
/*
 * http_response.c - the health checks' HTTP/1.1 response parser (see http_response.h): status
 * line, header framing, chunked bodies decoded in place, and the bounded search of the body for
 * the expected substring. Every read stays inside the bytes received so far.
 */
#include "control/health/http_response.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define RESPONSE_BUF_INITIAL 2048
/* headers + body + room for chunk-size lines not yet decoded */
#define RESPONSE_BUF_CAP (HEALTH_HEADER_CAP + HEALTH_BODY_CAP + 1024)
#define CHUNK_LINE_MAX   1024

void http_response_reset(struct http_response *r)
{
	free(r->buf);
	*r = (struct http_response){0};
}

static bool status_expected(const struct health_spec *spec, int status)
{
	if (!spec->n_expect)
		return status == 200;
	for (int i = 0; i < spec->n_expect; i++)
		if (spec->expect_status[i] == status)
			return true;
	return false;
}

/* "HTTP/1.x NNN[ reason]" -> NNN, or -1 */
static int parse_status_line(const char *line, size_t len)
{
	if (len < 12 || memcmp(line, "HTTP/1.", 7) || line[7] < '0' || line[7] > '9' ||
	    line[8] != ' ')
		return -1;
	int status = 0;
	for (int i = 9; i < 12; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		status = status * 10 + (line[i] - '0');
	}
	if (len > 12 && line[12] != ' ')
		return -1;
	return status >= 100 ? status : -1;
}

static const char *find_crlf(const char *p, size_t len)
{
	return memmem(p, len, "\r\n", 2);
}

/* name: value, case-insensitive name, value with surrounding blanks skipped */
static bool header_is(const char *line, size_t len, const char *name, const char **value,
		      size_t *value_len)
{
	size_t n = strlen(name);

	if (len <= n || strncasecmp(line, name, n) || line[n] != ':')
		return false;
	const char *v = line + n + 1, *end = line + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*value = v;
	*value_len = (size_t)(end - v);
	return true;
}

/* Pick the body framing from the header lines between the status line and the blank line. */
static bool parse_framing(struct http_response *r, const char *headers, size_t len)
{
	const char *p = headers, *end = headers + len;

	r->framing = BODY_UNTIL_CLOSE;
	if (r->status < 200 || r->status == 204 || r->status == 304) {
		r->framing = BODY_NONE;
		return true;
	}
	while (p < end) {
		const char *eol = find_crlf(p, (size_t)(end - p));
		size_t line_len = eol ? (size_t)(eol - p) : (size_t)(end - p);
		const char *v;
		size_t vlen;

		if (header_is(p, line_len, "transfer-encoding", &v, &vlen)) {
			if (vlen >= 7 && !strncasecmp(v + vlen - 7, "chunked", 7))
				r->framing = BODY_CHUNKED;
		} else if (header_is(p, line_len, "content-length", &v, &vlen) &&
			   r->framing != BODY_CHUNKED) {
			uint64_t n = 0;
			if (!vlen || vlen > 18)
				return false;
			for (size_t i = 0; i < vlen; i++) {
				if (v[i] < '0' || v[i] > '9')
					return false;
				n = n * 10 + (uint64_t)(v[i] - '0');
			}
			r->framing = BODY_LENGTH;
			r->content_length = n;
		}
		p += line_len + 2;
	}
	return true;
}

/* Parse "hex[;ext]" of a chunk-size line; false if malformed. */
static bool parse_chunk_size(const char *line, size_t len, uint64_t *size)
{
	uint64_t n = 0;
	size_t i = 0;

	for (; i < len; i++) {
		int c = line[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (i >= 15)
			return false;
		n = n * 16 + (uint64_t)d;
	}
	if (i == 0 || (i < len && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
		return false;
	*size = n;
	return true;
}

/* Move chunk data down over the chunk-size lines; false on a malformed body. */
static bool dechunk(struct http_response *r)
{
	char *body_end = r->buf + r->body_off + r->body_len;

	while (r->chunk != CHUNK_DONE && r->raw_off < r->len) {
		const char *raw = r->buf + r->raw_off;
		size_t avail = r->len - r->raw_off;

		if (r->chunk == CHUNK_SIZE) {
			const char *eol = find_crlf(raw, avail);
			if (!eol)
				return avail <= CHUNK_LINE_MAX;
			if (!parse_chunk_size(raw, (size_t)(eol - raw), &r->chunk_left))
				return false;
			r->raw_off += (size_t)(eol - raw) + 2;
			/* a 0 chunk ends the body; trailers are of no interest */
			r->chunk = r->chunk_left ? CHUNK_DATA : CHUNK_DONE;
		} else if (r->chunk == CHUNK_DATA) {
			size_t n = avail < r->chunk_left ? avail : (size_t)r->chunk_left;
			memmove(body_end, raw, n);
			body_end += n;
			r->body_len += n;
			r->raw_off += n;
			r->chunk_left -= n;
			if (!r->chunk_left)
				r->chunk = CHUNK_DATA_END;
		} else {
			if (avail < 2)
				break;
			if (raw[0] != '\r' || raw[1] != '\n')
				return false;
			r->raw_off += 2;
			r->chunk = CHUNK_SIZE;
		}
	}
	/* keep buffer = headers + body + undecoded tail, so reads append after the tail */
	size_t tail = r->len - r->raw_off;
	memmove(body_end, r->buf + r->raw_off, tail);
	r->raw_off = r->body_off + r->body_len;
	r->len = r->raw_off + tail;
	return true;
}

static bool body_complete(const struct http_response *r, bool eof)
{
	switch (r->framing) {
	case BODY_NONE:
		return true;
	case BODY_LENGTH:
		return r->body_len >= r->content_length || eof;
	case BODY_CHUNKED:
		return r->chunk == CHUNK_DONE || eof;
	case BODY_UNTIL_CLOSE:
		return eof;
	}
	return eof;
}

static enum parse_verdict parse_body(struct http_response *r, const struct health_spec *spec,
				     bool eof, const char **reason)
{
	const char *needle = spec->body_contains;
	size_t needle_len = strlen(needle);

	if (r->framing == BODY_CHUNKED) {
		if (!dechunk(r)) {
			*reason = "bad chunked body";
			return PARSE_FAIL;
		}
	} else if (r->framing != BODY_NONE) {
		r->body_len = r->len - r->body_off;
		if (r->framing == BODY_LENGTH && r->body_len > r->content_length)
			r->body_len = (size_t)r->content_length;
	}
	if (r->body_len > HEALTH_BODY_CAP)
		r->body_len = HEALTH_BODY_CAP;
	/* search only what is new, plus an overlap for a match split across reads */
	size_t from = r->searched > needle_len ? r->searched - needle_len : 0;
	if (r->body_len >= from + needle_len &&
	    memmem(r->buf + r->body_off + from, r->body_len - from, needle, needle_len))
		return PARSE_OK;
	r->searched = r->body_len;
	if (body_complete(r, eof) || r->body_len >= HEALTH_BODY_CAP || r->len >= RESPONSE_BUF_CAP) {
		*reason = "body mismatch";
		return PARSE_FAIL;
	}
	return PARSE_MORE;
}

enum parse_verdict http_response_parse(struct http_response *r, const struct health_spec *spec,
				       bool eof, const char **reason, char *reason_buf,
				       size_t reason_size)
{

	if (!r->status) {
		const char *eol = find_crlf(r->buf, r->len);
		if (!eol) {
			/* a status line is short; a long run without CRLF is not HTTP */
			bool garbage = memcmp(r->buf, "HTTP/1.", r->len < 7 ? r->len : 7) != 0;
			if (garbage || r->len > 1024) {
				*reason = "bad response";
				return PARSE_FAIL;
			}
			if (eof)
				*reason = r->len ? "bad response" : "closed early";
			return eof ? PARSE_FAIL : PARSE_MORE;
		}
		r->status = parse_status_line(r->buf, (size_t)(eol - r->buf));
		if (r->status < 0) {
			*reason = "bad response";
			return PARSE_FAIL;
		}
		if (!status_expected(spec, r->status)) {
			snprintf(reason_buf, reason_size, "status %d", r->status);
			*reason = reason_buf;
			return PARSE_FAIL;
		}
	}
	if (!r->body_off) {
		const char *end = memmem(r->buf, r->len, "\r\n\r\n", 4);
		if (!end) {
			if (r->len >= HEALTH_HEADER_CAP) {
				*reason = "header too large";
				return PARSE_FAIL;
			}
			if (eof)
				*reason = "closed early";
			return eof ? PARSE_FAIL : PARSE_MORE;
		}
		const char *first_header = find_crlf(r->buf, r->len) + 2;
		if (!parse_framing(r, first_header, (size_t)(end + 2 - first_header))) {
			*reason = "bad response";
			return PARSE_FAIL;
		}
		r->body_off = (size_t)(end + 4 - r->buf);
		r->raw_off = r->body_off;
		if (!spec->body_contains[0])
			return PARSE_OK;
	}
	return parse_body(r, spec, eof, reason);
}

int http_response_grow(struct http_response *r)
{
	if (r->len < r->cap)
		return 0;
	if (r->cap >= RESPONSE_BUF_CAP)
		return -ENOBUFS;
	size_t cap = r->cap ? r->cap * 2 : RESPONSE_BUF_INITIAL;
	if (cap > RESPONSE_BUF_CAP)
		cap = RESPONSE_BUF_CAP;
	char *buf = realloc(r->buf, cap);
	if (!buf)
		return -ENOMEM;
	r->buf = buf;
	r->cap = cap;
	return 0;
}
