// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: KUnit suites for the module's pure logic. Built when the kernel
 * has CONFIG_KUNIT (the debug kernel); they run at insmod.
 */
#include <kunit/test.h>

#include "dslite.h"
#include "sync_codec.h"

static void dslite_test_name(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, dslite_name_check("dsl0", 15), DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a.b-c_D9", 15),
			DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("", 15), DSLITE_NAME_EMPTY);
	KUNIT_EXPECT_EQ(test, dslite_name_check("123456789012345", 15),
			DSLITE_NAME_OK);
	KUNIT_EXPECT_EQ(test, dslite_name_check("1234567890123456", 15),
			DSLITE_NAME_TOO_LONG);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a b", 15),
			DSLITE_NAME_BAD_CHAR);
	KUNIT_EXPECT_EQ(test, dslite_name_check("a/b", 15),
			DSLITE_NAME_BAD_CHAR);
	KUNIT_EXPECT_EQ(test, dslite_name_check("..", 15),
			DSLITE_NAME_RESERVED);
}

static void dslite_test_aftr(struct kunit *test)
{
	u8 a[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	u8 z[16] = { 0 };

	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_OK);
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(z), DSLITE_AFTR_UNSPEC);
	z[15] = 1;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(z), DSLITE_AFTR_LOOPBACK);
	a[0] = 0xff;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_MULTICAST);
	a[0] = 0xfe;
	a[1] = 0x80;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_LINKLOCAL);
	memset(a, 0, sizeof(a));
	a[10] = 0xff;
	a[11] = 0xff;
	a[15] = 1;
	KUNIT_EXPECT_EQ(test, dslite_aftr_check(a), DSLITE_AFTR_V4MAPPED);
}

static void dslite_test_tcp_states(struct kunit *test)
{
	u8 st = dslite_tcp_initial(DSLITE_TCPF_SYN, DSLITE_DIR_OUT);

	KUNIT_EXPECT_EQ(test, st, DSLITE_SESS_TCP_SYN_OUT);
	st = dslite_tcp_next(st, DSLITE_TCPF_SYN | DSLITE_TCPF_ACK,
			     DSLITE_DIR_IN);
	KUNIT_EXPECT_EQ(test, st, DSLITE_SESS_TCP_EST);
	KUNIT_EXPECT_EQ(test, dslite_tcp_next(st, DSLITE_TCPF_ACK,
					      DSLITE_DIR_OUT),
			DSLITE_SESS_TCP_EST);
	KUNIT_EXPECT_EQ(test, dslite_tcp_next(st, DSLITE_TCPF_FIN,
					      DSLITE_DIR_IN),
			DSLITE_SESS_TCP_FIN);
	KUNIT_EXPECT_EQ(test, dslite_tcp_next(st, DSLITE_TCPF_RST,
					      DSLITE_DIR_OUT),
			DSLITE_SESS_TCP_FIN);
	KUNIT_EXPECT_EQ(test, dslite_tcp_initial(DSLITE_TCPF_SYN,
						 DSLITE_DIR_IN),
			DSLITE_SESS_TCP_SYN_IN);
	KUNIT_EXPECT_EQ(test, dslite_tcp_initial(DSLITE_TCPF_ACK,
						 DSLITE_DIR_OUT),
			DSLITE_SESS_TCP_FIN);
}

static void dslite_test_timeouts(struct kunit *test)
{
	struct dslite_timeouts to = {
		.udp = 300, .tcp_est = 7440, .tcp_trans = 240, .icmp = 60,
		.tcp_syn = 6,
	};

	KUNIT_EXPECT_EQ(test, dslite_timeout_for(DSLITE_SESS_UDP, &to), 300U);
	KUNIT_EXPECT_EQ(test, dslite_timeout_for(DSLITE_SESS_ICMP, &to), 60U);
	KUNIT_EXPECT_EQ(test, dslite_timeout_for(DSLITE_SESS_TCP_EST, &to),
			7440U);
	KUNIT_EXPECT_EQ(test, dslite_timeout_for(DSLITE_SESS_TCP_SYN_IN, &to),
			6U);
	KUNIT_EXPECT_EQ(test, dslite_timeout_for(DSLITE_SESS_TCP_FIN, &to),
			240U);
}

