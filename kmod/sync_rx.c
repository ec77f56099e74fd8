// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the receiving half of the sync channel, in steps: which SL and
 * whether its configured peer sent it, authentication, the peer's stream
 * (epochs, sequence numbers, records applied in order), then what the
 * peer says of our stream (acks, NACK, bulk requests); and the sweep
 * after a bulk. See sync.c for the protocol and docs/ha.md for what the
 * port trusts.
 *
 * Locking rules (sync.h): the receiver runs in softirq under RCU; it
 * takes rx.lock for the peer's stream (applying records takes the locks
 * of session.c inside), then, separately, tx.lock for our stream.
 */
#include <net/sock.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <linux/timekeeping.h>
#include <crypto/algapi.h>

#include "dslite.h"

static u32 dslite_be32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

/* ---- the receiver's sweep after a bulk ------------------------------------ */

void dslite_sync_sweep(struct dslite_sl *sl, u8 gen)
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

struct dslite_rx_ctx {
	struct dslite_sl *sl;
	int n;
};

/*
 * What installing a record gave: every record not installed is counted
 * (drop_refused); stale state of ours in the way (-EBUSY, or a limit it
 * may fill: -EDQUOT) also makes the bulk's end ask for another after the
 * sweep. Caller holds rx_lock.
 */
static void dslite_sync_applied(struct dslite_sl *sl, int err)
{
	lockdep_assert_held(&sl->rx.lock);
	if (err == -EBUSY || err == -EDQUOT)
		sl->rx.conflict = true;
	if (err)
		DSLITE_SYNC_INC(sl, DROP_REFUSED);
}

/* One record of the peer's stream, in order. Caller holds rx_lock. */
static int dslite_sync_apply(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_rx_ctx *c = ctx;
	struct dslite_sl *sl = c->sl;
	struct dslite_net *dn = sl->dn;
	struct dslite_sync_session s;
	struct dslite_sync_block b;
	struct dslite_sync_run r;
	struct dslite_instance *inst;
	unsigned int i;
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
						  sl->rx.gen) : -EINVAL;
		dslite_sync_applied(sl, err);
		break;
	case DSLITE_REC_RUN:
		err = dslite_sync_get_run(val, vlen, &r);
		if (err)
			return err;
		inst = dslite_instance_by_id(dn, r.inst_id);
		for (i = 0; i < r.count; i++) {
			dslite_sync_run_entry(&r, i, &s);
			err = inst && !READ_ONCE(inst->dying) ?
			      dslite_sync_install_session(inst, sl->id, &s,
							  false, sl->rx.gen) :
			      -EINVAL;
			dslite_sync_applied(sl, err);
		}
		c->n += r.count - 1;	/* a record per session, as sent */
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
		sl->rx.gen++;
		sl->rx.in_bulk = true;
		sl->rx.synced = false;
		sl->rx.conflict = false;
		sl->rx.bulk_req = false;
		break;
	case DSLITE_REC_BULK_END:
		err = dslite_sync_get_mark(val, vlen, &mark);
		if (err)
			return err;
		if (sl->rx.in_bulk) {
			sl->rx.sweep_pending = true;
			DSLITE_SYNC_INC(sl, BULK_RECEIVED);
			/*
			 * Stale entries of ours refused some records: once
			 * the sweep dropped them, ask for the bulk again
			 * (a few times per stream at most).
			 */
			if (sl->rx.conflict && sl->rx.bulk_reqs < 3) {
				sl->rx.bulk_reqs++;
				sl->rx.bulk_req = true;
				break;	/* still bulk-syncing */
			}
			sl->rx.in_bulk = false;
			sl->rx.synced = true;
		}
		break;
	default:
		return 0;	/* a newer peer's record: skip */
	}
	c->n++;
	return 0;
}

/*
 * The SL where a packet naming no SL of @ss is counted (its owner, see
 * struct dslite_sync_sock): one pointer, not a walk of every SL, since
 * anyone can send such packets. RCU held.
 */
static struct dslite_sl *dslite_sync_sock_sl(struct dslite_sync_sock *ss)
{
	struct dslite_sl *sl = rcu_dereference(ss->owner);

