// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl session and user: the NAT's state, per subscriber.
 */
#include <arpa/inet.h>
#include <string.h>
#include <linux/genetlink.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "objects.h"

void session_help(FILE *f)
{
	fputs("Usage: dslitectl session show  [ instance NAME ] [ b4 IPV6 ] [ proto PROTO ]\n"
	      "       dslitectl session flush [ instance NAME ] [ b4 IPV6 ] [ proto PROTO ]\n"
	      "PROTO := { tcp | udp | icmp }\n"
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
};

/* pure: "[instance NAME] [b4 IPV6] [proto P]" */
int session_parse_filter(int argc, char **argv, struct filter *f,
			 bool allow_proto);

int session_parse_filter(int argc, char **argv, struct filter *f,
			 bool allow_proto)
{
	memset(f, 0, sizeof(*f));
	while (argc > 0) {
		if (argc < 2)
			return usage_err("\"%s\" needs a value", argv[0]);
		if (!strcmp(argv[0], "instance")) {
			f->inst = argv[1];
		} else if (!strcmp(argv[0], "b4")) {
			if (parse_ipv6(argv[1], &f->b4))
				return usage_err("b4 \"%s\" is not an IPv6 address",
						 argv[1]);
			f->has_b4 = true;
		} else if (allow_proto && !strcmp(argv[0], "proto")) {
			f->proto = proto_from_name(argv[1]);
			if (f->proto < 0)
				return usage_err("proto \"%s\" is not tcp, udp or icmp",
						 argv[1]);
		} else {
			return usage_err("unknown argument \"%s\"", argv[0]);
		}
		argc -= 2, argv += 2;
	}
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
}

static const char *ip4(const struct nlattr *a, char *buf)
{
	uint32_t v = a ? mnl_attr_get_u32(a) : 0;

	return inet_ntop(AF_INET, &v, buf, INET_ADDRSTRLEN);
}

static const char *ip6(const struct nlattr *a, char *buf)
{
	if (!a || mnl_attr_get_payload_len(a) != 16)
		return "";
	return inet_ntop(AF_INET6, mnl_attr_get_payload(a), buf,
			 INET6_ADDRSTRLEN);
}

static unsigned int u16a(const struct nlattr *a)
{
	return a ? mnl_attr_get_u16(a) : 0;
}

static int session_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char b4[INET6_ADDRSTRLEN], in[INET_ADDRSTRLEN], pub[INET_ADDRSTRLEN],
	     rem[INET_ADDRSTRLEN];
	unsigned int proto, state;
	unsigned long *count = data;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_SESS_PROTO])
		return MNL_CB_OK;
	proto = mnl_attr_get_u8(tb[DSLITE_A_SESS_PROTO]);
	state = tb[DSLITE_A_SESS_STATE] ?
		mnl_attr_get_u8(tb[DSLITE_A_SESS_STATE]) : 0;
	ip6(tb[DSLITE_A_SESS_B4], b4);
	ip4(tb[DSLITE_A_SESS_INNER_ADDR], in);
	ip4(tb[DSLITE_A_SESS_PUBLIC_ADDR], pub);
	ip4(tb[DSLITE_A_SESS_REMOTE_ADDR], rem);
	(*count)++;
	if (ctl.json) {
		jw_obj_open(NULL);
		jw_str("instance", mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
		jw_str("b4", b4);
		jw_str("proto", proto_name(proto));
		jw_str("inner_addr", in);
		jw_uint("inner_port", u16a(tb[DSLITE_A_SESS_INNER_PORT]));
		jw_str("public_addr", pub);
		jw_uint("public_port", u16a(tb[DSLITE_A_SESS_PUBLIC_PORT]));
		jw_str("remote_addr", rem);
		jw_uint("remote_port", u16a(tb[DSLITE_A_SESS_REMOTE_PORT]));
		jw_str("state", sess_state_name(state));
		jw_uint("expires", tb[DSLITE_A_SESS_EXPIRES] ?
			mnl_attr_get_u32(tb[DSLITE_A_SESS_EXPIRES]) : 0);
		jw_obj_close();
	} else {
		printf("%s %s b4 %s inner %s:%u public %s:%u remote %s:%u %s expires %us\n",
		       mnl_attr_get_str(tb[DSLITE_A_INST_NAME]),
		       proto_name(proto), b4,
		       in, u16a(tb[DSLITE_A_SESS_INNER_PORT]),
		       pub, u16a(tb[DSLITE_A_SESS_PUBLIC_PORT]),
		       rem, u16a(tb[DSLITE_A_SESS_REMOTE_PORT]),
		       sess_state_name(state),
		       tb[DSLITE_A_SESS_EXPIRES] ?
		       mnl_attr_get_u32(tb[DSLITE_A_SESS_EXPIRES]) : 0);
	}
	return MNL_CB_OK;
}

