// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: netlink for hot backup: the switch, service-locations (SLs) and
 * service-instance-groups (SIGs) (the model: ha.c). All admin: an SL shows
 * its peer, its key's presence and the sync state. Handlers run with
 * dn->lock held and the named SL or SIG resolved (nl.h).
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "dslite.h"
#include "nl.h"

int dslite_nl_ha_set(struct sk_buff *skb, struct genl_info *info)
{
	if (dslite_missing(info, DSLITE_A_HA_ENABLED))
		return -EINVAL;
	WRITE_ONCE(dslite_nl_dn(info)->hot_backup,
		   !!nla_get_u8(info->attrs[DSLITE_A_HA_ENABLED]));
	return 0;
}

static int dslite_fill_ha(struct sk_buff *skb, void *dn, u32 portid, u32 seq,
			  int flags)
{
	void *hdr = dslite_nl_put(skb, portid, seq, flags, DSLITE_CMD_HA_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u8(skb, DSLITE_A_HA_ENABLED,
		       READ_ONCE(((struct dslite_net *)dn)->hot_backup))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int dslite_nl_ha_get(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_nl_reply(info, NLMSG_DEFAULT_SIZE, dslite_fill_ha,
			       dslite_nl_dn(info));
}

/*
 * Why @peer (4 or 16 bytes) cannot be a sync peer, or NULL: it must be
 * one unicast host reachable without a scope.
 */
static const char *dslite_sl_peer_error(const u8 *peer, int len)
{
	if (len == 4) {
		__be32 a;

		memcpy(&a, peer, 4);
		if (ipv4_is_zeronet(a) || ipv4_is_loopback(a) ||
		    ipv4_is_multicast(a) || ipv4_is_lbcast(a) ||
		    (ntohl(a) & 0xf0000000) == 0xf0000000)
			return "peer must be a unicast IPv4 address (not 0/8, 127/8, 224/3)";
		return NULL;
	}
	/* IPV6_ADDR_ANY is 0: the unspecified address needs its own test */
	if (ipv6_addr_any((const struct in6_addr *)peer))
		return "peer must be a unicast IPv6 address (not ::, ::1 or multicast)";
	switch (ipv6_addr_type((const struct in6_addr *)peer) &
		(IPV6_ADDR_LOOPBACK | IPV6_ADDR_MULTICAST |
		 IPV6_ADDR_LINKLOCAL | IPV6_ADDR_MAPPED)) {
	case 0:
		return NULL;
	case IPV6_ADDR_LINKLOCAL:
		return "peer must not be link-local (a sync peer has no scope here)";
	case IPV6_ADDR_MAPPED:
		return "peer must not be IPv4-mapped (give the IPv4 address)";
	}
	return "peer must be a unicast IPv6 address (not ::, ::1 or multicast)";
}

int dslite_nl_sl_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_nl_dn(info);
	static const int names[] = { DSLITE_A_SL_IFNAME, DSLITE_A_SL_VRRP_IF };
	struct nlattr **a = info->attrs;
	struct dslite_sl *sl;
	const char *why;
	int len, err, i;

	if (dslite_missing(info, DSLITE_A_SL_ID) ||
	    dslite_missing(info, DSLITE_A_SL_IFNAME) ||
	    dslite_missing(info, DSLITE_A_SL_PEER))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct nlattr *n = a[names[i]];

		err = n ? dslite_label_check(nla_data(n), IFNAMSIZ - 1) : 0;
		if (err) {
			dslite_extack(info->extack, n, dslite_label_error(err));
			return -EINVAL;
		}
	}
	len = nla_len(a[DSLITE_A_SL_PEER]);
	if (len != 4 && len != 16) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_SL_PEER],
				    "peer must be an IPv4 or IPv6 address");
		return -EINVAL;
	}
	why = dslite_sl_peer_error(nla_data(a[DSLITE_A_SL_PEER]), len);
	if (why) {
		dslite_extack(info->extack, a[DSLITE_A_SL_PEER], why);
		return -EINVAL;
	}
	if (!!a[DSLITE_A_SL_KEY] !=
	    (a[DSLITE_A_SL_HASH] &&
	     nla_get_u8(a[DSLITE_A_SL_HASH]) == DSLITE_HASH_HMAC_SHA256)) {
		NL_SET_ERR_MSG(info->extack,
			       "authentication-key needs hash-algorithm hmac-sha256, and the reverse");
		return -EINVAL;
	}
	/*
	 * Without a key anyone who can reach the sync port with the peer's
	 * address installs and deletes subscribers' state: only when the
	 * operator says so.
	 */
	if (!a[DSLITE_A_SL_KEY] && !a[DSLITE_A_SL_HASH]) {
		NL_SET_ERR_MSG(info->extack,
			       "a service-location needs authentication-key KEY hash-algorithm hmac-sha256, or \"authentication none\"");
		return -EINVAL;
	}
	if (!!a[DSLITE_A_SL_VRID] != !!a[DSLITE_A_SL_VRRP_IF]) {
		NL_SET_ERR_MSG(info->extack,
			       "vrrp needs both a vrid and an interface");
		return -EINVAL;
	}
	sl = kzalloc(sizeof(*sl), GFP_KERNEL);
	if (!sl)
		return -ENOMEM;
	sl->id = nla_get_u32(a[DSLITE_A_SL_ID]);
	nla_strscpy(sl->ifname, a[DSLITE_A_SL_IFNAME], sizeof(sl->ifname));
	sl->peer_len = len;
	nla_memcpy(sl->peer, a[DSLITE_A_SL_PEER], sizeof(sl->peer));
	sl->port = a[DSLITE_A_SL_PORT] ? nla_get_u16(a[DSLITE_A_SL_PORT]) :
					 DSLITE_SYNC_PORT;
	if (a[DSLITE_A_SL_KEY]) {
		sl->key_len = nla_len(a[DSLITE_A_SL_KEY]);
		nla_memcpy(sl->key, a[DSLITE_A_SL_KEY], sizeof(sl->key));
	}
	if (a[DSLITE_A_SL_VRID]) {
		sl->vrid = nla_get_u8(a[DSLITE_A_SL_VRID]);
		nla_strscpy(sl->vrrp_if, a[DSLITE_A_SL_VRRP_IF],
			    sizeof(sl->vrrp_if));
	}
	if (a[DSLITE_A_SL_AFTR]) {
		sl->aftr = nla_get_in6_addr(a[DSLITE_A_SL_AFTR]);
		err = dslite_aftr_check(sl->aftr.s6_addr);
		if (err) {
			dslite_extack(info->extack, a[DSLITE_A_SL_AFTR],
				      dslite_aftr_error(err));
			kfree_sensitive(sl);
			return -EINVAL;
		}
		sl->has_aftr = true;
	}
	sl->role = DSLITE_ROLE_INIT;

	err = dslite_sl_add(dn, sl, info->extack);
	if (err)
		kfree_sensitive(sl);
	return err;
}

