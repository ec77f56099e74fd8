// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: translate TCP, UDP and ICMP echo between a B4's inner IPv4
 * endpoint and its public one, with incremental checksum updates that
 * are correct for CHECKSUM_PARTIAL and GSO packets too.
 *
 * Outbound (dslite_nat_out) runs on a decapsulated packet, inbound
 * (dslite_nat_in) on what the stack sends to the instance's device.
 * Both run in softirq under RCU and take no lock unless a session must
 * be created.
 */
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/checksum.h>
#include <net/tcp.h>

#include "dslite.h"

/* The transport fields the NAT rewrites, read from one packet. */
struct dslite_l4 {
	u8 proto;
	u8 tcpflags;
	bool icmp_err;		/* an ICMP error: see dslite_nat_icmp_err */
	__be16 sport;		/* ICMP echo: the id */
	__be16 dport;		/* ICMP echo: the id */
	unsigned int hlen;	/* bytes of L4 header to make writable */
};

static u8 dslite_tcpflags(const struct tcphdr *th)
{
	return (th->syn ? DSLITE_TCPF_SYN : 0) | (th->ack ? DSLITE_TCPF_ACK : 0) |
	       (th->fin ? DSLITE_TCPF_FIN : 0) | (th->rst ? DSLITE_TCPF_RST : 0);
}

/*
 * Parse the transport header after a valid IPv4 header. @out: the packet
 * goes B4 -> Internet (echo requests create, replies look up).
 * Returns 0, or the drop reason.
 */
static int dslite_parse_l4(struct sk_buff *skb, struct dslite_l4 *l4, bool out)
{
	const struct iphdr *iph = ip_hdr(skb);
	unsigned int off = iph->ihl * 4;

	if (ip_is_fragment(iph))
		return DSLITE_STAT_DROP_FRAGMENT;	/* reassembled before */
	l4->proto = iph->protocol;
	l4->tcpflags = 0;
	l4->icmp_err = false;
	switch (iph->protocol) {
	case IPPROTO_TCP: {
		const struct tcphdr *th;

		if (!pskb_may_pull(skb, off + sizeof(*th)))
			return DSLITE_STAT_DROP_BAD_HEADER;
		th = (const struct tcphdr *)(skb_network_header(skb) + off);
		if (th->doff < 5)
			return DSLITE_STAT_DROP_BAD_HEADER;
		l4->sport = th->source;
		l4->dport = th->dest;
		l4->tcpflags = dslite_tcpflags(th);
		l4->hlen = sizeof(*th);
		return 0;
	}
	case IPPROTO_UDP: {
		const struct udphdr *uh;

		if (!pskb_may_pull(skb, off + sizeof(*uh)))
			return DSLITE_STAT_DROP_BAD_HEADER;
		uh = (const struct udphdr *)(skb_network_header(skb) + off);
		l4->sport = uh->source;
		l4->dport = uh->dest;
		l4->hlen = sizeof(*uh);
		return 0;
	}
	case IPPROTO_ICMP: {
		const struct icmphdr *ih;

		if (!pskb_may_pull(skb, off + sizeof(*ih)))
			return DSLITE_STAT_DROP_BAD_HEADER;
		ih = (const struct icmphdr *)(skb_network_header(skb) + off);
		if (ih->type == ICMP_DEST_UNREACH || ih->type == ICMP_TIME_EXCEEDED ||
		    ih->type == ICMP_PARAMETERPROB) {
			l4->icmp_err = true;
			l4->hlen = sizeof(*ih);
			return 0;
		}
		if (ih->type != ICMP_ECHO && ih->type != ICMP_ECHOREPLY)
			return DSLITE_STAT_DROP_UNSUPPORTED;
		/* the echo id is the "port" on both sides */
		l4->sport = ih->un.echo.id;
		l4->dport = ih->un.echo.id;
		l4->hlen = sizeof(*ih);
		return 0;
	}
	}
	return DSLITE_STAT_DROP_UNSUPPORTED;
}

/*
 * Rewrite one address (source if @src) and the matching port/echo id,
 * fixing the IP and transport checksums.
 */
