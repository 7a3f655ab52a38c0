// SPDX-License-Identifier: MIT
/*
 * test_conn_aging.c - connection-entry aging in the packet core, through the userspace runner
 * whose clock the test moves by hand: UDP entries go stale after the configured idle time and
 * the flow is re-hashed; TCP entries survive at least 30 minutes of silence (LLM streams can be
 * silent for minutes); a CPU whose clock lags another's never ages an entry early; an entry's
 * remembered VIP never outlives a change of that VIP; and a frame without room for the outer
 * header is a counted drop on either path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/user/user_tables.h"

/* 1 tick = 2^30 ns ~ 1.074 s */
#define SEC_TO_TICKS(s) ((uint32_t)((uint64_t)(s)*1000000000ull >> 30))

static struct lb_user_tables *t;

static int setup(void **state)
{
	struct lb_node_cfg node = {
	    .hash_seed = 7, .udp_idle_sec = 30, .tcp_idle_sec = 1800, .src4_host_mask = 0xff};
	struct lb_backend be = {.family = LB_AF_INET, .state = LB_BACKEND_UP, .generation = 1};
	struct lbt_vip vips[2] = {0};
	uint32_t ring[13];

	t = lb_user_tables_new(1024);
	if (!t)
		return -1;
	node.src4.w[0] = lb_htonl(0xac1f0000);
	t->base.ops->set_node(&t->base, &node);
	be.addr.w[0] = lb_htonl(0xcb007101);
	t->base.ops->set_backend(&t->base, 0, &be);
	for (int i = 0; i < 13; i++)
		ring[i] = 0;
	for (int v = 0; v < 2; v++) {
		vips[v].key.addr.w[0] = lb_htonl(0xc000020a);
		vips[v].key.family = LB_AF_INET;
		vips[v].key.proto = v ? LB_IPPROTO_TCP : LB_IPPROTO_UDP;
		vips[v].key.port = lb_htons(443);
		vips[v].meta = (struct lb_vip_meta){.vip_id = (uint32_t)v, .ring_size = 13};
		t->base.ops->set_ring(&t->base, (uint32_t)v, ring, 13);
	}
	return lbt_install_vips(&t->base, vips, 2);
}

static int teardown(void **state)
{
	lb_user_tables_free(t);
	return 0;
}

/*
 * One frame to 192.0.2.10:443 from 198.51.100.7:5000: UDP, or TCP with the given flags. Returns
 * how many bytes the head grew by (20: IP-in-IP; 0: L2 DSR).
 */
static void send_with_headroom(uint8_t proto, uint8_t tcp_flags, size_t headroom,
			       struct lb_result *res)
{
	static uint8_t buf[256] __attribute__((aligned(8)));
	uint8_t *p = buf + headroom;
	size_t l4 = proto == LB_IPPROTO_UDP ? 8 : 20;
	struct lb_pkt pkt = {.data = p, .end = p + 14 + 20 + l4};

	memset(p, 0, 14 + 20 + l4);
	p[12] = 0x08;
	p[14] = 0x45;
	p[17] = (uint8_t)(20 + l4);
	p[22] = 64;
	p[23] = proto;
	memcpy(p + 26, "\xc6\x33\x64\x07\xc0\x00\x02\x0a", 8);
	p[34] = 0x13; /* sport 5000 */
	p[35] = 0x88;
	p[36] = 0x01; /* dport 443 */
	p[37] = 0xbb;
	if (proto == LB_IPPROTO_UDP) {
		p[39] = 8;
	} else {
		p[46] = 5 << 4;
		p[47] = tcp_flags;
	}
	lb_user_run(t, &pkt, buf, res);
}

static int send_one(uint8_t proto, uint8_t tcp_flags)
{
	struct lb_result res;

	send_with_headroom(proto, tcp_flags, 128 + 2, &res);
	assert_int_equal(res.verdict, LB_TX);
	return res.pushed;
}

static void test_udp_entry_ages_out(void **state)
{
	uint64_t hit, stale;

	t->now_tick = 1000;
	send_one(LB_IPPROTO_UDP, 0); /* miss: new entry */
	hit = t->gstats.conn_hit;
	stale = t->gstats.conn_stale;
	t->now_tick += SEC_TO_TICKS(20);
	send_one(LB_IPPROTO_UDP, 0);
	assert_int_equal(t->gstats.conn_hit, hit + 1); /* 20 s idle < 30 s */
	t->now_tick += SEC_TO_TICKS(45);
	send_one(LB_IPPROTO_UDP, 0);
	assert_int_equal(t->gstats.conn_stale, stale + 1); /* 45 s idle > 30 s: re-hashed */
	t->now_tick += 1;
	send_one(LB_IPPROTO_UDP, 0);
	assert_int_equal(t->gstats.conn_hit, hit + 2); /* the re-hash made a fresh entry */
}