	return sl && !READ_ONCE(sl->dying) ? sl : NULL;
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
	lockdep_assert_held(&sl->rx.lock);
	sl->rx.epoch = epoch;
	sl->rx.next = 1;
	sl->rx.ctl = 0;
	sl->rx.bulk_reqs = 0;
	sl->rx.cand_n = 0;
	memset(&sl->rx.replay, 0, sizeof(sl->rx.replay));
	sl->rx.in_bulk = false;
	sl->rx.synced = false;
	sl->rx.ack_pending = true;	/* so it learns we follow it */
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
	lockdep_assert_held(&sl->rx.lock);
	if (!time_after(jiffies, sl->rx.last + DSLITE_SYNC_DEAD))
		return false;
	if (sl->rx.cand_n && sl->rx.cand_epoch == epoch &&
	    (s32)(seq - sl->rx.cand_seq) > 0) {
		sl->rx.cand_n++;
	} else {
		sl->rx.cand_epoch = epoch;
		sl->rx.cand_n = 1;
	}
	sl->rx.cand_seq = seq;
	return sl->rx.cand_n >= DSLITE_SYNC_CAND_HELLOS;
}

/*
 * Step 1: the SL of this socket that @skb names, if its configured peer
 * sent it; else NULL, counted (on the socket's owner when it names none
 * of this socket, or is too short to name one). UDP header at
 * skb->data.
 */
static struct dslite_sl *dslite_sync_rx_sl(struct dslite_sync_sock *ss,
					   struct sk_buff *skb)
{
	bool named = skb->len >= sizeof(struct udphdr) + 8;
	struct dslite_sl *sl = NULL;

	if (named)
		sl = dslite_sl_by_id(ss->dn, dslite_be32(skb->data +
						sizeof(struct udphdr) + 4));
	if (!sl || READ_ONCE(sl->ss) != ss || READ_ONCE(sl->dying)) {
		sl = dslite_sync_sock_sl(ss);
		if (sl && !named && dslite_sync_from_peer(sl, skb))
			DSLITE_SYNC_INC(sl, DROP_MALFORMED);
		else if (sl)
			DSLITE_SYNC_INC(sl, DROP_FOREIGN);
		return NULL;
	}
	if (!dslite_sync_from_peer(sl, skb)) {
		DSLITE_SYNC_INC(sl, DROP_FOREIGN);
		return NULL;
	}
	return sl;
}

/*
 * Does a key of the SL authenticate @data/@len (HMAC trailer included)?
 * The key we send with first, then one being rotated to or away from.
 * A packet the new key authenticates proves the peer has it: from now
 * on we send with it (sync.c, key rotation). RCU held (the transforms).
 */
static bool dslite_sync_rx_mac(struct dslite_sl *sl, const u8 *data,
			       unsigned int len)
{
	u8 mac[DSLITE_SYNC_HMAC_LEN];
	struct crypto_shash *tfm;
	u8 cur = READ_ONCE(sl->key_cur), st;
	int i;

	for (i = 0; i < 2; i++) {
		tfm = READ_ONCE(sl->ktfm[i ? !cur : cur]);
		if (!tfm ||
		    dslite_sync_hmac(tfm, data, len - DSLITE_SYNC_HMAC_LEN, mac) ||
		    crypto_memneq(mac, data + len - DSLITE_SYNC_HMAC_LEN,
				  DSLITE_SYNC_HMAC_LEN))
			continue;
		if (!i)
			return true;
		st = READ_ONCE(sl->key_state);
		if (st == DSLITE_KEY_OVERLAP) {
			DSLITE_SYNC_INC(sl, RX_OLD_KEY);
			return true;
		}
		DSLITE_SYNC_INC(sl, RX_NEW_KEY);
		spin_lock(&sl->key_lock);
		/* still the key it proved (not replaced by a newer one) */
		if (sl->key_state == DSLITE_KEY_PENDING && sl->key_cur == cur &&
		    sl->ktfm[!cur] == tfm) {
			WRITE_ONCE(sl->key_cur, !cur);
			WRITE_ONCE(sl->key_until,
				   jiffies + DSLITE_KEY_OVERLAP_S * HZ);
			WRITE_ONCE(sl->key_state, DSLITE_KEY_OVERLAP);
			DSLITE_SYNC_INC(sl, KEY_SWITCHES);
			st = DSLITE_KEY_PENDING;
		}
		spin_unlock(&sl->key_lock);
		if (st == DSLITE_KEY_PENDING)
			dslite_sl_event(sl, DSLITE_SL_EV_KEY_SWITCH, GFP_ATOMIC);
		return true;
	}
	return false;
}

