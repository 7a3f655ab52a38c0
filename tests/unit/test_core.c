// SPDX-License-Identifier: MIT
/*
 * test_core.c - unit tests of the packet core's pieces in userspace: the flow hash (it is
 * MurmurHash3 x86_32, checked against the algorithm's published test vectors), the ring
 * reduction, the parser on extension headers / VLAN / fragments, the userspace connection
 * table's LRU behaviour, and the VIP entry expansion of control/fastpath/lbtables.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/core/conn_table.h"
#include "dataplane/core/flow.h"
#include "dataplane/core/parse.h"

/* MurmurHash3_x86_32 of a 4-byte key, through the core's primitives. */
static uint32_t murmur4(const uint8_t k[4], uint32_t seed)
{
	uint32_t word;

	memcpy(&word, k, 4);
	return lb_murmur_final(lb_murmur_mix(seed, word), 4);
}

static void test_murmur3_published_vectors(void **state)
{
	/* empty input: no block mixed, only finalisation */
	assert_int_equal(lb_murmur_final(0, 0), 0);
	assert_int_equal(lb_murmur_final(1, 0), 0x514E28B7);
	assert_int_equal(lb_murmur_final(0xffffffff, 0), 0x81F16F39);
	/* one 4-byte block */
	assert_int_equal(murmur4((const uint8_t *)"\xff\xff\xff\xff", 0), 0x76293B50);
	assert_int_equal(murmur4((const uint8_t *)"\x21\x43\x65\x87", 0), 0xF55B516B);
	assert_int_equal(murmur4((const uint8_t *)"\x21\x43\x65\x87", 0x5082EDEE), 0x2362F9DE);
	assert_int_equal(murmur4((const uint8_t *)"\0\0\0\0", 0), 0x2362F9DE);
	assert_int_equal(murmur4((const uint8_t *)"aaaa", 0x9747b28c), 0x5A97808A);
	assert_int_equal(murmur4((const uint8_t *)"abcd", 0x9747b28c), 0xF0478627);
}

/* Generic MurmurHash3_x86_32 over whole 4-byte blocks, written from the algorithm. */
static uint32_t murmur_blocks(const uint8_t *data, size_t len, uint32_t seed)
{
	uint32_t h = seed;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t k;

		memcpy(&k, data + i, 4);
		h = lb_murmur_mix(h, k);
	}
	return lb_murmur_final(h, (uint32_t)len);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static void test_flow_hash_is_murmur_of_the_tuple(void **state)
{
	for (int i = 0; i < 1000; i++) {
		struct lb_flow f = {.family = LB_AF_INET, .proto = LB_IPPROTO_TCP};
		uint8_t buf[40];
		uint32_t seed = rng(), ports, proto = LB_IPPROTO_TCP;

		f.src.w[0] = rng();
		f.dst.w[0] = rng();
		f.sport = (uint16_t)rng();
		f.dport = (uint16_t)rng();
		ports = lb_ports_word(f.sport, f.dport);
		memcpy(buf, &f.src.w[0], 4);
		memcpy(buf + 4, &f.dst.w[0], 4);
		memcpy(buf + 8, &ports, 4);
		memcpy(buf + 12, &proto, 4);
		assert_int_equal(lb_flow_hash(&f, seed), murmur_blocks(buf, 16, seed));

		f.family = LB_AF_INET6;
		for (int w = 1; w < 4; w++) {
			f.src.w[w] = rng();
			f.dst.w[w] = rng();
		}
		memcpy(buf, f.src.w, 16);
		memcpy(buf + 16, f.dst.w, 16);
		memcpy(buf + 32, &ports, 4);
		memcpy(buf + 36, &proto, 4);
		assert_int_equal(lb_flow_hash(&f, seed), murmur_blocks(buf, 40, seed));
	}
}

static void test_hash_depends_on_seed_and_every_field(void **state)
{
	struct lb_flow f = {.family = LB_AF_INET, .proto = LB_IPPROTO_TCP, .sport = 1, .dport = 2};
	uint32_t h = lb_flow_hash(&f, 7);

	assert_int_not_equal(h, lb_flow_hash(&f, 8));
	f.sport = 3;
	assert_int_not_equal(h, lb_flow_hash(&f, 7));
	f.sport = 1;
	f.proto = LB_IPPROTO_UDP;
	assert_int_not_equal(h, lb_flow_hash(&f, 7));
	/* source hashing ignores ports and destination */
	f.dport = 99;
	f.dst.w[0] = 1234;
	struct lb_flow g = f;
	g.sport = 4000;
	assert_int_equal(lb_src_hash(&f, 7), lb_src_hash(&g, 7));
}

