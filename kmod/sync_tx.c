// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the sending half of the sync channel: records batched into our
 * stream, the ring of unacked packets, retransmission, the bulk, and the
 * SL's work item that drives all of it (HELLO every second, flush,
 * go-back-N, the receiver's sweep). See sync.c for the protocol.
 *
 * Locking rules (sync.h): tx.lock (BH) guards struct dslite_sync_tx but
 * for the walk, the send buffer and the timestamps, which belong to the
 * work item; the packet path only appends records under it
 * (u->lock -> tx.lock). The work takes rx.lock and tx.lock one at a time.
 */
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/net.h>
#include <linux/timekeeping.h>
#include <net/sock.h>

#include "dslite.h"

/*
 * Sessions the bulk takes from the walk at a time, sorted by user so
 * that each user's go out as runs. The walk pauses once
 * DSLITE_SYNC_BULK_INFLIGHT packets are unacked; a window of runs of one
 * session each (42 bytes: 31 in a packet) then takes 67 packets more at
 * most: 195, under half the first ring, so a bulk alone never grows it
 * and the stream's own records have room meanwhile.
 */
#define DSLITE_BULK_WINDOW	2048

/* the bulk walk, kept between runs of the work */
struct dslite_sync_bulk {
	struct dslite_instance *inst;	/* referenced while walked */
	unsigned long next_id;		/* the instance after it */
	bool sessions;			/* users (blocks) first, then these */
	bool entered;
	struct rhashtable_iter iter;
	u32 records;
	struct dslite_session *win[DSLITE_BULK_WINDOW];
};

/*
 * Send @len bytes (a header and records, room for the HMAC after them),
 * signed with the key we send with, or (@probe) with the one we rotate
 * to. Returns 0, or an error when the packet could not be queued.
 */
static int dslite_sync_send(struct dslite_sl *sl, u8 *buf, unsigned int len,
			    bool probe)
{
	struct sockaddr_storage ss = { };
	struct msghdr msg = { .msg_name = &ss };
	struct crypto_shash *tfm;
	struct kvec iov;
	int err = 0;

	if (sl->key_len) {
		rcu_read_lock();
		tfm = READ_ONCE(sl->ktfm[READ_ONCE(sl->key_cur) ^ probe]);
		if (!tfm || dslite_sync_hmac(tfm, buf, len, buf + len))
			err = -ENOMEM;
		rcu_read_unlock();
		if (err)
			return err;
		len += DSLITE_SYNC_HMAC_LEN;
	}
	if (sl->peer_len == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, sl->peer, 4);
		sin->sin_port = htons(sl->port);
		msg.msg_namelen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, sl->peer, 16);
		sin6->sin6_port = htons(sl->port);
		msg.msg_namelen = sizeof(*sin6);
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_flags = MSG_DONTWAIT;
	if (kernel_sendmsg(sl->ss->sock, &msg, &iov, 1, len) < 0)
		return -ENOBUFS;
	DSLITE_SYNC_INC(sl, TX_PACKETS);
	return 0;
}

static u16 dslite_sync_flags(struct dslite_sl *sl, u16 flags)
{
	return flags | (sl->key_len ? DSLITE_SYNC_F_AUTH : 0);
}

/* what we have of the peer's stream, for a header */
static u16 dslite_sync_ack_info(struct dslite_sl *sl, u32 *ack,
				u32 *ack_epoch)
{
	u16 fl = 0;

	spin_lock_bh(&sl->rx.lock);
	*ack = sl->rx.next - 1;
	*ack_epoch = sl->rx.epoch;
	if (sl->rx.nack_send)
		fl |= DSLITE_SYNC_F_NACK;
	/* asked only after the sweep, so the new bulk finds no stale state */
	if (sl->rx.bulk_req && !sl->rx.sweep_pending)
		fl |= DSLITE_SYNC_F_BULK_REQ;
	if (READ_ONCE(sl->role) == DSLITE_ROLE_MASTER)
		fl |= DSLITE_SYNC_F_MASTER;
	sl->rx.ack_pending = false;
	sl->rx.unacked = 0;
	sl->rx.nack_send = false;
	spin_unlock_bh(&sl->rx.lock);
	return fl;
}

