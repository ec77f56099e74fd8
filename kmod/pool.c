// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: public address pools and the port-block allocator.
 *
 * Every public address of a pool is cut into blocks of cfg.block_size
 * ports within [cfg.port_lo, cfg.port_hi]. A user takes all its blocks
 * from one address (paired pooling, RFC 6888 REQ-2); the address and the
 * block are chosen at random among the free ones, so they are hard to
 * guess. A released block rests for cfg.holddown seconds before anyone
 * may take it again (REQ-8).
 *
 * Locking rules:
 *  - inst->pools, inst->resting and every paddr->map/used are changed
 *    only with inst->pool_lock held (asserted below); the lock is taken
 *    with BH disabled because the packet path allocates blocks.
 *  - The pool list is changed only under dn->lock too, and a pool is
 *    freed only after every session and user on it is gone, so a
 *    struct dslite_paddr pointer held by a live user stays valid.
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/bitmap.h>
#include <net/netlink.h>

#include "dslite.h"

static u32 dslite_nblocks(const struct dslite_instance *inst)
{
	return dslite_blocks_per_addr(inst->cfg.port_lo, inst->cfg.port_hi,
				      inst->cfg.block_size);
}

static bool dslite_prefix_overlap(__be32 a, u8 alen, __be32 b, u8 blen)
{
	u8 len = min(alen, blen);
	__be32 mask = len ? htonl(~0u << (32 - len)) : 0;

	return !((a ^ b) & mask);
}

/* Caller holds dn->lock. */
bool dslite_pool_overlaps(struct dslite_net *dn, __be32 prefix, u8 plen)
{
	struct dslite_instance *inst;
	struct dslite_pool *p;
	unsigned long id;

	lockdep_assert_held(&dn->lock);
	xa_for_each(&dn->instances, id, inst)
		list_for_each_entry(p, &inst->pools, list)
			if (dslite_prefix_overlap(p->prefix, p->plen, prefix,
						  plen))
				return true;
	return false;
}

int dslite_pool_add(struct dslite_instance *inst, __be32 prefix, u8 plen,
		    u32 sl_id, struct netlink_ext_ack *extack)
{
	u32 n, i, nblocks = dslite_nblocks(inst);
	struct dslite_pool *p;
	int bad;

	lockdep_assert_held(&inst->dn->lock);

	if (plen < 16 || plen > 32) {
		NL_SET_ERR_MSG(extack, "pool prefix length must be 16..32");
		return -EINVAL;
	}
	/* host bits, and ranges that can never be public addresses */
	bad = dslite_pool_check(ntohl(prefix), plen);
	if (bad) {
		dslite_extack(extack, NULL, dslite_pool_error(bad));
		return -EINVAL;
	}
	if (dslite_pool_overlaps(inst->dn, prefix, plen)) {
		NL_SET_ERR_MSG(extack,
			       "pool overlaps a pool of this or another instance");
		return -EEXIST;
	}
	n = 1u << (32 - plen);
	p = kvzalloc(struct_size(p, addrs, n), GFP_KERNEL);
	if (!p)
		goto nomem;
	p->prefix = prefix;
	p->plen = plen;
	p->sl_id = sl_id;
	p->n_addrs = n;
	for (i = 0; i < n; i++) {
		p->addrs[i].addr = htonl(ntohl(prefix) + i);
		p->addrs[i].map = bitmap_zalloc(nblocks, GFP_KERNEL);
		if (!p->addrs[i].map)
			goto nomem_free;
	}
	spin_lock_bh(&inst->pool_lock);
	list_add_tail_rcu(&p->list, &inst->pools);
	inst->n_pool_addrs += n;
	spin_unlock_bh(&inst->pool_lock);
	return 0;

nomem_free:
	while (i--)
		bitmap_free(p->addrs[i].map);
	kvfree(p);
nomem:
	NL_SET_ERR_MSG(extack, "out of memory for the pool");
	return -ENOMEM;
}

static void dslite_pool_free(struct dslite_pool *p)
{
	u32 i;

	for (i = 0; i < p->n_addrs; i++)
		bitmap_free(p->addrs[i].map);
	kvfree(p);
}

static void dslite_rest_drop_pool(struct dslite_instance *inst,
				  struct dslite_pool *p)
{
	struct dslite_rest *r, *tmp;

	lockdep_assert_held(&inst->pool_lock);
	list_for_each_entry_safe(r, tmp, &inst->resting, list) {
		if (r->pa >= p->addrs && r->pa < p->addrs + p->n_addrs) {
			list_del(&r->list);
			kfree(r);
		}
	}
}

int dslite_pool_del(struct dslite_instance *inst, __be32 prefix, u8 plen,
		    struct netlink_ext_ack *extack)
{
	struct dslite_pool *p, *found = NULL;

