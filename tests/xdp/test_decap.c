// SPDX-License-Identifier: MIT
/*
 * test_decap.c - the backend-side decapsulation program (bpf/decap.bpf.c) through
 * BPF_PROG_TEST_RUN, whole frames compared byte for byte:
 *  - xdp_decap: every IP-in-IP frame the fixtures expect the LB to send (outer sources in the
 *    fixtures' encap_source_v4/v6, which are listed) comes out as the inner packet; tunnels to
 *    other hosts and plain traffic pass untouched; inner packets for no VIP, or broken, are
 *    dropped. Expectations: tests/xdp/fixtures.py.
 *  - xdp_decap_sources: the outer-source filter. Frames built here from the RFCs' header
 *    layouts, from sources inside and just outside a listed /24, /32, /64 and /128 (and the
 *    fixtures' LB prefixes), IPv4 and IPv6 outside and inside, tagged and untagged, broken and
 *    not: each owes its verdict, its whole output frame, and exactly one counter step.
 */
#include <arpa/inet.h>
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

struct decap_src_key { /* decap_src4_key / decap_src6_key of bpf/decap.bpf.c, the longer one */
	__u32 prefixlen;
	__u8 addr[16];
};

/* decap_stats indexes, as in bpf/decap.bpf.c */
enum { C_OK, C_NOT_TUNNEL, C_NOT_VIP, C_MALFORMED, C_UNKNOWN_SOURCE, C_COUNTERS };
#define C_NONE      (-1) /* run_frame: no counter moves */
#define C_UNCHECKED (-2) /* run_frame: counters not checked */
static const char *const counter_names[C_COUNTERS] = {"decapsulated", "not_tunnel", "not_vip",
						      "malformed", "unknown_source"};

static int add(int fd, const unsigned char *addr, int family)
{
	struct decap_addr_key key = {.family = (__u32)family};
	__u8 one = 1;

	memcpy(key.addr.b, addr, 16);
	return bpf_map_update_elem(fd, &key, &one, BPF_ANY);
}

static int add_source(const unsigned char *addr, int family, unsigned len)
{
	struct decap_src_key key = {.prefixlen = len};
	__u8 one = 1;

	memcpy(key.addr, addr, family == 4 ? 4 : 16);
	return bpf_map_update_elem(
	    bpf_map__fd(family == 4 ? skel->maps.decap_src4 : skel->maps.decap_src6), &key, &one,
	    BPF_ANY);
}

static int add_source_text(const char *prefix)
{
	unsigned char addr[16] = {0};
	char buf[64];
	char *slash;
	int family;

	snprintf(buf, sizeof(buf), "%s", prefix);
	slash = strchr(buf, '/');
	*slash = 0;
	family = strchr(buf, ':') ? 6 : 4;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, buf, addr) != 1)
		return -1;
	return add_source(addr, family, (unsigned)atoi(slash + 1));
}

/* The fixtures' LB prefixes: the host bits are the ones its flow hash fills (FX_SRC*_MASK). */
static int add_fixture_sources(void)
{
	return add_source(fx_src4, 4, 32 - (unsigned)__builtin_popcount(FX_SRC4_MASK)) ||
	       add_source(fx_src6, 6, 128 - (unsigned)__builtin_popcount(FX_SRC6_MASK));
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
	return add_fixture_sources();
}

/* The source group: the fixtures' topology and LB prefixes, and the boundary prefixes. */
static int setup_sources(void **state)
{
	static const char *const prefixes[] = {"198.18.5.0/24", "198.18.9.77/32",
					       "fd00:5ce:0:1::/64", "fd00:5ce:0:9::77/128"};

	if (setup(state))
		return -1;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (add_source_text(prefixes[i]))
			return -1;
	return 0;
}

static int teardown(void **state)
{
	decap__destroy(skel);
	return 0;
}

static void read_counters(unsigned long long sum[C_COUNTERS])
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals = calloc((size_t)ncpus, sizeof(*vals));

	assert_non_null(vals);
	for (__u32 k = 0; k < C_COUNTERS; k++) {
		assert_int_equal(bpf_map_lookup_elem(bpf_map__fd(skel->maps.decap_stats), &k, vals),
				 0);
		sum[k] = 0;
		for (int c = 0; c < ncpus; c++)
			sum[k] += vals[c];
	}
	free(vals);
}

/* Runs the frame; its verdict, its whole output (when passed) and the one counter it moves. */
static void run_frame(const unsigned char *in, unsigned in_len, int verdict,
		      const unsigned char *want, unsigned want_len, int counter)
{
	unsigned long long before[C_COUNTERS], after[C_COUNTERS];
	unsigned char out[1024];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in, .data_size_in = in_len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	read_counters(before);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.edgelb_decap), &opts),
			 0);
	read_counters(after);
	assert_int_equal(opts.retval, verdict);
	if (verdict == XDP_PASS) {
		assert_int_equal(opts.data_size_out, want_len);
		assert_memory_equal(out, want, want_len);
	}
	for (int k = 0; k < C_COUNTERS && counter != C_UNCHECKED; k++) {
		if (after[k] - before[k] != (k == counter ? 1u : 0u))
			fail_msg("counter %s moved by %llu, expected %d", counter_names[k],
				 after[k] - before[k], k == counter);
	}
}

