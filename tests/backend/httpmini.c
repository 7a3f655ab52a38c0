// SPDX-License-Identifier: MIT
/*
 * httpmini.c - HTTP/1.1 head parsers, chunked decoder, SSE line splitter and a top-level JSON
 * member scanner for the test backend and the SSE client (see httpmini.h).
 */
#include "tests/backend/httpmini.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>

/* ---- head framing ---- */

/* One line of a head: [start, start+len) without the line ending. */
struct head_line {
	const char *start;
	size_t len;
};

/* Next line from *pos; false when no complete line remains. */
static bool next_line(const char *buf, size_t len, size_t *pos, struct head_line *line)
{
	const char *nl = memchr(buf + *pos, '\n', len - *pos);
	if (!nl)
		return false;
	size_t end = (size_t)(nl - buf);
	line->start = buf + *pos;
	line->len = end - *pos;
	if (line->len && line->start[line->len - 1] == '\r')
		line->len--;
	*pos = end + 1;
	return true;
}

/*
 * Length of the head (through its blank line), 0 if incomplete, or -431 if it is too large.
 * *first_line is the offset of the start line, after blank lines a client may send between
 * pipelined requests.
 */
static int find_head_end(const char *buf, size_t len, size_t *first_line)
{
	size_t pos = 0;
	struct head_line line;
	bool seen_start = false;
	size_t scan_len = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;

	while (next_line(buf, scan_len, &pos, &line)) {
		if (line.len == 0 && seen_start)
			return (int)pos;
		if (line.len && !seen_start) {
			seen_start = true;
			*first_line = (size_t)(line.start - buf);
		}
	}
	return len >= HTTP_MAX_HEAD ? HTTP_ERR_HEAD_TOO_LARGE : 0;
}

