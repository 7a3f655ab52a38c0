// SPDX-License-Identifier: MIT
/*
 * test_config.c - unit tests of the configuration loader (control/conf/): the documented
 * example config/edgelb.conf loads with the values it shows, every file under tests/config/bad/
 * fails with exactly the error written below, the good edge cases under tests/config/good/ load
 * with their defaults applied, and the reload helpers classify VIPs and backends correctly.
 *
 * Paths are relative to the repository root (where `make test` runs the tests); set EDGELB_SRC to
 * run from elsewhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/conf/config.h"

/*
 * libconfig 1.5 leaks its string buffer when a syntax error interrupts a string literal; that is
 * its bug, not ours, and the truncation test below can trigger it.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

static const char *src_path(const char *relative)
{
	static char path[512];
	const char *root = getenv("EDGELB_SRC");

	snprintf(path, sizeof(path), "%s/%s", root ? root : ".", relative);
	return path;
}

static struct edgelb_config *load_good(const char *relative)
{
	struct edgelb_config *cfg = NULL;
	struct config_error err;
	char msg[512];

	if (config_load(src_path(relative), &cfg, &err) < 0) {
		config_format_error(&err, msg, sizeof(msg));
		fail_msg("%s should load but failed: %s", relative, msg);
	}
	assert_non_null(cfg);
	return cfg;
}

static const char *load_error(const char *relative, char *msg, size_t size)
{
	struct edgelb_config *cfg = (struct edgelb_config *)1;
	struct config_error err;

	assert_true(config_load(src_path(relative), &cfg, &err) < 0);
	assert_null(cfg);
	config_format_error(&err, msg, size);
	return msg;
}

/* Addresses are compared through their text form after parsing, i.e. the bytes. */
static void assert_ip(const struct config_ip *ip, uint8_t family, const char *text)
{
	struct lb_addr want = {0};

	assert_int_equal(ip->family, family);
	assert_int_equal(inet_pton(family == LB_AF_INET ? AF_INET : AF_INET6, text, want.b), 1);
	assert_memory_equal(&ip->addr, &want, sizeof(want));
}

/* ---- the documented example ---------------------------------------------------------------- */

static void test_example_node(void **state)
{
	struct edgelb_config *cfg = load_good("config/edgelb.conf");
	const struct config_node *n = &cfg->node;

	assert_string_equal(n->name, "edge-fra1-a");
	assert_int_equal(n->n_interfaces, 2);
	assert_string_equal(n->interfaces[0].name, "eth0");
	assert_int_equal(n->interfaces[0].role, CONFIG_IF_UPLINK);
	assert_int_equal(n->interfaces[1].role, CONFIG_IF_BACKEND);
	assert_int_equal(n->forwarding, CONFIG_DP_XDP);
	assert_int_equal(n->encap_source_v4.family, LB_AF_INET);
	assert_int_equal(n->encap_source_v4.len, 16);
	assert_int_equal(n->encap_source_v4.addr.w[0], htonl(0xac1f0000));
	assert_int_equal(n->encap_source_v6.len, 64);
	assert_int_equal(n->hash_seed, 3735928559u);
	assert_int_equal(n->ring_size, 65537);
	assert_ip(&n->gateway_v4, LB_AF_INET, "10.10.0.1");
	assert_int_equal(n->gateway_v6.family, 0);
	assert_true(n->dpdk.present);
	assert_int_equal(n->dpdk.n_eal_args, 2);
	assert_string_equal(n->dpdk.eal_args[1], "--file-prefix=edgelb");
	assert_int_equal(n->dpdk.n_ports, 2);
	assert_string_equal(n->dpdk.lcores, "1-2");
	assert_int_equal(cfg->api.mode, 0660);
	assert_int_equal(cfg->metrics.port, 9100);
	config_free(cfg);
}

