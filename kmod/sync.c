// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the hot-backup sync channel (see docs/ha.md).
 *
 * One kernel UDP socket per (namespace, family, port, remote-backup
 * interface), shared by the SLs using it; the SL id in each packet's
 * header demultiplexes.
 *
 * Streams. Each router sends the peer one stream of DATA packets per SL,
 * named by an epoch and numbered from 1. Records are queued on block
 * allocation, session creation, TCP state change and deletion (never per
 * packet), batched per DSLITE_SYNC_MTU with a 20 ms flush deadline, and
 * kept in a ring until the peer's cumulative ack covers them. A gap makes
 * the receiver send a NACK and the sender resends from the first unacked
 * packet at once; silence resends after 200 ms (go-back-N: the receiver
 * applies in order only). A new stream (a larger epoch, seq 1, empty
 * ring) begins when the peer appears or comes back after being down,
 * when it reports that it has lost our stream, or when the ring
 * overflowed (counted: drop_queue_full, resyncs). Epochs only grow, so a
 * replayed packet of an older stream is refused (drop_replay), as is a
 * repeated or old sequence number of the current one.
 *
 * Bulk. The master of an SL sends a full copy of it at the start of each
 * stream and when it is promoted while the peer is up: a BULK_BEGIN
 * record, every user's blocks, every session, BULK_END, all inside the
 * stream (so sequenced, acknowledged, authenticated and replay-protected
 * like any record), produced only while the ring is less than half full.
 * The receiver stamps every entry it installs with a generation counter
 * bumped at BULK_BEGIN; at BULK_END it drops the entries of the SL that
 * the bulk did not refresh, so its tables equal the master's. Until a
 * bulk has completed the peer state reads "bulk-syncing" (or "hello"),
 * which dslite-track turns into a lower VRRP priority on a backup.
 *
 * HELLO every second carries a fingerprint of the configuration (a
 * mismatch applies nothing); three seconds without a valid packet mean
 * the peer is down. With a key every packet carries an HMAC-SHA256 over
 * header and records.
 *
 * Locking rules:
 *  - sl->tx_lock (BH) guards the batch, the ring and our stream; the
 *    packet path only appends records under it (u->lock -> tx_lock).
 *  - sl->rx_lock (BH) guards the peer's stream; records are applied in
 *    order under it, taking the locks of session.c inside
 *    (rx_lock -> u->lock -> tx_lock; rx_lock -> tx_lock). Nothing takes
 *    rx_lock while holding tx_lock or a user's lock.
 *  - sl->bulk (the walk) belongs to the SL's work item alone.
 *  - dn->sync_socks changes under dn->lock.
 *  - Lifetime: sl->work is armed only by the work itself and by callers
 *    that found the SL published and not dying, under RCU or dn->lock;
 *    stopping marks it dying and waits a grace period before cancelling
 *    the work and freeing what receivers use (dslite_sync_stop_begin).
 *
 * Trust: packets only from the SL's configured peer address and port,
 * authenticated first when keyed, epochs bounded, records checked
 * against this router's settings and limits (docs/ha.md, "What the sync
 * port trusts").
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/jhash.h>
#include <linux/net.h>
#include <linux/timekeeping.h>
#include <linux/inetdevice.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>
#include <net/ipv6.h>
#include <crypto/hash.h>
#include <crypto/algapi.h>

#include "dslite.h"

#define DSLITE_SYNC_FLUSH	(HZ / 50)	/* 20 ms */
#define DSLITE_SYNC_RETRANSMIT	(HZ / 5)
#define DSLITE_SYNC_T_HELLO	HZ
#define DSLITE_SYNC_DEAD	(3 * HZ)	/* silence: the peer is down */
#define DSLITE_SYNC_LOST	(3 * HZ)	/* our stream ignored this long */
#define DSLITE_SYNC_HDR		sizeof(struct dslite_sync_hdr)
#define DSLITE_SYNC_SOCKBUF	(4 << 20)	/* a ring's worth, twice */
/*
 * A stream's epoch is the sender's clock when it began (or one more than
 * the last): one further ahead of ours than this is no peer's clock.
 */
#define DSLITE_SYNC_EPOCH_AHEAD	86400
/* HELLOs of an older stream, while ours is silent, that make us follow it */
#define DSLITE_SYNC_CAND_HELLOS	2

/* the bulk walk, kept between runs of the work */
struct dslite_sync_bulk {
	struct dslite_instance *inst;	/* referenced while walked */
	unsigned long next_id;		/* the instance after it */
	bool sessions;			/* users (blocks) first, then these */
	bool entered;
	struct rhashtable_iter iter;
	u32 records;
};

static int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb);

static u32 dslite_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/*
 * Run the work within @delay (sooner if it is due later). Callers found
 * the SL published (RCU or dn->lock): dslite_sync_stop_begin() marks it
 * dying first and waits for them all before it cancels the work, so no
 * kick lands after the cancel.
 */
static void dslite_sync_kick(struct dslite_sl *sl, unsigned long delay)
{
	if (READ_ONCE(sl->dying))
		return;
	if (!delayed_work_pending(&sl->work) ||
	    time_after(READ_ONCE(sl->work.timer.expires), jiffies + delay))
		mod_delayed_work(system_wq, &sl->work, delay);
}

struct dslite_sync_sock {
	struct list_head list;
	struct socket *sock;
	struct dslite_net *dn;
	u8 family;
	u16 port;
	int ifindex;
	int refcnt;
	struct rcu_head rcu;	/* receivers read sk_user_data under RCU */
};

/* ---- sockets ----------------------------------------------------------- */

