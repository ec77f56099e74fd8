// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: netlink for the subscriber tables: the session and user dumps
 * (in key order, resumable for millions of entries) and session flush.
 * They reveal subscribers: admin only.
 */
#include <linux/sort.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "dslite.h"
#include "nl.h"

/*
 * Dumps of the session and user tables. A netlink dump is sent in rounds
 * (one skb each) and the tables change between them, in a way an
 * rhashtable walker does not survive: a resize restarts it (everything
 * again), and an entry removed or added in the bucket it stopped in
 * shifts its position (one skipped or sent twice).
 *
 * So the dump is in key order and resumes by key: a user's key is its B4
 * address, a session's is (B4, protocol, inside address and port, remote
 * address and port), laid out big-endian so that memcmp() orders them. A
 * refill walks the whole table once and keeps, sorted, the smallest
 * distinct keys above the last one consumed (at most a chunk); rounds
 * then send them one by one, each looked up again when it is sent, and
 * the next refill starts above the chunk's last key. An entry that exists
 * for the whole dump is seen by the refill whose range holds its key and
 * found when sent: it goes out exactly once, whatever else comes and goes
 * (entries created or deleted during the dump may or may not be in it).
 * Memory is bounded by the chunk, time by (table size / chunk) walks.
 */
#define DSLITE_DKEY_LEN		32
#define DSLITE_DUMP_CHUNK_MIN	256U
#define DSLITE_DUMP_CHUNK_MAX	65536U

struct dslite_dkey {
	u8 b[DSLITE_DKEY_LEN];
};

struct dslite_dump_ctx {
	bool users;		/* the user table, not the session table */
	/* filters */
	char name[DSLITE_INST_NAME_MAX + 1];
	bool has_b4;
	struct in6_addr b4;
	u8 proto;
	bool has_pub, has_pub_port, has_rem, has_rem_port;
	__be32 pub_addr, rem_addr;
	__be16 pub_port, rem_port;
	u32 limit;		/* 0: no limit */
	u32 sent;		/* sessions sent so far (for limit) */
	bool count;		/* a SESS_COUNT per instance, no sessions */
	/* where the dump is in the instance (dslite_nl_dumpit has which) */
	bool has_last;
	struct dslite_dkey last;	/* the last key consumed */
	struct dslite_dkey *keys;	/* keys[pos..n) are still to send */
	u32 cap;		/* chunk size (the array holds twice as many) */
	u32 n, pos;
	bool more;		/* keys above keys[n - 1] may remain */
	/* a refusal .start could not say (6.1: no extack there), said by
	 * the first round, whose message reaches the NLMSG_DONE
	 */
	int err;
	const char *errmsg;
};

static int dslite_dkey_cmp(const void *a, const void *b)
{
	return memcmp(a, b, DSLITE_DKEY_LEN);
}

/* Sort @n keys and drop duplicates (a resized walk sees some twice). */
static u32 dslite_dkeys_sort(struct dslite_dkey *k, u32 n)
{
	u32 i, j;

	if (!n)
		return 0;
	sort(k, n, sizeof(*k), dslite_dkey_cmp, NULL);
	for (i = 0, j = 1; j < n; j++)
		if (memcmp(&k[i], &k[j], sizeof(*k)))
			k[++i] = k[j];
	return i + 1;
}

/* Does session @s pass the dump's filters? */
static bool dslite_sess_match(const struct dslite_dump_ctx *ctx,
			      const struct dslite_session *s)
{
	if (READ_ONCE(s->dead))
		return false;
	if (ctx->has_b4 && !ipv6_addr_equal(&ctx->b4, &s->okey.user->b4))
		return false;
	if (ctx->proto && ctx->proto != s->okey.proto)
		return false;
	if (ctx->has_pub && (ctx->pub_addr != s->ikey.pub_addr ||
			     (ctx->has_pub_port &&
			      ctx->pub_port != s->ikey.pub_port)))
		return false;
	if (ctx->has_rem && (ctx->rem_addr != s->remote_addr ||
			     (ctx->has_rem_port &&
			      ctx->rem_port != s->remote_port)))
		return false;
	return true;
}