static void test_ring_slot_uniform_and_in_range(void **state)
{
	enum { M = 13, N = 1300000 };
	uint32_t count[M] = {0};

	assert_int_equal(lb_ring_slot(0, M), 0);
	assert_int_equal(lb_ring_slot(0xffffffff, M), M - 1);
	for (int i = 0; i < N; i++) {
		struct lb_flow f = {.family = LB_AF_INET, .proto = 6};

		f.src.w[0] = (uint32_t)i;
		f.sport = (uint16_t)(i * 7);
		uint32_t slot = lb_ring_slot(lb_flow_hash(&f, 42), M);
		assert_true(slot < M);
		count[slot]++;
	}
	for (int s = 0; s < M; s++) /* 100000 expected each; 1% is > 30 standard deviations */
		assert_in_range(count[s], 99000, 101000);
}

/* ---- parser ---- */

static uint8_t frame[256] __attribute__((aligned(8)));

static size_t put_eth(uint8_t *p, uint16_t type)
{
	memset(p, 0x02, 12);
	p[12] = type >> 8;
	p[13] = type & 0xff;
	return 14;
}

static size_t put_ipv6(uint8_t *p, uint8_t nexthdr, uint16_t payload)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	p[4] = payload >> 8;
	p[5] = payload & 0xff;
	p[6] = nexthdr;
	p[7] = 64;
	p[8] = 0x20; /* 2001:db8::1 -> 2001:db8::2 */
	p[9] = 0x01;
	p[10] = 0x0d;
	p[11] = 0xb8;
	p[23] = 1;
	memcpy(p + 24, p + 8, 16);
	p[39] = 2;
	return 40;
}

static void test_parse_ipv6_extension_chain(void **state)
{
	uint8_t *p = frame + 2;
	size_t off = 2 + put_eth(p, LB_ETH_P_IPV6);
	struct lb_parsed pp = {};

	/* hop-by-hop (8) -> routing (24) -> destination options (8) -> TCP (20) */
	off += put_ipv6(frame + off, LB_IPPROTO_HOPOPTS, 8 + 24 + 8 + 20);
	memset(frame + off, 0, 60);
	frame[off] = LB_IPPROTO_ROUTING;
	frame[off + 8] = LB_IPPROTO_DSTOPTS;
	frame[off + 9] = 2; /* (2 + 1) * 8 = 24 bytes */
	frame[off + 32] = LB_IPPROTO_TCP;
	frame[off + 40] = 0x12; /* sport 0x1234 */
	frame[off + 41] = 0x34;
	frame[off + 43] = 80;
	frame[off + 52] = 5 << 4; /* data offset */
	frame[off + 53] = LB_TCP_SYN;
	assert_int_equal(lb_parse(p, frame + off + 60, &pp), LB_PARSE_OK);
	assert_int_equal(pp.flow.family, LB_AF_INET6);
	assert_int_equal(pp.flow.proto, LB_IPPROTO_TCP);
	assert_int_equal(pp.l4_off, 14 + 40 + 40);
	assert_int_equal(lb_ntohs(pp.flow.sport), 0x1234);
	assert_int_equal(lb_ntohs(pp.flow.dport), 80);
	assert_int_equal(pp.tcp_flags, LB_TCP_SYN);
	assert_int_equal(pp.fragment, 0);
	assert_int_equal(pp.flow.dst.b[15], 2);
}

static void test_parse_ipv6_later_fragment_has_no_ports(void **state)
{
	uint8_t *p = frame + 2;
	size_t off = 2 + put_eth(p, LB_ETH_P_IPV6);
	struct lb_parsed pp = {};

	off += put_ipv6(frame + off, LB_IPPROTO_FRAGMENT, 8 + 16);
	memset(frame + off, 0xee, 24);
	frame[off] = LB_IPPROTO_UDP;
	frame[off + 2] = 0x00; /* offset 185 * 8, M = 0 */
	frame[off + 3] = 0xb9 << 3 & 0xff;
	assert_int_equal(lb_parse(p, frame + off + 24, &pp), LB_PARSE_OK);
	assert_int_equal(pp.fragment, 1);
	assert_int_equal(pp.flow.proto, LB_IPPROTO_UDP);
	assert_int_equal(pp.flow.sport, 0); /* 0xeeee would mean the payload was read as ports */
	assert_int_equal(pp.flow.dport, 0);
}

