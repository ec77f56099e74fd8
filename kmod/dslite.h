/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: internal declarations shared by the module's files.
 */
#ifndef _DSLITE_H
#define _DSLITE_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/netlink.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/ratelimit.h>
#include <net/net_namespace.h>
#include <net/genetlink.h>
#include <uapi/linux/dslite.h>

#include "nl_policy.h"

#include "validate.h"
#include "logic.h"
#include "sync_codec.h"
#include "sync.h"

struct dslite_aftr_tab;

/* Per network namespace state (netns.c). */
struct dslite_net {
	struct net *net;
	/* Serialises every change of this namespace's configuration. */
	struct mutex lock;
	/* Instances by id; readers use RCU, writers hold @lock. */
	struct xarray instances;
	unsigned int n_instances;
	/* hot backup (ha.c): under @lock, read under RCU */
	bool hot_backup;
	struct list_head sync_socks;	/* struct dslite_sync_sock, by port */
	struct xarray sls;		/* by SL id */
	struct xarray sigs;		/* by creation number (sig->seq) */
	unsigned int n_sigs;
	unsigned long sig_seq;		/* the last group's number */
	/* AFTR address -> instance, SL (aftr.c): under @lock, read under RCU */
	struct dslite_aftr_tab __rcu *aftr;
};

#define DSLITE_SYNC_PORT	8286
#define DSLITE_SL_LISTEN	(3 * HZ)	/* a new SL waits for its peer */
#define DSLITE_MAX_SLS		1024
#define DSLITE_MAX_SIGS		64
#define DSLITE_SIG_MAX_MEMBERS	8
#define DSLITE_SIG_NAME_MAX	31

/* A service-location: one unit of failover (ha.c; its channel: sync*.c). */
struct dslite_sl {
	struct rcu_head rcu;
	struct dslite_net *dn;
	/*
	 * configuration: set before the SL is published, constant after,
	 * but for the key (the newest configured: dn->lock)
	 */
	u32 id;
	char ifname[IFNAMSIZ];		/* remote-backup interface */
	u8 peer[16];
	u8 peer_len;			/* 4 or 16 */
	u16 port;
	u8 key[64];
	u8 key_len;
	u8 vrid;
	char vrrp_if[IFNAMSIZ];
	bool has_aftr;
	struct in6_addr aftr;
	/* published: WRITE_ONCE by the owner named, READ_ONCE anywhere */
	u8 role;			/* enum dslite_sl_role; dn->lock */
	u8 peer_state;			/* enum dslite_sl_peer; rx.lock */
	bool peer_master;		/* the peer said it is master; rx */
	bool ever_up;			/* heard from since added; rx */
	unsigned long created;		/* jiffies the SL was added */
	bool dying;			/* being stopped; dn->lock */
	struct list_head dead;		/* namespace teardown (dn->lock) */
	/* the channel (sync.h has the rules) */
	struct dslite_sync_sock *ss;
	/*
	 * hmac(sha256) transforms when keyed: ktfm[key_cur] signs what we
	 * send; the other slot holds a key being rotated to (PENDING) or
	 * away from (OVERLAP, until key_until), see sync.c. The slots and
	 * state change under key_lock (BH); readers (sender, receiver) use
	 * a transform under RCU, freed a grace period after it left its
	 * slot.
	 */
	spinlock_t key_lock;
	struct crypto_shash *ktfm[2];
	u8 key_cur;
	u8 key_state;			/* enum dslite_sl_key_state */
	unsigned long key_until;	/* jiffies: the overlap ends */
	/* what the peer state was, for events (rx.lock) */
	u8 ev_state;
	struct ratelimit_state log_rs;	/* the kernel log lines */
	struct delayed_work work;	/* flush, hello, retransmit, bulk */
	struct dslite_sync_tx tx;
	struct dslite_sync_rx rx;
	struct dslite_sync_pcpu __percpu *stats;
};

struct dslite_sig {
	struct rcu_head rcu;
	char name[DSLITE_SIG_NAME_MAX + 1];
	unsigned long seq;		/* its key in dn->sigs: creation order */
	u8 n;
	struct {
		u32 sl_id;
		u32 weight;
	} members[DSLITE_SIG_MAX_MEMBERS];
};

#define DSLITE_MAX_INSTANCES	1024
#define DSLITE_MAX_BLOCKS_USER	64

/* live objects, checked at unload so a leak is never silent */
extern atomic_t dslite_live_instances;
extern atomic_t dslite_live_sessions;
extern atomic_t dslite_live_users;
/* sessions of every instance of every namespace, against max_sessions */
extern atomic_t dslite_total_sessions;
extern unsigned int dslite_max_sessions;

