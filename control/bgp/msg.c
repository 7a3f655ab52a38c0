// SPDX-License-Identifier: MIT
/*
 * msg.c - BGP-4 message encoders, the header, OPEN, NOTIFICATION and ROUTE-REFRESH decoders, and
 * the names of errors for logs (see msg.h). The UPDATE decoder is update.c; both read through
 * wire.h's bounded cursor.
 */
#include "control/bgp/wire.h"

/* ---- writer that remembers overflow instead of checking at every call ---- */

struct writer {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
};

static void put_bytes(struct writer *w, const void *src, size_t n)
{
	if (!n)
		return;
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, src, n);
	w->len += n;
}

static void put_u8(struct writer *w, uint8_t v)
{
	put_bytes(w, &v, 1);
}

static void put_u16(struct writer *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put_bytes(w, b, 2);
}

static void put_u32(struct writer *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	put_bytes(w, b, 4);
}

static void patch_u16(struct writer *w, size_t at, uint16_t v)
{
	if (w->overflow)
		return;
	w->buf[at] = (uint8_t)(v >> 8);
	w->buf[at + 1] = (uint8_t)v;
}

static void put_header(struct writer *w, uint8_t type)
{
	static const uint8_t marker[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	put_bytes(w, marker, sizeof(marker));
	put_u16(w, 0); /* patched by finish_message() */
	put_u8(w, type);
}

static size_t finish_message(struct writer *w)
{
	if (w->overflow || w->len > BGP_MAX_MSG_LEN)
		return 0;
	patch_u16(w, 16, (uint16_t)w->len);
	return w->len;
}

static void put_prefix(struct writer *w, const struct bgp_prefix *p)
{
	put_u8(w, p->len);
	put_bytes(w, p->addr.b, prefix_bytes(p->len));
}

/* ---- encoders ---- */

static void put_capability(struct writer *w, uint8_t code, const uint8_t *val, uint8_t len)
{
	put_u8(w, code);
	put_u8(w, len);
	put_bytes(w, val, len);
}

static void put_mp_capability(struct writer *w, uint16_t afi, uint8_t safi)
{
	uint8_t v[4] = {(uint8_t)(afi >> 8), (uint8_t)afi, 0, safi};
	put_capability(w, BGP_CAP_MP, v, sizeof(v));
}

size_t bgp_encode_open(uint8_t *buf, size_t cap, const struct bgp_open_params *p)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_OPEN);
	put_u8(&w, BGP_VERSION);
	put_u16(&w, p->local_as > 0xffff ? BGP_AS_TRANS : (uint16_t)p->local_as);
	put_u16(&w, p->hold_time);
	put_bytes(&w, &p->bgp_id, 4); /* already network order */
	size_t optlen_at = w.len;
	put_u8(&w, 0);
	/* One Capabilities optional parameter holding all capabilities (RFC 5492). */
	put_u8(&w, 2);
	size_t caplen_at = w.len;
	put_u8(&w, 0);
	if (p->ipv4_unicast)
		put_mp_capability(&w, BGP_AFI_IPV4, BGP_SAFI_UNICAST);
	if (p->ipv6_unicast)
		put_mp_capability(&w, BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	if (p->route_refresh)
		put_capability(&w, BGP_CAP_ROUTE_REFRESH, NULL, 0);
	uint8_t as4[4] = {(uint8_t)(p->local_as >> 24), (uint8_t)(p->local_as >> 16),
			  (uint8_t)(p->local_as >> 8), (uint8_t)p->local_as};
	put_capability(&w, BGP_CAP_AS4, as4, sizeof(as4));
	if (!w.overflow) {
		buf[caplen_at] = (uint8_t)(w.len - caplen_at - 1);
		buf[optlen_at] = (uint8_t)(w.len - optlen_at - 1);
	}
	return finish_message(&w);
}

size_t bgp_encode_keepalive(uint8_t *buf, size_t cap)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_KEEPALIVE);
	return finish_message(&w);
}

size_t bgp_encode_notification(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			       const uint8_t *data, size_t data_len)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_NOTIFICATION);
	put_u8(&w, code);
	put_u8(&w, subcode);
	put_bytes(&w, data, data_len);
	return finish_message(&w);
}

size_t bgp_encode_route_refresh(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_ROUTE_REFRESH);
	put_u16(&w, afi);
	put_u8(&w, 0);
	put_u8(&w, safi);
	return finish_message(&w);
}

