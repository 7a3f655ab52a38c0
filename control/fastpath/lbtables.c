// SPDX-License-Identifier: MIT
/* lbtables.c - VIP entry expansion shared by every table implementation (see lbtables.h). */
#include "control/fastpath/lbtables.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/core/flow.h"
#include "dataplane/core/parse.h"

static struct lbt_vip_entry *find_entry(struct lbt_vip_entry *e, size_t n,
					const struct lb_vip_key *key)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&e[i].key, key, sizeof(*key)))
			return &e[i];
	return NULL;
}

static void filter_set(struct lb_vip_filter *f, const struct lb_vip_key *key)
{
	uint32_t bit = lb_vip_filter_bit(&key->addr, key->family);

	f->bits[bit / 64] |= 1ull << (bit % 64);
}

size_t lbt_vip_entries(const struct lbt_vip *vips, size_t n, struct lbt_vip_entry *out,
		       struct lb_vip_filter *filter)
{
	size_t count = 0;

	memset(filter, 0, sizeof(*filter));
	for (size_t i = 0; i < n; i++) {
		out[count++] = (struct lbt_vip_entry){vips[i].key, vips[i].meta};
		filter_set(filter, &vips[i].key);
	}
	for (size_t i = 0; i < n; i++) {
		const struct lb_vip_key *k = &vips[i].key;
		struct lb_vip_key icmp = {.addr = k->addr, .family = k->family};
		struct lb_vip_key frag = *k;
		struct lbt_vip_entry *alias;

		icmp.proto = k->family == LB_AF_INET ? LB_IPPROTO_ICMP : LB_IPPROTO_ICMPV6;
		if (!find_entry(out, count, &icmp))
			out[count++] =
			    (struct lbt_vip_entry){icmp, {.vip_id = vips[i].meta.vip_id}};

		frag.port = 0;
		alias = find_entry(out, count, &frag);
		if (!alias) {
			struct lb_vip_meta meta = vips[i].meta;

			meta.flags |= LB_VIP_F_FRAG_ONLY;
			out[count++] = (struct lbt_vip_entry){frag, meta};
		} else if ((alias->meta.flags & LB_VIP_F_FRAG_ONLY)) {
			/* the alias points at the lowest port, whatever the configuration order */
			const struct lbt_vip *owner = NULL;

			for (size_t j = 0; j < n; j++)
				if (vips[j].meta.vip_id == alias->meta.vip_id)
					owner = &vips[j];
			if (owner && lb_ntohs(k->port) < lb_ntohs(owner->key.port)) {
				alias->meta = vips[i].meta;
				alias->meta.flags |= LB_VIP_F_FRAG_ONLY;
			}
		}
	}
	return count;
}

int lbt_install_vips(struct lbt *t, const struct lbt_vip *vips, size_t n)
{
	struct lbt_vip_entry *e = calloc(3 * n + 1, sizeof(*e));
	struct lb_vip_filter filter;
	size_t count;
	int rc = 0;

	if (!e)
		return -ENOMEM;
	count = lbt_vip_entries(vips, n, e, &filter);
	for (size_t i = 0; i < count && !rc; i++)
		rc = t->ops->set_vip(t, &e[i].key, &e[i].meta);
	if (!rc)
		rc = t->ops->set_filter(t, &filter);
	free(e);
	return rc;
}
