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
	TAP_CHECK(dslite_sync_put_hdr(buf, sizeof(buf), DSLITE_SYNC_VERSION,
				      DSLITE_SYNC_DATA, DSLITE_SYNC_F_NACK, 3,
				      0xdeadbeef, 42, 41, 0x12345678, (u16)r) == n,
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

	dslite_sync_put_hdr(buf, sizeof(buf), DSLITE_SYNC_VERSION,
			    DSLITE_SYNC_HELLO, 0, 1, 2, 3, 4, 5, 0);
	TAP_CHECK(dslite_sync_get_hdr(buf, 27, &h) == -EBADMSG, "truncated header");
	buf[0] = 1;
	TAP_CHECK(dslite_sync_get_hdr(buf, 28, &h) == -EPROTONOSUPPORT,
		  "version 1 (the old format) is refused");
	buf[0] = DSLITE_SYNC_VERSION + 1;
	TAP_CHECK(dslite_sync_get_hdr(buf, 28, &h) == -EPROTONOSUPPORT,
		  "a version newer than ours is refused");
	buf[0] = DSLITE_SYNC_VERSION_MIN;
	TAP_CHECK(!dslite_sync_get_hdr(buf, 28, &h) && h.version == 2 &&
		  h.max_version == DSLITE_SYNC_VERSION,
		  "version 2 is taken; max_version says what the sender speaks");
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

/* session @i of a user: UDP, TCP and ICMP in turn, distinct endpoints */
static void run_sess(struct dslite_sync_session *s, unsigned int i)
{
	static const u8 st[] = { DSLITE_SESS_UDP, DSLITE_SESS_TCP_EST,
				 DSLITE_SESS_ICMP, DSLITE_SESS_TCP_FIN };

	memset(s, 0, sizeof(*s));
	s->inst_id = 0x0102;
	inet_pton(AF_INET6, "2001:db8:a::1:7", s->b4);
	s->pub_addr = htonl(0xc6336407);
	s->inner_addr = htonl(0x0a000001 + i);
	s->inner_port = htons(10000 + i);
	s->pub_port = htons(40000 + 3 * i);
	s->remote_addr = htonl(0xcb007100 + 7 * i);
	s->remote_port = htons(53 + i);
	s->state = st[i % 4];
	s->proto = s->state == DSLITE_SESS_UDP ? 17 :
		   s->state == DSLITE_SESS_ICMP ? 1 : 6;
	s->remaining = 1000 * i + 7;
}

/* a run of @n sessions (run_sess 0..n-1) at @buf: its length, or 0 */
static size_t build_run(u8 *buf, size_t room, unsigned int n)
{
	struct dslite_sync_session s;
	size_t len, add;
	unsigned int i;

	run_sess(&s, 0);
	len = dslite_sync_put_run(buf, room, &s);
	for (i = 1; len && i < n; i++) {
		run_sess(&s, i);
		add = dslite_sync_run_add(buf, room - len, &s);
		if (!add)
			return 0;
		len += add;
	}
	return len;
}

static void test_run(void)
{
	struct dslite_sync_session s, d, o;
	struct dslite_sync_run r;
	u8 buf[512];
	size_t len;
	unsigned int i;
	bool same = true;

	run_sess(&s, 0);
	TAP_CHECK(dslite_sync_put_run(buf, 2 + DSLITE_REC_RUN_LEN(1) - 1, &s) == 0,
		  "run encoder refuses a short buffer");
	TAP_CHECK(dslite_sync_put_run(buf, sizeof(buf), &s) == 42 &&
		  buf[0] == DSLITE_REC_RUN && buf[1] == 40 && buf[2 + 22] == 1,
		  "a run of one session: 42 bytes on the wire, count 1");
	len = build_run(buf, sizeof(buf), DSLITE_RUN_MAX);
	TAP_CHECK(DSLITE_RUN_MAX == 13 && len == 2 + 23 + 13 * 17 && buf[1] == 244,
		  "a full run: 13 sessions in 246 bytes (%zu)", len);
	TAP_CHECK(!dslite_sync_get_run(buf + 2, buf[1], &r) && r.count == 13 &&
		  r.inst_id == 0x0102 && r.pub_addr == s.pub_addr &&
		  !memcmp(r.b4, s.b4, 16), "the run's shared part decodes");
	for (i = 0; i < r.count; i++) {
		run_sess(&o, i);
		dslite_sync_run_entry(&r, i, &d);
		if (memcmp(&d, &o, sizeof(d)))
			same = false;
	}
	TAP_CHECK(same, "each of the 13 sessions round-trips, protocol from its state");
	run_sess(&s, 13);
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0 && buf[1] == 244,
		  "a full run takes no 14th session");

	len = build_run(buf, sizeof(buf), 2);
	run_sess(&s, 2);
	TAP_CHECK(dslite_sync_run_add(buf, DSLITE_RUN_ENT_LEN - 1, &s) == 0 &&
		  buf[1] == DSLITE_REC_RUN_LEN(2) && buf[2 + 22] == 2,
		  "no room after the run: nothing added");
	s.b4[15] ^= 1;
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0,
		  "another B4: not added");
	run_sess(&s, 2);
	s.pub_addr ^= htonl(1);
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0,
		  "another public address: not added");
	run_sess(&s, 2);
	s.inst_id++;
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0,
		  "another instance: not added");
	run_sess(&s, 2);
	s.proto = 6;		/* in UDP's state */
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0 &&
		  dslite_sync_put_run(buf + len, sizeof(buf) - len, &s) == 0,
		  "a protocol that is not its state's: no run takes it");
	buf[0] = DSLITE_REC_SESSION;
	run_sess(&s, 2);
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == 0,
		  "a record that is no run: not added to");
	buf[0] = DSLITE_REC_RUN;
	TAP_CHECK(dslite_sync_run_add(buf, sizeof(buf) - len, &s) == DSLITE_RUN_ENT_LEN &&
		  buf[1] == DSLITE_REC_RUN_LEN(3) && buf[2 + 22] == 3,
		  "the same user, address and instance: added (count 3)");
}

