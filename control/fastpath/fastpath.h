/* SPDX-License-Identifier: MIT */
/*
 * fastpath.h - the one interface edgelbd has to its fast path, whichever runs: XDP (xdp_attach.c:
 * lb.bpf.o loaded, its maps and links pinned, adopted by the next edgelbd) or DPDK
 * (dpdk_attach.c: the shared-memory table file edgelb-dp forwards with). fastpath_open() picks
 * the implementation by node.forwarding; nothing outside control/fastpath/ asks which one runs.
 *
 * A fast path gives the daemon its table writer (tables, control/fastpath/lbtables.h), the interfaces it
 * forwards on, whether it held live tables when opened (adopted: read them back with
 * fastpath_read_installed() and keep their slots), whether it forwards now (alive), and for
 * `edgelbctl status`, `stats` and /metrics a description of itself. close() leaves it
 * forwarding (the tables outlive edgelbd), detach() stops it and removes what it left.
 *
 * Everything runs on the daemon's event loop; nothing here is thread-safe.
 */
#ifndef EDGELB_CONTROL_FASTPATH_FASTPATH_H
#define EDGELB_CONTROL_FASTPATH_FASTPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/conf/config.h"
#include "control/fastpath/lbtables.h"
#include "control/lib/textbuf.h"

#define FASTPATH_MAX_IFS 16
#define FASTPATH_ERR_MAX 256

struct fastpath_iface {
	char name[CONFIG_IFNAME_MAX];
	int ifindex;
	uint8_t mac[6];
	bool adopted; /* already in use by the fast path when we opened it */
};

struct fastpath;

/* What each implementation provides; the daemon calls the fastpath_*() functions below. */
struct fastpath_ops {
	const char *name;          /* node.forwarding: "xdp", "dpdk" */
	const char *detached_text; /* STATUS= while not alive, "detached (...)" */
	const char *waits_for;     /* STATUS= before the first time alive: "waiting for ..." */
	uint32_t watch_ms;         /* how often watch() wants to run; 0: never */
	/* fastpath_open() and fastpath_remove() for this kind (both log what they did) */
	int (*open)(const struct config_node *node, struct fastpath **out);
	int (*remove)(const struct config_node *node, const char **what, const char **done);
	/* Look again (edgelb-dp's workers, its recreated interfaces): updates fp->alive; true when
	 * the fast path lost what was written and every table must be written again. */
	bool (*watch)(struct fastpath *fp);
	/* Every backend row (LB_MAX_BACKENDS) and up to cap VIP entries, as the tables hold them.
	 */
	int (*read_installed)(struct fastpath *fp, struct lb_backend *rows,
			      struct lbt_vip_entry *entries, size_t cap, size_t *n_entries);
	void (*close)(struct fastpath *fp);
	int (*detach)(struct fastpath *fp);
	/* `edgelbctl status`: the text lines about the fast path, or its JSON members after
	 * "forwarding" and "xdp_mode", each followed by ','. fp may be NULL (never opened). */
	void (*render_status)(const struct fastpath *fp, const struct config_node *node,
			      bool attached, bool json, struct textbuf *tb);
	/* `edgelbctl stats` and /metrics: what the fast path counts beside the tables' counters
	 * (JSON members preceded by ','). NULL: nothing. */
	void (*render_stats)(const struct fastpath *fp, bool json, struct textbuf *tb);
	void (*render_metrics)(const struct fastpath *fp, struct textbuf *tb);
};

struct fastpath {
	const struct fastpath_ops *ops;
	struct lbt *tables; /* the table writer */
	struct fastpath_iface ifs[FASTPATH_MAX_IFS];
	size_t n_ifs;                      /* node.interfaces, in order */
	bool adopted;                      /* the tables held live state from an earlier edgelbd */
	bool alive;                        /* forwarding, as of open() or the last watch() */
	char location[CONFIG_FS_PATH_MAX]; /* the pin directory (XDP) or table file (DPDK) */
};

/*
 * Open (create, or adopt what an earlier edgelbd left) the fast path node.forwarding names and,
 * for XDP, attach it to every interface. 0 and *out, or a negative errno (logged).
 */
int fastpath_open(const struct config_node *node, struct fastpath **out);
/* Close our side; the fast path keeps forwarding with its tables. Frees fp (NULL is fine). */
void fastpath_close(struct fastpath *fp);
/* Stop the fast path and remove its pins or table file. Frees fp. 0 or negative (logged). */
int fastpath_detach(struct fastpath *fp);
/*
 * edgelbd --detach: remove what an earlier edgelbd left for node without a running daemon.
 * *what names it (pin directory, table file), *done says what was removed.
 */
int fastpath_remove(const struct config_node *node, const char **what, const char **done);

static inline bool fastpath_alive(const struct fastpath *fp)
{
	return fp && fp->alive;
}

/* 0: nothing to watch. Otherwise the daemon calls fastpath_watch() that often. */
uint32_t fastpath_watch_ms(const struct fastpath *fp);
/* See fastpath_ops.watch: true when every table must be written again. */
bool fastpath_watch(struct fastpath *fp);

/* See fastpath_ops.read_installed. */
int fastpath_read_installed(struct fastpath *fp, struct lb_backend *rows,
			    struct lbt_vip_entry *entries, size_t cap, size_t *n_entries);

/*
 * Look the interfaces up again by name (edgelb-dp recreates its TAPs when it restarts, with a
 * new ifindex and perhaps a new MAC). 1 if any ifindex or MAC changed, 0 if not, negative if one
 * is missing (fp keeps the old values).
 */
int fastpath_refresh_ifs(struct fastpath *fp);
/* Index+1 of ifindex among fp's interfaces (the tx port of backend rows), 0 if not ours. */
uint32_t fastpath_tx_port(const struct fastpath *fp, int ifindex);

/* See fastpath_ops.render_status; fp may be NULL. */
void fastpath_render_status(const struct fastpath *fp, const struct config_node *node,
			    bool attached, bool json, struct textbuf *tb);
void fastpath_render_stats(const struct fastpath *fp, bool json, struct textbuf *tb);
void fastpath_render_metrics(const struct fastpath *fp, struct textbuf *tb);
/* The STATUS= words for a fast path that is not alive, and before it first was. */
const char *fastpath_detached_text(const struct fastpath *fp);
const char *fastpath_waits_for(const struct fastpath *fp);

/* ---- for the implementations ---- */

/* ifindex and MAC of a local interface: 0 or -errno (-ENODEV: not there). */
int fastpath_lookup_if(const char *name, int *ifindex, uint8_t mac[6]);

#endif
