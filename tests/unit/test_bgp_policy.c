// SPDX-License-Identifier: MIT
/*
 * test_bgp_policy.c - announce/withdraw policy with hold-down, driven by a fake clock: immediate
 * first announcement, immediate withdrawal, re-announcement only after hold_down of
 * uninterrupted health, and the daemon-side health predicate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "control/bgp/policy.h"

#define S(x) ((uint64_t)(x)*1000000000ull)

static void test_first_announce_is_immediate(void **state)
{
	struct bgp_prefix_policy p;
	bgp_policy_init(&p, S(30));
	assert_int_equal(bgp_policy_update(&p, false, S(0)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_update(&p, true, S(1)), BGP_POLICY_ANNOUNCE);
	assert_int_equal(bgp_policy_update(&p, true, S(2)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_due_ns(&p), 0);
}

static void test_withdraw_is_immediate(void **state)
{
	struct bgp_prefix_policy p;
	bgp_policy_init(&p, S(30));
	bgp_policy_update(&p, true, S(0));
	assert_int_equal(bgp_policy_update(&p, false, S(5)), BGP_POLICY_WITHDRAW);
	assert_int_equal(bgp_policy_update(&p, false, S(6)), BGP_POLICY_NONE);
}

static void test_hold_down_after_withdraw(void **state)
{
	struct bgp_prefix_policy p;
	bgp_policy_init(&p, S(30));
	bgp_policy_update(&p, true, S(0));
	bgp_policy_update(&p, false, S(10));
	assert_int_equal(bgp_policy_update(&p, true, S(11)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_due_ns(&p), S(41));
	assert_int_equal(bgp_policy_update(&p, true, S(40)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_update(&p, true, S(41)), BGP_POLICY_ANNOUNCE);
	assert_int_equal(bgp_policy_due_ns(&p), 0);
}

static void test_flap_restarts_hold_down(void **state)
{
	struct bgp_prefix_policy p;
	bgp_policy_init(&p, S(30));
	bgp_policy_update(&p, true, S(0));
	bgp_policy_update(&p, false, S(10));
	bgp_policy_update(&p, true, S(11));
	assert_int_equal(bgp_policy_update(&p, false, S(30)), BGP_POLICY_NONE); /* flap */
	assert_int_equal(bgp_policy_due_ns(&p), 0);
	assert_int_equal(bgp_policy_update(&p, true, S(35)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_update(&p, true, S(41)),
			 BGP_POLICY_NONE); /* would have been due */
	assert_int_equal(bgp_policy_update(&p, true, S(64)), BGP_POLICY_NONE);
	assert_int_equal(bgp_policy_update(&p, true, S(65)), BGP_POLICY_ANNOUNCE);
}

static void test_zero_hold_down(void **state)
{
	struct bgp_prefix_policy p;
	bgp_policy_init(&p, 0);
	bgp_policy_update(&p, true, S(0));
	assert_int_equal(bgp_policy_update(&p, false, S(1)), BGP_POLICY_WITHDRAW);
	assert_int_equal(bgp_policy_update(&p, true, S(1)), BGP_POLICY_ANNOUNCE);
}

static void test_prefix_healthy(void **state)
{
	unsigned int healthy[] = {3, 2, 5};
	assert_true(bgp_policy_prefix_healthy(true, healthy, 3, 2));
	assert_false(bgp_policy_prefix_healthy(true, healthy, 3, 3));
	assert_false(bgp_policy_prefix_healthy(false, healthy, 3, 1));
	assert_false(bgp_policy_prefix_healthy(true, healthy, 0, 1));
	assert_true(bgp_policy_prefix_healthy(true, healthy, 1, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_announce_is_immediate),
	    cmocka_unit_test(test_withdraw_is_immediate),
	    cmocka_unit_test(test_hold_down_after_withdraw),
	    cmocka_unit_test(test_flap_restarts_hold_down),
	    cmocka_unit_test(test_zero_hold_down),
	    cmocka_unit_test(test_prefix_healthy),
	};
	return cmocka_run_group_tests_name("bgp_policy", tests, NULL, NULL);
}
