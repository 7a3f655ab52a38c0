/* SPDX-License-Identifier: MIT */
/*
 * daemon.h - edgelbd's runtime (control/daemon/): its state and what main, the API and the BGP
 * glue ask of it. Which backends are eligible (admin up, health up, next-hop MAC known), one
 * Maglev ring per VIP from them, and the sync of node settings, backend slots, rings and VIP
 * entries into the fast path (control/fastpath/fastpath.h), in an order that never shows a packet
 * a ring pointing at a backend the table calls DOWN (reconcile.c). Also start, adoption and
 * shutdown (lifecycle.c, adopt.c), reload as a diff (reload.c), drain / undrain (admin.c), the
 * service manager (notify.c), and the per-VIP "healthy" verdict an observer (the BGP glue,
 * announce.h) hears about.
 *
 * Everything runs on one event loop (control/lib/evloop.h); nothing here is thread-safe.
 */
#ifndef EDGELB_CONTROL_DAEMON_DAEMON_H
#define EDGELB_CONTROL_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/conf/config.h"
#include "control/fastpath/fastpath.h"
#include "control/health/health.h"
#include "control/fastpath/lbtables.h"
#include "control/lib/evloop.h"
#include "control/lib/textbuf.h"

/* ---- runtime state ---- */
struct ed_vip;

struct ed_backend {
	struct config_backend cfg; /* as configured (health resolved) */
	struct ed_vip *vip;
	uint32_t slot;                   /* index in the backends table, ring value */
	uint32_t generation;             /* of the slot, bumped on every reuse */
	enum config_backend_state admin; /* config state, or edgelbctl drain/undrain */
	struct health_target *health;
	bool health_up;
	bool provisional; /* adopted as up from the pinned table; waiting for the first verdict */
	bool mac_known;
	uint8_t mac[6];
	uint32_t tx_port;
	bool in_ring;          /* part of the VIP's installed ring */
	struct lb_backend row; /* what the table holds now */
	uint64_t transitions;
	uint64_t last_change_ns;
	char last_reason[HEALTH_REASON_MAX];
	struct edgelbd *d;
};

struct ed_vip {
	struct config_vip cfg; /* backends/n_backends not used: see below */
	uint32_t vip_id;
	uint32_t generation;
	struct ed_backend **backends;
	size_t n_backends;
	uint32_t n_eligible;      /* in the installed ring */
	uint32_t precompute_next; /* next "ring without backend k" to compute (ring_cache.h) */
	bool healthy;             /* fast path attached and n_eligible >= min_healthy */
	bool ring_installed;
};

/*
 * Who hears about the runtime without the runtime knowing it (the BGP glue,
 * control/daemon/announce.h). Every callback runs on the loop, in the middle of a reconcile or a
 * reload: defer real work. Any callback may be NULL.
 */
struct ed_observer {
	/* A VIP's "healthy" verdict changed (and once per VIP when the observer is set); vip is
	 * valid during the call only. */
	void (*vip_health)(void *arg, const struct ed_vip *vip, bool healthy);
	/* A reload was applied: VIPs may have come or gone. */
	void (*config_reloaded)(void *arg);
	/* Appends a few words to the service manager's STATUS= line ("BGP active, ..."). */
	void (*status)(void *arg, struct textbuf *tb);
	void *arg;
};

/*
 * The service manager's view (sd_notify(3), systemd.service(5) Type=notify): READY=1 once main
 * says the daemon is up (edgelbd_notify_ready) and the fast path is attached with its tables
 * written: at once with XDP, with DPDK when edgelb-dp's workers appear (edgelbd_fastpath_watch).
 * A reload is RELOADING=1 then READY=1, the stop STOPPING=1; STATUS= says how the VIPs, the fast
 * path and BGP are. Without $NOTIFY_SOCKET nothing is sent and no timer runs.
 */
#define ED_NOTIFY_STATUS_MS 1000 /* how often STATUS= is compared with the state */
struct ed_notify {
	bool enabled;  /* $NOTIFY_SOCKET set */
	bool wanted;   /* main is up: READY=1 as soon as the fast path is attached */
	bool ready;    /* READY=1 sent */
	bool stopping; /* STOPPING=1 sent */
	struct ev_timer status_timer;
	char status[512];       /* STATUS= last sent */
	char reload_error[256]; /* the last reload's error; "" after a good one */
};

struct ed_counters {
	uint64_t reloads_ok, reloads_failed;
	uint64_t ring_updates, ring_update_errors;
	uint64_t last_ring_update_ns; /* duration of the last ring build + install */
};

