// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of tools/ipfix.c, dslite-logd's IPFIX encoder: the
 * RFC 7011 message header, the template set (RFC 8158 elements), data
 * records byte by byte, sets that change with the template, messages
 * that fill up, and the sequence number (data records sent before).
 * With an argument it also writes the messages as a pcap (raw IPv4/UDP
 * to port 4739) for tshark to decode (selftests/unit/ipfix.sh).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "../../tools/ipfix.h"

static unsigned int get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

static FILE *pcap;

static void pcap_put(const uint8_t *msg, size_t len)
{
	uint8_t h[28] = { 0x45 };
	uint32_t rec[4] = { 1764000000, 0, len + 28, len + 28 };

	if (!pcap)
		return;
	h[2] = (len + 28) >> 8;
	h[3] = len + 28;
	h[8] = 64;
	h[9] = 17;
	h[12] = 127; h[15] = 1;	/* 127.0.0.1 -> 127.0.0.1 */
	h[16] = 127; h[19] = 1;
	h[20] = 4739 >> 8; h[21] = 4739 & 0xff;
	h[22] = 4739 >> 8; h[23] = 4739 & 0xff;
	h[24] = (len + 8) >> 8; h[25] = len + 8;
	fwrite(rec, sizeof(rec), 1, pcap);
	fwrite(h, sizeof(h), 1, pcap);
	fwrite(msg, len, 1, pcap);
}

