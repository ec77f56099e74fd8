// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the hot-backup sync wire format. See sync_codec.h. Pure code,
 * unit-tested on the host (selftests/unit/test_sync.c) and by KUnit.
 */
#include "sync_codec.h"
#include <uapi/linux/dslite.h>

#ifndef __KERNEL__
#include <errno.h>
#include <arpa/inet.h>
#define cpu_to_be16 htons
#define cpu_to_be32 htonl
#define be16_to_cpu ntohs
#define be32_to_cpu ntohl
#else
#include <linux/errno.h>
#include <asm/byteorder.h>
#endif

static void put16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static u16 get16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] << 24 | (u32)p[1] << 16 | (u32)p[2] << 8 | p[3];
}

size_t dslite_sync_put_hdr(u8 *buf, size_t room, u8 version, u8 type,
			   u16 flags, u32 sl_id, u32 epoch, u32 seq, u32 ack,
			   u32 ack_epoch, u16 len)
{
	if (room < sizeof(struct dslite_sync_hdr))
		return 0;
	buf[0] = version;
	buf[1] = type;
	put16(buf + 2, flags);
	put32(buf + 4, sl_id);
	put32(buf + 8, epoch);
	put32(buf + 12, seq);
	put32(buf + 16, ack);
	put32(buf + 20, ack_epoch);
	put16(buf + 24, len);
	buf[26] = DSLITE_SYNC_VERSION;	/* what we could speak */
	buf[27] = 0;
	return sizeof(struct dslite_sync_hdr);
}

int dslite_sync_get_hdr(const u8 *buf, size_t len, struct dslite_sync_hdr *h)
{
	if (len < sizeof(*h))
		return -EBADMSG;
	if (buf[0] < DSLITE_SYNC_VERSION_MIN || buf[0] > DSLITE_SYNC_VERSION)
		return -EPROTONOSUPPORT;
	if (buf[1] < DSLITE_SYNC_HELLO || buf[1] > DSLITE_SYNC_ACK)
		return -EBADMSG;
	h->version = buf[0];
	h->type = buf[1];
	h->flags = cpu_to_be16(get16(buf + 2));
	h->sl_id = cpu_to_be32(get32(buf + 4));
	h->epoch = cpu_to_be32(get32(buf + 8));
	h->seq = cpu_to_be32(get32(buf + 12));
	h->ack = cpu_to_be32(get32(buf + 16));
	h->ack_epoch = cpu_to_be32(get32(buf + 20));
	h->len = cpu_to_be16(get16(buf + 24));
	/* a version 2 sender leaves it 0: it speaks what it sent */
	h->max_version = buf[26] > buf[0] ? buf[26] : buf[0];
	h->reserved = 0;
	/* the records must be there (a trailer may follow them) */
	if (sizeof(*h) + get16(buf + 24) > len)
		return -EBADMSG;
	return 0;
}

/* addresses and ports are kept in network order: copy their bytes */
static void put_be32(u8 *p, __be32 v)
{
	memcpy(p, &v, 4);
}

static void put_be16(u8 *p, __be16 v)
{
	memcpy(p, &v, 2);
}

size_t dslite_sync_put_session(u8 *buf, size_t room, u8 rtype,
			       const struct dslite_sync_session *s)
{
	u8 *v = buf + 2;

	if (room < 2 + DSLITE_REC_SESSION_LEN)
		return 0;
	buf[0] = rtype;
	buf[1] = DSLITE_REC_SESSION_LEN;
	put16(v, s->inst_id);
	memcpy(v + 2, s->b4, 16);
	put_be32(v + 18, s->inner_addr);
	put_be16(v + 22, s->inner_port);
	put_be32(v + 24, s->pub_addr);
	put_be16(v + 28, s->pub_port);
	put_be32(v + 30, s->remote_addr);
	put_be16(v + 34, s->remote_port);
	v[36] = s->proto;
	v[37] = s->state;
	put32(v + 38, s->remaining);
	put16(v + 42, 0);
	return 2 + DSLITE_REC_SESSION_LEN;
}

