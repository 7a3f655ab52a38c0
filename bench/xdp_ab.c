// SPDX-License-Identifier: MIT
/*
 * xdp_ab.c - direct A/B of two builds of edgelb's bench program (lb_bench.bpf.o, e.g. the one
 * before a change and the one after): both are loaded with the same tables and input frame, and
 * BPF_PROG_TEST_RUN runs them in turn, round after round (the order alternating). Each round
 * gives the ratio B / A of two runs a few milliseconds apart, so the machine's slow drifts (other
 * tenants of a shared VM) cancel; the median of many rounds resolves a few percent, finer than
 * the ratios to MAC swap of bench/xdp_testrun.c, which move more from run to run. For deciding
 * about a change, not a
 * BENCH figure (no baseline of its own).
 *
 *   build/bench/xdp_ab A.o B.o [--case established|new_flow|non_vip|established_v6]
 *                      [--rounds N] [--repeat N] [--cpu N]
 *
 * Every run is checked: the expected XDP action and the output frame equal to the input (the
 * bench build restores it). Needs root.
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bench/xdp_common.h"
#include "dataplane/core/parse.h"

#define ROUNDS_MAX 5000

static int cmp_ns(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

struct ab_options {
	const char *obj[2];
	const char *case_name;
	unsigned rounds;
	unsigned repeat;
	int cpu;
};

/* One loaded build: the object (kept for its maps) and its tables. */
struct ab_side {
	struct bpf_object *obj;
	struct lbt *tables;
	int prog_fd;
};

/* Set a variable of the object's .rodata before load (by its BTF name). */
static int set_rodata(struct bpf_object *obj, const char *name, const void *val, size_t len)
{
	struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *var;
	const struct btf_type *sec;
	struct bpf_map *map;
	const void *initial;
	size_t size;
	int id;

	id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;
	if (id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, id);
	bpf_object__for_each_map(map, obj)
	{
		if (!bpf_map__is_internal(map) || !strstr(bpf_map__name(map), ".rodata"))
			continue;
		initial = bpf_map__initial_value(map, &size);
		var = btf_var_secinfos(sec);
		for (int i = 0; i < btf_vlen(sec); i++, var++) {
			const struct btf_type *t = btf__type_by_id(btf, var->type);
			char *copy;
			int rc;

			if (strcmp(btf__name_by_offset(btf, t->name_off), name))
				continue;
			if (!initial || var->offset + len > size || len > var->size)
				return -EINVAL;
			copy = malloc(size);
			if (!copy)
				return -ENOMEM;
			memcpy(copy, initial, size);
			memcpy(copy + var->offset, val, len);
			rc = bpf_map__set_initial_value(map, copy, size);
			free(copy);
			return rc;
		}
	}
	return -ENOENT;
}

static int load_side(struct ab_side *side, const char *path, const uint8_t *frame)
{
	uint32_t known = 1;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = lbt_bpf_kconfig());
	int template_fd, rc;

	side->obj = bpf_object__open_file(path, &open_opts);
	if (!side->obj) {
		fprintf(stderr, "%s: open failed: %s\n", path, strerror(errno));
		return -1;
	}
	/*
	 * As bench/xdp_testrun.c: the restore writes the input's Ethernet header back. Builds
	 * before 2026-11-28 13:00 also need bench_eth_known set (newer ones have no such switch).
	 */
	set_rodata(side->obj, "bench_eth_known", &known, sizeof(known));
	if (set_rodata(side->obj, "bench_eth", frame, sizeof(struct lb_ethhdr))) {
		fprintf(stderr, "%s: not a bench build (no bench_eth in .rodata)\n", path);
		return -1;
	}
	template_fd = xb_prepare(side->obj, LB_CONN_MAX_DEF);
	if (template_fd < 0)
		return -1;
	rc = bpf_object__load(side->obj);
	close(template_fd);
	if (rc) {
		fprintf(stderr, "%s: load failed: %d\n", path, rc);
		return -1;
	}
	side->prog_fd = bpf_program__fd(bpf_object__find_program_by_name(side->obj, "edgelb_xdp"));
	side->tables = xb_install_topology(side->obj);
	return side->prog_fd >= 0 && side->tables ? 0 : -1;
}

static void free_side(struct ab_side *side)
{
	if (side->tables)
		lbt_bpf_free(side->tables);
	bpf_object__close(side->obj);
}

/* ns per packet of one checked run, or a negative errno */
static double run_checked(int prog_fd, const uint8_t *frame, size_t len, unsigned repeat,
			  unsigned want_action)
{
	uint8_t out[XB_FRAME_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (uint32_t)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);

	double ns = xb_test_run_ns(prog_fd, &opts);

	if (ns < 0) {
		fprintf(stderr, "BPF_PROG_TEST_RUN failed: %s\n", strerror((int)-ns));
		return ns;
	}
	if (opts.retval != want_action || opts.data_size_out != len || memcmp(out, frame, len)) {
		fprintf(stderr, "wrong result: action %u (want %u), %u bytes out\n", opts.retval,
			want_action, opts.data_size_out);
		return -EPROTO;
	}
	return ns;
}

