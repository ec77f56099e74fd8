// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: sync receive (backup side): a peer's records applied to the
 * user and session tables (session.c). The peer speaks for the users of
 * its own SL only, and a record that fits none of this router's settings
 * is refused, never half-applied.
 *
 * Locking rules: as session.c's. Called from the sync receive path with
 * rcu_read_lock() held; a user's blocks and sessions change only with
 * its u->lock held (asserted in session.c), and a block's bit in its
 * address's map only under inst->pool_lock.
 */
#include <linux/spinlock.h>
#include <net/ipv6.h>

#include "dslite.h"

/*
 * The user of a synced record: the peer speaks for the users of its own
 * SL only, never for those of another SL (in 1+1 this router is master
 * of the other). NULL with *err set (-EINVAL) when it may not. RCU held.
 */
static struct dslite_user *dslite_sync_user(struct dslite_instance *inst,
					    u32 sl_id, const u8 *b4,
					    bool create, int *err)
{
	struct dslite_user *u;
	struct in6_addr a;

	*err = 0;
	if (!dslite_sync_b4_ok(b4)) {
		*err = -EINVAL;
		return NULL;
	}
	memcpy(&a, b4, 16);
	u = dslite_user_get(inst, &a, create, sl_id);
	if (u && u->sl_id != sl_id) {
		*err = -EINVAL;
		return NULL;
	}
	if (!u && create)
		*err = -ENOMEM;
	return u;
}

/*
 * Sync receive (backup side): install a block a peer's user holds. The
 * block is marked taken on its address; the user is created on demand.
 * Returns 0, or
 *  -EINVAL: the record fits none of this router's settings (a pool of
 *   the SL, the block range, a B4 address, a user of that SL): refused;
 *  -EBUSY: what this router still holds and the master no longer does
 *   is in the way (the user on another address or at its block quota
 *   with sessions, or the block held by another user here). The caller
 *   drops the stale sessions (the sweep after the bulk, which also gives
 *   back blocks left without sessions) and asks for another bulk.
 * A block is never held by two users: that is what keeps the pool's
 * accounting (blocks used) true. RCU held.
 */
int dslite_sync_install_block(struct dslite_instance *inst, u32 sl_id,
			      const struct dslite_sync_block *b)
{
	u32 nblocks = dslite_blocks_per_addr(inst->cfg.port_lo,
					     inst->cfg.port_hi,
					     inst->cfg.block_size);
	struct dslite_pool *p = dslite_pool_of_addr(inst, b->pub_addr);
	u32 max = min_t(u32, READ_ONCE(inst->cfg.max_blocks),
			DSLITE_MAX_BLOCKS_USER);
	unsigned long *ports;
	struct dslite_paddr *pa;
	struct dslite_user *u;
	bool taken;
	int i, err;

	/* pools of the SL, or of none (shared by every SL) */
	if (!p || (p->sl_id && p->sl_id != sl_id) || b->idx >= nblocks)
		return -EINVAL;
	pa = &p->addrs[ntohl(b->pub_addr) - ntohl(p->prefix)];
	u = dslite_sync_user(inst, sl_id, b->b4, true, &err);
	if (!u)
		return err;
	spin_lock_bh(&u->lock);
	if (u->dead)
		goto out;
	if (u->pa && u->pa != pa)
		dslite_user_drop_idle_blocks(inst, u);
	/* already held: the same index on the same address only */
	for (i = 0; u->pa == pa && i < u->n_blocks; i++)
		if (u->blocks[i].idx == b->idx)
			goto out;
	if (u->n_blocks >= max)
		dslite_user_drop_idle_blocks(inst, u);
	if ((u->pa && u->pa != pa) || u->n_blocks >= max) {
		err = -EBUSY;
		goto out;
	}
	if (dslite_user_grow(u, READ_ONCE(inst->cfg.max_blocks)))
		goto out;
	/* its taken ports, marked as its sessions are installed */
	ports = dslite_ports_alloc(inst->cfg.block_size);
	if (!ports)
		goto out;
	spin_lock_bh(&inst->pool_lock);
	/* free, or resting here: ours now; else another user holds it */
	taken = test_bit(b->idx, pa->map) &&
		!dslite_pool_unrest(inst, pa, b->idx);
	if (!taken && !__test_and_set_bit(b->idx, pa->map))
		pa->used++;
	spin_unlock_bh(&inst->pool_lock);
	if (taken) {
		kfree(ports);
		err = -EBUSY;
		goto out;
	}
	u->pa = pa;
	u->blocks[u->n_blocks].idx = b->idx;
	u->blocks[u->n_blocks].sessions = 0;
	u->blocks[u->n_blocks].ports = ports;
	u->n_blocks++;
	if (atomic_inc_return(&inst->n_blocks) > READ_ONCE(inst->peak_blocks))
		WRITE_ONCE(inst->peak_blocks, atomic_read(&inst->n_blocks));
out:
	spin_unlock_bh(&u->lock);
	return err;
}