/*
 * SL_SET's interface, peer and port: checked, then the channel moved in
 * place if any of them differs (dslite_sync_rebind). Nothing changed on
 * an error.
 */
static int dslite_nl_sl_rebind(struct dslite_sl *sl, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	char ifname[IFNAMSIZ];
	u8 peer[16], len;
	const char *why;
	u16 port;
	int err;

	if (!a[DSLITE_A_SL_IFNAME] && !a[DSLITE_A_SL_PEER] && !a[DSLITE_A_SL_PORT])
		return 0;
	strscpy(ifname, sl->ifname, sizeof(ifname));
	memcpy(peer, sl->peer, sizeof(peer));
	len = sl->peer_len;
	port = sl->port;
	if (a[DSLITE_A_SL_IFNAME]) {
		err = dslite_label_check(nla_data(a[DSLITE_A_SL_IFNAME]),
					 IFNAMSIZ - 1);
		if (err) {
			dslite_extack(info->extack, a[DSLITE_A_SL_IFNAME],
				      dslite_label_error(err));
			return -EINVAL;
		}
		nla_strscpy(ifname, a[DSLITE_A_SL_IFNAME], sizeof(ifname));
	}
	if (a[DSLITE_A_SL_PEER]) {
		len = nla_len(a[DSLITE_A_SL_PEER]);
		if (len != 4 && len != 16) {
			NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_SL_PEER],
					    "peer must be an IPv4 or IPv6 address");
			return -EINVAL;
		}
		memset(peer, 0, sizeof(peer));
		nla_memcpy(peer, a[DSLITE_A_SL_PEER], sizeof(peer));
		why = dslite_sl_peer_error(peer, len);
		if (why) {
			dslite_extack(info->extack, a[DSLITE_A_SL_PEER], why);
			return -EINVAL;
		}
	}
	if (a[DSLITE_A_SL_PORT])
		port = nla_get_u16(a[DSLITE_A_SL_PORT]);
	if (!strcmp(ifname, sl->ifname) && len == sl->peer_len &&
	    !memcmp(peer, sl->peer, len) && port == sl->port)
		return 0;
	return dslite_sync_rebind(sl, ifname, peer, len, port, info->extack);
}

