/* SPDX-License-Identifier: MIT */
/*
 * lb.h - lb_process(): the per-packet decision of edgelb, written once for every runner.
 *
 *   parse -> VIP match -> connection table -> Maglev ring -> forward (IP-in-IP or L2 DSR)
 *                                                        \-> answer (ICMP echo) / pass / drop
 *
 * The core reaches tables only through the hooks of hooks.h, which each runner (bpf/lb.bpf.c,
 * the DPDK worker, the userspace runner) defines, over its own per-packet context type, before
 * including this file. The core never looks into that context.
 *
 * Life of a packet, per runner:
 *
 *   XDP (bpf/lb.bpf.c): the driver hands the frame to SEC("xdp") edgelb_xdp(), which makes the
 *     context (struct lb_xdp_ctx: the xdp_md, the tick once read, a copy of a VIP slot's entry)
 *     and calls lb_process(). The hooks are BPF map lookups: the VIP filter; VIP slots (a
 *     seqlocked direct-mapped array) in front of the `vips` hash; ring_active and the ring
 *     halves; backends; a per-CPU connection cache in front of the shared LRU hash `conns`;
 *     per-CPU counters. lb_hook_push is bpf_xdp_adjust_head(). The verdict becomes XDP_TX,
 *     bpf_redirect_map(tx_ports), XDP_DROP or XDP_PASS.
 *
 *   DPDK (dataplane/dpdk/dp_worker.c): the worker lcore takes a burst from its rx queue. A first
 *     pass parses every common frame (lb_parse_common_l3/l4) whose destination passes the VIP
 *     filter, hashes its flow for the lcore's own connection table and prefetches the bucket;
 *     then each frame goes through lb_process_parsed() with that parse (or none), the worker
 *     itself as context. The hooks read the shared-memory table file through private copies
 *     of VIP and backend records (renewed when the tables' generation moves), the lcore's
 *     connection table and its own counter slot; lb_hook_push is rte_pktmbuf_prepend(). TX and
 *     REDIRECT queue the mbuf for a NIC port's tx burst, PASS for the exception port to the
 *     kernel, DROP frees it.
 *
 *   Userspace (dataplane/user/user_tables.c): lb_user_run() runs one frame held in the caller's
 *     buffer through lb_process(); the tables are in process memory (an open-addressing VIP
 *     table, arrays, the connection table of conn_table.h), the clock is whatever the caller
 *     sets, and lb_hook_push moves the frame's start back into the buffer's headroom. The
 *     verdict and the output frame go back to the caller: the tests (fixtures compared with
 *     XDP and DPDK), benchmarks and tools.
 *
 * lb_process() (XDP, userspace) first tries lb_fast_common(), the common frame in one straight
 * line, then lb_process_parsed() for everything else and whatever the straight line declines;
 * the DPDK worker calls lb_process_parsed() itself, its burst's first pass having parsed the
 * common frame already.
 */
#ifndef EDGELB_CORE_LB_H
#define EDGELB_CORE_LB_H

#include "types.h"
#include "tables.h"
#include "parse.h"
#include "flow.h"
#include "encap.h"
#include "pkt.h"
#include "hooks.h"

/*
 * The backend a flow goes to, whether it is a new flow for the counters, and the flow's hash (the
 * outer header's source entropy): from the connection entry on a hit, computed otherwise.
 */
struct lb_choice {
	__u32 backend_id;
	const struct lb_backend *be;
	int new_flow;
	__u32 hash;
};

LB_INLINE int lb_is_vip_addr(lb_ctx *ctx, const struct lb_flow *f)
{
	struct lb_vip_key key LB_WORD_ALIGNED = {};

	if (!lb_hook_vip_addr_filter(ctx, f))
		return 0;
	key.addr = f->dst;
	key.family = f->family;
	key.proto = f->family == LB_AF_INET ? LB_IPPROTO_ICMP : LB_IPPROTO_ICMPV6;
	return lb_hook_vip(ctx, &key) != 0;
}

