// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: deliberately planted bugs, to prove the debug-kernel test mode
 * catches each kind. Built ONLY with `make module PLANT=oob|leak|sleep|warn`
 * (never by default, never in a release); each runs once at module load.
 */
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/spinlock.h>

#include "dslite.h"

#ifdef DSLITE_PLANT_SLEEP
static DEFINE_SPINLOCK(dslite_plant_lock);
#endif

void dslite_plant(void)
{
#ifdef DSLITE_PLANT_OOB
	{
		char *p = kmalloc(16, GFP_KERNEL);

		/* READ_ONCE keeps the compiler from folding the bad read */
		if (p)
			pr_info("dslite: planted OOB read: %d\n",
				READ_ONCE(p[16]));
		kfree(p);
	}
#endif
#ifdef DSLITE_PLANT_LEAK
	{
		void *p = kmalloc(200, GFP_KERNEL);

		pr_info("dslite: planted leak of %p\n", p);
	}
#endif
#ifdef DSLITE_PLANT_SLEEP
	spin_lock(&dslite_plant_lock);
	msleep(20);
	spin_unlock(&dslite_plant_lock);
#endif
#ifdef DSLITE_PLANT_WARN
	WARN(1, "dslite: planted warning\n");
#endif
}
