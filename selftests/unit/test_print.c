// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of dslitectl's printers: every show command and the
 * monitor run on canned kernel replies (nl_open/nl_talk/nl_monitor are
 * replaced at link time with --wrap), in the four modes text, -d, -j and
 * -j -d. Checks:
 *  - each output is byte for byte the one in print.golden (text is what
 *    scripts parse; JSON keys are an API): `test_print --update` rewrites
 *    the file, review its diff;
 *  - each output that is JSON is valid for the key scanner below, and
 *    every scalar a JSON output carries shows up in the text output of
 *    the same mode (the same fields, printed once for both), except the
 *    few JSON-only keys listed in json_only[];
 *  - -d means the same in text and JSON: the details appear with -d in
 *    both or in neither.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "tap.h"
#include "../../tools/util.h"
#include "../../tools/json.h"
#include "../../tools/nl.h"
#include "../../tools/instance.h"
#include "../../tools/objects.h"

#ifndef GOLDEN
#define GOLDEN "print.golden"
#endif

struct ctl ctl;

int usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* ---- canned kernel replies ---------------------------------------------- */

static char msgbuf[16][4096];
static int n_msgs;

static struct nlmsghdr *msg(uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(msgbuf[n_msgs++]);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = 0x20;
	g->cmd = cmd;
	return nlh;
}

static void put_in6(struct nlmsghdr *nlh, uint16_t t, const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	mnl_attr_put(nlh, t, sizeof(a), &a);
}

static void put_in4(struct nlmsghdr *nlh, uint16_t t, const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	mnl_attr_put_u32(nlh, t, a.s_addr);
}

static void instance_msg(uint8_t cmd, bool first)
{
	struct nlmsghdr *nlh = msg(cmd);

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, first ? "dsl0" : "edge-7");
	mnl_attr_put_u32(nlh, DSLITE_A_INST_ID, first ? 1 : 7);
	if (first)
		put_in6(nlh, DSLITE_A_INST_AFTR, "2001:db8::1");
	mnl_attr_put_u32(nlh, DSLITE_A_INST_BLOCK_SIZE, first ? 512 : 256);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_PORT_LO, first ? 1024 : 2000);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_PORT_HI, first ? 65535 : 60999);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_MAX_BLOCKS, first ? 4 : 9);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_MAX_SESS_USER, first ? 2048 : 333);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_MAX_SESS, first ? 1000000 : 4444);
	mnl_attr_put_u8(nlh, DSLITE_A_INST_FILTERING, first ? 0 : 2);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_TO_UDP, first ? 300 : 31);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_TO_TCP_EST, first ? 7440 : 601);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_TO_TCP_TRANS, first ? 240 : 41);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_TO_ICMP, first ? 60 : 61);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_TO_TCP_SYN, first ? 6 : 5);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_HOLDDOWN, first ? 120 : 17);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_MSS, first ? 0 : 1399);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_MTU, first ? 1500 : 1460);
	if (!first)
		mnl_attr_put_strz(nlh, DSLITE_A_INST_SIG, "sig1");
	mnl_attr_put_u8(nlh, DSLITE_A_INST_IPV4_FORWARDING, first ? 0 : 1);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_SESS_BUCKETS, first ? 64 : 8192);
	mnl_attr_put_u32(nlh, DSLITE_A_INST_SESS_BUCKETS_MAX,
			 first ? 1048576 : 8192);
}

static void pool_msgs(void)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_POOL_GET);

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	put_in4(nlh, DSLITE_A_POOL_ADDR, "198.51.100.0");
	mnl_attr_put_u8(nlh, DSLITE_A_POOL_PLEN, 24);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_BLOCKS, 31744);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_BLOCKS_USED, 12);
	nlh = msg(DSLITE_CMD_POOL_GET);
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "edge-7");
	put_in4(nlh, DSLITE_A_POOL_ADDR, "203.0.113.128");
	mnl_attr_put_u8(nlh, DSLITE_A_POOL_PLEN, 25);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_BLOCKS, 29);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_BLOCKS_USED, 3);
	mnl_attr_put_u32(nlh, DSLITE_A_POOL_SL, 2);
}

