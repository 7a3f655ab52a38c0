// SPDX-License-Identifier: MIT
/*
 * dpdk_bench.c - edgelb-dp's benchmark tool, two modes:
 *
 *   dpdk_bench gen [EAL options] -- --vip A.B.C.D --vport N --dst-mac MAC --seconds S [--flows F]
 *                                    [--phase NAME] [--backend-mac MAC]
 *       the load generator: on port 0 (the net_memif server the device under test connects to),
 *       sends TCP packets to the VIP as fast as the port takes them and counts what comes back,
 *       for four phases: established flows (F flows cycled, ACKs: connection-table hits) and new
 *       flows (a fresh source address / port for every packet, SYNs), each with 64- and 512-byte
 *       frames. One line per phase:
 *         "RESULT <phase> rx_pps=.. tx_pps=.. tsc_hz=.. rx_ipip=.. rx=.. rx_l2dsr=.."
 *       rx_ipip counts the frames that came back as IPv4-in-IPv4 to the VIP (edgelb-dp's output;
 *       a MAC-swap device returns none), rx_l2dsr those that came back unchanged above Ethernet
 *       and addressed to --backend-mac (edgelb-dp's output for an L2 DSR VIP), so the script can
 *       check that every frame edgelb-dp returned was really forwarded. Packets are rewritten in a
 * few bytes in place between bursts: the memif server copies on transmit, so the same mbufs
 * (reference count held) go out again and again.
 *       --linger: after the last phase, stop polling, print "LINGER" and keep the port open until
 *       SIGTERM, so that the device under test can leave first (DPDK 22.11's memif PMD can
 *       crash a process that polls while its peer disconnects, client or server).
 *
 *   dpdk_bench reflect [EAL options]
 *       a MAC-swap device under test on port 0 that counts, like edgelb-dp --record-cycles, the
 *       TSC cycles of polls that received packets: the per-packet baseline for the memif runs
 *       (testpmd reports no per-packet cycles over memif)
 *
 *   dpdk_bench reflect-encap [EAL options]
 *       the same, but each frame goes back IPv4-in-IPv4 (20 bytes prepended, MACs swapped, a
 *       fixed outer header with its length and checksum), deciding nothing: the floor of any
 *       device that encapsulates, since the outer header lands in a cache line the frame did
 *       not use (the generator reads it on every frame and the device writes it again)
 *
 *   dpdk_bench single [EAL options]
 *       one core, no second process: edgelb-dp's worker loop (rx burst -> lb_process -> tx burst
 *       over net_ring ports) fed from pre-built mbufs, against a trivial MAC-swap loop over the
 *       same mbufs and ports. Prints BENCH lines in cycles per packet (TSC).
 */
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "control/fastpath/lbtables.h"
#include "control/fastpath/lbtables_shm.h"
#include "dataplane/dpdk/dp_port.h"
#include "dataplane/dpdk/dp_worker.h"

#define BURST 32

enum phase_kind { ESTABLISHED, NEW_FLOWS };

struct phase {
	const char *name;
	enum phase_kind kind;
	uint16_t frame_len; /* without the 4-byte FCS: 60 for a 64-byte frame */
};

static const struct phase phases[] = {
    {"established_64", ESTABLISHED, 60},
    {"new_flow_64", NEW_FLOWS, 60},
    {"established_512", ESTABLISHED, 508},
    {"new_flow_512", NEW_FLOWS, 508},
};

struct gen_options {
	uint32_t vip;   /* network order */
	uint16_t vport; /* host order */
	uint8_t dst_mac[6];
	double seconds;
	uint32_t flows;
	const char *phase;      /* run only this phase (NULL: all) */
	uint8_t backend_mac[6]; /* rx_l2dsr: frames to this MAC (all zero: none counted) */
	int linger;             /* after the phases: port open, idle, until SIGTERM */
};

/* SIGTERM / SIGINT: the reflectors stop polling, a lingering generator closes its port. */
static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---- frames ---- */

static uint16_t ip_csum(const uint8_t *ip)
{
	uint32_t s = 0;

	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* An Ethernet / IPv4 / TCP frame of len bytes to the VIP. */
static void build_frame(uint8_t *f, uint16_t len, const struct gen_options *o)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint16_t ip_len = (uint16_t)(len - 14);

	memset(f, 0, len);
	memcpy(f, o->dst_mac, 6);
	memcpy(f + 6, "\x02\x00\x00\x00\xbe\x01", 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(ip_len >> 8);
	ip[3] = (uint8_t)ip_len;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 16, &o->vip, 4);
	tcp[2] = (uint8_t)(o->vport >> 8);
	tcp[3] = (uint8_t)o->vport;
	tcp[12] = 0x50;
}

