// SPDX-License-Identifier: MIT
/*
 * dpdk_attach.c - open or adopt edgelb-dp's table file for edgelbd, find the exception
 * interfaces, read edgelb-dp's worker slots, and the DPDK side of the fastpath.h interface (see
 * dpdk_attach.h).
 */
#include "control/fastpath/dpdk_attach.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/fastpath/lbtables_shm.h"
#include "control/lib/log.h"

#define IF_POLL_US 100000

struct dpdk_fastpath {
	struct fastpath fp;          /* keep first */
	struct dpdk_workers workers; /* as of the last watch */
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

/* Each configured interface, waiting for ones edgelb-dp has not created yet. */
static int find_ifs(struct fastpath *fp, const struct config_node *node, uint32_t wait_ms,
		    char *err, size_t errlen)
{
	uint64_t waited_us = 0;

	if (node->n_interfaces > FASTPATH_MAX_IFS)
		return fail(err, errlen, -E2BIG, "more than %d interfaces", FASTPATH_MAX_IFS);
	for (size_t i = 0; i < node->n_interfaces; i++) {
		struct fastpath_iface *xi = &fp->ifs[i];
		int rc;

		snprintf(xi->name, sizeof(xi->name), "%s", node->interfaces[i].name);
		while ((rc = fastpath_lookup_if(xi->name, &xi->ifindex, xi->mac)) == -ENODEV &&
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

static void dpdk_release(struct fastpath *fp)
{
	lbt_shm_free(fp->tables);
	free(fp);
}

int dpdk_fastpath_open(struct fastpath **out, const struct config_node *node, uint32_t if_wait_ms,
		       char *err, size_t errlen)
{
	const char *path = node->dpdk.shm_path;
	struct dpdk_fastpath *dp = calloc(1, sizeof(*dp));
	struct fastpath *fp;
	struct stat st;
	int rc;

	*out = NULL;
	if (!dp)
		return fail(err, errlen, -ENOMEM, "out of memory");
	fp = &dp->fp;
	fp->ops = &dpdk_fastpath_ops;
	snprintf(fp->location, sizeof(fp->location), "%s", path);
	fp->adopted = !stat(path, &st) && st.st_size > 0;
	fp->tables = lbt_shm_new(path, node->ring_size); /* logs the reason itself */
	if (!fp->tables) {
		rc = fail(err, errlen, -EIO,
			  "table file %s: cannot %s it (see above; another edgelbd, or a file "
			  "of another version or ring size?)",
			  path, fp->adopted ? "adopt" : "create");
		free(dp);
		return rc;
	}
	rc = find_ifs(fp, node, if_wait_ms, err, errlen);
	if (rc) {
		dpdk_release(fp); /* unlocks the file: a later start may take it */
		return rc;
	}
	for (size_t i = 0; i < fp->n_ifs; i++)
		fp->ifs[i].adopted = fp->adopted;
	dpdk_fastpath_workers(fp, &dp->workers);
	fp->alive = dp->workers.alive > 0;
	*out = fp;
	return 0;
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

void dpdk_fastpath_workers(const struct fastpath *fp, struct dpdk_workers *out)
{
	memset(out, 0, sizeof(*out));
	if (!fp || !fp->tables)
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

/* ---- the fastpath.h interface ---- */

static int dpdk_start(const struct config_node *node, struct fastpath **out)
{
	char err[FASTPATH_ERR_MAX * 2];
	struct fastpath *fp;
	int rc = dpdk_fastpath_open(out, node, DPDK_ATTACH_IF_WAIT_MS, err, sizeof(err));

	if (rc) {
		ed_log(ED_LOG_ERROR, "fast path (dpdk): %s", err);
		return rc;
	}
	fp = *out;
	for (size_t i = 0; i < fp->n_ifs; i++)
		ed_log(ED_LOG_INFO, "DPDK exception interface %s (ifindex %d)", fp->ifs[i].name,
		       fp->ifs[i].ifindex);
	ed_log(ED_LOG_INFO, "DPDK table file %s: %s; edgelb-dp %s", fp->location,
	       fp->adopted ? "adopted" : "new", fp->alive ? "running" : "not running (yet)");
	return 0;
}

/*
 * edgelb-dp coming (back), or restarting between two looks (a new pid), found tables that may
 * not be ours: write them all again. So does a recreated exception interface (a new ifindex or
 * MAC in the node settings and backend rows).
 */
static bool dpdk_watch(struct fastpath *fp)
{
	struct dpdk_fastpath *dp = (struct dpdk_fastpath *)fp;
	struct dpdk_workers w;
	bool was_alive = fp->alive, rewrite = false;

	dpdk_fastpath_workers(fp, &w);
	fp->alive = w.alive > 0;
	if (fp->alive != was_alive || (fp->alive && w.pid != dp->workers.pid && dp->workers.pid)) {
		ed_log(fp->alive ? ED_LOG_INFO : ED_LOG_WARN,
		       "edgelb-dp %s (%u worker(s) alive, pid %u)",
		       fp->alive ? "running" : "not running", w.alive, w.pid);
		rewrite = fp->alive;
	}
	dp->workers = w;
	if (fastpath_refresh_ifs(fp) > 0) {
		ed_log(ED_LOG_INFO, "exception interface %s recreated (ifindex %d)",
		       fp->ifs[0].name, fp->ifs[0].ifindex);
		rewrite = true;
	}
	return rewrite;
}

static int dpdk_read_installed(struct fastpath *fp, struct lb_backend *rows,
			       struct lbt_vip_entry *entries, size_t cap, size_t *n_entries)
{
	const struct lb_shm_map *m = lbt_shm_map(fp->tables);

	*n_entries = 0;
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++)
		lb_shm_read_backend(m->tables, i, &rows[i]);
	for (uint32_t i = 0; i < LB_SHM_VIP_SLOTS && *n_entries < cap; i++) {
		const struct lb_shm_vip_slot *slot = &m->tables->vips[i];
		struct lbt_vip_entry *e = &entries[*n_entries];

		if (slot->state != LB_SHM_SLOT_USED)
			continue;
		e->key = slot->key;
		if (!lb_shm_read_vip(m->tables, &e->key, &e->meta))
			(*n_entries)++;
	}
	return 0;
}

static void dpdk_close(struct fastpath *fp)
{
	ed_log(ED_LOG_INFO, "DPDK tables left in %s (edgelb-dp keeps forwarding)", fp->location);
	dpdk_release(fp);
}

/*
 * The VIP entries go first, so a running edgelb-dp passes everything to the kernel instead of
 * forwarding with tables nobody maintains, then the file is removed.
 */
static int dpdk_detach(struct fastpath *fp)
{
	const struct lb_shm_map *m = lbt_shm_map(fp->tables);
	struct lbt *t = fp->tables;
	struct lb_vip_filter none = {0};
	char path[CONFIG_FS_PATH_MAX];
	int rc;

	t->ops->set_filter(t, &none);
	for (uint32_t i = 0; i < LB_SHM_VIP_SLOTS; i++) {
		struct lb_vip_key key = m->tables->vips[i].key;

		if (m->tables->vips[i].state == LB_SHM_SLOT_USED)
			t->ops->del_vip(t, &key);
	}
	snprintf(path, sizeof(path), "%s", fp->location);
	dpdk_release(fp);
	rc = dpdk_unlink_tables(path);
	ed_log(rc ? ED_LOG_ERROR : ED_LOG_INFO, "DPDK VIP entries removed, table file %s %s%s",
	       path, rc ? "not removed: " : "removed", rc ? strerror(-rc) : "");
	return rc;
}

static int dpdk_remove(const struct config_node *node, const char **what, const char **done)
{
	*what = node->dpdk.shm_path;
	*done = "table file removed";
	return dpdk_unlink_tables(node->dpdk.shm_path);
}

/* edgelb-dp's workers as the table file shows them (read now, not at the last watch). */
static void dpdk_render_status(const struct fastpath *fp, const struct config_node *node,
			       bool attached, bool json, struct textbuf *tb)
{
	const char *file = fp ? fp->location : node->dpdk.shm_path;
	struct dpdk_workers w;

	dpdk_fastpath_workers(fp, &w);
	if (json) {
		tb_printf(tb, "\"tables_file\":");
		tb_json_str(tb, file);
		tb_printf(tb,
			  ",\"dpdk\":{\"pid\":%u,\"workers_alive\":%u,\"workers_polling\":%u,"
			  "\"rx\":%llu,\"tx\":%llu,\"tx_dropped\":%llu,\"to_kernel\":%llu,"
			  "\"from_kernel\":%llu},",
			  w.pid, w.alive, w.online, (unsigned long long)w.rx,
			  (unsigned long long)w.tx, (unsigned long long)w.tx_dropped,
			  (unsigned long long)w.to_kernel, (unsigned long long)w.from_kernel);
		return;
	}
	tb_printf(tb, "fast path   %s, dpdk, tables %s, file %s\n",
		  attached ? "attached" : "DETACHED", fp && fp->adopted ? "adopted" : "new", file);
	if (w.alive)
		tb_printf(tb, "edgelb-dp   pid %u, %u worker(s) alive, %u polling\n", w.pid,
			  w.alive, w.online);
	else
		tb_printf(tb, "edgelb-dp   NOT RUNNING (no live worker in the table file)\n");
	tb_printf(tb,
		  "dpdk        rx %llu, tx %llu, tx_dropped %llu, to_kernel %llu, "
		  "from_kernel %llu\n",
		  (unsigned long long)w.rx, (unsigned long long)w.tx,
		  (unsigned long long)w.tx_dropped, (unsigned long long)w.to_kernel,
		  (unsigned long long)w.from_kernel);
}

static void dpdk_render_stats(const struct fastpath *fp, bool json, struct textbuf *tb)
{
	struct dpdk_workers w;

	dpdk_fastpath_workers(fp, &w);
	if (json)
		tb_printf(tb,
			  ",\"dpdk\":{\"workers_alive\":%u,\"rx\":%llu,\"tx\":%llu,"
			  "\"tx_dropped\":%llu,\"to_kernel\":%llu,\"from_kernel\":%llu}",
			  w.alive, (unsigned long long)w.rx, (unsigned long long)w.tx,
			  (unsigned long long)w.tx_dropped, (unsigned long long)w.to_kernel,
			  (unsigned long long)w.from_kernel);
	else
		tb_printf(tb,
			  "dpdk (edgelb-dp, summed over lcores):\n  %-20s %u\n"
			  "  %-20s %llu\n  %-20s %llu\n  %-20s %llu\n  %-20s %llu\n"
			  "  %-20s %llu\n",
			  "workers_alive", w.alive, "rx", (unsigned long long)w.rx, "tx",
			  (unsigned long long)w.tx, "tx_dropped", (unsigned long long)w.tx_dropped,
			  "to_kernel", (unsigned long long)w.to_kernel, "from_kernel",
			  (unsigned long long)w.from_kernel);
}

static void metric_help(struct textbuf *tb, const char *name, const char *type, const char *text)
{
	tb_printf(tb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* edgelb-dp's own port counters, summed over its lcores. */
static void dpdk_render_metrics(const struct fastpath *fp, struct textbuf *tb)
{
	struct dpdk_workers w;

	dpdk_fastpath_workers(fp, &w);
	metric_help(tb, "edgelb_dpdk_workers_alive", "gauge", "edgelb-dp worker lcores alive.");
	tb_printf(tb, "edgelb_dpdk_workers_alive %u\n", w.alive);
	metric_help(tb, "edgelb_dpdk_packets_total", "counter",
		    "edgelb-dp packets: rx, tx, tx_dropped, to_kernel, from_kernel (exception "
		    "port).");
	tb_printf(tb,
		  "edgelb_dpdk_packets_total{what=\"rx\"} %llu\n"
		  "edgelb_dpdk_packets_total{what=\"tx\"} %llu\n"
		  "edgelb_dpdk_packets_total{what=\"tx_dropped\"} %llu\n"
		  "edgelb_dpdk_packets_total{what=\"to_kernel\"} %llu\n"
		  "edgelb_dpdk_packets_total{what=\"from_kernel\"} %llu\n",
		  (unsigned long long)w.rx, (unsigned long long)w.tx,
		  (unsigned long long)w.tx_dropped, (unsigned long long)w.to_kernel,
		  (unsigned long long)w.from_kernel);
}

const struct fastpath_ops dpdk_fastpath_ops = {
    .name = "dpdk",
    .detached_text = "detached (edgelb-dp not running)",
    .waits_for = "edgelb-dp",
    .watch_ms = DPDK_WATCH_MS,
    .open = dpdk_start,
    .remove = dpdk_remove,
    .watch = dpdk_watch,
    .read_installed = dpdk_read_installed,
    .close = dpdk_close,
    .detach = dpdk_detach,
    .render_status = dpdk_render_status,
    .render_stats = dpdk_render_stats,
    .render_metrics = dpdk_render_metrics,
};
