#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The translation core end to end with real peers (topo.sh): TCP bulk in
# both directions (sha256-checked), UDP and ICMP echo from two B4s at once,
# both using 192.0.0.2 and the same inner port / echo id. The server sees
# pool addresses only, the two B4s get different public endpoints, every
# answer reaches the B4 it belongs to, and the tables say the same. With
# net.ipv4.ip_forward=0 every packet is counted as drop_no_forward and
# instance show warns. Then a pool and the instance are deleted under live
# sessions: nothing is left and the kernel log stays clean.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
MB2=$((2 * 1024 * 1024))

srv_start nt sniff sniff --iface veth0 --out "$T/sniff.json"
srv_start nt tcpd tcp-server "$TOPO_SRV:5001" --log "$T/tcp.log"
srv_start nt udpd udp-echo "$TOPO_SRV:7000" --log "$T/udp.log"
srv_ready

# --- TCP: 2 MB each way from both B4s at once ------------------------------
section "TCP: 2 MB each way from both B4s at once"
nt "$B4A" tcp-client --to "$TOPO_SRV:5001" --put $MB2 --get $MB2 --timeout 90 >"$T/tcp_a.json" &
pa=$!
nt "$B4B" tcp-client --to "$TOPO_SRV:5001" --put $MB2 --get $MB2 --timeout 90 >"$T/tcp_b.json" &
pb=$!
wait $pa $pb
py_checks "tcp results" '
for b in "ab":
    r = load(sys.argv[1] + "/tcp_%s.json" % b)
    check("tcp b4%s: 2 MB upload arrives intact (sha256)" % b, r.get("put_ok"), True)
    check("tcp b4%s: 2 MB download arrives intact (sha256)" % b, r.get("get_ok"), True)
    check("tcp b4%s: the server saw a pool address" % b,
          ipaddress.ip_address(r.get("seen", "0.0.0.0:0").split(":")[0]) in ipaddress.ip_network(sys.argv[2]), True)
check("tcp: the two B4s have different public endpoints",
      load(sys.argv[1] + "/tcp_a.json").get("seen") != load(sys.argv[1] + "/tcp_b.json").get("seen"), True)
' "$T" "$TOPO_POOL"

# --- UDP: same inner 192.0.0.2:4000 on both B4s, at once -------------------
section "UDP: same inner 192.0.0.2:4000 on both B4s, at once"
nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --data from-b4a --count 5 --interval 0.1 >"$T/udp_a.json" &
pa=$!
nt "$B4B" udp-send --bind :4000 --to "$TOPO_SRV:7000" --data from-b4b --count 5 --interval 0.1 >"$T/udp_b.json" &
pb=$!
wait $pa $pb

# --- ICMP echo: the same id from both B4s, at once -------------------------
section "ICMP echo: the same id from both B4s, at once"
nt "$B4A" ping --to "$TOPO_SRV" --id 4242 --count 3 --interval 0.2 >"$T/ping_a.json" &
pa=$!
nt "$B4B" ping --to "$TOPO_SRV" --id 4242 --count 3 --interval 0.2 >"$T/ping_b.json" &
pb=$!
wait $pa $pb
sleep 0.5

# --- the peers, the server's link and the tables agree ----------------------
section "the peers, the server's link and the tables agree"
D -j session show >"$T/sess.json"
D -j user show >"$T/users.json"
stats_json >"$T/stats.json"
py_checks "udp/icmp/tables" '
T, pool = sys.argv[1], ipaddress.ip_network(sys.argv[2])
B4 = {"a": sys.argv[3], "b": sys.argv[4]}
inner, srv = sys.argv[5], sys.argv[6]
inpool = lambda a: ipaddress.ip_address(a) in pool
seen = {}
for b in "ab":
    r = load(T + "/udp_%s.json" % b)[0]
    rep = r["reply"] or {}
    check("udp b4%s: 5 of 5 answers" % b, r["replies"], 5)
    check("udp b4%s: the answers are its own" % b, rep.get("data", "").split(" ")[0], "from-b4" + b)
    check("udp b4%s: nothing from anyone else" % b, r["others"], [])
    seen[b] = rep.get("seen", "0.0.0.0:0")
    check("udp b4%s: the server saw a pool address" % b, inpool(seen[b].split(":")[0]), True)
    check("ping b4%s: 3 of 3 echo replies" % b, load(T + "/ping_%s.json" % b)["received"], 3)
check("udp: the two B4s have different public endpoints", seen["a"] != seen["b"], True)

# what the server link carried (the sniffer on srv)
recs = [json.loads(l) for l in open(T + "/sniff.json") if l.strip()]
inc = [r for r in recs if r["dir"] == "in"]
out = [r for r in recs if r["dir"] == "out"]
check("server received only pool source addresses", sorted({r["src"] for r in inc if not inpool(r["src"])}), [])
check("server sent only to pool addresses", sorted({r["dst"] for r in out if not inpool(r["dst"])}), [])
check("server saw TCP, UDP and ICMP echo from the pool",
      [any(r["proto"] == 6 for r in inc), sum(r["proto"] == 17 for r in inc) >= 10,
       sum(r["proto"] == 1 and r.get("type") == 8 for r in inc) >= 6], [True, True, True])
