// SPDX-License-Identifier: MIT
/*
 * dp_worker.c - the packet core's hooks for DPDK (shared-memory tables, per-lcore connection
 * table and counters, mbuf prepend) and the per-lcore burst loop. See dp_worker.h.
 */
#include "dataplane/dpdk/dp_worker.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

/* ---- the core's hooks ---- */

#define LB_RUNNER_CTX struct dp_worker
#include "dataplane/core/hooks.h"

LB_INLINE const struct lb_node_cfg *lb_hook_node(struct dp_worker *w)
{
	return &w->node;
}

LB_INLINE int lb_hook_vip_addr_filter(struct dp_worker *w, const struct lb_flow *f)
{
	return lb_vip_filter_test(&w->shm->tables->filter, &f->dst, f->family);
}

/* VIP entries and backends: private copies (see struct dp_table_cache), filled on a miss. */
LB_INLINE const struct lb_vip_meta *lb_hook_vip(struct dp_worker *w, const struct lb_vip_key *key)
{
	struct dp_vip_cached *c = &w->cache->vip[lb_shm_vip_hash(key) & (DP_VIP_CACHE - 1)];

	if (c->epoch != w->cache_epoch || !lb_vip_key_eq(&c->key, key)) {
		c->key = *key;
		c->found = !lb_shm_read_vip(w->shm->tables, key, &c->meta);
		c->epoch = w->cache_epoch;
	}
	return c->found ? &c->meta : NULL;
}

LB_INLINE __u32 lb_hook_ring(struct dp_worker *w, const struct lb_vip_meta *vip, __u32 slot)
{
	return lb_shm_ring_slot(w->shm, vip->vip_id, slot);
}

LB_INLINE const struct lb_backend *lb_hook_backend(struct dp_worker *w, __u32 id)
{
	struct dp_be_cached *c = &w->cache->be[id & (DP_BE_CACHE - 1)];

	if (c->epoch != w->cache_epoch || c->id != id) {
		if (lb_shm_read_backend(w->shm->tables, id, &c->be))
			return NULL;
		c->id = id;
		c->epoch = w->cache_epoch;
	}
	return &c->be;
}

/*
 * The burst's first pass hashed this packet's flow already (when it is the flow asked for: the
 * ICMP too-big path asks for the quoted flow instead).
 */
LB_INLINE const struct dp_preflow *known_flow(struct dp_worker *w, const struct lb_flow *key)
{
	const struct dp_preflow *p = w->cur_pre;

	/* lb_process_parsed works on the first pass's parse itself: usually the very same key */
	return p && (key == &p->pp.flow || lb_flow_eq(&p->pp.flow, key)) ? p : NULL;
}

/*
 * One table, no cache in front of it: a peek is the lookup, and the core's lb_hook_conn_get for
 * the same packet and flow (when the peek did not decide it) gets the lookup's answer. The peek
 * itself answers only with an entry used this tick (lb.h); the first packet of a flow in a tick
 * takes the core's general way, which checks the entry's idle time and refreshes it.
 */
LB_INLINE struct lb_conn *lb_hook_conn_peek(struct dp_worker *w, const struct lb_flow *key)
{
	const struct dp_preflow *p = known_flow(w, key);
	struct lb_conn *conn;

	w->peek_key = key;
	conn = p ? lb_ct_get_hashed(&w->ct, key, p->hash) : lb_ct_get(&w->ct, key);
	w->peek_conn = conn;
	return conn && conn->last_seen == w->now_tick ? conn : NULL;
}

LB_INLINE struct lb_conn *lb_hook_conn_get(struct dp_worker *w, const struct lb_flow *key)
{
	const struct dp_preflow *p;

	if (key == w->peek_key)
		return w->peek_conn;
	p = known_flow(w, key);
	return p ? lb_ct_get_hashed(&w->ct, key, p->hash) : lb_ct_get(&w->ct, key);
}

