// SPDX-License-Identifier: MIT
/*
 * xdp_common.c - the XDP benchmarks' shared topology and packets (see xdp_common.h). The tables
 * go in through control/fastpath/lbtables.h, the same interface edgelbd uses, so the benchmark measures
 * the maps as production fills them: a 65537-slot Maglev ring per VIP (control/maglev/maglev.h), a
 * 2^20-entry connection table.
 */
#include "bench/xdp_common.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "control/maglev/maglev.h"
#include "dataplane/core/parse.h"

static const uint8_t node_mac[6] = {0x02, 0xe1, 0xb0, 0x00, 0x00, 0x01};
static const uint8_t router_mac[6] = {0x02, 0xe1, 0xb0, 0x00, 0x00, 0x02};

int xb_prepare(struct bpf_object *obj, uint32_t conn_max)
{
	struct bpf_map *rings = bpf_object__find_map_by_name(obj, "rings");
	struct bpf_map *conns = bpf_object__find_map_by_name(obj, "conns");

	if (!rings || !conns) {
		fprintf(stderr, "xdp bench: object has no rings/conns map\n");
		return -ENOENT;
	}
	if (bpf_map__set_max_entries(conns, conn_max))
		return -EINVAL;
	return lbt_bpf_prepare_rings(rings, XB_RING_SIZE);
}

static void set_node(struct lb_node_cfg *node)
{
	memset(node, 0, sizeof(*node));
	node->hash_seed = 0x5eed1234;
	memcpy(node->node_mac, node_mac, 6);
	inet_pton(AF_INET, "10.255.0.0", node->src4.b);
	inet_pton(AF_INET6, "fd00:e1b:ffff::", node->src6.b);
	node->src4_host_mask = 0xff;
	node->src6_host_mask = 0xffff;
	node->udp_idle_sec = 30; /* edgelbd's defaults: established flows check their age */
	node->tcp_idle_sec = 3600;
}

/* Backend i of family f: 10.1.0.(i+1) or fd00:e1b:1::(i+1), its own MAC. */
static void set_backend(struct lb_backend *be, int family, uint32_t i)
{
	char text[64];

	memset(be, 0, sizeof(*be));
	be->family = family == AF_INET ? LB_AF_INET : LB_AF_INET6;
	be->state = LB_BACKEND_UP;
	be->generation = 1;
	memcpy(be->mac, router_mac, 6);
	be->mac[5] = (uint8_t)(0x10 + i);
	if (family == AF_INET) {
		snprintf(text, sizeof(text), "10.1.0.%u", i + 1);
		inet_pton(AF_INET, text, be->addr.b);
	} else {
		snprintf(text, sizeof(text), "fd00:e1b:1::%x", i + 1);
		inet_pton(AF_INET6, text, be->addr.b);
	}
}

/* The VIP's ring as edgelbd builds it: Maglev over the family's backends, keyed by address. */
static int set_vip_ring(struct lbt *t, uint32_t vip_id, uint32_t first_backend, int family)
{
	struct maglev_backend mb[XB_BACKENDS];
	char keys[XB_BACKENDS][64];
	uint32_t *ring = malloc(sizeof(*ring) * XB_RING_SIZE);
	struct lb_backend be;
	int rc;

	if (!ring)
		return -ENOMEM;
	for (uint32_t i = 0; i < XB_BACKENDS; i++) {
		set_backend(&be, family, i);
		inet_ntop(family, be.addr.b, keys[i], sizeof(keys[i]));
		mb[i] =
		    (struct maglev_backend){.key = keys[i], .id = first_backend + i, .weight = 1};
	}
	rc = maglev_build(mb, XB_BACKENDS, XB_RING_SIZE, ring);
	if (!rc)
		rc = t->ops->set_ring(t, vip_id, ring, XB_RING_SIZE);
	free(ring);
	return rc;
}

static int install(struct lbt *t)
{
	struct lb_node_cfg node;
	struct lb_backend be;
	struct lbt_vip vips[2];
	int rc;

	set_node(&node);
	rc = t->ops->set_node(t, &node);
	for (uint32_t i = 0; i < XB_BACKENDS && !rc; i++) {
		set_backend(&be, AF_INET, i);
		rc = t->ops->set_backend(t, i, &be);
		set_backend(&be, AF_INET6, i);
		if (!rc)
			rc = t->ops->set_backend(t, XB_BACKENDS + i, &be);
	}
	if (!rc)
		rc = set_vip_ring(t, 0, 0, AF_INET);
	if (!rc)
		rc = set_vip_ring(t, 1, XB_BACKENDS, AF_INET6);
	if (rc)
		return rc;
	memset(vips, 0, sizeof(vips));
	inet_pton(AF_INET, XB_VIP4, vips[0].key.addr.b);
	vips[0].key.family = LB_AF_INET;
	inet_pton(AF_INET6, XB_VIP6, vips[1].key.addr.b);
	vips[1].key.family = LB_AF_INET6;
	for (int i = 0; i < 2; i++) {
		vips[i].key.proto = LB_IPPROTO_TCP;
		vips[i].key.port = lb_htons(XB_VIP_PORT);
		vips[i].meta.vip_id = (uint32_t)i;
		vips[i].meta.ring_size = XB_RING_SIZE;
		vips[i].meta.generation = 1;
	}
	return lbt_install_vips(t, vips, 2);
}

