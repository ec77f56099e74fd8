#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port blocks, paired pooling and quotas (RFC 6888 REQ-2/3/4, RFC 5508
# REQ-8). With blocks of 8 ports, a B4 opening more flows than a block
# holds gets a second block on the same public address; at its block quota
# (max-blocks-per-user) and at its session quota (max-sessions-per-user)
# the next flow is refused with ICMP 3/13 from 192.0.0.1 through the
# softwire (quoting the B4's own packet) and drop_quota moves; raising the
# quota lets an existing user grow; with every block of the pool taken a
# new B4 gets ICMP 3/13 and drop_no_pool moves.
source "$(dirname "$0")/lib.sh"
TOPO_POOL=
source "$(dirname "$0")/topo.sh"
topo_begin
S1=$TOPO_SRV S2=$TOPO_SRV2
POOL=198.51.100.0/28

srv_start nt udpd udp-echo "$S1:7000" "$S2:7000"
srv_ready "server started"

check "instance set port-block-size 8 max-blocks-per-user 2 (before any pool)" \
	D instance set "$TOPO_INST" port-block-size 8 max-blocks-per-user 2
check "pool add $POOL" topo_pool_add "$POOL"
assert_eq "pool: 16 addresses x 8064 blocks of 8 ports, none used" \
	"$(D -j pool show | json '[(p["prefix"], p["blocks"], p["blocks_used"]) for p in j]')" \
	"[[\"$POOL\", 129024, 0]]"
check_err "block size cannot change once a pool exists" 2 "Error: .*pool" \
	D instance set "$TOPO_INST" port-block-size 16

# flows FILE NS PORTS [TO]: one UDP flow per inner source port
flows() { nt "$2" udp-flows --ports "$3" --to "${4:-$S1:7000}" --timeout 3 >"$T/$1.json"; }

section "8 flows: one block"
flows f1 "$B4A" 20000-20007
D -j user show b4 "$TOPO_B4A6" >"$T/u1.json"
section "8 more flows: a second block on the same address"
flows f2 "$B4A" 20008-20015
D -j user show b4 "$TOPO_B4A6" >"$T/u2.json"
stats_json >"$T/st2.json"
D -j pool show >"$T/pool2.json"
py_checks "blocks" '
T, pool = sys.argv[1], ipaddress.ip_network(sys.argv[2])
f1, f2 = load(T + "/f1.json"), load(T + "/f2.json")
u1, u2 = load(T + "/u1.json"), load(T + "/u2.json")
check("8 flows: all answered, no ICMP error", [len(f1["replied"]), f1["icmp"]], [8, []])
check("8 flows: one user with one block of 8 ports holding 8 sessions",
      [(b["last"] - b["first"] + 1, b["sessions"]) for u in u1 for b in u["blocks"]], [[8, 8]])
addr = u1[0]["public_addr"] if u1 else None
b1 = u1[0]["blocks"][0] if u1 and u1[0]["blocks"] else {"first": 0, "last": 0}
eps1 = sorted(f1["replied"].values())
check("8 flows: 8 distinct public endpoints", len(set(eps1)), 8)
check("8 flows: all on the user public address, inside its block",
      [e for e in eps1 if e.split(":")[0] != addr or not b1["first"] <= int(e.split(":")[1]) <= b1["last"]], [])
check("8 flows: the public address is in the pool", addr is not None and ipaddress.ip_address(addr) in pool, True)
check("16 flows: all answered, no ICMP error", [len(f2["replied"]), f2["icmp"]], [8, []])
check("16 flows: the same public address (paired pooling)",
      sorted({e.split(":")[0] for e in f2["replied"].values()} | {u2[0]["public_addr"]}), [addr])
check("16 flows: two blocks of 8, 8 sessions each",
      sorted((b["last"] - b["first"] + 1, b["sessions"]) for b in u2[0]["blocks"]), [[8, 8], [8, 8]])
