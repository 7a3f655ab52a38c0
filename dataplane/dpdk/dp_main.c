// SPDX-License-Identifier: MIT
/*
 * dp_main.c - edgelb-dp, the DPDK fast path of edgelb: EAL setup, ports, one burst loop per worker
 * lcore over the shared-memory tables that edgelbd writes (dataplane/core/shm_tables.h),
 * graceful stop.
 *
 *   edgelb-dp [EAL options] -- [--tables PATH] [--port N]... [--exception NIC:PORT]...
 *             [--conn-entries N] [--idle-backoff POLLS[:SLEEP_US]] [--stats SECONDS]
 *             [--wait-tables SECONDS] [--record-cycles]
 *   edgelb-dp --dump-stats [--tables PATH]      per-lcore counters from the table file, no EAL
 *   edgelb-dp --help | --version                 no EAL either
 *
 * Under systemd (Type=notify) it reports READY=1 once its ports are started with the table file
 * open, and STOPPING=1; its own messages carry journal priorities when stderr is the journal.
 *
 * Workers are the EAL worker lcores (-l 0,1: lcore 1 forwards, lcore 0 reports); with a single
 * lcore the main lcore forwards. Worker i uses rx/tx queue i of every port.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dataplane/core/shm_tables.h"
#include "dataplane/dpdk/dp_port.h"
#include "dataplane/dpdk/dp_worker.h"
#include "version.h"

#define DEFAULT_TABLES "/dev/shm/edgelb-tables"

struct dp_options {
	const char *tables;
	struct dp_worker_cfg proto; /* ports, conn entries, idle back-off: copied to every worker */
	unsigned stats_sec;
	unsigned wait_tables_sec;
};

/* Everything the process owns; the signal handler only sets `stop`. */
struct dp_runtime {
	volatile int stop;
	struct dp_options opt;
	struct lb_shm_map shm;
	struct rte_mempool *pool;
	struct dp_worker *workers;
	unsigned nworkers;
};

static struct dp_runtime dp_rt;

/* stderr / stdout is the journal: lines there start with their priority ("<3>", "<6>") */
static bool err_on_journal, out_on_journal;

/* Whether fd is the stream systemd names in $JOURNAL_STREAM ("device:inode", systemd.exec(5)). */
static bool fd_is_journal(int fd)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(fd, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* An error: one line on stderr, "edgelb-dp: ...". */
static void __attribute__((format(printf, 1, 2))) dp_err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%sedgelb-dp: ", err_on_journal ? "<3>" : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	(void)sig;
	dp_rt.stop = 1;
}

static void usage_to(FILE *out)
{
	fprintf(out,
		"usage: edgelb-dp [EAL options] -- [--tables PATH] [--port N]... "
		"[--exception NIC:PORT]...\n"
		"         [--conn-entries N] [--idle-backoff POLLS[:SLEEP_US]] [--stats SECONDS] "
		"[--wait-tables SECONDS] [--record-cycles]\n"
		"       edgelb-dp --dump-stats [--tables PATH]\n"
		"       edgelb-dp --help | --version\n"
		"EAL options are DPDK's: edgelb-dp -l 0 --help lists them.\n");
}

static void usage(void)
{
	usage_to(stderr);
}

/* EAL's own --help (among the EAL options) prints its usage, then this. */
static void eal_usage_hook(const char *prgname)
{
	usage_to(stdout);
}

/* --help or --version: answered (1), else 0. */
static int help_or_version(const char *arg)
{
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
		usage_to(stdout);
		return 1;
	}
	if (!strcmp(arg, "--version")) {
		printf("edgelb-dp %s\n", EDGELB_VERSION);
		return 1;
	}
	return 0;
}

/*
 * --help and --version answer before EAL starts (it would want hugepages and devices): as the
 * first argument, or among the application's options after "--". 1 if one was answered.
 */
