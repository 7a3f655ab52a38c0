/* SPDX-License-Identifier: MIT */
/*
 * tables.h - the contract between the control daemon and the fast paths.
 *
 * Everything the fast path reads (VIPs, backends, Maglev rings, node settings) and everything it
 * writes (connection entries, counters) is laid out here: fixed size, no pointers, explicit
 * padding, so the same bytes live in BPF maps (XDP) and in shared memory (DPDK). Bump
 * LB_TABLES_VERSION on any layout change; edgelbd refuses to adopt tables of another version.
 *
 * Compiles for BPF (clang -target bpf) and userspace (gcc): only fixed-width types.
 */
#ifndef EDGELB_CORE_TABLES_H
#define EDGELB_CORE_TABLES_H

#include "types.h"

#define LB_TABLES_VERSION 2

/* Capacity limits: sizes of the BPF maps and of the DPDK shared-memory table. */
#define LB_MAX_VIPS      256
#define LB_MAX_BACKENDS  4096
#define LB_RING_SIZE_DEF 65537  /* prime; Maglev's M */
#define LB_RING_SIZE_MAX 655373 /* prime; the largest ring a VIP may have */
#define LB_CONN_MAX_DEF  (1u << 20)

#define LB_NO_BACKEND 0xffffffffu /* a ring slot owned by nobody (no healthy backend) */

/* Address families, as stored in tables (independent of the host's AF_* values). */
#define LB_AF_INET  4
#define LB_AF_INET6 6

/*
 * An IPv4 or IPv6 address in network byte order. IPv4 uses w[0] only; w[1..3] are zero so that
 * keys compare bytewise.
 */
struct lb_addr {
	union {
		__u32 w[4];
		__u8 b[16];
	};
};

/*
 * VIP key: destination address, IP protocol, destination port (network byte order).
 * port == 0 is the all-ports form of a VIP, looked up when no (addr, proto, port) VIP matches,
 * and for fragments, which carry no port.
 */
struct lb_vip_key {
	struct lb_addr addr;
	__u16 port;
	__u8 proto;
	__u8 family; /* LB_AF_INET or LB_AF_INET6 */
};

/* VIP flags */
#define LB_VIP_F_L2DSR      (1u << 0) /* forward by MAC rewrite instead of IP-in-IP */
#define LB_VIP_F_SRC_HASH   (1u << 1) /* hash the source address only (KV-cache affinity) */
#define LB_VIP_F_FRAG_ONLY  (1u << 2) /* a port-0 alias that only fragments may use */
#define LB_VIP_F_NO_CONNTRK (1u << 3) /* never use the connection table (pure hashing) */

struct lb_vip_meta {
	__u32 vip_id;     /* index of the VIP's ring and counters, < LB_MAX_VIPS */
	__u32 flags;      /* LB_VIP_F_* */
	__u32 ring_size;  /* M of the ring currently installed for this VIP */
	__u32 generation; /* bumped by the control daemon on every table change of this VIP */
};

/* Backend states, set by the health checker and the operator. */
#define LB_BACKEND_DOWN     0 /* no traffic; entries pointing here are stale */
#define LB_BACKEND_UP       1
#define LB_BACKEND_DRAINING 2 /* established flows continue, new flows go elsewhere */

/*
 * A backend slot. Slots are reused when backends are removed and added; `generation` changes on
 * every reuse so that connection entries made for the previous occupant are recognised as stale.
 */
struct lb_backend {
	struct lb_addr addr;
	__u8 family; /* LB_AF_INET or LB_AF_INET6 */
	__u8 state;  /* LB_BACKEND_* */
	__u8 mac[6]; /* next hop: the backend itself on the L2 segment, or the gateway */
	__u32 generation;
	__u32 tx_port; /* 0: transmit on the receiving port; else devmap key / DPDK port + 1 */
};

/*
 * A 4096-bit filter over VIP destination addresses: the fast path rejects non-VIP traffic with
 * one bit test before any hash lookup. Bit index: lb_vip_filter_bit() in flow.h.
 */
#define LB_VIP_FILTER_BITS 4096
struct lb_vip_filter {
	__u64 bits[LB_VIP_FILTER_BITS / 64];
};

/* Node-wide settings, one entry. */
struct lb_node_cfg {
	__u32 hash_seed;  /* every node of a region uses the same seed */
	__u32 flags;      /* LB_NODE_F_* */
	__u8 node_mac[6]; /* source MAC of everything the node sends */
	__u8 pad[2];
	struct lb_addr src4;  /* IPv4 encapsulation source prefix (network order) */
	struct lb_addr src6;  /* IPv6 encapsulation source prefix */
	__u32 src4_host_mask; /* host bits of src4 filled with flow entropy (host order) */
	__u32 src6_host_mask; /* host bits of the last word of src6 filled with flow entropy */
	__u32 udp_idle_sec;   /* UDP connection entries older than this are stale */
	__u32 tcp_idle_sec;   /* TCP entries idle longer than this are stale (0: LRU only) */
	/*
	 * Moves whenever a VIP entry is written or deleted (and on every node write): connection
	 * entries stamped with another value must look their VIP up again (struct lb_conn). Kept
	 * by the table writer (lbtables_bpf.c, the userspace runner), whatever the caller passes;
	 * the DPDK runner uses its own cache epoch instead.
	 */
	__u32 vip_epoch;
};

