// SPDX-License-Identifier: MIT
/*
 * config.c - loads config/edgelb.conf (libconfig syntax) into struct edgelb_config, applies the
 * defaults and validates every field and cross reference (see config.h). The first problem found
 * stops the load and is reported with file, line, field path and what would be right.
 *
 * libconfig 1.5 quirks handled here: integer literals outside 32 bits silently wrap unless written
 * with an L suffix, and a leading zero does not mean octal. Wide fields (AS numbers, hash seed,
 * MED) are therefore re-read from the source line when libconfig's value looks wrapped, and
 * api.mode takes "0660"-style digits as octal.
 */
#include "control/config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* State of one config_load() call. */
struct loader {
	struct config_error *err;
	const char *file; /* the main file, for settings libconfig gives no source file */
	struct edgelb_config *cfg;
	char *source_text; /* the text of source_path, read on demand to re-read wide integers */
	char source_path[CONFIG_FILE_MAX];
	int ring_size_line; /* node.ring_size's line, for the check against backend counts */
};

/* A group (`{ ... }`) being read. set == NULL: the group is absent, every key takes its default. */
struct group {
	struct loader *ld;
	config_setting_t *set;
	char path[CONFIG_FIELD_MAX];
};

#define RANGE_INT32_MAX 2147483647LL
#define UINT32_LIMIT    4294967295LL

/* ---- errors ---------------------------------------------------------------------------------- */

static int line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

static void set_error_location(struct loader *ld, const config_setting_t *s, const char *path)
{
	const char *file = s ? config_setting_source_file(s) : NULL;

	snprintf(ld->err->file, sizeof(ld->err->file), "%s", file ? file : ld->file);
	ld->err->line = line_of(s);
	snprintf(ld->err->field, sizeof(ld->err->field), "%s", path);
}

__attribute__((format(printf, 4, 5))) static int
fail_at(struct loader *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	va_list ap;

	set_error_location(ld, s, path);
	va_start(ap, fmt);
	vsnprintf(ld->err->message, sizeof(ld->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

/* Field paths are short (the schema is three levels deep); a cut one still ends in "...". */
static void mark_truncated(char *out, size_t size, int written)
{
	if (written >= (int)size && size > 4)
		memcpy(out + size - 4, "...", 4);
}

static void join_key(char *out, size_t size, const char *parent, const char *key)
{
	int n =
	    parent[0] ? snprintf(out, size, "%s.%s", parent, key) : snprintf(out, size, "%s", key);

	mark_truncated(out, size, n);
}

static void join_index(char *out, size_t size, const char *parent, size_t index)
{
	mark_truncated(out, size, snprintf(out, size, "%s.[%zu]", parent, index));
}

static const char *type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { ... }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ... ]";
	case CONFIG_TYPE_LIST:
		return "a list ( ... )";
	default:
		return "nothing";
	}
}

static int fail_type(struct loader *ld, const config_setting_t *s, const char *path,
		     const char *expected)
{
	return fail_at(ld, s, path, "expected %s, got %s", expected,
		       type_name(config_setting_type(s)));
}

/* ---- did you mean ---------------------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[CONFIG_NAME_MAX + 1];

	if (la > CONFIG_NAME_MAX || lb > CONFIG_NAME_MAX)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static bool is_prefix_of(const char *shorter, const char *longer)
{
	size_t n = strlen(shorter);

	return n >= 3 && strncmp(shorter, longer, n) == 0;
}

/* The candidate a typo most likely meant, or NULL when nothing is close. */
static const char *closest_name(const char *word, const char *const *candidates)
{
	const char *best = NULL;
	size_t best_dist = (size_t)-1;
	size_t limit = strlen(word) > 6 ? 3 : 2;

	for (size_t i = 0; candidates[i]; i++) {
		size_t d = edit_distance(word, candidates[i]);

		if (is_prefix_of(word, candidates[i]) || is_prefix_of(candidates[i], word))
			d = d < 1 ? d : 1;
		if (d <= limit && d < best_dist) {
			best = candidates[i];
			best_dist = d;
		}
	}
	return best;
}

static void list_names(char *out, size_t size, const char *const *names)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; names[i] && used < size; i++)
		used += snprintf(out + used, size - used, "%s\"%s\"", i ? ", " : "", names[i]);
}

/* ---- group access ---------------------------------------------------------------------------- */

static int check_keys(struct group *g, const char *const *allowed)
{
	if (!g->set)
		return 0;
	for (int i = 0; i < config_setting_length(g->set); i++) {
		config_setting_t *s = config_setting_get_elem(g->set, i);
		const char *name = config_setting_name(s);
		char path[CONFIG_FIELD_MAX];
		char expected[CONFIG_MESSAGE_MAX / 2];
		const char *guess;
		bool known = false;

		for (size_t k = 0; allowed[k]; k++)
			known |= strcmp(name, allowed[k]) == 0;
		if (known)
			continue;
		join_key(path, sizeof(path), g->path, name);
		guess = closest_name(name, allowed);
		if (guess)
			return fail_at(g->ld, s, path, "unknown key (did you mean \"%s\"?)", guess);
		list_names(expected, sizeof(expected), allowed);
		return fail_at(g->ld, s, path, "unknown key (expected one of %s)", expected);
	}
	return 0;
}

static config_setting_t *member(const struct group *g, const char *key)
{
	return g->set ? config_setting_get_member(g->set, key) : NULL;
}

static int fail_missing(struct group *g, const char *key, const char *expected)
{
	char path[CONFIG_FIELD_MAX];

	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, g->set, path, "missing (required: %s)", expected);
}

/* Opens member `key` as a group. Returns 1 when present, 0 when absent, -1 on error. */
static int open_group(struct group *parent, const char *key, struct group *out)
{
	config_setting_t *s = member(parent, key);

	out->ld = parent->ld;
	out->set = NULL;
	join_key(out->path, sizeof(out->path), parent->path, key);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return fail_type(parent->ld, s, out->path, "a group { ... }");
	out->set = s;
	return 1;
}

/* Opens element `index` of a list as a group. */
static int open_element(struct loader *ld, config_setting_t *list, const char *list_path,
			size_t index, struct group *out)
{
	config_setting_t *s = config_setting_get_elem(list, (unsigned int)index);

	out->ld = ld;
	out->set = s;
	join_index(out->path, sizeof(out->path), list_path, index);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP)
		return fail_type(ld, s, out->path, "a group { ... }");
	return 0;
}

/*
 * Finds member `key` that must be a list of groups `( { ... }, ... )` (or an array of scalars when
 * scalars is true). Returns 1 when present, 0 when absent, -1 on error.
 */
static int open_list(struct group *g, const char *key, bool scalars, config_setting_t **out,
		     char *path, size_t path_size)
{
	config_setting_t *s = member(g, key);

	join_key(path, path_size, g->path, key);
	*out = s;
	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_LIST)
		return 1;
	if (scalars && config_setting_type(s) == CONFIG_TYPE_ARRAY)
		return 1;
	return fail_type(g->ld, s, path, scalars ? "a list [ ... ]" : "a list ( { ... }, ... )");
}

/* ---- integers -------------------------------------------------------------------------------- */

/* Reads a whole file into ld->source_text (once per file; almost always the main one). */
static bool load_source(struct loader *ld, const char *file)
{
	FILE *f;
	size_t cap = 0, len = 0, n;
	char *bigger;

	if (ld->source_text && strcmp(ld->source_path, file) == 0)
		return true;
	free(ld->source_text);
	ld->source_text = NULL;
	snprintf(ld->source_path, sizeof(ld->source_path), "%s", file);
	f = fopen(file, "r");
	if (!f)
		return false;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			bigger = realloc(ld->source_text, cap);
			if (!bigger)
				break;
			ld->source_text = bigger;
		}
		n = fread(ld->source_text + len, 1, 4096, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (ld->source_text)
		ld->source_text[len] = '\0';
	return ld->source_text != NULL;
}

/* The start of line `line` (1-based) of file, or NULL. */
static const char *source_line(struct loader *ld, const char *file, int line)
{
	const char *p;

	if (!load_source(ld, file))
		return NULL;
	p = ld->source_text;
	for (int i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return p;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '*';
}

/* Points at the value after `name =` or `name:` on this line of source text, or NULL. */
static const char *find_assignment(const char *line, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *p = line; *p && *p != '\n'; p++) {
		const char *v = p + nlen;

		if (strncmp(p, name, nlen) != 0 || (p > line && is_name_char(p[-1])) ||
		    is_name_char(*v))
			continue;
		v += strspn(v, " \t");
		if (*v == '=' || *v == ':')
			return v + 1 + strspn(v + 1, " \t");
	}
	return NULL;
}

/* Parses a decimal or 0x integer literal. Returns 1 done, 0 not a number, -1 beyond 64 bits. */
static int parse_int_literal(const char *v, long long *value)
{
	bool negative = *v == '-';
	bool hex;
	unsigned long long u;

	if (*v == '-' || *v == '+')
		v++;
	hex = v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
	if (!isxdigit((unsigned char)v[hex ? 2 : 0]) || (!hex && !isdigit((unsigned char)*v)))
		return 0;
	errno = 0;
	u = strtoull(v, NULL, hex ? 16 : 10);
	if (errno == ERANGE || u > (unsigned long long)INT64_MAX)
		return -1;
	*value = negative ? -(long long)u : (long long)u;
	return 1;
}

