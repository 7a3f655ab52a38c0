// SPDX-License-Identifier: MIT
/*
 * test_bgp_msg.c - BGP wire format: encoders against byte sequences written by hand from the
 * RFCs (4271, 4760, 2545, 6793, 1997, 8092, 4724), decoders on valid input and on every
 * malformed case we know of, each mapped to its NOTIFICATION code/subcode or RFC 7606 verdict.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <cmocka.h>

#include "control/bgp/msg.h"

#define MARKER                                                                                     \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  \
	    0xff

static const uint32_t LOCAL_ID = 0x0100000a; /* 10.0.0.1 in network order */
static const uint32_t PEER_ID = 0x0200000a;  /* 10.0.0.2 */

/* memcpy() that accepts (NULL, 0), for the optional parts of a test UPDATE */
static void copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	if (n)
		memcpy(dst, src, n);
}

static void assert_bytes(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

static struct bgp_prefix prefix(const char *text)
{
	struct bgp_prefix p;
	assert_int_equal(bgp_prefix_parse(text, &p), 0);
	return p;
}

static struct lb_addr addr(const char *text)
{
	struct lb_addr a = {0};
	if (inet_pton(AF_INET, text, a.b) != 1)
		assert_int_equal(inet_pton(AF_INET6, text, a.b), 1);
	return a;
}

/* ---- encoders ---- */

static void test_keepalive(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x13, 0x04};
	uint8_t buf[64];
	assert_bytes(buf, bgp_encode_keepalive(buf, sizeof(buf)), want, sizeof(want));
}

static void test_open_2byte_as(void **state)
{
	static const uint8_t want[] = {
	    MARKER, 0x00, 0x33, 0x01,                               /* header, length 51, OPEN */
	    0x04,   0xfd, 0xe8, 0x00, 0x5a, 0x0a, 0x00, 0x00, 0x01, /* v4, AS 65000, 90 s, id */
	    0x16,   0x02, 0x14,                   /* opt len 22, capabilities, 20 */
	    0x01,   0x04, 0x00, 0x01, 0x00, 0x01, /* MP IPv4 unicast */
	    0x01,   0x04, 0x00, 0x02, 0x00, 0x01, /* MP IPv6 unicast */
	    0x02,   0x00,                         /* route refresh */
	    0x41,   0x04, 0x00, 0x00, 0xfd, 0xe8, /* 4-octet AS 65000 */
	};
	struct bgp_open_params p = {.local_as = 65000,
				    .hold_time = 90,
				    .bgp_id = LOCAL_ID,
				    .ipv4_unicast = true,
				    .ipv6_unicast = true,
				    .route_refresh = true};
	uint8_t buf[128];
	assert_bytes(buf, bgp_encode_open(buf, sizeof(buf), &p), want, sizeof(want));
}

static void test_open_4byte_as_uses_as_trans(void **state)
{
	static const uint8_t want[] = {
	    MARKER, 0x00, 0x25, 0x01, 0x04, 0x5b, 0xa0, /* AS_TRANS 23456 */
	    0x00,   0x03, 0x0a, 0x00, 0x00, 0x01, 0x08, 0x02,
	    0x06,   0x41, 0x04, 0xfa, 0x56, 0xea, 0x01, /* 4200000001 */
	};
	struct bgp_open_params p = {.local_as = 4200000001u, .hold_time = 3, .bgp_id = LOCAL_ID};
	uint8_t buf[128];
	assert_bytes(buf, bgp_encode_open(buf, sizeof(buf), &p), want, sizeof(want));
}

static void test_update_ipv4_all_attributes(void **state)
{
	static const uint8_t want[] =
	    {
		MARKER, 0x00, 0x51, 0x02, 0x00, 0x00, 0x00, 0x35,
		0x40,   0x01, 0x01, 0x00, /* ORIGIN IGP */
		0x40,   0x02, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd,
		0xe8,   0x00, 0x00, 0xfd, 0xe8,             /* path */
		0x40,   0x03, 0x04, 0x0a, 0x00, 0x00, 0x01, /* NEXT_HOP 10.0.0.1 */
		0x80,   0x04, 0x04, 0x00, 0x00, 0x00, 0x32, /* MED 50 */
		0xc0,   0x08, 0x04, 0xfd, 0xe9, 0x00, 0x64, /* 65001:100 */
		0xc0,   0x20, 0x0c, 0xfa, 0x56, 0xea, 0x01, 0x00,
		0x00,   0x00, 0x01, 0x00, 0x00, 0x00, 0x02, /* large 4200000001:1:2 */
		0x20,   0xc0, 0x00, 0x02, 0x0a,             /* NLRI 192.0.2.10/32 */
	    };
	struct bgp_route r = {.prefix = prefix("192.0.2.10/32"),
			      .prepend = 1,
			      .has_med = true,
			      .med = 50,
			      .n_communities = 1,
			      .n_large = 1};
	r.communities[0] = BGP_COMMUNITY(65001, 100);
	r.large[0] = (struct bgp_large_community){4200000001u, 1, 2};
	struct bgp_update_params p = {.local_as = 65000, .route = &r, .nexthop4 = addr("10.0.0.1")};
	uint8_t buf[256];
	assert_bytes(buf, bgp_encode_update(buf, sizeof(buf), &p), want, sizeof(want));
}

