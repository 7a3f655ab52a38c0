// SPDX-License-Identifier: MIT
/*
 * edgelb_decap.c - edgelb-decap, the backend-side companion of the load balancer: loads
 * bpf/decap.bpf.o, tells it this backend's own addresses and the VIPs it serves, attaches it to
 * the interface (native XDP unless --generic), and keeps it there until SIGTERM/SIGINT.
 * Needed where the kernel has no ipip/ip6_tunnel module, and cheaper than a tunnel device.
 *
 *   edgelb-decap -i IFACE -l LOCAL_ADDR [-l ...] -v VIP [-v ...] [--generic] [--stats]
 *
 * Under systemd (Type=notify) it reports READY=1 once the program is attached; its messages carry
 * journal priorities when stderr is the journal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf/decap.skel.h"
#include "dataplane/core/tables.h"
#include "version.h"

struct decap_addr_key { /* as in bpf/decap.bpf.c */
	struct lb_addr addr;
	__u32 family;
};

static bool on_journal; /* stderr is the journal */

/* Whether stderr is the stream systemd names in $JOURNAL_STREAM ("device:inode"). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(2, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* One line on stderr, "edgelb-decap: ..."; on the journal with its priority (<3> or <6>) first. */
static void __attribute__((format(printf, 2, 3))) say(bool error, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%sedgelb-decap: ", !on_journal ? "" : error ? "<3>" : "<6>");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: edgelb-decap -i IFACE -l LOCAL_ADDR [-l ...] -v VIP [-v ...] "
		"[--generic] [--stats]\n"
		"       edgelb-decap --help | --version\n"
		"  -i, --iface IFACE   the interface to attach to\n"
		"  -l, --local ADDR    this backend's own address (outer destination); repeatable\n"
		"  -v, --vip VIP       a VIP it serves (inner destination); repeatable\n"
		"  -g, --generic       generic (skb) XDP instead of native\n"
		"  -s, --stats         print the counters on exit\n"
		"  -h, --help          this text\n"
		"  --version           print \"edgelb-decap VERSION\" and exit\n"
		"It stays attached until SIGTERM or SIGINT.\n");
}

static int add_addr(int map_fd, const char *text, const char *what)
{
	struct decap_addr_key key = {0};
	__u8 one = 1;

	if (inet_pton(AF_INET, text, key.addr.b) == 1)
		key.family = LB_AF_INET;
	else if (inet_pton(AF_INET6, text, key.addr.b) == 1)
		key.family = LB_AF_INET6;
	else {
		say(true, "%s '%s' is not an IPv4 or IPv6 address", what, text);
		return -1;
	}
	if (bpf_map_update_elem(map_fd, &key, &one, BPF_ANY)) {
		say(true, "adding %s %s: %s", what, text, strerror(errno));
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
	    {"stats", no_argument, 0, 's'},       {"help", no_argument, 0, 'h'},
	    {"version", no_argument, 0, 'V'},     {0, 0, 0, 0}};
	const char *iface = NULL, *locals[16], *vips[64];
	int nlocal = 0, nvip = 0, generic = 0, stats = 0, c, ifindex, rc, sig;
	struct decap *skel;
	sigset_t set;

	on_journal = stderr_is_journal();
	while ((c = getopt_long(argc, argv, "i:l:v:gsh", opts, NULL)) != -1) {
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
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("edgelb-decap %s\n", EDGELB_VERSION);
			return 0;
		default:
			goto usage;
		}
	}
	if (!iface || !nlocal || !nvip)
		goto usage;
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		say(true, "no interface %s", iface);
		return 1;
	}
	skel = decap__open_and_load();
	if (!skel) {
		say(true, "loading decap.bpf.o failed (root? bpffs?)");
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
		say(true, "attaching to %s failed: %s", iface, strerror(-rc));
		return 1;
	}
	say(false, "attached to %s (%s)", iface, generic ? "generic" : "native");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* blocked before READY=1: a stop right after it is not lost */
	sd_notifyf(0, "READY=1\nSTATUS=decapsulating on %s (%s XDP), %d VIPs", iface,
		   generic ? "generic" : "native", nvip);
	sigwait(&set, &sig);
	sd_notify(0, "STOPPING=1");
	if (stats)
		print_stats(skel);
	bpf_xdp_detach(ifindex, mode, NULL);
	decap__destroy(skel);
	return 0;
usage:
	usage(stderr);
	return 2;
}
