/* SPDX-License-Identifier: MIT */
/*
 * api.h - edgelbd's local API for edgelbctl: a unix stream socket on the daemon's event loop.
 *
 * Protocol, one exchange per connection:
 *   request   one line: "<format> <command> [argument]\n", format "text" or "json"
 *   response  first line "ok" or "error <one-line message>", then the body (a readable table or
 *             one JSON document), then the daemon closes the connection.
 * Commands: status, vips, backends [VIP], drain BACKEND, undrain BACKEND, reload, stats,
 * detach, bgp, drain-node, undrain-node (the last three answer "BGP not configured" without a
 * `bgp` section).
 */
#ifndef EDGELB_CONTROL_API_H
#define EDGELB_CONTROL_API_H

#include <stdbool.h>
#include <stdint.h>

#include "control/daemon/daemon.h"
#include "control/lib/textbuf.h"

#define API_REQUEST_MAX 512

struct api_server;
struct ed_announce; /* control/daemon/announce.h */

/*
 * Creates the socket (removing a stale one) with the given mode. bgp is the BGP glue the bgp,
 * drain-node and undrain-node commands drive (NULL without a `bgp` section). NULL on error
 * (logged).
 */
struct api_server *api_open(struct edgelbd *d, struct ed_announce *bgp, const char *path,
			    uint32_t mode);
void api_close(struct api_server *api);

/* True if something accepts connections on path: another edgelbd is running there. */
bool api_socket_in_use(const char *path);

/* Runs one request (exposed for unit tests): fills out with the response, header line included. */
void api_handle(struct edgelbd *d, struct ed_announce *bgp, const char *request,
		struct textbuf *out);

#endif
