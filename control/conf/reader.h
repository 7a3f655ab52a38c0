/* SPDX-License-Identifier: MIT */
/*
 * reader.h - the libconfig toolkit the section readers of control/conf/ are written with: one
 * load's state (struct loader), the group being read (struct group), and typed readers that
 * validate as they read, so that every error names file, line and field where the value was
 * written ("edgelb.conf:12: node.ring_size: 65536 is not prime (try 65537)"). Internal to
 * control/conf/; the rest of the daemon sees only config.h.
 *
 * Readers return 1 when the key is present (and valid), 0 when it is absent (the output keeps
 * its default), -1 after recording the error in the loader. The first error stops the load.
 *
 * libconfig 1.5 quirks handled here: integer literals outside 32 bits silently wrap unless written
 * with an L suffix, and a leading zero does not mean octal. Wide fields (AS numbers, hash seed,
 * MED) are therefore re-read from the source line when libconfig's value looks wrapped.
 */
#ifndef EDGELB_CONTROL_CONF_READER_H
#define EDGELB_CONTROL_CONF_READER_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/conf/config.h"

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

/* ---- errors ---- */
int line_of(const config_setting_t *s);
void set_error_location(struct loader *ld, const config_setting_t *s, const char *path);
__attribute__((format(printf, 4, 5))) int fail_at(struct loader *ld, const config_setting_t *s,
						  const char *path, const char *fmt, ...);
int fail_type(struct loader *ld, const config_setting_t *s, const char *path, const char *expected);
/* "parent.key", "parent.[index]" */
void join_key(char *out, size_t size, const char *parent, const char *key);
void join_index(char *out, size_t size, const char *parent, size_t index);

/* ---- groups and lists ---- */
/* Unknown keys fail with a did-you-mean guess among allowed (NULL-terminated). */
int check_keys(struct group *g, const char *const *allowed);
config_setting_t *member(const struct group *g, const char *key);
int fail_missing(struct group *g, const char *key, const char *expected);
/* Member `key` as a group: 1 present, 0 absent, -1 error. */
int open_group(struct group *parent, const char *key, struct group *out);
/* Element `index` of a list as a group. */
int open_element(struct loader *ld, config_setting_t *list, const char *list_path, size_t index,
		 struct group *out);
/* Member `key` as a list of groups (or an array of scalars when scalars is true). */
int open_list(struct group *g, const char *key, bool scalars, config_setting_t **out, char *path,
	      size_t path_size);

/* ---- scalars ---- */
int setting_int(struct loader *ld, config_setting_t *s, const char *path, long long *out);
int read_int(struct group *g, const char *key, long long lo, long long hi, long long *out);
int read_u32(struct group *g, const char *key, long long lo, long long hi, uint32_t *out);
int read_u16(struct group *g, const char *key, long long lo, long long hi, uint16_t *out);
int read_bool(struct group *g, const char *key, bool *out);
int setting_string(struct loader *ld, config_setting_t *s, const char *path, char *buf,
		   size_t size);
int read_string(struct group *g, const char *key, char *buf, size_t size);
int read_nonempty_string(struct group *g, const char *key, char *buf, size_t size);
/* A list of strings into a newly allocated array. */
int read_string_list(struct group *g, const char *key, char ***out, size_t *count);
/* One of names (NULL-terminated); *out is its index. */
int read_enum(struct group *g, const char *key, const char *const *names, int *out);
/* A required name of letters, digits, '.', '_' and '-'. */
int read_name(struct group *g, const char *key, char *buf, size_t size);
/* value (read from `key`) must be an absolute path. */
int check_absolute(struct group *g, const char *key, const char *value);

/* ---- addresses ---- */
bool parse_ip(const char *text, struct lb_addr *addr, uint8_t *family);
const char *family_name(uint8_t family);
/* want_family 0 accepts both. */
int read_ip(struct group *g, const char *key, uint8_t want_family, struct config_ip *out);
/* 0 or -1: a missing address is an error. */
int read_required_ip(struct group *g, const char *key, struct config_ip *out);
/* A CIDR prefix whose host bits are zero. */
int read_prefix(struct group *g, const char *key, uint8_t want_family, struct config_prefix *out);
bool prefix_covers(const struct config_prefix *p, const struct config_ip *ip);
bool ip_equal(const struct config_ip *a, const struct config_ip *b);

#endif
