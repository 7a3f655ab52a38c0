// SPDX-License-Identifier: MIT
/*
 * test_announce.c - edgelbd's BGP glue (control/daemon/announce.c) without peers or network: a
 * daemon struct with hand-made VIPs, the real speaker (no sessions) and event loop, and what the
 * speaker holds as announced (bgp_announced) after VIP health changes: a prefix is announced only
 * while the fast path is attached and every VIP it covers is healthy, withdrawn at once otherwise,
 * re-announced only after the hold-down; drain-node withdraws everything after the drain wait,
 * undrain-node brings the routes back; the API text answers follow.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/daemon/announce.h"
#include "control/api/api.h"
#include "control/bgp/bgp.h"

#define N_VIPS 3

struct fixture {
	struct edgelbd d;
	struct edgelb_config cfg;
	struct config_bgp_announce announce[2];
	struct ed_vip vips[N_VIPS];
	struct ed_vip *vip_ptrs[N_VIPS];
	struct ed_announce *a;
};

static void set_ip4(struct config_ip *ip, const char *text, uint8_t b3)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = LB_AF_INET;
	ip->addr.b[0] = 10, ip->addr.b[1] = 99, ip->addr.b[2] = 0, ip->addr.b[3] = b3;
	snprintf(ip->text, sizeof(ip->text), "%s", text);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->d.loop = evloop_new();
	assert_non_null(f->d.loop);
	f->d.cfg = &f->cfg;
	f->d.attached = true;
	f->cfg.bgp.present = true;
	f->cfg.bgp.local_as = 65001;
	set_ip4(&f->cfg.bgp.router_id, "10.99.0.1", 1);
	f->cfg.bgp.hold_time = 9;
	f->cfg.bgp.connect_retry_sec = 1;
	f->cfg.bgp.hold_down_sec = 1;
	f->cfg.bgp.drain_wait_sec = 0;
	/* 10.99.0.10/32 covers VIP 0; 10.99.0.128/25 covers VIPs 1 and 2 */
	f->announce[0].prefix.family = LB_AF_INET;
	f->announce[0].prefix.len = 32;
	f->announce[0].prefix.addr.b[0] = 10, f->announce[0].prefix.addr.b[1] = 99;
	f->announce[0].prefix.addr.b[3] = 10;
	snprintf(f->announce[0].prefix.text, CONFIG_ADDR_TEXT_MAX, "10.99.0.10/32");
	f->announce[1].prefix = f->announce[0].prefix;
	f->announce[1].prefix.len = 25;
	f->announce[1].prefix.addr.b[3] = 128;
	snprintf(f->announce[1].prefix.text, CONFIG_ADDR_TEXT_MAX, "10.99.0.128/25");
	f->cfg.bgp.announce = f->announce;
	f->cfg.bgp.n_announce = 2;
	set_ip4(&f->vips[0].cfg.address, "10.99.0.10", 10);
	set_ip4(&f->vips[1].cfg.address, "10.99.0.130", 130);
	set_ip4(&f->vips[2].cfg.address, "10.99.0.131", 131);
	for (int i = 0; i < N_VIPS; i++) {
		snprintf(f->vips[i].cfg.name, CONFIG_NAME_MAX, "vip%d", i);
		f->vips[i].healthy = true;
		f->vip_ptrs[i] = &f->vips[i];
	}
	f->d.vips = f->vip_ptrs;
	f->d.n_vips = N_VIPS;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	announce_free(f->a);
	evloop_free(f->d.loop);
	free(f);
	return 0;
}

/* Runs the loop for about ms milliseconds (deferred evaluations, hold-down and drain timers). */
static void run_for(struct fixture *f, int ms)
{
	uint64_t end = evloop_now_ns() + (uint64_t)ms * 1000000u;

	do
		evloop_run_once(f->d.loop, 10);
	while (evloop_now_ns() < end);
}

/* Bit i set: announce[i]'s prefix is announced by the speaker. */
static unsigned int announced(struct fixture *f)
{
	struct bgp_route routes[8];
	size_t n = announce_routes(f->a, routes, 8);
	unsigned int mask = 0;

	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 2; p++)
			if (routes[i].prefix.len == f->announce[p].prefix.len &&
			    !memcmp(routes[i].prefix.addr.b, f->announce[p].prefix.addr.b, 16))
				mask |= 1u << p;
	return mask;
}

static void set_health(struct fixture *f, int vip, bool healthy)
{
	f->vips[vip].healthy = healthy;
	f->d.observer.vip_health(f->d.observer.arg, &f->vips[vip], healthy);
}

static void start(struct fixture *f)
{
	assert_int_equal(announce_start(&f->d, &f->a), 0);
	assert_non_null(f->a);
}

static void test_no_bgp_section_no_speaker(void **state)
{
	struct fixture *f = *state;

	f->cfg.bgp.present = false;
	assert_int_equal(announce_start(&f->d, &f->a), 0);
	assert_null(f->a);
	assert_null(f->d.observer.vip_health);
}

static void test_healthy_prefixes_announced_at_once(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_for(f, 20);
	assert_int_equal(announced(f), 3);
}