check("the two B4s echo id 4242 reached the server as two ids",
      len({(r["src"], r["id"]) for r in inc if r["proto"] == 1 and r.get("type") == 8}), 2)
check("tcp server log: pool addresses only",
      all(inpool(json.loads(l)["seen"].split(":")[0]) for l in open(T + "/tcp.log")), True)

# the tables
sess, users, st = load(T + "/sess.json"), load(T + "/users.json"), load(T + "/stats.json")
ep = lambda s: "%s:%d" % (s["public_addr"], s["public_port"])
for b in "ab":
    mine = [s for s in sess if s["b4"] == B4[b]]
    u = [x for x in users if x["b4"] == B4[b]]
    check("b4%s: udp session %s:4000 -> what the server saw" % (b, inner),
          [ep(s) for s in mine if s["proto"] == "udp" and s["inner_port"] == 4000 and s["inner_addr"] == inner], [seen[b]])
    check("b4%s: one tcp session, public endpoint as the server saw it" % b,
          [ep(s) for s in mine if s["proto"] == "tcp"], [load(T + "/tcp_%s.json" % b).get("seen")])
    check("b4%s: icmp session with echo id 4242" % b,
          [(s["inner_port"], s["remote_addr"], s["state"]) for s in mine if s["proto"] == "icmp"], [[4242, srv, "icmp"]])
    check("b4%s: one user entry" % b, len(u), 1)
    u = u[0] if u else {"public_addr": None, "blocks": []}
    check("b4%s: paired pooling: all its sessions on its user public address" % b,
          sorted({s["public_addr"] for s in mine}), [u["public_addr"]])
    check("b4%s: every public port lies in one of its blocks" % b,
          [ep(s) for s in mine if not any(bl["first"] <= s["public_port"] <= bl["last"] for bl in u["blocks"])], [])
    check("b4%s: user session count = its sessions" % b, u.get("sessions"), len(mine))
check("tcp sessions are closing once the clients closed", sorted({s["state"] for s in sess if s["proto"] == "tcp"}), ["closing"])
check("icmp public ids differ between the B4s", len({ep(s) for s in sess if s["proto"] == "icmp"}), 2)
check("no two sessions share (proto, public endpoint, remote) ", len({(s["proto"], ep(s), s["remote_addr"], s["remote_port"]) for s in sess}), len(sess))
check("stats: sessions gauge = sessions dumped", st["sessions"], len(sess))
check("stats: two users", st["users"], 2)
check("stats: blocks gauge = blocks listed by user show", st["blocks"], sum(len(u["blocks"]) for u in users))
# 4 MB went each way (TCP payload alone): at least 64 packets even with GRO
check("stats: packets and bytes counted both ways",
      {k: st[k] for k in ("out_packets", "in_packets", "out_bytes", "in_bytes") if st[k] < (4 << 20 if k.endswith("bytes") else 64)}, {})
check("stats: no drop of any kind", {k: v for k, v in st.items() if k.startswith("drop_") and v}, {})
' "$T" "$TOPO_POOL" "$TOPO_B4A6" "$TOPO_B4B6" "$TOPO_INNER" "$TOPO_SRV"

# --- the instance device down: the softwire stops ---------------------------
section "the instance device down: the softwire stops"
n0=$(ctr drop_not_for_us) o0=$(ctr out_packets)
check "ip link set dsl0 down" ip -n "$AFTR" link set "$TOPO_INST" down
nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --tries 1 --timeout 1 >"$T/down.json"
n1=$(ctr drop_not_for_us) o1=$(ctr out_packets)
check "ip link set dsl0 up" ip -n "$AFTR" link set "$TOPO_INST" up
# the pool route went with the device: put it back
ip -n "$AFTR" route replace "$TOPO_POOL" dev "$TOPO_INST"
nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" >"$T/up.json"
py_checks "device down" '
T = sys.argv[1]
n0, n1, o0, o1 = map(int, sys.argv[2:6])
check("no answer while dsl0 is down", load(T + "/down.json")[0]["replies"], 0)
check("counted as drop_not_for_us, not translated", [n1 - n0, o1 - o0], [1, 0])
up, before = load(T + "/up.json")[0], load(T + "/udp_a.json")[0]
check("up again: answered, on the same mapping", [up["replies"], (up["reply"] or {}).get("seen")],
      [1, (before["reply"] or {}).get("seen")])
' "$T" "$n0" "$n1" "$o0" "$o1"

# --- IPv4 forwarding off: counted, and instance show says so ---------------
section "net.ipv4.ip_forward=0: every packet counted as drop_no_forward"
check "instance show -j: ipv4_forwarding true" \
	test "$(D -j instance show "$TOPO_INST" | json 'j[0].get("ipv4_forwarding")')" = True