/* Moves with every table change (renew_copies): entries stamped before look their VIP up again. */
LB_INLINE __u32 lb_hook_vip_epoch(struct dp_worker *w, const struct lb_node_cfg *node)
{
	return w->cache_epoch;
}

LB_INLINE int lb_hook_conn_put(struct dp_worker *w, const struct lb_flow *key,
			       const struct lb_conn *val)
{
	const struct dp_preflow *p = known_flow(w, key);

	/* the first pass's copy of the key: written long ago, so it copies without a stall */
	return p ? lb_ct_put_hashed(&w->ct, &p->pp.flow, val, p->hash)
		 : lb_ct_put(&w->ct, key, val);
}

LB_INLINE __u32 lb_hook_now_tick(struct dp_worker *w)
{
	return w->now_tick;
}

LB_INLINE struct lb_global_stats *lb_hook_gstats(struct dp_worker *w)
{
	return &w->slot->gstats;
}

LB_INLINE struct lb_vip_stats *lb_hook_vstats(struct dp_worker *w, __u32 vip_id)
{
	return vip_id < LB_MAX_VIPS ? &w->slot->vstats[vip_id] : NULL;
}

LB_INLINE struct lb_backend_stats *lb_hook_bstats(struct dp_worker *w, __u32 id)
{
	return id < LB_MAX_BACKENDS ? &w->slot->bstats[id] : NULL;
}

/* Encapsulation grows the frame into the mbuf's headroom. */
LB_INLINE int lb_hook_push(struct dp_worker *w, struct lb_pkt *pkt, int len)
{
	char *data = rte_pktmbuf_prepend(w->cur, (uint16_t)len);

	if (!data)
		return -1;
	pkt->data = data;
	return 0;
}

#include "dataplane/core/lb.h"

/* ---- setup ---- */

int dp_have_prefetchw;

/* CPUID 0x80000001, ECX bit 8: PREFETCHW (AMD's 3DNowPrefetch; Intel since Broadwell). */
__attribute__((constructor)) static void detect_prefetchw(void)
{
#if defined(__x86_64__)
	unsigned eax, ebx, ecx, edx;

	if (__get_cpuid(0x80000001u, &eax, &ebx, &ecx, &edx))
		dp_have_prefetchw = (ecx >> 8) & 1;
#endif
}

int dp_worker_init(struct dp_worker *w, const struct dp_worker_cfg *cfg,
		   const struct lb_shm_map *shm)
{
	uint64_t bytes = lb_ct_mem_size(cfg->conn_entries, NULL);
	int socket = (int)rte_lcore_to_socket_id(cfg->lcore_id);

	memset(w, 0, sizeof(*w));
	if (cfg->nnics == 0 || cfg->nnics > DP_MAX_NICS || cfg->lcore_id >= LB_SHM_MAX_LCORES ||
	    cfg->conn_entries == 0)
		return -EINVAL;
	w->cfg = *cfg;
	w->shm = shm;
	w->slot = &shm->lcores[cfg->lcore_id];
	w->ct_mem = rte_zmalloc_socket("edgelb_conns", bytes, RTE_CACHE_LINE_SIZE,
				       socket < 0 ? SOCKET_ID_ANY : socket);
	if (!w->ct_mem)
		return -ENOMEM;
	lb_ct_init(&w->ct, w->ct_mem, cfg->conn_entries);
	w->cache = rte_zmalloc_socket("edgelb_table_cache", sizeof(*w->cache), RTE_CACHE_LINE_SIZE,
				      socket < 0 ? SOCKET_ID_ANY : socket);
	if (!w->cache) {
		dp_worker_fini(w);
		return -ENOMEM;
	}
	w->cache_epoch = 1;
	w->tables_gen_seen = UINT64_MAX; /* the first burst reads the node record */
	for (unsigned p = 0; p < DP_MAX_PORTS; p++)
		w->nic_of_port[p] = DP_NO_PORT;
	for (uint16_t i = 0; i < cfg->nnics; i++) {
		if (cfg->nic_ports[i] >= DP_MAX_PORTS)
			return -EINVAL;
		w->nic_of_port[cfg->nic_ports[i]] = i;
	}
	/* a tick is 2^30 ns */
	w->tsc_per_tick = (uint64_t)((double)rte_get_tsc_hz() * 1.073741824);
	/* a fresh table needs no clearing; a clear made while offline is applied at the next burst
	 */
	w->slot->conn_clear_gen = __atomic_load_n(&shm->hdr->conn_clear_gen, __ATOMIC_ACQUIRE);
	return 0;
}

