// SPDX-License-Identifier: MIT
/*
 * edgelb_decap.c - edgelb-decap, the backend-side companion of the load balancer: loads
 * bpf/decap.bpf.o, tells it this backend's own addresses, the VIPs it serves and the load
 * balancers' outer source prefixes, and attaches it to the interface (native XDP unless
 * --generic) through a bpf_link pinned in bpffs with its maps beside it, so that decapsulation
 * goes on after the tool stops or dies. Needed where the kernel has no ipip/ip6_tunnel module,
 * and cheaper than a tunnel device.
 *
 *   edgelb-decap -i IFACE -l LOCAL_ADDR... -v VIP... -s SOURCE_PREFIX... [--generic] [--stats]
 *                [--pin-dir DIR]
 *   edgelb-decap -i IFACE --detach | --show-stats [--pin-dir DIR]
 *
 * A start with a link already pinned for the interface swaps the new program (and maps) into
 * that link in one step: a restart never lets tunnelled packets through undecapsulated. Under
 * systemd (Type=notify) it reports READY=1 once the program is attached; its messages carry
 * journal priorities when stderr is the journal.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include "bpf/decap.skel.h"
#include "dataplane/core/tables.h"
#include "version.h"

#define DEFAULT_PIN_DIR "/sys/fs/bpf/edgelb-decap"
#define MAX_LOCALS      16
#define MAX_VIPS        64
#define MAX_SOURCES     64

struct decap_addr_key { /* as in bpf/decap.bpf.c */
	struct lb_addr addr;
	__u32 family;
};

struct decap_src_key { /* decap_src4_key / decap_src6_key of bpf/decap.bpf.c */
	__u32 prefixlen;
	__u8 addr[16];
};

/* decap_stats indexes of bpf/decap.bpf.c (enum decap_counter) */
static const char *const counter_names[] = {"decapsulated", "not_tunnel", "not_vip", "malformed",
					    "unknown_source"};
#define NCOUNTERS (sizeof(counter_names) / sizeof(counter_names[0]))

/* The maps pinned beside the link, by their names in bpf/decap.bpf.c. */
static const char *const map_pins[] = {"decap_local", "decap_vips", "decap_src4", "decap_src6",
				       "decap_stats"};
#define LINK_PIN "link"

static bool on_journal; /* stderr is the journal */

/* Whether stderr is the stream systemd names in $JOURNAL_STREAM ("device:inode"). */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!env || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2 || fstat(2, &st))
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/* One line on stderr, "edgelb-decap: ..."; on the journal with its priority (<3> or <6>) first. */
static void __attribute__((format(printf, 2, 3))) say(bool error, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%sedgelb-decap: ", !on_journal ? "" : error ? "<3>" : "<6>");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: edgelb-decap -i IFACE -l LOCAL_ADDR [-l ...] -v VIP [-v ...] "
	    "-s PREFIX [-s ...]\n"
	    "                    [--generic] [--stats] [--pin-dir DIR]\n"
	    "       edgelb-decap -i IFACE --detach [--pin-dir DIR]\n"
	    "       edgelb-decap -i IFACE --show-stats [--pin-dir DIR]\n"
	    "       edgelb-decap --help | --version\n"
	    "  -i, --iface IFACE    the interface to attach to\n"
	    "  -l, --local ADDR     this backend's own address (outer destination); repeatable\n"
	    "  -v, --vip VIP        a VIP it serves (inner destination); repeatable\n"
	    "  -s, --source PREFIX  an LB node's outer source prefix (its encap_source_v4/v6),\n"
	    "                       IPv4 or IPv6, ADDR or ADDR/LEN; repeatable, at least one\n"
	    "  -g, --generic        generic (skb) XDP instead of native\n"
	    "  --stats              print the counters when stopping (SIGUSR1: at any time)\n"
	    "  --pin-dir DIR        bpffs directory of the pins (default " DEFAULT_PIN_DIR "):\n"
	    "                       DIR/IFACE/link and the maps beside it\n"
	    "  --detach             remove the pinned program from IFACE, and its pins\n"
	    "  --show-stats         print the pinned program's counters and exit\n"
	    "  -h, --help           this text\n"
	    "  --version            print \"edgelb-decap VERSION\" and exit\n"
	    "The program stays attached after edgelb-decap exits, until --detach.\n");
}

