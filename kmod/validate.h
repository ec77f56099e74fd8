/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: pure validation of configuration values (validate.c). This
 * header builds in the kernel and, for the host unit tests, in userspace.
 */
#ifndef _DSLITE_VALIDATE_H
#define _DSLITE_VALIDATE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
typedef __u8 u8;
#endif

#define DSLITE_NAME_OK		0
#define DSLITE_NAME_EMPTY	1
#define DSLITE_NAME_TOO_LONG	2
#define DSLITE_NAME_BAD_CHAR	3
#define DSLITE_NAME_RESERVED	4
int dslite_name_check(const char *name, size_t maxlen);
const char *dslite_name_error(int code);

#define DSLITE_AFTR_OK		0
#define DSLITE_AFTR_UNSPEC	1
#define DSLITE_AFTR_MULTICAST	2
#define DSLITE_AFTR_LOOPBACK	3
#define DSLITE_AFTR_LINKLOCAL	4
#define DSLITE_AFTR_V4MAPPED	5
int dslite_aftr_check(const u8 addr[16]);
const char *dslite_aftr_error(int code);

#endif /* _DSLITE_VALIDATE_H */
