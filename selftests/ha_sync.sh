#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hot-backup state sync between two AFTRs (no keepalived here: roles and
# virtual addresses are moved by hand, as dslite-notify would; ha_roles.sh
# covers keepalived). Proves: blocks and sessions reach the backup with
# the same public endpoints; a flow continues through the new master with
# the same public address and port; a TCP transfer survives the switch;
# the sessions synced to the backup take their ports there (once master
# it hands none of them out again, and knows when a block is full);
# a wrong or missing key and a configuration mismatch sync nothing and
# are reported; when the link between the routers fails neither router
# misbehaves and a bulk resync makes the tables equal when it returns;
# replayed, forged, truncated and unknown-version sync packets are dropped
# and counted; a rejoining backup is not healthy (dslite-track would lower
# its VRRP priority) until it holds the master's whole state.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/sync_topo.sh"
# B4, A1, A2, SRV, SW, vip_to, probe, auth_of: sync_topo.sh's; probe waits
# 3 s for the answer here
PROBE_TIMEOUT=3
sync_begin

D() { dslitectl "$@"; }
sj() { D -n "$1" -j service-location show 1 | json "j[0]$2"; }

KEY=0123456789abcdef-test-key
setup_aftr() {	# NS PEER KEY INSTANCE-ID [PORT-RANGE [MORE INSTANCE OPTIONS]]
	# shellcheck disable=SC2046,SC2086
	D -n "$1" ha set hot-backup on &&
	D -n "$1" service-location add 1 remote-backup interface sy0 peer "$2" $(auth_of "$3") &&
	D -n "$1" service-instance-group add sig1 service-location 1 &&
	D -n "$1" instance add dsl0 id "$4" aftr 2001:db8::1 service-instance-group sig1 &&
	{ [[ -z ${5:-} ]] || D -n "$1" instance set dsl0 port-range "$5"; } &&
	{ [[ -z ${6:-} ]] || D -n "$1" instance set dsl0 $6; } &&
	ip -n "$1" link set dsl0 up &&
	D -n "$1" pool add dsl0 198.51.100.0/28 service-location 1 &&
	ip -n "$1" route add 198.51.100.0/28 dev dsl0
}
teardown_aftr() {
	D -n "$1" instance del dsl0; D -n "$1" service-instance-group del sig1
	D -n "$1" service-location del 1
}
peer_state_is() {	# NS STATE: that router's SL 1 reaches STATE (in 10 s)
	for _ in $(seq 1 40); do
		[[ "$(sj "$1" '["peer_state"]')" == "$2" ]] && return 0
		sleep 0.25
	done
	return 1
}

# --- 1:1 with a key: sync, then failover ---------------------------------------
check "aftr1 configured (keyed SL 1)" setup_aftr "$A1" 192.0.2.2 "$KEY" 1
check "aftr2 configured (keyed SL 1)" setup_aftr "$A2" 192.0.2.1 "$KEY" 1
vip_to "$A1"
check "aftr1 role master" D -n "$A1" service-location set 1 role master
check "aftr2 role backup" D -n "$A2" service-location set 1 role backup
check "peers see each other in sync (aftr1)" peer_state_is "$A1" in-sync
check "peers see each other in sync (aftr2)" peer_state_is "$A2" in-sync

before=$(probe 5555)
[[ $before == 198.51.100.* ]] && ok "UDP through aftr1: server saw $before" ||
	fail "UDP through aftr1" "server saw '$before'"
# a TCP transfer that will span the switch
head -c 3000000 /dev/urandom >"${TMPDIR:-/tmp}/tx.$$"
ip netns exec "$SRV" socat -u TCP-LISTEN:8000,reuseaddr OPEN:"${TMPDIR:-/tmp}/rx.$$",creat,trunc &
TCPSRV=$!
PIDS+=("$TCPSRV")	# sync_cleanup kills what is left of it
sleep 0.5
ip netns exec "$B4" bash -c "tc qdisc add dev b0 root tbf rate 4mbit burst 32k latency 400ms 2>/dev/null;
	socat -u OPEN:${TMPDIR:-/tmp}/tx.$$ TCP:203.0.113.2:8000" &