/*
 * libconfig 1.5 keeps 32 bits of an integer literal written without an L suffix. Re-read the
 * literal after "key =" on the setting's line; returns 1 and the exact value when found, 0 when
 * the literal is not there (e.g. written on another line), -1 when it does not fit 64 bits.
 */
static int reread_literal(struct loader *ld, const config_setting_t *s, long long *value)
{
	const char *name = config_setting_name(s);
	const char *file = config_setting_source_file(s);
	const char *line, *literal;

	if (!name || !file)
		return 0;
	line = source_line(ld, file, line_of(s));
	literal = line ? find_assignment(line, name) : NULL;
	return literal ? parse_int_literal(literal, value) : 0;
}

static int setting_int(struct loader *ld, config_setting_t *s, const char *path, long long *out)
{
	int type = config_setting_type(s);

	if (type == CONFIG_TYPE_INT64) {
		*out = config_setting_get_int64(s);
		return 0;
	}
	if (type != CONFIG_TYPE_INT)
		return fail_type(ld, s, path, "an integer");
	*out = config_setting_get_int(s);
	long long exact;
	int r = reread_literal(ld, s, &exact);

	if (r < 0)
		return fail_at(ld, s, path, "integer literal does not fit in 64 bits");
	if (r > 0 && (int)(exact & 0xffffffffLL) == (int)*out)
		*out = exact; /* same low 32 bits: libconfig's value is the wrapped literal */
	return 0;
}

/* Reads integer `key` in lo..hi. Returns 1 present, 0 absent (out untouched), -1 error. */
static int read_int(struct group *g, const char *key, long long lo, long long hi, long long *out)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];
	long long v;

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	if (setting_int(g->ld, s, path, &v) < 0)
		return -1;
	if (v < lo || v > hi)
		return fail_at(g->ld, s, path, "%lld is out of range, expected %lld..%lld", v, lo,
			       hi);
	*out = v;
	return 1;
}

static int read_u32(struct group *g, const char *key, long long lo, long long hi, uint32_t *out)
{
	long long v;
	int r = read_int(g, key, lo, hi, &v);

	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

static int read_u16(struct group *g, const char *key, long long lo, long long hi, uint16_t *out)
{
	long long v;
	int r = read_int(g, key, lo, hi, &v);

	if (r > 0)
		*out = (uint16_t)v;
	return r;
}

static int read_bool(struct group *g, const char *key, bool *out)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail_type(g->ld, s, path, "true or false");
	*out = config_setting_get_bool(s);
	return 1;
}

/* ---- strings --------------------------------------------------------------------------------- */

static int setting_string(struct loader *ld, config_setting_t *s, const char *path, char *buf,
			  size_t size)
{
	const char *v;
	size_t len;

	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail_type(ld, s, path, "a string");
	v = config_setting_get_string(s);
	len = strlen(v);
	if (len >= size)
		return fail_at(ld, s, path, "too long (%zu characters, at most %zu)", len,
			       size - 1);
	memcpy(buf, v, len + 1);
	return 0;
}

/* Reads string `key` into buf. Returns 1 present, 0 absent (buf untouched), -1 error. */
static int read_string(struct group *g, const char *key, char *buf, size_t size)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	return setting_string(g->ld, s, path, buf, size) < 0 ? -1 : 1;
}

static int read_nonempty_string(struct group *g, const char *key, char *buf, size_t size)
{
	int r = read_string(g, key, buf, size);
	char path[CONFIG_FIELD_MAX];

	if (r <= 0 || buf[0])
		return r;
	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, member(g, key), path, "must not be empty");
}

/* Reads one of `names` (NULL-terminated); *out is its index. */
static int read_enum(struct group *g, const char *key, const char *const *names, int *out)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];
	char expected[CONFIG_MESSAGE_MAX / 2];
	const char *v, *guess;

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	list_names(expected, sizeof(expected), names);
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail_type(g->ld, s, path, "a string");
	v = config_setting_get_string(s);
	for (int i = 0; names[i]; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 1;
		}
	}
	guess = closest_name(v, names);
	if (guess)
		return fail_at(g->ld, s, path, "\"%s\" is not valid (did you mean \"%s\"?)", v,
			       guess);
	return fail_at(g->ld, s, path, "\"%s\" is not valid, expected one of %s", v, expected);
}

/* Names used in metrics labels, paths and the CLI: letters, digits, '.', '_', '-'. */
static int check_name(struct group *g, const char *key, const char *name)
{
	char path[CONFIG_FIELD_MAX];

	for (const char *c = name; *c; c++) {
		if (is_name_char(*c) && *c != '*')
			continue;
		join_key(path, sizeof(path), g->path, key);
		return fail_at(g->ld, member(g, key), path,
			       "\"%s\" may only contain letters, digits, '.', '_' and '-'", name);
	}
	return 0;
}

static int read_name(struct group *g, const char *key, char *buf, size_t size)
{
	int r = read_nonempty_string(g, key, buf, size);

	if (r == 0)
		return fail_missing(g, key, "a name of letters, digits, '.', '_', '-'");
	if (r < 0)
		return -1;
	return check_name(g, key, buf);
}

/* ---- addresses ------------------------------------------------------------------------------- */

static bool parse_ip(const char *text, struct lb_addr *addr, uint8_t *family)
{
	memset(addr, 0, sizeof(*addr));
	if (inet_pton(AF_INET, text, addr->b) == 1) {
		*family = LB_AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, addr->b) == 1) {
		*family = LB_AF_INET6;
		return true;
	}
	return false;
}

static const char *family_name(uint8_t family)
{
	return family == LB_AF_INET ? "IPv4" : "IPv6";
}

/*
 * Reads an IP address. want_family 0 accepts both. Returns 1 present, 0 absent, -1 error.
 */
static int read_ip(struct group *g, const char *key, uint8_t want_family, struct config_ip *out)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];
	char text[CONFIG_ADDR_TEXT_MAX];

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	if (setting_string(g->ld, s, path, text, sizeof(text)) < 0)
		return -1;
	if (!parse_ip(text, &out->addr, &out->family)) {
		if (strchr(text, '/'))
			return fail_at(g->ld, s, path,
				       "\"%s\" is a prefix, expected a single IP address", text);
		return fail_at(g->ld, s, path, "\"%s\" is not an IP address, expected %s", text,
			       want_family == LB_AF_INET    ? "an IPv4 address like 192.0.2.1"
			       : want_family == LB_AF_INET6 ? "an IPv6 address like 2001:db8::1"
							    : "an IPv4 or IPv6 address");
	}
	if (want_family && out->family != want_family)
		return fail_at(g->ld, s, path, "%s is an %s address, expected %s", text,
			       family_name(out->family), family_name(want_family));
	memcpy(out->text, text, sizeof(text));
	return 1;
}

static void mask_prefix(struct lb_addr *addr, unsigned int len, unsigned int bits)
{
	for (unsigned int i = 0; i < bits / 8; i++) {
		unsigned int first = i * 8;

		if (first >= len)
			addr->b[i] = 0;
		else if (first + 8 > len)
			addr->b[i] &= (uint8_t)(0xff << (8 - (len - first)));
	}
}

static bool parse_prefix_len(const char *text, unsigned int max, unsigned int *len)
{
	char *end;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return false;
	v = strtoul(text, &end, 10);
	if (*end || v > max)
		return false;
	*len = (unsigned int)v;
	return true;
}

static int read_prefix(struct group *g, const char *key, uint8_t want_family,
		       struct config_prefix *out)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];
	char text[CONFIG_ADDR_TEXT_MAX], addr_text[CONFIG_ADDR_TEXT_MAX];
	char *slash;
	unsigned int len, bits;
	struct lb_addr masked;

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	if (setting_string(g->ld, s, path, text, sizeof(text)) < 0)
		return -1;
	memcpy(addr_text, text, sizeof(text));
	slash = strchr(addr_text, '/');
	if (!slash)
		return fail_at(g->ld, s, path,
			       "\"%s\" has no prefix length, expected a CIDR prefix "
			       "like \"192.0.2.0/24\" or \"2001:db8::/48\"",
			       text);
	*slash = '\0';
	if (!parse_ip(addr_text, &out->addr, &out->family))
		return fail_at(g->ld, s, path,
			       "\"%s\" is not a CIDR prefix: \"%s\" is not an IP "
			       "address",
			       text, addr_text);
	bits = out->family == LB_AF_INET ? 32 : 128;
	if (!parse_prefix_len(slash + 1, bits, &len))
		return fail_at(g->ld, s, path, "\"%s\": prefix length must be 0..%u", text, bits);
	if (want_family && out->family != want_family)
		return fail_at(g->ld, s, path, "%s is an %s prefix, expected %s", text,
			       family_name(out->family), family_name(want_family));
	masked = out->addr;
	mask_prefix(&masked, len, bits);
	if (memcmp(&masked, &out->addr, sizeof(masked)) != 0) {
		char fixed[INET6_ADDRSTRLEN];

		inet_ntop(out->family == LB_AF_INET ? AF_INET : AF_INET6, masked.b, fixed,
			  sizeof(fixed));
		return fail_at(g->ld, s, path, "%s has host bits set (did you mean %s/%u?)", text,
			       fixed, len);
	}
	out->len = (uint8_t)len;
	out->line = line_of(s);
	memcpy(out->text, text, sizeof(text));
	return 1;
}