/* A malformed packet: dropped if it claims a VIP address, otherwise the kernel's business. */
LB_INLINE enum lb_verdict lb_malformed(lb_ctx *ctx, struct lb_global_stats *gs,
				       const struct lb_parsed *pp, int rc)
{
	enum lb_drop_reason reason = LB_PARSE_REASON(rc);

	if (reason >= LB_DROP_MAX)
		reason = LB_DROP_TRUNC_L2;
	if (pp->flow.family && lb_is_vip_addr(ctx, &pp->flow)) {
		gs->drops[reason]++;
		return LB_DROP;
	}
	gs->pass_malformed[reason]++;
	return LB_PASS;
}

/*
 * The VIP key of a flow (port 0 or the destination port), stored as whole words like the flow
 * itself (see lb_word): the lookup reads it in words (two of 8 bytes, then port | proto | family).
 * key must be 8-byte aligned.
 */
LB_INLINE void lb_vip_key_of(struct lb_vip_key *key, const struct lb_flow *f, __u16 port)
{
	lb_vip_key_copy_dst(key, f);
	lb_vip_key_store_tail(key, port, f->proto, f->family);
}

LB_INLINE const struct lb_vip_meta *lb_find_vip(lb_ctx *ctx, const struct lb_flow *f, int fragment)
{
	struct lb_vip_key key LB_WORD_ALIGNED;
	const struct lb_vip_meta *vip;

	_Static_assert(sizeof(key) == 20, "a VIP key is two words and the port word");
	if (!fragment) {
		lb_vip_key_of(&key, f, f->dport);
		vip = lb_hook_vip(ctx, &key);
		if (vip)
			return vip;
		lb_vip_key_of(&key, f, 0);
		vip = lb_hook_vip(ctx, &key);
		return (vip && !(vip->flags & LB_VIP_F_FRAG_ONLY)) ? vip : 0;
	}
	lb_vip_key_of(&key, f, 0);
	return lb_hook_vip(ctx, &key); /* port 0: the all-ports VIP or the fragment alias */
}

/* The entry's backend, if it is still the same occupant of its slot and not down. */
LB_INLINE const struct lb_backend *lb_conn_backend(lb_ctx *ctx, const struct lb_conn *conn)
{
	const struct lb_backend *be = lb_hook_backend(ctx, conn->backend_id);

	if (!be || be->generation != conn->backend_gen || be->state == LB_BACKEND_DOWN)
		return 0;
	return be;
}

/*
 * Is a connection entry still good? Its backend must be valid (lb_conn_backend) and the entry not
 * idle too long. An entry already seen this tick (most packets of a flow) needs no idle check and
 * no write; a peeked entry (lb_hook_conn_peek) is always one, and needs only lb_conn_backend().
 */
LB_INLINE const struct lb_backend *lb_conn_valid(lb_ctx *ctx, const struct lb_node_cfg *node,
						 struct lb_conn *conn, __u8 proto)
{
	const struct lb_backend *be = lb_conn_backend(ctx, conn);
	__u32 idle_limit, now;

	if (!be)
		return 0;
	now = lb_hook_now_tick(ctx);
	if (conn->last_seen == now)
		return be;
	idle_limit = proto == LB_IPPROTO_UDP ? node->udp_idle_sec : node->tcp_idle_sec;
	/*
	 * Idle limits are configured in seconds; a tick is 2^30 ns, slightly longer: round up.
	 * Signed: a CPU whose tick lags another's sees a "future" last_seen, which is fresh.
	 * Without a limit the entry never ages, but last_seen still says when it was last used
	 * (the connection tables' recency).
	 */
	if (idle_limit && (__s32)(now - conn->last_seen) > (__s32)(idle_limit * 1000u / 1073u + 1))
		return 0;
	conn->last_seen = now; /* at most one write per flow per tick */
	return be;
}

/* The hash that places a flow on its VIP's ring. */
LB_INLINE __u32 lb_vip_flow_hash(const struct lb_vip_meta *vip, const struct lb_flow *f, __u32 seed)
{
	return (vip->flags & LB_VIP_F_SRC_HASH) ? lb_src_hash(f, seed) : lb_flow_hash(f, seed);
}