static bool is_token_char(char c)
{
	return isalnum((unsigned char)c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Split "Name: value" into trimmed parts; false if it is not a valid header line. */
static bool split_header(const struct head_line *line, struct head_line *name,
			 struct head_line *value)
{
	const char *colon = memchr(line->start, ':', line->len);
	if (!colon || colon == line->start)
		return false;
	name->start = line->start;
	name->len = (size_t)(colon - line->start);
	for (size_t i = 0; i < name->len; i++)
		if (!is_token_char(name->start[i]))
			return false;
	const char *v = colon + 1, *end = line->start + line->len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (const char *p = v; p < end; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return false;
	value->start = v;
	value->len = (size_t)(end - v);
	return true;
}

static bool name_is(const struct head_line *name, const char *want)
{
	return name->len == strlen(want) && !strncasecmp(name->start, want, name->len);
}

/* True if the comma-separated header value contains token (case-insensitive). */
static bool value_has_token(const struct head_line *value, const char *token)
{
	size_t tlen = strlen(token);
	const char *p = value->start, *end = value->start + value->len;
	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		const char *start = p;
		while (p < end && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - start) == tlen && !strncasecmp(start, token, tlen))
			return true;
	}
	return false;
}

/* Decimal Content-Length; -1 if it is not a plain non-negative number that fits. */
static long parse_content_length(const struct head_line *value)
{
	if (value->len == 0 || value->len > 18)
		return -1;
	long n = 0;
	for (size_t i = 0; i < value->len; i++) {
		if (!isdigit((unsigned char)value->start[i]))
			return -1;
		n = n * 10 + (value->start[i] - '0');
	}
	return n;
}

/* "HTTP/1.0" or "HTTP/1.1" -> minor version; -1 otherwise. */
static int parse_version(const char *s, size_t len)
{
	if (len != 8 || memcmp(s, "HTTP/1.", 7) || (s[7] != '0' && s[7] != '1'))
		return -1;
	return s[7] - '0';
}

static void copy_value(char *dst, size_t dst_size, const struct head_line *value)
{
	size_t n = value->len < dst_size - 1 ? value->len : dst_size - 1;
	memcpy(dst, value->start, n);
	dst[n] = '\0';
}

/* ---- request head ---- */

static int parse_request_line(const struct head_line *line, struct http_request *req)
{
	const char *p = line->start, *end = line->start + line->len;
	const char *sp1 = memchr(p, ' ', line->len);
	if (!sp1 || sp1 == p || (size_t)(sp1 - p) >= sizeof(req->method))
		return HTTP_ERR_BAD_REQUEST;
	for (const char *m = p; m < sp1; m++)
		if (!isupper((unsigned char)*m))
			return HTTP_ERR_BAD_REQUEST;
	memcpy(req->method, p, (size_t)(sp1 - p));
	req->method[sp1 - p] = '\0';

	const char *target = sp1 + 1;
	const char *sp2 = memchr(target, ' ', (size_t)(end - target));
	if (!sp2 || target == sp2 || *target != '/')
		return HTTP_ERR_BAD_REQUEST;
	size_t path_len = 0;
	while (target + path_len < sp2 && target[path_len] != '?' && target[path_len] != '#')
		path_len++;
	for (const char *t = target; t < sp2; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			return HTTP_ERR_BAD_REQUEST;
	if (path_len >= sizeof(req->path))
		return HTTP_ERR_PATH_TOO_LONG;
	memcpy(req->path, target, path_len);
	req->path[path_len] = '\0';

	req->minor_version = parse_version(sp2 + 1, (size_t)(end - sp2 - 1));
	return req->minor_version < 0 ? HTTP_ERR_BAD_REQUEST : 0;
}

static int apply_request_header(const struct head_line *name, const struct head_line *value,
				struct http_request *req, bool *seen_length)
{
	if (name_is(name, "Content-Length")) {
		long n = parse_content_length(value);
		if (n < 0 || (*seen_length && n != req->content_length))
			return HTTP_ERR_BAD_REQUEST;
		if (n > HTTP_MAX_BODY)
			return HTTP_ERR_BODY_TOO_LARGE;
		req->content_length = n;
		*seen_length = true;
	} else if (name_is(name, "Transfer-Encoding")) {
		return HTTP_ERR_NOT_IMPLEMENTED; /* request bodies must carry a Content-Length */
	} else if (name_is(name, "Connection")) {
		if (value_has_token(value, "close"))
			req->keep_alive = false;
		else if (value_has_token(value, "keep-alive"))
			req->keep_alive = true;
	} else if (name_is(name, "Expect")) {
		req->expect_continue = value_has_token(value, "100-continue");
	}
	return 0;
}

int http_parse_request_head(const char *buf, size_t len, struct http_request *req)
{
	size_t first = 0;
	int head_len = find_head_end(buf, len, &first);
	if (head_len <= 0)
		return head_len;

	memset(req, 0, sizeof(*req));
	size_t pos = first;
	struct head_line line, name, value;
	next_line(buf, (size_t)head_len, &pos, &line);
	int err = parse_request_line(&line, req);
	if (err)
		return err;
	req->keep_alive = req->minor_version == 1;

	bool seen_length = false;
	while (next_line(buf, (size_t)head_len, &pos, &line) && line.len) {
		if (!split_header(&line, &name, &value))
			return HTTP_ERR_BAD_REQUEST;
		err = apply_request_header(&name, &value, req, &seen_length);
		if (err)
			return err;
	}
	return head_len;
}

/* ---- response head ---- */

static int parse_status_line(const struct head_line *line, struct http_response *resp)
{
	if (line->len < 12 || line->start[8] != ' ')
		return HTTP_ERR_BAD_REQUEST;
	resp->minor_version = parse_version(line->start, 8);
	if (resp->minor_version < 0)
		return HTTP_ERR_BAD_REQUEST;
	const char *code = line->start + 9;
	if (!isdigit((unsigned char)code[0]) || !isdigit((unsigned char)code[1]) ||
	    !isdigit((unsigned char)code[2]) || (line->len > 12 && code[3] != ' '))
		return HTTP_ERR_BAD_REQUEST;
	resp->status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
	return 0;
}

static int apply_response_header(const struct head_line *name, const struct head_line *value,
				 struct http_response *resp)
{
	if (name_is(name, "Content-Length")) {
		long n = parse_content_length(value);
		if (n < 0)
			return HTTP_ERR_BAD_REQUEST;
		resp->content_length = n;
	} else if (name_is(name, "Transfer-Encoding")) {
		resp->chunked = value_has_token(value, "chunked");
	} else if (name_is(name, "Connection")) {
		if (value_has_token(value, "close"))
			resp->keep_alive = false;
		else if (value_has_token(value, "keep-alive"))
			resp->keep_alive = true;
	} else if (name_is(name, "X-Backend")) {
		copy_value(resp->backend, sizeof(resp->backend), value);
	} else if (name_is(name, "Content-Type")) {
		copy_value(resp->content_type, sizeof(resp->content_type), value);
	}
	return 0;
}

int http_parse_response_head(const char *buf, size_t len, struct http_response *resp)
{
	size_t first = 0;
	int head_len = find_head_end(buf, len, &first);
	if (head_len <= 0)
		return head_len;

	memset(resp, 0, sizeof(*resp));
	resp->content_length = -1;
	size_t pos = first;
	struct head_line line, name, value;
	next_line(buf, (size_t)head_len, &pos, &line);
	int err = parse_status_line(&line, resp);
	if (err)
		return err;
	resp->keep_alive = resp->minor_version == 1;

	while (next_line(buf, (size_t)head_len, &pos, &line) && line.len) {
		if (!split_header(&line, &name, &value))
			return HTTP_ERR_BAD_REQUEST;
		err = apply_response_header(&name, &value, resp);
		if (err)
			return err;
	}
	return head_len;
}

/* ---- chunked transfer coding ---- */

enum chunk_state {
	CHUNK_SIZE,     /* hex digits of the chunk size */
	CHUNK_EXT,      /* ";ext=..." after the size, ignored up to the line end */
	CHUNK_DATA,     /* payload bytes */
	CHUNK_DATA_END, /* the CRLF after the payload */
	CHUNK_TRAILER,  /* trailer lines after the last chunk, up to a blank line */
	CHUNK_DONE,
};

#define CHUNK_SIZE_MAX (1ull << 40)

void chunk_decoder_init(struct chunk_decoder *d)
{
	*d = (struct chunk_decoder){.state = CHUNK_SIZE};
}

bool chunk_decoder_done(const struct chunk_decoder *d)
{
	return d->state == CHUNK_DONE;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* The size line ended: start the payload, or the trailers after the last chunk. */
static int chunk_size_line_end(struct chunk_decoder *d)
{
	if (d->line_len == 0)
		return -1;
	d->state = d->remaining ? CHUNK_DATA : CHUNK_TRAILER;
	d->line_len = 0;
	return 0;
}

/* One framing byte (any state but CHUNK_DATA); -1 on malformed input. */
static int chunk_framing_byte(struct chunk_decoder *d, char c)
{
	switch (d->state) {
	case CHUNK_SIZE: {
		int v = hex_value(c);
		if (v >= 0) {
			if (d->remaining >= CHUNK_SIZE_MAX)
				return -1;
			d->remaining = d->remaining * 16 + (uint64_t)v;
			d->line_len++;
			return 0;
		}
		if (c == '\r')
			return 0;
		if (c == '\n')
			return chunk_size_line_end(d);
		if ((c == ';' || c == ' ' || c == '\t') && d->line_len) {
			d->state = CHUNK_EXT;
			return 0;
		}
		return -1;
	}
	case CHUNK_EXT:
		return c == '\n' ? chunk_size_line_end(d) : 0;
	case CHUNK_DATA_END:
		if (c == '\r')
			return 0;
		if (c != '\n')
			return -1;
		d->state = CHUNK_SIZE;
		d->remaining = 0;
		d->line_len = 0;
		return 0;
	case CHUNK_TRAILER:
		if (c == '\r')
			return 0;
		if (c == '\n') {
			if (d->line_len == 0)
				d->state = CHUNK_DONE;
			d->line_len = 0;
			return 0;
		}
		return ++d->line_len > HTTP_MAX_HEAD ? -1 : 0;
	default:
		return -1;
	}
}

long chunk_decode(struct chunk_decoder *d, const char *in, size_t len, chunk_sink sink, void *arg)
{
	size_t i = 0;
	while (i < len && d->state != CHUNK_DONE) {
		if (d->state == CHUNK_DATA) {
			size_t n = len - i;
			if (n > d->remaining)
				n = (size_t)d->remaining;
			sink(in + i, n, arg);
			i += n;
			d->remaining -= n;
			if (!d->remaining)
				d->state = CHUNK_DATA_END;
			continue;
		}
		if (chunk_framing_byte(d, in[i++]) < 0)
			return -1;
	}
	return (long)i;
}

/* ---- text/event-stream lines ---- */

void sse_reader_init(struct sse_reader *r)
{
	r->len = 0;
	r->overflow = false;
}

void sse_feed(struct sse_reader *r, const char *data, size_t len, sse_line_cb cb, void *arg)
{
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\n') {
			size_t n = r->len;
			if (n && r->line[n - 1] == '\r')
				n--;
			cb(r->line, n, r->overflow, arg);
			r->len = 0;
			r->overflow = false;
		} else if (r->len < sizeof(r->line)) {
			r->line[r->len++] = c;
		} else {
			r->overflow = true;
		}
	}
}

/* ---- JSON: one top-level member ---- */

static const char *json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* p at the opening quote; returns the position after the closing quote or NULL. */
static const char *json_skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Skip any value (nested objects and arrays included); NULL if it is cut short. */
static const char *json_skip_value(const char *p, const char *end)
{
	if (p >= end)
		return NULL;
	if (*p == '"')
		return json_skip_string(p, end);
	if (*p != '{' && *p != '[') {
		const char *start = p;
		while (p < end &&
		       (isalnum((unsigned char)*p) || *p == '-' || *p == '+' || *p == '.'))
			p++;
		return p == start ? NULL : p;
	}
	long depth = 0;
	while (p < end) {
		if (*p == '"') {
			p = json_skip_string(p, end);
			if (!p)
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return NULL;
}

/* Position of the value of top-level member key; NULL if absent; *bad set on malformed text. */
static const char *json_find_member(const char *buf, size_t len, const char *key, bool *bad)
{
	const char *p = buf, *end = buf + len;
	size_t key_len = strlen(key);

	*bad = true;
	p = json_skip_ws(p, end);
	if (p >= end || *p++ != '{')
		return NULL;
	for (;;) {
		p = json_skip_ws(p, end);
		if (p < end && *p == '}') {
			*bad = false;
			return NULL;
		}
		if (p >= end || *p != '"')
			return NULL;
		const char *name = p + 1, *after = json_skip_string(p, end);
		if (!after)
			return NULL;
		bool match = (size_t)(after - 1 - name) == key_len && !memcmp(name, key, key_len);
		p = json_skip_ws(after, end);
		if (p >= end || *p++ != ':')
			return NULL;
		p = json_skip_ws(p, end);
		if (match) {
			*bad = false;
			return p;
		}
		p = json_skip_value(p, end);
		if (!p)
			return NULL;
		p = json_skip_ws(p, end);
		if (p >= end)
			return NULL;
		if (*p == ',')
			p++;
		else if (*p != '}')
			return NULL;
	}
}

static bool literal_at(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(end - p) < n || memcmp(p, word, n))
		return false;
	return p + n == end || !isalnum((unsigned char)p[n]);
}

int json_get_bool(const char *buf, size_t len, const char *key, bool *out)
{
	bool bad;
	const char *v = json_find_member(buf, len, key, &bad), *end = buf + len;
	if (!v)
		return bad ? -1 : 0;
	if (literal_at(v, end, "true"))
		*out = true;
	else if (literal_at(v, end, "false"))
		*out = false;
	else
		return -1;
	return 1;
}

int json_get_long(const char *buf, size_t len, const char *key, long *out)
{
	bool bad;
	const char *v = json_find_member(buf, len, key, &bad), *end = buf + len;
	if (!v)
		return bad ? -1 : 0;
	bool negative = v < end && *v == '-';
	const char *p = v + negative;
	if (p >= end || !isdigit((unsigned char)*p))
		return -1;
	long n = 0;
	for (; p < end && isdigit((unsigned char)*p); p++) {
		if (n > (__LONG_MAX__ - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
		return -1;
	*out = negative ? -n : n;
	return 1;
}

int json_get_string(const char *buf, size_t len, const char *key, char *out, size_t out_size)
{
	bool bad;
	const char *v = json_find_member(buf, len, key, &bad), *end = buf + len;
	if (!v)
		return bad ? -1 : 0;
	if (v >= end || *v != '"')
		return -1;
	const char *after = json_skip_string(v, end);
	if (!after || !out_size)
		return -1;
	size_t n = (size_t)(after - 1 - (v + 1));
	if (n > out_size - 1)
		n = out_size - 1;
	memcpy(out, v + 1, n);
	out[n] = '\0';
	return 1;
}

void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}