static void session_msg(int proto, int state, const char *rem, int rport)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_SESSION_GET);

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	put_in6(nlh, DSLITE_A_SESS_B4, "2001:db8:a::a");
	mnl_attr_put_u8(nlh, DSLITE_A_SESS_PROTO, proto);
	put_in4(nlh, DSLITE_A_SESS_INNER_ADDR, "192.168.1.10");
	mnl_attr_put_u16(nlh, DSLITE_A_SESS_INNER_PORT, 40001);
	put_in4(nlh, DSLITE_A_SESS_PUBLIC_ADDR, "198.51.100.7");
	mnl_attr_put_u16(nlh, DSLITE_A_SESS_PUBLIC_PORT, 5123);
	put_in4(nlh, DSLITE_A_SESS_REMOTE_ADDR, rem);
	mnl_attr_put_u16(nlh, DSLITE_A_SESS_REMOTE_PORT, rport);
	mnl_attr_put_u8(nlh, DSLITE_A_SESS_STATE, state);
	mnl_attr_put_u32(nlh, DSLITE_A_SESS_EXPIRES, 7431);
}

static void user_msgs(void)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_USER_GET);
	struct nlattr *n;
	int i;

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	put_in6(nlh, DSLITE_A_SESS_B4, "2001:db8:a::a");
	put_in4(nlh, DSLITE_A_SESS_PUBLIC_ADDR, "198.51.100.7");
	mnl_attr_put_u32(nlh, DSLITE_A_USER_SESSIONS, 37);
	for (i = 0; i < 2; i++) {
		n = mnl_attr_nest_start(nlh, DSLITE_A_USER_BLOCK);
		mnl_attr_put_u16(nlh, DSLITE_A_BLOCK_FIRST, 5120 + 512 * i);
		mnl_attr_put_u16(nlh, DSLITE_A_BLOCK_LAST, 5631 + 512 * i);
		mnl_attr_put_u32(nlh, DSLITE_A_USER_SESSIONS, 30 + 7 * i);
		mnl_attr_nest_end(nlh, n);
	}
	nlh = msg(DSLITE_CMD_USER_GET);
	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	put_in6(nlh, DSLITE_A_SESS_B4, "2001:db8:a::b");
	mnl_attr_put_u32(nlh, DSLITE_A_USER_SESSIONS, 0);
}

static void stats_msg(void)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_STATS_GET);
	struct nlattr *n;
	int i;

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	n = mnl_attr_nest_start(nlh, DSLITE_A_STATS);
	for (i = 1; i <= DSLITE_STAT_MAX; i++)
		mnl_attr_put_u64(nlh, i, 1000003ull * i);
	mnl_attr_nest_end(nlh, n);
}

/* SL 1's key, given only to a doit that asks (SL_WITH_KEY); a blank in it
 * makes save quote it */
#define CANNED_KEY "canned sync key 0123456789"

