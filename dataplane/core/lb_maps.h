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
 * Slot of a VIP key (both sides must agree): bits of lb_vip_key_mix() (flow.h).
 */
LB_INLINE __u32 lb_vip_slot_index(const struct lb_vip_key *key)
{
	return (lb_vip_key_mix(key) >> 16) & (LB_VIP_SLOTS - 1);
}

#endif
