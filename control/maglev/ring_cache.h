/* SPDX-License-Identifier: MIT */
/*
 * ring_cache.h - Maglev rings computed ahead of need. Building a ring of 65537 slots takes about
 * a millisecond (Maglev's population is a coupon-collector walk); a backend's death should cost
 * less than that. So while nothing happens, edgelbd computes for each VIP the rings it would
 * need if any one backend of its current ring died, and keeps them here, keyed by the exact
 * membership (backend keys, slot ids, weights) they were built from. A lookup with the same
 * membership returns the very ring maglev_build() would return; anything else misses.
 */
#ifndef EDGELB_CONTROL_RING_CACHE_H
#define EDGELB_CONTROL_RING_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "control/maglev/maglev.h"

struct ring_cache;

/* Room for as many rings of ring_size slots as fit in max_bytes (at least one). */
struct ring_cache *ring_cache_new(uint32_t ring_size, size_t max_bytes);
void ring_cache_free(struct ring_cache *c);

/* The ring for this VIP and membership (any order of b[]), or NULL. */
const uint32_t *ring_cache_get(struct ring_cache *c, uint32_t vip_id,
			       const struct maglev_backend *b, size_t n);

/* Store a ring built from b[] (replaces the least recently used entry when full). */
int ring_cache_put(struct ring_cache *c, uint32_t vip_id, const struct maglev_backend *b, size_t n,
		   const uint32_t *ring);

/* Forget a VIP's rings (removed VIP, changed ring size). */
void ring_cache_drop_vip(struct ring_cache *c, uint32_t vip_id);

size_t ring_cache_capacity(const struct ring_cache *c);

#endif
