/* SPDX-License-Identifier: MIT */
/*
 * sections.h - the section readers of control/conf/, one file each, and the key lists they check
 * groups against (load.c's key_tables[] names every one, for config_for_each_key()). Each reader
 * applies its defaults and validates every field as it reads it (reader.h). Internal to
 * control/conf/.
 */
#ifndef EDGELB_CONTROL_CONF_SECTIONS_H
#define EDGELB_CONTROL_CONF_SECTIONS_H

#include "control/conf/reader.h"

/* node.c: node, node.interfaces, node.dpdk */
extern const char *const node_keys[];
extern const char *const interface_keys[];
extern const char *const dpdk_keys[];
int load_node(struct group *root, struct config_node *node);

/* vips.c: health (top level, VIP, backend), vips, vips.backends */
extern const char *const health_keys[];
extern const char *const vip_keys[];
extern const char *const backend_keys[];
void health_defaults(struct config_health *h);
/* Applies member `health` of parent (if present) over *h, which holds the inherited values. */
int load_health(struct group *parent, struct config_health *h);
int load_vips(struct group *root, struct edgelb_config *cfg);

/* api_metrics.c: api, metrics */
extern const char *const api_keys[];
extern const char *const metrics_keys[];
int load_api(struct group *root, struct config_api *api, const char *node);
int load_metrics(struct group *root, struct config_metrics *m);

/* bgp.c: bgp, bgp.peers, bgp.announce */
extern const char *const bgp_keys[];
extern const char *const peer_keys[];
extern const char *const announce_keys[];
int load_bgp(struct group *root, struct config_bgp *bgp);

/* checks.c: what no single section can check (VIPs against node and bgp settings) */
int check_across_sections(struct loader *ld, const struct edgelb_config *cfg);

#endif
