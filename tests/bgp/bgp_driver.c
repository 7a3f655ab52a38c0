// SPDX-License-Identifier: MIT
/*
 * bgp_driver.c - a thin command-line user of the BGP speaker (control/bgp/bgp.h) for the
 * integration tests: the speaker is configured from the arguments and driven by line commands
 * on stdin (a FIFO in the tests). Logs go to stderr, status answers to stdout.
 *
 *   bgp_driver --as 65000 --router-id 10.0.0.1 [--hold 9] [--listen-port 179]
 *              [--retry-min-ms 200] [--retry-max-ms 2000] [--route-refresh]
 *              --peer 10.0.0.2,as=65001[,port=179][,local=10.0.0.1][,hold=6][,passive]
 *                     [,md5=KEY][,gtsm][,v4][,v6][,nh4=A][,nh6=A][,if=eth0] ...
 *
 * Commands:
 *   announce PREFIX [prepend N] [med N] [community A:B]... [large A:B:C]...
 *   withdraw PREFIX | gshut on|off | shutdown | restart | remove PEER_ID | status | quit
 */
#include "control/bgp/bgp.h"
#include "control/bgp/sock.h"
#include "control/lib/evloop.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS 16

struct driver {
	struct evloop *loop;
	struct bgp_speaker *speaker;
	char line[4096];
	size_t line_len;
	bool quit;
};

static void log_line(void *arg, enum bgp_log_level level, const char *msg)
{
	static const char *const names[] = {"ERR", "WARN", "INFO", "DEBUG"};
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%ld.%03ld %s %s\n", (long)ts.tv_sec, ts.tv_nsec / 1000000, names[level],
		msg);
}