/*
 * Sync receive: install, refresh or delete a session. Its lifetime is
 * set from the remaining seconds the master reported, never more than
 * this router's timeout for its state. Returns 0, or -EINVAL (refused:
 * the record fits no setting here: see dslite_sync_session_ok(), the
 * instance's port range, the SL's pools), -EDQUOT (the instance's or
 * the user's session limit is reached: refused, and stale state may be
 * what fills it), or -EBUSY (stale state of this router is in the way;
 * see dslite_sync_install_block).
 */
int dslite_sync_install_session(struct dslite_instance *inst, u32 sl_id,
				const struct dslite_sync_session *r, bool del,
				u8 gen)
{
	struct dslite_pool *p = dslite_pool_of_addr(inst, r->pub_addr);
	struct dslite_session *s, *any;
	struct dslite_okey ok = { };
	struct dslite_ikey ik = { };
	struct dslite_user *u;
	int slot, drop, idx, err;
	u16 port = ntohs(r->pub_port);
	u32 to;

	/* all of it before a user is made for it */
	if (dslite_sync_session_ok(r) ||
	    port < READ_ONCE(inst->cfg.port_lo) ||
	    port > READ_ONCE(inst->cfg.port_hi) ||
	    !p || (p->sl_id && p->sl_id != sl_id))
		return -EINVAL;
	if (!del && dslite_sess_room(inst, NULL))
		return -EDQUOT;
	u = dslite_sync_user(inst, sl_id, r->b4, !del, &err);
	if (!u)
		return err;
	ok.user = u;
	ok.inner_addr = r->inner_addr;
	ok.inner_port = r->inner_port;
	ok.proto = r->proto;
	ik.pub_addr = r->pub_addr;
	ik.pub_port = r->pub_port;
	ik.proto = r->proto;

	spin_lock_bh(&u->lock);
	if (u->dead)
		goto out;
	s = dslite_out_find(inst, &ok, r->remote_addr, r->remote_port, &any);
	if (del) {
		if (s)
			dslite_sess_kill(inst, s);
		goto out;
	}
	to = dslite_timeout_for(r->state, &inst->cfg.to);
	if (!s) {
		if (dslite_sess_room(inst, u)) {
			err = -EDQUOT;
			goto out;
		}
		slot = dslite_user_slot(u, ik.pub_addr, ik.pub_port, &inst->cfg);
		if (slot < 0) {
			/* the block record went missing: take the block */
			struct dslite_sync_block b = {
				.inst_id = inst->id, .pub_addr = r->pub_addr,
			};

			idx = dslite_block_of_port(ntohs(ik.pub_port),
						   inst->cfg.port_lo,
						   inst->cfg.block_size, 65536);
			if (idx < 0)
				goto out;
			b.idx = idx;
			memcpy(b.b4, r->b4, 16);
			spin_unlock_bh(&u->lock);
			err = dslite_sync_install_block(inst, sl_id, &b);
			spin_lock_bh(&u->lock);
			if (err || u->dead)
				goto out;
			slot = dslite_user_slot(u, ik.pub_addr, ik.pub_port, &inst->cfg);
			if (slot < 0)
				goto out;
		}
		s = dslite_sess_insert(inst, u, &ok, &ik, r->remote_addr,
				       r->remote_port, r->state, slot, &drop);
		if (!s) {
			err = -EBUSY;	/* a stale session holds the endpoint */
			goto out;
		}
	}
	WRITE_ONCE(s->state, r->state);
	WRITE_ONCE(s->sync_gen, gen);
	/* remaining lifetime, not a clock: as if last seen to - remaining ago */
	WRITE_ONCE(s->last, (u32)jiffies -
		   (min(r->remaining, to) < to ? (to - r->remaining) * HZ : 0));
out:
	spin_unlock_bh(&u->lock);
	return err;
}