/* Ring decision: only backends that are up take new flows. */
LB_INLINE int lb_ring_choose(lb_ctx *ctx, const struct lb_vip_meta *vip, __u32 hash,
			     struct lb_choice *ch)
{
	__u32 id = lb_hook_ring(ctx, vip, lb_ring_slot(hash, vip->ring_size));
	const struct lb_backend *be;

	if (id == LB_NO_BACKEND)
		return -1;
	be = lb_hook_backend(ctx, id);
	if (!be || be->state != LB_BACKEND_UP)
		return -1;
	ch->backend_id = id;
	ch->be = be;
	return 0;
}

/* A TCP SYN (without ACK): always a fresh decision, never a connection lookup. */
LB_INLINE int lb_is_syn(const struct lb_parsed *pp)
{
	return pp->flow.proto == LB_IPPROTO_TCP &&
	       (pp->tcp_flags & (LB_TCP_SYN | LB_TCP_ACK)) == LB_TCP_SYN;
}

/* Remember the flow's VIP in its entry, as of the VIP epoch read before the VIP was looked up. */
LB_INLINE void lb_conn_stamp_vip(struct lb_conn *conn, const struct lb_vip_meta *vip, __u32 epoch)
{
	conn->vip_id = (__u16)vip->vip_id;
	conn->vip_flags = (__u8)vip->flags;
	conn->vip_epoch = epoch;
}

/*
 * Pick the backend for a flow: the connection table first (unless this is a SYN, which always
 * takes a fresh decision, or a fragment, which never has an entry), then the ring. A connection
 * hit takes the flow's hash from the entry, so an established flow's packet never hashes. Entries
 * hit or made here are stamped with their VIP as of vip_epoch (see lb_fast_established).
 */
LB_INLINE int lb_choose_backend(lb_ctx *ctx, struct lb_global_stats *gs,
				const struct lb_node_cfg *node, const struct lb_vip_meta *vip,
				const struct lb_parsed *pp, int may_insert, __u32 vip_epoch,
				struct lb_choice *ch)
{
	int use_conn = !pp->fragment && !(vip->flags & LB_VIP_F_NO_CONNTRK);

	ch->new_flow = 0;
	if (use_conn && !lb_is_syn(pp)) {
		struct lb_conn *conn = lb_hook_conn_get(ctx, &pp->flow);

		if (conn) {
			ch->be = lb_conn_valid(ctx, node, conn, pp->flow.proto);
			if (ch->be) {
				gs->conn_hit++;
				if (conn->vip_epoch != vip_epoch)
					lb_conn_stamp_vip(conn, vip, vip_epoch);
				ch->backend_id = conn->backend_id;
				ch->hash = conn->hash;
				return 0;
			}
			gs->conn_stale++;
		} else {
			gs->conn_miss++;
		}
	}
	ch->hash = lb_vip_flow_hash(vip, &pp->flow, node->hash_seed);
	if (lb_ring_choose(ctx, vip, ch->hash, ch))
		return -1;
	if (use_conn && may_insert) {
		struct lb_conn fresh = {};

		fresh.backend_id = ch->backend_id;
		fresh.backend_gen = ch->be->generation;
		fresh.last_seen = lb_hook_now_tick(ctx);
		fresh.hash = ch->hash;
		lb_conn_stamp_vip(&fresh, vip, vip_epoch);
		if (lb_hook_conn_put(ctx, &pp->flow, &fresh))
			gs->conn_insert_failed++;
		ch->new_flow = 1;
	}
	return 0;
}

/*
 * Send the packet to its backend: IP-in-IP or MAC rewrite (the VIP's flags say which), then TX
 * or redirect. hash: the flow's, for the outer header's entropy. Takes the few values it needs
 * rather than the VIP and choice structures, so that the established fast path (which has them
 * from the connection entry) need not build those on the stack.
 */