/* the records of one packet, at most */
#define DSLITE_SYNC_BATCH	(DSLITE_SYNC_MTU - DSLITE_SYNC_HDR - \
				 DSLITE_SYNC_HMAC_LEN)

/*
 * A HELLO's body: our fingerprint, then (to a peer of version 4) the
 * settings of the instances, so that a peer whose configuration differs
 * can say which setting. Returns its length.
 */
static u16 dslite_sync_hello_body(struct dslite_sl *sl, u8 *buf, u8 ver)
{
	u32 fp = dslite_sync_fingerprint(sl);
	unsigned int n, i;
	u16 len = 4;

	buf[0] = fp >> 24;
	buf[1] = fp >> 16;
	buf[2] = fp >> 8;
	buf[3] = fp;
	if (ver < 4)
		return len;
	/* the receiver's buffer, borrowed: the work runs alone */
	spin_lock_bh(&sl->rx.lock);
	n = dslite_sync_settings(sl, sl->rx.cfg, DSLITE_SYNC_CFG_MAX);
	for (i = 0; i < n; i++)
		len += dslite_sync_put_inst_cfg(buf + len, DSLITE_SYNC_BATCH - len,
						&sl->rx.cfg[i]);
	spin_unlock_bh(&sl->rx.lock);
	return len;
}

/*
 * A control packet: HELLO (with our configuration) or ACK; @probe: a
 * HELLO signed with the key we rotate to. Process context (the work's
 * send buffer).
 */
static void dslite_sync_send_ctl(struct dslite_sl *sl, u8 type, bool probe)
{
	u8 *buf = sl->tx.xmit_buf;
	u32 ack, ack_epoch, epoch, seq;
	u16 len = 0, fl;
	u8 ver;

	fl = dslite_sync_ack_info(sl, &ack, &ack_epoch);
	if (probe)
		fl |= DSLITE_SYNC_F_NEWKEY;
	/* control packets are numbered too, so a replayed one is refused */
	spin_lock_bh(&sl->tx.lock);
	epoch = sl->tx.epoch;
	seq = ++sl->tx.ctl_seq;
	ver = sl->tx.ver;
	spin_unlock_bh(&sl->tx.lock);
	if (type == DSLITE_SYNC_HELLO)
		len = dslite_sync_hello_body(sl, buf + DSLITE_SYNC_HDR, ver);
	dslite_sync_put_hdr(buf, DSLITE_SYNC_HDR, ver, type,
			    dslite_sync_flags(sl, fl), sl->id, epoch, seq, ack,
			    ack_epoch, len);
	dslite_sync_send(sl, buf, DSLITE_SYNC_HDR + len, probe);
}

/*
 * Seal the batch into the ring as packet next_seq. Caller holds tx_lock.
 * A full ring means the peer cannot have what it needs any more: the
 * stream restarts (with a bulk), and that is counted.
 */
static void dslite_sync_seal(struct dslite_sl *sl)
{
	struct dslite_sync_pkt *p;

	lockdep_assert_held(&sl->tx.lock);
	sl->tx.run_off = 0;
	if (!sl->tx.cur_len)
		return;
	if (sl->tx.next_seq - sl->tx.acked > sl->tx.ring_size) {
		if (!sl->tx.restart_pending) {
			DSLITE_SYNC_INC(sl, DROP_QUEUE_FULL);
			DSLITE_SYNC_INC(sl, RESYNCS);
			sl->tx.restart_pending = true;
		}
		sl->tx.cur_len = 0;	/* the restart's bulk carries it */
		return;
	}
	/* half full, the peer acking: the work doubles it before it overflows */
	if (sl->tx.next_seq - sl->tx.acked > sl->tx.ring_size / 2 &&
	    sl->tx.ring_size < DSLITE_SYNC_RING_MAX && !sl->tx.grow_pending &&
	    time_before(jiffies, sl->tx.last_acked + DSLITE_SYNC_GROW_ACKED)) {
		sl->tx.grow_pending = true;
		dslite_sync_kick(sl, 0);
	}
	p = &sl->tx.ring[sl->tx.next_seq & (sl->tx.ring_size - 1)];
	p->seq = sl->tx.next_seq++;
	p->len = DSLITE_SYNC_HDR + sl->tx.cur_len;
	p->ver = sl->tx.ver;	/* a change of it empties the batch */
	memcpy(p->data + DSLITE_SYNC_HDR, sl->tx.cur, sl->tx.cur_len);
	sl->tx.cur_len = 0;
}