static void test_every_covered_vip_must_be_healthy(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_for(f, 20);
	set_health(f, 2, false); /* one of the /25's two VIPs */
	run_for(f, 20);
	assert_int_equal(announced(f), 1);
	set_health(f, 0, false);
	run_for(f, 20);
	assert_int_equal(announced(f), 0);
}

static void test_reannounce_only_after_hold_down(void **state)
{
	struct fixture *f = *state;
	struct textbuf tb = {0};

	start(f);
	run_for(f, 20);
	set_health(f, 0, false);
	run_for(f, 20);
	assert_int_equal(announced(f) & 1, 0);
	set_health(f, 0, true);
	run_for(f, 500); /* hold-down is 1 s */
	assert_int_equal(announced(f) & 1, 0);
	api_handle(&f->d, f->a, "json bgp", &tb);
	assert_non_null(strstr(tb.data, "\"prefix\":\"10.99.0.10/32\",\"state\":\"held-down\""));
	tb_free(&tb);
	run_for(f, 700);
	assert_int_equal(announced(f) & 1, 1);
}

static void test_flap_restarts_hold_down(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_for(f, 20);
	set_health(f, 0, false);
	run_for(f, 20);
	set_health(f, 0, true);
	run_for(f, 600);
	set_health(f, 0, false); /* flaps inside the hold-down */
	run_for(f, 20);
	set_health(f, 0, true);
	run_for(f, 600); /* 1.2 s after the first recovery, 0.6 s after the second */
	assert_int_equal(announced(f) & 1, 0);
	run_for(f, 600);
	assert_int_equal(announced(f) & 1, 1);
}

static void test_detached_fast_path_withdraws(void **state)
{
	struct fixture *f = *state;

	start(f);
	run_for(f, 20);
	f->d.attached = false;
	set_health(f, 1, true); /* any hook call re-evaluates */
	run_for(f, 20);
	assert_int_equal(announced(f), 0);
}

static void test_drain_and_undrain(void **state)
{
	struct fixture *f = *state;
	struct textbuf tb = {0};

	start(f);
	run_for(f, 20);
	api_handle(&f->d, f->a, "text drain-node", &tb);
	assert_non_null(strstr(tb.data, "ok\nnode draining"));
	tb_free(&tb);
	assert_int_equal(announce_node_state(f->a), ED_BGP_DRAINING);
	run_for(f, 20); /* drain_wait_sec 0 */
	assert_int_equal(announce_node_state(f->a), ED_BGP_DRAINED);
	assert_int_equal(announced(f), 0);
	set_health(f, 0, true); /* health changes do not announce while drained */
	run_for(f, 20);
	assert_int_equal(announced(f), 0);
	api_handle(&f->d, f->a, "text drain-node", &tb);
	assert_string_equal(tb.data, "error node is already drained\n");
	tb_free(&tb);
	api_handle(&f->d, f->a, "json undrain-node", &tb);
	assert_string_equal(tb.data, "ok\n{\"node_state\":\"active\"}\n");
	tb_free(&tb);
	run_for(f, 20);
	assert_int_equal(announced(f), 3); /* no hold-down after an operator drain */
	api_handle(&f->d, f->a, "text undrain-node", &tb);
	assert_string_equal(tb.data, "error node is already active\n");
	tb_free(&tb);
}

static void test_broken_prefix_withdrawn_during_drain_wait(void **state)
{
	struct fixture *f = *state;

	f->cfg.bgp.drain_wait_sec = 5;
	start(f);
	run_for(f, 20);
	assert_int_equal(announce_drain_node(f->a, false), 0);
	run_for(f, 20);
	assert_int_equal(announced(f), 3); /* still announced, with GRACEFUL_SHUTDOWN */
	set_health(f, 0, false);
	run_for(f, 20);
	assert_int_equal(announced(f), 2);
	set_health(f, 0, true); /* not back while draining */
	run_for(f, 20);
	assert_int_equal(announced(f), 2);
	assert_int_equal(announce_node_state(f->a), ED_BGP_DRAINING);
}

static void test_status_and_metrics_text(void **state)
{
	struct fixture *f = *state;
	struct textbuf tb = {0};

	start(f);
	run_for(f, 20);
	announce_summary(f->a, false, &tb);
	assert_string_equal(tb.data,
			    "active, 0 of 0 sessions established, 2 of 2 prefixes announced");
	tb_free(&tb);
	announce_metrics(f->a, &tb);
	assert_non_null(strstr(
	    tb.data,
	    "edgelb_bgp_prefix_announced{prefix=\"10.99.0.128/25\",state=\"announced\"} 1\n"));
	assert_non_null(strstr(tb.data, "edgelb_bgp_node_draining 0\n"));
	tb_free(&tb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_no_bgp_section_no_speaker, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_healthy_prefixes_announced_at_once, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_every_covered_vip_must_be_healthy, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_reannounce_only_after_hold_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flap_restarts_hold_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_detached_fast_path_withdraws, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drain_and_undrain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broken_prefix_withdrawn_during_drain_wait, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_status_and_metrics_text, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
