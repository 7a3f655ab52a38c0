// SPDX-License-Identifier: MIT
/* dp_testenv.c - edgelb-dp's worker on net_ring ports over a test table file (dp_testenv.h). */
#include "tests/dpdk/dp_testenv.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dpdk/dp_port.h"

/* lcore 0 on the first CPU this process may run on (tests may run under taskset) */
static void lcore_map(char *buf, size_t len)
{
	cpu_set_t set;
	int cpu = 0;

	if (!sched_getaffinity(0, sizeof(set), &set))
		while (cpu < CPU_SETSIZE - 1 && !CPU_ISSET(cpu, &set))
			cpu++;
	snprintf(buf, len, "0@%d", cpu);
}

static int eal_up(const char *tag)
{
	static int done;
	char prefix[64], lcores[32];
	char *argv[] = {"edgelb-dp-test", "--lcores",    lcores,
			"--no-huge",      "-m",          "256",
			"--no-pci",       "--no-shconf", "--no-telemetry",
			"--file-prefix",  prefix,        "--log-level",
			"*:error",        NULL};

	if (done)
		return 0;
	snprintf(prefix, sizeof(prefix), "elb-%s-%d", tag, (int)getpid());
	lcore_map(lcores, sizeof(lcores));
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		return -EIO;
	}
	done = 1;
	return 0;
}

static int ring_port(struct dp_testenv *e, int i, const char *tag)
{
	char name[64];
	int port;

	snprintf(name, sizeof(name), "%s_rx%d", tag, i);
	e->rx[i] = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "%s_tx%d", tag, i);
	e->tx[i] = rte_ring_create(name, 256, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!e->rx[i] || !e->tx[i])
		return -ENOMEM;
	snprintf(name, sizeof(name), "net_ring_%s%d", tag, i);
	port = rte_eth_from_rings(name, &e->rx[i], 1, &e->tx[i], 1, 0);
	if (port < 0)
		return -EIO;
	e->port[i] = (uint16_t)port;
	if (dp_port_start(e->port[i], 1, e->pool))
		return -EIO;
	e->started[i] = 1;
	return 0;
}

int dp_testenv_init(struct dp_testenv *e, const char *tag, uint32_t ring_cap, uint32_t conn_entries)
{
	struct dp_worker_cfg cfg = {0};
	char pool_name[64], err[200];
	int rc;

	memset(e, 0, sizeof(*e));
	e->shm.fd = -1;
	rc = eal_up(tag);
	if (rc)
		return rc;
	snprintf(e->shm_path, sizeof(e->shm_path), "/dev/shm/elb-%s-%d", tag, (int)getpid());
	unlink(e->shm_path);
	e->tables = lbt_shm_new(e->shm_path, ring_cap);
	if (!e->tables)
		return -EIO;
	if (lb_shm_attach(e->shm_path, &e->shm, err, sizeof(err))) {
		fprintf(stderr, "attach: %s\n", err);
		return -EIO;
	}
	snprintf(pool_name, sizeof(pool_name), "%s_pool", tag);
	e->pool = rte_pktmbuf_pool_create(pool_name, 8191, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	if (!e->pool)
		return -ENOMEM;
	for (int i = 0; i < DPT_NPORTS; i++) {
		rc = ring_port(e, i, tag);
		if (rc)
			return rc;
	}
	cfg.nic_ports[0] = e->port[DPT_NIC];
	cfg.exc_ports[0] = e->port[DPT_EXC];
	cfg.nic_ports[1] = e->port[DPT_NIC2];
	cfg.exc_ports[1] = DP_NO_PORT;
	cfg.nnics = 2;
	cfg.lcore_id = rte_lcore_id();
	cfg.conn_entries = conn_entries;
	rc = dp_worker_init(&e->worker, &cfg, &e->shm);
	if (rc)
		return rc;
	e->worker_ready = 1;
	e->worker.tsc_per_tick = 0; /* the clock stands still, as in the other runners' tests */
	e->worker.now_tick = 0;
	return 0;
}

void dp_testenv_fini(struct dp_testenv *e)
{
	char runtime_dir[256];

	if (e->worker_ready)
		dp_worker_fini(&e->worker);
	for (int i = 0; i < DPT_NPORTS; i++)
		if (e->started[i])
			dp_port_stop(e->port[i]);
	if (e->shm.base)
		lb_shm_detach(&e->shm);
	lbt_shm_free(e->tables);
	unlink(e->shm_path);
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	rmdir(runtime_dir); /* EAL leaves its (empty, with --no-shconf) per-prefix directory */
}

static struct rte_mbuf *frame_mbuf(struct dp_testenv *e, const void *in, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(e->pool);
	char *d;

	if (!m)
		return NULL;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (!d) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, in, len);
	return m;
}

/*
 * One poll with the worker online around it only: between polls the test writes tables, and an
 * offline worker is one the writer need not wait for (as an idle edgelb-dp worker asleep).
 */
static void poll_once(struct dp_testenv *e)
{
	dp_worker_online(&e->worker);
	dp_worker_poll(&e->worker);
	dp_worker_offline(&e->worker);
}

static size_t take(struct rte_ring *r, unsigned char *out, size_t cap)
{
	struct rte_mbuf *m;
	size_t len;

	if (rte_ring_dequeue(r, (void **)&m))
		return 0;
	len = rte_pktmbuf_data_len(m);
	if (len > cap)
		len = cap;
	memcpy(out, rte_pktmbuf_mtod(m, void *), len);
	rte_pktmbuf_free(m);
	return len ? len : 1;
}

int dp_testenv_run(struct dp_testenv *e, const void *in, size_t len, unsigned char *out,
		   size_t *out_len)
{
	static const int verdict_of[DPT_NPORTS] = {LB_TX, LB_PASS, LB_REDIRECT};
	struct rte_mbuf *m = frame_mbuf(e, in, len);
	int verdict = LB_DROP, outputs = 0;
	size_t cap = *out_len;

	if (!m)
		return -ENOMEM;
	*out_len = 0;
	if (rte_ring_enqueue(e->rx[DPT_NIC], m)) {
		rte_pktmbuf_free(m);
		return -ENOBUFS;
	}
	poll_once(e);
	for (int i = 0; i < DPT_NPORTS; i++) {
		size_t got = take(e->tx[i], out, cap);

		if (got) {
			*out_len = got;
			verdict = verdict_of[i];
			outputs++;
		}
	}
	return outputs > 1 ? -EPROTO : verdict;
}

int dp_testenv_run_burst(struct dp_testenv *e, const unsigned char *const *in, const size_t *len,
			 unsigned n, unsigned char (*out)[256], size_t *out_len)
{
	unsigned got = 0;

	if (n > DP_BURST)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = frame_mbuf(e, in[i], len[i]);

		if (!m || rte_ring_enqueue(e->rx[DPT_NIC], m))
			return -ENOBUFS;
	}
	poll_once(e);
	while (got < n && (out_len[got] = take(e->tx[DPT_NIC], out[got], 256)))
		got++;
	/* anything else the worker emitted is a mismatch the caller sees as got < n */
	for (int i = 0; i < DPT_NPORTS; i++) {
		struct rte_mbuf *m;

		while (!rte_ring_dequeue(e->tx[i], (void **)&m))
			rte_pktmbuf_free(m);
	}
	return (int)got;
}
