// SPDX-License-Identifier: MIT
/*
 * adopt.c - taking over from an earlier edgelbd: read back what the fast path holds (backend
 * rows, VIP entries), give configured backends and VIPs the slots and VIP ids they had, and mark
 * the rows no configured backend claimed DOWN once the rings no longer point at them.
 */
#include "control/daemon/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "control/lib/log.h"

int ed_read_adopted(struct edgelbd *d, struct adopted *a)
{
	size_t cap = LB_MAX_VIPS * 4;
	int rc;

	a->rows = calloc(LB_MAX_BACKENDS, sizeof(*a->rows));
	a->claimed = calloc(LB_MAX_BACKENDS, sizeof(*a->claimed));
	a->entries = calloc(cap, sizeof(*a->entries));
	if (!a->rows || !a->claimed || !a->entries)
		return -ENOMEM;
	rc = fastpath_read_installed(d->fp, a->rows, a->entries, cap, &a->n_entries);
	for (uint32_t i = 0; !rc && i < LB_MAX_BACKENDS; i++)
		d->slot_gen[i] = a->rows[i].generation;
	return rc;
}

void ed_free_adopted(struct adopted *a)
{
	free(a->rows);
	free(a->claimed);
	free(a->entries);
}

void ed_adopt_backend(struct edgelbd *d, struct adopted *a, struct ed_backend *b)
{
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		struct lb_backend *row = &a->rows[i];

		if (a->claimed[i] || !row->generation || row->family != b->cfg.address.family ||
		    memcmp(&row->addr, &b->cfg.address.addr, sizeof(row->addr)))
			continue;
		a->claimed[i] = true;
		d->slot_used[i] = true;
		b->slot = i;
		b->generation = row->generation;
		b->row = *row;
		if (row->state != LB_BACKEND_DOWN) {
			b->health_up = true;
			b->provisional = true;
			b->in_ring = row->state == LB_BACKEND_UP;
		}
		memcpy(b->mac, row->mac, 6);
		b->mac_known = memcmp(row->mac, "\0\0\0\0\0\0", 6) != 0;
		b->tx_port = row->tx_port;
		return;
	}
}

void ed_adopt_vip(struct edgelbd *d, struct adopted *a, struct ed_vip *v)
{
	struct lb_vip_key key;

	ed_vip_key(&v->cfg, &key);
	for (size_t i = 0; i < a->n_entries; i++) {
		const struct lbt_vip_entry *e = &a->entries[i];

		if (memcmp(&e->key, &key, sizeof(key)) || (e->meta.flags & LB_VIP_F_FRAG_ONLY) ||
		    e->meta.vip_id >= LB_MAX_VIPS || d->vip_id_used[e->meta.vip_id])
			continue;
		d->vip_id_used[e->meta.vip_id] = true;
		v->vip_id = e->meta.vip_id;
		v->generation = e->meta.generation;
		return;
	}
}

/* Slots the old daemon used that no configured backend claimed: DOWN after the rings moved. */
void ed_retire_unclaimed_slots(struct edgelbd *d, struct adopted *a)
{
	for (uint32_t i = 0; i < LB_MAX_BACKENDS; i++) {
		struct lb_backend row = a->rows[i];

		if (a->claimed[i] || !row.generation || row.state == LB_BACKEND_DOWN)
			continue;
		row.state = LB_BACKEND_DOWN;
		d->fp->tables->ops->set_backend(d->fp->tables, i, &row);
		ed_log(ED_LOG_INFO, "slot %u: backend no longer configured, marked down", i);
	}
}