/* Attribute header with a 1- or 2-octet length; returns where the length goes. */
static size_t put_attr_header(struct writer *w, uint8_t flags, uint8_t type, bool ext)
{
	put_u8(w, ext ? flags | BGP_AF_EXT_LEN : flags);
	put_u8(w, type);
	size_t at = w->len;
	if (ext)
		put_u16(w, 0);
	else
		put_u8(w, 0);
	return at;
}

static void finish_attr(struct writer *w, size_t len_at, bool ext)
{
	if (w->overflow)
		return;
	size_t len = w->len - len_at - (ext ? 2 : 1);
	if (ext)
		patch_u16(w, len_at, (uint16_t)len);
	else if (len > 255)
		w->overflow = true;
	else
		w->buf[len_at] = (uint8_t)len;
}

static void put_origin_igp(struct writer *w)
{
	size_t at = put_attr_header(w, BGP_AF_TRANSITIVE, BGP_ATTR_ORIGIN, false);
	put_u8(w, 0);
	finish_attr(w, at, false);
}

static void put_as_path(struct writer *w, uint32_t local_as, uint8_t prepend)
{
	size_t at = put_attr_header(w, BGP_AF_TRANSITIVE, BGP_ATTR_AS_PATH, false);
	put_u8(w, 2); /* AS_SEQUENCE */
	put_u8(w, (uint8_t)(1 + prepend));
	for (unsigned int i = 0; i <= prepend; i++)
		put_u32(w, local_as);
	finish_attr(w, at, false);
}

static void put_next_hop4(struct writer *w, const struct lb_addr *nh)
{
	size_t at = put_attr_header(w, BGP_AF_TRANSITIVE, BGP_ATTR_NEXT_HOP, false);
	put_bytes(w, nh->b, 4);
	finish_attr(w, at, false);
}

static void put_med(struct writer *w, uint32_t med)
{
	size_t at = put_attr_header(w, BGP_AF_OPTIONAL, BGP_ATTR_MED, false);
	put_u32(w, med);
	finish_attr(w, at, false);
}

static bool has_community(const struct bgp_route *r, uint32_t c)
{
	for (unsigned int i = 0; i < r->n_communities; i++)
		if (r->communities[i] == c)
			return true;
	return false;
}

static void put_communities(struct writer *w, const struct bgp_route *r, bool gshut)
{
	bool add_gshut = gshut && !has_community(r, BGP_COMMUNITY_GSHUT);
	if (!r->n_communities && !add_gshut)
		return;
	size_t at =
	    put_attr_header(w, BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE, BGP_ATTR_COMMUNITIES, false);
	for (unsigned int i = 0; i < r->n_communities; i++)
		put_u32(w, r->communities[i]);
	if (add_gshut)
		put_u32(w, BGP_COMMUNITY_GSHUT);
	finish_attr(w, at, false);
}

static void put_large_communities(struct writer *w, const struct bgp_route *r)
{
	if (!r->n_large)
		return;
	size_t at = put_attr_header(w, BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE,
				    BGP_ATTR_LARGE_COMMUNITIES, false);
	for (unsigned int i = 0; i < r->n_large; i++) {
		put_u32(w, r->large[i].global);
		put_u32(w, r->large[i].local1);
		put_u32(w, r->large[i].local2);
	}
	finish_attr(w, at, false);
}

static bool addr_is_zero(const struct lb_addr *a)
{
	return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]);
}

static void put_mp_reach6(struct writer *w, const struct bgp_update_params *p)
{
	bool with_ll = !addr_is_zero(&p->nexthop6_ll);
	size_t at = put_attr_header(w, BGP_AF_OPTIONAL, BGP_ATTR_MP_REACH_NLRI, false);
	put_u16(w, BGP_AFI_IPV6);
	put_u8(w, BGP_SAFI_UNICAST);
	put_u8(w, with_ll ? 32 : 16); /* RFC 2545: global, then link-local */
	put_bytes(w, p->nexthop6.b, 16);
	if (with_ll)
		put_bytes(w, p->nexthop6_ll.b, 16);
	put_u8(w, 0); /* reserved */
	put_prefix(w, &p->route->prefix);
	finish_attr(w, at, false);
}

/*
 * One UPDATE per route: attributes in type-code order, IPv4 NLRI in the trailing field, IPv6 in
 * MP_REACH_NLRI (RFC 4760).
 */
