// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl instance: add, del, show DS-Lite instances.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"

void instance_help(FILE *f)
{
	fputs("Usage: dslitectl instance add NAME id ID [aftr IPV6] [OPTIONS]\n"
	      "       dslitectl instance set { NAME | id ID } OPTIONS\n"
	      "       dslitectl instance del { NAME | id ID }\n"
	      "       dslitectl instance show [ NAME | id ID ]\n"
	      "       dslitectl instance help\n"
	      "NAME := 1-15 characters of A-Z a-z 0-9 _ - . (also its network device)\n"
	      "ID   := 1..65535, unique in the network namespace\n"
	      "IPV6 := the AFTR address the B4s tunnel to (a local address)\n"
	      "OPTIONS := [ port-block-size N ] [ port-range LO-HI ]\n"
	      "           [ max-blocks-per-user N ] [ max-sessions-per-user N ]\n"
	      "           [ max-sessions N ] [ filtering { eif | adf | apdf } ]\n"
	      "           [ hold-down SECONDS ] [ mss N ] [ mtu N ]\n"
	      "           [ service-instance-group { NAME | none } ]\n"
	      "Defaults: port-block-size 512, port-range 1024-65535,\n"
	      "  max-blocks-per-user 4, max-sessions-per-user 2048,\n"
	      "  max-sessions 1000000, filtering eif, hold-down 120, mss 0 (off),\n"
	      "  mtu 1500 (the device's; above it the stack sends frag-needed).\n"
	      "port-block-size and port-range cannot change once pools exist.\n", f);
}

void timeout_help(FILE *f)
{
	fputs("Usage: dslitectl timeout set INSTANCE [ udp S ] [ tcp-est S ]\n"
	      "                                [ tcp-trans S ] [ icmp S ] [ tcp-syn S ]\n"
	      "       dslitectl timeout show [ INSTANCE ]\n"
	      "Idle timeouts in seconds (1..86400). Defaults are the RFC floors:\n"
	      "udp 300 (RFC 4787), tcp-est 7440 and tcp-trans 240 (RFC 5382),\n"
	      "icmp 60 (RFC 5508), tcp-syn 6 (unanswered inbound SYN).\n", f);
}

static const char *const filter_names[] = { "eif", "adf", "apdf" };

int filtering_from_name(const char *s)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, filter_names[i]))
			return (int)i;
	return -1;
}

const char *filtering_name(unsigned int f)
{
	return f < 3 ? filter_names[f] : "unknown";
}

static int add_opt(struct inst_args *a, uint16_t attr, uint32_t val)
{
	if (a->n_opts >= INST_MAX_OPTS)
		return usage_err("instance: too many options");
	a->opts[a->n_opts].attr = attr;
	a->opts[a->n_opts].val = val;
	a->n_opts++;
	return EXIT_OK;
}

static const struct {
	const char *kw;
	uint16_t attr;
} u32_opts[] = {
	{ "port-block-size", DSLITE_A_INST_BLOCK_SIZE },
	{ "max-blocks-per-user", DSLITE_A_INST_MAX_BLOCKS },
	{ "max-sessions-per-user", DSLITE_A_INST_MAX_SESS_USER },
	{ "max-sessions", DSLITE_A_INST_MAX_SESS },
	{ "hold-down", DSLITE_A_INST_HOLDDOWN },
	{ "mss", DSLITE_A_INST_MSS },
	{ "mtu", DSLITE_A_INST_MTU },
};

static const struct {
	const char *kw;
	uint16_t attr;
} to_opts[] = {
	{ "udp", DSLITE_A_INST_TO_UDP },
	{ "tcp-est", DSLITE_A_INST_TO_TCP_EST },
	{ "tcp-trans", DSLITE_A_INST_TO_TCP_TRANS },
	{ "icmp", DSLITE_A_INST_TO_ICMP },
	{ "tcp-syn", DSLITE_A_INST_TO_TCP_SYN },
};

/*
 * One NAT option at argv[0] with its value at argv[1]. Returns 1 if it
 * was one (and recorded), 0 if the keyword is not an option, or
 * EXIT_USAGE (negated) on a bad value.
 */