static void test_decap_case(void **state)
{
	const struct fx_decap_case *c = *state;

	run_frame(c->in, c->in_len, c->verdict == LB_PASS ? XDP_PASS : XDP_DROP, c->out, c->out_len,
		  C_UNCHECKED /* fixtures.py names no decap counters */);
}

/* ---- frames for the source group ---- */

static const unsigned char mac_dst[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
static const unsigned char mac_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const char *const client4 = "198.51.100.7", *const client6 = "2001:db8:c::7";
static const char *const other_host4 = "203.0.113.99", *const other_host6 = "2001:db8:1::99";
static const char *const not_vip4 = "198.51.100.99", *const not_vip6 = "2001:db8:c::99";

enum {
	F_VLAN = 1,      /* an 802.1Q tag (VLAN 42) before the outer header */
	F_TRUNCATED = 2, /* the inner packet cut after 12 bytes (the outer length agrees) */
	F_NOT_LOCAL = 4, /* the outer destination is another host */
	F_NOT_VIP = 8,   /* the inner destination is no VIP */
	F_PLAIN = 16,    /* no tunnel: the "inner" packet alone, to the backend's address */
	F_ARP = 32,      /* an ARP request */
};

struct src_case {
	const char *name;
	int outer; /* family of the outer header, 4 or 6 */
	const char *src;
	int inner; /* family of the inner packet */
	int flags;
	int verdict;
	int counter;
};

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void pton(int family, const char *text, unsigned char *out)
{
	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, text, out), 1);
}

/* RFC 1071 one's complement sum, folded; `sum` carries a pseudo-header in. */
static unsigned csum(const unsigned char *p, size_t len, unsigned long sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (unsigned long)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned)~sum & 0xffff;
}

/* Ethernet (+ 802.1Q) header for `type`; its length. */
static size_t put_l2(unsigned char *p, int vlan, unsigned type)
{
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	if (!vlan) {
		put16(p + 12, type);
		return 14;
	}
	put16(p + 12, 0x8100);
	put16(p + 14, 42);
	put16(p + 16, type);
	return 18;
}

/* RFC 791 header without options (DF, TTL 64, header checksum), or RFC 8200 (hop limit 64);
 * its length. */
static size_t put_ip(unsigned char *p, int family, const unsigned char *src,
		     const unsigned char *dst, unsigned proto, size_t payload)
{
	if (family == 4) {
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (unsigned)(20 + payload));
		put16(p + 4, 0x1234);
		put16(p + 6, 0x4000);
		p[8] = 64;
		p[9] = (unsigned char)proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		put16(p + 10, csum(p, 20, 0));
		return 20;
	}
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (unsigned)payload);
	p[6] = (unsigned char)proto;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	return 40;
}

/* The client's TCP SYN with 4 bytes of data, to VIP 0 (IPv4, port 80) or VIP 1 (IPv6, port
 * 443) of the fixtures, or to an address that is no VIP; its length. */
static size_t put_inner(unsigned char *p, int family, int not_vip)
{
	const struct fx_vip *vip = &fx_vips[family == 4 ? 0 : 1];
	unsigned char src[16], dst[16];
	size_t l3 = family == 4 ? 20 : 40, alen = family == 4 ? 4 : 16;
	unsigned char *tcp = p + l3;
	unsigned long pseudo = 0;

	pton(family, family == 4 ? client4 : client6, src);
	if (not_vip)
		pton(family, family == 4 ? not_vip4 : not_vip6, dst);
	else
		memcpy(dst, vip->addr, 16);
	memset(tcp, 0, 24);
	put16(tcp, 40000);
	put16(tcp + 2, (unsigned)vip->port);
	tcp[7] = 1;     /* sequence number 1 */
	tcp[12] = 0x50; /* data offset 5 */
	tcp[13] = 0x02; /* SYN */
	put16(tcp + 14, 64240);
	memcpy(tcp + 20, "ping", 4);
	put_ip(p, family, src, dst, 6, 24);
	for (size_t i = 0; i < alen; i += 2)
		pseudo += (unsigned long)(src[i] << 8 | src[i + 1]) +
			  (unsigned long)(dst[i] << 8 | dst[i + 1]);
	pseudo += 6 + 24;
	put16(tcp + 16, csum(tcp, 24, pseudo));
	return l3 + 24;
}