int dslite_sync_get_session(const u8 *v, u8 vlen, struct dslite_sync_session *s)
{
	if (vlen != DSLITE_REC_SESSION_LEN)
		return -EBADMSG;
	s->inst_id = get16(v);
	memcpy(s->b4, v + 2, 16);
	memcpy(&s->inner_addr, v + 18, 4);
	memcpy(&s->inner_port, v + 22, 2);
	memcpy(&s->pub_addr, v + 24, 4);
	memcpy(&s->pub_port, v + 28, 2);
	memcpy(&s->remote_addr, v + 30, 4);
	memcpy(&s->remote_port, v + 34, 2);
	s->proto = v[36];
	s->state = v[37];
	s->remaining = get32(v + 38);
	return 0;	/* well-formed; dslite_sync_session_ok() says if it can be */
}

size_t dslite_sync_put_block(u8 *buf, size_t room,
			     const struct dslite_sync_block *b)
{
	u8 *v = buf + 2;

	if (room < 2 + DSLITE_REC_BLOCK_LEN)
		return 0;
	buf[0] = DSLITE_REC_BLOCK;
	buf[1] = DSLITE_REC_BLOCK_LEN;
	put16(v, b->inst_id);
	memcpy(v + 2, b->b4, 16);
	put_be32(v + 18, b->pub_addr);
	put16(v + 22, b->idx);
	return 2 + DSLITE_REC_BLOCK_LEN;
}

int dslite_sync_get_block(const u8 *v, u8 vlen, struct dslite_sync_block *b)
{
	if (vlen != DSLITE_REC_BLOCK_LEN)
		return -EBADMSG;
	b->inst_id = get16(v);
	memcpy(b->b4, v + 2, 16);
	memcpy(&b->pub_addr, v + 18, 4);
	b->idx = get16(v + 22);
	return 0;
}

size_t dslite_sync_put_mark(u8 *buf, size_t room, u8 rtype, u32 val)
{
	if (room < 2 + DSLITE_REC_MARK_LEN)
		return 0;
	buf[0] = rtype;
	buf[1] = DSLITE_REC_MARK_LEN;
	put32(buf + 2, val);
	return 2 + DSLITE_REC_MARK_LEN;
}

int dslite_sync_get_mark(const u8 *v, u8 vlen, u32 *val)
{
	if (vlen != DSLITE_REC_MARK_LEN)
		return -EBADMSG;
	*val = get32(v);
	return 0;
}

int dslite_sync_walk(const u8 *buf, size_t len,
		     int (*cb)(void *ctx, u8 type, const u8 *val, u8 vlen),
		     void *ctx)
{
	size_t off = 0;
	int err;

	while (off < len) {
		if (len - off < 2 || len - off - 2 < buf[off + 1])
			return -EBADMSG;
		err = cb(ctx, buf[off], buf + off + 2, buf[off + 1]);
		if (err)
			return err;
		off += 2 + buf[off + 1];
	}
	return 0;
}

bool dslite_replay_check(struct dslite_replay *w, u32 seq)
{
	u32 diff;

	if (!w->started) {
		w->started = true;
		w->top = seq;
		w->bits = 1;
		return true;
	}
	diff = seq - w->top;
	if (diff && diff < 0x80000000u) {
		/* newer: slide the window */
		w->bits = diff >= 64 ? 0 : w->bits << diff;
		w->bits |= 1;
		w->top = seq;
		return true;
	}
	diff = w->top - seq;
	if (diff >= 64)
		return false;		/* older than the window */
	if (w->bits & (1ULL << diff))
		return false;		/* seen */
	w->bits |= 1ULL << diff;
	return true;
}

/*
 * A B4 is an address a softwire can come from: unicast, global or ULA.
 * Not ::, ::1, multicast, link-local (it has no scope here) or an
 * IPv4-mapped or -compatible address.
 */
bool dslite_sync_b4_ok(const u8 *a)
{
	static const u8 zero[10];

	if (a[0] == 0xff)
		return false;				/* multicast */
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return false;				/* link-local */
	if (memcmp(a, zero, 10))
		return true;
	if (a[10] == 0xff && a[11] == 0xff)
		return false;				/* ::ffff:a.b.c.d */
	if (a[10] || a[11])
		return true;
	return false;	/* ::, ::1 and ::a.b.c.d (compatible): none is a B4 */
}

/*
 * Does the record describe a session at all, before any local setting
 * is looked at: a B4 that can be one, a protocol the NAT translates and a
 * state of that protocol (a UDP session in a TCP state would get TCP's
 * lifetime). 0, or -EINVAL.
 */
