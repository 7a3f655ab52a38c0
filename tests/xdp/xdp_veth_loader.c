// SPDX-License-Identifier: MIT
/*
 * xdp_veth_loader.c - for the live veth test: load lb.bpf.o, write the fixtures' topology into
 * its maps, attach it in native (driver) mode to an interface, tell the script it is ready, and
 * on SIGTERM print the global counters (name=value lines) and detach.
 *
 *   xdp_veth_loader IFNAME READY_FILE
 */
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf/lb.skel.h"
#include "tests/xdp/lb_loader.h"
#include "tests/xdp/fx_tables.h"

static struct lb_backend backends[LB_MAX_BACKENDS];

static void print_counters(struct lbt *t)
{
	static const char *reasons[] = {"TRUNC_L2",     "TRUNC_L3",       "BAD_IHL",
					"BAD_IP_LEN",   "IPV6_EXT_LIMIT", "TRUNC_L4",
					"BAD_TCP_DOFF", "BAD_UDP_LEN",    "NO_BACKEND",
					"ENCAP_FAILED", "BAD_ICMP",       "FAMILY"};
	struct lb_global_stats s;

	if (t->ops->read_global(t, &s))
		return;
	printf("rx_packets=%llu\npass_non_vip=%llu\npass_other=%llu\ntx=%llu\nconn_hit=%llu\n"
	       "conn_miss=%llu\nicmp_echo_replied=%llu\n",
	       (unsigned long long)s.rx_packets, (unsigned long long)s.pass_non_vip,
	       (unsigned long long)s.pass_other, (unsigned long long)s.tx,
	       (unsigned long long)s.conn_hit, (unsigned long long)s.conn_miss,
	       (unsigned long long)s.icmp_echo_replied);
	for (int i = 0; i < LB_DROP_MAX; i++)
		printf("drops.%s=%llu\n", reasons[i], (unsigned long long)s.drops[i]);
}

int main(int argc, char **argv)
{
	struct lb *skel;
	struct lbt *t;
	int ifindex, rc, sig;
	sigset_t set;
	FILE *ready;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IFNAME READY_FILE\n", argv[0]);
		return 2;
	}
	ifindex = (int)if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "xdp_veth_loader: no interface %s\n", argv[1]);
		return 1;
	}
	if (fx_load_lb(FX_RING, 0, &skel, &t, NULL))
		return 1;
	fx_initial_backends(backends);
	if (!t || fx_apply_topology(t, backends)) {
		fprintf(stderr, "xdp_veth_loader: writing tables failed\n");
		return 1;
	}
	rc = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.edgelb_xdp), XDP_FLAGS_DRV_MODE,
			    NULL);
	if (rc) {
		fprintf(stderr, "xdp_veth_loader: native XDP attach to %s failed: %s\n", argv[1],
			strerror(-rc));
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	ready = fopen(argv[2], "w");
	if (ready)
		fclose(ready);
	sigwait(&set, &sig);
	print_counters(t);
	fflush(stdout);
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	lbt_bpf_free(t);
	lb__destroy(skel);
	return 0;
}
