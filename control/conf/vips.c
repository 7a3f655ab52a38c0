// SPDX-License-Identifier: MIT
/*
 * vips.c - the `vips` section and its backends, and the `health` groups they inherit in layers
 * (built-in defaults, the top-level `health`, the VIP's, the backend's): addresses, ports,
 * forwarding and hash modes, min_healthy, names unique across VIPs, and the readable names of
 * these enums.
 */
#include "control/conf/sections.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- health ---- */

const char *const health_keys[] = {
    "type",        "port",       "path", "host", "expect_status", "body_contains",
    "interval_ms", "timeout_ms", "rise", "fall", "jitter_pct",    NULL,
};
static const char *const health_types[] = {"tcp", "http", NULL};

void health_defaults(struct config_health *h)
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

int load_health(struct group *parent, struct config_health *h)
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

/* ---- VIPs and backends ---- */

const char *const vip_keys[] = {
    "name", "address",     "protocol", "port",     "forwarding",
    "hash", "min_healthy", "health",   "backends", NULL,
};
const char *const backend_keys[] = {"name", "address", "weight", "state", "health", NULL};
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

int load_vips(struct group *root, struct edgelb_config *cfg)
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
