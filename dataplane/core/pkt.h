/* SPDX-License-Identifier: MIT */
/*
 * pkt.h - what a runner and the packet core hand each other: the packet (two pointers), the
 * verdict and its details, and the coarse clock unit. Runners include this before defining the
 * core's hooks (see lb.h).
 */
#ifndef EDGELB_CORE_PKT_H
#define EDGELB_CORE_PKT_H

#include "types.h"

/* Connection timestamps are ns >> LB_TICK_SHIFT (about 1.07 s): a shift, not a division. */
#define LB_TICK_SHIFT 30

enum lb_verdict {
	LB_PASS = 0, /* to the kernel's stack, untouched */
	LB_DROP,
	LB_TX,       /* back out of the receiving port */
	LB_REDIRECT, /* out of port lb_result.tx_port */
};

struct lb_pkt {
	void *data;
	void *end;
};

struct lb_result {
	enum lb_verdict verdict;
	__u32 tx_port;
	__s32 pushed; /* bytes added in front of the frame (encapsulation) */
};

#endif
