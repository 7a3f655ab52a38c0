/* SPDX-License-Identifier: MIT */
/*
 * conn_table.h - the userspace connection table (DPDK lcores, the userspace test runner): flow ->
 * struct lb_conn, LRU-bounded, one per lcore, no locks. The XDP runner uses a kernel LRU hash map
 * instead; this is its equivalent for runners that own their memory.
 *
 * Set-associative: a flow hashes to one bucket of LB_CT_WAYS entries; a lookup compares tags
 * first and keys only on a tag match; an insert into a full bucket evicts the bucket's least
 * recently used entry.
 * Memory is allocated once by the owner (ct_init with a buffer), never per packet.
 * Userspace only (uses a per-table clock counter for recency, not the kernel's).
 */
#ifndef EDGELB_CORE_CONN_TABLE_H
#define EDGELB_CORE_CONN_TABLE_H

#include "types.h"
#include "tables.h"
#include "parse.h"
#include "flow.h"

#if defined(__SSE4_1__)
#include <smmintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#define LB_CT_WAYS 8
#define LB_CT_SEED 0x2545f491u /* independent of the node's seed: bucket choice is local */

/* One entry per cache line: a hit touches exactly one line besides the tags. */
struct lb_ct_entry {
	struct lb_flow key;
	struct lb_conn val;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct lb_ct_entry) == 64, "a connection entry fills one cache line");

/*
 * A bucket is one cache line of tags and recency stamps, then the entries: a lookup reads the
 * tag line and touches an entry only when its tag (the table hash, nonzero) matches, so a
 * lookup or insert costs two cache lines, not eight. A runner that handles packets in bursts
 * computes the hash once (lb_ct_hash), prefetches the tag line (lb_ct_bucket_at), then the
 * matching entry's line (lb_ct_entry_for), and looks up with the *_hashed calls.
 */
struct lb_ct_bucket {
	__u32 tag[LB_CT_WAYS];  /* the flow's table hash | 1; 0: free */
	__u32 used[LB_CT_WAYS]; /* recency stamps (table clock) */
	struct lb_ct_entry e[LB_CT_WAYS];
} __attribute__((aligned(64)));

struct lb_conn_table {
	struct lb_ct_bucket *buckets;
	__u32 nbuckets_mask; /* number of buckets - 1 (a power of two) */
	__u32 clock;         /* bumped on every use */
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

/* mem must be zeroed, 64-byte aligned (a bucket's) and lb_ct_mem_size(entries) bytes long. */
static inline void lb_ct_init(struct lb_conn_table *ct, void *mem, __u32 entries)
{
	__u32 n;

	lb_ct_mem_size(entries, &n);
	ct->buckets = mem;
	ct->nbuckets_mask = n - 1;
	ct->clock = 0;
	ct->evictions = 0;
}

static inline __u32 lb_ct_stamp(struct lb_conn_table *ct)
{
	return ++ct->clock;
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

/*
 * The ways of b whose tag is `tag`, as a bit mask (bit i: way i): two 4-lane compares and no
 * branch per way. For the prefetch pass's lb_ct_entry_for and the insert's free way, whose
 * position is random, so that a branch per way would mispredict once per call (new flows take
 * fewer cycles without it: bench/dpdk_ab.sh). lb_ct_find keeps its loop: there the predicted
 * branch lets the key compare start before the tag line is in, which the mask would give up
 * (established flows take more cycles with it).
 */
#if defined(__SSE2__)
static inline unsigned lb_ct_tag_mask(const struct lb_ct_bucket *b, __u32 tag)
{
	__m128i want = _mm_set1_epi32((int)tag);
	__m128i lo = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)&b->tag[0]), want);
	__m128i hi = _mm_cmpeq_epi32(_mm_loadu_si128((const __m128i *)&b->tag[4]), want);

	return (unsigned)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (unsigned)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
}
#else
static inline unsigned lb_ct_tag_mask(const struct lb_ct_bucket *b, __u32 tag)
{
	unsigned mask = 0;

	for (int i = 0; i < LB_CT_WAYS; i++)
		mask |= (unsigned)(b->tag[i] == tag) << i;
	return mask;
}
#endif

