/* SPDX-License-Identifier: MIT */
/*
 * wire.h - what the BGP decoders share (msg.c, update.c): a bounded cursor, so that no input can
 * make a decoder read past the length it was given, prefix sizes and error recording. Internal to
 * control/bgp/.
 */
#ifndef EDGELB_BGP_WIRE_H
#define EDGELB_BGP_WIRE_H

#include "control/bgp/msg.h"

#include <string.h>

struct cursor {
	const uint8_t *p;
	size_t left;
};

static inline bool cur_take(struct cursor *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return false;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

static inline bool cur_u8(struct cursor *c, uint8_t *v)
{
	const uint8_t *p;
	if (!cur_take(c, 1, &p))
		return false;
	*v = p[0];
	return true;
}

static inline bool cur_u16(struct cursor *c, uint16_t *v)
{
	const uint8_t *p;
	if (!cur_take(c, 2, &p))
		return false;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return true;
}

static inline bool cur_u32(struct cursor *c, uint32_t *v)
{
	const uint8_t *p;
	if (!cur_take(c, 4, &p))
		return false;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return true;
}

/* Bytes of a prefix of len bits in NLRI encoding (RFC 4271 4.3). */
static inline unsigned int prefix_bytes(uint8_t len)
{
	return (len + 7u) / 8u;
}

static inline void set_error(struct bgp_error *err, uint8_t code, uint8_t subcode, const void *data,
			     size_t data_len, const char *why)
{
	err->code = code;
	err->subcode = subcode;
	err->data_len = (uint8_t)(data_len > BGP_ERROR_DATA_MAX ? BGP_ERROR_DATA_MAX : data_len);
	if (err->data_len)
		memcpy(err->data, data, err->data_len);
	err->why = why;
}

#endif