size_t bgp_encode_update(uint8_t *buf, size_t cap, const struct bgp_update_params *p)
{
	const struct bgp_route *r = p->route;
	bool v6 = r->prefix.family == LB_AF_INET6;
	struct writer w = {.buf = buf, .cap = cap};

	if (r->prepend > BGP_MAX_PREPEND || r->n_communities > BGP_MAX_COMMUNITIES ||
	    r->n_large > BGP_MAX_LARGE_COMMUNITIES)
		return 0;
	put_header(&w, BGP_MSG_UPDATE);
	put_u16(&w, 0); /* no withdrawn routes */
	size_t attrlen_at = w.len;
	put_u16(&w, 0);
	put_origin_igp(&w);
	put_as_path(&w, p->local_as, r->prepend);
	if (!v6)
		put_next_hop4(&w, &p->nexthop4);
	if (r->has_med)
		put_med(&w, r->med);
	put_communities(&w, r, p->gshut);
	if (v6)
		put_mp_reach6(&w, p);
	put_large_communities(&w, r);
	patch_u16(&w, attrlen_at, (uint16_t)(w.len - attrlen_at - 2));
	if (!v6)
		put_prefix(&w, &r->prefix);
	return finish_message(&w);
}

size_t bgp_encode_withdraw(uint8_t *buf, size_t cap, const struct bgp_prefix *prefix)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_UPDATE);
	if (prefix->family == LB_AF_INET) {
		put_u16(&w, (uint16_t)(1 + prefix_bytes(prefix->len)));
		put_prefix(&w, prefix);
		put_u16(&w, 0);
		return finish_message(&w);
	}
	put_u16(&w, 0);
	size_t attrlen_at = w.len;
	put_u16(&w, 0);
	size_t at = put_attr_header(&w, BGP_AF_OPTIONAL, BGP_ATTR_MP_UNREACH_NLRI, false);
	put_u16(&w, BGP_AFI_IPV6);
	put_u8(&w, BGP_SAFI_UNICAST);
	put_prefix(&w, prefix);
	finish_attr(&w, at, false);
	patch_u16(&w, attrlen_at, (uint16_t)(w.len - attrlen_at - 2));
	return finish_message(&w);
}

/* RFC 4724 section 2: an empty UPDATE (IPv4) or an empty MP_UNREACH_NLRI (others). */
size_t bgp_encode_end_of_rib(uint8_t *buf, size_t cap, uint8_t family)
{
	struct writer w = {.buf = buf, .cap = cap};
	put_header(&w, BGP_MSG_UPDATE);
	put_u16(&w, 0);
	if (family == LB_AF_INET) {
		put_u16(&w, 0);
		return finish_message(&w);
	}
	put_u16(&w, 6);
	put_u8(&w, BGP_AF_OPTIONAL);
	put_u8(&w, BGP_ATTR_MP_UNREACH_NLRI);
	put_u8(&w, 3);
	put_u16(&w, BGP_AFI_IPV6);
	put_u8(&w, BGP_SAFI_UNICAST);
	return finish_message(&w);
}

/* ---- decoders ---- */

static size_t min_len_for_type(uint8_t type)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return 29;
	case BGP_MSG_UPDATE:
		return 23;
	case BGP_MSG_NOTIFICATION:
		return 21;
	case BGP_MSG_ROUTE_REFRESH:
		return 23;
	default:
		return 19;
	}
}

int bgp_decode_header(const uint8_t *buf, struct bgp_header *h, struct bgp_error *err)
{
	for (int i = 0; i < 16; i++) {
		if (buf[i] != 0xff) {
			set_error(err, BGP_ERR_HEADER, BGP_HDR_NOT_SYNC, NULL, 0,
				  "marker is not all ones");
			return -1;
		}
	}
	h->len = (uint16_t)(buf[16] << 8 | buf[17]);
	h->type = buf[18];
	if (h->len < BGP_HEADER_LEN || h->len > BGP_MAX_MSG_LEN) {
		set_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, buf + 16, 2,
			  "length outside 19..4096");
		return -1;
	}
	if (h->type < BGP_MSG_OPEN || h->type > BGP_MSG_ROUTE_REFRESH) {
		set_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, buf + 18, 1,
			  "unknown message type");
		return -1;
	}
	bool exact = h->type == BGP_MSG_KEEPALIVE || h->type == BGP_MSG_ROUTE_REFRESH;
	size_t min = min_len_for_type(h->type);
	if (h->len < min || (exact && h->len != min)) {
		set_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, buf + 16, 2,
			  "length wrong for the message type");
		return -1;
	}
	return 0;
}

