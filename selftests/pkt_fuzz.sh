#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeded packet fuzz (pkt_fuzz.py builds the packets) at a bounded rate
# while a real TCP flow runs through the AFTR:
#  - phase b4: ~1000 units (a packet, or a set of fragments) onto the
#    AFTR's access link from b4b, to a second instance's AFTR address:
#    malformed outer IPv6 (payload length past the end, extension headers
#    before the IPv4 header, good and bad ones, short payloads, tiny and
#    overlapping outer fragments, packet-too-big quoting a softwire), and
#    malformed inner IPv4/TCP/UDP/ICMP (checksums, lengths, IHL, version,
#    options, truncated headers, data offset, zero-length UDP, TTL 0/1,
#    ICMP errors quoting truncated packets, errors, other protocols, tiny,
#    offset-1, overlapping and incomplete fragments);
#  - phase inet: ~1000 units onto the AFTR's uplink (from rtr) to that
#    instance's pool: the same kinds of IPv4 (no source route option: Linux
#    drops those without counting them anywhere).
# The fuzzed instance (dsl1) is not the one of the TCP flow (dsl0), so its
# counters see the fuzz only (its remotes are blackholed, and so is its pool
# during phase b4: the AFTR's own ICMP errors about what it forwarded are
# not injected packets). Asserts:
#  - the flow (b4a -> srv, 64 KB chunks both ways, sha256-checked) ran all
#    along and lost nothing; dsl0 counted no drop;
#  - every unit is accounted for, exactly: sum over dsl1 of out_packets,
#    in_packets and drop_* (but drop_fragment) plus what the Linux stack
#    drops before the module sees a packet, from the namespace's MIB
#    counters (IPv6 phase: Ip6InHdrErrors, Ip6InTruncatedPkts,
#    Ip6InDiscards, Ip6InAddrErrors, Ip6InUnknownProtos, Ip6InNoRoutes; IPv4
#    phase: IpInHdrErrors, IpInAddrErrors, IpInUnknownProtos, IpInDiscards,
#    IpOutNoRoutes, IpFragFails, IpExtInNoRoutes, IpExtInTruncatedPkts)
#    equals the packets sent plus the whole fragment sets; each broken
#    fragment set moved drop_fragment or a reassembly failure counter
#    (IpReasmFails, Ip6ReasmFails), the whole ones were reassembled;
#  - every packet-too-big quoting a softwire counted a pmtu_update;
#  - the kernel log is clean, and rmmod works at the end.
# PKT_FUZZ_SEED=N replays a run (the seed is printed); PKT_FUZZ_UNITS and
# PKT_FUZZ_RATE (packets a second) size it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
require_root
require_module
trap topo_cleanup EXIT

SEED=${PKT_FUZZ_SEED:-$(( (RANDOM << 15) | RANDOM ))}
UNITS=${PKT_FUZZ_UNITS:-1000}
RATE=${PKT_FUZZ_RATE:-100}
FZ="python3 $LIB_DIR/py/pkt_fuzz.py"
echo "# seed $SEED (PKT_FUZZ_SEED=$SEED replays it), $UNITS units a phase at $RATE packets/s"

edge_setup
T=$TOPO_TMP
S=$TOPO_SRV
AFTR2=2001:db8::2
POOL2=198.51.100.64/28
HOLE=192.0.2.1
B4S=$TOPO_B4B6,2001:db8:b::100,2001:db8:b::101

# the fuzzed instance, its AFTR address and pool; remotes blackholed (no
# answer ever comes back into the counters)
ip -n "$AFTR" -6 addr add "$AFTR2/128" dev lo || fail "second AFTR address"
D instance add dsl1 id 2 aftr "$AFTR2" || fail "instance dsl1"
ip -n "$AFTR" link set dsl1 up
D pool add dsl1 "$POOL2" && ip -n "$AFTR" route add "$POOL2" dev dsl1 || fail "pool of dsl1"
ip -n "$AFTR" route add blackhole 192.0.2.0/24 || fail "blackhole route"
ip -n "$B4B" -6 addr add 2001:db8:b::100/64 dev veth0 nodad
ip -n "$B4B" -6 addr add 2001:db8:b::101/64 dev veth0 nodad
# incomplete datagrams expire in 2 s (instead of 30/60) in the AFTR
ip netns exec "$AFTR" sysctl -qw net.ipv4.ipfrag_time=2 net.ipv6.ip6frag_time=2 ||
	fail "fragment timeouts"
