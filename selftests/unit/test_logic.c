// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests of kmod/logic.c (the same file the module builds): the
 * TCP state machine, the timeout of each state, port-block arithmetic,
 * the random free-block pick and the public port pick over the blocks'
 * records of taken ports.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include <linux/dslite.h>
#include "../../kmod/logic.h"

#define SYN	DSLITE_TCPF_SYN
#define ACK	DSLITE_TCPF_ACK
#define FIN	DSLITE_TCPF_FIN
#define RST	DSLITE_TCPF_RST
#define OUT	DSLITE_DIR_OUT
#define IN	DSLITE_DIR_IN

#define S_UDP	DSLITE_SESS_UDP
#define S_ICMP	DSLITE_SESS_ICMP
#define S_SOUT	DSLITE_SESS_TCP_SYN_OUT
#define S_SIN	DSLITE_SESS_TCP_SYN_IN
#define S_EST	DSLITE_SESS_TCP_EST
#define S_FIN	DSLITE_SESS_TCP_FIN

#define LONG_BITS	(8 * sizeof(unsigned long))
#define MAP_LONGS(n)	(((n) + LONG_BITS - 1) / LONG_BITS)
#define N_ELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const char *st_name(u8 s)
{
	static const char *const n[] = {
		"udp", "icmp", "syn-out", "syn-in", "established", "closing",
	};

	return s < N_ELEM(n) ? n[s] : "?";
}

static const char *fl_name(u8 f)
{
	static char buf[5][24];
	static int i;
	char *b = buf[i++ % 5];

	b[0] = 0;
	if (f & SYN)
		strcat(b, "SYN|");
	if (f & ACK)
		strcat(b, "ACK|");
	if (f & FIN)
		strcat(b, "FIN|");
	if (f & RST)
		strcat(b, "RST|");
	if (b[0])
		b[strlen(b) - 1] = 0;
	else
		strcpy(b, "none");
	return b;
}

static void tcp_initial_cases(void)
{
	static const struct { u8 flags; int dir; u8 want; } c[] = {
		{ SYN, OUT, S_SOUT },		/* a B4 opens */
		{ SYN, IN, S_SIN },		/* simultaneous open / EIF */
		{ SYN | ACK, OUT, S_FIN },	/* mid-handshake: transitory */
		{ SYN | ACK, IN, S_FIN },
		{ ACK, OUT, S_FIN },		/* mid-stream after lost state */
		{ ACK, IN, S_FIN },
		{ 0, OUT, S_FIN },
		{ FIN | ACK, OUT, S_FIN },
		{ RST, OUT, S_FIN },
		{ RST | ACK, IN, S_FIN },
		{ SYN | RST, OUT, S_FIN },	/* RST wins over SYN */
		{ SYN | RST, IN, S_FIN },
		{ SYN | FIN, OUT, S_SOUT },	/* odd, but a SYN without ACK */
	};
	unsigned int i;

	for (i = 0; i < N_ELEM(c); i++) {
		u8 got = dslite_tcp_initial(c[i].flags, c[i].dir);

		TAP_CHECK(got == c[i].want, "tcp_initial(%s, %s) = %s (got %s)",
			  fl_name(c[i].flags), c[i].dir == OUT ? "out" : "in",
			  st_name(c[i].want), st_name(got));
	}
}

