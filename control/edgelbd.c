// SPDX-License-Identifier: MIT
/*
 * edgelbd.c - the edgelb control daemon's entry point: options, config check, signals (signalfd
 * on the event loop: SIGHUP reloads, SIGTERM/SIGINT stop, after a BGP drain when BGP is on), then
 * the runtime of daemon.c with its API socket (api.c), metrics endpoint (metrics.c) and BGP
 * (announce.c) on one event loop.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <unistd.h>

#include "control/daemon/announce.h"
#include "control/api/api.h"
#include "control/api/metrics.h"
#include "control/daemon/daemon.h"
#include "control/fastpath/fastpath.h"
#include "control/lib/log.h"
#include "version.h"

#define EXIT_CONFIG 2

struct options {
	const char *config;
	bool check;
	bool foreground;
	bool detach;
};

/* The daemon's runtime and the services around it; main owns them. */
struct edgelbd_main {
	struct edgelbd d;
	struct ed_announce *bgp; /* NULL without a `bgp` section */
	struct api_server *api;
	struct metrics_server *metrics;
	int signal_fd;
	unsigned int stop_signals; /* the first drains BGP first, a second one stops at once */
};

/* The priority prefix of a line on stderr when that is the journal (see ed_log). */
static const char *prio(bool error)
{
	return !ed_log_settings.journal ? "" : error ? "<3>" : "<6>";
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edgelbd -c FILE [--check] [--foreground] [--log-level LEVEL] "
	    "[--syslog] [--detach]\n"
	    "       edgelbd --help | --version\n"
	    "  -c, --config FILE   configuration (libconfig syntax, see config/edgelb.conf)\n"
	    "  --check             validate the configuration and exit (2 if invalid)\n"
	    "  --foreground        do not daemonize (logs stay on stderr)\n"
	    "  --log-level LEVEL   error, warn, info (default) or debug\n"
	    "  --syslog            also log to syslog\n"
	    "  --detach            remove a pinned fast path (XDP) or table file (DPDK) left by "
	    "an earlier edgelbd and exit\n"
	    "  -h, --help          this text\n"
	    "  --version           print \"edgelbd VERSION\" and exit\n"
	    "Under systemd (Type=notify): READY=1 once the fast path is attached with its tables\n"
	    "written, RELOADING=1 then READY=1 around a reload, STOPPING=1 at the stop.\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"log-level", required_argument, NULL, 'l'},
	    {"syslog", no_argument, NULL, 's'},
	    {"detach", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt->config = optarg;
			break;
		case 'k':
			opt->check = true;
			break;
		case 'f':
			opt->foreground = true;
			break;
		case 'l':
			if (ed_log_level_parse(optarg, &ed_log_settings.level)) {
				fprintf(stderr,
					"%sedgelbd: --log-level %s: expected error, warn, "
					"info or debug\n",
					prio(true), optarg);
				return -1;
			}
			break;
		case 's':
			ed_log_settings.syslog = true;
			break;
		case 'd':
			opt->detach = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("edgelbd %s\n", EDGELB_VERSION);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc || !opt->config) {
		fprintf(stderr, "%sedgelbd: %s\n", prio(true),
			optind < argc ? "unexpected argument" : "-c FILE is required");
		usage(stderr);
		return -1;
	}
	return 0;
}

static void on_signal(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct edgelbd_main *m = arg;
	struct signalfd_siginfo si;
	char err[512];

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			ed_log(ED_LOG_INFO, "SIGHUP: reloading %s", m->d.config_path);
			edgelbd_reload(&m->d, err, sizeof(err)); /* logged either way */
			continue;
		}
		edgelbd_notify_stopping(&m->d); /* a BGP drain is part of the stop */
		if (m->bgp && m->stop_signals++ == 0) {
			ed_log(ED_LOG_INFO,
			       "signal %d: draining BGP, then stopping (again: at once)",
			       (int)si.ssi_signo);
			announce_drain_node(m->bgp, true);
		} else {
			ed_log(ED_LOG_INFO, "signal %d: stopping", (int)si.ssi_signo);
			m->d.stop = true;
			evloop_stop(loop);
		}
	}
}

