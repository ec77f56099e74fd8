// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: count the softwire packets the kernel would drop before us.
 *
 * The tunnel6 layer hands an IPv4-in-IPv6 packet to its handlers only if
 * it holds a whole IPv4 header; shorter ones it frees without a trace. An
 * operator chasing a broken B4 wants those counted too, so while a
 * namespace has instances an IPv6 LOCAL_IN hook looks at packets whose
 * next header is IPv4, after any extension headers: one addressed to an
 * instance's AFTR address with fewer than 20 bytes after its headers is
 * dropped here and counted as a bad header, or as a fragment when it is
 * the first fragment of a datagram (whose reassembled IPv4 header could
 * only be short or come in pieces). Everything else goes on untouched.
 *
 * Locking: the hook is registered and unregistered under dn->lock (when
 * the first instance comes and the last goes); the hook itself runs under
 * RCU like the rest of the packet path.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ipv6.h>

#include "dslite.h"

static unsigned int dslite_guard_hook(void *priv, struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct dslite_instance *inst;
	u8 nexthdr = ip6h->nexthdr;
	struct dslite_sl *sl;
	__be16 frag_off;
	int off;

	if (likely(nexthdr == IPPROTO_IPIP ?
		   ntohs(ip6h->payload_len) >= sizeof(struct iphdr) :
		   !ipv6_ext_hdr(nexthdr)))
		return NF_ACCEPT;
	inst = dslite_instance_by_any_aftr(dslite_net(state->net),
					   &ip6h->daddr, &sl);
	if (!inst)
		return NF_ACCEPT;
	/*
	 * Extension headers before the IPv4 header: where does it start?
	 * A chain that does not parse is the stack's to count, and so is a
	 * fragment after the first (it says nothing of the header).
	 */
	off = ipv6_skip_exthdr(skb, sizeof(*ip6h), &nexthdr, &frag_off);
	if (off < 0 || nexthdr != IPPROTO_IPIP ||
	    skb->len - off >= sizeof(struct iphdr))
		return NF_ACCEPT;
	/*
	 * A first fragment without the whole IPv4 header (RFC 7112: the
	 * first fragment holds the header chain) would be reassembled into
	 * what tunnel6 drops silently, or smuggle the header in pieces.
	 */
	if (frag_off & htons(IP6_MF))
		DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_FRAGMENT);
	else
		DSLITE_STAT_INC(inst, DSLITE_STAT_DROP_BAD_HEADER);
	return NF_DROP;
}

static const struct nf_hook_ops dslite_guard_ops = {
	.hook = dslite_guard_hook,
	.pf = NFPROTO_IPV6,
	.hooknum = NF_INET_LOCAL_IN,
	.priority = NF_IP6_PRI_FILTER + 10,
};

/* The namespace's first instance arrives: start looking. */
int dslite_guard_start(struct dslite_net *dn)
{
	lockdep_assert_held(&dn->lock);
	return nf_register_net_hook(dn->net, &dslite_guard_ops);
}

/* Its last instance is gone. */
void dslite_guard_stop(struct dslite_net *dn)
{
	lockdep_assert_held(&dn->lock);
	nf_unregister_net_hook(dn->net, &dslite_guard_ops);
}