static void test_example_vips(void **state)
{
	struct edgelb_config *cfg = load_good("config/edgelb.conf");
	const struct config_vip *chat, *emb;
	const struct config_backend *b;

	assert_int_equal(cfg->n_vips, 2);
	chat = &cfg->vips[0];
	assert_string_equal(chat->name, "chat-completions");
	assert_ip(&chat->address, LB_AF_INET, "192.0.2.10");
	assert_string_equal(chat->address.text, "192.0.2.10");
	assert_int_equal(chat->protocol, IPPROTO_TCP);
	assert_int_equal(chat->port, 443);
	assert_int_equal(chat->hash, CONFIG_HASH_SOURCE);
	assert_int_equal(chat->min_healthy, 2);
	assert_int_equal(chat->n_backends, 3);
	assert_true(chat->line > 0);

	b = &chat->backends[1];
	assert_string_equal(b->name, "gpu-a2");
	assert_int_equal(b->weight, 200);
	/* top level (http) -> VIP (port 8000, path) -> backend (timeout 800) */
	assert_int_equal(b->health.type, CONFIG_HEALTH_HTTP);
	assert_int_equal(b->health.port, 8000);
	assert_string_equal(b->health.path, "/v1/health");
	assert_int_equal(b->health.timeout_ms, 800);
	assert_string_equal(b->health.host, "10.10.1.12");
	assert_int_equal(chat->backends[0].health.timeout_ms, 500);

	b = &chat->backends[2];
	assert_ip(&b->address, LB_AF_INET6, "fd00:10::13");
	assert_int_equal(b->state, CONFIG_BACKEND_DRAIN);
	assert_int_equal(b->weight, 100);
	assert_string_equal(b->health.host, "[fd00:10::13]");

	emb = &cfg->vips[1];
	assert_int_equal(emb->port, 0);
	assert_int_equal(emb->address.family, LB_AF_INET6);
	assert_int_equal(emb->backends[0].health.type, CONFIG_HEALTH_TCP);
	assert_int_equal(emb->backends[0].health.port, 9000);
	config_free(cfg);
}

static void test_example_bgp(void **state)
{
	struct edgelb_config *cfg = load_good("config/edgelb.conf");
	const struct config_bgp *bgp = &cfg->bgp;

	assert_true(bgp->present);
	assert_int_equal(bgp->local_as, 4200000101u);
	assert_ip(&bgp->router_id, LB_AF_INET, "10.0.0.11");
	assert_int_equal(bgp->hold_time, 90);
	assert_int_equal(bgp->n_peers, 2);
	assert_true(bgp->peers[0].has_hold_time);
	assert_int_equal(bgp->peers[0].hold_time, 30);
	assert_true(bgp->peers[0].ttl_security);
	assert_false(bgp->peers[1].has_hold_time);
	assert_int_equal(bgp->peers[1].port, 179);
	assert_int_equal(bgp->peers[1].address.family, LB_AF_INET6);
	assert_int_equal(bgp->n_announce, 2);
	assert_true(bgp->announce[0].has_med);
	assert_int_equal(bgp->announce[0].med, 10);
	assert_int_equal(bgp->announce[0].n_communities, 2);
	assert_int_equal(bgp->announce[0].communities[1].asn, 65001);
	assert_int_equal(bgp->announce[0].communities[1].value, 200);
	assert_int_equal(bgp->announce[0].large_communities[0].global, 4200000101u);
	assert_false(bgp->announce[1].has_med);
	assert_int_equal(bgp->announce[1].prefix.len, 48);
	config_free(cfg);
}

/* ---- bad files ------------------------------------------------------------------------------ */

struct bad_case {
	const char *file;     /* under tests/config/bad/ */
	const char *expected; /* config_format_error() output */
};

