// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: hot-backup configuration and roles: the service-location and
 * service-instance-group of a vendor's CGN hot-backup manual, the model
 * of this design, the Linux way (docs/ha.md).
 *
 * A service-location (SL) is one unit of failover: the remote-backup
 * interface and peer its state is synced to, an optional HMAC-SHA256 key,
 * the VRRP group it follows, its own AFTR address and a role that
 * keepalived's notify script sets. A service-instance group (SIG) lists
 * SLs with weights; an instance bound to a SIG translates, while hot
 * backup is on, only for the SLs that are master here: B4s arriving at
 * that SL's AFTR address and return traffic to that SL's pools.
 *
 * Locking rules:
 *  - dn->sls (xarray by SL id) and dn->sigs (xarray by creation number)
 *    change only with dn->lock held (asserted); the packet path reads
 *    SLs under RCU, and an instance's group through inst->sig.
 *  - The packet path finds an SL by AFTR address in dn->aftr (aftr.c):
 *    every change of dn->sls rebuilds it, before an SL's free is queued.
 *  - sl->role is written with WRITE_ONCE under dn->lock and read with
 *    READ_ONCE on the packet path: promotion is a flag flip.
 *  - An SL or SIG is freed after a grace period; keys are wiped first.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/inetdevice.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "dslite.h"
#include "compat.h"

static void dslite_sl_free_rcu(struct rcu_head *head)
{
	struct dslite_sl *sl = container_of(head, struct dslite_sl, rcu);

	kfree_sensitive(sl);
}

struct dslite_sl *dslite_sl_by_id(struct dslite_net *dn, u32 id)
{
	return xa_load(&dn->sls, id);
}

struct dslite_sig *dslite_sig_by_name(struct dslite_net *dn, const char *name)
{
	struct dslite_sig *g;
	unsigned long seq;

	lockdep_assert_held(&dn->lock);
	xa_for_each(&dn->sigs, seq, g)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static bool dslite_sl_in_use(struct dslite_net *dn, u32 id)
{
	struct dslite_sig *g;
	unsigned long seq;
	int i;

	lockdep_assert_held(&dn->lock);
	xa_for_each(&dn->sigs, seq, g)
		for (i = 0; i < g->n; i++)
			if (g->members[i].sl_id == id)
				return true;
	return false;
}

static bool dslite_sig_in_use(struct dslite_net *dn, struct dslite_sig *g)
{
	struct dslite_instance *inst;
	unsigned long id;

	lockdep_assert_held(&dn->lock);
	xa_for_each(&dn->instances, id, inst)
		if (rcu_access_pointer(inst->sig) == g)
			return true;
	return false;
}

/*
 * The SL of group @g (NULL: none) for packets sent to @aftr: the member
 * whose AFTR address it is, else (1:1, B4s use the instance's AFTR
 * address) the first member. RCU or dn->lock held.
 */
struct dslite_sl *dslite_sig_sl_for_aftr(struct dslite_net *dn,
					 const struct dslite_sig *g,
					 const struct in6_addr *aftr)
{
	struct dslite_sl *sl, *first = NULL;
	int i;

	for (i = 0; g && i < g->n; i++) {
		sl = dslite_sl_by_id(dn, g->members[i].sl_id);
		if (!sl)
			continue;
		if (sl->has_aftr && ipv6_addr_equal(&sl->aftr, aftr))
			return sl;
		if (!first)
			first = sl;
	}
	return first;
}

/*
 * The SL an arriving packet belongs to (dslite_sig_sl_for_aftr of the
 * instance's group). NULL when the instance is in no group. RCU held.
 */
struct dslite_sl *dslite_sl_for_aftr(struct dslite_instance *inst,
				     const struct in6_addr *aftr)
{
	return dslite_sig_sl_for_aftr(inst->dn, rcu_dereference(inst->sig),
				      aftr);
}

/* May this SL's traffic be translated here? RCU held. */
bool dslite_sl_active(struct dslite_net *dn, const struct dslite_sl *sl)
{
	if (!READ_ONCE(dn->hot_backup) || !sl)
		return true;
	return READ_ONCE(sl->role) == DSLITE_ROLE_MASTER;
}

/*
 * Why this router should not be (or become) master of @sl, or NULL when
 * it may. dslite-track turns a reason into a lower VRRP priority: a
 * device of a bound instance is down; the configurations differ; or this
 * router is not master and has not yet got a complete bulk from a peer
 * that is (a rejoining router must not take mastership back without the
 * state).
 * A dead peer is not a reason: then this router is all there is. RCU.
 */
const char *dslite_sl_health(struct dslite_net *dn, struct dslite_sl *sl)
{
	struct dslite_instance *inst;
	struct dslite_sig *g;
	unsigned long id;
	int i;

	xa_for_each(&dn->instances, id, inst) {
		struct in_device *idev;

		if (READ_ONCE(inst->dying))
			continue;
		g = rcu_dereference(inst->sig);
		for (i = 0; g && i < g->n; i++) {
			if (g->members[i].sl_id != sl->id)
				continue;
			if (!(READ_ONCE(inst->dev->flags) & IFF_UP))
				return "an instance device is down";
			/* what ip_forward decides for a translated packet */
			idev = __in_dev_get_rcu(inst->dev);
			if (idev && !IN_DEV_FORWARD(idev))
				return "IPv4 forwarding is off (net.ipv4.ip_forward=0)";
		}
	}
	switch (READ_ONCE(sl->peer_state)) {
	case DSLITE_PEER_DOWN:
		/* just added: give the peer time to be heard before going it alone */
		if (!READ_ONCE(sl->ever_up) && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER &&
		    time_before(jiffies, READ_ONCE(sl->created) + DSLITE_SL_LISTEN))
			return "listening for the peer";
		break;
	case DSLITE_PEER_MISMATCH:
		return "the peer's configuration differs";
	case DSLITE_PEER_AUTH_FAILED:
		return "the peer's packets fail authentication (another key?)";
	case DSLITE_PEER_HELLO:
	case DSLITE_PEER_BULK:
		/*
		 * Only a master has state to wait for: with both routers
		 * undecided (at start) neither is held back, or they would
		 * both start reduced and flap once one of them is master.
		 */
		if (READ_ONCE(sl->role) != DSLITE_ROLE_MASTER &&
		    READ_ONCE(sl->peer_master))
			return "the peer's state has not been fully received";
		break;
	}
	return NULL;
}

/*
 * Add @sl (configured, not yet published): its channel starts and the
 * packet path and sync find it by id. Caller holds dn->lock. On failure
 * nothing changed and @sl is the caller's.
 */
int dslite_sl_add(struct dslite_net *dn, struct dslite_sl *sl,
		  struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&dn->lock);
	if (dslite_sl_by_id(dn, sl->id)) {
		NL_SET_ERR_MSG(extack, "a service-location with this id exists");
		return -EEXIST;
	}
	err = dslite_sync_start(dn, sl, extack);
	if (err)
		return err;
	err = xa_insert(&dn->sls, sl->id, sl, GFP_KERNEL);
	if (err) {
		dslite_sync_stop(sl);
		NL_SET_ERR_MSG(extack, "cannot add the service-location");
		return err;
	}
	dslite_aftr_rebuild(dn);
	return 0;
}

