// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: hot-backup configuration and roles: the service-location and
 * service-instance-group of a vendor's CGN hot-backup manual, the model
 * of this design, the Linux way (docs/ha.md).
 *
 * A service-location (SL) is one unit of failover: the remote-backup
 * interface and peer its state is synced to, an optional HMAC-SHA256 key,
 * the VRRP group it follows, its own AFTR address and a role that
 * keepalived's notify script sets. A service-instance group (SIG) lists
 * SLs with weights; an instance bound to a SIG translates, while hot
 * backup is on, only for the SLs that are master here: B4s arriving at
 * that SL's AFTR address and return traffic to that SL's pools.
 *
 * Locking rules:
 *  - dn->sls (xarray by SL id) and dn->sigs change only with dn->lock
 *    held (asserted); the packet path reads them under RCU.
 *  - sl->role is written with WRITE_ONCE under dn->lock and read with
 *    READ_ONCE on the packet path: promotion is a flag flip.
 *  - An SL or SIG is freed after a grace period; keys are wiped first.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/inetdevice.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "dslite.h"
#include "compat.h"

static void dslite_sl_free_rcu(struct rcu_head *head)
{
	struct dslite_sl *sl = container_of(head, struct dslite_sl, rcu);

	kfree_sensitive(sl);
}

struct dslite_sl *dslite_sl_by_id(struct dslite_net *dn, u32 id)
{
	return xa_load(&dn->sls, id);
}

struct dslite_sig *dslite_sig_by_name(struct dslite_net *dn, const char *name)
{
	struct dslite_sig *g;

	list_for_each_entry_rcu(g, &dn->sigs, list, lockdep_is_held(&dn->lock))
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

static bool dslite_sl_in_use(struct dslite_net *dn, u32 id)
{
	struct dslite_sig *g;
	int i;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(g, &dn->sigs, list)
		for (i = 0; i < g->n; i++)
			if (g->members[i].sl_id == id)
				return true;
	return false;
}

static bool dslite_sig_in_use(struct dslite_net *dn, struct dslite_sig *g)
{
	struct dslite_instance *inst;
	unsigned long id;

	lockdep_assert_held(&dn->lock);
	xa_for_each(&dn->instances, id, inst)
		if (rcu_access_pointer(inst->sig) == g)
			return true;
	return false;
}

/*
 * The SL an arriving packet belongs to: the one whose AFTR address it
 * was sent to, else (1:1, B4s use the instance's AFTR address) the
 * group's first. NULL when the instance is in no group. RCU held.
 */
struct dslite_sl *dslite_sl_for_aftr(struct dslite_instance *inst,
				     const struct in6_addr *aftr)
{
	struct dslite_sig *g = rcu_dereference(inst->sig);
	struct dslite_sl *sl, *first = NULL;
	int i;

	if (!g)
		return NULL;
	for (i = 0; i < g->n; i++) {
		sl = dslite_sl_by_id(inst->dn, g->members[i].sl_id);
		if (!sl)
			continue;
		if (sl->has_aftr && ipv6_addr_equal(&sl->aftr, aftr))
			return sl;
		if (!first)
			first = sl;
	}
	return first;
}

/* May this SL's traffic be translated here? RCU held. */
bool dslite_sl_active(struct dslite_net *dn, const struct dslite_sl *sl)
{
	if (!READ_ONCE(dn->hot_backup) || !sl)
		return true;
	return READ_ONCE(sl->role) == DSLITE_ROLE_MASTER;
}

/* The instance whose own or SL AFTR address is @aftr. RCU held. */
struct dslite_instance *dslite_instance_by_any_aftr(struct dslite_net *dn,
						    const struct in6_addr *aftr,
						    struct dslite_sl **slp)
{
	struct dslite_instance *inst;
	struct dslite_sig *g;
	unsigned long id;
	int i;

