// SPDX-License-Identifier: MIT
/*
 * api.c - the unix-socket API (see api.h): non-blocking accept, read one request line, render
 * the answer from the daemon's state (readable table or JSON), write it out, close.
 */
#include "control/api/api.h"

#include "control/daemon/announce.h"
#include "control/lib/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct api_server {
	struct edgelbd *d;
	struct ed_announce *bgp;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

struct api_conn {
	struct api_server *api;
	int fd;
	char in[API_REQUEST_MAX];
	size_t in_len;
	struct textbuf out;
	size_t out_pos;
};

struct request {
	bool json;
	char cmd[32];
	char arg[CONFIG_NAME_MAX];
};

/* ---- rendering ---- */

static void mac_text(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
}

/* Most recent check last: '+' success, '-' failure. */
static void history_text(const struct health_status *st, char *buf, size_t size)
{
	size_t n = st->history_len < 16 ? st->history_len : 16, k = 0;

	for (size_t i = n; i-- > 0 && k + 1 < size;)
		buf[k++] = (st->history >> i) & 1 ? '+' : '-';
	buf[k] = '\0';
}

static const char *health_text(const struct ed_backend *b, const struct health_status *st)
{
	if (b->provisional)
		return "adopted";
	if (!st->up && !st->checks)
		return "unknown";
	return b->health_up ? "up" : "down";
}

static void count_states(const struct edgelbd *d, unsigned counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (size_t i = 0; i < d->n_vips; i++)
		for (size_t j = 0; j < d->vips[i]->n_backends; j++)
			counts[d->vips[i]->backends[j]->row.state % 3]++;
}

static void render_status(struct edgelbd *d, struct ed_announce *bgp, bool json, struct textbuf *tb)
{
	uint64_t uptime = (evloop_now_ns() - d->started_ns) / 1000000000ull;
	const struct fastpath *fp = d->fp;
	size_t n_ifs = fp ? fp->n_ifs : 0;
	unsigned counts[3];

	count_states(d, counts);
	if (json) {
		tb_printf(tb, "{\"node\":");
		tb_json_str(tb, d->cfg->node.name);
		tb_printf(tb, ",\"config\":");
		tb_json_str(tb, d->config_path);
		tb_printf(tb, ",\"uptime_sec\":%llu,\"attached\":%s,\"adopted_tables\":%s,",
			  (unsigned long long)uptime, d->attached ? "true" : "false",
			  fp && fp->adopted ? "true" : "false");
		fastpath_render_status(fp, &d->cfg->node, d->attached, true, tb);
		tb_printf(tb, "\"interfaces\":[");
		for (size_t i = 0; i < n_ifs; i++) {
			tb_printf(tb, "%s{\"name\":", i ? "," : "");
			tb_json_str(tb, fp->ifs[i].name);
			tb_printf(tb, ",\"ifindex\":%d,\"adopted\":%s}", fp->ifs[i].ifindex,
				  fp->ifs[i].adopted ? "true" : "false");
		}
		tb_printf(tb,
			  "],\"vips\":%zu,\"backends\":{\"up\":%u,\"draining\":%u,\"down\":%u},"
			  "\"reloads_ok\":%llu,\"reloads_failed\":%llu,\"ring_updates\":%llu,"
			  "\"last_ring_update_us\":%.1f,\"bgp\":",
			  d->n_vips, counts[LB_BACKEND_UP], counts[LB_BACKEND_DRAINING],
			  counts[LB_BACKEND_DOWN], (unsigned long long)d->counters.reloads_ok,
			  (unsigned long long)d->counters.reloads_failed,
			  (unsigned long long)d->counters.ring_updates,
			  d->counters.last_ring_update_ns / 1000.0);
		if (bgp)
			announce_summary(bgp, true, tb);
		else
			tb_printf(tb, "\"not configured\"");
		tb_printf(tb, "}\n");
		return;
	}
	tb_printf(tb, "node        %s\nconfig      %s\nuptime      %llus\n", d->cfg->node.name,
		  d->config_path, (unsigned long long)uptime);
	fastpath_render_status(fp, &d->cfg->node, d->attached, false, tb);
	for (size_t i = 0; i < n_ifs; i++)
		tb_printf(tb, "interface   %s (ifindex %d, %s)\n", fp->ifs[i].name,
			  fp->ifs[i].ifindex, fp->ifs[i].adopted ? "adopted" : "attached");
	tb_printf(tb, "vips        %zu\nbackends    up %u, draining %u, down %u\n", d->n_vips,
		  counts[LB_BACKEND_UP], counts[LB_BACKEND_DRAINING], counts[LB_BACKEND_DOWN]);
	tb_printf(tb, "reloads     ok %llu, failed %llu\nring        %llu updates, last %.1f us\n",
		  (unsigned long long)d->counters.reloads_ok,
		  (unsigned long long)d->counters.reloads_failed,
		  (unsigned long long)d->counters.ring_updates,
		  d->counters.last_ring_update_ns / 1000.0);
	tb_printf(tb, "bgp         ");
	if (bgp)
		announce_summary(bgp, false, tb);
	else
		tb_printf(tb, "not configured");
	tb_printf(tb, "\n");
}

