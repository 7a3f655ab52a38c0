// SPDX-License-Identifier: MIT
/*
 * update.c - the UPDATE decoder (see msg.h): attribute walk and checks with RFC 7606's revised
 * error handling (treat-as-withdraw where the RFC allows it, session reset where it does not),
 * NLRI counting and End-of-RIB detection.
 */
#include "control/bgp/wire.h"

struct update_state {
	struct bgp_update_info *info;
	struct bgp_error *err;
	enum bgp_verdict verdict;
	uint8_t seen[256 / 8];
	bool mp_reach_has_nlri;
};

static bool seen_attr(const struct update_state *st, uint8_t type)
{
	return st->seen[type / 8] & (1u << (type % 8));
}

static enum bgp_verdict session_reset(struct update_state *st, uint8_t subcode, const void *data,
				      size_t data_len, const char *why)
{
	set_error(st->err, BGP_ERR_UPDATE, subcode, data, data_len, why);
	st->verdict = BGP_MSG_SESSION_RESET;
	return st->verdict;
}

/* Records the first treat-as-withdraw reason; a session reset found later overrides it. */
static void treat_as_withdraw(struct update_state *st, uint8_t subcode, const void *data,
			      size_t data_len, const char *why)
{
	if (st->verdict != BGP_MSG_OK)
		return;
	set_error(st->err, BGP_ERR_UPDATE, subcode, data, data_len, why);
	st->verdict = BGP_MSG_TREAT_AS_WITHDRAW;
	st->info->treat_as_withdraw = true;
}

/* Counts the prefixes of an NLRI field; -1 if one is longer than max_bits or overruns. */
static long count_prefixes(const uint8_t *p, size_t len, unsigned int max_bits)
{
	struct cursor c = {.p = p, .left = len};
	long n = 0;
	while (c.left) {
		uint8_t bits;
		const uint8_t *addr;
		if (!cur_u8(&c, &bits) || bits > max_bits ||
		    !cur_take(&c, prefix_bytes(bits), &addr))
			return -1;
		n++;
	}
	return n;
}

/* Expected Optional and Transitive flags of the attributes we know; -1: unknown. */
static int expected_flags(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
	case BGP_ATTR_AS_PATH:
	case BGP_ATTR_NEXT_HOP:
	case BGP_ATTR_LOCAL_PREF:
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return BGP_AF_TRANSITIVE;
	case BGP_ATTR_MED:
	case BGP_ATTR_MP_REACH_NLRI:
	case BGP_ATTR_MP_UNREACH_NLRI:
		return BGP_AF_OPTIONAL;
	case BGP_ATTR_AGGREGATOR:
	case BGP_ATTR_COMMUNITIES:
	case BGP_ATTR_AS4_PATH:
	case BGP_ATTR_AS4_AGGREGATOR:
	case BGP_ATTR_LARGE_COMMUNITIES:
		return BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE;
	default:
		return -1;
	}
}

struct attr {
	uint8_t flags, type;
	const uint8_t *whole; /* flags byte onwards, for NOTIFICATION data */
	size_t whole_len;
	struct cursor val;
};

static void check_as_path(struct update_state *st, const struct attr *a)
{
	struct cursor c = a->val;
	while (c.left) {
		uint8_t seg_type, count;
		const uint8_t *asns;
		if (!cur_u8(&c, &seg_type) || !cur_u8(&c, &count) || seg_type < 1 || seg_type > 4 ||
		    count == 0 || !cur_take(&c, (size_t)count * 4, &asns)) {
			treat_as_withdraw(st, BGP_UPD_MALFORMED_AS_PATH, NULL, 0,
					  "malformed AS_PATH");
			return;
		}
	}
}

static void check_next_hop(struct update_state *st, const struct attr *a)
{
	if (a->val.left != 4) {
		treat_as_withdraw(st, BGP_UPD_ATTR_LENGTH, a->whole, a->whole_len,
				  "NEXT_HOP length is not 4");
		return;
	}
	const uint8_t *nh = a->val.p;
	bool zero = !(nh[0] | nh[1] | nh[2] | nh[3]);
	bool bcast = (nh[0] & nh[1] & nh[2] & nh[3]) == 0xff;
	bool multicast = nh[0] >= 224 && nh[0] <= 239;
	if (zero || bcast || multicast)
		treat_as_withdraw(st, BGP_UPD_INVALID_NEXT_HOP, a->whole, a->whole_len,
				  "invalid NEXT_HOP");
}

