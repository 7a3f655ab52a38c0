// SPDX-License-Identifier: MIT
/*
 * neigh.c - the kernel neighbour table mirrored over rtnetlink with libmnl (see neigh.h). A
 * handful of backends per node: a flat array searched linearly is enough.
 */
#include "control/lib/neigh.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NEIGH_VALID (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | NUD_NOARP)

struct neigh_entry {
	struct lb_addr addr;
	uint8_t family;
	uint8_t mac[6];
	int ifindex;
};

struct neigh_table {
	struct evloop *loop;
	struct mnl_socket *nl;
	neigh_change_cb cb;
	void *cb_arg;
	struct neigh_entry *entries;
	size_t n, cap;
	bool changed;
	char buf[65536] __attribute__((aligned(8))); /* netlink headers are 4-byte aligned */
};

static struct neigh_entry *find(const struct neigh_table *nt, uint8_t family,
				const struct lb_addr *addr)
{
	for (size_t i = 0; i < nt->n; i++)
		if (nt->entries[i].family == family && !memcmp(&nt->entries[i].addr, addr, 16))
			return &nt->entries[i];
	return NULL;
}

static int upsert(struct neigh_table *nt, uint8_t family, const struct lb_addr *addr,
		  const uint8_t mac[6], int ifindex)
{
	struct neigh_entry *e = find(nt, family, addr);

	if (!e) {
		if (nt->n == nt->cap) {
			size_t cap = nt->cap ? nt->cap * 2 : 64;
			struct neigh_entry *grown = realloc(nt->entries, cap * sizeof(*grown));

			if (!grown)
				return -ENOMEM;
			nt->entries = grown;
			nt->cap = cap;
		}
		e = &nt->entries[nt->n++];
		memset(e, 0, sizeof(*e));
		e->family = family;
		e->addr = *addr;
	} else if (!memcmp(e->mac, mac, 6) && e->ifindex == ifindex) {
		return 0;
	}
	memcpy(e->mac, mac, 6);
	e->ifindex = ifindex;
	nt->changed = true;
	return 0;
}

static int neigh_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_table *nt = data;
	const struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	const void *dst = NULL, *lladdr = NULL;
	size_t dst_len = 0;
	struct lb_addr addr = {0};
	uint8_t family;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || !(nd->ndm_state & NEIGH_VALID))
		return MNL_CB_OK;
	if (nd->ndm_family == AF_INET)
		family = LB_AF_INET, dst_len = 4;
	else if (nd->ndm_family == AF_INET6)
		family = LB_AF_INET6, dst_len = 16;
	else
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*nd))
	{
		if (mnl_attr_get_type(attr) == NDA_DST && mnl_attr_get_payload_len(attr) == dst_len)
			dst = mnl_attr_get_payload(attr);
		else if (mnl_attr_get_type(attr) == NDA_LLADDR &&
			 mnl_attr_get_payload_len(attr) == 6)
			lladdr = mnl_attr_get_payload(attr);
	}
	if (!dst || !lladdr)
		return MNL_CB_OK;
	memcpy(addr.b, dst, dst_len);
	return upsert(nt, family, &addr, lladdr, nd->ndm_ifindex) ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Reads whatever is queued; returns 0, or a negative errno. */
static int drain_socket(struct neigh_table *nt, bool until_done)
{
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nt->nl, nt->buf, sizeof(nt->buf));
		int rc;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return until_done ? -EAGAIN : 0;
			if (errno == ENOBUFS) /* missed notifications; the next ones repair it */
				continue;
			return -errno;
		}
		rc = mnl_cb_run(nt->buf, (size_t)len, 0, 0, neigh_msg_cb, nt);
		if (rc == MNL_CB_STOP && until_done)
			return 0;
		if (rc == MNL_CB_ERROR)
			return -errno ? -errno : -EIO;
	}
}

static void on_readable(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct neigh_table *nt = arg;

	drain_socket(nt, false);
	if (nt->changed && nt->cb) {
		nt->changed = false;
		nt->cb(nt->cb_arg);
	}
}

static int request_dump(struct neigh_table *nt)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	return mnl_socket_sendto(nt->nl, nlh, nlh->nlmsg_len) < 0 ? -errno : 0;
}

