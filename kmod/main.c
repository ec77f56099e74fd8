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

unsigned int dslite_max_sessions __read_mostly = 4000000;
module_param_named(max_sessions, dslite_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions,
		 "sessions of all instances of all namespaces together (default 4000000)");

static int __init dslite_init(void)
{
	int err;

	err = dslite_instance_cache_init();
	if (err)
		return err;
	err = dslite_session_cache_init();
	if (err)
		goto err_icache;
	err = dslite_netns_init();
	if (err)
		goto err_scache;
	err = dslite_genl_init();
	if (err)
		goto err_netns;
	err = dslite_softwire_init();
	if (err)
		goto err_genl;

	dslite_plant();
	pr_info("dslite: DS-Lite AFTR loaded\n");
	return 0;

err_genl:
	dslite_genl_exit();
err_netns:
	dslite_netns_exit();
err_scache:
	dslite_session_cache_exit();
err_icache:
	dslite_instance_cache_exit();
	return err;
}

static void __exit dslite_exit(void)
{
	dslite_softwire_exit();
	dslite_genl_exit();
	dslite_netns_exit();
	dslite_session_cache_exit();
	dslite_instance_cache_exit();
	pr_info("dslite: unloaded\n");
}

module_init(dslite_init);
module_exit(dslite_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("DS-Lite AFTR (RFC 6333) with inter-chassis hot backup");
MODULE_AUTHOR("The dslite developers");
MODULE_VERSION(DSLITE_MOD_VERSION);
MODULE_ALIAS_GENL_FAMILY(DSLITE_GENL_NAME);