static const struct bad_case bad_cases[] = {
    {"address_is_prefix.conf", "address_is_prefix.conf:15: vips.[0].backends.[0].address: "
			       "\"10.0.0.0/24\" is a prefix, expected a single IP address"},
    {"all_ports_no_health_port.conf",
     "all_ports_no_health_port.conf:9: vips.[0].health.port: missing (required for an all-ports "
     "VIP: the port to health-check)"},
    {"api_mode_not_octal.conf", "api_mode_not_octal.conf:19: api.mode: 800 is not a permission "
				"mode, expected octal digits 0000..0777 like 0660"},
    {"api_socket_relative.conf",
     "api_socket_relative.conf:19: api.socket: \"edgelb.sock\" is not an absolute path"},
    {"bad_address.conf", "bad_address.conf:11: vips.[0].address: \"192.0.2.300\" is not an IP "
			 "address, expected an IPv4 or IPv6 address"},
    {"bgp_community.conf",
     "bgp_community.conf:24: bgp.announce.[0].communities.[0]: \"65536:1\" is not a community, "
     "expected \"asn:value\" with each 0..65535, like \"65000:100\""},
    {"bgp_hold_time.conf", "bgp_hold_time.conf:22: bgp.hold_time: 2 is not allowed, expected 0 (no "
			   "keepalives) or 3..65535"},
    {"bgp_large_community.conf",
     "bgp_large_community.conf:24: bgp.announce.[0].large_communities.[0]: \"1:2\" is not a large "
     "community, expected \"a:b:c\" with each 0..4294967295"},
    {"bgp_local_as_too_big.conf", "bgp_local_as_too_big.conf:20: bgp.local_as: 4294967296 is out "
				  "of range, expected 1..4294967295"},
    {"bgp_local_as_zero.conf",
     "bgp_local_as_zero.conf:20: bgp.local_as: 0 is out of range, expected 1..4294967295"},
    {"bgp_missing_peers.conf", "bgp_missing_peers.conf:19: bgp.peers: missing (required: a list ( "
			       "{ name; address; remote_as; } ))"},
    {"bgp_prepend.conf",
     "bgp_prepend.conf:24: bgp.announce.[0].prepend: 11 is out of range, expected 0..10"},
    {"bgp_router_id_v6.conf",
     "bgp_router_id_v6.conf:21: bgp.router_id: fd00::11 is an IPv6 address, expected IPv4"},
    {"bgp_vip_not_announced.conf", "bgp_vip_not_announced.conf:9: vips.[0].address: 192.0.2.10 "
				   "(VIP \"web\") is not inside any bgp.announce prefix"},
    {"detach_not_bool.conf",
     "detach_not_bool.conf:7: node.detach_on_exit: expected true or false, got an integer"},
    {"duplicate_backend_address.conf",
     "duplicate_backend_address.conf:16: vips.[0].backends.[1].address: 10.0.0.1 is already "
     "backend \"b1\" of this VIP (line 15)"},
    {"duplicate_backend_name.conf",
     "duplicate_backend_name.conf:24: vips.[1].backends.[0].name: duplicate backend name \"b1\" "
     "(first at line 15; names must be unique across all VIPs)"},
    {"duplicate_interface.conf", "duplicate_interface.conf:6: node.interfaces.[1].name: interface "
				 "\"eth0\" is listed twice (first at line 5)"},
    {"duplicate_setting.conf", "duplicate_setting.conf:8: duplicate setting name"},
    {"duplicate_vip_key.conf", "duplicate_vip_key.conf:22: vips.[1].port: VIP \"web\" (line 9) "
			       "already has this address, protocol and port"},
    {"duplicate_vip_name.conf",
     "duplicate_vip_name.conf:19: vips.[1].name: duplicate VIP name \"web\" (first at line 9)"},
    {"expect_status_bad.conf", "expect_status_bad.conf:19: health.expect_status.[1]: 99 is not an "
			       "HTTP status, expected 100..599"},
    {"forwarding_unknown.conf", "forwarding_unknown.conf:14: vips.[0].forwarding: \"gre\" is not "
				"valid, expected one of \"ipip\", \"l2dsr\""},
    {"gateway_wrong_family.conf",
     "gateway_wrong_family.conf:7: node.gateway_v4: fd00::1 is an IPv6 address, expected IPv4"},
    {"health_path_relative.conf",
     "health_path_relative.conf:19: health.path: \"health\" must start with '/', like \"/health\""},
    {"include_error.conf",
     "bad_vips.inc:9: vips.[0].backends.[0].weight: 0 is out of range, expected 1..1000"},
    {"interval_below_timeout_inherited.conf",
     "interval_below_timeout_inherited.conf:15: vips.[0].backends.[0].health.interval_ms: 400 must "
     "be greater than timeout_ms (500)"},
    {"interval_too_small.conf",
     "interval_too_small.conf:19: health.interval_ms: 5 is out of range, expected 10..3600000"},
    {"jitter_too_big.conf",
     "jitter_too_big.conf:19: health.jitter_pct: 60 is out of range, expected 0..50"},
    {"l2dsr_family_mismatch.conf",
     "l2dsr_family_mismatch.conf:17: vips.[0].backends.[1].address: IPv6 backend fd00::2 cannot "
     "serve IPv4 VIP \"web\" with forwarding \"l2dsr\" (it needs the same family; use \"ipip\")"},
    {"metrics_listen_hostname.conf",
     "metrics_listen_hostname.conf:19: metrics.listen: \"localhost:9100\" is not \"address:port\", "
     "expected e.g. \"127.0.0.1:9100\" or \"[::1]:9100\""},
    {"min_healthy_too_big.conf", "min_healthy_too_big.conf:14: vips.[0].min_healthy: 2 is more "
				 "than the number of backends (1)"},
    {"missing_encap_v6.conf",
     "missing_encap_v6.conf:14: vips.[0].backends.[0].address: IPv6 backend needs "
     "node.encap_source_v6 (the outer source prefix for ipip)"},
    {"missing_node_name.conf", "missing_node_name.conf:2: node.name: missing (required: a name of "
			       "letters, digits, '.', '_', '-')"},
    {"missing_vip_address.conf",
     "missing_vip_address.conf:9: vips.[0].address: missing (required: an IPv4 or IPv6 address)"},
    {"missing_vips.conf", "missing_vips.conf: vips: missing (required: a list of VIPs)"},
    {"name_with_space.conf", "name_with_space.conf:3: node.name: \"edge 1\" may only contain "
			     "letters, digits, '.', '_' and '-'"},
    {"no_backend_interface.conf",
     "no_backend_interface.conf:4: node.interfaces: no interface has role \"backend\" or \"both\""},
    {"port_bad_string.conf",
     "port_bad_string.conf:13: vips.[0].port: \"any\" is not a port, expected 1..65535 or \"all\""},
    {"port_out_of_range.conf", "port_out_of_range.conf:13: vips.[0].port: 70000 is out of range, "
			       "expected 1..65535 or \"all\""},
    {"prefix_host_bits.conf", "prefix_host_bits.conf:5: node.encap_source_v4: 172.31.0.1/16 has "
			      "host bits set (did you mean 172.31.0.0/16?)"},
    {"prefix_no_length.conf",
     "prefix_no_length.conf:6: node.encap_source_v6: \"fd00:e1b::\" has no prefix length, expected "
     "a CIDR prefix like \"192.0.2.0/24\" or \"2001:db8::/48\""},
    {"prefix_wrong_family.conf", "prefix_wrong_family.conf:5: node.encap_source_v4: fd00:1::/64 is "
				 "an IPv6 prefix, expected IPv4"},
    {"protocol_typo.conf",
     "protocol_typo.conf:12: vips.[0].protocol: \"tpc\" is not valid (did you mean \"tcp\"?)"},
    {"ring_not_prime.conf",
     "ring_not_prime.conf:7: node.ring_size: 65536 is not prime (try 65537)"},
    {"ring_smaller_than_backends.conf", "ring_smaller_than_backends.conf:7: node.ring_size: 2 is "
					"not larger than the 2 backends of VIP \"web\""},
    {"ring_string.conf", "ring_string.conf:7: node.ring_size: expected an integer, got a string"},
    {"ring_too_big.conf",
     "ring_too_big.conf:7: node.ring_size: 700001 is out of range, expected 2..655373"},
    {"syntax_error.conf", "syntax_error.conf:7: syntax error"},
    {"tcp_idle_too_short.conf", "tcp_idle_too_short.conf:7: node.tcp_idle_timeout_sec: 600 is too "
				"short, expected 0 (LRU only) or 1800..604800"},
    {"timeout_not_below_interval.conf",
     "timeout_not_below_interval.conf:14: vips.[0].health.timeout_ms: 500 must be less than "
     "interval_ms (500)"},
    {"unknown_key_no_match.conf",
     "unknown_key_no_match.conf:15: vips.[0].backends.[0].colour: unknown key (expected one of "
     "\"name\", \"address\", \"weight\", \"state\", \"health\")"},
    {"unknown_key_top.conf",
     "unknown_key_top.conf:19: helth: unknown key (did you mean \"health\"?)"},
    {"unknown_key_vip.conf",
     "unknown_key_vip.conf:14: vips.[0].prot: unknown key (did you mean \"protocol\"?)"},
    {"vips_not_list.conf",
     "vips_not_list.conf:8: vips: expected a list ( { ... }, ... ), got a group { ... }"},
    {"weight_float.conf",
     "weight_float.conf:15: vips.[0].backends.[0].weight: expected an integer, got a float"},
    {"weight_too_big.conf", "weight_too_big.conf:15: vips.[0].backends.[0].weight: 1001 is out of "
			    "range, expected 1..1000"},
    {"weight_wrapped.conf", "weight_wrapped.conf:15: vips.[0].backends.[0].weight: 4294967396 is "
			    "out of range, expected 1..1000"},
    {"weight_zero.conf",
     "weight_zero.conf:15: vips.[0].backends.[0].weight: 0 is out of range, expected 1..1000"},
};