/*
 * Step 2: a well-formed header, authenticated when the SL is keyed (and
 * not claiming a key when it is not), of an epoch no clock could be
 * ahead with. False when dropped (counted). A packet of the peer that
 * fails authentication is noted: a peer heard only so is `auth-failed`.
 */
static bool dslite_sync_rx_auth(struct dslite_sl *sl, const u8 *data,
				unsigned int len, struct dslite_sync_hdr *h)
{
	u16 fl;

	/* no sender makes a packet larger than DSLITE_SYNC_MTU (HMAC too) */
	if (len > DSLITE_SYNC_MTU || dslite_sync_get_hdr(data, len, h)) {
		DSLITE_SYNC_INC(sl, DROP_MALFORMED);
		return false;
	}
	fl = be16_to_cpu(h->flags);
	if (sl->key_len) {
		/* a keyed SL takes authenticated packets only */
		if (!(fl & DSLITE_SYNC_F_AUTH) ||
		    len != DSLITE_SYNC_HDR + be16_to_cpu(h->len) +
			   DSLITE_SYNC_HMAC_LEN ||
		    !dslite_sync_rx_mac(sl, data, len)) {
			/* a key the peer rotates to, which we have not yet */
			if (fl & DSLITE_SYNC_F_NEWKEY) {
				DSLITE_SYNC_INC(sl, DROP_KEY_PROBE);
				return false;
			}
			DSLITE_SYNC_INC(sl, DROP_AUTH);
			WRITE_ONCE(sl->rx.auth_fail, jiffies | 1);
			return false;
		}
	} else if (fl & DSLITE_SYNC_F_AUTH) {
		DSLITE_SYNC_INC(sl, DROP_AUTH);	/* the peer has a key, we not */
		WRITE_ONCE(sl->rx.auth_fail, jiffies | 1);
		return false;
	}
	/* a day ahead of our clock would lock the real peer's streams out */
	if ((s32)(be32_to_cpu(h->epoch) - (u32)ktime_get_real_seconds()) >
	    DSLITE_SYNC_EPOCH_AHEAD) {
		DSLITE_SYNC_INC(sl, DROP_EPOCH);
		return false;
	}
	return true;
}

/*
 * A HELLO's configuration against ours: its fingerprint decides whether
 * records may apply (the version 3 fingerprint: instances, port blocks,
 * pools); a version 4 HELLO's settings say what differs, and a
 * difference in any of them (timeouts, limits, filtering) is a mismatch
 * too, shown and unhealthy, while records still apply (the receiver caps
 * what they carry at its own limits). Caller holds rx_lock.
 */
static void dslite_sync_rx_hello(struct dslite_sl *sl,
				 const struct dslite_sync_hdr *h,
				 const u8 *body, u16 len)
{
	struct dslite_sync_inst_cfg *ours = sl->rx.cfg;
	struct dslite_sync_diff d = { };
	unsigned int n;
	bool fp_ok;

	lockdep_assert_held(&sl->rx.lock);
	if (len < 4)
		return;
	sl->rx.peer_fp = dslite_be32(body);
	fp_ok = sl->rx.peer_fp == dslite_sync_fingerprint(sl);
	if (h->version >= 4 && len > 4) {
		n = dslite_sync_settings(sl, ours, DSLITE_SYNC_CFG_MAX);
		if (dslite_sync_cfg_diff(ours, n, body + 4, len - 4, &d)) {
			DSLITE_SYNC_INC(sl, DROP_MALFORMED);
			return;
		}
		if (!fp_ok && !d.kind)
			d.kind = DSLITE_DIFF_UNKNOWN;
	} else if (!fp_ok) {
		d.kind = DSLITE_DIFF_OLD_PEER;
	}
	sl->rx.diff = d;
	sl->rx.mismatch = !!d.kind;
	sl->rx.fp_ok = fp_ok;
}

/*
 * Step 3: the peer's stream: which stream, whether this packet is new in
 * it, then its HELLO fingerprint or DATA records, in order. False when
 * dropped (counted). *appeared: the peer was down until now; *kick: the
 * work should run at once (a gap to NACK).
 */
