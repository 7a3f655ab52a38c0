/* SPDX-License-Identifier: MIT */
/*
 * dpdk_attach.h - edgelbd's side of the DPDK fast path (node.forwarding = "dpdk"): open or adopt
 * the shared-memory table file edgelb-dp forwards with (control/lbtables_shm.h), find the kernel
 * interfaces edgelbd sees (edgelb-dp's exception TAPs, which carry the node's addresses and MAC),
 * and tell whether edgelb-dp's workers are alive. edgelbd never starts edgelb-dp: an operator
 * runs both. The table file persists across restarts of either process.
 *
 * The DPDK fast path fills the same struct xdp_fastpath the XDP path uses (ifs, n_ifs, tables,
 * adopted_maps; pin_dir holds the table file's path), so the daemon's reconcile, next-hop
 * resolution, API and metrics work unchanged; fds and skel stay empty.
 */
#ifndef EDGELB_CONTROL_DPDK_ATTACH_H
#define EDGELB_CONTROL_DPDK_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/config.h"
#include "control/xdp_attach.h"

/* How long edgelbd waits at start for an exception interface edgelb-dp has not created yet. */
#define DPDK_ATTACH_IF_WAIT_MS 60000

/* edgelb-dp's worker lcores as seen in the table file's lcore slots. */
struct dpdk_workers {
	unsigned int alive;  /* slots whose owning process is alive */
	unsigned int online; /* of those, online (polling, not asleep in the idle back-off) */
	uint32_t pid;        /* an alive owner (0: none) */
	uint64_t rx, tx, tx_dropped, to_kernel, from_kernel;
};

/*
 * Open (create or adopt) node->dpdk.shm_path with ring capacity node->ring_size, then find every
 * configured interface, waiting up to if_wait_ms for ones not there yet. 0 and *fp filled, or a
 * negative errno with a message in err.
 */
int dpdk_fastpath_open(struct xdp_fastpath *fp, const struct config_node *node, uint32_t if_wait_ms,
		       char *err, size_t errlen);

/* Close the table file; it stays, and edgelb-dp keeps forwarding with it. */
void dpdk_fastpath_close(struct xdp_fastpath *fp);

/* Close and remove the table file (edgelbd --detach / detach_on_exit). */
int dpdk_fastpath_remove(struct xdp_fastpath *fp);

/* Remove a table file without a running daemon (edgelbd --detach). */
int dpdk_unlink_tables(const char *path);

/* Sum edgelb-dp's worker slots. */
void dpdk_fastpath_workers(struct xdp_fastpath *fp, struct dpdk_workers *out);

/*
 * Look the configured interfaces up again (edgelb-dp recreates its TAPs when it restarts, with a
 * new ifindex and perhaps a new MAC). Returns 1 if any ifindex or MAC changed, 0 if not, negative
 * if one is missing (fp keeps the old values).
 */
int dpdk_fastpath_refresh_ifs(struct xdp_fastpath *fp);

#endif