static int dslite_rewrite(struct sk_buff *skb, const struct dslite_l4 *l4,
			  bool src, __be32 addr, __be16 port)
{
	unsigned int off = ip_hdr(skb)->ihl * 4;
	struct iphdr *iph;
	__be32 *a, old_addr;
	__be16 *p, old_port;
	__sum16 *check = NULL;
	bool pseudo = true;
	void *l4h;

	if (skb_ensure_writable(skb, off + l4->hlen))
		return DSLITE_STAT_DROP_NOMEM;
	iph = ip_hdr(skb);
	l4h = skb_network_header(skb) + off;
	a = src ? &iph->saddr : &iph->daddr;
	old_addr = *a;

	switch (l4->proto) {
	case IPPROTO_TCP: {
		struct tcphdr *th = l4h;

		p = src ? &th->source : &th->dest;
		check = &th->check;
		break;
	}
	case IPPROTO_UDP: {
		struct udphdr *uh = l4h;

		p = src ? &uh->source : &uh->dest;
		/* a zero UDP checksum means none: leave it */
		if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL)
			check = &uh->check;
		break;
	}
	default: {
		struct icmphdr *ih = l4h;

		p = &ih->un.echo.id;
		check = &ih->checksum;
		pseudo = false;		/* ICMP sums no pseudo-header */
		break;
	}
	}
	old_port = *p;

	if (check) {
		if (pseudo)
			inet_proto_csum_replace4(check, skb, old_addr, addr,
						 true);
		inet_proto_csum_replace2(check, skb, old_port, port, false);
		if (l4->proto == IPPROTO_UDP && !*check)
			*check = CSUM_MANGLED_0;
	}
	*p = port;
	*a = addr;
	csum_replace4(&iph->check, old_addr, addr);
	return 0;
}

/*
 * The ports of the packet quoted in an ICMP error: @e is its IPv4 header,
 * @l4 the first bytes of its transport header (8 are always there).
 */
static void dslite_quoted_ports(const struct iphdr *e, const u8 *l4,
				__be16 *sport, __be16 *dport)
{
	if (e->protocol == IPPROTO_ICMP) {
		const struct icmphdr *ih = (const struct icmphdr *)l4;

		*sport = ih->un.echo.id;
		*dport = 0;
	} else {
		*sport = ((const __be16 *)l4)[0];
		*dport = ((const __be16 *)l4)[1];
	}
}

/*
 * The softwire back to @u: its B4, from the AFTR address it tunnels to,
 * which in 1+1 is its service-location's own (the B4's ip6tnl accepts
 * packets from its remote only), else the instance's. RCU held.
 */
static void dslite_user_ends(const struct dslite_instance *inst,
			     struct dslite_user *u,
			     struct dslite_ends *ends)
{
	const struct dslite_sl *sl = NULL;

	ends->b4 = u->b4;
	ends->user = u;
	if (u->sl_id && rcu_access_pointer(inst->sig))
		sl = dslite_sl_by_id(inst->dn, u->sl_id);
	ends->aftr = sl && sl->has_aftr ? sl->aftr : inst->aftr;
}

/*
 * Translate an ICMP error (RFC 5508 REQ-3/4): the outer address toward the
 * B4 side, and the quoted packet's matching address and port, fixing the
 * quoted IP header checksum, the quoted transport checksum where quoted,
 * and the ICMP checksum. Errors never create or delete a session.
 * @out: from the B4 (rewrite the outer source and the quoted destination)
 * or to it (the outer destination and the quoted source; @ends is set to
 * the softwire it goes back through).
 */
static int dslite_nat_icmp_err(struct dslite_instance *inst, struct sk_buff *skb,
			       struct dslite_user *u, bool out,
			       struct dslite_ends *ends)
{
	unsigned int off = ip_hdr(skb)->ihl * 4, eoff, l4off;
	struct dslite_session *s, *any;
	struct iphdr *iph, *e;
	__be16 sport, dport, newport, *pport;
	__be32 newaddr, *paddr;
	struct icmphdr *ih;
	u8 *l4;

