// SPDX-License-Identifier: MIT
/*
 * dpdk_ab.c - direct A/B of two builds of edgelb-dp's worker (bench/dpdk_ab_worker.c compiled
 * from two trees, e.g. before and after a change) behind the same port: both are loaded into
 * this one process and take turns polling port 0 (a net_memif client fed by dpdk_bench gen),
 * each for --switch-ms at a time, with their own connection tables and counter slots. Each
 * round (one turn of A, then one of B) gives the ratio of their cycles per packet measured
 * milliseconds apart, so what swings whole runs on this machine (where the host puts the two
 * vCPUs, what else runs) cancels: the median of the rounds resolves a few percent, where whole
 * runs of one build differ by far more. For deciding about a change, not a BENCH figure.
 *
 *   dpdk_ab [EAL options] -- A.so B.so --tables PATH [--seconds S] [--switch-ms N]
 *                            [--conn-entries N]
 *
 * Prints one line: "AB rounds=.. a_cycles=.. b_cycles=.. ratio=.. min=.. max=.." (ratio: the
 * median over the rounds of B's cycles per packet over A's). bench/dpdk_ab.sh runs it.
 */
#include <dlfcn.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "dataplane/dpdk/dp_port.h"

#define ROUNDS_MAX 100000

/* One build's entry points (bench/dpdk_ab_worker.c). */
struct ab_build {
	const char *path;
	void *dl;
	void *(*new_worker)(const char *tables, uint16_t port, uint32_t slot, uint32_t conn_entries,
			    char *err, size_t errlen);
	unsigned (*poll)(void *worker);
	void (*free_worker)(void *worker);
	void *worker;
};

struct ab_options {
	const char *tables;
	double seconds;
	unsigned switch_ms;
	uint32_t conn_entries;
};

static int load_build(struct ab_build *b)
{
	b->dl = dlopen(b->path, RTLD_NOW | RTLD_LOCAL);
	if (!b->dl) {
		fprintf(stderr, "dpdk_ab: %s\n", dlerror());
		return -1;
	}
	b->new_worker = (void *(*)(const char *, uint16_t, uint32_t, uint32_t, char *,
				   size_t))dlsym(b->dl, "ab_worker_new");
	b->poll = (unsigned (*)(void *))dlsym(b->dl, "ab_worker_poll");
	b->free_worker = (void (*)(void *))dlsym(b->dl, "ab_worker_free");
	if (!b->new_worker || !b->poll || !b->free_worker) {
		fprintf(stderr, "dpdk_ab: %s is not a dpdk_ab_worker build\n", b->path);
		return -1;
	}
	return 0;
}

static int parse_options(int argc, char **argv, struct ab_options *o, struct ab_build *builds)
{
	static const struct option opts[] = {
	    {"tables", required_argument, NULL, 't'},
	    {"seconds", required_argument, NULL, 's'},
	    {"switch-ms", required_argument, NULL, 'm'},
	    {"conn-entries", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	int ch;

	o->seconds = 5;
	o->switch_ms = 50;
	o->conn_entries = 1u << 18; /* edgelb-dp's default */
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o->tables = optarg;
			break;
		case 's':
			o->seconds = atof(optarg);
			break;
		case 'm':
			o->switch_ms = (unsigned)atoi(optarg);
			break;
		case 'c':
			o->conn_entries = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != 2 || !o->tables || o->seconds <= 0 || !o->switch_ms)
		return -1;
	builds[0].path = argv[optind];
	builds[1].path = argv[optind + 1];
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Polls that took longer than this lost the CPU (as edgelb-dp --record-cycles counts). */
#define POLL_CYCLES_MAX 1000000u

/*
 * Alternate the two workers until the time is up; per round, B's cycles per packet over A's.
 * Returns the number of rounds.
 */
static unsigned run_rounds(struct ab_build *b, const struct ab_options *o, double *ratios,
			   double totals[2][2])
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc();
	uint64_t end = now + (uint64_t)(o->seconds * (double)hz);
	uint64_t turn = hz * o->switch_ms / 1000;
	double per_turn[2] = {0, 0};
	unsigned rounds = 0;
	int cur = 0;

	while (now < end && rounds < ROUNDS_MAX) {
		uint64_t turn_end = now + turn, cycles = 0, packets = 0;

		while (now < turn_end) {
			uint64_t t0 = rte_rdtsc();
			unsigned n = b[cur].poll(b[cur].worker);

			now = rte_rdtsc();
			if (n && now - t0 < POLL_CYCLES_MAX) {
				cycles += now - t0;
				packets += n;
			}
		}
		per_turn[cur] = packets ? (double)cycles / (double)packets : 0;
		totals[cur][0] += (double)cycles;
		totals[cur][1] += (double)packets;
		if (cur == 1 && per_turn[0] > 0 && per_turn[1] > 0)
			ratios[rounds++] = per_turn[1] / per_turn[0];
		cur ^= 1;
	}
	return rounds;
}

int main(int argc, char **argv)
{
	static double ratios[ROUNDS_MAX];
	struct ab_build b[2] = {{0}};
	double totals[2][2] = {{0, 0}, {0, 0}};
	struct ab_options o = {0};
	struct rte_mempool *pool;
	char err[160] = "";
	unsigned rounds;
	int n, rc = 1;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "dpdk_ab: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	if (parse_options(argc - n, argv + n, &o, b)) {
		fprintf(stderr, "usage: dpdk_ab [EAL options] -- A.so B.so --tables PATH "
				"[--seconds S] [--switch-ms N] [--conn-entries N]\n");
		goto out;
	}
	if (load_build(&b[0]) || load_build(&b[1]))
		goto out;
	pool = rte_pktmbuf_pool_create("ab_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || rte_eth_dev_count_avail() < 1 || dp_port_start(0, 1, pool)) {
		fprintf(stderr, "dpdk_ab: port 0 not up\n");
		goto out;
	}
	/* counter slots 1 and 2 of the table file: each build counts apart */
	for (int i = 0; i < 2; i++) {
		b[i].worker =
		    b[i].new_worker(o.tables, 0, (uint32_t)i + 1, o.conn_entries, err, sizeof(err));
		if (!b[i].worker) {
			fprintf(stderr, "dpdk_ab: %s: worker: %s\n", b[i].path, err);
			goto out;
		}
	}
	rounds = run_rounds(b, &o, ratios, totals);
	if (!rounds) {
		fprintf(stderr, "dpdk_ab: no packets (is the generator running?)\n");
		goto out;
	}
	qsort(ratios, rounds, sizeof(ratios[0]), cmp_double);
	printf("AB rounds=%u a_cycles=%.1f b_cycles=%.1f ratio=%.3f min=%.3f max=%.3f\n", rounds,
	       totals[0][1] ? totals[0][0] / totals[0][1] : 0,
	       totals[1][1] ? totals[1][0] / totals[1][1] : 0, ratios[rounds / 2], ratios[0],
	       ratios[rounds - 1]);
	fflush(stdout);
	rc = 0;
out:
	for (int i = 0; i < 2; i++)
		if (b[i].worker)
			b[i].free_worker(b[i].worker);
	/* the port is not closed: DPDK 22.11's memif may crash on close (docs/benchmarks.md) */
	return rc;
}
