#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Downstream packets routed to the instance device skip its transmit path
# when nothing is attached to it (kmod/dev.c, the direct path: the
# neighbour's output calls the translation at once). Whatever an operator
# attaches must still see them, exactly as through dev_queue_xmit:
# - nothing attached: answered, and dsl0's tx counters count them;
# - a packet socket on dsl0, and one on every device (tcpdump -i any),
#   sees each downstream packet leave through dsl0;
# - a root qdisc on dsl0 carries them (its own counters);
# - a tc egress drop filter (clsact) drops them, and only while it is there;
# - a netfilter egress chain on dsl0 counts and drops them likewise;
# and after each is removed, traffic flows again.
# A direct path that ignored any of these fails its section.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
dmesg_mark

srv_start nt udpd udp-echo "$TOPO_SRV:7000"
srv_ready

# echo_n N TAG [ARGS]: N UDP round trips from b4a; prints how many were
# answered (ARGS: udp-send's, e.g. a short wait where none may come back)
echo_n() {
	nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --data "$2" \
		--count "$1" --interval 0.02 "${@:3}" | sed -n 's/.*"replies": *\([0-9]*\).*/\1/p'
}
# none_n N TAG: the same where every packet is to be dropped
none_n() { echo_n "$1" "$2" --tries 1 --timeout 0.5; }

# txp: dsl0's tx packets (the device's own counters)
txp() {
	ip -n "$AFTR" -s -j link show dev "$TOPO_INST" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'
}

# sniff IFINDEX OUT: count IPv4 packets from the server's echo port
# leaving through device IFINDEX, seen by a packet socket bound to it (or,
# with ANY=1, to every device); prints the count in OUT every packet
SNIFF_PY='
import os, socket, struct, sys
ifx, out, anydev = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
if not anydev:
    s.bind(("'"$TOPO_INST"'", 0))
n = 0
open(out + ".rdy", "w").close()
while True:
    pkt, addr = s.recvfrom(65535)
    # addr: (ifname, proto, pkttype, hatype, addr); 4 = PACKET_OUTGOING
    if socket.if_nametoindex(addr[0]) != ifx or addr[2] != 4 or addr[1] != 0x0800:
        continue
    ihl = (pkt[0] & 15) * 4
    if pkt[9] == 17 and pkt[12:16] == socket.inet_aton("'"$TOPO_SRV"'") and \
            struct.unpack("!H", pkt[ihl:ihl + 2])[0] == 7000:
        n += 1
        with open(out + ".tmp", "w") as f:
            f.write("%d\n" % n)
        os.rename(out + ".tmp", out)
'
ifx=$(ip -n "$AFTR" -j link show dev "$TOPO_INST" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["ifindex"])')

# tapped ANY TAG: a packet socket (ANY=1: on every device) sees 10 of 10
tapped() {
	local any=$1 tag=$2 out="$T/sniff$1" pid got
	rm -f "$out" "$out.rdy"
	ns_bg "$AFTR" "$out.err" python3 -c "$SNIFF_PY" "$ifx" "$out" "$any"
	pid=$NT_PID
	wait_for 10 test -e "$out.rdy" || fail "$tag: sniffer started" "$(cat "$out.err")"
	assert_eq "$tag: 10 of 10 answered" "$(echo_n 10 "$tag")" 10
	wait_for 5 test -s "$out" && [ "$(cat "$out")" -ge 10 ]
	got=$(cat "$out" 2>/dev/null)
	ok_if "$tag: the tap saw all 10 leave through $TOPO_INST" "${got:-0} -ge 10" \
		"seen ${got:-0}"
	nt_stop "$pid"
}

section "nothing attached: answered, counted on the device"
t0=$(txp)
assert_eq "10 of 10 answered" "$(echo_n 10 plain)" 10
ok_if "$TOPO_INST tx_packets counted them" "$(($(txp) - t0)) -ge 10" \
	"tx_packets grew by $(($(txp) - t0))"

section "a packet socket on $TOPO_INST, and one on every device"
tapped 0 "tap on $TOPO_INST"
tapped 1 "tap on every device (-i any)"
assert_eq "taps gone: 10 of 10 answered" "$(echo_n 10 untapped)" 10

section "a root qdisc on $TOPO_INST"
ip netns exec "$AFTR" tc qdisc add dev "$TOPO_INST" root handle 1: pfifo limit 1000 ||
	topo_die "tc qdisc add"
assert_eq "qdisc: 10 of 10 answered" "$(echo_n 10 qdisc)" 10
qp=$(ip netns exec "$AFTR" tc -s -j qdisc show dev "$TOPO_INST" |
	python3 -c 'import json,sys; print(sum(q.get("packets", 0) for q in json.load(sys.stdin) if q.get("kind") == "pfifo"))')
ok_if "the qdisc sent them (packets >= 10)" "${qp:-0} -ge 10" "qdisc packets ${qp:-none}"
ip netns exec "$AFTR" tc qdisc del dev "$TOPO_INST" root || topo_die "tc qdisc del"
assert_eq "qdisc gone: 10 of 10 answered" "$(echo_n 10 noqdisc)" 10

section "tc egress: a drop filter on $TOPO_INST"
ip netns exec "$AFTR" tc qdisc add dev "$TOPO_INST" clsact &&
	ip netns exec "$AFTR" tc filter add dev "$TOPO_INST" egress matchall action drop ||
	topo_die "tc clsact egress filter"
d0=$(ctr in_packets)
assert_eq "egress drop: 0 of 5 answered" "$(none_n 5 tcdrop)" 0
assert_eq "egress drop: none translated (in_packets)" "$(($(ctr in_packets) - d0))" 0
ip netns exec "$AFTR" tc qdisc del dev "$TOPO_INST" clsact || topo_die "tc clsact del"
assert_eq "filter gone: 10 of 10 answered" "$(echo_n 10 notc)" 10

section "netfilter egress: a counting drop chain on $TOPO_INST"
if ip netns exec "$AFTR" nft -f - <<EOF 2>"$T/nft.err"
table netdev dslite_eg {
	chain e {
		type filter hook egress device "$TOPO_INST" priority 0; policy accept;
		ip saddr $TOPO_SRV counter drop
	}
}
EOF
then
	assert_eq "nft egress: 0 of 5 answered" "$(none_n 5 nftdrop)" 0
	n=$(ip netns exec "$AFTR" nft list chain netdev dslite_eg e |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	ok_if "nft egress counted the 5" "${n:-0} -ge 5" "counter ${n:-none}"
	ip netns exec "$AFTR" nft delete table netdev dslite_eg || topo_die "nft delete"
	assert_eq "chain gone: 10 of 10 answered" "$(echo_n 10 nonft)" 10
else
	skip "nft egress hook" "$(head -1 "$T/nft.err")"
fi

section "counters and the kernel log"
assert_eq "no encapsulation drop" "$(ctr drop_encap)" 0
dmesg_clean "kernel log clean"
ksft_finish
