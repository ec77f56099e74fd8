#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ICMP edge behaviour (RFC 6333 5.2/5.7, RFC 5508), checked on the wire:
#  - port unreachable and TTL exceeded from the IPv4 side reach the right
#    B4 (two B4s, both 192.0.0.2:5555, one flow each): outer header to that
#    B4, quoted source address/port back to the inner ones, the IPv4, ICMP,
#    quoted IPv4 and quoted UDP/ICMP checksums all valid, the quote equal to
#    what the B4 sent, and the B4's own socket gets the error;
#  - inner TTL 1 is answered by the AFTR from 192.0.0.1, and traceroute
#    (UDP, ICMP, TCP) from a B4 lists 192.0.0.1, the router behind the
#    AFTR, then the destination;
#  - fragmentation needed from a router keeps its MTU and the B4 learns it;
#  - an error matching no session goes nowhere (drop_icmp_error);
#  - errors from routers on the B4 side (not from the host the quote was
#    for: RFC 5508 REQ-3) reach the far host, translated, quoting what it
#    sent;
#  - the AFTR answers ping on its AFTR address.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
edge_begin

section "the AFTR answers ping on its AFTR address"
check "b4a: ping -6 $TOPO_AFTR6 (3 of 3)" \
	ip netns exec "$B4A" ping -6 -c 3 -i 0.2 -W 2 "$TOPO_AFTR6"

# --- port unreachable from the far host -------------------------------------
section "port unreachable: both B4s from 192.0.0.2:5555, one flow each"
cap_start pu "$B4A:veth0:pu_a" "$B4B:veth0:pu_b" "$FAR:veth0:pu_far"
snap pu0
ed "$B4A" udp-probe --bind :5555 --to "$EDGE_FAR:9998" --data from-b4a >"$T/pu_a.json" &
pa=$!
ed "$B4B" udp-probe --bind :5555 --to "$EDGE_FAR:9999" --data from-b4b >"$T/pu_b.json" &
pb=$!
wait $pa $pb
snap pu1
D -j session show >"$T/sess_pu.json"
cap_stop pu

# --- TTL exceeded from the router behind the AFTR ---------------------------
section "TTL exceeded from the router behind the AFTR (inner TTL 2)"
cap_start te "$B4A:veth0:te_a" "$B4B:veth0:te_b" "$RTR:veth0:te_rtr"
snap te0
ed "$B4A" udp-probe --bind :5556 --to "$EDGE_FAR:9998" --ttl 2 --data ttl-b4a >"$T/te_a.json" &
pa=$!
ed "$B4B" udp-probe --bind :5556 --to "$EDGE_FAR:9999" --ttl 2 --data ttl-b4b >"$T/te_b.json" &
pb=$!
ip netns exec "$B4A" ping -c 1 -t 2 -W 3 -s 24 "$EDGE_FAR" >"$T/te_ping.txt" 2>&1
wait $pa $pb
snap te1
cap_stop te
grep -q "From $EDGE_RTR_IN.*Time to live exceeded" "$T/te_ping.txt" &&
	ok "ping -t 2 from b4a: 'Time to live exceeded' from $EDGE_RTR_IN" ||
	fail "ping -t 2 from b4a: 'Time to live exceeded' from $EDGE_RTR_IN" "$(cat "$T/te_ping.txt")"

# --- inner TTL 1: the AFTR itself answers -----------------------------------
section "inner TTL 1: time exceeded from 192.0.0.1"
cap_start t1 "$B4A:veth0:t1_a" "$RTR:veth0:t1_rtr"
snap t10
ed "$B4A" udp-probe --bind :5557 --to "$EDGE_FAR:9998" --ttl 1 --data ttl1-b4a >"$T/t1_a.json"
snap t11
D -j session show >"$T/sess_t1.json"
cap_stop t1

# --- traceroute -------------------------------------------------------------
section "traceroute from a B4: 192.0.0.1, the router, the far host"
# hop_list FILE: the address of each hop ("*" when none answered)
hop_list() { awk '/^ *[0-9]+ /{print ($2 == "*" ? "*" : $2)}' "$1" | paste -sd' '; }
want="192.0.0.1 $EDGE_RTR_IN $EDGE_FAR"
for m in udp icmp tcp; do
	case $m in
	udp) opt=() ns=$B4A ;;
	icmp) opt=(-I) ns=$B4B ;;
	tcp) opt=(-T -p 80) ns=$B4A ;;
	esac
	ip netns exec "$ns" traceroute -n -q 1 -N 1 -w 3 -m 6 "${opt[@]}" "$EDGE_FAR" \
		>"$T/tr_$m.txt" 2>&1
	got=$(hop_list "$T/tr_$m.txt")
	assert_eq "traceroute ($m, ${ns##*_}) hops: $want" "$got" "$want"
	[[ $got == "$want" ]] || sed 's/^/#   | /' "$T/tr_$m.txt"