/* Flow n: source 10.(n>>24 & 0x3f | 0x40).(n>>16).(n>>8) .. and port from n; SYN or ACK. */
static void set_flow(uint8_t *f, uint32_t n, int syn)
{
	uint8_t *ip = f + 14, *tcp = ip + 20;
	uint32_t src = htonl(0x0a000000u | ((n >> 8) & 0x00ffffffu));
	uint16_t sport = (uint16_t)(1024 + (n & 0xff) * 251);
	uint16_t c;

	memcpy(ip + 12, &src, 4);
	ip[10] = ip[11] = 0;
	c = ip_csum(ip);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	tcp[0] = (uint8_t)(sport >> 8);
	tcp[1] = (uint8_t)sport;
	tcp[13] = syn ? 0x02 : 0x10;
}

/* ---- gen ---- */

static int wait_link(uint16_t port)
{
	struct rte_eth_link link;

	for (int i = 0; i < 200; i++) {
		if (!rte_eth_link_get_nowait(port, &link) && link.link_status)
			return 0;
		rte_delay_ms(50);
	}
	return -ETIMEDOUT;
}

static void drain(uint16_t port)
{
	struct rte_mbuf *rx[BURST];
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 5;

	while (rte_get_tsc_cycles() < end) {
		uint16_t n = rte_eth_rx_burst(port, 0, rx, BURST);

		rte_pktmbuf_free_bulk(rx, n);
	}
}

/* An IPv4-in-IPv4 frame whose inner destination is the VIP: what edgelb-dp sends a backend. */
static int is_ipip_to_vip(const struct rte_mbuf *m, uint32_t vip)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	return rte_pktmbuf_data_len(m) >= 54 && d[12] == 0x08 && d[13] == 0 && d[23] == 4 &&
	       !memcmp(d + 50, &vip, 4);
}

/* The frame as sent, to the backend's MAC: what edgelb-dp sends a backend of an L2 DSR VIP. */
static int is_l2dsr_to_vip(const struct rte_mbuf *m, const struct gen_options *o)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	return rte_pktmbuf_data_len(m) >= 54 && !memcmp(d, o->backend_mac, 6) &&
	       !memcmp(d + 6, o->dst_mac, 6) && d[12] == 0x08 && d[13] == 0 && d[23] == 6 &&
	       !memcmp(d + 30, &o->vip, 4);
}

/* What came back, by kind. */
struct rx_kinds {
	uint64_t ipip, l2dsr;
};

/*
 * Send and receive for `seconds`; returns the packets received (and sent, in *sent; of the
 * received, how many were forwarded IPv4-in-IPv4 or by L2 DSR, in *kinds).
 */
static uint64_t run_phase(uint16_t port, struct rte_mbuf **tmpl, const struct phase *ph,
			  const struct gen_options *o, double seconds, uint32_t *flow_seq,
			  uint64_t *sent, struct rx_kinds *kinds)
{
	static const uint8_t no_mac[6];
	int count_l2dsr = memcmp(o->backend_mac, no_mac, 6) != 0;
	uint64_t end = rte_get_tsc_cycles() + (uint64_t)(seconds * (double)rte_get_tsc_hz());
	uint64_t got = 0, tx = 0, encapsulated = 0, l2dsr = 0;
	struct rte_mbuf *rx[BURST];

	while (rte_get_tsc_cycles() < end && !stop_requested) {
		uint16_t n, i;

		for (i = 0; i < BURST; i++) {
			uint32_t flow =
			    ph->kind == ESTABLISHED ? (*flow_seq)++ % o->flows : (*flow_seq)++;

			set_flow(rte_pktmbuf_mtod(tmpl[i], uint8_t *), flow, ph->kind == NEW_FLOWS);
			rte_mbuf_refcnt_update(tmpl[i], 1); /* the PMD's free leaves it ours */
		}
		n = rte_eth_tx_burst(port, 0, tmpl, BURST);
		for (i = n; i < BURST; i++)
			rte_mbuf_refcnt_update(tmpl[i], -1);
		if (n < BURST)
			*flow_seq -= BURST - n; /* unsent flows go next time */
		tx += n;
		n = rte_eth_rx_burst(port, 0, rx, BURST);
		got += n;
		for (i = 0; i < n; i++) {
			encapsulated += (uint64_t)is_ipip_to_vip(rx[i], o->vip);
			if (count_l2dsr)
				l2dsr += (uint64_t)is_l2dsr_to_vip(rx[i], o);
		}
		rte_pktmbuf_free_bulk(rx, n);
	}
	*sent = tx;
	kinds->ipip = encapsulated;
	kinds->l2dsr = l2dsr;
	return got;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned m[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)m[i];
	return 0;
}