static bool prefix_covers(const struct config_prefix *p, const struct config_ip *ip)
{
	struct lb_addr masked = ip->addr;

	if (p->family != ip->family)
		return false;
	mask_prefix(&masked, p->len, p->family == LB_AF_INET ? 32 : 128);
	return memcmp(&masked, &p->addr, sizeof(masked)) == 0;
}

static bool ip_equal(const struct config_ip *a, const struct config_ip *b)
{
	return a->family == b->family && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

/* ---- health ---------------------------------------------------------------------------------- */

static const char *const health_keys[] = {
    "type",        "port",       "path", "host", "expect_status", "body_contains",
    "interval_ms", "timeout_ms", "rise", "fall", "jitter_pct",    NULL,
};
static const char *const health_types[] = {"tcp", "http", NULL};

static void health_defaults(struct config_health *h)
{
	memset(h, 0, sizeof(*h));
	h->type = CONFIG_HEALTH_TCP;
	snprintf(h->path, sizeof(h->path), "/health");
	h->expect_status[0] = 200;
	h->n_expect_status = 1;
	h->interval_ms = 1000;
	h->timeout_ms = 500;
	h->rise = 2;
	h->fall = 3;
	h->jitter_pct = 10;
}

static int read_expect_status(struct group *g, struct config_health *h)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX], elem_path[CONFIG_FIELD_MAX];
	int r = open_list(g, "expect_status", true, &list, path, sizeof(path));
	int n;

	if (r <= 0)
		return r;
	n = config_setting_length(list);
	if (n < 1 || n > CONFIG_HEALTH_EXPECT_MAX)
		return fail_at(g->ld, list, path, "lists %d status codes, expected 1..%d", n,
			       CONFIG_HEALTH_EXPECT_MAX);
	for (int i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(list, i);
		long long v;

		join_index(elem_path, sizeof(elem_path), path, i);
		if (setting_int(g->ld, s, elem_path, &v) < 0)
			return -1;
		if (v < 100 || v > 599)
			return fail_at(g->ld, s, elem_path,
				       "%lld is not an HTTP status, expected 100..599", v);
		h->expect_status[i] = (uint16_t)v;
	}
	h->n_expect_status = (unsigned int)n;
	return 1;
}

static int read_health_strings(struct group *g, struct config_health *h)
{
	int r = read_string(g, "path", h->path, sizeof(h->path));

	if (r < 0)
		return -1;
	if (r > 0 && h->path[0] != '/') {
		char path[CONFIG_FIELD_MAX];

		join_key(path, sizeof(path), g->path, "path");
		return fail_at(g->ld, member(g, "path"), path,
			       "\"%s\" must start with '/', like \"/health\"", h->path);
	}
	if (read_nonempty_string(g, "host", h->host, sizeof(h->host)) < 0 ||
	    read_string(g, "body_contains", h->body_contains, sizeof(h->body_contains)) < 0)
		return -1;
	return 0;
}

static int check_health_timing(struct group *g, const struct config_health *h, int timeout_set)
{
	char path[CONFIG_FIELD_MAX];

	if (h->timeout_ms < h->interval_ms)
		return 0;
	if (timeout_set) {
		join_key(path, sizeof(path), g->path, "timeout_ms");
		return fail_at(g->ld, member(g, "timeout_ms"), path,
			       "%u must be less than interval_ms (%u)", h->timeout_ms,
			       h->interval_ms);
	}
	join_key(path, sizeof(path), g->path, "interval_ms");
	return fail_at(g->ld, member(g, "interval_ms"), path,
		       "%u must be greater than timeout_ms (%u)", h->interval_ms, h->timeout_ms);
}

/* Applies member `health` of parent (if present) over *h, which holds the inherited values. */
static int load_health(struct group *parent, struct config_health *h)
{
	struct group g;
	int type = h->type, r, timeout_set, interval_set;

	r = open_group(parent, "health", &g);
	if (r <= 0)
		return r;
	if (check_keys(&g, health_keys) < 0 || read_enum(&g, "type", health_types, &type) < 0 ||
	    read_u16(&g, "port", 1, 65535, &h->port) < 0 || read_health_strings(&g, h) < 0 ||
	    read_expect_status(&g, h) < 0 || read_u32(&g, "rise", 1, 100, &h->rise) < 0 ||
	    read_u32(&g, "fall", 1, 100, &h->fall) < 0 ||
	    read_u32(&g, "jitter_pct", 0, 50, &h->jitter_pct) < 0)
		return -1;
	h->type = (enum config_health_type)type;
	interval_set = read_u32(&g, "interval_ms", 10, 3600000, &h->interval_ms);
	if (interval_set < 0)
		return -1;
	timeout_set = read_u32(&g, "timeout_ms", 1, 3600000, &h->timeout_ms);
	if (timeout_set < 0)
		return -1;
	if ((interval_set || timeout_set) && check_health_timing(&g, h, timeout_set) < 0)
		return -1;
	h->line = line_of(g.set);
	return 1;
}

/* ---- node ------------------------------------------------------------------------------------ */

static const char *const node_keys[] = {
    "name",
    "interfaces",
    "forwarding",
    "xdp_mode",
    "encap_source_v4",
    "encap_source_v6",
    "hash_seed",
    "ring_size",
    "conn_table_size",
    "udp_idle_timeout_sec",
    "tcp_idle_timeout_sec",
    "gateway_v4",
    "gateway_v6",
    "bpf_pin_dir",
    "detach_on_exit",
    "dpdk",
    NULL,
};

static bool is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	for (uint32_t d = 2; d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

static uint32_t nearest_prime(uint32_t n)
{
	for (uint32_t up = n + 1; up <= LB_RING_SIZE_MAX; up++)
		if (is_prime(up))
			return up;
	for (uint32_t down = n - 1; down > 1; down--)
		if (is_prime(down))
			return down;
	return 2;
}

static int read_ring_size(struct group *g, uint32_t *ring_size)
{
	char path[CONFIG_FIELD_MAX];
	int r = read_u32(g, "ring_size", 2, LB_RING_SIZE_MAX, ring_size);

	if (r > 0)
		g->ld->ring_size_line = line_of(member(g, "ring_size"));
	if (r <= 0 || is_prime(*ring_size))
		return r;
	join_key(path, sizeof(path), g->path, "ring_size");
	return fail_at(g->ld, member(g, "ring_size"), path, "%u is not prime (try %u)", *ring_size,
		       nearest_prime(*ring_size));
}

static int read_tcp_idle(struct group *g, uint32_t *timeout)
{
	char path[CONFIG_FIELD_MAX];
	int r = read_u32(g, "tcp_idle_timeout_sec", 0, 604800, timeout);

	if (r <= 0 || *timeout == 0 || *timeout >= 1800)
		return r;
	join_key(path, sizeof(path), g->path, "tcp_idle_timeout_sec");
	return fail_at(g->ld, member(g, "tcp_idle_timeout_sec"), path,
		       "%u is too short, expected 0 (LRU only) or 1800..604800", *timeout);
}

static const char *const interface_keys[] = {"name", "role", NULL};
static const char *const interface_roles[] = {"uplink", "backend", "both", NULL};

static int load_interface(struct group *g, struct config_interface *ifc,
			  const struct config_interface *earlier, size_t n_earlier)
{
	int role = CONFIG_IF_BOTH;
	int r;

	if (check_keys(g, interface_keys) < 0)
		return -1;
	r = read_nonempty_string(g, "name", ifc->name, sizeof(ifc->name));
	if (r == 0)
		return fail_missing(g, "name", "a network interface name like \"eth0\"");
	if (r < 0 || read_enum(g, "role", interface_roles, &role) < 0)
		return -1;
	ifc->role = (enum config_if_role)role;
	ifc->line = line_of(g->set);
	for (size_t i = 0; i < n_earlier; i++) {
		char path[CONFIG_FIELD_MAX];

		if (strcmp(earlier[i].name, ifc->name) != 0)
			continue;
		join_key(path, sizeof(path), g->path, "name");
		return fail_at(g->ld, member(g, "name"), path,
			       "interface \"%s\" is listed twice (first at line %d)", ifc->name,
			       earlier[i].line);
	}
	return 0;
}

static int check_interface_roles(struct group *node_group, const struct config_node *node,
				 const char *path)
{
	bool uplink = false, backend = false;

	for (size_t i = 0; i < node->n_interfaces; i++) {
		uplink |= node->interfaces[i].role != CONFIG_IF_BACKEND;
		backend |= node->interfaces[i].role != CONFIG_IF_UPLINK;
	}
	if (uplink && backend)
		return 0;
	return fail_at(node_group->ld, member(node_group, "interfaces"), path,
		       "no interface has role \"%s\" or \"both\"", uplink ? "backend" : "uplink");
}

static int load_interfaces(struct group *node_group, struct config_node *node)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX];
	int r = open_list(node_group, "interfaces", false, &list, path, sizeof(path));
	size_t n;

	if (r == 0)
		return fail_missing(node_group, "interfaces",
				    "a list ( { name = \"eth0\"; role = \"both\"; } )");
	if (r < 0)
		return -1;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return fail_at(node_group->ld, list, path, "must list at least one interface");
	node->interfaces = calloc(n, sizeof(*node->interfaces));
	if (!node->interfaces)
		return fail_at(node_group->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct group g;

		if (open_element(node_group->ld, list, path, i, &g) < 0 ||
		    load_interface(&g, &node->interfaces[i], node->interfaces, i) < 0)
			return -1;
		node->n_interfaces = i + 1;
	}
	return check_interface_roles(node_group, node, path);
}

