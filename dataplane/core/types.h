/* SPDX-License-Identifier: MIT */
/*
 * types.h - fixed-width types, byte order and inlining macros shared by the BPF and userspace
 * builds of the packet core. Both targets are little-endian (x86_64, bpfel).
 */
#ifndef EDGELB_CORE_TYPES_H
#define EDGELB_CORE_TYPES_H

#include <linux/types.h>

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define LB_INLINE static __always_inline

/* Loops over fixed small counts are unrolled: the verifier then sees constant offsets. */
#if defined(__clang__)
#define LB_UNROLL _Pragma("unroll")
#else
#define LB_UNROLL _Pragma("GCC unroll 16")
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "edgelb's packet core assumes a little-endian target"
#endif

#define lb_htons(x) ((__u16)__builtin_bswap16((__u16)(x)))
#define lb_ntohs(x) lb_htons(x)
#define lb_htonl(x) ((__u32)__builtin_bswap32((__u32)(x)))
#define lb_ntohl(x) lb_htonl(x)

/* Stack copies of keys read in 8-byte words (lb_maps.h): the BPF verifier wants them aligned. */
#define LB_WORD_ALIGNED __attribute__((aligned(8)))

#define lb_likely(x)   __builtin_expect(!!(x), 1)
#define lb_unlikely(x) __builtin_expect(!!(x), 0)

#endif