macof() { ip -n "$1" -j link show "$2" | json 'j[0]["address"]'; }
A1MAC=$(macof "$AFTR" a1) B4BMAC=$(macof "$B4B" veth0)
U1MAC=$(macof "$AFTR" u1) RTRMAC=$(macof "$RTR" veth0)

# the namespace's MIB counters (what the stack drops before the module)
mib() {
	ip netns exec "$AFTR" cat /proc/net/snmp /proc/net/netstat >"$T/$1.mib4"
	ip netns exec "$AFTR" cat /proc/net/snmp6 >"$T/$1.mib6"
	ip -n "$AFTR" -s -j link show >"$T/$1.links.json"
	snap "$1"
	D -j stats show instance dsl0 >"$T/$1.dsl0.json"
}
snap() { D -j stats show instance dsl1 >"$T/$1.stats.json"; }

section "the TCP flow: b4a -> srv through dsl0, 64 KB chunks both ways"
nt_bg "$SRV" "$T/tcpd.err" tcp-server "$S:5001" --ready "$T/tcp.rdy"
wait_for 20 test -e "$T/tcp.rdy" || { fail "tcp server started"; ksft_finish; }
ns_bg "$B4A" "$T/flow.json" $FZ stream --to "$S:5001" --until "$T/flow.stop"
FLOW=$NT_PID
dmesg_mark

section "phase b4: $UNITS units from b4b's link to $AFTR2"
$FZ gen b4 "$SEED" "$UNITS" "$T/b4" --opt b4s=$B4S --opt aftr=$AFTR2 \
	--opt dmac="$A1MAC" --opt smac="$B4BMAC" --opt hole=$HOLE ||
	fail "generate the b4 side"
# the AFTR's own ICMP errors about translated packets (a parameter problem
# for bad options, say) go to the pool: not injected, not counted here
ip -n "$AFTR" route replace blackhole "$POOL2"
mib a0
$FZ send "$B4B" veth0 "$T/b4.frames" --rate "$RATE" >"$T/b4.sent" || fail "send the b4 side"
sleep 3.5	# incomplete fragment sets expire (2 s)
mib a1
ip -n "$AFTR" route replace "$POOL2" dev dsl1
D -j session show b4 "$TOPO_B4B6" >"$T/seeds.json"

section "phase inet: $UNITS units from rtr's link to $POOL2"
read -r PUB UP TP IP <<<"$(pyq '" ".join([[s["public_addr"] for s in j if s["inner_port"] == 4000][0]] + [str([s["public_port"] for s in j if s["inner_port"] == p and s["proto"] == q][0]) for p, q in ((4000, "udp"), (4001, "tcp"), (0x777, "icmp"))])' "$T/seeds.json")"
check "the seed sessions exist (udp $PUB:$UP, tcp :$TP, icmp id $IP)" test -n "$IP"
$FZ gen inet "$SEED" "$UNITS" "$T/in" --opt dmac="$U1MAC" --opt smac="$RTRMAC" \
	--opt pool=$POOL2 --opt remotes=198.18.1.2,198.18.1.9,198.18.1.77 --opt pub="$PUB" \
	--opt udp="$UP" --opt tcp="$TP" --opt icmp="$IP" --opt hole=$HOLE ||
	fail "generate the inet side"
mib b0
$FZ send "$RTR" veth0 "$T/in.frames" --rate "$RATE" >"$T/in.sent" || fail "send the inet side"
sleep 3.5
mib b1

section "the flow ends"
touch "$T/flow.stop"
wait "$FLOW"
py_checks "fuzz accounting" '
T = sys.argv[1]
def mib(n):
    v = {}
    lines = open(T + "/" + n + ".mib4").read().split("\n")
    for h, d in zip(lines[0::2], lines[1::2]):
        if not h:
            continue
        k, d = h.split(), d.split()
        for a, b in zip(k[1:], d[1:]):
            v[k[0].rstrip(":") + a] = int(b)
    for l in open(T + "/" + n + ".mib6"):
        a, b = l.split()
        v[a] = int(b)
    return v
