/* SPDX-License-Identifier: MIT */
/*
 * lbtables_shm.h - the writer of the DPDK fast path's tables: the lbtables.h interface over the
 * shared-memory table file that edgelb-dp reads. The file's layout and the reader's protocol are
 * dataplane/core/shm_tables.h; this side creates or adopts the file, writes records under their
 * seqlocks, flips double-buffered rings once the workers are past the buffer, and sums the
 * workers' counters.
 */
#ifndef EDGELB_CONTROL_LBTABLES_SHM_H
#define EDGELB_CONTROL_LBTABLES_SHM_H

#include <stdint.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/core/shm_tables.h"

/*
 * Create the table file at path, or adopt it if it exists with this layout and ring capacity
 * (edgelbd restarting: the fast path keeps forwarding with the tables it has). ring_cap is the
 * largest ring size any VIP will use (e.g. LB_RING_SIZE_DEF). Takes an exclusive lock on the file:
 * one writer at a time. NULL on error, after logging it to stderr with the path.
 */
struct lbt *lbt_shm_new(const char *path, uint32_t ring_cap);
void lbt_shm_free(struct lbt *t);

/* The mapping behind a writer (tests and tools inspect it). */
struct lb_shm_map *lbt_shm_map(struct lbt *t);

/*
 * How long set_ring waits for workers to pass a quiescent point before giving up with -EBUSY
 * (a worker that is alive but stuck). Default 2000 ms.
 */
void lbt_shm_set_wait_ms(struct lbt *t, uint32_t ms);

/* Remove the table file (after lbt_shm_free, when the node is decommissioned; tests). */
int lbt_shm_unlink(const char *path);

#endif
