/* SPDX-License-Identifier: MIT */
/*
 * config.h - edgelbd's configuration: the plain C form of config/edgelb.conf (libconfig syntax),
 * its loader and validator (control/conf/: the reader toolkit, one file per section, the checks
 * across sections), and the reload diff that compares two loaded configurations (diff.c).
 *
 * config_load() reads one file, applies every default, validates everything (types, ranges,
 * unknown keys, duplicates, address families, cross references) and either returns a complete
 * struct edgelb_config or a single error naming file, line and field. No libconfig type appears
 * here: the rest of the daemon only sees the structs below. Every element keeps the line it was
 * written on (0 when it came from a default) so that later messages can point at the file too.
 *
 * Addresses are stored as struct lb_addr (network byte order, see dataplane/core/tables.h) plus
 * an LB_AF_* family and the text as written. Ports and numbers are host byte order.
 */
#ifndef EDGELB_CONTROL_CONF_CONFIG_H
#define EDGELB_CONTROL_CONF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane/core/tables.h"

#define CONFIG_NAME_MAX          64  /* node, VIP, backend, peer names, including the NUL */
#define CONFIG_IFNAME_MAX        16  /* IFNAMSIZ */
#define CONFIG_ADDR_TEXT_MAX     64  /* an address or prefix as written */
#define CONFIG_FS_PATH_MAX       256 /* bpf_pin_dir, dpdk.shm_path */
#define CONFIG_SOCKET_PATH_MAX   108 /* sizeof(sockaddr_un.sun_path) */
#define CONFIG_LCORES_MAX        128
#define CONFIG_MD5_MAX           81  /* TCP_MD5SIG_MAXKEYLEN (80) + NUL */
#define CONFIG_HEALTH_PATH_MAX   256 /* the sizes of health_spec's (control/health/health.h) */
#define CONFIG_HEALTH_HOST_MAX   256
#define CONFIG_HEALTH_BODY_MAX   128
#define CONFIG_HEALTH_EXPECT_MAX 8
#define CONFIG_FILE_MAX          256
#define CONFIG_FIELD_MAX         160
#define CONFIG_MESSAGE_MAX       320

/* One error: where (file as opened, line, field path like "vips.[1].backends.[0].weight"), what. */
struct config_error {
	char file[CONFIG_FILE_MAX];
	int line;                     /* 0: no line (file could not be opened, missing section) */
	char field[CONFIG_FIELD_MAX]; /* "" for errors about the whole file (syntax, I/O) */
	char message[CONFIG_MESSAGE_MAX];
};

/* An IP address. family 0 means "not configured" for optional fields. */
struct config_ip {
	struct lb_addr addr; /* network byte order; IPv4 in w[0], w[1..3] zero */
	uint8_t family;      /* LB_AF_INET, LB_AF_INET6 or 0 */
	char text[CONFIG_ADDR_TEXT_MAX];
};

/* A CIDR prefix; host bits are always zero (the loader rejects anything else). */
struct config_prefix {
	struct lb_addr addr;
	uint8_t family; /* LB_AF_INET, LB_AF_INET6 or 0 (not configured) */
	uint8_t len;    /* prefix length */
	char text[CONFIG_ADDR_TEXT_MAX];
	int line;
};

enum config_health_type { CONFIG_HEALTH_TCP, CONFIG_HEALTH_HTTP };

/*
 * A health check. Built up in layers: built-in defaults, then the top-level `health` group, then
 * the VIP's `health`, then the backend's. A backend's copy is fully resolved: port is the VIP port
 * unless overridden, host is the backend address ("[v6]" bracketed) unless overridden.
 */
struct config_health {
	enum config_health_type type;      /* default tcp */
	uint16_t port;                     /* 0 only at VIP level: "the VIP port" */
	char path[CONFIG_HEALTH_PATH_MAX]; /* default "/health" */
	char host[CONFIG_HEALTH_HOST_MAX]; /* "" only at VIP level: "the backend address" */
	uint16_t expect_status[CONFIG_HEALTH_EXPECT_MAX]; /* default { 200 } */
	unsigned int n_expect_status;
	char body_contains[CONFIG_HEALTH_BODY_MAX]; /* "": do not look at the body */
	uint32_t interval_ms;                       /* default 1000, >= 10 */
	uint32_t timeout_ms;                        /* default 500, < interval_ms */
	uint32_t rise;                              /* default 2 */
	uint32_t fall;                              /* default 3 */
	uint32_t jitter_pct;                        /* 0..50, default 10 */
	int line; /* line of the most specific `health` group that applied, 0: all defaults */
};