static void test_update_gshut_adds_community_once(void **state)
{
	struct bgp_route r = {.prefix = prefix("192.0.2.0/24"), .n_communities = 1};
	r.communities[0] = BGP_COMMUNITY(65001, 7);
	struct bgp_update_params p = {
	    .local_as = 65000, .route = &r, .gshut = true, .nexthop4 = addr("10.0.0.1")};
	uint8_t buf[256];
	size_t len = bgp_encode_update(buf, sizeof(buf), &p);
	static const uint8_t comm[] = {0xc0, 0x08, 0x08, 0xfd, 0xe9, 0x00,
				       0x07, 0xff, 0xff, 0x00, 0x00};
	assert_non_null(memmem(buf, len, comm, sizeof(comm)));
	r.communities[1] = BGP_COMMUNITY_GSHUT;
	r.n_communities = 2;
	assert_int_equal(bgp_encode_update(buf, sizeof(buf), &p), len); /* not added twice */
}

static void test_update_ipv6_mp_reach_with_link_local(void **state)
{
	static const uint8_t want[] = {
	    MARKER, 0x00, 0x5d, 0x02, 0x00, 0x00, 0x00, 0x46, 0x40, 0x01,
	    0x01,   0x00, 0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd,
	    0xe8,   0x80, 0x0e, 0x36, 0x00, 0x02, 0x01, 0x20, /* MP_REACH, AFI 2, SAFI 1, nh 32 */
	    0x20,   0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,
	    0,      0,    0,    0,    0,    0x01, /* 2001:db8::1 */
	    0xfe,   0x80, 0,    0,    0,    0,    0,    0,    0,    0,
	    0,      0,    0,    0,    0,    0x01, /* fe80::1 */
	    0x00,                                 /* reserved */
	    0x80,   0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0,    0,    0,
	    0,      0,    0,    0,    0,    0,    0x10,
	};
	struct bgp_route r = {.prefix = prefix("2001:db8:100::10/128")};
	struct bgp_update_params p = {.local_as = 65000,
				      .route = &r,
				      .nexthop6 = addr("2001:db8::1"),
				      .nexthop6_ll = addr("fe80::1")};
	uint8_t buf[256];
	assert_bytes(buf, bgp_encode_update(buf, sizeof(buf), &p), want, sizeof(want));
	/* without a link-local address: a 16-byte next hop */
	p.nexthop6_ll = (struct lb_addr){0};
	size_t len = bgp_encode_update(buf, sizeof(buf), &p);
	assert_int_equal(len, sizeof(want) - 16);
	assert_int_equal(buf[19 + 4 + 4 + 9 + 6], 16);
}

static void test_withdraw_and_end_of_rib(void **state)
{
	static const uint8_t w4[] = {MARKER, 0x00, 0x1c, 0x02, 0x00, 0x05, 0x20,
				     0xc0,   0x00, 0x02, 0x0a, 0x00, 0x00};
	static const uint8_t w6[] = {MARKER, 0x00, 0x2e, 0x02, 0x00, 0x00, 0x00, 0x17,
				     0x80,   0x0f, 0x14, 0x00, 0x02, 0x01, 0x80, 0x20,
				     0x01,   0x0d, 0xb8, 0x01, 0x00, 0,    0,    0,
				     0,      0,    0,    0,    0,    0,    0x10};
	static const uint8_t eor4[] = {MARKER, 0x00, 0x17, 0x02, 0x00, 0x00, 0x00, 0x00};
	static const uint8_t eor6[] = {MARKER, 0x00, 0x1d, 0x02, 0x00, 0x00, 0x00,
				       0x06,   0x80, 0x0f, 0x03, 0x00, 0x02, 0x01};
	uint8_t buf[128];
	struct bgp_prefix p4 = prefix("192.0.2.10/32"), p6 = prefix("2001:db8:100::10/128");
	assert_bytes(buf, bgp_encode_withdraw(buf, sizeof(buf), &p4), w4, sizeof(w4));
	assert_bytes(buf, bgp_encode_withdraw(buf, sizeof(buf), &p6), w6, sizeof(w6));
	assert_bytes(buf, bgp_encode_end_of_rib(buf, sizeof(buf), LB_AF_INET), eor4, sizeof(eor4));
	assert_bytes(buf, bgp_encode_end_of_rib(buf, sizeof(buf), LB_AF_INET6), eor6, sizeof(eor6));
}

