// SPDX-License-Identifier: GPL-2.0
/* The limit events' reason names, shared by dslitectl and dslite-logd. */
#include <linux/dslite.h>

#include "reason.h"

const char *reason_name(uint32_t reason)
{
	switch (reason) {
	case DSLITE_STAT_DROP_QUOTA:
		return "quota";
	case DSLITE_STAT_DROP_NO_POOL:
		return "no-pool";
	case DSLITE_STAT_DROP_TABLE_FULL:
		return "table-full";
	}
	return "other";
}
