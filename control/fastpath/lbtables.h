/* SPDX-License-Identifier: MIT */
/*
 * lbtables.h - how the control side writes the fast path's tables and reads its counters,
 * whichever fast path it is: BPF maps for XDP (lbtables_bpf.c), process memory for the userspace
 * runner (dataplane/user), shared memory for DPDK (lbtables_shm.c). One interface (struct lbt_ops,
 * dataplane/core/tables.h), so edgelbd, the tests and the benchmarks configure every runner with
 * the same code; here the helpers over it and the XDP implementation.
 *
 * VIP entries: a configured VIP becomes up to three fast-path entries (lbt_vip_entries()):
 * its own (addr, proto, port) key; one ICMP key per VIP address (echo and "is this a VIP
 * address?"); and, for an (addr, proto) with only port VIPs, a port-0 FRAG_ONLY alias that sends
 * fragments to the VIP with the lowest port. Plus the address filter bits.
 */
#ifndef EDGELB_CONTROL_LBTABLES_H
#define EDGELB_CONTROL_LBTABLES_H

#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/tables.h"

/* A VIP as the control side knows it. */
struct lbt_vip {
	struct lb_vip_key key; /* port 0: all ports */
	struct lb_vip_meta meta;
};

/* One fast-path VIP entry. */
struct lbt_vip_entry {
	struct lb_vip_key key;
	struct lb_vip_meta meta;
};

/*
 * Expand VIPs into fast-path entries and the address filter. `out` must hold 3 * n entries.
 * Returns the number of entries written.
 */
size_t lbt_vip_entries(const struct lbt_vip *vips, size_t n, struct lbt_vip_entry *out,
		       struct lb_vip_filter *filter);

/* Write all of them (initial load; edgelbd's reload syncs differences instead). */
int lbt_install_vips(struct lbt *t, const struct lbt_vip *vips, size_t n);

/* ---- the XDP implementation: BPF maps of a loaded (or pinned) lb.bpf.o ---- */

struct lbt_bpf_fds {
	int node_cfg, vip_filter, vips, rings, backends, conns;
	int global_stats, vip_stats, backend_stats;
	int conn_cache;  /* optional (0: none): the per-CPU cache in front of conns */
	int ring_active; /* which half of each VIP's double-buffered ring is live */
	int vip_slots;   /* optional (0: none): the seqlocked VIP slots in front of vips */
};

struct bpf_object;
/* Fill fds from a loaded object by map name (lb.bpf.o and its bench build alike). */
int lbt_bpf_fds_from_obj(struct bpf_object *obj, struct lbt_bpf_fds *fds);

/*
 * For bpf_object_open_opts.kconfig when opening lb.bpf.o: NULL when libbpf can read the running
 * kernel's config (/boot/config-<release> or /proc/config.gz), from which the program takes
 * CONFIG_HZ for its clock; otherwise a stand-in that says HZ is unknown (0), because libbpf
 * refuses to load an object with kconfig externs it can resolve from no config at all. The
 * program then reads the clock through a helper every 32 packets instead (lb_read_tick).
 */
const char *lbt_bpf_kconfig(void);
#define LBT_BPF_KCONFIG_STANDIN "CONFIG_HZ=0\n"

struct bpf_map;
/*
 * Before loading: give the `rings` array-of-maps an inner-map template for the node's ring size
 * (each VIP's ring map is an mmap-able array of 2 * ring_size u32: two halves, one live). Returns
 * the template's fd, which the caller closes after loading (libbpf borrows it), or a negative
 * errno.
 */
int lbt_bpf_prepare_rings(struct bpf_map *rings, uint32_t ring_size);

/*
 * ring_size must equal the size lbt_bpf_prepare_rings() was given. Use lbt_bpf_fds_from_obj():
 * ring_active is required. A ring change is a copy into the VIP's idle half and one store; a
 * background thread then waits out an RCU grace period, so set_ring blocks only when the same
 * VIP changes again before that grace period has ended (milliseconds). With vip_slots, every VIP
 * change is mirrored into the slots, and the slots are first made to agree with `vips` (a daemon
 * killed between the two writes leaves them apart).
 */
struct lbt *lbt_bpf_new(const struct lbt_bpf_fds *fds, uint32_t ring_size);
void lbt_bpf_free(struct lbt *t);

#endif
