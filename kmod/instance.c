// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the instance table of a network namespace.
 *
 * Locking rules:
 *  - dn->instances (an xarray indexed by instance id) is changed only with
 *    dn->lock held; every function here that changes it asserts that.
 *  - Readers walk it under rcu_read_lock() (or hold dn->lock). An instance
 *    is unpublished from the xarray first and freed after a grace period
 *    (kfree_rcu), so an RCU reader never sees freed memory.
 *  - Fields of an instance are immutable once it is published.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/lockdep.h>
#include <net/netlink.h>
#include <net/ipv6.h>

#include "dslite.h"

static struct kmem_cache *dslite_instance_cache __read_mostly;
atomic_t dslite_live_instances = ATOMIC_INIT(0);

int dslite_instance_cache_init(void)
{
	dslite_instance_cache = KMEM_CACHE(dslite_instance, 0);
	return dslite_instance_cache ? 0 : -ENOMEM;
}

void dslite_instance_cache_exit(void)
{
	/* wait for the call_rcu() frees of the last instances */
	rcu_barrier();
	WARN(atomic_read(&dslite_live_instances),
	     "dslite: leak: %d instances still allocated at unload\n",
	     atomic_read(&dslite_live_instances));
	kmem_cache_destroy(dslite_instance_cache);
}

struct dslite_instance *dslite_instance_by_id(struct dslite_net *dn, u32 id)
{
	return xa_load(&dn->instances, id);
}

/* Caller holds dn->lock or rcu_read_lock(). */
struct dslite_instance *dslite_instance_by_name(struct dslite_net *dn,
						const char *name)
{
	struct dslite_instance *inst;
	unsigned long id;

	xa_for_each(&dn->instances, id, inst)
		if (!strcmp(inst->name, name))
			return inst;
	return NULL;
}

static struct dslite_instance *
dslite_instance_by_aftr(struct dslite_net *dn, const struct in6_addr *aftr)
{
	struct dslite_instance *inst;
	unsigned long id;

	xa_for_each(&dn->instances, id, inst)
		if (inst->has_aftr && ipv6_addr_equal(&inst->aftr, aftr))
			return inst;
	return NULL;
}

/*
 * Create and publish an instance. Values are checked here (not only by the
 * netlink policy) so the table can never hold an invalid one.
 */
struct dslite_instance *dslite_instance_create(struct dslite_net *dn,
					       const char *name, u32 id,
					       const struct in6_addr *aftr,
					       struct netlink_ext_ack *extack)
{
	struct dslite_instance *inst;
	int err;

	lockdep_assert_held(&dn->lock);

	err = dslite_name_check(name, DSLITE_INST_NAME_MAX);
	if (err) {
		dslite_extack(extack, NULL, dslite_name_error(err));
		return ERR_PTR(-EINVAL);
	}
	if (id < DSLITE_INST_ID_MIN || id > DSLITE_INST_ID_MAX) {
		NL_SET_ERR_MSG(extack, "instance id must be 1..65535");
		return ERR_PTR(-EINVAL);
	}
	if (aftr) {
		err = dslite_aftr_check(aftr->s6_addr);
		if (err) {
			dslite_extack(extack, NULL, dslite_aftr_error(err));
			return ERR_PTR(-EINVAL);
		}
	}
	if (dslite_instance_by_name(dn, name)) {
		NL_SET_ERR_MSG(extack, "an instance with this name exists");
		return ERR_PTR(-EEXIST);
	}
	if (xa_load(&dn->instances, id)) {
		NL_SET_ERR_MSG(extack, "an instance with this id exists");
		return ERR_PTR(-EEXIST);
	}
	if (aftr && dslite_instance_by_aftr(dn, aftr)) {
		NL_SET_ERR_MSG(extack,
			       "AFTR address is used by another instance");
		return ERR_PTR(-EEXIST);
	}
	if (dn->n_instances >= DSLITE_MAX_INSTANCES) {
		NL_SET_ERR_MSG(extack, "too many instances in this namespace");
		return ERR_PTR(-ENOSPC);
	}

	inst = kmem_cache_zalloc(dslite_instance_cache, GFP_KERNEL);
	if (!inst) {
		NL_SET_ERR_MSG(extack, "out of memory for the instance");
		return ERR_PTR(-ENOMEM);
	}
	atomic_inc(&dslite_live_instances);
	inst->dn = dn;
	inst->id = id;
	strscpy(inst->name, name, sizeof(inst->name));
	if (aftr) {
		inst->aftr = *aftr;
		inst->has_aftr = true;
	}

	err = xa_insert(&dn->instances, id, inst, GFP_KERNEL);
	if (err) {
		atomic_dec(&dslite_live_instances);
		kmem_cache_free(dslite_instance_cache, inst);
		NL_SET_ERR_MSG(extack, "cannot insert the instance");
		return ERR_PTR(err);
	}
	dn->n_instances++;
	return inst;
}

static void dslite_instance_free_rcu(struct rcu_head *head)
{
	struct dslite_instance *inst =
		container_of(head, struct dslite_instance, rcu);

	kmem_cache_free(dslite_instance_cache, inst);
	atomic_dec(&dslite_live_instances);
}

/* Unpublish the instance, free it once no RCU reader can see it. */
void dslite_instance_destroy(struct dslite_instance *inst)
{
	struct dslite_net *dn = inst->dn;

	lockdep_assert_held(&dn->lock);

	xa_erase(&dn->instances, inst->id);
	dn->n_instances--;
	call_rcu(&inst->rcu, dslite_instance_free_rcu);
}

void dslite_instance_destroy_all(struct dslite_net *dn)
{
	struct dslite_instance *inst;
	unsigned long id;

	mutex_lock(&dn->lock);
	xa_for_each(&dn->instances, id, inst)
		dslite_instance_destroy(inst);
	mutex_unlock(&dn->lock);
}
