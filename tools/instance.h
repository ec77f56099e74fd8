/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSLITECTL_INSTANCE_H
#define DSLITECTL_INSTANCE_H

#include <linux/netlink.h>
#include <linux/dslite.h>
#include "util.h"

/* a NAT setting given on the command line: attribute and value */
#define INST_MAX_OPTS 16
struct inst_opt {
	uint16_t attr;
	uint32_t val;
};

struct inst_args {
	const char *name;
	uint32_t id;
	bool has_id;
	bool has_aftr;
	struct in6_addr aftr;
	int n_opts;
	struct inst_opt opts[INST_MAX_OPTS];
	const char *sig;	/* service-instance-group, "" to unbind */
};

/* pure: parse "NAME id ID [aftr IPV6] [OPTIONS]"; EXIT_OK or EXIT_USAGE */
int instance_parse_add(int argc, char **argv, struct inst_args *a);
/* pure: parse "NAME OPTIONS" for set */
int instance_parse_set(int argc, char **argv, struct inst_args *a);
/* pure: parse "NAME" or "id ID" for del/show; EXIT_OK or EXIT_USAGE */
int instance_parse_ref(int argc, char **argv, struct inst_args *a,
		       bool optional);
/* pure: parse "INSTANCE [udp S] [tcp-est S] ..." for timeout set */
int timeout_parse_set(int argc, char **argv, struct inst_args *a);
int filtering_from_name(const char *s);
const char *filtering_name(unsigned int f);

int do_instance(int argc, char **argv);
void instance_help(FILE *f);
int do_timeout(int argc, char **argv);
void timeout_help(FILE *f);
/* print one instance message (also used by monitor) */
int instance_print(const struct nlmsghdr *nlh, const char *event);

#endif