enum config_backend_state { CONFIG_BACKEND_UP, CONFIG_BACKEND_DRAIN, CONFIG_BACKEND_DOWN };

struct config_backend {
	char name[CONFIG_NAME_MAX]; /* unique across all VIPs */
	struct config_ip address;
	uint32_t weight;                 /* 1..1000, default 100 */
	enum config_backend_state state; /* admin state, default up */
	struct config_health health;     /* resolved */
	int line;
};

enum config_vip_forwarding { CONFIG_FWD_IPIP, CONFIG_FWD_L2DSR };
enum config_vip_hash { CONFIG_HASH_5TUPLE, CONFIG_HASH_SOURCE };

struct config_vip {
	char name[CONFIG_NAME_MAX]; /* unique */
	struct config_ip address;
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t port;    /* 0: all ports */
	enum config_vip_forwarding forwarding;
	enum config_vip_hash hash;
	uint32_t min_healthy;        /* default 1, <= n_backends */
	struct config_health health; /* defaults for the backends (port 0 / host "" unresolved) */
	struct config_backend *backends;
	size_t n_backends; /* >= 1 */
	int line;
};

enum config_if_role { CONFIG_IF_UPLINK, CONFIG_IF_BACKEND, CONFIG_IF_BOTH };

struct config_interface {
	char name[CONFIG_IFNAME_MAX];
	enum config_if_role role; /* default both */
	int line;
};

/* node.dpdk: only used with forwarding "dpdk"; present == false means every default. */
struct config_dpdk {
	bool present;
	char **eal_args; /* extra EAL arguments, in order */
	size_t n_eal_args;
	char shm_path[CONFIG_FS_PATH_MAX]; /* default "/dev/shm/edgelb-<node>.tables" */
	char lcores[CONFIG_LCORES_MAX]; /* EAL lcore list like "1-3" or "2,4"; "" = EAL default */
	char **ports;                   /* PCI addresses or vdev strings, in port order */
	size_t n_ports;
	int line;
};

enum config_forwarding { CONFIG_DP_XDP, CONFIG_DP_DPDK };
enum config_xdp_mode { CONFIG_XDP_NATIVE, CONFIG_XDP_GENERIC };

struct config_node {
	char name[CONFIG_NAME_MAX];
	struct config_interface *interfaces;
	size_t n_interfaces;
	enum config_forwarding forwarding;    /* default xdp */
	enum config_xdp_mode xdp_mode;        /* default native */
	struct config_prefix encap_source_v4; /* family 0: not configured */
	struct config_prefix encap_source_v6;
	uint32_t hash_seed;            /* default 0; the same on every node of a region */
	uint32_t ring_size;            /* prime, default LB_RING_SIZE_DEF */
	uint32_t conn_table_size;      /* default LB_CONN_MAX_DEF */
	uint32_t udp_idle_timeout_sec; /* default 30 */
	uint32_t tcp_idle_timeout_sec; /* default 3600; 0 = LRU only, else >= 1800 */
	struct config_ip gateway_v4;   /* family 0: not configured */
	struct config_ip gateway_v6;
	char bpf_pin_dir[CONFIG_FS_PATH_MAX]; /* default "/sys/fs/bpf/edgelb/<name>" */
	bool detach_on_exit;                  /* default false */
	struct config_dpdk dpdk;
	int line;
};

struct config_api {
	char socket[CONFIG_SOCKET_PATH_MAX]; /* default "/run/edgelb/<node>.sock" */
	uint32_t mode;                       /* permission bits, default 0600 */
	int line;
};

struct config_metrics {
	bool enabled;                      /* default true */
	struct config_ip address;          /* default 127.0.0.1 */
	uint16_t port;                     /* default 9100 */
	char listen[CONFIG_ADDR_TEXT_MAX]; /* as written, e.g. "[::1]:9100" */
	int line;
};

struct config_bgp_peer {
	char name[CONFIG_NAME_MAX];
	struct config_ip address;
	uint32_t remote_as;
	uint16_t port;                  /* default 179 */
	struct config_ip local_address; /* family 0: chosen by the kernel */
	bool has_hold_time;
	uint16_t hold_time;                /* override of bgp.hold_time when has_hold_time */
	char md5_password[CONFIG_MD5_MAX]; /* "": no TCP MD5 */
	bool ttl_security;                 /* GTSM (RFC 5082), default false */
	bool passive;                      /* wait for the peer to connect, default false */
	int line;
};

struct config_community {
	uint16_t asn;
	uint16_t value;
};

struct config_large_community {
	uint32_t global;
	uint32_t local1;
	uint32_t local2;
};

