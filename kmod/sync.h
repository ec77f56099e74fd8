/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: the state of an SL's sync channel (sync.c, sync_tx.c,
 * sync_rx.c), split by what protects it. See docs/ha.md.
 *
 *  - struct dslite_sync_tx: our stream to the peer: the batch, the ring
 *    of unacked packets, what the peer acked; under tx.lock (BH). The
 *    bulk walk (@bulk) and the send buffer belong to the SL's work item
 *    alone.
 *  - struct dslite_sync_rx: the peer's stream as we follow it; under
 *    rx.lock (BH). Records are applied in order under it, taking the
 *    locks of session.c inside (rx.lock -> u->lock -> tx.lock;
 *    rx.lock -> tx.lock). Nothing takes rx.lock holding tx.lock or a
 *    user's lock. @peer_up and @last are also read without the lock
 *    (READ_ONCE), by the packet path and `show`.
 *  - The counters are per CPU (struct dslite_sync_pcpu, indexed by enum
 *    dslite_sync_stat), bumped from any context without a lock.
 */
#ifndef _DSLITE_SYNC_H
#define _DSLITE_SYNC_H

#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/percpu.h>
#include <uapi/linux/dslite.h>

#include "sync_codec.h"

#define DSLITE_SYNC_MTU		1400	/* UDP payload of a sync packet */
#define DSLITE_SYNC_RING	512	/* unacked packets kept per SL, at first */
/*
 * ...and at most, once a burst of records found it half full while the
 * peer acks (it acked more within DSLITE_SYNC_GROW_ACKED: behind, not
 * gone): the work doubles it (dslite_sync_ring_grow). 4096 packets of
 * 1400 bytes: 5.7 MB, kept until the SL goes. A peer that acks nothing
 * gets no more than the first ring. A ring that overflows anyway
 * restarts the stream with a full bulk, which at 1M sessions takes
 * seconds.
 */
#define DSLITE_SYNC_RING_MAX	4096
#define DSLITE_SYNC_GROW_ACKED	HZ
/* a bulk pauses with this many packets unacked (never grows the ring) */
#define DSLITE_SYNC_BULK_INFLIGHT 128

/* a sync packet kept until the peer acknowledges it */
struct dslite_sync_pkt {
	u32 seq;
	u16 len;
	u8 ver;				/* the version its records are in */
	u8 data[DSLITE_SYNC_MTU];
};

struct dslite_sync_sock;
struct crypto_shash;
struct dslite_sync_bulk;
struct dslite_sl;
struct dslite_net;
struct sock;
struct sk_buff;
struct socket;

struct dslite_sync_tx {
	spinlock_t lock;		/* BH: all of this but the work's own */
	u8 *cur;			/* records being batched */
	u16 cur_len;
	u16 run_off;			/* 1 + where the batch's last record,
					 * a run, begins; 0: it is none
					 */
	u8 ver;				/* what we speak: the peer's version */
	unsigned long cur_since;	/* jiffies of the oldest batched */
	u32 epoch;			/* our stream (grows, never reused) */
	u32 next_seq;
	u32 acked;			/* peer has every seq <= acked */
	u32 sent_upto;			/* every seq <= sent_upto went out */
	unsigned long stream_start;	/* jiffies our stream began */
	unsigned long last_resend;	/* jiffies of the last go-back-N */
	struct dslite_sync_pkt *ring;
	u32 ring_size;			/* a power of 2, of packets */
	bool grow_pending;		/* the ring is to double */
	unsigned long last_acked;	/* jiffies: acked moved on */
	u32 ctl_seq;			/* HELLO/ACK count in our stream */
	bool restart_pending;		/* begin a new stream (and bulk) */
	bool bulk_pending;		/* begin a bulk in this stream */
	bool nack_pending;		/* the peer reported a gap */
	bool in_bulk;			/* our bulk is not acked yet */
	bool synced;			/* our bulk of this stream is acked */
	u32 bulk_end_seq;		/* the packet ending our bulk */
	/* the work item's own: */
	struct dslite_sync_bulk *bulk;	/* the walk */
	u8 *xmit_buf;			/* a packet being sent */
	unsigned long last_hello;	/* jiffies */
	unsigned long last_data;	/* jiffies of the last DATA sent */
};

