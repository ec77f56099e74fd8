#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Fragments (RFC 6333 5.3, RFC 4787 REQ-14), checked on the wire:
#  - a 3000-byte UDP datagram sent by each B4 as inner IPv4 fragments in
#    reverse order (both B4s at once, interleaved, same 192.0.0.2 and the
#    same IP id) reaches the server whole, each with its own content;
#  - the same with outer IPv6 fragments (inner datagram whole);
#  - a real B4's 3000-byte datagram (fragmented by its own stack) goes
#    out and a 3000-byte answer (fragmented by the server) comes back;
#  - a reply larger than the MTU toward the B4 (access link MTU 1280 on
#    the AFTR side for b4a, a 1280 route MTU for b4b) arrives as outer
#    IPv6 fragments; the inner IPv4 packet is never fragmented by the AFTR;
#  - an ICMPv6 packet too big (MTU 1300) quoting a softwire packet of the
#    AFTR's lowers its path MTU to that B4: the next big reply arrives in
#    outer fragments of at most 1300 bytes (pmtu_updates counts it); one
#    quoting another source is left to the next handler;
#  - `instance set mtu` lowers the instance device MTU: a DF packet over
#    it makes the AFTR send fragmentation needed to the server.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
edge_begin
S=$TOPO_SRV

srv_start ed u1 udp-answer "$S:7001" --quiet --log "$T/srv7001.log"
srv_start ed u2 udp-answer "$S:7002" --log "$T/srv7002.log"
srv_ready
# lines_ge FILE N: FILE has at least N lines
lines_ge() { [[ $(wc -l <"$1") -ge $2 ]]; }

section "crafting the fragments (scapy)"
python3 "$LIB_DIR/py/frag_craft.py" "$T" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_AFTR6" "$S" "$B4A" "$B4B"
check "scapy crafted the fragments" test -s "$T/inner.send" -a -s "$T/outer.send"

# --- inner fragments, reverse order, both B4s interleaved -------------------
section "inner IPv4 fragments, last first, both B4s interleaved"
cap_start in "$SRV:veth0:in_srv"
snap in0
edsend "$T/inner.send" >/dev/null
wait_for 10 lines_ge "$T/srv7001.log" 2
snap in1
D -j session show >"$T/sess_in.json"
cap_stop in

# --- outer IPv6 fragments ---------------------------------------------------
section "outer IPv6 fragments (inner datagram whole), last first"
snap out0
edsend "$T/outer.send" >/dev/null
wait_for 10 lines_ge "$T/srv7001.log" 4
snap out1
D -j session show >"$T/sess_out.json"

# --- a real B4: its stack fragments, the server's answer is fragmented -----
section "a real B4: 3000 bytes each way through its ip6tnl"
snap real0
ed "$B4A" udp-probe --bind :6002 --to "$S:7002" --data "SIZE 3000 " --size 3000 --timeout 5 >"$T/real.json"
snap real1

# --- replies larger than the MTU toward the B4 ------------------------------
section "replies over the MTU toward the B4: outer fragments only"
ip -n "$AFTR" link set a0 mtu 1280
ip -n "$AFTR" -6 route add "$TOPO_B4B6/128" dev a1 mtu 1280
cap_start big "$B4A:veth0:big_a" "$B4B:veth0:big_b"
snap big0
ed "$B4A" udp-probe --bind :6003 --to "$S:7002" --data "SIZE 1400 " --size 64 >"$T/big_a1400.json"
ed "$B4A" udp-probe --bind :6004 --to "$S:7002" --data "SIZE 3000 " --size 64 >"$T/big_a3000.json"
ed "$B4B" udp-probe --bind :6003 --to "$S:7002" --data "SIZE 1400 " --size 64 >"$T/big_b1400.json"
snap big1
cap_stop big
ip -n "$AFTR" link set a0 mtu 1500
ip -n "$AFTR" -6 route del "$TOPO_B4B6/128" dev a1

# --- Packet Too Big from a router toward the B4 ------------------------------
section "ICMPv6 packet too big about a softwire lowers the path MTU to that B4"
python3 "$LIB_DIR/py/frag_ptb.py" "$T" "$TOPO_AFTR6" "$TOPO_B4B6" "$S" "$B4B"
snap ptb0
edsend "$T/ptb_other.send" >/dev/null
sleep 0.5
snap ptb1
edsend "$T/ptb.send" >/dev/null
sleep 0.5
snap ptb2
ip -n "$AFTR" -6 route get "$TOPO_B4B6" from "$TOPO_AFTR6" >"$T/ptb_route.txt" 2>&1
grep -q "mtu 1300" "$T/ptb_route.txt" && ok "the AFTR's route to b4b has path MTU 1300" ||
	fail "the AFTR's route to b4b has path MTU 1300" "$(cat "$T/ptb_route.txt")"