static void dslite_test_blocks(struct kunit *test)
{
	unsigned long map[2] = { ~0UL, 0 };

	KUNIT_EXPECT_EQ(test, dslite_blocks_per_addr(1024, 65535, 512), 126U);
	KUNIT_EXPECT_EQ(test, dslite_blocks_per_addr(1024, 1030, 8), 0U);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(1024, 1024, 512, 126), 0);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(1535, 1024, 512, 126), 0);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(1536, 1024, 512, 126), 1);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(80, 1024, 512, 126), -1);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(65535, 1024, 512, 126),
			125);
	/* 1024-65000 holds 124 whole blocks: the tail is in none */
	KUNIT_EXPECT_EQ(test, dslite_blocks_per_addr(1024, 65000, 512), 124U);
	KUNIT_EXPECT_EQ(test, dslite_block_of_port(64999, 1024, 512, 124),
			-1);
	/* first long all taken: the pick lands in the second */
	KUNIT_EXPECT_EQ(test, dslite_pick_clear_bit(map, BITS_PER_LONG + 4, 3),
			BITS_PER_LONG);
	map[1] = 0xf;
	KUNIT_EXPECT_EQ(test, dslite_pick_clear_bit(map, BITS_PER_LONG + 4, 3),
			-1);
}

static void dslite_test_replay(struct kunit *test)
{
	struct dslite_replay w = { };

	KUNIT_EXPECT_TRUE(test, dslite_replay_check(&w, 10));
	KUNIT_EXPECT_FALSE(test, dslite_replay_check(&w, 10));
	KUNIT_EXPECT_TRUE(test, dslite_replay_check(&w, 12));
	KUNIT_EXPECT_TRUE(test, dslite_replay_check(&w, 11));
	KUNIT_EXPECT_TRUE(test, dslite_replay_check(&w, 100));
	KUNIT_EXPECT_FALSE(test, dslite_replay_check(&w, 36));
	KUNIT_EXPECT_TRUE(test, dslite_replay_check(&w, 37));
}

static void dslite_test_sync_codec(struct kunit *test)
{
	struct dslite_sync_session s = {
		.inst_id = 1, .proto = IPPROTO_TCP, .state = 4,
		.remaining = 7000,
	}, d;
	u8 buf[64];

	s.pub_port = htons(40000);
	KUNIT_ASSERT_EQ(test, dslite_sync_put_session(buf, sizeof(buf),
						      DSLITE_REC_SESSION, &s),
			(size_t)(2 + DSLITE_REC_SESSION_LEN));
	KUNIT_EXPECT_EQ(test, dslite_sync_get_session(buf + 2, buf[1], &d), 0);
	KUNIT_EXPECT_EQ(test, d.remaining, 7000U);
	KUNIT_EXPECT_EQ(test, d.pub_port, htons(40000));
	KUNIT_EXPECT_EQ(test, dslite_sync_get_session(buf + 2, 10, &d),
			-EBADMSG);
}

/* a user of 2 blocks of 8 ports, one free: dslite_port_pick's model */
struct dslite_test_user {
	unsigned long taken[3];
	u32 n;
};

static const unsigned long *dslite_test_taken(void *ctx, u32 slot)
{
	struct dslite_test_user *m = ctx;

	return &m->taken[slot];
}

static int dslite_test_grow(void *ctx)
{
	struct dslite_test_user *m = ctx;

	return m->n < 3 ? (int)m->n++ : -EDQUOT;
}

static u32 dslite_test_rnd(void *ctx)
{
	return get_random_u32();
}

