/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The name of a limit event's DSLITE_A_EVENT_REASON (a drop counter of
 * enum dslite_stat): the "reason" of `dslitectl monitor` and of
 * dslite-logd's syslog and JSON lines, one table for both.
 */
#ifndef DSLITE_REASON_H
#define DSLITE_REASON_H

#include <stdint.h>

/* "quota", "no-pool", "table-full", or "other" for any other value */
const char *reason_name(uint32_t reason);

#endif