/* Reads a list of strings into a newly allocated array. */
static int read_string_list(struct group *g, const char *key, char ***out, size_t *count)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX], elem_path[CONFIG_FIELD_MAX];
	int r = open_list(g, key, true, &list, path, sizeof(path));
	size_t n;

	if (r <= 0)
		return r;
	n = (size_t)config_setting_length(list);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return fail_at(g->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(list, (unsigned int)i);

		join_index(elem_path, sizeof(elem_path), path, i);
		if (config_setting_type(s) != CONFIG_TYPE_STRING)
			return fail_type(g->ld, s, elem_path, "a string");
		(*out)[i] = strdup(config_setting_get_string(s));
		if (!(*out)[i])
			return fail_at(g->ld, s, elem_path, "out of memory");
		*count = i + 1;
	}
	return 1;
}

static const char *const dpdk_keys[] = {"eal_args", "shm_path", "lcores", "ports", NULL};

static int check_absolute(struct group *g, const char *key, const char *value)
{
	char path[CONFIG_FIELD_MAX];

	if (value[0] == '/')
		return 0;
	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, member(g, key), path, "\"%s\" is not an absolute path", value);
}

static int load_dpdk(struct group *node_group, struct config_node *node)
{
	struct config_dpdk *d = &node->dpdk;
	struct group g;
	int r;

	snprintf(d->shm_path, sizeof(d->shm_path), "/dev/shm/edgelb-%s.tables", node->name);
	r = open_group(node_group, "dpdk", &g);
	if (r <= 0)
		return r;
	d->present = true;
	d->line = line_of(g.set);
	if (check_keys(&g, dpdk_keys) < 0 ||
	    read_string_list(&g, "eal_args", &d->eal_args, &d->n_eal_args) < 0 ||
	    read_string_list(&g, "ports", &d->ports, &d->n_ports) < 0 ||
	    read_string(&g, "lcores", d->lcores, sizeof(d->lcores)) < 0)
		return -1;
	r = read_nonempty_string(&g, "shm_path", d->shm_path, sizeof(d->shm_path));
	if (r < 0 || (r > 0 && check_absolute(&g, "shm_path", d->shm_path) < 0))
		return -1;
	return 0;
}

static void node_defaults(struct config_node *node)
{
	node->forwarding = CONFIG_DP_XDP;
	node->xdp_mode = CONFIG_XDP_NATIVE;
	node->ring_size = LB_RING_SIZE_DEF;
	node->conn_table_size = LB_CONN_MAX_DEF;
	node->udp_idle_timeout_sec = 30;
	node->tcp_idle_timeout_sec = 3600;
}

static const char *const forwarding_names[] = {"xdp", "dpdk", NULL};
static const char *const xdp_mode_names[] = {"native", "generic", NULL};

static int load_node_settings(struct group *g, struct config_node *node)
{
	int forwarding = CONFIG_DP_XDP, xdp_mode = CONFIG_XDP_NATIVE, r;

	if (read_enum(g, "forwarding", forwarding_names, &forwarding) < 0 ||
	    read_enum(g, "xdp_mode", xdp_mode_names, &xdp_mode) < 0 ||
	    read_prefix(g, "encap_source_v4", LB_AF_INET, &node->encap_source_v4) < 0 ||
	    read_prefix(g, "encap_source_v6", LB_AF_INET6, &node->encap_source_v6) < 0 ||
	    read_u32(g, "hash_seed", 0, UINT32_LIMIT, &node->hash_seed) < 0 ||
	    read_ring_size(g, &node->ring_size) < 0 ||
	    read_u32(g, "conn_table_size", 1024, 1LL << 28, &node->conn_table_size) < 0 ||
	    read_u32(g, "udp_idle_timeout_sec", 1, 86400, &node->udp_idle_timeout_sec) < 0 ||
	    read_tcp_idle(g, &node->tcp_idle_timeout_sec) < 0 ||
	    read_ip(g, "gateway_v4", LB_AF_INET, &node->gateway_v4) < 0 ||
	    read_ip(g, "gateway_v6", LB_AF_INET6, &node->gateway_v6) < 0 ||
	    read_bool(g, "detach_on_exit", &node->detach_on_exit) < 0)
		return -1;
	node->forwarding = (enum config_forwarding)forwarding;
	node->xdp_mode = (enum config_xdp_mode)xdp_mode;
	snprintf(node->bpf_pin_dir, sizeof(node->bpf_pin_dir), "/sys/fs/bpf/edgelb/%s", node->name);
	r = read_nonempty_string(g, "bpf_pin_dir", node->bpf_pin_dir, sizeof(node->bpf_pin_dir));
	if (r < 0 || (r > 0 && check_absolute(g, "bpf_pin_dir", node->bpf_pin_dir) < 0))
		return -1;
	return 0;
}

static int load_node(struct group *root, struct config_node *node)
{
	struct group g;
	int r = open_group(root, "node", &g);

	if (r == 0)
		return fail_at(root->ld, NULL, "node",
			       "missing (required: the node { ... } section)");
	if (r < 0 || check_keys(&g, node_keys) < 0)
		return -1;
	node_defaults(node);
	node->line = line_of(g.set);
	if (read_name(&g, "name", node->name, sizeof(node->name)) < 0 ||
	    load_interfaces(&g, node) < 0 || load_node_settings(&g, node) < 0 ||
	    load_dpdk(&g, node) < 0)
		return -1;
	return 0;
}

/* ---- VIPs and backends ----------------------------------------------------------------------- */

static const char *const vip_keys[] = {
    "name", "address",     "protocol", "port",     "forwarding",
    "hash", "min_healthy", "health",   "backends", NULL,
};
static const char *const backend_keys[] = {"name", "address", "weight", "state", "health", NULL};
static const char *const protocol_names[] = {"tcp", "udp", NULL};
static const char *const vip_forwarding_names[] = {"ipip", "l2dsr", NULL};
static const char *const hash_names[] = {"5tuple", "source", NULL};
static const char *const backend_state_names[] = {"up", "drain", "down", NULL};

/* A VIP port: 1..65535, or 0 / "all" for every port. */
static int read_vip_port(struct group *g, uint16_t *port)
{
	config_setting_t *s = member(g, "port");
	char path[CONFIG_FIELD_MAX];
	long long v;

	join_key(path, sizeof(path), g->path, "port");
	if (!s)
		return fail_missing(g, "port", "1..65535, or \"all\"");
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (strcmp(config_setting_get_string(s), "all") != 0)
			return fail_at(g->ld, s, path,
				       "\"%s\" is not a port, expected 1..65535 or \"all\"",
				       config_setting_get_string(s));
		*port = 0;
		return 0;
	}
	if (setting_int(g->ld, s, path, &v) < 0)
		return -1;
	if (v < 0 || v > 65535)
		return fail_at(g->ld, s, path, "%lld is out of range, expected 1..65535 or \"all\"",
			       v);
	*port = (uint16_t)v;
	return 0;
}

static int read_required_ip(struct group *g, const char *key, struct config_ip *out)
{
	int r = read_ip(g, key, 0, out);

	if (r == 0)
		return fail_missing(g, key, "an IPv4 or IPv6 address");
	return r < 0 ? -1 : 0;
}

/* Host header default: the backend address, IPv6 in brackets. */
static void resolve_backend_health(struct config_backend *b, const struct config_vip *vip)
{
	if (!b->health.port)
		b->health.port = vip->port;
	if (!b->health.host[0])
		snprintf(b->health.host, sizeof(b->health.host),
			 b->address.family == LB_AF_INET6 ? "[%s]" : "%s", b->address.text);
}

static int check_backend_family(struct group *g, const struct config_backend *b,
				const struct config_vip *vip)
{
	char path[CONFIG_FIELD_MAX];

	if (b->address.family == vip->address.family || vip->forwarding == CONFIG_FWD_IPIP)
		return 0;
	join_key(path, sizeof(path), g->path, "address");
	return fail_at(g->ld, member(g, "address"), path,
		       "%s backend %s cannot serve %s VIP \"%s\" with forwarding \"l2dsr\" (it "
		       "needs the same family; use \"ipip\")",
		       family_name(b->address.family), b->address.text,
		       family_name(vip->address.family), vip->name);
}

