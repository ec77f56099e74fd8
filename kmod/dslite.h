/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: internal declarations shared by the module's files.
 */
#ifndef _DSLITE_H
#define _DSLITE_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include <linux/netlink.h>
#include <net/net_namespace.h>
#include <uapi/linux/dslite.h>

/* Per network namespace state (netns.c). */
struct dslite_net {
	struct net *net;
	/* Serialises every change of this namespace's configuration. */
	struct mutex lock;
	/* Instances by id; readers use RCU, writers hold @lock. */
	struct xarray instances;
	unsigned int n_instances;
};

#define DSLITE_MAX_INSTANCES	1024

/* live objects, checked at unload so a leak is never silent */
extern atomic_t dslite_live_instances;

struct dslite_instance {
	struct rcu_head rcu;
	struct dslite_net *dn;
	u32 id;
	bool has_aftr;
	char name[DSLITE_INST_NAME_MAX + 1];
	struct in6_addr aftr;
};

/* netns.c */
struct dslite_net *dslite_net(const struct net *net);
int dslite_netns_init(void);
void dslite_netns_exit(void);

/* instance.c */
int dslite_instance_cache_init(void);
void dslite_instance_cache_exit(void);
struct dslite_instance *dslite_instance_create(struct dslite_net *dn,
					       const char *name, u32 id,
					       const struct in6_addr *aftr,
					       struct netlink_ext_ack *extack);
void dslite_instance_destroy(struct dslite_instance *inst);
void dslite_instance_destroy_all(struct dslite_net *dn);
struct dslite_instance *dslite_instance_by_name(struct dslite_net *dn,
						const char *name);
struct dslite_instance *dslite_instance_by_id(struct dslite_net *dn, u32 id);

#include "validate.h"

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

/* netlink.c */
int dslite_genl_init(void);
void dslite_genl_exit(void);
void dslite_genl_notify_instance(struct dslite_instance *inst, u8 cmd);

#endif /* _DSLITE_H */