static int early_options(int argc, char **argv)
{
	int i = 1;

	if (argc > 1 && help_or_version(argv[1]))
		return 1;
	while (i < argc && strcmp(argv[i], "--"))
		i++;
	for (i++; i < argc; i++)
		if (help_or_version(argv[i]))
			return 1;
	return 0;
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	return (errno || end == s || *end || *out > max || s[0] == '-') ? -1 : 0;
}

static int nic_index(const struct dp_worker_cfg *c, uint16_t port)
{
	for (uint16_t i = 0; i < c->nnics; i++)
		if (c->nic_ports[i] == port)
			return i;
	return -1;
}

static int add_exception(struct dp_worker_cfg *c, const char *arg)
{
	unsigned long nic, exc;
	char buf[32], *colon;
	int i;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		return -1;
	*colon = 0;
	if (parse_uint(buf, DP_MAX_PORTS - 1, &nic) ||
	    parse_uint(colon + 1, DP_MAX_PORTS - 1, &exc))
		return -1;
	i = nic_index(c, (uint16_t)nic);
	if (i < 0) {
		dp_err("--exception %s: port %lu is not a --port", arg, nic);
		return -1;
	}
	c->exc_ports[i] = (uint16_t)exc;
	return 0;
}

static int parse_options(int argc, char **argv, struct dp_options *o)
{
	static const struct option longopts[] = {
	    {"tables", required_argument, NULL, 't'},
	    {"port", required_argument, NULL, 'p'},
	    {"exception", required_argument, NULL, 'x'},
	    {"conn-entries", required_argument, NULL, 'c'},
	    {"idle-backoff", required_argument, NULL, 'i'},
	    {"stats", required_argument, NULL, 's'},
	    {"wait-tables", required_argument, NULL, 'w'},
	    {"record-cycles", no_argument, NULL, 'r'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long v;
	char *colon;
	int ch;

	o->tables = DEFAULT_TABLES;
	o->proto.conn_entries = 1u << 18;
	for (int i = 0; i < DP_MAX_NICS; i++)
		o->proto.exc_ports[i] = DP_NO_PORT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			o->tables = optarg;
			break;
		case 'p':
			if (parse_uint(optarg, DP_MAX_PORTS - 1, &v) ||
			    o->proto.nnics == DP_MAX_NICS)
				goto bad;
			o->proto.nic_ports[o->proto.nnics++] = (uint16_t)v;
			break;
		case 'x':
			if (add_exception(&o->proto, optarg))
				goto bad;
			break;
		case 'c':
			if (parse_uint(optarg, 1ul << 26, &v) || !v)
				goto bad;
			o->proto.conn_entries = (uint32_t)v;
			break;
		case 'i':
			colon = strchr(optarg, ':');
			if (colon)
				*colon = 0;
			if (parse_uint(optarg, 1ul << 30, &v))
				goto bad;
			o->proto.idle_threshold = (uint32_t)v;
			if (colon && parse_uint(colon + 1, 1000000, &v))
				goto bad;
			o->proto.idle_sleep_us = colon ? (uint32_t)v : 0;
			break;
		case 's':
			if (parse_uint(optarg, 3600, &v))
				goto bad;
			o->stats_sec = (unsigned)v;
			break;
		case 'w':
			if (parse_uint(optarg, 3600, &v))
				goto bad;
			o->wait_tables_sec = (unsigned)v;
			break;
		case 'r':
			o->proto.record_cycles = 1;
			break;
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		dp_err("unexpected argument '%s'", argv[optind]);
		usage();
		return -1;
	}
	if (!o->proto.nnics)
		o->proto.nic_ports[o->proto.nnics++] = 0;
	return 0;
bad:
	if (optind > 0 && optind <= argc)
		dp_err("bad option near '%s'", argv[optind - 1]);
	usage();
	return -1;
}

/* ---- per-lcore counters ---- */

static void print_lcore_stats(const struct lb_shm_map *m, FILE *out)
{
	fprintf(out, "%-6s %-7s %-8s %12s %12s %12s %12s %12s %12s %10s %8s %8s\n", "lcore",
		"state", "pid", "rx", "tx", "tx_dropped", "to_kernel", "from_kernel", "conn_miss",
		"evictions", "rx/poll", "cyc/pkt");
	for (uint32_t i = 0; i < LB_SHM_MAX_LCORES; i++) {
		const struct lb_shm_lcore *lc = &m->lcores[i];
		double per_poll = lc->bursts ? (double)lc->rx / (double)lc->bursts : 0.0;
		double cycles =
		    lc->busy_packets ? (double)lc->busy_cycles / (double)lc->busy_packets : 0.0;

		if (!lc->pid && !lc->rx)
			continue;
		fprintf(
		    out,
		    "%-6u %-7s %-8u %12llu %12llu %12llu %12llu %12llu %12llu %10llu %8.2f %8.1f\n",
		    i, lc->state == LB_SHM_LCORE_ONLINE ? "online" : "offline", lc->pid,
		    (unsigned long long)lc->rx, (unsigned long long)lc->tx,
		    (unsigned long long)lc->tx_dropped, (unsigned long long)lc->exception_tx,
		    (unsigned long long)lc->exception_rx, (unsigned long long)lc->gstats.conn_miss,
		    (unsigned long long)lc->conn_evictions, per_poll, cycles);
	}
	fflush(out);
}

static int dump_stats(int argc, char **argv)
{
	const char *path = DEFAULT_TABLES;
	struct lb_shm_map m;
	char err[200];

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--tables") && i + 1 < argc) {
			path = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	if (lb_shm_attach(path, &m, err, sizeof(err))) {
		dp_err("%s", err);
		return 1;
	}
	print_lcore_stats(&m, stdout);
	lb_shm_detach(&m);
	return 0;
}

/* ---- setup ---- */

static int attach_tables(struct dp_runtime *rt)
{
	char err[200];
	unsigned waited = 0;

	for (;;) {
		int rc = lb_shm_attach(rt->opt.tables, &rt->shm, err, sizeof(err));

		if (!rc)
			return 0;
		/* while waiting, a file being created (still empty) is retried like a missing one
		 */
		if (waited >= rt->opt.wait_tables_sec * 10 || rt->stop) {
			dp_err("tables: %s", err);
			return rc;
		}
		usleep(100000);
		waited++;
	}
}

static int start_ports(struct dp_runtime *rt)
{
	const struct dp_worker_cfg *c = &rt->opt.proto;
	unsigned nports = 0;
	int rc = 0;

	for (uint16_t i = 0; i < c->nnics; i++)
		nports += 1 + (c->exc_ports[i] != DP_NO_PORT);
	unsigned nmbufs = nports * rt->nworkers * (DP_RX_DESC + DP_TX_DESC + DP_BURST * 4) + 4096;

	rt->pool = rte_pktmbuf_pool_create("edgelb_mbufs", nmbufs, 256, 0,
					   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!rt->pool) {
		dp_err("mbuf pool of %u: %s", nmbufs, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	for (uint16_t i = 0; i < c->nnics && !rc; i++) {
		if (!rte_eth_dev_is_valid_port(c->nic_ports[i]) ||
		    (c->exc_ports[i] != DP_NO_PORT &&
		     !rte_eth_dev_is_valid_port(c->exc_ports[i]))) {
			dp_err("no such port (%u ports present)", rte_eth_dev_count_avail());
			return -ENODEV;
		}
		rc = dp_port_start(c->nic_ports[i], (uint16_t)rt->nworkers, rt->pool);
		if (!rc && c->exc_ports[i] != DP_NO_PORT)
			rc = dp_port_start(c->exc_ports[i], (uint16_t)rt->nworkers, rt->pool);
	}
	return rc;
}

static int setup_workers(struct dp_runtime *rt)
{
	unsigned lcore, i = 0;
	int rc;

	rt->nworkers = rte_lcore_count() > 1 ? rte_lcore_count() - 1 : 1;
	rt->workers = calloc(rt->nworkers, sizeof(*rt->workers));
	if (!rt->workers)
		return -ENOMEM;
	RTE_LCORE_FOREACH(lcore)
	{
		struct dp_worker_cfg cfg = rt->opt.proto;

		if (rte_lcore_count() > 1 && lcore == rte_get_main_lcore())
			continue;
		if (lcore >= LB_SHM_MAX_LCORES) {
			dp_err("lcore %u >= %u", lcore, LB_SHM_MAX_LCORES);
			return -EINVAL;
		}
		const struct lb_shm_lcore *slot = &rt->shm.lcores[lcore];

		if (slot->state == LB_SHM_LCORE_ONLINE && slot->pid &&
		    slot->pid != (uint32_t)getpid() && kill((pid_t)slot->pid, 0) == 0) {
			dp_err("lcore slot %u is used by running pid %u", lcore, slot->pid);
			return -EBUSY;
		}
		cfg.lcore_id = lcore;
		cfg.queue = (uint16_t)i;
		rc = dp_worker_init(&rt->workers[i], &cfg, &rt->shm);
		if (rc) {
			dp_err("worker on lcore %u: %s", lcore, strerror(-rc));
			return rc;
		}
		i++;
	}
	return 0;
}

static int worker_main(void *arg)
{
	dp_worker_loop(arg, &dp_rt.stop);
	return 0;
}

static void run(struct dp_runtime *rt)
{
	unsigned elapsed_ms = 0;

	if (rte_lcore_count() == 1) {
		worker_main(&rt->workers[0]);
		return;
	}
	for (unsigned i = 0; i < rt->nworkers; i++)
		rte_eal_remote_launch(worker_main, &rt->workers[i], rt->workers[i].cfg.lcore_id);
	while (!rt->stop) {
		usleep(100000);
		elapsed_ms += 100;
		if (rt->opt.stats_sec && elapsed_ms >= rt->opt.stats_sec * 1000) {
			print_lcore_stats(&rt->shm, stdout);
			elapsed_ms = 0;
		}
	}
	rte_eal_mp_wait_lcore();
}

static void teardown(struct dp_runtime *rt)
{
	const struct dp_worker_cfg *c = &rt->opt.proto;

	for (uint16_t i = 0; i < c->nnics; i++) {
		if (rte_eth_dev_is_valid_port(c->nic_ports[i]))
			dp_port_stop(c->nic_ports[i]);
		if (c->exc_ports[i] != DP_NO_PORT && rte_eth_dev_is_valid_port(c->exc_ports[i]))
			dp_port_stop(c->exc_ports[i]);
	}
	for (unsigned i = 0; rt->workers && i < rt->nworkers; i++)
		dp_worker_fini(&rt->workers[i]);
	free(rt->workers);
	if (rt->shm.base)
		lb_shm_detach(&rt->shm);
}

int main(int argc, char **argv)
{
	struct dp_runtime *rt = &dp_rt;
	int n, rc;

	err_on_journal = fd_is_journal(2);
	out_on_journal = fd_is_journal(1);
	if (early_options(argc, argv))
		return 0;
	if (argc > 1 && !strcmp(argv[1], "--dump-stats"))
		return dump_stats(argc, argv);
	rte_set_application_usage_hook(eal_usage_hook);
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		dp_err("EAL init failed: %s", rte_strerror(rte_errno));
		return 1;
	}
	argv[n] = argv[0];
	if (parse_options(argc - n, argv + n, &rt->opt)) {
		rte_eal_cleanup();
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rt->shm.fd = -1;
	rc = attach_tables(rt);
	if (!rc)
		rc = setup_workers(rt);
	if (!rc)
		rc = start_ports(rt);
	if (!rc) {
		printf("%sedgelb-dp: forwarding with %u worker(s), tables %s\n",
		       out_on_journal ? "<6>" : "", rt->nworkers, rt->opt.tables);
		fflush(stdout);
		sd_notifyf(0, "READY=1\nSTATUS=forwarding with %u worker(s), tables %s",
			   rt->nworkers, rt->opt.tables);
		run(rt);
		sd_notify(0, "STOPPING=1");
		print_lcore_stats(&rt->shm, stdout);
	}
	teardown(rt);
	rte_eal_cleanup();
	return rc ? 1 : 0;
}