static void test_notification(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x17, 0x03, 0x02, 0x01, 0x00, 0x04};
	static const uint8_t data[] = {0x00, 0x04};
	uint8_t buf[64];
	assert_bytes(buf, bgp_encode_notification(buf, sizeof(buf), 2, 1, data, 2), want,
		     sizeof(want));
	struct bgp_notification n;
	assert_int_equal(bgp_decode_notification(want + 19, sizeof(want) - 19, &n), 0);
	assert_int_equal(n.code, 2);
	assert_int_equal(n.subcode, 1);
	assert_int_equal(n.data_len, 2);
	assert_int_equal(bgp_decode_notification(want + 19, 1, &n), -1);
}

static void test_encoders_refuse_small_buffers(void **state)
{
	uint8_t buf[20];
	struct bgp_open_params p = {.local_as = 1, .hold_time = 90, .bgp_id = LOCAL_ID};
	assert_int_equal(bgp_encode_open(buf, sizeof(buf), &p), 0);
	assert_int_equal(bgp_encode_keepalive(buf, 18), 0);
}

/* ---- header decoder ---- */

struct hdr_case {
	uint8_t bytes[19];
	uint8_t code, subcode;
};

static void test_header_errors(void **state)
{
	static const struct hdr_case cases[] = {
	    {{MARKER, 0x00, 0x13, 0x04}, 0, 0},
	    {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	      0xff, 0xfe, 0x00, 0x13, 0x04},
	     1,
	     1},                                /* bad marker */
	    {{MARKER, 0x00, 0x12, 0x04}, 1, 2}, /* length 18 */
	    {{MARKER, 0x10, 0x01, 0x02}, 1, 2}, /* length 4097 */
	    {{MARKER, 0x00, 0x13, 0x06}, 1, 3}, /* type 6 */
	    {{MARKER, 0x00, 0x13, 0x00}, 1, 3}, /* type 0 */
	    {{MARKER, 0x00, 0x14, 0x04}, 1, 2}, /* KEEPALIVE of 20 bytes */
	    {{MARKER, 0x00, 0x1c, 0x01}, 1, 2}, /* OPEN of 28 bytes */
	    {{MARKER, 0x00, 0x16, 0x02}, 1, 2}, /* UPDATE of 22 bytes */
	    {{MARKER, 0x00, 0x14, 0x03}, 1, 2}, /* NOTIFICATION of 20 bytes */
	    {{MARKER, 0x00, 0x18, 0x05}, 1, 2}, /* ROUTE-REFRESH of 24 bytes */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bgp_header h;
		struct bgp_error err = {0};
		int rc = bgp_decode_header(cases[i].bytes, &h, &err);
		if (!cases[i].code) {
			assert_int_equal(rc, 0);
			continue;
		}
		assert_int_equal(rc, -1);
		assert_int_equal(err.code, cases[i].code);
		assert_int_equal(err.subcode, cases[i].subcode);
	}
}

static void test_header_bad_length_data_is_the_length_field(void **state)
{
	static const uint8_t bytes[] = {MARKER, 0x10, 0x01, 0x02};
	struct bgp_header h;
	struct bgp_error err;
	assert_int_equal(bgp_decode_header(bytes, &h, &err), -1);
	assert_int_equal(err.data_len, 2);
	assert_int_equal(err.data[0], 0x10);
	assert_int_equal(err.data[1], 0x01);
}

/* ---- OPEN decoder ---- */

static const struct bgp_open_expect EXPECT = {.peer_as = 65001,
					      .local_as = 65000,
					      .local_id = 0x0100000a,
					      .want_ipv4 = true,
					      .want_ipv6 = true};

/* OPEN body: version, AS 65001 (field), hold, id 10.0.0.2, caps MP v4 + AS4 65001 */
static size_t open_body(uint8_t *b, uint8_t version, uint16_t hold, uint32_t id_net,
			const uint8_t *params, uint8_t params_len)
{
	b[0] = version;
	b[1] = 0xfd;
	b[2] = 0xe9;
	b[3] = (uint8_t)(hold >> 8);
	b[4] = (uint8_t)hold;
	memcpy(b + 5, &id_net, 4);
	b[9] = params_len;
	copy(b + 10, params, params_len);
	return 10u + params_len;
}

