#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The DS-Lite topology of the translation tests, sourced after lib.sh:
#
#   b4a  2001:db8:a::a --veth-- 2001:db8:a::1 \                 / 203.0.113.2
#        t0 (ipip6) 192.0.0.2                  aftr --veth-- srv  203.0.113.3
#   b4b  2001:db8:b::b --veth-- 2001:db8:b::1 /  203.0.113.1      (default via .1)
#        t0 (ipip6) 192.0.0.2
#
# Both B4s are real Linux ip6tnl softwires to the AFTR address 2001:db8::1
# (on the aftr's lo: the module's tunnel6 handler sees only locally
# delivered packets) and both use 192.0.0.2 inside (RFC 6333 5.7), so only
# the B4's IPv6 address tells them apart. The aftr namespace holds instance
# dsl0 and its netdevice; the pool (198.51.100.0/28 by default) is routed
# to dsl0, and srv routes everything back through the aftr.
#
#   topo_begin [INSTANCE ADD OPTIONS...]   a test's start: root and the
#                      module (or skip), topo_cleanup at exit, topo_setup
#   topo_setup [INSTANCE ADD OPTIONS...]   build it all (fails the test and
#                                          finishes it if anything is off)
#   D ARGS...          dslitectl in the aftr namespace
#   nt NS ARGS...      the traffic tool ($TOPO_TOOL, below) inside NS
#   nt_bg NS OUT ARGS  the same in the background, stdout to OUT, pid in
#                      NT_PID; killed (by pid) at cleanup if still running
#   ns_bg NS OUT CMD   any command in NS in the background, likewise
#   nt_stop PID        stop one of them now
#   pids_stop PID...   stop several at once (all signalled, then reaped)
#   srv_start TOOL NAME ARGS  a server on srv (TOOL: nt, or ed of
#                      topo_edge.sh), stderr in $T/NAME.err, ready file
#                      $T/NAME.rdy; srv_ready [DESC] waits for every one
#                      (20 s) or fails DESC and finishes the test
#   ctr NAME           one counter of dsl0 (dslitectl -j stats show)
#   has_session B4 P N [STATE]   b4's proto P session of inner port N exists
#   session_pub B4 P N           its public "addr:port"
#   wait_for SECS CMD  (lib.sh) poll CMD every 0.2 s until it succeeds
#   section TITLE      (lib.sh) a TAP comment: elapsed seconds and a title
#   topo_die WHAT [MORE]  fail "topology: WHAT" and end the test
#   py_checks D CODE   many assertions from one python run (see below)
#   topo_cleanup       the EXIT trap: stop background tools, delete netns
#
# Environment knobs (set before topo_setup): TOPO_POOL (empty: no pool),
# TOPO_NO_INSTANCE=1 (build the network only).

TOPO_AFTR6=2001:db8::1
TOPO_B4A6=2001:db8:a::a
TOPO_B4B6=2001:db8:b::b
TOPO_INNER=192.0.0.2
TOPO_GW=203.0.113.1
TOPO_SRV=203.0.113.2
TOPO_SRV2=203.0.113.3
TOPO_POOL=${TOPO_POOL-198.51.100.0/28}
TOPO_INST=dsl0

AFTR=${NS_PREFIX}_aftr
B4A=${NS_PREFIX}_b4a
B4B=${NS_PREFIX}_b4b
SRV=${NS_PREFIX}_srv

TOPO_TMP=$(mktemp -d /tmp/dslite-topo.XXXXXX)
T=$TOPO_TMP	# the tests' short name for it
TOPO_TOOL=$LIB_DIR/lib/nettool.py
TOPO_PIDS=()

D() { dslitectl -n "$AFTR" "$@"; }
nt() { local ns=$1; shift; ip netns exec "$ns" python3 "$TOPO_TOOL" "$@"; }
nt_bg() {
	local ns=$1 out=$2
	shift 2
	ns_bg "$ns" "$out" python3 "$TOPO_TOOL" "$@"
}

