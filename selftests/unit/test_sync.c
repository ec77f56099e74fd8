// SPDX-License-Identifier: GPL-2.0
/* Host unit tests of kmod/sync_codec.c: the sync wire format and replay window. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>

#include "tap.h"
#include "../../kmod/sync_codec.h"
#include <uapi/linux/dslite.h>

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
	TAP_CHECK(dslite_sync_get_session(buf, 44, &s) == 0 &&
		  dslite_sync_session_ok(&s) == -EINVAL,
		  "session record with protocol 0: well-formed, refused");
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

static void b4(struct dslite_sync_session *s, const char *addr)
{
	inet_pton(AF_INET6, addr, s->b4);
}

/* what a peer may not make this router install, whatever its key */
static void test_plausible(void)
{
	struct dslite_sync_session s = {
		.inst_id = 1, .proto = 17, .state = DSLITE_SESS_UDP,
		.pub_addr = htonl(0xc6336401), .pub_port = htons(1024),
		.remaining = 300,
	};
	static const char *const bad_b4[] = {
		"::", "::1", "ff02::1", "fe80::1", "::ffff:192.0.2.1",
		"::192.0.2.1",
	};
	static const char *const good_b4[] = {
		"2001:db8:a::a", "fd00::1", "64:ff9b::1", "::1:0:0:1",
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad_b4) / sizeof(bad_b4[0]); i++) {
		b4(&s, bad_b4[i]);
		TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "B4 %s refused",
		   bad_b4[i]);
	}
	for (i = 0; i < sizeof(good_b4) / sizeof(good_b4[0]); i++) {
		b4(&s, good_b4[i]);
		TAP_CHECK(dslite_sync_session_ok(&s) == 0, "B4 %s taken", good_b4[i]);
	}
	b4(&s, "2001:db8:a::a");
	s.state = DSLITE_SESS_TCP_EST;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL,
	   "a UDP session in a TCP state is refused");
	s.proto = 6;
	TAP_CHECK(dslite_sync_session_ok(&s) == 0, "a TCP session established");
	s.state = DSLITE_SESS_UDP;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "TCP in the UDP state refused");
	s.state = DSLITE_SESS_TCP_FIN + 1;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "TCP past the last state refused");
	s.proto = 1;
	s.state = DSLITE_SESS_ICMP;
	TAP_CHECK(dslite_sync_session_ok(&s) == 0, "an ICMP session");
	s.proto = 47;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "GRE is not translated: refused");
	s.proto = 17;
	s.state = DSLITE_SESS_UDP;
	s.pub_port = 0;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "public port 0 refused");
	s.pub_port = htons(1024);
	s.pub_addr = 0;
	TAP_CHECK(dslite_sync_session_ok(&s) == -EINVAL, "public address 0 refused");
}

/* a packet is applied whole or not at all: checked before the first */
static void test_whole(void)
{
	struct dslite_sync_session r = {
		.inst_id = 1, .proto = 17, .pub_addr = htonl(0xc6336401),
		.pub_port = htons(1024),
	};
	u8 buf[200];
	size_t n;

	n = dslite_sync_put_session(buf, sizeof(buf), DSLITE_REC_SESSION, &r);
	TAP_CHECK(n > 0 && dslite_sync_records_ok(buf, n) == 0,
		  "one good record: ok");
	memcpy(buf + n, buf, n);
	buf[n + 1] = 10;	/* the second one's length is wrong */
	TAP_CHECK(dslite_sync_records_ok(buf, 2 * n) == -EBADMSG,
		  "a good record then a bad one: the packet is refused");
	buf[n] = 200;		/* an unknown type is walked past */
	buf[n + 1] = (u8)(n - 2);
	TAP_CHECK(dslite_sync_records_ok(buf, 2 * n) == 0,
		  "a good record then an unknown type: ok");
}

int main(void)
{
	test_roundtrip();
	test_marks();
	test_malformed();
	test_replay();
	test_plausible();
	test_whole();
	return tap_finish();
}
