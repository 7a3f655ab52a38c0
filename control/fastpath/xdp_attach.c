// SPDX-License-Identifier: MIT
/*
 * xdp_attach.c - load, pin, attach and adopt the XDP fast path (see xdp_attach.h), and its side
 * of the fastpath.h interface. Maps are pinned through libbpf's pin paths, so a second load reuses
 * them (libbpf checks that they are compatible); attachments are bpf_links pinned next to them, so
 * they outlive the process.
 */
#include "control/fastpath/xdp_attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/lb.skel.h"
#include "control/lib/log.h"
#include "control/lib/neigh.h"

#define META_NAME "edgelb_meta"

/* What edgelb_meta holds: adoption is refused when any of it differs. */
struct xdp_meta {
	uint32_t tables_version;
	uint32_t ring_size;
	uint32_t conn_table_size;
	uint32_t pad;
};

/*
 * Maps pinned and reused across restarts. tx_ports (a devmap) is not: libbpf cannot reuse a
 * pinned devmap, and it only depends on the interface list, which cannot change without a
 * detach; an adopted program keeps the one it was loaded with.
 */
static const char *const map_names[] = {
    "node_cfg",    "vip_filter",   "vips",      "rings",         "backends",
    "conns",       "global_stats", "vip_stats", "backend_stats", "conn_cache",
    "ring_active", "tick_state",   "vip_slots",
};

