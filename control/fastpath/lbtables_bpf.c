// SPDX-License-Identifier: MIT
/*
 * lbtables_bpf.c - the table interface (lbtables.h) on the XDP runner's BPF maps. Rings are
 * replaced whole: a new mmap-able inner array is filled through mmap (no syscall per slot) and
 * swapped into the outer array-of-maps with a single update, so packets see the old ring or the new
 * one. VIP entries go to the `vips` hash map and are mirrored into the seqlocked vip_slots array
 * (lb_maps.h) through mmap. The node record is written through mmap too, so that its vip_epoch,
 * moved after every VIP write (struct lb_conn), changes with one aligned store.
 */
#include "control/fastpath/lbtables.h"
#include "dataplane/core/lb_maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

/* Per VIP: its double-buffered ring (inner map) mapped into our memory. */
struct ring_state {
	int fd;            /* inner map; -1: not created / adopted yet */
	uint32_t *slots;   /* mmap of its 2 * ring_size values (each in an 8-byte cell) */
	uint64_t flip_seq; /* grace.flips when this VIP last flipped; 0: never */
};

/*
 * Grace periods, waited for off the caller's thread. After a flip, the half that went idle may
 * still be read by XDP programs that started before it; it may be rewritten only after an RCU
 * grace period. A worker thread waits for one after every flip (by re-installing an inner map,
 * which makes the kernel wait for running programs), so by the time the same VIP changes again
 * the wait is usually over and set_ring never blocks the daemon's event loop.
 */
struct grace {
	pthread_mutex_t lock;
	pthread_cond_t wake, done;
	pthread_t thread;
	bool started, stop;
	uint64_t flips;     /* flips so far */
	uint64_t covered;   /* every flip up to this one is followed by a full grace period */
	uint32_t probe_vip; /* a VIP whose inner map the worker re-installs */
	int probe_fd;
	int error; /* last failure of the worker, reported by the next set_ring */
};

/* ring_active: LB_MAX_VIPS u32 values in 8-byte cells, page-rounded */
#define ACTIVE_MAP_BYTES (((size_t)LB_MAX_VIPS * 8 + 4095) & ~(size_t)4095)
/* node_cfg: one value, page-rounded */
#define NODE_MAP_BYTES (((size_t)sizeof(struct lb_node_cfg) + 4095) & ~(size_t)4095)
/* vip_slots: 40-byte values (a multiple of 8: no cell padding), page-rounded */
#define VIP_SLOTS_BYTES (((size_t)LB_VIP_SLOTS * sizeof(struct lb_vip_slot) + 4095) & ~(size_t)4095)
_Static_assert(sizeof(struct lb_vip_slot) % 8 == 0, "vip_slots values must fill their cells");

struct lbt_bpf {
	struct lbt base;
	struct lbt_bpf_fds fd;
	uint32_t ring_size;
	int ncpus;
	struct lb_node_cfg *node;  /* mmap of node_cfg */
	volatile uint32_t *active; /* mmap of ring_active: 1 or 2 per VIP, 0 none */
	struct lb_vip_slot *slots; /* mmap of vip_slots; NULL: the program has none */
	struct ring_state ring[LB_MAX_VIPS];
	struct grace grace;
};

static struct lbt_bpf *to_bpf(struct lbt *t)
{
	return (struct lbt_bpf *)t;
}

static int map_put(int fd, const void *key, const void *val)
{
	return bpf_map_update_elem(fd, key, val, BPF_ANY) ? -errno : 0;
}

/* A VIP entry changed: connection entries stamped before must look their VIP up again. */
static void vip_epoch_bump(struct lbt_bpf *b)
{
	uint32_t epoch = __atomic_load_n(&b->node->vip_epoch, __ATOMIC_RELAXED);

	__atomic_store_n(&b->node->vip_epoch, epoch + 1, __ATOMIC_RELEASE);
}

/* Everything but vip_epoch as the caller says; the epoch is ours, and moves. */
static int bpf_set_node(struct lbt *t, const struct lb_node_cfg *node)
{
	struct lbt_bpf *b = to_bpf(t);

	_Static_assert(offsetof(struct lb_node_cfg, vip_epoch) + sizeof(node->vip_epoch) ==
			   sizeof(*node),
		       "vip_epoch is the node record's last field");
	memcpy(b->node, node, offsetof(struct lb_node_cfg, vip_epoch));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vip_epoch_bump(b);
	return 0;
}

