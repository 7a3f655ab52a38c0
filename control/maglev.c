/* SPDX-License-Identifier: MIT */
/*
 * maglev.c - builds Maglev lookup rings: key hashing, weighted population, deterministic order.
 * The algorithm and the hash are specified in maglev.h.
 *
 * Speed: occupancy is a bitmap (M bits: 8 KiB for the default ring, fits in L1), each backend's
 * walk keeps its current slot and adds skip with one conditional subtraction instead of a
 * modulo, and the ring is written once per slot. Equal weights (the common case) take turns in
 * a plain round-robin loop; mixed weights take turns from a min-heap keyed by (round, index),
 * which gives the same order as looping over every backend in every round, in O(M log N).
 */
#include "control/maglev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ull
#define FNV64_PRIME        0x100000001b3ull

/* Where one backend is in its permutation. */
struct maglev_cursor {
	uint32_t pos; /* next preferred slot to try */
	uint32_t skip;
};

/* Scratch state of one population; lives only inside maglev_populate(). */
struct maglev_work {
	uint32_t m;
	size_t n;                  /* backends with non-zero weight */
	uint64_t *taken;           /* occupancy bitmap, m bits */
	struct maglev_cursor *cur; /* [n] */
	uint32_t *id;              /* [n] */
	uint32_t *weight;          /* [n] */
	uint32_t max_weight;
	bool equal_weights;
};

bool maglev_is_prime(uint32_t m)
{
	if (m < 2)
		return false;
	if (m % 2 == 0)
		return m == 2;
	for (uint32_t d = 3; (uint64_t)d * d <= m; d += 2) {
		if (m % d == 0)
			return false;
	}
	return true;
}

static bool ring_size_valid(uint32_t m)
{
	return m <= MAGLEV_M_MAX && maglev_is_prime(m);
}

static uint64_t fmix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

uint64_t maglev_key_hash(const char *key, uint64_t seed)
{
	uint64_t h = FNV64_OFFSET_BASIS ^ seed;

	for (const unsigned char *c = (const unsigned char *)key; *c; c++) {
		h ^= *c;
		h *= FNV64_PRIME;
	}
	return fmix64(h);
}

/* m must be a valid ring size: the primality test costs more than the hashing. */
static void perm_from_key(const char *key, uint32_t m, uint32_t *offset, uint32_t *skip)
{
	*offset = (uint32_t)(maglev_key_hash(key, MAGLEV_SEED_OFFSET) % m);
	/* (m - 1) is never 0 for a prime m. */
	*skip = (uint32_t)(maglev_key_hash(key, MAGLEV_SEED_SKIP) % (m - 1)) + 1;
}

int maglev_perm_from_key(const char *key, uint32_t m, uint32_t *offset, uint32_t *skip)
{
	if (!key || !offset || !skip || !ring_size_valid(m))
		return -EINVAL;
	perm_from_key(key, m, offset, skip);
	return 0;
}

static int validate_perms(const struct maglev_perm *perm, size_t n, uint32_t m)
{
	if (!ring_size_valid(m) || n > m || (n > 0 && !perm))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct maglev_perm *p = &perm[i];

		if (p->weight > MAGLEV_WEIGHT_MAX || p->id == LB_NO_BACKEND || p->offset >= m ||
		    p->skip == 0 || p->skip >= m)
			return -EINVAL;
	}
	return 0;
}

static void work_free(struct maglev_work *w)
{
	free(w->taken);
	free(w->cur);
	free(w->id);
	free(w->weight);
}

/* Copies the backends of non-zero weight into w; w->n == 0 means there is none. */
static int work_init(struct maglev_work *w, const struct maglev_perm *perm, size_t n, uint32_t m)
{
	size_t active = 0;

	memset(w, 0, sizeof(*w));
	w->m = m;
	for (size_t i = 0; i < n; i++)
		active += perm[i].weight > 0;
	if (active == 0)
		return 0;

	w->taken = calloc((m + 63) / 64, sizeof(*w->taken));
	w->cur = malloc(active * sizeof(*w->cur));
	w->id = malloc(active * sizeof(*w->id));
	w->weight = malloc(active * sizeof(*w->weight));
	if (!w->taken || !w->cur || !w->id || !w->weight) {
		work_free(w);
		return -ENOMEM;
	}

	w->equal_weights = true;
	for (size_t i = 0; i < n; i++) {
		const struct maglev_perm *p = &perm[i];

		if (p->weight == 0)
			continue;
		w->cur[w->n] = (struct maglev_cursor){.pos = p->offset, .skip = p->skip};
		w->id[w->n] = p->id;
		w->weight[w->n] = p->weight;
		if (w->n > 0 && p->weight != w->max_weight)
			w->equal_weights = false;
		if (p->weight > w->max_weight)
			w->max_weight = p->weight;
		w->n++;
	}
	return 0;
}

/*
 * Walks backend i's permutation to its first free slot, claims it and returns it. There must be
 * a free slot: skip is coprime with the prime m, so the walk visits every slot.
 */
