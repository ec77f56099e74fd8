// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl session and user: the NAT's state, per subscriber.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "objects.h"

void session_help(FILE *f)
{
	fputs("Usage: dslitectl session show  [ FILTER ] [ public ADDR[:PORT] ]\n"
	      "                               [ remote ADDR[:PORT] ] [ limit N | count ]\n"
	      "       dslitectl session flush [ FILTER ]\n"
	      "FILTER := [ instance NAME ] [ b4 IPV6 ] [ proto PROTO ]\n"
	      "PROTO := { tcp | udp | icmp }\n"
	      "The kernel filters; limit N stops after N sessions, count prints\n"
	      "only how many match, per instance.\n"
	      "Sessions reveal subscribers: both need CAP_NET_ADMIN.\n", f);
}

void user_help(FILE *f)
{
	fputs("Usage: dslitectl user show [ instance NAME ] [ b4 IPV6 ]\n"
	      "A user is one B4 address: its public address, port blocks and\n"
	      "session count. Needs CAP_NET_ADMIN.\n", f);
}

int proto_from_name(const char *s)
{
	if (!strcmp(s, "tcp"))
		return 6;
	if (!strcmp(s, "udp"))
		return 17;
	if (!strcmp(s, "icmp"))
		return 1;
	return -1;
}

const char *proto_name(unsigned int p)
{
	switch (p) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	}
	return "unknown";
}

const char *sess_state_name(unsigned int s)
{
	static const char *const n[] = {
		[DSLITE_SESS_UDP] = "udp",
		[DSLITE_SESS_ICMP] = "icmp",
		[DSLITE_SESS_TCP_SYN_OUT] = "syn-out",
		[DSLITE_SESS_TCP_SYN_IN] = "syn-in",
		[DSLITE_SESS_TCP_EST] = "established",
		[DSLITE_SESS_TCP_FIN] = "closing",
	};

	return s < sizeof(n) / sizeof(n[0]) && n[s] ? n[s] : "unknown";
}

struct filter {
	const char *inst;
	bool has_b4;
	struct in6_addr b4;
	int proto;
	/* session show only */
	bool has_pub, has_pub_port, has_rem, has_rem_port;
	struct in_addr pub, rem;
	uint16_t pub_port, rem_port;
	uint32_t limit;		/* 0: all */
	bool count;
};

/* what a command's filter may hold besides instance and b4 */
#define SF_PROTO	1	/* proto */
#define SF_SHOW		2	/* public, remote, limit, count */

/* pure: "[instance NAME] [b4 IPV6] [proto P] [public A[:P]] ..." */
int session_parse_filter(int argc, char **argv, struct filter *f,
			 unsigned int allow);

static int parse_endpoint(const char *kw, const char *arg, struct in_addr *a,
			  bool *has_port, uint16_t *port)
{
	if (parse_addr_port(arg, a, has_port, port))
		return usage_err("%s \"%s\" is not an IPv4 address[:port]",
				 kw, arg);
	return EXIT_OK;
}

int session_parse_filter(int argc, char **argv, struct filter *f,
			 unsigned int allow)
{
	int ret;

	memset(f, 0, sizeof(*f));
	while (argc > 0) {
		if ((allow & SF_SHOW) && !strcmp(argv[0], "count")) {
			f->count = true;
			argc--, argv++;
			continue;
		}
		if (argc < 2)
			return usage_err("\"%s\" needs a value", argv[0]);
		if ((allow & SF_SHOW) && !strcmp(argv[0], "public")) {
			ret = parse_endpoint("public", argv[1], &f->pub,
					     &f->has_pub_port, &f->pub_port);
			if (ret)
				return ret;
			f->has_pub = true;
		} else if ((allow & SF_SHOW) && !strcmp(argv[0], "remote")) {
			ret = parse_endpoint("remote", argv[1], &f->rem,
					     &f->has_rem_port, &f->rem_port);
			if (ret)
				return ret;
			f->has_rem = true;
		} else if ((allow & SF_SHOW) && !strcmp(argv[0], "limit")) {
			if (parse_u32(argv[1], 1, UINT32_MAX, &f->limit))
				return usage_err("limit \"%s\" is not a number of 1 or more",
						 argv[1]);
		} else if (!strcmp(argv[0], "instance")) {
			f->inst = argv[1];
		} else if (!strcmp(argv[0], "b4")) {
			if (parse_ipv6(argv[1], &f->b4))
				return usage_err("b4 \"%s\" is not an IPv6 address",
						 argv[1]);
			f->has_b4 = true;
		} else if ((allow & SF_PROTO) && !strcmp(argv[0], "proto")) {
			f->proto = proto_from_name(argv[1]);
			if (f->proto < 0)
				return usage_err("proto \"%s\" is not tcp, udp or icmp",
						 argv[1]);
		} else {
			return usage_err("unknown argument \"%s\"", argv[0]);
		}
		argc -= 2, argv += 2;
	}
	if (f->count && f->limit)
		return usage_err("count and limit exclude each other");
	return EXIT_OK;
}