/* The key of a live object that passes the filters; false otherwise. */
static bool dslite_dump_key(const struct dslite_dump_ctx *ctx, void *obj,
			    struct dslite_dkey *k)
{
	u8 *p = k->b;

	memset(k, 0, sizeof(*k));
	if (ctx->users) {
		struct dslite_user *u = obj;

		if (READ_ONCE(u->dead) ||
		    (ctx->has_b4 && !ipv6_addr_equal(&ctx->b4, &u->b4)))
			return false;
		memcpy(p, &u->b4, sizeof(u->b4));
	} else {
		struct dslite_session *s = obj;

		if (!dslite_sess_match(ctx, s))
			return false;
		memcpy(p, &s->okey.user->b4, 16);
		p[16] = s->okey.proto;
		memcpy(p + 17, &s->okey.inner_addr, 4);
		memcpy(p + 21, &s->okey.inner_port, 2);
		memcpy(p + 23, &s->remote_addr, 4);
		memcpy(p + 27, &s->remote_port, 2);
	}
	return true;
}

/*
 * Refill the chunk: the smallest distinct keys above ctx->last, sorted.
 * The array holds two chunks; when it is full, it is sorted and cut back
 * to one, and from then on only keys below the cut can belong.
 */
static int dslite_dump_refill(struct dslite_dump_ctx *ctx,
			      struct dslite_instance *inst)
{
	u32 want = atomic_read(ctx->users ? &inst->n_users :
					    &inst->n_sessions);
	struct rhashtable_iter iter;
	struct dslite_dkey k, cut;
	bool has_cut = false;
	u32 n = 0;
	void *obj;

	want = clamp(want + 64, DSLITE_DUMP_CHUNK_MIN, DSLITE_DUMP_CHUNK_MAX);
	if (want > ctx->cap) {
		kvfree(ctx->keys);
		ctx->cap = 0;
		ctx->keys = kvmalloc_array(2 * want, sizeof(*ctx->keys),
					   GFP_KERNEL);
		if (!ctx->keys)
			return -ENOMEM;
		ctx->cap = want;
	}
	rhashtable_walk_enter(ctx->users ? &inst->users : &inst->sess_out.ht,
			      &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN)
				continue;	/* resized: keep walking */
			break;
		}
		if (!dslite_dump_key(ctx, obj, &k))
			continue;
		if (ctx->has_last && memcmp(&k, &ctx->last, sizeof(k)) <= 0)
			continue;
		if (has_cut && memcmp(&k, &cut, sizeof(k)) >= 0)
			continue;
		ctx->keys[n++] = k;
		if (n == 2 * ctx->cap) {
			n = dslite_dkeys_sort(ctx->keys, n);
			if (n > ctx->cap) {
				n = ctx->cap;
				cut = ctx->keys[n - 1];
				has_cut = true;
			}
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	n = dslite_dkeys_sort(ctx->keys, n);
	ctx->more = has_cut || n > ctx->cap;
	ctx->n = min(n, ctx->cap);
	ctx->pos = 0;
	return 0;
}

static int dslite_fill_session(struct sk_buff *skb, struct netlink_callback *cb,
			       struct dslite_instance *inst,
			       struct dslite_session *s)
{
	void *hdr;

