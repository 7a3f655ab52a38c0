/* SPDX-License-Identifier: MIT */
/*
 * dpdk_attach.h - the DPDK fast path behind fastpath.h (node.forwarding = "dpdk"): open or adopt
 * the shared-memory table file edgelb-dp forwards with (control/fastpath/lbtables_shm.h), find the kernel
 * interfaces edgelbd sees (edgelb-dp's exception TAPs, which carry the node's addresses and MAC),
 * and tell whether edgelb-dp's workers are alive. edgelbd never starts edgelb-dp: an operator
 * runs both. The table file persists across restarts of either process.
 *
 * alive means a worker of edgelb-dp is alive in the table file's lcore slots; the daemon's watch
 * (fastpath_watch, every DPDK_WATCH_MS) notices edgelb-dp going, coming back (the tables it
 * found are rewritten whole) and recreating its interfaces.
 */
#ifndef EDGELB_CONTROL_FASTPATH_DPDK_ATTACH_H
#define EDGELB_CONTROL_FASTPATH_DPDK_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "control/fastpath/fastpath.h"

/* How long edgelbd waits at start for an exception interface edgelb-dp has not created yet. */
#define DPDK_ATTACH_IF_WAIT_MS 60000
/* How often edgelbd looks at edgelb-dp's worker slots and exception interfaces. */
#define DPDK_WATCH_MS 500

extern const struct fastpath_ops dpdk_fastpath_ops;

/* edgelb-dp's worker lcores as seen in the table file's lcore slots. */
struct dpdk_workers {
	unsigned int alive;  /* slots whose owning process is alive */
	unsigned int online; /* of those, online (polling, not asleep in the idle back-off) */
	uint32_t pid;        /* an alive owner (0: none) */
	uint64_t rx, tx, tx_dropped, to_kernel, from_kernel;
};

/*
 * Open (create or adopt) node->dpdk.shm_path with ring capacity node->ring_size, then find every
 * configured interface, waiting up to if_wait_ms for ones not there yet. 0 and *out, or a
 * negative errno with a message in err (nothing logged) and *out NULL.
 */
int dpdk_fastpath_open(struct fastpath **out, const struct config_node *node, uint32_t if_wait_ms,
		       char *err, size_t errlen);

/* Remove a table file without a running daemon (edgelbd --detach); a missing one is fine. */
int dpdk_unlink_tables(const char *path);

/* Sum edgelb-dp's worker slots now (fp a DPDK fast path). */
void dpdk_fastpath_workers(const struct fastpath *fp, struct dpdk_workers *out);

#endif
