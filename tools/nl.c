// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: the generic netlink transport, on libmnl like iproute2's
 * genl tools: one socket, no caches, extended acks turned on so that the
 * kernel's own words reach the operator.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "util.h"
#include "nl.h"

static struct mnl_socket *nl;
static uint16_t family_id;
static uint32_t events_group;
static unsigned int seq;
static char reqbuf[8192];

/* large enough for any dump message the kernel builds */
#define RECV_BUF_SIZE 65536

static const char *const attr_names[DSLITE_A_MAX + 1] = {
	[DSLITE_A_INST_NAME] = "name",
	[DSLITE_A_INST_ID] = "id",
	[DSLITE_A_INST_AFTR] = "aftr",
	[DSLITE_A_INST_BLOCK_SIZE] = "port-block-size",
	[DSLITE_A_INST_PORT_LO] = "port-range",
	[DSLITE_A_INST_PORT_HI] = "port-range",
	[DSLITE_A_INST_MAX_BLOCKS] = "max-blocks-per-user",
	[DSLITE_A_INST_MAX_SESS_USER] = "max-sessions-per-user",
	[DSLITE_A_INST_MAX_SESS] = "max-sessions",
	[DSLITE_A_INST_FILTERING] = "filtering",
	[DSLITE_A_INST_TO_UDP] = "udp",
	[DSLITE_A_INST_TO_TCP_EST] = "tcp-est",
	[DSLITE_A_INST_TO_TCP_TRANS] = "tcp-trans",
	[DSLITE_A_INST_TO_ICMP] = "icmp",
	[DSLITE_A_INST_TO_TCP_SYN] = "tcp-syn",
	[DSLITE_A_INST_HOLDDOWN] = "hold-down",
	[DSLITE_A_POOL_ADDR] = "prefix",
	[DSLITE_A_POOL_PLEN] = "prefix length",
	[DSLITE_A_SESS_B4] = "b4",
	[DSLITE_A_SESS_PROTO] = "proto",
	[DSLITE_A_INST_MSS] = "mss",
	[DSLITE_A_INST_MTU] = "mtu",
	[DSLITE_A_SL_ID] = "service-location",
	[DSLITE_A_SL_IFNAME] = "remote-backup interface",
	[DSLITE_A_SL_PEER] = "peer",
	[DSLITE_A_SL_PORT] = "port",
	[DSLITE_A_SL_KEY] = "authentication-key",
	[DSLITE_A_SL_VRID] = "vrid",
	[DSLITE_A_SL_VRRP_IF] = "vrrp interface",
	[DSLITE_A_SL_AFTR] = "aftr",
	[DSLITE_A_SL_ROLE] = "role",
	[DSLITE_A_SIG_NAME] = "service-instance-group",
	[DSLITE_A_SIG_MEMBER] = "service-location",
	[DSLITE_A_SIG_WEIGHT] = "weight",
	[DSLITE_A_INST_SIG] = "service-instance-group",
	[DSLITE_A_POOL_SL] = "service-location",
	[DSLITE_A_SESS_PUBLIC_ADDR] = "public",
	[DSLITE_A_SESS_PUBLIC_PORT] = "public port",
	[DSLITE_A_SESS_REMOTE_ADDR] = "remote",
	[DSLITE_A_SESS_REMOTE_PORT] = "remote port",
	[DSLITE_A_DUMP_LIMIT] = "limit",
	[DSLITE_A_DUMP_COUNT] = "count",
};

const char *nl_attr_name(uint16_t type)
{
	if (type <= DSLITE_A_MAX && attr_names[type])
		return attr_names[type];
	return "unknown";
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open network namespace \"%s\": %s\n",
			name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "Error: cannot enter network namespace \"%s\": %s\n",
			name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int family_grp_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1] = { NULL };
	const struct nlattr *a;

	(void)data;
	mnl_attr_for_each_nested(a, attr) {
		int t = mnl_attr_get_type(a);

		if (t <= CTRL_ATTR_MCAST_GRP_MAX)
			tb[t] = a;
	}
	if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
	    !strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]),
		    DSLITE_MCGRP_EVENTS))
		events_group = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *g;

	(void)data;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			family_id = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				family_grp_cb(g, NULL);
			break;
		}
	}
	return MNL_CB_OK;
}

