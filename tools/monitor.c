// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl monitor: print the module's events as they happen, one line
 * each (text, or a JSON object per line with -j), optionally to syslog.
 *
 * The port-block events are the RFC 6888 REQ-12 log: who (B4) had which
 * public address and port range, from when to when; destinations are
 * never logged. `dslite-who` answers "who had ADDR:PORT at TIME" from a
 * saved `dslitectl -j monitor` log.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <linux/genetlink.h>

#include "util.h"
#include "json.h"
#include "nl.h"
#include "instance.h"
#include "objects.h"
#include "reason.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static bool use_syslog;

void monitor_help(FILE *f)
{
	fputs("Usage: dslitectl monitor [ syslog ]\n"
	      "Print events until interrupted: instances added/deleted, port\n"
	      "blocks allocated/freed (time, instance, B4, public address, port\n"
	      "range), limit hits, and hot-backup sync events (peer up/down, key\n"
	      "or configuration mismatch, bulk start/end, role, key switch).\n"
	      "With -j each event is one JSON object per\n"
	      "line. \"syslog\" sends each line to syslog (facility daemon,\n"
	      "tag dslite) instead of standard output. Needs CAP_NET_ADMIN.\n", f);
}

static void iso_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* what every event line starts with: its time and name */
static void print_event_head(const struct nlattr **tb, const char *event)
{
	uint64_t t = 0;
	char when[32];

	if (tb[DSLITE_A_EVENT_TIME])
		t = mnl_attr_get_u64(tb[DSLITE_A_EVENT_TIME]);
	iso_time(t, when, sizeof(when));
	print_string(PR_ANY, "time", "%s ", when);
	print_string(PR_ANY, "event", "%s ", event);
	print_json_u64("time_unix", t);
	/* the milliseconds, from a module that sends them */
	if (tb[DSLITE_A_EVENT_TIME_MS])
		print_json_u64("time_ms", mnl_attr_get_u64(tb[DSLITE_A_EVENT_TIME_MS]));
}

/* a port-block or limit event */
static void print_block_event(const struct nlattr **tb, const char *event)
{
	const struct nlattr *first = tb[DSLITE_A_BLOCK_FIRST];
	const struct nlattr *last = tb[DSLITE_A_BLOCK_LAST];
	const struct nlattr *reason = tb[DSLITE_A_EVENT_REASON];
	char b4[INET6_ADDRSTRLEN] = "", pub[INET_ADDRSTRLEN] = "";
	uint32_t a;

	if (tb[DSLITE_A_SESS_B4] && mnl_attr_get_payload_len(tb[DSLITE_A_SESS_B4]) == 16)
		inet_ntop(AF_INET6, mnl_attr_get_payload(tb[DSLITE_A_SESS_B4]),
			  b4, sizeof(b4));
	if (tb[DSLITE_A_SESS_PUBLIC_ADDR]) {
		a = mnl_attr_get_u32(tb[DSLITE_A_SESS_PUBLIC_ADDR]);
		inet_ntop(AF_INET, &a, pub, sizeof(pub));
	}

	print_event_head(tb, event);
	print_string(PR_ANY, "instance", "instance %s ",
		     mnl_attr_get_str(tb[DSLITE_A_INST_NAME]));
	print_string(PR_ANY, "b4", "b4 %s", b4);
	if (first) {
		/* a block: who had which public ports (RFC 6888 REQ-12) */
		print_string(*pub ? PR_ANY : PR_TEXT, "public_addr",
			     " public %s", pub);
		print_uint(PR_ANY, "port_first", " ports %u",
			   mnl_attr_get_u16(first));
		print_uint(PR_ANY, "port_last", "-%u",
			   nl_u16(last));
		if (reason)
			print_json_string("reason",
					  reason_name(mnl_attr_get_u32(reason)));
	} else {
		/* a limit hit: the text says "other" when the kernel did not */
		if (*pub)
			print_json_string("public_addr", pub);
		print_string(reason ? PR_ANY : PR_TEXT, "reason", " reason %s",
			     reason ? reason_name(mnl_attr_get_u32(reason)) :
			     "other");
	}
}