/*
 * The least recently used way of a full bucket: the first of the greatest wrap-safe ages
 * (clock - used). With SSE4.1, the eight ages' maximum in four lanes and no branch: the scan's
 * branches depend on random ages and mispredict two or three times per insert, and a table under
 * new flows is full.
 */
#if defined(__SSE4_1__)
static inline int lb_ct_lru_way(const struct lb_conn_table *ct, const struct lb_ct_bucket *b)
{
	__m128i clock = _mm_set1_epi32((int)ct->clock);
	__m128i lo = _mm_sub_epi32(clock, _mm_loadu_si128((const __m128i *)&b->used[0]));
	__m128i hi = _mm_sub_epi32(clock, _mm_loadu_si128((const __m128i *)&b->used[4]));
	__m128i max = _mm_max_epu32(lo, hi);
	unsigned oldest;

	max = _mm_max_epu32(max, _mm_shuffle_epi32(max, _MM_SHUFFLE(1, 0, 3, 2)));
	max = _mm_max_epu32(max, _mm_shuffle_epi32(max, _MM_SHUFFLE(2, 3, 0, 1)));
	oldest = (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, max))) |
		 (unsigned)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, max))) << 4;
	return __builtin_ctz(oldest);
}
#else
static inline int lb_ct_lru_way(const struct lb_conn_table *ct, const struct lb_ct_bucket *b)
{
	int victim = 0;

	for (int w = 1; w < LB_CT_WAYS; w++)
		if ((__u32)(ct->clock - b->used[w]) > (__u32)(ct->clock - b->used[victim]))
			victim = w;
	return victim;
}
#endif

/* The way an insert into b takes: a free one, else the least recently used. */
static inline int lb_ct_victim(const struct lb_conn_table *ct, const struct lb_ct_bucket *b)
{
	unsigned free_ways = lb_ct_tag_mask(b, 0);

	return free_ways ? __builtin_ctz(free_ways) : lb_ct_lru_way(ct, b);
}

/*
 * For prefetching: the entry a lookup of hash will compare first (its tag matches), or, when no
 * tag matches, the entry an insert would take.
 */
static inline const struct lb_ct_entry *lb_ct_entry_for(const struct lb_conn_table *ct,
							const struct lb_ct_bucket *b, __u32 hash)
{
	unsigned match = lb_ct_tag_mask(b, hash | 1);

	return &b->e[match ? __builtin_ctz(match) : lb_ct_victim(ct, b)];
}

/* The way holding key in b, or -1. */
static inline int lb_ct_find(const struct lb_ct_bucket *b, __u32 tag, const struct lb_flow *key)
{
	for (int i = 0; i < LB_CT_WAYS; i++)
		if (b->tag[i] == tag && lb_flow_eq(&b->e[i].key, key))
			return i;
	return -1;
}

/* h must be lb_ct_hash(key). */
static inline struct lb_conn *lb_ct_get_hashed(struct lb_conn_table *ct, const struct lb_flow *key,
					       __u32 h)
{
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find(b, h | 1, key);

	if (i < 0)
		return 0;
	b->used[i] = lb_ct_stamp(ct);
	return &b->e[i].val;
}

static inline struct lb_conn *lb_ct_get(struct lb_conn_table *ct, const struct lb_flow *key)
{
	return lb_ct_get_hashed(ct, key, lb_ct_hash(key));
}

/*
 * A new entry, written whole into e. With SSE2 as four streaming (non-temporal) stores: an
 * insert writes every byte of its line and never reads it, and the way it takes is the bucket's
 * least recently used, so the line is rarely in the cache; an ordinary store would first read
 * it from memory, a second miss per new flow besides the tag line. The next packet of the flow,
 * usually a round trip later, reads it back from memory either way. (Only this core uses the
 * table, and a core sees its own streaming stores: no fence.)
 */
