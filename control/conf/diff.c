// SPDX-License-Identifier: MIT
/*
 * diff.c - the reload diff: which settings differ between the running configuration and a newly
 * loaded one, and which differences a reload must refuse (see config.h, "Reload helpers").
 *
 * Every compared struct has a field list below (an X-macro) that names each member with how it
 * compares and what a reload does with a change. The equal functions are generated from the
 * lists, and so is the refusal of restart-only fields. A mirror struct built from each list must
 * have the struct's size and member offsets, so a member added to config.h without a line here
 * stops the build (LAYOUT_GUARD below) instead of being silently ignored by reloads.
 *
 * What a reload does, by field (the policy column of the lists; packaging/man/edgelb.conf.5
 * says the same for operators):
 *
 *   APPLY       applied: written to the fast path or used from the next event on
 *   RESTART     refused: "node.<field>: cannot change on reload (detach and restart)"; the
 *               whole reload is rejected and the running configuration kept
 *   UNUSED      accepted, but edgelbd does not use it (edgelb-dp reads node.dpdk.eal_args,
 *               lcores and ports at its own start)
 *   NEXT_START  accepted, takes effect when edgelbd next starts (the bgp section: a reload that
 *               changes it logs a warning)
 *   NAME        the key a reload matches old and new entries by (VIP, backend): a new name is
 *               a new entry, so it never "changes"
 *   LIST        diffed entry by entry by the caller (a VIP's backends)
 *   COUNT       the length of the array before it, compared together with it
 *   SOURCE      where the value was written (lines, the text as written): never a change
 *
 *   node        name APPLY (but a changed name that changes the default bpf_pin_dir or
 *               dpdk.shm_path is refused through them); interfaces (names, roles, order),
 *               forwarding, xdp_mode, ring_size, conn_table_size, bpf_pin_dir, dpdk.shm_path
 *               RESTART; encap_source_v4/v6, hash_seed, udp/tcp_idle_timeout_sec APPLY (the node
 *               settings are rewritten); gateway_v4/v6 APPLY (next-hop lookups after the
 *               reload); detach_on_exit APPLY (its value at the stop counts); dpdk.present,
 *               eal_args, lcores, ports UNUSED
 *   health      every field APPLY: a backend whose resolved check changed restarts its check
 *               schedule and keeps its UP/DOWN state
 *   vips        name NAME; address, protocol, port, forwarding, hash, min_healthy, health
 *               APPLY; backends LIST
 *   backends    name NAME; address APPLY (a changed address makes a new backend with a new
 *               slot generation); weight APPLY (the ring is rebuilt); state APPLY when the
 *               file changed it (it then wins over edgelbctl drain/undrain); health APPLY
 *   api,
 *   metrics     not compared: take effect at the next start
 *   bgp         every field NEXT_START
 */
#include "control/conf/reader.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* ---- how a field compares ---- */

#define SAME_num(a, b, f)    ((a)->f == (b)->f)
#define SAME_str(a, b, f)    (strcmp((a)->f, (b)->f) == 0)
#define SAME_bytes(a, b, f)  (memcmp(&(a)->f, &(b)->f, sizeof((a)->f)) == 0)
#define SAME_ip(a, b, f)     ip_same(&(a)->f, &(b)->f)
#define SAME_prefix(a, b, f) prefix_equal(&(a)->f, &(b)->f)
#define SAME_health(a, b, f) config_health_equal(&(a)->f, &(b)->f)
/* an array and its count; f is the array */
#define SAME_expect(a, b, f)                                                                       \
	((a)->n_expect_status == (b)->n_expect_status &&                                           \
	 arrays_equal((a)->f, (b)->f, (a)->n_expect_status * sizeof((a)->f[0])))