static void sl_msg(uint32_t id, bool with_key)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_SL_GET);
	struct nlattr *n;
	int i;

	mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, id);
	mnl_attr_put_strz(nlh, DSLITE_A_SL_IFNAME, id == 1 ? "eth2" : "sync0");
	if (id == 1) {
		put_in4(nlh, DSLITE_A_SL_PEER, "192.0.2.2");
	} else {
		struct in6_addr a;

		inet_pton(AF_INET6, "2001:db8:ff::2", &a);
		mnl_attr_put(nlh, DSLITE_A_SL_PEER, 16, &a);
	}
	mnl_attr_put_u16(nlh, DSLITE_A_SL_PORT, id == 1 ? 8286 : 9001);
	mnl_attr_put_u8(nlh, DSLITE_A_SL_ROLE, id == 1 ? DSLITE_ROLE_MASTER :
			DSLITE_ROLE_BACKUP);
	mnl_attr_put_u8(nlh, DSLITE_A_SL_PEER_STATE, id == 1 ?
			DSLITE_PEER_IN_SYNC : DSLITE_PEER_BULK);
	if (id == 1 && with_key)
		mnl_attr_put(nlh, DSLITE_A_SL_KEY, strlen(CANNED_KEY), CANNED_KEY);
	if (id == 1) {
		mnl_attr_put(nlh, DSLITE_A_SL_HAS_KEY, 0, NULL);
		mnl_attr_put_u8(nlh, DSLITE_A_SL_VRID, 10);
		mnl_attr_put_strz(nlh, DSLITE_A_SL_VRRP_IF, "eth0");
		put_in6(nlh, DSLITE_A_SL_AFTR, "2001:db8::2");
	}
	mnl_attr_put_u8(nlh, DSLITE_A_SL_HEALTHY, id == 1);
	if (id != 1)
		mnl_attr_put_strz(nlh, DSLITE_A_SL_HEALTH,
				  "bulk sync from the peer not complete");
	if (id == 1)
		mnl_attr_put_u8(nlh, DSLITE_A_SL_KEY_STATE, DSLITE_KEY_OVERLAP);
	else
		mnl_attr_put_strz(nlh, DSLITE_A_SL_MISMATCH,
				  "instance dsl0 (id 1): timeout udp 600 here, 3600 on the peer");
	n = mnl_attr_nest_start(nlh, DSLITE_A_SL_SYNC);
	for (i = 1; i < __DSLITE_SYNC_STAT_MAX; i++)
		if (i != DSLITE_SYNC_STAT_PAD)
			mnl_attr_put_u64(nlh, i, 100 * id + i);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, DSLITE_A_SL_LAG, 250 * id);
}

static void sig_msg(void)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_SIG_GET);
	struct nlattr *n;
	int i;

	mnl_attr_put_strz(nlh, DSLITE_A_SIG_NAME, "sig1");
	for (i = 1; i <= 2; i++) {
		n = mnl_attr_nest_start(nlh, DSLITE_A_SIG_MEMBER);
		mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, i);
		mnl_attr_put_u32(nlh, DSLITE_A_SIG_WEIGHT, 40 + 20 * i);
		mnl_attr_nest_end(nlh, n);
	}
}

static void event_msg(uint8_t cmd, bool block, bool reason)
{
	struct nlmsghdr *nlh = msg(cmd);

	mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
	mnl_attr_put_u64(nlh, DSLITE_A_EVENT_TIME, 1795611600ull + n_msgs);
	/* the reason-less limit as from a module without milliseconds */
	if (block || reason)
		mnl_attr_put_u64(nlh, DSLITE_A_EVENT_TIME_MS,
				 (1795611600ull + n_msgs) * 1000 + 7 * n_msgs);
	put_in6(nlh, DSLITE_A_SESS_B4, "2001:db8:a::c");
	if (block) {
		put_in4(nlh, DSLITE_A_SESS_PUBLIC_ADDR, "198.51.100.8");
		mnl_attr_put_u16(nlh, DSLITE_A_BLOCK_FIRST, 40000);
		mnl_attr_put_u16(nlh, DSLITE_A_BLOCK_LAST, 40511);
	}
	if (reason)
		mnl_attr_put_u32(nlh, DSLITE_A_EVENT_REASON,
				 DSLITE_STAT_DROP_QUOTA);
}

static void sl_event_msg(uint8_t ev, uint8_t role, uint8_t ps, const char *mismatch)
{
	struct nlmsghdr *nlh = msg(DSLITE_CMD_EVENT_SL);

	mnl_attr_put_u32(nlh, DSLITE_A_SL_ID, 2);
	mnl_attr_put_u64(nlh, DSLITE_A_EVENT_TIME, 1795611600ull + n_msgs);
	mnl_attr_put_u64(nlh, DSLITE_A_EVENT_TIME_MS,
			 (1795611600ull + n_msgs) * 1000 + 999);
	mnl_attr_put_u8(nlh, DSLITE_A_SL_EVENT, ev);
	mnl_attr_put_u8(nlh, DSLITE_A_SL_ROLE, role);
	mnl_attr_put_u8(nlh, DSLITE_A_SL_PEER_STATE, ps);
	if (mismatch)
		mnl_attr_put_strz(nlh, DSLITE_A_SL_MISMATCH, mismatch);
}

