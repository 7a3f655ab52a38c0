/* SPDX-License-Identifier: MIT */
/*
 * dp_port.h - bringing up a DPDK port for edgelb-dp: one rx and one tx queue per worker, RSS over
 * the rx queues when the port offers it (IP/TCP/UDP fields), promiscuous mode, start.
 */
#ifndef EDGELB_DPDK_PORT_H
#define EDGELB_DPDK_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

#define DP_RX_DESC 1024
#define DP_TX_DESC 1024

/* Configure and start port with nqueues rx/tx queue pairs. 0 or a negative errno (logged). */
int dp_port_start(uint16_t port, uint16_t nqueues, struct rte_mempool *pool);

/* Stop and close a started port. */
void dp_port_stop(uint16_t port);

#endif
