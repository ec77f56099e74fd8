/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: pure NAT logic (logic.c): TCP state, timeout choice, port-block
 * arithmetic, the free-block pick and the public port pick. No kernel
 * state: it builds in the module and in the host unit tests alike.
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
 * The first clear bit of @map (@nbits long) at or after @start (< nbits),
 * wrapping past the end; -1 if none. A word at a time.
 */
int dslite_find_clear_bit_from(const unsigned long *map, u32 nbits,
			       u32 start);

/*
 * Pick a clear bit of @map (@nbits long) starting the search at
 * @rnd % nbits and wrapping: a random free block. -1 if none.
 */
int dslite_pick_clear_bit(const unsigned long *map, u32 nbits, u32 rnd);

/*
 * The taken ports of a block: one bitmap per protocol, as the outside
 * index (sess_in) is keyed by (public address, port, protocol): a TCP and
 * a UDP mapping may share a port number, and ICMP ids are a namespace of
 * their own. Index of @proto's bitmap (TCP, UDP, ICMP: the protocols the
 * NAT translates).
 */
#define DSLITE_PORT_PROTOS	3

static inline u32 dslite_port_proto(u8 proto)
{
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

/*
 * What dslite_port_pick needs of a user's blocks (session.c fills it in
 * for a user whose lock it holds; the unit tests for a model of one).
 */
struct dslite_port_ops {
	/* the taken ports of the block in @slot, for the new mapping's protocol */
	const unsigned long *(*taken)(void *ctx, u32 slot);
	/* a new block: its slot, or a negative errno (quota, no block) */
	int (*grow)(void *ctx);
	u32 (*rnd)(void *ctx);
	u32 blocks;	/* out: block bitmaps searched, for the measurements */
};

/*
 * A free public port for a new mapping of a user with @nslots blocks of
 * @size ports, without a single table lookup (it runs in softirq under
 * the user's lock): one random number gives a block and an offset; the
 * first free port at or after that offset, wrapping in the block, is the
 * pick; if that block is full, the next block (wrapping over the user's
 * blocks) from the same offset; only when every block is full, a new
 * block (ops->grow), from the same offset. So a user uses every port of
 * its blocks before it takes another, the port is unpredictable within
 * the free ones (RFC 6056's "random start, then in order"), and the work
 * is at most @nslots + 1 bitmap searches of @size bits.
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
