#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the edge-behaviour tests (icmp.sh, frag.sh, mss_dscp.sh,
# logging.sh, malformed.sh), sourced after lib.sh. Sources topo.sh (the
# translation topology) and adds to it:
#
#   aftr --u1-- rtr --veth1-- far          198.18.0.0/24 and 198.18.1.0/24
#   198.18.0.1  198.18.0.2    198.18.1.2   (aftr routes 198.18.1.0/24 via rtr)
#                198.18.1.1
#
# an IPv4 router behind the AFTR (for TTL exceeded / traceroute / frag
# needed from a router that is not the destination) and a far host.
#
#   edge_begin [INSTANCE OPTS]  a test's start: topo_prologue, edge_setup
#   edge_setup [INSTANCE OPTS]  topo_setup + the router and far host, ICMP
#                               rate limits off, veth checksum offload off
#                               (so every checksum on the wire is final and
#                               can be verified by the captures)
#   ed NS ARGS          the edge tool ($EDGE_TOOL, below) inside NS
#   ed_bg NS OUT ARGS   the same in the background (pid in NT_PID)
#   edsend FILE         send crafted packets listed in FILE (see cmd_send)
#   cap_start N NS:IF:F...  capture interface IF of NS to $TOPO_TMP/F.pcap
#                       (Linux cooked, so direction is kept), several at
#                       once in one process N, until cap_stop N
#   cap_stop N...       stop captures (and let late packets land)
#   snap N              all dsl0 counters to $TOPO_TMP/N.stats.json
#   csum_off NS:IF...   transmit checksum offload off
#   SCAPY_PY            python prelude for py_checks: scapy layers, pcap
#                       reader (pkts(NAME) -> [(dir, scapy packet)]),
#                       checksum verifiers, snapshot deltas
source "$(dirname "${BASH_SOURCE[0]}")/topo.sh"

EDGE_RTR_IN=198.18.0.2
EDGE_RTR_OUT=198.18.1.1
EDGE_FAR=198.18.1.2
EDGE_AFTR_U1=198.18.0.1
RTR=${NS_PREFIX}_rtr
FAR=${NS_PREFIX}_far
EDGE_TOOL=$LIB_DIR/lib/edgetool.py
declare -A CAP_PIDS=()

ed() { local ns=$1; shift; ip netns exec "$ns" python3 "$EDGE_TOOL" "$@"; }
ed_bg() {
	local ns=$1 out=$2
	shift 2
	ns_bg "$ns" "$out" python3 "$EDGE_TOOL" "$@"
}
edsend() { python3 "$EDGE_TOOL" send "$@"; }

# cap_start NAME NS:IFACE:FILE...: one capture process for several
# interfaces (FILE: $TOPO_TMP/FILE.pcap), stopped by cap_stop NAME
cap_start() {
	local name=$1 spec specs=()
	shift
	for spec in "$@"; do
		specs+=("${spec%:*}:$TOPO_TMP/${spec##*:}.pcap")
	done
	rm -f "$TOPO_TMP/$name.rdy"
	ns_bg "$AFTR" "$TOPO_TMP/$name.caperr" python3 "$EDGE_TOOL" cap "${specs[@]}" \
		--ready "$TOPO_TMP/$name.rdy"
	CAP_PIDS[$name]=$NT_PID
	wait_for 20 test -e "$TOPO_TMP/$name.rdy" ||
		fail "capture $name started" "$(cat "$TOPO_TMP/$name.caperr")"
}

cap_stop() {
	local n
	sleep 0.3
	for n in "$@"; do
		[[ -n ${CAP_PIDS[$n]:-} ]] && nt_stop "${CAP_PIDS[$n]}"
		unset "CAP_PIDS[$n]"
	done
}

snap() { D -j stats show instance "$TOPO_INST" >"$TOPO_TMP/$1.stats.json"; }

# csum_off NS:IFACE...: transmit checksum offload off (and with it SG/TSO)
csum_off() { python3 "$EDGE_TOOL" csum-off "$@"; }

edge_begin() {
	topo_prologue
	edge_setup "$@"
}

edge_setup() {
	topo_setup "$@"
	ns_add rtr >/dev/null || topo_die "cannot create netns rtr"
	ns_add far >/dev/null || topo_die "cannot create netns far"
	ip link add u1 netns "$AFTR" type veth peer name veth0 netns "$RTR" ||
		topo_die "aftr-rtr veth"
	ip link add veth1 netns "$RTR" type veth peer name veth0 netns "$FAR" ||
		topo_die "rtr-far veth"
	ip -n "$AFTR" addr add "$EDGE_AFTR_U1/24" dev u1
	ip -n "$AFTR" link set u1 up
	ip -n "$AFTR" route add 198.18.1.0/24 via "$EDGE_RTR_IN" ||
		topo_die "aftr route to the far net"
	ip -n "$RTR" addr add "$EDGE_RTR_IN/24" dev veth0
	ip -n "$RTR" addr add "$EDGE_RTR_OUT/24" dev veth1
	ip -n "$RTR" link set veth0 up
	ip -n "$RTR" link set veth1 up
	ip -n "$RTR" route add default via "$EDGE_AFTR_U1"
	ip -n "$FAR" addr add "$EDGE_FAR/24" dev veth0
	ip -n "$FAR" link set veth0 up
	ip -n "$FAR" route add default via "$EDGE_RTR_OUT"
	local ns
	for ns in "$AFTR" "$RTR" "$FAR" "$SRV" "$B4A" "$B4B"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.icmp_ratelimit=0 \
			net.ipv6.icmp.ratelimit=0 || topo_die "icmp ratelimit off in $ns"
	done
	ip netns exec "$RTR" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 ||
		topo_die "rtr forwarding"
	csum_off "$B4A:veth0" "$B4B:veth0" "$AFTR:a0" "$AFTR:a1" "$AFTR:u0" \
		"$AFTR:u1" "$SRV:veth0" "$RTR:veth0" "$RTR:veth1" "$FAR:veth0" ||
		topo_die "checksum offload off on the veths"
	# the links are up before anything is measured
	wait_for 10 ip netns exec "$B4A" ping -6 -c1 -W1 "$TOPO_AFTR6" ||
		topo_die "b4a reaches the AFTR address"
	wait_for 10 ip netns exec "$B4B" ping -6 -c1 -W1 "$TOPO_AFTR6" ||
		topo_die "b4b reaches the AFTR address"
	wait_for 10 ip netns exec "$AFTR" ping -c1 -W1 "$EDGE_FAR" ||
		topo_die "aftr reaches the far host"
	return 0
}

# The prelude of the scapy checks (py_checks code): selftests/lib/scapy_prelude.py.
# One line, so the checks' line numbers stay those of the test file.
# shellcheck disable=SC2034
SCAPY_PY='from scapy_prelude import *  # noqa'