static struct dslite_sync_sock *dslite_sync_sock_get(struct dslite_net *dn,
						     u8 family, u16 port,
						     int ifindex,
						     struct netlink_ext_ack *extack)
{
	struct udp_tunnel_sock_cfg tcfg = { };
	struct udp_port_cfg cfg = { };
	struct dslite_sync_sock *ss;
	int err;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(ss, &dn->sync_socks, list) {
		if (ss->family == family && ss->port == port &&
		    ss->ifindex == ifindex) {
			ss->refcnt++;
			return ss;
		}
	}
	ss = kzalloc(sizeof(*ss), GFP_KERNEL);
	if (!ss)
		return ERR_PTR(-ENOMEM);
	cfg.family = family;
	cfg.local_udp_port = htons(port);
	cfg.bind_ifindex = ifindex;
	if (family == AF_INET6) {
		cfg.ipv6_v6only = 1;
		cfg.local_ip6 = in6addr_any;
	}
	err = udp_sock_create(dn->net, &cfg, &ss->sock);
	if (err) {
		NL_SET_ERR_MSG(extack,
			       "cannot open the sync socket (port in use?)");
		kfree(ss);
		return ERR_PTR(err);
	}
	ss->dn = dn;
	ss->family = family;
	ss->port = port;
	ss->ifindex = ifindex;
	ss->refcnt = 1;
	tcfg.sk_user_data = ss;
	tcfg.encap_type = 1;
	tcfg.encap_rcv = dslite_sync_rcv;
	setup_udp_tunnel_sock(dn->net, ss->sock, &tcfg);
	/* room for a ring in flight each way, without drops at the socket */
	lock_sock(ss->sock->sk);
	ss->sock->sk->sk_userlocks |= SOCK_SNDBUF_LOCK | SOCK_RCVBUF_LOCK;
	WRITE_ONCE(ss->sock->sk->sk_sndbuf, DSLITE_SYNC_SOCKBUF);
	WRITE_ONCE(ss->sock->sk->sk_rcvbuf, DSLITE_SYNC_SOCKBUF);
	release_sock(ss->sock->sk);
	list_add(&ss->list, &dn->sync_socks);
	return ss;
}

static void dslite_sync_sock_put(struct dslite_net *dn,
				 struct dslite_sync_sock *ss)
{
	lockdep_assert_held(&dn->lock);
	if (--ss->refcnt)
		return;
	list_del(&ss->list);
	/* clears sk_user_data; a receiver may still hold @ss until a GP */
	udp_tunnel_sock_release(ss->sock);
	kfree_rcu(ss, rcu);
}

/* ---- sending ------------------------------------------------------------ */

static int dslite_sync_hmac(struct dslite_sl *sl, const u8 *data,
			    unsigned int len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, sl->tfm);
	int err;

	desc->tfm = sl->tfm;
	err = crypto_shash_digest(desc, data, len, out);
	shash_desc_zero(desc);
	return err;
}

/*
 * Send @len bytes (a header and records, room for the HMAC after them).
 * Returns 0, or an error when the packet could not be queued.
 */
