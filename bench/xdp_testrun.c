// SPDX-License-Identifier: MIT
/*
 * xdp_testrun.c - per-packet cost of edgelb's XDP program through BPF_PROG_TEST_RUN, next to the
 * MAC-swap baseline measured the same way in the same run.
 *
 * Cases: an established TCP flow (connection-table hit), a TCP SYN (new flow: ring decision and
 * connection-table insert), 10,000 established flows (the bench build varies the source port per
 * repetition), a non-VIP packet (XDP_PASS), and an established IPv6 flow. Each case runs edgelb
 * and MAC swap alternately, pair after pair; the figure reported is the pair with the median
 * ratio. Every edgelb run is checked against its counters: each repetition must have taken the
 * intended path (e.g. conn_hit grew by exactly `repeat`), else the benchmark fails.
 *
 * Uses build/bpf/lb_bench.bpf.o (bench/lb_bench.bpf.c: the XDP runner with the frame put back
 * after each decision, at edgelb's expense) and build/bpf/macswap.bpf.o. Needs root.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bench/xdp_common.h"
#include "bpf/lb_bench.skel.h"
#include "bpf/macswap.skel.h"
#include "dataplane/core/parse.h"

#define FLOW_SPREAD 10000
#define PAIRS_MAX   99

struct options {
	unsigned repeat;
	unsigned pairs;
	int cpu;
	const char *only; /* run only the case of this BENCH name (profiling) */
	int profile;      /* edgelb runs only, no baseline, no BENCH lines (bench/xdp_profile.sh) */
};

/* One loaded edgelb bench program (for one input Ethernet header and flow spread), its tables. */
struct lb_side {
	struct lb_bench *skel;
	struct lbt *tables;
	int prog_fd;
};

enum path { PATH_ESTABLISHED, PATH_NEW_FLOW, PATH_NON_VIP };

struct bench_case {
	const char *bench_name; /* BENCH line name */
	const char *title;
	enum path path;
	int many_flows; /* run on the program that varies the source port */
	int ipv6;
	double target; /* ratio target, 0: none */
};

static const struct bench_case cases[] = {
    {"xdp_established", "established TCP flow (conn hit)", PATH_ESTABLISHED, 0, 0, 3.0},
    {"xdp_new_flow", "new flow: TCP SYN, conn insert", PATH_NEW_FLOW, 0, 0, 6.0},
    {"xdp_10k_flows", "10,000 established flows", PATH_ESTABLISHED, 1, 0, 0},
    {"xdp_non_vip", "non-VIP packet (XDP_PASS)", PATH_NON_VIP, 0, 0, 1.6},
    {"xdp_established_v6", "established TCP flow, IPv6", PATH_ESTABLISHED, 0, 1, 0},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct pair_result {
	double lb_ns, base_ns, ratio;
};

struct case_result {
	struct pair_result pairs[PAIRS_MAX];
	unsigned npairs;
	struct pair_result median; /* the pair whose ratio is the median */
};

/* Everything the run owns, in one place. */
struct bench {
	struct options opt;
	struct lb_side single4, single6, many4; /* per input Ethernet header and flow spread */
	struct macswap *macswap;
	struct case_result results[NCASES];
};

static int load_lb_side(struct lb_side *side, uint32_t spread, uint32_t sport_off,
			const uint8_t *eth)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = lbt_bpf_kconfig());
	int template_fd, rc;

	side->skel = lb_bench__open_opts(&open_opts);
	if (!side->skel) {
		fprintf(stderr, "opening lb_bench.bpf.o failed: %s\n", strerror(errno));
		return -1;
	}
	side->skel->rodata->bench_sport_spread = spread;
	side->skel->rodata->bench_sport_off = sport_off;
	/* the restore writes this header back: no per-packet save (see lb.bpf.c) */
	memcpy((void *)side->skel->rodata->bench_eth, eth, sizeof(side->skel->rodata->bench_eth));
	template_fd = xb_prepare(side->skel->obj, LB_CONN_MAX_DEF);
	if (template_fd < 0)
		return -1;
	rc = lb_bench__load(side->skel);
	close(template_fd);
	if (rc) {
		fprintf(stderr, "loading lb_bench.bpf.o failed: %d (root? BTF?)\n", rc);
		return -1;
	}
	side->prog_fd = bpf_program__fd(side->skel->progs.edgelb_xdp);
	side->tables = xb_install_topology(side->skel->obj);
	return side->tables ? 0 : -1;
}