LB_INLINE enum lb_verdict lb_forward(lb_ctx *ctx, struct lb_pkt *pkt, struct lb_global_stats *gs,
				     const struct lb_node_cfg *node, __u32 vip_flags,
				     const struct lb_backend *be, __u32 hash,
				     const struct lb_parsed *pp, struct lb_result *res)
{
	if (vip_flags & LB_VIP_F_L2DSR) {
		if (be->family != pp->flow.family) {
			gs->drops[LB_DROP_FAMILY]++;
			return LB_DROP;
		}
		if (lb_rewrite_l2dsr(pkt->data, pkt->end, be, node))
			return LB_DROP;
	} else {
		int len = lb_encap_len(be), rc;

		if (lb_hook_push(ctx, pkt, len)) {
			gs->drops[LB_DROP_ENCAP_FAILED]++;
			return LB_DROP;
		}
		res->pushed = len;
		if (be->family == LB_AF_INET)
			rc = lb_write_outer_ipv4(pkt->data, pkt->end, pp, be, node, hash);
		else
			rc = lb_write_outer_ipv6(pkt->data, pkt->end, pp, be, node, hash);
		if (rc) {
			gs->drops[LB_DROP_ENCAP_FAILED]++;
			return LB_DROP;
		}
	}
	if (be->tx_port) {
		res->tx_port = be->tx_port - 1;
		gs->redirect++;
		return LB_REDIRECT;
	}
	gs->tx++;
	return LB_TX;
}

/* A forwarded packet's VIP and backend counters. */
LB_INLINE void lb_count_packet(lb_ctx *ctx, __u32 vip_id, __u32 backend_id, __u64 bytes)
{
	struct lb_vip_stats *vs = lb_hook_vstats(ctx, vip_id);
	struct lb_backend_stats *bs = lb_hook_bstats(ctx, backend_id);

	if (vs) {
		vs->packets++;
		vs->bytes += bytes;
	}
	if (bs) {
		bs->packets++;
		bs->bytes += bytes;
	}
}

/* The same, and the new-flow counters when the choice made a connection entry. */
LB_INLINE void lb_count(lb_ctx *ctx, const struct lb_vip_meta *vip, const struct lb_choice *ch,
			__u64 bytes)
{
	struct lb_vip_stats *vs;
	struct lb_backend_stats *bs;

	lb_count_packet(ctx, vip->vip_id, ch->backend_id, bytes);
	if (!ch->new_flow) /* most packets: no read-modify-write of a counter that stays */
		return;
	vs = lb_hook_vstats(ctx, vip->vip_id);
	bs = lb_hook_bstats(ctx, ch->backend_id);
	if (vs)
		vs->new_flows++;
	if (bs)
		bs->new_flows++;
}

/*
 * ICMP "fragmentation needed" (RFC 1191) / ICMPv6 "packet too big" (RFC 8201) about a VIP flow:
 * the quoted packet is one the backend sent (VIP -> client). Reverse its tuple to find the flow,
 * and send the error to the backend that owns it, so its TCP lowers the MSS. No entry is made.
 */
LB_INLINE enum lb_verdict lb_icmp_too_big(lb_ctx *ctx, struct lb_pkt *pkt,
					  struct lb_global_stats *gs,
					  const struct lb_node_cfg *node, struct lb_parsed *pp,
					  struct lb_result *res)
{
	void *data = pkt->data, *end = pkt->end;
	void *inner = data + (pp->l4_off & 0xfff) + sizeof(struct lb_icmphdr);
	struct lb_parsed quoted LB_WORD_ALIGNED = *pp;
	__u32 vip_epoch = lb_hook_vip_epoch(ctx, node); /* read before the VIP */
	const struct lb_vip_meta *vip;
	struct lb_choice ch;
	const lb_wire16 *ports; /* the quoted transport header's first word pair */

	if (pp->flow.family == LB_AF_INET) {
		struct lb_iphdr *iph = inner;
		__u32 ihl;

		if (!LB_IN_PKT(iph, sizeof(*iph), end))
			goto bad;
		ihl = (iph->ver_ihl & 0x0f) * 4;
		if (ihl < sizeof(*iph))
			goto bad;
		ports = inner + ihl;
		if (!LB_IN_PKT(ports, 4, end))
			goto bad;
		quoted.flow.src.w[0] = iph->daddr;
		quoted.flow.dst.w[0] = iph->saddr;
		quoted.flow.proto = iph->protocol;
	} else {
		struct lb_ipv6hdr *ip6 = inner;

		if (!LB_IN_PKT(ip6, sizeof(*ip6), end))
			goto bad;
		ports = (void *)(ip6 + 1);
		if (!LB_IN_PKT(ports, 4, end))
			goto bad;
		__builtin_memcpy(quoted.flow.src.w, ip6->daddr, 16);
		__builtin_memcpy(quoted.flow.dst.w, ip6->saddr, 16);
		quoted.flow.proto = ip6->nexthdr;
	}
	if (quoted.flow.proto != LB_IPPROTO_TCP && quoted.flow.proto != LB_IPPROTO_UDP)
		goto bad;
	quoted.flow.sport = ports[1];
	quoted.flow.dport = ports[0];
	quoted.fragment = 0;
	quoted.tcp_flags = LB_TCP_ACK; /* never "a SYN": look the flow up */

