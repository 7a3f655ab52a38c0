/* SPDX-License-Identifier: MIT */
/*
 * maglev.c - builds Maglev lookup rings: key hashing, weighted population, deterministic order.
 * The algorithm and the hash are specified in maglev.h.
 *
 * Speed: occupancy is a bitmap (M bits: 8 KiB for the default ring, fits in L1), each backend's
 * walk keeps its current slot and adds skip with one conditional subtraction instead of a
 * modulo, and the ring is written once per slot. Turns are taken by looping over all backends
 * round after round, which is cheapest for equal or similar weights; when a few heavy backends
 * would leave that loop visiting mostly idle light ones, turns come from a min-heap keyed by
 * (round, index) instead: the same order in O(M log N).
 */
#include "control/maglev/maglev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FNV64_OFFSET_BASIS 0xcbf29ce484222325ull
#define FNV64_PRIME        0x100000001b3ull

/* One backend's place in its permutation and in the turn order. */
struct maglev_cursor {
	uint32_t pos; /* next preferred slot to try */
	uint32_t skip;
	uint32_t weight;
	uint32_t credit; /* round loop: weight gained toward the next turn; heap: turns taken */
};

/* Scratch state of one population; lives only inside maglev_populate(). */
struct maglev_work {
	uint32_t m;
	size_t n;                  /* backends with non-zero weight */
	uint64_t *taken;           /* occupancy bitmap, m bits */
	struct maglev_cursor *cur; /* [n] */
	uint32_t *id;              /* [n] */
	uint32_t max_weight;
	uint64_t total_weight;
	uint32_t left;       /* free slots */
	uint32_t tail_slots; /* with this few free slots left, claim from free_slot[] */
	uint32_t *free_slot; /* [tail_slots]: the free slots, once left <= tail_slots */
	bool free_listed;    /* free_slot[] filled */
};

/*
 * The round loop visits every backend in every round, n * max_weight / total_weight visits per
 * slot filled: 1 for equal weights, about 2 for weights spread evenly over 1..1000, but up to
 * 1000 when a few heavy backends share the ring with many light ones. Past this many visits per
 * slot the heap (a few tens of nanoseconds per slot) is faster.
 */
#define ROUND_LOOP_MAX_VISITS_PER_SLOT 16

/* The last sqrt(m / TAIL_DIV) slots (at least TAIL_MIN) are claimed from a free list. */
#define TAIL_DIV 4
#define TAIL_MIN 8

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
	free(w->free_slot);
}

