/* SPDX-License-Identifier: MIT */
/*
 * lb_maps.h - sizes of the XDP runner's maps that userspace must agree on, and the core's
 * includes in the order the BPF runner needs them. Map names (the pinning contract, see
 * docs/ARCHITECTURE.md): node_cfg, vip_filter, vips, vip_slots, rings (+ inner ring), ring_active,
 * backends, conns, conn_cache, tick_state, global_stats, vip_stats, backend_stats, tx_ports.
 */
#ifndef EDGELB_CORE_LB_MAPS_H
#define EDGELB_CORE_LB_MAPS_H

#include "types.h"
#include "tables.h"
#include "parse.h"
#include "flow.h"
#include "encap.h"
#include "pkt.h"

/* VIP entries: each VIP, plus per VIP address an ICMP entry and possibly a fragment alias. */
#define LB_VIP_MAP_ENTRIES (LB_MAX_VIPS * 4)
#define LB_MAX_TX_PORTS    64

/*
 * vip_slots: a direct-mapped copy of the `vips` hash map in front of it, so that a VIP packet
 * costs an array index and a 5-word key compare instead of a jhash and a bucket walk. `vips`
 * stays the source of truth: a slot holds at most one of the keys that map to it (the others,
 * rare, are found in `vips`), and the fast path falls back to `vips` on any slot miss.
 *
 * Each slot is a seqlock written only by the control side through mmap: seq is odd while the
 * slot is being rewritten, and bumped again when done. The fast path reads seq, the key and the
 * meta, then seq again; a changed or odd seq sends it to `vips`. So a packet sees the old entry
 * or the new one, never a mix. (Loads are ordered on x86-64, the fast path's target, as the ring
 * flip also assumes; the writer orders its stores with release fences.)
 */
#define LB_VIP_SLOTS 1024 /* a power of two, >= LB_VIP_MAP_ENTRIES: few collisions */

struct lb_vip_slot {
	__u32 seq;
	struct lb_vip_key key; /* key.family == 0: empty */
	struct lb_vip_meta meta;
};

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

/*
 * Slot of a VIP key: Fibonacci hashing of the folded key words (both sides must agree). The last
 * key word, as it lies in memory, is port | proto << 16 | family << 24.
 */
LB_INLINE __u32 lb_vip_slot_index(const struct lb_vip_key *key)
{
	const lb_key_word *k = lb_key_words(key);
	__u32 fold = lb_addr_fold(k[0], k[1]);
	__u32 rest = *(const lb_word32 *)&key->port;

	fold = fold * 0x9e3779b1u ^ rest * 0x85ebca6bu;
	return (fold >> 16) & (LB_VIP_SLOTS - 1);
}

/* Bytewise key equality (keys have no padding: 20 bytes), as three word compares. */
LB_INLINE int lb_vip_key_eq(const struct lb_vip_key *a, const struct lb_vip_key *b)
{
	const lb_key_word *x = lb_key_words(a), *y = lb_key_words(b);

	__u32 rest_diff = *(const lb_word32 *)&a->port ^ *(const lb_word32 *)&b->port;

	return !((x[0] ^ y[0]) | (x[1] ^ y[1]) | rest_diff);
}

#endif