	vip = lb_find_vip(ctx, &quoted.flow, 0);
	if (!vip)
		goto bad;
	if (lb_choose_backend(ctx, gs, node, vip, &quoted, 0, vip_epoch, &ch)) {
		gs->drops[LB_DROP_NO_BACKEND]++;
		return LB_DROP;
	}
	gs->icmp_too_big_fwd++;
	lb_count(ctx, vip, &ch, (__u64)(end - data));
	/* the outer header describes the ICMP packet itself (pp), entropy from the quoted flow */
	return lb_forward(ctx, pkt, gs, node, vip->flags, ch.be, ch.hash, pp, res);
bad:
	gs->drops[LB_DROP_BAD_ICMP]++;
	return LB_DROP;
}

/* ICMP to a VIP address: echo is answered here, too-big goes to the flow's backend. */
LB_INLINE enum lb_verdict lb_icmp(lb_ctx *ctx, struct lb_pkt *pkt, struct lb_global_stats *gs,
				  const struct lb_node_cfg *node, struct lb_parsed *pp,
				  struct lb_result *res)
{
	int v4 = pp->flow.family == LB_AF_INET;

	if (pp->fragment) /* fragmented ICMP: not ours to reassemble */
		goto pass;
	if (pp->icmp_type == (v4 ? LB_ICMP_ECHO : LB_ICMPV6_ECHO_REQUEST)) {
		if (lb_icmp_echo_reply(pkt->data, pkt->end, pp))
			return LB_DROP;
		gs->icmp_echo_replied++;
		gs->tx++;
		return LB_TX;
	}
	if ((v4 && pp->icmp_type == LB_ICMP_DEST_UNREACH && pp->icmp_code == LB_ICMP_FRAG_NEEDED) ||
	    (!v4 && pp->icmp_type == LB_ICMPV6_PKT_TOOBIG))
		return lb_icmp_too_big(ctx, pkt, gs, node, pp, res);
pass:
	gs->pass_other++;
	return LB_PASS;
}

/* What to do after parsing. */
enum lb_parse_next {
	LB_NEXT_VIP,     /* look the flow up: a TCP/UDP packet (or fragment) to a VIP address */
	LB_NEXT_NOT_VIP, /* the kernel's: not a VIP address */
	LB_NEXT_DONE,    /* decided (malformed, ICMP); res->verdict set */
};

/*
 * The general parser: any frame the common-frame pass declined (VLAN tags, IPv6, IPv4 options,
 * fragments, ICMP, every malformed frame). Counts what it decides.
 */
LB_INLINE enum lb_parse_next lb_parse_general(lb_ctx *ctx, struct lb_pkt *pkt,
					      struct lb_global_stats *gs,
					      const struct lb_node_cfg *node, struct lb_parsed *pp,
					      struct lb_result *res)
{
	__u16 ethertype;
	int rc;

