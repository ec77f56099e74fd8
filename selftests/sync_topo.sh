#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The two-AFTR topology of ha_sync.sh, sync_hostile.sh, sync_flood.sh and
# sl_churn.sh, sourced after lib.sh:
#
#   b4   b0 2001:db8:a::a, softwire t0 to 2001:db8::1, inside 192.0.0.2
#   acc bridge: b4, aftr1 a0 2001:db8:a::11, aftr2 a0 2001:db8:a::12
#   upl bridge: aftr1 u0 203.0.113.11, aftr2 u0 203.0.113.12,
#               srv s0 203.0.113.2 (198.51.100.0/24 via 203.0.113.1)
#   sync link:  aftr1 sy0 192.0.2.1/24 -- aftr2 sy0 192.0.2.2/24 (a veth)
#
# The AFTR address 2001:db8::1 and the pools' next hop 203.0.113.1 are on
# the master (vip_to). srv runs a UDP echo server on 7777 (probe).
# sync_begin: a test's start (root, module, sync_cleanup at exit, topology).
# syncpeer.py's daemon (peer_start) runs in aftr2's namespace on
# 192.0.2.2:8286 when aftr2 has no SL of its own; the tests talk to it
# with P (socat on its unix socket): no python start-up per command.

# shellcheck disable=SC2154 # w_*: set by eval of the daemon's answer
PEER=$LIB_DIR/lib/syncpeer.py
T=$(mktemp -d /tmp/dslite-sync.XXXXXX)
SOCK=$T/peer.sock
PIDS=()
P1=198.51.100	# aftr1's pools: SL 1 .0/28, SL 2 .16/28 (a1_conf)

sync_cleanup() {
	local p
	touch "$T/stop"
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	cleanup_ns
	rm -rf "$T"
}

D1() { dslitectl -n "$A1" "$@"; }
D2() { dslitectl -n "$A2" "$@"; }