void dp_worker_fini(struct dp_worker *w)
{
	rte_free(w->ct_mem);
	rte_free(w->cache);
	w->ct_mem = NULL;
	w->cache = NULL;
}

void dp_worker_online(struct dp_worker *w)
{
	lb_shm_lcore_online(w->shm, w->slot, w->cfg.lcore_id, (uint32_t)getpid());
}

void dp_worker_offline(struct dp_worker *w)
{
	lb_shm_lcore_offline(w->shm, w->slot);
}

/* ---- the burst loop ---- */

static void tx_flush_port(struct dp_worker *w, uint16_t port)
{
	struct dp_txbuf *b = &w->tx[port];
	uint16_t sent;

	if (!b->n)
		return;
	sent = rte_eth_tx_burst(port, w->cfg.queue, b->pkts, b->n);
	w->slot->tx += sent;
	if (unlikely(sent < b->n)) {
		w->slot->tx_dropped += b->n - sent;
		rte_pktmbuf_free_bulk(&b->pkts[sent], b->n - sent);
	}
	b->n = 0;
}

/* A port's buffer fills up when several ports' bursts go to it in one poll: send it early. */
static inline void tx_enqueue(struct dp_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct dp_txbuf *b = &w->tx[port];

	if (unlikely(b->n == RTE_DIM(b->pkts)))
		tx_flush_port(w, port);
	b->pkts[b->n++] = m;
}

static void tx_flush(struct dp_worker *w)
{
	for (uint16_t i = 0; i < w->cfg.nnics; i++) {
		tx_flush_port(w, w->cfg.nic_ports[i]);
		if (w->cfg.exc_ports[i] != DP_NO_PORT)
			tx_flush_port(w, w->cfg.exc_ports[i]);
	}
}

/* The tables changed since the caches were filled: drop every copy, take the node record again. */
static void renew_copies(struct dp_worker *w, uint64_t gen)
{
	if (++w->cache_epoch == 0) { /* after 2^32 changes: old epochs could match again */
		memset(w->cache, 0, sizeof(*w->cache));
		lb_ct_clear_vip_stamps(&w->ct);
		w->cache_epoch = 1;
	}
	lb_shm_read_node(w->shm->tables, &w->node);
	w->tables_gen_seen = gen;
}

/* Before the first packet of a poll: table changes and the clock (empty polls skip this). */
static void burst_prologue(struct dp_worker *w)
{
	uint64_t gen = lb_shm_tables_gen(w->shm);

	if (unlikely(gen != w->tables_gen_seen))
		renew_copies(w, gen);
	if (w->tsc_per_tick)
		w->now_tick = (uint32_t)(rte_get_tsc_cycles() / w->tsc_per_tick);
	w->prologue_done = 1;
}

/*
 * Always inlined: left to itself gcc makes this a function called once per packet, and the
 * decisions pass then pays a call and the saving of registers around it (measured with
 * bench/dpdk_ab.sh; the figures are in commit 154c2b5).
 */
static inline __attribute__((always_inline)) void process(struct dp_worker *w, struct rte_mbuf *m,
							  struct lb_result *res,
							  const struct dp_preflow *pre)
{
	struct lb_pkt pkt;

	if (!w->prologue_done)
		burst_prologue(w);
	w->cur = m;
	w->cur_pre = pre;
	w->peek_key = NULL;
	pkt.data = rte_pktmbuf_mtod(m, void *);
	pkt.end = (char *)pkt.data + rte_pktmbuf_data_len(m);
	lb_process_parsed(w, &pkt, pre ? &pre->pp : NULL, res);
}

