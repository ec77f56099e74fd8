// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the "dslite" generic netlink family (see the UAPI header for the
 * contract). Requests are parsed strictly against one family policy;
 * every refusal carries an extack message; every mutation needs
 * CAP_NET_ADMIN in the namespace's user namespace.
 */
#include <linux/module.h>
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <net/ip.h>
#include <linux/rtnetlink.h>

#include "dslite.h"
#include "compat.h"

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

void *dslite_genl_put(struct sk_buff *skb, u32 portid, u32 seq, int flags,
		      u8 cmd)
{
	return genlmsg_put(skb, portid, seq, &dslite_genl_family, flags, cmd);
}

static int dslite_put_cfg(struct sk_buff *skb, const struct dslite_cfg *c)
{
	if (nla_put_u32(skb, DSLITE_A_INST_BLOCK_SIZE, c->block_size) ||
	    nla_put_u32(skb, DSLITE_A_INST_PORT_LO, c->port_lo) ||
	    nla_put_u32(skb, DSLITE_A_INST_PORT_HI, c->port_hi) ||
	    nla_put_u32(skb, DSLITE_A_INST_MAX_BLOCKS, c->max_blocks) ||
	    nla_put_u32(skb, DSLITE_A_INST_MAX_SESS_USER, c->max_sess_user) ||
	    nla_put_u32(skb, DSLITE_A_INST_MAX_SESS, c->max_sess) ||
	    nla_put_u8(skb, DSLITE_A_INST_FILTERING, c->filtering) ||
	    nla_put_u32(skb, DSLITE_A_INST_TO_UDP, c->to.udp) ||
	    nla_put_u32(skb, DSLITE_A_INST_TO_TCP_EST, c->to.tcp_est) ||
	    nla_put_u32(skb, DSLITE_A_INST_TO_TCP_TRANS, c->to.tcp_trans) ||
	    nla_put_u32(skb, DSLITE_A_INST_TO_ICMP, c->to.icmp) ||
	    nla_put_u32(skb, DSLITE_A_INST_TO_TCP_SYN, c->to.tcp_syn) ||
	    nla_put_u32(skb, DSLITE_A_INST_HOLDDOWN, c->holddown) ||
	    nla_put_u32(skb, DSLITE_A_INST_MSS, c->mss))
		return -EMSGSIZE;
	return 0;
}

static int dslite_put_sig(struct sk_buff *skb,
			  const struct dslite_instance *inst)
{
	const struct dslite_sig *g;
	int err = 0;

	rcu_read_lock();
	g = rcu_dereference(inst->sig);
	if (g)
		err = nla_put_string(skb, DSLITE_A_INST_SIG, g->name);
	rcu_read_unlock();
	return err;
}

/*
 * The service-instance group a request names in DSLITE_A_INST_SIG: NULL
 * for "" (none). Only looks: the caller binds it once nothing else can
 * fail. Caller holds dn->lock.
 */
static int dslite_sig_from_attr(struct dslite_net *dn, struct nlattr *attr,
				struct dslite_sig **gp,
				struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&dn->lock);
	*gp = NULL;
	if (nla_len(attr) <= 1 || !*(char *)nla_data(attr))
		return 0;
	*gp = dslite_sig_by_name(dn, nla_data(attr));
	if (!*gp) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no service-instance-group with this name");
		return -ENOENT;
	}
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

static int dslite_fill_instance(struct sk_buff *skb,
				const struct dslite_instance *inst,
				u32 portid, u32 seq, int flags, u8 cmd)
{
	bool fwd = false;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dslite_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (inst->dev) {
		rcu_read_lock();
		fwd = dslite_ipv4_forwarding(inst->dev);
		rcu_read_unlock();
	}
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u32(skb, DSLITE_A_INST_ID, inst->id) ||
	    (inst->has_aftr &&
	     nla_put_in6_addr(skb, DSLITE_A_INST_AFTR, &inst->aftr)) ||
	    dslite_put_cfg(skb, &inst->cfg) ||
	    dslite_put_sig(skb, inst) ||
	    (inst->dev && nla_put_u32(skb, DSLITE_A_INST_MTU,
				      READ_ONCE(inst->dev->mtu))) ||
	    (inst->dev && nla_put_u8(skb, DSLITE_A_INST_IPV4_FORWARDING, fwd))) {
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

static void dslite_event_send(struct dslite_instance *inst,
			      struct sk_buff *skb)
{
	int err = genlmsg_multicast_netns(&dslite_genl_family, inst->dn->net,
					  skb, 0, DSLITE_MCGRP_EVENTS_IDX,
					  GFP_ATOMIC);

	/* -ESRCH: the last listener left meanwhile; anything else is loss */
	if (err && err != -ESRCH)
		DSLITE_STAT_INC(inst, DSLITE_STAT_EVENTS_LOST);
}

/*
 * RFC 6888 REQ-12: log each port block a user gets or gives back (no
 * destination is ever logged). Any context.
 */
void dslite_genl_event_block(struct dslite_instance *inst,
			     const struct in6_addr *b4, __be32 addr,
			     u16 first, u16 last, bool alloc)
{
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&dslite_genl_family, inst->dn->net,
				DSLITE_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &dslite_genl_family, 0,
			  alloc ? DSLITE_CMD_EVENT_BLOCK_ALLOC :
				  DSLITE_CMD_EVENT_BLOCK_FREE);
	if (!hdr ||
	    nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u64_64bit(skb, DSLITE_A_EVENT_TIME,
			      ktime_get_real_seconds(), DSLITE_A_PAD) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, b4) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR, addr) ||
	    nla_put_u16(skb, DSLITE_A_BLOCK_FIRST, first) ||
	    nla_put_u16(skb, DSLITE_A_BLOCK_LAST, last)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	dslite_event_send(inst, skb);
	return;
