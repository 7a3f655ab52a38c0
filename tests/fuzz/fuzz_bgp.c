// SPDX-License-Identifier: MIT
/*
 * fuzz_bgp.c - libFuzzer harness of the BGP message decoders (control/bgp/msg.c), as a peer
 * feeds them: an input is a byte for the session (which OPEN we expect) and then a stream of
 * messages, each header decoded (bgp_decode_header) and, if the stream holds the whole message,
 * its body handed to the decoder of its type in a buffer of exactly its length, so that ASan
 * sees any read past it. Checked besides memory safety:
 *
 *   - every verdict and error is one the API names (header errors are code 1, an UPDATE's reset
 *     is code 3, counts fit the message);
 *   - an OPEN or NOTIFICATION that decodes is encoded again from what was decoded and decodes
 *     to the same (the encoders and decoders agree).
 *
 *   byte 0   bits 0-1: the peer AS we expect (PEER_AS[]); bit 2: IPv4 wanted; bit 3: IPv6
 *            wanted (neither: both); bit 7: no header, the rest is one body for the decoder
 *            of type (bits 4-6) % 5 + 1
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/bgp/msg.h"

#define FAIL(...)                                                                                  \
	do {                                                                                       \
		fprintf(stderr, "fuzz invariant: " __VA_ARGS__);                                   \
		fprintf(stderr, "\n");                                                             \
		abort();                                                                           \
	} while (0)

static const uint32_t PEER_AS[4] = {65001, 4200000001u, BGP_AS_TRANS, 1};
#define LOCAL_AS 65000
#define LOCAL_ID 0x0100000au /* 10.0.0.1, network order */

static void check_error(const struct bgp_error *err, const char *what)
{
	if (!err->why)
		FAIL("%s: an error without its reason", what);
	if (err->code < BGP_ERR_HEADER || err->code > BGP_ERR_CEASE)
		FAIL("%s: error code %u", what, err->code);
}

static void open_roundtrip(const struct bgp_open_expect *ex, const struct bgp_open_info *info)
{
	struct bgp_open_params p = {.local_as = info->peer_as,
				    .hold_time = info->hold_time,
				    .bgp_id = info->bgp_id,
				    .ipv4_unicast = info->ipv4_unicast,
				    .ipv6_unicast = info->ipv6_unicast,
				    .route_refresh = info->route_refresh};
	uint8_t buf[BGP_MAX_MSG_LEN];
	size_t n = bgp_encode_open(buf, sizeof(buf), &p);
	struct bgp_open_info again;
	struct bgp_header h;
	struct bgp_error err = {0};

	if (!n || bgp_decode_header(buf, &h, &err) || h.len != n || h.type != BGP_MSG_OPEN)
		FAIL("OPEN: our encoding of a decoded OPEN has a bad header");
	if (bgp_decode_open(buf + BGP_HEADER_LEN, n - BGP_HEADER_LEN, ex, &again, &err))
		FAIL("OPEN: our encoding of a decoded OPEN does not decode: %s", err.why);
	if (again.peer_as != info->peer_as || again.hold_time != info->hold_time ||
	    again.bgp_id != info->bgp_id || again.ipv4_unicast != info->ipv4_unicast ||
	    again.ipv6_unicast != info->ipv6_unicast || again.route_refresh != info->route_refresh)
		FAIL("OPEN: decoded, encoded and decoded again, it differs");
}

