/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: the netlink layer's own interface, shared by netlink.c (the
 * family, the request path, the dump iterator) and the nl_*.c files (one
 * per object: the handlers and the message builders).
 *
 * Requests (doit): every one runs between dslite_nl_pre_doit() and
 * dslite_nl_post_doit(). pre_doit takes dn->lock and resolves what the
 * op's internal flags (DSLITE_NL_F_*) say the request names, refusing it
 * with a message when that does not exist; the handler runs with
 * dn->lock held and finds the objects with dslite_nl_inst(),
 * dslite_nl_sl() and dslite_nl_sig(). post_doit drops the lock. So no
 * handler locks or looks its object up itself.
 *
 * Dumps: every dumpit is dslite_nl_dumpit() over one of the namespace's
 * tables (instances, SLs, SIGs), which takes dn->lock for each round,
 * walks the table in key order from cb->args[0], and calls the object's
 * dump_one for each entry; the tail (a full skb ends the round, anything
 * else the dump) is written once there.
 */
#ifndef _DSLITE_NL_H
#define _DSLITE_NL_H

#include <net/genetlink.h>

#include "dslite.h"
#include "compat.h"

/* what pre_doit resolves before the handler (ops' internal_flags) */
#define DSLITE_NL_F_INST	BIT(0)	/* INST_NAME or INST_ID: required */
#define DSLITE_NL_F_INST_OPT	BIT(1)	/* INST_NAME: if given (else NULL) */
#define DSLITE_NL_F_SL		BIT(2)	/* SL_ID: required */
#define DSLITE_NL_F_SIG		BIT(3)	/* SIG_NAME: required */

static inline struct dslite_net *dslite_nl_dn(struct genl_info *info)
{
	return dslite_net(genl_info_net(info));
}

static inline struct dslite_instance *dslite_nl_inst(struct genl_info *info)
{
	return info->user_ptr[0];
}

static inline struct dslite_sl *dslite_nl_sl(struct genl_info *info)
{
	return info->user_ptr[1];
}

static inline struct dslite_sig *dslite_nl_sig(struct genl_info *info)
{
	return info->user_ptr[1];
}

/*
 * The dump iterator. cb->args[0] is the key of the entry being sent (or
 * of the next one), cb->args[1] is dump_one's cursor inside that entry:
 * 0 when it starts on an entry, kept while one entry takes several
 * rounds. cb->args[2..] belong to the op (.start/.done).
 */
enum dslite_nl_table {
	DSLITE_NL_INSTANCES,	/* dn->instances, by id */
	DSLITE_NL_SLS,		/* dn->sls, by SL id */
	DSLITE_NL_SIGS,		/* dn->sigs, by creation number */
};

/*
 * Send what @obj contributes to the dump: 0 when it is all out (or it is
 * filtered out), -EMSGSIZE when the skb is full (the round ends and the
 * next one calls again with the same entry and cursor), another error
 * ends the dump. Called with dn->lock held.
 */
typedef int (*dslite_nl_dump_one_t)(struct sk_buff *skb,
				    struct netlink_callback *cb, void *obj);

int dslite_nl_dumpit(struct sk_buff *skb, struct netlink_callback *cb,
		     enum dslite_nl_table table, dslite_nl_dump_one_t one);

/* a message of the family; NULL when @skb is full */
void *dslite_nl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		    u8 cmd);
/* the same, as one part of a dump */
void *dslite_nl_put_dump(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd);
/* reply to a request with the message @fill builds from @obj */
int dslite_nl_reply(struct genl_info *info, size_t size,
		    int (*fill)(struct sk_buff *skb, void *obj, u32 portid,
				u32 seq, int flags),
		    void *obj);
/* a nest of counters (the message is cancelled by the caller on error) */
int dslite_nl_put_counters(struct sk_buff *skb, int attr, const u64 *v, int n,
			   int pad);
/* multicast one event, counted in EVENTS_LOST when it cannot go */
bool dslite_nl_has_listeners(struct net *net);
int dslite_nl_multicast(struct net *net, struct sk_buff *skb, gfp_t gfp);

/* nl_instance.c */
int dslite_nl_instance_new(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_instance_set(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_instance_del(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_instance_get(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_instance_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* nl_pool.c */
int dslite_nl_pool_new(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_pool_del(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_pool_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* nl_session.c */
int dslite_nl_session_start(struct netlink_callback *cb);
int dslite_nl_user_start(struct netlink_callback *cb);
int dslite_nl_walk(struct sk_buff *skb, struct netlink_callback *cb);
int dslite_nl_walk_done(struct netlink_callback *cb);
int dslite_nl_session_flush(struct sk_buff *skb, struct genl_info *info);

/* nl_stats.c */
int dslite_nl_stats_get(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb);

/* nl_ha.c */
int dslite_nl_ha_set(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_ha_get(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sl_new(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sl_set(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sl_del(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sl_get(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sl_dump(struct sk_buff *skb, struct netlink_callback *cb);
int dslite_nl_sig_new(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sig_del(struct sk_buff *skb, struct genl_info *info);
int dslite_nl_sig_dump(struct sk_buff *skb, struct netlink_callback *cb);

#endif /* _DSLITE_NL_H */
