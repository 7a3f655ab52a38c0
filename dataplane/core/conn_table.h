/* SPDX-License-Identifier: MIT */
/*
 * conn_table.h - the userspace connection table (DPDK lcores, the userspace test runner): flow ->
 * struct lb_conn, LRU-bounded, one per lcore, no locks. The XDP runner uses a kernel LRU hash map
 * instead; this is its equivalent for runners that own their memory.
 *
 * Set-associative: a flow hashes to one bucket of LB_CT_WAYS entries, and within it to a home
 * way. A lookup compares the home entry's key first and, only when that misses, the bucket's
 * tags (then keys on a tag match); an insert takes the home way when it is free, else a free
 * way, else the bucket's least recently used entry. Recency is kept in ticks of the coarse clock
 * (the idle timeout's unit), refreshed once per tick per flow, so an established flow's packet
 * touches one cache line: its entry.
 * Memory is allocated once by the owner (ct_init with a buffer), never per packet.
 * Userspace only (uses a per-table clock counter for recency, not the kernel's).
 */
#ifndef EDGELB_CORE_CONN_TABLE_H
#define EDGELB_CORE_CONN_TABLE_H

#include "types.h"
#include "tables.h"
#include "parse.h"
#include "flow.h"

#define LB_CT_WAYS 8
#define LB_CT_SEED 0x2545f491u /* independent of the node's seed: bucket choice is local */

/*
 * One entry per cache line (56 bytes used). A free way's key has family 0 (zeroed memory, and
 * lb_ct_del clears it), which no flow has: the home entry is compared without its tag.
 */
struct lb_ct_entry {
	struct lb_flow key;
	struct lb_conn val;
} __attribute__((aligned(64)));

/*
 * A bucket is one cache line of tags and recency stamps, then the entries. A flow found in its
 * home way costs one cache line (its entry); elsewhere, or when absent, the tag line as well,
 * and an entry only where its tag (the table hash, nonzero) matches: at most three lines, not
 * nine. A runner that handles packets in bursts computes the hash once (lb_ct_hash), prefetches
 * the home entry (lb_ct_home_entry) for a flow it expects to find, or the tag line
 * (lb_ct_bucket_at) and then the entry an insert would take (lb_ct_entry_for) for a new one, and
 * looks up with the *_hashed calls.
 */
struct lb_ct_bucket {
	__u32 tag[LB_CT_WAYS];  /* the flow's table hash | 1; 0: free */
	__u32 used[LB_CT_WAYS]; /* recency stamps: the tick the entry was last used in */
	struct lb_ct_entry e[LB_CT_WAYS];
} __attribute__((aligned(64)));

struct lb_conn_table {
	struct lb_ct_bucket *buckets;
	__u32 nbuckets_mask; /* number of buckets - 1 (a power of two) */
	__u64 evictions;
};

/* Bytes needed for at least `entries` entries (rounded up to a power of two of buckets). */
static inline __u64 lb_ct_mem_size(__u32 entries, __u32 *nbuckets_out)
{
	__u32 n = 1;

	while ((__u64)n * LB_CT_WAYS < entries)
		n <<= 1;
	if (nbuckets_out)
		*nbuckets_out = n;
	return (__u64)n * sizeof(struct lb_ct_bucket);
}

/* mem must be zeroed and lb_ct_mem_size(entries) bytes long. */
static inline void lb_ct_init(struct lb_conn_table *ct, void *mem, __u32 entries)
{
	__u32 n;

	lb_ct_mem_size(entries, &n);
	ct->buckets = mem;
	ct->nbuckets_mask = n - 1;
	ct->evictions = 0;
}

/*
 * The bucket hash. Local to the table (no other node or runner needs to agree), so it may be
 * whatever is fastest here: CRC32C where the CPU has it (one 3-cycle instruction per word;
 * murmur3's multiply chain made the hash a latency wall in front of the bucket prefetch), else
 * the flow hash with the table's own seed. Each CRC step is a bijection of its state, so two
 * flows that differ only in their ports (one client's connections) never share a hash.
 */
#if defined(__SSE4_2__)
LB_INLINE __u32 lb_ct_hash(const struct lb_flow *key)
{
	__u32 h = LB_CT_SEED;

	if (key->family != LB_AF_INET) {
		for (int i = 1; i < 4; i++) {
			h = __builtin_ia32_crc32si(h, key->src.w[i]);
			h = __builtin_ia32_crc32si(h, key->dst.w[i]);
		}
	}
	h = __builtin_ia32_crc32si(h, key->src.w[0]);
	h = __builtin_ia32_crc32si(h, key->dst.w[0]);
	h = __builtin_ia32_crc32si(h, lb_ports_word(key->sport, key->dport));
	h = __builtin_ia32_crc32si(h, (__u32)key->proto | ((__u32)key->family << 8));
	return h;
}
#else
LB_INLINE __u32 lb_ct_hash(const struct lb_flow *key)
{
	return lb_flow_hash(key, LB_CT_SEED);
}
#endif

