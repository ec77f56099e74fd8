// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the events a listener of the "events" group gets about the
 * NAT (RFC 6888 logging): port blocks given and taken back, limits hit.
 * Sent from the packet path (any context, GFP_ATOMIC); an event that
 * cannot go is counted in EVENTS_LOST, never lost silently.
 */
#define pr_fmt(fmt) "dslite: " fmt

#include <net/genetlink.h>
#include <net/sock.h>
#include <linux/math64.h>
#include <linux/timekeeping.h>

#include "dslite.h"
#include "nl.h"

/*
 * The event's time: EVENT_TIME in seconds and EVENT_TIME_MS in
 * milliseconds (RFC 8158's observationTimeMilliseconds), from one reading
 * of the clock so the two never disagree.
 */
static int dslite_event_put_time(struct sk_buff *skb)
{
	u64 ms = ktime_to_ms(ktime_get_real());

	if (nla_put_u64_64bit(skb, DSLITE_A_EVENT_TIME,
			      div_u64(ms, MSEC_PER_SEC), DSLITE_A_PAD) ||
	    nla_put_u64_64bit(skb, DSLITE_A_EVENT_TIME_MS, ms, DSLITE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * A new event about @b4 (the instance, the time, the B4 first), or NULL:
 * no listener, or no memory (the loss is counted).
 */
static struct sk_buff *dslite_event_new(struct dslite_instance *inst, u8 cmd,
					const struct in6_addr *b4, void **hdr)
{
	struct sk_buff *skb;

	if (!dslite_nl_has_listeners(inst->dn->net))
		return NULL;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		goto lost;
	*hdr = dslite_nl_put(skb, 0, 0, 0, cmd);
	if (!*hdr ||
	    nla_put_string(skb, DSLITE_A_INST_NAME, inst->name) ||
	    dslite_event_put_time(skb) ||
	    nla_put_in6_addr(skb, DSLITE_A_SESS_B4, b4)) {
		nlmsg_free(skb);
		goto lost;
	}
	return skb;
lost:
	DSLITE_STAT_INC(inst, DSLITE_STAT_EVENTS_LOST);
	return NULL;
}

/* Send the event (@err: building it failed); a loss is counted. */
static void dslite_event_send(struct dslite_instance *inst,
			      struct sk_buff *skb, void *hdr, int err)
{
	if (err) {
		nlmsg_free(skb);
		goto lost;
	}
	genlmsg_end(skb, hdr);
	err = dslite_nl_multicast(inst->dn->net, skb, GFP_ATOMIC);
	/* -ESRCH: the last listener left meanwhile; anything else is loss */
	if (!err || err == -ESRCH)
		return;
lost:
	DSLITE_STAT_INC(inst, DSLITE_STAT_EVENTS_LOST);
}

/*
 * RFC 6888 REQ-12: log each port block a user gets or gives back (no
 * destination is ever logged). Any context.
 */
void dslite_genl_event_block(struct dslite_instance *inst,
			     const struct in6_addr *b4, __be32 addr,
			     u16 first, u16 last, bool alloc)
{
	struct sk_buff *skb;
	void *hdr;

	skb = dslite_event_new(inst, alloc ? DSLITE_CMD_EVENT_BLOCK_ALLOC :
					     DSLITE_CMD_EVENT_BLOCK_FREE,
			       b4, &hdr);
	if (!skb)
		return;
	dslite_event_send(inst, skb, hdr,
			  nla_put_in_addr(skb, DSLITE_A_SESS_PUBLIC_ADDR, addr) ||
			  nla_put_u16(skb, DSLITE_A_BLOCK_FIRST, first) ||
			  nla_put_u16(skb, DSLITE_A_BLOCK_LAST, last));
}

/* A limit was hit (quota, no pool, table full): at most one a second. */
void dslite_genl_event_limit(struct dslite_instance *inst,
			     const struct in6_addr *b4, int reason)
{
	unsigned long next = READ_ONCE(inst->limit_event_next);
	struct sk_buff *skb;
	void *hdr;

	if (time_before(jiffies, next) ||
	    cmpxchg(&inst->limit_event_next, next, jiffies + HZ) != next)
		return;
	skb = dslite_event_new(inst, DSLITE_CMD_EVENT_LIMIT, b4, &hdr);
	if (!skb)
		return;
	dslite_event_send(inst, skb, hdr,
			  nla_put_u32(skb, DSLITE_A_EVENT_REASON, reason));
}

static const char *const dslite_sl_event_names[] = {
	[DSLITE_SL_EV_PEER_UP] = "peer up",
	[DSLITE_SL_EV_PEER_DOWN] = "peer down (silent for 3 s)",
	[DSLITE_SL_EV_AUTH_FAILED] =
		"the peer's packets fail authentication (another key?)",
	[DSLITE_SL_EV_MISMATCH] = "the peer's configuration differs",
	[DSLITE_SL_EV_BULK_START] = "bulk sync started",
	[DSLITE_SL_EV_BULK_END] = "bulk sync complete: in sync",
	[DSLITE_SL_EV_ROLE] = "role",
	[DSLITE_SL_EV_KEY_SWITCH] = "the peer has the new key: sending with it",
};

static const char *const dslite_role_names[] = { "init", "master", "backup" };

/*
 * Something happened to @sl's sync (enum dslite_sl_event): an EVENT_SL
 * to the events group and one kernel log line, at most 10 in 5 s per SL.
 * A mismatch carries what differs: the caller holds rx.lock then. Any
 * context (@gfp).
 */
void dslite_sl_event(struct dslite_sl *sl, int ev, gfp_t gfp)
{
	char why[112] = "";
	struct sk_buff *skb;
	u8 role = READ_ONCE(sl->role);
	void *hdr;

	if (ev == DSLITE_SL_EV_MISMATCH) {
		lockdep_assert_held(&sl->rx.lock);
		dslite_sync_diff_str(sl, &sl->rx.diff, why, sizeof(why));
	}
	if (__ratelimit(&sl->log_rs)) {
		if (ev == DSLITE_SL_EV_ROLE)
			pr_info("service-location %u: role %s\n", sl->id,
				dslite_role_names[role % 3]);
		else if (sl->peer_len == 4)
			pr_info("service-location %u, peer %pI4: %s%s%s\n", sl->id,
				sl->peer, dslite_sl_event_names[ev],
				*why ? ": " : "", why);
		else
			pr_info("service-location %u, peer %pI6c: %s%s%s\n",
				sl->id, sl->peer, dslite_sl_event_names[ev],
				*why ? ": " : "", why);
	}
	if (!dslite_nl_has_listeners(sl->dn->net))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!skb)
		return;
	hdr = dslite_nl_put(skb, 0, 0, 0, DSLITE_CMD_EVENT_SL);
	if (!hdr ||
	    nla_put_u32(skb, DSLITE_A_SL_ID, sl->id) ||
	    dslite_event_put_time(skb) ||
	    nla_put_u8(skb, DSLITE_A_SL_EVENT, ev) ||
	    nla_put_u8(skb, DSLITE_A_SL_ROLE, role) ||
	    nla_put_u8(skb, DSLITE_A_SL_PEER_STATE, READ_ONCE(sl->peer_state)) ||
	    (*why && nla_put_string(skb, DSLITE_A_SL_MISMATCH, why))) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	dslite_nl_multicast(sl->dn->net, skb, gfp);
}
