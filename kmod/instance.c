// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the instance table of a network namespace.
 *
 * Locking rules:
 *  - dn->instances (an xarray indexed by instance id) is changed only with
 *    dn->lock held; every function here that changes it asserts that.
 *  - Readers walk it under rcu_read_lock() (or hold dn->lock). An instance
 *    is unpublished from the xarray first and freed after a grace period
 *    (call_rcu), so an RCU reader never sees freed memory.
 *  - inst->cfg is written under dn->lock with WRITE_ONCE and read on the
 *    packet path with READ_ONCE; name, id and AFTR never change.
 *  - The packet path finds an instance by AFTR address in dn->aftr
 *    (aftr.c): every change of dn->instances or inst->sig rebuilds it.
 *  - Lock order: genl_mutex -> dn->lock -> rtnl_lock (netdevice).
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

void dslite_cfg_defaults(struct dslite_cfg *cfg)
{
	*cfg = (struct dslite_cfg) {
		.block_size = 512,
		.port_lo = 1024,
		.port_hi = 65535,
		.max_blocks = 4,
		.max_sess_user = 2048,
		.max_sess = 1000000,
		.holddown = 120,
		.filtering = DSLITE_FILTER_EIF,
		.to = {
			.udp = 300,
			.tcp_est = 7440,
			.tcp_trans = 240,
			.icmp = 60,
			.tcp_syn = 6,
		},
	};
}

int dslite_cfg_check(const struct dslite_cfg *c, struct netlink_ext_ack *extack)
{
	if (c->port_lo < 1 || c->port_hi > 65535 || c->port_lo > c->port_hi) {
		NL_SET_ERR_MSG(extack, "port range must be LO-HI within 1-65535");
		return -EINVAL;
	}
	if (!dslite_blocks_per_addr(c->port_lo, c->port_hi, c->block_size)) {
		NL_SET_ERR_MSG(extack,
			       "port range is smaller than one port block");
		return -EINVAL;
	}
	return 0;
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

/* Caller holds dn->lock or rcu_read_lock(). Few instances: a walk. */
struct dslite_instance *dslite_instance_by_aftr(struct dslite_net *dn,
						const struct in6_addr *aftr)
{
	struct dslite_instance *inst;
	unsigned long id;

	xa_for_each(&dn->instances, id, inst)
		if (inst->has_aftr && ipv6_addr_equal(&inst->aftr, aftr))
			return inst;
	return NULL;
}

/*
 * Bind @inst to the group @sig (NULL: none); the AFTR table follows.
 * Caller holds dn->lock.
 */
void dslite_instance_set_sig(struct dslite_instance *inst,
			     struct dslite_sig *sig)
{
	lockdep_assert_held(&inst->dn->lock);
	rcu_assign_pointer(inst->sig, sig);
	dslite_aftr_rebuild(inst->dn);
}

void dslite_stats_sum(struct dslite_instance *inst, u64 *out)
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * __DSLITE_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct dslite_stats *s = per_cpu_ptr(inst->stats, cpu);

		for (i = 0; i < __DSLITE_STAT_MAX; i++)
			out[i] += READ_ONCE(s->c[i]);
	}
	out[DSLITE_STAT_SESSIONS] = atomic_read(&inst->n_sessions);
	out[DSLITE_STAT_USERS] = atomic_read(&inst->n_users);
	out[DSLITE_STAT_BLOCKS] = atomic_read(&inst->n_blocks);
	out[DSLITE_STAT_SESSIONS_PEAK] = READ_ONCE(inst->peak_sessions);
	out[DSLITE_STAT_USERS_PEAK] = READ_ONCE(inst->peak_users);
	out[DSLITE_STAT_BLOCKS_PEAK] = READ_ONCE(inst->peak_blocks);
}

static void dslite_instance_free(struct dslite_instance *inst)
{
	free_percpu(inst->stats);
	kmem_cache_free(dslite_instance_cache, inst);
	atomic_dec(&dslite_live_instances);
}

static void dslite_instance_free_rcu(struct rcu_head *head)
{
	dslite_instance_free(container_of(head, struct dslite_instance, rcu));
}

/*
 * Create and publish an instance. Values are checked here (not only by the
 * netlink policy) so the table can never hold an invalid one.
 */
struct dslite_instance *dslite_instance_create(struct dslite_net *dn,
					       const char *name, u32 id,
					       const struct in6_addr *aftr,
					       const struct dslite_cfg *cfg,
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
	err = dslite_cfg_check(cfg, extack);
	if (err)
		return ERR_PTR(err);
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
	refcount_set(&inst->ref, 1);
	inst->dn = dn;
	inst->id = id;
	inst->cfg = *cfg;
	strscpy(inst->name, name, sizeof(inst->name));
	if (aftr) {
		inst->aftr = *aftr;
		inst->has_aftr = true;
	}
	spin_lock_init(&inst->pool_lock);
	INIT_LIST_HEAD(&inst->pools);
	INIT_LIST_HEAD(&inst->resting);
	INIT_DELAYED_WORK(&inst->gc_work, dslite_gc_work);
	inst->stats = alloc_percpu(struct dslite_stats);
	if (!inst->stats) {
		NL_SET_ERR_MSG(extack, "out of memory for the counters");
		err = -ENOMEM;
		goto err_free;
	}
	err = dslite_tables_init(inst);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory for the tables");
		goto err_free;
	}
	err = dslite_dev_create(inst, extack);
	if (err)
		goto err_tables;

	if (!dn->n_instances) {
		err = dslite_guard_start(dn);
		if (err) {
			NL_SET_ERR_MSG(extack, "cannot register the input hook");
			goto err_dev;
		}
	}
	err = xa_insert(&dn->instances, id, inst, GFP_KERNEL);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot insert the instance");
		if (!dn->n_instances)
			dslite_guard_stop(dn);
		goto err_dev;
	}
	dn->n_instances++;
	dslite_aftr_rebuild(dn);
	queue_delayed_work(system_power_efficient_wq, &inst->gc_work, HZ);
	return inst;

err_dev:
	dslite_dev_destroy(inst);
err_tables:
	dslite_tables_destroy(inst);
err_free:
	dslite_instance_free(inst);
	return ERR_PTR(err);
}

/*
 * The last reference frees the tables (no packet, GC or dump can reach
 * them any more) and, after a grace period, the instance.
 */
void dslite_instance_put(struct dslite_instance *inst)
{
	if (!refcount_dec_and_test(&inst->ref))
		return;
	dslite_tables_destroy(inst);
	dslite_pool_free_all(inst);
	call_rcu(&inst->rcu, dslite_instance_free_rcu);
}

/*
 * Unpublish the instance, stop its device and GC, wait until no packet
 * can see it, and drop the namespace's reference.
 */
void dslite_instance_destroy(struct dslite_instance *inst)
{
	struct dslite_net *dn = inst->dn;

	lockdep_assert_held(&dn->lock);

	xa_erase(&dn->instances, inst->id);
	dslite_aftr_rebuild(dn);	/* before the free is queued */
	if (!--dn->n_instances)
		dslite_guard_stop(dn);
	WRITE_ONCE(inst->dying, true);
	dslite_dev_destroy(inst);	/* no more xmit after this */
	cancel_delayed_work_sync(&inst->gc_work);
	synchronize_net();		/* no decap still sees the instance */
	dslite_instance_put(inst);
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