done

# --- fragmentation needed from the router -----------------------------------
section "fragmentation needed from the router (rtr-far link MTU 1300)"
ip -n "$RTR" link set veth1 mtu 1300
ip -n "$FAR" link set veth0 mtu 1300
cap_start fn "$B4A:veth0:fn_a"
snap fn0
ed "$B4A" udp-probe --bind :5558 --to "$EDGE_FAR:9998" --size 1400 --df >"$T/fn_a.json"
snap fn1
cap_stop fn
ip -n "$B4A" route get "$EDGE_FAR" >"$T/fn_route.txt" 2>&1
grep -q "mtu 1300" "$T/fn_route.txt" && ok "b4a learned path MTU 1300 to $EDGE_FAR" ||
	fail "b4a learned path MTU 1300 to $EDGE_FAR" "$(cat "$T/fn_route.txt")"
ip -n "$RTR" link set veth1 mtu 1500
ip -n "$FAR" link set veth0 mtu 1500

# --- an error matching no session -------------------------------------------
section "an ICMP error matching no session is dropped"
# b4a's public address; a port of it no session of any protocol uses; and
# the public port of one of b4a's UDP sessions that no TCP session uses
# (traceroute -T above made TCP sessions, which may sit on any port, so the
# sessions are read now, not earlier)
D -j session show >"$T/sess_ns.json"
PUB=$(pyq '[s["public_addr"] for s in j if s["b4"] == "'"$TOPO_B4A6"'"][0]' "$T/sess_pu.json")
PPORT=$(pyq 'next(s["public_port"] for s in j if s["b4"] == "'"$TOPO_B4A6"'" and s["proto"] == "udp" and s["public_addr"] == "'"$PUB"'" and not any(t["proto"] == "tcp" and t["public_addr"] == s["public_addr"] and t["public_port"] == s["public_port"] for t in j))' "$T/sess_ns.json")
FREE=$(pyq 'next(p for p in range(1024, 65536) if p not in {s["public_port"] for s in j if s["public_addr"] == "'"$PUB"'"})' "$T/sess_ns.json")
{
	# a UDP quote from a public port without session, and a TCP quote
	# from the public port of a UDP session (no TCP session there)
	ed "$FAR" icmp-err --ns "$FAR" --src "$EDGE_FAR" --dst "$PUB" --qproto 17 \
		--qsrc "$PUB:$FREE" --qdst "$EDGE_FAR:9998"
	ed "$FAR" icmp-err --ns "$FAR" --src "$EDGE_FAR" --dst "$PUB" --qproto 6 \
		--qsrc "$PUB:$PPORT" --qdst "$EDGE_FAR:80"
} >"$T/nosess.send"
cap_start ns "$B4A:veth0:ns_a" "$B4B:veth0:ns_b"
snap ns0
edsend "$T/nosess.send" >/dev/null
sleep 0.5
snap ns1
cap_stop ns

# --- an ICMP error from a router on the B4 side -----------------------------
section "ICMP errors from routers on the B4 side, about a datagram the B4 got"
# RFC 5508 REQ-3: the error comes from the B4 side but not from the host
# the quoted packet was for (a router between the B4 and its host); it is
# translated all the same and the far host gets it, quoting what it sent
ed_bg "$FAR" "$T/ans.err" udp-answer "$EDGE_FAR:7100" --ready "$T/ans.rdy"
wait_for 20 test -e "$T/ans.rdy" || fail "udp-answer on the far host started"
cap_start rb "$B4A:veth0:rb_a" "$FAR:veth0:rb_far"
ed "$B4A" udp-probe --bind :5560 --to "$EDGE_FAR:7100" --data b4side >"$T/rb_probe.json"
sleep 0.3
cap_stop rb
py_checks "B4-side errors crafted" "$SCAPY_PY"'
b4, aftr, far = sys.argv[2:5]
got = [inner4(p) for d, p in pkts("rb_a") if d == "in" and inner4(p) is not None
       and UDP in inner4(p) and inner4(p)[UDP].sport == 7100]