TCPPID=$!
PIDS+=("$TCPPID")
# compare once the transfer's session exists on the master (slow kernels)
has_tcp() { [[ $(D -n "$A1" -j session show proto tcp | json 'len(j)') -ge 1 ]]; }
for _ in $(seq 1 40); do has_tcp && break; sleep 0.25; done
check "the TCP transfer has its session on the master" has_tcp
sleep 1
m=$(D -n "$A1" -j session show | json 'sorted((s["proto"], s["inner_port"], s["public_addr"], s["public_port"], s["remote_port"]) for s in j)')
b=$(D -n "$A2" -j session show | json 'sorted((s["proto"], s["inner_port"], s["public_addr"], s["public_port"], s["remote_port"]) for s in j)')
assert_eq "the backup holds the master's sessions, same public endpoints" "$b" "$m"
# users_of NS: each user's public address and blocks
users_of() { D -n "$1" -j user show | json '[(u["public_addr"], [(x["first"], x["last"]) for x in u["blocks"]]) for u in j]'; }
assert_eq "the backup holds the user's block" "$(users_of "$A2")" "$(users_of "$A1")"
assert_eq "backup translated nothing" "$(D -n "$A2" -j stats show | json 'j[0]["out_packets"]')" 0

# failover: what dslite-notify and keepalived do
D -n "$A1" service-location set 1 role backup
vip_to "$A2"
D -n "$A2" service-location set 1 role master
# keepalived's order: the VIP moves, then the notify flips the role; what
# reaches aftr2 in between is dropped as standby (TCP resends it)
standby_at_switch=$(D -n "$A2" -j stats show | json 'j[0]["drop_standby"]')
after=$(probe 5555)
assert_eq "UDP continues through aftr2 with the same public address and port" "$after" "$before"
# the sender is done when its data is in its socket; the transfer is done
# when the server has read the FIN (its socat exits)
srv_done() {
	local i
	for i in $(seq 1 150); do
		kill -0 "$TCPSRV" 2>/dev/null || return 0
		sleep 0.2
	done
	return 1
}
if wait $TCPPID && srv_done && cmp -s "${TMPDIR:-/tmp}/tx.$$" "${TMPDIR:-/tmp}/rx.$$"; then
	ok "a 3 MB TCP transfer spanning the switch completed intact"
else
	fail "a 3 MB TCP transfer spanning the switch completed intact" \
		"received $(stat -c %s "${TMPDIR:-/tmp}/rx.$$" 2>/dev/null) bytes; aftr2 sessions: $(D -n "$A2" -j session show proto tcp); aftr2 stats: $(D -n "$A2" -j stats show | json '{k: v for k, v in j[0].items() if k.startswith("drop_") and v}')"
fi
echo "# dropped as standby on aftr2 between the VIP move and the role flip: $standby_at_switch"
assert_eq "aftr2 translates after the switch, nothing dropped as standby once master" \
	"$(D -n "$A2" -j stats show | json 'j[0]["drop_standby"] == '"$standby_at_switch"' and j[0]["out_packets"] > 0')" True
st=$(D -n "$A1" -j service-location show 1)
assert_eq "nothing was dropped by authentication or as malformed" \
	"$(json '[j[0]["sync"]["drop_auth"], j[0]["sync"]["drop_malformed"]]' <<<"$st")" "[0, 0]"
echo "# sync counters aftr1: $(json 'j[0]["sync"]' <<<"$st")"
rm -f "${TMPDIR:-/tmp}/tx.$$" "${TMPDIR:-/tmp}/rx.$$"
teardown_aftr "$A1"; teardown_aftr "$A2"

# --- wrong key, no key on one side: nothing synced, counted ---------------------
check "aftr1 with key A" setup_aftr "$A1" 192.0.2.2 "$KEY" 1
check "aftr2 with key B" setup_aftr "$A2" 192.0.2.1 "another-key-0123456789" 1
D -n "$A1" service-location set 1 role master; D -n "$A2" service-location set 1 role backup
vip_to "$A1"; probe 5555 >/dev/null; sleep 2
assert_eq "wrong key: aftr2 drops and counts" "$(sj "$A2" '["sync"]["drop_auth"] > 0')" True
assert_eq "wrong key: nothing synced" "$(D -n "$A2" -j session show | json 'len(j)')" 0
assert_eq "wrong key: peer heard but refused (auth-failed, not down)" "$(sj "$A2" '["peer_state"]')" auth-failed
teardown_aftr "$A2"
check "aftr2 without a key" setup_aftr "$A2" 192.0.2.1 "" 1
D -n "$A2" service-location set 1 role backup; probe 5555 >/dev/null; sleep 2
assert_eq "no key on one side: the keyed side refuses the plain packets" "$(sj "$A1" '["sync"]["drop_auth"] > 0')" True
assert_eq "no key on one side: the plain side refuses the signed packets" "$(sj "$A2" '["sync"]["drop_auth"] > 0')" True
assert_eq "no key on one side: nothing synced" "$(D -n "$A2" -j session show | json 'len(j)')" 0
teardown_aftr "$A1"; teardown_aftr "$A2"

