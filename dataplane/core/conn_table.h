/* SPDX-License-Identifier: MIT */
/*
 * conn_table.h - the userspace connection table (DPDK lcores, the userspace test runner): flow ->
 * struct lb_conn, LRU-bounded, one per lcore, no locks. The XDP runner uses a kernel LRU hash map
 * instead; this is its equivalent for runners that own their memory.
 *
 * Set-associative: a flow hashes to one bucket of LB_CT_WAYS entries; a lookup compares at most
 * that many keys; an insert into a full bucket evicts the bucket's least recently used entry.
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

struct lb_ct_entry {
	struct lb_flow key;
	struct lb_conn val;
	__u32 used; /* recency stamp; 0 = free slot */
	__u32 pad;
};

struct lb_ct_bucket {
	struct lb_ct_entry e[LB_CT_WAYS];
};

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

/* mem must be zeroed and lb_ct_mem_size(entries) bytes long. */
static inline void lb_ct_init(struct lb_conn_table *ct, void *mem, __u32 entries)
{
	__u32 n;

	lb_ct_mem_size(entries, &n);
	ct->buckets = mem;
	ct->nbuckets_mask = n - 1;
	ct->clock = 0;
	ct->evictions = 0;
}

static inline int lb_flow_eq(const struct lb_flow *a, const struct lb_flow *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;
	__u32 diff = 0;

	for (unsigned i = 0; i < sizeof(*a) / 4; i++)
		diff |= x[i] ^ y[i];
	return !diff;
}

static inline __u32 lb_ct_stamp(struct lb_conn_table *ct)
{
	if (++ct->clock == 0) /* 0 marks a free slot */
		ct->clock = 1;
	return ct->clock;
}

static inline struct lb_ct_bucket *lb_ct_bucket_of(struct lb_conn_table *ct,
						   const struct lb_flow *key)
{
	return &ct->buckets[lb_flow_hash(key, LB_CT_SEED) & ct->nbuckets_mask];
}

static inline struct lb_conn *lb_ct_get(struct lb_conn_table *ct, const struct lb_flow *key)
{
	struct lb_ct_bucket *b = lb_ct_bucket_of(ct, key);

	for (int i = 0; i < LB_CT_WAYS; i++) {
		if (b->e[i].used && lb_flow_eq(&b->e[i].key, key)) {
			b->e[i].used = lb_ct_stamp(ct);
			return &b->e[i].val;
		}
	}
	return 0;
}

static inline int lb_ct_put(struct lb_conn_table *ct, const struct lb_flow *key,
			    const struct lb_conn *val)
{
	struct lb_ct_bucket *b = lb_ct_bucket_of(ct, key);
	struct lb_ct_entry *victim = &b->e[0];

	for (int i = 0; i < LB_CT_WAYS; i++) {
		struct lb_ct_entry *e = &b->e[i];

		if (e->used && lb_flow_eq(&e->key, key)) {
			victim = e;
			goto store;
		}
		/* the oldest entry has the largest age (clock - used, wrap-safe); free slots win */
		if (!e->used || (__u32)(ct->clock - e->used) > (__u32)(ct->clock - victim->used))
			victim = e;
		if (!e->used)
			break;
	}
	if (victim->used)
		ct->evictions++;
	victim->key = *key;
store:
	victim->val = *val;
	victim->used = lb_ct_stamp(ct);
	return 0;
}

static inline void lb_ct_del(struct lb_conn_table *ct, const struct lb_flow *key)
{
	struct lb_ct_bucket *b = lb_ct_bucket_of(ct, key);

	for (int i = 0; i < LB_CT_WAYS; i++)
		if (b->e[i].used && lb_flow_eq(&b->e[i].key, key))
			b->e[i].used = 0;
}

#endif