static int bpf_set_filter(struct lbt *t, const struct lb_vip_filter *filter)
{
	uint32_t zero = 0;
	return map_put(to_bpf(t)->fd.vip_filter, &zero, filter);
}

/*
 * Rewrite one slot under its seqlock (edgelbd is the only writer): seq odd, contents, seq even.
 * The release fences keep the contents' stores after the first seq store and before the second.
 */
static void vip_slot_write(struct lb_vip_slot *slot, const struct lb_vip_key *key,
			   const struct lb_vip_meta *meta)
{
	uint32_t seq = __atomic_load_n(&slot->seq, __ATOMIC_RELAXED) | 1;

	__atomic_store_n(&slot->seq, seq, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (key) {
		slot->key = *key;
		slot->meta = *meta;
	} else {
		memset(&slot->key, 0, sizeof(slot->key));
		memset(&slot->meta, 0, sizeof(slot->meta));
	}
	__atomic_store_n(&slot->seq, seq + 1, __ATOMIC_RELEASE);
}

/* Fill an empty slot with the first `vips` key that belongs there, if any. */
static int vip_slot_refill(struct lbt_bpf *b, uint32_t idx)
{
	struct lb_vip_key key, next;
	struct lb_vip_meta meta;
	int rc = bpf_map_get_next_key(b->fd.vips, NULL, &next);

	while (!rc) {
		key = next;
		if (lb_vip_slot_index(&key) == idx &&
		    !bpf_map_lookup_elem(b->fd.vips, &key, &meta)) {
			vip_slot_write(&b->slots[idx], &key, &meta);
			return 0;
		}
		rc = bpf_map_get_next_key(b->fd.vips, &key, &next);
	}
	return errno == ENOENT ? 0 : -errno;
}

/* Make every slot agree with `vips`: stale or orphaned slots emptied, empty ones refilled. */
static int vip_slots_resync(struct lbt_bpf *b)
{
	for (uint32_t idx = 0; idx < LB_VIP_SLOTS; idx++) {
		struct lb_vip_slot *slot = &b->slots[idx];
		struct lb_vip_key key = slot->key;
		struct lb_vip_meta meta;
		int rc;

		if (key.family) {
			if (!bpf_map_lookup_elem(b->fd.vips, &key, &meta) &&
			    lb_vip_slot_index(&key) == idx) {
				if (memcmp(&meta, &slot->meta, sizeof(meta)))
					vip_slot_write(slot, &key, &meta);
				continue;
			}
			vip_slot_write(slot, NULL, NULL);
		}
		rc = vip_slot_refill(b, idx);
		if (rc)
			return rc;
	}
	return 0;
}

/* `vips` first, then the slot: a packet that misses the slot finds the new entry in `vips`. */
static int bpf_set_vip(struct lbt *t, const struct lb_vip_key *key, const struct lb_vip_meta *meta)
{
	struct lbt_bpf *b = to_bpf(t);
	struct lb_vip_slot *slot;
	int rc = map_put(b->fd.vips, key, meta);

	if (rc)
		return rc;
	if (b->slots) {
		slot = &b->slots[lb_vip_slot_index(key)];
		if (!slot->key.family || lb_vip_key_eq(&slot->key, key))
			vip_slot_write(slot, key, meta);
	}
	vip_epoch_bump(b);
	return 0;
}

/* The slot first, then `vips`; then another key of that slot, if any, moves in. */
static int bpf_del_vip(struct lbt *t, const struct lb_vip_key *key)
{
	struct lbt_bpf *b = to_bpf(t);
	uint32_t idx = lb_vip_slot_index(key);
	int emptied = 0, rc = 0;

	if (b->slots && lb_vip_key_eq(&b->slots[idx].key, key)) {
		vip_slot_write(&b->slots[idx], NULL, NULL);
		emptied = 1;
	}
	if (bpf_map_delete_elem(b->fd.vips, key) && errno != ENOENT)
		rc = -errno;
	else if (emptied)
		rc = vip_slot_refill(b, idx);
	vip_epoch_bump(b);
	return rc;
}

/* Array map values live in 8-byte cells: value i of a u32 array is at u32 index 2 * i. */
static size_t ring_map_bytes(uint32_t ring_size)
{
	return ((size_t)2 * ring_size * 8 + 4095) & ~(size_t)4095;
}

static int ring_map_create(uint32_t ring_size)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_MMAPABLE);
	int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "edgelb_ring", sizeof(uint32_t),
				sizeof(uint32_t), 2 * ring_size, &opts);

	return fd < 0 ? -errno : fd;
}

