// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl pool: the public IPv4 prefixes of an instance.
 */
#include <arpa/inet.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "objects.h"

void pool_help(FILE *f)
{
	fputs("Usage: dslitectl pool add INSTANCE PREFIX [ service-location ID ]\n"
	      "       dslitectl pool del INSTANCE PREFIX\n"
	      "       dslitectl pool show [ INSTANCE ]\n"
	      "PREFIX := A.B.C.D/LEN with LEN 16..32 (no host bits)\n"
	      "Route each prefix to the instance's device:\n"
	      "  ip route add PREFIX dev INSTANCE\n"
	      "Deleting a pool ends the sessions and frees the blocks on it.\n", f);
}

static int pool_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char addr[INET_ADDRSTRLEN], prefix[INET_ADDRSTRLEN + 4];
	uint32_t a;

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_POOL_ADDR] ||
	    !tb[DSLITE_A_POOL_PLEN])
		return MNL_CB_OK;
	a = mnl_attr_get_u32(tb[DSLITE_A_POOL_ADDR]);
	inet_ntop(AF_INET, &a, addr, sizeof(addr));
	snprintf(prefix, sizeof(prefix), "%s/%u", addr,
		 mnl_attr_get_u8(tb[DSLITE_A_POOL_PLEN]));
	open_json_object(NULL);
	print_string(PR_ANY, "prefix", "pool %s", prefix);
	print_string(PR_ANY, "instance", " instance %s",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_uint(PR_ANY, "blocks", " blocks %u",
		   nl_u32(tb[DSLITE_A_POOL_BLOCKS]));
	print_uint(PR_ANY, "blocks_used", " used %u",
		   nl_u32(tb[DSLITE_A_POOL_BLOCKS_USED]));
	if (tb[DSLITE_A_POOL_SL])
		print_uint(PR_ANY, "service_location", " service-location %u",
			   mnl_attr_get_u32(tb[DSLITE_A_POOL_SL]));
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

static int pool_change(int argc, char **argv, uint8_t cmd)
{
	struct nlmsghdr *nlh;
	struct in_addr addr;
	uint8_t plen;
	uint32_t sl = 0;

	if (argc == 4 && !strcmp(argv[2], "service-location")) {
		if (parse_u32(argv[3], 0, UINT32_MAX, &sl))
			return usage_err("pool: service-location \"%s\" is not a number",
					 argv[3]);
		argc = 2;
	}
	if (argc != 2)
		return usage_err("pool: INSTANCE and PREFIX are required");
	if (parse_prefix4(argv[1], &addr, &plen))
		return usage_err("pool: \"%s\" is not an IPv4 prefix A.B.C.D/LEN without host bits",
				 argv[1]);
	nlh = nl_begin(cmd, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, argv[0]);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_ADDR, addr.s_addr);
	mnl_attr_put_u8(nlh, DSLITE_A_POOL_PLEN, plen);
	if (sl)
		mnl_attr_put_u32(nlh, DSLITE_A_POOL_SL, sl);
	return nl_talk(nlh, NULL, NULL);
}

static int pool_show(int argc, char **argv)
{
	struct nlmsghdr *nlh;

	if (argc > 1)
		return usage_err("pool show: too many arguments");
	nlh = nl_begin(DSLITE_CMD_POOL_GET, NLM_F_ACK | NLM_F_DUMP);
	if (!nlh)
		return EXIT_KERNEL;
	if (argc == 1)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, argv[0]);
	return nl_show(nlh, pool_print, NULL);
}

int do_pool(int argc, char **argv)
{
	if (argc == 0)
		return pool_show(0, NULL);
	if (is_help(argv[0]) || (argc > 1 && is_help(argv[1]))) {
		pool_help(stdout);
		return EXIT_OK;
	}
	if (matches(argv[0], "add"))
		return pool_change(argc - 1, argv + 1, DSLITE_CMD_POOL_NEW);
	if (matches(argv[0], "delete"))
		return pool_change(argc - 1, argv + 1, DSLITE_CMD_POOL_DEL);
	if (matches(argv[0], "show") || matches(argv[0], "list"))
		return pool_show(argc - 1, argv + 1);
	usage_err("pool: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}