/*
 * The role, the channel (interface, peer, port: moved in place) and/or
 * a new key (a hitless rotation: sync.c). All checked before any is
 * applied; the channel first (it may fail: a port in use), then the
 * key.
 */
int dslite_nl_sl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_sl *sl = dslite_nl_sl(info);
	struct nlattr **a = info->attrs;
	int err;

	if (!a[DSLITE_A_SL_ROLE] && !a[DSLITE_A_SL_KEY] &&
	    !a[DSLITE_A_SL_IFNAME] && !a[DSLITE_A_SL_PEER] &&
	    !a[DSLITE_A_SL_PORT]) {
		NL_SET_ERR_MSG(info->extack,
			       "service-location set needs a role, an authentication-key, a peer, a port or an interface");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DSLITE_A_SL_ROLE);
		return -EINVAL;
	}
	if (!!a[DSLITE_A_SL_KEY] !=
	    (a[DSLITE_A_SL_HASH] &&
	     nla_get_u8(a[DSLITE_A_SL_HASH]) == DSLITE_HASH_HMAC_SHA256)) {
		NL_SET_ERR_MSG(info->extack,
			       "authentication-key needs hash-algorithm hmac-sha256, and the reverse");
		return -EINVAL;
	}
	if (a[DSLITE_A_SL_KEY] && !sl->key_len) {
		/* before the channel moves: a refusal changes nothing */
		NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_SL_KEY],
				    "a keyless service-location cannot rotate a key (it takes one only when added)");
		return -EOPNOTSUPP;
	}
	err = dslite_nl_sl_rebind(sl, info);
	if (err)
		return err;
	if (a[DSLITE_A_SL_KEY]) {
		err = dslite_sync_set_key(sl, nla_data(a[DSLITE_A_SL_KEY]),
					  nla_len(a[DSLITE_A_SL_KEY]),
					  info->extack);
		if (err)
			return err;
	}
	if (a[DSLITE_A_SL_ROLE])
		dslite_sl_set_role(sl, nla_get_u8(a[DSLITE_A_SL_ROLE]));
	return 0;
}

int dslite_nl_sl_del(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_sl_remove(dslite_nl_dn(info), dslite_nl_sl(info),
				info->extack);
}

/* the sync counters (enum dslite_sync_stat) and how long the peer is silent */
static int dslite_put_sync_stats(struct sk_buff *skb, struct dslite_sl *sl)
{
	u64 v[__DSLITE_SYNC_STAT_MAX];

	dslite_sync_stats_sum(sl, v);
	if (dslite_nl_put_counters(skb, DSLITE_A_SL_SYNC, v,
				   __DSLITE_SYNC_STAT_MAX, DSLITE_SYNC_STAT_PAD))
		return -EMSGSIZE;
	return nla_put_u32(skb, DSLITE_A_SL_LAG, dslite_sync_silence_ms(sl));
}

