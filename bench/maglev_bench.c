/* SPDX-License-Identifier: MIT */
/*
 * maglev_bench.c - benchmark of the Maglev ring builder (control/maglev/maglev.c).
 *
 * Build time for N backends and ring size M, median of several runs, next to a baseline measured
 * in the same run: the paper's pseudo-code written the textbook way (unweighted, one modulo per
 * step, an int array as the ring and its occupancy). Both get the same keys; the baseline gets
 * them already in key order, so it must produce the very same ring (checked). Then disruption
 * (slots moved when one of N backends leaves or joins, as a multiple of the ideal M/N) and
 * balance (largest share over the ideal share), against the ideal 1.0.
 *
 * Output: a readable table, then one line per figure:
 *   BENCH <name> value=<v> unit=<u> baseline=<b> ratio=<value/baseline>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "control/maglev/maglev.h"

#define KEY_LEN           24
#define MAX_N             10000
#define MAX_BENCH         64
#define DISRUPTION_TRIALS 5

struct bench_line {
	char name[64];
	double value;
	const char *unit;
	double baseline;
};

/* Everything the benchmark keeps: inputs, rings and the figures to print. */
struct bench {
	char key[MAX_N + 1][KEY_LEN];
	struct maglev_backend backend[MAX_N + 1];
	const char *sorted_key[MAX_N + 1];
	uint32_t *ring;
	uint32_t *other;
	int32_t *entry;  /* the baseline's ring */
	uint32_t *count; /* slots per backend id */
	struct bench_line line[MAX_BENCH];
	size_t lines;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), compare_doubles);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int compare_key_ptrs(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void add_line(struct bench *b, const char *name, double value, const char *unit,
		     double baseline)
{
	struct bench_line *l;

	if (b->lines == MAX_BENCH)
		return;
	l = &b->line[b->lines++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->value = value;
	l->unit = unit;
	l->baseline = baseline;
}

/* Backend i: key "10.a.b.c:8000", id i, weight 1. */
static void make_backends(struct bench *b)
{
	for (size_t i = 0; i <= MAX_N; i++) {
		snprintf(b->key[i], KEY_LEN, "10.%zu.%zu.%zu:8000", i >> 16, (i >> 8) & 255,
			 i & 255);
		b->backend[i] = (struct maglev_backend){.key = b->key[i], .id = i, .weight = 1};
	}
}

/*
 * The paper's population pseudo-code (section 3.4), textbook style: permutation entries computed
 * with a modulo at every step, the ring itself as occupancy. Keys are taken in the given order.
 * Returns the ring in b->entry.
 */
static void textbook_populate(struct bench *b, const char **keys, size_t n, uint32_t m)
{
	uint64_t *offset = malloc(n * sizeof(*offset));
	uint64_t *skip = malloc(n * sizeof(*skip));
	uint64_t *next = calloc(n, sizeof(*next));
	uint32_t filled = 0;

	if (!offset || !skip || !next) {
		fprintf(stderr, "maglev_bench: out of memory\n");
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		offset[i] = maglev_key_hash(keys[i], MAGLEV_SEED_OFFSET) % m;
		skip[i] = maglev_key_hash(keys[i], MAGLEV_SEED_SKIP) % (m - 1) + 1;
	}
	for (uint32_t s = 0; s < m; s++)
		b->entry[s] = -1;
	for (;;) {
		for (size_t i = 0; i < n; i++) {
			uint64_t c = (offset[i] + next[i] * skip[i]) % m;

			while (b->entry[c] >= 0) {
				next[i]++;
				c = (offset[i] + next[i] * skip[i]) % m;
			}
			b->entry[c] = (int32_t)i;
			next[i]++;
			if (++filled == m)
				goto done;
		}
	}
done:
	free(offset);
	free(skip);
	free(next);
}

static void build_or_die(const struct maglev_backend *backend, size_t n, uint32_t m, uint32_t *ring)
{
	int err = maglev_build(backend, n, m, ring);

	if (err) {
		fprintf(stderr, "maglev_bench: maglev_build n=%zu m=%u failed: %d\n", n, m, err);
		exit(1);
	}
}

/* The textbook ring names backends by position in key order; ours by id. Same owners? */
static bool same_ring(const struct bench *b, size_t n, uint32_t m)
{
	for (uint32_t s = 0; s < m; s++) {
		const char *textbook_key = b->sorted_key[b->entry[s]];

		if (b->ring[s] >= n || strcmp(b->key[b->ring[s]], textbook_key) != 0)
			return false;
	}
	return true;
}

static void bench_build_time(struct bench *b, size_t n, uint32_t m, int reps)
{
	double ours[31], textbook[31], t0;
	char name[64];
	bool same;

	for (size_t i = 0; i < n; i++)
		b->sorted_key[i] = b->key[i];
	qsort(b->sorted_key, n, sizeof(b->sorted_key[0]), compare_key_ptrs);

	for (int r = 0; r < reps; r++) {
		t0 = now_us();
		build_or_die(b->backend, n, m, b->ring);
		ours[r] = now_us() - t0;
		t0 = now_us();
		textbook_populate(b, b->sorted_key, n, m);
		textbook[r] = now_us() - t0;
	}
	same = same_ring(b, n, m);
	double med = median(ours, reps), base = median(textbook, reps);

	printf("%-8u %-7zu %12.1f %14.1f %8.3f  %s\n", m, n, med, base, med / base,
	       same ? "yes" : "NO");
	snprintf(name, sizeof(name), "maglev_build_n%zu_m%u", n, m);
	add_line(b, name, med, "us", base);
	if (!same) {
		fprintf(stderr, "maglev_bench: n=%zu m=%u: ring differs from the textbook one\n", n,
			m);
		exit(1);
	}
}

/* Spreads weights lo..hi over the first n backends (a fixed scramble of their index). */
static void set_weights(struct bench *b, size_t n, uint32_t lo, uint32_t hi)
{
	for (size_t i = 0; i < n; i++)
		b->backend[i].weight = lo + (uint32_t)(i * 7919 % (hi - lo + 1));
}

/*
 * Weighted build (weights 1..1000, the widest spread) against the unweighted textbook time of
 * the same N and M: the textbook has no weights, so this shows what weighting costs.
 */
static void bench_weighted_build_time(struct bench *b, size_t n, uint32_t m, int reps)
{
	double ours[31], textbook[31], t0;
	char name[64];

	set_weights(b, n, 1, MAGLEV_WEIGHT_MAX);
	for (size_t i = 0; i < n; i++)
		b->sorted_key[i] = b->key[i];
	for (int r = 0; r < reps; r++) {
		t0 = now_us();
		build_or_die(b->backend, n, m, b->ring);
		ours[r] = now_us() - t0;
		t0 = now_us();
		textbook_populate(b, b->sorted_key, n, m);
		textbook[r] = now_us() - t0;
	}
	set_weights(b, n, 1, 1);
	double med = median(ours, reps), base = median(textbook, reps);

	printf("%-8u %-7zu %12.1f %14.1f %8.3f  (weights 1..1000)\n", m, n, med, base, med / base);
	snprintf(name, sizeof(name), "maglev_build_weighted_n%zu_m%u", n, m);
	add_line(b, name, med, "us", base);
}

static uint32_t changed_slots(const uint32_t *a, const uint32_t *b, uint32_t m)
{
	uint32_t changed = 0;

	for (uint32_t s = 0; s < m; s++)
		changed += a[s] != b[s];
	return changed;
}

/*
 * Mean slots moved, as a multiple of the ideal, when one of n leaves (a few different ones) and
 * when one joins n.
 */
static void bench_disruption(struct bench *b, size_t n, uint32_t m)
{
	double removal = 0, addition;
	char name[64];

	build_or_die(b->backend, n, m, b->ring);
	for (int t = 0; t < DISRUPTION_TRIALS; t++) {
		size_t victim = (size_t)t * n / DISRUPTION_TRIALS;
		struct maglev_backend saved = b->backend[victim];

		/* Swap the victim out of the first n: the order of the input does not matter. */
		b->backend[victim] = b->backend[n - 1];
		build_or_die(b->backend, n - 1, m, b->other);
		b->backend[victim] = saved;
		removal += changed_slots(b->ring, b->other, m) / ((double)m / n);
	}
	removal /= DISRUPTION_TRIALS;
	build_or_die(b->backend, n + 1, m, b->other);
	addition = changed_slots(b->ring, b->other, m) / ((double)m / (n + 1));

	printf("%-8u %-7zu %16.3f %16.3f\n", m, n, removal, addition);
	snprintf(name, sizeof(name), "maglev_disruption_remove_n%zu_m%u", n, m);
	add_line(b, name, removal, "x_ideal", 1.0);
	snprintf(name, sizeof(name), "maglev_disruption_add_n%zu_m%u", n, m);
	add_line(b, name, addition, "x_ideal", 1.0);
}

/*
 * Largest share over its ideal share, equal weights and weights 100..1000 (a 10x spread; with
 * 1..1000 a weight-1 backend's ideal share is a fraction of a slot, and it still owns one).
 */
static void bench_balance(struct bench *b, size_t n, uint32_t m)
{
	double equal_worst = 0, weighted_worst = 0, total_weight = 0;
	char name[64];

	build_or_die(b->backend, n, m, b->ring);
	memset(b->count, 0, n * sizeof(*b->count));
	for (uint32_t s = 0; s < m; s++)
		b->count[b->ring[s]]++;
	for (size_t i = 0; i < n; i++) {
		double share = b->count[i] / ((double)m / n);

		equal_worst = share > equal_worst ? share : equal_worst;
	}

	set_weights(b, n, 100, MAGLEV_WEIGHT_MAX);
	for (size_t i = 0; i < n; i++)
		total_weight += b->backend[i].weight;
	build_or_die(b->backend, n, m, b->ring);
	memset(b->count, 0, n * sizeof(*b->count));
	for (uint32_t s = 0; s < m; s++)
		b->count[b->ring[s]]++;
	for (size_t i = 0; i < n; i++) {
		double share = b->count[i] / (m * b->backend[i].weight / total_weight);

		weighted_worst = share > weighted_worst ? share : weighted_worst;
	}
	set_weights(b, n, 1, 1);

	printf("%-8u %-7zu %16.4f %16.4f\n", m, n, equal_worst, weighted_worst);
	snprintf(name, sizeof(name), "maglev_balance_n%zu_m%u", n, m);
	add_line(b, name, equal_worst, "max_over_ideal", 1.0);
	snprintf(name, sizeof(name), "maglev_balance_weighted_n%zu_m%u", n, m);
	add_line(b, name, weighted_worst, "max_over_ideal", 1.0);
}

static struct bench *bench_new(void)
{
	struct bench *b = calloc(1, sizeof(*b));

	if (b) {
		b->ring = malloc(MAGLEV_M_MAX * sizeof(*b->ring));
		b->other = malloc(MAGLEV_M_MAX * sizeof(*b->other));
		b->entry = malloc(MAGLEV_M_MAX * sizeof(*b->entry));
		b->count = malloc((MAX_N + 1) * sizeof(*b->count));
	}
	if (!b || !b->ring || !b->other || !b->entry || !b->count) {
		fprintf(stderr, "maglev_bench: out of memory\n");
		exit(1);
	}
	make_backends(b);
	return b;
}

static void bench_free(struct bench *b)
{
	free(b->ring);
	free(b->other);
	free(b->entry);
	free(b->count);
	free(b);
}

int main(void)
{
	const size_t sizes_n[] = {10, 100, 1000, 10000};
	const uint32_t sizes_m[] = {MAGLEV_M_DEFAULT, MAGLEV_M_MAX};
	struct bench *b = bench_new();

	printf(
	    "Maglev ring build time, median (us); baseline: textbook pseudo-code, %% per step\n");
	printf("%-8s %-7s %12s %14s %8s  %s\n", "M", "N", "maglev_build", "textbook", "ratio",
	       "same ring");
	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < 4; ni++)
			bench_build_time(b, sizes_n[ni], sizes_m[mi], mi == 0 ? 15 : 5);
		bench_weighted_build_time(b, 1000, sizes_m[mi], mi == 0 ? 15 : 5);
	}

	printf("\nDisruption: slots moved / ideal (M/N), mean of %d removals; one addition\n",
	       DISRUPTION_TRIALS);
	printf("%-8s %-7s %16s %16s\n", "M", "N", "remove one", "add one");
	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < 3; ni++)
			bench_disruption(b, sizes_n[ni], sizes_m[mi]);
	}

	printf("\nBalance: largest share / ideal share\n");
	printf("%-8s %-7s %16s %16s\n", "M", "N", "equal weights", "w 100..1000");
	for (size_t mi = 0; mi < 2; mi++) {
		for (size_t ni = 0; ni < 3; ni++)
			bench_balance(b, sizes_n[ni], sizes_m[mi]);
	}

	printf("\n");
	for (size_t i = 0; i < b->lines; i++) {
		const struct bench_line *l = &b->line[i];

		printf("BENCH %s value=%.3f unit=%s baseline=%.3f ratio=%.4f\n", l->name, l->value,
		       l->unit, l->baseline, l->value / l->baseline);
	}
	bench_free(b);
	return 0;
}