static int load_backend(struct group *g, struct config_backend *b, const struct config_vip *vip)
{
	int state = CONFIG_BACKEND_UP;

	if (check_keys(g, backend_keys) < 0)
		return -1;
	b->line = line_of(g->set);
	b->weight = 100;
	b->health = vip->health;
	if (read_name(g, "name", b->name, sizeof(b->name)) < 0 ||
	    read_required_ip(g, "address", &b->address) < 0 ||
	    read_u32(g, "weight", 1, 1000, &b->weight) < 0 ||
	    read_enum(g, "state", backend_state_names, &state) < 0 ||
	    load_health(g, &b->health) < 0 || check_backend_family(g, b, vip) < 0)
		return -1;
	b->state = (enum config_backend_state)state;
	resolve_backend_health(b, vip);
	return 0;
}

static int check_backend_unique(struct group *g, const struct config_backend *b,
				const struct config_vip *vip, size_t index)
{
	const struct edgelb_config *cfg = g->ld->cfg;
	char path[CONFIG_FIELD_MAX];

	for (size_t i = 0; i < index; i++) {
		if (!ip_equal(&vip->backends[i].address, &b->address))
			continue;
		join_key(path, sizeof(path), g->path, "address");
		return fail_at(g->ld, member(g, "address"), path,
			       "%s is already backend \"%s\" of this VIP (line %d)",
			       b->address.text, vip->backends[i].name, vip->backends[i].line);
	}
	join_key(path, sizeof(path), g->path, "name");
	for (size_t v = 0; v <= cfg->n_vips; v++) {
		/* earlier VIPs are complete; in this one only backends before `index` exist */
		const struct config_vip *other = v < cfg->n_vips ? &cfg->vips[v] : vip;
		size_t n = v < cfg->n_vips ? other->n_backends : index;

		for (size_t i = 0; i < n; i++)
			if (strcmp(other->backends[i].name, b->name) == 0)
				return fail_at(g->ld, member(g, "name"), path,
					       "duplicate backend name \"%s\" (first at line %d; "
					       "names must be unique across all VIPs)",
					       b->name, other->backends[i].line);
	}
	return 0;
}

static size_t total_backends(const struct edgelb_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_vips; i++)
		n += cfg->vips[i].n_backends;
	return n;
}

static int load_backends(struct group *vg, struct config_vip *vip)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX];
	int r = open_list(vg, "backends", false, &list, path, sizeof(path));
	size_t n;

	if (r == 0)
		return fail_missing(vg, "backends", "a list ( { name = ...; address = ...; } )");
	if (r < 0)
		return -1;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return fail_at(vg->ld, list, path, "must list at least one backend");
	if (total_backends(vg->ld->cfg) + n > LB_MAX_BACKENDS)
		return fail_at(vg->ld, list, path, "too many backends (at most %d in all VIPs)",
			       LB_MAX_BACKENDS);
	vip->backends = calloc(n, sizeof(*vip->backends));
	if (!vip->backends)
		return fail_at(vg->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct group g;

		if (open_element(vg->ld, list, path, i, &g) < 0 ||
		    load_backend(&g, &vip->backends[i], vip) < 0 ||
		    check_backend_unique(&g, &vip->backends[i], vip, i) < 0)
			return -1;
		vip->n_backends = i + 1;
	}
	return 0;
}

static int check_vip_unique(struct group *g, const struct config_vip *vip)
{
	const struct edgelb_config *cfg = g->ld->cfg;
	char path[CONFIG_FIELD_MAX];

	for (size_t i = 0; i < cfg->n_vips; i++) {
		const struct config_vip *o = &cfg->vips[i];

		if (strcmp(o->name, vip->name) == 0) {
			join_key(path, sizeof(path), g->path, "name");
			return fail_at(g->ld, member(g, "name"), path,
				       "duplicate VIP name \"%s\" (first at line %d)", vip->name,
				       o->line);
		}
		if (ip_equal(&o->address, &vip->address) && o->protocol == vip->protocol &&
		    o->port == vip->port) {
			join_key(path, sizeof(path), g->path, "port");
			return fail_at(
			    g->ld, member(g, "port"), path,
			    "VIP \"%s\" (line %d) already has this address, protocol and "
			    "port",
			    o->name, o->line);
		}
	}
	return 0;
}

static int check_vip_health_port(struct group *g, const struct config_vip *vip)
{
	char path[CONFIG_FIELD_MAX];

	if (vip->port || vip->health.port)
		return 0;
	join_key(path, sizeof(path), g->path, "health.port");
	return fail_at(g->ld, member(g, "health") ? member(g, "health") : g->set, path,
		       "missing (required for an all-ports VIP: the port to health-check)");
}

static int check_min_healthy(struct group *g, const struct config_vip *vip, int set)
{
	char path[CONFIG_FIELD_MAX];

	if (vip->min_healthy <= vip->n_backends)
		return 0;
	join_key(path, sizeof(path), g->path, "min_healthy");
	return fail_at(g->ld, set ? member(g, "min_healthy") : g->set, path,
		       "%u is more than the number of backends (%zu)", vip->min_healthy,
		       vip->n_backends);
}

static int load_vip_settings(struct group *g, struct config_vip *vip)
{
	int proto = 0, fwd = CONFIG_FWD_IPIP, hash = CONFIG_HASH_5TUPLE, r;

	r = read_enum(g, "protocol", protocol_names, &proto);
	if (r == 0)
		return fail_missing(g, "protocol", "\"tcp\" or \"udp\"");
	if (r < 0 || read_vip_port(g, &vip->port) < 0 ||
	    read_enum(g, "forwarding", vip_forwarding_names, &fwd) < 0 ||
	    read_enum(g, "hash", hash_names, &hash) < 0)
		return -1;
	vip->protocol = proto == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	vip->forwarding = (enum config_vip_forwarding)fwd;
	vip->hash = (enum config_vip_hash)hash;
	return 0;
}

static int load_vip(struct group *g, struct config_vip *vip)
{
	int min_set;

	if (check_keys(g, vip_keys) < 0)
		return -1;
	vip->line = line_of(g->set);
	vip->min_healthy = 1;
	vip->health = g->ld->cfg->health;
	if (read_name(g, "name", vip->name, sizeof(vip->name)) < 0 ||
	    read_required_ip(g, "address", &vip->address) < 0 || load_vip_settings(g, vip) < 0 ||
	    check_vip_unique(g, vip) < 0)
		return -1;
	min_set = read_u32(g, "min_healthy", 0, LB_MAX_BACKENDS, &vip->min_healthy);
	if (min_set < 0 || load_health(g, &vip->health) < 0 || check_vip_health_port(g, vip) < 0 ||
	    load_backends(g, vip) < 0 || check_min_healthy(g, vip, min_set) < 0)
		return -1;
	return 0;
}

static int load_vips(struct group *root, struct edgelb_config *cfg)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX];
	int r = open_list(root, "vips", false, &list, path, sizeof(path));
	size_t n;

	if (r == 0)
		return fail_at(root->ld, NULL, "vips", "missing (required: a list of VIPs)");
	if (r < 0)
		return -1;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return fail_at(root->ld, list, path, "must list at least one VIP");
	if (n > LB_MAX_VIPS)
		return fail_at(root->ld, list, path, "%zu VIPs, at most %d", n, LB_MAX_VIPS);
	cfg->vips = calloc(n, sizeof(*cfg->vips));
	if (!cfg->vips)
		return fail_at(root->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct group g;

		if (open_element(root->ld, list, path, i, &g) < 0 ||
		    load_vip(&g, &cfg->vips[i]) < 0) {
			cfg->n_vips = i + 1; /* so that config_free() frees its backends */
			return -1;
		}
		cfg->n_vips = i + 1;
	}
	return 0;
}

/* ---- api and metrics ------------------------------------------------------------------------- */

static const char *const api_keys[] = {"socket", "mode", NULL};
static const char *const metrics_keys[] = {"listen", "enabled", NULL};

/* "0660" and 660 both mean rw-rw----: libconfig 1.5 reads 0660 as decimal 660. */
static bool parse_octal_mode(const char *digits, uint32_t *mode)
{
	char *end;
	unsigned long v;

	if (!*digits || strspn(digits, "01234567") != strlen(digits))
		return false;
	v = strtoul(digits, &end, 8);
	if (v > 0777)
		return false;
	*mode = (uint32_t)v;
	return true;
}

static int read_mode(struct group *g, uint32_t *mode)
{
	config_setting_t *s = member(g, "mode");
	char path[CONFIG_FIELD_MAX], digits[32];
	long long v;

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, "mode");
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		snprintf(digits, sizeof(digits), "%s", config_setting_get_string(s));
	} else {
		if (setting_int(g->ld, s, path, &v) < 0)
			return -1;
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX && v >= 0 && v <= 0777) {
			*mode = (uint32_t)v;
			return 0;
		}
		snprintf(digits, sizeof(digits), "%lld", v);
	}
	if (!parse_octal_mode(digits, mode))
		return fail_at(g->ld, s, path,
			       "%s is not a permission mode, expected octal digits 0000..0777 "
			       "like 0660",
			       digits);
	return 0;
}