static struct nlmsghdr *genl_put(uint16_t type, uint8_t cmd, uint8_t version,
				 uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(reqbuf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

int nl_open(void)
{
	struct nlmsghdr *nlh;
	int one = 1, ret;

	if (nl)
		return EXIT_OK;
	if (ctl.netns && enter_netns(ctl.netns))
		return EXIT_KERNEL;
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "Error: cannot open a generic netlink socket: %s\n",
			strerror(errno));
		return EXIT_KERNEL;
	}
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	nlh = genl_put(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, NLM_F_ACK);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, DSLITE_GENL_NAME);
	family_id = 0;
	ret = nl_talk(nlh, family_cb, NULL);
	if (ret == EXIT_KERNEL && !family_id) {
		fprintf(stderr,
			"Error: the dslite kernel module is not loaded (no generic netlink family \"%s\")\n",
			DSLITE_GENL_NAME);
		return EXIT_KERNEL;
	}
	return ret;
}

void nl_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

struct nlmsghdr *nl_req(uint8_t cmd, uint16_t flags)
{
	return genl_put(family_id, cmd, DSLITE_GENL_VERSION, flags);
}

int nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (DSLITE_A_MAX + 1));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		uint16_t t = mnl_attr_get_type(a);

		if (t <= DSLITE_A_MAX)
			tb[t] = a;
	}
	return 0;
}

/* the attribute of our request at byte offset @off, for error messages */
static const char *attr_at(const struct nlmsghdr *req, uint32_t off)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, req, sizeof(struct genlmsghdr))
		if ((const char *)a - (const char *)req == (long)off)
			return nl_attr_name(mnl_attr_get_type(a));
	return NULL;
}

struct talk_ctx {
	const struct nlmsghdr *req;
	mnl_cb_t cb;
	void *data;
	int error;
};

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct talk_ctx *ctx = data;
	const char *msg = NULL, *attr = NULL, *missing = NULL;
	const struct nlattr *a;
	size_t hlen;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		ctx->error = EBADMSG;
		fprintf(stderr, "Error: truncated netlink error message\n");
		return MNL_CB_ERROR;
	}
	if (!e->error)
		return MNL_CB_STOP;	/* the ack */
	ctx->error = -e->error;

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		hlen = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			hlen += e->msg.nlmsg_len - sizeof(e->msg);
		mnl_attr_for_each(a, nlh, hlen) {
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
				msg = mnl_attr_get_str(a);
			else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS)
				attr = attr_at(ctx->req, mnl_attr_get_u32(a));
			else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE &&
				 mnl_attr_get_payload_len(a) >= 4)
				missing = nl_attr_name(mnl_attr_get_u32(a));
		}
	}
	if (!attr)
		attr = missing;
	if (ctx->req->nlmsg_type == GENL_ID_CTRL)
		return MNL_CB_ERROR;	/* family lookup: the caller explains */
	if (msg && *msg) {
		if (attr)
			fprintf(stderr, "Error: %s (attribute \"%s\")\n", msg, attr);
		else
			fprintf(stderr, "Error: %s\n", msg);
	} else if (ctx->error == EPERM) {
		fprintf(stderr,
			"Error: %s: this needs CAP_NET_ADMIN (run as root)\n",
			strerror(ctx->error));
	} else {
		fprintf(stderr, "Error: %s\n", strerror(ctx->error));
	}
	return MNL_CB_ERROR;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

