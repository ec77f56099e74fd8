/* SPDX-License-Identifier: GPL-2.0 */
/*
 * IPFIX (RFC 7011) messages carrying the RFC 8158 NAT events of
 * dslite-logd: port block allocation/de-allocation, quota exceeded,
 * addresses exhausted. Pure encoding, no I/O (selftests/unit tests it).
 */
#ifndef DSLITE_IPFIX_H
#define DSLITE_IPFIX_H

#include <stddef.h>
#include <stdint.h>

#define IPFIX_VERSION		10
#define IPFIX_PORT		4739
#define IPFIX_HDR_LEN		16
#define IPFIX_SET_TEMPLATE	2
/* a message fits an IPv4 UDP datagram on a 1500-byte path */
#define IPFIX_MSG_MAX		1400

/* IANA IPFIX information elements used (RFC 7012, RFC 8158) */
#define IPFIX_IE_SOURCE_IPV6		27	/* the B4 */
#define IPFIX_IE_POST_NAT_SRC_IPV4	225
#define IPFIX_IE_NAT_EVENT		230
#define IPFIX_IE_OBS_TIME_MS		323
#define IPFIX_IE_PORT_RANGE_START	361
#define IPFIX_IE_PORT_RANGE_END		362
#define IPFIX_IE_PORT_RANGE_STEP	363
#define IPFIX_IE_PORT_RANGE_NUM		364
#define IPFIX_IE_NAT_INSTANCE_ID	463
#define IPFIX_IE_NAT_QUOTA_EXCEEDED	466

/* natEvent values (IANA "NAT Event Type", RFC 8158 section 4.1) */
#define NAT_EVENT_ADDRESSES_EXHAUSTED	3
#define NAT_EVENT_QUOTA_EXCEEDED	13
#define NAT_EVENT_PORT_BLOCK_ALLOC	16
#define NAT_EVENT_PORT_BLOCK_DEALLOC	17
/* natQuotaExceededEvent values (IANA, RFC 8158 section 4.2) */
#define NAT_QUOTA_MAX_SESSIONS		1
#define NAT_QUOTA_MAX_PER_USER		3

/* template ids (data set ids) */
enum {
	IPFIX_TMPL_BLOCK = 256,	/* port block alloc/dealloc */
	IPFIX_TMPL_QUOTA,	/* quota exceeded */
	IPFIX_TMPL_EXHAUSTED,	/* addresses exhausted */
};

struct ipfix_rec {
	uint64_t time_ms;	/* observationTimeMilliseconds */
	uint8_t nat_event;
	uint32_t instance_id;
	uint8_t b4[16];
	uint32_t pub;		/* network byte order */
	uint16_t first, last;
	uint32_t quota;		/* natQuotaExceededEvent */
};

struct ipfix_msg {
	uint8_t buf[IPFIX_MSG_MAX];
	size_t len;		/* 0: no message begun */
	size_t set_off;		/* offset of the open set's header, 0 = none */
	uint16_t set_id;
	uint32_t records;	/* data records in this message */
	uint32_t domain;	/* observation domain id */
	uint32_t seq;		/* sequence number: data records sent before */
};

/* the template of @id's records, its length in bytes */
size_t ipfix_record_len(uint16_t id);
/* the template id a record of @nat_event goes in, 0 if none */
uint16_t ipfix_template_for(uint8_t nat_event);
/* start a message exported at @export_time (seconds) */
void ipfix_begin(struct ipfix_msg *m, uint32_t export_time);
/* add the template set (every template): 0, or -1 if it does not fit */
int ipfix_add_templates(struct ipfix_msg *m);
/* add a data record: 0, or -1 if it does not fit (send, begin again) */
int ipfix_add_record(struct ipfix_msg *m, const struct ipfix_rec *r);
/*
 * close the message: its length, written in the header; the sequence
 * number moves on by its data records (RFC 7011 section 3.1)
 */
size_t ipfix_finish(struct ipfix_msg *m);

#endif
