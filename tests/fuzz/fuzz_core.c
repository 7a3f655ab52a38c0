// SPDX-License-Identifier: MIT
/*
 * fuzz_core.c - libFuzzer harness of the packet core through the userspace runner: an input is a
 * script of frames and table changes (fuzz_core.h) run on three runners that must agree on
 * everything:
 *
 *   xdp-placed  the frame at 0 mod 8, the IP header at 2 mod 4, as XDP and an mbuf place it;
 *   moved       the frame at the address mod 8 the input's first byte names (the core claims
 *               any alignment: parse.h);
 *   general     the userspace runner built without lb_fast_common (-DLB_NO_FAST_COMMON, its
 *               functions renamed *_general: fuzz.mk), at 0 mod 8: the general way must decide
 *               every frame the straight line takes as it does.
 *
 * After every frame: the same verdict, port, output frame and global counters in all three, and
 * the invariants of fz_check_output() on it; after every input, the same VIP and backend
 * counters. Built with ASan and UBSan (alignment included), so an out-of-bounds or misaligned
 * access stops it too. A violation aborts with what was wrong; the input is the reproducer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/user/user_tables.h"
#include "tests/fuzz/fuzz_core.h"

struct lb_user_tables *lb_user_tables_new_general(uint32_t conn_entries);
void lb_user_run_general(struct lb_user_tables *t, struct lb_pkt *pkt, void *buf_start,
			 struct lb_result *res);

/* Small, so that inputs reach full buckets and evictions. */
#define CONN_ENTRIES 64

typedef void (*user_run_fn)(struct lb_user_tables *, struct lb_pkt *, void *, struct lb_result *);

struct runner {
	const char *name;
	user_run_fn run;
	int moved;
	struct lb_user_tables *ut;
	struct fz_tables ft;
	unsigned char buf[FZ_HEADROOM + 8 + FZ_MAX_FRAME] __attribute__((aligned(64)));
	struct lb_result res;
	const unsigned char *out;
	size_t out_len;
};

static struct runner runners[3];

static struct lb_user_tables *new_tables(int general)
{
	return general ? lb_user_tables_new_general(CONN_ENTRIES) : lb_user_tables_new(CONN_ENTRIES);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *names[3] = {"xdp-placed", "moved", "general"};

	for (int i = 0; i < 3; i++) {
		struct runner *r = &runners[i];

		r->name = names[i];
		r->run = i == 2 ? lb_user_run_general : lb_user_run;
		r->moved = i == 1;
		r->ut = new_tables(i == 2);
		if (!r->ut || fz_tables_init(&r->ft, &r->ut->base)) {
			fprintf(stderr, "fuzz_core: the tables could not be written\n");
			exit(1);
		}
	}
	return 0;
}

static void run_frame(struct runner *r, const uint8_t *frame, size_t len, unsigned placement)
{
	unsigned char *start = r->buf + FZ_HEADROOM + (r->moved ? placement : 0);
	struct lb_pkt pkt = {.data = start, .end = start + len};

	memcpy(start, frame, len);
	r->run(r->ut, &pkt, r->buf, &r->res);
	r->out = pkt.data;
	r->out_len = (size_t)((unsigned char *)pkt.end - (unsigned char *)pkt.data);
}

static void compare(const struct runner *a, const struct runner *b)
{
	if (a->res.verdict != b->res.verdict || a->res.tx_port != b->res.tx_port ||
	    a->res.pushed != b->res.pushed)
		FZ_FAIL("%s: verdict %d port %u pushed %d, %s: %d %u %d", a->name, a->res.verdict,
			a->res.tx_port, a->res.pushed, b->name, b->res.verdict, b->res.tx_port,
			b->res.pushed);
	if (a->out_len != b->out_len || memcmp(a->out, b->out, a->out_len))
		FZ_FAIL("%s and %s output different frames", a->name, b->name);
	if (memcmp(&a->ut->gstats, &b->ut->gstats, sizeof(a->ut->gstats)))
		FZ_FAIL("%s and %s counted differently", a->name, b->name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_script s;
	struct fz_step st;

	for (int i = 0; i < 3; i++) {
		if (fz_tables_reset(&runners[i].ft, 1))
			FZ_FAIL("%s: resetting the tables failed", runners[i].name);
		runners[i].ut->now_tick = 0;
	}
	fz_script_start(&s, data, size);
	while (fz_script_next(&s, &st)) {
		if (st.op != FZ_OP_PACKET) {
			for (int i = 0; i < 3; i++) {
				if (st.op == FZ_OP_TICK)
					runners[i].ut->now_tick += st.a;
				else if (fz_apply(&runners[i].ft, &st))
					FZ_FAIL("%s: a table write failed", runners[i].name);
			}
			continue;
		}
		for (int i = 0; i < 3; i++)
			run_frame(&runners[i], st.frame, st.len, s.placement);
		fz_check_output(&runners[0].ft, st.frame, st.len, runners[0].res.verdict,
				runners[0].out, runners[0].out_len, runners[0].res.pushed,
				runners[0].res.tx_port);
		compare(&runners[0], &runners[1]);
		compare(&runners[0], &runners[2]);
	}
	for (int i = 1; i < 3; i++)
		if (memcmp(runners[0].ut->vstats, runners[i].ut->vstats,
			   sizeof(runners[0].ut->vstats)) ||
		    memcmp(runners[0].ut->bstats, runners[i].ut->bstats,
			   sizeof(runners[0].ut->bstats)))
			FZ_FAIL("%s and %s keep different VIP or backend counters", runners[0].name,
				runners[i].name);
	return 0;
}