struct xdp_fastpath {
	struct fastpath fp; /* keep first */
	uint32_t ring_size;
	struct lbt_bpf_fds fds;
	int tx_ports_fd;
	int meta_fd;
	int link_fd[FASTPATH_MAX_IFS]; /* the pinned bpf_link of each interface */
	struct lb *skel;               /* the loaded program and our map descriptors */
	enum config_xdp_mode mode;
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static int pin_path(char *buf, size_t size, const char *dir, const char *prefix, const char *name)
{
	int n = snprintf(buf, size, "%s/%s%s", dir, prefix, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* mkdir -p; bpffs allows directories. */
static int make_dirs(const char *path)
{
	char buf[CONFIG_FS_PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Existing meta: check it matches. Missing: 1. Error: negative. */
static int check_meta(struct xdp_fastpath *x, const struct xdp_meta *want, char *err, size_t errlen)
{
	char path[CONFIG_FS_PATH_MAX + 32];
	struct xdp_meta have;
	uint32_t zero = 0;
	int fd, rc;

	rc = pin_path(path, sizeof(path), x->fp.location, "", META_NAME);
	if (rc)
		return fail(err, errlen, rc, "%s: path too long", x->fp.location);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	}
	if (bpf_map_lookup_elem(fd, &zero, &have)) {
		rc = -errno;
		close(fd);
		return fail(err, errlen, rc, "%s: %s", path, strerror(-rc));
	}
	if (have.tables_version != want->tables_version || have.ring_size != want->ring_size ||
	    have.conn_table_size != want->conn_table_size) {
		close(fd);
		return fail(err, errlen, -ESTALE,
			    "pinned fast path in %s has tables version %u, ring_size %u, "
			    "conn_table_size %u; this configuration needs %u, %u, %u: detach it "
			    "first (edgelbctl detach, or edgelbd -c FILE --detach)",
			    x->fp.location, have.tables_version, have.ring_size,
			    have.conn_table_size, want->tables_version, want->ring_size,
			    want->conn_table_size);
	}
	x->meta_fd = fd;
	return 0;
}

static int create_meta(struct xdp_fastpath *x, const struct xdp_meta *meta, char *err,
		       size_t errlen)
{
	char path[CONFIG_FS_PATH_MAX + 32];
	uint32_t zero = 0;
	int fd =
	    bpf_map_create(BPF_MAP_TYPE_ARRAY, META_NAME, sizeof(uint32_t), sizeof(*meta), 1, NULL);

	if (fd < 0)
		return fail(err, errlen, -errno, "create %s: %s", META_NAME, strerror(errno));
	pin_path(path, sizeof(path), x->fp.location, "", META_NAME);
	if (bpf_map_update_elem(fd, &zero, meta, BPF_ANY) || bpf_obj_pin(fd, path)) {
		int rc = -errno;

		close(fd);
		return fail(err, errlen, rc, "%s: %s", path, strerror(-rc));
	}
	x->meta_fd = fd;
	return 0;
}

/* Only the maps of the pinning contract (lb_maps.h); internal .rodata/.bss stay private. */
static int set_map_pins(struct lb *skel, const char *dir, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(skel->obj, map_names[i]);
		char path[CONFIG_FS_PATH_MAX + 32];
		int rc;

		if (!map) /* optional (conn_cache); lbt_bpf_fds_from_obj() checks the others */
			continue;
		rc = pin_path(path, sizeof(path), dir, "", map_names[i]);

		if (!rc)
			rc = bpf_map__set_pin_path(map, path);
		if (rc)
			return fail(err, errlen, rc, "pin path for map %s: %s", map_names[i],
				    strerror(-rc));
	}
	return 0;
}

static int load_program(struct xdp_fastpath *x, const struct config_node *node, char *err,
			size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, open_opts, .kconfig = lbt_bpf_kconfig());
	struct lb *skel = lb__open_opts(&open_opts);
	int template_fd, rc;

	if (!skel)
		return fail(err, errlen, -errno, "open lb.bpf.o: %s", strerror(errno));
	rc = set_map_pins(skel, x->fp.location, err, errlen);
	if (rc)
		goto out_destroy;
	template_fd = lbt_bpf_prepare_rings(skel->maps.rings, node->ring_size);
	if (template_fd < 0) {
		rc = fail(err, errlen, template_fd, "ring template (size %u): %s", node->ring_size,
			  strerror(-template_fd));
		goto out_destroy;
	}
	bpf_map__set_max_entries(skel->maps.conns, node->conn_table_size);
	rc = lb__load(skel);
	close(template_fd);
	if (rc) {
		rc = fail(err, errlen, rc,
			  "load lb.bpf.o: %s (pinned maps in %s incompatible? detach them first)",
			  strerror(-rc), x->fp.location);
		goto out_destroy;
	}
	rc = lbt_bpf_fds_from_obj(skel->obj, &x->fds);
	if (rc) {
		rc = fail(err, errlen, rc, "lb.bpf.o lacks a map of the table interface");
		goto out_destroy;
	}
	x->skel = skel;
	x->tx_ports_fd = bpf_map__fd(skel->maps.tx_ports);
	return 0;

out_destroy:
	lb__destroy(skel);
	return rc;
}

/* A pinned link still attached to ifindex: adopt it. Stale or missing: attach a new one. */
static int attach_interface(struct xdp_fastpath *x, size_t i, char *err, size_t errlen)
{
	struct fastpath_iface *xi = &x->fp.ifs[i];
	enum config_xdp_mode mode = x->mode;
	char path[CONFIG_FS_PATH_MAX + 32];
	struct bpf_link_info info;
	__u32 info_len = sizeof(info);
	int fd, rc;

	rc = pin_path(path, sizeof(path), x->fp.location, "link_", xi->name);
	if (rc)
		return fail(err, errlen, rc, "%s: path too long", x->fp.location);
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &info_len) &&
		    info.type == BPF_LINK_TYPE_XDP && (int)info.xdp.ifindex == xi->ifindex) {
			x->link_fd[i] = fd;
			xi->adopted = true;
			return 0;
		}
		close(fd);
		unlink(path);
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts,
		    .flags = mode == CONFIG_XDP_GENERIC ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
	fd = bpf_link_create(bpf_program__fd(x->skel->progs.edgelb_xdp), xi->ifindex, BPF_XDP,
			     &opts);
	if (fd < 0)
		return fail(err, errlen, -errno, "attach XDP (%s) to %s: %s%s",
			    mode == CONFIG_XDP_GENERIC ? "generic" : "native", xi->name,
			    strerror(errno),
			    errno == EBUSY || errno == EEXIST ? " (another XDP program is attached)"
			    : mode == CONFIG_XDP_NATIVE       ? " (try xdp_mode = \"generic\")"
							      : "");
	if (bpf_obj_pin(fd, path)) {
		rc = -errno;
		close(fd);
		return fail(err, errlen, rc, "pin %s: %s", path, strerror(-rc));
	}
	x->link_fd[i] = fd;
	return 0;
}

