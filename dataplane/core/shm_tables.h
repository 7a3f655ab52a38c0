/* SPDX-License-Identifier: MIT */
/*
 * shm_tables.h - the DPDK table file's layout: the contract between edgelbd, the writer
 * (control/fastpath/lbtables_shm.c, through the lbtables.h interface), and edgelb-dp, the reader
 * (dataplane/dpdk), which both map the file. Also the reader's side of its protocol (attach,
 * seqlocked record reads, the worker slot's quiescent epoch), header-only so that it inlines into
 * edgelb-dp's hooks and edgelb-dp links nothing of the writer. Userspace only (not for BPF).
 *
 * One file (in /dev/shm or hugetlbfs), four sections, each 2 MiB-aligned:
 *
 *   header   magic, LB_TABLES_VERSION, ring capacity, the writer's epoch, conn-clear generation,
 *            tables generation (bumped after every node / VIP / backend record write)
 *   tables   node settings, VIP address filter, VIP hash (open addressing), backends, ring
 *            descriptors; every record that is larger than a word carries a sequence count
 *            (seqlock): readers copy it and retry if the count moved or was odd
 *   lcores   one slot per edgelb-dp worker: its quiescent epoch and all its counters; written
 *            only by that worker, summed by the writer's read_* ops
 *   rings    two buffers of ring_cap slots per VIP
 *
 * edgelb-dp maps header, tables and rings read-only and only its lcore slots writable.
 *
 * Rings are double-buffered: set_ring writes the VIP's inactive buffer, then flips `active` with
 * a release store and bumps the epoch. Before it writes a buffer again it waits until every
 * online worker has published an epoch at least as new as the flip that retired that buffer
 * (workers publish after every burst, so the wait is one burst), or has gone offline / died.
 * So no worker ever reads a ring that is being rewritten, and a packet sees one ring, whole.
 *
 * Workers may keep private copies of node, VIP and backend records (edgelb-dp does: a copy costs
 * nothing per packet, a seqlock read does) as long as they drop them all when tables_gen moves;
 * they look at it once per burst, so a copy is at most a burst older than the record.
 *
 * The tables persist in the file: edgelbd may restart (it adopts the file) and edgelb-dp may
 * restart (it attaches again) without the other noticing.
 */
#ifndef EDGELB_CORE_SHM_TABLES_H
#define EDGELB_CORE_SHM_TABLES_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dataplane/core/flow.h"
#include "dataplane/core/tables.h"

#define LB_SHM_MAGIC      0x4d48534c42454445ull /* "EDELBSHM" little-endian */
#define LB_SHM_LAYOUT     2                     /* this file's own layout revision */
#define LB_SHM_MAX_LCORES 64
/* open addressing over LB_MAX_VIPS * 4 entries: < 50 % full */
#define LB_SHM_VIP_SLOT_BITS 11
#define LB_SHM_VIP_SLOTS     (1u << LB_SHM_VIP_SLOT_BITS)
#define LB_SHM_ALIGN         (2u << 20) /* sections on 2 MiB: hugetlbfs maps and protects so */
#define LB_SHM_CACHE_LINE    64

/* VIP slot states */
#define LB_SHM_SLOT_FREE 0
#define LB_SHM_SLOT_USED 1
#define LB_SHM_SLOT_GONE 2 /* deleted: lookups probe on */

/* Worker slot states */
#define LB_SHM_LCORE_OFFLINE 0 /* holds no reference to any ring: writers need not wait */
#define LB_SHM_LCORE_ONLINE  1

struct lb_shm_header {
	uint64_t magic;
	uint32_t tables_version; /* LB_TABLES_VERSION */
	uint32_t layout;         /* LB_SHM_LAYOUT */
	uint32_t ring_cap;       /* slots per ring buffer: the largest ring a VIP may have */
	uint32_t max_lcores;
	uint64_t file_size;
	uint64_t off_tables, off_lcores, off_rings;
	uint32_t writer_pid; /* informational */
	uint32_t pad;
	/* written by the writer, read by workers (own cache lines) */
	uint64_t epoch __attribute__((aligned(LB_SHM_CACHE_LINE)));
	uint64_t conn_clear_gen __attribute__((aligned(LB_SHM_CACHE_LINE)));
	uint64_t tables_gen __attribute__((aligned(LB_SHM_CACHE_LINE)));
};

