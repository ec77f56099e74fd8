#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Idle timeouts and the block hold-down (RFC 4787 REQ-5, RFC 5382 REQ-5,
# RFC 5508 REQ-1, RFC 6888 REQ-8) with short settings: each session kind
# shows its own timeout, a changed timeout applies to live sessions,
# traffic keeps a mapping (and its public endpoint) alive, an established
# TCP session outlives a closing one, idle sessions expire, a user's block
# is released when its last session goes and rests for the hold-down
# before the pool has it back, and the gauges (sessions, users, blocks)
# return to zero with sessions_expired = sessions_created.
#
# The timeouts leave a few seconds of slack for slow (debug) kernels:
# every snapshot is taken with dslitectl right after the traffic, and
# parsed later.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
require_root
require_module
trap topo_cleanup EXIT

# DSLITE_TIME_SCALE (check-debug sets it) stretches every timeout and wait
# for kernels where one dslitectl call takes a good part of a second
S=${DSLITE_TIME_SCALE:-1}
UDP=$((4 * S)) ICMP=$((4 * S)) TRANS=$((6 * S)) EST=$((20 * S)) HOLD=$((10 * S))
topo_setup hold-down $HOLD
T=$TOPO_TMP
S1=$TOPO_SRV

check "timeout set udp $UDP icmp $ICMP tcp-trans $TRANS tcp-est $EST tcp-syn 2" \
	D timeout set "$TOPO_INST" udp $UDP icmp $ICMP tcp-trans $TRANS tcp-est $EST tcp-syn 2
assert_eq "instance show -j: the timeouts and hold-down" \
	"$(D -j -d instance show "$TOPO_INST" | json '[j[0]["timeouts"], j[0]["hold_down"]]')" \
	"[{\"icmp\": $ICMP, \"tcp_est\": $EST, \"tcp_syn\": 2, \"tcp_trans\": $TRANS, \"udp\": $UDP}, $HOLD]"

nt_bg "$SRV" "$T/udpd.err" udp-echo "$S1:7000" --ready "$T/udp.rdy"
nt_bg "$SRV" "$T/tcpd.err" tcp-server "$S1:5001" --ready "$T/tcp.rdy"
wait_for 20 test -e "$T/udp.rdy" -a -e "$T/tcp.rdy" || { fail "servers started"; ksft_finish; }

# snap NAME FILTER...: the sessions right now, parsed later
snap() { local n=$1; shift; D -j session show "$@" >"$T/snap_$n.json"; }

section "a changed timeout applies to live sessions"
nt "$B4A" udp-send --bind :4100 --to "$S1:7000" >/dev/null
D timeout set "$TOPO_INST" udp 300 && snap up b4 "$TOPO_B4A6" proto udp
D timeout set "$TOPO_INST" udp $UDP && snap down b4 "$TOPO_B4A6" proto udp
py_checks "live change" '
up, down, udp = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
check("timeout set udp 300: the live session now expires in about 300 s",
      [290 <= s["expires"] <= 300 for s in up if s["inner_port"] == 4100], [True])
check("timeout set udp %d: back to at most %d s" % (udp, udp),
      [s["expires"] <= udp for s in down if s["inner_port"] == 4100], [True])
' "$T/snap_up.json" "$T/snap_down.json" $UDP

section "traffic of every kind"
# b4a: a UDP flow kept busy until the end, an established TCP connection
# left idle, a TCP connection closed at once; b4b: one datagram, one ping
nt_bg "$B4A" "$T/keep.json" udp-send --bind :4000 --to "$S1:7000" --until "$T/stop" --interval 0.5
keep=$NT_PID
nt_bg "$B4A" "$T/est.json" tcp-client --bind :4300 --to "$S1:5001" --echo --wait-file "$T/stop" --timeout $((120 * S))
est=$NT_PID
nt "$B4A" tcp-client --bind :4301 --to "$S1:5001" --echo >"$T/closed.json"
snap closed b4 "$TOPO_B4A6" proto tcp
nt "$B4B" udp-send --bind :4400 --to "$S1:7000" >"$T/b_udp.json"
snap budp b4 "$TOPO_B4B6" proto udp
nt "$B4B" ping --to "$S1" --id 99 --count 1 >"$T/b_ping.json"
snap bicmp b4 "$TOPO_B4B6" proto icmp
wait_for 20 has_session "$TOPO_B4A6" tcp 4300 established
snap est b4 "$TOPO_B4A6" proto tcp
py_checks "fresh sessions" '
T = sys.argv[1]
udp, icmp, trans, est = map(int, sys.argv[2:6])
port = lambda n, p: [s for s in load(T + "/snap_%s.json" % n) if s["inner_port"] == p]
check("b4b udp session: expires within %d s" % udp, [s["expires"] <= udp for s in port("budp", 4400)], [True])
check("b4b icmp session: state icmp, expires within %d s" % icmp,
      [(s["state"], s["expires"] <= icmp) for s in port("bicmp", 99)], [["icmp", True]])
check("b4a closed tcp: closing, expires within tcp-trans (%d s)" % trans,
      [(s["state"], s["expires"] <= trans) for s in port("closed", 4301)], [["closing", True]])