static int user_print(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char b4[INET6_ADDRSTRLEN], pub[INET_ADDRSTRLEN] = "";
	const struct nlattr *a, *b;

	(void)data;
	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_SESS_B4])
		return MNL_CB_OK;
	ip6(tb[DSLITE_A_SESS_B4], b4);
	if (tb[DSLITE_A_SESS_PUBLIC_ADDR])
		ip4(tb[DSLITE_A_SESS_PUBLIC_ADDR], pub);
	if (ctl.json) {
		jw_obj_open(NULL);
		jw_str("instance", mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
		jw_str("b4", b4);
		jw_str("public_addr", pub);
		jw_uint("sessions", tb[DSLITE_A_USER_SESSIONS] ?
			mnl_attr_get_u32(tb[DSLITE_A_USER_SESSIONS]) : 0);
		jw_arr_open("blocks");
	} else {
		printf("%s b4 %s public %s sessions %u blocks",
		       mnl_attr_get_str(tb[DSLITE_A_INST_NAME]), b4,
		       *pub ? pub : "-",
		       tb[DSLITE_A_USER_SESSIONS] ?
		       mnl_attr_get_u32(tb[DSLITE_A_USER_SESSIONS]) : 0);
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		unsigned int first = 0, last = 0, n = 0;

		if (mnl_attr_get_type(a) != DSLITE_A_USER_BLOCK)
			continue;
		mnl_attr_for_each_nested(b, a) {
			switch (mnl_attr_get_type(b)) {
			case DSLITE_A_BLOCK_FIRST:
				first = mnl_attr_get_u16(b);
				break;
			case DSLITE_A_BLOCK_LAST:
				last = mnl_attr_get_u16(b);
				break;
			case DSLITE_A_USER_SESSIONS:
				n = mnl_attr_get_u32(b);
				break;
			}
		}
		if (ctl.json) {
			jw_obj_open(NULL);
			jw_uint("first", first);
			jw_uint("last", last);
			jw_uint("sessions", n);
			jw_obj_close();
		} else {
			printf(" %u-%u(%u)", first, last, n);
		}
	}
	if (ctl.json) {
		jw_arr_close();
		jw_obj_close();
	} else {
		putchar('\n');
	}
	return MNL_CB_OK;
}

static int dump(uint8_t cmd, const struct filter *f, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh;
	int ret;

	ret = nl_open();
	if (ret)
		return ret;
	nlh = nl_req(cmd, NLM_F_ACK | NLM_F_DUMP);
	put_filter(nlh, f);
	if (ctl.json)
		jw_arr_open(NULL);
	ret = nl_talk(nlh, cb, data);
	if (ctl.json) {
		jw_arr_close();
		jw_end();
	}
	return ret;
}

int do_session(int argc, char **argv)
{
	unsigned long count = 0;
	struct filter f;
	int ret;

	if (argc == 0 || is_help(argv[0]) || (argc > 1 && is_help(argv[1]))) {
		session_help(argc ? stdout : stderr);
		return argc ? EXIT_OK : EXIT_USAGE;
	}
	if (matches(argv[0], "show") || matches(argv[0], "list")) {
		ret = session_parse_filter(argc - 1, argv + 1, &f, true);
		if (ret)
			return ret;
		ret = dump(DSLITE_CMD_SESSION_GET, &f, session_print, &count);
		if (!ret && !ctl.json && ctl.details)
			printf("%lu sessions\n", count);
		return ret;
	}
	if (matches(argv[0], "flush")) {
		struct nlmsghdr *nlh;

		ret = session_parse_filter(argc - 1, argv + 1, &f, true);
		if (ret)
			return ret;
		ret = nl_open();
		if (ret)
			return ret;
		nlh = nl_req(DSLITE_CMD_SESSION_FLUSH, NLM_F_ACK);
		put_filter(nlh, &f);
		return nl_talk(nlh, NULL, NULL);
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
					   argc ? argv + 1 : argv, &f, false);
		if (ret)
			return ret;
		return dump(DSLITE_CMD_USER_GET, &f, user_print, NULL);
	}
	usage_err("user: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}