static uint32_t req_u32(const struct nlmsghdr *req, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return mnl_attr_get_u32(a);
	return 0;
}

static bool req_has(const struct nlmsghdr *req, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return true;
	return false;
}

/* the replies the kernel would send to @req */
static void replies(const struct nlmsghdr *req)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(req);
	struct nlmsghdr *nlh;

	n_msgs = 0;
	switch (g->cmd) {
	case DSLITE_CMD_INSTANCE_GET:
		instance_msg(DSLITE_CMD_INSTANCE_GET, true);
		instance_msg(DSLITE_CMD_INSTANCE_GET, false);
		break;
	case DSLITE_CMD_POOL_GET:
		pool_msgs();
		break;
	case DSLITE_CMD_SESSION_GET:
		if (req_has(req, DSLITE_A_DUMP_COUNT)) {
			/* count: one message per instance */
			nlh = msg(DSLITE_CMD_SESSION_GET);
			mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "dsl0");
			mnl_attr_put_u32(nlh, DSLITE_A_SESS_COUNT, 100002);
			nlh = msg(DSLITE_CMD_SESSION_GET);
			mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, "edge-7");
			mnl_attr_put_u32(nlh, DSLITE_A_SESS_COUNT, 0);
			break;
		}
		/* both even under limit 1: the CLI stops printing itself */
		session_msg(17, DSLITE_SESS_UDP, "203.0.113.9", 53);
		session_msg(6, DSLITE_SESS_TCP_EST, "203.0.113.10", 443);
		break;
	case DSLITE_CMD_USER_GET:
		user_msgs();
		break;
	case DSLITE_CMD_STATS_GET:
		stats_msg();
		break;
	case DSLITE_CMD_HA_GET:
		nlh = msg(DSLITE_CMD_HA_GET);
		mnl_attr_put_u8(nlh, DSLITE_A_HA_ENABLED, 1);
		break;
	case DSLITE_CMD_SL_GET:
		/* the key only to a doit that asks, as the kernel does */
		if (req_u32(req, DSLITE_A_SL_ID) != 2)
			sl_msg(1, req_u32(req, DSLITE_A_SL_ID) == 1 &&
			       req_has(req, DSLITE_A_SL_WITH_KEY));
		if (req_u32(req, DSLITE_A_SL_ID) != 1)
			sl_msg(2, false);
		break;
	case DSLITE_CMD_SIG_GET:
		sig_msg();
		break;
	}
}

/* ---- the transport, replaced ------------------------------------------- */

int __real_nl_open(void);
int __wrap_nl_open(void);
int __wrap_nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
int __wrap_nl_monitor(mnl_cb_t cb, void *data);

int __wrap_nl_open(void)
{
	return EXIT_OK;
}

static int feed(mnl_cb_t cb, void *data)
{
	int i;

	for (i = 0; i < n_msgs; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)msgbuf[i];

		if (cb && cb(nlh, data) < MNL_CB_OK)
			return EXIT_KERNEL;
	}
	return EXIT_OK;
}

int __wrap_nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	replies(nlh);
	return feed(cb, data);
}

int __wrap_nl_monitor(mnl_cb_t cb, void *data)
{
	n_msgs = 0;
	instance_msg(DSLITE_CMD_INSTANCE_NEW, false);
	event_msg(DSLITE_CMD_EVENT_BLOCK_ALLOC, true, false);
	event_msg(DSLITE_CMD_EVENT_LIMIT, false, true);
	event_msg(DSLITE_CMD_EVENT_LIMIT, false, false);
	event_msg(DSLITE_CMD_EVENT_BLOCK_FREE, true, false);
	sl_event_msg(DSLITE_SL_EV_MISMATCH, 2, 3,
		     "instance dsl0 (id 1): timeout udp 600 here, 3600 on the peer");
	sl_event_msg(DSLITE_SL_EV_BULK_END, 1, 2, NULL);
	instance_msg(DSLITE_CMD_INSTANCE_DEL, true);
	return feed(cb, data);
}

