// SPDX-License-Identifier: GPL-2.0
/*
 * dslite-logd: the NAT log (RFC 6888 REQ-12, RFC 8158) and the metrics.
 *
 * Subscribes to the module's "events" group and, for every port block
 * allocated or released and every limit hit, writes
 *   - an IPFIX data record (RFC 7011 over UDP, RFC 8158 information
 *     elements) to each collector, the templates again every
 *     --template-interval seconds;
 *   - a syslog line (facility daemon, tag dslite-logd), no destination;
 *   - a JSON line to the --log file, the form `dslitectl -j monitor`
 *     prints and dslite-who(8) reads (reopened on SIGHUP).
 * Every --metrics-interval seconds it writes the counters of every
 * instance and its own in the Prometheus text format to the --metrics
 * file (node_exporter's textfile collector), atomically (rename).
 *
 * Events are never dropped silently: the socket has a large receive
 * buffer and NETLINK_BROADCAST_ERROR, so an event that does not fit is
 * counted by the kernel (events_lost) and here (ENOBUFS: overruns).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/dslite.h>

#include "ipfix.h"
#include "reason.h"
#include "stat_names.h"

#define MAX_COLLECTORS	4
#define MAX_INSTANCES	256

static struct {
	const char *log_path, *metrics_path;
	unsigned int template_interval, metrics_interval;
	int rcvbuf;
	bool use_syslog;
	uint32_t domain;
} opt = { .template_interval = 60, .metrics_interval = 15,
	  .rcvbuf = 16 << 20, .domain = 1 };

static struct {
	int fd;
	struct sockaddr_storage sa;
	socklen_t salen;
	const char *name;
} coll[MAX_COLLECTORS];
static int ncoll;

/* the daemon's own counters (metrics dslite_logd_*) */
enum { EV_ALLOC, EV_FREE, EV_LIMIT, EV_N };
static const char *const ev_names[EV_N] = { "block-alloc", "block-free", "limit" };
static uint64_t n_events[EV_N], n_overruns, n_ipfix_msgs, n_ipfix_recs,
	n_ipfix_errors, n_log_errors;

static struct mnl_socket *ev_sock, *q_sock;
static uint16_t family;
static uint32_t events_group;
static unsigned int q_seq;
static FILE *log_file;
static struct ipfix_msg msg;
static time_t next_template;
static volatile sig_atomic_t stop, reopen;

static struct {
	char name[DSLITE_INST_NAME_MAX + 1];
	uint32_t id;
} insts[MAX_INSTANCES];
static int ninsts;

static void usage(FILE *f)
{
	fputs("Usage: dslite-logd [ -c | --ipfix HOST[:PORT] ]... [ -s | --syslog ]\n"
	      "                   [ -l | --log FILE ] [ -m | --metrics FILE ]\n"
	      "                   [ --metrics-interval SEC ] [ --template-interval SEC ]\n"
	      "                   [ --domain-id N ] [ --rcvbuf BYTES ]\n"
	      "       dslite-logd -h | --help | -V | --version\n", f);
}

/* ---- netlink ------------------------------------------------------------ */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a, *g, *ga;

	(void)data;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			family = mnl_attr_get_u16(a);
		if (mnl_attr_get_type(a) != CTRL_ATTR_MCAST_GROUPS)
			continue;
		mnl_attr_for_each_nested(g, a) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(ga, g) {
				if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(ga);
				if (mnl_attr_get_type(ga) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(ga);
			}
			if (name && !strcmp(name, DSLITE_MCGRP_EVENTS))
				events_group = id;
		}
	}
	return MNL_CB_OK;
}

