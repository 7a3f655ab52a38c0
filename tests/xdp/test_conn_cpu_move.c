// SPDX-License-Identifier: MIT
/*
 * test_conn_cpu_move.c - a flow that moves to another CPU keeps its backend across a ring
 * change, even in its first second, when its connection entry still lives only in the per-CPU
 * cache of the CPU that saw its SYN. The SYN runs on CPU 0, the ring then changes so that a
 * fresh decision would pick another backend, and the flow's next packet runs on CPU 1. The
 * entry published to the shared table then carries none of the first CPU's private marks.
 */
#include <errno.h>
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
#include "dataplane/core/lb_maps.h"

#define RING 13

static struct lb *skel;
static struct lbt *tables;

static void on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(sched_setaffinity(0, sizeof(set), &set), 0);
}

/* Ethernet + IPv4 + TCP to 192.0.2.10:80 from 198.51.100.7:sport; returns the backend id
 * (last octet of the outer destination 203.0.113.(1 + id)), -1 if not forwarded. */
static int send_tcp(uint16_t sport, uint8_t flags)
{
	unsigned char in[FX_TCP4_FRAME_LEN];
	unsigned char out[128];

	fx_tcp4_frame(in, sport, 80, flags);
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.edgelb_xdp), &opts) ||
	    opts.retval != XDP_TX)
		return -1;
	return out[14 + 19] - 1;
}

static void set_ring_to(uint32_t backend)
{
	uint32_t ring[RING];

	for (int i = 0; i < RING; i++)
		ring[i] = backend;
	assert_int_equal(tables->ops->set_ring(tables, 0, ring, RING), 0);
}

static int setup(void **state)
{
	struct lb_node_cfg node = {.hash_seed = 9, .src4_host_mask = 0xff, .udp_idle_sec = 30};
	struct lbt_vip vip = {0};

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return 0; /* the test is skipped below */
	if (fx_load_lb(RING, 0, &skel, &tables, NULL))
		return -1;
	node.src4.w[0] = lb_htonl(0xac1f0000);
	tables->ops->set_node(tables, &node);
	for (uint32_t id = 0; id < 2; id++) {
		struct lb_backend be = {
		    .family = LB_AF_INET, .state = LB_BACKEND_UP, .generation = 1};

		be.addr.w[0] = lb_htonl(0xcb007101 + id);
		tables->ops->set_backend(tables, id, &be);
	}
	vip.key.addr.w[0] = lb_htonl(0xc000020a);
	vip.key.family = LB_AF_INET;
	vip.key.proto = 6;
	vip.key.port = lb_htons(80);
	vip.meta.ring_size = RING;
	set_ring_to(0);
	return lbt_install_vips(tables, &vip, 1);
}

static int teardown(void **state)
{
	if (tables)
		lbt_bpf_free(tables);
	if (skel)
		lb__destroy(skel);
	return 0;
}

/* The flow's entry in the shared table (conns): it must be there, and carry no runner bits. */
static void assert_shared_entry_clean(uint16_t sport)
{
	struct lb_flow key = {
	    .sport = lb_htons(sport), .dport = lb_htons(80), .proto = 6, .family = LB_AF_INET};
	struct lb_conn val;

	key.src.w[0] = lb_htonl(0xc6336407); /* 198.51.100.7 */
	key.dst.w[0] = lb_htonl(0xc000020a); /* 192.0.2.10 */
	assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.conns), &key, &val), 0);
	assert_int_equal(val.backend_id, 0);
	assert_int_equal(val.runner_bits, 0);
}

static void test_flow_keeps_backend_after_moving_cpu(void **state)
{
	if (!skel)
		skip();
	on_cpu(0);
	assert_int_equal(send_tcp(1000, 0x02), 0); /* SYN: decided on CPU 0, backend 0 */
	set_ring_to(1);                            /* a fresh decision now says backend 1 */
	on_cpu(1);
	assert_int_equal(send_tcp(1000, 0x10), 0); /* moved to CPU 1: still backend 0 */
	assert_shared_entry_clean(1000);           /* published from CPU 0's cache */
	assert_int_equal(send_tcp(1000, 0x10), 0);
	on_cpu(0);
	assert_int_equal(send_tcp(1000, 0x10), 0);
	/* an unknown mid-flow packet takes the ring's decision */
	on_cpu(1);
	assert_int_equal(send_tcp(2000, 0x10), 1);
	/* a new connection on the same tuple (SYN) is decided afresh */
	assert_int_equal(send_tcp(1000, 0x02), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flow_keeps_backend_after_moving_cpu),
	};
	return cmocka_run_group_tests_name("conn_cpu_move", tests, setup, teardown);
}