/* NAT settings; written under dn->lock, read on the packet path */
struct dslite_cfg {
	u32 block_size;
	u32 port_lo;
	u32 port_hi;
	u32 max_blocks;
	u32 max_sess_user;
	u32 max_sess;
	u32 holddown;
	u8 filtering;
	u32 mss;		/* TCP MSS clamp, 0 = off */
	struct dslite_timeouts to;
};

/* One public address of a pool: which of its blocks are taken. */
struct dslite_paddr {
	__be32 addr;
	u32 used;		/* blocks allocated or resting */
	unsigned long *map;	/* bit set: allocated or resting */
};

struct dslite_pool {
	struct list_head list;	/* in inst->pools, under inst->pool_lock */
	__be32 prefix;
	u8 plen;
	u32 sl_id;		/* the SL whose share this is, 0 = none */
	u32 n_addrs;
	struct dslite_paddr addrs[];
};

/* A block resting after release (RFC 6888 REQ-8). */
struct dslite_rest {
	struct list_head list;
	struct dslite_paddr *pa;
	u32 idx;
	unsigned long until;	/* jiffies */
};

/*
 * A block a user holds. Under user->lock. @ports is the record of its
 * taken ports that a new mapping's pick searches (dslite_port_pick):
 * DSLITE_PORT_PROTOS bitmaps of cfg.block_size bits (dslite_block_ports;
 * the block size cannot change while the instance has pools), a bit set
 * while at least one session uses that (public address, port, protocol),
 * the key of sess_in. 64 bytes per protocol at the default 512 ports.
 */
struct dslite_user_block {
	unsigned long *ports;
	u16 idx;		/* block index on the user's address */
	u32 sessions;		/* sessions in it (several may share a port) */
};

static inline unsigned long *
dslite_block_ports(const struct dslite_user_block *b, u8 proto, u32 size)
{
	return b->ports + dslite_port_proto(proto) * BITS_TO_LONGS(size);
}

/*
 * The route toward a B4 (softwire.c): looked up once, then used while the
 * IPv6 FIB has not changed (dst_check with @cookie) and the packet's mark
 * and AFTR address are the ones it was looked up for. Holds a reference
 * on @dst; replaced whole (xchg) and freed after a grace period.
 */
struct dslite_route {
	struct rcu_head rcu;
	struct dst_entry *dst;
	u32 cookie;
	u32 mark;
	struct in6_addr aftr;
};

/* A subscriber: one B4 address. */
struct dslite_user {
	struct rhash_head node;
	struct in6_addr b4;		/* key */
	spinlock_t lock;		/* sessions, blocks of this user */
	struct dslite_paddr *pa;	/* paired pooling: one address */
	u32 sl_id;			/* the SL the B4 arrives through */
	u32 n_sessions;
	u8 n_blocks;
	u8 cap;				/* room in @blocks */
	bool dead;			/* unhashed, being freed */
	unsigned long idle_since;	/* jiffies, when n_sessions hit 0 */
	struct dslite_route __rcu *route;	/* toward @b4, or NULL */
	struct rcu_head rcu;
	/*
	 * Grows when max-blocks-per-user is raised; read and written only
	 * under @lock, so the old array can go at once.
	 */
	struct dslite_user_block *blocks;
};

/* key of the inside (EIM mapping) index: every session of one mapping */
struct dslite_okey {
	struct dslite_user *user;
	__be32 inner_addr;
	__be16 inner_port;
	u8 proto;
	u8 pad;
};

/* key of the outside index: every session of one public endpoint */
struct dslite_ikey {
	__be32 pub_addr;
	__be16 pub_port;
	u8 proto;
	u8 pad;
};

/*
 * A session: one mapping + one remote endpoint. 72 bytes: no rcu_head,
 * sess_free.c frees sessions in batches after a grace period.
 */
struct dslite_session {
	struct rhlist_head onode;
	struct rhlist_head inode;
	struct dslite_okey okey;
	struct dslite_ikey ikey;
	union {
		struct {
			__be32 remote_addr;
			__be16 remote_port;
			u16 pad;
		};
		/* killed, and no free batch could be had (sess_free.c) */
		struct llist_node free_node;
	};
	u32 last;			/* jiffies, truncated */
	u8 state;			/* enum dslite_sess_state */
	u8 dead;
	u8 sync_gen;			/* backup: rx_gen when last synced */
};

struct dslite_stats {
	u64 c[__DSLITE_STAT_MAX];
};

/* A walk of one table that the GC spreads over its runs (session.c). */
struct dslite_gc_cursor {
	struct rhashtable_iter it;
	bool fresh;			/* at the start of the table */
	u32 pass_n;			/* objects when this pass began */
};