static int decode_capability(uint8_t code, struct cursor *val, struct bgp_open_info *info,
			     struct bgp_error *err)
{
	uint16_t afi;
	uint8_t reserved, safi;
	switch (code) {
	case BGP_CAP_MP:
		if (val->left != 4 || !cur_u16(val, &afi) || !cur_u8(val, &reserved) ||
		    !cur_u8(val, &safi))
			goto malformed;
		info->mp_seen = true;
		if (afi == BGP_AFI_IPV4 && safi == BGP_SAFI_UNICAST)
			info->ipv4_unicast = true;
		if (afi == BGP_AFI_IPV6 && safi == BGP_SAFI_UNICAST)
			info->ipv6_unicast = true;
		return 0;
	case BGP_CAP_ROUTE_REFRESH:
	case 128: /* pre-standard Route Refresh code, still sent by some */
		info->route_refresh = true;
		return 0;
	case BGP_CAP_AS4:
		if (val->left != 4 || !cur_u32(val, &info->peer_as))
			goto malformed;
		info->as4 = true;
		return 0;
	default:
		return 0; /* RFC 5492: ignore capabilities we do not know */
	}
malformed:
	set_error(err, BGP_ERR_OPEN, 0, NULL, 0, "malformed capability");
	return -1;
}

static int decode_capabilities(struct cursor *c, struct bgp_open_info *info, struct bgp_error *err)
{
	while (c->left) {
		uint8_t code, len;
		const uint8_t *val;
		if (!cur_u8(c, &code) || !cur_u8(c, &len) || !cur_take(c, len, &val)) {
			set_error(err, BGP_ERR_OPEN, 0, NULL, 0,
				  "capability overruns its parameter");
			return -1;
		}
		struct cursor vc = {.p = val, .left = len};
		if (decode_capability(code, &vc, info, err))
			return -1;
	}
	return 0;
}

static int decode_opt_params(struct cursor *c, struct bgp_open_info *info, struct bgp_error *err)
{
	while (c->left) {
		uint8_t type, len;
		const uint8_t *val;
		if (!cur_u8(c, &type) || !cur_u8(c, &len) || !cur_take(c, len, &val)) {
			set_error(err, BGP_ERR_OPEN, 0, NULL, 0,
				  "optional parameter overruns the OPEN");
			return -1;
		}
		if (type != 2) {
			set_error(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_OPT_PARAM, NULL, 0,
				  "unsupported optional parameter");
			return -1;
		}
		struct cursor vc = {.p = val, .left = len};
		if (decode_capabilities(&vc, info, err))
			return -1;
	}
	return 0;
}

static int check_open_semantics(const struct bgp_open_expect *ex, struct bgp_open_info *info,
				struct bgp_error *err)
{
	if (!info->as4) {
		uint8_t cap[6] = {BGP_CAP_AS4,
				  4,
				  (uint8_t)(ex->local_as >> 24),
				  (uint8_t)(ex->local_as >> 16),
				  (uint8_t)(ex->local_as >> 8),
				  (uint8_t)ex->local_as};
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_CAPABILITY, cap, sizeof(cap),
			  "peer lacks the 4-octet AS capability, which we require");
		return -1;
	}
	if (info->peer_as != ex->peer_as) {
		uint16_t field = (uint16_t)(info->my_as_field >> 8 | info->my_as_field << 8);
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, &field, 2,
			  "peer AS differs from the configured one");
		return -1;
	}
	if (!info->mp_seen)
		info->ipv4_unicast = true; /* RFC 4760: no MP capability means IPv4 unicast */
	bool v4 = ex->want_ipv4 && info->ipv4_unicast, v6 = ex->want_ipv6 && info->ipv6_unicast;
	if (!v4 && !v6) {
		uint8_t cap[6] = {BGP_CAP_MP, 4,
				  0,          ex->want_ipv6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4,
				  0,          BGP_SAFI_UNICAST};
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_CAPABILITY, cap, sizeof(cap),
			  "no address family in common");
		return -1;
	}
	info->ipv4_unicast = v4;
	info->ipv6_unicast = v6;
	return 0;
}

