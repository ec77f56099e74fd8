// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: per network namespace state.
 *
 * Every table of the module hangs off struct dslite_net, so two AFTRs (and
 * their B4s and servers) can live in namespaces of one kernel. The state is
 * created with the namespace and torn down with it, and for every namespace
 * when the module is unloaded.
 */
#include <linux/module.h>
#include <net/netns/generic.h>

#include "dslite.h"

static unsigned int dslite_net_id __read_mostly;

struct dslite_net *dslite_net(const struct net *net)
{
	return net_generic(net, dslite_net_id);
}

static int __net_init dslite_net_init(struct net *net)
{
	struct dslite_net *dn = dslite_net(net);

	dn->net = net;
	mutex_init(&dn->lock);
	xa_init(&dn->instances);
	dn->n_instances = 0;
	xa_init(&dn->sls);
	INIT_LIST_HEAD(&dn->sync_socks);
	xa_init(&dn->sigs);
	return 0;
}

static void __net_exit dslite_net_exit(struct net *net)
{
	struct dslite_net *dn = dslite_net(net);

	dslite_instance_destroy_all(dn);
	WARN_ON_ONCE(!xa_empty(&dn->instances));
	xa_destroy(&dn->instances);
	dslite_ha_free_all(dn);
	xa_destroy(&dn->sls);
	xa_destroy(&dn->sigs);
	dslite_aftr_free(dn);
	mutex_destroy(&dn->lock);
}

static struct pernet_operations dslite_net_ops = {
	.init = dslite_net_init,
	.exit = dslite_net_exit,
	.id = &dslite_net_id,
	.size = sizeof(struct dslite_net),
};

int dslite_netns_init(void)
{
	/*
	 * As a device: our exit runs before the core unregisters the
	 * namespace's devices, so each instance takes down its own.
	 */
	return register_pernet_device(&dslite_net_ops);
}

void dslite_netns_exit(void)
{
	unregister_pernet_device(&dslite_net_ops);
}