/*
 * Append one record to the batch; true when it is the batch's first
 * (the work is to be kicked). Caller holds tx_lock.
 */
static bool __dslite_sync_add(struct dslite_sl *sl, const u8 *rec, size_t len)
{
	lockdep_assert_held(&sl->tx.lock);
	if (sl->tx.cur_len + len > DSLITE_SYNC_BATCH)
		dslite_sync_seal(sl);
	if (!sl->tx.cur_len)
		sl->tx.cur_since = jiffies;
	/* a run takes more sessions while it is the last record */
	sl->tx.run_off = rec[0] == DSLITE_REC_RUN ? sl->tx.cur_len + 1 : 0;
	memcpy(sl->tx.cur + sl->tx.cur_len, rec, len);
	sl->tx.cur_len += len;
	DSLITE_SYNC_INC(sl, TX_RECORDS);
	return sl->tx.cur_len == len;
}

/* Append one record to the batch (any context). */
static void dslite_sync_add(struct dslite_sl *sl, const u8 *rec, size_t len)
{
	bool kick;

	spin_lock_bh(&sl->tx.lock);
	kick = __dslite_sync_add(sl, rec, len);
	spin_unlock_bh(&sl->tx.lock);
	if (kick)
		dslite_sync_kick(sl, DSLITE_SYNC_FLUSH);
}

/* the SL a user's state goes to, if it is to be synced at all */
static struct dslite_sl *dslite_sync_sl(struct dslite_instance *inst,
					struct dslite_user *u)
{
	struct dslite_sl *sl;

	/*
	 * An instance being deleted (or its namespace, or the module) takes
	 * its sessions down here only: the peer, about to take over, must
	 * not be told to delete them too.
	 */
	if (!READ_ONCE(inst->dn->hot_backup) || !u->sl_id ||
	    READ_ONCE(inst->dying))
		return NULL;
	sl = dslite_sl_by_id(inst->dn, u->sl_id);
	/* nobody listening: the bulk when the peer (re)appears covers it */
	if (!sl || !sl->ss || READ_ONCE(sl->dying) ||
	    READ_ONCE(sl->role) != DSLITE_ROLE_MASTER ||
	    !READ_ONCE(sl->rx.peer_up))
		return NULL;
	return sl;
}

static void dslite_sync_session_rec(struct dslite_instance *inst,
				    struct dslite_session *s,
				    struct dslite_sync_session *r)
{
	memset(r, 0, sizeof(*r));
	r->inst_id = inst->id;
	memcpy(r->b4, &s->okey.user->b4, 16);
	r->inner_addr = s->okey.inner_addr;
	r->inner_port = s->okey.inner_port;
	r->pub_addr = s->ikey.pub_addr;
	r->pub_port = s->ikey.pub_port;
	r->remote_addr = s->remote_addr;
	r->remote_port = s->remote_port;
	r->proto = s->okey.proto;
	r->state = READ_ONCE(s->state);
	r->remaining = dslite_sess_expires(inst, s);
}

/*
 * A session, as a run when the peer speaks version 3: added to the
 * batch's last record if that is a run of the same user and address,
 * else a run of its own. A delete, or a peer of version 2: a session
 * record.
 */
static void dslite_sync_add_session(struct dslite_sl *sl,
				    struct dslite_instance *inst,
				    struct dslite_session *s, u8 type)
{
	struct dslite_sync_session r;
	u8 rec[2 + DSLITE_REC_SESSION_LEN];
	size_t len = 0;
	bool kick;