static int load_api(struct group *root, struct config_api *api, const char *node)
{
	struct group g;
	int r;

	snprintf(api->socket, sizeof(api->socket), "/run/edgelb/%s.sock", node);
	api->mode = 0600;
	r = open_group(root, "api", &g);
	if (r <= 0)
		return r;
	api->line = line_of(g.set);
	if (check_keys(&g, api_keys) < 0 || read_mode(&g, &api->mode) < 0)
		return -1;
	r = read_nonempty_string(&g, "socket", api->socket, sizeof(api->socket));
	if (r < 0 || (r > 0 && check_absolute(&g, "socket", api->socket) < 0))
		return -1;
	return 0;
}

/* "host:port" or "[v6]:port", host an IP address. */
static bool parse_listen(const char *text, struct config_ip *ip, uint16_t *port)
{
	char host[CONFIG_ADDR_TEXT_MAX];
	const char *colon, *start = text;
	size_t len;
	char *end;
	unsigned long p;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return false;
		start = text + 1;
		len = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			return false;
		len = (size_t)(colon - text);
	}
	if (len >= sizeof(host))
		return false;
	memcpy(host, start, len);
	host[len] = '\0';
	if (!parse_ip(host, &ip->addr, &ip->family) ||
	    (text[0] == '[') != (ip->family == LB_AF_INET6))
		return false;
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535)
		return false;
	snprintf(ip->text, sizeof(ip->text), "%s", host);
	*port = (uint16_t)p;
	return true;
}

static int load_metrics(struct group *root, struct config_metrics *m)
{
	struct group g;
	int r;

	m->enabled = true;
	snprintf(m->listen, sizeof(m->listen), "127.0.0.1:9100");
	r = open_group(root, "metrics", &g);
	if (r < 0)
		return -1;
	m->line = line_of(g.set);
	if (check_keys(&g, metrics_keys) < 0 || read_bool(&g, "enabled", &m->enabled) < 0 ||
	    read_nonempty_string(&g, "listen", m->listen, sizeof(m->listen)) < 0)
		return -1;
	if (!parse_listen(m->listen, &m->address, &m->port)) {
		char path[CONFIG_FIELD_MAX];

		join_key(path, sizeof(path), g.path, "listen");
		return fail_at(g.ld, member(&g, "listen"), path,
			       "\"%s\" is not \"address:port\", expected e.g. \"127.0.0.1:9100\" "
			       "or \"[::1]:9100\"",
			       m->listen);
	}
	return 0;
}

/* ---- bgp ------------------------------------------------------------------------------------- */

static const char *const bgp_keys[] = {
    "local_as", "router_id", "hold_time", "connect_retry_sec", "hold_down_sec", "drain_wait_sec",
    "peers",    "announce",  NULL,
};
static const char *const peer_keys[] = {
    "name",      "address",      "remote_as",    "port",    "local_address",
    "hold_time", "md5_password", "ttl_security", "passive", NULL,
};
static const char *const announce_keys[] = {
    "prefix", "med", "communities", "large_communities", "prepend", NULL,
};

/* hold_time: 0 (no keepalives) or 3..65535 seconds (RFC 4271 4.2). */
static int read_hold_time(struct group *g, uint16_t *hold)
{
	char path[CONFIG_FIELD_MAX];
	int r = read_u16(g, "hold_time", 0, 65535, hold);

	if (r <= 0 || *hold == 0 || *hold >= 3)
		return r;
	join_key(path, sizeof(path), g->path, "hold_time");
	return fail_at(g->ld, member(g, "hold_time"), path,
		       "%u is not allowed, expected 0 (no keepalives) or 3..65535", *hold);
}

static int read_as(struct group *g, const char *key, uint32_t *as)
{
	int r = read_u32(g, key, 1, UINT32_LIMIT, as);

	if (r == 0)
		return fail_missing(g, key, "an AS number 1..4294967295");
	return r < 0 ? -1 : 0;
}

static int check_peer_unique(struct group *g, const struct config_bgp *bgp,
			     const struct config_bgp_peer *p, size_t index)
{
	char path[CONFIG_FIELD_MAX];

	for (size_t i = 0; i < index; i++) {
		const struct config_bgp_peer *o = &bgp->peers[i];

		if (strcmp(o->name, p->name) == 0) {
			join_key(path, sizeof(path), g->path, "name");
			return fail_at(g->ld, member(g, "name"), path,
				       "duplicate peer name \"%s\" (first at line %d)", p->name,
				       o->line);
		}
		if (ip_equal(&o->address, &p->address) && o->port == p->port) {
			join_key(path, sizeof(path), g->path, "address");
			return fail_at(g->ld, member(g, "address"), path,
				       "%s is already peer \"%s\" (line %d)", p->address.text,
				       o->name, o->line);
		}
	}
	return 0;
}

static int load_peer(struct group *g, struct config_bgp_peer *p)
{
	int r;

	if (check_keys(g, peer_keys) < 0)
		return -1;
	p->line = line_of(g->set);
	p->port = 179;
	if (read_name(g, "name", p->name, sizeof(p->name)) < 0 ||
	    read_required_ip(g, "address", &p->address) < 0 ||
	    read_as(g, "remote_as", &p->remote_as) < 0 ||
	    read_u16(g, "port", 1, 65535, &p->port) < 0 ||
	    read_ip(g, "local_address", p->address.family, &p->local_address) < 0 ||
	    read_nonempty_string(g, "md5_password", p->md5_password, sizeof(p->md5_password)) < 0 ||
	    read_bool(g, "ttl_security", &p->ttl_security) < 0 ||
	    read_bool(g, "passive", &p->passive) < 0)
		return -1;
	r = read_hold_time(g, &p->hold_time);
	if (r < 0)
		return -1;
	p->has_hold_time = r > 0;
	return 0;
}

static int load_peers(struct group *bg, struct config_bgp *bgp)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX];
	int r = open_list(bg, "peers", false, &list, path, sizeof(path));
	size_t n;

	if (r == 0)
		return fail_missing(bg, "peers", "a list ( { name; address; remote_as; } )");
	if (r < 0)
		return -1;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return fail_at(bg->ld, list, path, "must list at least one peer");
	bgp->peers = calloc(n, sizeof(*bgp->peers));
	if (!bgp->peers)
		return fail_at(bg->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct group g;

		if (open_element(bg->ld, list, path, i, &g) < 0 ||
		    load_peer(&g, &bgp->peers[i]) < 0 ||
		    check_peer_unique(&g, bgp, &bgp->peers[i], i) < 0)
			return -1;
		bgp->n_peers = i + 1;
	}
	return 0;
}

/* Parses "a:b" or "a:b:c" of decimal numbers each <= max into parts. */
static bool parse_colon_numbers(const char *text, size_t count, unsigned long long max,
				uint32_t *parts)
{
	const char *p = text;

	for (size_t i = 0; i < count; i++) {
		char *end;
		unsigned long long v;

		if (*p < '0' || *p > '9')
			return false;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (errno || v > max || *end != (i + 1 < count ? ':' : '\0'))
			return false;
		parts[i] = (uint32_t)v;
		p = end + 1;
	}
	return true;
}

static int read_communities(struct group *g, struct config_bgp_announce *a)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX], elem_path[CONFIG_FIELD_MAX];
	int r = open_list(g, "communities", true, &list, path, sizeof(path));
	size_t n;

	if (r <= 0)
		return r;
	n = (size_t)config_setting_length(list);
	a->communities = calloc(n ? n : 1, sizeof(*a->communities));
	if (!a->communities)
		return fail_at(g->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(list, (unsigned int)i);
		char text[32];
		uint32_t parts[2];

		join_index(elem_path, sizeof(elem_path), path, i);
		if (setting_string(g->ld, s, elem_path, text, sizeof(text)) < 0)
			return -1;
		if (!parse_colon_numbers(text, 2, 65535, parts))
			return fail_at(g->ld, s, elem_path,
				       "\"%s\" is not a community, expected \"asn:value\" with "
				       "each 0..65535, like \"65000:100\"",
				       text);
		a->communities[i].asn = (uint16_t)parts[0];
		a->communities[i].value = (uint16_t)parts[1];
		a->n_communities = i + 1;
	}
	return 1;
}

static int read_large_communities(struct group *g, struct config_bgp_announce *a)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX], elem_path[CONFIG_FIELD_MAX];
	int r = open_list(g, "large_communities", true, &list, path, sizeof(path));
	size_t n;

	if (r <= 0)
		return r;
	n = (size_t)config_setting_length(list);
	a->large_communities = calloc(n ? n : 1, sizeof(*a->large_communities));
	if (!a->large_communities)
		return fail_at(g->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(list, (unsigned int)i);
		char text[48];
		uint32_t parts[3];

		join_index(elem_path, sizeof(elem_path), path, i);
		if (setting_string(g->ld, s, elem_path, text, sizeof(text)) < 0)
			return -1;
		if (!parse_colon_numbers(text, 3, UINT32_LIMIT, parts))
			return fail_at(g->ld, s, elem_path,
				       "\"%s\" is not a large community, expected \"a:b:c\" with "
				       "each 0..4294967295",
				       text);
		a->large_communities[i] =
		    (struct config_large_community){parts[0], parts[1], parts[2]};
		a->n_large_communities = i + 1;
	}
	return 1;
}

