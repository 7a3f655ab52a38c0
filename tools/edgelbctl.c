// SPDX-License-Identifier: MIT
/*
 * edgelbctl.c - the operator's CLI for edgelbd: sends one request over the daemon's unix socket
 * (protocol in control/api/api.h) and prints the answer: a readable table, or JSON with --json.
 * Errors are one line on stderr and exit status 1 (2 for bad usage).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/conf/config.h"
#include "version.h"

#define DEFAULT_SOCKET_DIR "/run/edgelb"
#define RESPONSE_MAX       (64u << 20)

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edgelbctl [-s SOCKET | -c CONFIG] [--json] COMMAND [ARG]\n"
	    "       edgelbctl --help | --version\n"
	    "commands:\n"
	    "  status             daemon, fast path and reload state\n"
	    "  vips               VIPs with traffic counters\n"
	    "  backends [VIP]     backends: state, weight, health history, packets, bytes, flows\n"
	    "  drain BACKEND      no new flows; established flows continue\n"
	    "  undrain BACKEND    take new flows again\n"
	    "  reload             re-read the configuration (errors name file:line)\n"
	    "  stats              global fast-path counters and drops by reason\n"
	    "  detach             remove the XDP program and its pins; edgelbd exits\n"
	    "  bgp                BGP sessions (state, uptime, hold time, messages, last error)\n"
	    "                     and prefixes (announced, held-down, withdrawn-by-policy, gshut)\n"
	    "  drain-node         BGP: GRACEFUL_SHUTDOWN, then withdraw everything and close the\n"
	    "                     sessions after drain_wait_sec; the node stays drained\n"
	    "  undrain-node       BGP: back from drain-node; routes follow VIP health again\n"
	    "socket: -s, else the config's api.socket (-c), else $EDGELB_SOCKET, else the only\n"
	    "        socket in " DEFAULT_SOCKET_DIR "\n");
}

static int socket_from_config(const char *path, char *out, size_t size)
{
	struct edgelb_config *cfg;
	struct config_error err;
	char msg[1024];

	if (config_load(path, &cfg, &err)) {
		config_format_error(&err, msg, sizeof(msg));
		fprintf(stderr, "edgelbctl: %s\n", msg);
		return -1;
	}
	snprintf(out, size, "%s", cfg->api.socket);
	config_free(cfg);
	return 0;
}

static int only_socket_in_run_dir(char *out, size_t size)
{
	DIR *dir = opendir(DEFAULT_SOCKET_DIR);
	struct dirent *de;
	int found = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		size_t len = strlen(de->d_name);

		if (len > 5 && !strcmp(de->d_name + len - 5, ".sock")) {
			found++;
			snprintf(out, size, "%s/%s", DEFAULT_SOCKET_DIR, de->d_name);
		}
	}
	closedir(dir);
	return found == 1 ? 0 : -1;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "edgelbctl: socket path too long: %s\n", path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "edgelbctl: connect %s: %s (is edgelbd running?)\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static char *read_all(int fd, size_t *len)
{
	size_t cap = 65536;
	char *buf = malloc(cap + 1);

	*len = 0;
	while (buf) {
		ssize_t n = read(fd, buf + *len, cap - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
		if (*len == cap) {
			char *grown = cap < RESPONSE_MAX ? realloc(buf, cap * 2 + 1) : NULL;

			if (!grown) {
				free(buf);
				return NULL;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (buf)
		buf[*len] = '\0';
	return buf;
}

static bool known_command(const char *cmd)
{
	static const char *const cmds[] = {"status",  "vips",       "backends",    "drain",
					   "undrain", "reload",     "stats",       "detach",
					   "bgp",     "drain-node", "undrain-node"};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}

static int exchange(const char *sock, bool json, const char *cmd, const char *arg)
{
	char request[256];
	size_t len;
	char *resp, *body;
	int fd = connect_socket(sock), rc = 0;

	if (fd < 0)
		return 1;
	snprintf(request, sizeof(request), "%s %s%s%s\n", json ? "json" : "text", cmd,
		 arg ? " " : "", arg ? arg : "");
	if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
		fprintf(stderr, "edgelbctl: send to %s: %s\n", sock, strerror(errno));
		close(fd);
		return 1;
	}
	resp = read_all(fd, &len);
	close(fd);
	if (!resp || !len) {
		fprintf(stderr, "edgelbctl: no answer from edgelbd on %s\n", sock);
		free(resp);
		return 1;
	}
	body = strchr(resp, '\n');
	body = body ? body + 1 : resp + len;
	if (!strncmp(resp, "ok\n", 3)) {
		fputs(body, stdout);
	} else {
		char *nl = strchr(resp, '\n');

		if (nl)
			*nl = '\0';
		fprintf(stderr, "edgelbctl: %s: %s\n", cmd,
			!strncmp(resp, "error ", 6) ? resp + 6 : resp);
		rc = 1;
	}
	free(resp);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"socket", required_argument, NULL, 's'}, {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},         {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
	};
	char sock[CONFIG_SOCKET_PATH_MAX] = "";
	const char *config = NULL, *env;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "+s:c:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			snprintf(sock, sizeof(sock), "%s", optarg);
			break;
		case 'c':
			config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("edgelbctl %s\n", EDGELB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	/* --json may also follow the command */
	if (optind < argc && argc - optind >= 2 && !strcmp(argv[argc - 1], "--json")) {
		json = true;
		argc--;
	}
	if (optind >= argc || argc - optind > 2 || !known_command(argv[optind])) {
		if (optind < argc)
			fprintf(stderr, "edgelbctl: unknown command or extra arguments: %s\n",
				argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!sock[0] && config && socket_from_config(config, sock, sizeof(sock)))
		return 1;
	if (!sock[0] && (env = getenv("EDGELB_SOCKET")))
		snprintf(sock, sizeof(sock), "%s", env);
	if (!sock[0] && only_socket_in_run_dir(sock, sizeof(sock))) {
		fprintf(stderr, "edgelbctl: no socket given and not exactly one in %s; use -s\n",
			DEFAULT_SOCKET_DIR);
		return 1;
	}
	return exchange(sock, json, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL);
}