/* monitor syslog: each line it would log, on standard output */
void __wrap_openlog(const char *ident, int option, int facility);
void __wrap_syslog(int prio, const char *fmt, ...);
void __wrap___syslog_chk(int prio, int flag, const char *fmt, ...);

void __wrap_openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

static void syslog_line(int prio, const char *fmt, va_list ap)
{
	printf("syslog %d: ", prio);
	vprintf(fmt, ap);
	putchar('\n');
}

void __wrap_syslog(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	syslog_line(prio, fmt, ap);
	va_end(ap);
}

void __wrap___syslog_chk(int prio, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	syslog_line(prio, fmt, ap);
	va_end(ap);
}

/* ---- running a command with its output captured ------------------------- */

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	int argc;
	char *argv[4];
	int rc;
};

static const struct cmd cmds[] = {
	{ "instance show", do_instance, 1, { "show" }, 0 },
	{ "timeout show", do_timeout, 1, { "show" }, 0 },
	{ "pool show", do_pool, 1, { "show" }, 0 },
	{ "session show", do_session, 1, { "show" }, 0 },
	{ "session show count", do_session, 2, { "show", "count" }, 0 },
	{ "session show limit 1", do_session, 3, { "show", "limit", "1" }, 0 },
	{ "user show", do_user, 1, { "show" }, 0 },
	{ "stats show", do_stats, 1, { "show" }, 0 },
	{ "ha show", ha_object, 1, { "show" }, 0 },
	{ "service-location show", sl_object, 1, { "show" }, 0 },
	{ "service-location check 1", sl_object, 2, { "check", "1" }, 0 },
	{ "service-location check 2", sl_object, 2, { "check", "2" },
	  EXIT_UNHEALTHY },
	{ "service-instance-group show", sig_object, 1, { "show" }, 0 },
	{ "monitor", do_monitor, 0, { NULL }, 0 },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))
#define N_MODES 4
static const char *const mode_names[N_MODES] = { "", "-d ", "-j ", "-j -d " };