static int parse_addr(const char *text, struct decap_addr_key *key)
{
	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, text, key->addr.b) == 1)
		key->family = LB_AF_INET;
	else if (inet_pton(AF_INET6, text, key->addr.b) == 1)
		key->family = LB_AF_INET6;
	else
		return -1;
	return 0;
}

static int add_addr(int map_fd, const char *text, const char *what)
{
	struct decap_addr_key key;
	__u8 one = 1;

	if (parse_addr(text, &key)) {
		say(true, "%s '%s' is not an IPv4 or IPv6 address", what, text);
		return -1;
	}
	if (bpf_map_update_elem(map_fd, &key, &one, BPF_ANY)) {
		say(true, "adding %s %s: %s", what, text, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * "ADDR" (a host: /32 or /128) or "ADDR/LEN" into an LPM key; *family 4 or 6. Host bits must be
 * zero, as in edgelb.conf's encap_source_v4/v6: 10.1.2.3/24 is more likely a typo than a /24.
 */
static int parse_prefix(const char *text, struct decap_src_key *key, int *family)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;
	unsigned max;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = 0;
	memset(key, 0, sizeof(*key));
	if (inet_pton(AF_INET, buf, key->addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, key->addr) == 1)
		*family = 6;
	else
		return -1;
	max = *family == 4 ? 32 : 128;
	len = max;
	if (slash) {
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > max)
			return -1;
	}
	for (unsigned bit = (unsigned)len; bit < max; bit++)
		if (key->addr[bit / 8] & (0x80 >> (bit % 8)))
			return -2;
	key->prefixlen = (__u32)len;
	return 0;
}

static int add_source(struct decap *skel, const char *text)
{
	struct decap_src_key key;
	int family, rc = parse_prefix(text, &key, &family);
	__u8 one = 1;

	if (rc) {
		say(true, "source '%s' %s", text,
		    rc == -2 ? "has host bits set beyond its prefix length"
			     : "is not an IPv4 or IPv6 address or ADDR/LEN prefix");
		return -1;
	}
	if (bpf_map_update_elem(
		bpf_map__fd(family == 4 ? skel->maps.decap_src4 : skel->maps.decap_src6), &key,
		&one, BPF_ANY)) {
		say(true, "adding source %s: %s", text, strerror(errno));
		return -1;
	}
	return 0;
}

/* 1: path is on a bpffs, 0: on another file system, -errno: cannot tell (missing, no access). */
static int fs_is_bpffs(const char *path)
{
	struct statfs fs;

	if (statfs(path, &fs))
		return -errno;
	return fs.f_type == BPF_FS_MAGIC;
}

static void say_not_bpffs(const char *path, int rc, const char *what)
{
	if (rc == 0)
		say(true, "%s is not on a bpffs: %s", path, what);
	else
		say(true, "%s: %s", path, strerror(-rc));
}

static int join(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/*
 * Unlinks a pin, only if it is on a bpffs: whatever --pin-dir names, no file of another file
 * system is ever removed. 0 also when there was nothing.
 */
static int unpin(const char *path)
{
	int rc = fs_is_bpffs(path);

	if (rc == -ENOENT)
		return 0;
	if (rc != 1) {
		say_not_bpffs(path, rc, "left alone");
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		say(true, "removing %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* DIR, created if missing, a directory on a bpffs (and, if created, below one). */
static int bpffs_dir(const char *path)
{
	const char *where = path;
	char parent[PATH_MAX];
	int rc = fs_is_bpffs(path);
	char *slash;

	if (rc == -ENOENT) {
		snprintf(parent, sizeof(parent), "%s", path);
		slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = 0;
		else if (slash)
			*slash = 0;
		else
			strcpy(parent, ".");
		where = parent;
		rc = fs_is_bpffs(parent);
		if (rc == 1 && mkdir(path, 0700) && errno != EEXIST) {
			say(true, "creating %s: %s", path, strerror(errno));
			return -1;
		}
	}
	if (rc == 1)
		return 0;
	say_not_bpffs(where, rc, "mount one (mount -t bpf bpf /sys/fs/bpf) or use --pin-dir");
	return -1;
}

/* Sums of the per-CPU counters of a decap_stats map, printed "name=value", one a line. */
static void print_stats(int stats_fd)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 *vals = ncpus > 0 ? calloc((size_t)ncpus, sizeof(__u64)) : NULL;

	for (__u32 k = 0; vals && k < NCOUNTERS; k++) {
		__u64 sum = 0;

		if (bpf_map_lookup_elem(stats_fd, &k, vals))
			continue;
		for (int c = 0; c < ncpus; c++)
			sum += vals[c];
		printf("%s=%llu\n", counter_names[k], (unsigned long long)sum);
	}
	fflush(stdout);
	free(vals);
}

/*
 * The pinned counters, if they are a map of the shape this program's decap_stats has: reused, so
 * that they count on across restarts. Anything else there is replaced by the new map later.
 */
static void reuse_stats(struct decap *skel, const char *dir)
{
	struct bpf_map *m = skel->maps.decap_stats;
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);
	char path[PATH_MAX];
	int fd;

	if (join(path, sizeof(path), dir, "decap_stats") || (fd = bpf_obj_get(path)) < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == bpf_map__type(m) &&
	    info.key_size == bpf_map__key_size(m) && info.value_size == bpf_map__value_size(m) &&
	    info.max_entries == bpf_map__max_entries(m))
		bpf_map__reuse_fd(m, fd);
	close(fd);
}

/* Which mode the XDP program prog_id is attached in on ifindex: XDP_FLAGS_DRV/SKB_MODE, 0. */
static __u32 attached_mode(int ifindex, __u32 prog_id)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (q.drv_prog_id == prog_id)
		return XDP_FLAGS_DRV_MODE;
	if (q.skb_prog_id == prog_id)
		return XDP_FLAGS_SKB_MODE;
	return 0;
}

/* "another XDP program (id N, name X) is attached": who holds the interface. */
static void say_busy(const char *iface, int ifindex)
{
	struct bpf_prog_info info = {0};
	__u32 id = 0, len = sizeof(info);
	int fd;

	bpf_xdp_query_id(ifindex, 0, &id);
	fd = id ? bpf_prog_get_fd_by_id(id) : -1;
	if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len))
		info.name[0] = 0;
	if (fd >= 0)
		close(fd);
	say(true,
	    "attaching to %s: another XDP program (id %u%s%s) is attached, not through a link of "
	    "ours; remove it first (ip link set dev %s xdp off)",
	    iface, id, info.name[0] ? ", name " : "", info.name, iface);
}

