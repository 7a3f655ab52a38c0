// SPDX-License-Identifier: MIT
/*
 * checks.c - the checks that span sections, run once every section is read: every VIP inside an
 * announced BGP prefix, an encapsulation source for every backend family ipip needs, and a ring
 * larger than any VIP's backend count.
 */
#include "control/conf/sections.h"

#include <stdio.h>
#include <string.h>

static int fail_at_vip_field(struct loader *ld, size_t vip_index, const char *key, int line,
			     const char *fmt_what, const char *a, const char *b)
{
	char path[CONFIG_FIELD_MAX];

	snprintf(path, sizeof(path), "vips.[%zu].%s", vip_index, key);
	set_error_location(ld, NULL, path);
	ld->err->line = line;
	snprintf(ld->err->message, sizeof(ld->err->message), fmt_what, a, b);
	return -1;
}

/* Every VIP must be inside an announced prefix, or BGP would attract none of its traffic. */
static int check_bgp_covers_vips(struct loader *ld, const struct edgelb_config *cfg)
{
	if (!cfg->bgp.present)
		return 0;
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];
		bool covered = false;

		for (size_t i = 0; i < cfg->bgp.n_announce; i++)
			covered |= prefix_covers(&cfg->bgp.announce[i].prefix, &vip->address);
		if (!covered)
			return fail_at_vip_field(ld, v, "address", vip->line,
						 "%s (VIP \"%s\") is not inside any bgp.announce "
						 "prefix",
						 vip->address.text, vip->name);
	}
	return 0;
}

/* ipip encapsulates in the backend's family, so that family's encap source must exist. */
static int check_encap_sources(struct loader *ld, const struct edgelb_config *cfg)
{
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];

		if (vip->forwarding != CONFIG_FWD_IPIP)
			continue;
		for (size_t i = 0; i < vip->n_backends; i++) {
			const struct config_backend *b = &vip->backends[i];
			bool v4 = b->address.family == LB_AF_INET;
			char key[64];

			if ((v4 ? cfg->node.encap_source_v4 : cfg->node.encap_source_v6).family)
				continue;
			snprintf(key, sizeof(key), "backends.[%zu].address", i);
			return fail_at_vip_field(ld, v, key, b->line,
						 "%s backend needs node.%s (the outer source "
						 "prefix for ipip)",
						 v4 ? "IPv4" : "IPv6",
						 v4 ? "encap_source_v4" : "encap_source_v6");
		}
	}
	return 0;
}

/* Maglev needs a ring larger than the number of backends it spreads. */
static int check_ring_size(struct loader *ld, const struct edgelb_config *cfg)
{
	for (size_t v = 0; v < cfg->n_vips; v++) {
		const struct config_vip *vip = &cfg->vips[v];

		if (vip->n_backends < cfg->node.ring_size)
			continue;
		snprintf(ld->err->file, sizeof(ld->err->file), "%s", ld->file);
		snprintf(ld->err->field, sizeof(ld->err->field), "node.ring_size");
		ld->err->line = ld->ring_size_line ? ld->ring_size_line : cfg->node.line;
		snprintf(ld->err->message, sizeof(ld->err->message),
			 "%u is not larger than the %zu backends of VIP \"%s\"",
			 cfg->node.ring_size, vip->n_backends, vip->name);
		return -1;
	}
	return 0;
}

int check_across_sections(struct loader *ld, const struct edgelb_config *cfg)
{
	if (check_encap_sources(ld, cfg) < 0 || check_ring_size(ld, cfg) < 0 ||
	    check_bgp_covers_vips(ld, cfg) < 0)
		return -1;
	return 0;
}
