// SPDX-License-Identifier: MIT
/*
 * xdp_live.c - edgelb's XDP program forwarding real frames on a veth pair, next to MAC swap in
 * the same chain, alternated pair after pair. Run by bench/xdp_live.sh, which makes the
 * namespaces and pins this process to one CPU.
 *
 *   gen ns: gen-if  <----- veth ----->  lb-if :lb ns
 *   xdp_gen (BPF_PROG_RUN, live frames) --XDP_TX-->  edgelb_xdp or macswap_xdp (native XDP)
 *   xdp_sink (native XDP: counts, drops) <--XDP_TX--'
 *
 * A veth only receives XDP_TX / redirected frames when its own end runs an XDP program, hence
 * the sink on the generator's side. Everything runs in softirq on the generator's CPU.
 *
 * edgelb sees established flows (its connection table is filled by a warm-up) and must take
 * exactly that path for every frame it receives: conn_hit == tx == rx, checked per run; the sink
 * must see IP-in-IP frames only. Reported: delivered Mpps (sink count / wall time) and packets
 * per generator-CPU-second (sink count / the thread's user + system time).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "bench/xdp_common.h"
#include "bench/xdp_gen.skel.h"
#include "bench/xdp_sink.skel.h"
#include "bpf/lb.skel.h"
#include "bpf/macswap.skel.h"
#include "dataplane/core/parse.h"

#define PAIRS_MAX 99

struct options {
	const char *gen_ns, *lb_ns, *gen_if, *lb_if;
	unsigned long packets;
	unsigned batch;
	unsigned pairs;
	unsigned flows;
};

struct sink_counts {
	uint64_t packets, ipip, tcp, other;
};

/* One generator run as the sink and the clock saw it. */
struct run_result {
	struct sink_counts got;
	uint64_t frames;
	double wall_s, cpu_s;
	double mpps, per_cpu_s;
};

struct pair_result {
	struct run_result lb, base;
	double ratio, ratio_cpu;
};

/* Everything the run owns, in one place. */
struct live {
	struct options opt;
	int gen_ns_fd, lb_ns_fd;
	int gen_ifindex, lb_ifindex;
	struct lb *lb;
	struct lbt *tables;
	struct macswap *macswap;
	struct xdp_gen *gen;
	struct xdp_sink *sink;
	int sink_attached, lb_attached;
	uint8_t frame[XB_FRAME_MAX];
	size_t frame_len;
	struct pair_result pairs[PAIRS_MAX];
};

static int enter_ns(int fd, const char *name)
{
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "entering netns %s failed: %s\n", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_ns(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fprintf(stderr, "opening %s failed: %s\n", path, strerror(errno));
	return fd;
}

static int ifindex_in(int ns_fd, const char *ns, const char *ifname)
{
	int idx;

	if (enter_ns(ns_fd, ns))
		return -1;
	idx = (int)if_nametoindex(ifname);
	if (!idx)
		fprintf(stderr, "no interface %s in %s\n", ifname, ns);
	return idx ? idx : -1;
}

/* Native (driver) mode only: generic XDP would not show what veth's XDP path costs. */
static int attach(int ns_fd, const char *ns, int ifindex, int prog_fd)
{
	int rc;

	if (enter_ns(ns_fd, ns))
		return -1;
	rc = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (rc)
		fprintf(stderr, "attaching XDP (native) in %s failed: %s\n", ns, strerror(-rc));
	return rc;
}

static void detach(int ns_fd, int ifindex)
{
	if (!setns(ns_fd, CLONE_NEWNET))
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
}

static int load_lb(struct live *l)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = lbt_bpf_kconfig());
	int template_fd, rc;

	l->lb = lb__open_opts(&open_opts);
	if (!l->lb)
		return -1;
	template_fd = xb_prepare(l->lb->obj, LB_CONN_MAX_DEF);
	if (template_fd < 0)
		return -1;
	rc = lb__load(l->lb);
	close(template_fd);
	if (rc) {
		fprintf(stderr, "loading lb.bpf.o failed: %d\n", rc);
		return -1;
	}
	l->tables = xb_install_topology(l->lb->obj);
	return l->tables ? 0 : -1;
}