static void dslite_test_port_pick(struct kunit *test)
{
	struct dslite_port_ops ops = {
		.taken = dslite_test_taken, .grow = dslite_test_grow,
		.rnd = dslite_test_rnd,
	};
	struct dslite_test_user m = { .n = 2 };
	u32 off, i;

	m.taken[0] = 0xff;
	m.taken[1] = 0xff & ~(1UL << 5);
	KUNIT_EXPECT_EQ(test, dslite_port_pick(&ops, &m, 2, 8, &off), 1);
	KUNIT_EXPECT_EQ(test, off, 5U);
	KUNIT_EXPECT_LE(test, ops.blocks, 2U);
	m.taken[1] = 0xff;
	ops.blocks = 0;
	/* both full: the new block (slot 2), then the quota */
	KUNIT_EXPECT_EQ(test, dslite_port_pick(&ops, &m, 2, 8, &off), 2);
	KUNIT_EXPECT_EQ(test, ops.blocks, 3U);
	for (i = 0; i < 8; i++) {
		KUNIT_EXPECT_EQ(test, dslite_port_pick(&ops, &m, 3, 8, &off), 2);
		KUNIT_EXPECT_FALSE(test, m.taken[2] & (1UL << off));
		m.taken[2] |= 1UL << off;
	}
	KUNIT_EXPECT_EQ(test, dslite_port_pick(&ops, &m, 3, 8, &off), -EDQUOT);
}

/* the AFTR table (aftr.c): the first entry of an address wins */
static void dslite_test_aftr_tab(struct kunit *test)
{
	static int objs[4];
	struct dslite_instance *i1 = (void *)&objs[0], *i2 = (void *)&objs[1];
	struct dslite_sl *s1 = (void *)&objs[2], *sl;
	struct dslite_aftr_tab *t;
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct in6_addr b = a, c = a;
	u32 n;

	b.s6_addr[15] = 2;
	c.s6_addr[15] = 3;
	t = dslite_aftr_tab_alloc(3);
	KUNIT_ASSERT_NOT_NULL(test, t);
	dslite_aftr_tab_add(t, &a, i1, NULL);
	dslite_aftr_tab_add(t, &b, i1, s1);
	dslite_aftr_tab_add(t, &b, i2, NULL);	/* taken: ignored */
	sl = s1;
	KUNIT_EXPECT_PTR_EQ(test, dslite_aftr_tab_lookup(t, &a, &sl), i1);
	KUNIT_EXPECT_NULL(test, sl);
	KUNIT_EXPECT_PTR_EQ(test, dslite_aftr_tab_lookup(t, &b, &sl), i1);
	KUNIT_EXPECT_PTR_EQ(test, sl, s1);
	/* a miss leaves *slp alone */
	KUNIT_EXPECT_NULL(test, dslite_aftr_tab_lookup(t, &c, &sl));
	KUNIT_EXPECT_PTR_EQ(test, sl, s1);
	dslite_aftr_tab_free(t);

	/* many: every one found, with its own value */
	t = dslite_aftr_tab_alloc(2048);
	KUNIT_ASSERT_NOT_NULL(test, t);
	for (n = 0; n < 2048; n++) {
		c.s6_addr32[2] = htonl(n);
		dslite_aftr_tab_add(t, &c, (void *)&objs[n & 3], NULL);
	}
	for (n = 0; n < 2048; n++) {
		c.s6_addr32[2] = htonl(n);
		KUNIT_EXPECT_PTR_EQ(test, dslite_aftr_tab_lookup(t, &c, &sl),
				    (struct dslite_instance *)&objs[n & 3]);
	}
	c.s6_addr32[2] = htonl(5000);
	KUNIT_EXPECT_NULL(test, dslite_aftr_tab_lookup(t, &c, &sl));
	dslite_aftr_tab_free(t);
}

static struct kunit_case dslite_logic_cases[] = {
	KUNIT_CASE(dslite_test_aftr_tab),
	KUNIT_CASE(dslite_test_port_pick),
	KUNIT_CASE(dslite_test_replay),
	KUNIT_CASE(dslite_test_sync_codec),
	KUNIT_CASE(dslite_test_name),
	KUNIT_CASE(dslite_test_aftr),
	KUNIT_CASE(dslite_test_tcp_states),
	KUNIT_CASE(dslite_test_timeouts),
	KUNIT_CASE(dslite_test_blocks),
	{}
};

static struct kunit_suite dslite_logic_suite = {
	.name = "dslite-logic",
	.test_cases = dslite_logic_cases,
};

kunit_test_suite(dslite_logic_suite);