/* run @c in @mode; its standard output in a malloc'ed string */
static char *capture(const struct cmd *c, int mode, int *rc)
{
	char *argv[5] = { NULL }, *buf;
	FILE *tmp = tmpfile();
	int saved = dup(STDOUT_FILENO);
	long len;

	memcpy(argv, c->argv, sizeof(c->argv));
	memset(&ctl, 0, sizeof(ctl));
	ctl.details = mode & 1;
	ctl.json = mode & 2;
	fflush(stdout);
	dup2(fileno(tmp), STDOUT_FILENO);
	print_init(stdout, ctl.json, false);
	*rc = c->run(c->argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	len = ftell(tmp);
	buf = calloc(1, len + 1);
	rewind(tmp);
	if (fread(buf, 1, len, tmp) != (size_t)len)
		buf[0] = '\0';
	fclose(tmp);
	return buf;
}

/* ---- checks on the outputs ---------------------------------------------- */

/* keys that only JSON carries: their value is in the text's wording */
static const char *const json_only[] = {
	"time_unix",		/* the text has the time as ISO 8601 */
	"time_ms",		/* the same, in milliseconds */
	"ipv4_forwarding",	/* text: " forwarding off" when false */
	"authentication",	/* text: authentication hmac-sha256 | none */
	"healthy",		/* text: "healthy" | "not healthy: ..." */
	"hot_backup",		/* text: hot-backup on | off */
	NULL
};

static bool is_json_only(const char *key, size_t n)
{
	int i;

	for (i = 0; json_only[i]; i++)
		if (strlen(json_only[i]) == n && !strncmp(json_only[i], key, n))
			return true;
	return false;
}

/* @val in @text as a whole word: "2" is not in "203.0.113.9" */
static bool has_token(const char *text, const char *val)
{
	size_t n = strlen(val);
	const char *p;

	for (p = strstr(text, val); p; p = strstr(p + 1, val)) {
		bool before = p == text || !isalnum((unsigned char)p[-1]);
		bool after = !isdigit((unsigned char)p[n]);	/* "7431s" */

		if (before && after)
			return true;
	}
	return false;
}

/*
 * Walk the compact JSON @j: every "key":scalar must have its scalar in
 * @text (strings as they are, numbers as digits). Returns the number of
 * scalars not found (and prints them), or -1 if @j is not what our
 * writer produces.
 */
static int fields_missing(const char *j, const char *text, int *n_keys)
{
	const char *p = j, *key, *v, *e;
	char val[256];
	int missing = 0;
	size_t klen;

	*n_keys = 0;
	while ((p = strchr(p, '"'))) {
		key = p + 1;
		e = strchr(key, '"');
		if (!e)
			return -1;
		klen = e - key;
		if (e[1] != ':') {	/* a string value, not a key */
			p = e + 1;
			continue;
		}
		v = e + 2;
		(*n_keys)++;
		if (*v == '"') {
			e = strchr(v + 1, '"');
			if (!e)
				return -1;
			snprintf(val, sizeof(val), "%.*s", (int)(e - v - 1), v + 1);
			p = e + 1;
		} else if (*v == '{' || *v == '[') {
			p = v;
			continue;
		} else {
			e = v + strcspn(v, ",}]");
			snprintf(val, sizeof(val), "%.*s", (int)(e - v), v);
			p = e;
		}
		if (is_json_only(key, klen) || !*val)
			continue;
		if (!has_token(text, val)) {
			printf("#   \"%.*s\": %s is not in the text output\n",
			       (int)klen, key, val);
			missing++;
		}
	}
	return missing;
}

/* the keys -d adds: the instance settings */
static const char *const detail_keys[] = {
	"\"port_block_size\":", "\"timeouts\":", "\"mtu\":", NULL
};

static bool has_details(const char *out, bool json)
{
	int i;

	if (!json)
		return strstr(out, "port-block-size ") != NULL;
	for (i = 0; detail_keys[i]; i++)
		if (!strstr(out, detail_keys[i]))
			return false;
	return true;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (fread(buf, 1, len, f) != (size_t)len)
		buf[0] = '\0';
	fclose(f);
	return buf;
}

/* the section "=== NAME\n...\n" of @golden, or NULL */
static char *section(const char *golden, const char *name)
{
	char head[160];
	const char *s, *e;

	snprintf(head, sizeof(head), "=== %s\n", name);
	s = strstr(golden, head);
	if (!s)
		return NULL;
	s += strlen(head);
	e = strstr(s, "\n=== ");
	e = e ? e + 1 : s + strlen(s);
	return strndup(s, e - s);
}

/*
 * @out as section @name: written to @g (--update), or checked against
 * @golden (the difference shown). True when written.
 */
static bool golden_section(const char *golden, FILE *g, const char *name,
			   const char *out)
{
	char *want;
	bool same;

	if (g) {
		fprintf(g, "=== %s\n%s", name, out);
		return true;
	}
	want = section(golden, name);
	same = want && !strcmp(want, out);
	TAP_CHECK(same, "%s: output as in " GOLDEN, name);
	if (!same)
		printf("#   got:\n%s#   want:\n%s", out, want ? want : "(no section)\n");
	free(want);
	return false;
}

/*
 * @out into a new temporary file @path (a mkstemp template), the line
 * starting with @from (if any) replaced by @to
 */
static void write_edited(char *path, const char *out, const char *from,
			 const char *to)
{
	FILE *f = fdopen(mkstemp(path), "w");
	const char *p, *nl;

	for (p = out; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		if (from && !strncmp(p, from, strlen(from)))
			fprintf(f, "%s\n", to);
		else
			fprintf(f, "%.*s\n", (int)(nl - p), p);
	}
	fclose(f);
}

/*
 * save prints the canned configuration as a batch (golden), and apply of
 * that batch against the same canned kernel has nothing to do: what save
 * writes, apply (and so -b) reads back as the same configuration. One
 * changed timeout is one command; a change that cannot be made in place
 * is refused, exit 1, with no command.
 */
static void save_apply_checks(const char *golden, FILE *g)
{
	static const struct cmd save = { "save", do_save, 0, { NULL }, 0 };
	static const struct cmd save_keys = { "save", do_save, 1, { "--with-keys" }, 0 };
	static const struct {
		const char *desc, *from, *to, *want;
		int rc;
	} edits[] = {
		{ "apply of what save wrote: nothing to do", NULL, NULL, "", 0 },
		{ "apply: one changed timeout is that one command",
		  "timeout set edge-7 ",
		  "timeout set edge-7 udp 99 tcp-est 601 tcp-trans 41 icmp 61 tcp-syn 5",
		  "timeout set edge-7 udp 99\n", 0 },
		{ "apply: a pool's service-location cannot change in place (exit 1, no command)",
		  "pool add edge-7 ", "pool add edge-7 203.0.113.128/25 service-location 1",
		  "", 1 },
		{ "apply: a pool gone is one pool del",
		  "pool add dsl0 ", "", "pool del dsl0 198.51.100.0/24\n", 0 },
		{ "apply: the running key in the file: nothing to do",
		  "service-location add 1 ",
		  "service-location add 1 remote-backup interface eth2 peer 192.0.2.2 port 8286 authentication-key \"" CANNED_KEY "\" hash-algorithm hmac-sha256 vrrp vrid 10 interface eth0 aftr 2001:db8::2",
		  "", 0 },
		{ "apply: another key is rotated in place (one service-location set, key hidden)",
		  "service-location add 1 ",
		  "service-location add 1 remote-backup interface eth2 peer 192.0.2.2 port 8286 authentication-key another-key-0123456789 hash-algorithm hmac-sha256 vrrp vrid 10 interface eth0 aftr 2001:db8::2",
		  "service-location set 1 authentication-key KEY hash-algorithm hmac-sha256\n", 0 },
		{ "apply: another peer and port move the channel in place",
		  "service-location add 1 ",
		  "service-location add 1 remote-backup interface eth3 peer 192.0.2.9 port 9000 hash-algorithm hmac-sha256 vrrp vrid 10 interface eth0 aftr 2001:db8::2",
		  "service-location set 1 remote-backup interface eth3 peer 192.0.2.9 port 9000\n", 0 },
		{ "apply: another vrrp is refused (exit 1, no command)",
		  "service-location add 1 ",
		  "service-location add 1 remote-backup interface eth2 peer 192.0.2.2 port 8286 hash-algorithm hmac-sha256 vrrp vrid 11 interface eth0 aftr 2001:db8::2",
		  "", 1 },
	};
	struct cmd apply = { "apply", do_apply, 2, { NULL, "dry-run" }, 0 };
	char path[32], *out, *got;
	unsigned int i;
	int rc;

	out = capture(&save, 0, &rc);
	TAP_CHECK(rc == 0, "save: exit %d", rc);
	if (golden_section(golden, g, "save", out)) {
		free(out);
		return;
	}
	TAP_CHECK(strstr(out, "\nservice-location add 1 remote-backup interface eth2 peer 192.0.2.2 port 8286 hash-algorithm hmac-sha256 vrrp") &&
		  strstr(out, "# service-location 1: authentication-key omitted") &&
		  !strstr(out, CANNED_KEY),
		  "save: no key, a comment says it was omitted");
	got = capture(&save_keys, 0, &rc);
	TAP_CHECK(rc == 0 && strstr(got, "\nservice-location add 1 remote-backup interface eth2 peer 192.0.2.2 port 8286 authentication-key \"" CANNED_KEY "\" hash-algorithm hmac-sha256 vrrp") &&
		  !strstr(got, "omitted"),
		  "save --with-keys: the key, asked for by SL_WITH_KEY, quoted (it has blanks)");
	free(got);
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		strcpy(path, "/tmp/test_print_save.XXXXXX");
		write_edited(path, out, edits[i].from, edits[i].to);
		apply.argv[0] = path;
		got = capture(&apply, 0, &rc);
		TAP_CHECK(rc == edits[i].rc && !strcmp(got, edits[i].want),
			  "%s (rc %d, \"%s\")", edits[i].desc, rc, got);
		free(got);
		unlink(path);
	}
	free(out);
}

