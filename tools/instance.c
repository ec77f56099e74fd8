// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl instance: add, del, show DS-Lite instances.
 */
#include <arpa/inet.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"

void instance_help(FILE *f)
{
	fputs("Usage: dslitectl instance add NAME id ID [aftr IPV6]\n"
	      "       dslitectl instance del { NAME | id ID }\n"
	      "       dslitectl instance show [ NAME | id ID ]\n"
	      "       dslitectl instance help\n"
	      "NAME := 1-15 characters of A-Z a-z 0-9 _ - .\n"
	      "ID   := 1..65535, unique in the network namespace\n"
	      "IPV6 := the AFTR address the B4s tunnel to\n", f);
}

int instance_parse_add(int argc, char **argv, struct inst_args *a)
{
	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return usage_err("instance add: NAME is missing");
	a->name = argv[0];
	argc--, argv++;
	while (argc > 0) {
		if (argc < 2)
			return usage_err("instance add: \"%s\" needs a value",
					 argv[0]);
		if (!strcmp(argv[0], "id")) {
			/*
			 * Range checks are the kernel's: its message is the
			 * one operators see. Only syntax is checked here.
			 */
			if (parse_u32(argv[1], 0, UINT32_MAX, &a->id))
				return usage_err("instance add: id \"%s\" is not a number",
						 argv[1]);
			a->has_id = true;
		} else if (!strcmp(argv[0], "aftr")) {
			if (parse_ipv6(argv[1], &a->aftr))
				return usage_err("instance add: aftr \"%s\" is not an IPv6 address",
						 argv[1]);
			a->has_aftr = true;
		} else {
			return usage_err("instance add: unknown argument \"%s\"",
					 argv[0]);
		}
		argc -= 2, argv += 2;
	}
	if (!a->has_id)
		return usage_err("instance add: \"id ID\" is required");
	return EXIT_OK;
}

int instance_parse_ref(int argc, char **argv, struct inst_args *a,
		       bool optional)
{
	memset(a, 0, sizeof(*a));
	if (argc == 0) {
		if (optional)
			return EXIT_OK;
		return usage_err("instance: NAME or \"id ID\" is required");
	}
	if (!strcmp(argv[0], "id")) {
		if (argc < 2)
			return usage_err("instance: \"id\" needs a value");
		if (parse_u32(argv[1], 0, UINT32_MAX, &a->id))
			return usage_err("instance: id \"%s\" is not a number",
					 argv[1]);
		a->has_id = true;
		argc -= 2;
	} else {
		a->name = argv[0];
		argc--;
	}
	if (argc > 0)
		return usage_err("instance: too many arguments");
	return EXIT_OK;
}

static void put_ref(struct nlmsghdr *nlh, const struct inst_args *a)
{
	if (a->name)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, a->name);
	if (a->has_id)
		mnl_attr_put_u32(nlh, DSLITE_A_INST_ID, a->id);
}

int instance_print(const struct nlmsghdr *nlh, const char *event)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char aftr[INET6_ADDRSTRLEN] = "";

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_INST_ID])
		return MNL_CB_OK;
	if (tb[DSLITE_A_INST_AFTR] &&
	    mnl_attr_get_payload_len(tb[DSLITE_A_INST_AFTR]) == 16)
		inet_ntop(AF_INET6, mnl_attr_get_payload(tb[DSLITE_A_INST_AFTR]),
			  aftr, sizeof(aftr));

	if (ctl.json) {
		jw_obj_open(NULL);
		if (event)
			jw_str("event", event);
		jw_str("name", mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
		jw_uint("id", mnl_attr_get_u32(tb[DSLITE_A_INST_ID]));
		if (*aftr)
			jw_str("aftr", aftr);
		jw_obj_close();
		if (event)
			jw_end();
	} else {
		if (event)
			printf("%s ", event);
		printf("instance %s id %u",
		       mnl_attr_get_str(tb[DSLITE_A_INST_NAME]),
		       mnl_attr_get_u32(tb[DSLITE_A_INST_ID]));
		if (*aftr)
			printf(" aftr %s", aftr);
		putchar('\n');
	}
	return MNL_CB_OK;
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	return instance_print(nlh, NULL);
}

static int instance_add(int argc, char **argv)
{
	struct inst_args a;
	struct nlmsghdr *nlh;
	int ret;

	ret = instance_parse_add(argc, argv, &a);
	if (ret)
		return ret;
	ret = nl_open();
	if (ret)
		return ret;
	/*
	 * No NLM_F_CREATE/EXCL: on generic netlink they alias the dump
	 * flags and strict families refuse them. "new" always creates.
	 */
	nlh = nl_req(DSLITE_CMD_INSTANCE_NEW, NLM_F_ACK);
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, a.name);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_ID, a.id);
	if (a.has_aftr)
		mnl_attr_put(nlh, DSLITE_A_INST_AFTR, 16, &a.aftr);
	return nl_talk(nlh, NULL, NULL);
}

static int instance_del(int argc, char **argv)
{
	struct inst_args a;
	struct nlmsghdr *nlh;
	int ret;

	ret = instance_parse_ref(argc, argv, &a, false);
	if (ret)
		return ret;
	ret = nl_open();
	if (ret)
		return ret;
	nlh = nl_req(DSLITE_CMD_INSTANCE_DEL, NLM_F_ACK);
	put_ref(nlh, &a);
	return nl_talk(nlh, NULL, NULL);
}

static int instance_show(int argc, char **argv)
{
	struct inst_args a;
	struct nlmsghdr *nlh;
	bool dump;
	int ret;

	ret = instance_parse_ref(argc, argv, &a, true);
	if (ret)
		return ret;
	ret = nl_open();
	if (ret)
		return ret;
	dump = !a.name && !a.has_id;
	nlh = nl_req(DSLITE_CMD_INSTANCE_GET,
		     NLM_F_ACK | (dump ? NLM_F_DUMP : 0));
	put_ref(nlh, &a);
	if (ctl.json)
		jw_arr_open(NULL);
	ret = nl_talk(nlh, show_cb, NULL);
	if (ctl.json) {
		jw_arr_close();
		jw_end();
	}
	return ret;
}

int do_instance(int argc, char **argv)
{
	if (argc == 0)
		return instance_show(0, NULL);
	if (is_help(argv[0])) {
		instance_help(stdout);
		return EXIT_OK;
	}
	if (argc > 1 && is_help(argv[1])) {
		instance_help(stdout);
		return EXIT_OK;
	}
	if (matches(argv[0], "add"))
		return instance_add(argc - 1, argv + 1);
	if (matches(argv[0], "delete"))
		return instance_del(argc - 1, argv + 1);
	if (matches(argv[0], "show") || matches(argv[0], "list"))
		return instance_show(argc - 1, argv + 1);
	usage_err("instance: unknown command \"%s\"", argv[0]);
	instance_help(stderr);
	return EXIT_USAGE;
}