check("b4a received the answer of the far host through the softwire", len(got), 1)
with open(T + "/rb.send", "w") as f:
    for src, typ, code in (("192.0.0.1", 11, 0), ("192.168.1.1", 3, 1)):
        for q in got[:1]:
            inner = bytes(IP(src=src, dst=far) / ICMP(type=typ, code=code) / bytes(q))
            f.write("%s 6 %s\n" % (sys.argv[5], (bytes(IPv6(src=b4, dst=aftr, nh=4, plen=len(inner))) + inner).hex()))
' "$T" "$TOPO_B4A6" "$TOPO_AFTR6" "$EDGE_FAR" "$B4A"
cap_start rb2 "$FAR:veth0:rb2_far"
snap rb0
edsend "$T/rb.send" >/dev/null
sleep 0.5
snap rb1
cap_stop rb2

section "what the wire carried"
py_checks "icmp errors on the wire" "$SCAPY_PY"'
B4 = {"a": sys.argv[2], "b": sys.argv[3]}
AFTR6, FAR, RTR = sys.argv[4], sys.argv[5], sys.argv[6]
DPORT = {"a": 9998, "b": 9999}

def errors(cap):
    """ICMP errors the B4 received through its softwire: (outer, inner)"""
    r = []
    for d, p in pkts(cap):
        i = inner4(p)
        if d == "in" and i is not None and ICMP in i and i[ICMP].type in (3, 11):
            r.append((p[IPv6], i))
    return r

def sent(cap, sport):
    """the inner IPv4 packets (raw) the B4 sent from a UDP port"""
    return [bytes(i) for d, p in pkts(cap) for i in [inner4(p)]
            if d == "out" and i is not None and UDP in i and i[UDP].sport == sport
            and not i.haslayer(IPerror)]

def check_error(tag, cap, b, sport, typ, code, src, quoted_ttl_drop, full_quote=True):
    # every error quoting UDP that reached this B4 (one of the other B4 would show here)
    errs = [(o, i) for o, i in errors(cap) if bytes(i)[28 + 9] == 17]
    check(tag + ": exactly one ICMP error quoting UDP arrived through the softwire", len(errs), 1)
    if not errs:
        return None
    o, i = errs[0]
    raw = bytes(i)
    q = raw[28:]
    check(tag + ": outer IPv6 from the AFTR address to this B4", [o.src, o.dst, o.nh], [AFTR6, B4[b], 4])
    check(tag + ": ICMP type/code, from the router that sent it, to 192.0.0.2",
          [i[ICMP].type, i[ICMP].code, i.src, i.dst], [typ, code, src, "192.0.0.2"])
    check(tag + ": IPv4 header checksum valid", ip_hdr_ok(raw), True)
    check(tag + ": ICMP checksum valid", l4_ok(raw, 1), True)
    check(tag + ": quoted IPv4 header checksum valid", ip_hdr_ok(q), True)
    qs, qd = socket.inet_ntoa(q[12:16]), socket.inet_ntoa(q[16:20])
    qsp, qdp = struct.unpack("!HH", q[20:24])
    check(tag + ": quoted src/dst/proto/ports = what this B4 sent",
          [qs, qsp, qd, qdp, q[9]], ["192.0.0.2", sport, FAR, DPORT[b], 17])
    if full_quote:
        check(tag + ": quoted UDP checksum valid (whole datagram quoted)", l4_ok(q, 17), True)
    orig = sent(cap, sport)
    check(tag + ": the B4 sent one datagram from port %d" % sport, len(orig), 1)
    if orig:
        orig = orig[0]
        n = min(len(q), len(orig))
        check(tag + ": quote = the B4s packet but TTL (header and UDP bytes incl. checksum)",
              [q[:8].hex(), q[9:10].hex(), q[12:n].hex()], [orig[:8].hex(), orig[9:10].hex(), orig[12:n].hex()])
        check(tag + ": quoted TTL = sent TTL - %d" % quoted_ttl_drop, orig[8] - q[8], quoted_ttl_drop)
    return q

sess = load(T + "/sess_pu.json")
for b in "ab":
    q = check_error("port unreachable b4" + b, "pu_" + b, b, 5555, 3, 3, FAR, 2)
    r = load(T + "/pu_%s.json" % b)
    ee = r.get("ee") or {}
    check("port unreachable b4%s: its socket got ECONNREFUSED from %s" % (b, FAR),
          [r.get("error"), ee.get("origin"), ee.get("type"), ee.get("code"), ee.get("offender")],
          ["ECONNREFUSED", "icmp", 3, 3, FAR])
