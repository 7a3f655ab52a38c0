/* SPDX-License-Identifier: MIT */
/*
 * lb_maps.h - sizes of the XDP runner's maps that userspace must agree on, and the core's
 * includes in the order the BPF runner needs them. Map names (the pinning contract, see
 * docs/ARCHITECTURE.md): node_cfg, vip_filter, vips, rings (+ inner ring), backends, conns,
 * global_stats, vip_stats, backend_stats, tx_ports.
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

#endif
