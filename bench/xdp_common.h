/* SPDX-License-Identifier: MIT */
/*
 * xdp_common.h - what the XDP benchmarks share: one benchmark topology (node, backends, VIPs,
 * Maglev rings of M = 65537) written into a loaded edgelb XDP object through the table interface,
 * the test packets (TCP over IPv4 / IPv6), and small statistics helpers.
 */
#ifndef EDGELB_BENCH_XDP_COMMON_H
#define EDGELB_BENCH_XDP_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "control/fastpath/lbtables.h"

struct bpf_object;

#define XB_RING_SIZE    LB_RING_SIZE_DEF /* Maglev's M = 65537, as in production */
#define XB_BACKENDS     16               /* per address family */
#define XB_VIP_PORT     443
#define XB_CLIENT_SPORT 20000 /* first source port; flows vary it upwards */
#define XB_FRAME_LEN    64    /* Ethernet frame without FCS; IPv6 frames are longer */
#define XB_FRAME_MAX    128

/* Addresses of the benchmark topology (documentation prefixes, never leave a test run / netns). */
#define XB_VIP4     "10.0.0.1"
#define XB_NON_VIP4 "10.0.0.99"
#define XB_CLIENT4  "198.51.100.7"
#define XB_VIP6     "fd00:e1b::1"
#define XB_CLIENT6  "2001:db8:c::7"

/* Before load: inner ring template and conn table size. Returns the template fd (close after load).
 */
int xb_prepare(struct bpf_object *obj, uint32_t conn_max);

/*
 * After load: node settings, XB_BACKENDS IPv4 and IPv6 backends, one TCP VIP per family with a
 * full ring. Returns the table handle (lbt_bpf_free() it), or NULL after printing why.
 */
struct lbt *xb_install_topology(struct bpf_object *obj);

/* TCP frames to dst:443 from the client address of dst's family. Return the frame length, 0 on a
 * bad address. */
size_t xb_tcp4_frame(uint8_t *buf, const char *dst, uint16_t sport, uint8_t tcp_flags);
size_t xb_tcp6_frame(uint8_t *buf, const char *dst, uint16_t sport, uint8_t tcp_flags);
size_t xb_sport_offset(const uint8_t *frame); /* where the TCP source port is in the frame */

struct bpf_test_run_opts;

/*
 * BPF_PROG_TEST_RUN of prog_fd with opts (repeat > 0); returns ns per run, or -errno. The kernel
 * reports the time divided by repeat, truncated to whole ns: for a program that takes a few tens
 * of ns that reads noticeably low, and the ratios as much high. The truncation's mean (half a ns)
 * is added back. (Timing the call here instead does not work: each call spends a varying time
 * outside the kernel's timer, far longer than the runs it times, whatever the repeat count.)
 */
double xb_test_run_ns(int prog_fd, struct bpf_test_run_opts *opts);

/* The median of n doubles (sorts a copy). */
double xb_median(const double *v, size_t n);

/* Pin the calling thread to one CPU; 0, or -1 with a message on stderr. */
int xb_pin_cpu(int cpu);

#endif