static void test_tcp_entry_survives_30_minutes_idle(void **state)
{
	uint64_t hit, stale;

	t->now_tick = 50000;
	send_one(LB_IPPROTO_TCP, LB_TCP_SYN);
	hit = t->gstats.conn_hit;
	stale = t->gstats.conn_stale;
	t->now_tick += SEC_TO_TICKS(30 * 60); /* thirty silent minutes */
	send_one(LB_IPPROTO_TCP, LB_TCP_ACK);
	assert_int_equal(t->gstats.conn_hit, hit + 1);
	assert_int_equal(t->gstats.conn_stale, stale);
	t->now_tick += SEC_TO_TICKS(1900); /* beyond tcp_idle_sec (1800) */
	send_one(LB_IPPROTO_TCP, LB_TCP_ACK);
	assert_int_equal(t->gstats.conn_stale, stale + 1);
}

static void test_lagging_clock_never_ages_early(void **state)
{
	uint64_t hit;

	t->now_tick = 90000;
	send_one(LB_IPPROTO_UDP, 0);
	hit = t->gstats.conn_hit;
	/* another CPU, whose tick lags by 10, sees a last_seen in its future: fresh, not stale */
	t->now_tick -= 10;
	send_one(LB_IPPROTO_UDP, 0);
	assert_int_equal(t->gstats.conn_hit, hit + 1);
}

/*
 * The entry remembers its VIP (lb_fast_established): a change of the VIP's forwarding mode or id
 * reaches the established flow's next packet, whose backend stays the entry's.
 */
static void test_entry_follows_vip_change(void **state)
{
	struct lb_vip_key key = {.family = LB_AF_INET, .proto = LB_IPPROTO_TCP};
	struct lb_vip_meta meta = {.vip_id = 1, .ring_size = 13};
	uint64_t hit;

	key.addr.w[0] = lb_htonl(0xc000020a);
	key.port = lb_htons(443);
	t->now_tick = 120000;
	assert_int_equal(send_one(LB_IPPROTO_TCP, LB_TCP_SYN), 20);
	hit = t->gstats.conn_hit;
	assert_int_equal(send_one(LB_IPPROTO_TCP, LB_TCP_ACK), 20);
	assert_int_equal(t->gstats.conn_hit, hit + 1);

	meta.flags = LB_VIP_F_L2DSR;
	assert_int_equal(t->base.ops->set_vip(&t->base, &key, &meta), 0);
	assert_int_equal(send_one(LB_IPPROTO_TCP, LB_TCP_ACK), 0);
	assert_int_equal(send_one(LB_IPPROTO_TCP, LB_TCP_ACK), 0);
	assert_int_equal(t->gstats.conn_hit, hit + 3);

	meta = (struct lb_vip_meta){.vip_id = 0, .ring_size = 13}; /* counted as VIP id 0 now */
	assert_int_equal(t->base.ops->set_vip(&t->base, &key, &meta), 0);
	hit = t->vstats[0].packets;
	assert_int_equal(send_one(LB_IPPROTO_TCP, LB_TCP_ACK), 20);
	assert_int_equal(t->vstats[0].packets, hit + 1);

	meta = (struct lb_vip_meta){.vip_id = 1, .ring_size = 13};
	assert_int_equal(t->base.ops->set_vip(&t->base, &key, &meta), 0);
}

/*
 * A frame with no room in front for the outer header: dropped and counted as ENCAP_FAILED, not
 * as sent, both when the entry was already used this tick (the common-frame fast path) and when
 * it was not (the general path, which refreshes the entry).
 */
static void test_no_headroom_is_a_counted_drop(void **state)
{
	struct lb_result res;
	uint64_t tx, failed, rx;

	t->now_tick = 120000;
	send_one(LB_IPPROTO_TCP, LB_TCP_SYN);
	tx = t->gstats.tx;
	failed = t->gstats.drops[LB_DROP_ENCAP_FAILED];
	rx = t->gstats.rx_packets;
	send_with_headroom(LB_IPPROTO_TCP, LB_TCP_ACK, 2, &res); /* entry used this tick */
	assert_int_equal(res.verdict, LB_DROP);
	assert_int_equal(res.pushed, 0);
	assert_int_equal(t->gstats.drops[LB_DROP_ENCAP_FAILED], failed + 1);
	assert_int_equal(t->gstats.tx, tx);
	assert_int_equal(t->gstats.rx_packets, rx + 1);
	t->now_tick += 1; /* next tick: the general path */
	send_with_headroom(LB_IPPROTO_TCP, LB_TCP_ACK, 2, &res);
	assert_int_equal(res.verdict, LB_DROP);
	assert_int_equal(t->gstats.drops[LB_DROP_ENCAP_FAILED], failed + 2);
	assert_int_equal(t->gstats.tx, tx);
	send_one(LB_IPPROTO_TCP, LB_TCP_ACK); /* with room: sent on the same entry */
	assert_int_equal(t->gstats.tx, tx + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_udp_entry_ages_out),
	    cmocka_unit_test(test_tcp_entry_survives_30_minutes_idle),
	    cmocka_unit_test(test_lagging_clock_never_ages_early),
	    cmocka_unit_test(test_entry_follows_vip_change),
	    cmocka_unit_test(test_no_headroom_is_a_counted_drop),
	};
	return cmocka_run_group_tests_name("conn_aging", tests, setup, teardown);
}