static const char *const sl_event_names[] = {
	"sl-peer-up", "sl-peer-down", "sl-auth-failed", "sl-config-mismatch",
	"sl-bulk-start", "sl-bulk-end", "sl-role", "sl-key-switch",
};

/* a service-location's sync event (sl_event checked its values) */
static void print_sl_event(const struct nlattr **tb, const char *event)
{
	print_event_head(tb, event);
	print_uint(PR_ANY, "service_location", "service-location %u",
		   mnl_attr_get_u32(tb[DSLITE_A_SL_ID]));
	print_string(PR_ANY, "role", " role %s",
		     sl_role_names[nl_u8(tb[DSLITE_A_SL_ROLE])]);
	print_string(PR_ANY, "peer_state", " peer-state %s",
		     sl_peer_names[nl_u8(tb[DSLITE_A_SL_PEER_STATE])]);
	if (tb[DSLITE_A_SL_MISMATCH])
		print_string(PR_ANY, "mismatch", " differs: %s",
			     mnl_attr_get_str(tb[DSLITE_A_SL_MISMATCH]));
}

/*
 * One event, printed by @print as one line (a JSON object with -j) to
 * standard output, or with "syslog" as one syslog line: the text form,
 * with -j too.
 */
static void emit_event(void (*print)(const struct nlattr **tb, const char *event),
		       const struct nlattr **tb, const char *event)
{
	size_t len = 0;
	char *line = NULL;
	FILE *mem = NULL;

	if (use_syslog) {
		mem = open_memstream(&line, &len);
		if (!mem)
			return;
		print_init(mem, false, false);
	}
	open_json_object(NULL);
	print(tb, event);
	print_nl();
	close_json_object();
	if (!mem)
		return;
	fclose(mem);
	print_init(stdout, ctl.json, ctl.pretty);
	if (len && line[len - 1] == '\n')
		line[len - 1] = '\0';
	syslog(LOG_INFO, "%s", line);
	free(line);
}

static int log_event(const struct nlmsghdr *nlh, const char *event)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];

	nl_parse(nlh, tb);
	if (tb[DSLITE_A_INST_NAME])
		emit_event(print_block_event, tb, event);
	return MNL_CB_OK;
}

static int sl_event(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	unsigned int ev;

	nl_parse(nlh, tb);
	if (!tb[DSLITE_A_SL_ID] || !tb[DSLITE_A_SL_EVENT])
		return MNL_CB_OK;
	ev = mnl_attr_get_u8(tb[DSLITE_A_SL_EVENT]);
	if (ev >= N_OF(sl_event_names) ||
	    nl_u8(tb[DSLITE_A_SL_ROLE]) >= N_OF(sl_role_names) ||
	    nl_u8(tb[DSLITE_A_SL_PEER_STATE]) >= N_OF(sl_peer_names))
		return MNL_CB_OK;
	emit_event(print_sl_event, tb, sl_event_names[ev]);
	return MNL_CB_OK;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)data;
	switch (g->cmd) {
	case DSLITE_CMD_INSTANCE_NEW:
		return use_syslog ? MNL_CB_OK : instance_print(nlh, "instance-add");
	case DSLITE_CMD_INSTANCE_DEL:
		return use_syslog ? MNL_CB_OK : instance_print(nlh, "instance-del");
	case DSLITE_CMD_EVENT_BLOCK_ALLOC:
		return log_event(nlh, "block-alloc");
	case DSLITE_CMD_EVENT_BLOCK_FREE:
		return log_event(nlh, "block-free");
	case DSLITE_CMD_EVENT_LIMIT:
		return log_event(nlh, "limit");
	case DSLITE_CMD_EVENT_SL:
		return sl_event(nlh);
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
	if (argc == 1 && !strcmp(argv[0], "syslog")) {
		use_syslog = true;
		openlog("dslite", LOG_PID, LOG_DAEMON);
	} else if (argc > 0) {
		return usage_err("monitor: unknown argument \"%s\"", argv[0]);
	}
	ret = nl_open();
	if (ret)
		return ret;
	return nl_monitor(event_cb, NULL);
}
