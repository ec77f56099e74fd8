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
 * This file: the sockets, starting and stopping an SL's channel, what
 * both halves share (HMAC, peer state, fingerprint) and the counters.
 * sync_tx.c sends, sync_rx.c receives.
 *
 * Locking rules (the channel's state and its locks: sync.h):
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

/* ---- sockets ----------------------------------------------------------- */

static struct dslite_sync_sock *dslite_sync_sock_get(struct dslite_net *dn,
						     struct dslite_sl *sl,
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
			if (!rcu_access_pointer(ss->owner))
				rcu_assign_pointer(ss->owner, sl);
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
	RCU_INIT_POINTER(ss->owner, sl);
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
				 struct dslite_sync_sock *ss,
				 struct dslite_sl *sl)
{
	struct dslite_sl *other;
	unsigned long id;

	lockdep_assert_held(&dn->lock);
	if (rcu_access_pointer(ss->owner) == sl) {
		RCU_INIT_POINTER(ss->owner, NULL);
		xa_for_each(&dn->sls, id, other) {
			if (other != sl && other->ss == ss && !other->dying) {
				rcu_assign_pointer(ss->owner, other);
				break;
			}
		}
	}
	if (--ss->refcnt)
		return;
	list_del(&ss->list);
	/* clears sk_user_data; a receiver may still hold @ss until a GP */
	udp_tunnel_sock_release(ss->sock);
	kfree_rcu(ss, rcu);
}

int dslite_sync_hmac(struct crypto_shash *tfm, const u8 *data,
		     unsigned int len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int err;

	desc->tfm = tfm;
	err = crypto_shash_digest(desc, data, len, out);
	shash_desc_zero(desc);
	return err;
}

/* the event a change of the peer state from @old to @st is */
static int dslite_sync_state_event(u8 old, u8 st)
{
	switch (st) {
	case DSLITE_PEER_DOWN:
		return DSLITE_SL_EV_PEER_DOWN;
	case DSLITE_PEER_AUTH_FAILED:
		return DSLITE_SL_EV_AUTH_FAILED;
	case DSLITE_PEER_MISMATCH:
		return DSLITE_SL_EV_MISMATCH;
	case DSLITE_PEER_BULK:
		return DSLITE_SL_EV_BULK_START;
	case DSLITE_PEER_IN_SYNC:
		if (old == DSLITE_PEER_BULK || old == DSLITE_PEER_HELLO)
			return DSLITE_SL_EV_BULK_END;
		break;
	}
	/* up again, or agreeing again after a mismatch */
	return DSLITE_SL_EV_PEER_UP;
}

/*
 * The peer state shown by `service-location show`; a change is an event
 * (and a log line). Caller holds rx_lock.
 */
void dslite_sync_set_state(struct dslite_sl *sl)
{
	unsigned long fail = READ_ONCE(sl->rx.auth_fail);
	u8 st, old;

	lockdep_assert_held(&sl->rx.lock);
	if (!sl->rx.peer_up)
		st = fail && time_before(jiffies, fail + DSLITE_SYNC_AUTH_RECENT) ?
		     DSLITE_PEER_AUTH_FAILED : DSLITE_PEER_DOWN;
	else if (sl->rx.mismatch)
		st = DSLITE_PEER_MISMATCH;
	else if (sl->rx.in_bulk || READ_ONCE(sl->tx.in_bulk))
		st = DSLITE_PEER_BULK;
	else if (sl->rx.synced || READ_ONCE(sl->tx.synced))
		st = DSLITE_PEER_IN_SYNC;
	else
		st = DSLITE_PEER_HELLO;
	old = sl->ev_state;
	WRITE_ONCE(sl->peer_state, st);
	if (st == old)
		return;
	sl->ev_state = st;
	/* back to hello from in-sync or a bulk: a new stream, not news */
	if (st == DSLITE_PEER_HELLO && old != DSLITE_PEER_DOWN &&
	    old != DSLITE_PEER_AUTH_FAILED && old != DSLITE_PEER_MISMATCH)
		return;
	dslite_sl_event(sl, dslite_sync_state_event(old, st), GFP_ATOMIC);
}

/* a fingerprint of what both routers must agree on for this SL */
u32 dslite_sync_fingerprint(struct dslite_sl *sl)
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

/*
 * The settings of (at most @max) instances bound to a group, ascending
 * id, as a version 4 HELLO carries them; what the fingerprint covers and
 * everything else both routers must share. RCU or dn->lock.
 */
unsigned int dslite_sync_settings(struct dslite_sl *sl,
				  struct dslite_sync_inst_cfg *c,
				  unsigned int max)
{
	struct dslite_instance *inst;
	struct dslite_pool *p;
	unsigned long id;
	unsigned int n = 0;
	u32 h;

	rcu_read_lock();
	xa_for_each(&sl->dn->instances, id, inst) {
		const struct dslite_cfg *k = &inst->cfg;

		if (n >= max)
			break;
		if (!rcu_access_pointer(inst->sig))
			continue;
		c[n].inst_id = inst->id;
		c[n].name_hash = jhash(inst->name, strlen(inst->name), 0);
		c[n].n = DSLITE_SET_N;
		c[n].v[DSLITE_SET_BLOCK_SIZE] = READ_ONCE(k->block_size);
		c[n].v[DSLITE_SET_PORT_LO] = READ_ONCE(k->port_lo);
		c[n].v[DSLITE_SET_PORT_HI] = READ_ONCE(k->port_hi);
		h = 0;
		list_for_each_entry_rcu(p, &inst->pools, list)
			h = jhash_3words((__force u32)p->prefix, p->plen,
					 p->sl_id, h);
		c[n].v[DSLITE_SET_POOLS] = h;
		c[n].v[DSLITE_SET_MAX_BLOCKS] = READ_ONCE(k->max_blocks);
		c[n].v[DSLITE_SET_MAX_SESS_USER] = READ_ONCE(k->max_sess_user);
		c[n].v[DSLITE_SET_MAX_SESS] = READ_ONCE(k->max_sess);
		c[n].v[DSLITE_SET_FILTERING] = READ_ONCE(k->filtering);
		c[n].v[DSLITE_SET_TO_UDP] = READ_ONCE(k->to.udp);
		c[n].v[DSLITE_SET_TO_TCP_EST] = READ_ONCE(k->to.tcp_est);
		c[n].v[DSLITE_SET_TO_TCP_TRANS] = READ_ONCE(k->to.tcp_trans);
		c[n].v[DSLITE_SET_TO_ICMP] = READ_ONCE(k->to.icmp);
		c[n].v[DSLITE_SET_TO_TCP_SYN] = READ_ONCE(k->to.tcp_syn);
		c[n].v[DSLITE_SET_HOLDDOWN] = READ_ONCE(k->holddown);
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* "instance dsl0 (id 1)", or the id alone when it is not here */
static void dslite_sync_inst_str(struct dslite_sl *sl, u16 id, char *buf,
				 size_t len)
{
	struct dslite_instance *inst;

	rcu_read_lock();
	inst = dslite_instance_by_id(sl->dn, id);
	if (inst)
		snprintf(buf, len, "instance %s (id %u)", inst->name, id);
	else
		snprintf(buf, len, "instance id %u", id);
	rcu_read_unlock();
}

/* What @d says, for show, events and the log. */
void dslite_sync_diff_str(struct dslite_sl *sl,
			  const struct dslite_sync_diff *d, char *buf,
			  size_t len)
{
	char inst[48];

	dslite_sync_inst_str(sl, d->inst_id, inst, sizeof(inst));
	switch (d->kind) {
	case DSLITE_DIFF_SETTING:
		if (d->setting == DSLITE_SET_POOLS)
			snprintf(buf, len, "%s: pools differ", inst);
		else
			snprintf(buf, len, "%s: %s %u here, %u on the peer",
				 inst, dslite_sync_setting_names[d->setting],
				 d->here, d->peer);
		break;
	case DSLITE_DIFF_NAME:
		snprintf(buf, len, "%s: another name on the peer", inst);
		break;
	case DSLITE_DIFF_NOT_PEER:
		snprintf(buf, len, "%s: not on the peer", inst);
		break;
	case DSLITE_DIFF_NOT_HERE:
		snprintf(buf, len, "instance id %u of the peer: not here",
			 d->inst_id);
		break;
	case DSLITE_DIFF_OLD_PEER:
		snprintf(buf, len,
			 "fingerprint differs (an older peer: it does not say which setting)");
		break;
	default:
		snprintf(buf, len, "fingerprint differs");
		break;
	}
}

/*
 * Run the work within @delay (sooner if it is due later). Callers found
 * the SL published (RCU or dn->lock): dslite_sync_stop_begin() marks it
 * dying first and waits for them all before it cancels the work, so no
 * kick lands after the cancel. The work runs unbound: queued on the CPU
 * of the packet that kicked it, a CPU busy forwarding (in softirq) would
 * starve it, and with it our acks and the sending of the ring, until the
 * peer's ring overflowed into a resync (bench new_sync).
 */
void dslite_sync_kick(struct dslite_sl *sl, unsigned long delay)
{
	if (READ_ONCE(sl->dying))
		return;
	if (!delayed_work_pending(&sl->work) ||
	    time_after(READ_ONCE(sl->work.timer.expires), jiffies + delay))
		mod_delayed_work(system_unbound_wq, &sl->work, delay);
}

/* ---- setup ------------------------------------------------------------- */

/* A transform keyed with @key (process context). */
static struct crypto_shash *dslite_sync_key_tfm(const u8 *key, u8 len,
						struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	int err;

	if (IS_ERR(tfm)) {
		NL_SET_ERR_MSG(extack, "hmac(sha256) is not available");
		return tfm;
	}
	err = crypto_shash_setkey(tfm, key, len);
	if (err) {
		NL_SET_ERR_MSG(extack, "the key was refused");
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

/*
 * Key rotation (docs/ha.md). `service-location set ID authentication-key
 * KEY` puts the new key in the free slot: PENDING. It is accepted at
 * once, and every HELLO is also sent once more signed with it (flagged
 * DSLITE_SYNC_F_NEWKEY, so a peer without it counts drop_key_probe, not
 * drop_auth); our packets stay signed with the old key, which the peer
 * surely has. The first packet of the peer that the new key
 * authenticates proves the peer has it too: from then on we send with
 * it (OVERLAP), and the old key is still taken for DSLITE_KEY_OVERLAP_S
 * seconds (packets in flight, a peer that switches a moment later), then
 * dropped. Both routers given the new key, in either order, switch
 * within a HELLO interval of the second, and no packet of either is
 * refused meanwhile.
 */
int dslite_sync_set_key(struct dslite_sl *sl, const u8 *key, u8 len,
			struct netlink_ext_ack *extack)
{
	struct crypto_shash *tfm, *old;
	u8 slot;

	lockdep_assert_held(&sl->dn->lock);
	if (!sl->key_len || !sl->ktfm[READ_ONCE(sl->key_cur)]) {
		NL_SET_ERR_MSG(extack,
			       "a keyless service-location cannot rotate a key (it takes one only when added)");
		return -EOPNOTSUPP;
	}
	if (len == sl->key_len && !crypto_memneq(key, sl->key, len))
		return 0;	/* the key it has (or is rotating to) */
	tfm = dslite_sync_key_tfm(key, len, extack);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	spin_lock_bh(&sl->key_lock);
	slot = !sl->key_cur;
	old = sl->ktfm[slot];	/* a pending key replaced, or the old one */
	WRITE_ONCE(sl->ktfm[slot], tfm);
	WRITE_ONCE(sl->key_state, DSLITE_KEY_PENDING);
	spin_unlock_bh(&sl->key_lock);
	memzero_explicit(sl->key, sizeof(sl->key));
	memcpy(sl->key, key, len);
	sl->key_len = len;
	if (old) {
		synchronize_rcu();	/* senders and receivers let go of it */
		crypto_free_shash(old);
	}
	dslite_sync_kick(sl, 0);	/* probed at the next HELLO */
	return 0;
}

/*
 * The overlap after a switch is over: the old key goes. The work, which
 * must not wait for dn->lock (dslite_sync_stop_end() cancels it holding
 * it): retried at its next run when the lock is busy.
 */
void dslite_sync_key_expire(struct dslite_sl *sl)
{
	struct crypto_shash *old = NULL;

	if (READ_ONCE(sl->key_state) != DSLITE_KEY_OVERLAP ||
	    time_before(jiffies, READ_ONCE(sl->key_until)) ||
	    !mutex_trylock(&sl->dn->lock))
		return;
	spin_lock_bh(&sl->key_lock);
	if (sl->key_state == DSLITE_KEY_OVERLAP) {
		old = sl->ktfm[!sl->key_cur];
		WRITE_ONCE(sl->ktfm[!sl->key_cur], NULL);
		WRITE_ONCE(sl->key_state, DSLITE_KEY_STABLE);
	}
	spin_unlock_bh(&sl->key_lock);
	if (old) {
		synchronize_rcu();
		crypto_free_shash(old);
	}
	mutex_unlock(&sl->dn->lock);
}

/* What dslite_sync_start() allocates; each pointer may be NULL. */
static void dslite_sync_free(struct dslite_sl *sl)
{
	crypto_free_shash(sl->ktfm[0]);
	crypto_free_shash(sl->ktfm[1]);
	sl->ktfm[0] = NULL;
	sl->ktfm[1] = NULL;
	kvfree(sl->tx.ring);
	sl->tx.ring = NULL;
	kfree(sl->tx.cur);
	sl->tx.cur = NULL;
	kfree(sl->tx.xmit_buf);
	sl->tx.xmit_buf = NULL;
	kfree(sl->rx.cfg);
	sl->rx.cfg = NULL;
	free_percpu(sl->stats);
	sl->stats = NULL;
}

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
	spin_lock_init(&sl->tx.lock);
	spin_lock_init(&sl->rx.lock);
	INIT_DELAYED_WORK(&sl->work, dslite_sync_work);
	sl->tx.epoch = (u32)ktime_get_real_seconds();
	sl->tx.next_seq = 1;
	sl->tx.acked = 0;
	/* the oldest, until the peer says what it speaks */
	sl->tx.ver = DSLITE_SYNC_VERSION_MIN;
	sl->tx.stream_start = jiffies;
	sl->created = jiffies;
	sl->tx.last_resend = jiffies - DSLITE_SYNC_RETRANSMIT;
	sl->tx.last_acked = jiffies - DSLITE_SYNC_GROW_ACKED;
	sl->rx.next = 1;
	sl->peer_state = DSLITE_PEER_DOWN;
	sl->tx.cur = kmalloc(DSLITE_SYNC_MTU, GFP_KERNEL);
	sl->tx.xmit_buf = kmalloc(DSLITE_SYNC_MTU + DSLITE_SYNC_HMAC_LEN,
				  GFP_KERNEL);
	sl->tx.ring = kvcalloc(DSLITE_SYNC_RING, sizeof(*sl->tx.ring),
			       GFP_KERNEL);
	sl->tx.ring_size = DSLITE_SYNC_RING;
	sl->stats = alloc_percpu(struct dslite_sync_pcpu);
	sl->rx.cfg = kcalloc(DSLITE_SYNC_CFG_MAX, sizeof(*sl->rx.cfg),
			     GFP_KERNEL);
	if (!sl->tx.cur || !sl->tx.ring || !sl->tx.xmit_buf || !sl->stats ||
	    !sl->rx.cfg) {
		err = -ENOMEM;
		goto err_free;
	}
	spin_lock_init(&sl->key_lock);
	ratelimit_state_init(&sl->log_rs, 5 * HZ, 10);
	ratelimit_set_flags(&sl->log_rs, RATELIMIT_MSG_ON_RELEASE);
	sl->ev_state = DSLITE_PEER_DOWN;
	if (sl->key_len) {
		sl->ktfm[0] = dslite_sync_key_tfm(sl->key, sl->key_len, extack);
		if (IS_ERR(sl->ktfm[0])) {
			err = PTR_ERR(sl->ktfm[0]);
			sl->ktfm[0] = NULL;
			goto err_free;
		}
	}
	sl->ss = dslite_sync_sock_get(dn, sl, sl->peer_len == 4 ? AF_INET :
					      AF_INET6, sl->port, ifindex,
				      extack);
	if (IS_ERR(sl->ss)) {
		err = PTR_ERR(sl->ss);
		sl->ss = NULL;
		goto err_free;
	}
	queue_delayed_work(system_unbound_wq, &sl->work, 0);
	return 0;

err_free:
	dslite_sync_free(sl);
	return err;
}

/*
 * Change the SL's remote-backup interface, peer and/or port in place
 * (issue 13): the SL stays published, its subscribers' state (in the
 * instances) and its counters stay, only the channel moves. The new
 * socket is opened first (a failure changes nothing); then the channel
 * is quiesced the way a stop does it (dying, a grace period for the
 * receivers and the packet path, the work cancelled), rebound, its
 * streams forgotten both ways, and started again: the peer, seen anew,
 * gets a new stream and a bulk, and so do we (a resync). Records of
 * sessions made meanwhile are not queued (dying); the bulk carries them.
 * Caller holds dn->lock.
 */
int dslite_sync_rebind(struct dslite_sl *sl, const char *ifname,
		       const u8 *peer, u8 peer_len, u16 port,
		       struct netlink_ext_ack *extack)
{
	struct dslite_net *dn = sl->dn;
	struct dslite_sync_sock *ss, *old = sl->ss;
	struct net_device *dev;
	int ifindex;

	lockdep_assert_held(&dn->lock);
	if (!old) {
		NL_SET_ERR_MSG(extack, "the service-location has no sync channel");
		return -EINVAL;
	}
	dev = dev_get_by_name(dn->net, ifname);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such remote-backup interface");
		return -ENODEV;
	}
	ifindex = dev->ifindex;
	dev_put(dev);
	ss = dslite_sync_sock_get(dn, sl, peer_len == 4 ? AF_INET : AF_INET6,
				  port, ifindex, extack);
	if (IS_ERR(ss))
		return PTR_ERR(ss);

	WRITE_ONCE(sl->dying, true);
	synchronize_rcu();
	cancel_delayed_work_sync(&sl->work);
	dslite_bulk_abort(sl);
	WRITE_ONCE(sl->ss, ss);
	/* the old socket's owner passes to another SL, if any */
	dslite_sync_sock_put(dn, old, sl);
	/* the same socket (only the peer changed) lost its owner: us again */
	if (!rcu_access_pointer(ss->owner))
		rcu_assign_pointer(ss->owner, sl);
	strscpy(sl->ifname, ifname, sizeof(sl->ifname));
	memset(sl->peer, 0, sizeof(sl->peer));
	memcpy(sl->peer, peer, peer_len);
	sl->peer_len = peer_len;
	sl->port = port;

	spin_lock_bh(&sl->rx.lock);
	sl->rx.epoch = 0;
	sl->rx.next = 1;
	sl->rx.ctl = 0;
	WRITE_ONCE(sl->rx.peer_up, false);
	sl->rx.fp_ok = false;
	sl->rx.mismatch = false;
	sl->rx.in_bulk = false;
	sl->rx.synced = false;
	sl->rx.ack_pending = false;
	sl->rx.nack_send = false;
	sl->rx.bulk_req = false;
	sl->rx.cand_n = 0;
	WRITE_ONCE(sl->rx.auth_fail, 0);
	memset(&sl->rx.replay, 0, sizeof(sl->rx.replay));
	dslite_sync_set_state(sl);
	spin_unlock_bh(&sl->rx.lock);
	spin_lock_bh(&sl->tx.lock);
	sl->tx.restart_pending = true;
	sl->tx.ver = DSLITE_SYNC_VERSION_MIN;	/* until it says */
	spin_unlock_bh(&sl->tx.lock);
	DSLITE_SYNC_INC(sl, RESYNCS);
	WRITE_ONCE(sl->dying, false);
	queue_delayed_work(system_unbound_wq, &sl->work, 0);
	return 0;
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
	dslite_sync_sock_put(sl->dn, sl->ss, sl);
}

void dslite_sync_stop_end(struct dslite_sl *sl)
{
	if (!sl->ss)
		return;
	cancel_delayed_work_sync(&sl->work);
	dslite_bulk_abort(sl);
	sl->ss = NULL;
	dslite_sync_free(sl);
}

/* Caller holds dn->lock; the SL is unpublished already. */
void dslite_sync_stop(struct dslite_sl *sl)
{
	dslite_sync_stop_begin(sl);
	synchronize_rcu();
	dslite_sync_stop_end(sl);
}

void dslite_sync_stats_sum(struct dslite_sl *sl, u64 *v)
{
	int cpu, i;

	memset(v, 0, sizeof(u64) * __DSLITE_SYNC_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct dslite_sync_pcpu *c = per_cpu_ptr(sl->stats, cpu);

		for (i = 1; i < __DSLITE_SYNC_STAT_MAX; i++)
			v[i] += READ_ONCE(c->v[i]);
	}
}

/* How long the peer has been silent, in ms (0: never heard). */
u32 dslite_sync_silence_ms(const struct dslite_sl *sl)
{
	unsigned long last = READ_ONCE(sl->rx.last);

	return last ? jiffies_to_msecs(jiffies - last) : 0;
}
