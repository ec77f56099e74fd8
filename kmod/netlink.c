// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the "dslite" generic netlink family (the contract: the UAPI
 * header and Documentation/netlink/specs/dslite.yaml). This file holds the
 * family and its ops (their policies: nl_policy.c, generated from the
 * spec), the request path every doit takes
 * (pre_doit: dn->lock and the objects the request names; post_doit) and
 * the one dump iterator; the handlers live in nl_<object>.c (nl.h).
 * Requests are parsed strictly, each against its command's policy; every
 * refusal carries an extack message; every mutation, and every read that
 * reveals subscribers, is GENL_ADMIN_PERM: CAP_NET_ADMIN in the initial
 * user namespace.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <net/ip.h>

#include "dslite.h"
#include "nl.h"

enum dslite_mcgrp {
	DSLITE_MCGRP_EVENTS_IDX,
};

static const struct genl_multicast_group dslite_mcgrps[] = {
	[DSLITE_MCGRP_EVENTS_IDX] = {
		.name = DSLITE_MCGRP_EVENTS,
		.flags = DSLITE_MCGRP_FLAGS,
	},
};

static struct genl_family dslite_genl_family;

void *dslite_nl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		    u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &dslite_genl_family, flags, cmd);
}

void *dslite_nl_put_dump(struct sk_buff *skb, struct netlink_callback *cb,
			 u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &dslite_genl_family, NLM_F_MULTI, cmd);
}

int dslite_nl_reply(struct genl_info *info, size_t size,
		    int (*fill)(struct sk_buff *skb, void *obj, u32 portid,
				u32 seq, int flags),
		    void *obj)
{
	struct sk_buff *msg = nlmsg_new(size, GFP_KERNEL);
	int err;

	if (!msg)
		return -ENOMEM;
	err = fill(msg, obj, info->snd_portid, info->snd_seq, 0);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

bool dslite_nl_has_listeners(struct net *net)
{
	return genl_has_listeners(&dslite_genl_family, net,
				  DSLITE_MCGRP_EVENTS_IDX);
}

int dslite_nl_multicast(struct net *net, struct sk_buff *skb, gfp_t gfp)
{
	return genlmsg_multicast_netns(&dslite_genl_family, net, skb, 0,
				       DSLITE_MCGRP_EVENTS_IDX, gfp);
}

/*
 * A nest of u64 counters, attribute i holding v[i] for 0 < i < @n, @pad
 * being the nest's padding attribute (not a counter).
 */
int dslite_nl_put_counters(struct sk_buff *skb, int attr, const u64 *v, int n,
			   int pad)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < n; i++)
		if (i != pad && nla_put_u64_64bit(skb, i, v[i], pad))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A required attribute: refused with a message and the missing type. */
bool dslite_missing(struct genl_info *info, int attr)
{
	if (info->attrs[attr])
		return false;
	NL_SET_ERR_MSG(info->extack, "a required attribute is missing");
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
	return true;
}

/* ---- the request path ------------------------------------------------ */

/*
 * The instance a request names: by name first, else (if @required) by id;
 * neither is a refusal only if @required.
 */
static int dslite_nl_find_inst(struct dslite_net *dn, struct genl_info *info,
			       bool required)
{
	struct nlattr **a = info->attrs;
	struct dslite_instance *inst;

	if (a[DSLITE_A_INST_NAME]) {
		inst = dslite_instance_by_name(dn,
					       nla_data(a[DSLITE_A_INST_NAME]));
		if (!inst) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_INST_NAME],
					    "no instance with this name");
			return -ENOENT;
		}
	} else if (!required) {
		inst = NULL;
	} else if (a[DSLITE_A_INST_ID]) {
		inst = dslite_instance_by_id(dn,
					     nla_get_u32(a[DSLITE_A_INST_ID]));
		if (!inst) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_INST_ID],
					    "no instance with this id");
			return -ENOENT;
		}
	} else {
		NL_SET_ERR_MSG(info->extack, "instance name or id required");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DSLITE_A_INST_NAME);
		return -EINVAL;
	}
	info->user_ptr[0] = inst;
	return 0;
}