	lockdep_assert_held(&inst->dn->lock);

	list_for_each_entry(p, &inst->pools, list)
		if (p->prefix == prefix && p->plen == plen)
			found = p;
	if (!found) {
		NL_SET_ERR_MSG(extack, "no such pool in this instance");
		return -ENOENT;
	}
	/* no new block on it, then its users and sessions go */
	spin_lock_bh(&inst->pool_lock);
	list_del_rcu(&found->list);
	inst->n_pool_addrs -= found->n_addrs;
	spin_unlock_bh(&inst->pool_lock);
	dslite_pool_evict(inst, found->addrs, found->n_addrs);
	spin_lock_bh(&inst->pool_lock);
	dslite_rest_drop_pool(inst, found);
	spin_unlock_bh(&inst->pool_lock);
	synchronize_net();
	dslite_pool_free(found);
	return 0;
}

/* Instance teardown: no user or session is left, no packet runs. */
void dslite_pool_free_all(struct dslite_instance *inst)
{
	struct dslite_pool *p, *tmp;
	struct dslite_rest *r, *rtmp;

	list_for_each_entry_safe(r, rtmp, &inst->resting, list) {
		list_del(&r->list);
		kfree(r);
	}
	list_for_each_entry_safe(p, tmp, &inst->pools, list) {
		list_del(&p->list);
		dslite_pool_free(p);
	}
}

/* The pool holding a public address, or NULL. RCU or pool_lock. */
struct dslite_pool *dslite_pool_of_addr(struct dslite_instance *inst,
					__be32 addr)
{
	struct dslite_pool *p;

	list_for_each_entry_rcu(p, &inst->pools, list)
		if (dslite_prefix_overlap(p->prefix, p->plen, addr, 32))
			return p;
	return NULL;
}

/* The paddr of a public address, or NULL. RCU or pool_lock. */
struct dslite_paddr *dslite_pool_find_addr(struct dslite_instance *inst,
					   __be32 addr)
{
	struct dslite_pool *p;

	list_for_each_entry_rcu(p, &inst->pools, list)
		if (dslite_prefix_overlap(p->prefix, p->plen, addr, 32))
			return &p->addrs[ntohl(addr) - ntohl(p->prefix)];
	return NULL;
}

/*
 * A random address with a free block, or NULL. With service-locations,
 * only from the pools of the user's SL (its share), or pools of none.
 */
static struct dslite_paddr *dslite_pick_addr(struct dslite_instance *inst,
					     u32 nblocks, u32 sl_id)
{
	u32 start, i, k;
	struct dslite_pool *p;

	lockdep_assert_held(&inst->pool_lock);
	if (!inst->n_pool_addrs)
		return NULL;
	start = get_random_u32_below(inst->n_pool_addrs);
	for (i = 0; i < inst->n_pool_addrs; i++) {
		k = (start + i) % inst->n_pool_addrs;
		list_for_each_entry(p, &inst->pools, list) {
			if (k >= p->n_addrs) {
				k -= p->n_addrs;
				continue;
			}
			if (p->sl_id && p->sl_id != sl_id)
				break;
			if (p->addrs[k].used < nblocks)
				return &p->addrs[k];
			break;
		}
	}
	return NULL;
}

/*
 * Make room for one more block in @u->blocks (the quota may have been
 * raised since the user was created). Caller holds u->lock, as does
 * every reader of the array, so the old one is freed at once.
 */
int dslite_user_grow(struct dslite_user *u, u32 max_blocks)
{
	struct dslite_user_block *nb;
	u32 cap;

	lockdep_assert_held(&u->lock);
	if (u->n_blocks < u->cap)
		return 0;
	cap = clamp_t(u32, max_t(u32, 2 * u->cap, max_blocks), 1,
		      DSLITE_MAX_BLOCKS_USER);
	if (cap <= u->n_blocks)
		return -EDQUOT;
	nb = krealloc_array(u->blocks, cap, sizeof(*nb), GFP_ATOMIC);
	if (!nb)
		return -ENOMEM;
	u->blocks = nb;
	u->cap = cap;
	return 0;
}

/*
 * A block's record of taken ports, all free: DSLITE_PORT_PROTOS bitmaps
 * of @size bits (192 bytes at 512 ports). Packet path: atomic.
 */
unsigned long *dslite_ports_alloc(u32 size)
{
	return kcalloc(DSLITE_PORT_PROTOS * BITS_TO_LONGS(size),
		       sizeof(unsigned long), GFP_ATOMIC);
}

/*
 * Give user @u one more block: on its address if it has one (paired
 * pooling), else on a random address with room. Caller holds u->lock.
 * Returns the slot index in u->blocks, -EDQUOT at the user's block quota,
 * -ENOSPC when no block is free.
 */
