/* SPDX-License-Identifier: MIT */
/*
 * msg.h - BGP-4 wire format: encoders for what the speaker sends (OPEN, KEEPALIVE, UPDATE,
 * End-of-RIB, NOTIFICATION, ROUTE-REFRESH) and validating decoders for everything a peer may
 * send. Pure functions over byte buffers, no I/O, so that every malformed case is unit-tested.
 *
 * Every decoder reads only inside the length it is given (the message length from the header)
 * and answers either "fine", or the RFC 4271 / RFC 7606 reaction with the NOTIFICATION code,
 * subcode and data to send.
 */
#ifndef EDGELB_CONTROL_BGP_MSG_H
#define EDGELB_CONTROL_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/bgp/bgp.h"

#define BGP_HEADER_LEN  19
#define BGP_MAX_MSG_LEN 4096
#define BGP_VERSION     4
#define BGP_AS_TRANS    23456

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* NOTIFICATION error codes (RFC 4271 4.5) and the subcodes we use. */
enum bgp_err_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
};

enum {
	BGP_HDR_NOT_SYNC = 1,
	BGP_HDR_BAD_LENGTH = 2,
	BGP_HDR_BAD_TYPE = 3,

	BGP_OPEN_UNSUP_VERSION = 1,
	BGP_OPEN_BAD_PEER_AS = 2,
	BGP_OPEN_BAD_BGP_ID = 3,
	BGP_OPEN_UNSUP_OPT_PARAM = 4,
	BGP_OPEN_UNACCEPTABLE_HOLD = 6,
	BGP_OPEN_UNSUP_CAPABILITY = 7,

	BGP_UPD_MALFORMED_ATTR_LIST = 1,
	BGP_UPD_UNRECOGNIZED_WELL_KNOWN = 2,
	BGP_UPD_MISSING_WELL_KNOWN = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LENGTH = 5,
	BGP_UPD_INVALID_ORIGIN = 6,
	BGP_UPD_INVALID_NEXT_HOP = 8,
	BGP_UPD_OPTIONAL_ATTR = 9,
	BGP_UPD_INVALID_NETWORK = 10,
	BGP_UPD_MALFORMED_AS_PATH = 11,

	/* RFC 6608 */
	BGP_FSM_UNEXPECTED_IN_OPENSENT = 1,
	BGP_FSM_UNEXPECTED_IN_OPENCONFIRM = 2,
	BGP_FSM_UNEXPECTED_IN_ESTABLISHED = 3,

	/* RFC 4486 */
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_DECONFIGURED = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_OUT_OF_RESOURCES = 8,
};

/* Path attribute type codes and flags. */
enum {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,
	BGP_ATTR_MP_REACH_NLRI = 14,
	BGP_ATTR_MP_UNREACH_NLRI = 15,
	BGP_ATTR_AS4_PATH = 17,
	BGP_ATTR_AS4_AGGREGATOR = 18,
	BGP_ATTR_LARGE_COMMUNITIES = 32,
};

#define BGP_AF_OPTIONAL   0x80
#define BGP_AF_TRANSITIVE 0x40
#define BGP_AF_PARTIAL    0x20
#define BGP_AF_EXT_LEN    0x10

#define BGP_AFI_IPV4     1
#define BGP_AFI_IPV6     2
#define BGP_SAFI_UNICAST 1

/* Capability codes */
enum {
	BGP_CAP_MP = 1,
	BGP_CAP_ROUTE_REFRESH = 2,
	BGP_CAP_AS4 = 65,
};

/* The reaction to a received message, and for errors what to send. */
enum bgp_verdict {
	BGP_MSG_OK,
	BGP_MSG_TREAT_AS_WITHDRAW, /* RFC 7606: keep the session, drop the message's routes */
	BGP_MSG_SESSION_RESET,     /* send the NOTIFICATION in bgp_error, close */
};

#define BGP_ERROR_DATA_MAX 255

struct bgp_error {
	uint8_t code, subcode;
	uint8_t data_len;
	uint8_t data[BGP_ERROR_DATA_MAX];
	const char *why; /* static text for the log */
};

struct bgp_header {
	uint16_t len;
	uint8_t type;
};

struct bgp_open_info {
	uint8_t version;
	uint16_t my_as_field;
	uint32_t peer_as; /* from the AS4 capability when present */
	uint16_t hold_time;
	uint32_t bgp_id; /* network byte order */
	bool as4, route_refresh;
	bool mp_seen, ipv4_unicast, ipv6_unicast; /* no MP capability at all: IPv4 unicast */
};

/* What the OPEN decoder checks the OPEN against. */
struct bgp_open_expect {
	uint32_t peer_as;
	uint32_t local_as;
	uint32_t local_id; /* network byte order */
	bool want_ipv4, want_ipv6;
};

struct bgp_update_info {
	size_t n_withdrawn, n_nlri; /* IPv4 fields */
	size_t n_mp_reach, n_mp_unreach;
	bool end_of_rib;
	uint16_t eor_afi;
	bool treat_as_withdraw; /* reason in the bgp_error passed to the decoder */
};

struct bgp_notification {
	uint8_t code, subcode;
	const uint8_t *data;
	size_t data_len;
};

/* What an UPDATE we send is built from. */
struct bgp_update_params {
	uint32_t local_as;
	const struct bgp_route *route;
	bool gshut; /* add 65535:0 */
	struct lb_addr nexthop4;
	struct lb_addr nexthop6, nexthop6_ll; /* link-local is :: when absent */
};

struct bgp_open_params {
	uint32_t local_as;
	uint16_t hold_time;
	uint32_t bgp_id; /* network byte order */
	bool ipv4_unicast, ipv6_unicast, route_refresh;
};

/* ---- encoders: full messages with header; return the length, 0 when cap is too small ---- */
size_t bgp_encode_open(uint8_t *buf, size_t cap, const struct bgp_open_params *p);
size_t bgp_encode_keepalive(uint8_t *buf, size_t cap);
size_t bgp_encode_notification(uint8_t *buf, size_t cap, uint8_t code, uint8_t subcode,
			       const uint8_t *data, size_t data_len);
size_t bgp_encode_update(uint8_t *buf, size_t cap, const struct bgp_update_params *p);
size_t bgp_encode_withdraw(uint8_t *buf, size_t cap, const struct bgp_prefix *prefix);
size_t bgp_encode_end_of_rib(uint8_t *buf, size_t cap, uint8_t family);
size_t bgp_encode_route_refresh(uint8_t *buf, size_t cap, uint16_t afi, uint8_t safi);

/* ---- decoders ---- */
/* buf holds >= BGP_HEADER_LEN bytes. Checks marker, length (also per type) and type. */
int bgp_decode_header(const uint8_t *buf, struct bgp_header *h, struct bgp_error *err);
/* body/len: the message after its header. Returns 0 or -1 with err filled. */
int bgp_decode_open(const uint8_t *body, size_t len, const struct bgp_open_expect *expect,
		    struct bgp_open_info *info, struct bgp_error *err);
enum bgp_verdict bgp_decode_update(const uint8_t *body, size_t len, struct bgp_update_info *info,
				   struct bgp_error *err);
int bgp_decode_notification(const uint8_t *body, size_t len, struct bgp_notification *n);
int bgp_decode_route_refresh(const uint8_t *body, size_t len, uint16_t *afi, uint8_t *safi);

const char *bgp_error_name(uint8_t code, uint8_t subcode);

#endif
