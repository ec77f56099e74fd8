/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: pure validation of configuration values (validate.c). This
 * header builds in the kernel and, for the host unit tests, in userspace.
 */
#ifndef _DSLITE_VALIDATE_H
#define _DSLITE_VALIDATE_H

#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u32 u32;
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define DSLITE_NAME_OK		0
#define DSLITE_NAME_EMPTY	1
#define DSLITE_NAME_TOO_LONG	2
#define DSLITE_NAME_BAD_CHAR	3
#define DSLITE_NAME_RESERVED	4
int dslite_name_check(const char *name, size_t maxlen);
const char *dslite_name_error(int code);

/*
 * A name that is not an instance name (a service-instance-group, an
 * interface named in a request, any string attribute echoed back):
 * 1..maxlen printable ASCII characters (0x21..0x7e), so no space, no
 * control character and no byte that is not ASCII. Such a name can be
 * printed, parsed back from `dslitectl` output and put in JSON as is.
 * Codes are the DSLITE_NAME_* above (never _RESERVED).
 */
int dslite_label_check(const char *name, size_t maxlen);
const char *dslite_label_error(int code);

#define DSLITE_AFTR_OK		0
#define DSLITE_AFTR_UNSPEC	1
#define DSLITE_AFTR_MULTICAST	2
#define DSLITE_AFTR_LOOPBACK	3
#define DSLITE_AFTR_LINKLOCAL	4
#define DSLITE_AFTR_V4MAPPED	5
int dslite_aftr_check(const u8 addr[16]);
const char *dslite_aftr_error(int code);

/*
 * A pool prefix (@prefix in host byte order, @plen 0..32) that can never
 * work as public addresses: host bits set, or inside "this network"
 * 0.0.0.0/8, loopback 127.0.0.0/8, link-local 169.254.0.0/16, the
 * DS-Lite B4/AFTR range 192.0.0.0/29 (RFC 6333), multicast 224.0.0.0/4,
 * or reserved 240.0.0.0/4 (which holds the limited broadcast address).
 * Shared address space (100.64.0.0/10) and RFC 1918 ranges are allowed.
 */
#define DSLITE_POOL_OK		0
#define DSLITE_POOL_PLEN	1
#define DSLITE_POOL_HOST_BITS	2
#define DSLITE_POOL_THIS_NET	3
#define DSLITE_POOL_LOOPBACK	4
#define DSLITE_POOL_LINKLOCAL	5
#define DSLITE_POOL_DSLITE	6
#define DSLITE_POOL_MULTICAST	7
#define DSLITE_POOL_RESERVED	8
int dslite_pool_check(u32 prefix, u8 plen);
const char *dslite_pool_error(int code);

#endif /* _DSLITE_VALIDATE_H */