# ns_bg NS OUT CMD...: any command in NS in the background (pid in NT_PID)
ns_bg() {
	local ns=$1 out=$2
	shift 2
	ip netns exec "$ns" "$@" >"$out" 2>&1 &
	NT_PID=$!
	TOPO_PIDS+=("$NT_PID")
}

# stop one background tool started by nt_bg (by its pid) and reap it
nt_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# pids_stop PID...: signal them all, then reap them all
pids_stop() {
	local p
	for p; do
		kill "$p" 2>/dev/null
	done
	for p; do
		wait "$p" 2>/dev/null
	done
	return 0
}

# srv_start TOOL NAME ARGS...: TOOL (nt or ed) ARGS on srv in the
# background, --ready $T/NAME.rdy, stderr in $T/NAME.err
SRV_RDY=()
srv_start() {
	local tool=$1 name=$2
	shift 2
	"${tool}_bg" "$SRV" "$T/$name.err" "$@" --ready "$T/$name.rdy"
	SRV_RDY+=("$T/$name.rdy")
}

# srv_ready [DESC]: every server of srv_start is ready within 20 s, or
# the test fails DESC (default "servers started") and ends
srv_ready() {
	wait_for 20 files_exist "${SRV_RDY[@]}" || { fail "${1:-servers started}"; ksft_finish; }
}
files_exist() {
	local f
	for f; do
		[[ -e $f ]] || return 1
	done
}

topo_cleanup() {
	pids_stop "${TOPO_PIDS[@]}"
	TOPO_PIDS=()
	cleanup_ns
	rm -rf "$TOPO_TMP"
}

# ctr NAME [INSTANCE]: one counter of the instance
ctr() {
	D -j stats show instance "${2:-$TOPO_INST}" | jnum "$1"
}

# jnum KEY: the number KEY holds in the (single-object) JSON on stdin;
# sed, not python, so that polling loops stay fast on slow kernels
jnum() {
	sed -n "s/.*\"$1\": *\([0-9][0-9]*\).*/\1/p" | head -1
}

# has_session B4 PROTO INNER_PORT [STATE]: such a session exists (grep, not
# python: fast enough to poll)
has_session() {
	D -j session show b4 "$1" proto "$2" | tr '}' '\n' |
		grep "\"inner_port\": *$3[,}]" | grep -q "\"state\": *\"${4:-}"
}

# session_pub B4 PROTO INNER_PORT: "addr:port" of that session's mapping
session_pub() {
	D -j session show b4 "$1" proto "$2" | tr '}' '\n' | grep "\"inner_port\": *$3[,}]" | head -1 |
		sed -n 's/.*"public_addr": *"\([0-9.]*\)".*"public_port": *\([0-9]*\).*/\1:\2/p'
}

# stats_json: every counter of dsl0 as one JSON object
stats_json() {
	D -j stats show instance "$TOPO_INST" | json 'j[0]'
}

# in_pool ADDR: the address is inside $TOPO_POOL
in_pool() {
	python3 -c 'import ipaddress,sys; sys.exit(0 if ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(sys.argv[2]) else 1)' "$1" "$TOPO_POOL"
}

# pyq QUERY FILE: evaluate a python expression on the JSON in FILE (j)
pyq() {
	python3 -c 'import json,sys,ipaddress; j=json.load(open(sys.argv[2])); r=eval(sys.argv[1]); print(r if not isinstance(r,(list,dict)) else json.dumps(r, sort_keys=True))' "$1" "$2"
}