/* a request on the query socket, every reply through @cb */
static int query(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[1 << 16];
	unsigned int portid = mnl_socket_get_portid(q_sock);
	int ret;

	nlh->nlmsg_seq = ++q_seq;
	if (mnl_socket_sendto(q_sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		ret = mnl_socket_recvfrom(q_sock, buf, sizeof(buf));
		if (ret < 0)
			return -1;
		ret = mnl_cb_run(buf, ret, q_seq, portid, cb, data);
		if (ret <= MNL_CB_STOP)
			return ret < 0 ? -1 : 0;
	}
}

static struct nlmsghdr *genl_begin(char *buf, uint16_t type, uint8_t cmd,
				   uint16_t flags, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int nl_setup(void)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	int one = 1;

	q_sock = mnl_socket_open(NETLINK_GENERIC);
	ev_sock = mnl_socket_open(NETLINK_GENERIC);
	if (!q_sock || !ev_sock || mnl_socket_bind(q_sock, 0, MNL_SOCKET_AUTOPID) ||
	    mnl_socket_bind(ev_sock, 0, MNL_SOCKET_AUTOPID)) {
		fprintf(stderr, "dslite-logd: netlink: %s\n", strerror(errno));
		return -1;
	}
	nlh = genl_begin(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, DSLITE_GENL_NAME);
	if (query(nlh, family_cb, NULL) || !family || !events_group) {
		fprintf(stderr, "dslite-logd: no \"%s\" netlink family here "
			"(is the module loaded?)\n", DSLITE_GENL_NAME);
		return -1;
	}
	/* a large buffer for bursts; FORCE passes rmem_max (CAP_NET_ADMIN) */
	if (setsockopt(mnl_socket_get_fd(ev_sock), SOL_SOCKET, SO_RCVBUFFORCE,
		       &opt.rcvbuf, sizeof(opt.rcvbuf)) < 0)
		setsockopt(mnl_socket_get_fd(ev_sock), SOL_SOCKET, SO_RCVBUF,
			   &opt.rcvbuf, sizeof(opt.rcvbuf));
	/* an event that does not fit is then counted in events_lost */
	mnl_socket_setsockopt(ev_sock, NETLINK_BROADCAST_ERROR, &one, sizeof(one));
	if (mnl_socket_setsockopt(ev_sock, NETLINK_ADD_MEMBERSHIP, &events_group,
				  sizeof(events_group)) < 0) {
		fprintf(stderr, "dslite-logd: cannot listen to events: %s%s\n",
			strerror(errno),
			errno == EPERM ? " (this needs CAP_NET_ADMIN)" : "");
		return -1;
	}
	return 0;
}

static void parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (DSLITE_A_MAX + 1));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) <= DSLITE_A_MAX)
			tb[mnl_attr_get_type(a)] = a;
}

/* ---- instance ids (natInstanceID) --------------------------------------- */

static void inst_set(const char *name, uint32_t id)
{
	int i;

	for (i = 0; i < ninsts; i++)
		if (!strcmp(insts[i].name, name))
			break;
	if (i == ninsts) {
		if (ninsts == MAX_INSTANCES)
			i = 0;	/* full: forget the oldest */
		else
			ninsts++;
	}
	snprintf(insts[i].name, sizeof(insts[i].name), "%s", name);
	insts[i].id = id;
}

static int inst_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];

	(void)data;
	parse(nlh, tb);
	if (tb[DSLITE_A_INST_NAME] && tb[DSLITE_A_INST_ID])
		inst_set(mnl_attr_get_str(tb[DSLITE_A_INST_NAME]),
			 mnl_attr_get_u32(tb[DSLITE_A_INST_ID]));
	return MNL_CB_OK;
}

static uint32_t inst_id(const char *name)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	int i, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < ninsts; i++)
			if (!strcmp(insts[i].name, name))
				return insts[i].id;
		if (pass)
			break;
		nlh = genl_begin(buf, family, DSLITE_CMD_INSTANCE_GET, NLM_F_ACK,
				 DSLITE_GENL_VERSION);
		mnl_attr_put_strz(nlh, DSLITE_A_INST_NAME, name);
		query(nlh, inst_cb, NULL);
	}
	return 0;
}

/* ---- outputs -------------------------------------------------------------- */

