// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: which instance (and which SL) an AFTR address belongs to.
 *
 * Every IPv4-in-IPv6 packet that reaches our tunnel6 handler asks this,
 * ours or not (ip6tnl's handler runs after ours), and so does the guard
 * hook. The answer is a per-namespace hash table of the AFTR addresses,
 * immutable once published: open addressing with linear probing, at most
 * half full, keyed by jhash2 of the address with a per-table random seed.
 * A lookup is one hash and, typically, one or two probes; a namespace
 * without AFTR addresses has no table at all and answers at once.
 *
 * What the table says is exactly what a walk of the instances in id order
 * would say (dslite_aftr_walk(), the reference): for each instance, first
 * its own AFTR address (with the SL dslite_sl_for_aftr() picks), then the
 * AFTR addresses of its group's SLs in member order; the first match
 * wins. The table is built in that order and keeps the first entry of an
 * address.
 *
 * Locking rules:
 *  - The table is derived from dn->instances (and each instance's AFTR,
 *    constant), inst->sig, a group's members (constant) and dn->sls (and
 *    each SL's AFTR, constant). Whoever changes one of these calls
 *    dslite_aftr_rebuild() with dn->lock held (asserted) right after the
 *    change: instance create and destroy (instance.c), binding an
 *    instance to a group (dslite_instance_set_sig()), SL add and remove
 *    (ha.c). Adding or removing a group changes nothing here (a group is
 *    only removed unbound), and so does an SL's role.
 *  - An instance or SL that leaves must leave the table before its free
 *    is queued (call_rcu): dslite_aftr_rebuild() publishes the new table
 *    with rcu_assign_pointer and frees the old one with kvfree_rcu, so a
 *    reader still on the old table only meets objects that outlive its
 *    RCU section.
 *  - Readers hold rcu_read_lock() and take no lock.
 *  - If a new table cannot be allocated, dn->aftr points at a static
 *    marker that makes readers walk as before, until a rebuild succeeds:
 *    slower, never wrong.
 */
#include <linux/slab.h>
#include <linux/jhash.h>
#include <linux/log2.h>
#include <linux/random.h>
#include <net/ipv6.h>

#include "dslite.h"

struct dslite_aftr_ent {
	struct in6_addr addr;
	struct dslite_instance *inst;	/* NULL: a free slot */
	struct dslite_sl *sl;
};

struct dslite_aftr_tab {
	struct rcu_head rcu;
	u32 seed;
	u32 mask;			/* slots - 1, slots a power of 2 */
	u32 n;				/* entries */
	bool walk;			/* the marker: walk instead */
	struct dslite_aftr_ent ent[];
};

static struct dslite_aftr_tab dslite_aftr_walk_marker = { .walk = true };

static u32 dslite_aftr_slot(const struct dslite_aftr_tab *t,
			    const struct in6_addr *a)
{
	return jhash2((const u32 *)a->s6_addr32, 4, t->seed) & t->mask;
}

/* The reference: walk the instances and their groups. RCU held. */
static struct dslite_instance *dslite_aftr_walk(struct dslite_net *dn,
						const struct in6_addr *aftr,
						struct dslite_sl **slp)
{
	struct dslite_instance *inst;
	struct dslite_sig *g;
	unsigned long id;
	int i;

	xa_for_each(&dn->instances, id, inst) {
		if (inst->has_aftr && ipv6_addr_equal(&inst->aftr, aftr)) {
			*slp = dslite_sl_for_aftr(inst, aftr);
			return inst;
		}
		g = rcu_dereference(inst->sig);
		if (!g)
			continue;
		for (i = 0; i < g->n; i++) {
			struct dslite_sl *sl =
				dslite_sl_by_id(dn, g->members[i].sl_id);

			if (sl && sl->has_aftr &&
			    ipv6_addr_equal(&sl->aftr, aftr)) {
				*slp = sl;
				return inst;
			}
		}
	}
	return NULL;
}

/*
 * The instance @a belongs to in @t (not the marker) and its SL in *@slp,
 * or NULL (and *@slp untouched).
 */
struct dslite_instance *dslite_aftr_tab_lookup(const struct dslite_aftr_tab *t,
					       const struct in6_addr *a,
					       struct dslite_sl **slp)
{
	u32 i = dslite_aftr_slot(t, a);

	/* never full (at most half), so a free slot ends every probe */
	for (;; i = (i + 1) & t->mask) {
		const struct dslite_aftr_ent *e = &t->ent[i];

		if (!e->inst)
			return NULL;
		if (ipv6_addr_equal(&e->addr, a)) {
			*slp = e->sl;
			return e->inst;
		}
	}
}

/* An empty table with room for @n entries, or NULL. */
struct dslite_aftr_tab *dslite_aftr_tab_alloc(u32 n)
{
	u32 slots = roundup_pow_of_two(max(2 * n, 4U));
	struct dslite_aftr_tab *t;

	t = kvzalloc(struct_size(t, ent, slots), GFP_KERNEL);
	if (!t)
		return NULL;
	t->mask = slots - 1;
	t->seed = get_random_u32();
	return t;
}

void dslite_aftr_tab_free(struct dslite_aftr_tab *t)
{
	kvfree(t);
}

/*
 * Enter @a -> (@inst, @sl) unless @a is there already (the first wins).
 * The caller sized @t for every entry it adds.
 */
void dslite_aftr_tab_add(struct dslite_aftr_tab *t, const struct in6_addr *a,
			 struct dslite_instance *inst, struct dslite_sl *sl)
{
	u32 i = dslite_aftr_slot(t, a);

	if (WARN_ON_ONCE(2 * t->n >= t->mask + 1))
		return;
	for (;; i = (i + 1) & t->mask) {
		struct dslite_aftr_ent *e = &t->ent[i];

		if (!e->inst)
			break;
		if (ipv6_addr_equal(&e->addr, a))
			return;
	}
	t->ent[i].addr = *a;
	t->ent[i].inst = inst;
	t->ent[i].sl = sl;
	t->n++;
}

/*
 * Build the table of @dn's present configuration and publish it (NULL
 * when there is no AFTR address; the walk marker when out of memory).
 */
void dslite_aftr_rebuild(struct dslite_net *dn)
{
	struct dslite_aftr_tab *t = NULL, *old;
	struct dslite_instance *inst;
	struct dslite_sl *sl;
	struct dslite_sig *g;
	unsigned long id;
	u32 want = 0;
	int i;

	lockdep_assert_held(&dn->lock);

	/*
	 * Distinct addresses: the instances' own (unique among them) and
	 * at most one per SL, however many instances share its group.
	 */
	xa_for_each(&dn->instances, id, inst)
		want += inst->has_aftr;
	xa_for_each(&dn->sls, id, sl)
		want += sl->has_aftr;

	if (want) {
		t = dslite_aftr_tab_alloc(want);
		if (!t)
			t = &dslite_aftr_walk_marker;
	}
	if (t && !t->walk) {
		xa_for_each(&dn->instances, id, inst) {
			g = rcu_dereference_protected(inst->sig,
						      lockdep_is_held(&dn->lock));
			if (inst->has_aftr)
				dslite_aftr_tab_add(t, &inst->aftr, inst,
						    dslite_sig_sl_for_aftr(dn, g,
									   &inst->aftr));
			for (i = 0; g && i < g->n; i++) {
				sl = dslite_sl_by_id(dn, g->members[i].sl_id);
				if (sl && sl->has_aftr)
					dslite_aftr_tab_add(t, &sl->aftr, inst,
							    sl);
			}
		}
		if (!t->n) {
			dslite_aftr_tab_free(t);
			t = NULL;
		}
	}
	old = rcu_replace_pointer(dn->aftr, t, lockdep_is_held(&dn->lock));
	if (old && !old->walk)
		kvfree_rcu(old, rcu);
}

/*
 * The instance whose own or SL AFTR address is @aftr (the packet path's
 * lookup of an arriving softwire), and the SL it came in by; *@slp is
 * left alone when there is none. RCU held.
 */
struct dslite_instance *dslite_instance_by_any_aftr(struct dslite_net *dn,
						    const struct in6_addr *aftr,
						    struct dslite_sl **slp)
{
	struct dslite_aftr_tab *t = rcu_dereference(dn->aftr);

	if (!t)
		return NULL;
	if (unlikely(t->walk))
		return dslite_aftr_walk(dn, aftr, slp);
	return dslite_aftr_tab_lookup(t, aftr, slp);
}

/* Namespace teardown: every instance and SL is gone. */
void dslite_aftr_free(struct dslite_net *dn)
{
	struct dslite_aftr_tab *t = rcu_dereference_protected(dn->aftr, 1);

	WARN_ON_ONCE(t && !t->walk);
	RCU_INIT_POINTER(dn->aftr, NULL);
	if (t && !t->walk)
		kvfree_rcu(t, rcu);
}