	hdr = dslite_nl_put_dump(skb, cb, DSLITE_CMD_SESSION_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, &s->okey.user->b4) ||
	    nla_put_u8(skb, DSLITE_A_SESS_PROTO, s->okey.proto) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_INNER_ADDR, s->okey.inner_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_INNER_PORT, ntohs(s->okey.inner_port)) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR, s->ikey.pub_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_PUBLIC_PORT, ntohs(s->ikey.pub_port)) ||
	    nla_put_in_addr(skb, DSLITE_A_SESS_REMOTE_ADDR, s->remote_addr) ||
	    nla_put_u16(skb, DSLITE_A_SESS_REMOTE_PORT, ntohs(s->remote_port)) ||
	    nla_put_u8(skb, DSLITE_A_SESS_STATE, READ_ONCE(s->state)) ||
	    nla_put_u32(skb, DSLITE_A_SESS_EXPIRES, dslite_sess_expires(inst, s))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dslite_fill_user(struct sk_buff *skb, struct netlink_callback *cb,
			    struct dslite_instance *inst, struct dslite_user *u)
{
	struct nlattr *nest;
	void *hdr;
	int i;

	hdr = dslite_nl_put_dump(skb, cb, DSLITE_CMD_USER_GET);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock_bh(&u->lock);
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, &u->b4) ||
	    nla_put_u32(skb, DSLITE_A_USER_SESSIONS, u->n_sessions) ||
	    (u->pa && nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR,
				      u->pa->addr)))
		goto nospace;
	for (i = 0; i < u->n_blocks; i++) {
		u32 first = inst->cfg.port_lo + u->blocks[i].idx *
			    inst->cfg.block_size;

		nest = nla_nest_start(skb, DSLITE_A_USER_BLOCK);
		if (!nest ||
		    nla_put_u16(skb, DSLITE_A_BLOCK_FIRST, first) ||
		    nla_put_u16(skb, DSLITE_A_BLOCK_LAST,
				first + inst->cfg.block_size - 1) ||
		    nla_put_u32(skb, DSLITE_A_USER_SESSIONS,
				u->blocks[i].sessions))
			goto nospace;
		nla_nest_end(skb, nest);
	}
	spin_unlock_bh(&u->lock);
	genlmsg_end(skb, hdr);
	return 0;

nospace:
	spin_unlock_bh(&u->lock);
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * What is wrong with the request, or NULL (then *err is 0): a malformed
 * instance name, an instance that does not exist, a port filter without
 * its address, count with limit. *attr is the attribute to blame.
 */
static const char *dslite_dump_check(struct netlink_callback *cb,
				     struct nlattr **attrs, bool users,
				     struct nlattr **attr, int *err)
{
	struct dslite_net *dn = dslite_net(sock_net(cb->skb->sk));
	struct nlattr *name = attrs[DSLITE_A_INST_NAME];
	bool found;
	int bad;

	*err = -EINVAL;
	*attr = name;
	if (name) {
		bad = dslite_name_check(nla_data(name), DSLITE_INST_NAME_MAX);
		if (bad)
			return dslite_name_error(bad);
		mutex_lock(&dn->lock);
		found = dslite_instance_by_name(dn, nla_data(name));
		mutex_unlock(&dn->lock);
		if (!found) {
			*err = -ENOENT;
			return "no instance with this name";
		}
	}
	/*
	 * user-get's policy ends at SESS_PROTO: its attrs array has no slot
	 * for the session filters below (reading one would be out of bounds)
	 */
	if (users) {
		*err = 0;
		return NULL;
	}
	*attr = attrs[DSLITE_A_SESS_PUBLIC_PORT];
	if (*attr && !attrs[DSLITE_A_SESS_PUBLIC_ADDR])
		return "a public port filter needs the public address";
	*attr = attrs[DSLITE_A_SESS_REMOTE_PORT];
	if (*attr && !attrs[DSLITE_A_SESS_REMOTE_ADDR])
		return "a remote port filter needs the remote address";
	*attr = attrs[DSLITE_A_DUMP_COUNT];
	if (*attr && attrs[DSLITE_A_DUMP_LIMIT])
		return "count and limit exclude each other";
	*err = 0;
	return NULL;
}

