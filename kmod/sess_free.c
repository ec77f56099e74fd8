// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: freeing sessions after an RCU grace period without an rcu_head
 * in each of them (it was 16 of a session's 88 bytes; issue 11's memory
 * goal).
 *
 * A killed session is unhashed at once (session.c) but lock-free readers
 * may still hold it, so it is freed only after a grace period. Instead of
 * a call_rcu() per session, its pointer goes into this CPU's free batch,
 * a page of pointers; a full batch goes to call_rcu() as a whole and its
 * callback frees every session in it with one kmem_cache_free_bulk(). A
 * partial batch is handed on by dslite_sess_free_flush(), which every GC
 * run of every instance calls (once a second), so a killed session is
 * freed about a second plus a grace period later at worst.
 *
 * Should no batch page be had (GFP_ATOMIC failed), the session goes on a
 * global lock-free list through the free_node that overlays its remote
 * endpoint, and a work item frees the list after synchronize_rcu(). The
 * packet path never writes the remote endpoint and only compares it in a
 * session it saw live (the keys and ->dead stay intact until the free),
 * so a lookup racing with the kill at worst does not match a session that
 * is going anyway; a dump or a bulk sync racing with it may read the link
 * as that session's remote. How often the fallback ran: the read-only
 * module parameter sess_free_fallbacks (also logged at unload); tests
 * force it with sess_free_batches=N.
 *
 * Locking rules:
 *  - A CPU's batch (struct dslite_sess_free_pcpu) is changed only under
 *    its lock, which dslite_sess_free() takes on its own CPU with BH off
 *    (asserted) and dslite_sess_free_flush() takes for each CPU in turn,
 *    so the GC can hand on the batches of every CPU.
 *  - The fallback list is an llist: any context adds, only the work takes
 *    it (llist_del_all), one at a time.
 *  - dslite_sess_free_exit() runs when nothing can kill a session any
 *    more: it hands on every batch, waits for the work and rcu_barrier().
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/llist.h>
#include <linux/workqueue.h>

#include "dslite.h"

struct dslite_sess_batch {
	struct rcu_head rcu;
	unsigned int n;
	struct dslite_session *s[];
};

#define DSLITE_SESS_BATCH						\
	((PAGE_SIZE - sizeof(struct dslite_sess_batch)) / sizeof(void *))

struct dslite_sess_free_pcpu {
	spinlock_t lock;		/* guards b */
	struct dslite_sess_batch *b;
};

static DEFINE_PER_CPU(struct dslite_sess_free_pcpu, dslite_sess_free_pcpu);
static LLIST_HEAD(dslite_sess_orphans);
static atomic_t dslite_sess_free_fallbacks = ATOMIC_INIT(0);
static struct kmem_cache *dslite_sess_free_cache;

/* for tests: N sends every free down the fallback path */
static bool dslite_sess_free_batches = true;
module_param_named(sess_free_batches, dslite_sess_free_batches, bool, 0644);
MODULE_PARM_DESC(sess_free_batches,
		 "free sessions in batches (default Y; N: each through the fallback list, for tests)");

static int dslite_sess_free_fallbacks_get(char *buf,
					  const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&dslite_sess_free_fallbacks));
}

static const struct kernel_param_ops dslite_sess_free_fallbacks_ops = {
	.get = dslite_sess_free_fallbacks_get,
};

module_param_cb(sess_free_fallbacks, &dslite_sess_free_fallbacks_ops, NULL,
		0444);
MODULE_PARM_DESC(sess_free_fallbacks,
		 "sessions freed through the fallback list (no memory for a batch)");

static void dslite_sess_batch_free_rcu(struct rcu_head *head)
{
	struct dslite_sess_batch *b =
		container_of(head, struct dslite_sess_batch, rcu);

	kmem_cache_free_bulk(dslite_sess_free_cache, b->n, (void **)b->s);
	atomic_sub(b->n, &dslite_live_sessions);
	kfree(b);
}

static void dslite_sess_orphans_work(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&dslite_sess_orphans);
	struct dslite_session *s, *tmp;

	if (!list)
		return;
	synchronize_rcu();
	llist_for_each_entry_safe(s, tmp, list, free_node) {
		kmem_cache_free(dslite_sess_free_cache, s);
		atomic_dec(&dslite_live_sessions);
	}
}

static DECLARE_WORK(dslite_sess_orphans_w, dslite_sess_orphans_work);

/*
 * Free @s once every RCU reader that may hold it is done. @s is unhashed
 * already. Any context with BH disabled (session.c calls it under a
 * user's lock, taken with spin_lock_bh).
 */
void dslite_sess_free(struct dslite_session *s)
{
	struct dslite_sess_free_pcpu *pc;
	struct dslite_sess_batch *b, *full = NULL;

	lockdep_assert_in_softirq();	/* or BH disabled */
	if (!READ_ONCE(dslite_sess_free_batches)) {
		b = NULL;
		goto fallback;
	}
	pc = this_cpu_ptr(&dslite_sess_free_pcpu);
	spin_lock(&pc->lock);
	b = pc->b;
	if (!b) {
		b = kmalloc(PAGE_SIZE, GFP_ATOMIC | __GFP_NOWARN);
		if (b)
			b->n = 0;
		pc->b = b;
	}
	if (b) {
		b->s[b->n++] = s;
		if (b->n == DSLITE_SESS_BATCH) {
			full = b;
			pc->b = NULL;
		}
	}
	spin_unlock(&pc->lock);
	if (full)
		call_rcu(&full->rcu, dslite_sess_batch_free_rcu);
	if (b)
		return;
fallback:
	atomic_inc(&dslite_sess_free_fallbacks);
	llist_add(&s->free_node, &dslite_sess_orphans);
	schedule_work(&dslite_sess_orphans_w);
}

/* Hand every CPU's partial batch to call_rcu(). Process context. */
void dslite_sess_free_flush(void)
{
	struct dslite_sess_free_pcpu *pc;
	struct dslite_sess_batch *b;
	int cpu;

	for_each_possible_cpu(cpu) {
		pc = per_cpu_ptr(&dslite_sess_free_pcpu, cpu);
		if (!READ_ONCE(pc->b))
			continue;
		spin_lock_bh(&pc->lock);
		b = pc->b;
		pc->b = NULL;
		spin_unlock_bh(&pc->lock);
		if (b)
			call_rcu(&b->rcu, dslite_sess_batch_free_rcu);
	}
}

void dslite_sess_free_init(struct kmem_cache *cache)
{
	int cpu;

	BUILD_BUG_ON(DSLITE_SESS_BATCH < 64);
	dslite_sess_free_cache = cache;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&dslite_sess_free_pcpu, cpu)->lock);
}

/* Nothing kills sessions any more: every one queued here is freed. */
void dslite_sess_free_exit(void)
{
	dslite_sess_free_flush();
	flush_work(&dslite_sess_orphans_w);
	rcu_barrier();
	if (atomic_read(&dslite_sess_free_fallbacks))
		pr_info("dslite: %d sessions were freed without a batch (no memory for one)\n",
			atomic_read(&dslite_sess_free_fallbacks));
}
