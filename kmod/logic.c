// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: pure NAT logic. See logic.h. Compiled into the module and into
 * the host unit tests (selftests/unit/test_logic.c); KUnit covers it too.
 */
#include "logic.h"
#include <uapi/linux/dslite.h>
#ifdef __KERNEL__
#include <linux/errno.h>
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

static bool dslite_bit(const unsigned long *map, u32 i)
{
	return map[i / DSLITE_LONG_BITS] & (1UL << (i % DSLITE_LONG_BITS));
}

int dslite_pick_clear_bit(const unsigned long *map, u32 nbits, u32 rnd)
{
	u32 start, i, b;

	if (!nbits)
		return -1;
	start = rnd % nbits;
	for (i = 0; i < nbits; i++) {
		b = start + i;
		if (b >= nbits)
			b -= nbits;
		if (!dslite_bit(map, b))
			return (int)b;
	}
	return -1;
}

/* @rnd scaled to [0, n) without a division (as reciprocal_scale) */
static u32 dslite_scale(u32 rnd, u32 n)
{
	return (u32)(((unsigned long long)rnd * n) >> 32);
}

void dslite_probe_init(struct dslite_probe *p, u32 nslots, u32 size,
		       u32 budget, u32 rnd)
{
	unsigned long long total = (unsigned long long)nslots * size;

	p->size = size;
	p->total = total > 0xffffffffULL ? 0xffffffffU : (u32)total;
	p->walk = p->total <= budget;
	p->left = p->walk ? p->total : budget;
	p->next = p->total ? dslite_scale(rnd, p->total) : 0;
}

bool dslite_probe_next(struct dslite_probe *p, u32 rnd, u32 *slot, u32 *off)
{
	u32 i;

	if (!p->left || !p->size)
		return false;
	p->left--;
	if (p->walk) {
		i = p->next;
		p->next = i + 1 < p->total ? i + 1 : 0;
	} else {
		i = dslite_scale(rnd, p->total);
	}
	*slot = i / p->size;
	*off = i % p->size;
	return true;
}

/* one round: the slot (first + the probe's) of a free port, or -1 */
static int dslite_port_round(struct dslite_port_ops *ops, void *ctx,
			     u32 first, u32 nslots, u32 size, u32 budget,
			     u32 *off)
{
	struct dslite_probe pr;
	u32 slot;

	dslite_probe_init(&pr, nslots, size, budget, ops->rnd(ctx));
	while (dslite_probe_next(&pr, ops->rnd(ctx), &slot, off)) {
		ops->probes++;
		if (ops->free(ctx, first + slot, *off))
			return (int)(first + slot);
	}
	return -1;
}

int dslite_port_pick(struct dslite_port_ops *ops, void *ctx, u32 nslots,
		     u32 size, u32 *off)
{
	u32 i, b, start;
	int slot;

	if (nslots) {
		slot = dslite_port_round(ops, ctx, 0, nslots, size,
					 DSLITE_PORT_TRIES, off);
		if (slot >= 0)
			return slot;
		start = dslite_scale(ops->rnd(ctx), nslots);
		for (i = 0; i < nslots; i++) {
			b = start + i < nslots ? start + i : start + i - nslots;
			if (ops->sessions(ctx, b) >= size)
				continue;
			/* one block at most, even if its count were wrong */
			slot = dslite_port_round(ops, ctx, b, 1, size, size,
						 off);
			if (slot >= 0)
				return slot;
			break;
		}
	}
	slot = ops->grow(ctx);
	if (slot < 0)
		return slot;
	/* a new block has no session: its first port tried is free */
	slot = dslite_port_round(ops, ctx, (u32)slot, 1, size,
				 DSLITE_PORT_TRIES, off);
	return slot >= 0 ? slot : -ENOSPC;
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