static void test_bad_files(void **state)
{
	char path[256], msg[512];

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		snprintf(path, sizeof(path), "tests/config/bad/%s", bad_cases[i].file);
		load_error(path, msg, sizeof(msg));
		if (strcmp(msg, bad_cases[i].expected) != 0)
			fail_msg("%s:\n  got      %s\n  expected %s", bad_cases[i].file, msg,
				 bad_cases[i].expected);
	}
}

/* Every bad file is in the table above, so none is silently left untested. */
static void test_every_bad_file_listed(void **state)
{
	DIR *dir = opendir(src_path("tests/config/bad"));
	struct dirent *e;
	size_t files = 0;

	assert_non_null(dir);
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		bool listed = false;

		if (len < 5 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		files++;
		for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
			listed |= strcmp(bad_cases[i].file, e->d_name) == 0;
		if (!listed)
			fail_msg("tests/config/bad/%s has no expected error in test_config.c",
				 e->d_name);
	}
	closedir(dir);
	assert_int_equal(files, sizeof(bad_cases) / sizeof(bad_cases[0]));
}

static void test_missing_file(void **state)
{
	char msg[512];

	load_error("tests/config/bad/no-such-file.conf", msg, sizeof(msg));
	assert_string_equal(msg, "no-such-file.conf: cannot open: No such file or directory");
}