static void render_vips(struct edgelbd *d, bool json, struct textbuf *tb)
{
	struct lbt *t = edgelbd_tables(d);

	if (json)
		tb_printf(tb, "[");
	else
		tb_printf(tb, "%-20s %-24s %-5s %-5s %-3s %-8s %-7s %-7s %-12s %-14s %-10s %s\n",
			  "VIP", "ADDRESS", "PROTO", "PORT", "ID", "BACKENDS", "IN_RING", "HEALTHY",
			  "PACKETS", "BYTES", "FLOWS", "NO_BACKEND");
	for (size_t i = 0; i < d->n_vips; i++) {
		struct ed_vip *v = d->vips[i];
		struct lb_vip_stats st = {0};

		if (t)
			t->ops->read_vip_stats(t, v->vip_id, &st);
		if (json) {
			tb_printf(tb, "%s{\"name\":", i ? "," : "");
			tb_json_str(tb, v->cfg.name);
			tb_printf(tb, ",\"address\":");
			tb_json_str(tb, v->cfg.address.text);
			tb_printf(
			    tb,
			    ",\"protocol\":\"%s\",\"port\":%u,\"vip_id\":%u,\"generation\":%u,"
			    "\"backends\":%zu,\"in_ring\":%u,\"min_healthy\":%u,\"healthy\":%s,"
			    "\"packets\":%llu,\"bytes\":%llu,\"new_flows\":%llu,"
			    "\"no_backend\":%llu}",
			    v->cfg.protocol == 6 ? "tcp" : "udp", v->cfg.port, v->vip_id,
			    v->generation, v->n_backends, v->n_eligible, v->cfg.min_healthy,
			    v->healthy ? "true" : "false", (unsigned long long)st.packets,
			    (unsigned long long)st.bytes, (unsigned long long)st.new_flows,
			    (unsigned long long)st.no_backend);
		} else {
			tb_printf(tb,
				  "%-20s %-24s %-5s %-5u %-3u %-8zu %-7u %-7s %-12llu %-14llu "
				  "%-10llu %llu\n",
				  v->cfg.name, v->cfg.address.text,
				  v->cfg.protocol == 6 ? "tcp" : "udp", v->cfg.port, v->vip_id,
				  v->n_backends, v->n_eligible, v->healthy ? "yes" : "no",
				  (unsigned long long)st.packets, (unsigned long long)st.bytes,
				  (unsigned long long)st.new_flows,
				  (unsigned long long)st.no_backend);
		}
	}
	if (json)
		tb_printf(tb, "]\n");
}

static void render_backend(struct edgelbd *d, const struct ed_backend *b, bool json, bool first,
			   struct textbuf *tb)
{
	struct lb_backend_stats st = {0};
	struct lbt *t = edgelbd_tables(d);
	struct health_status hs;
	char mac[24], hist[20];

