// SPDX-License-Identifier: MIT
/*
 * metrics.c - /metrics for Prometheus (see metrics.h): per-VIP and per-backend traffic counters
 * from the fast path, health and table state, drops by reason, conn-table counters, ring updates,
 * and BGP sessions and prefixes (announce.c) when BGP is configured.
 */
#include "control/api/metrics.h"

#include "control/daemon/announce.h"
#include "control/lib/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define METRICS_POLL_NS (500ull * 1000 * 1000) /* MHD's own timeouts (idle connections) */

struct metrics_server {
	struct edgelbd *d;
	struct ed_announce *bgp;
	struct MHD_Daemon *mhd;
	int epoll_fd;
	struct ev_timer timer;
};

static void help(struct textbuf *tb, const char *name, const char *type, const char *text)
{
	tb_printf(tb, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void render_vips(struct edgelbd *d, struct textbuf *tb)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
	    {"edgelb_vip_packets_total", "counter", "Packets forwarded for the VIP."},
	    {"edgelb_vip_bytes_total", "counter", "Bytes forwarded for the VIP."},
	    {"edgelb_vip_new_flows_total", "counter", "New flows hashed onto the ring."},
	    {"edgelb_vip_no_backend_drops_total", "counter", "Packets dropped: empty ring."},
	    {"edgelb_vip_healthy", "gauge", "1 when attached and >= min_healthy backends in ring."},
	    {"edgelb_vip_backends_in_ring", "gauge", "Backends in the installed Maglev ring."},
	    {"edgelb_vip_table_generation", "gauge", "Generation of the VIP's tables."},
	};
	size_t n = d->n_vips;
	struct lb_vip_stats *st = calloc(n + 1, sizeof(*st));
	struct lbt *t = edgelbd_tables(d);

	if (!st)
		return;
	for (size_t i = 0; i < n && t; i++)
		t->ops->read_vip_stats(t, d->vips[i]->vip_id, &st[i]);
	for (size_t s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		help(tb, series[s].name, series[s].type, series[s].help);
		for (size_t i = 0; i < n; i++) {
			const struct ed_vip *v = d->vips[i];
			unsigned long long val[] = {st[i].packets,    st[i].bytes, st[i].new_flows,
						    st[i].no_backend, v->healthy,  v->n_eligible,
						    v->generation};

			tb_printf(tb, "%s{vip=\"%s\"} %llu\n", series[s].name, v->cfg.name, val[s]);
		}
	}
	free(st);
}

static void render_backends(struct edgelbd *d, struct textbuf *tb)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
	    {"edgelb_backend_packets_total", "counter", "Packets sent to the backend."},
	    {"edgelb_backend_bytes_total", "counter", "Bytes sent to the backend."},
	    {"edgelb_backend_new_flows_total", "counter", "New flows assigned to the backend."},
	    {"edgelb_backend_health_up", "gauge", "1 when the health checks say up."},
	    {"edgelb_backend_in_ring", "gauge", "1 when the backend is in its VIP's ring."},
	    {"edgelb_backend_weight", "gauge", "Configured weight."},
	    {"edgelb_backend_health_checks_total", "counter", "Completed health checks."},
	    {"edgelb_backend_health_check_failures_total", "counter", "Failed health checks."},
	    {"edgelb_backend_health_transitions_total", "counter", "Health state changes."},
	};
	static const char *const states[] = {"down", "up", "draining"};
	struct lbt *t = edgelbd_tables(d);

	for (size_t s = 0; s < sizeof(series) / sizeof(series[0]); s++) {
		help(tb, series[s].name, series[s].type, series[s].help);
		for (size_t i = 0; i < d->n_vips; i++)
			for (size_t j = 0; j < d->vips[i]->n_backends; j++) {
				const struct ed_backend *b = d->vips[i]->backends[j];
				struct lb_backend_stats st = {0};
				struct health_status hs;

				if (t && s < 3)
					t->ops->read_backend_stats(t, b->slot, &st);
				health_get_status(b->health, &hs);
				unsigned long long val[] = {
				    st.packets,   st.bytes,    st.new_flows,
				    b->health_up, b->in_ring,  b->cfg.weight,
				    hs.checks,    hs.failures, b->transitions};

				tb_printf(tb, "%s{vip=\"%s\",backend=\"%s\"} %llu\n",
					  series[s].name, b->vip->cfg.name, b->cfg.name, val[s]);
			}
	}
	help(tb, "edgelb_backend_state", "gauge", "Table state of the backend (one-hot).");
	for (size_t i = 0; i < d->n_vips; i++)
		for (size_t j = 0; j < d->vips[i]->n_backends; j++) {
			const struct ed_backend *b = d->vips[i]->backends[j];

			for (unsigned k = 0; k < 3; k++)
				tb_printf(tb,
					  "edgelb_backend_state{vip=\"%s\",backend=\"%s\","
					  "state=\"%s\"} %d\n",
					  b->vip->cfg.name, b->cfg.name, states[k],
					  b->row.state == k);
		}
}