int bgp_decode_open(const uint8_t *body, size_t len, const struct bgp_open_expect *ex,
		    struct bgp_open_info *info, struct bgp_error *err)
{
	struct cursor c = {.p = body, .left = len};
	uint8_t optlen;
	*info = (struct bgp_open_info){0};
	if (!cur_u8(&c, &info->version) || !cur_u16(&c, &info->my_as_field) ||
	    !cur_u16(&c, &info->hold_time) || !cur_u32(&c, &info->bgp_id) || !cur_u8(&c, &optlen)) {
		set_error(err, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, NULL, 0, "OPEN too short");
		return -1;
	}
	info->bgp_id = __builtin_bswap32(info->bgp_id); /* keep network order like router_id */
	info->peer_as = info->my_as_field;
	if (info->version != BGP_VERSION) {
		static const uint8_t supported[2] = {0, BGP_VERSION};
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_VERSION, supported, 2,
			  "unsupported BGP version");
		return -1;
	}
	if (info->hold_time == 1 || info->hold_time == 2) {
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_UNACCEPTABLE_HOLD, NULL, 0,
			  "hold time 1 or 2 seconds");
		return -1;
	}
	if (info->bgp_id == 0 || info->bgp_id == 0xffffffffu || info->bgp_id == ex->local_id) {
		set_error(err, BGP_ERR_OPEN, BGP_OPEN_BAD_BGP_ID, NULL, 0,
			  "BGP identifier invalid or equal to ours");
		return -1;
	}
	if (optlen != c.left) {
		set_error(err, BGP_ERR_OPEN, 0, NULL, 0, "optional parameters length mismatch");
		return -1;
	}
	if (decode_opt_params(&c, info, err))
		return -1;
	return check_open_semantics(ex, info, err);
}

int bgp_decode_notification(const uint8_t *body, size_t len, struct bgp_notification *n)
{
	if (len < 2)
		return -1;
	n->code = body[0];
	n->subcode = body[1];
	n->data = body + 2;
	n->data_len = len - 2;
	return 0;
}

int bgp_decode_route_refresh(const uint8_t *body, size_t len, uint16_t *afi, uint8_t *safi)
{
	if (len != 4)
		return -1;
	*afi = (uint16_t)(body[0] << 8 | body[1]);
	*safi = body[3];
	return 0;
}

/* ---- names for logs ---- */

static const char *header_error_name(uint8_t subcode)
{
	switch (subcode) {
	case BGP_HDR_NOT_SYNC:
		return "connection not synchronized";
	case BGP_HDR_BAD_LENGTH:
		return "bad message length";
	case BGP_HDR_BAD_TYPE:
		return "bad message type";
	default:
		return "message header error";
	}
}

static const char *open_error_name(uint8_t subcode)
{
	static const char *const names[] = {
	    "OPEN message error",     "unsupported version number",     "bad peer AS",
	    "bad BGP identifier",     "unsupported optional parameter", "authentication failure",
	    "unacceptable hold time", "unsupported capability",
	};
	return subcode < sizeof(names) / sizeof(names[0]) ? names[subcode] : names[0];
}

static const char *update_error_name(uint8_t subcode)
{
	static const char *const names[] = {
	    "UPDATE message error",
	    "malformed attribute list",
	    "unrecognized well-known attribute",
	    "missing well-known attribute",
	    "attribute flags error",
	    "attribute length error",
	    "invalid ORIGIN attribute",
	    "AS routing loop",
	    "invalid NEXT_HOP attribute",
	    "optional attribute error",
	    "invalid network field",
	    "malformed AS_PATH",
	};
	return subcode < sizeof(names) / sizeof(names[0]) ? names[subcode] : names[0];
}

static const char *cease_name(uint8_t subcode)
{
	static const char *const names[] = {
	    "cease",
	    "maximum number of prefixes reached",
	    "administrative shutdown",
	    "peer de-configured",
	    "administrative reset",
	    "connection rejected",
	    "other configuration change",
	    "connection collision resolution",
	    "out of resources",
	};
	return subcode < sizeof(names) / sizeof(names[0]) ? names[subcode] : names[0];
}

const char *bgp_error_name(uint8_t code, uint8_t subcode)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return header_error_name(subcode);
	case BGP_ERR_OPEN:
		return open_error_name(subcode);
	case BGP_ERR_UPDATE:
		return update_error_name(subcode);
	case BGP_ERR_HOLD_TIMER:
		return "hold timer expired";
	case BGP_ERR_FSM:
		return "finite state machine error";
	case BGP_ERR_CEASE:
		return cease_name(subcode);
	default:
		return "unknown error";
	}
}