static const unsigned char *local_addr(int family)
{
	return fx_backends[family == 4 ? 0 : 3].addr; /* 203.0.113.1, 2001:db8:1::3 */
}

static void test_source_case(void **state)
{
	const struct src_case *c = *state;
	unsigned char in[512], want[512], inner[128], src[16], dst[16];
	size_t inner_len, in_len, want_len, l2;
	int vlan = c->flags & F_VLAN;

	if (c->flags & F_ARP) { /* a request's fixed part; the addresses do not matter */
		static const unsigned char arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};

		in_len = put_l2(in, vlan, 0x0806);
		memcpy(in + in_len, arp, sizeof(arp));
		in_len += sizeof(arp);
		run_frame(in, (unsigned)in_len, c->verdict, in, (unsigned)in_len, c->counter);
		return;
	}
	inner_len = put_inner(inner, c->inner, c->flags & F_NOT_VIP);
	if (c->flags & F_TRUNCATED)
		inner_len = 12;
	if (c->flags & F_PLAIN) {
		in_len = put_l2(in, vlan, c->inner == 4 ? 0x0800 : 0x86dd);
		memcpy(in + in_len, inner, inner_len);
		in_len += inner_len;
		run_frame(in, (unsigned)in_len, c->verdict, in, (unsigned)in_len, c->counter);
		return;
	}
	pton(c->outer, c->src, src);
	if (c->flags & F_NOT_LOCAL)
		pton(c->outer, c->outer == 4 ? other_host4 : other_host6, dst);
	else
		memcpy(dst, local_addr(c->outer), 16);
	l2 = put_l2(in, vlan, c->outer == 4 ? 0x0800 : 0x86dd);
	in_len = l2 + put_ip(in + l2, c->outer, src, dst, c->inner == 4 ? 4 : 41, inner_len);
	memcpy(in + in_len, inner, inner_len);
	in_len += inner_len;
	if (c->counter == C_OK) { /* the inner packet behind the same L2 header */
		want_len = put_l2(want, vlan, c->inner == 4 ? 0x0800 : 0x86dd);
		memcpy(want + want_len, inner, inner_len);
		want_len += inner_len;
	} else { /* untouched (when passed) */
		memcpy(want, in, in_len);
		want_len = in_len;
	}
	run_frame(in, (unsigned)in_len, c->verdict, want, (unsigned)want_len, c->counter);
}

#define DECAP(name, o, src, i, flags)                                                              \
	{                                                                                          \
		name, o, src, i, flags, XDP_PASS, C_OK                                             \
	}
#define UNKNOWN(name, o, src, i, flags)                                                            \
	{                                                                                          \
		name, o, src, i, flags, XDP_DROP, C_UNKNOWN_SOURCE                                 \
	}

