// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: users, mappings and sessions of an instance.
 *
 * A session is one (B4, inner address, inner port, protocol) talking to
 * one remote (address, port). It sits in two rhltables: sess_out, keyed by
 * the inside endpoint (struct dslite_okey), holds every session of one
 * endpoint-independent mapping in one list; sess_in, keyed by the public
 * endpoint (struct dslite_ikey), holds every session using one public
 * (address, port). The mapping is implicit: it lives as long as one of
 * its sessions, and all of them share one public endpoint (EIM, RFC 4787
 * REQ-1). 72 bytes a session carry both indexes. Beside them, each block
 * a user holds records which of its ports are taken (a bitmap per
 * protocol, struct dslite_user_block), so that a new mapping finds a
 * free port without probing sess_in: dslite_sess_insert sets a port's
 * bit, dslite_sess_kill clears it with the port's last session.
 *
 * Locking rules:
 *  - Lookups (packet path) are lock-free under RCU; rhashtable's own
 *    bucket locks serialise inserts and removals in a table.
 *  - Creating or killing a session, and every change of a user's blocks
 *    and counters, happens with that user's u->lock held (asserted), so
 *    two CPUs never give one mapping two public ports or one port to two
 *    mappings. Blocks belong to one user, so users never contend.
 *  - Objects are unhashed first and freed after an RCU grace period
 *    (sessions through sess_free.c's batches, users by call_rcu); a
 *    reader that finds ->dead set treats the object as gone.
 *  - No lock is taken per packet of an established flow: a hit updates
 *    the session's timestamp and TCP state with WRITE_ONCE.
 *  - Expiry: the GC (gc_work, once a second) does not walk the whole
 *    table each time. Each run visits a budget of sessions, and then of
 *    users, resuming where the last run stopped (struct dslite_gc_cursor,
 *    used by gc_work only): a table of up to DSLITE_GC_SMALL objects is
 *    walked whole every run, as before; a larger one is covered in
 *    DSLITE_GC_PASS runs, however large (a run visits a DSLITE_GC_PASS-th
 *    of the table as it was when the pass began). A session so expires
 *    about DSLITE_GC_PASS + 1 seconds after its timeout at worst (1 s
 *    while the table is small); a table that grows during a pass adds to
 *    it, and a resize in the middle of a pass starts that pass again.
 *    The walk yields every DSLITE_GC_CHUNK objects. Flushes and teardown
 *    still walk everything at once.
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <net/ipv6.h>

#include "dslite.h"

static struct kmem_cache *dslite_sess_cache __read_mostly;
atomic_t dslite_live_sessions = ATOMIC_INIT(0);
atomic_t dslite_live_users = ATOMIC_INIT(0);
atomic_t dslite_total_sessions = ATOMIC_INIT(0);

/*
 * Key comparisons field by field, inlined: rhashtable's default compares
 * with a memcmp of the table's run-time key length, and the kernel never
 * inlines memcmp: a call per lookup on every packet (7.5 % of the
 * new-session path in issue 11's profile). The keys' pad bytes are
 * always zero, so they need no comparing.
 */
static int dslite_user_cmp(struct rhashtable_compare_arg *arg,
			   const void *obj)
{
	const struct dslite_user *u = obj;

	return !ipv6_addr_equal(&u->b4, arg->key);
}

static int dslite_okey_cmp(struct rhashtable_compare_arg *arg,
			   const void *obj)
{
	const struct dslite_okey *a = &((const struct dslite_session *)obj)->okey;
	const struct dslite_okey *k = arg->key;

	return a->user != k->user || a->inner_addr != k->inner_addr ||
	       a->inner_port != k->inner_port || a->proto != k->proto;
}

static int dslite_ikey_cmp(struct rhashtable_compare_arg *arg,
			   const void *obj)
{
	const struct dslite_ikey *a = &((const struct dslite_session *)obj)->ikey;
	const struct dslite_ikey *k = arg->key;

	return a->pub_addr != k->pub_addr || a->pub_port != k->pub_port ||
	       a->proto != k->proto;
}

static const struct rhashtable_params dslite_user_params = {
	.key_len = sizeof(struct in6_addr),
	.key_offset = offsetof(struct dslite_user, b4),
	.head_offset = offsetof(struct dslite_user, node),
	.obj_cmpfn = dslite_user_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params dslite_out_params = {
	.key_len = sizeof(struct dslite_okey),
	.key_offset = offsetof(struct dslite_session, okey),
	.head_offset = offsetof(struct dslite_session, onode),
	.obj_cmpfn = dslite_okey_cmp,
	.automatic_shrinking = true,
};

static const struct rhashtable_params dslite_in_params = {
	.key_len = sizeof(struct dslite_ikey),
	.key_offset = offsetof(struct dslite_session, ikey),
	.head_offset = offsetof(struct dslite_session, inode),
	.obj_cmpfn = dslite_ikey_cmp,
	.automatic_shrinking = true,
};

int dslite_session_cache_init(void)
{
	BUILD_BUG_ON(sizeof(struct dslite_session) > 72);
	dslite_sess_cache = KMEM_CACHE(dslite_session, 0);
	if (!dslite_sess_cache)
		return -ENOMEM;
	dslite_sess_free_init(dslite_sess_cache);
	return 0;
}

void dslite_session_cache_exit(void)
{
	dslite_sess_free_exit();	/* ends with rcu_barrier() */
	WARN(atomic_read(&dslite_live_sessions) ||
	     atomic_read(&dslite_live_users),
	     "dslite: leak: %d sessions, %d users still allocated at unload\n",
	     atomic_read(&dslite_live_sessions),
	     atomic_read(&dslite_live_users));
	kmem_cache_destroy(dslite_sess_cache);
}

/* 16k sessions (or users) or fewer: walked whole at every run */
#define DSLITE_GC_SMALL		16384
/* more: each run visits 1/DSLITE_GC_PASS of them */
#define DSLITE_GC_PASS		10
#define DSLITE_GC_CHUNK		256	/* visits between two cond_resched() */

static void dslite_gc_cursor_start(struct dslite_gc_cursor *c,
				   struct rhashtable *ht)
{
	rhashtable_walk_enter(ht, &c->it);
	c->fresh = true;
}

/*
 * The session indexes' bucket arrays stop growing at the instance's
 * max-sessions rounded up to a power of two (as conntrack sizes its hash
 * from nf_conntrack_max): a full table then runs at a load of at most 1,
 * a hit walking 1.5 entries on average, where rhashtable's own rule (grow
 * past 75 %) would double the arrays once more at the max: 2^21 buckets
 * of 8 bytes per index at 1M sessions (33.5 B a session for the two)
 * instead of 2^20 (16.8 B). rhashtable refuses inserts only at twice its
 * max_size (max_elems), twice what dslite_sess_room lets in. The cap
 * follows max-sessions when it is set (dslite_tables_set_cap): raised, the
 * next insert past 75 % grows the table; lowered below the table's size,
 * the table keeps its buckets until automatic shrinking follows the load.
 */
static u32 dslite_sess_buckets_cap(u32 max_sess)
{
	return roundup_pow_of_two(clamp_t(u32, max_sess, 64, 1U << 30));
}

static int dslite_sess_table_init(struct rhltable *hlt,
				  const struct rhashtable_params *params,
				  u32 max_sess)
{
	struct rhashtable_params p = *params;

	/*
	 * 64 buckets (rhashtable's first size) at least: a small instance's
	 * tables do not shrink and grow again as a few sessions come and go
	 */
	p.min_size = 64;
	p.max_size = dslite_sess_buckets_cap(max_sess);
	return rhltable_init(hlt, &p);
}

static void dslite_sess_table_cap(struct rhashtable *ht, u32 cap)
{
	/* ht->mutex: rhashtable's resize worker reads the cap under it */
	mutex_lock(&ht->mutex);
	WRITE_ONCE(ht->p.max_size, cap);
	/* rhashtable_init's own limit; cap <= 2^30, so this fits */
	WRITE_ONCE(ht->max_elems, 2 * cap);
	mutex_unlock(&ht->mutex);
}

/*
 * max-sessions was set to @max_sess: both indexes' cap follows it. The
 * next insert past 75 % then grows a table below it (rht_grow_above_75).
 * Caller holds dn->lock, which orders the callers.
 */
void dslite_tables_set_cap(struct dslite_instance *inst, u32 max_sess)
{
	u32 cap = dslite_sess_buckets_cap(max_sess);

	lockdep_assert_held(&inst->dn->lock);
	dslite_sess_table_cap(&inst->sess_out.ht, cap);
	dslite_sess_table_cap(&inst->sess_in.ht, cap);
}

/* The buckets of the larger session index now, and the most it may have. */
void dslite_tables_buckets(const struct dslite_instance *inst, u32 *now,
			   u32 *cap)
{
	const struct bucket_table *o, *i;

	rcu_read_lock();
	o = rcu_dereference(inst->sess_out.ht.tbl);
	i = rcu_dereference(inst->sess_in.ht.tbl);
	*now = max(o->size, i->size);
	rcu_read_unlock();
	/* both caps are set together from max-sessions */
	*cap = dslite_sess_buckets_cap(READ_ONCE(inst->cfg.max_sess));
}

int dslite_tables_init(struct dslite_instance *inst)
{
	int err;

	err = rhashtable_init(&inst->users, &dslite_user_params);
	if (err)
		return err;
	err = dslite_sess_table_init(&inst->sess_out, &dslite_out_params,
				     inst->cfg.max_sess);
	if (err)
		goto err_users;
	err = dslite_sess_table_init(&inst->sess_in, &dslite_in_params,
				     inst->cfg.max_sess);
	if (err)
		goto err_out;
	dslite_gc_cursor_start(&inst->gc_sess, &inst->sess_out.ht);
	dslite_gc_cursor_start(&inst->gc_users, &inst->users);
	return 0;

err_out:
	rhltable_destroy(&inst->sess_out);
err_users:
	rhashtable_destroy(&inst->users);
	return err;
}

static void dslite_user_free_rcu(struct rcu_head *head)
{
	struct dslite_user *u = container_of(head, struct dslite_user, rcu);
	int i;

	dslite_route_free(u);
	for (i = 0; i < u->n_blocks; i++)
		kfree(u->blocks[i].ports);
	kfree(u->blocks);
	kfree(u);
	atomic_dec(&dslite_live_users);
}

/* Teardown: no packet, GC or dump can run any more. */
void dslite_tables_destroy(struct dslite_instance *inst)
{
	rhashtable_walk_exit(&inst->gc_sess.it);
	rhashtable_walk_exit(&inst->gc_users.it);
	dslite_gc(inst, true);
	rhltable_destroy(&inst->sess_in);
	rhltable_destroy(&inst->sess_out);
	rhashtable_destroy(&inst->users);
}

/* Which of @u's blocks holds (@pub_addr, @pub_port): its slot, or -1. */
int dslite_user_slot(struct dslite_user *u, __be32 pub_addr, __be16 pub_port,
		     const struct dslite_cfg *cfg)
{
	int idx = dslite_block_of_port(ntohs(pub_port), cfg->port_lo,
				       cfg->block_size, 65536);
	int i;

	/* a block index means nothing on another address */
	if (!u->pa || u->pa->addr != pub_addr)
		return -1;
	for (i = 0; i < u->n_blocks; i++)
		if (u->blocks[i].idx == idx)
			return i;
	return -1;
}

/* The user of @b4, created if @create. RCU held. */
struct dslite_user *dslite_user_get(struct dslite_instance *inst,
				    const struct in6_addr *b4, bool create,
				    u32 sl_id)
{
	struct dslite_user *u, *old;
	u32 nb;

	u = rhashtable_lookup(&inst->users, b4, dslite_user_params);
	if (u || !create)
		return u;

	nb = min_t(u32, READ_ONCE(inst->cfg.max_blocks),
		   DSLITE_MAX_BLOCKS_USER);
	u = kzalloc(sizeof(*u), GFP_ATOMIC);
	if (!u)
		return NULL;
	u->cap = max_t(u32, nb, 1);
	u->blocks = kcalloc(u->cap, sizeof(*u->blocks), GFP_ATOMIC);
	if (!u->blocks) {
		kfree(u);
		return NULL;
	}
	u->b4 = *b4;
	u->sl_id = sl_id;
	spin_lock_init(&u->lock);
	u->idle_since = jiffies;
	old = rhashtable_lookup_get_insert_fast(&inst->users, &u->node,
						dslite_user_params);
	if (old) {
		kfree(u->blocks);
		kfree(u);
		return IS_ERR(old) ? NULL : old;
	}
	atomic_inc(&dslite_live_users);
	if (atomic_inc_return(&inst->n_users) > READ_ONCE(inst->peak_users))
		WRITE_ONCE(inst->peak_users, atomic_read(&inst->n_users));
	return u;
}

/* dslite_port_pick's view of one user (its lock held) */
struct dslite_port_ctx {
	struct dslite_instance *inst;
	struct dslite_user *u;
	u32 size;
	u8 proto;
};

static const unsigned long *dslite_port_ctx_taken(void *ctx, u32 slot)
{
	struct dslite_port_ctx *c = ctx;

	return dslite_block_ports(&c->u->blocks[slot], c->proto, c->size);
}

static int dslite_port_ctx_grow(void *ctx)
{
	struct dslite_port_ctx *c = ctx;

	return dslite_block_alloc(c->inst, c->u);
}

static u32 dslite_port_ctx_rnd(void *ctx)
{
	return get_random_u32();
}

/*
 * A free public port for a new mapping of user @u: the first free one
 * from a random point of its blocks' records of taken ports, then a new
 * block when they are full, without a table lookup (see
 * dslite_port_pick, logic.c). One random number per pick (get_random_u32
 * serves it from a per-CPU batch). Returns the block slot and sets *port, or
 * a negative errno: -EDQUOT at the user's block quota, -ENOSPC when no
 * block is free (the caller counts drop_quota / drop_no_pool).
 */
static int dslite_port_alloc(struct dslite_instance *inst,
			     struct dslite_user *u, u8 proto, u16 *port)
{
	struct dslite_port_ctx c = {
		.inst = inst, .u = u, .proto = proto,
		.size = READ_ONCE(inst->cfg.block_size),
	};
	struct dslite_port_ops ops = {
		.taken = dslite_port_ctx_taken,
		.grow = dslite_port_ctx_grow,
		.rnd = dslite_port_ctx_rnd,
	};
	u32 off;
	int slot;

	lockdep_assert_held(&u->lock);
	slot = dslite_port_pick(&ops, &c, u->n_blocks, c.size, &off);
	if (slot >= 0)
		*port = READ_ONCE(inst->cfg.port_lo) +
			u->blocks[slot].idx * c.size + off;
	return slot;
}

static void dslite_count_new(struct dslite_instance *inst)
{
	int n = atomic_inc_return(&inst->n_sessions);

	if (n > READ_ONCE(inst->peak_sessions))
		WRITE_ONCE(inst->peak_sessions, n);
	atomic_inc(&dslite_total_sessions);
	DSLITE_STAT_INC(inst, DSLITE_STAT_SESSIONS_CREATED);
}

/* Limits before a new session: per user (if @u), per instance, global. */
int dslite_sess_room(struct dslite_instance *inst, struct dslite_user *u)
{
	if (u && u->n_sessions >= READ_ONCE(inst->cfg.max_sess_user))
		return DSLITE_STAT_DROP_QUOTA;
	if (atomic_read(&inst->n_sessions) >= READ_ONCE(inst->cfg.max_sess) ||
	    atomic_read(&dslite_total_sessions) >= READ_ONCE(dslite_max_sessions))
		return DSLITE_STAT_DROP_TABLE_FULL;
	return 0;
}

/* The bit of @s's public port in its block @b's record of taken ports. */
static u32 dslite_sess_port_bit(struct dslite_instance *inst,
				const struct dslite_user_block *b,
				const struct dslite_session *s)
{
	return ntohs(s->ikey.pub_port) - inst->cfg.port_lo -
	       b->idx * inst->cfg.block_size;
}

/*
 * Every session is made here (new mappings, inbound sessions on a
 * mapping, sessions synced in): @slot is the block of its public port,
 * whose bit it sets (it may be set already: the sessions of one mapping
 * share a port). Caller holds u->lock.
 */
struct dslite_session *
dslite_sess_insert(struct dslite_instance *inst, struct dslite_user *u,
		   const struct dslite_okey *ok, const struct dslite_ikey *ik,
		   __be32 raddr, __be16 rport, u8 state, int slot, int *drop)
{
	struct dslite_session *s;
	int err;

	lockdep_assert_held(&u->lock);
	s = kmem_cache_zalloc(dslite_sess_cache, GFP_ATOMIC);
	if (!s) {
		*drop = DSLITE_STAT_DROP_NOMEM;
		return NULL;
	}
	atomic_inc(&dslite_live_sessions);
	s->okey = *ok;
	s->ikey = *ik;
	s->remote_addr = raddr;
	s->remote_port = rport;
	s->state = state;
	s->last = (u32)jiffies;
	err = rhltable_insert(&inst->sess_in, &s->inode, dslite_in_params);
	if (err)
		goto err_free;
	err = rhltable_insert(&inst->sess_out, &s->onode, dslite_out_params);
	if (err) {
		rhltable_remove(&inst->sess_in, &s->inode, dslite_in_params);
		goto err_free;
	}
	u->n_sessions++;
	u->blocks[slot].sessions++;
	__set_bit(dslite_sess_port_bit(inst, &u->blocks[slot], s),
		  dslite_block_ports(&u->blocks[slot], s->ikey.proto,
				     inst->cfg.block_size));
	dslite_count_new(inst);
	dslite_sync_note_session(inst, s, false);
	return s;

err_free:
	/* -E2BIG: an index at twice its cap (sessions synced past ours) */
	*drop = err == -E2BIG ? DSLITE_STAT_DROP_TABLE_FULL :
				DSLITE_STAT_DROP_NOMEM;
	dslite_sess_free(s);
	return NULL;
}

static u8 dslite_state_new(u8 proto, u8 tcpflags, int dir)
{
	if (proto == IPPROTO_TCP)
		return dslite_tcp_initial(tcpflags, dir);
	return proto == IPPROTO_UDP ? DSLITE_SESS_UDP : DSLITE_SESS_ICMP;
}

/* Find the session with remote (@raddr, @rport) in an okey list. */
struct dslite_session *
dslite_out_find(struct dslite_instance *inst, const struct dslite_okey *k,
		__be32 raddr, __be16 rport, struct dslite_session **any)
{
	struct rhlist_head *list, *pos;
	struct dslite_session *s;

	*any = NULL;
	list = rhltable_lookup(&inst->sess_out, k, dslite_out_params);
	rhl_for_each_entry_rcu(s, pos, list, onode) {
		if (READ_ONCE(s->dead))
			continue;
		if (s->remote_addr == raddr && s->remote_port == rport)
			return s;
		*any = s;
	}
	return NULL;
}

/*
 * Outbound: the session of (@k, remote), created if missing on the
 * mapping's public endpoint (or a new one). RCU held. On failure *drop
 * is the drop reason.
 */
struct dslite_session *dslite_sess_out(struct dslite_instance *inst,
				       struct dslite_user *u,
				       const struct dslite_okey *k,
				       __be32 raddr, __be16 rport,
				       u8 tcpflags, int *drop)
{
	struct dslite_session *s, *any;
	struct dslite_ikey ik = { .proto = k->proto };
	u16 port;
	int slot;

	s = dslite_out_find(inst, k, raddr, rport, &any);
	if (s)
		return s;

	spin_lock_bh(&u->lock);
	if (u->dead) {
		*drop = DSLITE_STAT_DROP_NOMEM;
		goto out_unlock;
	}
	/* another CPU may have made it meanwhile */
	s = dslite_out_find(inst, k, raddr, rport, &any);
	if (s)
		goto out_unlock;
	*drop = dslite_sess_room(inst, u);
	if (*drop)
		goto out_unlock;
	if (any) {
		/* endpoint-independent mapping: reuse its public endpoint */
		ik = any->ikey;
		slot = dslite_user_slot(u, ik.pub_addr, ik.pub_port, &inst->cfg);
		if (WARN_ON_ONCE(slot < 0)) {
			*drop = DSLITE_STAT_DROP_NOMEM;
			goto out_unlock;
		}
	} else {
		slot = dslite_port_alloc(inst, u, k->proto, &port);
		if (slot < 0) {
			*drop = slot == -EDQUOT ? DSLITE_STAT_DROP_QUOTA :
						  DSLITE_STAT_DROP_NO_POOL;
			goto out_unlock;
		}
		ik.pub_addr = u->pa->addr;
		ik.pub_port = htons(port);
	}
	s = dslite_sess_insert(inst, u, k, &ik, raddr, rport,
			       dslite_state_new(k->proto, tcpflags,
						DSLITE_DIR_OUT),
			       slot, drop);
out_unlock:
	spin_unlock_bh(&u->lock);
	return s;
}

struct dslite_session *
dslite_in_find(struct dslite_instance *inst, const struct dslite_ikey *k,
	       __be32 raddr, __be16 rport, struct dslite_session **any,
	       bool *addr_seen)
{
	struct rhlist_head *list, *pos;
	struct dslite_session *s;

	*any = NULL;
	*addr_seen = false;
	list = rhltable_lookup(&inst->sess_in, k, dslite_in_params);
	rhl_for_each_entry_rcu(s, pos, list, inode) {
		if (READ_ONCE(s->dead))
			continue;
		if (s->remote_addr == raddr) {
			if (s->remote_port == rport)
				return s;
			*addr_seen = true;
		}
		*any = s;
	}
	return NULL;
}

/*
 * Inbound: the session of public endpoint @k with remote (@raddr,
 * @rport). A new remote is let in according to the instance's filtering
 * (RFC 4787 REQ-8): EIF any, ADF one the mapping has sent to, APDF none.
 */
struct dslite_session *dslite_sess_in(struct dslite_instance *inst,
				      const struct dslite_ikey *k,
				      __be32 raddr, __be16 rport,
				      u8 tcpflags, int *drop)
{
	struct dslite_session *s, *any;
	struct dslite_user *u;
	bool addr_seen;
	int slot;

	s = dslite_in_find(inst, k, raddr, rport, &any, &addr_seen);
	if (s)
		return s;
	if (!any) {
		*drop = DSLITE_STAT_DROP_NO_SESSION;
		return NULL;
	}
	switch (READ_ONCE(inst->cfg.filtering)) {
	case DSLITE_FILTER_EIF:
		break;
	case DSLITE_FILTER_ADF:
		if (addr_seen)
			break;
		fallthrough;
	default:
		*drop = DSLITE_STAT_DROP_FILTERED;
		return NULL;
	}

	u = any->okey.user;
	spin_lock_bh(&u->lock);
	if (u->dead) {
		*drop = DSLITE_STAT_DROP_NO_SESSION;
		goto out_unlock;
	}
	s = dslite_in_find(inst, k, raddr, rport, &any, &addr_seen);
	if (s)
		goto out_unlock;
	if (!any) {
		*drop = DSLITE_STAT_DROP_NO_SESSION;
		goto out_unlock;
	}
	*drop = dslite_sess_room(inst, u);
	if (*drop)
		goto out_unlock;
	slot = dslite_user_slot(u, k->pub_addr, k->pub_port, &inst->cfg);
	if (WARN_ON_ONCE(slot < 0)) {
		*drop = DSLITE_STAT_DROP_NOMEM;
		goto out_unlock;
	}
	s = dslite_sess_insert(inst, u, &any->okey, k, raddr, rport,
			       dslite_state_new(k->proto, tcpflags,
						DSLITE_DIR_IN),
			       slot, drop);
out_unlock:
	spin_unlock_bh(&u->lock);
	return s;
}

void dslite_sess_touch(struct dslite_instance *inst,
		       struct dslite_session *s, u8 tcpflags, int dir)
{
	u32 now = (u32)jiffies;
	u8 st;

	if (READ_ONCE(s->last) != now)
		WRITE_ONCE(s->last, now);
	if (s->okey.proto != IPPROTO_TCP)
		return;
	st = READ_ONCE(s->state);
	if (dslite_tcp_next(st, tcpflags, dir) != st) {
		WRITE_ONCE(s->state, dslite_tcp_next(st, tcpflags, dir));
		/* synced on state change, never per packet */
		dslite_sync_note_session(inst, s, false);
	}
}

u32 dslite_sess_expires(struct dslite_instance *inst,
			const struct dslite_session *s)
{
	u32 to = dslite_timeout_for(READ_ONCE(s->state), &inst->cfg.to);
	u32 idle = ((u32)jiffies - READ_ONCE(s->last)) / HZ;

	return idle >= to ? 0 : to - idle;
}

static bool dslite_sess_expired(struct dslite_instance *inst,
				const struct dslite_session *s)
{
	u32 to = dslite_timeout_for(READ_ONCE(s->state), &inst->cfg.to);

	return (u32)jiffies - READ_ONCE(s->last) >= to * HZ;
}

/*
 * Unhash and free @s. Caller holds its user's lock. Every session goes
 * here (expiry, flushes, a pool's removal, teardown, deletes synced in):
 * the last session of its public (address, port, protocol) frees the
 * port in its block's record. All sessions of a port are its user's (a
 * block has one holder) and change under u->lock, so none can appear
 * between the removal and the lookup.
 */
void dslite_sess_kill(struct dslite_instance *inst, struct dslite_session *s)
{
	struct dslite_user *u = s->okey.user;
	struct dslite_user_block *b;
	bool last;
	int slot;

	lockdep_assert_held(&u->lock);
	if (s->dead)
		return;
	WRITE_ONCE(s->dead, 1);
	dslite_sync_note_session(inst, s, true);
	rhltable_remove(&inst->sess_out, &s->onode, dslite_out_params);
	rhltable_remove(&inst->sess_in, &s->inode, dslite_in_params);
	rcu_read_lock();
	last = !rhltable_lookup(&inst->sess_in, &s->ikey, dslite_in_params);
	rcu_read_unlock();
	slot = dslite_user_slot(u, s->ikey.pub_addr, s->ikey.pub_port,
				&inst->cfg);
	if (!WARN_ON_ONCE(slot < 0)) {
		b = &u->blocks[slot];
		b->sessions--;
		if (last)
			__clear_bit(dslite_sess_port_bit(inst, b, s),
				    dslite_block_ports(b, s->ikey.proto,
						       inst->cfg.block_size));
	}
	if (!--u->n_sessions)
		u->idle_since = jiffies;
	atomic_dec(&inst->n_sessions);
	atomic_dec(&dslite_total_sessions);
	dslite_sess_free(s);
}

struct dslite_filter {
	const struct in6_addr *b4;
	u8 proto;
	const struct dslite_paddr *pa_first;	/* public addresses of a pool */
	u32 pa_n;
	u32 sl_id;		/* the users of one SL... */
	bool stale;		/* ...whose sessions' sync_gen != gen */
	u8 gen;
};

static bool dslite_user_in(const struct dslite_user *u,
			   const struct dslite_paddr *first, u32 n)
{
	return u->pa && u->pa >= first && u->pa < first + n;
}

static bool dslite_filter_match(const struct dslite_filter *f,
				const struct dslite_session *s)
{
	if (f->b4 && !ipv6_addr_equal(f->b4, &s->okey.user->b4))
		return false;
	if (f->pa_first && !dslite_user_in(s->okey.user, f->pa_first, f->pa_n))
		return false;
	if (f->sl_id && s->okey.user->sl_id != f->sl_id)
		return false;
	if (f->stale && READ_ONCE(s->sync_gen) == f->gen)
		return false;
	return !f->proto || f->proto == s->okey.proto;
}

/* Kill @s unless it is dead already, taking its user's lock. RCU held. */
static bool dslite_sess_reap(struct dslite_instance *inst,
			     struct dslite_session *s)
{
	struct dslite_user *u = s->okey.user;
	bool killed = false;

	spin_lock_bh(&u->lock);
	if (!s->dead) {
		dslite_sess_kill(inst, s);
		killed = true;
	}
	spin_unlock_bh(&u->lock);
	return killed;
}

/*
 * Visit a budget of the @now objects of @ht with @fn, from where @c
 * stopped in the last run; past the end of the table, on from its start,
 * unless this run began there. The budget is a DSLITE_GC_PASS-th of the
 * table's size when the pass began (or now, if larger): when most of a
 * large table expires at once, its pass still ends in DSLITE_GC_PASS
 * runs. RCU is held around @fn, dropped (with a chance to reschedule)
 * every DSLITE_GC_CHUNK objects. Returns how many @fn said yes to.
 * gc_work only.
 */
static u32 dslite_gc_walk(struct dslite_instance *inst, struct rhashtable *ht,
			  struct dslite_gc_cursor *c, int now,
			  bool (*fn)(struct dslite_instance *inst, void *obj))
{
	bool wrap = !c->fresh;
	u32 seen = 0, n = 0, budget;
	void *obj;

	now = max(now, 0);
	if (c->fresh)
		c->pass_n = now;
	budget = max_t(u32, DSLITE_GC_SMALL,
		       DIV_ROUND_UP(max_t(u32, c->pass_n, now),
				    DSLITE_GC_PASS));
	rhashtable_walk_start(&c->it);
	while (seen < budget) {
		obj = rhashtable_walk_next(&c->it);
		if (IS_ERR(obj))
			continue;	/* -EAGAIN: resized, the pass restarts */
		if (!obj) {
			/* the end: the next pass starts over */
			rhashtable_walk_stop(&c->it);
			rhashtable_walk_exit(&c->it);
			dslite_gc_cursor_start(c, ht);
			if (!wrap)
				return n;
			wrap = false;
			c->pass_n = now;
			rhashtable_walk_start(&c->it);
			continue;
		}
		c->fresh = false;
		if (fn(inst, obj))
			n++;
		if (!(++seen % DSLITE_GC_CHUNK)) {
			rhashtable_walk_stop(&c->it);
			cond_resched();
			rhashtable_walk_start(&c->it);
		}
	}
	rhashtable_walk_stop(&c->it);
	return n;
}

static bool dslite_sess_gc_one(struct dslite_instance *inst, void *obj)
{
	struct dslite_session *s = obj;

	if (READ_ONCE(s->dead) || !dslite_sess_expired(inst, s))
		return false;
	return dslite_sess_reap(inst, s);
}

/*
 * Walk every session; kill those that are expired (or match @flt, or all
 * when @all). Returns how many were killed.
 */
static int dslite_sess_sweep(struct dslite_instance *inst, bool all,
			     const struct dslite_filter *flt)
{
	struct rhashtable_iter iter;
	struct dslite_session *s;
	int n = 0;

	rhashtable_walk_enter(&inst->sess_out.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((s = rhashtable_walk_next(&iter))) {
		if (IS_ERR(s)) {
			if (PTR_ERR(s) == -EAGAIN)
				continue;	/* resized: keep walking */
			break;
		}
		if (READ_ONCE(s->dead))
			continue;
		if (!all && !(flt ? dslite_filter_match(flt, s) :
				    dslite_sess_expired(inst, s)))
			continue;
		n += dslite_sess_reap(inst, s);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

/*
 * Give back a user's blocks that have no session (they rest); a user left
 * without blocks has no address either. Caller holds u->lock.
 */
void dslite_user_drop_idle_blocks(struct dslite_instance *inst,
				  struct dslite_user *u)
{
	int i;

	lockdep_assert_held(&u->lock);
	for (i = 0; i < u->n_blocks; ) {
		if (u->blocks[i].sessions) {
			i++;
			continue;
		}
		/* no session: no port taken, or a kill missed its bit */
		WARN_ON_ONCE(!bitmap_empty(u->blocks[i].ports,
					   DSLITE_PORT_PROTOS *
					   BITS_TO_LONGS(inst->cfg.block_size) *
					   BITS_PER_LONG));
		kfree(u->blocks[i].ports);
		dslite_log_block(inst, u, u->blocks[i].idx, false);
		dslite_block_release(inst, u->pa, u->blocks[i].idx);
		u->blocks[i] = u->blocks[--u->n_blocks];
	}
	if (!u->n_blocks)
		u->pa = NULL;
}

/*
 * Give back @u's blocks without sessions (they rest, then are free), and
 * forget it if it has no blocks or sessions left. RCU held. Returns
 * whether it went.
 */
static bool dslite_user_gc_one(struct dslite_instance *inst, void *obj)
{
	struct dslite_user *u = obj;
	bool gone = false;

	spin_lock_bh(&u->lock);
	if (u->dead) {
		spin_unlock_bh(&u->lock);
		return false;
	}
	dslite_user_drop_idle_blocks(inst, u);
	if (!u->n_sessions && !u->n_blocks) {
		u->dead = true;
		gone = true;
		rhashtable_remove_fast(&inst->users, &u->node,
				       dslite_user_params);
	}
	spin_unlock_bh(&u->lock);
	if (gone) {
		atomic_dec(&inst->n_users);
		call_rcu(&u->rcu, dslite_user_free_rcu);
	}
	return gone;
}

/* Every user, at once (dslite_user_gc_one). */
static void dslite_user_sweep(struct dslite_instance *inst)
{
	struct rhashtable_iter iter;
	struct dslite_user *u;

	rhashtable_walk_enter(&inst->users, &iter);
	rhashtable_walk_start(&iter);
	while ((u = rhashtable_walk_next(&iter))) {
		if (IS_ERR(u)) {
			if (PTR_ERR(u) == -EAGAIN)
				continue;
			break;
		}
		dslite_user_gc_one(inst, u);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/*
 * Teardown (@all): every session, user and resting block goes, at once.
 * Otherwise one run of the periodic GC (gc_work only): a budget of the
 * sessions, then of the users (see the locking rules above), then the
 * resting blocks that are due.
 */
void dslite_gc(struct dslite_instance *inst, bool all)
{
	u32 n;

	if (all) {
		dslite_sess_sweep(inst, true, NULL);
		dslite_user_sweep(inst);
		dslite_pool_expire_resting(inst, true);
		dslite_sess_free_flush();
		return;
	}
	n = dslite_gc_walk(inst, &inst->sess_out.ht, &inst->gc_sess,
			   atomic_read(&inst->n_sessions), dslite_sess_gc_one);
	if (n)
		DSLITE_STAT_ADD(inst, DSLITE_STAT_SESSIONS_EXPIRED, n);
	dslite_gc_walk(inst, &inst->users, &inst->gc_users,
		       atomic_read(&inst->n_users), dslite_user_gc_one);
	dslite_pool_expire_resting(inst, false);
	/* what this run killed (and other CPUs' kills) toward their free */
	dslite_sess_free_flush();
}

void dslite_gc_work(struct work_struct *work)
{
	struct dslite_instance *inst =
		container_of(to_delayed_work(work), struct dslite_instance,
			     gc_work);

	dslite_gc(inst, false);
	if (!READ_ONCE(inst->dying))
		queue_delayed_work(system_power_efficient_wq, &inst->gc_work,
				   HZ);
}

int dslite_sess_flush(struct dslite_instance *inst,
		      const struct in6_addr *b4, u8 proto)
{
	struct dslite_filter f = { .b4 = b4, .proto = proto };

	return dslite_sess_sweep(inst, false, &f);
}

/*
 * After a bulk from the peer: the sessions of SL @sl_id that it did not
 * refresh (sync_gen != @gen) are gone on the master; drop them here.
 */
int dslite_sess_flush_stale(struct dslite_instance *inst, u32 sl_id, u8 gen)
{
	struct dslite_filter f = { .sl_id = sl_id, .stale = true, .gen = gen };
	int n = dslite_sess_sweep(inst, false, &f);

	/*
	 * The blocks those sessions leave idle go now (to rest), not at the
	 * next GC pass: the bulk asked for next may give them to their
	 * owner on the master, and a block has one holder only.
	 */
	dslite_user_sweep(inst);
	return n;
}

/*
 * A pool is going away: its users stop (no new session can start on
 * them), their sessions go, then the users go. Their blocks are simply
 * forgotten: the pool's memory is freed after this.
 */
void dslite_pool_evict(struct dslite_instance *inst,
		       const struct dslite_paddr *first, u32 n)
{
	struct dslite_filter f = { .pa_first = first, .pa_n = n };
	struct rhashtable_iter iter;
	struct dslite_user *u;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		rhashtable_walk_enter(&inst->users, &iter);
		rhashtable_walk_start(&iter);
		while ((u = rhashtable_walk_next(&iter))) {
			bool gone = false;

			if (IS_ERR(u))
				continue;
			if (!dslite_user_in(u, first, n))
				continue;
			spin_lock_bh(&u->lock);
			if (pass == 0) {
				u->dead = true;
			} else if (!u->n_sessions &&
				   !rhashtable_remove_fast(&inst->users,
							   &u->node,
							   dslite_user_params)) {
				int i;

				for (i = 0; i < u->n_blocks; i++) {
					dslite_log_block(inst, u,
							 u->blocks[i].idx,
							 false);
					kfree(u->blocks[i].ports);
				}
				atomic_sub(u->n_blocks, &inst->n_blocks);
				u->n_blocks = 0;
				gone = true;
			}
			spin_unlock_bh(&u->lock);
			if (gone) {
				atomic_dec(&inst->n_users);
				call_rcu(&u->rcu, dslite_user_free_rcu);
			}
		}
		rhashtable_walk_stop(&iter);
		rhashtable_walk_exit(&iter);
		if (pass == 0)
			dslite_sess_sweep(inst, false, &f);
	}
}