static const uint8_t GOOD_PARAMS[] = {0x02, 0x0c, 0x01, 0x04, 0x00, 0x01, 0x00,
				      0x01, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};

static int decode_open_case(uint8_t version, uint16_t hold, uint32_t id, const uint8_t *params,
			    uint8_t plen, struct bgp_open_info *info, struct bgp_error *err)
{
	uint8_t body[300];
	size_t len = open_body(body, version, hold, id, params, plen);
	return bgp_decode_open(body, len, &EXPECT, info, err);
}

static void assert_open_error(uint8_t version, uint16_t hold, uint32_t id, const uint8_t *params,
			      uint8_t plen, uint8_t subcode)
{
	struct bgp_open_info info;
	struct bgp_error err = {0};
	assert_int_equal(decode_open_case(version, hold, id, params, plen, &info, &err), -1);
	assert_int_equal(err.code, 2);
	assert_int_equal(err.subcode, subcode);
}

static void test_open_valid(void **state)
{
	struct bgp_open_info info;
	struct bgp_error err;
	assert_int_equal(
	    decode_open_case(4, 90, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), &info, &err), 0);
	assert_int_equal(info.peer_as, 65001);
	assert_int_equal(info.hold_time, 90);
	assert_int_equal(info.bgp_id, PEER_ID);
	assert_true(info.as4);
	assert_true(info.ipv4_unicast);
	assert_false(info.ipv6_unicast); /* the peer did not offer it */
	/* hold time 0 (no keepalives) and 3 are acceptable */
	assert_int_equal(
	    decode_open_case(4, 0, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), &info, &err), 0);
	assert_int_equal(
	    decode_open_case(4, 3, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), &info, &err), 0);
}

static void test_open_round_trip(void **state)
{
	struct bgp_open_params p = {.local_as = 65001,
				    .hold_time = 30,
				    .bgp_id = PEER_ID,
				    .ipv4_unicast = true,
				    .ipv6_unicast = true,
				    .route_refresh = true};
	uint8_t buf[128];
	size_t len = bgp_encode_open(buf, sizeof(buf), &p);
	struct bgp_header h;
	struct bgp_open_info info;
	struct bgp_error err;
	assert_int_equal(bgp_decode_header(buf, &h, &err), 0);
	assert_int_equal(h.len, len);
	assert_int_equal(bgp_decode_open(buf + 19, len - 19, &EXPECT, &info, &err), 0);
	assert_true(info.ipv4_unicast && info.ipv6_unicast && info.route_refresh);
	assert_int_equal(info.hold_time, 30);
}

static void test_open_unsupported_version_says_4(void **state)
{
	struct bgp_open_info info;
	struct bgp_error err;
	assert_int_equal(
	    decode_open_case(3, 90, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), &info, &err), -1);
	assert_int_equal(err.code, 2);
	assert_int_equal(err.subcode, 1);
	assert_int_equal(err.data_len, 2);
	assert_int_equal(err.data[0], 0);
	assert_int_equal(err.data[1], 4);
}

static void test_open_errors(void **state)
{
	static const uint8_t other_as[] = {0x02, 0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xea};
	static const uint8_t opt_type1[] = {0x01, 0x02, 0x00, 0x00};
	static const uint8_t no_as4[] = {0x02, 0x06, 0x01, 0x04, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t only_l2vpn[] = {0x02, 0x0c, 0x01, 0x04, 0x00, 0x19, 0x00,
					     0x41, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};
	static const uint8_t cap_overrun[] = {0x02, 0x04, 0x41, 0x04, 0x00, 0x00};
	static const uint8_t param_overrun[] = {0x02, 0x09, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9};
	static const uint8_t bad_as4_len[] = {0x02, 0x05, 0x41, 0x03, 0x00, 0xfd, 0xe9};

	assert_open_error(4, 1, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), 6);
	assert_open_error(4, 2, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), 6);
	assert_open_error(4, 90, 0, GOOD_PARAMS, sizeof(GOOD_PARAMS), 3);
	assert_open_error(4, 90, LOCAL_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS), 3);
	assert_open_error(4, 90, PEER_ID, other_as, sizeof(other_as), 2);
	assert_open_error(4, 90, PEER_ID, opt_type1, sizeof(opt_type1), 4);
	assert_open_error(4, 90, PEER_ID, no_as4, sizeof(no_as4), 7);
	assert_open_error(4, 90, PEER_ID, only_l2vpn, sizeof(only_l2vpn), 7);
	assert_open_error(4, 90, PEER_ID, cap_overrun, sizeof(cap_overrun), 0);
	assert_open_error(4, 90, PEER_ID, param_overrun, sizeof(param_overrun), 0);
	assert_open_error(4, 90, PEER_ID, bad_as4_len, sizeof(bad_as4_len), 0);
}

