// SPDX-License-Identifier: MIT
/*
 * failover_swap.c - `make bench-failover`, part 1: what edgelbd does between a health verdict
 * and the new ring being live, for one VIP of M = 65537 slots: the Maglev build from the
 * remaining backends, and the ring swap (lbt set_ring on lb.bpf.o's maps: new mmap-able inner
 * array, fill, one outer-map update). Medians of 20 runs. Baseline for the swap: a plain memcpy
 * of the same ring (the least any ring install can cost); for the whole update: 1 ms (the
 * target). Loads lb.bpf.o but attaches it nowhere. Most of the swap is the kernel's array-of-maps
 * update, which returns only after an RCU grace period (the new ring is live before that).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/lb.skel.h"
#include "control/fastpath/lbtables.h"
#include "control/maglev/maglev.h"

#define RUNS     20
#define RING     65537
#define BACKENDS 8

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_u64);
	return (v[RUNS / 2 - 1] + v[RUNS / 2]) / 2000.0;
}

static void print_bench(const char *name, double value, double baseline)
{
	printf("BENCH %s value=%.1f unit=us baseline=%.1f ratio=%.3f\n", name, value, baseline,
	       value / baseline);
}

/* One failover's worth of Maglev input: BACKENDS backends, the `down`-th left out. */
static size_t backends_without(struct maglev_backend *b, char names[][16], unsigned down)
{
	size_t n = 0;

	for (unsigned i = 0; i < BACKENDS; i++) {
		if (i == down)
			continue;
		snprintf(names[i], 16, "gpu-%u", i);
		b[n++] = (struct maglev_backend){names[i], i, 100};
	}
	return n;
}

int main(void)
{
	static uint32_t ring[RING], copy[RING];
	uint64_t swap[RUNS], build[RUNS], total[RUNS], memcpy_ns[RUNS];
	struct maglev_backend mb[BACKENDS];
	char names[BACKENDS][16];
	struct lbt_bpf_fds fds;
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = lbt_bpf_kconfig());
	struct lb *skel = lb__open_opts(&open_opts);
	struct lbt *t;
	int tmpl, rc;

	if (!skel) {
		fprintf(stderr, "failover_swap: open lb.bpf.o: %s\n", strerror(errno));
		return 1;
	}
	tmpl = lbt_bpf_prepare_rings(skel->maps.rings, RING);
	bpf_map__set_max_entries(skel->maps.conns, 4096);
	rc = tmpl < 0 ? tmpl : lb__load(skel);
	if (rc || lbt_bpf_fds_from_obj(skel->obj, &fds) || !(t = lbt_bpf_new(&fds, RING))) {
		fprintf(stderr, "failover_swap: load lb.bpf.o: %s (root? bpffs?)\n", strerror(-rc));
		return 1;
	}
	for (unsigned r = 0; r < RUNS; r++) {
		size_t n = backends_without(mb, names, r % BACKENDS);
		uint64_t t0 = now_ns(), t1, t2;

		if (maglev_build(mb, n, RING, ring))
			return 1;
		t1 = now_ns();
		if (t->ops->set_ring(t, 0, ring, RING))
			return 1;
		t2 = now_ns();
		build[r] = t1 - t0;
		swap[r] = t2 - t1;
		total[r] = t2 - t0;
		t0 = now_ns();
		memcpy(copy, ring, sizeof(ring));
		__asm__ volatile("" : : "r"(copy) : "memory");
		memcpy_ns[r] = now_ns() - t0;
		/* as in operation, the next change of this VIP comes later than one RCU grace
		 * period (the writer waits for one in the background after each flip) */
		usleep(50000);
	}
	double base = median_us(memcpy_ns);

	print_bench("failover_ring_swap", median_us(swap), base);
	print_bench("failover_maglev_build", median_us(build), 1000.0);
	print_bench("failover_verdict_to_ring_local", median_us(total), 1000.0);
	lbt_bpf_free(t);
	close(tmpl);
	lb__destroy(skel);
	return 0;
}
