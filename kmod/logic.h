/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: pure NAT logic (logic.c): TCP state, timeout choice, port-block
 * arithmetic and the free-block pick. No kernel state: it builds in the
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
 * May an IPv4 fragment be queued for reassembly? @proto is the IP
 * protocol, @frag_off the host-order flags+offset field, @len the bytes
 * of payload after the IP header. Refuses the fragments that can smuggle
 * a transport header past a filter (RFC 1858 section 3, RFC 3128): a TCP
 * fragment at offset 1 (8 bytes), and a first fragment too short to hold
 * the transport header (TCP 20, UDP 8, ICMP 8 bytes).
 */
bool dslite_frag_ok(u8 proto, u16 frag_off, u32 len);

#endif /* _DSLITE_LOGIC_H */
