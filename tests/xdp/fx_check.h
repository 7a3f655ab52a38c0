/* SPDX-License-Identifier: MIT */
/*
 * fx_check.h - how the fixture harnesses (XDP and userspace in tests/xdp, edgelb-dp in
 * tests/dpdk) compare a runner's result with a case's expectation: the output frame byte for
 * byte, every global counter's change, and the per-VIP / per-backend counters. Each mismatch is
 * printed with the runner's name, the scenario's and the field's (the counter by name, the
 * frame's differing bytes); the functions return non-zero on any.
 */
#ifndef EDGELB_TESTS_FX_CHECK_H
#define EDGELB_TESTS_FX_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "tests/xdp/fx_tables.h"

static inline void fx_hexdump_diff(const char *who, const unsigned char *got, size_t got_len,
				   const unsigned char *want, size_t want_len)
{
	fprintf(stderr, "  %s: output frame (%zu bytes) != expected (%zu bytes)\n", who, got_len,
		want_len);
	for (size_t i = 0; i < (got_len > want_len ? got_len : want_len); i++) {
		int g = i < got_len ? got[i] : -1, w = i < want_len ? want[i] : -1;
		if (g != w)
			fprintf(stderr, "    byte %zu: got %02x want %02x\n", i, g & 0xff,
				w & 0xff);
	}
}

/* Compare every global counter's change with the expectation; name each difference. */
static inline int fx_check_counters(const char *who, const struct fx_case *c,
				    const struct lb_global_stats *before,
				    const struct lb_global_stats *after)
{
	const uint64_t *b = (const uint64_t *)before, *a = (const uint64_t *)after;
	int bad = 0;

	for (size_t w = 0; w < sizeof(*before) / 8; w++) {
		uint64_t want = 0;

		for (int i = 0; i < c->ncounters; i++)
			if (c->counters[i].offset == w * 8)
				want = c->counters[i].delta;
		if (a[w] - b[w] != want) {
			fprintf(stderr, "  %s [%s]: counter %s changed by %llu, want %llu\n", who,
				c->name, fx_counter_names[w], (unsigned long long)(a[w] - b[w]),
				(unsigned long long)want);
			bad = 1;
		}
	}
	return bad;
}

static inline int fx_check_flow_stats(const char *who, struct lbt *t, const struct fx_case *c,
				      const struct lb_vip_stats *vb,
				      const struct lb_backend_stats *bb)
{
	struct lb_vip_stats va;
	struct lb_backend_stats ba;
	int bad = 0;

	if (c->vip < 0 || c->backend < 0)
		return 0;
	t->ops->read_vip_stats(t, c->vip, &va);
	t->ops->read_backend_stats(t, c->backend, &ba);
	if (va.packets - vb->packets != 1 || va.bytes - vb->bytes != c->in_len ||
	    va.new_flows - vb->new_flows != (uint64_t)c->new_flow) {
		fprintf(stderr,
			"  %s [%s]: VIP %d counters: +%llu packets +%llu bytes +%llu new flows, "
			"want +1 +%u +%d\n",
			who, c->name, c->vip, (unsigned long long)(va.packets - vb->packets),
			(unsigned long long)(va.bytes - vb->bytes),
			(unsigned long long)(va.new_flows - vb->new_flows), c->in_len, c->new_flow);
		bad = 1;
	}
	if (ba.packets - bb->packets != 1 || ba.bytes - bb->bytes != c->in_len ||
	    ba.new_flows - bb->new_flows != (uint64_t)c->new_flow) {
		fprintf(
		    stderr,
		    "  %s [%s]: backend %d counters: +%llu packets +%llu bytes +%llu new flows, "
		    "want +1 +%u +%d\n",
		    who, c->name, c->backend, (unsigned long long)(ba.packets - bb->packets),
		    (unsigned long long)(ba.bytes - bb->bytes),
		    (unsigned long long)(ba.new_flows - bb->new_flows), c->in_len, c->new_flow);
		bad = 1;
	}
	return bad;
}

#endif