struct dslite_sync_rx {
	spinlock_t lock;		/* BH: all of this */
	u32 epoch;			/* the peer's stream we follow */
	u32 next;			/* the next DATA seq we apply */
	u32 ctl;			/* the peer's last HELLO/ACK count */
	u32 peer_fp;
	struct dslite_sync_diff diff;	/* the first setting that differs */
	struct dslite_sync_inst_cfg *cfg; /* ours, DSLITE_SYNC_CFG_MAX: room
					   * to compare a HELLO with
					   */
	unsigned long last;		/* jiffies of the last valid packet */
	unsigned long auth_fail;	/* jiffies: the peer's packet failed
					 * authentication (READ_ONCE)
					 */
	bool peer_up;
	bool mismatch;			/* the peer's fingerprint differs */
	bool fp_ok;			/* ...or matches: records may apply */
	bool ack_pending;
	u8 unacked;			/* DATA taken since our last ack */
	bool nack_send;
	bool in_bulk;			/* between BULK_BEGIN and BULK_END */
	bool synced;			/* a whole bulk of this stream came */
	u8 gen;				/* stamped on what the peer sends */
	bool sweep_pending;		/* drop entries older than gen */
	bool conflict;			/* stale state refused a record */
	bool bulk_req;			/* ask the peer for another bulk */
	u8 bulk_reqs;			/* asked in this stream (bounded) */
	struct dslite_replay replay;
	u32 cand_epoch;			/* an older stream heard while stale */
	u32 cand_seq;
	u8 cand_n;			/* ...so many HELLOs of it in a row */
};

struct dslite_sync_pcpu {
	u64 v[__DSLITE_SYNC_STAT_MAX];
};

#define DSLITE_SYNC_FLUSH	(HZ / 50)	/* 20 ms */
/*
 * DATA taken before an ack goes out at once, not at the next flush: the
 * sender's ring (DSLITE_SYNC_RING) must drain faster than a burst of new
 * sessions fills it.
 */
#define DSLITE_SYNC_ACK_EVERY	16
#define DSLITE_SYNC_RETRANSMIT	(HZ / 5)
#define DSLITE_SYNC_T_HELLO	HZ
#define DSLITE_SYNC_DEAD	(3 * HZ)	/* silence: the peer is down */
#define DSLITE_SYNC_LOST	(3 * HZ)	/* our stream ignored this long */
#define DSLITE_SYNC_HDR		sizeof(struct dslite_sync_hdr)
#define DSLITE_SYNC_SOCKBUF	(4 << 20)	/* the first ring, 5 times over */
/*
 * A stream's epoch is the sender's clock when it began (or one more than
 * the last): one further ahead of ours than this is no peer's clock.
 */
#define DSLITE_SYNC_EPOCH_AHEAD	86400
/* HELLOs of an older stream, while ours is silent, that make us follow it */
#define DSLITE_SYNC_CAND_HELLOS	2

struct dslite_sync_sock {
	struct list_head list;
	struct socket *sock;
	struct dslite_net *dn;
	u8 family;
	u16 port;
	int ifindex;
	int refcnt;
	/*
	 * A live SL on the socket, where what names none of them is
	 * counted: the one that opened it, then another (dn->lock; read
	 * under RCU: an SL is freed a grace period after it lets go).
	 */
	struct dslite_sl __rcu *owner;
	struct rcu_head rcu;	/* receivers read sk_user_data under RCU */
};

/* instances whose settings a HELLO carries (what fits in one) */
#define DSLITE_SYNC_CFG_MAX	((DSLITE_SYNC_MTU - DSLITE_SYNC_HDR - 4 - \
				  DSLITE_SYNC_HMAC_LEN) / \
				 (2 + DSLITE_REC_INST_CFG_LEN))
/* packets failing authentication this recently: the peer is there */
#define DSLITE_SYNC_AUTH_RECENT	(3 * HZ)

/* sync.c */
void dslite_sync_kick(struct dslite_sl *sl, unsigned long delay);
int dslite_sync_hmac(struct crypto_shash *tfm, const u8 *data,
		     unsigned int len, u8 *out);
void dslite_sync_set_state(struct dslite_sl *sl);
u32 dslite_sync_fingerprint(struct dslite_sl *sl);
unsigned int dslite_sync_settings(struct dslite_sl *sl,
				  struct dslite_sync_inst_cfg *c,
				  unsigned int max);
void dslite_sync_diff_str(struct dslite_sl *sl,
			  const struct dslite_sync_diff *d, char *buf,
			  size_t len);
void dslite_sync_key_expire(struct dslite_sl *sl);
/* sync_tx.c */
void dslite_sync_work(struct work_struct *work);
void dslite_bulk_abort(struct dslite_sl *sl);
/* sync_rx.c */
int dslite_sync_rcv(struct sock *sk, struct sk_buff *skb);
void dslite_sync_sweep(struct dslite_sl *sl, u8 gen);

#define DSLITE_SYNC_INC(sl, name) \
	this_cpu_inc((sl)->stats->v[DSLITE_SYNC_STAT_##name])
#define DSLITE_SYNC_ADD(sl, name, n) \
	this_cpu_add((sl)->stats->v[DSLITE_SYNC_STAT_##name], (n))

#endif /* _DSLITE_SYNC_H */