check("16 flows: the first block is still there", b1["first"] in [b["first"] for b in u2[0]["blocks"]], True)
b2 = [b for b in u2[0]["blocks"] if b["first"] != b1["first"]]
check("16 flows: flows 9-16 went to the new block",
      [e for e in f2["replied"].values() if not (b2 and b2[0]["first"] <= int(e.split(":")[1]) <= b2[0]["last"])], [])
check("blocks do not overlap", len({b["first"] for b in u2[0]["blocks"]}), 2)
st = load(T + "/st2.json")
check("stats: 16 sessions, 1 user, 2 blocks", [st["sessions"], st["users"], st["blocks"]], [16, 1, 2])
check("pool show: 2 blocks used", load(T + "/pool2.json")[0]["blocks_used"], 2)
' "$T" "$POOL"

section "at the block quota: ICMP 3/13 and drop_quota"
q0=$(ctr drop_quota) e0=$(ctr icmp_errors_sent)
flows f3 "$B4A" 20016-20018
q1=$(ctr drop_quota) e1=$(ctr icmp_errors_sent)
nt "$B4A" udp-send --bind :20000 --to "$S2:7000" >"$T/eim.json"
flows fb "$B4B" 30000-30002
py_checks "block quota" '
T, inner, srv = sys.argv[1], sys.argv[2], sys.argv[3]
f3 = load(T + "/f3.json")
check("3 flows over quota: none answered", f3["replied"], {})
check("3 flows over quota: 3 ICMP errors received by the B4", len(f3["icmp"]), 3)
check("each is type 3 code 13 from 192.0.0.1",
      sorted({(e["src"], e["type"], e["code"]) for e in f3["icmp"]}), [["192.0.0.1", 3, 13]])
check("each quotes the refused packet as the B4 sent it (not translated)",
      sorted((e.get("qsrc"), e.get("qdst"), e.get("qsport"), e.get("qdport")) for e in f3["icmp"]),
      [[inner, srv, p, 7000] for p in (20016, 20017, 20018)])
check("drop_quota moved by 3", int(sys.argv[5]) - int(sys.argv[4]), 3)
check("icmp_errors_sent moved by 3", int(sys.argv[7]) - int(sys.argv[6]), 3)
e = load(T + "/eim.json")[0]
check("at the block quota an existing mapping still reaches a new remote", e["replies"], 1)
check("... on its existing public endpoint", (e["reply"] or {}).get("seen"), load(T + "/f1.json")["replied"].get("20000"))
fb = load(T + "/fb.json")
check("the other B4 is not affected", [len(fb["replied"]), fb["icmp"]], [3, []])
' "$T" "$TOPO_INNER" "$S1" "$q0" "$q1" "$e0" "$e1"

section "raising max-blocks-per-user lets an existing user grow"
check "instance set max-blocks-per-user 6" D instance set "$TOPO_INST" max-blocks-per-user 6
flows f4 "$B4A" 20016-20047
D -j user show b4 "$TOPO_B4A6" >"$T/u4.json"
py_checks "raised block quota" '
T = sys.argv[1]
f4, u4 = load(T + "/f4.json"), load(T + "/u4.json")
check("32 more flows answered (6 blocks x 8 = 48 >= 16 + 32)", [len(f4["replied"]), f4["icmp"]], [32, []])
# every block holds 8 mappings; the one of port 20000 also the extra remote
check("the user has 6 blocks of 8 ports, all full, on one address",
      [len(u4[0]["blocks"]), sorted(b["sessions"] for b in u4[0]["blocks"]),
       sorted({b["last"] - b["first"] + 1 for b in u4[0]["blocks"]}),
       len({e.split(":")[0] for e in f4["replied"].values()} | {u4[0]["public_addr"]})], [6, [8, 8, 8, 8, 8, 9], [8], 1])
check("its sessions count all of them (48 flows + 1 extra remote)", u4[0]["sessions"], 49)
' "$T"
q0=$(ctr drop_quota)
flows f5 "$B4A" 20048-20048
assert_eq "the 49th flow is over the new quota: ICMP 3/13" \
	"$(pyq '[len(j["replied"]), [(e["type"], e["code"]) for e in j["icmp"]]]' "$T/f5.json")" "[0, [[3, 13]]]"