static int dslite_sync_send(struct dslite_sl *sl, u8 *buf, unsigned int len)
{
	struct sockaddr_storage ss = { };
	struct msghdr msg = { .msg_name = &ss };
	struct kvec iov;

	if (sl->tfm) {
		if (dslite_sync_hmac(sl, buf, len, buf + len))
			return -ENOMEM;
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
	sl->st.tx_packets++;
	return 0;
}

static u16 dslite_sync_flags(struct dslite_sl *sl, u16 flags)
{
	return flags | (sl->tfm ? DSLITE_SYNC_F_AUTH : 0);
}

/* the peer state shown by `service-location show`. Caller holds rx_lock. */
static void dslite_sync_set_state(struct dslite_sl *sl)
{
	u8 st;

	lockdep_assert_held(&sl->rx_lock);
	if (!sl->peer_up)
		st = DSLITE_PEER_DOWN;
	else if (sl->mismatch)
		st = DSLITE_PEER_MISMATCH;
	else if (sl->rx_bulk || READ_ONCE(sl->tx_bulk))
		st = DSLITE_PEER_BULK;
	else if (sl->rx_synced || READ_ONCE(sl->tx_synced))
		st = DSLITE_PEER_IN_SYNC;
	else
		st = DSLITE_PEER_HELLO;
	WRITE_ONCE(sl->peer_state, st);
}

/* what we have of the peer's stream, for a header */
static u16 dslite_sync_ack_info(struct dslite_sl *sl, u32 *ack,
				u32 *ack_epoch)
{
	u16 fl = 0;

	spin_lock_bh(&sl->rx_lock);
	*ack = sl->rx_next - 1;
	*ack_epoch = sl->peer_epoch;
	if (sl->nack_send)
		fl |= DSLITE_SYNC_F_NACK;
	/* asked only after the sweep, so the new bulk finds no stale state */
	if (sl->bulk_req && !sl->sweep_pending)
		fl |= DSLITE_SYNC_F_BULK_REQ;
	if (READ_ONCE(sl->role) == DSLITE_ROLE_MASTER)
		fl |= DSLITE_SYNC_F_MASTER;
	sl->ack_pending = false;
	sl->nack_send = false;
	spin_unlock_bh(&sl->rx_lock);
	return fl;
}

/* A control packet: HELLO (with our fingerprint) or ACK. Process context. */
static void dslite_sync_send_ctl(struct dslite_sl *sl, u8 type, u32 fp)
{
	u8 buf[DSLITE_SYNC_HDR + 4 + DSLITE_SYNC_HMAC_LEN];
	u32 ack, ack_epoch, epoch, seq;
	u16 len = 0, fl;

	fl = dslite_sync_ack_info(sl, &ack, &ack_epoch);
	if (type == DSLITE_SYNC_HELLO) {
		buf[DSLITE_SYNC_HDR] = fp >> 24;
		buf[DSLITE_SYNC_HDR + 1] = fp >> 16;
		buf[DSLITE_SYNC_HDR + 2] = fp >> 8;
		buf[DSLITE_SYNC_HDR + 3] = fp;
		len = 4;
	}
	/* control packets are numbered too, so a replayed one is refused */
	spin_lock_bh(&sl->tx_lock);
	epoch = sl->epoch;
	seq = ++sl->ctl_seq;
	spin_unlock_bh(&sl->tx_lock);
	dslite_sync_put_hdr(buf, sizeof(buf), type, dslite_sync_flags(sl, fl),
			    sl->id, epoch, seq, ack, ack_epoch, len);
	dslite_sync_send(sl, buf, DSLITE_SYNC_HDR + len);
}

/*
 * Seal the batch into the ring as packet next_seq. Caller holds tx_lock.
 * A full ring means the peer cannot have what it needs any more: the
 * stream restarts (with a bulk), and that is counted.
 */
static void dslite_sync_seal(struct dslite_sl *sl)
{
	struct dslite_sync_pkt *p;

	lockdep_assert_held(&sl->tx_lock);
	if (!sl->cur_len)
		return;
	if (sl->next_seq - sl->acked > DSLITE_SYNC_RING) {
		if (!sl->restart_pending) {
			sl->st.drop_queue_full++;
			sl->st.resyncs++;
			sl->restart_pending = true;
		}
		sl->cur_len = 0;	/* the restart's bulk carries it */
		return;
	}
	p = &sl->ring[sl->next_seq % DSLITE_SYNC_RING];
	p->seq = sl->next_seq++;
	p->len = DSLITE_SYNC_HDR + sl->cur_len;
	memcpy(p->data + DSLITE_SYNC_HDR, sl->cur, sl->cur_len);
	sl->cur_len = 0;
}

/* Append one record to the batch (any context). */
static void dslite_sync_add(struct dslite_sl *sl, const u8 *rec, size_t len)
{
	bool kick;

	spin_lock_bh(&sl->tx_lock);
	if (sl->cur_len + len > DSLITE_SYNC_MTU - DSLITE_SYNC_HDR -
				DSLITE_SYNC_HMAC_LEN)
		dslite_sync_seal(sl);
	if (!sl->cur_len)
		sl->cur_since = jiffies;
	memcpy(sl->cur + sl->cur_len, rec, len);
	sl->cur_len += len;
	sl->st.tx_records++;
	kick = sl->cur_len == len;
	spin_unlock_bh(&sl->tx_lock);
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
	    !READ_ONCE(sl->peer_up))
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

static void dslite_sync_add_session(struct dslite_sl *sl,
				    struct dslite_instance *inst,
				    struct dslite_session *s, u8 type)
{
	struct dslite_sync_session r;
	u8 rec[2 + DSLITE_REC_SESSION_LEN];

	dslite_sync_session_rec(inst, s, &r);
	dslite_sync_put_session(rec, sizeof(rec), type, &r);
	dslite_sync_add(sl, rec, sizeof(rec));
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
static void dslite_bulk_abort(struct dslite_sl *sl)
{
	if (!sl->bulk)
		return;
	dslite_bulk_leave(sl->bulk);
	kfree(sl->bulk);
	sl->bulk = NULL;
}

/* Start a bulk: BULK_BEGIN now, the walk in the next runs of the work. */
static void dslite_bulk_begin(struct dslite_sl *sl)
{
	dslite_bulk_abort(sl);
	sl->bulk = kzalloc(sizeof(*sl->bulk), GFP_KERNEL);
	if (!sl->bulk)
		return;		/* retried: bulk_pending stays set */
	spin_lock_bh(&sl->tx_lock);
	sl->bulk_pending = false;
	sl->tx_bulk = true;
	sl->tx_synced = false;
	sl->bulk_end_seq = 0;
	spin_unlock_bh(&sl->tx_lock);
	dslite_sync_add_mark(sl, DSLITE_REC_BULK_BEGIN, 0);
	sl->st.bulk_sent++;
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

	spin_lock_bh(&sl->tx_lock);
	busy = sl->next_seq - sl->acked >= DSLITE_SYNC_RING / 2 ||
	       sl->restart_pending;
	spin_unlock_bh(&sl->tx_lock);
	/* demoted meanwhile: pause; the work drops the walk */
	return busy || READ_ONCE(sl->role) != DSLITE_ROLE_MASTER;
}

/*
 * Walk on while the ring has room; BULK_END when everything went. A
 * pause keeps the iterator and the instance reference for the next run.
 */
static void dslite_bulk_produce(struct dslite_sl *sl)
{
	struct dslite_sync_bulk *b = sl->bulk;
	void *obj;

	while (b) {
		if (!b->inst && !dslite_bulk_next_inst(sl, b)) {
			dslite_sync_add_mark(sl, DSLITE_REC_BULK_END,
					     b->records);
			spin_lock_bh(&sl->tx_lock);
			dslite_sync_seal(sl);	/* no need to wait */
			sl->bulk_end_seq = sl->next_seq - 1;
			spin_unlock_bh(&sl->tx_lock);
			dslite_bulk_abort(sl);
			return;
		}
		if (dslite_sync_ring_busy(sl))
			return;
		rhashtable_walk_start(&b->iter);
		while ((obj = rhashtable_walk_next(&b->iter))) {
			if (IS_ERR(obj))
				continue;	/* resized: keep walking */
			if (b->sessions)
				dslite_bulk_session(sl, b, obj);
			else
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

/* ---- the receiver's sweep after a bulk ------------------------------------ */

static void dslite_sync_sweep(struct dslite_sl *sl, u8 gen)
{
	struct dslite_instance *inst;
	unsigned long id;

	rcu_read_lock();
	xa_for_each(&sl->dn->instances, id, inst) {
		if (READ_ONCE(inst->dying) || !refcount_inc_not_zero(&inst->ref))
			continue;
		rcu_read_unlock();
		dslite_sess_flush_stale(inst, sl->id, gen);
		dslite_instance_put(inst);
		rcu_read_lock();
	}
	rcu_read_unlock();
}

/* a fingerprint of what both routers must agree on for this SL */
static u32 dslite_sync_fingerprint(struct dslite_sl *sl)
{
	struct dslite_net *dn = sl->dn;
	struct dslite_instance *inst;
	struct dslite_pool *p;
	unsigned long id;
	u32 h = jhash_1word(sl->id, 0);

	rcu_read_lock();
	xa_for_each(&dn->instances, id, inst) {
		if (!rcu_access_pointer(inst->sig))
			continue;
		h = jhash(inst->name, strlen(inst->name), h);
		h = jhash_3words(inst->id, inst->cfg.block_size,
				 inst->cfg.port_lo << 16 | inst->cfg.port_hi, h);
		list_for_each_entry_rcu(p, &inst->pools, list)
			h = jhash_3words((__force u32)p->prefix, p->plen,
					 p->sl_id, h);
	}
	rcu_read_unlock();
	return h;
}

/* Send ring packet @seq; false if the socket would not take it. */
static bool dslite_sync_xmit_seq(struct dslite_sl *sl, u32 seq)
{
	struct dslite_sync_pkt *p = &sl->ring[seq % DSLITE_SYNC_RING];
	u8 *buf = sl->xmit_buf;
	u32 ack, ack_epoch, epoch;
	u16 len, fl;

	spin_lock_bh(&sl->tx_lock);
	if (p->seq != seq || (s32)(seq - sl->acked) <= 0) {
		spin_unlock_bh(&sl->tx_lock);
		return true;	/* acked meanwhile, or a new stream */
	}
	len = p->len;
	epoch = sl->epoch;
	memcpy(buf, p->data, len);
	spin_unlock_bh(&sl->tx_lock);
	fl = dslite_sync_ack_info(sl, &ack, &ack_epoch);
	dslite_sync_put_hdr(buf, DSLITE_SYNC_HDR, DSLITE_SYNC_DATA,
			    dslite_sync_flags(sl, fl), sl->id, epoch, seq, ack,
			    ack_epoch, len - DSLITE_SYNC_HDR);
	return !dslite_sync_send(sl, buf, len);
}

/* A new stream: larger epoch, seq 1, empty ring; a bulk if master. */
static void dslite_sync_restart(struct dslite_sl *sl)
{
	u32 now = (u32)ktime_get_real_seconds();

	dslite_bulk_abort(sl);
	spin_lock_bh(&sl->tx_lock);
	sl->epoch = (s32)(now - sl->epoch) > 0 ? now : sl->epoch + 1;
	sl->next_seq = 1;
	sl->ctl_seq = 0;
	sl->acked = 0;
	sl->sent_upto = 0;
	sl->cur_len = 0;
	sl->stream_start = jiffies;
	sl->restart_pending = false;
	sl->nack_pending = false;
	sl->tx_bulk = false;
	sl->tx_synced = false;
	sl->bulk_end_seq = 0;
	sl->bulk_pending = READ_ONCE(sl->role) == DSLITE_ROLE_MASTER;
	spin_unlock_bh(&sl->tx_lock);
	sl->last_tx = jiffies - DSLITE_SYNC_T_HELLO;	/* tell it now */
}

static void dslite_sync_work(struct work_struct *work)
{
	struct dslite_sl *sl = container_of(to_delayed_work(work),
					    struct dslite_sl, work);
	u32 acked, upto, next, seq;
	bool up, ack, resend, restart, bulk, sweep, busy;
	u8 gen = 0;

	if (READ_ONCE(sl->dying))
		return;

	spin_lock_bh(&sl->rx_lock);
	up = sl->peer_up;
	if (up && time_after(jiffies, sl->last_rx + DSLITE_SYNC_DEAD)) {
		sl->peer_up = false;
		up = false;
		dslite_sync_set_state(sl);
	}
	sweep = sl->sweep_pending;
	if (sweep) {
		gen = sl->rx_gen;
		sl->sweep_pending = false;
	}
	spin_unlock_bh(&sl->rx_lock);
	/* a master merges, never drops its own live flows */
	if (sweep && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER)
		dslite_sync_sweep(sl, gen);
	if (sweep) {
		spin_lock_bh(&sl->rx_lock);
		if (sl->bulk_req)
			sl->ack_pending = true;	/* carries the request */
		spin_unlock_bh(&sl->rx_lock);
	}

	/* demoted: no more of our walk */
	if (sl->bulk && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER) {
		dslite_bulk_abort(sl);
		spin_lock_bh(&sl->tx_lock);
		sl->tx_bulk = false;
		spin_unlock_bh(&sl->tx_lock);
	}

	spin_lock_bh(&sl->tx_lock);
	restart = sl->restart_pending;
	spin_unlock_bh(&sl->tx_lock);
	if (restart)
		dslite_sync_restart(sl);

	spin_lock_bh(&sl->tx_lock);
	bulk = sl->bulk_pending && up;
	spin_unlock_bh(&sl->tx_lock);
	if (bulk)
		dslite_bulk_begin(sl);
	if (sl->bulk && up)
		dslite_bulk_produce(sl);

	/* the batch, once its deadline passed, becomes a packet */
	spin_lock_bh(&sl->tx_lock);
	if (sl->cur_len && time_after_eq(jiffies, sl->cur_since +
						  DSLITE_SYNC_FLUSH))
		dslite_sync_seal(sl);
	acked = sl->acked;
	next = sl->next_seq;
	if ((s32)(sl->sent_upto - acked) < 0)
		sl->sent_upto = acked;
	upto = sl->sent_upto;
	/*
	 * The peer reported a gap, or is silent about what we sent: go back
	 * to the first unacked packet, once per retransmit interval at most
	 * however many NACKs came (each NACK would otherwise cost a whole
	 * window of packets: a peer could make us flood the link).
	 */
	resend = up && upto != acked &&
		 time_after_eq(jiffies, sl->last_resend +
				DSLITE_SYNC_RETRANSMIT) &&
		 (sl->nack_pending ||
		  time_after_eq(jiffies, sl->last_data + DSLITE_SYNC_RETRANSMIT));
	if (resend) {
		sl->nack_pending = false;
		sl->last_resend = jiffies;
	} else if (upto == acked) {
		sl->nack_pending = false;
	}
	if (sl->tx_bulk && sl->bulk_end_seq && !sl->bulk &&
	    (s32)(acked - sl->bulk_end_seq) >= 0) {
		sl->tx_bulk = false;
		sl->tx_synced = true;
	}
	spin_unlock_bh(&sl->tx_lock);

	if (resend) {
		for (seq = acked + 1; seq != upto + 1; seq++)
			if (!dslite_sync_xmit_seq(sl, seq))
				break;
		sl->st.retransmits += seq - acked - 1;
		sl->last_data = jiffies;
	}
	if (up && upto + 1 != next) {
		for (seq = upto + 1; seq != next; seq++)
			if (!dslite_sync_xmit_seq(sl, seq))
				break;	/* the socket is full: next run */
		spin_lock_bh(&sl->tx_lock);
		if (sl->next_seq == next)	/* not restarted meanwhile */
			sl->sent_upto = seq - 1;
		spin_unlock_bh(&sl->tx_lock);
		sl->last_data = jiffies;
	}

	spin_lock_bh(&sl->rx_lock);
	ack = sl->ack_pending;
	dslite_sync_set_state(sl);
	spin_unlock_bh(&sl->rx_lock);
	if (time_after_eq(jiffies, sl->last_tx + DSLITE_SYNC_T_HELLO)) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_HELLO,
				     dslite_sync_fingerprint(sl));
		sl->last_tx = jiffies;
	} else if (ack) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_ACK, 0);
	}
	/* unacked data, a batch or a bulk: come back soon; else at hello */
	spin_lock_bh(&sl->tx_lock);
	busy = sl->acked != sl->next_seq - 1 || sl->cur_len || sl->bulk ||
	       sl->tx_bulk || sl->restart_pending || sl->bulk_pending ||
	       sl->nack_pending;
	spin_unlock_bh(&sl->tx_lock);
	queue_delayed_work(system_wq, &sl->work,
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
	spin_lock_bh(&sl->tx_lock);
	sl->bulk_pending = role == DSLITE_ROLE_MASTER;
	spin_unlock_bh(&sl->tx_lock);
	dslite_sync_kick(sl, 0);
}

/* ---- receiving ------------------------------------------------------------ */

struct dslite_rx_ctx {
	struct dslite_sl *sl;
	int n;
};

/*
 * What installing a record gave: stale state of ours in the way (-EBUSY,
 * or a limit it may fill: -EDQUOT) makes the bulk's end ask for another
 * after the sweep; a record that fits nothing here (-EINVAL, -EDQUOT) is
 * refused and counted. Caller holds rx_lock.
 */
static void dslite_sync_applied(struct dslite_sl *sl, int err)
{
	lockdep_assert_held(&sl->rx_lock);
	if (err == -EBUSY || err == -EDQUOT)
		sl->rx_conflict = true;
	if (err && err != -EBUSY)
		sl->st.drop_refused++;
}

/* One record of the peer's stream, in order. Caller holds rx_lock. */
static int dslite_sync_apply(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_rx_ctx *c = ctx;
	struct dslite_sl *sl = c->sl;
	struct dslite_net *dn = sl->dn;
	struct dslite_sync_session s;
	struct dslite_sync_block b;
	struct dslite_instance *inst;
	u32 mark;
	int err;

	switch (type) {
	case DSLITE_REC_SESSION:
	case DSLITE_REC_DELETE:
		err = dslite_sync_get_session(val, vlen, &s);
		if (err)
			return err;
		inst = dslite_instance_by_id(dn, s.inst_id);
		err = inst && !READ_ONCE(inst->dying) ?
		      dslite_sync_install_session(inst, sl->id, &s,
						  type == DSLITE_REC_DELETE,
						  sl->rx_gen) : -EINVAL;
		dslite_sync_applied(sl, err);
		break;
	case DSLITE_REC_BLOCK:
		err = dslite_sync_get_block(val, vlen, &b);
		if (err)
			return err;
		inst = dslite_instance_by_id(dn, b.inst_id);
		err = inst && !READ_ONCE(inst->dying) ?
		      dslite_sync_install_block(inst, sl->id, &b) : -EINVAL;
		dslite_sync_applied(sl, err);
		break;
	case DSLITE_REC_BULK_BEGIN:
		err = dslite_sync_get_mark(val, vlen, &mark);
		if (err)
			return err;
		sl->rx_gen++;
		sl->rx_bulk = true;
		sl->rx_synced = false;
		sl->rx_conflict = false;
		sl->bulk_req = false;
		break;
	case DSLITE_REC_BULK_END:
		err = dslite_sync_get_mark(val, vlen, &mark);
		if (err)
			return err;
		if (sl->rx_bulk) {
			sl->sweep_pending = true;
			sl->st.bulk_received++;
			/*
			 * Stale entries of ours refused some records: once
			 * the sweep dropped them, ask for the bulk again
			 * (a few times per stream at most).
			 */
			if (sl->rx_conflict && sl->bulk_reqs < 3) {
				sl->bulk_reqs++;
				sl->bulk_req = true;
				break;	/* still bulk-syncing */
			}
			sl->rx_bulk = false;
			sl->rx_synced = true;
		}
		break;
	default:
		return 0;	/* a newer peer's record: skip */
	}
	c->n++;
	return 0;
}

/* The first live SL on @ss: where a packet naming no SL of it is counted. */
static struct dslite_sl *dslite_sync_sock_sl(struct dslite_sync_sock *ss)
{
	struct dslite_sl *sl;
	unsigned long id;

	xa_for_each(&ss->dn->sls, id, sl)
		if (READ_ONCE(sl->ss) == ss && !READ_ONCE(sl->dying))
			return sl;
	return NULL;
}

/*
 * Did @skb come from the SL's peer: its configured address, from its
 * sync port? (The socket is bound to the remote-backup interface, so it
 * arrived there.) The UDP header is at skb->data.
 */
static bool dslite_sync_from_peer(const struct dslite_sl *sl,
				  const struct sk_buff *skb)
{
	const struct udphdr *uh = (const struct udphdr *)skb->data;

	if (ntohs(uh->source) != sl->port)
		return false;
	if (sl->peer_len == 4)
		return ip_hdr(skb)->version == 4 &&
		       !memcmp(&ip_hdr(skb)->saddr, sl->peer, 4);
	return ipv6_hdr(skb)->version == 6 &&
	       !memcmp(&ipv6_hdr(skb)->saddr, sl->peer, 16);
}

/* Follow the peer's stream @epoch from its start. Caller holds rx_lock. */
static void dslite_sync_follow(struct dslite_sl *sl, u32 epoch)
{
	lockdep_assert_held(&sl->rx_lock);
	sl->peer_epoch = epoch;
	sl->rx_next = 1;
	sl->rx_ctl = 0;
	sl->bulk_reqs = 0;
	sl->cand_n = 0;
	memset(&sl->replay, 0, sizeof(sl->replay));
	sl->rx_bulk = false;
	sl->rx_synced = false;
	sl->ack_pending = true;	/* so it learns we follow it */
}

/*
 * A HELLO of a stream older than the one we follow. Normally a replay;
 * but if the stream we follow has gone silent (the peer is down for us)
 * and HELLOs of that older stream keep coming, numbered upwards, it is
 * the peer's: a stream we followed was a forgery with an epoch ahead of
 * the real one (possible without a key), or the peer's clock went back.
 * True when it is time to follow it. Caller holds rx_lock.
 */
static bool dslite_sync_older_is_peer(struct dslite_sl *sl, u32 epoch, u32 seq)
{
	lockdep_assert_held(&sl->rx_lock);
	if (!time_after(jiffies, sl->last_rx + DSLITE_SYNC_DEAD))
		return false;
	if (sl->cand_n && sl->cand_epoch == epoch &&
	    (s32)(seq - sl->cand_seq) > 0) {
		sl->cand_n++;
	} else {
		sl->cand_epoch = epoch;
		sl->cand_n = 1;
	}
	sl->cand_seq = seq;
	return sl->cand_n >= DSLITE_SYNC_CAND_HELLOS;
}

/* encap_rcv of the sync socket: softirq, RCU held */
static int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct dslite_sync_sock *ss = rcu_dereference_sk_user_data(sk);
	struct dslite_rx_ctx ctx = { };
	struct dslite_sync_hdr h;
	u8 mac[DSLITE_SYNC_HMAC_LEN];
	bool appeared, kick_now = false;
	u32 epoch, seq, ack, ack_epoch;
	struct dslite_sl *sl;
	unsigned int len;
	u8 *data;
	u16 fl;

	if (!ss || skb_linearize(skb))
		goto drop;
	/* only the configured peer of an SL of this socket is heard */
	sl = skb->len >= sizeof(struct udphdr) + 8 ?
	     dslite_sl_by_id(ss->dn, dslite_be32(skb->data +
						 sizeof(struct udphdr) + 4)) :
	     NULL;
	if (!sl || READ_ONCE(sl->ss) != ss || READ_ONCE(sl->dying)) {
		/* counted on the socket's first SL: too short to name one
		 * (from its peer), or naming none of this socket
		 */
		sl = dslite_sync_sock_sl(ss);
		if (sl && skb->len < sizeof(struct udphdr) + 8 &&
		    dslite_sync_from_peer(sl, skb))
			sl->st.drop_malformed++;
		else if (sl)
			sl->st.drop_foreign++;
		goto drop;
	}
	if (!dslite_sync_from_peer(sl, skb)) {
		sl->st.drop_foreign++;
		goto drop;
	}
	__skb_pull(skb, sizeof(struct udphdr));
	data = skb->data;
	len = skb->len;
	if (dslite_sync_get_hdr(data, len, &h)) {
		sl->st.drop_malformed++;
		goto drop;
	}
	fl = be16_to_cpu(h.flags);
	if (sl->tfm) {
		/* a keyed SL takes authenticated packets only */
		if (!(fl & DSLITE_SYNC_F_AUTH) ||
		    len != DSLITE_SYNC_HDR + be16_to_cpu(h.len) +
			   DSLITE_SYNC_HMAC_LEN ||
		    dslite_sync_hmac(sl, data, len - DSLITE_SYNC_HMAC_LEN, mac) ||
		    crypto_memneq(mac, data + len - DSLITE_SYNC_HMAC_LEN,
				  DSLITE_SYNC_HMAC_LEN)) {
			sl->st.drop_auth++;
			goto drop;
		}
	} else if (fl & DSLITE_SYNC_F_AUTH) {
		sl->st.drop_auth++;	/* the peer has a key, we do not */
		goto drop;
	}
	epoch = be32_to_cpu(h.epoch);
	seq = be32_to_cpu(h.seq);
	ack = be32_to_cpu(h.ack);
	ack_epoch = be32_to_cpu(h.ack_epoch);
	/* no clock is a day ahead of ours: such an epoch would lock out the
	 * real peer's streams until then
	 */
	if ((s32)(epoch - (u32)ktime_get_real_seconds()) >
	    DSLITE_SYNC_EPOCH_AHEAD) {
		sl->st.drop_epoch++;
		goto drop;
	}

	spin_lock_bh(&sl->rx_lock);
	/*
	 * Records apply only once a HELLO showed the same configuration.
	 * Before that, DATA is neither applied nor acked (the sender sends
	 * it again), so it proves nothing either: it does not keep the peer
	 * up, or a replayed packet would, however often it came.
	 */
	if (h.type == DSLITE_SYNC_DATA && !sl->fp_ok) {
		sl->st.drop_mismatch++;
		spin_unlock_bh(&sl->rx_lock);
		goto drop;
	}
	if (!sl->peer_epoch || (s32)(epoch - sl->peer_epoch) > 0) {
		/* the peer's new stream: follow it from seq 1 */
		dslite_sync_follow(sl, epoch);
	} else if (epoch != sl->peer_epoch) {
		if (h.type != DSLITE_SYNC_HELLO ||
		    !dslite_sync_older_is_peer(sl, epoch, seq)) {
			sl->st.drop_replay++;	/* an older stream: a replay */
			spin_unlock_bh(&sl->rx_lock);
			goto drop;
		}
		dslite_sync_follow(sl, epoch);
	}
	if (h.type != DSLITE_SYNC_DATA ? (s32)(seq - sl->rx_ctl) <= 0 :
					 (s32)(seq - sl->rx_next) < 0) {
		/* an old HELLO/ACK, or DATA we have: a replay or a resend */
		sl->st.drop_replay++;
		if (h.type == DSLITE_SYNC_DATA) {
			sl->ack_pending = true;	/* the sender may miss our ack */
			dslite_sync_kick(sl, DSLITE_SYNC_FLUSH);
		}
		spin_unlock_bh(&sl->rx_lock);
		goto drop;
	}
	if (h.type != DSLITE_SYNC_DATA)
		sl->rx_ctl = seq;
	sl->st.rx_packets++;
	appeared = !sl->peer_up;
	sl->peer_up = true;
	sl->ever_up = true;
	sl->last_rx = jiffies;
	WRITE_ONCE(sl->peer_master, !!(fl & DSLITE_SYNC_F_MASTER));
	if (h.type == DSLITE_SYNC_HELLO && be16_to_cpu(h.len) == 4) {
		sl->peer_fp = dslite_be32(data + DSLITE_SYNC_HDR);
		sl->mismatch = sl->peer_fp != dslite_sync_fingerprint(sl);
		sl->fp_ok = !sl->mismatch;
	}
	if (h.type == DSLITE_SYNC_DATA) {	/* fp_ok: checked above */
		if (seq != sl->rx_next || !dslite_replay_check(&sl->replay, seq)) {
			sl->nack_send = true;	/* a gap: resend from rx_next */
			sl->ack_pending = true;
			kick_now = true;
		} else {
			sl->rx_next++;
			sl->ack_pending = true;
			ctx.sl = sl;
			if (dslite_sync_walk(data + DSLITE_SYNC_HDR,
					     be16_to_cpu(h.len),
					     dslite_sync_apply, &ctx))
				sl->st.drop_malformed++;
			sl->st.rx_records += ctx.n;
		}
	}
	dslite_sync_set_state(sl);
	spin_unlock_bh(&sl->rx_lock);

	/* what the peer has of our stream */
	spin_lock_bh(&sl->tx_lock);
	if (appeared) {
		sl->restart_pending = true;	/* it needs all of it */
		kick_now = true;
	} else if (ack_epoch == sl->epoch) {
		if ((s32)(ack - sl->acked) > 0 &&
		    (s32)(sl->next_seq - 1 - ack) >= 0) {
			sl->acked = ack;
		} else if (!ack && sl->acked && !sl->restart_pending) {
			/* back to nothing: the peer lost our stream (restarted) */
			sl->restart_pending = true;
			kick_now = true;
		}
		if (fl & DSLITE_SYNC_F_NACK) {
			/* one resend per interval answers them all */
			if (sl->nack_pending ||
			    time_before(jiffies, sl->last_resend +
					DSLITE_SYNC_RETRANSMIT)) {
				sl->st.nack_limited++;
			} else {
				kick_now = true;
			}
			sl->nack_pending = true;
		}
		/*
		 * Honour a request sent after our last bulk had all arrived
		 * (its ack covers BULK_END): a request still in flight from
		 * before does not start yet another one.
		 */
		if ((fl & DSLITE_SYNC_F_BULK_REQ) && !sl->bulk_pending &&
		    !sl->bulk && !sl->tx_bulk &&
		    (s32)(ack - sl->bulk_end_seq) >= 0 &&
		    READ_ONCE(sl->role) == DSLITE_ROLE_MASTER) {
			sl->bulk_pending = true;
			kick_now = true;
		}
	} else if (time_after(jiffies, sl->stream_start + DSLITE_SYNC_LOST) &&
		   !sl->restart_pending) {
		/* it follows none of our streams (it restarted) */
		sl->restart_pending = true;
		kick_now = true;
	}
	spin_unlock_bh(&sl->tx_lock);
	dslite_sync_kick(sl, kick_now ? 0 : DSLITE_SYNC_FLUSH);
drop:
	kfree_skb(skb);
	return 0;
}

/* ---- setup ------------------------------------------------------------- */

int dslite_sync_start(struct dslite_net *dn, struct dslite_sl *sl,
		      struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int ifindex, err;

	lockdep_assert_held(&dn->lock);
	dev = dev_get_by_name(dn->net, sl->ifname);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such remote-backup interface");
		return -ENODEV;
	}
	ifindex = dev->ifindex;
	dev_put(dev);

	sl->dn = dn;
	spin_lock_init(&sl->tx_lock);
	spin_lock_init(&sl->rx_lock);
	INIT_DELAYED_WORK(&sl->work, dslite_sync_work);
	sl->epoch = (u32)ktime_get_real_seconds();
	sl->next_seq = 1;
	sl->acked = 0;
	sl->stream_start = jiffies;
	sl->created = jiffies;
	sl->last_resend = jiffies - DSLITE_SYNC_RETRANSMIT;
	sl->rx_next = 1;
	sl->peer_state = DSLITE_PEER_DOWN;
	sl->cur = kmalloc(DSLITE_SYNC_MTU, GFP_KERNEL);
	sl->xmit_buf = kmalloc(DSLITE_SYNC_MTU + DSLITE_SYNC_HMAC_LEN,
			       GFP_KERNEL);
	sl->ring = kvcalloc(DSLITE_SYNC_RING, sizeof(*sl->ring), GFP_KERNEL);
	if (!sl->cur || !sl->ring || !sl->xmit_buf) {
		err = -ENOMEM;
		goto err_free;
	}
	if (sl->key_len) {
		sl->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
		if (IS_ERR(sl->tfm)) {
			err = PTR_ERR(sl->tfm);
			sl->tfm = NULL;
			NL_SET_ERR_MSG(extack, "hmac(sha256) is not available");
			goto err_free;
		}
		err = crypto_shash_setkey(sl->tfm, sl->key, sl->key_len);
		if (err) {
			NL_SET_ERR_MSG(extack, "the key was refused");
			goto err_free;
		}
	}
	sl->ss = dslite_sync_sock_get(dn, sl->peer_len == 4 ? AF_INET :
					  AF_INET6, sl->port, ifindex, extack);
	if (IS_ERR(sl->ss)) {
		err = PTR_ERR(sl->ss);
		sl->ss = NULL;
		goto err_free;
	}
	queue_delayed_work(system_wq, &sl->work, 0);
	return 0;

err_free:
	crypto_free_shash(sl->tfm);
	sl->tfm = NULL;
	kvfree(sl->ring);
	kfree(sl->cur);
	kfree(sl->xmit_buf);
	sl->ring = NULL;
	sl->cur = NULL;
	sl->xmit_buf = NULL;
	return err;
}