#define SAME_ifaces(a, b, f)   interfaces_equal(a, b)
#define SAME_dpdk(a, b, f)     dpdk_equal(&(a)->f, &(b)->f)
#define SAME_strings(a, b, f)  strings_equal((a)->f, (a)->n_##f, (b)->f, (b)->n_##f)
#define SAME_peers(a, b, f)    peers_equal(a, b)
#define SAME_announce(a, b, f) announces_equal(a, b)
#define SAME_communities(a, b, f)                                                                  \
	((a)->n_##f == (b)->n_##f && arrays_equal((a)->f, (b)->f, (a)->n_##f * sizeof(*(a)->f)))
/* not compared here: see the field's policy */
#define SAME_none(a, b, f) true

#define COMPARE(f, kind, policy) &&SAME_##kind(a, b, f)

/* ---- the field lists, in struct order (config.h) ---- */

#define IP_FIELDS(X)                                                                               \
	X(addr, bytes, APPLY)                                                                      \
	X(family, num, APPLY)                                                                      \
	X(text, none, SOURCE)

#define PREFIX_FIELDS(X)                                                                           \
	X(addr, bytes, APPLY)                                                                      \
	X(family, num, APPLY)                                                                      \
	X(len, num, APPLY)                                                                         \
	X(text, none, SOURCE)                                                                      \
	X(line, none, SOURCE)

#define HEALTH_FIELDS(X)                                                                           \
	X(type, num, APPLY)                                                                        \
	X(port, num, APPLY)                                                                        \
	X(path, str, APPLY)                                                                        \
	X(host, str, APPLY)                                                                        \
	X(expect_status, expect, APPLY)                                                            \
	X(n_expect_status, none, COUNT)                                                            \
	X(body_contains, str, APPLY)                                                               \
	X(interval_ms, num, APPLY)                                                                 \
	X(timeout_ms, num, APPLY)                                                                  \
	X(rise, num, APPLY)                                                                        \
	X(fall, num, APPLY)                                                                        \
	X(jitter_pct, num, APPLY)                                                                  \
	X(line, none, SOURCE)

#define BACKEND_FIELDS(X)                                                                          \
	X(name, none, NAME)                                                                        \
	X(address, ip, APPLY)                                                                      \
	X(weight, num, APPLY)                                                                      \
	X(state, num, APPLY)                                                                       \
	X(health, health, APPLY)                                                                   \
	X(line, none, SOURCE)

#define VIP_FIELDS(X)                                                                              \
	X(name, none, NAME)                                                                        \
	X(address, ip, APPLY)                                                                      \
	X(protocol, num, APPLY)                                                                    \
	X(port, num, APPLY)                                                                        \
	X(forwarding, num, APPLY)                                                                  \
	X(hash, num, APPLY)                                                                        \
	X(min_healthy, num, APPLY)                                                                 \
	X(health, health, APPLY)                                                                   \
	X(backends, none, LIST)                                                                    \
	X(n_backends, none, COUNT)                                                                 \
	X(line, none, SOURCE)

#define INTERFACE_FIELDS(X)                                                                        \
	X(name, str, RESTART)                                                                      \
	X(role, num, RESTART)                                                                      \
	X(line, none, SOURCE)

#define DPDK_FIELDS(X)                                                                             \
	X(present, num, UNUSED)                                                                    \
	X(eal_args, strings, UNUSED)                                                               \
	X(n_eal_args, none, COUNT)                                                                 \
	X(shm_path, str, RESTART)                                                                  \
	X(lcores, str, UNUSED)                                                                     \
	X(ports, strings, UNUSED)                                                                  \
	X(n_ports, none, COUNT)                                                                    \
	X(line, none, SOURCE)

#define NODE_FIELDS(X)                                                                             \
	X(name, str, APPLY)                                                                        \
	X(interfaces, ifaces, RESTART)                                                             \
	X(n_interfaces, none, COUNT)                                                               \
	X(forwarding, num, RESTART)                                                                \
	X(xdp_mode, num, RESTART)                                                                  \
	X(encap_source_v4, prefix, APPLY)                                                          \
	X(encap_source_v6, prefix, APPLY)                                                          \
	X(hash_seed, num, APPLY)                                                                   \
	X(ring_size, num, RESTART)                                                                 \
	X(conn_table_size, num, RESTART)                                                           \
	X(udp_idle_timeout_sec, num, APPLY)                                                        \
	X(tcp_idle_timeout_sec, num, APPLY)                                                        \
	X(gateway_v4, ip, APPLY)                                                                   \
	X(gateway_v6, ip, APPLY)                                                                   \
	X(bpf_pin_dir, str, RESTART)                                                               \
	X(detach_on_exit, num, APPLY)                                                              \
	X(dpdk, dpdk, DPDK)                                                                        \
	X(line, none, SOURCE)

#define PEER_FIELDS(X)                                                                             \
	X(name, str, NEXT_START)                                                                   \
	X(address, ip, NEXT_START)                                                                 \
	X(remote_as, num, NEXT_START)                                                              \
	X(port, num, NEXT_START)                                                                   \
	X(local_address, ip, NEXT_START)                                                           \
	X(has_hold_time, num, NEXT_START)                                                          \
	X(hold_time, num, NEXT_START)                                                              \
	X(md5_password, str, NEXT_START)                                                           \
	X(ttl_security, num, NEXT_START)                                                           \
	X(passive, num, NEXT_START)                                                                \
	X(line, none, SOURCE)

#define ANNOUNCE_FIELDS(X)                                                                         \
	X(prefix, prefix, NEXT_START)                                                              \
	X(has_med, num, NEXT_START)                                                                \
	X(med, num, NEXT_START)                                                                    \
	X(communities, communities, NEXT_START)                                                    \
	X(n_communities, none, COUNT)                                                              \
	X(large_communities, communities, NEXT_START)                                              \
	X(n_large_communities, none, COUNT)                                                        \
	X(prepend, num, NEXT_START)                                                                \
	X(line, none, SOURCE)

#define BGP_FIELDS(X)                                                                              \
	X(present, num, NEXT_START)                                                                \
	X(local_as, num, NEXT_START)                                                               \
	X(router_id, ip, NEXT_START)                                                               \
	X(hold_time, num, NEXT_START)                                                              \
	X(connect_retry_sec, num, NEXT_START)                                                      \
	X(hold_down_sec, num, NEXT_START)                                                          \
	X(drain_wait_sec, num, NEXT_START)                                                         \
	X(peers, peers, NEXT_START)                                                                \
	X(n_peers, none, COUNT)                                                                    \
	X(announce, announce, NEXT_START)                                                          \
	X(n_announce, none, COUNT)                                                                 \
	X(line, none, SOURCE)

/*
 * LAYOUT_GUARD: a mirror of MIRRORED with one member per list entry, of the same type, must
 * match it in size and in every offset. A member missing from a list (or listed out of order)
 * moves the members after it, or the end, and the build stops with the message below; only a
 * member small enough to sit in padding the struct already had (a bool after a bool) escapes.
 */
#define MIRROR_MEMBER(f, kind, policy) __typeof__(((MIRRORED *)0)->f) f;
#define MIRROR_OFFSET(f, kind, policy)                                                             \
	_Static_assert(offsetof(MIRROR, f) == offsetof(MIRRORED, f),                               \
		       "a member is missing from a field list in control/conf/diff.c");
/* clang-format off */
#define LAYOUT_GUARD(FIELDS)                                                                       \
	MIRROR {                                                                                   \
		FIELDS(MIRROR_MEMBER)                                                              \
	};                                                                                         \
	FIELDS(MIRROR_OFFSET)                                                                      \
	_Static_assert(sizeof(MIRROR) == sizeof(MIRRORED),                                         \
		       "a member is missing from a field list in control/conf/diff.c")
/* clang-format on */

#define MIRRORED struct config_ip
#define MIRROR   struct ip_mirror
LAYOUT_GUARD(IP_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_prefix
#define MIRROR   struct prefix_mirror
LAYOUT_GUARD(PREFIX_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_health
#define MIRROR   struct health_mirror
LAYOUT_GUARD(HEALTH_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_backend
#define MIRROR   struct backend_mirror
LAYOUT_GUARD(BACKEND_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_vip
#define MIRROR   struct vip_mirror
LAYOUT_GUARD(VIP_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_interface
#define MIRROR   struct interface_mirror
LAYOUT_GUARD(INTERFACE_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_dpdk
#define MIRROR   struct dpdk_mirror
LAYOUT_GUARD(DPDK_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_node
#define MIRROR   struct node_mirror
LAYOUT_GUARD(NODE_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_bgp_peer
#define MIRROR   struct peer_mirror
LAYOUT_GUARD(PEER_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_bgp_announce
#define MIRROR   struct announce_mirror
LAYOUT_GUARD(ANNOUNCE_FIELDS);
#undef MIRRORED
#undef MIRROR
#define MIRRORED struct config_bgp
#define MIRROR   struct bgp_mirror
LAYOUT_GUARD(BGP_FIELDS);
#undef MIRRORED
#undef MIRROR

/* ---- equality, generated from the lists ---- */

/* memcmp() must not see the NULL arrays of empty lists. */
static bool arrays_equal(const void *a, const void *b, size_t bytes)
{
	return bytes == 0 || memcmp(a, b, bytes) == 0;
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

static bool ip_same(const struct config_ip *a, const struct config_ip *b)
{
	return true IP_FIELDS(COMPARE);
}

static bool prefix_equal(const struct config_prefix *a, const struct config_prefix *b)
{
	return true PREFIX_FIELDS(COMPARE);
}

static bool interface_equal(const struct config_interface *a, const struct config_interface *b)
{
	return true INTERFACE_FIELDS(COMPARE);
}

static bool interfaces_equal(const struct config_node *a, const struct config_node *b)
{
	if (a->n_interfaces != b->n_interfaces)
		return false;
	for (size_t i = 0; i < a->n_interfaces; i++)
		if (!interface_equal(&a->interfaces[i], &b->interfaces[i]))
			return false;
	return true;
}

static bool dpdk_equal(const struct config_dpdk *a, const struct config_dpdk *b)
{
	return true DPDK_FIELDS(COMPARE);
}

static bool peer_equal(const struct config_bgp_peer *a, const struct config_bgp_peer *b)
{
	return true PEER_FIELDS(COMPARE);
}

static bool peers_equal(const struct config_bgp *a, const struct config_bgp *b)
{
	if (a->n_peers != b->n_peers)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (!peer_equal(&a->peers[i], &b->peers[i]))
			return false;
	return true;
}

static bool announce_equal(const struct config_bgp_announce *a, const struct config_bgp_announce *b)
{
	return true ANNOUNCE_FIELDS(COMPARE);
}

static bool announces_equal(const struct config_bgp *a, const struct config_bgp *b)
{
	if (a->n_announce != b->n_announce)
		return false;
	for (size_t i = 0; i < a->n_announce; i++)
		if (!announce_equal(&a->announce[i], &b->announce[i]))
			return false;
	return true;
}

bool config_health_equal(const struct config_health *a, const struct config_health *b)
{
	return true HEALTH_FIELDS(COMPARE);
}

bool config_node_equal(const struct config_node *a, const struct config_node *b)
{
	return true NODE_FIELDS(COMPARE);
}

bool config_bgp_equal(const struct config_bgp *a, const struct config_bgp *b)
{
	return true BGP_FIELDS(COMPARE);
}

static enum config_change added_or_removed(const void *old, const void *new)
{
	return !old ? CONFIG_ADDED : CONFIG_REMOVED;
}

enum config_change config_vip_change(const struct config_vip *old, const struct config_vip *new)
{
	const struct config_vip *a = old, *b = new;

	if (!old || !new)
		return added_or_removed(old, new);
	return true VIP_FIELDS(COMPARE) ? CONFIG_UNCHANGED : CONFIG_CHANGED;
}

enum config_change config_backend_change(const struct config_backend *old,
					 const struct config_backend *new)
{
	const struct config_backend *a = old, *b = new;

	if (!old || !new)
		return added_or_removed(old, new);
	return true BACKEND_FIELDS(COMPARE) ? CONFIG_UNCHANGED : CONFIG_CHANGED;
}

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

/* ---- what a reload refuses, generated from the lists ---- */

/* The field's name (after pfx: "" or "dpdk.") when it changed and a reload cannot apply it. */
#define CHANGED_RESTART(a, b, pfx, f, kind) (SAME_##kind(a, b, f) ? NULL : pfx #f)
#define CHANGED_APPLY(a, b, pfx, f, kind)   NULL
#define CHANGED_UNUSED(a, b, pfx, f, kind)  NULL
#define CHANGED_COUNT(a, b, pfx, f, kind)   NULL
#define CHANGED_SOURCE(a, b, pfx, f, kind)  NULL
#define CHANGED_DPDK(a, b, pfx, f, kind)    dpdk_restart_field(&(a)->f, &(b)->f)
#define FIRST_RESTART(pfx, f, kind, policy)                                                        \
	(field = field ? field : CHANGED_##policy(a, b, pfx, f, kind));
#define FIRST_RESTART_DPDK(f, kind, policy) FIRST_RESTART("dpdk.", f, kind, policy)
#define FIRST_RESTART_NODE(f, kind, policy) FIRST_RESTART("", f, kind, policy)

static const char *dpdk_restart_field(const struct config_dpdk *a, const struct config_dpdk *b)
{
	const char *field = NULL;

	DPDK_FIELDS(FIRST_RESTART_DPDK)
	return field;
}

int config_check_reload(const struct edgelb_config *old, const struct edgelb_config *new, char *err,
			size_t errlen)
{
	const struct config_node *a = &old->node, *b = &new->node;
	const char *field = NULL, *file = strrchr(new->file, '/');

	NODE_FIELDS(FIRST_RESTART_NODE)
	if (!field)
		return 0;
	snprintf(err, errlen, "%s:%d: node.%s: cannot change on reload (detach and restart)",
		 file ? file + 1 : new->file, b->line, field);
	return -EINVAL;
}
