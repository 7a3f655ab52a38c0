// SPDX-License-Identifier: MIT
/*
 * edgelb_decap.c - edgelb-decap, the backend-side companion of the load balancer: loads
 * bpf/decap.bpf.o, tells it this backend's own addresses and the VIPs it serves, attaches it to
 * the interface (native XDP unless --generic), and keeps it there until SIGTERM/SIGINT.
 * Needed where the kernel has no ipip/ip6_tunnel module, and cheaper than a tunnel device.
 *
 *   edgelb-decap -i IFACE -l LOCAL_ADDR [-l ...] -v VIP [-v ...] [--generic] [--stats]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf/decap.skel.h"
#include "dataplane/core/tables.h"

struct decap_addr_key { /* as in bpf/decap.bpf.c */
	struct lb_addr addr;
	__u32 family;
};

static int add_addr(int map_fd, const char *text, const char *what)
{
	struct decap_addr_key key = {0};
	__u8 one = 1;

	if (inet_pton(AF_INET, text, key.addr.b) == 1)
		key.family = LB_AF_INET;
	else if (inet_pton(AF_INET6, text, key.addr.b) == 1)
		key.family = LB_AF_INET6;
	else {
		fprintf(stderr, "edgelb-decap: %s '%s' is not an IPv4 or IPv6 address\n", what,
			text);
		return -1;
	}
	if (bpf_map_update_elem(map_fd, &key, &one, BPF_ANY)) {
		fprintf(stderr, "edgelb-decap: adding %s %s: %s\n", what, text, strerror(errno));
		return -1;
	}
	return 0;
}

static void print_stats(struct decap *skel)
{
	static const char *names[] = {"decapsulated", "not_tunnel", "not_vip", "malformed"};
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals = calloc((size_t)ncpus, sizeof(__u64));

	for (__u32 k = 0; vals && k < 4; k++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.decap_stats), &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
		printf("%s=%llu\n", names[k], (unsigned long long)sum);
	}
	free(vals);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"iface", required_argument, 0, 'i'}, {"local", required_argument, 0, 'l'},
	    {"vip", required_argument, 0, 'v'},   {"generic", no_argument, 0, 'g'},
	    {"stats", no_argument, 0, 's'},       {0, 0, 0, 0}};
	const char *iface = NULL, *locals[16], *vips[64];
	int nlocal = 0, nvip = 0, generic = 0, stats = 0, c, ifindex, rc, sig;
	struct decap *skel;
	sigset_t set;

	while ((c = getopt_long(argc, argv, "i:l:v:gs", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 'l':
			if (nlocal < 16)
				locals[nlocal++] = optarg;
			break;
		case 'v':
			if (nvip < 64)
				vips[nvip++] = optarg;
			break;
		case 'g':
			generic = 1;
			break;
		case 's':
			stats = 1;
			break;
		default:
			goto usage;
		}
	}
	if (!iface || !nlocal || !nvip)
		goto usage;
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		fprintf(stderr, "edgelb-decap: no interface %s\n", iface);
		return 1;
	}
	skel = decap__open_and_load();
	if (!skel) {
		fprintf(stderr, "edgelb-decap: loading decap.bpf.o failed (root? bpffs?)\n");
		return 1;
	}
	for (int i = 0; i < nlocal; i++)
		if (add_addr(bpf_map__fd(skel->maps.decap_local), locals[i], "local address"))
			return 1;
	for (int i = 0; i < nvip; i++)
		if (add_addr(bpf_map__fd(skel->maps.decap_vips), vips[i], "VIP"))
			return 1;
	__u32 mode = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	rc = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.edgelb_decap), mode, NULL);
	if (rc) {
		fprintf(stderr, "edgelb-decap: attaching to %s failed: %s\n", iface, strerror(-rc));
		return 1;
	}
	fprintf(stderr, "edgelb-decap: attached to %s (%s)\n", iface,
		generic ? "generic" : "native");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigwait(&set, &sig);
	if (stats)
		print_stats(skel);
	bpf_xdp_detach(ifindex, mode, NULL);
	decap__destroy(skel);
	return 0;
usage:
	fprintf(stderr, "usage: edgelb-decap -i IFACE -l LOCAL_ADDR [-l ...] -v VIP [-v ...] "
			"[--generic] [--stats]\n");
	return 2;
}
