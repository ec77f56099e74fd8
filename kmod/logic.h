/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: pure NAT logic (logic.c): TCP state, timeout choice, port-block
 * arithmetic, the free-block pick and the public port probe. No kernel state: it builds in the
 * module and in the host unit tests alike.
 */
#ifndef _DSLITE_LOGIC_H
#define _DSLITE_LOGIC_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
#endif

/* enum dslite_sess_state lives in the UAPI header */
#define DSLITE_DIR_OUT	0	/* B4 -> Internet */
#define DSLITE_DIR_IN	1	/* Internet -> B4 */

#define DSLITE_TCPF_SYN	0x01
#define DSLITE_TCPF_ACK	0x02
#define DSLITE_TCPF_FIN	0x04
#define DSLITE_TCPF_RST	0x08

struct dslite_timeouts {
	u32 udp;
	u32 tcp_est;
	u32 tcp_trans;
	u32 icmp;
	u32 tcp_syn;
};

/* state of a TCP session created by a packet with @flags from @dir */
u8 dslite_tcp_initial(u8 flags, int dir);
/* next TCP state after a packet with @flags in direction @dir */
u8 dslite_tcp_next(u8 state, u8 flags, int dir);
/* idle timeout, in seconds, of a session in @state */
u32 dslite_timeout_for(u8 state, const struct dslite_timeouts *to);

/* port blocks of a public address: [lo, hi] cut into blocks of @size */
u32 dslite_blocks_per_addr(u32 lo, u32 hi, u32 size);
/* block index of @port, or -1 if outside every whole block */
int dslite_block_of_port(u32 port, u32 lo, u32 size, u32 nblocks);

/*
 * Pick a clear bit of @map (@nbits long) starting the search at
 * @rnd % nbits and wrapping: a random free block. -1 if none.
 */
int dslite_pick_clear_bit(const unsigned long *map, u32 nbits, u32 rnd);

/*
 * The public ports tried for a new mapping, at most DSLITE_PORT_TRIES per
 * round (nf_nat gives up after 128 as well): the work per packet stays
 * bounded however full the user's blocks are. A round covers @nslots
 * blocks of @size ports each. When they hold no more ports than the
 * round's budget every port is tried once, in order from a random one
 * (the answer is exact); otherwise @budget ports are drawn at random.
 * The caller passes a fresh random number to each step.
 */
#define DSLITE_PORT_TRIES	128

struct dslite_probe {
	u32 total;	/* ports in the round: nslots * size */
	u32 size;
	u32 left;	/* probes left */
	u32 next;	/* walk: the next port index */
	bool walk;	/* every port once (else random draws) */
};

void dslite_probe_init(struct dslite_probe *p, u32 nslots, u32 size,
		       u32 budget, u32 rnd);
/* the next port to try: block slot and offset in it; false when done */
bool dslite_probe_next(struct dslite_probe *p, u32 rnd, u32 *slot, u32 *off);

/*
 * What dslite_port_pick needs of a user's blocks (session.c fills it in
 * for a user whose lock it holds; the unit tests for a model of one).
 */
struct dslite_port_ops {
	/* is port @off of the block in @slot free for the new mapping? */
	bool (*free)(void *ctx, u32 slot, u32 off);
	/* sessions in the block in @slot (each used port has one there) */
	u32 (*sessions)(void *ctx, u32 slot);
	/* a new block: its slot, or a negative errno (quota, no block) */
	int (*grow)(void *ctx);
	u32 (*rnd)(void *ctx);
	u32 probes;	/* out: ports tried, for the measurements */
};

/*
 * A free public port for a new mapping of a user with @nslots blocks of
 * @size ports, with bounded work (it runs in softirq under the user's
 * lock). In turn:
 *  1. DSLITE_PORT_TRIES ports of the user's blocks (a round, as above);
 *  2. if that missed, a block whose session count is under @size has a
 *     free port for any protocol: its ports in order from a random one,
 *     so a user still fills its blocks before it takes another (at most
 *     @size lookups, and only while the counts prove a port is free);
 *  3. a new block (ops->grow), tried like 1.
 * Returns the slot and sets *off, or ops->grow's error, or -ENOSPC when
 * the new block had no free port either.
 */
int dslite_port_pick(struct dslite_port_ops *ops, void *ctx, u32 nslots,
		     u32 size, u32 *off);

/*
 * May an IPv4 fragment be queued for reassembly? @proto is the IP
 * protocol, @frag_off the host-order flags+offset field, @len the bytes
 * of payload after the IP header. Refuses the fragments that can smuggle
 * a transport header past a filter (RFC 1858 section 3, RFC 3128): a TCP
 * fragment at offset 1 (8 bytes), and a first fragment too short to hold
 * the transport header (TCP 20, UDP 8, ICMP 8 bytes).
 */
bool dslite_frag_ok(u8 proto, u16 frag_off, u32 len);

#endif /* _DSLITE_LOGIC_H */