static uint32_t isqrt(uint32_t x)
{
	uint32_t r = 0;

	while ((uint64_t)(r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/*
 * Walking costs about m / left probes per turn once few slots are left, searching the free list
 * about left: the two meet near sqrt(m). Measured best a little below that.
 */
static uint32_t tail_size(uint32_t m)
{
	uint32_t tail = isqrt(m / TAIL_DIV);

	return tail < TAIL_MIN ? TAIL_MIN : tail;
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

	w->left = m;
	w->tail_slots = tail_size(m);
	w->taken = calloc((m + 63) / 64, sizeof(*w->taken));
	w->cur = malloc(active * sizeof(*w->cur));
	w->id = malloc(active * sizeof(*w->id));
	w->free_slot = malloc(w->tail_slots * sizeof(*w->free_slot));
	if (!w->taken || !w->cur || !w->id || !w->free_slot) {
		work_free(w);
		return -ENOMEM;
	}

	for (size_t i = 0; i < n; i++) {
		const struct maglev_perm *p = &perm[i];

		if (p->weight == 0)
			continue;
		w->cur[w->n] = (struct maglev_cursor){
		    .pos = p->offset,
		    .skip = p->skip,
		    .weight = p->weight,
		};
		w->id[w->n] = p->id;
		if (p->weight > w->max_weight)
			w->max_weight = p->weight;
		w->total_weight += p->weight;
		w->n++;
	}
	return 0;
}

static inline bool slot_taken(const uint64_t *taken, uint32_t slot)
{
	return taken[slot >> 6] & (1ull << (slot & 63));
}

/*
 * The backend's first free slot along its permutation, found by walking it. There is one: skip
 * is coprime with the prime m, so the walk visits every slot.
 */
static inline uint32_t walk_to_free_slot(const struct maglev_work *w, const struct maglev_cursor *c)
{
	uint32_t pos = c->pos;

	while (slot_taken(w->taken, pos)) {
		pos += c->skip;
		if (pos >= w->m)
			pos -= w->m;
	}
	return pos;
}

/* x such that a * x = 1 (mod m), for a prime m and 0 < a < m (extended Euclid). */
static uint32_t inverse_mod(uint32_t a, uint32_t m)
{
	int64_t t = 0, next_t = 1, r = m, next_r = a;

	while (next_r != 0) {
		int64_t q = r / next_r, tmp;

		tmp = t - q * next_t;
		t = next_t;
		next_t = tmp;
		tmp = r - q * next_r;
		r = next_r;
		next_r = tmp;
	}
	return (uint32_t)(t < 0 ? t + m : t);
}

/* The free slots, a bitmap word at a time (the bits past m in the last word are never set). */
static void collect_free_slots(struct maglev_work *w)
{
	uint32_t n = 0;

	for (uint32_t word = 0; word < (w->m + 63) / 64; word++) {
		uint64_t free_bits = ~w->taken[word];

		while (free_bits) {
			uint32_t s = word * 64 + (uint32_t)__builtin_ctzll(free_bits);

			if (s >= w->m)
				break;
			w->free_slot[n++] = s;
			free_bits &= free_bits - 1;
		}
	}
	w->free_listed = true;
}

/*
 * The same slot as walk_to_free_slot(), found from the other side: slot s lies
 * (s - pos) / skip (mod m) steps ahead on the walk, and the nearest free slot wins. Slots behind
 * pos on the walk were all taken when the backend passed them, and slots never free up. Removes
 * the slot from the free list.
 */
static uint32_t nearest_free_slot(struct maglev_work *w, const struct maglev_cursor *c)
{
	uint64_t inverse = inverse_mod(c->skip, w->m);
	uint64_t best_steps = UINT64_MAX;
	uint32_t best = 0, slot;

	for (uint32_t k = 0; k < w->left; k++) {
		uint64_t steps = (uint64_t)(w->free_slot[k] + w->m - c->pos) * inverse % w->m;

		if (steps < best_steps) {
			best_steps = steps;
			best = k;
		}
	}
	slot = w->free_slot[best];
	w->free_slot[best] = w->free_slot[w->left - 1];
	return slot;
}

/*
 * Claims the backend's next slot and returns it. Walking the permutation gets slow as the ring
 * fills (m / left probes per turn on average), so the last tail_slots turns search the list of
 * free slots instead.
 */
static inline uint32_t claim_next_slot(struct maglev_work *w, struct maglev_cursor *c)
{
	uint32_t slot, next;

	if (w->left > w->tail_slots) {
		slot = walk_to_free_slot(w, c);
	} else {
		if (!w->free_listed)
			collect_free_slots(w);
		slot = nearest_free_slot(w, c);
	}
	w->taken[slot >> 6] |= 1ull << (slot & 63);
	w->left--;
	next = slot + c->skip;
	c->pos = next >= w->m ? next - w->m : next;
	return slot;
}

/*
 * Every round, every backend gains its weight in credit and takes a turn when the credit reaches
 * max_weight. Starting at max_weight - weight puts every first turn in round 1 (maglev.h).
 */
static void populate_by_rounds(struct maglev_work *w, uint32_t *ring)
{
	uint32_t max_weight = w->max_weight;
	uint32_t filled = 0;

	for (size_t i = 0; i < w->n; i++)
		w->cur[i].credit = max_weight - w->cur[i].weight;
	for (;;) {
		for (size_t i = 0; i < w->n; i++) {
			struct maglev_cursor *c = &w->cur[i];

			c->credit += c->weight;
			if (c->credit < max_weight)
				continue;
			c->credit -= max_weight;
			ring[claim_next_slot(w, c)] = w->id[i];
			if (++filled == w->m)
				return;
		}
	}
}

/* Round of the backend's next turn after it has taken `turns` turns (maglev.h). */
static uint64_t next_turn_round(uint32_t max_weight, uint32_t weight, uint64_t turns)
{
	return 1 + (turns * max_weight + weight - 1) / weight;
}

static void heap_sift_down(uint64_t *heap, size_t n, size_t at)
{
	uint64_t item = heap[at];

	for (;;) {
		size_t child = 2 * at + 1;

		if (child >= n)
			break;
		/* Branch-free choice of the smaller child: which one is smaller is a coin flip. */
		child += child + 1 < n && heap[child + 1] < heap[child];
		if (heap[child] >= item)
			break;
		heap[at] = heap[child];
		at = child;
	}
	heap[at] = item;
}

/*
 * The same turn order as populate_by_rounds(), (round, backend index), taken from a min-heap of
 * round << 32 | index: O(log n) per slot whatever the weights. Rounds stay below 2^32: at most
 * 1 + (m - 1) * MAGLEV_WEIGHT_MAX. cur[].credit counts turns taken.
 */
static int populate_by_heap(struct maglev_work *w, uint32_t *ring)
{
	uint64_t *heap = malloc(w->n * sizeof(*heap));

	if (!heap)
		return -ENOMEM;
	/* All first turns are in round 1; ascending index order is already a valid heap. */
	for (size_t i = 0; i < w->n; i++) {
		heap[i] = 1ull << 32 | i;
		w->cur[i].credit = 0;
	}

	for (uint32_t filled = 0; filled < w->m; filled++) {
		size_t i = (size_t)(heap[0] & 0xffffffffu);
		struct maglev_cursor *c = &w->cur[i];

		ring[claim_next_slot(w, c)] = w->id[i];
		c->credit++;
		heap[0] = next_turn_round(w->max_weight, c->weight, c->credit) << 32 | i;
		heap_sift_down(heap, w->n, 0);
	}
	free(heap);
	return 0;
}

static bool round_loop_is_cheap(const struct maglev_work *w)
{
	return (uint64_t)w->n * w->max_weight <= ROUND_LOOP_MAX_VISITS_PER_SLOT * w->total_weight;
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
	else if (round_loop_is_cheap(&w))
		populate_by_rounds(&w, ring);
	else
		err = populate_by_heap(&w, ring);
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
