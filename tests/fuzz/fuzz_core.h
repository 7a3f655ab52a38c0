/* SPDX-License-Identifier: MIT */
/*
 * fuzz_core.h - what the packet-core fuzzers (fuzz_core.c: the userspace runner against itself,
 * fuzz_xdp_diff.c: the XDP program against the userspace runner) and the seed writer
 * (fuzz_seeds.c) share: the tables, the input format, and the invariants every output frame
 * must keep.
 *
 * Tables: the fixtures' topology (tests/xdp/fixtures.py) plus VIPs of the kinds it lacks (no
 * connection tracking, source hash over IPv6, an L2 DSR VIP whose backend is of the other
 * family), so that every kind of VIP is there and the fixtures' frames make good seeds.
 *
 * Input: a script, so that a fuzzer can reach established flows, stale entries and ring
 * changes, not only first packets:
 *
 *   byte 0        placement: bits 0-2 are the frame's address mod 8 in the runner that moves it
 *   then steps, until the input ends (at most FZ_MAX_STEPS):
 *     0x00 hi lo  a frame of (hi << 8 | lo) bytes follows (cut to what is left)
 *     0x01 b s    backend b (mod 8) to state s (0 down, 1 up, 2 draining, 3 up)
 *     0x02 b g    backend b's generation to g
 *     0x03 v m    VIP v's ring (mod FZ_NVIPS) to the backends in bit mask m (none: no backend)
 *     0x04 n      the clock n ticks on (the userspace runners only: XDP's is the kernel's)
 *   any other step byte is skipped.
 *
 * Each input starts from the same tables (every backend up, generation 1, the first rings, no
 * connection entries, tick 0), so that it reproduces alone.
 */
#ifndef EDGELB_TESTS_FUZZ_CORE_H
#define EDGELB_TESTS_FUZZ_CORE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/fastpath/lbtables.h"
#include "dataplane/core/parse.h"
#include "tests/xdp/fx_tables.h"

#define FZ_MAX_STEPS 16
#define FZ_MAX_FRAME 1600 /* an Ethernet frame and more; XDP test runs take up to a page */
#define FZ_HEADROOM  256  /* XDP_PACKET_HEADROOM: room for any outer header */

enum { FZ_OP_PACKET, FZ_OP_STATE, FZ_OP_GEN, FZ_OP_RING, FZ_OP_TICK };

/* The VIPs the fixtures lack: id, family, address, protocol, port, flags, members. */
#define FZ_F_L2DSR      1u
#define FZ_F_SRC_HASH   2u
#define FZ_F_NO_CONNTRK 8u
static const unsigned fz_members_v4[] = {0, 1, 2}, fz_members_v6[] = {3, 4, 5},
		      fz_members_one_v4[] = {1};
static const struct fx_vip fz_extra_vips[] = {
    {20, 4, {192, 0, 2, 20}, 6, 443, FZ_F_NO_CONNTRK, fz_members_v4, 3},
    {21, 6, {0x20, 0x01, 0x0d, 0xb8, [15] = 0x20}, 17, 0, FZ_F_SRC_HASH | FZ_F_NO_CONNTRK,
     fz_members_v6, 3},
    {22, 6, {0x20, 0x01, 0x0d, 0xb8, [15] = 0x21}, 6, 80, FZ_F_L2DSR, fz_members_one_v4, 1},
    {23, 4, {192, 0, 2, 21}, 17, 53, FZ_F_SRC_HASH, fz_members_v6, 3},
};

#define FZ_NFX_VIPS (sizeof(fx_vips) / sizeof(fx_vips[0]))
#define FZ_NVIPS    (FZ_NFX_VIPS + sizeof(fz_extra_vips) / sizeof(fz_extra_vips[0]))
#define FZ_NBACKENDS (sizeof(fx_backends) / sizeof(fx_backends[0]))