/*
 * Stopping an SL is two halves around a grace period (so a namespace's
 * SLs can share one): the caller unpublished the SL (xa_erase) under
 * dn->lock and calls
 *  - dslite_sync_stop_begin(): marks it dying and lets go of its socket.
 *    Receivers of a socket shared with other SLs, the packet path and
 *    the GC may still be inside an RCU section holding the SL; they may
 *    kick its work or use its key.
 *  - synchronize_rcu(): all of them are done; any later one cannot find
 *    the SL, and one that found it earlier saw it dying.
 *  - dslite_sync_stop_end(): cancels the work (it re-arms only itself,
 *    which cancel_delayed_work_sync() handles, and nobody else can arm
 *    it now) and frees the ring, the buffers and the key's transform.
 * Only then may the SL itself be freed.
 */
void dslite_sync_stop_begin(struct dslite_sl *sl)
{
	lockdep_assert_held(&sl->dn->lock);
	if (!sl->ss)
		return;
	WRITE_ONCE(sl->dying, true);
	dslite_sync_sock_put(sl->dn, sl->ss);
}

void dslite_sync_stop_end(struct dslite_sl *sl)
{
	if (!sl->ss)
		return;
	cancel_delayed_work_sync(&sl->work);
	dslite_bulk_abort(sl);
	sl->ss = NULL;
	crypto_free_shash(sl->tfm);
	sl->tfm = NULL;
	kvfree(sl->ring);
	kfree(sl->cur);
	kfree(sl->xmit_buf);
}