static bool dslite_sync_rx_stream(struct dslite_sl *sl,
				  const struct dslite_sync_hdr *h,
				  const u8 *data, bool *appeared, bool *kick)
{
	u32 epoch = be32_to_cpu(h->epoch), seq = be32_to_cpu(h->seq);
	struct dslite_rx_ctx ctx = { .sl = sl };
	bool ok = false;

	spin_lock_bh(&sl->rx.lock);
	/*
	 * Records apply only once a HELLO showed the same configuration.
	 * Before that, DATA is neither applied nor acked (the sender sends
	 * it again), so it proves nothing either: it does not keep the peer
	 * up, or a replayed packet would, however often it came.
	 */
	if (h->type == DSLITE_SYNC_DATA && !sl->rx.fp_ok) {
		DSLITE_SYNC_INC(sl, DROP_MISMATCH);
		goto out;
	}
	if (!sl->rx.epoch || (s32)(epoch - sl->rx.epoch) > 0) {
		/* the peer's new stream: follow it from seq 1 */
		dslite_sync_follow(sl, epoch);
	} else if (epoch != sl->rx.epoch) {
		if (h->type != DSLITE_SYNC_HELLO ||
		    !dslite_sync_older_is_peer(sl, epoch, seq)) {
			DSLITE_SYNC_INC(sl, DROP_REPLAY);	/* an older stream */
			goto out;
		}
		dslite_sync_follow(sl, epoch);
	}
	if (h->type != DSLITE_SYNC_DATA ? (s32)(seq - sl->rx.ctl) <= 0 :
					  (s32)(seq - sl->rx.next) < 0) {
		/*
		 * DATA we have: the sender resends all it has not seen acked
		 * (a lost or late ack), so a healthy pair sees these. It is
		 * counted apart from replays; a replay of a packet of this
		 * stream looks the same and is just as harmless (not applied
		 * again). An old HELLO or ACK has no such excuse: a replay.
		 */
		if (h->type == DSLITE_SYNC_DATA) {
			DSLITE_SYNC_INC(sl, RX_DUPLICATE);
			sl->rx.ack_pending = true;	/* it may miss our ack */
			dslite_sync_kick(sl, DSLITE_SYNC_FLUSH);
		} else {
			DSLITE_SYNC_INC(sl, DROP_REPLAY);
		}
		goto out;
	}
	ok = true;
	if (h->type != DSLITE_SYNC_DATA)
		sl->rx.ctl = seq;
	DSLITE_SYNC_INC(sl, RX_PACKETS);
	*appeared = !sl->rx.peer_up;
	WRITE_ONCE(sl->rx.peer_up, true);
	WRITE_ONCE(sl->ever_up, true);
	WRITE_ONCE(sl->rx.last, jiffies);
	WRITE_ONCE(sl->peer_master,
		   !!(be16_to_cpu(h->flags) & DSLITE_SYNC_F_MASTER));
	if (h->type == DSLITE_SYNC_HELLO)
		dslite_sync_rx_hello(sl, h, data + DSLITE_SYNC_HDR,
				     be16_to_cpu(h->len));
	if (h->type == DSLITE_SYNC_DATA) {	/* fp_ok: checked above */
		sl->rx.ack_pending = true;
		if (seq != sl->rx.next ||
		    !dslite_replay_check(&sl->rx.replay, seq)) {
			sl->rx.nack_send = true;	/* a gap: resend from next */
			*kick = true;
		} else if (dslite_sync_records_ok(data + DSLITE_SYNC_HDR,
						  be16_to_cpu(h->len))) {
			/*
			 * Applied whole or not at all. Its number is used up
			 * (acked), or the sender would resend it for ever.
			 */
			sl->rx.next++;
			DSLITE_SYNC_INC(sl, DROP_MALFORMED);
		} else {
			sl->rx.next++;
			if (++sl->rx.unacked >= DSLITE_SYNC_ACK_EVERY)
				*kick = true;
			dslite_sync_walk(data + DSLITE_SYNC_HDR,
					 be16_to_cpu(h->len), dslite_sync_apply,
					 &ctx);
			DSLITE_SYNC_ADD(sl, RX_RECORDS, ctx.n);
		}
	}
	dslite_sync_set_state(sl);
out:
	spin_unlock_bh(&sl->rx.lock);
	return ok;
}