static int fill_tx_ports(struct xdp_fastpath *x, char *err, size_t errlen)
{
	for (uint32_t i = 0; i < x->fp.n_ifs; i++) {
		uint32_t ifindex = (uint32_t)x->fp.ifs[i].ifindex;

		if (bpf_map_update_elem(x->tx_ports_fd, &i, &ifindex, BPF_ANY))
			return fail(err, errlen, -errno, "tx_ports[%u] = %s: %s", i,
				    x->fp.ifs[i].name, strerror(errno));
	}
	return 0;
}

static int resolve_interfaces(struct fastpath *fp, const struct config_node *node, char *err,
			      size_t errlen)
{
	if (node->n_interfaces > FASTPATH_MAX_IFS)
		return fail(err, errlen, -E2BIG, "at most %d interfaces", FASTPATH_MAX_IFS);
	for (size_t i = 0; i < node->n_interfaces; i++) {
		struct fastpath_iface *xi = &fp->ifs[i];
		int rc;

		snprintf(xi->name, sizeof(xi->name), "%s", node->interfaces[i].name);
		xi->ifindex = (int)if_nametoindex(xi->name);
		if (!xi->ifindex)
			return fail(err, errlen, -ENODEV, "interface %s (line %d): %s", xi->name,
				    node->interfaces[i].line, strerror(errno));
		rc = neigh_interface_mac(xi->name, xi->mac);
		if (rc)
			return fail(err, errlen, rc, "MAC of %s: %s", xi->name, strerror(-rc));
	}
	fp->n_ifs = node->n_interfaces;
	return 0;
}

static void xdp_release(struct xdp_fastpath *x)
{
	for (size_t i = 0; i < FASTPATH_MAX_IFS; i++)
		if (x->link_fd[i] >= 0)
			close(x->link_fd[i]);
	if (x->fp.tables)
		lbt_bpf_free(x->fp.tables);
	if (x->skel)
		lb__destroy(x->skel);
	if (x->meta_fd >= 0)
		close(x->meta_fd);
	free(x);
}

int xdp_fastpath_open(struct fastpath **out, const struct config_node *node, char *err,
		      size_t errlen)
{
	struct xdp_meta meta = {LB_TABLES_VERSION, node->ring_size, node->conn_table_size, 0};
	struct xdp_fastpath *x = calloc(1, sizeof(*x));
	struct fastpath *fp;
	int rc;

	*out = NULL;
	if (!x)
		return fail(err, errlen, -ENOMEM, "out of memory");
	fp = &x->fp;
	fp->ops = &xdp_fastpath_ops;
	x->meta_fd = -1;
	x->tx_ports_fd = -1;
	for (size_t i = 0; i < FASTPATH_MAX_IFS; i++)
		x->link_fd[i] = -1;
	x->mode = node->xdp_mode;
	snprintf(fp->location, sizeof(fp->location), "%s", node->bpf_pin_dir);
	x->ring_size = node->ring_size;
	rc = resolve_interfaces(fp, node, err, errlen);
	if (!rc) {
		rc = make_dirs(fp->location);
		if (rc)
			rc = fail(err, errlen, rc, "bpf_pin_dir %s: %s (is bpffs mounted?)",
				  fp->location, strerror(-rc));
	}
	if (!rc) {
		rc = check_meta(x, &meta, err, errlen);
		fp->adopted = rc == 0;
		rc = rc > 0 ? 0 : rc;
	}
	if (!rc)
		rc = load_program(x, node, err, errlen);
	if (!rc && !fp->adopted)
		rc = create_meta(x, &meta, err, errlen);
	if (!rc)
		rc = fill_tx_ports(x, err, errlen);
	for (size_t i = 0; i < fp->n_ifs && !rc; i++)
		rc = attach_interface(x, i, err, errlen);
	if (!rc) {
		fp->tables = lbt_bpf_new(&x->fds, x->ring_size);
		if (!fp->tables)
			rc = fail(err, errlen, -ENOMEM, "table writer: out of memory");
	}
	if (rc) {
		xdp_release(x);
		return rc;
	}
	fp->alive = true;
	*out = fp;
	return 0;
}

