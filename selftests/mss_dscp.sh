#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TCP MSS clamping and DSCP/ECN/TTL through the softwire, on the wire:
#  - `instance set mss N` clamps the MSS option of the SYN the server
#    receives and of the SYN-ACK the B4 receives, never raises it, and
#    leaves the TCP checksum valid; mss 0 turns clamping off;
#  - DSCP set by a B4 (EF, AF11+ECT) appears unchanged on the IPv4 side,
#    and the server's DSCP/ECN (EF, AF41+ECT) is copied to the outer IPv6
#    traffic class toward the B4 (RFC 6908 2.10, RFC 6040);
#  - outer CE is carried into an ECN-capable inner packet, a CE outer with
#    a Not-ECT inner is dropped, the outer DSCP is not copied inward;
#  - the inner TTL is decremented exactly once each way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
edge_begin
S=$TOPO_SRV

srv_start nt tcpd tcp-server "$S:5001"
srv_start ed u3 udp-answer "$S:7003" --tos 0xb8 --log "$T/srv7003.log"
srv_start ed u4 udp-answer "$S:7004" --tos 0x8a --log "$T/srv7004.log"
srv_start ed u5 udp-answer "$S:7005" --quiet --log "$T/srv7005.log"
srv_ready

# --- MSS clamping -----------------------------------------------------------
section "MSS clamp 1200, 1420, off: one connection each"
cap_start mss "$SRV:veth0:mss_srv" "$B4A:veth0:mss_a" "$B4B:veth0:mss_b"
i=0
for m in 1200 1420 0; do
	i=$((i + 1))
	b4=$B4A
	[[ $m == 1420 ]] && b4=$B4B
	check "instance set dsl0 mss $m" D instance set "$TOPO_INST" mss "$m"
	assert_eq "instance show: mss $m" "$(D -j -d instance show "$TOPO_INST" | json 'j[0]["mss"]')" "$m"
	snap "mss$i.0"
	nt "$b4" tcp-client --to "$S:5001" --bind ":4100$i" --echo --timeout 10 >"$T/mss$i.json"
	snap "mss$i.1"
	assert_eq "mss $m: the connection from :4100$i works" "$(pyq 'j["ok"]' "$T/mss$i.json")" True
done
D -j session show proto tcp >"$T/sess_tcp.json"
cap_stop mss

# --- DSCP / ECN / TTL from real sockets -------------------------------------
section "DSCP and ECN from sockets: EF from b4a, AF11+ECT(0) from b4b"
cap_start ds "$SRV:veth0:ds_srv" "$B4A:veth0:ds_a" "$B4B:veth0:ds_b"
ed "$B4A" udp-probe --bind :7103 --to "$S:7003" --tos 0xb8 --data "SIZE 100 " >"$T/ds_a.json"
ed "$B4B" udp-probe --bind :7104 --to "$S:7004" --tos 0x2a --data "SIZE 100 " >"$T/ds_b.json"
cap_stop ds

# --- crafted: outer traffic class vs inner TOS ------------------------------
section "crafted: outer CE / outer EF with various inner TOS"
python3 "$LIB_DIR/py/mss_dscp_craft.py" "$T" "$TOPO_B4A6" "$TOPO_AFTR6" "$S" "$B4A"
cap_start tc "$SRV:veth0:tc_srv"
snap tc0
edsend "$T/tc.send" >/dev/null
sleep 0.5
snap tc1
cap_stop tc