struct edgelbd {
	char config_path[CONFIG_FILE_MAX];
	struct edgelb_config *cfg;
	struct evloop *loop;
	struct health_checker *hc;
	struct fastpath *fp; /* XDP or DPDK (control/fastpath/fastpath.h) */
	bool attached;       /* the fast path forwards: fastpath_alive() at the last look */
	struct ev_timer fastpath_watch; /* every fastpath_watch_ms(): still alive? tables lost? */
	struct neigh_table *neigh;
	struct ed_vip **vips;
	size_t n_vips;
	uint32_t slot_gen[LB_MAX_BACKENDS];
	bool slot_used[LB_MAX_BACKENDS];
	bool vip_id_used[LB_MAX_VIPS];
	struct lbt_vip_entry *installed; /* VIP entries in the fast path now */
	size_t n_installed;
	uint32_t *ring;                   /* scratch, ring_size slots */
	uint32_t *spare_ring;             /* scratch of the precomputation */
	struct ring_cache *ring_cache;    /* rings for "one backend fewer", computed ahead */
	struct ev_timer precompute_timer; /* one precomputed ring per tick of the loop */
	struct ev_timer provisional_timer;
	struct ed_observer observer;
	struct ed_counters counters;
	uint64_t started_ns;
	bool stop;
	bool detach_requested;
	struct ed_notify notify;
};

/* The fast path's table writer; NULL before it is open. */
static inline struct lbt *edgelbd_tables(const struct edgelbd *d)
{
	return d->fp ? d->fp->tables : NULL;
}

/*
 * Build the runtime from a loaded config: fast path (load or adopt), neighbour table, health
 * checks, initial sync. Returns 0, or a negative errno (logged).
 */
int edgelbd_start(struct edgelbd *d, struct evloop *loop, struct edgelb_config *cfg,
		  const char *config_path);
/*
 * Look at the fast path once (the daemon does it every fastpath_watch_ms(), for DPDK: edgelb-dp's
 * worker slots and exception interfaces): whether it is alive decides `attached`; a fast path
 * that lost our tables (edgelb-dp back, a recreated interface) gets every table rewritten (node,
 * backends, rings, VIP entries). Public for tests.
 */
void edgelbd_fastpath_watch(struct edgelbd *d);

/* Stop health checks and close everything; the fast path stays unless detach is true. */
void edgelbd_shutdown(struct edgelbd *d, bool detach);

/*
 * Reload config_path: 0 (applied as a diff) or negative with a "file:line: ..." message in err.
 * Once READY=1 was sent, the service manager hears RELOADING=1 before and READY=1 after.
 */
int edgelbd_reload(struct edgelbd *d, char *err, size_t errlen);

/*
 * Main has the daemon up (tables written, API socket, metrics and BGP open): READY=1 now if the
 * fast path is attached, else when it attaches; STATUS= from now on. No-op without
 * $NOTIFY_SOCKET.
 */
void edgelbd_notify_ready(struct edgelbd *d);
/* The daemon begins to stop (a BGP drain may come first): STOPPING=1, once. */
void edgelbd_notify_stopping(struct edgelbd *d);

/*
 * A health verdict for b (what the checker's callback does, public for tests): record it,
 * rebuild b's VIP ring if membership changed and sync the tables, in the order described above.
 */
void edgelbd_backend_health(struct edgelbd *d, struct ed_backend *b, bool up, const char *reason);

/* Operator drain/undrain by backend name: 0, -ENOENT. */
int edgelbd_set_admin(struct edgelbd *d, const char *backend, enum config_backend_state state);

struct ed_backend *edgelbd_find_backend(struct edgelbd *d, const char *name);
struct ed_vip *edgelbd_find_vip(struct edgelbd *d, const char *name);

/* The per-VIP verdict BGP announces by. */
bool edgelbd_vip_healthy(const struct edgelbd *d, const char *vip_name);
/* One observer at a time; NULL removes it. Its vip_health hears every VIP's verdict at once. */
void edgelbd_set_observer(struct edgelbd *d, const struct ed_observer *observer);

/* Snake-case name of an lb_drop_reason ("trunc_l2", "no_backend", ...); "unknown" if out of range.
 */
const char *ed_drop_reason_name(unsigned int reason);

/* Readable name of a table state (LB_BACKEND_*): "up", "draining", "down". */
const char *ed_table_state_name(uint8_t state);

#endif