static void test_parse_vlan_ipv4_fragment_flags(void **state)
{
	uint8_t *p = frame + 2;
	struct lb_parsed pp = {};
	uint8_t *ip;

	put_eth(p, LB_ETH_P_8021Q);
	p[14] = 0x20; /* TCI: priority 1, VLAN 5 */
	p[15] = 0x05;
	p[16] = 0x08;
	p[17] = 0x00;
	ip = p + 18;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[3] = 28;
	ip[6] = 0x20; /* MF, offset 0: the first fragment */
	ip[9] = LB_IPPROTO_UDP;
	assert_int_equal(lb_parse(p, ip + 28, &pp), LB_PARSE_OK);
	assert_int_equal(pp.has_vlan, 1);
	assert_int_equal(pp.vlan_tci, lb_htons(0x2005));
	assert_int_equal(pp.l3_off, 18);
	assert_int_equal(pp.l4_off, 38);
	assert_int_equal(pp.fragment, 1);
	ip[6] = 0x40; /* DF only: not a fragment */
	memset(&pp, 0, sizeof(pp));
	ip[24] = 0; /* UDP length 8 */
	ip[25] = 8;
	assert_int_equal(lb_parse(p, ip + 28, &pp), LB_PARSE_OK);
	assert_int_equal(pp.fragment, 0);
	assert_int_equal(pp.ipv4_df, 1);
	p[12] = 0x08; /* ARP */
	p[13] = 0x06;
	assert_int_equal(lb_parse(p, ip + 28, &pp), LB_PARSE_NOT_IP);
}

/* ---- connection table ---- */

static struct lb_flow flow_n(uint32_t n)
{
	struct lb_flow f = {.family = LB_AF_INET, .proto = LB_IPPROTO_TCP};

	f.src.w[0] = n;
	return f;
}

/* The table's clock starts at start_clock: the recency stamps wrap during the test near 2^32. */
static void conn_table_lru_eviction_from(uint32_t start_clock)
{
	static struct lb_ct_bucket one_bucket[1];
	struct lb_conn_table ct;
	struct lb_conn v = {0};

	memset(one_bucket, 0, sizeof(one_bucket));
	assert_int_equal(lb_ct_mem_size(LB_CT_WAYS, NULL), sizeof(one_bucket));
	lb_ct_init(&ct, one_bucket, LB_CT_WAYS); /* one bucket: every flow competes */
	ct.clock = start_clock;
	for (uint32_t i = 0; i < LB_CT_WAYS; i++) {
		struct lb_flow f = flow_n(i);

		v.backend_id = i;
		lb_ct_put(&ct, &f, &v);
	}
	/* touch all but flow 3: flow 3 becomes the least recently used */
	for (uint32_t i = 0; i < LB_CT_WAYS; i++) {
		struct lb_flow f = flow_n(i);

		if (i != 3)
			assert_non_null(lb_ct_get(&ct, &f));
	}
	struct lb_flow newcomer = flow_n(100);
	v.backend_id = 100;
	lb_ct_put(&ct, &newcomer, &v);
	assert_int_equal(ct.evictions, 1);
	struct lb_flow f3 = flow_n(3);
	assert_null(lb_ct_get(&ct, &f3));
	assert_int_equal(lb_ct_get(&ct, &newcomer)->backend_id, 100);
	for (uint32_t i = 0; i < LB_CT_WAYS; i++) {
		struct lb_flow f = flow_n(i);

		if (i != 3)
			assert_int_equal(lb_ct_get(&ct, &f)->backend_id, i);
	}
	/* updating an existing key replaces its value without evicting */
	v.backend_id = 7;
	lb_ct_put(&ct, &newcomer, &v);
	assert_int_equal(ct.evictions, 1);
	assert_int_equal(lb_ct_get(&ct, &newcomer)->backend_id, 7);
	lb_ct_del(&ct, &newcomer);
	assert_null(lb_ct_get(&ct, &newcomer));
	/* the way it freed (in the middle of the bucket) is taken before any LRU eviction */
	struct lb_flow late = flow_n(200);
	v.backend_id = 200;
	lb_ct_put(&ct, &late, &v);
	assert_int_equal(ct.evictions, 1);
	assert_int_equal(lb_ct_get(&ct, &late)->backend_id, 200);
	for (uint32_t i = 0; i < LB_CT_WAYS; i++) {
		struct lb_flow f = flow_n(i);

		if (i != 3)
			assert_int_equal(lb_ct_get(&ct, &f)->backend_id, i);
	}
}

static void test_conn_table_lru_eviction(void **state)
{
	conn_table_lru_eviction_from(0);
	conn_table_lru_eviction_from(UINT32_MAX - 10); /* stamps wrap halfway through */
}

/*
 * A new entry's line holds exactly the key and the value (runner_bits 0), whatever the way held
 * before: lb_ct_entry_write writes it whole, in four streaming stores where SSE2 is there.
 */