lost:
	DSLITE_STAT_INC(inst, DSLITE_STAT_EVENTS_LOST);
}

/* A limit was hit (quota, no pool, table full): at most one a second. */
void dslite_genl_event_limit(struct dslite_instance *inst,
			     const struct in6_addr *b4, int reason)
{
	unsigned long next = READ_ONCE(inst->limit_event_next);
	struct sk_buff *skb;
	void *hdr;

	if (time_before(jiffies, next) ||
	    cmpxchg(&inst->limit_event_next, next, jiffies + HZ) != next)
		return;
	if (!genl_has_listeners(&dslite_genl_family, inst->dn->net,
				DSLITE_MCGRP_EVENTS_IDX))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	hdr = genlmsg_put(skb, 0, 0, &dslite_genl_family, 0,
			  DSLITE_CMD_EVENT_LIMIT);
	if (!hdr ||
	    nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u64_64bit(skb, DSLITE_A_EVENT_TIME,
			      ktime_get_real_seconds(), DSLITE_A_PAD) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, b4) ||
	    nla_put_u32(skb, DSLITE_A_EVENT_REASON, reason)) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	dslite_event_send(inst, skb);
	return;
lost:
	DSLITE_STAT_INC(inst, DSLITE_STAT_EVENTS_LOST);
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

/* Apply the NAT settings present in @attrs onto @c. */
static void dslite_cfg_from_attrs(struct dslite_cfg *c, struct nlattr **attrs)
{
	static const struct {
		int attr;
		size_t off;
	} u32s[] = {
		{ DSLITE_A_INST_BLOCK_SIZE, offsetof(struct dslite_cfg, block_size) },
		{ DSLITE_A_INST_PORT_LO, offsetof(struct dslite_cfg, port_lo) },
		{ DSLITE_A_INST_PORT_HI, offsetof(struct dslite_cfg, port_hi) },
		{ DSLITE_A_INST_MAX_BLOCKS, offsetof(struct dslite_cfg, max_blocks) },
		{ DSLITE_A_INST_MAX_SESS_USER,
		  offsetof(struct dslite_cfg, max_sess_user) },
		{ DSLITE_A_INST_MAX_SESS, offsetof(struct dslite_cfg, max_sess) },
		{ DSLITE_A_INST_HOLDDOWN, offsetof(struct dslite_cfg, holddown) },
		{ DSLITE_A_INST_MSS, offsetof(struct dslite_cfg, mss) },
		{ DSLITE_A_INST_TO_UDP, offsetof(struct dslite_cfg, to.udp) },
		{ DSLITE_A_INST_TO_TCP_EST, offsetof(struct dslite_cfg, to.tcp_est) },
		{ DSLITE_A_INST_TO_TCP_TRANS,
		  offsetof(struct dslite_cfg, to.tcp_trans) },
		{ DSLITE_A_INST_TO_ICMP, offsetof(struct dslite_cfg, to.icmp) },
		{ DSLITE_A_INST_TO_TCP_SYN, offsetof(struct dslite_cfg, to.tcp_syn) },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(u32s); i++)
		if (attrs[u32s[i].attr])
			*(u32 *)((u8 *)c + u32s[i].off) =
				nla_get_u32(attrs[u32s[i].attr]);
	if (attrs[DSLITE_A_INST_FILTERING])
		c->filtering = nla_get_u8(attrs[DSLITE_A_INST_FILTERING]);
}

static int dslite_set_mtu(struct dslite_instance *inst, u32 mtu,
			  struct netlink_ext_ack *extack)
{
	int err;

	rtnl_lock();
	err = dev_set_mtu(inst->dev, mtu);
	rtnl_unlock();
	if (err)
		NL_SET_ERR_MSG(extack, "the device refused this MTU");
	return err;
}

