// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: netlink for instances: create, change, delete, show, and the
 * instance events. Handlers run between pre_doit and post_doit with
 * dn->lock held and the named instance resolved (nl.h).
 */
#include <linux/rtnetlink.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "dslite.h"
#include "nl.h"

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

static int dslite_fill_instance(struct sk_buff *skb,
				const struct dslite_instance *inst,
				u32 portid, u32 seq, int flags, u8 cmd)
{
	u32 buckets, buckets_max;
	bool fwd = false;
	void *hdr;

	hdr = dslite_nl_put(skb, portid, seq, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (inst->dev) {
		rcu_read_lock();
		fwd = dslite_ipv4_forwarding(inst->dev);
		rcu_read_unlock();
	}
	dslite_tables_buckets(inst, &buckets, &buckets_max);
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u32(skb, DSLITE_A_INST_ID, inst->id) ||
	    (inst->has_aftr &&
	     nla_put_in6_addr(skb, DSLITE_A_INST_AFTR, &inst->aftr)) ||
	    dslite_put_cfg(skb, &inst->cfg) ||
	    dslite_put_sig(skb, inst) ||
	    (inst->dev && nla_put_u32(skb, DSLITE_A_INST_MTU,
				      READ_ONCE(inst->dev->mtu))) ||
	    (inst->dev && nla_put_u8(skb, DSLITE_A_INST_IPV4_FORWARDING, fwd)) ||
	    nla_put_u32(skb, DSLITE_A_INST_SESS_BUCKETS, buckets) ||
	    nla_put_u32(skb, DSLITE_A_INST_SESS_BUCKETS_MAX, buckets_max)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dslite_fill_instance_get(struct sk_buff *skb, void *inst,
				    u32 portid, u32 seq, int flags)
{
	return dslite_fill_instance(skb, inst, portid, seq, flags,
				    DSLITE_CMD_INSTANCE_GET);
}

void dslite_genl_notify_instance(struct dslite_instance *inst, u8 cmd)
{
	struct net *net = inst->dn->net;
	struct sk_buff *skb;

	if (!dslite_nl_has_listeners(net))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dslite_fill_instance(skb, inst, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		return;
	}
	dslite_nl_multicast(net, skb, GFP_KERNEL);
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

int dslite_nl_instance_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_nl_dn(info);
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

	/* everything that can be refused is checked before anything exists */
	if (attrs[DSLITE_A_INST_SIG]) {
		err = dslite_sig_from_attr(dn, attrs[DSLITE_A_INST_SIG], &sig,
					   info->extack);
		if (err)
			return err;
	}
	inst = dslite_instance_create(dn, name,
				      nla_get_u32(attrs[DSLITE_A_INST_ID]),
				      attrs[DSLITE_A_INST_AFTR] ? &aftr : NULL,
				      &cfg, info->extack);
	err = PTR_ERR_OR_ZERO(inst);
	if (err)
		return err;
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
			return err;
		}
	}
	dslite_instance_set_sig(inst, sig);
	dslite_genl_notify_instance(inst, DSLITE_CMD_INSTANCE_NEW);
	return 0;
}

int dslite_nl_instance_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_instance *inst = dslite_nl_inst(info);
	struct dslite_sig *sig = NULL;
	struct dslite_cfg cfg;
	int err;

	if (info->attrs[DSLITE_A_INST_AFTR]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_INST_AFTR],
				    "the AFTR address cannot change; delete and re-add the instance");
		return -EOPNOTSUPP;
	}
	if (dslite_cfg_shapes_blocks(info->attrs) && !list_empty(&inst->pools)) {
		NL_SET_ERR_MSG(info->extack,
			       "port-block-size and port-range cannot change while the instance has pools");
		return -EBUSY;
	}
	cfg = inst->cfg;
	dslite_cfg_from_attrs(&cfg, info->attrs);
	err = dslite_cfg_check(&cfg, info->extack);
	if (err)
		return err;
	if (info->attrs[DSLITE_A_INST_SIG]) {
		err = dslite_sig_from_attr(inst->dn,
					   info->attrs[DSLITE_A_INST_SIG],
					   &sig, info->extack);
		if (err)
			return err;
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
			return err;
	}
	if (info->attrs[DSLITE_A_INST_SIG])
		dslite_instance_set_sig(inst, sig);
	WRITE_ONCE(inst->cfg.mss, cfg.mss);
	/* readers use READ_ONCE on single fields; each store is atomic */
	WRITE_ONCE(inst->cfg.block_size, cfg.block_size);
	WRITE_ONCE(inst->cfg.port_lo, cfg.port_lo);
	WRITE_ONCE(inst->cfg.port_hi, cfg.port_hi);
	WRITE_ONCE(inst->cfg.max_blocks, cfg.max_blocks);
	WRITE_ONCE(inst->cfg.max_sess_user, cfg.max_sess_user);
	WRITE_ONCE(inst->cfg.max_sess, cfg.max_sess);
	dslite_tables_set_cap(inst, cfg.max_sess);
	WRITE_ONCE(inst->cfg.holddown, cfg.holddown);
	WRITE_ONCE(inst->cfg.filtering, cfg.filtering);
	WRITE_ONCE(inst->cfg.to.udp, cfg.to.udp);
	WRITE_ONCE(inst->cfg.to.tcp_est, cfg.to.tcp_est);
	WRITE_ONCE(inst->cfg.to.tcp_trans, cfg.to.tcp_trans);
	WRITE_ONCE(inst->cfg.to.icmp, cfg.to.icmp);
	WRITE_ONCE(inst->cfg.to.tcp_syn, cfg.to.tcp_syn);
	return 0;
}

int dslite_nl_instance_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_instance *inst = dslite_nl_inst(info);

	dslite_genl_notify_instance(inst, DSLITE_CMD_INSTANCE_DEL);
	dslite_instance_destroy(inst);
	return 0;
}

int dslite_nl_instance_get(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_nl_reply(info, NLMSG_GOODSIZE, dslite_fill_instance_get,
			       dslite_nl_inst(info));
}

static int dslite_instance_dump_one(struct sk_buff *skb,
				    struct netlink_callback *cb, void *inst)
{
	return dslite_fill_instance_get(skb, inst, NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

/* in ascending id order, resumed by id (dslite_nl_dumpit) */
int dslite_nl_instance_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_INSTANCES,
				dslite_instance_dump_one);
}
