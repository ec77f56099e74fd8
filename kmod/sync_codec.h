/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dslite: the hot-backup sync wire format (sync_codec.c). Pure code: it
 * builds in the module and in the host unit tests. See docs/ha.md.
 *
 * A packet: struct dslite_sync_hdr, then records, then (with a key) a
 * 32-byte HMAC-SHA256 over header and records. All fields big-endian.
 * A record: u8 type, u8 length of the value, the value.
 */
#ifndef _DSLITE_SYNC_CODEC_H
#define _DSLITE_SYNC_CODEC_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
#endif

#define DSLITE_SYNC_VERSION	2
#define DSLITE_SYNC_HMAC_LEN	32

enum dslite_sync_type {
	DSLITE_SYNC_HELLO = 1,	/* keepalive; carries the config fingerprint */
	DSLITE_SYNC_DATA,	/* sequenced records */
	DSLITE_SYNC_ACK,	/* acknowledges the peer's stream */
};

#define DSLITE_SYNC_F_AUTH	0x0001	/* an HMAC trailer follows */
#define DSLITE_SYNC_F_NACK	0x0002	/* a gap after @ack: resend now */
#define DSLITE_SYNC_F_BULK_REQ	0x0004	/* send me a bulk (my state was stale) */
#define DSLITE_SYNC_F_MASTER	0x0008	/* the sender is master of the SL */

/*
 * Every packet carries the sender's stream (epoch, seq) and what it has
 * of the receiver's stream (ack_epoch, ack). An epoch names one stream:
 * the sender starts a new one, with a larger epoch and seq 1, whenever
 * the peer (re)appears or has lost the stream. Epochs only grow (they are
 * wall-clock seconds, bumped if needed), so an old capture is refused.
 */
struct dslite_sync_hdr {
	u8 version;
	u8 type;
	__be16 flags;
	__be32 sl_id;
	__be32 epoch;		/* the sender's stream */
	__be32 seq;		/* DATA: sequence number in that stream */
	__be32 ack;		/* cumulative: every seq <= ack arrived */
	__be32 ack_epoch;	/* ... of this stream of the receiver's */
	__be16 len;		/* of the records, bytes */
	__be16 reserved;
};

enum dslite_sync_rec {
	DSLITE_REC_SESSION = 1,
	DSLITE_REC_DELETE,
	DSLITE_REC_BLOCK,
	DSLITE_REC_BULK_BEGIN,	/* a full copy of the SL's state follows */
	DSLITE_REC_BULK_END,	/* it is complete: value = records in it */
};

/* the session record, decoded (addresses/ports in network order) */
struct dslite_sync_session {
	u16 inst_id;
	u8 b4[16];
	__be32 inner_addr;
	__be16 inner_port;
	__be32 pub_addr;
	__be16 pub_port;
	__be32 remote_addr;
	__be16 remote_port;
	u8 proto;
	u8 state;
	u32 remaining;		/* seconds of life left, not a clock */
};

struct dslite_sync_block {
	u16 inst_id;
	u8 b4[16];
	__be32 pub_addr;
	u16 idx;
};

#define DSLITE_REC_SESSION_LEN	44
#define DSLITE_REC_DELETE_LEN	44	/* same layout, state/remaining 0 */
#define DSLITE_REC_BLOCK_LEN	24
#define DSLITE_REC_MARK_LEN	4	/* BULK_BEGIN/BULK_END: a u32 */

/* encoders: bytes written, or 0 if @room is too small */
size_t dslite_sync_put_hdr(u8 *buf, size_t room, u8 type, u16 flags,
			   u32 sl_id, u32 epoch, u32 seq, u32 ack,
			   u32 ack_epoch, u16 len);
size_t dslite_sync_put_session(u8 *buf, size_t room, u8 rtype,
			       const struct dslite_sync_session *s);
size_t dslite_sync_put_block(u8 *buf, size_t room,
			     const struct dslite_sync_block *b);
size_t dslite_sync_put_mark(u8 *buf, size_t room, u8 rtype, u32 val);

/* decoders: 0, or a negative errno (-EBADMSG: malformed/truncated) */
int dslite_sync_get_hdr(const u8 *buf, size_t len,
			struct dslite_sync_hdr *h);
/*
 * Walk the records of @buf/@len: calls @cb for each with its type and
 * value; stops at the first error. Unknown record types are skipped
 * (forward compatible); a length that runs past the end is -EBADMSG.
 */
int dslite_sync_walk(const u8 *buf, size_t len,
		     int (*cb)(void *ctx, u8 type, const u8 *val, u8 vlen),
		     void *ctx);
int dslite_sync_get_session(const u8 *val, u8 vlen,
			    struct dslite_sync_session *s);
int dslite_sync_get_block(const u8 *val, u8 vlen,
			  struct dslite_sync_block *b);
int dslite_sync_get_mark(const u8 *val, u8 vlen, u32 *v);
/* every record well-formed (a packet is applied whole or not at all) */
int dslite_sync_records_ok(const u8 *buf, size_t len);

/*
 * Replay window over 64 sequence numbers: accept a sequence number once,
 * and not one older than the window.
 */
struct dslite_replay {
	u32 top;		/* highest accepted */
	u64 bits;		/* bit i: top - i was accepted */
	bool started;
};

bool dslite_replay_check(struct dslite_replay *w, u32 seq);

/* IP protocol numbers of the records (as in <linux/in.h>) */
#define DSLITE_PROTO_ICMP	1
#define DSLITE_PROTO_TCP	6
#define DSLITE_PROTO_UDP	17

/* plausibility of a record before any local setting is looked at */
bool dslite_sync_b4_ok(const u8 *b4);
int dslite_sync_session_ok(const struct dslite_sync_session *s);

#endif /* _DSLITE_SYNC_CODEC_H */