static void test_conn_table_entry_written_whole(void **state)
{
	static struct lb_ct_bucket one_bucket[1];
	struct lb_conn_table ct;
	struct lb_flow f = {.family = LB_AF_INET6, .proto = LB_IPPROTO_TCP};
	struct lb_conn v = {.backend_id = 0x11121314u,
			    .backend_gen = 0x21222324u,
			    .last_seen = 0x31323334u,
			    .hash = 0x41424344u,
			    .vip_epoch = 0x51525354u,
			    .vip_id = 0x6162,
			    .vip_flags = 0x71,
			    .runner_bits = 0x81};
	struct lb_ct_entry want;
	const struct lb_conn *got;

	for (int i = 0; i < 4; i++) {
		f.src.w[i] = 0xa0a1a2a3u + (uint32_t)i;
		f.dst.w[i] = 0xb0b1b2b3u + (uint32_t)i;
	}
	f.sport = 0xc1c2;
	f.dport = 0xd1d2;
	memset(&want, 0, sizeof(want));
	want.key = f;
	want.val = v;
	want.val.runner_bits = 0;
	/* every way full of stale bytes, tags free */
	memset(one_bucket, 0x5a, sizeof(one_bucket));
	memset(one_bucket[0].tag, 0, sizeof(one_bucket[0].tag));
	lb_ct_init(&ct, one_bucket, LB_CT_WAYS);
	assert_int_equal(lb_ct_put(&ct, &f, &v), 0);
	got = lb_ct_get(&ct, &f);
	assert_non_null(got);
	assert_ptr_equal(got, &one_bucket[0].e[0].val);
	assert_memory_equal(&one_bucket[0].e[0], &want, sizeof(want));
	/* an update of the same key rewrites the value in place */
	v.backend_id = 0x99;
	want.val.backend_id = 0x99;
	assert_int_equal(lb_ct_put(&ct, &f, &v), 0);
	assert_memory_equal(&one_bucket[0].e[0], &want, sizeof(want));
	assert_int_equal(ct.evictions, 0);
}

/* ---- VIP entry expansion ---- */

static struct lbt_vip vip4(uint32_t addr_host, uint8_t proto, uint16_t port, uint32_t id)
{
	struct lbt_vip v = {0};

	v.key.addr.w[0] = lb_htonl(addr_host);
	v.key.family = LB_AF_INET;
	v.key.proto = proto;
	v.key.port = lb_htons(port);
	v.meta.vip_id = id;
	return v;
}

static const struct lbt_vip_entry *find(const struct lbt_vip_entry *e, size_t n, uint8_t proto,
					uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (e[i].key.proto == proto && e[i].key.port == lb_htons(port))
			return &e[i];
	return NULL;
}

static void test_vip_entries_icmp_and_fragment_alias(void **state)
{
	/* two TCP port VIPs on one address, listed highest port first */
	struct lbt_vip vips[] = {vip4(0xc000020a, 6, 8080, 1), vip4(0xc000020a, 6, 80, 2),
				 vip4(0xc000020b, 17, 0, 3)};
	struct lbt_vip_entry e[9];
	struct lb_vip_filter filter;
	size_t n = lbt_vip_entries(vips, 3, e, &filter);
	const struct lbt_vip_entry *alias = find(e, n, 6, 0), *icmp = find(e, n, 1, 0);

	/* 3 VIPs + 2 ICMP entries + 1 TCP fragment alias; the UDP all-ports VIP needs none */
	assert_int_equal(n, 6);
	assert_non_null(alias);
	assert_true(alias->meta.flags & LB_VIP_F_FRAG_ONLY);
	assert_int_equal(alias->meta.vip_id, 2); /* the lowest port, whatever the order */
	assert_non_null(icmp);
	assert_true(lb_vip_filter_test(&filter, &vips[0].key.addr, LB_AF_INET));
	assert_true(lb_vip_filter_test(&filter, &vips[2].key.addr, LB_AF_INET));
	const struct lbt_vip_entry *udp = find(e, n, 17, 0);
	assert_non_null(udp);
	assert_false(udp->meta.flags & LB_VIP_F_FRAG_ONLY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_murmur3_published_vectors),
	    cmocka_unit_test(test_flow_hash_is_murmur_of_the_tuple),
	    cmocka_unit_test(test_hash_depends_on_seed_and_every_field),
	    cmocka_unit_test(test_ring_slot_uniform_and_in_range),
	    cmocka_unit_test(test_parse_ipv6_extension_chain),
	    cmocka_unit_test(test_parse_ipv6_later_fragment_has_no_ports),
	    cmocka_unit_test(test_parse_vlan_ipv4_fragment_flags),
	    cmocka_unit_test(test_conn_table_lru_eviction),
	    cmocka_unit_test(test_conn_table_entry_written_whole),
	    cmocka_unit_test(test_vip_entries_icmp_and_fragment_alias),
	};
	return cmocka_run_group_tests_name("core", tests, NULL, NULL);
}