/*
 * monitor syslog logs the text line of each block, limit and SL event
 * (with -j too), and no instance events: the golden, and each logged line
 * is the plain monitor's line for that event.
 */
static void monitor_syslog_checks(const char *golden, FILE *g,
				  const char *text)
{
	static const struct cmd mon = { "monitor syslog", do_monitor, 1,
					{ "syslog" }, 0 };
	char *out, *json, line[512];
	const char *p, *nl;
	int rc, n = 0, bad = 0;

	out = capture(&mon, 0, &rc);
	TAP_CHECK(rc == 0, "monitor syslog: exit %d", rc);
	json = capture(&mon, 2, &rc);
	TAP_CHECK(rc == 0 && !strcmp(out, json),
		  "-j monitor syslog: the same text lines");
	free(json);
	if (golden_section(golden, g, "monitor syslog", out)) {
		free(out);
		return;
	}
	for (p = out; (nl = strchr(p, '\n')); p = nl + 1) {
		const char *body = strstr(p, ": ");

		if (!body || body > nl)
			continue;
		snprintf(line, sizeof(line), "\n%.*s\n", (int)(nl - body - 2),
			 body + 2);
		n++;
		if (!strstr(text, line)) {
			printf("#   not in monitor's text: %s", line + 1);
			bad++;
		}
	}
	TAP_CHECK(n == 6 && !bad && !strstr(out, "instance-"),
		  "monitor syslog: %d lines, each the text monitor's, no instance events", n);
	free(out);
}