	*pp = (struct lb_parsed){};
	rc = lb_parse_l2(pkt->data, pkt->end, pp, &ethertype);
	if (rc)
		goto malformed;
	if (ethertype == lb_htons(LB_ETH_P_IPV4))
		rc = lb_parse_ipv4(pkt->data, pkt->end, pp);
	else if (ethertype == lb_htons(LB_ETH_P_IPV6))
		rc = lb_parse_ipv6(pkt->data, pkt->end, pp);
	else
		return LB_NEXT_NOT_VIP;
	if (rc)
		goto malformed;
	/* the common case for everything that is not ours: one bit test, then the kernel */
	if (!lb_hook_vip_addr_filter(ctx, &pp->flow))
		return LB_NEXT_NOT_VIP;
	rc = lb_parse_l4(pkt->data, pkt->end, pp);
	if (rc)
		goto malformed;
	if (pp->fragment)
		gs->fragments++;
	if (pp->flow.proto == LB_IPPROTO_ICMP || pp->flow.proto == LB_IPPROTO_ICMPV6) {
		if (!lb_is_vip_addr(ctx, &pp->flow))
			return LB_NEXT_NOT_VIP;
		res->verdict = lb_icmp(ctx, pkt, gs, node, pp, res);
		return LB_NEXT_DONE;
	}
	lb_flow_rewrite_words(&pp->flow);
	return LB_NEXT_VIP;
malformed:
	res->verdict = lb_malformed(ctx, gs, pp, rc);
	return LB_NEXT_DONE;
}

/*
 * Parse the frame: the common frame (untagged IPv4 without options, TCP/UDP) in one pass with
 * one bounds check, instead of the general parser, not in front of it; whatever that pass
 * declines, the general parser takes from the start.
 */
LB_INLINE enum lb_parse_next lb_parse_frame(lb_ctx *ctx, struct lb_pkt *pkt,
					    struct lb_global_stats *gs,
					    const struct lb_node_cfg *node, struct lb_parsed *pp,
					    struct lb_result *res)
{
	if (lb_parse_common_l3(pkt->data, pkt->end, pp)) {
		if (!lb_hook_vip_addr_filter(ctx, &pp->flow))
			return LB_NEXT_NOT_VIP;
		if (lb_parse_common_l4(pkt->data, pp))
			return LB_NEXT_VIP;
	}
	return lb_parse_general(ctx, pkt, gs, node, pp, res);
}

/*
 * An established flow's packet, decided on its connection entry alone: the entry's VIP stamp is
 * current (no VIP entry changed since it was made: vip_epoch), its backend still valid, and the
 * runner had the entry at hand (lb_hook_conn_peek). Most packets of a long flow end here, without
 * a VIP lookup. Returns 0 when it did not decide; the caller then takes the general way, which
 * looks the VIP up, counts hits, misses and stale entries, and stamps the entry again.
 */
LB_INLINE int lb_fast_established(lb_ctx *ctx, struct lb_pkt *pkt, struct lb_global_stats *gs,
				  const struct lb_node_cfg *node, const struct lb_parsed *pp,
				  __u32 vip_epoch, __u64 bytes, struct lb_result *res)
{
	const struct lb_backend *be;
	struct lb_conn *conn;

	if (pp->fragment || lb_is_syn(pp))
		return 0;
	conn = lb_hook_conn_peek(ctx, &pp->flow);
	if (!conn || conn->vip_epoch != vip_epoch)
		return 0;
	be = lb_conn_backend(ctx, conn); /* used this tick (the peek's promise): no idle check */
	if (!be)
		return 0;
	gs->conn_hit++;
	lb_count_packet(ctx, conn->vip_id, conn->backend_id, bytes);
	res->verdict = lb_forward(ctx, pkt, gs, node, conn->vip_flags, be, conn->hash, pp, res);
	return 1;
}

/*
 * lb_process() for a runner that parsed the frame already: pre, if not NULL, is what
 * lb_parse_common_l3() and lb_parse_common_l4() made of this very frame, whose destination
 * passed the VIP filter (a runner that works in bursts parses a burst first, to hash and
 * prefetch, and need not have the frame parsed twice). NULL: lb_process().
 */
LB_INLINE void lb_process_parsed(lb_ctx *ctx, struct lb_pkt *pkt, const struct lb_parsed *pre,
				 struct lb_result *res)
{
	struct lb_global_stats *gs = lb_hook_gstats(ctx);
	const struct lb_node_cfg *node = lb_hook_node(ctx);
	const struct lb_vip_meta *vip;
	struct lb_parsed parsed LB_WORD_ALIGNED;
	const struct lb_parsed *pp = pre;
	struct lb_choice ch;
	__u32 vip_epoch;
	__u64 bytes;

