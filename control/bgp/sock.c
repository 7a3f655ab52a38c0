// SPDX-License-Identifier: MIT
/* sock.c - sockets, TCP MD5, GTSM and address helpers of the BGP speaker (see sock.h). */
#include "control/bgp/sock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GTSM_TTL     255
#define GTSM_MIN_TTL 254

int bgp_sockaddr_to_lb(const struct sockaddr *sa, uint8_t *family, struct lb_addr *addr,
		       uint32_t *scope_id)
{
	*addr = (struct lb_addr){0};
	if (scope_id)
		*scope_id = 0;
	if (sa->sa_family == AF_INET) {
		*family = LB_AF_INET;
		memcpy(addr->b, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family != AF_INET6)
		return -EAFNOSUPPORT;
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		*family = LB_AF_INET;
		memcpy(addr->b, &s6->sin6_addr.s6_addr[12], 4);
		return 0;
	}
	*family = LB_AF_INET6;
	memcpy(addr->b, &s6->sin6_addr, 16);
	if (scope_id)
		*scope_id = s6->sin6_scope_id;
	return 0;
}

const char *bgp_sockaddr_format(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	uint8_t family;
	struct lb_addr a;
	uint32_t scope;
	char ifname[IF_NAMESIZE];
	if (bgp_sockaddr_to_lb((const struct sockaddr *)ss, &family, &a, &scope)) {
		snprintf(buf, len, "?");
		return buf;
	}
	inet_ntop(family == LB_AF_INET ? AF_INET : AF_INET6, a.b, buf, (socklen_t)len);
	if (scope && if_indextoname(scope, ifname)) {
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "%%%s", ifname);
	}
	return buf;
}

int bgp_sockaddr_parse(const char *text, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	memset(ss, 0, sizeof(*ss));
	if (strlen(text) >= sizeof(host))
		return -EINVAL;
	snprintf(host, sizeof(host), "%s", text);
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return 0;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	char *pct = strchr(host, '%');
	if (pct) {
		*pct = 0;
		s6->sin6_scope_id = if_nametoindex(pct + 1);
		if (!s6->sin6_scope_id)
			return -ENODEV;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
		return -EINVAL;
	s6->sin6_family = AF_INET6;
	return 0;
}

static socklen_t sockaddr_len(int family)
{
	return family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
}

static int socket_family(int fd)
{
	int domain = 0;
	socklen_t len = sizeof(domain);
	return getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ? -errno : domain;
}

/* The peer address as the kernel wants it for this socket (v4-mapped on IPv6 sockets). */
static void md5_peer_address(int sock_family, const struct sockaddr_storage *peer,
			     struct sockaddr_storage *out)
{
	memset(out, 0, sizeof(*out));
	if (sock_family == AF_INET6 && peer->ss_family == AF_INET) {
		struct sockaddr_in6 *m = (struct sockaddr_in6 *)out;
		m->sin6_family = AF_INET6;
		m->sin6_addr.s6_addr[10] = 0xff;
		m->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m->sin6_addr.s6_addr[12], &((const struct sockaddr_in *)peer)->sin_addr, 4);
		return;
	}
	memcpy(out, peer, sockaddr_len(peer->ss_family));
}

int bgp_socket_set_md5(int fd, const struct sockaddr_storage *peer, const char *key)
{
	struct tcp_md5sig sig = {0};
	size_t keylen = strlen(key);
	int family = socket_family(fd);
	if (family < 0)
		return family;
	if (keylen > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	md5_peer_address(family, peer, &sig.tcpm_addr);
	sig.tcpm_keylen = (uint16_t)keylen;
	memcpy(sig.tcpm_key, key, keylen);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) < 0) {
		/* deleting a key that is not there is not an error worth reporting */
		if (!keylen && errno == ENOENT)
			return 0;
		return -errno;
	}
	return 0;
}

int bgp_socket_set_gtsm(int fd, int family)
{
	int ttl = GTSM_TTL, min = GTSM_MIN_TTL;
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof(min)) < 0)
			return -errno;
		/* the socket may carry IPv4 (v4-mapped); set the IPv4 options too, best effort */
		if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof(min)) < 0)
			return 0;
		return 0;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof(min)) < 0)
		return -errno;
	return 0;
}

static int fail_close(int fd)
{
	int err = errno ? -errno : -EIO;
	close(fd);
	return err;
}

int bgp_socket_connect(const struct bgp_peer_conf *conf)
{
	int family = conf->addr.ss_family;
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		return -errno;
	int err;
	if (conf->md5_key[0] && (err = bgp_socket_set_md5(fd, &conf->addr, conf->md5_key))) {
		close(fd);
		return err;
	}
	if (conf->gtsm && (err = bgp_socket_set_gtsm(fd, family))) {
		close(fd);
		return err;
	}
	if (conf->local.ss_family == family &&
	    bind(fd, (const struct sockaddr *)&conf->local, sockaddr_len(family)) < 0)
		return fail_close(fd);
	struct sockaddr_storage to = conf->addr;
	uint16_t port = htons(BGP_PORT);
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&to;
		if (!s4->sin_port)
			s4->sin_port = port;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&to;
		if (!s6->sin6_port)
			s6->sin6_port = port;
	}
	if (connect(fd, (const struct sockaddr *)&to, sockaddr_len(family)) < 0 &&
	    errno != EINPROGRESS)
		return fail_close(fd);
	return fd;
}

/* addr: the address to bind, or any (family 0) */
static int listen_on(int family, const struct sockaddr_storage *addr, uint16_t port)
{
	int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1, zero = 0;
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_storage ss = {0};
	if (addr && addr->ss_family == family)
		memcpy(&ss, addr, sockaddr_len(family));
	if (family == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)
			return fail_close(fd);
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
	}
	if (bind(fd, (struct sockaddr *)&ss, sockaddr_len(family)) < 0 || listen(fd, 16) < 0)
		return fail_close(fd);
	return fd;
}

int bgp_socket_listen(const struct sockaddr_storage *addr, uint16_t port)
{
	if (addr && addr->ss_family)
		return listen_on(addr->ss_family, addr, port);
	int fd = listen_on(AF_INET6, NULL, port);
	return fd >= 0 ? fd : listen_on(AF_INET, NULL, port);
}

int bgp_socket_prepare_accepted(int fd, const struct bgp_peer_conf *conf)
{
	if (!conf->gtsm)
		return 0;
	int family = socket_family(fd);
	return family < 0 ? family : bgp_socket_set_gtsm(fd, family);
}

/* ---- prefixes ---- */

int bgp_prefix_parse(const char *text, struct bgp_prefix *p)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	memset(p, 0, sizeof(*p));
	if (alen >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, text, alen);
	addr[alen] = 0;
	unsigned int max;
	if (inet_pton(AF_INET, addr, p->addr.b) == 1) {
		p->family = LB_AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p->addr.b) == 1) {
		p->family = LB_AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	unsigned long len = max;
	if (slash) {
		char *end;
		len = strtoul(slash + 1, &end, 10);
		if (*end || end == slash + 1 || len > max)
			return -EINVAL;
	}
	p->len = (uint8_t)len;
	for (unsigned int bit = p->len; bit < max; bit++)
		if (p->addr.b[bit / 8] & (0x80 >> (bit % 8)))
			return -EINVAL; /* host bits set: say what you mean */
	return 0;
}

void bgp_prefix_format(const struct bgp_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(p->family == LB_AF_INET ? AF_INET : AF_INET6, p->addr.b, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
}