struct lb_shm_node {
	uint32_t seq;
	uint32_t pad;
	struct lb_node_cfg cfg;
};

struct lb_shm_vip_slot {
	uint32_t seq;
	uint32_t state; /* LB_SHM_SLOT_* */
	struct lb_vip_key key;
	struct lb_vip_meta meta;
	uint32_t pad;
};

struct lb_shm_backend {
	uint32_t seq;
	uint32_t pad;
	struct lb_backend be;
};

struct lb_shm_ring_desc {
	uint32_t active;  /* buffer 0 or 1; flipped with a release store */
	uint32_t size[2]; /* slots in use in each buffer; 0: no ring */
	uint32_t pad;
	uint64_t retired_epoch[2]; /* epoch at which the buffer stopped being active */
};

struct lb_shm_tables {
	struct lb_shm_node node;
	struct lb_vip_filter filter; /* word-wise updates: a torn read only delays a VIP's start */
	struct lb_shm_vip_slot vips[LB_SHM_VIP_SLOTS];
	struct lb_shm_backend backends[LB_MAX_BACKENDS];
	struct lb_shm_ring_desc rings[LB_MAX_VIPS];
};

/* One worker's slot: written by that worker only. */
struct lb_shm_lcore {
	uint64_t seen_epoch __attribute__((aligned(LB_SHM_CACHE_LINE)));
	uint32_t state; /* LB_SHM_LCORE_* */
	uint32_t pid;   /* the edgelb-dp process owning the slot (a dead pid is offline) */
	uint32_t lcore_id;
	uint32_t pad;
	uint64_t conn_clear_gen; /* the clear generation this worker has applied */
	uint64_t bursts, idle_polls, rx, tx, exception_tx, exception_rx, tx_dropped, conn_evictions;
	/* --record-cycles: TSC cycles of polls that received packets, and those packets; a poll
	 * longer than any burst can take (the thread was preempted) is left out of both */
	uint64_t busy_cycles, busy_packets;
	struct lb_global_stats gstats __attribute__((aligned(LB_SHM_CACHE_LINE)));
	struct lb_vip_stats vstats[LB_MAX_VIPS];
	struct lb_backend_stats bstats[LB_MAX_BACKENDS];
} __attribute__((aligned(LB_SHM_CACHE_LINE)));

/* A mapped table file, as either side sees it. */
struct lb_shm_map {
	void *base;
	uint64_t size;
	int fd;
	struct lb_shm_header *hdr;
	struct lb_shm_tables *tables;
	struct lb_shm_lcore *lcores; /* hdr->max_lcores of them */
	uint32_t *rings;             /* LB_MAX_VIPS * 2 * ring_cap */
};

/*
 * The file's layout is LB_SHM_LAYOUT (with LB_TABLES_VERSION for the records from tables.h): the
 * sizes and offsets below are those of layout 2, so that moving or editing these structs cannot
 * change the file silently (a reader and a writer of two builds would misread each other). A
 * deliberate change updates them and bumps LB_SHM_LAYOUT.
 */
