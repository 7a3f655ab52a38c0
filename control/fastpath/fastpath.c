// SPDX-License-Identifier: MIT
/*
 * fastpath.c - the fastpath.h interface over its implementations: the one choice between XDP and
 * DPDK (by node.forwarding), and what every fast path shares (its interfaces, the tx port of a
 * backend row, the fields of `edgelbctl status` both print).
 */
#include "control/fastpath/fastpath.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "control/fastpath/dpdk_attach.h"
#include "control/fastpath/xdp_attach.h"
#include "control/lib/neigh.h"

static const struct fastpath_ops *ops_for(const struct config_node *node)
{
	return node->forwarding == CONFIG_DP_DPDK ? &dpdk_fastpath_ops : &xdp_fastpath_ops;
}

int fastpath_open(const struct config_node *node, struct fastpath **out)
{
	return ops_for(node)->open(node, out);
}

void fastpath_close(struct fastpath *fp)
{
	if (fp)
		fp->ops->close(fp);
}

int fastpath_detach(struct fastpath *fp)
{
	return fp->ops->detach(fp);
}

int fastpath_remove(const struct config_node *node, const char **what, const char **done)
{
	return ops_for(node)->remove(node, what, done);
}

uint32_t fastpath_watch_ms(const struct fastpath *fp)
{
	return fp && fp->ops->watch ? fp->ops->watch_ms : 0;
}

bool fastpath_watch(struct fastpath *fp)
{
	return fp->ops->watch && fp->ops->watch(fp);
}

int fastpath_read_installed(struct fastpath *fp, struct lb_backend *rows,
			    struct lbt_vip_entry *entries, size_t cap, size_t *n_entries)
{
	return fp->ops->read_installed(fp, rows, entries, cap, n_entries);
}

int fastpath_lookup_if(const char *name, int *ifindex, uint8_t mac[6])
{
	*ifindex = (int)if_nametoindex(name);
	if (!*ifindex)
		return -errno;
	return neigh_interface_mac(name, mac);
}

int fastpath_refresh_ifs(struct fastpath *fp)
{
	int changed = 0;

	for (size_t i = 0; i < fp->n_ifs; i++) {
		struct fastpath_iface *xi = &fp->ifs[i];
		uint8_t mac[6];
		int ifindex, rc = fastpath_lookup_if(xi->name, &ifindex, mac);

		if (rc)
			return rc;
		if (ifindex != xi->ifindex || memcmp(mac, xi->mac, 6)) {
			xi->ifindex = ifindex;
			memcpy(xi->mac, mac, 6);
			changed = 1;
		}
	}
	return changed;
}

uint32_t fastpath_tx_port(const struct fastpath *fp, int ifindex)
{
	for (size_t i = 0; i < fp->n_ifs; i++)
		if (fp->ifs[i].ifindex == ifindex)
			return (uint32_t)i + 1;
	return 0;
}

void fastpath_render_status(const struct fastpath *fp, const struct config_node *node,
			    bool attached, bool json, struct textbuf *tb)
{
	const struct fastpath_ops *ops = fp ? fp->ops : ops_for(node);

	if (json)
		tb_printf(tb, "\"forwarding\":\"%s\",\"xdp_mode\":\"%s\",", ops->name,
			  node->xdp_mode == CONFIG_XDP_GENERIC ? "generic" : "native");
	ops->render_status(fp, node, attached, json, tb);
}

void fastpath_render_stats(const struct fastpath *fp, bool json, struct textbuf *tb)
{
	if (fp && fp->ops->render_stats)
		fp->ops->render_stats(fp, json, tb);
}

void fastpath_render_metrics(const struct fastpath *fp, struct textbuf *tb)
{
	if (fp && fp->ops->render_metrics)
		fp->ops->render_metrics(fp, tb);
}

const char *fastpath_detached_text(const struct fastpath *fp)
{
	return fp ? fp->ops->detached_text : "detached";
}

const char *fastpath_waits_for(const struct fastpath *fp)
{
	return fp ? fp->ops->waits_for : "the fast path";
}