/* The program loaded for a case's input frame. */
static struct lb_side *case_side(struct bench *b, const struct bench_case *c)
{
	if (c->many_flows)
		return &b->many4;
	return c->ipv6 ? &b->single6 : &b->single4;
}

static void free_lb_side(struct lb_side *side)
{
	if (side->tables)
		lbt_bpf_free(side->tables);
	lb_bench__destroy(side->skel);
}

/* Runs prog `repeat` times on frame; returns the average ns, or a negative errno. */
static double test_run(int prog_fd, const uint8_t *frame, size_t len, unsigned repeat,
		       int want_retval, int check_output)
{
	uint8_t out[XB_FRAME_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	double ns = xb_test_run_ns(prog_fd, &opts);

	if (ns < 0) {
		fprintf(stderr, "BPF_PROG_TEST_RUN failed: %s\n", strerror((int)-ns));
		return ns;
	}
	if ((int)opts.retval != want_retval) {
		fprintf(stderr, "test run returned XDP action %u, want %d\n", opts.retval,
			want_retval);
		return -EPROTO;
	}
	if (check_output && (opts.data_size_out != len || memcmp(out, frame, len))) {
		fprintf(stderr, "the bench build did not restore the frame (%u bytes out)\n",
			opts.data_size_out);
		return -EPROTO;
	}
	return ns;
}

/* The global counters each path must move, by exactly `repeat`; every other one must stay. */
static void expected_delta(enum path path, int many_flows, uint64_t n, struct lb_global_stats *e)
{
	memset(e, 0, sizeof(*e));
	e->rx_packets = n;
	switch (path) {
	case PATH_ESTABLISHED:
		e->tx = n;
		e->conn_hit = n;
		break;
	case PATH_NEW_FLOW: /* a SYN never looks the table up: it decides afresh and inserts */
		e->tx = n;
		break;
	case PATH_NON_VIP:
		e->pass_non_vip = n;
		break;
	}
	(void)many_flows;
}

static int check_counters(const char *what, const struct lb_global_stats *before,
			  const struct lb_global_stats *after, const struct lb_global_stats *want)
{
	const uint64_t *b = (const void *)before, *a = (const void *)after, *w = (const void *)want;
	int bad = 0;

	for (size_t i = 0; i < sizeof(*before) / sizeof(uint64_t); i++) {
		if (a[i] - b[i] == w[i])
			continue;
		fprintf(stderr, "%s: global counter word %zu changed by %llu, want %llu\n", what, i,
			(unsigned long long)(a[i] - b[i]), (unsigned long long)w[i]);
		bad = 1;
	}
	return bad ? -EPROTO : 0;
}

/* A SYN must also count as a new flow of its VIP every time (the conn insert happened). */
static int check_new_flows(struct lbt *t, uint32_t vip_id, const struct lb_vip_stats *before,
			   uint64_t n)
{
	struct lb_vip_stats after;

	if (t->ops->read_vip_stats(t, vip_id, &after))
		return -EIO;
	if (after.new_flows - before->new_flows != n || after.packets - before->packets != n) {
		fprintf(stderr, "new flow: VIP new_flows +%llu packets +%llu, want %llu\n",
			(unsigned long long)(after.new_flows - before->new_flows),
			(unsigned long long)(after.packets - before->packets),
			(unsigned long long)n);
		return -EPROTO;
	}
	return 0;
}

/* With many flows, the ring must have spread them over every backend of the VIP. */
static int check_spread(struct lbt *t, const struct lb_backend_stats *before)
{
	struct lb_backend_stats after;

	for (uint32_t id = 0; id < XB_BACKENDS; id++) {
		if (t->ops->read_backend_stats(t, id, &after))
			return -EIO;
		if (after.packets == before[id].packets) {
			fprintf(stderr, "10k flows: backend %u got no packet: flows did not vary\n",
				id);
			return -EPROTO;
		}
	}
	return 0;
}

static size_t case_frame(const struct bench_case *c, uint8_t *frame)
{
	uint8_t flags = c->path == PATH_NEW_FLOW ? LB_TCP_SYN : LB_TCP_ACK;

	if (c->ipv6)
		return xb_tcp6_frame(frame, XB_VIP6, XB_CLIENT_SPORT, flags);
	return xb_tcp4_frame(frame, c->path == PATH_NON_VIP ? XB_NON_VIP4 : XB_VIP4,
			     XB_CLIENT_SPORT, flags);
}

/* One edgelb run of a case, checked against the counters. Returns ns per packet or < 0. */
static double run_lb_checked(struct bench *b, const struct bench_case *c, const uint8_t *frame,
			     size_t len, unsigned repeat)
{
	struct lb_side *side = case_side(b, c);
	struct lbt *t = side->tables;
	struct lb_global_stats before, after, want;
	struct lb_backend_stats bstats[XB_BACKENDS];
	struct lb_vip_stats vstats;
	uint32_t vip_id = c->ipv6 ? 1 : 0;
	double ns;
	int rc = 0;

	if (t->ops->read_global(t, &before) || t->ops->read_vip_stats(t, vip_id, &vstats))
		return -EIO;
	for (uint32_t id = 0; id < XB_BACKENDS && c->many_flows; id++)
		if (t->ops->read_backend_stats(t, id, &bstats[id]))
			return -EIO;
	ns = test_run(side->prog_fd, frame, len, repeat,
		      c->path == PATH_NON_VIP ? XDP_PASS : XDP_TX, 1);
	if (ns < 0)
		return ns;
	if (t->ops->read_global(t, &after))
		return -EIO;
	expected_delta(c->path, c->many_flows, repeat, &want);
	rc = check_counters(c->bench_name, &before, &after, &want);
	if (!rc && c->path == PATH_NEW_FLOW)
		rc = check_new_flows(t, vip_id, &vstats, repeat);
	if (!rc && c->many_flows)
		rc = check_spread(t, bstats);
	return rc ? rc : ns;
}

/* Established cases: first make the connection-table entries (one miss per flow). */
static int warm_up(struct bench *b, const struct bench_case *c, const uint8_t *frame, size_t len)
{
	struct lb_side *side = case_side(b, c);
	unsigned flows = c->many_flows ? FLOW_SPREAD : 1;
	struct lb_global_stats before, after, want = {0};
	char what[64];
	int rc;

	if (c->path != PATH_ESTABLISHED)
		return 0;
	if (side->tables->ops->read_global(side->tables, &before))
		return -EIO;
	rc = (int)test_run(side->prog_fd, frame, len, flows, XDP_TX, 1);
	if (side->tables->ops->read_global(side->tables, &after))
		return -EIO;
	want.rx_packets = want.tx = want.conn_miss = flows;
	snprintf(what, sizeof(what), "%s warm-up", c->bench_name);
	return rc < 0 ? rc : check_counters(what, &before, &after, &want);
}

static int cmp_ratio(const void *a, const void *b)
{
	double x = ((const struct pair_result *)a)->ratio,
	       y = ((const struct pair_result *)b)->ratio;

	return (x > y) - (x < y);
}

/* For bench/xdp_profile.sh: which loaded program to map samples onto. */
static void announce_program(struct bench *b, const struct bench_case *c)
{
	struct bpf_prog_info info = {0};
	uint32_t info_len = sizeof(info);
	int fd = case_side(b, c)->prog_fd;

	if (!bpf_obj_get_info_by_fd(fd, &info, &info_len))
		fprintf(stderr, "profiling %s: program id %u\n", c->bench_name, info.id);
}

static int run_case(struct bench *b, size_t idx)
{
	const struct bench_case *c = &cases[idx];
	struct case_result *r = &b->results[idx];
	int macswap_fd = bpf_program__fd(b->macswap->progs.macswap_xdp);
	struct pair_result sorted[PAIRS_MAX];
	uint8_t frame[XB_FRAME_MAX];
	size_t len = case_frame(c, frame);

	if (!len || warm_up(b, c, frame, len))
		return -1;
	if (b->opt.profile)
		announce_program(b, c);
	for (unsigned p = 0; p < b->opt.pairs; p++) {
		struct pair_result *pr = &r->pairs[p];

		pr->lb_ns = run_lb_checked(b, c, frame, len, b->opt.repeat);
		if (pr->lb_ns < 0)
			return -1;
		if (b->opt.profile)
			continue;
		pr->base_ns = test_run(macswap_fd, frame, len, b->opt.repeat, XDP_TX, 0);
		if (pr->base_ns < 0)
			return -1;
		if (pr->base_ns < 1)
			pr->base_ns = 1; /* the kernel reports whole ns */
		pr->ratio = pr->lb_ns / pr->base_ns;
	}
	r->npairs = b->opt.pairs;
	memcpy(sorted, r->pairs, r->npairs * sizeof(sorted[0]));
	qsort(sorted, r->npairs, sizeof(sorted[0]), cmp_ratio);
	r->median = sorted[r->npairs / 2];
	return 0;
}

static int case_selected(const struct options *o, size_t i)
{
	return !o->only || !strcmp(o->only, cases[i].bench_name);
}

static void print_table(const struct bench *b)
{
	printf("\nXDP test-run: ns per packet, BPF_PROG_TEST_RUN repeat=%u, %u A/B pairs, CPU %d\n",
	       b->opt.repeat, b->opt.pairs, b->opt.cpu);
	printf("%-34s %9s %11s %7s %15s %8s\n", "case", "edgelb ns", "macswap ns", "ratio",
	       "ratio min..max", "target");
	for (size_t i = 0; i < NCASES; i++) {
		const struct case_result *r = &b->results[i];
		double lo = r->pairs[0].ratio, hi = lo;
		char target[32] = "-";

		if (!case_selected(&b->opt, i))
			continue;
		for (unsigned p = 1; p < r->npairs; p++) {
			lo = r->pairs[p].ratio < lo ? r->pairs[p].ratio : lo;
			hi = r->pairs[p].ratio > hi ? r->pairs[p].ratio : hi;
		}
		if (cases[i].target)
			snprintf(target, sizeof(target), "<=%.1fx %s", cases[i].target,
				 r->median.ratio <= cases[i].target ? "met" : "MISSED");
		printf("%-34s %9.1f %11.1f %6.2fx %7.2f..%-6.2f %s\n", cases[i].title,
		       r->median.lb_ns, r->median.base_ns, r->median.ratio, lo, hi, target);
	}
	printf("(each row: the A/B pair with the median ratio; every edgelb run verified by its "
	       "counters)\n\n");
	for (size_t i = 0; i < NCASES; i++)
		if (case_selected(&b->opt, i))
			printf("BENCH %s value=%.1f unit=ns baseline=%.1f ratio=%.3f\n",
			       cases[i].bench_name, b->results[i].median.lb_ns,
			       b->results[i].median.base_ns, b->results[i].median.ratio);
}

static int known_case(const char *name)
{
	for (size_t i = 0; i < NCASES; i++)
		if (!strcmp(name, cases[i].bench_name))
			return 1;
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--repeat N] [--pairs N] [--cpu N] [--only NAME [--profile]]\n"
		"  --repeat  BPF_PROG_TEST_RUN repetitions per run (default 1000000, min 1000000)\n"
		"  --pairs   edgelb/macswap A/B pairs per case (default 7, 5..%d)\n"
		"  --cpu     CPU to pin to (default: the last one)\n"
		"  --only    run only the case of this BENCH name (for profiling)\n"
		"  --profile with --only: edgelb runs only, no baseline (bench/xdp_profile.sh)\n",
		prog, PAIRS_MAX);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {{"repeat", required_argument, 0, 'r'},
						 {"pairs", required_argument, 0, 'p'},
						 {"cpu", required_argument, 0, 'c'},
						 {"only", required_argument, 0, 'o'},
						 {"profile", no_argument, 0, 'P'},
						 {"help", no_argument, 0, 'h'},
						 {0, 0, 0, 0}};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int ch;

	o->repeat = 1000000;
	o->pairs = 7;
	o->cpu = (int)(ncpu > 0 ? ncpu - 1 : 0);
	while ((ch = getopt_long(argc, argv, "r:p:c:o:h", longopts, NULL)) != -1) {
		char *endp;
		long v;

		if (ch == 'h' || ch == '?')
			return -1;
		if (ch == 'o' || ch == 'P') {
			if (ch == 'o')
				o->only = optarg;
			else
				o->profile = 1;
			continue;
		}
		v = strtol(optarg, &endp, 10);
		if (*endp || v < 0) {
			fprintf(stderr, "bad number '%s'\n", optarg);
			return -1;
		}
		if (ch == 'r')
			o->repeat = (unsigned)v;
		else if (ch == 'p')
			o->pairs = (unsigned)v;
		else
			o->cpu = (int)v;
	}
	if (o->profile && !o->only) {
		fprintf(stderr, "--profile needs --only\n");
		return -1;
	}
	if (o->only && !known_case(o->only)) {
		fprintf(stderr, "no case named '%s'\n", o->only);
		return -1;
	}
	if (o->repeat < 1000000 || o->pairs < 5 || o->pairs > PAIRS_MAX || o->cpu >= ncpu) {
		fprintf(stderr, "repeat must be >= 1000000, pairs 5..%d, cpu < %ld\n", PAIRS_MAX,
			ncpu);
		return -1;
	}
	return 0;
}

