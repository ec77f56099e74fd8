/* SPDX-License-Identifier: GPL-2.0 */
/* dslitectl: generic netlink over libmnl. */
#ifndef DSLITECTL_NL_H
#define DSLITECTL_NL_H

#include <libmnl/libmnl.h>
#include <linux/dslite.h>

/* open the socket in the chosen namespace and resolve the family */
int nl_open(void);
void nl_close(void);
/* a request in the shared buffer, with the genl header filled */
struct nlmsghdr *nl_req(uint8_t cmd, uint16_t flags);
/*
 * Send @nlh and read replies until the ack or NLMSG_DONE; @cb gets every
 * data message. Kernel errors are printed with the extack text. Returns
 * EXIT_OK or EXIT_KERNEL.
 */
int nl_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* request.c, over the above: what every object's commands do */
/* open the socket and start a request; NULL (and said why) if it failed */
struct nlmsghdr *nl_begin(uint8_t cmd, uint16_t flags);
/* nl_talk for a show: under -j its replies are one JSON array */
int nl_show(struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
/* a reply attribute's value, 0 when the kernel did not send it */
uint32_t nl_u32(const struct nlattr *a);
uint16_t nl_u16(const struct nlattr *a);
uint8_t nl_u8(const struct nlattr *a);
/*
 * The nests of @type in @nlh, each parsed like nl_parse() and printed by
 * @one: under -j the array @key of one object each.
 */
void print_nests(const struct nlmsghdr *nlh, uint16_t type, const char *key,
		 void (*one)(const struct nlattr **tb));
/* join the events group and hand every message to @cb until it fails */
int nl_monitor(mnl_cb_t cb, void *data);
/* parse a genl message's attributes into tb[0..DSLITE_A_MAX] */
int nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb);
const char *nl_attr_name(uint16_t type);

#endif