static void test_error_fields(void **state)
{
	struct edgelb_config *cfg;
	struct config_error err;

	assert_true(config_load(src_path("tests/config/bad/weight_zero.conf"), &cfg, &err) < 0);
	assert_non_null(strstr(err.file, "tests/config/bad/weight_zero.conf"));
	assert_int_equal(err.line, 15);
	assert_string_equal(err.field, "vips.[0].backends.[0].weight");
	assert_string_equal(err.message, "0 is out of range, expected 1..1000");
}

static void test_format_error_parts(void **state)
{
	struct config_error err = {.file = "/etc/edgelb/x.conf", .line = 0};
	char buf[64];

	snprintf(err.message, sizeof(err.message), "cannot open");
	config_format_error(&err, buf, sizeof(buf));
	assert_string_equal(buf, "x.conf: cannot open");
	err.line = 3;
	snprintf(err.field, sizeof(err.field), "node");
	config_format_error(&err, buf, sizeof(buf));
	assert_string_equal(buf, "x.conf:3: node: cannot open");
	/* a short buffer truncates, never overflows */
	assert_int_equal(config_format_error(&err, buf, 8),
			 (int)strlen("x.conf:3: node: cannot open"));
	assert_string_equal(buf, "x.conf:");
}

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = malloc(1 << 20);

	assert_non_null(f);
	assert_non_null(text);
	*len = fread(text, 1, 1 << 20, f);
	fclose(f);
	return text;
}

/* Every prefix of the example (cut mid-token, mid-string, mid-group) loads or fails cleanly. */
static void test_truncated_example_never_crashes(void **state)
{
	size_t len, failures = 0;
	char *text = read_whole(src_path("config/edgelb.conf"), &len);
	char path[] = "/tmp/edgelb-test-config-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	for (size_t cut = 0; cut < len; cut += 23) {
		struct edgelb_config *cfg = NULL;
		struct config_error err;
		char msg[512];

		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, text, cut, 0), (ssize_t)cut);
		if (config_load(path, &cfg, &err) == 0) {
			config_free(cfg);
			continue;
		}
		failures++;
		assert_null(cfg);
		config_format_error(&err, msg, sizeof(msg));
		assert_true(strncmp(msg, strrchr(path, '/') + 1, strlen(strrchr(path, '/') + 1)) ==
			    0);
		assert_true(err.message[0] != '\0');
	}
	assert_true(failures > len / 23 / 2); /* most cuts break something */
	close(fd);
	unlink(path);
	free(text);
}