static int load_announce(struct group *g, struct config_bgp_announce *a,
			 const struct config_bgp *bgp, size_t index)
{
	int r;

	if (check_keys(g, announce_keys) < 0)
		return -1;
	a->line = line_of(g->set);
	r = read_prefix(g, "prefix", 0, &a->prefix);
	if (r == 0)
		return fail_missing(g, "prefix", "a CIDR prefix like \"192.0.2.0/24\"");
	if (r < 0)
		return -1;
	r = read_u32(g, "med", 0, UINT32_LIMIT, &a->med);
	if (r < 0 || read_communities(g, a) < 0 || read_large_communities(g, a) < 0 ||
	    read_u32(g, "prepend", 0, 10, &a->prepend) < 0)
		return -1;
	a->has_med = r > 0;
	for (size_t i = 0; i < index; i++) {
		const struct config_prefix *o = &bgp->announce[i].prefix;
		char path[CONFIG_FIELD_MAX];

		if (o->family != a->prefix.family || o->len != a->prefix.len ||
		    memcmp(&o->addr, &a->prefix.addr, sizeof(o->addr)) != 0)
			continue;
		join_key(path, sizeof(path), g->path, "prefix");
		return fail_at(g->ld, member(g, "prefix"), path,
			       "%s is announced twice (first at line %d)", a->prefix.text, o->line);
	}
	return 0;
}

static int load_announces(struct group *bg, struct config_bgp *bgp)
{
	config_setting_t *list;
	char path[CONFIG_FIELD_MAX];
	int r = open_list(bg, "announce", false, &list, path, sizeof(path));
	size_t n;

	if (r == 0)
		return fail_missing(bg, "announce", "a list ( { prefix = \"192.0.2.0/24\"; } )");
	if (r < 0)
		return -1;
	n = (size_t)config_setting_length(list);
	if (n == 0)
		return fail_at(bg->ld, list, path, "must list at least one prefix");
	bgp->announce = calloc(n, sizeof(*bgp->announce));
	if (!bgp->announce)
		return fail_at(bg->ld, list, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct group g;

		bgp->n_announce = i + 1; /* so that config_free() frees partial lists */
		if (open_element(bg->ld, list, path, i, &g) < 0 ||
		    load_announce(&g, &bgp->announce[i], bgp, i) < 0)
			return -1;
	}
	return 0;
}

static int read_router_id(struct group *g, struct config_ip *id)
{
	int r = read_ip(g, "router_id", LB_AF_INET, id);
	char path[CONFIG_FIELD_MAX];

	if (r == 0)
		return fail_missing(g, "router_id", "an IPv4 address like 192.0.2.1");
	if (r < 0)
		return -1;
	if (id->addr.w[0] != 0)
		return 0;
	join_key(path, sizeof(path), g->path, "router_id");
	return fail_at(g->ld, member(g, "router_id"), path, "0.0.0.0 is not a valid router ID");
}

static int load_bgp(struct group *root, struct config_bgp *bgp)
{
	struct group g;
	int r = open_group(root, "bgp", &g);

	if (r <= 0)
		return r;
	bgp->present = true;
	bgp->line = line_of(g.set);
	bgp->hold_time = 90;
	bgp->connect_retry_sec = 5;
	bgp->hold_down_sec = 30;
	bgp->drain_wait_sec = 30;
	if (check_keys(&g, bgp_keys) < 0 || read_as(&g, "local_as", &bgp->local_as) < 0 ||
	    read_router_id(&g, &bgp->router_id) < 0 || read_hold_time(&g, &bgp->hold_time) < 0 ||
	    read_u32(&g, "connect_retry_sec", 1, 65535, &bgp->connect_retry_sec) < 0 ||
	    read_u32(&g, "hold_down_sec", 0, 86400, &bgp->hold_down_sec) < 0 ||
	    read_u32(&g, "drain_wait_sec", 0, 86400, &bgp->drain_wait_sec) < 0 ||
	    load_peers(&g, bgp) < 0 || load_announces(&g, bgp) < 0)
		return -1;
	return 0;
}

/* ---- cross checks ---------------------------------------------------------------------------- */

static int fail_at_vip_field(struct loader *ld, size_t vip_index, const char *key, int line,
			     const char *fmt_what, const char *a, const char *b)
{
	char path[CONFIG_FIELD_MAX];

	snprintf(path, sizeof(path), "vips.[%zu].%s", vip_index, key);
	set_error_location(ld, NULL, path);
	ld->err->line = line;
	snprintf(ld->err->message, sizeof(ld->err->message), fmt_what, a, b);
	return -1;
}

/* Every VIP must be inside an announced prefix, or BGP would attract none of its traffic. */
static int check_bgp_covers_vips(struct loader *ld, const struct edgelb_config *cfg)
{
	if (!cfg->bgp.present)
		return 0;
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];
		bool covered = false;

		for (size_t i = 0; i < cfg->bgp.n_announce; i++)
			covered |= prefix_covers(&cfg->bgp.announce[i].prefix, &vip->address);
		if (!covered)
			return fail_at_vip_field(ld, v, "address", vip->line,
						 "%s (VIP \"%s\") is not inside any bgp.announce "
						 "prefix",
						 vip->address.text, vip->name);
	}
	return 0;
}

/* ipip encapsulates in the backend's family, so that family's encap source must exist. */
static int check_encap_sources(struct loader *ld, const struct edgelb_config *cfg)
{
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];

		if (vip->forwarding != CONFIG_FWD_IPIP)
			continue;
		for (size_t i = 0; i < vip->n_backends; i++) {
			const struct config_backend *b = &vip->backends[i];
			bool v4 = b->address.family == LB_AF_INET;
			char key[64];

			if ((v4 ? cfg->node.encap_source_v4 : cfg->node.encap_source_v6).family)
				continue;
			snprintf(key, sizeof(key), "backends.[%zu].address", i);
			return fail_at_vip_field(ld, v, key, b->line,
						 "%s backend needs node.%s (the outer source "
						 "prefix for ipip)",
						 v4 ? "IPv4" : "IPv6",
						 v4 ? "encap_source_v4" : "encap_source_v6");
		}
	}
	return 0;
}

/* Maglev needs a ring larger than the number of backends it spreads. */
static int check_ring_size(struct loader *ld, const struct edgelb_config *cfg)
{
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];

		if (vip->n_backends < cfg->node.ring_size)
			continue;
		snprintf(ld->err->file, sizeof(ld->err->file), "%s", ld->file);
		snprintf(ld->err->field, sizeof(ld->err->field), "node.ring_size");
		ld->err->line = ld->ring_size_line ? ld->ring_size_line : cfg->node.line;
		snprintf(ld->err->message, sizeof(ld->err->message),
			 "%u is not larger than the %zu backends of VIP \"%s\"",
			 cfg->node.ring_size, vip->n_backends, vip->name);
		return -1;
	}
	return 0;
}

/* ---- load ------------------------------------------------------------------------------------ */

static const char *const root_keys[] = {"node", "health", "vips", "api", "metrics", "bgp", NULL};

/* Every key check_keys() accepts, by section path (config_for_each_key() in config.h). */
static const struct {
	const char *section;
	const char *const *keys;
} key_tables[] = {
    {"", root_keys},
    {"node", node_keys},
    {"node.interfaces", interface_keys},
    {"node.dpdk", dpdk_keys},
    {"health", health_keys},
    {"vips", vip_keys},
    {"vips.backends", backend_keys},
    {"api", api_keys},
    {"metrics", metrics_keys},
    {"bgp", bgp_keys},
    {"bgp.peers", peer_keys},
    {"bgp.announce", announce_keys},
};

void config_for_each_key(void (*fn)(const char *section, const char *key, void *arg), void *arg)
{
	for (size_t t = 0; t < sizeof(key_tables) / sizeof(key_tables[0]); t++)
		for (size_t k = 0; key_tables[t].keys[k]; k++)
			fn(key_tables[t].section, key_tables[t].keys[k], arg);
}

static int load_root(struct loader *ld, config_t *lc)
{
	struct edgelb_config *cfg = ld->cfg;
	struct group root = {.ld = ld, .set = config_root_setting(lc), .path = ""};

	health_defaults(&cfg->health);
	if (check_keys(&root, root_keys) < 0 || load_node(&root, &cfg->node) < 0 ||
	    load_health(&root, &cfg->health) < 0 || load_vips(&root, cfg) < 0 ||
	    load_api(&root, &cfg->api, cfg->node.name) < 0 ||
	    load_metrics(&root, &cfg->metrics) < 0 || load_bgp(&root, &cfg->bgp) < 0)
		return -1;
	if (check_encap_sources(ld, cfg) < 0 || check_ring_size(ld, cfg) < 0 ||
	    check_bgp_covers_vips(ld, cfg) < 0)
		return -1;
	return 0;
}

