// SPDX-License-Identifier: MIT
/*
 * dp_tables_tool.c - writes a small topology into an edgelb-dp table file through lbtables_shm
 * (what edgelbd will do), and reads its summed counters; for integration tests and benchmarks
 * until edgelbd drives DPDK nodes itself.
 *
 *   dp_tables_tool write PATH NODE_MAC VIP4 PORT BACKEND4 BACKEND_MAC [NBACKENDS [ipip|l2dsr]]
 *       one IPv4 TCP VIP (PORT 0: all ports, TCP) over NBACKENDS (default 1) IPv4 backends
 *       BACKEND4, BACKEND4+1, ... sharing BACKEND_MAC; ring of 65537 slots; forwarding by
 *       IP-in-IP (default) or L2 direct server return
 *   dp_tables_tool stats PATH      summed global counters, "name value" lines
 *   dp_tables_tool unlink PATH
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/fastpath/lbtables.h"
#include "control/fastpath/lbtables_shm.h"

#define RING_M LB_RING_SIZE_DEF

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (m[i] > 255)
			return -1;
		mac[i] = (uint8_t)m[i];
	}
	return 0;
}

static int write_tables(int argc, char **argv)
{
	struct lb_node_cfg node = {
	    .hash_seed = 0x5eed1234u, .src4_host_mask = 0xff, .udp_idle_sec = 30};
	struct lbt_vip vip = {0};
	struct in_addr vaddr, baddr;
	uint8_t bmac[6];
	unsigned long port, nb = 1;
	uint32_t flags = 0, *ring;
	struct lbt *t;
	int rc = 0;

	if (argc == 10 && !strcmp(argv[9], "l2dsr"))
		flags = LB_VIP_F_L2DSR;
	if (argc < 8 || argc > 10 || parse_mac(argv[3], node.node_mac) ||
	    (argc == 10 && !flags && strcmp(argv[9], "ipip")) ||
	    !inet_pton(AF_INET, argv[4], &vaddr) || !inet_pton(AF_INET, argv[6], &baddr) ||
	    parse_mac(argv[7], bmac) || (port = strtoul(argv[5], NULL, 0)) > 65535 ||
	    (argc >= 9 && ((nb = strtoul(argv[8], NULL, 0)) < 1 || nb > 1000))) {
		fprintf(stderr,
			"dp_tables_tool write: bad arguments; usage: write PATH NODE_MAC VIP4 "
			"PORT BACKEND4 BACKEND_MAC [NBACKENDS [ipip|l2dsr]]\n");
		return 2;
	}
	t = lbt_shm_new(argv[2], RING_M);
	ring = calloc(RING_M, sizeof(*ring));
	if (!t || !ring) {
		free(ring);
		lbt_shm_free(t);
		return 1;
	}
	node.src4.w[0] = lb_htonl(0xac1f0000u); /* 172.31.0.x: outer sources */
	rc = t->ops->set_node(t, &node);
	for (uint32_t id = 0; id < nb && !rc; id++) {
		struct lb_backend be = {
		    .family = LB_AF_INET, .state = LB_BACKEND_UP, .generation = 1};

		be.addr.w[0] = lb_htonl(lb_ntohl(baddr.s_addr) + id);
		memcpy(be.mac, bmac, 6);
		rc = t->ops->set_backend(t, id, &be);
	}
	for (uint32_t s = 0; s < RING_M; s++)
		ring[s] = s % (uint32_t)nb;
	if (!rc)
		rc = t->ops->set_ring(t, 0, ring, RING_M);
	vip.key.family = LB_AF_INET;
	vip.key.addr.w[0] = vaddr.s_addr;
	vip.key.proto = LB_IPPROTO_TCP;
	vip.key.port = lb_htons((uint16_t)port);
	vip.meta =
	    (struct lb_vip_meta){.vip_id = 0, .flags = flags, .ring_size = RING_M, .generation = 1};
	if (!rc)
		rc = lbt_install_vips(t, &vip, 1);
	if (rc)
		fprintf(stderr, "dp_tables_tool: writing %s: %s\n", argv[2], strerror(-rc));
	free(ring);
	lbt_shm_free(t);
	return rc ? 1 : 0;
}

static int print_stats(const char *path)
{
	static const char *names[] = {"rx_packets", "pass_non_vip", "pass_other", "tx",
				      "redirect",   "conn_hit",     "conn_miss",  "conn_stale"};
	struct lb_global_stats g;
	struct lbt *t = lbt_shm_new(path, RING_M);
	const uint64_t *w = (const uint64_t *)&g;

	if (!t)
		return 1;
	t->ops->read_global(t, &g);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf("%s %llu\n", names[i], (unsigned long long)w[i]);
	printf("no_backend %llu\n", (unsigned long long)g.drops[LB_DROP_NO_BACKEND]);
	lbt_shm_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "write"))
		return write_tables(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "stats"))
		return print_stats(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "unlink")) {
		int rc = lbt_shm_unlink(argv[2]);

		return rc && rc != -ENOENT;
	}
	fprintf(stderr, "usage: dp_tables_tool write PATH NODE_MAC VIP4 PORT BACKEND4 BACKEND_MAC "
			"[NBACKENDS] | stats PATH | unlink PATH\n");
	return 2;
}