static int setup(struct bench *b)
{
	uint8_t frame4[XB_FRAME_MAX], frame6[XB_FRAME_MAX];
	uint32_t sport_off;

	xb_tcp4_frame(frame4, XB_VIP4, XB_CLIENT_SPORT, LB_TCP_ACK);
	xb_tcp6_frame(frame6, XB_VIP6, XB_CLIENT_SPORT, LB_TCP_ACK);
	sport_off = (uint32_t)xb_sport_offset(frame4);
	if (load_lb_side(&b->single4, 0, 0, frame4) || load_lb_side(&b->single6, 0, 0, frame6) ||
	    load_lb_side(&b->many4, FLOW_SPREAD, sport_off, frame4))
		return -1;
	b->macswap = macswap__open_and_load();
	if (!b->macswap) {
		fprintf(stderr, "loading macswap.bpf.o failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int rc = 1;

	if (parse_options(argc, argv, &b.opt)) {
		usage(argv[0]);
		return 2;
	}
	if (xb_pin_cpu(b.opt.cpu) || setup(&b))
		goto out;
	for (size_t i = 0; i < NCASES; i++) {
		if (!case_selected(&b.opt, i))
			continue;
		if (run_case(&b, i)) {
			fprintf(stderr, "case '%s' failed\n", cases[i].title);
			goto out;
		}
	}
	if (!b.opt.profile)
		print_table(&b);
	rc = 0;
out:
	macswap__destroy(b.macswap);
	free_lb_side(&b.many4);
	free_lb_side(&b.single6);
	free_lb_side(&b.single4);
	return rc;
}
