// SPDX-License-Identifier: MIT
/*
 * dpdk_attach.c - open or adopt edgelb-dp's table file for edgelbd, find the exception
 * interfaces, and read edgelb-dp's worker slots (see dpdk_attach.h).
 */
#include "control/dpdk_attach.h"
#include "control/lib/neigh.h"

#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control/lbtables_shm.h"

#define IF_POLL_US 100000

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int lookup_if(const char *name, int *ifindex, uint8_t mac[6])
{
	*ifindex = (int)if_nametoindex(name);
	if (!*ifindex)
		return -errno;
	return neigh_interface_mac(name, mac);
}

/* Each configured interface, waiting for ones edgelb-dp has not created yet. */
static int find_ifs(struct xdp_fastpath *fp, const struct config_node *node, uint32_t wait_ms,
		    char *err, size_t errlen)
{
	uint64_t waited_us = 0;

	if (node->n_interfaces > XDP_ATTACH_MAX_IFS)
		return fail(err, errlen, -E2BIG, "more than %d interfaces", XDP_ATTACH_MAX_IFS);
	for (size_t i = 0; i < node->n_interfaces; i++) {
		struct xdp_iface *xi = &fp->ifs[i];
		int rc;

		snprintf(xi->name, sizeof(xi->name), "%s", node->interfaces[i].name);
		xi->link_fd = -1;
		while ((rc = lookup_if(xi->name, &xi->ifindex, xi->mac)) == -ENODEV &&
		       waited_us < (uint64_t)wait_ms * 1000) {
			if (!waited_us)
				fprintf(stderr,
					"edgelbd: waiting up to %.1f s for interface %s "
					"(edgelb-dp's exception port)\n",
					wait_ms / 1000.0, xi->name);
			usleep(IF_POLL_US);
			waited_us += IF_POLL_US;
		}
		if (rc)
			return fail(err, errlen, rc,
				    "interface %s (the exception port edgelb-dp creates): %s",
				    xi->name, strerror(-rc));
		fp->n_ifs = i + 1;
	}
	return 0;
}

int dpdk_fastpath_open(struct xdp_fastpath *fp, const struct config_node *node, uint32_t if_wait_ms,
		       char *err, size_t errlen)
{
	const char *path = node->dpdk.shm_path;
	struct stat st;
	int rc;

	memset(fp, 0, sizeof(*fp));
	fp->tx_ports_fd = -1;
	fp->meta_fd = -1;
	snprintf(fp->pin_dir, sizeof(fp->pin_dir), "%s", path);
	fp->ring_size = node->ring_size;
	fp->adopted_maps = !stat(path, &st) && st.st_size > 0;
	fp->tables = lbt_shm_new(path, node->ring_size); /* logs the reason itself */
	if (!fp->tables)
		return fail(err, errlen, -EIO,
			    "table file %s: cannot %s it (see above; another edgelbd, or a file "
			    "of another version or ring size?)",
			    path, fp->adopted_maps ? "adopt" : "create");
	rc = find_ifs(fp, node, if_wait_ms, err, errlen);
	if (rc) {
		dpdk_fastpath_close(fp);
		return rc;
	}
	for (size_t i = 0; i < fp->n_ifs; i++)
		fp->ifs[i].adopted = fp->adopted_maps;
	return 0;
}

void dpdk_fastpath_close(struct xdp_fastpath *fp)
{
	lbt_shm_free(fp->tables);
	fp->tables = NULL;
}

int dpdk_fastpath_remove(struct xdp_fastpath *fp)
{
	dpdk_fastpath_close(fp);
	return dpdk_unlink_tables(fp->pin_dir);
}

int dpdk_unlink_tables(const char *path)
{
	int rc = lbt_shm_unlink(path);

	return rc == -ENOENT ? 0 : rc;
}

static bool pid_alive(uint32_t pid)
{
	return pid && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

void dpdk_fastpath_workers(struct xdp_fastpath *fp, struct dpdk_workers *out)
{
	memset(out, 0, sizeof(*out));
	if (!fp->tables)
		return;
	const struct lb_shm_map *m = lbt_shm_map(fp->tables);

	for (uint32_t i = 0; i < m->hdr->max_lcores; i++) {
		const struct lb_shm_lcore *lc = &m->lcores[i];
		uint32_t pid = __atomic_load_n(&lc->pid, __ATOMIC_RELAXED);

		out->rx += lc->rx;
		out->tx += lc->tx;
		out->tx_dropped += lc->tx_dropped;
		out->to_kernel += lc->exception_tx;
		out->from_kernel += lc->exception_rx;
		if (!pid_alive(pid))
			continue;
		out->alive++;
		out->pid = pid;
		if (__atomic_load_n(&lc->state, __ATOMIC_RELAXED) == LB_SHM_LCORE_ONLINE)
			out->online++;
	}
}

int dpdk_fastpath_refresh_ifs(struct xdp_fastpath *fp)
{
	int changed = 0;

	for (size_t i = 0; i < fp->n_ifs; i++) {
		struct xdp_iface *xi = &fp->ifs[i];
		uint8_t mac[6];
		int ifindex, rc = lookup_if(xi->name, &ifindex, mac);

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