struct config_bgp_announce {
	struct config_prefix prefix;
	bool has_med;
	uint32_t med;
	struct config_community *communities;
	size_t n_communities;
	struct config_large_community *large_communities;
	size_t n_large_communities;
	uint32_t prepend; /* 0..10, default 0 */
	int line;
};

struct config_bgp {
	bool present; /* false: no `bgp` section, nothing is announced */
	uint32_t local_as;
	struct config_ip router_id; /* IPv4 */
	uint16_t hold_time;         /* 0 or >= 3, default 90 */
	uint32_t connect_retry_sec; /* default 5 */
	uint32_t hold_down_sec;     /* default 30 */
	uint32_t drain_wait_sec;    /* default 30 */
	struct config_bgp_peer *peers;
	size_t n_peers;
	struct config_bgp_announce *announce;
	size_t n_announce;
	int line;
};

struct edgelb_config {
	char file[CONFIG_FILE_MAX]; /* the path it was loaded from */
	struct config_node node;
	struct config_health health; /* top-level defaults for every VIP */
	struct config_vip *vips;
	size_t n_vips;
	struct config_api api;
	struct config_metrics metrics;
	struct config_bgp bgp;
};

/*
 * Loads and validates `path`. On success returns 0 and *out (free with config_free()). On failure
 * returns a negative value, leaves *out NULL and fills *err (the first problem found).
 */
int config_load(const char *path, struct edgelb_config **out, struct config_error *err);

void config_free(struct edgelb_config *cfg);

/*
 * Writes "<file basename>:<line>: <field>: <message>" (parts that are empty are left out) into
 * buf. Returns the length snprintf would have written.
 */
int config_format_error(const struct config_error *err, char *buf, size_t size);

/*
 * Reload helpers (diff.c, which also says field by field what a reload does with a change). The
 * daemon matches old and new VIPs, and the backends of a VIP, by name:
 *
 *	for each VIP v in new: c = config_vip_change(config_find_vip(old, v->name), v)
 *	for each VIP v in old: if !config_find_vip(new, v->name): removed
 *	and the same for the backends of each VIP with
 *	config_find_backend()/config_backend_change().
 *
 * config_vip_change() looks at the VIP's own settings only (address, protocol, port, forwarding,
 * hash, min_healthy, health defaults), not at its backends: diff those one by one. Source lines
 * never count as a change. old == NULL gives ADDED, new == NULL gives REMOVED.
 */
enum config_change { CONFIG_UNCHANGED, CONFIG_CHANGED, CONFIG_ADDED, CONFIG_REMOVED };

const struct config_vip *config_find_vip(const struct edgelb_config *cfg, const char *name);
const struct config_backend *config_find_backend(const struct config_vip *vip, const char *name);
enum config_change config_vip_change(const struct config_vip *old, const struct config_vip *new);
enum config_change config_backend_change(const struct config_backend *old,
					 const struct config_backend *new);
/* true when the resolved health checks are the same (source lines ignored). */
bool config_health_equal(const struct config_health *a, const struct config_health *b);
/* Node settings that the fast path reads (seed, ring size, timeouts, encap sources, ...). */
bool config_node_equal(const struct config_node *a, const struct config_node *b);
/* The whole bgp section (peers and announcements included). */
bool config_bgp_equal(const struct config_bgp *a, const struct config_bgp *b);
/*
 * 0 when a reload can go from old to new; -EINVAL with "<file>:<line>: node.<field>: cannot
 * change on reload (detach and restart)" in err when new changes a setting only a restart can
 * (ring_size, conn_table_size, bpf_pin_dir, xdp_mode, forwarding, dpdk.shm_path, interfaces).
 */
int config_check_reload(const struct edgelb_config *old, const struct edgelb_config *new, char *err,
			size_t errlen);

/*
 * Calls fn for every key the loader accepts, from the same lists it checks files against.
 * section is the path of the group the key belongs in: "" for the top level, "node",
 * "node.interfaces" (each element of that list), "node.dpdk", "health", "vips",
 * "vips.backends", "api", "metrics", "bgp", "bgp.peers", "bgp.announce". The `health` group
 * of a VIP or backend takes the keys of section "health". For the manual page's drift test.
 */
void config_for_each_key(void (*fn)(const char *section, const char *key, void *arg), void *arg);

/* Readable names of enum values, as written in the file ("tcp", "l2dsr", "drain", ...). */
const char *config_backend_state_name(enum config_backend_state state);
const char *config_vip_forwarding_name(enum config_vip_forwarding fwd);
const char *config_vip_hash_name(enum config_vip_hash hash);

#endif