static int load_programs(struct live *l)
{
	l->frame_len = xb_tcp4_frame(l->frame, XB_VIP4, XB_CLIENT_SPORT, LB_TCP_ACK);
	if (l->frame_len != sizeof(l->gen->bss->gen_frame) || load_lb(l))
		return -1;
	l->macswap = macswap__open_and_load();
	l->sink = xdp_sink__open_and_load();
	l->gen = xdp_gen__open();
	if (!l->macswap || !l->sink || !l->gen) {
		fprintf(stderr, "loading the macswap / sink / generator programs failed\n");
		return -1;
	}
	l->gen->rodata->gen_flows = l->opt.flows;
	l->gen->rodata->gen_sport_off = (uint32_t)xb_sport_offset(l->frame);
	memcpy(l->gen->bss->gen_frame, l->frame, l->frame_len);
	if (xdp_gen__load(l->gen)) {
		fprintf(stderr, "loading the generator failed\n");
		return -1;
	}
	return 0;
}

static int read_sink(struct live *l, struct sink_counts *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct sink_counts *per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
	uint32_t zero = 0;
	int rc = 0;

	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(l->sink->maps.sink_counts), &zero, per_cpu))
		rc = -errno;
	memset(sum, 0, sizeof(*sum));
	for (int cpu = 0; cpu < ncpus && !rc; cpu++) {
		sum->packets += per_cpu[cpu].packets;
		sum->ipip += per_cpu[cpu].ipip;
		sum->tcp += per_cpu[cpu].tcp;
		sum->other += per_cpu[cpu].other;
	}
	free(per_cpu);
	return rc;
}

static double thread_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Generate `packets` frames into the chain; the result counts what reached the sink. */
static int generate(struct live *l, unsigned long packets, struct run_result *r)
{
	/* the kernel wants data_end == the frame length (no metadata in front) */
	struct xdp_md ctx = {.data_end = (uint32_t)l->frame_len,
			     .ingress_ifindex = (uint32_t)l->gen_ifindex};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = l->frame,
		    .data_size_in = (uint32_t)l->frame_len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = (uint32_t)packets,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = l->opt.batch);
	struct sink_counts before, after;
	double t0, c0;

	if (enter_ns(l->gen_ns_fd, l->opt.gen_ns) || read_sink(l, &before))
		return -1;
	c0 = thread_cpu_s();
	t0 = now_s();
	if (bpf_prog_test_run_opts(bpf_program__fd(l->gen->progs.xdp_gen), &opts)) {
		fprintf(stderr, "BPF_PROG_RUN (live frames) failed: %s\n", strerror(errno));
		return -1;
	}
	r->wall_s = now_s() - t0;
	r->cpu_s = thread_cpu_s() - c0;
	if (read_sink(l, &after))
		return -1;
	r->got.packets = after.packets - before.packets;
	r->got.ipip = after.ipip - before.ipip;
	r->got.tcp = after.tcp - before.tcp;
	r->got.other = after.other - before.other;
	r->frames = r->got.ipip + r->got.tcp; /* the generator's, whichever program bounced them */
	r->mpps = r->frames / r->wall_s / 1e6;
	r->per_cpu_s = r->cpu_s > 0 ? r->frames / r->cpu_s : 0;
	return 0;
}

/*
 * edgelb must have taken the established path for every generated frame and sent each one. Stray
 * kernel frames (none expected: the script turns IPv6 off) may only have been passed as non-VIP.
 */
static int run_lb(struct live *l, unsigned long packets, struct run_result *r, int warm_up)
{
	struct lb_global_stats before, after;
	uint64_t rx, hit, tx, passed;

	if (attach(l->lb_ns_fd, l->opt.lb_ns, l->lb_ifindex,
		   bpf_program__fd(l->lb->progs.edgelb_xdp)))
		return -1;
	l->lb_attached = 1;
	if (l->tables->ops->read_global(l->tables, &before) || generate(l, packets, r) ||
	    l->tables->ops->read_global(l->tables, &after))
		return -1;
	rx = after.rx_packets - before.rx_packets;
	hit = after.conn_hit - before.conn_hit;
	tx = after.tx - before.tx;
	passed = after.pass_non_vip - before.pass_non_vip;
	if (tx == 0 || rx - tx != passed || (!warm_up && hit != tx) || r->got.ipip != tx) {
		fprintf(stderr,
			"edgelb live run off its path: rx %llu tx %llu conn_hit %llu pass_non_vip "
			"%llu; sink %llu packets, %llu IP-in-IP\n",
			(unsigned long long)rx, (unsigned long long)tx, (unsigned long long)hit,
			(unsigned long long)passed, (unsigned long long)r->got.packets,
			(unsigned long long)r->got.ipip);
		return -1;
	}
	return 0;
}