# sync_topo: build it all; non-zero (and a comment) on a failure
sync_topo() {
	local a n i=1
	B4=$(ns_add b4) && A1=$(ns_add a1) && A2=$(ns_add a2) && SRV=$(ns_add srv) &&
		SW=$(ns_add sw) || { echo "# create namespaces"; return 1; }
	ip -n "$SW" link add acc type bridge && ip -n "$SW" link set acc up &&
	ip -n "$SW" link add upl type bridge && ip -n "$SW" link set upl up &&
	ip link add b0 netns "$B4" type veth peer name p-b4 netns "$SW" || return 1
	for a in "$A1" "$A2"; do
		n=${a##*_}
		ip link add a0 netns "$a" type veth peer name p-$n netns "$SW" &&
		ip link add u0 netns "$a" type veth peer name q-$n netns "$SW" &&
		ip -n "$SW" link set p-$n master acc up &&
		ip -n "$SW" link set q-$n master upl up || return 1
	done
	ip link add s0 netns "$SRV" type veth peer name q-s netns "$SW" &&
	ip -n "$SW" link set p-b4 master acc up &&
	ip -n "$SW" link set q-s master upl up &&
	ip link add sy0 netns "$A1" type veth peer name sy0 netns "$A2" &&
	ip -n "$B4" addr add 2001:db8:a::a/64 dev b0 nodad && ip -n "$B4" link set b0 up &&
	ip -n "$SRV" addr add 203.0.113.2/24 dev s0 && ip -n "$SRV" link set s0 up &&
	ip -n "$SRV" route add 198.51.100.0/24 via 203.0.113.1 || return 1
	for a in "$A1" "$A2"; do
		ip -n "$a" addr add 2001:db8:a::1$i/64 dev a0 nodad && ip -n "$a" link set a0 up &&
		ip -n "$a" addr add 203.0.113.1$i/24 dev u0 && ip -n "$a" link set u0 up &&
		ip -n "$a" addr add 192.0.2.$i/24 dev sy0 && ip -n "$a" link set sy0 up &&
		ip netns exec "$a" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 || return 1
		i=$((i + 1))
	done
	ip -n "$B4" -6 route add 2001:db8::1/128 dev b0 &&
	ip -n "$B4" -6 tunnel add t0 mode ipip6 local 2001:db8:a::a remote 2001:db8::1 dev b0 &&
	ip -n "$B4" link set t0 up && ip -n "$B4" addr add 192.0.0.2/32 dev t0 &&
	ip -n "$B4" route add default dev t0 || return 1
	ip netns exec "$SRV" python3 "$PEER" udp-echo --port 7777 &
	PIDS+=($!)
	# a probe before it listens gets no answer (python starts slowly in
	# the VM)
	wait_for 20 echo_listening || { echo "# srv's echo server did not start"; return 1; }
}
echo_listening() { ip netns exec "$SRV" ss -Hlun 'sport = :7777' | grep -q .; }

# sync_begin: root and the module (or skip), sync_cleanup at exit, the
# topology (a failure fails the test and ends it)
sync_begin() {
	require_root
	require_module
	trap sync_cleanup EXIT
	sync_topo || { fail "topology"; ksft_finish; }
}

vip_to() {	# NS: the AFTR address and the pools' next hop move there
	local a
	for a in "$A1" "$A2"; do
		ip -n "$a" -6 addr del 2001:db8::1/128 dev a0 2>/dev/null
		ip -n "$a" addr del 203.0.113.1/32 dev u0 2>/dev/null
	done
	ip -n "$1" -6 addr add 2001:db8::1/128 dev a0 nodad
	ip -n "$1" addr add 203.0.113.1/32 dev u0
	ip -n "$B4" -6 neigh flush dev b0; ip -n "$SRV" neigh flush dev s0
}

# probe PORT: one datagram from the B4's inner port PORT to srv's echo
# server; prints the source srv saw, or "none" (after PROBE_TIMEOUT s, 2)
probe() {
	ip netns exec "$B4" python3 "$PEER" probe --bind "192.0.0.2:$1" --to 203.0.113.2:7777 \
		--timeout "${PROBE_TIMEOUT:-2}"
}
# mk_sessions N: N UDP sessions from the B4 (inner port 6000, remote ports
# 20000..), nobody answers
mk_sessions() {
	ip netns exec "$B4" python3 "$PEER" sessions --bind 192.0.0.2:6000 \
		--to 203.0.113.2:20000 --count "$1"
}

# ---- the scripted peer ------------------------------------------------------
# peer_start [KEY]: syncpeer.py serve in aftr2's namespace for SLs 1-3
# (SL 3 sends no HELLO until told)
peer_start() {
	ip netns exec "$A2" python3 "$PEER" serve --ctl "$SOCK" --local 192.0.2.2 \
		--aftr 192.0.2.1 --sl 1 --sl 2 --sl 3 --quiet 3 --no-auto-restart \
		--dslitectl "$DSLITECTL" ${1:+--key "$1"} >>"$T/peer.log" 2>&1 &
	PEER_PID=$!
	PIDS+=("$PEER_PID")
	for _ in $(seq 1 50); do [[ -S $SOCK ]] && return 0; sleep 0.1; done
	return 1
}
peer_stop() {
	P '{"op": "quit"}' >/dev/null 2>&1
	wait "$PEER_PID" 2>/dev/null
	rm -f "$SOCK"
}
P() { socat -t 180 - "UNIX-CONNECT:$SOCK" <<<"$1"; }
# recs SPEC...: a JSON list of strings
recs() { local r out=""; for r; do out+="${out:+, }\"$r\""; done; echo "[$out]"; }
# send SL 'JSON FIELDS' SPEC...: DATA of the peer's stream (or a forgery:
# see syncpeer.py cmd_data); the answer in r_* (r_acked, r_packets, ...)
send() {
	local sl=$1 extra=$2
	shift 2
	unset r_acked
	eval "$(P "{\"op\": \"send\", \"sl\": $sl, \"sh\": \"r\"${extra:+, $extra}, \"specs\": $(recs "$@")}")"
}
# ctl SL 'JSON FIELDS': HELLO/ACK packets (a NACK flood, a spoofed HELLO)
ctl() { eval "$(P "{\"op\": \"ctl\", \"sl\": $1, \"sh\": \"c\"${2:+, $2}}")"; }
pset() { P "{\"op\": \"set\", \"sl\": $1, $2}" >/dev/null; }
pstatus() { eval "$(P "{\"op\": \"status\", \"sl\": $1, \"sh\": \"${2:-s}\"}")"; }
# snap PREFIX [B4...]: aftr1's counters etc. as PREFIX_* (syncpeer.py snap_vars)
snap() {
	local p=$1
	shift
	eval "$(P "{\"op\": \"snap\", \"ns\": \"$A1\", \"prefix\": \"$p\", \"b4\": $(recs "$@")}")"
}
# the same without the daemon (slower)
snap_py() {
	local p=$1 b a=()
	shift
	for b; do a+=("--b4=$b"); done
	eval "$(python3 "$PEER" snap --dslitectl "$DSLITECTL" --ns "$A1" --prefix "$p" "${a[@]}")"
}
# dl NAME: the change of NAME from snapshot a to snapshot b
dl() { local x="a_$1" y="b_$1"; echo $(( ${!y:-0} - ${!x:-0} )); }
v() { local x="$1"; echo "${!x}"; }
# wait_state SL STATE... : aftr1's SL reaches one of the states (in 6 s)
wait_state() {
	local sl=$1 st
	shift
	if [[ -S $SOCK ]]; then
		eval "$(P "{\"op\": \"wait_state\", \"ns\": \"$A1\", \"sl\": $sl, \"states\": $(recs "$@"), \"sh\": \"w\"}")"
		[[ $w_ok == True ]] && return 0
		echo "# SL $sl peer state: $w_state"
		return 1
	fi
	for _ in $(seq 1 30); do
		st=$(D1 -j service-location show "$sl" | json 'j[0]["peer_state"]')
		[[ " $* " == *" $st "* ]] && return 0
		sleep 0.2
	done
	echo "# SL $sl peer state: $st"
	return 1
}

# records: SESS B4 PUB PPORT [IPORT PROTO STATE REMAINING] (instance 1,
# inner 192.0.0.2, remote 203.0.113.2:7000); B4: an index into
# 2001:db8:b::/64 or an address with - for :
SESS() { echo "s:1:$1:192.0.0.2:${4:-1000}:$2:$3:203.0.113.2:7000:${5:-17}:${6:-0}:${7:-200}"; }
DELS() { echo "d:1:$1:192.0.0.2:${4:-1000}:$2:$3:203.0.113.2:7000:${5:-17}:0:0"; }
# RUN B4 PUB PPORT N [COUNT]: a run of N UDP sessions (COUNT: its count field)
RUN() { echo "r:1:$1:192.0.0.2:1000:$2:$3:203.0.113.2:7000:0:200:$4${5:+:$5}"; }

auth_of() {	# KEY: the words of service-location add for it ("" = none)
	if [[ -n $1 ]]; then
		echo "authentication-key $1 hash-algorithm hmac-sha256"
	else
		echo "authentication none"
	fi
}
# a1_conf [KEY]: aftr1 backup of SLs 1-3 (peer 192.0.2.2; 1 and 2 in sig1,
# as 1+1 has them), dsl0 id 1 with a pool per SL, hold-down 0
a1_conf() {
	local i
	D1 ha set hot-backup on || return 1
	for i in 1 2 3; do
		# shellcheck disable=SC2046
		D1 service-location add $i remote-backup interface sy0 peer 192.0.2.2 \
			$(auth_of "${1:-}") || return 1
	done
	D1 service-instance-group add sig1 service-location 1 service-location 2 &&
	D1 instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1 hold-down 0 &&
	ip -n "$A1" link set dsl0 up &&
	D1 pool add dsl0 $P1.0/28 service-location 1 &&
	D1 pool add dsl0 $P1.16/28 service-location 2 &&
	ip -n "$A1" route add $P1.0/27 dev dsl0 &&
	D1 service-location set 1 role backup && D1 service-location set 2 role backup &&
	D1 service-location set 3 role backup
}
a1_unconf() {
	local i
	D1 instance del dsl0; D1 service-instance-group del sig1
	for i in 1 2 3; do D1 service-location del $i; done
}