static inline void lb_ct_entry_write(struct lb_ct_entry *e, const struct lb_flow *key,
				     const struct lb_conn *val)
{
#if defined(__SSE2__)
	_Static_assert(sizeof(struct lb_flow) == 40 && sizeof(struct lb_conn) == 24 &&
			   __builtin_offsetof(struct lb_ct_entry, val) == 40,
		       "an entry is the key's 40 bytes and the value's 24");
	/* the words of lines 2 and 3 below, in the order struct lb_conn has them */
	_Static_assert(__builtin_offsetof(struct lb_conn, backend_id) == 0 &&
			   __builtin_offsetof(struct lb_conn, backend_gen) == 4 &&
			   __builtin_offsetof(struct lb_conn, last_seen) == 8 &&
			   __builtin_offsetof(struct lb_conn, hash) == 12 &&
			   __builtin_offsetof(struct lb_conn, vip_epoch) == 16 &&
			   __builtin_offsetof(struct lb_conn, vip_id) == 20 &&
			   __builtin_offsetof(struct lb_conn, vip_flags) == 22 &&
			   __builtin_offsetof(struct lb_conn, runner_bits) == 23,
		       "lb_ct_entry_write places struct lb_conn's fields by offset");
	__m128i *line = (__m128i *)e;
	__m128i rest = _mm_set_epi32((int)val->backend_gen, (int)val->backend_id, 0, 0);

	rest = _mm_or_si128(rest, _mm_loadl_epi64((const __m128i *)((const char *)key + 32)));
	_mm_stream_si128(&line[0], _mm_loadu_si128((const __m128i *)key));
	_mm_stream_si128(&line[1], _mm_loadu_si128((const __m128i *)((const char *)key + 16)));
	_mm_stream_si128(&line[2], rest);
	_mm_stream_si128(&line[3],
			 _mm_set_epi32((int)((__u32)val->vip_id | (__u32)val->vip_flags << 16),
				       (int)val->vip_epoch, (int)val->hash, (int)val->last_seen));
#else
	e->key = *key;
	e->val = *val;
	e->val.runner_bits = 0;
#endif
}

/* h must be lb_ct_hash(key). */
static inline int lb_ct_put_hashed(struct lb_conn_table *ct, const struct lb_flow *key,
				   const struct lb_conn *val, __u32 h)
{
	__u32 tag = h | 1;
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find(b, tag, key);

	if (i < 0) {
		i = lb_ct_victim(ct, b);
		if (b->tag[i])
			ct->evictions++;
		b->tag[i] = tag;
		b->used[i] = lb_ct_stamp(ct);
		lb_ct_entry_write(&b->e[i], key, val);
		return 0;
	}
	/* field by field: val was just built so, and wider loads of it would stall (lb_flow_eq) */
	b->e[i].val.backend_id = val->backend_id;
	b->e[i].val.backend_gen = val->backend_gen;
	b->e[i].val.last_seen = val->last_seen;
	b->e[i].val.hash = val->hash;
	b->e[i].val.vip_epoch = val->vip_epoch;
	b->e[i].val.vip_id = val->vip_id;
	b->e[i].val.vip_flags = val->vip_flags;
	b->e[i].val.runner_bits = 0;
	b->used[i] = lb_ct_stamp(ct);
	return 0;
}

static inline int lb_ct_put(struct lb_conn_table *ct, const struct lb_flow *key,
			    const struct lb_conn *val)
{
	return lb_ct_put_hashed(ct, key, val, lb_ct_hash(key));
}

/* Make every entry's VIP stamp stale (vip_epoch 0), for an owner whose VIP epochs wrap. */
static inline void lb_ct_clear_vip_stamps(struct lb_conn_table *ct)
{
	for (__u32 n = 0; n <= ct->nbuckets_mask; n++)
		for (int i = 0; i < LB_CT_WAYS; i++)
			ct->buckets[n].e[i].val.vip_epoch = 0;
}

static inline void lb_ct_del(struct lb_conn_table *ct, const struct lb_flow *key)
{
	__u32 h = lb_ct_hash(key);
	struct lb_ct_bucket *b = &ct->buckets[h & ct->nbuckets_mask];
	int i = lb_ct_find(b, h | 1, key);

	if (i >= 0)
		b->tag[i] = 0;
}

#endif
