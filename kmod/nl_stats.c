// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: netlink for an instance's counters (enum dslite_stat): one
 * instance, or all of them as a dump. Readable without CAP_NET_ADMIN,
 * like ip -s link: they count packets and drops, never name a subscriber.
 */
#include <net/genetlink.h>

#include "dslite.h"
#include "nl.h"

static int dslite_fill_stats(struct sk_buff *skb, void *obj, u32 portid,
			     u32 seq, int flags)
{
	struct dslite_instance *inst = obj;
	u64 v[__DSLITE_STAT_MAX];
	void *hdr;

	dslite_stats_sum(inst, v);
	hdr = dslite_nl_put(skb, portid, seq, flags, DSLITE_CMD_STATS_GET);
	if (!hdr)
		return -EMSGSIZE;
	/* the nest has no padding attribute: UNSPEC (0) pads */
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    dslite_nl_put_counters(skb, DSLITE_A_STATS, v, __DSLITE_STAT_MAX,
				   DSLITE_STAT_UNSPEC)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int dslite_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_nl_reply(info, NLMSG_GOODSIZE, dslite_fill_stats,
			       dslite_nl_inst(info));
}

static int dslite_stats_dump_one(struct sk_buff *skb,
				 struct netlink_callback *cb, void *inst)
{
	return dslite_fill_stats(skb, inst, NETLINK_CB(cb->skb).portid,
				 cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

int dslite_nl_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_INSTANCES,
				dslite_stats_dump_one);
}