cap_start ptb "$B4B:veth0:ptb_b"
ed "$B4B" udp-probe --bind :6006 --to "$S:7002" --data "SIZE 1400 " --size 64 >"$T/ptb_b1400.json"
cap_stop ptb

# --- the instance device MTU ------------------------------------------------
section "instance set mtu 1400: DF over it gets fragmentation needed"
check "instance set dsl0 mtu 1400" D instance set "$TOPO_INST" mtu 1400
assert_eq "instance show: mtu 1400" "$(D -j -d instance show "$TOPO_INST" | json 'j[0]["mtu"]')" 1400
assert_eq "the dsl0 device has MTU 1400" \
	"$(ip -n "$AFTR" -j link show "$TOPO_INST" | json 'j[0]["mtu"]')" 1400
cap_start mtu "$SRV:veth0:mtu_srv" "$B4A:veth0:mtu_a"
snap mtu0
ed "$B4A" udp-probe --bind :6005 --to "$S:7002" --data "SIZE 1400 " --size 64 --timeout 2 >"$T/mtu1.json"
# the server now knows the path MTU and fragments the answer itself; the
# AFTR reassembles it and sends it whole (inside) to the B4
ed "$B4A" udp-probe --bind :6005 --to "$S:7002" --data "SIZE 1400 " --size 64 --timeout 3 >"$T/mtu2.json"
snap mtu1
cap_stop mtu
PUBA=$(pyq '[s["public_addr"] for s in j if s["b4"] == "'"$TOPO_B4A6"'"][0]' "$T/sess_in.json")
ip -n "$SRV" route get "$PUBA" >"$T/mtu_route.txt" 2>&1
grep -q "mtu 1400" "$T/mtu_route.txt" && ok "the server learned path MTU 1400 to $PUBA" ||
	fail "the server learned path MTU 1400 to $PUBA" "$(cat "$T/mtu_route.txt")"
check "instance set dsl0 mtu 1500" D instance set "$TOPO_INST" mtu 1500

section "what the wire carried"
py_checks "fragments" "$SCAPY_PY"'
from scapy.layers.inet import defragment
B4A, B4B, AFTR6 = sys.argv[2], sys.argv[3], sys.argv[4]
want = load(T + "/want.json")
log = [json.loads(l) for l in open(T + "/srv7001.log")]
sha = {v: k for k, v in want.items() if k[:5] in ("inner", "outer")}

def b4_of(sessfile, port):
    return {"%s:%d" % (s["public_addr"], s["public_port"]): s["b4"] for s in load(sessfile)
            if s["proto"] == "udp" and s["inner_port"] == port}

# inner fragments
got = sorted((sha.get(r["sha"], "?"), r["len"]) for r in log[:2])
check("inner fragments: the server got both 3000-byte datagrams, intact", got, [["inner-a", 3000], ["inner-b", 3000]])
m = b4_of(T + "/sess_in.json", 6000)
check("inner fragments: each came from its own B4s public endpoint",
      sorted((sha.get(r["sha"], "?"), m.get(r["from"])) for r in log[:2]), [["inner-a", B4A], ["inner-b", B4B]])
check("inner fragments: fragments_reassembled +2, no drop",
      {k: v for k, v in deltas("in0", "in1").items() if k == "fragments_reassembled" or k.startswith("drop_")},
      {"fragments_reassembled": 2})
frags = [p for d, p in pkts("in_srv") if d == "in" and IP in p and p[IP].proto == 17]
check("inner fragments: on the server link, IPv4 fragments of at most 1500 bytes (re-fragmented)",
      [len(frags) >= 6, all(len(p) <= 1500 for p in frags), all(p.flags.MF or p.frag for p in frags)], [True, True, True])
whole = defragment(frags)
ok_dg = sorted(sha.get(hashlib.sha256(bytes(p[UDP].payload)).hexdigest(), "?")
               for p in whole if UDP in p and not p.flags.MF and p.frag == 0 and l4_ok(bytes(p), 17))
check("inner fragments: reassembled on the server link, UDP checksums valid, payloads intact", ok_dg, ["inner-a", "inner-b"])

# outer fragments
got = sorted((sha.get(r["sha"], "?"), r["len"]) for r in log[2:4])
check("outer fragments: the server got both 3000-byte datagrams, intact", got, [["outer-a", 3000], ["outer-b", 3000]])
m = b4_of(T + "/sess_out.json", 6001)
check("outer fragments: each came from its own B4s public endpoint",
      sorted((sha.get(r["sha"], "?"), m.get(r["from"])) for r in log[2:4]), [["outer-a", B4A], ["outer-b", B4B]])
check("outer fragments: no inner reassembly, no drop",
      {k: v for k, v in deltas("out0", "out1").items() if k == "fragments_reassembled" or k.startswith("drop_")}, {})