st = lambda n: json.load(open(T + "/" + n + ".stats.json"))[0]
d0 = lambda n: json.load(open(T + "/" + n + ".dsl0.json"))[0]
def delta(a, b, f):
    x, y = f(a), f(b)
    return {k: y[k] - x.get(k, 0) for k in y if isinstance(y[k], int) and y[k] != x.get(k, 0)}
def rx(n, ifc):
    return [l["stats64"]["rx"]["packets"] for l in json.load(open(T + "/" + n + ".links.json")) if l["ifname"] == ifc][0]
STACK6 = ["Ip6InHdrErrors", "Ip6InTruncatedPkts", "Ip6InDiscards", "Ip6InAddrErrors",
          "Ip6InUnknownProtos", "Ip6InNoRoutes"]
STACK4 = ["IpInHdrErrors", "IpInAddrErrors", "IpInUnknownProtos", "IpInDiscards", "IpOutNoRoutes",
          "IpFragFails", "IpExtInNoRoutes", "IpExtInTruncatedPkts"]
flow = load(T + "/flow.json")
print("flow: " + json.dumps(flow))
check("the TCP flow ran all along, every chunk intact (%d rounds)" % flow.get("rounds", 0),
      [flow.get("ok"), flow.get("rounds", 0) >= 4], [True, True])
for side, a, b, stack, ifc, reasm in (("b4", "a0", "a1", STACK6, "a1", ["IpReasmFails", "Ip6ReasmFails"]),
                                      ("in", "b0", "b1", STACK4, "u1", ["IpReasmFails"])):
    g = load(T + "/" + side + ".json")
    sent = load(T + "/" + side + ".sent")
    cl = g["classes"]
    n = lambda c, k="units": cl.get(c, {}).get(k, 0)
    m = delta(a, b, st)
    s = delta(a, b, mib)
    print("%s: sent %s, classes %s" % (side, json.dumps(sent), json.dumps(cl, sort_keys=True)))
    print("%s: dsl1 moved %s" % (side, json.dumps(m, sort_keys=True)))
    print("%s: MIB moved %s" % (side, json.dumps({k: v for k, v in s.items() if k in stack or "Reasm" in k or k.startswith("Icmp6InErr") or k.startswith("IcmpInErr")}, sort_keys=True)))
    check("%s: every frame was sent (%d)" % (side, g["frames"]), sent.get("sent"), g["frames"])
    check("%s: the AFTR link %s received them all" % (side, ifc), rx(b, ifc) - rx(a, ifc) >= g["frames"], True)
    mod = sum(v for k, v in m.items() if k.startswith("drop_") and k != "drop_fragment") + \
          m.get("out_packets", 0) + m.get("in_packets", 0)
    stk = sum(s.get(k, 0) for k in stack)
    want = n("pkt") + n("good4") + n("good6")
    check("%s: module counters (%d) + stack drops before it (%d) = packets + whole fragment sets (%d)"
          % (side, mod, stk, want), mod + stk, want)
    check("%s: the %d whole inner fragment sets were reassembled" % (side, n("good4")),
          m.get("fragments_reassembled", 0), n("good4"))
    bad = n("bad4") + n("bad6")
    ev = m.get("drop_fragment", 0) + sum(s.get(k, 0) for k in reasm)
    check("%s: the %d broken fragment sets were counted (drop_fragment + reassembly failures %d)"
          % (side, bad, ev), ev >= bad and m.get("drop_fragment", 0) <= n("bad4", "frames") + n("bad6", "frames"), True)
    if side == "b4":
        check("b4: nothing came back from the Internet side", m.get("in_packets", 0), 0)
    check("%s: every packet too big about a softwire updated the path MTU" % side,
          m.get("pmtu_updates", 0), n("ptb"))
check("dsl0 (the flow) dropped nothing meanwhile",
      {k: v for k, v in delta("a0", "b1", d0).items() if k.startswith("drop_")}, {})
' "$T"

log=$(dmesg_since | grep -E "WARNING|BUG|Oops|KASAN|UBSAN|general protection|Call Trace|dslite")
assert_eq "kernel log: nothing from or about dslite, no WARN/BUG" "$log" ""

section "rmmod at the end"
topo_cleanup
check "rmmod dslite" rmmod dslite
check "insmod again" insmod "$DSLITE_KO"
ksft_finish