	BUILD_BUG_ON(sizeof(rec) < 2 + DSLITE_REC_RUN_LEN(1));
	dslite_sync_session_rec(inst, s, &r);
	spin_lock_bh(&sl->tx.lock);
	if (type == DSLITE_REC_SESSION && sl->tx.ver >= 3) {
		if (sl->tx.run_off &&
		    dslite_sync_run_add(sl->tx.cur + sl->tx.run_off - 1,
					DSLITE_SYNC_BATCH - sl->tx.cur_len,
					&r)) {
			sl->tx.cur_len += DSLITE_RUN_ENT_LEN;
			DSLITE_SYNC_INC(sl, TX_RECORDS);
			spin_unlock_bh(&sl->tx.lock);
			return;		/* the batch was not empty */
		}
		len = dslite_sync_put_run(rec, sizeof(rec), &r);
	}
	if (!len)
		len = dslite_sync_put_session(rec, sizeof(rec), type, &r);
	kick = __dslite_sync_add(sl, rec, len);
	spin_unlock_bh(&sl->tx.lock);
	if (kick)
		dslite_sync_kick(sl, DSLITE_SYNC_FLUSH);
}

/* A session was created, changed state, or went (@del). RCU held. */
void dslite_sync_note_session(struct dslite_instance *inst,
			      struct dslite_session *s, bool del)
{
	struct dslite_sl *sl = dslite_sync_sl(inst, s->okey.user);

	if (sl)
		dslite_sync_add_session(sl, inst, s, del ? DSLITE_REC_DELETE :
							   DSLITE_REC_SESSION);
}

static void dslite_sync_add_block(struct dslite_sl *sl,
				  struct dslite_instance *inst,
				  struct dslite_user *u, __be32 pub, u32 idx)
{
	struct dslite_sync_block b = { .inst_id = inst->id, .idx = idx };
	u8 rec[2 + DSLITE_REC_BLOCK_LEN];

	memcpy(b.b4, &u->b4, 16);
	b.pub_addr = pub;
	dslite_sync_put_block(rec, sizeof(rec), &b);
	dslite_sync_add(sl, rec, sizeof(rec));
}

/* A user got block @idx. */
void dslite_sync_note_block(struct dslite_instance *inst,
			    struct dslite_user *u, u32 idx)
{
	struct dslite_sl *sl = dslite_sync_sl(inst, u);

	if (sl && u->pa)
		dslite_sync_add_block(sl, inst, u, u->pa->addr, idx);
}

static void dslite_sync_add_mark(struct dslite_sl *sl, u8 type, u32 val)
{
	u8 rec[2 + DSLITE_REC_MARK_LEN];

	dslite_sync_put_mark(rec, sizeof(rec), type, val);
	dslite_sync_add(sl, rec, sizeof(rec));
}

/* ---- bulk ----------------------------------------------------------------- */

static void dslite_bulk_leave(struct dslite_sync_bulk *b)
{
	if (b->entered) {
		rhashtable_walk_exit(&b->iter);
		b->entered = false;
	}
	if (b->inst) {
		dslite_instance_put(b->inst);
		b->inst = NULL;
	}
}

/* Forget a bulk being walked (a new stream or a demotion). */
void dslite_bulk_abort(struct dslite_sl *sl)
{
	if (!sl->tx.bulk)
		return;
	dslite_bulk_leave(sl->tx.bulk);
	kvfree(sl->tx.bulk);
	sl->tx.bulk = NULL;
}

/* Start a bulk: BULK_BEGIN now, the walk in the next runs of the work. */
static void dslite_bulk_begin(struct dslite_sl *sl)
{
	dslite_bulk_abort(sl);
	sl->tx.bulk = kvzalloc(sizeof(*sl->tx.bulk), GFP_KERNEL);
	if (!sl->tx.bulk)
		return;		/* retried: bulk_pending stays set */
	spin_lock_bh(&sl->tx.lock);
	sl->tx.bulk_pending = false;
	sl->tx.in_bulk = true;
	sl->tx.synced = false;
	sl->tx.bulk_end_seq = 0;
	spin_unlock_bh(&sl->tx.lock);
	dslite_sync_add_mark(sl, DSLITE_REC_BULK_BEGIN, 0);
	DSLITE_SYNC_INC(sl, BULK_SENT);
}

