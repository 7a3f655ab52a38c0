// SPDX-License-Identifier: MIT
/*
 * xdp_jitmap.c - for profiling a loaded BPF program: prints, for every line-info record, the
 * offset of its JIT-compiled code from the program's symbol, the source file:line, and the line's
 * text. perf reports samples as bpf_prog_<tag>_<name>+offset; this maps them back to source
 * without libbfd (Debian's bpftool and perf cannot annotate BPF). Used by bench/xdp_profile.sh.
 *
 *   xdp_jitmap PROG_ID   ->   "<hex offset>\t<file>:<line>\t<source text>" lines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

/* Line info of a program, as the kernel reports it after JIT. */
struct jit_lines {
	struct bpf_line_info *lines;
	__u64 *jited_addr;
	__u32 count;
	__u64 prog_start;
	__u32 btf_id;
};

static int read_line_counts(int fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	if (!info->nr_line_info || info->nr_jited_line_info != info->nr_line_info ||
	    !info->nr_jited_ksyms)
		return -ENODATA; /* no BTF line info, or not JIT-compiled */
	return 0;
}

static int read_jit_lines(int fd, struct jit_lines *jl)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int rc = read_line_counts(fd, &info);

	if (rc)
		return rc;
	jl->count = info.nr_line_info;
	jl->btf_id = info.btf_id;
	jl->lines = calloc(jl->count, sizeof(*jl->lines));
	jl->jited_addr = calloc(jl->count, sizeof(*jl->jited_addr));
	if (!jl->lines || !jl->jited_addr)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_line_info = jl->count;
	info.line_info_rec_size = sizeof(*jl->lines);
	info.line_info = (__u64)(unsigned long)jl->lines;
	info.nr_jited_line_info = jl->count;
	info.jited_line_info_rec_size = sizeof(__u64);
	info.jited_line_info = (__u64)(unsigned long)jl->jited_addr;
	info.nr_jited_ksyms = 1; /* the main program's address: offsets are relative to it */
	info.jited_ksyms = (__u64)(unsigned long)&jl->prog_start;
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? -errno : 0;
}

static void print_lines(const struct jit_lines *jl, const struct btf *btf)
{
	for (__u32 i = 0; i < jl->count; i++) {
		const struct bpf_line_info *li = &jl->lines[i];
		const char *file = btf__name_by_offset(btf, li->file_name_off);
		const char *text = btf__name_by_offset(btf, li->line_off);
		const char *base = file ? strrchr(file, '/') : NULL;

		printf("%llx\t%s:%u\t%s\n",
		       (unsigned long long)(jl->jited_addr[i] - jl->prog_start),
		       base ? base + 1 : (file ? file : "?"), BPF_LINE_INFO_LINE_NUM(li->line_col),
		       text ? text : "");
	}
}

int main(int argc, char **argv)
{
	struct jit_lines jl = {0};
	struct btf *btf = NULL;
	char *endp;
	long id;
	int fd, rc;

	id = argc == 2 ? strtol(argv[1], &endp, 10) : -1;
	if (argc != 2 || *endp || id <= 0) {
		fprintf(stderr, "usage: %s PROG_ID\n", argv[0]);
		return 2;
	}
	fd = bpf_prog_get_fd_by_id((__u32)id);
	if (fd < 0) {
		fprintf(stderr, "no BPF program with id %ld: %s\n", id, strerror(errno));
		return 1;
	}
	rc = read_jit_lines(fd, &jl);
	if (!rc) {
		btf = btf__load_from_kernel_by_id(jl.btf_id);
		rc = btf ? 0 : -errno;
	}
	if (rc)
		fprintf(stderr, "program %ld: no JIT line info: %s\n", id, strerror(-rc));
	else
		print_lines(&jl, btf);
	btf__free(btf);
	free(jl.lines);
	free(jl.jited_addr);
	close(fd);
	return rc ? 1 : 0;
}