struct dslite_instance {
	struct rcu_head rcu;
	/* the namespace's table holds one; so does a dump walking it */
	refcount_t ref;
	struct dslite_net *dn;
	u32 id;
	bool has_aftr;
	char name[DSLITE_INST_NAME_MAX + 1];
	struct in6_addr aftr;
	struct dslite_cfg cfg;
	struct net_device *dev;
	struct dslite_stats __percpu *stats;
	struct dslite_sig __rcu *sig;	/* hot-backup group, or NULL */

	/* pools, resting blocks; pool_lock also guards every paddr->map */
	spinlock_t pool_lock;
	struct list_head pools;
	struct list_head resting;
	u32 n_pool_addrs;

	struct rhashtable users;
	struct rhltable sess_out;	/* by struct dslite_okey */
	struct rhltable sess_in;	/* by struct dslite_ikey */
	atomic_t n_sessions;
	atomic_t ip_id;			/* ids of reassembled datagrams */
	atomic_t n_users;
	atomic_t n_blocks;
	u32 peak_sessions;
	u32 peak_users;
	u32 peak_blocks;
	unsigned long limit_event_next;	/* jiffies, limit-event rate */
	struct delayed_work gc_work;
	/* where the GC's incremental sweeps resume (session.c; gc_work) */
	struct dslite_gc_cursor gc_sess;
	struct dslite_gc_cursor gc_users;
	bool dying;
};

struct dslite_dev_priv {
	struct dslite_instance *inst;
};

#define DSLITE_STAT_INC(inst, s) this_cpu_inc((inst)->stats->c[s])
#define DSLITE_STAT_ADD(inst, s, v) this_cpu_add((inst)->stats->c[s], v)

/* netns.c */
struct dslite_net *dslite_net(const struct net *net);
int dslite_netns_init(void);
void dslite_netns_exit(void);

/* instance.c */
int dslite_instance_cache_init(void);
void dslite_instance_cache_exit(void);
void dslite_cfg_defaults(struct dslite_cfg *cfg);
struct dslite_instance *dslite_instance_create(struct dslite_net *dn,
					       const char *name, u32 id,
					       const struct in6_addr *aftr,
					       const struct dslite_cfg *cfg,
					       struct netlink_ext_ack *extack);
void dslite_instance_destroy(struct dslite_instance *inst);
void dslite_instance_put(struct dslite_instance *inst);
void dslite_instance_destroy_all(struct dslite_net *dn);
struct dslite_instance *dslite_instance_by_name(struct dslite_net *dn,
						const char *name);
struct dslite_instance *dslite_instance_by_id(struct dslite_net *dn, u32 id);
struct dslite_instance *dslite_instance_by_aftr(struct dslite_net *dn,
						const struct in6_addr *aftr);
void dslite_instance_set_sig(struct dslite_instance *inst,
			     struct dslite_sig *sig);
int dslite_cfg_check(const struct dslite_cfg *cfg,
		     struct netlink_ext_ack *extack);
void dslite_stats_sum(struct dslite_instance *inst, u64 *out);

/* aftr.c */
struct dslite_instance *dslite_instance_by_any_aftr(struct dslite_net *dn,
						    const struct in6_addr *aftr,
						    struct dslite_sl **slp);
void dslite_aftr_rebuild(struct dslite_net *dn);
void dslite_aftr_free(struct dslite_net *dn);
/* the table itself, for kunit.c */
struct dslite_aftr_tab *dslite_aftr_tab_alloc(u32 n);
void dslite_aftr_tab_add(struct dslite_aftr_tab *t, const struct in6_addr *a,
			 struct dslite_instance *inst, struct dslite_sl *sl);
struct dslite_instance *dslite_aftr_tab_lookup(const struct dslite_aftr_tab *t,
					       const struct in6_addr *a,
					       struct dslite_sl **slp);
void dslite_aftr_tab_free(struct dslite_aftr_tab *t);

/* dev.c */
int dslite_dev_create(struct dslite_instance *inst,
		      struct netlink_ext_ack *extack);
void dslite_dev_destroy(struct dslite_instance *inst);

/* pool.c */
int dslite_pool_add(struct dslite_instance *inst, __be32 prefix, u8 plen,
		    u32 sl_id, struct netlink_ext_ack *extack);
struct dslite_pool *dslite_pool_of_addr(struct dslite_instance *inst,
					__be32 addr);
int dslite_pool_del(struct dslite_instance *inst, __be32 prefix, u8 plen,
		    struct netlink_ext_ack *extack);