static int collector_add(const char *spec)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	char host[256], port[16] = "4739";
	const char *colon = strrchr(spec, ':');
	int err;

	if (ncoll == MAX_COLLECTORS) {
		fprintf(stderr, "dslite-logd: at most %d collectors\n", MAX_COLLECTORS);
		return -1;
	}
	snprintf(host, sizeof(host), "%s", spec);
	if (spec[0] == '[') {		/* [IPv6]:PORT */
		char *end = strchr(host, ']');

		if (!end)
			goto bad;
		*end = '\0';
		memmove(host, host + 1, strlen(host));
		if (end[1] == ':')
			snprintf(port, sizeof(port), "%s", spec + (end - host) + 3);
	} else if (colon && strchr(spec, ':') == colon) {	/* HOST:PORT */
		host[colon - spec] = '\0';
		snprintf(port, sizeof(port), "%s", colon + 1);
	}
	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "dslite-logd: collector %s: %s\n", spec, gai_strerror(err));
		return -1;
	}
	coll[ncoll].fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memcpy(&coll[ncoll].sa, res->ai_addr, res->ai_addrlen);
	coll[ncoll].salen = res->ai_addrlen;
	coll[ncoll].name = spec;
	freeaddrinfo(res);
	if (coll[ncoll].fd < 0) {
		perror("dslite-logd: socket");
		return -1;
	}
	ncoll++;
	return 0;
bad:
	fprintf(stderr, "dslite-logd: collector \"%s\": expected HOST[:PORT]\n", spec);
	return -1;
}

static void ipfix_send(void)
{
	size_t len;
	int i;

	if (!msg.len || (!msg.records && msg.len == IPFIX_HDR_LEN))
		return;
	len = ipfix_finish(&msg);
	for (i = 0; i < ncoll; i++) {
		if (sendto(coll[i].fd, msg.buf, len, 0,
			   (struct sockaddr *)&coll[i].sa, coll[i].salen) < 0)
			n_ipfix_errors++;
		else
			n_ipfix_msgs++;
	}
	n_ipfix_recs += msg.records;
	msg.len = 0;
}

/* a message is open; the templates lead it when they are due */
static void ipfix_open(void)
{
	time_t now = time(NULL);

	if (msg.len)
		return;
	ipfix_begin(&msg, now);
	if (now >= next_template) {
		ipfix_add_templates(&msg);
		next_template = now + opt.template_interval;
	}
}

static void ipfix_record(const struct ipfix_rec *r)
{
	if (!ncoll)
		return;
	ipfix_open();
	if (ipfix_add_record(&msg, r) == 0)
		return;
	ipfix_send();
	ipfix_open();
	ipfix_add_record(&msg, r);
}