#define LB_SHM_SIZE(type, n) _Static_assert(sizeof(struct type) == (n), #type " changed size")
#define LB_SHM_AT(type, field, off)                                                                \
	_Static_assert(__builtin_offsetof(struct type, field) == (off), #type "." #field " moved")
_Static_assert(LB_SHM_LAYOUT == 2, "update the sizes and offsets below with the layout");
LB_SHM_SIZE(lb_shm_header, 256);
LB_SHM_AT(lb_shm_header, tables_version, 8);
LB_SHM_AT(lb_shm_header, layout, 12);
LB_SHM_AT(lb_shm_header, ring_cap, 16);
LB_SHM_AT(lb_shm_header, max_lcores, 20);
LB_SHM_AT(lb_shm_header, file_size, 24);
LB_SHM_AT(lb_shm_header, off_tables, 32);
LB_SHM_AT(lb_shm_header, off_lcores, 40);
LB_SHM_AT(lb_shm_header, off_rings, 48);
LB_SHM_AT(lb_shm_header, writer_pid, 56);
LB_SHM_AT(lb_shm_header, epoch, 64);
LB_SHM_AT(lb_shm_header, conn_clear_gen, 128);
LB_SHM_AT(lb_shm_header, tables_gen, 192);
LB_SHM_SIZE(lb_shm_node, 76);
LB_SHM_AT(lb_shm_node, cfg, 8);
LB_SHM_SIZE(lb_shm_vip_slot, 48);
LB_SHM_AT(lb_shm_vip_slot, state, 4);
LB_SHM_AT(lb_shm_vip_slot, key, 8);
LB_SHM_AT(lb_shm_vip_slot, meta, 28);
LB_SHM_SIZE(lb_shm_backend, 40);
LB_SHM_AT(lb_shm_backend, be, 8);
LB_SHM_SIZE(lb_shm_ring_desc, 32);
LB_SHM_AT(lb_shm_ring_desc, size, 4);
LB_SHM_AT(lb_shm_ring_desc, retired_epoch, 16);
LB_SHM_SIZE(lb_shm_tables, 270928);
LB_SHM_AT(lb_shm_tables, filter, 80);
LB_SHM_AT(lb_shm_tables, vips, 592);
LB_SHM_AT(lb_shm_tables, backends, 98896);
LB_SHM_AT(lb_shm_tables, rings, 262736);
LB_SHM_SIZE(lb_shm_lcore, 106944);
LB_SHM_AT(lb_shm_lcore, state, 8);
LB_SHM_AT(lb_shm_lcore, pid, 12);
LB_SHM_AT(lb_shm_lcore, lcore_id, 16);
LB_SHM_AT(lb_shm_lcore, conn_clear_gen, 24);
LB_SHM_AT(lb_shm_lcore, bursts, 32);
LB_SHM_AT(lb_shm_lcore, busy_cycles, 96);
LB_SHM_AT(lb_shm_lcore, busy_packets, 104);
LB_SHM_AT(lb_shm_lcore, gstats, 128);
LB_SHM_AT(lb_shm_lcore, vstats, 416);
LB_SHM_AT(lb_shm_lcore, bstats, 8608);
#undef LB_SHM_SIZE
#undef LB_SHM_AT

/* ---- the file's geometry (both sides compute it alike) ---- */

static inline uint64_t lb_shm_align_up(uint64_t x)
{
	return (x + LB_SHM_ALIGN - 1) & ~(uint64_t)(LB_SHM_ALIGN - 1);
}

/* Bytes of the file for a ring capacity, and the section offsets (all LB_SHM_ALIGN-aligned). */
static inline uint64_t lb_shm_layout(uint32_t ring_cap, uint64_t *off_tables, uint64_t *off_lcores,
				     uint64_t *off_rings)
{
	uint64_t tables = lb_shm_align_up(sizeof(struct lb_shm_header));
	uint64_t lcores = lb_shm_align_up(tables + sizeof(struct lb_shm_tables));
	uint64_t rings =
	    lb_shm_align_up(lcores + (uint64_t)LB_SHM_MAX_LCORES * sizeof(struct lb_shm_lcore));

	*off_tables = tables;
	*off_lcores = lcores;
	*off_rings = rings;
	return lb_shm_align_up(rings + (uint64_t)LB_MAX_VIPS * 2 * ring_cap * sizeof(uint32_t));
}

/* Buffer `which` (0/1) of a VIP's ring. */
static inline uint32_t *lb_shm_ring_buf(const struct lb_shm_map *m, uint32_t vip_id, uint32_t which)
{
	return m->rings + ((uint64_t)vip_id * 2 + which) * m->hdr->ring_cap;
}

/* ---- the reader's protocol (edgelb-dp's hooks use these; header-only so it inlines) ---- */

/* A VIP key's home slot: the top bits of lb_vip_key_mix() (flow.h), as the XDP VIP slots. */
static inline uint32_t lb_shm_vip_hash(const struct lb_vip_key *key)
{
	return lb_vip_key_mix(key) >> (32 - LB_SHM_VIP_SLOT_BITS);
}

/* Seqlock read: a stable, even count before and after the copy means the copy is whole. */
static inline uint32_t lb_shm_seq_begin(const uint32_t *seq)
{
	uint32_t s;

	while ((s = __atomic_load_n(seq, __ATOMIC_ACQUIRE)) & 1)
		__builtin_ia32_pause();
	return s;
}

static inline int lb_shm_seq_retry(const uint32_t *seq, uint32_t start)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(seq, __ATOMIC_RELAXED) != start;
}