/*
 * Connection table: flow -> backend. The key is the flow tuple (see flow.h). The entry also
 * remembers its VIP (id and flags) as of the runner's VIP epoch (lb_hook_vip_epoch), so that
 * while no VIP changes, an established packet is forwarded without looking its VIP up.
 */
struct lb_conn {
	__u32 backend_id;
	__u32 backend_gen; /* lb_backend.generation when the entry was made */
	__u32 last_seen;   /* seconds (coarse clock); refreshed at most once a second */
	__u32 hash;        /* the flow's hash (outer source entropy), so a hit need not rehash */
	__u32 vip_epoch;   /* the VIP epoch at which vip_id and vip_flags were stamped */
	__u16 vip_id;      /* the VIP the flow matched */
	__u8 vip_flags;    /* its LB_VIP_F_* then */
	__u8 runner_bits;  /* 0 in every table; a runner's own copies may use it (XDP's cache) */
};

_Static_assert(LB_MAX_VIPS <= 65536 && LB_VIP_F_NO_CONNTRK < 256,
	       "struct lb_conn holds a VIP id in 16 bits and its flags in 8");

/* Counters. All per CPU (per lcore); readers sum them. */
struct lb_vip_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
	__u64 no_backend; /* packets dropped because the ring had no healthy backend */
};

struct lb_backend_stats {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows;
};

/* Global (per CPU) counters; drop reasons index drops[]. */
/* Why a packet was dropped, or found malformed (also counted when passed). */
enum lb_drop_reason {
	LB_DROP_TRUNC_L2 = 0,   /* shorter than its Ethernet/802.1Q header */
	LB_DROP_TRUNC_L3,       /* shorter than its IPv4/IPv6 header */
	LB_DROP_BAD_IHL,        /* IPv4 IHL < 5 or beyond the packet */
	LB_DROP_BAD_IP_LEN,     /* IP total/payload length disagrees with the frame */
	LB_DROP_IPV6_EXT_LIMIT, /* extension header chain longer than we walk */
	LB_DROP_TRUNC_L4,       /* shorter than its TCP/UDP/ICMP header */
	LB_DROP_BAD_TCP_DOFF,   /* TCP data offset < 5 or beyond the packet */
	LB_DROP_BAD_UDP_LEN,    /* UDP length < 8 or beyond the packet */
	LB_DROP_NO_BACKEND,     /* VIP with no usable backend */
	LB_DROP_ENCAP_FAILED,   /* could not grow the packet head */
	LB_DROP_BAD_ICMP,       /* ICMP error about a VIP we could not attribute */
	LB_DROP_FAMILY,         /* backend family cannot carry the VIP family */
	LB_DROP_MAX
};

struct lb_global_stats {
	__u64 rx_packets;
	__u64 pass_non_vip;
	__u64 pass_other; /* VIP address, but a port / protocol with no VIP */
	__u64 tx;
	__u64 redirect;
	__u64 conn_hit;
	__u64 conn_miss;
	__u64 conn_stale;
	__u64 conn_insert_failed;
	__u64 icmp_echo_replied;
	__u64 icmp_too_big_fwd;
	__u64 fragments;
	__u64 drops[LB_DROP_MAX];          /* malformed or undeliverable VIP traffic, dropped */
	__u64 pass_malformed[LB_DROP_MAX]; /* malformed, not for a VIP: left to the kernel */
};

/*
 * The table interface: the writes every fast path's tables take and the counters they give back,
 * whichever fast path it is (the XDP program's BPF maps, the DPDK table file, the userspace
 * runner's process memory). An implementation embeds struct lbt first. Not a record: no fast
 * path reads it from its tables, so the no-pointers rule above is not for it. The control side's
 * helpers over it, and the XDP and DPDK implementations, are control/fastpath/lbtables*.h.
 */
struct lbt;

struct lbt_ops {
	int (*set_node)(struct lbt *t, const struct lb_node_cfg *node);
	int (*set_filter)(struct lbt *t, const struct lb_vip_filter *filter);
	int (*set_vip)(struct lbt *t, const struct lb_vip_key *key, const struct lb_vip_meta *meta);
	int (*del_vip)(struct lbt *t, const struct lb_vip_key *key);
	/* Replace a VIP's ring whole: a packet sees the old ring or the new one, never a mix. */
	int (*set_ring)(struct lbt *t, __u32 vip_id, const __u32 *ring, __u32 size);
	int (*set_backend)(struct lbt *t, __u32 id, const struct lb_backend *be);
	/* Counters, summed over CPUs / lcores. */
	int (*read_global)(struct lbt *t, struct lb_global_stats *sum);
	int (*read_vip_stats)(struct lbt *t, __u32 vip_id, struct lb_vip_stats *sum);
	int (*read_backend_stats)(struct lbt *t, __u32 id, struct lb_backend_stats *sum);
	int (*clear_conns)(struct lbt *t);
};

struct lbt {
	const struct lbt_ops *ops;
};

#endif
