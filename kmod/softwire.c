// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the softwire, IPv4-in-IPv6 (RFC 6333 section 6).
 *
 * Decapsulation is a tunnel6 handler for IPv4-in-IPv6 (next header 4),
 * registered ahead of ip6_tunnel's: a packet for one of our AFTR addresses
 * is ours, anything else is passed on, so ip6tnl devices keep working.
 * The AFTR address must be a local address (keepalived's VIP, or `ip -6
 * addr add`), so IPv6 reassembly and IPsec policy run before we see it.
 * The translated packet is received on the instance device at once, on
 * the same CPU (no second backlog pass).
 *
 * Encapsulation prepends an IPv6 header toward the B4 and sends it with
 * ip6_local_out, which fragments the outer packet if it exceeds the path
 * MTU (RFC 6333 section 5.3: never the inner one). The route toward each
 * B4 is cached in its user while the IPv6 FIB is unchanged.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/inetdevice.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/ipv6.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/xfrm.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <linux/jhash.h>
#include <linux/slab.h>

#include "dslite.h"

/* RFC 6333 section 5.7: the AFTR's well-known IPv4 address */
#define DSLITE_AFTR_V4	htonl(0xc0000001)	/* 192.0.0.1 */

/*
 * Inner IPv4 fragments are reassembled before translation (only the first
 * carries the ports; RFC 4787 REQ-14 wants any order). The defrag queues
 * are keyed per B4 (@user) because every B4 may use the same inner
 * addresses. Returns 0 with a whole datagram in @skb, -EINPROGRESS when
 * the fragment was queued, another error when it was dropped (skb gone).
 */
static int dslite_defrag(struct dslite_instance *inst, struct sk_buff *skb,
			 u32 user)
{
	const struct iphdr *iph = ip_hdr(skb);
	int err;

	/* tiny and offset-1 fragments could hide TCP flags (RFC 1858) */
	if (!dslite_frag_ok(iph->protocol, ntohs(iph->frag_off),
			    ntohs(iph->tot_len) - iph->ihl * 4)) {
		DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_FRAGMENT);
		kfree_skb(skb);
		return -EINVAL;
	}
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	skb->dev = inst->dev;
	local_bh_disable();
	err = ip_defrag(inst->dn->net, skb, user);
	local_bh_enable();
	if (!err)
		DSLITE_STAT_INC(inst, DSLITE_STAT_FRAGMENTS_REASSEMBLED);
	else if (err != -EINPROGRESS)
		DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_FRAGMENT);
	return err;
}

/* defrag "users" of our own, far from enum ip_defrag_users */
#define DSLITE_DEFRAG_OUT	0x40000000u	/* | 30 bits of the B4's hash */
#define DSLITE_DEFRAG_IN	0x3fff0000u

int dslite_defrag_in(struct dslite_instance *inst, struct sk_buff *skb)
{
	return dslite_defrag(inst, skb, DSLITE_DEFRAG_IN);
}

static int dslite_validate_inner(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return DSLITE_STAT_DROP_BAD_HEADER;
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5)
		return DSLITE_STAT_DROP_BAD_HEADER;
	if (!pskb_may_pull(skb, iph->ihl * 4))
		return DSLITE_STAT_DROP_BAD_HEADER;
	iph = ip_hdr(skb);
	if (unlikely(ip_fast_csum((u8 *)iph, iph->ihl)))
		return DSLITE_STAT_DROP_BAD_HEADER;
	len = ntohs(iph->tot_len);
	if (len < iph->ihl * 4 || len > skb->len)
		return DSLITE_STAT_DROP_BAD_HEADER;
	if (pskb_trim_rcsum(skb, len))
		return DSLITE_STAT_DROP_NOMEM;
	return 0;
}

/*
 * Is IPv4 forwarding on for packets received on @dev? What ip_route_input
 * looks at for a packet entering on the instance device: the device's own
 * devconf (net.ipv4.ip_forward and conf.all.forwarding write every
 * device's, conf.NAME.forwarding this one's). RCU held.
 */
bool dslite_ipv4_forwarding(const struct net_device *dev)
{
	struct in_device *in_dev = __in_dev_get_rcu(dev);

	return in_dev && IN_DEV_FORWARD(in_dev);
}

/*
 * Would the stack forward a translated packet to @daddr entering on @dev?
 * With forwarding off it drops one that is not for a local address
 * without a trace (ip_route_input: -EHOSTUNREACH, no ICMP): count it.
 * A device without IPv4 (MTU under 68) forwards nothing either. RCU held.
 */
static bool dslite_would_forward(struct net_device *dev, __be32 daddr)
{
	if (likely(dslite_ipv4_forwarding(dev)))
		return true;
	/* local, broadcast, multicast: delivered, not forwarded */
	return __in_dev_get_rcu(dev) &&
	       inet_addr_type_dev_table(dev_net(dev), dev, daddr) != RTN_UNICAST;
}

static int dslite_tunnel_rcv(struct sk_buff *skb)
{
	struct dslite_net *dn = dslite_net(dev_net(skb->dev));
	struct dslite_instance *inst;
	struct dslite_sl *sl = NULL;
	struct net_device *dev;
	struct dslite_ends ends;
	bool reassembled = false;
	u8 outer_ecn;
	int drop;

	rcu_read_lock();
	inst = dslite_instance_by_any_aftr(dn, &ipv6_hdr(skb)->daddr, &sl);
	if (!inst || READ_ONCE(inst->dying)) {
		rcu_read_unlock();
		return -1;	/* not ours: the next handler (ip6_tunnel) */
	}
	dev = inst->dev;
	ends.b4 = ipv6_hdr(skb)->saddr;
	ends.aftr = ipv6_hdr(skb)->daddr;
	ends.user = NULL;	/* errors from here: no route cache */
	outer_ecn = ipv6_get_dsfield(ipv6_hdr(skb)) & INET_ECN_MASK;

	if (!xfrm6_policy_check(NULL, XFRM_POLICY_IN, skb)) {
		drop = DSLITE_STAT_DROP_NOT_FOR_US;
		goto out_drop;
	}
	if (!(READ_ONCE(dev->flags) & IFF_UP)) {
		drop = DSLITE_STAT_DROP_NOT_FOR_US;
		goto out_drop;
	}
	/* hot backup: only the master of this SL translates its B4s */
	if (!dslite_sl_active(dn, sl)) {
		drop = DSLITE_STAT_DROP_STANDBY;
		goto out_drop;
	}
	if (iptunnel_pull_offloads(skb)) {
		drop = DSLITE_STAT_DROP_NOMEM;
		goto out_drop;
	}
	drop = dslite_validate_inner(skb);
	if (drop)
		goto out_drop;
	/* RFC 6040 decapsulation: carry congestion experienced inward */
	if (outer_ecn == INET_ECN_CE) {
		/* INET_ECN_is_capable() misses ECT(1): test for Not-ECT */
		if (INET_ECN_is_not_ect(ip_hdr(skb)->tos)) {
			drop = DSLITE_STAT_DROP_BAD_HEADER;
			goto out_drop;
		}
		IP_ECN_set_ce(ip_hdr(skb));
	}
	/* before the TTL check: with forwarding off nothing is routed on */
	if (!dslite_would_forward(dev, ip_hdr(skb)->daddr)) {
		drop = DSLITE_STAT_DROP_NO_FORWARD;
		goto out_drop;
	}
	/* the inner TTL is decremented once, by forwarding; 1 would expire */
	if (ip_hdr(skb)->ttl <= 1) {
		dslite_icmp_unreach(inst, skb, &ends, ICMP_TIME_EXCEEDED,
				    ICMP_EXC_TTL);
		drop = DSLITE_STAT_DROP_TTL;
		goto out_drop;
	}
	if (ip_is_fragment(ip_hdr(skb))) {
		u32 user = DSLITE_DEFRAG_OUT |
			   (jhash(&ends.b4, sizeof(ends.b4), 0) & 0x3fffffff);

		if (dslite_defrag(inst, skb, user)) {
			rcu_read_unlock();
			return 0;	/* queued, or dropped and counted */
		}
		reassembled = true;
	}
	if (dslite_nat_out(inst, &ends, skb, sl ? sl->id : 0))
		goto out_free;	/* counted by nat_out */
	if (reassembled) {
		/*
		 * It will be fragmented again on the way out: B4s choose IP
		 * ids alone, so two of them behind one public address may
		 * collide at the receiver. Give it an id of the instance's.
		 */
		struct iphdr *iph = ip_hdr(skb);
		__be16 id = htons((u16)atomic_inc_return(&inst->ip_id));

		csum_replace2(&iph->check, iph->id, id);
		iph->id = id;
	}

	skb_scrub_packet(skb, false);
	skb->protocol = htons(ETH_P_IP);
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	skb_reset_mac_header(skb);
	memset(IPCB(skb), 0, sizeof(struct inet_skb_parm));
	dev_sw_netstats_rx_add(dev, skb->len);
	/*
	 * Received on the instance device here and now, on this CPU: no
	 * second pass through a backlog queue (netif_rx), which cost a
	 * sixth of the upstream path and, with RPS, dropped packets that
	 * no counter of ours saw. The B4's packets were already spread
	 * across CPUs by the outer header (RSS/RPS hash the B4's address).
	 * Taps, nftables and routing run as for any received packet; what
	 * the IPv4 stack drops from here it counts itself.
	 */
	netif_receive_skb_core(skb);
	rcu_read_unlock();
	return 0;

out_drop:
	DSLITE_STAT_INC(inst, drop);
out_free:
	dev_core_stats_rx_dropped_inc(dev);
	kfree_skb(skb);
	rcu_read_unlock();
	return 0;
}

/*
 * An ICMPv6 error quoting a softwire packet of ours (@skb->data is the
 * quoted IPv6 header, from one of our AFTR addresses): a router toward the
 * B4 with a smaller MTU (Packet Too Big) lowers the path MTU to that B4, so
 * the next outer packets are fragmented to fit (RFC 6333 5.3, RFC 8201).
 * Other errors are about the B4's IPv4 hosts' packets, which a NAT cannot
 * quote back (and a router ignores redirects): taken, and ignored.
 */
static int dslite_tunnel_err(struct sk_buff *skb, struct inet6_skb_parm *opt,
			     u8 type, u8 code, int offset, __be32 info)
{
	const struct ipv6hdr *ip6h = (const struct ipv6hdr *)skb->data;
	struct net *net = dev_net(skb->dev);
	struct dslite_instance *inst;
	struct dslite_sl *sl = NULL;

	rcu_read_lock();
	inst = dslite_instance_by_any_aftr(dslite_net(net), &ip6h->saddr, &sl);
	if (!inst) {
		rcu_read_unlock();
		return -ENOENT;	/* not ours: the next handler */
	}
	if (type == ICMPV6_PKT_TOOBIG) {
		/* the kernel keeps the smaller of this and what it has */
		ip6_update_pmtu(skb, net, info, 0, 0, sock_net_uid(net, NULL));
		DSLITE_STAT_INC(inst, DSLITE_STAT_PMTU_UPDATES);
	}
	rcu_read_unlock();
	return 0;
}

static struct xfrm6_tunnel dslite_tunnel_handler __read_mostly = {
	.handler = dslite_tunnel_rcv,
	.err_handler = dslite_tunnel_err,
	/* handlers run in ascending order: ahead of ip6_tunnel's (1) */
	.priority = 0,
};

int dslite_softwire_init(void)
{
	return xfrm6_tunnel_register(&dslite_tunnel_handler, AF_INET);
}

void dslite_softwire_exit(void)
{
	xfrm6_tunnel_deregister(&dslite_tunnel_handler, AF_INET);
	synchronize_net();
}

/* RCU callback: the route cache entry's last reader is gone */
static void dslite_route_free_rcu(struct rcu_head *head)
{
	struct dslite_route *r = container_of(head, struct dslite_route, rcu);

	dst_release(r->dst);
	kfree(r);
}

/* The user @u is being freed (after a grace period): drop its route. */
void dslite_route_free(struct dslite_user *u)
{
	struct dslite_route *r = rcu_dereference_protected(u->route, true);

	if (r) {
		dst_release(r->dst);
		kfree(r);
	}
}

/*
 * Remember @dst (referenced by the caller) as @u's route for @mark and
 * @aftr. Another CPU may be doing the same for the same user: the last
 * one wins and the other entry goes after a grace period.
 */
static void dslite_route_store(struct dslite_user *u, struct dst_entry *dst,
			       u32 mark, const struct in6_addr *aftr)
{
	struct dslite_route *r, *old;

	r = kmalloc(sizeof(*r), GFP_ATOMIC);
	if (!r)
		return;		/* uncached: the next packet looks it up */
	dst_hold(dst);
	r->dst = dst;
	r->cookie = rt6_get_cookie(dst_rt6_info(dst));
	r->mark = mark;
	r->aftr = *aftr;
	old = unrcu_pointer(xchg(&u->route, RCU_INITIALIZER(r)));
	if (old)
		call_rcu(&old->rcu, dslite_route_free_rcu);
}

/*
 * The route from @ends->aftr to @ends->b4 for packets marked @mark. A
 * user's route is looked up once and used while the FIB has not changed
 * since (as ip_tunnel's dst_cache does for a tunnel's one remote): a
 * full ip6_route_output per packet was the largest cost of the downstream
 * path. Returns a dst that the caller owns a reference on (*@noref false)
 * or one the cache does, valid in this RCU read section (*@noref true),
 * or an ERR_PTR. RCU held.
 */
static struct dst_entry *dslite_route_b4(struct net *net,
					 const struct dslite_ends *ends,
					 u32 mark, bool *noref)
{
	struct dslite_user *u = ends->user;
	struct flowi6 fl6 = {
		.flowi6_proto = IPPROTO_IPIP,
		.flowi6_mark = mark,
		.daddr = ends->b4,
		.saddr = ends->aftr,
	};
	struct dst_entry *dst;
	int err;

	*noref = false;
	if (u) {
		struct dslite_route *r = rcu_dereference(u->route);

		if (r && r->mark == mark &&
		    ipv6_addr_equal(&r->aftr, &ends->aftr) &&
		    dst_check(r->dst, r->cookie)) {
			*noref = true;
			return r->dst;
		}
	}
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		err = dst->error;
		dst_release(dst);
		return ERR_PTR(err);
	}
	if (u)
		dslite_route_store(u, dst, mark, &ends->aftr);
	return dst;
}

/*
 * Send @skb (an IPv4 packet at its network header) through the softwire
 * @ends, from its AFTR address to its B4. Consumes the skb; returns 0 or
 * a drop reason (counted).
 */
int dslite_encap_xmit(struct dslite_instance *inst, struct sk_buff *skb,
		      const struct dslite_ends *ends)
{
	struct net *net = inst->dn->net;
	struct net_device *dev = inst->dev;
	struct dst_entry *dst;
	struct ipv6hdr *ip6h;
	u8 tos = ip_hdr(skb)->tos;
	unsigned int hroom;
	bool noref;
	int err;

	rcu_read_lock();
	dst = dslite_route_b4(net, ends, skb->mark, &noref);
	if (IS_ERR(dst))
		goto drop;
	hroom = LL_RESERVED_SPACE(dst->dev) + sizeof(*ip6h);
	/*
	 * What the stack reserves for packets routed to the instance
	 * device: learnt from the routes toward the B4s (as ip6_tunnel
	 * does), so ip_forward does not reallocate every packet's head for
	 * the worst link layer there is (LL_MAX_HEADER).
	 */
	if (dev && unlikely(hroom > READ_ONCE(dev->needed_headroom)))
		WRITE_ONCE(dev->needed_headroom, hroom);
	if (skb_cow_head(skb, hroom)) {
		if (!noref)
			dst_release(dst);
		goto drop;
	}
	skb_scrub_packet(skb, false);
	if (noref)
		skb_dst_set_noref(skb, dst);
	else
		skb_dst_set(skb, dst);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	/* RFC 6908 2.10: DSCP (and ECN, RFC 6040) copied to the outer header */
	ip6_flow_hdr(ip6h, tos, 0);
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	ip6h->nexthdr = IPPROTO_IPIP;
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = ends->aftr;
	ip6h->daddr = ends->b4;
	skb->protocol = htons(ETH_P_IPV6);
	/* over the path MTU the outer packet is fragmented, not the inner */
	skb->ignore_df = 1;

	err = ip6_local_out(net, NULL, skb);
	rcu_read_unlock();
	if (unlikely(net_xmit_eval(err)))
		DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_ENCAP);
	return 0;

drop:
	rcu_read_unlock();
	DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_ENCAP);
	kfree_skb(skb);
	return DSLITE_STAT_DROP_ENCAP;
}

/*
 * Answer the inner packet @skb (not translated, at its network header)
 * with an ICMPv4 error from 192.0.0.1, back through the softwire @ends. Never
 * about an ICMP error or a non-first fragment (RFC 1812 4.3.2.7).
 */
void dslite_icmp_unreach(struct dslite_instance *inst, struct sk_buff *skb,
			 const struct dslite_ends *ends, u8 type, u8 code)
{
	const struct iphdr *oiph = ip_hdr(skb);
	unsigned int qlen, hroom;
	struct sk_buff *nskb;
	struct icmphdr *ih;
	struct iphdr *iph;

	if (ntohs(oiph->frag_off) & IP_OFFSET)
		return;
	if (oiph->protocol == IPPROTO_ICMP) {
		const struct icmphdr *oih;
		struct icmphdr _oih;

		/*
		 * The caller may not have looked at the ICMP header (the TTL
		 * check runs before the transport is parsed): an ICMP packet
		 * too short for one is malformed, and never answered.
		 */
		oih = skb_header_pointer(skb, skb_network_offset(skb) +
					 oiph->ihl * 4, sizeof(_oih), &_oih);
		if (!oih || (oih->type != ICMP_ECHO &&
			     oih->type != ICMP_ECHOREPLY))
			return;
	}
	/* RFC 1812: as much of the original as fits in 576 bytes */
	qlen = min_t(unsigned int, skb->len - skb_network_offset(skb),
		     576 - sizeof(*iph) - sizeof(*ih));
	hroom = LL_MAX_HEADER + sizeof(struct ipv6hdr);
	nskb = alloc_skb(hroom + sizeof(*iph) + sizeof(*ih) + qlen, GFP_ATOMIC);
	if (!nskb)
		return;
	skb_reserve(nskb, hroom);
	skb_reset_network_header(nskb);
	iph = skb_put(nskb, sizeof(*iph));
	ih = skb_put(nskb, sizeof(*ih));
	if (skb_copy_bits(skb, skb_network_offset(skb), skb_put(nskb, qlen),
			  qlen)) {
		kfree_skb(nskb);
		return;
	}
	ih->type = type;
	ih->code = code;
	ih->un.gateway = 0;
	ih->checksum = 0;
	ih->checksum = ip_compute_csum(ih, sizeof(*ih) + qlen);

	iph->version = 4;
	iph->ihl = 5;
	iph->tos = IPTOS_PREC_INTERNETCONTROL;
	iph->tot_len = htons(nskb->len);
	iph->id = 0;
	iph->frag_off = 0;
	iph->ttl = 64;
	iph->protocol = IPPROTO_ICMP;
	iph->saddr = DSLITE_AFTR_V4;
	iph->daddr = oiph->saddr;
	ip_send_check(iph);
	nskb->protocol = htons(ETH_P_IP);
	nskb->mark = skb->mark;

	if (!dslite_encap_xmit(inst, nskb, ends))
		DSLITE_STAT_INC(inst, DSLITE_STAT_ICMP_ERRORS_SENT);
}
