// SPDX-License-Identifier: MIT
/*
 * admin.c - what operators and the BGP glue ask of the runtime: lookups by name, drain/undrain
 * of a backend (edgelbctl), a VIP's healthy verdict, the observer, and readable names of table
 * states and drop reasons.
 */
#include "control/daemon/internal.h"

#include <errno.h>
#include <string.h>

#include "control/lib/log.h"

const char *ed_table_state_name(uint8_t state)
{
	return state == LB_BACKEND_UP ? "up" : state == LB_BACKEND_DRAINING ? "draining" : "down";
}

const char *ed_drop_reason_name(unsigned int reason)
{
	static const char *const names[LB_DROP_MAX] = {
	    [LB_DROP_TRUNC_L2] = "trunc_l2",
	    [LB_DROP_TRUNC_L3] = "trunc_l3",
	    [LB_DROP_BAD_IHL] = "bad_ihl",
	    [LB_DROP_BAD_IP_LEN] = "bad_ip_len",
	    [LB_DROP_IPV6_EXT_LIMIT] = "ipv6_ext_limit",
	    [LB_DROP_TRUNC_L4] = "trunc_l4",
	    [LB_DROP_BAD_TCP_DOFF] = "bad_tcp_doff",
	    [LB_DROP_BAD_UDP_LEN] = "bad_udp_len",
	    [LB_DROP_NO_BACKEND] = "no_backend",
	    [LB_DROP_ENCAP_FAILED] = "encap_failed",
	    [LB_DROP_BAD_ICMP] = "bad_icmp",
	    [LB_DROP_FAMILY] = "family",
	};

	return reason < LB_DROP_MAX && names[reason] ? names[reason] : "unknown";
}

struct ed_vip *edgelbd_find_vip(struct edgelbd *d, const char *name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		if (!strcmp(d->vips[i]->cfg.name, name))
			return d->vips[i];
	return NULL;
}

struct ed_backend *edgelbd_find_backend(struct edgelbd *d, const char *name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		for (size_t j = 0; j < d->vips[i]->n_backends; j++)
			if (!strcmp(d->vips[i]->backends[j]->cfg.name, name))
				return d->vips[i]->backends[j];
	return NULL;
}

int edgelbd_set_admin(struct edgelbd *d, const char *backend, enum config_backend_state state)
{
	struct ed_backend *b = edgelbd_find_backend(d, backend);

	if (!b)
		return -ENOENT;
	if (b->admin != state) {
		b->admin = state;
		ed_log(ED_LOG_INFO, "backend %s (vip %s): admin %s (edgelbctl)", b->cfg.name,
		       b->vip->cfg.name, config_backend_state_name(state));
		ed_reconcile_and_sync(d, b->vip, evloop_now_ns());
	}
	return 0;
}

bool edgelbd_vip_healthy(const struct edgelbd *d, const char *vip_name)
{
	for (size_t i = 0; i < d->n_vips; i++)
		if (!strcmp(d->vips[i]->cfg.name, vip_name))
			return d->vips[i]->healthy;
	return false;
}

void edgelbd_set_observer(struct edgelbd *d, const struct ed_observer *observer)
{
	static const struct ed_observer none;

	d->observer = observer ? *observer : none;
	for (size_t i = 0; d->observer.vip_health && i < d->n_vips; i++)
		d->observer.vip_health(d->observer.arg, d->vips[i], d->vips[i]->healthy);
}