static int parse_gen(int argc, char **argv, struct gen_options *o)
{
	static const struct option opts[] = {
	    {"vip", required_argument, NULL, 'v'},
	    {"vport", required_argument, NULL, 'p'},
	    {"dst-mac", required_argument, NULL, 'm'},
	    {"seconds", required_argument, NULL, 's'},
	    {"flows", required_argument, NULL, 'f'},
	    {"phase", required_argument, NULL, 'P'},
	    {"backend-mac", required_argument, NULL, 'b'},
	    {"linger", no_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct in_addr a;
	int ch;

	o->seconds = 2;
	o->flows = 16384;
	o->vport = 80;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'v':
			if (!inet_pton(AF_INET, optarg, &a))
				return -1;
			o->vip = a.s_addr;
			break;
		case 'p':
			o->vport = (uint16_t)atoi(optarg);
			break;
		case 'm':
			if (parse_mac(optarg, o->dst_mac))
				return -1;
			break;
		case 's':
			o->seconds = atof(optarg);
			break;
		case 'f':
			o->flows = (uint32_t)atoi(optarg);
			break;
		case 'P':
			o->phase = optarg;
			break;
		case 'b':
			if (parse_mac(optarg, o->backend_mac))
				return -1;
			break;
		case 'l':
			o->linger = 1;
			break;
		default:
			return -1;
		}
	}
	return o->vip && o->seconds > 0 && o->flows ? 0 : -1;
}