static void render_global(struct edgelbd *d, struct textbuf *tb)
{
	struct lb_global_stats g = {0};
	struct lbt *t = edgelbd_tables(d);

	if (t)
		t->ops->read_global(t, &g);
#define COUNTER(name, field, text)                                                                 \
	help(tb, name, "counter", text);                                                           \
	tb_printf(tb, "%s %llu\n", name, (unsigned long long)g.field);
	COUNTER("edgelb_rx_packets_total", rx_packets, "Packets the fast path looked at.");
	COUNTER("edgelb_pass_non_vip_total", pass_non_vip, "Non-VIP packets passed to the kernel.");
	COUNTER("edgelb_pass_other_total", pass_other, "VIP address, no VIP port: passed.");
	COUNTER("edgelb_tx_total", tx, "Packets sent back out the receiving port.");
	COUNTER("edgelb_redirect_total", redirect, "Packets redirected to another port.");
	COUNTER("edgelb_conn_hits_total", conn_hit, "Connection table hits.");
	COUNTER("edgelb_conn_misses_total", conn_miss, "Connection table misses (new flows).");
	COUNTER("edgelb_conn_stale_total", conn_stale, "Stale entries re-hashed (failover).");
	COUNTER("edgelb_conn_insert_failed_total", conn_insert_failed, "Failed conn inserts.");
	COUNTER("edgelb_icmp_echo_replied_total", icmp_echo_replied, "Echo requests answered.");
	COUNTER("edgelb_icmp_too_big_forwarded_total", icmp_too_big_fwd, "PMTU errors forwarded.");
	COUNTER("edgelb_fragments_total", fragments, "Fragments seen.");
#undef COUNTER
	help(tb, "edgelb_drops_total", "counter", "VIP packets dropped, by reason.");
	for (unsigned r = 0; r < LB_DROP_MAX; r++)
		tb_printf(tb, "edgelb_drops_total{reason=\"%s\"} %llu\n", ed_drop_reason_name(r),
			  (unsigned long long)g.drops[r]);
	help(tb, "edgelb_pass_malformed_total", "counter", "Malformed non-VIP packets passed.");
	for (unsigned r = 0; r < LB_DROP_MAX; r++)
		tb_printf(tb, "edgelb_pass_malformed_total{reason=\"%s\"} %llu\n",
			  ed_drop_reason_name(r), (unsigned long long)g.pass_malformed[r]);
}