static int dslite_dump_start(struct netlink_callback *cb, bool users)
{
	struct nlattr **attrs = dslite_dump_attrs(cb);
	struct dslite_dump_ctx *ctx;
	struct nlattr *bad_attr;
	const char *msg;
	int err;

	msg = dslite_dump_check(cb, attrs, users, &bad_attr, &err);
	if (msg && cb->extack) {
		dslite_extack(cb->extack, bad_attr, msg);
		return err;
	}
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	if (msg) {
		ctx->err = err;
		ctx->errmsg = msg;
	}
	ctx->users = users;
	if (attrs[DSLITE_A_INST_NAME])
		nla_strscpy(ctx->name, attrs[DSLITE_A_INST_NAME],
			    sizeof(ctx->name));
	if (attrs[DSLITE_A_SESS_B4]) {
		ctx->b4 = nla_get_in6_addr(attrs[DSLITE_A_SESS_B4]);
		ctx->has_b4 = true;
	}
	if (attrs[DSLITE_A_SESS_PROTO])
		ctx->proto = nla_get_u8(attrs[DSLITE_A_SESS_PROTO]);
	if (users)
		goto out;	/* user-get's policy has none of the below */
	if (attrs[DSLITE_A_SESS_PUBLIC_ADDR]) {
		ctx->pub_addr = nla_get_in_addr(attrs[DSLITE_A_SESS_PUBLIC_ADDR]);
		ctx->has_pub = true;
	}
	if (attrs[DSLITE_A_SESS_PUBLIC_PORT]) {
		ctx->pub_port =
			htons(nla_get_u16(attrs[DSLITE_A_SESS_PUBLIC_PORT]));
		ctx->has_pub_port = true;
	}
	if (attrs[DSLITE_A_SESS_REMOTE_ADDR]) {
		ctx->rem_addr = nla_get_in_addr(attrs[DSLITE_A_SESS_REMOTE_ADDR]);
		ctx->has_rem = true;
	}
	if (attrs[DSLITE_A_SESS_REMOTE_PORT]) {
		ctx->rem_port =
			htons(nla_get_u16(attrs[DSLITE_A_SESS_REMOTE_PORT]));
		ctx->has_rem_port = true;
	}
	if (attrs[DSLITE_A_DUMP_LIMIT])
		ctx->limit = nla_get_u32(attrs[DSLITE_A_DUMP_LIMIT]);
	ctx->count = nla_get_flag(attrs[DSLITE_A_DUMP_COUNT]);
out:
	cb->args[2] = (long)ctx;
	return 0;
}

int dslite_nl_session_start(struct netlink_callback *cb)
{
	return dslite_dump_start(cb, false);
}

int dslite_nl_user_start(struct netlink_callback *cb)
{
	return dslite_dump_start(cb, true);
}

int dslite_nl_walk_done(struct netlink_callback *cb)
{
	struct dslite_dump_ctx *ctx = (void *)cb->args[2];

	if (!ctx)
		return 0;
	kvfree(ctx->keys);
	kfree(ctx);
	return 0;
}

/* Send the entry of key @k if it still exists (RCU held). */
static int dslite_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			   struct dslite_dump_ctx *ctx,
			   struct dslite_instance *inst,
			   const struct dslite_dkey *k)
{
	struct dslite_okey ok = { };
	struct dslite_session *s, *any;
	struct dslite_user *u;
	struct in6_addr b4;
	__be32 raddr;
	__be16 rport;

	memcpy(&b4, k->b, sizeof(b4));
	u = dslite_user_get(inst, &b4, false, 0);
	if (!u || READ_ONCE(u->dead))
		return 0;
	if (ctx->users)
		return dslite_fill_user(skb, cb, inst, u);
	ok.user = u;
	ok.proto = k->b[16];
	memcpy(&ok.inner_addr, k->b + 17, 4);
	memcpy(&ok.inner_port, k->b + 21, 2);
	memcpy(&raddr, k->b + 23, 4);
	memcpy(&rport, k->b + 27, 2);
	s = dslite_out_find(inst, &ok, raddr, rport, &any);
	/* the key's session may have been replaced since the refill */
	if (!s || !dslite_sess_match(ctx, s))
		return 0;
	if (dslite_fill_session(skb, cb, inst, s))
		return -EMSGSIZE;
	ctx->sent++;
	return 0;
}