static void dslite_bulk_user(struct dslite_sl *sl, struct dslite_sync_bulk *b,
			     struct dslite_user *u)
{
	u16 idx[DSLITE_MAX_BLOCKS_USER];
	struct dslite_paddr *pa;
	int i, n;

	if (u->sl_id != sl->id)
		return;
	/* the block array is read under the user's lock only */
	spin_lock_bh(&u->lock);
	pa = u->pa;
	for (n = 0; pa && !u->dead && n < u->n_blocks; n++)
		idx[n] = u->blocks[n].idx;
	spin_unlock_bh(&u->lock);
	for (i = 0; i < n; i++)
		dslite_sync_add_block(sl, b->inst, u, pa->addr, idx[i]);
	b->records += n;
}

static void dslite_bulk_session(struct dslite_sl *sl,
				struct dslite_sync_bulk *b,
				struct dslite_session *s)
{
	if (READ_ONCE(s->dead) || s->okey.user->sl_id != sl->id)
		return;
	dslite_sync_add_session(sl, b->inst, s, DSLITE_REC_SESSION);
	b->records++;
}

static int dslite_bulk_cmp(const void *a, const void *b)
{
	const struct dslite_session *x = *(struct dslite_session * const *)a;
	const struct dslite_session *y = *(struct dslite_session * const *)b;

	if (x->okey.user != y->okey.user)
		return x->okey.user < y->okey.user ? -1 : 1;
	if (x->ikey.pub_addr != y->ikey.pub_addr)
		return (__force u32)x->ikey.pub_addr <
		       (__force u32)y->ikey.pub_addr ? -1 : 1;
	return 0;
}

/*
 * The next window of the walk's sessions, sent sorted by user and
 * address (runs). The walk holds RCU: the sessions stay. True when the
 * walk has ended.
 */
static bool dslite_bulk_window(struct dslite_sl *sl,
			       struct dslite_sync_bulk *b)
{
	struct dslite_session *s;
	unsigned int n = 0, i;
	bool end = false;

	while (n < DSLITE_BULK_WINDOW) {
		s = rhashtable_walk_next(&b->iter);
		if (!s) {
			end = true;
			break;
		}
		if (IS_ERR(s))
			continue;	/* resized: keep walking */
		if (!READ_ONCE(s->dead) && s->okey.user->sl_id == sl->id)
			b->win[n++] = s;
	}
	sort(b->win, n, sizeof(b->win[0]), dslite_bulk_cmp, NULL);
	for (i = 0; i < n; i++)
		dslite_bulk_session(sl, b, b->win[i]);
	return end;
}

/* the next instance to walk, referenced; false when none is left */
static bool dslite_bulk_next_inst(struct dslite_sl *sl,
				  struct dslite_sync_bulk *b)
{
	struct dslite_instance *inst;

	rcu_read_lock();
	for (;;) {
		inst = xa_find(&sl->dn->instances, &b->next_id, ULONG_MAX,
			       XA_PRESENT);
		if (!inst)
			break;
		b->next_id++;
		if (!READ_ONCE(inst->dying) && refcount_inc_not_zero(&inst->ref))
			break;
	}
	rcu_read_unlock();
	if (!inst)
		return false;
	b->inst = inst;
	b->sessions = false;
	rhashtable_walk_enter(&inst->users, &b->iter);
	b->entered = true;
	return true;
}

static bool dslite_sync_ring_busy(struct dslite_sl *sl)
{
	bool busy;

	spin_lock_bh(&sl->tx.lock);
	busy = sl->tx.next_seq - sl->tx.acked >= DSLITE_SYNC_BULK_INFLIGHT ||
	       sl->tx.restart_pending;
	spin_unlock_bh(&sl->tx.lock);
	/* demoted meanwhile: pause; the work drops the walk */
	return busy || READ_ONCE(sl->role) != DSLITE_ROLE_MASTER;
}

/*
 * Walk on while the ring has room; BULK_END when everything went. A
 * pause keeps the iterator and the instance reference for the next run.
 */
