/* SPDX-License-Identifier: MIT */
/*
 * xdp_attach.h - the XDP fast path behind fastpath.h: load bpf/lb.bpf.o through its skeleton,
 * pin its maps and one bpf_link per interface under node.bpf_pin_dir, and on the next start adopt
 * what is pinned (same LB_TABLES_VERSION, ring size and conn table size) so that forwarding never
 * stops while the daemon is down. Detach removes the links and every pin.
 *
 * Pin layout under pin_dir: one file per map (node_cfg, vip_filter, vips, rings, backends, conns,
 * global_stats, vip_stats, backend_stats, conn_cache, ring_active, tick_state, vip_slots; not
 * tx_ports), "edgelb_meta" (an array map edgelbd creates itself: tables version, ring size, conn
 * table size) and "link_<ifname>" per interface.
 */
#ifndef EDGELB_CONTROL_FASTPATH_XDP_ATTACH_H
#define EDGELB_CONTROL_FASTPATH_XDP_ATTACH_H

#include <stddef.h>

#include "control/fastpath/fastpath.h"

extern const struct fastpath_ops xdp_fastpath_ops;

/*
 * Load (or adopt) the fast path for node and attach it to every configured interface. Returns
 * 0 and *out, or a negative errno with a message in err (nothing logged).
 */
int xdp_fastpath_open(struct fastpath **out, const struct config_node *node, char *err,
		      size_t errlen);

/* Remove whatever edgelbd pinned under pin_dir without a running daemon (edgelbd --detach). */
int xdp_unpin_dir(const char *pin_dir);

#endif