static bool dslite_cfg_shapes_blocks(struct nlattr **attrs)
{
	return attrs[DSLITE_A_INST_BLOCK_SIZE] || attrs[DSLITE_A_INST_PORT_LO] ||
	       attrs[DSLITE_A_INST_PORT_HI];
}

static int dslite_nl_instance_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dslite_instance *inst;
	struct dslite_sig *sig = NULL;
	struct dslite_cfg cfg;
	struct in6_addr aftr;
	const char *name;
	int bad, err;

	if (dslite_missing(info, DSLITE_A_INST_NAME) ||
	    dslite_missing(info, DSLITE_A_INST_ID))
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
	dslite_cfg_defaults(&cfg);
	dslite_cfg_from_attrs(&cfg, attrs);

	mutex_lock(&dn->lock);
	/* everything that can be refused is checked before anything exists */
	if (attrs[DSLITE_A_INST_SIG]) {
		err = dslite_sig_from_attr(dn, attrs[DSLITE_A_INST_SIG], &sig,
					   info->extack);
		if (err)
			goto out;
	}
	inst = dslite_instance_create(dn, name,
				      nla_get_u32(attrs[DSLITE_A_INST_ID]),
				      attrs[DSLITE_A_INST_AFTR] ? &aftr : NULL,
				      &cfg, info->extack);
	err = PTR_ERR_OR_ZERO(inst);
	if (err)
		goto out;
	/*
	 * The policy keeps the MTU within the device's bounds, so this
	 * fails only if a netdevice notifier vetoes it; then the instance
	 * goes again and the request changed nothing.
	 */
	if (attrs[DSLITE_A_INST_MTU]) {
		err = dslite_set_mtu(inst, nla_get_u32(attrs[DSLITE_A_INST_MTU]),
				     info->extack);
		if (err) {
			dslite_instance_destroy(inst);
			goto out;
		}
	}
	rcu_assign_pointer(inst->sig, sig);
	dslite_genl_notify_instance(inst, DSLITE_CMD_INSTANCE_NEW);
out:
	mutex_unlock(&dn->lock);
	return err;
}

static int dslite_nl_instance_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_instance *inst;
	struct dslite_sig *sig = NULL;
	struct dslite_cfg cfg;
	int err = 0;

	if (info->attrs[DSLITE_A_INST_AFTR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_INST_AFTR],
				    "the AFTR address cannot change; delete and re-add the instance");
		return -EOPNOTSUPP;
	}
	mutex_lock(&dn->lock);
	inst = dslite_instance_from_attrs(dn, info->attrs, info->extack);
	if (!inst) {
		err = -ENOENT;
		goto out;
	}
	if (dslite_cfg_shapes_blocks(info->attrs) && !list_empty(&inst->pools)) {
		NL_SET_ERR_MSG(info->extack,
			       "port-block-size and port-range cannot change while the instance has pools");
		err = -EBUSY;
		goto out;
	}
	cfg = inst->cfg;
	dslite_cfg_from_attrs(&cfg, info->attrs);
	err = dslite_cfg_check(&cfg, info->extack);
	if (err)
		goto out;
	if (info->attrs[DSLITE_A_INST_SIG]) {
		err = dslite_sig_from_attr(dn, info->attrs[DSLITE_A_INST_SIG],
					   &sig, info->extack);
		if (err)
			goto out;
	}
	/*
	 * Everything is checked: apply. The MTU goes first as the one step
	 * that could still fail (a notifier's veto), so a refusal changes
	 * nothing.
	 */
	if (info->attrs[DSLITE_A_INST_MTU]) {
		err = dslite_set_mtu(inst,
				     nla_get_u32(info->attrs[DSLITE_A_INST_MTU]),
				     info->extack);
		if (err)
			goto out;
	}
	if (info->attrs[DSLITE_A_INST_SIG])
		rcu_assign_pointer(inst->sig, sig);
	WRITE_ONCE(inst->cfg.mss, cfg.mss);
	/* readers use READ_ONCE on single fields; each store is atomic */
	WRITE_ONCE(inst->cfg.block_size, cfg.block_size);
	WRITE_ONCE(inst->cfg.port_lo, cfg.port_lo);
	WRITE_ONCE(inst->cfg.port_hi, cfg.port_hi);
	WRITE_ONCE(inst->cfg.max_blocks, cfg.max_blocks);
	WRITE_ONCE(inst->cfg.max_sess_user, cfg.max_sess_user);
	WRITE_ONCE(inst->cfg.max_sess, cfg.max_sess);
	WRITE_ONCE(inst->cfg.holddown, cfg.holddown);
	WRITE_ONCE(inst->cfg.filtering, cfg.filtering);
	WRITE_ONCE(inst->cfg.to.udp, cfg.to.udp);
	WRITE_ONCE(inst->cfg.to.tcp_est, cfg.to.tcp_est);
	WRITE_ONCE(inst->cfg.to.tcp_trans, cfg.to.tcp_trans);
	WRITE_ONCE(inst->cfg.to.icmp, cfg.to.icmp);
	WRITE_ONCE(inst->cfg.to.tcp_syn, cfg.to.tcp_syn);