struct lbt *xb_install_topology(struct bpf_object *obj)
{
	struct lbt_bpf_fds fds;
	struct lbt *t;
	int rc;

	rc = lbt_bpf_fds_from_obj(obj, &fds);
	t = rc ? NULL : lbt_bpf_new(&fds, XB_RING_SIZE);
	if (!t) {
		fprintf(stderr, "xdp bench: the object's maps are not edgelb's (%s)\n",
			rc ? strerror(-rc) : "lbt_bpf_new failed");
		return NULL;
	}
	rc = install(t);
	if (rc) {
		fprintf(stderr, "xdp bench: writing the tables failed: %s\n", strerror(-rc));
		lbt_bpf_free(t);
		return NULL;
	}
	return t;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t ipv4_csum(const uint8_t *h)
{
	uint32_t sum = 0;

	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static size_t put_eth(uint8_t *buf, uint16_t ethertype)
{
	memcpy(buf, node_mac, 6);
	memcpy(buf + 6, router_mac, 6);
	put16(buf + 12, ethertype);
	return 14;
}

/* 20-byte TCP header with 10 payload bytes behind it (TCP checksums are not checked en route). */
static void put_tcp(uint8_t *tcp, uint16_t sport, uint8_t flags)
{
	put16(tcp, sport);
	put16(tcp + 2, XB_VIP_PORT);
	put16(tcp + 4, 0x1234); /* seq */
	put16(tcp + 8, 0x5678); /* ack */
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	put16(tcp + 14, 65535);
	memset(tcp + 20, 'x', 10);
}

size_t xb_tcp4_frame(uint8_t *buf, const char *dst, uint16_t sport, uint8_t tcp_flags)
{
	uint8_t *ip;

	memset(buf, 0, XB_FRAME_MAX);
	ip = buf + put_eth(buf, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, XB_FRAME_LEN - 14);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = LB_IPPROTO_TCP;
	if (inet_pton(AF_INET, XB_CLIENT4, ip + 12) != 1 || inet_pton(AF_INET, dst, ip + 16) != 1)
		return 0;
	put16(ip + 10, ipv4_csum(ip));
	put_tcp(ip + 20, sport, tcp_flags);
	return XB_FRAME_LEN;
}

size_t xb_tcp6_frame(uint8_t *buf, const char *dst, uint16_t sport, uint8_t tcp_flags)
{
	uint8_t *ip;

	memset(buf, 0, XB_FRAME_MAX);
	ip = buf + put_eth(buf, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, 30);
	ip[6] = LB_IPPROTO_TCP;
	ip[7] = 64;
	if (inet_pton(AF_INET6, XB_CLIENT6, ip + 8) != 1 || inet_pton(AF_INET6, dst, ip + 24) != 1)
		return 0;
	put_tcp(ip + 40, sport, tcp_flags);
	return 14 + 40 + 30;
}

size_t xb_sport_offset(const uint8_t *frame)
{
	return frame[12] == 0x86 && frame[13] == 0xdd ? 14 + 40 : 14 + 20;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double xb_test_run_ns(int prog_fd, struct bpf_test_run_opts *opts)
{
	if (bpf_prog_test_run_opts(prog_fd, opts))
		return -errno;
	return opts->duration + 0.5;
}

double xb_median(const double *v, size_t n)
{
	double *copy = malloc(n * sizeof(*copy));
	double m;

	if (!copy || !n) {
		free(copy);
		return 0;
	}
	memcpy(copy, v, n * sizeof(*copy));
	qsort(copy, n, sizeof(*copy), cmp_double);
	m = n % 2 ? copy[n / 2] : (copy[n / 2 - 1] + copy[n / 2]) / 2;
	free(copy);
	return m;
}

int xb_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		fprintf(stderr, "pinning to CPU %d failed: %s\n", cpu, strerror(errno));
		return -1;
	}
	return 0;
}
