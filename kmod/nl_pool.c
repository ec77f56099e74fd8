// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: netlink for pools: add, delete, show an instance's public
 * prefixes. Handlers run with dn->lock held and the instance resolved
 * (nl.h).
 */
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dslite.h"
#include "nl.h"

/*
 * The prefix a request names, refused when it is missing (the instance
 * is pre_doit's: the pool policies take it by name only).
 */
static int dslite_nl_pool_attrs(struct genl_info *info, __be32 *prefix,
				u8 *plen)
{
	if (dslite_missing(info, DSLITE_A_POOL_ADDR) ||
	    dslite_missing(info, DSLITE_A_POOL_PLEN))
		return -EINVAL;
	*prefix = nla_get_in_addr(info->attrs[DSLITE_A_POOL_ADDR]);
	*plen = nla_get_u8(info->attrs[DSLITE_A_POOL_PLEN]);
	return 0;
}

int dslite_nl_pool_new(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *sl_attr = info->attrs[DSLITE_A_POOL_SL];
	struct dslite_instance *inst = dslite_nl_inst(info);
	u32 sl_id = sl_attr ? nla_get_u32(sl_attr) : 0;
	__be32 prefix;
	int bad, err;
	u8 plen;

	err = dslite_nl_pool_attrs(info, &prefix, &plen);
	if (err)
		return err;
	bad = dslite_pool_check(ntohl(prefix), plen);
	if (bad) {
		dslite_extack(info->extack, info->attrs[DSLITE_A_POOL_ADDR],
			      dslite_pool_error(bad));
		return -EINVAL;
	}
	if (sl_id && !dslite_sl_by_id(inst->dn, sl_id)) {
		NL_SET_ERR_MSG_ATTR(info->extack, sl_attr,
				    "no service-location with this id");
		return -ENOENT;
	}
	return dslite_pool_add(inst, prefix, plen, sl_id, info->extack);
}

int dslite_nl_pool_del(struct sk_buff *skb, struct genl_info *info)
{
	__be32 prefix;
	int err;
	u8 plen;

	err = dslite_nl_pool_attrs(info, &prefix, &plen);
	if (err)
		return err;
	return dslite_pool_del(dslite_nl_inst(info), prefix, plen, info->extack);
}

static int dslite_fill_pool(struct sk_buff *skb, struct netlink_callback *cb,
			    struct dslite_instance *inst, struct dslite_pool *p)
{
	u32 i, used = 0, nb;
	void *hdr;

	nb = dslite_blocks_per_addr(inst->cfg.port_lo, inst->cfg.port_hi,
				    inst->cfg.block_size);
	spin_lock_bh(&inst->pool_lock);
	for (i = 0; i < p->n_addrs; i++)
		used += p->addrs[i].used;
	spin_unlock_bh(&inst->pool_lock);

	hdr = dslite_nl_put_dump(skb, cb, DSLITE_CMD_POOL_GET);
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
 * cb->args[1] (the iterator's cursor): 0, or 1 + the last prefix (host
 * order) sent of this instance.
 */
static int dslite_pool_dump_one(struct sk_buff *skb,
				struct netlink_callback *cb, void *obj)
{
	struct nlattr **attrs = dslite_dump_attrs(cb);
	struct dslite_instance *inst = obj;
	struct dslite_pool **v, *p;
	u32 i, n = 0, cap = 0;
	int err = 0;

	if (attrs[DSLITE_A_INST_NAME] &&
	    nla_strcmp(attrs[DSLITE_A_INST_NAME], inst->name))
		return 0;
	list_for_each_entry(p, &inst->pools, list)
		cap++;
	v = kvmalloc_array(max_t(u32, cap, 1), sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	list_for_each_entry(p, &inst->pools, list)
		if (!cb->args[1] || ntohl(p->prefix) >= cb->args[1])
			v[n++] = p;
	sort(v, n, sizeof(*v), dslite_pool_cmp, NULL);
	for (i = 0; i < n; i++) {
		err = dslite_fill_pool(skb, cb, inst, v[i]);
		if (err)
			break;
		cb->args[1] = (unsigned long)ntohl(v[i]->prefix) + 1;
	}
	kvfree(v);
	return err;
}

int dslite_nl_pool_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nlattr *name = dslite_dump_attrs(cb)[DSLITE_A_INST_NAME];
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	bool found;

	/* a named instance that does not exist is a refusal, as in a doit */
	if (name && !cb->args[3]) {
		cb->args[3] = 1;
		mutex_lock(&dn->lock);
		found = dslite_instance_by_name(dn, nla_data(name));
		mutex_unlock(&dn->lock);
		if (!found) {
			dslite_extack(cb->extack, NULL,
				      "no instance with this name");
			return -ENOENT;
		}
	}
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_INSTANCES,
				dslite_pool_dump_one);
}