static int dslite_nl_find_sl(struct dslite_net *dn, struct genl_info *info)
{
	struct dslite_sl *sl;

	if (dslite_missing(info, DSLITE_A_SL_ID))
		return -EINVAL;
	sl = dslite_sl_by_id(dn, nla_get_u32(info->attrs[DSLITE_A_SL_ID]));
	if (!sl) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_SL_ID],
				    "no service-location with this id");
		return -ENOENT;
	}
	info->user_ptr[1] = sl;
	return 0;
}

static int dslite_nl_find_sig(struct dslite_net *dn, struct genl_info *info)
{
	struct dslite_sig *g;

	if (dslite_missing(info, DSLITE_A_SIG_NAME))
		return -EINVAL;
	g = dslite_sig_by_name(dn, nla_data(info->attrs[DSLITE_A_SIG_NAME]));
	if (!g) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_SIG_NAME],
				    "no service-instance-group with this name");
		return -ENOENT;
	}
	info->user_ptr[1] = g;
	return 0;
}

/*
 * Every doit: dn->lock, then the objects the op's flags name. The lock
 * is held until post_doit, so what was resolved stays valid and one
 * request is one change of the configuration.
 */
static int dslite_nl_pre_doit(const struct dslite_genl_op *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_nl_dn(info);
	u8 f = ops->internal_flags;
	int err = 0;

	info->user_ptr[0] = NULL;
	info->user_ptr[1] = NULL;
	mutex_lock(&dn->lock);
	if (f & (DSLITE_NL_F_INST | DSLITE_NL_F_INST_OPT))
		err = dslite_nl_find_inst(dn, info, f & DSLITE_NL_F_INST);
	if (!err && (f & DSLITE_NL_F_SL))
		err = dslite_nl_find_sl(dn, info);
	if (!err && (f & DSLITE_NL_F_SIG))
		err = dslite_nl_find_sig(dn, info);
	if (err)
		mutex_unlock(&dn->lock);
	return err;
}

static void dslite_nl_post_doit(const struct dslite_genl_op *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	mutex_unlock(&dslite_nl_dn(info)->lock);
}

/* ---- the dump iterator ----------------------------------------------- */

static struct xarray *dslite_nl_xa(struct dslite_net *dn,
				   enum dslite_nl_table table)
{
	switch (table) {
	case DSLITE_NL_SLS:
		return &dn->sls;
	case DSLITE_NL_SIGS:
		return &dn->sigs;
	case DSLITE_NL_INSTANCES:
		break;
	}
	return &dn->instances;
}

/*
 * One round of a dump (nl.h). Entries are sent in key order and the dump
 * resumes at the key it stopped at, so an entry that exists for the whole
 * dump goes out exactly once whatever comes and goes meanwhile. No
 * pointer is kept between rounds: nothing needs holding.
 */
int dslite_nl_dumpit(struct sk_buff *skb, struct netlink_callback *cb,
		     enum dslite_nl_table table, dslite_nl_dump_one_t one)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	unsigned long key;
	void *obj;
	int err = 0;

	mutex_lock(&dn->lock);
	xa_for_each_start(dslite_nl_xa(dn, table), key, obj, cb->args[0]) {
		if (key != cb->args[0]) {
			/* a new entry: its dump_one starts from the top */
			cb->args[0] = key;
			cb->args[1] = 0;
		}
		err = one(skb, cb, obj);
		if (err)
			break;
		cb->args[0] = key + 1;
		cb->args[1] = 0;
	}
	mutex_unlock(&dn->lock);

	/* a full skb ends this round; anything else ends the dump */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/* ---- the family ------------------------------------------------------ */

/*
 * One policy per command, generated from the spec (nl_policy.c); a
 * command's do and dump share it (6.1 has no split ops). internal_flags
 * say what pre_doit resolves (nl.h).
 */
