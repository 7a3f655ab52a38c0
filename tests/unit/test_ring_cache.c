// SPDX-License-Identifier: MIT
/*
 * test_ring_cache.c - the cache of rings computed ahead (control/maglev/ring_cache.c): a ring comes back
 * only for exactly the membership it was built from, in any order; a changed weight, name or slot
 * misses; the least recently used ring makes room; dropping a VIP forgets its rings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/maglev/ring_cache.h"

#define M 13

static const uint32_t ring_a[M] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1};
static const uint32_t ring_b[M] = {2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2};

static void test_exact_membership_any_order(void **state)
{
	struct ring_cache *c = ring_cache_new(M, 3 * M * sizeof(uint32_t));
	struct maglev_backend in[] = {{"gpu-1", 1, 100}, {"gpu-2", 2, 100}, {"gpu-3", 3, 50}};
	struct maglev_backend shuffled[] = {{"gpu-3", 3, 50}, {"gpu-1", 1, 100}, {"gpu-2", 2, 100}};
	struct maglev_backend heavier[] = {{"gpu-1", 1, 100}, {"gpu-2", 2, 100}, {"gpu-3", 3, 60}};
	struct maglev_backend renamed[] = {{"gpu-1", 1, 100}, {"gpu-2", 2, 100}, {"gpu-9", 3, 50}};
	const uint32_t *r;

	assert_non_null(c);
	assert_int_equal(ring_cache_capacity(c), 3);
	assert_null(ring_cache_get(c, 0, in, 3));
	assert_int_equal(ring_cache_put(c, 0, in, 3, ring_a), 0);
	r = ring_cache_get(c, 0, shuffled, 3);
	assert_non_null(r);
	assert_memory_equal(r, ring_a, sizeof(ring_a));
	assert_null(ring_cache_get(c, 0, heavier, 3));
	assert_null(ring_cache_get(c, 0, renamed, 3));
	assert_null(ring_cache_get(c, 0, in, 2)); /* one backend fewer is another ring */
	assert_null(ring_cache_get(c, 1, in, 3)); /* another VIP */
	ring_cache_free(c);
}

static void test_lru_eviction_and_drop(void **state)
{
	struct ring_cache *c = ring_cache_new(M, 2 * M * sizeof(uint32_t));
	struct maglev_backend one[] = {{"a", 1, 1}}, two[] = {{"b", 2, 1}}, three[] = {{"c", 3, 1}};

	assert_int_equal(ring_cache_put(c, 0, one, 1, ring_a), 0);
	assert_int_equal(ring_cache_put(c, 0, two, 1, ring_b), 0);
	assert_non_null(ring_cache_get(c, 0, one, 1)); /* "two" is now the least recently used */
	assert_int_equal(ring_cache_put(c, 0, three, 1, ring_b), 0);
	assert_non_null(ring_cache_get(c, 0, one, 1));
	assert_null(ring_cache_get(c, 0, two, 1));
	assert_non_null(ring_cache_get(c, 0, three, 1));
	/* replacing an existing membership updates it in place */
	assert_int_equal(ring_cache_put(c, 0, one, 1, ring_b), 0);
	assert_memory_equal(ring_cache_get(c, 0, one, 1), ring_b, sizeof(ring_b));
	ring_cache_drop_vip(c, 0);
	assert_null(ring_cache_get(c, 0, one, 1));
	assert_null(ring_cache_get(c, 0, three, 1));
	ring_cache_free(c);
}

static void test_cached_ring_is_the_built_ring(void **state)
{
	struct ring_cache *c = ring_cache_new(65537, 8u << 20);
	static uint32_t built[65537], again[65537];
	struct maglev_backend b[] = {{"b1", 0, 100}, {"b2", 1, 100}, {"b3", 2, 200}};

	assert_int_equal(maglev_build(b, 2, 65537, built), 0); /* the ring without b3 */
	assert_int_equal(ring_cache_put(c, 7, b, 2, built), 0);
	assert_int_equal(maglev_build(b, 2, 65537, again), 0);
	assert_memory_equal(ring_cache_get(c, 7, b, 2), again, sizeof(again));
	ring_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_membership_any_order),
	    cmocka_unit_test(test_lru_eviction_and_drop),
	    cmocka_unit_test(test_cached_ring_is_the_built_ring),
	};
	return cmocka_run_group_tests_name("ring_cache", tests, NULL, NULL);
}