static void tcp_next_cases(void)
{
	static const struct { u8 st; u8 flags; int dir; u8 want; } c[] = {
		/* outbound open: SYN out, then SYN+ACK in */
		{ S_SOUT, SYN | ACK, IN, S_EST },
		{ S_SOUT, SYN, IN, S_EST },		/* simultaneous open */
		{ S_SOUT, SYN, OUT, S_SOUT },		/* retransmitted SYN */
		{ S_SOUT, ACK, OUT, S_SOUT },
		{ S_SOUT, ACK, IN, S_SOUT },		/* no SYN seen back */
		{ S_SOUT, FIN | ACK, IN, S_SOUT },
		{ S_SOUT, RST, IN, S_FIN },
		{ S_SOUT, RST | ACK, IN, S_FIN },
		/* inbound open: SYN in, then SYN(+ACK) out */
		{ S_SIN, SYN | ACK, OUT, S_EST },
		{ S_SIN, SYN, OUT, S_EST },
		{ S_SIN, SYN, IN, S_SIN },
		{ S_SIN, ACK, IN, S_SIN },
		{ S_SIN, ACK, OUT, S_SIN },
		{ S_SIN, RST, OUT, S_FIN },
		/* established */
		{ S_EST, ACK, OUT, S_EST },
		{ S_EST, ACK, IN, S_EST },
		{ S_EST, 0, IN, S_EST },
		{ S_EST, SYN | ACK, IN, S_EST },	/* retransmitted SYN+ACK */
		{ S_EST, FIN | ACK, OUT, S_FIN },
		{ S_EST, FIN | ACK, IN, S_FIN },
		{ S_EST, FIN, IN, S_FIN },
		{ S_EST, RST, OUT, S_FIN },
		{ S_EST, RST | ACK, IN, S_FIN },
		/* closing (transitory) */
		{ S_FIN, ACK, OUT, S_FIN },		/* last ACK of a close */
		{ S_FIN, FIN | ACK, IN, S_FIN },
		{ S_FIN, FIN | ACK, OUT, S_FIN },
		{ S_FIN, RST, IN, S_FIN },
		{ S_FIN, SYN, OUT, S_SOUT },		/* 5-tuple reused */
		{ S_FIN, SYN, IN, S_SIN },
		{ S_FIN, ACK, IN, S_EST },		/* traffic proves it live */
		{ S_FIN, SYN | ACK, IN, S_EST },
		{ S_FIN, SYN | ACK, OUT, S_FIN },
		{ S_FIN, SYN | RST, OUT, S_FIN },
		/* non-TCP states never move */
		{ S_UDP, SYN, OUT, S_UDP },
		{ S_ICMP, ACK, IN, S_ICMP },
	};
	unsigned int i;

	for (i = 0; i < N_ELEM(c); i++) {
		u8 got = dslite_tcp_next(c[i].st, c[i].flags, c[i].dir);

		TAP_CHECK(got == c[i].want, "tcp_next(%s, %s, %s) = %s (got %s)",
			  st_name(c[i].st), fl_name(c[i].flags),
			  c[i].dir == OUT ? "out" : "in", st_name(c[i].want),
			  st_name(got));
	}
}

/* whole conversations through initial + next */
static u8 run_conv(const u8 (*pk)[2], unsigned int n)
{
	u8 st = dslite_tcp_initial(pk[0][0], pk[0][1]);
	unsigned int i;

	for (i = 1; i < n; i++)
		st = dslite_tcp_next(st, pk[i][0], pk[i][1]);
	return st;
}

static void tcp_conversations(void)
{
	static const u8 open_out[][2] = {
		{ SYN, OUT }, { SYN | ACK, IN }, { ACK, OUT },
		{ ACK, OUT }, { ACK, IN },
	};
	static const u8 open_close[][2] = {
		{ SYN, OUT }, { SYN | ACK, IN }, { ACK, OUT },
		{ FIN | ACK, OUT }, { FIN | ACK, IN }, { ACK, OUT },
	};
	static const u8 open_in[][2] = {
		{ SYN, IN }, { SYN | ACK, OUT }, { ACK, IN },
	};
	static const u8 refused[][2] = {
		{ SYN, OUT }, { RST | ACK, IN },
	};
	static const u8 reopen[][2] = {
		{ SYN, OUT }, { SYN | ACK, IN }, { RST, OUT },
		{ SYN, OUT }, { SYN | ACK, IN }, { ACK, OUT },
	};

	TAP_CHECK(run_conv(open_out, N_ELEM(open_out)) == S_EST,
		  "conversation: outbound open -> established");
	TAP_CHECK(run_conv(open_close, N_ELEM(open_close)) == S_FIN,
		  "conversation: open then FIN both ways -> closing");
	TAP_CHECK(run_conv(open_in, N_ELEM(open_in)) == S_EST,
		  "conversation: inbound open -> established");
	TAP_CHECK(run_conv(refused, N_ELEM(refused)) == S_FIN,
		  "conversation: SYN answered by RST -> closing");
	TAP_CHECK(run_conv(reopen, N_ELEM(reopen)) == S_EST,
		  "conversation: reset then reopened -> established");
	TAP_CHECK(run_conv(open_out, 1) == S_SOUT,
		  "conversation: lone SYN stays syn-out");
}