static void log_open(void)
{
	if (log_file)
		fclose(log_file);
	log_file = fopen(opt.log_path, "ae");
	if (!log_file) {
		n_log_errors++;
		fprintf(stderr, "dslite-logd: %s: %s\n", opt.log_path, strerror(errno));
	}
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	char b4[INET6_ADDRSTRLEN] = "", pub[INET_ADDRSTRLEN] = "", when[32];
	char line[256], json[512], ms[32] = "";
	struct ipfix_rec r = { 0 };
	const char *inst;
	uint32_t reason = 0;
	struct tm tm;
	time_t tt;
	int ev;

	(void)data;
	parse(nlh, tb);
	switch (g->cmd) {
	case DSLITE_CMD_INSTANCE_NEW:
		return inst_cb(nlh, NULL);
	case DSLITE_CMD_EVENT_BLOCK_ALLOC:
		ev = EV_ALLOC;
		r.nat_event = NAT_EVENT_PORT_BLOCK_ALLOC;
		break;
	case DSLITE_CMD_EVENT_BLOCK_FREE:
		ev = EV_FREE;
		r.nat_event = NAT_EVENT_PORT_BLOCK_DEALLOC;
		break;
	case DSLITE_CMD_EVENT_LIMIT:
		ev = EV_LIMIT;
		if (tb[DSLITE_A_EVENT_REASON])
			reason = mnl_attr_get_u32(tb[DSLITE_A_EVENT_REASON]);
		/* the kernel's limits as RFC 8158 events */
		if (reason == DSLITE_STAT_DROP_QUOTA) {
			r.nat_event = NAT_EVENT_QUOTA_EXCEEDED;
			r.quota = NAT_QUOTA_MAX_PER_USER;
		} else if (reason == DSLITE_STAT_DROP_TABLE_FULL) {
			r.nat_event = NAT_EVENT_QUOTA_EXCEEDED;
			r.quota = NAT_QUOTA_MAX_SESSIONS;
		} else if (reason == DSLITE_STAT_DROP_NO_POOL) {
			r.nat_event = NAT_EVENT_ADDRESSES_EXHAUSTED;
		}
		break;
	default:
		return MNL_CB_OK;
	}
	if (!tb[DSLITE_A_INST_NAME])
		return MNL_CB_OK;
	n_events[ev]++;
	inst = mnl_attr_get_str(tb[DSLITE_A_INST_NAME]);
	tt = tb[DSLITE_A_EVENT_TIME] ? (time_t)mnl_attr_get_u64(tb[DSLITE_A_EVENT_TIME]) : 0;
	/* a module before EVENT_TIME_MS: whole seconds */
	if (tb[DSLITE_A_EVENT_TIME_MS]) {
		r.time_ms = mnl_attr_get_u64(tb[DSLITE_A_EVENT_TIME_MS]);
		snprintf(ms, sizeof(ms), ",\"time_ms\":%" PRIu64, r.time_ms);
	} else {
		r.time_ms = (uint64_t)tt * 1000;
	}
	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (tb[DSLITE_A_SESS_B4] && mnl_attr_get_payload_len(tb[DSLITE_A_SESS_B4]) == 16) {
		memcpy(r.b4, mnl_attr_get_payload(tb[DSLITE_A_SESS_B4]), 16);
		inet_ntop(AF_INET6, r.b4, b4, sizeof(b4));
	}
	if (tb[DSLITE_A_SESS_PUBLIC_ADDR]) {
		r.pub = mnl_attr_get_u32(tb[DSLITE_A_SESS_PUBLIC_ADDR]);
		inet_ntop(AF_INET, &r.pub, pub, sizeof(pub));
	}
	if (tb[DSLITE_A_BLOCK_FIRST])
		r.first = mnl_attr_get_u16(tb[DSLITE_A_BLOCK_FIRST]);
	if (tb[DSLITE_A_BLOCK_LAST])
		r.last = mnl_attr_get_u16(tb[DSLITE_A_BLOCK_LAST]);

	/* the same text and JSON as dslitectl monitor (dslite-who reads it) */
	if (ev == EV_LIMIT) {
		snprintf(line, sizeof(line), "%s limit instance %s b4 %s reason %s",
			 when, inst, b4, reason_name(reason));
		snprintf(json, sizeof(json),
			 "{\"time\":\"%s\",\"event\":\"limit\",\"time_unix\":%lld%s,"
			 "\"instance\":\"%s\",\"b4\":\"%s\",\"reason\":\"%s\"}",
			 when, (long long)tt, ms, inst, b4, reason_name(reason));
	} else {
		snprintf(line, sizeof(line), "%s %s instance %s b4 %s public %s ports %u-%u",
			 when, ev_names[ev], inst, b4, pub, r.first, r.last);
		snprintf(json, sizeof(json),
			 "{\"time\":\"%s\",\"event\":\"%s\",\"time_unix\":%lld%s,"
			 "\"instance\":\"%s\",\"b4\":\"%s\",\"public_addr\":\"%s\","
			 "\"port_first\":%u,\"port_last\":%u}",
			 when, ev_names[ev], (long long)tt, ms, inst, b4, pub, r.first,
			 r.last);
	}
	if (opt.use_syslog)
		syslog(LOG_INFO, "%s", line);
	if (log_file && fprintf(log_file, "%s\n", json) < 0)
		n_log_errors++;
	if (r.nat_event) {
		r.instance_id = inst_id(inst);
		ipfix_record(&r);
	}
	return MNL_CB_OK;
}

/* ---- metrics ------------------------------------------------------------ */