	res->verdict = LB_PASS;
	res->tx_port = 0;
	res->pushed = 0;
	if (!gs || !node)
		return;
	gs->rx_packets++;
	bytes = (__u64)(pkt->end - pkt->data);

	if (!pp) {
		switch (lb_parse_frame(ctx, pkt, gs, node, &parsed, res)) {
		case LB_NEXT_VIP:
			break;
		case LB_NEXT_NOT_VIP:
			goto not_vip;
		default:
			return;
		}
		/*
		 * All fragments of a datagram hash alike: the ports are only in the first one (the
		 * VIP lookup of a fragment uses port 0 anyway).
		 */
		if (parsed.fragment)
			lb_flow_clear_ports(&parsed.flow);
		pp = &parsed;
	}

	vip_epoch = lb_hook_vip_epoch(ctx, node); /* before the VIP lookup: see lb_conn_stamp_vip */
	if (lb_fast_established(ctx, pkt, gs, node, pp, vip_epoch, bytes, res))
		return;
	vip = lb_find_vip(ctx, &pp->flow, pp->fragment);
	if (!vip) {
		if (lb_is_vip_addr(ctx, &pp->flow)) {
			gs->pass_other++;
			return;
		}
		goto not_vip;
	}
	if (lb_choose_backend(ctx, gs, node, vip, pp, 1, vip_epoch, &ch)) {
		struct lb_vip_stats *vs = lb_hook_vstats(ctx, vip->vip_id);

		if (vs)
			vs->no_backend++;
		gs->drops[LB_DROP_NO_BACKEND]++;
		res->verdict = LB_DROP;
		return;
	}
	lb_count(ctx, vip, &ch, bytes);
	res->verdict = lb_forward(ctx, pkt, gs, node, vip->flags, ch.be, ch.hash, pp, res);
	return;

not_vip:
	gs->pass_non_vip++;
}

/* What lb_fast_common() made of a frame. */
enum lb_fast_common_rc {
	LB_FC_DONE,         /* decided and counted: res is set */
	LB_FC_PARSED,       /* a common frame to a VIP address, parsed into *pp; not decided */
	LB_FC_OTHER,        /* not a common frame: the general parser's */
	LB_FC_ENCAP_FAILED, /* counted as sent, but the outer header could not be pushed */
};

/*
 * The common frame, start to end in one straight line: a second path beside lb_process_parsed(),
 * for most of what a node carries. It decides exactly these frames, and no others:
 *
 *   1. an untagged IPv4 frame without options, of LB_COMMON_HDRS_LEN bytes or more, with a sane
 *      total length (lb_parse_common_l3), whose destination the VIP filter rejects: LB_PASS,
 *      counted rx_packets and pass_non_vip;
 *   2. such a frame that passes the filter and carries TCP or UDP, not a fragment, with a sane
 *      transport header (lb_parse_common_l4), not a SYN, of a flow whose connection entry the
 *      runner has at hand (lb_hook_conn_peek: used this tick) with the current VIP epoch and a
 *      valid backend (lb_conn_backend), where the entry's VIP forwards IP-in-IP (not L2 DSR), to
 *      an IPv4 backend, out of the receiving port (tx_port 0): IPv4-in-IPv4 and LB_TX, counted
 *      rx_packets, conn_hit, tx and the VIP's and backend's packets and bytes. If the head
 *      cannot grow (LB_FC_ENCAP_FAILED), lb_process() turns tx into drops[ENCAP_FAILED].
 *
 * Any other frame leaves before anything was changed or counted: LB_FC_OTHER if the common-frame
 * parse declined it, else LB_FC_PARSED with the parse in *pp, so that lb_process_parsed() goes on
 * from there and nothing is parsed twice. For the frames it decides, lb_process_parsed() alone
 * (lb_parse_frame, lb_fast_established, lb_forward) gives the same verdict, output frame and
 * counters: the fixture test proves it, with every fixture run through the userspace runner
 * built both ways (tests/xdp/test_fixtures and test_fixtures_general, the latter built with
 * -DLB_NO_FAST_COMMON, which leaves this path out of lb_process()).
 *
 * Why a function of its own, when lb_process_parsed() decides the same packets the same way:
 * the parse lands in a local that never leaves it, which the compiler keeps in registers, and
 * the straight line keeps few values live across the push's helper call; the BPF build's
 * established packet is cheaper for it (bench/xdp_ab.c measures such a choice).
 */
