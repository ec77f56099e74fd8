// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the hot-backup sync channel (see docs/ha.md).
 *
 * One kernel UDP socket per (namespace, family, port, remote-backup
 * interface), shared by the SLs using it; the SL id in each packet's
 * header demultiplexes. The master of an SL sends its users' blocks and
 * sessions to the peer: every creation, state change and deletion as a
 * record, batched per packet (DSLITE_SYNC_MTU) with a 20 ms flush
 * deadline. DATA packets carry a sequence number and stay in a ring
 * until the peer's cumulative ack covers them; the oldest unacked one is
 * resent (go-back-N) after 200 ms. A ring overflow, or a peer that
 * appears with a new epoch, triggers a bulk resync of everything (BULK
 * packets, users/blocks before sessions). HELLO every second carries the
 * epoch and a fingerprint of the configuration; three seconds without a
 * packet mean the peer is down. With a key every packet carries an
 * HMAC-SHA256 over header and records, and a replay window drops old or
 * repeated sequence numbers.
 *
 * Locking rules:
 *  - sl->tx_lock (BH) guards the batch, the ring and sequence state; the
 *    packet path only appends records under it.
 *  - sl->rx_lock (BH) guards receive state; records are installed with
 *    the locks of session.c.
 *  - dn->sync_socks changes under dn->lock.
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/jhash.h>
#include <linux/net.h>
#include <linux/inetdevice.h>
#include <net/udp_tunnel.h>
#include <net/ipv6.h>
#include <crypto/hash.h>
#include <crypto/algapi.h>

#include "dslite.h"

struct dslite_sync_sock {
	struct list_head list;
	struct socket *sock;
	struct dslite_net *dn;
	u8 family;
	u16 port;
	int ifindex;
	int refcnt;
};

#define DSLITE_SYNC_FLUSH	(HZ / 50)	/* 20 ms */
#define DSLITE_SYNC_RETRANSMIT	(HZ / 5)
#define DSLITE_SYNC_T_HELLO	HZ
#define DSLITE_SYNC_DEAD	(3 * HZ)
#define DSLITE_SYNC_HDR		sizeof(struct dslite_sync_hdr)

static int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb);

static u32 dslite_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

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
	udp_tunnel_sock_release(ss->sock);	/* waits for readers */
	kfree(ss);
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