static int parse_opt(char **argv, struct inst_args *a, bool timeouts)
{
	uint32_t v, lo, hi;
	unsigned int i;
	int f;

	if (timeouts) {
		for (i = 0; i < sizeof(to_opts) / sizeof(to_opts[0]); i++) {
			if (strcmp(argv[0], to_opts[i].kw))
				continue;
			if (parse_u32(argv[1], 0, UINT32_MAX, &v))
				return -usage_err("timeout: %s \"%s\" is not a number of seconds",
						  argv[0], argv[1]);
			return add_opt(a, to_opts[i].attr, v) ? -EXIT_USAGE : 1;
		}
		return 0;
	}
	for (i = 0; i < sizeof(u32_opts) / sizeof(u32_opts[0]); i++) {
		if (strcmp(argv[0], u32_opts[i].kw))
			continue;
		if (parse_u32(argv[1], 0, UINT32_MAX, &v))
			return -usage_err("instance: %s \"%s\" is not a number",
					  argv[0], argv[1]);
		return add_opt(a, u32_opts[i].attr, v) ? -EXIT_USAGE : 1;
	}
	if (!strcmp(argv[0], "port-range")) {
		if (parse_range(argv[1], 0, UINT32_MAX, &lo, &hi) == -EINVAL)
			return -usage_err("instance: port-range \"%s\" is not LO-HI",
					  argv[1]);
		/* the kernel judges the values (it also sees LO > HI) */
		if (sscanf(argv[1], "%u-%u", &lo, &hi) != 2)
			return -usage_err("instance: port-range \"%s\" is not LO-HI",
					  argv[1]);
		if (add_opt(a, DSLITE_A_INST_PORT_LO, lo) ||
		    add_opt(a, DSLITE_A_INST_PORT_HI, hi))
			return -EXIT_USAGE;
		return 1;
	}
	if (!strcmp(argv[0], "filtering")) {
		f = filtering_from_name(argv[1]);
		if (f < 0)
			return -usage_err("instance: filtering \"%s\" is not eif, adf or apdf",
					  argv[1]);
		return add_opt(a, DSLITE_A_INST_FILTERING, (uint32_t)f) ?
		       -EXIT_USAGE : 1;
	}
	return 0;
}

static int parse_opts(int argc, char **argv, struct inst_args *a,
		      const char *what, bool allow_id_aftr, bool timeouts)
{
	int r;

	while (argc > 0) {
		if (argc < 2)
			return usage_err("%s: \"%s\" needs a value", what,
					 argv[0]);
		if (allow_id_aftr && !strcmp(argv[0], "id")) {
			/*
			 * Range checks are the kernel's: its message is the
			 * one operators see. Only syntax is checked here.
			 */
			if (parse_u32(argv[1], 0, UINT32_MAX, &a->id))
				return usage_err("%s: id \"%s\" is not a number",
						 what, argv[1]);
			a->has_id = true;
		} else if (!timeouts && !strcmp(argv[0], "service-instance-group")) {
			a->sig = strcmp(argv[1], "none") ? argv[1] : "";
		} else if (allow_id_aftr && !strcmp(argv[0], "aftr")) {
			if (parse_ipv6(argv[1], &a->aftr))
				return usage_err("%s: aftr \"%s\" is not an IPv6 address",
						 what, argv[1]);
			a->has_aftr = true;
		} else {
			r = parse_opt(argv, a, timeouts);
			if (r < 0)
				return -r;
			if (r == 0)
				return usage_err("%s: unknown argument \"%s\"",
						 what, argv[0]);
		}
		argc -= 2, argv += 2;
	}
	return EXIT_OK;
}

enum named_cmd { INSTANCE_ADD, INSTANCE_SET, TIMEOUT_SET };

/* "NAME OPTIONS" of instance add, instance set and timeout set */
static int parse_named(int argc, char **argv, struct inst_args *a,
		       enum named_cmd cmd)
{
	static const char *const what[] = {
		[INSTANCE_ADD] = "instance add",
		[INSTANCE_SET] = "instance set",
		[TIMEOUT_SET] = "timeout set",
	};
	int ret;

	memset(a, 0, sizeof(*a));
	if (argc < 1)
		return usage_err("%s: %s is missing", what[cmd],
				 cmd == TIMEOUT_SET ? "INSTANCE" : "NAME");
	a->name = argv[0];
	ret = parse_opts(argc - 1, argv + 1, a, what[cmd], cmd == INSTANCE_ADD,
			 cmd == TIMEOUT_SET);
	if (ret)
		return ret;
	if (cmd == INSTANCE_ADD && !a->has_id)
		return usage_err("instance add: \"id ID\" is required");
	if (cmd != INSTANCE_ADD && !a->n_opts && !a->sig)
		return usage_err("%s: nothing to set", what[cmd]);
	return EXIT_OK;
}

