// SPDX-License-Identifier: MIT
/*
 * lbtables_shm.c - the lbtables.h interface over the DPDK fast path's shared-memory table file
 * (layout and protocol in dataplane/core/shm_tables.h): creating / adopting the file, seqlocked
 * record writes, double-buffered rings with a wait for quiescent workers, counter sums.
 */
#include "control/fastpath/lbtables_shm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lbt_shm {
	struct lbt base; /* keep first */
	struct lb_shm_map map;
	char path[256];
	uint32_t wait_ms;
};

#define SHM(t) ((struct lbt_shm *)(t))

/* ---- writer helpers ---- */

static void seq_write_begin(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_write_end(uint32_t *seq)
{
	__atomic_store_n(seq, *seq + 1, __ATOMIC_RELEASE);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int lcore_alive(const struct lb_shm_lcore *lc)
{
	if (__atomic_load_n(&lc->state, __ATOMIC_ACQUIRE) != LB_SHM_LCORE_ONLINE)
		return 0;
	/* a worker that died without going offline holds nothing */
	return !(lc->pid && kill((pid_t)lc->pid, 0) && errno == ESRCH);
}

/*
 * Wait until every live worker satisfies done(): it has passed a quiescent point after `epoch`,
 * or applied a connection-table clear. -EBUSY after wait_ms.
 */
static int wait_workers(struct lbt_shm *w, int (*done)(const struct lb_shm_lcore *, uint64_t),
			uint64_t target)
{
	uint64_t deadline = now_ms() + w->wait_ms;

	__atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with lb_shm_lcore_online() */
	for (uint32_t i = 0; i < LB_SHM_MAX_LCORES; i++) {
		const struct lb_shm_lcore *lc = &w->map.lcores[i];

		while (lcore_alive(lc) && !done(lc, target)) {
			if (now_ms() > deadline) {
				fprintf(
				    stderr,
				    "lbtables_shm %s: worker lcore %u (pid %u) passed no quiescent "
				    "point in %u ms\n",
				    w->path, lc->lcore_id, lc->pid, w->wait_ms);
				return -EBUSY;
			}
			usleep(20);
		}
	}
	return 0;
}

static int passed_epoch(const struct lb_shm_lcore *lc, uint64_t epoch)
{
	return __atomic_load_n(&lc->seen_epoch, __ATOMIC_ACQUIRE) >= epoch;
}

static int applied_clear(const struct lb_shm_lcore *lc, uint64_t gen)
{
	return __atomic_load_n(&lc->conn_clear_gen, __ATOMIC_ACQUIRE) >= gen;
}

/* A record is whole again: workers drop their private copies at their next burst. */
static void tables_changed(struct lbt *t)
{
	__atomic_add_fetch(&SHM(t)->map.hdr->tables_gen, 1, __ATOMIC_RELEASE);
}

/* The slot holding key, or the free slot where it would go (NULL: table full). */
static struct lb_shm_vip_slot *vip_slot(struct lb_shm_tables *t, const struct lb_vip_key *key)
{
	uint32_t i = lb_shm_vip_hash(key) & (LB_SHM_VIP_SLOTS - 1);
	struct lb_shm_vip_slot *tomb = NULL;

	for (uint32_t n = 0; n < LB_SHM_VIP_SLOTS; n++, i = (i + 1) & (LB_SHM_VIP_SLOTS - 1)) {
		struct lb_shm_vip_slot *s = &t->vips[i];

		if (s->state == LB_SHM_SLOT_USED && !memcmp(&s->key, key, sizeof(*key)))
			return s;
		if (s->state == LB_SHM_SLOT_GONE && !tomb)
			tomb = s;
		if (s->state == LB_SHM_SLOT_FREE)
			return tomb ? tomb : s;
	}
	return tomb;
}

/* ---- lbtables.h ops ---- */

static int s_set_node(struct lbt *t, const struct lb_node_cfg *node)
{
	struct lb_shm_node *n = &SHM(t)->map.tables->node;

	seq_write_begin(&n->seq);
	n->cfg = *node;
	seq_write_end(&n->seq);
	tables_changed(t);
	return 0;
}

static int s_set_filter(struct lbt *t, const struct lb_vip_filter *filter)
{
	struct lb_vip_filter *f = &SHM(t)->map.tables->filter;

	for (unsigned i = 0; i < LB_VIP_FILTER_BITS / 64; i++)
		__atomic_store_n(&f->bits[i], filter->bits[i], __ATOMIC_RELEASE);
	tables_changed(t);
	return 0;
}

static int s_set_vip(struct lbt *t, const struct lb_vip_key *key, const struct lb_vip_meta *meta)
{
	struct lb_shm_vip_slot *s = vip_slot(SHM(t)->map.tables, key);

	if (!s)
		return -ENOSPC;
	if (meta->vip_id >= LB_MAX_VIPS)
		return -EINVAL;
	seq_write_begin(&s->seq);
	s->key = *key;
	s->meta = *meta;
	s->state = LB_SHM_SLOT_USED;
	seq_write_end(&s->seq);
	tables_changed(t);
	return 0;
}

static int s_del_vip(struct lbt *t, const struct lb_vip_key *key)
{
	struct lb_shm_vip_slot *s = vip_slot(SHM(t)->map.tables, key);

	if (s && s->state == LB_SHM_SLOT_USED) {
		seq_write_begin(&s->seq);
		s->state = LB_SHM_SLOT_GONE;
		seq_write_end(&s->seq);
		tables_changed(t);
	}
	return 0;
}

static int s_set_ring(struct lbt *t, uint32_t vip_id, const uint32_t *ring, uint32_t size)
{
	struct lbt_shm *w = SHM(t);
	struct lb_shm_ring_desc *d;
	uint32_t cur, next;
	uint64_t epoch;
	int rc;

	if (vip_id >= LB_MAX_VIPS || size == 0 || size > w->map.hdr->ring_cap || !ring)
		return -EINVAL;
	d = &w->map.tables->rings[vip_id];
	cur = d->active & 1;
	next = cur ^ 1;
	if (d->retired_epoch[next]) {
		rc = wait_workers(w, passed_epoch, d->retired_epoch[next]);
		if (rc)
			return rc;
	}
	memcpy(lb_shm_ring_buf(&w->map, vip_id, next), ring, (size_t)size * sizeof(*ring));
	d->size[next] = size;
	__atomic_store_n(&d->active, next, __ATOMIC_RELEASE);
	epoch = w->map.hdr->epoch + 1;
	__atomic_store_n(&w->map.hdr->epoch, epoch, __ATOMIC_RELEASE);
	d->retired_epoch[cur] = epoch;
	return 0;
}

static int s_set_backend(struct lbt *t, uint32_t id, const struct lb_backend *be)
{
	struct lb_shm_backend *b;

	if (id >= LB_MAX_BACKENDS)
		return -EINVAL;
	b = &SHM(t)->map.tables->backends[id];
	seq_write_begin(&b->seq);
	b->be = *be;
	seq_write_end(&b->seq);
	tables_changed(t);
	return 0;
}

/* Sum n u64 counters of every worker slot; `at` gives a slot's counters. */
static void sum_counters(struct lbt_shm *w,
			 const void *(*at)(const struct lb_shm_lcore *, uint32_t), uint32_t arg,
			 uint64_t *sum, size_t n)
{
	memset(sum, 0, n * sizeof(*sum));
	for (uint32_t i = 0; i < LB_SHM_MAX_LCORES; i++) {
		const uint64_t *c = at(&w->map.lcores[i], arg);

		for (size_t k = 0; k < n; k++)
			sum[k] += __atomic_load_n(&c[k], __ATOMIC_RELAXED);
	}
}

static const void *global_at(const struct lb_shm_lcore *lc, uint32_t unused)
{
	return &lc->gstats;
}

static const void *vip_at(const struct lb_shm_lcore *lc, uint32_t id)
{
	return &lc->vstats[id];
}

static const void *backend_at(const struct lb_shm_lcore *lc, uint32_t id)
{
	return &lc->bstats[id];
}

static int s_read_global(struct lbt *t, struct lb_global_stats *sum)
{
	sum_counters(SHM(t), global_at, 0, (uint64_t *)sum, sizeof(*sum) / 8);
	return 0;
}

static int s_read_vip_stats(struct lbt *t, uint32_t vip_id, struct lb_vip_stats *sum)
{
	if (vip_id >= LB_MAX_VIPS)
		return -EINVAL;
	sum_counters(SHM(t), vip_at, vip_id, (uint64_t *)sum, sizeof(*sum) / 8);
	return 0;
}

static int s_read_backend_stats(struct lbt *t, uint32_t id, struct lb_backend_stats *sum)
{
	if (id >= LB_MAX_BACKENDS)
		return -EINVAL;
	sum_counters(SHM(t), backend_at, id, (uint64_t *)sum, sizeof(*sum) / 8);
	return 0;
}

/* Workers clear their own tables at their next burst; wait until every live one has. */
static int s_clear_conns(struct lbt *t)
{
	struct lbt_shm *w = SHM(t);
	uint64_t gen = __atomic_add_fetch(&w->map.hdr->conn_clear_gen, 1, __ATOMIC_RELEASE);

	return wait_workers(w, applied_clear, gen);
}

static const struct lbt_ops shm_ops = {
    .set_node = s_set_node,
    .set_filter = s_set_filter,
    .set_vip = s_set_vip,
    .del_vip = s_del_vip,
    .set_ring = s_set_ring,
    .set_backend = s_set_backend,
    .read_global = s_read_global,
    .read_vip_stats = s_read_vip_stats,
    .read_backend_stats = s_read_backend_stats,
    .clear_conns = s_clear_conns,
};

/* ---- create / adopt ---- */

static void init_header(struct lb_shm_header *h, uint32_t ring_cap, uint64_t size, uint64_t ot,
			uint64_t ol, uint64_t orr)
{
	h->tables_version = LB_TABLES_VERSION;
	h->layout = LB_SHM_LAYOUT;
	h->ring_cap = ring_cap;
	h->max_lcores = LB_SHM_MAX_LCORES;
	h->file_size = size;
	h->off_tables = ot;
	h->off_lcores = ol;
	h->off_rings = orr;
	/* readers check the magic first: it goes last */
	__atomic_store_n(&h->magic, LB_SHM_MAGIC, __ATOMIC_RELEASE);
}

static int open_writer(struct lbt_shm *w, const char *path, uint32_t ring_cap, char *err,
		       size_t errlen)
{
	uint64_t ot, ol, orr, size = lb_shm_layout(ring_cap, &ot, &ol, &orr);
	struct lb_shm_map *m = &w->map;
	struct stat st;
	int fresh;

	m->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (m->fd < 0) {
		lb_shm_set_err(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	if (flock(m->fd, LOCK_EX | LOCK_NB)) {
		lb_shm_set_err(err, errlen, "another writer holds the file");
		return -EBUSY;
	}
	if (fstat(m->fd, &st)) {
		lb_shm_set_err(err, errlen, "fstat: %s", strerror(errno));
		return -errno;
	}
	fresh = st.st_size == 0;
	if (fresh && ftruncate(m->fd, (off_t)size)) {
		lb_shm_set_err(err, errlen, "cannot size the file to %llu bytes: %s",
			       (unsigned long long)size, strerror(errno));
		return -errno;
	}
	if (!fresh) {
		struct lb_shm_header h;
		int rc;

		if (pread(m->fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h)) {
			lb_shm_set_err(err, errlen, "unreadable header");
			return -EINVAL;
		}
		rc = lb_shm_check_header(&h, (uint64_t)st.st_size, err, errlen);
		if (rc)
			return rc;
		if (h.ring_cap != ring_cap) {
			lb_shm_set_err(err, errlen, "existing file has ring capacity %u, not %u",
				       h.ring_cap, ring_cap);
			return -EINVAL;
		}
	}
	m->size = size;
	m->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		lb_shm_set_err(err, errlen, "mmap: %s", strerror(errno));
		return -ENOMEM;
	}
	if (fresh)
		init_header(m->base, ring_cap, size, ot, ol, orr);
	lb_shm_map_sections(m);
	m->hdr->writer_pid = (uint32_t)getpid();
	return 0;
}

struct lbt *lbt_shm_new(const char *path, uint32_t ring_cap)
{
	struct lbt_shm *w;
	char err[160] = "";

	if (!path || ring_cap < 1 || ring_cap > LB_RING_SIZE_MAX) {
		fprintf(stderr, "lbtables_shm: bad arguments (ring capacity %u)\n", ring_cap);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->base.ops = &shm_ops;
	w->map.fd = -1;
	w->wait_ms = 2000;
	snprintf(w->path, sizeof(w->path), "%s", path);
	if (open_writer(w, path, ring_cap, err, sizeof(err))) {
		fprintf(stderr, "lbtables_shm %s: %s\n", path, err);
		lbt_shm_free(&w->base);
		return NULL;
	}
	return &w->base;
}

void lbt_shm_free(struct lbt *t)
{
	if (!t)
		return;
	lb_shm_detach(&SHM(t)->map); /* closing the fd drops the writer lock */
	free(t);
}

struct lb_shm_map *lbt_shm_map(struct lbt *t)
{
	return &SHM(t)->map;
}

void lbt_shm_set_wait_ms(struct lbt *t, uint32_t ms)
{
	SHM(t)->wait_ms = ms;
}

int lbt_shm_unlink(const char *path)
{
	return unlink(path) ? -errno : 0;
}