static void put_filter(struct nlmsghdr *nlh, const struct filter *f)
{
	if (f->inst)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, f->inst);
	if (f->has_b4)
		mnl_attr_put(nlh, DSLITE_A_SESS_B4, 16, &f->b4);
	if (f->proto > 0)
		mnl_attr_put_u8(nlh, DSLITE_A_SESS_PROTO, (uint8_t)f->proto);
	if (f->has_pub)
		mnl_attr_put_u32(nlh, DSLITE_A_SESS_PUBLIC_ADDR, f->pub.s_addr);
	if (f->has_pub_port)
		mnl_attr_put_u16(nlh, DSLITE_A_SESS_PUBLIC_PORT, f->pub_port);
	if (f->has_rem)
		mnl_attr_put_u32(nlh, DSLITE_A_SESS_REMOTE_ADDR, f->rem.s_addr);
	if (f->has_rem_port)
		mnl_attr_put_u16(nlh, DSLITE_A_SESS_REMOTE_PORT, f->rem_port);
	if (f->limit)
		mnl_attr_put_u32(nlh, DSLITE_A_DUMP_LIMIT, f->limit);
	if (f->count)
		mnl_attr_put(nlh, DSLITE_A_DUMP_COUNT, 0, NULL);
}

static const char *ip4(const struct nlattr *a, char *buf)
{
	uint32_t v = nl_u32(a);

	return inet_ntop(AF_INET, &v, buf, INET_ADDRSTRLEN);
}

static const char *ip6(const struct nlattr *a, char *buf)
{
	if (!a || mnl_attr_get_payload_len(a) != 16)
		return "";
	return inet_ntop(AF_INET6, mnl_attr_get_payload(a), buf,
			 INET6_ADDRSTRLEN);
}

/* what a session show has printed, and may print */
struct show_ctx {
	uint64_t count;
	uint32_t limit;		/* 0: no limit */
};

/* one reply to count: "dsl0 sessions N", {"instance":..,"sessions":N} */
static int count_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_SESS_COUNT])
		return MNL_CB_OK;
	open_json_object(NULL);
	print_string(PR_ANY, "instance", "%s ",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_uint(PR_ANY, "sessions", "sessions %u",
		   mnl_attr_get_u32(tb[DSLITE_A_SESS_COUNT]));
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

/*
 * One session, printed as it arrives (under -j one element of the array
 * nl_show opened): nothing is kept, so memory does not grow with the
 * table.
 */
static int session_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char b4[INET6_ADDRSTRLEN], in[INET_ADDRSTRLEN], pub[INET_ADDRSTRLEN],
	     rem[INET_ADDRSTRLEN];
	unsigned int proto, state;
	struct show_ctx *sc = data;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_SESS_PROTO])
		return MNL_CB_OK;
	/* the kernel stops at the limit; this is for one that does not */
	if (sc->limit && sc->count >= sc->limit)
		return MNL_CB_OK;
	proto = mnl_attr_get_u8(tb[DSLITE_A_SESS_PROTO]);
	state = nl_u8(tb[DSLITE_A_SESS_STATE]);
	ip6(tb[DSLITE_A_SESS_B4], b4);
	ip4(tb[DSLITE_A_SESS_INNER_ADDR], in);
	ip4(tb[DSLITE_A_SESS_PUBLIC_ADDR], pub);
	ip4(tb[DSLITE_A_SESS_REMOTE_ADDR], rem);
	sc->count++;
	open_json_object(NULL);
	print_string(PR_ANY, "instance", "%s ",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_string(PR_ANY, "proto", "%s ", proto_name(proto));
	print_string(PR_ANY, "b4", "b4 %s ", b4);
	print_string(PR_ANY, "inner_addr", "inner %s:", in);
	print_uint(PR_ANY, "inner_port", "%u ", nl_u16(tb[DSLITE_A_SESS_INNER_PORT]));
	print_string(PR_ANY, "public_addr", "public %s:", pub);
	print_uint(PR_ANY, "public_port", "%u ",
		   nl_u16(tb[DSLITE_A_SESS_PUBLIC_PORT]));
	print_string(PR_ANY, "remote_addr", "remote %s:", rem);
	print_uint(PR_ANY, "remote_port", "%u ",
		   nl_u16(tb[DSLITE_A_SESS_REMOTE_PORT]));
	print_string(PR_ANY, "state", "%s ", sess_state_name(state));
	print_uint(PR_ANY, "expires", "expires %us",
		   nl_u32(tb[DSLITE_A_SESS_EXPIRES]));
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

static void user_block_print(const struct nlattr **tb)
{
	print_uint(PR_ANY, "first", " %u", nl_u16(tb[DSLITE_A_BLOCK_FIRST]));
	print_uint(PR_ANY, "last", "-%u", nl_u16(tb[DSLITE_A_BLOCK_LAST]));
	print_uint(PR_ANY, "sessions", "(%u)", nl_u32(tb[DSLITE_A_USER_SESSIONS]));
}

static int user_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char b4[INET6_ADDRSTRLEN], pub[INET_ADDRSTRLEN] = "";

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_SESS_B4])
		return MNL_CB_OK;
	ip6(tb[DSLITE_A_SESS_B4], b4);
	if (tb[DSLITE_A_SESS_PUBLIC_ADDR])
		ip4(tb[DSLITE_A_SESS_PUBLIC_ADDR], pub);
	open_json_object(NULL);
	print_string(PR_ANY, "instance", "%s ",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_string(PR_ANY, "b4", "b4 %s ", b4);
	/* no address yet: "" in JSON, "-" in text */
	print_json_string("public_addr", pub);
	print_string(PR_TEXT, NULL, "public %s ", *pub ? pub : "-");
	print_uint(PR_ANY, "sessions", "sessions %u blocks",
		   nl_u32(tb[DSLITE_A_USER_SESSIONS]));
	print_nests(nlh, DSLITE_A_USER_BLOCK, "blocks", user_block_print);
	print_nl();
	close_json_object();
	return MNL_CB_OK;
}