struct metrics_ctx {
	FILE *f;
	int pass;	/* one family (HELP/TYPE, then a sample per instance) */
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct metrics_ctx *c = data;
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	const struct nlattr *a;
	uint64_t v = 0;

	parse(nlh, tb);
	if (!tb[DSLITE_A_INST_NAME] || !tb[DSLITE_A_STATS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[DSLITE_A_STATS])
		if (mnl_attr_get_type(a) == c->pass &&
		    mnl_attr_get_payload_len(a) == sizeof(uint64_t))
			v = mnl_attr_get_u64(a);
	fprintf(c->f, "dslite_%s%s{instance=\"%s\"} %" PRIu64 "\n",
		stat_names[c->pass], stat_is_gauge(c->pass) ? "" : "_total",
		mnl_attr_get_str(tb[DSLITE_A_INST_NAME]), v);
	return MNL_CB_OK;
}

static void metrics_write(void)
{
	char buf[8192], tmp[4096];
	struct metrics_ctx c;
	struct nlmsghdr *nlh;
	int i, ok = 1;

	snprintf(tmp, sizeof(tmp), "%s.tmp", opt.metrics_path);
	c.f = fopen(tmp, "we");
	if (!c.f) {
		fprintf(stderr, "dslite-logd: %s: %s\n", tmp, strerror(errno));
		return;
	}
	/* one dump per metric keeps each family's samples together */
	for (i = 1; i <= DSLITE_STAT_MAX; i++) {
		if (!stat_names[i])
			continue;
		fprintf(c.f, "# HELP dslite_%s%s %s\n# TYPE dslite_%s%s %s\n",
			stat_names[i], stat_is_gauge(i) ? "" : "_total", stat_help[i],
			stat_names[i], stat_is_gauge(i) ? "" : "_total",
			stat_is_gauge(i) ? "gauge" : "counter");
		c.pass = i;
		nlh = genl_begin(buf, family, DSLITE_CMD_STATS_GET,
				 NLM_F_ACK | NLM_F_DUMP, DSLITE_GENL_VERSION);
		if (query(nlh, stats_cb, &c))
			ok = 0;
	}
	fputs("# HELP dslite_logd_events_total Events received from the module, by event.\n"
	      "# TYPE dslite_logd_events_total counter\n", c.f);
	for (i = 0; i < EV_N; i++)
		fprintf(c.f, "dslite_logd_events_total{event=\"%s\"} %" PRIu64 "\n",
			ev_names[i], n_events[i]);
	fprintf(c.f,
		"# HELP dslite_logd_overruns_total Times the event socket overflowed (events lost; the module counts them in dslite_events_lost_total).\n"
		"# TYPE dslite_logd_overruns_total counter\n"
		"dslite_logd_overruns_total %" PRIu64 "\n"
		"# HELP dslite_logd_ipfix_messages_total IPFIX messages sent (each collector counts).\n"
		"# TYPE dslite_logd_ipfix_messages_total counter\n"
		"dslite_logd_ipfix_messages_total %" PRIu64 "\n"
		"# HELP dslite_logd_ipfix_records_total IPFIX data records exported.\n"
		"# TYPE dslite_logd_ipfix_records_total counter\n"
		"dslite_logd_ipfix_records_total %" PRIu64 "\n"
		"# HELP dslite_logd_ipfix_send_errors_total IPFIX messages a collector's socket refused.\n"
		"# TYPE dslite_logd_ipfix_send_errors_total counter\n"
		"dslite_logd_ipfix_send_errors_total %" PRIu64 "\n"
		"# HELP dslite_logd_log_errors_total Failures to open or write the JSON log.\n"
		"# TYPE dslite_logd_log_errors_total counter\n"
		"dslite_logd_log_errors_total %" PRIu64 "\n"
		"# HELP dslite_logd_stats_ok 1 if the last read of the module's counters succeeded.\n"
		"# TYPE dslite_logd_stats_ok gauge\n"
		"dslite_logd_stats_ok %d\n",
		n_overruns, n_ipfix_msgs, n_ipfix_recs, n_ipfix_errors, n_log_errors, ok);
	if (fclose(c.f) || rename(tmp, opt.metrics_path)) {
		fprintf(stderr, "dslite-logd: %s: %s\n", opt.metrics_path, strerror(errno));
		unlink(tmp);
	}
}

/* ---- main loop ---------------------------------------------------------- */

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reopen = 1;
	else
		stop = 1;
}

