// SPDX-License-Identifier: MIT
/*
 * test_vip_slots.c - the XDP program's seqlocked VIP slots (dataplane/core/lb_maps.h) in front of
 * the `vips` hash map. The fast path really answers from a slot; a daemon that adopts the maps
 * makes the slots agree with `vips` again; two keys of one slot both work, and deleting the
 * occupant moves the other in; a deleted VIP is gone at once; an established flow, decided on its
 * connection entry, follows every change of its VIP; and a VIP whose entry is rewritten
 * thousands of times under traffic is seen whole, old or new, by every packet. All of it twice:
 * with the kernel's config, and without it (the program's clock then falls back to a helper).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
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

#define RING        257 /* prime; small rings are quick to write */
#define NBACKEND    6   /* ring of VIP id 0: backends 0..2, of VIP id 1: 3..5 */
#define REWRITES    3000
#define VIP_ADDR    0xc000020au /* 192.0.2.10 */
#define FRAME_LEN   FX_TCP4_FRAME_LEN
#define OUTER_DST_0 0xcb007101u /* backend id's outer destination: 203.0.113.(1 + id) */

static struct lb *skel;
static struct lbt_bpf_fds fds;
static struct lbt *tables;
static atomic_int stop;

/* How a SYN came out: passed, or forwarded by IP-in-IP or by MAC rewrite, and to which backend. */
struct outcome {
	int ok;
	__u32 retval;
	int ipip;         /* else L2 DSR */
	unsigned backend; /* from the outer destination / the destination MAC */
};

static struct outcome send_tcp(uint16_t sport, uint16_t dport, uint8_t flags)
{
	unsigned char in[FRAME_LEN], out[256];
	struct outcome o = {0};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = sizeof(in),
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	fx_tcp4_frame(in, sport, dport, flags);
	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.edgelb_xdp), &opts))
		return o;
	o.ok = 1;
	o.retval = opts.retval;
	if (opts.data_size_out == FRAME_LEN + 20) {
		o.ipip = 1;
		o.backend = (unsigned)out[14 + 19] - 1;
	} else {
		o.backend = out[5]; /* destination MAC: 02:00:00:00:00:id */
	}
	return o;
}

static struct outcome send_syn(uint16_t sport, uint16_t dport)
{
	return send_tcp(sport, dport, 0x02 /* SYN */);
}

static struct lb_vip_key vip_key(uint16_t port)
{
	struct lb_vip_key key = {.family = LB_AF_INET, .proto = 6};

	key.addr.w[0] = lb_htonl(VIP_ADDR);
	key.port = lb_htons(port);
	return key;
}

static struct lb_vip_meta vip_meta(uint32_t vip_id, uint32_t flags, uint32_t generation)
{
	return (struct lb_vip_meta){
	    .vip_id = vip_id, .flags = flags, .ring_size = RING, .generation = generation};
}

static int install_backends_and_rings(void)
{
	static uint32_t ring[2][RING];

	for (uint32_t id = 0; id < NBACKEND; id++) {
		struct lb_backend be = {.family = LB_AF_INET,
					.state = LB_BACKEND_UP,
					.generation = 1,
					.mac = {0x02, 0, 0, 0, 0, (__u8)id}};

		be.addr.w[0] = lb_htonl(OUTER_DST_0 + id);
		if (tables->ops->set_backend(tables, id, &be))
			return -1;
	}
	for (uint32_t i = 0; i < RING; i++) {
		ring[0][i] = i % 3;
		ring[1][i] = 3 + i % 3;
	}
	if (tables->ops->set_ring(tables, 0, ring[0], RING) ||
	    tables->ops->set_ring(tables, 1, ring[1], RING))
		return -1;
	return 0;
}

