#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hairpinning (RFC 4787 REQ-9, RFC 5382 REQ-8, RFC 6333 8.2): B4a talks
# to the public endpoint of B4b. The packet turns around inside the AFTR
# (translated out, then in, never on the uplink), B4b sees it come from
# B4a's public endpoint (not from 192.0.0.2), answers reach B4a from B4b's
# public endpoint; UDP and a sha256-checked TCP transfer, a B4 reaching
# its own mapping, and coturn's RFC 5780 hairpinning probe.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
S1=$TOPO_SRV

srv_start nt udpd udp-echo "$S1:7000"
srv_start nt tcpd tcp-server "$S1:5001"
srv_start nt sniff sniff --iface veth0 --out "$T/sniff.json"
srv_ready

section "UDP: b4a -> b4b's public endpoint"
# learn both public endpoints through the server
nt "$B4B" udp-send --bind :7100 --to "$S1:7000" >"$T/b_map.json"
nt "$B4A" udp-send --bind :7200 --to "$S1:7000" >"$T/a_map.json"
PB=$(pyq '(j[0]["reply"] or {}).get("seen", "")' "$T/b_map.json")
PA=$(pyq '(j[0]["reply"] or {}).get("seen", "")' "$T/a_map.json")
check "both B4s mapped ($PA, $PB)" test -n "$PA" -a -n "$PB"
h0=$(ctr hairpin_packets)
nt_bg "$B4B" "$T/b_recv.json" udp-recv --bind :7100 --timeout 30 --count 3 --answer pong --ready "$T/b_recv.rdy"
brecv=$NT_PID
wait_for 20 test -e "$T/b_recv.rdy"
nt "$B4A" udp-send --bind :7200 --to "$PB" --data ping --count 3 >"$T/a_hp.json"
wait "$brecv" 2>/dev/null
h1=$(ctr hairpin_packets)

section "UDP: a B4 reaches its own public endpoint"
nt "$B4A" udp-send --bind :7200 --to "$PA" --data self >"$T/a_self.json"

py_checks "udp hairpin" '
T, pool, PA, PB = sys.argv[1], ipaddress.ip_network(sys.argv[2]), sys.argv[3], sys.argv[4]
a, b = load(T + "/a_hp.json")[0], load(T + "/b_recv.json")
check("b4b received the 3 datagrams", [r["data"] for r in b], ["ping 0", "ping 1", "ping 2"])
check("b4b saw them from b4a public endpoint (not 192.0.0.2)", sorted({r["from"] for r in b}), [PA])
check("b4a got the 3 answers, from b4b public endpoint", [a["replies"], a["others"]], [3, []])
check("b4b answers carry what it saw", (a["reply"] or {}).get("seen"), PA)
check("hairpin_packets moved by 6 (3 each way)", int(sys.argv[6]) - int(sys.argv[5]), 6)
s = load(T + "/a_self.json")[0]
check("a B4 sending to its own public endpoint gets its datagram back", [s["replies"], s["reply"]], [1, "self 0"])
' "$T" "$TOPO_POOL" "$PA" "$PB" "$h0" "$h1"

section "TCP: b4a connects to b4b's public endpoint"
# b4b listens on 8100 and, from the same port (SO_REUSEPORT), connects
# out: that makes the mapping of 8100 known (hole punching)
nt_bg "$B4B" "$T/b_listen.err" tcp-server 0.0.0.0:8100 --reuseport --ready "$T/b_listen.rdy"
wait_for 10 test -e "$T/b_listen.rdy"
nt_bg "$B4B" "$T/b_hole.json" tcp-client --bind :8100 --reuseport --to "$S1:5001" --echo \
	--wait-file "$T/b_hole.stop" --timeout 120
wait_for 20 has_session "$TOPO_B4B6" tcp 8100 established
PBT=$(session_pub "$TOPO_B4B6" tcp 8100)
h0=$(ctr hairpin_packets)
nt "$B4A" tcp-client --bind :8200 --to "$PBT" --echo --put 524288 --get 524288 --timeout 60 >"$T/a_tcp.json"
h1=$(ctr hairpin_packets)
touch "$T/b_hole.stop"
D -j session show b4 "$TOPO_B4A6" proto tcp >"$T/a_tcp_sess.json"
py_checks "tcp hairpin" '
T, pool, PBT = sys.argv[1], ipaddress.ip_network(sys.argv[2]), sys.argv[3]
r = load(T + "/a_tcp.json")
check("b4a connected to b4b public endpoint", [r["ok"], r.get("error")], [True, None])
check("512 KB each way intact (sha256)", [r.get("put_ok"), r.get("get_ok")], [True, True])
mine = ["%s:%d" % (s["public_addr"], s["public_port"]) for s in load(T + "/a_tcp_sess.json")
        if s["inner_port"] == 8200]
check("b4b saw b4a public endpoint of its connection", [r.get("seen")], mine)
check("that is a pool address", ipaddress.ip_address((r.get("seen") or "0.0.0.0:0").split(":")[0]) in pool, True)
check("hairpin_packets moved by at least 2 x 512 KB / 1500 B", int(sys.argv[5]) - int(sys.argv[4]) > 700, True)
' "$T" "$TOPO_POOL" "$PBT" "$h0" "$h1"

section "the hairpinned packets never left the AFTR"
sleep 0.5
py_checks "uplink" '
pool = ipaddress.ip_network(sys.argv[2])
inp = lambda a: ipaddress.ip_address(a) in pool
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
check("the uplink carried no pool-to-pool packet", [r for r in recs if inp(r["src"]) and inp(r["dst"])], [])
check("the uplink saw the mapping probes (sniffer works)", sum(1 for r in recs if r.get("dport") == 7000) >= 2, True)
' "$T/sniff.json" "$TOPO_POOL"
check "no drop while hairpinning" \
	test "$(stats_json | json '{k: v for k, v in j.items() if k.startswith("drop_") and v}')" = "{}"

section "RFC 5780 hairpinning probe (coturn)"
if ! command -v turnutils_natdiscovery >/dev/null || ! command -v turnserver >/dev/null; then
	skip "turnutils_natdiscovery -H: hairpinning works" "coturn not installed (apt-get install coturn)"
	ksft_finish
fi
ns_bg "$SRV" "$T/turn.log" turnserver -L "$S1" -L "$TOPO_SRV2" --stun-only --no-tcp \
	--no-tls --no-dtls --no-cli -n --simple-log --log-file stdout
turn_up() { ip netns exec "$SRV" ss -lun | grep -q "$TOPO_SRV2:3479"; }
wait_for 20 turn_up || { fail "turnserver listens"; ksft_finish; }
ip netns exec "$B4A" timeout 60 turnutils_natdiscovery -H "$S1" >"$T/ndH.out" 2>&1
check_err "turnutils_natdiscovery -H: hairpinning works" 0 "successful hairpinning" cat "$T/ndH.out"

ksft_finish