/* a request for @cmd with the filter; NULL if the socket failed */
static struct nlmsghdr *filter_req(uint8_t cmd, uint16_t flags,
				   const struct filter *f)
{
	struct nlmsghdr *nlh = nl_begin(cmd, flags);

	if (nlh)
		put_filter(nlh, f);
	return nlh;
}

static int dump(uint8_t cmd, const struct filter *f, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = filter_req(cmd, NLM_F_ACK | NLM_F_DUMP, f);

	return nlh ? nl_show(nlh, cb, data) : EXIT_KERNEL;
}

int do_session(int argc, char **argv)
{
	struct show_ctx sc = { 0 };
	struct filter f;
	int ret;

	if (argc == 0 || is_help(argv[0]) || (argc > 1 && is_help(argv[1]))) {
		session_help(argc ? stdout : stderr);
		return argc ? EXIT_OK : EXIT_USAGE;
	}
	if (matches(argv[0], "show") || matches(argv[0], "list")) {
		ret = session_parse_filter(argc - 1, argv + 1, &f,
					   SF_PROTO | SF_SHOW);
		if (ret)
			return ret;
		if (f.count)
			return dump(DSLITE_CMD_SESSION_GET, &f, count_print, NULL);
		sc.limit = f.limit;
		ret = dump(DSLITE_CMD_SESSION_GET, &f, session_print, &sc);
		/* a total in text (JSON has the array's length) */
		if (!ret && ctl.details)
			print_u64(PR_TEXT, NULL, "%" PRIu64 " sessions\n", sc.count);
		return ret;
	}
	if (matches(argv[0], "flush")) {
		struct nlmsghdr *nlh;

		ret = session_parse_filter(argc - 1, argv + 1, &f, SF_PROTO);
		if (ret)
			return ret;
		nlh = filter_req(DSLITE_CMD_SESSION_FLUSH, NLM_F_ACK, &f);
		return nlh ? nl_talk(nlh, NULL, NULL) : EXIT_KERNEL;
	}
	usage_err("session: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}

int do_user(int argc, char **argv)
{
	struct filter f;
	int ret;

	if (argc > 0 && (is_help(argv[0]) || (argc > 1 && is_help(argv[1])))) {
		user_help(stdout);
		return EXIT_OK;
	}
	if (argc == 0 || matches(argv[0], "show") || matches(argv[0], "list")) {
		ret = session_parse_filter(argc ? argc - 1 : 0,
					   argc ? argv + 1 : argv, &f, 0);
		if (ret)
			return ret;
		return dump(DSLITE_CMD_USER_GET, &f, user_print, NULL);
	}
	usage_err("user: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}