static int __dslite_fill_sl(struct sk_buff *skb, struct dslite_sl *sl,
			    u32 portid, u32 seq, int flags, bool with_key)
{
	void *hdr = dslite_nl_put(skb, portid, seq, flags, DSLITE_CMD_SL_GET);
	char diff[112] = "";
	const char *why;

	if (!hdr)
		return -EMSGSIZE;
	if ((with_key && sl->key_len &&
	     nla_put(skb, DSLITE_A_SL_KEY, sl->key_len, sl->key)) ||
	    nla_put_u32(skb, DSLITE_A_SL_ID, sl->id) ||
	    nla_put_string(skb, DSLITE_A_SL_IFNAME, sl->ifname) ||
	    nla_put(skb, DSLITE_A_SL_PEER, sl->peer_len, sl->peer) ||
	    nla_put_u16(skb, DSLITE_A_SL_PORT, sl->port) ||
	    nla_put_u8(skb, DSLITE_A_SL_ROLE, READ_ONCE(sl->role)) ||
	    nla_put_u8(skb, DSLITE_A_SL_PEER_STATE, READ_ONCE(sl->peer_state)) ||
	    (sl->key_len && nla_put_flag(skb, DSLITE_A_SL_HAS_KEY)) ||
	    (sl->vrid && (nla_put_u8(skb, DSLITE_A_SL_VRID, sl->vrid) ||
			  nla_put_string(skb, DSLITE_A_SL_VRRP_IF,
					 sl->vrrp_if))) ||
	    (sl->has_aftr && nla_put_in6_addr(skb, DSLITE_A_SL_AFTR,
					      &sl->aftr)) ||
	    dslite_put_sync_stats(skb, sl)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	rcu_read_lock();
	why = dslite_sl_health(sl->dn, sl);
	rcu_read_unlock();
	spin_lock_bh(&sl->rx.lock);
	if (sl->rx.mismatch)
		dslite_sync_diff_str(sl, &sl->rx.diff, diff, sizeof(diff));
	spin_unlock_bh(&sl->rx.lock);
	if (nla_put_u8(skb, DSLITE_A_SL_HEALTHY, !why) ||
	    (why && nla_put_string(skb, DSLITE_A_SL_HEALTH, why)) ||
	    (*diff && nla_put_string(skb, DSLITE_A_SL_MISMATCH, diff)) ||
	    (sl->key_len && nla_put_u8(skb, DSLITE_A_SL_KEY_STATE,
				       READ_ONCE(sl->key_state)))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int dslite_fill_sl(struct sk_buff *skb, void *obj, u32 portid, u32 seq,
			  int flags)
{
	return __dslite_fill_sl(skb, obj, portid, seq, flags, false);
}

/*
 * The reply to a doit that sent SL_WITH_KEY: the key too. SL_GET is
 * GENL_ADMIN_PERM, so only CAP_NET_ADMIN in the namespace's user
 * namespace reads it (as WireGuard's private key); a dump never does.
 */
static int dslite_fill_sl_key(struct sk_buff *skb, void *obj, u32 portid,
			      u32 seq, int flags)
{
	return __dslite_fill_sl(skb, obj, portid, seq, flags, true);
}

int dslite_nl_sl_get(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_nl_reply(info, NLMSG_DEFAULT_SIZE,
			       info->attrs[DSLITE_A_SL_WITH_KEY] ?
			       dslite_fill_sl_key : dslite_fill_sl,
			       dslite_nl_sl(info));
}

static int dslite_sl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			      void *sl)
{
	return dslite_fill_sl(skb, sl, NETLINK_CB(cb->skb).portid,
			      cb->nlh->nlmsg_seq, NLM_F_MULTI);
}

int dslite_nl_sl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_SLS, dslite_sl_dump_one);
}

