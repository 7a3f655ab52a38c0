// SPDX-License-Identifier: MIT
/* policy.c - announce/withdraw decision with hold-down (see policy.h). */
#include "control/bgp/policy.h"

void bgp_policy_init(struct bgp_prefix_policy *p, uint64_t hold_down_ns)
{
	*p = (struct bgp_prefix_policy){.hold_down_ns = hold_down_ns};
}

static enum bgp_policy_action on_unhealthy(struct bgp_prefix_policy *p)
{
	p->healthy_streak = false;
	if (!p->announced)
		return BGP_POLICY_NONE;
	p->announced = false;
	p->withdrawn_before = true;
	return BGP_POLICY_WITHDRAW;
}

static enum bgp_policy_action on_healthy(struct bgp_prefix_policy *p, uint64_t now_ns)
{
	if (p->announced)
		return BGP_POLICY_NONE;
	if (!p->healthy_streak) {
		p->healthy_streak = true;
		p->healthy_since_ns = now_ns;
	}
	if (p->withdrawn_before && now_ns - p->healthy_since_ns < p->hold_down_ns)
		return BGP_POLICY_NONE;
	p->announced = true;
	return BGP_POLICY_ANNOUNCE;
}

enum bgp_policy_action bgp_policy_update(struct bgp_prefix_policy *p, bool healthy_now,
					 uint64_t now_ns)
{
	return healthy_now ? on_healthy(p, now_ns) : on_unhealthy(p);
}

uint64_t bgp_policy_due_ns(const struct bgp_prefix_policy *p)
{
	if (p->announced || !p->healthy_streak || !p->withdrawn_before)
		return 0;
	return p->healthy_since_ns + p->hold_down_ns;
}

bool bgp_policy_prefix_healthy(bool fast_path_attached, const unsigned int *healthy_backends,
			       size_t n_vips, unsigned int min_healthy)
{
	if (!fast_path_attached || n_vips == 0)
		return false;
	for (size_t i = 0; i < n_vips; i++)
		if (healthy_backends[i] < min_healthy)
			return false;
	return true;
}