/*
 * The end of a dump. A dump that failed after it began ends with the
 * error here (an int) and, when the kernel said why, its message
 * (NLM_F_ACK_TLVS): reported like any refusal, not taken as success.
 */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;
	const char *msg = NULL;
	const struct nlattr *a;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (!err)
		return MNL_CB_STOP;
	ctx->error = err < 0 ? -err : err;
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, nlh, sizeof(err))
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				msg = mnl_attr_get_str(a);
	fprintf(stderr, "Error: %s\n", msg && *msg ? msg : strerror(ctx->error));
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;

	if (!ctx->cb)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data);
}

/*
 * A dump the kernel marked NLM_F_DUMP_INTR (the table changed under it
 * and the kernel could not make up for it) is still a dump: libmnl would
 * stop at the first such message with EINTR, so the flag is taken off
 * here and, like iproute2, the user is warned once at the end.
 */
static bool clear_dump_intr(void *buf, int len)
{
	struct nlmsghdr *nlh;
	bool intr = false;

	for (nlh = buf; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR) {
			nlh->nlmsg_flags &= ~NLM_F_DUMP_INTR;
			intr = true;
		}
	}
	return intr;
}

static mnl_cb_t ctl_cbs[NLMSG_MIN_TYPE] = {
	[NLMSG_NOOP] = noop_cb,
	[NLMSG_ERROR] = error_cb,
	[NLMSG_DONE] = done_cb,
};

int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	static char buf[RECV_BUF_SIZE];
	struct talk_ctx ctx = { .req = nlh, .cb = cb, .data = data };
	unsigned int portid = mnl_socket_get_portid(nl);
	bool intr = false;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		fprintf(stderr, "Error: netlink send: %s\n", strerror(errno));
		return EXIT_KERNEL;
	}
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0 && errno == EINTR) {
			ret = MNL_CB_OK;	/* a signal, not the kernel: read on */
			continue;
		}
		if (ret < 0) {
			fprintf(stderr, "Error: netlink receive: %s\n",
				strerror(errno));
			return EXIT_KERNEL;
		}
		if (clear_dump_intr(buf, ret))
			intr = true;
		ret = mnl_cb_run2(buf, ret, nlh->nlmsg_seq, portid, data_cb,
				  &ctx, ctl_cbs, NLMSG_MIN_TYPE);
	} while (ret > MNL_CB_STOP);
	if (intr)
		fprintf(stderr, "Dump was interrupted and may be inconsistent.\n");

	if (ret == MNL_CB_ERROR) {
		if (!ctx.error) {
			/* a malformed reply, or the data callback refused */
			fprintf(stderr, "Error: bad reply from the kernel: %s\n",
				strerror(errno));
		}
		return EXIT_KERNEL;
	}
	return EXIT_OK;
}

static int mon_cb(const struct nlmsghdr *nlh, void *data)
{
	struct talk_ctx *ctx = data;

	if (nlh->nlmsg_type != family_id)
		return MNL_CB_OK;
	return ctx->cb(nlh, ctx->data);
}

int nl_monitor(mnl_cb_t cb, void *data)
{
	static char buf[RECV_BUF_SIZE];
	struct talk_ctx ctx = { .cb = cb, .data = data };
	int ret;

	if (!events_group) {
		fprintf(stderr, "Error: the kernel has no \"%s\" group\n",
			DSLITE_MCGRP_EVENTS);
		return EXIT_KERNEL;
	}
	if (mnl_socket_setsockopt(nl, NETLINK_ADD_MEMBERSHIP, &events_group,
				  sizeof(events_group)) < 0) {
		fprintf(stderr, "Error: cannot listen to events: %s%s\n",
			strerror(errno),
			errno == EPERM ? " (this needs CAP_NET_ADMIN)" : "");
		return EXIT_KERNEL;
	}
	for (;;) {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr,
					"Warning: events were lost (receive buffer overrun)\n");
				continue;
			}
			fprintf(stderr, "Error: netlink receive: %s\n",
				strerror(errno));
			return EXIT_KERNEL;
		}
		ret = mnl_cb_run(buf, ret, 0, 0, mon_cb, &ctx);
		if (ret < MNL_CB_STOP)
			return EXIT_KERNEL;
		fflush(stdout);
	}
}
