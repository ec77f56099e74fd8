/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * dslite: a DS-Lite AFTR (RFC 6333) with inter-chassis hot backup.
 *
 * This header is the contract between the kernel module and its userspace
 * tools. It is shared verbatim by kmod/ and tools/.
 *
 * Generic netlink family
 * ----------------------
 * Family name DSLITE_GENL_NAME ("dslite"), version DSLITE_GENL_VERSION.
 * All state is per network namespace: a request acts on the namespace of
 * the socket that sent it.
 *
 * Attributes live in one flat space, enum dslite_attr. Every request is
 * validated strictly: unknown attributes, wrong lengths and out-of-range
 * values are refused with an extended-ack message naming the attribute.
 * Every command that changes state, and every dump that reveals
 * subscribers, needs CAP_NET_ADMIN in the namespace's owning user ns.
 *
 * DSLITE_CMD_INSTANCE_NEW
 *   Create a DS-Lite instance. NLM_F_CREATE is implied.
 *   Required: DSLITE_A_INST_NAME   NUL-terminated, 1..15 chars of
 *                                  [A-Za-z0-9_.-] (it names the instance's
 *                                  network device, hence IFNAMSIZ)
 *             DSLITE_A_INST_ID     u32, 1..65535, unique in the namespace
 *   Optional: DSLITE_A_INST_AFTR   16 bytes, the AFTR IPv6 address B4s
 *                                  tunnel to: a unicast global or ULA
 *                                  address, unique in the namespace
 *   Errors:   EEXIST (name or id taken, or AFTR address in use),
 *             EINVAL (malformed attribute), ENOSPC (instance limit)
 *   Emits:    DSLITE_CMD_INSTANCE_NEW on the "events" group.
 *
 * DSLITE_CMD_INSTANCE_DEL
 *   Delete an instance and everything it owns.
 *   Required: DSLITE_A_INST_NAME or DSLITE_A_INST_ID (name wins if both)
 *   Errors:   ENOENT
 *   Emits:    DSLITE_CMD_INSTANCE_DEL on the "events" group.
 *
 * DSLITE_CMD_INSTANCE_GET
 *   doit:   one instance by DSLITE_A_INST_NAME or DSLITE_A_INST_ID.
 *   dumpit: every instance of the namespace in ascending id order; the
 *           dump resumes correctly across message boundaries even when
 *           instances are added or removed between them.
 *   Reply:  DSLITE_CMD_INSTANCE_GET with NAME, ID, AFTR (if set).
 *
 * Multicast group DSLITE_MCGRP_EVENTS ("events"): configuration and
 * (later) logging events; listening needs CAP_NET_ADMIN.
 */
#ifndef _UAPI_LINUX_DSLITE_H
#define _UAPI_LINUX_DSLITE_H

#include <linux/types.h>

#define DSLITE_GENL_NAME	"dslite"
#define DSLITE_GENL_VERSION	1
#define DSLITE_MCGRP_EVENTS	"events"

#define DSLITE_INST_NAME_MAX	15	/* chars, without the NUL */
#define DSLITE_INST_ID_MIN	1
#define DSLITE_INST_ID_MAX	65535

enum dslite_cmd {
	DSLITE_CMD_UNSPEC,
	DSLITE_CMD_INSTANCE_NEW,
	DSLITE_CMD_INSTANCE_DEL,
	DSLITE_CMD_INSTANCE_GET,

	__DSLITE_CMD_MAX,
};

#define DSLITE_CMD_MAX (__DSLITE_CMD_MAX - 1)

enum dslite_attr {
	DSLITE_A_UNSPEC,
	DSLITE_A_INST_NAME,		/* string, <= 15 chars */
	DSLITE_A_INST_ID,		/* u32, 1..65535 */
	DSLITE_A_INST_AFTR,		/* binary, struct in6_addr */

	__DSLITE_A_MAX,
};

#define DSLITE_A_MAX (__DSLITE_A_MAX - 1)

#endif /* _UAPI_LINUX_DSLITE_H */