# --- configuration mismatch: different instance id -------------------------------
check "aftr1 instance id 1" setup_aftr "$A1" 192.0.2.2 "$KEY" 1
check "aftr2 instance id 2" setup_aftr "$A2" 192.0.2.1 "$KEY" 2
D -n "$A1" service-location set 1 role master; D -n "$A2" service-location set 1 role backup
vip_to "$A1"
check "mismatch reported (aftr2)" peer_state_is "$A2" config-mismatch
check "mismatch reported (aftr1)" peer_state_is "$A1" config-mismatch
probe 5555 >/dev/null; sleep 1
assert_eq "mismatch: nothing synced" "$(D -n "$A2" -j session show | json 'len(j)')" 0
teardown_aftr "$A1"; teardown_aftr "$A2"

sessions() { D -n "$1" -j session show | json 'sorted((s["proto"], s["inner_port"], s["public_addr"], s["public_port"], s["remote_port"]) for s in j)'; }
tables_equal() {
	for _ in $(seq 1 60); do
		[[ $(sessions "$A1") == "$(sessions "$A2")" ]] && return 0
		sleep 0.25
	done
	return 1
}

# --- synced sessions take their ports on the backup too ---------------------------
# One block of 8 ports per user: 6 mappings made on the master, synced;
# after the switch the new master has 2 ports left, and must know which:
# its pick searches each block's record of taken ports, which the synced
# sessions must have marked, or it would hand out a port in use.
OPTS8="port-block-size 8 port-range 1024-1031 max-blocks-per-user 1"
check "ports: aftr1 configured (blocks of 8, one per user)" setup_aftr "$A1" 192.0.2.2 "$KEY" 1 "" "$OPTS8"
check "ports: aftr2 configured (blocks of 8, one per user)" setup_aftr "$A2" 192.0.2.1 "$KEY" 1 "" "$OPTS8"
vip_to "$A1"
D -n "$A1" service-location set 1 role master; D -n "$A2" service-location set 1 role backup
check "ports: in sync" peer_state_is "$A2" in-sync
got=
for p in 6201 6202 6203 6204 6205 6206; do got+="$(probe $p) "; done
[[ $got != *none* ]] && ok "ports: 6 mappings through aftr1" || fail "ports: 6 mappings through aftr1" "$got"
check "ports: the backup holds the master's 6 sessions" tables_equal
D -n "$A1" service-location set 1 role backup
vip_to "$A2"
D -n "$A2" service-location set 1 role master
got=
for p in 6207 6208; do got+="$(probe $p) "; done
[[ $got != *none* ]] && ok "ports: the 2 free ports serve 2 new mappings on aftr2" ||
	fail "ports: the 2 free ports serve 2 new mappings on aftr2" "$got"
q0=$(D -n "$A2" -j stats show | json 'j[0]["drop_quota"]')
got=$(probe 6209)
assert_eq "ports: a ninth mapping finds the block full (no port reused): $got" "$got" none
assert_eq "ports: and is counted as quota" "$(D -n "$A2" -j stats show | json 'j[0]["drop_quota"] > '"$q0")" True
assert_eq "ports: aftr2 holds 8 mappings on 8 distinct public ports" \
	"$(D -n "$A2" -j session show proto udp | json 'len(j) == 8 and len({(s["public_addr"], s["public_port"]) for s in j}) == 8')" True
teardown_aftr "$A1"; teardown_aftr "$A2"
sync_ctr() { sj "$1" "[\"sync\"][\"$2\"]"; }

# --- the link between the routers fails, then comes back ------------------------
# one port block per address (1024-1535): the user's new block after the
# flap, on another address, has the same index as its stale one on the
# backup, which must not pass for the same block
check "resync: aftr1 configured (one port block per address)" setup_aftr "$A1" 192.0.2.2 "$KEY" 1 1024-1535
check "resync: aftr2 configured (one port block per address)" setup_aftr "$A2" 192.0.2.1 "$KEY" 1 1024-1535
vip_to "$A1"
D -n "$A1" service-location set 1 role master; D -n "$A2" service-location set 1 role backup
check "resync: in sync" peer_state_is "$A2" in-sync
for p in 6001 6002 6003 6004; do probe $p >/dev/null; done
check "resync: the backup holds the master's 4 sessions" tables_equal
ip -n "$A1" link set sy0 down
check "link down: aftr1 reports the peer down" peer_state_is "$A1" down
check "link down: aftr2 reports the peer down" peer_state_is "$A2" down
check "link down: aftr1 still healthy (a dead peer is no reason)" D -n "$A1" service-location check 1
check "link down: aftr2 still healthy" D -n "$A2" service-location check 1
pub_old=$(D -n "$A1" -j user show | json 'j[0]["public_addr"]')
D -n "$A1" session flush proto udp
# the user goes too (GC); its next flows get an address at random, most
# often another one: the backup's stale user then stands in the way
users_gone() { [[ $(D -n "$A1" -j stats show | json 'j[0]["users"]') == 0 ]]; }
for _ in $(seq 1 50); do users_gone && break; sleep 0.2; done
got=
for p in 6005 6006 6007; do got+="$(probe $p) "; done
[[ $got != *none* ]] && ok "link down: new flows through the master" || fail "link down: new flows through the master" "$got"
assert_eq "link down: the backup translated nothing (no split brain on the data path)" \
	"$(D -n "$A2" -j stats show | json 'j[0]["out_packets"]')" 0