static void test_remaining(void)
{
	u32 v, prev = 0;
	bool mono = true, close = true;

	TAP_CHECK(dslite_sync_dec_remaining(dslite_sync_enc_remaining(0)) == 0 &&
		  dslite_sync_dec_remaining(dslite_sync_enc_remaining(299)) == 299 &&
		  dslite_sync_dec_remaining(dslite_sync_enc_remaining(32767)) == 32767,
		  "remaining lifetimes below 32768 s are exact");
	TAP_CHECK(dslite_sync_dec_remaining(dslite_sync_enc_remaining(86400)) == 86400 &&
		  dslite_sync_dec_remaining(dslite_sync_enc_remaining(86399)) == 86336,
		  "above, 64-second units, rounded down (86400, 86399 -> 86336)");
	TAP_CHECK(dslite_sync_dec_remaining(dslite_sync_enc_remaining(0xffffffff)) ==
		  0x7fffu << 6, "a larger one is clamped");
	for (v = 0; v <= 200000; v++) {
		u32 d = dslite_sync_dec_remaining(dslite_sync_enc_remaining(v));

		if (d < prev)
			mono = false;
		if (d > v || v - d >= 64)
			close = false;
		prev = d;
	}
	TAP_CHECK(mono && close,
		  "0..200000 s: never more, less by under 64 s, in order");
}

/* a run's length and count must agree; anything else refuses the packet */
static void test_run_malformed(void)
{
	struct dslite_sync_block b = { .inst_id = 1, .idx = 3 };
	struct dslite_sync_session s;
	struct dslite_sync_run r;
	u8 buf[600], save;
	size_t len, blen, off;
	unsigned int vlen, c;
	bool all = true;
	int n = 0;

	len = build_run(buf, sizeof(buf), 5);
	TAP_CHECK(len == 2 + DSLITE_REC_RUN_LEN(5) &&
		  !dslite_sync_records_ok(buf, len), "a run of 5: well-formed");
	for (vlen = 0; vlen < 256; vlen++)
		if (vlen != DSLITE_REC_RUN_LEN(5) &&
		    dslite_sync_get_run(buf + 2, (u8)vlen, &r) != -EBADMSG)
			all = false;
	TAP_CHECK(all, "count 5 with any other value length: refused");
	all = true;
	save = buf[2 + 22];
	for (c = 0; c < 256; c++) {
		buf[2 + 22] = (u8)c;
		if (c != 5 && dslite_sync_get_run(buf + 2, buf[1], &r) != -EBADMSG)
			all = false;
	}
	buf[2 + 22] = save;
	TAP_CHECK(all, "any count but 5 in a 5-session run: refused");
	buf[1] = DSLITE_RUN_HDR_LEN;
	buf[2 + 22] = 0;
	TAP_CHECK(dslite_sync_get_run(buf + 2, buf[1], &r) == -EBADMSG,
		  "an empty run (count 0, no entries): refused");

	/* a block after the run: cut the records at every byte */
	len = build_run(buf, sizeof(buf), 5);
	inet_pton(AF_INET6, "2001:db8:a::1:7", b.b4);
	b.pub_addr = htonl(0xc6336407);
	blen = dslite_sync_put_block(buf + len, sizeof(buf) - len, &b);
	for (off = 1; off < len + blen; off++)
		if (off != len && dslite_sync_records_ok(buf, off) != -EBADMSG)
			all = false;
	TAP_CHECK(all && blen && !dslite_sync_records_ok(buf, len) &&
		  !dslite_sync_records_ok(buf, len + blen),
		  "run + block cut at every byte: refused but at the records' boundaries");
	/* the value shortened by whole entries: its count disagrees */
	for (c = 1; c < 5; c++) {
		buf[1] = DSLITE_REC_RUN_LEN(c);
		if (dslite_sync_records_ok(buf, 2 + buf[1]) != -EBADMSG)
			all = false;
	}
	buf[1] = DSLITE_REC_RUN_LEN(5);
	TAP_CHECK(all, "a run counting 5 with room for 1..4: the packet is refused");
	/* a state no protocol has: well-formed, refused when installed */
	buf[2 + DSLITE_RUN_HDR_LEN + 14] = 77;
	TAP_CHECK(!dslite_sync_get_run(buf + 2, buf[1], &r) &&
		  (dslite_sync_run_entry(&r, 0, &s), s.proto == 0) &&
		  dslite_sync_session_ok(&s) == -EINVAL,
		  "a session of state 77 in a run: protocol 0, refused");
	/* two good runs, then one whose count is wrong: none of it applies */
	len = build_run(buf, sizeof(buf), 3);
	memcpy(buf + len, buf, len);
	memcpy(buf + 2 * len, buf, len);
	buf[2 * len + 2 + 22] = 4;
	TAP_CHECK(dslite_sync_records_ok(buf, 3 * len) == -EBADMSG &&
		  !dslite_sync_records_ok(buf, 2 * len) &&
		  !dslite_sync_walk(buf, 2 * len, count_cb, &n) && n == 2,
		  "two good runs then a bad count: the packet is refused");
}