out:
	mutex_unlock(&dn->lock);
	return err;
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

/* ---- pools ---------------------------------------------------------- */

static int dslite_nl_pool_change(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct genlmsghdr *gh = info->genlhdr;
	struct dslite_instance *inst;
	__be32 prefix;
	u32 sl_id;
	u8 plen;
	int err;

	if (dslite_missing(info, DSLITE_A_INST_NAME) ||
	    dslite_missing(info, DSLITE_A_POOL_ADDR) ||
	    dslite_missing(info, DSLITE_A_POOL_PLEN))
		return -EINVAL;
	prefix = nla_get_in_addr(info->attrs[DSLITE_A_POOL_ADDR]);
	plen = nla_get_u8(info->attrs[DSLITE_A_POOL_PLEN]);
	sl_id = info->attrs[DSLITE_A_POOL_SL] ?
		nla_get_u32(info->attrs[DSLITE_A_POOL_SL]) : 0;
	if (gh->cmd == DSLITE_CMD_POOL_NEW) {
		int bad = dslite_pool_check(ntohl(prefix), plen);

		if (bad) {
			dslite_extack(info->extack, info->attrs[DSLITE_A_POOL_ADDR],
				      dslite_pool_error(bad));
			return -EINVAL;
		}
	}

	mutex_lock(&dn->lock);
	inst = dslite_instance_from_attrs(dn, info->attrs, info->extack);
	if (!inst) {
		err = -ENOENT;
	} else if (gh->cmd == DSLITE_CMD_POOL_NEW && sl_id &&
		   !dslite_sl_by_id(dn, sl_id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_POOL_SL],
				    "no service-location with this id");
		err = -ENOENT;
	} else if (gh->cmd == DSLITE_CMD_POOL_NEW) {
		err = dslite_pool_add(inst, prefix, plen, sl_id, info->extack);
	} else {
		err = dslite_pool_del(inst, prefix, plen, info->extack);
	}
	mutex_unlock(&dn->lock);
	return err;
}

static int dslite_fill_pool(struct sk_buff *skb, struct dslite_instance *inst,
			    struct dslite_pool *p, u32 portid, u32 seq)
{
	u32 i, used = 0, nb;
	void *hdr;

	nb = dslite_blocks_per_addr(inst->cfg.port_lo, inst->cfg.port_hi,
				    inst->cfg.block_size);
	spin_lock_bh(&inst->pool_lock);
	for (i = 0; i < p->n_addrs; i++)
		used += p->addrs[i].used;
	spin_unlock_bh(&inst->pool_lock);