static void dslite_bulk_produce(struct dslite_sl *sl)
{
	struct dslite_sync_bulk *b = sl->tx.bulk;
	void *obj;

	while (b) {
		if (!b->inst && !dslite_bulk_next_inst(sl, b)) {
			dslite_sync_add_mark(sl, DSLITE_REC_BULK_END,
					     b->records);
			spin_lock_bh(&sl->tx.lock);
			dslite_sync_seal(sl);	/* no need to wait */
			sl->tx.bulk_end_seq = sl->tx.next_seq - 1;
			spin_unlock_bh(&sl->tx.lock);
			dslite_bulk_abort(sl);
			return;
		}
		if (dslite_sync_ring_busy(sl))
			return;
		rhashtable_walk_start(&b->iter);
		while (b->sessions && !dslite_bulk_window(sl, b)) {
			if (dslite_sync_ring_busy(sl)) {
				rhashtable_walk_stop(&b->iter);
				return;
			}
		}
		while (!b->sessions && (obj = rhashtable_walk_next(&b->iter))) {
			if (IS_ERR(obj))
				continue;	/* resized: keep walking */
			dslite_bulk_user(sl, b, obj);
			if (dslite_sync_ring_busy(sl)) {
				rhashtable_walk_stop(&b->iter);
				return;
			}
		}
		rhashtable_walk_stop(&b->iter);
		rhashtable_walk_exit(&b->iter);
		b->entered = false;
		if (!b->sessions && !READ_ONCE(b->inst->dying)) {
			b->sessions = true;
			rhashtable_walk_enter(&b->inst->sess_out.ht, &b->iter);
			b->entered = true;
			continue;
		}
		dslite_instance_put(b->inst);
		b->inst = NULL;
		cond_resched();
	}
}

/* Send ring packet @seq; false if the socket would not take it. */
static bool dslite_sync_xmit_seq(struct dslite_sl *sl, u32 seq)
{
	u8 *buf = sl->tx.xmit_buf;
	struct dslite_sync_pkt *p;
	u32 ack, ack_epoch, epoch;
	u16 len, fl;
	u8 ver;

	spin_lock_bh(&sl->tx.lock);
	p = &sl->tx.ring[seq & (sl->tx.ring_size - 1)];
	if (p->seq != seq || (s32)(seq - sl->tx.acked) <= 0) {
		spin_unlock_bh(&sl->tx.lock);
		return true;	/* acked meanwhile, or a new stream */
	}
	len = p->len;
	ver = p->ver;
	epoch = sl->tx.epoch;
	memcpy(buf, p->data, len);
	spin_unlock_bh(&sl->tx.lock);
	fl = dslite_sync_ack_info(sl, &ack, &ack_epoch);
	dslite_sync_put_hdr(buf, DSLITE_SYNC_HDR, ver, DSLITE_SYNC_DATA,
			    dslite_sync_flags(sl, fl), sl->id, epoch, seq, ack,
			    ack_epoch, len - DSLITE_SYNC_HDR);
	return !dslite_sync_send(sl, buf, len, false);
}

/*
 * Double the ring (the work, asked by dslite_sync_seal at half full): the
 * unacked packets move to their places in the new one under tx.lock, so
 * the packet path, which seals into it, sees one ring or the other. Only
 * this work changes ring_size, so it reads it unlocked. A failed
 * allocation leaves the old one (the overflow, if it comes, is counted
 * and resyncs).
 */
static void dslite_sync_ring_grow(struct dslite_sl *sl)
{
	u32 seq, size = sl->tx.ring_size * 2;
	struct dslite_sync_pkt *ring, *old;

	ring = kvcalloc(size, sizeof(*ring), GFP_KERNEL);
	spin_lock_bh(&sl->tx.lock);
	sl->tx.grow_pending = false;
	if (!ring) {
		spin_unlock_bh(&sl->tx.lock);
		return;
	}
	old = sl->tx.ring;
	for (seq = sl->tx.acked + 1; seq != sl->tx.next_seq; seq++) {
		struct dslite_sync_pkt *p = &old[seq & (sl->tx.ring_size - 1)];

		if (p->seq == seq)
			memcpy(&ring[seq & (size - 1)], p,
			       offsetof(struct dslite_sync_pkt, data) + p->len);
	}
	sl->tx.ring = ring;
	sl->tx.ring_size = size;
	spin_unlock_bh(&sl->tx.lock);
	kvfree(old);
	DSLITE_SYNC_INC(sl, RING_GROWN);
}