static void decode_body(int type, const uint8_t *body, size_t len,
			const struct bgp_open_expect *ex)
{
	struct bgp_error err = {0};

	switch (type) {
	case BGP_MSG_OPEN: {
		struct bgp_open_info info;

		if (bgp_decode_open(body, len, ex, &info, &err)) {
			check_error(&err, "OPEN");
			break;
		}
		if (info.version != BGP_VERSION || info.hold_time == 1 || info.hold_time == 2 ||
		    info.peer_as != ex->peer_as || !info.as4 ||
		    !(info.ipv4_unicast || info.ipv6_unicast) ||
		    (info.ipv4_unicast && !ex->want_ipv4) || (info.ipv6_unicast && !ex->want_ipv6))
			FAIL("OPEN accepted against its expectation");
		open_roundtrip(ex, &info);
		break;
	}
	case BGP_MSG_UPDATE: {
		struct bgp_update_info info = {0};
		enum bgp_verdict v = bgp_decode_update(body, len, &info, &err);

		if (v == BGP_MSG_SESSION_RESET) {
			check_error(&err, "UPDATE");
			if (err.code != BGP_ERR_UPDATE && err.code != BGP_ERR_HEADER)
				FAIL("UPDATE: reset with error code %u", err.code);
		} else if (v == BGP_MSG_TREAT_AS_WITHDRAW) {
			check_error(&err, "UPDATE (treat as withdraw)");
		} else if (v != BGP_MSG_OK) {
			FAIL("UPDATE: verdict %d", v);
		}
		/* every prefix takes at least its length byte */
		if (info.n_withdrawn + info.n_nlri + info.n_mp_reach + info.n_mp_unreach > len)
			FAIL("UPDATE: %zu prefixes in %zu bytes",
			     info.n_withdrawn + info.n_nlri + info.n_mp_reach + info.n_mp_unreach,
			     len);
		break;
	}
	case BGP_MSG_NOTIFICATION: {
		struct bgp_notification n, again;
		uint8_t buf[BGP_MAX_MSG_LEN];
		size_t enc;

		if (bgp_decode_notification(body, len, &n))
			break;
		if (n.data < body || n.data + n.data_len != body + len)
			FAIL("NOTIFICATION: its data is not the rest of the message");
		enc = bgp_encode_notification(buf, sizeof(buf), n.code, n.subcode, n.data,
					      n.data_len);
		if (!enc && len + BGP_HEADER_LEN <= BGP_MAX_MSG_LEN)
			FAIL("NOTIFICATION: a decoded one does not encode");
		if (enc && (bgp_decode_notification(buf + BGP_HEADER_LEN, enc - BGP_HEADER_LEN,
						    &again) ||
			    again.code != n.code || again.subcode != n.subcode ||
			    again.data_len != n.data_len || memcmp(again.data, n.data, n.data_len)))
			FAIL("NOTIFICATION: decoded, encoded and decoded again, it differs");
		(void)bgp_error_name(n.code, n.subcode);
		break;
	}
	case BGP_MSG_ROUTE_REFRESH: {
		uint16_t afi;
		uint8_t safi;

		if (!bgp_decode_route_refresh(body, len, &afi, &safi) && len != 4)
			FAIL("ROUTE-REFRESH of %zu bytes accepted", len);
		break;
	}
	default: /* KEEPALIVE: no body */
		break;
	}
}

/* body in a buffer of its own, exactly len bytes: a read past it is ASan's. */
static void decode_exact(int type, const uint8_t *p, size_t len, const struct bgp_open_expect *ex)
{
	uint8_t *body = malloc(len ? len : 1);

	if (!body)
		abort();
	memcpy(body, p, len);
	decode_body(type, len ? body : body + 1, len, ex);
	free(body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_open_expect ex = {.local_as = LOCAL_AS, .local_id = LOCAL_ID};
	const uint8_t *p = data + 1, *end = data + size;

	if (size < 1)
		return 0;
	ex.peer_as = PEER_AS[data[0] & 3];
	ex.want_ipv4 = data[0] & 4;
	ex.want_ipv6 = data[0] & 8;
	if (!ex.want_ipv4 && !ex.want_ipv6)
		ex.want_ipv4 = ex.want_ipv6 = true;
	if (data[0] & 0x80) {
		decode_exact((data[0] >> 4 & 7) % 5 + 1, p, (size_t)(end - p), &ex);
		return 0;
	}
	while ((size_t)(end - p) >= BGP_HEADER_LEN) {
		struct bgp_header h;
		struct bgp_error err = {0};

		if (bgp_decode_header(p, &h, &err)) {
			check_error(&err, "header");
			if (err.code != BGP_ERR_HEADER)
				FAIL("header: error code %u", err.code);
			break;
		}
		if (h.len < BGP_HEADER_LEN || h.len > BGP_MAX_MSG_LEN || h.type < BGP_MSG_OPEN ||
		    h.type > BGP_MSG_ROUTE_REFRESH)
			FAIL("header accepted with length %u type %u", h.len, h.type);
		if (h.len > (size_t)(end - p))
			break; /* the reader would wait for the rest */
		decode_exact(h.type, p + BGP_HEADER_LEN, h.len - BGP_HEADER_LEN, &ex);
		p += h.len;
	}
	return 0;
}