	hdr = genlmsg_put(skb, portid, seq, &dslite_genl_family, NLM_F_MULTI,
			  DSLITE_CMD_POOL_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_in_addr(skb, DSLITE_A_POOL_ADDR, p->prefix) ||
	    nla_put_u8(skb, DSLITE_A_POOL_PLEN, p->plen) ||
	    nla_put_u32(skb, DSLITE_A_POOL_BLOCKS, nb * p->n_addrs) ||
	    nla_put_u32(skb, DSLITE_A_POOL_BLOCKS_USED, used) ||
	    (p->sl_id && nla_put_u32(skb, DSLITE_A_POOL_SL, p->sl_id))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dslite_pool_cmp(const void *a, const void *b)
{
	u32 pa = ntohl((*(struct dslite_pool * const *)a)->prefix);
	u32 pb = ntohl((*(struct dslite_pool * const *)b)->prefix);

	return pa < pb ? -1 : pa > pb;
}

/*
 * Pools of one instance never overlap, so the prefix is a key: each
 * instance's pools go out in ascending prefix order and the dump resumes
 * after the last prefix sent, whatever was added or deleted meanwhile.
 * args[0]: the instance being dumped (or the next id); args[1]: 0, or 1 +
 * the last prefix (host order) sent of it.
 */
static int dslite_nl_pool_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct nlattr **attrs = dslite_dump_attrs(cb);
	const char *only = attrs[DSLITE_A_INST_NAME] ?
			   nla_data(attrs[DSLITE_A_INST_NAME]) : NULL;
	struct dslite_pool **v = NULL;
	struct dslite_instance *inst;
	unsigned long id;
	int err = 0;

	mutex_lock(&dn->lock);
	xa_for_each_start(&dn->instances, id, inst, cb->args[0]) {
		struct dslite_pool *p;
		u32 i, n = 0, cap = 0;

		if (only && strcmp(only, inst->name))
			continue;
		if (id != cb->args[0]) {
			cb->args[0] = id;
			cb->args[1] = 0;
		}
		list_for_each_entry(p, &inst->pools, list)
			cap++;
		kvfree(v);
		v = kvmalloc_array(max_t(u32, cap, 1), sizeof(*v), GFP_KERNEL);
		if (!v) {
			err = -ENOMEM;
			break;
		}
		list_for_each_entry(p, &inst->pools, list)
			if (!cb->args[1] || ntohl(p->prefix) >= cb->args[1])
				v[n++] = p;
		sort(v, n, sizeof(*v), dslite_pool_cmp, NULL);
		for (i = 0; i < n; i++) {
			err = dslite_fill_pool(skb, inst, v[i],
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq);
			if (err)
				goto out;
			cb->args[1] = (unsigned long)ntohl(v[i]->prefix) + 1;
		}
		cb->args[0] = id + 1;
		cb->args[1] = 0;
	}
out:
	mutex_unlock(&dn->lock);
	kvfree(v);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/* ---- sessions and users ---------------------------------------------- */

/*
 * Dumps of the session and user tables. A netlink dump is sent in rounds
 * (one skb each) and the tables change between them, in a way an
 * rhashtable walker does not survive: a resize restarts it (everything
 * again), and an entry removed or added in the bucket it stopped in
 * shifts its position (one skipped or sent twice).
 *
 * So the dump is in key order and resumes by key: a user's key is its B4
 * address, a session's is (B4, protocol, inside address and port, remote
 * address and port), laid out big-endian so that memcmp() orders them. A
 * refill walks the whole table once and keeps, sorted, the smallest
 * distinct keys above the last one consumed (at most a chunk); rounds
 * then send them one by one, each looked up again when it is sent, and
 * the next refill starts above the chunk's last key. An entry that exists
 * for the whole dump is seen by the refill whose range holds its key and
 * found when sent: it goes out exactly once, whatever else comes and goes
 * (entries created or deleted during the dump may or may not be in it).
 * Memory is bounded by the chunk, time by (table size / chunk) walks.
 */
#define DSLITE_DKEY_LEN		32
#define DSLITE_DUMP_CHUNK_MIN	256U
#define DSLITE_DUMP_CHUNK_MAX	65536U

struct dslite_dkey {
	u8 b[DSLITE_DKEY_LEN];
};

struct dslite_dump_ctx {
	bool users;		/* the user table, not the session table */
	/* filters */
	char name[DSLITE_INST_NAME_MAX + 1];
	bool has_b4;
	struct in6_addr b4;
	u8 proto;
	/* where the dump is */
	u32 inst_id;		/* the instance being dumped (or the next id) */
	bool in_inst;		/* inst_id is being dumped: what follows is its */
	bool has_last;
	struct dslite_dkey last;	/* the last key consumed */
	struct dslite_dkey *keys;	/* keys[pos..n) are still to send */
	u32 cap;		/* chunk size (the array holds twice as many) */
	u32 n, pos;
	bool more;		/* keys above keys[n - 1] may remain */
	/* a refusal .start could not say (6.1: no extack there), said by
	 * the first round, whose message reaches the NLMSG_DONE
	 */
	int err;
	const char *errmsg;
};

static int dslite_dkey_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DSLITE_DKEY_LEN);
}

/* Sort @n keys and drop duplicates (a resized walk sees some twice). */
static u32 dslite_dkeys_sort(struct dslite_dkey *k, u32 n)
{
	u32 i, j;

	if (!n)
		return 0;
	sort(k, n, sizeof(*k), dslite_dkey_cmp, NULL);
	for (i = 0, j = 1; j < n; j++)
		if (memcmp(&k[i], &k[j], sizeof(*k)))
			k[++i] = k[j];
	return i + 1;
}

/* The key of a live object that passes the filters; false otherwise. */
static bool dslite_dump_key(const struct dslite_dump_ctx *ctx, void *obj,
			    struct dslite_dkey *k)
{
	u8 *p = k->b;

	memset(k, 0, sizeof(*k));
	if (ctx->users) {
		struct dslite_user *u = obj;

		if (READ_ONCE(u->dead) ||
		    (ctx->has_b4 && !ipv6_addr_equal(&ctx->b4, &u->b4)))
			return false;
		memcpy(p, &u->b4, sizeof(u->b4));
	} else {
		struct dslite_session *s = obj;

		if (READ_ONCE(s->dead) ||
		    (ctx->has_b4 &&
		     !ipv6_addr_equal(&ctx->b4, &s->okey.user->b4)) ||
		    (ctx->proto && ctx->proto != s->okey.proto))
			return false;
		memcpy(p, &s->okey.user->b4, 16);
		p[16] = s->okey.proto;
		memcpy(p + 17, &s->okey.inner_addr, 4);
		memcpy(p + 21, &s->okey.inner_port, 2);
		memcpy(p + 23, &s->remote_addr, 4);
		memcpy(p + 27, &s->remote_port, 2);
	}
	return true;
}