	eoff = off + sizeof(struct icmphdr);
	if (!pskb_may_pull(skb, eoff + sizeof(struct iphdr)))
		return DSLITE_STAT_DROP_BAD_HEADER;
	e = (struct iphdr *)(skb_network_header(skb) + eoff);
	if (e->version != 4 || e->ihl < 5)
		return DSLITE_STAT_DROP_BAD_HEADER;
	l4off = eoff + e->ihl * 4;
	if (!pskb_may_pull(skb, l4off + 8))
		return DSLITE_STAT_DROP_BAD_HEADER;
	if (skb_ensure_writable(skb, skb->len))
		return DSLITE_STAT_DROP_NOMEM;
	iph = ip_hdr(skb);
	e = (struct iphdr *)(skb_network_header(skb) + eoff);
	l4 = skb_network_header(skb) + l4off;
	if (e->protocol != IPPROTO_TCP && e->protocol != IPPROTO_UDP &&
	    e->protocol != IPPROTO_ICMP)
		return DSLITE_STAT_DROP_ICMP_ERROR;
	if (e->protocol == IPPROTO_ICMP) {
		u8 qtype = ((struct icmphdr *)l4)->type;

		/* never an error about an error (RFC 5508 REQ-4 / 1122) */
		if (qtype != ICMP_ECHO && qtype != ICMP_ECHOREPLY)
			return DSLITE_STAT_DROP_ICMP_ERROR;
	}
	dslite_quoted_ports(e, l4, &sport, &dport);

	if (out) {
		/* quoted: remote -> inner; the B4's host answers the remote */
		struct dslite_okey k = {
			.user = u, .inner_addr = e->daddr,
			.proto = e->protocol,
		};

		/*
		 * The error may come from the host the quoted packet was for
		 * or from a router in between on the B4 side (RFC 5508 REQ-3:
		 * a Time Exceeded from a router inside): the outer source is
		 * not the quoted destination then, but it is rewritten to the
		 * public address all the same. The session decides.
		 */
		k.inner_port = e->protocol == IPPROTO_ICMP ? sport : dport;
		s = dslite_out_find(inst, &k, e->saddr,
				    e->protocol == IPPROTO_ICMP ? 0 : sport,
				    &any);
		s = s ?: any;
		if (!s)
			return DSLITE_STAT_DROP_ICMP_ERROR;
		newaddr = s->ikey.pub_addr;
		newport = s->ikey.pub_port;
		paddr = &e->daddr;
		pport = e->protocol == IPPROTO_ICMP ?
			&((struct icmphdr *)l4)->un.echo.id : &((__be16 *)l4)[1];
		csum_replace4(&iph->check, iph->saddr, newaddr);
		iph->saddr = newaddr;
	} else {
		/* quoted: public -> remote, as we sent it */
		struct dslite_ikey k = {
			.pub_addr = e->saddr, .pub_port = sport,
			.proto = e->protocol,
		};
		bool seen;

		if (e->saddr != iph->daddr)
			return DSLITE_STAT_DROP_ICMP_ERROR;
		s = dslite_in_find(inst, &k, e->daddr, dport, &any, &seen);
		s = s ?: any;
		if (!s)
			return DSLITE_STAT_DROP_ICMP_ERROR;
		newaddr = s->okey.inner_addr;
		newport = s->okey.inner_port;
		paddr = &e->saddr;
		pport = e->protocol == IPPROTO_ICMP ?
			&((struct icmphdr *)l4)->un.echo.id : &((__be16 *)l4)[0];
		dslite_user_ends(inst, s->okey.user, ends);
		csum_replace4(&iph->check, iph->daddr, newaddr);
		iph->daddr = newaddr;
	}

	/* the quoted transport checksum, when it is within the quote */
	if (e->protocol == IPPROTO_UDP) {
		__sum16 *c = &((struct udphdr *)l4)->check;

		if (*c) {
			csum_replace4(c, *paddr, newaddr);
			csum_replace2(c, *pport, newport);
			if (!*c)
				*c = CSUM_MANGLED_0;
		}
	} else if (e->protocol == IPPROTO_TCP &&
		   skb->len >= l4off + sizeof(struct tcphdr)) {
		__sum16 *c = &((struct tcphdr *)l4)->check;

		csum_replace4(c, *paddr, newaddr);
		csum_replace2(c, *pport, newport);
	} else if (e->protocol == IPPROTO_ICMP) {
		csum_replace2(&((struct icmphdr *)l4)->checksum, *pport,
			      newport);
	}
	csum_replace4(&e->check, *paddr, newaddr);
	*paddr = newaddr;
	*pport = newport;