/*
 * Step 4: what the peer says of our stream: how far it has it, a gap
 * (NACK, answered at most once per retransmit interval), a request for
 * another bulk, or that it follows none of our streams. True when the
 * work should run at once.
 */
static bool dslite_sync_rx_ack(struct dslite_sl *sl,
			       const struct dslite_sync_hdr *h, bool appeared)
{
	u32 ack = be32_to_cpu(h->ack), ack_epoch = be32_to_cpu(h->ack_epoch);
	u16 fl = be16_to_cpu(h->flags);
	bool kick = false;
	u8 ver;

	spin_lock_bh(&sl->tx.lock);
	/*
	 * Speak the peer's version (at most ours): a change restarts our
	 * stream, so that no packet of the other version's records is sent
	 * (what is batched goes; the restart's bulk carries it).
	 */
	ver = min_t(u8, h->max_version, DSLITE_SYNC_VERSION);
	if (ver != sl->tx.ver) {
		sl->tx.ver = ver;
		sl->tx.cur_len = 0;
		sl->tx.run_off = 0;
		sl->tx.restart_pending = true;
		kick = true;
	}
	if (appeared) {
		sl->tx.restart_pending = true;	/* it needs all of it */
		kick = true;
	} else if (ack_epoch == sl->tx.epoch) {
		if ((s32)(ack - sl->tx.acked) > 0 &&
		    (s32)(sl->tx.next_seq - 1 - ack) >= 0) {
			sl->tx.acked = ack;
			sl->tx.last_acked = jiffies;
		} else if (!ack && sl->tx.acked && !sl->tx.restart_pending) {
			/* back to nothing: the peer lost our stream (restarted) */
			sl->tx.restart_pending = true;
			kick = true;
		}
		if (fl & DSLITE_SYNC_F_NACK) {
			/* one resend per interval answers them all */
			if (sl->tx.nack_pending ||
			    time_before(jiffies, sl->tx.last_resend +
					DSLITE_SYNC_RETRANSMIT))
				DSLITE_SYNC_INC(sl, NACK_LIMITED);
			else
				kick = true;
			sl->tx.nack_pending = true;
		}
		/*
		 * Honour a request sent after our last bulk had all arrived
		 * (its ack covers BULK_END): a request still in flight from
		 * before does not start yet another one. (tx.bulk is the
		 * work's; only whether there is one is read here.)
		 */
		if ((fl & DSLITE_SYNC_F_BULK_REQ) && !sl->tx.bulk_pending &&
		    !READ_ONCE(sl->tx.bulk) && !sl->tx.in_bulk &&
		    (s32)(ack - sl->tx.bulk_end_seq) >= 0 &&
		    READ_ONCE(sl->role) == DSLITE_ROLE_MASTER) {
			sl->tx.bulk_pending = true;
			kick = true;
		}
	} else if (time_after(jiffies, sl->tx.stream_start + DSLITE_SYNC_LOST) &&
		   !sl->tx.restart_pending) {
		/* it follows none of our streams (it restarted) */
		sl->tx.restart_pending = true;
		kick = true;
	}
	spin_unlock_bh(&sl->tx.lock);
	return kick;
}

/* encap_rcv of the sync socket: softirq, RCU held */
int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct dslite_sync_sock *ss = rcu_dereference_sk_user_data(sk);
	bool appeared = false, kick = false;
	struct dslite_sync_hdr h;
	struct dslite_sl *sl;

	if (!ss || skb_linearize(skb))
		goto drop;
	sl = dslite_sync_rx_sl(ss, skb);
	if (!sl)
		goto drop;
	__skb_pull(skb, sizeof(struct udphdr));
	if (!dslite_sync_rx_auth(sl, skb->data, skb->len, &h) ||
	    !dslite_sync_rx_stream(sl, &h, skb->data, &appeared, &kick))
		goto drop;
	if (dslite_sync_rx_ack(sl, &h, appeared))
		kick = true;
	dslite_sync_kick(sl, kick ? 0 : DSLITE_SYNC_FLUSH);
drop:
	kfree_skb(skb);
	return 0;
}