static int parse_u32(const char *text, uint32_t *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v > 0xffffffffu)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_lb_addr(const char *text, struct lb_addr *a)
{
	*a = (struct lb_addr){0};
	if (inet_pton(AF_INET, text, a->b) == 1 || inet_pton(AF_INET6, text, a->b) == 1)
		return 0;
	return -EINVAL;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

static int parse_peer_option(struct bgp_peer_conf *pc, char *opt)
{
	char *val = strchr(opt, '=');
	uint32_t v;
	if (val)
		*val++ = 0;
	if (!strcmp(opt, "passive"))
		pc->passive = true;
	else if (!strcmp(opt, "gtsm"))
		pc->gtsm = true;
	else if (!strcmp(opt, "v4"))
		pc->ipv4_unicast = true;
	else if (!strcmp(opt, "v6"))
		pc->ipv6_unicast = true;
	else if (!val)
		return -EINVAL;
	else if (!strcmp(opt, "as"))
		return parse_u32(val, &pc->peer_as);
	else if (!strcmp(opt, "port")) {
		if (parse_u32(val, &v) || v > 65535)
			return -EINVAL;
		set_port(&pc->addr, (uint16_t)v);
	} else if (!strcmp(opt, "hold")) {
		if (parse_u32(val, &v) || v > 65535)
			return -EINVAL;
		pc->hold_time = (uint16_t)v;
	} else if (!strcmp(opt, "local"))
		return bgp_sockaddr_parse(val, &pc->local);
	else if (!strcmp(opt, "md5"))
		snprintf(pc->md5_key, sizeof(pc->md5_key), "%s", val);
	else if (!strcmp(opt, "nh4"))
		return parse_lb_addr(val, &pc->nexthop4);
	else if (!strcmp(opt, "nh6"))
		return parse_lb_addr(val, &pc->nexthop6);
	else if (!strcmp(opt, "if"))
		snprintf(pc->ifname, sizeof(pc->ifname), "%s", val);
	else
		return -EINVAL;
	return 0;
}

/* "ADDR,opt,opt=val,..." */
static int parse_peer(char *spec, struct bgp_peer_conf *pc)
{
	char *save, *tok = strtok_r(spec, ",", &save);
	*pc = (struct bgp_peer_conf){0};
	if (!tok || bgp_sockaddr_parse(tok, &pc->addr))
		return -EINVAL;
	while ((tok = strtok_r(NULL, ",", &save)))
		if (parse_peer_option(pc, tok)) {
			fprintf(stderr, "bgp_driver: bad peer option '%s'\n", tok);
			return -EINVAL;
		}
	return 0;
}

static int parse_community(const char *text, uint32_t *c)
{
	unsigned int hi, lo;
	char tail;
	if (sscanf(text, "%u:%u%c", &hi, &lo, &tail) != 2 || hi > 65535 || lo > 65535)
		return -EINVAL;
	*c = BGP_COMMUNITY(hi, lo);
	return 0;
}

static int parse_large(const char *text, struct bgp_large_community *l)
{
	unsigned long a, b, c;
	char tail;
	if (sscanf(text, "%lu:%lu:%lu%c", &a, &b, &c, &tail) != 3 || a > 0xffffffffu ||
	    b > 0xffffffffu || c > 0xffffffffu)
		return -EINVAL;
	*l = (struct bgp_large_community){(uint32_t)a, (uint32_t)b, (uint32_t)c};
	return 0;
}

static int parse_route_attr(struct bgp_route *r, const char *key, const char *val)
{
	uint32_t v;
	if (!strcmp(key, "prepend")) {
		if (parse_u32(val, &v) || v > BGP_MAX_PREPEND)
			return -EINVAL;
		r->prepend = (uint8_t)v;
	} else if (!strcmp(key, "med")) {
		r->has_med = true;
		return parse_u32(val, &r->med);
	} else if (!strcmp(key, "community")) {
		if (r->n_communities == BGP_MAX_COMMUNITIES)
			return -E2BIG;
		return parse_community(val, &r->communities[r->n_communities++]);
	} else if (!strcmp(key, "large")) {
		if (r->n_large == BGP_MAX_LARGE_COMMUNITIES)
			return -E2BIG;
		return parse_large(val, &r->large[r->n_large++]);
	} else {
		return -EINVAL;
	}
	return 0;
}

static void cmd_announce(struct driver *d, char *args)
{
	char *save, *tok = strtok_r(args, " \t", &save);
	struct bgp_route r = {0};
	if (!tok || bgp_prefix_parse(tok, &r.prefix)) {
		printf("error: announce needs a prefix\n");
		return;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		char *val = strtok_r(NULL, " \t", &save);
		if (!val || parse_route_attr(&r, tok, val)) {
			printf("error: bad route attribute '%s'\n", tok);
			return;
		}
	}
	int err = bgp_announce(d->speaker, &r);
	printf(err ? "error: announce: %s\n" : "ok\n", strerror(-err));
}

static void cmd_withdraw(struct driver *d, char *args)
{
	struct bgp_prefix p;
	char *tok = strtok(args, " \t");
	if (!tok || bgp_prefix_parse(tok, &p)) {
		printf("error: withdraw needs a prefix\n");
		return;
	}
	int err = bgp_withdraw(d->speaker, &p);
	printf(err ? "error: withdraw: %s\n" : "ok\n", strerror(-err));
}

static void cmd_status(struct driver *d)
{
	struct bgp_peer_status st[MAX_PEERS];
	struct bgp_route routes[64];
	char addr[INET6_ADDRSTRLEN + 8], pfx[64];
	size_t n = bgp_status(d->speaker, st, MAX_PEERS);
	for (size_t i = 0; i < n && i < MAX_PEERS; i++)
		printf("peer %d %s state=%s as=%u hold=%u keepalive=%u uptime=%llu in=%llu "
		       "out=%llu updates_in=%llu updates_out=%llu established=%llu taw=%llu "
		       "last_error=\"%s\"\n",
		       st[i].id, bgp_sockaddr_format(&st[i].addr, addr, sizeof(addr)),
		       bgp_state_name(st[i].state), st[i].peer_as, st[i].hold_time,
		       st[i].keepalive_time, (unsigned long long)st[i].uptime_s,
		       (unsigned long long)st[i].msgs_in, (unsigned long long)st[i].msgs_out,
		       (unsigned long long)st[i].updates_in, (unsigned long long)st[i].updates_out,
		       (unsigned long long)st[i].established_count,
		       (unsigned long long)st[i].errors_treated_as_withdraw, st[i].last_error);
	size_t nr = bgp_announced(d->speaker, routes, 64);
	for (size_t i = 0; i < nr && i < 64; i++) {
		bgp_prefix_format(&routes[i].prefix, pfx, sizeof(pfx));
		printf("route %s\n", pfx);
	}
	printf("status end\n");
}

static void run_command(struct driver *d, char *line)
{
	char *save, *cmd = strtok_r(line, " \t", &save);
	char *rest = save;
	uint32_t v;
	if (!cmd)
		return;
	if (!strcmp(cmd, "announce"))
		cmd_announce(d, rest);
	else if (!strcmp(cmd, "withdraw"))
		cmd_withdraw(d, rest);
	else if (!strcmp(cmd, "gshut"))
		bgp_set_graceful_shutdown(d->speaker, rest && !strncmp(rest, "on", 2));
	else if (!strcmp(cmd, "shutdown"))
		bgp_shutdown(d->speaker);
	else if (!strcmp(cmd, "restart"))
		bgp_restart(d->speaker);
	else if (!strcmp(cmd, "remove") && rest && !parse_u32(strtok(rest, " \t"), &v))
		printf(bgp_remove_peer(d->speaker, (int)v) ? "error: no such peer\n" : "ok\n");
	else if (!strcmp(cmd, "status"))
		cmd_status(d);
	else if (!strcmp(cmd, "quit"))
		d->quit = true;
	else
		printf("error: unknown command '%s'\n", cmd);
	fflush(stdout);
}

static void on_stdin(struct evloop *loop, int fd, uint32_t events, void *arg)
{
	struct driver *d = arg;
	ssize_t n = read(fd, d->line + d->line_len, sizeof(d->line) - 1 - d->line_len);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		evloop_del_fd(loop, fd);
		d->quit = true;
		return;
	}
	d->line_len += (size_t)n;
	char *nl;
	while ((nl = memchr(d->line, '\n', d->line_len))) {
		*nl = 0;
		run_command(d, d->line);
		size_t used = (size_t)(nl + 1 - d->line);
		memmove(d->line, nl + 1, d->line_len - used);
		d->line_len -= used;
	}
	if (d->line_len == sizeof(d->line) - 1)
		d->line_len = 0; /* a line this long is garbage */
}

