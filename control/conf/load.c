// SPDX-License-Identifier: MIT
/*
 * load.c - config_load(): reads the file (and its @includes) with libconfig, runs the section
 * readers in order and then the checks across sections; the first problem found stops the load
 * and is reported with file, line, field path and what would be right. Also config_free(), the
 * error text, and the table of every accepted key (config_for_each_key()).
 */
#include "control/conf/sections.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const root_keys[] = {"node", "health", "vips", "api", "metrics", "bgp", NULL};

/* Every key check_keys() accepts, by section path (config_for_each_key() in config.h). */
static const struct {
	const char *section;
	const char *const *keys;
} key_tables[] = {
    {"", root_keys},
    {"node", node_keys},
    {"node.interfaces", interface_keys},
    {"node.dpdk", dpdk_keys},
    {"health", health_keys},
    {"vips", vip_keys},
    {"vips.backends", backend_keys},
    {"api", api_keys},
    {"metrics", metrics_keys},
    {"bgp", bgp_keys},
    {"bgp.peers", peer_keys},
    {"bgp.announce", announce_keys},
};

void config_for_each_key(void (*fn)(const char *section, const char *key, void *arg), void *arg)
{
	for (size_t t = 0; t < sizeof(key_tables) / sizeof(key_tables[0]); t++)
		for (size_t k = 0; key_tables[t].keys[k]; k++)
			fn(key_tables[t].section, key_tables[t].keys[k], arg);
}

static int load_root(struct loader *ld, config_t *lc)
{
	struct edgelb_config *cfg = ld->cfg;
	struct group root = {.ld = ld, .set = config_root_setting(lc), .path = ""};

	health_defaults(&cfg->health);
	if (check_keys(&root, root_keys) < 0 || load_node(&root, &cfg->node) < 0 ||
	    load_health(&root, &cfg->health) < 0 || load_vips(&root, cfg) < 0 ||
	    load_api(&root, &cfg->api, cfg->node.name) < 0 ||
	    load_metrics(&root, &cfg->metrics) < 0 || load_bgp(&root, &cfg->bgp) < 0)
		return -1;
	return check_across_sections(ld, cfg);
}

static int read_file(struct loader *ld, config_t *lc, const char *path)
{
	FILE *f = fopen(path, "r");
	char dir[CONFIG_FILE_MAX];
	const char *slash = strrchr(path, '/');

	if (!f) {
		snprintf(ld->err->message, sizeof(ld->err->message), "cannot open: %s",
			 strerror(errno));
		return -1;
	}
	if (getc(f) == EOF && ferror(f)) { /* e.g. a directory */
		snprintf(ld->err->message, sizeof(ld->err->message), "cannot read: %s",
			 strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	/* @include "x.conf" is relative to the including file's folder */
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(lc, dir);
	if (config_read_file(lc, path) == CONFIG_TRUE)
		return 0;
	snprintf(ld->err->file, sizeof(ld->err->file), "%s",
		 config_error_file(lc) ? config_error_file(lc) : path);
	ld->err->line = config_error_line(lc);
	snprintf(ld->err->message, sizeof(ld->err->message), "%s",
		 config_error_text(lc) ? config_error_text(lc) : "cannot read");
	return -1;
}

int config_load(const char *path, struct edgelb_config **out, struct config_error *err)
{
	struct loader ld = {.err = err, .file = path};
	config_t lc;
	int rc;

	*out = NULL;
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	ld.cfg = calloc(1, sizeof(*ld.cfg));
	if (!ld.cfg) {
		snprintf(err->message, sizeof(err->message), "out of memory");
		return -1;
	}
	snprintf(ld.cfg->file, sizeof(ld.cfg->file), "%s", path);
	config_init(&lc);
	rc = read_file(&ld, &lc, path);
	if (rc == 0)
		rc = load_root(&ld, &lc);
	config_destroy(&lc);
	free(ld.source_text);
	if (rc < 0) {
		config_free(ld.cfg);
		return -1;
	}
	*out = ld.cfg;
	return 0;
}

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void config_free(struct edgelb_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->node.interfaces);
	free_strings(cfg->node.dpdk.eal_args, cfg->node.dpdk.n_eal_args);
	free_strings(cfg->node.dpdk.ports, cfg->node.dpdk.n_ports);
	for (size_t i = 0; i < cfg->n_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	free(cfg->bgp.peers);
	for (size_t i = 0; i < cfg->bgp.n_announce; i++) {
		free(cfg->bgp.announce[i].communities);
		free(cfg->bgp.announce[i].large_communities);
	}
	free(cfg->bgp.announce);
	free(cfg);
}

int config_format_error(const struct config_error *err, char *buf, size_t size)
{
	const char *base = strrchr(err->file, '/');
	char line[16] = "";

	base = base ? base + 1 : err->file;
	if (err->line > 0)
		snprintf(line, sizeof(line), ":%d", err->line);
	return snprintf(buf, size, "%s%s: %s%s%s", base, line, err->field,
			err->field[0] ? ": " : "", err->message);
}
