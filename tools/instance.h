/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DSLITECTL_INSTANCE_H
#define DSLITECTL_INSTANCE_H

#include <linux/netlink.h>
#include <linux/dslite.h>
#include "util.h"

struct inst_args {
	const char *name;
	uint32_t id;
	bool has_id;
	bool has_aftr;
	struct in6_addr aftr;
};

/* pure: parse "NAME id ID [aftr IPV6]"; EXIT_OK or EXIT_USAGE */
int instance_parse_add(int argc, char **argv, struct inst_args *a);
/* pure: parse "NAME" or "id ID" for del/show; EXIT_OK or EXIT_USAGE */
int instance_parse_ref(int argc, char **argv, struct inst_args *a,
		       bool optional);

int do_instance(int argc, char **argv);
void instance_help(FILE *f);
/* print one instance message (also used by monitor) */
int instance_print(const struct nlmsghdr *nlh, const char *event);

#endif
