/* SPDX-License-Identifier: MIT */
/*
 * flow.h - THE flow hash, and the reduction of a hash to a Maglev ring slot.
 *
 * XDP, DPDK, the userspace test runner and the benchmarks all call lb_flow_hash(); every node of
 * a region configures the same seed, so every node maps a flow to the same ring slot and ECMP may
 * move a flow between nodes without moving it between backends.
 *
 * The hash is MurmurHash3 (x86, 32-bit) over the tuple's 32-bit words as they lie in memory
 * (little-endian loads of network-order bytes): IPv4 hashes 4 words (src, dst, ports, proto),
 * IPv6 10 (4 + 4 + ports + proto). It is cheap in BPF (no tables, no loops after unrolling) and
 * has good avalanche, which the ring reduction below depends on.
 */
#ifndef EDGELB_CORE_FLOW_H
#define EDGELB_CORE_FLOW_H

#include "types.h"
#include "parse.h"

LB_INLINE __u32 lb_rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

LB_INLINE __u32 lb_murmur_mix(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = lb_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = lb_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

LB_INLINE __u32 lb_murmur_final(__u32 h, __u32 len_bytes)
{
	h ^= len_bytes;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* The ports word: source port in the low half, destination port in the high half (wire order). */
LB_INLINE __u32 lb_ports_word(__u16 sport, __u16 dport)
{
	return (__u32)sport | ((__u32)dport << 16);
}

/* Hash of the full tuple (5-tuple; fragments pass ports 0, giving the 3-tuple). */
LB_INLINE __u32 lb_flow_hash(const struct lb_flow *f, __u32 seed)
{
	__u32 h = seed;

	if (f->family == LB_AF_INET) {
		h = lb_murmur_mix(h, f->src.w[0]);
		h = lb_murmur_mix(h, f->dst.w[0]);
		h = lb_murmur_mix(h, lb_ports_word(f->sport, f->dport));
		h = lb_murmur_mix(h, f->proto);
		return lb_murmur_final(h, 16);
	}
	LB_UNROLL
	for (int i = 0; i < 4; i++)
		h = lb_murmur_mix(h, f->src.w[i]);
	LB_UNROLL
	for (int i = 0; i < 4; i++)
		h = lb_murmur_mix(h, f->dst.w[i]);
	h = lb_murmur_mix(h, lb_ports_word(f->sport, f->dport));
	h = lb_murmur_mix(h, f->proto);
	return lb_murmur_final(h, 40);
}

/* Hash of the source address alone: one client, one backend (KV-cache reuse across requests). */
LB_INLINE __u32 lb_src_hash(const struct lb_flow *f, __u32 seed)
{
	__u32 h = seed;

	if (f->family == LB_AF_INET)
		return lb_murmur_final(lb_murmur_mix(h, f->src.w[0]), 4);
	LB_UNROLL
	for (int i = 0; i < 4; i++)
		h = lb_murmur_mix(h, f->src.w[i]);
	return lb_murmur_final(h, 16);
}

/*
 * Map a 32-bit hash onto [0, ring_size) by multiply-shift (Lemire): uniform for a good hash, and
 * a multiplication instead of a division in the per-packet path.
 */
LB_INLINE __u32 lb_ring_slot(__u32 hash, __u32 ring_size)
{
	return (__u32)(((__u64)hash * ring_size) >> 32);
}

/*
 * Keys are read in 8-byte words (3 for a VIP key, 5 for a flow): half the loads of 4-byte
 * words. The keys are only 4-byte aligned (in slots and wherever userspace keeps them), which
 * x86-64 and BPF on it load at no cost; the program's own stack copies are 8-byte aligned, as
 * the verifier wants for stack words.
 */
typedef __u64 __attribute__((may_alias, aligned(4))) lb_key_word;

LB_INLINE const lb_key_word *lb_key_words(const void *key)
{
	return (const lb_key_word *)key;
}

/* The XOR of an address's four 32-bit words, from its two 64-bit halves. */
LB_INLINE __u32 lb_addr_fold(__u64 lo, __u64 hi)
{
	__u64 x = lo ^ hi;

	return (__u32)x ^ (__u32)(x >> 32);
}

/* A VIP key's address from a flow's destination, as two word copies. Both 8-byte aligned. */
LB_INLINE void lb_vip_key_copy_dst(struct lb_vip_key *key, const struct lb_flow *f)
{
	_Static_assert(__builtin_offsetof(struct lb_vip_key, addr) == 0 &&
			   __builtin_offsetof(struct lb_flow, dst) == 2 * sizeof(lb_word) &&
			   sizeof(key->addr) == 2 * sizeof(lb_word),
		       "a VIP key's address is words 0-1, a flow's destination words 2-3");
	((lb_word *)key)[0] = ((const lb_word *)f)[2];
	((lb_word *)key)[1] = ((const lb_word *)f)[3];
}

/* A VIP key's last four bytes (port, proto, family) as one 32-bit store, and as one load. */
LB_INLINE void lb_vip_key_store_tail(struct lb_vip_key *key, __u16 port, __u8 proto, __u8 family)
{
	_Static_assert(__builtin_offsetof(struct lb_vip_key, port) == 16 &&
			   __builtin_offsetof(struct lb_vip_key, proto) == 18 &&
			   __builtin_offsetof(struct lb_vip_key, family) == 19 &&
			   sizeof(struct lb_vip_key) == 20,
		       "a VIP key ends in port | proto << 16 | family << 24");
	*(lb_word32 *)&key->port = (__u32)port | (__u32)proto << 16 | (__u32)family << 24;
}

LB_INLINE __u32 lb_vip_key_tail(const struct lb_vip_key *key)
{
	return *(const lb_word32 *)&key->port; /* lb_vip_key_store_tail() asserts the layout */
}

/* Bytewise key equality (keys have no padding: 20 bytes), as three word compares. */
LB_INLINE int lb_vip_key_eq(const struct lb_vip_key *a, const struct lb_vip_key *b)
{
	const lb_key_word *x = lb_key_words(a), *y = lb_key_words(b);
	__u32 rest_diff = lb_vip_key_tail(a) ^ lb_vip_key_tail(b);

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | rest_diff);
}

/*
 * Flow key equality as five word compares (pad is always 0). Words, as the parser stores a flow
 * (lb_word): a load that spans several smaller stores still in the store buffer, or is wider
 * than the store, cannot be forwarded and waits for them to retire.
 */
LB_INLINE int lb_flow_eq(const struct lb_flow *a, const struct lb_flow *b)
{
	const lb_key_word *x = lb_key_words(a), *y = lb_key_words(b);

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/*
 * lb_flow_eq for two keys the caller knows are 8-byte aligned (connection-table entries, the
 * parser's flow): BPF splits a load it cannot prove aligned into two, so this is 5 loads a side,
 * not 10.
 */
LB_INLINE int lb_flow_eq_aligned(const struct lb_flow *a, const struct lb_flow *b)
{
	const lb_word *x = __builtin_assume_aligned(a, 8), *y = __builtin_assume_aligned(b, 8);

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]));
}