void dp_worker_process(struct dp_worker *w, struct rte_mbuf *m, struct lb_result *res)
{
	process(w, m, res, NULL);
}

/*
 * Decide one packet received on NIC index nic and queue it for its destination; pre is what the
 * burst's first pass learnt about its flow (or NULL).
 */
static inline void handle_packet(struct dp_worker *w, struct rte_mbuf *m, uint16_t nic,
				 const struct dp_preflow *pre)
{
	struct lb_result res;
	uint16_t to;

	/* the core reads one contiguous frame */
	if (unlikely(m->nb_segs > 1) && rte_pktmbuf_linearize(m)) {
		res.verdict = LB_PASS;
	} else {
		process(w, m, &res, pre);
	}
	switch (res.verdict) {
	case LB_TX:
		tx_enqueue(w, w->cfg.nic_ports[nic], m);
		return;
	case LB_REDIRECT:
		to = res.tx_port < DP_MAX_PORTS ? w->nic_of_port[res.tx_port] : DP_NO_PORT;
		if (to != DP_NO_PORT) {
			tx_enqueue(w, w->cfg.nic_ports[to], m);
			return;
		}
		break;
	case LB_PASS:
		if (w->cfg.exc_ports[nic] != DP_NO_PORT) {
			w->slot->exception_tx++;
			tx_enqueue(w, w->cfg.exc_ports[nic], m);
			return;
		}
		break;
	case LB_DROP:
		break;
	}
	w->slot->tx_dropped++;
	rte_pktmbuf_free(m);
}

/*
 * First pass over a burst: a common frame (the core's one-pass parse: untagged IPv4 without
 * options, TCP or UDP, not a fragment) to a VIP address gets its flow, parsed exactly as
 * lb_process will parse it, and its connection-table hash, and the bucket's tag line is fetched
 * into the cache: with many flows the bucket is the cache miss lb_process would otherwise wait
 * for. Returns 0 for other frames (lb_process handles them unaided).
 */
static inline int preflow(struct dp_worker *w, struct rte_mbuf *m, struct dp_preflow *p)
{
	void *data = rte_pktmbuf_mtod(m, void *);
	void *end = (char *)data + rte_pktmbuf_data_len(m);

	if (!lb_parse_common_l3(data, end, &p->pp) ||
	    !lb_vip_filter_test(&w->shm->tables->filter, &p->pp.flow.dst, LB_AF_INET) ||
	    !lb_parse_common_l4(data, &p->pp))
		return 0;
	p->hash = lb_ct_hash(&p->pp.flow);
	rte_prefetch0(lb_ct_bucket_at(&w->ct, p->hash));
	return 1;
}

static unsigned poll_nic(struct dp_worker *w, uint16_t nic)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t n = rte_eth_rx_burst(w->cfg.nic_ports[nic], w->cfg.queue, pkts, DP_BURST);
	uint8_t known[DP_BURST];
	uint16_t i;

	if (!n)
		return 0;
	if (!w->prologue_done)
		burst_prologue(w);

	/*
	 * Three passes, each fetching what the next one reads: the first parses the frames (their
	 * lines fetched for writing a few frames ahead) and fetches the tag lines, the second the
	 * entries (not a SYN's: it is written whole, never read), the third decides and writes,
	 * fetching the headroom lines a few frames ahead. Fetched for writing all in a first pass
	 * instead, the lines from the other core arrived later, not sooner (bench/dpdk_ab.sh; the
	 * figures are in commit fa7c628).
	 */
	for (i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		dp_prefetch_for_write(dp_frame_line(pkts[i]));
	for (i = 0; i < n; i++) {
		if (i + DP_PREFETCH_AHEAD < n)
			dp_prefetch_for_write(dp_frame_line(pkts[i + DP_PREFETCH_AHEAD]));
		known[i] = (uint8_t)preflow(w, pkts[i], &w->pre[i]);
	}
	for (i = 0; i < n; i++) {
		if (known[i] && !lb_is_syn(&w->pre[i].pp))
			rte_prefetch0(lb_ct_entry_for(
			    &w->ct, lb_ct_bucket_at(&w->ct, w->pre[i].hash), w->pre[i].hash));
	}
	for (i = 0; i < n && i < DP_PREFETCH_AHEAD; i++)
		dp_prefetch_for_write(dp_headroom_line(pkts[i]));
	for (i = 0; i < n; i++) {
		if (i + DP_PREFETCH_AHEAD < n)
			dp_prefetch_for_write(dp_headroom_line(pkts[i + DP_PREFETCH_AHEAD]));
		handle_packet(w, pkts[i], nic, known[i] ? &w->pre[i] : NULL);
	}
	return n;
}