# py_checks DESC CODE [ARGS...]: run python CODE (sys.argv[1:] = ARGS),
# where check(desc, got, want) makes one TAP assertion (JSON-compared)
# and says where it is (file:line of the test) when it fails; a script
# that dies before its end fails DESC. The helpers: selftests/lib/pychecks.py.
py_checks() {
	local name=$1 code=$2 line desc got want where done=0
	local file=${BASH_SOURCE[1]} at=${BASH_LINENO[0]}
	shift 2
	while IFS= read -r line; do
		if [[ $line == __done__ ]]; then
			done=1
		elif [[ $line == *$'\t'*$'\t'*$'\t'* ]]; then
			IFS=$'\t' read -r desc got want where <<<"$line"
			assert_eq "$desc" "$got" "$want" "$where"
		else
			echo "#   | $line"
		fi
	done < <(PYTHONPATH=$LIB_DIR/lib python3 -m pychecks "$file" "$at" "$code" "$@" 2>&1)
	[[ $done == 1 ]] || fail "$name: the checks ran to the end ($(basename "$file"):$at)"
}

topo_die() {
	fail "topology: $1" "${2:-}"
	ksft_finish
}

_topo_b4() {	# NS ADDR6 GW6 AFTRIF
	local ns=$1 a6=$2 gw6=$3 aif=$4
	ip link add veth0 netns "$ns" type veth peer name "$aif" netns "$AFTR" || return 1
	ip -n "$ns" link set veth0 up
	ip -n "$ns" -6 addr add "$a6/64" dev veth0 nodad
	ip -n "$ns" -6 route add "$TOPO_AFTR6" via "$gw6"
	ip -n "$ns" -6 tunnel add t0 mode ipip6 local "$a6" remote "$TOPO_AFTR6" dev veth0 || return 1
	ip -n "$ns" link set t0 up
	ip -n "$ns" addr add "$TOPO_INNER/32" dev t0
	ip -n "$ns" route add default dev t0
	ip -n "$AFTR" link set "$aif" up
	ip -n "$AFTR" -6 addr add "$gw6/64" dev "$aif" nodad
}

# topo_begin [INSTANCE ADD OPTIONS...]: what a translation test does first
topo_begin() {
	topo_prologue
	topo_setup "$@"
}
# topo_prologue: root and the module (or skip), topo_cleanup at exit
topo_prologue() {
	require_root
	require_module
	trap topo_cleanup EXIT
}

topo_setup() {
	local n
	for n in aftr b4a b4b srv; do
		ns_add "$n" >/dev/null || topo_die "cannot create netns $n"
	done

	ip netns exec "$AFTR" sh -c '
		sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding=1 \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.all.send_redirects=0 \
			net.ipv4.conf.default.send_redirects=0' ||
		topo_die "sysctl in aftr"
	ip -n "$AFTR" -6 addr add "$TOPO_AFTR6/128" dev lo ||
		topo_die "AFTR address on lo"

	_topo_b4 "$B4A" "$TOPO_B4A6" 2001:db8:a::1 a0 || topo_die "b4a softwire"
	_topo_b4 "$B4B" "$TOPO_B4B6" 2001:db8:b::1 a1 || topo_die "b4b softwire"

	ip link add veth0 netns "$SRV" type veth peer name u0 netns "$AFTR" ||
		topo_die "srv veth"
	ip -n "$AFTR" link set u0 up
	ip -n "$AFTR" addr add "$TOPO_GW/24" dev u0
	ip -n "$SRV" link set veth0 up
	ip -n "$SRV" addr add "$TOPO_SRV/24" dev veth0
	ip -n "$SRV" addr add "$TOPO_SRV2/24" dev veth0
	ip -n "$SRV" route add default via "$TOPO_GW"

	[[ ${TOPO_NO_INSTANCE:-0} == 1 ]] && return 0
	D instance add "$TOPO_INST" id 1 aftr "$TOPO_AFTR6" "$@" ||
		topo_die "instance add $TOPO_INST $*"
	ip -n "$AFTR" link set "$TOPO_INST" up || topo_die "no $TOPO_INST netdevice"
	[[ -n $TOPO_POOL ]] && { topo_pool_add "$TOPO_POOL" || topo_die "pool add"; }
	return 0
}

# topo_pool_add PREFIX: add a pool to dsl0 and route it to the device
topo_pool_add() {
	D pool add "$TOPO_INST" "$1" && ip -n "$AFTR" route add "$1" dev "$TOPO_INST"
}