static int setup_kconfig(const char *kconfig)
{
	struct lb_node_cfg node = {.hash_seed = 1, .src4_host_mask = 0xff};
	struct lb_vip_filter filter = {0};
	struct lb_addr addr = {.w = {lb_htonl(VIP_ADDR)}};
	__u32 bit = lb_vip_filter_bit(&addr, LB_AF_INET);

	if (fx_load_lb_kconfig(RING, 0, kconfig, &skel, &tables, &fds) || !fds.vip_slots)
		return -1;
	node.src4.w[0] = lb_htonl(0xac1f0000);
	filter.bits[bit >> 6] |= 1ull << (bit & 63);
	if (tables->ops->set_node(tables, &node) || tables->ops->set_filter(tables, &filter))
		return -1;
	return install_backends_and_rings();
}

static int setup(void **state)
{
	return setup_kconfig(lbt_bpf_kconfig());
}

/* As on a machine without the kernel's config: no CONFIG_HZ, the clock read through a helper. */
static int setup_without_kernel_config(void **state)
{
	return setup_kconfig(LBT_BPF_KCONFIG_STANDIN);
}

static int teardown(void **state)
{
	lbt_bpf_free(tables);
	lb__destroy(skel);
	return 0;
}

static void read_slot(const struct lb_vip_key *key, struct lb_vip_slot *slot)
{
	__u32 idx = lb_vip_slot_index(key);

	assert_int_equal(bpf_map_lookup_elem(fds.vip_slots, &idx, slot), 0);
}

static void assert_goes_to_ring(uint16_t dport, int ring_id, int ipip)
{
	struct outcome o = send_syn(1000, dport);

	assert_true(o.ok);
	assert_int_equal(o.retval, XDP_TX);
	assert_int_equal(o.ipip, ipip);
	assert_int_equal(o.backend / 3, ring_id);
}

/*
 * A slot that disagrees with `vips` (as a daemon killed between its two writes would leave it)
 * decides: the fast path reads the slot. A new lbt over the same maps puts it right.
 */
static void test_slot_decides_and_adoption_resyncs(void **state)
{
	struct lb_vip_key key = vip_key(443);
	struct lb_vip_meta meta = vip_meta(0, 0, 1);
	struct lb_vip_slot slot;
	__u32 idx = lb_vip_slot_index(&key);

	assert_int_equal(tables->ops->set_vip(tables, &key, &meta), 0);
	read_slot(&key, &slot);
	assert_memory_equal(&slot.key, &key, sizeof(key));
	assert_memory_equal(&slot.meta, &meta, sizeof(meta));
	assert_int_equal(slot.seq & 1, 0);
	assert_goes_to_ring(443, 0, 1);

	slot.meta.vip_id = 1; /* only the slot says so */
	assert_int_equal(bpf_map_update_elem(fds.vip_slots, &idx, &slot, BPF_ANY), 0);
	assert_goes_to_ring(443, 1, 1);

	lbt_bpf_free(tables);
	tables = lbt_bpf_new(&fds, RING);
	assert_non_null(tables);
	read_slot(&key, &slot);
	assert_int_equal(slot.meta.vip_id, 0);
	assert_goes_to_ring(443, 0, 1);

	assert_int_equal(tables->ops->del_vip(tables, &key), 0);
}

/* A deleted VIP is gone from its slot too: its packets go to the kernel. */
static void test_deleted_vip_passes(void **state)
{
	struct lb_vip_key key = vip_key(8443);
	struct lb_vip_meta meta = vip_meta(1, 0, 1);
	struct lb_vip_slot slot;
	struct outcome o;

	assert_int_equal(tables->ops->set_vip(tables, &key, &meta), 0);
	assert_goes_to_ring(8443, 1, 1);
	assert_int_equal(tables->ops->del_vip(tables, &key), 0);
	read_slot(&key, &slot);
	assert_int_equal(slot.key.family, 0);
	o = send_syn(1000, 8443);
	assert_true(o.ok);
	assert_int_equal(o.retval, XDP_PASS);
}

