// SPDX-License-Identifier: GPL-2.0
/*
 * lb.bpf.c - the XDP runner of edgelb's packet core: BPF maps behind the core's table hooks
 * (dataplane/core/hooks.h), and SEC("xdp") mapping the core's verdict onto XDP actions. All
 * per-packet logic is in dataplane/core/lb.h; this file only says where the tables live.
 *
 * The benchmark program (bench/lb_bench.bpf.c) is this file with an entry of its own (the same
 * steps as edgelb_xdp() below, and the frame restored after): it defines LB_XDP_OWN_ENTRY before
 * including this file, which then leaves its entry out.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "dataplane/core/lb_maps.h"

/* The core's hooks take this runner's context (defined below). */
#define LB_RUNNER_CTX struct lb_xdp_ctx
#include "dataplane/core/hooks.h"

/* ---- maps: the layout edgelbd writes (see dataplane/core/tables.h) ---- */

/* Written through mmap: its vip_epoch moves with one aligned store (lbtables_bpf.c). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lb_node_cfg);
} node_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_vip_filter);
} vip_filter SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, LB_VIP_MAP_ENTRIES);
	__type(key, struct lb_vip_key);
	__type(value, struct lb_vip_meta);
} vips SEC(".maps");

/* The seqlocked direct-mapped VIP slots in front of `vips` (see lb_maps.h); written via mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_VIP_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct lb_vip_slot);
} vip_slots SEC(".maps");

/*
 * Maglev rings, double-buffered per VIP: each VIP's inner array holds two rings of the node's
 * ring size back to back, and ring_active[vip] says which one is live (1 or 2; 0: none). The
 * control side writes the idle half through mmap and then flips ring_active with one aligned
 * store, so a packet reads the old ring or the new one, never a mix, and a change costs no
 * syscall and no RCU wait (lbtables_bpf.c waits for a grace period only before rewriting a half
 * that was live less than a second ago).
 */
struct ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2 * LB_RING_SIZE_DEF); /* edgelbd sizes it for the node's ring */
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, __u32);
	__array(values, struct ring);
} rings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_VIPS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} ring_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend);
} backends SEC(".maps");

/*
 * The connection table: one hash shared by all CPUs with per-CPU LRU lists (no cross-CPU LRU
 * lock; a flow that RSS moves to another CPU still finds its entry), fronted by a per-CPU
 * direct-mapped cache indexed by a cheap fold of the tuple, so an established flow's packet
 * costs an array index and a key compare instead of a jhash walk. New entries go to the cache
 * first and are written back to the shared hash when their flow lives into a second clock tick
 * (or when another flow takes their cache slot): short flows never pay for a shared-hash
 * insert, long ones (LLM streams) end up in the shared table that survives CPU moves. The shared
 * entry is re-read (and its timestamp refreshed) once per tick per flow.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, LB_CONN_MAX_DEF);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__type(key, struct lb_flow);
	__type(value, struct lb_conn);
} conns SEC(".maps");

/*
 * Keys are compared in aligned words (lb_flow_eq_aligned): map values are 8-byte aligned, and so
 * is every flow the core asks about (its lb_parsed copies are LB_WORD_ALIGNED).
 */
struct conn_cache_entry {
	struct lb_flow key; /* key.family == 0: empty */
	struct lb_conn val; /* val.runner_bits: CONN_DIRTY or 0 */
};

#define CONN_DIRTY 1 /* not yet written back to the shared table */

_Static_assert(sizeof(struct conn_cache_entry) == 64, "one cache entry, one cache line");

#define LB_CONN_CACHE_SLOTS (1u << 16) /* per CPU; 64 bytes each */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_CONN_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct conn_cache_entry);
} conn_cache SEC(".maps");

/* The coarse clock, per CPU: re-read from the kernel every LB_TICK_REFRESH calls, not per packet.
 */
struct tick_state {
	__u32 tick;
	__u32 countdown;
};