	/* the ICMP checksum covers the quote: compute it afresh */
	ih = (struct icmphdr *)(skb_network_header(skb) + off);
	ih->checksum = 0;
	ih->checksum = csum_fold(skb_checksum(skb, skb_network_offset(skb) + off,
					      skb->len - skb_network_offset(skb) -
					      off, 0));
	skb->ip_summed = CHECKSUM_NONE;
	DSLITE_STAT_INC(inst, DSLITE_STAT_ICMP_TRANSLATED);
	return 0;
}

/* RFC 6888 / RFC 4787: clamp the MSS option of a SYN to cfg.mss. */
static void dslite_mss_clamp(struct dslite_instance *inst, struct sk_buff *skb)
{
	u32 mss = READ_ONCE(inst->cfg.mss);
	unsigned int off = ip_hdr(skb)->ihl * 4, optlen, i;
	struct tcphdr *th;
	u8 *opt;

	if (!mss)
		return;
	th = (struct tcphdr *)(skb_network_header(skb) + off);
	optlen = th->doff * 4 - sizeof(*th);
	if (!optlen || skb_ensure_writable(skb, off + th->doff * 4))
		return;
	th = (struct tcphdr *)(skb_network_header(skb) + off);
	opt = (u8 *)(th + 1);
	for (i = 0; i < optlen; ) {
		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen || opt[i + 1] < 2 || i + opt[i + 1] > optlen)
			break;
		if (opt[i] == TCPOPT_MSS && opt[i + 1] == TCPOLEN_MSS) {
			u16 old = (opt[i + 2] << 8) | opt[i + 3];

			if (old > mss) {
				opt[i + 2] = mss >> 8;
				opt[i + 3] = mss & 0xff;
				inet_proto_csum_replace2(&th->check, skb,
							 htons(old), htons(mss),
							 false);
				DSLITE_STAT_INC(inst, DSLITE_STAT_MSS_CLAMPED);
			}
			break;
		}
		i += opt[i + 1];
	}
}

/*
 * B4 -> Internet. @skb holds a valid inner IPv4 header at its network
 * header. Returns 0 (translated) or a drop reason (counted here; the
 * caller frees the skb).
 */
int dslite_nat_out(struct dslite_instance *inst,
		   const struct dslite_ends *ends, struct sk_buff *skb,
		   u32 sl_id)
{
	struct dslite_session *s;
	struct dslite_user *u;
	struct dslite_okey k = { };
	struct dslite_l4 l4;
	int drop = 0;

	drop = dslite_parse_l4(skb, &l4, true);
	if (drop)
		goto out_drop;
	if (l4.icmp_err) {
		/* an error never creates state: no user, no session, drop */
		u = dslite_user_get(inst, &ends->b4, false, sl_id);
		drop = u ? dslite_nat_icmp_err(inst, skb, u, true, NULL) :
			   DSLITE_STAT_DROP_ICMP_ERROR;
		if (drop)
			goto out_drop;
		DSLITE_STAT_INC(inst, DSLITE_STAT_OUT_PACKETS);
		DSLITE_STAT_ADD(inst, DSLITE_STAT_OUT_BYTES, skb->len);
		return 0;
	}
	u = dslite_user_get(inst, &ends->b4, true, sl_id);
	if (!u) {
		drop = DSLITE_STAT_DROP_NOMEM;
		goto out_drop;
	}
	k.user = u;
	k.inner_addr = ip_hdr(skb)->saddr;
	k.inner_port = l4.sport;
	k.proto = l4.proto;
	s = dslite_sess_out(inst, u, &k, ip_hdr(skb)->daddr,
			    l4.proto == IPPROTO_ICMP ? 0 : l4.dport,
			    l4.tcpflags, &drop);
	if (!s) {
		/* RFC 5508 REQ-8: tell the host no mapping could be made */
		if (drop == DSLITE_STAT_DROP_QUOTA ||
		    drop == DSLITE_STAT_DROP_NO_POOL ||
		    drop == DSLITE_STAT_DROP_TABLE_FULL) {
			dslite_icmp_unreach(inst, skb, ends, ICMP_DEST_UNREACH,
					    ICMP_PKT_FILTERED);
			dslite_genl_event_limit(inst, &ends->b4, drop);
		}
		goto out_drop;
	}
	dslite_sess_touch(inst, s, l4.tcpflags, DSLITE_DIR_OUT);
	drop = dslite_rewrite(skb, &l4, true, s->ikey.pub_addr,
			      s->ikey.pub_port);
	if (drop)
		goto out_drop;
	if (l4.tcpflags & DSLITE_TCPF_SYN)
		dslite_mss_clamp(inst, skb);
	DSLITE_STAT_INC(inst, DSLITE_STAT_OUT_PACKETS);
	DSLITE_STAT_ADD(inst, DSLITE_STAT_OUT_BYTES, skb->len);
	return 0;

out_drop:
	DSLITE_STAT_INC(inst, drop);
	return drop;
}