/* Remove @sl unless a group lists it. Caller holds dn->lock. */
int dslite_sl_remove(struct dslite_net *dn, struct dslite_sl *sl,
		     struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&dn->lock);
	if (dslite_sl_in_use(dn, sl->id)) {
		NL_SET_ERR_MSG(extack,
			       "a service-instance-group uses this service-location");
		return -EBUSY;
	}
	xa_erase(&dn->sls, sl->id);
	dslite_aftr_rebuild(dn);	/* before the free is queued */
	dslite_sync_stop(sl);
	memzero_explicit(sl->key, sizeof(sl->key));
	call_rcu(&sl->rcu, dslite_sl_free_rcu);
	return 0;
}

/*
 * Promotion and demotion are a flag flip: state stays. A new master then
 * copies its state to the peer (a bulk). Caller holds dn->lock.
 */
void dslite_sl_set_role(struct dslite_sl *sl, u8 role)
{
	lockdep_assert_held(&sl->dn->lock);
	if (READ_ONCE(sl->role) == role)
		return;
	WRITE_ONCE(sl->role, role);
	dslite_sync_role_changed(sl, role);
	dslite_sl_event(sl, DSLITE_SL_EV_ROLE, GFP_KERNEL);
}

/*
 * Add the group @g (named, members checked against the SLs): numbered in
 * creation order, which is its key. Caller holds dn->lock. On failure
 * nothing changed and @g is the caller's.
 */
int dslite_sig_add(struct dslite_net *dn, struct dslite_sig *g,
		   struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&dn->lock);
	if (dslite_sig_by_name(dn, g->name)) {
		NL_SET_ERR_MSG(extack,
			       "a service-instance-group with this name exists");
		return -EEXIST;
	}
	if (dn->n_sigs >= DSLITE_MAX_SIGS) {
		NL_SET_ERR_MSG(extack, "too many service-instance-groups");
		return -ENOSPC;
	}
	g->seq = dn->sig_seq + 1;
	err = xa_insert(&dn->sigs, g->seq, g, GFP_KERNEL);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot add the service-instance-group");
		return err;
	}
	dn->sig_seq = g->seq;
	dn->n_sigs++;
	return 0;
}

/* Remove @g unless an instance is bound to it. Caller holds dn->lock. */
int dslite_sig_remove(struct dslite_net *dn, struct dslite_sig *g,
		      struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&dn->lock);
	if (dslite_sig_in_use(dn, g)) {
		NL_SET_ERR_MSG(extack,
			       "an instance is bound to this service-instance-group");
		return -EBUSY;
	}
	xa_erase(&dn->sigs, g->seq);
	dn->n_sigs--;
	kfree_rcu(g, rcu);
	return 0;
}

/* Namespace teardown: no instance is left. */
void dslite_ha_free_all(struct dslite_net *dn)
{
	struct dslite_sl *sl, *stmp;
	struct dslite_sig *g;
	unsigned long id;
	LIST_HEAD(dead);

	mutex_lock(&dn->lock);
	xa_for_each(&dn->sigs, id, g) {
		xa_erase(&dn->sigs, id);
		kfree_rcu(g, rcu);
	}
	dn->n_sigs = 0;
	/* one grace period for all (see dslite_sync_stop_begin) */
	xa_for_each(&dn->sls, id, sl) {
		xa_erase(&dn->sls, id);
		dslite_sync_stop_begin(sl);
		list_add(&sl->dead, &dead);
	}
	dslite_aftr_rebuild(dn);
	synchronize_rcu();
	list_for_each_entry_safe(sl, stmp, &dead, dead) {
		dslite_sync_stop_end(sl);
		memzero_explicit(sl->key, sizeof(sl->key));
		call_rcu(&sl->rcu, dslite_sl_free_rcu);
	}
	mutex_unlock(&dn->lock);
}
