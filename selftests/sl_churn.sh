#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Configuration churn under sync traffic. Two AFTRs with a sync link, hot
# backup on, SLs 1 and 2 on the same remote-backup interface and port on
# both (one shared socket, as the shipped 1+1 configuration has); aftr2 is
# master of SL 1 and a B4 keeps creating sessions through it; from aftr2's
# address a scripted peer (syncpeer.py flood) adds well-formed packets for
# SL 2 (a stream of its own, the right HMAC when keyed) and harmless ones
# for SL 1. Meanwhile aftr1
#  - deletes and re-adds SL 2 hundreds of times (keyed, then keyless):
#    on a shared socket nothing waited for receivers still running, which
#    re-armed the work of an SL being freed (a timer of freed memory:
#    WARNING in __run_timers, then a GPF), or used its freed HMAC tfm;
#  - deletes and re-adds its instance (records arriving for it);
#  - and network namespaces with the same configuration are created and
#    deleted while flooded (namespace teardown runs the same sequence).
# Then: every command succeeded, SL 1 kept syncing (aftr1 holds as many
# sessions as aftr2), rmmod works under the flood, the kernel log is clean
# (the VM runner fails the run otherwise: exit 3).
# CHURN_PHASES="instance keyed keyless netns rmmod" (the default) picks
# and orders phases, e.g. CHURN_PHASES=keyless to reproduce one alone.
# On the module before the fix the keyed phase panicked within ~3 s (the
# freed tfm in crypto_sha256_finup from dslite_sync_rcv); the keyless one
# did not panic in the runs made (2650 and 5650 cycles).
# shellcheck disable=SC2154 # snap, send, ctl, pstatus set their variables by eval
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sync_topo.sh"
require_root
require_module
trap sync_cleanup EXIT
dmesg_mark

sync_topo || { fail "topology"; ksft_finish; }
vip_to "$A2"	# aftr2 is master

KEY=0123456789abcdef-churn-key
conf() {	# NS PEER KEY: SLs 1 and 2 on sy0, sig1 = SL 1, dsl0 id 1
	dslitectl -n "$1" -b - <<-EOF
	ha set hot-backup on
	service-location add 1 remote-backup interface sy0 peer $2 $(auth_of "$3")
	service-location add 2 remote-backup interface sy0 peer $2 $(auth_of "$3")
	service-instance-group add sig1 service-location 1
	instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1 max-sessions-per-user 100000
	pool add dsl0 198.51.100.0/28 service-location 1
	EOF
	ip -n "$1" link set dsl0 up && ip -n "$1" route add 198.51.100.0/28 dev dsl0
}
unconf() {	# NS
	dslitectl -n "$1" -b - <<-EOF
	instance del dsl0
	service-instance-group del sig1
	service-location del 1
	service-location del 2
	EOF
}
roles() {
	D2 service-location set 1 role master && D2 service-location set 2 role master &&
		D1 service-location set 1 role backup && D1 service-location set 2 role backup
}
state() { D1 -j service-location show "$1" | json 'j[0]["peer_state"]'; }
wait_in_sync() {
	for _ in $(seq 1 50); do
		[[ $(state 1) == in-sync ]] && return 0
		sleep 0.2
	done
	echo "# aftr1 SL 1: $(state 1)"
	return 1
}
nsess() { dslitectl -n "$1" -j stats show | json 'j[0]["sessions"] if j else -1'; }
# the B4 creates sessions through aftr2 (new remote ports, 40 a second)
# until $T/stop; paused while $T/pause exists
ip netns exec "$B4" python3 "$PEER" sessions --bind 192.0.0.2:6000 --to 203.0.113.2:20000 \
	--rate 40 --stop-file "$T/stop" --pause-file "$T/pause" &
PIDS+=($!)
touch "$T/pause"

