// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: DS-Lite AFTR (RFC 6333) with inter-chassis hot backup.
 *
 * This file holds only the init/unwind ladder; see the other files for
 * the pieces. Teardown runs in the reverse order of setup: first no new
 * requests (netlink), then every namespace's state, then the caches.
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "dslite.h"

static int __init dslite_init(void)
{
	int err;

	err = dslite_instance_cache_init();
	if (err)
		return err;
	err = dslite_netns_init();
	if (err)
		goto err_cache;
	err = dslite_genl_init();
	if (err)
		goto err_netns;

	pr_info("dslite: DS-Lite AFTR loaded\n");
	return 0;

err_netns:
	dslite_netns_exit();
err_cache:
	dslite_instance_cache_exit();
	return err;
}

static void __exit dslite_exit(void)
{
	dslite_genl_exit();
	dslite_netns_exit();
	dslite_instance_cache_exit();
	pr_info("dslite: unloaded\n");
}

module_init(dslite_init);
module_exit(dslite_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DS-Lite AFTR (RFC 6333) with inter-chassis hot backup");
MODULE_AUTHOR("The dslite developers");
MODULE_ALIAS_GENL_FAMILY(DSLITE_GENL_NAME);
