// SPDX-License-Identifier: MIT
/*
 * test_decap.c - the backend-side decapsulation program (bpf/decap.bpf.c) through
 * BPF_PROG_TEST_RUN: every IP-in-IP frame the fixtures expect the LB to send comes out as the
 * inner packet, byte for byte; tunnels to other hosts and plain traffic pass untouched; inner
 * packets for no VIP, or broken, are dropped. Expectations: tests/xdp/fixtures.py.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "bpf/decap.skel.h"
#include "tests/xdp/fx_tables.h"

#define NDECAP (sizeof(fx_decap_cases) / sizeof(fx_decap_cases[0]))

static struct decap *skel;

struct decap_addr_key { /* as in bpf/decap.bpf.c */
	struct lb_addr addr;
	__u32 family;
};

static int add(int fd, const unsigned char *addr, int family)
{
	struct decap_addr_key key = {.family = (__u32)family};
	__u8 one = 1;

	memcpy(key.addr.b, addr, 16);
	return bpf_map_update_elem(fd, &key, &one, BPF_ANY);
}

static int setup(void **state)
{
	skel = decap__open_and_load();
	if (!skel)
		return -1;
	for (size_t i = 0; i < sizeof(fx_backends) / sizeof(fx_backends[0]); i++)
		if (add(bpf_map__fd(skel->maps.decap_local), fx_backends[i].addr,
			fx_backends[i].family))
			return -1;
	for (size_t i = 0; i < sizeof(fx_vips) / sizeof(fx_vips[0]); i++)
		if (add(bpf_map__fd(skel->maps.decap_vips), fx_vips[i].addr, fx_vips[i].family))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	decap__destroy(skel);
	return 0;
}

static void test_decap_case(void **state)
{
	const struct fx_decap_case *c = *state;
	unsigned char out[1024];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = c->in, .data_size_in = c->in_len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int want = c->verdict == LB_PASS ? XDP_PASS : XDP_DROP;

	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.edgelb_decap), &opts),
			 0);
	assert_int_equal(opts.retval, want);
	if (want == XDP_PASS) {
		assert_int_equal(opts.data_size_out, c->out_len);
		assert_memory_equal(out, c->out, c->out_len);
	}
}

int main(void)
{
	struct CMUnitTest *tests = calloc(NDECAP, sizeof(*tests));

	for (size_t i = 0; i < NDECAP; i++) {
		tests[i].name = fx_decap_cases[i].name;
		tests[i].test_func = test_decap_case;
		tests[i].initial_state = (void *)&fx_decap_cases[i];
	}
	int failed = _cmocka_run_group_tests("xdp_decap", tests, NDECAP, setup, teardown);
	free(tests);
	return failed;
}