	if (t)
		t->ops->read_backend_stats(t, b->slot, &st);
	health_get_status(b->health, &hs);
	history_text(&hs, hist, sizeof(hist));
	mac_text(b->mac, mac, sizeof(mac));
	if (!json) {
		tb_printf(tb,
			  "%-16s %-16s %-24s %-6u %-6s %-8s %-9s %-5u %-4u %-17s %-16s %-10llu "
			  "%-12llu %-8llu %s\n",
			  b->cfg.name, b->vip->cfg.name, b->cfg.address.text, b->cfg.weight,
			  config_backend_state_name(b->admin), health_text(b, &hs),
			  ed_table_state_name(b->row.state), b->slot, b->generation,
			  b->mac_known ? mac : "-", hist[0] ? hist : "-",
			  (unsigned long long)st.packets, (unsigned long long)st.bytes,
			  (unsigned long long)st.new_flows,
			  b->last_reason[0] ? b->last_reason : "-");
		return;
	}
	tb_printf(tb, "%s{\"name\":", first ? "" : ",");
	tb_json_str(tb, b->cfg.name);
	tb_printf(tb, ",\"vip\":");
	tb_json_str(tb, b->vip->cfg.name);
	tb_printf(tb, ",\"address\":");
	tb_json_str(tb, b->cfg.address.text);
	tb_printf(
	    tb,
	    ",\"weight\":%u,\"admin\":\"%s\",\"health\":\"%s\",\"state\":\"%s\",\"in_ring\":%s,"
	    "\"slot\":%u,\"generation\":%u,\"mac\":",
	    b->cfg.weight, config_backend_state_name(b->admin), health_text(b, &hs),
	    ed_table_state_name(b->row.state), b->in_ring ? "true" : "false", b->slot,
	    b->generation);
	if (b->mac_known)
		tb_json_str(tb, mac);
	else
		tb_printf(tb, "null");
	tb_printf(tb,
		  ",\"health_history\":\"%s\",\"checks\":%llu,\"check_failures\":%llu,"
		  "\"last_latency_us\":%u,\"last_failure\":",
		  hist, (unsigned long long)hs.checks, (unsigned long long)hs.failures,
		  hs.last_latency_us);
	tb_json_str(tb, hs.last_failure);
	tb_printf(tb, ",\"transitions\":%llu,\"last_reason\":", (unsigned long long)b->transitions);
	tb_json_str(tb, b->last_reason);
	tb_printf(tb, ",\"packets\":%llu,\"bytes\":%llu,\"new_flows\":%llu}",
		  (unsigned long long)st.packets, (unsigned long long)st.bytes,
		  (unsigned long long)st.new_flows);
}

static int render_backends(struct edgelbd *d, const char *vip, bool json, struct textbuf *tb,
			   char *err, size_t errlen)
{
	bool first = true;

	if (vip[0] && !edgelbd_find_vip(d, vip)) {
		snprintf(err, errlen, "no VIP named '%s'", vip);
		return -ENOENT;
	}
	if (json)
		tb_printf(tb, "[");
	else
		tb_printf(tb,
			  "%-16s %-16s %-24s %-6s %-6s %-8s %-9s %-5s %-4s %-17s %-16s %-10s "
			  "%-12s %-8s %s\n",
			  "BACKEND", "VIP", "ADDRESS", "WEIGHT", "ADMIN", "HEALTH", "STATE", "SLOT",
			  "GEN", "MAC", "HISTORY", "PACKETS", "BYTES", "FLOWS", "LAST_REASON");
	for (size_t i = 0; i < d->n_vips; i++) {
		if (vip[0] && strcmp(d->vips[i]->cfg.name, vip))
			continue;
		for (size_t j = 0; j < d->vips[i]->n_backends; j++) {
			render_backend(d, d->vips[i]->backends[j], json, first, tb);
			first = false;
		}
	}
	if (json)
		tb_printf(tb, "]\n");
	return 0;
}

#define GLOBAL_FIELDS(X)                                                                           \
	X(rx_packets)                                                                              \
	X(pass_non_vip)                                                                            \
	X(pass_other)                                                                              \
	X(tx)                                                                                      \
	X(redirect)                                                                                \
	X(conn_hit)                                                                                \
	X(conn_miss)                                                                               \
	X(conn_stale) X(conn_insert_failed) X(icmp_echo_replied) X(icmp_too_big_fwd) X(fragments)

