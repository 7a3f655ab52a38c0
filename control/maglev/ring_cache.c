// SPDX-License-Identifier: MIT
/* ring_cache.c - precomputed Maglev rings keyed by exact membership (see ring_cache.h). */
#include "control/maglev/ring_cache.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MEMBER_MAX 64 /* VIPs with more backends are simply not cached */

/* One backend of a membership, in a canonical order (by slot id). */
struct member {
	uint32_t id;
	uint32_t weight;
	uint64_t key_hash;
};

struct entry {
	bool used;
	uint32_t vip_id;
	uint64_t last_use;
	size_t n;
	struct member members[MEMBER_MAX];
	uint32_t *ring;
};

struct ring_cache {
	uint32_t ring_size;
	size_t n_entries;
	uint64_t clock;
	struct entry *entries;
};

static int member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The canonical form of b[]; false if it does not fit. */
static bool canonical(const struct maglev_backend *b, size_t n, struct member *out)
{
	if (n > MEMBER_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		out[i] =
		    (struct member){b[i].id, b[i].weight, maglev_key_hash(b[i].key, 0x52494e47)};
	qsort(out, n, sizeof(*out), member_cmp);
	return true;
}

static struct entry *find(struct ring_cache *c, uint32_t vip_id, const struct member *m, size_t n)
{
	for (size_t i = 0; i < c->n_entries; i++) {
		struct entry *e = &c->entries[i];

		if (e->used && e->vip_id == vip_id && e->n == n &&
		    !memcmp(e->members, m, n * sizeof(*m)))
			return e;
	}
	return NULL;
}

struct ring_cache *ring_cache_new(uint32_t ring_size, size_t max_bytes)
{
	struct ring_cache *c = calloc(1, sizeof(*c));
	size_t n = max_bytes / ((size_t)ring_size * sizeof(uint32_t));

	if (!c)
		return NULL;
	c->ring_size = ring_size;
	c->n_entries = n ? n : 1;
	c->entries = calloc(c->n_entries, sizeof(*c->entries));
	if (!c->entries) {
		free(c);
		return NULL;
	}
	return c;
}

void ring_cache_free(struct ring_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_entries; i++)
		free(c->entries[i].ring);
	free(c->entries);
	free(c);
}

const uint32_t *ring_cache_get(struct ring_cache *c, uint32_t vip_id,
			       const struct maglev_backend *b, size_t n)
{
	struct member m[MEMBER_MAX];
	struct entry *e;

	if (!canonical(b, n, m) || !(e = find(c, vip_id, m, n)))
		return NULL;
	e->last_use = ++c->clock;
	return e->ring;
}

int ring_cache_put(struct ring_cache *c, uint32_t vip_id, const struct maglev_backend *b, size_t n,
		   const uint32_t *ring)
{
	struct member m[MEMBER_MAX];
	struct entry *e, *victim = &c->entries[0];

	if (!canonical(b, n, m))
		return -E2BIG;
	e = find(c, vip_id, m, n);
	if (!e) {
		for (size_t i = 0; i < c->n_entries; i++) {
			struct entry *x = &c->entries[i];

			if (!x->used) {
				victim = x;
				break;
			}
			if (x->last_use < victim->last_use)
				victim = x;
		}
		e = victim;
	}
	if (!e->ring) {
		e->ring = malloc((size_t)c->ring_size * sizeof(uint32_t));
		if (!e->ring)
			return -ENOMEM;
	}
	memcpy(e->ring, ring, (size_t)c->ring_size * sizeof(uint32_t));
	e->used = true;
	e->vip_id = vip_id;
	e->n = n;
	memcpy(e->members, m, n * sizeof(*m));
	e->last_use = ++c->clock;
	return 0;
}

void ring_cache_drop_vip(struct ring_cache *c, uint32_t vip_id)
{
	for (size_t i = 0; i < c->n_entries; i++)
		if (c->entries[i].vip_id == vip_id)
			c->entries[i].used = false;
}

size_t ring_cache_capacity(const struct ring_cache *c)
{
	return c->n_entries;
}
