// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the "dslite" generic netlink family (see the UAPI header for the
 * contract). Requests are parsed strictly against one family policy;
 * every refusal carries an extack message; every mutation needs
 * CAP_NET_ADMIN in the namespace's user namespace.
 */
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dslite.h"
#include "compat.h"

/*
 * u16-wide ranges do not fit the policy's s16 min/max: use a range struct
 * (not const: 6.1's NLA_POLICY_FULL_RANGE takes a plain pointer).
 */
static struct netlink_range_validation dslite_id_range = {
	.min = DSLITE_INST_ID_MIN,
	.max = DSLITE_INST_ID_MAX,
};

static const struct nla_policy dslite_policy[DSLITE_A_MAX + 1] = {
	/*
	 * The name is bounded here; the exact rule (15 chars, charset) is
	 * checked by the handler so the error can say what is wrong.
	 */
	[DSLITE_A_INST_NAME] = { .type = NLA_NUL_STRING, .len = 64 },
	[DSLITE_A_INST_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &dslite_id_range),
	[DSLITE_A_INST_AFTR] = NLA_POLICY_EXACT_LEN(sizeof(struct in6_addr)),
};

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

static int dslite_fill_instance(struct sk_buff *skb,
				const struct dslite_instance *inst,
				u32 portid, u32 seq, int flags, u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dslite_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u32(skb, DSLITE_A_INST_ID, inst->id) ||
	    (inst->has_aftr &&
	     nla_put_in6_addr(skb, DSLITE_A_INST_AFTR, &inst->aftr))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

void dslite_genl_notify_instance(struct dslite_instance *inst, u8 cmd)
{
	struct net *net = inst->dn->net;
	struct sk_buff *skb;

	if (!genl_has_listeners(&dslite_genl_family, net,
				DSLITE_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dslite_fill_instance(skb, inst, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_multicast_netns(&dslite_genl_family, net, skb, 0,
				DSLITE_MCGRP_EVENTS_IDX, GFP_KERNEL);
}

/* Find the instance a request names, by name first, else by id. */
static struct dslite_instance *
dslite_instance_from_attrs(struct dslite_net *dn, struct nlattr **attrs,
			   struct netlink_ext_ack *extack)
{
	struct dslite_instance *inst;

	if (attrs[DSLITE_A_INST_NAME]) {
		inst = dslite_instance_by_name(dn,
					       nla_data(attrs[DSLITE_A_INST_NAME]));
		if (!inst)
			NL_SET_ERR_MSG_ATTR(extack, attrs[DSLITE_A_INST_NAME],
					    "no instance with this name");
		return inst;
	}
	if (attrs[DSLITE_A_INST_ID]) {
		inst = dslite_instance_by_id(dn,
					     nla_get_u32(attrs[DSLITE_A_INST_ID]));
		if (!inst)
			NL_SET_ERR_MSG_ATTR(extack, attrs[DSLITE_A_INST_ID],
					    "no instance with this id");
		return inst;
	}
	NL_SET_ERR_MSG(extack, "instance name or id required");
	return NULL;
}

static int dslite_nl_instance_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dslite_instance *inst;
	struct in6_addr aftr;
	const char *name;
	int bad;

	if (GENL_REQ_ATTR_CHECK(info, DSLITE_A_INST_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, DSLITE_A_INST_ID))
		return -EINVAL;
	name = nla_data(attrs[DSLITE_A_INST_NAME]);
	bad = dslite_name_check(name, DSLITE_INST_NAME_MAX);
	if (bad) {
		dslite_extack(info->extack, attrs[DSLITE_A_INST_NAME],
			      dslite_name_error(bad));
		return -EINVAL;
	}
	if (attrs[DSLITE_A_INST_AFTR]) {
		aftr = nla_get_in6_addr(attrs[DSLITE_A_INST_AFTR]);
		bad = dslite_aftr_check(aftr.s6_addr);
		if (bad) {
			dslite_extack(info->extack, attrs[DSLITE_A_INST_AFTR],
				      dslite_aftr_error(bad));
			return -EINVAL;
		}
	}

	mutex_lock(&dn->lock);
	inst = dslite_instance_create(dn, name,
				      nla_get_u32(attrs[DSLITE_A_INST_ID]),
				      attrs[DSLITE_A_INST_AFTR] ? &aftr : NULL,
				      info->extack);
	if (!IS_ERR(inst))
		dslite_genl_notify_instance(inst, DSLITE_CMD_INSTANCE_NEW);
	mutex_unlock(&dn->lock);

	return PTR_ERR_OR_ZERO(inst);
}

static int dslite_nl_instance_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_instance *inst;
	int err = 0;

	mutex_lock(&dn->lock);
	inst = dslite_instance_from_attrs(dn, info->attrs, info->extack);
	if (inst) {
		dslite_genl_notify_instance(inst, DSLITE_CMD_INSTANCE_DEL);
		dslite_instance_destroy(inst);
	} else {
		err = -ENOENT;
	}
	mutex_unlock(&dn->lock);
	return err;
}

static int dslite_nl_instance_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_instance *inst;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dn->lock);
	inst = dslite_instance_from_attrs(dn, info->attrs, info->extack);
	if (!inst) {
		err = -ENOENT;
		goto err_unlock;
	}
	err = dslite_fill_instance(msg, inst, info->snd_portid, info->snd_seq,
				   0, DSLITE_CMD_INSTANCE_GET);
	if (err)
		goto err_unlock;
	mutex_unlock(&dn->lock);
	return genlmsg_reply(msg, info);

err_unlock:
	mutex_unlock(&dn->lock);
	nlmsg_free(msg);
	return err;
}

/*
 * Dump in ascending id order. cb->args[0] holds the next id to send, so a
 * dump resumes where it stopped even if instances came or went meanwhile.
 */
static int dslite_nl_instance_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct dslite_instance *inst;
	unsigned long id = cb->args[0];
	int err = 0;

	rcu_read_lock();
	xa_for_each_start(&dn->instances, id, inst, cb->args[0]) {
		err = dslite_fill_instance(skb, inst,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   DSLITE_CMD_INSTANCE_GET);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	rcu_read_unlock();

	/* a full skb ends this round; anything else ends the dump */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

static const struct genl_small_ops dslite_genl_ops[] = {
	{
		.cmd = DSLITE_CMD_INSTANCE_NEW,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_instance_new,
	},
	{
		.cmd = DSLITE_CMD_INSTANCE_DEL,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_instance_del,
	},
	{
		/* instances reveal no subscriber: readable like ip link */
		.cmd = DSLITE_CMD_INSTANCE_GET,
		.doit = dslite_nl_instance_get,
		.dumpit = dslite_nl_instance_dump,
	},
};

static struct genl_family dslite_genl_family __ro_after_init = {
	.name = DSLITE_GENL_NAME,
	.version = DSLITE_GENL_VERSION,
	.maxattr = DSLITE_A_MAX,
	.policy = dslite_policy,
	.netnsok = true,
	.parallel_ops = false,
	.module = THIS_MODULE,
	.small_ops = dslite_genl_ops,
	.n_small_ops = ARRAY_SIZE(dslite_genl_ops),
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