# flood FILE SECS [KEY]: the scripted peer on aftr2's address: for SL 2 a
# stream of its own (HELLO and DATA pass every check but the fingerprint),
# for SL 1 only what is refused before it touches the SL's state
flood_start() {
	ip netns exec "$A2" python3 "$PEER" flood --src 192.0.2.2 --secs "$2" ${3:+--key "$3"} \
		--target "192.0.2.1:2:hello,data,replay,badmac,short" \
		--target "192.0.2.1:1:replay,badmac,short,garbage" >"$1" 2>&1 &
	FLOOD=$!
	PIDS+=("$FLOOD")
}

# churn KEY: delete and re-add aftr1's SL 2: in batches of 50 cycles
# (one dslitectl -b each: the SL lives a millisecond) for 4 s and at least
# 300 cycles, then 100 cycles of one dslitectl per command (the SL lives
# long enough to follow the peer's stream and keep its work busy); at
# most 40 s; every command must succeed
churn() {
	local key=$1 n=0 t0=$SECONDS rc=0 i add
	add="service-location add 2 remote-backup interface sy0 peer 192.0.2.2 $(auth_of "$key")"
	for i in $(seq 1 50); do
		echo "service-location del 2"
		echo "$add"
	done >"$T/churn.batch"
	while (( (n < 300 || SECONDS - t0 < 4) && SECONDS - t0 < 20 )); do
		D1 -b "$T/churn.batch" >"$T/churn.out" 2>&1 || { rc=1; break; }
		n=$((n + 50))
	done
	for i in $(seq 1 100); do
		((rc == 0 && SECONDS - t0 < 40)) || break
		# shellcheck disable=SC2086
		D1 service-location del 2 >"$T/churn.out" 2>&1 && D1 $add >>"$T/churn.out" 2>&1 ||
			rc=1
		n=$((n + 1))
	done
	echo "$n cycles in $((SECONDS - t0)) s" >"$T/churn.n"
	[[ $rc == 0 ]] || sed 's/^/#   | /' "$T/churn.out"
	return $rc
}
compare() {	# DESC: with the B4 paused, aftr1 gets as many sessions as aftr2
	local a b
	touch "$T/pause"
	sleep 0.5
	for _ in $(seq 1 50); do
		a=$(nsess "$A1") b=$(nsess "$A2")
		[[ $a == "$b" && $b -gt 0 ]] && break
		sleep 0.2
	done
	assert_eq "$1 (aftr1 $a, aftr2 $b sessions)" "$a" "$b"
}

# use KEY ("" = keyless): both AFTRs configured with it, in sync, the B4 on
CUR_KEY=none
use() {
	[[ $CUR_KEY == "$1" ]] && return 0
	if [[ $CUR_KEY != none ]]; then
		check "aftr1 unconfigured" unconf "$A1"
		check "aftr2 unconfigured" unconf "$A2"
	fi
	local what=keyless
	[[ -n $1 ]] && what=keyed
	CUR_KEY=$1
	check "aftr1 configured ($what)" conf "$A1" 192.0.2.2 "$1"
	check "aftr2 configured ($what)" conf "$A2" 192.0.2.1 "$1"
	check "roles: aftr2 master, aftr1 backup" roles
	check "aftr1 in sync (SL 1)" wait_in_sync
	rm -f "$T/pause"
	sleep 1
	check "sessions made on aftr2 (the B4 runs)" test "$(nsess "$A2")" -gt 0
}
flood_stop() {
	kill "$FLOOD" 2>/dev/null
	wait "$FLOOD" 2>/dev/null
	echo "# flood: $(cat "$1") packets"
}

phase_instance() {
	section "aftr1's instance deleted and re-added 20 times under traffic and flood (keyed)"
	use "$KEY"
	flood_start "$T/flood.inst" 60 "$KEY"
	{
		for i in $(seq 1 20); do
			echo "instance del dsl0"
			echo "instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1 max-sessions-per-user 100000"
			echo "pool add dsl0 198.51.100.0/28 service-location 1"
		done
	} >"$T/inst.batch"
	check "20 instance del/add cycles, every command succeeded" D1 -b "$T/inst.batch"
	ip -n "$A1" link set dsl0 up
	# aftr1 lost its copy with its instance: a new master's bulk gives it back
	D2 service-location set 1 role backup && D2 service-location set 1 role master
	check "aftr1 in sync again" wait_in_sync
	compare "after the instance churn: aftr1 holds aftr2's sessions"
	rm -f "$T/pause"
	flood_stop "$T/flood.inst"
}