#define LB_TICK_REFRESH 32

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tick_state);
} tick_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lb_global_stats);
} global_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_VIPS);
	__type(key, __u32);
	__type(value, struct lb_vip_stats);
} vip_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, LB_MAX_BACKENDS);
	__type(key, __u32);
	__type(value, struct lb_backend_stats);
} backend_stats SEC(".maps");

/* Egress ports other than the receiving one (separate uplink and backend interfaces). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, LB_MAX_TX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} tx_ports SEC(".maps");

/* ---- the core's hooks ---- */

/*
 * What the hooks get as ctx: the XDP context plus what one packet already learnt. An established
 * packet asks for the tick twice (the connection cache, then the core's idle check); the second
 * answer comes from here instead of another per-CPU lookup. The VIP meta read from a slot is
 * copied here: the slot itself may be rewritten while the packet is still deciding, the copy,
 * checked by the seqlock, cannot.
 */
struct lb_xdp_ctx {
	struct xdp_md *xdp;
	__u32 tick;
	__u32 tick_known;
	struct lb_vip_meta vip_copy;
};

/*
 * A VIP slot's meta into the context's copy as two words, not four: both are 8-byte aligned
 * (array map values are, and so is the context's field).
 */
LB_INLINE void lb_vip_meta_copy_words(struct lb_vip_meta *copy, const struct lb_vip_meta *meta)
{
	const lb_word *from = __builtin_assume_aligned(meta, 8);

	_Static_assert(sizeof(struct lb_vip_meta) == 2 * sizeof(lb_word) &&
			   __builtin_offsetof(struct lb_vip_slot, meta) % 8 == 0 &&
			   __builtin_offsetof(struct lb_xdp_ctx, vip_copy) % 8 == 0,
		       "a VIP slot's meta and the context's copy are two aligned words");
	((lb_word *)copy)[0] = from[0];
	((lb_word *)copy)[1] = from[1];
}

static const __u32 zero;

LB_INLINE const struct lb_node_cfg *lb_hook_node(struct lb_xdp_ctx *ctx)
{
	return bpf_map_lookup_elem(&node_cfg, &zero);
}

LB_INLINE int lb_hook_vip_addr_filter(struct lb_xdp_ctx *ctx, const struct lb_flow *f)
{
	const struct lb_vip_filter *filter = bpf_map_lookup_elem(&vip_filter, &zero);

	return filter && lb_vip_filter_test(filter, &f->dst, f->family);
}

#define LB_READ_ONCE(x)       (*(const volatile typeof(x) *)&(x))
#define lb_compiler_barrier() asm volatile("" ::: "memory")

/* The key's slot, if it holds the key and was not being rewritten: its meta copied out, else 0. */
LB_INLINE const struct lb_vip_meta *vip_slot_lookup(struct lb_xdp_ctx *c,
						    const struct lb_vip_key *key)
{
	__u32 idx = lb_vip_slot_index(key), seq;
	struct lb_vip_slot *slot = bpf_map_lookup_elem(&vip_slots, &idx);
	struct lb_vip_meta *copy;

	if (!slot)
		return 0;
	seq = LB_READ_ONCE(slot->seq);
	if (seq & 1)
		return 0;
	lb_compiler_barrier();
	if (!lb_vip_key_eq(&slot->key, key))
		return 0;
	copy = &c->vip_copy;
	lb_vip_meta_copy_words(copy, &slot->meta);
	lb_compiler_barrier();
	if (LB_READ_ONCE(slot->seq) != seq)
		return 0;
	return copy;
}

LB_INLINE const struct lb_vip_meta *lb_hook_vip(struct lb_xdp_ctx *ctx,
						const struct lb_vip_key *key)
{
	const struct lb_vip_meta *meta = vip_slot_lookup(ctx, key);

	return meta ? meta : bpf_map_lookup_elem(&vips, key);
}

