// SPDX-License-Identifier: MIT
/*
 * dpdk_ab_worker.c - one build of edgelb-dp's worker as a plug-in for bench/dpdk_ab.c: compiled
 * with the dp_worker.c and lbtables_shm.c of the tree under test into a shared object
 * (bench/dpdk_ab.sh does it), so that two builds, e.g. before and after a change, take turns in
 * one process on one port. Three entry points, looked up with dlsym.
 */
#include <stdlib.h>

#include "dataplane/dpdk/dp_worker.h"

struct ab_worker {
	struct dp_worker w;
	struct lb_shm_map shm;
};

/* A worker on port, counting into counter slot `slot` of the table file; NULL on error (err). */
void *ab_worker_new(const char *tables, uint16_t port, uint32_t slot, uint32_t conn_entries,
		    char *err, size_t errlen)
{
	struct ab_worker *a = calloc(1, sizeof(*a));
	struct dp_worker_cfg cfg = {0};

	if (!a)
		return NULL;
	if (lb_shm_attach(tables, &a->shm, err, errlen)) {
		free(a);
		return NULL;
	}
	cfg.nic_ports[0] = port;
	cfg.exc_ports[0] = DP_NO_PORT;
	cfg.nnics = 1;
	cfg.lcore_id = slot;
	cfg.conn_entries = conn_entries;
	if (dp_worker_init(&a->w, &cfg, &a->shm)) {
		lb_shm_detach(&a->shm);
		free(a);
		return NULL;
	}
	dp_worker_online(&a->w);
	return a;
}

/* One poll of the port: rx burst, decisions, tx burst. Returns the packets received. */
unsigned ab_worker_poll(void *worker)
{
	return dp_worker_poll(&((struct ab_worker *)worker)->w);
}

void ab_worker_free(void *worker)
{
	struct ab_worker *a = worker;

	if (!a)
		return;
	dp_worker_offline(&a->w);
	dp_worker_fini(&a->w);
	lb_shm_detach(&a->shm);
	free(a);
}