# what the far host sent: quoting each B4s public endpoint
far_errs = [bytes(p) for d, p in pkts("pu_far") if d == "out" and ICMP in p and p[ICMP].type == 3]
far_q = sorted("%s:%d>%d" % (socket.inet_ntoa(x[40:44]), struct.unpack("!H", x[48:50])[0],
                             struct.unpack("!H", x[50:52])[0]) for x in far_errs)
pub = sorted("%s:%d>%d" % (s["public_addr"], s["public_port"], s["remote_port"]) for s in sess
             if s["proto"] == "udp" and s["inner_port"] == 5555)
check("far host: two port unreachables, quoting the two sessions public endpoints", far_q, pub)
check("far host: the two B4s had different public endpoints", len(set(x.split(">")[0] for x in pub)), 2)
check("counters: icmp_errors_translated +2, nothing dropped",
      {k: v for k, v in deltas("pu0", "pu1").items() if k == "icmp_errors_translated" or k.startswith("drop_")},
      {"icmp_errors_translated": 2})

for b in "ab":
    check_error("ttl exceeded b4" + b, "te_" + b, b, 5556, 11, 0, RTR, 1)
    r = load(T + "/te_%s.json" % b)
    ee = r.get("ee") or {}
    check("ttl exceeded b4%s: its socket got EHOSTUNREACH type 11 from %s" % (b, RTR),
          [r.get("error"), ee.get("type"), ee.get("code"), ee.get("offender")],
          ["EHOSTUNREACH", 11, 0, RTR])
    check("ttl exceeded b4%s: the quoted TTL is 1 (as the router got it)" % b,
          [bytes(i)[28 + 8] for o, i in errors("te_" + b) if i[ICMP].type == 11 and bytes(i)[28 + 9] == 17], [1])
# the ICMP echo of ping -t 2: quoted echo id/seq back to what the B4 sent
echo_out = [i for d, p in pkts("te_a") for i in [inner4(p)]
            if d == "out" and i is not None and ICMP in i and i[ICMP].type == 8]
echo_err = [i for o, i in [(p, inner4(p)) for d, p in pkts("te_a") if d == "in"]
            if i is not None and ICMP in i and i[ICMP].type == 11 and bytes(i)[28 + 9] == 1]
check("ttl exceeded (echo): one error quoting the echo request", len(echo_err), 1)
if echo_out and echo_err:
    q, e = bytes(echo_err[0])[28:], bytes(echo_out[0])
    check("ttl exceeded (echo): ICMP and quoted IPv4 checksums valid",
          [l4_ok(bytes(echo_err[0]), 1), ip_hdr_ok(q)], [True, True])
    check("ttl exceeded (echo): quoted echo = the B4s (id, seq, ICMP checksum, data)", q[20:].hex(), e[20:len(q)].hex())
    check("ttl exceeded (echo): quoted ICMP echo checksum valid", l4_ok(q, 1), True)
rtr_q = sorted(socket.inet_ntoa(bytes(p)[40:44]) for d, p in pkts("te_rtr")
               if d == "out" and ICMP in p and p[ICMP].type == 11)
check("router: three time-exceeded sent, all quoting pool addresses (not 192.0.0.2)",
      [len(rtr_q), "192.0.0.2" in rtr_q], [3, False])
check("counters: icmp_errors_translated +3, nothing dropped",
      {k: v for k, v in deltas("te0", "te1").items() if k == "icmp_errors_translated" or k.startswith("drop_")},
      {"icmp_errors_translated": 3})

q = check_error("inner ttl 1", "t1_a", "a", 5557, 11, 0, "192.0.0.1", 0)
r = load(T + "/t1_a.json")
ee = r.get("ee") or {}
check("inner ttl 1: the socket got EHOSTUNREACH type 11 from 192.0.0.1",
      [r.get("error"), ee.get("type"), ee.get("code"), ee.get("offender")], ["EHOSTUNREACH", 11, 0, "192.0.0.1"])
check("inner ttl 1: the packet never left the AFTR (nothing from port 5557 at the router)",
      [1 for d, p in pkts("t1_rtr") if UDP in p and p[UDP].dport == 9998], [])
check("inner ttl 1: no session created for it",
      [s for s in load(T + "/sess_t1.json") if s["inner_port"] == 5557], [])
check("counters: drop_ttl +1, icmp_errors_sent +1, nothing else moved but that",
      {k: v for k, v in deltas("t10", "t11").items() if k.startswith("drop_") or k.startswith("icmp_")},
      {"drop_ttl": 1, "icmp_errors_sent": 1})