static inline uint32_t claim_next_slot(struct maglev_work *w, size_t i)
{
	uint64_t *taken = w->taken;
	uint32_t m = w->m;
	uint32_t skip = w->cur[i].skip;
	uint32_t pos = w->cur[i].pos;

	while (taken[pos >> 6] & (1ull << (pos & 63))) {
		pos += skip;
		if (pos >= m)
			pos -= m;
	}
	taken[pos >> 6] |= 1ull << (pos & 63);

	uint32_t next = pos + skip;

	w->cur[i].pos = next >= m ? next - m : next;
	return pos;
}

/* Every backend takes one turn per round. */
static void populate_round_robin(struct maglev_work *w, uint32_t *ring)
{
	uint32_t filled = 0;

	for (;;) {
		for (size_t i = 0; i < w->n; i++) {
			ring[claim_next_slot(w, i)] = w->id[i];
			if (++filled == w->m)
				return;
		}
	}
}

/* Round of backend i's next turn after it has taken `turns` turns (see maglev.h). */
static uint64_t next_turn_round(const struct maglev_work *w, size_t i, uint64_t turns)
{
	return 1 + (turns * w->max_weight + w->weight[i] - 1) / w->weight[i];
}

static void heap_sift_down(uint64_t *heap, size_t n, size_t at)
{
	uint64_t item = heap[at];

	for (;;) {
		size_t child = 2 * at + 1;

		if (child >= n)
			break;
		if (child + 1 < n && heap[child + 1] < heap[child])
			child++;
		if (heap[child] >= item)
			break;
		heap[at] = heap[child];
		at = child;
	}
	heap[at] = item;
}

/*
 * Turns ordered by (round, backend index): heap items are round << 32 | index. Rounds stay below
 * 2^32: at most 1 + (m - 1) * MAGLEV_WEIGHT_MAX.
 */
static int populate_weighted(struct maglev_work *w, uint32_t *ring)
{
	uint64_t *heap = malloc(w->n * sizeof(*heap));
	uint32_t *turns = calloc(w->n, sizeof(*turns));

	if (!heap || !turns) {
		free(heap);
		free(turns);
		return -ENOMEM;
	}
	/* All first turns are in round 1; ascending index order is already a valid heap. */
	for (size_t i = 0; i < w->n; i++)
		heap[i] = 1ull << 32 | i;

	for (uint32_t filled = 0; filled < w->m; filled++) {
		size_t i = (size_t)(heap[0] & 0xffffffffu);

		ring[claim_next_slot(w, i)] = w->id[i];
		turns[i]++;
		heap[0] = next_turn_round(w, i, turns[i]) << 32 | i;
		heap_sift_down(heap, w->n, 0);
	}
	free(heap);
	free(turns);
	return 0;
}

static void fill_empty(uint32_t *ring, uint32_t m)
{
	for (uint32_t s = 0; s < m; s++)
		ring[s] = LB_NO_BACKEND;
}

int maglev_populate(const struct maglev_perm *perm, size_t n, uint32_t m, uint32_t *ring)
{
	struct maglev_work w;
	int err;

	if (!ring)
		return -EINVAL;
	err = validate_perms(perm, n, m);
	if (err)
		return err;
	err = work_init(&w, perm, n, m);
	if (err)
		return err;

	if (w.n == 0)
		fill_empty(ring, m);
	else if (w.equal_weights)
		populate_round_robin(&w, ring);
	else
		err = populate_weighted(&w, ring);
	work_free(&w);
	return err;
}

static int compare_backends(const void *pa, const void *pb)
{
	const struct maglev_backend *a = *(const struct maglev_backend *const *)pa;
	const struct maglev_backend *b = *(const struct maglev_backend *const *)pb;
	int by_key = strcmp(a->key, b->key);

	if (by_key)
		return by_key;
	if (a->id != b->id)
		return a->id < b->id ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight < b->weight ? -1 : 1;
	return 0;
}

/* Fills perm[] with the backends in key order. */
static int perms_in_key_order(const struct maglev_backend *b, size_t n, uint32_t m,
			      struct maglev_perm *perm)
{
	const struct maglev_backend **order = malloc(n * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = &b[i];
	qsort(order, n, sizeof(*order), compare_backends);

	for (size_t i = 0; i < n; i++) {
		struct maglev_perm *p = &perm[i];

		perm_from_key(order[i]->key, m, &p->offset, &p->skip);
		p->weight = order[i]->weight;
		p->id = order[i]->id;
	}
	free(order);
	return 0;
}

int maglev_build(const struct maglev_backend *b, size_t n, uint32_t m, uint32_t *ring)
{
	struct maglev_perm *perm;
	int err;

	if (!ring || !ring_size_valid(m) || n > m || (n > 0 && !b))
		return -EINVAL;
	if (n == 0)
		return maglev_populate(NULL, 0, m, ring);
	for (size_t i = 0; i < n; i++) {
		if (!b[i].key)
			return -EINVAL;
	}

	perm = malloc(n * sizeof(*perm));
	if (!perm)
		return -ENOMEM;
	err = perms_in_key_order(b, n, m, perm);
	if (!err)
		err = maglev_populate(perm, n, m, ring);
	free(perm);
	return err;
}