static void test_open_optlen_mismatch_and_truncation(void **state)
{
	uint8_t body[64];
	struct bgp_open_info info;
	struct bgp_error err;
	size_t len = open_body(body, 4, 90, PEER_ID, GOOD_PARAMS, sizeof(GOOD_PARAMS));
	body[9] = 20; /* claims more than there is */
	assert_int_equal(bgp_decode_open(body, len, &EXPECT, &info, &err), -1);
	assert_int_equal(err.code, 2);
	for (size_t cut = 0; cut < 10; cut++)
		assert_int_equal(bgp_decode_open(body, cut, &EXPECT, &info, &err), -1);
}

/* ---- UPDATE decoder ---- */

static size_t update_body(uint8_t *b, const uint8_t *wd, size_t wlen, const uint8_t *attrs,
			  size_t alen, const uint8_t *nlri, size_t nlen)
{
	b[0] = (uint8_t)(wlen >> 8);
	b[1] = (uint8_t)wlen;
	copy(b + 2, wd, wlen);
	b[2 + wlen] = (uint8_t)(alen >> 8);
	b[3 + wlen] = (uint8_t)alen;
	copy(b + 4 + wlen, attrs, alen);
	copy(b + 4 + wlen + alen, nlri, nlen);
	return 4 + wlen + alen + nlen;
}

#define ORIGIN_IGP 0x40, 0x01, 0x01, 0x00
#define AS_PATH_1  0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xe9
#define NH_GOOD    0x40, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x02

static const uint8_t NLRI[] = {0x18, 0xc6, 0x33, 0x64}; /* 198.51.100.0/24 */

struct update_case {
	const char *name;
	uint8_t attrs[96];
	size_t alen;
	bool with_nlri;
	enum bgp_verdict verdict;
	uint8_t subcode;
};

