// SPDX-License-Identifier: MIT
/*
 * test_fixtures_align.c - the packet core's alignment contract (dataplane/core/parse.h: a frame
 * may start at any byte address): every scenario of tests/xdp/fixtures.py through the userspace
 * runner with its frame placed at each of the eight addresses mod 8, setup packets too, under
 * UBSan with -fno-sanitize-recover (tests/unit/align.mk), so that any header read or written at
 * an alignment its type does not allow stops the run with the file and line. Each placement
 * must also owe exactly what the fixture owes (verdict, output frame, counters), as it does in
 * tests/xdp/test_fixtures at the runner's default placement.
 *
 *   test_fixtures_align [--offset N]... [--case PATTERN]
 *
 * N: the frame's address mod 8 (0-7; default all). XDP gives frames at 0 mod 8 (the IP header
 * at 2 mod 4), an outer IPv4 header moves the frame to 4 mod 8, an mbuf's default headroom
 * gives 0 mod 8 too.
 */
#include <errno.h>
#include <fnmatch.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/user/user_tables.h"

#include "tests/xdp/fx_check.h"
#include "tests/xdp/fx_tables.h"

#define NCASES      (sizeof(fx_cases) / sizeof(fx_cases[0]))
#define NUSER_CASES (sizeof(fx_user_cases) / sizeof(fx_user_cases[0]))

#define CONN_ENTRIES 4096
#define HEADROOM     256 /* before the 8-aligned base: room for any outer header */

static struct {
	struct lb_user_tables *tables;
	struct fx_tables ft;
	struct lb_backend backends[LB_MAX_BACKENDS];
	unsigned offset; /* the frame's address mod 8 in this test */
	const char *pattern;
} env;

/* One frame through the userspace runner, at the current offset; the verdict or -errno. */
static int run_user(const unsigned char *in, unsigned in_len, unsigned headroom, unsigned char *out,
		    size_t *out_len)
{
	static unsigned char buf[HEADROOM + 8 + 2048] __attribute__((aligned(64)));
	unsigned char *frame = buf + HEADROOM + env.offset;
	unsigned room = headroom ? headroom : HEADROOM + env.offset;
	struct lb_pkt pkt = {.data = frame, .end = frame + in_len};
	struct lb_result res;

	if (in_len > sizeof(buf) - HEADROOM - 8 || room > HEADROOM + env.offset)
		return -EMSGSIZE;
	memcpy(frame, in, in_len);
	lb_user_run(env.tables, &pkt, frame - room, &res);
	*out_len = (size_t)((unsigned char *)pkt.end - (unsigned char *)pkt.data);
	memcpy(out, pkt.data, *out_len);
	return res.verdict;
}

/* The scenario on fresh tables: setup, then the frame; non-zero on any mismatch. */
static int run_case(const struct fx_case *c)
{
	struct lbt *t;
	struct lb_global_stats before, after;
	struct lb_vip_stats vb = {0};
	struct lb_backend_stats bb = {0};
	unsigned char out[1024];
	size_t out_len = sizeof(out);
	char label[160];
	int verdict, bad = 0;

	env.tables = lb_user_tables_new(CONN_ENTRIES);
	assert_non_null(env.tables);
	t = &env.tables->base;
	assert_int_equal(fx_apply_topology(t, env.backends), 0);
	fx_tables_init(&env.ft, t, env.backends);
	snprintf(label, sizeof(label), "offset %u [%s]", env.offset, c->name);
	for (int i = 0; i < c->nsetup && !bad; i++) {
		const struct fx_action *a = &c->setup[i];

		out_len = sizeof(out);
		if (a->kind != FX_ACT_PACKET)
			bad = fx_tables_apply(&env.ft, a) != 0;
		else
			bad = run_user(a->in, a->in_len, 0, out, &out_len) != a->verdict;
		if (bad)
			fprintf(stderr, "  %s: setup step %d failed\n", label, i);
	}
	if (!bad) {
		t->ops->read_global(t, &before);
		if (c->vip >= 0 && c->backend >= 0) {
			t->ops->read_vip_stats(t, c->vip, &vb);
			t->ops->read_backend_stats(t, c->backend, &bb);
		}
		out_len = sizeof(out);
		verdict = run_user(c->in, c->in_len, c->headroom, out, &out_len);
		if (verdict != c->verdict) {
			fprintf(stderr, "  %s: verdict %d, want %d\n", label, verdict, c->verdict);
			bad = 1;
		}
		if (verdict >= 0 && (out_len != c->out_len || memcmp(out, c->out, out_len))) {
			fx_hexdump_diff(label, out, out_len, c->out, c->out_len);
			bad = 1;
		}
		t->ops->read_global(t, &after);
		bad |= fx_check_counters(label, c, &before, &after);
		bad |= fx_check_flow_stats(label, t, c, &vb, &bb);
	}
	lb_user_tables_free(env.tables);
	env.tables = NULL;
	return bad;
}

static void test_offset(void **state)
{
	int bad = 0, ran = 0;

	env.offset = (unsigned)(uintptr_t)*state;
	for (size_t i = 0; i < NCASES + NUSER_CASES; i++) {
		const struct fx_case *c = i < NCASES ? &fx_cases[i] : &fx_user_cases[i - NCASES];

		if (env.pattern && fnmatch(env.pattern, c->name, 0))
			continue;
		bad |= run_case(c);
		ran++;
	}
	assert_true(ran > 0);
	if (bad)
		fail_msg("frames at %u mod 8: see the mismatches above", env.offset);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--offset 0-7]... [--case PATTERN]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	static const char *names[8] = {"frame_at_0_mod_8", "frame_at_1_mod_8", "frame_at_2_mod_8",
				       "frame_at_3_mod_8", "frame_at_4_mod_8", "frame_at_5_mod_8",
				       "frame_at_6_mod_8", "frame_at_7_mod_8"};
	struct CMUnitTest tests[8];
	int want[8] = {0}, any = 0, n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--offset") && i + 1 < argc) {
			char *e;
			long o = strtol(argv[++i], &e, 10);

			if (*e || o < 0 || o > 7)
				usage(argv[0]);
			want[o] = any = 1;
		} else if (!strcmp(argv[i], "--case") && i + 1 < argc) {
			env.pattern = argv[++i];
		} else {
			usage(argv[0]);
		}
	}
	fx_initial_backends(env.backends);
	for (int o = 0; o < 8; o++) {
		if (any && !want[o])
			continue;
		tests[n] = (struct CMUnitTest){.name = names[o],
					       .test_func = test_offset,
					       .initial_state = (void *)(uintptr_t)o};
		n++;
	}
	return _cmocka_run_group_tests("fixtures_align", tests, (size_t)n, NULL, NULL);
}