/* Copies the node settings. */
static inline void lb_shm_read_node(const struct lb_shm_tables *t, struct lb_node_cfg *out)
{
	uint32_t s;

	do {
		s = lb_shm_seq_begin(&t->node.seq);
		*out = t->node.cfg;
	} while (lb_shm_seq_retry(&t->node.seq, s));
}

/* Copies the VIP entry of key into out; 0 if found, -1 if not. */
static inline int lb_shm_read_vip(const struct lb_shm_tables *t, const struct lb_vip_key *key,
				  struct lb_vip_meta *out)
{
	uint32_t i = lb_shm_vip_hash(key) & (LB_SHM_VIP_SLOTS - 1);

	for (uint32_t n = 0; n < LB_SHM_VIP_SLOTS; n++, i = (i + 1) & (LB_SHM_VIP_SLOTS - 1)) {
		const struct lb_shm_vip_slot *v = &t->vips[i];
		uint32_t s, state;
		int match;

		do {
			s = lb_shm_seq_begin(&v->seq);
			state = v->state;
			match = state == LB_SHM_SLOT_USED &&
				!__builtin_memcmp(&v->key, key, sizeof(*key));
			if (match)
				*out = v->meta;
		} while (lb_shm_seq_retry(&v->seq, s));
		if (match)
			return 0;
		if (state == LB_SHM_SLOT_FREE)
			return -1;
	}
	return -1;
}

/* Copies backend id into out; -1 if id is out of range. */
static inline int lb_shm_read_backend(const struct lb_shm_tables *t, uint32_t id,
				      struct lb_backend *out)
{
	const struct lb_shm_backend *b;
	uint32_t s;

	if (id >= LB_MAX_BACKENDS)
		return -1;
	b = &t->backends[id];
	do {
		s = lb_shm_seq_begin(&b->seq);
		*out = b->be;
	} while (lb_shm_seq_retry(&b->seq, s));
	return 0;
}

/* The backend in a slot of the VIP's active ring (LB_NO_BACKEND past its end or without one). */
static inline uint32_t lb_shm_ring_slot(const struct lb_shm_map *m, uint32_t vip_id, uint32_t slot)
{
	const struct lb_shm_ring_desc *d;
	uint32_t active;

	if (vip_id >= LB_MAX_VIPS)
		return LB_NO_BACKEND;
	d = &m->tables->rings[vip_id];
	active = __atomic_load_n(&d->active, __ATOMIC_ACQUIRE) & 1;
	if (slot >= d->size[active])
		return LB_NO_BACKEND;
	return lb_shm_ring_buf(m, vip_id, active)[slot];
}

/* ---- attaching (edgelb-dp; the writer shares the header check and the unmapping) ---- */

static inline void lb_shm_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static inline void lb_shm_map_sections(struct lb_shm_map *m)
{
	m->hdr = m->base;
	m->tables = (void *)((char *)m->base + m->hdr->off_tables);
	m->lcores = (void *)((char *)m->base + m->hdr->off_lcores);
	m->rings = (void *)((char *)m->base + m->hdr->off_rings);
}