int dslite_sync_session_ok(const struct dslite_sync_session *s)
{
	if (!dslite_sync_b4_ok(s->b4))
		return -EINVAL;
	switch (s->proto) {
	case DSLITE_PROTO_TCP:
		if (s->state < DSLITE_SESS_TCP_SYN_OUT ||
		    s->state > DSLITE_SESS_TCP_FIN)
			return -EINVAL;
		break;
	case DSLITE_PROTO_UDP:
		if (s->state != DSLITE_SESS_UDP)
			return -EINVAL;
		break;
	case DSLITE_PROTO_ICMP:
		if (s->state != DSLITE_SESS_ICMP)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	/* a public port 0 is never allocated; the public address is checked
	 * against the pools by the receiver
	 */
	if (!s->pub_port || !s->pub_addr)
		return -EINVAL;
	return 0;
}

/*
 * The remaining lifetime in 16 bits: seconds up to 32767, above that
 * 64-second units (to 24 days; timeouts go to 86400 s), rounded down.
 */
u16 dslite_sync_enc_remaining(u32 secs)
{
	if (secs < 0x8000)
		return secs;
	secs >>= 6;
	return 0x8000 | (secs < 0x7fff ? secs : 0x7fff);
}

u32 dslite_sync_dec_remaining(u16 v)
{
	return v & 0x8000 ? (u32)(v & 0x7fff) << 6 : v;
}

/* the protocol of a state (0: none; dslite_sync_session_ok refuses it) */
static u8 dslite_sync_state_proto(u8 state)
{
	switch (state) {
	case DSLITE_SESS_UDP:
		return DSLITE_PROTO_UDP;
	case DSLITE_SESS_ICMP:
		return DSLITE_PROTO_ICMP;
	case DSLITE_SESS_TCP_SYN_OUT ... DSLITE_SESS_TCP_FIN:
		return DSLITE_PROTO_TCP;
	}
	return 0;
}

static void dslite_sync_put_ent(u8 *e, const struct dslite_sync_session *s)
{
	put_be32(e, s->inner_addr);
	put_be16(e + 4, s->inner_port);
	put_be16(e + 6, s->pub_port);
	put_be32(e + 8, s->remote_addr);
	put_be16(e + 12, s->remote_port);
	e[14] = s->state;
	put16(e + 15, dslite_sync_enc_remaining(s->remaining));
}

size_t dslite_sync_put_run(u8 *buf, size_t room,
			   const struct dslite_sync_session *s)
{
	u8 *v = buf + 2;

	if (room < 2 + DSLITE_REC_RUN_LEN(1) ||
	    dslite_sync_state_proto(s->state) != s->proto)
		return 0;
	buf[0] = DSLITE_REC_RUN;
	buf[1] = DSLITE_REC_RUN_LEN(1);
	put16(v, s->inst_id);
	memcpy(v + 2, s->b4, 16);
	put_be32(v + 18, s->pub_addr);
	v[22] = 1;
	dslite_sync_put_ent(v + DSLITE_RUN_HDR_LEN, s);
	return 2 + DSLITE_REC_RUN_LEN(1);
}

size_t dslite_sync_run_add(u8 *rec, size_t room,
			   const struct dslite_sync_session *s)
{
	u8 *v = rec + 2;

	if (rec[0] != DSLITE_REC_RUN || room < DSLITE_RUN_ENT_LEN ||
	    rec[1] != DSLITE_REC_RUN_LEN(v[22]) || v[22] >= DSLITE_RUN_MAX ||
	    get16(v) != s->inst_id || memcmp(v + 2, s->b4, 16) ||
	    memcmp(v + 18, &s->pub_addr, 4) ||
	    dslite_sync_state_proto(s->state) != s->proto)
		return 0;
	dslite_sync_put_ent(v + rec[1], s);
	v[22]++;
	rec[1] += DSLITE_RUN_ENT_LEN;
	return DSLITE_RUN_ENT_LEN;
}

int dslite_sync_get_run(const u8 *v, u8 vlen, struct dslite_sync_run *r)
{
	/* a count of 0, or over DSLITE_RUN_MAX, matches no length 40..255 */
	if (vlen < DSLITE_REC_RUN_LEN(1) || vlen != DSLITE_REC_RUN_LEN(v[22]))
		return -EBADMSG;
	r->inst_id = get16(v);
	memcpy(r->b4, v + 2, 16);
	memcpy(&r->pub_addr, v + 18, 4);
	r->count = v[22];
	r->ent = v + DSLITE_RUN_HDR_LEN;
	return 0;
}

void dslite_sync_run_entry(const struct dslite_sync_run *r, unsigned int i,
			   struct dslite_sync_session *s)
{
	const u8 *e = r->ent + i * DSLITE_RUN_ENT_LEN;

	memset(s, 0, sizeof(*s));
	s->inst_id = r->inst_id;
	memcpy(s->b4, r->b4, 16);
	s->pub_addr = r->pub_addr;
	memcpy(&s->inner_addr, e, 4);
	memcpy(&s->inner_port, e + 4, 2);
	memcpy(&s->pub_port, e + 6, 2);
	memcpy(&s->remote_addr, e + 8, 4);
	memcpy(&s->remote_port, e + 12, 2);
	s->state = e[14];
	s->proto = dslite_sync_state_proto(s->state);
	s->remaining = dslite_sync_dec_remaining(get16(e + 15));
}

static int dslite_sync_rec_ok(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_sync_session s;
	struct dslite_sync_block b;
	struct dslite_sync_run r;
	u32 mark;

	(void)ctx;
	switch (type) {
	case DSLITE_REC_SESSION:
	case DSLITE_REC_DELETE:
		return dslite_sync_get_session(val, vlen, &s);
	case DSLITE_REC_BLOCK:
		return dslite_sync_get_block(val, vlen, &b);
	case DSLITE_REC_BULK_BEGIN:
	case DSLITE_REC_BULK_END:
		return dslite_sync_get_mark(val, vlen, &mark);
	case DSLITE_REC_RUN:
		return dslite_sync_get_run(val, vlen, &r);
	}
	return 0;	/* a newer peer's record: skipped when applied */
}

/*
 * Is every record of @buf/@len well-formed? A packet is applied whole or
 * not at all: checked before its first record is applied. 0 or -EBADMSG.
 */
int dslite_sync_records_ok(const u8 *buf, size_t len)
{
	return dslite_sync_walk(buf, len, dslite_sync_rec_ok, NULL);
}

/* ---- the settings of a HELLO (version 4) ---------------------------------- */

const char *const dslite_sync_setting_names[DSLITE_SET_N] = {
	[DSLITE_SET_BLOCK_SIZE] = "port-block-size",
	[DSLITE_SET_PORT_LO] = "port-range (low)",
	[DSLITE_SET_PORT_HI] = "port-range (high)",
	[DSLITE_SET_POOLS] = "pools",
	[DSLITE_SET_MAX_BLOCKS] = "max-blocks-per-user",
	[DSLITE_SET_MAX_SESS_USER] = "max-sessions-per-user",
	[DSLITE_SET_MAX_SESS] = "max-sessions",
	[DSLITE_SET_FILTERING] = "filtering",
	[DSLITE_SET_TO_UDP] = "timeout udp",
	[DSLITE_SET_TO_TCP_EST] = "timeout tcp-est",
	[DSLITE_SET_TO_TCP_TRANS] = "timeout tcp-trans",
	[DSLITE_SET_TO_ICMP] = "timeout icmp",
	[DSLITE_SET_TO_TCP_SYN] = "timeout tcp-syn",
	[DSLITE_SET_HOLDDOWN] = "hold-down",
};

size_t dslite_sync_put_inst_cfg(u8 *buf, size_t room,
				const struct dslite_sync_inst_cfg *c)
{
	u8 *v = buf + 2;
	int i;

	if (room < 2 + DSLITE_REC_INST_CFG_LEN)
		return 0;
	buf[0] = DSLITE_REC_INST_CFG;
	buf[1] = DSLITE_REC_INST_CFG_LEN;
	put16(v, c->inst_id);
	put32(v + 2, c->name_hash);
	for (i = 0; i < DSLITE_SET_N; i++)
		put32(v + DSLITE_INST_CFG_HDR + 4 * i, c->v[i]);
	return 2 + DSLITE_REC_INST_CFG_LEN;
}

int dslite_sync_get_inst_cfg(const u8 *v, u8 vlen,
			     struct dslite_sync_inst_cfg *c)
{
	unsigned int i, n;

	if (vlen < DSLITE_INST_CFG_HDR || (vlen - DSLITE_INST_CFG_HDR) % 4)
		return -EBADMSG;
	n = (vlen - DSLITE_INST_CFG_HDR) / 4;
	memset(c, 0, sizeof(*c));
	c->inst_id = get16(v);
	c->name_hash = get32(v + 2);
	c->n = n < DSLITE_SET_N ? n : DSLITE_SET_N;
	for (i = 0; i < c->n; i++)
		c->v[i] = get32(v + DSLITE_INST_CFG_HDR + 4 * i);
	return 0;
}

struct dslite_cfg_find {
	u16 inst_id;
	bool found;
	struct dslite_sync_inst_cfg c;
};

static int dslite_cfg_find_cb(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_cfg_find *f = ctx;
	struct dslite_sync_inst_cfg c;
	int err;

	if (type != DSLITE_REC_INST_CFG || f->found)
		return 0;
	err = dslite_sync_get_inst_cfg(val, vlen, &c);
	if (err)
		return err;
	if (c.inst_id == f->inst_id) {
		f->c = c;
		f->found = true;
	}
	return 0;
}

struct dslite_cfg_extra {
	const struct dslite_sync_inst_cfg *ours;
	unsigned int n_ours;
	struct dslite_sync_diff *d;
};

/* a peer's instance that is not among ours */
static int dslite_cfg_extra_cb(void *ctx, u8 type, const u8 *val, u8 vlen)
{
	struct dslite_cfg_extra *x = ctx;
	struct dslite_sync_inst_cfg c;
	unsigned int i;
	int err;

	if (type != DSLITE_REC_INST_CFG || x->d->kind)
		return 0;
	err = dslite_sync_get_inst_cfg(val, vlen, &c);
	if (err)
		return err;
	for (i = 0; i < x->n_ours; i++)
		if (x->ours[i].inst_id == c.inst_id)
			return 0;
	x->d->kind = DSLITE_DIFF_NOT_HERE;
	x->d->inst_id = c.inst_id;
	return 0;
}

/* the first of settings @lo..@hi-1 that differ between @a (ours) and @b */
static bool dslite_cfg_cmp(const struct dslite_sync_inst_cfg *a,
			   const struct dslite_sync_inst_cfg *b,
			   unsigned int lo, unsigned int hi,
			   struct dslite_sync_diff *d)
{
	unsigned int i;

	for (i = lo; i < hi && i < a->n && i < b->n; i++) {
		if (a->v[i] != b->v[i]) {
			d->kind = DSLITE_DIFF_SETTING;
			d->setting = i;
			d->inst_id = a->inst_id;
			d->here = a->v[i];
			d->peer = b->v[i];
			return true;
		}
	}
	return false;
}

int dslite_sync_cfg_diff(const struct dslite_sync_inst_cfg *ours,
			 unsigned int n_ours, const u8 *buf, size_t len,
			 struct dslite_sync_diff *d)
{
	struct dslite_cfg_extra x = { .ours = ours, .n_ours = n_ours, .d = d };
	struct dslite_cfg_find f;
	unsigned int i, pass;
	int err;

	memset(d, 0, sizeof(*d));
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n_ours; i++) {
			memset(&f, 0, sizeof(f));
			f.inst_id = ours[i].inst_id;
			err = dslite_sync_walk(buf, len, dslite_cfg_find_cb, &f);
			if (err)
				return err;
			if (pass == 1) {
				if (f.found &&
				    dslite_cfg_cmp(&ours[i], &f.c, DSLITE_SET_HARD,
						   DSLITE_SET_N, d))
					return 0;
				continue;
			}
			if (!f.found) {
				d->kind = DSLITE_DIFF_NOT_PEER;
				d->inst_id = ours[i].inst_id;
				return 0;
			}
			if (f.c.name_hash != ours[i].name_hash) {
				d->kind = DSLITE_DIFF_NAME;
				d->inst_id = ours[i].inst_id;
				return 0;
			}
			if (dslite_cfg_cmp(&ours[i], &f.c, 0, DSLITE_SET_HARD, d))
				return 0;
		}
		if (pass == 0) {
			err = dslite_sync_walk(buf, len, dslite_cfg_extra_cb, &x);
			if (err || d->kind)
				return err;
		}
	}
	return 0;
}