/*
 * The sessions of @inst that pass the filters: one walk, started again
 * from zero when a resize restarts the walk (so none is counted twice).
 */
static u32 dslite_dump_count(struct dslite_dump_ctx *ctx,
			     struct dslite_instance *inst)
{
	struct rhashtable_iter iter;
	u32 n = 0;
	void *obj;

	rhashtable_walk_enter(&inst->sess_out.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((obj = rhashtable_walk_next(&iter))) {
		if (IS_ERR(obj)) {
			if (PTR_ERR(obj) == -EAGAIN) {
				n = 0;	/* a new table, walked from its start */
				continue;
			}
			break;
		}
		if (dslite_sess_match(ctx, obj))
			n++;
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static int dslite_fill_count(struct sk_buff *skb, struct netlink_callback *cb,
			     struct dslite_instance *inst, u32 n)
{
	void *hdr = dslite_nl_put_dump(skb, cb, DSLITE_CMD_SESSION_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    nla_put_u32(skb, DSLITE_A_SESS_COUNT, n)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * One instance's table in key order (see above), resumed by key. Only the
 * last key is kept between rounds, so nothing needs holding.
 * NLM_F_DUMP_INTR is never set: the dump is correct without it.
 */
static int dslite_walk_one(struct sk_buff *skb, struct netlink_callback *cb,
			   void *obj)
{
	struct dslite_dump_ctx *ctx = (void *)cb->args[2];
	struct dslite_instance *inst = obj;
	int err;

	if (ctx->name[0] && strcmp(ctx->name, inst->name))
		return 0;
	if (ctx->count)
		return dslite_fill_count(skb, cb, inst,
					 dslite_dump_count(ctx, inst));
	if (!cb->args[1]) {
		/* a new instance: from its first key */
		cb->args[1] = 1;
		ctx->has_last = false;
		ctx->n = 0;
		ctx->pos = 0;
		ctx->more = true;
	}
	for (;;) {
		if (ctx->limit && ctx->sent >= ctx->limit)
			return 0;
		if (ctx->pos == ctx->n) {
			if (!ctx->more)
				return 0;
			err = dslite_dump_refill(ctx, inst);
			if (err)
				return err;
			if (!ctx->n)
				return 0;
		}
		rcu_read_lock();
		err = dslite_dump_one(skb, cb, ctx, inst, &ctx->keys[ctx->pos]);
		rcu_read_unlock();
		if (err)
			return err;
		ctx->last = ctx->keys[ctx->pos++];
		ctx->has_last = true;
	}
}

/* instances in id order (a vanished one is simply passed) */
int dslite_nl_walk(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dslite_dump_ctx *ctx = (void *)cb->args[2];

	if (ctx->err) {
		dslite_extack(cb->extack, NULL, ctx->errmsg);
		return ctx->err;
	}
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_INSTANCES, dslite_walk_one);
}

/* Flush the sessions of the named instance, or of every instance. */
int dslite_nl_session_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_instance *inst = dslite_nl_inst(info);
	struct nlattr **attrs = info->attrs;
	struct in6_addr b4, *b4p = NULL;
	unsigned long id;
	u8 proto = 0;

	if (attrs[DSLITE_A_SESS_B4]) {
		b4 = nla_get_in6_addr(attrs[DSLITE_A_SESS_B4]);
		b4p = &b4;
	}
	if (attrs[DSLITE_A_SESS_PROTO])
		proto = nla_get_u8(attrs[DSLITE_A_SESS_PROTO]);
	if (inst) {
		dslite_sess_flush(inst, b4p, proto);
		return 0;
	}
	xa_for_each(&dslite_nl_dn(info)->instances, id, inst)
		dslite_sess_flush(inst, b4p, proto);
	return 0;
}
