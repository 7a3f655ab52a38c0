// SPDX-License-Identifier: MIT
/*
 * test_fixtures.c - every scenario of tests/xdp/fixtures.py through the XDP program
 * (BPF_PROG_TEST_RUN) and through the userspace runner of the same packet core: the verdict, the
 * whole output frame byte for byte, and the exact change of every global counter, per VIP and per
 * backend counters for forwarded packets. Both runners must match the expectation, so they match
 * each other (parity). Every scenario has its own tables: the XDP program's are reset to the
 * topology (no connection entries, the first backends and rings), the userspace runner's made
 * anew, and then the scenario's setup is applied (backend states, rings, the packets that make
 * the entries it needs). So any scenario runs alone:
 *
 *   test_fixtures [--case PATTERN]... [--list]
 *
 * PATTERN: a scenario's name, or a cmocka pattern (* and ?); several --case run all they name.
 *
 * Built twice (tests/xdp/xdp.mk): test_fixtures_general has the userspace runner compiled with
 * -DLB_NO_FAST_COMMON (lb_process() without lb_fast_common), and so proves, against the same
 * expectations byte for byte, that the general way decides every frame the straight line takes
 * as the straight line does. Its XDP side is the same program as test_fixtures'.
 */
#include <errno.h>
#include <fnmatch.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/lb.skel.h"
#include "tests/xdp/lb_loader.h"
#include "control/fastpath/lbtables.h"
#include "dataplane/user/user_tables.h"

#include "tests/xdp/fx_check.h"
#include "tests/xdp/fx_tables.h"

#define NCASES      (sizeof(fx_cases) / sizeof(fx_cases[0]))
#define NUSER_CASES (sizeof(fx_user_cases) / sizeof(fx_user_cases[0]))

#define USER_CONN_ENTRIES 4096
#define USER_HEADROOM     258 /* the default: room for any outer header, 2 mod 4 */

static struct {
	struct lb *skel;
	struct fx_tables xdp;  /* the XDP program's tables: reset before every scenario */
	struct fx_tables user; /* the current scenario's userspace runner's tables */
	struct lb_user_tables *user_tables;
	struct lb_backend backends[LB_MAX_BACKENDS]; /* as both runners' tables start */
} env;

static int group_setup(void **state)
{
	struct lbt *xdp;
	int rc;

	if (fx_load_lb(FX_RING, 4096, &env.skel, &xdp, NULL))
		return -1;
	/* backends with tx_port go out of devmap slot tx_port - 1: point it at lo */
	__u32 slot = 0, lo_ifindex = 1;
	if (bpf_map_update_elem(bpf_map__fd(env.skel->maps.tx_ports), &slot, &lo_ifindex, BPF_ANY))
		return -1;
	if (!xdp)
		return -1;
	fx_initial_backends(env.backends);
	rc = fx_apply_topology(xdp, env.backends);
	if (rc) {
		fprintf(stderr, "writing the XDP tables failed: %s\n", strerror(-rc));
		return rc;
	}
	fx_tables_init(&env.xdp, xdp, env.backends);
	return 0;
}

static int group_teardown(void **state)
{
	lbt_bpf_free(env.xdp.t);
	lb__destroy(env.skel);
	return 0;
}

static const char *verdict_name(int v)
{
	static const char *names[] = {"PASS", "DROP", "TX", "REDIRECT"};
	return v >= 0 && v < 4 ? names[v] : "?";
}

/* A runner: the frame in, the frame out (*out_len: room, then length), the verdict or -errno. */
typedef int (*run_fn)(const unsigned char *in, unsigned in_len, unsigned headroom,
		      unsigned char *out, size_t *out_len);

static int run_xdp(const unsigned char *in, unsigned in_len, unsigned headroom, unsigned char *out,
		   size_t *out_len)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .data_out = out,
		    .data_size_out = (__u32)*out_len, .repeat = 1);
	int rc = bpf_prog_test_run_opts(bpf_program__fd(env.skel->progs.edgelb_xdp), &opts);

	if (rc)
		return -errno;
	*out_len = opts.data_size_out;
	return lb_loader_xdp_verdict(opts.retval);
}