LB_INLINE enum lb_fast_common_rc lb_fast_common(lb_ctx *ctx, struct lb_pkt *pkt,
						struct lb_parsed *pp, struct lb_result *res)
{
	__u64 bytes = (__u64)(pkt->end - pkt->data);
	struct lb_parsed fp LB_WORD_ALIGNED; /* its address never leaves: kept in registers */
	const struct lb_node_cfg *node;
	struct lb_global_stats *gs;
	const struct lb_backend *be;
	struct lb_conn *conn;

	if (!lb_parse_common_l3(pkt->data, pkt->end, &fp))
		return LB_FC_OTHER;
	if (!lb_hook_vip_addr_filter(ctx, &fp.flow)) {
		gs = lb_hook_gstats(ctx);
		res->verdict = LB_PASS;
		res->tx_port = 0;
		res->pushed = 0;
		if (gs && lb_hook_node(ctx)) {
			gs->rx_packets++;
			gs->pass_non_vip++;
		}
		return LB_FC_DONE;
	}
	if (!lb_parse_common_l4(pkt->data, &fp))
		return LB_FC_OTHER;
	if (lb_is_syn(&fp))
		goto parsed;
	node = lb_hook_node(ctx);
	gs = lb_hook_gstats(ctx);
	if (!node || !gs)
		goto parsed;
	conn = lb_hook_conn_peek(ctx, &fp.flow);
	if (!conn || conn->vip_epoch != lb_hook_vip_epoch(ctx, node))
		goto parsed;
	be = lb_conn_backend(ctx, conn);
	if (!be)
		goto parsed;
	if ((conn->vip_flags & LB_VIP_F_L2DSR) || be->family != LB_AF_INET || be->tx_port)
		goto parsed;
	gs->rx_packets++;
	gs->conn_hit++;
	gs->tx++;
	lb_count_packet(ctx, conn->vip_id, conn->backend_id, bytes);
	{
		__u32 hash = conn->hash;

		res->tx_port = 0;
		res->pushed = 0;
		res->verdict = LB_DROP;
		if (lb_hook_push(ctx, pkt, sizeof(struct lb_iphdr)))
			return LB_FC_ENCAP_FAILED;
		res->pushed = sizeof(struct lb_iphdr);
		if (lb_write_outer_ipv4(pkt->data, pkt->end, &fp, be, node, hash))
			return LB_FC_ENCAP_FAILED;
		res->verdict = LB_TX;
		return LB_FC_DONE;
	}
parsed:
	*pp = fp;
	return LB_FC_PARSED;
}

/*
 * The decision for one frame: the common frame's straight line first, then the general way.
 * -DLB_NO_FAST_COMMON: the general way alone (the fixture test's proof that both agree).
 */
LB_INLINE void lb_process(lb_ctx *ctx, struct lb_pkt *pkt, struct lb_result *res)
{
#ifdef LB_NO_FAST_COMMON
	lb_process_parsed(ctx, pkt, 0, res);
#else
	struct lb_parsed parsed LB_WORD_ALIGNED;
	enum lb_fast_common_rc rc = lb_fast_common(ctx, pkt, &parsed, res);

	if (rc == LB_FC_DONE)
		return;
	if (rc == LB_FC_ENCAP_FAILED) {
		struct lb_global_stats *gs = lb_hook_gstats(ctx);

		if (gs) {
			gs->tx--;
			gs->drops[LB_DROP_ENCAP_FAILED]++;
		}
		return;
	}
	/*
	 * Two calls, each inlined with its own constant: each copy then drops the branches that
	 * its constant rules out, which a shared call with a variable pointer keeps (new flows
	 * pay for those).
	 */
	if (rc == LB_FC_PARSED)
		lb_process_parsed(ctx, pkt, &parsed, res);
	else
		lb_process_parsed(ctx, pkt, 0, res);
#endif
}

#endif