int main(int argc, char **argv)
{
	struct ipfix_msg m = { .domain = 7, .seq = 0 };
	struct ipfix_rec r = {
		.time_ms = 1764000000123ULL, .nat_event = NAT_EVENT_PORT_BLOCK_ALLOC,
		.instance_id = 1, .first = 1536, .last = 2047,
	};
	const uint8_t *p;
	size_t len, n, blk;
	int i;

	if (argc > 1) {
		uint32_t gh[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 101 };

		pcap = fopen(argv[1], "w");
		if (pcap)
			fwrite(gh, sizeof(gh), 1, pcap);
	}
	inet_pton(AF_INET6, "2001:db8:a::a", r.b4);
	inet_pton(AF_INET, "198.51.100.7", &r.pub);

	TAP_CHECK(ipfix_record_len(IPFIX_TMPL_BLOCK) == 41, "block record: 41 bytes");
	TAP_CHECK(ipfix_record_len(IPFIX_TMPL_QUOTA) == 33, "quota record: 33 bytes");
	TAP_CHECK(ipfix_record_len(IPFIX_TMPL_EXHAUSTED) == 29, "exhausted record: 29 bytes");
	TAP_CHECK(ipfix_record_len(999) == 0, "no such template: 0");
	TAP_CHECK(ipfix_template_for(16) == 256 && ipfix_template_for(17) == 256 &&
		  ipfix_template_for(13) == 257 && ipfix_template_for(3) == 258 &&
		  ipfix_template_for(4) == 0,
		  "natEvent 16/17 -> 256, 13 -> 257, 3 -> 258, others none");

	/* the first message: templates, then one block record */
	ipfix_begin(&m, 1764000000);
	TAP_CHECK(ipfix_add_templates(&m) == 0, "templates fit an empty message");
	TAP_CHECK(ipfix_add_record(&m, &r) == 0, "a record fits after them");
	len = ipfix_finish(&m);
	p = m.buf;
	TAP_CHECK(get16(p) == 10 && get16(p + 2) == len && get32(p + 4) == 1764000000 &&
		  get32(p + 8) == 0 && get32(p + 12) == 7,
		  "header: version 10, length, export time, sequence 0, domain 7");
	p += 16;
	TAP_CHECK(get16(p) == 2, "template set (id 2) first");
	blk = get16(p + 2);
	TAP_CHECK(blk == 4 + (4 + 9 * 4) + (4 + 5 * 4) + (4 + 4 * 4), "template set length %zu", blk);
	TAP_CHECK(get16(p + 4) == 256 && get16(p + 6) == 9, "template 256 has 9 fields");
	{
		static const unsigned int want[][2] = {
			{ 323, 8 }, { 230, 1 }, { 463, 4 }, { 27, 16 }, { 225, 4 },
			{ 361, 2 }, { 362, 2 }, { 363, 2 }, { 364, 2 } };
		bool ok = true;

		for (i = 0; i < 9; i++)
			ok &= get16(p + 8 + 4 * i) == want[i][0] &&
			      get16(p + 10 + 4 * i) == want[i][1];
		TAP_CHECK(ok, "template 256: obsTimeMs, natEvent, natInstanceID, "
			  "sourceIPv6Address, postNATSourceIPv4Address, portRange start/end/step/num");
	}
	TAP_CHECK(get16(p + 44) == 257 && get16(p + 46) == 5 && get16(p + 48 + 12) == 466,
		  "template 257 (quota) carries natQuotaExceededEvent 466");
	TAP_CHECK(get16(p + 68) == 258 && get16(p + 70) == 4, "template 258 (exhausted): 4 fields");
	p += blk;
	TAP_CHECK(get16(p) == 256 && get16(p + 2) == 4 + 41, "data set 256, one record");
	p += 4;
	TAP_CHECK(get32(p) == 410 && get32(p + 4) == (uint32_t)(1764000000123ULL & 0xffffffff) &&
		  p[8] == 16 && get32(p + 9) == 1,
		  "record: time in ms, natEvent 16, natInstanceID 1");
	TAP_CHECK(!memcmp(p + 13, r.b4, 16) && !memcmp(p + 29, &r.pub, 4),
		  "record: the B4, then the public address in network order");
	TAP_CHECK(get16(p + 33) == 1536 && get16(p + 35) == 2047 && get16(p + 37) == 1 &&
		  get16(p + 39) == 512, "record: ports 1536-2047, step 1, 512 ports");
	TAP_CHECK(p + 41 == m.buf + len, "nothing after the record");
	TAP_CHECK(m.seq == 1, "sequence moves on by one record");
	pcap_put(m.buf, len);

	/* a block record, a quota one, an exhausted one: three data sets */
	ipfix_begin(&m, 1764000001);
	r.nat_event = NAT_EVENT_PORT_BLOCK_DEALLOC;
	ipfix_add_record(&m, &r);
	r.nat_event = NAT_EVENT_QUOTA_EXCEEDED;
	r.quota = NAT_QUOTA_MAX_PER_USER;
	ipfix_add_record(&m, &r);
	ipfix_add_record(&m, &r);
	r.nat_event = NAT_EVENT_ADDRESSES_EXHAUSTED;
	ipfix_add_record(&m, &r);
	r.nat_event = 4;
	TAP_CHECK(ipfix_add_record(&m, &r) == -1, "a natEvent without a template is refused");
	len = ipfix_finish(&m);
	p = m.buf + 16;
	TAP_CHECK(get32(m.buf + 8) == 1, "second message: sequence 1");
	TAP_CHECK(get16(p) == 256 && get16(p + 2) == 45 && p[4 + 8] == 17,
		  "set 256: the de-allocation (natEvent 17)");
	p += 45;
	TAP_CHECK(get16(p) == 257 && get16(p + 2) == 4 + 2 * 33 && p[4 + 8] == 13 &&
		  get32(p + 4 + 13) == 3 && !memcmp(p + 4 + 17, r.b4, 16),
		  "set 257: two quota records (natEvent 13, quota 3, the B4)");
	p += 4 + 2 * 33;
	TAP_CHECK(get16(p) == 258 && get16(p + 2) == 4 + 29 && p[4 + 8] == 3,
		  "set 258: addresses exhausted (natEvent 3)");
	TAP_CHECK(p + 33 == m.buf + len && m.seq == 5, "length adds up; sequence 5");
	pcap_put(m.buf, len);

	/* fill a message: it refuses the record that does not fit */
	ipfix_begin(&m, 1764000002);
	r.nat_event = NAT_EVENT_PORT_BLOCK_ALLOC;
	for (n = 0; ipfix_add_record(&m, &r) == 0; n++)
		r.first += 512, r.last += 512;
	TAP_CHECK(n == (IPFIX_MSG_MAX - 16 - 4) / 41, "a full message holds %zu block records", n);
	len = ipfix_finish(&m);
	TAP_CHECK(len <= IPFIX_MSG_MAX && len == 16 + 4 + 41 * n, "and is at most %d bytes (%zu)",
		  IPFIX_MSG_MAX, len);
	TAP_CHECK(m.seq == 5 + n, "sequence counts records, not messages");
	pcap_put(m.buf, len);
	ipfix_begin(&m, 1764000003);
	TAP_CHECK(ipfix_add_record(&m, &r) == 0, "the refused record goes in the next message");
	ipfix_finish(&m);
	pcap_put(m.buf, m.len);
	if (pcap)
		fclose(pcap);
	return tap_finish();
}