static int run_user(const unsigned char *in, unsigned in_len, unsigned headroom, unsigned char *out,
		    size_t *out_len)
{
	static unsigned char buf[2048] __attribute__((aligned(64)));
	unsigned room = headroom ? headroom : USER_HEADROOM;
	struct lb_pkt pkt = {.data = buf + room, .end = buf + room + in_len};
	struct lb_result res;

	if (room + in_len > sizeof(buf))
		return -EMSGSIZE;
	memcpy(pkt.data, in, in_len);
	lb_user_run(env.user_tables, &pkt, buf, &res);
	*out_len = (size_t)((unsigned char *)pkt.end - (unsigned char *)pkt.data);
	memcpy(out, pkt.data, *out_len);
	return res.verdict;
}

/* The scenario's setup on one runner's tables (reset before); non-zero after saying why. */
static int run_setup(const char *who, struct fx_tables *ft, const struct fx_case *c, run_fn run)
{
	for (int i = 0; i < c->nsetup; i++) {
		const struct fx_action *a = &c->setup[i];
		unsigned char out[1024];
		size_t out_len = sizeof(out);
		int rc;

		if (a->kind != FX_ACT_PACKET) {
			rc = fx_tables_apply(ft, a);
			if (rc) {
				fprintf(stderr, "  %s [%s]: setup step %d (table write): %s\n", who,
					c->name, i, strerror(-rc));
				return 1;
			}
			continue;
		}
		rc = run(a->in, a->in_len, 0, out, &out_len);
		if (rc != a->verdict) {
			fprintf(stderr, "  %s [%s]: setup step %d (packet): verdict %s, want %s\n",
				who, c->name, i, rc < 0 ? strerror(-rc) : verdict_name(rc),
				verdict_name(a->verdict));
			return 1;
		}
	}
	return 0;
}

/* Run the scenario's frame through one runner; non-zero on any mismatch (after printing it). */
static int run_one(const char *who, struct lbt *t, const struct fx_case *c, run_fn run)
{
	struct lb_global_stats before, after;
	struct lb_vip_stats vb = {0};
	struct lb_backend_stats bb = {0};
	unsigned char out[1024];
	size_t out_len = sizeof(out);
	char label[160];
	int verdict, bad = 0;

	t->ops->read_global(t, &before);
	if (c->vip >= 0 && c->backend >= 0) {
		t->ops->read_vip_stats(t, c->vip, &vb);
		t->ops->read_backend_stats(t, c->backend, &bb);
	}
	verdict = run(c->in, c->in_len, c->headroom, out, &out_len);
	if (verdict < 0) {
		fprintf(stderr, "  %s [%s]: run failed: %s\n", who, c->name, strerror(-verdict));
		return 1;
	}
	if (verdict != c->verdict) {
		fprintf(stderr, "  %s [%s]: verdict %s, want %s\n", who, c->name,
			verdict_name(verdict), verdict_name(c->verdict));
		bad = 1;
	}
	if (out_len != c->out_len || memcmp(out, c->out, out_len)) {
		snprintf(label, sizeof(label), "%s [%s]", who, c->name);
		fx_hexdump_diff(label, out, out_len, c->out, c->out_len);
		bad = 1;
	}
	t->ops->read_global(t, &after);
	bad |= fx_check_counters(who, c, &before, &after);
	bad |= fx_check_flow_stats(who, t, c, &vb, &bb);
	return bad;
}

/*
 * Every connection entry the userspace runner made holds its flow's hash (the 5-tuple's, or the
 * source's for a source-hash VIP), which a hit uses as the outer source entropy instead of
 * hashing again. (The scenarios' outputs check that hits use it rightly.)
 */