static const struct src_case src_cases[] = {
    /* a /24: its first and last address in, the neighbours on either side out */
    DECAP("src4_slash24_first_in", 4, "198.18.5.0", 4, 0),
    DECAP("src4_slash24_last_in", 4, "198.18.5.255", 4, 0),
    UNKNOWN("src4_slash24_below_dropped", 4, "198.18.4.255", 4, 0),
    UNKNOWN("src4_slash24_above_dropped", 4, "198.18.6.0", 4, 0),
    /* a /32: exactly that address */
    DECAP("src4_slash32_in", 4, "198.18.9.77", 4, 0),
    UNKNOWN("src4_slash32_below_dropped", 4, "198.18.9.76", 4, 0),
    UNKNOWN("src4_slash32_above_dropped", 4, "198.18.9.78", 4, 0),
    /* the fixtures' LB prefix 172.31.0.0/16 (encap_source_v4), both ends */
    DECAP("src4_lb_prefix_first_in", 4, "172.31.0.0", 4, 0),
    DECAP("src4_lb_prefix_last_in", 4, "172.31.255.255", 4, 0),
    UNKNOWN("src4_lb_prefix_above_dropped", 4, "172.32.0.0", 4, 0),
    UNKNOWN("src4_anyone_dropped", 4, "192.0.2.200", 4, 0),
    /* other inner family, VLAN tag */
    DECAP("src4_ipv6_inside_in", 4, "198.18.5.1", 6, 0),
    UNKNOWN("src4_ipv6_inside_unknown_dropped", 4, "198.18.6.1", 6, 0),
    DECAP("src4_vlan_in", 4, "198.18.5.1", 4, F_VLAN),
    UNKNOWN("src4_vlan_unknown_dropped", 4, "198.18.6.1", 4, F_VLAN),
    /* an IPv6 source whose first bytes are a listed IPv4 prefix: the families do not mix */
    UNKNOWN("src6_with_listed_ipv4_bytes_dropped", 6, "c612:500::", 4, 0),
    /* the source is checked first: a stranger's broken or non-VIP tunnel counts as unknown */
    {"src4_listed_truncated_inner_malformed", 4, "198.18.5.1", 4, F_TRUNCATED, XDP_DROP,
     C_MALFORMED},
    UNKNOWN("src4_unknown_truncated_inner_dropped", 4, "198.18.6.1", 4, F_TRUNCATED),
    {"src4_listed_not_vip_dropped", 4, "198.18.5.1", 4, F_NOT_VIP, XDP_DROP, C_NOT_VIP},
    UNKNOWN("src4_unknown_not_vip_dropped", 4, "198.18.6.1", 4, F_NOT_VIP),
    /* not for this host, or no tunnel at all: untouched, whatever the source */
    {"src4_unknown_to_other_host_untouched", 4, "198.18.6.1", 4, F_NOT_LOCAL, XDP_PASS,
     C_NOT_TUNNEL},
    {"plain_ipv4_untouched", 4, NULL, 4, F_PLAIN, XDP_PASS, C_NOT_TUNNEL},
    {"plain_ipv4_vlan_untouched", 4, NULL, 4, F_PLAIN | F_VLAN, XDP_PASS, C_NOT_TUNNEL},
    {"arp_untouched", 4, NULL, 4, F_ARP, XDP_PASS, C_NONE},

    /* the same in IPv6: a /64 and a /128 */
    DECAP("src6_slash64_first_in", 6, "fd00:5ce:0:1::", 6, 0),
    DECAP("src6_slash64_last_in", 6, "fd00:5ce:0:1:ffff:ffff:ffff:ffff", 6, 0),
    UNKNOWN("src6_slash64_below_dropped", 6, "fd00:5ce:0:0:ffff:ffff:ffff:ffff", 6, 0),
    UNKNOWN("src6_slash64_above_dropped", 6, "fd00:5ce:0:2::", 6, 0),
    DECAP("src6_slash128_in", 6, "fd00:5ce:0:9::77", 6, 0),
    UNKNOWN("src6_slash128_below_dropped", 6, "fd00:5ce:0:9::76", 6, 0),
    UNKNOWN("src6_slash128_above_dropped", 6, "fd00:5ce:0:9::78", 6, 0),
    DECAP("src6_lb_prefix_last_in", 6, "fd00:e1b::ffff:ffff", 6, 0),
    UNKNOWN("src6_lb_prefix_above_dropped", 6, "fd00:e1b::1:0:0", 6, 0),
    UNKNOWN("src6_anyone_dropped", 6, "2001:db8:bad::1", 6, 0),
    DECAP("src6_ipv4_inside_in", 6, "fd00:5ce:0:1::1", 4, 0),
    UNKNOWN("src6_ipv4_inside_unknown_dropped", 6, "fd00:5ce:0:2::1", 4, 0),
    DECAP("src6_vlan_in", 6, "fd00:5ce:0:1::1", 6, F_VLAN),
    UNKNOWN("src4_with_listed_ipv6_bytes_dropped", 4, "253.0.5.206", 6, 0),
    {"src6_listed_truncated_inner_malformed", 6, "fd00:5ce:0:1::1", 6, F_TRUNCATED, XDP_DROP,
     C_MALFORMED},
    UNKNOWN("src6_unknown_truncated_inner_dropped", 6, "fd00:5ce:0:2::1", 6, F_TRUNCATED),
    {"src6_listed_not_vip_dropped", 6, "fd00:5ce:0:1::1", 6, F_NOT_VIP, XDP_DROP, C_NOT_VIP},
    {"src6_unknown_to_other_host_untouched", 6, "fd00:5ce:0:2::1", 6, F_NOT_LOCAL, XDP_PASS,
     C_NOT_TUNNEL},
    {"plain_ipv6_untouched", 6, NULL, 6, F_PLAIN, XDP_PASS, C_NOT_TUNNEL},
};

#define NSRC (sizeof(src_cases) / sizeof(src_cases[0]))

int main(void)
{
	struct CMUnitTest *tests = calloc(NDECAP > NSRC ? NDECAP : NSRC, sizeof(*tests));
	int failed;

	for (size_t i = 0; i < NDECAP; i++) {
		tests[i].name = fx_decap_cases[i].name;
		tests[i].test_func = test_decap_case;
		tests[i].initial_state = (void *)&fx_decap_cases[i];
	}
	failed = _cmocka_run_group_tests("xdp_decap", tests, NDECAP, setup, teardown);
	memset(tests, 0, sizeof(*tests) * (NDECAP > NSRC ? NDECAP : NSRC));
	for (size_t i = 0; i < NSRC; i++) {
		tests[i].name = src_cases[i].name;
		tests[i].test_func = test_source_case;
		tests[i].initial_state = (void *)&src_cases[i];
	}
	failed +=
	    _cmocka_run_group_tests("xdp_decap_sources", tests, NSRC, setup_sources, teardown);
	free(tests);
	return failed;
}
