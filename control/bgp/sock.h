/* SPDX-License-Identifier: MIT */
/*
 * sock.h - the speaker's sockets and address helpers: non-blocking connect and listen, TCP MD5
 * (RFC 2385) and GTSM (RFC 5082) options, sockaddr <-> struct lb_addr, text forms.
 */
#ifndef EDGELB_CONTROL_BGP_SOCK_H
#define EDGELB_CONTROL_BGP_SOCK_H

#include <sys/socket.h>

#include "control/bgp/bgp.h"

/* family is LB_AF_INET/LB_AF_INET6; IPv4-mapped IPv6 addresses come out as IPv4. */
int bgp_sockaddr_to_lb(const struct sockaddr *sa, uint8_t *family, struct lb_addr *addr,
		       uint32_t *scope_id);
const char *bgp_sockaddr_format(const struct sockaddr_storage *ss, char *buf, size_t len);
/* "192.0.2.1", "2001:db8::1", "fe80::1%eth0"; port 0. */
int bgp_sockaddr_parse(const char *text, struct sockaddr_storage *ss);

/* Non-blocking socket with MD5/GTSM applied, bound if conf->local is set, connect started. */
int bgp_socket_connect(const struct bgp_peer_conf *conf);
/*
 * Listening socket on addr (its port is ignored) or, when addr is NULL or has family 0, on every
 * address: dual-stack IPv6 with v4-mapped, IPv4 only when IPv6 is unavailable.
 */
int bgp_socket_listen(const struct sockaddr_storage *addr, uint16_t port);
/* key "" removes the key. Returns 0 or -errno. */
int bgp_socket_set_md5(int fd, const struct sockaddr_storage *peer, const char *key);
/* GTSM on both directions (TTL 255 out, minimum 254 in). */
int bgp_socket_set_gtsm(int fd, int family);
int bgp_socket_prepare_accepted(int fd, const struct bgp_peer_conf *conf);

#endif