static int check_conn_entries_keep_flow_hash(const struct fx_case *c)
{
	struct lb_conn_table *ct = &env.user_tables->ct;
	int bad = 0;

	for (uint32_t b = 0; b <= ct->nbuckets_mask; b++) {
		for (int w = 0; w < LB_CT_WAYS; w++) {
			const struct lb_ct_entry *e = &ct->buckets[b].e[w];

			if (!ct->buckets[b].tag[w]) /* free way */
				continue;
			if (e->val.hash != lb_flow_hash(&e->key, FX_SEED) &&
			    e->val.hash != lb_src_hash(&e->key, FX_SEED)) {
				fprintf(
				    stderr,
				    "  userspace [%s]: connection entry (bucket %u way %d): hash "
				    "%08x is not its flow's\n",
				    c->name, b, w, e->val.hash);
				bad = 1;
			}
		}
	}
	return bad;
}

static void test_scenario(void **state)
{
	const struct fx_case *c = *state;
	int bad = 0, rc;

	if (c->xdp) {
		rc = fx_tables_reset(&env.xdp);
		if (rc)
			fprintf(stderr, "  xdp [%s]: resetting the tables: %s\n", c->name,
				strerror(-rc));
		assert_int_equal(rc, 0);
		bad |= run_setup("xdp", &env.xdp, c, run_xdp);
		if (!bad)
			bad |= run_one("xdp", env.xdp.t, c, run_xdp);
	}

	env.user_tables = lb_user_tables_new(USER_CONN_ENTRIES);
	assert_non_null(env.user_tables);
	rc = fx_apply_topology(&env.user_tables->base, env.backends);
	if (rc)
		fprintf(stderr, "  userspace [%s]: writing the tables: %s\n", c->name,
			strerror(-rc));
	assert_int_equal(rc, 0);
	fx_tables_init(&env.user, &env.user_tables->base, env.backends);
	if (!run_setup("userspace", &env.user, c, run_user)) {
		bad |= run_one("userspace", &env.user_tables->base, c, run_user);
		bad |= check_conn_entries_keep_flow_hash(c);
	} else {
		bad = 1;
	}
	lb_user_tables_free(env.user_tables);
	env.user_tables = NULL;
	if (bad)
		fail_msg("scenario %s: see the mismatches above", c->name);
}

/*
 * The XDP runner's connection cache is per CPU (entries reach the shared table after a tick):
 * run every case on one CPU, as RSS keeps a flow on one CPU in production.
 */
static void pin_to_current_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s [--case NAME|PATTERN]... [--list]\n", prog);
	exit(2);
}

int main(int argc, char **argv)
{
	size_t n = NCASES + NUSER_CASES, ntests = 0;
	struct CMUnitTest *tests = calloc(n, sizeof(*tests));
	const char **patterns = calloc((size_t)argc, sizeof(*patterns));
	int npatterns = 0, list = 0, failed = 0;

	if (!tests || !patterns)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--case") && i + 1 < argc)
			patterns[npatterns++] = argv[++i];
		else if (!strncmp(argv[i], "--case=", 7))
			patterns[npatterns++] = argv[i] + 7;
		else if (!strcmp(argv[i], "--list"))
			list = 1;
		else
			usage(argv[0]);
	}
	for (size_t i = 0; i < n; i++) {
		const struct fx_case *c = i < NCASES ? &fx_cases[i] : &fx_user_cases[i - NCASES];

		if (list) {
			printf("%s\n", c->name);
			continue;
		}
		tests[ntests].name = c->name;
		tests[ntests].test_func = test_scenario;
		tests[ntests].initial_state = (void *)c;
		ntests++;
	}
	for (int p = 0; p < npatterns && !list; p++) {
		size_t i = 0;

		while (i < ntests && fnmatch(patterns[p], tests[i].name, 0))
			i++;
		if (i == ntests) {
			fprintf(stderr, "%s: no scenario is named %s (--list names them)\n",
				argv[0], patterns[p]);
			failed = 2;
		}
	}
	if (list || failed) {
		free(patterns);
		free(tests);
		return failed;
	}

	pin_to_current_cpu();
	/* cmocka takes one filter at a time: one run per --case (all of them without any) */
	for (int p = 0; p < (npatterns ? npatterns : 1); p++) {
		if (npatterns)
			cmocka_set_test_filter(patterns[p]);
		failed |= _cmocka_run_group_tests("xdp_fixtures", tests, ntests, group_setup,
						  group_teardown);
	}
	free(patterns);
	free(tests);
	return failed;
}
