// SPDX-License-Identifier: GPL-2.0
/*
 * dslite: the instance's network device.
 *
 * Decapsulated, translated IPv4 enters the stack on this device, so
 * routing, nftables and `ip -s link` see it as a real interface. The
 * public pools are routed to it (`ip route add POOL dev NAME`); what the
 * stack sends to it is translated back and encapsulated toward the B4.
 * The device has the instance's name and lives in its namespace; it
 * cannot be moved or deleted by hand (the instance owns it).
 */
#include <linux/netdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/neighbour.h>
#include <net/sch_generic.h>

#include "dslite.h"
#include "compat.h"

static netdev_tx_t dslite_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct dslite_dev_priv *priv = netdev_priv(dev);
	struct dslite_instance *inst = READ_ONCE(priv->inst);
	struct dslite_ends ends;
	unsigned int len = skb->len;

	if (unlikely(!inst || skb->protocol != htons(ETH_P_IP))) {
		dev_core_stats_tx_dropped_inc(dev);
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	/* fragments from the Internet: whole datagrams are translated */
	if (pskb_may_pull(skb, sizeof(struct iphdr)) &&
	    ip_is_fragment(ip_hdr(skb))) {
		skb_reset_network_header(skb);
		if (dslite_defrag_in(inst, skb))
			return NETDEV_TX_OK;	/* queued, or counted */
	}
	if (dslite_nat_in(inst, skb, &ends)) {
		/* counted by reason in nat_in; the skb was freed there */
		dev_core_stats_tx_dropped_inc(dev);
		return NETDEV_TX_OK;
	}
	if (dslite_encap_xmit(inst, skb, &ends)) {
		dev_core_stats_tx_dropped_inc(dev);
		return NETDEV_TX_OK;
	}
	dev_sw_netstats_tx_add(dev, 1, len);
	return NETDEV_TX_OK;
}

/*
 * The direct path (issue 11): what IPv4 routes to the device reaches its
 * one neighbour (a point-to-point device has one for every destination),
 * whose output would be dev_queue_xmit: a second device's transmit path
 * (queue selection, feature checks, the qdisc test) before ours. The
 * neighbour's output hands the packet to dslite_dev_xmit at once instead,
 * unless something wants to see it on the way: a qdisc, a tap (tcpdump,
 * also `-i any`), tc or netfilter egress hooks; or it is not a plain IPv4
 * packet (GSO is segmented by dev_queue_xmit), or the device is down. So
 * whatever an operator attaches to the device keeps working, and a
 * device with nothing attached costs one transmit path less.
 */
static bool dslite_dev_direct_ok(struct net_device *dev, struct sk_buff *skb)
{
	if (unlikely(skb->protocol != htons(ETH_P_IP) || skb_is_gso(skb) ||
		     !(dev->flags & IFF_UP) || dslite_dev_egress_hooked(dev) ||
		     dev_nit_active(dev)))
		return false;
	/* noqueue: the qdisc of a device without one has no enqueue */
	return !rcu_dereference_bh(netdev_get_tx_queue(dev, 0)->qdisc)->enqueue;
}

static int dslite_neigh_output(struct neighbour *n, struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;

	local_bh_disable();
	if (!dslite_dev_direct_ok(dev, skb) || dev_xmit_recursion()) {
		local_bh_enable();
		return dev_queue_xmit(skb);
	}
	dev_xmit_recursion_inc();
	dslite_dev_xmit(skb, dev);
	dev_xmit_recursion_dec();
	local_bh_enable();
	return NET_XMIT_SUCCESS;
}

/* a new neighbour on the device (one per table): IPv4's goes direct */
static int dslite_neigh_setup(struct neighbour *n)
{
	if (n->tbl->family == AF_INET)
		WRITE_ONCE(n->output, dslite_neigh_output);
	return 0;
}

static int dslite_dev_neigh_setup(struct net_device *dev,
				  struct neigh_parms *p)
{
	p->neigh_setup = dslite_neigh_setup;
	return 0;
}

static int dslite_dev_init(struct net_device *dev)
{
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

static void dslite_dev_uninit(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

static const struct net_device_ops dslite_netdev_ops = {
	.ndo_init = dslite_dev_init,
	.ndo_uninit = dslite_dev_uninit,
	.ndo_start_xmit = dslite_dev_xmit,
	.ndo_neigh_setup = dslite_dev_neigh_setup,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void dslite_dev_setup(struct net_device *dev)
{
	dev->netdev_ops = &dslite_netdev_ops;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dslite_dev_set_local_lltx(dev);
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	/*
	 * 1500: an inner packet is never fragmented for the tunnel; the
	 * outer IPv6 packet is, when it exceeds the path MTU to the B4
	 * (RFC 6333 5.3). `mtu N` lowers it, so the stack sends
	 * fragmentation-needed for DF packets instead.
	 */
	dev->mtu = ETH_DATA_LEN;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - sizeof(struct ipv6hdr);
	/*
	 * The outer IPv6 header and an Ethernet header; a route toward a
	 * B4 through a link that needs more raises it (dslite_encap_xmit).
	 * Not LL_MAX_HEADER: ip_forward would reallocate the head of every
	 * packet that arrived with a NIC's usual headroom.
	 */
	dev->needed_headroom = ETH_HLEN + sizeof(struct ipv6hdr);
	dev->needs_free_netdev = true;
}

int dslite_dev_create(struct dslite_instance *inst,
		      struct netlink_ext_ack *extack)
{
	struct dslite_dev_priv *priv;
	struct net_device *dev;
	int err;

	dev = alloc_netdev(sizeof(*priv), inst->name, NET_NAME_USER,
			   dslite_dev_setup);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "out of memory for the network device");
		return -ENOMEM;
	}
	dev_net_set(dev, inst->dn->net);
	priv = netdev_priv(dev);
	priv->inst = inst;

	err = register_netdev(dev);
	if (err) {
		if (err == -EEXIST)
			NL_SET_ERR_MSG(extack,
				       "a network device with the instance's name exists");
		else
			NL_SET_ERR_MSG(extack,
				       "cannot register the instance's network device");
		free_netdev(dev);
		return err;
	}
	inst->dev = dev;
	return 0;
}

void dslite_dev_destroy(struct dslite_instance *inst)
{
	struct dslite_dev_priv *priv;

	if (!inst->dev)
		return;
	priv = netdev_priv(inst->dev);
	WRITE_ONCE(priv->inst, NULL);
	unregister_netdev(inst->dev);	/* freed by needs_free_netdev */
	inst->dev = NULL;
}
