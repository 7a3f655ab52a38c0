/* SPDX-License-Identifier: MIT */
/*
 * policy.h - when to announce and when to withdraw a VIP prefix: pure logic, the caller passes
 * the time (an injectable clock), so it is tested without waiting.
 *
 * Input per prefix: "healthy now" (the daemon computes it: fast path attached and every VIP the
 * prefix covers has at least min_healthy healthy backends, see bgp_policy_prefix_healthy()).
 * Output: announce, withdraw or nothing. Withdraw at once on unhealthy; after a withdrawal,
 * announce again only once the prefix has been healthy without interruption for hold_down, so a
 * flapping backend does not make the prefix flap in the Internet's routing tables.
 * The very first announcement is immediate (nothing to dampen yet).
 */
#ifndef EDGELB_CONTROL_BGP_POLICY_H
#define EDGELB_CONTROL_BGP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bgp_policy_action {
	BGP_POLICY_NONE,
	BGP_POLICY_ANNOUNCE,
	BGP_POLICY_WITHDRAW,
};

struct bgp_prefix_policy {
	uint64_t hold_down_ns;
	uint64_t healthy_since_ns; /* valid while healthy_streak */
	bool announced;
	bool withdrawn_before; /* hold-down applies only after a first withdrawal */
	bool healthy_streak;
};

void bgp_policy_init(struct bgp_prefix_policy *p, uint64_t hold_down_ns);

/* Feed the current health; returns what to do now. Call again at bgp_policy_due_ns(). */
enum bgp_policy_action bgp_policy_update(struct bgp_prefix_policy *p, bool healthy_now,
					 uint64_t now_ns);

/* When a pending re-announcement becomes due (absolute ns), or 0 when nothing is pending. */
uint64_t bgp_policy_due_ns(const struct bgp_prefix_policy *p);

/*
 * The daemon's health input: the fast path is attached and each of the n VIPs covered by the
 * prefix has at least min_healthy healthy backends (n == 0: not healthy, nothing to serve).
 */
bool bgp_policy_prefix_healthy(bool fast_path_attached, const unsigned int *healthy_backends,
			       size_t n_vips, unsigned int min_healthy);

#endif
