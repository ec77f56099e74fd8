#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Endpoint-independent mapping (RFC 4787 REQ-1, RFC 5382 REQ-1, RFC 5508):
# one inner (address, port) talking to several remote endpoints, on two
# server addresses, appears with one public (address, port) to all of
# them, for UDP, TCP and ICMP echo; another inner port or another B4 gets
# another public endpoint. Then a real RFC 5780 client (coturn's
# turnutils_natdiscovery against turnserver on two addresses) classifies
# the NAT: endpoint-independent mapping, and the filtering the instance
# is set to.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
S1=$TOPO_SRV S2=$TOPO_SRV2

srv_start nt udpd udp-echo "$S1:7000" "$S1:7001" "$S2:7000" "$S2:7001"
srv_start nt tcpd tcp-server "$S1:5001" "$S2:5001"
srv_ready

section "UDP: one inner endpoint, several remotes"
nt "$B4A" udp-send --bind :5555 --to "$S1:7000" --to "$S2:7000" --to "$S1:7001" >"$T/a5555.json"
nt "$B4A" udp-send --bind :5556 --to "$S1:7000" --to "$S2:7001" >"$T/a5556.json"
nt "$B4B" udp-send --bind :5555 --to "$S1:7000" --to "$S2:7000" >"$T/b5555.json"
# a new socket on the same inner port later: the mapping is still there
nt "$B4A" udp-send --bind :5555 --to "$S2:7001" >"$T/a5555_later.json"

section "TCP: one inner port, two servers at once"
nt_bg "$B4A" "$T/tcp1.json" tcp-client --bind :6000 --reuseport --to "$S1:5001" --echo --hold 4
nt_bg "$B4A" "$T/tcp2.json" tcp-client --bind :6000 --reuseport --to "$S2:5001" --echo --hold 4
nt_bg "$B4A" "$T/tcp3.json" tcp-client --bind :6001 --reuseport --to "$S2:5001" --echo --hold 4

section "ICMP: one echo id, two servers"
nt "$B4A" ping --to "$S1" --id 777 --count 1 >"$T/p1.json"
nt "$B4A" ping --to "$S2" --id 777 --count 1 >"$T/p2.json"
wait_for 30 test -s "$T/tcp1.json" -a -s "$T/tcp2.json" -a -s "$T/tcp3.json"
D -j session show b4 "$TOPO_B4A6" >"$T/sess_a.json"

py_checks "EIM checks" '
T, pool = sys.argv[1], ipaddress.ip_network(sys.argv[2])
S1, S2 = sys.argv[3], sys.argv[4]
seen = lambda f: [(r["reply"] or {}).get("seen") for r in load(T + "/" + f)]
a5555, a5556, b5555 = seen("a5555.json"), seen("a5556.json"), seen("b5555.json")
later = seen("a5555_later.json")
check("udp: every probe answered", [None in x for x in (a5555, a5556, b5555, later)], [False] * 4)
check("udp b4a :5555 -> %s:7000, %s:7000, %s:7001: one public endpoint" % (S1, S2, S1), len(set(a5555)), 1)
pub = a5555[0] or "0.0.0.0:0"
check("udp: that endpoint is a pool address", ipaddress.ip_address(pub.split(":")[0]) in pool, True)
check("udp b4a :5555 later, to a fourth remote: same endpoint", later, [pub])
check("udp b4a :5556: one endpoint for both remotes", len(set(a5556)), 1)
check("udp b4a :5556: another public port than :5555", a5556[0] != pub, True)
check("udp b4a: paired pooling: same public address for both ports",
      a5556[0].split(":")[0] == pub.split(":")[0], True)
check("udp b4b :5555: one endpoint for both servers", len(set(b5555)), 1)
check("udp b4b :5555: not the endpoint of b4a :5555", b5555[0] != pub, True)

tcp = [load(T + "/tcp%d.json" % i) for i in (1, 2, 3)]
check("tcp: three connections made", [t.get("ok") for t in tcp], [True] * 3)
check("tcp: local port 6000 to two servers: one public endpoint",
      [tcp[0].get("seen") == tcp[1].get("seen"), tcp[0].get("seen") is not None], [True, True])