static void timeout_cases(void)
{
	/* distinct values so a mix-up cannot pass */
	const struct dslite_timeouts to = {
		.udp = 300, .tcp_est = 7440, .tcp_trans = 240, .icmp = 60,
		.tcp_syn = 6,
	};
	static const struct { u8 st; u32 want; } c[] = {
		{ S_UDP, 300 },
		{ S_ICMP, 60 },
		{ S_SIN, 6 },		/* unsolicited inbound SYN: short */
		{ S_EST, 7440 },
		{ S_SOUT, 240 },	/* RFC 5382: partially open = transitory */
		{ S_FIN, 240 },
		{ 200, 240 },		/* unknown state: the safe short one */
	};
	unsigned int i;

	for (i = 0; i < N_ELEM(c); i++)
		TAP_CHECK(dslite_timeout_for(c[i].st, &to) == c[i].want,
			  "timeout_for(%s) = %u", st_name(c[i].st), c[i].want);
}

static void block_cases(void)
{
	static const struct { u32 lo, hi, size, want; } bpa[] = {
		{ 1024, 65535, 512, 126 },	/* the defaults */
		{ 1024, 65535, 8, 8064 },
		{ 1024, 65535, 32768, 1 },
		{ 1, 65535, 32768, 1 },
		{ 0, 65535, 32768, 2 },
		{ 1024, 65535, 1000, 64 },	/* tail of 512 ports unused */
		{ 1024, 1031, 8, 1 },		/* exactly one block */
		{ 1024, 1030, 8, 0 },		/* one port short */
		{ 2000, 1999, 8, 0 },		/* hi < lo */
		{ 2000, 2000, 1, 1 },
		{ 1024, 65535, 0, 0 },		/* no division by zero */
	};
	static const struct { u32 port, lo, size, nb; int want; } bop[] = {
		{ 1024, 1024, 512, 126, 0 },
		{ 1535, 1024, 512, 126, 0 },
		{ 1536, 1024, 512, 126, 1 },
		{ 65535, 1024, 512, 126, 125 },	/* last port, last block */
		{ 1023, 1024, 512, 126, -1 },	/* below the range */
		{ 0, 1024, 512, 126, -1 },
		{ 65535, 1024, 1000, 64, -1 },	/* in the unused tail */
		{ 65023, 1024, 1000, 64, 63 },
		{ 65024, 1024, 1000, 64, -1 },
		{ 1031, 1024, 8, 8064, 0 },
		{ 1032, 1024, 8, 8064, 1 },
		{ 5000, 1024, 0, 10, -1 },	/* size 0 */
		{ 5000, 1024, 512, 0, -1 },	/* no block */
		{ 70000, 1024, 512, 65536, 134 },/* caller's bound rules */
	};
	unsigned int i;

	for (i = 0; i < N_ELEM(bpa); i++)
		TAP_CHECK(dslite_blocks_per_addr(bpa[i].lo, bpa[i].hi,
						 bpa[i].size) == bpa[i].want,
			  "blocks_per_addr(%u..%u, size %u) = %u", bpa[i].lo,
			  bpa[i].hi, bpa[i].size, bpa[i].want);
	for (i = 0; i < N_ELEM(bop); i++)
		TAP_CHECK(dslite_block_of_port(bop[i].port, bop[i].lo,
					       bop[i].size, bop[i].nb) ==
			  bop[i].want,
			  "block_of_port(%u, lo %u, size %u, %u blocks) = %d",
			  bop[i].port, bop[i].lo, bop[i].size, bop[i].nb,
			  bop[i].want);

	/* every port of the default range maps into its block, round trip */
	{
		u32 lo = 1024, size = 512, nb = 126, p;
		int bad = 0;

		for (p = 0; p <= 65535; p++) {
			int b = dslite_block_of_port(p, lo, size, nb);

			if (p < lo ? b != -1 :
			    (b < 0 || lo + (u32)b * size > p ||
			     lo + ((u32)b + 1) * size <= p))
				bad++;
		}
		TAP_CHECK(bad == 0, "block_of_port round trip over 0..65535 (%d bad)",
			  bad);
	}
}