LB_INLINE __u32 lb_hook_ring(struct lb_xdp_ctx *ctx, const struct lb_vip_meta *vip, __u32 slot)
{
	__u32 vip_id = vip->vip_id;
	__u32 *active = bpf_map_lookup_elem(&ring_active, &vip_id);
	__u32 half, *id;
	void *ring;

	if (!active)
		return LB_NO_BACKEND;
	half = *(volatile __u32 *)active; /* read once: the flip may happen while we look */
	if (half != 1 && half != 2)
		return LB_NO_BACKEND;
	ring = bpf_map_lookup_elem(&rings, &vip_id);
	if (!ring)
		return LB_NO_BACKEND;
	slot += (half - 1) * vip->ring_size;
	id = bpf_map_lookup_elem(ring, &slot);
	return id ? *id : LB_NO_BACKEND;
}

LB_INLINE const struct lb_backend *lb_hook_backend(struct lb_xdp_ctx *ctx, __u32 id)
{
	return bpf_map_lookup_elem(&backends, &id);
}

/* The kernel's tick rate, from its configuration (libbpf reads /boot/config-* or
 * /proc/config.gz); 0 when neither is there. */
extern const unsigned int CONFIG_HZ __kconfig __weak;

/*
 * Nanoseconds per jiffy for the usual HZ values, else 0. CONFIG_HZ is a known constant to the
 * verifier, which removes the branches not taken: the tick is then one load of the kernel's
 * jiffies (bpf_jiffies64 is inlined), a multiply and a shift.
 */
LB_INLINE __u64 lb_ns_per_jiffy(void)
{
	if (CONFIG_HZ == 1000)
		return 1000000;
	if (CONFIG_HZ == 250)
		return 4000000;
	if (CONFIG_HZ == 100)
		return 10000000;
	if (CONFIG_HZ == 300)
		return 3333333;
	return 0;
}

LB_INLINE __u32 lb_read_tick(void)
{
	__u64 ns_per_jiffy = lb_ns_per_jiffy();
	struct tick_state *ts;

	if (ns_per_jiffy)
		return (__u32)((bpf_jiffies64() * ns_per_jiffy) >> LB_TICK_SHIFT);
	/* another HZ: the clock helper, called once every LB_TICK_REFRESH packets */
	ts = bpf_map_lookup_elem(&tick_state, &zero);
	if (!ts)
		return (__u32)(bpf_ktime_get_coarse_ns() >> LB_TICK_SHIFT);
	if (ts->countdown == 0) {
		ts->tick = (__u32)(bpf_ktime_get_coarse_ns() >> LB_TICK_SHIFT);
		ts->countdown = LB_TICK_REFRESH;
	}
	ts->countdown--;
	return ts->tick;
}

/*
 * The tick lags the kernel's clock by at most LB_TICK_REFRESH packets on this CPU; the core
 * compares ticks signed, so a lagging CPU never ages an entry early. Read once per packet.
 */
LB_INLINE __u32 lb_hook_now_tick(struct lb_xdp_ctx *ctx)
{
	if (lb_ns_per_jiffy())
		return lb_read_tick();
	if (!ctx->tick_known) {
		ctx->tick = lb_read_tick();
		ctx->tick_known = 1;
	}
	return ctx->tick;
}

/* The flow key's words: source, destination (two each), then ports | proto << 32 | family << 40. */
LB_INLINE __u32 conn_cache_slot(const struct lb_flow *f)
{
	const lb_key_word *k = lb_key_words(f);
	__u32 h = lb_addr_fold(k[0], k[1]);
	__u32 d = lb_addr_fold(k[2], k[3]);

	_Static_assert(__builtin_offsetof(struct lb_flow, src) == 0 &&
			   __builtin_offsetof(struct lb_flow, dst) == 16 &&
			   __builtin_offsetof(struct lb_flow, sport) == 32 &&
			   __builtin_offsetof(struct lb_flow, proto) == 36,
		       "conn_cache_slot reads the flow as lb_flow_store_*() store it (parse.h)");

	h = h * 0x9e3779b1u ^ d * 0x85ebca6bu ^ (__u32)k[4] * 0xc2b2ae35u;
	h ^= (__u8)(k[4] >> 32); /* proto */
	h ^= h >> 16;
	return h & (LB_CONN_CACHE_SLOTS - 1);
}