/* ---- good edge cases ------------------------------------------------------------------------ */

static void test_defaults_applied(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/defaults.conf");
	const struct config_node *n = &cfg->node;
	const struct config_vip *v = &cfg->vips[0];
	const struct config_backend *b = &v->backends[0];

	assert_int_equal(n->interfaces[0].role, CONFIG_IF_BOTH);
	assert_int_equal(n->forwarding, CONFIG_DP_XDP);
	assert_int_equal(n->xdp_mode, CONFIG_XDP_NATIVE);
	assert_int_equal(n->hash_seed, 0);
	assert_int_equal(n->ring_size, LB_RING_SIZE_DEF);
	assert_int_equal(n->conn_table_size, LB_CONN_MAX_DEF);
	assert_int_equal(n->udp_idle_timeout_sec, 30);
	assert_int_equal(n->tcp_idle_timeout_sec, 3600);
	assert_int_equal(n->encap_source_v6.family, 0);
	assert_int_equal(n->gateway_v4.family, 0);
	assert_string_equal(n->bpf_pin_dir, "/sys/fs/bpf/edgelb/min");
	assert_false(n->detach_on_exit);
	assert_false(n->dpdk.present);
	assert_string_equal(n->dpdk.shm_path, "/dev/shm/edgelb-min.tables");
	assert_string_equal(cfg->api.socket, "/run/edgelb/min.sock");
	assert_int_equal(cfg->api.mode, 0600);
	assert_true(cfg->metrics.enabled);
	assert_ip(&cfg->metrics.address, LB_AF_INET, "127.0.0.1");
	assert_int_equal(cfg->metrics.port, 9100);
	assert_false(cfg->bgp.present);

	assert_int_equal(v->forwarding, CONFIG_FWD_IPIP);
	assert_int_equal(v->hash, CONFIG_HASH_5TUPLE);
	assert_int_equal(v->min_healthy, 1);
	assert_int_equal(b->weight, 100);
	assert_int_equal(b->state, CONFIG_BACKEND_UP);
	assert_int_equal(b->health.type, CONFIG_HEALTH_TCP);
	assert_int_equal(b->health.port, 80);
	assert_string_equal(b->health.path, "/health");
	assert_string_equal(b->health.host, "10.0.0.1");
	assert_int_equal(b->health.n_expect_status, 1);
	assert_int_equal(b->health.expect_status[0], 200);
	assert_string_equal(b->health.body_contains, "");
	assert_int_equal(b->health.interval_ms, 1000);
	assert_int_equal(b->health.timeout_ms, 500);
	assert_int_equal(b->health.rise, 2);
	assert_int_equal(b->health.fall, 3);
	assert_int_equal(b->health.jitter_pct, 10);
	assert_int_equal(b->health.line, 0);
	config_free(cfg);
}

static void test_all_ports_vips(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/all_ports.conf");

	assert_int_equal(cfg->n_vips, 3);
	assert_int_equal(cfg->vips[0].port, 0);
	assert_int_equal(cfg->vips[0].protocol, IPPROTO_TCP);
	assert_int_equal(cfg->vips[0].backends[0].health.port, 8000);
	assert_int_equal(cfg->vips[1].port, 0);
	assert_int_equal(cfg->vips[1].protocol, IPPROTO_UDP);
	assert_int_equal(cfg->vips[1].backends[0].health.port, 9000);
	assert_int_equal(cfg->vips[2].port, 443);
	assert_int_equal(cfg->vips[2].backends[0].health.port, 443);
	config_free(cfg);
}

static void test_ipv6(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/ipv6.conf");
	const struct config_vip *chat = &cfg->vips[0], *dns = &cfg->vips[1];

	assert_ip(&chat->address, LB_AF_INET6, "2001:db8:e1b::10");
	assert_string_equal(chat->address.text, "2001:db8:e1b::10");
	assert_int_equal(chat->backends[0].address.family, LB_AF_INET6);
	assert_int_equal(chat->backends[1].address.family, LB_AF_INET); /* 6in4 over ipip */
	assert_string_equal(chat->backends[0].health.host, "[fd00:10::11]");
	assert_int_equal(dns->forwarding, CONFIG_FWD_L2DSR);
	assert_int_equal(dns->hash, CONFIG_HASH_SOURCE);
	assert_int_equal(dns->protocol, IPPROTO_UDP);
	assert_ip(&cfg->node.gateway_v6, LB_AF_INET6, "fd00:10::1");
	assert_ip(&cfg->metrics.address, LB_AF_INET6, "::1");
	assert_int_equal(cfg->metrics.port, 9200);
	assert_ip(&cfg->bgp.peers[0].local_address, LB_AF_INET6, "fd00::11");
	config_free(cfg);
}