static int read_file(struct loader *ld, config_t *lc, const char *path)
{
	FILE *f = fopen(path, "r");
	char dir[CONFIG_FILE_MAX];
	const char *slash = strrchr(path, '/');

	if (!f) {
		snprintf(ld->err->message, sizeof(ld->err->message), "cannot open: %s",
			 strerror(errno));
		return -1;
	}
	if (getc(f) == EOF && ferror(f)) { /* e.g. a directory */
		snprintf(ld->err->message, sizeof(ld->err->message), "cannot read: %s",
			 strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	/* @include "x.conf" is relative to the including file's folder */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(lc, dir);
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return 0;
	snprintf(ld->err->file, sizeof(ld->err->file), "%s",
		 config_error_file(lc) ? config_error_file(lc) : path);
	ld->err->line = config_error_line(lc);
	snprintf(ld->err->message, sizeof(ld->err->message), "%s",
		 config_error_text(lc) ? config_error_text(lc) : "cannot read");
	return -1;
}

int config_load(const char *path, struct edgelb_config **out, struct config_error *err)
{
	struct loader ld = {.err = err, .file = path};
	config_t lc;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	ld.cfg = calloc(1, sizeof(*ld.cfg));
	if (!ld.cfg) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	snprintf(ld.cfg->file, sizeof(ld.cfg->file), "%s", path);
	config_init(&lc);
	rc = read_file(&ld, &lc, path);
	if (rc == 0)
		rc = load_root(&ld, &lc);
	config_destroy(&lc);
	free(ld.source_text);
	if (rc < 0) {
		config_free(ld.cfg);
		return -1;
	}
	*out = ld.cfg;
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void config_free(struct edgelb_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->node.interfaces);
	free_strings(cfg->node.dpdk.eal_args, cfg->node.dpdk.n_eal_args);
	free_strings(cfg->node.dpdk.ports, cfg->node.dpdk.n_ports);
	for (size_t i = 0; i < cfg->n_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	free(cfg->bgp.peers);
	for (size_t i = 0; i < cfg->bgp.n_announce; i++) {
		free(cfg->bgp.announce[i].communities);
		free(cfg->bgp.announce[i].large_communities);
	}
	free(cfg->bgp.announce);
	free(cfg);
}

int config_format_error(const struct config_error *err, char *buf, size_t size)
{
	const char *base = strrchr(err->file, '/');
	char line[16] = "";

	base = base ? base + 1 : err->file;
	if (err->line > 0)
		snprintf(line, sizeof(line), ":%d", err->line);
	return snprintf(buf, size, "%s%s: %s%s%s", base, line, err->field,
			err->field[0] ? ": " : "", err->message);
}

/* ---- reload helpers -------------------------------------------------------------------------- */

const struct config_vip *config_find_vip(const struct edgelb_config *cfg, const char *name)
{
	for (size_t i = 0; cfg && i < cfg->n_vips; i++)
		if (strcmp(cfg->vips[i].name, name) == 0)
			return &cfg->vips[i];
	return NULL;
}

const struct config_backend *config_find_backend(const struct config_vip *vip, const char *name)
{
	for (size_t i = 0; vip && i < vip->n_backends; i++)
		if (strcmp(vip->backends[i].name, name) == 0)
			return &vip->backends[i];
	return NULL;
}

bool config_health_equal(const struct config_health *a, const struct config_health *b)
{
	return a->type == b->type && a->port == b->port && !strcmp(a->path, b->path) &&
	       !strcmp(a->host, b->host) && a->n_expect_status == b->n_expect_status &&
	       !memcmp(a->expect_status, b->expect_status,
		       a->n_expect_status * sizeof(a->expect_status[0])) &&
	       !strcmp(a->body_contains, b->body_contains) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall &&
	       a->jitter_pct == b->jitter_pct;
}

static enum config_change added_or_removed(const void *old, const void *new)
{
	return !old ? CONFIG_ADDED : CONFIG_REMOVED;
}

enum config_change config_vip_change(const struct config_vip *old, const struct config_vip *new)
{
	if (!old || !new)
		return added_or_removed(old, new);
	if (ip_equal(&old->address, &new->address) && old->protocol == new->protocol &&
	    old->port == new->port && old->forwarding == new->forwarding &&
	    old->hash == new->hash &&
	    old->min_healthy == new->min_healthy &&config_health_equal(&old->health, &new->health))
		return CONFIG_UNCHANGED;
	return CONFIG_CHANGED;
}

enum config_change config_backend_change(const struct config_backend *old,
					 const struct config_backend *new)
{
	if (!old || !new)
		return added_or_removed(old, new);
	if (ip_equal(&old->address, &new->address) && old->weight == new->weight &&
	    old->state == new->state &&config_health_equal(&old->health, &new->health))
		return CONFIG_UNCHANGED;
	return CONFIG_CHANGED;
}

static bool prefix_equal(const struct config_prefix *a, const struct config_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static bool interfaces_equal(const struct config_node *a, const struct config_node *b)
{
	if (a->n_interfaces != b->n_interfaces)
		return false;
	for (size_t i = 0; i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i].name, b->interfaces[i].name) ||
		    a->interfaces[i].role != b->interfaces[i].role)
			return false;
	return true;
}

static bool strings_equal(char **a, size_t na, char **b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return true;
}

static bool dpdk_equal(const struct config_dpdk *a, const struct config_dpdk *b)
{
	return a->present == b->present && !strcmp(a->shm_path, b->shm_path) &&
	       !strcmp(a->lcores, b->lcores) &&
	       strings_equal(a->eal_args, a->n_eal_args, b->eal_args, b->n_eal_args) &&
	       strings_equal(a->ports, a->n_ports, b->ports, b->n_ports);
}

bool config_node_equal(const struct config_node *a, const struct config_node *b)
{
	return !strcmp(a->name, b->name) && interfaces_equal(a, b) &&
	       a->forwarding == b->forwarding && a->xdp_mode == b->xdp_mode &&
	       prefix_equal(&a->encap_source_v4, &b->encap_source_v4) &&
	       prefix_equal(&a->encap_source_v6, &b->encap_source_v6) &&
	       a->hash_seed == b->hash_seed && a->ring_size == b->ring_size &&
	       a->conn_table_size == b->conn_table_size &&
	       a->udp_idle_timeout_sec == b->udp_idle_timeout_sec &&
	       a->tcp_idle_timeout_sec == b->tcp_idle_timeout_sec &&
	       ip_equal(&a->gateway_v4, &b->gateway_v4) &&
	       ip_equal(&a->gateway_v6, &b->gateway_v6) &&
	       !strcmp(a->bpf_pin_dir, b->bpf_pin_dir) && a->detach_on_exit == b->detach_on_exit &&
	       dpdk_equal(&a->dpdk, &b->dpdk);
}

static bool peer_equal(const struct config_bgp_peer *a, const struct config_bgp_peer *b)
{
	return !strcmp(a->name, b->name) && ip_equal(&a->address, &b->address) &&
	       a->remote_as == b->remote_as && a->port == b->port &&
	       ip_equal(&a->local_address, &b->local_address) &&
	       a->has_hold_time == b->has_hold_time && a->hold_time == b->hold_time &&
	       !strcmp(a->md5_password, b->md5_password) && a->ttl_security == b->ttl_security &&
	       a->passive == b->passive;
}

/* memcmp() must not see the NULL arrays of empty lists. */
static bool arrays_equal(const void *a, const void *b, size_t bytes)
{
	return bytes == 0 || memcmp(a, b, bytes) == 0;
}

static bool announce_equal(const struct config_bgp_announce *a, const struct config_bgp_announce *b)
{
	return prefix_equal(&a->prefix, &b->prefix) && a->has_med == b->has_med &&
	       a->med == b->med && a->prepend == b->prepend &&
	       a->n_communities == b->n_communities &&
	       arrays_equal(a->communities, b->communities,
			    a->n_communities * sizeof(*a->communities)) &&
	       a->n_large_communities == b->n_large_communities &&
	       arrays_equal(a->large_communities, b->large_communities,
			    a->n_large_communities * sizeof(*a->large_communities));
}

bool config_bgp_equal(const struct config_bgp *a, const struct config_bgp *b)
{
	if (a->present != b->present || a->local_as != b->local_as ||
	    !ip_equal(&a->router_id, &b->router_id) || a->hold_time != b->hold_time ||
	    a->connect_retry_sec != b->connect_retry_sec || a->hold_down_sec != b->hold_down_sec ||
	    a->drain_wait_sec != b->drain_wait_sec || a->n_peers != b->n_peers ||
	    a->n_announce != b->n_announce)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!peer_equal(&a->peers[i], &b->peers[i]))
			return false;
	for (size_t i = 0; i < a->n_announce; i++)
		if (!announce_equal(&a->announce[i], &b->announce[i]))
			return false;
	return true;
}

const char *config_backend_state_name(enum config_backend_state state)
{
	return (unsigned int)state < 3 ? backend_state_names[state] : "?";
}

const char *config_vip_forwarding_name(enum config_vip_forwarding fwd)
{
	return (unsigned int)fwd < 2 ? vip_forwarding_names[fwd] : "?";
}

const char *config_vip_hash_name(enum config_vip_hash hash)
{
	return (unsigned int)hash < 2 ? hash_names[hash] : "?";
}
