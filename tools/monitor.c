// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl monitor: print the module's events as they happen, one line
 * each (text, or a JSON object per line with -j).
 */
#include <string.h>
#include <linux/genetlink.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"
#include "objects.h"

void monitor_help(FILE *f)
{
	fputs("Usage: dslitectl monitor\n"
	      "Print configuration and logging events until interrupted.\n"
	      "With -j every event is one JSON object on its own line.\n", f);
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)data;
	switch (g->cmd) {
	case DSLITE_CMD_INSTANCE_NEW:
		return instance_print(nlh, "instance-add");
	case DSLITE_CMD_INSTANCE_DEL:
		return instance_print(nlh, "instance-del");
	}
	return MNL_CB_OK;
}

int do_monitor(int argc, char **argv)
{
	int ret;

	if (argc > 0 && is_help(argv[0])) {
		monitor_help(stdout);
		return EXIT_OK;
	}
	if (argc > 0)
		return usage_err("monitor: unknown argument \"%s\"", argv[0]);
	ret = nl_open();
	if (ret)
		return ret;
	return nl_monitor(event_cb, NULL);
}