static inline const struct fx_vip *fz_vip(size_t i)
{
	return i < FZ_NFX_VIPS ? &fx_vips[i] : &fz_extra_vips[i - FZ_NFX_VIPS];
}

/* One runner's tables as the harness keeps them: what each input starts from, and now. */
struct fz_tables {
	struct lbt *t;
	struct lb_backend initial[LB_MAX_BACKENDS], cur[LB_MAX_BACKENDS];
	uint8_t ring_mask[FZ_NVIPS]; /* current ring: backends by bit (initial: the members) */
	uint8_t initial_mask[FZ_NVIPS];
};

static inline uint8_t fz_mask_of(const struct fx_vip *v)
{
	uint8_t m = 0;

	for (int i = 0; i < v->nmembers; i++)
		m |= (uint8_t)(1u << v->members[i]);
	return m;
}

static inline int fz_write_ring(struct lbt *t, const struct fx_vip *v, uint8_t mask)
{
	unsigned members[8];
	uint32_t ring[FX_RING];
	int n = 0;

	for (unsigned b = 0; b < 8; b++)
		if (mask & (1u << b))
			members[n++] = b;
	fill_ring(ring, members, n);
	return t->ops->set_ring(t, (uint32_t)v->id, ring, FX_RING);
}

/* The topology into t (fresh tables): node, backends, every VIP and its ring. */
static inline int fz_tables_init(struct fz_tables *ft, struct lbt *t)
{
	struct lbt_vip vips[FZ_NVIPS];
	int rc;

	memset(ft, 0, sizeof(*ft));
	ft->t = t;
	fx_initial_backends(ft->initial);
	memcpy(ft->cur, ft->initial, sizeof(ft->cur));
	rc = fx_apply_topology(t, ft->initial); /* node, backends, fixture VIPs and rings */
	for (size_t i = 0; i < FZ_NVIPS && !rc; i++) {
		ft->ring_mask[i] = ft->initial_mask[i] = fz_mask_of(fz_vip(i));
		vips[i] = fx_vip_entry(fz_vip(i));
		if (i >= FZ_NFX_VIPS)
			rc = fz_write_ring(t, fz_vip(i), ft->ring_mask[i]);
	}
	return rc ? rc : lbt_install_vips(t, vips, FZ_NVIPS);
}

static inline int fz_set_backend(struct fz_tables *ft, unsigned id, const struct lb_backend *be)
{
	if (!memcmp(&ft->cur[id], be, sizeof(*be)))
		return 0;
	ft->cur[id] = *be;
	return ft->t->ops->set_backend(ft->t, id, be);
}

static inline int fz_set_ring(struct fz_tables *ft, size_t vip, uint8_t mask)
{
	if (ft->ring_mask[vip] == mask)
		return 0;
	ft->ring_mask[vip] = mask;
	return fz_write_ring(ft->t, fz_vip(vip), mask);
}

/*
 * Back to the topology's state (only what changed is written) and, if clear_conns, no connection
 * entries (a harness that knows which entries an input made may clear those alone).
 */
static inline int fz_tables_reset(struct fz_tables *ft, int clear_conns)
{
	int rc = clear_conns ? ft->t->ops->clear_conns(ft->t) : 0;

	for (size_t i = 0; i < FZ_NBACKENDS && !rc; i++)
		rc = fz_set_backend(ft, (unsigned)fx_backends[i].id,
				    &ft->initial[fx_backends[i].id]);
	for (size_t i = 0; i < FZ_NVIPS && !rc; i++)
		rc = fz_set_ring(ft, i, ft->initial_mask[i]);
	return rc;
}

/* One step of an input script. */
struct fz_step {
	int op;
	const uint8_t *frame;
	size_t len;
	unsigned a, b;
};

struct fz_script {
	const uint8_t *p, *end;
	unsigned placement;
	int steps;
};

static inline void fz_script_start(struct fz_script *s, const uint8_t *data, size_t size)
{
	s->placement = size ? data[0] & 7 : 0;
	s->p = size ? data + 1 : data;
	s->end = data + size;
	s->steps = 0;
}