/*
 * A VIP key mixed to 32 bits: Fibonacci hashing of the folded address words and the last key
 * word (port | proto << 16 | family << 24 as it lies in memory). A handful of VIPs in a small
 * table need spreading, not avalanche. The XDP VIP slots and the DPDK table file's VIP hash take
 * their index from its top bits.
 */
LB_INLINE __u32 lb_vip_key_mix(const struct lb_vip_key *key)
{
	const lb_key_word *k = lb_key_words(key);
	__u32 fold = lb_addr_fold(k[0], k[1]);
	__u32 rest = lb_vip_key_tail(key);

	return fold * 0x9e3779b1u ^ rest * 0x85ebca6bu;
}

/* Bit of struct lb_vip_filter for a destination address (Fibonacci hashing of the folded words). */
LB_INLINE __u32 lb_vip_filter_bit(const struct lb_addr *a, __u8 family)
{
	__u32 fold = a->w[0];

	if (family == LB_AF_INET6)
		fold ^= a->w[1] ^ a->w[2] ^ a->w[3];
	return (fold * 0x9e3779b1u) >> 20; /* top 12 bits: 0..4095 */
}

LB_INLINE int lb_vip_filter_test(const struct lb_vip_filter *f, const struct lb_addr *a,
				 __u8 family)
{
	__u32 bit = lb_vip_filter_bit(a, family);

	return (f->bits[(bit >> 6) & 63] >> (bit & 63)) & 1;
}

#endif