int dslite_nl_sig_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_nl_dn(info);
	struct nlattr *m, *tb[ARRAY_SIZE(dslite_nl_sig_member_policy)];
	struct dslite_sig *g;
	int rem, err = 0, i;

	if (!info->attrs[DSLITE_A_SIG_NAME]) {
		NL_SET_ERR_MSG(info->extack,
			       "a service-instance-group needs a name");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DSLITE_A_SIG_NAME);
		return -EINVAL;
	}
	/*
	 * "" means "no group" in DSLITE_A_INST_SIG, and the name is printed
	 * and parsed back: printable ASCII without spaces only.
	 */
	err = dslite_label_check(nla_data(info->attrs[DSLITE_A_SIG_NAME]),
				 DSLITE_SIG_NAME_MAX);
	if (err) {
		dslite_extack(info->extack, info->attrs[DSLITE_A_SIG_NAME],
			      dslite_label_error(err));
		return -EINVAL;
	}
	g = kzalloc(sizeof(*g), GFP_KERNEL);
	if (!g)
		return -ENOMEM;
	nla_strscpy(g->name, info->attrs[DSLITE_A_SIG_NAME], sizeof(g->name));

	nlmsg_for_each_attr(m, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(m) != DSLITE_A_SIG_MEMBER)
			continue;
		err = nla_parse_nested(tb, ARRAY_SIZE(tb) - 1, m,
				       dslite_nl_sig_member_policy, info->extack);
		if (err)
			goto out;
		if (!tb[DSLITE_A_SL_ID]) {
			NL_SET_ERR_MSG_ATTR(info->extack, m,
					    "a member needs a service-location id");
			err = -EINVAL;
			goto out;
		}
		if (g->n >= DSLITE_SIG_MAX_MEMBERS) {
			NL_SET_ERR_MSG(info->extack,
				       "at most 8 service-locations in a group");
			err = -E2BIG;
			goto out;
		}
		g->members[g->n].sl_id = nla_get_u32(tb[DSLITE_A_SL_ID]);
		g->members[g->n].weight = tb[DSLITE_A_SIG_WEIGHT] ?
			nla_get_u32(tb[DSLITE_A_SIG_WEIGHT]) : 1;
		if (!dslite_sl_by_id(dn, g->members[g->n].sl_id)) {
			NL_SET_ERR_MSG_ATTR(info->extack, m,
					    "no service-location with this id");
			err = -ENOENT;
			goto out;
		}
		for (i = 0; i < g->n; i++) {
			if (g->members[i].sl_id == g->members[g->n].sl_id) {
				NL_SET_ERR_MSG_ATTR(info->extack, m,
						    "service-location listed twice");
				err = -EINVAL;
				goto out;
			}
		}
		g->n++;
	}
	if (!g->n) {
		NL_SET_ERR_MSG(info->extack,
			       "a group needs at least one service-location");
		err = -EINVAL;
	} else {
		err = dslite_sig_add(dn, g, info->extack);
		if (!err)
			g = NULL;
	}
out:
	kfree(g);
	return err;
}

int dslite_nl_sig_del(struct sk_buff *skb, struct genl_info *info)
{
	return dslite_sig_remove(dslite_nl_dn(info), dslite_nl_sig(info),
				 info->extack);
}

static int dslite_sig_dump_one(struct sk_buff *skb,
			       struct netlink_callback *cb, void *obj)
{
	struct dslite_sig *g = obj;
	struct nlattr *m;
	void *hdr;
	int i;

	hdr = dslite_nl_put_dump(skb, cb, DSLITE_CMD_SIG_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DSLITE_A_SIG_NAME, g->name))
		goto nospace;
	for (i = 0; i < g->n; i++) {
		m = nla_nest_start(skb, DSLITE_A_SIG_MEMBER);
		if (!m ||
		    nla_put_u32(skb, DSLITE_A_SL_ID, g->members[i].sl_id) ||
		    nla_put_u32(skb, DSLITE_A_SIG_WEIGHT, g->members[i].weight))
			goto nospace;
		nla_nest_end(skb, m);
	}
	genlmsg_end(skb, hdr);
	return 0;

nospace:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * In creation order, resumed by the group's number: a group deleted
 * between two rounds makes none skipped.
 */
int dslite_nl_sig_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	return dslite_nl_dumpit(skb, cb, DSLITE_NL_SIGS, dslite_sig_dump_one);
}