/* MAC swap returns the frames unchanged but for the MACs: the sink must see plain TCP. */
static int run_macswap(struct live *l, struct run_result *r)
{
	if (attach(l->lb_ns_fd, l->opt.lb_ns, l->lb_ifindex,
		   bpf_program__fd(l->macswap->progs.macswap_xdp)) ||
	    generate(l, l->opt.packets, r))
		return -1;
	if (r->got.tcp == 0) {
		fprintf(stderr, "macswap live run: sink got %llu packets, %llu plain TCP\n",
			(unsigned long long)r->got.packets, (unsigned long long)r->got.tcp);
		return -1;
	}
	return 0;
}

static int setup(struct live *l)
{
	l->gen_ns_fd = open_ns(l->opt.gen_ns);
	l->lb_ns_fd = open_ns(l->opt.lb_ns);
	if (l->gen_ns_fd < 0 || l->lb_ns_fd < 0 || load_programs(l))
		return -1;
	l->gen_ifindex = ifindex_in(l->gen_ns_fd, l->opt.gen_ns, l->opt.gen_if);
	l->lb_ifindex = ifindex_in(l->lb_ns_fd, l->opt.lb_ns, l->opt.lb_if);
	if (l->gen_ifindex < 0 || l->lb_ifindex < 0)
		return -1;
	if (attach(l->gen_ns_fd, l->opt.gen_ns, l->gen_ifindex,
		   bpf_program__fd(l->sink->progs.xdp_sink)))
		return -1;
	l->sink_attached = 1;
	return 0;
}

static void teardown(struct live *l)
{
	if (l->lb_attached)
		detach(l->lb_ns_fd, l->lb_ifindex);
	if (l->sink_attached)
		detach(l->gen_ns_fd, l->gen_ifindex);
	if (l->tables)
		lbt_bpf_free(l->tables);
	xdp_gen__destroy(l->gen);
	xdp_sink__destroy(l->sink);
	macswap__destroy(l->macswap);
	lb__destroy(l->lb);
	if (l->gen_ns_fd >= 0)
		close(l->gen_ns_fd);
	if (l->lb_ns_fd >= 0)
		close(l->lb_ns_fd);
}

static int cmp_ratio(const void *a, const void *b)
{
	double x = ((const struct pair_result *)a)->ratio,
	       y = ((const struct pair_result *)b)->ratio;

	return (x > y) - (x < y);
}

static int cmp_ratio_cpu(const void *a, const void *b)
{
	double x = ((const struct pair_result *)a)->ratio_cpu;
	double y = ((const struct pair_result *)b)->ratio_cpu;

	return (x > y) - (x < y);
}

static void print_results(struct live *l)
{
	struct pair_result by_rate[PAIRS_MAX], by_cpu[PAIRS_MAX], *m, *c;
	unsigned n = l->opt.pairs;

	printf("\nXDP live on veth: %lu frames of %zu bytes per run, batch %u, %u established "
	       "flows, %u A/B pairs\n",
	       l->opt.packets, l->frame_len, l->opt.batch, l->opt.flows, n);
	printf("%-5s %12s %12s %7s %16s %17s %7s %9s\n", "pair", "edgelb Mpps", "macswap Mpps",
	       "ratio", "edgelb pkt/cpu-s", "macswap pkt/cpu-s", "ratio", "delivered");
	for (unsigned p = 0; p < n; p++) {
		struct pair_result *pr = &l->pairs[p];

		printf("%-5u %12.3f %12.3f %6.2fx %16.0f %17.0f %6.2fx %4.0f%%/%3.0f%%\n", p + 1,
		       pr->lb.mpps, pr->base.mpps, pr->ratio, pr->lb.per_cpu_s, pr->base.per_cpu_s,
		       pr->ratio_cpu, 100.0 * pr->lb.frames / l->opt.packets,
		       100.0 * pr->base.frames / l->opt.packets);
	}
	memcpy(by_rate, l->pairs, n * sizeof(by_rate[0]));
	memcpy(by_cpu, l->pairs, n * sizeof(by_cpu[0]));
	qsort(by_rate, n, sizeof(by_rate[0]), cmp_ratio);
	qsort(by_cpu, n, sizeof(by_cpu[0]), cmp_ratio_cpu);
	m = &by_rate[n / 2];
	c = &by_cpu[n / 2];
	printf("median pair: edgelb %.3f Mpps vs macswap %.3f Mpps = %.2fx (target >= 0.7x: %s); "
	       "per CPU-second %.2fx\n",
	       m->lb.mpps, m->base.mpps, m->ratio, m->ratio >= 0.7 ? "met" : "MISSED",
	       c->ratio_cpu);
	printf("(every edgelb run verified: conn_hit == tx, the sink got exactly those frames as "
	       "IP-in-IP; delivered: edgelb/macswap frames at the sink per frame generated)\n\n");
	printf("BENCH xdp_live_established value=%.3f unit=mpps baseline=%.3f ratio=%.3f\n",
	       m->lb.mpps, m->base.mpps, m->ratio);
	printf("BENCH xdp_live_established_per_cpu_s value=%.0f unit=pkts_per_cpu_s baseline=%.0f "
	       "ratio=%.3f\n",
	       c->lb.per_cpu_s, c->base.per_cpu_s, c->ratio_cpu);
}