pub_new=$(D -n "$A1" -j user show | json 'j[0]["public_addr"]')
echo "# link down: the user's public address was $pub_old, now $pub_new"
[[ $(sessions "$A1") != "$(sessions "$A2")" ]] && ok "link down: the tables differ now" ||
	fail "link down: the tables differ now"
bulk0=$(sync_ctr "$A2" bulk_received)
ip -n "$A1" link set sy0 up
check "link back: in sync again (aftr2)" peer_state_is "$A2" in-sync
check "link back: in sync again (aftr1)" peer_state_is "$A1" in-sync
check "link back: the tables are equal again (stale flows gone, new ones there)" tables_equal
[[ $(sessions "$A2") == *6005* && $(sessions "$A2") != *6001* ]] && ok "link back: the backup has 6005, not 6001" ||
	fail "link back: the backup has 6005, not 6001" "$(sessions "$A2")"
# the backup's stale user (on the old address, with sessions) refuses the
# new block: the sweep drops its sessions and it asks for the bulk again
want=1
[[ $pub_new != "$pub_old" ]] && want=2
assert_eq "link back: by a bulk resync ($want bulks: the address changed? $([[ $want == 2 ]] && echo yes || echo no))" \
	"$(($(sync_ctr "$A2" bulk_received) - bulk0))" "$want"
assert_eq "link back: the backup's user has the master's address and block ($pub_new)" \
	"$(users_of "$A2")" "$(users_of "$A1")"
# the pools' books: every block a user holds is counted, no block has two
# holders, and nothing is counted past the pool (a double-held block once
# made blocks_used underflow to 4294967295 and gave one block to two B4s)
books() {	# NS: "ok" or what is wrong
	python3 -c '
import json, sys
pools, users = json.loads(sys.argv[1]), json.loads(sys.argv[2])
held = [(u["public_addr"], b["first"]) for u in users for b in u["blocks"]]
used = sum(p["blocks_used"] for p in pools); total = sum(p["blocks"] for p in pools)
bad = []
if len(held) != len(set(held)): bad.append("a block held twice: %s" % held)
if used > total: bad.append("blocks_used %d of %d" % (used, total))
if used < len(set(held)): bad.append("blocks_used %d < %d held" % (used, len(set(held))))
print("; ".join(bad) or "ok")' "$(D -n "$1" -j pool show)" "$(D -n "$1" -j user show)"
}
assert_eq "link back: aftr1's pool books hold" "$(books "$A1")" ok
assert_eq "link back: aftr2's pool books hold" "$(books "$A2")" ok
# then the backup takes over, and a flow of a new port needs its blocks
D -n "$A1" service-location set 1 role backup
vip_to "$A2"
D -n "$A2" service-location set 1 role master
got=$(probe 6008)
[[ $got != none ]] && ok "after the resync, the backup takes over: a new flow works" ||
	fail "after the resync, the backup takes over: a new flow works" "$got"
assert_eq "after the takeover: aftr2's pool books hold" "$(books "$A2")" ok
D -n "$A2" service-location set 1 role backup
vip_to "$A1"
D -n "$A1" service-location set 1 role master
check "back to aftr1: in sync" peer_state_is "$A2" in-sync