static int gen_main(int argc, char **argv)
{
	struct gen_options o = {0};
	struct rte_mempool *pool;
	struct rte_mbuf *tmpl[BURST];
	uint32_t flow_seq = 0;

	if (parse_gen(argc, argv, &o)) {
		fprintf(stderr, "dpdk_bench gen: --vip A.B.C.D --dst-mac MAC [--vport N] "
				"[--seconds S] [--flows F] [--phase NAME] [--backend-mac MAC] "
				"[--linger]\n");
		return 2;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	pool = rte_pktmbuf_pool_create("gen_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
	if (!pool || rte_eth_dev_count_avail() < 1 || dp_port_start(0, 1, pool) || wait_link(0)) {
		fprintf(stderr, "dpdk_bench gen: port 0 not up\n");
		return 1;
	}
	for (unsigned p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		const struct phase *ph = &phases[p];
		struct rx_kinds kinds;
		uint64_t sent, got;

		if (o.phase && strcmp(o.phase, ph->name))
			continue;
		if (stop_requested)
			break;
		for (int i = 0; i < BURST; i++) {
			tmpl[i] = rte_pktmbuf_alloc(pool);
			if (!tmpl[i] || !rte_pktmbuf_append(tmpl[i], ph->frame_len))
				return 1;
			build_frame(rte_pktmbuf_mtod(tmpl[i], uint8_t *), ph->frame_len, &o);
		}
		/* warm up: established flows get their entries, caches fill */
		flow_seq = 0;
		run_phase(0, tmpl, ph, &o, 0.5, &flow_seq, &sent, &kinds);
		got = run_phase(0, tmpl, ph, &o, o.seconds, &flow_seq, &sent, &kinds);
		if (stop_requested) { /* cut short: no figure */
			rte_pktmbuf_free_bulk(tmpl, BURST);
			break;
		}
		printf("RESULT %s rx_pps=%.0f tx_pps=%.0f tsc_hz=%llu rx_ipip=%llu rx=%llu "
		       "rx_l2dsr=%llu\n",
		       ph->name, (double)got / o.seconds, (double)sent / o.seconds,
		       (unsigned long long)rte_get_tsc_hz(), (unsigned long long)kinds.ipip,
		       (unsigned long long)got, (unsigned long long)kinds.l2dsr);
		fflush(stdout);
		rte_pktmbuf_free_bulk(tmpl, BURST);
		drain(0);
	}
	if (o.linger) {
		/* no burst calls from here on: the device's disconnect finds the rings idle */
		printf("LINGER\n");
		fflush(stdout);
		while (!stop_requested)
			usleep(10000);
	}
	dp_port_stop(0);
	return 0;
}

/* ---- single core ---- */

#define SINGLE_MBUFS 4096

struct single_env {
	struct rte_mempool *pool;
	struct rte_ring *rx, *tx;
	uint16_t port;
	struct rte_mbuf *m[SINGLE_MBUFS];
	uint8_t frame[SINGLE_MBUFS][64];
};

/*
 * Put every pre-built mbuf back to its original frame and into the port's rx ring. Encapsulation
 * only writes in front of the inner IP header (over the old Ethernet header), so restoring the
 * Ethernet header and the offsets restores the frame without touching the rest (no memcpy of
 * whole frames between rounds that would flush the caches the loop is measured with).
 */
static void refill(struct single_env *e, unsigned n, int whole)
{
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = e->m[i];

		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = m->pkt_len = 60;
		memcpy(rte_pktmbuf_mtod(m, void *), e->frame[i], whole ? 60 : 14);
	}
	rte_ring_enqueue_bulk(e->rx, (void **)e->m, n, NULL);
}

/* Take what the loop transmitted back out of the tx ring (not timed). */
static void collect(struct single_env *e)
{
	void *objs[BURST];
	unsigned n;

	while ((n = rte_ring_dequeue_burst(e->tx, objs, BURST, NULL)))
		;
}

/* The outer header reflect-encap writes: IPv4, protocol 4, 172.31.0.1 -> 10.99.0.2. */
static const uint8_t encap_ip_template[20] = {0x45, 0, 0,   0,  0, 0, 0x40, 0,  64, 4,
					      0,    0, 172, 31, 0, 1, 10,   99, 0,  2};

/* Frame -> IPv4-in-IPv4 back to its sender, deciding nothing (the encapsulation floor). */
static void encap_reflect(struct rte_mbuf *m)
{
	uint8_t *inner = rte_pktmbuf_mtod(m, uint8_t *), macs[12];
	uint8_t *f, *ip;
	uint16_t len, csum;

	memcpy(macs, inner + 6, 6);
	memcpy(macs + 6, inner, 6);
	f = (uint8_t *)rte_pktmbuf_prepend(m, 20);
	if (!f)
		return;
	ip = f + 14;
	memcpy(f, macs, 12);
	f[12] = 0x08;
	f[13] = 0;
	memcpy(ip, encap_ip_template, 20);
	len = (uint16_t)(rte_pktmbuf_data_len(m) - 14);
	ip[2] = (uint8_t)(len >> 8);
	ip[3] = (uint8_t)len;
	csum = ip_csum(ip);
	ip[10] = (uint8_t)(csum >> 8);
	ip[11] = (uint8_t)csum;
}

static uint16_t encap_poll(uint16_t port)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);

	/* as edgelb-dp does: the lines about to be written, for writing, a few frames ahead */
	for (uint16_t i = 0; i < n && i < DP_PREFETCH_AHEAD; i++) {
		dp_prefetch_for_write(dp_frame_line(pkts[i]));
		dp_prefetch_for_write(dp_headroom_line(pkts[i]));
	}
	for (uint16_t i = 0; i < n; i++) {
		if (i + DP_PREFETCH_AHEAD < n) {
			dp_prefetch_for_write(dp_frame_line(pkts[i + DP_PREFETCH_AHEAD]));
			dp_prefetch_for_write(dp_headroom_line(pkts[i + DP_PREFETCH_AHEAD]));
		}
		encap_reflect(pkts[i]);
	}
	return rte_eth_tx_burst(port, 0, pkts, n);
}