static const struct update_case UPDATE_CASES[] = {
    {"valid", {ORIGIN_IGP, AS_PATH_1, NH_GOOD}, 20, true, BGP_MSG_OK, 0},
    {"unknown optional transitive ignored",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0xc0, 0x63, 0x01, 0x00},
     24,
     true,
     BGP_MSG_OK,
     0},
    {"ORIGIN flagged optional",
     {0xc0, 0x01, 0x01, 0x00, AS_PATH_1, NH_GOOD},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     4},
    {"MED flagged transitive",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0xc0, 0x04, 0x04, 0, 0, 0, 1},
     27,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     4},
    {"MP_REACH flagged transitive",
     {ORIGIN_IGP, AS_PATH_1, 0xc0, 0x0e, 0x05, 0x00, 0x02, 0x01, 0x00, 0x00},
     21,
     false,
     BGP_MSG_SESSION_RESET,
     4},
    {"ORIGIN length 2",
     {0x40, 0x01, 0x02, 0x00, 0x00, AS_PATH_1, NH_GOOD},
     21,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     5},
    {"ORIGIN value 3",
     {0x40, 0x01, 0x01, 0x03, AS_PATH_1, NH_GOOD},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     6},
    {"NEXT_HOP length 3",
     {ORIGIN_IGP, AS_PATH_1, 0x40, 0x03, 0x03, 10, 0, 0},
     19,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     5},
    {"NEXT_HOP 0.0.0.0",
     {ORIGIN_IGP, AS_PATH_1, 0x40, 0x03, 0x04, 0, 0, 0, 0},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     8},
    {"NEXT_HOP multicast",
     {ORIGIN_IGP, AS_PATH_1, 0x40, 0x03, 0x04, 224, 0, 0, 1},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     8},
    {"missing NEXT_HOP", {ORIGIN_IGP, AS_PATH_1}, 13, true, BGP_MSG_TREAT_AS_WITHDRAW, 3},
    {"missing ORIGIN", {AS_PATH_1, NH_GOOD}, 16, true, BGP_MSG_TREAT_AS_WITHDRAW, 3},
    {"no NLRI, no mandatory attributes needed",
     {0x80, 0x04, 0x04, 0, 0, 0, 1},
     7,
     false,
     BGP_MSG_OK,
     0},
    {"AS_PATH segment overruns",
     {ORIGIN_IGP, 0x40, 0x02, 0x06, 0x02, 0x02, 0x00, 0x00, 0xfd, 0xe9, NH_GOOD},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     11},
    {"AS_PATH segment type 9",
     {ORIGIN_IGP, 0x40, 0x02, 0x06, 0x09, 0x01, 0x00, 0x00, 0xfd, 0xe9, NH_GOOD},
     20,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     11},
    {"COMMUNITIES length 3",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0xc0, 0x08, 0x03, 1, 2, 3},
     26,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     9},
    {"LARGE_COMMUNITIES length 8",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0xc0, 0x20, 0x08, 0, 0, 0, 1, 0, 0, 0, 2},
     31,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     9},
    {"attribute overruns the attribute field",
     {ORIGIN_IGP, AS_PATH_1, 0x40, 0x03, 0x09, 10},
     17,
     true,
     BGP_MSG_TREAT_AS_WITHDRAW,
     1},
    {"unrecognized well-known",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0x40, 0x63, 0x00},
     23,
     true,
     BGP_MSG_SESSION_RESET,
     2},
    {"duplicate MP_UNREACH",
     {0x80, 0x0f, 0x03, 0x00, 0x02, 0x01, 0x80, 0x0f, 0x03, 0x00, 0x02, 0x01},
     12,
     false,
     BGP_MSG_SESSION_RESET,
     1},
    {"duplicate MED discarded",
     {ORIGIN_IGP, AS_PATH_1, NH_GOOD, 0x80, 0x04, 0x04, 0, 0, 0, 1, 0x80, 0x04, 0x04, 0, 0, 0, 2},
     34,
     true,
     BGP_MSG_OK,
     0},
    {"MP_REACH next hop length 7",
     {ORIGIN_IGP, AS_PATH_1, 0x80, 0x0e, 0x0b, 0x00, 0x02, 0x01, 0x07, 1, 2, 3, 4, 5, 6, 7},
     27,
     false,
     BGP_MSG_SESSION_RESET,
     9},
    {"MP_REACH truncated",
     {ORIGIN_IGP, AS_PATH_1, 0x80, 0x0e, 0x02, 0x00, 0x02},
     18,
     false,
     BGP_MSG_SESSION_RESET,
     9},
    {"MP_REACH prefix longer than 128",
     {ORIGIN_IGP, AS_PATH_1, 0x80, 0x0e, 0x16, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0,
      0,          0,         0,    0,    0,    0,    0,    0,    0,    0,    1,    0x00, 0x81},
     38,
     false,
     BGP_MSG_SESSION_RESET,
     10},
    {"MP_REACH IPv6 without AS_PATH",
     {ORIGIN_IGP, 0x80, 0x0e, 0x18, 0x00, 0x02, 0x01, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0,    0,
      0,          0,    0,    0,    0,    0,    0,    0,    0,    1,    0x00, 0x10, 0x20, 0x01},
     31,
     false,
     BGP_MSG_TREAT_AS_WITHDRAW,
     3},
};

static void test_update_cases(void **state)
{
	for (size_t i = 0; i < sizeof(UPDATE_CASES) / sizeof(UPDATE_CASES[0]); i++) {
		const struct update_case *c = &UPDATE_CASES[i];
		uint8_t body[256];
		size_t len = update_body(body, NULL, 0, c->attrs, c->alen, NLRI,
					 c->with_nlri ? sizeof(NLRI) : 0);
		struct bgp_update_info info;
		struct bgp_error err = {0};
		enum bgp_verdict v = bgp_decode_update(body, len, &info, &err);
		print_message("update case: %s\n", c->name);
		assert_int_equal(v, c->verdict);
		if (v != BGP_MSG_OK) {
			assert_int_equal(err.code, 3);
			assert_int_equal(err.subcode, c->subcode);
		}
	}
}

static void test_update_framing_errors_reset(void **state)
{
	static const uint8_t attrs[] = {ORIGIN_IGP, AS_PATH_1, NH_GOOD};
	static const uint8_t bad_wd[] = {0x21, 0xc6, 0x33, 0x64, 0x01, 0x02}; /* /33 */
	static const uint8_t short_wd[] = {0x18, 0xc6};                       /* /24 cut */
	uint8_t body[256];
	struct bgp_update_info info;
	struct bgp_error err;

	/* path attribute length claims more than the message: 3/1 */
	size_t len = update_body(body, NULL, 0, attrs, sizeof(attrs), NULL, 0);
	body[3] = 0x40;
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.subcode, 1);
	/* withdrawn routes length claims more than the message: 3/1 */
	len = update_body(body, NULL, 0, attrs, sizeof(attrs), NULL, 0);
	body[1] = 0x30;
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.subcode, 1);
	/* withdrawn prefix /33 and truncated withdrawn prefix: 3/10 */
	len = update_body(body, bad_wd, sizeof(bad_wd), NULL, 0, NULL, 0);
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.subcode, 10);
	len = update_body(body, short_wd, sizeof(short_wd), NULL, 0, NULL, 0);
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.subcode, 10);
	/* NLRI truncated */
	len = update_body(body, NULL, 0, attrs, sizeof(attrs), NLRI, 2);
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.subcode, 10);
	/*
	 * every truncation of a valid UPDATE is refused without reading past the end, except the
	 * one that drops the whole NLRI, which is a valid UPDATE again
	 */
	len = update_body(body, NULL, 0, attrs, sizeof(attrs), NLRI, sizeof(NLRI));
	for (size_t cut = 0; cut < len; cut++)
		if (cut != 4 + sizeof(attrs))
			assert_int_equal(bgp_decode_update(body, cut, &info, &err),
					 BGP_MSG_SESSION_RESET);
}