check("tcp: local port 6001: another public endpoint", tcp[2].get("seen") != tcp[0].get("seen"), True)

check("icmp: both pings answered", [load(T + "/p%d.json" % i)["received"] for i in (1, 2)], [1, 1])
sess = load(T + "/sess_a.json")
ep = lambda s: "%s:%d" % (s["public_addr"], s["public_port"])
u = [s for s in sess if s["proto"] == "udp" and s["inner_port"] == 5555]
check("table: udp :5555 has four sessions (one per remote)",
      sorted("%s:%d" % (s["remote_addr"], s["remote_port"]) for s in u),
      sorted([S1 + ":7000", S2 + ":7000", S1 + ":7001", S2 + ":7001"]))
check("table: all on the endpoint the servers saw", sorted({ep(s) for s in u}), [pub])
t = [s for s in sess if s["proto"] == "tcp" and s["inner_port"] == 6000]
check("table: tcp :6000 has two sessions on one public endpoint",
      [len(t), len({ep(s) for s in t}), ep(t[0]) if t else None], [2, 1, tcp[0].get("seen")])
i = [s for s in sess if s["proto"] == "icmp" and s["inner_port"] == 777]
check("table: icmp id 777 has two sessions on one public id",
      [sorted(s["remote_addr"] for s in i), len({ep(s) for s in i})], [sorted([S1, S2]), 1])
' "$T" "$TOPO_POOL" "$S1" "$S2"

# --- a real RFC 5780 client ------------------------------------------------
section "RFC 5780: turnutils_natdiscovery against turnserver"
if ! command -v turnutils_natdiscovery >/dev/null || ! command -v turnserver >/dev/null; then
	skip "RFC 5780 mapping: endpoint independent" "coturn not installed (apt-get install coturn)"
	skip "RFC 5780 filtering: eif/adf/apdf as configured" "coturn not installed (apt-get install coturn)"
	ksft_finish
fi
# RFC 5780 needs two addresses on the server: its CHANGE-REQUEST answers
# come from the other one (and the other port, 3479)
ns_bg "$SRV" "$T/turn.log" turnserver -L "$S1" -L "$S2" --stun-only --no-tcp \
	--no-tls --no-dtls --no-cli -n --simple-log --log-file stdout
turn_up() { ip netns exec "$SRV" ss -lun | grep -q "$S2:3479"; }
wait_for 20 turn_up || { fail "turnserver listens on both addresses"; sed 's/^/#   | /' "$T/turn.log"; ksft_finish; }

# natdiscovery MODE: run it from b4a, print its verdict line and the
# reflexive addresses it reported
natdisc() {
	ip netns exec "$B4A" timeout 60 turnutils_natdiscovery "$1" "$S1" >"$T/nd$1.out" 2>&1
	grep -E "^NAT with|No NAT" "$T/nd$1.out"
}
reflexive_in_pool() {
	local a
	a=$(sed -n 's/.*UDP reflexive addr: \([0-9.]*\):.*/\1/p' "$T/nd-m.out" | sort -u)
	[[ $(wc -l <<<"$a") -eq 1 ]] && in_pool "$a"
}
assert_eq "RFC 5780 mapping: endpoint independent" "$(natdisc -m)" "NAT with Endpoint Independent Mapping!"
check "RFC 5780: one reflexive address, from the pool" reflexive_in_pool
assert_eq "RFC 5780 filtering under eif" "$(natdisc -f)" "NAT with Endpoint Independent Filtering!"
check "filtering adf" D instance set "$TOPO_INST" filtering adf
assert_eq "RFC 5780 filtering under adf" "$(natdisc -f)" "NAT with Address Dependent Filtering!"
check "filtering apdf" D instance set "$TOPO_INST" filtering apdf
assert_eq "RFC 5780 filtering under apdf" "$(natdisc -f)" "NAT with Address and Port Dependent Filtering!"
assert_eq "RFC 5780 mapping stays endpoint independent under apdf" "$(natdisc -m)" \
	"NAT with Endpoint Independent Mapping!"

ksft_finish
