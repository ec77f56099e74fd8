#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed input is dropped and counted, and nothing crashes (the VM
# runner fails the run on any kernel WARN/BUG/oops). Crafted with scapy and
# sent raw, one case at a time with the counters read before and after:
#  - from a B4 (IPv4-in-IPv6 to the AFTR address): bad IPv4 header
#    checksum, IHL < 5, IHL past the end, version 6 inside, total length
#    past the payload or below the header, no/short inner header,
#    truncated UDP/TCP/ICMP headers, TCP data offset < 5, ICMP errors with
#    a truncated or bogus quote, an ICMP error quoting an ICMP error (also
#    with TTL 1: no error about an error), TTL 1 with protocol ICMP and no
#    (or a cut) ICMP header (no time exceeded), tiny and overlapping fragments
#    (RFC 1858 / RFC 3128, a fragment with less than 8 bytes);
#  - from the Internet (to a public address): truncated UDP, an ICMP error
#    quoting an ICMP error, a truncated quote, overlapping/tiny fragments;
#  - positive controls (the same kinds of packets, well formed) do pass;
#  - then 200 fuzzed packets (scapy fuzz()), and translation still works.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo_edge.sh"
edge_begin
dmesg_mark
S=$TOPO_SRV

srv_start nt tcpd tcp-server "$S:5001"
srv_start ed u0 udp-answer "$S:7000" --log "$T/srv7000.log"
srv_start ed u5 udp-answer "$S:7005" --quiet --log "$T/srv7005.log"
srv_ready
# incomplete datagrams expire in 2 s (instead of 30) in the AFTR
ip netns exec "$AFTR" sysctl -qw net.ipv4.ipfrag_time=2

section "a real flow from b4a (its session is quoted below)"
ed "$B4A" udp-probe --bind :4000 --to "$S:7000" --data hello >"$T/flow.json"
assert_eq "b4a's flow is answered" "$(pyq '"reply_len" in j' "$T/flow.json")" True
read -r PUB PPORT <<<"$(D -j session show | json '" ".join([j[0]["public_addr"], str(j[0]["public_port"])])')"
check "b4a has a public endpoint ($PUB:$PPORT)" test -n "$PPORT"

section "crafting the cases (scapy)"
python3 "$LIB_DIR/py/malformed_craft.py" "$T" "$TOPO_B4A6" "$TOPO_AFTR6" "$S" "$B4A" "$SRV" "$PUB" "$PPORT" "$DSLITECTL" "$AFTR"
check "scapy crafted the cases" test -s "$T/cases.send" -a -s "$T/fuzz.send"

section "sending the cases, one at a time"
cap_start cases "$SRV:veth0:cases_srv" "$B4A:veth0:cases_a"
edsend "$T/cases.send" --gap 0.05 >/dev/null
cap_stop cases

py_checks "malformed cases" "$SCAPY_PY"'
meta = load(T + "/cases.json")
keys = lambda d: {k: v for k, v in d.items() if k.startswith("drop_") or k.startswith("icmp_")
                  or k in ("out_packets", "in_packets", "fragments_reassembled")}
for c in meta:
    got = keys(deltas("c_%s_0" % c["name"], "c_%s_1" % c["name"]))
    if c["want"] == "dropped":
        check("%s: dropped (nothing translated) and counted as a drop" % c["desc"],
              [got.get("out_packets", 0), sum(v for k, v in got.items() if k.startswith("drop_")) >= 1], [0, True])
        if got.get("out_packets") or not any(k.startswith("drop_") for k in got):
            print("counters moved: %s" % json.dumps(got))
    else:
        check("%s: counters %s" % (c["desc"], json.dumps(c["want"], sort_keys=True)), got, c["want"])
srv = [p for d, p in pkts("cases_srv") if d == "in" and IP in p]
payloads = b"".join(bytes(p[IP].payload) for p in srv)
check("nothing malformed reached the server (no bad-* payload on its link)", payloads.count(b"bad-"), 0)
check("the controls reached the server: good-udp, the ICMP error, the reassembled datagram",
      [b"good-udp" in payloads, sum(1 for p in srv if ICMP in p and p[ICMP].type == 3), b"good-frg" in payloads],
      [True, 1, True])
syns = [p for p in srv if TCP in p and p[TCP].dport == 5001 and p[TCP].flags & 0x02]
check("no TCP SYN reached the server from the tiny or overlapping fragments", len(syns), 0)
back = [p for d, p in pkts("cases_a") if d == "in" and inner4(p) is not None and ICMP in inner4(p)
        and inner4(p)[ICMP].type in (3, 11) and inner4(p).src == "192.0.0.1"]
check("the AFTR sent no ICMP error to the B4 about any of them (no error about an error)", len(back), 0)
leak = [inner4(p).summary() for d, p in pkts("cases_a") if d == "in" and inner4(p) is not None
        and (UDP in inner4(p) or ICMP in inner4(p))]
check("nothing of the Internet-side cases reached b4a", leak, [])
' "$T"

section "200 fuzzed packets from b4a"
snap fz0
edsend "$T/fuzz.send" --gap 0 >"$T/fuzz.out"
sleep 3	# incomplete fragments among them expire (ipfrag_time 2)
snap fz1
check "the fuzz was sent" grep -q '"sent": [1-9]' "$T/fuzz.out"
ed "$B4A" udp-probe --bind :4000 --to "$S:7000" --data again >"$T/after.json"
assert_eq "after it all b4a's flow is still answered" "$(pyq '"reply_len" in j' "$T/after.json")" True
ed "$B4B" udp-probe --bind :4000 --to "$S:7000" --data again >"$T/after_b.json"
assert_eq "and a new B4 is translated too" "$(pyq '"reply_len" in j' "$T/after_b.json")" True
py_checks "fuzz accounting" "$SCAPY_PY"'
d = deltas("fz0", "fz1")
print("fuzz moved: " + json.dumps({k: v for k, v in d.items() if k.startswith("drop_") or k.endswith("_packets")}, sort_keys=True))
check("fuzz: drops were counted", sum(v for k, v in d.items() if k.startswith("drop_")) > 0, True)
' "$T"
log=$(dmesg_since | grep -iE "dslite|WARNING|BUG|Oops|general protection")
assert_eq "kernel log: nothing from or about dslite during the test" "$log" ""

ksft_finish
