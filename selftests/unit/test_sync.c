// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of kmod/sync_codec.c: the sync wire format and replay window. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

#include "tap.h"
#include "../../kmod/sync_codec.h"

static int count_cb(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	int *n = ctx;

	(void)type;
	(void)val;
	(void)vlen;
	(*n)++;
	return 0;
}

struct got {
	struct dslite_sync_session s;
	struct dslite_sync_block b;
	int sessions, blocks, err;
};

static int decode_cb(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct got *g = ctx;

	if (type == DSLITE_REC_SESSION) {
		g->sessions++;
		return dslite_sync_get_session(val, vlen, &g->s);
	}
	if (type == DSLITE_REC_BLOCK) {
		g->blocks++;
		return dslite_sync_get_block(val, vlen, &g->b);
	}
	return 0;
}

static void test_roundtrip(void)
{
	struct dslite_sync_session s = {
		.inst_id = 7, .b4 = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0xa },
		.proto = 17, .state = 0, .remaining = 299,
	};
	struct dslite_sync_block b = { .inst_id = 7, .idx = 125 };
	struct dslite_sync_hdr h;
	u8 buf[256];
	size_t n, r;
	struct got g = { 0 };

	s.inner_addr = htonl(0xc0000002);
	s.inner_port = htons(5555);
	s.pub_addr = htonl(0xc6336407);
	s.pub_port = htons(40123);
	s.remote_addr = htonl(0xcb007102);
	s.remote_port = htons(53);
	b.pub_addr = s.pub_addr;
	memcpy(b.b4, s.b4, 16);

	n = sizeof(struct dslite_sync_hdr);
	r = dslite_sync_put_block(buf + n, sizeof(buf) - n, &b);
	r += dslite_sync_put_session(buf + n + r, sizeof(buf) - n - r,
				     DSLITE_REC_SESSION, &s);
	TAP_CHECK(r == 2 + DSLITE_REC_BLOCK_LEN + 2 + DSLITE_REC_SESSION_LEN,
		  "two records encoded (%zu bytes)", r);
	TAP_CHECK(dslite_sync_put_hdr(buf, sizeof(buf), DSLITE_SYNC_DATA,
				      DSLITE_SYNC_F_NACK, 3, 0xdeadbeef, 42, 41,
				      0x12345678, (u16)r) == n,
		  "header encoded");
	TAP_CHECK(n == 28, "the header is 28 bytes (%zu)", n);
	TAP_CHECK(!dslite_sync_get_hdr(buf, n + r, &h) && h.type == DSLITE_SYNC_DATA &&
		  ntohs(h.flags) == DSLITE_SYNC_F_NACK &&
		  ntohl(h.sl_id) == 3 && ntohl(h.epoch) == 0xdeadbeef &&
		  ntohl(h.seq) == 42 && ntohl(h.ack) == 41 &&
		  ntohl(h.ack_epoch) == 0x12345678 && ntohs(h.len) == r,
		  "header decodes to what was encoded");
	TAP_CHECK(!dslite_sync_walk(buf + n, r, decode_cb, &g) &&
		  g.sessions == 1 && g.blocks == 1, "walk sees both records");
	TAP_CHECK(!memcmp(&g.s, &s, sizeof(s)), "session record round-trips");
	TAP_CHECK(g.b.idx == 125 && g.b.inst_id == 7 &&
		  g.b.pub_addr == b.pub_addr && !memcmp(g.b.b4, b.b4, 16),
		  "block record round-trips");
	TAP_CHECK(buf[n + 2 + DSLITE_REC_BLOCK_LEN + 2 + 38] == 0 &&
		  buf[n + 2 + DSLITE_REC_BLOCK_LEN + 2 + 41] == 299 % 256,
		  "remaining lifetime is big-endian on the wire");
	TAP_CHECK(dslite_sync_put_session(buf, 10, DSLITE_REC_SESSION, &s) == 0,
		  "encoder refuses a short buffer");
}