/* Write a cache entry back to the shared table; returns the shared hash's error, if any. */
LB_INLINE int conn_write_back(struct conn_cache_entry *e)
{
	e->val.runner_bits = 0;
	return bpf_map_update_elem(&conns, &e->key, &e->val, BPF_ANY);
}

#define LB_MAX_CPUS 1024

struct conn_probe {
	const struct lb_flow *key;
	__u32 slot;
	__u32 self;
	struct lb_conn *found;
};

static long conn_probe_cpu(__u32 cpu, void *arg)
{
	struct conn_probe *p = arg;
	struct conn_cache_entry *e;

	if (cpu == p->self)
		return 0;
	e = bpf_map_lookup_percpu_elem(&conn_cache, &p->slot, cpu);
	if (!e)
		return 1; /* past the last possible CPU */
	if (lb_flow_eq_aligned(&e->key, p->key)) {
		p->found = &e->val;
		return 1;
	}
	return 0;
}

/* The same cache slot on the other CPUs (read without their cooperation: the entry is copied
 * as it is; a torn copy fails the key compare or the backend generation check). */
static __always_inline struct lb_conn *conn_find_on_other_cpu(__u32 slot, const struct lb_flow *key)
{
	struct conn_probe p = {.key = key, .slot = slot, .self = bpf_get_smp_processor_id()};

	bpf_loop(LB_MAX_CPUS, conn_probe_cpu, &p, 0);
	return p.found;
}

/*
 * This CPU's cache entry of the flow, if it was seen this tick already; anything else (a miss,
 * or the once-per-tick refresh of the shared entry) is lb_hook_conn_get's.
 */
LB_INLINE struct lb_conn *lb_hook_conn_peek(struct lb_xdp_ctx *ctx, const struct lb_flow *key)
{
	__u32 slot = conn_cache_slot(key);
	struct conn_cache_entry *e = bpf_map_lookup_elem(&conn_cache, &slot);

	if (!e || !lb_flow_eq_aligned(&e->key, key) || e->val.last_seen != lb_hook_now_tick(ctx))
		return 0;
	return &e->val;
}

LB_INLINE __u32 lb_hook_vip_epoch(struct lb_xdp_ctx *ctx, const struct lb_node_cfg *node)
{
	return node->vip_epoch;
}

LB_INLINE struct lb_conn *lb_hook_conn_get(struct lb_xdp_ctx *ctx, const struct lb_flow *key)
{
	__u32 slot = conn_cache_slot(key);
	struct conn_cache_entry *e = bpf_map_lookup_elem(&conn_cache, &slot);
	struct lb_conn *shared, published;
	__u32 now;

	if (!e)
		return bpf_map_lookup_elem(&conns, key);
	if (lb_flow_eq_aligned(&e->key, key)) {
		now = lb_hook_now_tick(ctx);
		if (e->val.last_seen == now)
			return &e->val;
		if (e->val.runner_bits & CONN_DIRTY) {
			/* the flow lived into a second tick: make it shared */
			conn_write_back(e);
			return &e->val;
		}
		/* once per tick: keep the shared entry alive and adopt any change made elsewhere */
		shared = bpf_map_lookup_elem(&conns, key);
		if (!shared) {
			conn_write_back(e);
			return &e->val;
		}
		shared->last_seen = now;
		if (shared->backend_id != e->val.backend_id ||
		    shared->backend_gen != e->val.backend_gen)
			e->val = *shared;
		return &e->val;
	}
	shared = bpf_map_lookup_elem(&conns, key);
	if (!shared) {
		/*
		 * A flow in its first tick lives only in the cache of the CPU that saw it start.
		 * If it moved here (an RSS change, or a NIC that does not keep flows on one CPU),
		 * find it there and publish it, so it keeps its backend across a ring change.
		 * Only misses pay for this probe; a genuinely unknown flow costs one lookup per
		 * CPU.
		 */
		shared = conn_find_on_other_cpu(slot, key);
		if (!shared)
			return 0;
		published = *shared;
		published.runner_bits = 0; /* the other CPU's own mark stays with its copy */
		bpf_map_update_elem(&conns, key, &published, BPF_ANY);
		shared = &published;
	}
	if ((e->val.runner_bits & CONN_DIRTY) && e->key.family)
		conn_write_back(e); /* evicting an unshared entry: keep it */
	e->key = *key;
	e->val = *shared; /* runner_bits 0: clean */
	return &e->val;
}