phase_sl() {	# KEY
	local what=keyless
	[[ -n $1 ]] && what=keyed
	section "SL 2 deleted and re-added on aftr1 ($what, shared socket) under traffic and flood"
	use "$1"
	flood_start "$T/flood.sl" 60 "$1"
	check "SL 2 del/add cycles ($what): every command succeeded" churn "$1"
	echo "# $(cat "$T/churn.n"); aftr1 SL 2 now $(state 2)"
	check "  aftr1 still in sync on SL 1" wait_in_sync
	compare "  SL 1 kept syncing: aftr1 holds aftr2's sessions"
	rm -f "$T/pause"
	flood_stop "$T/flood.sl"
}

phase_netns() {
	local nok=0 i X F
	section "namespaces with SLs 1 and 2 on one socket, created and deleted while flooded"
	for i in $(seq 1 6); do
		X=${NS_PREFIX}_x$i
		NS_LIST+=("$X")
		ip netns add "$X" && ip -n "$X" link set lo up &&
		ip link add sy0 netns "$X" type veth peer name xs$i netns "$A2" &&
		ip -n "$X" addr add 10.9.$i.1/24 dev sy0 && ip -n "$X" link set sy0 up &&
		ip -n "$A2" addr add 10.9.$i.2/24 dev xs$i && ip -n "$A2" link set xs$i up &&
		dslitectl -n "$X" -b - <<-EOF &&
		ha set hot-backup on
		service-location add 1 remote-backup interface sy0 peer 10.9.$i.2 $(auth_of "$KEY")
		service-location add 2 remote-backup interface sy0 peer 10.9.$i.2 $(auth_of "$KEY")
		service-instance-group add sig1 service-location 1
		instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
		pool add dsl0 198.51.100.0/28 service-location 1
		service-location set 1 role backup
		EOF
		nok=$((nok + 1))
		ip netns exec "$A2" python3 "$PEER" flood --src 10.9.$i.2 --secs 1.2 --key "$KEY" \
			--target "10.9.$i.1:1,2:hello,data,replay,badmac" >/dev/null 2>&1 &
		F=$!
		sleep 0.6
		ip netns del "$X"
		wait "$F"
	done
	assert_eq "6 namespaces configured (SLs 1, 2 keyed, group, instance, pool) and deleted under flood" \
		"$nok" 6
}

phase_rmmod() {
	section "rmmod under the flood"
	[[ $CUR_KEY == none ]] && use ""
	touch "$T/pause"
	flood_start "$T/flood.rmmod" 3 "$CUR_KEY"
	sleep 1
	check "rmmod dslite (both AFTRs configured, flooded)" rmmod dslite
	wait "$FLOOD" 2>/dev/null
	check "insmod again" insmod "$DSLITE_KO"
}

# CHURN_PHASES picks phases (to reproduce one alone); all by default
for ph in ${CHURN_PHASES:-instance keyed keyless netns rmmod}; do
	case $ph in
	instance) phase_instance ;;
	keyed) phase_sl "$KEY" ;;
	keyless) phase_sl "" ;;
	netns) phase_netns ;;
	rmmod) phase_rmmod ;;
	*) fail "unknown phase $ph" ;;
	esac
done

sleep 1	# let deferred work (netns cleanup, RCU) run before reading the log
log=$(dmesg_since)
if grep -Eq "WARNING|BUG|general protection|Oops|RIP:|refcount_t|use-after-free" <<<"$log"; then
	fail "the kernel log is clean" "$(grep -E -m 20 "WARNING|BUG|general protection|Oops|RIP:|refcount_t|use-after-free" <<<"$log")"
else
	ok "the kernel log is clean"
fi

ksft_finish