/*
 * Refill the chunk: the smallest distinct keys above ctx->last, sorted.
 * The array holds two chunks; when it is full, it is sorted and cut back
 * to one, and from then on only keys below the cut can belong.
 */
static int dslite_dump_refill(struct dslite_dump_ctx *ctx,
			      struct dslite_instance *inst)
{
	u32 want = atomic_read(ctx->users ? &inst->n_users :
					    &inst->n_sessions);
	struct rhashtable_iter iter;
	struct dslite_dkey k, cut;
	bool has_cut = false;
	u32 n = 0;
	void *obj;

	want = clamp(want + 64, DSLITE_DUMP_CHUNK_MIN, DSLITE_DUMP_CHUNK_MAX);
	if (want > ctx->cap) {
		kvfree(ctx->keys);
		ctx->cap = 0;
		ctx->keys = kvmalloc_array(2 * want, sizeof(*ctx->keys),
					   GFP_KERNEL);
		if (!ctx->keys)
			return -ENOMEM;
		ctx->cap = want;
	}
	rhashtable_walk_enter(ctx->users ? &inst->users : &inst->sess_out.ht,
			      &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;	/* resized: keep walking */
			break;
		}
		if (!dslite_dump_key(ctx, obj, &k))
			continue;
		if (ctx->has_last && memcmp(&k, &ctx->last, sizeof(k)) <= 0)
			continue;
		if (has_cut && memcmp(&k, &cut, sizeof(k)) >= 0)
			continue;
		ctx->keys[n++] = k;
		if (n == 2 * ctx->cap) {
			n = dslite_dkeys_sort(ctx->keys, n);
			if (n > ctx->cap) {
				n = ctx->cap;
				cut = ctx->keys[n - 1];
				has_cut = true;
			}
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	n = dslite_dkeys_sort(ctx->keys, n);
	ctx->more = has_cut || n > ctx->cap;
	ctx->n = min(n, ctx->cap);
	ctx->pos = 0;
	return 0;
}

static int dslite_fill_session(struct sk_buff *skb, struct netlink_callback *cb,
			       struct dslite_instance *inst,
			       struct dslite_session *s)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dslite_genl_family, NLM_F_MULTI,
			  DSLITE_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, &s->okey.user->b4) ||
	    nla_put_u8(skb, DSLITE_A_SESS_PROTO, s->okey.proto) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_INNER_ADDR, s->okey.inner_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_INNER_PORT, ntohs(s->okey.inner_port)) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR, s->ikey.pub_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_PUBLIC_PORT, ntohs(s->ikey.pub_port)) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_REMOTE_ADDR, s->remote_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_REMOTE_PORT, ntohs(s->remote_port)) ||
	    nla_put_u8(skb, DSLITE_A_SESS_STATE, READ_ONCE(s->state)) ||
	    nla_put_u32(skb, DSLITE_A_SESS_EXPIRES, dslite_sess_expires(inst, s))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dslite_fill_user(struct sk_buff *skb, struct netlink_callback *cb,
			    struct dslite_instance *inst, struct dslite_user *u)
{
	struct nlattr *nest;
	void *hdr;
	int i;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dslite_genl_family, NLM_F_MULTI, DSLITE_CMD_USER_GET);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock_bh(&u->lock);
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, &u->b4) ||
	    nla_put_u32(skb, DSLITE_A_USER_SESSIONS, u->n_sessions) ||
	    (u->pa && nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR,
				      u->pa->addr)))
		goto nospace;
	for (i = 0; i < u->n_blocks; i++) {
		u32 first = inst->cfg.port_lo + u->blocks[i].idx *
			    inst->cfg.block_size;

		nest = nla_nest_start(skb, DSLITE_A_USER_BLOCK);
		if (!nest ||
		    nla_put_u16(skb, DSLITE_A_BLOCK_FIRST, first) ||
		    nla_put_u16(skb, DSLITE_A_BLOCK_LAST,
				first + inst->cfg.block_size - 1) ||
		    nla_put_u32(skb, DSLITE_A_USER_SESSIONS,
				u->blocks[i].sessions))
			goto nospace;
		nla_nest_end(skb, nest);
	}
	spin_unlock_bh(&u->lock);
	genlmsg_end(skb, hdr);
	return 0;