assert_eq "drop_quota moved by 1" "$(($(ctr drop_quota) - q0))" 1

section "per-user session quota"
check "instance set max-sessions-per-user 5" D instance set "$TOPO_INST" max-sessions-per-user 5
q0=$(ctr drop_quota)
flows f6 "$B4B" 30003-30005
assert_eq "b4b (3 sessions) opens 2 more, the 3rd is refused with ICMP 3/13" \
	"$(pyq '[sorted(j["replied"]), [(e["type"], e["code"], e["qsport"]) for e in j["icmp"]]]' "$T/f6.json")" \
	'[["30003", "30004"], [[3, 13, 30005]]]'
nt "$B4B" udp-send --bind :30000 --to "$S2:7000" --tries 1 --timeout 1 >"$T/eim6.json"
assert_eq "a new remote on an existing mapping is a new session: refused too" \
	"$(pyq 'j[0]["replies"]' "$T/eim6.json")" 0
assert_eq "drop_quota moved by 2" "$(($(ctr drop_quota) - q0))" 2
check "flush b4b's sessions" D session flush b4 "$TOPO_B4B6"
flows f7 "$B4B" 30010-30015
assert_eq "after a flush, 5 new flows pass and the 6th is refused" \
	"$(pyq '[len(j["replied"]), [(e["type"], e["code"]) for e in j["icmp"]]]' "$T/f7.json")" "[5, [[3, 13]]]"
check "instance set max-sessions-per-user 2048" D instance set "$TOPO_INST" max-sessions-per-user 2048

section "every block of the pool taken: drop_no_pool"
check "pool del $POOL" D pool del "$TOPO_INST" "$POOL"
assert_eq "its sessions and users are gone" "$(stats_json | json '[j["sessions"], j["blocks"]]')" "[0, 0]"
check "instance set port-range 1024-1039 (2 blocks per address)" \
	D instance set "$TOPO_INST" port-range 1024-1039
check "pool add 198.51.100.16/32" topo_pool_add 198.51.100.16/32
assert_eq "pool: one address, 2 blocks" "$(D -j pool show | json '[(p["blocks"], p["blocks_used"]) for p in j]')" "[[2, 0]]"
flows f8 "$B4A" 21000-21015
n0=$(ctr drop_no_pool) q0=$(ctr drop_quota)
flows f9 "$B4B" 31000-31000
flows f10 "$B4A" 21016-21016
py_checks "pool exhausted" '
T = sys.argv[1]
f8, f9, f10 = load(T + "/f8.json"), load(T + "/f9.json"), load(T + "/f10.json")
check("b4a takes both blocks with 16 flows on 198.51.100.16",
      [len(f8["replied"]), sorted({e.split(":")[0] for e in f8["replied"].values()})], [16, ["198.51.100.16"]])
check("public ports are 1024..1039, each once", sorted(int(e.split(":")[1]) for e in f8["replied"].values()), list(range(1024, 1040)))
check("b4b: no block left: ICMP 3/13", [f9["replied"], [(e["src"], e["type"], e["code"]) for e in f9["icmp"]]],
      [{}, [["192.0.0.1", 3, 13]]])
check("b4a under its quota but no free block: ICMP 3/13", [(e["type"], e["code"]) for e in f10["icmp"]], [[3, 13]])
check("drop_no_pool moved by 2, drop_quota not at all", [int(sys.argv[3]) - int(sys.argv[2]), int(sys.argv[5]) - int(sys.argv[4])], [2, 0])
' "$T" "$n0" "$(ctr drop_no_pool)" "$q0" "$(ctr drop_quota)"
assert_eq "pool show: 2 of 2 blocks used" "$(D -j pool show | json '[(p["blocks"], p["blocks_used"]) for p in j]')" "[[2, 2]]"

ksft_finish