/*
 * Internet (or a hairpinned B4) -> B4. On success @ends is where to send
 * it. On failure the drop is counted and @skb freed.
 */
int dslite_nat_in(struct dslite_instance *inst, struct sk_buff *skb,
		  struct dslite_ends *ends)
{
	struct dslite_session *s;
	struct dslite_ikey k = { };
	struct dslite_l4 l4;
	const struct iphdr *iph;
	int drop;

	if (!pskb_may_pull(skb, sizeof(struct iphdr))) {
		drop = DSLITE_STAT_DROP_BAD_HEADER;
		goto out_drop;
	}
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    !pskb_may_pull(skb, iph->ihl * 4)) {
		drop = DSLITE_STAT_DROP_BAD_HEADER;
		goto out_drop;
	}
	drop = dslite_parse_l4(skb, &l4, false);
	if (drop)
		goto out_drop;
	if (READ_ONCE(inst->dn->hot_backup)) {
		struct dslite_pool *p;
		bool active;

		/* return traffic to an SL's pool share: only where master */
		rcu_read_lock();
		p = dslite_pool_of_addr(inst, ip_hdr(skb)->daddr);
		active = !p || !p->sl_id ||
			 dslite_sl_active(inst->dn,
					  dslite_sl_by_id(inst->dn, p->sl_id));
		if (!p && rcu_access_pointer(inst->sig))
			active = dslite_sl_active(inst->dn,
						  dslite_sl_for_aftr(inst,
								     &inst->aftr));
		rcu_read_unlock();
		if (!active) {
			drop = DSLITE_STAT_DROP_STANDBY;
			goto out_drop;
		}
	}
	if (l4.icmp_err) {
		rcu_read_lock();
		drop = dslite_nat_icmp_err(inst, skb, NULL, false, ends);
		rcu_read_unlock();
		if (drop)
			goto out_drop;
		DSLITE_STAT_INC(inst, DSLITE_STAT_IN_PACKETS);
		DSLITE_STAT_ADD(inst, DSLITE_STAT_IN_BYTES, skb->len);
		return 0;
	}
	iph = ip_hdr(skb);
	k.pub_addr = iph->daddr;
	k.pub_port = l4.dport;
	k.proto = l4.proto;
	rcu_read_lock();
	s = dslite_sess_in(inst, &k, iph->saddr,
			   l4.proto == IPPROTO_ICMP ? 0 : l4.sport,
			   l4.tcpflags, &drop);
	if (!s) {
		rcu_read_unlock();
		goto out_drop;
	}
	dslite_sess_touch(inst, s, l4.tcpflags, DSLITE_DIR_IN);
	dslite_user_ends(inst, s->okey.user, ends);
	drop = dslite_rewrite(skb, &l4, false, s->okey.inner_addr,
			      s->okey.inner_port);
	rcu_read_unlock();
	if (drop)
		goto out_drop;
	if (l4.tcpflags & DSLITE_TCPF_SYN)
		dslite_mss_clamp(inst, skb);
	if (skb->skb_iif == inst->dev->ifindex)
		DSLITE_STAT_INC(inst, DSLITE_STAT_HAIRPIN_PACKETS);
	DSLITE_STAT_INC(inst, DSLITE_STAT_IN_PACKETS);
	DSLITE_STAT_ADD(inst, DSLITE_STAT_IN_BYTES, skb->len);
	return 0;

out_drop:
	DSLITE_STAT_INC(inst, drop);
	kfree_skb(skb);
	return drop;
}
