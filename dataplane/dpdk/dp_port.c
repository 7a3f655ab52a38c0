// SPDX-License-Identifier: MIT
/* dp_port.c - port bring-up for edgelb-dp (see dp_port.h). */
#include "dataplane/dpdk/dp_port.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>

static void rss_conf(const struct rte_eth_dev_info *info, uint16_t nqueues,
		     struct rte_eth_conf *conf)
{
	uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP;

	if (nqueues < 2 || !(info->flow_type_rss_offloads & want))
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = NULL; /* the driver's default key */
	conf->rx_adv_conf.rss_conf.rss_hf = want & info->flow_type_rss_offloads;
}

int dp_port_start(uint16_t port, uint16_t nqueues, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint16_t nrx = DP_RX_DESC, ntx = DP_TX_DESC;
	int socket = rte_eth_dev_socket_id(port);
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc)
		goto fail;
	if (nqueues > info.max_rx_queues || nqueues > info.max_tx_queues) {
		fprintf(stderr,
			"edgelb-dp: port %u has %u rx / %u tx queues, %u workers need more\n", port,
			info.max_rx_queues, info.max_tx_queues, nqueues);
		return -EINVAL;
	}
	rss_conf(&info, nqueues, &conf);
	rc = rte_eth_dev_configure(port, nqueues, nqueues, &conf);
	if (!rc)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrx, &ntx);
	for (uint16_t q = 0; q < nqueues && !rc; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nrx, socket < 0 ? 0 : (unsigned)socket, NULL,
					    pool);
		if (!rc)
			rc = rte_eth_tx_queue_setup(port, q, ntx, socket < 0 ? 0 : (unsigned)socket,
						    NULL);
	}
	if (!rc)
		rc = rte_eth_dev_start(port);
	if (rc)
		goto fail;
	/* frames for the VIP carry the router's idea of our MAC; accept them all */
	rte_eth_promiscuous_enable(port);
	return 0;
fail:
	fprintf(stderr, "edgelb-dp: port %u setup failed: %s\n", port, strerror(-rc));
	return rc;
}

void dp_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