int lbt_bpf_prepare_rings(struct bpf_map *rings, uint32_t ring_size)
{
	int fd = ring_map_create(ring_size), rc;

	if (fd < 0)
		return fd;
	rc = bpf_map__set_inner_map_fd(rings, fd);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

static void grace_note_flip(struct lbt_bpf *b, uint32_t vip_id, struct ring_state *rs);

/*
 * The VIP's ring map: created and installed on first use, or adopted from the outer map when a
 * restarted daemon finds the fast path already running.
 */
static int ring_attach(struct lbt_bpf *b, uint32_t vip_id, struct ring_state *rs)
{
	uint32_t inner_id;
	bool adopted = false;
	int fd, rc;

	if (!bpf_map_lookup_elem(b->fd.rings, &vip_id, &inner_id) &&
	    (fd = bpf_map_get_fd_by_id(inner_id)) >= 0) {
		adopted = true;
	} else {
		fd = ring_map_create(b->ring_size);
		if (fd < 0)
			return fd;
		if (bpf_map_update_elem(b->fd.rings, &vip_id, &fd, BPF_ANY)) {
			rc = -errno;
			close(fd);
			return rc;
		}
	}
	rs->slots =
	    mmap(NULL, ring_map_bytes(b->ring_size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (rs->slots == MAP_FAILED) {
		rc = -errno;
		rs->slots = NULL;
		close(fd);
		return rc;
	}
	rs->fd = fd;
	if (adopted) /* its last flip is unknown: the first rewrite waits for a grace period */
		grace_note_flip(b, vip_id, rs);
	return 0;
}

static void *grace_worker(void *arg)
{
	struct lbt_bpf *b = arg;
	struct grace *g = &b->grace;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (!g->stop && g->covered == g->flips)
			pthread_cond_wait(&g->wake, &g->lock);
		if (g->stop)
			break;
		uint64_t target = g->flips;
		uint32_t vip = g->probe_vip;
		int fd = g->probe_fd;

		pthread_mutex_unlock(&g->lock);
		int rc = bpf_map_update_elem(b->fd.rings, &vip, &fd, BPF_ANY) ? -errno : 0;
		pthread_mutex_lock(&g->lock);
		if (rc)
			g->error = rc;
		g->covered = target; /* failed or not: never wait forever on the worker */
		pthread_cond_broadcast(&g->done);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* Started on the first flip, not at creation: edgelbd may fork (daemonize) after creating us. */
static int grace_start(struct lbt_bpf *b)
{
	struct grace *g = &b->grace;

	if (g->started)
		return 0;
	if (pthread_create(&g->thread, NULL, grace_worker, b))
		return -EAGAIN;
	g->started = true;
	return 0;
}

/* A flip of this VIP happened; ask the worker for a grace period after it. */
static void grace_note_flip(struct lbt_bpf *b, uint32_t vip_id, struct ring_state *rs)
{
	struct grace *g = &b->grace;

	pthread_mutex_lock(&g->lock);
	rs->flip_seq = ++g->flips;
	g->probe_vip = vip_id;
	g->probe_fd = rs->fd;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

/* Before rewriting this VIP's idle half: wait until its last flip is covered by a grace period. */
static int grace_wait(struct lbt_bpf *b, struct ring_state *rs)
{
	struct grace *g = &b->grace;
	int rc;

	pthread_mutex_lock(&g->lock);
	while (rs->flip_seq > g->covered)
		pthread_cond_wait(&g->done, &g->lock);
	rc = g->error;
	g->error = 0;
	pthread_mutex_unlock(&g->lock);
	return rc;
}

static void grace_stop(struct lbt_bpf *b)
{
	struct grace *g = &b->grace;

	if (!g->started)
		return;
	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->thread, NULL);
	g->started = false;
}

static int bpf_set_ring(struct lbt *t, uint32_t vip_id, const uint32_t *ring, uint32_t size)
{
	struct lbt_bpf *b = to_bpf(t);
	struct ring_state *rs;
	uint32_t live, next, *half;
	int rc;

	if (size != b->ring_size || vip_id >= LB_MAX_VIPS || !b->active)
		return -EINVAL;
	rs = &b->ring[vip_id];
	if (!rs->slots && (rc = ring_attach(b, vip_id, rs)))
		return rc;
	rc = grace_start(b);
	if (rc)
		return rc;
	live = b->active[2 * vip_id]; /* 8-byte cells */
	next = live == 1 ? 2 : 1;
	rc = grace_wait(b, rs);
	if (rc)
		return rc;
	half = rs->slots + (size_t)2 * (next - 1) * size;
	for (uint32_t i = 0; i < size; i++)
		half[2 * (size_t)i] = ring[i];
	/* publish: the ring's contents before the selector (x86 keeps stores in order; the
	 * release makes the compiler keep them too) */
	__atomic_store_n(&b->active[2 * vip_id], next, __ATOMIC_RELEASE);
	grace_note_flip(b, vip_id, rs);
	return 0;
}

static int bpf_set_backend(struct lbt *t, uint32_t id, const struct lb_backend *be)
{
	return map_put(to_bpf(t)->fd.backends, &id, be);
}

/* Per-CPU values come back one per possible CPU, each padded to 8 bytes; ours are u64 arrays. */
static int percpu_sum(struct lbt_bpf *b, int fd, uint32_t key, uint64_t *sum, size_t words)
{
	uint64_t *vals = calloc((size_t)b->ncpus, words * sizeof(uint64_t));

	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, vals)) {
		int rc = -errno;
		free(vals);
		return rc;
	}
	memset(sum, 0, words * sizeof(uint64_t));
	for (int cpu = 0; cpu < b->ncpus; cpu++)
		for (size_t w = 0; w < words; w++)
			sum[w] += vals[(size_t)cpu * words + w];
	free(vals);
	return 0;
}

static int bpf_read_global(struct lbt *t, struct lb_global_stats *sum)
{
	return percpu_sum(to_bpf(t), to_bpf(t)->fd.global_stats, 0, (uint64_t *)sum,
			  sizeof(*sum) / sizeof(uint64_t));
}

static int bpf_read_vip_stats(struct lbt *t, uint32_t vip_id, struct lb_vip_stats *sum)
{
	return percpu_sum(to_bpf(t), to_bpf(t)->fd.vip_stats, vip_id, (uint64_t *)sum,
			  sizeof(*sum) / sizeof(uint64_t));
}

static int bpf_read_backend_stats(struct lbt *t, uint32_t id, struct lb_backend_stats *sum)
{
	return percpu_sum(to_bpf(t), to_bpf(t)->fd.backend_stats, id, (uint64_t *)sum,
			  sizeof(*sum) / sizeof(uint64_t));
}

/* Zero every slot of the per-CPU connection cache (values for all CPUs at once). */
static int clear_conn_cache(struct lbt_bpf *b)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	void *zeros;

	if (b->fd.conn_cache <= 0)
		return 0;
	if (bpf_obj_get_info_by_fd(b->fd.conn_cache, &info, &len))
		return -errno;
	zeros = calloc((size_t)b->ncpus, (info.value_size + 7) & ~7u);
	if (!zeros)
		return -ENOMEM;
	for (__u32 k = 0; k < info.max_entries; k++)
		bpf_map_update_elem(b->fd.conn_cache, &k, zeros, BPF_ANY);
	free(zeros);
	return 0;
}

static int bpf_clear_conns(struct lbt *t)
{
	int fd = to_bpf(t)->fd.conns;
	struct lb_flow key, next;
	int rc = bpf_map_get_next_key(fd, NULL, &key);

	while (!rc) {
		rc = bpf_map_get_next_key(fd, &key, &next);
		bpf_map_delete_elem(fd, &key);
		key = next;
	}
	return clear_conn_cache(to_bpf(t));
}

static int find_map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	return map ? bpf_map__fd(map) : -1;
}