/* Does an existing header describe a file this code can use? */
static inline int lb_shm_check_header(const struct lb_shm_header *h, uint64_t file_size, char *err,
				      size_t errlen)
{
	uint64_t ot, ol, orr;

	if (h->magic != LB_SHM_MAGIC) {
		lb_shm_set_err(err, errlen, "not an edgelb table file (bad magic)");
		return -EINVAL;
	}
	if (h->tables_version != LB_TABLES_VERSION || h->layout != LB_SHM_LAYOUT) {
		lb_shm_set_err(err, errlen, "table version %u/%u, this build uses %u/%u",
			       h->tables_version, h->layout, LB_TABLES_VERSION, LB_SHM_LAYOUT);
		return -EPROTO;
	}
	if (h->ring_cap < 1 || h->ring_cap > LB_RING_SIZE_MAX ||
	    h->max_lcores != LB_SHM_MAX_LCORES) {
		lb_shm_set_err(err, errlen, "ring capacity %u / lcores %u out of range",
			       h->ring_cap, h->max_lcores);
		return -EINVAL;
	}
	if (lb_shm_layout(h->ring_cap, &ot, &ol, &orr) != h->file_size ||
	    h->file_size != file_size || h->off_tables != ot || h->off_lcores != ol ||
	    h->off_rings != orr) {
		lb_shm_set_err(err, errlen, "file size %llu does not match its header",
			       (unsigned long long)file_size);
		return -EINVAL;
	}
	return 0;
}

static inline void lb_shm_detach(struct lb_shm_map *m)
{
	if (m->base)
		munmap(m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/*
 * The reader's side (edgelb-dp): map an existing table file. Header, tables and rings are mapped
 * read-only, the lcore section read-write. Checks magic, versions and size. 0 or negative errno
 * (message in err, which may be NULL).
 */
static inline int lb_shm_attach(const char *path, struct lb_shm_map *m, char *err, size_t errlen)
{
	struct lb_shm_header h;
	struct stat st;
	int rc;

	memset(m, 0, sizeof(*m));
	m->fd = open(path, O_RDWR | O_CLOEXEC);
	if (m->fd < 0) {
		rc = -errno;
		lb_shm_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(m->fd, &st) || pread(m->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
		lb_shm_set_err(err, errlen, "%s: too short or unreadable", path);
		rc = -EINVAL;
		goto fail;
	}
	rc = lb_shm_check_header(&h, (uint64_t)st.st_size, err, errlen);
	if (rc)
		goto fail;
	m->size = h.file_size;
	m->base = mmap(NULL, m->size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		rc = -errno;
		lb_shm_set_err(err, errlen, "%s: mmap: %s", path, strerror(errno));
		m->base = NULL;
		goto fail;
	}
	lb_shm_map_sections(m);
	/* the reader writes its lcore slots only: the rest is read-only to it */
	if (mprotect(m->base, h.off_lcores, PROT_READ) ||
	    mprotect((char *)m->base + h.off_rings, m->size - h.off_rings, PROT_READ)) {
		rc = -errno;
		lb_shm_set_err(err, errlen, "%s: mprotect: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	lb_shm_detach(m);
	return rc;
}

/* Moves after every node, filter, VIP or backend write (once the record is whole). */
static inline uint64_t lb_shm_tables_gen(const struct lb_shm_map *m)
{
	return __atomic_load_n(&m->hdr->tables_gen, __ATOMIC_ACQUIRE);
}

/* A worker takes its slot: online, and already past every flip made so far. */
static inline void lb_shm_lcore_online(const struct lb_shm_map *m, struct lb_shm_lcore *lc,
				       uint32_t lcore_id, uint32_t pid)
{
	lc->lcore_id = lcore_id;
	lc->pid = pid;
	__atomic_store_n(&lc->seen_epoch, __atomic_load_n(&m->hdr->epoch, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&lc->state, LB_SHM_LCORE_ONLINE, __ATOMIC_SEQ_CST);
	/* pairs with the writer's fence between flipping a ring and reading worker states */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* After a burst: the worker holds no ring reference from before this point. */
static inline void lb_shm_lcore_quiescent(const struct lb_shm_map *m, struct lb_shm_lcore *lc)
{
	__atomic_store_n(&lc->seen_epoch, __atomic_load_n(&m->hdr->epoch, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

/* Leaving (exit, or a long sleep): writers need not wait for this worker. */
static inline void lb_shm_lcore_offline(const struct lb_shm_map *m, struct lb_shm_lcore *lc)
{
	lb_shm_lcore_quiescent(m, lc);
	__atomic_store_n(&lc->state, LB_SHM_LCORE_OFFLINE, __ATOMIC_RELEASE);
}

#endif