errs = [i for d, p in pkts("fn_a") for i in [inner4(p)]
        if d == "in" and i is not None and ICMP in i and i[ICMP].type == 3]
orig = [bytes(i) for d, p in pkts("fn_a") for i in [inner4(p)]
        if d == "out" and i is not None and UDP in i and i[UDP].sport == 5558]
check("frag needed: one ICMP 3/4 reached b4a", [(i[ICMP].type, i[ICMP].code) for i in errs], [[3, 4]])
check("frag needed: the B4 sent one 1428-byte DF datagram", [(len(o), (o[6] & 0x40) != 0) for o in orig], [[1428, True]])
if errs and orig:
    i, o = errs[0], orig[0]
    raw = bytes(i)
    q = raw[28:]
    check("frag needed: from the router, next-hop MTU 1300 kept", [i.src, i[ICMP].nexthopmtu], [RTR, 1300])
    check("frag needed: IPv4, ICMP, quoted IPv4 checksums valid", [ip_hdr_ok(raw), l4_ok(raw, 1), ip_hdr_ok(q)], [True, True, True])
    check("frag needed: quoted src 192.0.0.2:5558 (inner)", [socket.inet_ntoa(q[12:16]), struct.unpack("!H", q[20:22])[0]], ["192.0.0.2", 5558])
    check("frag needed: quoted UDP header (ports, length, checksum) = what the B4 sent", q[20:28].hex(), o[20:28].hex())
    check("frag needed: quoted total length is the original 1428", struct.unpack("!H", q[2:4])[0], 1428)
r = load(T + "/fn_a.json")
ee = r.get("ee") or {}
check("frag needed: the B4 socket got EMSGSIZE, MTU 1300, from the router",
      [r.get("error"), ee.get("type"), ee.get("code"), ee.get("info"), ee.get("offender")], ["EMSGSIZE", 3, 4, 1300, RTR])
check("counters: icmp_errors_translated +1", delta("fn0", "fn1", "icmp_errors_translated"), 1)

# the B4-side router errors, as the far host got them
sent_far = [bytes(p) for d, p in pkts("rb_far") if d == "out" and UDP in p and p[UDP].sport == 7100]
got_far = [bytes(p[IP]) for d, p in pkts("rb2_far") if d == "in" and ICMP in p and p[ICMP].type in (3, 11)]
check("B4-side errors: the far host answered once (what it sent is known)", len(sent_far), 1)
check("B4-side errors: the far host got both ICMP errors", len(got_far), 2)
if sent_far and got_far:
    o = sent_far[0]
    pub = socket.inet_ntoa(o[16:20])
    for raw, (typ, code) in zip(got_far, ((11, 0), (3, 1))):
        q = raw[28:]
        tag = "B4-side error %d/%d: " % (typ, code)
        check(tag + "from the public address of the session, to the far host, type/code kept",
              [socket.inet_ntoa(raw[12:16]), socket.inet_ntoa(raw[16:20]), raw[20], raw[21]], [pub, FAR, typ, code])
        check(tag + "IPv4, ICMP, quoted IPv4 and quoted UDP checksums valid",
              [ip_hdr_ok(raw), l4_ok(raw, 1), ip_hdr_ok(q), l4_ok(q, 17)], [True, True, True, True])
        check(tag + "the quote is what the far host sent (all but TTL and header checksum)",
              [q[:8].hex(), q[9:10].hex(), q[12:].hex()], [o[:8].hex(), o[9:10].hex(), o[12:len(q)].hex()])
        check(tag + "quoted TTL = sent TTL - 2 (rtr and the AFTR forwarded it)", o[8] - q[8], 2)
check("B4-side errors: icmp_errors_translated +2, nothing dropped",
      {k: v for k, v in deltas("rb0", "rb1").items() if k == "icmp_errors_translated" or k.startswith("drop_")},
      {"icmp_errors_translated": 2})

check("no-session: drop_icmp_error +2 and nothing translated",
      {k: v for k, v in deltas("ns0", "ns1").items() if k.startswith("drop_") or k.startswith("icmp_")},
      {"drop_icmp_error": 2})
for b in "ab":
    check("no-session: nothing reached b4" + b,
          [p.summary() for d, p in pkts("ns_" + b) if d == "in" and inner4(p) is not None], [])
' "$T" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_AFTR6" "$EDGE_FAR" "$EDGE_RTR_IN"

ksft_finish