	xa_for_each(&dn->instances, id, inst) {
		if (inst->has_aftr && ipv6_addr_equal(&inst->aftr, aftr)) {
			*slp = dslite_sl_for_aftr(inst, aftr);
			return inst;
		}
		g = rcu_dereference_check(inst->sig, lockdep_is_held(&dn->lock));
		if (!g)
			continue;
		for (i = 0; i < g->n; i++) {
			struct dslite_sl *sl =
				dslite_sl_by_id(dn, g->members[i].sl_id);

			if (sl && sl->has_aftr &&
			    ipv6_addr_equal(&sl->aftr, aftr)) {
				*slp = sl;
				return inst;
			}
		}
	}
	return NULL;
}

/* ---- netlink ---------------------------------------------------------- */

int dslite_nl_ha_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));

	if (dslite_missing(info, DSLITE_A_HA_ENABLED))
		return -EINVAL;
	mutex_lock(&dn->lock);
	WRITE_ONCE(dn->hot_backup,
		   !!nla_get_u8(info->attrs[DSLITE_A_HA_ENABLED]));
	mutex_unlock(&dn->lock);
	return 0;
}

int dslite_nl_ha_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = dslite_genl_put(msg, info->snd_portid, info->snd_seq, 0,
			      DSLITE_CMD_HA_GET);
	if (!hdr || nla_put_u8(msg, DSLITE_A_HA_ENABLED,
			       READ_ONCE(dn->hot_backup))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
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
	struct dslite_net *dn = dslite_net(genl_info_net(info));
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

	mutex_lock(&dn->lock);
	if (dslite_sl_by_id(dn, sl->id)) {
		err = -EBUSY;
	} else {
		err = dslite_sync_start(dn, sl, info->extack);
		if (err) {
			mutex_unlock(&dn->lock);
			kfree_sensitive(sl);
			return err;
		}
		err = xa_insert(&dn->sls, sl->id, sl, GFP_KERNEL);
		if (err)
			dslite_sync_stop(sl);
	}
	mutex_unlock(&dn->lock);
	if (err) {
		if (err == -EBUSY)
			NL_SET_ERR_MSG_ATTR(info->extack, a[DSLITE_A_SL_ID],
					    "a service-location with this id exists");
		else
			NL_SET_ERR_MSG(info->extack,
				       "cannot add the service-location");
		kfree_sensitive(sl);
		return err == -EBUSY ? -EEXIST : err;
	}
	return 0;
}

/* The SL a request names, or NULL with *err (-EINVAL, -ENOENT) and a message */
static struct dslite_sl *dslite_sl_from_info(struct dslite_net *dn,
					     struct genl_info *info, int *err)
{
	struct dslite_sl *sl;

	*err = -EINVAL;
	if (dslite_missing(info, DSLITE_A_SL_ID))
		return NULL;
	sl = dslite_sl_by_id(dn, nla_get_u32(info->attrs[DSLITE_A_SL_ID]));
	*err = sl ? 0 : -ENOENT;
	if (!sl)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_SL_ID],
				    "no service-location with this id");
	return sl;
}

int dslite_nl_sl_set(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_sl *sl;
	int err = 0;
	u8 role;

	if (dslite_missing(info, DSLITE_A_SL_ROLE))
		return -EINVAL;
	role = nla_get_u8(info->attrs[DSLITE_A_SL_ROLE]);
	mutex_lock(&dn->lock);
	sl = dslite_sl_from_info(dn, info, &err);
	if (sl && READ_ONCE(sl->role) != role) {
		/*
		 * Promotion and demotion are a flag flip: state stays. A
		 * new master then copies its state to the peer (a bulk).
		 */
		WRITE_ONCE(sl->role, role);
		dslite_sync_role_changed(sl, role);
	}
	mutex_unlock(&dn->lock);
	return err;
}

int dslite_nl_sl_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_sl *sl;
	int err = 0;

	mutex_lock(&dn->lock);
	sl = dslite_sl_from_info(dn, info, &err);
	if (!sl) {
		/* err and the message are set */
	} else if (dslite_sl_in_use(dn, sl->id)) {
		NL_SET_ERR_MSG(info->extack,
			       "a service-instance-group uses this service-location");
		err = -EBUSY;
	} else {
		xa_erase(&dn->sls, sl->id);
		dslite_sync_stop(sl);
		memzero_explicit(sl->key, sizeof(sl->key));
		call_rcu(&sl->rcu, dslite_sl_free_rcu);
	}
	mutex_unlock(&dn->lock);
	return err;
}

