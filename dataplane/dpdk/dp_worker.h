/* SPDX-License-Identifier: MIT */
/*
 * dp_worker.h - one edgelb-dp worker lcore: its burst loop (rx burst -> lb_process per packet ->
 * tx burst), its connection table, and the packet core's hooks over the shared-memory tables
 * (read-only) and its own counter slot. No locks and no atomics on the per-packet path: the
 * tables are read with seqlock copies, the counters are this lcore's own.
 *
 * Ports: every worker polls its rx queue on each NIC port and on each NIC port's exception port
 * (a TAP / virtio-user port to the kernel), and owns the tx queue of the same index on all of
 * them. Verdicts: TX -> the receiving NIC port, REDIRECT -> NIC port lb_result.tx_port, PASS ->
 * the receiving port's exception port (dropped without one), DROP -> freed. What the kernel sends
 * into an exception port goes out of its NIC port untouched.
 */
#ifndef EDGELB_DPDK_WORKER_H
#define EDGELB_DPDK_WORKER_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "dataplane/core/conn_table.h"
#include "dataplane/core/pkt.h"
#include "dataplane/core/shm_tables.h"

#define DP_MAX_PORTS RTE_MAX_ETHPORTS
#define DP_MAX_NICS  4
#define DP_BURST     32
#define DP_NO_PORT   0xffff

/*
 * Fetch the line at p for writing (PREFETCHW: in exclusive state). A received frame's first line
 * was last written by the sender's core (over memif, the generator; a NIC, DMA), and the headroom
 * line before it, where an outer header goes, last read by it; a plain prefetch (what
 * __builtin_prefetch(p, 1) compiles to without -mprfchw, as under DPDK's -march=corei7) brings
 * them shared, and each store then waits for an upgrade. PREFETCHW only where CPUID says the CPU
 * has it (dp_have_prefetchw, set at start-up).
 */
extern int dp_have_prefetchw;

static inline void dp_prefetch_for_write(const void *p)
{
#if defined(__x86_64__)
	if (dp_have_prefetchw) {
		asm volatile("prefetchw %0" : : "m"(*(const char *)p));
		return;
	}
#endif
	__builtin_prefetch(p, 1, 3);
}

/* How far ahead of the packet being worked on its burst's lines are fetched for writing. */
#define DP_PREFETCH_AHEAD 4

/* A received frame's first line, and the headroom line an IPv4 outer header goes into. */
static inline const char *dp_frame_line(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const char *);
}

static inline const char *dp_headroom_line(const struct rte_mbuf *m)
{
	return dp_frame_line(m) - sizeof(struct lb_iphdr); /* lb_encap_len() of an IPv4 backend */
}

/* Which ports a worker serves and how. */
struct dp_worker_cfg {
	uint16_t nic_ports[DP_MAX_NICS]; /* DPDK port ids of the NIC ports */
	uint16_t exc_ports[DP_MAX_NICS]; /* exception port of each NIC port, or DP_NO_PORT */
	uint16_t nnics;
	uint16_t queue;          /* this worker's rx and tx queue index on every port */
	uint32_t lcore_id;       /* also its counter slot in the table file */
	uint32_t conn_entries;   /* connection table size */
	uint32_t idle_threshold; /* empty polls before backing off; 0: busy-poll always */
	uint32_t idle_sleep_us;  /* back-off sleep once idle (0: rte_pause only) */
	uint8_t record_cycles;   /* count TSC cycles of polls that received packets */
};

/* What a burst's first pass learnt about a common frame (the core's one-pass parse). */
struct dp_preflow {
	struct lb_parsed pp; /* 8-byte aligned: stored and compared in words (lb_word) */
	uint32_t hash;       /* lb_ct_hash(&pp.flow) */
} __attribute__((aligned(8)));

/*
 * The worker's private copies of VIP and backend records: a hit costs a key compare, where a
 * seqlock read of the table file costs two ordered loads of the sequence and a copy per packet.
 * All entries are dropped at once (cache_epoch moves) when the file's tables_gen moves, which the
 * worker checks once per burst (shm_tables.h). Direct-mapped: a lookup may overwrite the entry
 * an earlier lookup returned; the core holds one VIP and one backend at a time.
 */
#define DP_VIP_CACHE 64   /* power of two */
#define DP_BE_CACHE  1024 /* power of two */

struct dp_vip_cached {
	struct lb_vip_key key;
	uint32_t epoch; /* valid while == dp_worker.cache_epoch */
	uint32_t found; /* 0: the key is not a VIP (negative entries save the probe too) */
	struct lb_vip_meta meta;
};

struct dp_be_cached {
	struct lb_backend be;
	uint32_t id;
	uint32_t epoch;
};

struct dp_table_cache {
	struct dp_vip_cached vip[DP_VIP_CACHE];
	struct dp_be_cached be[DP_BE_CACHE];
};

/* Per-destination tx buffer. */
struct dp_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST * 2];
};

struct dp_worker {
	struct dp_worker_cfg cfg;
	const struct lb_shm_map *shm;
	struct lb_shm_lcore *slot; /* this lcore's counters and quiescent epoch */
	struct lb_conn_table ct;
	void *ct_mem;
	uint64_t tsc_per_tick; /* 0: the clock is set by hand (tests) */
	uint32_t now_tick;
	uint32_t idle_polls;
	/* per packet */
	struct rte_mbuf *cur;
	const struct dp_preflow *cur_pre; /* the first pass's flow of cur, or NULL */
	const struct lb_flow *peek_key; /* the flow lb_hook_conn_peek looked up for cur, or NULL */
	struct lb_conn *peek_conn;      /* and what it found */
	struct dp_preflow pre[DP_BURST];
	struct lb_node_cfg node;            /* copy of the node record, renewed with the caches */
	struct dp_table_cache *cache;       /* VIP and backend copies */
	uint32_t cache_epoch;               /* the caches' current epoch (never 0) */
	uint64_t tables_gen_seen;           /* the file's tables_gen the caches and node are from */
	uint8_t prologue_done;              /* node snapshot and clock taken in this poll */
	uint16_t nic_of_port[DP_MAX_PORTS]; /* port id -> NIC index, or DP_NO_PORT */
	struct dp_txbuf tx[DP_MAX_PORTS];
};

/*
 * Prepare a worker (allocates its connection table on the lcore's socket). The worker does not
 * take its counter slot until dp_worker_online(). 0 or negative errno.
 */
int dp_worker_init(struct dp_worker *w, const struct dp_worker_cfg *cfg,
		   const struct lb_shm_map *shm);
void dp_worker_fini(struct dp_worker *w);

/* Take / leave the counter slot and the quiescent-state protocol (see shm_tables.h). */
void dp_worker_online(struct dp_worker *w);
void dp_worker_offline(struct dp_worker *w);

/* One pass over every rx queue of the worker; returns the packets received. */
unsigned dp_worker_poll(struct dp_worker *w);

/* Run one packet through the core (the mbuf may be prepended to); the verdict's details. */
void dp_worker_process(struct dp_worker *w, struct rte_mbuf *m, struct lb_result *res);

/* Loop until *stop becomes non-zero; goes online first and offline at the end. */
void dp_worker_loop(struct dp_worker *w, volatile int *stop);

#endif