int dslite_block_alloc(struct dslite_instance *inst, struct dslite_user *u)
{
	u32 nblocks = dslite_nblocks(inst);
	struct dslite_paddr *pa;
	unsigned long *ports;
	int idx, slot;

	lockdep_assert_held(&u->lock);
	if (u->n_blocks >= min_t(u32, READ_ONCE(inst->cfg.max_blocks),
				 DSLITE_MAX_BLOCKS_USER))
		return -EDQUOT;
	if (dslite_user_grow(u, READ_ONCE(inst->cfg.max_blocks)))
		return -ENOMEM;
	/* before the block is taken: a failure then leaves the pool as it was */
	ports = dslite_ports_alloc(inst->cfg.block_size);
	if (!ports)
		return -ENOMEM;

	spin_lock_bh(&inst->pool_lock);
	pa = u->pa ? u->pa : dslite_pick_addr(inst, nblocks, u->sl_id);
	if (!pa || pa->used >= nblocks) {
		spin_unlock_bh(&inst->pool_lock);
		kfree(ports);
		return -ENOSPC;
	}
	idx = dslite_pick_clear_bit(pa->map, nblocks, get_random_u32());
	if (WARN_ON_ONCE(idx < 0)) {
		spin_unlock_bh(&inst->pool_lock);
		kfree(ports);
		return -ENOSPC;
	}
	__set_bit(idx, pa->map);
	pa->used++;
	spin_unlock_bh(&inst->pool_lock);

	u->pa = pa;
	slot = u->n_blocks++;
	u->blocks[slot].idx = idx;
	u->blocks[slot].sessions = 0;
	u->blocks[slot].ports = ports;
	dslite_log_block(inst, u, idx, true);
	dslite_sync_note_block(inst, u, idx);
	if (atomic_inc_return(&inst->n_blocks) > READ_ONCE(inst->peak_blocks))
		WRITE_ONCE(inst->peak_blocks, atomic_read(&inst->n_blocks));
	return slot;
}

/* Log a block given to or taken back from user @u. */
void dslite_log_block(struct dslite_instance *inst, struct dslite_user *u,
		      u32 idx, bool alloc)
{
	u32 first = READ_ONCE(inst->cfg.port_lo) +
		    idx * READ_ONCE(inst->cfg.block_size);

	dslite_genl_event_block(inst, &u->b4, u->pa->addr, first,
				first + READ_ONCE(inst->cfg.block_size) - 1,
				alloc);
}

/* A block leaves its user and rests for cfg.holddown seconds. */
void dslite_block_release(struct dslite_instance *inst,
			  struct dslite_paddr *pa, u32 idx)
{
	struct dslite_rest *r;

	atomic_dec(&inst->n_blocks);
	r = kmalloc(sizeof(*r), GFP_ATOMIC);
	spin_lock_bh(&inst->pool_lock);
	if (r && READ_ONCE(inst->cfg.holddown)) {
		r->pa = pa;
		r->idx = idx;
		r->until = jiffies + READ_ONCE(inst->cfg.holddown) * HZ;
		list_add_tail(&r->list, &inst->resting);
		r = NULL;
	} else {
		/* no memory to remember it: free it now rather than leak */
		__clear_bit(idx, pa->map);
		pa->used--;
	}
	spin_unlock_bh(&inst->pool_lock);
	kfree(r);
}

/*
 * Sync receive: the master says a user holds block @idx of @pa, which is
 * resting here. It is in use again: forget the rest, or its end would
 * free a held block. False when the block is not resting (so, being
 * marked taken, another user holds it). Caller holds pool_lock.
 */
bool dslite_pool_unrest(struct dslite_instance *inst, struct dslite_paddr *pa,
			u32 idx)
{
	struct dslite_rest *r;

	lockdep_assert_held(&inst->pool_lock);
	list_for_each_entry(r, &inst->resting, list) {
		if (r->pa == pa && r->idx == idx) {
			list_del(&r->list);
			kfree(r);
			return true;
		}
	}
	return false;
}

/* Free the blocks whose rest is over (all of them if @all). */
void dslite_pool_expire_resting(struct dslite_instance *inst, bool all)
{
	struct dslite_rest *r, *tmp;
	LIST_HEAD(done);

	spin_lock_bh(&inst->pool_lock);
	list_for_each_entry_safe(r, tmp, &inst->resting, list) {
		if (!all && time_before(jiffies, r->until))
			break;	/* in release order, so the rest is younger */
		__clear_bit(r->idx, r->pa->map);
		r->pa->used--;
		list_move(&r->list, &done);
	}
	spin_unlock_bh(&inst->pool_lock);
	list_for_each_entry_safe(r, tmp, &done, list)
		kfree(r);
}
