/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The counters of enum dslite_stat: their stable names (the JSON keys of
 * `dslitectl -j stats show`, the text labels, the Prometheus metric names
 * of dslite-logd as dslite_NAME, counters with _total), which of them are
 * gauges, and what each means (the metric's HELP).
 */
#ifndef DSLITE_STAT_NAMES_H
#define DSLITE_STAT_NAMES_H

#include <stdbool.h>
#include <linux/dslite.h>

static const char *const stat_names[DSLITE_STAT_MAX + 1] = {
	[DSLITE_STAT_OUT_PACKETS] = "out_packets",
	[DSLITE_STAT_OUT_BYTES] = "out_bytes",
	[DSLITE_STAT_IN_PACKETS] = "in_packets",
	[DSLITE_STAT_IN_BYTES] = "in_bytes",
	[DSLITE_STAT_HAIRPIN_PACKETS] = "hairpin_packets",
	[DSLITE_STAT_SESSIONS] = "sessions",
	[DSLITE_STAT_SESSIONS_PEAK] = "sessions_peak",
	[DSLITE_STAT_USERS] = "users",
	[DSLITE_STAT_USERS_PEAK] = "users_peak",
	[DSLITE_STAT_BLOCKS] = "blocks",
	[DSLITE_STAT_BLOCKS_PEAK] = "blocks_peak",
	[DSLITE_STAT_SESSIONS_CREATED] = "sessions_created",
	[DSLITE_STAT_SESSIONS_EXPIRED] = "sessions_expired",
	[DSLITE_STAT_ICMP_ERRORS_SENT] = "icmp_errors_sent",
	[DSLITE_STAT_DROP_BAD_HEADER] = "drop_bad_header",
	[DSLITE_STAT_DROP_NO_POOL] = "drop_no_pool",
	[DSLITE_STAT_DROP_QUOTA] = "drop_quota",
	[DSLITE_STAT_DROP_TABLE_FULL] = "drop_table_full",
	[DSLITE_STAT_DROP_FILTERED] = "drop_filtered",
	[DSLITE_STAT_DROP_NO_SESSION] = "drop_no_session",
	[DSLITE_STAT_DROP_NOT_FOR_US] = "drop_not_for_us",
	[DSLITE_STAT_DROP_UNSUPPORTED] = "drop_unsupported",
	[DSLITE_STAT_DROP_TTL] = "drop_ttl",
	[DSLITE_STAT_DROP_NOMEM] = "drop_nomem",
	[DSLITE_STAT_DROP_ENCAP] = "drop_encap",
	[DSLITE_STAT_EVENTS_LOST] = "events_lost",
	[DSLITE_STAT_ICMP_TRANSLATED] = "icmp_errors_translated",
	[DSLITE_STAT_DROP_ICMP_ERROR] = "drop_icmp_error",
	[DSLITE_STAT_DROP_FRAGMENT] = "drop_fragment",
	[DSLITE_STAT_FRAGMENTS_REASSEMBLED] = "fragments_reassembled",
	[DSLITE_STAT_MSS_CLAMPED] = "mss_clamped",
	[DSLITE_STAT_DROP_STANDBY] = "drop_standby",
	[DSLITE_STAT_PMTU_UPDATES] = "pmtu_updates",
	[DSLITE_STAT_DROP_NO_FORWARD] = "drop_no_forward",
};

static const char *const stat_help[DSLITE_STAT_MAX + 1] = {
	[DSLITE_STAT_OUT_PACKETS] =
		"Packets from B4s translated to the Internet.",
	[DSLITE_STAT_OUT_BYTES] =
		"Bytes from B4s translated to the Internet.",
	[DSLITE_STAT_IN_PACKETS] =
		"Packets from the Internet translated to B4s.",
	[DSLITE_STAT_IN_BYTES] =
		"Bytes from the Internet translated to B4s.",
	[DSLITE_STAT_HAIRPIN_PACKETS] =
		"Packets from a B4 to another B4's public address (hairpinned).",
	[DSLITE_STAT_SESSIONS] =
		"Sessions (mappings) now.",
	[DSLITE_STAT_SESSIONS_PEAK] =
		"Highest number of sessions since the instance was created.",
	[DSLITE_STAT_USERS] =
		"Users (B4s with a port block) now.",
	[DSLITE_STAT_USERS_PEAK] =
		"Highest number of users since the instance was created.",
	[DSLITE_STAT_BLOCKS] =
		"Port blocks allocated now.",
	[DSLITE_STAT_BLOCKS_PEAK] =
		"Highest number of allocated port blocks since the instance was created.",
	[DSLITE_STAT_SESSIONS_CREATED] =
		"Sessions created.",
	[DSLITE_STAT_SESSIONS_EXPIRED] =
		"Sessions expired or deleted.",
	[DSLITE_STAT_ICMP_ERRORS_SENT] =
		"ICMP errors the AFTR sent to B4s (e.g. 3/13 when no mapping can be made).",
	[DSLITE_STAT_DROP_BAD_HEADER] =
		"Packets dropped: malformed inner or outer header.",
	[DSLITE_STAT_DROP_NO_POOL] =
		"Packets dropped: no pool or no free port block.",
	[DSLITE_STAT_DROP_QUOTA] =
		"Packets dropped: a per-user session or block quota.",
	[DSLITE_STAT_DROP_TABLE_FULL] =
		"Packets dropped: the instance or global session limit.",
	[DSLITE_STAT_DROP_FILTERED] =
		"Inbound packets refused by address(-and-port)-dependent filtering.",
	[DSLITE_STAT_DROP_NO_SESSION] =
		"Inbound packets matching no mapping.",
	[DSLITE_STAT_DROP_NOT_FOR_US] =
		"Softwire packets to an address no instance has.",
	[DSLITE_STAT_DROP_UNSUPPORTED] =
		"Packets of a protocol the NAT does not translate.",
	[DSLITE_STAT_DROP_TTL] =
		"Packets dropped: inner TTL expired.",
	[DSLITE_STAT_DROP_NOMEM] =
		"Packets dropped: out of memory.",
	[DSLITE_STAT_DROP_ENCAP] =
		"Packets dropped: no IPv6 route or headroom towards a B4.",
	[DSLITE_STAT_EVENTS_LOST] =
		"Log events (block alloc/free, limit) that could not reach a listener.",
	[DSLITE_STAT_ICMP_TRANSLATED] =
		"ICMP errors from the Internet sent on to a B4.",
	[DSLITE_STAT_DROP_ICMP_ERROR] =
		"ICMP errors matching no session.",
	[DSLITE_STAT_DROP_FRAGMENT] =
		"Inner fragments that could not be reassembled.",
	[DSLITE_STAT_FRAGMENTS_REASSEMBLED] =
		"Inner packets reassembled from fragments.",
	[DSLITE_STAT_MSS_CLAMPED] =
		"TCP SYNs whose MSS was clamped.",
	[DSLITE_STAT_DROP_STANDBY] =
		"Packets dropped: this service-location is not master here.",
	[DSLITE_STAT_PMTU_UPDATES] =
		"ICMPv6 packet-too-big messages about a softwire.",
	[DSLITE_STAT_DROP_NO_FORWARD] =
		"Packets dropped: IPv4 forwarding is off on the instance device.",
};

/* a value now (or a peak), not a count that only grows */
static inline bool stat_is_gauge(int i)
{
	switch (i) {
	case DSLITE_STAT_SESSIONS:
	case DSLITE_STAT_SESSIONS_PEAK:
	case DSLITE_STAT_USERS:
	case DSLITE_STAT_USERS_PEAK:
	case DSLITE_STAT_BLOCKS:
	case DSLITE_STAT_BLOCKS_PEAK:
		return true;
	}
	return false;
}

#endif