static int setup_signals(struct edgelbd_main *m, struct evloop *loop)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	m->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->signal_fd < 0)
		return -errno;
	return evloop_add_fd(loop, m->signal_fd, EPOLLIN, on_signal, m);
}

static int load_config(const char *path, struct edgelb_config **cfg)
{
	struct config_error err;
	char msg[1024];

	if (!config_load(path, cfg, &err))
		return 0;
	config_format_error(&err, msg, sizeof(msg));
	fprintf(stderr, "%s%s\n", prio(true), msg);
	return -1;
}

static int run(struct edgelbd_main *m, struct edgelb_config *cfg, const char *path)
{
	struct evloop *loop = evloop_new();
	int rc;

	if (!loop) {
		ed_log(ED_LOG_ERROR, "event loop: %s", strerror(errno));
		config_free(cfg);
		return 1;
	}
	rc = setup_signals(m, loop);
	if (rc)
		ed_log(ED_LOG_ERROR, "signals: %s", strerror(-rc));
	/* two daemons writing one fast path's tables would undo each other's work */
	if (!rc && api_socket_in_use(cfg->api.socket)) {
		ed_log(ED_LOG_ERROR, "another edgelbd answers on %s; not starting",
		       cfg->api.socket);
		rc = -EBUSY;
	}
	if (!rc)
		rc = edgelbd_start(&m->d, loop, cfg, path);
	/* nothing runs before the loop does: the speaker only connects once the API is there too */
	if (!rc)
		rc = announce_start(&m->d, &m->bgp);
	if (!rc) {
		m->api = api_open(&m->d, m->bgp, cfg->api.socket, cfg->api.mode);
		if (cfg->metrics.enabled)
			m->metrics = metrics_open(&m->d, m->bgp, &cfg->metrics);
		if (!m->api || (cfg->metrics.enabled && !m->metrics))
			rc = -EIO;
	}
	if (!rc) {
		ed_log(ED_LOG_INFO, "running: node %s, %zu VIPs", cfg->node.name, m->d.n_vips);
		/* the tables are written (edgelbd_start), edgelbctl and BGP are there */
		edgelbd_notify_ready(&m->d);
		evloop_run(loop);
		edgelbd_notify_stopping(&m->d); /* detach, or the end of a drain */
	}
	announce_free(m->bgp); /* Cease to every peer still up */
	m->bgp = NULL;
	api_close(m->api);
	metrics_close(m->metrics);
	if (m->d.cfg)
		edgelbd_shutdown(&m->d, m->d.detach_requested || m->d.cfg->node.detach_on_exit);
	else
		config_free(cfg);
	evloop_free(loop);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	static struct edgelbd_main m; /* large (slot tables): not on the stack */
	struct options opt = {0};
	struct edgelb_config *cfg;

	ed_log_settings.journal = ed_log_stderr_is_journal();
	if (parse_options(argc, argv, &opt))
		return EXIT_CONFIG;
	if (ed_log_settings.syslog)
		openlog("edgelbd", LOG_PID, LOG_DAEMON);
	if (load_config(opt.config, &cfg))
		return EXIT_CONFIG;
	if (opt.check) {
		size_t n = 0;

		for (size_t i = 0; i < cfg->n_vips; i++)
			n += cfg->vips[i].n_backends;
		printf("%s: OK (node %s, %zu VIPs, %zu backends)\n", opt.config, cfg->node.name,
		       cfg->n_vips, n);
		config_free(cfg);
		return 0;
	}
	if (opt.detach) {
		const char *what, *done;
		int rc = fastpath_remove(&cfg->node, &what, &done);

		fprintf(stderr, "%sedgelbd: %s: %s\n", prio(rc), what, rc ? strerror(-rc) : done);
		config_free(cfg);
		return rc ? 1 : 0;
	}
	if (!opt.foreground && daemon(0, 1)) {
		fprintf(stderr, "%sedgelbd: daemon: %s\n", prio(true), strerror(errno));
		config_free(cfg);
		return 1;
	}
	return run(&m, cfg, opt.config);
}