static int parse_args(int argc, char **argv, struct bgp_speaker_conf *sc,
		      struct bgp_peer_conf *peers, int *n_peers)
{
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t v;
		struct in_addr id;
		if (!strcmp(opt, "--route-refresh")) {
			sc->route_refresh = true;
			continue;
		}
		if (!val)
			return -EINVAL;
		i++;
		if (!strcmp(opt, "--as") && !parse_u32(val, &v))
			sc->local_as = v;
		else if (!strcmp(opt, "--router-id") && inet_pton(AF_INET, val, &id) == 1)
			sc->router_id = id.s_addr;
		else if (!strcmp(opt, "--hold") && !parse_u32(val, &v) && v < 65536)
			sc->hold_time = (uint16_t)v, sc->hold_time_zero = v == 0;
		else if (!strcmp(opt, "--listen-port") && !parse_u32(val, &v) && v < 65536)
			sc->listen_port = (uint16_t)v;
		else if (!strcmp(opt, "--retry-min-ms") && !parse_u32(val, &v))
			sc->connect_retry_min_ms = v;
		else if (!strcmp(opt, "--retry-max-ms") && !parse_u32(val, &v))
			sc->connect_retry_max_ms = v;
		else if (!strcmp(opt, "--peer") && *n_peers < MAX_PEERS) {
			char spec[512];
			snprintf(spec, sizeof(spec), "%s", val);
			if (parse_peer(spec, &peers[(*n_peers)++]))
				return -EINVAL;
		} else {
			fprintf(stderr, "bgp_driver: bad option %s %s\n", opt, val);
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bgp_speaker_conf sc = {.log = log_line};
	struct bgp_peer_conf peers[MAX_PEERS];
	int n_peers = 0;
	struct driver d = {0};

	setvbuf(stderr, NULL, _IOLBF, 0);
	if (parse_args(argc, argv, &sc, peers, &n_peers)) {
		fprintf(stderr, "usage: see the comment at the top of tests/bgp/bgp_driver.c\n");
		return 2;
	}
	d.loop = evloop_new();
	d.speaker = d.loop ? bgp_new(d.loop, &sc) : NULL;
	if (!d.speaker)
		return 1;
	for (int i = 0; i < n_peers; i++)
		if (bgp_add_peer(d.speaker, &peers[i]) < 0)
			return 1;
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	if (evloop_add_fd(d.loop, 0, EPOLLIN, on_stdin, &d)) {
		fprintf(stderr, "bgp_driver: cannot watch stdin\n");
		return 1;
	}
	while (!d.quit)
		evloop_run_once(d.loop, 1000);
	bgp_free(d.speaker);
	evloop_free(d.loop);
	return 0;
}