/*
 * Why this router should not be (or become) master of @sl, or NULL when
 * it may. dslite-track turns a reason into a lower VRRP priority: a
 * device of a bound instance is down; the configurations differ; or this
 * router is not master and has not yet got a complete bulk from a peer
 * that is (a rejoining router must not take mastership back without the
 * state).
 * A dead peer is not a reason: then this router is all there is. RCU.
 */
static const char *dslite_sl_health(struct dslite_net *dn,
				    struct dslite_sl *sl)
{
	struct dslite_instance *inst;
	struct dslite_sig *g;
	unsigned long id;
	int i;

	xa_for_each(&dn->instances, id, inst) {
		struct in_device *idev;

		if (READ_ONCE(inst->dying))
			continue;
		g = rcu_dereference(inst->sig);
		for (i = 0; g && i < g->n; i++) {
			if (g->members[i].sl_id != sl->id)
				continue;
			if (!(READ_ONCE(inst->dev->flags) & IFF_UP))
				return "an instance device is down";
			/* what ip_forward decides for a translated packet */
			idev = __in_dev_get_rcu(inst->dev);
			if (idev && !IN_DEV_FORWARD(idev))
				return "IPv4 forwarding is off (net.ipv4.ip_forward=0)";
		}
	}
	switch (READ_ONCE(sl->peer_state)) {
	case DSLITE_PEER_DOWN:
		/* just added: give the peer time to be heard before going it alone */
		if (!READ_ONCE(sl->ever_up) && READ_ONCE(sl->role) != DSLITE_ROLE_MASTER &&
		    time_before(jiffies, READ_ONCE(sl->created) + DSLITE_SL_LISTEN))
			return "listening for the peer";
		break;
	case DSLITE_PEER_MISMATCH:
		return "the peer's configuration differs";
	case DSLITE_PEER_HELLO:
	case DSLITE_PEER_BULK:
		/*
		 * Only a master has state to wait for: with both routers
		 * undecided (at start) neither is held back, or they would
		 * both start reduced and flap once one of them is master.
		 */
		if (READ_ONCE(sl->role) != DSLITE_ROLE_MASTER &&
		    READ_ONCE(sl->peer_master))
			return "the peer's state has not been fully received";
		break;
	}
	return NULL;
}

static int dslite_fill_sl(struct sk_buff *skb, struct dslite_sl *sl,
			  u32 portid, u32 seq, int flags)
{
	const char *why;
	void *hdr = dslite_genl_put(skb, portid, seq, flags, DSLITE_CMD_SL_GET);

	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, DSLITE_A_SL_ID, sl->id) ||
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
	    dslite_sync_put_stats(skb, sl)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	rcu_read_lock();
	why = dslite_sl_health(sl->dn, sl);
	rcu_read_unlock();
	if (nla_put_u8(skb, DSLITE_A_SL_HEALTHY, !why) ||
	    (why && nla_put_string(skb, DSLITE_A_SL_HEALTH, why))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

int dslite_nl_sl_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_sl *sl;
	struct sk_buff *msg;
	int err;

	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&dn->lock);
	sl = dslite_sl_from_info(dn, info, &err);
	if (sl)
		err = dslite_fill_sl(msg, sl, info->snd_portid, info->snd_seq,
				     0);
	mutex_unlock(&dn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

int dslite_nl_sl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct dslite_sl *sl;
	unsigned long id;
	int err = 0;

	mutex_lock(&dn->lock);
	xa_for_each_start(&dn->sls, id, sl, cb->args[0]) {
		err = dslite_fill_sl(skb, sl, NETLINK_CB(cb->skb).portid,
				     cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err)
			break;
		cb->args[0] = id + 1;
	}
	mutex_unlock(&dn->lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

int dslite_nl_sig_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
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

	mutex_lock(&dn->lock);
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
	} else if (dslite_sig_by_name(dn, g->name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_SIG_NAME],
				    "a service-instance-group with this name exists");
		err = -EEXIST;
	} else if (dn->n_sigs >= DSLITE_MAX_SIGS) {
		NL_SET_ERR_MSG(info->extack, "too many service-instance-groups");
		err = -ENOSPC;
	} else {
		g->seq = ++dn->sig_seq;
		list_add_tail_rcu(&g->list, &dn->sigs);
		dn->n_sigs++;
		g = NULL;
	}