/* A new stream: larger epoch, seq 1, empty ring; a bulk if master. */
static void dslite_sync_restart(struct dslite_sl *sl)
{
	u32 now = (u32)ktime_get_real_seconds();

	dslite_bulk_abort(sl);
	spin_lock_bh(&sl->tx.lock);
	sl->tx.epoch = (s32)(now - sl->tx.epoch) > 0 ? now : sl->tx.epoch + 1;
	sl->tx.next_seq = 1;
	sl->tx.ctl_seq = 0;
	sl->tx.acked = 0;
	sl->tx.sent_upto = 0;
	sl->tx.cur_len = 0;
	sl->tx.run_off = 0;
	sl->tx.stream_start = jiffies;
	sl->tx.last_acked = jiffies - DSLITE_SYNC_GROW_ACKED;	/* none yet */
	sl->tx.restart_pending = false;
	sl->tx.nack_pending = false;
	sl->tx.in_bulk = false;
	sl->tx.synced = false;
	sl->tx.bulk_end_seq = 0;
	sl->tx.bulk_pending = READ_ONCE(sl->role) == DSLITE_ROLE_MASTER;
	spin_unlock_bh(&sl->tx.lock);
	sl->tx.last_hello = jiffies - DSLITE_SYNC_T_HELLO;	/* tell it now */
}