/* The next step, 0 at the end. */
static inline int fz_script_next(struct fz_script *s, struct fz_step *st)
{
	while (s->p < s->end && s->steps < FZ_MAX_STEPS) {
		uint8_t op = *s->p++;
		size_t left = (size_t)(s->end - s->p);

		memset(st, 0, sizeof(*st));
		st->op = op;
		if (op == FZ_OP_PACKET) {
			size_t len = left >= 2 ? (size_t)s->p[0] << 8 | s->p[1] : 0;

			s->p += left >= 2 ? 2 : left;
			left = (size_t)(s->end - s->p);
			st->len = len < left ? len : left;
			if (st->len > FZ_MAX_FRAME)
				st->len = FZ_MAX_FRAME;
			st->frame = s->p;
			s->p += len < left ? len : left;
		} else if (op == FZ_OP_STATE || op == FZ_OP_GEN || op == FZ_OP_RING) {
			if (left < 2) {
				s->p = s->end;
				return 0;
			}
			st->a = s->p[0];
			st->b = s->p[1];
			s->p += 2;
		} else if (op == FZ_OP_TICK) {
			if (left < 1)
				return 0;
			st->a = *s->p++;
		} else {
			continue;
		}
		s->steps++;
		return 1;
	}
	return 0;
}

/* A table step on one runner's tables (FZ_OP_STATE, _GEN, _RING); others are the caller's. */
static inline int fz_apply(struct fz_tables *ft, const struct fz_step *st)
{
	struct lb_backend be;
	unsigned id = st->a & 7;

	switch (st->op) {
	case FZ_OP_STATE:
	case FZ_OP_GEN:
		if (id >= FZ_NBACKENDS)
			return 0;
		be = ft->cur[id];
		if (st->op == FZ_OP_STATE)
			be.state = (uint8_t)((st->b & 3) == 3 ? LB_BACKEND_UP : st->b & 3);
		else
			be.generation = st->b;
		return fz_set_backend(ft, id, &be);
	case FZ_OP_RING:
		return fz_set_ring(ft, st->a % FZ_NVIPS, (uint8_t)(st->b & 0x7f));
	}
	return 0;
}

/* ---- invariants of one output frame ---- */

#define FZ_FAIL(...)                                                                               \
	do {                                                                                       \
		fprintf(stderr, "fuzz invariant: " __VA_ARGS__);                                   \
		fprintf(stderr, "\n");                                                             \
		abort();                                                                           \
	} while (0)