# the real B4
r = load(T + "/real.json")
srv = [json.loads(l) for l in open(T + "/srv7002.log")]
check("real B4: the server got its 3000-byte datagram whole", [x["len"] for x in srv[:1]], [3000])
check("real B4: the 3000-byte answer arrived whole",
      [r.get("reply_len"), r.get("reply_sha")], [3000, hashlib.sha256(pattern(3000, b"answer")).hexdigest()])
check("real B4: both ways reassembled by the AFTR (fragments_reassembled +2), no drop",
      {k: v for k, v in deltas("real0", "real1").items() if k == "fragments_reassembled" or k.startswith("drop_")},
      {"fragments_reassembled": 2})

# big replies toward the B4
for tag, size in (("a1400", 1400), ("a3000", 3000), ("b1400", 1400)):
    r = load(T + "/big_%s.json" % tag)
    check("big reply b4%s: %d bytes arrived at the socket, intact" % (tag[0], size),
          [r.get("reply_len"), r.get("reply_sha")], [size, hashlib.sha256(pattern(size, b"answer")).hexdigest()])
for b, b4 in (("a", B4A), ("b", B4B)):
    rx = [p for d, p in pkts("big_" + b) if d == "in" and IPv6 in p and p[IPv6].src == AFTR6]
    fr = [p for p in rx if IPv6ExtHdrFragment in p]
    check("big reply b4%s: outer IPv6 fragments, none over 1280 bytes" % b,
          [len(fr) >= (5 if b == "a" else 2), max([len(p[IPv6]) for p in rx] or [0]) <= 1280], [True, True])
    groups = {}
    for p in fr:
        groups.setdefault(p[IPv6ExtHdrFragment].id, []).append(p[IPv6])
    inners = []
    for g in groups.values():
        i = reasm6(g)
        if i is not None and IP in i:
            raw = bytes(i)
            inners.append([len(raw), bool(i.flags.MF), i.frag, l4_ok(raw, 17),
                           bytes(i[UDP].payload) == pattern(len(raw) - 28, b"answer")])
    inners.sort()
    exp = [[1428, False, 0, True, True], [3028, False, 0, True, True]] if b == "a" else [[1428, False, 0, True, True]]
    check("big reply b4%s: each reassembles to one whole inner IPv4 datagram (no MF, offset 0, UDP checksum ok)" % b,
          inners, exp)
    check("big reply b4%s: no inner IPv4 fragment ever reached the B4" % b,
          [p.summary() for p in rx if inner4(p) is not None and (inner4(p).flags.MF or inner4(p).frag)], [])
check("big replies: fragments_reassembled +1 (the server fragmented 3000), no drop",
      {k: v for k, v in deltas("big0", "big1").items() if k == "fragments_reassembled" or k.startswith("drop_")},
      {"fragments_reassembled": 1})

# packet too big
check("too big quoting another source: not ours, pmtu_updates unchanged",
      deltas("ptb0", "ptb1").get("pmtu_updates", 0), 0)
check("too big quoting our softwire: pmtu_updates +1, no drop",
      {k: v for k, v in deltas("ptb1", "ptb2").items() if k == "pmtu_updates" or k.startswith("drop_")},
      {"pmtu_updates": 1})
r = load(T + "/ptb_b1400.json")
check("after too big: the 1400-byte answer reached b4b intact",
      [r.get("reply_len"), r.get("reply_sha")], [1400, hashlib.sha256(pattern(1400, b"answer")).hexdigest()])
rx = [p for d, p in pkts("ptb_b") if d == "in" and IPv6 in p and p[IPv6].src == AFTR6]
check("after too big: outer IPv6 fragments to b4b, none over 1300 bytes",
      [sum(IPv6ExtHdrFragment in p for p in rx) >= 2, max([len(p[IPv6]) for p in rx] or [0]) <= 1300,
       max([len(p[IPv6]) for p in rx] or [0]) > 1280], [True, True, True])

# instance mtu
r1, r2 = load(T + "/mtu1.json"), load(T + "/mtu2.json")
check("mtu 1400: the DF 1428-byte answer did not reach the B4", r1.get("reply_len"), None)
fn = [p for d, p in pkts("mtu_srv") if d == "in" and ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 4]
check("mtu 1400: the server got fragmentation needed from the AFTR, next-hop MTU 1400",
      [(p[IP].src, p[ICMP].nexthopmtu) for p in fn][:1], [[sys.argv[5], 1400]])
check("mtu 1400: the answer sent again (fragmented by the server) arrived whole",
      [r2.get("reply_len"), r2.get("reply_sha")], [1400, hashlib.sha256(pattern(1400, b"answer")).hexdigest()])
rx = [inner4(p) for d, p in pkts("mtu_a") if d == "in" and inner4(p) is not None and UDP in inner4(p)]
check("mtu 1400: the B4 got it as one inner datagram of 1428 bytes", [(len(i), i.flags.MF, i.frag) for i in rx], [[1428, False, 0]])
' "$T" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_AFTR6" "$TOPO_GW"

ksft_finish