static void test_update_flags_error_data_is_the_attribute(void **state)
{
	static const uint8_t attrs[] = {ORIGIN_IGP, AS_PATH_1, 0xc0, 0x0e, 0x05,
					0x00,       0x02,      0x01, 0x00, 0x00};
	uint8_t body[64];
	struct bgp_update_info info;
	struct bgp_error err;
	size_t len = update_body(body, NULL, 0, attrs, sizeof(attrs), NULL, 0);
	assert_int_equal(bgp_decode_update(body, len, &info, &err), BGP_MSG_SESSION_RESET);
	assert_int_equal(err.data_len, 8);
	assert_memory_equal(err.data, attrs + 13, 8);
}

static void test_update_round_trip_and_end_of_rib(void **state)
{
	struct bgp_route r = {.prefix = prefix("2001:db8:100::/48"),
			      .prepend = 3,
			      .has_med = true,
			      .n_communities = 2,
			      .n_large = 1};
	r.communities[0] = BGP_COMMUNITY(1, 2);
	r.communities[1] = BGP_COMMUNITY(3, 4);
	r.large[0] = (struct bgp_large_community){1, 2, 3};
	struct bgp_update_params p = {
	    .local_as = 4200000001u, .route = &r, .nexthop6 = addr("2001:db8::1")};
	uint8_t buf[512];
	struct bgp_header h;
	struct bgp_update_info info;
	struct bgp_error err;
	size_t len = bgp_encode_update(buf, sizeof(buf), &p);
	assert_int_equal(bgp_decode_header(buf, &h, &err), 0);
	assert_int_equal(bgp_decode_update(buf + 19, len - 19, &info, &err), BGP_MSG_OK);
	assert_int_equal(info.n_mp_reach, 1);
	assert_false(info.end_of_rib);

	struct bgp_prefix w = prefix("192.0.2.0/24");
	len = bgp_encode_withdraw(buf, sizeof(buf), &w);
	assert_int_equal(bgp_decode_update(buf + 19, len - 19, &info, &err), BGP_MSG_OK);
	assert_int_equal(info.n_withdrawn, 1);

	len = bgp_encode_end_of_rib(buf, sizeof(buf), LB_AF_INET);
	assert_int_equal(bgp_decode_update(buf + 19, len - 19, &info, &err), BGP_MSG_OK);
	assert_true(info.end_of_rib);
	assert_int_equal(info.eor_afi, 1);
	len = bgp_encode_end_of_rib(buf, sizeof(buf), LB_AF_INET6);
	assert_int_equal(bgp_decode_update(buf + 19, len - 19, &info, &err), BGP_MSG_OK);
	assert_true(info.end_of_rib);
	assert_int_equal(info.eor_afi, 2);
}

static void test_route_refresh(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x17, 0x05, 0x00, 0x02, 0x00, 0x01};
	uint8_t buf[32];
	uint16_t afi;
	uint8_t safi;
	assert_bytes(buf, bgp_encode_route_refresh(buf, sizeof(buf), 2, 1), want, sizeof(want));
	assert_int_equal(bgp_decode_route_refresh(want + 19, 4, &afi, &safi), 0);
	assert_int_equal(afi, 2);
	assert_int_equal(safi, 1);
	assert_int_equal(bgp_decode_route_refresh(want + 19, 3, &afi, &safi), -1);
}