int instance_parse_add(int argc, char **argv, struct inst_args *a)
{
	return parse_named(argc, argv, a, INSTANCE_ADD);
}

int instance_parse_set(int argc, char **argv, struct inst_args *a)
{
	return parse_named(argc, argv, a, INSTANCE_SET);
}

int timeout_parse_set(int argc, char **argv, struct inst_args *a)
{
	return parse_named(argc, argv, a, TIMEOUT_SET);
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

static void put_opts(struct nlmsghdr *nlh, const struct inst_args *a)
{
	int i;

	if (a->sig)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_SIG, a->sig);
	for (i = 0; i < a->n_opts; i++) {
		if (a->opts[i].attr == DSLITE_A_INST_FILTERING)
			mnl_attr_put_u8(nlh, a->opts[i].attr,
					(uint8_t)a->opts[i].val);
		else
			mnl_attr_put_u32(nlh, a->opts[i].attr, a->opts[i].val);
	}
}

static void put_ref(struct nlmsghdr *nlh, const struct inst_args *a)
{
	if (a->name)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, a->name);
	if (a->has_id)
		mnl_attr_put_u32(nlh, DSLITE_A_INST_ID, a->id);
}

/* the settings: details (-d), and always under "timeout show" */
static void print_settings(const struct nlattr **tb)
{
	if (!ctl.details || !tb[DSLITE_A_INST_BLOCK_SIZE])
		return;
	print_uint(PR_ANY, "port_block_size", "    port-block-size %u ",
		   nl_u32(tb[DSLITE_A_INST_BLOCK_SIZE]));
	print_uint(PR_ANY, "port_range_lo", "port-range %u",
		   nl_u32(tb[DSLITE_A_INST_PORT_LO]));
	print_uint(PR_ANY, "port_range_hi", "-%u ",
		   nl_u32(tb[DSLITE_A_INST_PORT_HI]));
	print_uint(PR_ANY, "max_blocks_per_user", "max-blocks-per-user %u\n",
		   nl_u32(tb[DSLITE_A_INST_MAX_BLOCKS]));
	print_uint(PR_ANY, "max_sessions_per_user",
		   "    max-sessions-per-user %u ",
		   nl_u32(tb[DSLITE_A_INST_MAX_SESS_USER]));
	print_uint(PR_ANY, "max_sessions", "max-sessions %u ",
		   nl_u32(tb[DSLITE_A_INST_MAX_SESS]));
	print_string(PR_ANY, "filtering", "filtering %s ",
		     filtering_name(nl_u8(tb[DSLITE_A_INST_FILTERING])));
	print_uint(PR_ANY, "hold_down", "hold-down %u\n",
		   nl_u32(tb[DSLITE_A_INST_HOLDDOWN]));
	print_uint(PR_ANY, "mss", "    mss %u ", nl_u32(tb[DSLITE_A_INST_MSS]));
	print_uint(PR_ANY, "mtu", "mtu %u\n", nl_u32(tb[DSLITE_A_INST_MTU]));
	/* the session indexes' size (a kernel before them sends neither) */
	if (tb[DSLITE_A_INST_SESS_BUCKETS] && tb[DSLITE_A_INST_SESS_BUCKETS_MAX]) {
		print_uint(PR_ANY, "session_buckets", "    session-buckets %u ",
			   nl_u32(tb[DSLITE_A_INST_SESS_BUCKETS]));
		print_uint(PR_ANY, "session_buckets_max", "max %u\n",
			   nl_u32(tb[DSLITE_A_INST_SESS_BUCKETS_MAX]));
	}
	open_json_object("timeouts");
	print_uint(PR_ANY, "udp", "    timeout udp %u ",
		   nl_u32(tb[DSLITE_A_INST_TO_UDP]));
	print_uint(PR_ANY, "tcp_est", "tcp-est %u ",
		   nl_u32(tb[DSLITE_A_INST_TO_TCP_EST]));
	print_uint(PR_ANY, "tcp_trans", "tcp-trans %u ",
		   nl_u32(tb[DSLITE_A_INST_TO_TCP_TRANS]));
	print_uint(PR_ANY, "icmp", "icmp %u ",
		   nl_u32(tb[DSLITE_A_INST_TO_ICMP]));
	print_uint(PR_ANY, "tcp_syn", "tcp-syn %u\n",
		   nl_u32(tb[DSLITE_A_INST_TO_TCP_SYN]));
	close_json_object();
}