void dslite_sync_work(struct work_struct *work)
{
	struct dslite_sl *sl = container_of(to_delayed_work(work),
					    struct dslite_sl, work);
	u32 acked, upto, next, seq;
	bool up, ack, resend, restart, grow, bulk, sweep, busy;
	u8 gen = 0;

	if (READ_ONCE(sl->dying))
		return;

	spin_lock_bh(&sl->rx.lock);
	up = sl->rx.peer_up;
	if (up && time_after(jiffies, sl->rx.last + DSLITE_SYNC_DEAD)) {
		WRITE_ONCE(sl->rx.peer_up, false);
		up = false;
		dslite_sync_set_state(sl);
	}
	sweep = sl->rx.sweep_pending;
	if (sweep) {
		gen = sl->rx.gen;
		sl->rx.sweep_pending = false;
	}
	spin_unlock_bh(&sl->rx.lock);
	/* a master merges, never drops its own live flows */
	if (sweep && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER)
		dslite_sync_sweep(sl, gen);
	if (sweep) {
		spin_lock_bh(&sl->rx.lock);
		if (sl->rx.bulk_req)
			sl->rx.ack_pending = true;	/* carries the request */
		spin_unlock_bh(&sl->rx.lock);
	}

	/* demoted: no more of our walk */
	if (sl->tx.bulk && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER) {
		dslite_bulk_abort(sl);
		spin_lock_bh(&sl->tx.lock);
		sl->tx.in_bulk = false;
		spin_unlock_bh(&sl->tx.lock);
	}

	spin_lock_bh(&sl->tx.lock);
	restart = sl->tx.restart_pending;
	grow = sl->tx.grow_pending;
	spin_unlock_bh(&sl->tx.lock);
	if (restart)
		dslite_sync_restart(sl);
	else if (grow)
		dslite_sync_ring_grow(sl);

	spin_lock_bh(&sl->tx.lock);
	bulk = sl->tx.bulk_pending && up;
	spin_unlock_bh(&sl->tx.lock);
	if (bulk)
		dslite_bulk_begin(sl);
	if (sl->tx.bulk && up)
		dslite_bulk_produce(sl);

	/* the batch, once its deadline passed, becomes a packet */
	spin_lock_bh(&sl->tx.lock);
	if (sl->tx.cur_len && time_after_eq(jiffies, sl->tx.cur_since +
						  DSLITE_SYNC_FLUSH))
		dslite_sync_seal(sl);
	acked = sl->tx.acked;
	next = sl->tx.next_seq;
	if ((s32)(sl->tx.sent_upto - acked) < 0)
		sl->tx.sent_upto = acked;
	upto = sl->tx.sent_upto;
	/*
	 * The peer reported a gap, or is silent about what we sent: go back
	 * to the first unacked packet, once per retransmit interval at most
	 * however many NACKs came (each NACK would otherwise cost a whole
	 * window of packets: a peer could make us flood the link).
	 */
	resend = up && upto != acked &&
		 time_after_eq(jiffies, sl->tx.last_resend +
				DSLITE_SYNC_RETRANSMIT) &&
		 (sl->tx.nack_pending ||
		  time_after_eq(jiffies, sl->tx.last_data + DSLITE_SYNC_RETRANSMIT));
	if (resend) {
		sl->tx.nack_pending = false;
		sl->tx.last_resend = jiffies;
	} else if (upto == acked) {
		sl->tx.nack_pending = false;
	}
	if (sl->tx.in_bulk && sl->tx.bulk_end_seq && !sl->tx.bulk &&
	    (s32)(acked - sl->tx.bulk_end_seq) >= 0) {
		sl->tx.in_bulk = false;
		sl->tx.synced = true;
	}
	spin_unlock_bh(&sl->tx.lock);

	if (resend) {
		for (seq = acked + 1; seq != upto + 1; seq++)
			if (!dslite_sync_xmit_seq(sl, seq))
				break;
		DSLITE_SYNC_ADD(sl, RETRANSMITS, seq - acked - 1);
		sl->tx.last_data = jiffies;
	}
	if (up && upto + 1 != next) {
		for (seq = upto + 1; seq != next; seq++)
			if (!dslite_sync_xmit_seq(sl, seq))
				break;	/* the socket is full: next run */
		spin_lock_bh(&sl->tx.lock);
		if (sl->tx.next_seq == next)	/* not restarted meanwhile */
			sl->tx.sent_upto = seq - 1;
		spin_unlock_bh(&sl->tx.lock);
		sl->tx.last_data = jiffies;
	}

	spin_lock_bh(&sl->rx.lock);
	ack = sl->rx.ack_pending;
	dslite_sync_set_state(sl);
	spin_unlock_bh(&sl->rx.lock);
	if (time_after_eq(jiffies, sl->tx.last_hello + DSLITE_SYNC_T_HELLO)) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_HELLO, false);
		/* a new key: the peer learns we have it (sync.c) */
		if (READ_ONCE(sl->key_state) == DSLITE_KEY_PENDING)
			dslite_sync_send_ctl(sl, DSLITE_SYNC_HELLO, true);
		sl->tx.last_hello = jiffies;
	} else if (ack) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_ACK, false);
	}
	dslite_sync_key_expire(sl);
	/* unacked data, a batch or a bulk: come back soon; else at hello */
	spin_lock_bh(&sl->tx.lock);
	busy = sl->tx.acked != sl->tx.next_seq - 1 || sl->tx.cur_len || sl->tx.bulk ||
	       sl->tx.in_bulk || sl->tx.restart_pending || sl->tx.bulk_pending ||
	       sl->tx.nack_pending;
	spin_unlock_bh(&sl->tx.lock);
	queue_delayed_work(system_unbound_wq, &sl->work,
			   busy && up ? DSLITE_SYNC_FLUSH : DSLITE_SYNC_T_HELLO);
}

/*
 * The SL's role changed (dn->lock held): a new master copies its state.
 * A demoted one stops its walk in the work, which owns it (the work may
 * be running now, kicked by a receiver).
 */
void dslite_sync_role_changed(struct dslite_sl *sl, u8 role)
{
	if (!sl->ss)
		return;
	spin_lock_bh(&sl->tx.lock);
	sl->tx.bulk_pending = role == DSLITE_ROLE_MASTER;
	spin_unlock_bh(&sl->tx.lock);
	dslite_sync_kick(sl, 0);
}
