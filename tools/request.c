// SPDX-License-Identifier: GPL-2.0
/*
 * dslitectl: the request and reply pattern every object shares, written
 * once over the transport (nl.c) and the print path (json.h).
 */
#include <string.h>
#include <linux/genetlink.h>

#include "util.h"
#include "json.h"
#include "nl.h"

struct nlmsghdr *nl_begin(uint8_t cmd, uint16_t flags)
{
	if (nl_open())
		return NULL;
	return nl_req(cmd, flags);
}

int nl_show(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	int ret;

	open_json_array(NULL);
	ret = nl_talk(nlh, cb, data);
	close_json_array();
	return ret;
}

uint32_t nl_u32(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

uint16_t nl_u16(const struct nlattr *a)
{
	return a ? mnl_attr_get_u16(a) : 0;
}

uint8_t nl_u8(const struct nlattr *a)
{
	return a ? mnl_attr_get_u8(a) : 0;
}

void print_nests(const struct nlmsghdr *nlh, uint16_t type, const char *key,
		 void (*one)(const struct nlattr **tb))
{
	const struct nlattr *tb[DSLITE_A_MAX + 1];
	const struct nlattr *a, *b;

	open_json_array(key);
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != type)
			continue;
		memset(tb, 0, sizeof(tb));
		mnl_attr_for_each_nested(b, a)
			if (mnl_attr_get_type(b) <= DSLITE_A_MAX)
				tb[mnl_attr_get_type(b)] = b;
		open_json_object(NULL);
		one(tb);
		close_json_object();
	}
	close_json_array();
}