/* Two ports of the VIP address whose keys share a slot. */
static void find_colliding_ports(uint16_t *a, uint16_t *b)
{
	struct lb_vip_key first = vip_key(1000);
	__u32 idx = lb_vip_slot_index(&first);

	for (uint16_t port = 1001; port < 60000; port++) {
		struct lb_vip_key k = vip_key(port);

		if (lb_vip_slot_index(&k) == idx) {
			*a = 1000;
			*b = port;
			return;
		}
	}
	fail_msg("no two ports share a VIP slot");
}

static void test_colliding_keys(void **state)
{
	uint16_t pa = 0, pb = 0;
	struct lb_vip_key ka, kb;
	struct lb_vip_meta ma = vip_meta(0, 0, 1), mb = vip_meta(1, 0, 1);
	struct lb_vip_slot slot;

	find_colliding_ports(&pa, &pb);
	ka = vip_key(pa);
	kb = vip_key(pb);
	assert_int_equal(tables->ops->set_vip(tables, &ka, &ma), 0);
	assert_int_equal(tables->ops->set_vip(tables, &kb, &mb), 0);
	read_slot(&ka, &slot);
	assert_memory_equal(&slot.key, &ka, sizeof(ka)); /* first come */
	assert_goes_to_ring(pa, 0, 1);
	assert_goes_to_ring(pb, 1, 1); /* from `vips` */

	mb.flags = LB_VIP_F_L2DSR; /* a change of the key outside the slot is seen too */
	assert_int_equal(tables->ops->set_vip(tables, &kb, &mb), 0);
	assert_goes_to_ring(pb, 1, 0);

	assert_int_equal(tables->ops->del_vip(tables, &ka), 0);
	read_slot(&kb, &slot);
	assert_memory_equal(&slot.key, &kb, sizeof(kb)); /* moved in */
	assert_memory_equal(&slot.meta, &mb, sizeof(mb));
	assert_goes_to_ring(pb, 1, 0);
	assert_int_equal(send_syn(1000, pa).retval, XDP_PASS);
	assert_int_equal(tables->ops->del_vip(tables, &kb), 0);
}

static uint64_t vip_packets(uint32_t vip_id)
{
	struct lb_vip_stats st;

	assert_int_equal(tables->ops->read_vip_stats(tables, vip_id, &st), 0);
	return st.packets;
}

/*
 * An established flow's packets are decided on its connection entry, which remembers its VIP
 * (lb_fast_established): every change of a VIP entry must still reach them. The flow keeps its
 * backend throughout (the entry), but takes the VIP's new forwarding mode, is counted for the
 * VIP id now configured, and goes to the kernel once the VIP is deleted.
 */
static void test_established_flow_follows_vip_change(void **state)
{
	struct lb_vip_key key = vip_key(9443);
	struct lb_vip_meta meta = vip_meta(0, 0, 1);
	struct lb_global_stats g0, g1;
	struct outcome first, o;
	uint64_t before0, before1;

	assert_int_equal(tables->ops->set_vip(tables, &key, &meta), 0);
	first = send_syn(2000, 9443);
	assert_int_equal(first.retval, XDP_TX);
	assert_true(first.ipip && first.backend < 3);
	assert_int_equal(tables->ops->read_global(tables, &g0), 0);
	for (int i = 0; i < 40; i++) { /* the entry's own packets: IP-in-IP, same backend */
		o = send_tcp(2000, 9443, 0x10 /* ACK */);
		assert_int_equal(o.retval, XDP_TX);
		assert_true(o.ipip);
		assert_int_equal(o.backend, first.backend);
	}
	assert_int_equal(tables->ops->read_global(tables, &g1), 0);
	assert_int_equal(g1.conn_hit - g0.conn_hit, 40); /* over more than one clock refresh */

	meta.flags = LB_VIP_F_L2DSR; /* same VIP id, now L2 DSR */
	assert_int_equal(tables->ops->set_vip(tables, &key, &meta), 0);
	for (int i = 0; i < 3; i++) {
		o = send_tcp(2000, 9443, 0x10);
		assert_int_equal(o.retval, XDP_TX);
		assert_false(o.ipip);
		assert_int_equal(o.backend, first.backend);
	}

	meta = vip_meta(1, 0, 2); /* another VIP id: counted there */
	assert_int_equal(tables->ops->set_vip(tables, &key, &meta), 0);
	before0 = vip_packets(0);
	before1 = vip_packets(1);
	for (int i = 0; i < 3; i++) {
		o = send_tcp(2000, 9443, 0x10);
		assert_int_equal(o.retval, XDP_TX);
		assert_true(o.ipip);
		assert_int_equal(o.backend, first.backend);
	}
	assert_int_equal(vip_packets(0), before0);
	assert_int_equal(vip_packets(1), before1 + 3);

	assert_int_equal(tables->ops->del_vip(tables, &key), 0);
	assert_int_equal(send_tcp(2000, 9443, 0x10).retval, XDP_PASS);
}