/*
 * The program onto the interface through the pinned link DIR/link: a live link of the same mode
 * takes the new program in one step (no packet sees neither); a stale one (the interface was
 * gone) is dropped; a link of the other mode is detached first. Otherwise a new link is made and
 * pinned. Returns the link's fd, *adopted true if it was the pinned one.
 */
static int attach(struct decap *skel, const char *dir, const char *iface, int ifindex, __u32 mode,
		  bool *adopted)
{
	int prog_fd = bpf_program__fd(skel->progs.edgelb_decap), fd;
	struct bpf_link_info info = {0};
	__u32 len = sizeof(info);
	char path[PATH_MAX];

	*adopted = false;
	if (join(path, sizeof(path), dir, LINK_PIN)) {
		say(true, "%s: path too long", dir);
		return -1;
	}
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		bool live = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
			    info.type == BPF_LINK_TYPE_XDP && (int)info.xdp.ifindex == ifindex;
		__u32 have = live ? attached_mode(ifindex, info.prog_id) : 0;

		if (live && have == mode) {
			if (!bpf_link_update(fd, prog_fd, NULL)) {
				*adopted = true;
				return fd;
			}
			say(false, "pinned link %s: update failed (%s), making a new one", path,
			    strerror(errno));
			bpf_link_detach(fd);
		} else if (live) {
			say(false, "pinned link on %s is %s XDP: replacing it", iface,
			    have == XDP_FLAGS_SKB_MODE   ? "generic"
			    : have == XDP_FLAGS_DRV_MODE ? "native"
							 : "of unknown mode");
			bpf_link_detach(fd);
		} else {
			say(false, "pinned link %s is stale (interface gone): replacing it", path);
		}
		close(fd);
		if (unpin(path))
			return -1;
	}
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = mode);
	fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &opts);
	if (fd < 0) {
		if (errno == EBUSY || errno == EEXIST)
			say_busy(iface, ifindex);
		else
			say(true, "attaching to %s failed: %s%s", iface, strerror(errno),
			    mode == XDP_FLAGS_DRV_MODE ? " (try --generic)" : "");
		return -1;
	}
	if (bpf_obj_pin(fd, path)) {
		say(true, "pinning %s: %s", path, strerror(errno));
		close(fd); /* the only reference: detaches */
		return -1;
	}
	return fd;
}

