#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two-router topology of the keepalived tests (ha_roles.sh,
# ha_failover.sh), sourced after lib.sh and topo.sh:
#
#   access bridge bacc: b4a veth0 2001:db8:1::a, b4b veth0 2001:db8:1::b
#                       (route 2001:db8::/64, the AFTR addresses, on veth0),
#                       aftr1 acc 2001:db8:1::11, aftr2 acc 2001:db8:1::12
#   uplink bridge bupl: aftr1 upl 203.0.113.11/24, aftr2 upl 203.0.113.12/24,
#                       srv veth0 $1/24
#   sync link:          aftr1 sync 192.0.2.1/30 -- aftr2 sync 192.0.2.2/30
#
# Both AFTRs forward IPv4 without rp_filter or redirects; no namespace
# runs DAD (keepalived's VIPs must be usable at once). The B4s' softwires,
# dslite and keepalived are each test's own.
#
#   ha_begin     a test's start: root, the module and keepalived (or skip),
#                topo.sh's traffic tool
#   ha_topo SRV4 build the topology

BR=${NS_PREFIX}_br
A1=${NS_PREFIX}_aftr1
A2=${NS_PREFIX}_aftr2
# B4A, B4B, SRV: topo.sh's names

ha_begin() {
	require_root
	require_module
	if ! command -v keepalived >/dev/null; then
		skip "$(basename "$0")" "keepalived not installed"
		ksft_finish
	fi
	[[ -r $TOPO_TOOL ]] || { fail "topo.sh provides the traffic tool ($TOPO_TOOL)"; ksft_finish; }
}

# ha_port NS IF BRIDGE PEER: a veth from NS (named IF) into the bridge
ha_port() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$BR" &&
		ip -n "$BR" link set "$4" master "$3" up && ip -n "$1" link set "$2" up
}

# ha_topo SRV4: build it; returns non-zero (and says what) on a failure
ha_topo() {
	local n ns b
	for n in br b4a b4b aftr1 aftr2 srv; do
		ns_add "$n" >/dev/null || { echo "# create netns $n"; return 1; }
	done
	for ns in "$BR" "$B4A" "$B4B" "$A1" "$A2" "$SRV"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 || { echo "# sysctl in $ns"; return 1; }
	done
	for b in bacc bupl; do
		ip -n "$BR" link add "$b" type bridge mcast_snooping 0 &&
			ip -n "$BR" link set "$b" up || { echo "# bridge $b"; return 1; }
	done
	for b in a b; do
		ns=$B4A
		[[ $b == b ]] && ns=$B4B
		ha_port "$ns" veth0 bacc "b4$b" &&
			ip -n "$ns" -6 addr add "2001:db8:1::$b/64" dev veth0 nodad &&
			ip -n "$ns" -6 route add 2001:db8::/64 dev veth0 || { echo "# b4$b"; return 1; }
	done
	ha_port "$SRV" veth0 bupl srv && ip -n "$SRV" addr add "$1/24" dev veth0 ||
		{ echo "# srv"; return 1; }
	ip link add sync netns "$A1" type veth peer name sync netns "$A2" ||
		{ echo "# sync link"; return 1; }
	for n in 1 2; do
		ns=${NS_PREFIX}_aftr$n
		ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.all.send_redirects=0 \
			net.ipv4.conf.default.send_redirects=0 &&
			ha_port "$ns" acc bacc "a$n-acc" && ha_port "$ns" upl bupl "a$n-upl" &&
			ip -n "$ns" link set sync up &&
			ip -n "$ns" -6 addr add "2001:db8:1::1$n/64" dev acc nodad &&
			ip -n "$ns" addr add "203.0.113.1$n/24" dev upl &&
			ip -n "$ns" addr add "192.0.2.$n/30" dev sync || { echo "# aftr$n"; return 1; }
	done
}