static void test_wide_integers(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/wide_ints.conf");

	assert_int_equal(cfg->node.hash_seed, 0xdeadbeefu);
	assert_int_equal(cfg->bgp.local_as, 4294967295u);
	assert_int_equal(cfg->bgp.peers[0].remote_as, 4200000000u);
	assert_int_equal(cfg->bgp.announce[0].med, 4000000000u);
	assert_int_equal(cfg->bgp.announce[0].communities[0].asn, 65535);
	assert_int_equal(cfg->bgp.announce[0].large_communities[0].global, 4294967295u);
	assert_int_equal(cfg->bgp.announce[0].large_communities[0].local2, 7);
	assert_int_equal(cfg->api.mode, 0660);
	config_free(cfg);
}

static void test_health_layers(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/health_layers.conf");
	const struct config_backend *b1 = &cfg->vips[0].backends[0];
	const struct config_backend *b2 = &cfg->vips[0].backends[1];

	assert_int_equal(b1->health.type, CONFIG_HEALTH_HTTP);
	assert_int_equal(b1->health.n_expect_status, 2);
	assert_int_equal(b1->health.expect_status[1], 204);
	assert_int_equal(b1->health.rise, 5);
	assert_int_equal(b1->health.port, 8000);
	assert_string_equal(b1->health.path, "/v1/health");
	assert_int_equal(b1->health.interval_ms, 2000);
	assert_int_equal(b1->health.timeout_ms, 500);
	assert_string_equal(b1->health.host, "10.0.0.1");
	assert_string_equal(b2->health.host, "gpu.internal");
	assert_int_equal(b2->health.timeout_ms, 1500);
	assert_string_equal(b2->health.body_contains, "ok");
	assert_int_equal(b2->health.rise, 5);
	assert_true(b2->health.line > b1->health.line);
	config_free(cfg);
}

static void test_include(void **state)
{
	struct edgelb_config *cfg = load_good("tests/config/good/with_include.conf");

	assert_int_equal(cfg->n_vips, 1);
	assert_string_equal(cfg->vips[0].backends[0].name, "b1");
	config_free(cfg);
}

/* ---- reload --------------------------------------------------------------------------------- */

static void test_reload_diff(void **state)
{
	struct edgelb_config *old = load_good("tests/config/reload/old.conf");
	struct edgelb_config *new = load_good("tests/config/reload/new.conf");
	const struct config_vip *ow = config_find_vip(old, "web");
	const struct config_vip *nw = config_find_vip(new, "web");

	assert_non_null(ow);
	assert_non_null(nw);
	assert_int_not_equal(ow->line, nw->line); /* lines moved, that is no change */
	assert_int_equal(config_vip_change(ow, nw), CONFIG_UNCHANGED);
	assert_int_equal(
	    config_vip_change(config_find_vip(old, "api"), config_find_vip(new, "api")),
	    CONFIG_CHANGED);
	assert_int_equal(
	    config_vip_change(config_find_vip(old, "old"), config_find_vip(new, "old")),
	    CONFIG_REMOVED);
	assert_int_equal(
	    config_vip_change(config_find_vip(old, "new"), config_find_vip(new, "new")),
	    CONFIG_ADDED);
	assert_null(config_find_vip(new, "nope"));

	assert_int_equal(
	    config_backend_change(config_find_backend(ow, "b1"), config_find_backend(nw, "b1")),
	    CONFIG_UNCHANGED);
	assert_int_equal(
	    config_backend_change(config_find_backend(ow, "b2"), config_find_backend(nw, "b2")),
	    CONFIG_CHANGED);
	assert_int_equal(
	    config_backend_change(config_find_backend(ow, "b3"), config_find_backend(nw, "b3")),
	    CONFIG_REMOVED);
	assert_int_equal(
	    config_backend_change(config_find_backend(ow, "b4"), config_find_backend(nw, "b4")),
	    CONFIG_ADDED);
	assert_int_equal(
	    config_backend_change(config_find_backend(ow, "b5"), config_find_backend(nw, "b5")),
	    CONFIG_CHANGED);
	assert_true(config_node_equal(&old->node, &new->node));
	assert_true(config_bgp_equal(&old->bgp, &new->bgp));
	config_free(old);
	config_free(new);
}