nospace:
	spin_unlock_bh(&u->lock);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int dslite_dump_start(struct netlink_callback *cb, bool users)
{
	struct nlattr **attrs = dslite_dump_attrs(cb);
	struct dslite_dump_ctx *ctx;
	int bad = 0;

	if (attrs[DSLITE_A_INST_NAME])
		bad = dslite_name_check(nla_data(attrs[DSLITE_A_INST_NAME]),
					DSLITE_INST_NAME_MAX);
	if (bad && cb->extack) {
		dslite_extack(cb->extack, attrs[DSLITE_A_INST_NAME],
			      dslite_name_error(bad));
		return -EINVAL;
	}
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	if (bad) {
		ctx->err = -EINVAL;
		ctx->errmsg = dslite_name_error(bad);
	}
	ctx->users = users;
	if (attrs[DSLITE_A_INST_NAME])
		nla_strscpy(ctx->name, attrs[DSLITE_A_INST_NAME],
			    sizeof(ctx->name));
	if (attrs[DSLITE_A_SESS_B4]) {
		ctx->b4 = nla_get_in6_addr(attrs[DSLITE_A_SESS_B4]);
		ctx->has_b4 = true;
	}
	if (attrs[DSLITE_A_SESS_PROTO])
		ctx->proto = nla_get_u8(attrs[DSLITE_A_SESS_PROTO]);
	cb->args[0] = (long)ctx;
	return 0;
}

static int dslite_nl_session_start(struct netlink_callback *cb)
{
	return dslite_dump_start(cb, false);
}

static int dslite_nl_user_start(struct netlink_callback *cb)
{
	return dslite_dump_start(cb, true);
}

static int dslite_nl_walk_done(struct netlink_callback *cb)
{
	struct dslite_dump_ctx *ctx = (void *)cb->args[0];

	if (!ctx)
		return 0;
	kvfree(ctx->keys);
	kfree(ctx);
	return 0;
}

/* Send the entry of key @k if it still exists (RCU held). */
static int dslite_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			   struct dslite_dump_ctx *ctx,
			   struct dslite_instance *inst,
			   const struct dslite_dkey *k)
{
	struct dslite_okey ok = { };
	struct dslite_session *s, *any;
	struct dslite_user *u;
	struct in6_addr b4;
	__be32 raddr;
	__be16 rport;

	memcpy(&b4, k->b, sizeof(b4));
	u = dslite_user_get(inst, &b4, false, 0);
	if (!u || READ_ONCE(u->dead))
		return 0;
	if (ctx->users)
		return dslite_fill_user(skb, cb, inst, u);
	ok.user = u;
	ok.proto = k->b[16];
	memcpy(&ok.inner_addr, k->b + 17, 4);
	memcpy(&ok.inner_port, k->b + 21, 2);
	memcpy(&raddr, k->b + 23, 4);
	memcpy(&rport, k->b + 27, 2);
	s = dslite_out_find(inst, &ok, raddr, rport, &any);
	return s ? dslite_fill_session(skb, cb, inst, s) : 0;
}

/*
 * Instances in id order (a vanished one is simply passed), and within one
 * its table in key order (see above). No pointer is kept between rounds:
 * only the instance id and the last key, so nothing needs holding.
 * NLM_F_DUMP_INTR is never set: the dump is correct without it.
 */
static int dslite_nl_walk(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct dslite_dump_ctx *ctx = (void *)cb->args[0];
	struct dslite_instance *inst;
	unsigned long id;
	int err = 0;

	if (ctx->err) {
		dslite_extack(cb->extack, NULL, ctx->errmsg);
		return ctx->err;
	}

	mutex_lock(&dn->lock);
	xa_for_each_start(&dn->instances, id, inst, ctx->inst_id) {
		if (ctx->name[0] && strcmp(ctx->name, inst->name))
			continue;
		if (!ctx->in_inst || id != ctx->inst_id) {
			/* a new instance: from its first key */
			ctx->inst_id = id;
			ctx->in_inst = true;
			ctx->has_last = false;
			ctx->n = 0;
			ctx->pos = 0;
			ctx->more = true;
		}
		for (;;) {
			if (ctx->pos == ctx->n) {
				if (!ctx->more)
					break;
				err = dslite_dump_refill(ctx, inst);
				if (err)
					goto out;
				if (!ctx->n)
					break;
			}
			rcu_read_lock();
			err = dslite_dump_one(skb, cb, ctx, inst,
					      &ctx->keys[ctx->pos]);
			rcu_read_unlock();
			if (err)
				goto out;
			ctx->last = ctx->keys[ctx->pos++];
			ctx->has_last = true;
		}
		ctx->in_inst = false;
		ctx->inst_id = id + 1;
	}
out:
	mutex_unlock(&dn->lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

static int dslite_nl_session_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dslite_instance *inst;
	struct in6_addr b4;
	unsigned long id;
	u8 proto = 0;
	bool found = false;

	if (attrs[DSLITE_A_SESS_B4])
		b4 = nla_get_in6_addr(attrs[DSLITE_A_SESS_B4]);
	if (attrs[DSLITE_A_SESS_PROTO])
		proto = nla_get_u8(attrs[DSLITE_A_SESS_PROTO]);
	mutex_lock(&dn->lock);
	xa_for_each(&dn->instances, id, inst) {
		if (attrs[DSLITE_A_INST_NAME] &&
		    nla_strcmp(attrs[DSLITE_A_INST_NAME], inst->name))
			continue;
		found = true;
		dslite_sess_flush(inst, attrs[DSLITE_A_SESS_B4] ? &b4 : NULL,
				  proto);
	}
	mutex_unlock(&dn->lock);
	if (attrs[DSLITE_A_INST_NAME] && !found) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DSLITE_A_INST_NAME],
				    "no instance with this name");
		return -ENOENT;
	}
	return 0;
}