static inline unsigned fz_be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* One's-complement sum of len bytes as big-endian 16-bit words (odd tail padded). */
static inline uint32_t fz_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += fz_be16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static inline int fz_csum_ok(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The backend whose address is addr (16 bytes, IPv4 in the first 4), or NULL. */
static inline const struct lb_backend *fz_backend_at(const struct fz_tables *ft, int family,
						     const uint8_t *addr)
{
	for (size_t i = 0; i < FZ_NBACKENDS; i++) {
		const struct lb_backend *be = &ft->cur[fx_backends[i].id];

		if (be->family == family && !memcmp(be->addr.b, addr, family == 4 ? 4 : 16))
			return be;
	}
	return NULL;
}

static inline const struct lb_backend *fz_backend_with_mac(const struct fz_tables *ft,
							   const uint8_t *mac)
{
	for (size_t i = 0; i < FZ_NBACKENDS; i++)
		if (!memcmp(ft->cur[fx_backends[i].id].mac, mac, 6))
			return &ft->cur[fx_backends[i].id];
	return NULL;
}

/* An output frame's L2 header against the input's: 14 or 18 bytes, the VLAN tag kept. */
static inline size_t fz_check_l2(const uint8_t *in, const uint8_t *out, unsigned ethertype,
				 const struct lb_parsed *pp)
{
	size_t l2 = pp->has_vlan ? 18 : 14;

	if (memcmp(out + 6, fx_node_mac, 6))
		FZ_FAIL("forwarded frame's source MAC is not the node's");
	if (pp->has_vlan) {
		if (fz_be16(out + 12) != LB_ETH_P_8021Q || memcmp(out + 14, in + 14, 2))
			FZ_FAIL("forwarded frame lost its VLAN tag");
		if (fz_be16(out + 16) != ethertype)
			FZ_FAIL("forwarded frame's inner ethertype %04x", fz_be16(out + 16));
	} else if (fz_be16(out + 12) != ethertype) {
		FZ_FAIL("forwarded frame's ethertype %04x, want %04x", fz_be16(out + 12), ethertype);
	}
	return l2;
}

/* IP-in-IP: the outer header (pushed bytes) and the untouched inner packet. */
static inline void fz_check_encap(const struct fz_tables *ft, const uint8_t *in, size_t in_len,
				  const uint8_t *out, size_t out_len, int pushed,
				  const struct lb_parsed *pp)
{
	int v6 = pushed == 40;
	size_t l2 = fz_check_l2(in, out, v6 ? LB_ETH_P_IPV6 : LB_ETH_P_IPV4, pp);
	const uint8_t *ip = out + l2;
	unsigned inner_proto = pp->flow.family == LB_AF_INET ? LB_IPPROTO_IPIP : LB_IPPROTO_IPV6;
	const struct lb_backend *be;

	if (memcmp(out + l2 + pushed, in + l2, in_len - l2))
		FZ_FAIL("the inner packet changed under its outer header");
	if (!v6) {
		if (ip[0] != 0x45 || fz_be16(ip + 2) != pp->l3_len + 20u || ip[8] != 64 ||
		    ip[9] != inner_proto)
			FZ_FAIL("outer IPv4 header: ver_ihl %02x tot_len %u (inner %u) ttl %u "
				"proto %u",
				ip[0], fz_be16(ip + 2), pp->l3_len, ip[8], ip[9]);
		if (!fz_csum_ok(fz_sum(ip, 20, 0)))
			FZ_FAIL("outer IPv4 header checksum wrong");
		if ((fz_be16(ip + 6) & ~0x4000u) != 0)
			FZ_FAIL("outer IPv4 header fragment field %04x", fz_be16(ip + 6));
		be = fz_backend_at(ft, 4, ip + 16);
		if (memcmp(ip + 12, fx_src4, 2)) /* FX_SRC4_MASK: the low 16 bits are entropy */
			FZ_FAIL("outer IPv4 source outside the node's prefix");
	} else {
		if ((ip[0] >> 4) != 6 || fz_be16(ip + 4) != pp->l3_len || ip[6] != inner_proto ||
		    ip[7] != 64)
			FZ_FAIL("outer IPv6 header: version %u payload_len %u (inner %u) next %u "
				"hop limit %u",
				ip[0] >> 4, fz_be16(ip + 4), pp->l3_len, ip[6], ip[7]);
		be = fz_backend_at(ft, 6, ip + 24);
		if (memcmp(ip + 8, fx_src6, 12)) /* FX_SRC6_MASK: the last word is entropy */
			FZ_FAIL("outer IPv6 source outside the node's prefix");
	}
	if (!be)
		FZ_FAIL("outer destination is no backend");
	if (memcmp(out, be->mac, 6))
		FZ_FAIL("outer destination MAC is not its backend's");
	(void)out_len;
}

/*
 * The invariants of one decision: the verdict is one of four; a pass leaves the frame as it
 * came; a forwarded frame is the input with an outer header (correct length fields and
 * checksum, to a backend, from the node) or with a backend's MAC (L2 DSR); an echo reply swaps
 * MACs and addresses and keeps the checksums as right (or as wrong) as they were.
 */
static inline void fz_check_output(const struct fz_tables *ft, const uint8_t *in, size_t in_len,
				   int verdict, const uint8_t *out, size_t out_len, int pushed,
				   uint32_t tx_port)
{
	struct lb_parsed pp = {};
	int rc;

	if (verdict < LB_PASS || verdict > LB_REDIRECT)
		FZ_FAIL("verdict %d", verdict);
	if (pushed != 0 && pushed != 20 && pushed != 40)
		FZ_FAIL("pushed %d bytes", pushed);
	if (out_len != in_len + (size_t)pushed)
		FZ_FAIL("output %zu bytes for %zu in and %d pushed", out_len, in_len, pushed);
	if (verdict == LB_PASS) {
		if (pushed || memcmp(in, out, in_len))
			FZ_FAIL("a passed frame changed");
		return;
	}
	if (verdict == LB_DROP)
		return;
	rc = lb_parse((void *)in, (void *)(in + in_len), &pp);
	if (rc != LB_PARSE_OK)
		FZ_FAIL("forwarded a frame the general parser refuses (%d)", rc);
	if (verdict == LB_REDIRECT) {
		int found = 0;

		for (size_t i = 0; i < FZ_NBACKENDS; i++)
			found |= ft->cur[fx_backends[i].id].tx_port == tx_port + 1;
		if (!found)
			FZ_FAIL("redirected to port %u, which no backend has", tx_port);
	}
	if (pushed) {
		fz_check_encap(ft, in, in_len, out, out_len, pushed, &pp);
		return;
	}
	if (!memcmp(out + 12, in + 12, in_len - 12) && !memcmp(out + 6, fx_node_mac, 6)) {
		const struct lb_backend *be = fz_backend_with_mac(ft, out);

		if (!be || be->family != pp.flow.family)
			FZ_FAIL("L2 DSR to a MAC of no backend of the flow's family");
		return;
	}
	/* the echo reply */
	if (memcmp(out, in + 6, 6) || memcmp(out + 6, in, 6))
		FZ_FAIL("TX frame neither forwarded nor an echo reply (MACs)");
	if (pp.flow.family == LB_AF_INET) {
		const uint8_t *ii = in + pp.l3_off, *oi = out + pp.l3_off;
		size_t ihl = (size_t)(ii[0] & 15) * 4, l4 = pp.l3_len - ihl;

		if (memcmp(oi + 12, ii + 16, 4) || memcmp(oi + 16, ii + 12, 4) || oi[8] != 64)
			FZ_FAIL("IPv4 echo reply: addresses or TTL");
		if (fz_csum_ok(fz_sum(ii, ihl, 0)) != fz_csum_ok(fz_sum(oi, ihl, 0)))
			FZ_FAIL("IPv4 echo reply: header checksum no longer as right as it was");
		if (oi[ihl] != LB_ICMP_ECHOREPLY ||
		    fz_csum_ok(fz_sum(ii + ihl, l4, 0)) != fz_csum_ok(fz_sum(oi + ihl, l4, 0)))
			FZ_FAIL("ICMP echo reply: type or checksum");
	} else {
		const uint8_t *ii = in + pp.l3_off, *oi = out + pp.l3_off;
		size_t l4 = pp.l3_len - (pp.l4_off - pp.l3_off);
		uint32_t pin = fz_sum(ii + 8, 32, (uint32_t)l4 + LB_IPPROTO_ICMPV6);
		uint32_t pout = fz_sum(oi + 8, 32, (uint32_t)l4 + LB_IPPROTO_ICMPV6);

		if (memcmp(oi + 8, ii + 24, 16) || memcmp(oi + 24, ii + 8, 16) || oi[7] != 64)
			FZ_FAIL("IPv6 echo reply: addresses or hop limit");
		if (out[pp.l4_off] != LB_ICMPV6_ECHO_REPLY ||
		    fz_csum_ok(fz_sum(in + pp.l4_off, l4, pin)) !=
			fz_csum_ok(fz_sum(out + pp.l4_off, l4, pout)))
			FZ_FAIL("ICMPv6 echo reply: type or checksum");
	}
}

#endif