const char *lbt_bpf_kconfig(void)
{
	struct utsname uts;
	char path[128 + sizeof(uts.release)];

	if (uname(&uts) == 0) {
		snprintf(path, sizeof(path), "/boot/config-%s", uts.release);
		if (access(path, R_OK) == 0)
			return NULL;
	}
	return access("/proc/config.gz", R_OK) == 0 ? NULL : LBT_BPF_KCONFIG_STANDIN;
}

int lbt_bpf_fds_from_obj(struct bpf_object *obj, struct lbt_bpf_fds *fds)
{
	*fds = (struct lbt_bpf_fds){
	    .node_cfg = find_map_fd(obj, "node_cfg"),
	    .vip_filter = find_map_fd(obj, "vip_filter"),
	    .vips = find_map_fd(obj, "vips"),
	    .rings = find_map_fd(obj, "rings"),
	    .backends = find_map_fd(obj, "backends"),
	    .conns = find_map_fd(obj, "conns"),
	    .global_stats = find_map_fd(obj, "global_stats"),
	    .vip_stats = find_map_fd(obj, "vip_stats"),
	    .backend_stats = find_map_fd(obj, "backend_stats"),
	    .conn_cache = find_map_fd(obj, "conn_cache"),
	    .ring_active = find_map_fd(obj, "ring_active"),
	    .vip_slots = find_map_fd(obj, "vip_slots"),
	};
	if (fds->node_cfg < 0 || fds->vip_filter < 0 || fds->vips < 0 || fds->rings < 0 ||
	    fds->backends < 0 || fds->conns < 0 || fds->global_stats < 0 || fds->vip_stats < 0 ||
	    fds->backend_stats < 0 || fds->ring_active < 0)
		return -ENOENT;
	if (fds->conn_cache < 0)
		fds->conn_cache = 0;
	if (fds->vip_slots < 0)
		fds->vip_slots = 0;
	return 0;
}

