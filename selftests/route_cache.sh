#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The route toward a B4 is looked up once and cached in its user
# (softwire.c); it must follow the IPv6 FIB and the packet's mark like a
# lookup per packet would:
# - a more specific route to b4a through a second link (a2) takes b4a's
#   downstream packets from the next packet on;
# - deleting that link puts them back on the first (a0), and the link goes
#   at once although a cached route used it (no reference pins it);
# - a route chosen by fwmark (ip -6 rule) is used for marked packets only,
#   and unmarked ones go back to the main table when the marking stops,
#   with no FIB change in between.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
dmesg_mark

srv_start nt udpd udp-echo "$TOPO_SRV:7000"
srv_ready

# Softwire packets (IPv6, next header 4) the aftr sends out of a0 and a2,
# counted by nftables: the links' own tx counters also see the chatter of
# a link just created (DAD, MLD reports), which made a count flaky
ip netns exec "$AFTR" nft -f - <<'EOF' || topo_die "nft counters"
table ip6 dslite_rc_count {
	chain post {
		type filter hook postrouting priority 0; policy accept;
		oifname "a0" meta l4proto 4 counter
		oifname "a2" meta l4proto 4 counter
	}
}
EOF
# txp DEV: softwire packets sent out of the aftr's DEV (a0 or a2); the
# rules' own counters (named counters need nft_objref, which the debug
# kernel does not build)
txp() {
	ip netns exec "$AFTR" nft list chain ip6 dslite_rc_count post |
		sed -n "s/.*oifname \"$1\" .*counter packets \([0-9]*\).*/\1/p"
}

# second_link: veth a2 (aftr, 2001:db8:aa::1) -- veth1 (b4a, 2001:db8:aa::a)
second_link() {
	ip link add veth1 netns "$B4A" type veth peer name a2 netns "$AFTR" &&
		ip -n "$B4A" link set veth1 up &&
		ip -n "$B4A" -6 addr add 2001:db8:aa::a/64 dev veth1 nodad &&
		ip -n "$AFTR" link set a2 up &&
		ip -n "$AFTR" -6 addr add 2001:db8:aa::1/64 dev a2 nodad
}

# echo_n N TAG: N UDP round trips from b4a; prints how many were answered
echo_n() {
	nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --data "$2" \
		--count "$1" --interval 0.05 | sed -n 's/.*"replies": *\([0-9]*\).*/\1/p'
}

# via N TAG DEV OTHER: N round trips, all answered, the downstream ones
# leaving through DEV and none through OTHER
via() {
	local n=$1 tag=$2 dev=$3 other=$4 d0 o0 got
	d0=$(txp "$dev")
	o0=$(txp "$other")
	got=$(echo_n "$n" "$tag")
	assert_eq "$tag: $n of $n answered" "$got" "$n"
	ok_if "$tag: the answers left through $dev" \
		"$(($(txp "$dev") - d0)) -ge $n" "$dev sent $(($(txp "$dev") - d0))"
	ok_if "$tag: none through $other" \
		"$(($(txp "$other") - o0)) -eq 0" "$other sent $(($(txp "$other") - o0))"
}

section "the route is looked up and cached"
second_link || topo_die "second link"
via 10 "first route (a0)" a0 a2

section "a more specific route: the next packets take it"
ip -n "$AFTR" -6 route add "$TOPO_B4A6/128" via 2001:db8:aa::a dev a2 ||
	topo_die "route via a2"
via 10 "/128 via a2" a2 a0

section "its link deleted: back on the first, and the link goes at once"
t0=$(date +%s%N)
timeout 30 ip -n "$AFTR" link del a2
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq "ip link del a2 returns" "$rc" 0
ok_if "ip link del a2 took under 5 s (no reference left on it)" "$ms -lt 5000" "${ms} ms"
via 10 "after the link went (a0)" a0 a2

section "a route by fwmark: marked packets only"
second_link || topo_die "second link again"
ip -n "$AFTR" -6 rule add fwmark 0x1 table 100 &&
	ip -n "$AFTR" -6 route add "$TOPO_B4A6/128" via 2001:db8:aa::a dev a2 table 100 ||
	topo_die "fwmark rule"
via 10 "unmarked, rule present (a0)" a0 a2
ip netns exec "$AFTR" nft -f - <<'EOF' || topo_die "nft mark rule"
table ip dslite_rc {
	chain pre {
		type filter hook prerouting priority -150; policy accept;
		iifname "u0" meta mark set 0x1
	}
}
EOF
via 10 "marked (a2, table 100)" a2 a0
ip netns exec "$AFTR" nft delete table ip dslite_rc || topo_die "nft delete"
via 10 "unmarked again, same FIB (a0)" a0 a2

section "counters and the kernel log"
assert_eq "no encapsulation drop" "$(ctr drop_encap)" 0
dmesg_clean "kernel log clean" "waiting for .* to become free"
ksft_finish