int instance_print(const struct nlmsghdr *nlh, const char *event)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	const struct nlattr *fwd;
	char aftr[INET6_ADDRSTRLEN] = "";

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_INST_ID])
		return MNL_CB_OK;
	if (tb[DSLITE_A_INST_AFTR] &&
	    mnl_attr_get_payload_len(tb[DSLITE_A_INST_AFTR]) == 16)
		inet_ntop(AF_INET6, mnl_attr_get_payload(tb[DSLITE_A_INST_AFTR]),
			  aftr, sizeof(aftr));
	fwd = tb[DSLITE_A_INST_IPV4_FORWARDING];

	open_json_object(NULL);
	if (event)
		print_string(PR_ANY, "event", "%s ", event);
	print_string(PR_ANY, "name", "instance %s",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_uint(PR_ANY, "id", " id %u", mnl_attr_get_u32(tb[DSLITE_A_INST_ID]));
	if (*aftr)
		print_string(PR_ANY, "aftr", " aftr %s", aftr);
	if (tb[DSLITE_A_INST_SIG])
		print_string(PR_ANY, "service_instance_group",
			     " service-instance-group %s",
			     mnl_attr_get_str(tb[DSLITE_A_INST_SIG]));
	/* a warning: translated packets go nowhere (drop_no_forward) */
	if (fwd)
		print_bool(PR_ANY, "ipv4_forwarding", NULL, " forwarding off",
			   mnl_attr_get_u8(fwd));
	print_nl();
	print_settings(tb);
	close_json_object();
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
	/*
	 * No NLM_F_CREATE/EXCL: on generic netlink they alias the dump
	 * flags and strict families refuse them. "new" always creates.
	 */
	nlh = nl_begin(DSLITE_CMD_INSTANCE_NEW, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, a.name);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_ID, a.id);
	if (a.has_aftr)
		mnl_attr_put(nlh, DSLITE_A_INST_AFTR, 16, &a.aftr);
	put_opts(nlh, &a);
	return nl_talk(nlh, NULL, NULL);
}

static int set_common(struct inst_args *a)
{
	struct nlmsghdr *nlh = nl_begin(DSLITE_CMD_INSTANCE_SET, NLM_F_ACK);

	if (!nlh)
		return EXIT_KERNEL;
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, a->name);
	put_opts(nlh, a);
	return nl_talk(nlh, NULL, NULL);
}

static int instance_set(int argc, char **argv)
{
	struct inst_args a;
	int ret;

	ret = instance_parse_set(argc, argv, &a);
	return ret ? ret : set_common(&a);
}

int do_timeout(int argc, char **argv)
{
	struct inst_args a;
	int ret;

	if (argc == 0 || is_help(argv[0]) || (argc > 1 && is_help(argv[1]))) {
		timeout_help(argc ? stdout : stderr);
		return argc ? EXIT_OK : EXIT_USAGE;
	}
	if (matches(argv[0], "set")) {
		ret = timeout_parse_set(argc - 1, argv + 1, &a);
		return ret ? ret : set_common(&a);
	}
	if (matches(argv[0], "show")) {
		ctl.details = true;
		return do_instance(argc, argv);
	}
	usage_err("timeout: unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}

static int instance_del(int argc, char **argv)
{
	struct inst_args a;
	struct nlmsghdr *nlh;
	int ret;

	ret = instance_parse_ref(argc, argv, &a, false);
	if (ret)
		return ret;
	nlh = nl_begin(DSLITE_CMD_INSTANCE_DEL, NLM_F_ACK);
	if (!nlh)
		return EXIT_KERNEL;
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
	dump = !a.name && !a.has_id;
	nlh = nl_begin(DSLITE_CMD_INSTANCE_GET,
		       NLM_F_ACK | (dump ? NLM_F_DUMP : 0));
	if (!nlh)
		return EXIT_KERNEL;
	put_ref(nlh, &a);
	return nl_show(nlh, show_cb, NULL);
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
	if (matches(argv[0], "set"))
		return instance_set(argc - 1, argv + 1);
	if (matches(argv[0], "delete"))
		return instance_del(argc - 1, argv + 1);
	if (matches(argv[0], "show") || matches(argv[0], "list"))
		return instance_show(argc - 1, argv + 1);
	usage_err("instance: unknown command \"%s\"", argv[0]);
	instance_help(stderr);
	return EXIT_USAGE;
}