/* Send @len bytes (a header and records, room for the HMAC after them). */
static void dslite_sync_send(struct dslite_sl *sl, u8 *buf, unsigned int len)
{
	struct sockaddr_storage ss = { };
	struct msghdr msg = { .msg_name = &ss };
	struct kvec iov;

	if (sl->tfm) {
		if (dslite_sync_hmac(sl, buf, len, buf + len))
			return;
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
	if (kernel_sendmsg(sl->ss->sock, &msg, &iov, 1, len) >= 0)
		sl->st.tx_packets++;
}

static u16 dslite_sync_flags(struct dslite_sl *sl, u16 flags)
{
	return flags | (sl->tfm ? DSLITE_SYNC_F_AUTH : 0);
}

/* A control packet: HELLO (with our fingerprint) or ACK. Process context. */
static void dslite_sync_send_ctl(struct dslite_sl *sl, u8 type, u32 fp)
{
	u8 buf[DSLITE_SYNC_HDR + 4 + DSLITE_SYNC_HMAC_LEN];
	u32 ack;
	u16 len = 0;

	spin_lock_bh(&sl->rx_lock);
	ack = sl->rx_next - 1;
	sl->ack_pending = false;
	spin_unlock_bh(&sl->rx_lock);
	if (type == DSLITE_SYNC_HELLO) {
		buf[DSLITE_SYNC_HDR] = fp >> 24;
		buf[DSLITE_SYNC_HDR + 1] = fp >> 16;
		buf[DSLITE_SYNC_HDR + 2] = fp >> 8;
		buf[DSLITE_SYNC_HDR + 3] = fp;
		len = 4;
	}
	dslite_sync_put_hdr(buf, sizeof(buf), type, dslite_sync_flags(sl, 0),
			    sl->id, sl->epoch, 0, ack, len);
	dslite_sync_send(sl, buf, DSLITE_SYNC_HDR + len);
}

/*
 * Seal the batch into the ring as packet next_seq. Caller holds tx_lock.
 * On overflow the oldest unacked data is lost: the peer gets a bulk
 * resync instead, and that is counted.
 */
static void dslite_sync_seal(struct dslite_sl *sl)
{
	struct dslite_sync_pkt *p;

	lockdep_assert_held(&sl->tx_lock);
	if (!sl->cur_len)
		return;
	if (sl->next_seq - sl->acked > DSLITE_SYNC_RING) {
		sl->st.drop_queue_full++;
		sl->st.resyncs++;
		sl->acked = sl->next_seq - 1;
		sl->bulk_pending = true;
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
		mod_delayed_work(system_wq, &sl->work, DSLITE_SYNC_FLUSH);
}

/* the SL a user's state goes to, if it is to be synced at all */
static struct dslite_sl *dslite_sync_sl(struct dslite_instance *inst,
					struct dslite_user *u)
{
	struct dslite_sl *sl;

	if (!READ_ONCE(inst->dn->hot_backup) || !u->sl_id)
		return NULL;
	sl = dslite_sl_by_id(inst->dn, u->sl_id);
	if (!sl || !sl->ss || READ_ONCE(sl->dying) ||
	    READ_ONCE(sl->role) != DSLITE_ROLE_MASTER)
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

/* A session was created, changed state, or went (@del). RCU held. */
void dslite_sync_note_session(struct dslite_instance *inst,
			      struct dslite_session *s, bool del)
{
	struct dslite_sl *sl = dslite_sync_sl(inst, s->okey.user);
	struct dslite_sync_session r;
	u8 rec[2 + DSLITE_REC_SESSION_LEN];

	if (!sl)
		return;
	dslite_sync_session_rec(inst, s, &r);
	dslite_sync_put_session(rec, sizeof(rec),
				del ? DSLITE_REC_DELETE : DSLITE_REC_SESSION,
				&r);
	dslite_sync_add(sl, rec, sizeof(rec));
}

/* A user got block @idx. */
void dslite_sync_note_block(struct dslite_instance *inst,
			    struct dslite_user *u, u32 idx)
{
	struct dslite_sl *sl = dslite_sync_sl(inst, u);
	struct dslite_sync_block b = { .inst_id = inst->id, .idx = idx };
	u8 rec[2 + DSLITE_REC_BLOCK_LEN];

	if (!sl || !u->pa)
		return;
	memcpy(b.b4, &u->b4, 16);
	b.pub_addr = u->pa->addr;
	dslite_sync_put_block(rec, sizeof(rec), &b);
	dslite_sync_add(sl, rec, sizeof(rec));
}

struct dslite_bulk {
	struct dslite_sl *sl;
	struct rhashtable_iter *iter;
	u8 *buf;
	u16 len;
};

static void dslite_bulk_flush(struct dslite_bulk *b)
{
	if (!b->len)
		return;
	dslite_sync_put_hdr(b->buf, DSLITE_SYNC_MTU, DSLITE_SYNC_DATA,
			    dslite_sync_flags(b->sl, DSLITE_SYNC_F_BULK),
			    b->sl->id, b->sl->epoch, 0, 0, b->len);
	dslite_sync_send(b->sl, b->buf, DSLITE_SYNC_HDR + b->len);
	b->len = 0;
}

/* Room for @need more bytes of records: else send what we have. */
static u8 *dslite_bulk_room(struct dslite_bulk *b, size_t need)
{
	if (DSLITE_SYNC_HDR + b->len + need + DSLITE_SYNC_HMAC_LEN >
	    DSLITE_SYNC_MTU) {
		/* sending may sleep: leave the walk's RCU section */
		rhashtable_walk_stop(b->iter);
		dslite_bulk_flush(b);
		cond_resched();
		rhashtable_walk_start(b->iter);
	}
	return b->buf + DSLITE_SYNC_HDR + b->len;
}

static void dslite_bulk_user(struct dslite_bulk *b,
			     struct dslite_instance *inst,
			     struct dslite_user *u)
{
	struct dslite_sync_block r = { .inst_id = inst->id };
	int i;

	u16 idx[DSLITE_MAX_BLOCKS_USER];
	int n;

	if (u->sl_id != b->sl->id || !u->pa)
		return;
	memcpy(r.b4, &u->b4, 16);
	r.pub_addr = u->pa->addr;
	/* the block array is read under the user's lock only */
	spin_lock_bh(&u->lock);
	for (n = 0; n < u->n_blocks; n++)
		idx[n] = u->blocks[n].idx;
	spin_unlock_bh(&u->lock);
	for (i = 0; i < n; i++) {
		u8 *rec = dslite_bulk_room(b, 2 + DSLITE_REC_BLOCK_LEN);

		r.idx = idx[i];
		b->len += dslite_sync_put_block(rec, 2 + DSLITE_REC_BLOCK_LEN,
						&r);
	}
}

static void dslite_bulk_session(struct dslite_bulk *b,
				struct dslite_instance *inst,
				struct dslite_session *s)
{
	struct dslite_sync_session r;
	u8 *rec;

	if (READ_ONCE(s->dead) || s->okey.user->sl_id != b->sl->id)
		return;
	dslite_sync_session_rec(inst, s, &r);
	rec = dslite_bulk_room(b, 2 + DSLITE_REC_SESSION_LEN);
	b->len += dslite_sync_put_session(rec, 2 + DSLITE_REC_SESSION_LEN,
					  DSLITE_REC_SESSION, &r);
}

/* One table of one instance: its users (blocks) or its sessions. */
static void dslite_bulk_table(struct dslite_bulk *b,
			      struct dslite_instance *inst, bool sessions)
{
	struct rhashtable_iter iter;
	void *obj;

	b->iter = &iter;
	rhashtable_walk_enter(sessions ? &inst->sess_out.ht : &inst->users,
			      &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj))
			continue;
		if (sessions)
			dslite_bulk_session(b, inst, obj);
		else
			dslite_bulk_user(b, inst, obj);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	dslite_bulk_flush(b);
}

/*
 * Bulk: every user block and session of this SL, users first, in BULK
 * packets outside the ring.
 */
static void dslite_sync_bulk(struct dslite_sl *sl)
{
	struct dslite_bulk b = { .sl = sl };
	struct dslite_instance *inst;
	unsigned long id;

	b.buf = kmalloc(DSLITE_SYNC_MTU, GFP_KERNEL);
	if (!b.buf)
		return;
	/*
	 * Not under dn->lock (SL deletion waits for this work under it): a
	 * reference keeps each instance's tables while we walk them.
	 */
	rcu_read_lock();
	xa_for_each(&sl->dn->instances, id, inst) {
		if (!refcount_inc_not_zero(&inst->ref))
			continue;
		rcu_read_unlock();
		dslite_bulk_table(&b, inst, false);
		dslite_bulk_table(&b, inst, true);
		dslite_instance_put(inst);
		rcu_read_lock();
	}
	rcu_read_unlock();
	sl->st.bulk_sent++;
	kfree(b.buf);
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

static void dslite_sync_xmit_seq(struct dslite_sl *sl, u32 seq)
{
	struct dslite_sync_pkt *p = &sl->ring[seq % DSLITE_SYNC_RING];
	u8 buf[DSLITE_SYNC_MTU + DSLITE_SYNC_HMAC_LEN];
	u32 ack;
	u16 len;

	spin_lock_bh(&sl->tx_lock);
	if (p->seq != seq || (s32)(seq - sl->acked) <= 0) {
		spin_unlock_bh(&sl->tx_lock);
		return;
	}
	len = p->len;
	memcpy(buf, p->data, len);
	spin_unlock_bh(&sl->tx_lock);
	spin_lock_bh(&sl->rx_lock);
	ack = sl->rx_next - 1;
	sl->ack_pending = false;
	spin_unlock_bh(&sl->rx_lock);
	dslite_sync_put_hdr(buf, sizeof(buf), DSLITE_SYNC_DATA,
			    dslite_sync_flags(sl, 0), sl->id, sl->epoch, seq,
			    ack, len - DSLITE_SYNC_HDR);
	dslite_sync_send(sl, buf, len);
}

static void dslite_sync_work(struct work_struct *work)
{
	struct dslite_sl *sl = container_of(to_delayed_work(work),
					    struct dslite_sl, work);
	u32 acked, upto, next, seq;
	bool bulk, ack, resend;

	if (READ_ONCE(sl->dying))
		return;

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
	/* the peer is silent about what we sent: go back N */
	resend = upto != acked &&
		 time_after_eq(jiffies, sl->last_data + DSLITE_SYNC_RETRANSMIT);
	bulk = sl->bulk_pending;
	sl->bulk_pending = false;
	spin_unlock_bh(&sl->tx_lock);

	if (resend) {
		for (seq = acked + 1; seq != upto + 1; seq++)
			dslite_sync_xmit_seq(sl, seq);
		sl->st.retransmits += upto - acked;
		sl->last_data = jiffies;
	}
	if (upto + 1 != next) {
		for (seq = upto + 1; seq != next; seq++)
			dslite_sync_xmit_seq(sl, seq);
		spin_lock_bh(&sl->tx_lock);
		sl->sent_upto = next - 1;
		spin_unlock_bh(&sl->tx_lock);
		sl->last_data = jiffies;
	}
	if (bulk)
		dslite_sync_bulk(sl);

	spin_lock_bh(&sl->rx_lock);
	ack = sl->ack_pending;
	if (sl->peer_state != DSLITE_PEER_DOWN &&
	    time_after(jiffies, sl->last_rx + DSLITE_SYNC_DEAD))
		WRITE_ONCE(sl->peer_state, DSLITE_PEER_DOWN);
	spin_unlock_bh(&sl->rx_lock);
	if (time_after_eq(jiffies, sl->last_tx + DSLITE_SYNC_T_HELLO)) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_HELLO,
				     dslite_sync_fingerprint(sl));
		sl->last_tx = jiffies;
	} else if (ack) {
		dslite_sync_send_ctl(sl, DSLITE_SYNC_ACK, 0);
	}
	/* unacked data or a batch: come back soon; else at the next hello */
	spin_lock_bh(&sl->tx_lock);
	resend = sl->acked != sl->next_seq - 1 || sl->cur_len;
	spin_unlock_bh(&sl->tx_lock);
	queue_delayed_work(system_wq, &sl->work,
			   resend ? DSLITE_SYNC_FLUSH : DSLITE_SYNC_T_HELLO);
}

/* ---- receiving ------------------------------------------------------------ */

struct dslite_rx_ctx {
	struct dslite_sl *sl;
	int n;
};

static int dslite_sync_apply(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_rx_ctx *c = ctx;
	struct dslite_net *dn = c->sl->dn;
	struct dslite_sync_session s;
	struct dslite_sync_block b;
	struct dslite_instance *inst;
	int err;

	switch (type) {
	case DSLITE_REC_SESSION:
	case DSLITE_REC_DELETE:
		err = dslite_sync_get_session(val, vlen, &s);
		if (err)
			return err;
		inst = dslite_instance_by_id(dn, s.inst_id);
		if (inst && !READ_ONCE(inst->dying))
			dslite_sync_install_session(inst, c->sl->id, &s,
						    type == DSLITE_REC_DELETE);
		break;
	case DSLITE_REC_BLOCK:
		err = dslite_sync_get_block(val, vlen, &b);
		if (err)
			return err;
		inst = dslite_instance_by_id(dn, b.inst_id);
		if (inst && !READ_ONCE(inst->dying))
			dslite_sync_install_block(inst, c->sl->id, &b);
		break;
	default:
		return 0;	/* a newer peer's record: skip */
	}
	c->n++;
	return 0;
}

/* encap_rcv of the sync socket: softirq, RCU held */
static int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct dslite_sync_sock *ss = rcu_dereference_sk_user_data(sk);
	struct dslite_rx_ctx ctx = { };
	struct dslite_sync_hdr h;
	u8 mac[DSLITE_SYNC_HMAC_LEN];
	struct dslite_sl *sl;
	unsigned int len;
	u32 seq, ack, fl;
	u8 *data;

	if (!ss || skb_linearize(skb))
		goto drop;
	__skb_pull(skb, sizeof(struct udphdr));
	data = skb->data;
	len = skb->len;
	if (len < DSLITE_SYNC_HDR)
		goto drop;
	sl = dslite_sl_by_id(ss->dn, dslite_be32(data + 4));
	if (!sl || READ_ONCE(sl->dying))
		goto drop;
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
	seq = be32_to_cpu(h.seq);
	ack = be32_to_cpu(h.ack);

	spin_lock_bh(&sl->rx_lock);
	sl->st.rx_packets++;
	if (be32_to_cpu(h.epoch) != sl->peer_epoch ||
	    sl->peer_state == DSLITE_PEER_DOWN) {
		/* a new peer, or one that rebooted: start over with it */
		sl->peer_epoch = be32_to_cpu(h.epoch);
		sl->rx_next = 1;
		memset(&sl->replay, 0, sizeof(sl->replay));
		WRITE_ONCE(sl->peer_state, DSLITE_PEER_HELLO);
		spin_lock(&sl->tx_lock);
		sl->bulk_pending = true;
		spin_unlock(&sl->tx_lock);
		mod_delayed_work(system_wq, &sl->work, 0);
	}
	sl->last_rx = jiffies;
	if (h.type == DSLITE_SYNC_HELLO && be16_to_cpu(h.len) == 4) {
		sl->peer_fp = dslite_be32(data + DSLITE_SYNC_HDR);
		WRITE_ONCE(sl->peer_state,
			   sl->peer_fp == dslite_sync_fingerprint(sl) ?
			   DSLITE_PEER_IN_SYNC : DSLITE_PEER_MISMATCH);
	}
	if (sl->peer_state == DSLITE_PEER_MISMATCH) {
		spin_unlock_bh(&sl->rx_lock);
		goto drop;	/* configs differ: apply nothing */
	}
	if (h.type == DSLITE_SYNC_DATA && !(fl & DSLITE_SYNC_F_BULK)) {
		if (seq != sl->rx_next || !dslite_replay_check(&sl->replay, seq)) {
			if (seq < sl->rx_next)
				sl->st.drop_replay++;
			sl->ack_pending = true;	/* tells the sender the gap */
			spin_unlock_bh(&sl->rx_lock);
			mod_delayed_work(system_wq, &sl->work, 0);
			goto drop;
		}
		sl->rx_next++;
		sl->ack_pending = true;
	}
	spin_unlock_bh(&sl->rx_lock);

	/* the peer's cumulative ack of our data (BULK packets carry none) */
	if (!(fl & DSLITE_SYNC_F_BULK)) {
		spin_lock_bh(&sl->tx_lock);
		if ((s32)(ack - sl->acked) > 0 &&
		    (s32)(sl->next_seq - 1 - ack) >= 0)
			sl->acked = ack;
		spin_unlock_bh(&sl->tx_lock);
	}
	if (h.type == DSLITE_SYNC_DATA) {
		ctx.sl = sl;
		if (dslite_sync_walk(data + DSLITE_SYNC_HDR, be16_to_cpu(h.len),
				     dslite_sync_apply, &ctx))
			sl->st.drop_malformed++;
		sl->st.rx_records += ctx.n;
		if (fl & DSLITE_SYNC_F_BULK)
			sl->st.bulk_received++;
		mod_delayed_work(system_wq, &sl->work, DSLITE_SYNC_FLUSH);
	}
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
	sl->epoch = get_random_u32() | 1;
	sl->next_seq = 1;
	sl->acked = 0;
	sl->rx_next = 1;
	sl->peer_state = DSLITE_PEER_DOWN;
	sl->cur = kmalloc(DSLITE_SYNC_MTU, GFP_KERNEL);
	sl->ring = kvcalloc(DSLITE_SYNC_RING, sizeof(*sl->ring), GFP_KERNEL);
	if (!sl->cur || !sl->ring) {
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
	sl->ring = NULL;
	sl->cur = NULL;
	return err;
}

/* Caller holds dn->lock; the SL is unpublished already. */
void dslite_sync_stop(struct dslite_sl *sl)
{
	if (!sl->ss)
		return;
	WRITE_ONCE(sl->dying, true);
	dslite_sync_sock_put(sl->dn, sl->ss);	/* no receive after this */
	cancel_delayed_work_sync(&sl->work);
	sl->ss = NULL;
	crypto_free_shash(sl->tfm);
	sl->tfm = NULL;
	kvfree(sl->ring);
	kfree(sl->cur);
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
	};
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, DSLITE_A_SL_SYNC);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < ARRAY_SIZE(v); i++)
		if (nla_put_u64_64bit(skb, i, v[i], DSLITE_SYNC_STAT_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return nla_put_u32(skb, DSLITE_A_SL_LAG, sl->last_rx ?
			   jiffies_to_msecs(jiffies - sl->last_rx) : 0);
}