section "what the wire carried"
py_checks "mss / dscp on the wire" "$SCAPY_PY"'
B4A, B4B, AFTR6 = sys.argv[2], sys.argv[3], sys.argv[4]
sess = load(T + "/sess_tcp.json")
pub = {s["inner_port"]: s["public_port"] for s in sess}
want = {1: (1200, 1200, 2), 2: (None, 1420, 1), 3: (None, None, 0)}
for i, b in ((1, "a"), (2, "b"), (3, "a")):
    sp = 41000 + i
    syn_b4 = [inner4(p)[TCP] for d, p in pkts("mss_" + b) if d == "out" and inner4(p) is not None
              and TCP in inner4(p) and inner4(p)[TCP].sport == sp and inner4(p)[TCP].flags == "S"]
    syn_srv = [p for d, p in pkts("mss_srv") if d == "in" and TCP in p and p[TCP].sport == pub.get(sp)
               and p[TCP].flags == "S"]
    sa_srv = [p for d, p in pkts("mss_srv") if d == "out" and TCP in p and p[TCP].dport == pub.get(sp)
              and p[TCP].flags == "SA"]
    sa_b4 = [inner4(p) for d, p in pkts("mss_" + b) if d == "in" and inner4(p) is not None
             and TCP in inner4(p) and inner4(p)[TCP].dport == sp and inner4(p)[TCP].flags == "SA"]
    tag = "mss %s (b4%s :%d)" % (["1200", "1420", "off"][i - 1], b, sp)
    check(tag + ": one SYN from the B4, at the server, one SYN-ACK from the server, at the B4",
          [len(syn_b4), len(syn_srv), len(sa_srv), len(sa_b4)], [1, 1, 1, 1])
    if not (syn_b4 and syn_srv and sa_srv and sa_b4):
        continue
    m_b4, m_sa = mss_of(syn_b4[0]), mss_of(sa_srv[0][TCP])
    clamp_syn, clamp_sa, n = want[i]
    exp_syn = min(m_b4, clamp_syn) if clamp_syn else m_b4
    exp_sa = min(m_sa, clamp_sa) if clamp_sa else m_sa
    if i == 2:
        check(tag + ": the B4 SYN MSS is below the clamp (so it must stay)", m_b4 < 1420, True)
    check(tag + ": SYN MSS at the server (B4 sent %d)" % m_b4, mss_of(syn_srv[0][TCP]), exp_syn)
    check(tag + ": SYN-ACK MSS at the B4 (server sent %d)" % m_sa, mss_of(sa_b4[0][TCP]), exp_sa)
    check(tag + ": SYN at the server: IPv4 and TCP checksums valid",
          [ip_hdr_ok(bytes(syn_srv[0])), l4_ok(bytes(syn_srv[0]), 6)], [True, True])
    check(tag + ": SYN-ACK at the B4: inner IPv4 and TCP checksums valid",
          [ip_hdr_ok(bytes(sa_b4[0])), l4_ok(bytes(sa_b4[0]), 6)], [True, True])
    check(tag + ": mss_clamped +%d" % n, delta("mss%d.0" % i, "mss%d.1" % i, "mss_clamped"), n)

# DSCP / ECN / TTL with sockets
srv3 = [json.loads(l) for l in open(T + "/srv7003.log")]
srv4 = [json.loads(l) for l in open(T + "/srv7004.log")]
check("EF from b4a: the server socket saw TOS 0xb8, TTL 63", [(r.get("tos"), r.get("ttl")) for r in srv3], [[0xb8, 63]])
check("AF11+ECT(0) from b4b: the server socket saw TOS 0x2a, TTL 63", [(r.get("tos"), r.get("ttl")) for r in srv4], [[0x2a, 63]])
for b, sport, tos, rtos in (("a", 7103, 0xb8, 0xb8), ("b", 7104, 0x2a, 0x8a)):
    up = [p for d, p in pkts("ds_srv") if d == "in" and UDP in p and p[UDP].dport == 7003 + (b == "b")]
    check("b4%s: on the server link its datagram has TOS 0x%02x and TTL 63" % (b, tos),
          [(p[IP].tos, p[IP].ttl) for p in up], [[tos, 63]])
    down = [p for d, p in pkts("ds_" + b) if d == "in" and inner4(p) is not None and UDP in inner4(p)
            and inner4(p)[UDP].dport == sport]
    check("b4%s: the answer (server TOS 0x%02x) arrives with outer traffic class 0x%02x, inner TOS 0x%02x, inner TTL 63"
          % (b, rtos, rtos, rtos), [(p[IPv6].tc, inner4(p).tos, inner4(p).ttl) for p in down], [[rtos, rtos, 63]])
    r = load(T + "/ds_%s.json" % b)
    check("b4%s: its socket got the answer with TOS 0x%02x, TTL 63" % (b, rtos),
          [r.get("reply_len"), r.get("reply_tos"), r.get("reply_ttl")], [100, rtos, 63])

# crafted outer traffic class
# (the source port is translated: the case is told by the payload)
seen = {int(bytes(p[UDP].payload).split()[-1]): p[IP].tos for d, p in pkts("tc_srv")
        if d == "in" and UDP in p and p[UDP].dport == 7005}
check("outer CE + inner ECT(0): CE on the IPv4 side (TOS 0x03)", seen.get(7105), 0x03)
check("outer CE + inner Not-ECT: dropped, never on the IPv4 side", 7106 in seen, False)
check("outer EF + inner TOS 0: the inner stays 0 (outer DSCP not copied in)", seen.get(7107), 0x00)
check("outer CE + inner EF+ECT(1): EF kept, ECN becomes CE (0xbb)", seen.get(7108), 0xbb)
check("counters: drop_bad_header +1 (the Not-ECT one), 3 packets out",
      [delta("tc0", "tc1", "drop_bad_header"), delta("tc0", "tc1", "out_packets")], [1, 3])
' "$T" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_AFTR6"

ksft_finish
