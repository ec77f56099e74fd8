/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: every kernel-version difference in one place. Supported: the
 * Debian 6.1 and 6.12 kernels (and anything between).
 */
#ifndef _DSLITE_COMPAT_H
#define _DSLITE_COMPAT_H

#include <linux/netdevice.h>
#include <net/genetlink.h>

/*
 * Features are detected from the headers by Kbuild (DSLITE_HAVE_*), not
 * guessed from the version: distribution kernels backport.
 *
 * Dump attributes: 6.2 moved the parsed attributes of a dump request into
 * a struct genl_info embedded in struct genl_dumpit_info.
 */
static inline struct nlattr **dslite_dump_attrs(struct netlink_callback *cb)
{
#ifdef DSLITE_HAVE_DUMPIT_INFO_INFO
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * pre_doit/post_doit: 6.2 split each op into a do and a dump half
 * (struct genl_split_ops), and the hooks take that.
 */
#ifdef DSLITE_HAVE_GENL_SPLIT_OPS
#define dslite_genl_op genl_split_ops
#else
#define dslite_genl_op genl_ops
#endif

/*
 * Listening to the events group needs CAP_NET_ADMIN. The flag exists from
 * 6.6 and was backported to Debian's 6.1; without it the group is open.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define DSLITE_MCGRP_FLAGS	GENL_MCAST_CAP_NET_ADMIN
#else
#define DSLITE_MCGRP_FLAGS	0
#endif

/*
 * NETIF_F_LLTX became dev->lltx and NETIF_F_NETNS_LOCAL became
 * dev->netns_local, later renamed netns_immutable (Debian's 6.12 has the
 * latter).
 */
static inline void dslite_dev_set_local_lltx(struct net_device *dev)
{
#ifdef DSLITE_HAVE_DEV_NETNS_IMMUTABLE
	dev->netns_immutable = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
#ifdef DSLITE_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/*
 * Is a tc or netfilter egress hook attached to @dev? 6.6 moved tc's
 * egress (clsact) from dev->miniq_egress to dev->tcx_egress (tcx).
 */
static inline bool dslite_dev_egress_hooked(const struct net_device *dev)
{
#if defined(DSLITE_HAVE_TCX) && IS_ENABLED(CONFIG_NET_XGRESS)
	if (rcu_access_pointer(dev->tcx_egress))
		return true;
#elif !defined(DSLITE_HAVE_TCX) && IS_ENABLED(CONFIG_NET_CLS_ACT)
	if (rcu_access_pointer(dev->miniq_egress))
		return true;
#endif
#if IS_ENABLED(CONFIG_NETFILTER_EGRESS)
	if (rcu_access_pointer(dev->nf_hooks_egress))
		return true;
#endif
	return false;
}

#endif /* _DSLITE_COMPAT_H */
