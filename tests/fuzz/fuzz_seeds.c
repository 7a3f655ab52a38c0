// SPDX-License-Identifier: MIT
/*
 * fuzz_seeds.c - writes the fuzzers' seed corpora (`make fuzz-seeds`, into tests/fuzz/corpus/):
 *
 *   core/  one script (fuzz_core.h) per fixture scenario of tests/xdp/fixtures.py: its setup's
 *          table writes and packets, then its frame; the placement byte varies over the eight
 *          addresses mod 8. fuzz_core and fuzz_xdp_diff both start from these.
 *   bgp/   BGP messages as control/bgp/msg.c's encoders build them (the speaker's own OPEN,
 *          UPDATEs, withdrawals, End-of-RIB, NOTIFICATION, ROUTE-REFRESH), alone and in
 *          streams, and bare bodies for fuzz_bgp's direct mode.
 *
 * Regression inputs (whatever a fuzzer once found) live beside them under names of their own,
 * regress-*, which this writer leaves alone.
 *
 *   fuzz_seeds DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "control/bgp/msg.h"
#include "tests/fuzz/fuzz_core.h"

static const char *dir;

static void put(const char *sub, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0755) && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* ---- core: the fixture scenarios as scripts ---- */

struct script {
	uint8_t b[8192];
	size_t n;
};

static void s_byte(struct script *s, unsigned v)
{
	if (s->n >= sizeof(s->b)) {
		fprintf(stderr, "fuzz_seeds: a script outgrew its buffer\n");
		exit(1);
	}
	s->b[s->n++] = (uint8_t)v;
}

static void s_frame(struct script *s, const unsigned char *p, unsigned len)
{
	s_byte(s, FZ_OP_PACKET);
	s_byte(s, len >> 8);
	s_byte(s, len & 0xff);
	for (unsigned i = 0; i < len; i++)
		s_byte(s, p[i]);
}

static int vip_index(int id)
{
	for (size_t i = 0; i < FZ_NVIPS; i++)
		if (fz_vip(i)->id == id)
			return (int)i;
	fprintf(stderr, "fuzz_seeds: a fixture names VIP %d, which the fuzz tables lack\n", id);
	exit(1);
}

static void core_seeds(void)
{
	for (size_t i = 0; i < sizeof(fx_cases) / sizeof(fx_cases[0]); i++) {
		const struct fx_case *c = &fx_cases[i];
		struct script s = {.n = 0};

		s_byte(&s, (unsigned)(i % 8));
		for (int k = 0; k < c->nsetup; k++) {
			const struct fx_action *a = &c->setup[k];
			unsigned mask = 0;

			switch (a->kind) {
			case FX_ACT_PACKET:
				s_frame(&s, a->in, a->in_len);
				break;
			case FX_ACT_STATE:
			case FX_ACT_GEN:
				s_byte(&s, a->kind == FX_ACT_STATE ? FZ_OP_STATE : FZ_OP_GEN);
				s_byte(&s, (unsigned)a->target);
				s_byte(&s, (unsigned)a->value);
				break;
			case FX_ACT_RING:
				for (int m = 0; m < a->nmembers; m++)
					mask |= 1u << a->members[m];
				s_byte(&s, FZ_OP_RING);
				s_byte(&s, (unsigned)vip_index(a->target));
				s_byte(&s, mask);
				break;
			}
		}
		s_frame(&s, c->in, c->in_len);
		put("core", c->name, s.b, s.n);
	}
}

/* ---- bgp: what the encoders build ---- */

static void bgp_seed(const char *name, uint8_t mode, const uint8_t *msg, size_t n)
{
	uint8_t buf[1 + 4 * BGP_MAX_MSG_LEN];

	buf[0] = mode;
	memcpy(buf + 1, msg, n);
	put("bgp", name, buf, n + 1);
}