static void test_malformed(void)
{
	u8 buf[64] = { 0 };
	struct dslite_sync_hdr h;
	struct dslite_sync_session s;
	int n = 0;

	dslite_sync_put_hdr(buf, sizeof(buf), DSLITE_SYNC_HELLO, 0, 1, 2, 3, 4, 5, 0);
	TAP_CHECK(dslite_sync_get_hdr(buf, 27, &h) == -EBADMSG, "truncated header");
	buf[0] = 1;
	TAP_CHECK(dslite_sync_get_hdr(buf, 28, &h) == -EPROTONOSUPPORT,
		  "version 1 (the old format) is refused");
	buf[0] = DSLITE_SYNC_VERSION;
	buf[1] = 77;
	TAP_CHECK(dslite_sync_get_hdr(buf, 28, &h) == -EBADMSG, "unknown type");
	buf[1] = 4;
	TAP_CHECK(dslite_sync_get_hdr(buf, 28, &h) == -EBADMSG,
		  "type 4 (no longer defined) is refused");
	buf[1] = DSLITE_SYNC_DATA;
	buf[24] = 0;
	buf[25] = 100;
	TAP_CHECK(dslite_sync_get_hdr(buf, 60, &h) == -EBADMSG,
		  "records length past the packet");
	{
		const u8 recs[] = { 1, 44, 0, 0 };	/* claims 44, has 2 */

		TAP_CHECK(dslite_sync_walk(recs, sizeof(recs), count_cb, &n) == -EBADMSG,
			  "record running past the end");
	}
	{
		const u8 recs[] = { 99, 2, 0xaa, 0xbb, 3, 0 };

		n = 0;
		TAP_CHECK(!dslite_sync_walk(recs, sizeof(recs), count_cb, &n) && n == 2,
			  "unknown record types are walked past");
	}
	{
		const u8 recs[] = { 3 };

		TAP_CHECK(dslite_sync_walk(recs, 1, count_cb, &n) == -EBADMSG,
			  "lone type byte");
	}
	memset(buf, 0, sizeof(buf));
	TAP_CHECK(dslite_sync_get_session(buf, 43, &s) == -EBADMSG,
		  "session record of the wrong length");
	TAP_CHECK(dslite_sync_get_session(buf, 44, &s) == -EBADMSG,
		  "session record with protocol 0");
}

static void test_replay(void)
{
	struct dslite_replay w = { 0 };

	TAP_CHECK(dslite_replay_check(&w, 100), "first packet accepted");
	TAP_CHECK(!dslite_replay_check(&w, 100), "duplicate refused");
	TAP_CHECK(dslite_replay_check(&w, 102), "newer accepted");
	TAP_CHECK(dslite_replay_check(&w, 101), "reordered within window accepted");
	TAP_CHECK(!dslite_replay_check(&w, 101), "reordered duplicate refused");
	TAP_CHECK(dslite_replay_check(&w, 200), "jump ahead accepted");
	TAP_CHECK(!dslite_replay_check(&w, 136), "older than the window refused");
	TAP_CHECK(dslite_replay_check(&w, 137), "oldest in the window accepted");
	TAP_CHECK(!dslite_replay_check(&w, 102), "far older refused");
	w.started = false;
	TAP_CHECK(dslite_replay_check(&w, 0xfffffffe) &&
		  dslite_replay_check(&w, 1) && !dslite_replay_check(&w, 0xfffffffe),
		  "window survives sequence wrap");
}

static void test_marks(void)
{
	u8 buf[16];
	u32 v = 0;

	TAP_CHECK(dslite_sync_put_mark(buf, sizeof(buf), DSLITE_REC_BULK_END,
				       100000) == 6, "bulk end record: 6 bytes");
	TAP_CHECK(buf[0] == DSLITE_REC_BULK_END && buf[1] == 4 &&
		  !dslite_sync_get_mark(buf + 2, buf[1], &v) && v == 100000,
		  "bulk end record round-trips its count");
	TAP_CHECK(dslite_sync_get_mark(buf + 2, 3, &v) == -EBADMSG,
		  "a mark of the wrong length is refused");
	TAP_CHECK(dslite_sync_put_mark(buf, 5, DSLITE_REC_BULK_BEGIN, 1) == 0,
		  "encoder refuses a short buffer");
}

int main(void)
{
	test_roundtrip();
	test_marks();
	test_malformed();
	test_replay();
	return tap_finish();
}