LB_INLINE int lb_hook_conn_put(struct lb_xdp_ctx *ctx, const struct lb_flow *key,
			       const struct lb_conn *val)
{
	__u32 slot = conn_cache_slot(key);
	struct conn_cache_entry *e = bpf_map_lookup_elem(&conn_cache, &slot);
	int rc = 0;

	if (!e)
		return bpf_map_update_elem(&conns, key, val, BPF_ANY);
	if ((e->val.runner_bits & CONN_DIRTY) && e->key.family && !lb_flow_eq_aligned(&e->key, key))
		rc = conn_write_back(e);
	e->key = *key;
	e->val = *val;
	e->val.runner_bits = CONN_DIRTY;
	return rc;
}

LB_INLINE struct lb_global_stats *lb_hook_gstats(struct lb_xdp_ctx *ctx)
{
	return bpf_map_lookup_elem(&global_stats, &zero);
}

LB_INLINE struct lb_vip_stats *lb_hook_vstats(struct lb_xdp_ctx *ctx, __u32 vip_id)
{
	return bpf_map_lookup_elem(&vip_stats, &vip_id);
}

LB_INLINE struct lb_backend_stats *lb_hook_bstats(struct lb_xdp_ctx *ctx, __u32 backend_id)
{
	return bpf_map_lookup_elem(&backend_stats, &backend_id);
}

LB_INLINE int lb_hook_push(struct lb_xdp_ctx *ctx, struct lb_pkt *pkt, int len)
{
	struct xdp_md *xdp = ctx->xdp;

	if (bpf_xdp_adjust_head(xdp, -len))
		return -1;
	pkt->data = (void *)(long)xdp->data;
	pkt->end = (void *)(long)xdp->data_end;
	return 0;
}

#include "dataplane/core/lb.h"

/* The frame of an xdp_md, as the core takes it. */
LB_INLINE struct lb_pkt lb_xdp_pkt(const struct xdp_md *xdp)
{
	struct lb_pkt pkt = {
	    .data = (void *)(long)xdp->data,
	    .end = (void *)(long)xdp->data_end,
	};

	return pkt;
}

/* The core's verdict as an XDP action. */
LB_INLINE int lb_xdp_action(const struct lb_result *res)
{
	switch (res->verdict) {
	case LB_TX:
		return XDP_TX;
	case LB_REDIRECT:
		return bpf_redirect_map(&tx_ports, res->tx_port, 0);
	case LB_DROP:
		return XDP_DROP;
	default:
		return XDP_PASS;
	}
}

#ifndef LB_XDP_OWN_ENTRY
/* The whole runner: the frame and its context, the core's decision, the XDP action. */
SEC("xdp")
int edgelb_xdp(struct xdp_md *xdp)
{
	struct lb_pkt pkt = lb_xdp_pkt(xdp);
	struct lb_xdp_ctx ctx = {.xdp = xdp};
	struct lb_result res;

	lb_process(&ctx, &pkt, &res);
	return lb_xdp_action(&res);
}
#endif

char _license[] SEC("license") = "GPL";
