// SPDX-License-Identifier: MIT
/*
 * node.c - the `node` section of the configuration: the node's name, its interfaces and their
 * roles, the fast path it runs (XDP or DPDK, with node.dpdk), encapsulation sources, hash seed,
 * ring and connection table sizes, idle timeouts, gateways and the pin directory.
 */
#include "control/conf/sections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const node_keys[] = {
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

const char *const interface_keys[] = {"name", "role", NULL};
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

const char *const dpdk_keys[] = {"eal_args", "shm_path", "lcores", "ports", NULL};

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

int load_node(struct group *root, struct config_node *node)
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