check("b4a open tcp: established, on the tcp-est timeout (expires in %d..%d s)" % (trans + 1, est),
      [(s["state"], trans < s["expires"] <= est) for s in port("est", 4300)], [["established", True]])
' "$T" $UDP $ICMP $TRANS $EST

section "idle sessions expire, busy and established ones stay"
b_gone() { [[ $(ctr users) -eq 1 ]]; }
check "b4b's sessions expire and its user goes (users: 1)" wait_for $((30 * S)) b_gone
blocks=$(ctr blocks) used=$(D -j pool show | jnum blocks_used)
# (b4a may have a resting block of its own too, if its first session
# expired before its next flows began on a slow kernel)
assert_eq "b4b's block rests: one block allocated, the pool counts more in use" \
	"$blocks/$((used > blocks))" "1/1"
closed_gone() { ! has_session "$TOPO_B4A6" tcp 4301; }
check "the closing tcp session expires" wait_for $((30 * S)) closed_gone
snap survivors b4 "$TOPO_B4A6"
touch "$T/stop"
py_checks "survivors" '
j = load(sys.argv[1])
check("the established tcp session (idle longer than tcp-trans) is still there",
      [s["state"] for s in j if s["proto"] == "tcp" and s["inner_port"] == 4300], ["established"])
check("the busy udp flow (older than the udp timeout) is still there",
      len([s for s in j if s["proto"] == "udp" and s["inner_port"] == 4000]), 1)
' "$T/snap_survivors.json"
wait "$keep" "$est" 2>/dev/null
assert_eq "busy udp flow: every datagram answered, one public endpoint all along" \
	"$(pyq '[j[0]["sent"] > 5, j[0]["replies"] == j[0]["sent"], len(j[0]["seen_all"])]' "$T/keep.json")" "[true, true, 1]"
assert_eq "the idle established connection still worked when it closed" "$(pyq 'j["ok"]' "$T/est.json")" True

section "everything expires; blocks rest, then are free"
no_sessions() { [[ $(ctr sessions) -eq 0 ]]; }
check "every session expires" wait_for $((40 * S)) no_sessions
# poll with dslitectl only (fast even on a debug kernel), timed by the
# kernel's clock (/proc/uptime, no fork): t1 = first time no block is
# allocated, t_used = last time the pool still counted one (resting),
# t_free = first time it did not. The rest lasted at least t_used - t1.
uptime_ms() { local up _; read -r up _ </proc/uptime; echo $((${up/./} * 10)); }
t0=$(uptime_ms) t1= t_used= t_free= used_at_t1= polls=0
while [[ $(($(uptime_ms) - t0)) -lt $((40000 * S)) ]]; do
	st=$(D -j stats show instance "$TOPO_INST")
	if [[ $(jnum blocks <<<"$st") -eq 0 && $(jnum users <<<"$st") -eq 0 ]]; then
		t1=$(uptime_ms)
		used_at_t1=$(D -j pool show | jnum blocks_used)
		break
	fi
	sleep 0.1
done
while [[ -n $t1 && $(($(uptime_ms) - t1)) -lt $(((HOLD + 30) * 1000)) ]]; do
	used=$(D -j pool show | jnum blocks_used)
	now=$(uptime_ms)
	polls=$((polls + 1))
	if [[ $used -gt 0 ]]; then
		t_used=$now
	else
		t_free=$now
		break
	fi
	sleep 0.1
done
echo "# hold-down timeline (ms after the last session expired): blocks released by" \
	"$((${t1:-0} - t0)), pool still busy at $((${t_used:-0} - t0)), free at $((${t_free:-0} - t0))" \
	"($polls pool polls)"
check "users and blocks gauges return to zero" test -n "$t1"
check "the released blocks rest first (pool blocks_used $used_at_t1 > 0)" test "${used_at_t1:-0}" -gt 0
check "then the pool has every block back" test -n "$t_free"
rest_ms=$((${t_used:-0} - ${t1:-0}))
check "they rested at least half the $HOLD s hold-down (>= $rest_ms ms observed)" \
	test "$rest_ms" -ge $((HOLD * 500))
stats_json >"$T/st_end.json"
py_checks "final counters" '
st = load(sys.argv[1])
check("gauges: sessions, users, blocks all 0", [st["sessions"], st["users"], st["blocks"]], [0, 0, 0])
check("sessions_expired = sessions_created", st["sessions_expired"], st["sessions_created"])
# the udp session of b4b was made while :4000 and :4300 of b4a were alive
check("peaks kept: users_peak 2, blocks_peak >= 2, sessions_peak >= 3",
      [st["users_peak"], st["blocks_peak"] >= 2, st["sessions_peak"] >= 3], [2, True, True])
check("no drops", {k: v for k, v in st.items() if k.startswith("drop_") and v}, {})
' "$T/st_end.json"
assert_eq "session show is empty" "$(D -j session show)" "[]"
assert_eq "user show is empty" "$(D -j user show)" "[]"

section "a new flow after all that works"
nt "$B4A" udp-send --bind :4000 --to "$S1:7000" >"$T/again.json"
assert_eq "b4a gets through again" "$(pyq 'j[0]["replies"]' "$T/again.json")" 1

ksft_finish
