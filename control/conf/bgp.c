// SPDX-License-Identifier: MIT
/*
 * bgp.c - the `bgp` section: local AS and router ID, timers, the peers (unique by name and by
 * address and port) and the announced prefixes with their MED, communities and prepends.
 */
#include "control/conf/sections.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const bgp_keys[] = {
    "local_as", "router_id", "hold_time", "connect_retry_sec", "hold_down_sec", "drain_wait_sec",
    "peers",    "announce",  NULL,
};
const char *const peer_keys[] = {
    "name",      "address",      "remote_as",    "port",    "local_address",
    "hold_time", "md5_password", "ttl_security", "passive", NULL,
};
const char *const announce_keys[] = {
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

int load_bgp(struct group *root, struct config_bgp *bgp)
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