static void bgp_seeds(void)
{
	uint8_t m[4][BGP_MAX_MSG_LEN], stream[4 * BGP_MAX_MSG_LEN];
	size_t n[4], sn;
	struct bgp_open_params op = {.local_as = 65001,
				     .hold_time = 90,
				     .bgp_id = 0x0200000au,
				     .ipv4_unicast = true,
				     .ipv6_unicast = true,
				     .route_refresh = true};
	struct bgp_route r4 = {.prefix = {.family = LB_AF_INET, .len = 24},
			       .prepend = 2,
			       .has_med = true,
			       .med = 10,
			       .n_communities = 2,
			       .n_large = 1,
			       .communities = {BGP_COMMUNITY(65000, 1), BGP_COMMUNITY(65000, 2)},
			       .large = {{65000, 1, 2}}};
	struct bgp_route r6 = {.prefix = {.family = LB_AF_INET6, .len = 48}};
	struct bgp_update_params up = {.local_as = 65000, .route = &r4};
	static const uint8_t notif_data[] = {0x05, 'b', 'y', 'e', '!', '!'};

	r4.prefix.addr.b[0] = 192;
	r4.prefix.addr.b[2] = 2;
	r6.prefix.addr.b[0] = 0x20;
	r6.prefix.addr.b[1] = 0x01;
	r6.prefix.addr.b[2] = 0x0d;
	r6.prefix.addr.b[3] = 0xb8;
	up.nexthop4.b[0] = 10;
	up.nexthop4.b[3] = 2;
	up.nexthop6.b[0] = 0x20;
	up.nexthop6.b[1] = 0x01;
	up.nexthop6.b[15] = 2;
	up.nexthop6_ll.b[0] = 0xfe;
	up.nexthop6_ll.b[1] = 0x80;
	up.nexthop6_ll.b[15] = 2;

	n[0] = bgp_encode_open(m[0], sizeof(m[0]), &op);
	bgp_seed("open", 0x00, m[0], n[0]);
	n[1] = bgp_encode_keepalive(m[1], sizeof(m[1]));
	memcpy(stream, m[0], n[0]);
	memcpy(stream + n[0], m[1], n[1]);
	bgp_seed("open_keepalive", 0x00, stream, n[0] + n[1]);
	op.local_as = 4200000001u;
	op.ipv4_unicast = false;
	op.route_refresh = false;
	n[0] = bgp_encode_open(m[0], sizeof(m[0]), &op);
	bgp_seed("open_as4_v6", 0x01 | 0x08, m[0], n[0]);
	bgp_seed("open_body", 0x80 | 0x01 | 0x08, m[0] + BGP_HEADER_LEN, n[0] - BGP_HEADER_LEN);

	n[0] = bgp_encode_update(m[0], sizeof(m[0]), &up);
	bgp_seed("update_v4", 0x00, m[0], n[0]);
	bgp_seed("update_v4_body", 0x80 | 0x10, m[0] + BGP_HEADER_LEN, n[0] - BGP_HEADER_LEN);
	up.gshut = true;
	up.route = &r6;
	n[1] = bgp_encode_update(m[1], sizeof(m[1]), &up);
	bgp_seed("update_v6_gshut", 0x00, m[1], n[1]);
	bgp_seed("update_v6_body", 0x80 | 0x10, m[1] + BGP_HEADER_LEN, n[1] - BGP_HEADER_LEN);
	n[2] = bgp_encode_withdraw(m[2], sizeof(m[2]), &r4.prefix);
	bgp_seed("withdraw_v4", 0x00, m[2], n[2]);
	n[3] = bgp_encode_withdraw(m[3], sizeof(m[3]), &r6.prefix);
	bgp_seed("withdraw_v6", 0x00, m[3], n[3]);
	sn = 0;
	for (int i = 0; i < 4; i++) {
		memcpy(stream + sn, m[i], n[i]);
		sn += n[i];
	}
	bgp_seed("updates_stream", 0x00, stream, sn);
	n[0] = bgp_encode_end_of_rib(m[0], sizeof(m[0]), LB_AF_INET);
	bgp_seed("eor_v4", 0x00, m[0], n[0]);
	n[0] = bgp_encode_end_of_rib(m[0], sizeof(m[0]), LB_AF_INET6);
	bgp_seed("eor_v6", 0x00, m[0], n[0]);
	n[0] = bgp_encode_notification(m[0], sizeof(m[0]), BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN,
				       notif_data, sizeof(notif_data));
	bgp_seed("notification", 0x00, m[0], n[0]);
	bgp_seed("notification_body", 0x80 | 0x20, m[0] + BGP_HEADER_LEN, n[0] - BGP_HEADER_LEN);
	n[0] = bgp_encode_route_refresh(m[0], sizeof(m[0]), BGP_AFI_IPV6, BGP_SAFI_UNICAST);
	bgp_seed("route_refresh", 0x00, m[0], n[0]);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}
	core_seeds();
	bgp_seeds();
	return 0;
}