void dslite_pool_free_all(struct dslite_instance *inst);
struct dslite_paddr *dslite_pool_find_addr(struct dslite_instance *inst,
					   __be32 addr);
bool dslite_pool_overlaps(struct dslite_net *dn, __be32 prefix, u8 plen);
int dslite_block_alloc(struct dslite_instance *inst, struct dslite_user *u);
int dslite_user_grow(struct dslite_user *u, u32 max_blocks);
unsigned long *dslite_ports_alloc(u32 size);
bool dslite_pool_unrest(struct dslite_instance *inst, struct dslite_paddr *pa,
			u32 idx);
void dslite_block_release(struct dslite_instance *inst,
			  struct dslite_paddr *pa, u32 idx);
void dslite_pool_expire_resting(struct dslite_instance *inst, bool all);
void dslite_log_block(struct dslite_instance *inst, struct dslite_user *u,
		      u32 idx, bool alloc);

/* session.c */
int dslite_tables_init(struct dslite_instance *inst);
void dslite_tables_set_cap(struct dslite_instance *inst, u32 max_sess);
void dslite_tables_buckets(const struct dslite_instance *inst, u32 *now,
			   u32 *cap);
void dslite_tables_destroy(struct dslite_instance *inst);
struct dslite_user *dslite_user_get(struct dslite_instance *inst,
				    const struct in6_addr *b4, bool create,
				    u32 sl_id);
struct dslite_session *dslite_sess_out(struct dslite_instance *inst,
				       struct dslite_user *u,
				       const struct dslite_okey *k,
				       __be32 raddr, __be16 rport,
				       u8 tcpflags, int *drop);
struct dslite_session *dslite_sess_in(struct dslite_instance *inst,
				      const struct dslite_ikey *k,
				      __be32 raddr, __be16 rport,
				      u8 tcpflags, int *drop);
struct dslite_session *
dslite_out_find(struct dslite_instance *inst, const struct dslite_okey *k,
		__be32 raddr, __be16 rport, struct dslite_session **any);
struct dslite_session *
dslite_in_find(struct dslite_instance *inst, const struct dslite_ikey *k,
	       __be32 raddr, __be16 rport, struct dslite_session **any,
	       bool *addr_seen);
void dslite_sess_touch(struct dslite_instance *inst,
		       struct dslite_session *s, u8 tcpflags, int dir);
void dslite_gc(struct dslite_instance *inst, bool all);
void dslite_gc_work(struct work_struct *work);
u32 dslite_sess_expires(struct dslite_instance *inst,
			const struct dslite_session *s);
int dslite_sess_flush(struct dslite_instance *inst,
		      const struct in6_addr *b4, u8 proto);
int dslite_sess_flush_stale(struct dslite_instance *inst, u32 sl_id, u8 gen);
/* session.c, for sync_install.c: a user given must be locked (u->lock) */
int dslite_user_slot(struct dslite_user *u, __be32 pub_addr, __be16 pub_port,
		     const struct dslite_cfg *cfg);
int dslite_sess_room(struct dslite_instance *inst, struct dslite_user *u);
struct dslite_session *
dslite_sess_insert(struct dslite_instance *inst, struct dslite_user *u,
		   const struct dslite_okey *ok, const struct dslite_ikey *ik,
		   __be32 raddr, __be16 rport, u8 state, int slot, int *drop);
void dslite_sess_kill(struct dslite_instance *inst, struct dslite_session *s);
void dslite_user_drop_idle_blocks(struct dslite_instance *inst,
				  struct dslite_user *u);
void dslite_pool_evict(struct dslite_instance *inst,
		       const struct dslite_paddr *first, u32 n);
int dslite_session_cache_init(void);
void dslite_session_cache_exit(void);

/* sess_free.c */
struct kmem_cache;
void dslite_sess_free(struct dslite_session *s);
void dslite_sess_free_flush(void);
void dslite_sess_free_init(struct kmem_cache *cache);
void dslite_sess_free_exit(void);

/* nat.c */
/*
 * The two ends of a softwire as the outer IPv6 header names them: the
 * B4 and the AFTR address it tunnels to (1+1: its SL's own address).
 */
struct dslite_ends {
	struct in6_addr b4;
	struct in6_addr aftr;
	/* the user they belong to (its route cache), or NULL; RCU held */
	struct dslite_user *user;
};

int dslite_nat_out(struct dslite_instance *inst,
		   const struct dslite_ends *ends, struct sk_buff *skb,
		   u32 sl_id);
int dslite_nat_in(struct dslite_instance *inst, struct sk_buff *skb,
		  struct dslite_ends *ends);