static const struct genl_ops dslite_genl_ops[] = {
	{
		.cmd = DSLITE_CMD_INSTANCE_NEW,
		.policy = dslite_nl_instance_new_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_new_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_instance_new,
	},
	{
		.cmd = DSLITE_CMD_INSTANCE_DEL,
		.policy = dslite_nl_instance_del_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_del_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_instance_del,
	},
	{
		/* instances reveal no subscriber: readable like ip link */
		.cmd = DSLITE_CMD_INSTANCE_GET,
		.policy = dslite_nl_instance_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_get_policy) - 1,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_instance_get,
		.dumpit = dslite_nl_instance_dump,
	},
	{
		.cmd = DSLITE_CMD_INSTANCE_SET,
		.policy = dslite_nl_instance_set_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_instance_set,
	},
	{
		.cmd = DSLITE_CMD_POOL_NEW,
		.policy = dslite_nl_pool_new_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_pool_new_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_pool_new,
	},
	{
		.cmd = DSLITE_CMD_POOL_DEL,
		.policy = dslite_nl_pool_del_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_pool_del_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_pool_del,
	},
	{
		.cmd = DSLITE_CMD_POOL_GET,
		.policy = dslite_nl_pool_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_pool_get_policy) - 1,
		.dumpit = dslite_nl_pool_dump,
	},
	{
		/* sessions and users reveal subscribers: admin only */
		.cmd = DSLITE_CMD_SESSION_GET,
		.policy = dslite_nl_session_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_session_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.start = dslite_nl_session_start,
		.dumpit = dslite_nl_walk,
		.done = dslite_nl_walk_done,
	},
	{
		.cmd = DSLITE_CMD_SESSION_FLUSH,
		.policy = dslite_nl_session_flush_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_session_flush_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_INST_OPT,
		.doit = dslite_nl_session_flush,
	},
	{
		.cmd = DSLITE_CMD_USER_GET,
		.policy = dslite_nl_user_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_user_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.start = dslite_nl_user_start,
		.dumpit = dslite_nl_walk,
		.done = dslite_nl_walk_done,
	},
	{
		/* counters name no subscriber: readable like ip -s link */
		.cmd = DSLITE_CMD_STATS_GET,
		.policy = dslite_nl_stats_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_stats_get_policy) - 1,
		.internal_flags = DSLITE_NL_F_INST,
		.doit = dslite_nl_stats_get,
		.dumpit = dslite_nl_stats_dump,
	},
	{
		/* hot backup: all admin (an SL shows its peer, key presence, sync state) */
		.cmd = DSLITE_CMD_HA_SET,
		.policy = dslite_nl_ha_set_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_ha_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_ha_set,
	},
	{
		.cmd = DSLITE_CMD_HA_GET,
		.policy = dslite_nl_ha_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_ha_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_ha_get,
	},
	{
		.cmd = DSLITE_CMD_SL_NEW,
		.policy = dslite_nl_sl_new_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sl_new_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_sl_new,
	},
	{
		.cmd = DSLITE_CMD_SL_DEL,
		.policy = dslite_nl_sl_del_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sl_del_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_SL,
		.doit = dslite_nl_sl_del,
	},
	{
		.cmd = DSLITE_CMD_SL_SET,
		.policy = dslite_nl_sl_set_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sl_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_SL,
		.doit = dslite_nl_sl_set,
	},
	{
		.cmd = DSLITE_CMD_SL_GET,
		.policy = dslite_nl_sl_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sl_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_SL,
		.doit = dslite_nl_sl_get,
		.dumpit = dslite_nl_sl_dump,
	},
	{
		.cmd = DSLITE_CMD_SIG_NEW,
		.policy = dslite_nl_sig_new_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sig_new_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_sig_new,
	},
	{
		.cmd = DSLITE_CMD_SIG_DEL,
		.policy = dslite_nl_sig_del_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sig_del_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.internal_flags = DSLITE_NL_F_SIG,
		.doit = dslite_nl_sig_del,
	},
	{
		.cmd = DSLITE_CMD_SIG_GET,
		.policy = dslite_nl_sig_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_sig_get_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.dumpit = dslite_nl_sig_dump,
	},
};

static struct genl_family dslite_genl_family __ro_after_init = {
	.name = DSLITE_GENL_NAME,
	.version = DSLITE_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = false,
	.module = THIS_MODULE,
	.pre_doit = dslite_nl_pre_doit,
	.post_doit = dslite_nl_post_doit,
	.ops = dslite_genl_ops,
	.n_ops = ARRAY_SIZE(dslite_genl_ops),
	.mcgrps = dslite_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dslite_mcgrps),
};

int dslite_genl_init(void)
{
	return genl_register_family(&dslite_genl_family);
}

void dslite_genl_exit(void)
{
	genl_unregister_family(&dslite_genl_family);
}