static int run(struct live *l)
{
	struct run_result warm;

	/* one miss per flow fills the connection table; then every frame is established */
	if (run_lb(l, (unsigned long)l->opt.flows * 4, &warm, 1))
		return -1;
	for (unsigned p = 0; p < l->opt.pairs; p++) {
		struct pair_result *pr = &l->pairs[p];

		if (run_lb(l, l->opt.packets, &pr->lb, 0) || run_macswap(l, &pr->base))
			return -1;
		pr->ratio = pr->lb.mpps / pr->base.mpps;
		pr->ratio_cpu = pr->base.per_cpu_s > 0 ? pr->lb.per_cpu_s / pr->base.per_cpu_s : 0;
	}
	print_results(l);
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s --gen-ns NS --lb-ns NS [--gen-if IF] [--lb-if IF] [--packets N]\n"
		"          [--batch N] [--pairs N] [--flows N]\n"
		"  --packets  frames per generator run (default 2000000)\n"
		"  --batch    live-frames batch size (default 64, 1..256)\n"
		"  --pairs    edgelb/macswap A/B pairs (default 7, 5..%d)\n"
		"  --flows    established flows, by source port (default 1024, 1..30000)\n",
		prog, PAIRS_MAX);
}

static int parse_number(const char *text, unsigned long *v)
{
	char *endp;

	errno = 0;
	*v = strtoul(text, &endp, 10);
	if (errno || *endp || text[0] == '-' || !text[0]) {
		fprintf(stderr, "bad number '%s'\n", text);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"gen-ns", required_argument, 0, 'G'},  {"lb-ns", required_argument, 0, 'L'},
	    {"gen-if", required_argument, 0, 'g'},  {"lb-if", required_argument, 0, 'l'},
	    {"packets", required_argument, 0, 'n'}, {"batch", required_argument, 0, 'b'},
	    {"pairs", required_argument, 0, 'p'},   {"flows", required_argument, 0, 'f'},
	    {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
	unsigned long v;
	int ch;

	*o = (struct options){.gen_if = "veth0",
			      .lb_if = "veth0",
			      .packets = 2000000,
			      .batch = 64,
			      .pairs = 7,
			      .flows = 1024};
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'G':
			o->gen_ns = optarg;
			break;
		case 'L':
			o->lb_ns = optarg;
			break;
		case 'g':
			o->gen_if = optarg;
			break;
		case 'l':
			o->lb_if = optarg;
			break;
		case 'n':
		case 'b':
		case 'p':
		case 'f':
			if (parse_number(optarg, &v))
				return -1;
			if (ch == 'n')
				o->packets = v;
			else if (ch == 'b')
				o->batch = (unsigned)v;
			else if (ch == 'p')
				o->pairs = (unsigned)v;
			else
				o->flows = (unsigned)v;
			break;
		default:
			return -1;
		}
	}
	if (!o->gen_ns || !o->lb_ns) {
		fprintf(stderr, "--gen-ns and --lb-ns are required\n");
		return -1;
	}
	if (o->packets < 1000 || o->packets > 0xffffffffu || o->batch < 1 || o->batch > 256 ||
	    o->pairs < 5 || o->pairs > PAIRS_MAX || o->flows < 1 || o->flows > 30000) {
		fprintf(stderr,
			"out of range: packets 1000..2^32-1, batch 1..256, pairs 5..%d, "
			"flows 1..30000\n",
			PAIRS_MAX);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct live l = {.gen_ns_fd = -1, .lb_ns_fd = -1};
	int rc;

	if (parse_options(argc, argv, &l.opt)) {
		usage(argv[0]);
		return 2;
	}
	rc = setup(&l) || run(&l) ? 1 : 0;
	teardown(&l);
	return rc;
}