/* The dump is read blocking (it is short), before the socket joins the loop. */
static int initial_dump(struct neigh_table *nt)
{
	int rc = request_dump(nt);

	while (!rc) {
		ssize_t len = mnl_socket_recvfrom(nt->nl, nt->buf, sizeof(nt->buf));

		if (len < 0)
			return -errno;
		rc = mnl_cb_run(nt->buf, (size_t)len, 0, 0, neigh_msg_cb, nt);
		if (rc == MNL_CB_STOP)
			return 0;
		rc = rc == MNL_CB_ERROR ? -EIO : 0;
	}
	return rc;
}

struct neigh_table *neigh_open(struct evloop *loop, neigh_change_cb cb, void *arg, char *err,
			       size_t errlen)
{
	struct neigh_table *nt = calloc(1, sizeof(*nt));
	int rc;

	if (!nt) {
		snprintf(err, errlen, "neighbour table: out of memory");
		return NULL;
	}
	nt->loop = loop;
	nt->cb = cb;
	nt->cb_arg = arg;
	nt->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nt->nl || mnl_socket_bind(nt->nl, RTMGRP_NEIGH, MNL_SOCKET_AUTOPID) < 0) {
		snprintf(err, errlen, "rtnetlink socket: %s", strerror(errno));
		goto fail;
	}
	rc = initial_dump(nt);
	if (rc) {
		snprintf(err, errlen, "neighbour dump: %s", strerror(-rc));
		goto fail;
	}
	nt->changed = false;
	/* from now on the loop must never block on it */
	rc = fcntl(mnl_socket_get_fd(nt->nl), F_SETFL, O_NONBLOCK) ? -errno : 0;
	if (!rc)
		rc = evloop_add_fd(loop, mnl_socket_get_fd(nt->nl), EPOLLIN, on_readable, nt);
	if (rc) {
		snprintf(err, errlen, "neighbour socket on the loop: %s",
			 strerror(rc < 0 ? -rc : rc));
		goto fail;
	}
	return nt;
fail:
	if (nt->nl)
		mnl_socket_close(nt->nl);
	free(nt);
	return NULL;
}

void neigh_close(struct neigh_table *nt)
{
	if (!nt)
		return;
	evloop_del_fd(nt->loop, mnl_socket_get_fd(nt->nl));
	mnl_socket_close(nt->nl);
	free(nt->entries);
	free(nt);
}

bool neigh_lookup(const struct neigh_table *nt, uint8_t family, const struct lb_addr *addr,
		  uint8_t mac[6], int *ifindex)
{
	const struct neigh_entry *e = find(nt, family, addr);

	if (!e)
		return false;
	memcpy(mac, e->mac, 6);
	if (ifindex)
		*ifindex = e->ifindex;
	return true;
}

static bool prefix_contains(const uint8_t *net, const uint8_t *mask, const uint8_t *addr,
			    size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((net[i] & mask[i]) != (addr[i] & mask[i]))
			return false;
	return true;
}

static bool wanted_ifindex(int ifindex, const int *ifindexes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ifindexes[i] == ifindex)
			return true;
	return false;
}

int neigh_onlink_ifindex(uint8_t family, const struct lb_addr *addr, const int *ifindexes, size_t n)
{
	struct ifaddrs *list, *ifa;
	int found = 0;

	if (getifaddrs(&list))
		return 0;
	for (ifa = list; ifa && !found; ifa = ifa->ifa_next) {
		int ifindex;

		if (!ifa->ifa_addr || !ifa->ifa_netmask)
			continue;
		ifindex = (int)if_nametoindex(ifa->ifa_name);
		if (!wanted_ifindex(ifindex, ifindexes, n))
			continue;
		if (family == LB_AF_INET && ifa->ifa_addr->sa_family == AF_INET) {
			const struct sockaddr_in *a = (const void *)ifa->ifa_addr;
			const struct sockaddr_in *m = (const void *)ifa->ifa_netmask;

			if (prefix_contains((const uint8_t *)&a->sin_addr,
					    (const uint8_t *)&m->sin_addr, addr->b, 4))
				found = ifindex;
		} else if (family == LB_AF_INET6 && ifa->ifa_addr->sa_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const void *)ifa->ifa_addr;
			const struct sockaddr_in6 *m = (const void *)ifa->ifa_netmask;

			if (prefix_contains(a->sin6_addr.s6_addr, m->sin6_addr.s6_addr, addr->b,
					    16))
				found = ifindex;
		}
	}
	freeifaddrs(list);
	return found;
}

int neigh_interface_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = {0};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		rc = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return rc;
}