static void test_prefix_parse(void **state)
{
	struct bgp_prefix p;
	char buf[64];
	assert_int_equal(bgp_prefix_parse("192.0.2.10/32", &p), 0);
	assert_int_equal(p.family, LB_AF_INET);
	bgp_prefix_format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.10/32");
	assert_int_equal(bgp_prefix_parse("2001:db8::/32", &p), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(bgp_prefix_parse("2001:db8::1", &p), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(bgp_prefix_parse("192.0.2.1/24", &p), -EINVAL); /* host bits */
	assert_int_equal(bgp_prefix_parse("192.0.2.0/33", &p), -EINVAL);
	assert_int_equal(bgp_prefix_parse("192.0.2.0/", &p), -EINVAL);
	assert_int_equal(bgp_prefix_parse("nonsense", &p), -EINVAL);
}

/* xorshift32: a fixed sequence, so a failure is reproducible */
static uint32_t next_random(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * Mutations of valid messages (byte flips, truncation, garbage lengths) through every decoder:
 * under the sanitizers any read past the given length aborts the test. Verdicts must be one of
 * the three, and a session reset always names an UPDATE error.
 */
static void test_decoders_survive_mutations(void **state)
{
	struct bgp_route r = {.prefix = prefix("2001:db8:100::/48"),
			      .prepend = 2,
			      .has_med = true,
			      .n_communities = 1,
			      .n_large = 1};
	struct bgp_update_params up = {.local_as = 65001,
				       .route = &r,
				       .nexthop6 = addr("2001:db8::1"),
				       .nexthop6_ll = addr("fe80::1")};
	struct bgp_open_params op = {.local_as = 65001,
				     .hold_time = 90,
				     .bgp_id = PEER_ID,
				     .ipv4_unicast = true,
				     .ipv6_unicast = true,
				     .route_refresh = true};
	uint8_t seeds[3][256];
	size_t seed_len[3];
	seed_len[0] = bgp_encode_update(seeds[0], sizeof(seeds[0]), &up);
	r.prefix = prefix("192.0.2.0/24");
	up.nexthop4 = addr("10.0.0.2");
	seed_len[1] = bgp_encode_update(seeds[1], sizeof(seeds[1]), &up);
	seed_len[2] = bgp_encode_open(seeds[2], sizeof(seeds[2]), &op);
	uint32_t x = 2463534242u;
	for (int iter = 0; iter < 200000; iter++) {
		int which = (int)(next_random(&x) % 3);
		uint8_t msg[256];
		size_t len = seed_len[which];
		memcpy(msg, seeds[which], len);
		int flips = 1 + (int)(next_random(&x) % 4);
		for (int i = 0; i < flips; i++)
			msg[19 + next_random(&x) % (len - 19)] = (uint8_t)next_random(&x);
		if (next_random(&x) % 4 == 0)
			len = 19 + next_random(&x) % (len - 19);
		/* the decoders get exactly len - 19 bytes, on the heap for exact bounds */
		size_t body_len = len - 19;
		uint8_t *body = malloc(body_len ? body_len : 1);
		memcpy(body, msg + 19, body_len);
		struct bgp_error err;
		if (which == 2) {
			struct bgp_open_info info;
			if (bgp_decode_open(body, body_len, &EXPECT, &info, &err))
				assert_true(err.code == 1 || err.code == 2);
		} else {
			struct bgp_update_info info;
			enum bgp_verdict v = bgp_decode_update(body, body_len, &info, &err);
			assert_true(v == BGP_MSG_OK || v == BGP_MSG_TREAT_AS_WITHDRAW ||
				    v == BGP_MSG_SESSION_RESET);
			if (v != BGP_MSG_OK)
				assert_int_equal(err.code, 3);
		}
		free(body);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_open_2byte_as),
	    cmocka_unit_test(test_open_4byte_as_uses_as_trans),
	    cmocka_unit_test(test_update_ipv4_all_attributes),
	    cmocka_unit_test(test_update_gshut_adds_community_once),
	    cmocka_unit_test(test_update_ipv6_mp_reach_with_link_local),
	    cmocka_unit_test(test_withdraw_and_end_of_rib),
	    cmocka_unit_test(test_notification),
	    cmocka_unit_test(test_encoders_refuse_small_buffers),
	    cmocka_unit_test(test_header_errors),
	    cmocka_unit_test(test_header_bad_length_data_is_the_length_field),
	    cmocka_unit_test(test_open_valid),
	    cmocka_unit_test(test_open_round_trip),
	    cmocka_unit_test(test_open_unsupported_version_says_4),
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_open_optlen_mismatch_and_truncation),
	    cmocka_unit_test(test_update_cases),
	    cmocka_unit_test(test_update_framing_errors_reset),
	    cmocka_unit_test(test_update_flags_error_data_is_the_attribute),
	    cmocka_unit_test(test_update_round_trip_and_end_of_rib),
	    cmocka_unit_test(test_route_refresh),
	    cmocka_unit_test(test_prefix_parse),
	    cmocka_unit_test(test_decoders_survive_mutations),
	};
	return cmocka_run_group_tests_name("bgp_msg", tests, NULL, NULL);
}