static void map_set(unsigned long *m, u32 i)
{
	m[i / LONG_BITS] |= 1UL << (i % LONG_BITS);
}

static void map_clear(unsigned long *m, u32 i)
{
	m[i / LONG_BITS] &= ~(1UL << (i % LONG_BITS));
}

static int map_test(const unsigned long *m, u32 i)
{
	return !!(m[i / LONG_BITS] & (1UL << (i % LONG_BITS)));
}

/* reference: first clear bit at or after rnd % n, wrapping */
static int ref_pick(const unsigned long *m, u32 n, u32 rnd)
{
	u32 i;

	if (!n)
		return -1;
	for (i = 0; i < n; i++) {
		u32 b = (rnd % n + i) % n;

		if (!map_test(m, b))
			return (int)b;
	}
	return -1;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static u32 rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (u32)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static void pick_cases(void)
{
	unsigned long m[MAP_LONGS(300)];
	u32 n, i, rnd;
	int got, bad;

	memset(m, 0, sizeof(m));
	TAP_CHECK(dslite_pick_clear_bit(m, 0, 5) == -1, "pick: empty map -> -1");
	TAP_CHECK(dslite_pick_clear_bit(m, 126, 0) == 0,
		  "pick: free map, rnd 0 -> 0");
	TAP_CHECK(dslite_pick_clear_bit(m, 126, 125) == 125,
		  "pick: free map, rnd 125 -> 125");
	TAP_CHECK(dslite_pick_clear_bit(m, 126, 126) == 0,
		  "pick: rnd is taken modulo nbits");
	TAP_CHECK(dslite_pick_clear_bit(m, 126, UINT32_MAX) ==
		  (int)(UINT32_MAX % 126), "pick: rnd UINT32_MAX");

	/* every start position is reachable: a free map is uniform */
	bad = 0;
	for (rnd = 0; rnd < 126; rnd++)
		if (dslite_pick_clear_bit(m, 126, rnd) != (int)rnd)
			bad++;
	TAP_CHECK(bad == 0, "pick: free map returns rnd %% n for every rnd");

	/* full map */
	for (i = 0; i < 300; i++)
		map_set(m, i);
	TAP_CHECK(dslite_pick_clear_bit(m, 126, 7) == -1, "pick: full map -> -1");
	TAP_CHECK(dslite_pick_clear_bit(m, 300, 299) == -1,
		  "pick: full 300-bit map -> -1");

	/* one clear bit: found from every start, across word boundaries */
	for (n = 1; n <= 300; n += (n < 70 ? 1 : 37)) {
		u32 hole;

		bad = 0;
		for (hole = 0; hole < n; hole++) {
			map_clear(m, hole);
			for (rnd = 0; rnd < n; rnd++)
				if (dslite_pick_clear_bit(m, n, rnd) !=
				    (int)hole)
					bad++;
			map_set(m, hole);
		}
		if (bad) {
			TAP_CHECK(0, "pick: single hole in %u bits found from every start (%d bad)",
				  n, bad);
			break;
		}
	}
	TAP_CHECK(n > 300, "pick: single hole found from every start, 1..300 bits");

	/* clear bits beyond nbits must never be returned */
	for (i = 0; i < 300; i++)
		map_set(m, i);
	map_clear(m, 100);
	map_clear(m, 64);
	TAP_CHECK(dslite_pick_clear_bit(m, 64, 3) == -1,
		  "pick: clear bit just past nbits (64) is ignored");
	TAP_CHECK(dslite_pick_clear_bit(m, 100, 99) == 64,
		  "pick: wraps past the end to the only clear bit");
	TAP_CHECK(dslite_pick_clear_bit(m, 101, 65) == 100,
		  "pick: scans forward from the start");

	/* wrap: start after the only clear bit */
	for (i = 0; i < 300; i++)
		map_set(m, i);
	map_clear(m, 2);
	TAP_CHECK(dslite_pick_clear_bit(m, 126, 50) == 2, "pick: wraps to bit 2");

	/* randomised against the reference */
	bad = 0;
	for (i = 0; i < 20000; i++) {
		u32 k, density = rng() % 101;

		n = 1 + rng() % 300;
		memset(m, 0, sizeof(m));
		for (k = 0; k < 300; k++)
			if (rng() % 100 < density)
				map_set(m, k);
		rnd = rng();
		got = dslite_pick_clear_bit(m, n, rnd);
		if (got != ref_pick(m, n, rnd) ||
		    (got >= 0 && ((u32)got >= n || map_test(m, got))))
			bad++;
	}
	TAP_CHECK(bad == 0, "pick: 20000 random maps agree with the reference (%d bad)",
		  bad);
}

/*
 * A model user for dslite_port_pick: @n blocks of @size ports (one
 * protocol), a port taken when its bit is set in taken[b], as session.c
 * keeps struct dslite_user_block's record; new blocks up to @quota. The
 * bits past @size in a block's last word stay clear, as in the module's
 * zeroed bitmaps: the pick must never return them.
 */
#define PM_BLOCKS	64
#define PM_SIZE		1008

struct pm {
	u32 size, n, quota, grows;
	unsigned long taken[PM_BLOCKS][MAP_LONGS(PM_SIZE)];
};

static struct pm pm;

static const unsigned long *pm_taken(void *ctx, u32 slot)
{
	struct pm *m = ctx;

	if (slot >= m->n)
		return NULL;	/* a slot the user does not hold: crash */
	return m->taken[slot];
}

static int pm_grow(void *ctx)
{
	struct pm *m = ctx;

	if (m->n >= m->quota)
		return -EDQUOT;
	memset(m->taken[m->n], 0, sizeof(m->taken[0]));
	m->grows++;
	return (int)m->n++;
}

static u32 pm_rnd(void *ctx)
{
	(void)ctx;
	return rng();
}

static void pm_init(u32 n, u32 size, u32 quota, u32 used_pct)
{
	u32 b, o;

	memset(&pm, 0, sizeof(pm));
	pm.n = n;
	pm.size = size;
	pm.quota = quota;
	for (b = 0; b < n; b++)
		for (o = 0; o < size; o++)
			if (rng() % 100 < used_pct)
				map_set(pm.taken[b], o);
}

static u32 pm_free_ports(void)
{
	u32 b, o, n = 0;

	for (b = 0; b < pm.n; b++)
		for (o = 0; o < pm.size; o++)
			n += !map_test(pm.taken[b], o);
	return n;
}

/*
 * One pick; marks the port taken. Returns the slot (or the error), the
 * bitmaps searched in *blocks; -1000 for a taken port or one past the
 * block, never right.
 */
static int pm_pick(u32 *blocks, u32 *off)
{
	struct dslite_port_ops ops = {
		.taken = pm_taken, .grow = pm_grow, .rnd = pm_rnd,
	};
	int slot = dslite_port_pick(&ops, &pm, pm.n, pm.size, off);

	*blocks = ops.blocks;
	if (slot >= 0) {
		if ((u32)slot >= pm.n || *off >= pm.size ||
		    map_test(pm.taken[slot], *off))
			return -1000;
		map_set(pm.taken[slot], *off);
	}
	return slot;
}

static void port_pick_cases(void)
{
	u32 off, i, nb, fb, fo, t, worst, distinct;
	static u8 seen[PM_SIZE];
	int got, bad;

	/* a full user at its quota: -EDQUOT after one search per block */
	pm_init(4, 512, 4, 100);
	got = pm_pick(&nb, &off);
	TAP_CHECK(got == -EDQUOT && nb == 4 && !pm.grows,
		  "port: full user (4x512) at its quota -> -EDQUOT, %u block searches", nb);
	pm_init(64, 1008, 64, 100);
	got = pm_pick(&nb, &off);
	TAP_CHECK(got == -EDQUOT && nb == 64,
		  "port: full user (64x1008) at its quota -> -EDQUOT, %u block searches", nb);

	/* full blocks, quota left: a new block, found at once */
	bad = 0;
	for (t = 0; t < 200; t++) {
		pm_init(4, 512, 8, 100);
		got = pm_pick(&nb, &off);
		if (got != 4 || nb != 5 || pm.grows != 1)
			bad++;
	}
	TAP_CHECK(bad == 0, "port: 4 full blocks, room for more: the new block after 5 searches");

	/* one free port in 4x512: always that one, never a new block */
	bad = 0;
	for (t = 0; t < 500; t++) {
		fb = rng() % 4;
		fo = rng() % 512;
		pm_init(4, 512, 8, 100);
		map_clear(pm.taken[fb], fo);
		got = pm_pick(&nb, &off);
		if (got != (int)fb || off != fo || nb > 4 || pm.grows)
			bad++;
	}
	TAP_CHECK(bad == 0, "port: the one free port of 4x512 is found wherever it is (wrapping), before any new block");

	/* filling from empty: every port of a block before the next block */
	pm_init(0, 512, 4, 0);
	bad = 0;
	for (i = 0; i < 2048; i++) {
		got = pm_pick(&nb, &off);
		if (got != (int)(i / 512) || pm.n != i / 512 + 1 || nb > pm.n)
			bad++;
	}
	got = pm_pick(&nb, &off);
	TAP_CHECK(bad == 0 && got == -EDQUOT && pm_free_ports() == 0,
		  "port: 2048 mappings fill 4 blocks of 512 one after the other, no port twice, then -EDQUOT");

	/* the same with ports freed meanwhile: a freed port is used again first */
	pm_init(2, 512, 3, 100);
	map_clear(pm.taken[1], 77);
	map_clear(pm.taken[0], 500);
	got = pm_pick(&nb, &off);
	i = got * 512 + off;
	got = pm_pick(&nb, &off);
	i += got * 512 + off;
	TAP_CHECK(i == 77 + 512 + 500 && pm.grows == 0 && pm_pick(&nb, &off) == 2,
		  "port: the freed ports of held blocks go before a new block");

	/* random start: an empty block's first pick is spread over it */
	memset(seen, 0, sizeof(seen));
	distinct = 0;
	for (t = 0; t < 4000; t++) {
		pm_init(1, 512, 1, 0);
		got = pm_pick(&nb, &off);
		if (got == 0 && !seen[off]++)
			distinct++;
	}
	/* 4000 draws over 512: about 512 * (1 - e^-7.8), i.e. all but ~0.2 */
	TAP_CHECK(distinct >= 500,
		  "port: first picks in an empty block are random: %u of 512 ports seen in 4000", distinct);
	/* and over the blocks: each of 4 half-full blocks gets picks */
	memset(seen, 0, sizeof(seen));
	for (t = 0; t < 400; t++) {
		pm_init(4, 512, 4, 50);
		got = pm_pick(&nb, &off);
		if (got >= 0 && got < 4)
			seen[got]++;
	}
	TAP_CHECK(seen[0] > 50 && seen[1] > 50 && seen[2] > 50 && seen[3] > 50,
		  "port: the start block is random (%u %u %u %u of 400)",
		  seen[0], seen[1], seen[2], seen[3]);

	/* block sizes that are no multiple of the word: never past the end */
	bad = 0;
	for (t = 0; t < 200; t++) {
		u32 size = 8 + rng() % 200;

		pm_init(2, size, 2, 100);
		fb = rng() % 2;
		fo = rng() % size;
		map_clear(pm.taken[fb], fo);
		got = pm_pick(&nb, &off);
		if (got != (int)fb || off != fo)
			bad++;
		if (pm_pick(&nb, &off) != -EDQUOT)
			bad++;
	}
	TAP_CHECK(bad == 0, "port: blocks of 8-207 ports: the one free port, then -EDQUOT (never a bit past the block)");

	/* every pick is bounded and right, whatever the fill */
	bad = 0;
	worst = 0;
	for (t = 0; t < 3000; t++) {
		u32 n = 1 + rng() % 8, size = 8 << (rng() % 7), q, freep;

		if (size > PM_SIZE)
			size = PM_SIZE;
		q = n + rng() % 2;
		pm_init(n, size, q, 90 + rng() % 11);
		freep = pm_free_ports();
		got = pm_pick(&nb, &off);
		if (got == -1000 || nb > n + 1 ||
		    (freep && (got < 0 || (u32)got >= n)) ||
		    (!freep && got != (q > n ? (int)n : -EDQUOT)))
			bad++;
		worst = nb > worst ? nb : worst;
	}
	TAP_CHECK(bad == 0, "port: 3000 random users 90-100%% full: a free port of a held block if any, else a new block or -EDQUOT; <= blocks + 1 searches (worst %u)",
		  worst);

	/* a grow that has no room in the pool */
	pm_init(1, 8, 1, 100);
	got = pm_pick(&nb, &off);
	TAP_CHECK(got == -EDQUOT, "port: no quota left -> the grow's error");
}

static void frag_cases(void)
{
	static const struct {
		u8 proto;
		u16 frag_off;
		u32 len;
		bool ok;
		const char *what;
	} c[] = {
		{ 6, 0x2000, 8, false, "TCP first fragment of 8 bytes (tiny)" },
		{ 6, 0x2000, 19, false, "TCP first fragment of 19 bytes" },
		{ 6, 0x2000, 20, true, "TCP first fragment of 20 bytes" },
		{ 6, 0x2001, 16, false, "TCP fragment at offset 1 (RFC 1858)" },
		{ 6, 0x0001, 16, false, "TCP last fragment at offset 1" },
		{ 6, 0x2002, 8, true, "TCP fragment at offset 2" },
		{ 6, 0x0003, 1, true, "TCP last fragment at offset 3, 1 byte" },
		{ 17, 0x2000, 7, false, "UDP first fragment of 7 bytes" },
		{ 17, 0x2000, 8, true, "UDP first fragment of 8 bytes" },
		{ 17, 0x2001, 8, true, "UDP fragment at offset 1" },
		{ 1, 0x2000, 4, false, "ICMP first fragment of 4 bytes" },
		{ 1, 0x2000, 8, true, "ICMP first fragment of 8 bytes" },
		{ 47, 0x2000, 0, true, "GRE first fragment of 0 bytes (not ours to judge)" },
		{ 6, 0x4000, 20, true, "DF only, no offset: a whole TCP segment's header" },
	};
	size_t i;

	for (i = 0; i < N_ELEM(c); i++)
		TAP_CHECK(dslite_frag_ok(c[i].proto, c[i].frag_off, c[i].len) == c[i].ok,
			  "frag: %s -> %s", c[i].what, c[i].ok ? "queued" : "refused");
}

int main(void)
{
	tcp_initial_cases();
	tcp_next_cases();
	tcp_conversations();
	timeout_cases();
	block_cases();
	pick_cases();
	port_pick_cases();
	frag_cases();
	return tap_finish();
}