out:
	mutex_unlock(&dn->lock);
	kfree(g);
	return err;
}

int dslite_nl_sig_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dslite_net *dn = dslite_net(genl_info_net(info));
	struct dslite_sig *g;
	int err = 0;

	if (dslite_missing(info, DSLITE_A_SIG_NAME))
		return -EINVAL;
	mutex_lock(&dn->lock);
	g = dslite_sig_by_name(dn, nla_data(info->attrs[DSLITE_A_SIG_NAME]));
	if (!g) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DSLITE_A_SIG_NAME],
				    "no service-instance-group with this name");
		err = -ENOENT;
	} else if (dslite_sig_in_use(dn, g)) {
		NL_SET_ERR_MSG(info->extack,
			       "an instance is bound to this service-instance-group");
		err = -EBUSY;
	} else {
		list_del_rcu(&g->list);
		dn->n_sigs--;
		kfree_rcu(g, rcu);
	}
	mutex_unlock(&dn->lock);
	return err;
}

int dslite_nl_sig_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dslite_net *dn = dslite_net(sock_net(skb->sk));
	struct dslite_sig *g;
	int err = 0, i;

	/*
	 * The list is in creation order: resume after the last group sent
	 * (by its number, so a group deleted between two rounds skips none)
	 */
	mutex_lock(&dn->lock);
	list_for_each_entry(g, &dn->sigs, list) {
		struct nlattr *m;
		void *hdr;

		if (g->seq <= cb->args[0])
			continue;
		hdr = dslite_genl_put(skb, NETLINK_CB(cb->skb).portid,
				      cb->nlh->nlmsg_seq, NLM_F_MULTI,
				      DSLITE_CMD_SIG_GET);
		if (!hdr || nla_put_string(skb, DSLITE_A_SIG_NAME, g->name)) {
			err = -EMSGSIZE;
			goto cancel;
		}
		for (i = 0; i < g->n; i++) {
			m = nla_nest_start(skb, DSLITE_A_SIG_MEMBER);
			if (!m ||
			    nla_put_u32(skb, DSLITE_A_SL_ID, g->members[i].sl_id) ||
			    nla_put_u32(skb, DSLITE_A_SIG_WEIGHT,
					g->members[i].weight)) {
				err = -EMSGSIZE;
				goto cancel;
			}
			nla_nest_end(skb, m);
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = g->seq;
		continue;
cancel:
		if (hdr)
			genlmsg_cancel(skb, hdr);
		break;
	}
	mutex_unlock(&dn->lock);
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ? err : skb->len;
}

/* Namespace teardown: no instance is left. */
void dslite_ha_free_all(struct dslite_net *dn)
{
	struct dslite_sl *sl, *stmp;
	struct dslite_sig *g, *tmp;
	unsigned long id;
	LIST_HEAD(dead);

	mutex_lock(&dn->lock);
	list_for_each_entry_safe(g, tmp, &dn->sigs, list) {
		list_del_rcu(&g->list);
		kfree_rcu(g, rcu);
	}
	dn->n_sigs = 0;
	/* one grace period for all (see dslite_sync_stop_begin) */
	xa_for_each(&dn->sls, id, sl) {
		xa_erase(&dn->sls, id);
		dslite_sync_stop_begin(sl);
		list_add(&sl->dead, &dead);
	}
	synchronize_rcu();
	list_for_each_entry_safe(sl, stmp, &dead, dead) {
		dslite_sync_stop_end(sl);
		memzero_explicit(sl->key, sizeof(sl->key));
		call_rcu(&sl->rcu, dslite_sl_free_rcu);
	}
	mutex_unlock(&dn->lock);
}