/* softwire.c */
int dslite_softwire_init(void);
int dslite_defrag_in(struct dslite_instance *inst, struct sk_buff *skb);
void dslite_softwire_exit(void);
bool dslite_ipv4_forwarding(const struct net_device *dev);
int dslite_encap_xmit(struct dslite_instance *inst, struct sk_buff *skb,
		      const struct dslite_ends *ends);
void dslite_route_free(struct dslite_user *u);
void dslite_icmp_unreach(struct dslite_instance *inst, struct sk_buff *skb,
			 const struct dslite_ends *ends, u8 type, u8 code);

/*
 * Report a message that is not a string literal (NL_SET_ERR_MSG needs
 * one). @msg must have static storage duration.
 */
static inline void dslite_extack(struct netlink_ext_ack *extack,
				 const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	if (attr)
		extack->bad_attr = attr;
}

#ifdef DSLITE_PLANT
void dslite_plant(void);	/* plant.c, test builds only */
#else
static inline void dslite_plant(void) { }
#endif

/* guard.c */
int dslite_guard_start(struct dslite_net *dn);
void dslite_guard_stop(struct dslite_net *dn);

/* ha.c */
struct dslite_sl *dslite_sl_by_id(struct dslite_net *dn, u32 id);
struct dslite_sig *dslite_sig_by_name(struct dslite_net *dn, const char *name);
struct dslite_sl *dslite_sig_sl_for_aftr(struct dslite_net *dn,
					 const struct dslite_sig *g,
					 const struct in6_addr *aftr);
struct dslite_sl *dslite_sl_for_aftr(struct dslite_instance *inst,
				     const struct in6_addr *aftr);
bool dslite_sl_active(struct dslite_net *dn, const struct dslite_sl *sl);
const char *dslite_sl_health(struct dslite_net *dn, struct dslite_sl *sl);
int dslite_sl_add(struct dslite_net *dn, struct dslite_sl *sl,
		  struct netlink_ext_ack *extack);
int dslite_sl_remove(struct dslite_net *dn, struct dslite_sl *sl,
		     struct netlink_ext_ack *extack);
void dslite_sl_set_role(struct dslite_sl *sl, u8 role);
int dslite_sig_add(struct dslite_net *dn, struct dslite_sig *g,
		   struct netlink_ext_ack *extack);
int dslite_sig_remove(struct dslite_net *dn, struct dslite_sig *g,
		      struct netlink_ext_ack *extack);
void dslite_ha_free_all(struct dslite_net *dn);

/* sync.c */
int dslite_sync_start(struct dslite_net *dn, struct dslite_sl *sl,
		      struct netlink_ext_ack *extack);
void dslite_sync_stop(struct dslite_sl *sl);
void dslite_sync_stop_begin(struct dslite_sl *sl);
void dslite_sync_stop_end(struct dslite_sl *sl);
void dslite_sync_stats_sum(struct dslite_sl *sl, u64 *v);
u32 dslite_sync_silence_ms(const struct dslite_sl *sl);
int dslite_sync_set_key(struct dslite_sl *sl, const u8 *key, u8 len,
			struct netlink_ext_ack *extack);
int dslite_sync_rebind(struct dslite_sl *sl, const char *ifname,
		       const u8 *peer, u8 peer_len, u16 port,
		       struct netlink_ext_ack *extack);

/* sync_tx.c */
void dslite_sync_note_session(struct dslite_instance *inst,
			      struct dslite_session *s, bool del);
void dslite_sync_note_block(struct dslite_instance *inst,
			    struct dslite_user *u, u32 idx);
void dslite_sync_role_changed(struct dslite_sl *sl, u8 role);

/* sync_install.c */
int dslite_sync_install_session(struct dslite_instance *inst, u32 sl_id,
				const struct dslite_sync_session *r, bool del,
				u8 gen);
int dslite_sync_install_block(struct dslite_instance *inst, u32 sl_id,
			      const struct dslite_sync_block *b);

/* netlink.c (the family; its own interface: nl.h) */
int dslite_genl_init(void);
void dslite_genl_exit(void);
bool dslite_missing(struct genl_info *info, int attr);
/* nl_instance.c */
void dslite_genl_notify_instance(struct dslite_instance *inst, u8 cmd);
/* nl_event.c */
void dslite_genl_event_block(struct dslite_instance *inst,
			     const struct in6_addr *b4, __be32 addr,
			     u16 first, u16 last, bool alloc);
void dslite_sl_event(struct dslite_sl *sl, int ev, gfp_t gfp);
void dslite_genl_event_limit(struct dslite_instance *inst,
			     const struct in6_addr *b4, int reason);

#endif /* _DSLITE_H */
