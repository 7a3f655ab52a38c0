/* SPDX-License-Identifier: MIT */
/*
 * user_tables.h - the userspace runner of the packet core: the fast-path tables in process
 * memory, the core's hooks on them, and the table interface (struct lbt_ops,
 * dataplane/core/tables.h) to fill them. The tests run fixtures through it to prove parity with
 * XDP; benchmarks and tools use it to compute what the fast path would do without a kernel.
 */
#ifndef EDGELB_USER_TABLES_H
#define EDGELB_USER_TABLES_H

#include <stdint.h>

#include "dataplane/core/conn_table.h"
#include "dataplane/core/lb_maps.h"
#include "dataplane/core/tables.h"

#define LB_USER_VIP_SLOTS 2048 /* open addressing, at most half full */

struct lb_user_vip_slot {
	struct lb_vip_key key;
	struct lb_vip_meta meta;
	uint32_t used;
};

struct lb_user_tables {
	struct lbt base; /* the table interface (tables.h); keep first */
	struct lb_node_cfg node;
	struct lb_vip_filter filter;
	struct lb_user_vip_slot vips[LB_USER_VIP_SLOTS];
	uint32_t *rings[LB_MAX_VIPS];
	uint32_t ring_size[LB_MAX_VIPS];
	struct lb_backend backends[LB_MAX_BACKENDS];
	struct lb_conn_table ct;
	void *ct_mem;
	uint32_t now_tick; /* the coarse clock, set by the caller (tests move it by hand) */
	struct lb_global_stats gstats;
	struct lb_vip_stats vstats[LB_MAX_VIPS];
	struct lb_backend_stats bstats[LB_MAX_BACKENDS];
};

struct lb_user_tables *lb_user_tables_new(uint32_t conn_entries);
void lb_user_tables_free(struct lb_user_tables *t);

/*
 * Run one frame through the core. The frame is at pkt->data; `buf_start` is the start of its
 * buffer, so the headroom (pkt->data - buf_start) bounds how far the head may grow. On return
 * pkt->data / pkt->end describe the output frame.
 */
void lb_user_run(struct lb_user_tables *t, struct lb_pkt *pkt, void *buf_start,
		 struct lb_result *res);

#endif
