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

/*
 * The version a packet is written in, and the oldest one a receiver
 * still takes. A sender speaks the peer's version (learned from its
 * headers' max_version) until it hears that the peer speaks a newer one.
 * Version 3 added DSLITE_REC_RUN; version 4 the settings of a HELLO
 * (DSLITE_REC_INST_CFG after the fingerprint), so that a mismatch names
 * the setting; the records of DATA are version 3's.
 */
#define DSLITE_SYNC_VERSION	4
#define DSLITE_SYNC_VERSION_MIN	2
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
#define DSLITE_SYNC_F_NEWKEY	0x0010	/* signed with a key being rotated to:
					 * a receiver without it counts
					 * drop_key_probe, not drop_auth
					 */

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
	u8 max_version;		/* the newest the sender speaks (v2: 0) */
	u8 reserved;
};

enum dslite_sync_rec {
	DSLITE_REC_SESSION = 1,
	DSLITE_REC_DELETE,
	DSLITE_REC_BLOCK,
	DSLITE_REC_BULK_BEGIN,	/* a full copy of the SL's state follows */
	DSLITE_REC_BULK_END,	/* it is complete: value = records in it */
	DSLITE_REC_RUN,		/* v3: sessions of one user on one address */
	DSLITE_REC_INST_CFG,	/* v4, HELLO only: an instance's settings */
};

/*
 * The settings of an instance both routers must share, in the order a
 * DSLITE_REC_INST_CFG carries them (u32 each, after the instance id and
 * a hash of its name): the first four decide whether records can apply
 * at all (the version 3 fingerprint's), the rest only what a failover
 * would change. A receiver compares as many as both sides carry (a newer
 * peer may append more).
 */
enum dslite_sync_setting {
	DSLITE_SET_BLOCK_SIZE,
	DSLITE_SET_PORT_LO,
	DSLITE_SET_PORT_HI,
	DSLITE_SET_POOLS,	/* a hash of the pools and their SLs */
	DSLITE_SET_MAX_BLOCKS,
	DSLITE_SET_MAX_SESS_USER,
	DSLITE_SET_MAX_SESS,
	DSLITE_SET_FILTERING,
	DSLITE_SET_TO_UDP,
	DSLITE_SET_TO_TCP_EST,
	DSLITE_SET_TO_TCP_TRANS,
	DSLITE_SET_TO_ICMP,
	DSLITE_SET_TO_TCP_SYN,
	DSLITE_SET_HOLDDOWN,
	DSLITE_SET_N,
};

#define DSLITE_SET_HARD		(DSLITE_SET_POOLS + 1)	/* records need these */
#define DSLITE_INST_CFG_HDR	6	/* instance id u16, name hash u32 */
#define DSLITE_REC_INST_CFG_LEN	(DSLITE_INST_CFG_HDR + 4 * DSLITE_SET_N)

struct dslite_sync_inst_cfg {
	u16 inst_id;
	u32 name_hash;
	u8 n;			/* settings carried */
	u32 v[DSLITE_SET_N];
};

/* what the settings are called in dslitectl's syntax */
extern const char *const dslite_sync_setting_names[DSLITE_SET_N];

size_t dslite_sync_put_inst_cfg(u8 *buf, size_t room,
				const struct dslite_sync_inst_cfg *c);
/* 0 or -EBADMSG; settings past DSLITE_SET_N (a newer peer's) are skipped */
int dslite_sync_get_inst_cfg(const u8 *val, u8 vlen,
			     struct dslite_sync_inst_cfg *c);

/* where two configurations first differ (a HELLO against ours) */
enum dslite_sync_diff_kind {
	DSLITE_DIFF_NONE,
	DSLITE_DIFF_SETTING,	/* @setting of instance @inst_id */
	DSLITE_DIFF_NAME,	/* instance @inst_id has another name */
	DSLITE_DIFF_NOT_PEER,	/* instance @inst_id is not on the peer */
	DSLITE_DIFF_NOT_HERE,	/* the peer's instance @inst_id is not here */
	DSLITE_DIFF_OLD_PEER,	/* a version 3 peer: its fingerprint only */
	DSLITE_DIFF_UNKNOWN,	/* fingerprints differ, the settings not */
};

struct dslite_sync_diff {
	u8 kind;
	u8 setting;
	u16 inst_id;
	u32 here, peer;
};

/*
 * Compare our settings @ours (@n_ours instances, ascending id) with the
 * records of a HELLO (@buf/@len, after the fingerprint): the first
 * difference, hard settings (and missing instances) before soft ones.
 * -EBADMSG when the records are malformed.
 */
int dslite_sync_cfg_diff(const struct dslite_sync_inst_cfg *ours,
			 unsigned int n_ours, const u8 *buf, size_t len,
			 struct dslite_sync_diff *d);

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

/*
 * A run (DSLITE_REC_RUN): what sessions of one user on one public address
 * share, once (instance, B4, public address, a count), then per session
 * only what the peer cannot derive: inner address and port, public port,
 * remote address and port, state (the protocol follows from it) and the
 * remaining lifetime in 16 bits (dslite_sync_enc_remaining). A record's
 * value is at most 255 bytes: 13 sessions.
 */
#define DSLITE_RUN_HDR_LEN	23
#define DSLITE_RUN_ENT_LEN	17
#define DSLITE_RUN_MAX		((255 - DSLITE_RUN_HDR_LEN) / DSLITE_RUN_ENT_LEN)
#define DSLITE_REC_RUN_LEN(n)	(DSLITE_RUN_HDR_LEN + (n) * DSLITE_RUN_ENT_LEN)

/* a run, decoded: its entries stay on the wire, read one at a time */
struct dslite_sync_run {
	u16 inst_id;
	u8 b4[16];
	__be32 pub_addr;
	u8 count;
	const u8 *ent;		/* @count entries of DSLITE_RUN_ENT_LEN */
};

/* encoders: bytes written, or 0 if @room is too small */
size_t dslite_sync_put_hdr(u8 *buf, size_t room, u8 version, u8 type,
			   u16 flags, u32 sl_id, u32 epoch, u32 seq, u32 ack,
			   u32 ack_epoch, u16 len);
size_t dslite_sync_put_session(u8 *buf, size_t room, u8 rtype,
			       const struct dslite_sync_session *s);
size_t dslite_sync_put_block(u8 *buf, size_t room,
			     const struct dslite_sync_block *b);
size_t dslite_sync_put_mark(u8 *buf, size_t room, u8 rtype, u32 val);
/*
 * A run of one session; dslite_sync_run_add() appends another of the
 * same instance, B4 and public address to the run at @rec (its last
 * record: the entry goes at its end, where @room bytes are free). Both
 * return bytes written, or 0: no room, a full or another run, or a
 * session whose protocol is not its state's.
 */
size_t dslite_sync_put_run(u8 *buf, size_t room,
			   const struct dslite_sync_session *s);
size_t dslite_sync_run_add(u8 *rec, size_t room,
			   const struct dslite_sync_session *s);
u16 dslite_sync_enc_remaining(u32 secs);
u32 dslite_sync_dec_remaining(u16 v);

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
/* a run's shared part, its count checked against its length */
int dslite_sync_get_run(const u8 *val, u8 vlen, struct dslite_sync_run *r);
/* entry @i (< r->count) of a run checked by dslite_sync_get_run */
void dslite_sync_run_entry(const struct dslite_sync_run *r, unsigned int i,
			   struct dslite_sync_session *s);
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