/* ---- statistics ------------------------------------------------------ */

static int dslite_fill_stats(struct sk_buff *skb, struct dslite_instance *inst,
			     u32 portid, u32 seq, int flags)
{
	u64 v[__DSLITE_STAT_MAX];
	struct nlattr *nest;
	void *hdr;
	int i;

	dslite_stats_sum(inst, v);
	hdr = genlmsg_put(skb, portid, seq, &dslite_genl_family, flags,
			  DSLITE_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name))
		goto nospace;
	nest = nla_nest_start(skb, DSLITE_A_STATS);
	if (!nest)
		goto nospace;
	for (i = 1; i < __DSLITE_STAT_MAX; i++)
		if (nla_put_u64_64bit(skb, i, v[i], DSLITE_STAT_UNSPEC))
			goto nospace;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;

nospace:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int dslite_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
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
	err = inst ? dslite_fill_stats(msg, inst, info->snd_portid,
				       info->snd_seq, 0) : -ENOENT;
	mutex_unlock(&dn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int dslite_nl_stats_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct dslite_instance *inst;
	unsigned long id;
	int err = 0;

	mutex_lock(&dn->lock);
	xa_for_each_start(&dn->instances, id, inst, cb->args[0]) {
		err = dslite_fill_stats(skb, inst, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&dn->lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

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
		.doit = dslite_nl_instance_del,
	},
	{
		/* instances reveal no subscriber: readable like ip link */
		.cmd = DSLITE_CMD_INSTANCE_GET,
		.policy = dslite_nl_instance_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_get_policy) - 1,
		.doit = dslite_nl_instance_get,
		.dumpit = dslite_nl_instance_dump,
	},
	{
		.cmd = DSLITE_CMD_INSTANCE_SET,
		.policy = dslite_nl_instance_set_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_instance_set_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_instance_set,
	},
	{
		.cmd = DSLITE_CMD_POOL_NEW,
		.policy = dslite_nl_pool_new_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_pool_new_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_pool_change,
	},
	{
		.cmd = DSLITE_CMD_POOL_DEL,
		.policy = dslite_nl_pool_del_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_pool_del_policy) - 1,
		.flags = GENL_ADMIN_PERM,
		.doit = dslite_nl_pool_change,
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
		.cmd = DSLITE_CMD_STATS_GET,
		.policy = dslite_nl_stats_get_policy,
		.maxattr = ARRAY_SIZE(dslite_nl_stats_get_policy) - 1,
		.doit = dslite_nl_stats_get,
		.dumpit = dslite_nl_stats_dump,
	},
	/* hot backup (ha.c) */
	{ .cmd = DSLITE_CMD_HA_SET, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_ha_set_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_ha_set_policy) - 1,
	  .doit = dslite_nl_ha_set },
	{ .cmd = DSLITE_CMD_HA_GET, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_ha_get_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_ha_get_policy) - 1,
	  .doit = dslite_nl_ha_get },
	{ .cmd = DSLITE_CMD_SL_NEW, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sl_new_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sl_new_policy) - 1,
	  .doit = dslite_nl_sl_new },
	{ .cmd = DSLITE_CMD_SL_DEL, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sl_del_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sl_del_policy) - 1,
	  .doit = dslite_nl_sl_del },
	{ .cmd = DSLITE_CMD_SL_SET, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sl_set_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sl_set_policy) - 1,
	  .doit = dslite_nl_sl_set },
	{ .cmd = DSLITE_CMD_SL_GET, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sl_get_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sl_get_policy) - 1,
	  .doit = dslite_nl_sl_get, .dumpit = dslite_nl_sl_dump },
	{ .cmd = DSLITE_CMD_SIG_NEW, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sig_new_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sig_new_policy) - 1,
	  .doit = dslite_nl_sig_new },
	{ .cmd = DSLITE_CMD_SIG_DEL, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sig_del_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sig_del_policy) - 1,
	  .doit = dslite_nl_sig_del },
	{ .cmd = DSLITE_CMD_SIG_GET, .flags = GENL_ADMIN_PERM,
	  .policy = dslite_nl_sig_get_policy,
	  .maxattr = ARRAY_SIZE(dslite_nl_sig_get_policy) - 1,
	  .dumpit = dslite_nl_sig_dump },
};

static struct genl_family dslite_genl_family __ro_after_init = {
	.name = DSLITE_GENL_NAME,
	.version = DSLITE_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = false,
	.module = THIS_MODULE,
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