/* Caller holds dn->lock; the SL is unpublished already. */
void dslite_sync_stop(struct dslite_sl *sl)
{
	dslite_sync_stop_begin(sl);
	synchronize_rcu();
	dslite_sync_stop_end(sl);
}

int dslite_sync_put_stats(struct sk_buff *skb, struct dslite_sl *sl)
{
	const u64 v[] = {
		[DSLITE_SYNC_STAT_TX_PACKETS] = sl->st.tx_packets,
		[DSLITE_SYNC_STAT_TX_RECORDS] = sl->st.tx_records,
		[DSLITE_SYNC_STAT_RX_PACKETS] = sl->st.rx_packets,
		[DSLITE_SYNC_STAT_RX_RECORDS] = sl->st.rx_records,
		[DSLITE_SYNC_STAT_RETRANSMITS] = sl->st.retransmits,
		[DSLITE_SYNC_STAT_RESYNCS] = sl->st.resyncs,
		[DSLITE_SYNC_STAT_BULK_SENT] = sl->st.bulk_sent,
		[DSLITE_SYNC_STAT_BULK_RECEIVED] = sl->st.bulk_received,
		[DSLITE_SYNC_STAT_DROP_AUTH] = sl->st.drop_auth,
		[DSLITE_SYNC_STAT_DROP_REPLAY] = sl->st.drop_replay,
		[DSLITE_SYNC_STAT_DROP_MALFORMED] = sl->st.drop_malformed,
		[DSLITE_SYNC_STAT_DROP_QUEUE_FULL] = sl->st.drop_queue_full,
		[DSLITE_SYNC_STAT_DROP_FOREIGN] = sl->st.drop_foreign,
		[DSLITE_SYNC_STAT_DROP_REFUSED] = sl->st.drop_refused,
		[DSLITE_SYNC_STAT_DROP_EPOCH] = sl->st.drop_epoch,
		[DSLITE_SYNC_STAT_DROP_MISMATCH] = sl->st.drop_mismatch,
		[DSLITE_SYNC_STAT_NACK_LIMITED] = sl->st.nack_limited,
	};
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, DSLITE_A_SL_SYNC);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < ARRAY_SIZE(v); i++)
		if (i != DSLITE_SYNC_STAT_PAD &&
		    nla_put_u64_64bit(skb, i, v[i], DSLITE_SYNC_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return nla_put_u32(skb, DSLITE_A_SL_LAG, sl->last_rx ?
			   jiffies_to_msecs(jiffies - sl->last_rx) : 0);
}