int main(int argc, char **argv)
{
	bool update = argc > 1 && !strcmp(argv[1], "--update");
	char *out[N_CMDS][N_MODES], *golden, name[128];
	unsigned int i, m;
	FILE *g = NULL;
	int rc, n, keys;

	golden = read_file(GOLDEN);
	if (update) {
		g = fopen(GOLDEN, "w");
		if (!g) {
			perror(GOLDEN);
			return 1;
		}
	} else if (!golden) {
		printf("# no %s: run test_print --update\n", GOLDEN);
		return 1;
	}
	for (i = 0; i < N_CMDS; i++) {
		for (m = 0; m < N_MODES; m++) {
			out[i][m] = capture(&cmds[i], m, &rc);
			snprintf(name, sizeof(name), "%s%s", mode_names[m],
				 cmds[i].name);
			TAP_CHECK(rc == cmds[i].rc, "%s: exit %d", name, rc);
			golden_section(golden, g, name, out[i][m]);
		}
		/* JSON against text, each with and without -d */
		for (m = 0; m < 2; m++) {
			n = fields_missing(out[i][m + 2], out[i][m], &keys);
			TAP_CHECK(n == 0 && keys > 0,
				  "%s%s: every JSON field (%d) is in the text",
				  mode_names[m], cmds[i].name, keys);
		}
		if (i == 0 || !strcmp(cmds[i].name, "monitor")) {
			TAP_CHECK(!has_details(out[i][0], false) &&
				  !has_details(out[i][2], true) &&
				  has_details(out[i][1], false) &&
				  has_details(out[i][3], true),
				  "%s: details with -d, in text and JSON alike",
				  cmds[i].name);
		}
		if (i == 1)
			TAP_CHECK(has_details(out[i][0], false) &&
				  has_details(out[i][2], true),
				  "timeout show: always the settings");
	}
	save_apply_checks(golden, g);
	for (i = 0; i < N_CMDS; i++)
		if (!strcmp(cmds[i].name, "monitor"))
			monitor_syslog_checks(golden, g, out[i][0]);
	for (i = 0; i < N_CMDS; i++)
		for (m = 0; m < N_MODES; m++)
			free(out[i][m]);
	free(golden);
	if (g) {
		fclose(g);
		printf("# wrote %s\n", GOLDEN);
	}
	return tap_finish();
}