/*
 * A version 2 packet, byte for byte as a version 2 sender makes it (the
 * format is pinned here, not by our encoder): still taken.
 */
static void test_v2_packet(void)
{
	static const u8 pkt[] = {
		/* version 2, DATA, flags AUTH|MASTER, SL 1, epoch, seq 5,
		 * ack 0, ack_epoch 0, len 46 + 26, max_version 0, reserved
		 */
		2, 2, 0x00, 0x09, 0, 0, 0, 1, 0x6a, 0x0b, 0x0c, 0x0d,
		0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 72, 0, 0,
		/* SESSION: inst 1, b4 2001:db8:a::1:7, 10.0.0.1:10000,
		 * 198.51.100.7:40000, 203.0.113.2:53, UDP, state 0, 86400 s
		 */
		1, 44, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
		10, 0, 0, 1, 0x27, 0x10, 198, 51, 100, 7, 0x9c, 0x40,
		203, 0, 113, 2, 0, 53, 17, 0, 0, 0x01, 0x51, 0x80, 0, 0,
		/* BLOCK: inst 1, the same b4, 198.51.100.7, block 9 */
		3, 24, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7,
		198, 51, 100, 7, 0, 9,
	};
	struct dslite_sync_hdr h;
	struct got g = { 0 };
	u8 b4[16];

	inet_pton(AF_INET6, "2001:db8:a::1:7", b4);
	TAP_CHECK(sizeof(pkt) == 28 + 72 &&
		  !dslite_sync_get_hdr(pkt, sizeof(pkt), &h) && h.version == 2 &&
		  h.max_version == 2 && h.type == DSLITE_SYNC_DATA &&
		  ntohs(h.len) == 72 && ntohl(h.seq) == 5,
		  "a version 2 DATA packet: header taken, the sender speaks 2");
	TAP_CHECK(!dslite_sync_records_ok(pkt + 28, 72) &&
		  !dslite_sync_walk(pkt + 28, 72, decode_cb, &g) &&
		  g.sessions == 1 && g.blocks == 1,
		  "its session and block records are well-formed and walked");
	TAP_CHECK(g.s.inst_id == 1 && !memcmp(g.s.b4, b4, 16) &&
		  g.s.inner_addr == htonl(0x0a000001) && g.s.inner_port == htons(10000) &&
		  g.s.pub_addr == htonl(0xc6336407) && g.s.pub_port == htons(40000) &&
		  g.s.remote_addr == htonl(0xcb007102) && g.s.remote_port == htons(53) &&
		  g.s.proto == 17 && g.s.state == DSLITE_SESS_UDP &&
		  g.s.remaining == 86400 && !dslite_sync_session_ok(&g.s),
		  "the version 2 session record decodes field by field");
	TAP_CHECK(g.b.inst_id == 1 && !memcmp(g.b.b4, b4, 16) &&
		  g.b.pub_addr == htonl(0xc6336407) && g.b.idx == 9,
		  "the version 2 block record decodes");
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

/* version 4 HELLO settings: encoded, decoded, the first difference named */
static void test_inst_cfg(void)
{
	struct dslite_sync_inst_cfg a[2], b[2], g;
	struct dslite_sync_diff d;
	u8 buf[400];
	size_t n = 0, one;
	int i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 2; i++) {
		a[i].inst_id = (u16)(1 + i);
		a[i].name_hash = 0x1234u + (u32)i;
		a[i].n = DSLITE_SET_N;
		a[i].v[DSLITE_SET_BLOCK_SIZE] = 512;
		a[i].v[DSLITE_SET_TO_UDP] = 300;
		a[i].v[DSLITE_SET_TO_TCP_EST] = 7440;
	}
	memcpy(b, a, sizeof(b));
	one = dslite_sync_put_inst_cfg(buf, sizeof(buf), &a[0]);
	TAP_CHECK(one == 2 + DSLITE_REC_INST_CFG_LEN && buf[0] == DSLITE_REC_INST_CFG &&
		  !dslite_sync_get_inst_cfg(buf + 2, buf[1], &g) &&
		  g.inst_id == 1 && g.name_hash == 0x1234 && g.n == DSLITE_SET_N &&
		  g.v[DSLITE_SET_TO_TCP_EST] == 7440,
		  "an instance's settings record round-trips");
	TAP_CHECK(dslite_sync_get_inst_cfg(buf + 2, 7, &g) == -EBADMSG &&
		  !dslite_sync_get_inst_cfg(buf + 2, DSLITE_INST_CFG_HDR + 8, &g) &&
		  g.n == 2, "a length not 6 + 4n is refused; a shorter list is taken");
	for (i = 0; i < 2; i++)
		n += dslite_sync_put_inst_cfg(buf + n, sizeof(buf) - n, &b[i]);
	TAP_CHECK(!dslite_sync_cfg_diff(a, 2, buf, n, &d) && d.kind == DSLITE_DIFF_NONE,
		  "equal settings: no difference");
	b[1].v[DSLITE_SET_TO_UDP] = 3600;
	b[1].v[DSLITE_SET_TO_ICMP] = 5;
	n = 0;
	for (i = 0; i < 2; i++)
		n += dslite_sync_put_inst_cfg(buf + n, sizeof(buf) - n, &b[i]);
	TAP_CHECK(!dslite_sync_cfg_diff(a, 2, buf, n, &d) &&
		  d.kind == DSLITE_DIFF_SETTING && d.inst_id == 2 &&
		  d.setting == DSLITE_SET_TO_UDP && d.here == 300 && d.peer == 3600 &&
		  !strcmp(dslite_sync_setting_names[d.setting], "timeout udp"),
		  "udp 300 against 3600: the first difference is instance 2's timeout udp");
	b[1].v[DSLITE_SET_POOLS] = 99;
	n = 0;
	for (i = 0; i < 2; i++)
		n += dslite_sync_put_inst_cfg(buf + n, sizeof(buf) - n, &b[i]);
	TAP_CHECK(!dslite_sync_cfg_diff(a, 2, buf, n, &d) &&
		  d.kind == DSLITE_DIFF_SETTING && d.setting == DSLITE_SET_POOLS,
		  "a hard setting (pools) is named before a soft one");
	n = dslite_sync_put_inst_cfg(buf, sizeof(buf), &b[0]);
	TAP_CHECK(!dslite_sync_cfg_diff(a, 2, buf, n, &d) &&
		  d.kind == DSLITE_DIFF_NOT_PEER && d.inst_id == 2,
		  "an instance the peer lacks is named");
	TAP_CHECK(!dslite_sync_cfg_diff(a, 1, buf, n, &d) && !d.kind &&
		  !dslite_sync_cfg_diff(a, 0, buf, n, &d) &&
		  d.kind == DSLITE_DIFF_NOT_HERE && d.inst_id == 1,
		  "an instance of the peer's that is not here is named");
	b[0].name_hash = 7;
	n = dslite_sync_put_inst_cfg(buf, sizeof(buf), &b[0]);
	TAP_CHECK(!dslite_sync_cfg_diff(a, 1, buf, n, &d) &&
		  d.kind == DSLITE_DIFF_NAME,
		  "another name for the same id is named");
	buf[1] = 5;
	TAP_CHECK(dslite_sync_cfg_diff(a, 1, buf, 7, &d) == -EBADMSG,
		  "a malformed settings record is refused");
}

int main(void)
{
	test_inst_cfg();
	test_roundtrip();
	test_marks();
	test_malformed();
	test_replay();
	test_plausible();
	test_whole();
	test_run();
	test_remaining();
	test_run_malformed();
	test_v2_packet();
	return tap_finish();
}