static const struct lbt_ops bpf_ops = {
    .set_node = bpf_set_node,
    .set_filter = bpf_set_filter,
    .set_vip = bpf_set_vip,
    .del_vip = bpf_del_vip,
    .set_ring = bpf_set_ring,
    .set_backend = bpf_set_backend,
    .read_global = bpf_read_global,
    .read_vip_stats = bpf_read_vip_stats,
    .read_backend_stats = bpf_read_backend_stats,
    .clear_conns = bpf_clear_conns,
};

struct lbt *lbt_bpf_new(const struct lbt_bpf_fds *fds, uint32_t ring_size)
{
	struct lbt_bpf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->base.ops = &bpf_ops;
	b->fd = *fds;
	b->ring_size = ring_size;
	b->ncpus = libbpf_num_possible_cpus();
	for (int i = 0; i < LB_MAX_VIPS; i++)
		b->ring[i].fd = -1;
	pthread_mutex_init(&b->grace.lock, NULL);
	pthread_cond_init(&b->grace.wake, NULL);
	pthread_cond_init(&b->grace.done, NULL);
	if (fds->ring_active > 0) {
		void *mem = mmap(NULL, ACTIVE_MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fds->ring_active, 0);

		b->active = mem == MAP_FAILED ? NULL : mem;
	}
	{
		void *mem = mmap(NULL, NODE_MAP_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fds->node_cfg, 0);

		b->node = mem == MAP_FAILED ? NULL : mem;
	}
	if (fds->vip_slots > 0) {
		void *mem = mmap(NULL, VIP_SLOTS_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fds->vip_slots, 0);

		if (mem == MAP_FAILED) {
			lbt_bpf_free(&b->base);
			return NULL;
		}
		b->slots = mem;
	}
	if (b->ncpus <= 0 || !b->active || !b->node || (b->slots && vip_slots_resync(b))) {
		lbt_bpf_free(&b->base);
		return NULL;
	}
	return &b->base;
}

void lbt_bpf_free(struct lbt *t)
{
	struct lbt_bpf *b = to_bpf(t);

	if (!t)
		return;
	grace_stop(b); /* before closing the fds the worker may use */
	for (int i = 0; i < LB_MAX_VIPS; i++) {
		if (b->ring[i].slots)
			munmap(b->ring[i].slots, ring_map_bytes(b->ring_size));
		if (b->ring[i].fd >= 0)
			close(b->ring[i].fd);
	}
	if (b->active)
		munmap((void *)b->active, ACTIVE_MAP_BYTES);
	if (b->node)
		munmap(b->node, NODE_MAP_BYTES);
	if (b->slots)
		munmap(b->slots, VIP_SLOTS_BYTES);
	pthread_mutex_destroy(&b->grace.lock);
	pthread_cond_destroy(&b->grace.wake);
	pthread_cond_destroy(&b->grace.done);
	free(b);
}
