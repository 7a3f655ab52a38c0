// SPDX-License-Identifier: MIT
/*
 * api_metrics.c - the `api` section (edgelbctl's unix socket and its permission mode, which
 * takes "0660"-style digits as octal where libconfig 1.5 reads decimal) and the `metrics`
 * section (the Prometheus endpoint's "address:port").
 */
#include "control/conf/sections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const api_keys[] = {"socket", "mode", NULL};
const char *const metrics_keys[] = {"listen", "enabled", NULL};

/* "0660" and 660 both mean rw-rw----: libconfig 1.5 reads 0660 as decimal 660. */
static bool parse_octal_mode(const char *digits, uint32_t *mode)
{
	char *end;
	unsigned long v;

	if (!*digits || strspn(digits, "01234567") != strlen(digits))
		return false;
	v = strtoul(digits, &end, 8);
	if (v > 0777)
		return false;
	*mode = (uint32_t)v;
	return true;
}

static int read_mode(struct group *g, uint32_t *mode)
{
	config_setting_t *s = member(g, "mode");
	char path[CONFIG_FIELD_MAX], digits[32];
	long long v;

	if (!s)
		return 0;
	join_key(path, sizeof(path), g->path, "mode");
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		snprintf(digits, sizeof(digits), "%s", config_setting_get_string(s));
	} else {
		if (setting_int(g->ld, s, path, &v) < 0)
			return -1;
		if (config_setting_get_format(s) == CONFIG_FORMAT_HEX && v >= 0 && v <= 0777) {
			*mode = (uint32_t)v;
			return 0;
		}
		snprintf(digits, sizeof(digits), "%lld", v);
	}
	if (!parse_octal_mode(digits, mode))
		return fail_at(g->ld, s, path,
			       "%s is not a permission mode, expected octal digits 0000..0777 "
			       "like 0660",
			       digits);
	return 0;
}

int load_api(struct group *root, struct config_api *api, const char *node)
{
	struct group g;
	int r;

	snprintf(api->socket, sizeof(api->socket), "/run/edgelb/%s.sock", node);
	api->mode = 0600;
	r = open_group(root, "api", &g);
	if (r <= 0)
		return r;
	api->line = line_of(g.set);
	if (check_keys(&g, api_keys) < 0 || read_mode(&g, &api->mode) < 0)
		return -1;
	r = read_nonempty_string(&g, "socket", api->socket, sizeof(api->socket));
	if (r < 0 || (r > 0 && check_absolute(&g, "socket", api->socket) < 0))
		return -1;
	return 0;
}

/* "host:port" or "[v6]:port", host an IP address. */
static bool parse_listen(const char *text, struct config_ip *ip, uint16_t *port)
{
	char host[CONFIG_ADDR_TEXT_MAX];
	const char *colon, *start = text;
	size_t len;
	char *end;
	unsigned long p;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return false;
		start = text + 1;
		len = (size_t)(close - start);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon || strchr(text, ':') != colon)
			return false;
		len = (size_t)(colon - text);
	}
	if (len >= sizeof(host))
		return false;
	memcpy(host, start, len);
	host[len] = '\0';
	if (!parse_ip(host, &ip->addr, &ip->family) ||
	    (text[0] == '[') != (ip->family == LB_AF_INET6))
		return false;
	if (colon[1] < '0' || colon[1] > '9')
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (*end || p < 1 || p > 65535)
		return false;
	snprintf(ip->text, sizeof(ip->text), "%s", host);
	*port = (uint16_t)p;
	return true;
}

int load_metrics(struct group *root, struct config_metrics *m)
{
	struct group g;
	int r;

	m->enabled = true;
	snprintf(m->listen, sizeof(m->listen), "127.0.0.1:9100");
	r = open_group(root, "metrics", &g);
	if (r < 0)
		return -1;
	m->line = line_of(g.set);
	if (check_keys(&g, metrics_keys) < 0 || read_bool(&g, "enabled", &m->enabled) < 0 ||
	    read_nonempty_string(&g, "listen", m->listen, sizeof(m->listen)) < 0)
		return -1;
	if (!parse_listen(m->listen, &m->address, &m->port)) {
		char path[CONFIG_FIELD_MAX];

		join_key(path, sizeof(path), g.path, "listen");
		return fail_at(g.ld, member(&g, "listen"), path,
			       "\"%s\" is not \"address:port\", expected e.g. \"127.0.0.1:9100\" "
			       "or \"[::1]:9100\"",
			       m->listen);
	}
	return 0;
}
