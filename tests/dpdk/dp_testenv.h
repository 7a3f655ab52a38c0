/* SPDX-License-Identifier: MIT */
/*
 * dp_testenv.h - edgelb-dp's worker under test, without a NIC: EAL without hugepages and with a
 * per-run file prefix, net_ring ports (a NIC port, its exception port, a second NIC port for
 * redirects), a table file in /dev/shm written through lbtables_shm, and one worker polling them.
 * A frame goes into the NIC port's rx ring; where it comes out tells the verdict.
 */
#ifndef EDGELB_TESTS_DP_TESTENV_H
#define EDGELB_TESTS_DP_TESTENV_H

#include <stddef.h>
#include <stdint.h>

#include "control/fastpath/lbtables_shm.h"
#include "dataplane/dpdk/dp_worker.h"

enum { DPT_NIC = 0, DPT_EXC, DPT_NIC2, DPT_NPORTS };

struct dp_testenv {
	char shm_path[128];
	struct lbt *tables;    /* the writer, as edgelbd would hold it */
	struct lb_shm_map shm; /* the reader's mapping, as edgelb-dp holds it */
	struct rte_mempool *pool;
	struct rte_ring *rx[DPT_NPORTS], *tx[DPT_NPORTS];
	uint16_t port[DPT_NPORTS];
	uint8_t started[DPT_NPORTS];
	uint8_t worker_ready;
	struct dp_worker worker;
};

/* EAL (once per process), ports, table file with ring capacity ring_cap, worker. 0 or -errno. */
int dp_testenv_init(struct dp_testenv *e, const char *tag, uint32_t ring_cap,
		    uint32_t conn_entries);
void dp_testenv_fini(struct dp_testenv *e);

/* One frame through the worker: the verdict (LB_*) from where it left, its bytes in out. */
int dp_testenv_run(struct dp_testenv *e, const void *in, size_t len, unsigned char *out,
		   size_t *out_len);

/*
 * n frames (n <= DP_BURST) through one poll of the worker. The frames the worker transmitted on
 * the NIC port are copied to out[] (256 bytes each, in input order: one port keeps the order);
 * returns how many, or -errno. Callers that expect every frame forwarded compare with n.
 */
int dp_testenv_run_burst(struct dp_testenv *e, const unsigned char *const *in, const size_t *len,
			 unsigned n, unsigned char (*out)[256], size_t *out_len);

#endif