static void render_stats(struct edgelbd *d, bool json, struct textbuf *tb)
{
	struct lb_global_stats g = {0};
	struct lbt *t = edgelbd_tables(d);
	bool first = true;

	if (t)
		t->ops->read_global(t, &g);
	tb_printf(tb, json ? "{" : "");
#define EMIT(f)                                                                                    \
	tb_printf(tb, json ? "%s\"%s\":%llu" : "%s%-22s %llu\n", json && !first ? "," : "", #f,    \
		  (unsigned long long)g.f);                                                        \
	first = false;
	GLOBAL_FIELDS(EMIT)
#undef EMIT
	tb_printf(tb, json ? ",\"drops\":{" : "drops by reason:\n");
	for (unsigned r = 0; r < LB_DROP_MAX; r++)
		tb_printf(tb, json ? "%s\"%s\":%llu" : "  %s%-20s %llu\n", json && r ? "," : "",
			  ed_drop_reason_name(r), (unsigned long long)g.drops[r]);
	tb_printf(tb, json ? "},\"pass_malformed\":{" : "passed malformed (not VIP traffic):\n");
	for (unsigned r = 0; r < LB_DROP_MAX; r++)
		tb_printf(tb, json ? "%s\"%s\":%llu" : "  %s%-20s %llu\n", json && r ? "," : "",
			  ed_drop_reason_name(r), (unsigned long long)g.pass_malformed[r]);
	tb_printf(tb, json ? "}" : "");
	fastpath_render_stats(d->fp, json, tb);
	tb_printf(tb, json ? "}\n" : "");
}

/* ---- dispatch ---- */

static int parse_request(const char *line, struct request *req, char *err, size_t errlen)
{
	char fmt[8] = "", extra[8] = "";
	int n;

	memset(req, 0, sizeof(*req));
	n = sscanf(line, "%7s %31s %63s %7s", fmt, req->cmd, req->arg, extra);
	if (n < 2 || n > 3 || (strcmp(fmt, "text") && strcmp(fmt, "json"))) {
		snprintf(err, errlen, "malformed request (want \"text|json COMMAND [ARG]\")");
		return -EINVAL;
	}
	req->json = !strcmp(fmt, "json");
	return 0;
}

static int need_arg(const struct request *req, const char *what, char *err, size_t errlen)
{
	if (req->arg[0])
		return 0;
	snprintf(err, errlen, "%s needs %s", req->cmd, what);
	return -EINVAL;
}

static int run_admin(struct edgelbd *d, const struct request *req, enum config_backend_state state,
		     struct textbuf *body, char *err, size_t errlen)
{
	int rc = need_arg(req, "a backend name", err, errlen);

	if (rc)
		return rc;
	rc = edgelbd_set_admin(d, req->arg, state);
	if (rc) {
		snprintf(err, errlen, "no backend named '%s'", req->arg);
		return rc;
	}
	if (req->json)
		tb_printf(body, "{\"backend\":\"%s\",\"admin\":\"%s\"}\n", req->arg,
			  config_backend_state_name(state));
	else
		tb_printf(body, "backend %s: %s\n", req->arg, config_backend_state_name(state));
	return 0;
}

static int run_bgp(struct ed_announce *bgp, const struct request *req, struct textbuf *body,
		   char *err, size_t errlen)
{
	bool drain = !strcmp(req->cmd, "drain-node");
	int rc;

	if (!bgp) {
		snprintf(err, errlen, "BGP not configured");
		return -ENOTSUP;
	}
	if (!strcmp(req->cmd, "bgp")) {
		announce_render(bgp, req->json, body);
		return 0;
	}
	rc = drain ? announce_drain_node(bgp, false) : announce_undrain_node(bgp);
	if (rc == -EALREADY) {
		snprintf(err, errlen, "node is already %s",
			 announce_node_state_name(announce_node_state(bgp)));
		return rc;
	}
	if (req->json)
		tb_printf(body, "{\"node_state\":\"%s\"}\n",
			  announce_node_state_name(announce_node_state(bgp)));
	else
		tb_printf(body, "node %s%s\n", announce_node_state_name(announce_node_state(bgp)),
			  drain ? ": routes carry GRACEFUL_SHUTDOWN, withdrawn after drain_wait_sec"
				: ": routes follow VIP health again");
	return 0;
}

static int run_request(struct edgelbd *d, struct ed_announce *bgp, const struct request *req,
		       struct textbuf *body, char *err, size_t errlen)
{
	const char *c = req->cmd;