static inline struct lb_ct_bucket *lb_ct_bucket_at(struct lb_conn_table *ct, __u32 hash)
{
	return &ct->buckets[hash & ct->nbuckets_mask];
}

/* A flow's home way: hash bits the bucket index does not use (tables below 2^29 buckets). */
_Static_assert(LB_CT_WAYS == 8, "lb_ct_home takes three bits");
static inline int lb_ct_home(__u32 hash)
{
	return (int)(hash >> 29);
}

static inline const struct lb_ct_entry *lb_ct_home_entry(const struct lb_conn_table *ct, __u32 hash)
{
	return &ct->buckets[hash & ct->nbuckets_mask].e[lb_ct_home(hash)];
}

/*
 * The way an insert of hash into b at tick now takes: the home way if free, else a free way, else
 * the least recently used (wrap-safe age; among equals the home way, then the lowest).
 */
static inline int lb_ct_victim(const struct lb_ct_bucket *b, __u32 hash, __u32 now)
{
	int victim = lb_ct_home(hash);

	if (!b->tag[victim])
		return victim;
	for (int w = 0; w < LB_CT_WAYS; w++) {
		if (!b->tag[w])
			return w;
		if ((__u32)(now - b->used[w]) > (__u32)(now - b->used[victim]))
			victim = w;
	}
	return victim;
}

/* The way holding key in b, by the tags (an insert reads them anyway), or -1. */
static inline int lb_ct_find_tagged(const struct lb_ct_bucket *b, __u32 hash,
				    const struct lb_flow *key)
{
	__u32 tag = hash | 1;

	for (int i = 0; i < LB_CT_WAYS; i++)
		if (b->tag[i] == tag && lb_flow_eq(&b->e[i].key, key))
			return i;
	return -1;
}

/* The way holding key in b, its home way first (a lookup expects to find it there), or -1. */
static inline int lb_ct_find(const struct lb_ct_bucket *b, __u32 hash, const struct lb_flow *key)
{
	__u32 tag = hash | 1;
	int home = lb_ct_home(hash);

	if (lb_flow_eq(&b->e[home].key, key))
		return home;
	for (int i = 0; i < LB_CT_WAYS; i++)
		if (b->tag[i] == tag && i != home && lb_flow_eq(&b->e[i].key, key))
			return i;
	return -1;
}

/*
 * For prefetching before an insert (reads only the tag line): the entry whose tag matches hash,
 * else the entry an insert at tick now would take.
 */
static inline const struct lb_ct_entry *lb_ct_entry_for(const struct lb_ct_bucket *b, __u32 hash,
							__u32 now)
{
	__u32 tag = hash | 1;

	for (int i = 0; i < LB_CT_WAYS; i++)
		if (b->tag[i] == tag)
			return &b->e[i];
	return &b->e[lb_ct_victim(b, hash, now)];
}

/*
 * h must be lb_ct_hash(key); now is the coarse clock's tick. The entry's last_seen (which the
 * core refreshes once per tick, in its idle check) tells whether the bucket's recency stamp is
 * already this tick's: only a flow's first packet in a tick writes the tag line.
 */
static inline struct lb_conn *lb_ct_get_hashed(struct lb_conn_table *ct, const struct lb_flow *key,
					       __u32 h, __u32 now)
{
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find(b, h, key);

	if (i < 0)
		return 0;
	if (b->e[i].val.last_seen != now)
		b->used[i] = now;
	return &b->e[i].val;
}

static inline struct lb_conn *lb_ct_get(struct lb_conn_table *ct, const struct lb_flow *key,
					__u32 now)
{
	return lb_ct_get_hashed(ct, key, lb_ct_hash(key), now);
}

/* h must be lb_ct_hash(key); val->last_seen is the tick the entry is used in. */
static inline int lb_ct_put_hashed(struct lb_conn_table *ct, const struct lb_flow *key,
				   const struct lb_conn *val, __u32 h)
{
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find_tagged(b, h, key);

	if (i < 0) {
		i = lb_ct_victim(b, h, val->last_seen);
		if (b->tag[i])
			ct->evictions++;
		b->tag[i] = h | 1;
		b->e[i].key = *key;
	}
	/* field by field: val was just built so, and wider loads of it would stall (lb_flow_eq) */
	b->e[i].val.backend_id = val->backend_id;
	b->e[i].val.backend_gen = val->backend_gen;
	b->e[i].val.last_seen = val->last_seen;
	b->e[i].val.hash = val->hash;
	b->used[i] = val->last_seen;
	return 0;
}

static inline int lb_ct_put(struct lb_conn_table *ct, const struct lb_flow *key,
			    const struct lb_conn *val)
{
	return lb_ct_put_hashed(ct, key, val, lb_ct_hash(key));
}

/* The key's family goes to 0 with the tag: a freed home entry must not match (see above). */
static inline void lb_ct_del(struct lb_conn_table *ct, const struct lb_flow *key)
{
	__u32 h = lb_ct_hash(key);
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find(b, h, key);

	if (i >= 0) {
		b->tag[i] = 0;
		b->e[i].key.family = 0;
	}
}

#endif
