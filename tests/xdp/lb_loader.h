/* SPDX-License-Identifier: MIT */
/*
 * lb_loader.h - how tests load edgelb's XDP program: open lb.bpf.o, size its rings and
 * connection table, load it, and open the table writer (control/fastpath/lbtables.h) on its
 * maps, as edgelbd does (control/fastpath/xdp_attach.c) but without attaching or pinning
 * anything; and the XDP action read as the core's verdict.
 */
#ifndef EDGELB_TESTS_LB_LOADER_H
#define EDGELB_TESTS_LB_LOADER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "dataplane/core/pkt.h"
#include "bpf/lb.skel.h"
#include "control/fastpath/lbtables.h"

/*
 * ring_size: slots per Maglev ring; conn_max: connection-table entries (0: the program's
 * default); kconfig: bpf_object_open_opts.kconfig (NULL: the running kernel's, as edgelbd
 * passes lbt_bpf_kconfig()); fds_out may be NULL. Returns 0, or -1 after saying why on stderr.
 */
static inline int fx_load_lb_kconfig(uint32_t ring_size, uint32_t conn_max, const char *kconfig,
				     struct lb **skel_out, struct lbt **tables_out,
				     struct lbt_bpf_fds *fds_out)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = kconfig);
	struct lbt_bpf_fds fds;
	struct lb *skel = lb__open_opts(&open_opts);
	int template_fd, rc;

	if (!skel) {
		fprintf(stderr, "opening lb.bpf.o failed\n");
		return -1;
	}
	template_fd = lbt_bpf_prepare_rings(skel->maps.rings, ring_size);
	if (template_fd < 0) {
		fprintf(stderr, "ring template: %s\n", strerror(-template_fd));
		lb__destroy(skel);
		return -1;
	}
	if (conn_max)
		bpf_map__set_max_entries(skel->maps.conns, conn_max);
	rc = lb__load(skel);
	close(template_fd);
	if (rc || lbt_bpf_fds_from_obj(skel->obj, &fds)) {
		fprintf(stderr, "loading lb.bpf.o failed: %d (root? bpffs? BTF?)\n", rc);
		lb__destroy(skel);
		return -1;
	}
	*tables_out = lbt_bpf_new(&fds, ring_size);
	if (!*tables_out) {
		fprintf(stderr, "the XDP table writer failed to open the maps\n");
		lb__destroy(skel);
		return -1;
	}
	*skel_out = skel;
	if (fds_out)
		*fds_out = fds;
	return 0;
}

static inline int fx_load_lb(uint32_t ring_size, uint32_t conn_max, struct lb **skel_out,
			     struct lbt **tables_out, struct lbt_bpf_fds *fds_out)
{
	return fx_load_lb_kconfig(ring_size, conn_max, lbt_bpf_kconfig(), skel_out, tables_out,
				  fds_out);
}

/*
 * Ethernet + IPv4 (DF, TTL 64; checksums left zero: the fast path does not check them) + TCP
 * from 198.51.100.7:sport to 192.0.2.10:dport with the given flags, the VIP the tests install.
 * Writes FX_TCP4_FRAME_LEN bytes.
 */
#define FX_TCP4_FRAME_LEN 54
static inline void fx_tcp4_frame(unsigned char *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	static const unsigned char tmpl[FX_TCP4_FRAME_LEN] = {
	    0x02, 0,    0,   0,  0,   0x01, 0x02, 0,  0,  0, 0, 0xfe, 0x08, 0x00, /* Ethernet */
	    0x45, 0,    0,   40, 0,   0,    0x40, 0,  64, 6, 0, 0,                /* IPv4 ... */
	    198,  51,   100, 7,  192, 0,    2,    10,                             /* addresses */
	    0,    0,    0,   0,  0,   0,    0,    1,  0,  0, 0, 0,    0x50, 0,
	    0xff, 0xff, /* TCP */
	    0,    0,    0,   0};

	memcpy(p, tmpl, sizeof(tmpl));
	p[34] = sport >> 8;
	p[35] = sport & 0xff;
	p[36] = dport >> 8;
	p[37] = dport & 0xff;
	p[47] = flags;
}

/* An XDP action as the core's verdict, to compare XDP with the userspace runner. */
static inline int lb_loader_xdp_verdict(__u32 act)
{
	switch (act) {
	case XDP_PASS:
		return LB_PASS;
	case XDP_TX:
		return LB_TX;
	case XDP_REDIRECT:
		return LB_REDIRECT;
	default:
		return LB_DROP;
	}
}

#endif