	if (!strcmp(c, "status"))
		render_status(d, bgp, req->json, body);
	else if (!strcmp(c, "vips"))
		render_vips(d, req->json, body);
	else if (!strcmp(c, "backends"))
		return render_backends(d, req->arg, req->json, body, err, errlen);
	else if (!strcmp(c, "stats"))
		render_stats(d, req->json, body);
	else if (!strcmp(c, "drain"))
		return run_admin(d, req, CONFIG_BACKEND_DRAIN, body, err, errlen);
	else if (!strcmp(c, "undrain"))
		return run_admin(d, req, CONFIG_BACKEND_UP, body, err, errlen);
	else if (!strcmp(c, "reload")) {
		int rc = edgelbd_reload(d, err, errlen);

		if (rc)
			return rc;
		tb_printf(body,
			  req->json ? "{\"reloaded\":true,\"vips\":%zu}\n" : "reloaded: %zu VIPs\n",
			  d->n_vips);
	} else if (!strcmp(c, "detach")) {
		d->detach_requested = true;
		d->stop = true;
		evloop_stop(d->loop);
		tb_printf(body, req->json ? "{\"detached\":true}\n"
					  : "detaching the fast path; edgelbd exits\n");
	} else if (!strcmp(c, "bgp") || !strcmp(c, "drain-node") || !strcmp(c, "undrain-node")) {
		return run_bgp(bgp, req, body, err, errlen);
	} else {
		snprintf(err, errlen, "unknown command '%s'", c);
		return -EINVAL;
	}
	return 0;
}

void api_handle(struct edgelbd *d, struct ed_announce *bgp, const char *request,
		struct textbuf *out)
{
	struct textbuf body = {0};
	struct request req;
	char err[512] = "";
	int rc = parse_request(request, &req, err, sizeof(err));

	if (!rc)
		rc = run_request(d, bgp, &req, &body, err, sizeof(err));
	if (rc) {
		for (char *p = err; *p; p++)
			if (*p == '\n')
				*p = ' ';
		tb_printf(out, "error %s\n", err);
	} else if (body.oom) {
		tb_printf(out, "error out of memory\n");
	} else {
		tb_printf(out, "ok\n%.*s", (int)body.len, body.data ? body.data : "");
	}
	tb_free(&body);
}

/* ---- socket plumbing ---- */

static void conn_close(struct api_conn *c)
{
	evloop_del_fd(c->api->d->loop, c->fd);
	close(c->fd);
	tb_free(&c->out);
	free(c);
}

static void conn_write(struct api_conn *c)
{
	while (c->out_pos < c->out.len) {
		ssize_t n =
		    send(c->fd, c->out.data + c->out_pos, c->out.len - c->out_pos, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			break;
		}
		c->out_pos += (size_t)n;
	}
	conn_close(c);
}

static void on_conn(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct api_conn *c = arg;
	char *nl;

	if (c->out.len) {
		conn_write(c);
		return;
	}
	for (;;) {
		ssize_t n = recv(fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, 0);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		nl = strchr(c->in, '\n');
		if (nl || c->in_len == sizeof(c->in) - 1)
			break;
	}
	if (!nl) {
		tb_printf(&c->out, "error request too long\n");
	} else {
		*nl = '\0';
		api_handle(c->api->d, c->api->bgp, c->in, &c->out);
	}
	evloop_mod_fd(loop, fd, EPOLLOUT);
	conn_write(c);
}

static void on_accept(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct api_server *api = arg;

	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct api_conn *c;

		if (cfd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c || evloop_add_fd(loop, cfd, EPOLLIN, on_conn, c)) {
			free(c);
			close(cfd);
			continue;
		}
		c->api = api;
		c->fd = cfd;
	}
}

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

bool api_socket_in_use(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

struct api_server *api_open(struct edgelbd *d, struct ed_announce *bgp, const char *path,
			    uint32_t mode)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct api_server *api = calloc(1, sizeof(*api));

	if (!api)
		return NULL;
	api->d = d;
	api->bgp = bgp;
	snprintf(api->path, sizeof(api->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	api->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (api->fd < 0 || make_parent_dir(path))
		goto fail;
	unlink(path); /* a stale socket of an earlier run */
	if (bind(api->fd, (struct sockaddr *)&sun, sizeof(sun)) || chmod(path, mode) ||
	    listen(api->fd, 16) || evloop_add_fd(d->loop, api->fd, EPOLLIN, on_accept, api))
		goto fail;
	ed_log(ED_LOG_INFO, "API on %s (mode %04o)", path, mode);
	return api;
fail:
	ed_log(ED_LOG_ERROR, "API socket %s: %s", path, strerror(errno));
	if (api->fd >= 0)
		close(api->fd);
	free(api);
	return NULL;
}

void api_close(struct api_server *api)
{
	if (!api)
		return;
	evloop_del_fd(api->d->loop, api->fd);
	close(api->fd);
	unlink(api->path);
	free(api);
}
