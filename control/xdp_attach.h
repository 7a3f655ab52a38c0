/* SPDX-License-Identifier: MIT */
/*
 * xdp_attach.h - the XDP fast path's lifecycle for edgelbd: load bpf/lb.bpf.o through its
 * skeleton, pin its maps and one bpf_link per interface under node.bpf_pin_dir, and on the next
 * start adopt what is pinned (same LB_TABLES_VERSION, ring size and conn table size) so that
 * forwarding never stops while the daemon is down. Detach removes the links and every pin.
 *
 * Pin layout under pin_dir: one file per map (node_cfg, vip_filter, vips, rings, backends, conns,
 * global_stats, vip_stats, backend_stats, conn_cache; not tx_ports), "edgelb_meta" (an array map
 * edgelbd creates itself: tables version, ring size, conn table size) and "link_<ifname>" per
 * interface.
 */
#ifndef EDGELB_CONTROL_XDP_ATTACH_H
#define EDGELB_CONTROL_XDP_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "control/lbtables.h"

#define XDP_ATTACH_MAX_IFS 16
#define XDP_ATTACH_ERR_MAX 256

struct lb;

struct xdp_iface {
	char name[CONFIG_IFNAME_MAX];
	int ifindex;
	uint8_t mac[6];
	int link_fd;  /* the pinned bpf_link */
	bool adopted; /* the link was already pinned when we started */
};

struct xdp_fastpath {
	char pin_dir[CONFIG_FS_PATH_MAX];
	uint32_t ring_size;
	struct lbt_bpf_fds fds;
	int tx_ports_fd;
	int meta_fd;
	struct xdp_iface ifs[XDP_ATTACH_MAX_IFS];
	size_t n_ifs;
	bool adopted_maps; /* the maps were pinned by an earlier edgelbd: tables hold live state */
	struct lbt *tables;
	struct lb *skel; /* the loaded program and our map descriptors */
};

/*
 * Load (or adopt) the fast path for node and attach it to every configured interface. Returns
 * 0 and fills *fp, or a negative errno with a message in err.
 */
int xdp_fastpath_open(struct xdp_fastpath *fp, const struct config_node *node, char *err,
		      size_t errlen);

/* Close our descriptors; links and pins stay, so the fast path keeps forwarding. */
void xdp_fastpath_close(struct xdp_fastpath *fp);

/* Detach from every interface and remove every pin (the fast path stops). */
int xdp_fastpath_detach(struct xdp_fastpath *fp);

/* Remove whatever edgelbd pinned under pin_dir without a running daemon (edgelbctl-less use). */
int xdp_unpin_dir(const char *pin_dir);

/* Index+1 of ifindex in fp->ifs (the devmap key + 1 of backend entries), 0 if not ours. */
uint32_t xdp_fastpath_tx_port(const struct xdp_fastpath *fp, int ifindex);

#endif