struct stream_result {
	unsigned long packets, old_whole, new_whole, torn, other;
};

/*
 * Entry A: VIP id 0, IP-in-IP (backends 0..2); entry B: VIP id 1, L2 DSR (backends 3..5). A torn
 * read would mix them: IP-in-IP to 3..5 or L2 DSR to 0..2.
 */
static void *stream(void *arg)
{
	struct stream_result *r = arg;
	uint16_t sport = 1;

	while (!atomic_load(&stop)) {
		struct outcome o = send_syn(sport++, 443);

		r->packets++;
		if (!o.ok || o.retval != XDP_TX || o.backend >= NBACKEND)
			r->other++;
		else if (o.ipip && o.backend < 3)
			r->old_whole++;
		else if (!o.ipip && o.backend >= 3)
			r->new_whole++;
		else
			r->torn++;
	}
	return NULL;
}

static void test_rewrites_under_traffic_never_torn(void **state)
{
	struct lb_vip_key key = vip_key(443);
	struct lb_vip_meta a = vip_meta(0, 0, 1), b = vip_meta(1, LB_VIP_F_L2DSR, 2);
	struct stream_result r = {0};
	pthread_t th;

	assert_int_equal(tables->ops->set_vip(tables, &key, &a), 0);
	atomic_store(&stop, 0);
	assert_int_equal(pthread_create(&th, NULL, stream, &r), 0);
	for (int i = 0; i < REWRITES || r.packets < 2000; i++) {
		assert_int_equal(tables->ops->set_vip(tables, &key, (i & 1) ? &a : &b), 0);
		if (i % 64 == 0 || i % 64 == 33)
			usleep(100); /* settled entries too, A and B alike (on a busy CPU the
				      * stream may run only while this thread sleeps) */
	}
	atomic_store(&stop, 1);
	pthread_join(th, NULL);
	printf("   %d rewrites under %lu packets: %lu entry A, %lu entry B, %lu torn\n", REWRITES,
	       r.packets, r.old_whole, r.new_whole, r.torn);
	assert_int_equal(r.torn, 0);
	assert_int_equal(r.other, 0);
	assert_true(r.old_whole > 0 && r.new_whole > 0);
	assert_int_equal(tables->ops->del_vip(tables, &key), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slot_decides_and_adoption_resyncs),
	    cmocka_unit_test(test_deleted_vip_passes),
	    cmocka_unit_test(test_colliding_keys),
	    cmocka_unit_test(test_established_flow_follows_vip_change),
	    cmocka_unit_test(test_rewrites_under_traffic_never_torn),
	};
	int failed = cmocka_run_group_tests_name("vip_slots", tests, setup, teardown);

	return failed + cmocka_run_group_tests_name("vip_slots_without_kernel_config", tests,
						    setup_without_kernel_config, teardown);
}
