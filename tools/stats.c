// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl stats: every counter of an instance; every drop has a reason.
 */
#include <inttypes.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "objects.h"
#include "stat_names.h"

/* stable names: JSON keys and text labels (stat_names.h) */

void stats_help(FILE *f)
{
	fputs("Usage: dslitectl stats show [ instance NAME ]\n"
	      "Packets and bytes each way, sessions/users/blocks now and peak,\n"
	      "and a counter for every reason a packet is dropped.\n", f);
}

static int stats_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	uint64_t v[DSLITE_STAT_MAX + 1] = { 0 };
	const struct nlattr *a;
	int i, col = 0;

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_STATS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[DSLITE_A_STATS]) {
		uint16_t t = mnl_attr_get_type(a);

		if (t <= DSLITE_STAT_MAX &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			v[t] = mnl_attr_get_u64(a);
	}
	open_json_object(NULL);
	print_string(PR_ANY, "instance", "instance %s\n",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	for (i = 1; i <= DSLITE_STAT_MAX; i++) {
		if (!stat_names[i])
			continue;
		/* text: a table of three columns, the name as the label */
		print_string(PR_TEXT, NULL, col ? "  %-18s " : "    %-18s ",
			     stat_names[i]);
		print_u64(PR_ANY, stat_names[i], "%-12" PRIu64, v[i]);
		if (++col == 3) {
			print_nl();
			col = 0;
		}
	}
	if (col)
		print_nl();
	close_json_object();
	return MNL_CB_OK;
}

int do_stats(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	const char *inst = NULL;

	if (argc > 0 && (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))) {
		stats_help(stdout);
		return EXIT_OK;
	}
	if (argc > 0 && !(matches(argv[0], "show") || matches(argv[0], "list"))) {
		usage_err("stats: unknown command \"%s\"", argv[0]);
		return EXIT_USAGE;
	}
	if (argc > 0)
		argc--, argv++;
	if (argc == 2 && !strcmp(argv[0], "instance"))
		inst = argv[1];
	else if (argc == 1)
		inst = argv[0];
	else if (argc)
		return usage_err("stats show: expected [ instance NAME ]");
	nlh = nl_begin(DSLITE_CMD_STATS_GET,
		       NLM_F_ACK | (inst ? 0 : NLM_F_DUMP));
	if (!nlh)
		return EXIT_KERNEL;
	if (inst)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, inst);
	return nl_show(nlh, stats_print, NULL);
}
