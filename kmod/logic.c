// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: pure NAT logic. See logic.h. Compiled into the module and into
 * the host unit tests (selftests/unit/test_logic.c); KUnit covers it too.
 */
#include "logic.h"
#include <uapi/linux/dslite.h>
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/bitops.h>
#else
#include <errno.h>
#endif

#define DSLITE_LONG_BITS	(8 * sizeof(unsigned long))

u8 dslite_tcp_initial(u8 flags, int dir)
{
	if (flags & DSLITE_TCPF_RST)
		return DSLITE_SESS_TCP_FIN;
	if ((flags & DSLITE_TCPF_SYN) && !(flags & DSLITE_TCPF_ACK))
		return dir == DSLITE_DIR_OUT ? DSLITE_SESS_TCP_SYN_OUT :
					       DSLITE_SESS_TCP_SYN_IN;
	/*
	 * A mid-stream packet (say, after the other router failed and
	 * state was lost): keep it alive only for the transitory time
	 * until the peer proves the connection is real.
	 */
	return DSLITE_SESS_TCP_FIN;
}

u8 dslite_tcp_next(u8 state, u8 flags, int dir)
{
	if (flags & DSLITE_TCPF_RST)
		return DSLITE_SESS_TCP_FIN;
	switch (state) {
	case DSLITE_SESS_TCP_SYN_OUT:
		if (dir == DSLITE_DIR_IN && (flags & DSLITE_TCPF_SYN))
			return DSLITE_SESS_TCP_EST;
		break;
	case DSLITE_SESS_TCP_SYN_IN:
		if (dir == DSLITE_DIR_OUT && (flags & DSLITE_TCPF_SYN))
			return DSLITE_SESS_TCP_EST;
		break;
	case DSLITE_SESS_TCP_EST:
		if (flags & DSLITE_TCPF_FIN)
			return DSLITE_SESS_TCP_FIN;
		break;
	case DSLITE_SESS_TCP_FIN:
		/* a new handshake on the same 5-tuple reopens it */
		if ((flags & DSLITE_TCPF_SYN) && !(flags & DSLITE_TCPF_ACK))
			return dir == DSLITE_DIR_OUT ? DSLITE_SESS_TCP_SYN_OUT :
						       DSLITE_SESS_TCP_SYN_IN;
		/* data both ways after a lost state: established again */
		if ((flags & DSLITE_TCPF_ACK) && !(flags & DSLITE_TCPF_FIN) &&
		    dir == DSLITE_DIR_IN)
			return DSLITE_SESS_TCP_EST;
		break;
	}
	return state;
}

u32 dslite_timeout_for(u8 state, const struct dslite_timeouts *to)
{
	switch (state) {
	case DSLITE_SESS_UDP:
		return to->udp;
	case DSLITE_SESS_ICMP:
		return to->icmp;
	case DSLITE_SESS_TCP_SYN_IN:
		return to->tcp_syn;
	case DSLITE_SESS_TCP_EST:
		return to->tcp_est;
	case DSLITE_SESS_TCP_SYN_OUT:
	case DSLITE_SESS_TCP_FIN:
	default:
		return to->tcp_trans;
	}
}

u32 dslite_blocks_per_addr(u32 lo, u32 hi, u32 size)
{
	if (!size || hi < lo)
		return 0;
	return (hi - lo + 1) / size;
}

int dslite_block_of_port(u32 port, u32 lo, u32 size, u32 nblocks)
{
	u32 idx;

	if (port < lo || !size)
		return -1;
	idx = (port - lo) / size;
	return idx < nblocks ? (int)idx : -1;
}

static u32 dslite_ctz(unsigned long v)
{
#ifdef __KERNEL__
	return __ffs(v);
#else
	return (u32)__builtin_ctzl(v);
#endif
}

/* the first clear bit of @map in [@from, @to), or @to if none */
static u32 dslite_clear_in(const unsigned long *map, u32 from, u32 to)
{
	u32 w = from / DSLITE_LONG_BITS, b;
	unsigned long v;

	if (from >= to)
		return to;
	v = ~map[w] & (~0UL << (from % DSLITE_LONG_BITS));
	for (;;) {
		if (v) {
			b = w * DSLITE_LONG_BITS + dslite_ctz(v);
			return b < to ? b : to;
		}
		if (++w * DSLITE_LONG_BITS >= to)
			return to;
		v = ~map[w];
	}
}

int dslite_find_clear_bit_from(const unsigned long *map, u32 nbits,
			       u32 start)
{
	u32 b;

	if (start >= nbits)
		return -1;
	b = dslite_clear_in(map, start, nbits);
	if (b < nbits)
		return (int)b;
	b = dslite_clear_in(map, 0, start);
	return b < start ? (int)b : -1;
}

int dslite_pick_clear_bit(const unsigned long *map, u32 nbits, u32 rnd)
{
	if (!nbits)
		return -1;
	return dslite_find_clear_bit_from(map, nbits, rnd % nbits);
}

/* @rnd scaled to [0, n) without a division (as reciprocal_scale) */
static u32 dslite_scale(u32 rnd, u32 n)
{
	return (u32)(((unsigned long long)rnd * n) >> 32);
}

int dslite_port_pick(struct dslite_port_ops *ops, void *ctx, u32 nslots,
		     u32 size, u32 *off)
{
	u32 rnd = ops->rnd(ctx), first, start, i, b;
	int bit, slot;

	if (!size)
		return -ENOSPC;
	/* the block from the high bits, the offset from the low 16 */
	first = ((rnd & 0xffff) * size) >> 16;
	start = dslite_scale(rnd, nslots);
	for (i = 0; i < nslots; i++) {
		b = start + i < nslots ? start + i : start + i - nslots;
		ops->blocks++;
		bit = dslite_find_clear_bit_from(ops->taken(ctx, b), size,
						 first);
		if (bit >= 0) {
			*off = (u32)bit;
			return (int)b;
		}
	}
	slot = ops->grow(ctx);
	if (slot < 0)
		return slot;
	ops->blocks++;
	bit = dslite_find_clear_bit_from(ops->taken(ctx, (u32)slot), size,
					 first);
	if (bit < 0)
		return -ENOSPC;
	*off = (u32)bit;
	return slot;
}

bool dslite_frag_ok(u8 proto, u16 frag_off, u32 len)
{
	u32 offset = frag_off & 0x1fff;		/* IP_OFFSET, 8-byte units */
	u32 need;

	if (proto == 6 && offset == 1)
		return false;
	if (offset)
		return true;
	switch (proto) {
	case 6:
		need = 20;
		break;
	case 17:
	case 1:
		need = 8;
		break;
	default:
		need = 0;
	}
	return len >= need;
}