static void check_mp_reach(struct update_state *st, const struct attr *a)
{
	struct cursor c = a->val;
	uint16_t afi;
	uint8_t safi, nh_len, reserved;
	const uint8_t *nh;
	if (!cur_u16(&c, &afi) || !cur_u8(&c, &safi) || !cur_u8(&c, &nh_len) ||
	    !cur_take(&c, nh_len, &nh) || !cur_u8(&c, &reserved)) {
		session_reset(st, BGP_UPD_OPTIONAL_ATTR, a->whole, a->whole_len,
			      "MP_REACH_NLRI truncated");
		return;
	}
	if (safi != BGP_SAFI_UNICAST || (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6))
		return; /* an AFI/SAFI we did not negotiate: ignore */
	bool nh_ok = afi == BGP_AFI_IPV6 ? (nh_len == 16 || nh_len == 32)
					 : (nh_len == 4 || nh_len == 16 || nh_len == 32);
	if (!nh_ok) {
		session_reset(st, BGP_UPD_OPTIONAL_ATTR, a->whole, a->whole_len,
			      "MP_REACH_NLRI next hop length");
		return;
	}
	long n = count_prefixes(c.p, c.left, afi == BGP_AFI_IPV6 ? 128 : 32);
	if (n < 0) {
		session_reset(st, BGP_UPD_INVALID_NETWORK, NULL, 0, "malformed MP_REACH_NLRI NLRI");
		return;
	}
	st->info->n_mp_reach += (size_t)n;
	st->mp_reach_has_nlri = n > 0;
}

static void check_mp_unreach(struct update_state *st, const struct attr *a)
{
	struct cursor c = a->val;
	uint16_t afi;
	uint8_t safi;
	if (!cur_u16(&c, &afi) || !cur_u8(&c, &safi)) {
		session_reset(st, BGP_UPD_OPTIONAL_ATTR, a->whole, a->whole_len,
			      "MP_UNREACH_NLRI truncated");
		return;
	}
	if (safi != BGP_SAFI_UNICAST || (afi != BGP_AFI_IPV4 && afi != BGP_AFI_IPV6))
		return;
	long n = count_prefixes(c.p, c.left, afi == BGP_AFI_IPV6 ? 128 : 32);
	if (n < 0) {
		session_reset(st, BGP_UPD_INVALID_NETWORK, NULL, 0,
			      "malformed MP_UNREACH_NLRI withdrawn routes");
		return;
	}
	st->info->n_mp_unreach += (size_t)n;
	if (n == 0) {
		st->info->eor_afi = afi;
	}
}

/* Per-attribute checks after the flags were found right (RFC 7606 section 7). */
static void check_attr_value(struct update_state *st, const struct attr *a)
{
	size_t len = a->val.left;
	switch (a->type) {
	case BGP_ATTR_ORIGIN:
		if (len != 1)
			treat_as_withdraw(st, BGP_UPD_ATTR_LENGTH, a->whole, a->whole_len,
					  "ORIGIN length is not 1");
		else if (a->val.p[0] > 2)
			treat_as_withdraw(st, BGP_UPD_INVALID_ORIGIN, a->whole, a->whole_len,
					  "ORIGIN value above 2");
		break;
	case BGP_ATTR_AS_PATH:
		check_as_path(st, a);
		break;
	case BGP_ATTR_NEXT_HOP:
		check_next_hop(st, a);
		break;
	case BGP_ATTR_MED:
		if (len != 4)
			treat_as_withdraw(st, BGP_UPD_ATTR_LENGTH, a->whole, a->whole_len,
					  "MULTI_EXIT_DISC length is not 4");
		break;
	case BGP_ATTR_COMMUNITIES:
		if (len == 0 || len % 4)
			treat_as_withdraw(st, BGP_UPD_OPTIONAL_ATTR, a->whole, a->whole_len,
					  "COMMUNITIES length not a multiple of 4");
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		if (len == 0 || len % 12)
			treat_as_withdraw(st, BGP_UPD_OPTIONAL_ATTR, a->whole, a->whole_len,
					  "LARGE_COMMUNITIES length not a multiple of 12");
		break;
	case BGP_ATTR_MP_REACH_NLRI:
		check_mp_reach(st, a);
		break;
	case BGP_ATTR_MP_UNREACH_NLRI:
		check_mp_unreach(st, a);
		break;
	default:
		/*
		 * LOCAL_PREF from an eBGP peer, ATOMIC_AGGREGATE, AGGREGATOR, AS4_* (AS4 is
		 * always negotiated): RFC 7606 says discard when malformed; we keep nothing.
		 */
		break;
	}
}

static bool is_mp_attr(uint8_t type)
{
	return type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI;
}