/* What the kernel sends through an exception port leaves by its NIC port, untouched. */
static unsigned poll_exception(struct dp_worker *w, uint16_t nic)
{
	struct rte_mbuf *pkts[DP_BURST];
	uint16_t exc = w->cfg.exc_ports[nic];
	uint16_t n;

	if (exc == DP_NO_PORT)
		return 0;
	n = rte_eth_rx_burst(exc, w->cfg.queue, pkts, DP_BURST);
	for (uint16_t i = 0; i < n; i++)
		tx_enqueue(w, w->cfg.nic_ports[nic], pkts[i]);
	w->slot->exception_rx += n;
	return n;
}

/* Every poll: apply a connection-table clear (the writer waits for it even while we idle). */
static void apply_conn_clear(struct dp_worker *w)
{
	uint64_t clear = __atomic_load_n(&w->shm->hdr->conn_clear_gen, __ATOMIC_ACQUIRE);

	if (unlikely(clear != w->slot->conn_clear_gen)) {
		memset(w->ct_mem, 0, lb_ct_mem_size(w->cfg.conn_entries, NULL));
		__atomic_store_n(&w->slot->conn_clear_gen, clear, __ATOMIC_RELEASE);
	}
}

/* 1M cycles (~0.4 ms) is far beyond a burst of 32: such a poll lost the CPU to another thread */
#define DP_POLL_CYCLES_MAX 1000000u

static void record_cycles(struct dp_worker *w, uint64_t cycles, unsigned rx)
{
	if (cycles > DP_POLL_CYCLES_MAX)
		return;
	w->slot->busy_cycles += cycles;
	w->slot->busy_packets += rx;
}

unsigned dp_worker_poll(struct dp_worker *w)
{
	uint64_t start = w->cfg.record_cycles ? rte_rdtsc() : 0;
	unsigned rx = 0;

	apply_conn_clear(w);
	w->prologue_done = 0;
	for (uint16_t i = 0; i < w->cfg.nnics; i++) {
		rx += poll_nic(w, i);
		rx += poll_exception(w, i);
	}
	tx_flush(w);
	if (rx) {
		w->slot->rx += rx;
		w->slot->conn_evictions = w->ct.evictions;
		if (w->cfg.record_cycles)
			record_cycles(w, rte_rdtsc() - start, rx);
	}
	w->slot->bursts++;
	lb_shm_lcore_quiescent(w->shm, w->slot);
	return rx;
}

/* Several empty polls in a row: pause, or sleep (offline, so table writers need not wait). */
static void idle_backoff(struct dp_worker *w)
{
	w->slot->idle_polls++;
	if (++w->idle_polls < w->cfg.idle_threshold)
		return;
	if (!w->cfg.idle_sleep_us) {
		rte_pause();
		return;
	}
	dp_worker_offline(w);
	usleep(w->cfg.idle_sleep_us);
	dp_worker_online(w);
}

void dp_worker_loop(struct dp_worker *w, volatile int *stop)
{
	dp_worker_online(w);
	while (!*stop) {
		if (dp_worker_poll(w)) {
			w->idle_polls = 0;
		} else if (w->cfg.idle_threshold) {
			idle_backoff(w);
		}
	}
	dp_worker_offline(w);
}