# --- replayed, forged, truncated, unknown-version sync packets -------------------
# capture what aftr2 receives from aftr1 while new flows are synced
ip netns exec "$A2" python3 "$LIB_DIR/py/ha_sync_capture.py" "${TMPDIR:-/tmp}/cap.$$" 5 &
CAP=$!
sleep 0.5
for p in 6101 6102 6103; do probe $p >/dev/null; done
wait $CAP
n=$(grep -c . "${TMPDIR:-/tmp}/cap.$$")
check "captured aftr1's sync packets ($n)" test "$n" -ge 3
sleep 1	# everything acked: nothing is being resent
before=$(sessions "$A2")
st0=$(D -n "$A2" -j service-location show 1)
ip netns exec "$A1" python3 "$LIB_DIR/py/ha_sync_replay.py" "${TMPDIR:-/tmp}/cap.$$"
sleep 1
st1=$(D -n "$A2" -j service-location show 1)
d() { python3 -c 'import json,sys; a=json.loads(sys.argv[1])[0]["sync"]; b=json.loads(sys.argv[2])[0]["sync"]; print(b[sys.argv[3]] - a[sys.argv[3]])' "$1" "$2" "$3"; }
# DATA of the current stream looks like a resend (rx_duplicate, acked,
# not applied); the HELLOs and ACKs are replays (drop_replay)
nd=$(python3 -c 'import sys; print(sum(1 for l in open(sys.argv[1]) if l.strip() and bytes.fromhex(l.strip())[43] == 2))' "${TMPDIR:-/tmp}/cap.$$")
assert_eq "replay: every replayed packet dropped and counted (drop_replay +$((n - nd)), rx_duplicate +$nd)" \
	"$(d "$st0" "$st1" drop_replay) $(d "$st0" "$st1" rx_duplicate)" "$((n - nd)) $nd"
assert_eq "replay: no record applied" "$(d "$st0" "$st1" rx_records)" 0
assert_eq "replay: the backup's sessions did not change" "$(sessions "$A2")" "$before"
# one DATA packet of the capture, altered: IPv4/UDP rebuilt, checksum 0
alter() {	# HOW: forge | truncate | version
	ip netns exec "$A1" python3 "$LIB_DIR/py/ha_sync_alter.py" "${TMPDIR:-/tmp}/cap.$$" "$1"
}
for how in forge:drop_auth truncate:drop_malformed version:drop_malformed; do
	st0=$(D -n "$A2" -j service-location show 1)
	alter "${how%%:*}"
	sleep 0.5
	st1=$(D -n "$A2" -j service-location show 1)
	case ${how%%:*} in forge) what=forged ;; truncate) what=truncated ;; *) what=unknown-version ;; esac
	assert_eq "$what packet: dropped and counted (${how#*:} +1), nothing applied" \
		"$(d "$st0" "$st1" "${how#*:}") $(d "$st0" "$st1" rx_records)" "1 0"
done
rm -f "${TMPDIR:-/tmp}/cap.$$"

# --- rejoin: the backup comes back empty; it may not be master before it has
# the state ------------------------------------------------------------------------
teardown_aftr "$A2"
D -n "$A2" ha set hot-backup on
D -n "$A2" service-location add 1 remote-backup interface sy0 peer 192.0.2.1 \
	authentication-key "$KEY" hash-algorithm hmac-sha256
first=$(D -n "$A2" service-location check 1; echo "rc=$?")
D -n "$A2" service-instance-group add sig1 service-location 1
D -n "$A2" instance add dsl0 id 1 aftr 2001:db8::1 service-instance-group sig1
D -n "$A2" instance set dsl0 port-range 1024-1535	# as aftr1 (see resync)
ip -n "$A2" link set dsl0 up
D -n "$A2" pool add dsl0 198.51.100.0/28 service-location 1
ip -n "$A2" route add 198.51.100.0/28 dev dsl0
D -n "$A2" service-location set 1 role backup
[[ $first == *"not healthy"*"rc=3" ]] && ok "rejoin: not healthy at first ($(head -1 <<<"$first"))" ||
	fail "rejoin: not healthy at first" "$first"
healthy_at=
for i in $(seq 1 100); do
	if D -n "$A2" service-location check 1 >/dev/null; then
		healthy_at=$i
		break
	fi
	sleep 0.2
done
check "rejoin: healthy once the bulk is complete" test -n "$healthy_at"
assert_eq "rejoin: at that moment it holds every session of the master" "$(sessions "$A2")" "$(sessions "$A1")"
assert_eq "rejoin: and its peer state is in-sync" "$(sj "$A2" '["peer_state"]')" in-sync

# --- the master's instance is deleted: the backup keeps what it would take
# over (a dying instance's sessions are not deletions to sync) -------------------
held=$(sessions "$A2")
D -n "$A1" instance del dsl0
sleep 1.5
assert_eq "instance del on the master: the backup still holds every session" "$(sessions "$A2")" "$held"
teardown_aftr "$A1"; teardown_aftr "$A2"

ksft_finish
