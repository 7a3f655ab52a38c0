/* SPDX-License-Identifier: MIT */
/*
 * neigh.h - next-hop MAC addresses for edgelbd from the kernel's neighbour table over rtnetlink:
 * one RTM_GETNEIGH dump at start, then RTNLGRP_NEIGH notifications on the daemon's event loop.
 * The kernel resolves backends by itself because the health checks talk to them.
 *
 * Policy: an address keeps the last MAC the kernel knew for it. A deleted or failed entry does not
 * erase it (the health checks decide whether the backend is reachable); a new MAC replaces it.
 */
#ifndef EDGELB_CONTROL_LIB_NEIGH_H
#define EDGELB_CONTROL_LIB_NEIGH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control/lib/evloop.h"
#include "dataplane/core/tables.h"

struct neigh_table;

/* Called on the loop whenever an address got its first MAC or a different one. */
typedef void (*neigh_change_cb)(void *arg);

/* NULL on failure with a message in err. */
struct neigh_table *neigh_open(struct evloop *loop, neigh_change_cb cb, void *arg, char *err,
			       size_t errlen);
void neigh_close(struct neigh_table *nt);

/* The MAC address of a local interface (the node's own, for the tables): 0 or -errno. */
int neigh_interface_mac(const char *ifname, uint8_t mac[6]);

/* family is LB_AF_INET or LB_AF_INET6. True and mac/ifindex filled if a MAC is known. */
bool neigh_lookup(const struct neigh_table *nt, uint8_t family, const struct lb_addr *addr,
		  uint8_t mac[6], int *ifindex);

/*
 * The interface among ifindexes[] whose own address prefix contains addr (the backend is on
 * this node's L2 segment), or 0 if none does (it is reached through the gateway).
 */
int neigh_onlink_ifindex(uint8_t family, const struct lb_addr *addr, const int *ifindexes,
			 size_t n);

#endif