int xdp_unpin_dir(const char *pin_dir)
{
	char path[CONFIG_FS_PATH_MAX + 32];
	struct dirent *de;
	DIR *d = opendir(pin_dir);
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		bool ours = !strncmp(de->d_name, "link_", 5) || !strcmp(de->d_name, META_NAME);

		for (size_t i = 0; i < sizeof(map_names) / sizeof(map_names[0]); i++)
			ours = ours || !strcmp(de->d_name, map_names[i]);
		if (!ours)
			continue;
		if (pin_path(path, sizeof(path), pin_dir, "", de->d_name) || unlink(path))
			rc = -errno;
	}
	closedir(d);
	if (rmdir(pin_dir) && errno != ENOTEMPTY)
		rc = rc ? rc : -errno;
	return rc;
}

/* ---- the fastpath.h interface ---- */

static int xdp_start(const struct config_node *node, struct fastpath **out)
{
	char err[FASTPATH_ERR_MAX * 2];
	struct fastpath *fp;
	int rc = xdp_fastpath_open(out, node, err, sizeof(err));

	if (rc) {
		ed_log(ED_LOG_ERROR, "fast path: %s", err);
		return rc;
	}
	fp = *out;
	for (size_t i = 0; i < fp->n_ifs; i++)
		ed_log(ED_LOG_INFO, "XDP on %s (ifindex %d): %s", fp->ifs[i].name,
		       fp->ifs[i].ifindex, fp->ifs[i].adopted ? "adopted" : "attached");
	ed_log(ED_LOG_INFO, "tables in %s: %s", fp->location,
	       fp->adopted ? "adopted (connections kept)" : "new");
	return 0;
}

static int xdp_read_installed(struct fastpath *fp, struct lb_backend *rows,
			      struct lbt_vip_entry *entries, size_t cap, size_t *n_entries)
{
	struct xdp_fastpath *x = (struct xdp_fastpath *)fp;
	struct lb_vip_key cur, prev_key;
	const struct lb_vip_key *prev = NULL;

	*n_entries = 0;
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++)
		if (bpf_map_lookup_elem(x->fds.backends, &i, &rows[i]))
			return -errno;
	while (*n_entries < cap && !bpf_map_get_next_key(x->fds.vips, prev, &cur)) {
		struct lbt_vip_entry *e = &entries[*n_entries];

		if (!bpf_map_lookup_elem(x->fds.vips, &cur, &e->meta)) {
			e->key = cur;
			(*n_entries)++;
		}
		prev_key = cur;
		prev = &prev_key;
	}
	return 0;
}

static void xdp_close(struct fastpath *fp)
{
	ed_log(ED_LOG_INFO, "fast path left running (pinned in %s)", fp->location);
	xdp_release((struct xdp_fastpath *)fp);
}

static int xdp_detach(struct fastpath *fp)
{
	struct xdp_fastpath *x = (struct xdp_fastpath *)fp;
	int rc = xdp_unpin_dir(fp->location);

	for (size_t i = 0; i < fp->n_ifs; i++)
		if (x->link_fd[i] >= 0)
			bpf_link_detach(x->link_fd[i]);
	ed_log(rc ? ED_LOG_ERROR : ED_LOG_INFO, "fast path detached, pins removed%s%s",
	       rc ? ": " : "", rc ? strerror(-rc) : "");
	xdp_release(x);
	return rc;
}

static int xdp_remove(const struct config_node *node, const char **what, const char **done)
{
	*what = node->bpf_pin_dir;
	*done = "pins removed, fast path detached";
	return xdp_unpin_dir(node->bpf_pin_dir);
}

static void xdp_render_status(const struct fastpath *fp, const struct config_node *node,
			      bool attached, bool json, struct textbuf *tb)
{
	if (json)
		return; /* nothing beyond forwarding and xdp_mode */
	tb_printf(tb, "fast path   %s, xdp %s, tables %s, pinned in %s\n",
		  attached ? "attached" : "DETACHED",
		  node->xdp_mode == CONFIG_XDP_GENERIC ? "generic" : "native",
		  fp && fp->adopted ? "adopted" : "new", fp ? fp->location : "");
}

const struct fastpath_ops xdp_fastpath_ops = {
    .name = "xdp",
    .detached_text = "detached",
    .waits_for = "the XDP program",
    .open = xdp_start,
    .remove = xdp_remove,
    .read_installed = xdp_read_installed,
    .close = xdp_close,
    .detach = xdp_detach,
    .render_status = xdp_render_status,
};
