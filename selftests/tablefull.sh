#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Session table limits: with max-sessions 10 and the table full, flows
# that already have their session keep flowing (a TCP connection and a UDP
# exchange running across the whole test), while every new session is
# refused - a new outbound flow (ICMP 3/13 to the B4), a new TCP connection,
# a ping, a new remote on an existing mapping, an unsolicited inbound
# packet that EIF would admit - and drop_table_full counts each. Room
# comes back with a flush or a higher max-sessions. The module parameter
# max_sessions caps all instances together the same way.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
require_root
require_module

PARAM=/sys/module/dslite/parameters/max_sessions
ORIG_MAX=$(cat "$PARAM" 2>/dev/null)
restore() {
	[[ -n $ORIG_MAX ]] && echo "$ORIG_MAX" >"$PARAM"
	topo_cleanup
}
trap restore EXIT

topo_setup max-sessions 10
T=$TOPO_TMP
S1=$TOPO_SRV S2=$TOPO_SRV2

nt_bg "$SRV" "$T/udpd.err" udp-echo "$S1:7000" "$S2:7000" --ready "$T/udp.rdy"
nt_bg "$SRV" "$T/tcpd.err" tcp-server "$S1:5001" --ready "$T/tcp.rdy"
wait_for 20 test -e "$T/udp.rdy" -a -e "$T/tcp.rdy" || { fail "servers started"; ksft_finish; }

flows() { nt "$2" udp-flows --ports "$3" --to "${4:-$S1:7000}" --timeout 3 >"$T/$1.json"; }
sessions_are() { [[ $(ctr sessions) -eq $1 ]]; }

section "filling the table (max-sessions 10)"
# two long-lived flows, running until the end of the test
nt_bg "$B4A" "$T/long_tcp.json" tcp-client --to "$S1:5001" --until "$T/stop" --interval 0.3 --timeout 10
long_tcp=$NT_PID
nt_bg "$B4B" "$T/long_udp.json" udp-send --bind :9000 --to "$S1:7000" --until "$T/stop" --interval 0.3
long_udp=$NT_PID
check "the two long-lived flows have their sessions" wait_for 15 sessions_are 2
flows a1 "$B4A" 20000-20004
flows b1 "$B4B" 30000-30002
assert_eq "8 more flows answered: the table holds 10" \
	"$(pyq 'len(j["replied"])' "$T/a1.json")+$(pyq 'len(j["replied"])' "$T/b1.json")/$(ctr sessions)" "5+3/10"

section "table full: every new session is refused"
d0=$(ctr drop_table_full)
flows a2 "$B4A" 20005-20006
nt "$B4A" tcp-client --bind :21000 --to "$S1:5001" --echo --timeout 4 >"$T/a_tcp.json"
nt "$B4B" ping --to "$S1" --id 55 --count 1 --timeout 1 >"$T/b_ping.json"
nt "$B4A" udp-send --bind :20000 --to "$S2:7000" --tries 1 --timeout 1 >"$T/a_eim.json"
# an unsolicited packet EIF would let in: a new session too
pubb=$(pyq 'j["replied"]["30000"]' "$T/b1.json")
nt_bg "$B4B" "$T/b_recv.json" udp-recv --bind :30000 --timeout 60 --until "$T/b_recv.stop" --ready "$T/b_recv.rdy"
brecv=$NT_PID
wait_for 20 test -e "$T/b_recv.rdy"
nt "$SRV" udp-send --bind "$S2:7001" --to "$pubb" --tries 1 --timeout 0.2 >/dev/null
sleep 1
touch "$T/b_recv.stop"
wait "$brecv" 2>/dev/null
d1=$(ctr drop_table_full)
py_checks "table full" '
T = sys.argv[1]
a2 = load(T + "/a2.json")
check("2 new udp flows: no answer, ICMP 3/13 each",
      [a2["replied"], sorted((e["src"], e["type"], e["code"], e["qsport"]) for e in a2["icmp"])],
      [{}, [["192.0.0.1", 3, 13, 20005], ["192.0.0.1", 3, 13, 20006]]])
t = load(T + "/a_tcp.json")
check("a new TCP connection fails", t["ok"], False)
check("a new ping gets no reply", load(T + "/b_ping.json")["received"], 0)
check("a new remote on an existing mapping gets no reply", load(T + "/a_eim.json")[0]["replies"], 0)
check("the unsolicited inbound packet is not delivered", load(T + "/b_recv.json"), [])
# 2 udp flows + at least 1 SYN + 1 ping + 1 new remote + 1 inbound
check("drop_table_full counted them all (>= 6)", int(sys.argv[3]) - int(sys.argv[2]) >= 6, True)
' "$T" "$d0" "$d1"
assert_eq "still exactly 10 sessions, peak 10" "$(stats_json | json '[j["sessions"], j["sessions_peak"]]')" "[10, 10]"
assert_eq "nothing was refused as anything else" \
	"$(stats_json | json '{k: v for k, v in j.items() if k.startswith("drop_") and v and k != "drop_table_full"}')" "{}"

section "room again"
check "flush b4a's udp sessions" D session flush b4 "$TOPO_B4A6" proto udp
flows a3 "$B4A" 20010-20011
assert_eq "new flows fit again after the flush" "$(pyq 'len(j["replied"])' "$T/a3.json")" 2
flows a4 "$B4A" 20012-20016
assert_eq "up to the limit again: 3 more fit, 2 refused" \
	"$(pyq '[len(j["replied"]), len(j["icmp"])]' "$T/a4.json")" "[3, 2]"
check "instance set max-sessions 1000" D instance set "$TOPO_INST" max-sessions 1000
flows a5 "$B4A" 20020-20024
assert_eq "with a higher max-sessions new flows pass" "$(pyq '[len(j["replied"]), j["icmp"]]' "$T/a5.json")" "[5, []]"

section "the global cap: module parameter max_sessions"
if [[ ! -w $PARAM ]]; then
	fail "module parameter max_sessions is writable" "$PARAM"
else
	n=$(ctr sessions)
	# all instances of all namespaces together: this instance alone
	# already holds n, so a cap of n is reached whatever else exists
	check "max_sessions set to $n (the sessions of this instance)" bash -c "echo $n >$PARAM"
	d0=$(ctr drop_table_full)
	flows a6 "$B4A" 20030-20031
	assert_eq "at the global cap new flows are refused with ICMP 3/13" \
		"$(pyq '[j["replied"], [(e["type"], e["code"]) for e in j["icmp"]]]' "$T/a6.json")" "[{}, [[3, 13], [3, 13]]]"
	assert_eq "drop_table_full moved by 2" "$(($(ctr drop_table_full) - d0))" 2
	check "max_sessions back to $ORIG_MAX" bash -c "echo $ORIG_MAX >$PARAM"
	flows a7 "$B4A" 20030-20031
	assert_eq "below the cap again new flows pass" "$(pyq 'len(j["replied"])' "$T/a7.json")" 2
fi

section "the long-lived flows never stopped"
touch "$T/stop"
wait "$long_tcp" "$long_udp" 2>/dev/null
assert_eq "tcp connection from before the table filled: every ping answered" \
	"$(pyq '[j["ok"], j.get("pings", 0) > 20, j.get("pongs") == j.get("pings")]' "$T/long_tcp.json")" "[true, true, true]"
assert_eq "udp exchange from before the table filled: every datagram answered, one endpoint" \
	"$(pyq '[j[0]["sent"] > 20, j[0]["replies"] == j[0]["sent"], len(j[0]["seen_all"])]' "$T/long_udp.json")" "[true, true, 1]"

ksft_finish