/* The input frame of a case and the action it must get; 0 for an unknown case. */
static size_t case_frame(const char *name, uint8_t *frame, unsigned *want_action)
{
	*want_action = XDP_TX;
	if (!strcmp(name, "established"))
		return xb_tcp4_frame(frame, XB_VIP4, XB_CLIENT_SPORT, LB_TCP_ACK);
	if (!strcmp(name, "new_flow"))
		return xb_tcp4_frame(frame, XB_VIP4, XB_CLIENT_SPORT, LB_TCP_SYN);
	if (!strcmp(name, "established_v6"))
		return xb_tcp6_frame(frame, XB_VIP6, XB_CLIENT_SPORT, LB_TCP_ACK);
	if (!strcmp(name, "non_vip")) {
		*want_action = XDP_PASS;
		return xb_tcp4_frame(frame, XB_NON_VIP4, XB_CLIENT_SPORT, LB_TCP_ACK);
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct ab_options *o)
{
	static const struct option longopts[] = {{"case", required_argument, 0, 'c'},
						 {"rounds", required_argument, 0, 'r'},
						 {"repeat", required_argument, 0, 'n'},
						 {"cpu", required_argument, 0, 'p'},
						 {0, 0, 0, 0}};
	int opt;

	*o = (struct ab_options){.case_name = "established", .rounds = 300, .repeat = 100000};
	o->cpu = (int)sysconf(_SC_NPROCESSORS_ONLN) - 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			o->case_name = optarg;
			break;
		case 'r':
			o->rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->repeat = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->cpu = atoi(optarg);
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 2 || o->rounds < 10 || o->rounds > ROUNDS_MAX || o->repeat < 1000 ||
	    o->cpu < 0)
		return -1;
	o->obj[0] = argv[optind];
	o->obj[1] = argv[optind + 1];
	return 0;
}

/*
 * The machine runs in two modes: the sibling hardware thread of our vCPU idle or busy (another
 * tenant). A busy sibling halves the issue width left to us, so code that is limited by how many
 * instructions it runs slows down markedly, code limited by latency hardly at all, and a change
 * can gain in one mode and not in the other. Rounds whose A took more than 1.2 times A's fastest
 * tenth are counted as the busy mode; the median B/A is printed for each mode apart.
 */
#define AB_BUSY_FACTOR 1.2

static void print_by_mode(unsigned rounds, const double *a_ns, const double *ratio)
{
	static double sorted[ROUNDS_MAX], idle[ROUNDS_MAX], busy[ROUNDS_MAX];
	unsigned n_idle = 0, n_busy = 0;
	double threshold;

	memcpy(sorted, a_ns, rounds * sizeof(*sorted));
	qsort(sorted, rounds, sizeof(*sorted), cmp_ns);
	threshold = sorted[rounds / 10] * AB_BUSY_FACTOR;
	for (unsigned r = 0; r < rounds; r++) {
		if (a_ns[r] > threshold)
			busy[n_busy++] = ratio[r];
		else
			idle[n_idle++] = ratio[r];
	}
	printf("by mode (A over %.1f ns: sibling busy): idle %u rounds, B/A %.3f; busy %u rounds, "
	       "B/A %.3f\n",
	       threshold, n_idle, n_idle ? xb_median(idle, n_idle) : 0, n_busy,
	       n_busy ? xb_median(busy, n_busy) : 0);
}

/* Alternate the two builds for o->rounds rounds; print the medians. */
static int run_rounds(const struct ab_options *o, struct ab_side side[2], const uint8_t *frame,
		      size_t len, unsigned want)
{
	static double ns[2][ROUNDS_MAX], ratio[ROUNDS_MAX];

	/* established cases: the first run of each build makes its connection entry */
	for (int s = 0; s < 2; s++)
		if (run_checked(side[s].prog_fd, frame, len, 1, want) < 0)
			return -1;
	for (unsigned r = 0; r < o->rounds; r++) {
		for (int k = 0; k < 2; k++) {
			int s = (int)(r & 1) ^ k; /* A first in even rounds, B first in odd ones */

			ns[s][r] = run_checked(side[s].prog_fd, frame, len, o->repeat, want);
			if (ns[s][r] < 0)
				return -1;
		}
		ratio[r] = ns[1][r] / (ns[0][r] > 0 ? ns[0][r] : 1);
	}
	printf("%s: %u rounds of %u runs; A %s, B %s\n", o->case_name, o->rounds, o->repeat,
	       o->obj[0], o->obj[1]);
	printf("median ns per packet: A %.1f, B %.1f; median B/A of the rounds: %.3f\n",
	       xb_median(ns[0], o->rounds), xb_median(ns[1], o->rounds),
	       xb_median(ratio, o->rounds));
	print_by_mode(o->rounds, ns[0], ratio);
	return 0;
}

int main(int argc, char **argv)
{
	struct ab_side side[2] = {0};
	uint8_t frame[XB_FRAME_MAX];
	struct ab_options o;
	unsigned want;
	size_t len;
	int rc = 1;

	if (parse_options(argc, argv, &o)) {
		fprintf(stderr,
			"usage: %s A.bpf.o B.bpf.o [--case established|new_flow|non_vip|"
			"established_v6] [--rounds 10..%d] [--repeat N>=1000] [--cpu N]\n",
			argv[0], ROUNDS_MAX);
		return 2;
	}
	len = case_frame(o.case_name, frame, &want);
	if (!len) {
		fprintf(stderr, "no case named '%s'\n", o.case_name);
		return 2;
	}
	if (xb_pin_cpu(o.cpu) || load_side(&side[0], o.obj[0], frame) ||
	    load_side(&side[1], o.obj[1], frame))
		goto out;
	rc = run_rounds(&o, side, frame, len, want) ? 1 : 0;
out:
	free_side(&side[1]);
	free_side(&side[0]);
	return rc;
}