static void test_reload_same_file_is_unchanged(void **state)
{
	struct edgelb_config *a = load_good("config/edgelb.conf");
	struct edgelb_config *b = load_good("config/edgelb.conf");

	for (size_t i = 0; i < a->n_vips; i++) {
		const struct config_vip *va = &a->vips[i];
		const struct config_vip *vb = config_find_vip(b, va->name);

		assert_int_equal(config_vip_change(va, vb), CONFIG_UNCHANGED);
		for (size_t j = 0; j < va->n_backends; j++)
			assert_int_equal(
			    config_backend_change(&va->backends[j],
						  config_find_backend(vb, va->backends[j].name)),
			    CONFIG_UNCHANGED);
	}
	assert_true(config_node_equal(&a->node, &b->node));
	assert_true(config_bgp_equal(&a->bgp, &b->bgp));
	b->bgp.announce[0].communities[1].value = 201;
	assert_false(config_bgp_equal(&a->bgp, &b->bgp));
	b->node.ring_size = 7;
	assert_false(config_node_equal(&a->node, &b->node));
	config_free(a);
	config_free(b);
}

/* Restart-only node settings are refused by name; the others, and dpdk's unused keys, pass. */
static void test_reload_refuses_restart_only_fields(void **state)
{
	struct edgelb_config *a = load_good("config/edgelb.conf");
	struct edgelb_config *b = load_good("config/edgelb.conf");
	char err[256] = "";

	assert_int_equal(config_check_reload(a, b, err, sizeof(err)), 0);
	b->node.hash_seed++;
	b->node.udp_idle_timeout_sec++;
	snprintf(b->node.dpdk.lcores, sizeof(b->node.dpdk.lcores), "2-3");
	assert_int_equal(config_check_reload(a, b, err, sizeof(err)), 0);
	b->node.ring_size = 7;
	assert_int_equal(config_check_reload(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "edgelb.conf:"));
	assert_non_null(
	    strstr(err, ": node.ring_size: cannot change on reload (detach and restart)"));
	b->node.ring_size = a->node.ring_size;
	snprintf(b->node.dpdk.shm_path, sizeof(b->node.dpdk.shm_path), "/dev/shm/other.tables");
	assert_int_equal(config_check_reload(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": node.dpdk.shm_path: cannot change"));
	snprintf(b->node.dpdk.shm_path, sizeof(b->node.dpdk.shm_path), "%s", a->node.dpdk.shm_path);
	b->node.interfaces[0].role =
	    b->node.interfaces[0].role == CONFIG_IF_BOTH ? CONFIG_IF_UPLINK : CONFIG_IF_BOTH;
	assert_int_equal(config_check_reload(a, b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ": node.interfaces: cannot change"));
	config_free(a);
	config_free(b);
}

static void test_names(void **state)
{
	assert_string_equal(config_backend_state_name(CONFIG_BACKEND_DRAIN), "drain");
	assert_string_equal(config_vip_forwarding_name(CONFIG_FWD_L2DSR), "l2dsr");
	assert_string_equal(config_vip_hash_name(CONFIG_HASH_5TUPLE), "5tuple");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_example_node),
	    cmocka_unit_test(test_example_vips),
	    cmocka_unit_test(test_example_bgp),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_every_bad_file_listed),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_error_fields),
	    cmocka_unit_test(test_format_error_parts),
	    cmocka_unit_test(test_truncated_example_never_crashes),
	    cmocka_unit_test(test_defaults_applied),
	    cmocka_unit_test(test_all_ports_vips),
	    cmocka_unit_test(test_ipv6),
	    cmocka_unit_test(test_wide_integers),
	    cmocka_unit_test(test_health_layers),
	    cmocka_unit_test(test_include),
	    cmocka_unit_test(test_reload_diff),
	    cmocka_unit_test(test_reload_same_file_is_unchanged),
	    cmocka_unit_test(test_reload_refuses_restart_only_fields),
	    cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
