/* SPDX-License-Identifier: MIT */
/*
 * lb_loader.h - how tests load edgelb's XDP program: open lb.bpf.o, size its rings and
 * connection table, load it, and open the table writer (control/lbtables.h) on its maps, as
 * edgelbd does (control/xdp_attach.c) but without attaching or pinning anything.
 */
#ifndef EDGELB_TESTS_LB_LOADER_H
#define EDGELB_TESTS_LB_LOADER_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/lb.skel.h"
#include "control/lbtables.h"

/*
 * ring_size: slots per Maglev ring; conn_max: connection-table entries (0: the program's
 * default); fds_out may be NULL. Returns 0, or -1 after saying why on stderr.
 */
static inline int fx_load_lb(uint32_t ring_size, uint32_t conn_max, struct lb **skel_out,
			     struct lbt **tables_out, struct lbt_bpf_fds *fds_out)
{
	struct lbt_bpf_fds fds;
	struct lb *skel = lb__open();
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

#endif
