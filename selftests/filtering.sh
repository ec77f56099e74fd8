#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Inbound filtering (RFC 4787 REQ-8, RFC 5382 REQ-3): after a B4 opened a
# mapping to 203.0.113.2:7000, unsolicited packets come to its public
# endpoint from another host (203.0.113.3) and from the same host on
# another port. eif lets both in, adf only the known address, apdf
# neither; each refusal counts in drop_filtered and nothing else leaks
# through. The same for an inbound TCP SYN; a packet for a public port
# with no mapping counts in drop_no_session.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/topo.sh"
topo_begin
S1=$TOPO_SRV S2=$TOPO_SRV2

srv_start nt udpd udp-echo "$S1:7000"
srv_start nt tcpd tcp-server "$S1:5001"
srv_ready

# probe MODE PORT: open a mapping from b4a's inner PORT to S1:7000, then
# send to its public endpoint from S2:7000 ("other-host") and S1:7999
# ("other-port"); print what the B4 received, sorted, and the drop_filtered
# delta, e.g. "other-host other-port|0"
probe() {
	local mode=$1 port=$2 pub f0 rdy=$T/recv$2.rdy
	nt "$B4A" udp-send --bind ":$port" --to "$S1:7000" >"$T/open$port.json"
	pub=$(pyq '(j[0]["reply"] or {}).get("seen", "")' "$T/open$port.json")
	[[ -n $pub ]] || { echo "no mapping"; return; }
	f0=$(ctr drop_filtered)
	# the B4 listens until both probes were sent (and a second more)
	nt_bg "$B4A" "$T/recv$port.json" udp-recv --bind ":$port" --timeout 60 \
		--until "$T/recv$port.stop" --ready "$rdy"
	local rpid=$NT_PID
	wait_for 20 test -e "$rdy"
	nt "$SRV" udp-inject "$S2:7000,$pub,other-host" "$S1:7999,$pub,other-port" >/dev/null
	sleep 1
	touch "$T/recv$port.stop"
	wait "$rpid" 2>/dev/null
	echo "$(pyq '" ".join(sorted(r["data"].split()[0] for r in j))' "$T/recv$port.json")|$(($(ctr drop_filtered) - f0))"
}

section "eif (the default)"
assert_eq "eif: another host and another port both reach the B4, nothing filtered" \
	"$(probe eif 6001)" "other-host other-port|0"
D -j session show b4 "$TOPO_B4A6" proto udp >"$T/sess_eif.json"
assert_eq "eif: the admitted remotes now have sessions on the mapping" \
	"$(pyq 'sorted("%s:%d" % (s["remote_addr"], s["remote_port"]) for s in j if s["inner_port"] == 6001)' "$T/sess_eif.json")" \
	"[\"$S1:7000\", \"$S1:7999\", \"$S2:7000\"]"

section "adf"
check "instance set filtering adf" D instance set "$TOPO_INST" filtering adf
assert_eq "adf: another host is dropped (counted), the same host's other port passes" \
	"$(probe adf 6002)" "other-port|1"

section "apdf"
check "instance set filtering apdf" D instance set "$TOPO_INST" filtering apdf
assert_eq "apdf: both dropped and counted" "$(probe apdf 6003)" "|2"
nt "$B4A" udp-send --bind :6003 --to "$S1:7000" --count 3 >"$T/again.json"
assert_eq "apdf: the remote the B4 talks to still answers" "$(pyq 'j[0]["replies"]' "$T/again.json")" 3
D -j session show b4 "$TOPO_B4A6" proto udp >"$T/sess_apdf.json"
assert_eq "apdf: no session was made for the refused remotes" \
	"$(pyq 'sorted("%s:%d" % (s["remote_addr"], s["remote_port"]) for s in j if s["inner_port"] == 6003)' "$T/sess_apdf.json")" \
	"[\"$S1:7000\"]"

# --- TCP: an inbound SYN to a mapping made by an outbound connection ------
# b4a listens on 8000 and connects out from 8000 (SO_REUSEPORT, as hole
# punching does), so the public endpoint of 8000 is known; then srv's
# other address connects to it.
tcp_probe() {
	local port=$1 pub
	nt_bg "$B4A" "$T/listen$port.out" tcp-server "0.0.0.0:$port" --reuseport --ready "$T/listen$port.rdy"
	wait_for 20 test -e "$T/listen$port.rdy"
	nt_bg "$B4A" "$T/hole$port.json" tcp-client --bind ":$port" --reuseport --to "$S1:5001" --echo \
		--wait-file "$T/hole$port.stop" --timeout 120
	wait_for 20 has_session "$TOPO_B4A6" tcp "$port" established
	pub=$(session_pub "$TOPO_B4A6" tcp "$port")
	nt "$SRV" tcp-client --bind "$S2:0" --to "$pub" --echo --timeout 3 >"$T/in$port.json"
	touch "$T/hole$port.stop"
	pyq '[j["ok"], j.get("seen") is not None]' "$T/in$port.json"
}

section "TCP inbound SYN under apdf, then eif"
f0=$(ctr drop_filtered)
assert_eq "apdf: an inbound connection from another host is refused" "$(tcp_probe 8001)" "[false, false]"
check "apdf: the SYN counted in drop_filtered" test $(($(ctr drop_filtered) - f0)) -ge 1
check "instance set filtering eif" D instance set "$TOPO_INST" filtering eif
assert_eq "eif: an inbound connection from another host is accepted" "$(tcp_probe 8002)" "[true, true]"
assert_eq "eif: the B4 saw it come from 203.0.113.3" \
	"$(pyq 'j["seen"].split(":")[0]' "$T/in8002.json")" "$S2"

section "no mapping at all"
n0=$(ctr drop_no_session)
nt "$SRV" udp-send --bind "$S1:7998" --to "${TOPO_POOL%/*}:65000" --tries 1 --timeout 0.2 >/dev/null
check "a packet for an unmapped public port counts in drop_no_session" \
	test $(($(ctr drop_no_session) - n0)) -eq 1
assert_eq "filtering refusals are not counted as anything else" \
	"$(stats_json | json '{k: v for k, v in j.items() if k.startswith("drop_") and v and k not in ("drop_filtered", "drop_no_session")}')" "{}"

ksft_finish