static void check_attr(struct update_state *st, const struct attr *a)
{
	if (seen_attr(st, a->type)) {
		if (is_mp_attr(a->type))
			session_reset(st, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
				      "MP_(UN)REACH_NLRI appears twice");
		return; /* other duplicates: discarded (RFC 7606 3g) */
	}
	st->seen[a->type / 8] |= (uint8_t)(1u << (a->type % 8));
	int want = expected_flags(a->type);
	if (want < 0) {
		if (!(a->flags & BGP_AF_OPTIONAL))
			session_reset(st, BGP_UPD_UNRECOGNIZED_WELL_KNOWN, a->whole, a->whole_len,
				      "unrecognized well-known attribute");
		return;
	}
	if ((a->flags & (BGP_AF_OPTIONAL | BGP_AF_TRANSITIVE)) != want) {
		if (is_mp_attr(a->type))
			session_reset(st, BGP_UPD_ATTR_FLAGS, a->whole, a->whole_len,
				      "attribute flags error on MP_(UN)REACH_NLRI");
		else
			treat_as_withdraw(st, BGP_UPD_ATTR_FLAGS, a->whole, a->whole_len,
					  "attribute flags error");
		return;
	}
	check_attr_value(st, a);
}

/* Walks the path attributes; false when an attribute overruns the attribute field. */
static bool walk_attrs(struct update_state *st, struct cursor c)
{
	while (c.left && st->verdict != BGP_MSG_SESSION_RESET) {
		struct attr a = {.whole = c.p};
		uint8_t len8;
		uint16_t len = 0;
		if (!cur_u8(&c, &a.flags) || !cur_u8(&c, &a.type))
			return false;
		if (a.flags & BGP_AF_EXT_LEN) {
			if (!cur_u16(&c, &len))
				return false;
		} else {
			if (!cur_u8(&c, &len8))
				return false;
			len = len8;
		}
		const uint8_t *val;
		if (!cur_take(&c, len, &val))
			return false;
		a.val = (struct cursor){.p = val, .left = len};
		a.whole_len = (size_t)(val + len - a.whole);
		check_attr(st, &a);
	}
	return true;
}

static void check_mandatory(struct update_state *st)
{
	static const uint8_t mandatory[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH, BGP_ATTR_NEXT_HOP};
	bool v4_nlri = st->info->n_nlri > 0;
	if (!v4_nlri && !st->mp_reach_has_nlri)
		return;
	for (size_t i = 0; i < sizeof(mandatory); i++) {
		uint8_t type = mandatory[i];
		if (type == BGP_ATTR_NEXT_HOP && !v4_nlri)
			continue;
		if (!seen_attr(st, type)) {
			treat_as_withdraw(st, BGP_UPD_MISSING_WELL_KNOWN, &type, 1,
					  "missing well-known attribute");
			return;
		}
	}
}

enum bgp_verdict bgp_decode_update(const uint8_t *body, size_t len, struct bgp_update_info *info,
				   struct bgp_error *err)
{
	struct update_state st = {.info = info, .err = err, .verdict = BGP_MSG_OK};
	struct cursor c = {.p = body, .left = len};
	uint16_t wlen, alen;
	const uint8_t *withdrawn, *attrs;
	*info = (struct bgp_update_info){0};

	if (!cur_u16(&c, &wlen) || !cur_take(&c, wlen, &withdrawn) || !cur_u16(&c, &alen) ||
	    !cur_take(&c, alen, &attrs))
		return session_reset(&st, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
				     "withdrawn or path attribute length overruns the UPDATE");
	long n = count_prefixes(withdrawn, wlen, 32);
	if (n < 0)
		return session_reset(&st, BGP_UPD_INVALID_NETWORK, NULL, 0,
				     "malformed withdrawn routes");
	info->n_withdrawn = (size_t)n;
	n = count_prefixes(c.p, c.left, 32);
	if (n < 0)
		return session_reset(&st, BGP_UPD_INVALID_NETWORK, NULL, 0, "malformed NLRI");
	info->n_nlri = (size_t)n;

	if (!walk_attrs(&st, (struct cursor){.p = attrs, .left = alen})) {
		/* RFC 7606 section 4: inconsistent attribute lengths are treat-as-withdraw */
		treat_as_withdraw(&st, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
				  "attribute overruns the path attribute field");
		return st.verdict;
	}
	if (st.verdict == BGP_MSG_SESSION_RESET)
		return st.verdict;
	check_mandatory(&st);

	if (!wlen && !alen && !info->n_nlri) {
		info->end_of_rib = true;
		info->eor_afi = BGP_AFI_IPV4;
	} else if (info->eor_afi && alen == 6 && !wlen && !info->n_nlri) {
		info->end_of_rib = true; /* only an empty MP_UNREACH_NLRI */
	} else {
		info->eor_afi = 0;
	}
	return st.verdict;
}