static unsigned int parse_uint(const char *s, const char *what, unsigned int min)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > 0x7fffffff) {
		fprintf(stderr, "dslite-logd: %s: \"%s\" is not a number >= %u\n",
			what, s, min);
		exit(1);
	}
	return v;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "ipfix", required_argument, NULL, 'c' },
		{ "syslog", no_argument, NULL, 's' },
		{ "log", required_argument, NULL, 'l' },
		{ "metrics", required_argument, NULL, 'm' },
		{ "metrics-interval", required_argument, NULL, 'M' },
		{ "template-interval", required_argument, NULL, 'T' },
		{ "domain-id", required_argument, NULL, 'D' },
		{ "rcvbuf", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char buf[1 << 16];
	struct sigaction sa = { .sa_handler = on_signal };
	time_t next_metrics = 0, now;
	int c, ret, fd;

	while ((c = getopt_long(argc, argv, "c:sl:m:hV", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (collector_add(optarg))
				return 1;
			break;
		case 's':
			opt.use_syslog = true;
			break;
		case 'l':
			opt.log_path = optarg;
			break;
		case 'm':
			opt.metrics_path = optarg;
			break;
		case 'M':
			opt.metrics_interval = parse_uint(optarg, "--metrics-interval", 1);
			break;
		case 'T':
			opt.template_interval = parse_uint(optarg, "--template-interval", 1);
			break;
		case 'D':
			opt.domain = parse_uint(optarg, "--domain-id", 0);
			break;
		case 'R':
			opt.rcvbuf = parse_uint(optarg, "--rcvbuf", 4096);
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("dslite-logd %s\n", DSLITE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dslite-logd: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return 1;
	}
	if (!ncoll && !opt.use_syslog && !opt.log_path && !opt.metrics_path) {
		fputs("dslite-logd: nothing to do: give --ipfix, --syslog, --log or --metrics\n",
		      stderr);
		return 1;
	}
	msg.domain = opt.domain;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (opt.use_syslog)
		openlog("dslite-logd", LOG_PID, LOG_DAEMON);
	if (opt.log_path) {
		log_open();
		if (!log_file)
			return 1;
	}
	if (nl_setup())
		return 2;
	fprintf(stderr, "dslite-logd: listening (%d collector%s)\n", ncoll,
		ncoll == 1 ? "" : "s");
	fd = mnl_socket_get_fd(ev_sock);
	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int timeout;

		now = time(NULL);
		if (opt.metrics_path && now >= next_metrics) {
			metrics_write();
			next_metrics = now + opt.metrics_interval;
		}
		/* templates are due even when nothing happens (RFC 7011 8.4) */
		if (ncoll && now >= next_template) {
			ipfix_open();
			ipfix_send();
		}
		timeout = 1000;
		if (poll(&p, 1, timeout) < 0 && errno != EINTR)
			break;
		if (reopen && opt.log_path) {
			reopen = 0;
			log_open();
		}
		/* drain everything queued, then send what was batched */
		while (!stop) {
			ret = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (ret < 0) {
				if (errno == ENOBUFS) {
					n_overruns++;
					fprintf(stderr, "dslite-logd: events lost (receive buffer overrun)\n");
					continue;
				}
				if (errno != EAGAIN && errno != EINTR)
					fprintf(stderr, "dslite-logd: netlink: %s\n", strerror(errno));
				break;
			}
			mnl_cb_run(buf, ret, 0, 0, event_cb, NULL);
		}
		ipfix_send();
		if (log_file)
			fflush(log_file);
	}
	ipfix_send();
	if (opt.metrics_path)
		metrics_write();
	if (log_file)
		fclose(log_file);
	return 0;
}