static uint16_t macswap_poll(uint16_t port)
{
	struct rte_mbuf *pkts[BURST];
	uint16_t n = rte_eth_rx_burst(port, 0, pkts, BURST);

	for (uint16_t i = 0; i < n; i++) {
		uint8_t *d = rte_pktmbuf_mtod(pkts[i], uint8_t *), t[6];

		memcpy(t, d, 6);
		memcpy(d, d + 6, 6);
		memcpy(d + 6, t, 6);
	}
	return rte_eth_tx_burst(port, 0, pkts, n);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Cycles per packet of one pass over all mbufs through poll(); the median of `rounds` passes, so
 * that a pass in which another tenant of the shared CPU preempted us does not count.
 */
static double measure(struct single_env *e, struct dp_worker *w, int rounds, int whole)
{
	static double per_round[1024];

	if (rounds > 1024)
		rounds = 1024;
	for (int r = 0; r < rounds; r++) {
		uint64_t t0, cycles;
		unsigned left = SINGLE_MBUFS;

		refill(e, SINGLE_MBUFS, whole && r == 0);
		t0 = rte_rdtsc_precise();
		while (left) {
			unsigned n = w ? dp_worker_poll(w) : macswap_poll(e->port);

			left -= n;
			if (!n)
				break;
		}
		cycles = rte_rdtsc_precise() - t0;
		per_round[r] =
		    (double)cycles / (double)(SINGLE_MBUFS - left ? SINGLE_MBUFS - left : 1);
		collect(e);
	}
	qsort(per_round, (size_t)rounds, sizeof(per_round[0]), cmp_double);
	return per_round[rounds / 2];
}

static int write_single_tables(struct lbt *t, uint32_t vip)
{
	struct lb_node_cfg node = {.hash_seed = 0x5eed1234u, .src4_host_mask = 0xff};
	struct lbt_vip v = {0};
	static uint32_t ring[LB_RING_SIZE_DEF];
	int rc;

	node.src4.w[0] = htonl(0xac1f0000u);
	rc = t->ops->set_node(t, &node);
	for (uint32_t id = 0; id < 16 && !rc; id++) {
		struct lb_backend be = {
		    .family = LB_AF_INET, .state = LB_BACKEND_UP, .generation = 1};

		be.addr.w[0] = htonl(0x0a630001u + id);
		rc = t->ops->set_backend(t, id, &be);
	}
	for (uint32_t s = 0; s < LB_RING_SIZE_DEF; s++)
		ring[s] = (s * 7) % 16;
	if (!rc)
		rc = t->ops->set_ring(t, 0, ring, LB_RING_SIZE_DEF);
	v.key.family = LB_AF_INET;
	v.key.addr.w[0] = vip;
	v.key.proto = LB_IPPROTO_TCP;
	v.key.port = htons(80);
	v.meta = (struct lb_vip_meta){.vip_id = 0, .ring_size = LB_RING_SIZE_DEF, .generation = 1};
	return rc ? rc : lbt_install_vips(t, &v, 1);
}

static int single_main(void)
{
	static struct single_env e;
	struct gen_options o = {.vport = 80, .flows = SINGLE_MBUFS};
	struct dp_worker_cfg cfg = {0};
	char path[96], err[160];
	struct lb_shm_map shm;
	struct dp_worker w;
	struct lbt *t;
	double base, est, fresh;
	int rc;

	o.vip = htonl(0xc000020au);
	memcpy(o.dst_mac, "\x02\x00\x00\x00\x00\x01", 6);
	snprintf(path, sizeof(path), "/dev/shm/elb-dpbench-%d", (int)getpid());
	t = lbt_shm_new(path, LB_RING_SIZE_DEF);
	if (!t || write_single_tables(t, o.vip) || lb_shm_attach(path, &shm, err, sizeof(err))) {
		fprintf(stderr, "dpdk_bench single: tables: %s\n", err);
		unlink(path);
		return 1;
	}
	e.pool = rte_pktmbuf_pool_create("single_pool", SINGLE_MBUFS * 2, 0, 0,
					 RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	e.rx = rte_ring_create("single_rx", SINGLE_MBUFS * 2, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	e.tx = rte_ring_create("single_tx", SINGLE_MBUFS * 2, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	rc = e.pool && e.rx && e.tx ? 0 : -ENOMEM;
	if (!rc) {
		rc = rte_eth_from_rings("net_ring_single", &e.rx, 1, &e.tx, 1, 0);
		e.port = (uint16_t)rc;
		rc = rc < 0 ? rc : dp_port_start(e.port, 1, e.pool);
	}
	for (unsigned i = 0; i < SINGLE_MBUFS && !rc; i++) {
		e.m[i] = rte_pktmbuf_alloc(e.pool);
		if (!e.m[i])
			rc = -ENOMEM;
		else
			build_frame(e.frame[i], 60, &o);
	}
	cfg.nic_ports[0] = e.port;
	cfg.exc_ports[0] = DP_NO_PORT;
	cfg.nnics = 1;
	cfg.lcore_id = rte_lcore_id();
	cfg.conn_entries = 1u << 18;
	if (!rc)
		rc = dp_worker_init(&w, &cfg, &shm);
	if (rc) {
		fprintf(stderr, "dpdk_bench single: setup: %s\n", strerror(-rc));
		unlink(path);
		return 1;
	}
	dp_worker_online(&w);
	/* established: the same 4096 flows (ACKs) every round, entries made in the warm-up */
	for (unsigned i = 0; i < SINGLE_MBUFS; i++)
		set_flow(e.frame[i], i, 0);
	measure(&e, &w, 4, 1);
	base = measure(&e, NULL, 200, 0);
	measure(&e, &w, 1, 1); /* undo the swaps */
	est = measure(&e, &w, 200, 0);
	/* new flows: every packet a SYN of a flow never seen (median of 51 passes) */
	double fresh_rounds[51];

	for (int r = 0; r < 51; r++) {
		for (unsigned i = 0; i < SINGLE_MBUFS; i++)
			set_flow(e.frame[i], 0x100000u + (uint32_t)r * SINGLE_MBUFS + i, 1);
		fresh_rounds[r] = measure(&e, &w, 1, 1);
	}
	qsort(fresh_rounds, 51, sizeof(fresh_rounds[0]), cmp_double);
	fresh = fresh_rounds[25];
	dp_worker_offline(&w);
	printf("BENCH dpdk_single_core_cycles value=%.1f unit=cycles baseline=%.1f ratio=%.3f\n",
	       est, base, est / base);
	printf("BENCH dpdk_single_core_new_flow_cycles value=%.1f unit=cycles baseline=%.1f "
	       "ratio=%.3f\n",
	       fresh, base, fresh / base);
	dp_worker_fini(&w);
	lb_shm_detach(&shm);
	lbt_shm_free(t);
	unlink(path);
	return 0;
}

/* ---- reflect: the MAC-swap device under test with edgelb-dp's cycle accounting ---- */

/*
 * Port 0 (a net_memif client): rx burst -> swap MACs -> tx burst, until SIGTERM; then prints the
 * TSC cycles spent in polls that received packets per packet, as edgelb-dp --record-cycles does.
 */
static void print_reflect(uint64_t pkts, uint64_t busy)
{
	printf("REFLECT packets=%llu cycles_per_packet=%.1f\n", (unsigned long long)pkts,
	       pkts ? (double)busy / (double)pkts : 0.0);
	fflush(stdout);
}

static int reflect_main(int encap)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
	    "reflect_pool", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	uint64_t busy = 0, pkts = 0, next_report = 0;

	if (!pool || rte_eth_dev_count_avail() < 1 || dp_port_start(0, 1, pool)) {
		fprintf(stderr, "dpdk_bench reflect: port 0 not up\n");
		return 1;
	}
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	while (!stop_requested) {
		uint64_t t0 = rte_rdtsc();
		uint16_t n = encap ? encap_poll(0) : macswap_poll(0);

		if (n) {
			uint64_t cycles = rte_rdtsc() - t0;

			/* as edgelb-dp --record-cycles: a preempted poll does not count */
			if (cycles < 1000000) {
				busy += cycles;
				pkts += n;
			}
		}
		/* a running total: memif may crash its process when the peer leaves (DPDK 22.11) */
		if (t0 > next_report) {
			print_reflect(pkts, busy);
			next_report = t0 + rte_get_tsc_hz() / 4;
		}
	}
	print_reflect(pkts, busy);
	dp_port_stop(0);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int n, rc;

	if (strcmp(mode, "gen") && strcmp(mode, "single") && strcmp(mode, "reflect") &&
	    strcmp(mode, "reflect-encap")) {
		fprintf(stderr,
			"usage: dpdk_bench gen|single|reflect|reflect-encap [EAL options] -- "
			"[options]\n");
		return 2;
	}
	argv[1] = argv[0];
	n = rte_eal_init(argc - 1, argv + 1);
	if (n < 0) {
		fprintf(stderr, "dpdk_bench: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argv[n + 1] = argv[0];
	if (!strcmp(mode, "gen"))
		rc = gen_main(argc - 1 - n, argv + 1 + n);
	else if (!strcmp(mode, "reflect"))
		rc = reflect_main(0);
	else if (!strcmp(mode, "reflect-encap"))
		rc = reflect_main(1);
	else
		rc = single_main();
	rte_eal_cleanup();
	return rc;
}