void metrics_render(struct edgelbd *d, struct ed_announce *bgp, struct textbuf *tb)
{
	help(tb, "edgelb_fastpath_attached", "gauge",
	     "1 while the XDP program is attached (DPDK: table file open, edgelb-dp alive).");
	tb_printf(tb, "edgelb_fastpath_attached{node=\"%s\"} %d\n", d->cfg->node.name, d->attached);
	fastpath_render_metrics(d->fp, tb);
	help(tb, "edgelb_conn_table_capacity", "gauge", "Entries of the connection table.");
	tb_printf(tb, "edgelb_conn_table_capacity %u\n", d->cfg->node.conn_table_size);
	help(tb, "edgelb_ring_updates_total", "counter", "Maglev rings installed.");
	tb_printf(tb, "edgelb_ring_updates_total %llu\n",
		  (unsigned long long)d->counters.ring_updates);
	help(tb, "edgelb_ring_update_errors_total", "counter", "Failed ring installs.");
	tb_printf(tb, "edgelb_ring_update_errors_total %llu\n",
		  (unsigned long long)d->counters.ring_update_errors);
	help(tb, "edgelb_last_ring_update_seconds", "gauge", "Verdict to ring installed, last.");
	tb_printf(tb, "edgelb_last_ring_update_seconds %.9f\n",
		  d->counters.last_ring_update_ns / 1e9);
	help(tb, "edgelb_config_reloads_total", "counter", "Reloads by result.");
	tb_printf(tb, "edgelb_config_reloads_total{result=\"ok\"} %llu\n",
		  (unsigned long long)d->counters.reloads_ok);
	tb_printf(tb, "edgelb_config_reloads_total{result=\"failed\"} %llu\n",
		  (unsigned long long)d->counters.reloads_failed);
	if (bgp) {
		announce_metrics(bgp, tb);
	} else {
		help(tb, "edgelb_bgp_session_up", "gauge",
		     "1 while Established (BGP not configured).");
		tb_printf(tb, "edgelb_bgp_session_up{peer=\"none\"} 0\n");
	}
	render_vips(d, tb);
	render_backends(d, tb);
	render_global(d, tb);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct metrics_server *m = cls;
	struct textbuf tb = {0};
	struct MHD_Response *resp;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;

	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		tb_printf(&tb, "method not allowed\n");
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(url, "/metrics")) {
		tb_printf(&tb, "not found; try /metrics\n");
		status = MHD_HTTP_NOT_FOUND;
	} else {
		metrics_render(m->d, m->bgp, &tb);
	}
	if (tb.oom) {
		tb_free(&tb);
		return MHD_NO;
	}
	resp = MHD_create_response_from_buffer(tb.len, tb.data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		tb_free(&tb);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/plain; version=0.0.4");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_ready(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct metrics_server *m = arg;

	MHD_run(m->mhd);
}

static void on_timer(struct evloop *loop, struct ev_timer *t, void *arg)
{
	struct metrics_server *m = arg;

	MHD_run(m->mhd);
	evloop_timer_arm(loop, t, METRICS_POLL_NS);
}

struct metrics_server *metrics_open(struct edgelbd *d, struct ed_announce *bgp,
				    const struct config_metrics *cfg)
{
	struct metrics_server *m = calloc(1, sizeof(*m));
	struct sockaddr_storage ss = {0};
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;

	if (!m)
		return NULL;
	m->d = d;
	m->bgp = bgp;
	if (cfg->address.family == LB_AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(cfg->port);
		memcpy(&s6->sin6_addr, cfg->address.addr.b, 16);
		flags |= MHD_USE_IPv6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(cfg->port);
		memcpy(&s4->sin_addr, cfg->address.addr.b, 4);
	}
	m->mhd = MHD_start_daemon(flags, cfg->port, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
				  (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)10, MHD_OPTION_END);
	if (!m->mhd) {
		ed_log(ED_LOG_ERROR, "metrics on %s: cannot listen (%s)", cfg->listen,
		       strerror(errno));
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	m->epoll_fd = info ? info->epoll_fd : -1;
	if (m->epoll_fd < 0 || evloop_add_fd(d->loop, m->epoll_fd, EPOLLIN, on_ready, m)) {
		ed_log(ED_LOG_ERROR, "metrics: cannot put MHD on the event loop");
		MHD_stop_daemon(m->mhd);
		free(m);
		return NULL;
	}
	ev_timer_init(&m->timer, on_timer, m);
	evloop_timer_arm(d->loop, &m->timer, METRICS_POLL_NS);
	ed_log(ED_LOG_INFO, "metrics on http://%s/metrics", cfg->listen);
	return m;
}

void metrics_close(struct metrics_server *m)
{
	if (!m)
		return;
	evloop_timer_cancel(m->d->loop, &m->timer);
	evloop_del_fd(m->d->loop, m->epoll_fd);
	MHD_stop_daemon(m->mhd);
	free(m);
}