ip netns exec "$AFTR" sysctl -qw net.ipv4.ip_forward=0
f0=$(ctr drop_no_forward) o0=$(ctr out_packets)
nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --count 5 --tries 1 --timeout 0.5 >"$T/nofwd.json"
f1=$(ctr drop_no_forward) o1=$(ctr out_packets)
D instance show "$TOPO_INST" >"$T/nofwd.txt"
D -j instance show "$TOPO_INST" >"$T/nofwd_j.json"
ip netns exec "$AFTR" sysctl -qw net.ipv4.ip_forward=1
nt "$B4A" udp-send --bind :4000 --to "$TOPO_SRV:7000" --count 2 >"$T/fwd.json"
D instance show "$TOPO_INST" >"$T/fwd.txt"
D -j instance show "$TOPO_INST" >"$T/fwd_j.json"
py_checks "forwarding off" '
T = sys.argv[1]
f0, f1, o0, o1 = map(int, sys.argv[2:6])
check("forwarding off: none of the 5 datagrams answered", load(T + "/nofwd.json")[0]["replies"], 0)
check("forwarding off: drop_no_forward +5, nothing translated", [f1 - f0, o1 - o0], [5, 0])
check("forwarding off: instance show says \"forwarding off\"",
      open(T + "/nofwd.txt").read().split("\n")[0].endswith(" forwarding off"), True)
check("forwarding off: instance show -j says ipv4_forwarding false",
      load(T + "/nofwd_j.json")[0].get("ipv4_forwarding"), False)
check("forwarding back on: both answered", load(T + "/fwd.json")[0]["replies"], 2)
check("forwarding back on: no warning, ipv4_forwarding true",
      ["forwarding off" in open(T + "/fwd.txt").read(), load(T + "/fwd_j.json")[0].get("ipv4_forwarding")],
      [False, True])
' "$T" "$f0" "$f1" "$o0" "$o1"

# --- pool and instance deleted under live sessions -------------------------
section "pool and instance deleted under live sessions"
tcp_established() {
	[[ $(D -j session show proto tcp | json 'sum(s["state"] == "established" for s in j)') -ge 1 ]]
}
dmesg_mark
nt_bg "$B4A" "$T/hold.json" tcp-client --to "$TOPO_SRV:5001" --ping 200 --interval 0.05 --timeout 5
hold=$NT_PID
wait_for 10 tcp_established ||
	fail "live tcp flow before pool del"
nopool0=$(ctr drop_no_pool)
check "pool del with live sessions" D pool del "$TOPO_INST" "$TOPO_POOL"
assert_eq "no session left on the deleted pool" "$(D -j session show)" "[]"
# the live flow keeps sending: it may make a new, empty user (no address,
# no block) until GC; none may keep an address or block of the old pool
assert_eq "no user keeps an address or block of the deleted pool" \
	"$(D -j user show | json '[u for u in j if u.get("public_addr") or u["blocks"] or u["sessions"]]')" "[]"
assert_eq "pool list empty" "$(D -j pool show)" "[]"
assert_eq "session and block gauges back to zero" "$(stats_json | json '[j["sessions"], j["blocks"]]')" "[0, 0]"
no_pool_moved() { [[ $(ctr drop_no_pool) -gt $nopool0 ]]; }
check "the live flow's next packets are refused: drop_no_pool moves" wait_for 10 no_pool_moved
nt_stop "$hold"
no_users() { [[ $(ctr users) -eq 0 ]]; }
check "once the flow stops, the users gauge returns to zero" wait_for 5 no_users
section "pool back, then instance del under a live flow"
check "pool added again" D pool add "$TOPO_INST" "$TOPO_POOL"
nt "$B4A" udp-send --bind :4001 --to "$TOPO_SRV:7000" >"$T/udp_again.json"
assert_eq "translation works again after the pool came back" "$(pyq 'j[0]["replies"]' "$T/udp_again.json")" 1
nt "$B4B" ping --to "$TOPO_SRV" --count 1 >/dev/null
nt_bg "$B4B" "$T/hold2.json" tcp-client --to "$TOPO_SRV:5001" --ping 400 --interval 0.05 --timeout 5
wait_for 10 tcp_established ||
	fail "live tcp flow before instance del"
check "instance del with live sessions" D instance del "$TOPO_INST"
assert_eq "instance gone" "$(D -j instance show)" "[]"
check "its netdevice is gone" bash -c "! ip -n '$AFTR' link show '$TOPO_INST' 2>/dev/null"
check "B4 traffic to the old AFTR address is not a crash" \
	bash -c "ip netns exec '$B4A' python3 '$TOPO_TOOL' udp-send --bind :4002 --to '$TOPO_SRV:7000' --tries 1 --timeout 0.5 >/dev/null"
check "instance added again with the same name, id and AFTR" \
	D instance add "$TOPO_INST" id 1 aftr "$TOPO_AFTR6"
assert_eq "the new instance starts empty" "$(stats_json | json '[j["sessions"], j["users"], j["out_packets"]]')" "[0, 0, 0]"
D instance del "$TOPO_INST"
sleep 1
section "kernel log"
dmesg_clean "kernel log clean after deleting under load"

ksft_finish