static __u32 map_id(int fd)
{
	struct bpf_map_info info = {0};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The maps beside the link, replacing the previous start's (except a reused decap_stats). */
static int pin_maps(struct decap *skel, const char *dir)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		struct bpf_map *m = bpf_object__find_map_by_name(skel->obj, map_pins[i]);
		int fd;

		if (!m || join(path, sizeof(path), dir, map_pins[i]))
			return -1;
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			bool same = map_id(fd) && map_id(fd) == map_id(bpf_map__fd(m));

			close(fd);
			if (same) /* the reused decap_stats */
				continue;
		}
		if (unpin(path))
			return -1;
		if (bpf_obj_pin(bpf_map__fd(m), path)) {
			say(true, "pinning %s: %s", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* One edgelb-decap per interface and pin directory at a time: a lock on DIR/IFACE. */
static int lock_dir(const char *dir, const char *iface)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		say(true, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		say(true, "another edgelb-decap runs on %s (pins in %s)", iface, dir);
		close(fd);
		return -1;
	}
	return fd;
}

/* --detach: the link detached from the interface and its pins and directory removed. */
static int detach(const char *dir, const char *iface)
{
	char path[PATH_MAX];
	int fd, lock, rc = fs_is_bpffs(dir);

	if (rc == -ENOENT) {
		say(false, "nothing pinned for %s in %s", iface, dir);
		return 0;
	}
	if (rc != 1) {
		say_not_bpffs(dir, rc, "nothing removed");
		return 1;
	}
	rc = 0;
	lock = lock_dir(dir, iface);
	if (lock < 0)
		return 1;
	if (join(path, sizeof(path), dir, LINK_PIN))
		return 1;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* detaches now, whoever else holds the link */
		if (bpf_link_detach(fd) && errno != ENOLINK) {
			say(true, "detaching %s: %s", path, strerror(errno));
			rc = 1;
		}
		close(fd);
	}
	if (!rc && unpin(path))
		rc = 1;
	for (size_t i = 0; !rc && i < sizeof(map_pins) / sizeof(map_pins[0]); i++)
		if (join(path, sizeof(path), dir, map_pins[i]) || unpin(path))
			rc = 1;
	if (!rc && rmdir(dir) && errno != ENOENT) {
		say(true, "removing %s: %s", dir, strerror(errno));
		rc = 1;
	}
	close(lock);
	if (!rc)
		say(false, "detached from %s, pins in %s removed", iface, dir);
	return rc;
}

