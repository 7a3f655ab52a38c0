/* SPDX-License-Identifier: MIT */
/*
 * maglev.h - Maglev consistent hashing (Eisenbud et al., NSDI 2016): builds the lookup ring of
 * M slots that the fast path indexes with a flow hash. Weighted, and deterministic: every node
 * of a region builds the byte-identical ring from the same backends, whatever their order.
 *
 * Two steps, usable separately:
 *   hashing     a backend's stable key (its name or address text) -> (offset, skip)
 *   population  (offset, skip, weight, id) of every backend -> ring
 *
 * The key hash is part of the cross-node contract, so it is specified here, not only coded:
 *   h = 0xcbf29ce484222325 (FNV-1a 64 offset basis) XOR seed
 *   for each byte c of the key (unsigned, in order): h = (h XOR c) * 0x100000001b3
 *   h = fmix64(h)   (murmur3's finalizer: h ^= h >> 33; h *= 0xff51afd7ed558ccd; h ^= h >> 33;
 *                    h *= 0xc4ceb9fe1a85ec53; h ^= h >> 33)
 *   offset = hash(key, MAGLEV_SEED_OFFSET) % M
 *   skip   = hash(key, MAGLEV_SEED_SKIP) % (M - 1) + 1
 *
 * Population: backends take turns in rounds, in the order given. A backend of weight w takes its
 * k-th turn (k = 1, 2, ...) in round 1 + ceil((k - 1) * max_weight / w), so every backend takes
 * its first turn in round 1 and a max-weight backend one turn per round; within a round, turns go
 * in backend order. A turn walks the backend's permutation (offset, offset + skip, ... mod M) to
 * its first free slot and claims it. Weight 0 excludes a backend.
 */
#ifndef EDGELB_CONTROL_MAGLEV_H
#define EDGELB_CONTROL_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/tables.h"

#define MAGLEV_WEIGHT_MAX 1000
#define MAGLEV_M_MAX      LB_RING_SIZE_MAX
#define MAGLEV_M_DEFAULT  LB_RING_SIZE_DEF

/* Seeds of the two key hashes (ASCII "mgl-offs" and "mgl-skip"). */
#define MAGLEV_SEED_OFFSET 0x6d676c2d6f666673ull
#define MAGLEV_SEED_SKIP   0x6d676c2d736b6970ull

/* One backend as the population step sees it: its permutation, weight and ring value. */
struct maglev_perm {
	uint32_t offset; /* first preferred slot, < M */
	uint32_t skip;   /* step between preferred slots, 1 .. M - 1 */
	uint32_t weight; /* 0 (excluded) .. MAGLEV_WEIGHT_MAX */
	uint32_t id;     /* value written into the slots it owns; never LB_NO_BACKEND */
};

/* One backend as the daemon knows it. */
struct maglev_backend {
	const char *key; /* stable identity (name or address text); decides the permutation */
	uint32_t id;     /* value written into the slots it owns; never LB_NO_BACKEND */
	uint32_t weight; /* 0 (excluded) .. MAGLEV_WEIGHT_MAX */
};

/* True if m is a prime number (the ring size must be one). */
bool maglev_is_prime(uint32_t m);

/* The key hash specified above. */
uint64_t maglev_key_hash(const char *key, uint64_t seed);

/*
 * The backend's permutation for ring size m. Returns 0, or -EINVAL if key is NULL or m is not a
 * prime <= MAGLEV_M_MAX.
 */
int maglev_perm_from_key(const char *key, uint32_t m, uint32_t *offset, uint32_t *skip);

/*
 * Fills ring[0 .. m-1] from n backends, taking turns in the order of perm[]. With no backend of
 * non-zero weight every slot is LB_NO_BACKEND. Returns 0, or a negative errno with ring untouched:
 * -EINVAL for m not prime or > MAGLEV_M_MAX, n > m, a weight > MAGLEV_WEIGHT_MAX, an offset or
 * skip out of range, an id equal to LB_NO_BACKEND, or a NULL pointer; -ENOMEM.
 */
int maglev_populate(const struct maglev_perm *perm, size_t n, uint32_t m, uint32_t *ring);

/*
 * Hashes every backend's key, orders the backends by key (then id, then weight, so that even a
 * duplicate key gives one answer) and populates the ring. The result does not depend on the
 * order of b[]. Errors as maglev_populate(), plus -EINVAL for a NULL key.
 */
int maglev_build(const struct maglev_backend *b, size_t n, uint32_t m, uint32_t *ring);

#endif
