// SPDX-License-Identifier: MIT
/*
 * reader.c - the libconfig toolkit of control/conf/ (see reader.h): errors with file, line and
 * field path, did-you-mean for unknown keys and enum values, groups and lists, integers (with
 * the 64-bit re-read of literals libconfig 1.5 wraps), strings, names, addresses and prefixes.
 */
#include "control/conf/reader.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors ---- */

int line_of(const config_setting_t *s)
{
	return s ? (int)config_setting_source_line(s) : 0;
}

void set_error_location(struct loader *ld, const config_setting_t *s, const char *path)
{
	const char *file = s ? config_setting_source_file(s) : NULL;

	snprintf(ld->err->file, sizeof(ld->err->file), "%s", file ? file : ld->file);
	ld->err->line = line_of(s);
	snprintf(ld->err->field, sizeof(ld->err->field), "%s", path);
}

int fail_at(struct loader *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
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

void join_key(char *out, size_t size, const char *parent, const char *key)
{
	int n =
	    parent[0] ? snprintf(out, size, "%s.%s", parent, key) : snprintf(out, size, "%s", key);

	mark_truncated(out, size, n);
}

void join_index(char *out, size_t size, const char *parent, size_t index)
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

int fail_type(struct loader *ld, const config_setting_t *s, const char *path, const char *expected)
{
	return fail_at(ld, s, path, "expected %s, got %s", expected,
		       type_name(config_setting_type(s)));
}

/* ---- did you mean ---- */

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

/* ---- group access ---- */

int check_keys(struct group *g, const char *const *allowed)
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

config_setting_t *member(const struct group *g, const char *key)
{
	return g->set ? config_setting_get_member(g->set, key) : NULL;
}

int fail_missing(struct group *g, const char *key, const char *expected)
{
	char path[CONFIG_FIELD_MAX];

	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, g->set, path, "missing (required: %s)", expected);
}

/* Opens member `key` as a group. Returns 1 when present, 0 when absent, -1 on error. */
int open_group(struct group *parent, const char *key, struct group *out)
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
int open_element(struct loader *ld, config_setting_t *list, const char *list_path, size_t index,
		 struct group *out)
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
int open_list(struct group *g, const char *key, bool scalars, config_setting_t **out, char *path,
	      size_t path_size)
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

/* ---- integers ---- */

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

int setting_int(struct loader *ld, config_setting_t *s, const char *path, long long *out)
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
int read_int(struct group *g, const char *key, long long lo, long long hi, long long *out)
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

int read_u32(struct group *g, const char *key, long long lo, long long hi, uint32_t *out)
{
	long long v;
	int r = read_int(g, key, lo, hi, &v);

	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

int read_u16(struct group *g, const char *key, long long lo, long long hi, uint16_t *out)
{
	long long v;
	int r = read_int(g, key, lo, hi, &v);

	if (r > 0)
		*out = (uint16_t)v;
	return r;
}

int read_bool(struct group *g, const char *key, bool *out)
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

/* ---- strings ---- */

int setting_string(struct loader *ld, config_setting_t *s, const char *path, char *buf, size_t size)
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
int read_string(struct group *g, const char *key, char *buf, size_t size)
{
	config_setting_t *s = member(g, key);
	char path[CONFIG_FIELD_MAX];

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, key);
	return setting_string(g->ld, s, path, buf, size) < 0 ? -1 : 1;
}

int read_nonempty_string(struct group *g, const char *key, char *buf, size_t size)
{
	int r = read_string(g, key, buf, size);
	char path[CONFIG_FIELD_MAX];

	if (r <= 0 || buf[0])
		return r;
	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, member(g, key), path, "must not be empty");
}

/* Reads one of `names` (NULL-terminated); *out is its index. */
int read_enum(struct group *g, const char *key, const char *const *names, int *out)
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

int read_name(struct group *g, const char *key, char *buf, size_t size)
{
	int r = read_nonempty_string(g, key, buf, size);

	if (r == 0)
		return fail_missing(g, key, "a name of letters, digits, '.', '_', '-'");
	if (r < 0)
		return -1;
	return check_name(g, key, buf);
}

/* Reads a list of strings into a newly allocated array. */
int read_string_list(struct group *g, const char *key, char ***out, size_t *count)
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

int check_absolute(struct group *g, const char *key, const char *value)
{
	char path[CONFIG_FIELD_MAX];

	if (value[0] == '/')
		return 0;
	join_key(path, sizeof(path), g->path, key);
	return fail_at(g->ld, member(g, key), path, "\"%s\" is not an absolute path", value);
}

/* ---- addresses ---- */

bool parse_ip(const char *text, struct lb_addr *addr, uint8_t *family)
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

const char *family_name(uint8_t family)
{
	return family == LB_AF_INET ? "IPv4" : "IPv6";
}

/*
 * Reads an IP address. want_family 0 accepts both. Returns 1 present, 0 absent, -1 error.
 */
int read_ip(struct group *g, const char *key, uint8_t want_family, struct config_ip *out)
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

int read_prefix(struct group *g, const char *key, uint8_t want_family, struct config_prefix *out)
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

bool prefix_covers(const struct config_prefix *p, const struct config_ip *ip)
{
	struct lb_addr masked = ip->addr;

	if (p->family != ip->family)
		return false;
	mask_prefix(&masked, p->len, p->family == LB_AF_INET ? 32 : 128);
	return memcmp(&masked, &p->addr, sizeof(masked)) == 0;
}

bool ip_equal(const struct config_ip *a, const struct config_ip *b)
{
	return a->family == b->family && memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0;
}

int read_required_ip(struct group *g, const char *key, struct config_ip *out)
{
	int r = read_ip(g, key, 0, out);

	if (r == 0)
		return fail_missing(g, key, "an IPv4 or IPv6 address");
	return r < 0 ? -1 : 0;
}