static int show_stats(const char *dir, const char *iface)
{
	char path[PATH_MAX];
	int fd;

	if (join(path, sizeof(path), dir, "decap_stats"))
		return 1;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		say(true, "no counters pinned for %s (%s: %s)", iface, path, strerror(errno));
		return 1;
	}
	print_stats(fd);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_STATS = 256, OPT_PIN_DIR, OPT_DETACH, OPT_SHOW_STATS, OPT_VERSION };
	static const struct option opts[] = {{"iface", required_argument, 0, 'i'},
					     {"local", required_argument, 0, 'l'},
					     {"vip", required_argument, 0, 'v'},
					     {"source", required_argument, 0, 's'},
					     {"generic", no_argument, 0, 'g'},
					     {"stats", no_argument, 0, OPT_STATS},
					     {"pin-dir", required_argument, 0, OPT_PIN_DIR},
					     {"detach", no_argument, 0, OPT_DETACH},
					     {"show-stats", no_argument, 0, OPT_SHOW_STATS},
					     {"help", no_argument, 0, 'h'},
					     {"version", no_argument, 0, OPT_VERSION},
					     {0, 0, 0, 0}};
	const char *iface = NULL, *pin_dir = DEFAULT_PIN_DIR, *locals[MAX_LOCALS], *vips[MAX_VIPS],
		   *sources[MAX_SOURCES];
	int nlocal = 0, nvip = 0, nsource = 0, c, ifindex, sig, link_fd, lock;
	bool generic = false, stats = false, do_detach = false, do_show = false, adopted;
	char dir[PATH_MAX], pin_buf[PATH_MAX];
	struct decap *skel;
	sigset_t set;
	__u32 mode;

	on_journal = stderr_is_journal();
	while ((c = getopt_long(argc, argv, "i:l:v:s:gh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			iface = optarg;
			break;
		case 'l':
			if (nlocal == MAX_LOCALS) {
				say(true, "at most %d -l", MAX_LOCALS);
				return 2;
			}
			locals[nlocal++] = optarg;
			break;
		case 'v':
			if (nvip == MAX_VIPS) {
				say(true, "at most %d -v", MAX_VIPS);
				return 2;
			}
			vips[nvip++] = optarg;
			break;
		case 's':
			if (nsource == MAX_SOURCES) {
				say(true, "at most %d -s", MAX_SOURCES);
				return 2;
			}
			sources[nsource++] = optarg;
			break;
		case 'g':
			generic = true;
			break;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_PIN_DIR:
			pin_dir = optarg;
			break;
		case OPT_DETACH:
			do_detach = true;
			break;
		case OPT_SHOW_STATS:
			do_show = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("edgelb-decap %s\n", EDGELB_VERSION);
			return 0;
		default:
			goto usage;
		}
	}
	if (optind < argc || !iface || (do_detach && do_show))
		goto usage;
	/* the name becomes a directory below --pin-dir, which --detach empties */
	if (!*iface || strlen(iface) >= IFNAMSIZ || strpbrk(iface, "/ \t\n") ||
	    !strcmp(iface, ".") || !strcmp(iface, "..")) {
		say(true, "'%s' is not an interface name", iface);
		return 2;
	}
	snprintf(pin_buf, sizeof(pin_buf), "%s", pin_dir);
	for (size_t n = strlen(pin_buf); n > 1 && pin_buf[n - 1] == '/'; n--)
		pin_buf[n - 1] = 0;
	pin_dir = pin_buf;
	if (!*pin_dir || join(dir, sizeof(dir), pin_dir, iface)) {
		say(true, "--pin-dir '%s': empty or too long", pin_dir);
		return 2;
	}
	if (do_detach || do_show) {
		if (nlocal || nvip || nsource || generic || stats)
			goto usage;
		return do_detach ? detach(dir, iface) : show_stats(dir, iface);
	}
	if (!nlocal || !nvip)
		goto usage;
	if (!nsource) {
		/* without it any host could have this backend answer for a VIP to any address */
		say(true, "no -s: give the load balancers' outer source prefixes (their "
			  "encap_source_v4/v6); -s 0.0.0.0/0 -s ::/0 accepts every source");
		return 2;
	}
	ifindex = (int)if_nametoindex(iface);
	if (!ifindex) {
		say(true, "no interface %s", iface);
		return 1;
	}
	/* from here on, so that a SIGUSR1 (whose default is to exit) meets no window */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (bpffs_dir(pin_dir) || bpffs_dir(dir))
		return 1;
	lock = lock_dir(dir, iface);
	if (lock < 0)
		return 1;
	skel = decap__open();
	if (!skel) {
		say(true, "opening decap.bpf.o failed");
		return 1;
	}
	reuse_stats(skel, dir);
	if (decap__load(skel)) {
		say(true,
		    "loading decap.bpf.o failed (root? CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON?)");
		return 1;
	}
	for (int i = 0; i < nlocal; i++)
		if (add_addr(bpf_map__fd(skel->maps.decap_local), locals[i], "local address"))
			return 1;
	for (int i = 0; i < nvip; i++)
		if (add_addr(bpf_map__fd(skel->maps.decap_vips), vips[i], "VIP"))
			return 1;
	for (int i = 0; i < nsource; i++)
		if (add_source(skel, sources[i]))
			return 1;
	mode = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	link_fd = attach(skel, dir, iface, ifindex, mode, &adopted);
	if (link_fd < 0 || pin_maps(skel, dir))
		return 1;
	say(false, "attached to %s (%s%s), %d VIPs, %d source prefixes; pins in %s", iface,
	    generic ? "generic" : "native", adopted ? ", into the pinned link" : "", nvip, nsource,
	    dir);
	/* the signals were blocked before READY=1: a stop right after it is not lost */
	sd_notifyf(0, "READY=1\nSTATUS=decapsulating on %s (%s XDP), %d VIPs, %d source prefixes",
		   iface, generic ? "generic" : "native", nvip, nsource);
	while (!sigwait(&set, &sig) && sig == SIGUSR1)
		print_stats(bpf_map__fd(skel->maps.decap_stats));
	sd_notify(0, "STOPPING=1");
	if (stats)
		print_stats(bpf_map__fd(skel->maps.decap_stats));
	say(false, "exiting; the program stays on %s (edgelb-decap -i %s --detach removes it)",
	    iface, iface);
	close(link_fd);
	decap__destroy(skel);
	close(lock);
	return 0;
usage:
	usage(stderr);
	return 2;
}
